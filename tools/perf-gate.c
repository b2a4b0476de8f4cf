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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/git.h"
#include "mlgate/history.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/paired.h"
#include "mlgate/pairedcheck.h"
#include "mlgate/rules.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static const char *baseline_file, *baseline_ref, *baseline_path, *target,
	*config_path, *format_in = "auto", *export_gab, *export_bmf;
static struct mlg_strlist rule_lines;
static int require_baseline, use_history, force;
static long window = 30, min_samples = MLG_RULES_MIN_SAMPLES, retries = 3;
static const char *push_remote;
static const char *const formats[] = {"auto", "json", "gab", "bmf", NULL};
static const char *pbase, *pcur, *plabel = "label", *pid, *pproba, *ppred;
static struct mlg_strlist paired_lines;
static double alpha = 0.05;
static long resamples = MLG_BOOTSTRAP_RESAMPLES, seed;

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
	 "gate config: rules, directions, optional metrics (JSON or YAML)",
	 NULL},
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
	{"history", 0, MLG_OPT_FLAG, &use_history, NULL,
	 "use the records of refs/mlgate/history on the baseline ref "
	 "(--baseline-ref, default HEAD) as the baseline population",
	 NULL},
	{"window", 0, MLG_OPT_INT, &window, "N",
	 "with --history: the last N records (default 30)", NULL},
	{"min-samples", 0, MLG_OPT_INT, &min_samples, "N",
	 "fewer records than this: statistical rules fall back to the "
	 "change rule against the latest record (default 5)",
	 NULL},
	{"paired-baseline", 0, MLG_OPT_STRING, &pbase, "FILE",
	 "predictions of the baseline model (CSV or JSON Lines)", NULL},
	{"paired-current", 0, MLG_OPT_STRING, &pcur, "FILE",
	 "predictions of the candidate model on the same examples", NULL},
	{"paired-label", 0, MLG_OPT_STRING, &plabel, "COL",
	 "label column of both files (default 'label')", NULL},
	{"paired-id", 0, MLG_OPT_STRING, &pid, "COL",
	 "align rows by this id column (default: by position)", NULL},
	{"paired-proba", 0, MLG_OPT_STRING, &pproba, "GLOB",
	 "probability columns (needed for roc_auc)", NULL},
	{"paired-pred", 0, MLG_OPT_STRING, &ppred, "COL",
	 "predicted class column (default 'pred' without --paired-proba)",
	 NULL},
	{"paired", 0, MLG_OPT_LIST, &paired_lines, "RULE",
	 "a paired rule, 'METRIC: not-worse' or 'METRIC: better' "
	 "(repeatable)",
	 NULL},
	{"alpha", 0, MLG_OPT_DOUBLE, &alpha, "P",
	 "significance level of the paired rules (default 0.05)", NULL},
	{"bootstrap", 0, MLG_OPT_INT, &resamples, "N",
	 "bootstrap resamples of the paired rules (default 1000)", NULL},
	{"seed", 0, MLG_OPT_INT, &seed, "S", "bootstrap seed (default 0)",
	 NULL},
	MLG_OPT_END,
};

static const struct mlg_opt record_opts[] = {
	{"push", 0, MLG_OPT_STRING, &push_remote, "REMOTE",
	 "push refs/mlgate/history to REMOTE, retrying when another run "
	 "pushed first",
	 NULL},
	{"retries", 0, MLG_OPT_INT, &retries, "N",
	 "retries after a rejected push (default 3)", NULL},
	{"force", 0, MLG_OPT_FLAG, &force, NULL,
	 "record even from a pull-request run", NULL},
	{"format-in", 'f', MLG_OPT_CHOICE, &format_in, "auto|json|gab|bmf",
	 "format of the metrics file (default: detected)", formats},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"--baseline FILE [options] <metrics>",
	"--baseline-ref REV|merge-base [options] <metrics>",
	"--history [--baseline-ref REV] [options] <metrics>",
	"record [--push REMOTE] <metrics>",
	"--paired-baseline FILE --paired-current FILE --paired RULE "
	"[options] [<metrics>]",
	NULL};

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
		if ((v = mlg_env(vars[i])))
			return v;
	return NULL;
}

