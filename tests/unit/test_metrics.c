#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/metrics.h"
#include "mlgate/util.h"
#include "test.h"

static int parse(struct mlg_metric_set *m, const char *text,
		 enum mlg_metrics_format fmt)
{
	mlg_error_clear();
	return mlg_metrics_parse_text(m, "m.json", text, strlen(text), fmt);
}

static void expect_error(const char *text, enum mlg_metrics_format fmt,
			 const char *msg)
{
	struct mlg_metric_set m;

	T_EQ_INT(parse(&m, text, fmt), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(m.n, 0);
	T_ASSERT(m.items == NULL);
}

static void test_nested_json(void)
{
	struct mlg_metric_set m;

	T_EQ_INT(parse(&m,
		       "{\"loss\": 0.25, \"test\": {\"acc\": 0.9, \"by\": "
		       "{\"us\": {\"f1\": -2e-3}}, \"n\": 1000},\n"
		       " \"name\": \"run\", \"ok\": true, \"x\": null, "
		       "\"hist\": [1, 2, 3], \"objs\": [{\"a\": 1}]}",
		       MLG_METRICS_AUTO),
		 0);
	T_EQ_INT(m.format, MLG_METRICS_JSON);
	T_EQ_INT(m.n, 4);
	T_EQ_STR(m.items[0].name, "loss");
	T_EQ_DBL(m.items[0].value, 0.25, 0);
	T_EQ_STR(m.items[1].name, "test.acc");
	T_EQ_DBL(m.items[1].value, 0.9, 0);
	T_EQ_STR(m.items[2].name, "test.by.us.f1");
	T_EQ_DBL(m.items[2].value, -0.002, 0);
	T_EQ_STR(m.items[3].name, "test.n");
	T_EQ_DBL(m.items[3].value, 1000, 0);
	T_ASSERT(m.items[3].unit == NULL);
	T_ASSERT(mlg_metrics_find(&m, "test.acc") == &m.items[1]);
	T_ASSERT(mlg_metrics_find(&m, "test") == NULL);
	T_ASSERT(mlg_metrics_find(&m, "hist") == NULL);
	mlg_metrics_release(&m);
	T_EQ_INT(m.n, 0);
}

static void test_json_odd_keys(void)
{
	struct mlg_metric_set m;

	/* keys with "/" and "~" and UTF-8 are kept as written */
	T_EQ_INT(parse(&m, "{\"a/b\": {\"~x\": 1}, \"\xc3\xa9\": 2}",
		       MLG_METRICS_JSON),
		 0);
	T_EQ_INT(m.n, 2);
	T_EQ_STR(m.items[0].name, "a/b.~x");
	T_EQ_STR(m.items[1].name, "\xc3\xa9");
	mlg_metrics_release(&m);
}

static void test_json_errors(void)
{
	expect_error("{\"a.b\": 1,\n \"a\": {\"b\": 2}}", MLG_METRICS_AUTO,
		     "'m.json': 2:8: /a/b: duplicate metric 'a.b'");
	expect_error("{\"a\": \"x\", \"b\": [1]}", MLG_METRICS_AUTO,
		     "'m.json': 1:1: /: no metrics found");
	/* a metric needs a name: gab refuses "" too */
	expect_error("{\"a\": {\"\": 1},\n \"\": 2}", MLG_METRICS_AUTO,
		     "'m.json': 2:2: /: empty metric name");
	expect_error("{}", MLG_METRICS_AUTO,
		     "'m.json': 1:1: /: no metrics found");
	expect_error("  42", MLG_METRICS_AUTO,
		     "'m.json': 1:3: /: expected an object or an array, "
		     "found number");
	expect_error("[1]", MLG_METRICS_JSON,
		     "'m.json': 1:1: /: expected an object, found array");
	expect_error("{\"a\": 1,\n  \"b\": tru}", MLG_METRICS_AUTO,
		     "'m.json': 2:8: invalid token near 'tru'");
	expect_error("{\"a\": 1", MLG_METRICS_AUTO,
		     "'m.json': 1:8: '}' expected near end of file");
	expect_error("", MLG_METRICS_AUTO, "'m.json': empty JSON text");
	expect_error("{\"a\": \"\xff\"}", MLG_METRICS_AUTO,
		     "'m.json': 1:8: unable to decode byte 0xff near "
		     "'\"'");
}

static void test_nul_byte(void)
{
	struct mlg_metric_set m;

	mlg_error_clear();
	T_EQ_INT(mlg_metrics_parse_text(&m, "m.json", "{\"a\": 1}\0x", 10,
					MLG_METRICS_AUTO),
		 MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "'m.json': ");
	T_EQ_INT(m.n, 0);
}

static void test_long_name(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_metric_set m;
	int i;

	mlg_buf_adds(&b, "{\"");
	for (i = 0; i < 1025; i++)
		mlg_buf_addch(&b, 'k');
	mlg_buf_adds(&b, "\": 1}");
	T_EQ_INT(parse(&m, b.ptr, MLG_METRICS_AUTO), MLG_EINVALID);
	/* the message is cut at 1023 bytes, after the pointer */
	T_ASSERT(mlg_starts_with(mlg_error_message(), "'m.json': 1:2: /kkk"));
	T_EQ_INT(mlg_error_last()->code, MLG_EINVALID);
	T_EQ_INT(strlen(mlg_error_message()), 1023);
	mlg_buf_release(&b);
}

static void test_many_metrics(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_metric_set m;
	int i;

	mlg_buf_addch(&b, '{');
	for (i = 0; i < 2000; i++)
		mlg_buf_addf(&b, "%s\"m%d\": %d", i ? "," : "", i, i);
	mlg_buf_addch(&b, '}');
	T_EQ_INT(parse(&m, b.ptr, MLG_METRICS_AUTO), 0);
	T_EQ_INT(m.n, 2000);
	T_EQ_STR(m.items[1999].name, "m1999");
	T_EQ_DBL(m.items[1999].value, 1999, 0);
	mlg_metrics_release(&m);
	mlg_buf_release(&b);
}

static void test_gab(void)
{
	struct mlg_metric_set m;

	T_EQ_INT(parse(&m,
		       "[{\"name\": \"fib(10)\", \"unit\": \"ms\", \"value\": "
		       "12.5, \"range\": \"3\", \"extra\": \"x\"},\n"
		       " {\"name\": \"rps\", \"value\": 900}]",
		       MLG_METRICS_AUTO),
		 0);
	T_EQ_INT(m.format, MLG_METRICS_GAB);
	T_EQ_INT(m.n, 2);
	T_EQ_STR(m.items[0].name, "fib(10)");
	T_EQ_STR(m.items[0].unit, "ms");
	T_EQ_DBL(m.items[0].value, 12.5, 0);
	T_EQ_STR(m.items[1].name, "rps");
	T_ASSERT(m.items[1].unit == NULL);
	T_EQ_DBL(m.items[1].value, 900, 0);
	mlg_metrics_release(&m);
}

static void test_gab_errors(void)
{
	expect_error("[{\"name\": \"a\", \"value\": 1},\n {\"name\": \"b\", "
		     "\"value\": \"2\"}]",
		     MLG_METRICS_AUTO,
		     "'m.json': 2:16: /1/value: expected a number, found "
		     "string");
	expect_error("[{\"value\": 1}]", MLG_METRICS_AUTO,
		     "'m.json': 1:2: /0: missing required property 'name'");
	expect_error("[{\"name\": \"a\", \"value\": 1, \"colour\": 1}]",
		     MLG_METRICS_AUTO,
		     "'m.json': 1:28: /0/colour: unknown property 'colour'");
	expect_error("[{\"name\": \"a\", \"value\": 1}, {\"name\": \"a\", "
		     "\"value\": 2}]",
		     MLG_METRICS_AUTO,
		     "'m.json': 1:29: /1: duplicate metric 'a'");
	expect_error("[{\"name\": \"\", \"value\": 1}]", MLG_METRICS_AUTO,
		     "'m.json': 1:3: /0/name: empty metric name");
	expect_error("[3]", MLG_METRICS_AUTO,
		     "'m.json': 1:2: /0: expected an object, found number");
	expect_error("[]", MLG_METRICS_AUTO,
		     "'m.json': 1:1: /: no metrics found");
	expect_error("{\"a\": 1}", MLG_METRICS_GAB,
		     "'m.json': 1:1: /: expected an array, found object");
}

static void test_bmf(void)
{
	struct mlg_metric_set m;

	T_EQ_INT(parse(&m,
		       "{\"bench\": {\"latency\": {\"value\": 1.5, "
		       "\"lower_value\": 1.0, \"upper_value\": 2.0},\n"
		       " \"throughput\": {\"value\": 300}}, \"other\": "
		       "{\"latency\": {\"value\": 7}}}",
		       MLG_METRICS_AUTO),
		 0);
	T_EQ_INT(m.format, MLG_METRICS_BMF);
	T_EQ_INT(m.n, 3);
	T_EQ_STR(m.items[0].name, "bench/latency");
	T_EQ_DBL(m.items[0].value, 1.5, 0);
	T_EQ_INT(m.items[0].has_lower, 1);
	T_EQ_DBL(m.items[0].lower, 1.0, 0);
	T_EQ_INT(m.items[0].has_upper, 1);
	T_EQ_DBL(m.items[0].upper, 2.0, 0);
	T_EQ_STR(m.items[1].name, "bench/throughput");
	T_EQ_INT(m.items[1].has_lower, 0);
	T_EQ_INT(m.items[1].has_upper, 0);
	T_EQ_STR(m.items[2].name, "other/latency");
	T_EQ_DBL(m.items[2].value, 7, 0);
	mlg_metrics_release(&m);

	/* not every measure has the shape: read as nested JSON */
	T_EQ_INT(parse(&m,
		       "{\"bench\": {\"latency\": {\"value\": 1.5, \"n\": 3}}}",
		       MLG_METRICS_AUTO),
		 0);
	T_EQ_INT(m.format, MLG_METRICS_JSON);
	T_EQ_INT(m.n, 2);
	T_EQ_STR(m.items[0].name, "bench.latency.value");
	T_EQ_STR(m.items[1].name, "bench.latency.n");
	mlg_metrics_release(&m);
}

static void test_bmf_errors(void)
{
	expect_error("{\"b\": {\"lat\": {\"value\": 1, \"n\": 3}}}",
		     MLG_METRICS_BMF,
		     "'m.json': 1:28: /b/lat/n: unknown property 'n'");
	expect_error("{\"b\": {\"lat\": {\"lower_value\": 1}}}",
		     MLG_METRICS_BMF,
		     "'m.json': 1:8: /b/lat: missing required property "
		     "'value'");
	expect_error("{\"b\": 1}", MLG_METRICS_BMF,
		     "'m.json': 1:2: /b: expected an object, found number");
	expect_error("{\"b\": {\"lat\": {\"value\": 1, \"upper_value\": "
		     "null}}}",
		     MLG_METRICS_BMF,
		     "'m.json': 1:28: /b/lat/upper_value: expected a number, "
		     "found null");
}

static void test_format_names(void)
{
	enum mlg_metrics_format f;

	T_EQ_INT(mlg_metrics_format_parse(&f, "bmf"), 0);
	T_EQ_INT(f, MLG_METRICS_BMF);
	T_EQ_INT(mlg_metrics_format_parse(&f, "auto"), 0);
	T_EQ_INT(f, MLG_METRICS_AUTO);
	T_EQ_INT(mlg_metrics_format_parse(&f, "yaml"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "unknown metrics format 'yaml'");
	T_EQ_STR(mlg_metrics_format_name(MLG_METRICS_GAB), "gab");
}

static void test_load(void)
{
	struct mlg_metric_set m;
	const char *p = t_write("m.json", "{\"acc\": 0.5}");

	T_EQ_INT(mlg_metrics_load(&m, p, 0, MLG_METRICS_AUTO), 0);
	T_EQ_INT(m.n, 1);
	mlg_metrics_release(&m);
	T_EQ_INT(mlg_metrics_load(&m, "/nonexistent/m.json", 0,
				  MLG_METRICS_AUTO),
		 MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(), "cannot read '/nonexistent/m.json': No "
				      "such file or directory");
	T_EQ_INT(mlg_metrics_load(&m, p, 4, MLG_METRICS_AUTO), MLG_ELIMIT);
}

static void test_export(void)
{
	struct mlg_metric_set m;
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(parse(&m,
		       "[{\"name\": \"a/lat\", \"unit\": \"ms\", \"value\": 2},"
		       " {\"name\": \"acc\", \"value\": 0.5}]",
		       MLG_METRICS_AUTO),
		 0);
	T_EQ_INT(mlg_metrics_export_gab(&b, &m), 0);
	T_EQ_STR(b.ptr, "[\n  {\n    \"name\": \"a/lat\",\n    \"unit\": "
			"\"ms\",\n    \"value\": 2.0\n  },\n  {\n    \"name\": "
			"\"acc\",\n    \"unit\": \"\",\n    \"value\": 0.5\n  "
			"}\n]\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_metrics_export_bmf(&b, &m), 0);
	T_EQ_STR(b.ptr, "{\n  \"a\": {\n    \"lat\": {\n      \"value\": "
			"2.0\n    }\n  },\n  \"acc\": {\n    \"value\": {\n   "
			"   \"value\": 0.5\n    }\n  }\n}\n");
	mlg_metrics_release(&m);

	/* BMF round trip keeps names, values and bounds */
	T_EQ_INT(parse(&m,
		       "{\"b\": {\"lat\": {\"value\": 1, \"lower_value\": 0.5, "
		       "\"upper_value\": 2}}}",
		       MLG_METRICS_AUTO),
		 0);
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_metrics_export_bmf(&b, &m), 0);
	mlg_metrics_release(&m);
	T_EQ_INT(parse(&m, b.ptr, MLG_METRICS_AUTO), 0);
	T_EQ_INT(m.format, MLG_METRICS_BMF);
	T_EQ_STR(m.items[0].name, "b/lat");
	T_EQ_DBL(m.items[0].lower, 0.5, 0);
	T_EQ_DBL(m.items[0].upper, 2, 0);
	mlg_metrics_release(&m);

	/* a capped buffer is left as it was */
	T_EQ_INT(parse(&m, "{\"a\": 1}", MLG_METRICS_AUTO), 0);
	mlg_buf_release(&b);
	mlg_buf_init(&b, 8);
	T_EQ_INT(mlg_metrics_export_gab(&b, &m), MLG_ELIMIT);
	T_EQ_INT(b.len, 0);
	mlg_metrics_release(&m);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_nested_json), T(test_json_odd_keys), T(test_json_errors),
	  T(test_nul_byte), T(test_long_name), T(test_many_metrics),
	  T(test_gab), T(test_gab_errors), T(test_bmf), T(test_bmf_errors),
	  T(test_format_names), T(test_load), T(test_export));
