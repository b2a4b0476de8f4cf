/*
 * model-test - metrics of a predictions file, held to thresholds, per slice
 *
 *   model-test --label y --proba 'p_*' --threshold 'roc_auc >= 0.85' \
 *              --slice country --max-slice-gap 'f1 <= 0.05' preds.csv
 *
 * Computes scikit-learn's metrics (metrics_ml.h) over the whole file and
 * over each slice, checks every --threshold and slice-gap rule, and writes
 * a flat metrics file for perf-gate. Exit 0 pass, 1 a threshold failed or
 * rows were invalid, 2 usage or configuration error, 3 I/O failure or a
 * metric that could not be computed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/infer.h"
#include "mlgate/json.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/predfile.h"
#include "mlgate/threshold.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static const char *label = "y", *pred, *proba, *weight, *id_col, *task_name,
		  *avg_name, *zd_name, *metrics_path, *input_format, *delimiter;
static struct mlg_strlist thresholds, slice_specs, gaps;
static long min_slice_size = 20;
static const char *endpoint, *protocol = "v2", *model, *features, *save_path;
static long batch_size = 64, concurrency = 1, retries = 3;
static double timeout_s = 30;
static const char *const protocols[] = {"v2", "tfserving", "mlflow", NULL};
static const char *const tasks[] = {"binary", "multiclass", "regression", NULL};
static const char *const averages[] = {"binary", "macro", "micro", "weighted",
				       NULL};
static const char *const zds[] = {"0", "1", NULL};
static const char *const formats[] = {"csv", "jsonl", NULL};

static const struct mlg_opt opts[] = {
	{"label", 'y', MLG_OPT_STRING, &label, "COL",
	 "column of the true labels or values (default 'y')", NULL},
	{"pred", 'p', MLG_OPT_STRING, &pred, "COL",
	 "column of the predicted labels or values", NULL},
	{"proba", 0, MLG_OPT_STRING, &proba, "GLOB",
	 "probability columns, e.g. 'p_*' (one column: P(positive))", NULL},
	{"weight", 'w', MLG_OPT_STRING, &weight, "COL",
	 "column of sample weights", NULL},
	{"id", 0, MLG_OPT_STRING, &id_col, "COL",
	 "column naming each row in messages", NULL},
	{"task", 0, MLG_OPT_CHOICE, &task_name, "binary|multiclass|regression",
	 "the task (default: detected)", tasks},
	{"average", 0, MLG_OPT_CHOICE, &avg_name, "binary|macro|micro|weighted",
	 "averaging of precision, recall, f1 and multiclass roc_auc "
	 "(default: binary for binary tasks, else macro)",
	 averages},
	{"zero-division", 0, MLG_OPT_CHOICE, &zd_name, "0|1",
	 "value of an ill-defined precision, recall or f1 (default 0)", zds},
	{"threshold", 't', MLG_OPT_LIST, &thresholds, "RULE",
	 "a rule such as 'roc_auc >= 0.85' or 'f1[country=US] >= 0.8' "
	 "(repeatable)",
	 NULL},
	{"slice", 's', MLG_OPT_LIST, &slice_specs, "COLS",
	 "compute metrics per value of a column, or per combination of "
	 "'col1,col2' (repeatable)",
	 NULL},
	{"min-slice-size", 0, MLG_OPT_INT, &min_slice_size, "N",
	 "slices with fewer rows are skipped (default 20)", NULL},
	{"max-slice-gap", 0, MLG_OPT_LIST, &gaps, "RULE",
	 "how much worse than overall a slice may be: 'f1 <= 0.05' "
	 "(repeatable)",
	 NULL},
	{"metrics", 'm', MLG_OPT_STRING, &metrics_path, "FILE",
	 "write the metrics as flat JSON (DVC style)", NULL},
	{"input-format", 0, MLG_OPT_CHOICE, &input_format, "csv|jsonl",
	 "how the file is written (default: from its name, else csv)", formats},
	{"delimiter", 'd', MLG_OPT_STRING, &delimiter, "CHAR",
	 "CSV field delimiter (default ',')", NULL},
	{"endpoint", 0, MLG_OPT_STRING, &endpoint, "URL",
	 "get the predictions from a model server instead: DATA is then "
	 "the test set",
	 NULL},
	{"protocol", 0, MLG_OPT_CHOICE, &protocol, "v2|tfserving|mlflow",
	 "the server's protocol (default v2)", protocols},
	{"model", 0, MLG_OPT_STRING, &model, "NAME", "the served model's name",
	 NULL},
	{"features", 0, MLG_OPT_STRING, &features, "COLS",
	 "feature columns sent, 'a,b,c' (default: all but the label, id "
	 "and slice columns)",
	 NULL},
	{"batch-size", 0, MLG_OPT_INT, &batch_size, "N",
	 "rows per request (default 64)", NULL},
	{"concurrency", 0, MLG_OPT_INT, &concurrency, "N",
	 "requests in flight (default 1)", NULL},
	{"timeout", 0, MLG_OPT_DOUBLE, &timeout_s, "SECONDS",
	 "limit of each request (default 30)", NULL},
	{"retries", 0, MLG_OPT_INT, &retries, "N",
	 "retries after a 429, a 503 or a failed connection (default 3)", NULL},
	{"save-predictions", 0, MLG_OPT_STRING, &save_path, "FILE",
	 "write the endpoint's predictions as a predictions CSV", NULL},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"--label COL (--pred COL | --proba GLOB) [options] <predictions>",
	"--endpoint URL --model NAME --label COL [options] <test-data>", NULL};

/* 1 + the index of `v` in `list` (the enum values follow the lists),
 * 0 (auto, default) when `v` is NULL. */
