/* predcmd.c - a model as a subprocess, fed and read through pipes */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/infer.h"
#include "mlgate/json.h"
#include "mlgate/predcmd.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

extern char **environ;

/* Input is formatted this much at a time: one pipe's worth. */
#define CHUNK 65536
/* Bytes of a bad line quoted in its message. */
#define SHOW 40

enum { NUM = 1, ARRAY, OBJECT };

/* The shape and values of one output line. */
struct line {
	int form;
	int has_pred;
	double pred;
	size_t k;
	double *proba; /* k values; grown, reused from line to line */
	size_t alloc;
};

struct proc {
	const char *cmd;
	double timeout;
	int jsonl;
	const struct mlg_infer_data *d;
	struct mlg_infer_out *out;
	pid_t pid;	    /* -1 once reaped */
	int in, from;	    /* our ends of its stdin and stdout; -1: closed */
	struct mlg_buf w;   /* input formatted, not yet written */
	size_t woff, row;   /* bytes of w written; next row to format */
	char **keys;	    /* jsonl: "\"name\":" per column */
	struct mlg_buf r;   /* output read, not yet split into lines */
	size_t lines;	    /* output lines seen */
	struct line first;  /* line 1 fixes the shape of every line */
	struct line cur;    /* lines 2 and later */
	struct mlg_buf tmp; /* scratch for parsing */
	double last;	    /* mlg_monotonic() of the last progress */
};

/* Cell (i, j) of `d`. A missing value is an empty CSV cell, which is
 * what pandas and R read as missing (behave.h's "missing" relies on
 * it), or JSON null. */
static void add_cell(struct mlg_buf *b, const struct mlg_infer_data *d,
		     size_t i, size_t j, int jsonl)
{
	double v = d->x[i * d->ncols + j];
	char s[40];
	int n;

	if (mlg_infer_is_missing(d, i, j)) {
		/* a row of one empty cell is a blank line, which CSV
		 * readers skip: "" keeps the row */
		mlg_buf_adds(b, jsonl ? "null" : d->ncols == 1 ? "\"\"" : "");
		return;
	}
	if (mlg_infer_is_text(d, j)) {
		if (jsonl)
			mlg_json_add_str(b, d->text[i * d->ncols + j]);
		else
			mlg_csv_add_field(b, d->text[i * d->ncols + j], ',');
		return;
	}
	if (isinf(v) && jsonl)
		n = snprintf(s, sizeof(s), "%s",
			     v > 0 ? "Infinity" : "-Infinity");
	else
		n = snprintf(s, sizeof(s), "%.17g", v);
	mlg_buf_add(b, s, (size_t)n);
}

/* Format the next rows into the empty input buffer, about CHUNK bytes,
 * so our memory does not grow with the test set. */
static void fill(struct proc *p)
{
	const struct mlg_infer_data *d = p->d;
	size_t j;

	mlg_buf_reset(&p->w);
	p->woff = 0;
	while (p->w.len < CHUNK && p->row < d->nrows) {
		for (j = 0; j < d->ncols; j++) {
			if (p->jsonl) {
				mlg_buf_addch(&p->w, j ? ',' : '{');
				mlg_buf_adds(&p->w, p->keys[j]);
			} else if (j) {
				mlg_buf_addch(&p->w, ',');
			}
			add_cell(&p->w, d, p->row, j, p->jsonl);
		}
		if (p->jsonl)
			mlg_buf_adds(&p->w, d->ncols ? "}" : "{}");
		mlg_buf_addch(&p->w, '\n');
		p->row++;
	}
}

static void setup_input(struct proc *p)
{
	const struct mlg_infer_data *d = p->d;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t j;

	if (p->jsonl) {
		p->keys = mlg_calloc(d->ncols + 1, sizeof(char *));
		for (j = 0; j < d->ncols; j++) {
			mlg_json_add_str(&b, d->names[j]);
			mlg_buf_addch(&b, ':');
			p->keys[j] = mlg_buf_detach(&b, NULL);
		}
		return;
	}
	for (j = 0; j < d->ncols; j++) {
		if (j)
			mlg_buf_addch(&p->w, ',');
		mlg_csv_add_field(&p->w, d->names[j], ',');
	}
	mlg_buf_addch(&p->w, '\n');
}

static int take_proba(struct line *l, const json_t *a)
{
	size_t i, n = json_array_size(a);

	if (!json_is_array(a) || n < 2)
		return -1;
	l->proba = mlg_grow(l->proba, sizeof(double), n, &l->alloc);
	for (i = 0; i < n; i++)
		/* booleans are not probabilities */
		if (mlg_infer_json_number(&l->proba[i], json_array_get(a, i)))
			return -1;
	l->k = n;
	return 0;
}

