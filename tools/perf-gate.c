/*
 * perf-gate - is this change worse than what we have?
 *
 *   perf-gate --baseline main-metrics.json metrics.json
 *   perf-gate --baseline-ref merge-base --rule 'accuracy: rel >= -1%' m.json
 *
 * Compares the current metrics with a baseline read from a file or from
 * git history (REV:PATH through libgit2, no checkout), under change rules
 * from --config and --rule, or the default rule. Exit 0 pass, 1 a rule
 * failed, 2 bad config or usage, 3 git or I/O failure.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/git.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/rules.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static const char *baseline_file, *baseline_ref, *baseline_path, *target,
	*config_path, *format_in = "auto", *export_gab, *export_bmf;
static struct mlg_strlist rule_lines;
static int require_baseline;
static const char *const formats[] = {"auto", "json", "gab", "bmf", NULL};

static const struct mlg_opt opts[] = {
	{"baseline", 'b', MLG_OPT_STRING, &baseline_file, "FILE",
	 "baseline metrics file (absent: no baseline)", NULL},
	{"baseline-ref", 'r', MLG_OPT_STRING, &baseline_ref, "REV",
	 "read the baseline from git at REV, or at 'merge-base' of HEAD and "
	 "the target branch",
	 NULL},
	{"baseline-path", 0, MLG_OPT_STRING, &baseline_path, "PATH",
	 "path of the baseline in the repository (default: the current "
	 "file's)",
	 NULL},
	{"target", 't', MLG_OPT_STRING, &target, "BRANCH",
	 "target branch for merge-base (default: GITHUB_BASE_REF, "
	 "CI_MERGE_REQUEST_TARGET_BRANCH_NAME, CHANGE_TARGET)",
	 NULL},
	{"config", 'c', MLG_OPT_STRING, &config_path, "FILE",
	 "gate config: rules, directions, optional metrics (JSON)", NULL},
	{"rule", 0, MLG_OPT_LIST, &rule_lines, "RULE",
	 "a change rule, e.g. 'accuracy: relative >= -1%' (repeatable)", NULL},
	{"format-in", 'f', MLG_OPT_CHOICE, &format_in, "auto|json|gab|bmf",
	 "format of both metrics files (default: detected)", formats},
	{"require-baseline", 0, MLG_OPT_FLAG, &require_baseline, NULL,
	 "fail when there is no baseline (default: pass with a notice)", NULL},
	{"export-gab", 0, MLG_OPT_STRING, &export_gab, "FILE",
	 "write the current metrics as github-action-benchmark JSON", NULL},
	{"export-bmf", 0, MLG_OPT_STRING, &export_bmf, "FILE",
	 "write the current metrics as Bencher Metric Format JSON", NULL},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"--baseline FILE [options] <metrics>",
	"--baseline-ref REV|merge-base [options] <metrics>", NULL};

/* The target branch of a merge or pull request, from the CI. */
static const char *target_branch(void)
{
	static const char *const vars[] = {
		"GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
		"CHANGE_TARGET"};
	const char *v;
	size_t i;

	if (target && *target)
		return target;
	for (i = 0; i < MLG_ARRAY_SIZE(vars); i++)
		if ((v = getenv(vars[i])) && *v)
			return v;
	return NULL;
}

/*
 * Read the baseline from git into `text`; `*where` is a new "REV:PATH"
 * for messages. Returns 0, MLG_ENOTFOUND when the file does not exist
 * at that revision (no baseline), MLG_EINVALID for usage, or MLG_ERROR.
 */
static int git_baseline(struct mlg_buf *text, char **where, const char *current,
			struct mlg_report *rep)
{
	struct mlg_git_repo *repo = NULL;
	char *path = NULL, *ref = NULL, hex[MLG_GIT_HEX];
	const char *rev = baseline_ref, *branch;
	int rc;

	*where = NULL;
	if ((rc = mlg_git_open(&repo, !strcmp(current, "-") ? "." : current)))
		goto git_failed;
	if (baseline_path)
		path = mlg_strdup(baseline_path);
	else if (!strcmp(current, "-")) {
		rc = mlg_error_set(MLG_EINVALID,
				   "metrics from stdin: give --baseline-path");
		goto done;
	} else if ((rc = mlg_git_rel_path(&path, repo, current)))
		goto done;
	if (!strcmp(baseline_ref, "merge-base")) {
		if (!(branch = target_branch())) {
			rc = mlg_error_set(MLG_EINVALID,
					   "no target branch for merge-base: "
					   "give --target or set "
					   "GITHUB_BASE_REF");
			goto done;
		}
		if ((rc = mlg_git_branch_ref(&ref, repo, branch)) ||
		    (rc = mlg_git_merge_base(hex, repo, "HEAD", ref)))
			goto git_failed;
		rev = hex;
		mlg_report_set_prop(rep, "baseline_target", ref);
	}
	*where = mlg_strfmt("%s:%s", rev, path);
	rc = mlg_git_read_blob_at(text, repo, rev, path, MLG_JSON_MAX_DEFAULT);
	if (rc == MLG_ENOTFOUND || !rc)
		goto done;
git_failed:
	/* Whatever the cause, git failing is exit 3: the message stays. */
	rc = MLG_ERROR;
done:
	free(path);
	free(ref);
	mlg_git_close(repo);
	return rc;
}

/* Returns 0 with *have 0 (and *why, a new string, saying why) or 1, or
 * an error. */
