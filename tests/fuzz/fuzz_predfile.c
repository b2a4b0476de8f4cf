/*
 * fuzz_predfile.c - model-test's predictions files from arbitrary bytes
 *
 * The first two bytes choose the options as model-test sets them:
 *   byte 0: bits 0-1 the format (CSV, TSV, JSON Lines, CSV with ';'),
 *           bits 2-3 --task (detected, binary, multiclass, regression),
 *           bits 4-6 --average (default, binary, macro, micro, weighted),
 *           bit 7 --zero-division 1;
 *   byte 1: bits 0-1 the prediction (--pred yhat, --proba GLOB, both),
 *           bits 2-3 the glob ('p_*', 'p', 'p_?', 'p*'),
 *           bit 4 --weight w, bit 5 --id id,
 *           bits 6-7 the slices: none; --slice country and rules on
 *           'country=US' and 'country = FR'; --slice 'country, age_band'
 *           and a rule on 'age_band=18-30, country=US'; --slice region
 *           and rules on 'region=south' and 'region=north,country=US'.
 * Column names are those of tests/fixtures/model-test: y, yhat, p or
 * p_*, w, id, country, age_band, region. A few rules without a slice are
 * checked too.
 * The rest is written to a file of this process's own and read by path
 * (mlg_predfile_read()), as the tool does; then, as the tool does, its
 * rows are reported (mlg_predfile_report()), the metrics and confusion
 * matrix computed (mlg_predfile_metrics()), the slices computed
 * (mlg_slices_compute(): mlg_predfile_slices(), mlg_slice_canon()), a
 * few threshold and slice-gap rules checked, and the report emitted as
 * text, JSON, JUnit, Markdown and GitHub commands.
 *
 * The file is read a second time in chunks of 64, 100, 257 or 1024 bytes
 * (by the input's size modulo 4), where the first read has one chunk of
 * 1 MiB: CSV chunks the workers parse apart and the reader merges (JSON
 * Lines just come through a smaller buffer). Both reads must give the
 * same, as predfile.h promises: return code and message; task, rows read
 * and kept; every row's class ids, values, probabilities, weight and
 * slice key codes; the classes in order; each key's values in order of
 * first appearance; the invalid rows, the listed ones with their line,
 * column, message and id; the rows whose probabilities do not sum to 1
 * and the first one's line; and the metrics and confusion matrix of all
 * rows. Any difference aborts, saying what differs.
 *
 * Besides not crashing or leaking (LeakSanitizer), abort() when:
 *   - a refusal is not MLG_EINVALID or MLG_EDATA (exit 2 or 1: bad
 *     input), or MLG_EIO for a file that starts as compressed data
 *     (stream.h: corrupt compressed data is an I/O error);
 *   - a refusal's message holds a control byte (it must stay one line),
 *     or does not name the file ('PATH'), but for "regression needs a
 *     predicted column" when --task regression comes without --pred (an
 *     option error); an MLG_EDATA refusal (a bad line) must also say
 *     "line N" with N a line of the file;
 *   - a file that loads breaks predfile.h: rows other than valid plus
 *     invalid ones; a bad-row list that is not the first
 *     MLG_PREDFILE_LIST_BAD of them, in increasing lines of the file after
 *     the header (from line 1 in JSON Lines, which has none), each
 *     naming a column of the options and a message of one line;
 *     classes not distinct or not sorted (as numbers when all
 *     are numbers), a NaN among them, a binary task of 0/1 labels without
 *     both classes; a probability column a class, but one for binary;
 *     ids out of range; probabilities outside [0, 1];
 *     negative or infinite weights; non-finite regression values; slice
 *     key values not distinct, not in order of first appearance, or
 *     codes out of range;
 *   - metrics are refused but for binary averaging of a task that is not
 *     binary (metrics_ml.h), or a defined metric is not finite (they are
 *     never NaN, and the metrics file cannot hold an infinity), or count
 *     and weight are not the rows' and the weights' sum;
 *   - the confusion matrix has a negative or non-finite cell, or its rows
 *     do not add up to the rows of each true class (weighted: to the
 *     sum of their weights);
 *   - the slices of each spec do not hold every valid row once, or a
 *     slice's metrics break the rules above;
 *   - the "valid-rows" check does not count every invalid row, or lists
 *     them at another place than the file, line and column read;
 *   - a report emitter fails.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/predfile.h"
#include "mlgate/report.h"
#include "mlgate/slices.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "position.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the file ---- */

