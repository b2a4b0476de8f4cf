/* test_infer.c - request bodies and response parsing per protocol */
#include <stdio.h>
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
	double y[] = {1, 2, 1, NAN}, z[] = {1, -INFINITY};

	/* NaN is a missing value: null for mlflow, refused by tensors */
	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_V2, names, 2, y, 2),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "row 2: feature 'b\"q' is missing: protocol 'v2' cannot "
		 "send a missing value");
	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_TFSERVING, names, 2, y, 2),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "row 2: feature 'b\"q' is missing: protocol 'tfserving' "
		 "cannot send a missing value");
	T_EQ_INT(b.len, 0);
	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_MLFLOW, names, 2, y, 2), 0);
	T_EQ_STR(b.ptr, "{\"dataframe_split\":{\"columns\":[\"a\",\"b\\\"q\"],"
			"\"data\":[[1,2],[1,null]]}}");
	mlg_buf_reset(&b);
	/* an infinity is no JSON number, missing or not */
	T_EQ_INT(mlg_infer_request(&b, MLG_INFER_MLFLOW, names, 2, z, 1),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "row 1: feature 'b\"q' is not a finite number");
	T_EQ_INT(b.len, 0);
	T_ASSERT(mlg_infer_proto_missing_ok(MLG_INFER_MLFLOW));
	T_ASSERT(!mlg_infer_proto_missing_ok(MLG_INFER_V2));
	T_ASSERT(!mlg_infer_proto_missing_ok(MLG_INFER_TFSERVING));
	mlg_buf_release(&b);
}

/* Three rows of a numeric column "x" and a text column "c\"o". */
static char *tnames[] = {"x", "c\"o"};
static unsigned char tkind[] = {0, 1};
static double tx[] = {1.5, NAN, -2, NAN, 0.25, NAN};
static const char *tcells[] = {NULL, "S\xc3\xa3o, \"P\"", NULL, "a\nb", NULL,
			       "red"};

static void text_set(struct mlg_infer_data *d)
{
	memset(d, 0, sizeof(*d));
	d->nrows = 3;
	d->ncols = 2;
	d->names = tnames;
	d->x = tx;
	d->is_text = tkind;
	d->text = tcells;
}

static void test_request_text(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_infer_data d;

	text_set(&d);
	/* rows 2 and 3: one input per column, BYTES for the text */
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_V2, &d, 1, 2), 0);
	T_EQ_STR(b.ptr, "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,1],"
			"\"datatype\":\"FP64\",\"data\":[-2,0.25]},"
			"{\"name\":\"c\\\"o\",\"shape\":[2,1],"
			"\"datatype\":\"BYTES\",\"data\":[\"a\\u000ab\","
			"\"red\"]}]}");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_TFSERVING, &d, 0, 3), 0);
	T_EQ_STR(b.ptr, "{\"instances\":[{\"x\":1.5,\"c\\\"o\":"
			"\"S\xc3\xa3o, \\\"P\\\"\"},{\"x\":-2,\"c\\\"o\":"
			"\"a\\u000ab\"},{\"x\":0.25,\"c\\\"o\":\"red\"}]}");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_MLFLOW, &d, 2, 1), 0);
	T_EQ_STR(b.ptr, "{\"dataframe_split\":{\"columns\":[\"x\","
			"\"c\\\"o\"],\"data\":[[0.25,\"red\"]]}}");
	mlg_buf_reset(&b);

	/* a missing text cell: null for mlflow, refused by tensors; the
	 * row is the test set's */
	tcells[3] = NULL;
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_MLFLOW, &d, 0, 3), 0);
	T_EQ_STR(b.ptr, "{\"dataframe_split\":{\"columns\":[\"x\","
			"\"c\\\"o\"],\"data\":[[1.5,\"S\xc3\xa3o, "
			"\\\"P\\\"\"],[-2,null],[0.25,\"red\"]]}}");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_V2, &d, 1, 2),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "row 2: feature 'c\"o' is missing: protocol 'v2' cannot send "
		 "a missing value");
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_TFSERVING, &d, 0, 3),
		 MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "protocol 'tfserving'");
	/* rows that hold none are sent */
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_V2, &d, 2, 1), 0);
	T_EQ_STR(b.ptr, "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1],"
			"\"datatype\":\"FP64\",\"data\":[0.25]},"
			"{\"name\":\"c\\\"o\",\"shape\":[1,1],"
			"\"datatype\":\"BYTES\",\"data\":[\"red\"]}]}");
	tcells[3] = "a\nb";
	mlg_buf_release(&b);

	/* a capped buffer takes the whole body or nothing */
	mlg_buf_init(&b, 40);
	mlg_buf_adds(&b, "keep");
	T_EQ_INT(mlg_infer_request_rows(&b, MLG_INFER_V2, &d, 0, 3),
		 MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(), "request body too large");
	T_EQ_STR(b.ptr, "keep");
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
		{"{\"x\": \"a\\u00ff\", \"y\": 0}\n{\"x\": \"\\u0000\", \"y\": "
		 "1}\n",
		 "line 2: \\u0000 is not allowed without JSON_ALLOW_NUL",
		 MLG_EDATA},
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

/* A text column: any cell that is not empty and not a number; cells
 * kept as written; empty cells missing in either kind of column. */
