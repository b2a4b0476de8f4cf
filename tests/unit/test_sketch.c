#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/sketch.h"
#include "mlgate/util.h"
#include "test.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static double unif(void)
{
	return (double)(t_xorshift(&rng) >> 11) * 0x1p-53;
}

static void test_hash_pinned(void)
{
	static const char zeros[3] = {0, 0, 0};
	char big[100];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)i;
	/* Stored sketches depend on these values: never change them. */
	T_ASSERT(mlg_hash_bytes("", 0, 0) == 0x977d5c73bb49ea7dull);
	T_ASSERT(mlg_hash_bytes("abc", 3, 0) == 0xdcfe340721a9c9ddull);
	T_ASSERT(mlg_hash_bytes(big, 100, 7) == 0xa18cc163785085e0ull);
	T_ASSERT(mlg_hash_u64(0, 0) == 0x492b8d6066c09227ull);
	T_ASSERT(mlg_hash_double(1.5, 0) == 0x5d1ec3b5d5e114c3ull);
	/* NUL bytes and lengths count. */
	T_ASSERT(mlg_hash_bytes(zeros, 0, 0) != mlg_hash_bytes(zeros, 1, 0));
	T_ASSERT(mlg_hash_bytes(zeros, 1, 0) != mlg_hash_bytes(zeros, 2, 0));
	T_ASSERT(mlg_hash_bytes("a\0b", 3, 0) != mlg_hash_bytes("a\0c", 3, 0));
	T_ASSERT(mlg_hash_bytes(big, 100, 0) != mlg_hash_bytes(big, 99, 0));
	T_ASSERT(mlg_hash_bytes("abc", 3, 0) != mlg_hash_bytes("abc", 3, 1));
	/* The value, not the bits. */
	T_ASSERT(mlg_hash_double(-0.0, 3) == mlg_hash_double(0.0, 3));
	T_ASSERT(mlg_hash_double(NAN, 3) == mlg_hash_double(-NAN, 3));
	T_ASSERT(mlg_hash_double(1, 3) != mlg_hash_double(-1, 3));
}

/* Flipping any input bit flips each output bit with probability 1/2. */
static void test_hash_avalanche(void)
{
	static const size_t lens[] = {3, 8, 13, 16, 40, 64};
	unsigned char in[64];
	uint64_t h0, flips = 0, trials = 0;
	size_t li, i, bit;
	int t;

	for (li = 0; li < MLG_ARRAY_SIZE(lens); li++) {
		for (t = 0; t < 40; t++) {
			for (i = 0; i < lens[li]; i++)
				in[i] = (unsigned char)t_xorshift(&rng);
			h0 = mlg_hash_bytes(in, lens[li], 0);
			for (bit = 0; bit < lens[li] * 8; bit++) {
				in[bit / 8] ^= (unsigned char)(1 << bit % 8);
				flips += (uint64_t)__builtin_popcountll(
					h0 ^ mlg_hash_bytes(in, lens[li], 0));
				in[bit / 8] ^= (unsigned char)(1 << bit % 8);
				trials++;
			}
		}
	}
	T_EQ_DBL((double)flips / (double)trials, 32, 0.3 / 32);
	flips = trials = 0;
	for (t = 0; t < 1000; t++) {
		uint64_t x = t_xorshift(&rng);

		h0 = mlg_hash_u64(x, 0);
		for (bit = 0; bit < 64; bit++, trials++)
			flips += (uint64_t)__builtin_popcountll(
				h0 ^ mlg_hash_u64(x ^ (1ull << bit), 0));
	}
	T_EQ_DBL((double)flips / (double)trials, 32, 0.3 / 32);
}

static void test_hll_accuracy(void)
{
	static struct mlg_hll h;
	const double three_sigma = 3 * 1.04 / sqrt(MLG_HLL_M);
	uint64_t n, i, target;
	char key[32];
	int len;

	mlg_hll_init(&h);
	T_ASSERT(mlg_hll_count(&h) == 0);
	/* Tiny sets are counted almost exactly. */
	for (i = 0; i < 200; i++) {
		mlg_hll_add(&h, mlg_hash_u64(i, 9));
		mlg_hll_add(&h, mlg_hash_u64(i, 9));
		if (i == 0 || i == 9)
			T_EQ_INT(llround(mlg_hll_count(&h)), i + 1);
		if (i == 199)
			T_ASSERT(fabs(mlg_hll_count(&h) - 200) <= 2);
	}
	/* Strings and integers, 10^3 to 10^7 distinct values. */
	for (target = 1000; target <= 10000000; target *= 10) {
		mlg_hll_init(&h);
		for (n = 0; n < target; n++) {
			if (target <= 100000) {
				len = snprintf(key, sizeof(key), "user-%llu",
					       (unsigned long long)n);
				mlg_hll_add(&h, mlg_hash_bytes(key, (size_t)len,
							       0));
			} else {
				mlg_hll_add(&h, mlg_hash_u64(n, 1));
			}
		}
		T_ASSERT(fabs(mlg_hll_count(&h) / (double)target - 1) <=
			 three_sigma);
	}
}

static void test_hll_merge_json(void)
{
	static struct mlg_hll one, all, part, back;
	struct mlg_json_doc doc;
	uint64_t i, at, len;

	mlg_hll_init(&one);
	mlg_hll_init(&all);
	for (i = 0; i < 300000; i++)
		mlg_hll_add(&one, mlg_hash_u64(i % 100000, 0));
	for (at = 0; at < 300000; at += len) {
		len = 1 + t_xorshift(&rng) % 50000;
		mlg_hll_init(&part);
		for (i = at; i < at + len && i < 300000; i++)
			mlg_hll_add(&part, mlg_hash_u64(i % 100000, 0));
		mlg_hll_merge(&all, &part);
	}
	T_ASSERT(!memcmp(one.reg, all.reg, sizeof(one.reg)));
	mlg_hll_merge(&all, &one);
	T_ASSERT(!memcmp(one.reg, all.reg, sizeof(one.reg)));

	t_json_reparse(&doc, mlg_hll_to_json(&one));
	T_EQ_INT(mlg_hll_from_json(&back, &doc, doc.root, ""), 0);
	T_ASSERT(!memcmp(one.reg, back.reg, sizeof(one.reg)));
	T_ASSERT(mlg_hll_count(&back) == mlg_hll_count(&one));
	mlg_json_doc_release(&doc);
}

