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

MLG_TESTS(T(test_read_blob_at), T(test_read_blob_errors), T(test_merge_base),
	  T(test_branch_ref), T(test_rel_path), T(test_open_errors));
