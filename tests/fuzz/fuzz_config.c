/*
 * fuzz_config.c - gate configs and rules read from arbitrary bytes
 *
 * The first byte (mod 7) picks what reads the rest:
 *   0 dataset checks, data-validate --checks (mlg_dscheck_load(), against
 *     a schema with a field of every type that checks take)
 *   1 drift limits, --drift-config (mlg_driftcheck_config_parse() of the
 *     document; data-validate reads that file as JSON only, YAML here
 *     goes beyond what the tool is given)
 *   2 model-test's gate config (mlg_mtconfig_load())
 *   3 perf-gate's gate config (mlg_rules_load())
 *   4 a behaviour suite, model-test --behaviour (mlg_behave_load())
 *   5 a threshold expression (mlg_threshold_parse())
 *   6 a perf-gate --rule line (mlg_rules_add_line()) and a paired rule
 *     (mlg_paired_rule_parse())
 * Configs are written to a file of this process's own and loaded by path,
 * as the tools do: JSON or YAML, through the one parse (yaml.h).
 *
 * Besides not crashing or leaking (LeakSanitizer), abort() when:
 *   - a document that parses has a key or string with a NUL byte (json.h:
 *     they are C strings, JSON's or YAML's), or is YAML without one mark
 *     per value (json.h's marks);
 *   - a config loader refuses with another code than MLG_EINVALID (exit
 *     2), or with a message that holds a control byte (it must stay one
 *     line), or that does not start with "'FILE': " and then
 *       LINE:COLUMN, both from 1, and for a value error the JSON
 *       pointer (as the message escapes it) of a value that is in the
 *       document, found at LINE:COLUMN by mlg_json_doc_locate(): in JSON
 *       text the place of a value or of its key, in YAML a place within
 *       the text as libyaml counts lines and characters;
 *       or "empty JSON text" / "empty YAML document";
 *     or refuses text that does not parse with another message than
 *     mlg_config_parse()'s;
 *   - a threshold refusal does not start "column N: " with N within the
 *     text (a rule line: "invalid rule '", a paired rule: "bad paired
 *     rule '");
 *   - a threshold that parses is not what it says: the two bounds out of
 *     order, its canonical text (mlg_threshold_format()) parsing back to
 *     another rule, or mlg_threshold_margin() disagreeing with
 *     mlg_threshold_holds() on a few values;
 *   - a loaded config cannot be used as the tool uses it: a model-test
 *     threshold whose selector is no slice, a gap rule or slice the tool
 *     refuses, drift limits out of range or crossed, a perf-gate rule
 *     whose normalised text reads back as another rule, a behaviour test
 *     that a run refuses without saying where in the suite (as above).
 * What loads is exercised without data: the dataset checks accumulate a
 * few rows of cells in two chunks, merge and report, the perf-gate rules
 * compare small metric sets with a baseline and a history window, the
 * behaviour suite runs against a toy model on four rows and on a
 * predictions file of four ids. Every check must have a valid status.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/behave.h"
#include "mlgate/buf.h"
#include "mlgate/driftcheck.h"
#include "mlgate/dscheck.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/mtconfig.h"
#include "mlgate/pairedcheck.h"
#include "mlgate/report.h"
#include "mlgate/rules.h"
#include "mlgate/schema.h"
#include "mlgate/slices.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"
#include "position.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPICK 7

/* ---- files ---- */

static const char *path;

/* Write the config where the loaders read it. */
static void write_config(const char *text, size_t len)
{
	path = fuzz_scratch_write("gate.cfg", text, len);
}

/* ---- messages ---- */

/* What the loader read: `ref` is the document as mlg_config_parse()
 * gives it, or empty with `ref_msg` when it does not parse. */
struct input {
	const char *text;
	size_t len;
	struct mlg_json_doc ref;
	int ref_rc;
	char *ref_msg;
};

/* The byte at line:col of JSON text (no BOM: json.c drops it), or -1
 * when there is no such place. */
