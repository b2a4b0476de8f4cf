#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/stats.h"
#include "mlgate/util.h"
#include "test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double unif(void)
{
	return (double)(t_xorshift(&rng) >> 11) * 0x1p-53;
}

/* Normal(mean, sd) by Box-Muller. */
static double normal(double mean, double sd)
{
	double u = unif(), v = unif();

	return mean + sd * sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static void test_moments_exact(void)
{
	struct mlg_moments m;

	mlg_moments_init(&m);
	mlg_moments_add(&m, 2);
	mlg_moments_add_null(&m);
	mlg_moments_add(&m, 4);
	mlg_moments_add(&m, NAN);
	mlg_moments_add(&m, 1);
	mlg_moments_add(&m, INFINITY);
	mlg_moments_add(&m, -INFINITY);
	mlg_moments_add(&m, 3);
	T_EQ_INT(m.count, 4);
	T_EQ_INT(m.nulls, 1);
	T_EQ_INT(m.nonfinite, 3);
	T_ASSERT(m.min == 1 && m.max == 4);
	T_ASSERT(mlg_moments_sum(&m) == 10);
	T_ASSERT(mlg_moments_mean(&m) == 2.5);
	T_ASSERT(mlg_moments_variance(&m, 0) == 1.25);
	T_EQ_DBL(mlg_moments_variance(&m, 1), 5.0 / 3, 1e-15);
	T_EQ_DBL(mlg_moments_stddev(&m, 0), sqrt(1.25), 1e-15);
	T_EQ_DBL(mlg_moments_stddev(&m, 1), sqrt(5.0 / 3), 1e-15);
	mlg_moments_release(&m);
	T_EQ_INT(m.count, 0);
}

static void test_moments_empty_and_one(void)
{
	struct mlg_moments m;

	mlg_moments_init(&m);
	T_ASSERT(isnan(mlg_moments_mean(&m)));
	T_ASSERT(isnan(mlg_moments_variance(&m, 0)));
	T_ASSERT(isnan(mlg_moments_stddev(&m, 1)));
	T_ASSERT(mlg_moments_sum(&m) == 0);
	mlg_moments_add(&m, -7.5);
	T_ASSERT(mlg_moments_mean(&m) == -7.5);
	T_ASSERT(mlg_moments_variance(&m, 0) == 0);
	T_ASSERT(isnan(mlg_moments_variance(&m, 1)));
	T_ASSERT(m.min == -7.5 && m.max == -7.5);
	/* Negative zero and huge values stay exact. */
	mlg_moments_init(&m);
	mlg_moments_add(&m, 1e308);
	mlg_moments_add(&m, -1e308);
	T_ASSERT(mlg_moments_sum(&m) == 0);
	T_ASSERT(m.min == -1e308 && m.max == 1e308);
}

/* u128 has no T_EQ_INT: compare the two halves. */
static int same_u128(unsigned __int128 a, unsigned __int128 b)
{
	return (uint64_t)a == (uint64_t)b &&
	       (uint64_t)(a >> 64) == (uint64_t)(b >> 64);
}

static void test_lengths(void)
{
	static const uint64_t v[] = {3, 0, 7, 7, 1, 12};
	struct mlg_lengths one = {0}, a = {0}, b = {0}, empty = {0};
	size_t i;

	T_ASSERT(isnan(mlg_lengths_mean(&one)));
	for (i = 0; i < 6; i++) {
		mlg_lengths_add(&one, v[i]);
		mlg_lengths_add(i < 2 ? &a : &b, v[i]);
	}
	T_EQ_INT(one.count, 6);
	T_EQ_INT(one.sum, 30);
	T_EQ_INT(one.min, 0);
	T_EQ_INT(one.max, 12);
	T_ASSERT(same_u128(one.sumsq, 9 + 0 + 49 + 49 + 1 + 144));
	T_EQ_DBL(mlg_lengths_mean(&one), 5, 0);
	/* Merged in any grouping: every member that of one pass. */
	mlg_lengths_merge(&b, &empty);
	mlg_lengths_merge(&empty, &a);
	mlg_lengths_merge(&empty, &b);
	T_ASSERT(!memcmp(&empty, &one, sizeof(one)));
	/* 2^63 twice: the sum of squares needs its 128 bits. */
	memset(&a, 0, sizeof(a));
	mlg_lengths_add(&a, UINT64_C(1) << 63);
	mlg_lengths_add(&a, 0);
	T_ASSERT(same_u128(a.sumsq, (unsigned __int128)1 << 126));
	T_EQ_DBL(mlg_lengths_mean(&a), 0x1p62, 0);
}

/* The JSON is that of moments, M2 exact to one rounding; loading gives
 * back the integers. */
static void test_lengths_json(void)
{
	struct mlg_lengths l = {0}, back;
	struct mlg_json_doc doc;
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *v;
	uint64_t i;

	v = mlg_lengths_to_json(&l);
	mlg_json_dump(&b, v, 0);
	T_EQ_STR(b.ptr, "{\"count\":0,\"nulls\":0,\"nonfinite\":0,\"min\":null,"
			"\"max\":null,\"sum\":0.0,\"mean\":null,\"m2\":0.0}");
	t_json_reparse(&doc, v);
	T_EQ_INT(mlg_lengths_from_json(&back, &doc, doc.root, ""), 0);
	T_ASSERT(!memcmp(&back, &l, sizeof(l)));
	mlg_json_doc_release(&doc);

	/* 1 .. 4: mean 2.5, M2 = 30 - 100 / 4 = 5. */
	for (i = 1; i <= 4; i++)
		mlg_lengths_add(&l, i);
	mlg_buf_reset(&b);
	v = mlg_lengths_to_json(&l);
	mlg_json_dump(&b, v, 0);
	T_EQ_STR(b.ptr, "{\"count\":4,\"nulls\":0,\"nonfinite\":0,\"min\":1.0,"
			"\"max\":4.0,\"sum\":10.0,\"mean\":2.5,\"m2\":5.0}");
	t_json_reparse(&doc, v);
	T_EQ_INT(mlg_lengths_from_json(&back, &doc, doc.root, ""), 0);
	T_ASSERT(!memcmp(&back, &l, sizeof(l)));
	mlg_json_doc_release(&doc);

	/* 1 and 2: M2 = 5 - 9 / 2 = 0.5, where the integer part of
	 * sum^2 / n alone would give 1. */
	memset(&l, 0, sizeof(l));
	mlg_lengths_add(&l, 1);
	mlg_lengths_add(&l, 2);
	t_json_reparse(&doc, mlg_lengths_to_json(&l));
	T_EQ_DBL(json_real_value(json_object_get(doc.root, "m2")), 0.5, 0);
	T_EQ_INT(mlg_lengths_from_json(&back, &doc, doc.root, ""), 0);
	T_ASSERT(!memcmp(&back, &l, sizeof(l)));
	mlg_json_doc_release(&doc);
	mlg_buf_release(&b);
}

static void check_bad_lengths(const char *text, const char *msg)
{
	struct mlg_json_doc doc;
	struct mlg_lengths l;

	T_EQ_INT(mlg_json_parse(&doc, "l.json", text, strlen(text)), 0);
	mlg_error_clear();
	T_EQ_INT(mlg_lengths_from_json(&l, &doc, doc.root, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(l.count, 0);
	mlg_json_doc_release(&doc);
}

static void test_lengths_json_errors(void)
{
	check_bad_lengths(
		"{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1.5,"
		"\"max\":2,\"sum\":3.5,\"mean\":1.75,\"m2\":0.125}",
		"'l.json': 1:36: /min: lengths are whole numbers, "
		"not negative");
	check_bad_lengths("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
			  "\"max\":2,\"sum\":-3,\"mean\":1.5,\"m2\":0.5}",
			  "'l.json': 1:52: /sum: lengths are whole numbers, "
			  "not negative");
	check_bad_lengths("{\"count\":2,\"nulls\":1,\"nonfinite\":0,\"min\":1,"
			  "\"max\":2,\"sum\":3,\"mean\":1.5,\"m2\":0.5}",
			  "'l.json': 1:12: /nulls: lengths have no nulls or "
			  "non-finite values");
	check_bad_lengths("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
			  "\"max\":2,\"sum\":3,\"mean\":1.5,\"m2\":1e300}",
			  "'l.json': 1:71: /m2: m2 is too large");
	/* An M2 too small for the sum: the sum of squares is raised to
	 * the least it can be, and M2 comes back 0, never negative. */
	{
		const char *t = "{\"count\":2,\"nulls\":0,\"nonfinite\":0,"
				"\"min\":1,\"max\":2,\"sum\":3,\"mean\":1.5,"
				"\"m2\":0}";
		struct mlg_json_doc doc;
		struct mlg_lengths l;

		T_EQ_INT(mlg_json_parse(&doc, "l.json", t, strlen(t)), 0);
		T_EQ_INT(mlg_lengths_from_json(&l, &doc, doc.root, ""), 0);
		T_ASSERT(same_u128(l.sumsq, 5));
		mlg_json_doc_release(&doc);
	}
	/* An M2 too large, within the slack for rounding: the sum of
	 * squares is lowered to the most count lengths of max have (M2
	 * 0, not 0.5), so that the state merged with itself (M2 2 else)
	 * reads back. */
	{
		const char *t = "{\"count\":3,\"nulls\":0,\"nonfinite\":0,"
				"\"min\":10,\"max\":10,\"sum\":30,\"mean\":10,"
				"\"m2\":0.5}";
		struct mlg_json_doc doc;
		struct mlg_lengths l, twice, back;

		T_EQ_INT(mlg_json_parse(&doc, "l.json", t, strlen(t)), 0);
		T_EQ_INT(mlg_lengths_from_json(&l, &doc, doc.root, ""), 0);
		T_ASSERT(same_u128(l.sumsq, 300));
		mlg_json_doc_release(&doc);
		twice = l;
		mlg_lengths_merge(&twice, &l);
		t_json_reparse(&doc, mlg_lengths_to_json(&twice));
		T_EQ_DBL(json_real_value(json_object_get(doc.root, "m2")), 0,
			 0);
		T_EQ_INT(mlg_lengths_from_json(&back, &doc, doc.root, ""), 0);
		T_ASSERT(same_u128(back.sumsq, 600));
		mlg_json_doc_release(&doc);
	}
}

/* One pass against the same values cut at random places and merged in
 * order: the tolerances stated in stats.h. */
static void test_moments_merge_chunks(void)
{
	const size_t n = 1000000;
	double *x = mlg_malloc(n * sizeof(*x));
	struct mlg_moments one, all, part, empty;
	double sd, worst_mean = 0, worst_m2 = 0;
	size_t i, at, len;
	int round;

	for (i = 0; i < n; i++)
		x[i] = normal(1000, 10);
	mlg_moments_init(&one);
	for (i = 0; i < n; i++)
		mlg_moments_add(&one, x[i]);
	sd = mlg_moments_stddev(&one, 0);
	T_EQ_DBL(sd, 10, 0.01);
	for (round = 0; round < 6; round++) {
		mlg_moments_init(&all);
		for (at = 0; at < n; at += len) {
			/* 1 to 4 chunks of 1 value, then up to 300000. */
			len = round == 0
				      ? 1
				      : 1 + t_xorshift(&rng) % (round * 50000);
			if (len > n - at)
				len = n - at;
			mlg_moments_init(&part);
			for (i = at; i < at + len; i++)
				mlg_moments_add(&part, x[i]);
			mlg_moments_merge(&all, &part);
		}
		T_EQ_INT(all.count, n);
		T_ASSERT(all.min == one.min && all.max == one.max);
		T_EQ_DBL(mlg_moments_sum(&all), mlg_moments_sum(&one), 1e-15);
		worst_mean = fmax(worst_mean, fabs(all.mean - one.mean) /
						      (fabs(one.mean) + sd));
		worst_m2 = fmax(worst_m2, fabs(all.m2 - one.m2) / one.m2);
	}
	T_ASSERT(worst_mean <= 1e-12);
	T_ASSERT(worst_m2 <= 1e-10);
	/* Empty on either side changes nothing. */
	mlg_moments_init(&empty);
	empty.nulls = 3;
	all = one;
	mlg_moments_merge(&all, &empty);
	T_ASSERT(all.mean == one.mean && all.m2 == one.m2);
	T_EQ_INT(all.nulls, 3);
	mlg_moments_merge(&empty, &one);
	T_ASSERT(empty.mean == one.mean && empty.m2 == one.m2);
	T_EQ_INT(empty.count, n);
	/* Integer sums are exact whatever the chunking. */
	mlg_moments_init(&all);
	for (at = 1; at <= n; at += 1000) {
		mlg_moments_init(&part);
		for (i = at; i < at + 1000; i++)
			mlg_moments_add(&part, (double)i);
		mlg_moments_merge(&all, &part);
	}
	T_ASSERT(mlg_moments_sum(&all) == 500000500000.0);
	T_ASSERT(mlg_moments_mean(&all) == 500000.5);
	free(x);
}

static void test_moments_json(void)
{
	struct mlg_moments m, back;
	struct mlg_json_doc doc;
	struct mlg_buf b = MLG_BUF_INIT;
	int i;

	mlg_moments_init(&m);
	mlg_moments_add_null(&m);
	json_t *v = mlg_moments_to_json(&m);
	mlg_json_dump(&b, v, 0);
	T_EQ_STR(b.ptr, "{\"count\":0,\"nulls\":1,\"nonfinite\":0,\"min\":null,"
			"\"max\":null,\"sum\":0.0,\"mean\":null,\"m2\":0.0}");
	t_json_reparse(&doc, v);
	T_EQ_INT(mlg_moments_from_json(&back, &doc, doc.root, ""), 0);
	T_EQ_INT(back.nulls, 1);
	T_EQ_INT(back.count, 0);
	mlg_json_doc_release(&doc);

	for (i = 0; i < 1000; i++)
		mlg_moments_add(&m, normal(0.1, 3));
	mlg_moments_add(&m, NAN);
	t_json_reparse(&doc, mlg_moments_to_json(&m));
	T_EQ_INT(mlg_moments_from_json(&back, &doc, doc.root, ""), 0);
	T_EQ_INT(back.count, 1000);
	T_EQ_INT(back.nonfinite, 1);
	T_ASSERT(back.min == m.min && back.max == m.max);
	T_ASSERT(back.mean == m.mean && back.m2 == m.m2);
	T_ASSERT(mlg_moments_sum(&back) == mlg_moments_sum(&m));
	mlg_json_doc_release(&doc);

	/* An overflowed sum round-trips as a string. */
	mlg_moments_init(&m);
	mlg_moments_add(&m, 1.5e308);
	mlg_moments_add(&m, 1.5e308);
	T_ASSERT(isinf(mlg_moments_sum(&m)));
	mlg_buf_reset(&b);
	v = mlg_moments_to_json(&m);
	mlg_json_dump(&b, json_object_get(v, "sum"), 0);
	T_EQ_STR(b.ptr, "\"Infinity\"");
	t_json_reparse(&doc, v);
	T_EQ_INT(mlg_moments_from_json(&back, &doc, doc.root, ""), 0);
	T_ASSERT(isinf(mlg_moments_sum(&back)) && mlg_moments_sum(&back) > 0);
	mlg_json_doc_release(&doc);
	mlg_buf_release(&b);
}

static void check_bad(const char *text, const char *ptr, int code,
		      const char *msg)
{
	struct mlg_json_doc doc;
	struct mlg_moments m;
	json_t *v;

	T_EQ_INT(mlg_json_parse(&doc, "m.json", text, strlen(text)), 0);
	v = mlg_json_at(doc.root, ptr);
	T_ASSERT(v);
	mlg_error_clear();
	T_EQ_INT(mlg_moments_from_json(&m, &doc, v, ptr), code);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(m.count, 0);
	mlg_json_doc_release(&doc);
}

#define GOOD_TAIL "\"sum\":3,\"mean\":1.5,\"m2\":0.5}"

static void test_moments_json_errors(void)
{
	check_bad("{\"a\":{\"count\":-1,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2," GOOD_TAIL "}",
		  "/a", MLG_EINVALID,
		  "'m.json': 1:7: /a/count: expected a count (a non-negative "
		  "integer), found -1");
	check_bad("{\"count\":2.5,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:2: /count: expected a count (a non-negative "
		  "integer), found 2.5");
	check_bad("{\"count\":2,\"nonfinite\":0,\"min\":1,\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:1: /: missing required property 'nulls'");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":null,"
		  "\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:36: /min: expected a number when count is not "
		  "0");
	check_bad("{\"count\":0,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:36: /min: expected null when count is 0");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":3,"
		  "\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:36: /min: min is greater than max");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":\"NaN\","
		  "\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:36: /min: expected a number, found string");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2,\"sum\":3,\"mean\":7,\"m2\":0.5}",
		  "", MLG_EINVALID,
		  "'m.json': 1:60: /mean: mean is outside [min, max]");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2,\"sum\":3,\"mean\":1.5,\"m2\":-1}",
		  "", MLG_EINVALID, "'m.json': 1:71: /m2: m2 is negative");
	check_bad("{\"count\":9223372036854775807,\"nulls\":1,\"nonfinite\":0,"
		  "\"min\":1,\"max\":2," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:1: /: total count is too large");
	check_bad("{\"count\":2,\"nulls\":0,\"nonfinite\":0,\"min\":1,"
		  "\"max\":2,\"stddev\":1," GOOD_TAIL,
		  "", MLG_EINVALID,
		  "'m.json': 1:52: /stddev: unknown property 'stddev'");
	check_bad("[1]", "", MLG_EINVALID,
		  "'m.json': 1:1: /: expected an object, found array");
}

