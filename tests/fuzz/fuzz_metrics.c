/*
 * fuzz_metrics.c - what perf-gate reads besides its config: metrics
 * files and history records, from arbitrary bytes
 *
 * The first byte (mod 7) picks what reads the rest:
 *   0-3 a metrics file in format auto, json, gab, bmf (the format's
 *     number in metrics.h), written to a file of this process's own and
 *     loaded by path (mlg_metrics_load()), as perf-gate reads the current
 *     metrics and --baseline
 *   4 a baseline blob read from git (mlg_metrics_parse_text(), named
 *     "HEAD:metrics.json"); its first line is the --format-in value
 *     (mlg_metrics_format_parse()), the rest the blob
 *   5 a history record line, up to the first "\n" (mlg_history_parse_line())
 *   6 a whole history.jsonl chunk (mlg_history_parse())
 *
 * Besides not crashing or leaking (LeakSanitizer), abort() when:
 *   - a refusal has another code than the header gives: MLG_EINVALID
 *     for metrics, a format name and a record line; MLG_EDATA for a
 *     history text (history.h: exit 1, malformed data);
 *   - its message holds a control byte (it must stay one line), but
 *     for a format name (below);
 *   - a metrics refusal does not start with "'FILE': ", then for text
 *     that does not parse the parser's own message (mlg_config_parse(),
 *     LINE:COLUMN or "empty JSON text" / "empty YAML document"), else
 *     the JSON pointer of a value the document holds ("/" the root),
 *     after LINE:COLUMN, where mlg_json_doc_locate() finds that value
 *     (mlg_json_locate() in JSON text, the marks of yaml.h in YAML);
 *   - a format name is refused other than as "unknown metrics format
 *     '<s>'" (the value as given, as opt.c echoes an option's value),
 *     or a known one read as another;
 *   - a record line is refused other than with the messages history.h
 *     lists: "LINE:COLUMN: ..." (LINE 1, COLUMN within the line),
 *     "invalid commit id '...'", "metric '...' is not a number",
 *     "/metrics: ..." (the pointer of the member that is wrong), or
 *     json.h's "empty JSON text" (an empty line, or a BOM alone);
 *   - a history text is refused other than with "'NAME': line N: "
 *     then the message its line N, a line that is not blank, gets from
 *     mlg_history_parse_line(), every non-blank line before it loading.
 * A set of metrics that loads must be what metrics.h says it is: at
 * least one metric, names unique and at most 1024 bytes, values finite
 * (JSON has no other numbers, yaml.h reads .inf and .nan as strings),
 * units NULL or not empty, bounds only in bmf; the format the detection
 * rule of metrics.h gives for auto, and the same set as that format
 * read explicitly; for json, one metric per number reached through
 * objects only; the same set from mlg_metrics_parse_text() as from the
 * file. Its exports must read back (explicit format and auto): gab as
 * the same names, values and units in order; bmf as the same values
 * and bounds (in any order: measures are grouped by bench) under the
 * names metrics.h maps them to ("a/b" stays, "a" and "a/"
 * become "a/value"), or be refused with MLG_EINVALID "cannot export
 * '...", the buffer as it was, when two metrics map to one name.
 * A record that loads has a 40-hex commit, a time, unique metric names
 * and finite values; mlg_history_format() writes it as one line that
 * parses back (any parser, and jansson alone) to the same record, and
 * that record formats to the same bytes. When the hand scanner takes a
 * line, jansson must give the same record (history.h). A history text
 * that loads appends one record per non-blank line, each the record of
 * its line.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/history.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"
#include "position.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPICK 7
#define BLOB  "HEAD:metrics.json"
#define CHUNK "refs/mlgate/history:history.jsonl"

/* ---- messages ---- */

/*
 * The refusal `rc` of a metrics reader of the text called `name`:
 * `ref` is that text as mlg_config_parse() reads it, `ref_rc` and
 * `ref_msg` its result.
 */