/* The file's path (scratch.h). */
static const char *path;

/* What the file holds: its lines, and whether the stream decompresses
 * it (the magics of stream.c), which hides its lines from us. */
struct input {
	uint64_t lines;
	int compressed;
};

static void scan(struct input *in, const uint8_t *p, size_t len)
{
	static const char *const magic[] = {"\x1f\x8b\x08", "\x28\xb5\x2f\xfd",
					    "\xfd\x37\x7a\x58\x5a", "BZh"};
	size_t i;

	in->lines = 1;
	for (i = 0; i < len; i++)
		in->lines += p[i] == '\n';
	in->compressed = 0;
	for (i = 0; i < sizeof(magic) / sizeof(*magic); i++)
		if (len >= strlen(magic[i]) &&
		    !memcmp(p, magic[i], strlen(magic[i])))
			in->compressed = 1;
}

/* ---- the options ---- */

struct choice {
	struct mlg_predfile_opts po;
	struct mlg_metric_opts mo;
	const char *spec;	  /* --slice, or NULL */
	const char *const *rules; /* --threshold, then those of `common` */
};

static const char *const common[] = {
	"accuracy >= 0.5", "f1 >= 0.5", "roc_auc >= 0.7", "log_loss <= 0.7",
	"mae < 1",	   "r2 >= 0.5", "count >= 3",	  NULL};
static const char *const by_slice[][3] = {
	{NULL},
	{"f1[country=US] >= 0.5", "count[country = FR] >= 2", NULL},
	{"accuracy[age_band=18-30, country=US] >= 0.5", NULL},
	{"mae[region=south] < 1.5", "rmse[region=north,country=US] <= 1", NULL},
};
static const char *const gaps[] = {"f1 <= 0.1", "rmse <= 0.5",
				   "accuracy <= 0.2", NULL};

static void choose(struct choice *c, uint8_t b0, uint8_t b1)
{
	static const char *const globs[] = {"p_*", "p", "p_?", "p*"};
	static const char *const specs[] = {NULL, "country",
					    "country, age_band", "region"};
	static const char delim[] = {',', '\t', 0, ';'};
	static const enum mlg_average avg[] = {
		MLG_AVG_DEFAULT, MLG_AVG_BINARY,   MLG_AVG_MACRO,
		MLG_AVG_MICRO,	 MLG_AVG_WEIGHTED, MLG_AVG_DEFAULT};

	memset(c, 0, sizeof(*c));
	c->po.label = "y";
	c->po.jsonl = (b0 & 3) == 2;
	c->po.delimiter = delim[b0 & 3];
	c->po.task = (enum mlg_task)((b0 >> 2) & 3);
	c->mo.average = avg[((b0 >> 4) & 7) % 6];
	c->mo.zero_division = b0 >> 7;
	if ((b1 & 3) != 1)
		c->po.pred = "yhat";
	if (b1 & 1 || (b1 & 3) == 2)
		c->po.proba = globs[(b1 >> 2) & 3];
	c->po.weight = b1 & 16 ? "w" : NULL;
	c->po.id = b1 & 32 ? "id" : NULL;
	c->spec = specs[b1 >> 6];
	c->rules = by_slice[b1 >> 6];
}

/* Each rule of `c`, parsed, to `fn`. */
static void each_rule(const struct choice *c,
		      void (*fn)(const struct mlg_threshold *, void *),
		      void *arg)
{
	const char *const *list[] = {c->rules, common};
	struct mlg_threshold t;
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; list[k][i]; i++) {
			if (mlg_threshold_parse(&t, list[k][i]))
				abort();
			fn(&t, arg);
			mlg_threshold_release(&t);
		}
}

/* ---- refusals ---- */

static int names_file(const char *m)
{
	char q[80];

	snprintf(q, sizeof(q), "'%s'", path);
	return strstr(m, q) != NULL;
}

