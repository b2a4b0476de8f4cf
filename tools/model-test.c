/*
 * model-test - metrics of a predictions file, held to thresholds, per slice
 *
 *   model-test --label y --proba 'p_*' --threshold 'roc_auc >= 0.85' \
 *              --slice country --max-slice-gap 'f1 <= 0.05' preds.csv
 *
 * Computes scikit-learn's metrics (metrics_ml.h) over the whole file and
 * over each slice, checks every --threshold and slice-gap rule, runs the
 * behavioural tests of --behaviour, and writes a flat metrics file for
 * perf-gate. The predictions come from a file, a model server
 * (--endpoint, which --load-duration also loads to measure latency) or
 * a predict command (--command). Exit 0 pass, 1 a threshold failed or
 * rows were invalid, 2 usage or configuration error, 3 I/O failure or a
 * metric that could not be computed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mlgate/behave.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/infer.h"
#include "mlgate/latency.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/mtconfig.h"
#include "mlgate/predcmd.h"
#include "mlgate/predfile.h"
#include "mlgate/secret.h"
#include "mlgate/slices.h"
#include "mlgate/threshold.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static const char *label = "y", *pred, *proba, *weight, *id_col, *task_name,
		  *avg_name, *zd_name, *metrics_path, *input_format, *delimiter;
static struct mlg_strlist thresholds, slice_specs, gaps, header_lines;
static long min_slice_size = LONG_MIN; /* unset: the config's, or 20 */
static const char *endpoint, *protocol = "v2", *model, *features, *save_path;
static long batch_size = 64, concurrency = 1, retries = 3, load_requests;
static double timeout_s = 30, load_duration, load_rate, load_warmup;
static const char *command, *command_format, *suite_path, *config_path;
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
	{"config", 'c', MLG_OPT_STRING, &config_path, "FILE",
	 "gate config (JSON or YAML): thresholds, slices, min_slice_size, "
	 "max_slice_gap",
	 NULL},
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
	{"header", 'H', MLG_OPT_LIST, &header_lines, "'NAME: VALUE'",
	 "send this header to the endpoint (repeatable); credentials "
	 "are masked in every output",
	 NULL},
	{"batch-size", 0, MLG_OPT_INT, &batch_size, "N",
	 "rows per request (default 64)", NULL},
	{"concurrency", 0, MLG_OPT_INT, &concurrency, "N",
	 "requests in flight (default 1)", NULL},
	{"timeout", 0, MLG_OPT_DOUBLE, &timeout_s, "SECONDS",
	 "limit of each request; for --command, the longest time without "
	 "progress (default 30)",
	 NULL},
	{"retries", 0, MLG_OPT_INT, &retries, "N",
	 "retries after a 429, a 503 or a failed connection (default 3)", NULL},
	{"command", 0, MLG_OPT_STRING, &command, "CMD",
	 "get the predictions from a command instead: DATA is the test set, "
	 "its rows go to the command's stdin, one prediction a line back",
	 NULL},
	{"command-format", 0, MLG_OPT_CHOICE, &command_format, "csv|jsonl",
	 "how rows are written to the command (default csv)", formats},
	{"save-predictions", 0, MLG_OPT_STRING, &save_path, "FILE",
	 "write the model's predictions as a predictions CSV", NULL},
	{"behaviour", 0, MLG_OPT_STRING, &suite_path, "SUITE",
	 "run the behavioural tests (mft, inv, dir) of a JSON or YAML suite",
	 NULL},
	{"load-duration", 0, MLG_OPT_DOUBLE, &load_duration, "SECONDS",
	 "then load the endpoint this long and measure latency", NULL},
	{"load-requests", 0, MLG_OPT_INT, &load_requests, "N",
	 "or this many requests (with --concurrency connections)", NULL},
	{"load-rate", 0, MLG_OPT_DOUBLE, &load_rate, "PER_S",
	 "open load: this many requests a second, latency from each one's "
	 "due time (default: closed, --concurrency at a time)",
	 NULL},
	{"load-warmup", 0, MLG_OPT_DOUBLE, &load_warmup, "SECONDS",
	 "requests of the first seconds are not counted (default 0)", NULL},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"--label COL (--pred COL | --proba GLOB) [options] <predictions>",
	"--endpoint URL --model NAME --label COL [options] <test-data>",
	"--command CMD --label COL [options] <test-data>", NULL};

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

