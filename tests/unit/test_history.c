#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/git.h"
#include "mlgate/history.h"
#include "mlgate/util.h"
#include "test.h"

#define HEXID "0123456789abcdef0123456789abcdef01234567"

static void clear_ci_env(void)
{
	static const char *const vars[] = {"GITHUB_REF_NAME",
					   "CI_COMMIT_REF_NAME",
					   "BRANCH_NAME",
					   "GITHUB_RUN_ID",
					   "GITHUB_REPOSITORY",
					   "GITHUB_SERVER_URL",
					   "CI_PIPELINE_URL",
					   "CI_PIPELINE_ID",
					   "BUILD_URL",
					   "GITHUB_EVENT_NAME",
					   "CI_MERGE_REQUEST_IID",
					   "CHANGE_ID"};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);
	t_git_env();
}

/* A new repository t_tmpdir()/name with one commit on main. */
static char *new_repo(const char *name)
{
	char *dir = mlg_strfmt("%s/%s", t_tmpdir(), name);

	clear_ci_env();
	T_EQ_INT(mkdir(dir, 0777), 0);
	t_sh(dir, "git init -q -b main . && echo a > f && git add f && "
		  "git commit -q -m c1");
	return dir;
}

static struct mlg_git_repo *open_at(const char *dir)
{
	struct mlg_git_repo *r = NULL;

	T_EQ_INT(mlg_git_init(), 0);
	if (mlg_git_open(&r, dir))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	return r;
}

static void one_metric(struct mlg_metric_set *m, const char *name, double v)
{
	m->items = mlg_grow(m->items, sizeof(*m->items), m->n + 1, &m->alloc);
	memset(&m->items[m->n], 0, sizeof(m->items[0]));
	m->items[m->n].name = mlg_strdup(name);
	m->items[m->n++].value = v;
}

static void close_repo(struct mlg_git_repo *r, char *dir)
{
	mlg_git_close(r);
	mlg_git_shutdown();
	free(dir);
}

/* Record acc = `v` at time `t` and push it to "origin" with up to
 * `retries` retries; `*attempts` counts the pushes. */
static int push_try(struct mlg_git_repo *r, double v, double t, int retries,
		    int *attempts)
{
	struct mlg_metric_set m = {0};
	struct mlg_history_record rec;
	int rc;

	one_metric(&m, "acc", v);
	T_EQ_INT(mlg_history_record_init(&rec, r, &m, t), 0);
	rc = mlg_history_push(r, "origin", &rec, retries, attempts);
	mlg_history_record_release(&rec);
	mlg_metrics_release(&m);
	return rc;
}

/* push_try() with 3 retries that succeeds after `want` pushes. */
static void push_one(struct mlg_git_repo *r, double v, double t, int want)
{
	int attempts = 0;

	T_EQ_INT(push_try(r, v, t, 3, &attempts), 0);
	T_EQ_INT(attempts, want);
}

static void record(struct mlg_git_repo *r, double acc, double t)
{
	struct mlg_metric_set m = {0};
	struct mlg_history_record rec;

	one_metric(&m, "acc", acc);
	one_metric(&m, "latency_ms", 12.5);
	if (mlg_history_record_init(&rec, r, &m, t))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	if (mlg_history_append(r, &rec, NULL))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	mlg_history_record_release(&rec);
	mlg_metrics_release(&m);
}