static int load_baseline(struct mlg_metric_set *out, int *have, char **why,
			 const char *current, enum mlg_metrics_format fmt,
			 struct mlg_report *rep)
{
	struct mlg_buf text = MLG_BUF_INIT;
	char *where = NULL;
	int rc;

	*have = 0;
	*why = NULL;
	if (baseline_file) {
		mlg_report_set_prop(rep, "baseline", baseline_file);
		if (!mlg_file_exists(baseline_file)) {
			*why = mlg_strfmt("'%s' does not exist", baseline_file);
			return 0;
		}
		if ((rc = mlg_metrics_load(out, baseline_file, 0, fmt))) {
			mlg_error_prefix("cannot read baseline");
			return rc == MLG_EINVALID ? rc : MLG_EIO;
		}
		*have = 1;
		return 0;
	}
	rc = git_baseline(&text, &where, current, rep);
	if (where)
		mlg_report_set_prop(rep, "baseline", where);
	if (rc == MLG_ENOTFOUND) {
		*why = mlg_strdup(mlg_error_message());
		mlg_error_clear();
		rc = 0;
	} else if (!rc) {
		rc = mlg_metrics_parse_text(out, where, text.ptr, text.len,
					    fmt);
		if (rc)
			mlg_error_prefix("cannot read baseline");
		*have = !rc;
	}
	mlg_buf_release(&text);
	free(where);
	return rc;
}

static int export(const char *path, const struct mlg_metric_set *m, int bmf)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	rc = bmf ? mlg_metrics_export_bmf(&b, m)
		 : mlg_metrics_export_gab(&b, m);
	if (!rc)
		rc = mlg_file_write(path, b.ptr, b.len);
	mlg_buf_release(&b);
	return rc;
}

static int run(struct mlg_ctx *ctx)
{
	struct mlg_metric_set cur = {0}, base = {0};
	struct mlg_rules rules = {0};
	enum mlg_metrics_format fmt;
	const char *current = ctx->argv[0];
	struct mlg_check *c;
	char *why = NULL;
	size_t i;
	int rc, have = 0;

	if (!baseline_file == !baseline_ref) {
		rc = mlg_error_set(MLG_EINVALID,
				   baseline_file
					   ? "give --baseline or "
					     "--baseline-ref, not both"
					   : "no baseline: give --baseline "
					     "FILE or --baseline-ref REV");
		goto done;
	}
	if ((baseline_path || target) && !baseline_ref) {
		rc = mlg_error_set(MLG_EINVALID,
				   "--baseline-path and --target need "
				   "--baseline-ref");
		goto done;
	}
	if ((rc = mlg_metrics_format_parse(&fmt, format_in)))
		goto done;
	if (config_path && (rc = mlg_rules_load(&rules, config_path))) {
		mlg_error_prefix("cannot use config");
		if (rc != MLG_EINVALID)
			rc = MLG_EINVALID;
		goto done;
	}
	for (i = 0; i < rule_lines.n; i++)
		if ((rc = mlg_rules_add_line(&rules, rule_lines.items[i])))
			goto done;
	if ((rc = mlg_metrics_load(&cur, current, 0, fmt))) {
		mlg_error_prefix("cannot read metrics");
		/* a metrics file that is not there broke the pipeline */
		if (rc != MLG_EINVALID)
			rc = MLG_EIO;
		goto done;
	}
	mlg_report_set_prop(&ctx->report, "current", current);
	mlg_report_set_prop(&ctx->report, "format",
			    mlg_metrics_format_name(cur.format));
	if ((rc = load_baseline(&base, &have, &why, current, fmt,
				&ctx->report)))
		goto done;
	if (have) {
		mlg_rules_compare(&ctx->report, &rules, &cur, &base);
	} else if (require_baseline || rules.require_baseline) {
		c = mlg_report_add_check(
			&ctx->report, "baseline", MLG_STATUS_FAIL,
			"no baseline (%s), and one is required", why);
		mlg_check_set_threshold(c, "require-baseline");
	} else {
		mlg_report_add_check(&ctx->report, "baseline", MLG_STATUS_SKIP,
				     "no baseline (%s): nothing to compare, "
				     "passing",
				     why);
	}
	if (export_gab && (rc = export(export_gab, &cur, 0)))
		goto done;
	if (export_bmf && (rc = export(export_bmf, &cur, 1)))
		goto done;
done:
	free(why);
	mlg_metrics_release(&cur);
	mlg_metrics_release(&base);
	mlg_rules_release(&rules);
	mlg_strlist_release(&rule_lines);
	return rc;
}

static const struct mlg_tool tool = {
	.name = "perf-gate",
	.summary = "Compare metrics with a baseline from a file or git.",
	.usage = usage,
	.description =
		"Reads nested JSON (DVC, model-test; keys joined with '.'),\n"
		"github-action-benchmark arrays or Bencher Metric Format, and\n"
		"holds every metric to its change rules: 'METRIC: [warn]\n"
		"relative|absolute OP NUMBER[%]', 'METRIC: direction\n"
		"higher|lower', 'METRIC: optional'. Without a rule a metric\n"
		"may be at most 1% worse than its baseline (relative), or\n"
		"1e-09 when the baseline is 0. Not in this version: history\n"
		"recording, statistical rules over history, significance\n"
		"tests, pull-request comments.",
	.opts = opts,
	.needs = MLG_NEED_GIT,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
