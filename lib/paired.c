#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/paired.h"
#include "mlgate/util.h"

static void reset(struct mlg_paired_result *out, const char *method, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->method = method;
	out->n = n;
	out->baseline = out->candidate = out->diff = NAN;
	out->ci_low = out->ci_high = NAN;
	out->var_baseline = out->var_candidate = out->covariance = NAN;
	out->win = NAN;
}

/*
 * 2 * P(X <= k) for X ~ Binomial(n, 1/2), k <= n / 2. Summed downwards
 * from the largest term by the ratio pmf(i - 1) / pmf(i) = i / (n - i + 1),
 * so only one lgamma is needed and no term underflows before it matters.
 */
static double binom_two_sided(size_t k, size_t n)
{
	double logpk, sum = 1, term = 1;
	size_t i;

	logpk = lgamma((double)n + 1) - lgamma((double)k + 1) -
		lgamma((double)(n - k) + 1) - (double)n * M_LN2;
	for (i = k; i > 0; i--) {
		term *= (double)i / (double)(n - i + 1);
		sum += term;
		if (term < sum * 1e-17)
			break;
	}
	return fmin(1, 2 * exp(logpk) * sum);
}

int mlg_paired_mcnemar_counts(struct mlg_paired_result *out, size_t b, size_t c,
			      enum mlg_mcnemar_mode mode)
{
	size_t m = b + c;
	double d;

	if (mode != MLG_MCNEMAR_AUTO && mode != MLG_MCNEMAR_EXACT &&
	    mode != MLG_MCNEMAR_CHI2)
		return mlg_error_set(MLG_EINVALID, "invalid mcnemar mode '%d'",
				     (int)mode);
	if (mode == MLG_MCNEMAR_AUTO)
		mode = m < MLG_MCNEMAR_EXACT_BELOW ? MLG_MCNEMAR_EXACT
						   : MLG_MCNEMAR_CHI2;
	reset(out, mode == MLG_MCNEMAR_EXACT ? "mcnemar-exact" : "mcnemar-chi2",
	      0);
	out->b = b;
	out->c = c;
	out->statistic = 0;
	out->p_value = 1;
	if (m == 0)
		return 0;
	if (mode == MLG_MCNEMAR_EXACT) {
		out->statistic = (double)(b < c ? b : c);
		out->p_value = binom_two_sided(b < c ? b : c, m);
	} else {
		d = fabs((double)b - (double)c) - 1;
		out->statistic = d * d / (double)m;
		/* The chi-square survival function with one degree of
		 * freedom is that of |N(0, 1)|. */
		out->p_value = erfc(sqrt(out->statistic / 2));
	}
	return 0;
}

static int check_bytes(const unsigned char *v, size_t n, const char *kind,
		       const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > 1)
			return mlg_error_set(MLG_EINVALID,
					     "invalid %s %u at row %zu of '%s'",
					     kind, v[i], i, what);
	return 0;
}

int mlg_paired_mcnemar(struct mlg_paired_result *out,
		       const unsigned char *base_ok,
		       const unsigned char *cand_ok, size_t n,
		       enum mlg_mcnemar_mode mode)
{
	size_t i, b = 0, c = 0, rb = 0, rc = 0;
	int err;

	if (!n)
		return mlg_error_set(MLG_EINVALID,
				     "mcnemar needs at least 1 example");
	if ((err = check_bytes(base_ok, n, "outcome", "baseline")) ||
	    (err = check_bytes(cand_ok, n, "outcome", "candidate")))
		return err;
	for (i = 0; i < n; i++) {
		rb += base_ok[i];
		rc += cand_ok[i];
		b += base_ok[i] && !cand_ok[i];
		c += !base_ok[i] && cand_ok[i];
	}
	if ((err = mlg_paired_mcnemar_counts(out, b, c, mode)))
		return err;
	out->n = n;
	out->baseline = (double)rb / (double)n;
	out->candidate = (double)rc / (double)n;
	out->diff = ((double)c - (double)b) / (double)n;
	return 0;
}

struct item {
	double s;
	size_t i;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	return (a->s > b->s) - (a->s < b->s);
}

/*
 * The structural components of one model (Sun & Xu): v[i] is V01 for a
 * positive row i and V10 for a negative one. One sort, then each block of
 * tied scores gets its midrank among all rows (tz), among the positives
 * (tx) and among the negatives (ty) at once.
 */
