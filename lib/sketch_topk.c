/* sketch_topk.c - frequent values by space-saving */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/sketch.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

#define NIL UINT32_MAX

/* No bucket in use: all of them on the free list. */
static void buckets_clear(struct mlg_topk *t)
{
	uint32_t i;

	t->bmin = NIL;
	t->bfree = NIL;
	for (i = t->cap; i-- > 0;) {
		t->bnext[i] = t->bfree;
		t->bfree = i;
	}
}

int mlg_topk_init(struct mlg_topk *t, unsigned cap)
{
	uint32_t slots = 1;

	memset(t, 0, sizeof(*t));
	if (cap < 1 || cap > MLG_TOPK_CAP_MAX)
		return mlg_error_set(MLG_EINVALID,
				     "top-k capacity must be 1 to %d, got %u",
				     MLG_TOPK_CAP_MAX, cap);
	/* Four chains a counter: a miss, the common case on a column of
	 * many values, mostly finds an empty chain. */
	while (slots < 4 * cap)
		slots <<= 1;
	t->cap = cap;
	t->mask = slots - 1;
	t->items = mlg_calloc(cap, sizeof(*t->items));
	t->bcount = mlg_calloc(cap, sizeof(*t->bcount));
	t->bnext = mlg_calloc(7 * (size_t)cap, sizeof(*t->bnext));
	t->bprev = t->bnext + cap;
	t->bfirst = t->bprev + cap;
	t->inext = t->bfirst + cap;
	t->iprev = t->inext + cap;
	t->ibucket = t->iprev + cap;
	t->chain = t->ibucket + cap;
	t->head = mlg_malloc(slots * sizeof(*t->head));
	memset(t->head, 0xff, slots * sizeof(*t->head));
	buckets_clear(t);
	return 0;
}

void mlg_topk_release(struct mlg_topk *t)
{
	free(t->items);
	free(t->bcount);
	free(t->bnext);
	free(t->head);
	memset(t, 0, sizeof(*t));
}

/* The item whose hash is `hash`, or NIL. */
static uint32_t find(const struct mlg_topk *t, uint64_t hash)
{
	uint32_t x = t->head[hash & t->mask];

	while (x != NIL && t->items[x].hash != hash)
		x = t->chain[x];
	return x;
}

/* Chaining rather than open addressing: a value that takes over a
 * counter leaves one chain and joins another, with no probing and no
 * shifting. */
static void index_add(struct mlg_topk *t, uint32_t x)
{
	uint32_t *h = &t->head[t->items[x].hash & t->mask];

	t->chain[x] = *h;
	*h = x;
}

static void index_remove(struct mlg_topk *t, uint32_t x)
{
	uint32_t *p = &t->head[t->items[x].hash & t->mask];

	while (*p != x)
		p = &t->chain[*p];
	*p = t->chain[x];
}

/* ---- buckets: every step O(1), so an add costs the same whatever the
 * counts, where a heap paid log(cap) unpredictable branches. The steps
 * of a bump are forced inline: as calls they cost about 5% of a
 * profile. ---- */

#define HOT static inline __attribute__((always_inline))

static uint32_t bucket_new(struct mlg_topk *t, uint64_t count, uint32_t after)
{
	uint32_t b = t->bfree, nx;

	t->bfree = t->bnext[b];
	t->bcount[b] = count;
	t->bfirst[b] = NIL;
	nx = after == NIL ? t->bmin : t->bnext[after];
	t->bprev[b] = after;
	t->bnext[b] = nx;
	if (nx != NIL)
		t->bprev[nx] = b;
	if (after == NIL)
		t->bmin = b;
	else
		t->bnext[after] = b;
	return b;
}

static void bucket_free(struct mlg_topk *t, uint32_t b)
{
	uint32_t pv = t->bprev[b], nx = t->bnext[b];

	if (pv == NIL)
		t->bmin = nx;
	else
		t->bnext[pv] = nx;
	if (nx != NIL)
		t->bprev[nx] = pv;
	t->bnext[b] = t->bfree;
	t->bfree = b;
}