static void check_refusal(const struct input *in, const struct choice *c,
			  int rc)
{
	const char *m = mlg_error_message(), *p;
	unsigned long long line;
	char *end;

	fuzz_one_line(m);
	if (rc == MLG_EIO && in->compressed) {
		if (!names_file(m))
			abort();
		return;
	}
	if (rc != MLG_EINVALID && rc != MLG_EDATA)
		abort();
	if (rc == MLG_EINVALID && c->po.task == MLG_TASK_REGRESSION &&
	    !c->po.pred && !strcmp(m, "regression needs a predicted column"))
		return;
	if (!names_file(m))
		abort();
	if (rc != MLG_EDATA)
		return;
	if (!(p = strstr(m, "line ")))
		abort();
	line = strtoull(p + 5, &end, 10);
	if (end == p + 5 || !line || (!in->compressed && line > in->lines))
		abort();
}

/* ---- what was read ---- */

static int is_column(const struct choice *c, const char *name)
{
	const struct mlg_predfile_opts *o = &c->po;
	size_t i;

	for (i = 0; i < o->nslices; i++)
		if (!strcmp(name, o->slices[i]))
			return 1;
	return !strcmp(name, o->label) || (o->pred && !strcmp(name, o->pred)) ||
	       (o->weight && !strcmp(name, o->weight)) ||
	       (o->proba && !fnmatch(o->proba, name, 0));
}

static void check_bad(const struct input *in, const struct choice *c,
		      const struct mlg_predfile *pf)
{
	/* the first line of data: JSON Lines has no header */
	uint64_t first = c->po.jsonl ? 1 : 2;
	size_t i;

	if (pf->rows != pf->n + pf->nbad ||
	    pf->nbadlist != (pf->nbad < MLG_PREDFILE_LIST_BAD
				     ? pf->nbad
				     : MLG_PREDFILE_LIST_BAD))
		abort();
	for (i = 0; i < pf->nbadlist; i++) {
		const struct mlg_predfile_bad *b = &pf->bad[i];

		if (b->line < first || (i && b->line <= pf->bad[i - 1].line) ||
		    (!in->compressed && b->line > in->lines))
			abort();
		if (!is_column(c, b->column) || !*b->message ||
		    !b->id != !c->po.id)
			abort();
		fuzz_one_line(b->message);
	}
	if (pf->not_one > pf->n || (pf->not_one && pf->first_not_one < first))
		abort();
}

static int as_number(double *v, const char *s)
{
	return !mlg_parse_double(v, s) && !isnan(*v);
}

static void check_classes(const struct mlg_predfile *pf)
{
	size_t i, k = pf->nclasses, nums = 0, only01 = 1;
	double u, v;

	for (i = 0; i < k; i++) {
		nums += as_number(&v, pf->classes[i]);
		if (!mlg_parse_double(&v, pf->classes[i]) && isnan(v))
			abort();
		if (strcmp(pf->classes[i], "0") && strcmp(pf->classes[i], "1"))
			only01 = 0;
	}
	for (i = 1; i < k; i++) {
		const char *a = pf->classes[i - 1], *b = pf->classes[i];
		int cmp = strcmp(a, b);

		if (nums == k) {
			as_number(&u, a);
			as_number(&v, b);
			if (u != v)
				cmp = u < v ? -1 : 1;
		}
		if (cmp >= 0)
			abort();
	}
	if (pf->task == MLG_TASK_BINARY && (k > 2 || (k && only01 && k != 2)))
		abort();
	if (pf->nproba > 1 ? pf->nproba != k
			   : pf->nproba && pf->task != MLG_TASK_BINARY)
		abort();
	for (i = 0; i < pf->n; i++)
		if (pf->y[i] < 0 || (size_t)pf->y[i] >= k ||
		    (pf->pred && (pf->pred[i] < 0 || (size_t)pf->pred[i] >= k)))
			abort();
	for (i = 0; pf->proba && i < pf->n * pf->nproba; i++)
		if (!(pf->proba[i] >= 0 && pf->proba[i] <= 1))
			abort();
}

