#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/driftcheck.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/util.h"
#include "test.h"

/* A profile without a schema, from rows of cells given as one string
 * per row, cells separated by '|'. */
static void build(struct mlg_profile *p, const char *const *names, size_t n,
		  const char *const *rows, size_t nrows)
{
	size_t r, c;

	T_EQ_INT(mlg_profile_init(p, names, n, NULL), 0);
	for (r = 0; r < nrows; r++) {
		const char *s = rows[r];

		for (c = 0; c < n; c++) {
			const char *e = strchr(s, '|');
			size_t len = e ? (size_t)(e - s) : strlen(s);

			mlg_profile_cell(p, c, s, len, MLG_CELL_OK, NULL);
			s = e ? e + 1 : s + len;
		}
		mlg_profile_row(p);
	}
}

/* ref: x = 1..10, c = a x6, b x4, t integers, only_ref.
 * cur: x = 6..15, c = a x5, b x3, z x2, t letters, only_cur. */
static void build_pair(struct mlg_profile *ref, struct mlg_profile *cur)
{
	static const char *const rn[] = {"x", "c", "t", "only_ref"};
	static const char *const cn[] = {"only_cur", "t", "c", "x"};
	static const char *const rr[] = {
		"1|a|1|q", "2|a|2|q", "3|a|3|q", "4|a|4|q", "5|a|5|q",
		"6|a|6|q", "7|b|7|q", "8|b|8|q", "9|b|9|q", "10|b|10|q"};
	static const char *const cr[] = {
		"q|k|a|6",  "q|k|a|7",	"q|k|a|8",  "q|k|a|9",	"q|k|a|10",
		"q|k|b|11", "q|k|b|12", "q|k|b|13", "q|k|z|14", "q|k|z|15"};

	build(ref, rn, 4, rr, 10);
	build(cur, cn, 4, cr, 10);
}

/* `r`, new: the drift of `cr` (nc rows) against `rr` (nr rows), rows of
 * n cells named `names`, profiled into `ref` and `cur`. */
static void drift_of(struct mlg_report *r, struct mlg_profile *ref,
		     struct mlg_profile *cur, const char *const *names,
		     size_t n, const char *const *rr, size_t nr,
		     const char *const *cr, size_t nc)
{
	build(ref, names, n, rr, nr);
	build(cur, names, n, cr, nc);
	mlg_report_init(r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(r, ref, cur, NULL), 0);
}

static struct mlg_check *get(const struct mlg_report *r, const char *id)
{
	struct mlg_check *c = mlg_report_find_check(r, id);

	if (!c)
		T_EQ_STR(id, "(a check that exists)");
	return c;
}

/* Statistic `stat` of column `col`, the same value in both reports. */
static struct mlg_check *same_stat(const struct mlg_report *r,
				   const struct mlg_report *rs, const char *col,
				   const char *stat)
{
	char id[128];
	struct mlg_check *c, *cs;

	snprintf(id, sizeof(id), "drift:%s:%s", col, stat);
	c = get(r, id);
	cs = get(rs, id);
	if (c && cs)
		T_EQ_DBL(cs->value, c->value, 0);
	return c;
}

