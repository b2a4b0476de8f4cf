/* test_predcmd.c - the predict command: real processes through pipes */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/infer.h"
#include "mlgate/predcmd.h"
#include "mlgate/util.h"
#include "test.h"

/* Run from the source root, as the other tests that start scripts. */
#define SCRIPT "/usr/bin/python3 tests/servers/predict_cmd.py"

/* awk answers with the first field of each row: exact expectations */
#define ECHO_X0 "awk -F, 'NR>1{print $1}'"

/* The starts of the line errors, so that each case reads on one line. */
#define NOT_ANY "line 1: expected a number, a JSON array or a JSON object, not "
#define NOT_NUM "line 2: expected a number as on line 1, not "
#define NOT_2P	"line 2: expected a JSON array of 2 probabilities as on line 1, "

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int nfds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!dir)
		t_fail(__FILE__, __LINE__, "cannot open /proc/self/fd");
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Run `cmd` on `d`, then check what every run must leave behind: no
 * descriptor, no child, SIGPIPE neither blocked nor pending. */
static int run(struct mlg_infer_out *out, const char *cmd, int jsonl,
	       double timeout, const struct mlg_infer_data *d)
{
	struct mlg_predcmd_opts o = {
		cmd, jsonl ? MLG_PREDCMD_JSONL : MLG_PREDCMD_CSV, timeout};
	sigset_t set;
	int before = nfds(), rc;

	mlg_error_clear();
	rc = mlg_predcmd_run(out, &o, d);
	T_EQ_INT(nfds(), before);
	errno = 0;
	T_EQ_INT(waitpid(-1, NULL, WNOHANG), -1);
	T_EQ_INT(errno, ECHILD);
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	T_ASSERT(!sigismember(&set, SIGPIPE));
	sigpending(&set);
	T_ASSERT(!sigismember(&set, SIGPIPE));
	return rc;
}

/* nrows rows of ncols features x0.. with x[i][j] = i / 7 + j. */
static void mkdata(struct mlg_infer_data *d, size_t nrows, size_t ncols)
{
	size_t i, j;

	memset(d, 0, sizeof(*d));
	d->nrows = nrows;
	d->ncols = ncols;
	d->names = mlg_calloc(ncols + 1, sizeof(char *));
	for (j = 0; j < ncols; j++)
		d->names[j] = mlg_strfmt("x%zu", j);
	d->x = mlg_calloc(nrows * ncols + 1, sizeof(double));
	for (i = 0; i < nrows; i++)
		for (j = 0; j < ncols; j++)
			d->x[i * ncols + j] = (double)i / 7 + (double)j;
	d->knames = mlg_calloc(1, sizeof(char *));
}

static char *slurp(const char *path)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_file_read(&b, path, 1 << 26), 0);
	return mlg_buf_detach(&b, NULL);
}

/* run() that must succeed, in CSV within 10 s; a failure names `cmd`. */
static void ok(struct mlg_infer_out *out, const char *cmd,
	       const struct mlg_infer_data *d)
{
	if (run(out, cmd, 0, 10, d))
		t_fail(__FILE__, __LINE__, "'%s' failed: %s", cmd,
		       mlg_error_message());
}

/* Expect failure `code` with the message "predict command '<cmd>'<msg>",
 * and no later than a second after the timeout: a command that hangs is
 * killed, not waited for. */
static void fails(const struct mlg_infer_data *d, const char *cmd,
		  double timeout, int code, const char *msg)
{
	struct mlg_infer_out out;
	char *want = mlg_strfmt("predict command '%s'%s", cmd, msg);
	double t = mlg_monotonic();
	int rc = run(&out, cmd, 0, timeout, d);

	if (rc != code)
		t_fail(__FILE__, __LINE__, "'%s' returned %d, expected %d", cmd,
		       rc, code);
	T_ASSERT(mlg_monotonic() - t < timeout + 1);
	T_EQ_STR(mlg_error_message(), want);
	free(want);
	mlg_infer_out_release(&out);
}

struct fail {
	const char *cmd;
	int code;
	const char *msg; /* after "predict command '<cmd>'" */
};

