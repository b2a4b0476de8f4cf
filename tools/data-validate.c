/*
 * data-validate - stream tables through a Frictionless Table Schema
 *
 *   data-validate --schema schema.json train.csv test.csv.gz
 *
 * Every file is read once, in constant memory (apart from the fingerprint
 * sets of unique keys), by all cores, and each error is reported with its
 * row, field, value and rule. Exit 0 valid, 1 invalid, 2 bad schema or
 * usage, 3 I/O or network failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/driftcheck.h"
#include "mlgate/dscheck.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"
#include "mlgate/validate.h"

static const char *input_format, *checks_path, *now_text;
static const char *const input_formats[] = {"csv", "tsv", "jsonl", NULL};
static const char *schema_path, *dialect_path, *delimiter, *quote_char,
	*escape_char, *comment_char, *invalid_rows, *valid_rows;
static int no_header, no_double_quote, skip_initial_space;
static const char *output_path, *shard_text, *profile_path;
static const char *ref_path, *drift_cfg;
static int with_constraints;
static long chunk_rows = MLG_PROFILE_CHUNK_ROWS;
static long threads, limit_errors = MLG_VALIDATE_LIMIT_ERRORS,
		     unique_memory = 1024, timeout_s = 300;

static const struct mlg_opt opts[] = {
	{"schema", 's', MLG_OPT_STRING, &schema_path, "FILE",
	 "Frictionless Table Schema (v1 or v2) to validate against", NULL},
	{"checks", 'c', MLG_OPT_STRING, &checks_path, "FILE",
	 "dataset checks: rules over row counts, nulls, statistics (JSON)",
	 NULL},
	{"now", 0, MLG_OPT_STRING, &now_text, "DATE",
	 "the date freshness is measured from (default: today)", NULL},
	{"profile", 0, MLG_OPT_STRING, &profile_path, "FILE",
	 "also write the profile of the data (JSON), same pass", NULL},
	{"reference", 0, MLG_OPT_STRING, &ref_path, "FILE",
	 "report drift against a saved profile or a dataset", NULL},
	{"drift-config", 0, MLG_OPT_STRING, &drift_cfg, "FILE",
	 "drift limits per column and statistic (JSON)", NULL},
	{"dialect", 0, MLG_OPT_STRING, &dialect_path, "FILE",
	 "Frictionless CSV/Table Dialect (JSON)", NULL},
	{"input-format", 0, MLG_OPT_CHOICE, &input_format, "csv|tsv|jsonl",
	 "how the data is written (default: from the file name, else csv)",
	 input_formats},
	{"delimiter", 'd', MLG_OPT_STRING, &delimiter, "CHAR",
	 "field delimiter (default ',', '\\t' for .tsv files)", NULL},
	{"quote-char", 0, MLG_OPT_STRING, &quote_char, "CHAR",
	 "quote character (default '\"'; '' for none)", NULL},
	{"escape-char", 0, MLG_OPT_STRING, &escape_char, "CHAR",
	 "escape character (default none)", NULL},
	{"comment-char", 0, MLG_OPT_STRING, &comment_char, "CHAR",
	 "skip lines starting with CHAR", NULL},
	{"no-header", 0, MLG_OPT_FLAG, &no_header, NULL,
	 "the first row is data; columns map to fields by position", NULL},
	{"no-double-quote", 0, MLG_OPT_FLAG, &no_double_quote, NULL,
	 "\"\" inside quotes is not a quote", NULL},
	{"skip-initial-space", 0, MLG_OPT_FLAG, &skip_initial_space, NULL,
	 "ignore spaces after a delimiter", NULL},
	{"threads", 'j', MLG_OPT_INT, &threads, "N",
	 "worker threads (default: one per core)", NULL},
	{"limit-errors", 0, MLG_OPT_INT, &limit_errors, "N",
	 "list at most N errors per file; all are counted (default 1000)",
	 NULL},
	{"invalid-rows", 0, MLG_OPT_STRING, &invalid_rows, "FILE",
	 "write the failing rows, each prefixed by its row number", NULL},
	{"valid-rows", 0, MLG_OPT_STRING, &valid_rows, "FILE",
	 "write the rows that pass, with the header", NULL},
	{"unique-memory", 0, MLG_OPT_INT, &unique_memory, "MIB",
	 "memory cap of unique/primaryKey checks (default 1024)", NULL},
	{"timeout", 0, MLG_OPT_INT, &timeout_s, "SECONDS",
	 "network timeout for http(s) inputs (default 300)", NULL},
	MLG_OPT_END,
};

static const char *const usage[] = {"--schema FILE [options] <data>...",
				    "profile|merge|infer ...", NULL};

#define DIALECT_OPTS                                                           \
	{"dialect",	0,	MLG_OPT_STRING,                                \
	 &dialect_path, "FILE", "Frictionless CSV/Table Dialect (JSON)",       \
	 NULL},                                                                \
		{"input-format",                                               \
		 0,                                                            \
		 MLG_OPT_CHOICE,                                               \
		 &input_format,                                                \
		 "csv|tsv",                                                    \
		 "how the data is written (default: from the "                 \
		 "file name, else csv)",                                       \
		 input_formats},                                               \
		{"delimiter",                                                  \
		 'd',                                                          \
		 MLG_OPT_STRING,                                               \
		 &delimiter,                                                   \
		 "CHAR",                                                       \
		 "field delimiter (default ',', '\\t' for .tsv files)",        \
		 NULL},                                                        \
		{"quote-char",                                                 \
		 0,                                                            \
		 MLG_OPT_STRING,                                               \
		 &quote_char,                                                  \
		 "CHAR",                                                       \
		 "quote character (default '\"'; '' for none)",                \
		 NULL},                                                        \
		{"escape-char", 0,	MLG_OPT_STRING,                        \
		 &escape_char,	"CHAR", "escape character (default none)",     \
		 NULL},                                                        \
		{"comment-char",                                               \
		 0,                                                            \
		 MLG_OPT_STRING,                                               \
		 &comment_char,                                                \
		 "CHAR",                                                       \
		 "skip lines starting with CHAR",                              \
		 NULL},                                                        \
	{                                                                      \
		"timeout", 0, MLG_OPT_INT, &timeout_s, "SECONDS",              \
			"network timeout for http(s) inputs (default 300)",    \
			NULL                                                   \
	}

static const struct mlg_opt profile_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &output_path, "FILE",
	 "write the profile here (JSON, docs/profile.md)", NULL},
	{"shard", 0, MLG_OPT_STRING, &shard_text, "K/N",
	 "profile only chunks K-1, K-1+N, ... (for merging later)", NULL},
	{"chunk-rows", 0, MLG_OPT_INT, &chunk_rows, "N",
	 "rows per chunk for --shard (default 10000)", NULL},
	DIALECT_OPTS,
	MLG_OPT_END,
};

static const struct mlg_opt merge_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &output_path, "FILE",
	 "write the merged profile here", NULL},
	MLG_OPT_END,
};

static const struct mlg_opt infer_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &output_path, "FILE",
	 "write the schema here (default: standard output)", NULL},
	{"constraints", 0, MLG_OPT_FLAG, &with_constraints, NULL,
	 "add minimum/maximum, and enum for <= 20 distinct values", NULL},
	DIALECT_OPTS,
	MLG_OPT_END,
};

static int one_char(char *out, const char *opt, const char *v, int empty_ok)
{
	if (!v)
		return 0;
	if (!strcmp(v, "\\t")) {
		*out = '\t';
		return 0;
	}
	if (strlen(v) == 1 || (empty_ok && !*v)) {
		*out = v[0];
		return 0;
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--%s' expects one character, not '%s'",
			     opt, v);
}

/* "csv", "tsv" or "jsonl" from a name such as "part-1.jsonl.gz". */
static const char *format_of(const char *src)
{
	static const char *const zips[] = {".gz", ".zst", ".xz", ".bz2"};
	static const char *const exts[][2] = {{".tsv", "tsv"},
					      {".tab", "tsv"},
					      {".jsonl", "jsonl"},
					      {".ndjson", "jsonl"}};
	size_t n = strlen(src), i, k;

	for (i = 0; i < MLG_ARRAY_SIZE(zips); i++) {
		k = strlen(zips[i]);
		if (n > k && !strcmp(src + n - k, zips[i])) {
			n -= k;
			break;
		}
	}
	for (i = 0; i < MLG_ARRAY_SIZE(exts); i++) {
		k = strlen(exts[i][0]);
		if (n > k && !strncmp(src + n - k, exts[i][0], k))
			return exts[i][1];
	}
	return "csv";
}

