/* sketch_topk.c - frequent values: Misra-Gries, decrements in batches */
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

/* The empty table of at least 4 slots a counter. */
static void slots_clear(struct mlg_topk *t)
{
	memset(t->slot, 0xff, (t->mask + 1) * sizeof(*t->slot));
}

int mlg_topk_init(struct mlg_topk *t, unsigned cap)
{
	uint32_t slots = 1;

	memset(t, 0, sizeof(*t));
	if (cap < 2 || cap > MLG_TOPK_CAP_MAX)
		return mlg_error_set(MLG_EINVALID,
				     "top-k capacity must be 2 to %d, got %u",
				     MLG_TOPK_CAP_MAX, cap);
	/* A quarter full at most: a probe mostly looks at one slot. */
	while (slots < 4 * cap)
		slots <<= 1;
	t->cap = cap;
	t->mask = slots - 1;
	t->items = mlg_calloc(cap, sizeof(*t->items));
	t->slot = mlg_malloc(slots * sizeof(*t->slot));
	t->counts = mlg_malloc(((size_t)cap + 1) * sizeof(*t->counts));
	slots_clear(t);
	return 0;
}

void mlg_topk_release(struct mlg_topk *t)
{
	free(t->items);
	free(t->slot);
	free(t->counts);
	memset(t, 0, sizeof(*t));
}

/* The slot of `hash`: its item's, or the empty one where it would go. */
static uint32_t *probe(const struct mlg_topk *t, uint64_t hash)
{
	uint32_t k = (uint32_t)hash & t->mask, x;

	while ((x = t->slot[k]) != NIL && t->items[x].hash != hash)
		k = (k + 1) & t->mask;
	return &t->slot[k];
}

static uint32_t find(const struct mlg_topk *t, uint64_t hash)
{
	return *probe(t, hash);
}

static void slots_fill(struct mlg_topk *t)
{
	uint32_t i;

	slots_clear(t);
	for (i = 0; i < t->nitems; i++)
		*probe(t, t->items[i].hash) = i;
}

static void swap64(uint64_t *a, uint64_t *b)
{
	uint64_t x = *a;

	*a = *b;
	*b = x;
}

/*
 * The k-th largest of v[0 .. n) (1 <= k <= n), v reordered: Hoare's
 * selection with the median of three as pivot, then a scan of what is
 * left. Deterministic, O(n) on counts of any shape a stream gives.
 */
static uint64_t kth_largest(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, i, j, want = k - 1;
	uint64_t pivot;

	while (hi - lo > 16) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] > v[lo])
			swap64(&v[mid], &v[lo]);
		if (v[hi] > v[lo])
			swap64(&v[hi], &v[lo]);
		if (v[hi] > v[mid])
			swap64(&v[hi], &v[mid]);
		pivot = v[mid]; /* v[lo] >= pivot >= v[hi]: sentinels */
		i = lo;
		j = hi;
		for (;;) {
			while (v[++i] > pivot)
				;
			while (v[--j] < pivot)
				;
			if (i >= j)
				break;
			swap64(&v[i], &v[j]);
		}
		/* v[lo .. j] >= pivot >= v[j + 1 .. hi] */
		if (want <= j)
			hi = j;
		else
			lo = j + 1;
	}
	/* Few left: selection by insertion, largest first. */
	for (i = lo + 1; i <= hi; i++) {
		uint64_t x = v[i];

		for (j = i; j > lo && v[j - 1] < x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[want];
}

/* Keep the counters above `floor`, in order. */
static void keep_above(struct mlg_topk *t, uint64_t floor)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->nitems; i++)
		if (t->items[i].count > floor) {
			if (n != i)
				t->items[n] = t->items[i];
			n++;
		}
	t->nitems = n;
}

/* All counters in use and a new value: the cap/2-th largest count is
 * the new offset, and the counters up to it go, cap/2 + 1 at least. */
