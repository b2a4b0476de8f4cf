#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/git.h"
#include "mlgate/util.h"
#include "test.h"

static char repo[512];

/*
 * main:    c1 (acc 0.9) - c2 (acc 0.91) - c4 (acc 0.95)
 * feature:                 \- c3 (acc 0.8)            <- HEAD
 */
static void make_repo(void)
{
	static int done;

	if (done)
		return;
	t_git_env();
	snprintf(repo, sizeof(repo), "%s/repo", t_tmpdir());
	T_EQ_INT(mkdir(repo, 0777), 0);
	t_sh(repo, "git init -q -b main . && mkdir sub && "
		   "echo '{\"acc\": 0.9}' > sub/m.json && git add . && "
		   "git commit -q -m c1");
	t_sh(repo,
	     "echo '{\"acc\": 0.91}' > sub/m.json && "
	     "printf 'a\\000b' > bin && git add . && git commit -q -m c2");
	t_sh(repo,
	     "git checkout -q -b feature && echo '{\"acc\": 0.8}' > sub/m.json "
	     "&& git commit -q -am c3");
	t_sh(repo,
	     "git checkout -q main && echo '{\"acc\": 0.95}' > sub/m.json && "
	     "git commit -q -am c4 && git checkout -q feature");
	done = 1;
}

static struct mlg_git_repo *open_repo(void)
{
	struct mlg_git_repo *r = NULL;

	make_repo();
	T_EQ_INT(mlg_git_init(), 0);
	if (mlg_git_open(&r, repo))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	return r;
}

static void done_repo(struct mlg_git_repo *r)
{
	mlg_git_close(r);
	mlg_git_shutdown();
}

static void test_read_blob_at(void)
{
	struct mlg_git_repo *r = open_repo();
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "sub/m.json", 0), 0);
	T_EQ_STR(b.ptr, "{\"acc\": 0.95}\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "HEAD", "sub/m.json", 0), 0);
	T_EQ_STR(b.ptr, "{\"acc\": 0.8}\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "HEAD~2", "sub/m.json", 0), 0);
	T_EQ_STR(b.ptr, "{\"acc\": 0.9}\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "bin", 0), 0);
	T_EQ_INT(b.len, 3);
	T_ASSERT(!memcmp(b.ptr, "a\0b", 3));
	mlg_buf_reset(&b);
	/* the working tree is not read: an uncommitted change is ignored */
	t_sh(repo, "echo '{\"acc\": 0.1}' > sub/m.json");
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "HEAD", "sub/m.json", 0), 0);
	T_EQ_STR(b.ptr, "{\"acc\": 0.8}\n");
	t_sh(repo, "git checkout -q -- sub/m.json");
	mlg_buf_release(&b);
	done_repo(r);
}

static void test_read_blob_errors(void)
{
	struct mlg_git_repo *r = open_repo();
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "nothere.json", 0),
		 MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(), "'nothere.json' does not exist at "
				      "'main'");
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "sub/x/y.json", 0),
		 MLG_ENOTFOUND);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "sub", 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'sub' at 'main' is not a file");
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "nope", "sub/m.json", 0),
		 MLG_ERROR);
	T_ASSERT(mlg_starts_with(mlg_error_message(),
				 "cannot resolve revision 'nope': "));
	T_EQ_INT(mlg_error_last()->code, MLG_ERROR);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "", "sub/m.json", 0), MLG_ERROR);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "sub/m.json", 13),
		 MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "'sub/m.json' at 'main' is larger than 13 bytes");
	T_EQ_INT(mlg_git_read_blob_at(&b, r, "main", "sub/m.json", 14), 0);
	mlg_buf_release(&b);
	done_repo(r);
}

static void test_merge_base(void)
{
	struct mlg_git_repo *r = open_repo();
	struct mlg_buf b = MLG_BUF_INIT;
	char hex[MLG_GIT_HEX], want[MLG_GIT_HEX];

	t_rev_parse(want, repo, "main~1");
	T_EQ_INT(mlg_git_merge_base(hex, r, "HEAD", "refs/heads/main"), 0);
	T_EQ_STR(hex, want);
	T_EQ_INT(mlg_git_read_blob_at(&b, r, hex, "sub/m.json", 0), 0);
	T_EQ_STR(b.ptr, "{\"acc\": 0.91}\n");
	T_EQ_INT(mlg_git_merge_base(hex, r, "HEAD", "nope"), MLG_ERROR);
	T_ASSERT(mlg_starts_with(mlg_error_message(),
				 "cannot resolve revision 'nope': "));
	/* unrelated history */
	t_sh(repo, "git checkout -q --orphan lone && git commit -q -m lone && "
		   "git checkout -q feature");
	T_EQ_INT(mlg_git_merge_base(hex, r, "HEAD", "lone"), MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(),
		 "no merge base between 'HEAD' and 'lone'");
	mlg_buf_release(&b);
	done_repo(r);
}