static void hll_bad(const char *text, const char *msg)
{
	static struct mlg_hll h;
	struct mlg_json_doc doc;

	T_EQ_INT(mlg_json_parse(&doc, "s.json", text, strlen(text)), 0);
	h.reg[5] = 3;
	T_EQ_INT(mlg_hll_from_json(&h, &doc, doc.root, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(h.reg[5], 0);
	mlg_json_doc_release(&doc);
}

/* The JSON text of h, and h read back from it. */
static char *hll_text(struct mlg_hll *back, const struct mlg_hll *h)
{
	struct mlg_json_doc doc;
	json_t *j = mlg_hll_to_json(h);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	T_EQ_INT(mlg_json_parse(&doc, "s.json", s, strlen(s)), 0);
	T_EQ_INT(mlg_hll_from_json(back, &doc, doc.root, ""), 0);
	T_ASSERT(!memcmp(h->reg, back->reg, sizeof(h->reg)));
	mlg_json_doc_release(&doc);
	return s;
}

/* Under 4096 registers set, the sparse form is the shorter one. */
static void test_hll_sparse_json(void)
{
	static struct mlg_hll h, back;
	char *s;
	int i, n;

	mlg_hll_init(&h);
	s = hll_text(&back, &h);
	T_EQ_STR(s, "{\"p\":14,\"sparse\":\"\"}");
	free(s);
	/* index in three base64 digits, then the value */
	h.reg[0] = 1;
	h.reg[5] = 51;
	h.reg[4095] = 2;
	h.reg[MLG_HLL_M - 1] = 3;
	s = hll_text(&back, &h);
	T_EQ_STR(s, "{\"p\":14,\"sparse\":\"AAABAAFzA//CD//D\"}");
	free(s);
	mlg_hll_init(&h);
	for (i = 0; i < 4095; i++)
		h.reg[i * 4 + 1] = (uint8_t)(1 + i % 51);
	s = hll_text(&back, &h);
	T_EQ_INT(strlen(s), strlen("{\"p\":14,\"sparse\":\"\"}") + 4095 * 4);
	T_ASSERT(!strncmp(s, "{\"p\":14,\"sparse\":\"AABB", 22));
	free(s);
	h.reg[2] = 7;
	s = hll_text(&back, &h);
	T_EQ_INT(strlen(s),
		 strlen("{\"p\":14,\"registers\":\"\"}") + MLG_HLL_M);
	T_ASSERT(!strncmp(s, "{\"p\":14,\"registers\":\"ABHA", 25));
	free(s);
	/* a real sketch of 300 values: a register each, but for the few
	 * that share one; counted the same when read */
	mlg_hll_init(&h);
	for (i = 0; i < 1000; i++)
		mlg_hll_add(&h, mlg_hash_u64((uint64_t)i % 300, 3));
	for (i = n = 0; i < MLG_HLL_M; i++)
		n += h.reg[i] != 0;
	T_ASSERT(n >= 290 && n <= 300);
	s = hll_text(&back, &h);
	T_EQ_INT(strlen(s), strlen("{\"p\":14,\"sparse\":\"\"}") + 4 * n);
	T_ASSERT(mlg_hll_count(&back) == mlg_hll_count(&h));
	T_EQ_INT(llround(mlg_hll_count(&back)), 300);
	free(s);
}

static void test_hll_json_errors(void)
{
	struct mlg_buf t = MLG_BUF_INIT;
	size_t at;
	int i;

	hll_bad("{\"p\":12,\"registers\":\"\"}",
		"'s.json': 1:2: /p: unsupported precision 12, expected 14");
	hll_bad("{\"p\":14,\"registers\":\"AAAA\"}",
		"'s.json': 1:9: /registers: expected 16384 registers, found 4");
	hll_bad("{\"p\":14}",
		"'s.json': 1:1: /: expected one of 'registers' and 'sparse'");
	hll_bad("{\"p\":14,\"registers\":\"\",\"sparse\":\"\"}",
		"'s.json': 1:1: /: expected one of 'registers' and 'sparse', "
		"found both");
	hll_bad("{\"p\":14,\"sparse\":[]}",
		"'s.json': 1:9: /sparse: expected a string, found array");
	hll_bad("{\"p\":14,\"sparse\":\"AAABAAF\"}",
		"'s.json': 1:9: /sparse: expected 4 characters a register, "
		"found 7 in all");
	hll_bad("{\"p\":14,\"sparse\":\"AAABA=FB\"}",
		"'s.json': 1:9: /sparse: invalid character 5: '='");
	/* a bad byte is named before the length is counted */
	hll_bad("{\"p\":14,\"sparse\":\"AAA\xc3\xa9\"}",
		"'s.json': 1:9: /sparse: invalid character 3: byte 0xc3");
	hll_bad("{\"p\":14,\"registers\":\"AB\xc3\xa9\"}",
		"'s.json': 1:9: /registers: invalid register 2: byte 0xc3");
	hll_bad("{\"p\":14,\"sparse\":\"AAABEAAB\"}",
		"'s.json': 1:9: /sparse: register 16384 out of range "
		"(0 to 16383)");
	hll_bad("{\"p\":14,\"sparse\":\"AAFBAAEB\"}",
		"'s.json': 1:9: /sparse: register 4 after register 5: "
		"expected increasing order");
	hll_bad("{\"p\":14,\"sparse\":\"AAFBAAFC\"}",
		"'s.json': 1:9: /sparse: register 5 after register 5: "
		"expected increasing order");
	hll_bad("{\"p\":14,\"sparse\":\"AAFA\"}",
		"'s.json': 1:9: /sparse: register 5 is 0, expected 1 to 51");
	hll_bad("{\"p\":14,\"sparse\":\"AAF0\"}",
		"'s.json': 1:9: /sparse: register 5 is 52, expected 1 to 51");
	mlg_buf_adds(&t, "{\"p\":14,\"registers\":\"");
	at = t.len;
	for (i = 0; i < MLG_HLL_M; i++)
		mlg_buf_addch(&t, 'A');
	mlg_buf_adds(&t, "\"}");
	t.ptr[at + 100] = 'z'; /* 51: the largest rank */
	t.ptr[at + 200] = '0'; /* 52: impossible */
	hll_bad(t.ptr, "'s.json': 1:9: /registers: invalid register 200: "
		       "'0'");
	t.ptr[at + 200] = '\x7f';
	hll_bad(t.ptr, "'s.json': 1:9: /registers: invalid register 200: "
		       "byte 0x7f");
	t.ptr[at + 200] = 'A';
	t.ptr[at + 300] = '=';
	hll_bad(t.ptr, "'s.json': 1:9: /registers: invalid register 300: "
		       "'='");
	mlg_buf_release(&t);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The largest distance between q and the true rank interval of the
 * reported quantile, over q = 0, 0.01, ..., 1. */
static double worst_rank_error(const struct mlg_kll *s, const double *sorted,
			       size_t n)
{
	double qs[101], out[101], worst = 0, lo, hi;
	size_t a, b, m, i;

	for (i = 0; i <= 100; i++)
		qs[i] = (double)i / 100;
	mlg_kll_quantiles(out, s, qs, 101);
	for (i = 0; i <= 100; i++) {
		for (a = 0, b = n; a < b;) {
			m = a + (b - a) / 2;
			if (sorted[m] < out[i])
				a = m + 1;
			else
				b = m;
		}
		lo = (double)a / (double)n;
		for (b = n; a < b;) {
			m = a + (b - a) / 2;
			if (sorted[m] <= out[i])
				a = m + 1;
			else
				b = m;
		}
		hi = (double)a / (double)n;
		if (qs[i] < lo)
			worst = fmax(worst, lo - qs[i]);
		if (qs[i] > hi)
			worst = fmax(worst, qs[i] - hi);
	}
	return worst;
}

#define KLL_EPS 0.0133

static void test_kll_accuracy(void)
{
	const size_t n = 1000000;
	double *x = mlg_malloc(n * sizeof(*x));
	double *sorted = mlg_malloc(n * sizeof(*x));
	struct mlg_kll one, all, part;
	size_t i, at, len;
	int dist;

	for (dist = 0; dist < 5; dist++) {
		for (i = 0; i < n; i++) {
			if (dist == 0) /* uniform */
				x[i] = unif() * 1000 - 500;
			else if (dist == 1) /* normal-ish: sum of 4 */
				x[i] = unif() + unif() + unif() + unif();
			else if (dist == 2) /* heavy ties */
				x[i] = (double)(t_xorshift(&rng) % 10);
			else if (dist == 3) /* sorted */
				x[i] = (double)i;
			else /* reverse sorted */
				x[i] = (double)(n - i);
		}
		memcpy(sorted, x, n * sizeof(*x));
		qsort(sorted, n, sizeof(*x), cmp_dbl);
		T_EQ_INT(mlg_kll_init(&one, MLG_KLL_K_DEFAULT, 1), 0);
		for (i = 0; i < n; i++)
			mlg_kll_add(&one, x[i]);
		T_EQ_INT(one.n, n);
		/* Up to a batch waits in level 0, and counts. */
		T_ASSERT(worst_rank_error(&one, sorted, n) <= KLL_EPS);
		mlg_kll_settle(&one);
		T_ASSERT(one.size <= one.capacity);
		T_ASSERT(one.size < 3 * 200 + 8 * one.nlevels);
		T_ASSERT(mlg_kll_quantile(&one, 0) == sorted[0]);
		T_ASSERT(mlg_kll_quantile(&one, 1) == sorted[n - 1]);
		T_ASSERT(worst_rank_error(&one, sorted, n) <= KLL_EPS);
		/* Chunks of random sizes, each its own seed, merged in order. */
		T_EQ_INT(mlg_kll_init(&all, MLG_KLL_K_DEFAULT, 1), 0);
		for (at = 0; at < n; at += len) {
			len = 1 + t_xorshift(&rng) % 100000;
			T_EQ_INT(mlg_kll_init(&part, MLG_KLL_K_DEFAULT, at), 0);
			for (i = at; i < at + len && i < n; i++)
				mlg_kll_add(&part, x[i]);
			T_EQ_INT(mlg_kll_merge(&all, &part), 0);
			mlg_kll_release(&part);
		}
		T_EQ_INT(all.n, n);
		T_ASSERT(all.size <= all.capacity);
		T_ASSERT(worst_rank_error(&all, sorted, n) <= KLL_EPS);
		mlg_kll_release(&one);
		mlg_kll_release(&all);
	}
	free(x);
	free(sorted);
}

static void test_kll_small_exact(void)
{
	struct mlg_kll s, e;
	double edges[5];
	int i;

	T_EQ_INT(mlg_kll_init(&s, 8, 0), 0);
	T_EQ_INT(mlg_kll_init(&e, 200, 0), 0);
	T_ASSERT(isnan(mlg_kll_quantile(&e, 0.5)));
	T_ASSERT(isnan(mlg_kll_rank(&e, 1)));
	T_EQ_INT(mlg_kll_bin_edges(edges, &e, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot compute bin edges of an empty sketch");
	T_EQ_INT(mlg_kll_merge(&s, &e), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge KLL sketches with k 8 and 200");
	T_EQ_INT(mlg_kll_init(&s, 7, 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "KLL k must be 8 to 65535, got 7");
	/* Under capacity the sketch is exact. */
	for (i = 100; i >= 1; i--)
		mlg_kll_add(&e, i);
	mlg_kll_add(&e, NAN);
	mlg_kll_add(&e, -INFINITY);
	T_EQ_INT(e.n, 100);
	T_ASSERT(mlg_kll_quantile(&e, 0.5) == 50);
	T_ASSERT(mlg_kll_quantile(&e, 0.505) == 51);
	T_ASSERT(mlg_kll_quantile(&e, -3) == 1);
	T_ASSERT(mlg_kll_quantile(&e, NAN) == 1);
	T_ASSERT(mlg_kll_quantile(&e, 7) == 100);
	T_ASSERT(mlg_kll_rank(&e, 50) == 0.5);
	T_ASSERT(mlg_kll_rank(&e, 50.5) == 0.5);
	T_ASSERT(mlg_kll_rank(&e, 0) == 0);
	T_ASSERT(mlg_kll_rank(&e, 1000) == 1);
	T_ASSERT(isnan(mlg_kll_rank(&e, NAN)));
	T_EQ_INT(mlg_kll_bin_edges(edges, &e, 4), 0);
	T_ASSERT(edges[0] == 1 && edges[1] == 25 && edges[2] == 50 &&
		 edges[3] == 75 && edges[4] == 100);
	T_EQ_INT(mlg_kll_bin_edges(edges, &e, 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "the number of bins must be 1 to 65536, got 0");
	mlg_kll_release(&e);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Level 0 sorted at every size around the edges of the ways sort() takes
 * (16 by a network, up to 512 by runs of 16 merged, more by quicksort):
 * under capacity the sketch is exact, so the item of each rank is the
 * one qsort() puts there. Values with ties, descending runs and both
 * signs.
 */
static void test_kll_sort_sizes(void)
{
	static const size_t sizes[] = {2,   15,	 16,  17,  31,	32,  33,
				       47,  48,	 63,  64,  65,	255, 256,
				       257, 300, 511, 512, 513, 700};
	double want[700] = {0};
	struct mlg_kll s;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t k, i, n, bad = 0;

	for (k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		n = sizes[k];
		T_EQ_INT(mlg_kll_init(&s, 65535, 0), 0);
		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			want[i] = i % 5 == 4 ? (double)(n - i)
					     : (double)((int64_t)(x % 61) - 30);
			mlg_kll_add(&s, want[i]);
		}
		qsort(want, n, sizeof(*want), cmp_double);
		for (i = 0; i < n; i++)
			bad += mlg_kll_quantile(&s, (i + 0.5) / (double)n) !=
			       want[i];
		mlg_kll_release(&s);
	}
	T_EQ_INT(bad, 0);
}

/* Every level above 0 is sorted and the weights add up to n. */
static void kll_check(const struct mlg_kll *s)
{
	uint64_t w = 0;
	uint32_t h;
	size_t i;

	for (h = 0; h < s->nlevels && h < MLG_KLL_MAX_LEVELS; h++) {
		for (i = 1; h && i < s->len[h]; i++)
			T_ASSERT(!(s->items[h][i - 1] > s->items[h][i]));
		w += (uint64_t)s->len[h] << h;
	}
	T_EQ_INT(w, s->n);
}

/*
 * Hundreds of compactions of level 0 (radix sorts of a batch) and of
 * the levels above, on values with ties, -0 and 0, both signs, the
 * extremes of doubles, and runs already sorted: a sort that puts one
 * item out of place breaks kll_check(). The state at the end is pinned
 * too, as a sketch compacts the same everywhere.
 */
static void test_kll_levels(void)
{
	struct mlg_kll s;
	uint64_t x = 7, state = 0;
	uint32_t h;
	size_t i;

	T_EQ_INT(mlg_kll_init(&s, MLG_KLL_K_DEFAULT, 3), 0);
	for (i = 0; i < 300000; i++) {
		double v;

		t_xorshift(&x);
		if (i % 1000 < 100)
			v = (double)i;
		else if (x % 7 == 0)
			v = x % 2 ? -0.0 : 0.0;
		else if (x % 11 == 0)
			v = x % 4 < 2 ? (x % 2 ? -DBL_MAX : DBL_MAX)
				      : (x % 2 ? -4.9e-324 : 4.9e-324);
		else
			v = ((double)(x % 5000) - 2500) / 8;
		mlg_kll_add(&s, v);
		if (i % 997 == 0)
			kll_check(&s);
	}
	kll_check(&s);
	mlg_kll_settle(&s);
	kll_check(&s);
	for (h = 0; h < s.nlevels && h < MLG_KLL_MAX_LEVELS; h++)
		for (i = 0; i < s.len[h]; i++) {
			uint64_t bits;

			memcpy(&bits, &s.items[h][i], sizeof(bits));
			state = mlg_hash_u64(state ^ bits, h);
		}
	T_EQ_INT(s.size, 587);
	T_EQ_INT(state, 4007155168093177445ULL);
	mlg_kll_release(&s);
}

static void test_kll_deterministic_json(void)
{
	struct mlg_kll a, b, back;
	struct mlg_buf ta = MLG_BUF_INIT, tb = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	double qa, qb;
	int i;

	mlg_kll_init(&a, 64, 5);
	mlg_kll_init(&b, 64, 5);
	for (i = 0; i < 50000; i++) {
		double v = sin(i) * 100;

		mlg_kll_add(&a, v);
		mlg_kll_add(&b, v);
	}
	/* Holding a batch, a sketch is written settled. */
	T_ASSERT(a.size > a.capacity);
	t_json_dump_new(&ta, mlg_kll_to_json(&a));
	mlg_kll_settle(&b);
	t_json_dump_new(&tb, mlg_kll_to_json(&b));
	T_EQ_STR(ta.ptr, tb.ptr);
	T_EQ_INT(mlg_json_parse(&doc, "s.json", ta.ptr, ta.len), 0);
	T_EQ_INT(mlg_kll_from_json(&back, &doc, doc.root, ""), 0);
	mlg_json_doc_release(&doc);
	/* The loaded sketch answers and goes on exactly as the original,
	 * once settled. */
	mlg_kll_settle(&a);
	T_ASSERT(mlg_kll_quantile(&back, 0.3) == mlg_kll_quantile(&a, 0.3));
	for (i = 0; i < 1000; i++) {
		mlg_kll_add(&a, i);
		mlg_kll_add(&back, i);
	}
	qa = mlg_kll_quantile(&a, 0.9);
	qb = mlg_kll_quantile(&back, 0.9);
	T_ASSERT(qa == qb);
	T_EQ_INT(mlg_kll_merge(&a, &b), 0);
	T_EQ_INT(mlg_kll_merge(&back, &b), 0);
	mlg_buf_reset(&ta);
	mlg_buf_reset(&tb);
	t_json_dump_new(&ta, mlg_kll_to_json(&a));
	t_json_dump_new(&tb, mlg_kll_to_json(&back));
	T_EQ_STR(ta.ptr, tb.ptr);
	mlg_kll_release(&a);
	mlg_kll_release(&b);
	mlg_kll_release(&back);
	mlg_buf_release(&ta);
	mlg_buf_release(&tb);

	mlg_kll_init(&a, 200, 0);
	t_json_reparse(&doc, mlg_kll_to_json(&a));
	T_EQ_INT(mlg_kll_from_json(&back, &doc, doc.root, ""), 0);
	T_EQ_INT(back.n, 0);
	mlg_kll_release(&back);
	mlg_json_doc_release(&doc);
}

static void kll_bad(const char *text, const char *msg)
{
	struct mlg_json_doc doc;
	struct mlg_kll s;

	T_EQ_INT(mlg_json_parse(&doc, "s.json", text, strlen(text)), 0);
	T_EQ_INT(mlg_kll_from_json(&s, &doc, doc.root, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_ASSERT(!s.items[0] && !s.n);
	mlg_json_doc_release(&doc);
}

#define KLL_HEAD                                                               \
	"{\"k\":8,\"n\":3,\"min\":1,\"max\":3,\"rng\":\"0000000000000001\","

static void test_kll_json_errors(void)
{
	struct mlg_buf t = MLG_BUF_INIT;
	int i;

	kll_bad(KLL_HEAD "\"levels\":[[1,2]]}",
		"'s.json': 1:55: /levels: levels hold 2 values, n is 3");
	kll_bad(KLL_HEAD "\"levels\":[[1],[3,2]]}",
		"'s.json': 1:72: /levels/1/1: items of levels above 0 must be "
		"sorted");
	kll_bad(KLL_HEAD "\"levels\":[[1,2,4]]}",
		"'s.json': 1:70: /levels/0/2: item outside [min, max]");
	kll_bad("{\"k\":4,\"n\":0,\"min\":null,\"max\":null,\"rng\":\"1\","
		"\"levels\":[[]]}",
		"'s.json': 1:2: /k: KLL k must be 8 to 65535, got 4");
	kll_bad("{\"k\":8,\"n\":0,\"min\":0,\"max\":null,\"rng\":\"1\","
		"\"levels\":[[]]}",
		"'s.json': 1:14: /min: expected null when n is 0");
	kll_bad("{\"k\":8,\"n\":0,\"min\":null,\"max\":null,\"rng\":\"1\","
		"\"levels\":[[]]}",
		"'s.json': 1:36: /rng: expected 16 lowercase hex digits");
	kll_bad("{\"k\":8,\"n\":-1,\"min\":null,\"max\":null,\"rng\":\"1\","
		"\"levels\":[[]]}",
		"'s.json': 1:8: /n: expected a count (a non-negative integer), "
		"found -1");
	/* k = 8 with one level holds at most 8 items. */
	mlg_buf_adds(&t, "{\"k\":8,\"n\":9,\"min\":0,\"max\":9,"
			 "\"rng\":\"0000000000000001\",\"levels\":[[");
	for (i = 0; i < 9; i++)
		mlg_buf_addf(&t, "%s%d", i ? "," : "", i);
	mlg_buf_adds(&t, "]]}");
	kll_bad(t.ptr, "'s.json': 1:65: /levels/0: too many items for k 8");
	mlg_buf_release(&t);
}

static const char *vname(char *buf, int id)
{
	snprintf(buf, 32, "v%d", id);
	return buf;
}

/* Zipf-like ids from 1 to 5000: id r with probability ~ 1/r. */
static int zipf(void)
{
	return (int)floor(pow(5000, unif()));
}

static void check_guarantees(const struct mlg_topk *t, const uint64_t *truth)
{
	struct mlg_topk_item items[64];
	size_t n = mlg_topk_list(items, t, 64), i;
	int id, reported[5001] = {0};

	T_ASSERT(n >= 2 && n <= t->cap);
	T_ASSERT(!mlg_topk_exact(t));
	for (i = 0; i < n; i++) {
		T_ASSERT(sscanf(items[i].value, "v%d", &id) == 1);
		reported[id] = 1;
		T_ASSERT(items[i].count - items[i].err <= truth[id]);
		T_ASSERT(truth[id] <= items[i].count);
		T_EQ_INT(items[i].err, t->offset);
		T_ASSERT(items[i].err <= 2 * t->n / t->cap);
		if (i)
			T_ASSERT(items[i].count <= items[i - 1].count);
	}
	for (id = 1; id <= 5000; id++)
		if (truth[id] > t->offset)
			T_ASSERT(reported[id]);
}

static void test_topk_stream_and_merge(void)
{
	static uint64_t truth[5001];
	struct mlg_topk one, all, part;
	struct mlg_topk_item top[20];
	int *ids = mlg_malloc(200000 * sizeof(*ids));
	size_t i, at, len;
	char buf[32];

	for (i = 0; i < 200000; i++) {
		ids[i] = zipf();
		truth[ids[i]]++;
	}
	T_EQ_INT(mlg_topk_init(&one, 64), 0);
	for (i = 0; i < 200000; i++)
		mlg_topk_add(&one, vname(buf, ids[i]),
			     strlen(vname(buf, ids[i])));
	T_EQ_INT(one.n, 200000);
	check_guarantees(&one, truth);
	/* The most frequent values come first, exactly ordered here. */
	T_EQ_INT(mlg_topk_list(top, &one, 20), 20);
	T_EQ_STR(top[0].value, "v1");
	T_EQ_STR(top[1].value, "v2");

	T_EQ_INT(mlg_topk_init(&all, 64), 0);
	for (at = 0; at < 200000; at += len) {
		len = 1 + t_xorshift(&rng) % 30000;
		mlg_topk_init(&part, 64);
		for (i = at; i < at + len && i < 200000; i++)
			mlg_topk_add(&part, vname(buf, ids[i]),
				     strlen(vname(buf, ids[i])));
		T_EQ_INT(mlg_topk_merge(&all, &part), 0);
		mlg_topk_release(&part);
	}
	T_EQ_INT(all.n, 200000);
	check_guarantees(&all, truth);
	mlg_topk_init(&part, 32);
	T_EQ_INT(mlg_topk_merge(&all, &part), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge top-k summaries with capacities 64 and 32");
	mlg_topk_release(&part);
	mlg_topk_release(&one);
	mlg_topk_release(&all);
	free(ids);
}

/* A listed item is `value`, counted `count` with error `err`. */
static void item_is(const struct mlg_topk_item *it, const char *value,
		    uint64_t count, uint64_t err)
{
	T_EQ_STR(it->value, value);
	T_EQ_INT(it->count, count);
	T_EQ_INT(it->err, err);
}

/* Merges that fill the summary: b's newcomers take the room of a's
 * counters that go, and every guarantee holds. */
static void test_topk_merge_full(void)
{
	struct mlg_topk a, b, c;
	struct mlg_topk_item it[8];
	char buf[32];
	int i, k;

	mlg_topk_init(&a, 8);
	mlg_topk_init(&b, 8);
	for (i = 0; i < 8; i++) {
		vname(buf, i);
		mlg_topk_add(&a, buf, strlen(buf));
		vname(buf, 100 + i);
		for (k = 0; k < 5; k++)
			mlg_topk_add(&b, buf, strlen(buf));
	}
	T_ASSERT(mlg_topk_exact(&a) && mlg_topk_exact(&b));
	T_EQ_INT(mlg_topk_merge(&a, &b), 0);
	/* 16 values: the 9th largest count, 1, is the offset */
	T_EQ_INT(a.n, 48);
	T_EQ_INT(a.offset, 1);
	T_EQ_INT(mlg_topk_list(it, &a, 8), 8);
	for (i = 0; i < 8; i++) {
		item_is(&it[i], vname(buf, 100 + i), 5, 1);
	}
	/* An exact one into it: "new" is charged a's offset, 1 + 1, and
	 * is the 9th largest, the new offset. */
	mlg_topk_init(&c, 8);
	for (k = 0; k < 3; k++)
		mlg_topk_add(&c, "v100", 4);
	mlg_topk_add(&c, "new", 3);
	T_EQ_INT(mlg_topk_merge(&a, &c), 0);
	T_EQ_INT(a.offset, 2);
	T_EQ_INT(a.n, 52);
	T_EQ_INT(mlg_topk_list(it, &a, 8), 8);
	item_is(&it[0], "v100", 8, 2);
	/* And the other way: the offsets add, c's counters gain a's offset
	 * and "new", now 3, goes: v100 holds 8 as 11 - 3. */
	T_EQ_INT(mlg_topk_merge(&c, &a), 0);
	T_EQ_INT(c.offset, 3);
	T_EQ_INT(mlg_topk_list(it, &c, 8), 8);
	item_is(&it[0], "v100", 11, 3);
	T_EQ_STR(it[1].value, "v101");
	T_EQ_INT(it[1].count, 5);
	mlg_topk_release(&a);
	mlg_topk_release(&b);
	mlg_topk_release(&c);
}

static void test_topk_exact_and_values(void)
{
	struct mlg_topk t;
	struct mlg_topk_item it[8];
	char longer[100];
	int i;

	T_EQ_INT(mlg_topk_init(&t, 1), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "top-k capacity must be 2 to 4096, got 1");
	T_EQ_INT(mlg_topk_init(&t, 4), 0);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 0);
	for (i = 0; i < 5; i++)
		mlg_topk_add(&t, "b", 1);
	for (i = 0; i < 6; i++)
		mlg_topk_add(&t, "a", 1);
	mlg_topk_add(&t, "", 0);
	mlg_topk_add(&t, "a\0b\xff", 4);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 4);
	T_ASSERT(mlg_topk_exact(&t));
	item_is(&it[0], "a", 6, 0);
	T_EQ_STR(it[1].value, "b");
	T_EQ_STR(it[2].value, ""); /* ties: by value */
	T_EQ_STR(it[3].value, "a\xef\xbf\xbd"
			      "b\xef\xbf\xbd");
	T_EQ_INT(it[3].len, 8);
	T_EQ_INT(it[3].truncated, 1);
	T_EQ_INT(it[2].truncated, 0);
	/* A fifth value purges: the second largest count, 5, is the offset,
	 * only "a" keeps its counter, and "c" comes in as 1 above it. */
	mlg_topk_add(&t, "c", 1);
	T_ASSERT(!mlg_topk_exact(&t));
	T_EQ_INT(t.offset, 5);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 2);
	item_is(&it[0], "a", 6, 5);
	item_is(&it[1], "c", 6, 5);
	mlg_topk_release(&t);

	/* Long values: cut at a code point, counted by their full hash. */
	mlg_topk_init(&t, 4);
	memset(longer, 'x', sizeof(longer));
	memcpy(longer + 63, "\xc3\xa9", 2);
	mlg_topk_add(&t, longer, 100);
	longer[99] = 'y';
	mlg_topk_add(&t, longer, 100);
	mlg_topk_add(&t, longer, 100);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 2);
	T_EQ_INT(it[0].count, 2);
	T_EQ_INT(it[0].len, 63);
	T_EQ_INT(it[0].truncated, 1);
	T_EQ_STR(it[0].value, it[1].value);
	mlg_topk_release(&t);
}

/* The summary by its definition: lower bounds, and when a new value finds
 * all `cap` in use, the cap/2-th largest comes off every counter and
 * those left at 0 or below go. */
struct ref_item {
	uint64_t hash, low;
};

static int by_hash(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static void ref_add(struct ref_item *r, size_t *n, size_t cap, uint64_t *offset,
		    uint64_t hash)
{
	uint64_t low[16], d;
	size_t i, m = 0;

	for (i = 0; i < *n; i++)
		if (r[i].hash == hash) {
			r[i].low++;
			return;
		}
	if (*n == cap) {
		for (i = 0; i < cap; i++)
			low[i] = r[i].low;
		qsort(low, cap, sizeof(*low), by_hash);
		d = low[cap - cap / 2];
		for (i = 0; i < cap; i++)
			if (r[i].low > d)
				r[m++] = (struct ref_item){r[i].hash,
							   r[i].low - d};
		*n = m;
		*offset += d;
	}
	r[(*n)++] = (struct ref_item){hash, 1};
}

/* Values whose hashes start at three slots, so that probes run long and
 * purges rebuild crowded tables, against the definition after every 97
 * adds. */
static void test_topk_model(void)
{
	struct ref_item ref[16] = {{0}};
	struct mlg_topk_item it[16];
	struct mlg_topk t;
	size_t nref = 0, n, i;
	uint64_t now, id, hash, offset = 0;
	char name[32];

	T_EQ_INT(mlg_topk_init(&t, 16), 0);
	for (now = 1; now <= 30000; now++) {
		id = (uint64_t)floor(pow(300, unif()));
		hash = id << 20 | id % 3;
		vname(name, (int)id);
		mlg_topk_add_hashed(&t, hash, name, strlen(name));
		ref_add(ref, &nref, 16, &offset, hash);
		if (now % 97)
			continue;
		n = mlg_topk_list(it, &t, 16);
		T_EQ_INT(n, nref);
		T_EQ_INT(t.offset, offset);
		qsort(ref, nref, sizeof(*ref), by_hash);
		qsort(it, n, sizeof(*it), by_hash);
		for (i = 0; i < n; i++) {
			T_EQ_INT(it[i].hash, ref[i].hash);
			T_EQ_INT(it[i].count, ref[i].low + offset);
			T_EQ_INT(it[i].err, offset);
			snprintf(name, sizeof(name), "v%d",
				 (int)(it[i].hash >> 20));
			T_EQ_STR(it[i].value, name);
		}
	}
	T_ASSERT(offset > 0);
	mlg_topk_release(&t);
}

/* A NUL or a byte that starts no code point, at each place of values of
 * 1 to 20 bytes: the copy shows U+FFFD there, and only there. */
static void test_topk_odd_bytes(void)
{
	static const char odd[] = {'\0', '\x80', '\xff'};
	struct mlg_topk_item it[1];
	struct mlg_topk t;
	char s[20], want[64];
	size_t n, at, k;

	for (n = 1; n <= 20; n++)
		for (at = 0; at <= n; at++)
			for (k = 0; k < 3; k++) {
				memset(s, 'a' + (int)n, n);
				memset(want, 'a' + (int)n, n + 2);
				if (at < n) {
					s[at] = odd[k];
					memcpy(want + at, "\xef\xbf\xbd", 3);
				}
				want[at < n ? n + 2 : n] = '\0';
				mlg_topk_init(&t, 2);
				mlg_topk_add(&t, s, n);
				T_EQ_INT(mlg_topk_list(it, &t, 1), 1);
				T_EQ_STR(it[0].value, want);
				T_EQ_INT(it[0].truncated, at < n);
				mlg_topk_release(&t);
			}
}

/* The same among two-byte code points, on values of up to 80 bytes:
 * the copy keeps whole code points up to 64 bytes, U+FFFD counted as
 * three. */
static void test_topk_odd_bytes_utf8(void)
{
	static const char odd[] = {'\0', '\x80', '\xff'};
	struct mlg_topk_item it[1];
	struct mlg_topk t;
	char s[80], want[80];
	size_t m, at, k, j, n, o;
	int cut;

	for (m = 1; m <= 40; m++)
		for (at = 0; at <= m; at++)
			for (k = 0; k < 3; k++) {
				n = o = 0;
				cut = 0;
				for (j = 0; j < m; j++) {
					const char *rep =
						j == at ? "\xef\xbf\xbd"
							: "\xc3\xa9";

					if (j == at) {
						s[n++] = odd[k];
					} else {
						memcpy(s + n, rep, 2);
						n += 2;
					}
					if (cut || o + strlen(rep) > 64) {
						cut = 1;
						continue;
					}
					memcpy(want + o, rep, strlen(rep));
					o += strlen(rep);
				}
				want[o] = '\0';
				mlg_topk_init(&t, 2);
				mlg_topk_add(&t, s, n);
				T_EQ_INT(mlg_topk_list(it, &t, 1), 1);
				T_EQ_STR(it[0].value, want);
				T_EQ_INT(it[0].len, o);
				T_EQ_INT(it[0].truncated, at < m || cut);
				mlg_topk_release(&t);
			}
}

static void test_topk_json(void)
{
	struct mlg_topk t, back;
	struct mlg_buf a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	char buf[32];
	int i;

	mlg_topk_init(&t, 4); /* six values: it purges */
	for (i = 0; i < 1000; i++) {
		vname(buf, i % 37 % (1 + i % 5));
		mlg_topk_add(&t, buf, strlen(buf));
	}
	mlg_topk_add(&t, "\xff", 1);
	t_json_dump_new(&a, mlg_topk_to_json(&t));
	T_EQ_INT(mlg_json_parse(&doc, "t.json", a.ptr, a.len), 0);
	T_EQ_INT(mlg_topk_from_json(&back, &doc, doc.root, ""), 0);
	mlg_json_doc_release(&doc);
	t_json_dump_new(&b, mlg_topk_to_json(&back));
	T_EQ_STR(b.ptr, a.ptr);
	/* It goes on as the original: same counters, same hashes. */
	mlg_topk_add(&t, "v0", 2);
	mlg_topk_add(&back, "v0", 2);
	mlg_buf_reset(&a);
	mlg_buf_reset(&b);
	t_json_dump_new(&a, mlg_topk_to_json(&t));
	t_json_dump_new(&b, mlg_topk_to_json(&back));
	T_EQ_STR(b.ptr, a.ptr);
	T_CONTAINS(a.ptr, "{\"cap\":4,\"n\":1002,\"offset\":266,\"items\":[{"
			  "\"value\":\"v0\"");
	mlg_topk_release(&t);
	mlg_topk_release(&back);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

static void topk_bad(const char *text, const char *msg)
{
	struct mlg_json_doc doc;
	struct mlg_topk t;

	T_EQ_INT(mlg_json_parse(&doc, "t.json", text, strlen(text)), 0);
	T_EQ_INT(mlg_topk_from_json(&t, &doc, doc.root, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_ASSERT(!t.items);
	mlg_json_doc_release(&doc);
}

#define ITEM(v, h, c)                                                          \
	"{\"value\":\"" v "\",\"hash\":\"" h "\",\"count\":" #c                \
	",\"truncated\":false}"
#define H1 "0000000000000001"
#define H2 "0000000000000002"

static void test_topk_json_errors(void)
{
	topk_bad("{\"cap\":2,\"n\":5,\"offset\":0,\"items\":[" ITEM(
			 "a", H1, 3) "," ITEM("b", H2, 1) "," ITEM("c", H2,
								   1) "]}",
		 "'t.json': 1:27: /items: more items than the capacity 2");
	topk_bad("{\"cap\":2,\"n\":5,\"offset\":0,\"items\":[" ITEM(
			 "a", H1, 3) "," ITEM("b", H1, 2) "]}",
		 "'t.json': 1:117: /items/1/hash: repeated hash " H1);
	topk_bad("{\"cap\":2,\"n\":4,\"offset\":0,\"items\":[" ITEM(
			 "a", H1, 3) "," ITEM("b", H2, 2) "]}",
		 "'t.json': 1:104: /items/1: guaranteed counts add up to more "
		 "than n");
	/* an offset of 4 in 3 values: no purge could make it */
	topk_bad("{\"cap\":2,\"n\":3,\"offset\":4,\"items\":[" ITEM("a", H1,
								    5) "]}",
		 "'t.json': 1:16: /offset: an offset must be at most n / "
		 "(cap / 2)");
	topk_bad("{\"cap\":4,\"n\":9,\"offset\":2,\"items\":[" ITEM("a", H1,
								    2) "]}",
		 "'t.json': 1:75: /items/0/count: a count must be above the "
		 "offset 2");
	topk_bad("{\"cap\":2,\"n\":4,\"offset\":0,\"items\":[" ITEM("a", "12",
								    3) "]}",
		 "'t.json': 1:49: /items/0/hash: expected 16 lowercase hex "
		 "digits");
	topk_bad("{\"cap\":2,\"n\":4,\"offset\":0,\"items\":[" ITEM(
			 "01234567890123456789012345678901234567890123456789012"
			 "345"
			 "6789012345",
			 H1, 3) "]}",
		 "'t.json': 1:37: /items/0/value: a value must be at most 64 "
		 "bytes without U+0000");
	topk_bad(
		"{\"cap\":1,\"n\":4,\"offset\":0,\"items\":[]}",
		"'t.json': 1:2: /cap: top-k capacity must be 2 to 4096, got 1");
	topk_bad("{\"cap\":2,\"n\":4,\"offset\":0,\"items\":{}}",
		 "'t.json': 1:27: /items: expected an array, found object");
	/* offset 0 says every value is held */
	topk_bad("{\"cap\":4,\"n\":9,\"offset\":0,\"items\":[" ITEM("a", H1,
								    5) "]}",
		 "'t.json': 1:1: /: the counts of an exact summary (offset 0) "
		 "must add up to n");
	topk_bad("{\"cap\":2,\"n\":4,\"items\":[]}",
		 "'t.json': 1:1: /: missing required property 'offset'");
}

#define ITEM1(v, h, c, e)                                                      \
	"{\"value\":\"" v "\",\"hash\":\"" h "\",\"count\":" #c ",\"err\":" #e \
	",\"truncated\":false}"

static int load_v1(struct mlg_topk *t, const char *text)
{
	struct mlg_json_doc doc;
	int rc;

	T_EQ_INT(mlg_json_parse(&doc, "t.json", text, strlen(text)), 0);
	rc = mlg_topk_from_json_v1(t, &doc, doc.root, "", 8);
	mlg_json_doc_release(&doc);
	return rc;
}

/* The space-saving summaries of profile_version 1: the offset is what a
 * value not held may have had, and only counters above it stay. */
static void test_topk_json_v1(void)
{
	struct mlg_topk_item it[8];
	struct mlg_topk t;

	/* not full: the largest err */
	T_EQ_INT(load_v1(&t,
			 "{\"cap\":3,\"n\":9,\"items\":[" ITEM1(
				 "a", H1, 5, 0) "," ITEM1("b", H2, 3, 1) "]}"),
		 0);
	T_EQ_INT(t.cap, 8);
	T_EQ_INT(t.offset, 1);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 2);
	T_EQ_STR(it[0].value, "a");
	T_EQ_INT(it[0].count, 5);
	T_EQ_INT(it[0].err, 1);
	T_EQ_INT(it[1].count, 3);
	mlg_topk_release(&t);
	/* full: the smallest count, and its item goes */
	T_EQ_INT(load_v1(&t,
			 "{\"cap\":2,\"n\":12,\"items\":[" ITEM1(
				 "a", H1, 6, 0) "," ITEM1("b", H2, 3, 1) "]}"),
		 0);
	T_EQ_INT(t.offset, 3);
	T_EQ_INT(mlg_topk_list(it, &t, 8), 1);
	T_EQ_STR(it[0].value, "a");
	T_EQ_INT(it[0].err, 3);
	mlg_topk_release(&t);
	T_EQ_INT(load_v1(&t, "{\"cap\":2,\"n\":4,\"items\":[" ITEM1("a", H1, 3,
								    3) "]}"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'t.json': 1:74: /items/0/err: err "
				      "must be 0 to count - 1, got 3");
	/* an offset a summary of 8 counters could not have: merged and
	 * written, it would not read back */
	T_EQ_INT(load_v1(&t,
			 "{\"cap\":2,\"n\":9,\"items\":[" ITEM1(
				 "a", H1, 6, 0) "," ITEM1("b", H2, 3, 1) "]}"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'t.json': 1:1: /: an offset must be at "
				      "most n / (cap / 2), got 3");
	T_EQ_INT(load_v1(&t, "{\"cap\":9,\"n\":4,\"items\":[]}"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'t.json': 1:2: /cap: top-k capacity must be 1 to 8, got 9");
}

MLG_TESTS(T(test_hash_pinned), T(test_hash_avalanche), T(test_hll_accuracy),
	  T(test_hll_merge_json), T(test_hll_sparse_json),
	  T(test_hll_json_errors), T(test_kll_accuracy),
	  T(test_kll_small_exact), T(test_kll_sort_sizes), T(test_kll_levels),
	  T(test_kll_deterministic_json), T(test_kll_json_errors),
	  T(test_topk_stream_and_merge), T(test_topk_exact_and_values),
	  T(test_topk_model), T(test_topk_odd_bytes),
	  T(test_topk_odd_bytes_utf8), T(test_topk_json),
	  T(test_topk_json_errors), T(test_topk_json_v1),
	  T(test_topk_merge_full))
