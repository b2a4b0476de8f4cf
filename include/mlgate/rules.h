/*
 * rules.h - change rules: is the current value of a metric worse than
 * its baseline beyond what is allowed?
 *
 * Semantics (TFMA-style signed slack, in the metric's direction):
 *
 *	dir      = +1 when higher is better, -1 when lower is better
 *	absolute = (current - baseline) * dir
 *	relative = (current - baseline) * dir / |baseline|
 *
 * so a positive change is always an improvement and a negative one a
 * regression, whatever the direction. A rule bounds one of the two:
 *
 *	relative >= -1%     at most 1% worse
 *	absolute >= 0.005   must improve by at least 0.005 (half a point)
 *	relative <= 20%     a suspiciously large improvement fails
 *
 * The bound is compared with a tolerance of the rounding error of
 * current - baseline (4 * DBL_EPSILON * (|current| + |baseline|), divided
 * by |baseline| for relative rules), so a change of exactly the bound
 * (0.5 -> 0.505 under "relative >= -1%") is at the bound, not beyond it.
 *
 * A baseline at or near zero (|baseline| <= MLG_RULES_ZERO, 1e-12) makes
 * relative rules meaningless: they are skipped (MLG_STATUS_SKIP) and say
 * so, never compared against NaN or infinity.
 *
 * Rule syntax, as given to --rule and in the config's "rules" arrays:
 *
 *	line   = metric ":" spec      (split at the last ':')
 *	spec   = [level] kind op number ["%"]
 *	       | "direction" ("higher" | "lower")
 *	       | "optional"
 *	level  = "fail" (the default) | "warn"
 *	kind   = "absolute" | "abs" | "relative" | "rel"
 *	op     = ">=" | ">" | "<=" | "<"
 *
 * Statistical rules (used with a history window, see
 * mlg_rules_compare_window(); Bencher-style thresholds):
 *
 *	spec   =/ [level] "percentage" ("<=" | "<") number "%" [sided]
 *	       |  [level] "zscore" ("<=" | "<") number [sided]
 *	       |  [level] "tinterval" number [sided]   (0 < number < 1)
 *	       |  [level] "iqr" number [sided]         (number >= 0)
 *	sided  = "two-sided"
 *	("pct" and "z" are short for percentage and zscore)
 *
 * Over the window's n values with mean m and sample standard deviation s
 * (n - 1 in the denominator), a rule gives the band [lo, hi]:
 *
 *	percentage <= p   [m - p|m|, m + p|m|]
 *	zscore <= k       [m - k s, m + k s]     ((x - m) / s within k)
 *	tinterval P       m -+ t s sqrt(1 + 1/n), t the quantile (1 + P) / 2
 *			  of Student's t with n - 1 degrees of freedom: the
 *			  two-sided prediction interval of one new value
 *	iqr k             [Q1 - k IQR, Q3 + k IQR], quartiles by linear
 *			  interpolation between order statistics (numpy's
 *			  default, Hyndman-Fan type 7)
 *
 * Only the bad side of the band fails (below lo when higher is better,
 * above hi when lower is better), unless the rule is "two-sided". The
 * bounds hold (a value on lo or hi passes) with a rounding tolerance of
 * 4 DBL_EPSILON (|x| + |limit|); "<" makes them strict. With s = 0 the
 * zscore and tinterval bands shrink to the mean.
 *
 * Fallback: with fewer than min_samples values in the window (default
 * MLG_RULES_MIN_SAMPLES) a statistical rule is skipped and says so, and
 * when the metric has no change rule of its own the default change rule
 * runs against the latest record instead.
 *
 * Tokens are separated by optional blanks. A number is decimal with an
 * optional sign and exponent, finite; "%" (relative rules only) divides
 * it by 100. The metric "*" holds rules for every metric that has none of
 * its own. A warn rule that breaks gives MLG_STATUS_WARN, a fail rule
 * MLG_STATUS_FAIL.
 *
 * Default direction of a metric without "direction" (mlg_rules_default_
 * direction()): the name, lowercased, means lower is better when it
 * contains loss, error, latency, time, duration, rmse, mse, mae, mape,
 * size, memory or brier, is "ece" or ends in "/ece" or ".ece", or ends in
 * "_ms" or "_s", or has a component (a run of letters and digits) that is
 * "p" and 2 or 3 digits (p50, p95, p999);
 * higher is better for every other name (accuracy, precision, recall,
 * f1, auc, r2, throughput, ...).
 *
 * Default rule: a metric with no rule of its own and no "*" rule is held
 * to "relative >= -1%" (MLG_RULES_DEFAULT_REL), or, when its baseline is
 * at or near zero, to "absolute >= -1e-09" (MLG_RULES_DEFAULT_ABS): a
 * gate never passes silently because nobody wrote a config.
 */