static void test_record_three(void)
{
	char *dir = new_repo("three");
	struct mlg_git_repo *r = open_at(dir);
	struct mlg_history h = {0};
	struct mlg_buf b = MLG_BUF_INIT, want = MLG_BUF_INIT;
	char c1[MLG_GIT_HEX], c2[MLG_GIT_HEX];

	t_rev_parse(c1, dir, "HEAD");
	record(r, 0.9, 1795000000);
	setenv("GITHUB_RUN_ID", "77", 1);
	setenv("GITHUB_REPOSITORY", "o/r", 1);
	record(r, 0.91, 1795000001);
	t_sh(dir, "echo b > f && git commit -q -am c2");
	t_rev_parse(c2, dir, "HEAD");
	unsetenv("GITHUB_RUN_ID");
	setenv("CI_PIPELINE_ID", "5", 1);
	setenv("CI_COMMIT_REF_NAME", "rel", 1);
	record(r, 0.5, 1795000002);
	unsetenv("CI_PIPELINE_ID");
	unsetenv("CI_COMMIT_REF_NAME");

	T_EQ_INT(mlg_git_read_blob_at(&b, r, MLG_HISTORY_REF, "history.jsonl",
				      0),
		 0);
	mlg_buf_addf(&want,
		     "{\"commit\":\"%s\",\"time\":\"2026-11-18T11:06:40Z\","
		     "\"ref\":\"main\",\"run\":null,\"metrics\":{\"acc\":0.9,"
		     "\"latency_ms\":12.5}}\n",
		     c1);
	mlg_buf_addf(&want,
		     "{\"commit\":\"%s\",\"time\":\"2026-11-18T11:06:41Z\","
		     "\"ref\":\"main\",\"run\":\"https://github.com/o/r/"
		     "actions/runs/77\",\"metrics\":{\"acc\":0.91,"
		     "\"latency_ms\":12.5}}\n",
		     c1);
	mlg_buf_addf(&want,
		     "{\"commit\":\"%s\",\"time\":\"2026-11-18T11:06:42Z\","
		     "\"ref\":\"rel\",\"run\":\"gitlab:5\",\"metrics\":"
		     "{\"acc\":0.5,\"latency_ms\":12.5}}\n",
		     c2);
	T_EQ_STR(b.ptr, want.ptr);
	/* a chain of three commits, the working tree untouched */
	t_sh(dir,
	     "test $(git rev-list --count %s) = 3 && "
	     "test \"$(git status --porcelain)\" = ''",
	     MLG_HISTORY_REF);

	T_EQ_INT(mlg_history_read(&h, r), 0);
	T_EQ_INT(h.n, 3);
	T_EQ_STR(h.items[0].commit, c1);
	T_EQ_STR(h.items[0].time, "2026-11-18T11:06:40Z");
	T_EQ_STR(h.items[0].ref, "main");
	T_ASSERT(h.items[0].run == NULL);
	T_EQ_STR(h.items[1].run, "https://github.com/o/r/actions/runs/77");
	T_EQ_STR(h.items[2].commit, c2);
	T_EQ_STR(h.items[2].ref, "rel");
	T_EQ_INT(h.items[2].metrics.n, 2);
	T_EQ_STR(h.items[2].metrics.items[0].name, "acc");
	T_EQ_DBL(h.items[2].metrics.items[0].value, 0.5, 0);
	T_EQ_DBL(h.items[2].metrics.items[1].value, 12.5, 0);
	mlg_history_release(&h);

	/* the window follows ancestry of the baseline */
	T_EQ_INT(mlg_history_window(&h, r, "HEAD~1", 0), 0);
	T_EQ_INT(h.n, 2);
	T_EQ_DBL(h.items[1].metrics.items[0].value, 0.91, 0);
	mlg_history_release(&h);
	T_EQ_INT(mlg_history_window(&h, r, "main", 2), 0);
	T_EQ_INT(h.n, 2);
	T_EQ_DBL(h.items[0].metrics.items[0].value, 0.91, 0);
	T_EQ_DBL(h.items[1].metrics.items[0].value, 0.5, 0);
	mlg_history_release(&h);
	/* a branch that forked before c2 does not see its record */
	t_sh(dir, "git checkout -q -b side HEAD~1 && echo s > f && "
		  "git commit -q -am s");
	T_EQ_INT(mlg_history_window(&h, r, "side", 30), 0);
	T_EQ_INT(h.n, 2);
	mlg_history_release(&h);
	T_EQ_INT(mlg_history_window(&h, r, "nope", 30), MLG_ERROR);
	T_ASSERT(mlg_starts_with(mlg_error_message(),
				 "cannot resolve revision 'nope': "));

	mlg_buf_release(&b);
	mlg_buf_release(&want);
	close_repo(r, dir);
}

static void test_no_history(void)
{
	char *dir = new_repo("empty");
	struct mlg_git_repo *r = open_at(dir);
	struct mlg_history h = {0};

	T_EQ_INT(mlg_history_read(&h, r), 0);
	T_EQ_INT(h.n, 0);
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 30), 0);
	T_EQ_INT(h.n, 0);
	close_repo(r, dir);
}

/* mlg_history_parse() refuses the text `s` as MLG_EDATA. */
static void parse_bad(struct mlg_history *h, const char *s)
{
	T_EQ_INT(mlg_history_parse(h, "h", s, strlen(s)), MLG_EDATA);
}

static void test_parse_errors(void)
{
	struct mlg_history h = {0};

	T_EQ_INT(mlg_history_parse(&h, "h", "", 0), 0);
	T_EQ_INT(mlg_history_parse(&h, "h", "\n \n", 3), 0);
	T_EQ_INT(h.n, 0);
	parse_bad(&h, "{\"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":null,"
		      "\"run\":null,\"metrics\":{\"a\":1}}\n\n{");
	T_ASSERT(mlg_starts_with(mlg_error_message(), "'h': line 3: "));
	T_EQ_INT(h.n, 1);
	mlg_history_release(&h);
	parse_bad(&h, "{\"commit\":\"0123456789abcdef0123456789abcdef0123456\","
		      "\"time\":\"t\",\"metrics\":{}}");
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: invalid commit id "
		 "'0123456789abcdef0123456789abcdef0123456'");
	parse_bad(&h, "{\"commit\":\"" HEXID "\",\"time\":\"t\",\"metrics\":"
		      "{\"a\":\"x\"}}");
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: metric 'a' is not a number");
	/* a key or a commit id that holds a newline stays on one line */
	parse_bad(&h, "{\"commit\":\"0123\\n\",\"time\":\"t\",\"metrics\":{}}");
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: invalid commit id '0123\\u000a'");
	parse_bad(&h, "{\"commit\":\"" HEXID "\",\"time\":\"t\",\"metrics\":"
		      "{\"a\\tb\":null}}");
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: metric 'a\\u0009b' is not a number");
	parse_bad(&h, "{\"commit\":\"" HEXID "\",\"time\":\"t\",\"x\":1}");
	T_CONTAINS(mlg_error_message(), "unknown property 'x'");
	parse_bad(&h, "{\"commit\":\"" HEXID "\",\"time\":\"t\"}");
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: /metrics: expected an object, found nothing");
	/* NUL bytes and invalid UTF-8 inside a line */
	T_EQ_INT(mlg_history_parse(&h, "h", "{\"a\0\":1}", 9), MLG_EDATA);
	T_EQ_INT(mlg_history_parse(&h, "h", "{\"\xff\":1}", 7), MLG_EDATA);
	T_EQ_INT(h.n, 0);
}

