/* stats.c - exact mergeable statistics: moments and fixed histograms */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/stats.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

void mlg_moments_init(struct mlg_moments *m)
{
	memset(m, 0, sizeof(*m));
}

void mlg_moments_release(struct mlg_moments *m)
{
	memset(m, 0, sizeof(*m));
}

void mlg_moments_add_null(struct mlg_moments *m)
{
	m->nulls++;
}

void mlg_moments_merge(struct mlg_moments *a, const struct mlg_moments *b)
{
	struct mlg_moments r = *a;
	double na, nb, n, d, e;

	r.nulls += b->nulls;
	r.nonfinite += b->nonfinite;
	if (!b->count) {
		*a = r;
		return;
	}
	if (!a->count) {
		r.count = b->count;
		r.min = b->min;
		r.max = b->max;
		r.mean = b->mean;
		r.m2 = b->m2;
		r.sum = b->sum;
		r.sum_err = b->sum_err;
		*a = r;
		return;
	}
	na = (double)a->count;
	nb = (double)b->count;
	r.count = a->count + b->count;
	n = (double)r.count;
	r.min = fmin(a->min, b->min);
	r.max = fmax(a->max, b->max);
	d = b->mean - a->mean;
	r.mean = isinf(d) ? mlg_moments_between(a->mean, b->mean, a->count,
						b->count)
			  : a->mean + d * (nb / n);
	r.m2 = a->m2 + b->m2 + d * d * (na * (nb / n));
	mlg_two_sum(&r.sum, &e, a->sum, b->sum);
	r.sum_err = a->sum_err + b->sum_err + e;
	*a = r;
}

double mlg_moments_sum(const struct mlg_moments *m)
{
	/* After an overflow the error term is NaN: inf - inf. */
	if (!isfinite(m->sum))
		return m->sum;
	return m->sum + m->sum_err;
}

double mlg_moments_mean(const struct mlg_moments *m)
{
	return m->count ? m->mean : NAN;
}

double mlg_moments_variance(const struct mlg_moments *m, int sample)
{
	if (m->count < (sample ? 2u : 1u))
		return NAN;
	return m->m2 / (double)(m->count - (sample ? 1 : 0));
}

double mlg_moments_stddev(const struct mlg_moments *m, int sample)
{
	return sqrt(mlg_moments_variance(m, sample));
}

/* JSON has no NaN or infinity: spell them as the protobuf mapping does. */
static json_t *real_json(double x)
{
	if (isnan(x))
		return json_string("NaN");
	if (isinf(x))
		return json_string(x > 0 ? "Infinity" : "-Infinity");
	return json_real(x);
}

static char *member_ptr(const char *ptr, const char *key)
{
	struct mlg_buf p = MLG_BUF_INIT;

	mlg_buf_adds(&p, ptr);
	mlg_json_pointer_append(&p, key);
	return mlg_buf_detach(&p, NULL);
}

/* A required member holding a count: an integer from 0 to INT64_MAX. */
static int get_count(uint64_t *out, const struct mlg_json_doc *doc, json_t *obj,
		     const char *ptr, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct mlg_buf text = MLG_BUF_INIT;
	char *p;
	int rc;

	if (!v)
		return mlg_json_error(doc, ptr,
				      "missing required property '%s'", key);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	p = member_ptr(ptr, key);
	mlg_json_dump(&text, v, 0);
	if (text.len > 40) {
		mlg_buf_truncate(&text, 40);
		mlg_buf_adds(&text, "...");
	}
	rc = mlg_json_error(doc, p,
			    "expected a count (a non-negative integer), "
			    "found %s",
			    text.ptr);
	mlg_buf_release(&text);
	free(p);
	return rc;
}

/*
 * A required real member: a number, or one of the three strings of
 * real_json() when `special` is set. JSON null sets *is_null when it is
 * not NULL, and is a type error otherwise.
 */
static int get_real(double *out, int *is_null, const struct mlg_json_doc *doc,
		    json_t *obj, const char *ptr, const char *key, int special)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	char *p;
	int rc;

	if (!v)
		return mlg_json_error(doc, ptr,
				      "missing required property '%s'", key);
	if (is_null)
		*is_null = json_is_null(v);
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (is_null && json_is_null(v))
		return 0;
	s = json_string_value(v);
	if (special && s && !strcmp(s, "NaN"))
		*out = NAN;
	else if (special && s && !strcmp(s, "Infinity"))
		*out = INFINITY;
	else if (special && s && !strcmp(s, "-Infinity"))
		*out = -INFINITY;
	else
		s = NULL;
	if (s)
		return 0;
	p = member_ptr(ptr, key);
	rc = mlg_json_error(doc, p, "expected a number, found %s",
			    mlg_json_type_name(v));
	free(p);
	return rc;
}