static void test_report_exact_values(void)
{
	static const double xr[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			    xc[] = {6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const uint64_t cref[] = {6, 4, 0}, ccur[] = {5, 3, 2};
	struct mlg_drift_result psi, ks, w, chi, linf, js;
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;
	struct mlg_table *t;

	build_pair(&ref, &cur);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);

	/* Under k = 200 values the KLL sketch and the summaries are
	 * exact: the exact variants give the very numbers. */
	T_EQ_INT(mlg_drift_psi(&psi, xr, 10, xc, 10, 10), 0);
	T_EQ_INT(mlg_drift_ks(&ks, xr, 10, xc, 10), 0);
	T_EQ_INT(mlg_drift_wasserstein(&w, xr, 10, xc, 10), 0);
	T_EQ_INT(mlg_drift_chisq(&chi, cref, ccur, 3), 0);
	T_EQ_INT(mlg_drift_linf(&linf, cref, ccur, 3), 0);
	T_EQ_INT(mlg_drift_js(&js, cref, ccur, 3), 0);
	/* By hand: 5 bins of 10% fall to the floor, 1 bin holds 60%. */
	T_EQ_DBL(psi.value, 5 * (1e-4 - 0.1) * log(1e-4 / 0.1) + 0.5 * log(6.0),
		 1e-12);
	T_EQ_DBL(ks.value, 0.5, 1e-15);
	T_EQ_DBL(w.value, 5, 1e-12);
	T_EQ_DBL(w.norm, 5 / sqrt(8.25), 1e-12);
	T_EQ_DBL(linf.value, 0.2, 1e-15);

	c = get(&r, "drift:x:psi");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_DBL(c->value, psi.value, 1e-12);
	T_EQ_STR(c->threshold, "psi < 0.25 (warn >= 0.1)");
	T_EQ_STR(c->message, "psi 4.3463 >= 0.25: drift");
	T_EQ_STR(c->loc.field, "x");
	c = get(&r, "drift:x:ks");
	T_EQ_DBL(c->value, ks.p_value, 1e-12);
	/* Exact for n = m: 2 sum (-1)^(k+1) C(2n, n - k h) / C(2n, n), h =
	 * D n = 5, so 2 (C(20, 5) - C(20, 0)) / C(20, 10) = 0.167821 (scipy's
	 * ks_2samp): just above the warn limit. */
	T_EQ_DBL(c->value, 2.0 * (15504 - 1) / 184756, 1e-15);
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_EQ_STR(c->threshold, "ks_p > 0.05 (warn <= 0.15)");
	T_EQ_STR(c->message, "ks_p 0.167821 > 0.15 (D 0.5)");
	c = get(&r, "drift:x:wasserstein");
	T_EQ_DBL(c->value, w.norm, 1e-12);
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "wasserstein 1.74078 >= 0.1: drift (distance 5)");
	T_EQ_STR(c->threshold, "wasserstein < 0.1");

	c = get(&r, "drift:c:chisq");
	T_EQ_DBL(c->value, chi.p_value, 1e-12);
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	c = get(&r, "drift:c:linf");
	T_EQ_DBL(c->value, 0.2, 1e-12);
	T_EQ_STR(c->message, "linf 0.2 >= 0.01: drift");
	c = get(&r, "drift:c:js");
	T_EQ_DBL(c->value, js.value, 1e-12);
	/* By hand, m = (0.55, 0.35, 0.1). */
	T_EQ_DBL(c->value,
		 (0.6 * log2(0.6 / 0.55) + 0.4 * log2(0.4 / 0.35) +
		  0.5 * log2(0.5 / 0.55) + 0.3 * log2(0.3 / 0.35) +
		  0.2 * log2(2)) /
			 2,
		 1e-12);
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "js 0.108454 >= 0.1: drift");
	c = get(&r, "drift:c:categories");
	T_EQ_INT(c->status, MLG_STATUS_WARN);
	T_EQ_STR(c->message, "1 new category: 'z'");
	T_EQ_DBL(c->value, 1, 0);

	c = get(&r, "drift:schema:t");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "column 't' changed type: string, was integer");
	T_ASSERT(!mlg_report_find_check(&r, "drift:t:psi"));
	T_EQ_STR(get(&r, "drift:schema:only_ref")->message,
		 "column 'only_ref' is missing: it is in the reference only");
	T_EQ_STR(get(&r, "drift:schema:only_cur")->message,
		 "column 'only_cur' is new: it is not in the reference");
	T_EQ_STR(get(&r, "drift:rows")->message,
		 "10 rows, 10 in the reference (+0.0%)");
	c = get(&r, "drift:share");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "2 of 2 columns drifted: share 1 >= 0.5");

	c = get(&r, "drift:x:missing");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_EQ_DBL(c->value, 0, 0);
	T_EQ_STR(c->threshold, "missing < 0.1 (warn >= 0.05)");
	T_EQ_STR(c->message, "missing 0 < 0.05 (0% of the cells missing, 0% "
			     "in the reference)");

	T_EQ_INT(r.ntables, 1);
	t = r.tables[0];
	T_EQ_STR(t->id, "drift");
	T_EQ_INT(t->ncols, 6);
	T_EQ_INT(t->nrows, 14);
	T_EQ_STR(mlg_table_cell(t, 0, 0), "x");
	T_EQ_STR(mlg_table_cell(t, 0, 1), "psi");
	T_EQ_STR(mlg_table_cell(t, 0, 2), "4.3463");
	T_EQ_STR(mlg_table_cell(t, 0, 3), "psi < 0.25 (warn >= 0.1)");
	T_EQ_STR(mlg_table_cell(t, 0, 4), "fail");
	/* 1..10 and 6..15 over 10 bins of 1.4 from 1 to 15 (8 is an edge:
	 * it counts below), shares of 0.2 drawn █ and of 0.1 ▅ (numpy's
	 * linspace edges with right-closed bins give the same). */
	T_EQ_STR(t->cols[5], "distribution");
	T_EQ_STR(mlg_table_cell(t, 0, 5), "█▅█▅█▅▅▁▁▁ \u2192 ▁▁▁▅█▅▅█▅█");
	T_EQ_STR(mlg_table_cell(t, 1, 5), "");
	/* the missing cells' shares, last of a column's statistics */
	T_EQ_STR(mlg_table_cell(t, 3, 1), "missing");
	T_EQ_STR(mlg_table_cell(t, 3, 5), "0% \u2192 0%");
	T_EQ_STR(mlg_table_cell(t, 4, 5), ""); /* categorical: none */
	T_EQ_STR(mlg_table_cell(t, 12, 5), "");
	T_EQ_STR(mlg_table_cell(t, 5, 1), "linf");
	/* What fails or warns beside the statistics has its row too. */
	T_EQ_STR(mlg_table_cell(t, 7, 0), "c");
	T_EQ_STR(mlg_table_cell(t, 7, 1), "categories");
	T_EQ_STR(mlg_table_cell(t, 7, 2), "1");
	T_EQ_STR(mlg_table_cell(t, 7, 3), "no new or vanished categories");
	T_EQ_STR(mlg_table_cell(t, 7, 4), "warn");
	T_EQ_STR(mlg_table_cell(t, 8, 1), "missing");
	T_EQ_STR(mlg_table_cell(t, 9, 0), "t");
	T_EQ_STR(mlg_table_cell(t, 9, 1), "schema");
	T_EQ_STR(mlg_table_cell(t, 9, 2), "string, was integer");
	T_EQ_STR(mlg_table_cell(t, 9, 3), "same columns and types");
	T_EQ_STR(mlg_table_cell(t, 9, 4), "fail");
	T_EQ_STR(mlg_table_cell(t, 10, 0), "only_ref");
	T_EQ_STR(mlg_table_cell(t, 10, 2), "missing");
	T_EQ_STR(mlg_table_cell(t, 11, 0), "only_cur");
	T_EQ_STR(mlg_table_cell(t, 11, 2), "new");
	T_EQ_STR(mlg_table_cell(t, 11, 4), "fail");
	T_EQ_STR(mlg_table_cell(t, 12, 1), "rows");
	T_EQ_STR(mlg_table_cell(t, 12, 3), "report only (reference 10)");
	T_EQ_STR(mlg_table_cell(t, 13, 1), "share");
	T_EQ_STR(mlg_table_cell(t, 13, 4), "fail");
	T_EQ_INT(mlg_report_exit_code(&r), 1);

	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

