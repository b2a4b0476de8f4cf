/* http.c - libcurl behind a pull-style reader */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/latency.h"
#include "mlgate/secret.h"
#include "mlgate/version.h"
#include "mlgate/util.h"

/* Body bytes held between the network and the reader; when full, the
 * transfer is paused. */
#define BUF_SIZE (256 * 1024)
/* Bytes of an error body kept for the message; longer bodies are not a
 * short text and give no detail. */
#define ERRBODY_MAX 512
/* Longest first line quoted from an error body. */
#define ERRLINE_MAX 200

struct mlg_http_stream {
	CURLM *multi;
	CURL *easy;
	char *url;
	char *buf;
	size_t head, tail, alloc;
	int paused;
	int done;
	CURLcode result;
	/* The final response's headers are in (not a redirect being
	 * followed, not a 1xx). */
	int final;
	int redirect;
	long status;
	/* a stall is measured from the last byte, or from when a read
	 * started waiting: time spent by the caller does not count */
	long timeout_s;
	double last;
	int err;
	char *errmsg;
	char errbuf[CURL_ERROR_SIZE];
};

int mlg_http_global_init(void)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (c != CURLE_OK)
		return mlg_error_set(MLG_ENETWORK,
				     "cannot initialise libcurl: %s",
				     curl_easy_strerror(c));
	return 0;
}

void mlg_http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* Record a failure; later reads return it again with the same text. */
__attribute__((format(printf, 3, 4))) static int
fail(struct mlg_http_stream *h, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlg_error_vset(code, fmt, ap);
	va_end(ap);
	if (!h->err) {
		h->err = code;
		h->errmsg = mlg_strdup(mlg_error_message());
	}
	return code;
}

/* The text of failure `c`: curl's own message in `errbuf` (trimmed:
 * it sometimes ends with a newline), else the generic one. */
static const char *curl_text(char *errbuf, CURLcode c)
{
	size_t n = strlen(errbuf);

	while (n && (errbuf[n - 1] == '\n' || errbuf[n - 1] == '\r'))
		errbuf[--n] = '\0';
	return n ? errbuf : curl_easy_strerror(c);
}

static int fail_curl(struct mlg_http_stream *h, CURLcode c)
{
	return fail(h, MLG_ENETWORK, "'%s': %s", h->url,
		    curl_text(h->errbuf, c));
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct mlg_http_stream *h = ud;
	size_t len = size * n;
	long code = 0;

	h->last = mlg_monotonic();
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		h->final = 0;
		h->redirect = 0;
	} else if (len >= 9 && !strncasecmp(p, "location:", 9)) {
		h->redirect = 1;
	} else if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
		/* curl follows a 3xx with a Location itself */
		if (code >= 200 && !(code / 100 == 3 && h->redirect)) {
			h->final = 1;
			h->status = code;
		}
	}
	return len;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct mlg_http_stream *h = ud;
	size_t len = size * n, used = h->tail - h->head;

	h->last = mlg_monotonic();
	if (len > h->alloc - h->tail) {
		if (used && len > h->alloc - used) {
			/* curl keeps this chunk and offers it again after
			 * curl_easy_pause(CURLPAUSE_CONT) */
			h->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		memmove(h->buf, h->buf + h->head, used);
		h->head = 0;
		h->tail = used;
		if (len > h->alloc) {
			/* never more than curl's own chunk size */
			h->buf = mlg_realloc(h->buf, len);
			h->alloc = len;
		}
	}
	memcpy(h->buf + h->tail, p, len);
	h->tail += len;
	return len;
}

/* What every request of ours does: only http(s), even after a redirect
 * (at most 5), no signals, errors in `errbuf`, our User-Agent. */
static CURLcode common_setup(CURL *e, const char *url, char *errbuf)
{
	CURLcode c;

	if ((c = curl_easy_setopt(e, CURLOPT_URL, url)) ||
	    (c = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf)) ||
	    (c = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    (c = curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
				  "http,https")) ||
	    (c = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_USERAGENT, "mlgate/" MLG_VERSION)))
		return c;
	return CURLE_OK;
}

/* Set the options of a GET; a nonzero CURLcode if curl refused one. */
static CURLcode setup(struct mlg_http_stream *h, long timeout_s, int total)
{
	CURL *e = h->easy;
	CURLcode c;

	if ((c = common_setup(e, h->url, h->errbuf)) ||
	    (c = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout_s)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TIMEOUT,
				  total ? timeout_s : 0L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 64L * 1024)) ||
	    /* a proxy's "200 Connection established" is not the answer */
	    (c = curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header)) ||
	    (c = curl_easy_setopt(e, CURLOPT_HEADERDATA, h)) ||
	    (c = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data)) ||
	    (c = curl_easy_setopt(e, CURLOPT_WRITEDATA, h)))
		return c;
	return CURLE_OK;
}