static void test_hist_init_errors(void)
{
	static const double one[] = {1};
	static const double flat[] = {0, 1, 1, 2};
	static const double nan_edge[] = {0, NAN};
	static const double down[] = {0, 2, 1};
	struct mlg_hist h;

	T_EQ_INT(mlg_hist_init(&h, one, 1), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "a histogram needs 2 to 65537 edges, got 1");
	T_ASSERT(!h.edges && !h.counts);
	T_EQ_INT(mlg_hist_init(&h, flat, 4), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "histogram edges must increase: edge 2 is 1, edge 1 is 1");
	T_EQ_INT(mlg_hist_init(&h, nan_edge, 2), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "histogram edge 1 is not finite");
	T_EQ_INT(mlg_hist_init(&h, down, 3), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "histogram edges must increase: edge 2 is 1, edge 1 is 2");
	T_EQ_INT(mlg_hist_init(&h, down, 65538), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "a histogram needs 2 to 65537 edges, got 65538");
	mlg_hist_release(&h);
}

static void test_hist_counts_merge_json(void)
{
	static const double edges[] = {-1, 0, 0.5, 10};
	static const double other[] = {-1, 0, 0.5, 11};
	static const double xs[] = {-1,	 -0.5,	   0,	      -0.0,	 0.25,
				    0.5, 9.99,	   10,	      10.000001, -1.01,
				    NAN, INFINITY, -INFINITY, 0.4999999};
	struct mlg_hist a, b, c, back;
	struct mlg_json_doc doc;
	struct mlg_buf text = MLG_BUF_INIT;
	size_t i;

	T_EQ_INT(mlg_hist_init(&a, edges, 4), 0);
	T_EQ_INT(a.nbins, 3);
	for (i = 0; i < MLG_ARRAY_SIZE(xs); i++)
		mlg_hist_add(&a, xs[i]);
	/* [-1,0): -1 -0.5; [0,0.5): 0 -0 0.25 0.4999999; [0.5,10]: 0.5
	 * 9.99 10 */
	T_EQ_INT(a.counts[0], 2);
	T_EQ_INT(a.counts[1], 4);
	T_EQ_INT(a.counts[2], 3);
	T_EQ_INT(a.under, 2);
	T_EQ_INT(a.over, 2);
	T_EQ_INT(a.nan, 1);
	T_EQ_INT(mlg_hist_init(&b, edges, 4), 0);
	mlg_hist_add(&b, 0.1);
	T_EQ_INT(mlg_hist_merge(&a, &b), 0);
	T_EQ_INT(a.counts[1], 5);
	T_EQ_INT(mlg_hist_init(&c, other, 4), 0);
	T_EQ_INT(mlg_hist_merge(&a, &c), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge histograms with different edges");
	T_EQ_INT(a.counts[1], 5);

	t_json_dump_new(&text, mlg_hist_to_json(&a));
	T_EQ_STR(text.ptr, "{\"edges\":[-1.0,0.0,0.5,10.0],\"counts\":[2,5,3],"
			   "\"under\":2,\"over\":2,\"nan\":1}");
	T_EQ_INT(mlg_json_parse(&doc, "h.json", text.ptr, text.len), 0);
	T_EQ_INT(mlg_hist_from_json(&back, &doc, doc.root, ""), 0);
	T_EQ_INT(mlg_hist_merge(&back, &a), 0);
	T_EQ_INT(back.counts[1], 10);
	T_EQ_INT(back.under, 4);
	mlg_json_doc_release(&doc);
	mlg_hist_release(&back);
	mlg_hist_release(&a);
	mlg_hist_release(&b);
	mlg_hist_release(&c);
	mlg_buf_release(&text);
}

static void hist_bad(const char *text, const char *msg)
{
	struct mlg_json_doc doc;
	struct mlg_hist h;

	T_EQ_INT(mlg_json_parse(&doc, "h.json", text, strlen(text)), 0);
	T_EQ_INT(mlg_hist_from_json(&h, &doc, doc.root, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_ASSERT(!h.edges);
	mlg_json_doc_release(&doc);
}

static void test_hist_json_errors(void)
{
	hist_bad("{\"edges\":[0,1],\"counts\":[1,2],\"under\":0,\"over\":0,"
		 "\"nan\":0}",
		 "'h.json': 1:16: /counts: expected 1 counts (one per bin), "
		 "found 2");
	hist_bad("{\"edges\":[0,1,1],\"counts\":[1,2],\"under\":0,\"over\":0,"
		 "\"nan\":0}",
		 "'h.json': 1:15: /edges/2: histogram edges must increase: "
		 "edge 2 is 1, edge 1 is 1");
	hist_bad("{\"edges\":[0],\"counts\":[],\"under\":0,\"over\":0,"
		 "\"nan\":0}",
		 "'h.json': 1:2: /edges: a histogram needs 2 to 65537 edges, "
		 "got 1");
	hist_bad("{\"edges\":[0,\"1\"],\"counts\":[1],\"under\":0,\"over\":0,"
		 "\"nan\":0}",
		 "'h.json': 1:13: /edges/1: expected a number, found string");
	hist_bad("{\"edges\":[0,1],\"counts\":[-3],\"under\":0,\"over\":0,"
		 "\"nan\":0}",
		 "'h.json': 1:26: /counts/0: expected a count (a non-negative "
		 "integer), found -3");
	hist_bad("{\"edges\":[0,1],\"counts\":[3],\"under\":0,\"over\":0}",
		 "'h.json': 1:1: /: missing required property 'nan'");
}

/*
 * Values near +-DBL_MAX: x - mean overflows. The mean stays finite (the
 * weighted mean of the two), M2 is +inf, never NaN, and so are merges of
 * such states; the values of pandas' mean(): 1e308 - 1e308 cancels.
 */
static void test_moments_near_dbl_max(void)
{
	static const double v[] = {1e308, -1e308, 1e-308, 4.9e-324, 0};
	struct mlg_moments m, a, b;
	size_t i;

	mlg_moments_init(&m);
	for (i = 0; i < 5; i++)
		mlg_moments_add(&m, v[i]);
	T_EQ_INT(m.count, 5);
	T_EQ_DBL(m.mean, 2e-309, 1e-320);
	T_ASSERT(isinf(m.m2) && m.m2 > 0);
	T_ASSERT(isinf(mlg_moments_stddev(&m, 1)));
	T_EQ_DBL(mlg_moments_sum(&m), 1e-308 + 4.9e-324, 0);

	mlg_moments_init(&a);
	mlg_moments_init(&b);
	mlg_moments_add(&a, 1.5e308);
	mlg_moments_add(&a, 1.7e308);
	mlg_moments_add(&b, -1.7e308);
	mlg_moments_merge(&a, &b);
	T_EQ_DBL(a.mean, 0.5e308, 1e293);
	T_ASSERT(isinf(a.m2) && a.m2 > 0);
	T_EQ_DBL(a.min, -1.7e308, 0);
	T_EQ_DBL(a.max, 1.7e308, 0);
	mlg_moments_merge(&a, &m);
	T_ASSERT(isfinite(a.mean) && isinf(a.m2));
}

MLG_TESTS(T(test_moments_exact), T(test_moments_empty_and_one), T(test_lengths),
	  T(test_lengths_json), T(test_lengths_json_errors),
	  T(test_moments_merge_chunks), T(test_moments_json),
	  T(test_moments_json_errors), T(test_hist_init_errors),
	  T(test_hist_counts_merge_json), T(test_hist_json_errors),
	  T(test_moments_near_dbl_max))