/* Parse one trimmed line into `l`; -1 when it is none of the shapes. */
static int parse_line(struct line *l, struct mlg_buf *tmp, const char *s,
		      size_t len)
{
	json_t *root, *v;
	const char *key;
	int rc = -1;

	l->form = 0;
	l->has_pred = 0;
	l->k = 0;
	mlg_buf_reset(tmp);
	if (!len || memchr(s, '\0', len))
		return -1;
	if (*s != '[' && *s != '{') {
		mlg_buf_add(tmp, s, len);
		if (mlg_parse_double(&l->pred, tmp->ptr))
			return -1;
		l->form = NUM;
		l->has_pred = 1;
		return 0;
	}
	if (mlg_infer_fix_tokens(tmp, s, len))
		return -1;
	root = json_loadb(tmp->ptr, tmp->len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_array(root)) {
		rc = take_proba(l, root);
		l->form = ARRAY;
	} else if (json_is_object(root)) {
		rc = 0;
		l->form = OBJECT;
		json_object_foreach (root, key, v) {
			if (!strcmp(key, "pred") &&
			    !mlg_infer_json_number(&l->pred, v))
				l->has_pred = 1;
			else if (strcmp(key, "proba") || take_proba(l, v))
				rc = -1;
		}
		if (!l->has_pred && !l->k)
			rc = -1;
	}
	json_decref(root);
	return rc;
}

static int same_shape(const struct line *a, const struct line *b)
{
	return a->form == b->form && a->has_pred == b->has_pred && a->k == b->k;
}

/* The shape of line 1, for messages. */
static void describe(struct mlg_buf *b, const struct line *l)
{
	if (l->form == NUM)
		mlg_buf_adds(b, "a number");
	else if (l->form == ARRAY)
		mlg_buf_addf(b, "a JSON array of %zu probabilities", l->k);
	else if (l->has_pred && l->k)
		mlg_buf_addf(b,
			     "a JSON object with \"pred\" and \"proba\" (%zu "
			     "probabilities)",
			     l->k);
	else if (l->has_pred)
		mlg_buf_adds(b, "a JSON object with \"pred\"");
	else
		mlg_buf_addf(b,
			     "a JSON object with \"proba\" (%zu probabilities)",
			     l->k);
}

/* The start of a bad line, safe to print: control bytes and invalid
 * UTF-8 become '?', and a cut never splits a character. */
static void show(struct mlg_buf *b, const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len && i < SHOW) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 && (n = mlg_utf8_decode(&cp, s + i, len - i))) {
			if (i + n > SHOW)
				break;
			mlg_buf_add(b, s + i, n);
			i += n;
			continue;
		}
		mlg_buf_addch(b, c < 0x20 || c >= 0x7f ? '?' : c);
		i++;
	}
	if (i < len)
		mlg_buf_adds(b, "...");
}

static int bad_line(struct proc *p, size_t no, const char *s, size_t len)
{
	struct mlg_buf what = MLG_BUF_INIT, text = MLG_BUF_INIT;
	int rc;

	if (no == 1)
		mlg_buf_adds(&what, "a number, a JSON array or a JSON object");
	else
		describe(&what, &p->first);
	show(&text, s, len);
	rc = mlg_error_set(MLG_EDATA,
			   "predict command '%s': line %zu: expected %s%s, "
			   "not '%s'",
			   p->cmd, no, what.ptr, no == 1 ? "" : " as on line 1",
			   text.ptr);
	mlg_buf_release(&what);
	mlg_buf_release(&text);
	return rc;
}

static int too_long(struct proc *p, size_t no)
{
	return mlg_error_set(MLG_EDATA,
			     "predict command '%s': line %zu is longer than "
			     "%zu bytes",
			     p->cmd, no, MLG_PREDCMD_MAX_LINE);
}

