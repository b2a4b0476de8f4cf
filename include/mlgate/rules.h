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

enum mlg_direction { MLG_DIR_LOWER = -1, MLG_DIR_DEFAULT = 0, MLG_DIR_HIGHER };
enum mlg_change { MLG_CHANGE_ABSOLUTE, MLG_CHANGE_RELATIVE };

struct mlg_change_rule {
	char *metric; /* a metric name or "*" */
	enum mlg_change kind;
	enum mlg_cmp cmp; /* LT, LE, GT or GE */
	double bound;	  /* relative bounds as fractions */
	int warn;	  /* 1: a warning level, 0: fail */
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
 * Read a JSON gate config:
 *
 *	{"require_baseline": true,
 *	 "rules": ["accuracy: relative >= -1%", "*: relative >= -5%"],
 *	 "metrics": {"latency_p95": {"direction": "lower",
 *				     "optional": true,
 *				     "rules": ["warn relative >= -2%"]}}}
 *
 * Every member is optional; unknown members are errors. Errors are
 * mlg_json_load() errors and MLG_EINVALID at the pointer of the bad
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
};

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

#endif
