/*
 * stats.h - exact, mergeable column statistics: moments and histograms
 *
 * data-validate computes these per column in the pass that validates the
 * data, in worker threads that each see their own chunks; the per-chunk
 * states are merged in input order, and profiles of different CI shards
 * are merged later from JSON. So every state here is a few words (a
 * histogram: its bins), is updated in O(1) (a histogram: O(log bins))
 * without allocating, merges, and round-trips through JSON. The
 * approximate sketches (distinct count, quantiles, frequent values) and
 * the hash functions that feed them are in sketch.h.
 *
 * No global state: an instance may be used by one thread at a time, and
 * different instances by different threads.
 *
 * JSON: _to_json() returns a new reference (never NULL). _from_json()
 * reads the value `v` found at the JSON pointer `ptr` of `doc` (`ptr` is
 * used only to place error messages, see mlg_json_error()); unknown
 * members are refused. On success `out` is a new state the caller
 * releases; on failure it holds nothing (releasing it is harmless) and
 * the error is MLG_EINVALID, e.g.
 *
 *	'p.json': 3:14: /columns/age/moments/count: expected a count
 *	(a non-negative integer), found -1
 *
 * JSON has no NaN or infinity; where a stored real can be one (a sum
 * that overflowed), it is written as the string "NaN", "Infinity" or
 * "-Infinity", as the protobuf JSON mapping does, and read back as such.
 */
#ifndef MLGATE_STATS_H
#define MLGATE_STATS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "mlgate/json.h"

/*
 * Moments: count, nulls, min, max, sum, mean and M2 (the sum of squared
 * deviations from the mean), updated with Welford's algorithm and merged
 * with the parallel formulas of Chan, Golub and LeVeque (1979):
 *
 *	n = na + nb, d = mean_b - mean_a,
 *	mean = mean_a + d * nb / n, M2 = M2a + M2b + d^2 * na * nb / n
 *
 * The sum is compensated (Knuth's two-sum), so it is the correctly
 * rounded sum in all but pathological cancellations, and exact for
 * integers while it stays below 2^53.
 *
 * NaN and +-infinity are counted in `nonfinite` and kept out of every
 * other field: min, max and mean are always finite (where d overflows,
 * between values near +-DBL_MAX, the mean is taken as the weighted mean
 * of the two, which cannot). M2 is +infinity once it exceeds DBL_MAX (any
 * spread beyond about 1e154), never NaN; the sum overflows to
 * +-infinity. A null (an empty or missing cell, as the caller defines
 * it) is counted in `nulls` only.
 *
 * Exactness of merging: count, nulls, nonfinite, min and max are exact
 * whatever the chunking. The sum is exact to the last bit or two. Mean
 * and M2 depend on the order of floating-point operations; merged states
 * agree with one pass over the same values within
 *
 *	|mean' - mean| <= 1e-12 * (|mean| + stddev)
 *	|M2' - M2|     <= 1e-10 * M2
 *
 * (tested on 10^6 values with mean 1000 and stddev 10, cut into chunks
 * at random places, including chunks of one value).
 * Identical input and identical chunking give bit-identical results.
 *
 * The fields may be read directly; a zeroed struct is an empty state.
 */
struct mlg_moments {
	uint64_t count;	     /* finite values */
	uint64_t nulls;	     /* nulls, not in count */
	uint64_t nonfinite;  /* NaN and +-inf, not in count */
	double min, max;     /* of the finite values; 0 when count is 0 */
	double mean, m2;     /* 0 when count is 0 */
	double sum, sum_err; /* the sum is sum + sum_err */
};

void mlg_moments_init(struct mlg_moments *m);
/* Nothing to free; for symmetry with the other states. */
void mlg_moments_release(struct mlg_moments *m);

/* Knuth's two-sum: s + e is exactly a + b. Branch-free, unlike
 * Neumaier's variant, so the add stays a few ns on any data. */
static inline void mlg_two_sum(double *s, double *e, double a, double b)
{
	double t = a + b, bp = t - a;

	*e = (a - (t - bp)) + (b - bp);
	*s = t;
}

/* The mean of a counted na times and b nb times, finite even where b - a
 * overflows. */
static inline double mlg_moments_between(double a, double b, uint64_t na,
					 uint64_t nb)
{
	double n = (double)na + (double)nb;

	return a * ((double)na / n) + b * ((double)nb / n);
}

/* Add one value: about 10 ns (2.5 GHz Xeon, -O2), Welford's division
 * being most of it. Inline: profiles call it twice a cell. */
static inline void mlg_moments_add(struct mlg_moments *m, double x)
{
	double d, e;

	if (!isfinite(x)) {
		m->nonfinite++;
		return;
	}
	if (!m->count++) {
		m->min = m->max = m->mean = x;
		m->m2 = 0;
		m->sum = x;
		m->sum_err = 0;
		return;
	}
	if (x < m->min)
		m->min = x;
	if (x > m->max)
		m->max = x;
	d = x - m->mean;
	/* The reciprocal does not depend on the mean, so its division
	 * overlaps the previous add instead of lengthening the chain. */
	if (!isinf(d))
		m->mean += d * (1.0 / (double)m->count);
	else /* x and the mean near +-DBL_MAX: a weighted mean stays finite */
		m->mean = mlg_moments_between(m->mean, x, m->count - 1, 1);
	m->m2 += d * (x - m->mean);
	mlg_two_sum(&m->sum, &e, m->sum, x);
	m->sum_err += e;
}
/* Count one null. */
void mlg_moments_add_null(struct mlg_moments *m);

/*
 * Fold `b` into `a`, as if the values of `b` had been added after those
 * of `a`. `b` is unchanged; a and b may be the same state (which doubles
 * it). O(1).
 */