/*
 * Move the transfer on once: resume it when the reader has emptied the
 * buffer, let curl do what it can without blocking, and wait for the
 * socket (or curl's next timer) when that gave nothing new. The stall
 * timeout is ours, not CURLOPT_LOW_SPEED_TIME: curl averages the speed
 * over five seconds, so a 1 s limit would fire after 6 s.
 */
static int step(struct mlg_http_stream *h)
{
	size_t had = h->tail - h->head;
	CURLMcode mc;
	CURLcode c;
	CURLMsg *msg;
	double idle, wait;
	int running, left;

	if (h->paused && !had) {
		h->paused = 0;
		/* delivers the chunk curl held back */
		c = curl_easy_pause(h->easy, CURLPAUSE_CONT);
		if (c != CURLE_OK)
			return fail_curl(h, c);
	}
	mc = curl_multi_perform(h->multi, &running);
	if (mc != CURLM_OK)
		return fail(h, MLG_ENETWORK, "'%s': %s", h->url,
			    curl_multi_strerror(mc));
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg == CURLMSG_DONE) {
			h->done = 1;
			h->result = msg->data.result;
		}
	}
	if (h->done || h->tail - h->head > had || h->paused)
		return 0;
	idle = mlg_monotonic() - h->last;
	if (idle >= (double)h->timeout_s)
		return fail(h, MLG_ENETWORK, "'%s': no data received in %ld s",
			    h->url, h->timeout_s);
	wait = ((double)h->timeout_s - idle) * 1000 + 1;
	mc = curl_multi_poll(h->multi, NULL, 0, wait < 1000 ? (int)wait : 1000,
			     NULL);
	if (mc != CURLM_OK)
		return fail(h, MLG_ENETWORK, "'%s': %s", h->url,
			    curl_multi_strerror(mc));
	return 0;
}

/* The first line of a short text body, or NULL. Ends it in place. */
static const char *body_line(struct mlg_http_stream *h)
{
	char *p = h->buf + h->head, *end = h->buf + h->tail, *q;

	if (!h->done || h->result != CURLE_OK || end - p > ERRBODY_MAX)
		return NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* markup (an HTML error page) is not a message */
	if (p == end || *p == '<')
		return NULL;
	for (q = p; q < end && *q != '\n' && *q != '\r'; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t')
			return NULL;
		/* ASCII only: the message goes to terminals and JSON */
		if ((unsigned char)*q >= 0x7f)
			return NULL;
	}
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	if (q == p || q - p > ERRLINE_MAX)
		return NULL;
	*q = '\0';
	return p;
}

static int status_error(struct mlg_http_stream *h)
{
	const char *line;

	/* the body of an error is only read for its message */
	while (!h->done && h->tail - h->head <= ERRBODY_MAX)
		if (step(h))
			return h->err;
	line = body_line(h);
	if (line)
		return fail(h, MLG_ENETWORK, "'%s': HTTP %ld: %s", h->url,
			    h->status, line);
	return fail(h, MLG_ENETWORK, "'%s': HTTP %ld", h->url, h->status);
}

static int open_get(struct mlg_http_stream **out, const char *url,
		    long timeout_s, int total)
{
	struct mlg_http_stream *h = mlg_calloc(1, sizeof(*h));
	CURLMcode mc;
	CURLcode c;
	int rc = 0;

	*out = NULL;
	if (timeout_s <= 0)
		timeout_s = MLG_HTTP_TIMEOUT_DEFAULT;
	h->url = mlg_strdup(url);
	h->timeout_s = timeout_s;
	h->alloc = BUF_SIZE;
	h->buf = mlg_malloc(h->alloc);
	h->multi = curl_multi_init();
	h->easy = curl_easy_init();
	if (!h->multi || !h->easy) {
		rc = fail(h, MLG_ENETWORK, "'%s': cannot create a curl handle",
			  url);
		goto done;
	}
	c = setup(h, timeout_s, total);
	if (c != CURLE_OK) {
		rc = fail(h, MLG_ENETWORK, "'%s': %s", url,
			  curl_easy_strerror(c));
		goto done;
	}
	mc = curl_multi_add_handle(h->multi, h->easy);
	if (mc != CURLM_OK) {
		rc = fail(h, MLG_ENETWORK, "'%s': %s", url,
			  curl_multi_strerror(mc));
		goto done;
	}
	h->last = mlg_monotonic();
	while (!h->final && !h->done)
		if ((rc = step(h)))
			goto done;
	/* with the final status in, a failure later in the body is for
	 * mlg_http_read() to report, after the bytes that did arrive */
	if (!h->final) {
		if (h->result != CURLE_OK) {
			rc = fail_curl(h, h->result);
			goto done;
		}
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
	}
	/* a 3xx left here is a redirect that could not be followed */
	if (h->status >= 300 || h->status < 200) {
		rc = status_error(h);
		goto done;
	}
	*out = h;
	h = NULL;
done:
	mlg_http_close(h);
	return rc;
}

