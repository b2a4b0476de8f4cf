#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/latency.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "test.h"

#include "../servers/server.h"

/* ---- the histogram ---- */

/* 1 ms, 2 ms, ... 100 ms: the quantiles worked out by hand below. */
static void record_ms(struct mlg_latency *h)
{
	int k;

	for (k = 1; k <= 100; k++)
		mlg_latency_record(h, k * 1e-3);
}

static void test_empty(void)
{
	struct mlg_latency h;
	double v = -1;

	mlg_latency_init(&h);
	T_ASSERT(isnan(mlg_latency_quantile(&h, 0.5)));
	T_ASSERT(isnan(mlg_latency_quantile(&h, 0)));
	T_ASSERT(isnan(mlg_latency_quantile(&h, 1)));
	T_ASSERT(isnan(mlg_latency_mean(&h)));
	T_EQ_DBL(mlg_latency_throughput(&h), 0, 0);
	T_EQ_DBL(mlg_latency_error_rate(&h), 0, 0);
	T_EQ_INT(mlg_latency_value(&v, &h, "p99"), 1);
	T_EQ_INT(mlg_latency_value(&v, &h, "mean_latency"), 1);
	T_EQ_DBL(v, -1, 0);
	T_EQ_INT(mlg_latency_value(&v, &h, "requests"), 0);
	T_EQ_DBL(v, 0, 0);
	T_EQ_INT(mlg_latency_value(&v, &h, "p98"), -1);
	T_EQ_INT(mlg_latency_value(&v, &h, ""), -1);
	mlg_latency_release(&h);
}

/* Below 256 ns every nanosecond has its bucket: quantiles are exact. */
static void test_exact_small(void)
{
	struct mlg_latency h = {0};
	int k;

	for (k = 100; k >= 1; k--)
		mlg_latency_record(&h, k * 1e-9);
	T_EQ_INT(h.n, 100);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.5), 50e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.99), 99e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.995), 100e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.001), 1e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.011), 2e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 0), 1e-9, 1e-15);
	T_EQ_DBL(mlg_latency_quantile(&h, 1), 100e-9, 1e-15);
	T_EQ_DBL(mlg_latency_mean(&h), 50.5e-9, 1e-15);
	/* a value between two nanoseconds is rounded to the nearest */
	mlg_latency_init(&h);
	mlg_latency_record(&h, 7.4e-9);
	mlg_latency_record(&h, 7.6e-9);
	T_EQ_INT(h.bucket[7], 1);
	T_EQ_INT(h.bucket[8], 1);
	/* clamped to the exact min and max */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.5), 7.4e-9, 1e-18);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.9), 7.6e-9, 1e-18);
}

/* 1 ms .. 100 ms: the quantile is the bucket's upper edge, by hand. */
static void test_known_quantiles(void)
{
	struct mlg_latency h = {0};

	record_ms(&h);
	/* 50e6 ns: 2^25 <= v < 2^26, buckets of 2^18 ns; 50e6 >> 18 is
	 * 190, so the bucket ends at 191 * 2^18 - 1 */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.5), 50069503e-9, 1e-15);
	/* rank 51 (0.5 * 100 is not rounded up to 51 by accident...) */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.505), 51118079e-9, 1e-15);
	/* ... and 0.99 * 100 is rank 99, not 100 */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.99), 99090431e-9, 1e-15);
	/* rank 100 is the max: the bucket edge is clamped to it */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.991), 0.1, 0);
	T_EQ_DBL(mlg_latency_quantile(&h, 1), 0.1, 0);
	T_EQ_DBL(mlg_latency_quantile(&h, 0), 0.001, 0);
	/* 1 ms is 1e6 ns: 2^19 <= v < 2^20, shift 12; 1e6 >> 12 = 244 */
	T_EQ_DBL(mlg_latency_quantile(&h, 0.01), 1003519e-9, 1e-15);
	T_EQ_DBL(mlg_latency_mean(&h), 0.0505, 1e-12);
	T_EQ_INT(h.over, 0);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Over the whole range, every quantile is within the stated error of
 * the true one (sorting all values) and never below it. */