static int error_at(const struct mlg_json_doc *doc, const char *ptr,
		    const char *key, const char *msg)
{
	char *p = member_ptr(ptr, key);
	int rc = mlg_json_error(doc, p, "%s", msg);

	free(p);
	return rc;
}

json_t *mlg_moments_to_json(const struct mlg_moments *m)
{
	json_t *o = json_object();
	int none = !m->count;

	json_object_set_new(o, "count", json_integer((json_int_t)m->count));
	json_object_set_new(o, "nulls", json_integer((json_int_t)m->nulls));
	json_object_set_new(o, "nonfinite",
			    json_integer((json_int_t)m->nonfinite));
	json_object_set_new(o, "min", none ? json_null() : json_real(m->min));
	json_object_set_new(o, "max", none ? json_null() : json_real(m->max));
	json_object_set_new(o, "sum", real_json(mlg_moments_sum(m)));
	json_object_set_new(o, "mean", none ? json_null() : real_json(m->mean));
	json_object_set_new(o, "m2", real_json(m->m2));
	return o;
}

int mlg_moments_from_json(struct mlg_moments *out,
			  const struct mlg_json_doc *doc, json_t *v,
			  const char *ptr)
{
	static const char *const keys[] = {"count", "nulls", "nonfinite",
					   "min",   "max",   "sum",
					   "mean",  "m2",    NULL};
	struct mlg_moments m;
	int null_min, null_max, null_mean;
	double tol;
	int rc;

	mlg_moments_init(out);
	mlg_moments_init(&m);
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (!rc)
		rc = get_count(&m.count, doc, v, ptr, "count");
	if (!rc)
		rc = get_count(&m.nulls, doc, v, ptr, "nulls");
	if (!rc)
		rc = get_count(&m.nonfinite, doc, v, ptr, "nonfinite");
	if (!rc && (m.count + m.nulls < m.count ||
		    m.count + m.nulls + m.nonfinite < m.nonfinite ||
		    m.count + m.nulls + m.nonfinite > INT64_MAX))
		rc = mlg_json_error(doc, ptr, "total count is too large");
	if (!rc)
		rc = get_real(&m.min, &null_min, doc, v, ptr, "min", 0);
	if (!rc)
		rc = get_real(&m.max, &null_max, doc, v, ptr, "max", 0);
	if (!rc)
		rc = get_real(&m.sum, NULL, doc, v, ptr, "sum", 1);
	if (!rc)
		rc = get_real(&m.mean, &null_mean, doc, v, ptr, "mean", 1);
	if (!rc)
		rc = get_real(&m.m2, NULL, doc, v, ptr, "m2", 1);
	if (rc)
		return rc;
	if (null_min != !m.count || null_max != !m.count ||
	    null_mean != !m.count) {
		const char *key = null_min != !m.count	 ? "min"
				  : null_max != !m.count ? "max"
							 : "mean";
		return error_at(doc, ptr, key,
				m.count ? "expected a number when count is "
					  "not 0"
					: "expected null when count is 0");
	}
	if (!m.count) {
		m.min = m.max = m.mean = 0;
	} else if (m.min > m.max) {
		return error_at(doc, ptr, "min", "min is greater than max");
	} else {
		/* Welford's mean may stray from [min, max] by rounding. */
		tol = 1e-9 * fmax(fabs(m.min), fabs(m.max));
		if (!(m.mean >= m.min - tol && m.mean <= m.max + tol))
			return error_at(doc, ptr, "mean",
					"mean is outside [min, max]");
	}
	if (m.m2 < 0)
		return error_at(doc, ptr, "m2", "m2 is negative");
	*out = m;
	return 0;
}