static void components(double *v, struct item *it, const double *score,
		       const unsigned char *label, size_t n, size_t npos,
		       size_t nneg)
{
	size_t i, j, k, cp, cn, before = 0, bpos = 0, bneg = 0;
	double tz, tx, ty;

	for (i = 0; i < n; i++) {
		it[i].s = score[i];
		it[i].i = i;
	}
	qsort(it, n, sizeof(*it), cmp_item);
	for (i = 0; i < n; i = j) {
		cp = cn = 0;
		for (j = i; j < n && it[j].s == it[i].s; j++) {
			if (label[it[j].i])
				cp++;
			else
				cn++;
		}
		tz = (double)before + (double)(cp + cn + 1) / 2;
		tx = (double)bpos + (double)(cp + 1) / 2;
		ty = (double)bneg + (double)(cn + 1) / 2;
		for (k = i; k < j; k++) {
			if (label[it[k].i])
				v[it[k].i] = (tz - tx) / (double)nneg;
			else
				v[it[k].i] = 1 - (tz - ty) / (double)npos;
		}
		before += cp + cn;
		bpos += cp;
		bneg += cn;
	}
}

/* Sample covariance matrix (ddof 1) of the rows of one class. */
static void cov2(double s[3], double mean[2], const double *v0,
		 const double *v1, const unsigned char *label, int cls,
		 size_t n, size_t cnt)
{
	double a, b, s00 = 0, s11 = 0, s01 = 0, m0 = 0, m1 = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (label[i] == cls) {
			m0 += v0[i];
			m1 += v1[i];
		}
	m0 /= (double)cnt;
	m1 /= (double)cnt;
	for (i = 0; i < n; i++)
		if (label[i] == cls) {
			a = v0[i] - m0;
			b = v1[i] - m1;
			s00 += a * a;
			s11 += b * b;
			s01 += a * b;
		}
	s[0] = s00 / (double)(cnt - 1);
	s[1] = s11 / (double)(cnt - 1);
	s[2] = s01 / (double)(cnt - 1);
	mean[0] = m0;
	mean[1] = m1;
}

int mlg_paired_delong(struct mlg_paired_result *out, const double *base_score,
		      const double *cand_score, const unsigned char *label,
		      size_t n)
{
	struct item *it = NULL;
	double *v = NULL, sx[3], sy[3], mx[2], my[2], var, se;
	size_t i, npos = 0;
	int err;

	if ((err = check_bytes(label, n, "label", "labels")))
		return err;
	for (i = 0; i < n; i++) {
		if (isnan(base_score[i]) || isnan(cand_score[i]))
			return mlg_error_set(
				MLG_EINVALID, "score is NaN at row %zu of '%s'",
				i,
				isnan(base_score[i]) ? "baseline"
						     : "candidate");
		npos += label[i];
	}
	if (npos < 2 || n - npos < 2)
		return mlg_error_set(MLG_EINVALID,
				     "delong needs at least 2 positive and 2 "
				     "negative examples, got %zu and %zu",
				     npos, n - npos);
	it = mlg_malloc(n * sizeof(*it));
	v = mlg_malloc(2 * n * sizeof(*v));
	components(v, it, base_score, label, n, npos, n - npos);
	components(v + n, it, cand_score, label, n, npos, n - npos);
	cov2(sx, mx, v, v + n, label, 1, n, npos);
	cov2(sy, my, v, v + n, label, 0, n, n - npos);

	reset(out, "delong", n);
	out->baseline = mx[0];
	out->candidate = mx[1];
	out->diff = mx[1] - mx[0];
	out->var_baseline = sx[0] / (double)npos + sy[0] / (double)(n - npos);
	out->var_candidate = sx[1] / (double)npos + sy[1] / (double)(n - npos);
	out->covariance = sx[2] / (double)npos + sy[2] / (double)(n - npos);
	var = out->var_baseline + out->var_candidate - 2 * out->covariance;
	/* Rounding can leave a tiny negative variance for identical
	 * models: it is 0. */
	se = var > 0 ? sqrt(var) : 0;
	if (se > 0)
		out->statistic = out->diff / se;
	else if (out->diff == 0)
		out->statistic = 0;
	else
		out->statistic = out->diff > 0 ? INFINITY : -INFINITY;
	out->p_value = erfc(fabs(out->statistic) / M_SQRT2);
	out->ci_low = out->diff - 1.959963984540054 * se;
	out->ci_high = out->diff + 1.959963984540054 * se;
	free(it);
	free(v);
	return 0;
}

