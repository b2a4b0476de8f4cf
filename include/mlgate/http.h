/*
 * http.h - HTTP(S) GET with libcurl, pulled in bounded memory
 *
 * The only module that includes curl.h; every CURLcode is converted here.
 * A response is read pull-style: mlg_http_read() drives a curl multi
 * handle until bytes arrive, and the transfer is paused whenever the
 * internal buffer is full, so memory stays bounded (about 256 KiB per
 * transfer) however large the body and however slowly the caller reads.
 *
 * Every request follows redirects (at most 5), allows only http and https
 * (a redirect to file:// or any other scheme fails), and sends the
 * User-Agent "mlgate/<version>". Proxies come from the usual environment
 * variables (http_proxy, https_proxy, no_proxy), as with curl(1).
 *
 * Errors are MLG_ENETWORK with a message that names the URL:
 *   'http://h/x.csv': HTTP 404
 *   'http://h/x.csv': HTTP 403: token expired    (short text bodies)
 *   'http://h/x.csv': transfer closed with 500 bytes remaining to read
 *   'http://h/x.csv': no data received in 30 s   (a stall)
 * Transport failures give curl's error buffer after the URL. A 3xx that
 * was not followed (no Location) is an error like a 4xx.
 */
#ifndef MLGATE_HTTP_H
#define MLGATE_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "mlgate/buf.h"

/* Used when a timeout of 0 is passed. */
#define MLG_HTTP_TIMEOUT_DEFAULT 60L

/*
 * Initialise libcurl for the process. Call once from main() before any
 * thread starts and before any other function here; 0 or MLG_ENETWORK.
 * mlg_http_global_cleanup() undoes it at exit.
 */
int mlg_http_global_init(void);
void mlg_http_global_cleanup(void);

/* One response body being read. Opaque. */
struct mlg_http_stream;

/*
 * Start a GET of `url` and wait until the final response's status is
 * known. On success `*out` is a new stream the caller frees with
 * mlg_http_close(). A status >= 400, a refused connection, a DNS failure
 * or a timeout fail here with MLG_ENETWORK and leave `*out` NULL.
 *
 * `timeout_s` bounds the connection phase and any stall: the transfer
 * fails when no byte arrives for that many seconds while this function or
 * mlg_http_read() waits (time the caller spends between reads does not
 * count). It is not a limit on the total time, so a large body may take
 * as long as it needs. 0 means MLG_HTTP_TIMEOUT_DEFAULT.
 */
int mlg_http_open(struct mlg_http_stream **out, const char *url,
		  long timeout_s);

/*
 * Copy up to `n` bytes of the body into `buf`. Returns the number of bytes
 * copied, 0 at the end of the body, or MLG_ENETWORK (a reset, a stall, a
 * body shorter than its Content-Length). Bytes that arrived before a
 * failure are delivered first; the failure is then returned by this and
 * every later call. `n` == 0 returns 0.
 */
ssize_t mlg_http_read(struct mlg_http_stream *h, void *buf, size_t n);

/* Abort the transfer if it is still running and free `h`. NULL is fine. */
void mlg_http_close(struct mlg_http_stream *h);

/*
 * GET a small body into `out` (appended). `out->cap` bounds the size: a
 * longer body fails with MLG_ELIMIT "'<url>': response larger than N
 * bytes". `timeout_s` limits the whole request (0: the default). Other
 * errors as mlg_http_open() and mlg_http_read(). On failure `out` may
 * hold part of the body.
 */
int mlg_http_get(struct mlg_buf *out, const char *url, long timeout_s);

/* ---- many requests at once, on one multi handle ---- */

/*
 * One request of mlg_http_run(). The caller sets the inputs (borrowed,
 * alive until mlg_http_run() returns) and initialises `resp` (its cap
 * bounds the body kept); the rest is output.
 */
struct mlg_http_req {
	const char *url;
	const char *body; /* POST this body; NULL: GET */
	size_t len;
	const char *content_type; /* of a POST; NULL: application/json */
	/*
	 * NULL: GET, or POST when `body` is set. Else the verb sent on the
	 * request line ("PUT", "PATCH", "DELETE", "HEAD"...), with `body`
	 * when it is set (a body of length 0 sends "Content-Length: 0"; a
	 * NULL body sends none). Kept on redirects. "HEAD" takes no body.
	 */
	const char *method;
	/*
	 * NULL, or extra "Name: value" lines ending with a NULL pointer,
	 * sent as given (after the defaults, which a line of the same name
	 * replaces: "Content-Type: text/csv"). As curl: "Name:" removes a
	 * header curl would send, "Name;" sends it empty. Values may be
	 * secrets: no message ever quotes a header.
	 */
	const char *const *headers;

	long status;	     /* final HTTP status; 0 when none arrived */
	struct mlg_buf resp; /* the final response's body */
	int rc;		     /* 0, or MLG_ENETWORK / MLG_ELIMIT */
	char *error;	     /* new message when rc != 0, else NULL */
	int attempts;	     /* tries made, >= 1 */
};

