#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/json.h"
#include "mlgate/secret.h"
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
	struct mlg_buf b = MLG_BUF_INIT;
	char u[64];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x.csv", t_free_port());
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

/* ---- mlg_http_run(): methods and headers ---- */

static const struct mlg_http_pool_opts pool1 = {1, 5000, 0, 0};

/* Run `r` alone against /echo: one try, answered 200. */
static void run_echo(struct mlg_http_req *r)
{
	r->url = url("/echo");
	mlg_buf_init(&r->resp, 1 << 16);
	T_EQ_INT(mlg_http_run(r, 1, &pool1), 0);
	T_EQ_INT(r->rc, 0);
	T_EQ_INT(r->status, 200);
	T_EQ_INT(r->attempts, 1);
}

static const char *field(struct mlg_json_doc *doc, const char *key)
{
	return json_string_value(json_object_get(doc->root, key));
}

/* The headers the server got, "Name: value" lines joined by '\n', minus
 * Host and User-Agent (port and version vary). */
static const char *seen_headers(struct mlg_json_doc *doc)
{
	static char out[2048];
	json_t *a = json_object_get(doc->root, "headers"), *h;
	size_t i, n = 0;

	out[0] = '\0';
	json_array_foreach (a, i, h) {
		const char *k = json_string_value(json_array_get(h, 0));
		const char *v = json_string_value(json_array_get(h, 1));

		if (!strcmp(k, "Host") || !strcmp(k, "User-Agent"))
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s: %s",
				      n ? "\n" : "", k, v);
	}
	return out;
}

/* A request and what the server saw of it. */
struct echo_case {
	struct mlg_http_req req;
	const char *method, *body, *headers;
};

static void same(size_t i, const char *what, const char *got, const char *want)
{
	if (!got || strcmp(got, want))
		t_fail(__FILE__, __LINE__,
		       "case %zu: %s \"%s\", expected \"%s\"", i, what,
		       got ? got : "(null)", want);
}

/* Run each case alone against /echo and compare what the server saw. */
static void check_echo(const struct echo_case *c, size_t n)
{
	struct mlg_http_req r;
	struct mlg_json_doc doc = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		r = c[i].req;
		run_echo(&r);
		T_EQ_INT(mlg_json_parse(&doc, "echo", r.resp.ptr, r.resp.len),
			 0);
		same(i, "method", field(&doc, "method"), c[i].method);
		same(i, "body", field(&doc, "body"), c[i].body);
		same(i, "headers", seen_headers(&doc), c[i].headers);
		mlg_json_doc_release(&doc);
		mlg_http_req_release(&r);
	}
}

static void test_run_methods(void)
{
	static const struct echo_case cases[] = {
		/* zero-initialised: GET, and no Content-Type without a body */
		{{0}, "GET", "", "Accept: */*"},
		/* a body alone: POST as before, JSON, no Expect */
		{{.body = "{\"a\":1}", .len = 7},
		 "POST",
		 "{\"a\":1}",
		 "Accept: */*\n"
		 "Content-Type: application/json\n"
		 "Content-Length: 7"},
		{{.method = "PATCH", .body = "x", .len = 1},
		 "PATCH",
		 "x",
		 "Accept: */*\n"
		 "Content-Type: application/json\n"
		 "Content-Length: 1"},
		/* no body: no Content-Length; an empty one: "Content-Length: 0" */
		{{.method = "DELETE"}, "DELETE", "", "Accept: */*"},
		{{.method = "POST", .body = "", .len = 0},
		 "POST",
		 "",
		 "Accept: */*\n"
		 "Content-Type: application/json\n"
		 "Content-Length: 0"},
		/* a GET with a body, as some search APIs take */
		{{.method = "GET", .body = "q", .len = 1},
		 "GET",
		 "q",
		 "Accept: */*\n"
		 "Content-Type: application/json\n"
		 "Content-Length: 1"},
	};
	struct mlg_http_req r = {.method = "PUT",
				 .body = "a\0b",
				 .len = 3,
				 .content_type = "text/plain"};

	check_echo(cases, MLG_ARRAY_SIZE(cases));
	/* the length counts, not the NUL: bytes after it are sent (the
	 * JSON parser takes no \u0000, hence the raw text) */
	run_echo(&r);
	T_CONTAINS(r.resp.ptr, "{\"method\": \"PUT\", ");
	T_CONTAINS(r.resp.ptr, "[\"Content-Type\", \"text/plain\"], "
			       "[\"Content-Length\", \"3\"]], "
			       "\"body\": \"a\\u0000b\"}");
	mlg_http_req_release(&r);
}