/* SplitMix64 (Steele, Lea & Flood 2014): tiny state, full period, and
 * simple to reproduce in the reference script. */
static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t draw(uint64_t *state, uint64_t n)
{
	uint64_t r, floor = -n % n; /* 2^64 mod n */

	do
		r = next(state);
	while (r < floor);
	return (size_t)(r % n);
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* numpy.percentile's default (linear) on sorted x[0..n-1], q in [0, 1] */
static double quantile(const double *x, size_t n, double q)
{
	double h = (double)(n - 1) * q, lo = floor(h);
	size_t i = (size_t)lo;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - lo) * (x[i + 1] - x[i]);
}

static int pair(double *d, double m[2], const struct mlg_paired_metric *mt,
		const size_t *idx, size_t n, size_t resample)
{
	int err, k;

	for (k = 0; k < 2; k++) {
		if ((err = mt->fn(&m[k], k, idx, n, mt->arg)))
			return err;
		if (isnan(m[k])) {
			if (resample == (size_t)-1)
				return mlg_error_set(
					MLG_EINVALID,
					"metric of the %s is not a number on "
					"the full set",
					k ? "candidate" : "baseline");
			return mlg_error_set(MLG_EINVALID,
					     "metric of the %s is not a number "
					     "on resample %zu",
					     k ? "candidate" : "baseline",
					     resample);
		}
	}
	*d = m[1] - m[0];
	return 0;
}

int mlg_paired_bootstrap(struct mlg_paired_result *out, size_t n,
			 const struct mlg_paired_metric *metric,
			 const struct mlg_bootstrap_opts *opts)
{
	size_t *idx = NULL, bsz, i, r, wins = 0, le = 0, ge = 0;
	double *d = NULL, level, m[2];
	uint64_t state;
	int err = 0;

	bsz = opts && opts->resamples ? opts->resamples
				      : MLG_BOOTSTRAP_RESAMPLES;
	level = opts && opts->level != 0 ? opts->level : 0.95;
	state = opts ? opts->seed : 0;
	if (!n)
		return mlg_error_set(MLG_EINVALID,
				     "bootstrap needs at least 1 example");
	if (!metric || !metric->fn)
		return mlg_error_set(MLG_EINVALID,
				     "bootstrap needs a metric function");
	if (bsz > MLG_BOOTSTRAP_MAX_RESAMPLES)
		return mlg_error_set(MLG_EINVALID,
				     "too many resamples '%zu' (limit %d)", bsz,
				     MLG_BOOTSTRAP_MAX_RESAMPLES);
	if (!(level > 0 && level < 1))
		return mlg_error_set(MLG_EINVALID,
				     "invalid confidence level '%g'", level);

	reset(out, "bootstrap", n);
	idx = mlg_malloc(n * sizeof(*idx));
	d = mlg_malloc(bsz * sizeof(*d));
	for (i = 0; i < n; i++)
		idx[i] = i;
	if ((err = pair(&out->diff, m, metric, idx, n, (size_t)-1)))
		goto done;
	out->baseline = m[0];
	out->candidate = m[1];
	out->statistic = out->diff;
	for (r = 0; r < bsz; r++) {
		for (i = 0; i < n; i++)
			idx[i] = draw(&state, n);
		if ((err = pair(&d[r], m, metric, idx, n, r)))
			goto done;
		wins += d[r] > 0;
		le += d[r] <= 0;
		ge += d[r] >= 0;
	}
	qsort(d, bsz, sizeof(*d), cmp_double);
	out->resamples = bsz;
	out->win = (double)wins / (double)bsz;
	out->p_value = fmin(1, 2 * (double)(le < ge ? le : ge) / (double)bsz);
	out->ci_low = quantile(d, bsz, (1 - level) / 2);
	out->ci_high = quantile(d, bsz, (1 + level) / 2);
done:
	free(idx);
	free(d);
	return err;
}
