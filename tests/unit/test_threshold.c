#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "test.h"

#define UNITS                                                                  \
	"ns, us, ms, s, m, h, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, /s, %"

static void parse_ok(struct mlg_threshold *t, const char *text)
{
	int rc;

	mlg_error_clear();
	rc = mlg_threshold_parse(t, text);
	if (rc)
		t_fail(__FILE__, __LINE__, "parse \"%s\": %s", text,
		       mlg_error_message());
}

static int zeroed(const struct mlg_threshold *t)
{
	static const struct mlg_threshold zero;

	return !memcmp(t, &zero, sizeof(zero));
}

/* `text` fails with exactly `msg`, and leaves the output zeroed. */
#define FAILS(text, msg)                                                       \
	do {                                                                   \
		struct mlg_threshold f_;                                       \
		memset(&f_, 0x5a, sizeof(f_));                                 \
		mlg_error_clear();                                             \
		T_EQ_INT(mlg_threshold_parse(&f_, text), MLG_EINVALID);        \
		T_EQ_INT(mlg_error_last()->code, MLG_EINVALID);                \
		T_EQ_STR(mlg_error_message(), msg);                            \
		T_ASSERT(zeroed(&f_));                                         \
	} while (0)

static char *format(const struct mlg_threshold *t)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_threshold_format(&b, t), 0);
	return mlg_buf_detach(&b, NULL);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_rule(const struct mlg_threshold *a,
		     const struct mlg_threshold *b)
{
	return same_str(a->metric, b->metric) && same_str(a->arg, b->arg) &&
	       same_str(a->selector, b->selector) && a->cmp == b->cmp &&
	       a->value == b->value && a->two_sided == b->two_sided &&
	       a->cmp2 == b->cmp2 && a->value2 == b->value2 &&
	       a->unit == b->unit && same_str(a->unit_text, b->unit_text);
}

/* `text` formats as `canonical`, which parses back to the same rule. */
#define CANON(text, canonical)                                                 \
	do {                                                                   \
		struct mlg_threshold a_, b_;                                   \
		char *s_;                                                      \
		parse_ok(&a_, text);                                           \
		s_ = format(&a_);                                              \
		T_EQ_STR(s_, canonical);                                       \
		parse_ok(&b_, s_);                                             \
		T_ASSERT(same_rule(&a_, &b_));                                 \
		free(s_);                                                      \
		mlg_threshold_release(&a_);                                    \
		mlg_threshold_release(&b_);                                    \
	} while (0)

static void test_one_sided(void)
{
	struct mlg_threshold t;

	parse_ok(&t, "accuracy >= 0.9");
	T_EQ_STR(t.metric, "accuracy");
	T_ASSERT(!t.arg && !t.selector && !t.unit_text);
	T_EQ_INT(t.cmp, MLG_CMP_GE);
	T_ASSERT(t.value == 0.9);
	T_EQ_INT(t.two_sided, 0);
	T_EQ_INT(t.cmp2, 0);
	T_ASSERT(t.value2 == 0);
	T_EQ_INT(t.unit, MLG_UNIT_NONE);
	T_EQ_STR(t.text, "accuracy >= 0.9");
	mlg_threshold_release(&t);
	T_ASSERT(zeroed(&t));
	mlg_threshold_release(&t); /* twice is harmless */

	parse_ok(&t, "p95 < 200ms");
	T_EQ_STR(t.metric, "p95");
	T_EQ_INT(t.cmp, MLG_CMP_LT);
	T_ASSERT(t.value == 0.2);
	T_EQ_INT(t.unit, MLG_UNIT_TIME);
	T_EQ_STR(t.unit_text, "ms");
	mlg_threshold_release(&t);

	parse_ok(&t, "delta != 0");
	T_EQ_INT(t.cmp, MLG_CMP_NE);
	T_ASSERT(t.value == 0);
	mlg_threshold_release(&t);

	parse_ok(&t, "accuracy == 1");
	T_EQ_INT(t.cmp, MLG_CMP_EQ);
	T_ASSERT(t.value == 1);
	mlg_threshold_release(&t);

	parse_ok(&t, "loss <= -0.5");
	T_EQ_INT(t.cmp, MLG_CMP_LE);
	T_ASSERT(t.value == -0.5);
	mlg_threshold_release(&t);

	parse_ok(&t, "loss > 3");
	T_EQ_INT(t.cmp, MLG_CMP_GT);
	mlg_threshold_release(&t);

	/* every character a name may hold */
	parse_ok(&t, "_train/loss:v2.ema-1 < 1");
	T_EQ_STR(t.metric, "_train/loss:v2.ema-1");
	mlg_threshold_release(&t);
}

