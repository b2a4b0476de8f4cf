/* test_infer.c - request bodies and response parsing per protocol */
#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/infer.h"
#include "mlgate/util.h"
#include "test.h"

static const char *const names[] = {"a", "b\"q"};
static const double x[] = {1, 0.1, -2.5, 1e300};

static void test_request_v2(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_V2, names, 2, x, 2), 0);
	T_EQ_STR(b.ptr, "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,2],"
			"\"datatype\":\"FP64\",\"data\":[1,"
			"0.10000000000000001,-2.5,1.0000000000000001e+300]}]}");
	mlg_buf_release(&b);
}

static void test_request_tf_mlflow(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_TFSERVING, names, 2, x, 1), 0);
	T_EQ_STR(b.ptr, "{\"instances\":[[1,0.10000000000000001]]}");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_MLFLOW, names, 2, x, 1), 0);
	T_EQ_STR(b.ptr, "{\"dataframe_split\":{\"columns\":[\"a\",\"b\\\"q\"],"
			"\"data\":[[1,0.10000000000000001]]}}");
	mlg_buf_release(&b);
}

static void test_request_nan(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	double y[] = {1, NAN};

	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_V2, names, 2, y, 1),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "row 1: feature 'b\"q' is not a finite number");
	mlg_buf_release(&b);
}

static void test_urls(void)
{
	char *u = mlg_infer_url(MLG_INFER_V2, "http://h:1/", "m");

	T_EQ_STR(u, "http://h:1/v2/models/m/infer");
	free(u);
	u = mlg_infer_url(MLG_INFER_TFSERVING, "http://h", "m");
	T_EQ_STR(u, "http://h/v1/models/m:predict");
	free(u);
	u = mlg_infer_ready_url(MLG_INFER_V2, "http://h", "m", 1);
	T_EQ_STR(u, "http://h/v2/models/m/ready");
	free(u);
	T_ASSERT(!mlg_infer_ready_url(MLG_INFER_MLFLOW, "http://h", "m", 1));
}

static void test_parse_v2(void)
{
	static const char body[] =
		"{\"outputs\":[{\"name\":\"label\",\"shape\":[2],\"datatype\":"
		"\"INT64\",\"data\":[0,1]},{\"name\":\"p\",\"shape\":[2,2],"
		"\"datatype\":\"FP64\",\"data\":[[0.75,0.25],[0.1,0.9]]}]}";
	struct mlg_infer_out o;

	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_V2, body, sizeof(body) - 1, 2),
		 0);
	T_EQ_INT(o.k, 2);
	T_EQ_DBL(o.proba[1], 0.25, 0);
	T_EQ_DBL(o.proba[3], 0.9, 0);
	T_EQ_DBL(o.pred[1], 1, 0);
	mlg_infer_out_release(&o);
	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_V2, body, sizeof(body) - 1, 3),
		 MLG_EDATA);
	T_EQ_STR(mlg_error_message(), "response has 2 rows, expected 3");
	mlg_infer_out_release(&o);
}

static void test_parse_tf_nan(void)
{
	static const char body[] =
		"{\"predictions\": [[NaN, Infinity], [-Infinity, 0.5]],"
		" \"note\": \"NaN in a string\"}";
	struct mlg_infer_out o;

	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_TFSERVING, body,
				 sizeof(body) - 1, 2),
		 0);
	T_ASSERT(isnan(o.proba[0]));
	T_ASSERT(isinf(o.proba[1]) && o.proba[1] > 0);
	T_ASSERT(isinf(o.proba[2]) && o.proba[2] < 0);
	mlg_infer_out_release(&o);
}

static void test_parse_bad(void)
{
	struct mlg_infer_out o;

	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_MLFLOW, "", 0, 1), MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "invalid JSON in response: ");
	mlg_infer_out_release(&o);
	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_MLFLOW, "{\"predictions\"", 14,
				 1),
		 MLG_EDATA);
	mlg_infer_out_release(&o);
	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_MLFLOW, "[1,\"x\"]", 7, 2),
		 MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "response value at row 2 is not a number");
	mlg_infer_out_release(&o);
	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_V2, "{\"outputs\":[]}", 14, 1),
		 MLG_EDATA);
	T_EQ_STR(mlg_error_message(), "response has no predictions");
	mlg_infer_out_release(&o);
	T_EQ_INT(mlg_infer_parse(&o, MLG_INFER_MLFLOW, "[1,\0]", 5, 1),
		 MLG_EDATA);
	mlg_infer_out_release(&o);
}