static void test_relative_error(void)
{
	static double v[20000];
	struct mlg_latency h = {0};
	size_t i, n = MLG_ARRAY_SIZE(v), rank;
	double q, got, want;
	unsigned long long x = 88172645463325252ULL;

	for (i = 0; i < n; i++) {
		/* xorshift: log-uniform from 1 us to 60 s */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = 1e-6 *
		       exp(log(6e7) * (double)(x >> 11) / 9007199254740992.0);
		mlg_latency_record(&h, v[i]);
	}
	qsort(v, n, sizeof(v[0]), cmp_dbl);
	for (i = 1; i <= 1000; i++) {
		q = (double)i / 1000;
		rank = (size_t)ceil(q * (double)n - 1e-9 * q * (double)n);
		want = v[rank - 1];
		got = mlg_latency_quantile(&h, q);
		/* rounded to the nearest nanosecond first */
		if (!(got >= want - 0.5e-9 &&
		      got <= want * (1 + 1.0 / 128) + 0.5e-9))
			t_fail(__FILE__, __LINE__,
			       "q %g: got %.12g, true %.12g", q, got, want);
	}
	T_EQ_DBL(mlg_latency_quantile(&h, 1), v[n - 1], 0);
	T_EQ_DBL(mlg_latency_quantile(&h, 0), v[0], 0);
	T_EQ_INT(h.over, 0);
}

static void test_out_of_range(void)
{
	struct mlg_latency h = {0};

	mlg_latency_record(&h, 0.001);
	mlg_latency_record(&h, 100);
	mlg_latency_record(&h, 1e300);
	mlg_latency_record(&h, INFINITY);
	T_EQ_INT(h.n, 4);
	T_EQ_INT(h.over, 3);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.25), 1003519e-9, 1e-15);
	/* a rank among the values above the range: the max */
	T_ASSERT(isinf(mlg_latency_quantile(&h, 0.5)));
	mlg_latency_init(&h);
	mlg_latency_record(&h, 0.001);
	mlg_latency_record(&h, 100);
	T_EQ_DBL(mlg_latency_quantile(&h, 0.6), 100, 0);
	/* the last value inside the buckets, and the first outside */
	mlg_latency_init(&h);
	mlg_latency_record(&h, MLG_LATENCY_RANGE);
	T_EQ_INT(h.over, 0);
	T_EQ_INT(h.bucket[MLG_LATENCY_BUCKETS - 1], 1);
	mlg_latency_record(&h, 68.72);
	T_EQ_INT(h.over, 1);
	/* negative and NaN count as 0 */
	mlg_latency_init(&h);
	mlg_latency_record(&h, -1);
	mlg_latency_record(&h, NAN);
	T_EQ_INT(h.n, 2);
	T_EQ_INT(h.bucket[0], 2);
	T_EQ_DBL(mlg_latency_quantile(&h, 1), 0, 0);
	T_EQ_DBL(mlg_latency_mean(&h), 0, 0);
	T_ASSERT(isnan(mlg_latency_quantile(&h, NAN)));
}

static void test_merge(void)
{
	struct mlg_latency a = {0}, b = {0}, all = {0}, e = {0};
	int k;

	for (k = 0; k < 1000; k++) {
		double x = 1e-4 * (k + 1) * (k % 7 + 1);

		mlg_latency_record(k % 3 ? &a : &b, x);
		mlg_latency_record(&all, x);
	}
	mlg_latency_record(&b, 500);
	mlg_latency_record(&all, 500);
	a.sent = 10, a.ok = 7, a.errors = 3, a.status[200] = 7;
	a.status[500] = 3, a.elapsed = 2;
	b.sent = 5, b.ok = 5, b.status[200] = 5, b.elapsed = 3;
	mlg_latency_add_message(&a, "a1");
	mlg_latency_add_message(&b, "b1");
	mlg_latency_merge(&a, &b);
	T_ASSERT(!memcmp(a.bucket, all.bucket, sizeof(a.bucket)));
	T_EQ_INT(a.n, 1001);
	T_EQ_INT(a.over, 1);
	T_EQ_DBL(a.sum, all.sum, 1e-12);
	T_EQ_DBL(a.min, all.min, 0);
	T_EQ_DBL(a.max, 500, 0);
	T_EQ_DBL(mlg_latency_quantile(&a, 0.9), mlg_latency_quantile(&all, 0.9),
		 0);
	T_EQ_INT(a.sent, 15);
	T_EQ_INT(a.ok, 12);
	T_EQ_INT(a.errors, 3);
	T_EQ_INT(a.status[200], 12);
	T_EQ_INT(a.status[500], 3);
	T_EQ_DBL(a.elapsed, 3, 0);
	T_EQ_STR(a.message[0], "a1");
	T_EQ_STR(a.message[1], "b1");
	T_ASSERT(!a.message[2]);
	/* an empty side changes nothing, either way round */
	mlg_latency_merge(&b, &e);
	T_EQ_DBL(b.min, 1e-4, 1e-15);
	mlg_latency_merge(&e, &b);
	T_EQ_DBL(e.min, b.min, 0);
	T_EQ_DBL(e.max, 500, 0);
	mlg_latency_release(&a);
	mlg_latency_release(&b);
	mlg_latency_release(&e);
	mlg_latency_release(&all);
}

