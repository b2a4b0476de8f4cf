/* opt.c - option parsing and help from one declarative table */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/tool.h"
#include "mlgate/util.h"

static const char *const formats[] = {"text", "json", NULL};

/* Destinations are filled in per run; the table shape is fixed. */
enum {
	C_HELP,
	C_VERSION,
	C_QUIET,
	C_VERBOSE,
	C_FORMAT,
	C_JSON,
	C_JUNIT,
	C_SUMMARY,
	C_CODEQUALITY,
	C_COMMENT,
	NCOMMON
};

static const char *const forges[] = {"github", "gitlab", NULL};

static void common_opts(struct mlg_opt *o, struct mlg_ctx *ctx, int *help,
			int *version)
{
	const struct mlg_opt tmpl[NCOMMON] = {
		{"help", 'h', MLG_OPT_FLAG, help, NULL,
		 "show this help and exit", NULL},
		{"version", 0, MLG_OPT_FLAG, version, NULL,
		 "show the version and exit", NULL},
		{"quiet", 'q', MLG_OPT_FLAG, &ctx->quiet, NULL,
		 "print only problems and the verdict", NULL},
		{"verbose", 'v', MLG_OPT_FLAG, &ctx->verbose, NULL,
		 "print passing details and progress too", NULL},
		{"format", 0, MLG_OPT_CHOICE, &ctx->format, "text|json",
		 "what to print on stdout (default text)", formats},
		{"json", 0, MLG_OPT_STRING, &ctx->json_path, "FILE",
		 "write the JSON report to FILE", NULL},
		{"junit", 0, MLG_OPT_STRING, &ctx->junit_path, "FILE",
		 "write a JUnit XML report to FILE", NULL},
		{"summary", 0, MLG_OPT_STRING, &ctx->summary_path, "FILE",
		 "write a Markdown summary to FILE", NULL},
		{"codequality", 0, MLG_OPT_STRING, &ctx->codequality_path,
		 "FILE", "write a GitLab Code Quality report to FILE", NULL},
		{"comment", 0, MLG_OPT_CHOICE, &ctx->comment, "github|gitlab",
		 "post the summary on the pull/merge request, kept up to date",
		 forges},
	};

	memcpy(o, tmpl, sizeof(tmpl));
}

void mlg_strlist_add(struct mlg_strlist *l, const char *s)
{
	l->items = mlg_grow(l->items, sizeof(*l->items), l->n + 1, &l->alloc);
	l->items[l->n++] = s;
}

void mlg_strlist_release(struct mlg_strlist *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static size_t count(const struct mlg_opt *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

static int store(const struct mlg_opt *o, const char *arg)
{
	int64_t i;
	size_t k;

	switch (o->type) {
	case MLG_OPT_FLAG:
		*(int *)o->dest = 1;
		return 0;
	case MLG_OPT_STRING:
		*(const char **)o->dest = arg;
		return 0;
	case MLG_OPT_INT:
		if (mlg_parse_int64(&i, arg))
			return mlg_error_set(MLG_EINVALID,
					     "option '--%s' expects a whole "
					     "number, not '%s'",
					     o->name, arg);
		*(long *)o->dest = (long)i;
		return 0;
	case MLG_OPT_DOUBLE:
		if (mlg_parse_double(o->dest, arg))
			return mlg_error_set(MLG_EINVALID,
					     "option '--%s' expects a number, "
					     "not '%s'",
					     o->name, arg);
		return 0;
	case MLG_OPT_LIST:
		mlg_strlist_add(o->dest, arg);
		return 0;
	case MLG_OPT_CHOICE:
		for (k = 0; o->choices[k]; k++)
			if (!strcmp(o->choices[k], arg)) {
				*(const char **)o->dest = o->choices[k];
				return 0;
			}
		return mlg_error_set(MLG_EINVALID,
				     "option '--%s' expects %s, not '%s'",
				     o->name, o->arg, arg);
	}
	MLG_BUG("unknown option type");
}

static int help_table(struct mlg_buf *out, const struct mlg_opt *o)
{
	struct mlg_buf left = MLG_BUF_INIT;
	int rc = 0;

	for (; !rc && o->name; o++) {
		mlg_buf_reset(&left);
		if (o->short_name)
			mlg_buf_addf(&left, "  -%c, ", o->short_name);
		else
			mlg_buf_adds(&left, "      ");
		mlg_buf_addf(&left, "--%s", o->name);
		if (o->type != MLG_OPT_FLAG)
			mlg_buf_addf(&left, " %s", o->arg ? o->arg : "ARG");
		if (left.len < 28)
			rc = mlg_buf_addf(out, "%-28s%s\n", left.ptr, o->help);
		else
			rc = mlg_buf_addf(out, "%s\n%28s%s\n", left.ptr, "",
					  o->help);
	}
	mlg_buf_release(&left);
	return rc;
}

static int usage_lines(struct mlg_buf *out, const struct mlg_tool *t)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && t->usage && t->usage[i]; i++)
		rc = mlg_buf_addf(out, "%s %s %s\n",
				  i ? "   or:" : "usage:", t->name,
				  t->usage[i]);
	return rc;
}

