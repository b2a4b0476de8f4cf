/*
 * test_profile_read.c - mlg_profile_read() when the input changes under
 * its threads, or a thread cannot start.
 *
 * This binary is linked with --wrap=open,--wrap=pthread_create, so the
 * library's calls come here first. The first open of `swap_from` reads
 * that file, every later one reads `swap_to`: the reader that the
 * calling thread opens sees one file and the readers it starts see
 * another, whatever the order the threads run in. With `threads_fail`
 * N, the N-th pthread_create() and those after it fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/profile.h"
#include "mlgate/util.h"
#include "test.h"

static char *swap_from, *swap_to;
static atomic_int swap_opens, threads_started;
static int threads_fail;

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (swap_from && !strcmp(path, swap_from) &&
	    atomic_fetch_add(&swap_opens, 1))
		path = swap_to;
	return __real_open(path, flags, mode);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg)
{
	if (threads_fail &&
	    atomic_fetch_add(&threads_started, 1) + 1 >= threads_fail)
		return EAGAIN;
	return __real_pthread_create(t, attr, fn, arg);
}

/* Nothing that a test before left. */
static void reset(void)
{
	alarm(0);
	swap_from = swap_to = NULL;
	threads_fail = 0;
	atomic_store(&threads_started, 0);
}

/* t_tmpdir()/name holding a header and rows 1 .. n, new path. */
static char *table(const char *name, unsigned n)
{
	struct mlg_buf b = MLG_BUF_INIT;
	unsigned i;
	char *path;

	mlg_buf_adds(&b, "id,x\n");
	for (i = 1; i <= n; i++)
		mlg_buf_addf(&b, "%u,%u\n", i, i % 7);
	path = mlg_strdup(t_write(name, b.ptr));
	mlg_buf_release(&b);
	return path;
}

static struct mlg_profile_opts opts(unsigned threads)
{
	struct mlg_profile_opts o = {0};

	mlg_csv_dialect_init(&o.dialect);
	o.chunk_rows = 10;
	o.threads = threads;
	return o;
}

/* Read `first` with `threads` threads, the started ones reading `then`
 * instead: the return code, with the profile's rows in *rows. */
static int read_swapped(char *first, char *then, unsigned threads,
			uint64_t *rows)
{
	struct mlg_profile_opts o = opts(threads);
	struct mlg_profile p;
	int rc;

	swap_from = first;
	swap_to = then;
	atomic_store(&swap_opens, 0);
	rc = mlg_profile_read(&p, first, &o);
	swap_from = swap_to = NULL;
	/* Every reader opened the file, the started ones `then`. */
	T_EQ_INT(atomic_load(&swap_opens), threads);
	*rows = rc ? 0 : p.rows;
	if (rc)
		T_ASSERT(!p.cols && !p.ncols && !p.rows);
	else
		mlg_profile_release(&p);
	return rc;
}

/*
 * A file that grows or shrinks between the readers' opens is an error,
 * whether the readers that see more rows are the started ones or the
 * caller's, by whole chunks or by part of one; a file the same for all
 * reads whole. One thread sees one file and cannot tell.
 */
static void test_changed_while_read(void)
{
	char *a = table("a.csv", 95), *b = table("b.csv", 200),
	     *c = table("c.csv", 100), *same = table("same.csv", 95);
	char want[4096];
	uint64_t rows;
	unsigned t;

	reset();
	/* A reader that waits for a chunk nobody will read hangs: fail. */
	alarm(120);
	for (t = 2; t <= 3; t++) {
		snprintf(want, sizeof(want), "'%s' changed while it was read",
			 a);
		T_EQ_INT(read_swapped(a, b, t, &rows), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		T_EQ_INT(read_swapped(a, c, t, &rows), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		snprintf(want, sizeof(want), "'%s' changed while it was read",
			 b);
		T_EQ_INT(read_swapped(b, a, t, &rows), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		snprintf(want, sizeof(want), "'%s' changed while it was read",
			 c);
		T_EQ_INT(read_swapped(c, a, t, &rows), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		T_EQ_INT(read_swapped(a, same, t, &rows), 0);
		T_EQ_INT(rows, 95);
	}
	T_EQ_INT(read_swapped(a, b, 1, &rows), 0);
	T_EQ_INT(rows, 95);
	reset();
	free(a);
	free(b);
	free(c);
	free(same);
}

/* A thread that cannot start fails the pass, the first or a later one
 * (those started are joined), with nothing half made. */
static void test_thread_start_fails(void)
{
	char *a = table("t.csv", 95);
	struct mlg_profile_opts o = opts(4);
	struct mlg_profile p;
	int n;

	reset();
	for (n = 1; n <= 3; n++) {
		threads_fail = n;
		atomic_store(&threads_started, 0);
		T_EQ_INT(mlg_profile_read(&p, a, &o), MLG_ERROR);
		T_EQ_STR(mlg_error_message(), "cannot start a thread");
		T_ASSERT(!p.cols && !p.rows);
		T_EQ_INT(atomic_load(&threads_started), n);
	}
	reset();
	T_EQ_INT(mlg_profile_read(&p, a, &o), 0);
	T_EQ_INT(p.rows, 95);
	mlg_profile_release(&p);
	free(a);
}

MLG_TESTS(T(test_changed_while_read), T(test_thread_start_fails));
