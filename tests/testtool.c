/*
 * testtool.c - mlg-testtool, an internal gate that exercises the core
 *
 * Not installed. It holds metrics to threshold rules, or replays a JSON
 * description of checks, findings and tables, so the golden CLI tests can
 * drive option parsing, every emitter, secret masking and exit codes
 * through a real binary before the real gates exist.
 *
 *   mlg-testtool --metric accuracy=0.85 --threshold 'accuracy >= 0.9'
 *   mlg-testtool --checks run.json --junit out.xml
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/secret.h"
#include "mlgate/threshold.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static struct mlg_strlist metrics, thresholds, secret_envs;
static const char *checks_path, *error_kind;
static long max_findings = -1;

static const char *const error_kinds[] = {"invalid", "io", "network", NULL};

static const struct mlg_opt opts[] = {
	{"metric", 'm', MLG_OPT_LIST, &metrics, "NAME=VALUE",
	 "a measured metric (repeatable)", NULL},
	{"threshold", 't', MLG_OPT_LIST, &thresholds, "RULE",
	 "a rule such as 'accuracy >= 0.9' (repeatable)", NULL},
	{"checks", 'c', MLG_OPT_STRING, &checks_path, "FILE",
	 "replay the checks and tables described in FILE (JSON)", NULL},
	{"secret-env", 0, MLG_OPT_LIST, &secret_envs, "VAR",
	 "mask the value of environment variable VAR everywhere", NULL},
	{"max-findings", 0, MLG_OPT_INT, &max_findings, "N",
	 "list at most N findings per check", NULL},
	{"error", 0, MLG_OPT_CHOICE, &error_kind, "invalid|io|network",
	 "fail with an error of this kind", error_kinds},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"[options] [--metric NAME=VALUE]... [--threshold RULE]...",
	"[options] --checks FILE",
	NULL,
};

static int find_metric(double *out, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < metrics.n; i++) {
		const char *m = metrics.items[i];

		if (!strncmp(m, name, n) && m[n] == '=')
			return mlg_parse_double(out, m + n + 1);
	}
	return MLG_ENOTFOUND;
}

/* Metrics are given in base units: seconds, bytes, per second. */
static const char *base_unit(enum mlg_unit u)
{
	switch (u) {
	case MLG_UNIT_TIME:
		return "s";
	case MLG_UNIT_BYTES:
		return "B";
	case MLG_UNIT_RATE:
		return "/s";
	default:
		return NULL;
	}
}

static int run_thresholds(struct mlg_report *r)
{
	struct mlg_threshold t;
	struct mlg_buf id = MLG_BUF_INIT;
	size_t i;
	double v;
	int rc = 0;

	for (i = 0; i < thresholds.n && !rc; i++) {
		struct mlg_check *c;

		if ((rc = mlg_threshold_parse(&t, thresholds.items[i]))) {
			mlg_error_prefix("invalid rule '%s'",
					 thresholds.items[i]);
			break;
		}
		mlg_buf_reset(&id);
		mlg_buf_adds(&id, t.metric);
		if (t.arg)
			mlg_buf_addf(&id, "(%s)", t.arg);
		if (t.selector)
			mlg_buf_addf(&id, "[%s]", t.selector);
		if (find_metric(&v, id.ptr)) {
			c = mlg_report_add_check(r, id.ptr, MLG_STATUS_FAIL,
						 "metric '%s' is missing",
						 id.ptr);
		} else {
			c = mlg_report_add_check(r, id.ptr,
						 mlg_threshold_holds(&t, v)
							 ? MLG_STATUS_PASS
							 : MLG_STATUS_FAIL,
						 NULL);
			mlg_check_set_value(c, v, base_unit(t.unit));
		}
		mlg_check_set_threshold(c, t.text);
		mlg_threshold_release(&t);
	}
	mlg_buf_release(&id);
	return rc;
}

static int get_loc(const struct mlg_json_doc *doc, json_t *o, const char *ptr,
		   struct mlg_loc *l, const char **msg)
{
	static const char *const keys[] = {"message", "file",  "line",
					   "column",  "field", NULL};
	int64_t line = 0, col = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	/* A check's location has no message; a finding's must. */
	if ((rc = mlg_json_check_keys(doc, o, ptr, msg ? keys : keys + 1)) ||
	    (msg && (rc = mlg_json_get_str(doc, o, ptr, "message", 1, msg))) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "file", 0,
				   (const char **)&l->file)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "field", 0,
				   (const char **)&l->field)) ||
	    (rc = mlg_json_get_int(doc, o, ptr, "line", 0, &line)) ||
	    (rc = mlg_json_get_int(doc, o, ptr, "column", 0, &col)))
		return rc;
	l->line = line > 0 ? (uint64_t)line : 0;
	l->column = col > 0 ? (uint64_t)col : 0;
	return 0;
}

static int status_of(const struct mlg_json_doc *doc, const char *ptr,
		     const char *s, enum mlg_status *out)
{
	int i;

	for (i = 0; i < MLG_STATUS_COUNT; i++)
		if (!strcmp(s, mlg_status_name(i))) {
			*out = i;
			return 0;
		}
	return mlg_json_error(doc, ptr, "unknown status '%s'", s);
}

