/* file.c - bounded reads and atomic writes */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/util.h"

/* Large enough that a read costs one system call per 64 KiB, small
 * enough for any thread's stack. */
#define CHUNK (64 * 1024)

/* Temporary names add ".XXXXXX" and a leading dot to the base name; keep
 * them within NAME_MAX even when the base name itself is at the limit. */
#define TMP_BASE_MAX (NAME_MAX - 8)

static int is_std(const char *path)
{
	return !strcmp(path, "-");
}

static const char *in_name(const char *path)
{
	return is_std(path) ? "<stdin>" : path;
}

static const char *out_name(const char *path)
{
	return is_std(path) ? "<stdout>" : path;
}

/* 0 or an errno value: the callers word the message. */
static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len > SSIZE_MAX ? SSIZE_MAX : len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		/* POSIX leaves a zero return undefined; retrying could spin
		 * forever, and in practice it means a full device. */
		if (!n)
			return ENOSPC;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync on a pipe or character device (stdout redirected, /dev/null)
 * fails with EINVAL or EROFS: there is nothing to flush, not an error. */
static int sync_fd(int fd)
{
	if (fsync(fd) && errno != EINVAL && errno != EROFS)
		return errno;
	return 0;
}

int mlg_file_open_read(int *out, const char *path)
{
	struct stat st;
	int fd, err;

	*out = -1;
	if (is_std(path))
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mlg_error_errno(errno, "cannot read '%s'",
				       in_name(path));
	/* open() accepts a directory and read() fails later with a less
	 * helpful place in the code; refuse it up front. */
	if (fstat(fd, &st))
		err = errno;
	else
		err = S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (err) {
		close(fd);
		return mlg_error_errno(err, "cannot read '%s'", in_name(path));
	}
	*out = fd;
	return 0;
}

int mlg_file_read(struct mlg_buf *out, const char *path, size_t max)
{
	size_t start = out->len, total = 0, want;
	char chunk[CHUNK];
	struct stat st;
	ssize_t n;
	int fd, err;

	err = mlg_file_open_read(&fd, path);
	if (err)
		return err;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		/* The size is only a hint (the file may change while we
		 * read) but it saves reading a file we know is too large,
		 * and lets the buffer be allocated once. */
		if ((uintmax_t)st.st_size > max)
			goto too_large;
		want = (size_t)st.st_size;
		if (want <= out->cap - out->len)
			mlg_buf_grow(out, want);
	}
	for (;;) {
		/* Never ask for more than max + 1 bytes in total: one byte
		 * past the limit proves the file is too large. */
		want = max - total < CHUNK ? max - total + 1 : CHUNK;
		n = read(fd, chunk, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = mlg_error_errno(errno, "cannot read '%s'",
					      in_name(path));
			goto done;
		}
		if (!n)
			break;
		total += (size_t)n;
		if (total > max)
			goto too_large;
		err = mlg_buf_add(out, chunk, (size_t)n);
		if (err)
			goto done;
	}
	goto done;
too_large:
	err = mlg_error_set(MLG_ELIMIT, "'%s' is larger than %zu bytes",
			    in_name(path), max);
done:
	close(fd);
	if (err)
		mlg_buf_truncate(out, start);
	return err;
}

/* Fill `x` with `n` characters that are safe in a file name. */
static void random_name(char *x, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	static _Thread_local uint64_t seq;
	unsigned char r[16];
	uint64_t v;
	size_t i;

	if (n > sizeof(r))
		MLG_BUG("temporary name too long");
	if (getrandom(r, n, GRND_NONBLOCK) != (ssize_t)n) {
		/* Only before the kernel's pool is ready (early boot): a
		 * predictable name is fine, O_EXCL still refuses clashes. */
		v = (uint64_t)(mlg_monotonic() * 1e9) ^
		    ((uint64_t)getpid() << 40) ^ ++seq * 0x9e3779b97f4a7c15u;
		for (i = 0; i < n; i++, v = v >> 8 | v << 56)
			r[i] = (unsigned char)v;
	}
	for (i = 0; i < n; i++)
		x[i] = set[r[i] % (sizeof(set) - 1)];
}

static void reset(struct mlg_atomic *a)
{
	free(a->path);
	free(a->tmp);
	a->fd = -1;
	a->path = NULL;
	a->tmp = NULL;
	a->device = 0;
}

/* Anything but a regular file (or nothing) at `path` is written in
 * place. 1 when it is one (opened, or *err set); 0 to go the atomic way. */
