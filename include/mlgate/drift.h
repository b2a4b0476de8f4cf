/*
 * drift.h - drift statistics between a reference and a current data set
 *
 * Numeric columns: PSI over quantile bins of the reference, the
 * two-sample Kolmogorov-Smirnov statistic with its p-value, and the
 * Wasserstein-1 distance (also normalised by the reference
 * standard deviation). Categorical columns: chi-square goodness of fit of
 * the current counts to the reference frequencies, the L-infinity
 * distance of the frequencies and the Jensen-Shannon divergence. Then
 * thresholds, a verdict per column, and the share of drifted columns.
 *
 * Every statistic has an exact variant, over arrays of values or aligned
 * counts, and a variant over the mergeable summaries of sketch.h and
 * stats.h, so a stored profile can be compared with a new data set
 * without keeping the reference rows.
 *
 * Common contract. Functions fill `out` (all of it, whatever the method)
 * and return 0, or MLG_EINVALID with a message and `out` unspecified:
 *   "the reference is empty", "the current data is empty"
 *   "reference value <i> is not finite" (same for "current"; exact
 *   arrays refuse NaN and +-inf, sketches never hold them)
 *   "the number of bins must be 1 to 65536, got <n>"
 * No result is ever infinite or NaN, except the fields documented as
 * NaN when they do not apply. Nothing is kept: inputs are borrowed and
 * unchanged, there is nothing to release. No global state.
 *
 * Sketch variants are approximate only through the KLL rank error and
 * the top-k count error (at most n / (cap/2) per value). A KLL sketch that
 * holds every value it was given (never compacted: at most k = 200
 * values, or merged shards as small) is exact: eps 0, and the result is
 * that of the exact variant, to the bit. Otherwise its CDF is within
 * eps = mlg_drift_kll_eps() (1.33% at k = 200) of the true one at every
 * point, with 99% probability a sketch (sketch.h). That error is of the
 * size of what the tests detect with many rows (the critical KS D at
 * p = 0.05 is 0.0136 at n = m = 20,000), so the sketch variants report
 * it, and KS judges a bound instead of the estimate:
 *   value   the statistic computed from the sketches (the estimate)
 *   err     |value - exact| <= err (0 when both sides are exact)
 *   low     a lower bound of the exact statistic (value when exact);
 *           the KS p-value is that of `low`: the number the verdict
 *           holds to the limits
 * so, but for the sketch's 1% chance a side, a sketch never fails (or
 * warns about) a column on KS that the exact computation passes: no
 * false alarm from the approximation. The price is power: with both
 * sides sketched at k = 200 the KS verdict moves only when D > 0.0266
 * plus the critical D (n = m = 20,000: 0.040 to fail, 0.0200 without
 * sketches; a normal shifted by 0.2 sd still fails, by 0.05 sd no
 * longer). Apache DataSketches' KS test on sketches adds the same
 * eps_1 + eps_2 to its threshold.
 * PSI and Wasserstein are judged on their estimates: their sound bounds
 * are far looser than their errors and would blind them (PSI: 0.30
 * against 0.003 measured for two normals of 20,000 values; Wasserstein
 * over 200,000: +/- 0.24 sd against at most 0.007 sd, so the bound let
 * a normal shifted by 0.2 sd, normalised distance 0.198, pass the limit
 * 0.1), while the measured errors are small against the limits (PSI at
 * most 0.013 against 0.1 and 0.25, Wasserstein 0.01 against 0.1 on
 * normal data; heavy tails err more: Pareto(1.5), 200,000 values a side,
 * 0.036 for an exact 0.0066, no false alarm seen on lognormal, Pareto,
 * t(2) or mixtures): only an exact statistic that close to a limit may
 * be judged on the other side of it.
 * Measured against the exact variants (tests/unit/test_drift.c, 2 x 10^5
 * values, 15 seeds, no to large drift): |value - exact| at most 0.013
 * for KS D and PSI (10 bins), 0.0036 (max - min) for Wasserstein.
 *   categorical:     exact when each summary holds every distinct value
 *                    (at most `cap` of them, mlg_topk_exact()); otherwise
 *                    see below;
 *                    err 0 and low = value always.
 * The p-value of a sketch KS uses the true n and m, not the item count.
 */
#ifndef MLGATE_DRIFT_H
#define MLGATE_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/sketch.h"
#include "mlgate/stats.h"

enum mlg_drift_method {
	MLG_DRIFT_PSI,
	MLG_DRIFT_KS,
	MLG_DRIFT_WASSERSTEIN,
	MLG_DRIFT_CHISQ,
	MLG_DRIFT_LINF,
	MLG_DRIFT_JS,
	MLG_DRIFT_MISSING,
};

