#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/util.h"
#include "test.h"

#include "../servers/server.h"

/* `msg` with the URL of `path` before it: "'<url>': msg". */
static const char *want(const char *path, const char *msg)
{
	static char w[600];

	snprintf(w, sizeof(w), "'%s': %s", url(path), msg);
	return w;
}

static void write_small(void)
{
	t_write("small.txt", "id,label\n1,cat\n2,dog\n");
}

static void test_global_init(void)
{
	T_EQ_INT(mlg_http_global_init(), 0);
}

static void test_get_small(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	write_small();
	T_EQ_INT(mlg_http_get(&b, url("/files/small.txt"), 5), 0);
	T_EQ_STR(b.ptr, "id,label\n1,cat\n2,dog\n");
	/* appends */
	T_EQ_INT(mlg_http_get(&b, url("/files/small.txt"), 0), 0);
	T_EQ_INT(b.len, 42);
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_http_get(&b, url("/empty"), 5), 0);
	T_EQ_INT(b.len, 0);
	T_EQ_STR(b.ptr, "");
	mlg_buf_release(&b);
}

static void test_get_cap(void)
{
	struct mlg_buf b;

	write_small();
	/* exactly the cap fits */
	mlg_buf_init(&b, 21);
	T_EQ_INT(mlg_http_get(&b, url("/files/small.txt"), 5), 0);
	T_EQ_INT(b.len, 21);
	mlg_buf_release(&b);
	mlg_buf_init(&b, 10);
	T_EQ_INT(mlg_http_get(&b, url("/files/small.txt"), 5), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 want("/files/small.txt", "response larger than 10 bytes"));
	T_EQ_INT(b.len, 0);
	mlg_buf_release(&b);
}

static void test_user_agent(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_http_get(&b, url("/ua"), 5), 0);
	T_ASSERT(mlg_starts_with(b.ptr, "mlgate/"));
	T_ASSERT(b.len > 7);
	mlg_buf_release(&b);
}

static void test_status_errors(void)
{
	struct mlg_http_stream *h = (struct mlg_http_stream *)1;
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_http_open(&h, url("/text404"), 5), MLG_ENETWORK);
	T_ASSERT(h == NULL);
	T_EQ_STR(mlg_error_message(),
		 want("/text404", "HTTP 404: no such dataset: x.csv"));
	/* an HTML page or a long body gives no detail */
	T_EQ_INT(mlg_http_get(&b, url("/html404"), 5), MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(), want("/html404", "HTTP 404"));
	T_EQ_INT(mlg_http_get(&b, url("/long500"), 5), MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(), want("/long500", "HTTP 500"));
	T_EQ_INT(b.len, 0);
	T_EQ_INT(mlg_http_get(&b, url("/files/absent"), 5), MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(),
		 want("/files/absent", "HTTP 404: no such file"));
	T_EQ_INT(mlg_error_exit_code(mlg_error_last()->code), MLG_EXIT_RUNTIME);
	mlg_buf_release(&b);
}

static void test_redirects(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	write_small();
	T_EQ_INT(mlg_http_get(&b, url("/redirect/5"), 5), 0);
	T_EQ_STR(b.ptr, "id,label\n1,cat\n2,dog\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_http_get(&b, url("/redirect/6"), 5), MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(),
		 want("/redirect/6", "Maximum (5) redirects followed"));
	/* http must not turn into file:// */
	T_EQ_INT(mlg_http_get(&b, url("/tofile"), 5), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), want("/tofile", ""));
	T_CONTAINS(mlg_error_message(), "\"file\" not supported or disabled");
	T_EQ_INT(b.len, 0);
	mlg_buf_release(&b);
}

static void test_half_body(void)
{
	struct mlg_http_stream *h = NULL;
	char buf[300];
	size_t got = 0;
	ssize_t r;

	T_EQ_INT(mlg_http_open(&h, url("/half"), 5), 0);
	while ((r = mlg_http_read(h, buf, sizeof(buf))) > 0) {
		T_ASSERT(!memcmp(buf, "aaaaaaaaaa",
				 (size_t)r < 10 ? (size_t)r : 10));
		got += (size_t)r;
	}
	T_EQ_INT(got, 500);
	T_EQ_INT(r, MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(),
		 want("/half", "transfer closed with 500 bytes remaining to "
			       "read"));
	/* the failure stays */
	mlg_error_clear();
	T_EQ_INT(mlg_http_read(h, buf, 1), MLG_ENETWORK);
	T_EQ_STR(mlg_error_message(),
		 want("/half", "transfer closed with 500 bytes remaining to "
			       "read"));
	T_EQ_INT(mlg_http_read(h, buf, 0), 0);
	mlg_http_close(h);
}