static void check_refusal(int rc, const char *name,
			  const struct mlg_json_doc *ref, int ref_rc,
			  const char *ref_msg)
{
	const char *m = mlg_error_message(), *p;
	unsigned long line = 0, col = 0;

	if (rc != MLG_EINVALID)
		abort();
	fuzz_one_line(m);
	p = fuzz_after_name(m, name);
	if (ref_rc) {
		fuzz_parser_message(m, p, ref_msg);
		return;
	}
	if (ref->text || ref->marks) {
		p = fuzz_position(p, &line, &col);
		if (*p++ != ' ')
			abort();
	}
	if (*p != '/' || !fuzz_names_value(ref, p, line, col))
		abort();
}

/* ---- metric sets ---- */

static int same_str(const char *a, const char *b)
{
	return (!a || !b) ? a == b : !strcmp(a, b);
}

static int same_num(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

static void check_set(const struct mlg_metric_set *m)
{
	size_t i, j;

	if (!m->n || m->n > m->alloc)
		abort();
	for (i = 0; i < m->n; i++) {
		const struct mlg_named_metric *x = &m->items[i];

		if (!x->name || strlen(x->name) > 1024 || !isfinite(x->value) ||
		    (x->unit && !*x->unit))
			abort();
		if (m->format != MLG_METRICS_BMF &&
		    (x->has_lower || x->has_upper))
			abort();
		if ((x->has_lower && !isfinite(x->lower)) ||
		    (x->has_upper && !isfinite(x->upper)))
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(m->items[j].name, x->name))
				abort();
	}
}

static int same_set(const struct mlg_metric_set *a,
		    const struct mlg_metric_set *b)
{
	size_t i;

	if (a->n != b->n || a->format != b->format)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct mlg_named_metric *x = &a->items[i],
					      *y = &b->items[i];

		if (strcmp(x->name, y->name) || !same_num(x->value, y->value) ||
		    !same_str(x->unit, y->unit) ||
		    x->has_lower != y->has_lower ||
		    x->has_upper != y->has_upper ||
		    (x->has_lower && !same_num(x->lower, y->lower)) ||
		    (x->has_upper && !same_num(x->upper, y->upper)))
			return 0;
	}
	return 1;
}

/* The detection rule of metrics.h. */
static int bmf_measure(json_t *v)
{
	const char *key;
	json_t *x;

	if (!json_is_object(v) || !json_is_number(json_object_get(v, "value")))
		return 0;
	json_object_foreach (v, key, x)
		if (strcmp(key, "value") && strcmp(key, "lower_value") &&
		    strcmp(key, "upper_value"))
			return 0;
	return 1;
}

static enum mlg_metrics_format detect(json_t *root)
{
	const char *k1, *k2;
	json_t *b, *x;

	if (json_is_array(root))
		return MLG_METRICS_GAB;
	if (!json_object_size(root))
		return MLG_METRICS_JSON;
	json_object_foreach (root, k1, b) {
		if (!json_is_object(b) || !json_object_size(b))
			return MLG_METRICS_JSON;
		json_object_foreach (b, k2, x)
			if (!bmf_measure(x))
				return MLG_METRICS_JSON;
	}
	return MLG_METRICS_BMF;
}

/* Numbers reached through objects only: the metrics of format json. */
static size_t numbers(json_t *v)
{
	const char *key;
	json_t *x;
	size_t n = 0;

	if (json_is_number(v))
		return 1;
	json_object_foreach (v, key, x)
		n += numbers(x);
	return n;
}

/* The name metric `name` reads back as from the bmf export: bench up to
 * the last '/', measure after it, "value" when that is empty (a new
 * string). */
static char *bmf_name(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash && slash[1] ? mlg_strdup(name)
	       : slash ? mlg_strfmt("%.*s/value", (int)(slash - name), name)
		       : mlg_strfmt("%s/value", name);
}

/* `text` (an export of `m`) read back as `fmt`: the same metrics, named
 * as the bmf export names them when `bmf`. */