/* The zero share a PSI bin gets instead of 0 (as Evidently). */
#define MLG_DRIFT_PSI_FLOOR 1e-4
/* The default number of PSI bins. */
#define MLG_DRIFT_PSI_BINS 10

struct mlg_drift_result {
	enum mlg_drift_method method;
	double value;	/* the statistic */
	double p_value; /* KS and chi-square; NaN for the others */
	double norm;	/* Wasserstein / max(std_ref, 0.001); NaN otherwise */
	double dof;	/* chi-square degrees of freedom; 0 otherwise */
	size_t nbins;	/* PSI bins, or categories compared */
	size_t empty;	/* PSI: shares of 0 raised to MLG_DRIFT_PSI_FLOOR */
	size_t new_categories;	     /* in current, not in reference */
	size_t vanished_categories;  /* in reference, not in current */
	uint64_t n_ref, n_cur;	     /* values compared on each side */
	double share_ref, share_cur; /* missing: the shares compared */
	double err; /* |value - exact| <= err; 0 when exact (see above) */
	double low; /* the exact statistic is >= low; judged for KS */
};

/*
 * The rank error the sketch variants assume for `s`: 0 when it holds
 * every value it was given (items == n: nothing was compacted, its CDF
 * is exact), else the single-sided normalised rank error of KLL at
 * s->k with 99% confidence, 2.296 / k^0.9723 (the fit Apache
 * DataSketches publishes for these level capacities; 0.0132948 at
 * k = 200, the 1.33% of sketch.h). O(1).
 */
double mlg_drift_kll_eps(const struct mlg_kll *s);

/*
 * PSI = sum (q_i - p_i) ln(q_i / p_i), p the reference and q the
 * current shares, over `nbins` (1 to 65536; MLG_DRIFT_PSI_BINS) bins.
 *
 * Bins: the interior edges are the reference quantiles at i / nbins,
 * i = 1 .. nbins - 1, with repeats and edges at the reference maximum
 * dropped (ties), so there may be fewer bins; bin i holds
 * e_(i-1) < x <= e_i, the first bin is open below and the last above, so
 * every current value falls in a bin and no reference bin is empty (for
 * exact arrays; a sketch may be off by its rank error). A reference
 * that keeps no edge, all of its quantiles at its maximum c (a constant
 * reference, or 99 twos and a one), would have one bin, which cannot see
 * any shift: with nbins >= 2 its edges are nextafter(c, -inf) and c,
 * three bins x < c, x = c and x > c, those empty in the reference
 * floored, so values off c count as drift. For exact arrays
 * the quantile at q is the sorted reference value of 0-based index
 * ceil(q n) - 1 (numpy's "inverted_cdf"); for a sketch it is
 * mlg_kll_bin_edges(). A zero share on either side becomes
 * MLG_DRIFT_PSI_FLOOR (shares are not renormalised), so PSI is finite;
 * `empty` counts them. O((n + m) log n).
 *
 * Sketches: a bin's share is the difference of the ranks at its edges,
 * so it is within 2 eps of the sketch's share (eps for the first and
 * last bin). `low` and `value + err` are the least and the most PSI over
 * all shares within those bounds (each term is convex and smallest near
 * p = q, so a corner of its box decides): bounds of the PSI of the true
 * shares in the sketch's bins (not of the PSI over the exact quantile
 * bins of the exact variant: another binning). They are reported, not
 * judged (see the top).
 */
int mlg_drift_psi(struct mlg_drift_result *out, const double *ref, size_t nref,
		  const double *cur, size_t ncur, size_t nbins);
int mlg_drift_psi_kll(struct mlg_drift_result *out, const struct mlg_kll *ref,
		      const struct mlg_kll *cur, size_t nbins);
/*
 * PSI over counts already binned alike: aligned <ref, cur> counts of
 * `nbins` bins (exact), or two histograms with the same edges whose
 * `under` joins the first bin and `over` the last (NaN is left out):
 * "cannot compare histograms with different edges".
 */
int mlg_drift_psi_counts(struct mlg_drift_result *out, const uint64_t *ref,
			 const uint64_t *cur, size_t nbins);
int mlg_drift_psi_hist(struct mlg_drift_result *out, const struct mlg_hist *ref,
		       const struct mlg_hist *cur);