static void test_same_profile_passes(void)
{
	struct mlg_profile ref, cur;
	struct mlg_report r;
	size_t n[MLG_STATUS_COUNT];

	build_pair(&ref, &cur);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &ref, NULL), 0);
	mlg_report_count(&r, n);
	/* 4 + 4 statistics (missing cells last), t is numeric too, rows,
	 * share; only_ref is a string column of one value: 4 more. */
	T_EQ_INT(n[MLG_STATUS_PASS], 18);
	T_EQ_INT(n[MLG_STATUS_FAIL] + n[MLG_STATUS_WARN], 0);
	T_EQ_DBL(get(&r, "drift:x:psi")->value, 0, 0);
	T_EQ_DBL(get(&r, "drift:x:ks")->value, 1, 0);
	T_EQ_DBL(get(&r, "drift:c:chisq")->value, 1, 0);
	T_EQ_STR(get(&r, "drift:share")->message,
		 "0 of 4 columns drifted: share 0 < 0.5");
	T_EQ_INT(mlg_report_exit_code(&r), 0);
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

static int parse(struct mlg_driftcheck_config *cfg, const char *text)
{
	struct mlg_json_doc doc;
	int rc;

	T_EQ_INT(mlg_json_parse(&doc, "d.json", text, strlen(text)), 0);
	rc = mlg_driftcheck_config_parse(cfg, &doc);
	mlg_json_doc_release(&doc);
	return rc;
}

static void test_config_limits(void)
{
	struct mlg_driftcheck_config cfg;
	const struct mlg_drift_limits *l;

	/* Columns before "default" still start from it. */
	T_EQ_INT(parse(&cfg, "{\"columns\": {\"x\": {\"ks_p\": {\"fail\": "
			     "0.01}, \"psi\": {\"fail\": 0.05}}},"
			     " \"default\": {\"psi\": {\"warn\": 0.2, "
			     "\"fail\": 0.3}}, \"share\": 1}"),
		 0);
	T_EQ_DBL(cfg.share, 1, 0);
	l = mlg_driftcheck_limits(&cfg, "x", MLG_DRIFT_KS);
	T_EQ_DBL(l->fail, 0.01, 0);
	T_EQ_DBL(l->warn, 0.15, 0);
	/* fail alone below the inherited warn drags warn down. */
	l = mlg_driftcheck_limits(&cfg, "x", MLG_DRIFT_PSI);
	T_EQ_DBL(l->fail, 0.05, 0);
	T_EQ_DBL(l->warn, 0.05, 0);
	l = mlg_driftcheck_limits(&cfg, "y", MLG_DRIFT_PSI);
	T_EQ_DBL(l->warn, 0.2, 0);
	T_EQ_DBL(l->fail, 0.3, 0);
	l = mlg_driftcheck_limits(&cfg, "y", MLG_DRIFT_LINF);
	T_EQ_DBL(l->fail, 0.01, 0);
	mlg_driftcheck_config_release(&cfg);

	T_EQ_INT(parse(&cfg, "{}"), 0);
	T_EQ_DBL(cfg.share, 0.5, 0);
	T_EQ_INT(cfg.ncols, 0);
	mlg_driftcheck_config_release(&cfg);
}

