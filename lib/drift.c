/* drift.c - drift statistics between a reference and a current data set */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/drift.h"
#include "mlgate/error.h"
#include "mlgate/util.h"

/*
 * A sorted weighted sample: the exact arrays (weight 1) and the KLL items
 * (weight 2^level) alike, so one implementation serves both variants and
 * the sketch differs from the exact result only by what the sketch lost.
 */
struct item {
	double v;
	uint64_t w;
};

struct sample {
	struct item *it;
	size_t len;
	uint64_t n;    /* total weight */
	double eps;    /* rank error of its CDF: 0 when exact */
	double lo, hi; /* the true minimum and maximum */
};

static int cmp_item(const void *a, const void *b)
{
	double x = ((const struct item *)a)->v, y = ((const struct item *)b)->v;

	return (x > y) - (x < y);
}

static int from_array(struct sample *out, const double *a, size_t n,
		      const char *side)
{
	size_t i;

	out->it = NULL;
	if (!n)
		return mlg_error_set(MLG_EINVALID, "the %s is empty", side);
	for (i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return mlg_error_set(
				MLG_EINVALID, "%s value %zu is not finite",
				side[0] == 'r' ? "reference" : "current", i);
	out->it = mlg_malloc(n * sizeof(*out->it));
	for (i = 0; i < n; i++) {
		out->it[i].v = a[i];
		out->it[i].w = 1;
	}
	qsort(out->it, n, sizeof(*out->it), cmp_item);
	out->len = n;
	out->n = n;
	out->eps = 0;
	out->lo = out->it[0].v;
	out->hi = out->it[n - 1].v;
	return 0;
}

static int from_kll(struct sample *out, const struct mlg_kll *s,
		    const char *side)
{
	size_t i, o = 0;
	uint32_t h;

	out->it = NULL;
	if (!s->n)
		return mlg_error_set(MLG_EINVALID, "the %s is empty", side);
	out->it = mlg_malloc((s->size + 1) * sizeof(*out->it));
	for (h = 0; h < s->nlevels; h++)
		for (i = 0; i < s->len[h]; i++) {
			out->it[o].v = s->items[h][i];
			out->it[o++].w = (uint64_t)1 << h;
		}
	qsort(out->it, o, sizeof(*out->it), cmp_item);
	out->len = o;
	out->n = s->n;
	out->eps = mlg_drift_kll_eps(s);
	out->lo = s->min;
	out->hi = s->max;
	return 0;
}

double mlg_drift_kll_eps(const struct mlg_kll *s)
{
	/* Weights add up to n and every compaction leaves an item of weight
	 * 2 or more, so size == n means nothing was ever compacted. */
	if (s->size == s->n)
		return 0;
	return 2.296 / pow((double)s->k, 0.9723);
}

static void init_result(struct mlg_drift_result *out, enum mlg_drift_method m)
{
	memset(out, 0, sizeof(*out));
	out->method = m;
	out->p_value = NAN;
	out->norm = NAN;
}

/*
 * Walk both samples through their distinct values in order, calling back
 * with the two CDFs (fraction <= x) just after each value x and the
 * distance to the next value (0 after the last) times `scale`.
 */
typedef void (*walk_fn)(void *ctx, double fa, double fb, double gap);

static void walk(const struct sample *a, const struct sample *b, double scale,
		 walk_fn fn, void *ctx)
{
	size_t i = 0, j = 0;
	uint64_t ca = 0, cb = 0;
	double x, next;

	while (i < a->len || j < b->len) {
		if (j == b->len || (i < a->len && a->it[i].v <= b->it[j].v))
			x = a->it[i].v;
		else
			x = b->it[j].v;
		while (i < a->len && a->it[i].v == x)
			ca += a->it[i++].w;
		while (j < b->len && b->it[j].v == x)
			cb += b->it[j++].w;
		if (i < a->len && j < b->len)
			next = fmin(a->it[i].v, b->it[j].v);
		else if (i < a->len)
			next = a->it[i].v;
		else if (j < b->len)
			next = b->it[j].v;
		else
			next = x;
		fn(ctx, (double)ca / (double)a->n, (double)cb / (double)b->n,
		   next * scale - x * scale);
	}
}

static void ks_step(void *ctx, double fa, double fb, double gap)
{
	double *d = ctx;

	(void)gap;
	if (fabs(fa - fb) > *d)
		*d = fabs(fa - fb);
}

/* The distance, and the part of it that survives when each |F_ref -
 * F_cur| is lowered by the rank errors e: a lower bound of the exact
 * distance, much tighter than the distance minus e (max - min). */
struct w1 {
	double sum, low, e;
};

static void w1_step(void *ctx, double fa, double fb, double gap)
{
	struct w1 *w = ctx;
	double d = fabs(fa - fb);

	w->sum += d * gap;
	if (d > w->e)
		w->low += (d - w->e) * gap;
}

double mlg_drift_kolmogorov_sf(double x)
{
	double sum = 0, term;
	int k;

	if (!(x > 0))
		return isnan(x) ? NAN : 1;
	if (x < 1) {
		/* The theta-function form converges in a few terms where the
		 * alternating series would need many and cancel. */
		for (k = 1; k < 100; k++) {
			term = exp(-(2.0 * k - 1) * (2.0 * k - 1) * M_PI *
				   M_PI / (8 * x * x));
			sum += term;
			if (term <= 1e-17 * sum)
				break;
		}
		return 1 - sqrt(2 * M_PI) / x * sum;
	}
	for (k = 1; k < 100; k++) {
		term = exp(-2.0 * k * k * x * x);
		sum += k % 2 ? term : -term;
		if (term <= 1e-17 * sum)
			break;
	}
	return 2 * sum;
}

/*
 * P(D >= t / (m n)) for samples of m and n values without ties: the
 * share of the C(m + n, m) lattice paths from (0, 0) to (m, n), a step
 * a value, that reach a point with |i n - j m| >= t (Hodges' inside
 * method, as scipy's ks_2samp "exact"). q(i, j), the share of the paths
 * to (i, j) that have been out, is 1 out of the band and inside it the
 * mean of q(i - 1, j) and q(i, j - 1) weighted i : j, as their path
 * counts are: the p-value itself is summed, so a tiny one keeps its
 * digits. One row at a time, over the band, which only moves right:
 * what it leaves behind is never read again, what lies ahead is still 1.
 * O(m + t).
 */
static double ks_exact_sf(uint64_t m, uint64_t n, uint64_t t)
{
	double *q = mlg_malloc((n + 1) * sizeof(*q)), p;
	uint64_t i, j, lo, hi;

	for (j = 0; j <= n; j++)
		q[j] = 1;
	for (i = 0; i <= m; i++) {
		/* inside: i n - t < j m < i n + t */
		lo = i * n >= t ? (i * n - t) / m + 1 : 0;
		hi = (i * n + t - 1) / m;
		if (hi > n)
			hi = n;
		if (lo)
			q[lo - 1] = 1;
		for (j = lo; j <= hi; j++)
			q[j] = i + j ? ((double)i * q[j] +
					(j ? (double)j * q[j - 1] : 0)) /
					       (double)(i + j)
				     : 0;
	}
	p = q[n];
	free(q);
	return p;
}

/* Sizes up to which the p-value is exact, as scipy's method "auto". */
#define KS_EXACT_MAX 10000

static void ks_fill(struct mlg_drift_result *out, const struct sample *a,
		    const struct sample *b)
{
	double d = 0, en;

	init_result(out, MLG_DRIFT_KS);
	walk(a, b, 1, ks_step, &d);
	en = (double)a->n * (double)b->n / ((double)a->n + (double)b->n);
	out->value = d;
	/* Each sketch CDF is within its eps of the true one everywhere, so
	 * the exact D is at least D - eps_ref - eps_cur: the p-value of that
	 * is never below the exact p-value, and the sketch cannot fail a
	 * column that the exact test passes. */
	out->err = a->eps + b->eps;
	out->low = d > out->err ? d - out->err : 0;
	out->p_value = mlg_drift_kolmogorov_sf(sqrt(en) * out->low);
	/* D m n is a whole number: |i n - j m| at the widest gap. Where the
	 * asymptotic p-value is below 1e-300 the exact one is as far below
	 * any limit, and its band the widest: not worth the time. */
	if (!out->err && d > 0 && a->n <= KS_EXACT_MAX &&
	    b->n <= KS_EXACT_MAX && out->p_value > 1e-300)
		out->p_value = ks_exact_sf(
			a->n, b->n,
			(uint64_t)llround(d * (double)a->n * (double)b->n));
	out->n_ref = a->n;
	out->n_cur = b->n;
}

/*
 * A power of two that brings magnitudes above 2^400 down near 1, else 1:
 * so that gaps, and squares weighted by up to 2^64, cannot overflow, and
 * values near DBL_MAX still have a finite distance and spread. Scaling
 * by a power of two is exact but for values some 2^1000 below the
 * largest, which become subnormal or 0, invisible beside it anyway; data
 * of ordinary size is not scaled.
 */
static double scale_of(const struct sample *a, const struct sample *b)
{
	double m = fmax(fmax(fabs(a->lo), fabs(a->hi)),
			fmax(fabs(b->lo), fabs(b->hi)));

	return m > 0x1p400 ? ldexp(1, -ilogb(m)) : 1;
}

/* x / scale, which saturates at DBL_MAX: a distance between values near
 * +-DBL_MAX may exceed it. */
static double unscale(double x, double scale)
{
	return fmin(x / scale, DBL_MAX);
}

/* The population standard deviation of the items, times `scale`. */
static double sample_std(const struct sample *s, double scale)
{
	double mean = 0, m2 = 0, d;
	size_t i;

	for (i = 0; i < s->len; i++)
		mean += s->it[i].v * scale * (double)s->it[i].w;
	mean /= (double)s->n;
	for (i = 0; i < s->len; i++) {
		d = s->it[i].v * scale - mean;
		m2 += d * d * (double)s->it[i].w;
	}
	return sqrt(m2 / (double)s->n);
}

/*
 * `std` is the reference's, or NaN to take it from the items. Both
 * sketch estimates, distance and `norm`, are judged, as PSI is: their
 * measured error is far below the limits, while `low` (kept for the
 * record) would miss a normal shifted by 0.2 sd (drift.h).
 */
static void w1_fill(struct mlg_drift_result *out, const struct sample *a,
		    const struct sample *b, double std)
{
	double s = scale_of(a, b);
	struct w1 w = {0, 0, a->eps + b->eps};

	init_result(out, MLG_DRIFT_WASSERSTEIN);
	walk(a, b, s, w1_step, &w);
	/* A spread that overflowed (moments of values near DBL_MAX) is
	 * taken from the items, scaled. */
	std = isfinite(std) ? std * s : sample_std(a, s);
	out->value = unscale(w.sum, s);
	/* |F' - F| <= eps inside [min, max] and 0 outside, on each side. */
	out->err = unscale(a->eps * (a->hi * s - a->lo * s) +
				   b->eps * (b->hi * s - b->lo * s),
			   s);
	out->low = unscale(w.low, s);
	out->norm = fmin(w.sum / fmax(std, 0.001 * s), DBL_MAX);
	out->n_ref = a->n;
	out->n_cur = b->n;
}

/* Shares of 0 become the floor, so the logarithm stays finite. */
static double psi_term(double p, double q, size_t *empty)
{
	if (p == 0) {
		p = MLG_DRIFT_PSI_FLOOR;
		(*empty)++;
	}
	if (q == 0) {
		q = MLG_DRIFT_PSI_FLOOR;
		(*empty)++;
	}
	return (q - p) * log(q / p);
}

static int psi_from(struct mlg_drift_result *out, const double *rc,
		    const double *cc, size_t nbins)
{
	double nr = 0, nc = 0, sum = 0;
	size_t i;

	init_result(out, MLG_DRIFT_PSI);
	for (i = 0; i < nbins; i++) {
		nr += rc[i];
		nc += cc[i];
	}
	if (!(nr > 0))
		return mlg_error_set(MLG_EINVALID, "the reference is empty");
	if (!(nc > 0))
		return mlg_error_set(MLG_EINVALID, "the current data is empty");
	for (i = 0; i < nbins; i++)
		sum += psi_term(rc[i] / nr, cc[i] / nc, &out->empty);
	out->value = sum;
	out->low = sum;
	out->nbins = nbins;
	out->n_ref = (uint64_t)nr;
	out->n_cur = (uint64_t)nc;
	return 0;
}

static int check_bins(size_t nbins)
{
	if (nbins < 1 || nbins > 65536)
		return mlg_error_set(MLG_EINVALID,
				     "the number of bins must be 1 to 65536, "
				     "got %zu",
				     nbins);
	return 0;
}

/* Drop repeated edges and edges at the maximum: each would make an empty
 * reference bin, which only the floor would keep finite. */
static size_t dedup_edges(double *e, size_t n, double max)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (e[i] < max && (!o || e[i] > e[o - 1]))
			e[o++] = e[i];
	return o;
}

