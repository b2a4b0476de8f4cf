/* sketch_kll.c - the KLL quantile sketch */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <emmintrin.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/sketch.h"
#include "mlgate/util.h"

/* The smallest level capacity: below it compaction costs more than the
 * space it saves. */
#define MINCAP 8

/* Added values wait in level 0 until this many are there and the
 * sketch is over its capacity: one sort of the batch, by radix, costs
 * less than a small sort every 8 to 16 values, and far less than the
 * sorts a fresh sketch makes while its capacity is still empty. */
#define BATCH 1024

/* Items and their cumulative weights in value order: what queries read. */
struct view {
	double *v;
	uint64_t *cum; /* total weight of v[0 .. i] */
	size_t len;
};

static uint64_t next_rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Capacities shrink by 2/3 a level down from k at the top. Repeated
 * multiplication rather than pow(): IEEE products are the same on every
 * machine, so a sketch compacts identically everywhere.
 */
static void set_levels(struct mlg_kll *s, uint32_t nlevels)
{
	double c = s->k;
	uint32_t h;

	s->nlevels = nlevels;
	s->capacity = 0;
	for (h = nlevels; h-- > 0;) {
		s->cap[h] = c < MINCAP ? MINCAP : (uint32_t)c;
		s->capacity += s->cap[h];
		c *= 2.0 / 3.0;
	}
}

int mlg_kll_init(struct mlg_kll *s, unsigned k, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	if (k < MLG_KLL_K_MIN || k > MLG_KLL_K_MAX)
		return mlg_error_set(MLG_EINVALID,
				     "KLL k must be %d to %d, got %u",
				     MLG_KLL_K_MIN, MLG_KLL_K_MAX, k);
	s->k = k;
	s->rng = mlg_hash_u64(seed, 0) | 1;
	set_levels(s, 1);
	return 0;
}

void mlg_kll_release(struct mlg_kll *s)
{
	uint32_t h;

	for (h = 0; h < MLG_KLL_MAX_LEVELS; h++)
		free(s->items[h]);
	memset(s, 0, sizeof(*s));
}

/*
 * Sorting doubles (never NaN here) without qsort's indirect calls, which
 * would double the cost of an add: by size, a network, merges of its
 * runs, or a radix sort.
 *
 * Batcher's odd-even merge sort of 16 items: compare-exchanges that do
 * not branch on the data, where an insertion sort mispredicts about once
 * an item.
 */
static void sort16(double *a, size_t n)
{
	double v[16];
	size_t i;

	for (i = 0; i < 16; i++)
		v[i] = i < n ? a[i] : INFINITY;
#define CE(i, j)                                                               \
	do {                                                                   \
		__m128d p_ = _mm_set_sd(v[i]), q_ = _mm_set_sd(v[j]);          \
		v[i] = _mm_cvtsd_f64(_mm_min_sd(p_, q_));                      \
		v[j] = _mm_cvtsd_f64(_mm_max_sd(p_, q_));                      \
	} while (0)
	CE(0, 1);
	CE(2, 3);
	CE(4, 5);
	CE(6, 7);
	CE(8, 9);
	CE(10, 11);
	CE(12, 13);
	CE(14, 15);
	CE(0, 2);
	CE(1, 3);
	CE(4, 6);
	CE(5, 7);
	CE(8, 10);
	CE(9, 11);
	CE(12, 14);
	CE(13, 15);
	CE(1, 2);
	CE(5, 6);
	CE(9, 10);
	CE(13, 14);
	CE(0, 4);
	CE(1, 5);
	CE(2, 6);
	CE(3, 7);
	CE(8, 12);
	CE(9, 13);
	CE(10, 14);
	CE(11, 15);
	CE(2, 4);
	CE(3, 5);
	CE(10, 12);
	CE(11, 13);
	CE(1, 2);
	CE(3, 4);
	CE(5, 6);
	CE(9, 10);
	CE(11, 12);
	CE(13, 14);
	CE(0, 8);
	CE(1, 9);
	CE(2, 10);
	CE(3, 11);
	CE(4, 12);
	CE(5, 13);
	CE(6, 14);
	CE(7, 15);
	CE(4, 8);
	CE(5, 9);
	CE(6, 10);
	CE(7, 11);
	CE(2, 4);
	CE(3, 5);
	CE(6, 8);
	CE(7, 9);
	CE(10, 12);
	CE(11, 13);
	CE(1, 2);
	CE(3, 4);
	CE(5, 6);
	CE(7, 8);
	CE(9, 10);
	CE(11, 12);
	CE(13, 14);
#undef CE
	memcpy(a, v, n * sizeof(*a));
}

