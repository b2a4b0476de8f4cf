/*
 * metrics_ml.h - classification and regression metrics, as scikit-learn
 * defines them
 *
 * Every metric matches scikit-learn 1.2 (Debian 12) to 1e-9 relative, with
 * sample weights where scikit-learn takes them:
 *
 *   accuracy            weighted fraction of exact matches
 *   balanced_accuracy   mean recall over the classes present in the labels
 *   precision, recall, f1
 *                       binary (the positive class is the greater label,
 *                       as pos_label=1 for {0,1}), or macro, micro,
 *                       weighted (by support) over the labels seen in the
 *                       true or the predicted values; a 0/0 is
 *                       zero_division; f1 = 2tp / (2tp + fp + fn)
 *   matthews_corrcoef   the multiclass (Gorodkin) form; 0 when undefined
 *   roc_auc             trapezoid over distinct scores (ties get half
 *                       credit); multiclass: one-vs-rest, macro or
 *                       weighted by support
 *   average_precision   step-wise, sum of (R_n - R_n-1) P_n (binary)
 *   log_loss            natural log; probabilities clipped to
 *                       [DBL_EPSILON, 1 - DBL_EPSILON] and each row
 *                       renormalised to sum 1, as scikit-learn 1.2 does
 *   brier_score         mean (p - y)^2 of the positive class (binary)
 *   ece                 expected calibration error over 10 equal-width
 *                       bins of [0, 1] (bin = min(floor(10 p), 9)): binary
 *                       bins P(positive) against the positive rate,
 *                       multiclass bins the probability of the predicted
 *                       class (the top one when predictions come from
 *                       the probabilities) against the accuracy;
 *                       sum of W_bin / W * |mean y - mean p|. Not a
 *                       scikit-learn metric: gen_expected.py has the
 *                       reference
 *   mae, mse, rmse      weighted means; rmse = sqrt(mse)
 *   r2                  1 - SS_res / SS_tot, force_finite: constant labels
 *                       give 1 for a perfect fit, else 0
 *   mape                mean |y - yhat| / max(|y|, DBL_EPSILON), a fraction
 *   median_absolute_error  median (weighted: the lower weighted median,
 *                       scikit-learn's _weighted_percentile)
 *   max_error           max |y - yhat| (weights ignored, as scikit-learn)
 *
 * A metric that cannot be computed (AUC with a single class present, a
 * probability metric without probabilities, a sum that overflows on
 * values near the largest doubles) is "undefined" with a reason; it is
 * never NaN or infinite. Costs: O(n) for the counting metrics, one radix sort
 * per ranking (O(n) passes over 16-byte items, no per-row allocation).
 * A binary task with one probability column and no weights sorts 8-byte
 * keys instead (score bits and label), 11 bits per pass, and its log loss
 * takes the log once per distinct recent score; the values are the same
 * to the last bit either way. From 65,536 rows on, the row sums of the
 * probability metrics (log loss, Brier, ECE) run on a thread of their
 * own beside the ranking, in row order, so threads change no value.
 */
#ifndef MLGATE_METRICS_ML_H
#define MLGATE_METRICS_ML_H

#include <stddef.h>
#include <stdint.h>

enum mlg_task {
	MLG_TASK_AUTO,
	MLG_TASK_BINARY,
	MLG_TASK_MULTICLASS,
	MLG_TASK_REGRESSION,
};

/* "binary", "multiclass", "regression" ("auto" for AUTO). Static. */
const char *mlg_task_name(enum mlg_task t);

enum mlg_average {
	MLG_AVG_DEFAULT, /* binary for binary tasks, macro otherwise */
	MLG_AVG_BINARY,
	MLG_AVG_MACRO,
	MLG_AVG_MICRO,
	MLG_AVG_WEIGHTED,
};

struct mlg_metric_opts {
	enum mlg_average average;
	double zero_division; /* 0 or 1: the value of an ill-defined ratio */
};

