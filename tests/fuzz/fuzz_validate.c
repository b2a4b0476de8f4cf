/*
 * fuzz_validate.c - threaded validation against the inline one
 *
 * Each input is a table, validated against one schema that reaches every
 * path of the row check (blocks and their column scans, the full check,
 * an integer unique key, a composite primary key, a unique key of two
 * fields, missing values) by mlg_validate(). The first byte picks the
 * dialect (or JSON Lines), the error list's limit, how much the reader
 * buffers, down to 64 bytes, so that chunk boundaries and buffer ends
 * fall all over a small table, whether dataset checks run too (then
 * rows go one by one, not in blocks), and for a third of its values a
 * record size limit of 200 bytes. Inline (1 thread) with that buffer
 * is the reference; inline with the default buffer, and 2 and 3 threads
 * with the small one, must give the same: the return code and message,
 * rows, bytes, labels, counts per error type and field, the list, in
 * order, member by member, the rows written to --invalid-rows and
 * --valid-rows, and each dataset check's verdict, value and message (of
 * a run that fails, the code and message only). Any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/dscheck.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"
#include "mlgate/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema_json[] =
	"{\"missingValues\": [\"\", \"NA\"],"
	" \"primaryKey\": [\"id\", \"k\"],"
	" \"uniqueKeys\": [[\"k\", \"s\"]],"
	" \"fields\": ["
	"  {\"name\": \"id\", \"type\": \"integer\","
	"   \"constraints\": {\"unique\": true, \"minimum\": 0}},"
	"  {\"name\": \"k\", \"type\": \"string\","
	"   \"constraints\": {\"enum\": [\"a\", \"b\", \"c\", \"dd\"],"
	"                     \"pattern\": \"[a-c]|x\"}},"
	"  {\"name\": \"x\", \"type\": \"number\","
	"   \"constraints\": {\"minimum\": -10, \"maximum\": 10}},"
	"  {\"name\": \"d\", \"type\": \"date\","
	"   \"constraints\": {\"maximum\": \"2030-01-01\"}},"
	"  {\"name\": \"f\", \"type\": \"boolean\"},"
	"  {\"name\": \"s\", \"type\": \"string\","
	"   \"constraints\": {\"maxLength\": 5}}"
	" ]}";

/* The last is JSON Lines', as data-validate sets it up. */
static const struct mlg_csv_dialect dialects[] = {
	{',', '"', 1, 0, 0, 0, 1},     /* RFC 4180 */
	{',', '"', 1, 0, '#', 1, 1},   /* comments, initial spaces */
	{';', '\'', 0, '\\', 0, 0, 1}, /* backslash escapes */
	{0x1f, 0, 0, 0, 0, 0, 0},      /* JSON Lines */
};

static const size_t chunks[] = {64, 100, 257, 1024, 4096, 0};

/* Dataset checks whose metrics do not depend on how the rows are cut
 * (not sums or quantiles, whose rounding does); "%s" is the key_overlap
 * file. */
static const char checks_fmt[] =
	"{\"checks\": ["
	" \"row_count between 1 and 100\","
	" \"null_count(x) <= 1\", \"null_fraction(s) <= 0.5\","
	" \"min(x) >= -5\", \"max(x) <= 5\", \"max(d) <= 20000\","
	" \"distinct_count(k) >= 2\","
	" {\"rule\": \"in_set_fraction(k) >= 0.5\", \"values\": [\"a\"]},"
	" {\"rule\": \"set_coverage(k) >= 1\", \"values\": [\"a\", \"b\"]},"
	" \"label_share(f=true) between 0.2 and 0.8\","
	" \"duplicate_rows <= 0\","
	" {\"rule\": \"key_overlap(id) <= 0\", \"with\": \"%s\"},"
	" \"freshness_days(d) <= 30\""
	"]}";

struct run {
	int rc;
	char *msg;
	struct mlg_validate_result r;
	struct mlg_report checks; /* of opts->checks, when set */
	struct mlg_buf rows[2];	  /* --invalid-rows, --valid-rows */
	int has[2];
};

