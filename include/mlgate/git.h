/*
 * git.h - libgit2, initialised once and its errors converted here
 *
 * The one place git2.h is included. Gates that read history (perf-gate)
 * or move refs (promote) build on these.
 */
#ifndef MLGATE_GIT_H
#define MLGATE_GIT_H

#include <stddef.h>

/*
 * Initialise and shut down libgit2, once for the process (not thread
 * safe: call from the main thread). mlg_git_open() initialises on first
 * use; calling either twice is harmless.
 */
int mlg_git_init(void);
void mlg_git_shutdown(void);

/*
 * Convert a libgit2 return code into an MLG_E* code with libgit2's last
 * message: "<what>: <libgit2 message>". GIT_ENOTFOUND becomes
 * MLG_ENOTFOUND; network classes MLG_ENETWORK; the rest MLG_ERROR.
 */
int mlg_git_error(int git_rc, const char *what);

/* ---- reading history without a checkout ---- */

struct mlg_buf;

/* An open repository (opaque). */
struct mlg_git_repo;

/* Hex digits of an object id, plus the terminator. */
#define MLG_GIT_HEX 41

/*
 * Open the repository that contains `path` (a file or folder), searching
 * upwards as git does. `*out` is a new handle closed with
 * mlg_git_close(), NULL on failure. Errors: MLG_ENOTFOUND "no git
 * repository at '<path>': <libgit2 message>", MLG_ERROR for the rest.
 */
int mlg_git_open(struct mlg_git_repo **out, const char *path);
void mlg_git_close(struct mlg_git_repo *r);

/*
 * The path of the existing file `path` relative to the root of the
 * working tree of `r`, with '/' separators: a new string in `*out`.
 * Both sides are resolved with realpath(3) first, so symbolic links and
 * "../" do not matter. Errors: MLG_ENOTFOUND "cannot resolve '<path>':
 * <strerror>", MLG_EINVALID "'<path>' is outside the working tree
 * '<root>'" (or "... has no working tree" for a bare repository).
 */
int mlg_git_rel_path(char **out, struct mlg_git_repo *r, const char *path);

/*
 * Append the content of `path` (relative to the root, '/' separators) in
 * the tree of the commit `rev` (anything git rev-parse takes: a branch,
 * tag, "HEAD~2", an id) to `out`, at most `max` bytes (0: no limit),
 * without touching the working tree or the index. Errors:
 *   MLG_ERROR	"cannot resolve revision '<rev>': <libgit2 message>"
 *   MLG_ENOTFOUND	"'<path>' does not exist at '<rev>'"
 *   MLG_EINVALID	"'<path>' at '<rev>' is not a file"
 *   MLG_ELIMIT	"'<path>' at '<rev>' is larger than <max> bytes"
 * O(size of the blob).
 */
int mlg_git_read_blob_at(struct mlg_buf *out, struct mlg_git_repo *r,
			 const char *rev, const char *path, size_t max);

/*
 * Find the ref of branch `branch`: "refs/heads/<branch>" when it exists,
 * else "refs/remotes/origin/<branch>". A new string in `*out`.
 * MLG_ENOTFOUND "branch '<branch>' not found (tried refs/heads/<branch>
 * and refs/remotes/origin/<branch>)" when neither exists.
 */
int mlg_git_branch_ref(char **out, struct mlg_git_repo *r, const char *branch);

/*
 * The merge base of the commits `a` and `b` (revisions as above) as hex
 * in `out`. Errors: "cannot resolve revision '<rev>': ..." (MLG_ERROR),
 * MLG_ENOTFOUND "no merge base between '<a>' and '<b>'".
 */
int mlg_git_merge_base(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		       const char *a, const char *b);

/* ---- refs and commits for data kept in git (history.h) ---- */

/*
 * The commit id of the revision `rev` as hex in `out`. Errors:
 * MLG_ERROR "cannot resolve revision '<rev>': <libgit2 message>".
 */
int mlg_git_resolve(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		    const char *rev);

/*
 * The target of the reference `ref` ("refs/mlgate/history") as hex in
 * `out`. MLG_ENOTFOUND "reference '<ref>' not found" when it does not
 * exist (no message is needed by callers that treat it as empty),
 * MLG_ERROR for the rest.
 */
int mlg_git_ref_read(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		     const char *ref);

/*
 * The branch HEAD points at ("main"), a new string in `*out`, or NULL
 * when HEAD is detached or unborn. Never fails.
 */
void mlg_git_head_branch(char **out, struct mlg_git_repo *r);

/*
 * Set `*out` to 1 when the commit `a` (hex) is `b` or an ancestor of
 * `b` (hex), else 0; a commit this repository does not have is not an
 * ancestor. Errors: MLG_EINVALID "invalid object id '<hex>'", MLG_ERROR.
 * O(commits between them).
 */
int mlg_git_is_ancestor(int *out, struct mlg_git_repo *r, const char *a,
			const char *b);

