/* latency.c - a log-linear latency histogram and its report */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/latency.h"
#include "mlgate/report.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"

#define TOP ((uint64_t)1 << MLG_LATENCY_TOP_LOG)

void mlg_latency_init(struct mlg_latency *h)
{
	memset(h, 0, sizeof(*h));
}

void mlg_latency_release(struct mlg_latency *h)
{
	size_t i;

	for (i = 0; i < MLG_LATENCY_MESSAGES; i++)
		free(h->message[i]);
	mlg_latency_init(h);
}

/* The bucket of `ns` (< TOP): exact below 256, then the top 8 bits. */
static size_t bucket_of(uint64_t ns)
{
	int k;

	if (ns < MLG_LATENCY_EXACT)
		return (size_t)ns;
	k = 63 - __builtin_clzll(ns);
	return MLG_LATENCY_EXACT + (size_t)(k - 8) * MLG_LATENCY_SUB +
	       (size_t)((ns >> (k - 7)) - MLG_LATENCY_SUB);
}

/* The largest nanosecond value of bucket `i`. */
static uint64_t upper_of(size_t i)
{
	size_t j;
	int shift;

	if (i < MLG_LATENCY_EXACT)
		return i;
	j = i - MLG_LATENCY_EXACT;
	shift = (int)(j / MLG_LATENCY_SUB) + 1;
	return ((uint64_t)(MLG_LATENCY_SUB + j % MLG_LATENCY_SUB + 1)
		<< shift) -
	       1;
}

void mlg_latency_record(struct mlg_latency *h, double seconds)
{
	double ns;

	if (!(seconds > 0))
		seconds = 0;
	ns = nearbyint(seconds * 1e9);
	if (!h->n || seconds < h->min)
		h->min = seconds;
	if (!h->n || seconds > h->max)
		h->max = seconds;
	h->n++;
	h->sum += seconds;
	if (ns >= (double)TOP)
		h->over++;
	else
		h->bucket[bucket_of((uint64_t)ns)]++;
}

double mlg_latency_quantile(const struct mlg_latency *h, double q)
{
	uint64_t rank, cum = 0;
	double r, v;
	size_t i;

	if (!h->n || isnan(q))
		return NAN;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* q * n is often an integer in disguise (0.99 * 100) */
	r = q * (double)h->n;
	r = ceil(r - 1e-9 * r);
	rank = r < 1 ? 1 : (uint64_t)r;
	for (i = 0; i < MLG_LATENCY_BUCKETS; i++) {
		cum += h->bucket[i];
		if (cum < rank)
			continue;
		v = (double)upper_of(i) / 1e9;
		return v < h->min ? h->min : v > h->max ? h->max : v;
	}
	return h->max;
}

double mlg_latency_mean(const struct mlg_latency *h)
{
	return h->n ? h->sum / (double)h->n : NAN;
}

double mlg_latency_throughput(const struct mlg_latency *h)
{
	return h->elapsed > 0 ? (double)(h->ok + h->errors) / h->elapsed : 0;
}

double mlg_latency_error_rate(const struct mlg_latency *h)
{
	return h->sent ? (double)h->errors / (double)h->sent : 0;
}

void mlg_latency_add_message(struct mlg_latency *h, const char *msg)
{
	size_t i;

	for (i = 0; i < MLG_LATENCY_MESSAGES; i++) {
		if (!h->message[i]) {
			h->message[i] = mlg_strdup(msg);
			return;
		}
	}
}

void mlg_latency_merge(struct mlg_latency *a, const struct mlg_latency *b)
{
	size_t i;

	if (b->n) {
		if (!a->n || b->min < a->min)
			a->min = b->min;
		if (!a->n || b->max > a->max)
			a->max = b->max;
	}
	for (i = 0; i < MLG_LATENCY_BUCKETS; i++)
		a->bucket[i] += b->bucket[i];
	for (i = 0; i < MLG_ARRAY_SIZE(a->status); i++)
		a->status[i] += b->status[i];
	a->n += b->n;
	a->over += b->over;
	a->sum += b->sum;
	a->sent += b->sent;
	a->ok += b->ok;
	a->errors += b->errors;
	if (b->elapsed > a->elapsed)
		a->elapsed = b->elapsed;
	for (i = 0; i < MLG_LATENCY_MESSAGES && b->message[i]; i++)
		mlg_latency_add_message(a, b->message[i]);
}

