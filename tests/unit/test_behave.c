#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/behave.h"
#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/predfile.h"
#include "mlgate/report.h"
#include "mlgate/util.h"
#include "test.h"

/* ---- a toy model ---- */

enum kind {
	LOGISTIC,   /* P(1) = 1 / (1 + exp(-(2 x1 - x2))); country ignored */
	TEXT,	    /* LOGISTIC + 1 for country "US", - 1 for "DE" (text) */
	LINEAR,	    /* P(1) = clamp(0.25 + 0.125 x1): exact for dyadic x1 */
	REGRESSION, /* value = x1 + 2 x2 */
	LABELS,	    /* label 1 when 2 x1 - x2 > 0, no probabilities */
	SHORT,	    /* one answer too few */
	EMPTY,	    /* neither probabilities nor labels */
};

struct toy {
	enum kind kind;
	int code; /* fail with this code */
	size_t calls, rows, nan;
};

static double col(const struct mlg_infer_data *d, size_t i, const char *name)
{
	size_t j;

	for (j = 0; j < d->ncols; j++)
		if (!strcmp(d->names[j], name))
			return d->x[i * d->ncols + j];
	t_fail(__FILE__, __LINE__, "no column '%s'", name);
}

/* TEXT's term for the country of row i: a text cell, or missing. */
static double bonus(const struct mlg_infer_data *d, size_t i)
{
	const char *c;

	T_ASSERT(mlg_infer_is_text(d, 2) && !strcmp(d->names[2], "country"));
	T_ASSERT(isnan(d->x[i * d->ncols + 2]));
	c = d->text[i * d->ncols + 2];
	return c && !strcmp(c, "US") ? 1 : c && !strcmp(c, "DE") ? -1 : 0;
}

static int toy_predict(struct mlg_infer_out *out,
		       const struct mlg_infer_data *d, void *arg)
{
	struct toy *t = arg;
	size_t i, j;
	double p = 0;

	t->calls++;
	t->rows += d->nrows;
	for (i = 0; i < d->nrows; i++)
		for (j = 0; j < d->ncols; j++)
			t->nan += mlg_infer_is_missing(d, i, j);
	if (t->code)
		return mlg_error_set(t->code,
				     "'http://127.0.0.1:9/v2/models/m/infer': "
				     "HTTP 503");
	out->n = t->kind == SHORT ? d->nrows - 1 : d->nrows;
	if (t->kind == EMPTY)
		return 0;
	if (t->kind == REGRESSION || t->kind == LABELS)
		out->pred = mlg_calloc(d->nrows + 1, sizeof(double));
	else {
		out->k = 2;
		out->proba = mlg_calloc(2 * d->nrows + 1, sizeof(double));
	}
	for (i = 0; i < d->nrows; i++) {
		double x1 = col(d, i, "x1"), x2 = col(d, i, "x2");

		switch (t->kind) {
		case LOGISTIC:
		case SHORT:
			p = 1 / (1 + exp(-(2 * x1 - x2)));
			break;
		case TEXT:
			p = 1 / (1 + exp(-(2 * x1 - x2 + bonus(d, i))));
			break;
		case LINEAR:
			p = 0.25 + 0.125 * x1;
			p = p < 0 ? 0 : p > 1 ? 1 : p;
			break;
		case REGRESSION:
			out->pred[i] = x1 + 2 * x2;
			continue;
		case LABELS:
			out->pred[i] = 2 * x1 - x2 > 0;
			continue;
		case EMPTY:
			break;
		}
		j = 2 * i;
		out->proba[j] = 1 - p;
		out->proba[j + 1] = p;
	}
	return 0;
}

static char *names3[] = {"x1", "x2", "country"};

/* 2 x1 - x2:       2   -1  0.5  -0.1  -2  0.1  5  -0.1 */
static double xa[] = {1,  0, 0, 0,   1,	  1, 0.5, 0.5, 2, 0.2, 0.5, 0,
		      -1, 0, 1, 0.1, 0.1, 2, 3,	  1,   0, 0.3, 0.7, 5};

/* LINEAR scores 0.25 0.3125 0.375 0.125 0.5 1 */
static double xb[] = {0, 0, 0, 0.5, 0, 1, 1, 0, 2, -1, 0, 0, 2, 0, 1, 6, 0, 2};

static struct mlg_infer_data data_a = {
	.nrows = 8, .ncols = 3, .names = names3, .x = xa};
static struct mlg_infer_data data_b = {
	.nrows = 6, .ncols = 3, .names = names3, .x = xb};

/* country is text; TEXT's z = 2 x1 - x2 + bonus: 3 -2 0.5 -0.1 2 -1 */
static double xt[] = {1, 0,   NAN, 0, 1, NAN, 0.5, 0.5, NAN,
		      0, 0.1, NAN, 1, 1, NAN, 0,   0,	NAN};
static unsigned char kind3[] = {0, 0, 1};
static const char *ct[] = {NULL, NULL, "US", NULL, NULL, "DE",
			   NULL, NULL, "FR", NULL, NULL, NULL,
			   NULL, NULL, "US", NULL, NULL, "DE"};
static struct mlg_infer_data data_t = {.nrows = 6,
				       .ncols = 3,
				       .names = names3,
				       .x = xt,
				       .is_text = kind3,
				       .text = ct};

static void load(struct mlg_behave_suite *s, const char *text)
{
	int rc = mlg_behave_parse(s, "suite.json", text, strlen(text));

	if (rc)
		t_fail(__FILE__, __LINE__, "suite: %s", mlg_error_message());
}

static struct mlg_check *get(const struct mlg_report *r, const char *id)
{
	struct mlg_check *c = mlg_report_find_check(r, id);

	if (!c)
		T_EQ_STR(id, "(a check that exists)");
	return c;
}

static const struct mlg_table *behaviour_table(const struct mlg_report *r)
{
	size_t i;

	for (i = 0; i < r->ntables; i++)
		if (!strcmp(r->tables[i]->id, "behaviour"))
			return r->tables[i];
	t_fail(__FILE__, __LINE__, "no behaviour table");
}

/* Row `i` of the behaviour table of `r` reads `cells`, all seven. */
static void row_is(const struct mlg_report *r, size_t i,
		   const char *const cells[7])
{
	const struct mlg_table *tab = behaviour_table(r);
	size_t j;

	T_ASSERT(i < tab->nrows);
	for (j = 0; j < 7; j++)
		T_EQ_STR(mlg_table_cell(tab, i, j), cells[j]);
}

/* The check `id` of `r`, with this status and message. */
static struct mlg_check *check_is(const struct mlg_report *r, const char *id,
				  enum mlg_status status, const char *message)
{
	struct mlg_check *c = get(r, id);

	T_EQ_INT(c->status, status);
	T_EQ_STR(c->message, message);
	return c;
}

/* Finding `i` of `c` reads `message`, at line:column of suite.json, or
 * at no place when line is 0. */
static void finding_is(const struct mlg_check *c, size_t i, const char *message,
		       int line, int column)
{
	const struct mlg_finding *f;

	T_ASSERT(i < c->nfindings);
	f = &c->findings[i];
	T_EQ_STR(f->message, message);
	if (!line) {
		T_ASSERT(!f->loc.file);
		return;
	}
	T_EQ_STR(f->loc.file, "suite.json");
	T_EQ_INT(f->loc.line, line);
	T_EQ_INT(f->loc.column, column);
}