/*
 * Two-sample Kolmogorov-Smirnov: D = max |F_ref(x) - F_cur(x)| over the
 * points of both samples (for sketches: the items both hold, with their
 * weights), F the fraction of values <= x. The p-value is exact while
 * both sides are (arrays, or sketches that hold every value) and hold
 * at most 10,000 values, as scipy's ks_2samp with its default method:
 * the share of the lattice paths of n + m steps that leave the band
 * D m n of the diagonal (Hodges), equal to scipy's to 1e-9 relative
 * (tested, p-values down to 1e-16), in O(n + m + D n m), unless the
 * asymptotic p-value is below 1e-300 (then that one). Otherwise it
 * is the asymptotic Kolmogorov distribution at sqrt(n_eff) D, n_eff =
 * n m / (n + m), as scipy.stats.kstwobign.sf (scipy's method "asymp"
 * uses the finite-sample kstwo.sf(D, round(n_eff)): for p above 0.01
 * the two agree within 1 / sqrt(n_eff) relative). Ties are ignored, as
 * scipy does. O((n + m) log(n + m)).
 *
 * Sketches: err = eps_ref + eps_cur, low = max(0, D - err), and the
 * p-value is the asymptotic one of `low` at the true n and m: never
 * below the exact p-value (with the sketches' probability). Exact
 * sketches: err 0, the p-value of D.
 */
int mlg_drift_ks(struct mlg_drift_result *out, const double *ref, size_t nref,
		 const double *cur, size_t ncur);
int mlg_drift_ks_kll(struct mlg_drift_result *out, const struct mlg_kll *ref,
		     const struct mlg_kll *cur);
/* The Kolmogorov survival function P(K > x), 1 for x <= 0; relative
 * error below 1e-14 (two series, switched at x = 1). */
double mlg_drift_kolmogorov_sf(double x);

/*
 * Wasserstein-1: the integral of |F_ref - F_cur| (as
 * scipy.stats.wasserstein_distance), and `norm` = value / max(std_ref,
 * 0.001) with the population standard deviation of the reference
 * (Evidently's wasserstein_distance_norm). The sketch variant takes it
 * from `ref_moments` (exact), or from the sketch items when that is NULL.
 * O((n + m) log(n + m)).
 *
 * Sketches: `norm` is the estimate `value` / max(std_ref, 0.001), the
 * number judged (see the top). err = eps_ref (max_ref - min_ref) +
 * eps_cur (max_cur - min_cur), the bound on |value - exact|, and `low`,
 * the integral of max(0, |F_ref - F_cur| - eps_ref - eps_cur), a lower
 * bound of the exact distance, are reported only. A std that overflows
 * (moments of values near DBL_MAX: the state holds M2 as infinity) is
 * taken from the items instead, and values above 2^400 are scaled by a
 * power of two while the distance is summed; `value`, `err`, `low` and
 * `norm`, which may exceed DBL_MAX between values near +-DBL_MAX (or a
 * huge distance over the 0.001 floor), saturate there.
 */
int mlg_drift_wasserstein(struct mlg_drift_result *out, const double *ref,
			  size_t nref, const double *cur, size_t ncur);
int mlg_drift_wasserstein_kll(struct mlg_drift_result *out,
			      const struct mlg_kll *ref,
			      const struct mlg_kll *cur,
			      const struct mlg_moments *ref_moments);

/*
 * Categorical statistics over aligned counts: ref[i] and cur[i] count the
 * same category i, for i < ncat. Categories with no count on either side
 * are skipped; `nbins` is the number of the others. A category with a
 * reference count of 0 and a current count above 0 is new, the converse
 * vanished. Errors: the common ones, for all-zero counts.
 *
 * From top-k summaries (sketch.h), categories are matched by hash; each
 * count is the guaranteed one (count - err), and what the listed items
 * do not cover (n minus their guaranteed counts) forms one more "other"
 * category on each side. A value missing from a summary counts 0; it is
 * new (or vanished) only when that summary is exact (mlg_topk_exact(): it
 * never purged), since one that purged may have dropped a rare value.
 * When both summaries are exact the result is exact. Otherwise a
 * category's share is off by at most 2 / cap on each side: L-infinity
 * within 4 / cap, and JS is that of the coarser grouping.
 */

/*
 * Chi-square goodness of fit: sum (o_i - e_i)^2 / e_i with o the current
 * counts and e_i = p_i m, p the reference shares; new categories get a
 * reference share of MLG_DRIFT_PSI_FLOOR, then the shares are
 * renormalised to 1, so the statistic is finite and large, and the
 * p-value tiny (drift). dof = categories - 1; with one category the
 * statistic is 0 and the p-value 1. The p-value is mlg_drift_chisq_sf().
 * O(ncat).
 */
int mlg_drift_chisq(struct mlg_drift_result *out, const uint64_t *ref,
		    const uint64_t *cur, size_t ncat);
int mlg_drift_chisq_topk(struct mlg_drift_result *out,
			 const struct mlg_topk *ref,
			 const struct mlg_topk *cur);
