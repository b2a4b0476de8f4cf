/*
 * data-validate - stream tables through a Frictionless Table Schema
 *
 *   data-validate --schema schema.json train.csv test.csv.gz
 *
 * Every file is read once, in constant memory (apart from the fingerprint
 * sets of unique keys), by all cores, and each error is reported with its
 * row, field, value and rule. Exit 0 valid, 1 invalid, 2 bad schema or
 * usage, 3 I/O or network failure.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/driftcheck.h"
#include "mlgate/dscheck.h"
#include "mlgate/dvcmd.h"
#include "mlgate/error.h"
#include "mlgate/stream.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"
#include "mlgate/validate.h"

static const char *checks_path, *now_text;
static const char *const input_formats[] = {"csv", "tsv", "jsonl", NULL};
/* infer's: JSON Lines are read only with a schema */
static const char *const table_formats[] = {"csv", "tsv", NULL};
static const char *schema_path, *invalid_rows, *valid_rows;
static const char *profile_path, *ref_path, *drift_cfg;
static long limit_errors = MLG_VALIDATE_LIMIT_ERRORS, unique_memory = 1024;
static struct mlg_dvcmd_opts dv = {.chunk_rows = MLG_PROFILE_CHUNK_ROWS,
				   .timeout_s = 300};

static const struct mlg_opt opts[] = {
	{"schema", 's', MLG_OPT_STRING, &schema_path, "FILE",
	 "Frictionless Table Schema (v1 or v2; JSON or YAML) to validate "
	 "against",
	 NULL},
	{"checks", 'c', MLG_OPT_STRING, &checks_path, "FILE",
	 "dataset checks: rules over row counts, nulls, statistics "
	 "(JSON or YAML)",
	 NULL},
	{"now", 0, MLG_OPT_STRING, &now_text, "DATE",
	 "the date freshness is measured from (default: today)", NULL},
	{"profile", 0, MLG_OPT_STRING, &profile_path, "FILE",
	 "also write the profile of the data (JSON), same pass", NULL},
	{"reference", 0, MLG_OPT_STRING, &ref_path, "FILE",
	 "report drift against a saved profile or a dataset; without "
	 "--schema the data may be saved profiles (merged shards)",
	 NULL},
	{"drift-config", 0, MLG_OPT_STRING, &drift_cfg, "FILE",
	 "drift limits per column and statistic (JSON or YAML)", NULL},
	{"dialect", 0, MLG_OPT_STRING, &dv.dialect_path, "FILE",
	 "Frictionless CSV/Table Dialect (JSON or YAML)", NULL},
	{"input-format", 0, MLG_OPT_CHOICE, &dv.format, "csv|tsv|jsonl",
	 "how the data is written (default: from the file name, else csv)",
	 input_formats},
	{"delimiter", 'd', MLG_OPT_STRING, &dv.delimiter, "CHAR",
	 "field delimiter (default ',', '\\t' for .tsv files)", NULL},
	{"quote-char", 0, MLG_OPT_STRING, &dv.quote_char, "CHAR",
	 "quote character (default '\"'; '' for none)", NULL},
	{"escape-char", 0, MLG_OPT_STRING, &dv.escape_char, "CHAR",
	 "escape character (default none)", NULL},
	{"comment-char", 0, MLG_OPT_STRING, &dv.comment_char, "CHAR",
	 "skip lines starting with CHAR", NULL},
	{"no-header", 0, MLG_OPT_FLAG, &dv.no_header, NULL,
	 "the first row is data; columns map to fields by position", NULL},
	{"no-double-quote", 0, MLG_OPT_FLAG, &dv.no_double_quote, NULL,
	 "\"\" inside quotes is not a quote", NULL},
	{"skip-initial-space", 0, MLG_OPT_FLAG, &dv.skip_initial_space, NULL,
	 "ignore spaces after a delimiter", NULL},
	{"threads", 'j', MLG_OPT_INT, &dv.threads, "N",
	 "worker threads, at most 64 (default: one per core)", NULL},
	{"limit-errors", 0, MLG_OPT_INT, &limit_errors, "N",
	 "list at most N errors per file; all are counted (default 1000)",
	 NULL},
	{"invalid-rows", 0, MLG_OPT_STRING, &invalid_rows, "FILE",
	 "write the failing rows, each prefixed by its row number", NULL},
	{"valid-rows", 0, MLG_OPT_STRING, &valid_rows, "FILE",
	 "write the rows that pass, with the header", NULL},
	{"unique-memory", 0, MLG_OPT_INT, &unique_memory, "MIB",
	 "memory cap of unique/primaryKey checks (default 1024)", NULL},
	{"timeout", 0, MLG_OPT_INT, &dv.timeout_s, "SECONDS",
	 "network timeout for http(s) inputs (default 300)", NULL},
	MLG_OPT_END,
};