static void test_messages_capped(void)
{
	struct mlg_latency h = {0};
	char m[16];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		mlg_latency_add_message(&h, m);
	}
	T_EQ_STR(h.message[0], "m0");
	T_EQ_STR(h.message[MLG_LATENCY_MESSAGES - 1], "m4");
	mlg_latency_release(&h);
	T_ASSERT(!h.message[0]);
}

/* ---- report and thresholds ---- */

static const char *cell(const struct mlg_table *t, size_t row, size_t col)
{
	const char *c = mlg_table_cell(t, row, col);

	return c ? c : "";
}

static void test_report_table(void)
{
	struct mlg_report r;
	struct mlg_latency h = {0};
	const struct mlg_table *t;
	static const char *const want[][3] = {
		{"p50", "50.0695", "ms"},      {"p90", "90.1775", "ms"},
		{"p95", "95.4204", "ms"},      {"p99", "99.0904", "ms"},
		{"max", "100", "ms"},	       {"mean", "50.5", "ms"},
		{"throughput", "50", "req/s"}, {"error_rate", "0.0291262", ""},
		{"requests", "103", ""},       {"errors", "3", ""},
		{"status 0", "1", ""},	       {"status 200", "100", ""},
		{"status 503", "2", ""},       {"error", "'u': HTTP 503", ""},
	};
	size_t i;

	record_ms(&h);
	h.sent = 103, h.ok = 100, h.errors = 3, h.elapsed = 2.06;
	h.status[200] = 100, h.status[503] = 2, h.status[0] = 1;
	mlg_latency_add_message(&h, "'u': HTTP 503");
	mlg_report_init(&r, "model-test", "0");
	mlg_latency_report(&r, &h, NULL);
	T_EQ_INT(r.ntables, 1);
	t = r.tables[0];
	T_EQ_STR(t->id, "latency");
	T_EQ_STR(t->title, "Latency");
	T_EQ_INT(t->ncols, 3);
	T_EQ_INT(t->nrows, MLG_ARRAY_SIZE(want));
	for (i = 0; i < t->nrows; i++) {
		T_EQ_STR(cell(t, i, 0), want[i][0]);
		T_EQ_STR(cell(t, i, 1), want[i][1]);
		T_EQ_STR(cell(t, i, 2), want[i][2]);
	}
	mlg_report_release(&r);
	mlg_latency_release(&h);
}