/* Append item x to bucket b: the newest of its count. */
HOT void item_append(struct mlg_topk *t, uint32_t x, uint32_t b)
{
	uint32_t f = t->bfirst[b], l;

	t->ibucket[x] = b;
	if (f == NIL) {
		t->bfirst[b] = t->inext[x] = t->iprev[x] = x;
		return;
	}
	l = t->iprev[f];
	t->inext[l] = x;
	t->iprev[x] = l;
	t->inext[x] = f;
	t->iprev[f] = x;
}

HOT void item_unlink(struct mlg_topk *t, uint32_t x)
{
	uint32_t b = t->ibucket[x], nx = t->inext[x], pv = t->iprev[x];

	if (nx == x) {
		t->bfirst[b] = NIL;
		return;
	}
	t->inext[pv] = nx;
	t->iprev[nx] = pv;
	if (t->bfirst[b] == x)
		t->bfirst[b] = nx;
}

/* Item x's count went up by one: move it to the bucket of its count. */
HOT void bump(struct mlg_topk *t, uint32_t x)
{
	uint32_t b = t->ibucket[x], nb = t->bnext[b];
	uint64_t c = t->items[x].count;

	if (nb != NIL && t->bcount[nb] == c) {
		item_unlink(t, x);
		item_append(t, x, nb);
		if (t->bfirst[b] == NIL)
			bucket_free(t, b);
	} else if (t->inext[x] == x) {
		t->bcount[b] = c; /* alone: the bucket moves with it */
	} else {
		nb = bucket_new(t, c, b);
		item_unlink(t, x);
		item_append(t, x, nb);
	}
}

/*
 * Copy s[0 .. n) to out and say whether it is plain ASCII without NUL,
 * in words that never read past n: the last one overlaps the one before
 * it. One pass for the test and the copy, inline: a test then a call to
 * memcpy() on every value that takes over a counter cost a profile 2%,
 * and mlg_utf8_valid_prefix() plus memchr() 8% more.
 */
static int copy_ascii(char *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t w, bad = 0;
	uint32_t h, g;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			memcpy(out + i, &w, 8);
			bad |= mlg_utf8_odd_bytes(w);
		}
		memcpy(&w, s + n - 8, 8);
		memcpy(out + n - 8, &w, 8);
		return !(bad | mlg_utf8_odd_bytes(w));
	}
	if (n >= 4) {
		memcpy(&h, s, 4);
		memcpy(&g, s + n - 4, 4);
		memcpy(out, &h, 4);
		memcpy(out + n - 4, &g, 4);
		return !mlg_utf8_odd_bytes((uint64_t)h << 32 | g);
	}
	if (n) {
		out[0] = s[0];
		out[n / 2] = s[n / 2];
		out[n - 1] = s[n - 1];
	}
	return !n || (u[0] - 1u < 0x7f && u[n / 2] - 1u < 0x7f &&
		      u[n - 1] - 1u < 0x7f);
}

/*
 * Store the display copy of <s, len>: whole code points up to
 * MLG_TOPK_VALUE_MAX bytes, U+FFFD for each invalid or NUL byte, so it
 * is valid UTF-8 JSON can carry.
 */