/* Bin i holds e[i-1] < x <= e[i]: the count of edges below x. */
static void bin_sample(double *counts, const struct sample *s, const double *e,
		       size_t ne)
{
	size_t i, b = 0;

	for (i = 0; i < s->len; i++) {
		while (b < ne && e[b] < s->it[i].v)
			b++;
		counts[b] += (double)s->it[i].w;
	}
}

/* The shares a bin may truly have, as psi_term() counts them: s within
 * d, where a true share of 0 (possible when s <= d) counts as the floor
 * and the smallest other one is 1 / n. */
static void share_range(double *lo, double *hi, double s, double d, double n)
{
	*hi = fmin(1, s + d);
	if (s > d) {
		*lo = s - d;
	} else if (d == 0) {
		*lo = *hi = MLG_DRIFT_PSI_FLOOR;
	} else {
		*lo = fmin(MLG_DRIFT_PSI_FLOOR, 1 / n);
		*hi = fmax(*hi, MLG_DRIFT_PSI_FLOOR);
	}
}

static double psi_f(double p, double q)
{
	return (q - p) * log(q / p);
}

/*
 * PSI is a sum of convex terms, each 0 where p = q, falling toward the
 * diagonal: over the box of possible <p, q> a term is smallest at the
 * corner nearest the diagonal (0 if the box meets it) and largest at a
 * corner. The sums bound the PSI of the true shares in these bins.
 */