static void purge(struct mlg_topk *t)
{
	uint32_t i;

	for (i = 0; i < t->nitems; i++)
		t->counts[i] = t->items[i].count;
	t->offset = kth_largest(t->counts, t->nitems, t->cap / 2);
	keep_above(t, t->offset);
	slots_fill(t);
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
	uint32_t *slot = probe(t, hash), i = *slot;
	struct mlg_topk_item *it;

	t->n++;
	if (i != NIL) {
		t->items[i].count++;
		return;
	}
	if (t->nitems == t->cap) {
		purge(t);
		slot = probe(t, hash);
	}
	i = t->nitems++;
	*slot = i;
	it = &t->items[i];
	it->hash = hash;
	it->count = t->offset + 1;
	it->err = 0;
	set_value(it, s, len);
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
	c = memcmp(a->value, b->value,
		   (a->len < b->len ? a->len : b->len) + 1u);
	if (c)
		return c;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return 0;
}

/*
 * Mergeable summaries: a value held on both sides adds its counts, one
 * held on one side only is charged the other's offset, and the offsets
 * add. Past `cap` counters, those up to the (cap + 1)-th largest go.
 */
int mlg_topk_merge(struct mlg_topk *a, const struct mlg_topk *b)
{
	uint32_t i, j, nb = 0;
	uint64_t *extra, floor;

	if (a->cap != b->cap)
		return mlg_error_set(MLG_EINVALID,
				     "cannot merge top-k summaries with "
				     "capacities %u and %u",
				     a->cap, b->cap);
	if (a == b)
		MLG_BUG("merging a top-k summary into itself");
	if (b->n > MLG_TOPK_N_MAX - a->n)
		return mlg_error_set(MLG_EINVALID,
				     "cannot merge top-k summaries of more "
				     "than %" PRIu64 " values",
				     MLG_TOPK_N_MAX);
	/* Which of b's items a holds, before a changes. */
	extra = mlg_malloc(((size_t)b->nitems + 1) * sizeof(*extra));
	for (i = 0; i < b->nitems; i++) {
		j = find(a, b->items[i].hash);
		if (j != NIL)
			a->items[j].count += b->items[i].count - b->offset;
		else
			extra[nb++] = i;
	}
	for (i = 0; i < a->nitems; i++)
		a->items[i].count += b->offset;
	a->n += b->n;
	a->offset += b->offset;
	if (a->nitems + nb > a->cap) {
		/* The (cap + 1)-th largest of both sides' counts. */
		uint64_t *all =
			mlg_malloc(((size_t)a->nitems + nb) * sizeof(*all));
		uint32_t n = 0;

		for (i = 0; i < a->nitems; i++)
			all[n++] = a->items[i].count;
		for (i = 0; i < nb; i++)
			all[n++] = b->items[extra[i]].count + a->offset -
				   b->offset;
		floor = kth_largest(all, n, a->cap + 1);
		free(all);
	} else {
		floor = a->offset;
	}
	/* a's counters above the floor, then b's newcomers: cap at most */
	keep_above(a, floor);
	for (i = 0; i < nb; i++) {
		const struct mlg_topk_item *y = &b->items[extra[i]];
		uint64_t c = y->count + a->offset - b->offset;

		if (c <= floor)
			continue;
		a->items[a->nitems] = *y;
		a->items[a->nitems++].count = c;
	}
	free(extra);
	a->offset = floor;
	slots_fill(a);
	return 0;
}

size_t mlg_topk_list(struct mlg_topk_item *out, const struct mlg_topk *t,
		     size_t max)
{
	struct mlg_topk_item *all;
	size_t n = t->nitems < max ? t->nitems : max, i;

	if (!n)
		return 0;
	all = mlg_malloc(t->nitems * sizeof(*all));
	memcpy(all, t->items, t->nitems * sizeof(*all));
	qsort(all, t->nitems, sizeof(*all), cmp_items);
	for (i = 0; i < n; i++)
		all[i].err = t->offset;
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
	json_object_set_new(o, "offset", json_integer((json_int_t)t->offset));
	for (i = 0; i < n; i++) {
		e = json_object();
		snprintf(hash, sizeof(hash), "%016" PRIx64, all[i].hash);
		json_object_set_new(e, "value",
				    json_stringn(all[i].value, all[i].len));
		json_object_set_new(e, "hash", json_string(hash));
		json_object_set_new(e, "count",
				    json_integer((json_int_t)all[i].count));
		json_object_set_new(e, "truncated",
				    json_boolean(all[i].truncated));
		json_array_append_new(items, e);
	}
	json_object_set_new(o, "items", items);
	free(all);
	return o;
}