/* fails() for each of `c`, on nrows rows of 2 features, within 10 s */
static void fails_all(size_t nrows, const struct fail *c, size_t n)
{
	struct mlg_infer_data d;
	size_t i;

	mkdata(&d, nrows, 2);
	for (i = 0; i < n; i++)
		fails(&d, c[i].cmd, 10, c[i].code, c[i].msg);
	mlg_infer_data_release(&d);
}

/* run() with our stderr sent to a file: returns what went there (new) */
static char *run_err(int *rc, struct mlg_infer_out *out, const char *cmd,
		     const struct mlg_infer_data *d)
{
	char *path = mlg_strfmt("%s/stderr", t_tmpdir()), *err;
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	T_ASSERT(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	*rc = run(out, cmd, 0, 10, d);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	err = slurp(path);
	free(path);
	return err;
}

/* The answer of a command that ignores its input, parsed. */
struct answer {
	const char *cmd;
	size_t n, k;
	const double *pred, *proba; /* n and n * k values; NULL: none */
};

/* got[] is want[] exactly, NaN for NaN; both NULL or neither. */
static void same(const char *cmd, const char *what, const double *got,
		 const double *want, size_t n)
{
	size_t i;

	if (!got != !want)
		t_fail(__FILE__, __LINE__, "'%s': %s %s", cmd, what,
		       got ? "set" : "missing");
	for (i = 0; want && i < n; i++)
		if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i]))))
			t_fail(__FILE__, __LINE__,
			       "'%s': %s[%zu] == %.17g, expected %.17g", cmd,
			       what, i, got[i], want[i]);
}

static void answers(const struct answer *c, size_t n)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	size_t i;

	for (i = 0; i < n; i++) {
		mkdata(&d, c[i].n, 2);
		ok(&out, c[i].cmd, &d);
		T_EQ_INT(out.n, c[i].n);
		T_EQ_INT(out.k, c[i].k);
		same(c[i].cmd, "pred", out.pred, c[i].pred, c[i].n);
		same(c[i].cmd, "proba", out.proba, c[i].proba, c[i].n * c[i].k);
		mlg_infer_out_release(&out);
		mlg_infer_data_release(&d);
	}
}

/* The answer is x0 of each of n rows, i / 7, as numbers. */
static void check_x0(const struct mlg_infer_out *out, size_t n)
{
	size_t i;

	T_EQ_INT(out->n, n);
	T_EQ_INT(out->k, 0);
	T_ASSERT(!out->proba && out->pred);
	for (i = 0; i < n; i++)
		if (out->pred[i] != (double)i / 7)
			t_fail(__FILE__, __LINE__, "row %zu: %.17g", i,
			       out->pred[i]);
}

/* `cmd` on nrows rows of ncols features answers with x0. */
static void echoes(const char *cmd, size_t nrows, size_t ncols)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;

	mkdata(&d, nrows, ncols);
	ok(&out, cmd, &d);
	check_x0(&out, nrows);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_number_lines(void)
{
	/* tokens, spaces, CRLF and a last line without "\n" */
	const struct answer c[] = {
		{"printf '1\\nNaN\\n-Infinity\\n inf \\r\\n\\t-3e-2\\n2.5'", 6,
		 0, (const double[]){1, NAN, -INFINITY, INFINITY, -3e-2, 2.5},
		 NULL},
	};

	echoes(ECHO_X0, 50, 3);
	answers(c, N(c));
}

static void test_array_lines(void)
{
	const struct answer c[] = {
		{"printf '[0.25,0.75]\\n [NaN, 1] \\n"
		 "[1e-3,0.99899999999999999911]\\n'",
		 3, 2, NULL, (const double[]){0.25, 0.75, NAN, 1, 1e-3, 0.999}},
	};

	answers(c, N(c));
}

static void test_object_lines(void)
{
	const struct answer c[] = {
		{"echo '{\"pred\": 2, \"proba\": [0.1, 0.2, 0.7]}'; "
		 "echo '{\"proba\":[0.5,0.25,0.25],\"pred\":0}'",
		 2, 3, (const double[]){2, 0},
		 (const double[]){0.1, 0.2, 0.7, 0.5, 0.25, 0.25}},
		{"echo '{\"pred\":7}'; echo '{\"pred\":-Infinity}'", 2, 0,
		 (const double[]){7, -INFINITY}, NULL},
		{"echo '{\"proba\":[1,0]}'; echo '{\"proba\":[0,1]}'", 2, 2,
		 NULL, (const double[]){1, 0, 0, 1}},
	};

	answers(c, N(c));
}