/*
 * Classification input, n rows over classes 0..nclasses-1 (sorted labels).
 * All arrays are borrowed.
 *   y      true class of each row
 *   pred   predicted class, or NULL: then argmax of proba (binary: class 1
 *          when p > 0.5, as numpy's argmax over [1 - p, p])
 *   proba  n * nproba probabilities, row-major, or NULL. nproba is 1 for
 *          a binary task (P(class 1)) or nclasses
 *   w      sample weights (>= 0), or NULL for 1
 * A binary task has nclasses <= 2 and class 1 is the positive class.
 */
struct mlg_cls_data {
	size_t n, nclasses, nproba;
	int binary;
	const int32_t *y, *pred;
	const double *proba, *w;
};

struct mlg_metric {
	const char *name;      /* static */
	double value;	       /* valid when undefined is NULL */
	const char *undefined; /* static reason, or NULL */
};

#define MLG_METRICS_MAX 16

/* The metrics of one run or slice, in a fixed order per task. */
struct mlg_metrics {
	size_t n;
	struct mlg_metric m[MLG_METRICS_MAX];
	double count;	 /* rows */
	double weight;	 /* sum of weights (count without weights) */
	const char *avg; /* the averaging used: "binary", "macro", ... */
};

/*
 * Compute the classification metrics of `d` into `out`. `cm`, when not
 * NULL, receives the nclasses * nclasses weighted confusion matrix
 * (row = true class, column = predicted). `scratch` is NULL or an array
 * of at least 2 * n items of 16 bytes reused between calls (see
 * mlg_metrics_scratch()) so that slices allocate nothing per call.
 * Returns 0, or MLG_EINVALID when opts ask for binary averaging of a
 * multiclass task. O(n k + n passes of the radix sort per ranking).
 */
struct mlg_rank_item {
	uint64_t key;
	double w; /* sign bit set: a negative row */
};
int mlg_metrics_classification(struct mlg_metrics *out, double *cm,
			       const struct mlg_cls_data *d,
			       const struct mlg_metric_opts *opts,
			       struct mlg_rank_item *scratch);

/* The regression metrics of n rows (w may be NULL). `scratch` as above.
 * Never fails. */
void mlg_metrics_regression(struct mlg_metrics *out, const double *y,
			    const double *yhat, const double *w, size_t n,
			    struct mlg_rank_item *scratch);

/* A new array of 2 * n rank items for the `scratch` arguments. */
struct mlg_rank_item *mlg_metrics_scratch(size_t n);

/*
 * Binary ranking metrics of n scores: pos[i] is 1 for a positive row, w
 * may be NULL. Sets *auc and *ap (either may be NULL). Returns 0, or
 * MLG_EDATA "only one class present in the labels" when the positive or
 * the negative weight is 0. `scratch`: 2 * n items, or NULL.
 */
int mlg_metric_rank(double *auc, double *ap, const double *score,
		    const unsigned char *pos, const double *w, size_t n,
		    struct mlg_rank_item *scratch);

/* The metric named `name` in `m`, borrowed, or NULL when it is absent. */
const struct mlg_metric *mlg_metrics_get(const struct mlg_metrics *m,
					 const char *name);

/*
 * Add the metrics of `m` to the JSON object `obj` as flat members named
 * prefix + name ("slice/country=US/f1"): "<prefix>count" (an integer)
 * first, then every defined metric as a real; undefined ones are left
 * out, as JSON has no NaN. The DVC-style metrics file perf-gate reads.
 */
struct json_t;
void mlg_metrics_to_json(struct json_t *obj, const char *prefix,
			 const struct mlg_metrics *m);

/*
 * Add the report tables of a run: "metrics" (Overall metrics: metric,
 * value with 6 significant digits or "undefined", note with the reason)
 * and, when `cm` is not NULL, "confusion-matrix" with the k classes
 * (borrowed names) as rows (true) and columns (predicted).
 */
struct mlg_report;
void mlg_metrics_add_tables(struct mlg_report *r, const struct mlg_metrics *m,
			    const double *cm, char *const *classes, size_t k);

/* 1 when larger is better (accuracy), 0 when smaller is (log_loss),
 * -1 for an unknown name. */
int mlg_metric_higher_is_better(const char *name);

#endif