static const char *const usage[] = {
	"--schema FILE [options] <data>...",
	"--reference REF [options] <data or profile>...",
	"profile|merge|infer ...", NULL};

#define DIALECT_OPTS                                                           \
	{"dialect",                                                            \
	 0,                                                                    \
	 MLG_OPT_STRING,                                                       \
	 &dv.dialect_path,                                                     \
	 "FILE",                                                               \
	 "Frictionless CSV/Table Dialect (JSON or YAML)",                      \
	 NULL},                                                                \
		{"delimiter",                                                  \
		 'd',                                                          \
		 MLG_OPT_STRING,                                               \
		 &dv.delimiter,                                                \
		 "CHAR",                                                       \
		 "field delimiter (default ',', '\\t' for .tsv files)",        \
		 NULL},                                                        \
		{"quote-char",                                                 \
		 0,                                                            \
		 MLG_OPT_STRING,                                               \
		 &dv.quote_char,                                               \
		 "CHAR",                                                       \
		 "quote character (default '\"'; '' for none)",                \
		 NULL},                                                        \
		{"escape-char",                                                \
		 0,                                                            \
		 MLG_OPT_STRING,                                               \
		 &dv.escape_char,                                              \
		 "CHAR",                                                       \
		 "escape character (default none)",                            \
		 NULL},                                                        \
		{"comment-char",                                               \
		 0,                                                            \
		 MLG_OPT_STRING,                                               \
		 &dv.comment_char,                                             \
		 "CHAR",                                                       \
		 "skip lines starting with CHAR",                              \
		 NULL},                                                        \
		{"no-header",                                                  \
		 0,                                                            \
		 MLG_OPT_FLAG,                                                 \
		 &dv.no_header,                                                \
		 NULL,                                                         \
		 "the first row is data; columns without a schema are "        \
		 "field1, field2, ...",                                        \
		 NULL},                                                        \
		{"no-double-quote",                                            \
		 0,                                                            \
		 MLG_OPT_FLAG,                                                 \
		 &dv.no_double_quote,                                          \
		 NULL,                                                         \
		 "\"\" inside quotes is not a quote",                          \
		 NULL},                                                        \
		{"skip-initial-space",                                         \
		 0,                                                            \
		 MLG_OPT_FLAG,                                                 \
		 &dv.skip_initial_space,                                       \
		 NULL,                                                         \
		 "ignore spaces after a delimiter",                            \
		 NULL},                                                        \
	{                                                                      \
		"timeout", 0, MLG_OPT_INT, &dv.timeout_s, "SECONDS",           \
			"network timeout for http(s) inputs (default 300)",    \
			NULL                                                   \
	}