/* One run of a suite: the toy model, the suite and the report. */
struct fix {
	struct toy toy;
	struct mlg_behave_model m;
	struct mlg_behave_suite s;
	struct mlg_report r;
};

/* Make a toy of `kind` the model of `f`; nothing is loaded yet. */
static struct fix *fix(struct fix *f, enum kind kind)
{
	memset(f, 0, sizeof(*f));
	f->toy.kind = kind;
	f->m.predict = toy_predict;
	f->m.arg = &f->toy;
	f->m.regression = kind == REGRESSION;
	return f;
}

/* Load `text` into f->s and run it with f->m on `d` into the new report
 * f->r: the code of mlg_behave_run(). */
static int run(struct fix *f, const char *text, const struct mlg_infer_data *d)
{
	load(&f->s, text);
	mlg_report_init(&f->r, "model-test", "test");
	return mlg_behave_run(&f->r, &f->s, &f->m, d);
}

/* The same in predictions-file mode: f->toy and f->m are not used. */
static int run_preds(struct fix *f, const char *text,
		     const struct mlg_behave_preds *p)
{
	load(&f->s, text);
	mlg_report_init(&f->r, "model-test", "test");
	return mlg_behave_run_preds(&f->r, &f->s, p);
}

/* Run `text` as run() does, which must succeed: the check `id`, with this
 * status and message. */
static struct mlg_check *run_check(struct fix *f, const char *text,
				   const struct mlg_infer_data *d,
				   const char *id, enum mlg_status status,
				   const char *message)
{
	T_EQ_INT(run(f, text, d), 0);
	return check_is(&f->r, id, status, message);
}

static void release(struct fix *f)
{
	mlg_report_release(&f->r);
	mlg_behave_release(&f->s);
}

/* ---- MFT ---- */

static const char mft_suite[] =
	"{\"tests\": [\n"
	"  {\"name\": \"known positives\", \"type\": \"mft\",\n"
	"   \"rows\": [\n"
	"     {\"x1\": 3, \"x2\": 1, \"country\": 0, \"expect\": \"1\"},\n"
	"     {\"x1\": 0, \"x2\": 1, \"country\": 0, \"expect\": \"1\"},\n"
	"     {\"x1\": 1, \"x2\": 0, \"country\": 2, \"expect\": 1},\n"
	"     {\"x1\": -1, \"x2\": 0, \"country\": 1, \"expect\": \"0.0\"}\n"
	"   ]},\n"
	"  {\"name\": \"quarter\", \"type\": \"mft\", \"max_failure_rate\": "
	"0.25,\n"
	"   \"rows\": [\n"
	"     {\"x1\": 3, \"x2\": 1, \"country\": 0, \"expect\": \"1\"},\n"
	"     {\"x1\": 0, \"x2\": 1, \"country\": 0, \"expect\": \"1\"},\n"
	"     {\"x1\": 1, \"x2\": 0, \"country\": 2, \"expect\": 1},\n"
	"     {\"x1\": -1, \"x2\": 0, \"country\": 1, \"expect\": \"0\"}\n"
	"   ]}\n"
	"]}\n";

static void test_mft_counts(void)
{
	static const char *const cols[] = {"test", "type", "rows",   "failed",
					   "rate", "max",  "verdict"};
	const struct mlg_table *tab;
	struct mlg_check *c;
	struct fix f;
	size_t j;

	T_EQ_INT(run(fix(&f, LOGISTIC), mft_suite, &data_a), 0);
	T_EQ_INT(f.toy.calls, 2);
	T_EQ_INT(f.toy.rows, 8);

	c = check_is(&f.r, "behaviour/known positives", MLG_STATUS_FAIL,
		     "1 of 4 rows (25%) did not get the expected label (at "
		     "most 0%)");
	T_ASSERT(c->has_value);
	T_EQ_DBL(c->value, 0.25, 0);
	T_EQ_STR(c->threshold, "failure_rate <= 0");
	T_EQ_STR(c->loc.file, "suite.json");
	T_EQ_INT(c->loc.line, 2);
	T_EQ_INT(c->loc.column, 3);
	T_EQ_INT(c->count, 1);
	T_EQ_INT(c->nfindings, 1);
	finding_is(c, 0, "expected '1', got '0', score 0.268941", 5, 6);

	/* exactly at the maximum passes */
	c = check_is(&f.r, "behaviour/quarter", MLG_STATUS_PASS,
		     "1 of 4 rows (25%) did not get the expected label (at "
		     "most 25%)");
	T_EQ_STR(c->threshold, "failure_rate <= 0.25");

	tab = behaviour_table(&f.r);
	T_EQ_INT(tab->ncols, 7);
	for (j = 0; j < 7; j++)
		T_EQ_STR(tab->cols[j], cols[j]);
	T_EQ_INT(tab->nrows, 2);
	row_is(&f.r, 0,
	       (const char *const[]){"known positives", "mft", "4", "1", "25%",
				     "0%", "fail"});
	row_is(&f.r, 1,
	       (const char *const[]){"quarter", "mft", "4", "1", "25%", "25%",
				     "pass"});

	T_EQ_INT(f.s.tests[0].tested, 4);
	T_EQ_INT(f.s.tests[0].failed, 1);
	T_EQ_INT(f.s.tests[0].status, MLG_STATUS_FAIL);
	T_EQ_INT(mlg_report_exit_code(&f.r), 1);
	release(&f);
}

/* Run `text` (one test "n" with one failing row) with f->m on data_a:
 * its check reads `message`, its only finding `finding`. */
static void one_finding(struct fix *f, const char *text, const char *message,
			const char *finding)
{
	struct mlg_check *c = run_check(f, text, &data_a, "behaviour/n",
					MLG_STATUS_FAIL, message);

	T_EQ_INT(c->count, 1);
	T_EQ_INT(c->nfindings, 1);
	T_EQ_STR(c->findings[0].message, finding);
	release(f);
}

static void test_mft_class_names_and_labels_only(void)
{
	static const char *const classes[] = {"neg", "pos"};
	static const char text[] =
		"{\"tests\": [{\"name\": \"n\", \"type\": \"mft\", \"rows\": ["
		"{\"x1\": 3, \"x2\": 1, \"country\": 0, \"expect\": \"pos\"},"
		"{\"x1\": 0, \"x2\": 1, \"country\": 0, \"expect\": \"pos\"},"
		"{\"x1\": 0, \"x2\": 0, \"country\": 0, \"expect\": \"neg\"}"
		"]}]}";
	static const char text2[] =
		"{\"tests\": [{\"name\": \"n\", \"type\": \"mft\", \"rows\": ["
		"{\"x1\": 3, \"x2\": 1, \"country\": 0, \"expect\": 1},"
		"{\"x1\": 0, \"x2\": 1, \"country\": 0, \"expect\": \"1\"}"
		"]}]}";
	struct fix f;

	/* P = 0.5 exactly (third row) is the first class, as metrics_ml */
	fix(&f, LOGISTIC);
	f.m.classes = classes;
	f.m.nclasses = 2;
	one_finding(&f, text,
		    "1 of 3 rows (33.3333%) did not get the expected label (at "
		    "most 0%)",
		    "expected 'pos', got 'neg', score 0.268941");

	one_finding(fix(&f, LABELS), text2,
		    "1 of 2 rows (50%) did not get the expected label (at most "
		    "0%)",
		    "expected '1', got '0'");
}