static int open_device(struct mlg_atomic *a, const char *path, int *err)
{
	struct stat st;

	*err = 0;
	if (stat(path, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return 0;
	a->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (a->fd < 0) {
		*err = mlg_error_errno(errno, "cannot open '%s'", path);
		return 1;
	}
	a->device = 1;
	a->path = mlg_strdup(path);
	return 1;
}

/* An output that cannot be made: "not found" is for inputs, and a
 * directory missing under an output is an I/O failure (exit 3), as any
 * other failure to write. */
static int output_error(int errnum, const char *verb, const char *path)
{
	if (errnum == ENOENT || errnum == ENOTDIR)
		return mlg_error_set(MLG_EIO, "%s '%s': %s", verb, path,
				     strerror(errnum));
	return mlg_error_errno(errnum, "%s '%s'", verb, path);
}

int mlg_atomic_open(struct mlg_atomic *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = (size_t)(base - path), blen = strlen(base);
	int tries, err;

	a->fd = -1;
	a->path = NULL;
	a->tmp = NULL;
	a->device = 0;
	if (is_std(path)) {
		a->fd = STDOUT_FILENO;
		a->path = mlg_strdup(path);
		return 0;
	}
	if (open_device(a, path, &err))
		return err;
	if (!blen)
		return mlg_error_set(MLG_EINVALID, "invalid file name '%s'",
				     path);
	if (blen > TMP_BASE_MAX)
		blen = TMP_BASE_MAX;
	a->tmp = mlg_strfmt("%.*s.%.*s.XXXXXX", (int)dirlen, path, (int)blen,
			    base);
	for (tries = 0; tries < 100; tries++) {
		random_name(a->tmp + strlen(a->tmp) - 6, 6);
		/* open() rather than mkstemp(): mkstemp creates mode 0600,
		 * and restoring 0666 & ~umask would need umask(), which is
		 * not thread-safe. */
		a->fd = open(a->tmp,
			     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
			     0666);
		if (a->fd >= 0 || errno != EEXIST)
			break;
	}
	if (a->fd < 0) {
		err = output_error(errno, "cannot create", path);
		reset(a);
		return err;
	}
	a->path = mlg_strdup(path);
	return 0;
}

/* Close and remove the temporary file, keeping `path` for messages. */
static void discard(struct mlg_atomic *a)
{
	if (a->tmp) {
		if (a->fd >= 0)
			close(a->fd);
		unlink(a->tmp);
		free(a->tmp);
		a->tmp = NULL;
	} else if (a->device && a->fd >= 0) {
		close(a->fd);
	}
	a->device = 0;
	a->fd = -1;
}

int mlg_atomic_write(struct mlg_atomic *a, const void *data, size_t len)
{
	int err;

	if (a->fd < 0)
		return mlg_error_set(MLG_ERROR, "cannot write '%s': not open",
				     a->path ? out_name(a->path) : "");
	err = write_all(a->fd, data, len);
	if (!err)
		return 0;
	discard(a);
	return mlg_error_errno(err, "cannot write '%s'", out_name(a->path));
}

static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, err;

	if (!slash)
		dir = mlg_strdup(".");
	else
		dir = mlg_strndup(path,
				  slash == path ? 1 : (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? errno : sync_fd(fd);
	if (err)
		err = mlg_error_errno(err, "cannot sync directory '%s'", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

int mlg_atomic_commit(struct mlg_atomic *a)
{
	int err, fd = a->fd;

	if (fd < 0) {
		/* A failed write already removed the temporary file. */
		err = mlg_error_set(MLG_ERROR, "cannot commit '%s': not open",
				    a->path ? out_name(a->path) : "");
		goto done;
	}
	if (a->device) {
		/* written as it went; a device has nothing to sync */
		a->fd = -1;
		a->device = 0;
		err = close(fd) ? mlg_error_errno(errno, "cannot write '%s'",
						  a->path)
				: 0;
		goto done;
	}
	if (!a->tmp) {
		err = 0; /* stdout: written as it went */
		goto done;
	}
	err = fsync(fd) ? errno : 0;
	/* close() is where NFS reports a failed write-back. */
	a->fd = -1;
	if (close(fd) && !err)
		err = errno;
	if (err) {
		err = mlg_error_errno(err, "cannot sync '%s'", a->path);
		goto done;
	}
	if (rename(a->tmp, a->path)) {
		err = mlg_error_errno(errno, "cannot replace '%s'", a->path);
		goto done;
	}
	free(a->tmp);
	a->tmp = NULL;
	err = sync_dir(a->path);
done:
	discard(a);
	reset(a);
	return err;
}

void mlg_atomic_abort(struct mlg_atomic *a)
{
	discard(a);
	reset(a);
}

int mlg_file_write(const char *path, const void *data, size_t len)
{
	struct mlg_atomic a;
	int err;

	err = mlg_atomic_open(&a, path);
	if (!err)
		err = mlg_atomic_write(&a, data, len);
	if (!err)
		err = mlg_atomic_commit(&a);
	mlg_atomic_abort(&a);
	return err;
}

int mlg_file_append(const char *path, const void *data, size_t len)
{
	int fd, err;

	if (is_std(path))
		fd = STDOUT_FILENO;
	else
		fd = open(path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			  0666);
	if (fd < 0)
		return output_error(errno, "cannot append to", out_name(path));
	err = write_all(fd, data, len);
	if (!err)
		err = sync_fd(fd);
	if (fd != STDOUT_FILENO && close(fd) && !err)
		err = errno;
	if (err)
		return mlg_error_errno(err, "cannot append to '%s'",
				       out_name(path));
	return 0;
}

int mlg_file_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

int mlg_file_is_regular(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}