static void test_config_errors(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"{\"defaults\": {}}",
		 "'d.json': 1:2: /defaults: unknown property 'defaults'"},
		{"{\"default\": {\"pis\": {}}}",
		 "'d.json': 1:14: /default/pis: unknown property 'pis'"},
		{"{\"default\": {\"psi\": {\"warn\": \"0.1\"}}}",
		 "'d.json': 1:22: /default/psi/warn: expected a number, found "
		 "string"},
		{"{\"default\": {\"psi\": {\"fail\": -1}}}",
		 "'d.json': 1:22: /default/psi/fail: limit must be a finite "
		 "number from 0 to 1e6, got -1"},
		{"{\"default\": {\"ks_p\": {\"fail\": 2}}}",
		 "'d.json': 1:23: /default/ks_p/fail: limit must be a finite "
		 "number from 0 to 1, got 2"},
		{"{\"default\": {\"psi\": {\"fail\": 1e300}}}",
		 "'d.json': 1:22: /default/psi/fail: limit must be a finite "
		 "number from 0 to 1e6, got 1e+300"},
		{"{\"default\": {\"psi\": {\"warn\": 0.3, \"fail\": 0.2}}}",
		 "'d.json': 1:14: /default/psi: 'warn' must be at or below "
		 "'fail'"},
		{"{\"columns\": {\"a/b\": {\"js\": []}}}",
		 "'d.json': 1:22: /columns/a~1b/js: expected an object, found "
		 "array"},
		{"{\"columns\": []}",
		 "'d.json': 1:2: /columns: expected an object, found array"},
		{"{\"share\": 0}",
		 "'d.json': 1:2: /share: share must be above 0 and at most 1, "
		 "got 0"},
		{"{\"share\": null}",
		 "'d.json': 1:2: /share: expected a number, found null"},
		{"[]", "'d.json': 1:1: /: expected an object, found array"},
	};
	struct mlg_driftcheck_config cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		T_EQ_INT(parse(&cfg, cases[i].text), MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), cases[i].msg);
		T_EQ_INT(cfg.ncols, 0);
		T_ASSERT(!cfg.cols);
	}
}

static void test_config_in_report(void)
{
	struct mlg_driftcheck_config cfg;
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;

	T_EQ_INT(parse(&cfg, "{\"columns\": {\"x\": {\"psi\": {\"warn\": 4, "
			     "\"fail\": 5}}}, \"share\": 1}"),
		 0);
	build_pair(&ref, &cur);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, &cfg), 0);
	c = get(&r, "drift:x:psi");
	T_EQ_INT(c->status, MLG_STATUS_WARN);
	T_EQ_STR(c->threshold, "psi < 5 (warn >= 4)");
	T_EQ_STR(c->message, "psi 4.3463 >= 4 (warn), < 5");
	c = get(&r, "drift:share");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->threshold, "share < 1");
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
	mlg_driftcheck_config_release(&cfg);
}