static void test_mft_regression(void)
{
	static const char text[] =
		"{\"tests\": [{\"name\": \"r\", \"type\": \"mft\", "
		"\"tolerance\": 0.5, \"rows\": ["
		"{\"x1\": 1, \"x2\": 1, \"country\": 0, \"expect\": 3.5},"
		"{\"x1\": 1, \"x2\": 1, \"country\": 0, \"expect\": \"2.5\"},"
		"{\"x1\": 1, \"x2\": 1, \"country\": 0, \"expect\": 2.25}"
		"]}]}";
	struct mlg_check *c;
	struct fix f;

	c = run_check(fix(&f, REGRESSION), text, &data_a, "behaviour/r",
		      MLG_STATUS_FAIL,
		      "1 of 3 rows (33.3333%) missed the expected value by "
		      "more than 0.5 (at most 0%)");
	T_EQ_INT(c->count, 1);
	T_EQ_STR(c->findings[0].message, "expected 2.25, got 3");
	release(&f);
}

/* ---- INV ---- */

static const char inv_suite[] =
	"{\"tests\": [\n"
	" {\"name\": \"country invariance\", \"type\": \"inv\",\n"
	"  \"perturb\": {\"column\": \"country\", \"op\": \"swap\", "
	"\"values\": [0, 1, 2]}},\n"
	" {\"name\": \"x2 swap\", \"type\": \"inv\", \"tolerance\": 1,\n"
	"  \"max_failure_rate\": 0.25,\n"
	"  \"perturb\": {\"column\": \"x2\", \"op\": \"swap\", "
	"\"values\": [0, 1]}},\n"
	" {\"name\": \"x2 swap strict\", \"type\": \"inv\", \"tolerance\": 1,\n"
	"  \"max_failure_rate\": 0.2, \"rows\": 100,\n"
	"  \"perturb\": {\"column\": \"x2\", \"op\": \"swap\", "
	"\"values\": [0, 1]}},\n"
	" {\"name\": \"x2 swap score\", \"type\": \"inv\", \"rows\": 3,\n"
	"  \"perturb\": {\"column\": \"x2\", \"op\": \"swap\", "
	"\"values\": [0, 1]}}\n"
	"]}\n";

static void test_inv_swap(void)
{
	struct mlg_check *c;
	struct fix f;
	json_t *o;

	T_EQ_INT(run(fix(&f, LOGISTIC), inv_suite, &data_a), 0);
	/* the 8 originals once, then 8 + 8 + 8 + 3 perturbed rows */
	T_EQ_INT(f.toy.calls, 5);
	T_EQ_INT(f.toy.rows, 35);

	/* the model ignores the country: identical answers */
	c = check_is(&f.r, "behaviour/country invariance", MLG_STATUS_PASS,
		     "0 of 8 rows (0%) changed label or score (at most 0%)");
	T_EQ_DBL(c->value, 0, 0);
	T_EQ_INT(c->count, 0);

	/* x2 -> 1, 0, 0, 0, 1, 0, 0, 0 flips rows 4 and 8 to label 1 */
	c = check_is(&f.r, "behaviour/x2 swap", MLG_STATUS_PASS,
		     "2 of 8 rows (25%) changed label or score by more than 1 "
		     "(at most 25%)");
	T_EQ_DBL(c->value, 0.25, 0);
	T_EQ_INT(c->count, 2);
	finding_is(c, 0, "row 4: label 0 -> 1, score 0.475021 -> 0.598688", 0,
		   0);
	finding_is(c, 1, "row 8: label 0 -> 1, score 0.475021 -> 0.645656", 0,
		   0);
	c = get(&f.r, "behaviour/x2 swap strict");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->threshold, "failure_rate <= 0.2");

	/* tolerance 0 with scores: every changed score fails */
	c = check_is(&f.r, "behaviour/x2 swap score", MLG_STATUS_FAIL,
		     "3 of 3 rows (100%) changed label or score (at most 0%)");
	T_EQ_STR(c->findings[0].message,
		 "row 1: label 1 -> 1, score 0.880797 -> 0.731059");

	T_EQ_INT(behaviour_table(&f.r)->nrows, 4);
	row_is(&f.r, 1,
	       (const char *const[]){"x2 swap", "inv", "8", "2", "25%", "25%",
				     "pass"});
	row_is(&f.r, 3,
	       (const char *const[]){"x2 swap score", "inv", "3", "3", "100%",
				     "0%", "fail"});

	o = json_object();
	mlg_behave_metrics_to_json(o, &f.s);
	T_EQ_INT(json_object_size(o), 4);
	T_EQ_DBL(json_real_value(
			 json_object_get(o, "behaviour/x2 swap/failure_rate")),
		 0.25, 0);
	T_EQ_DBL(json_real_value(json_object_get(
			 o, "behaviour/country invariance/failure_rate")),
		 0, 0);
	json_decref(o);
	release(&f);
}

static const char missing_suite[] =
	"{\"tests\": [{\"name\": \"m\", \"type\": \"inv\",\n"
	"\"perturb\": {\"column\": \"country\", \"op\": "
	"\"missing\"}}]}";

static void test_inv_labels_regression_missing(void)
{
	static const char labels[] =
		"{\"tests\": [{\"name\": \"l\", \"type\": \"inv\", "
		"\"perturb\": {\"column\": \"x2\", \"op\": \"swap\", "
		"\"values\": [0, 1]}}]}";
	static const char regr[] =
		"{\"tests\": [{\"name\": \"r\", \"type\": \"inv\", "
		"\"tolerance\": 1, \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"shift\", \"by\": 0.5}},"
		"{\"name\": \"q\", \"type\": \"inv\", "
		"\"tolerance\": 0.5, \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"shift\", \"by\": 0.5}}]}";
	struct mlg_check *c;
	struct fix f;

	c = run_check(fix(&f, LABELS), labels, &data_a, "behaviour/l",
		      MLG_STATUS_FAIL,
		      "2 of 8 rows (25%) changed label (at most 0%)");
	T_EQ_STR(c->findings[0].message, "row 4: label 0 -> 1");
	release(&f);

	/* values move by exactly 0.5: within tolerance 0.5 */
	T_EQ_INT(run(fix(&f, REGRESSION), regr, &data_b), 0);
	c = get(&f.r, "behaviour/r");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	check_is(&f.r, "behaviour/q", MLG_STATUS_PASS,
		 "0 of 6 rows (0%) changed value by more than 0.5 (at most "
		 "0%)");
	release(&f);

	/* a model that takes NaN sees it; it ignores the country (without
	 * missing_ok the suite is refused: see test_run_failures) */
	fix(&f, LOGISTIC)->m.missing_ok = 1;
	T_EQ_INT(run(&f, missing_suite, &data_a), 0);
	T_EQ_INT(f.toy.nan, 8);
	c = get(&f.r, "behaviour/m");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_EQ_INT(f.s.tests[0].tested, 8);
	release(&f);
}

/* ---- DIR ---- */