/* HEAD: the status and no body, even with a Content-Length */
static void test_run_head(void)
{
	struct mlg_http_req r = {.method = "HEAD"};

	run_echo(&r);
	T_EQ_INT(r.resp.len, 0);
	mlg_http_req_release(&r);
}

/* One easy handle carries PUT, HEAD, then the defaults: nothing of an
 * earlier request's method sticks to the next. */
static void test_run_reuse(void)
{
	struct mlg_http_req r[4] = {
		{.method = "PUT", .body = "1", .len = 1},
		{.method = "HEAD"},
		{.body = "2", .len = 1},
		{0},
	};
	struct mlg_json_doc doc = {0};
	static const char *want_m[] = {"PUT", NULL, "POST", "GET"};
	size_t i;

	for (i = 0; i < 4; i++) {
		r[i].url = url("/echo");
		mlg_buf_init(&r[i].resp, 1 << 16);
	}
	T_EQ_INT(mlg_http_run(r, 4, &pool1), 0);
	for (i = 0; i < 4; i++) {
		T_EQ_INT(r[i].rc, 0);
		T_EQ_INT(r[i].status, 200);
		if (!want_m[i]) {
			T_EQ_INT(r[i].resp.len, 0);
			continue;
		}
		T_EQ_INT(mlg_json_parse(&doc, "echo", r[i].resp.ptr,
					r[i].resp.len),
			 0);
		T_EQ_STR(field(&doc, "method"), want_m[i]);
		mlg_json_doc_release(&doc);
	}
	/* the last GET has no body or Content-Type left from the POST */
	T_EQ_INT(mlg_json_parse(&doc, "echo", r[3].resp.ptr, r[3].resp.len), 0);
	T_EQ_STR(seen_headers(&doc), "Accept: */*");
	T_EQ_STR(field(&doc, "body"), "");
	mlg_json_doc_release(&doc);
	for (i = 0; i < 4; i++)
		mlg_http_req_release(&r[i]);
}

static void test_run_headers(void)
{
	static const char *const hdrs[] = {
		"Authorization: Bearer s3cr3t-token",
		"X-Trace:  a b\tc ",
		"Content-Type: text/csv",
		"Accept:",
		"X-Empty;",
		NULL,
	};
	static const char *const expect[] = {"expect: 100-continue", NULL};
	static const char *const none[] = {NULL};
	static const struct echo_case cases[] = {
		/* curl's Accept removed, ours replaced, the rest in order */
		{{.body = "a,b\n", .len = 4, .headers = hdrs},
		 "POST",
		 "a,b\n",
		 "Authorization: Bearer s3cr3t-token\n"
		 "X-Trace: a b\tc \n"
		 "Content-Type: text/csv\n"
		 "X-Empty: \n"
		 "Content-Length: 4"},
		/* an Expect of the caller's own replaces our empty one */
		{{.body = "", .len = 0, .headers = expect},
		 "POST",
		 "",
		 "Accept: */*\n"
		 "Content-Type: application/json\n"
		 "expect: 100-continue\n"
		 "Content-Length: 0"},
		/* an empty list is no list */
		{{.headers = none}, "GET", "", "Accept: */*"},
	};

	check_echo(cases, MLG_ARRAY_SIZE(cases));
}

/* Bad inputs fail the whole run before anything is sent, and the message
 * never quotes a header (its value may be a token). */
/*
 * A 429 or a 503 is tried again, with the backoff, while retries remain;
 * the last answer is kept when they run out. Other statuses are answers.
 */
static void test_run_retries(void)
{
	static const struct {
		const char *path;
		int retries;
		long status;
		int attempts;
	} cases[] = {
		{"/busy/a/2/429", 3, 200, 3}, {"/busy/b/2/503", 3, 200, 3},
		{"/busy/c/5/429", 2, 429, 3}, {"/busy/d/1/500", 3, 500, 1},
		{"/busy/e/1/429", 0, 429, 1},
	};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		struct mlg_http_pool_opts o = {1, 5000, cases[i].retries, 0.01};
		struct mlg_http_req r = {0};

		r.url = url(cases[i].path);
		mlg_buf_init(&r.resp, 1 << 16);
		T_EQ_INT(mlg_http_run(&r, 1, &o), 0);
		T_EQ_INT(r.rc, 0);
		T_EQ_INT(r.status, cases[i].status);
		T_EQ_INT(r.attempts, cases[i].attempts);
		T_EQ_STR(r.resp.ptr,
			 cases[i].status == 200 ? "{\"ok\":true}" : "busy");
		mlg_http_req_release(&r);
	}
}