static int byte_at(const char *s, size_t len, unsigned long line,
		   unsigned long col)
{
	size_t i = 0;

	while (--line)
		for (;;) {
			if (i >= len)
				return -1;
			if (s[i++] == '\n')
				break;
		}
	for (; --col; i++)
		if (i >= len || s[i] == '\n')
			return -1;
	return i < len ? (unsigned char)s[i] : -1;
}

/* Whether line:col of YAML text, col counted in characters as libyaml
 * counts them, is a place in the `len` bytes at `s`: a character or the
 * end of a line. */
static int within(const char *s, size_t len, unsigned long line,
		  unsigned long col)
{
	size_t i = len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) ? 3 : 0, b;

	for (; line > 1; i++) {
		if (i >= len)
			return 0;
		if ((b = mlg_yaml_break(s + i, len - i))) {
			i += b - 1;
			line--;
		}
	}
	while (--col) {
		if (i >= len || mlg_yaml_break(s + i, len - i))
			return 0;
		/* past the continuation bytes of a UTF-8 sequence */
		for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	}
	return 1;
}

/* The refusal `rc` of a loader that read `in` from the file `path`. */
static void check_refusal(const struct input *in, int rc)
{
	const struct mlg_json_doc *doc = &in->ref;
	unsigned long line, col;
	const char *m = mlg_error_message(), *p;

	if (rc != MLG_EINVALID)
		abort();
	fuzz_one_line(m);
	p = fuzz_after_name(m, path);
	if (in->ref_rc) {
		/* it did not parse: the parser's own message */
		fuzz_parser_message(m, p, in->ref_msg);
		return;
	}
	p = fuzz_position(p, &line, &col);
	if (*p++ != ' ' || *p != '/' || !fuzz_names_value(doc, p, line, col))
		abort();
	/* in JSON text that place is a value or its key; in YAML, a place
	 * within the text */
	if (doc->marks ? !within(in->text, in->len, line, col)
		       : !strchr("{[\"-0123456789tfn",
				 byte_at(doc->text, doc->len, line, col)))
		abort();
}

/* Keys and strings of a loaded document are C strings (json.h). Returns
 * the number of values under v, v included. */
static size_t c_strings(json_t *v)
{
	const char *key;
	json_t *e;
	size_t i, n = 1;

	if (json_is_string(v) &&
	    strlen(json_string_value(v)) != json_string_length(v))
		abort();
	json_array_foreach (v, i, e)
		n += c_strings(e);
	json_object_foreach (v, key, e)
		n += c_strings(e);
	return n;
}

/* ---- thresholds ---- */

static int same_str(const char *a, const char *b)
{
	return (!a || !b) ? a == b : !strcmp(a, b);
}