static int dialect_for(struct mlg_validate_opts *o, const char *src)
{
	const char *fmt = input_format ? input_format : format_of(src);
	struct mlg_csv_dialect *d = &o->dialect;
	struct mlg_json_doc doc;
	int rc;

	mlg_csv_dialect_init(d);
	o->jsonl = !strcmp(fmt, "jsonl");
	if (o->jsonl) {
		/* Lines hold JSON, which cannot contain a raw 0x1f: each line
		 * is one record, read whole. */
		d->delimiter = 0x1f;
		d->quote = 0;
		d->double_quote = 0;
		d->header = 0;
		return 0;
	}
	if (!strcmp(fmt, "tsv"))
		d->delimiter = '\t';
	if (dialect_path) {
		if ((rc = mlg_json_load(&doc, dialect_path, 0)))
			return rc;
		rc = mlg_dialect_parse(d, &doc);
		mlg_json_doc_release(&doc);
		if (rc)
			return rc;
	}
	if ((rc = one_char(&d->delimiter, "delimiter", delimiter, 0)) ||
	    (rc = one_char(&d->quote, "quote-char", quote_char, 1)) ||
	    (rc = one_char(&d->escape, "escape-char", escape_char, 0)) ||
	    (rc = one_char(&d->comment, "comment-char", comment_char, 0)))
		return rc;
	if (no_header)
		d->header = 0;
	if (no_double_quote)
		d->double_quote = 0;
	if (skip_initial_space)
		d->skip_initial_space = 1;
	return mlg_csv_dialect_check(d);
}

