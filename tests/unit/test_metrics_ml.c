/* Expected values are scikit-learn 1.2.1's (Debian 12), computed once. */
#include <float.h>
#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/util.h"
#include "test.h"

static double get(const struct mlg_metrics *m, const char *name)
{
	const struct mlg_metric *x = mlg_metrics_get(m, name);

	if (!x)
		t_fail(__FILE__, __LINE__, "no metric %s", name);
	else if (x->undefined)
		t_fail(__FILE__, __LINE__, "%s undefined: %s", name,
		       x->undefined);
	return x ? x->value : NAN;
}

static void test_rank_ties_half_credit(void)
{
	/* roc_auc_score([0,1,0,1], [.5,.5,.2,.8]) */
	static const double s[] = {0.5, 0.5, 0.2, 0.8};
	static const unsigned char pos[] = {0, 1, 0, 1};
	double auc = -1, ap = -1;

	T_EQ_INT(mlg_metric_rank(&auc, &ap, s, pos, NULL, 4, NULL), 0);
	T_EQ_DBL(auc, 0.875, 1e-15);
	T_EQ_DBL(ap, 0.8333333333333333, 1e-15);
}

static void test_rank_weighted(void)
{
	static const double s[] = {0.1, 0.4, 0.35, 0.8, 0.9};
	static const unsigned char pos[] = {0, 1, 1, 0, 1};
	static const double w[] = {1, 2, 0, 1, 3};
	struct mlg_rank_item *scratch = mlg_metrics_scratch(5);
	double auc, ap;

	T_EQ_INT(mlg_metric_rank(&auc, &ap, s, pos, w, 5, scratch), 0);
	T_EQ_DBL(auc, 0.8, 1e-15);
	T_EQ_DBL(ap, 0.9333333333333333, 1e-15);
	free(scratch);
}

static void test_rank_negative_and_signed_zero(void)
{
	/* -0 and +0 are one tied score; negatives sort below */
	static const double s[] = {-0.0, 0.0, -3, -1e300, 2};
	static const unsigned char pos[] = {0, 1, 0, 0, 1};
	double auc;

	T_EQ_INT(mlg_metric_rank(&auc, NULL, s, pos, NULL, 5, NULL), 0);
	/* pairs: (+0 vs -0) tie 0.5; others won: (5 + 0.5) / 6 */
	T_EQ_DBL(auc, 5.5 / 6, 1e-15);
}

static void test_rank_single_class_is_error(void)
{
	static const double s[] = {0.1, 0.9};
	static const unsigned char pos[] = {1, 1};
	static const double w[] = {1, 0};
	static const unsigned char mixed[] = {1, 0};
	double auc = 7;

	mlg_error_clear();
	T_EQ_INT(mlg_metric_rank(&auc, NULL, s, pos, NULL, 2, NULL), MLG_EDATA);
	T_EQ_STR(mlg_error_message(), "only one class present in the labels");
	T_EQ_DBL(auc, 7, 0);
	/* a negative of weight 0 is no negative */
	T_EQ_INT(mlg_metric_rank(&auc, NULL, s, mixed, w, 2, NULL), MLG_EDATA);
	T_EQ_INT(mlg_metric_rank(&auc, NULL, s, pos, NULL, 0, NULL), MLG_EDATA);
}

static void test_rank_large_sorted_and_reversed(void)
{
	size_t n = 100000, i;
	double *s = mlg_malloc(n * sizeof(double));
	unsigned char *pos = mlg_malloc(n);
	double auc, ap;

	/* perfectly separated: all positives score higher */
	for (i = 0; i < n; i++) {
		s[i] = (double)i / (double)n;
		pos[i] = i >= n / 2;
	}
	T_EQ_INT(mlg_metric_rank(&auc, &ap, s, pos, NULL, n, NULL), 0);
	T_EQ_DBL(auc, 1, 0);
	T_EQ_DBL(ap, 1, 0);
	for (i = 0; i < n; i++)
		pos[i] = i < n / 2;
	T_EQ_INT(mlg_metric_rank(&auc, &ap, s, pos, NULL, n, NULL), 0);
	T_EQ_DBL(auc, 0, 0);
	/* all scores tied: 0.5, AP = prevalence */
	for (i = 0; i < n; i++)
		s[i] = 0.25;
	T_EQ_INT(mlg_metric_rank(&auc, &ap, s, pos, NULL, n, NULL), 0);
	T_EQ_DBL(auc, 0.5, 0);
	T_EQ_DBL(ap, 0.5, 0);
	free(s);
	free(pos);
}