/* The two shapes: profile_version 1's space-saving items carry "err". */
static const char *const item_keys[2][6] = {
	{"value", "hash", "count", "truncated", NULL},
	{"value", "hash", "count", "err", "truncated", NULL},
};

/*
 * Load one item at p into *it, and for version 1 its err (`t` gives the
 * hashes seen so far). Counts must be above `floor`.
 */
static int load_item(struct mlg_topk_item *it, int64_t *err,
		     const struct mlg_topk *t, const struct mlg_json_doc *doc,
		     json_t *e, const char *p, int v1, uint64_t floor)
{
	const char *value, *hash;
	int64_t count;
	struct mlg_buf q = MLG_BUF_INIT;
	int trunc, rc;
	char *end;

	*err = 0;
	rc = mlg_json_check_keys(doc, e, p, item_keys[v1]);
	if (!rc)
		rc = mlg_json_get_str(doc, e, p, "value", 1, &value);
	if (!rc)
		rc = mlg_json_get_str(doc, e, p, "hash", 1, &hash);
	if (!rc)
		rc = mlg_json_get_int(doc, e, p, "count", 1, &count);
	if (!rc && v1)
		rc = mlg_json_get_int(doc, e, p, "err", 1, err);
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
	} else if (count < 1 || (uint64_t)count <= floor) {
		mlg_json_pointer_append(&q, "count");
		rc = mlg_json_error(doc, q.ptr,
				    "a count must be above the offset %" PRIu64,
				    floor);
	} else if (*err < 0 || *err >= count) {
		mlg_json_pointer_append(&q, "err");
		rc = mlg_json_error(doc, q.ptr,
				    "err must be 0 to count - 1, got %lld",
				    (long long)*err);
	} else if ((uint64_t)count - floor > t->n) {
		/* an upper bound is at most n plus the offset, merged ones
		 * too: n bounds their sums */
		mlg_json_pointer_append(&q, "count");
		rc = mlg_json_error(
			doc, q.ptr,
			"a count must be at most n plus the offset");
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
	it->err = 0;
	it->len = (uint8_t)strlen(value);
	memcpy(it->value, value, it->len + 1u);
	it->truncated = (uint8_t)trunc;
done:
	mlg_buf_release(&q);
	return rc;
}

/*
 * Both shapes. Version 1 (`cap` the summary's to be, at least the file's)
 * reads the space-saving items, then makes the offset what a value not
 * held may have had (the largest err, or the smallest count of a full
 * summary) and drops the counters not above it.
 */
