#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/util.h"
#include "test.h"

/* A fresh folder per test, so directory listings are exact. */
static const char *dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	if (mkdir(path, 0755))
		t_fail(__FILE__, __LINE__, "mkdir %s: %s", path,
		       strerror(errno));
	return path;
}

/* "<d>/<name>" in a static buffer (one of four, to hold several). */
static const char *in(const char *d, const char *name)
{
	static char paths[4][1024];
	static int i;
	char *p = paths[i++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", d, name);
	return p;
}

static void put(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp))
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
}

/* The content of `path`, read with stdio (not the code under test). */
static char *get(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, alloc = 0, got;

	if (!fp)
		return NULL;
	do {
		p = mlg_grow(p, 1, n + 4096, &alloc);
		got = fread(p + n, 1, 4096, fp);
		n += got;
	} while (got);
	fclose(fp);
	*len = n;
	return p;
}

#define T_CONTENT(path, data, n)                                               \
	do {                                                                   \
		size_t t_len_ = 0;                                             \
		char *t_p_ = get(path, &t_len_);                               \
		int t_ok_ = t_p_ && t_len_ == (n) && !memcmp(t_p_, data, n);   \
		free(t_p_);                                                    \
		if (!t_ok_)                                                    \
			t_fail(__FILE__, __LINE__,                             \
			       "%s: %zu bytes, not the expected %zu", path,    \
			       t_len_, (size_t)(n));                           \
	} while (0)