static void test_zero_division(void)
{
	/* y = [0,0,1], pred all 0: precision 0/0 */
	static const int32_t y[] = {0, 0, 1}, p[] = {0, 0, 0};
	struct mlg_cls_data d = {
		.n = 3, .nclasses = 2, .binary = 1, .y = y, .pred = p};
	struct mlg_metric_opts o = {MLG_AVG_DEFAULT, 0};
	struct mlg_metrics m;

	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, &o, NULL), 0);
	T_EQ_DBL(get(&m, "precision"), 0, 0);
	T_EQ_DBL(get(&m, "recall"), 0, 0);
	T_EQ_DBL(get(&m, "f1"), 0, 0);
	T_EQ_DBL(get(&m, "accuracy"), 2.0 / 3, 1e-15);
	/* matthews_corrcoef is 0 when a marginal is constant */
	T_EQ_DBL(get(&m, "matthews_corrcoef"), 0, 0);
	T_ASSERT(!mlg_metrics_get(&m, "roc_auc"));
	o.zero_division = 1;
	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, &o, NULL), 0);
	/* sklearn: precision 1.0, f1 0.0 (2tp+fp+fn = 1) */
	T_EQ_DBL(get(&m, "precision"), 1, 0);
	T_EQ_DBL(get(&m, "f1"), 0, 0);
	T_EQ_STR(m.avg, "binary");
}

static void test_mcc_constant_weighted(void)
{
	/* every row predicted 1: the weights' sum in row order (0.1 + 0.7
	 * + 0.3) and by column (0.1 + 0.3 + 0.7) round apart */
	static const int32_t y[] = {0, 1, 0}, p[] = {1, 1, 1};
	static const double w[] = {0.1, 0.7, 0.3};
	struct mlg_cls_data d = {
		.n = 3, .nclasses = 2, .binary = 1, .y = y, .pred = p, .w = w};
	struct mlg_metrics m;

	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, NULL, NULL), 0);
	T_EQ_DBL(get(&m, "matthews_corrcoef"), 0, 0);
}

static void test_macro_counts_predicted_only_labels(void)
{
	/* f1_score([0,1,2,2], [0,2,1,3], average='macro') == 0.25: class 3
	 * appears only in the predictions and still counts */
	static const int32_t y[] = {0, 1, 2, 2}, p[] = {0, 2, 1, 3};
	struct mlg_cls_data d = {.n = 4, .nclasses = 5, .y = y, .pred = p};
	struct mlg_metric_opts o = {MLG_AVG_MACRO, 0};
	struct mlg_metrics m;
	double cm[25];

	T_EQ_INT(mlg_metrics_classification(&m, cm, &d, &o, NULL), 0);
	T_EQ_DBL(get(&m, "f1"), 0.25, 1e-15);
	T_EQ_DBL(get(&m, "precision"), 0.25, 1e-15);
	T_EQ_DBL(cm[2 * 5 + 3], 1, 0);
	T_EQ_DBL(cm[0], 1, 0);
	/* class 4 is in neither: not a label, so macro is over 4 */
	T_EQ_DBL(get(&m, "recall"), (1 + 0 + 0 + 0) / 4.0, 1e-15);
	T_EQ_STR(m.avg, "macro");
	o.average = MLG_AVG_MICRO;
	T_EQ_INT(mlg_metrics_classification(&m, cm, &d, &o, NULL), 0);
	T_EQ_DBL(get(&m, "f1"), 0.25, 1e-15);
}