struct run {
	struct mlg_report *r;
	struct mlg_predfile pf;
	struct mlg_metrics all;
	struct mlg_slices sl;
	struct mlg_threshold *th, *gp;
	size_t nth, ngp;
	/* endpoint and command modes: the test set and the model */
	struct mlg_infer_data d;
	struct mlg_infer_opts io;
	struct mlg_predcmd_opts co;
	struct mlg_model m;
	struct mlg_infer_file ef;
	struct mlg_behave_suite suite;
	struct mlg_latency lat;
	int have_lat;
	struct mlg_mtconfig cfg;
};

/* The gate config's lists join the options'. */
static int config(struct run *x)
{
	struct mlg_mtconfig *c = &x->cfg;
	size_t i;
	int rc;

	c->min_slice_size = -1;
	if (config_path && (rc = mlg_mtconfig_load(c, config_path)))
		return rc;
	for (i = 0; i < c->nthresholds; i++)
		mlg_strlist_add(&thresholds, c->thresholds[i]);
	for (i = 0; i < c->nslices; i++)
		mlg_strlist_add(&slice_specs, c->slices[i]);
	for (i = 0; i < c->ngaps; i++)
		mlg_strlist_add(&gaps, c->gaps[i]);
	if (min_slice_size == LONG_MIN)
		min_slice_size =
			c->min_slice_size >= 0 ? c->min_slice_size : 20;
	if (min_slice_size < 0)
		return mlg_error_set(MLG_EINVALID,
				     "--min-slice-size must be positive");
	x->sl.min_size = (size_t)min_slice_size;
	return 0;
}

static int parse_rules(struct run *x)
{
	size_t i;
	int rc;

	x->th = mlg_calloc(thresholds.n + 1, sizeof(*x->th));
	x->gp = mlg_calloc(gaps.n + 1, sizeof(*x->gp));
	for (i = 0; i < slice_specs.n; i++)
		if ((rc = mlg_slices_add_spec(&x->sl, slice_specs.items[i],
					      1))) {
			mlg_error_prefix("bad --slice '%s'",
					 slice_specs.items[i]);
			return rc;
		}
	for (i = 0; i < thresholds.n; i++) {
		rc = mlg_threshold_parse(&x->th[i], thresholds.items[i]);
		x->nth += !rc;
		if (!rc && x->th[i].selector)
			rc = mlg_slices_add_spec(&x->sl, x->th[i].selector, 0);
		if (rc) {
			mlg_error_prefix("bad --threshold '%s'",
					 thresholds.items[i]);
			return rc;
		}
	}
	for (i = 0; i < gaps.n; i++) {
		if ((rc = mlg_slices_parse_gap(&x->gp[i], gaps.items[i]))) {
			mlg_error_prefix("bad --max-slice-gap '%s'",
					 gaps.items[i]);
			return rc;
		}
		x->ngp++;
	}
	return 0;
}

/*
 * The value of a header that carries a credential (Authorization, a
 * cookie, a token, a key) is registered as a secret, so that no report
 * or message shows it. MLG_EINVALID for a line that is not "Name: value".
 */