/* --now 2026-11-22 or 2026-11-22T10:00:00Z */
static int parse_now(double *out)
{
	int64_t us;

	if (!mlg_cast_temporal(&us, MLG_T_DATETIME, MLG_FMT_DEFAULT, NULL,
			       now_text, strlen(now_text))) {
		*out = (double)us / 1e6;
		return 0;
	}
	if (!mlg_cast_temporal(&us, MLG_T_DATE, MLG_FMT_DEFAULT, NULL, now_text,
			       strlen(now_text))) {
		*out = (double)us * 86400;
		return 0;
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--now' expects a date or datetime "
			     "(2026-11-22, 2026-11-22T10:00:00Z), not '%s'",
			     now_text);
}

static const char *short_name(const char *src)
{
	const char *s = strrchr(src, '/');

	return s && s[1] && !strstr(src, "://") ? s + 1 : src;
}

/* "row 3: 'abc': type is "integer/default"": the value next to the rule,
 * where the rule's note does not show it already. */
static void finding_text(struct mlg_buf *m, const struct mlg_verr *e)
{
	if (e->type >= MLG_VE_DUPLICATE_LABEL &&
	    e->type <= MLG_VE_INCORRECT_LABEL)
		mlg_buf_addf(m, "header, column %zu: ", e->field);
	else if (e->row)
		mlg_buf_addf(m, "row %llu: ", (unsigned long long)e->row);
	if (e->cell &&
	    (e->type == MLG_VE_TYPE || e->type == MLG_VE_EXTRA_CELL ||
	     e->type == MLG_VE_ENCODING))
		mlg_buf_addf(m, "'%s': ", e->cell);
	mlg_buf_adds(m, e->note ? e->note : mlg_verr_name(e->type));
}