#ifndef MLGATE_RULES_H
#define MLGATE_RULES_H

#include <stddef.h>

#include "mlgate/report.h"
#include "mlgate/threshold.h"

struct mlg_metric_set;

#define MLG_RULES_ZERO	      1e-12
#define MLG_RULES_DEFAULT_REL (-0.01)
#define MLG_RULES_DEFAULT_ABS (-1e-9)
#define MLG_RULES_MIN_SAMPLES 5

enum mlg_direction { MLG_DIR_LOWER = -1, MLG_DIR_DEFAULT = 0, MLG_DIR_HIGHER };
enum mlg_change {
	MLG_CHANGE_ABSOLUTE,
	MLG_CHANGE_RELATIVE,
	/* statistical: need a window of values */
	MLG_CHANGE_PERCENTAGE,
	MLG_CHANGE_ZSCORE,
	MLG_CHANGE_TINTERVAL,
	MLG_CHANGE_IQR,
};

struct mlg_change_rule {
	char *metric; /* a metric name or "*" */
	enum mlg_change kind;
	enum mlg_cmp cmp; /* LT, LE, GT or GE (LE for tinterval, iqr) */
	double bound;	  /* relative and percentage bounds as fractions */
	int warn;	  /* 1: a warning level, 0: fail */
	int two_sided;	  /* statistical rules: both sides fail */
	char *text;	  /* the spec, normalised: "warn relative >= -1%" */
};

struct mlg_rule_metric {
	char *metric;
	enum mlg_direction direction; /* MLG_DIR_DEFAULT: from the name */
	int optional;		      /* missing on either side is a skip */
};

/* A gate config. A zeroed struct is empty (only default rules). All
 * strings owned. */
struct mlg_rules {
	struct mlg_change_rule *rules;
	size_t nrules, arules;
	struct mlg_rule_metric *metrics;
	size_t nmetrics, ametrics;
	int require_baseline; /* set by the config */
	size_t min_samples;   /* 0: MLG_RULES_MIN_SAMPLES */
};

void mlg_rules_release(struct mlg_rules *r);

/*
 * Add one rule line ("accuracy: relative >= -1%"). Errors (MLG_EINVALID,
 * the rule quoted):
 *   invalid rule '<line>': expected 'METRIC: SPEC'
 *   invalid rule '<line>': empty metric name
 *   invalid rule '<line>': <detail>    for the spec, as below
 * O(length).
 */
int mlg_rules_add_line(struct mlg_rules *r, const char *line);

/*
 * Add a spec for `metric` (the part after ':'). Details: "expected
 * absolute, relative, direction or optional, found '<word>'", "expected
 * <, <=, > or >= after '<kind>'", "expected a number after '<op>'",
 * "'<text>' is not a finite number", "'%' applies to relative rules
 * only", "expected higher or lower after 'direction'", "unexpected
 * '<rest>' at the end", "empty rule".
 */
int mlg_rules_add_spec(struct mlg_rules *r, const char *metric,
		       const char *spec);

/*
 * Read a gate config, JSON or YAML (yaml.h, mlg_config_load()):
 *
 *	{"require_baseline": true,
 *	 "rules": ["accuracy: relative >= -1%", "*: relative >= -5%"],
 *	 "metrics": {"latency_p95": {"direction": "lower",
 *				     "optional": true,
 *				     "rules": ["warn relative >= -2%"]}}}
 *
 * Every member is optional; unknown members are errors. Errors are
 * mlg_config_load() errors and MLG_EINVALID at the pointer of the bad
 * value ("'g.json': 3:12: /rules/0: invalid rule ...: ..."; for a rule
 * under "metrics" the message is the detail of mlg_rules_add_spec()).
 */