static void test_pr_refused(void)
{
	clear_ci_env();
	T_ASSERT(mlg_history_pr_reason() == NULL);
	setenv("GITHUB_EVENT_NAME", "push", 1);
	T_ASSERT(mlg_history_pr_reason() == NULL);
	setenv("GITHUB_EVENT_NAME", "pull_request", 1);
	T_EQ_STR(mlg_history_pr_reason(), "GITHUB_EVENT_NAME");
	setenv("GITHUB_EVENT_NAME", "pull_request_target", 1);
	T_EQ_STR(mlg_history_pr_reason(), "GITHUB_EVENT_NAME");
	unsetenv("GITHUB_EVENT_NAME");
	setenv("CI_MERGE_REQUEST_IID", "", 1);
	T_ASSERT(mlg_history_pr_reason() == NULL);
	setenv("CI_MERGE_REQUEST_IID", "4", 1);
	T_EQ_STR(mlg_history_pr_reason(), "CI_MERGE_REQUEST_IID");
	unsetenv("CI_MERGE_REQUEST_IID");
	setenv("CHANGE_ID", "12", 1);
	T_EQ_STR(mlg_history_pr_reason(), "CHANGE_ID");
	unsetenv("CHANGE_ID");
}

/* Two clones, t_tmpdir()/<p>race-a and <p>race-b, of one bare remote
 * <p>remote.git, both open. */
struct race {
	char *a, *b, *bare;
	struct mlg_git_repo *ra, *rb;
};

static void race_open(struct race *x, const char *p)
{
	char *name = mlg_strfmt("%srace-a", p);

	x->a = new_repo(name);
	free(name);
	x->bare = mlg_strfmt("%s/%sremote.git", t_tmpdir(), p);
	x->b = mlg_strfmt("%s/%srace-b", t_tmpdir(), p);
	t_sh(t_tmpdir(), "git init -q --bare -b main %sremote.git", p);
	t_sh(x->a, "git remote add origin '%s' && git push -q origin main",
	     x->bare);
	t_sh(t_tmpdir(), "git clone -q '%s' %srace-b", x->bare, p);
	x->ra = open_at(x->a);
	x->rb = open_at(x->b);
}

static void race_close(struct race *x)
{
	mlg_git_close(x->ra);
	mlg_git_close(x->rb);
	mlg_git_shutdown();
	mlg_git_shutdown();
	free(x->a);
	free(x->b);
	free(x->bare);
}

/*
 * Two clones of one bare remote record concurrently: B pushes first, so
 * A's push is not a fast-forward; A must fetch, re-append and push.
 */
static void test_push_race(void)
{
	struct race x;
	struct mlg_git_repo *ra, *rb;
	struct mlg_history h = {0};
	int attempts = 0;

	race_open(&x, "");
	ra = x.ra;
	rb = x.rb;

	/* the first record creates the remote ref */
	record(ra, 0.1, 1795000000);
	push_one(ra, 0.1, 1795000000, 1);

	/* A records locally; B records, fetches nothing, and pushes: its
	 * ref has no common history with the remote's, so B retries */
	record(ra, 0.2, 1795000001);
	record(rb, 0.3, 1795000002);
	push_one(rb, 0.3, 1795000002, 2);

	/* now A's push is rejected: fetch, re-append 0.2, push */
	push_one(ra, 0.2, 1795000001, 2);

	/* the remote ref holds all three, in push order */
	t_sh(t_tmpdir(),
	     "git clone -q --bare '%s' check.git && cd check.git && "
	     "git fetch -q origin '+refs/mlgate/*:refs/mlgate/*' && "
	     "test $(git show refs/mlgate/history:history.jsonl | "
	     "wc -l) = 3",
	     x.bare);
	T_EQ_INT(mlg_history_read(&h, ra), 0);
	T_EQ_INT(h.n, 3);
	T_EQ_DBL(h.items[0].metrics.items[0].value, 0.1, 0);
	T_EQ_DBL(h.items[1].metrics.items[0].value, 0.3, 0);
	T_EQ_DBL(h.items[2].metrics.items[0].value, 0.2, 0);
	mlg_history_release(&h);

	/* no retries allowed: a rejection is an error */
	record(rb, 0.4, 1795000003);
	T_EQ_INT(push_try(rb, 0.4, 1795000003, 0, &attempts), MLG_ERROR);
	T_EQ_INT(attempts, 1);
	T_EQ_STR(mlg_error_message(), "push of 'refs/mlgate/history' to "
				      "'origin' rejected 1 times");
	race_close(&x);
}

/* ---- chunks ---- */

/* Append records with acc = from .. to-1 at HEAD of `r`. */
static void record_n(struct mlg_git_repo *r, int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		record(r, i, 1795000000 + i);
}

/* The acc values of `h` are exactly from .. from+n-1. */
static void expect_run(const struct mlg_history *h, size_t at, int from, int n)
{
	int i;

	T_ASSERT(h->n >= at + (size_t)n);
	for (i = 0; i < n; i++)
		if (h->items[at + (size_t)i].metrics.items[0].value !=
		    (double)(from + i))
			t_fail(__FILE__, __LINE__,
			       "record %zu has acc %.17g, expected %d",
			       at + (size_t)i,
			       h->items[at + (size_t)i].metrics.items[0].value,
			       from + i);
}

/* mlg_history_read() gives exactly the records of acc 0 .. n-1. */
static void expect_read(struct mlg_git_repo *r, int n)
{
	struct mlg_history h = {0};

	T_EQ_INT(mlg_history_read(&h, r), 0);
	T_EQ_INT(h.n, n);
	expect_run(&h, 0, 0, n);
	mlg_history_release(&h);
}

/* The window of at most `max` records at `rev` is exactly acc from ..
 * from+n-1. */