/* Merge sorted x[0 .. n) and y[0 .. m) into out: which side gives the
 * next item is a coin toss on most data, so no branch on it. */
static void merge2(double *out, const double *x, size_t n, const double *y,
		   size_t m)
{
	size_t i = 0, j = 0;

	while (i < n && j < m) {
		double p = x[i], q = y[j];
		size_t take = q < p;

		*out++ = take ? q : p;
		j += take;
		i += take ^ 1;
	}
	memcpy(out, x + i, (n - i) * sizeof(*out));
	memcpy(out + (n - i), y + j, (m - j) * sizeof(*out));
}

/* Up to a few hundred items (a merge's level 0, a query's): runs of 16
 * by the network, then merged pairwise. A quicksort of them
 * mispredicted about every other compare, a sixth of the time of a
 * profile made alongside validation. More (a batch) go by radix. */
#define MERGE_MAX 256

/* A batch sorts by radix on the doubles' keys, a byte a digit. */
static void radix_sort(double *a, size_t n)
{
	uint64_t *k = mlg_malloc(2 * n * sizeof(*k)), *sorted;
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = mlg_double_key(a[i]);
	sorted = mlg_radix_sort(k, k + n, n, sizeof(*k), 8);
	for (i = 0; i < n; i++)
		a[i] = mlg_key_double(sorted[i]);
	free(k);
}