int mlg_http_open(struct mlg_http_stream **out, const char *url, long timeout_s)
{
	return open_get(out, url, timeout_s, 0);
}

ssize_t mlg_http_read(struct mlg_http_stream *h, void *buf, size_t n)
{
	size_t have;

	if (!n)
		return 0;
	if (h->tail == h->head)
		h->last = mlg_monotonic();
	while (h->tail == h->head) {
		if (h->err)
			return mlg_error_set(h->err, "%s", h->errmsg);
		if (h->done) {
			if (h->result != CURLE_OK)
				return fail_curl(h, h->result);
			return 0;
		}
		step(h);
	}
	have = h->tail - h->head;
	if (n > have)
		n = have;
	memcpy(buf, h->buf + h->head, n);
	h->head += n;
	if (h->head == h->tail)
		h->head = h->tail = 0;
	return (ssize_t)n;
}

void mlg_http_close(struct mlg_http_stream *h)
{
	if (!h)
		return;
	if (h->multi && h->easy)
		curl_multi_remove_handle(h->multi, h->easy);
	if (h->easy)
		curl_easy_cleanup(h->easy);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->errmsg);
	free(h->buf);
	free(h->url);
	free(h);
}

int mlg_http_get(struct mlg_buf *out, const char *url, long timeout_s)
{
	struct mlg_http_stream *h = NULL;
	char chunk[16384];
	ssize_t r;
	int rc;

	if ((rc = open_get(&h, url, timeout_s, 1)))
		return rc;
	while ((r = mlg_http_read(h, chunk, sizeof(chunk))) > 0) {
		if (mlg_buf_add(out, chunk, (size_t)r)) {
			rc = mlg_error_set(
				MLG_ELIMIT,
				"'%s': response larger than %zu bytes", url,
				out->cap);
			goto done;
		}
	}
	rc = (int)r;
done:
	mlg_http_close(h);
	return rc;
}

/* ---- request lines and headers ---- */

/* A character of an HTTP token (RFC 9110 5.6.2): methods, header names. */
static int tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Length of the token at the start of `s`. */
static size_t token_len(const char *s)
{
	size_t n = 0;

	while (tchar((unsigned char)s[n]))
		n++;
	return n;
}

/* "Name: value", "Name:" or "Name;": a CR or LF would let a value
 * smuggle in a header or a whole request. */
static int header_ok(const char *h)
{
	size_t n = token_len(h);

	if (!n)
		return 0;
	if (h[n] == ';')
		return !h[n + 1];
	return h[n] == ':' && !strpbrk(h + n, "\r\n");
}

int mlg_http_req_check(const struct mlg_http_req *r)
{
	const char *m = r->method;
	size_t i;

	if (m && (!*m || m[token_len(m)] || (!strcmp(m, "HEAD") && r->body)))
		return mlg_error_set(MLG_EINVALID, "'%s': invalid HTTP method",
				     r->url);
	for (i = 0; r->headers && r->headers[i]; i++)
		if (!header_ok(r->headers[i]))
			return mlg_error_set(MLG_EINVALID,
					     "'%s': header %zu is not a "
					     "'Name: value' line",
					     r->url, i + 1);
	return 0;
}

/* 1 when one of `hdrs` sets or removes header `name`. */
static int has_header(const char *const *hdrs, const char *name)
{
	size_t n = strlen(name);

	for (; hdrs && *hdrs; hdrs++)
		if (!strncasecmp(*hdrs, name, n) &&
		    ((*hdrs)[n] == ':' || (*hdrs)[n] == ';'))
			return 1;
	return 0;
}

/* The header list of a request: our defaults unless the caller gives a
 * line of the same name, then the caller's lines. */