static void read_back(const struct mlg_metric_set *m, const char *text,
		      size_t len, enum mlg_metrics_format fmt, int bmf)
{
	struct mlg_metric_set r;
	size_t i;

	if (mlg_metrics_parse_text(&r, "export.json", text, len, fmt))
		abort();
	if (r.n != m->n ||
	    r.format != (bmf ? MLG_METRICS_BMF : MLG_METRICS_GAB))
		abort();
	for (i = 0; i < m->n; i++) {
		const struct mlg_named_metric *x = &m->items[i], *y;
		char *want = bmf_name(x->name);

		/* bmf groups the measures of a bench: found by name */
		y = bmf ? mlg_metrics_find(&r, want) : &r.items[i];
		if (!y || !same_num(x->value, y->value))
			abort();
		if (bmf ? x->has_lower != y->has_lower ||
				    x->has_upper != y->has_upper ||
				    (x->has_lower &&
				     !same_num(x->lower, y->lower)) ||
				    (x->has_upper &&
				     !same_num(x->upper, y->upper))
			: strcmp(x->name, y->name) ||
				    !same_str(x->unit, y->unit))
			abort();
		free(want);
	}
	mlg_metrics_release(&r);
}

/* Whether two metrics of `m` are the same bmf measure. */
static int bmf_clash(const struct mlg_metric_set *m)
{
	char **v = mlg_calloc(m->n, sizeof(*v));
	size_t i, j;
	int clash = 0;

	for (i = 0; i < m->n; i++) {
		v[i] = bmf_name(m->items[i].name);
		for (j = 0; j < i; j++)
			clash |= !strcmp(v[i], v[j]);
	}
	for (i = 0; i < m->n; i++)
		free(v[i]);
	free(v);
	return clash;
}

static void check_exports(const struct mlg_metric_set *m)
{
	static const char clash[] = "cannot export '";
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	if (mlg_metrics_export_gab(&b, m))
		abort();
	read_back(m, b.ptr, b.len, MLG_METRICS_GAB, 0);
	read_back(m, b.ptr, b.len, MLG_METRICS_AUTO, 0);
	/* what is there stays when the export is refused */
	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "x");
	rc = mlg_metrics_export_bmf(&b, m);
	if (bmf_clash(m)) {
		if (rc != MLG_EINVALID ||
		    strncmp(mlg_error_message(), clash, sizeof(clash) - 1) ||
		    b.len != 1)
			abort();
		fuzz_one_line(mlg_error_message());
	} else {
		if (rc || b.ptr[0] != 'x')
			abort();
		read_back(m, b.ptr + 1, b.len - 1, MLG_METRICS_BMF, 1);
		read_back(m, b.ptr + 1, b.len - 1, MLG_METRICS_AUTO, 1);
	}
	mlg_buf_release(&b);
}

/* What loaded from the text `ref` parsed to (the same bytes). */
static void check_loaded(const struct mlg_metric_set *m,
			 const struct mlg_json_doc *ref,
			 enum mlg_metrics_format fmt)
{
	struct mlg_metric_set again;

	check_set(m);
	if (fmt == MLG_METRICS_AUTO) {
		if (m->format != detect(ref->root))
			abort();
		if (mlg_metrics_parse(&again, ref, m->format) ||
		    !same_set(m, &again))
			abort();
		mlg_metrics_release(&again);
	} else if (m->format != fmt) {
		abort();
	}
	if (m->format == MLG_METRICS_JSON && m->n != numbers(ref->root))
		abort();
	check_exports(m);
}

/* Read `<text, len>` as the metrics file in format `fmt`: by path when
 * `by_path`, else as the git blob `name`. */
static void run_metrics(const char *text, size_t len, const char *name,
			enum mlg_metrics_format fmt, int by_path)
{
	struct mlg_metric_set m, t;
	struct mlg_json_doc ref;
	char *ref_msg;
	int rc, ref_rc, rc2;