static int same_num(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

static void check_threshold(const struct mlg_threshold *t)
{
	static const double probe[] = {0,     -0.0,	1,	   -1, 0.5,
				       1e300, INFINITY, -INFINITY, NAN};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_threshold u;
	double x[sizeof(probe) / sizeof(*probe) + 6];
	size_t i, n = 0;

	if (!t->metric || !*t->metric || !t->text ||
	    strlen(t->metric) > MLG_THRESHOLD_METRIC_MAX)
		abort();
	if (t->two_sided && ((t->cmp != MLG_CMP_GT && t->cmp != MLG_CMP_GE) ||
			     (t->cmp2 != MLG_CMP_LT && t->cmp2 != MLG_CMP_LE) ||
			     !(t->value <= t->value2)))
		abort();
	/* the canonical text is the same rule */
	if (mlg_threshold_format(&b, t))
		abort();
	if (mlg_threshold_parse(&u, b.ptr))
		abort();
	if (strcmp(u.metric, t->metric) || !same_str(u.arg, t->arg) ||
	    !same_str(u.selector, t->selector) || u.cmp != t->cmp ||
	    !same_num(u.value, t->value) || u.two_sided != t->two_sided ||
	    u.cmp2 != t->cmp2 || !same_num(u.value2, t->value2) ||
	    u.unit != t->unit)
		abort();
	mlg_threshold_release(&u);
	mlg_buf_release(&b);
	/* a positive margin holds, a negative one does not */
	memcpy(x, probe, sizeof(probe));
	n = sizeof(probe) / sizeof(*probe);
	x[n++] = t->value;
	x[n++] = nextafter(t->value, INFINITY);
	x[n++] = nextafter(t->value, -INFINITY);
	x[n++] = t->value2;
	x[n++] = nextafter(t->value2, INFINITY);
	x[n++] = nextafter(t->value2, -INFINITY);
	for (i = 0; i < n; i++) {
		double m = mlg_threshold_margin(t, x[i]);
		int h = mlg_threshold_holds(t, x[i]);

		if (isnan(x[i]) ? h || !isnan(m)
				: (m > 0 && !h) || (m < 0 && h) || isnan(m))
			abort();
	}
}

/* ---- 0: dataset checks ---- */

static const char schema_json[] =
	"{\"missingValues\": [\"\", \"NA\"], \"fields\": ["
	" {\"name\": \"id\", \"type\": \"integer\"},"
	" {\"name\": \"x\", \"type\": \"number\"},"
	" {\"name\": \"s\", \"type\": \"string\"},"
	" {\"name\": \"d\", \"type\": \"date\"},"
	" {\"name\": \"t\", \"type\": \"datetime\"},"
	" {\"name\": \"b\", \"type\": \"boolean\"},"
	" {\"name\": \"tm\", \"type\": \"time\"},"
	" {\"name\": \"y\", \"type\": \"year\"},"
	" {\"name\": \"ym\", \"type\": \"yearmonth\"},"
	" {\"name\": \"a b\", \"type\": \"any\"}"
	"]}";

/* Rows of the fields above, the last with missing and bad cells. */
static const char *const rows[][10] = {
	{"1", "1.5", "US", "2024-01-02", "2024-01-02T03:04:05Z", "true",
	 "12:00:00", "2024", "2024-01", "a"},
	{"2", "-3", "FR", "2023-12-31", "2023-12-31T23:59:59Z", "false",
	 "00:00:00", "1999", "1999-12", "b"},
	{"2", "-3", "FR", "2023-12-31", "2023-12-31T23:59:59Z", "false",
	 "00:00:00", "1999", "1999-12", "b"},
	{"", "NA", "", "x", "2024-13-01T00:00:00Z", "maybe", "", "NA", "", ""},
};

static struct mlg_schema *schema(void)
{
	static struct mlg_schema s;
	static int loaded;
	struct mlg_json_doc doc;

	if (!loaded) {
		if (mlg_json_parse(&doc, "schema.json", schema_json,
				   sizeof(schema_json) - 1) ||
		    mlg_schema_parse(&s, &doc))
			abort();
		mlg_json_doc_release(&doc);
		loaded = 1;
	}
	return &s;
}

static void check_statuses(const struct mlg_report *r)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		if ((unsigned)r->checks[i]->status >= MLG_STATUS_COUNT)
			abort();
}

static void feed(struct mlg_dsacc *a, const struct mlg_dscheck *c,
		 struct mlg_cast_ctx *ctx, size_t from, size_t to)
{
	const struct mlg_schema *s = schema();
	struct mlg_value v;
	enum mlg_cell st;
	size_t i, k;

	for (i = from; i < to; i++) {
		for (k = 0; k < s->nfields; k++) {
			const char *cell = rows[i][k];

			if (!mlg_dscheck_tracks(c, k))
				continue;
			st = mlg_field_check(ctx, k, cell, strlen(cell), &v,
					     NULL);
			mlg_dsacc_cell(a, k, st, &v, cell, strlen(cell));
		}
		mlg_dsacc_row(a, rows[i][0], strlen(rows[i][0]) * (i + 1) / 4);
	}
}

