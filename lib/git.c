/* git.c - libgit2 setup, error conversion and reading history */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/git.h"
#include "mlgate/util.h"

int mlg_git_init(void)
{
	int rc = git_libgit2_init();

	return rc < 0 ? mlg_git_error(rc, "cannot initialise libgit2") : 0;
}

void mlg_git_shutdown(void)
{
	git_libgit2_shutdown();
}

int mlg_git_error(int git_rc, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown git error";
	int code = MLG_ERROR;

	if (git_rc == GIT_ENOTFOUND)
		code = MLG_ENOTFOUND;
	else if (e &&
		 (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_HTTP ||
		  e->klass == GIT_ERROR_SSH || e->klass == GIT_ERROR_SSL))
		code = MLG_ENETWORK;
	return mlg_error_set(code, "%s: %s", what, msg);
}

struct mlg_git_repo {
	git_repository *repo;
};

int mlg_git_open(struct mlg_git_repo **out, const char *path)
{
	git_repository *repo = NULL;
	struct mlg_buf what = MLG_BUF_INIT;
	int rc;

	*out = NULL;
	rc = git_repository_open_ext(&repo, path, 0, NULL);
	if (rc < 0) {
		mlg_buf_addf(&what, "no git repository at '%s'", path);
		rc = mlg_git_error(rc, what.ptr);
		mlg_buf_release(&what);
		return rc;
	}
	*out = mlg_malloc(sizeof(**out));
	(*out)->repo = repo;
	return 0;
}

void mlg_git_close(struct mlg_git_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->repo);
	free(r);
}

int mlg_git_rel_path(char **out, struct mlg_git_repo *r, const char *path)
{
	const char *wd = git_repository_workdir(r->repo);
	char *file = NULL, *root = NULL;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!wd)
		return mlg_error_set(MLG_EINVALID,
				     "the repository of '%s' has no working "
				     "tree",
				     path);
	if (!(file = realpath(path, NULL))) {
		rc = mlg_error_errno(errno, "cannot resolve '%s'", path);
		goto done;
	}
	if (!(root = realpath(wd, NULL))) {
		rc = mlg_error_errno(errno, "cannot resolve '%s'", wd);
		goto done;
	}
	n = strlen(root);
	/* realpath() gives "/" alone for the file system root */
	if (n == 1)
		n = 0;
	if (strncmp(file, root, n) || file[n] != '/' || !file[n + 1]) {
		rc = mlg_error_set(MLG_EINVALID,
				   "'%s' is outside the working tree '%s'",
				   path, root);
		goto done;
	}
	*out = mlg_strdup(file + n + 1);
done:
	free(file);
	free(root);
	return rc;
}

static int resolve(git_commit **out, struct mlg_git_repo *r, const char *rev)
{
	git_object *obj = NULL;
	int rc;

	*out = NULL;
	rc = git_revparse_single(&obj, r->repo, rev);
	if (rc >= 0) {
		rc = git_object_peel((git_object **)out, obj,
				     GIT_OBJECT_COMMIT);
		git_object_free(obj);
	}
	if (rc < 0) {
		const git_error *e = git_error_last();

		/* an unknown revision is a broken pipeline (a shallow clone,
		 * a missing fetch), not an absent baseline file: MLG_ERROR
		 * even for GIT_ENOTFOUND */
		return mlg_error_set(
			MLG_ERROR, "cannot resolve revision '%s': %s", rev,
			e && e->message ? e->message : "unknown git error");
	}
	return 0;
}

int mlg_git_read_blob_at(struct mlg_buf *out, struct mlg_git_repo *r,
			 const char *rev, const char *path, size_t max)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	int rc;

	if ((rc = resolve(&commit, r, rev)))
		return rc;
	if ((rc = git_commit_tree(&tree, commit)) < 0) {
		rc = mlg_git_error(rc, "cannot read tree");
		goto done;
	}
	if (git_tree_entry_bypath(&entry, tree, path) < 0) {
		rc = mlg_error_set(MLG_ENOTFOUND, "'%s' does not exist at '%s'",
				   path, rev);
		goto done;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = mlg_error_set(MLG_EINVALID, "'%s' at '%s' is not a file",
				   path, rev);
		goto done;
	}
	if ((rc = git_blob_lookup(&blob, r->repo, git_tree_entry_id(entry))) <
	    0) {
		rc = mlg_git_error(rc, "cannot read blob");
		goto done;
	}
	size = git_blob_rawsize(blob);
	if (max && size > max) {
		rc = mlg_error_set(MLG_ELIMIT,
				   "'%s' at '%s' is larger than %zu bytes",
				   path, rev, max);
		goto done;
	}
	rc = mlg_buf_add(out, git_blob_rawcontent(blob), (size_t)size);
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

int mlg_git_branch_ref(char **out, struct mlg_git_repo *r, const char *branch)
{
	static const char *const pre[] = {"refs/heads/",
					  "refs/remotes/origin/"};
	git_reference *ref;
	size_t i;

	*out = NULL;
	for (i = 0; i < 2; i++) {
		char *name = mlg_strfmt("%s%s", pre[i], branch);

		if (git_reference_lookup(&ref, r->repo, name) >= 0) {
			git_reference_free(ref);
			*out = name;
			return 0;
		}
		free(name);
	}
	return mlg_error_set(MLG_ENOTFOUND,
			     "branch '%s' not found (tried refs/heads/%s and "
			     "refs/remotes/origin/%s)",
			     branch, branch, branch);
}

int mlg_git_merge_base(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		       const char *a, const char *b)
{
	git_commit *ca = NULL, *cb = NULL;
	git_oid base;
	int rc;

	if ((rc = resolve(&ca, r, a)) || (rc = resolve(&cb, r, b)))
		goto done;
	rc = git_merge_base(&base, r->repo, git_commit_id(ca),
			    git_commit_id(cb));
	if (rc == GIT_ENOTFOUND) {
		rc = mlg_error_set(MLG_ENOTFOUND,
				   "no merge base between '%s' and '%s'", a, b);
		goto done;
	}
	if (rc < 0) {
		rc = mlg_git_error(rc, "cannot find the merge base");
		goto done;
	}
	git_oid_tostr(out, MLG_GIT_HEX, &base);
	rc = 0;
done:
	git_commit_free(ca);
	git_commit_free(cb);
	return rc;
}