static struct curl_slist *make_headers(const char *body, const char *ctype,
				       const char *const *hdrs)
{
	struct curl_slist *l = NULL;
	char *h;

	if (body && !has_header(hdrs, "Content-Type")) {
		h = mlg_strfmt("Content-Type: %s",
			       ctype ? ctype : "application/json");
		l = curl_slist_append(l, h);
		free(h);
	}
	/* no "Expect: 100-continue" round trip on large batches */
	if (!has_header(hdrs, "Expect"))
		l = curl_slist_append(l, "Expect:");
	for (; hdrs && *hdrs; hdrs++)
		l = curl_slist_append(l, *hdrs);
	return l;
}

/*
 * The method and body of a request on an easy handle that may have
 * carried another kind of request before: every option is set each time.
 * curl names GET, POST and HEAD itself; any other verb replaces the one
 * on the request line and keeps the body options.
 */
static CURLcode set_method(CURL *e, const char *method, const char *body,
			   size_t len)
{
	int head = method && !strcmp(method, "HEAD");
	const char *own = body ? "POST" : "GET";
	const char *custom =
		method && !head && strcmp(method, own) ? method : NULL;
	CURLcode c;

	/* NOBODY first: clearing it after would undo the POST */
	if ((c = curl_easy_setopt(e, CURLOPT_NOBODY, (long)head)))
		return c;
	if (body) {
		if ((c = curl_easy_setopt(e, CURLOPT_POST, 1L)) ||
		    (c = curl_easy_setopt(e, CURLOPT_POSTFIELDS, body)) ||
		    (c = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					  (curl_off_t)len)))
			return c;
	} else if (!head && (c = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L))) {
		return c;
	}
	return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, custom);
}

/* A new message for a request's `error`, secrets masked: it does not go
 * through mlg_error_set(). */
__attribute__((format(printf, 1, 0))) static char *req_vmsg(const char *fmt,
							    va_list ap)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_vaddf(&b, fmt, ap);
	mlg_secret_mask(&b);
	return mlg_buf_detach(&b, NULL);
}

__attribute__((format(printf, 1, 2))) static char *req_msg(const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = req_vmsg(fmt, ap);
	va_end(ap);
	return m;
}

/* ---- the request pool ---- */

enum { J_NEW, J_WAIT, J_RUN, J_DONE };

struct job {
	int state;
	double due; /* J_WAIT: when to try again */
	int slot;
};

struct slot {
	CURL *easy;
	struct curl_slist *hdr;
	size_t job;
	int busy;
	int over; /* the body went past resp.cap */
	char errbuf[CURL_ERROR_SIZE];
};

struct pool {
	CURLM *multi;
	struct mlg_http_req *reqs;
	struct job *jobs;
	struct slot *slots;
	size_t n, nslots;
	const struct mlg_http_pool_opts *o;
};

static size_t on_pool_data(char *p, size_t size, size_t n, void *ud)
{
	struct pool *pl = ((void **)ud)[0];
	struct slot *s = ((void **)ud)[1];
	struct mlg_http_req *r = &pl->reqs[s->job];

	if (mlg_buf_add(&r->resp, p, size * n)) {
		s->over = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* Connection failures worth another try: the server may be restarting
 * or have closed an idle kept-alive connection. */
static int retryable(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_GOT_NOTHING ||
	       c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	       c == CURLE_PARTIAL_FILE;
}

static int start(struct pool *pl, size_t j, struct slot *s, void **ud)
{
	struct mlg_http_req *r = &pl->reqs[j];
	CURL *e = s->easy;
	CURLcode c;

	curl_slist_free_all(s->hdr);
	s->hdr = make_headers(r->body, r->content_type, r->headers);
	mlg_buf_reset(&r->resp);
	r->status = 0;
	r->attempts++;
	s->job = j;
	s->over = 0;
	s->errbuf[0] = '\0';
	ud[0] = pl;
	ud[1] = s;
	if ((c = common_setup(e, r->url, s->errbuf)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, pl->o->timeout_ms)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdr)) ||
	    (c = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_pool_data)) ||
	    (c = curl_easy_setopt(e, CURLOPT_WRITEDATA, ud)) ||
	    (c = set_method(e, r->method, r->body, r->len)))
		return mlg_error_set(MLG_ENETWORK, "'%s': %s", r->url,
				     curl_easy_strerror(c));
	if (curl_multi_add_handle(pl->multi, e) != CURLM_OK)
		return mlg_error_set(MLG_ENETWORK,
				     "'%s': cannot start the request", r->url);
	s->busy = 1;
	pl->jobs[j].state = J_RUN;
	return 0;
}