static void test_skips(void)
{
	static const char *const names[] = {"id", "empty"};
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;
	char cell[32];
	size_t i;

	/* 130 distinct strings: more than the summary holds. */
	T_EQ_INT(mlg_profile_init(&ref, names, 2, NULL), 0);
	T_EQ_INT(mlg_profile_init(&cur, names, 2, NULL), 0);
	for (i = 0; i < 130; i++) {
		snprintf(cell, sizeof(cell), "k%zu", i);
		mlg_profile_cell(&ref, 0, cell, strlen(cell), MLG_CELL_OK,
				 NULL);
		mlg_profile_cell(&cur, 0, cell, strlen(cell), MLG_CELL_OK,
				 NULL);
		mlg_profile_cell(&ref, 1, "", 0, MLG_CELL_OK, NULL);
		mlg_profile_row(&ref);
	}
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
	c = get(&r, "drift:id");
	T_EQ_INT(c->status, MLG_STATUS_SKIP);
	T_EQ_STR(c->message,
		 "too many distinct values to compare (the reference summary "
		 "is not exact)");
	c = get(&r, "drift:empty");
	T_EQ_INT(c->status, MLG_STATUS_SKIP);
	T_EQ_STR(c->message, "no values on either side");
	T_EQ_STR(get(&r, "drift:rows")->message,
		 "0 rows, 130 in the reference (-100.0%)");
	T_EQ_STR(get(&r, "drift:share")->message,
		 "0 of 0 columns drifted: share 0 < 0.5");
	T_EQ_INT(r.tables[0]->nrows, 2);
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

/* Odd bytes in categories: invalid UTF-8, a NUL inside a cell. */
static void test_bad_bytes(void)
{
	static const char *const names[] = {"c"};
	struct mlg_profile ref, cur;
	struct mlg_report r;

	T_EQ_INT(mlg_profile_init(&ref, names, 1, NULL), 0);
	T_EQ_INT(mlg_profile_init(&cur, names, 1, NULL), 0);
	mlg_profile_cell(&ref, 0, "a", 1, MLG_CELL_OK, NULL);
	mlg_profile_cell(&cur, 0, "a", 1, MLG_CELL_OK, NULL);
	mlg_profile_cell(&cur, 0, "\xff\xfe", 2, MLG_CELL_OK, NULL);
	mlg_profile_cell(&cur, 0, "x\0y", 3, MLG_CELL_OK, NULL);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
	T_CONTAINS(get(&r, "drift:c:categories")->message,
		   "2 new categories: ");
	T_EQ_DBL(get(&r, "drift:c:linf")->value, 2.0 / 3, 1e-12);
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

static void test_reference_kinds(void)
{
	struct mlg_profile_opts o = {0};
	struct mlg_profile p, q;
	struct mlg_buf b = MLG_BUF_INIT;
	const char *csv, *saved, *jl;
	json_t *j;

	mlg_csv_dialect_init(&o.dialect);
	o.dialect.header = 1;
	csv = t_write("ref.csv", "x,c\n1,a\n2,b\n3,a\n");
	T_EQ_INT(mlg_driftcheck_reference(&p, csv, &o), 0);
	T_EQ_INT(p.rows, 3);
	j = mlg_profile_to_json(&p);
	T_EQ_INT(mlg_json_dump(&b, j, 2), 0);
	json_decref(j);
	/* A byte order mark and blank lines before the '{'. */
	{
		struct mlg_buf s = MLG_BUF_INIT;

		mlg_buf_adds(&s, "\xef\xbb\xbf\n  ");
		mlg_buf_adds(&s, b.ptr);
		saved = t_write("ref.json", s.ptr);
		mlg_buf_release(&s);
	}
	T_EQ_INT(mlg_driftcheck_reference(&q, saved, &o), 0);
	T_EQ_INT(q.rows, 3);
	T_EQ_INT(q.ncols, 2);
	T_EQ_INT(q.cols[0].kll.n, 3);
	mlg_profile_release(&q);
	mlg_profile_release(&p);
	mlg_buf_release(&b);

	T_ASSERT(mlg_driftcheck_reference(&q, t_write("bad.json", "{\"a\": 1}"),
					  &o) == MLG_EINVALID);
	mlg_profile_release(&q);
	T_EQ_INT(mlg_driftcheck_reference(&q, t_write("empty.csv", ""), &o),
		 MLG_EDATA);
	mlg_profile_release(&q);

	/* JSON Lines without a schema: a missing file is missing first,
	 * as a CSV one is; one that is there needs the schema. */
	o.jsonl = 1;
	mlg_buf_reset(&b);
	mlg_buf_addf(&b, "%s/nothere.jsonl", t_tmpdir());
	T_EQ_INT(mlg_driftcheck_reference(&q, b.ptr, &o), MLG_ENOTFOUND);
	mlg_buf_reset(&b);
	mlg_buf_addf(&b,
		     "cannot open '%s/nothere.jsonl': No such file or "
		     "directory",
		     t_tmpdir());
	T_EQ_STR(mlg_error_message(), b.ptr);
	mlg_profile_release(&q);
	jl = t_write("ref.jsonl", "{\"x\": 1}\n");
	T_EQ_INT(mlg_driftcheck_reference(&q, jl, &o), MLG_EINVALID);
	mlg_buf_reset(&b);
	mlg_buf_addf(&b,
		     "'%s' is JSON Lines, which needs a schema: save its "
		     "profile with --schema FILE --profile FILE and give "
		     "that",
		     jl);
	T_EQ_STR(mlg_error_message(), b.ptr);
	mlg_profile_release(&q);
	mlg_buf_release(&b);
}

static void test_prepare_errors(void)
{
	struct mlg_profile_opts o = {0};
	struct mlg_driftcheck d;
	char *ref, *bad, *good;

	mlg_csv_dialect_init(&o.dialect);
	o.dialect.header = 1;
	/* t_write() returns static storage: keep copies. */
	ref = mlg_strdup(t_write("r.csv", "x\n1\n"));
	bad = mlg_strdup(t_write("bad.json", "{\"x\": 1}"));
	good = mlg_strdup(t_write("good.json", "{}"));
	T_EQ_INT(mlg_driftcheck_prepare(&d, "/nonexistent/ref.csv", NULL, &o),
		 MLG_EIO);
	T_CONTAINS(mlg_error_message(), "cannot use reference: ");
	mlg_driftcheck_release(&d);
	T_EQ_INT(mlg_driftcheck_prepare(&d, ref, bad, &o), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "cannot use drift config: '");
	T_CONTAINS(mlg_error_message(), "': 1:2: /x: unknown property 'x'");
	mlg_driftcheck_release(&d);
	T_EQ_INT(mlg_driftcheck_prepare(&d, ref, good, &o), 0);
	T_EQ_INT(d.ref.rows, 1);
	mlg_driftcheck_release(&d);
	free(ref);
	free(bad);
	free(good);
}

/* The distribution cell: one bar each for one value on both sides; two
 * constants apart fill the first and the last bin of their span. */
/*
 * The share of missing cells: empty cells, and the cells of rows too
 * short to hold one. Reference: 4 rows, 1 empty x; current: 5 rows, 3
 * empty x and one row of 1 cell, so 3 of 5 x missing (60% against 25%:
 * 0.35, fail) and 1 of 5 y (20% against 0%: 0.2, fail, unless the
 * config lets it pass).
 */
static void test_missing_share(void)
{
	static const char *const names[] = {"x", "y"};
	static const char *const rr[] = {"1|a", "|a", "3|a", "4|a"};
	static const char *const cr[] = {"1|a", "|a", "|a", "4", "|a"};
	struct mlg_driftcheck_config cfg;
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;

	drift_of(&r, &ref, &cur, names, 2, rr, 4, cr, 5);
	c = get(&r, "drift:x:missing");
	T_EQ_DBL(c->value, 0.35, 1e-15);
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "missing 0.35 >= 0.1: drift (60% of the cells "
			     "missing, 25% in the reference)");
	T_EQ_STR(mlg_table_cell(r.tables[0], 3, 5), "25% \u2192 60%");
	c = get(&r, "drift:y:missing");
	T_EQ_DBL(c->value, 0.2, 1e-15);
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	mlg_report_release(&r);
	T_EQ_INT(parse(&cfg, "{\"columns\": {\"y\": {\"missing\": "
			     "{\"warn\": 0.15, \"fail\": 0.5}}}}"),
		 0);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, &cfg), 0);
	c = get(&r, "drift:y:missing");
	T_EQ_INT(c->status, MLG_STATUS_WARN);
	T_EQ_STR(c->threshold, "missing < 0.5 (warn >= 0.15)");
	T_EQ_STR(c->message, "missing 0.2 >= 0.15 (warn), < 0.5 (20% of the "
			     "cells missing, 0% in the reference)");
	mlg_driftcheck_config_release(&cfg);
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