static void report_file(struct mlg_report *r, const struct mlg_schema *s,
			const struct mlg_validate_result *v, json_t *errors)
{
	const char *name = short_name(v->source);
	double mb = v->bytes / 1e6, rate = v->seconds > 0 ? mb / v->seconds : 0;
	struct mlg_check *c;
	size_t t, f, i;
	char buf[64];

	c = mlg_report_add_check(r, name,
				 v->errors ? MLG_STATUS_FAIL : MLG_STATUS_PASS,
				 "%llu rows, %.1f MB in %.2f s (%.0f MB/s)%s",
				 (unsigned long long)v->rows, mb, v->seconds,
				 rate, v->errors ? "" : ", valid");
	mlg_check_set_value(c, (double)v->errors, NULL);
	mlg_check_set_threshold(c, "errors == 0");
	for (t = 0; t < MLG_VE_COUNT; t++)
		for (f = 0; f <= s->nfields; f++) {
			uint64_t n = v->counts[t * (s->nfields + 1) + f];
			const char *field =
				f < s->nfields ? s->fields[f].name : NULL;
			struct mlg_buf id = MLG_BUF_INIT;

			if (!n)
				continue;
			mlg_buf_addf(&id, "%s:%s%s%s", name, mlg_verr_name(t),
				     field ? ":" : "", field ? field : "");
			c = mlg_report_add_check(
				r, id.ptr, MLG_STATUS_FAIL, "%llu error%s",
				(unsigned long long)n, n == 1 ? "" : "s");
			mlg_buf_release(&id);
			for (i = 0; i < v->nlist; i++) {
				const struct mlg_verr *e = &v->list[i];
				struct mlg_loc l = {v->source, e->line, 0,
						    e->field_name};
				struct mlg_buf m = MLG_BUF_INIT;

				if (e->type != t ||
				    (field ? !e->field_name ||
						     strcmp(e->field_name,
							    field)
					   : e->field_name != NULL))
					continue;
				finding_text(&m, e);
				mlg_check_add_finding(c, &l, "%s", m.ptr);
				mlg_buf_release(&m);
			}
			/* Findings were capped by --limit-errors too. */
			c->count = n;
		}
	for (i = 0; i < v->nlist; i++) {
		const struct mlg_verr *e = &v->list[i];
		json_t *o = json_object();
		struct mlg_buf m = MLG_BUF_INIT;

		mlg_verr_message(&m, e);
		json_object_set_new(o, "type",
				    json_string(mlg_verr_name(e->type)));
		json_object_set_new(o, "place", json_string(v->source));
		if (e->row)
			json_object_set_new(o, "rowNumber",
					    json_integer((json_int_t)e->row));
		if (e->line)
			json_object_set_new(o, "line",
					    json_integer((json_int_t)e->line));
		if (e->field)
			json_object_set_new(o, "fieldNumber",
					    json_integer((json_int_t)e->field));
		if (e->field_name)
			json_object_set_new(o, "fieldName",
					    json_string(e->field_name));
		if (e->cell)
			json_object_set_new(o, "cell", json_string(e->cell));
		if (e->note)
			json_object_set_new(o, "note", json_string(e->note));
		json_object_set_new(o, "message", json_string(m.ptr));
		json_array_append_new(errors, o);
		mlg_buf_release(&m);
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->rows);
	mlg_report_set_prop(r, "rows", buf);
}

/* ---- profile, merge, infer ---- */

static int parse_shard(struct mlg_profile_opts *po)
{
	char *end;
	unsigned long k, n;

	if (!shard_text)
		return 0;
	k = strtoul(shard_text, &end, 10);
	if (end != shard_text && *end == '/') {
		const char *b = end + 1;

		n = strtoul(b, &end, 10);
		if (end != b && !*end && k >= 1 && n >= 1 && k <= n &&
		    n <= 1000000) {
			po->shard = (unsigned)k;
			po->nshards = (unsigned)n;
			return 0;
		}
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--shard' expects K/N with 1 <= K <= N, "
			     "not '%s'",
			     shard_text);
}

/* Write `v` to `path`, or to the descriptor `fd` when path is NULL. */
static int write_json(const char *path, int fd, json_t *v)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc = mlg_json_dump(&b, v, 2);

	if (!rc)
		rc = mlg_buf_addch(&b, '\n');
	if (!rc && path)
		rc = mlg_file_write(path, b.ptr, b.len);
	else if (!rc && write(fd, b.ptr, b.len) != (ssize_t)b.len)
		rc = mlg_error_errno(errno, "cannot write the schema");
	mlg_buf_release(&b);
	return rc;
}

/* Profile every input and merge them into `all`; a table each. */
static int profile_inputs(struct mlg_profile *all, struct mlg_ctx *ctx)
{
	struct mlg_profile_opts po = {0};
	struct mlg_validate_opts vo = {0};
	struct mlg_profile p;
	int i, rc;

	memset(all, 0, sizeof(*all));
	if (chunk_rows <= 0)
		return mlg_error_set(MLG_EINVALID,
				     "--chunk-rows must be positive");
	if ((rc = parse_shard(&po)))
		return rc;
	po.chunk_rows = (uint64_t)chunk_rows;
	po.timeout_s = timeout_s;
	for (i = 0; i < ctx->argc; i++) {
		const char *src = ctx->argv[i];

		if ((rc = dialect_for(&vo, src)))
			break;
		if (vo.jsonl) {
			rc = mlg_error_set(MLG_EINVALID,
					   "cannot profile '%s' without a "
					   "schema: JSON Lines needs --schema",
					   src);
			break;
		}
		po.dialect = vo.dialect;
		po.dialect.header = 1;
		if ((rc = mlg_profile_read(&p, src, &po))) {
			if (rc == MLG_ENOTFOUND)
				rc = MLG_EIO;
			break;
		}
		mlg_report_add_check(&ctx->report, short_name(src),
				     MLG_STATUS_PASS,
				     "%llu rows, %zu columns profiled",
				     (unsigned long long)p.rows, p.ncols);
		mlg_profile_report(&p, &ctx->report, short_name(src));
		if (!i) {
			*all = p;
		} else {
			rc = mlg_profile_merge(all, &p);
			mlg_profile_release(&p);
			if (rc) {
				mlg_error_prefix("'%s'", src);
				break;
			}
		}
	}
	if (rc)
		mlg_profile_release(all);
	return rc;
}