static void check_rows(const struct choice *c, const struct mlg_predfile *pf)
{
	size_t i, j, v;

	if (pf->task == MLG_TASK_AUTO || (c->po.task && pf->task != c->po.task))
		abort();
	if (pf->task == MLG_TASK_REGRESSION) {
		if (pf->nclasses || pf->y || pf->pred || pf->proba ||
		    (pf->n && (!pf->yv || !pf->predv)))
			abort();
		for (i = 0; i < pf->n; i++)
			if (!isfinite(pf->yv[i]) || !isfinite(pf->predv[i]))
				abort();
	} else {
		if (pf->n && !pf->y)
			abort();
		check_classes(pf);
	}
	for (i = 0; pf->w && i < pf->n; i++)
		if (!(pf->w[i] >= 0) || isinf(pf->w[i]))
			abort();
	for (j = 0; j < pf->nkeys; j++) {
		const struct mlg_predfile_key *k = &pf->keys[j];

		for (v = 0; v < k->nvalues; v++)
			for (i = 0; i < v; i++)
				if (!strcmp(k->values[i], k->values[v]))
					abort();
		/* first appearances come in order 0, 1, 2, ... */
		for (i = 0, v = 0; i < pf->n; i++) {
			if (k->code[i] > v || k->code[i] >= k->nvalues)
				abort();
			v += k->code[i] == v;
		}
		if (v != k->nvalues)
			abort();
	}
}

/* ---- the same file in small chunks ---- */

static const size_t chunks[] = {64, 100, 257, 1024};

/* `len` bytes at a and b differ, or only one of them is there. */
static int differ(const void *a, const void *b, size_t len)
{
	return len && (!a || !b ? a != b : memcmp(a, b, len) != 0);
}

static int str_differ(const char *a, const char *b)
{
	return !a || !b ? a != b : strcmp(a, b) != 0;
}

/* What differs between two reads of a file, or NULL. */
static const char *compare(const struct mlg_predfile *a,
			   const struct mlg_predfile *b)
{
	size_t i, j, n = a->n;

	if (a->task != b->task || a->n != b->n || a->rows != b->rows)
		return "the task or the rows read or kept";
	if (a->nclasses != b->nclasses || a->nproba != b->nproba)
		return "the number of classes or probability columns";
	for (i = 0; i < a->nclasses; i++)
		if (strcmp(a->classes[i], b->classes[i]))
			return "a class";
	if (differ(a->y, b->y, n * sizeof(*a->y)) ||
	    differ(a->pred, b->pred, n * sizeof(*a->pred)))
		return "a row's class ids";
	if (differ(a->yv, b->yv, n * sizeof(*a->yv)) ||
	    differ(a->predv, b->predv, n * sizeof(*a->predv)))
		return "a row's values";
	if (differ(a->proba, b->proba, n * a->nproba * sizeof(*a->proba)))
		return "a row's probabilities";
	if (differ(a->w, b->w, n * sizeof(*a->w)))
		return "a row's weight";
	for (j = 0; j < a->nkeys; j++) {
		const struct mlg_predfile_key *k = &a->keys[j],
					      *l = &b->keys[j];

		if (k->nvalues != l->nvalues)
			return "the number of a key's values";
		for (i = 0; i < k->nvalues; i++)
			if (strcmp(k->values[i], l->values[i]))
				return "a key value or their order";
		if (differ(k->code, l->code, n * sizeof(*k->code)))
			return "a row's key code";
	}
	if (a->nbad != b->nbad || a->nbadlist != b->nbadlist)
		return "the invalid rows";
	for (i = 0; i < a->nbadlist; i++) {
		const struct mlg_predfile_bad *x = &a->bad[i], *y = &b->bad[i];

		if (x->line != y->line || str_differ(x->column, y->column) ||
		    str_differ(x->message, y->message) ||
		    str_differ(x->id, y->id))
			return "a listed invalid row";
	}
	if (a->not_one != b->not_one || a->first_not_one != b->first_not_one)
		return "the rows whose probabilities do not sum to 1";
	return NULL;
}

static void differs(size_t chunk, const char *what)
{
	fprintf(stderr,
		"fuzz_predfile: in chunks of %zu bytes, not the same: %s\n",
		chunk, what);
	abort();
}

/* Read the file again in c->po's chunks into `b`; abort() unless it
 * gives what the first read gave: `rc`, its message, `a`. */
static void reread(const struct choice *c, int rc, const struct mlg_predfile *a,
		   struct mlg_predfile *b)
{
	char *msg = mlg_strdup(mlg_error_message());
	const char *what;
	int rc2;

