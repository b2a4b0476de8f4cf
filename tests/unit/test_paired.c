#include <stdio.h>
#include <stdlib.h>

#include "mlgate/error.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/paired.h"
#include "mlgate/util.h"
#include "test.h"

/* Expected numbers: tests/fixtures/paired/gen_expected.py (scipy 1.10.1). */
#define FIX "tests/fixtures/paired/"

/* Relative comparison, for p-values far below 1. */
#define T_REL(a, b, tol)                                                       \
	do {                                                                   \
		double t_x_ = (a), t_y_ = (b);                                 \
		if (!(fabs(t_x_ - t_y_) <= (tol)*fabs(t_y_)))                  \
			t_fail(__FILE__, __LINE__,                             \
			       "%s == %.17g, expected %.17g", #a, t_x_, t_y_); \
	} while (0)

struct table {
	size_t n;
	unsigned char a[128], b[128];
	double x[128], y[128];
};

/* Read a fixture of 2 or 3 numeric columns after a header line. */
static void load(struct table *t, const char *path, int three)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int a, b;
	double x, y;

	T_ASSERT(f);
	T_ASSERT(fgets(line, sizeof(line), f));
	t->n = 0;
	while (fgets(line, sizeof(line), f)) {
		T_ASSERT(t->n < 128);
		if (three) {
			T_EQ_INT(sscanf(line, "%d,%lf,%lf", &a, &x, &y), 3);
			t->a[t->n] = (unsigned char)a;
			t->x[t->n] = x;
			t->y[t->n] = y;
		} else {
			T_EQ_INT(sscanf(line, "%d,%d", &a, &b), 2);
			t->a[t->n] = (unsigned char)a;
			t->b[t->n] = (unsigned char)b;
			t->x[t->n] = a;
			t->y[t->n] = b;
		}
		t->n++;
	}
	fclose(f);
}

static void test_mcnemar_counts(void)
{
	static const struct {
		size_t b, c;
		int exact;
		double stat, p;
	} cases[] = {
		{0, 0, 1, 0, 1},
		{0, 0, 0, 0, 1},
		{0, 1, 1, 0, 1},
		{0, 1, 0, 0, 1},
		{3, 9, 1, 3, 0.14599609375},
		{3, 9, 0, 2.0833333333333335, 0.14891467317876161},
		{10, 10, 1, 10, 1},
		{10, 10, 0, 0.050000000000000003, 0.82306327375812138},
		{12, 12, 1, 12, 1},
		{12, 12, 0, 0.041666666666666664, 0.83825648638582628},
		{5, 19, 1, 5, 0.0066107511520385742},
		{5, 19, 0, 7.041666666666667, 0.0079634892065500035},
		{30, 12, 1, 12, 0.0079158973348967265},
		{30, 12, 0, 6.8809523809523814, 0.0087119129623795984},
		{100, 140, 1, 100, 0.011664092317677691},
		{100, 140, 0, 6.3375000000000004, 0.011821137836622321},
		{1000, 1100, 1, 1000, 0.030720707864242486},
		{1000, 1100, 0, 4.6671428571428573, 0.030745034758993192},
		{0, 400, 1, 0, 7.7451838296986365e-121},
		{0, 400, 0, 398.0025, 1.4988838490704967e-88},
	};
	struct mlg_paired_result r;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		T_EQ_INT(mlg_paired_mcnemar_counts(&r, cases[i].b, cases[i].c,
						   cases[i].exact
							   ? MLG_MCNEMAR_EXACT
							   : MLG_MCNEMAR_CHI2),
			 0);
		T_EQ_STR(r.method,
			 cases[i].exact ? "mcnemar-exact" : "mcnemar-chi2");
		T_EQ_INT(r.b, cases[i].b);
		T_EQ_INT(r.c, cases[i].c);
		T_EQ_DBL(r.statistic, cases[i].stat, 1e-13);
		T_REL(r.p_value, cases[i].p, 1e-10);
		T_ASSERT(isnan(r.ci_low) && isnan(r.ci_high));
	}
}