/*
 * The same question asked of many commits against one `base` (hex): an
 * opaque handle that walks the history of `base` once, lazily, and
 * remembers what it saw. A commit already seen costs a hash lookup;
 * one not seen yet advances the walk (at most 4096 commits per
 * question, after which mlg_git_is_ancestor() decides). Checking the
 * last N records of a linear branch costs O(N) commits in all, not the
 * O(N^2) of N separate mlg_git_is_ancestor() calls. `*out` is a new
 * handle freed with mlg_git_ancestry_free() (which takes NULL). Errors:
 * MLG_EINVALID "invalid object id '<hex>'", MLG_ERROR "cannot walk
 * history: <libgit2 message>". The answers are those of
 * mlg_git_is_ancestor(&yes, r, hex, base). The handle borrows `r`.
 */
struct mlg_git_ancestry;

int mlg_git_ancestry_new(struct mlg_git_ancestry **out, struct mlg_git_repo *r,
			 const char *base);
int mlg_git_ancestry_check(int *out, struct mlg_git_ancestry *a,
			   const char *hex);
void mlg_git_ancestry_free(struct mlg_git_ancestry *a);

/* ---- trees and blobs by id, for data kept in chunks (history.h) ---- */

/* One entry of a tree: its name (new), object id and kind. */
struct mlg_git_tree_entry {
	char *name;
	char id[MLG_GIT_HEX];
	int is_blob; /* 1 for a file (blob), 0 for a folder or a submodule */
};

/* The entries of one folder, in git's order (bytewise by name, a folder
 * compared as if its name ended in '/'). A zeroed struct is empty. */
struct mlg_git_tree {
	struct mlg_git_tree_entry *items;
	size_t n, alloc;
};

void mlg_git_tree_release(struct mlg_git_tree *t);

/*
 * Append the entries of the folder `path` ("" for the root; '/'
 * separators) in the tree of the commit `rev` to `out`. Errors:
 *   MLG_ERROR	"cannot resolve revision '<rev>': <libgit2 message>"
 *   MLG_ENOTFOUND	"'<path>' does not exist at '<rev>'"
 *   MLG_EINVALID	"'<path>' at '<rev>' is not a folder"
 * O(entries of that folder); nothing below it is read.
 */
int mlg_git_list_tree(struct mlg_git_tree *out, struct mlg_git_repo *r,
		      const char *rev, const char *path);

/*
 * Append the content of the blob `id` (hex) to `out`, at most `max`
 * bytes (0: no limit); `name` names it in messages. Errors:
 *   MLG_EINVALID	"invalid object id '<id>'"
 *   MLG_ENOTFOUND	"'<name>': blob <id> not found"
 *   MLG_EINVALID	"'<name>': <id> is not a blob"
 *   MLG_ELIMIT	"'<name>' is larger than <max> bytes"
 * O(size of the blob).
 */
int mlg_git_read_blob(struct mlg_buf *out, struct mlg_git_repo *r,
		      const char *id, const char *name, size_t max);

/* One change to a tree: put at `path` ('/' separators, folders made as
 * needed) the existing blob `id` (hex) when it is not NULL, else a new
 * blob of the `len` bytes of `data`. */
struct mlg_git_tree_edit {
	const char *path;
	const char *id;
	const char *data;
	size_t len;
};

/*
 * Write a commit with the parent `parent` (hex, or NULL for a root
 * commit) and the message `msg` whose tree is the tree of `parent` (an
 * empty tree when `parent` is NULL) with the `n` `edits` applied, each
 * path at most once, and point the reference `ref` at it only if `ref`
 * still points at `parent` (does not exist when `parent` is NULL): a
 * compare-and-swap, so two writers in one repository never lose a
 * commit. The author and committer are the configured user, else
 * "mlgate <mlgate@localhost>". No working tree, index or subprocess is
 * involved. The new commit id is written to `out`. Folders no edit
 * touches keep their tree ids and blobs given by id are not written
 * again, so the cost is the new blobs plus one tree per folder on an
 * edited path, whatever the size of the rest. Errors: MLG_ERROR "cannot
 * update '<ref>': <libgit2 message>" (also when `ref` moved meanwhile),
 * MLG_EINVALID "invalid object id '<id>'", MLG_EINVALID "invalid tree
 * path '<path>'" (empty, leading, trailing or doubled '/', "." or ".."
 * components), MLG_ERROR "cannot write objects: <libgit2 message>"
 * (also for an id this repository does not have).
 */
int mlg_git_commit_edits(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
			 const char *ref, const char *parent,
			 const struct mlg_git_tree_edit *edits, size_t n,
			 const char *msg);

/*
 * Push the refspec `spec` ("refs/a:refs/a", never forced) to the remote
 * `remote` (a configured name or a URL/path). A refusal by the remote or
 * by libgit2's fast-forward check is not an error: `*rejected` is set to
 * 1 and the function returns 0. Errors: mlg_git_error() conversions,
 * "cannot push to '<remote>': <message>" (MLG_ENETWORK for network
 * classes, else MLG_ERROR).
 */
int mlg_git_push(int *rejected, struct mlg_git_repo *r, const char *remote,
		 const char *spec);

/*
 * Fetch the refspec `spec` ("+refs/a:refs/b") from `remote`. A source
 * ref the remote does not have is not an error (nothing is updated).
 * Errors as mlg_git_push(), "cannot fetch from '<remote>': ...".
 */
int mlg_git_fetch(struct mlg_git_repo *r, const char *remote, const char *spec);

#endif