static void test_error_text(void)
{
	const char *j = "{\"error\": \"bad \\u00e9\"}";
	char *s = mlg_infer_error_text(j, strlen(j));

	T_EQ_STR(s, "bad \xc3\xa9");
	free(s);
	s = mlg_infer_error_text("{\"error\": {\"a\": 1}}", 19);
	T_EQ_STR(s, "{\"a\":1}");
	free(s);
	T_ASSERT(!mlg_infer_error_text("<html>", 6));
}

/* Read `text` as a test set keeping y; 0 or the error code. */
static int read_set(struct mlg_infer_data *d, const char *text)
{
	static const char *const keep[] = {"y"};

	return mlg_infer_data_read(d, t_write("set", text), keep, 1, NULL, 0);
}

static void test_data_jsonl(void)
{
	struct mlg_infer_data d;

	T_EQ_INT(read_set(&d, "\n {\"x\": 1.5, \"y\": \"a\", \"z\": -2}\n"
			      "\n{\"z\": 3e2, \"x\": 0, \"y\": 7}\n"
			      "{\"y\": true, \"x\": 12345678901, \"z\": 0.1}"),
		 0);
	T_EQ_INT(d.nrows, 3);
	T_EQ_INT(d.ncols, 2);
	T_EQ_STR(d.names[0], "x");
	T_EQ_STR(d.names[1], "z");
	T_EQ_DBL(d.x[0], 1.5, 0);
	T_EQ_DBL(d.x[1], -2, 0);
	T_EQ_DBL(d.x[2], 0, 0);
	T_EQ_DBL(d.x[3], 300, 0);
	T_EQ_DBL(d.x[4], 12345678901.0, 0);
	T_EQ_DBL(d.x[5], 0.1, 0);
	T_EQ_STR(d.kept[0], "a");
	T_EQ_STR(d.kept[1], "7");
	T_EQ_STR(d.kept[2], "true");
	mlg_infer_data_release(&d);
}

static void test_data_jsonl_errors(void)
{
	static const struct {
		const char *text, *msg;
		int rc;
	} c[] = {
		{"{\"x\": 1, \"y\": 0}\n{\"x\": 2, \"y\": 1, \"w\": 3}\n",
		 "line 2: key 'w' is not a column of the first row", MLG_EDATA},
		{"{\"x\": 1, \"y\": 0}\n{\"y\": 1}\n",
		 "line 2: feature 'x' is not a number: ''", MLG_EDATA},
		{"{\"x\": 1, \"y\": 0}\n{\"x\": null, \"y\": 1}\n",
		 "line 2: feature 'x' is not a number: ''", MLG_EDATA},
		{"{\"x\": [1], \"y\": 0}\n",
		 "line 1: 'x' is an array, not a "
		 "number or text",
		 MLG_EDATA},
		{"{\"x\": 1, \"y\": 0}\n[1, 2]\n",
		 "line 2: expected a JSON object", MLG_EDATA},
		{"{\"x\": 1, \"y\": 0}\n{\"x\": tru}\n",
		 "line 2: invalid token near 'tru'", MLG_EDATA},
		{"{\"x\": 1}\n", "no column 'y' in", MLG_EINVALID},
		{"{\"y\": 1}\n", "no feature columns in", MLG_EINVALID},
	};
	struct mlg_infer_data d;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(c); i++) {
		T_EQ_INT(read_set(&d, c[i].text), c[i].rc);
		if (!strstr(mlg_error_message(), c[i].msg))
			t_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'",
			       i, mlg_error_message(), c[i].msg);
		mlg_infer_data_release(&d);
	}
}

MLG_TESTS(T(test_data_jsonl), T(test_data_jsonl_errors), T(test_request_v2),
	  T(test_request_tf_mlflow), T(test_request_nan), T(test_urls),
	  T(test_parse_v2), T(test_parse_tf_nan), T(test_parse_bad),
	  T(test_error_text));