static void run_checks(const struct input *in)
{
	struct mlg_dscheck *c;
	struct mlg_dsacc *total, *part;
	struct mlg_cast_ctx *ctx;
	struct mlg_report r;
	int rc;

	if ((rc = mlg_dscheck_load(&c, path, schema()))) {
		check_refusal(in, rc);
		return;
	}
	if (mlg_cast_ctx_init(&ctx, schema()))
		abort();
	/* in two chunks, as the threads of a validation give them */
	total = mlg_dsacc_new(c);
	part = mlg_dsacc_new(c);
	feed(total, c, ctx, 0, 2);
	feed(part, c, ctx, 2, 4);
	if (mlg_dsacc_merge(total, part, (size_t)1 << 20))
		abort();
	mlg_report_init(&r, "fuzz", "0");
	mlg_dscheck_report(c, total, &r, "t.csv", 1.7e9);
	check_statuses(&r);
	mlg_report_release(&r);
	mlg_dsacc_free(part);
	mlg_dsacc_free(total);
	mlg_cast_ctx_free(ctx);
	mlg_dscheck_free(c);
}

/* ---- 1: drift limits ---- */

static void check_limits(const struct mlg_drift_limits *lim)
{
	int m;

	for (m = 0; m < MLG_DRIFTCHECK_NSTATS; m++) {
		int p = m == MLG_DRIFT_KS || m == MLG_DRIFT_CHISQ;
		double w = lim[m].warn, f = lim[m].fail, hi = p ? 1 : 1e6;

		if (!(w >= 0 && w <= hi && f >= 0 && f <= hi) ||
		    (p ? w < f : w > f))
			abort();
	}
}

static void run_drift(const struct input *in)
{
	struct mlg_driftcheck_config cfg;
	size_t i;
	int rc;

	if (in->ref_rc) {
		/* the tool's load would refuse it with the parser's words */
		return;
	}
	if ((rc = mlg_driftcheck_config_parse(&cfg, &in->ref))) {
		check_refusal(in, rc);
		if (cfg.cols || cfg.ncols)
			abort();
		return;
	}
	if (!(cfg.share > 0 && cfg.share <= 1))
		abort();
	check_limits(cfg.lim);
	for (i = 0; i < cfg.ncols; i++) {
		check_limits(cfg.cols[i].lim);
		if (mlg_driftcheck_limits(&cfg, cfg.cols[i].name,
					  MLG_DRIFT_JS) !=
		    &cfg.cols[i].lim[MLG_DRIFT_JS])
			abort();
	}
	mlg_driftcheck_config_release(&cfg);
}

/* ---- 2: model-test's config ---- */

static void run_mtconfig(const struct input *in)
{
	struct mlg_slices sl = MLG_SLICES_INIT;
	struct mlg_mtconfig c;
	struct mlg_threshold t;
	size_t i;
	int rc;

	if ((rc = mlg_mtconfig_load(&c, path))) {
		check_refusal(in, rc);
		if (c.thresholds || c.doc.root)
			abort();
		return;
	}
	if (c.min_slice_size < -1 || c.min_slice_size > 1000000000)
		abort();
	/* as model-test takes them up */
	for (i = 0; i < c.nslices; i++)
		if (mlg_slices_add_spec(&sl, c.slices[i], 1))
			abort();
	for (i = 0; i < c.nthresholds; i++) {
		if (mlg_threshold_parse(&t, c.thresholds[i]))
			abort();
		check_threshold(&t);
		if (t.selector && mlg_slices_add_spec(&sl, t.selector, 0))
			abort();
		mlg_threshold_release(&t);
	}
	for (i = 0; i < c.ngaps; i++) {
		if (mlg_slices_parse_gap(&t, c.gaps[i]))
			abort();
		check_threshold(&t);
		mlg_threshold_release(&t);
	}
	mlg_slices_release(&sl);
	mlg_mtconfig_release(&c);
}

/* ---- 3: perf-gate's config ---- */

/* The normalised text of every rule reads back as the same rule. */
static void check_rule_texts(const struct mlg_rules *r)
{
	struct mlg_rules u = {0};
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		const struct mlg_change_rule *a = &r->rules[i], *b;
		double tol;

		if (mlg_rules_add_spec(&u, a->metric, a->text))
			abort();
		b = &u.rules[u.nrules - 1];
		/* "%.15g" of the bound: the same to 15 digits */
		tol = 1e-14 * fabs(a->bound);
		if (strcmp(a->metric, b->metric) || strcmp(a->text, b->text) ||
		    a->kind != b->kind || a->cmp != b->cmp ||
		    a->warn != b->warn || a->two_sided != b->two_sided ||
		    !(fabs(a->bound - b->bound) <= tol))
			abort();
	}
	mlg_rules_release(&u);
}