const char *const mlg_latency_names[] = {
	"p50",	       "p90",	       "p95",	     "p99",
	"max_latency", "mean_latency", "throughput", "error_rate",
	"requests",    "errors",       NULL,
};

/* The quantiles of the first names, and of the report's first rows. */
static const double quant[] = {0.5, 0.9, 0.95, 0.99, 1};

/* The index of `name` in mlg_latency_names, or -1. */
static int name_index(const char *name)
{
	int i;

	for (i = 0; mlg_latency_names[i]; i++)
		if (!strcmp(name, mlg_latency_names[i]))
			return i;
	return -1;
}

int mlg_latency_value(double *out, const struct mlg_latency *h,
		      const char *name)
{
	int i = name_index(name);

	if (i < 0)
		return -1;
	if (i <= 5 && !h->n)
		return 1;
	*out = i < 5	? mlg_latency_quantile(h, quant[i])
	       : i == 5 ? mlg_latency_mean(h)
	       : i == 6 ? mlg_latency_throughput(h)
	       : i == 7 ? mlg_latency_error_rate(h)
	       : i == 8 ? (double)h->sent
			: (double)h->errors;
	return 0;
}

static void row(struct mlg_table *t, const char *name, double v,
		const char *unit)
{
	char s[32];
	const char *cells[3] = {name, s, unit};

	mlg_format_value(s, v);
	mlg_table_add_row(t, cells);
}

void mlg_latency_report(struct mlg_report *r, const struct mlg_latency *h,
			const char *title)
{
	static const char *const cols[] = {"metric", "value", "unit"};
	static const char *const lat[] = {"p50", "p90", "p95", "p99", "max"};
	struct mlg_table *t = mlg_report_add_table(
		r, "latency", title ? title : "Latency", 3, cols);
	char name[32];
	size_t i;

	for (i = 0; i < 5; i++)
		row(t, lat[i], mlg_latency_quantile(h, quant[i]) * 1000, "ms");
	row(t, "mean", mlg_latency_mean(h) * 1000, "ms");
	row(t, "throughput", mlg_latency_throughput(h), "req/s");
	row(t, "error_rate", mlg_latency_error_rate(h), NULL);
	row(t, "requests", (double)h->sent, NULL);
	row(t, "errors", (double)h->errors, NULL);
	for (i = 0; i < MLG_ARRAY_SIZE(h->status); i++) {
		if (!h->status[i])
			continue;
		snprintf(name, sizeof(name), "status %zu", i);
		row(t, name, (double)h->status[i], NULL);
	}
	for (i = 0; i < MLG_LATENCY_MESSAGES && h->message[i]; i++) {
		const char *cells[3] = {"error", h->message[i], NULL};

		mlg_table_add_row(t, cells);
	}
}

int mlg_latency_check_rule(struct mlg_report *r, const struct mlg_latency *h,
			   const struct mlg_threshold *t)
{
	static const char *const units[] = {"s", "s",  "s",  "s",  "s",
					    "s", "/s", NULL, NULL, NULL};
	struct mlg_check *c;
	double v = 0;
	int rc, i;

	if (t->arg || t->selector)
		return 0;
	rc = mlg_latency_value(&v, h, t->metric);
	if (rc < 0)
		return 0;
	i = name_index(t->metric);
	c = mlg_report_add_check(r, t->metric, MLG_STATUS_ERROR, NULL);
	mlg_check_set_threshold(c, t->text);
	if (rc) {
		mlg_check_set_message(
			c, "%s is undefined: no request succeeded", t->metric);
		return 1;
	}
	mlg_check_set_value(c, v, units[i]);
	c->status =
		mlg_threshold_holds(t, v) ? MLG_STATUS_PASS : MLG_STATUS_FAIL;
	return 1;
}