static void expect_window(struct mlg_git_repo *r, const char *rev, int max,
			  int from, int n)
{
	struct mlg_history h = {0};

	T_EQ_INT(mlg_history_window(&h, r, rev, max), 0);
	T_EQ_INT(h.n, n);
	expect_run(&h, 0, from, n);
	mlg_history_release(&h);
}

static void test_chunk_rollover(void)
{
	char *dir = new_repo("chunks");
	struct mlg_git_repo *r = open_at(dir);
	char full1[MLG_GIT_HEX], full2[MLG_GIT_HEX], id[MLG_GIT_HEX];

	/* exactly CHUNK records: one file, no archive */
	record_n(r, 0, MLG_HISTORY_CHUNK);
	t_sh(dir,
	     "test \"$(git ls-tree --name-only %s)\" = history.jsonl && "
	     "test $(git show %s:history.jsonl | wc -l) = %d",
	     MLG_HISTORY_REF, MLG_HISTORY_REF, MLG_HISTORY_CHUNK);
	t_rev_parse(full1, dir, MLG_HISTORY_REF ":history.jsonl");
	expect_read(r, MLG_HISTORY_CHUNK);

	/* CHUNK + 1: the full blob moves unchanged, the tip restarts */
	record_n(r, MLG_HISTORY_CHUNK, MLG_HISTORY_CHUNK + 1);
	t_rev_parse(id, dir, MLG_HISTORY_REF ":archive/00000001.jsonl");
	T_EQ_STR(id, full1);
	t_sh(dir,
	     "test \"$(git ls-tree -r --name-only %s | tr '\\n' ' ')\" = "
	     "'archive/00000001.jsonl history.jsonl ' && "
	     "test $(git show %s:history.jsonl | wc -l) = 1 && "
	     "test $(git rev-list --count %s) = %d",
	     MLG_HISTORY_REF, MLG_HISTORY_REF, MLG_HISTORY_REF,
	     MLG_HISTORY_CHUNK + 1);
	expect_read(r, MLG_HISTORY_CHUNK + 1);

	/* the window crosses the tip/archive boundary */
	record_n(r, MLG_HISTORY_CHUNK + 1, MLG_HISTORY_CHUNK + 5);
	expect_window(r, "HEAD", 10, MLG_HISTORY_CHUNK - 5, 10);
	expect_window(r, "HEAD", 5, MLG_HISTORY_CHUNK, 5);
	expect_window(r, "HEAD", 0, 0, MLG_HISTORY_CHUNK + 5);

	/* 2 CHUNK + 1: a second chunk; the first keeps its blob id */
	record_n(r, MLG_HISTORY_CHUNK + 5, 2 * MLG_HISTORY_CHUNK);
	t_rev_parse(full2, dir, MLG_HISTORY_REF ":history.jsonl");
	record_n(r, 2 * MLG_HISTORY_CHUNK, 2 * MLG_HISTORY_CHUNK + 1);
	t_rev_parse(id, dir, MLG_HISTORY_REF ":archive/00000001.jsonl");
	T_EQ_STR(id, full1);
	t_rev_parse(id, dir, MLG_HISTORY_REF ":archive/00000002.jsonl");
	T_EQ_STR(id, full2);
	/* and an older commit of the chain still points at the same blob */
	t_rev_parse(id, dir, MLG_HISTORY_REF "~100:archive/00000001.jsonl");
	T_EQ_STR(id, full1);
	expect_read(r, 2 * MLG_HISTORY_CHUNK + 1);
	expect_window(r, "HEAD", MLG_HISTORY_CHUNK + 2, MLG_HISTORY_CHUNK - 1,
		      MLG_HISTORY_CHUNK + 2);

	close_repo(r, dir);
}

/* Records of other branches are skipped in the tip and in the archive. */
static void test_chunk_ancestry(void)
{
	char *dir = new_repo("chunk-anc");
	struct mlg_git_repo *r = open_at(dir);
	struct mlg_history h = {0};
	const int c = MLG_HISTORY_CHUNK;

	record_n(r, 0, c - 6);
	t_sh(dir, "echo 2 > f && git commit -q -am c2");
	record_n(r, c - 6, c + 4);
	t_sh(dir, "git checkout -q -b side HEAD~1 && echo s > f && "
		  "git commit -q -am s1");
	record_n(r, c + 4, c + 14);
	t_sh(dir, "test $(git show %s:history.jsonl | wc -l) = 14",
	     MLG_HISTORY_REF);

	/* main: 4 c2 records in the tip, 6 in the archive, 5 of c1 */
	expect_window(r, "main", 15, c - 11, 15);
	/* side: its own 10, then c1's, never c2's */
	T_EQ_INT(mlg_history_window(&h, r, "side", 15), 0);
	T_EQ_INT(h.n, 15);
	expect_run(&h, 0, c - 11, 5);
	expect_run(&h, 5, c + 4, 10);
	mlg_history_release(&h);
	expect_window(r, "main~1", 0, 0, c - 6);
	/* the same answers one record at a time */
	T_EQ_INT(mlg_history_window(&h, r, "side", 1), 0);
	expect_run(&h, 0, c + 13, 1);
	mlg_history_release(&h);

	close_repo(r, dir);
}

/* A history.jsonl as written before chunking, with `n` records of acc
 * 0 .. n-1 for HEAD, committed with the git CLI. */