/* The exact bytes a command reads. */
static void wire(int jsonl, const char *expect)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	const char *path = t_write("in.txt", "");
	char *cmd = mlg_strfmt("cat >'%s'; echo 0; echo 1", path), *got;

	mkdata(&d, 2, 3);
	free(d.names[1]);
	free(d.names[2]);
	d.names[1] = mlg_strdup("b,c");
	d.names[2] = mlg_strdup("q\"x\\");
	d.x[0] = 0.1;
	d.x[1] = -2.5;
	d.x[2] = 1e300;
	d.x[3] = NAN;
	d.x[4] = INFINITY;
	d.x[5] = -INFINITY;
	T_EQ_INT(run(&out, cmd, jsonl, 10, &d), 0);
	got = slurp(path);
	T_EQ_STR(got, expect);
	T_ASSERT(out.pred[0] == 0 && out.pred[1] == 1);
	free(got);
	free(cmd);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_wire_csv(void)
{
	wire(0, "x0,\"b,c\",\"q\"\"x\\\"\n"
		"0.10000000000000001,-2.5,1.0000000000000001e+300\n"
		",inf,-inf\n");
}

static void test_wire_jsonl(void)
{
	/* NaN is a missing value: null */
	wire(1, "{\"x0\":0.10000000000000001,\"b,c\":-2.5,"
		"\"q\\\"x\\\\\":1.0000000000000001e+300}\n"
		"{\"x0\":null,\"b,c\":Infinity,\"q\\\"x\\\\\":-Infinity}\n");
}

/* The exact bytes a command reads of `d` (released here). */
static void wire_data(struct mlg_infer_data *d, int jsonl, const char *expect)
{
	struct mlg_infer_out out;
	const char *path = t_write("in.txt", "");
	char *cmd, *got;
	size_t i;

	cmd = mlg_strfmt("cat >'%s'; for i in $(seq %zu); do echo 1; done",
			 path, d->nrows);
	T_EQ_INT(run(&out, cmd, jsonl, 10, d), 0);
	got = slurp(path);
	T_EQ_STR(got, expect);
	for (i = 0; i < d->nrows; i++)
		T_ASSERT(out.pred[i] == 1);
	free(got);
	free(cmd);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(d);
}

/* Text columns as RFC 4180 fields or JSON strings; a missing cell as
 * an empty field or null. */
static void test_wire_text(void)
{
	static const char *const keep[] = {"y"};
	static const char csv[] = "id,x0,country,x1,y\n"
				  "r1,0.5,FR,1,0\n"
				  "r2,,\"D,\"\"E\"\"\",2,1\n"
				  "r3,-1,,3,1\n";
	struct mlg_infer_data d;
	int jsonl;

	for (jsonl = 0; jsonl < 2; jsonl++) {
		T_EQ_INT(mlg_infer_data_read(&d, t_write("t.csv", csv), keep, 1,
					     NULL, 0),
			 0);
		wire_data(&d, jsonl,
			  jsonl ? "{\"id\":\"r1\",\"x0\":0.5,\"country\":"
				  "\"FR\",\"x1\":1}\n"
				  "{\"id\":\"r2\",\"x0\":null,\"country\":"
				  "\"D,\\\"E\\\"\",\"x1\":2}\n"
				  "{\"id\":\"r3\",\"x0\":-1,\"country\":"
				  "null,\"x1\":3}\n"
				: "id,x0,country,x1\n"
				  "r1,0.5,FR,1\n"
				  "r2,,\"D,\"\"E\"\"\",2\n"
				  "r3,-1,,3\n");
	}

	/* one column: a missing cell must not make a blank line */
	mkdata(&d, 3, 1);
	d.is_text = mlg_calloc(1, 1);
	d.is_text[0] = 1;
	d.text = mlg_calloc(3, sizeof(char *));
	d.text[0] = "a\nb";
	d.text[2] = "\xc3\xa9";
	wire_data(&d, 0, "x0\n\"a\nb\"\n\"\"\n\xc3\xa9\n");
	mkdata(&d, 3, 1);
	d.x[0] = NAN;
	wire_data(&d, 0,
		  "x0\n\"\"\n0.14285714285714285\n"
		  "0.2857142857142857\n");
}