static int choice(const char *const *list, const char *v)
{
	int i;

	for (i = 0; v && list[i]; i++)
		if (!strcmp(list[i], v))
			return i + 1;
	return 0;
}

/* One computed slice. */
struct slice {
	char *name;  /* in the order of --slice: "country=US,age=30" */
	char *canon; /* pairs sorted, for selector lookup */
	size_t n;
	int gap; /* from --slice: held to --max-slice-gap rules */
	struct mlg_metrics m;
};

struct run {
	struct mlg_report *r;
	struct mlg_predfile pf;
	struct mlg_metrics all;
	struct slice *sl;
	size_t nsl, asl;
	struct mlg_threshold *th, *gp;
	size_t nth, ngp;
	struct mlg_strlist cols;  /* every key column */
	struct mlg_strlist specs; /* every slice spec */
	int *explicit;		  /* per spec: given with --slice */
	size_t aexplicit;
	char **owned;
	size_t nowned, aowned;
};

static const char *keep(struct run *x, char *s)
{
	x->owned =
		mlg_grow(x->owned, sizeof(char *), x->nowned + 1, &x->aowned);
	return x->owned[x->nowned++] = s;
}

static void add_col(struct run *x, const char *c)
{
	size_t i;

	for (i = 0; i < x->cols.n; i++)
		if (!strcmp(x->cols.items[i], c))
			return;
	mlg_strlist_add(&x->cols, c);
}

/* Add a slice spec ("a,b") and its columns once. */
static int add_spec(struct run *x, const char *spec, int explicit)
{
	char *s = mlg_strdup(spec), *p, *c, *save = NULL;
	struct mlg_buf norm = MLG_BUF_INIT;
	size_t i;

	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		p[strcspn(p, " =")] = 0;
		if (!*p)
			continue;
		add_col(x, keep(x, mlg_strdup(p)));
		mlg_buf_addf(&norm, "%s%s", norm.len ? "," : "", p);
	}
	free(s);
	if (!norm.len) {
		mlg_buf_release(&norm);
		return mlg_error_set(MLG_EINVALID, "empty slice '%s'", spec);
	}
	/* "b,a" is the same crossed slice as "a,b": keep the first */
	c = mlg_slice_canon(norm.ptr);
	for (i = 0; i < x->specs.n; i++) {
		char *o = mlg_slice_canon(x->specs.items[i]);
		int same = !strcmp(o, c);

		free(o);
		if (same)
			break;
	}
	free(c);
	if (i < x->specs.n) {
		x->explicit[i] |= explicit;
		mlg_buf_release(&norm);
		return 0;
	}
	mlg_strlist_add(&x->specs, keep(x, mlg_buf_detach(&norm, NULL)));
	x->explicit =
		mlg_grow(x->explicit, sizeof(int), x->specs.n, &x->aexplicit);
	x->explicit[i] = explicit;
	return 0;
}