static void test_check_rules(void)
{
	static const struct {
		const char *rule;
		int handled;
		enum mlg_status st;
		double value;
	} cases[] = {
		{"p99 < 250ms", 1, MLG_STATUS_PASS, 99090431e-9},
		{"p99 < 99ms", 1, MLG_STATUS_FAIL, 99090431e-9},
		{"p50 <= 0.051", 1, MLG_STATUS_PASS, 50069503e-9},
		{"max_latency < 100ms", 1, MLG_STATUS_FAIL, 0.1},
		{"mean_latency < 51ms", 1, MLG_STATUS_PASS, 0.0505},
		{"throughput >= 50/s", 1, MLG_STATUS_PASS, 50},
		{"throughput > 50/s", 1, MLG_STATUS_FAIL, 50},
		{"error_rate < 1%", 1, MLG_STATUS_PASS, 0.0},
		{"requests >= 100", 1, MLG_STATUS_PASS, 100},
		{"errors == 0", 1, MLG_STATUS_PASS, 0},
		{"accuracy > 0.5", 0, MLG_STATUS_PASS, 0},
		{"p99[country=US] < 1s", 0, MLG_STATUS_PASS, 0},
	};
	struct mlg_latency h = {0};
	struct mlg_threshold t;
	struct mlg_report r;
	struct mlg_check *c;
	size_t i;

	record_ms(&h);
	h.sent = h.ok = h.status[200] = 100;
	h.elapsed = 2;
	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		mlg_report_init(&r, "model-test", "0");
		T_EQ_INT(mlg_threshold_parse(&t, cases[i].rule), 0);
		T_EQ_INT(mlg_latency_check_rule(&r, &h, &t), cases[i].handled);
		T_EQ_INT(r.nchecks, cases[i].handled);
		if (cases[i].handled) {
			c = r.checks[0];
			T_EQ_STR(c->id, t.metric);
			T_EQ_STR(c->threshold, cases[i].rule);
			if (c->status != cases[i].st)
				t_fail(__FILE__, __LINE__, "%s: status %d",
				       cases[i].rule, c->status);
			T_ASSERT(c->has_value);
			T_EQ_DBL(c->value, cases[i].value, 1e-12);
		}
		mlg_threshold_release(&t);
		mlg_report_release(&r);
	}
	/* no request succeeded: the latency is undefined, an error */
	mlg_latency_release(&h);
	h.sent = h.errors = h.status[0] = 4;
	mlg_report_init(&r, "model-test", "0");
	T_EQ_INT(mlg_threshold_parse(&t, "p95 < 1s"), 0);
	T_EQ_INT(mlg_latency_check_rule(&r, &h, &t), 1);
	T_EQ_INT(r.checks[0]->status, MLG_STATUS_ERROR);
	T_EQ_STR(r.checks[0]->message,
		 "p95 is undefined: no request succeeded");
	T_ASSERT(!r.checks[0]->has_value);
	mlg_threshold_release(&t);
	T_EQ_INT(mlg_threshold_parse(&t, "error_rate < 0.5"), 0);
	T_EQ_INT(mlg_latency_check_rule(&r, &h, &t), 1);
	T_EQ_INT(r.checks[1]->status, MLG_STATUS_FAIL);
	T_EQ_DBL(r.checks[1]->value, 1, 0);
	mlg_threshold_release(&t);
	mlg_report_release(&r);
}

/* ---- load runs against tests/servers/http_server.py ---- */

/* Keys of /stallonce differ per run of the binary: the server may be
 * shared by several tests. */
static const char *stall_url(const char *name, int ms)
{
	static char p[128];

	snprintf(p, sizeof(p), "/stallonce/%s-%d/%d", name, (int)getpid(), ms);
	return url(p);
}

/* `msg` with the URL `u` before it: "'<u>': msg". */
static const char *at(const char *u, const char *msg)
{
	static char w[300];

	snprintf(w, sizeof(w), "'%s': %s", u, msg);
	return w;
}

/* Run `o` into `h`: it returns `rc` after `sent` counted requests, `ok`
 * of them answered below 400 and the rest errors. */
static void load(struct mlg_latency *h, const struct mlg_load_opts *o, int rc,
		 unsigned long sent, unsigned long ok)
{
	T_EQ_INT(mlg_http_load(h, o), rc);
	T_EQ_INT(h->sent, sent);
	T_EQ_INT(h->ok, ok);
	T_EQ_INT(h->errors, sent - ok);
}

static void test_load_closed_count(void)
{
	struct mlg_latency h;
	static const char body[] = "{\"inputs\": []}";
	struct mlg_load_opts o = {.url = url("/status/200"),
				  .body = body,
				  .len = sizeof(body) - 1,
				  .concurrency = 4,
				  .requests = 200,
				  .timeout_ms = 2000};

	load(&h, &o, 0, 200, 200);
	T_EQ_INT(h.n, 200);
	T_EQ_INT(h.status[200], 200);
	T_ASSERT(!h.message[0]);
	T_ASSERT(h.elapsed > 0 && h.elapsed < 2);
	T_EQ_DBL(mlg_latency_throughput(&h), 200 / h.elapsed, 1e-9);
	T_ASSERT(h.max < 0.5);
	mlg_latency_release(&h);

	/* by duration: every request sent in 0.3 s is counted */
	o.requests = 0;
	o.duration_s = 0.3;
	o.concurrency = 2;
	T_EQ_INT(mlg_http_load(&h, &o), 0);
	T_ASSERT(h.sent > 10);
	T_EQ_INT(h.ok, h.sent);
	T_EQ_INT(h.n, h.sent);
	T_ASSERT(h.elapsed >= 0.29 && h.elapsed < 0.8);
	mlg_latency_release(&h);
}

/* The first request stalls in the warm-up: it is not counted. */
static void test_load_warmup(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {.url = stall_url("warm", 200),
				  .concurrency = 1,
				  .requests = 20,
				  .warmup_s = 0.05};

	load(&h, &o, 0, 20, 20);
	T_ASSERT(h.max < 0.1);
	mlg_latency_release(&h);
	/* without a warm-up it would have been */
	o.url = stall_url("nowarm", 200);
	o.warmup_s = 0;
	load(&h, &o, 0, 20, 20);
	T_ASSERT(h.max >= 0.2);
	mlg_latency_release(&h);
}