static int load(struct mlg_topk *out, const struct mlg_json_doc *doc, json_t *v,
		const char *ptr, int v1, unsigned cap)
{
	static const char *const keys[2][5] = {
		{"cap", "n", "offset", "items", NULL},
		{"cap", "n", "items", NULL},
	};
	struct mlg_buf p = MLG_BUF_INIT;
	int64_t fcap, err;
	uint64_t n, offset = 0, sure = 0, worst = 0, least = UINT64_MAX;
	json_t *items, *e;
	size_t i, at;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_check_keys(doc, v, ptr, keys[v1]);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "cap", 1, &fcap);
	if (rc)
		goto done;
	mlg_buf_adds(&p, ptr);
	if (fcap < (v1 ? 1 : 2) || fcap > (v1 ? cap : MLG_TOPK_CAP_MAX)) {
		mlg_json_pointer_append(&p, "cap");
		rc = mlg_json_error(
			doc, p.ptr, "top-k capacity must be %d to %u, got %lld",
			v1 ? 1 : 2, v1 ? cap : (unsigned)MLG_TOPK_CAP_MAX,
			(long long)fcap);
		goto done;
	}
	if ((rc = mlg_json_get_count(doc, v, ptr, "n", 1, &n)) ||
	    (!v1 &&
	     (rc = mlg_json_get_count(doc, v, ptr, "offset", 1, &offset))))
		goto done;
	if (n > MLG_TOPK_N_MAX) {
		mlg_json_pointer_append(&p, "n");
		rc = mlg_json_error(doc, p.ptr, "n must be at most %" PRIu64,
				    MLG_TOPK_N_MAX);
		goto done;
	}
	if (offset && offset > n / ((uint64_t)fcap / 2)) {
		mlg_json_pointer_append(&p, "offset");
		rc = mlg_json_error(doc, p.ptr,
				    "an offset must be at most n / (cap / 2)");
		goto done;
	}
	items = json_object_get(v, "items");
	if (!items) {
		rc = mlg_json_error(doc, ptr,
				    "missing required property 'items'");
		goto done;
	}
	mlg_buf_truncate(&p, strlen(ptr));
	mlg_json_pointer_append(&p, "items");
	if (!json_is_array(items) || json_array_size(items) > (size_t)fcap) {
		rc = json_is_array(items)
			     ? mlg_json_error(doc, p.ptr,
					      "more items than the capacity "
					      "%lld",
					      (long long)fcap)
			     : mlg_json_error(doc, p.ptr,
					      "expected an array, found %s",
					      mlg_json_type_name(items));
		goto done;
	}
	mlg_topk_init(out, v1 ? cap : (unsigned)fcap);
	out->n = n;
	out->offset = offset;
	at = p.len;
	json_array_foreach (items, i, e) {
		struct mlg_topk_item *it = &out->items[i];

		mlg_buf_truncate(&p, at);
		mlg_buf_addf(&p, "/%zu", i);
		rc = load_item(it, &err, out, doc, e, p.ptr, v1, offset);
		if (rc)
			goto done;
		/* The guaranteed counts are of distinct values. */
		sure += it->count - offset - (uint64_t)err;
		if (sure > out->n) {
			rc = mlg_json_error(doc, p.ptr,
					    "guaranteed counts add up to more "
					    "than n");
			goto done;
		}
		if ((uint64_t)err > worst)
			worst = (uint64_t)err;
		if (it->count < least)
			least = it->count;
		*probe(out, it->hash) = (uint32_t)i;
		out->nitems = (uint32_t)i + 1;
	}
	if (v1) {
		out->offset =
			i == (size_t)fcap && least > worst ? least : worst;
		keep_above(out, out->offset);
		slots_fill(out);
	}
	/* A version 1 summary must meet the bound a version 2 one is read
	 * with, or the profile written from it could not be read back.
	 * Exact (offset 0): every value is held, with its true count; the
	 * counts then are what `sure` added (an offset of 0 keeps every
	 * item, and no item had an err). */
	if (out->offset ? out->offset > out->n / (out->cap / 2)
			: sure != out->n) {
		rc = mlg_json_error(doc, ptr,
				    out->offset
					    ? "an offset must be at most n "
					      "/ (cap / 2), got %" PRIu64
					    : "the counts of an exact summary "
					      "(offset %" PRIu64 ") must add "
					      "up to n",
				    out->offset);
		goto done;
	}
done:
	if (rc)
		mlg_topk_release(out);
	mlg_buf_release(&p);
	return rc;
}

int mlg_topk_from_json(struct mlg_topk *out, const struct mlg_json_doc *doc,
		       json_t *v, const char *ptr)
{
	return load(out, doc, v, ptr, 0, 0);
}

int mlg_topk_from_json_v1(struct mlg_topk *out, const struct mlg_json_doc *doc,
			  json_t *v, const char *ptr, unsigned cap)
{
	return load(out, doc, v, ptr, 1, cap);
}