static int parse_rules(struct run *x)
{
	size_t i;
	int rc;

	x->th = mlg_calloc(thresholds.n + 1, sizeof(*x->th));
	x->gp = mlg_calloc(gaps.n + 1, sizeof(*x->gp));
	for (i = 0; i < slice_specs.n; i++)
		if ((rc = add_spec(x, slice_specs.items[i], 1)))
			return rc;
	for (i = 0; i < thresholds.n; i++) {
		if ((rc = mlg_threshold_parse(&x->th[i],
					      thresholds.items[i]))) {
			mlg_error_prefix("bad --threshold '%s'",
					 thresholds.items[i]);
			return rc;
		}
		x->nth++;
		if (x->th[i].selector &&
		    (rc = add_spec(x, x->th[i].selector, 0)))
			return rc;
	}
	for (i = 0; i < gaps.n; i++) {
		if ((rc = mlg_threshold_parse(&x->gp[i], gaps.items[i]))) {
			mlg_error_prefix("bad --max-slice-gap '%s'",
					 gaps.items[i]);
			return rc;
		}
		x->ngp++;
		if (x->gp[i].selector || x->gp[i].arg ||
		    mlg_metric_higher_is_better(x->gp[i].metric) < 0)
			return mlg_error_set(MLG_EINVALID,
					     "bad --max-slice-gap '%s': "
					     "expected a metric name such as "
					     "'f1 <= 0.05'",
					     gaps.items[i]);
	}
	return 0;
}

static int compute_slices(struct run *x, const struct mlg_metric_opts *mo)
{
	size_t s, i, j;
	int rc;

	for (s = 0; s < x->specs.n; s++) {
		size_t idx[64], n = 0, ng;
		struct mlg_slice *g;
		char *spec = mlg_strdup(x->specs.items[s]), *p, *save = NULL;

		for (p = strtok_r(spec, ",", &save); p && n < 64;
		     p = strtok_r(NULL, ",", &save))
			for (j = 0; j < x->cols.n; j++)
				if (!strcmp(x->cols.items[j], p))
					idx[n++] = j;
		free(spec);
		if ((rc = mlg_predfile_slices(&g, &ng, &x->pf, idx, n)))
			return rc;
		for (i = 0; i < ng; i++) {
			struct slice *z;

			x->sl = mlg_grow(x->sl, sizeof(*x->sl), x->nsl + 1,
					 &x->asl);
			z = &x->sl[x->nsl++];
			z->name = g[i].name;
			g[i].name = NULL;
			z->canon = mlg_slice_canon(z->name);
			z->n = g[i].n;
			z->gap = x->explicit[s];
			rc = mlg_predfile_metrics(&z->m, NULL, &x->pf,
						  g[i].rows, g[i].n, mo);
			if (rc)
				break;
		}
		mlg_slices_free(g, ng);
		if (rc)
			return rc;
	}
	return 0;
}

static struct slice *find_slice(struct run *x, const char *sel)
{
	char *c = mlg_slice_canon(sel);
	size_t i;

	for (i = 0; i < x->nsl; i++)
		if (!strcmp(x->sl[i].canon, c)) {
			free(c);
			return &x->sl[i];
		}
	free(c);
	return NULL;
}

