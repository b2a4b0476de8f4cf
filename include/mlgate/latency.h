/*
 * latency.h - request latencies in bounded memory, and what a load run
 * counted
 *
 * A latency histogram in the manner of HdrHistogram: values are kept in
 * integer nanoseconds in log-linear buckets. Below 256 ns each bucket is
 * one nanosecond wide (exact); above, every power of two is split into
 * 128 equal buckets, so a bucket is never wider than 1/128 (0.79%) of
 * its lowest value. The buckets reach 2^36 ns (68.7 s); a larger value
 * is counted in `over` and only its exact maximum is kept. The whole
 * struct is MLG_LATENCY_BUCKETS counters, about 30 KiB, however many
 * values are recorded: a 10 M request run costs what a 10 request run
 * does. The minimum, maximum and sum (for the mean) are exact.
 *
 * Quantile: mlg_latency_quantile(h, q) is the smallest recorded value v
 * such that at least q of the values are <= v, i.e. the value of rank
 * ceil(q * n) (1-based, at least 1; a q * n within a relative 1e-9 of
 * an integer counts as that integer, so 0.99 * 100 is rank 99). It is
 * reported as the upper edge (largest nanosecond) of the bucket holding
 * that rank, clamped to [min, max].
 * Values are rounded to the nearest nanosecond first, so a quantile is
 * never more than 0.5 ns below the true one and at most 1/128 (plus
 * 0.5 ns) above it; q = 1 is the exact maximum.
 *
 * The same struct holds the counts of a load run (http.h,
 * mlg_http_load()): every request sent is ok (an HTTP status < 400) or
 * an error (a transport failure, a timeout, a status >= 400, or a
 * request the run could not send in time); only the latencies of ok
 * requests are recorded.
 */
#ifndef MLGATE_LATENCY_H
#define MLGATE_LATENCY_H

#include <stddef.h>
#include <stdint.h>

/* Buckets: 256 exact ones, then 128 per power of two up to 2^36 ns. */
#define MLG_LATENCY_EXACT   256
#define MLG_LATENCY_SUB	    128
#define MLG_LATENCY_TOP_LOG 36
#define MLG_LATENCY_BUCKETS                                                    \
	(MLG_LATENCY_EXACT + (MLG_LATENCY_TOP_LOG - 8) * MLG_LATENCY_SUB)
/* Largest value the buckets hold, in seconds (2^36 - 1 ns). */
#define MLG_LATENCY_RANGE 68.719476735
/* Error messages kept by a load run; the rest are only counted. */
#define MLG_LATENCY_MESSAGES 5

struct mlg_latency {
	/* the histogram */
	uint64_t bucket[MLG_LATENCY_BUCKETS];
	uint64_t n;    /* values recorded, `over` included */
	uint64_t over; /* values above MLG_LATENCY_RANGE */
	double sum;    /* of the values, seconds */
	double min;    /* exact; valid when n > 0 */
	double max;

	/* a load run */
	uint64_t sent;	      /* requests counted (warm-up excluded) */
	uint64_t ok;	      /* with a status < 400 */
	uint64_t errors;      /* sent - ok */
	uint64_t status[600]; /* by final HTTP status; [0]: no answer
				 (transport failure, timeout, not sent) */
	double elapsed;	      /* seconds of the measured phase */
	char *message[MLG_LATENCY_MESSAGES]; /* the first error messages,
						new strings; NULL after */
};

/* Empty `h`. A zeroed struct is empty too. */
void mlg_latency_init(struct mlg_latency *h);
/* Free the messages; `h` is empty and usable again. */
void mlg_latency_release(struct mlg_latency *h);

/*
 * Record one latency of `seconds`. A negative value or NaN is recorded
 * as 0 (a clock cannot run backwards; NaN has no rank). O(1).
 */
void mlg_latency_record(struct mlg_latency *h, double seconds);

/*
 * The q-quantile (0 <= q <= 1) as defined above, in seconds; NaN when
 * nothing was recorded. q <= 0 gives the minimum, q >= 1 the maximum.
 * A rank that falls among the values above the range gives the maximum.
 * O(MLG_LATENCY_BUCKETS).
 */
double mlg_latency_quantile(const struct mlg_latency *h, double q);

/* The mean of the recorded values (exact), NaN when there are none. */
double mlg_latency_mean(const struct mlg_latency *h);

/* Completed requests (ok and errors) per second of `elapsed`; 0 when
 * elapsed is 0. */
double mlg_latency_throughput(const struct mlg_latency *h);

/* errors / sent, 0 when nothing was sent. */
double mlg_latency_error_rate(const struct mlg_latency *h);

/*
 * Add `b` into `a`: afterwards `a` is what recording both sets would have
 * given (histogram, counts, statuses; elapsed is the larger of the two,
 * as for runs side by side). Messages of `b` are copied while `a` has
 * room. O(MLG_LATENCY_BUCKETS).
 */
void mlg_latency_merge(struct mlg_latency *a, const struct mlg_latency *b);

/* Keep a copy of `msg` when fewer than MLG_LATENCY_MESSAGES are kept. */
void mlg_latency_add_message(struct mlg_latency *h, const char *msg);

/*
 * The values a threshold can name, in base units (threshold.h): p50,
 * p90, p95, p99, max_latency, mean_latency (seconds), throughput (per
 * second), error_rate (a fraction), requests and errors (counts). The
 * latency ones are undefined when no request succeeded.
 *
 * mlg_latency_value() sets `*out` and returns 0, returns 1 when `name`
 * is one of these but undefined, and -1 when it is not one of them.
 */
extern const char *const mlg_latency_names[];
int mlg_latency_value(double *out, const struct mlg_latency *h,
		      const char *name);

struct mlg_report;
struct mlg_threshold;

/*
 * Add to `r` the table "latency" (Latency: metric, value, unit): p50,
 * p90, p95, p99, max, mean in ms; throughput in req/s; error_rate;
 * requests; errors; then one row "status N" per final status seen
 * ("status 0" for no answer), and the kept error messages as rows
 * "error". Its `title` is NULL or a title to use instead of "Latency".
 */
void mlg_latency_report(struct mlg_report *r, const struct mlg_latency *h,
			const char *title);

/*
 * When rule `t` names one of mlg_latency_names (with no argument nor
 * selector), add its check to `r`: id the metric, value in base units
 * with the rule's unit, pass or fail by mlg_threshold_holds(), an error
 * when the value is undefined ("p99 is undefined: no request
 * succeeded"). Returns 1 when a check was added, 0 when `t` names
 * something else (the caller checks it elsewhere).
 */
int mlg_latency_check_rule(struct mlg_report *r, const struct mlg_latency *h,
			   const struct mlg_threshold *t);

#endif