static void test_dir_tolerance_edges(void)
{
	static const char text[] =
		"{\"tests\": [\n"
		"{\"name\": \"inc at tol\", \"type\": \"dir\", \"expect\": "
		"\"increase\", \"tolerance\": 0.0625, \"max_failure_rate\": "
		"0.2, \"perturb\": {\"column\": \"x1\", \"op\": \"shift\", "
		"\"by\": 0.5}},\n"
		"{\"name\": \"inc above tol\", \"type\": \"dir\", \"expect\": "
		"\"increase\", \"tolerance\": 0.0626, \"perturb\": "
		"{\"column\": \"x1\", \"op\": \"shift\", \"by\": 0.5}},\n"
		"{\"name\": \"not inc at tol\", \"type\": \"dir\", \"expect\": "
		"\"not_increase\", \"tolerance\": 0.0625, \"perturb\": "
		"{\"column\": \"x1\", \"op\": \"shift\", \"by\": 0.5}},\n"
		"{\"name\": \"not inc below\", \"type\": \"dir\", \"expect\": "
		"\"not_increase\", \"tolerance\": 0.0624, \"perturb\": "
		"{\"column\": \"x1\", \"op\": \"shift\", \"by\": 0.5}},\n"
		"{\"name\": \"not dec\", \"type\": \"dir\", \"expect\": "
		"\"not_decrease\", \"tolerance\": 0.0625, \"perturb\": "
		"{\"column\": \"x1\", \"op\": \"shift\", \"by\": -0.5}},\n"
		"{\"name\": \"not dec strict\", \"type\": \"dir\", \"expect\": "
		"\"not_decrease\", \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"shift\", \"by\": -0.5}},\n"
		"{\"name\": \"dec\", \"type\": \"dir\", \"expect\": "
		"\"decrease\", \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"scale\", \"by\": 0.5}},\n"
		"{\"name\": \"noop\", \"type\": \"dir\", \"expect\": "
		"\"decrease\", \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"scale\", \"by\": 1}},\n"
		"{\"name\": \"set\", \"type\": \"dir\", \"expect\": "
		"\"not_decrease\", \"perturb\": {\"column\": \"x1\", "
		"\"op\": \"set\", \"value\": 0}}\n"
		"]}";
	/* the tests in order: +0.0625 on five rows, the sixth is clamped at
	 * 1; x1 * 0.5 leaves x1 = 0 unchanged (not tested), moves x1 = -1
	 * up and x1 = 6 from 1 to 0.625; nothing tested fails */
	static const struct {
		const char *id;
		size_t tested, failed;
		enum mlg_status status;
		const char *message;
	} want[] = {
		{"behaviour/inc at tol", 6, 1, MLG_STATUS_PASS,
		 "1 of 6 rows (16.6667%) did not increase by at least 0.0625 "
		 "(at most 20%)"},
		{"behaviour/inc above tol", 6, 6, MLG_STATUS_FAIL,
		 "6 of 6 rows (100%) did not increase by at least 0.0626 (at "
		 "most 0%)"},
		{"behaviour/not inc at tol", 6, 0, MLG_STATUS_PASS,
		 "0 of 6 rows (0%) increased by more than 0.0625 (at most "
		 "0%)"},
		{"behaviour/not inc below", 6, 5, MLG_STATUS_FAIL,
		 "5 of 6 rows (83.3333%) increased by more than 0.0624 (at "
		 "most 0%)"},
		{"behaviour/not dec", 6, 0, MLG_STATUS_PASS,
		 "0 of 6 rows (0%) decreased by more than 0.0625 (at most "
		 "0%)"},
		{"behaviour/not dec strict", 6, 6, MLG_STATUS_FAIL,
		 "6 of 6 rows (100%) decreased (at most 0%)"},
		{"behaviour/dec", 5, 1, MLG_STATUS_FAIL,
		 "1 of 5 rows (20%) did not decrease (at most 0%); 1 of 6 "
		 "rows unchanged by the perturbation, not tested"},
		{"behaviour/noop", 0, 0, MLG_STATUS_FAIL,
		 "the perturbation changed none of the 6 rows"},
		{"behaviour/set", 5, 4, MLG_STATUS_FAIL,
		 "4 of 5 rows (80%) decreased (at most 0%); 1 of 6 rows "
		 "unchanged by the perturbation, not tested"},
	};
	struct fix f;
	size_t i;

	T_EQ_INT(run(fix(&f, LINEAR), text, &data_b), 0);
	T_EQ_INT(f.r.nchecks, MLG_ARRAY_SIZE(want));
	for (i = 0; i < MLG_ARRAY_SIZE(want); i++) {
		check_is(&f.r, want[i].id, want[i].status, want[i].message);
		T_EQ_INT(f.s.tests[i].tested, want[i].tested);
		T_EQ_INT(f.s.tests[i].failed, want[i].failed);
	}
	finding_is(get(&f.r, "behaviour/inc at tol"), 0,
		   "row 6: label 1 -> 1, score 1 -> 1", 0, 0);
	finding_is(get(&f.r, "behaviour/not inc below"), 0,
		   "row 1: label 0 -> 0, score 0.25 -> 0.3125", 0, 0);
	finding_is(get(&f.r, "behaviour/dec"), 0,
		   "row 4: label 0 -> 0, score 0.125 -> 0.1875", 0, 0);
	T_ASSERT(!get(&f.r, "behaviour/noop")->has_value);
	row_is(&f.r, 7,
	       (const char *const[]){"noop", "dir", "0", "0", "-", "0%",
				     "fail"});
	release(&f);
}

static void test_findings_capped(void)
{
	static double x[3 * 30];
	static const char text[] =
		"{\"tests\": [{\"name\": \"d\", \"type\": \"dir\", \"expect\": "
		"\"decrease\", \"perturb\": {\"column\": \"x1\", \"op\": "
		"\"shift\", \"by\": 1}}]}";
	struct mlg_infer_data d = {
		.nrows = 30, .ncols = 3, .names = names3, .x = x};
	struct mlg_check *c;
	struct fix f;

	T_EQ_INT(run(fix(&f, LINEAR), text, &d), 0);
	c = get(&f.r, "behaviour/d");
	T_EQ_INT(c->count, 30);
	T_EQ_INT(c->nfindings, 10);
	T_EQ_STR(c->findings[9].message,
		 "row 10: label 0 -> 0, score 0.25 -> 0.375");
	release(&f);
}

static void test_empty_test_set(void)
{
	static const char text[] =
		"{\"tests\": [{\"name\": \"i\", \"type\": \"inv\", "
		"\"perturb\": {\"column\": \"x1\", \"op\": \"shift\", "
		"\"by\": 1}}]}";
	struct mlg_infer_data d = {
		.nrows = 0, .ncols = 3, .names = names3, .x = xa};
	json_t *o = json_object();
	struct fix f;

	run_check(fix(&f, LOGISTIC), text, &d, "behaviour/i", MLG_STATUS_FAIL,
		  "the perturbation changed none of the 0 rows");
	T_EQ_INT(f.toy.calls, 0);
	mlg_behave_metrics_to_json(o, &f.s);
	T_EQ_INT(json_object_size(o), 0);
	json_decref(o);
	release(&f);
}

/* ---- text columns ---- */

static const char text_suite[] =
	"{\"tests\": [\n"
	" {\"name\": \"swap\", \"type\": \"inv\", \"tolerance\": 1,\n"
	"  \"perturb\": {\"column\": \"country\", \"op\": \"swap\", "
	"\"values\": [\"US\", \"DE\"]}},\n"
	" {\"name\": \"map\", \"type\": \"inv\",\n"
	"  \"perturb\": {\"column\": \"country\", \"op\": \"swap\", "
	"\"map\": {\"FR\": \"US\", \"IT\": \"DE\"}}},\n"
	" {\"name\": \"set\", \"type\": \"dir\", \"expect\": "
	"\"not_decrease\",\n"
	"  \"perturb\": {\"column\": \"country\", \"op\": \"set\", "
	"\"value\": \"US\"}},\n"
	" {\"name\": \"x2 map\", \"type\": \"dir\", \"expect\": \"decrease\",\n"
	"  \"perturb\": {\"column\": \"x2\", \"op\": \"swap\", "
	"\"map\": {\"0.0\": 2, \"1\": 3, \"0\": -9}}}\n"
	"]}\n";