/* The whole file at `path` into `out`, and removed; 0 when there is
 * none. */
static int slurp(struct mlg_buf *out, const char *path)
{
	if (!mlg_file_exists(path))
		return 0;
	if (mlg_file_read(out, path, MLG_BUF_NOCAP))
		abort();
	remove(path);
	return 1;
}

static char tmpdir[] = "/tmp/fuzz_validate.XXXXXX";

static void remove_dir(void)
{
	rmdir(tmpdir);
}

/* A directory of this process's own for the files it writes. */
static const char *workdir(void)
{
	static int made;

	if (!made) {
		if (!mkdtemp(tmpdir))
			abort();
		atexit(remove_dir);
		made = 1;
	}
	return tmpdir;
}

static void validate(struct run *out, const char *path,
		     struct mlg_validate_opts *o, int threads)
{
	char inv[64], val[64];
	int k;

	snprintf(inv, sizeof(inv), "%s/invalid.csv", workdir());
	snprintf(val, sizeof(val), "%s/valid.csv", workdir());
	memset(out, 0, sizeof(*out));
	o->threads = threads;
	o->invalid_rows = inv;
	o->valid_rows = val;
	mlg_error_clear();
	out->rc = mlg_validate(&out->r, path, o);
	out->msg = strdup(out->rc ? mlg_error_message() : "");
	if (!out->msg)
		abort();
	for (k = 0; k < 2; k++) {
		mlg_buf_init(&out->rows[k], 0);
		out->has[k] = slurp(&out->rows[k], k ? val : inv);
	}
	mlg_report_init(&out->checks, "fuzz", "0");
	if (o->checks && !out->rc)
		mlg_dscheck_report(o->checks, out->r.stats, &out->checks, "t",
				   1.7e9);
}

static void run_release(struct run *x)
{
	mlg_validate_result_release(&x->r);
	free(x->msg);
	mlg_buf_release(&x->rows[0]);
	mlg_buf_release(&x->rows[1]);
	mlg_report_release(&x->checks);
}

static int str_diff(const char *a, const char *b)
{
	return (!a || !b) ? a != b : strcmp(a, b) != 0;
}

/* The same checks with the same verdicts, values (to the bit) and
 * messages. */
static int same_checks(const struct mlg_report *a, const struct mlg_report *b)
{
	size_t i;

	if (a->nchecks != b->nchecks)
		return 0;
	for (i = 0; i < a->nchecks; i++) {
		const struct mlg_check *x = a->checks[i], *y = b->checks[i];

		if (strcmp(x->id, y->id) || x->status != y->status ||
		    x->has_value != y->has_value ||
		    (x->has_value &&
		     memcmp(&x->value, &y->value, sizeof(x->value))) ||
		    str_diff(x->message, y->message))
			return 0;
	}
	return 1;
}