static void set_value(struct mlg_topk_item *it, const char *s, size_t len)
{
	size_t n = len < MLG_TOPK_VALUE_MAX ? len : MLG_TOPK_VALUE_MAX;
	size_t i = 0, o, step;
	uint32_t cp;
	int lost = 0;

	/* Plain ASCII, the common case, in one copy; else what the copy
	 * holds is kept up to the first invalid or NUL byte. */
	if (copy_ascii(it->value, s, n)) {
		i = n;
	} else {
		const char *nul;

		i = mlg_utf8_valid_prefix(s, n);
		if ((nul = memchr(s, 0, i)))
			i = (size_t)(nul - s);
	}
	o = i;
	while (i < len) {
		step = mlg_utf8_decode(&cp, s + i, len - i);
		if (!step || !cp) {
			if (o + 3 > MLG_TOPK_VALUE_MAX)
				break;
			memcpy(it->value + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			lost = 1;
			continue;
		}
		if (o + step > MLG_TOPK_VALUE_MAX)
			break;
		memcpy(it->value + o, s + i, step);
		o += step;
		i += step;
	}
	it->value[o] = '\0';
	it->len = (uint8_t)o;
	it->truncated = lost || i < len;
}

void mlg_topk_add_hashed(struct mlg_topk *t, uint64_t hash, const char *s,
			 size_t len)
{
	uint32_t i = find(t, hash);
	struct mlg_topk_item *it;

	t->n++;
	if (i != NIL) {
		t->items[i].count++;
		bump(t, i);
		return;
	}
	if (t->nitems < t->cap) {
		i = t->nitems++;
		it = &t->items[i];
		it->count = 1;
		it->err = 0;
		if (t->bmin == NIL || t->bcount[t->bmin] != 1)
			bucket_new(t, 1, NIL);
		item_append(t, i, t->bmin);
	} else {
		/* Space-saving: the least counted value gives up its counter,
		 * and its count becomes the newcomer's possible error. */
		i = t->bfirst[t->bmin];
		it = &t->items[i];
		index_remove(t, i);
		it->err = it->count;
		it->count++;
		bump(t, i);
	}
	it->hash = hash;
	set_value(it, s, len);
	index_add(t, i);
}

void mlg_topk_add(struct mlg_topk *t, const char *s, size_t len)
{
	mlg_topk_add_hashed(t, mlg_hash_bytes(s, len, 0), s, len);
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct mlg_topk_item *a = pa, *b = pb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->err != b->err)
		return a->err < b->err ? -1 : 1;
	c = memcmp(a->value, b->value,
		   (a->len < b->len ? a->len : b->len) + 1u);
	if (c)
		return c;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return 0;
}

struct rank {
	uint64_t count;
	uint32_t item;
};