static void psi_bounds(struct mlg_drift_result *out, const double *rc,
		       const double *cc, size_t nbins, const struct sample *a,
		       const struct sample *b)
{
	double low = 0, high = 0, pl, ph, ql, qh, t;
	size_t i, edges;

	for (i = 0; i < nbins; i++) {
		/* A share is the difference of the ranks at its edges. */
		edges = (i > 0) + (i + 1 < nbins);
		share_range(&pl, &ph, rc[i] / (double)a->n,
			    (double)edges * a->eps, (double)a->n);
		share_range(&ql, &qh, cc[i] / (double)b->n,
			    (double)edges * b->eps, (double)b->n);
		if (ph < ql)
			low += psi_f(ph, ql);
		else if (qh < pl)
			low += psi_f(pl, qh);
		t = fmax(fmax(psi_f(pl, ql), psi_f(pl, qh)),
			 fmax(psi_f(ph, ql), psi_f(ph, qh)));
		high += t;
	}
	out->low = fmin(low, out->value);
	out->err = fmax(high - out->value, out->value - out->low);
}

static int psi_samples(struct mlg_drift_result *out, const struct sample *a,
		       const struct sample *b, double *e, size_t ne)
{
	double *rc, *cc, max = a->it[a->len - 1].v;
	size_t asked = ne;
	int ret;

	/* A reference all, or mostly, at its maximum m (a constant one, or
	 * 99 twos and a one) keeps no edge, and one bin is blind to any
	 * shift: split it below, at and above m. `e` has room for ne + 1
	 * edges; ne 0 is one bin asked for, left alone. */
	ne = dedup_edges(e, ne, max);
	if (asked && !ne) {
		e[0] = nextafter(max, -INFINITY);
		e[1] = max;
		ne = 2;
	}
	rc = mlg_calloc(ne + 1, sizeof(double));
	cc = mlg_calloc(ne + 1, sizeof(double));
	bin_sample(rc, a, e, ne);
	bin_sample(cc, b, e, ne);
	ret = psi_from(out, rc, cc, ne + 1);
	if (!ret && (a->eps > 0 || b->eps > 0))
		psi_bounds(out, rc, cc, ne + 1, a, b);
	/* The sketch weights add up to n; report the true sizes. */
	out->n_ref = a->n;
	out->n_cur = b->n;
	free(rc);
	free(cc);
	return ret;
}