/* 200k rows, 4 MB each way: more than any pipe holds, so a client that
 * wrote everything before reading would deadlock on the first command,
 * and one that read before writing on the second. */
static void test_large_streamed(void)
{
	echoes(ECHO_X0, 200000, 2);
}

static void test_large_read_all_first(void)
{
	echoes("awk -F, 'NR>1{a[NR]=$1} END{for(i=2;i<=NR;i++) print a[i]}'",
	       200000, 2);
}

/* The command answers without reading: our writes meet a closed pipe
 * (EPIPE, SIGPIPE), which is not an error when the answer is whole. */
static void test_answer_without_reading(void)
{
	static const struct fail c[] = {
		{"exit 3", MLG_EIO, " exited with status 3"},
		{"head -n 3 >/dev/null", MLG_EDATA,
		 " wrote 0 predictions for 200000 rows"},
	};
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	struct sigaction sa;

	mkdata(&d, 200000, 2);
	ok(&out, "exec seq 0 199999", &d);
	T_ASSERT(out.pred[0] == 0 && out.pred[199999] == 199999);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
	fails_all(200000, c, N(c));
	sigaction(SIGPIPE, NULL, &sa);
	T_ASSERT(sa.sa_handler == SIG_DFL);
}

static void test_exit_and_signal(void)
{
	static const struct fail c[] = {
		/* the status wins over the count */
		{"awk 'NR>2{print 1}'; exit 3", MLG_EIO,
		 " exited with status 3"},
		{"kill -9 $$", MLG_EIO, " was killed by signal 9"},
	};
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	char *err;
	int rc;

	fails_all(6, c, N(c));
	mkdata(&d, 6, 2);
	err = run_err(&rc, &out, "/nonexistent/predict --fast", &d);
	T_EQ_INT(rc, MLG_EIO);
	T_EQ_STR(mlg_error_message(), "predict command '/nonexistent/predict "
				      "--fast' exited with status 127");
	T_CONTAINS(err, "/nonexistent/predict: not found");
	free(err);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_counts(void)
{
	static const struct fail c[] = {
		{"awk 'NR>2{print 1}'", MLG_EDATA,
		 " wrote 5 predictions for 6 rows"},
		{"true", MLG_EDATA, " wrote 0 predictions for 6 rows"},
		{"awk 'NR>1{print 1; print 2}'", MLG_EDATA,
		 " wrote more than 6 predictions for 6 rows"},
		/* an endless writer is stopped, not waited for */
		{"exec yes 1", MLG_EDATA,
		 " wrote more than 6 predictions for 6 rows"},
		{"printf '1\\n2\\n3\\n4\\n5\\n6\\n\\n'", MLG_EDATA,
		 " wrote more than 6 predictions for 6 rows"},
	};

	fails_all(6, c, N(c));
}

static void test_bad_lines(void)
{
	static const struct {
		const char *lines, *msg;
	} c[] = {
		{"1\n1\n1\nabc\n1\n1\n",
		 "line 4: expected a number as on line 1, not 'abc'"},
		{"pred\n1\n", NOT_ANY "'pred'"},
		{"\n1\n", NOT_ANY "''"},
		{"1\n[0.2, 0.8]\n", NOT_NUM "'[0.2, 0.8]'"},
		{"[0.2,0.8]\n[0.1,0.2,0.7]\n", NOT_2P "not '[0.1,0.2,0.7]'"},
		{"[0.2,0.8]\n0\n", NOT_2P "not '0'"},
		{"{\"pred\":1,\"proba\":[0.2,0.8]}\n{\"pred\":1}\n",
		 "line 2: expected a JSON object with \"pred\" and \"proba\" "
		 "(2 "
		 "probabilities) as on line 1, not '{\"pred\":1}'"},
		{"{\"pred\":1}\n1\n", "line 2: expected a JSON object with "
				      "\"pred\" as on line 1, not '1'"},
		{"{\"proba\":[0,0,1]}\n{\"proba\":[0,1]}\n",
		 "line 2: expected a JSON object with \"proba\" (3 "
		 "probabilities) "
		 "as on line 1, not '{\"proba\":[0,1]}'"},
		/* strict shapes */
		{"[0.5]\n", NOT_ANY "'[0.5]'"},
		{"[0.5, \"x\"]\n", NOT_ANY "'[0.5, \"x\"]'"},
		{"[0.2, 0.8\n", NOT_ANY "'[0.2, 0.8'"},
		{"{\"pred\":1,\"score\":3}\n",
		 NOT_ANY "'{\"pred\":1,\"score\":3}'"},
		{"{\"pred\":1,\"pred\":2}\n",
		 NOT_ANY "'{\"pred\":1,\"pred\":2}'"},
		{"{}\n", NOT_ANY "'{}'"},
		{"true\n", NOT_ANY "'true'"},
		{"1 2\n", NOT_ANY "'1 2'"},
		/* what is quoted: cut at 40 bytes, never inside a character,
		 * control bytes and invalid UTF-8 as '?' */
		{"1\n0123456789012345678901234567890123456789xyz\n",
		 NOT_NUM "'0123456789012345678901234567890123456789...'"},
		{"1\n012345678901234567890123456789012345678\xc3\xa9\n",
		 NOT_NUM "'012345678901234567890123456789012345678...'"},
		{"1\n\xc3\xa9\xff\x01x\x1b\n", NOT_NUM "'\xc3\xa9??x?'"},
	};
	struct mlg_infer_data d;
	char *cmd = mlg_strfmt("cat '%s'", t_write("out.txt", "")), *msg;
	size_t i;

	mkdata(&d, 6, 2);
	for (i = 0; i < N(c); i++) {
		t_write("out.txt", c[i].lines);
		msg = mlg_strfmt(": %s", c[i].msg);
		fails(&d, cmd, 10, MLG_EDATA, msg);
		free(msg);
	}
	free(cmd);
	mlg_infer_data_release(&d);
}

static void test_nul_and_long_lines(void)
{
	static const struct fail c[] = {
		{"printf '1\\n2\\0003\\n'", MLG_EDATA, ": " NOT_NUM "'2?3'"},
		{"head -c 1100000 /dev/zero | tr '\\0' 7", MLG_EDATA,
		 ": line 1 is longer than 1048576 bytes"},
	};

	fails_all(6, c, N(c));
}

static void test_timeout(void)
{
	struct mlg_infer_data d;

	mkdata(&d, 6, 2);
	fails(&d, "exec sleep 5", 0.3, MLG_EIO, " did not answer within 0.3 s");
	mlg_infer_data_release(&d);
}

/* Every process of it is killed, not only the shell. */
static void test_timeout_kills_all(void)
{
	struct mlg_infer_data d;
	const char *pidf = t_write("pid", "");
	char *cmd = mlg_strfmt("sleep 5 & echo $! >'%s'; wait", pidf);
	char *pid, *stat;
	struct mlg_buf b = MLG_BUF_INIT;
	int i;

	mkdata(&d, 6, 2);
	fails(&d, cmd, 0.3, MLG_EIO, " did not answer within 0.3 s");
	pid = slurp(pidf);
	pid[strcspn(pid, "\n")] = '\0';
	T_ASSERT(*pid);
	stat = mlg_strfmt("/proc/%s/stat", pid);
	/* gone, or a zombie until init reaps it */
	for (i = 0; i < 100; i++) {
		mlg_buf_reset(&b);
		if (mlg_file_read(&b, stat, 4096) || strstr(b.ptr, ") Z "))
			break;
		poll(NULL, 0, 10);
	}
	T_ASSERT(i < 100);
	free(stat);
	free(pid);
	free(cmd);
	mlg_buf_release(&b);
	mlg_infer_data_release(&d);
}

static void test_timeout_progress(void)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;

	mkdata(&d, 6, 2);
	/* no progress after the output ended: waiting for the exit */
	fails(&d, "awk 'NR>1{print 1}'; exec >&-; exec sleep 5", 0.3, MLG_EIO,
	      " did not answer within 0.3 s");
	/* steady progress is not a timeout, however long it all takes */
	T_EQ_INT(run(&out,
		     "awk 'NR>1{print 1; fflush(); system(\"sleep 0.1\")}'", 0,
		     0.3, &d),
		 0);
	T_EQ_INT(out.n, 6);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_stderr_passthrough(void)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	char *err;
	int rc;

	mkdata(&d, 3, 2);
	err = run_err(&rc, &out, "echo 'model: loaded' >&2; " ECHO_X0, &d);
	T_EQ_INT(rc, 0);
	T_EQ_STR(err, "model: loaded\n");
	check_x0(&out, 3);
	free(err);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

/* With our 0 and 1 closed, the pipes get those numbers: they must still
 * land on the command's stdin and stdout. */
static void test_stdio_closed(void)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	int s0 = dup(0), s1 = dup(1), rc;

	mkdata(&d, 4, 2);
	fflush(stdout);
	close(0);
	close(1);
	rc = run(&out, ECHO_X0, 0, 10, &d);
	dup2(s0, 0);
	dup2(s1, 1);
	close(s0);
	close(s1);
	T_EQ_INT(rc, 0);
	check_x0(&out, 4);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_no_rows(void)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;

	mkdata(&d, 0, 2);
	ok(&out, "exit 3", &d);
	T_ASSERT(out.n == 0 && !out.pred && !out.proba);
	mlg_infer_data_release(&d);
}