	rc2 = mlg_predfile_read(b, path, &c->po);
	if (rc2 != rc || (rc && strcmp(msg, mlg_error_message()))) {
		fprintf(stderr, "  one chunk: %d '%s'\n  small: %d '%s'\n", rc,
			rc ? msg : "", rc2, rc2 ? mlg_error_message() : "");
		differs(c->po.chunk_size, "the return code or message");
	}
	free(msg);
	if (!rc && (what = compare(a, b)))
		differs(c->po.chunk_size, what);
}

/* The metrics and confusion matrix of the second read, `b`, against
 * those of the first. */
static void same_metrics(const struct choice *c, const struct mlg_metrics *m,
			 const double *cm, struct mlg_predfile *b)
{
	size_t i, k = b->nclasses;
	double *cm2 = NULL;
	struct mlg_metrics m2;

	if (b->task != MLG_TASK_REGRESSION)
		cm2 = mlg_calloc(k * k + 1, sizeof(double));
	if (mlg_predfile_metrics(&m2, cm2, b, NULL, 0, &c->mo))
		differs(c->po.chunk_size, "the refusal of the metrics");
	if (m->n != m2.n || differ(&m->count, &m2.count, sizeof(m->count)) ||
	    differ(&m->weight, &m2.weight, sizeof(m->weight)) ||
	    str_differ(m->avg, m2.avg))
		differs(c->po.chunk_size, "the metrics' count or weight");
	for (i = 0; i < m->n; i++)
		if (str_differ(m->m[i].name, m2.m[i].name) ||
		    str_differ(m->m[i].undefined, m2.m[i].undefined) ||
		    (!m->m[i].undefined &&
		     differ(&m->m[i].value, &m2.m[i].value, sizeof(double))))
			differs(c->po.chunk_size, "a metric");
	if (differ(cm, cm2, k * k * sizeof(double)))
		differs(c->po.chunk_size, "the confusion matrix");
	free(cm2);
}

/* ---- metrics ---- */

static void check_metrics(const struct mlg_metrics *m, size_t n, double weight)
{
	size_t i;

	if (m->count != (double)n ||
	    !(fabs(m->weight - weight) <= 1e-9 * weight))
		abort();
	for (i = 0; i < m->n; i++)
		if (!m->m[i].undefined && !isfinite(m->m[i].value))
			abort();
}

static void check_cm(const struct mlg_predfile *pf, const double *cm)
{
	size_t k = pf->nclasses, i, c;
	double *want = mlg_calloc(k + 1, sizeof(double));

	for (i = 0; i < pf->n; i++)
		want[pf->y[i]] += pf->w ? pf->w[i] : 1;
	for (c = 0; c < k; c++) {
		double sum = 0;

		for (i = 0; i < k; i++) {
			if (!(cm[c * k + i] >= 0) || isinf(cm[c * k + i]))
				abort();
			sum += cm[c * k + i];
		}
		if (pf->w ? !(fabs(sum - want[c]) <= 1e-9 * want[c])
			  : sum != want[c])
			abort();
	}
	free(want);
}

static int refusable(const struct choice *c, const struct mlg_predfile *pf,
		     int rc)
{
	return rc == MLG_EINVALID && c->mo.average == MLG_AVG_BINARY &&
	       pf->task != MLG_TASK_BINARY;
}

/* ---- the run ---- */

static void check_report(const struct mlg_report *r,
			 const struct mlg_predfile *pf)
{
	const struct mlg_check *v = mlg_report_find_check(r, "valid-rows");
	struct mlg_buf out = MLG_BUF_INIT;
	size_t i;

	if (!v || v->count != pf->nbad || v->nfindings != pf->nbadlist)
		abort();
	for (i = 0; i < v->nfindings; i++) {
		const struct mlg_loc *l = &v->findings[i].loc;

		if (!l->file || strcmp(l->file, path) ||
		    l->line != pf->bad[i].line ||
		    strcmp(l->field, pf->bad[i].column))
			abort();
		fuzz_one_line(v->findings[i].message);
	}
	for (i = 0; i < r->nchecks; i++)
		if ((unsigned)r->checks[i]->status >= MLG_STATUS_COUNT)
			abort();
	if (mlg_emit_text(&out, r, MLG_EMIT_VERBOSE) ||
	    mlg_emit_json(&out, r) || mlg_emit_junit(&out, r) ||
	    mlg_emit_markdown(&out, r) || mlg_emit_github(&out, r))
		abort();
	mlg_buf_release(&out);
}