int mlg_opt_help(struct mlg_buf *out, const struct mlg_tool *tool)
{
	struct mlg_opt common[NCOMMON + 1] = {{0}};
	struct mlg_ctx dummy = {0};
	int dummy_flag = 0;
	size_t i;

	common_opts(common, &dummy, &dummy_flag, &dummy_flag);
	usage_lines(out, tool);
	mlg_buf_addf(out, "\n%s\n", tool->summary);
	if (tool->description)
		mlg_buf_addf(out, "\n%s\n", tool->description);
	if (tool->subcommands) {
		mlg_buf_adds(out, "\nCommands:\n");
		for (i = 0; tool->subcommands[i]; i++) {
			const char *n =
				strrchr(tool->subcommands[i]->name, ' ');

			mlg_buf_addf(out, "  %-26s%s\n",
				     n ? n + 1 : tool->subcommands[i]->name,
				     tool->subcommands[i]->summary);
		}
	}
	if (count(tool->opts)) {
		mlg_buf_adds(out, "\nOptions:\n");
		help_table(out, tool->opts);
	}
	mlg_buf_adds(out, "\nCommon options:\n");
	help_table(out, common);
	return mlg_buf_adds(
		out, "\nExit status: 0 passed, 1 the gate failed, 2 usage "
		     "or configuration error,\n3 runtime error "
		     "(I/O, network, internal).\n");
}

/* A failed parse names the option and points at the help. */
static int usage_error(const struct mlg_tool *t)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_addf(&b, "%s\n", mlg_error_message());
	usage_lines(&b, t);
	mlg_buf_addf(&b, "Try '%s --help' for more information.", t->name);
	mlg_error_set(MLG_EINVALID, "%s", b.ptr);
	mlg_buf_release(&b);
	return MLG_EINVALID;
}

int mlg_opt_parse(struct mlg_ctx *ctx, const struct mlg_tool *tool, int argc,
		  char **argv, struct mlg_buf *out)
{
	size_t nt = count(tool->opts), n = nt + NCOMMON, i;
	struct mlg_opt *all = mlg_calloc(n + 1, sizeof(*all));
	struct option *lo = mlg_calloc(n + 1, sizeof(*lo));
	struct mlg_buf shorts = MLG_BUF_INIT;
	int help = 0, version = 0, c, rc = 0;

	if (nt)
		memcpy(all, tool->opts, nt * sizeof(*all));
	common_opts(all + nt, ctx, &help, &version);
	mlg_buf_addch(&shorts, ':'); /* report a missing argument as ':' */
	for (i = 0; i < n; i++) {
		lo[i].name = all[i].name;
		lo[i].has_arg = all[i].type == MLG_OPT_FLAG ? no_argument
							    : required_argument;
		lo[i].val = 256 + (int)i;
		if (all[i].short_name) {
			mlg_buf_addch(&shorts, all[i].short_name);
			if (all[i].type != MLG_OPT_FLAG)
				mlg_buf_addch(&shorts, ':');
		}
	}
	ctx->format = "text";
	optind = 0; /* glibc: full re-initialisation, for repeated parses */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts.ptr, lo, NULL)) != -1) {
		const struct mlg_opt *o = NULL;

		if (c >= 256) {
			o = &all[c - 256];
		} else if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (optopt && !mlg_starts_with(bad, "--"))
				mlg_error_set(
					MLG_EINVALID,
					c == '?' ? "unknown option '-%c'"
						 : "option '-%c' needs a value",
					optopt);
			else
				mlg_error_set(
					MLG_EINVALID,
					c == '?' ? "unknown option '%s'"
						 : "option '%s' needs a value",
					bad);
			rc = usage_error(tool);
			goto done;
		} else {
			for (i = 0; i < n && !o; i++)
				if (all[i].short_name == c)
					o = &all[i];
		}
		if (!o) {
			rc = mlg_error_set(MLG_ERROR,
					   "option table and getopt disagree");
			goto done;
		}
		if ((rc = store(o, optarg))) {
			rc = usage_error(tool);
			goto done;
		}
	}
	if (help) {
		mlg_opt_help(out, tool);
		rc = 1;
		goto done;
	}
	if (version) {
		mlg_buf_addf(out, "%s (mlgate) %s\n", tool->name, MLG_VERSION);
		rc = 1;
		goto done;
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	if (ctx->argc < tool->min_args ||
	    (tool->max_args >= 0 && ctx->argc > tool->max_args)) {
		mlg_error_set(MLG_EINVALID, ctx->argc < tool->min_args
						    ? "missing arguments"
						    : "too many arguments");
		rc = usage_error(tool);
	}
done:
	free(all);
	free(lo);
	mlg_buf_release(&shorts);
	return rc;
}