/*
 * The baseline revision: --baseline-ref, or the merge base of HEAD and
 * the target branch for "merge-base", or `dflt`. A new string in `*out`.
 */
static int baseline_rev(char **out, struct mlg_git_repo *repo, const char *dflt,
			struct mlg_report *rep)
{
	char *ref = NULL, hex[MLG_GIT_HEX];
	const char *branch;
	int rc;

	*out = NULL;
	if (!baseline_ref || strcmp(baseline_ref, "merge-base")) {
		*out = mlg_strdup(baseline_ref ? baseline_ref : dflt);
		return 0;
	}
	if (!(branch = target_branch()))
		return mlg_error_set(MLG_EINVALID,
				     "no target branch for merge-base: give "
				     "--target or set GITHUB_BASE_REF");
	if ((rc = mlg_git_branch_ref(&ref, repo, branch)) ||
	    (rc = mlg_git_merge_base(hex, repo, "HEAD", ref))) {
		free(ref);
		return MLG_ERROR;
	}
	mlg_report_set_prop(rep, "baseline_target", ref);
	free(ref);
	*out = mlg_strdup(hex);
	return 0;
}

static int open_repo(struct mlg_git_repo **out, const char *current)
{
	/* whatever the cause, git failing is exit 3: the message stays */
	return mlg_git_open(out, !strcmp(current, "-") ? "." : current)
		       ? MLG_ERROR
		       : 0;
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
	char *path = NULL, *rev = NULL;
	int rc;

	*where = NULL;
	if ((rc = open_repo(&repo, current)))
		goto done;
	if (baseline_path)
		path = mlg_strdup(baseline_path);
	else if (!strcmp(current, "-")) {
		rc = mlg_error_set(MLG_EINVALID,
				   "metrics from stdin: give --baseline-path");
		goto done;
	} else if ((rc = mlg_git_rel_path(&path, repo, current)))
		goto done;
	if ((rc = baseline_rev(&rev, repo, "HEAD", rep)))
		goto done;
	*where = mlg_strfmt("%s:%s", rev, path);
	rc = mlg_git_read_blob_at(text, repo, rev, path, MLG_JSON_MAX_DEFAULT);
	if (rc && rc != MLG_ENOTFOUND)
		rc = MLG_ERROR;
done:
	free(path);
	free(rev);
	mlg_git_close(repo);
	return rc;
}