static void test_data_text(void)
{
	struct mlg_infer_data d;

	T_EQ_INT(read_set(&d, "id,x,zip,color,e,y\n"
			      "r1,1.5,02134,red,,0\n"
			      "r2,,007,\"S\xc3\xa3o, \"\"P\"\"\",,1\n"
			      "r3,-2,A12,,,0\n"
			      "r4,1e3,1.50,green,,1\n"),
		 0);
	T_EQ_INT(d.nrows, 4);
	T_EQ_INT(d.ncols, 5);
	T_ASSERT(d.is_text && d.text && d.pool);
	T_EQ_INT(d.is_text[0], 1); /* id is a feature here */
	T_EQ_STR(d.text[15], "r4");
	T_EQ_STR(d.names[1], "x");
	T_EQ_INT(d.is_text[1], 0);
	T_EQ_INT(d.is_text[2], 1);
	T_EQ_INT(d.is_text[3], 1);
	T_EQ_INT(d.is_text[4], 0); /* every cell empty: numeric, missing */
	T_EQ_DBL(d.x[1], 1.5, 0);
	T_ASSERT(isnan(d.x[5 + 1]));
	T_ASSERT(mlg_infer_is_missing(&d, 1, 1));
	T_ASSERT(!mlg_infer_is_missing(&d, 0, 1));
	T_EQ_DBL(d.x[15 + 1], 1000, 0);
	/* "02134" was a number until "A12": kept as written */
	T_EQ_STR(d.text[2], "02134");
	T_EQ_STR(d.text[5 + 2], "007");
	T_EQ_STR(d.text[15 + 2], "1.50");
	T_ASSERT(isnan(d.x[2]));
	T_EQ_STR(d.text[5 + 3], "S\xc3\xa3o, \"P\"");
	T_ASSERT(!d.text[10 + 3]);
	T_ASSERT(mlg_infer_is_missing(&d, 2, 3));
	T_ASSERT(!d.text[1]);
	T_ASSERT(isnan(d.x[4]) && isnan(d.x[19]));
	T_EQ_STR(d.kept[3], "1");
	mlg_infer_data_release(&d);

	/* every feature numeric: no text arrays */
	T_EQ_INT(read_set(&d, "x,y\n1,0\n,1\n"), 0);
	T_ASSERT(!d.is_text && !d.text && !d.pool);
	T_ASSERT(isnan(d.x[1]));
	mlg_infer_data_release(&d);

	/* JSON Lines: strings, booleans and null */
	T_EQ_INT(read_set(&d, "{\"c\": \"US\", \"b\": true, \"n\": 1, "
			      "\"y\": 0}\n"
			      "{\"c\": null, \"b\": false, \"n\": null, "
			      "\"y\": 1}\n"
			      "{\"c\": \"\", \"b\": true, \"n\": \"2\", "
			      "\"y\": 1}\n"),
		 0);
	T_EQ_INT(d.ncols, 3);
	T_EQ_INT(d.is_text[0], 1);
	T_EQ_INT(d.is_text[1], 1);
	T_EQ_INT(d.is_text[2], 0);
	T_EQ_STR(d.text[0], "US");
	T_ASSERT(!d.text[3] && !d.text[6]);
	T_EQ_STR(d.text[4], "false");
	T_ASSERT(isnan(d.x[5]));
	T_EQ_DBL(d.x[8], 2, 0);
	mlg_infer_data_release(&d);
}

static void test_data_text_errors(void)
{
	static const struct {
		const char *text, *msg;
	} c[] = {
		{"x,c,y\n1,ok,0\n2,caf\xe9,1\n",
		 "line 3: feature 'c' is not valid UTF-8"},
		{"x,c,y\n1,\xff\xfe,0\n",
		 "line 2: feature 'c' is not valid UTF-8"},
		/* a number cut by a NUL byte is no number */
		{"x,c,y\n1\0002,a,0\n", "line 2: feature 'x' holds a NUL byte"},
		{"x,c,y\n1,a\000b,0\n", "line 2: feature 'c' holds a NUL byte"},
		{"x,c,y\n1,a,0\n2,b\n", "line 3: 2 fields, expected 3"},
	};
	static const size_t len[] = {0, 0, 14, 14, 0};
	struct mlg_infer_data d;
	static const char *const keep[] = {"y"};
	const char *path = NULL;
	FILE *f;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(c); i++) {
		path = t_write("bad.csv", "");
		f = fopen(path, "wb");
		T_ASSERT(f);
		fwrite(c[i].text, 1, len[i] ? len[i] : strlen(c[i].text), f);
		fclose(f);
		T_EQ_INT(mlg_infer_data_read(&d, path, keep, 1, NULL, 0),
			 MLG_EDATA);
		if (!strstr(mlg_error_message(), c[i].msg))
			t_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'",
			       i, mlg_error_message(), c[i].msg);
		mlg_infer_data_release(&d);
	}
}

MLG_TESTS(T(test_data_jsonl), T(test_data_jsonl_errors), T(test_data_text),
	  T(test_data_text_errors), T(test_request_v2),
	  T(test_request_tf_mlflow), T(test_request_nan), T(test_request_text),
	  T(test_urls), T(test_parse_v2), T(test_parse_tf_nan),
	  T(test_parse_bad), T(test_error_text));