static void test_text_perturb(void)
{
	struct mlg_check *c;
	struct fix f;

	T_EQ_INT(run(fix(&f, TEXT), text_suite, &data_t), 0);
	/* the 6 originals, then 6 + 1 + 4 + 4 perturbed rows */
	T_EQ_INT(f.toy.calls, 5);
	T_EQ_INT(f.toy.rows, 21);
	/* the missing country of row 4, in the originals only: swap and
	 * set make it "US", the map and x2's leave row 4 alone */
	T_EQ_INT(f.toy.nan, 1);

	/* US -> DE, DE -> US, FR and missing -> US: rows 4-6 change
	 * label (row 6 from P = 0.5, the first class) */
	c = check_is(&f.r, "behaviour/swap", MLG_STATUS_FAIL,
		     "3 of 6 rows (50%) changed label or score by more than 1 "
		     "(at most 0%)");
	finding_is(c, 0, "row 4: label 0 -> 1, score 0.475021 -> 0.71095", 0,
		   0);
	finding_is(c, 1, "row 5: label 1 -> 0, score 0.880797 -> 0.5", 0, 0);
	finding_is(c, 2, "row 6: label 0 -> 1, score 0.268941 -> 0.731059", 0,
		   0);

	/* a map changes its keys only: FR of row 3; no IT */
	c = check_is(&f.r, "behaviour/map", MLG_STATUS_FAIL,
		     "1 of 1 rows (100%) changed label or score (at most 0%); "
		     "5 of 6 rows unchanged by the perturbation, not tested");
	finding_is(c, 0, "row 3: label 1 -> 1, score 0.622459 -> 0.817574", 0,
		   0);

	/* "US" everywhere raises every score; the US rows stay */
	check_is(&f.r, "behaviour/set", MLG_STATUS_PASS,
		 "0 of 4 rows (0%) decreased (at most 0%); 2 of 6 rows "
		 "unchanged by the perturbation, not tested");

	/* numeric keys: "0.0" and "0" are the same number and the first
	 * wins: x2 0 -> 2 (rows 1, 6), 1 -> 3 (rows 2, 5), 0.5 and 0.1
	 * stay; a larger x2 lowers every score */
	c = check_is(&f.r, "behaviour/x2 map", MLG_STATUS_PASS,
		     "0 of 4 rows (0%) did not decrease (at most 0%); 2 of 6 "
		     "rows unchanged by the perturbation, not tested");
	row_is(&f.r, 3,
	       (const char *const[]){"x2 map", "dir", "4", "0", "0%", "0%",
				     "pass"});
	release(&f);
}

static void test_text_missing_and_mft(void)
{
	static const char missing[] =
		"{\"tests\": [{\"name\": \"m\", \"type\": \"inv\", "
		"\"tolerance\": 0.3,\n"
		"\"perturb\": {\"column\": \"country\", \"op\": "
		"\"missing\"}}]}";
	static const char mft[] =
		"{\"tests\": [{\"name\": \"n\", \"type\": \"mft\",\n"
		"\"rows\": [{\"x1\": 0, \"x2\": 0, \"country\": \"US\", "
		"\"expect\": 1},\n"
		"{\"x1\": 0, \"x2\": 0, \"country\": null, \"expect\": 1},\n"
		"{\"x1\": 0, \"x2\": 0, \"country\": \"DE\", \"expect\": 0}"
		"]}]}";
	struct mlg_check *c;
	struct fix f;

	/* 5 countries become missing (row 4 already is): the score moves
	 * by less than 0.3, FR's not at all */
	fix(&f, TEXT)->m.missing_ok = 1;
	run_check(&f, missing, &data_t, "behaviour/m", MLG_STATUS_PASS,
		  "0 of 5 rows (0%) changed label or score by more than 0.3 "
		  "(at most 0%); 1 of 6 rows unchanged by the perturbation, "
		  "not tested");
	T_EQ_INT(f.toy.calls, 2);
	T_EQ_INT(f.toy.nan, 1 + 5);
	release(&f);

	/* mft rows take strings, and null for a missing value */
	fix(&f, TEXT)->m.missing_ok = 1;
	c = run_check(&f, mft, &data_t, "behaviour/n", MLG_STATUS_FAIL,
		      "1 of 3 rows (33.3333%) did not get the expected label "
		      "(at most 0%)");
	finding_is(c, 0, "expected '1', got '0', score 0.5", 3, 1);
	T_EQ_INT(f.toy.nan, 1);
	release(&f);
}

/* Suites that do not fit the text column, refused before any call. */
static void test_text_refused(void)
{
	static const struct {
		const char *perturb, *msg;
	} c[] = {
		{"{\"column\": \"country\", \"op\": \"shift\", \"by\": 1}",
		 "1:74: /tests/0/perturb/op: op 'shift' needs a numeric "
		 "column, and 'country' is text"},
		{"{\"column\": \"country\", \"op\": \"set\", \"value\": 1}",
		 "1:87: /tests/0/perturb/value: column 'country' is text: "
		 "expected a string, found number"},
		{"{\"column\": \"x1\", \"op\": \"set\", \"value\": \"US\"}",
		 "1:82: /tests/0/perturb/value: column 'x1' is numeric: "
		 "expected a number, found string"},
		{"{\"column\": \"country\", \"op\": \"swap\", \"values\": [1]}",
		 "1:88: /tests/0/perturb/values: column 'country' is text: "
		 "expected strings, found numbers"},
		{"{\"column\": \"x1\", \"op\": \"swap\", \"values\": [\"a\"]}",
		 "1:83: /tests/0/perturb/values: column 'x1' is numeric: "
		 "expected numbers, found strings"},
		{"{\"column\": \"x1\", \"op\": \"swap\", \"map\": {\"1\": "
		 "\"a\"}}",
		 "1:91: /tests/0/perturb/map/1: column 'x1' is numeric: "
		 "expected a number, found string"},
		{"{\"column\": \"x1\", \"op\": \"swap\", \"map\": {\"a\": 1}}",
		 "1:91: /tests/0/perturb/map/a: column 'x1' is numeric: key "
		 "'a' is not a number"},
		/* no value equals NaN: a key that swaps nothing is refused */
		{"{\"column\": \"x1\", \"op\": \"swap\", \"map\": {\"2\": 1, "
		 "\"-nan\": 1}}",
		 "1:99: /tests/0/perturb/map/-nan: column 'x1' is numeric: "
		 "key '-nan' is not a number"},
		{"{\"column\": \"country\", \"op\": \"swap\", \"map\": "
		 "{\"US\": 0}}",
		 "1:96: /tests/0/perturb/map/US: column 'country' is text: "
		 "expected a string, found number"},
		/* the protocol is named */
		{"{\"column\": \"country\", \"op\": \"missing\"}",
		 "1:74: /tests/0/perturb/op: test 't': protocol 'v2' cannot "
		 "send a missing value"},
	};
	static const struct {
		const char *row, *msg;
	} rows[] = {
		{"{\"x1\": 1, \"x2\": 0, \"country\": 1, \"expect\": 1}",
		 "1:69: /tests/0/rows/0/country: column 'country' is text: "
		 "expected a string, found number"},
		{"{\"x1\": \"1\", \"x2\": 0, \"country\": \"US\", \"expect\": "
		 "1}",
		 "1:51: /tests/0/rows/0/x1: column 'x1' is numeric: expected a "
		 "number, found string"},
		{"{\"x1\": 1, \"x2\": 0, \"country\": null, \"expect\": 1}",
		 "1:69: /tests/0/rows/0/country: test 't': the model cannot be "
		 "sent a missing value"},
	};
	struct fix f;
	char *text, *want;
	size_t i;
	int rc;

	for (i = 0; i < MLG_ARRAY_SIZE(c) + MLG_ARRAY_SIZE(rows); i++) {
		fix(&f, TEXT);
		if (i < MLG_ARRAY_SIZE(c)) {
			f.m.protocol = "v2";
			text = mlg_strfmt(
				"{\"tests\": [{\"name\": \"t\", "
				"\"type\": \"inv\", \"perturb\": %s}]}",
				c[i].perturb);
			want = mlg_strfmt("'suite.json': %s", c[i].msg);
		} else {
			text = mlg_strfmt(
				"{\"tests\": [{\"name\": \"t\", "
				"\"type\": \"mft\", \"rows\": [%s]}]}",
				rows[i - MLG_ARRAY_SIZE(c)].row);
			want = mlg_strfmt("'suite.json': %s",
					  rows[i - MLG_ARRAY_SIZE(c)].msg);
		}
		rc = run(&f, text, &data_t);
		T_EQ_STR(mlg_error_message(), want);
		T_EQ_INT(rc, MLG_EINVALID);
		T_EQ_INT(f.toy.calls, 0);
		T_EQ_INT(f.r.nchecks, 0);
		free(text);
		free(want);
		release(&f);
	}
}

