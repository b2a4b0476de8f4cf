#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/predfile.h"
#include "mlgate/util.h"
#include "test.h"

#define FIX "tests/fixtures/model-test/"

static struct mlg_json_doc expected;

/* The expected object at JSON pointer `ptr` of expected.json. */
static json_t *want(const char *ptr)
{
	json_t *v;

	if (!expected.root)
		T_EQ_INT(mlg_json_load(&expected, FIX "expected.json", 0), 0);
	v = mlg_json_at(expected.root, ptr);
	if (!json_is_object(v))
		t_fail(__FILE__, __LINE__, "no object at %s", ptr);
	return v;
}

/* Every metric of `exp` is in `m`, defined, equal to 1e-9 relative. */
static void same(const struct mlg_metrics *m, json_t *exp, const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach (exp, key, v) {
		const struct mlg_metric *x = mlg_metrics_get(m, key);
		double e = json_number_value(v);

		if (!x || x->undefined)
			t_fail(__FILE__, __LINE__, "%s: %s missing", what, key);
		else if (!(fabs(x->value - e) <= 1e-9 * fmax(1, fabs(e))))
			t_fail(__FILE__, __LINE__,
			       "%s: %s == %.17g, want %.17g", what, key,
			       x->value, e);
	}
}

static const char *const bin_keys[] = {"country", "age_band"};

static void read_ok(struct mlg_predfile *pf, const char *src,
		    struct mlg_predfile_opts *o)
{
	int rc = mlg_predfile_read(pf, src, o);

	if (rc)
		t_fail(__FILE__, __LINE__, "read %s: %s", src,
		       mlg_error_message());
}

/* Reading `f` fails with `code` and the message `fmt` (its arguments
 * name `f`). */
static void read_bad(struct mlg_predfile_opts *o, const char *f, int code,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void read_bad(struct mlg_predfile_opts *o, const char *f, int code,
		     const char *fmt, ...)
{
	struct mlg_predfile pf;
	char msg[512];
	va_list ap;

	T_EQ_INT(mlg_predfile_read(&pf, f, o), code);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	T_EQ_STR(mlg_error_message(), msg);
	mlg_predfile_release(&pf);
}

static void test_binary_matches_sklearn(void)
{
	struct mlg_predfile_opts o = {.label = "y",
				      .pred = "yhat",
				      .proba = "p",
				      .slices = bin_keys,
				      .nslices = 2};
	struct mlg_predfile pf;
	struct mlg_metrics m;
	double cm[4];

	read_ok(&pf, FIX "binary.csv", &o);
	T_EQ_INT(pf.task, MLG_TASK_BINARY);
	T_EQ_INT(pf.n, 300);
	T_EQ_INT(pf.nclasses, 2);
	T_EQ_STR(pf.classes[1], "1");
	T_EQ_INT(pf.nproba, 1);
	T_EQ_INT(mlg_predfile_metrics(&m, cm, &pf, NULL, 0, NULL), 0);
	same(&m, want("/binary/overall"), "overall");
	T_EQ_DBL(cm[0] + cm[1] + cm[2] + cm[3], 300, 0);
	T_EQ_DBL(cm[3], 96, 0);
	mlg_predfile_release(&pf);

	o.weight = "w";
	read_ok(&pf, FIX "binary.csv", &o);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	same(&m, want("/binary/weighted"), "weighted");
	mlg_predfile_release(&pf);
}

static void test_binary_slices(void)
{
	struct mlg_predfile_opts o = {.label = "y",
				      .pred = "yhat",
				      .proba = "p",
				      .slices = bin_keys,
				      .nslices = 2};
	struct mlg_predfile pf;
	struct mlg_slice *s;
	struct mlg_metrics m;
	size_t n, i, one = 0, both[2] = {0, 1};
	int seen = 0;

	read_ok(&pf, FIX "binary.csv", &o);
	T_EQ_INT(mlg_predfile_slices(&s, &n, &pf, &one, 1), 0);
	T_EQ_INT(n, 4);
	T_EQ_STR(s[0].name, "country=DE");
	T_EQ_STR(s[2].name, "country=JP");
	T_EQ_INT(s[2].n, 8);
	T_EQ_INT(s[2].rows[0], 0);
	T_EQ_INT(s[2].rows[7], 7);
	for (i = 0; i < n; i++) {
		struct mlg_buf p = MLG_BUF_INIT;

		if (!strcmp(s[i].name, "country=JP"))
			continue;
		T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, s[i].rows, s[i].n,
					      NULL),
			 0);
		mlg_buf_addf(&p, "/binary/%s", s[i].name);
		same(&m, want(p.ptr), s[i].name);
		mlg_buf_release(&p);
		seen++;
	}
	T_EQ_INT(seen, 3);
	mlg_predfile_slices_free(s, n);
	T_EQ_INT(mlg_predfile_slices(&s, &n, &pf, both, 2), 0);
	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, "country=US,age_band=30-50"))
			break;
	T_ASSERT(i < n);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, s[i].rows, s[i].n, NULL),
		 0);
	same(&m, want("/binary/country=US,age_band=30-50"), s[i].name);
	mlg_predfile_slices_free(s, n);
	mlg_predfile_release(&pf);
}

