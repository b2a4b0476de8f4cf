/*
 * server.h - start tests/servers/http_server.py for a unit test binary
 *
 * Included by tests/unit/test_http.c and test_stream.c. The server is
 * started on first use, bound to 127.0.0.1 on a free port, and stopped
 * when the test binary exits: it also exits by itself when its standard
 * input (a pipe this process holds) closes, so a crashed test leaves no
 * server behind. Proxy variables are cleared so that curl talks to it
 * directly. The path of the script is found from this file's, so the
 * test must run from the directory it was built in (the source root).
 */
#ifndef MLGATE_TEST_SERVER_H
#define MLGATE_TEST_SERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static pid_t t_srv_pid;
static int t_srv_port;
static int t_srv_lifeline = -1;

static void t_server_stop(void)
{
	if (t_srv_pid > 0) {
		kill(t_srv_pid, SIGTERM);
		waitpid(t_srv_pid, NULL, 0);
		t_srv_pid = 0;
	}
	if (t_srv_lifeline >= 0)
		close(t_srv_lifeline);
	t_srv_lifeline = -1;
}

/* The port of the running server; starts it serving files from `dir`
 * the first time. */
static int t_server_port(const char *dir)
{
	static const char *proxies[] = {"http_proxy", "https_proxy",
					"HTTP_PROXY", "HTTPS_PROXY",
					"all_proxy",  "ALL_PROXY"};
	char script[512], line[32];
	int in[2], out[2], ok;
	const char *slash;
	size_t i;
	FILE *fp;

	if (t_srv_pid > 0)
		return t_srv_port;
	for (i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	setenv("no_proxy", "*", 1);
	slash = strrchr(__FILE__, '/');
	snprintf(script, sizeof(script), "%.*s/http_server.py",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	if (access(script, R_OK))
		t_fail(__FILE__, __LINE__,
		       "cannot find %s (run from the source "
		       "root)",
		       script);
	if (access("/usr/bin/python3", X_OK))
		t_fail(__FILE__, __LINE__,
		       "/usr/bin/python3 is missing "
		       "(apt-get install python3)");
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		t_fail(__FILE__, __LINE__, "pipe failed");
	t_srv_pid = fork();
	if (t_srv_pid < 0)
		t_fail(__FILE__, __LINE__, "fork failed");
	if (!t_srv_pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/usr/bin/python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t_srv_lifeline = in[1];
	atexit(t_server_stop);
	fp = fdopen(out[0], "r");
	ok = fp && fgets(line, sizeof(line), fp) && atoi(line) > 0;
	if (fp)
		fclose(fp);
	else
		close(out[0]);
	if (!ok) {
		t_server_stop();
		t_fail(__FILE__, __LINE__,
		       "the test HTTP server did not start");
	}
	t_srv_port = atoi(line);
	return t_srv_port;
}

/* "http://127.0.0.1:<port><path>" for the test server serving the test's
 * scratch folder; the last four results stay valid. */
static const char *url(const char *path)
{
	static char u[4][256];
	static int next;
	char *p = u[next++ % 4];

	snprintf(p, 256, "http://127.0.0.1:%d%s", t_server_port(t_tmpdir()),
		 path);
	return p;
}

#endif
