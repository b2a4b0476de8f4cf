/*
 * file.h - bounded reads and atomic writes
 *
 * A gate must never read an unbounded file into memory, and never leave a
 * half-written report, archive or index behind. Reads therefore take a
 * size limit, and whole-file writes go through a temporary file in the
 * target's directory that is synced and renamed over the target only when
 * everything was written (git's lockfile, without the lock).
 *
 * The path "-" means stdin for reads and stdout for writes; messages call
 * them '<stdin>' and '<stdout>'. Writing to stdout is not atomic: the
 * bytes go out as they are written.
 *
 * Errors name the path the caller gave and end with the system's text:
 *	cannot read 'metrics.json': No such file or directory
 * errno values map to codes as in mlg_error_errno(): ENOENT and ENOTDIR
 * give MLG_ENOTFOUND, ENOSPC and EFBIG give MLG_ELIMIT, the rest MLG_EIO;
 * but an output that cannot be created (mlg_atomic_open(),
 * mlg_file_write(), mlg_file_append()) in a missing directory is
 * MLG_EIO, an I/O failure (exit 3), not an input not found.
 */
#ifndef MLGATE_FILE_H
#define MLGATE_FILE_H

#include <stddef.h>

struct mlg_buf;

/*
 * Open `path` ("-" = stdin) for reading. On success `*out` is a new
 * descriptor (close-on-exec) the caller closes; for "-" it is a duplicate
 * of 0, so closing it leaves stdin open. A directory is refused with
 * "cannot read '<path>': Is a directory" (MLG_EIO). On error `*out` is -1.
 */
int mlg_file_open_read(int *out, const char *path);

/*
 * Append the whole of `path` ("-" = stdin) to `out`.
 *
 * A file of more than `max` bytes fails with MLG_ELIMIT
 * "'<path>' is larger than <max> bytes"; at most max + 1 bytes are read
 * to find out, so an endless stream (a pipe, /dev/zero) is safe. `out`'s
 * own cap is also enforced (MLG_ELIMIT from buf.h). On any error `out` is
 * left as it was. Bytes are copied as they are: NUL bytes and invalid
 * UTF-8 included (out->len, not strlen, is the size).
 * O(size); memory is bounded by min(size, max, out's cap).
 */
int mlg_file_read(struct mlg_buf *out, const char *path, size_t max);

/*
 * An atomic write in progress. `fd` is the temporary file (or 1 for
 * stdout, or the device itself), `path` the target and `tmp` the
 * temporary file's name (NULL when there is none), both new strings
 * owned by the struct. Fields are read-only to callers.
 */
struct mlg_atomic {
	int fd;
	char *path;
	char *tmp;
	int device; /* 1: `fd` is `path` itself, a device or FIFO */
};

/* A closed handle: mlg_atomic_abort() on it does nothing (on a zeroed
 * struct too: it never closes descriptor 0). */
#define MLG_ATOMIC_INIT                                                        \
	{                                                                      \
		-1, NULL, NULL, 0                                              \
	}

/*
 * Create a temporary file ".<base>.XXXXXX" next to `path` (same directory,
 * so the final rename cannot cross file systems), with mode
 * 0666 & ~umask like any new file. "-" means stdout: no temporary file,
 * no rename. A path that names a device or a FIFO (/dev/null, a named
 * pipe, /dev/stdout) is opened and written as it is: renaming over it
 * would replace the device with a file. An empty name or one ending in '/' is MLG_EINVALID
 * "invalid file name '<path>'"; a missing directory is MLG_EIO
 * "cannot create '<path>': No such file or directory".
 * `a` is always initialised, so mlg_atomic_abort() is safe after a failure.
 */
int mlg_atomic_open(struct mlg_atomic *a, const char *path);

/*
 * Write all `len` bytes, retrying short writes and EINTR. On failure
 * ("cannot write '<path>': <errno text>") the temporary file is already
 * removed and a later mlg_atomic_commit() fails, so a partial file can
 * never be committed.
 */
int mlg_atomic_write(struct mlg_atomic *a, const void *data, size_t len);

/*
 * fsync and close the temporary file, rename it over `path`, then fsync
 * the directory so the rename itself survives a crash. Before the rename
 * any failure removes the temporary file and leaves the old file
 * untouched: "cannot sync '<path>'", "cannot replace '<path>'" (e.g. the
 * target is a directory). After the rename only the directory sync can
 * fail ("cannot sync directory '<dir>'"); the new content is then in
 * place but may not survive a crash. A symbolic link at `path` is
 * replaced, not followed. In every case `a` is closed afterwards.
 */
int mlg_atomic_commit(struct mlg_atomic *a);

/* Close and remove the temporary file, leaving `path` untouched. Safe
 * after commit, after a failed open and when called twice. */
void mlg_atomic_abort(struct mlg_atomic *a);

/* Atomically replace `path` with `<data, len>`: open, write, commit. */
int mlg_file_write(const char *path, const void *data, size_t len);

/*
 * Append `<data, len>` to `path` (created with mode 0666 & ~umask when
 * missing) in one O_APPEND write loop, then fsync, for files other
 * programs also append to ($GITHUB_STEP_SUMMARY). Not atomic: a failure
 * may leave part of the data. "-" writes to stdout.
 * Errors: "cannot append to '<path>': <errno text>".
 */
int mlg_file_append(const char *path, const void *data, size_t len);

/* 1 when `path` names an existing file of any type (a directory too;
 * symbolic links are followed), else 0. Never sets an error. */
int mlg_file_exists(const char *path);

/* 1 when `path` names a regular file (symbolic links followed), which
 * can be read more than once, unlike a pipe or a device; else 0. Never
 * sets an error. */
int mlg_file_is_regular(const char *path);

#endif