static void test_run_bad_inputs(void)
{
	static const char *const bad_hdrs[][3] = {
		{"X-Ok: 1", "Authorization: Bearer s3cr3t\r\nX-Evil: 1", NULL},
		{"X-Ok: 1", "X-Evil: s3cr3t\n", NULL},
		{"X-Ok: 1", "Authorization Bearer s3cr3t", NULL},
		{"X-Ok: 1", ": s3cr3t", NULL},
		{"X-Ok: 1", "X-Auth; s3cr3t", NULL},
		{"X-Ok: 1", "X Auth: s3cr3t", NULL},
		{"X-Ok: 1", "", NULL},
		{"X-Ok: 1", "X-\xc3\xa9: s3cr3t", NULL},
	};
	static const char *const bad_methods[] = {"", "GE T", "GET\r\n",
						  "P\xc3\xb6ST", "(GET)"};
	struct mlg_http_req r[2] = {{0}};
	const char *u = url("/echo");
	char w[300];
	size_t i;

	snprintf(w, sizeof(w), "'%s': header 2 is not a 'Name: value' line", u);
	for (i = 0; i < MLG_ARRAY_SIZE(bad_hdrs); i++) {
		r[0] = (struct mlg_http_req){.url = u};
		r[1] = (struct mlg_http_req){.url = u, .headers = bad_hdrs[i]};
		T_EQ_INT(mlg_http_run(r, 2, &pool1), MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), w);
		T_EQ_INT(mlg_http_req_check(&r[1]), MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), w);
		/* nothing sent, not even the good first request */
		T_EQ_INT(r[0].attempts, 0);
		T_EQ_INT(r[1].attempts, 0);
		T_EQ_INT(r[0].status, 0);
		T_EQ_INT(mlg_http_req_check(&r[0]), 0);
	}
	snprintf(w, sizeof(w), "'%s': invalid HTTP method", u);
	for (i = 0; i < MLG_ARRAY_SIZE(bad_methods); i++) {
		r[0] = (struct mlg_http_req){.url = u};
		r[1] = (struct mlg_http_req){.url = u,
					     .method = bad_methods[i]};
		T_EQ_INT(mlg_http_run(r, 2, &pool1), MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), w);
		T_EQ_INT(r[0].attempts, 0);
	}
	/* HEAD has no body */
	r[0] = (struct mlg_http_req){.url = u, .method = "HEAD", .body = ""};
	T_EQ_INT(mlg_http_req_check(&r[0]), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), w);
	/* odd but valid tokens pass */
	static const char *const odd[] = {"X!#$%&'*+-.^_`|~0: v", "a:", NULL};
	r[0] = (struct mlg_http_req){
		.url = u, .method = "M-SEARCH", .headers = odd};
	T_EQ_INT(mlg_http_req_check(&r[0]), 0);
}

/* A request's own error message masks registered secrets, as
 * mlg_error_set() does. */
static void test_run_error_masks_secrets(void)
{
	struct mlg_http_req r = {0};
	char u[128], w[160];
	int port = t_free_port();

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x?token=s3cr3t-token",
		 port);
	snprintf(w, sizeof(w), "'http://127.0.0.1:%d/x?token=***': ", port);
	T_EQ_INT(mlg_secret_add("s3cr3t-token"), 0);
	r.url = u;
	T_EQ_INT(mlg_http_run(&r, 1, &pool1), 0);
	T_EQ_INT(r.rc, MLG_ENETWORK);
	T_ASSERT(mlg_starts_with(r.error, w));
	T_CONTAINS(r.error, "Failed to connect");
	T_ASSERT(!strstr(r.error, "s3cr3t"));
	mlg_http_req_release(&r);
	mlg_secret_clear();
}

MLG_TESTS(T(test_global_init), T(test_get_small), T(test_get_cap),
	  T(test_user_agent), T(test_status_errors), T(test_redirects),
	  T(test_half_body), T(test_stalls), T(test_refused), T(test_bad_urls),
	  T(test_no_content_decoding), T(test_big_body_bounded),
	  T(test_close_early), T(test_run_methods), T(test_run_head),
	  T(test_run_reuse), T(test_run_headers), T(test_run_retries),
	  T(test_run_bad_inputs), T(test_run_error_masks_secrets))