/* The real model: test.csv written by the script, read as model-test
 * reads it, answered by scikit-learn through the pipes. */
static void model(const char *flags, int jsonl, const char *out_flag)
{
	struct mlg_infer_data d;
	struct mlg_infer_out out;
	const char *keep[] = {"y", "id"};
	char *dir = mlg_strdup(t_tmpdir()), *csv, *exp, *cmd, *text, *line,
	     *at = NULL;
	size_t i = 0;

	static int written;

	if (!written++)
		t_sh(".", SCRIPT " --write '%s'", dir);
	csv = mlg_strfmt("%s/test.csv", dir);
	exp = mlg_strfmt("%s/expected.txt", dir);
	T_EQ_INT(mlg_infer_data_read(&d, csv, keep, 2, NULL, 0), 0);
	T_EQ_INT(d.nrows, 100);
	T_EQ_INT(d.ncols, 4);
	cmd = mlg_strfmt(SCRIPT " %s --output %s --expect '%s'", flags,
			 out_flag, exp);
	T_EQ_INT(run(&out, cmd, jsonl, 30, &d), 0);
	text = slurp(exp);
	for (line = strtok_r(text, "\n", &at); line;
	     line = strtok_r(NULL, "\n", &at), i++) {
		double p0, p1;
		int lab;

		T_EQ_INT(sscanf(line, "%lf,%lf,%d", &p0, &p1, &lab), 3);
		if (out.proba) {
			T_ASSERT(out.proba[i * 2] == p0);
			T_ASSERT(out.proba[i * 2 + 1] == p1);
		}
		if (out.pred)
			T_ASSERT(out.pred[i] == lab);
	}
	T_EQ_INT(i, 100);
	T_EQ_INT(out.k, strcmp(out_flag, "label") ? 2 : 0);
	T_ASSERT(!out.pred == !strcmp(out_flag, "proba"));
	free(text);
	free(cmd);
	free(exp);
	free(csv);
	free(dir);
	mlg_infer_out_release(&out);
	mlg_infer_data_release(&d);
}