/* ---- runs that fail: the suite against the test set, the callback ---- */

static const char *const abc[] = {"a", "b", "c"};

static const struct {
	const char *text;
	enum kind kind;
	int fail;	 /* the toy fails with this code */
	int regression;	 /* the model says it is a regression */
	size_t nclasses; /* the model names that many classes of abc */
	int code;	 /* of mlg_behave_run() and mlg_error_last() */
	const char *msg;
	size_t calls; /* of the model before it stopped */
} failures[] = {
	/* refused before the model is called */
	{"{\"tests\": [{\"name\": \"r\", \"type\": \"mft\", \"rows\": ["
	 "{\"x1\": 1, \"x2\": 1, \"country\": 0, \"expect\": \"cat\"}"
	 "]}]}",
	 REGRESSION, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 1:83: /tests/0/rows/0/expect: expected value "
	 "'cat' is not a finite number",
	 0},
	/* no prediction is within a tolerance of an infinity */
	{"{\"tests\": [{\"name\": \"r\", \"type\": \"mft\", \"rows\": ["
	 "{\"x1\": 1, \"x2\": 1, \"country\": 0, \"expect\": \"inf\"}"
	 "]}]}",
	 REGRESSION, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 1:83: /tests/0/rows/0/expect: expected value "
	 "'inf' is not a finite number",
	 0},
	{"{\"tests\": [{\"name\": \"n\", \"type\": \"mft\",\n"
	 "\"rows\": [{\"x1\": 3, \"x2\": 1, \"country\": 0, "
	 "\"expect\": \"1\"},\n"
	 "  {\"x1\": 3, \"country\": 0, \"expect\": \"1\"}]}]}",
	 LOGISTIC, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 3:3: /tests/0/rows/1: missing feature 'x2'", 0},
	{"{\"tests\": [{\"name\": \"n\", \"type\": \"mft\",\n"
	 "\"rows\": [{\"x1\": 3, \"x2\": 1, \"country\": 0, "
	 "\"x9\": 2, \"expect\": \"1\"}]}]}",
	 LOGISTIC, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 2:43: /tests/0/rows/0/x9: no feature 'x9' in the "
	 "test data",
	 0},
	{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\",\n"
	 " \"perturb\": {\"column\": \"income\", \"op\": \"shift\", "
	 "\"by\": 1}}]}",
	 LOGISTIC, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 2:14: /tests/0/perturb/column: no feature "
	 "'income' in the test data",
	 0},
	{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\",\n"
	 " \"pairs\": [[\"a\", \"b\"]]}]}",
	 LOGISTIC, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 2:2: /tests/0/pairs: test 'a' pairs ids of a "
	 "predictions file: there is none with a model",
	 0},
	/* a missing value cannot go to every model */
	{missing_suite, LOGISTIC, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 2:34: /tests/0/perturb/op: test 'm': the model "
	 "cannot be sent a missing value",
	 0},
	/* known from the model's answers to the originals: the shifted
	 * rows are not sent */
	{"{\"tests\": [{\"name\": \"d\", \"type\": \"dir\", \"expect\": "
	 "\"increase\", \"perturb\": {\"column\": \"x1\", \"op\": "
	 "\"shift\", \"by\": 1}}]}",
	 LABELS, 0, 0, 0, MLG_EINVALID,
	 "'suite.json': 1:12: /tests/0: test 'd': dir needs a score: "
	 "P(positive) from two probabilities, or a regression value",
	 1},
	{inv_suite, LOGISTIC, MLG_ENETWORK, 0, 0, MLG_ENETWORK,
	 "behaviour test 'country invariance': "
	 "'http://127.0.0.1:9/v2/models/m/infer': HTTP 503",
	 1},
	{inv_suite, SHORT, 0, 0, 0, MLG_EDATA,
	 "behaviour test 'country invariance': "
	 "the model gave 7 answers for 8 rows",
	 1},
	{inv_suite, EMPTY, 0, 0, 0, MLG_EDATA,
	 "behaviour test 'country invariance': "
	 "the model gave no predictions",
	 1},
	{inv_suite, LOGISTIC, 0, 1, 0, MLG_EDATA,
	 "behaviour test 'country invariance': "
	 "the model gave no predicted values",
	 1},
	{inv_suite, LOGISTIC, 0, 0, 3, MLG_EDATA,
	 "behaviour test 'country invariance': the model gave 2 "
	 "probabilities a row for 3 classes",
	 1},
};

static void test_run_failures(void)
{
	struct fix f;
	size_t i;
	int rc;

	for (i = 0; i < MLG_ARRAY_SIZE(failures); i++) {
		fix(&f, failures[i].kind)->toy.code = failures[i].fail;
		if (failures[i].regression)
			f.m.regression = 1;
		f.m.classes = failures[i].nclasses ? abc : NULL;
		f.m.nclasses = failures[i].nclasses;
		rc = run(&f, failures[i].text, &data_a);
		/* the message first: it tells the case */
		T_EQ_STR(mlg_error_message(), failures[i].msg);
		T_EQ_INT(rc, failures[i].code);
		T_EQ_INT(mlg_error_last()->code, failures[i].code);
		T_EQ_INT(f.toy.calls, failures[i].calls);
		T_EQ_INT(f.r.nchecks, 0);
		release(&f);
	}
}

/* ---- suite errors ---- */

static void test_suite_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mfx\", "
		 "\"rows\": []}]}",
		 "'suite.json': 1:26: /tests/0/type: unknown type 'mfx' "
		 "(expected mft, inv or dir)"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\",\n"
		 "\"perturb\": {\"column\": \"x\", \"op\": "
		 "\"flip\"}}]}",
		 "'suite.json': 2:28: /tests/0/perturb/op: unknown op 'flip' "
		 "(expected swap, shift, scale, set or missing)"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\",\n"
		 "\"perturb\": {\"op\": \"shift\", \"by\": 1}}]}",
		 "'suite.json': 2:1: /tests/0/perturb: missing required "
		 "property 'column'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\",\n"
		 "\"perturb\": {\"column\": \"x\", \"op\": "
		 "\"shift\", \"by\": \"1\"}}]}",
		 "'suite.json': 2:43: /tests/0/perturb/by: expected a number, "
		 "found string"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"rows\": [{\"x\": true, \"expect\": \"1\"}]}]}",
		 "'suite.json': 2:11: /tests/0/rows/0/x: expected a number, a "
		 "string or null, found boolean"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"rows\": [{\"x\": 3}]}]}",
		 "'suite.json': 2:10: /tests/0/rows/0: missing required "
		 "property 'expect'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"rows\": [{\"x\": 3, \"expect\": null}]}]}",
		 "'suite.json': 2:19: /tests/0/rows/0/expect: expected a "
		 "label (a string or a number), found null"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"max_failure_rate\": 1.5, \"rows\": [{\"x\": 3, "
		 "\"expect\": 1}]}]}",
		 "'suite.json': 2:1: /tests/0/max_failure_rate: "
		 "max_failure_rate must be from 0 to 1, got 1.5"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"max_failure_rate\": -0.01, \"rows\": [{\"x\": 3, "
		 "\"expect\": 1}]}]}",
		 "'suite.json': 2:1: /tests/0/max_failure_rate: "
		 "max_failure_rate must be from 0 to 1, got -0.01"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\",\n"
		 "\"tolerance\": -1, \"rows\": [{\"x\": 3, "
		 "\"expect\": 1}]}]}",
		 "'suite.json': 2:1: /tests/0/tolerance: tolerance must be a "
		 "finite number >= 0, got -1"},
		{"{\"tests\": []}", "'suite.json': 1:2: /tests: no tests"},
		{"{\"tests\": {}}",
		 "'suite.json': 1:2: /tests: expected an array, found object"},
		{"{}",
		 "'suite.json': 1:1: /: missing required property 'tests'"},
		{"{\"tests\": [], \"x\": 1}",
		 "'suite.json': 1:15: /x: unknown property 'x'"},
		{"[1]",
		 "'suite.json': 1:1: /: expected an object, found array"},
		{"{\"tests\": [\n  {\"name\": \"a\",, }]}",
		 "'suite.json': 2:16: string or '}' expected near ','"},
		{"", "'suite.json': empty JSON text"},
		{"{\"tests\": [{\"name\": \"a\"",
		 "'suite.json': 1:24: '}' expected near end of file"},
		{"{\"tests\": [{\"name\": \"\xff\"}]}",
		 "'suite.json': 1:22: unable to decode byte 0xff near '\"'"},
		{"{\"tests\": [{\"name\": \"\", \"type\": \"mft\", "
		 "\"rows\": [{\"expect\": 1}]}]}",
		 "'suite.json': 1:13: /tests/0/name: empty test name"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\", "
		 "\"rows\": []}]}",
		 "'suite.json': 1:41: /tests/0/rows: expected a non-empty "
		 "array of rows, found an empty array"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\"}]}",
		 "'suite.json': 1:12: /tests/0: missing required property "
		 "'rows' (or 'ids' for a predictions file)"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\", "
		 "\"rows\": [{\"expect\": 1}], \"ids\": {\"a\": "
		 "1}}]}",
		 "'suite.json': 1:66: /tests/0/ids: 'rows' and 'ids' exclude "
		 "each other"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": [0, 1, 0]}}]}",
		 "'suite.json': 1:99: /tests/0/perturb/values/2: duplicate "
		 "value 0"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": []}}]}",
		 "'suite.json': 1:82: /tests/0/perturb/values: expected a "
		 "non-empty array of numbers or strings, found an empty "
		 "array"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": [0, \"a\"]}}]}",
		 "'suite.json': 1:96: /tests/0/perturb/values/1: expected a "
		 "number as values[0], found string"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": [true]}}]}",
		 "'suite.json': 1:93: /tests/0/perturb/values/0: expected a "
		 "number or a string, found boolean"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": [\"a\", \"b\", \"a\"]}}]}",
		 "'suite.json': 1:103: /tests/0/perturb/values/2: duplicate "
		 "value 'a'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"values\": [\"a\"], \"map\": {\"a\": \"b\"}}}]}",
		 "'suite.json': 1:99: /tests/0/perturb/map: 'values' and 'map' "
		 "exclude each other"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\"}}]}",
		 "'suite.json': 1:41: /tests/0/perturb: missing required "
		 "property 'values' (or 'map')"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"map\": {}}}]}",
		 "'suite.json': 1:82: /tests/0/perturb/map: expected a "
		 "non-empty object of value: replacement, found an empty "
		 "object"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"map\": {\"a\": \"x\", \"b\": 1}}}]}",
		 "'suite.json': 1:100: /tests/0/perturb/map/b: expected a "
		 "string "
		 "as the first value, found number"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"map\": {\"a\": null}}}]}",
		 "'suite.json': 1:90: /tests/0/perturb/map/a: expected a "
		 "number "
		 "or a string, found null"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"set\", "
		 "\"value\": true}}]}",
		 "'suite.json': 1:81: /tests/0/perturb/value: expected a "
		 "number or a string, found boolean"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"set\"}}]}",
		 "'suite.json': 1:41: /tests/0/perturb: missing required "
		 "property 'value'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": \"swap\", "
		 "\"by\": 1}}]}",
		 "'suite.json': 1:82: /tests/0/perturb/by: unknown property "
		 "'by'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"rows\": 0, \"perturb\": {\"column\": \"x\", "
		 "\"op\": \"set\", \"value\": 1}}]}",
		 "'suite.json': 1:41: /tests/0/rows: rows must be at least 1, "
		 "got 0"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"dir\", "
		 "\"expect\": \"up\", \"perturb\": {\"column\": "
		 "\"x\", \"op\": \"missing\"}}]}",
		 "'suite.json': 1:41: /tests/0/expect: unknown expectation "
		 "'up' (expected not_decrease, not_increase, increase or "
		 "decrease)"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"dir\", "
		 "\"perturb\": {\"column\": \"x\", \"op\": "
		 "\"missing\"}}]}",
		 "'suite.json': 1:12: /tests/0: missing required property "
		 "'expect'"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"pairs\": [[\"a\"]]}]}",
		 "'suite.json': 1:51: /tests/0/pairs/0: expected a pair of "
		 "ids [original, perturbed]"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"mft\", "
		 "\"ids\": {}}]}",
		 "'suite.json': 1:41: /tests/0/ids: expected a non-empty "
		 "object of id: label, found an empty object"},
		{"{\"tests\": [{\"name\": \"a\", \"type\": \"inv\", "
		 "\"pairs\": [[\"a\", \"b\"]], \"expect\": "
		 "\"increase\"}]}",
		 "'suite.json': 1:64: /tests/0/expect: unknown property "
		 "'expect'"},
	};
	struct mlg_behave_suite s;
	size_t i;
	int rc;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		mlg_error_clear();
		rc = mlg_behave_parse(&s, "suite.json", cases[i].text,
				      strlen(cases[i].text));
		mlg_behave_release(&s);
		T_EQ_STR(mlg_error_message(), cases[i].msg);
		T_EQ_INT(rc, MLG_EINVALID);
	}
}