static void test_mcnemar_cutoff_and_extremes(void)
{
	struct mlg_paired_result r;

	T_EQ_INT(mlg_paired_mcnemar_counts(&r, 5, 19, MLG_MCNEMAR_AUTO), 0);
	T_EQ_STR(r.method, "mcnemar-exact");
	T_REL(r.p_value, 0.0066107511520385742, 1e-10);
	T_EQ_INT(mlg_paired_mcnemar_counts(&r, 6, 19, MLG_MCNEMAR_AUTO), 0);
	T_EQ_STR(r.method, "mcnemar-chi2");
	T_EQ_DBL(r.statistic, 144.0 / 25, 1e-15);
	/* Huge counts: no overflow, no NaN, p stays in [0, 1]. */
	T_EQ_INT(mlg_paired_mcnemar_counts(&r, 1000000, 1000000,
					   MLG_MCNEMAR_EXACT),
		 0);
	T_EQ_DBL(r.p_value, 1, 0);
	T_EQ_INT(
		mlg_paired_mcnemar_counts(&r, 0, 1000000000, MLG_MCNEMAR_EXACT),
		0);
	T_EQ_DBL(r.p_value, 0, 0);
	T_EQ_INT(mlg_paired_mcnemar_counts(&r, 3000000, 3001000,
					   MLG_MCNEMAR_EXACT),
		 0);
	/* Normal approximation of the same: z = 999 / sqrt(6001000). */
	T_EQ_DBL(r.p_value, 0.6837, 2e-3);
	mlg_error_clear();
	T_EQ_INT(mlg_paired_mcnemar_counts(&r, 1, 2, (enum mlg_mcnemar_mode)7),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid mcnemar mode '7'");
}

static void test_mcnemar_outcomes(void)
{
	struct table t;
	struct mlg_paired_result r;

	load(&t, FIX "outcomes.csv", 0);
	T_EQ_INT(t.n, 60);
	T_EQ_INT(mlg_paired_mcnemar(&r, t.a, t.b, t.n, MLG_MCNEMAR_AUTO), 0);
	T_EQ_STR(r.method, "mcnemar-chi2");
	T_EQ_INT(r.n, 60);
	T_EQ_INT(r.b, 7);
	T_EQ_INT(r.c, 18);
	T_EQ_DBL(r.statistic, 4, 1e-15);
	T_REL(r.p_value, 0.04550026389635857, 1e-12);
	T_EQ_DBL(r.baseline, 0.68333333333333335, 1e-15);
	T_EQ_DBL(r.candidate, 0.8666666666666667, 1e-15);
	T_EQ_DBL(r.diff, 11.0 / 60, 1e-15);
}

static void test_mcnemar_bad_input(void)
{
	unsigned char ok[4] = {1, 0, 1, 1}, bad[4] = {1, 0, 0xff, 2};
	struct mlg_paired_result r;

	mlg_error_clear();
	T_EQ_INT(mlg_paired_mcnemar(&r, ok, ok, 0, MLG_MCNEMAR_AUTO),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "mcnemar needs at least 1 example");
	T_EQ_INT(mlg_paired_mcnemar(&r, ok, bad, 4, MLG_MCNEMAR_AUTO),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "invalid outcome 255 at row 2 of 'candidate'");
	T_EQ_INT(mlg_paired_mcnemar(&r, bad + 1, ok, 3, MLG_MCNEMAR_AUTO),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "invalid outcome 255 at row 1 of 'baseline'");
	/* Identical models: no discordant pair. */
	T_EQ_INT(mlg_paired_mcnemar(&r, ok, ok, 4, MLG_MCNEMAR_AUTO), 0);
	T_EQ_INT(r.b + r.c, 0);
	T_EQ_DBL(r.p_value, 1, 0);
	T_EQ_DBL(r.diff, 0, 0);
}

static void test_delong_ties(void)
{
	struct table t;
	struct mlg_paired_result r;

	load(&t, FIX "delong_ties.csv", 1);
	T_EQ_INT(t.n, 80);
	T_EQ_INT(mlg_paired_delong(&r, t.x, t.y, t.a, t.n), 0);
	T_EQ_STR(r.method, "delong");
	T_EQ_INT(r.n, 80);
	T_EQ_DBL(r.baseline, 0.746, 1e-13);
	T_EQ_DBL(r.candidate, 0.82999999999999996, 1e-13);
	T_REL(r.var_baseline, 0.0030960910157166307, 1e-10);
	T_REL(r.var_candidate, 0.0021158980373758695, 1e-10);
	T_REL(r.covariance, 2.4567988114787066e-06, 1e-8);
	T_EQ_DBL(r.statistic, 1.1640787209847179, 1e-10);
	T_EQ_DBL(r.p_value, 0.24439211117930837, 1e-10);
	T_EQ_DBL(r.ci_high - r.ci_low,
		 2 * 1.959963984540054 * 0.084 / 1.1640787209847179, 1e-10);
}

static void test_delong_small(void)
{
	static const unsigned char y[7] = {1, 0, 1, 0, 1, 0, 0};
	static const double s0[7] = {0.9, 0.9, 0.5, 0.5, 0.5, 0.1, 0.2};
	static const double s1[7] = {0.8, 0.3, 0.8, 0.8, 0.4, 0.1, 0.4};
	struct mlg_paired_result r;

	T_EQ_INT(mlg_paired_delong(&r, s0, s1, y, 7), 0);
	T_EQ_DBL(r.baseline, 0.70833333333333337, 1e-14);
	T_EQ_DBL(r.candidate, 0.79166666666666663, 1e-14);
	T_EQ_DBL(r.var_baseline, 0.045717592592592594, 1e-14);
	T_EQ_DBL(r.var_candidate, 0.031828703703703706, 1e-14);
	T_REL(r.covariance, 0.0017361111111111132, 1e-10);
	T_EQ_DBL(r.statistic, 0.30618621784789701, 1e-12);
	T_EQ_DBL(r.p_value, 0.75946286537993379, 1e-12);
	/* Swapping the models flips z, keeps p. */
	T_EQ_INT(mlg_paired_delong(&r, s1, s0, y, 7), 0);
	T_EQ_DBL(r.statistic, -0.30618621784789701, 1e-12);
	T_EQ_DBL(r.p_value, 0.75946286537993379, 1e-12);
}

static void test_delong_degenerate(void)
{
	static const unsigned char y[4] = {1, 1, 0, 0};
	static const double up[4] = {2, 3, 1, 0}, down[4] = {0, 1, 2, 3};
	static const double inf[4] = {INFINITY, 1, -INFINITY, 0};
	struct mlg_paired_result r;

	/* The same model twice: zero variance, z = 0, p = 1 (pROC). */
	T_EQ_INT(mlg_paired_delong(&r, up, up, y, 4), 0);
	T_EQ_DBL(r.baseline, 1, 0);
	T_EQ_DBL(r.statistic, 0, 0);
	T_EQ_DBL(r.p_value, 1, 0);
	/* Perfect against reversed: both variances 0, the AUCs differ. */
	T_EQ_INT(mlg_paired_delong(&r, up, down, y, 4), 0);
	T_EQ_DBL(r.candidate, 0, 0);
	T_ASSERT(isinf(r.statistic) && r.statistic < 0);
	T_EQ_DBL(r.p_value, 0, 0);
	/* Infinite scores rank like any other. */
	T_EQ_INT(mlg_paired_delong(&r, inf, up, y, 4), 0);
	T_EQ_DBL(r.baseline, 1, 0);
	/* All scores tied: AUC 1/2. */
	T_EQ_INT(mlg_paired_delong(&r, (double[4]){5, 5, 5, 5}, up, y, 4), 0);
	T_EQ_DBL(r.baseline, 0.5, 0);
	T_EQ_DBL(r.var_baseline, 0, 0);
}

static void test_delong_bad_input(void)
{
	unsigned char y[4] = {1, 1, 0, 0};
	double s[4] = {1, 2, 3, 4}, n[4] = {1, 2, NAN, 4};
	struct mlg_paired_result r;

	mlg_error_clear();
	T_EQ_INT(mlg_paired_delong(&r, s, n, y, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "score is NaN at row 2 of 'candidate'");
	T_EQ_INT(mlg_paired_delong(&r, n, s, y, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "score is NaN at row 2 of 'baseline'");
	y[3] = 2;
	T_EQ_INT(mlg_paired_delong(&r, s, s, y, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid label 2 at row 3 of 'labels'");
	y[3] = 1;
	T_EQ_INT(mlg_paired_delong(&r, s, s, y, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "delong needs at least 2 positive and 2 negative examples, "
		 "got 3 and 1");
	T_EQ_INT(mlg_paired_delong(&r, s, s, y, 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "delong needs at least 2 positive and 2 negative examples, "
		 "got 0 and 0");
}

/* Large input with heavy ties: the AUCs match metrics_ml's ranking (an
 * independent implementation), and a permutation of the rows changes
 * nothing. */
static void test_delong_large_matches_roc_auc(void)
{
	size_t n = 200000, i;
	double *s0 = mlg_malloc(n * sizeof(*s0));
	double *s1 = mlg_malloc(n * sizeof(*s1));
	unsigned char *y = mlg_malloc(n);
	struct mlg_paired_result r, q;
	double auc0, auc1;
	uint64_t x = 12345;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		y[i] = (x >> 60) < 5;
		s0[i] = (double)((x >> 40) % 100) + 30 * y[i];
		s1[i] = (double)((x >> 20) % 1000) / 10 + 35 * y[i];
	}
	T_EQ_INT(mlg_paired_delong(&r, s0, s1, y, n), 0);
	T_EQ_INT(mlg_metric_rank(&auc0, NULL, s0, y, NULL, n, NULL), 0);
	T_EQ_INT(mlg_metric_rank(&auc1, NULL, s1, y, NULL, n, NULL), 0);
	T_EQ_DBL(r.baseline, auc0, 1e-12);
	T_EQ_DBL(r.candidate, auc1, 1e-12);
	T_ASSERT(r.p_value < 1e-6);
	/* Reverse the rows. */
	for (i = 0; i < n / 2; i++) {
		double t0 = s0[i], t1 = s1[i];
		unsigned char ty = y[i];

		s0[i] = s0[n - 1 - i];
		s1[i] = s1[n - 1 - i];
		y[i] = y[n - 1 - i];
		s0[n - 1 - i] = t0;
		s1[n - 1 - i] = t1;
		y[n - 1 - i] = ty;
	}
	T_EQ_INT(mlg_paired_delong(&q, s0, s1, y, n), 0);
	T_EQ_DBL(q.baseline, r.baseline, 1e-14);
	T_EQ_DBL(q.statistic, r.statistic, 1e-9);
	free(s0);
	free(s1);
	free(y);
}

struct meanarg {
	const double *v[2];
	int calls;
	int nan_at;  /* call number that returns NaN, or -1 */
	int fail_at; /* call number that fails, or -1 */
};

static int mean_metric(double *out, int model, const size_t *idx, size_t n,
		       void *arg)
{
	struct meanarg *a = arg;
	double s = 0;
	size_t i;
	int call = a->calls++;

	if (call == a->fail_at)
		return mlg_error_set(MLG_EDATA, "metric broke on '%s'",
				     model ? "candidate" : "baseline");
	for (i = 0; i < n; i++)
		s += a->v[model][idx[i]];
	*out = call == a->nan_at ? NAN : s / (double)n;
	return 0;
}

static void test_bootstrap_fixture(void)
{
	struct table t, d;
	struct meanarg a = {{NULL, NULL}, 0, -1, -1};
	struct mlg_paired_metric m = {mean_metric, &a};
	struct mlg_bootstrap_opts o = {1000, 0.95, 42};
	struct mlg_paired_result r;

	load(&t, FIX "outcomes.csv", 0);
	a.v[0] = t.x;
	a.v[1] = t.y;
	T_EQ_INT(mlg_paired_bootstrap(&r, t.n, &m, &o), 0);
	T_EQ_STR(r.method, "bootstrap");
	T_EQ_INT(a.calls, 2002);
	T_EQ_INT(r.resamples, 1000);
	T_EQ_DBL(r.baseline, 0.68333333333333335, 1e-15);
	T_EQ_DBL(r.diff, 11.0 / 60, 1e-15);
	T_EQ_DBL(r.statistic, r.diff, 0);
	T_EQ_DBL(r.ci_low, 0.033333333333333326, 1e-12);
	T_EQ_DBL(r.ci_high, 0.34999999999999998, 1e-12);
	T_EQ_DBL(r.win, 0.98599999999999999, 1e-15);
	T_EQ_DBL(r.p_value, 0.028000000000000001, 1e-15);

	o = (struct mlg_bootstrap_opts){999, 0.9, 7};
	T_EQ_INT(mlg_paired_bootstrap(&r, t.n, &m, &o), 0);
	T_EQ_DBL(r.ci_low, 0.066666666666666652, 1e-12);
	T_EQ_DBL(r.ci_high, 0.31666666666666665, 1e-12);
	T_EQ_DBL(r.win, 0.99299299299299304, 1e-15);
	T_EQ_DBL(r.p_value, 0.014014014014014014, 1e-15);

	/* A continuous metric: the interval interpolates. */
	load(&d, FIX "delong_ties.csv", 1);
	a.v[0] = d.x;
	a.v[1] = d.y;
	o = (struct mlg_bootstrap_opts){500, 0.95, 3};
	T_EQ_INT(mlg_paired_bootstrap(&r, d.n, &m, &o), 0);
	T_EQ_DBL(r.ci_low, -0.035656250000000007, 1e-12);
	T_EQ_DBL(r.ci_high, 0.5951249999999999, 1e-12);
	T_EQ_DBL(r.win, 0.92800000000000005, 1e-15);
	T_EQ_DBL(r.p_value, 0.14399999999999999, 1e-15);
}

static void test_bootstrap_deterministic(void)
{
	static const double v0[5] = {0.1, 0.7, 0.3, 0.9, 0.4};
	static const double v1[5] = {0.2, 0.5, 0.8, 0.6, 0.9};
	struct meanarg a = {{v0, v1}, 0, -1, -1};
	struct mlg_paired_metric m = {mean_metric, &a};
	struct mlg_bootstrap_opts o = {0, 0, 99};
	struct mlg_paired_result r1, r2, r3;

	T_EQ_INT(mlg_paired_bootstrap(&r1, 5, &m, &o), 0);
	T_EQ_INT(a.calls, 2 * (MLG_BOOTSTRAP_RESAMPLES + 1));
	T_EQ_INT(mlg_paired_bootstrap(&r2, 5, &m, &o), 0);
	T_ASSERT(r1.ci_low == r2.ci_low && r1.ci_high == r2.ci_high);
	T_ASSERT(r1.win == r2.win);
	o.seed = 100;
	T_EQ_INT(mlg_paired_bootstrap(&r3, 5, &m, &o), 0);
	T_ASSERT(r3.win != r1.win || r3.ci_low != r1.ci_low ||
		 r3.ci_high != r1.ci_high);
	T_ASSERT(r1.ci_low <= r1.diff && r1.diff <= r1.ci_high);
	/* NULL opts: defaults and seed 0. */
	T_EQ_INT(mlg_paired_bootstrap(&r3, 5, &m, NULL), 0);
	T_EQ_INT(r3.resamples, 1000);
	/* One example: every resample is that example, d is constant. */
	T_EQ_INT(mlg_paired_bootstrap(&r3, 1, &m, &o), 0);
	T_EQ_DBL(r3.ci_low, 0.1, 1e-15);
	T_EQ_DBL(r3.ci_high, 0.1, 1e-15);
	T_EQ_DBL(r3.win, 1, 0);
	T_EQ_DBL(r3.p_value, 0, 0);
}

static void test_bootstrap_errors(void)
{
	static const double v[3] = {1, 2, 3};
	struct meanarg a = {{v, v}, 0, -1, -1};
	struct mlg_paired_metric m = {mean_metric, &a}, none = {NULL, NULL};
	struct mlg_bootstrap_opts o = {10, 0.95, 1};
	struct mlg_paired_result r;

	mlg_error_clear();
	T_EQ_INT(mlg_paired_bootstrap(&r, 0, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "bootstrap needs at least 1 example");
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &none, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "bootstrap needs a metric function");
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, NULL, &o), MLG_EINVALID);
	o.level = 1;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid confidence level '1'");
	o.level = NAN;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid confidence level 'nan'");
	o.level = -0.5;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	o.level = 0.95;
	o.resamples = (size_t)MLG_BOOTSTRAP_MAX_RESAMPLES + 1;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "too many resamples '100000001' (limit 100000000)");
	o.resamples = 10;
	T_EQ_INT(a.calls, 0);

	/* The callback's own error and message pass through. */
	a.fail_at = 5;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EDATA);
	T_EQ_STR(mlg_error_message(), "metric broke on 'candidate'");
	a.calls = 0;
	a.fail_at = -1;
	a.nan_at = 1;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "metric of the candidate is not a number on the full set");
	a.calls = 0;
	a.nan_at = 6;
	T_EQ_INT(mlg_paired_bootstrap(&r, 3, &m, &o), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "metric of the baseline is not a number on resample 2");
}

MLG_TESTS(T(test_mcnemar_counts), T(test_mcnemar_cutoff_and_extremes),
	  T(test_mcnemar_outcomes), T(test_mcnemar_bad_input),
	  T(test_delong_ties), T(test_delong_small), T(test_delong_degenerate),
	  T(test_delong_bad_input), T(test_delong_large_matches_roc_auc),
	  T(test_bootstrap_fixture), T(test_bootstrap_deterministic),
	  T(test_bootstrap_errors))
