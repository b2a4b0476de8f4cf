/* harness.c - runs the cases of one unit test binary */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/json.h"
#include "test.h"

static jmp_buf env;
static char tmpdir[256];

_Noreturn void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	longjmp(env, 1);
}

static void rmtmp(void)
{
	char cmd[300];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
}

const char *t_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/mlgate-test-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(rmtmp);
	}
	return tmpdir;
}

const char *t_write_bytes(const char *name, const void *s, size_t n)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(s, 1, n, fp) != n || fclose(fp)) {
		perror(path);
		exit(2);
	}
	return path;
}

const char *t_write(const char *name, const char *s)
{
	return t_write_bytes(name, s, strlen(s));
}

int t_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd;

	/* bound to port 0 and closed at once: the kernel's pick, now free */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	T_ASSERT(fd >= 0);
	T_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	T_EQ_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int t_main(const struct t_case *cases, size_t n, int argc, char **argv)
{
	const char *prog =
		strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	volatile int passed = 0, failed = 0;
	volatile size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		if (!selected(cases[i].name, argc, argv))
			continue;
		if (!setjmp(env)) {
			cases[i].fn();
			printf("ok     %s.%s\n", prog, cases[i].name);
			passed++;
		} else {
			printf("FAIL   %s.%s\n", prog, cases[i].name);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

void t_json_dump_new(struct mlg_buf *b, json_t *v)
{
	T_EQ_INT(mlg_json_dump(b, v, 0), 0);
	json_decref(v);
}

void t_json_reparse(struct mlg_json_doc *doc, json_t *v)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_json_dump(&b, v, 0), 0);
	json_decref(v);
	T_EQ_INT(mlg_json_parse(doc, "saved.json", b.ptr, b.len), 0);
	mlg_buf_release(&b);
}

void t_sh(const char *dir, const char *fmt, ...)
{
	struct mlg_buf cmd = MLG_BUF_INIT;
	va_list ap;

	mlg_buf_addf(&cmd, "cd '%s' && (", dir);
	va_start(ap, fmt);
	mlg_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	mlg_buf_adds(&cmd, ") >/dev/null 2>&1");
	if (system(cmd.ptr))
		t_fail(__FILE__, __LINE__, "command failed: %s", cmd.ptr);
	mlg_buf_release(&cmd);
}

void t_rev_parse(char out[41], const char *dir, const char *rev)
{
	struct mlg_buf cmd = MLG_BUF_INIT;
	FILE *p;
	int ok;

	mlg_buf_addf(&cmd, "cd '%s' && git rev-parse %s", dir, rev);
	p = popen(cmd.ptr, "r");
	ok = p && fgets(out, 41, p) != NULL;
	if (p)
		pclose(p);
	mlg_buf_release(&cmd);
	T_ASSERT(ok);
	T_EQ_INT(strlen(out), 40);
}

void t_git_env(void)
{
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
}

uint64_t t_xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}