/* A try ended: keep its result, or schedule the next try. */
static void finish(struct pool *pl, struct slot *s, CURLcode c)
{
	struct mlg_http_req *r = &pl->reqs[s->job];
	struct job *jb = &pl->jobs[s->job];
	int again = 0;

	curl_multi_remove_handle(pl->multi, s->easy);
	s->busy = 0;
	if (c == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &r->status);
		again = r->status == 429 || r->status == 503;
	} else {
		again = retryable(c);
	}
	if (again && r->attempts <= pl->o->retries) {
		double b = pl->o->backoff_s > 0 ? pl->o->backoff_s : 0.1;
		int k;

		for (k = 1; k < r->attempts; k++)
			b *= 2;
		jb->state = J_WAIT;
		jb->due = mlg_monotonic() + b;
		return;
	}
	jb->state = J_DONE;
	if (c == CURLE_OK)
		return;
	r->status = 0;
	if (s->over) {
		r->rc = MLG_ELIMIT;
		r->error = req_msg("'%s': response larger than %zu bytes",
				   r->url, r->resp.cap);
		return;
	}
	r->rc = MLG_ENETWORK;
	if (c == CURLE_OPERATION_TIMEDOUT) {
		r->error = req_msg("'%s': timed out after %ld ms", r->url,
				   pl->o->timeout_ms);
		return;
	}
	r->error = req_msg("'%s': %s", r->url, curl_text(s->errbuf, c));
}

/* A request timeout in ms as the options give it: <= 0 is the default. */
static long timeout_ms(long ms)
{
	return ms > 0 ? ms : MLG_HTTP_TIMEOUT_DEFAULT * 1000L;
}

/* The next job that may start now, or n; *wait gets the seconds until
 * the earliest waiting retry (unchanged when there is none). */
static size_t next_job(struct pool *pl, double now, double *wait)
{
	size_t j, pick = pl->n;

	for (j = 0; j < pl->n; j++) {
		struct job *jb = &pl->jobs[j];

		if (jb->state == J_WAIT && jb->due > now) {
			if (jb->due - now < *wait)
				*wait = jb->due - now;
			continue;
		}
		if ((jb->state == J_NEW || jb->state == J_WAIT) &&
		    pick == pl->n)
			pick = j;
	}
	return pick;
}

int mlg_http_run(struct mlg_http_req *reqs, size_t n,
		 const struct mlg_http_pool_opts *opts)
{
	struct mlg_http_pool_opts o = *opts;
	struct pool pl = {0};
	void *(*ud)[2] = NULL;
	size_t i, left = n;
	int rc = 0;

	if (o.concurrency <= 0)
		o.concurrency = 1;
	if (o.retries < 0)
		o.retries = 0;
	o.timeout_ms = timeout_ms(o.timeout_ms);
	pl.reqs = reqs;
	pl.n = n;
	pl.o = &o;
	pl.nslots = (size_t)o.concurrency < n ? (size_t)o.concurrency : n;
	pl.jobs = mlg_calloc(n + 1, sizeof(*pl.jobs));
	pl.slots = mlg_calloc(pl.nslots + 1, sizeof(*pl.slots));
	ud = mlg_calloc(pl.nslots + 1, sizeof(*ud));
	for (i = 0; i < n; i++) {
		reqs[i].status = 0;
		reqs[i].rc = 0;
		reqs[i].attempts = 0;
		if ((rc = mlg_http_req_check(&reqs[i])))
			goto done;
	}
	if (!n)
		goto done;
	pl.multi = curl_multi_init();
	if (!pl.multi) {
		rc = mlg_error_set(MLG_ENETWORK, "cannot create a curl handle");
		goto done;
	}
	/* one connection per slot, kept for the next request */
	curl_multi_setopt(pl.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)pl.nslots);
	for (i = 0; i < pl.nslots; i++) {
		if (!(pl.slots[i].easy = curl_easy_init())) {
			rc = mlg_error_set(MLG_ENETWORK,
					   "cannot create a curl handle");
			goto done;
		}
	}
	while (left) {
		double now = mlg_monotonic(), wait = 1;
		CURLMsg *msg;
		int running, q, freed = 0;
		size_t j;

		for (i = 0; i < pl.nslots; i++) {
			if (pl.slots[i].busy)
				continue;
			j = next_job(&pl, now, &wait);
			if (j == n)
				break;
			if ((rc = start(&pl, j, &pl.slots[i], ud[i])))
				goto done;
		}
		if (curl_multi_perform(pl.multi, &running) != CURLM_OK) {
			rc = mlg_error_set(MLG_ENETWORK, "curl multi failure");
			goto done;
		}
		while ((msg = curl_multi_info_read(pl.multi, &q))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < pl.nslots; i++) {
				struct slot *s = &pl.slots[i];

				if (!s->busy || s->easy != msg->easy_handle)
					continue;
				finish(&pl, s, msg->data.result);
				freed = 1;
				if (pl.jobs[s->job].state == J_DONE)
					left--;
				break;
			}
		}
		if (!left)
			break;
		/* a free slot may take the next job at once */
		if (freed)
			continue;
		wait = wait * 1000 + 1;
		curl_multi_poll(pl.multi, NULL, 0,
				wait < 1000 ? (int)wait : 1000, NULL);
	}