struct mlg_http_pool_opts {
	int concurrency;  /* requests in flight; <= 0: 1 */
	long timeout_ms;  /* per try, connection to last byte; <= 0: default */
	int retries;	  /* further tries after a 429, a 503 or a failed
			    connection (refused, reset, closed without an
			    answer); < 0: 0 */
	double backoff_s; /* wait before the first retry, doubled for each
			     one after; <= 0: 0.1 s */
};

/*
 * Check the inputs of `r`: 0, or MLG_EINVALID when its method is not an
 * HTTP token, "HEAD" has a body, or a header line is not "Name: value"
 * (a token, then ':' and a value without CR or LF, or ';' alone):
 *   '<url>': invalid HTTP method
 *   '<url>': header 2 is not a 'Name: value' line
 * The message never quotes the header.
 */
int mlg_http_req_check(const struct mlg_http_req *r);

/*
 * Run the `n` requests of `reqs`, at most `concurrency` at a time, over
 * kept-alive connections (one curl multi handle and its connection cache;
 * each slot's easy handle is reused). Redirects are followed as with
 * mlg_http_open().
 *
 * Any HTTP answer is a result (`rc` 0, `status` and `resp` set), whatever
 * its status: the caller decides what a 4xx means. A 429 or 503 is tried
 * again while retries remain, and the last answer is kept. A transport
 * failure sets `rc` to MLG_ENETWORK and `error` to
 *   '<url>': <curl's message>       (after the retries, when retryable)
 *   '<url>': timed out after N ms   (a timeout is not retried)
 * and a body over `resp.cap` sets MLG_ELIMIT
 *   '<url>': response larger than N bytes
 *
 * Returns 0 when every request has a result (check each `rc`),
 * MLG_EINVALID when a request fails mlg_http_req_check() (nothing is
 * sent), or MLG_ENETWORK when curl itself failed (no handle, a multi
 * error). Messages have registered secrets masked (secret.h).
 * Release each request with mlg_http_req_release().
 */
int mlg_http_run(struct mlg_http_req *reqs, size_t n,
		 const struct mlg_http_pool_opts *opts);

/* Free the outputs of `r` (resp, error); the inputs are the caller's. */
void mlg_http_req_release(struct mlg_http_req *r);

/* ---- load generation ---- */

struct mlg_latency;

/*
 * A load run: one request, sent again and again. Inputs are borrowed.
 *
 * closed (rate 0): `concurrency` virtual users, each sending its next
 *   request as soon as its previous one completes; a latency is
 *   completion - send.
 * open (rate > 0): request i is due at t0 + i / rate, whatever happened
 *   before; a latency is completion - due time, so a server that stalls
 *   delays every request queued behind it and they all count (no
 *   coordinated omission, as wrk2 and k6's arrival-rate executors). At
 *   most `concurrency` requests are in flight; a due request that finds
 *   every connection busy waits, and its wait counts. One that waits
 *   longer than the timeout is not sent and is an error.
 *
 * Requests due (open) or sent (closed) in the first `warmup_s` seconds
 * are sent but not counted. The measured phase then lasts `duration_s`
 * seconds, or until `requests` counted requests were sent, whichever
 * comes first (0: no limit of that kind; at least one must be set).
 * Requests in flight at the end are waited for and counted.
 */
struct mlg_load_opts {
	const char *url;
	const char *method; /* as mlg_http_req: NULL is POST with a body */
	const char *body;   /* sent with every request; NULL: none */
	size_t len;
	const char *content_type;   /* NULL: application/json */
	const char *const *headers; /* as mlg_http_req */
	int concurrency;	    /* connections; <= 0: 1 */
	double rate;		    /* requests per second; 0: closed */
	double duration_s;	    /* measured phase; 0: `requests` */
	unsigned long requests;	    /* counted requests; 0: `duration_s` */
	double warmup_s;	    /* not counted; 0: none */
	long timeout_ms;	    /* per request; <= 0: the default */
};

/*
 * Run the load of `o` over kept-alive connections (one easy handle per
 * connection; the connections shared among up to one thread per CPU,
 * each with its curl multi handle, its part of the counted requests and,
 * in the open model, every T-th request of the one schedule; the
 * threads' counts are merged) and record it in `out` (initialised
 * here; the caller releases it with mlg_latency_release()): the latency
 * of every counted request with a status < 400, the counts by status,
 * the first error messages and the elapsed seconds of the measured phase
 * (from its start to the last counted completion).
 *
 * Errors are counted, not retried: a transport failure ("'<url>':
 * <curl's message>"), a timeout ("'<url>': timed out after N ms"), a
 * status >= 400 ("'<url>': HTTP 500"), a request that waited too long
 * for a connection ("'<url>': not sent within N ms of its due time (all
 * C connections busy)").
 *
 * Returns 0 when the run happened, even with errors (their rate is for
 * a threshold to judge); MLG_EINVALID for bad options (mlg_http_req_check()
 * messages, or "load: ..."); MLG_ENETWORK when no counted request got
 * any HTTP answer (the first error message: a refused connection, a
 * timeout) or curl itself failed. `out` is filled in every case.
 */
int mlg_http_load(struct mlg_latency *out, const struct mlg_load_opts *o);

#endif