static void test_multiclass_matches_sklearn(void)
{
	static const char *const avgs[] = {"macro", "weighted", "micro"};
	static const enum mlg_average av[] = {MLG_AVG_MACRO, MLG_AVG_WEIGHTED,
					      MLG_AVG_MICRO};
	struct mlg_predfile_opts o = {
		.label = "y", .pred = "yhat", .proba = "p_*"};
	struct mlg_metric_opts mo = {0};
	struct mlg_predfile pf;
	struct mlg_metrics m;
	char ptr[64];
	int i, w;

	for (w = 0; w < 2; w++) {
		o.weight = w ? "w" : NULL;
		read_ok(&pf, FIX "multiclass.csv", &o);
		T_EQ_INT(pf.task, MLG_TASK_MULTICLASS);
		T_EQ_INT(pf.nclasses, 3);
		T_EQ_STR(pf.classes[0], "bird");
		T_EQ_STR(pf.classes[2], "dog");
		T_EQ_INT(pf.nproba, 3);
		T_EQ_INT(pf.not_one, 0);
		for (i = 0; i < 3; i++) {
			mo.average = av[i];
			T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0,
						      &mo),
				 0);
			snprintf(ptr, sizeof(ptr), "/multiclass/%s%s", avgs[i],
				 w ? "_w" : "");
			same(&m, want(ptr), ptr);
		}
		mlg_predfile_release(&pf);
	}
	/* predictions from the argmax of the probabilities */
	o.pred = NULL;
	o.weight = NULL;
	read_ok(&pf, FIX "multiclass.csv", &o);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	same(&m, want("/multiclass/argmax"), "argmax");
	mo.average = MLG_AVG_BINARY;
	mlg_error_clear();
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, &mo),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "average 'binary' needs a binary task; use macro, micro or "
		 "weighted");
	mlg_predfile_release(&pf);
}

static void test_regression_matches_sklearn(void)
{
	static const char *const keys[] = {"region"};
	struct mlg_predfile_opts o = {
		.label = "y", .pred = "yhat", .slices = keys, .nslices = 1};
	struct mlg_predfile pf;
	struct mlg_metrics m;
	struct mlg_slice *s;
	size_t n, col = 0;
	uint32_t first200[200];
	size_t i;

	read_ok(&pf, FIX "regression.csv", &o);
	T_EQ_INT(pf.task, MLG_TASK_REGRESSION);
	T_EQ_INT(pf.n, 201);
	T_ASSERT(pf.y == NULL && pf.classes == NULL);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	same(&m, want("/regression/overall"), "overall");
	for (i = 0; i < 200; i++)
		first200[i] = (uint32_t)i;
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, first200, 200, NULL), 0);
	same(&m, want("/regression/even"), "even");
	T_EQ_INT(mlg_predfile_slices(&s, &n, &pf, &col, 1), 0);
	T_EQ_INT(n, 2);
	T_EQ_STR(s[0].name, "region=north");
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, s[0].rows, s[0].n, NULL),
		 0);
	same(&m, want("/regression/region=north"), "north");
	mlg_predfile_slices_free(s, n);
	mlg_predfile_release(&pf);

	o.weight = "w";
	read_ok(&pf, FIX "regression.csv", &o);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	same(&m, want("/regression/weighted"), "weighted");
	mlg_predfile_release(&pf);
}