/* One output line, "\n" excluded. */
static int on_line(struct proc *p, const char *s, size_t len)
{
	struct mlg_infer_out *o = p->out;
	size_t no = ++p->lines, at = no - 1;
	struct line *l = no == 1 ? &p->first : &p->cur;

	if (len > MLG_PREDCMD_MAX_LINE)
		return too_long(p, no);
	/* an extra line is wrong whatever follows; do not wait for an
	 * endless writer to stop */
	if (no > p->d->nrows)
		return mlg_error_set(MLG_EDATA,
				     "predict command '%s' wrote more than "
				     "%zu predictions for %zu rows",
				     p->cmd, p->d->nrows, p->d->nrows);
	while (len &&
	       (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (parse_line(l, &p->tmp, s, len) ||
	    (no > 1 && !same_shape(&p->first, l)))
		return bad_line(p, no, s, len);
	if (no == 1) {
		o->k = l->k;
		if (l->has_pred)
			o->pred = mlg_calloc(p->d->nrows + 1, sizeof(double));
		if (l->k)
			o->proba = mlg_calloc(p->d->nrows * l->k + 1,
					      sizeof(double));
	}
	if (o->pred)
		o->pred[at] = l->pred;
	if (o->proba)
		memcpy(o->proba + at * o->k, l->proba, o->k * sizeof(double));
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Kill and reap the command after a failure of ours. */
static void stop(struct proc *p)
{
	/* the whole process group: sh does not always exec the command,
	 * and a pipeline has several processes. Killed before its pipes
	 * close, so that it dies quietly rather than of EPIPE, with a
	 * traceback on our stderr. */
	if (p->pid > 0)
		kill(-p->pid, SIGKILL);
	close_fd(&p->in);
	close_fd(&p->from);
	if (p->pid <= 0)
		return;
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->pid = -1;
}

static int timed_out(struct proc *p)
{
	stop(p);
	return mlg_error_set(MLG_EIO,
			     "predict command '%s' did not answer within %g s",
			     p->cmd, p->timeout);
}

/* One write of pending input; the write end is closed after the last
 * row, or when the command has closed its stdin (EPIPE: it exited or
 * does not want more, and its output will tell what it made of that). */
static int feed(struct proc *p)
{
	ssize_t n;

	if (p->woff == p->w.len) {
		if (p->row == p->d->nrows) {
			close_fd(&p->in);
			return 0;
		}
		fill(p);
	}
	n = write(p->in, p->w.ptr + p->woff, p->w.len - p->woff);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (errno == EPIPE) {
			close_fd(&p->in);
			return 0;
		}
		return mlg_error_errno(
			errno, "cannot write to predict command '%s'", p->cmd);
	}
	p->woff += (size_t)n;
	p->last = mlg_monotonic();
	return 0;
}

/* One read of output; complete lines are parsed at once, the rest is
 * kept (at most one line). */
static int drain(struct proc *p)
{
	char *s, *end, *nl;
	ssize_t n;
	int rc;

	mlg_buf_grow(&p->r, CHUNK);
	n = read(p->from, p->r.ptr + p->r.len, CHUNK);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return mlg_error_errno(
			errno, "cannot read from predict command '%s'", p->cmd);
	}
	p->last = mlg_monotonic();
	if (!n) {
		close_fd(&p->from);
		/* a last line without "\n" */
		return p->r.len ? on_line(p, p->r.ptr, p->r.len) : 0;
	}
	p->r.len += (size_t)n;
	p->r.ptr[p->r.len] = '\0';
	s = p->r.ptr;
	end = s + p->r.len;
	while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
		if ((rc = on_line(p, s, (size_t)(nl - s))))
			return rc;
		s = nl + 1;
	}
	if ((size_t)(end - s) > MLG_PREDCMD_MAX_LINE)
		return too_long(p, p->lines + 1);
	memmove(p->r.ptr, s, (size_t)(end - s));
	mlg_buf_truncate(&p->r, (size_t)(end - s));
	return 0;
}

/* The poll timeout until the no-progress limit: -1 (none) or ms >= 0;
 * -2 when the limit is reached. */
static int wait_ms(const struct proc *p)
{
	double left;

	if (p->timeout <= 0)
		return -1;
	left = p->last + p->timeout - mlg_monotonic();
	if (left <= 0)
		return -2;
	return left > 86400 ? 86400000 : (int)ceil(left * 1000);
}

/* Write and read at the same time until the output ends. */
static int pump(struct proc *p)
{
	struct pollfd fds[2];
	int nf, wi, ri, ms, n, rc;

	while (p->from >= 0) {
		nf = 0;
		wi = ri = -1;
		if (p->in >= 0) {
			fds[nf].fd = p->in;
			fds[nf].events = POLLOUT;
			wi = nf++;
		}
		fds[nf].fd = p->from;
		fds[nf].events = POLLIN;
		ri = nf++;
		if ((ms = wait_ms(p)) == -2)
			return timed_out(p);
		n = poll(fds, (nfds_t)nf, ms);
		if (n < 0 && errno != EINTR)
			return mlg_error_errno(errno,
					       "cannot poll predict command "
					       "'%s'",
					       p->cmd);
		if (n <= 0)
			continue;
		if (wi >= 0 && fds[wi].revents && (rc = feed(p)))
			return rc;
		if (fds[ri].revents && (rc = drain(p)))
			return rc;
	}
	/* its answer is complete: more input would be read by nobody, or
	 * only delay its exit */
	close_fd(&p->in);
	return 0;
}