static int check_headers(void)
{
	static const char *const cred[] = {"auth",   "token",  "key",
					   "secret", "cookie", "password"};
	const char *h, *colon, *v;
	size_t i, k;
	char *name;
	int rc = 0;

	for (i = 0; !rc && i < header_lines.n; i++) {
		h = header_lines.items[i];
		colon = strchr(h, ':');
		/* the value is not shown: it may be a credential */
		if (!colon || colon == h || strpbrk(h, "\r\n"))
			return mlg_error_set(MLG_EINVALID,
					     "bad --header %zu: expected "
					     "'Name: value'",
					     i + 1);
		name = mlg_strndup(h, (size_t)(colon - h));
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (k = 0; k < MLG_ARRAY_SIZE(cred); k++)
			if (strcasestr(name, cred[k]) && strlen(v) >= 4)
				rc = mlg_secret_add(v);
		free(name);
	}
	return rc;
}

/*
 * Endpoint and command modes: send the test set DATA to the model and
 * have its predictions written as a predictions CSV, which the file mode
 * then reads: one metrics path for all three.
 */
static int from_model(struct run *x, const char *src,
		      struct mlg_predfile_opts *po)
{
	struct mlg_strlist keep = {0};
	size_t i;
	int rc;

	if (endpoint && command)
		return mlg_error_set(MLG_EINVALID,
				     "give --endpoint or --command, not both");
	if ((rc = check_headers()))
		return rc;
	if (endpoint && !model && strcmp(protocol, "mlflow"))
		return mlg_error_set(MLG_EINVALID, "--endpoint needs --model");
	if (batch_size < 1 || concurrency < 1 || retries < 0 || timeout_s <= 0)
		return mlg_error_set(MLG_EINVALID,
				     "--batch-size, --concurrency and "
				     "--timeout must be positive");
	mlg_strlist_add(&keep, label);
	if (id_col)
		mlg_strlist_add(&keep, id_col);
	for (i = 0; i < x->sl.ncols; i++)
		mlg_strlist_add(&keep, x->sl.cols[i]);
	rc = mlg_infer_data_read_list(&x->d, src, keep.items, keep.n, features);
	mlg_strlist_release(&keep);
	if (rc)
		return rc;
	x->m.id = id_col != NULL;
	if (endpoint) {
		mlg_strlist_add(&header_lines, NULL);
		x->io.headers = header_lines.items;
		mlg_infer_proto_parse(&x->io.proto, protocol);
		x->io.base = endpoint;
		x->io.model = model ? model : "";
		x->io.batch = (size_t)batch_size;
		x->io.concurrency = (int)concurrency;
		x->io.retries = (int)retries;
		x->io.timeout_ms = (long)(timeout_s * 1000);
		x->m.predict = mlg_infer_endpoint_predict;
		x->m.arg = &x->io;
		if ((rc = mlg_infer_ready(&x->io)))
			return rc;
	} else {
		x->co.command = command;
		x->co.format =
			command_format && !strcmp(command_format, "jsonl")
				? MLG_PREDCMD_JSONL
				: MLG_PREDCMD_CSV;
		x->co.timeout_s = timeout_s;
		x->m.predict = mlg_predcmd_predict;
		x->m.arg = &x->co;
	}
	if ((rc = mlg_infer_to_file(&x->ef, &x->d, &x->m, save_path)))
		return rc;
	po->id = "id";
	po->pred = x->ef.has_pred ? "pred" : NULL;
	po->proba = x->ef.nproba == 2 ? "proba"
		    : x->ef.nproba    ? "proba_*"
				      : NULL;
	return 0;
}

/* The behavioural tests: against the model, or on ids of the file. */
static int behaviour(struct run *x)
{
	struct mlg_behave_model bm = {0};
	struct mlg_behave_preds bp = {0};
	int rc;

	if (x->m.predict) {
		bm.predict = x->m.predict;
		bm.arg = x->m.arg;
		if (x->ef.nproba == x->pf.nclasses) {
			bm.classes = (const char *const *)x->pf.classes;
			bm.nclasses = x->pf.nclasses;
		}
		bm.regression = x->pf.task == MLG_TASK_REGRESSION;
		bm.missing_ok =
			command || mlg_infer_proto_missing_ok(x->io.proto);
		bm.protocol = command ? NULL : protocol;
		return mlg_behave_run(x->r, &x->suite, &bm, &x->d);
	}
	/* the id column was read as the last key (see run()) */
	if (!(rc = mlg_behave_preds_from_predfile(&bp, &x->pf, x->sl.ncols)))
		rc = mlg_behave_run_preds(x->r, &x->suite, &bp);
	mlg_behave_preds_release(&bp);
	return rc;
}