static void test_bad_rows_counted(void)
{
	const char *f = t_write("bad.csv", "id,y,p\n"
					   "a,1,0.9\n"
					   "b,0,\n"    /* empty */
					   "c,1,NaN\n" /* NaN */
					   "d,1,1.5\n" /* outside [0, 1] */
					   "e,,0.3\n"  /* empty label */
					   "f,0,abc\n" /* not a number */
					   "g,0,0.2\n"
					   "h,1\n"	   /* short row */
					   "i,nan,0.4\n"); /* NaN label */
	struct mlg_predfile_opts o = {.label = "y", .proba = "p", .id = "id"};
	struct mlg_predfile pf;

	read_ok(&pf, f, &o);
	T_EQ_INT(pf.rows, 9);
	T_EQ_INT(pf.n, 2);
	T_EQ_INT(pf.nbad, 7);
	T_EQ_INT(pf.nbadlist, 7);
	T_EQ_INT(pf.bad[0].line, 3);
	T_EQ_STR(pf.bad[0].column, "p");
	T_EQ_STR(pf.bad[0].message, "empty value");
	T_EQ_STR(pf.bad[0].id, "b");
	T_EQ_STR(pf.bad[1].message, "'NaN' is not a probability");
	T_EQ_STR(pf.bad[2].message, "'1.5' is outside [0, 1]");
	T_EQ_STR(pf.bad[3].column, "y");
	T_EQ_STR(pf.bad[3].message, "empty value");
	T_EQ_STR(pf.bad[4].message, "'abc' is not a probability");
	T_EQ_INT(pf.bad[5].line, 9);
	T_EQ_STR(pf.bad[5].message, "empty value");
	T_EQ_STR(pf.bad[6].column, "y");
	T_EQ_STR(pf.bad[6].message, "'nan' is not a number");
	T_EQ_INT(pf.task, MLG_TASK_BINARY);
	T_EQ_INT(pf.y[0], 1);
	T_EQ_INT(pf.y[1], 0);
	mlg_predfile_release(&pf);
}

static void test_bad_list_is_capped(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;
	int i;

	mlg_buf_adds(&b, "y,yhat\n");
	for (i = 0; i < 50; i++)
		mlg_buf_adds(&b, "1,\n0,0\n");
	read_ok(&pf, t_write("many.csv", b.ptr), &o);
	T_EQ_INT(pf.nbad, 50);
	T_EQ_INT(pf.nbadlist, MLG_PREDFILE_LIST_BAD);
	T_EQ_INT(pf.n, 50);
	T_ASSERT(pf.bad[0].id == NULL);
	mlg_predfile_release(&pf);
	mlg_buf_release(&b);
}

static void test_nul_and_invalid_utf8(void)
{
	static const char data[] = "y,yhat\n1,1\n0,0\n\xff\xfe,1\nx\0y,0\n";
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;
	const char *f = t_write("bytes.csv", "");
	FILE *fp = fopen(f, "wb");

	if (!fp)
		t_fail(__FILE__, __LINE__, "cannot write %s", f);
	else {
		fwrite(data, 1, sizeof(data) - 1, fp);
		fclose(fp);
	}
	read_ok(&pf, f, &o);
	/* invalid UTF-8 is a label like any other, a NUL byte is not */
	T_EQ_INT(pf.nbad, 1);
	T_EQ_INT(pf.bad[0].line, 5);
	T_EQ_STR(pf.bad[0].message, "'x\\u0000y' holds a NUL byte");
	T_EQ_INT(pf.n, 3);
	/* the label \xff\xfe is a third class, sorted as bytes */
	T_EQ_INT(pf.task, MLG_TASK_MULTICLASS);
	T_EQ_INT(pf.nclasses, 3);
	T_EQ_STR(pf.classes[0], "0");
	T_EQ_STR(pf.classes[1], "1");
	T_EQ_STR(pf.classes[2], "\xff\xfe");
	T_EQ_INT(pf.y[2], 2);
	mlg_predfile_release(&pf);
}