/* The names in `d`, sorted and joined with spaces: "a b .x.Q1w2e3". */
static const char *listing(const char *d)
{
	static char out[4096];
	struct dirent **ents;
	int n, i;

	out[0] = '\0';
	n = scandir(d, &ents, NULL, alphasort);
	if (n < 0)
		t_fail(__FILE__, __LINE__, "scandir %s", d);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") &&
		    strcmp(ents[i]->d_name, "..")) {
			if (out[0])
				strcat(out, " ");
			strncat(out, ents[i]->d_name,
				sizeof(out) - strlen(out) - 1);
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

static char *pattern(size_t n)
{
	char *p = mlg_malloc(n);
	size_t i;

	/* Every byte value, NUL and invalid UTF-8 included. */
	for (i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
	return p;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		t_fail(__FILE__, __LINE__, "stat %s", path);
	return st.st_mode & 07777;
}

/* Swap a descriptor in for stdin/stdout and back. */
static int swap_fd(int target, int fd)
{
	int saved = dup(target);

	fflush(stdout);
	if (fd < 0 || fd == target || saved < 0 || dup2(fd, target) < 0)
		t_fail(__FILE__, __LINE__, "dup2: %s", strerror(errno));
	close(fd);
	return saved;
}

static void restore_fd(int target, int saved)
{
	dup2(saved, target);
	close(saved);
}

/* A child that writes `<data, len>` to a pipe; returns the read end. */
static int writer(pid_t *pid, const char *data, size_t len)
{
	int p[2];

	if (pipe(p))
		t_fail(__FILE__, __LINE__, "pipe");
	*pid = fork();
	if (*pid < 0)
		t_fail(__FILE__, __LINE__, "fork");
	if (!*pid) {
		close(p[0]);
		while (len) {
			ssize_t n = write(p[1], data, len);
			if (n <= 0)
				_exit(1);
			data += n;
			len -= (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static int wait_ok(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ---- mlg_file_read ---- */

static void test_read_binary_appends(void)
{
	static const char data[] = "\xff\xfe\0row\0\xc3\x28\xed\xa0\x80\n";
	const char *p = in(dir("binary"), "f");
	struct mlg_buf b = MLG_BUF_INIT;

	put(p, data, sizeof(data) - 1);
	mlg_buf_adds(&b, "pre:");
	T_EQ_INT(mlg_file_read(&b, p, 1000), 0);
	T_EQ_INT(b.len, 4 + sizeof(data) - 1);
	T_ASSERT(!memcmp(b.ptr, "pre:", 4));
	T_ASSERT(!memcmp(b.ptr + 4, data, sizeof(data) - 1));
	T_EQ_INT(b.ptr[b.len], '\0');
	mlg_buf_release(&b);
}

static void test_read_empty(void)
{
	const char *p = in(dir("empty"), "f");
	struct mlg_buf b = MLG_BUF_INIT;

	put(p, "", 0);
	T_EQ_INT(mlg_file_read(&b, p, 0), 0);
	T_EQ_INT(b.len, 0);
	T_EQ_STR(b.ptr, "");
	mlg_buf_adds(&b, "kept");
	T_EQ_INT(mlg_file_read(&b, p, 10), 0);
	T_EQ_STR(b.ptr, "kept");
	mlg_buf_release(&b);
}

static void test_read_limit_exact(void)
{
	const char *d = dir("limit");
	const char *p = in(d, "f"), *one = in(d, "one");
	char *data = pattern(100);
	struct mlg_buf b = MLG_BUF_INIT;
	char want[1200];

	put(p, data, 100);
	T_EQ_INT(mlg_file_read(&b, p, 100), 0);
	T_EQ_INT(b.len, 100);
	T_ASSERT(!memcmp(b.ptr, data, 100));

	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "pre");
	mlg_error_clear();
	T_EQ_INT(mlg_file_read(&b, p, 99), MLG_ELIMIT);
	snprintf(want, sizeof(want), "'%s' is larger than 99 bytes", p);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_error_last()->code, MLG_ELIMIT);
	T_EQ_STR(b.ptr, "pre");
	T_EQ_INT(b.len, 3);

	put(one, "x", 1);
	T_EQ_INT(mlg_file_read(&b, one, 0), MLG_ELIMIT);
	snprintf(want, sizeof(want), "'%s' is larger than 0 bytes", one);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_file_read(&b, one, 1), 0);
	T_EQ_STR(b.ptr, "prex");
	free(data);
	mlg_buf_release(&b);
}

/* A stream that never ends: the limit must stop the read. */
static void test_read_endless_stream(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_file_read(&b, "/dev/zero", 1000), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(), "'/dev/zero' is larger than 1000 bytes");
	T_EQ_INT(b.len, 0);
	T_EQ_INT(mlg_file_read(&b, "/dev/zero", 3 * 1024 * 1024 + 5),
		 MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "'/dev/zero' is larger than 3145733 bytes");
	T_EQ_INT(b.len, 0);
	mlg_buf_release(&b);
}

/* Exactly max + 1 bytes are consumed: the rest stays in the pipe. */
static void test_read_stops_at_max_plus_one(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	char rest[16];
	int p[2], saved;

	T_EQ_INT(pipe(p), 0);
	T_EQ_INT(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	saved = swap_fd(STDIN_FILENO, p[0]);
	T_EQ_INT(mlg_file_read(&b, "-", 5), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(), "'<stdin>' is larger than 5 bytes");
	T_EQ_INT(read(STDIN_FILENO, rest, sizeof(rest)), 4);
	restore_fd(STDIN_FILENO, saved);
	T_ASSERT(!memcmp(rest, "6789", 4));
	T_EQ_INT(b.len, 0);
	mlg_buf_release(&b);
}

static void test_read_stdin(void)
{
	size_t n = 300000;
	char *data = pattern(n);
	struct mlg_buf b = MLG_BUF_INIT;
	pid_t pid;
	int saved, rc, still_open;

	saved = swap_fd(STDIN_FILENO, writer(&pid, data, n));
	rc = mlg_file_read(&b, "-", n);
	/* stdin belongs to the caller: reading must not close it. */
	still_open = fcntl(STDIN_FILENO, F_GETFD) != -1;
	restore_fd(STDIN_FILENO, saved);
	T_EQ_INT(wait_ok(pid), 0);
	T_EQ_INT(rc, 0);
	T_ASSERT(still_open);
	T_EQ_INT(b.len, n);
	T_ASSERT(!memcmp(b.ptr, data, n));
	free(data);
	mlg_buf_release(&b);
}

static void test_read_missing(void)
{
	const char *d = dir("missing");
	const char *p = in(d, "nope.csv"), *file = in(d, "file");
	const char *under = in(d, "file/x");
	struct mlg_buf b = MLG_BUF_INIT;
	char want[1200];

	T_EQ_INT(mlg_file_read(&b, p, 10), MLG_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "cannot read '%s': No such file or directory", p);
	T_EQ_STR(mlg_error_message(), want);
	put(file, "x", 1);
	T_EQ_INT(mlg_file_read(&b, under, 10), MLG_ENOTFOUND);
	snprintf(want, sizeof(want), "cannot read '%s': Not a directory",
		 under);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_file_read(&b, "", 10), MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(),
		 "cannot read '': No such file or directory");
	T_EQ_INT(b.len, 0);
}

static void test_read_directory(void)
{
	const char *d = dir("isdir");
	struct mlg_buf b = MLG_BUF_INIT;
	char want[1200];
	int fd = 7;

	mlg_buf_adds(&b, "pre");
	T_EQ_INT(mlg_file_read(&b, d, 1 << 20), MLG_EIO);
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", d);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_STR(b.ptr, "pre");
	T_EQ_INT(mlg_file_open_read(&fd, d), MLG_EIO);
	T_EQ_INT(fd, -1);
	mlg_buf_release(&b);
}

static void test_read_respects_buf_cap(void)
{
	const char *p = in(dir("cap"), "f");
	struct mlg_buf b;

	mlg_buf_init(&b, 10);
	mlg_buf_adds(&b, "abc");
	put(p, "0123456789", 10);
	T_EQ_INT(mlg_file_read(&b, p, 100), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(), "buffer limit of 10 bytes reached");
	T_EQ_STR(b.ptr, "abc");
	put(p, "0123456", 7);
	T_EQ_INT(mlg_file_read(&b, p, 100), 0);
	T_EQ_STR(b.ptr, "abc0123456");
	mlg_buf_release(&b);
}

static void test_read_huge(void)
{
	size_t n = 5 * 1024 * 1024 + 3;
	const char *p = in(dir("huge"), "f");
	char *data = pattern(n);
	struct mlg_buf b = MLG_BUF_INIT;

	put(p, data, n);
	T_EQ_INT(mlg_file_read(&b, p, n), 0);
	T_EQ_INT(b.len, n);
	T_ASSERT(!memcmp(b.ptr, data, n));
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_file_read(&b, p, n - 1), MLG_ELIMIT);
	T_EQ_INT(b.len, 0);
	free(data);
	mlg_buf_release(&b);
}

static void test_open_read_stdin_is_a_dup(void)
{
	int fd = -1;

	T_EQ_INT(mlg_file_open_read(&fd, "-"), 0);
	T_ASSERT(fd > STDIN_FILENO);
	T_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	T_ASSERT(fcntl(STDIN_FILENO, F_GETFD) != -1);
}

/* ---- atomic writes ---- */

static void test_write_creates_and_replaces(void)
{
	const char *d = dir("replace");
	const char *p = in(d, "report.json");

	T_EQ_INT(mlg_file_write(p, "{\"v\": 1}\n", 9), 0);
	T_CONTENT(p, "{\"v\": 1}\n", 9);
	T_EQ_STR(listing(d), "report.json");
	T_EQ_INT(mlg_file_write(p, "{}", 2), 0);
	T_CONTENT(p, "{}", 2);
	T_EQ_INT(mlg_file_write(p, "a\0b\xff", 4), 0);
	T_CONTENT(p, "a\0b\xff", 4);
	T_EQ_INT(mlg_file_write(p, NULL, 0), 0);
	T_CONTENT(p, "", 0);
	T_EQ_STR(listing(d), "report.json");
}

static void test_write_relative_path(void)
{
	const char *d = dir("relative");
	char cwd[1024];
	int rc;

	T_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
	T_EQ_INT(chdir(d), 0);
	rc = mlg_file_write("plain", "x", 1);
	T_EQ_INT(chdir(cwd), 0);
	T_EQ_INT(rc, 0);
	T_CONTENT(in(d, "plain"), "x", 1);
	T_EQ_STR(listing(d), "plain");
}

static void test_write_huge_in_pieces(void)
{
	size_t n = 8 * 1024 * 1024 + 1, off, step;
	const char *d = dir("pieces");
	const char *p = in(d, "model.bin");
	struct mlg_atomic a;
	char *data = pattern(n);

	T_EQ_INT(mlg_atomic_open(&a, p), 0);
	for (off = 0, step = 1; off < n; off += step, step = step * 3 + 1) {
		if (step > n - off)
			step = n - off;
		T_EQ_INT(mlg_atomic_write(&a, data + off, step), 0);
	}
	/* Nothing is visible under the real name before the commit. */
	T_ASSERT(!mlg_file_exists(p));
	T_EQ_INT(mlg_atomic_commit(&a), 0);
	T_CONTENT(p, data, n);
	T_EQ_STR(listing(d), "model.bin");
	free(data);
}

static void test_write_mode_follows_umask(void)
{
	const char *d = dir("mode");
	const char *p = in(d, "a"), *q = in(d, "b");
	mode_t old = umask(022);

	T_EQ_INT(mlg_file_write(p, "x", 1), 0);
	umask(077);
	T_EQ_INT(mlg_file_write(q, "x", 1), 0);
	umask(old);
	T_EQ_INT(mode_of(p), 0644);
	T_EQ_INT(mode_of(q), 0600);
}

static void test_abort_keeps_old(void)
{
	const char *d = dir("abort");
	const char *p = in(d, "index.json");
	struct mlg_atomic a;
	char prefix[1100];

	put(p, "old", 3);
	T_EQ_INT(mlg_atomic_open(&a, p), 0);
	T_EQ_STR(a.path, p);
	snprintf(prefix, sizeof(prefix), "%s/.index.json.", d);
	T_ASSERT(a.tmp && mlg_starts_with(a.tmp, prefix));
	T_EQ_INT(strlen(a.tmp), strlen(prefix) + 6);
	T_ASSERT(a.fd >= 0);
	T_EQ_INT(mlg_atomic_write(&a, "new content", 11), 0);
	T_CONTENT(p, "old", 3);
	T_ASSERT(mlg_file_exists(a.tmp));
	mlg_atomic_abort(&a);
	T_EQ_INT(a.fd, -1);
	T_ASSERT(!a.path && !a.tmp);
	mlg_atomic_abort(&a);
	T_CONTENT(p, "old", 3);
	T_EQ_STR(listing(d), "index.json");

	/* abort after commit leaves the committed file alone */
	T_EQ_INT(mlg_atomic_open(&a, p), 0);
	T_EQ_INT(mlg_atomic_write(&a, "new", 3), 0);
	T_EQ_INT(mlg_atomic_commit(&a), 0);
	mlg_atomic_abort(&a);
	T_CONTENT(p, "new", 3);
	T_EQ_STR(listing(d), "index.json");
}

static void test_init_handle_aborts_cleanly(void)
{
	struct mlg_atomic a = MLG_ATOMIC_INIT, zero = {0};

	mlg_atomic_abort(&a);
	T_EQ_INT(a.fd, -1);
	mlg_atomic_abort(&zero);
	T_EQ_INT(zero.fd, -1);
	T_ASSERT(fcntl(STDIN_FILENO, F_GETFD) != -1);
	T_EQ_INT(mlg_atomic_commit(&a), MLG_ERROR);
	T_EQ_STR(mlg_error_message(), "cannot commit '': not open");
}

static void test_commit_fails_on_directory(void)
{
	const char *d = dir("target-dir");
	const char *p = in(d, "out");
	struct mlg_atomic a;
	char want[1200], keep[1100];
	struct stat st;

	T_EQ_INT(mkdir(p, 0755), 0);
	snprintf(keep, sizeof(keep), "%s/keep", p);
	put(keep, "k", 1);
	T_EQ_INT(mlg_atomic_open(&a, p), 0);
	T_EQ_INT(mlg_atomic_write(&a, "data", 4), 0);
	T_EQ_INT(mlg_atomic_commit(&a), MLG_EIO);
	snprintf(want, sizeof(want), "cannot replace '%s': Is a directory", p);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(a.fd, -1);
	T_ASSERT(!a.path && !a.tmp);
	mlg_atomic_abort(&a);
	T_EQ_INT(stat(p, &st), 0);
	T_ASSERT(S_ISDIR(st.st_mode));
	T_CONTENT(keep, "k", 1);
	T_EQ_STR(listing(d), "out");

	T_EQ_INT(mlg_file_write(p, "data", 4), MLG_EIO);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_STR(listing(d), "out");
}

static void test_open_fails_without_directory(void)
{
	const char *d = dir("nodir");
	const char *p = in(d, "missing/report.xml");
	struct mlg_atomic a;
	char want[1200];

	T_EQ_INT(mlg_atomic_open(&a, p), MLG_EIO);
	snprintf(want, sizeof(want),
		 "cannot create '%s': No such file or directory", p);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(a.fd, -1);
	T_ASSERT(!a.path && !a.tmp);
	mlg_atomic_abort(&a);
	T_EQ_INT(mlg_file_write(p, "x", 1), MLG_EIO);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_STR(listing(d), "");
}

static void test_open_invalid_name(void)
{
	const char *d = dir("badname");
	struct mlg_atomic a;
	char want[1200];
	char *slash = mlg_strfmt("%s/", d);

	T_EQ_INT(mlg_atomic_open(&a, ""), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid file name ''");
	T_EQ_INT(a.fd, -1);
	T_EQ_INT(mlg_file_write(slash, "x", 1), MLG_EINVALID);
	snprintf(want, sizeof(want), "invalid file name '%s'", slash);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_STR(listing(d), "");
	free(slash);
}

/* A base name at NAME_MAX still gets a temporary name that fits. */
static void test_write_longest_name(void)
{
	const char *d = dir("long");
	char name[256], *p;

	memset(name, 'n', 255);
	name[255] = '\0';
	p = mlg_strfmt("%s/%s", d, name);
	T_EQ_INT(mlg_file_write(p, "x", 1), 0);
	T_CONTENT(p, "x", 1);
	T_EQ_STR(listing(d), name);
	free(p);
}

static void test_write_odd_bytes_in_name(void)
{
	const char *d = dir("odd");
	const char *p = in(d, "r\xc3\x28 \n\xff.json");

	T_EQ_INT(mlg_file_write(p, "x", 1), 0);
	T_CONTENT(p, "x", 1);
	T_EQ_STR(listing(d), "r\xc3\x28 \n\xff.json");
}

/*
 * A write that fails half-way (RLIMIT_FSIZE: a short write, then EFBIG)
 * must remove the temporary file and make commit refuse. Done in a child
 * so the limit cannot touch the harness's own output.
 */
static void test_failed_write_never_commits(void)
{
	const char *d = dir("efbig");
	const char *p = in(d, "archive.tar");
	char *data = pattern(4096);
	char want[1200];
	pid_t pid;

	put(p, "old", 3);
	snprintf(want, sizeof(want), "cannot write '%s': File too large", p);
	fflush(stdout);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		struct rlimit rl = {1000, 1000};
		struct mlg_atomic a;
		int w, c, gone;

		signal(SIGXFSZ, SIG_IGN);
		if (mlg_atomic_open(&a, p) || setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		w = mlg_atomic_write(&a, data, 4096);
		if (w != MLG_ELIMIT || strcmp(mlg_error_message(), want))
			_exit(11);
		gone = a.fd == -1 && !a.tmp && a.path;
		c = mlg_atomic_commit(&a);
		if (!gone || c != MLG_ERROR)
			_exit(12);
		_exit(0);
	}
	T_EQ_INT(wait_ok(pid), 0);
	T_CONTENT(p, "old", 3);
	T_EQ_STR(listing(d), "archive.tar");
	free(data);
}

static void test_stdout(void)
{
	const char *d = dir("stdout");
	const char *p = in(d, "captured");
	struct mlg_atomic a;
	int saved, rc[4], open_after;

	saved = swap_fd(STDOUT_FILENO, open(p, O_WRONLY | O_CREAT, 0644));
	rc[0] = mlg_atomic_open(&a, "-");
	rc[1] = mlg_atomic_write(&a, "to ", 3);
	rc[2] = mlg_atomic_write(&a, "stdout\n", 7);
	rc[3] = mlg_atomic_commit(&a);
	open_after = fcntl(STDOUT_FILENO, F_GETFD) != -1;
	restore_fd(STDOUT_FILENO, saved);
	T_EQ_INT(rc[0], 0);
	T_EQ_INT(rc[1], 0);
	T_EQ_INT(rc[2], 0);
	T_EQ_INT(rc[3], 0);
	T_ASSERT(open_after);
	T_CONTENT(p, "to stdout\n", 10);
	T_EQ_STR(listing(d), "captured");
}

static void test_stdout_full_device(void)
{
	struct mlg_atomic a;
	int saved, rc[3];
	char msg[2][256];

	saved = swap_fd(STDOUT_FILENO, open("/dev/full", O_WRONLY));
	rc[0] = mlg_atomic_open(&a, "-");
	rc[1] = mlg_atomic_write(&a, "x", 1);
	snprintf(msg[0], sizeof(msg[0]), "%s", mlg_error_message());
	rc[2] = mlg_atomic_commit(&a);
	snprintf(msg[1], sizeof(msg[1]), "%s", mlg_error_message());
	restore_fd(STDOUT_FILENO, saved);
	T_EQ_INT(rc[0], 0);
	T_EQ_INT(rc[1], MLG_ELIMIT);
	T_EQ_STR(msg[0], "cannot write '<stdout>': No space left on device");
	T_EQ_INT(rc[2], MLG_ERROR);
	T_EQ_STR(msg[1], "cannot commit '<stdout>': not open");
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * A slow reader and a frequent signal without SA_RESTART: write() keeps
 * being cut short or failing with EINTR, and every byte must still
 * arrive once, in order.
 */
static void test_write_survives_signals(void)
{
	size_t n = 2 * 1024 * 1024;
	char *data = pattern(n);
	struct itimerval tick = {{0, 300}, {0, 300}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa, old;
	struct mlg_atomic a;
	int p[2], saved, rc[3];
	pid_t pid;

	T_EQ_INT(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		char *got = mlg_malloc(n + 1);
		size_t len = 0;
		ssize_t r;

		close(p[1]);
		while ((r = read(p[0], got + len, n + 1 - len)) > 0) {
			len += (size_t)r;
			usleep(2000);
		}
		_exit(len == n && !memcmp(got, data, n) ? 0 : 1);
	}
	close(p[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, &old);
	alarms = 0;
	saved = swap_fd(STDOUT_FILENO, p[1]);
	setitimer(ITIMER_REAL, &tick, NULL);
	rc[0] = mlg_atomic_open(&a, "-");
	rc[1] = mlg_atomic_write(&a, data, n);
	rc[2] = mlg_atomic_commit(&a);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	restore_fd(STDOUT_FILENO, saved);
	T_EQ_INT(wait_ok(pid), 0);
	T_EQ_INT(rc[0], 0);
	T_EQ_INT(rc[1], 0);
	T_EQ_INT(rc[2], 0);
	T_ASSERT(alarms > 0);
	free(data);
}

/* ---- append, exists ---- */

static void test_append(void)
{
	const char *d = dir("append");
	const char *p = in(d, "summary.md");
	mode_t old = umask(022);
	int rc;

	rc = mlg_file_append(p, "# a\n", 4);
	umask(old);
	T_EQ_INT(rc, 0);
	T_EQ_INT(mode_of(p), 0644);
	T_EQ_INT(mlg_file_append(p, "b\0\xff", 3), 0);
	T_EQ_INT(mlg_file_append(p, NULL, 0), 0);
	T_CONTENT(p, "# a\nb\0\xff", 7);
	T_EQ_STR(listing(d), "summary.md");
	/* pipes and devices cannot be synced: not an error */
	T_EQ_INT(mlg_file_append("/dev/null", "x", 1), 0);
}

static void test_append_errors(void)
{
	const char *d = dir("append-err");
	const char *p = in(d, "no/such");
	char want[1200];

	T_EQ_INT(mlg_file_append(d, "x", 1), MLG_EIO);
	snprintf(want, sizeof(want), "cannot append to '%s': Is a directory",
		 d);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_file_append(p, "x", 1), MLG_EIO);
	snprintf(want, sizeof(want),
		 "cannot append to '%s': No such file or directory", p);
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_file_append("/dev/full", "x", 1), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "cannot append to '/dev/full': No space left on device");
	T_EQ_STR(listing(d), "");
}

static void test_exists(void)
{
	const char *d = dir("exists");
	const char *f = in(d, "f"), *link = in(d, "dangling");

	put(f, "", 0);
	T_EQ_INT(symlink("nowhere", link), 0);
	mlg_error_clear();
	T_EQ_INT(mlg_file_exists(f), 1);
	T_EQ_INT(mlg_file_exists(d), 1);
	T_EQ_INT(mlg_file_exists(in(d, "nope")), 0);
	T_EQ_INT(mlg_file_exists(link), 0);
	T_EQ_INT(mlg_file_exists(""), 0);
	T_ASSERT(mlg_error_last() == NULL);
}

/* A FIFO (like /dev/null, a device) is written in place: renaming a
 * temporary file over it would replace it with a regular file. */
static void test_write_fifo_in_place(void)
{
	char path[4096], got[8] = "";
	struct stat st;
	int rd;

	snprintf(path, sizeof(path), "%s/fifo", t_tmpdir());
	T_EQ_INT(mkfifo(path, 0600), 0);
	rd = open(path, O_RDONLY | O_NONBLOCK);
	T_EQ_INT(rd >= 0, 1);
	T_EQ_INT(mlg_file_write(path, "abc", 3), 0);
	T_EQ_INT((int)read(rd, got, sizeof(got) - 1), 3);
	T_EQ_STR(got, "abc");
	close(rd);
	T_EQ_INT(stat(path, &st), 0);
	T_EQ_INT(S_ISFIFO(st.st_mode), 1);
	/* nothing left behind in the folder: no temporary file */
	T_EQ_INT(unlink(path), 0);
}

MLG_TESTS(T(test_read_binary_appends), T(test_read_empty),
	  T(test_write_fifo_in_place), T(test_read_limit_exact),
	  T(test_read_endless_stream), T(test_read_stops_at_max_plus_one),
	  T(test_read_stdin), T(test_read_missing), T(test_read_directory),
	  T(test_read_respects_buf_cap), T(test_read_huge),
	  T(test_open_read_stdin_is_a_dup), T(test_write_creates_and_replaces),
	  T(test_write_relative_path), T(test_write_huge_in_pieces),
	  T(test_write_mode_follows_umask), T(test_abort_keeps_old),
	  T(test_init_handle_aborts_cleanly), T(test_commit_fails_on_directory),
	  T(test_open_fails_without_directory), T(test_open_invalid_name),
	  T(test_write_longest_name), T(test_write_odd_bytes_in_name),
	  T(test_failed_write_never_commits), T(test_stdout),
	  T(test_stdout_full_device), T(test_write_survives_signals),
	  T(test_append), T(test_append_errors), T(test_exists))