static void test_log_loss_clipped(void)
{
	/* log_loss([1,0,1], [1.0, 0.0, 0.0]) with eps = DBL_EPSILON */
	static const int32_t y[] = {1, 0, 1};
	static const double p[] = {1.0, 0.0, 0.0};
	struct mlg_cls_data d = {.n = 3,
				 .nclasses = 2,
				 .nproba = 1,
				 .binary = 1,
				 .y = y,
				 .proba = p};
	struct mlg_metrics m;

	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, NULL, NULL), 0);
	T_EQ_DBL(get(&m, "log_loss"), 12.014551129705717, 1e-12);
	/* predicted from p > 0.5: [1, 0, 0] */
	T_EQ_DBL(get(&m, "accuracy"), 2.0 / 3, 1e-15);
	T_EQ_DBL(get(&m, "brier_score"), 1.0 / 3, 1e-15);
	/* bins 9 (p=1, y=1) and 0 (two rows, p=0, one positive) */
	T_EQ_DBL(get(&m, "ece"), 2.0 / 3 * 0.5, 1e-15);
}

static void test_argmax_prediction(void)
{
	/* ties go to the first class, as numpy's argmax */
	static const int32_t y[] = {0, 1, 2};
	static const double p[] = {0.4, 0.4, 0.2, 0.1, 0.6, 0.3, 0.3, 0.3, 0.4};
	struct mlg_cls_data d = {
		.n = 3, .nclasses = 3, .nproba = 3, .y = y, .proba = p};
	struct mlg_metrics m;
	double cm[9];

	T_EQ_INT(mlg_metrics_classification(&m, cm, &d, NULL, NULL), 0);
	T_EQ_DBL(get(&m, "accuracy"), 1, 0);
	T_EQ_DBL(get(&m, "roc_auc"), 1, 0);
	T_ASSERT(!mlg_metrics_get(&m, "brier_score"));
	T_ASSERT(!mlg_metrics_get(&m, "average_precision"));
	/* binary p == 0.5 is class 0 */
	{
		static const int32_t yb[] = {0, 1};
		static const double pb[] = {0.5, 0.7};
		struct mlg_cls_data b = {.n = 2,
					 .nclasses = 2,
					 .nproba = 1,
					 .binary = 1,
					 .y = yb,
					 .proba = pb};

		T_EQ_INT(mlg_metrics_classification(&m, cm, &b, NULL, NULL), 0);
		T_EQ_DBL(cm[0], 1, 0);
		T_EQ_DBL(cm[3], 1, 0);
	}
}

static void test_regression_edges(void)
{
	static const double y[] = {3, 3, 3}, good[] = {3, 3, 3},
			    bad[] = {3, 2, 3};
	static const double e0[] = {0, 0, 0, 0}, e1[] = {1, 2, 3, 4},
			    w1[] = {1, 1, 1, 1}, w2[] = {1, 0, 0, 5};
	static const double ym[] = {0, 2}, pm[] = {1, 2};
	struct mlg_metrics m;

	/* r2 force_finite on constant labels */
	mlg_metrics_regression(&m, y, good, NULL, 3, NULL);
	T_EQ_DBL(get(&m, "r2"), 1, 0);
	mlg_metrics_regression(&m, y, bad, NULL, 3, NULL);
	T_EQ_DBL(get(&m, "r2"), 0, 0);
	T_EQ_DBL(get(&m, "max_error"), 1, 0);
	/* median: unweighted averages the middle two; weighted is the
	 * lower weighted median */
	mlg_metrics_regression(&m, e0, e1, NULL, 4, NULL);
	T_EQ_DBL(get(&m, "median_absolute_error"), 2.5, 0);
	mlg_metrics_regression(&m, e0, e1, w1, 4, NULL);
	T_EQ_DBL(get(&m, "median_absolute_error"), 2, 0);
	mlg_metrics_regression(&m, e0, e1, w2, 4, NULL);
	T_EQ_DBL(get(&m, "median_absolute_error"), 4, 0);
	/* max_error ignores weights */
	T_EQ_DBL(get(&m, "max_error"), 4, 0);
	/* mape: y = 0 divides by DBL_EPSILON */
	mlg_metrics_regression(&m, ym, pm, NULL, 2, NULL);
	T_EQ_DBL(get(&m, "mape"), 0.5 / DBL_EPSILON, 1e-15);
	/* no rows: undefined, not NaN */
	mlg_metrics_regression(&m, ym, pm, NULL, 0, NULL);
	T_EQ_STR(mlg_metrics_get(&m, "mae")->undefined, "no rows");
}