static void test_arg_and_selector(void)
{
	struct mlg_threshold t;

	parse_ok(&t, "null_fraction(age) <= 0.01");
	T_EQ_STR(t.metric, "null_fraction");
	T_EQ_STR(t.arg, "age");
	T_ASSERT(!t.selector);
	T_EQ_INT(t.cmp, MLG_CMP_LE);
	T_ASSERT(t.value == 0.01);
	mlg_threshold_release(&t);

	parse_ok(&t, "f1[country=US] >= 0.8");
	T_EQ_STR(t.metric, "f1");
	T_ASSERT(!t.arg);
	T_EQ_STR(t.selector, "country=US");
	mlg_threshold_release(&t);

	parse_ok(&t, "f1[country=US,age_band=30-40] >= 0.8");
	T_EQ_STR(t.selector, "country=US,age_band=30-40");
	T_ASSERT(t.value == 0.8);
	mlg_threshold_release(&t);

	/* trimmed, kept verbatim inside, both at once, spaces between */
	parse_ok(&t, "quantile ( 0.99 , latency ) [ a = b (c) ] < 2s");
	T_EQ_STR(t.metric, "quantile");
	T_EQ_STR(t.arg, "0.99 , latency");
	T_EQ_STR(t.selector, "a = b (c)");
	T_ASSERT(t.value == 2);
	mlg_threshold_release(&t);

	/* anything but the closing bracket, including other brackets */
	parse_ok(&t, "f(a(b[c]>=1)[x=(1)] != 0");
	T_EQ_STR(t.arg, "a(b[c]>=1");
	T_EQ_STR(t.selector, "x=(1)");
	mlg_threshold_release(&t);
	FAILS("f(a(b)) != 0", "column 7: a comparison operator or 'between', "
			      "found ')'");
	parse_ok(&t, "f[x=(1),y=\xc3\xa9t\xc3\xa9] != 0");
	T_EQ_STR(t.selector, "x=(1),y=\xc3\xa9t\xc3\xa9");
	mlg_threshold_release(&t);
}

static void test_units(void)
{
	static const struct {
		const char *text;
		double value;
		enum mlg_unit unit;
		const char *unit_text;
	} cases[] = {
		{"x < 5ns", 5e-9, MLG_UNIT_TIME, "ns"},
		{"x < 5us", 5e-6, MLG_UNIT_TIME, "us"},
		{"x < 5\xc2\xb5s", 5e-6, MLG_UNIT_TIME, "\xc2\xb5s"},
		{"x < 5\xce\xbcs", 5e-6, MLG_UNIT_TIME, "\xce\xbcs"},
		{"x < 200ms", 0.2, MLG_UNIT_TIME, "ms"},
		{"x < 1.5s", 1.5, MLG_UNIT_TIME, "s"},
		{"x < 2m", 120, MLG_UNIT_TIME, "m"},
		{"x < 1.5h", 5400, MLG_UNIT_TIME, "h"},
		{"x < 10B", 10, MLG_UNIT_BYTES, "B"},
		{"x < 2KB", 2000, MLG_UNIT_BYTES, "KB"},
		{"x < 3MB", 3e6, MLG_UNIT_BYTES, "MB"},
		{"x < 4GB", 4e9, MLG_UNIT_BYTES, "GB"},
		{"x < 5TB", 5e12, MLG_UNIT_BYTES, "TB"},
		{"x < 2KiB", 2048, MLG_UNIT_BYTES, "KiB"},
		{"x < 500MiB", 524288000, MLG_UNIT_BYTES, "MiB"},
		{"x < 1GiB", 1073741824, MLG_UNIT_BYTES, "GiB"},
		{"x < 1TiB", 1099511627776.0, MLG_UNIT_BYTES, "TiB"},
		{"x >= 200/s", 200, MLG_UNIT_RATE, "/s"},
		{"x < 1%", 0.01, MLG_UNIT_PERCENT, "%"},
		{"x < 90%", 0.9, MLG_UNIT_PERCENT, "%"},
		{"x < 0.1%", 0.001, MLG_UNIT_PERCENT, "%"},
		{"x < 1e-3s", 0.001, MLG_UNIT_TIME, "s"},
		{"x < 1e3ms", 1, MLG_UNIT_TIME, "ms"},
		{"x < -5ms", -0.005, MLG_UNIT_TIME, "ms"},
	};
	struct mlg_threshold t;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		parse_ok(&t, cases[i].text);
		if (t.value != cases[i].value)
			t_fail(__FILE__, __LINE__, "%s: value %.17g, not %.17g",
			       cases[i].text, t.value, cases[i].value);
		T_EQ_INT(t.unit, cases[i].unit);
		T_EQ_STR(t.unit_text, cases[i].unit_text);
		mlg_threshold_release(&t);
	}
}

static void test_spacing(void)
{
	static const char *const same[] = {
		"p95 < 200ms",	"p95<200ms",	   "p95 <200 ms",
		"p95< 200\tms", "  p95 < 200ms  ", "\tp95\n<\r\n200ms\n",
		"200ms > p95",	"200 ms>p95",
	};
	struct mlg_threshold t;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(same); i++) {
		parse_ok(&t, same[i]);
		T_EQ_STR(t.metric, "p95");
		T_EQ_INT(t.cmp, MLG_CMP_LT);
		T_ASSERT(t.value == 0.2);
		T_EQ_STR(t.unit_text, "ms");
		mlg_threshold_release(&t);
	}
	parse_ok(&t, "  p95 < 200ms  ");
	T_EQ_STR(t.text, "p95 < 200ms");
	mlg_threshold_release(&t);
	parse_ok(&t, "\tp95\n<\r\n200ms\n");
	T_EQ_STR(t.text, "p95\n<\r\n200ms");
	mlg_threshold_release(&t);

	parse_ok(&t, "row_count between1000and2000");
	T_ASSERT(t.two_sided && t.value == 1000 && t.value2 == 2000);
	mlg_threshold_release(&t);
	parse_ok(&t, "0.1<=psi<0.25");
	T_ASSERT(t.two_sided && t.value == 0.1 && t.value2 == 0.25);
	mlg_threshold_release(&t);
}