static void test_branch_ref(void)
{
	struct mlg_git_repo *r = open_repo();
	char *ref = NULL;

	T_EQ_INT(mlg_git_branch_ref(&ref, r, "main"), 0);
	T_EQ_STR(ref, "refs/heads/main");
	free(ref);
	t_sh(repo, "git update-ref refs/remotes/origin/release main~1");
	T_EQ_INT(mlg_git_branch_ref(&ref, r, "release"), 0);
	T_EQ_STR(ref, "refs/remotes/origin/release");
	free(ref);
	T_EQ_INT(mlg_git_branch_ref(&ref, r, "develop"), MLG_ENOTFOUND);
	T_ASSERT(ref == NULL);
	T_EQ_STR(mlg_error_message(),
		 "branch 'develop' not found (tried refs/heads/develop and "
		 "refs/remotes/origin/develop)");
	done_repo(r);
}

static void test_rel_path(void)
{
	struct mlg_git_repo *r = open_repo();
	char *p = NULL, *path;

	path = mlg_strfmt("%s/sub/../sub/m.json", repo);
	T_EQ_INT(mlg_git_rel_path(&p, r, path), 0);
	T_EQ_STR(p, "sub/m.json");
	free(p);
	free(path);
	path = mlg_strfmt("%s/nothere.json", repo);
	T_EQ_INT(mlg_git_rel_path(&p, r, path), MLG_ENOTFOUND);
	T_ASSERT(p == NULL);
	free(path);
	path = mlg_strfmt("%s/outside.json", t_tmpdir());
	t_sh(repo, "touch '%s'", path);
	T_EQ_INT(mlg_git_rel_path(&p, r, path), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "' is outside the working tree '");
	free(path);
	done_repo(r);
}

static void test_open_errors(void)
{
	struct mlg_git_repo *r = (struct mlg_git_repo *)&r;
	char *dir = mlg_strfmt("%s/plain", t_tmpdir());

	make_repo();
	T_EQ_INT(mlg_git_init(), 0);
	t_sh(repo, "mkdir -p '%s'", dir);
	T_EQ_INT(mlg_git_open(&r, dir), MLG_ENOTFOUND);
	T_ASSERT(r == NULL);
	T_ASSERT(
		mlg_starts_with(mlg_error_message(), "no git repository at '"));
	mlg_git_close(NULL);
	free(dir);
	mlg_git_shutdown();
}

