/*
 * tool.h - the shared main() and the tool descriptor
 *
 * A tool file declares its options once, in a table, and a descriptor:
 *
 *	static const struct mlg_opt opts[] = {
 *		{"schema", 's', MLG_OPT_STRING, &schema, "FILE",
 *		 "Frictionless Table Schema to validate against"},
 *		MLG_OPT_END,
 *	};
 *	static const char *const usage[] = {"[options] <file>...", NULL};
 *	static const struct mlg_tool tool = {
 *		.name = "data-validate", .summary = "...", .usage = usage,
 *		.opts = opts, .min_args = 1, .max_args = -1, .run = run,
 *	};
 *	int main(int argc, char **argv) { return mlg_main(&tool, argc, argv); }
 *
 * mlg_main() parses the options (getopt_long under the table), adds the
 * common options, generates --help and usage errors from the table,
 * initialises libcurl or libgit2 when the tool needs them, calls run(),
 * writes the report in every requested format and returns the exit code
 * of DESIGN.md: 0 pass, 1 fail, 2 usage/config, 3 runtime.
 */
#ifndef MLGATE_TOOL_H
#define MLGATE_TOOL_H

#include <stddef.h>

#include "mlgate/report.h"
#include "mlgate/version.h"

enum mlg_opt_type {
	MLG_OPT_FLAG,	/* int *: set to 1 */
	MLG_OPT_STRING, /* const char **: the argument (borrowed from argv) */
	MLG_OPT_INT,	/* long *: a whole decimal number */
	MLG_OPT_DOUBLE, /* double *: a decimal number */
	MLG_OPT_LIST,	/* struct mlg_strlist *: repeatable */
	MLG_OPT_CHOICE, /* const char **: one of `choices` */
};

struct mlg_opt {
	const char *name; /* long name, required */
	int short_name;	  /* 0 for none */
	enum mlg_opt_type type;
	void *dest;
	const char *arg; /* argument name in help, e.g. "FILE" */
	const char *help;
	const char *const *choices; /* MLG_OPT_CHOICE: NULL-terminated */
};
#define MLG_OPT_END                                                            \
	{                                                                      \
		NULL, 0, MLG_OPT_FLAG, NULL, NULL, NULL, NULL                  \
	}

/* The values of a repeatable option, in order; strings borrowed. */
struct mlg_strlist {
	const char **items;
	size_t n, alloc;
};
void mlg_strlist_add(struct mlg_strlist *l, const char *s);
void mlg_strlist_release(struct mlg_strlist *l);

enum { MLG_NEED_CURL = 1, MLG_NEED_GIT = 2 };

struct mlg_tool;

/* What run() gets: the positional arguments and the report to fill. */
struct mlg_ctx {
	const struct mlg_tool *tool;
	struct mlg_report report;
	int argc;
	char **argv;
	int verbose, quiet;
	const char *format; /* "text" or "json": what goes to stdout */
	const char *json_path, *junit_path, *summary_path, *codequality_path;
	const char *comment; /* "github", "gitlab" or NULL: --comment */
};

struct mlg_tool {
	const char *name;
	const char *summary;	  /* one line */
	const char *const *usage; /* synopsis lines, NULL-terminated */
	const char *description;  /* paragraph(s) for --help, or NULL */
	const struct mlg_opt *opts;
	unsigned needs;		/* MLG_NEED_* */
	int min_args, max_args; /* positional arguments; -1: any */
	/* Subcommands ("data-validate profile"): chosen by the first
	 * positional argument; NULL-terminated, or NULL for none. */
	const struct mlg_tool *const *subcommands;
	/*
	 * Fill ctx->report and return 0 (the report decides the exit code),
	 * or a negative MLG_E* code after mlg_error_set(): the message is
	 * printed and the exit code follows the error (2 or 3).
	 */
	int (*run)(struct mlg_ctx *ctx);
};

int mlg_main(const struct mlg_tool *tool, int argc, char **argv);

/*
 * Parse argv against the tool's table and the common options. Exposed
 * for tests; mlg_main() calls it. Returns 0, 1 when --help or --version
 * was handled (printed to `out`), or MLG_EINVALID with a message.
 */
int mlg_opt_parse(struct mlg_ctx *ctx, const struct mlg_tool *tool, int argc,
		  char **argv, struct mlg_buf *out);

/* The --help text of a tool, generated from its table. */
int mlg_opt_help(struct mlg_buf *out, const struct mlg_tool *tool);

/* ---- messages on stderr, prefixed with the tool name, masked ---- */

void mlg_log_init(const char *tool, int verbose, int quiet);
/* Progress and notes; hidden by --quiet. */
void mlg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Detail; shown only with --verbose. */
void mlg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Always shown. */
void mlg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mlg_errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- writing the report ---- */

/*
 * Write the report everywhere it was asked for: text or JSON on stdout
 * (ctx->format), --json/--junit/--summary/--codequality files (atomic),
 * Markdown appended to $GITHUB_STEP_SUMMARY when set (cut at a line,
 * with a note, to keep that file within GitHub's 1 MiB), and workflow
 * commands on stdout when GITHUB_ACTIONS=true, and the pull/merge
 * request comment of --comment (comment.h). 0 or a negative code.
 */
int mlg_report_write(const struct mlg_ctx *ctx);

#endif