/* Load the endpoint with the first batch of the test set. */
static int load(struct run *x)
{
	struct mlg_load_opts lo = {0};
	struct mlg_buf body = MLG_BUF_INIT;
	size_t n = x->d.nrows < x->io.batch ? x->d.nrows : x->io.batch;
	char *url = mlg_infer_url(x->io.proto, endpoint, x->io.model);
	int rc;

	if (load_duration < 0 || load_requests < 0 || load_rate < 0 ||
	    load_warmup < 0) {
		rc = mlg_error_set(MLG_EINVALID, "--load-* values must not be "
						 "negative");
		goto done;
	}
	if ((rc = mlg_infer_request_rows(&body, x->io.proto, &x->d, 0, n)))
		goto done;
	lo.url = url;
	lo.body = body.ptr;
	lo.len = body.len;
	lo.headers = x->io.headers;
	lo.concurrency = (int)concurrency;
	lo.rate = load_rate;
	lo.duration_s = load_duration;
	lo.requests = (unsigned long)load_requests;
	lo.warmup_s = load_warmup;
	lo.timeout_ms = (long)(timeout_s * 1000);
	rc = mlg_http_load(&x->lat, &lo);
	if (rc == MLG_EINVALID)
		goto done;
	x->have_lat = 1;
	mlg_latency_report(x->r, &x->lat, NULL);
	if (rc)
		mlg_report_add_check(x->r, "latency", MLG_STATUS_ERROR, "%s",
				     mlg_error_message());
	rc = 0;
done:
	mlg_buf_release(&body);
	free(url);
	return rc;
}

/* The metrics file: the metrics, slices, behaviour and latency. */
static int write_metrics(struct run *x)
{
	json_t *extra = json_object();
	double v;
	size_t i;
	int rc;

	mlg_behave_metrics_to_json(extra, &x->suite);
	for (i = 0; x->have_lat && mlg_latency_names[i]; i++)
		if (!mlg_latency_value(&v, &x->lat, mlg_latency_names[i]))
			json_object_set_new(extra, mlg_latency_names[i],
					    json_real(v));
	rc = mlg_slices_write_metrics(metrics_path, &x->sl, &x->all, extra);
	json_decref(extra);
	if (rc)
		mlg_error_prefix("cannot write metrics");
	return rc;
}