static void test_detection(void)
{
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;

	read_ok(&pf, t_write("d1.csv", "y,yhat\n1,1\n1,1\n"), &o);
	/* labels 0/1 only: both classes exist even when one is absent */
	T_EQ_INT(pf.task, MLG_TASK_BINARY);
	T_EQ_INT(pf.nclasses, 2);
	T_EQ_INT(pf.y[0], 1);
	mlg_predfile_release(&pf);
	read_ok(&pf, t_write("d2.csv", "y,yhat\n2,1\n10,3\n1,1\n"), &o);
	T_EQ_INT(pf.task, MLG_TASK_MULTICLASS);
	/* numeric classes sort as numbers */
	T_EQ_STR(pf.classes[0], "1");
	T_EQ_STR(pf.classes[3], "10");
	mlg_predfile_release(&pf);
	read_ok(&pf, t_write("d3.csv", "y,yhat\n2.5,1\n10,3\n1,1\n"), &o);
	T_EQ_INT(pf.task, MLG_TASK_REGRESSION);
	T_EQ_DBL(pf.yv[0], 2.5, 0);
	mlg_predfile_release(&pf);
	read_ok(&pf, t_write("d4.csv", "y,yhat\nno,yes\nyes,yes\n"), &o);
	T_EQ_INT(pf.task, MLG_TASK_BINARY);
	T_EQ_STR(pf.classes[1], "yes");
	mlg_predfile_release(&pf);
	o.task = MLG_TASK_REGRESSION;
	read_ok(&pf, t_write("d5.csv", "y,yhat\nno,1\n1,inf\n2,2\n"), &o);
	T_EQ_INT(pf.n, 1);
	T_EQ_INT(pf.nbad, 2);
	T_EQ_STR(pf.bad[0].message, "'no' is not a number");
	T_EQ_STR(pf.bad[1].message, "'inf' is not finite");
	mlg_predfile_release(&pf);
}

static void test_probability_sum_warned(void)
{
	struct mlg_predfile_opts o = {.label = "y", .proba = "p_*"};
	struct mlg_predfile pf;

	read_ok(&pf,
		t_write("sum.csv", "y,p_a,p_b,p_c\n"
				   "a,0.5,0.5,0\n"
				   "b,0.5,0.4,0\n"
				   "c,0.2,0.2,0.6\n"
				   "c,0.3,0.3,0.3\n"),
		&o);
	T_EQ_INT(pf.not_one, 2);
	T_EQ_INT(pf.first_not_one, 3);
	T_EQ_INT(pf.n, 4);
	T_EQ_INT(pf.task, MLG_TASK_MULTICLASS);
	mlg_predfile_release(&pf);
}