static void legacy_history(const char *dir, int n)
{
	struct mlg_history_record rec = {0};
	struct mlg_buf b = MLG_BUF_INIT;
	FILE *f;
	char *path;
	int i;

	t_rev_parse(rec.commit, dir, "HEAD");
	rec.time = mlg_strdup("2026-01-01T00:00:00Z");
	rec.ref = mlg_strdup("main");
	rec.metrics.format = MLG_METRICS_JSON;
	one_metric(&rec.metrics, "acc", 0);
	for (i = 0; i < n; i++) {
		rec.metrics.items[0].value = i;
		T_EQ_INT(mlg_history_format(&b, &rec), 0);
	}
	path = mlg_strfmt("%s/legacy.jsonl", t_tmpdir());
	T_ASSERT((f = fopen(path, "wb")) != NULL);
	T_EQ_INT(fwrite(b.ptr, 1, b.len, f), b.len);
	T_EQ_INT(fclose(f), 0);
	t_sh(dir,
	     "b=$(git hash-object -w '%s') && "
	     "t=$(printf '100644 blob %%s\\thistory.jsonl\\n' $b | "
	     "git mktree) && c=$(git commit-tree -m legacy $t) && "
	     "git update-ref %s $c",
	     path, MLG_HISTORY_REF);
	free(path);
	mlg_buf_release(&b);
	mlg_history_record_release(&rec);
}

static void test_legacy_history(void)
{
	char *dir = new_repo("legacy");
	struct mlg_git_repo *r = open_at(dir);
	struct mlg_history h = {0};
	char old[MLG_GIT_HEX], id[MLG_GIT_HEX];
	int n = MLG_HISTORY_CHUNK + 44;

	legacy_history(dir, n);
	t_rev_parse(old, dir, MLG_HISTORY_REF ":history.jsonl");
	expect_read(r, n);
	expect_window(r, "HEAD", 3, n - 3, 3);

	/* the next append moves the whole file, oversized, unchanged */
	record_n(r, n, n + 1);
	t_rev_parse(id, dir, MLG_HISTORY_REF ":archive/00000001.jsonl");
	T_EQ_STR(id, old);
	t_sh(dir, "test $(git show %s:history.jsonl | wc -l) = 1",
	     MLG_HISTORY_REF);
	expect_read(r, n + 1);
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 2), 0);
	expect_run(&h, 0, n - 1, 2);
	mlg_history_release(&h);

	close_repo(r, dir);
}

static void test_legacy_short(void)
{
	char *dir = new_repo("legacy-short");
	struct mlg_git_repo *r = open_at(dir);

	/* under a chunk: appends go on in the one file */
	legacy_history(dir, 3);
	record_n(r, 3, 5);
	t_sh(dir,
	     "test \"$(git ls-tree --name-only %s)\" = history.jsonl && "
	     "test $(git show %s:history.jsonl | wc -l) = 5",
	     MLG_HISTORY_REF, MLG_HISTORY_REF);
	expect_read(r, 5);
	close_repo(r, dir);
}

/* Commit a history tree of the given paths and contents on top of the
 * current ref (or as its first commit). */
static void put_tree(struct mlg_git_repo *r, const char *const *paths,
		     const char *const *data, size_t n)
{
	struct mlg_git_tree_edit e[4];
	char tip[MLG_GIT_HEX], out[MLG_GIT_HEX];
	int have = !mlg_git_ref_read(tip, r, MLG_HISTORY_REF);
	size_t i;

	memset(e, 0, sizeof(e));
	T_ASSERT(n <= 4);
	for (i = 0; i < n; i++) {
		e[i].path = paths[i];
		e[i].data = data[i];
		e[i].len = strlen(data[i]);
	}
	if (mlg_git_commit_edits(out, r, MLG_HISTORY_REF, have ? tip : NULL, e,
				 n, "t"))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
}

static void test_corrupt_chunk(void)
{
	char *dir = new_repo("corrupt");
	struct mlg_git_repo *r = open_at(dir);
	struct mlg_history h = {0};
	struct mlg_buf good = MLG_BUF_INIT, bad = MLG_BUF_INIT;
	struct mlg_history_record rec = {0};
	const char *paths[3] = {"archive/00000001.jsonl",
				"archive/00000002.jsonl", "history.jsonl"};
	const char *data[3];

	t_rev_parse(rec.commit, dir, "HEAD");
	rec.time = mlg_strdup("t");
	rec.metrics.format = MLG_METRICS_JSON;
	one_metric(&rec.metrics, "acc", 1);
	T_EQ_INT(mlg_history_format(&good, &rec), 0);
	mlg_buf_add(&bad, good.ptr, good.len);
	mlg_buf_adds(&bad, "\n");
	mlg_buf_add(&bad, good.ptr, good.len);
	mlg_buf_adds(&bad, "{\"commit\": tru}\n");
	data[0] = good.ptr;
	data[1] = bad.ptr;
	data[2] = good.ptr;
	put_tree(r, paths, data, 3);

	T_EQ_INT(mlg_history_read(&h, r), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:archive/00000002.jsonl': line 4: "
		 "1:12: invalid token near 'tru'");
	mlg_history_release(&h);
	/* a window that stops in the tip never reads the broken chunk */
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 1), 0);
	T_EQ_INT(h.n, 1);
	mlg_history_release(&h);
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 3), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:archive/00000002.jsonl': line 4: "
		 "1:12: invalid token near 'tru'");
	mlg_history_release(&h);
	/* archived chunks are not checked again on append */
	record(r, 2, 1795000000);

	/* a broken tip is neither read nor extended */
	paths[0] = "history.jsonl";
	data[0] = "\n{\"commit\":\"0123\"}\n";
	put_tree(r, paths, data, 1);
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 1), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:history.jsonl': line 2: invalid "
		 "commit id '0123'");
	mlg_history_release(&h);
	T_EQ_INT(mlg_history_append(r, &rec, NULL), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:history.jsonl': line 2: invalid "
		 "commit id '0123'");

	/* a gap in the numbering, a folder, a stray name */
	paths[0] = "history.jsonl";
	data[0] = good.ptr;
	paths[1] = "archive/00000004.jsonl";
	data[1] = good.ptr;
	put_tree(r, paths, data, 2);
	T_EQ_INT(mlg_history_read(&h, r), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:archive/00000004.jsonl': unexpected "
		 "entry, expected 'archive/00000003.jsonl'");
	T_EQ_INT(mlg_history_window(&h, r, "HEAD", 1), MLG_EDATA);
	T_EQ_INT(mlg_history_append(r, &rec, NULL), MLG_EDATA);
	mlg_history_release(&h);
	paths[0] = "archive/00000003.jsonl/x";
	put_tree(r, paths, data, 1);
	T_EQ_INT(mlg_history_read(&h, r), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'refs/mlgate/history:archive/00000003.jsonl': unexpected "
		 "entry, expected 'archive/00000003.jsonl'");

	mlg_history_record_release(&rec);
	mlg_buf_release(&good);
	mlg_buf_release(&bad);
	close_repo(r, dir);
}