static void test_between(void)
{
	struct mlg_threshold t;

	parse_ok(&t, "row_count between 1000 and 2000");
	T_EQ_STR(t.metric, "row_count");
	T_EQ_INT(t.two_sided, 1);
	T_EQ_INT(t.cmp, MLG_CMP_GE);
	T_ASSERT(t.value == 1000);
	T_EQ_INT(t.cmp2, MLG_CMP_LE);
	T_ASSERT(t.value2 == 2000);
	T_EQ_INT(t.unit, MLG_UNIT_NONE);
	T_EQ_INT(mlg_threshold_holds(&t, 1000), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 2000), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 1500), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 999.9999), 0);
	T_EQ_INT(mlg_threshold_holds(&t, 2000.0001), 0);
	T_EQ_INT(mlg_threshold_holds(&t, NAN), 0);
	mlg_threshold_release(&t);

	/* units may differ within a kind; unit_text is the first one */
	parse_ok(&t, "p99 between 100ms and 2s");
	T_ASSERT(t.value == 0.1 && t.value2 == 2);
	T_EQ_INT(t.unit, MLG_UNIT_TIME);
	T_EQ_STR(t.unit_text, "ms");
	mlg_threshold_release(&t);

	parse_ok(&t, "x between 5 and 5");
	T_EQ_INT(mlg_threshold_holds(&t, 5), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 5.000001), 0);
	mlg_threshold_release(&t);

	parse_ok(&t, "x between -inf and inf");
	T_ASSERT(t.value == -INFINITY && t.value2 == INFINITY);
	T_EQ_INT(mlg_threshold_holds(&t, INFINITY), 1);
	mlg_threshold_release(&t);

	parse_ok(&t, "f1(x)[y] between 1% and 5%");
	T_EQ_STR(t.arg, "x");
	T_EQ_STR(t.selector, "y");
	T_ASSERT(t.value == 0.01 && t.value2 == 0.05);
	T_EQ_INT(t.unit, MLG_UNIT_PERCENT);
	mlg_threshold_release(&t);
}

static void test_chained(void)
{
	struct mlg_threshold t;

	parse_ok(&t, "0.1 <= psi < 0.25");
	T_EQ_STR(t.metric, "psi");
	T_EQ_INT(t.two_sided, 1);
	T_EQ_INT(t.cmp, MLG_CMP_GE);
	T_ASSERT(t.value == 0.1);
	T_EQ_INT(t.cmp2, MLG_CMP_LT);
	T_ASSERT(t.value2 == 0.25);
	T_EQ_INT(mlg_threshold_holds(&t, 0.1), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 0.09999999), 0);
	T_EQ_INT(mlg_threshold_holds(&t, 0.2499999), 1);
	T_EQ_INT(mlg_threshold_holds(&t, 0.25), 0);
	mlg_threshold_release(&t);

	/* the same rule written high to low */
	parse_ok(&t, "0.25 > psi >= 0.1");
	T_EQ_INT(t.cmp, MLG_CMP_GE);
	T_ASSERT(t.value == 0.1);
	T_EQ_INT(t.cmp2, MLG_CMP_LT);
	T_ASSERT(t.value2 == 0.25);
	mlg_threshold_release(&t);

	parse_ok(&t, "1ms < lat(p50)[region=eu] <= 1s");
	T_EQ_INT(t.cmp, MLG_CMP_GT);
	T_ASSERT(t.value == 0.001);
	T_EQ_INT(t.cmp2, MLG_CMP_LE);
	T_ASSERT(t.value2 == 1);
	T_EQ_STR(t.arg, "p50");
	T_EQ_STR(t.selector, "region=eu");
	T_EQ_STR(t.unit_text, "ms");
	mlg_threshold_release(&t);

	/* one-sided with the bound first: seen from the metric */
	parse_ok(&t, "0.9 <= accuracy");
	T_EQ_INT(t.two_sided, 0);
	T_EQ_INT(t.cmp, MLG_CMP_GE);
	T_ASSERT(t.value == 0.9);
	mlg_threshold_release(&t);
	parse_ok(&t, "0.1 < m");
	T_EQ_INT(t.cmp, MLG_CMP_GT);
	mlg_threshold_release(&t);
	parse_ok(&t, "1 > m");
	T_EQ_INT(t.cmp, MLG_CMP_LT);
	mlg_threshold_release(&t);
	parse_ok(&t, "1 >= m");
	T_EQ_INT(t.cmp, MLG_CMP_LE);
	mlg_threshold_release(&t);
	parse_ok(&t, "0 == delta");
	T_EQ_INT(t.cmp, MLG_CMP_EQ);
	mlg_threshold_release(&t);
	parse_ok(&t, "0 != delta");
	T_EQ_INT(t.cmp, MLG_CMP_NE);
	mlg_threshold_release(&t);
	parse_ok(&t, "-inf < x < inf");
	T_EQ_INT(mlg_threshold_holds(&t, 1e308), 1);
	T_EQ_INT(mlg_threshold_holds(&t, INFINITY), 0);
	mlg_threshold_release(&t);
}