static void test_commit_edits(void)
{
	struct mlg_git_repo *r = open_repo();
	struct mlg_git_tree t = {0};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_git_tree_edit e[3];
	char c1[MLG_GIT_HEX], c2[MLG_GIT_HEX], id[MLG_GIT_HEX];
	char keep[MLG_GIT_HEX];

	memset(e, 0, sizeof(e));
	e[0].path = "top.txt";
	e[0].data = "a\n";
	e[0].len = 2;
	e[1].path = "d/x/one";
	e[1].data = "1";
	e[1].len = 1;
	T_EQ_INT(mlg_git_commit_edits(c1, r, "refs/t/edits", NULL, e, 2, "m"),
		 0);
	T_EQ_INT(mlg_git_list_tree(&t, r, c1, ""), 0);
	T_EQ_INT(t.n, 2);
	T_EQ_STR(t.items[0].name, "d");
	T_EQ_INT(t.items[0].is_blob, 0);
	T_EQ_STR(t.items[1].name, "top.txt");
	T_EQ_INT(t.items[1].is_blob, 1);
	memcpy(keep, t.items[1].id, MLG_GIT_HEX);
	mlg_git_tree_release(&t);
	T_EQ_INT(mlg_git_read_blob(&b, r, keep, "top", 0), 0);
	T_EQ_STR(b.ptr, "a\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_git_read_blob(&b, r, keep, "top", 1), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(), "'top' is larger than 1 bytes");

	/* on top: an existing blob by id, a new one, the rest kept */
	e[0].path = "d/x/two";
	e[0].id = keep;
	e[1].path = "top.txt";
	e[1].data = "b\n";
	T_EQ_INT(mlg_git_commit_edits(c2, r, "refs/t/edits", c1, e, 2, "m"), 0);
	t_rev_parse(id, repo, "refs/t/edits:d/x/two");
	T_EQ_STR(id, keep);
	t_rev_parse(id, repo, "refs/t/edits~1");
	T_EQ_STR(id, c1);
	T_EQ_INT(mlg_git_list_tree(&t, r, "refs/t/edits", "d/x"), 0);
	T_EQ_INT(t.n, 2);
	T_EQ_STR(t.items[0].name, "one");
	T_EQ_STR(t.items[1].name, "two");
	mlg_git_tree_release(&t);
	T_EQ_INT(mlg_git_read_blob(&b, r, c2, "c", 0), MLG_EINVALID);
	T_ASSERT(mlg_starts_with(mlg_error_message(), "'c': "));
	T_CONTAINS(mlg_error_message(), " is not a blob");
	T_EQ_INT(mlg_git_list_tree(&t, r, c2, "nope"), MLG_ENOTFOUND);
	T_EQ_INT(mlg_git_list_tree(&t, r, c2, "top.txt"), MLG_EINVALID);
	T_ASSERT(mlg_starts_with(mlg_error_message(), "'top.txt' at '"));
	T_CONTAINS(mlg_error_message(), "' is not a folder");

	/* compare-and-swap: the ref is at c2 now, not c1 */
	T_EQ_INT(mlg_git_commit_edits(id, r, "refs/t/edits", c1, e, 1, "m"),
		 MLG_ERROR);
	T_ASSERT(mlg_starts_with(mlg_error_message(),
				 "cannot update 'refs/t/edits': "));
	e[0].path = "a//b";
	T_EQ_INT(mlg_git_commit_edits(id, r, "refs/t/edits", c2, e, 1, "m"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid tree path 'a//b'");
	e[0].path = "../b";
	T_EQ_INT(mlg_git_commit_edits(id, r, "refs/t/edits", c2, e, 1, "m"),
		 MLG_EINVALID);
	e[0].path = "b";
	e[0].id = "xyz";
	T_EQ_INT(mlg_git_commit_edits(id, r, "refs/t/edits", c2, e, 1, "m"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid object id 'xyz'");
	t_rev_parse(id, repo, "refs/t/edits");
	T_EQ_STR(id, c2);
	mlg_buf_release(&b);
	done_repo(r);
}

static void test_ancestry(void)
{
	struct mlg_git_repo *r = open_repo();
	struct mlg_git_ancestry *a = NULL;
	char main_[MLG_GIT_HEX], c[4][MLG_GIT_HEX];
	static const char *const revs[4] = {"main~2", "main~1", "main",
					    "feature"};
	int i, yes, want;

	t_rev_parse(main_, repo, "main");
	for (i = 0; i < 4; i++)
		t_rev_parse(c[i], repo, revs[i]);
	T_EQ_INT(mlg_git_ancestry_new(&a, r, main_), 0);
	/* asked twice, in both orders: the walk and the set agree */
	for (i = 0; i < 8; i++) {
		want = (i % 4) != 3;
		T_EQ_INT(mlg_git_ancestry_check(&yes, a, c[i % 4]), 0);
		T_EQ_INT(yes, want);
	}
	T_EQ_INT(mlg_git_ancestry_check(
			 &yes, a, "0000000000000000000000000000000000000001"),
		 0);
	T_EQ_INT(yes, 0);
	T_EQ_INT(mlg_git_ancestry_check(&yes, a, "zz"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid object id 'zz'");
	mlg_git_ancestry_free(a);
	mlg_git_ancestry_free(NULL);
	T_EQ_INT(mlg_git_ancestry_new(&a, r, "nothex"), MLG_EINVALID);
	T_ASSERT(a == NULL);
	done_repo(r);
}

MLG_TESTS(T(test_read_blob_at), T(test_read_blob_errors), T(test_merge_base),
	  T(test_branch_ref), T(test_rel_path), T(test_open_errors),
	  T(test_commit_edits), T(test_ancestry));