/* The check of one threshold rule. */
static void check_rule(struct run *x, const struct mlg_threshold *t)
{
	const struct mlg_metrics *m = &x->all;
	const struct mlg_metric *v;
	struct mlg_buf id = MLG_BUF_INIT;
	struct mlg_check *c;
	struct slice *z = NULL;
	double count = (double)x->pf.n;

	mlg_buf_addf(&id, "%s%s%s%s", t->metric, t->selector ? "[" : "",
		     t->selector ? t->selector : "", t->selector ? "]" : "");
	c = mlg_report_add_check(x->r, id.ptr, MLG_STATUS_FAIL, NULL);
	mlg_check_set_threshold(c, t->text);
	mlg_buf_release(&id);
	if (t->selector) {
		if (!(z = find_slice(x, t->selector))) {
			mlg_check_set_message(c, "no rows in slice '%s'",
					      t->selector);
			return;
		}
		m = &z->m;
		count = (double)z->n;
		if (z->n < (size_t)min_slice_size) {
			c->status = MLG_STATUS_SKIP;
			mlg_check_set_message(c,
					      "slice '%s' has %zu rows, fewer "
					      "than --min-slice-size %ld",
					      z->name, z->n, min_slice_size);
			return;
		}
	}
	if (t->arg) {
		mlg_check_set_message(c, "metric '%s' takes no argument",
				      t->metric);
		return;
	}
	if (!strcmp(t->metric, "count")) {
		mlg_check_set_value(c, count, NULL);
		c->status = mlg_threshold_holds(t, count) ? MLG_STATUS_PASS
							  : MLG_STATUS_FAIL;
		return;
	}
	if (!(v = mlg_metrics_get(m, t->metric))) {
		mlg_check_set_message(
			c,
			"metric '%s' is not computed for a %s "
			"task%s",
			t->metric, mlg_task_name(x->pf.task),
			x->pf.proba || x->pf.task == MLG_TASK_REGRESSION
				? ""
				: " without --proba");
		return;
	}
	if (v->undefined) {
		c->status = MLG_STATUS_ERROR;
		mlg_check_set_message(c, "%s is undefined: %s", t->metric,
				      v->undefined);
		return;
	}
	mlg_check_set_value(c, v->value, NULL);
	c->status = mlg_threshold_holds(t, v->value) ? MLG_STATUS_PASS
						     : MLG_STATUS_FAIL;
}

struct gap {
	struct slice *z;
	double value, gap;
	const char *undefined;
};

static int cmp_gap(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;

	if (!x->undefined != !y->undefined)
		return x->undefined ? -1 : 1;
	if (x->gap != y->gap)
		return x->gap > y->gap ? -1 : 1;
	return strcmp(x->z->name, y->z->name);
}

static void check_gaps(struct run *x, const struct mlg_threshold *t)
{
	static const char *const cols[] = {"slice",   "rows", "value",
					   "overall", "gap",  "status"};
	const struct mlg_metric *all = mlg_metrics_get(&x->all, t->metric);
	int hib = mlg_metric_higher_is_better(t->metric);
	struct gap *g = mlg_calloc(x->nsl + 1, sizeof(*g));
	struct mlg_table *tab;
	struct mlg_buf title = MLG_BUF_INIT;
	size_t i, ng = 0;

	if (!all || all->undefined) {
		struct mlg_check *c = mlg_report_add_check(
			x->r, t->text, all ? MLG_STATUS_ERROR : MLG_STATUS_FAIL,
			"overall %s is %s", t->metric,
			all ? "undefined" : "not computed");
		mlg_check_set_threshold(c, t->text);
		free(g);
		return;
	}
	for (i = 0; i < x->nsl; i++) {
		const struct mlg_metric *v =
			mlg_metrics_get(&x->sl[i].m, t->metric);
		struct mlg_buf cid = MLG_BUF_INIT;
		struct mlg_check *c;

		if (!x->sl[i].gap)
			continue;
		mlg_buf_addf(&cid, "slice-gap:%s[%s]", t->metric,
			     x->sl[i].name);
		if (x->sl[i].n < (size_t)min_slice_size) {
			c = mlg_report_add_check(
				x->r, cid.ptr, MLG_STATUS_SKIP,
				"%zu rows, fewer than --min-slice-size %ld",
				x->sl[i].n, min_slice_size);
			mlg_check_set_threshold(c, t->text);
			mlg_buf_release(&cid);
			continue;
		}
		mlg_buf_release(&cid);
		g[ng].z = &x->sl[i];
		g[ng].undefined = v->undefined;
		g[ng].value = v->value;
		g[ng].gap = hib ? all->value - v->value : v->value - all->value;
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_gap);
	mlg_buf_addf(&title, "Worst slices by %s (rule %s)", t->metric,
		     t->text);
	tab = mlg_report_add_table(x->r, "worst-slices", title.ptr, 6, cols);
	mlg_buf_release(&title);
	for (i = 0; i < ng; i++) {
		struct mlg_buf cid = MLG_BUF_INIT;
		struct mlg_check *c;
		char n[32], v[32], o[32], d[32];
		int ok = !g[i].undefined && mlg_threshold_holds(t, g[i].gap);
		enum mlg_status st = g[i].undefined ? MLG_STATUS_ERROR
				     : ok	    ? MLG_STATUS_PASS
						    : MLG_STATUS_FAIL;

		mlg_buf_addf(&cid, "slice-gap:%s[%s]", t->metric, g[i].z->name);
		if (g[i].undefined)
			c = mlg_report_add_check(x->r, cid.ptr, st,
						 "%s is undefined: %s",
						 t->metric, g[i].undefined);
		else
			c = mlg_report_add_check(
				x->r, cid.ptr, st, "%s %.6g vs %.6g overall",
				t->metric, g[i].value, all->value);
		mlg_buf_release(&cid);
		mlg_check_set_threshold(c, t->text);
		if (!g[i].undefined)
			mlg_check_set_value(c, g[i].gap, NULL);
		snprintf(n, sizeof(n), "%zu", g[i].z->n);
		snprintf(v, sizeof(v), "%.6g", g[i].value);
		snprintf(o, sizeof(o), "%.6g", all->value);
		snprintf(d, sizeof(d), "%.6g", g[i].gap);
		mlg_table_add_row(tab, (const char *const[]){
					       g[i].z->name, n,
					       g[i].undefined ? "undefined" : v,
					       o, g[i].undefined ? "" : d,
					       mlg_status_name(st)});
	}
	free(g);
}