void mlg_lengths_merge(struct mlg_lengths *a, const struct mlg_lengths *b)
{
	if (!b->count)
		return;
	if (!a->count || b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	a->count += b->count;
	a->sum += b->sum;
	a->sumsq += b->sumsq;
}

double mlg_lengths_mean(const struct mlg_lengths *l)
{
	return l->count ? (double)l->sum / (double)l->count : NAN;
}

/* sum^2 = q n + r: M2 = n sumsq - sum^2 over n = (sumsq - q) - r / n,
 * in integers but for the last step. */
static double lengths_m2(const struct mlg_lengths *l)
{
	unsigned __int128 s2 = (unsigned __int128)l->sum * l->sum, q;

	if (!l->count)
		return 0;
	q = s2 / l->count;
	if (l->sumsq <= q)
		return 0;
	return (double)(l->sumsq - q) -
	       (double)(uint64_t)(s2 % l->count) / (double)l->count;
}

json_t *mlg_lengths_to_json(const struct mlg_lengths *l)
{
	struct mlg_moments m;

	mlg_moments_init(&m);
	m.count = l->count;
	if (l->count) {
		m.min = (double)l->min;
		m.max = (double)l->max;
		m.sum = (double)l->sum;
		m.mean = mlg_lengths_mean(l);
		m.m2 = lengths_m2(l);
	}
	return mlg_moments_to_json(&m);
}

/* A length as moments carry it: a whole number in [0, 2^64). */
static int whole(uint64_t *out, double x)
{
	if (!(x >= 0 && x < 0x1p64 && x == floor(x)))
		return 0;
	*out = (uint64_t)x;
	return 1;
}

int mlg_lengths_from_json(struct mlg_lengths *out,
			  const struct mlg_json_doc *doc, json_t *v,
			  const char *ptr)
{
	struct mlg_lengths l = {0};
	struct mlg_moments m;
	unsigned __int128 s2, least, most;
	const char *bad;
	double sq;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_moments_from_json(&m, doc, v, ptr)))
		return rc;
	if (m.nulls || m.nonfinite)
		return error_at(doc, ptr, m.nulls ? "nulls" : "nonfinite",
				"lengths have no nulls or non-finite values");
	if (!m.count)
		return 0;
	l.count = m.count;
	bad = !whole(&l.min, m.min)   ? "min"
	      : !whole(&l.max, m.max) ? "max"
	      : !whole(&l.sum, m.sum) ? "sum"
				      : NULL;
	if (bad)
		return error_at(doc, ptr, bad,
				"lengths are whole numbers, not negative");
	/* The mean is not read: written again it is sum / count, which
	 * must lie in [min, max] for the file to read back. */
	if ((unsigned __int128)l.min * l.count > l.sum ||
	    (unsigned __int128)l.max * l.count < l.sum)
		return error_at(doc, ptr, "sum",
				"sum is outside [count * min, count * max]");
	/* sumsq = M2 + sum^2 / n, to rounding; never below sum^2 / n,
	 * which would make M2 negative. */
	sq = m.m2 + (double)l.sum * ((double)l.sum / (double)l.count);
	if (!(sq < 0x1p127))
		return error_at(doc, ptr, "m2", "m2 is too large");
	/* no more than count lengths of at most max can have: merged,
	 * states stay within what their counts and maxima allow */
	if (sq >
	    (double)l.count * (double)l.max * (double)l.max * (1 + 1e-9) + 1)
		return error_at(doc, ptr, "m2",
				"m2 is too large for count lengths of at "
				"most max");
	s2 = (unsigned __int128)l.sum * l.sum;
	least = s2 / l.count + (s2 % l.count != 0);
	l.sumsq = (unsigned __int128)(sq + 0.5);
	/* Within that slack, no more than count lengths of max have: two
	 * states at the slack's edge merge into one past it otherwise. */
	most = (unsigned __int128)l.count * l.max;
	if (!l.max || most <= ~(unsigned __int128)0 / l.max) {
		most *= l.max;
		if (l.sumsq > most)
			l.sumsq = most;
	}
	if (l.sumsq < least)
		l.sumsq = least;
	*out = l;
	return 0;
}

int mlg_hist_init(struct mlg_hist *h, const double *edges, size_t nedges)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	if (nedges < 2 || nedges > MLG_HIST_MAX_BINS + 1)
		return mlg_error_set(MLG_EINVALID,
				     "a histogram needs 2 to %d edges, got %zu",
				     MLG_HIST_MAX_BINS + 1, nedges);
	for (i = 0; i < nedges; i++) {
		if (!isfinite(edges[i]))
			return mlg_error_set(MLG_EINVALID,
					     "histogram edge %zu is not finite",
					     i);
		if (i && !(edges[i] > edges[i - 1]))
			return mlg_error_set(
				MLG_EINVALID,
				"histogram edges must increase: edge %zu is "
				"%.17g, edge %zu is %.17g",
				i, edges[i], i - 1, edges[i - 1]);
	}
	h->nbins = nedges - 1;
	h->edges = mlg_malloc(nedges * sizeof(*h->edges));
	memcpy(h->edges, edges, nedges * sizeof(*h->edges));
	h->counts = mlg_calloc(h->nbins, sizeof(*h->counts));
	return 0;
}

void mlg_hist_release(struct mlg_hist *h)
{
	free(h->edges);
	free(h->counts);
	memset(h, 0, sizeof(*h));
}