static void test_class_absent_and_single(void)
{
	struct mlg_predfile_opts o = {.label = "y", .proba = "p_*"};
	struct mlg_predfile pf;
	struct mlg_metrics m;
	const struct mlg_metric *auc;

	/* class c has a column but no row: one-vs-rest AUC is undefined */
	read_ok(&pf,
		t_write("absent.csv", "y,p_a,p_b,p_c\n"
				      "a,0.6,0.3,0.1\n"
				      "b,0.2,0.7,0.1\n"
				      "a,0.5,0.4,0.1\n"),
		&o);
	T_EQ_INT(pf.nclasses, 3);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	auc = mlg_metrics_get(&m, "roc_auc");
	T_EQ_STR(auc ? auc->undefined : "(no roc_auc)",
		 "a class is absent from the labels");
	T_EQ_DBL(mlg_metrics_get(&m, "accuracy")->value, 1, 0);
	mlg_predfile_release(&pf);

	o.proba = "p";
	read_ok(&pf, t_write("single.csv", "y,p\n1,0.2\n1,0.9\n"), &o);
	T_EQ_INT(mlg_predfile_metrics(&m, NULL, &pf, NULL, 0, NULL), 0);
	auc = mlg_metrics_get(&m, "roc_auc");
	T_EQ_STR(auc->undefined, "only one class present");
	T_EQ_STR(mlg_metrics_get(&m, "average_precision")->undefined,
		 "only one class present");
	T_ASSERT(!mlg_metrics_get(&m, "log_loss")->undefined);
	mlg_predfile_release(&pf);
}

static void test_jsonl(void)
{
	static const char *const keys[] = {"g"};
	struct mlg_predfile_opts o = {.label = "y",
				      .pred = "yhat",
				      .proba = "p",
				      .jsonl = 1,
				      .slices = keys,
				      .nslices = 1};
	struct mlg_predfile pf;

	read_ok(&pf,
		t_write("p.jsonl", "{\"y\": 1, \"yhat\": 1, \"p\": 0.9, "
				   "\"g\": \"a\"}\n"
				   "\n"
				   "{\"y\": 0, \"yhat\": 1, \"p\": 0.6, "
				   "\"g\": null}\n"
				   "{\"y\": 0, \"yhat\": 0, \"p\": null}\n"),
		&o);
	T_EQ_INT(pf.rows, 3);
	T_EQ_INT(pf.n, 2);
	T_EQ_INT(pf.nbad, 1);
	T_EQ_INT(pf.bad[0].line, 4);
	T_EQ_STR(pf.bad[0].column, "p");
	T_EQ_DBL(pf.proba[1], 0.6, 0);
	T_EQ_INT(pf.keys[0].nvalues, 2);
	T_EQ_STR(pf.keys[0].values[1], "");
	mlg_predfile_release(&pf);

	mlg_error_clear();
	T_EQ_INT(mlg_predfile_read(&pf, t_write("bad.jsonl", "{\"y\": 1,\n"),
				   &o),
		 MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "bad.jsonl': line 1: ");
	mlg_predfile_release(&pf);
	T_EQ_INT(mlg_predfile_read(&pf, t_write("arr.jsonl", "[1]\n"), &o),
		 MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "line 1: not a JSON object");
	mlg_predfile_release(&pf);
}

static void test_errors(void)
{
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;
	const char *f;

	f = t_write("nocol.csv", "y,pred\n1,1\n");
	read_bad(&o, f, MLG_EINVALID, "no column 'yhat' in '%s'", f);
	f = t_write("empty.csv", "");
	read_bad(&o, f, MLG_EINVALID, "'%s' is empty: no header", f);

	f = t_write("quote.csv", "y,yhat\n1,1\n0,\"0\n");
	T_EQ_INT(mlg_predfile_read(&pf, f, &o), MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "unterminated quoted field");
	mlg_predfile_release(&pf);

	T_EQ_INT(mlg_predfile_read(&pf, "/nonexistent/p.csv", &o),
		 MLG_ENOTFOUND);
	mlg_predfile_release(&pf);

	o.pred = NULL;
	o.proba = "q_*";
	f = t_write("glob.csv", "y,p_a,p_b\na,1,0\n");
	read_bad(&o, f, MLG_EINVALID, "no column matches 'q_*' in '%s'", f);

	o.proba = "*";
	read_bad(&o, f, MLG_EINVALID,
		 "probability glob '*' matches the label or predicted column "
		 "'y' in '%s'",
		 f);

	o.proba = "p_*";
	f = t_write("nocls.csv", "y,p_a,p_b,p_x\na,1,0,0\nc,0,1,0\n");
	read_bad(&o, f, MLG_EINVALID,
		 "label 'c' has no probability column in '%s'", f);

	o.proba = NULL;
	read_bad(&o, f, MLG_EINVALID,
		 "no prediction: give a predicted column or a probability "
		 "glob");

	o.pred = "y";
	o.task = MLG_TASK_BINARY;
	f = t_write("three.csv", "y\na\nb\nc\n");
	read_bad(&o, f, MLG_EINVALID, "a binary task has 3 classes in '%s'", f);
}

