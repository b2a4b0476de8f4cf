/* main.c - the shared main() of every gate */
#include <stdio.h>
#include <string.h>

#include "mlgate/comment.h"
#include "mlgate/error.h"
#include "mlgate/git.h"
#include "mlgate/http.h"
#include "mlgate/secret.h"
#include "mlgate/tool.h"

static const struct mlg_tool *subcommand(const struct mlg_tool *tool,
					 const char *arg)
{
	size_t i, n;

	for (i = 0; tool->subcommands && tool->subcommands[i]; i++) {
		const char *name = tool->subcommands[i]->name;
		const char *sp = strrchr(name, ' ');

		n = strlen(sp ? sp + 1 : name);
		if (!strcmp(sp ? sp + 1 : name, arg) && n)
			return tool->subcommands[i];
	}
	return NULL;
}

/* A run that stopped on an error still produces its reports, with the
 * reason as a check, so a CI that reads only JUnit sees why. Data too
 * broken to read (MLG_EDATA) fails the gate (exit 1); the rest is an
 * error of the run (exit 3). */
static void record_failure(struct mlg_ctx *ctx, int rc)
{
	mlg_report_add_check(&ctx->report, ctx->tool->name,
			     mlg_error_exit_code(rc) == MLG_EXIT_FAIL
				     ? MLG_STATUS_FAIL
				     : MLG_STATUS_ERROR,
			     "%s", mlg_error_message());
}

/* Credentials in URL arguments are masked from the start, in every
 * output (secret.h). */
static void mask_urls(const struct mlg_ctx *ctx)
{
	const struct mlg_opt *o;
	const struct mlg_strlist *l;
	size_t i;
	int k;

	for (k = 0; k < ctx->argc; k++)
		mlg_secret_add_url(ctx->argv[k]);
	for (o = ctx->tool->opts; o && o->name; o++) {
		if (o->type == MLG_OPT_STRING && *(const char **)o->dest)
			mlg_secret_add_url(*(const char **)o->dest);
		if (o->type != MLG_OPT_LIST)
			continue;
		l = o->dest;
		for (i = 0; i < l->n; i++)
			mlg_secret_add_url(l->items[i]);
	}
}

int mlg_main(const struct mlg_tool *tool, int argc, char **argv)
{
	struct mlg_ctx ctx;
	struct mlg_buf out = MLG_BUF_INIT;
	const struct mlg_tool *sub;
	unsigned inited = 0;
	int rc, code;

	if (argc > 1 && (sub = subcommand(tool, argv[1]))) {
		tool = sub;
		argc--;
		argv++;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.tool = tool;
	rc = mlg_opt_parse(&ctx, tool, argc, argv, &out);
	if (rc) {
		if (rc > 0) {
			fputs(out.ptr, stdout);
			mlg_buf_release(&out);
			return fflush(stdout) ? MLG_EXIT_RUNTIME
					      : MLG_EXIT_PASS;
		}
		fprintf(stderr, "%s: %s\n", tool->name, mlg_error_message());
		mlg_buf_release(&out);
		return MLG_EXIT_USAGE;
	}
	mask_urls(&ctx);
	mlg_log_init(tool->name, ctx.verbose, ctx.quiet);
	mlg_report_init(&ctx.report, tool->name, MLG_VERSION);

	rc = 0;
	if ((tool->needs & MLG_NEED_CURL || ctx.comment) &&
	    !(rc = mlg_http_global_init()))
		inited |= MLG_NEED_CURL;
	if (!rc && ctx.comment)
		rc = mlg_comment_check(ctx.comment);
	if (!rc)
		rc = tool->run(&ctx);

	if (rc < 0) {
		mlg_errmsg("%s", mlg_error_message());
		if (mlg_error_exit_code(rc) != MLG_EXIT_USAGE)
			record_failure(&ctx, rc);
	}
	mlg_report_finish(&ctx.report);
	code = rc < 0 ? mlg_error_exit_code(rc)
		      : mlg_report_exit_code(&ctx.report);
	/* A usage or config error has no run to report on. */
	if (code != MLG_EXIT_USAGE) {
		/* Whatever the cause, an unwritten report is an I/O failure. */
		if (mlg_report_write(&ctx)) {
			mlg_errmsg("%s", mlg_error_message());
			code = MLG_EXIT_RUNTIME;
		}
	}

	/* libgit2 starts on the first repository opened (git.h) */
	if (tool->needs & MLG_NEED_GIT)
		mlg_git_shutdown();
	if (inited & MLG_NEED_CURL)
		mlg_http_global_cleanup();
	mlg_report_release(&ctx.report);
	mlg_buf_release(&out);
	if (fflush(stdout) && code < MLG_EXIT_RUNTIME)
		code = MLG_EXIT_RUNTIME;
	return code;
}