/* The push race of test_push_race, across a chunk rollover on both
 * sides. */
static void test_push_race_chunks(void)
{
	struct race x;
	struct mlg_git_repo *ra, *rb;
	struct mlg_history h = {0};
	char full[MLG_GIT_HEX], id[MLG_GIT_HEX];

	race_open(&x, "c");
	ra = x.ra;
	rb = x.rb;

	/* a full chunk, pushed, and fetched by B */
	record_n(ra, 0, MLG_HISTORY_CHUNK);
	push_one(ra, MLG_HISTORY_CHUNK - 1, 1795000000, 1);
	t_rev_parse(full, x.a, MLG_HISTORY_REF ":history.jsonl");
	t_sh(x.b, "git fetch -q origin '%s:%s'", MLG_HISTORY_REF,
	     MLG_HISTORY_REF);

	/* both roll over locally; B pushes first, a fast-forward */
	record_n(ra, 10000, 10001);
	record_n(rb, 20000, 20001);
	push_one(rb, 20000, 1795000000, 1);

	/* A is rejected, fetches B's chunked tip, re-appends, pushes */
	push_one(ra, 10000, 1795000000, 2);

	t_sh(t_tmpdir(),
	     "git clone -q --bare '%s' ccheck.git && cd ccheck.git && "
	     "git fetch -q origin '+refs/mlgate/*:refs/mlgate/*' && "
	     "test $(git show %s:history.jsonl | wc -l) = 2 && "
	     "test $(git rev-parse %s:archive/00000001.jsonl) = %s && "
	     "test \"$(git ls-tree -r --name-only %s | tr '\\n' ' ')\" = "
	     "'archive/00000001.jsonl history.jsonl '",
	     x.bare, MLG_HISTORY_REF, MLG_HISTORY_REF, full, MLG_HISTORY_REF);
	t_rev_parse(id, x.a, MLG_HISTORY_REF ":archive/00000001.jsonl");
	T_EQ_STR(id, full);
	T_EQ_INT(mlg_history_read(&h, ra), 0);
	T_EQ_INT(h.n, MLG_HISTORY_CHUNK + 2);
	expect_run(&h, 0, 0, MLG_HISTORY_CHUNK);
	T_EQ_DBL(h.items[MLG_HISTORY_CHUNK].metrics.items[0].value, 20000, 0);
	T_EQ_DBL(h.items[MLG_HISTORY_CHUNK + 1].metrics.items[0].value, 10000,
		 0);
	mlg_history_release(&h);
	race_close(&x);
}

/* ---- the fast line parser against jansson ---- */

/* Both parsers give the same result for `line`: the same record, bit
 * for bit, or the same error. Returns 1 when the fast one took it. */
static int same_parse(const char *line, size_t len)
{
	struct mlg_history_record a, b, f;
	char ma[1024];
	int ra, rb, rf;
	size_t i;

	ra = mlg_history_parse_line(&a, line, len, MLG_HISTORY_PARSE_ANY);
	snprintf(ma, sizeof(ma), "%s", mlg_error_message());
	rb = mlg_history_parse_line(&b, line, len, MLG_HISTORY_PARSE_JSON);
	if (ra != rb)
		t_fail(__FILE__, __LINE__, "'%.*s': %d vs %d (%s)", (int)len,
		       line, ra, rb, ra ? ma : mlg_error_message());
	if (ra) {
		T_EQ_STR(ma, mlg_error_message());
	} else {
		T_EQ_STR(a.commit, b.commit);
		T_EQ_STR(a.time, b.time);
		T_ASSERT(!a.ref == !b.ref && (!a.ref || !strcmp(a.ref, b.ref)));
		T_ASSERT(!a.run == !b.run && (!a.run || !strcmp(a.run, b.run)));
		T_EQ_INT(a.metrics.n, b.metrics.n);
		T_EQ_INT(a.metrics.format, b.metrics.format);
		for (i = 0; i < a.metrics.n; i++) {
			T_EQ_STR(a.metrics.items[i].name,
				 b.metrics.items[i].name);
			if (memcmp(&a.metrics.items[i].value,
				   &b.metrics.items[i].value, sizeof(double)))
				t_fail(__FILE__, __LINE__,
				       "'%.*s': metric %zu: %.17g vs %.17g",
				       (int)len, line, i,
				       a.metrics.items[i].value,
				       b.metrics.items[i].value);
		}
	}
	rf = mlg_history_parse_line(&f, line, len, MLG_HISTORY_PARSE_FAST);
	if (rf) {
		T_EQ_INT(rf, MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), "not a record line as "
					      "mlg_history_format() writes it");
	} else {
		/* the fast path never takes a line jansson refuses */
		T_EQ_INT(ra, 0);
		T_EQ_INT(f.metrics.n, a.metrics.n);
		for (i = 0; i < f.metrics.n; i++)
			T_ASSERT(!memcmp(&f.metrics.items[i].value,
					 &a.metrics.items[i].value,
					 sizeof(double)));
		mlg_history_record_release(&f);
	}
	if (!ra) {
		mlg_history_record_release(&a);
		mlg_history_record_release(&b);
	}
	return !rf;
}