/*
 * A 300 ms stall of one request. Open model at 100/s on one connection:
 * the ~30 requests due during the stall wait for it, and their latency
 * counts from their due time. Closed model: the one slow request is all
 * that shows (coordinated omission).
 */
static void test_load_stall_open_vs_closed(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {.url = stall_url("open", 300),
				  .body = "{}",
				  .len = 2,
				  .concurrency = 1,
				  .rate = 100,
				  .duration_s = 1,
				  .timeout_ms = 2000};

	load(&h, &o, 0, 100, 100);
	T_ASSERT(h.max >= 0.3);
	T_ASSERT(mlg_latency_quantile(&h, 0.99) >= 0.25);
	/* about 25 requests over 50 ms, not one */
	T_ASSERT(mlg_latency_quantile(&h, 0.8) > 0.05);
	T_ASSERT(mlg_latency_quantile(&h, 0.5) < 0.05);
	T_ASSERT(h.elapsed >= 0.99 && h.elapsed < 1.3);
	mlg_latency_release(&h);

	o.url = stall_url("closed", 300);
	o.rate = 0;
	o.duration_s = 0;
	o.requests = 100;
	load(&h, &o, 0, 100, 100);
	T_ASSERT(h.max >= 0.3);
	T_ASSERT(mlg_latency_quantile(&h, 0.98) < 0.05);
	mlg_latency_release(&h);
}

static void test_load_500(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {
		.url = url("/status/500"), .concurrency = 2, .requests = 10};
	int i;

	load(&h, &o, 0, 10, 0);
	T_EQ_INT(h.status[500], 10);
	T_EQ_INT(h.n, 0);
	T_EQ_DBL(mlg_latency_error_rate(&h), 1.0, 0);
	for (i = 0; i < MLG_LATENCY_MESSAGES; i++)
		T_EQ_STR(h.message[i], at(o.url, "HTTP 500"));
	mlg_latency_release(&h);
	/* a 404 too; a 3xx without Location is an answer below 400 */
	o.url = url("/status/404");
	load(&h, &o, 0, 10, 0);
	T_EQ_INT(h.status[404], 10);
	T_EQ_DBL(mlg_latency_error_rate(&h), 1.0, 0);
	mlg_latency_release(&h);
	o.url = url("/status/304");
	load(&h, &o, 0, 10, 10);
	T_EQ_INT(h.status[304], 10);
	mlg_latency_release(&h);
}

static void test_load_timeout(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {.url = stall_url("tmo", 1500),
				  .concurrency = 1,
				  .requests = 3,
				  .timeout_ms = 200};

	load(&h, &o, 0, 3, 2);
	T_EQ_INT(h.status[0], 1);
	T_EQ_STR(h.message[0], at(o.url, "timed out after 200 ms"));
	T_ASSERT(!h.message[1]);
	T_ASSERT(h.max < 0.2);
	mlg_latency_release(&h);
}

/* Open model, server far behind: due requests that cannot get a
 * connection within the timeout are errors, and the run still ends. */
static void test_load_fell_behind(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {.url = url("/sleep/1000"),
				  .concurrency = 1,
				  .rate = 100,
				  .duration_s = 0.3,
				  .timeout_ms = 100};
	double t0 = mlg_monotonic(), took;

	/* no request got an answer */
	load(&h, &o, MLG_ENETWORK, 30, 0);
	took = mlg_monotonic() - t0;
	T_EQ_STR(mlg_error_message(), at(o.url, "timed out after 100 ms"));
	T_EQ_INT(h.status[0], 30);
	/* about one in ten is sent and times out, the rest wait too long */
	T_EQ_STR(h.message[0], at(o.url, "timed out after 100 ms"));
	T_EQ_STR(h.message[1], at(o.url, "not sent within 100 ms of its due "
					 "time (all connections busy)"));
	mlg_latency_release(&h);
	/* It gave up on the slow server: waiting for even one of its
	 * answers takes a second. Last, so that a slow run (a loaded
	 * sanitizer build) fails without leaking. */
	T_ASSERT(took < 0.95);
}