done:
	for (i = 0; i < pl.nslots; i++) {
		if (pl.slots[i].busy)
			curl_multi_remove_handle(pl.multi, pl.slots[i].easy);
		if (pl.slots[i].easy)
			curl_easy_cleanup(pl.slots[i].easy);
		curl_slist_free_all(pl.slots[i].hdr);
	}
	if (pl.multi)
		curl_multi_cleanup(pl.multi);
	free(pl.slots);
	free(pl.jobs);
	free(ud);
	return rc;
}

void mlg_http_req_release(struct mlg_http_req *r)
{
	mlg_buf_release(&r->resp);
	free(r->error);
	r->error = NULL;
}

/* ---- load generation ---- */

struct lslot {
	CURL *easy;
	double due; /* open: the scheduled start; closed: the send time */
	int counted;
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * One thread's share of a load run: its own connections and multi
 * handle, its part of the counted requests and, in the open model, the
 * schedule's requests first, first + stride, ... Shares are merged when
 * all are done.
 */
struct load {
	const struct mlg_load_opts *o;
	struct mlg_latency lat;
	CURLM *multi;
	struct lslot *slots;
	struct lslot **idle; /* a stack of the free slots */
	size_t nslots, nidle;
	long tmo;		/* ms */
	double t0, tw, tend;	/* start, end of warm-up, end */
	double last;		/* the last counted completion */
	unsigned long requests; /* counted requests; 0: no limit */
	uint64_t first, stride; /* the open schedule's requests */
	pthread_mutex_t *gate;	/* held until the shares are set */
	pthread_t tid;
	int rc;
	char *err; /* rc's message */
};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Count an error of a counted request; its message is formatted only
 * while messages are still kept. */
__attribute__((format(printf, 2, 3))) static void
load_error(struct load *ld, const char *fmt, ...)
{
	va_list ap;
	char *m;

	ld->lat.errors++;
	if (ld->lat.message[MLG_LATENCY_MESSAGES - 1])
		return;
	va_start(ap, fmt);
	m = req_vmsg(fmt, ap);
	va_end(ap);
	mlg_latency_add_message(&ld->lat, m);
	free(m);
}

/* A counted request that no connection could send within the timeout
 * of its due time (open model). */
static void load_late(struct load *ld)
{
	ld->lat.sent++;
	ld->lat.status[0]++;
	load_error(ld,
		   "'%s': not sent within %ld ms of its due time (all "
		   "connections busy)",
		   ld->o->url, ld->tmo);
}

static int load_start(struct load *ld, double due, int counted)
{
	struct lslot *s = ld->idle[--ld->nidle];

	s->due = due;
	s->counted = counted;
	s->errbuf[0] = '\0';
	if (counted)
		ld->lat.sent++;
	if (curl_multi_add_handle(ld->multi, s->easy) != CURLM_OK)
		return mlg_error_set(MLG_ENETWORK,
				     "'%s': cannot start the request",
				     ld->o->url);
	return 0;
}

static void load_done(struct load *ld, CURL *e, CURLcode c, double now)
{
	struct mlg_latency *out = &ld->lat;
	struct lslot *s = NULL;
	long status = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
	curl_multi_remove_handle(ld->multi, e);
	ld->idle[ld->nidle++] = s;
	if (!s->counted)
		return;
	ld->last = now;
	if (c == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (status < 0 || status >= (long)MLG_ARRAY_SIZE(out->status))
		status = 0;
	out->status[status]++;
	if (c == CURLE_OK && status < 400) {
		out->ok++;
		mlg_latency_record(out, now - s->due);
	} else if (c == CURLE_OK) {
		load_error(ld, "'%s': HTTP %ld", ld->o->url, status);
	} else if (c == CURLE_OPERATION_TIMEDOUT) {
		load_error(ld, "'%s': timed out after %ld ms", ld->o->url,
			   ld->tmo);
	} else {
		load_error(ld, "'%s': %s", ld->o->url, curl_text(s->errbuf, c));
	}
}

static int load_check(const struct mlg_load_opts *o)
{
	struct mlg_http_req r = {0};

	if (!o->url)
		return mlg_error_set(MLG_EINVALID, "load: no URL");
	r.url = o->url;
	r.method = o->method;
	r.body = o->body;
	r.headers = o->headers;
	if (mlg_http_req_check(&r))
		return MLG_EINVALID;
	if (!(o->rate >= 0) || isinf(o->rate))
		return mlg_error_set(MLG_EINVALID,
				     "load: the rate must be a positive "
				     "number of requests per second");
	if (!(o->duration_s >= 0) || !(o->warmup_s >= 0) || isinf(o->warmup_s))
		return mlg_error_set(MLG_EINVALID,
				     "load: the duration and the warm-up "
				     "must be positive");
	if (!(o->duration_s > 0) && !o->requests)
		return mlg_error_set(MLG_EINVALID,
				     "load: neither a duration nor a number "
				     "of requests");
	return 0;
}

static CURLcode load_setup(struct load *ld, struct lslot *s,
			   struct curl_slist *hdr)
{
	const struct mlg_load_opts *o = ld->o;
	CURL *e = s->easy;
	CURLcode c;

	if ((c = common_setup(e, o->url, s->errbuf)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ld->tmo)) ||
	    (c = curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L)) ||
	    /* latency, not throughput: no Nagle delay on small requests */
	    (c = curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr)) ||
	    (c = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard)) ||
	    (c = curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)s)) ||
	    (c = set_method(e, o->method, o->body, o->len)))
		return c;
	return CURLE_OK;
}