/* A file `name` of `pre`, 2000 bytes 'x' and `post`. */
static const char *with_long(const char *name, const char *pre,
			     const char *post)
{
	struct mlg_buf b = MLG_BUF_INIT;
	const char *f;
	size_t i;

	mlg_buf_adds(&b, pre);
	for (i = 0; i < 2000; i++)
		mlg_buf_addch(&b, 'x');
	mlg_buf_adds(&b, post);
	f = t_write(name, b.ptr);
	mlg_buf_release(&b);
	return f;
}

static void test_long_label_refused(void)
{
	struct mlg_predfile_opts o = {.label = "y", .proba = "p_*"};
	const char *x = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", *f;
	struct mlg_buf u8 = MLG_BUF_INIT;
	char *text;
	int i;

	/* a message shows 40 bytes of a label or column name, then "...":
	 * it has room for about 1000, and the file's name comes last */
	f = with_long("longcls.csv", "y,p_a,p_b,p_c\na,1,0,0\n", ",0,1,0\n");
	read_bad(&o, f, MLG_EINVALID,
		 "label '%s...' has no probability column in '%s'", x, f);
	f = with_long("longnan.csv", "y,p_a,p_nan(", ")\na,1,0\n");
	read_bad(&o, f, MLG_EINVALID,
		 "probability column 'p_nan(%.34s...' is for class "
		 "'nan(%.36s...', "
		 "which no label can be, in '%s'",
		 x, x, f);
	/* cut at a character's start, not through its bytes: x and 20
	 * e-acute are 41 bytes, of which 39 are shown */
	for (i = 0; i < 20; i++)
		mlg_buf_adds(&u8, "\xc3\xa9");
	text = mlg_strfmt("y,p_a,p_b,p_c\na,1,0,0\nx%s,0,1,0\n", u8.ptr);
	f = t_write("longu8.csv", text);
	read_bad(&o, f, MLG_EINVALID,
		 "label 'x%.38s...' has no probability column in '%s'", u8.ptr,
		 f);
	free(text);
	mlg_buf_release(&u8);
	o.proba = "p";
	f = with_long("longone.csv", "y,p\n", ",0.5\n");
	read_bad(&o, f, MLG_EINVALID,
		 "one probability column needs two labels, only '%s...' is in "
		 "'%s'",
		 x, f);
}

static void test_header_only(void)
{
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;

	read_ok(&pf, t_write("hdr.csv", "y,yhat\n"), &o);
	T_EQ_INT(pf.n, 0);
	T_EQ_INT(pf.rows, 0);
	mlg_predfile_release(&pf);
}

static void test_huge_field(void)
{
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	struct mlg_predfile pf;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	/* a 100 KB label: a class of its own, no crash, no truncation */
	mlg_buf_adds(&b, "y,yhat\n");
	for (i = 0; i < 100000; i++)
		mlg_buf_addch(&b, 'x');
	mlg_buf_adds(&b, ",x\nx,x\n");
	read_ok(&pf, t_write("huge.csv", b.ptr), &o);
	T_EQ_INT(pf.n, 2);
	T_EQ_INT(pf.nclasses, 2);
	T_EQ_INT(strlen(pf.classes[1]), 100000);
	mlg_predfile_release(&pf);
	mlg_buf_release(&b);
}