void mlg_hist_add(struct mlg_hist *h, double x)
{
	size_t lo = 0, hi = h->nbins, mid;

	if (isnan(x)) {
		h->nan++;
		return;
	}
	if (x < h->edges[0]) {
		h->under++;
		return;
	}
	if (x > h->edges[h->nbins]) {
		h->over++;
		return;
	}
	/* The last bin that starts at or below x; the top edge belongs
	 * to the last bin, which the bound on hi gives for free. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (x >= h->edges[mid])
			lo = mid;
		else
			hi = mid;
	}
	h->counts[lo]++;
}

int mlg_hist_merge(struct mlg_hist *a, const struct mlg_hist *b)
{
	size_t i;

	if (a->nbins != b->nbins ||
	    memcmp(a->edges, b->edges, (a->nbins + 1) * sizeof(double)))
		return mlg_error_set(MLG_EINVALID,
				     "cannot merge histograms with different "
				     "edges");
	for (i = 0; i < a->nbins; i++)
		a->counts[i] += b->counts[i];
	a->under += b->under;
	a->over += b->over;
	a->nan += b->nan;
	return 0;
}

json_t *mlg_hist_to_json(const struct mlg_hist *h)
{
	json_t *o = json_object(), *e = json_array(), *c = json_array();
	size_t i;

	for (i = 0; i <= h->nbins; i++)
		json_array_append_new(e, json_real(h->edges[i]));
	for (i = 0; i < h->nbins; i++)
		json_array_append_new(c,
				      json_integer((json_int_t)h->counts[i]));
	json_object_set_new(o, "edges", e);
	json_object_set_new(o, "counts", c);
	json_object_set_new(o, "under", json_integer((json_int_t)h->under));
	json_object_set_new(o, "over", json_integer((json_int_t)h->over));
	json_object_set_new(o, "nan", json_integer((json_int_t)h->nan));
	return o;
}

int mlg_hist_from_json(struct mlg_hist *out, const struct mlg_json_doc *doc,
		       json_t *v, const char *ptr)
{
	static const char *const keys[] = {"edges", "counts", "under",
					   "over",  "nan",    NULL};
	struct mlg_buf p = MLG_BUF_INIT;
	double *edges = NULL;
	json_t *e, *c, *x;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (rc)
		goto done;
	e = json_object_get(v, "edges");
	c = json_object_get(v, "counts");
	if (!e || !c) {
		rc = mlg_json_error(doc, ptr, "missing required property '%s'",
				    e ? "counts" : "edges");
		goto done;
	}
	mlg_buf_adds(&p, ptr);
	mlg_json_pointer_append(&p, "edges");
	if (!json_is_array(e)) {
		rc = mlg_json_error(doc, p.ptr, "expected an array, found %s",
				    mlg_json_type_name(e));
		goto done;
	}
	n = json_array_size(e);
	if (n < 2 || n > MLG_HIST_MAX_BINS + 1) {
		rc = mlg_json_error(doc, p.ptr,
				    "a histogram needs 2 to %d edges, got %zu",
				    MLG_HIST_MAX_BINS + 1, n);
		goto done;
	}
	edges = mlg_malloc(n * sizeof(*edges));
	json_array_foreach (e, i, x) {
		if (!json_is_number(x)) {
			mlg_buf_addf(&p, "/%zu", i);
			rc = mlg_json_error(doc, p.ptr,
					    "expected a number, found %s",
					    mlg_json_type_name(x));
			goto done;
		}
		edges[i] = json_number_value(x);
		if (i && !(edges[i] > edges[i - 1])) {
			mlg_buf_addf(&p, "/%zu", i);
			rc = mlg_json_error(doc, p.ptr,
					    "histogram edges must increase: "
					    "edge %zu is %.17g, edge %zu is "
					    "%.17g",
					    i, edges[i], i - 1, edges[i - 1]);
			goto done;
		}
	}
	rc = mlg_hist_init(out, edges, n);
	if (rc)
		goto done;
	mlg_buf_reset(&p);
	mlg_buf_adds(&p, ptr);
	mlg_json_pointer_append(&p, "counts");
	if (!json_is_array(c)) {
		rc = mlg_json_error(doc, p.ptr, "expected an array, found %s",
				    mlg_json_type_name(c));
		goto done;
	}
	if (json_array_size(c) != out->nbins) {
		rc = mlg_json_error(doc, p.ptr,
				    "expected %zu counts (one per bin), found "
				    "%zu",
				    out->nbins, json_array_size(c));
		goto done;
	}
	json_array_foreach (c, i, x) {
		if (!json_is_integer(x) || json_integer_value(x) < 0) {
			struct mlg_buf t = MLG_BUF_INIT;

			mlg_buf_addf(&p, "/%zu", i);
			mlg_json_dump(&t, x, 0);
			rc = mlg_json_error(doc, p.ptr,
					    "expected a count (a non-negative "
					    "integer), found %.40s",
					    t.ptr);
			mlg_buf_release(&t);
			goto done;
		}
		out->counts[i] = (uint64_t)json_integer_value(x);
	}
	rc = get_count(&out->under, doc, v, ptr, "under");
	if (!rc)
		rc = get_count(&out->over, doc, v, ptr, "over");
	if (!rc)
		rc = get_count(&out->nan, doc, v, ptr, "nan");
done:
	if (rc)
		mlg_hist_release(out);
	free(edges);
	mlg_buf_release(&p);
	return rc;
}