/* The sending loop of one share; 0, or an error for the run to stop. */
static int load_loop(struct load *ld)
{
	const struct mlg_load_opts *o = ld->o;
	double now, due, tmo_s = (double)ld->tmo / 1000;
	unsigned long counted = 0;
	uint64_t next = 0;
	int sending = 1, running, q, rc;
	CURLMsg *msg;

	for (;;) {
		double wait = 0.1;

		now = mlg_monotonic();
		while (sending && o->rate > 0) {
			/* the schedule, whatever the server does */
			due = ld->t0 +
			      (double)(next * ld->stride + ld->first) / o->rate;
			if (due >= ld->tend ||
			    (ld->requests && counted >= ld->requests &&
			     due >= ld->tw)) {
				sending = 0;
				break;
			}
			if (due > now) {
				wait = due - now;
				break;
			}
			if (now - due > tmo_s) {
				/* bounds the run when the server falls
				 * behind for good */
				if (due >= ld->tw)
					load_late(ld);
			} else if (!ld->nidle) {
				break;
			} else if ((rc = load_start(ld, due, due >= ld->tw))) {
				return rc;
			}
			counted += due >= ld->tw;
			next++;
		}
		while (sending && o->rate <= 0 && ld->nidle) {
			if (now >= ld->tend ||
			    (ld->requests && counted >= ld->requests)) {
				sending = 0;
				break;
			}
			if ((rc = load_start(ld, now, now >= ld->tw)))
				return rc;
			counted += now >= ld->tw;
		}
		if (!sending && ld->nidle == ld->nslots)
			return 0;
		if (curl_multi_perform(ld->multi, &running) != CURLM_OK)
			return mlg_error_set(MLG_ENETWORK,
					     "curl multi failure");
		now = mlg_monotonic();
		q = 0;
		while ((msg = curl_multi_info_read(ld->multi, &running))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			load_done(ld, msg->easy_handle, msg->data.result, now);
			q = 1;
		}
		/* a free slot takes its next request at once */
		if (q)
			continue;
		wait = wait * 1000;
		curl_multi_poll(ld->multi, NULL, 0,
				wait < 100 ? (int)wait : 100, NULL);
	}
}

/* One share, from its connections to their clean-up; on a thread of
 * its own but for the first share. */