static void test_numbers_as_strtod(void)
{
	/* the fast decimal path must give strtod()'s double, bit for bit */
	static const char *const v[] = {"0.1",
					"0.3",
					"-0.7",
					"123456.789012345",
					"1e-3",
					"9007199254740993",
					"0.000000000000000000001",
					"5.",
					".5",
					"+2.25",
					"-0",
					"3.14159265358979",
					"0.1000000000000000055511151231257827",
					"1.7976931348623157e308"};
	struct mlg_predfile_opts o = {
		.label = "y", .pred = "yhat", .task = MLG_TASK_REGRESSION};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_predfile pf;
	size_t i;

	mlg_buf_adds(&b, "y,yhat\n");
	for (i = 0; i < MLG_ARRAY_SIZE(v); i++)
		mlg_buf_addf(&b, "%s,%s\n", v[i], v[i]);
	mlg_buf_adds(&b, ".,1\n-,1\n1..2,1\n1-,1\n");
	read_ok(&pf, t_write("num.csv", b.ptr), &o);
	T_EQ_INT(pf.n, MLG_ARRAY_SIZE(v));
	T_EQ_INT(pf.nbad, 4);
	for (i = 0; i < MLG_ARRAY_SIZE(v); i++) {
		double want = strtod(v[i], NULL);

		if (memcmp(&pf.yv[i], &want, sizeof(want)))
			t_fail(__FILE__, __LINE__, "%s read as %.17g", v[i],
			       pf.yv[i]);
	}
	mlg_predfile_release(&pf);
	mlg_buf_release(&b);
}

static void test_slice_canon(void)
{
	char *c = mlg_slice_canon(" country = US ,age_band=30-50");

	T_EQ_STR(c, "age_band=30-50,country=US");
	free(c);
	c = mlg_slice_canon("b,a");
	T_EQ_STR(c, "a,b");
	free(c);
	c = mlg_slice_canon("");
	T_EQ_STR(c, "");
	free(c);
	c = mlg_slice_canon(",,x=\xff,");
	T_EQ_STR(c, "x=\xff");
	free(c);
}

/* Files of several MiB are read as many chunks by several threads: the
 * result must be the one of a single pass, in file order. */
static void test_many_chunks(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_predfile_opts o = {
		.label = "y", .pred = "yhat", .proba = "p_*", .id = "id"};
	static const char *const keys[] = {"c"};
	struct mlg_predfile pf;
	size_t i, nrows = 300000;

	o.slices = keys;
	o.nslices = 1;
	mlg_buf_adds(&b, "id,y,yhat,p_a,p_b,c\n");
	for (i = 0; i < nrows; i++) {
		/* a bad row every 20000 rows: 15 in all, in 5+ chunks */
		if (i % 20000 == 7)
			mlg_buf_addf(&b, "r%zu,a,b,x,0.5,K\n", i);
		else if (i == 250000) /* first sum != 1, in a late chunk */
			mlg_buf_addf(&b, "r%zu,a,a,0.5,0.6,K\n", i);
		else /* a new key value appears only after row 200000 */
			mlg_buf_addf(&b, "r%zu,%s,b,0.25,0.75,%s\n", i,
				     i % 3 ? "b" : "a",
				     i > 200000 && i % 2 ? "Z" : "K");
	}
	read_ok(&pf, t_write("chunks.csv", b.ptr), &o);
	T_EQ_INT(pf.rows, nrows);
	T_EQ_INT(pf.nbad, 15);
	T_EQ_INT(pf.n, nrows - 15);
	T_EQ_INT(pf.nbadlist, MLG_PREDFILE_LIST_BAD);
	for (i = 0; i < MLG_PREDFILE_LIST_BAD; i++) {
		char id[32];

		snprintf(id, sizeof(id), "r%zu", i * 20000 + 7);
		T_EQ_INT(pf.bad[i].line, i * 20000 + 7 + 2);
		T_EQ_STR(pf.bad[i].id, id);
		T_EQ_STR(pf.bad[i].column, "p_a");
		T_EQ_STR(pf.bad[i].message, "'x' is not a probability");
	}
	T_EQ_INT(pf.not_one, 1);
	T_EQ_INT(pf.first_not_one, 250000 + 2);
	T_EQ_INT(pf.nclasses, 2);
	T_EQ_STR(pf.classes[0], "a");
	T_EQ_INT(pf.keys[0].nvalues, 2);
	T_EQ_STR(pf.keys[0].values[0], "K");
	T_EQ_STR(pf.keys[0].values[1], "Z");
	/* row 0 is "a", row 1 "b"; valid row 250000 is source row
	 * 250013 (13 bad rows before it): odd, after 200000, so "Z" */
	T_EQ_INT(pf.y[0], 0);
	T_EQ_INT(pf.y[1], 1);
	T_EQ_INT(pf.pred[0], 1);
	T_EQ_INT(pf.keys[0].code[0], 0);
	T_EQ_INT(pf.keys[0].code[250000], 1);
	T_EQ_INT(pf.keys[0].code[250001], 0);
	T_EQ_DBL(pf.proba[2 * 5], 0.25, 0);
	T_EQ_DBL(pf.proba[2 * 5 + 1], 0.75, 0);
	mlg_predfile_release(&pf);
	mlg_buf_release(&b);
}