	if (by_path)
		name = fuzz_scratch_write("metrics.json", text, len);
	ref_rc = mlg_config_parse(&ref, name, text, len);
	ref_msg = mlg_strdup(ref_rc ? mlg_error_message() : "");
	mlg_error_clear();
	if (by_path) {
		rc = mlg_metrics_load(&m, name, 0, fmt);
	} else {
		rc = mlg_metrics_parse_text(&m, name, text, len, fmt);
	}
	if (rc) {
		check_refusal(rc, name, &ref, ref_rc, ref_msg);
		if (m.n || m.items)
			abort();
	} else {
		if (ref_rc)
			abort();
		check_loaded(&m, &ref, fmt);
	}
	if (by_path) {
		/* the same text given as a blob gives the same answer */
		rc2 = mlg_metrics_parse_text(&t, name, text, len, fmt);
		if (rc2 != rc || (!rc && !same_set(&m, &t)))
			abort();
		mlg_metrics_release(&t);
	}
	mlg_metrics_release(&m);
	mlg_json_doc_release(&ref);
	free(ref_msg);
}

/* Pick 4: "FORMAT\nBLOB". */
static void run_blob(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len;
	char *name = mlg_strndup(text, n), *want;
	enum mlg_metrics_format fmt = MLG_METRICS_JSON;
	int rc = mlg_metrics_format_parse(&fmt, name);

	if (rc) {
		/* the option's value as given, as opt.c shows it too */
		want = mlg_strfmt("unknown metrics format '%s'", name);
		if (rc != MLG_EINVALID ||
		    strncmp(mlg_error_message(), want,
			    sizeof(mlg_error_last()->message) - 1))
			abort();
		free(want);
	} else if (strcmp(mlg_metrics_format_name(fmt), name)) {
		abort();
	}
	free(name);
	if (!rc && nl)
		run_metrics(nl + 1, len - n - 1, BLOB, fmt, 0);
}

/* ---- history ---- */

static int same_record(const struct mlg_history_record *a,
		       const struct mlg_history_record *b)
{
	size_t i;

	if (strcmp(a->commit, b->commit) || !same_str(a->time, b->time) ||
	    !same_str(a->ref, b->ref) || !same_str(a->run, b->run) ||
	    a->metrics.n != b->metrics.n)
		return 0;
	for (i = 0; i < a->metrics.n; i++)
		if (strcmp(a->metrics.items[i].name,
			   b->metrics.items[i].name) ||
		    !same_num(a->metrics.items[i].value,
			      b->metrics.items[i].value))
			return 0;
	return 1;
}

static void check_record(const struct mlg_history_record *rec)
{
	const struct mlg_metric_set *m = &rec->metrics;
	struct mlg_buf line = MLG_BUF_INIT, again = MLG_BUF_INIT;
	struct mlg_history_record back, json;
	size_t i, j;

	if (strlen(rec->commit) != 40 ||
	    strspn(rec->commit, "0123456789abcdef") != 40 || !rec->time)
		abort();
	for (i = 0; i < m->n; i++) {
		if (!isfinite(m->items[i].value) || m->items[i].unit)
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(m->items[i].name, m->items[j].name))
				abort();
	}
	/* written, it reads back the same and is written the same */
	if (mlg_history_format(&line, rec) || !line.len ||
	    line.ptr[line.len - 1] != '\n' ||
	    memchr(line.ptr, '\n', line.len - 1))
		abort();
	if (mlg_history_parse_line(&back, line.ptr, line.len - 1,
				   MLG_HISTORY_PARSE_ANY) ||
	    !same_record(rec, &back))
		abort();
	if (mlg_history_parse_line(&json, line.ptr, line.len - 1,
				   MLG_HISTORY_PARSE_JSON) ||
	    !same_record(rec, &json))
		abort();
	if (mlg_history_format(&again, &back) || again.len != line.len ||
	    memcmp(again.ptr, line.ptr, line.len))
		abort();
	mlg_history_record_release(&json);
	mlg_history_record_release(&back);
	mlg_buf_release(&again);
	mlg_buf_release(&line);
}

/* A record line's refusal, `len` bytes long: the messages history.h
 * lists. */
static void check_line_refusal(int rc, size_t len)
{
	const char *m = mlg_error_message();
	unsigned long line, col;

	if (rc != MLG_EINVALID)
		abort();
	fuzz_one_line(m);
	if (!strncmp(m, "invalid commit id '", 19) ||
	    !strncmp(m, "metric '", 8) || !strncmp(m, "/metrics: ", 10) ||
	    !strcmp(m, "empty JSON text"))
		return;
	fuzz_position(m, &line, &col);
	if (line != 1 || col > len + 1)
		abort();
}