/* Compare with the history window; *why (new) when there is none. */
static int history_compare(char **why, const struct mlg_rules *rules,
			   const struct mlg_metric_set *cur,
			   const char *current, struct mlg_report *rep)
{
	struct mlg_git_repo *repo = NULL;
	struct mlg_history h = {0};
	const struct mlg_metric_set **win = NULL;
	char *rev = NULL, *where;
	size_t i;
	int rc;

	*why = NULL;
	if ((rc = open_repo(&repo, current)) ||
	    (rc = baseline_rev(&rev, repo, "HEAD", rep)))
		goto done;
	if ((rc = mlg_history_window(&h, repo, rev, (size_t)window))) {
		if (rc != MLG_EDATA)
			rc = MLG_ERROR;
		goto done;
	}
	where = mlg_strfmt("%s (%zu records up to %s)", MLG_HISTORY_REF, h.n,
			   rev);
	mlg_report_set_prop(rep, "baseline", where);
	free(where);
	if (!h.n) {
		*why = mlg_strfmt("no records in %s for '%s'", MLG_HISTORY_REF,
				  rev);
		goto done;
	}
	win = mlg_malloc(h.n * sizeof(*win));
	for (i = 0; i < h.n; i++)
		win[i] = &h.items[i].metrics;
	mlg_rules_compare_window(rep, rules, cur, win, h.n);
done:
	free(win);
	free(rev);
	mlg_history_release(&h);
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

/* The paired significance rules on two predictions files. */
static int paired(struct mlg_report *rep)
{
	struct mlg_pairedcheck_opts o = {0};
	struct mlg_paired_rule *rules;
	size_t i, n = 0;
	int rc = 0;

	if (!pbase != !pcur || (!pbase && paired_lines.n))
		return mlg_error_set(MLG_EINVALID,
				     "--paired rules need --paired-baseline "
				     "and --paired-current");
	if (resamples < 1 || resamples > MLG_BOOTSTRAP_MAX_RESAMPLES ||
	    seed < 0)
		return mlg_error_set(MLG_EINVALID,
				     "--bootstrap must be 1 to %d and --seed "
				     "0 or more",
				     MLG_BOOTSTRAP_MAX_RESAMPLES);
	rules = mlg_malloc((paired_lines.n + 1) * sizeof(*rules));
	for (; n < paired_lines.n; n++)
		if ((rc = mlg_paired_rule_parse(&rules[n],
						paired_lines.items[n])))
			goto done;
	o.label = plabel;
	o.pred = ppred ? ppred : pproba ? NULL : "pred";
	o.proba = pproba;
	o.id = pid;
	o.alpha = alpha;
	o.resamples = (size_t)resamples;
	o.seed = (uint64_t)seed;
	mlg_report_set_prop(rep, "paired_baseline", pbase);
	mlg_report_set_prop(rep, "paired_current", pcur);
	rc = mlg_pairedcheck_run(rep, pbase, pcur, rules, n, &o);
done:
	for (i = 0; i < n; i++)
		mlg_paired_rule_release(&rules[i]);
	free(rules);
	return rc;
}

static int run(struct mlg_ctx *ctx)
{
	struct mlg_metric_set cur = {0}, base = {0};
	struct mlg_rules rules = {0};
	enum mlg_metrics_format fmt;
	const char *current = ctx->argc ? ctx->argv[0] : NULL;
	struct mlg_check *c;
	char *why = NULL;
	size_t i;
	int rc, have = 0;

	if (pbase || pcur || paired_lines.n) {
		if ((rc = paired(&ctx->report)) || !current)
			goto done;
	} else if (!current) {
		rc = mlg_error_set(MLG_EINVALID, "no metrics file given");
		goto done;
	}
	if (use_history && baseline_file) {
		rc = mlg_error_set(MLG_EINVALID,
				   "give --history or --baseline, not both");
		goto done;
	}
	if (window < 1 || min_samples < 1) {
		rc = mlg_error_set(MLG_EINVALID, "--window and --min-samples "
						 "must be at least 1");
		goto done;
	}
	if (!use_history && !baseline_file == !baseline_ref) {
		rc = mlg_error_set(MLG_EINVALID,
				   baseline_file
					   ? "give --baseline or "
					     "--baseline-ref, not both"
					   : "no baseline: give --baseline "
					     "FILE or --baseline-ref REV");
		goto done;
	}
	if ((baseline_path && (use_history || !baseline_ref)) ||
	    (target && !baseline_ref)) {
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
	rules.min_samples = (size_t)min_samples;
	if (use_history) {
		if ((rc = history_compare(&why, &rules, &cur, current,
					  &ctx->report)))
			goto done;
		have = !why;
	} else if ((rc = load_baseline(&base, &have, &why, current, fmt,
				       &ctx->report))) {
		goto done;
	}
	if (have && use_history) {
		/* compared above */
	} else if (have) {
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
	mlg_strlist_release(&paired_lines);
	return rc;
}

/* SOURCE_DATE_EPOCH pins the record time (reproducible runs, tests). */
static double record_time(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	int64_t t;

	return e && *e && !mlg_parse_int64(&t, e) ? (double)t : mlg_now();
}

static int run_record(struct mlg_ctx *ctx)
{
	struct mlg_metric_set cur = {0};
	struct mlg_history_record rec = {0};
	struct mlg_git_repo *repo = NULL;
	enum mlg_metrics_format fmt;
	const char *current = ctx->argv[0], *pr;
	char tip[MLG_GIT_HEX];
	int rc, attempts = 0;

	if (retries < 0) {
		rc = mlg_error_set(MLG_EINVALID, "--retries must be 0 or more");
		goto done;
	}
	if ((rc = mlg_metrics_format_parse(&fmt, format_in)))
		goto done;
	if ((pr = mlg_history_pr_reason()) && !force) {
		mlg_report_add_check(&ctx->report, "record", MLG_STATUS_SKIP,
				     "not recording a pull-request run (%s is "
				     "set); give --force to record anyway",
				     pr);
		goto done;
	}
	if ((rc = mlg_metrics_load(&cur, current, 0, fmt))) {
		mlg_error_prefix("cannot read metrics");
		if (rc != MLG_EINVALID)
			rc = MLG_EIO;
		goto done;
	}
	if ((rc = open_repo(&repo, current)) ||
	    (rc = mlg_history_record_init(&rec, repo, &cur, record_time())) ||
	    (rc = mlg_history_append(repo, &rec, tip)))
		goto failed;
	mlg_report_set_prop(&ctx->report, "history", MLG_HISTORY_REF);
	mlg_report_add_check(&ctx->report, "record", MLG_STATUS_PASS,
			     "recorded %zu metrics of %.12s on %s", cur.n,
			     rec.commit, MLG_HISTORY_REF);
	if (push_remote) {
		if ((rc = mlg_history_push(repo, push_remote, &rec,
					   (int)retries, &attempts)))
			goto failed;
		mlg_report_add_check(&ctx->report, "push", MLG_STATUS_PASS,
				     "pushed %s to '%s' (%d attempt%s)",
				     MLG_HISTORY_REF, push_remote, attempts,
				     attempts == 1 ? "" : "s");
	}
	goto done;
failed:
	/* git and the remote failing are infrastructure: exit 3 */
	if (rc != MLG_EDATA)
		rc = MLG_ERROR;
done:
	mlg_history_record_release(&rec);
	mlg_git_close(repo);
	mlg_metrics_release(&cur);
	return rc;
}

static const char *const record_usage[] = {
	"record [--push REMOTE] [--retries N] [--force] <metrics>", NULL};

static const struct mlg_tool record_tool = {
	.name = "perf-gate record",
	.summary = "Append the metrics to the history on refs/mlgate/history.",
	.usage = record_usage,
	.description =
		"Commits one JSON line (commit, time, ref, run, metrics) to\n"
		"refs/mlgate/history with libgit2: history.jsonl holds the\n"
		"newest 128 records, older ones stay in "
		"archive/NNNNNNNN.jsonl;\n"
		"no checkout, no working tree change. Pull-request runs are\n"
		"not recorded unless --force. SOURCE_DATE_EPOCH sets the\n"
		"time.",
	.opts = record_opts,
	.needs = MLG_NEED_GIT,
	.min_args = 1,
	.max_args = 1,
	.run = run_record,
};

static const struct mlg_tool *const subs[] = {&record_tool, NULL};

static const struct mlg_tool tool = {
	.name = "perf-gate",
	.summary = "Compare metrics with a baseline from a file or git.",
	.usage = usage,
	.description =
		"Reads nested JSON or YAML (DVC, model-test; keys joined with\n"
		"'.'), github-action-benchmark arrays or Bencher Metric\n"
		"Format, and holds every metric to its change rules: 'METRIC:\n"
		"[warn] "
		"relative|absolute OP NUMBER[%]', 'METRIC: direction\n"
		"higher|lower', 'METRIC: optional'. Without a rule a metric\n"
		"may be at most 1% worse than its baseline (relative), or\n"
		"1e-09 when the baseline is 0. With --history, statistical\n"
		"rules hold the current value to the last --window records\n"
		"of the baseline ref: 'METRIC: percentage <= 5%', 'zscore\n"
		"<= 3', 'tinterval 0.99', 'iqr 1.5' (optionally 'two-sided').\n"
		"Paired rules test two models' predictions on the same\n"
		"examples: 'accuracy: not-worse' (McNemar), 'roc_auc:\n"
		"better' (DeLong), any other metric by a seeded paired\n"
		"bootstrap interval at 1 - alpha.",
	.opts = opts,
	.needs = MLG_NEED_GIT,
	.min_args = 0,
	.max_args = 1,
	.subcommands = subs,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