static void *load_run(void *arg)
{
	struct load *ld = arg;
	const struct mlg_load_opts *o;
	struct curl_slist *hdr;
	size_t i;
	CURLcode c;

	/* the share is set while the gate is held: read nothing before */
	if (ld->gate) {
		pthread_mutex_lock(ld->gate);
		pthread_mutex_unlock(ld->gate);
	}
	o = ld->o;
	ld->last = ld->tw;
	ld->slots = mlg_calloc(ld->nslots, sizeof(*ld->slots));
	ld->idle = mlg_calloc(ld->nslots, sizeof(*ld->idle));
	hdr = make_headers(o->body, o->content_type, o->headers);
	if (!(ld->multi = curl_multi_init())) {
		ld->rc = mlg_error_set(MLG_ENETWORK,
				       "cannot create a curl handle");
		goto done;
	}
	/* one connection per slot, kept for its next request */
	curl_multi_setopt(ld->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)ld->nslots);
	for (i = ld->nslots; i-- > 0;) {
		struct lslot *s = &ld->slots[i];

		if (!(s->easy = curl_easy_init())) {
			ld->rc = mlg_error_set(MLG_ENETWORK,
					       "cannot create a curl handle");
			goto done;
		}
		if ((c = load_setup(ld, s, hdr))) {
			ld->rc = mlg_error_set(MLG_ENETWORK, "'%s': %s", o->url,
					       curl_easy_strerror(c));
			goto done;
		}
		ld->idle[ld->nidle++] = s;
	}
	ld->rc = load_loop(ld);
done:
	if (ld->rc)
		ld->err = mlg_strdup(mlg_error_message());
	for (i = 0; i < ld->nslots; i++) {
		if (!ld->slots[i].easy)
			continue;
		curl_multi_remove_handle(ld->multi, ld->slots[i].easy);
		curl_easy_cleanup(ld->slots[i].easy);
	}
	if (ld->multi)
		curl_multi_cleanup(ld->multi);
	curl_slist_free_all(hdr);
	free(ld->slots);
	free(ld->idle);
	return NULL;
}

/*
 * The load is shared among up to one thread per CPU: libcurl's work per
 * request, not the network, bounds what one thread sends. Threads wait
 * at the gate until the number that could start is known, and the
 * connections and requests are shared out among those.
 */
int mlg_http_load(struct mlg_latency *out, const struct mlg_load_opts *o)
{
	pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
	size_t conns = o->concurrency > 0 ? (size_t)o->concurrency : 1;
	size_t i, nt = mlg_ncpu(16), started = 0;
	long tmo = timeout_ms(o->timeout_ms);
	double t0, tw, tend;
	struct load *ld;
	int rc = 0;

	mlg_latency_init(out);
	if ((rc = load_check(o)))
		return rc;
	if (nt > conns)
		nt = conns;
	if (o->requests && nt > o->requests)
		nt = (size_t)o->requests;
	ld = mlg_calloc(nt, sizeof(*ld));
	pthread_mutex_lock(&gate);
	for (i = 1; i < nt; i++) {
		ld[i].gate = &gate;
		if (pthread_create(&ld[i].tid, NULL, load_run, &ld[i]))
			break;
		started++;
	}
	nt = started + 1;
	t0 = mlg_monotonic();
	tw = t0 + o->warmup_s;
	tend = o->duration_s > 0 ? tw + o->duration_s : INFINITY;
	for (i = 0; i < nt; i++) {
		ld[i].o = o;
		ld[i].nslots = conns / nt + (i < conns % nt);
		ld[i].requests = o->requests / nt + (i < o->requests % nt);
		ld[i].first = i;
		ld[i].stride = nt;
		ld[i].tmo = tmo;
		ld[i].t0 = t0;
		ld[i].tw = tw;
		ld[i].tend = tend;
	}
	pthread_mutex_unlock(&gate);
	load_run(&ld[0]);
	for (i = 0; i < nt; i++) {
		if (i)
			pthread_join(ld[i].tid, NULL);
		ld[i].lat.elapsed = ld[i].last - ld[i].tw;
		mlg_latency_merge(out, &ld[i].lat);
		mlg_latency_release(&ld[i].lat);
		if (ld[i].rc && !rc)
			rc = mlg_error_set(ld[i].rc, "%s", ld[i].err);
		free(ld[i].err);
	}
	free(ld);
	pthread_mutex_destroy(&gate);
	if (!rc && out->sent && !out->ok && out->status[0] == out->sent)
		rc = mlg_error_set(MLG_ENETWORK, "%s",
				   out->message[0] ? out->message[0]
						   : "no answer");
	return rc;
}