static const struct mlg_opt profile_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &dv.output_path, "FILE",
	 "write the profile here (JSON, docs/profile.md); without it the "
	 "report only shows it",
	 NULL},
	{"schema", 's', MLG_OPT_STRING, &dv.schema_path, "FILE",
	 "cast cells as this Table Schema: declared types, as the "
	 "validation pass profiles (needed for JSON Lines)",
	 NULL},
	{"shard", 0, MLG_OPT_STRING, &dv.shard, "K/N",
	 "profile only chunks K-1, K-1+N, ... (for merging later); each "
	 "next source starts a shard later",
	 NULL},
	{"chunk-rows", 0, MLG_OPT_INT, &dv.chunk_rows, "N",
	 "rows per chunk: what --shard and --threads split, and the profile "
	 "merges (default 10000)",
	 NULL},
	{"threads", 'j', MLG_OPT_INT, &dv.threads, "N",
	 "read each file in N threads (default: one per core, at most 8; "
	 "the profile is the same for any N)",
	 NULL},
	{"input-format", 0, MLG_OPT_CHOICE, &dv.format, "csv|tsv|jsonl",
	 "how the data is written (default: from the file name, else csv; "
	 "jsonl needs --schema)",
	 input_formats},
	DIALECT_OPTS,
	MLG_OPT_END,
};

static const struct mlg_opt merge_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &dv.output_path, "FILE",
	 "write the merged profile here; without it the report only shows "
	 "it",
	 NULL},
	{"timeout", 0, MLG_OPT_INT, &dv.timeout_s, "SECONDS",
	 "network timeout for http(s) profiles (default 300)", NULL},
	MLG_OPT_END,
};

static const struct mlg_opt infer_opts[] = {
	{"output", 'o', MLG_OPT_STRING, &dv.output_path, "FILE",
	 "write the schema here (default: standard output)", NULL},
	{"constraints", 0, MLG_OPT_FLAG, &dv.constraints, NULL,
	 "add minimum/maximum, and enum for <= 20 distinct values", NULL},
	{"input-format", 0, MLG_OPT_CHOICE, &dv.format, "csv|tsv",
	 "how the data is written (default: from the file name, else csv)",
	 table_formats},
	DIALECT_OPTS,
	MLG_OPT_END,
};

/* With "-o -" standard output holds the profile or the schema alone:
 * the report, written after run(), goes to stderr. */
static int after_output(int rc)
{
	if (!dv.output_path || strcmp(dv.output_path, "-"))
		return rc;
	fflush(stdout);
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 && !rc)
		rc = mlg_error_errno(errno, "cannot set up stdout");
	return rc;
}

static int run_profile(struct mlg_ctx *ctx)
{
	return after_output(
		mlg_dvcmd_profile(&ctx->report, ctx->argc, ctx->argv, &dv));
}

static int run_merge(struct mlg_ctx *ctx)
{
	return after_output(
		mlg_dvcmd_merge(&ctx->report, ctx->argc, ctx->argv, &dv));
}

static int run_infer(struct mlg_ctx *ctx)
{
	/* Standard output holds the schema unless -o says otherwise. */
	if (!dv.output_path)
		dv.output_path = "-";
	return after_output(
		mlg_dvcmd_infer(&ctx->report, ctx->argc, ctx->argv, &dv));
}

/* --reference without --schema: the inputs are datasets, profiled, or
 * saved profiles (shards merged), and only drift is checked. */
static int run_drift(struct mlg_ctx *ctx)
{
	struct mlg_driftcheck dc = {0};
	struct mlg_profile cur;
	const char *bad = checks_path	 ? "checks"
			  : invalid_rows ? "invalid-rows"
			  : valid_rows	 ? "valid-rows"
					 : NULL;
	int rc;

	if (bad)
		return mlg_error_set(MLG_EINVALID,
				     "option '--%s' needs --schema", bad);
	if (!(rc = mlg_dvcmd_drift_prepare(&dc, ref_path, drift_cfg, NULL,
					   &dv)) &&
	    !(rc = mlg_dvcmd_profile_inputs(&cur, &ctx->report, ctx->argc,
					    ctx->argv, &dv))) {
		if ((rc = mlg_dvcmd_check_whole(&cur, ctx->argc, ctx->argv)))
			mlg_error_prefix("cannot check drift");
		else
			rc = mlg_driftcheck_report(&ctx->report, &dc.ref, &cur,
						   &dc.cfg);
		if (!rc && profile_path)
			rc = mlg_dvcmd_write_profile(profile_path, &cur);
		mlg_profile_release(&cur);
	}
	mlg_driftcheck_release(&dc);
	return rc;
}

