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

int mlg_topk_init(struct mlg_topk *t, unsigned cap)
{
	uint32_t slots = 1;

	memset(t, 0, sizeof(*t));
	if (cap < 1 || cap > MLG_TOPK_CAP_MAX)
		return mlg_error_set(MLG_EINVALID,
				     "top-k capacity must be 1 to %d, got %u",
				     MLG_TOPK_CAP_MAX, cap);
	/* At most half full: linear probes stay short. */
	while (slots < 2 * cap)
		slots <<= 1;
	t->cap = cap;
	t->mask = slots - 1;
	t->items = mlg_calloc(cap, sizeof(*t->items));
	t->heap = mlg_calloc(cap, sizeof(*t->heap));
	t->pos = mlg_calloc(cap, sizeof(*t->pos));
	t->hcount = mlg_calloc(cap, sizeof(*t->hcount));
	t->table = mlg_calloc(slots, sizeof(*t->table));
	return 0;
}

void mlg_topk_release(struct mlg_topk *t)
{
	free(t->items);
	free(t->heap);
	free(t->pos);
	free(t->hcount);
	free(t->table);
	memset(t, 0, sizeof(*t));
}

/* The slot holding `hash`, or the free slot where it would go. */
static uint32_t probe(const struct mlg_topk *t, uint64_t hash)
{
	uint32_t j = (uint32_t)hash & t->mask, e;

	while ((e = t->table[j]) && t->items[e - 1].hash != hash)
		j = (j + 1) & t->mask;
	return j;
}

/* Linear-probing deletion by backward shift: no tombstones, so probes
 * stay short however many values take over counters. */
static void unlink_slot(struct mlg_topk *t, uint32_t i)
{
	uint32_t j = i, home, e;

	for (;;) {
		j = (j + 1) & t->mask;
		e = t->table[j];
		if (!e)
			break;
		home = (uint32_t)t->items[e - 1].hash & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->table[i] = e;
			i = j;
		}
	}
	t->table[i] = 0;
}

/* The heap keeps a copy of each count next to the item index, so its
 * comparisons read one contiguous array instead of chasing pointers. */
static void heap_set(struct mlg_topk *t, uint32_t p, uint32_t item)
{
	t->heap[p] = item;
	t->hcount[p] = t->items[item].count;
	t->pos[item] = p;
}

static void heap_down(struct mlg_topk *t, uint32_t p)
{
	uint32_t item = t->heap[p], c, n = t->nitems;
	uint64_t count = t->items[item].count, *hc = t->hcount;

	while ((c = 2 * p + 1) < n) {
		c += c + 1 < n && hc[c + 1] < hc[c];
		if (hc[c] >= count)
			break;
		t->heap[p] = t->heap[c];
		hc[p] = hc[c];
		t->pos[t->heap[p]] = p;
		p = c;
	}
	heap_set(t, p, item);
}

static void heap_up(struct mlg_topk *t, uint32_t p)
{
	uint32_t item = t->heap[p], parent;
	uint64_t count = t->items[item].count;

	while (p && t->hcount[parent = (p - 1) / 2] > count) {
		t->heap[p] = t->heap[parent];
		t->hcount[p] = t->hcount[parent];
		t->pos[t->heap[p]] = p;
		p = parent;
	}
	heap_set(t, p, item);
}

/*
 * Store the display copy of <s, len>: whole code points up to
 * MLG_TOPK_VALUE_MAX bytes, U+FFFD for each invalid or NUL byte, so it
 * is valid UTF-8 JSON can carry.
 */
static void set_value(struct mlg_topk_item *it, const char *s, size_t len)
{
	size_t i = 0, o, step;
	size_t n = len < MLG_TOPK_VALUE_MAX ? len : MLG_TOPK_VALUE_MAX;
	uint32_t cp;
	int lost = 0;

	/* Plain ASCII, the common case, in one copy. */
	while (i < n && s[i] > 0)
		i++;
	memcpy(it->value, s, i);
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
	uint32_t j = probe(t, hash), i;
	struct mlg_topk_item *it;

	t->n++;
	if (t->table[j]) {
		i = t->table[j] - 1;
		t->items[i].count++;
		heap_down(t, t->pos[i]);
		return;
	}
	if (t->nitems < t->cap) {
		i = t->nitems++;
		it = &t->items[i];
		it->count = 1;
		it->err = 0;
		heap_set(t, t->nitems - 1, i);
	} else {
		/* Space-saving: the least counted value gives up its counter,
		 * and its count becomes the newcomer's possible error. */
		i = t->heap[0];
		it = &t->items[i];
		unlink_slot(t, probe(t, it->hash));
		j = probe(t, hash);
		it->err = it->count;
		it->count++;
	}
	it->hash = hash;
	set_value(it, s, len);
	t->table[j] = i + 1;
	if (it->count == 1)
		heap_up(t, t->pos[i]);
	else
		heap_down(t, t->pos[i]);
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

/* Rebuild the table and the heap from items[0 .. nitems). */
static void reindex(struct mlg_topk *t)
{
	uint32_t i;

	memset(t->table, 0, (t->mask + 1) * sizeof(*t->table));
	for (i = 0; i < t->nitems; i++) {
		t->table[probe(t, t->items[i].hash)] = i + 1;
		heap_set(t, i, i);
	}
	for (i = t->nitems / 2; i-- > 0;)
		heap_down(t, i);
}

static uint64_t min_count(const struct mlg_topk *t)
{
	return t->nitems == t->cap ? t->hcount[0] : 0;
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
		j = b->table[probe(b, all[n].hash)];
		if (j) {
			all[n].count += b->items[j - 1].count;
			all[n].err += b->items[j - 1].err;
		} else {
			all[n].count += minb;
			all[n].err += minb;
		}
		n++;
	}
	for (i = 0; i < b->nitems; i++) {
		if (a->table[probe(a, b->items[i].hash)])
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
	if (t->table[probe(t, it->hash)]) {
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
	int64_t cap, n;
	uint64_t sure = 0;
	json_t *items, *e;
	size_t i, at;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "cap", 1, &cap);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "n", 1, &n);
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
	if (n < 0) {
		mlg_json_pointer_append(&p, "n");
		rc = mlg_json_error(doc, p.ptr,
				    "expected a count (a non-negative "
				    "integer), found %lld",
				    (long long)n);
		goto done;
	}
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
		out->table[probe(out, it->hash)] = (uint32_t)i + 1;
		out->nitems = (uint32_t)i + 1;
	}
	reindex(out);
done:
	if (rc)
		mlg_topk_release(out);
	mlg_buf_release(&p);
	return rc;
}