static int run_profile(struct mlg_ctx *ctx)
{
	struct mlg_profile all;
	json_t *j;
	int rc;

	if ((rc = profile_inputs(&all, ctx)))
		return rc;
	if (output_path) {
		j = mlg_profile_to_json(&all);
		rc = write_json(output_path, 1, j);
		json_decref(j);
	}
	mlg_profile_release(&all);
	return rc;
}

static int run_merge(struct mlg_ctx *ctx)
{
	struct mlg_profile all = {0}, p;
	json_t *j;
	int i, rc = 0;

	for (i = 0; i < ctx->argc && !rc; i++) {
		if ((rc = mlg_profile_load(i ? &p : &all, ctx->argv[i]))) {
			/* A missing input of the pipeline: exit 3, as data. */
			if (rc == MLG_ENOTFOUND)
				rc = MLG_EIO;
			break;
		}
		if (i) {
			rc = mlg_profile_merge(&all, &p);
			mlg_profile_release(&p);
			if (rc)
				mlg_error_prefix("'%s'", ctx->argv[i]);
		}
	}
	if (!rc) {
		mlg_report_add_check(&ctx->report, "merge", MLG_STATUS_PASS,
				     "%d profiles, %llu rows", ctx->argc,
				     (unsigned long long)all.rows);
		mlg_profile_report(&all, &ctx->report, "merged");
	}
	if (!rc && output_path) {
		j = mlg_profile_to_json(&all);
		rc = write_json(output_path, 1, j);
		json_decref(j);
	}
	mlg_profile_release(&all);
	return rc;
}