/*
 * A loaded profile may claim more missing cells than it holds, which no
 * pass makes: then none of its cells are there, not all. Reference: 4
 * rows of x, none missing; current: 5 rows whose 5 cells claim 7 nulls
 * (with a schema, 1 of them not UTF-8), or, without one, 2 nulls and 4
 * "NA": no values, so the column fails as one whose cells are all
 * missing, not a pass by a count that wrapped (to 0% missing, or to
 * 2^64 - 2 values).
 */
static void test_missing_claimed(void)
{
	static const char *const names[] = {"x"};
	static const char *const rr[] = {"a", "b", "c", "d"};
	static const char *const cr[] = {"a", "b", "c", "d", "e"};
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;
	int schema;

	for (schema = 1; schema >= 0; schema--) {
		build(&ref, names, 1, rr, 4);
		build(&cur, names, 1, cr, 5);
		ref.cols[0].has_schema = cur.cols[0].has_schema = schema;
		ref.cols[0].declared = cur.cols[0].declared = MLG_T_STRING;
		if (schema) {
			cur.cols[0].nulls = 7;
			cur.cols[0].not_utf8 = 1;
		} else {
			cur.cols[0].nulls = 2;
			cur.cols[0].tokens[0] = 4;
		}
		mlg_report_init(&r, "data-validate", "0");
		T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
		T_EQ_INT(mlg_profile_col_values(&cur.cols[0]), 0);
		c = get(&r, "drift:x:values");
		T_EQ_INT(c->status, MLG_STATUS_FAIL);
		T_EQ_STR(c->message, "no values in the current data: its 5 "
				     "cells are all missing; the reference "
				     "has 4 values");
		mlg_report_release(&r);
		mlg_profile_release(&ref);
		mlg_profile_release(&cur);
	}
}