static void metric_add(struct mlg_metric_set *m, const char *name, double v)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].name, name))
			return;
	m->items = mlg_grow(m->items, sizeof(*m->items), m->n + 1, &m->alloc);
	memset(&m->items[m->n], 0, sizeof(*m->items));
	m->items[m->n].name = mlg_strdup(name);
	m->items[m->n++].value = v;
}

/* Metric sets over the names the rules give, and a few more. */
static void metric_sets(struct mlg_metric_set *sets, size_t n,
			const struct mlg_rules *r)
{
	static const double base[] = {0.9, 0, -2, 1e-13, 100};
	size_t k, i;

	for (k = 0; k < n; k++) {
		const double f = 1 + 0.01 * (double)k;

		memset(&sets[k], 0, sizeof(sets[k]));
		for (i = 0; i < r->nrules; i++)
			if (strcmp(r->rules[i].metric, "*"))
				metric_add(&sets[k], r->rules[i].metric,
					   base[i % 5] * f);
		for (i = 0; i < r->nmetrics; i++)
			if (i % 3 != k % 3)
				metric_add(&sets[k], r->metrics[i].metric,
					   base[(i + k) % 5]);
		metric_add(&sets[k], "accuracy", 0.9 * f);
		metric_add(&sets[k], "latency_p95", 120 / f);
	}
}

/* Use loaded rules as perf-gate does: against a baseline (when
 * `baseline`) and a history window of 6 sets, `min` values needed. */
static void use_rules(struct mlg_rules *r, int baseline, size_t min)
{
	const struct mlg_metric_set *window[6];
	struct mlg_metric_set sets[7];
	struct mlg_report rep;
	size_t i;

	check_rule_texts(r);
	metric_sets(sets, 7, r);
	for (i = 0; i < 6; i++)
		window[i] = &sets[i + 1];
	mlg_report_init(&rep, "fuzz", "0");
	if (baseline)
		mlg_rules_compare(&rep, r, &sets[0], &sets[1]);
	r->min_samples = min;
	mlg_rules_compare_window(&rep, r, &sets[0], window, 6);
	check_statuses(&rep);
	mlg_report_release(&rep);
	for (i = 0; i < 7; i++)
		mlg_metrics_release(&sets[i]);
}

static void run_rules(const struct input *in)
{
	struct mlg_rules r = {0};
	int rc;

	if ((rc = mlg_rules_load(&r, path)))
		check_refusal(in, rc);
	else
		use_rules(&r, 1, 2);
	mlg_rules_release(&r);
}

/* ---- 4: behaviour suites ---- */

static char *names[] = {"x1", "x2", "country"};
static unsigned char is_text[] = {0, 0, 1};
static double xs[] = {1, 0, NAN, 0, 1, NAN, 0.5, -2, NAN, 3, 0.25, NAN};
static const char *texts[] = {NULL, NULL, "US", NULL, NULL, "DE",
			      NULL, NULL, NULL, NULL, NULL, "FR"};
static struct mlg_infer_data test_set = {.nrows = 4,
					 .ncols = 3,
					 .names = names,
					 .x = xs,
					 .is_text = is_text,
					 .text = texts};

/* P(1) from x1, x2 and the country; missing values count as 0. */
static int toy_predict(struct mlg_infer_out *out,
		       const struct mlg_infer_data *d, void *arg)
{
	size_t i, j;

	(void)arg;
	out->n = d->nrows;
	out->k = 2;
	out->proba = mlg_calloc(2 * d->nrows + 1, sizeof(double));
	for (i = 0; i < d->nrows; i++) {
		double z = 0, p;

		for (j = 0; j < d->ncols; j++) {
			double x = d->x[i * d->ncols + j];
			const char *c =
				d->text ? d->text[i * d->ncols + j] : NULL;

			if (c)
				z += strlen(c) > 2 ? -1 : c[0] == 'U';
			else if (!isnan(x))
				z += j ? -x : 2 * x;
		}
		p = 1 / (1 + exp(-z));
		out->proba[2 * i] = 1 - p;
		out->proba[2 * i + 1] = p;
	}
	return 0;
}