static void test_model_csv(void)
{
	model("", 0, "proba");
}

static void test_model_jsonl_batch(void)
{
	model("--format jsonl --batch", 1, "both");
}

static void test_model_label(void)
{
	model("", 0, "label");
}

/* Command mode end to end, as model-test runs it: the test set read,
 * the predict function plugged into mlg_infer_to_file(), and the
 * predictions CSV it writes, which the file mode then reads. */
static int to_file(struct mlg_infer_file *f, struct mlg_predcmd_opts *o,
		   const char *src, size_t nkeep, const char *features,
		   const char *save)
{
	static const char *const keep[] = {"y", "id", "country"};
	struct mlg_model m = {mlg_predcmd_predict, o, nkeep > 1};
	struct mlg_infer_data d;
	int rc;

	mlg_error_clear();
	rc = mlg_infer_data_read_list(&d, src, keep, nkeep, features);
	if (!rc)
		rc = mlg_infer_to_file(f, &d, &m, save);
	mlg_infer_data_release(&d);
	return rc;
}

static void test_to_file(void)
{
	static const struct {
		const char *cmd;
		size_t nkeep;
		const char *features;
		int has_pred;
		size_t nproba;
		const char *csv;
	} c[] = {
		{"awk -F, 'NR>1{print \"[\" 1-$1 \",\" $1 \"]\"}'", 3, NULL, 0,
		 2, "id,y,proba,country\nr1,0,0.5,FR\nr2,1,0.25,DE\n"},
		{ECHO_X0, 1, "x1", 1, 0, "id,y,pred\n1,0,1\n2,1,2\n"},
	};
	struct mlg_predcmd_opts o = {"exit 2", MLG_PREDCMD_CSV, 10};
	struct mlg_infer_file f;
	char *src = mlg_strdup(t_write("data.csv", "id,x0,country,x1,y\n"
						   "r1,0.5,FR,1,0\n"
						   "r2,0.25,DE,2,1\n")),
	     *save = mlg_strfmt("%s/preds.csv", t_tmpdir()), *text;
	size_t i;

	for (i = 0; i < N(c); i++) {
		o.command = c[i].cmd;
		T_EQ_INT(to_file(&f, &o, src, c[i].nkeep, c[i].features, save),
			 0);
		T_EQ_STR(f.path, save);
		T_EQ_INT(f.temporary, 0);
		T_EQ_INT(f.has_pred, c[i].has_pred);
		T_EQ_INT(f.nproba, c[i].nproba);
		text = slurp(save);
		T_EQ_STR(text, c[i].csv);
		free(text);
		mlg_infer_file_release(&f);
	}

	/* a failure writes nothing */
	o.command = "exit 2";
	T_EQ_INT(to_file(&f, &o, src, 1, "x0", NULL), MLG_EIO);
	T_EQ_STR(mlg_error_message(),
		 "predict command 'exit 2' exited with status 2");
	T_ASSERT(!f.path);
	free(save);
	free(src);
}