/* Open `src` to validate it, told from a saved profile, which holds no
 * rows to validate (drift on it needs none), in one opening: a URL is
 * fetched once. */
static int open_data(struct mlg_stream **out, const char *src)
{
	struct mlg_profile p;
	int rc = mlg_profile_open(&p, src, dv.timeout_s, 1, out);

	if (rc == 1)
		return 0;
	if (!rc) {
		mlg_profile_release(&p);
		return mlg_error_set(MLG_EINVALID,
				     "'%s' is a saved profile: it has no "
				     "rows to validate; without --schema, "
				     "--reference checks drift on it",
				     src);
	}
	return rc;
}

static int run(struct mlg_ctx *ctx)
{
	struct mlg_validate_opts o = {0};
	struct mlg_dscheck *checks = NULL;
	struct mlg_profile *prof = NULL;
	struct mlg_schema schema;
	struct mlg_driftcheck dc = {0};
	double now = mlg_now();
	json_t *errors;
	int i, rc, valid = 1;

	/* Limits with no reference to hold to: a forgotten --reference
	 * would let the gate pass on a drift it was set up to catch. */
	if (drift_cfg && !ref_path)
		return mlg_error_set(MLG_EINVALID,
				     "option '--drift-config' needs "
				     "--reference");
	if (!schema_path && !ref_path)
		return mlg_error_set(MLG_EINVALID,
				     "no schema: give --schema FILE");
	if (limit_errors < 0)
		return mlg_error_set(
			MLG_EINVALID,
			"--limit-errors must be 0 or more, not %ld",
			limit_errors);
	if (unique_memory <= 0)
		return mlg_error_set(
			MLG_EINVALID,
			"--unique-memory must be positive, not %ld",
			unique_memory);
	if ((rc = mlg_dvcmd_check_opts(&dv)))
		return rc;
	/* What the data was held to, in every report (as perf-gate's
	 * "baseline"): a drift verdict means little without its reference. */
	if (ref_path)
		mlg_report_set_prop(&ctx->report, "reference", ref_path);
	if (drift_cfg)
		mlg_report_set_prop(&ctx->report, "drift_config", drift_cfg);
	if (!schema_path)
		return run_drift(ctx);
	if ((invalid_rows || valid_rows) && ctx->argc > 1)
		return mlg_error_set(MLG_EINVALID,
				     "--invalid-rows and --valid-rows take "
				     "one input file");
	if ((rc = mlg_schema_load(&schema, schema_path))) {
		mlg_error_prefix("cannot use schema");
		return rc;
	}
	if (checks_path &&
	    (rc = mlg_dscheck_load(&checks, checks_path, &schema))) {
		mlg_error_prefix("cannot use checks");
		mlg_schema_release(&schema);
		return rc;
	}
	if (now_text && (rc = mlg_dvcmd_parse_now(&now, now_text))) {
		mlg_dscheck_free(checks);
		mlg_schema_release(&schema);
		return rc;
	}
	errors = json_array();
	o.checks = checks;
	o.schema = &schema;
	o.threads = dv.threads ? (int)dv.threads : (int)mlg_ncpu(INT_MAX);
	o.limit_errors = (uint64_t)limit_errors;
	o.unique_memory = (size_t)unique_memory << 20;
	o.invalid_rows = invalid_rows;
	o.valid_rows = valid_rows;
	o.timeout_s = dv.timeout_s;
	o.profile = profile_path || ref_path;
	mlg_report_set_prop(&ctx->report, "schema", schema_path);
	/* A reference dataset is profiled with the schema, as the data. */
	rc = ref_path ? mlg_dvcmd_drift_prepare(&dc, ref_path, drift_cfg,
						&schema, &dv)
		      : 0;
	for (i = 0; !rc && i < ctx->argc; i++) {
		struct mlg_validate_result v = {0};

		if ((rc = mlg_dvcmd_dialect(&o.dialect, &o.jsonl, &dv,
					    ctx->argv[i])))
			break;
		if (checks && !i &&
		    (rc = mlg_dscheck_prepare(checks, &o.dialect,
					      o.unique_memory)))
			break;
		if (!(rc = open_data(&o.stream, ctx->argv[i])))
			rc = mlg_validate(&v, ctx->argv[i], &o);
		o.stream = NULL;
		/* A dataset that is not there is an I/O failure of the
		 * pipeline (exit 3), not a usage error. */
		if (rc == MLG_ENOTFOUND)
			rc = MLG_EIO;
		if (rc) {
			mlg_validate_result_release(&v);
			break;
		}
		mlg_dvcmd_report_file(&ctx->report, &schema, &v);
		mlg_dvcmd_errors_json(errors, &v);
		if (checks)
			mlg_dscheck_report(checks, v.stats, &ctx->report,
					   mlg_dvcmd_short_name(ctx->argv[i]),
					   now);
		valid &= !v.errors;
		if (v.profile) {
			mlg_profile_report(v.profile, &ctx->report,
					   mlg_dvcmd_short_name(ctx->argv[i]));
			if (!prof) {
				prof = v.profile;
				v.profile = NULL;
			} else if ((rc = mlg_profile_merge(prof, v.profile))) {
				mlg_validate_result_release(&v);
				break;
			}
		}
		mlg_validate_result_release(&v);
	}
	if (!rc && prof && ref_path)
		rc = mlg_driftcheck_report(&ctx->report, &dc.ref, prof,
					   &dc.cfg);
	mlg_driftcheck_release(&dc);
	if (!rc && prof && profile_path)
		rc = mlg_dvcmd_write_profile(profile_path, prof);
	if (prof) {
		mlg_profile_release(prof);
		free(prof);
	}
	mlg_report_set_json(&ctx->report, "valid", json_boolean(valid && !rc));
	mlg_report_set_json(&ctx->report, "errors", errors);
	mlg_dscheck_free(checks);
	mlg_schema_release(&schema);
	return rc;
}