int mlg_drift_psi(struct mlg_drift_result *out, const double *ref, size_t nref,
		  const double *cur, size_t ncur, size_t nbins)
{
	struct sample a = {0}, b = {0};
	double *e = NULL;
	size_t i;
	int ret;

	if ((ret = check_bins(nbins)) ||
	    (ret = from_array(&a, ref, nref, "reference")) ||
	    (ret = from_array(&b, cur, ncur, "current data")))
		goto done;
	e = mlg_malloc(nbins * sizeof(double));
	/* Index ceil(i n / nbins) - 1 in integers: no rounding of q n. */
	for (i = 1; i < nbins; i++)
		e[i - 1] = a.it[(i * nref + nbins - 1) / nbins - 1].v;
	ret = psi_samples(out, &a, &b, e, nbins - 1);
done:
	free(e);
	free(a.it);
	free(b.it);
	return ret;
}

int mlg_drift_psi_kll(struct mlg_drift_result *out, const struct mlg_kll *ref,
		      const struct mlg_kll *cur, size_t nbins)
{
	struct sample a = {0}, b = {0};
	double *e = NULL;
	int ret;

	if ((ret = check_bins(nbins)) ||
	    (ret = from_kll(&a, ref, "reference")) ||
	    (ret = from_kll(&b, cur, "current data")))
		goto done;
	e = mlg_malloc((nbins + 1) * sizeof(double));
	if ((ret = mlg_kll_bin_edges(e, ref, nbins)))
		goto done;
	ret = psi_samples(out, &a, &b, e + 1, nbins - 1);
done:
	free(e);
	free(a.it);
	free(b.it);
	return ret;
}