/*
 * The chi-square survival function with `dof` > 0 degrees of freedom:
 * the regularized upper incomplete gamma Q(dof / 2, x / 2), by its power
 * series below x / 2 = dof / 2 + 1 and a continued fraction above.
 * Relative error about 1e-13; 1 for x <= 0, NaN for dof <= 0.
 */
double mlg_drift_chisq_sf(double x, double dof);

/* L-infinity: max |p_i - q_i| of the shares (TFDV), in [0, 1]. O(ncat). */
int mlg_drift_linf(struct mlg_drift_result *out, const uint64_t *ref,
		   const uint64_t *cur, size_t ncat);
int mlg_drift_linf_topk(struct mlg_drift_result *out,
			const struct mlg_topk *ref, const struct mlg_topk *cur);

/*
 * Jensen-Shannon divergence in base 2 (TFDV's, in [0, 1]): the mean of
 * the Kullback-Leibler divergences of p and q from (p + q) / 2, with
 * 0 log 0 = 0. It is the square of scipy's jensenshannon(p, q, base=2)
 * and not Evidently's distance (natural log, square root): the numbers
 * do not compare. O(ncat).
 */
int mlg_drift_js(struct mlg_drift_result *out, const uint64_t *ref,
		 const uint64_t *cur, size_t ncat);
int mlg_drift_js_topk(struct mlg_drift_result *out, const struct mlg_topk *ref,
		      const struct mlg_topk *cur);

/*
 * The share of missing cells, `ref_missing` of `ref_rows` against
 * `cur_missing` of `cur_rows`: `value` is the absolute difference of the
 * shares, in [0, 1], both shares kept. A column whose values keep their
 * distribution while ever more of them go missing (an upstream join that
 * fails, a field no longer sent) drifts in nothing else. MLG_EINVALID
 * for a side of no rows, or more missing cells than rows. O(1).
 */
int mlg_drift_missing(struct mlg_drift_result *out, uint64_t ref_missing,
		      uint64_t ref_rows, uint64_t cur_missing,
		      uint64_t cur_rows);

/*
 * Thresholds. `score` is the number held to them: the p-value for KS and
 * chi-square (drift when it is at or below the limit), `norm` for
 * Wasserstein, `value` for the others (drift at or above); for KS and
 * Wasserstein on sketches, the conservative numbers above. Defaults:
 *   PSI          warn 0.1,  fail 0.25 (Lewis; Evidently drifts at 0.1)
 *   KS p         warn 0.15, fail 0.05 (whylogs bands; Evidently 0.05)
 *   chi-square p warn 0.15, fail 0.05 (the same)
 *   Wasserstein  warn 0.1,  fail 0.1  (normalised, Evidently)
 *   L-infinity   warn 0.01, fail 0.01 (TFDV docs example)
 *   JS           warn 0.1,  fail 0.1  (no tool default: set your own)
 *   missing      warn 0.05, fail 0.1  (a change of 5 and 10 points in the
 *                share of missing cells; no tool default)
 */
enum mlg_drift_level {
	MLG_DRIFT_OK,
	MLG_DRIFT_WARN,
	MLG_DRIFT_FAIL,
};

struct mlg_drift_limits {
	double warn, fail;
};

void mlg_drift_limits_default(struct mlg_drift_limits *out,
			      enum mlg_drift_method method);
double mlg_drift_score(const struct mlg_drift_result *r);
/* The level of `r` against `lim`, or the defaults when `lim` is NULL. */
enum mlg_drift_level mlg_drift_judge(const struct mlg_drift_result *r,
				     const struct mlg_drift_limits *lim);
/* "psi", "ks", "wasserstein", "chisq", "linf", "js", "missing"; never
 * NULL. */
const char *mlg_drift_method_name(enum mlg_drift_method method);

/*
 * Dataset level: a column has drifted when its level is MLG_DRIFT_FAIL;
 * the data set has drifted when the share of drifted columns is at least
 * `share` (Evidently's default 0.5; pass a value <= 0 or NaN for it).
 * `results` (NULL or ncol of them, one per column) adds up new and
 * vanished categories. No columns: share 0, not drifted.
 */
#define MLG_DRIFT_SHARE_DEFAULT 0.5

struct mlg_drift_dataset {
	size_t ncolumns, ndrifted;
	double share;	  /* ndrifted / ncolumns */
	double threshold; /* the share it was held to */
	int drifted;	  /* 1 when share >= threshold */
	size_t new_categories, vanished_categories;
};

void mlg_drift_dataset(struct mlg_drift_dataset *out,
		       const enum mlg_drift_level *levels,
		       const struct mlg_drift_result *results, size_t ncol,
		       double share);

#endif