static const char *const profile_usage[] = {"[options] <data>... [-o FILE]",
					    NULL};
static const char *const merge_usage[] = {"<profile.json>... [-o FILE]", NULL};
static const char *const infer_usage[] = {"[options] <data>... > schema.json",
					  NULL};

static const struct mlg_tool profile_tool = {
	.name = "data-validate profile",
	.summary = "Profile every column: types, nulls, moments, sketches.",
	.usage = profile_usage,
	.opts = profile_opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.run = run_profile,
};

static const struct mlg_tool merge_tool = {
	.name = "data-validate merge",
	.summary = "Merge profiles of shards into the profile of the whole.",
	.usage = merge_usage,
	.opts = merge_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_merge,
};

static const struct mlg_tool infer_tool = {
	.name = "data-validate infer",
	.summary = "Infer a Table Schema that the data validates against.",
	.usage = infer_usage,
	.opts = infer_opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.run = run_infer,
};

static const struct mlg_tool *const subcommands[] = {&profile_tool, &merge_tool,
						     &infer_tool, NULL};

static const struct mlg_tool tool = {
	.name = "data-validate",
	.summary = "Validate tables against a Frictionless Table Schema.",
	.usage = usage,
	.description =
		"Reads CSV, TSV or JSON Lines, plain or compressed (gzip, "
		"zstd, xz,\n"
		"bzip2), from a path, '-' (stdin) or an http(s) URL, in one\n"
		"streaming pass on all cores, and reports every error with "
		"its\n"
		"row, field, value and rule (frictionless error types).",
	.opts = opts,
	.needs = MLG_NEED_CURL,
	.min_args = 1,
	.max_args = -1,
	.subcommands = subcommands,
	.run = run,
};

int main(int argc, char **argv)
{
	return mlg_main(&tool, argc, argv);
}