/* Wait for the exit, within the no-progress limit. No SIGCHLD, no
 * pidfd: a short sleep between polls costs at most 50 ms. */
static int reap(struct proc *p, int *status)
{
	int ms = 1;
	pid_t r;

	for (;;) {
		r = waitpid(p->pid, status, p->timeout > 0 ? WNOHANG : 0);
		if (r == p->pid) {
			p->pid = -1;
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			p->pid = -1;
			return mlg_error_errno(errno,
					       "cannot wait for predict "
					       "command '%s'",
					       p->cmd);
		}
		if (wait_ms(p) == -2)
			return timed_out(p);
		if (r == 0) {
			poll(NULL, 0, ms);
			ms = ms < 50 ? ms * 2 : 50;
		}
	}
}

/* Descriptors 0-2 of ours (when the caller closed them) would clash
 * with the child's 0 and 1 in the dup2 file actions. */
static int above_stdio(int *fd)
{
	int n;

	if (*fd > 2)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

static int spawn(struct proc *p, const sigset_t *mask)
{
	char *argv[] = {"sh", "-c", (char *)p->cmd, NULL};
	int in[2] = {-1, -1}, out[2] = {-1, -1}, rc, i;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		rc = errno;
		goto fail;
	}
	for (i = 0; i < 2; i++)
		if (above_stdio(&in[i]) || above_stdio(&out[i])) {
			rc = errno;
			goto fail;
		}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* a descriptor leaked without O_CLOEXEC elsewhere in the process
	 * (another pipe) must not keep a pipe of ours open */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	posix_spawnattr_init(&at);
	/* the command gets the caller's mask, and SIGPIPE at its default
	 * even if someone ignored it here: shell pipelines rely on it */
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, mask);
	posix_spawnattr_setsigdefault(&at, &def);
	/* its own process group, so that a kill reaches all of it */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&p->pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		goto fail;
	close(in[0]);
	close(out[1]);
	p->in = in[1];
	p->from = out[0];
	fcntl(p->in, F_SETFL, fcntl(p->in, F_GETFL) | O_NONBLOCK);
	fcntl(p->from, F_SETFL, fcntl(p->from, F_GETFL) | O_NONBLOCK);
	return 0;
fail:
	p->pid = -1;
	for (i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
	}
	return mlg_error_set(MLG_EIO, "cannot start predict command '%s': %s",
			     p->cmd, strerror(rc));
}

static int check_end(struct proc *p, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status))
		return mlg_error_set(MLG_EIO,
				     "predict command '%s' exited with "
				     "status %d",
				     p->cmd, WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return mlg_error_set(MLG_EIO,
				     "predict command '%s' was killed by "
				     "signal %d",
				     p->cmd, WTERMSIG(status));
	if (p->lines != p->d->nrows)
		return mlg_error_set(MLG_EDATA,
				     "predict command '%s' wrote %zu "
				     "predictions for %zu rows",
				     p->cmd, p->lines, p->d->nrows);
	return 0;
}

int mlg_predcmd_run(struct mlg_infer_out *out, const struct mlg_predcmd_opts *o,
		    const struct mlg_infer_data *d)
{
	struct proc p;
	sigset_t pipe_set, old, pending;
	struct timespec zero = {0, 0};
	int rc, status = 0, was_pending;
	size_t j;

	memset(out, 0, sizeof(*out));
	out->n = d->nrows;
	if (!d->nrows)
		return 0;
	memset(&p, 0, sizeof(p));
	p.cmd = o->command;
	p.timeout = o->timeout_s;
	p.jsonl = o->format == MLG_PREDCMD_JSONL;
	p.d = d;
	p.out = out;
	p.pid = -1;
	p.in = p.from = -1;
	mlg_buf_init(&p.w, 0);
	mlg_buf_init(&p.r, 0);
	mlg_buf_init(&p.tmp, 0);
	setup_input(&p);

	/* EPIPE instead of death when the command stops reading; the
	 * signal is thread-directed, so blocking it here is enough */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);

	if ((rc = spawn(&p, &old)))
		goto done;
	p.last = mlg_monotonic();
	if ((rc = pump(&p)) || (rc = reap(&p, &status)))
		goto done;
	rc = check_end(&p, status);
done:
	stop(&p);
	if (!was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (j = 0; p.keys && j < d->ncols; j++)
		free(p.keys[j]);
	free(p.keys);
	free(p.first.proba);
	free(p.cur.proba);
	mlg_buf_release(&p.w);
	mlg_buf_release(&p.r);
	mlg_buf_release(&p.tmp);
	return rc;
}

int mlg_predcmd_predict(struct mlg_infer_out *out,
			const struct mlg_infer_data *d, void *opts)
{
	return mlg_predcmd_run(out, opts, d);
}
