/*
 * git.h - libgit2, initialised once and its errors converted here
 *
 * The one place git2.h is included. Gates that read history (perf-gate)
 * or move refs (promote) build on these.
 */
#ifndef MLGATE_GIT_H
#define MLGATE_GIT_H

/* Initialise and shut down libgit2 (reference counted by libgit2). */
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

#endif