int mlg_drift_psi_counts(struct mlg_drift_result *out, const uint64_t *ref,
			 const uint64_t *cur, size_t nbins)
{
	double *rc, *cc;
	size_t i;
	int ret;

	if ((ret = check_bins(nbins)))
		return ret;
	rc = mlg_malloc(nbins * sizeof(double));
	cc = mlg_malloc(nbins * sizeof(double));
	for (i = 0; i < nbins; i++) {
		rc[i] = (double)ref[i];
		cc[i] = (double)cur[i];
	}
	ret = psi_from(out, rc, cc, nbins);
	free(rc);
	free(cc);
	return ret;
}

int mlg_drift_psi_hist(struct mlg_drift_result *out, const struct mlg_hist *ref,
		       const struct mlg_hist *cur)
{
	double *rc, *cc;
	size_t i, n = ref->nbins;
	int ret;

	if (n != cur->nbins ||
	    memcmp(ref->edges, cur->edges, (n + 1) * sizeof(double)))
		return mlg_error_set(MLG_EINVALID,
				     "cannot compare histograms with different "
				     "edges");
	rc = mlg_malloc(n * sizeof(double));
	cc = mlg_malloc(n * sizeof(double));
	for (i = 0; i < n; i++) {
		rc[i] = (double)ref->counts[i];
		cc[i] = (double)cur->counts[i];
	}
	rc[0] += (double)ref->under;
	cc[0] += (double)cur->under;
	rc[n - 1] += (double)ref->over;
	cc[n - 1] += (double)cur->over;
	ret = psi_from(out, rc, cc, n);
	free(rc);
	free(cc);
	return ret;
}

int mlg_drift_ks(struct mlg_drift_result *out, const double *ref, size_t nref,
		 const double *cur, size_t ncur)
{
	struct sample a = {0}, b = {0};
	int ret;

	if (!(ret = from_array(&a, ref, nref, "reference")) &&
	    !(ret = from_array(&b, cur, ncur, "current data")))
		ks_fill(out, &a, &b);
	free(a.it);
	free(b.it);
	return ret;
}

int mlg_drift_ks_kll(struct mlg_drift_result *out, const struct mlg_kll *ref,
		     const struct mlg_kll *cur)
{
	struct sample a = {0}, b = {0};
	int ret;

	if (!(ret = from_kll(&a, ref, "reference")) &&
	    !(ret = from_kll(&b, cur, "current data")))
		ks_fill(out, &a, &b);
	free(a.it);
	free(b.it);
	return ret;
}

int mlg_drift_wasserstein(struct mlg_drift_result *out, const double *ref,
			  size_t nref, const double *cur, size_t ncur)
{
	struct sample a = {0}, b = {0};
	int ret;

	if (!(ret = from_array(&a, ref, nref, "reference")) &&
	    !(ret = from_array(&b, cur, ncur, "current data")))
		w1_fill(out, &a, &b, NAN);
	free(a.it);
	free(b.it);
	return ret;
}