static int run_infer(struct mlg_ctx *ctx)
{
	struct mlg_profile all;
	json_t *j;
	int rc;

	int fd = -1;

	/* Standard output holds the schema alone: the report, written
	 * after run(), goes to stderr. */
	if (!output_path) {
		fflush(stdout);
		if ((fd = dup(STDOUT_FILENO)) < 0 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			return mlg_error_errno(errno, "cannot set up stdout");
	}
	if (!(rc = profile_inputs(&all, ctx))) {
		j = mlg_profile_infer(&all, with_constraints);
		rc = write_json(output_path, fd, j);
		json_decref(j);
		mlg_profile_release(&all);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int drift_prepare(struct mlg_driftcheck *dc)
{
	struct mlg_profile_opts po = {.timeout_s = timeout_s};
	struct mlg_validate_opts vo = {0};
	int rc = dialect_for(&vo, ref_path);

	po.dialect = vo.dialect;
	po.dialect.header = 1;
	return rc ? rc : mlg_driftcheck_prepare(dc, ref_path, drift_cfg, &po);
}

static int run(struct mlg_ctx *ctx)
{
	struct mlg_validate_opts o = {0};
	struct mlg_dscheck *checks = NULL;
	struct mlg_profile *prof = NULL;
	struct mlg_schema schema;
	struct mlg_driftcheck dc = {0};
	double now = mlg_now();
	json_t *errors;
	int i, rc, valid = 1;

	if (!schema_path && !ref_path)
		return mlg_error_set(MLG_EINVALID,
				     "no schema: give --schema FILE");
	if (!schema_path) {
		struct mlg_profile cur;

		if (!(rc = drift_prepare(&dc)) &&
		    !(rc = profile_inputs(&cur, ctx))) {
			rc = mlg_driftcheck_report(&ctx->report, &dc.ref, &cur,
						   &dc.cfg);
			mlg_profile_release(&cur);
		}
		mlg_driftcheck_release(&dc);
		return rc;
	}
	if ((invalid_rows || valid_rows) && ctx->argc > 1)
		return mlg_error_set(MLG_EINVALID,
				     "--invalid-rows and --valid-rows take "
				     "one input file");
	if (limit_errors < 0 || unique_memory <= 0 || threads < 0)
		return mlg_error_set(MLG_EINVALID,
				     "--limit-errors, --unique-memory and "
				     "--threads must be positive");
	if ((rc = mlg_schema_load(&schema, schema_path))) {
		mlg_error_prefix("cannot use schema");
		return rc;
	}
	if (checks_path &&
	    (rc = mlg_dscheck_load(&checks, checks_path, &schema))) {
		mlg_error_prefix("cannot use checks");
		mlg_schema_release(&schema);
		return rc;
	}
	if (now_text && (rc = parse_now(&now))) {
		mlg_dscheck_free(checks);
		mlg_schema_release(&schema);
		return rc;
	}
	errors = json_array();
	o.checks = checks;
	o.schema = &schema;
	o.threads = threads ? (int)threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	o.limit_errors = (uint64_t)limit_errors;
	o.unique_memory = (size_t)unique_memory << 20;
	o.invalid_rows = invalid_rows;
	o.valid_rows = valid_rows;
	o.timeout_s = timeout_s;
	o.profile = profile_path || ref_path;
	mlg_report_set_prop(&ctx->report, "schema", schema_path);
	rc = ref_path ? drift_prepare(&dc) : 0;
	for (i = 0; !rc && i < ctx->argc; i++) {
		struct mlg_validate_result v;

		if ((rc = dialect_for(&o, ctx->argv[i])))
			break;
		if (checks && !i &&
		    (rc = mlg_dscheck_prepare(checks, &o.dialect,
					      o.unique_memory)))
			break;
		rc = mlg_validate(&v, ctx->argv[i], &o);
		/* A dataset that is not there is an I/O failure of the
		 * pipeline (exit 3), not a usage error. */
		if (rc == MLG_ENOTFOUND)
			rc = MLG_EIO;
		if (rc) {
			mlg_validate_result_release(&v);
			break;
		}
		report_file(&ctx->report, &schema, &v, errors);
		if (checks)
			mlg_dscheck_report(checks, v.stats, &ctx->report,
					   short_name(ctx->argv[i]), now);
		valid &= !v.errors;
		if (v.profile) {
			mlg_profile_report(v.profile, &ctx->report,
					   short_name(ctx->argv[i]));
			if (!prof) {
				prof = v.profile;
				v.profile = NULL;
			} else if ((rc = mlg_profile_merge(prof, v.profile))) {
				mlg_validate_result_release(&v);
				break;
			}
		}
		mlg_validate_result_release(&v);
	}
	if (!rc && prof && ref_path)
		rc = mlg_driftcheck_report(&ctx->report, &dc.ref, prof,
					   &dc.cfg);
	mlg_driftcheck_release(&dc);
	if (!rc && prof && profile_path) {
		json_t *pj = mlg_profile_to_json(prof);

		rc = write_json(profile_path, 1, pj);
		json_decref(pj);
	}
	if (prof) {
		mlg_profile_release(prof);
		free(prof);
	}
	mlg_report_set_json(&ctx->report, "valid", json_boolean(valid && !rc));
	mlg_report_set_json(&ctx->report, "errors", errors);
	mlg_dscheck_free(checks);
	mlg_schema_release(&schema);
	return rc;
}

static const char *const profile_usage[] = {"[options] <data>... -o FILE",
					    NULL};
static const char *const merge_usage[] = {"<profile.json>... -o FILE", NULL};
static const char *const infer_usage[] = {"[options] <data>... > schema.json",
					  NULL};

static const struct mlg_tool profile_tool = {
	.name = "data-validate profile",
	.summary = "Profile every column: types, nulls, moments, sketches.",
	.usage = profile_usage,
	.opts = profile_opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.run = run_profile,
};

static const struct mlg_tool merge_tool = {
	.name = "data-validate merge",
	.summary = "Merge profiles of shards into the profile of the whole.",
	.usage = merge_usage,
	.opts = merge_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_merge,
};

static const struct mlg_tool infer_tool = {
	.name = "data-validate infer",
	.summary = "Infer a Table Schema that the data validates against.",
	.usage = infer_usage,
	.opts = infer_opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.run = run_infer,
};

static const struct mlg_tool *const subcommands[] = {&profile_tool, &merge_tool,
						     &infer_tool, NULL};

static const struct mlg_tool tool = {
	.name = "data-validate",
	.summary = "Validate tables against a Frictionless Table Schema.",
	.usage = usage,
	.description =
		"Reads CSV, TSV or JSON Lines, plain or compressed (gzip, "
		"zstd, xz,\n"
		"bzip2), from a path, '-' (stdin) or an http(s) URL, in one\n"
		"streaming pass on all cores, and reports every error with "
		"its\n"
		"row, field, value and rule (frictionless error types).",
	.opts = opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.subcommands = subcommands,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