static int write_metrics(struct run *x)
{
	json_t *o = json_object();
	struct mlg_buf b = MLG_BUF_INIT, p = MLG_BUF_INIT;
	size_t i;
	int rc;

	mlg_metrics_to_json(o, "", &x->all);
	for (i = 0; i < x->nsl; i++) {
		mlg_buf_reset(&p);
		mlg_buf_addf(&p, "slice/%s/", x->sl[i].name);
		mlg_metrics_to_json(o, p.ptr, &x->sl[i].m);
	}
	rc = mlg_json_dump(&b, o, 2);
	if (!rc)
		rc = mlg_buf_addch(&b, '\n');
	if (!rc)
		rc = mlg_file_write(metrics_path, b.ptr, b.len);
	json_decref(o);
	mlg_buf_release(&b);
	mlg_buf_release(&p);
	return rc;
}

/*
 * Endpoint mode: send DATA to the model server and have its predictions
 * written as a predictions CSV, which the file mode then reads: one
 * metrics path for both.
 */
static int from_endpoint(struct mlg_infer_file *f, struct run *x,
			 const char *src, struct mlg_predfile_opts *po)
{
	struct mlg_infer_opts io = {0};
	struct mlg_strlist keep = {0};
	size_t i;
	int rc;

	if (!model && strcmp(protocol, "mlflow"))
		return mlg_error_set(MLG_EINVALID, "--endpoint needs --model");
	if (batch_size < 1 || concurrency < 1 || retries < 0 || timeout_s <= 0)
		return mlg_error_set(MLG_EINVALID,
				     "--batch-size, --concurrency and "
				     "--timeout must be positive");
	mlg_infer_proto_parse(&io.proto, protocol);
	io.base = endpoint;
	io.model = model ? model : "";
	io.batch = (size_t)batch_size;
	io.concurrency = (int)concurrency;
	io.retries = (int)retries;
	io.timeout_ms = (long)(timeout_s * 1000);
	mlg_strlist_add(&keep, label);
	if (id_col)
		mlg_strlist_add(&keep, id_col);
	for (i = 0; i < x->cols.n; i++)
		mlg_strlist_add(&keep, x->cols.items[i]);
	rc = mlg_infer_to_file(f, &io, src, keep.items, keep.n, id_col != NULL,
			       features, save_path);
	mlg_strlist_release(&keep);
	if (rc)
		return rc;
	po->id = "id";
	po->pred = f->has_pred ? "pred" : NULL;
	po->proba = f->nproba == 2 ? "proba" : f->nproba ? "proba_*" : NULL;
	return 0;
}