int mlg_drift_wasserstein_kll(struct mlg_drift_result *out,
			      const struct mlg_kll *ref,
			      const struct mlg_kll *cur,
			      const struct mlg_moments *ref_moments)
{
	struct sample a = {0}, b = {0};
	int ret;

	if (!(ret = from_kll(&a, ref, "reference")) &&
	    !(ret = from_kll(&b, cur, "current data")))
		w1_fill(out, &a, &b,
			ref_moments && ref_moments->count
				? mlg_moments_stddev(ref_moments, 0)
				: NAN);
	free(a.it);
	free(b.it);
	return ret;
}

/*
 * Regularized gamma functions (Numerical Recipes' split): the series of
 * P(a, x) converges fast below x = a + 1, the continued fraction of
 * Q(a, x) (modified Lentz) above it, each where the other is slow.
 */
static double gamma_prefix(double a, double x)
{
	return exp(-x + a * log(x) - lgamma(a));
}

double mlg_drift_chisq_sf(double x, double dof)
{
	double a = dof / 2, y = x / 2, sum, del, ap, b, c, d, h, an;
	const double tiny = 1e-300;
	int i;

	if (isnan(x) || !(dof > 0))
		return NAN;
	if (y <= 0)
		return 1;
	if (y < a + 1) {
		ap = a;
		sum = del = 1 / a;
		for (i = 0; i < 100000; i++) {
			ap += 1;
			del *= y / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * 1e-17)
				break;
		}
		return 1 - sum * gamma_prefix(a, y);
	}
	b = y + 1 - a;
	c = 1 / tiny;
	d = 1 / b;
	h = d;
	for (i = 1; i < 100000; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return gamma_prefix(a, y) * h;
}

/* Categories in use, their totals, new and vanished ones. */
static int cat_totals(struct mlg_drift_result *out, enum mlg_drift_method m,
		      const uint64_t *ref, const uint64_t *cur, size_t ncat,
		      double *nr, double *nc)
{
	size_t i;

	init_result(out, m);
	*nr = *nc = 0;
	for (i = 0; i < ncat; i++) {
		*nr += (double)ref[i];
		*nc += (double)cur[i];
		if (ref[i] || cur[i])
			out->nbins++;
		if (!ref[i] && cur[i])
			out->new_categories++;
		if (ref[i] && !cur[i])
			out->vanished_categories++;
	}
	if (!(*nr > 0))
		return mlg_error_set(MLG_EINVALID, "the reference is empty");
	if (!(*nc > 0))
		return mlg_error_set(MLG_EINVALID, "the current data is empty");
	out->n_ref = (uint64_t)*nr;
	out->n_cur = (uint64_t)*nc;
	return 0;
}

int mlg_drift_chisq(struct mlg_drift_result *out, const uint64_t *ref,
		    const uint64_t *cur, size_t ncat)
{
	double nr, nc, norm = 0, p, e, o, sum = 0;
	size_t i;
	int ret;

	if ((ret = cat_totals(out, MLG_DRIFT_CHISQ, ref, cur, ncat, &nr, &nc)))
		return ret;
	for (i = 0; i < ncat; i++)
		if (ref[i] || cur[i])
			norm += ref[i] ? (double)ref[i] / nr
				       : MLG_DRIFT_PSI_FLOOR;
	for (i = 0; i < ncat; i++) {
		if (!ref[i] && !cur[i])
			continue;
		p = ref[i] ? (double)ref[i] / nr : MLG_DRIFT_PSI_FLOOR;
		e = p / norm * nc;
		o = (double)cur[i];
		sum += (o - e) * (o - e) / e;
	}
	out->value = sum;
	out->dof = (double)out->nbins - 1;
	out->p_value = out->dof > 0 ? mlg_drift_chisq_sf(sum, out->dof) : 1;
	if (out->dof == 0)
		out->value = 0;
	out->low = out->value;
	return 0;
}

int mlg_drift_linf(struct mlg_drift_result *out, const uint64_t *ref,
		   const uint64_t *cur, size_t ncat)
{
	double nr, nc, d;
	size_t i;
	int ret;

	if ((ret = cat_totals(out, MLG_DRIFT_LINF, ref, cur, ncat, &nr, &nc)))
		return ret;
	for (i = 0; i < ncat; i++) {
		d = fabs((double)ref[i] / nr - (double)cur[i] / nc);
		if (d > out->value)
			out->value = d;
	}
	out->low = out->value;
	return 0;
}

