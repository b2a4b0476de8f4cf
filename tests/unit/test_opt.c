#include <stdlib.h>

#include "mlgate/error.h"
#include "mlgate/tool.h"
#include "test.h"

static int flag;
static const char *str;
static long num;
static double dbl;
static struct mlg_strlist list;
static const char *choice;
static const char *const choices[] = {"fast", "exact", NULL};

static const struct mlg_opt opts[] = {
	{"flag", 'f', MLG_OPT_FLAG, &flag, NULL, "a switch", NULL},
	{"string", 's', MLG_OPT_STRING, &str, "TEXT", "some text", NULL},
	{"number", 0, MLG_OPT_INT, &num, "N", "a whole number", NULL},
	{"ratio", 0, MLG_OPT_DOUBLE, &dbl, "X", "a number", NULL},
	{"item", 'i', MLG_OPT_LIST, &list, "ITEM", "repeatable", NULL},
	{"mode", 0, MLG_OPT_CHOICE, &choice, "fast|exact", "a choice", choices},
	MLG_OPT_END,
};
static const char *const usage[] = {"[options] <file>...", NULL};

static int run(struct mlg_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static const struct mlg_tool tool = {
	.name = "t",
	.summary = "A test tool.",
	.usage = usage,
	.opts = opts,
	.min_args = 1,
	.max_args = 2,
	.run = run,
};

static void reset(void)
{
	flag = 0;
	str = NULL;
	num = 0;
	dbl = 0;
	choice = NULL;
	mlg_strlist_release(&list);
}

static int parse(struct mlg_ctx *ctx, struct mlg_buf *out, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(ctx, 0, sizeof(*ctx));
	reset();
	return mlg_opt_parse(ctx, &tool, argc, argv, out);
}

static void test_all_types(void)
{
	char *argv[] = {"t",	    "-f",    "a.csv",	"--string=x y",
			"--number", "-42",   "--ratio", "1e-3",
			"-i",	    "one",   "--item",	"two",
			"--mode",   "exact", "--junit", "j.xml",
			"-qv",	    "b.csv", NULL};
	struct mlg_buf out = MLG_BUF_INIT;
	struct mlg_ctx ctx;

	T_EQ_INT(parse(&ctx, &out, argv), 0);
	T_EQ_INT(flag, 1);
	T_EQ_STR(str, "x y");
	T_EQ_INT(num, -42);
	T_EQ_DBL(dbl, 0.001, 0);
	T_EQ_INT(list.n, 2);
	T_EQ_STR(list.items[1], "two");
	T_EQ_STR(choice, "exact");
	T_EQ_STR(ctx.junit_path, "j.xml");
	T_EQ_STR(ctx.format, "text");
	T_EQ_INT(ctx.quiet, 1);
	T_EQ_INT(ctx.verbose, 1);
	T_EQ_INT(ctx.argc, 2);
	T_EQ_STR(ctx.argv[0], "a.csv");
	T_EQ_STR(ctx.argv[1], "b.csv");
	T_EQ_STR(out.ptr, "");
	reset();
}

static void test_errors(void)
{
	char *a1[] = {"t", "--number", "1.5", "x", NULL};
	char *a2[] = {"t", "--mode", "slow", "x", NULL};
	char *a3[] = {"t", "-z", "x", NULL};
	char *a4[] = {"t", "x", "--string", NULL};
	char *a5[] = {"t", NULL};
	char *a6[] = {"t", "a", "b", "c", NULL};
	char *a7[] = {"t", "--ratio", "1,5", "x", NULL};
	struct mlg_buf out = MLG_BUF_INIT;
	struct mlg_ctx ctx;

	T_EQ_INT(parse(&ctx, &out, a1), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(),
		   "option '--number' expects a whole number, not '1.5'\n"
		   "usage: t [options] <file>...\n"
		   "Try 't --help' for more information.");
	T_EQ_INT(parse(&ctx, &out, a2), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(),
		   "option '--mode' expects fast|exact, not 'slow'");
	T_EQ_INT(parse(&ctx, &out, a3), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "unknown option '-z'");
	T_EQ_INT(parse(&ctx, &out, a4), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "option '--string' needs a value");
	T_EQ_INT(parse(&ctx, &out, a5), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "missing arguments");
	T_EQ_INT(parse(&ctx, &out, a6), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "too many arguments");
	T_EQ_INT(parse(&ctx, &out, a7), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "expects a number, not '1,5'");
	reset();
}

static void test_help_from_table(void)
{
	char *argv[] = {"t", "--help", NULL};
	struct mlg_buf out = MLG_BUF_INIT;
	struct mlg_ctx ctx;

	T_EQ_INT(parse(&ctx, &out, argv), 1);
	T_CONTAINS(out.ptr, "usage: t [options] <file>...\n\nA test tool.\n");
	T_CONTAINS(out.ptr, "  -f, --flag                a switch\n");
	T_CONTAINS(out.ptr, "      --number N            a whole number\n");
	T_CONTAINS(out.ptr, "  -i, --item ITEM           repeatable\n");
	T_CONTAINS(out.ptr, "      --junit FILE          write a JUnit XML");
	T_CONTAINS(out.ptr, "\nExit status: 0 passed, 1 the gate failed");
	mlg_buf_release(&out);
	reset();
}

static void test_version(void)
{
	char *argv[] = {"t", "--version", NULL};
	struct mlg_buf out = MLG_BUF_INIT;
	struct mlg_ctx ctx;

	T_EQ_INT(parse(&ctx, &out, argv), 1);
	T_EQ_STR(out.ptr, "t (mlgate) " MLG_VERSION "\n");
	mlg_buf_release(&out);
}

MLG_TESTS(T(test_all_types), T(test_errors), T(test_help_from_table),
	  T(test_version))