static void test_distribution_cell(void)
{
	static const char *const names[] = {"same", "apart"};
	static const char *const rr[] = {"5|5", "5|5"};
	static const char *const cr[] = {"5|7", "5|7", "5|7"};
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_table *t;

	drift_of(&r, &ref, &cur, names, 2, rr, 2, cr, 3);
	t = r.tables[0];
	T_EQ_STR(mlg_table_cell(t, 0, 0), "same");
	T_EQ_STR(mlg_table_cell(t, 0, 5), "█ → █");
	T_EQ_STR(mlg_table_cell(t, 4, 0), "apart");
	T_EQ_STR(mlg_table_cell(t, 4, 1), "psi");
	T_EQ_STR(mlg_table_cell(t, 4, 5), "█▁▁▁▁▁▁▁▁▁ → ▁▁▁▁▁▁▁▁▁█");
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

/*
 * Dates, datetimes and times without a schema: inferred as such, they get
 * PSI, KS and Wasserstein over days and seconds, the very numbers a
 * schema that declares them gives. Reference: 60 rows, d = 2024-01-01 +
 * (i^2 mod 97) days, t = 2024-01-01T00:00:00Z + (7919 i mod 259200) s,
 * h = (1237 i mod 86400) s after midnight, i = 0..59; current: 50 rows,
 * 10 + (3 i^2 mod 113) days, 36000 + (104729 i mod 259200) s,
 * 6000 + (2311 i mod 80000) s, i = 0..49. The expected values come from
 * Python 3.11 with scipy 1.10 and numpy 1.24 on the same numbers (days
 * since 1970, Epoch seconds, seconds): D and p = ks_2samp(ref, cur,
 * method="exact"), wasserstein_distance(ref, cur)
 * and its ratio to np.std(ref); PSI by hand over the deciles of the
 * reference at sorted index ceil(i n / 10) - 1 (numpy's inverted_cdf),
 * repeats and the maximum dropped, bins (e_i-1, e_i], zero shares 1e-4.
 */
static const char *temporal_csv(const char *name, int cur)
{
	struct mlg_buf b = MLG_BUF_INIT;
	const char *path;
	long i, n = cur ? 50 : 60, day, sec, tod;
	char d[32], t[32];

	mlg_buf_adds(&b, "d,t,h\n");
	for (i = 0; i < n; i++) {
		day = cur ? 10 + i * i * 3 % 113 : i * i % 97;
		sec = cur ? 36000 + i * 104729 % 259200 : i * 7919 % 259200;
		tod = cur ? 6000 + i * 2311 % 80000 : i * 1237 % 86400;
		mlg_iso8601(d, 1704067200.0 + 86400.0 * (double)day);
		mlg_iso8601(t, 1704067200.0 + (double)sec);
		mlg_buf_addf(&b, "%.10s,%s,%02ld:%02ld:%02ld\n", d, t,
			     tod / 3600, tod / 60 % 60, tod % 60);
	}
	path = t_write(name, b.ptr);
	mlg_buf_release(&b);
	return path;
}

static void test_temporal_without_schema(void)
{
	static const struct {
		const char *col;
		double psi, d, p, w, norm;
	} want[] = {
		{"d", 1.0558227655407459, 0.23, 0.09489102575485159,
		 17.203333333333333, 0.56325721186534872},
		{"t", 1.0566197839772093, 0.24666666666666667,
		 0.060522092991510124, 48410, 0.68772533945805903},
		{"h", 0.26512165504718133, 0.12, 0.7809732629396259,
		 3586.6466666666674, 0.16742433975611981},
	};
	static const enum mlg_ftype types[] = {MLG_T_DATE, MLG_T_DATETIME,
					       MLG_T_TIME};
	struct mlg_profile_opts o = {0};
	struct mlg_profile ref, cur, sref, scur;
	struct mlg_report r, rs;
	struct mlg_schema s;
	struct mlg_buf id = MLG_BUF_INIT;
	char *refp, *curp;
	size_t i;

	refp = mlg_strdup(temporal_csv("tref.csv", 0));
	curp = mlg_strdup(temporal_csv("tcur.csv", 1));
	mlg_csv_dialect_init(&o.dialect);
	T_EQ_INT(mlg_profile_read(&ref, refp, &o), 0);
	T_EQ_INT(mlg_profile_read(&cur, curp, &o), 0);
	T_EQ_INT(mlg_schema_load(&s, t_write("temporal.json",
					     "{\"fields\": [{\"name\": \"d\", "
					     "\"type\": \"date\"}, {\"name\": "
					     "\"t\", \"type\": \"datetime\"}, "
					     "{\"name\": \"h\", \"type\": "
					     "\"time\"}]}")),
		 0);
	o.schema = &s;
	T_EQ_INT(mlg_profile_read(&sref, refp, &o), 0);
	T_EQ_INT(mlg_profile_read(&scur, curp, &o), 0);
	mlg_report_init(&r, "data-validate", "0");
	mlg_report_init(&rs, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
	T_EQ_INT(mlg_driftcheck_report(&rs, &sref, &scur, NULL), 0);
	for (i = 0; i < 3; i++) {
		struct mlg_check *c;
		char msg[128];

		T_EQ_INT(mlg_profile_col_type(&ref.cols[i]), types[i]);
		T_EQ_INT(mlg_profile_col_type(&cur.cols[i]), types[i]);
		T_EQ_INT(ref.cols[i].kll.n, 60);
		T_EQ_INT(scur.cols[i].declared, types[i]);
		c = same_stat(&r, &rs, want[i].col, "psi");
		T_EQ_DBL(c->value, want[i].psi, 1e-12);
		c = same_stat(&r, &rs, want[i].col, "ks");
		T_EQ_DBL(c->value, want[i].p, 1e-12);
		snprintf(msg, sizeof(msg), "(D %.6g)", want[i].d);
		T_CONTAINS(c->message, msg);
		c = same_stat(&r, &rs, want[i].col, "wasserstein");
		T_EQ_DBL(c->value, want[i].norm, 1e-12);
		snprintf(msg, sizeof(msg), "(distance %.6g)", want[i].w);
		T_CONTAINS(c->message, msg);
		mlg_buf_reset(&id);
		mlg_buf_addf(&id, "drift:schema:%s", want[i].col);
		T_ASSERT(!mlg_report_find_check(&r, id.ptr));
		T_ASSERT(!mlg_report_find_check(&rs, id.ptr));
	}
	/* The same table, sparklines included. */
	T_EQ_INT(r.tables[0]->nrows, rs.tables[0]->nrows);
	for (i = 0; i < r.tables[0]->nrows * r.tables[0]->ncols; i++)
		T_EQ_STR(r.tables[0]->cells[i], rs.tables[0]->cells[i]);
	mlg_buf_release(&id);
	mlg_report_release(&r);
	mlg_report_release(&rs);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
	mlg_profile_release(&sref);
	mlg_profile_release(&scur);
	mlg_schema_release(&s);
	free(refp);
	free(curp);
}

/*
 * A repeated header name is matched occurrence by occurrence: the second
 * "a" of the reference against the second "a" of the current data. A
 * column emptied in the current data (e: all cells missing) fails, with
 * no type change: a type inferred from no values is none. A date turned
 * datetime is a type change whose days and seconds are not compared; a
 * boolean turned string is, as cell texts.
 */
static void test_names_and_types(void)
{
	static const char *const names[] = {"a", "a", "e", "d", "f"};
	static const char *const rr[] = {
		"1|100|5|2024-01-01|true", "2|200|6|2024-01-02|false",
		"3|300|7|2024-01-03|true", "4|400|8|2024-01-04|false"};
	static const char *const cr[] = {"1|100||2024-01-01T00:00:00Z|yes",
					 "2|200||2024-01-02T00:00:00Z|no",
					 "3|300||2024-01-03T00:00:00Z|yes",
					 "4|400||2024-01-04T00:00:00Z|maybe"};
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;
	size_t n[MLG_STATUS_COUNT];

	build(&ref, names, 5, rr, 4);
	build(&cur, names, 5, cr, 4);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &ref, NULL), 0);
	mlg_report_count(&r, n);
	T_EQ_INT(n[MLG_STATUS_FAIL] + n[MLG_STATUS_WARN], 0);
	T_EQ_DBL(get(&r, "drift:a:psi")->value, 0, 0);
	T_EQ_DBL(get(&r, "drift:a:psi#2")->value, 0, 0);
	mlg_report_release(&r);

	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
	T_EQ_DBL(get(&r, "drift:a:psi")->value, 0, 0);
	T_EQ_DBL(get(&r, "drift:a:psi#2")->value, 0, 0);
	T_ASSERT(!mlg_report_find_check(&r, "drift:schema:a"));
	T_ASSERT(!mlg_report_find_check(&r, "drift:schema:e"));
	c = get(&r, "drift:e:values");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "no values in the current data: its 4 cells are "
			     "all missing; the reference has 4 values");
	T_EQ_STR(c->threshold, "values as in the reference");
	c = get(&r, "drift:schema:d");
	T_EQ_STR(c->message, "column 'd' changed type: datetime, was date");
	c = get(&r, "drift:d");
	T_EQ_INT(c->status, MLG_STATUS_SKIP);
	T_EQ_STR(c->message, "not compared: the type changed");
	T_ASSERT(!mlg_report_find_check(&r, "drift:d:psi"));
	c = get(&r, "drift:schema:f");
	T_EQ_STR(c->message, "column 'f' changed type: string, was boolean");
	T_EQ_INT(get(&r, "drift:f:linf")->status, MLG_STATUS_FAIL);
	T_EQ_DBL(get(&r, "drift:f:linf")->value, 0.5, 1e-15);
	T_EQ_STR(get(&r, "drift:f:categories")->message,
		 "3 new categories: 'yes', 'no', 'maybe'; 2 vanished "
		 "categories: 'true', 'false'");
	/* e and f drifted, of a, a, e, f (d is not compared) */
	T_EQ_STR(get(&r, "drift:share")->message,
		 "2 of 4 columns drifted: share 0.5 >= 0.5");
	mlg_report_release(&r);

	/* Swapped: the reference has no values in e. */
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &cur, &ref, NULL), 0);
	T_EQ_STR(get(&r, "drift:e")->message, "no values in the reference");
	T_ASSERT(!mlg_report_find_check(&r, "drift:schema:e"));
	T_ASSERT(!mlg_report_find_check(&r, "drift:e:values"));
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