/* The class limit is crossed in a late chunk: the count it stops at is
 * the one of a single pass (1001), whatever the chunking. */
static void test_class_limit_in_late_chunk(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_predfile_opts o = {.label = "y", .proba = "p"};
	struct mlg_predfile pf;
	size_t i;

	mlg_buf_adds(&b, "y,p\n");
	for (i = 0; i < 200000; i++)
		mlg_buf_addf(&b, "%zu,0.5\n", i % 2);
	for (i = 0; i < 3000; i++)
		mlg_buf_addf(&b, "L%zu,0.5\n", i);
	T_EQ_INT(mlg_predfile_read(&pf, t_write("limit.csv", b.ptr), &o),
		 MLG_EINVALID);
	T_ASSERT(strstr(mlg_error_message(),
			"a binary task has 1001 classes in '") != NULL);
	mlg_predfile_release(&pf);
	/* with a predicted column a row may add two: 1002 */
	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "y,yhat,p\n");
	for (i = 0; i < 200000; i++)
		mlg_buf_addf(&b, "%zu,%zu,0.5\n", i % 2, i % 2);
	for (i = 0; i < 3000; i++)
		mlg_buf_addf(&b, "L%zu,M%zu,0.5\n", i, i);
	o.pred = "yhat";
	T_EQ_INT(mlg_predfile_read(&pf, t_write("limit2.csv", b.ptr), &o),
		 MLG_EINVALID);
	T_ASSERT(strstr(mlg_error_message(),
			"a binary task has 1002 classes in '") != NULL);
	mlg_predfile_release(&pf);
	mlg_buf_release(&b);
}

/* An unterminated quote after many chunks is the same error as ever. */
static void test_late_unterminated_quote(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_predfile_opts o = {.label = "y", .pred = "yhat"};
	const char *f;
	size_t i;

	mlg_buf_adds(&b, "y,yhat\n");
	for (i = 0; i < 500000; i++)
		mlg_buf_adds(&b, "1,0\n");
	mlg_buf_adds(&b, "1,\"0\n1,1\n");
	f = t_write("quote.csv", b.ptr);
	read_bad(&o, f, MLG_EDATA,
		 "'%s': unterminated quoted field starting at line 500002", f);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_binary_matches_sklearn), T(test_binary_slices),
	  T(test_multiclass_matches_sklearn),
	  T(test_regression_matches_sklearn), T(test_bad_rows_counted),
	  T(test_bad_list_is_capped), T(test_nul_and_invalid_utf8),
	  T(test_detection), T(test_probability_sum_warned),
	  T(test_class_absent_and_single), T(test_jsonl), T(test_errors),
	  T(test_long_label_refused), T(test_header_only), T(test_huge_field),
	  T(test_numbers_as_strtod), T(test_slice_canon), T(test_many_chunks),
	  T(test_class_limit_in_late_chunk), T(test_late_unterminated_quote))