/* A line with one metric `"name":token`, as written by hand (new). */
static char *token_line(const char *name, const char *token)
{
	return mlg_strfmt("{\"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":"
			  "null,\"run\":null,\"metrics\":{%s:%s}}",
			  name, token);
}

/* same_parse() of token_line(). */
static int one_token(const char *name, const char *token)
{
	char *s = token_line(name, token);
	int fast = same_parse(s, strlen(s));

	free(s);
	return fast;
}

static void test_fast_parse_tokens(void)
{
	static const char *const taken[] = {"0",
					    "-0",
					    "-0.0",
					    "0.0",
					    "1",
					    "-1",
					    "0.1",
					    "0.30000000000000004",
					    "123456789012345678",
					    "-123456789012345678",
					    "9007199254740993.0",
					    "1e308",
					    "1.7976931348623157e+308",
					    "-1.7976931348623157E308",
					    "2.2250738585072014e-308",
					    "1E5",
					    "1e+5",
					    "-1.5E-3",
					    "0.000001",
					    "123456789.123456789",
					    "12345678901234567890.5",
					    "1.00000000000000000000000001",
					    "0.1e1",
					    "5e-324x"};
	static const char *const jansson[] = {
		"1234567890123456789", "-9223372036854775808", "4.9e-324",
		"1e-400", "2.4703282292062327e-324"};
	static const char *const refused[] = {"NaN",
					      "nan",
					      "Infinity",
					      "-Infinity",
					      "inf",
					      "+1",
					      ".5",
					      "5.",
					      "01",
					      "-01",
					      "1e",
					      "1e+",
					      "-",
					      "0x10",
					      "--1",
					      "1.5.2",
					      "1e5e5",
					      "true",
					      "null",
					      "\"1\"",
					      "[1]",
					      "{}",
					      "",
					      "1 ",
					      "99999999999999999999",
					      "1e309",
					      "-1e309"};
	size_t i;

	/* the last of taken is refused: '5e-324x' is not a number */
	for (i = 0; i + 1 < MLG_ARRAY_SIZE(taken); i++)
		if (!one_token("\"m\"", taken[i]))
			t_fail(__FILE__, __LINE__, "'%s' not fast", taken[i]);
	T_EQ_INT(one_token("\"m\"", taken[i]), 0);
	/* valid, but left to jansson: long integers, ERANGE */
	for (i = 0; i < MLG_ARRAY_SIZE(jansson); i++)
		T_EQ_INT(one_token("\"m\"", jansson[i]), 0);
	for (i = 0; i < MLG_ARRAY_SIZE(refused); i++) {
		struct mlg_history_record rec;
		char *s = token_line("\"m\"", refused[i]);

		/* "1 " is valid JSON with a space: jansson takes it */
		if (strcmp(refused[i], "1 ") &&
		    mlg_history_parse_line(&rec, s, strlen(s),
					   MLG_HISTORY_PARSE_ANY) !=
			    MLG_EINVALID)
			t_fail(__FILE__, __LINE__, "'%s' was taken",
			       refused[i]);
		T_EQ_INT(one_token("\"m\"", refused[i]), 0);
		free(s);
	}
}

static void test_fast_parse_strings(void)
{
	static const char *const taken[] = {"\"m\"",
					    "\"\"",
					    "\"a b/c.d:e,f{g}h[i]\"",
					    "\"\xc3\xa9t\xc3\xa9\"",
					    "\"\xf0\x9f\x98\x80\"",
					    "\"~!@#$%^&*()\""};
	static const char *const escaped[] = {
		"\"\\u00e9\"",	      "\"a\\\"b\"", "\"a\\\\b\"", "\"a\\nb\"",
		"\"\\ud83d\\ude00\"", "\"a\\/b\"",  "\"\\u0000\""};
	static const char *const bad[] = {
		"\"\xff\"",  "\"\xc3\"", "\"\xed\xa0\x80\"",
		"\"a\x01\"", "\"a\tb\"", "\"\\ud83d\"",
		"\"\\x41\"", "m",	 "\"m"};
	static const char full[] =
		"{\"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":\"main\","
		"\"run\":\"https://ci/1\",\"metrics\":{}}";
	/* lines the fast path leaves to jansson */
	static const char *const slow[] = {
		"{ \"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":null,"
		"\"run\":null,\"metrics\":{\"a\":1}}\r",
		"{\"time\":\"t\",\"commit\":\"" HEXID "\",\"ref\":null,"
		"\"run\":null,\"metrics\":{\"a\":1}}",
		"{\"commit\":\"" HEXID "\",\"time\":null,\"ref\":null,"
		"\"run\":null,\"metrics\":{}}",
		"{\"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":null,"
		"\"run\":null,\"metrics\":{},\"x\":1}",
		("{\"commit\":\"0123456789abcdef0123456789abcdef0123456G\","
		 "\"time\":\"t\",\"ref\":null,\"run\":null,\"metrics\":{}}"),
		"",
		"{"};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(taken); i++)
		if (!one_token(taken[i], "1.5"))
			t_fail(__FILE__, __LINE__, "%s not fast", taken[i]);
	for (i = 0; i < MLG_ARRAY_SIZE(escaped); i++)
		T_EQ_INT(one_token(escaped[i], "1.5"), 0);
	for (i = 0; i < MLG_ARRAY_SIZE(bad); i++)
		T_EQ_INT(one_token(bad[i], "1.5"), 0);
	/* a NUL byte inside the line */
	T_EQ_INT(same_parse("{\"commit\":\"0\0\"}", 15), 0);
	/* duplicate names: jansson refuses them, so must the fast path */
	T_EQ_INT(one_token("\"m\"", "1,\"n\":2,\"m\":3"), 0);
	T_EQ_INT(one_token("\"m\"", "1,\"n\":2,\"o\":3"), 1);
	/* structure: whitespace, order, keys, ref and run */
	T_EQ_INT(same_parse(full, strlen(full)), 1);
	T_EQ_INT(same_parse(full, strlen(full) - 1), 0);
	for (i = 0; i < MLG_ARRAY_SIZE(slow); i++)
		T_EQ_INT(same_parse(slow[i], strlen(slow[i])), 0);
}