/*
 * A numeric column whose current cells are all NaN or infinite has
 * values but no numbers: it fails as an emptied column does, not a skip
 * that lets the gate pass. The other way round there is nothing to
 * compare with.
 */
static void test_numbers_gone(void)
{
	static const char *const names[] = {"x"};
	static const char *const rr[] = {"1.5", "2", "3"};
	static const char *const cr[] = {"NaN", "INF", "-INF"};
	struct mlg_profile ref, cur;
	struct mlg_report r;
	struct mlg_check *c;

	drift_of(&r, &ref, &cur, names, 1, rr, 3, cr, 3);
	c = get(&r, "drift:x:values");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "no finite numbers in the current data: its 3 "
			     "values are NaN, infinite or invalid; the "
			     "reference has 3 numbers");
	T_ASSERT(!mlg_report_find_check(&r, "drift:x"));
	T_ASSERT(!mlg_report_find_check(&r, "drift:schema:x"));
	T_EQ_INT(get(&r, "drift:share")->status, MLG_STATUS_FAIL);
	T_EQ_INT(mlg_report_status(&r), MLG_STATUS_FAIL);
	mlg_report_release(&r);

	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &cur, &ref, NULL), 0);
	T_EQ_STR(get(&r, "drift:x")->message, "no numeric values to compare");
	T_ASSERT(!mlg_report_find_check(&r, "drift:x:values"));
	mlg_report_release(&r);
	mlg_profile_release(&cur);

	build(&cur, names, 1, cr, 1);
	mlg_report_init(&r, "data-validate", "0");
	T_EQ_INT(mlg_driftcheck_report(&r, &ref, &cur, NULL), 0);
	T_EQ_STR(get(&r, "drift:x:values")->message,
		 "no finite numbers in the current data: its 1 value is NaN, "
		 "infinite or invalid; the reference has 3 numbers");
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

/* Categories longer than the summary shows say they are cut. */
static void test_long_categories(void)
{
	static const char *const names[] = {"c"};
	static const char *const rr[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaa1",
					 "short"};
	static const char *const cr[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaa2",
					 "short"};
	struct mlg_profile ref, cur;
	struct mlg_report r;

	drift_of(&r, &ref, &cur, names, 1, rr, 2, cr, 2);
	T_EQ_STR(get(&r, "drift:c:categories")->message,
		 "1 new category: "
		 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaa"
		 "...'; 1 vanished category: "
		 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaa"
		 "...'");
	mlg_report_release(&r);
	mlg_profile_release(&ref);
	mlg_profile_release(&cur);
}

MLG_TESTS(T(test_report_exact_values), T(test_same_profile_passes),
	  T(test_config_limits), T(test_config_errors),
	  T(test_config_in_report), T(test_skips), T(test_bad_bytes),
	  T(test_reference_kinds), T(test_prepare_errors),
	  T(test_distribution_cell), T(test_missing_share),
	  T(test_missing_claimed), T(test_temporal_without_schema),
	  T(test_names_and_types), T(test_numbers_gone),
	  T(test_long_categories));