/* What a rule is checked with. */
struct run {
	struct mlg_report *r;
	struct mlg_slices *sl;
	struct mlg_predfile *pf;
	struct mlg_metrics all;
	struct mlg_predfile *other; /* the read in small chunks */
};

static void add_selector(const struct mlg_threshold *t, void *arg)
{
	if (t->selector && mlg_slices_add_spec(arg, t->selector, 0))
		abort();
}

static void check_rule(const struct mlg_threshold *t, void *arg)
{
	struct run *x = arg;

	mlg_slices_check_rule(x->r, x->sl, x->pf, &x->all, t);
}

static void run(const struct choice *c, struct run *x)
{
	struct mlg_predfile *pf = x->pf;
	struct mlg_threshold t;
	double *cm = NULL, weight = 0;
	size_t i, rows = 0;
	int rc;

	mlg_predfile_report(x->r, pf, path);
	if (!pf->n)
		return;
	for (i = 0; i < pf->n; i++)
		weight += pf->w ? pf->w[i] : 1;
	if (pf->task != MLG_TASK_REGRESSION)
		cm = mlg_calloc(pf->nclasses * pf->nclasses + 1,
				sizeof(double));
	if ((rc = mlg_predfile_metrics(&x->all, cm, pf, NULL, 0, &c->mo))) {
		if (!refusable(c, pf, rc))
			abort();
		free(cm);
		return;
	}
	check_metrics(&x->all, pf->n, weight);
	if (cm)
		check_cm(pf, cm);
	same_metrics(c, &x->all, cm, x->other);
	mlg_metrics_add_tables(x->r, &x->all, cm, pf->classes, pf->nclasses);
	free(cm);
	if (mlg_slices_compute(x->sl, pf, &c->mo))
		abort();
	for (i = 0; i < x->sl->n; i++) {
		const struct mlg_slice_metrics *z = &x->sl->sl[i];

		rows += z->n;
		check_metrics(&z->m, z->n, pf->w ? z->m.weight : (double)z->n);
	}
	/* each spec parts the valid rows */
	if (rows != x->sl->nspecs * pf->n)
		abort();
	mlg_slices_report(x->r, x->sl, &x->all,
			  pf->task == MLG_TASK_REGRESSION);
	each_rule(c, check_rule, x);
	for (i = 0; gaps[i]; i++) {
		if (mlg_slices_parse_gap(&t, gaps[i]))
			abort();
		mlg_slices_check_gap(x->r, x->sl, &x->all, &t);
		mlg_threshold_release(&t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_slices sl = MLG_SLICES_INIT;
	struct mlg_predfile pf, pf2;
	struct mlg_report r;
	struct choice c;
	struct input in;
	struct run x = {&r, &sl, &pf, {0}, &pf2};
	int rc;

	if (size < 2)
		return 0;
	choose(&c, data[0], data[1]);
	path = fuzz_scratch_write("preds.csv", (const char *)data + 2,
				  size - 2);
	scan(&in, data + 2, size - 2);
	sl.min_size = 2;
	/* as model-test: --slice, then the selectors of the rules */
	if (c.spec && mlg_slices_add_spec(&sl, c.spec, 1))
		abort();
	each_rule(&c, add_selector, &sl);
	c.po.slices = sl.cols;
	c.po.nslices = sl.ncols;
	rc = mlg_predfile_read(&pf, path, &c.po);
	c.po.chunk_size = chunks[size % 4];
	reread(&c, rc, &pf, &pf2);
	if (rc) {
		check_refusal(&in, &c, rc);
	} else {
		check_bad(&in, &c, &pf);
		check_rows(&c, &pf);
		mlg_report_init(&r, "model-test", "fuzz");
		run(&c, &x);
		mlg_report_finish(&r);
		check_report(&r, &pf);
		mlg_report_release(&r);
	}
	mlg_predfile_release(&pf);
	mlg_predfile_release(&pf2);
	mlg_slices_release(&sl);
	mlg_error_clear();
	return 0;
}