static int cmp_rank(const void *pa, const void *pb)
{
	const struct rank *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count < b->count ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

/* Rebuild the table and the buckets from items[0 .. nitems); items of
 * one count queue in index order. */
static void reindex(struct mlg_topk *t)
{
	struct rank *r = mlg_malloc(((size_t)t->nitems + 1) * sizeof(*r));
	uint32_t i, x, b = NIL;

	memset(t->head, 0xff, (t->mask + 1) * sizeof(*t->head));
	buckets_clear(t);
	for (i = 0; i < t->nitems; i++) {
		index_add(t, i);
		r[i].count = t->items[i].count;
		r[i].item = i;
	}
	qsort(r, t->nitems, sizeof(*r), cmp_rank);
	for (i = 0; i < t->nitems; i++) {
		x = r[i].item;
		if (b == NIL || t->bcount[b] != t->items[x].count)
			b = bucket_new(t, t->items[x].count, b);
		item_append(t, x, b);
	}
	free(r);
}

static uint64_t min_count(const struct mlg_topk *t)
{
	return t->nitems == t->cap ? t->bcount[t->bmin] : 0;
}

int mlg_topk_merge(struct mlg_topk *a, const struct mlg_topk *b)
{
	struct mlg_topk_item *all;
	uint64_t mina, minb;
	uint32_t i, j, n = 0;

	if (a->cap != b->cap)
		return mlg_error_set(MLG_EINVALID,
				     "cannot merge top-k summaries with "
				     "capacities %u and %u",
				     a->cap, b->cap);
	if (a == b)
		MLG_BUG("merging a top-k summary into itself");
	mina = min_count(a);
	minb = min_count(b);
	all = mlg_malloc(((size_t)a->nitems + b->nitems) * sizeof(*all));
	/* A value missing from one side may have occurred there up to that
	 * side's smallest count times: charge it as possible error. */
	for (i = 0; i < a->nitems; i++) {
		all[n] = a->items[i];
		j = find(b, all[n].hash);
		if (j != NIL) {
			all[n].count += b->items[j].count;
			all[n].err += b->items[j].err;
		} else {
			all[n].count += minb;
			all[n].err += minb;
		}
		n++;
	}
	for (i = 0; i < b->nitems; i++) {
		if (find(a, b->items[i].hash) != NIL)
			continue;
		all[n] = b->items[i];
		all[n].count += mina;
		all[n].err += mina;
		n++;
	}
	qsort(all, n, sizeof(*all), cmp_items);
	a->nitems = n < a->cap ? n : a->cap;
	memcpy(a->items, all, a->nitems * sizeof(*all));
	a->n += b->n;
	reindex(a);
	free(all);
	return 0;
}

size_t mlg_topk_list(struct mlg_topk_item *out, const struct mlg_topk *t,
		     size_t max)
{
	struct mlg_topk_item *all;
	size_t n = t->nitems < max ? t->nitems : max;

	if (!n)
		return 0;
	all = mlg_malloc(t->nitems * sizeof(*all));
	memcpy(all, t->items, t->nitems * sizeof(*all));
	qsort(all, t->nitems, sizeof(*all), cmp_items);
	memcpy(out, all, n * sizeof(*all));
	free(all);
	return n;
}

json_t *mlg_topk_to_json(const struct mlg_topk *t)
{
	struct mlg_topk_item *all = mlg_malloc((t->nitems + 1) * sizeof(*all));
	json_t *o = json_object(), *items = json_array(), *e;
	size_t i, n = mlg_topk_list(all, t, t->nitems);
	char hash[17];

	json_object_set_new(o, "cap", json_integer(t->cap));
	json_object_set_new(o, "n", json_integer((json_int_t)t->n));
	for (i = 0; i < n; i++) {
		e = json_object();
		snprintf(hash, sizeof(hash), "%016" PRIx64, all[i].hash);
		json_object_set_new(e, "value",
				    json_stringn(all[i].value, all[i].len));
		json_object_set_new(e, "hash", json_string(hash));
		json_object_set_new(e, "count",
				    json_integer((json_int_t)all[i].count));
		json_object_set_new(e, "err",
				    json_integer((json_int_t)all[i].err));
		json_object_set_new(e, "truncated",
				    json_boolean(all[i].truncated));
		json_array_append_new(items, e);
	}
	json_object_set_new(o, "items", items);
	free(all);
	return o;
}

/* Load one item at p (`t` gives cap and the hashes seen so far). */
static int load_item(struct mlg_topk_item *it, struct mlg_topk *t,
		     const struct mlg_json_doc *doc, json_t *e, const char *p)
{
	static const char *const keys[] = {"value", "hash",	 "count",
					   "err",   "truncated", NULL};
	const char *value, *hash;
	int64_t count, err;
	struct mlg_buf q = MLG_BUF_INIT;
	int trunc, rc;
	char *end;

	rc = mlg_json_check_keys(doc, e, p, keys);
	if (!rc)
		rc = mlg_json_get_str(doc, e, p, "value", 1, &value);
	if (!rc)
		rc = mlg_json_get_str(doc, e, p, "hash", 1, &hash);
	if (!rc)
		rc = mlg_json_get_int(doc, e, p, "count", 1, &count);
	if (!rc)
		rc = mlg_json_get_int(doc, e, p, "err", 1, &err);
	if (!rc)
		rc = mlg_json_get_bool(doc, e, p, "truncated", 1, &trunc);
	if (rc)
		return rc;
	mlg_buf_adds(&q, p);
	if (json_string_length(json_object_get(e, "value")) >
		    MLG_TOPK_VALUE_MAX ||
	    strlen(value) != json_string_length(json_object_get(e, "value"))) {
		mlg_json_pointer_append(&q, "value");
		rc = mlg_json_error(doc, q.ptr,
				    "a value must be at most %d bytes without "
				    "U+0000",
				    MLG_TOPK_VALUE_MAX);
	} else if (strlen(hash) != 16 ||
		   strspn(hash, "0123456789abcdef") != 16) {
		mlg_json_pointer_append(&q, "hash");
		rc = mlg_json_error(doc, q.ptr,
				    "expected 16 lowercase hex digits");
	} else if (count < 1) {
		mlg_json_pointer_append(&q, "count");
		rc = mlg_json_error(doc, q.ptr, "a count must be at least 1");
	} else if (err < 0 || err >= count) {
		mlg_json_pointer_append(&q, "err");
		rc = mlg_json_error(doc, q.ptr,
				    "err must be 0 to count - 1, got %lld",
				    (long long)err);
	}
	if (rc)
		goto done;
	it->hash = strtoull(hash, &end, 16);
	if (find(t, it->hash) != NIL) {
		mlg_json_pointer_append(&q, "hash");
		rc = mlg_json_error(doc, q.ptr, "repeated hash %s", hash);
		goto done;
	}
	it->count = (uint64_t)count;
	it->err = (uint64_t)err;
	it->len = (uint8_t)strlen(value);
	memcpy(it->value, value, it->len + 1u);
	it->truncated = (uint8_t)trunc;
done:
	mlg_buf_release(&q);
	return rc;
}

int mlg_topk_from_json(struct mlg_topk *out, const struct mlg_json_doc *doc,
		       json_t *v, const char *ptr)
{
	static const char *const keys[] = {"cap", "n", "items", NULL};
	struct mlg_buf p = MLG_BUF_INIT;
	int64_t cap;
	uint64_t n;
	uint64_t sure = 0;
	json_t *items, *e;
	size_t i, at;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "cap", 1, &cap);
	if (rc)
		goto done;
	mlg_buf_adds(&p, ptr);
	at = p.len;
	if (cap < 1 || cap > MLG_TOPK_CAP_MAX) {
		mlg_json_pointer_append(&p, "cap");
		rc = mlg_json_error(doc, p.ptr,
				    "top-k capacity must be 1 to %d, got %lld",
				    MLG_TOPK_CAP_MAX, (long long)cap);
		goto done;
	}
	if ((rc = mlg_json_get_count(doc, v, ptr, "n", 1, &n)))
		goto done;
	items = json_object_get(v, "items");
	if (!items) {
		rc = mlg_json_error(doc, ptr,
				    "missing required property 'items'");
		goto done;
	}
	mlg_json_pointer_append(&p, "items");
	if (!json_is_array(items) || json_array_size(items) > (size_t)cap) {
		rc = json_is_array(items)
			     ? mlg_json_error(doc, p.ptr,
					      "more items than the capacity "
					      "%lld",
					      (long long)cap)
			     : mlg_json_error(doc, p.ptr,
					      "expected an array, found %s",
					      mlg_json_type_name(items));
		goto done;
	}
	mlg_topk_init(out, (unsigned)cap);
	out->n = (uint64_t)n;
	at = p.len;
	json_array_foreach (items, i, e) {
		struct mlg_topk_item *it = &out->items[i];

		mlg_buf_truncate(&p, at);
		mlg_buf_addf(&p, "/%zu", i);
		rc = load_item(it, out, doc, e, p.ptr);
		if (rc)
			goto done;
		/* The guaranteed counts are of distinct values. */
		sure += it->count - it->err;
		if (sure > out->n) {
			rc = mlg_json_error(doc, p.ptr,
					    "guaranteed counts add up to more "
					    "than n");
			goto done;
		}
		index_add(out, (uint32_t)i);
		out->nitems = (uint32_t)i + 1;
	}
	reindex(out);
done:
	if (rc)
		mlg_topk_release(out);
	mlg_buf_release(&p);
	return rc;
}