static int replay_check(struct mlg_report *r, const struct mlg_json_doc *doc,
			json_t *o, const char *ptr)
{
	static const char *const keys[] = {
		"id",	   "status",   "value",	   "unit",     "threshold",
		"message", "location", "findings", "unlisted", NULL};
	const char *id, *status, *unit = NULL, *rule = NULL, *msg = NULL;
	struct mlg_buf p = MLG_BUF_INIT;
	enum mlg_status st = MLG_STATUS_PASS;
	struct mlg_check *c;
	struct mlg_loc loc;
	int64_t unlisted = 0;
	json_t *v;
	size_t i;
	double val;
	int rc;

	if ((rc = mlg_json_check_keys(doc, o, ptr, keys)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "id", 1, &id)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "status", 1, &status)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "unit", 0, &unit)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "threshold", 0, &rule)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "message", 0, &msg)) ||
	    (rc = mlg_json_get_int(doc, o, ptr, "unlisted", 0, &unlisted)))
		return rc;
	mlg_buf_addf(&p, "%s/status", ptr);
	if ((rc = status_of(doc, p.ptr, status, &st)))
		goto done;
	c = mlg_report_add_check(r, id, st, msg ? "%s" : NULL, msg);
	if (json_object_get(o, "value")) {
		if ((rc = mlg_json_get_num(doc, o, ptr, "value", 1, &val)))
			goto done;
		mlg_check_set_value(c, val, unit);
	}
	if (rule)
		mlg_check_set_threshold(c, rule);
	if ((v = json_object_get(o, "location"))) {
		mlg_buf_reset(&p);
		mlg_buf_addf(&p, "%s/location", ptr);
		if ((rc = get_loc(doc, v, p.ptr, &loc, NULL)))
			goto done;
		mlg_check_set_loc(c, loc.file, loc.line, loc.column, loc.field);
	}
	json_array_foreach (json_object_get(o, "findings"), i, v) {
		mlg_buf_reset(&p);
		mlg_buf_addf(&p, "%s/findings/%zu", ptr, i);
		if ((rc = get_loc(doc, v, p.ptr, &loc, &msg)))
			goto done;
		mlg_check_add_finding(c, &loc, "%s", msg);
	}
	/* Findings counted beyond the cap, as a huge run would have. */
	if (unlisted > 0)
		c->count += (uint64_t)unlisted;
done:
	mlg_buf_release(&p);
	return rc;
}

static int replay_table(struct mlg_report *r, json_t *o)
{
	json_t *cols = json_object_get(o, "columns"), *row, *cell;
	const char **cells;
	struct mlg_table *t;
	size_t n = json_array_size(cols), i, j;

	if (!n)
		return mlg_error_set(MLG_EINVALID, "table without columns");
	cells = mlg_calloc(n, sizeof(*cells));
	json_array_foreach (cols, j, cell)
		cells[j] = json_string_value(cell);
	t = mlg_report_add_table(r, json_string_value(json_object_get(o, "id")),
				 json_string_value(json_object_get(o, "title")),
				 n, cells);
	json_array_foreach (json_object_get(o, "rows"), i, row) {
		for (j = 0; j < n; j++)
			cells[j] = json_string_value(json_array_get(row, j));
		mlg_table_add_row(t, cells);
	}
	free(cells);
	return 0;
}

static int run_checks(struct mlg_report *r)
{
	struct mlg_json_doc doc;
	char ptr[64];
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	if ((rc = mlg_json_load(&doc, checks_path, 0)))
		return rc;
	json_array_foreach (json_object_get(doc.root, "checks"), i, v) {
		snprintf(ptr, sizeof(ptr), "/checks/%zu", i);
		if ((rc = replay_check(r, &doc, v, ptr)))
			goto done;
	}
	json_array_foreach (json_object_get(doc.root, "tables"), i, v)
		if ((rc = replay_table(r, v)))
			goto done;
	json_object_foreach (json_object_get(doc.root, "properties"), key, v)
		mlg_report_set_prop(r, key, json_string_value(v));
done:
	mlg_json_doc_release(&doc);
	return rc;
}

static int run(struct mlg_ctx *ctx)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < secret_envs.n; i++) {
		const char *v = getenv(secret_envs.items[i]);

		if (v && (rc = mlg_secret_add(v)))
			goto done;
	}
	if (max_findings >= 0)
		ctx->report.max_findings = (size_t)max_findings;
	if (error_kind) {
		rc = mlg_error_set(!strcmp(error_kind, "invalid") ? MLG_EINVALID
				   : !strcmp(error_kind, "io")	  ? MLG_EIO
							       : MLG_ENETWORK,
				   "simulated %s error", error_kind);
		goto done;
	}
	if (checks_path && (rc = run_checks(&ctx->report)))
		goto done;
	rc = run_thresholds(&ctx->report);
done:
	mlg_strlist_release(&metrics);
	mlg_strlist_release(&thresholds);
	mlg_strlist_release(&secret_envs);
	return rc;
}

static const struct mlg_tool tool = {
	.name = "mlg-testtool",
	.summary = "Exercise the mlgate core: hold metrics to rules, or replay "
		   "a run.",
	.usage = usage,
	.opts = opts,
	.min_args = 0,
	.max_args = 0,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