static void test_suite_bytes_and_size(void)
{
	static const char nul[] = "{\"tests\": [{\"name\": \"a\0\"}]}";
	struct mlg_behave_suite s;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	/* a NUL byte in the text */
	T_EQ_INT(mlg_behave_parse(&s, "suite.json", nul, sizeof(nul) - 1),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'suite.json': 1:21: control character 0x0 near '\"a'");
	mlg_behave_release(&s);

	/* 20000 tests, the last a duplicate name of the 5th */
	mlg_buf_adds(&b, "{\"tests\": [");
	for (i = 0; i < 20000; i++)
		mlg_buf_addf(&b,
			     "%s{\"name\": \"t%zu\", \"type\": \"inv\", "
			     "\"pairs\": [[\"a\", \"b\"]]}",
			     i ? ",\n" : "", i == 19999 ? (size_t)4 : i);
	mlg_buf_adds(&b, "]}");
	T_EQ_INT(mlg_behave_parse(&s, "suite.json", b.ptr, b.len),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'suite.json': 20000:2: "
				      "/tests/19999/name: duplicate test name "
				      "'t4'");
	mlg_behave_release(&s);
	mlg_buf_release(&b);

	/* from a file, and a file that is not there */
	T_EQ_INT(mlg_behave_load(&s, t_write("ok.json", mft_suite)), 0);
	T_EQ_INT(s.n, 2);
	T_EQ_STR(s.tests[1].name, "quarter");
	T_EQ_DBL(s.tests[1].max_rate, 0.25, 0);
	mlg_behave_release(&s);
	T_EQ_INT(mlg_behave_load(&s, "/nonexistent/suite.json"), MLG_ENOTFOUND);
	mlg_behave_release(&s);
}

/* ---- file mode ---- */

static const char file_suite[] =
	"{\"tests\": [\n"
	" {\"name\": \"pairs\", \"type\": \"inv\", \"tolerance\": 0.1,\n"
	"  \"pairs\": [[\"r1\", \"r1p\"], [\"r2\", \"r2p\"], "
	"[\"r3\", \"r3p\"]]},\n"
	" {\"name\": \"up\", \"type\": \"dir\", \"expect\": \"increase\",\n"
	"  \"pairs\": [[\"r1\", \"r1p\"], [\"r2\", \"r2p\"], "
	"[\"r3\", \"r3p\"]]},\n"
	" {\"name\": \"known\", \"type\": \"mft\",\n"
	"  \"ids\": {\"r1\": \"1\", \"r2\": 0, \"r3\": \"1\"}}\n"
	"]}\n";

static void test_file_mode(void)
{
	/* the last row's id, then with scores or not */
	static const struct {
		const char *text, *id, *msg;
		int has_score, code;
	} bad[] = {
		{file_suite, "r3q",
		 "'suite.json': 3:50: /tests/0/pairs/2/1: no row with id "
		 "'r3p' in the predictions",
		 1, MLG_EINVALID},
		{file_suite, "r2", "id 'r2' occurs 2 times in the predictions",
		 1, MLG_EDATA},
		{file_suite, "r3p",
		 "'suite.json': 4:2: /tests/1: test 'up': dir needs a score: "
		 "P(positive) from two probabilities, or a regression value",
		 0, MLG_EINVALID},
		/* a model-mode test has no model here */
		{mft_suite, "r3p",
		 "'suite.json': 3:4: /tests/0/rows: test 'known positives' "
		 "needs a model to call: there is none in predictions-file "
		 "mode",
		 0, MLG_EINVALID},
	};
	struct mlg_behave_pred rows[] = {
		{"r1", "1", 0.9},   {"r2", "0", 0.2},	{"r3", "0", 0.45},
		{"r1p", "1", 0.85}, {"r2p", "0", 0.25}, {"r3p", "1", 0.55},
	};
	struct mlg_behave_preds p = {rows, 6, 0, 1};
	struct mlg_check *c;
	struct fix f;
	size_t i;
	int rc;

	T_EQ_INT(run_preds(&f, file_suite, &p), 0);
	c = check_is(&f.r, "behaviour/pairs", MLG_STATUS_FAIL,
		     "1 of 3 pairs (33.3333%) changed label or score by more "
		     "than 0.1 (at most 0%)");
	finding_is(c, 0, "'r3' -> 'r3p': label 0 -> 1, score 0.45 -> 0.55", 3,
		   43);
	c = get(&f.r, "behaviour/up");
	T_EQ_INT(f.s.tests[1].failed, 1);
	finding_is(c, 0, "'r1' -> 'r1p': label 1 -> 1, score 0.9 -> 0.85", 5,
		   13);
	c = check_is(&f.r, "behaviour/known", MLG_STATUS_FAIL,
		     "1 of 3 ids (33.3333%) did not get the expected label "
		     "(at most 0%)");
	finding_is(c, 0, "id 'r3': expected '1', got '0', score 0.45", 7, 31);
	row_is(&f.r, 2,
	       (const char *const[]){"known", "mft", "3", "1", "33.3333%", "0%",
				     "fail"});
	release(&f);

	for (i = 0; i < MLG_ARRAY_SIZE(bad); i++) {
		rows[5].id = bad[i].id;
		p.has_score = bad[i].has_score;
		rc = run_preds(&f, bad[i].text, &p);
		T_EQ_STR(mlg_error_message(), bad[i].msg);
		T_EQ_INT(rc, bad[i].code);
		T_EQ_INT(f.r.nchecks, 0);
		release(&f);
	}
}

static void test_file_mode_predfile(void)
{
	static const char *const keys[] = {"id"};
	struct mlg_predfile_opts po = {0};
	struct mlg_predfile pf;
	struct mlg_behave_preds p;
	struct fix f;
	const char *path;

	path = t_write("preds.csv", "id,y,p\n"
				    "r1,1,0.9\n"
				    "r2,0,0.2\n"
				    "r3,1,0.45\n"
				    "r1p,1,0.85\n"
				    "r2p,0,0.25\n"
				    "r3p,1,0.55\n");
	po.label = "y";
	po.proba = "p";
	po.slices = keys;
	po.nslices = 1;
	T_EQ_INT(mlg_predfile_read(&pf, path, &po), 0);
	T_EQ_INT(mlg_behave_preds_from_predfile(&p, &pf, 1), MLG_EINVALID);
	T_EQ_INT(mlg_behave_preds_from_predfile(&p, &pf, 0), 0);
	T_EQ_INT(p.n, 6);
	T_ASSERT(p.has_score);
	T_ASSERT(!p.regression);
	T_EQ_STR(p.rows[2].id, "r3");
	T_EQ_STR(p.rows[2].label, "0");
	T_EQ_STR(p.rows[5].label, "1");
	T_EQ_DBL(p.rows[5].score, 0.55, 0);

	T_EQ_INT(run_preds(&f, file_suite, &p), 0);
	T_EQ_INT(f.s.tests[0].failed, 1);
	T_EQ_INT(f.s.tests[1].failed, 1);
	T_EQ_INT(f.s.tests[2].failed, 1);
	release(&f);
	mlg_behave_preds_release(&p);
	mlg_predfile_release(&pf);
}

MLG_TESTS(T(test_mft_counts), T(test_mft_class_names_and_labels_only),
	  T(test_mft_regression), T(test_inv_swap),
	  T(test_inv_labels_regression_missing), T(test_dir_tolerance_edges),
	  T(test_findings_capped), T(test_empty_test_set), T(test_text_perturb),
	  T(test_text_missing_and_mft), T(test_text_refused),
	  T(test_run_failures), T(test_suite_errors),
	  T(test_suite_bytes_and_size), T(test_file_mode),
	  T(test_file_mode_predfile));