static void run_behave(const struct input *in)
{
	static const struct mlg_behave_pred preds[] = {
		{"a", "1", 0.9},
		{"b", "0", 0.2},
		{"row17", "1", 0.6},
		{"row17-perturbed", "0", 0.4},
	};
	struct mlg_behave_preds p = {(struct mlg_behave_pred *)preds, 4, 0, 1};
	struct mlg_behave_model m = {toy_predict, NULL, NULL, 0, 0, 0, "v2"};
	struct mlg_behave_suite s;
	struct mlg_report r;
	int rc;

	if ((rc = mlg_behave_load(&s, path))) {
		check_refusal(in, rc);
		mlg_behave_release(&s);
		return;
	}
	/* with a model, then without one (half of them with missing_ok) */
	m.missing_ok = in->len & 1;
	mlg_report_init(&r, "fuzz", "0");
	if ((rc = mlg_behave_run(&r, &s, &m, &test_set)))
		check_refusal(in, rc);
	check_statuses(&r);
	mlg_report_release(&r);
	mlg_report_init(&r, "fuzz", "0");
	if ((rc = mlg_behave_run_preds(&r, &s, &p)))
		check_refusal(in, rc);
	check_statuses(&r);
	mlg_report_release(&r);
	mlg_behave_release(&s);
}

/* ---- 5, 6: one rule ---- */

static void run_threshold(const char *text)
{
	struct mlg_threshold t;
	const char *m;
	unsigned long col;
	char *end;

	if (mlg_threshold_parse(&t, text)) {
		m = mlg_error_message();
		fuzz_one_line(m);
		if (strncmp(m, "column ", 7))
			abort();
		col = strtoul(m + 7, &end, 10);
		if (end == m + 7 || strncmp(end, ": ", 2) || !col ||
		    col > strlen(text) + 1)
			abort();
		if (t.metric || t.text)
			abort();
		return;
	}
	check_threshold(&t);
	mlg_threshold_release(&t);
}

static void run_rule_line(const char *text)
{
	struct mlg_rules r = {0};
	struct mlg_paired_rule pr;

	if (mlg_rules_add_line(&r, text)) {
		if (strncmp(mlg_error_message(), "invalid rule '", 14))
			abort();
	} else {
		use_rules(&r, 0, 1);
	}
	mlg_rules_release(&r);
	if (mlg_paired_rule_parse(&pr, text)) {
		if (strncmp(mlg_error_message(), "bad paired rule '", 17))
			abort();
		return;
	}
	if (!pr.metric || !*pr.metric)
		abort();
	mlg_paired_rule_release(&pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {0};
	char *text;
	int pick;

	if (!size)
		return 0;
	pick = data[0] % NPICK;
	in.text = (const char *)data + 1;
	in.len = size - 1;
	mlg_error_clear();
	if (pick >= 5) {
		/* a C string, as an option's value is */
		text = mlg_strndup(in.text, in.len);
		if (pick == 5)
			run_threshold(text);
		else
			run_rule_line(text);
		free(text);
		return 0;
	}
	write_config(in.text, in.len);
	in.ref_rc = mlg_config_parse(&in.ref, path, in.text, in.len);
	in.ref_msg = mlg_strdup(in.ref_rc ? mlg_error_message() : "");
	/* a YAML document has a mark for each of its values (json.h) */
	if (!in.ref_rc && c_strings(in.ref.root) != in.ref.nmarks &&
	    in.ref.marks)
		abort();
	switch (pick) {
	case 0:
		run_checks(&in);
		break;
	case 1:
		run_drift(&in);
		break;
	case 2:
		run_mtconfig(&in);
		break;
	case 3:
		run_rules(&in);
		break;
	default:
		run_behave(&in);
		break;
	}
	mlg_json_doc_release(&in.ref);
	free(in.ref_msg);
	return 0;
}