/* A random double from all bit patterns but NaN and infinities. */
static double rand_double(uint64_t *st)
{
	uint64_t u;
	double d;

	do {
		*st = *st * 6364136223846793005u + 1442695040888963407u;
		u = *st ^ (*st >> 29);
		memcpy(&d, &u, sizeof(d));
	} while (!isfinite(d));
	return d;
}

static void test_fast_parse_random(void)
{
	static const char *const names[] = {
		"acc",		 "latency_ms", "\xc3\xa9t\xc3\xa9", "a\"q",
		"b\\s",		 "tab\tx",     "model.m001_auc",    "",
		"\xe2\x82\xac/x"};
	struct mlg_history_record rec = {0};
	struct mlg_buf line = MLG_BUF_INIT;
	uint64_t st = 42;
	int i, k, fast = 0, plain = 0;
	char *p;

	memcpy(rec.commit, HEXID, MLG_GIT_HEX);
	rec.time = mlg_strdup("2026-01-01T00:00:00Z");
	rec.metrics.format = MLG_METRICS_JSON;
	for (i = 0; i < 3000; i++) {
		mlg_metrics_release(&rec.metrics);
		rec.metrics.format = MLG_METRICS_JSON;
		free(rec.ref);
		rec.ref = i % 3 ? mlg_strdup("main") : NULL;
		plain = 1;
		for (k = 0; k < 12; k++) {
			double v;

			switch (k % 4) {
			case 0:
				v = rand_double(&st);
				break;
			case 1:
				v = (double)(int64_t)(st >> (k + i % 40));
				break;
			case 2:
				v = (double)(st % 1000000) / 1e6;
				break;
			default:
				v = ldexp(rand_double(&st) > 0 ? 1 : -1,
					  (int)(st % 2100) - 1074);
			}
			/* a third of the lines has names jansson must read */
			if (k < 9 && i % 3 == 0) {
				p = mlg_strfmt("%s%d", names[(i + k) % 9], k);
				if (strpbrk(names[(i + k) % 9], "\"\\\t"))
					plain = 0;
			} else {
				p = mlg_strfmt("%s%d",
					       names[(i + k) % 3 ? 2 : 6], k);
			}
			/* strtod flags subnormals ERANGE: left to jansson */
			if (fpclassify(v) == FP_SUBNORMAL)
				plain = 0;
			one_metric(&rec.metrics, p, v);
			free(p);
			rand_double(&st);
		}
		mlg_buf_reset(&line);
		T_EQ_INT(mlg_history_format(&line, &rec), 0);
		T_EQ_INT(line.ptr[line.len - 1], '\n');
		k = same_parse(line.ptr, line.len - 1);
		fast += k;
		if (plain && !k)
			t_fail(__FILE__, __LINE__, "not fast: %s", line.ptr);
		/* and as %.17g, the other way numbers are written */
		mlg_buf_reset(&line);
		mlg_buf_addf(
			&line,
			"{\"commit\":\"" HEXID "\",\"time\":\"t\",\"ref\":null,"
			"\"run\":null,\"metrics\":{\"a\":%.17g,\"b\":%.17g}}",
			rec.metrics.items[0].value, rec.metrics.items[3].value);
		same_parse(line.ptr, line.len);
	}
	T_ASSERT(fast > 1000);
	/* one huge line */
	mlg_metrics_release(&rec.metrics);
	for (k = 0; k < 20000; k++) {
		p = mlg_strfmt("metric_%d", k);
		one_metric(&rec.metrics, p, k / 7.0 - 1000);
		free(p);
	}
	mlg_buf_reset(&line);
	T_EQ_INT(mlg_history_format(&line, &rec), 0);
	T_EQ_INT(same_parse(line.ptr, line.len - 1), 1);
	mlg_buf_release(&line);
	mlg_history_record_release(&rec);
}

MLG_TESTS(T(test_record_three), T(test_no_history), T(test_parse_errors),
	  T(test_pr_refused), T(test_push_race), T(test_chunk_rollover),
	  T(test_chunk_ancestry), T(test_legacy_history), T(test_legacy_short),
	  T(test_corrupt_chunk), T(test_push_race_chunks),
	  T(test_fast_parse_tokens), T(test_fast_parse_strings),
	  T(test_fast_parse_random));