static void test_numbers(void)
{
	static const struct {
		const char *text;
		double value;
	} cases[] = {
		{"x >= -1.5e-3", -1.5e-3},
		{"x >= +.5", 0.5},
		{"x >= 5.", 5},
		{"x >= 1E3", 1000},
		{"x >= 1e+2", 100},
		{"x >= 007", 7},
		{"x >= -0", 0},
		{"x >= 1e-400", 0},
		{"x < inf", INFINITY},
		{"x > -inf", -INFINITY},
		{"x < +INF", INFINITY},
		{"x < Inf", INFINITY},
		{"x < infms", INFINITY},
		{"x < inf ms", INFINITY},
		{"x < 1.7976931348623157e308", 1.7976931348623157e308},
	};
	struct mlg_threshold t;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		parse_ok(&t, cases[i].text);
		if (t.value != cases[i].value)
			t_fail(__FILE__, __LINE__, "%s: value %.17g, not %.17g",
			       cases[i].text, t.value, cases[i].value);
		mlg_threshold_release(&t);
	}

	/* a 10 kB number is still a number */
	mlg_buf_adds(&b, "x >= 0.");
	for (i = 0; i < 10000; i++)
		mlg_buf_addch(&b, '0');
	mlg_buf_adds(&b, "1ms");
	parse_ok(&t, b.ptr);
	T_ASSERT(t.value == 0);
	T_EQ_STR(t.unit_text, "ms");
	mlg_threshold_release(&t);
	mlg_buf_release(&b);

	FAILS("x >= 1e999", "column 6: a number in range, found '1e999'");
	FAILS("x >= -1e999ms", "column 6: a number in range, found '-1e999'");
	FAILS("x >= 1e300 TiB",
	      "column 6: a number in range, found '1e300 TiB'");
	FAILS("x >= nan", "column 6: a number, found 'nan'");
	FAILS("x >= infinity", "column 6: a number, found 'infinity'");
	FAILS("x >= 0x10",
	      "column 7: a unit (" UNITS ") or end of rule, found 'x'");
	FAILS("x >= 1e", "column 7: a unit (" UNITS ") or end of rule, "
			 "found 'e'");
	FAILS("x >= - 1", "column 6: a number, found '-'");
	FAILS("x >= .", "column 6: a number, found '.'");
	FAILS("x >= 1.2.3", "column 9: end of rule, found '.3'");
	FAILS("x >= 1,5", "column 7: end of rule, found ','");
}

static void test_holds(void)
{
	static const struct {
		const char *rule;
		double measured;
		int holds;
	} cases[] = {
		{"accuracy >= 0.9", 0.9, 1},
		{"accuracy >= 0.9", 0.8999999, 0},
		{"accuracy >= 0.9", 0.9000001, 1},
		{"accuracy >= 0.9", NAN, 0},
		{"accuracy >= 0.9", INFINITY, 1},
		{"accuracy >= 0.9", -INFINITY, 0},
		{"accuracy > 0.9", 0.9, 0},
		{"accuracy > 0.9", 0.9000001, 1},
		{"p95 < 200ms", 0.2, 0},
		{"p95 < 200ms", 0.1999999, 1},
		{"p95 <= 200ms", 0.2, 1},
		{"p95 <= 200ms", 0.2000001, 0},
		{"error_rate < 1%", 0.01, 0},
		{"error_rate <= 1%", 0.01, 1},
		{"model_size <= 500MiB", 524288000, 1},
		{"model_size <= 500MiB", 524288001, 0},
		{"throughput >= 200/s", 199.99, 0},
		{"delta != 0", 0, 0},
		{"delta != 0", -0.0, 0},
		{"delta != 0", 1e-300, 1},
		{"delta != 0", NAN, 0},
		{"accuracy == 1", 1, 1},
		{"accuracy == 1", 0.9999999999999999, 0},
		{"accuracy == 1", NAN, 0},
		{"x < inf", 1e308, 1},
		{"x < inf", INFINITY, 0},
		{"x <= inf", INFINITY, 1},
		{"x > -inf", -INFINITY, 0},
	};
	struct mlg_threshold t;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		parse_ok(&t, cases[i].rule);
		if (mlg_threshold_holds(&t, cases[i].measured) !=
		    cases[i].holds)
			t_fail(__FILE__, __LINE__, "%s with %.17g: not %d",
			       cases[i].rule, cases[i].measured,
			       cases[i].holds);
		mlg_threshold_release(&t);
	}
}

static double margin(const char *rule, double measured)
{
	struct mlg_threshold t;
	double m;

	parse_ok(&t, rule);
	m = mlg_threshold_margin(&t, measured);
	mlg_threshold_release(&t);
	return m;
}