void mlg_moments_merge(struct mlg_moments *a, const struct mlg_moments *b);

/* The sum of the finite values; 0 when there are none. */
double mlg_moments_sum(const struct mlg_moments *m);
/* The mean; NaN when count is 0. */
double mlg_moments_mean(const struct mlg_moments *m);
/*
 * The population variance M2 / n (NaN when count is 0) or, when `sample`
 * is 1, the sample variance M2 / (n - 1) (NaN when count < 2); the
 * standard deviation is its square root.
 */
double mlg_moments_variance(const struct mlg_moments *m, int sample);
double mlg_moments_stddev(const struct mlg_moments *m, int sample);

/*
 * The lengths of a column's texts (in code points: mlg_utf8_length()),
 * kept as exact integer sums: an add needs no division, where Welford's
 * mean does, and a profile adds one a cell. Every member of a merge, in
 * any grouping, is that of one pass. A zeroed struct is an empty state;
 * min and max are 0 while count is.
 */
struct mlg_lengths {
	uint64_t count, sum, min, max;
	unsigned __int128 sumsq;
};

static inline void mlg_lengths_add(struct mlg_lengths *l, uint64_t n)
{
	if (!l->count || n < l->min)
		l->min = n;
	if (n > l->max)
		l->max = n;
	l->count++;
	l->sum += n;
	l->sumsq += (unsigned __int128)n * n;
}

void mlg_lengths_merge(struct mlg_lengths *a, const struct mlg_lengths *b);
/* The mean; NaN when count is 0. */
double mlg_lengths_mean(const struct mlg_lengths *l);

/*
 * As JSON: {"count":n, "nulls":n, "nonfinite":n, "min":x, "max":x,
 * "sum":x, "mean":x, "m2":x}, all members always present. min, max and
 * mean are null when count is 0. The sum is stored rounded to one
 * double.
 *
 * Loading checks that the counts are non-negative integers (a total
 * above 2^63 - 1 is refused), that min <= mean <= max hold within
 * rounding and that M2 >= 0, and that min, max and mean are null exactly
 * when count is 0. Messages: "expected a count (a non-negative integer),
 * found <json>", "expected a number, found <type>", "expected null when
 * count is 0", "min is greater than max", "mean is outside [min, max]",
 * "m2 is negative", "total count is too large".
 */
json_t *mlg_moments_to_json(const struct mlg_moments *m);
int mlg_moments_from_json(struct mlg_moments *out,
			  const struct mlg_json_doc *doc, json_t *v,
			  const char *ptr);

/*
 * Lengths in the JSON of moments (nulls and nonfinite 0), M2 to one
 * rounding. Loading also wants nulls and nonfinite 0 ("lengths have no
 * nulls or non-finite values") and min, max and sum whole ("lengths are
 * whole numbers, not negative"); the sum of squares comes back from M2,
 * exact while it is below 2^53.
 */
json_t *mlg_lengths_to_json(const struct mlg_lengths *l);
int mlg_lengths_from_json(struct mlg_lengths *out,
			  const struct mlg_json_doc *doc, json_t *v,
			  const char *ptr);

/*
 * A histogram over fixed edges, for drift measures (PSI, chi-square)
 * between a reference and a current data set binned the same way.
 *
 * With edges e[0] < e[1] < ... < e[nbins], bin i counts values in
 * [e[i], e[i+1]), and the last bin is closed: [e[nbins-1], e[nbins]].
 * Values below e[0] (-inf included) are counted in `under`, values above
 * e[nbins] (+inf included) in `over`, NaN in `nan`. Equal-mass edges
 * come from mlg_kll_bin_edges() (sketch.h).
 *
 * Exact: merging gives the same counts as one pass, whatever the
 * chunking.
 */
#define MLG_HIST_MAX_BINS 65536

struct mlg_hist {
	double *edges;	  /* nbins + 1 edges, owned */
	uint64_t *counts; /* nbins counts, owned */
	size_t nbins;
	uint64_t under, over, nan;
};

/*
 * Set up an empty histogram over `nedges` edges (copied): 2 to
 * MLG_HIST_MAX_BINS + 1 finite, strictly increasing values. Errors
 * (MLG_EINVALID, `h` then holds nothing):
 *   "a histogram needs 2 to 65537 edges, got <n>"
 *   "histogram edge <i> is not finite"
 *   "histogram edges must increase: edge <i> is <x>, edge <i-1> is <y>"
 * (edges numbered from 0, values printed with %.17g).
 */
int mlg_hist_init(struct mlg_hist *h, const double *edges, size_t nedges);
void mlg_hist_release(struct mlg_hist *h);

/* Count one value. O(log nbins), no allocation. */
void mlg_hist_add(struct mlg_hist *h, double x);

/*
 * Add the counts of `b` to `a`. The edges must be the same doubles;
 * otherwise MLG_EINVALID "cannot merge histograms with different edges"
 * and `a` is unchanged. O(nbins).
 */
int mlg_hist_merge(struct mlg_hist *a, const struct mlg_hist *b);

/*
 * As JSON: {"edges":[x...], "counts":[n...], "under":n, "over":n,
 * "nan":n}. Loading applies the rules of mlg_hist_init() (errors at
 * <ptr>/edges or <ptr>/edges/<i>) and wants exactly one count per bin:
 * "expected <n> counts (one per bin), found <m>".
 */
json_t *mlg_hist_to_json(const struct mlg_hist *h);
int mlg_hist_from_json(struct mlg_hist *out, const struct mlg_json_doc *doc,
		       json_t *v, const char *ptr);

#endif