static void test_load_refused(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {0};
	char u[128], w[128];
	int port = t_free_port();

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/v2?key=s3cr3t-key", port);
	snprintf(w, sizeof(w), "'http://127.0.0.1:%d/v2?key=***': ", port);
	T_EQ_INT(mlg_secret_add("s3cr3t-key"), 0);
	o.url = u;
	o.concurrency = 2;
	o.requests = 5;
	load(&h, &o, MLG_ENETWORK, 5, 0);
	T_ASSERT(mlg_starts_with(mlg_error_message(), w));
	T_CONTAINS(mlg_error_message(), "Failed to connect");
	T_ASSERT(mlg_starts_with(h.message[0], w));
	T_ASSERT(!strstr(h.message[0], "s3cr3t"));
	T_EQ_INT(h.status[0], 5);
	T_EQ_DBL(mlg_latency_error_rate(&h), 1, 0);
	mlg_latency_release(&h);
	mlg_secret_clear();
}

/* Each bad option alone: refused before anything is sent. */
static void test_load_bad_opts(void)
{
	static const char *const bad[] = {"X-Key: a\r\nX-B: b", NULL};
	static const char u[] = "http://127.0.0.1:1/";
	static const char rate[] = "load: the rate must be a positive number "
				   "of requests per second";
	static const char dur[] =
		"load: the duration and the warm-up must be positive";
	const struct {
		struct mlg_load_opts o;
		const char *msg;
	} cases[] = {
		{{0}, "load: no URL"},
		{{.url = u},
		 "load: neither a duration nor a number of requests"},
		{{.url = u, .requests = 1, .rate = -1}, rate},
		{{.url = u, .requests = 1, .rate = NAN}, rate},
		{{.url = u, .requests = 1, .warmup_s = -1}, dur},
		{{.url = u, .requests = 1, .duration_s = NAN}, dur},
		{{.url = u, .requests = 1, .headers = bad},
		 "'http://127.0.0.1:1/': header 1 is not a 'Name: value' line"},
	};
	struct mlg_latency h;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		T_EQ_INT(mlg_http_load(&h, &cases[i].o), MLG_EINVALID);
		T_EQ_STR(mlg_error_message(), cases[i].msg);
		T_EQ_INT(h.sent, 0);
		mlg_latency_release(&h);
	}
}

/* Method, headers and body reach the server on every request. */
static void test_load_headers(void)
{
	static const char *const hdrs[] = {"X-Run: 7", NULL};
	struct mlg_latency h;
	struct mlg_load_opts o = {.url = url("/echo"),
				  .method = "PUT",
				  .body = "abc",
				  .len = 3,
				  .headers = hdrs,
				  .requests = 3};

	load(&h, &o, 0, 3, 3);
	mlg_latency_release(&h);
	/* HEAD on a route that only answers with a body to GET-like verbs */
	o.method = "HEAD";
	o.body = NULL;
	o.len = 0;
	load(&h, &o, 0, 3, 3);
	mlg_latency_release(&h);
}

/*
 * Several connections share the run among threads (one per CPU): the
 * counts are those of the whole run, an odd number of requests as well,
 * and the open schedule is kept as one: 0.25 s at 400/s is exactly the
 * 100 requests due before the end.
 */
static void test_load_shared(void)
{
	struct mlg_latency h;
	struct mlg_load_opts o = {
		.url = url("/status/200"), .concurrency = 4, .requests = 7};

	load(&h, &o, 0, 7, 7);
	T_EQ_INT(h.n, 7);
	mlg_latency_release(&h);
	o.rate = 1000;
	load(&h, &o, 0, 7, 7);
	mlg_latency_release(&h);
	o.requests = 0;
	o.rate = 400;
	o.duration_s = 0.25;
	load(&h, &o, 0, 100, 100);
	T_EQ_INT(h.status[200], 100);
	T_ASSERT(h.elapsed >= 0.24 && h.elapsed < 0.6);
	mlg_latency_release(&h);
	/* more threads than requests: one request, four connections */
	o.rate = 0;
	o.duration_s = 0;
	o.requests = 1;
	load(&h, &o, 0, 1, 1);
	mlg_latency_release(&h);
}

MLG_TESTS(T(test_empty), T(test_exact_small), T(test_known_quantiles),
	  T(test_relative_error), T(test_out_of_range), T(test_merge),
	  T(test_messages_capped), T(test_report_table), T(test_check_rules),
	  T(test_load_closed_count), T(test_load_warmup),
	  T(test_load_stall_open_vs_closed), T(test_load_500),
	  T(test_load_timeout), T(test_load_fell_behind), T(test_load_refused),
	  T(test_load_bad_opts), T(test_load_headers), T(test_load_shared))