static void test_stalls(void)
{
	struct mlg_http_stream *h = NULL;
	struct mlg_buf b = MLG_BUF_INIT;
	char buf[100];
	double t0 = mlg_monotonic(), dt;

	/* the body stops after 10 bytes */
	T_EQ_INT(mlg_http_open(&h, url("/stall"), 1), 0);
	T_EQ_INT(mlg_http_read(h, buf, sizeof(buf)), 10);
	T_ASSERT(!memcmp(buf, "0123456789", 10));
	/* the caller's own time is not a stall */
	usleep(1200 * 1000);
	t0 = mlg_monotonic();
	T_EQ_INT(mlg_http_read(h, buf, sizeof(buf)), MLG_ENETWORK);
	dt = mlg_monotonic() - t0;
	T_ASSERT(dt >= 0.9 && dt < 2.5);
	T_EQ_STR(mlg_error_message(),
		 want("/stall", "no data received in 1 s"));
	mlg_http_close(h);
	/* no answer at all */
	t0 = mlg_monotonic();
	h = (struct mlg_http_stream *)1;
	T_EQ_INT(mlg_http_open(&h, url("/stallhead"), 1), MLG_ENETWORK);
	T_ASSERT(h == NULL);
	dt = mlg_monotonic() - t0;
	T_ASSERT(dt >= 0.9 && dt < 2.5);
	T_EQ_STR(mlg_error_message(),
		 want("/stallhead", "no data received in 1 s"));
	/* mlg_http_get: the timeout is for the whole request */
	t0 = mlg_monotonic();
	T_EQ_INT(mlg_http_get(&b, url("/stall"), 1), MLG_ENETWORK);
	T_ASSERT(mlg_monotonic() - t0 < 2.5);
	T_CONTAINS(mlg_error_message(), want("/stall", ""));
	mlg_buf_release(&b);
}

static void test_refused(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct mlg_buf b = MLG_BUF_INIT;
	socklen_t len = sizeof(a);
	char u[64];
	int fd;

	/* a port that was free a moment ago */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	T_ASSERT(fd >= 0);
	T_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	T_EQ_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x.csv", ntohs(a.sin_port));
	T_EQ_INT(mlg_http_get(&b, u, 2), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), u);
	T_CONTAINS(mlg_error_message(), "Failed to connect");
	mlg_buf_release(&b);
}

static void test_bad_urls(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_http_get(&b, "http://", 2), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), "'http://': ");
	T_EQ_INT(mlg_http_get(&b, "ftp://127.0.0.1/x", 2), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), "'ftp://127.0.0.1/x': ");
	T_CONTAINS(mlg_error_message(), "\"ftp\" not supported");
	T_EQ_INT(mlg_http_get(&b, "", 2), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), "'': ");
	mlg_buf_release(&b);
}

/* A body served with Content-Encoding: gzip is passed on as stored. */
static void test_no_content_decoding(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	t_write("fake.gz", "not really gzip\n");
	T_EQ_INT(mlg_http_get(&b, url("/gzipenc/fake.gz"), 5), 0);
	T_EQ_STR(b.ptr, "not really gzip\n");
	mlg_buf_release(&b);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 64 MiB read in small pieces: content exact, memory flat. */
static void test_big_body_bounded(void)
{
	struct mlg_http_stream *h = NULL;
	unsigned long long got = 0;
	unsigned char buf[4099];
	long rss0;
	ssize_t r, i;
	int bad = 0;

	rss0 = max_rss_kb();
	T_EQ_INT(mlg_http_open(&h, url("/big/67108864"), 5), 0);
	while ((r = mlg_http_read(h, buf, sizeof(buf) - (got % 7))) > 0) {
		for (i = 0; i < r; i++)
			bad |= buf[i] != (got + (unsigned long long)i) % 251;
		got += (unsigned long long)r;
	}
	T_EQ_INT(r, 0);
	T_EQ_INT(bad, 0);
	T_EQ_INT(got, 67108864);
	mlg_http_close(h);
	/* the body never sits in memory: growth well under its size (not
	 * under ASan, whose quarantine keeps curl's freed pause copies) */
#ifndef __SANITIZE_ADDRESS__
	T_ASSERT(max_rss_kb() - rss0 < 16 * 1024);
#else
	(void)rss0;
#endif
}

/* Close before the end: the transfer is dropped, nothing leaks. */
static void test_close_early(void)
{
	struct mlg_http_stream *h = NULL;
	char buf[10];

	T_EQ_INT(mlg_http_open(&h, url("/big/10000000"), 5), 0);
	T_EQ_INT(mlg_http_read(h, buf, sizeof(buf)), 10);
	mlg_http_close(h);
	mlg_http_close(NULL);
}

MLG_TESTS(T(test_global_init), T(test_get_small), T(test_get_cap),
	  T(test_user_agent), T(test_status_errors), T(test_redirects),
	  T(test_half_body), T(test_stalls), T(test_refused), T(test_bad_urls),
	  T(test_no_content_decoding), T(test_big_body_bounded),
	  T(test_close_early))
