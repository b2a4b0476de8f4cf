/*
 * paired.h - paired significance tests: is the candidate model different
 * from the baseline on the same examples?
 *
 * Three tests, one result struct (perf-gate emits them alike):
 *
 *   McNemar    per-example right/wrong of both models. b = baseline right
 *              and candidate wrong, c = the reverse. When b + c <
 *              MLG_MCNEMAR_EXACT_BELOW (25) the exact two-sided binomial
 *              test: statistic = min(b, c),
 *              p = min(1, 2 * BinomCDF(min(b, c); b + c, 1/2));
 *              otherwise chi-square with continuity correction, df = 1:
 *              statistic = (|b - c| - 1)^2 / (b + c), p = chi2.sf(stat, 1).
 *              Both are statsmodels' mcnemar(exact=..., correction=True),
 *              including its quirk that b == c gives 1 / (b + c), not 0.
 *              b + c == 0 gives statistic 0 and p 1 in both modes.
 *   DeLong     two correlated ROC AUCs on the same examples, with the fast
 *              midrank algorithm of Sun & Xu (2014): per model, midranks of
 *              the scores over the positives (tx), the negatives (ty) and
 *              all rows (tz); V01 = (tz - tx) / n_neg per positive,
 *              V10 = 1 - (tz - ty) / n_pos per negative; AUC = mean V01;
 *              S = cov(V01) / n_pos + cov(V10) / n_neg (2x2, ddof 1);
 *              z = (auc_cand - auc_base) / sqrt(S00 + S11 - 2 S01),
 *              p = 2 (1 - Phi(|z|)). Tied scores get midranks, so an AUC
 *              gives ties half credit (as scikit-learn's roc_auc_score).
 *              When that variance is 0: z = 0 and p = 1 if the AUCs are
 *              equal (as pROC), else z = +-inf and p = 0.
 *   bootstrap  Koehn's paired bootstrap: B resamples of the n example
 *              indices with replacement, the caller's metric computed for
 *              both models on the same resample, d = cand - base. The
 *              interval is the percentile interval of the B values of d
 *              at quantiles (1 - level) / 2 and (1 + level) / 2, each by
 *              linear interpolation between order statistics (numpy's
 *              default percentile: h = (B - 1) q). The indices come from
 *              SplitMix64 seeded with `seed`, an index being the first
 *              draw r >= 2^64 mod n taken mod n (no modulo bias), so a
 *              seed gives the same resamples on every platform.
 *
 * Errors: every function returns 0, or MLG_EINVALID with a message for
 * bad arguments or data (a length of 0, an outcome or label other than 0
 * and 1, a NaN score, a class with fewer than 2 examples). A metric
 * callback's own negative code is returned unchanged, its message kept.
 * On error *out is unspecified. No global state: thread-safe.
 */
#ifndef MLGATE_PAIRED_H
#define MLGATE_PAIRED_H

#include <stddef.h>
#include <stdint.h>

/* McNemar uses the exact binomial test below this many discordant pairs. */
#define MLG_MCNEMAR_EXACT_BELOW 25
#define MLG_BOOTSTRAP_RESAMPLES 1000
/* Upper bound on B: a bound on the O(B) scratch and the run time. */
#define MLG_BOOTSTRAP_MAX_RESAMPLES 100000000

struct mlg_paired_result {
	const char *method; /* static: "mcnemar-exact", "mcnemar-chi2",
			       "delong", "bootstrap" */
	size_t n;	    /* paired examples */
	double baseline;    /* accuracy, AUC or metric of the baseline */
	double candidate;   /* the same for the candidate */
	double diff;	    /* candidate - baseline */
	double statistic;   /* see above; bootstrap: diff */
	double p_value;	    /* two-sided */
	double ci_low;	    /* DeLong: diff -+ 1.96 sqrt(var), a 95% normal */
	double ci_high;	    /* interval; bootstrap: percentile; McNemar: NaN */
	/* McNemar */
	size_t b; /* baseline right, candidate wrong */
	size_t c; /* baseline wrong, candidate right */
	/* DeLong: the entries of S */
	double var_baseline, var_candidate, covariance;
	/* Bootstrap */
	size_t resamples; /* B */
	double win;	  /* fraction of resamples with d > 0 */
};

enum mlg_mcnemar_mode {
	MLG_MCNEMAR_AUTO = 0, /* exact when b + c < MLG_MCNEMAR_EXACT_BELOW */
	MLG_MCNEMAR_EXACT,
	MLG_MCNEMAR_CHI2,
};

/*
 * McNemar's test from the discordant counts. baseline, candidate, diff
 * and n are NaN / 0 (the counts alone do not give them). The exact
 * p-value is O(min(b, c)) (a sum of binomial terms by their ratio), the
 * chi-square one O(1). Never fails for a valid mode.
 */
int mlg_paired_mcnemar_counts(struct mlg_paired_result *out, size_t b, size_t c,
			      enum mlg_mcnemar_mode mode);

/*
 * McNemar's test from per-example outcomes: base_ok[i] and cand_ok[i] are
 * 1 when that model got example i right, 0 when wrong (any other byte is
 * MLG_EINVALID "invalid outcome 2 at row 7 of 'candidate'"). Fills
 * baseline and candidate with the accuracies. O(n), no allocation.
 */
int mlg_paired_mcnemar(struct mlg_paired_result *out,
		       const unsigned char *base_ok,
		       const unsigned char *cand_ok, size_t n,
		       enum mlg_mcnemar_mode mode);

/*
 * DeLong's test of two AUCs on n examples: label[i] is 1 for a positive,
 * 0 for a negative; base_score and cand_score are the two models' scores
 * (higher means more positive; +-inf allowed, NaN is an error). Needs at
 * least 2 positives and 2 negatives. O(n log n) time, O(n) scratch
 * allocated once.
 */
int mlg_paired_delong(struct mlg_paired_result *out, const double *base_score,
		      const double *cand_score, const unsigned char *label,
		      size_t n);

/*
 * The metric callback of the bootstrap: store in *out the metric of
 * `model` (0 = baseline, 1 = candidate) on the examples idx[0..n-1]
 * (borrowed; indices repeat). Return 0, or a negative MLG_E* code after
 * mlg_error_set(), which stops the bootstrap. A NaN result is an error
 * (MLG_EINVALID naming the resample): the interval would be meaningless.
 */
struct mlg_paired_metric {
	int (*fn)(double *out, int model, const size_t *idx, size_t n,
		  void *arg);
	void *arg;
};

struct mlg_bootstrap_opts {
	size_t resamples; /* B; 0 means MLG_BOOTSTRAP_RESAMPLES */
	double level;	  /* interval coverage in (0, 1); 0 means 0.95 */
	uint64_t seed;
};

/*
 * Paired bootstrap of the difference of a metric over n examples. `opts`
 * may be NULL (defaults, seed 0). baseline, candidate and diff are the
 * metric on the full set (idx = 0..n-1, called first); statistic = diff;
 * win is the fraction of resamples with d > 0; p_value =
 * min(1, 2 min(#{d <= 0}, #{d >= 0}) / B), the two-sided percentile
 * bootstrap p-value of d = 0. Calls the metric 2 (B + 1) times; scratch
 * O(n + B), allocated once; O(B log B) for the interval.
 */
int mlg_paired_bootstrap(struct mlg_paired_result *out, size_t n,
			 const struct mlg_paired_metric *metric,
			 const struct mlg_bootstrap_opts *opts);

#endif