static void sort(double *a, size_t n)
{
	double tmp[MERGE_MAX], *src = a, *dst = tmp, *t;
	size_t m, w, i;

	/* Ascending input (ids, times) is common and sorted already. */
	for (m = 1; m < n && !(a[m - 1] > a[m]); m++)
		;
	if (m >= n)
		return;
	if (n <= 16) {
		sort16(a, n);
		return;
	}
	if (n > MERGE_MAX) {
		radix_sort(a, n);
		return;
	}
	for (i = 0; i < n; i += 16)
		sort16(a + i, n - i < 16 ? n - i : 16);
	for (w = 16; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			size_t l = n - i < w ? n - i : w;
			size_t r = n - i - l < w ? n - i - l : w;

			merge2(dst + i, src + i, l, src + i + l, r);
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Merge sorted src[0 .. n) into sorted level h, from the back. */
static void merge_into(struct mlg_kll *s, uint32_t h, const double *src,
		       size_t n)
{
	size_t i, j, o;
	double *a;

	s->items[h] = mlg_grow(s->items[h], sizeof(double), s->len[h] + n,
			       &s->alloc[h]);
	a = s->items[h];
	i = s->len[h];
	j = n;
	o = i + j;
	/* Which side gives the next item is a coin toss on most data: no
	 * branch on it. */
	while (i && j) {
		double x = a[i - 1], y = src[j - 1];
		size_t take = x > y;

		a[--o] = take ? x : y;
		i -= take;
		j -= take ^ 1;
	}
	memcpy(a, src, j * sizeof(*a));
	s->len[h] += n;
}

/*
 * Halve level h: sort it, keep the odd or the even items by the coin and
 * promote them to level h + 1 with twice the weight. An odd item out
 * stays at level h, so the total weight is unchanged.
 */
static void compact(struct mlg_kll *s, uint32_t h)
{
	double *a = s->items[h];
	size_t n = s->len[h], pairs = n / 2, i;
	size_t off = next_rng(&s->rng) >> 63;

	if (h + 1 >= MLG_KLL_MAX_LEVELS)
		MLG_BUG("KLL sketch out of levels");
	if (h + 1 == s->nlevels)
		set_levels(s, s->nlevels + 1);
	if (!h)
		sort(a, n);
	/* Pick in place: a[i] is read after a[0 .. i) were written. */
	for (i = 0; i < pairs; i++)
		a[i] = a[2 * i + off];
	merge_into(s, h + 1, a, pairs);
	if (n & 1)
		a[0] = a[n - 1];
	s->len[h] = n & 1;
	s->size -= pairs;
}

static void compress(struct mlg_kll *s)
{
	uint32_t h;

	while (s->size > s->capacity) {
		/* Some level is over its capacity when the total is. */
		for (h = 0; s->len[h] < s->cap[h]; h++)
			;
		compact(s, h);
	}
}

void mlg_kll_add(struct mlg_kll *s, double x)
{
	if (!isfinite(x))
		return;
	x += 0.0; /* -0 is 0: no sort need tell them apart */
	if (!s->n++) {
		s->min = s->max = x;
	} else {
		if (x < s->min)
			s->min = x;
		if (x > s->max)
			s->max = x;
	}
	if (s->len[0] == s->alloc[0])
		s->items[0] = mlg_grow(s->items[0], sizeof(double),
				       s->len[0] + 1, &s->alloc[0]);
	s->items[0][s->len[0]++] = x;
	if (++s->size > s->capacity && s->len[0] >= BATCH)
		compress(s);
}

void mlg_kll_settle(struct mlg_kll *s)
{
	compress(s);
}

int mlg_kll_merge(struct mlg_kll *a, const struct mlg_kll *b)
{
	uint32_t h;

	if (a->k != b->k)
		return mlg_error_set(
			MLG_EINVALID,
			"cannot merge KLL sketches with k %u and %u", a->k,
			b->k);
	if (a == b)
		MLG_BUG("merging a KLL sketch into itself");
	if (!b->n) {
		compress(a);
		return 0;
	}
	if (!a->n) {
		a->min = b->min;
		a->max = b->max;
	} else {
		a->min = fmin(a->min, b->min);
		a->max = fmax(a->max, b->max);
	}
	a->n += b->n;
	if (b->nlevels > a->nlevels)
		set_levels(a, b->nlevels);
	a->items[0] = mlg_grow(a->items[0], sizeof(double),
			       a->len[0] + b->len[0], &a->alloc[0]);
	if (b->len[0])
		memcpy(a->items[0] + a->len[0], b->items[0],
		       b->len[0] * sizeof(double));
	a->len[0] += b->len[0];
	for (h = 1; h < b->nlevels; h++)
		if (b->len[h])
			merge_into(a, h, b->items[h], b->len[h]);
	a->size += b->size;
	a->rng = mlg_hash_u64(a->rng ^ b->rng, 0) | 1;
	compress(a);
	return 0;
}

/* A copy of `s`, settled. */
static void settled_copy(struct mlg_kll *out, const struct mlg_kll *s)
{
	uint32_t h;

	*out = *s;
	for (h = 0; h < MLG_KLL_MAX_LEVELS; h++) {
		out->items[h] = NULL;
		out->alloc[h] = 0;
		if (s->len[h]) {
			out->items[h] = mlg_grow(NULL, sizeof(double),
						 s->len[h], &out->alloc[h]);
			memcpy(out->items[h], s->items[h],
			       s->len[h] * sizeof(double));
		}
	}
	compress(out);
}

static void view_build(struct view *w, const struct mlg_kll *s)
{
	double *v = mlg_malloc((s->size + 1) * sizeof(double));
	double *tv = mlg_malloc((s->size + 1) * sizeof(double));
	uint64_t *tw = mlg_malloc((s->size + 1) * sizeof(uint64_t));
	uint64_t *wt = mlg_malloc((s->size + 1) * sizeof(uint64_t));
	size_t len = 0, i, j, o, n;
	const double *src;
	uint64_t weight;
	uint32_t h;
	void *swap;

	/* Merge the sorted levels one by one into <v, wt>. */
	for (h = 0; h < s->nlevels; h++) {
		n = s->len[h];
		if (!n)
			continue;
		src = s->items[h];
		weight = (uint64_t)1 << h;
		if (!h) {
			memcpy(tv, src, n * sizeof(double));
			sort(tv, n);
			memcpy(v, tv, n * sizeof(double));
			for (i = 0; i < n; i++)
				wt[i] = 1;
			len = n;
			continue;
		}
		i = j = o = 0;
		while (i < len || j < n) {
			if (j == n || (i < len && v[i] <= src[j])) {
				tv[o] = v[i];
				tw[o++] = wt[i++];
			} else {
				tv[o] = src[j++];
				tw[o++] = weight;
			}
		}
		len = o;
		swap = v;
		v = tv;
		tv = swap;
		swap = wt;
		wt = tw;
		tw = swap;
	}
	for (i = 1; i < len; i++)
		wt[i] += wt[i - 1];
	free(tv);
	free(tw);
	w->v = v;
	w->cum = wt;
	w->len = len;
}

static void view_release(struct view *w)
{
	free(w->v);
	free(w->cum);
}

static double view_quantile(const struct view *w, const struct mlg_kll *s,
			    double q)
{
	double target;
	size_t lo = 0, hi;

	if (!(q > 0))
		return s->min;
	if (q >= 1)
		return s->max;
	/* The first item whose cumulative weight reaches q n. */
	target = q * (double)s->n;
	hi = w->len - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((double)w->cum[mid] >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return w->v[lo];
}

void mlg_kll_quantiles(double *out, const struct mlg_kll *s, const double *qs,
		       size_t nq)
{
	struct view w;
	size_t i;

	if (!s->n) {
		for (i = 0; i < nq; i++)
			out[i] = NAN;
		return;
	}
	view_build(&w, s);
	for (i = 0; i < nq; i++)
		out[i] = view_quantile(&w, s, qs[i]);
	view_release(&w);
}

double mlg_kll_quantile(const struct mlg_kll *s, double q)
{
	double out;

	mlg_kll_quantiles(&out, s, &q, 1);
	return out;
}

double mlg_kll_rank(const struct mlg_kll *s, double x)
{
	struct view w;
	size_t lo = 0, hi;
	double r;

	if (!s->n || isnan(x))
		return NAN;
	if (x < s->min)
		return 0;
	if (x >= s->max)
		return 1;
	view_build(&w, s);
	/* The number of items <= x. */
	hi = w.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w.v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	r = lo ? (double)w.cum[lo - 1] / (double)s->n : 0;
	view_release(&w);
	return r;
}

int mlg_kll_bin_edges(double *out, const struct mlg_kll *s, size_t nbins)
{
	struct view w;
	size_t i;

	if (!s->n)
		return mlg_error_set(MLG_EINVALID,
				     "cannot compute bin edges of an empty "
				     "sketch");
	if (nbins < 1 || nbins > 65536)
		return mlg_error_set(MLG_EINVALID,
				     "the number of bins must be 1 to 65536, "
				     "got %zu",
				     nbins);
	view_build(&w, s);
	for (i = 0; i <= nbins; i++)
		out[i] = view_quantile(&w, s, (double)i / (double)nbins);
	view_release(&w);
	return 0;
}

static json_t *to_json(const struct mlg_kll *s)
{
	json_t *o = json_object(), *levels = json_array(), *l;
	char rng[17];
	uint32_t h;
	size_t i;

	snprintf(rng, sizeof(rng), "%016" PRIx64, s->rng);
	json_object_set_new(o, "k", json_integer(s->k));
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_object_set_new(o, "min", s->n ? json_real(s->min) : json_null());
	json_object_set_new(o, "max", s->n ? json_real(s->max) : json_null());
	json_object_set_new(o, "rng", json_string(rng));
	for (h = 0; h < s->nlevels; h++) {
		l = json_array();
		for (i = 0; i < s->len[h]; i++)
			json_array_append_new(l, json_real(s->items[h][i]));
		json_array_append_new(levels, l);
	}
	json_object_set_new(o, "levels", levels);
	return o;
}

json_t *mlg_kll_to_json(const struct mlg_kll *s)
{
	struct mlg_kll t;
	json_t *o;

	if (s->size <= s->capacity)
		return to_json(s);
	settled_copy(&t, s);
	o = to_json(&t);
	mlg_kll_release(&t);
	return o;
}

/* Check and load min and max: numbers when n > 0, null when n is 0. */
static int load_bounds(struct mlg_kll *s, const struct mlg_json_doc *doc,
		       json_t *v, struct mlg_buf *p, const char *ptr)
{
	static const char *const names[] = {"min", "max"};
	double *dst[] = {&s->min, &s->max};
	json_t *x;
	int i;

	for (i = 0; i < 2; i++) {
		x = json_object_get(v, names[i]);
		mlg_buf_reset(p);
		mlg_buf_adds(p, ptr);
		mlg_json_pointer_append(p, names[i]);
		if (!x)
			return mlg_json_error(doc, ptr,
					      "missing required property '%s'",
					      names[i]);
		if (!s->n && !json_is_null(x))
			return mlg_json_error(doc, p->ptr,
					      "expected null when n is 0");
		if (s->n && !json_is_number(x))
			return mlg_json_error(doc, p->ptr,
					      "expected a number, found %s",
					      mlg_json_type_name(x));
		*dst[i] = s->n ? json_number_value(x) : 0;
	}
	if (s->min > s->max)
		return mlg_json_error(doc, p->ptr, "min is greater than max");
	return 0;
}

static int load_rng(struct mlg_kll *s, const struct mlg_json_doc *doc,
		    json_t *v, struct mlg_buf *p, const char *ptr)
{
	const char *r;
	char *end;
	int rc = mlg_json_get_str(doc, v, ptr, "rng", 1, &r);

	if (rc)
		return rc;
	mlg_buf_reset(p);
	mlg_buf_adds(p, ptr);
	mlg_json_pointer_append(p, "rng");
	if (strlen(r) != 16 || strspn(r, "0123456789abcdef") != 16)
		return mlg_json_error(doc, p->ptr,
				      "expected 16 lowercase hex digits");
	s->rng = strtoull(r, &end, 16);
	if (!s->rng)
		return mlg_json_error(doc, p->ptr, "the state must not be 0");
	return 0;
}

static int load_levels(struct mlg_kll *s, const struct mlg_json_doc *doc,
		       json_t *v, struct mlg_buf *p, const char *ptr)
{
	json_t *levels = json_object_get(v, "levels"), *l, *x;
	uint64_t weight = 0, part;
	size_t h, i, n, at;
	double d;

	if (!levels)
		return mlg_json_error(doc, ptr,
				      "missing required property 'levels'");
	mlg_buf_reset(p);
	mlg_buf_adds(p, ptr);
	mlg_json_pointer_append(p, "levels");
	if (!json_is_array(levels))
		return mlg_json_error(doc, p->ptr,
				      "expected an array, found %s",
				      mlg_json_type_name(levels));
	n = json_array_size(levels);
	if (n < 1 || n > MLG_KLL_MAX_LEVELS)
		return mlg_json_error(doc, p->ptr,
				      "expected 1 to %d levels, found %zu",
				      MLG_KLL_MAX_LEVELS, n);
	set_levels(s, (uint32_t)n);
	at = p->len;
	json_array_foreach (levels, h, l) {
		mlg_buf_truncate(p, at);
		mlg_buf_addf(p, "/%zu", h);
		if (!json_is_array(l))
			return mlg_json_error(doc, p->ptr,
					      "expected an array, found %s",
					      mlg_json_type_name(l));
		n = json_array_size(l);
		s->size += n;
		/* Check the size before allocating: the text is untrusted. */
		if (s->size > s->capacity)
			return mlg_json_error(doc, p->ptr,
					      "too many items for k %u", s->k);
		s->items[h] =
			mlg_grow(s->items[h], sizeof(double), n, &s->alloc[h]);
		json_array_foreach (l, i, x) {
			if (!json_is_number(x)) {
				mlg_buf_addf(p, "/%zu", i);
				return mlg_json_error(
					doc, p->ptr,
					"expected a number, found "
					"%s",
					mlg_json_type_name(x));
			}
			d = json_number_value(x);
			if (d < s->min || d > s->max ||
			    (h && i && d < s->items[h][i - 1])) {
				mlg_buf_addf(p, "/%zu", i);
				return mlg_json_error(
					doc, p->ptr, "%s",
					d < s->min || d > s->max
						? "item outside [min, max]"
						: "items of levels above 0 "
						  "must be sorted");
			}
			s->items[h][i] = d;
		}
		s->len[h] = n;
		part = (uint64_t)n << h;
		if (part >> h != n || weight + part < weight) {
			weight = UINT64_MAX;
			continue;
		}
		weight += part;
	}
	if (weight != s->n) {
		mlg_buf_truncate(p, at);
		if (weight == UINT64_MAX)
			return mlg_json_error(doc, p->ptr,
					      "levels hold too many values");
		return mlg_json_error(doc, p->ptr,
				      "levels hold %" PRIu64
				      " values, n is %" PRIu64,
				      weight, s->n);
	}
	return 0;
}

int mlg_kll_from_json(struct mlg_kll *out, const struct mlg_json_doc *doc,
		      json_t *v, const char *ptr)
{
	static const char *const keys[] = {"k",	  "n",	    "min", "max",
					   "rng", "levels", NULL};
	struct mlg_buf p = MLG_BUF_INIT;
	int64_t k;
	uint64_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "k", 1, &k);
	if (!rc && (k < MLG_KLL_K_MIN || k > MLG_KLL_K_MAX)) {
		mlg_buf_adds(&p, ptr);
		mlg_json_pointer_append(&p, "k");
		rc = mlg_json_error(doc, p.ptr,
				    "KLL k must be %d to %d, got %lld",
				    MLG_KLL_K_MIN, MLG_KLL_K_MAX, (long long)k);
	}
	if (!rc)
		rc = mlg_json_get_count(doc, v, ptr, "n", 1, &n);
	if (rc)
		goto done;
	mlg_kll_init(out, (unsigned)k, 0);
	out->n = n;
	rc = load_bounds(out, doc, v, &p, ptr);
	if (!rc)
		rc = load_rng(out, doc, v, &p, ptr);
	if (!rc)
		rc = load_levels(out, doc, v, &p, ptr);
done:
	if (rc)
		mlg_kll_release(out);
	mlg_buf_release(&p);
	return rc;
}