static int run(struct mlg_ctx *ctx)
{
	const char *src = ctx->argv[0];
	struct mlg_predfile_opts po = {0};
	struct mlg_metric_opts mo = {0};
	const char **keys = NULL;
	struct run x;
	double *cm = NULL;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.r = &ctx->report;
	if ((rc = config(&x)))
		goto done;
	if (delimiter && strlen(delimiter) != 1 && strcmp(delimiter, "\\t"))
		return mlg_error_set(MLG_EINVALID,
				     "option '--delimiter' expects one "
				     "character, not '%s'",
				     delimiter);
	if (header_lines.n && !endpoint)
		return mlg_error_set(MLG_EINVALID, "--header needs --endpoint");
	if ((load_duration || load_requests) && !endpoint)
		return mlg_error_set(MLG_EINVALID, "--load-duration and "
						   "--load-requests need "
						   "--endpoint");
	/* a bad suite is found before any work */
	if ((suite_path && (rc = mlg_behave_load(&x.suite, suite_path))) ||
	    (rc = parse_rules(&x)))
		goto done;
	po.label = label;
	po.pred = pred;
	po.proba = proba;
	po.weight = weight;
	po.id = id_col;
	po.slices = x.sl.cols;
	po.nslices = x.sl.ncols;
	po.task = (enum mlg_task)choice(tasks, task_name);
	po.jsonl = input_format
			   ? !strcmp(input_format, "jsonl")
			   : strstr(src, ".jsonl") || strstr(src, ".ndjson");
	po.delimiter = !delimiter		   ? 0
		       : !strcmp(delimiter, "\\t") ? '\t'
						   : delimiter[0];
	if (endpoint || command) {
		if ((rc = from_model(&x, src, &po)))
			goto done;
		src = x.ef.path;
		po.jsonl = 0;
		po.delimiter = 0;
	} else if (suite_path) {
		/* file mode pairs ids: read them as one more key */
		if (!id_col) {
			rc = mlg_error_set(MLG_EINVALID,
					   "--behaviour on a predictions file "
					   "needs --id");
			goto done;
		}
		keys = mlg_calloc(x.sl.ncols + 1, sizeof(*keys));
		for (i = 0; i < x.sl.ncols; i++)
			keys[i] = x.sl.cols[i];
		keys[x.sl.ncols] = id_col;
		po.slices = keys;
		po.nslices = x.sl.ncols + 1;
	}
	mo.average = (enum mlg_average)choice(averages, avg_name);
	mo.zero_division = zd_name && !strcmp(zd_name, "1");
	if ((rc = mlg_predfile_read(&x.pf, src, &po))) {
		/* A missing input is a pipeline failure (exit 3). */
		if (rc == MLG_ENOTFOUND)
			rc = MLG_EIO;
		goto done;
	}
	mlg_report_set_prop(x.r, "task", mlg_task_name(x.pf.task));
	mlg_predfile_report(x.r, &x.pf, x.ef.temporary ? NULL : src);
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
	if ((rc = mlg_slices_compute(&x.sl, &x.pf, &mo)) ||
	    (suite_path && (rc = behaviour(&x))) ||
	    ((load_duration || load_requests) && (rc = load(&x))))
		goto done;
	mlg_slices_report(x.r, &x.sl, &x.all, x.pf.task == MLG_TASK_REGRESSION);
	for (i = 0; i < x.nth; i++)
		if (!(x.have_lat &&
		      mlg_latency_check_rule(x.r, &x.lat, &x.th[i])))
			mlg_slices_check_rule(x.r, &x.sl, &x.pf, &x.all,
					      &x.th[i]);
	for (i = 0; i < x.ngp; i++)
		mlg_slices_check_gap(x.r, &x.sl, &x.all, &x.gp[i]);
	if (metrics_path)
		rc = write_metrics(&x);
done:
	mlg_infer_file_release(&x.ef);
	mlg_infer_data_release(&x.d);
	mlg_behave_release(&x.suite);
	if (x.have_lat)
		mlg_latency_release(&x.lat);
	free(keys);
	free(cm);
	for (i = 0; i < x.nth; i++)
		mlg_threshold_release(&x.th[i]);
	for (i = 0; i < x.ngp; i++)
		mlg_threshold_release(&x.gp[i]);
	free(x.th);
	free(x.gp);
	mlg_slices_release(&x.sl);
	mlg_predfile_release(&x.pf);
	mlg_mtconfig_release(&x.cfg);
	return rc;
}

static const struct mlg_tool tool = {
	.name = "model-test",
	.summary = "Test a model's predictions against metric thresholds.",
	.usage = usage,
	.description =
		"Reads a predictions file (CSV or JSON Lines, plain or "
		"compressed), or asks\n"
		"a model server or a predict command for them, computes "
		"scikit-learn's\n"
		"classification or regression metrics overall and per slice, "
		"and checks\n"
		"each --threshold and --max-slice-gap rule. Latency rules "
		"(p50 p90 p95 p99\n"
		"max_latency mean_latency throughput error_rate) need "
		"--load-duration or\n"
		"--load-requests.",
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