/* Parse one line as perf-gate does, and with each parser alone; `out`
 * gets the record (empty on refusal). Returns the refusal, its message
 * in *msg (new). */
static int parse_line(struct mlg_history_record *out, const char *text,
		      size_t len, char **msg)
{
	struct mlg_history_record fast, json;
	int rc, rc_fast, rc_json;

	mlg_error_clear();
	rc = mlg_history_parse_line(out, text, len, MLG_HISTORY_PARSE_ANY);
	*msg = mlg_strdup(rc ? mlg_error_message() : "");
	if (rc) {
		check_line_refusal(rc, len);
		if (out->metrics.n || out->time)
			abort();
	} else {
		check_record(out);
	}
	rc_json = mlg_history_parse_line(&json, text, len,
					 MLG_HISTORY_PARSE_JSON);
	rc_fast = mlg_history_parse_line(&fast, text, len,
					 MLG_HISTORY_PARSE_FAST);
	/* both parsers give the same record for a line the scanner takes */
	if ((!rc_fast && (rc_json || !same_record(&fast, &json))) ||
	    !rc != !rc_json || (!rc && !same_record(out, &json)))
		abort();
	if (rc_fast && strcmp(mlg_error_message(),
			      "not a record line as mlg_history_format() "
			      "writes it"))
		abort();
	mlg_history_record_release(&fast);
	mlg_history_record_release(&json);
	return rc;
}

static int blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static void run_history(const char *text, size_t len)
{
	static const char first[] =
		"{\"commit\":\"0123456789abcdef0123456789abcdef01234567\","
		"\"time\":\"2026-01-01T00:00:00Z\",\"ref\":null,\"run\":null,"
		"\"metrics\":{\"acc\":0.9}}";
	struct mlg_history h = {0};
	struct mlg_history_record rec;
	const char *p = text, *end = text + len, *nl, *m;
	char *msg, *want;
	size_t no = 0, k = 0, seen = 0;
	int rc;

	/* one record already there: parsing appends */
	if (mlg_history_parse(&h, CHUNK, first, sizeof(first) - 1) || h.n != 1)
		abort();
	rc = mlg_history_parse(&h, CHUNK, text, len);
	m = rc ? mlg_strdup(mlg_error_message()) : NULL;
	if (rc && rc != MLG_EDATA)
		abort();
	if (m)
		fuzz_one_line(m);
	for (; p < end && !(rc && seen); p = nl + 1) {
		no++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (blank(p, (size_t)(nl - p)))
			continue;
		if (parse_line(&rec, p, (size_t)(nl - p), &msg)) {
			/* the first line refused is the one named */
			want = mlg_strfmt("'%s': line %zu: %s", CHUNK, no, msg);
			if (!rc || strncmp(m, want, strlen(m)) ||
			    (strlen(m) != strlen(want) && !fuzz_cut(m)))
				abort();
			free(want);
			seen = 1;
		} else {
			if (!rc && (k + 1 >= h.n ||
				    !same_record(&rec, &h.items[k + 1])))
				abort();
			k++;
		}
		free(msg);
		mlg_history_record_release(&rec);
	}
	if (rc ? !seen : k + 1 != h.n)
		abort();
	free((char *)m);
	mlg_history_release(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_history_record rec;
	const char *text, *nl;
	size_t len;
	char *msg;
	int pick;

	if (!size)
		return 0;
	pick = data[0] % NPICK;
	text = (const char *)data + 1;
	len = size - 1;
	mlg_error_clear();
	switch (pick) {
	case 4:
		run_blob(text, len);
		break;
	case 5:
		if ((nl = memchr(text, '\n', len)))
			len = (size_t)(nl - text);
		parse_line(&rec, text, len, &msg);
		mlg_history_record_release(&rec);
		free(msg);
		break;
	case 6:
		run_history(text, len);
		break;
	default:
		run_metrics(text, len, NULL, (enum mlg_metrics_format)pick, 1);
		break;
	}
	return 0;
}
