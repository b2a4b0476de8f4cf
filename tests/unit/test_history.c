#include <stdarg.h>
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
	mlg_git_close(r);
	mlg_git_shutdown();
	free(dir);
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
	mlg_git_close(r);
	mlg_git_shutdown();
	free(dir);
}

static void test_parse_errors(void)
{
	static const char c[] = "0123456789abcdef0123456789abcdef01234567";
	struct mlg_history h = {0};
	char *s;

	T_EQ_INT(mlg_history_parse(&h, "h", "", 0), 0);
	T_EQ_INT(mlg_history_parse(&h, "h", "\n \n", 3), 0);
	T_EQ_INT(h.n, 0);
	s = mlg_strfmt("{\"commit\":\"%s\",\"time\":\"t\",\"ref\":null,"
		       "\"run\":null,\"metrics\":{\"a\":1}}\n\n{",
		       c);
	T_EQ_INT(mlg_history_parse(&h, "h", s, strlen(s)), MLG_EDATA);
	T_ASSERT(mlg_starts_with(mlg_error_message(), "'h': line 3: "));
	T_EQ_INT(h.n, 1);
	mlg_history_release(&h);
	free(s);
	s = mlg_strfmt("{\"commit\":\"%.39s\",\"time\":\"t\",\"metrics\":{}}",
		       c);
	T_EQ_INT(mlg_history_parse(&h, "h", s, strlen(s)), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: invalid commit id "
		 "'0123456789abcdef0123456789abcdef0123456'");
	free(s);
	s = mlg_strfmt("{\"commit\":\"%s\",\"time\":\"t\",\"metrics\":"
		       "{\"a\":\"x\"}}",
		       c);
	T_EQ_INT(mlg_history_parse(&h, "h", s, strlen(s)), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: metric 'a' is not a number");
	free(s);
	s = mlg_strfmt("{\"commit\":\"%s\",\"time\":\"t\",\"x\":1}", c);
	T_EQ_INT(mlg_history_parse(&h, "h", s, strlen(s)), MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "unknown property 'x'");
	free(s);
	s = mlg_strfmt("{\"commit\":\"%s\",\"time\":\"t\"}", c);
	T_EQ_INT(mlg_history_parse(&h, "h", s, strlen(s)), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "'h': line 1: /metrics: expected an object, found nothing");
	free(s);
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

/*
 * Two clones of one bare remote record concurrently: B pushes first, so
 * A's push is not a fast-forward; A must fetch, re-append and push.
 */
static void test_push_race(void)
{
	char *a = new_repo("race-a"), *bare, *b;
	struct mlg_git_repo *ra, *rb;
	struct mlg_metric_set m = {0};
	struct mlg_history_record rec;
	struct mlg_history h = {0};
	int attempts = 0;

	bare = mlg_strfmt("%s/remote.git", t_tmpdir());
	b = mlg_strfmt("%s/race-b", t_tmpdir());
	t_sh(t_tmpdir(), "git init -q --bare -b main remote.git");
	t_sh(a, "git remote add origin '%s' && git push -q origin main", bare);
	t_sh(t_tmpdir(), "git clone -q '%s' race-b", bare);
	ra = open_at(a);
	rb = open_at(b);

	/* the first record creates the remote ref */
	record(ra, 0.1, 1795000000);
	one_metric(&m, "acc", 0.1);
	T_EQ_INT(mlg_history_record_init(&rec, ra, &m, 1795000000), 0);
	T_EQ_INT(mlg_history_push(ra, "origin", &rec, 3, &attempts), 0);
	T_EQ_INT(attempts, 1);
	mlg_history_record_release(&rec);

	/* A records locally; B records, fetches nothing, and pushes: its
	 * ref has no common history with the remote's, so B retries */
	record(ra, 0.2, 1795000001);
	record(rb, 0.3, 1795000002);
	mlg_metrics_release(&m);
	one_metric(&m, "acc", 0.3);
	T_EQ_INT(mlg_history_record_init(&rec, rb, &m, 1795000002), 0);
	T_EQ_INT(mlg_history_push(rb, "origin", &rec, 3, &attempts), 0);
	T_EQ_INT(attempts, 2);
	mlg_history_record_release(&rec);

	/* now A's push is rejected: fetch, re-append 0.2, push */
	mlg_metrics_release(&m);
	one_metric(&m, "acc", 0.2);
	T_EQ_INT(mlg_history_record_init(&rec, ra, &m, 1795000001), 0);
	T_EQ_INT(mlg_history_push(ra, "origin", &rec, 3, &attempts), 0);
	T_EQ_INT(attempts, 2);
	mlg_history_record_release(&rec);

	/* the remote ref holds all three, in push order */
	t_sh(t_tmpdir(),
	     "git clone -q --bare '%s' check.git && cd check.git && "
	     "git fetch -q origin '+refs/mlgate/*:refs/mlgate/*' && "
	     "test $(git show refs/mlgate/history:history.jsonl | "
	     "wc -l) = 3",
	     bare);
	T_EQ_INT(mlg_history_read(&h, ra), 0);
	T_EQ_INT(h.n, 3);
	T_EQ_DBL(h.items[0].metrics.items[0].value, 0.1, 0);
	T_EQ_DBL(h.items[1].metrics.items[0].value, 0.3, 0);
	T_EQ_DBL(h.items[2].metrics.items[0].value, 0.2, 0);
	mlg_history_release(&h);

	/* no retries allowed: a rejection is an error */
	record(rb, 0.4, 1795000003);
	mlg_metrics_release(&m);
	one_metric(&m, "acc", 0.4);
	T_EQ_INT(mlg_history_record_init(&rec, rb, &m, 1795000003), 0);
	T_EQ_INT(mlg_history_push(rb, "origin", &rec, 0, &attempts), MLG_ERROR);
	T_EQ_INT(attempts, 1);
	T_EQ_STR(mlg_error_message(), "push of 'refs/mlgate/history' to "
				      "'origin' rejected 1 times");
	mlg_history_record_release(&rec);

	mlg_metrics_release(&m);
	mlg_git_close(ra);
	mlg_git_close(rb);
	mlg_git_shutdown();
	mlg_git_shutdown();
	free(a);
	free(b);
	free(bare);
}

MLG_TESTS(T(test_record_three), T(test_no_history), T(test_parse_errors),
	  T(test_pr_refused), T(test_push_race));
