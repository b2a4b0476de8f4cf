/*
 * threshold.h - threshold rules: parse, evaluate, format
 *
 * A gate holds measured values to rules written by users on the command
 * line and in config files:
 *
 *	accuracy >= 0.9
 *	p95 < 200ms
 *	null_fraction(age) <= 0.01          metric with one argument
 *	f1[country=US,age_band=30-40] >= 0.8  metric with a slice selector
 *	throughput >= 200/s
 *	error_rate < 1%
 *	model_size <= 500MiB
 *	row_count between 1000 and 2000     inclusive at both ends
 *	0.1 <= psi < 0.25                   chained two-sided form
 *	0.9 <= accuracy                     the bound may come first
 *	delta != 0
 *	accuracy == 1
 *
 * Grammar (whitespace between tokens is optional, and any amount of
 * space, tab or newline is allowed between them):
 *
 *	rule     = metric op number
 *	         | metric "between" number "and" number
 *	         | number op metric [op number]
 *	metric   = name ["(" arg ")"] ["[" selector "]"]
 *	name     = [A-Za-z_][A-Za-z0-9_.:/-]*   at most METRIC_MAX bytes
 *	arg      = any text without ')', trimmed, not empty
 *	selector = any text without ']', trimmed, not empty, kept verbatim
 *	op       = "<" | "<=" | ">" | ">=" | "==" | "!="
 *	number   = decimal [unit]    e.g. 1, -2.5, .5, 1e-3, inf, -inf
 *
 * A rule that starts with a name always starts with a metric (so "inf"
 * there is a metric name). Numbers are decimal with an optional sign,
 * fraction and exponent, or inf ("inf" in any case); hexadecimal and nan
 * are refused. Units follow the number, attached or after spaces, and the
 * value is stored converted to the base unit of its kind:
 *
 *	MLG_UNIT_TIME     ns us (or µs) ms s m h          -> seconds
 *	MLG_UNIT_BYTES    B KB MB GB TB (x1000)
 *	                  KiB MiB GiB TiB (x1024)         -> bytes
 *	MLG_UNIT_RATE     /s                              -> per second
 *	MLG_UNIT_PERCENT  %                               -> fraction, 1% = 0.01
 *
 * Conversions divide by 100, 1e3, 1e6 or 1e9 rather than multiply by
 * their inverse, so "1%" is exactly the double 0.01 and "200ms" is 0.2.
 *
 * Both bounds of a two-sided rule must be of the same unit kind (no unit
 * at all is a kind too), and the lower bound must not exceed the upper:
 * "between 5 and 5" is allowed, "5 < x < 5" is refused as it can never
 * hold. A chained rule goes one way: "a < m <= b" or "b > m >= a".
 *
 * Numbers are read and written with strtod() and printf(): the program
 * must run in the "C" numeric locale (the default until setlocale()).
 */
#ifndef MLGATE_THRESHOLD_H
#define MLGATE_THRESHOLD_H

#include <stddef.h>

struct mlg_buf;

/* The longest metric name accepted, in bytes. */
#define MLG_THRESHOLD_METRIC_MAX 256

enum mlg_cmp {
	MLG_CMP_LT,
	MLG_CMP_LE,
	MLG_CMP_GT,
	MLG_CMP_GE,
	MLG_CMP_EQ,
	MLG_CMP_NE,
};

enum mlg_unit {
	MLG_UNIT_NONE,
	MLG_UNIT_TIME,	  /* seconds */
	MLG_UNIT_BYTES,	  /* bytes */
	MLG_UNIT_RATE,	  /* per second */
	MLG_UNIT_PERCENT, /* a fraction: 0.01 is 1% */
};

/*
 * A parsed rule. Every string is owned by the struct and freed by
 * mlg_threshold_release().
 *
 * Bounds are always seen from the metric: "0.1 < m" is stored as cmp GT,
 * value 0.1. A two-sided rule ("between A and B", "A <= m < B",
 * "B > m >= A") stores its lower bound in cmp/value (GT or GE) and its
 * upper bound in cmp2/value2 (LT or LE); cmp2 and value2 are 0 when
 * two_sided is 0. Values are in base units (see above).
 */