/* The script's failure modes, on 6 rows of its 4 features. */
static void script_fails(const char *flag, double timeout, int code,
			 const char *msg)
{
	struct mlg_infer_data d;
	char *cmd = mlg_strfmt(SCRIPT " %s", flag);

	mkdata(&d, 6, 4);
	fails(&d, cmd, timeout, code, msg);
	free(cmd);
	mlg_infer_data_release(&d);
}

static void test_model_exit_after(void)
{
	script_fails("--exit-after 2", 30, MLG_EIO, " exited with status 3");
}

static void test_model_garbage(void)
{
	script_fails("--garbage 3", 30, MLG_EDATA,
		     ": line 3: expected a JSON array of 2 probabilities as "
		     "on line 1, not 'abc'");
}

static void test_model_too_few(void)
{
	script_fails("--too-few --batch", 30, MLG_EDATA,
		     " wrote 5 predictions for 6 rows");
}

/* within 1.5 s: fails() allows the timeout and a second */
static void test_model_sleep(void)
{
	script_fails("--sleep", 0.5, MLG_EIO, " did not answer within 0.5 s");
}

MLG_TESTS(T(test_number_lines), T(test_array_lines), T(test_object_lines),
	  T(test_wire_csv), T(test_wire_jsonl), T(test_wire_text),
	  T(test_large_streamed), T(test_large_read_all_first),
	  T(test_answer_without_reading), T(test_exit_and_signal),
	  T(test_counts), T(test_bad_lines), T(test_nul_and_long_lines),
	  T(test_timeout), T(test_timeout_kills_all), T(test_timeout_progress),
	  T(test_stderr_passthrough), T(test_stdio_closed), T(test_no_rows),
	  T(test_to_file), T(test_model_csv), T(test_model_jsonl_batch),
	  T(test_model_label), T(test_model_exit_after), T(test_model_garbage),
	  T(test_model_too_few), T(test_model_sleep))