/* Abort, saying what differs, unless b is a. */
static void same(const struct run *a, const struct run *b, const char *run)
{
	const struct mlg_validate_result *x = &a->r, *y = &b->r;
	const char *what = NULL;
	size_t i, n;

	/* A run that fails (a record over the size limit) stops where its
	 * chunks had got to: only the code and message must agree. */
	if (a->rc != b->rc || strcmp(a->msg, b->msg))
		what = "return code or message";
	else if (a->rc)
		return;
	else if (x->rows != y->rows || x->bytes != y->bytes ||
		 x->errors != y->errors)
		what = "rows, bytes or error count";
	else if (x->nlabels != y->nlabels || x->nfields != y->nfields ||
		 x->nlist != y->nlist)
		what = "labels, fields or listed errors";
	for (i = 0; !what && i < x->nlabels; i++)
		if (str_diff(x->labels[i], y->labels[i]))
			what = "a label";
	n = (x->counts && y->counts) ? MLG_VE_COUNT * (x->nfields + 1) : 0;
	if (!what && !x->counts != !y->counts)
		what = "counts";
	for (i = 0; !what && i < n; i++)
		if (x->counts[i] != y->counts[i])
			what = "a count";
	for (i = 0; !what && i < x->nlist; i++) {
		const struct mlg_verr *e = &x->list[i], *f = &y->list[i];

		if (e->type != f->type || e->row != f->row ||
		    e->line != f->line || e->field != f->field ||
		    str_diff(e->field_name, f->field_name) ||
		    str_diff(e->cell, f->cell) || str_diff(e->note, f->note))
			what = "a listed error";
	}
	for (i = 0; !what && i < 2; i++)
		if (a->has[i] != b->has[i] ||
		    a->rows[i].len != b->rows[i].len ||
		    (a->rows[i].len &&
		     memcmp(a->rows[i].ptr, b->rows[i].ptr, a->rows[i].len)))
			what = i ? "the valid rows" : "the invalid rows";
	if (!what && !same_checks(&a->checks, &b->checks))
		what = "the dataset checks";
	if (!what)
		return;
	fprintf(stderr, "fuzz_validate: %s differs from inline: %s\n", run,
		what);
	fprintf(stderr, "  inline: rc %d '%s', %llu rows, %llu errors\n", a->rc,
		a->msg, (unsigned long long)x->rows,
		(unsigned long long)x->errors);
	fprintf(stderr, "  %s: rc %d '%s', %llu rows, %llu errors\n", run,
		b->rc, b->msg, (unsigned long long)y->rows,
		(unsigned long long)y->errors);
	abort();
}

static struct mlg_schema *schema(void)
{
	static struct mlg_schema s;
	static int loaded;
	struct mlg_json_doc doc;

	if (loaded)
		return &s;
	if (mlg_json_parse(&doc, "schema.json", schema_json,
			   sizeof(schema_json) - 1) ||
	    mlg_schema_parse(&s, &doc)) {
		fprintf(stderr, "fuzz_validate: %s\n", mlg_error_message());
		abort();
	}
	mlg_json_doc_release(&doc);
	loaded = 1;
	return &s;
}

/* The dataset checks, their key_overlap file beside the outputs. */
static struct mlg_dscheck *checks(const struct mlg_csv_dialect *d)
{
	static struct mlg_dscheck *c;
	static const char ids[] = "id\n7\n9\n";
	char path[64], with[64], text[sizeof(checks_fmt) + 64];

	if (c)
		return c;
	snprintf(path, sizeof(path), "%s/checks.json", workdir());
	snprintf(with, sizeof(with), "%s/with.csv", workdir());
	snprintf(text, sizeof(text), checks_fmt, with);
	if (mlg_file_write(with, ids, sizeof(ids) - 1) ||
	    mlg_file_write(path, text, strlen(text)) ||
	    mlg_dscheck_load(&c, path, schema()) ||
	    mlg_dscheck_prepare(c, d, MLG_VALIDATE_UNIQUE_MEMORY)) {
		fprintf(stderr, "fuzz_validate: %s\n", mlg_error_message());
		abort();
	}
	remove(path);
	remove(with);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_validate_opts o;
	struct run one, other;
	char path[64];
	unsigned cfg;
	size_t small;
	int fd, t;

	if (!size)
		return 0;
	cfg = data[0];
	data++;
	size--;
	fd = memfd_create("fuzz.csv", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	memset(&o, 0, sizeof(o));
	o.schema = schema();
	o.dialect = dialects[cfg % 4];
	o.jsonl = cfg % 4 == 3;
	o.limit_errors = (cfg / 4) % 2 ? 1000 : 3;
	o.unique_memory = MLG_VALIDATE_UNIQUE_MEMORY;
	o.chunk_size = small = chunks[(cfg / 8) % 6];
	if ((cfg / 48) % 2)
		o.checks = checks(&dialects[0]);
	if (cfg / 96 == 2)
		o.max_record = 200;

	validate(&one, path, &o, 1);
	for (t = 0; t < 3; t++) {
		static const char *const runs[] = {"inline, default buffer",
						   "2 threads", "3 threads"};

		o.chunk_size = t ? small : 0;
		validate(&other, path, &o, t ? t + 1 : 1);
		same(&one, &other, runs[t]);
		run_release(&other);
	}
	run_release(&one);
	close(fd);
	return 0;
}