struct mlg_threshold {
	char *metric;	/* the name, e.g. "f1" */
	char *arg;	/* "age" of null_fraction(age); NULL if absent */
	char *selector; /* "country=US" of f1[country=US]; NULL if absent */
	enum mlg_cmp cmp;
	double value;
	int two_sided;
	enum mlg_cmp cmp2;
	double value2;
	enum mlg_unit unit; /* the kind of both bounds */
	char *unit_text;    /* as written ("ms"), of the bound written first;
			       NULL when there is no unit */
	char *text;	    /* the input, without surrounding whitespace */
};

/*
 * Parse `text` into `out` (whose old contents are not freed). O(length).
 *
 * Returns 0, or MLG_EINVALID with a message naming the 1-based column
 * (counted in bytes) of the mistake, what was expected there and what
 * was found:
 *
 *	column 10: a comparison operator or 'between', found '>>'
 *	column 12: a number, found end of rule
 *
 * Tokens in messages are cut after 32 bytes ("...") and bytes that are
 * not printable ASCII or valid UTF-8 are shown as \xNN. On error `out`
 * is zeroed (releasing it is harmless) and nothing is left allocated.
 */
int mlg_threshold_parse(struct mlg_threshold *out, const char *text);

/* Free the contents of `t` and zero it. Safe to call twice. */
void mlg_threshold_release(struct mlg_threshold *t);

/*
 * 1 when `measured` (in base units) satisfies the rule, else 0. NaN never
 * holds, not even "!= 0". Comparisons are exact: 0.9 >= 0.9 holds,
 * 0.8999999 >= 0.9 does not. O(1).
 */
int mlg_threshold_holds(const struct mlg_threshold *t, double measured);

/*
 * The signed distance from `measured` to the nearest bound, in base
 * units: positive inside the rule, negative outside, 0 on a bound
 * (whether or not the bound is inclusive: ask mlg_threshold_holds() for
 * the verdict). For "==" it is minus the distance to the value, for "!="
 * the distance. NaN for NaN input. An infinite measured value on an
 * infinite bound of the same sign is on the bound (0).
 */
double mlg_threshold_margin(const struct mlg_threshold *t, double measured);

/*
 * Append the canonical text of the rule to `out`, e.g. "p95 < 200ms",
 * "row_count between 1000 and 2000", "0.1 <= psi < 0.25". One space
 * around operators and keywords; a one-sided rule starts with the metric;
 * a two-sided rule with inclusive ends reads "between", others are
 * written low to high. Numbers are in the rule's unit_text and parse back
 * to the same values. Returns 0, or MLG_ELIMIT with `out` unchanged.
 */
int mlg_threshold_format(struct mlg_buf *out, const struct mlg_threshold *t);

/* "<", "<=", ">", ">=", "==", "!="; "?" for a value out of range. Static. */
const char *mlg_cmp_str(enum mlg_cmp c);

/*
 * Append `base_value` (in the base unit of `u`) written in the unit
 * `unit_text` of that kind: 0.2134, MLG_UNIT_TIME, "ms" -> "213.4ms". A
 * NULL unit_text means the base unit ("s", "B", "/s", "%"; nothing for
 * MLG_UNIT_NONE). The number is the shortest of 15 to 17 significant
 * digits that converts back to exactly `base_value`; infinities are
 * "inf" and "-inf" (with a space before a unit that starts with a
 * letter: "inf ms"), NaN is "nan" with no unit. A value too large for
 * the unit (1e300 s in ns) is written in the base unit instead.
 *
 * Returns 0, MLG_EINVALID when unit_text is not a unit of kind `u`
 * (nothing appended), or MLG_ELIMIT with `out` unchanged.
 */
int mlg_unit_format(struct mlg_buf *out, double base_value, enum mlg_unit u,
		    const char *unit_text);

#endif