int mlg_rules_load(struct mlg_rules *r, const char *path);

/* The direction of `metric`: configured, else from its name. */
enum mlg_direction mlg_rules_direction(const struct mlg_rules *r,
				       const char *metric);
enum mlg_direction mlg_rules_default_direction(const char *metric);
/* 1 when `metric` was marked optional. */
int mlg_rules_optional(const struct mlg_rules *r, const char *metric);

/* The outcome of one rule on one metric. */
struct mlg_rule_result {
	enum mlg_status status; /* PASS, WARN, FAIL, or SKIP (zero base) */
	double delta;		/* current - baseline, raw */
	double change;		/* the directed absolute or relative value */
	int has_change;		/* 0 when skipped */
	/* statistical rules: the window and the band it gives */
	double mean, sd, lo, hi;
	size_t n;
};

/* 1 when `kind` is a statistical rule kind. */
int mlg_rules_is_statistical(enum mlg_change kind);

/*
 * The regularized incomplete beta function I_x(a, b) (a, b > 0,
 * 0 <= x <= 1; NaN otherwise), by its continued fraction (modified
 * Lentz), to about 1e-15 relative. O(sqrt(max(a, b))) terms.
 */
double mlg_rules_betainc(double a, double b, double x);

/*
 * The quantile function of Student's t with `df` > 0 degrees of freedom
 * at probability 0 < p < 1 (scipy.stats.t.ppf), found by bisection on
 * the CDF 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2; NaN outside the domain.
 */
double mlg_rules_t_quantile(double p, double df);

/*
 * Evaluate the statistical `rule` for a metric of direction `dir` on the
 * `n` values of a window (n >= 1) and the current value. `rule` must be
 * statistical (MLG_BUG otherwise). O(n log n) for iqr, O(n) else.
 */
void mlg_rule_eval_window(struct mlg_rule_result *out,
			  const struct mlg_change_rule *rule,
			  enum mlg_direction dir, const double *values,
			  size_t n, double current);

/* Evaluate `rule` for a metric of direction `dir` (HIGHER or LOWER). */
void mlg_rule_eval(struct mlg_rule_result *out,
		   const struct mlg_change_rule *rule, enum mlg_direction dir,
		   double baseline, double current);

/*
 * Compare `current` with `baseline` under `r` and add to `report`: one
 * check per metric and rule (id = the metric name, threshold = the rule
 * text, value = the current value), and a table "diff" with the columns
 * metric, baseline, current, delta, delta %, rule, verdict (delta and
 * delta % raw: current - baseline and over |baseline|; "n/a" when the
 * baseline is at or near zero). Metrics are listed in the order of the
 * current file, then those only in the baseline. A metric missing on
 * either side fails ("missing in the current run", "missing in the
 * baseline") unless optional (skip). Configured metrics that are on
 * neither side fail too, unless optional. O(n * (n + rules)).
 */
void mlg_rules_compare(struct mlg_report *report, const struct mlg_rules *r,
		       const struct mlg_metric_set *current,
		       const struct mlg_metric_set *baseline);

/*
 * Compare `current` with a history window: `window` holds `n` metric
 * sets, oldest first. Change rules (and the default rule) compare with
 * the latest set, window[n - 1]; statistical rules with the values of
 * the metric in every set that has it, under the min_samples fallback
 * above. Checks and the "diff" table as mlg_rules_compare(); the table
 * gains the columns mean, sd and n (of the metric's window values) when
 * r has statistical rules. A statistical check's message gives the
 * value, the band and the window: "0.8 below 0.85 (mean 0.9, sd 0.02,
 * n 6)". n must be at least 1. O(n * metrics * rules).
 */
void mlg_rules_compare_window(struct mlg_report *report,
			      const struct mlg_rules *r,
			      const struct mlg_metric_set *current,
			      const struct mlg_metric_set *const *window,
			      size_t n);

#endif