static void test_names(void)
{
	T_EQ_INT(mlg_metric_higher_is_better("roc_auc"), 1);
	T_EQ_INT(mlg_metric_higher_is_better("log_loss"), 0);
	T_EQ_INT(mlg_metric_higher_is_better("rmse"), 0);
	T_EQ_INT(mlg_metric_higher_is_better("r2"), 1);
	T_EQ_INT(mlg_metric_higher_is_better("nope"), -1);
	T_EQ_STR(mlg_task_name(MLG_TASK_MULTICLASS), "multiclass");
}

static void test_to_json(void)
{
	static const double y[] = {1, 2}, p[] = {1, 0};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_metrics m;
	json_t *o = json_object();

	mlg_metrics_regression(&m, y, p, NULL, 2, NULL);
	mlg_metrics_to_json(o, "slice/g=a/", &m);
	mlg_metrics_regression(&m, y, p, NULL, 0, NULL);
	mlg_metrics_to_json(o, "", &m);
	T_EQ_INT(mlg_json_dump(&b, o, 0), 0);
	T_EQ_STR(b.ptr, "{\"slice/g=a/count\":2,\"slice/g=a/mae\":1.0,"
			"\"slice/g=a/mse\":2.0,"
			"\"slice/g=a/rmse\":1.4142135623730951,"
			"\"slice/g=a/r2\":-7.0,\"slice/g=a/mape\":0.5,"
			"\"slice/g=a/median_absolute_error\":1.0,"
			"\"slice/g=a/max_error\":2.0,\"count\":0}");
	json_decref(o);
	mlg_buf_release(&b);
}

/* The binary probability metrics sort once (8-byte keys without
 * weights, rank items with them or for scores outside [0, 2)): ROC AUC
 * and AP must be mlg_metric_rank()'s to the last bit. */
static void test_binary_auc_paths_agree(void)
{
	static const double p[] = {0.5, -0.0, 0, 0.5, 0.9, 0.1, 0.9, 1, 0.3};
	static const int32_t y[] = {1, 0, 1, 0, 1, 0, 0, 1, 1};
	static const double w[] = {1, 2, 0.5, 1, 0, 3, 1, 1, 0.25};
	unsigned char pos[9];
	double auc, ap, q[9];
	struct mlg_cls_data d = {9, 2, 1, 1, y, NULL, p, NULL};
	struct mlg_metrics m;
	size_t i;

	for (i = 0; i < 9; i++)
		pos[i] = y[i] == 1;
	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, NULL, NULL), 0);
	T_EQ_INT(mlg_metric_rank(&auc, &ap, p, pos, NULL, 9, NULL), 0);
	T_EQ_DBL(get(&m, "roc_auc"), auc, 0);
	T_EQ_DBL(get(&m, "average_precision"), ap, 0);
	/* sklearn: roc_auc_score([1,0,1,0,1,0,0,1,1], p) */
	T_EQ_DBL(auc, 0.625, 1e-15);
	d.w = w;
	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, NULL, NULL), 0);
	T_EQ_INT(mlg_metric_rank(&auc, &ap, p, pos, w, 9, NULL), 0);
	T_EQ_DBL(get(&m, "roc_auc"), auc, 0);
	T_EQ_DBL(get(&m, "average_precision"), ap, 0);
	/* a score of 2 or more takes the rank-item path */
	for (i = 0; i < 9; i++)
		q[i] = p[i] * 3;
	d.w = NULL;
	d.proba = q;
	T_EQ_INT(mlg_metrics_classification(&m, NULL, &d, NULL, NULL), 0);
	T_EQ_INT(mlg_metric_rank(&auc, &ap, q, pos, NULL, 9, NULL), 0);
	T_EQ_DBL(get(&m, "roc_auc"), auc, 0);
	T_EQ_DBL(get(&m, "average_precision"), ap, 0);
	T_EQ_DBL(auc, 0.625, 1e-15);
}

MLG_TESTS(T(test_rank_ties_half_credit), T(test_rank_weighted),
	  T(test_rank_negative_and_signed_zero),
	  T(test_rank_single_class_is_error),
	  T(test_rank_large_sorted_and_reversed), T(test_zero_division),
	  T(test_mcc_constant_weighted),
	  T(test_macro_counts_predicted_only_labels), T(test_log_loss_clipped),
	  T(test_argmax_prediction), T(test_regression_edges), T(test_names),
	  T(test_to_json), T(test_binary_auc_paths_agree))