static int run(struct mlg_ctx *ctx)
{
	const char *src = ctx->argv[0];
	struct mlg_infer_file ef = {0};
	struct mlg_predfile_opts po = {0};
	struct mlg_metric_opts mo = {0};
	struct run x;
	double *cm = NULL;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.r = &ctx->report;
	if (min_slice_size < 0)
		return mlg_error_set(MLG_EINVALID,
				     "--min-slice-size must be positive");
	if (delimiter && strlen(delimiter) != 1 && strcmp(delimiter, "\\t"))
		return mlg_error_set(MLG_EINVALID,
				     "option '--delimiter' expects one "
				     "character, not '%s'",
				     delimiter);
	if ((rc = parse_rules(&x)))
		goto done;
	po.label = label;
	po.pred = pred;
	po.proba = proba;
	po.weight = weight;
	po.id = id_col;
	po.slices = x.cols.items;
	po.nslices = x.cols.n;
	po.task = (enum mlg_task)choice(tasks, task_name);
	po.jsonl = input_format
			   ? !strcmp(input_format, "jsonl")
			   : strstr(src, ".jsonl") || strstr(src, ".ndjson");
	if (endpoint) {
		if ((rc = from_endpoint(&ef, &x, src, &po)))
			goto done;
		src = ef.path;
		po.jsonl = 0;
		po.delimiter = 0;
	}
	po.delimiter = !delimiter		   ? 0
		       : !strcmp(delimiter, "\\t") ? '\t'
						   : delimiter[0];
	mo.average = (enum mlg_average)choice(averages, avg_name);
	mo.zero_division = zd_name && !strcmp(zd_name, "1");
	if ((rc = mlg_predfile_read(&x.pf, src, &po))) {
		/* A missing input is a pipeline failure (exit 3). */
		if (rc == MLG_ENOTFOUND)
			rc = MLG_EIO;
		goto done;
	}
	mlg_report_set_prop(x.r, "task", mlg_task_name(x.pf.task));
	mlg_predfile_report(x.r, &x.pf, src);
	if (!x.pf.n) {
		mlg_report_add_check(x.r, "metrics", MLG_STATUS_ERROR,
				     "no valid rows to compute metrics on");
		goto done;
	}
	if (x.pf.task != MLG_TASK_REGRESSION)
		cm = mlg_calloc(x.pf.nclasses * x.pf.nclasses + 1,
				sizeof(double));
	if ((rc = mlg_predfile_metrics(&x.all, cm, &x.pf, NULL, 0, &mo)))
		goto done;
	if (x.pf.task != MLG_TASK_REGRESSION)
		mlg_report_set_prop(x.r, "average", x.all.avg);
	mlg_metrics_add_tables(x.r, &x.all, cm, x.pf.classes, x.pf.nclasses);
	if ((rc = compute_slices(&x, &mo)))
		goto done;
	for (i = 0; i < x.nth; i++)
		check_rule(&x, &x.th[i]);
	for (i = 0; i < x.ngp; i++)
		check_gaps(&x, &x.gp[i]);
	if (metrics_path && (rc = write_metrics(&x)))
		mlg_error_prefix("cannot write metrics");
done:
	mlg_infer_file_release(&ef);
	free(cm);
	for (i = 0; i < x.nsl; i++) {
		free(x.sl[i].name);
		free(x.sl[i].canon);
	}
	free(x.sl);
	for (i = 0; i < x.nth; i++)
		mlg_threshold_release(&x.th[i]);
	for (i = 0; i < x.ngp; i++)
		mlg_threshold_release(&x.gp[i]);
	free(x.th);
	free(x.gp);
	for (i = 0; i < x.nowned; i++)
		free(x.owned[i]);
	free(x.owned);
	mlg_strlist_release(&x.cols);
	mlg_strlist_release(&x.specs);
	free(x.explicit);
	mlg_predfile_release(&x.pf);
	return rc;
}

static const struct mlg_tool tool = {
	.name = "model-test",
	.summary = "Test a model's predictions against metric thresholds.",
	.usage = usage,
	.description =
		"Reads a predictions file (CSV or JSON Lines, plain or "
		"compressed), computes\n"
		"scikit-learn's classification or regression metrics overall "
		"and per slice,\n"
		"and checks each --threshold and --max-slice-gap rule.",
	.opts = opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