/* p log2(p / m), with 0 log 0 = 0. */
static double kl_term(double p, double m)
{
	return p > 0 ? p * log(p / m) : 0;
}

int mlg_drift_js(struct mlg_drift_result *out, const uint64_t *ref,
		 const uint64_t *cur, size_t ncat)
{
	double nr, nc, p, q, m, sum = 0;
	size_t i;
	int ret;

	if ((ret = cat_totals(out, MLG_DRIFT_JS, ref, cur, ncat, &nr, &nc)))
		return ret;
	for (i = 0; i < ncat; i++) {
		p = (double)ref[i] / nr;
		q = (double)cur[i] / nc;
		m = (p + q) / 2;
		sum += kl_term(p, m) + kl_term(q, m);
	}
	/* Rounding may leave it a hair outside [0, 1]. */
	out->value = fmin(1, fmax(0, sum / (2 * M_LN2)));
	out->low = out->value;
	return 0;
}

/* Top-k summaries as aligned counts, plus what the rules of drift.h say
 * about new and vanished categories. */
struct aligned {
	uint64_t *ref, *cur;
	size_t n;
	size_t nnew, nvanished;
};

static int cmp_hash(const void *a, const void *b)
{
	uint64_t x = ((const struct mlg_topk_item *)a)->hash;
	uint64_t y = ((const struct mlg_topk_item *)b)->hash;

	return (x > y) - (x < y);
}

static void align(struct aligned *out, const struct mlg_topk *r,
		  const struct mlg_topk *c)
{
	struct mlg_topk_item *a = mlg_malloc((r->nitems + 1) * sizeof(*a));
	struct mlg_topk_item *b = mlg_malloc((c->nitems + 1) * sizeof(*b));
	size_t na = mlg_topk_list(a, r, r->nitems);
	size_t nb = mlg_topk_list(b, c, c->nitems);
	size_t i = 0, j = 0, o = 0;
	uint64_t sr = 0, sc = 0;
	int rfull = !mlg_topk_exact(r), cfull = !mlg_topk_exact(c);

	qsort(a, na, sizeof(*a), cmp_hash);
	qsort(b, nb, sizeof(*b), cmp_hash);
	out->ref = mlg_calloc(na + nb + 1, sizeof(uint64_t));
	out->cur = mlg_calloc(na + nb + 1, sizeof(uint64_t));
	out->nnew = out->nvanished = 0;
	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].hash < b[j].hash)) {
			out->ref[o] = a[i].count - a[i].err;
			out->nvanished += !cfull;
			i++;
		} else if (i == na || b[j].hash < a[i].hash) {
			out->cur[o] = b[j].count - b[j].err;
			out->nnew += !rfull;
			j++;
		} else {
			out->ref[o] = a[i].count - a[i].err;
			out->cur[o] = b[j].count - b[j].err;
			i++;
			j++;
		}
		sr += out->ref[o];
		sc += out->cur[o++];
	}
	/* The mass the lists do not guarantee: one "other" category. */
	out->ref[o] = r->n > sr ? r->n - sr : 0;
	out->cur[o] = c->n > sc ? c->n - sc : 0;
	out->n = o + 1;
	free(a);
	free(b);
}

typedef int (*cat_fn)(struct mlg_drift_result *, const uint64_t *,
		      const uint64_t *, size_t);

static int on_topk(struct mlg_drift_result *out, cat_fn fn,
		   const struct mlg_topk *r, const struct mlg_topk *c)
{
	struct aligned al;
	int ret;

	align(&al, r, c);
	ret = fn(out, al.ref, al.cur, al.n);
	if (!ret) {
		out->new_categories = al.nnew;
		out->vanished_categories = al.nvanished;
	}
	free(al.ref);
	free(al.cur);
	return ret;
}

int mlg_drift_chisq_topk(struct mlg_drift_result *out,
			 const struct mlg_topk *ref, const struct mlg_topk *cur)
{
	return on_topk(out, mlg_drift_chisq, ref, cur);
}

int mlg_drift_linf_topk(struct mlg_drift_result *out,
			const struct mlg_topk *ref, const struct mlg_topk *cur)
{
	return on_topk(out, mlg_drift_linf, ref, cur);
}

