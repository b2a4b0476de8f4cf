/* http.c - libcurl behind a pull-style reader */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
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

static int fail_curl(struct mlg_http_stream *h, CURLcode c)
{
	size_t n = strlen(h->errbuf);

	/* curl's buffer sometimes ends with a newline */
	while (n && (h->errbuf[n - 1] == '\n' || h->errbuf[n - 1] == '\r'))
		h->errbuf[--n] = '\0';
	return fail(h, MLG_ENETWORK, "'%s': %s", h->url,
		    n ? h->errbuf : curl_easy_strerror(c));
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

/* Set the options of a GET; a nonzero CURLcode if curl refused one. */
static CURLcode setup(struct mlg_http_stream *h, long timeout_s, int total)
{
	CURL *e = h->easy;
	CURLcode c;

	if ((c = curl_easy_setopt(e, CURLOPT_URL, h->url)) ||
	    (c = curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf)) ||
	    (c = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    (c = curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
				  "http,https")) ||
	    (c = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L)) ||
	    (c = curl_easy_setopt(e, CURLOPT_USERAGENT,
				  "mlgate/" MLG_VERSION)) ||
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