static void test_margin(void)
{
	T_EQ_DBL(margin("accuracy >= 0.9", 0.95), 0.05, 1e-12);
	T_EQ_DBL(margin("accuracy >= 0.9", 0.85), -0.05, 1e-12);
	T_ASSERT(margin("accuracy >= 0.9", 0.9) == 0);
	T_EQ_DBL(margin("p95 < 200ms", 0.15), 0.05, 1e-12);
	T_EQ_DBL(margin("p95 < 200ms", 0.5), -0.3, 1e-12);
	T_EQ_DBL(margin("row_count between 1000 and 2000", 1100), 100, 0);
	T_EQ_DBL(margin("row_count between 1000 and 2000", 1950), 50, 0);
	T_EQ_DBL(margin("row_count between 1000 and 2000", 900), -100, 0);
	T_EQ_DBL(margin("row_count between 1000 and 2000", 2500), -500, 0);
	T_EQ_DBL(margin("accuracy == 1", 0.75), -0.25, 0);
	T_ASSERT(margin("accuracy == 1", 1) == 0);
	T_EQ_DBL(margin("delta != 0", -2), 2, 0);
	T_ASSERT(margin("delta != 0", 0) == 0);
	T_ASSERT(isnan(margin("accuracy >= 0.9", NAN)));
	T_ASSERT(isnan(margin("x between 1 and 2", NAN)));
	T_ASSERT(margin("x < inf", INFINITY) == 0);
	T_ASSERT(margin("x < inf", 5) == INFINITY);
	T_ASSERT(margin("x >= 0", -INFINITY) == -INFINITY);
	T_ASSERT(margin("x between -inf and inf", INFINITY) == 0);
}

static void test_format(void)
{
	CANON("accuracy >= 0.9", "accuracy >= 0.9");
	CANON("  accuracy>=.90 ", "accuracy >= 0.9");
	CANON("p95 < 200ms", "p95 < 200ms");
	CANON("p95<200 ms", "p95 < 200ms");
	CANON("p95 < 0.2s", "p95 < 0.2s");
	CANON("null_fraction( age ) <= 0.01", "null_fraction(age) <= 0.01");
	CANON("f1 [ country=US ] >= 0.8", "f1[country=US] >= 0.8");
	CANON("f1[country=US,age_band=30-40] >= 0.8",
	      "f1[country=US,age_band=30-40] >= 0.8");
	CANON("throughput >= 200/s", "throughput >= 200/s");
	CANON("error_rate < 1%", "error_rate < 1%");
	CANON("model_size <= 500MiB", "model_size <= 500MiB");
	CANON("x < 5\xc2\xb5s", "x < 5\xc2\xb5s");
	CANON("row_count between 1000 and 2000",
	      "row_count between 1000 and 2000");
	CANON("p99 between 100ms and 2s", "p99 between 100ms and 2000ms");
	CANON("0.1 <= psi < 0.25", "0.1 <= psi < 0.25");
	CANON("0.25 > psi >= 0.1", "0.1 <= psi < 0.25");
	CANON("0.1 <= psi <= 0.25", "psi between 0.1 and 0.25");
	CANON("0.1 < psi < 0.25", "0.1 < psi < 0.25");
	CANON("0.9 <= accuracy", "accuracy >= 0.9");
	CANON("delta != 0", "delta != 0");
	CANON("accuracy == 1", "accuracy == 1");
	CANON("x >= 1e21", "x >= 1e+21");
	CANON("x >= 123456789012345678", "x >= 1.2345678901234568e+17");
	CANON("x >= 0.1e-5", "x >= 1e-06");
	CANON("x >= -0", "x >= -0");
	CANON("x < inf", "x < inf");
	CANON("x > -INF", "x > -inf");
	CANON("x < infms", "x < inf ms");
	CANON("x < inf%", "x < inf%");
	CANON("x between -inf KiB and 2KiB", "x between -inf KiB and 2KiB");
	/* an upper bound too large for the first unit falls back to bytes */
	CANON("x between 1ns and 1e300s", "x between 1ns and 1e+300s");
}

static void unit_fmt(const char *expected, double v, enum mlg_unit u,
		     const char *unit_text)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_adds(&b, "<");
	T_EQ_INT(mlg_unit_format(&b, v, u, unit_text), 0);
	if (strcmp(b.ptr + 1, expected))
		t_fail(__FILE__, __LINE__, "%.17g %s: \"%s\", expected \"%s\"",
		       v, unit_text ? unit_text : "(null)", b.ptr + 1,
		       expected);
	T_EQ_INT(b.ptr[0], '<');
	mlg_buf_release(&b);
}