int mlg_drift_js_topk(struct mlg_drift_result *out, const struct mlg_topk *ref,
		      const struct mlg_topk *cur)
{
	return on_topk(out, mlg_drift_js, ref, cur);
}

int mlg_drift_missing(struct mlg_drift_result *out, uint64_t ref_missing,
		      uint64_t ref_rows, uint64_t cur_missing,
		      uint64_t cur_rows)
{
	init_result(out, MLG_DRIFT_MISSING);
	if (!ref_rows || !cur_rows)
		return mlg_error_set(MLG_EINVALID, "the %s has no rows",
				     ref_rows ? "current data" : "reference");
	if (ref_missing > ref_rows || cur_missing > cur_rows)
		return mlg_error_set(MLG_EINVALID,
				     "more missing cells than rows");
	out->share_ref = (double)ref_missing / (double)ref_rows;
	out->share_cur = (double)cur_missing / (double)cur_rows;
	/* One rounding of |cm rr - rm cr| / (rr cr), not the difference of
	 * two rounded shares: 30% - 20% came out below a limit of 0.1. */
	out->value = (double)(fabsl((long double)cur_missing * ref_rows -
				    (long double)ref_missing * cur_rows) /
			      ((long double)ref_rows * cur_rows));
	out->low = out->value;
	out->n_ref = ref_rows;
	out->n_cur = cur_rows;
	return 0;
}

void mlg_drift_limits_default(struct mlg_drift_limits *out,
			      enum mlg_drift_method method)
{
	switch (method) {
	case MLG_DRIFT_PSI:
		out->warn = 0.1;
		out->fail = 0.25;
		break;
	case MLG_DRIFT_KS:
	case MLG_DRIFT_CHISQ:
		out->warn = 0.15;
		out->fail = 0.05;
		break;
	case MLG_DRIFT_LINF:
		out->warn = out->fail = 0.01;
		break;
	case MLG_DRIFT_MISSING:
		out->warn = 0.05;
		out->fail = 0.1;
		break;
	case MLG_DRIFT_WASSERSTEIN:
	case MLG_DRIFT_JS:
	default:
		out->warn = out->fail = 0.1;
		break;
	}
}

static int p_valued(enum mlg_drift_method m)
{
	return m == MLG_DRIFT_KS || m == MLG_DRIFT_CHISQ;
}

double mlg_drift_score(const struct mlg_drift_result *r)
{
	if (p_valued(r->method))
		return r->p_value;
	if (r->method == MLG_DRIFT_WASSERSTEIN)
		return r->norm;
	/* Not PSI's `low`: its sound bound is far too loose to judge by. */
	return r->value;
}

enum mlg_drift_level mlg_drift_judge(const struct mlg_drift_result *r,
				     const struct mlg_drift_limits *lim)
{
	struct mlg_drift_limits def;
	double s = mlg_drift_score(r);

	if (!lim) {
		mlg_drift_limits_default(&def, r->method);
		lim = &def;
	}
	if (p_valued(r->method)) {
		if (s <= lim->fail)
			return MLG_DRIFT_FAIL;
		return s <= lim->warn ? MLG_DRIFT_WARN : MLG_DRIFT_OK;
	}
	if (s >= lim->fail)
		return MLG_DRIFT_FAIL;
	return s >= lim->warn ? MLG_DRIFT_WARN : MLG_DRIFT_OK;
}

const char *mlg_drift_method_name(enum mlg_drift_method method)
{
	static const char *const names[] = {
		"psi", "ks", "wasserstein", "chisq", "linf", "js", "missing"};

	if ((unsigned)method < MLG_ARRAY_SIZE(names))
		return names[method];
	return "unknown";
}

void mlg_drift_dataset(struct mlg_drift_dataset *out,
		       const enum mlg_drift_level *levels,
		       const struct mlg_drift_result *results, size_t ncol,
		       double share)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->threshold = share > 0 ? share : MLG_DRIFT_SHARE_DEFAULT;
	out->ncolumns = ncol;
	for (i = 0; i < ncol; i++) {
		out->ndrifted += levels[i] == MLG_DRIFT_FAIL;
		if (results) {
			out->new_categories += results[i].new_categories;
			out->vanished_categories +=
				results[i].vanished_categories;
		}
	}
	out->share = ncol ? (double)out->ndrifted / (double)ncol : 0;
	out->drifted = ncol && out->share >= out->threshold;
}