static void test_unit_format(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	unit_fmt("213.4ms", 0.2134, MLG_UNIT_TIME, "ms");
	unit_fmt("0.2134s", 0.2134, MLG_UNIT_TIME, NULL);
	unit_fmt("0.2134s", 0.2134, MLG_UNIT_TIME, "s");
	unit_fmt("2m", 120, MLG_UNIT_TIME, "m");
	unit_fmt("1.5h", 5400, MLG_UNIT_TIME, "h");
	unit_fmt("250ns", 2.5e-7, MLG_UNIT_TIME, "ns");
	unit_fmt("1.5us", 1.5e-6, MLG_UNIT_TIME, "us");
	unit_fmt("500MiB", 524288000, MLG_UNIT_BYTES, "MiB");
	unit_fmt("524.288MB", 524288000, MLG_UNIT_BYTES, "MB");
	unit_fmt("1024B", 1024, MLG_UNIT_BYTES, NULL);
	unit_fmt("1KiB", 1024, MLG_UNIT_BYTES, "KiB");
	unit_fmt("2.5TB", 2.5e12, MLG_UNIT_BYTES, "TB");
	unit_fmt("200/s", 200, MLG_UNIT_RATE, "/s");
	unit_fmt("200/s", 200, MLG_UNIT_RATE, NULL);
	unit_fmt("1%", 0.01, MLG_UNIT_PERCENT, NULL);
	unit_fmt("12.5%", 0.125, MLG_UNIT_PERCENT, "%");
	unit_fmt("0.9", 0.9, MLG_UNIT_NONE, NULL);
	unit_fmt("0.30000000000000004", 0.1 + 0.2, MLG_UNIT_NONE, NULL);
	unit_fmt("nan", NAN, MLG_UNIT_TIME, "ms");
	unit_fmt("inf ms", INFINITY, MLG_UNIT_TIME, "ms");
	unit_fmt("-inf", -INFINITY, MLG_UNIT_NONE, NULL);
	unit_fmt("inf/s", INFINITY, MLG_UNIT_RATE, NULL);
	unit_fmt("1e+300s", 1e300, MLG_UNIT_TIME, "ns");
	/* 5592596017678025972h: no text in ms scales back to it, seconds
	 * do */
	unit_fmt("2.0133345663640895e+22s", 5592596017678025972.0 * 3600,
		 MLG_UNIT_TIME, "ms");

	mlg_error_clear();
	T_EQ_INT(mlg_unit_format(&b, 1, MLG_UNIT_TIME, "MiB"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "unit 'MiB' is not a time unit");
	T_EQ_INT(mlg_unit_format(&b, 1, MLG_UNIT_NONE, "ms"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "unit 'ms' is not a unitless unit");
	T_EQ_INT(mlg_unit_format(&b, 1, MLG_UNIT_BYTES, "parsecs"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "unit 'parsecs' is not a bytes unit");
	T_EQ_INT(b.len, 0);
}

static void test_format_cap(void)
{
	struct mlg_threshold t;
	struct mlg_buf b;

	parse_ok(&t, "0.1 <= psi < 0.25");
	mlg_buf_init(&b, 12);
	mlg_buf_adds(&b, "rule: ");
	mlg_error_clear();
	T_EQ_INT(mlg_threshold_format(&b, &t), MLG_ELIMIT);
	T_EQ_INT(mlg_error_last()->code, MLG_ELIMIT);
	T_EQ_STR(b.ptr, "rule: ");
	mlg_buf_release(&b);
	mlg_threshold_release(&t);
}

static void test_cmp_str(void)
{
	T_EQ_STR(mlg_cmp_str(MLG_CMP_LT), "<");
	T_EQ_STR(mlg_cmp_str(MLG_CMP_LE), "<=");
	T_EQ_STR(mlg_cmp_str(MLG_CMP_GT), ">");
	T_EQ_STR(mlg_cmp_str(MLG_CMP_GE), ">=");
	T_EQ_STR(mlg_cmp_str(MLG_CMP_EQ), "==");
	T_EQ_STR(mlg_cmp_str(MLG_CMP_NE), "!=");
	T_EQ_STR(mlg_cmp_str((enum mlg_cmp)42), "?");
}

static void test_errors(void)
{
	FAILS("accuracy >> 0.9", "column 10: a comparison operator or "
				 "'between', found '>>'");
	FAILS("accuracy >=", "column 12: a number, found end of rule");
	FAILS("accuracy >=   ", "column 15: a number, found end of rule");
	FAILS(">= 0.9", "column 1: a metric name or a number, found '>='");
	FAILS("p95 < 200 parsecs",
	      "column 11: a unit (" UNITS ") or end of rule, "
	      "found 'parsecs'");
	FAILS("p95 < 200parsecs",
	      "column 10: a unit (" UNITS ") or end of rule, "
	      "found 'parsecs'");
	FAILS("p95 < 200 mS", "column 11: a unit (" UNITS ") or end of rule, "
			      "found 'mS'");
	FAILS("between 1 and", "column 1: a metric name, found 'between'");
	FAILS("x between 1 and", "column 16: a number, found end of rule");
	FAILS("x between 1", "column 12: 'and', found end of rule");
	FAILS("x between 1 or 2",
	      "column 13: a unit (" UNITS ") or 'and', found 'or'");
	FAILS("x between 1s, 2s", "column 13: 'and', found ','");
	FAILS("x between and 2", "column 11: a number, found 'and'");
	FAILS("f1[country=US >= 1", "column 19: ']', found end of rule");
	FAILS("null_fraction(age <= 0.01", "column 26: ')', found end of rule");
	FAILS("f1[] >= 1", "column 4: a selector, found ']'");
	FAILS("f1[  ] >= 1", "column 6: a selector, found ']'");
	FAILS("f( ) >= 1", "column 4: an argument, found ')'");
	FAILS("f1[x](y) >= 1", "column 6: a comparison operator or 'between', "
			       "found '('");
	FAILS("", "column 1: a metric name or a number, found end of rule");
	FAILS("   ", "column 4: a metric name or a number, found end of rule");
	FAILS("accuracy", "column 9: a comparison operator or 'between', "
			  "found end of rule");
	FAILS("accuracy 0.9", "column 10: a comparison operator or "
			      "'between', found '0.9'");
	FAILS("accuracy = 0.9", "column 10: a comparison operator or "
				"'between', found '='");
	FAILS("accuracy => 0.9", "column 10: a comparison operator or "
				 "'between', found '=>'");
	FAILS("accuracy <> 0.9", "column 10: a comparison operator or "
				 "'between', found '<>'");
	FAILS("accuracy >= 0.9 extra",
	      "column 17: a unit (" UNITS ") or end of rule, found 'extra'");
	FAILS("accuracy >= 0.9 )", "column 17: end of rule, found ')'");
	FAILS("accuracy >= 0.9 >= 1", "column 17: end of rule, found '>='");
	FAILS("0.5 <", "column 6: a metric name, found end of rule");
	FAILS("0.5 < 3", "column 7: a metric name, found '3'");
	FAILS("0.5 x", "column 5: a unit (" UNITS ") or a comparison "
		       "operator, found 'x'");
	FAILS("0.5 # x", "column 5: a comparison operator, found '#'");
	FAILS("0.1 <= psi < ", "column 14: a number, found end of rule");
	FAILS("0.1 <= psi 0.25", "column 12: '<', '<=' or end of rule, "
				 "found '0.25'");

	/* two-sided rules: one direction, one unit kind, a non-empty range */
	FAILS("0.1 <= psi > 0.25",
	      "column 12: '<', '<=' or end of rule, found '>'");
	FAILS("0.25 >= psi < 0.1",
	      "column 13: '>', '>=' or end of rule, found '<'");
	FAILS("0.1 <= psi == 0.25",
	      "column 12: '<', '<=' or end of rule, found '=='");
	FAILS("0.1 == psi < 3", "column 12: end of rule, found '<'");
	FAILS("p95 between 100ms and 2GB",
	      "column 23: a time to match '100ms', found '2GB'");
	FAILS("0.1 <= psi < 25%", "column 14: a number without a unit to "
				  "match '0.1', found '25%'");
	FAILS("x between 1s and 2", "column 18: a time to match '1s', "
				    "found '2'");
	FAILS("1 KiB < x < 2 /s", "column 13: a size in bytes to match "
				  "'1 KiB', found '2 /s'");
	FAILS("x between 1% and 2/s", "column 18: a percentage to match "
				      "'1%', found '2/s'");
	FAILS("1/s < x < 2h", "column 11: a rate to match '1/s', found '2h'");
	FAILS("x between 2000 and 1000",
	      "column 20: a bound of at least '2000', found '1000'");
	FAILS("x between 2s and 100ms",
	      "column 18: a bound of at least '2s', found '100ms'");
	FAILS("5 < x < 5", "column 9: a bound above '5', found '5'");
	FAILS("5 <= x < 5", "column 10: a bound above '5', found '5'");
	FAILS("0.1 > x > 0.2", "column 11: a bound below '0.1', found '0.2'");
	FAILS("0.1 >= x >= 0.2",
	      "column 13: a bound of at most '0.1', found '0.2'");
	FAILS("-inf < x < -inf",
	      "column 12: a bound above '-inf', found '-inf'");
	/* a rule that starts with a name starts with its metric */
	FAILS("inf > x", "column 7: a number, found 'x'");
}

static void test_long_name(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_threshold t;
	int i;

	for (i = 0; i < MLG_THRESHOLD_METRIC_MAX; i++)
		mlg_buf_addch(&b, 'a');
	mlg_buf_adds(&b, " >= 1");
	parse_ok(&t, b.ptr);
	T_EQ_INT(strlen(t.metric), MLG_THRESHOLD_METRIC_MAX);
	mlg_threshold_release(&t);

	mlg_buf_reset(&b);
	for (i = 0; i < 10240; i++)
		mlg_buf_addch(&b, 'a');
	mlg_buf_adds(&b, " >= 1");
	FAILS(b.ptr, "column 1: a metric name of at most 256 bytes, found "
		     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");

	/* also where a metric follows a number */
	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "1 < ");
	for (i = 0; i < MLG_THRESHOLD_METRIC_MAX + 1; i++)
		mlg_buf_addch(&b, 'b');
	FAILS(b.ptr, "column 5: a metric name of at most 256 bytes, found "
		     "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...'");

	/* a long selector is fine: it is the caller's to interpret */
	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "f1[");
	for (i = 0; i < 10240; i++)
		mlg_buf_addch(&b, 'k');
	mlg_buf_adds(&b, "] >= 1");
	parse_ok(&t, b.ptr);
	T_EQ_INT(strlen(t.selector), 10240);
	mlg_threshold_release(&t);
	mlg_buf_release(&b);
}

static void test_garbage_bytes(void)
{
	FAILS("\x01\xff >= 1",
	      "column 1: a metric name or a number, found '\\x01'");
	FAILS("\xff\xfe >= 1",
	      "column 1: a metric name or a number, found '\\xff\\xfe'");
	FAILS("\xc3\xa9t\xc3\xa9 >= 1",
	      "column 1: a metric name or a number, found '\xc3\xa9t\xc3\xa9'");
	FAILS("x >= 5\xc2\xb5m", "column 7: a unit (" UNITS ") or end of "
				 "rule, found '\xc2\xb5m'");
	FAILS("x >= 5\xc2s", "column 7: a unit (" UNITS ") or end of rule, "
			     "found '\\xc2s'");
	FAILS("x >= 1 \x7f", "column 8: end of rule, found '\\x7f'");
	/* U+009B is valid UTF-8 but a terminal control (CSI) */
	FAILS("x >= 1 \xc2\x9b", "column 8: a unit (" UNITS ") or end of "
				 "rule, found '\\xc2\\x9b'");
	/* overlong, surrogate, above U+10FFFF, cut short */
	FAILS("\xc0\xaf", "column 1: a metric name or a number, found "
			  "'\\xc0\\xaf'");
	FAILS("\xed\xa0\x80", "column 1: a metric name or a number, found "
			      "'\\xed\\xa0\\x80'");
	FAILS("\xf4\x90\x80\x80", "column 1: a metric name or a number, "
				  "found '\\xf4\\x90\\x80\\x80'");
	FAILS("\xe2\x82", "column 1: a metric name or a number, found "
			  "'\\xe2\\x82'");
	FAILS("x\x1b[31m >= 1", "column 2: a comparison operator or "
				"'between', found '\\x1b'");
	/* a long token of multi-byte characters is cut between them */
	FAILS("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	      "\xe2\x82\xac\xe2\x82\xac",
	      "column 1: a metric name or a number, found "
	      "'\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	      "...'");
}

/* Every message is one printable line in the documented shape. */
static void check_message(const char *text)
{
	const unsigned char *m = (const unsigned char *)mlg_error_message();

	if (strncmp((const char *)m, "column ", 7) ||
	    !strstr((const char *)m, ", found "))
		t_fail(__FILE__, __LINE__, "bad message for \"%s\": %s", text,
		       (const char *)m);
	for (; *m; m++)
		if (*m < 0x20 || *m == 0x7f ||
		    (m[0] == 0xc2 && m[1] >= 0x80 && m[1] < 0xa0))
			t_fail(__FILE__, __LINE__, "control byte in message");
}

/* Parse; when it parses, format is canonical (idempotent, same rule)
 * and margin agrees with holds. */
static void check_any(const char *text)
{
	static const double probes[] = {
		-INFINITY, -1e300, -1, -0.5, 0,	   1e-9,  0.001,    0.1,
		0.25,	   0.5,	   1,  2,    1000, 1e300, INFINITY,
	};
	struct mlg_threshold a, b;
	char *s1, *s2;
	size_t i;
	double m;
	int h;

	memset(&a, 0x5a, sizeof(a));
	mlg_error_clear();
	if (mlg_threshold_parse(&a, text)) {
		T_EQ_INT(mlg_error_last()->code, MLG_EINVALID);
		T_ASSERT(zeroed(&a));
		check_message(text);
		return;
	}
	s1 = format(&a);
	if (mlg_threshold_parse(&b, s1))
		t_fail(__FILE__, __LINE__, "\"%s\" formats as \"%s\": %s", text,
		       s1, mlg_error_message());
	T_ASSERT(same_rule(&a, &b));
	s2 = format(&b);
	T_EQ_STR(s2, s1);
	for (i = 0; i < MLG_ARRAY_SIZE(probes); i++) {
		m = mlg_threshold_margin(&a, probes[i]);
		h = mlg_threshold_holds(&a, probes[i]);
		if ((m > 0 && !h) || (m < 0 && h) || isnan(m))
			t_fail(__FILE__, __LINE__,
			       "\"%s\" at %g: margin %g, holds %d", text,
			       probes[i], m, h);
	}
	T_EQ_INT(mlg_threshold_holds(&a, NAN), 0);
	free(s1);
	free(s2);
	mlg_threshold_release(&a);
	mlg_threshold_release(&b);
}

static void test_every_byte(void)
{
	static const char base[] = "f(a)[b] between 1ms and 2s";
	char text[64];
	size_t pos;
	int c;

	for (c = 1; c < 256; c++) {
		text[0] = (char)c;
		text[1] = '\0';
		check_any(text);
		for (pos = 0; pos <= sizeof(base) - 1; pos++) {
			memcpy(text, base, pos);
			text[pos] = (char)c;
			strcpy(text + pos + 1, base + pos);
			check_any(text);
			/* replaced rather than inserted */
			if (pos < sizeof(base) - 1) {
				strcpy(text, base);
				text[pos] = (char)c;
				check_any(text);
			}
		}
	}
}

/* Random rules from the grammar's own pieces. Deterministic. */
static void test_random_rules(void)
{
	static const char *const pieces[] = {
		"acc",	 "f1",	 "(",	 ")",	      "[",   "]",  "age",
		"a=b",	 "<",	 "<=",	 ">",	      ">=",  "==", "!=",
		"=",	 "!",	 "0",	 "1",	      "0.5", "-2", "1e3",
		".5",	 "inf",	 "-inf", "ms",	      "s",   "h",  "MiB",
		"KB",	 "B",	 "%",	 "/s",	      " ",   " ",  "between",
		"and",	 "\xff", "\x01", "\xc2\xb5s", "nan", "e",  "+",
		"1e308", "\t",
	};
	struct mlg_buf b = MLG_BUF_INIT;
	unsigned long long seed = 42;
	int i, n, k, parsed = 0;

	for (i = 0; i < 200000; i++) {
		mlg_buf_reset(&b);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (int)((seed >> 33) % 9);
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			mlg_buf_adds(
				&b,
				pieces[(seed >> 33) % MLG_ARRAY_SIZE(pieces)]);
		}
		check_any(b.ptr);
		if (!mlg_error_last())
			parsed++;
	}
	/* the generator must reach the interesting part too */
	T_ASSERT(parsed > 1000);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_one_sided), T(test_arg_and_selector), T(test_units),
	  T(test_spacing), T(test_between), T(test_chained), T(test_numbers),
	  T(test_holds), T(test_margin), T(test_format), T(test_unit_format),
	  T(test_format_cap), T(test_cmp_str), T(test_errors),
	  T(test_long_name), T(test_garbage_bytes), T(test_every_byte),
	  T(test_random_rules))
