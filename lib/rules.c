/* rules.c - change rules between a baseline and a current run */
#include <ctype.h>
#include <float.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/rules.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

void mlg_rules_release(struct mlg_rules *r)
{
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].metric);
		free(r->rules[i].text);
	}
	for (i = 0; i < r->nmetrics; i++)
		free(r->metrics[i].metric);
	free(r->rules);
	free(r->metrics);
	memset(r, 0, sizeof(*r));
}

static struct mlg_rule_metric *opts_for(struct mlg_rules *r, const char *metric)
{
	struct mlg_rule_metric *o;
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].metric, metric))
			return &r->metrics[i];
	r->metrics = mlg_grow(r->metrics, sizeof(*r->metrics), r->nmetrics + 1,
			      &r->ametrics);
	o = &r->metrics[r->nmetrics++];
	memset(o, 0, sizeof(*o));
	o->metric = mlg_strdup(metric);
	return o;
}

static const struct mlg_rule_metric *find_opts(const struct mlg_rules *r,
					       const char *metric)
{
	size_t i;

	for (i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].metric, metric))
			return &r->metrics[i];
	return NULL;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* A word of letters; returns its length. */
static size_t word(const char *s)
{
	size_t n = 0;

	while (isalpha((unsigned char)s[n]))
		n++;
	return n;
}

static int is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncmp(s, w, n);
}

/* Spec errors are details; mlg_rules_add_line() puts the rule in front. */
__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mlg_error_vset(MLG_EINVALID, fmt, ap);
	va_end(ap);
	return rc;
}

static int parse_number(double *out, int *pct, const char *s, const char **end)
{
	const char *p = s;
	char *num;
	int rc;

	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if ((*p == 'e' || *p == 'E') && p > s) {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (isdigit((unsigned char)*q)) {
			p = q;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	num = mlg_strndup(s, (size_t)(p - s));
	rc = mlg_parse_double(out, num);
	if (rc || !isfinite(*out)) {
		/* name the whole token the user wrote */
		size_t n = strcspn(s, " \t\r\n%");

		free(num);
		num = mlg_strndup(s, n ? n : 1);
		rc = bad("'%s' is not a finite number", num);
		free(num);
		return rc;
	}
	free(num);
	p = skip_blank(p);
	*pct = *p == '%';
	if (*pct)
		p++;
	*end = p;
	return 0;
}

static const char *kind_name(enum mlg_change k)
{
	static const char *const names[] = {"absolute",	  "relative",
					    "percentage", "zscore",
					    "tinterval",  "iqr"};

	return names[k];
}

int mlg_rules_is_statistical(enum mlg_change kind)
{
	return kind >= MLG_CHANGE_PERCENTAGE;
}

static void rule_text(struct mlg_buf *b, const struct mlg_change_rule *c,
		      int pct)
{
	char v[32];

	mlg_buf_addf(b, "%s%s ", c->warn ? "warn " : "", kind_name(c->kind));
	if (c->kind != MLG_CHANGE_TINTERVAL && c->kind != MLG_CHANGE_IQR)
		mlg_buf_addf(b, "%s ", mlg_cmp_str(c->cmp));
	snprintf(v, sizeof(v), "%.15g", pct ? c->bound * 100 : c->bound);
	mlg_buf_addf(b, "%s%s%s", v, pct ? "%" : "",
		     c->two_sided ? " two-sided" : "");
}

static int parse_kind(enum mlg_change *out, const char *p, size_t n)
{
	static const struct {
		const char *word;
		enum mlg_change kind;
	} kinds[] = {
		{"relative", MLG_CHANGE_RELATIVE},
		{"rel", MLG_CHANGE_RELATIVE},
		{"absolute", MLG_CHANGE_ABSOLUTE},
		{"abs", MLG_CHANGE_ABSOLUTE},
		{"percentage", MLG_CHANGE_PERCENTAGE},
		{"pct", MLG_CHANGE_PERCENTAGE},
		{"zscore", MLG_CHANGE_ZSCORE},
		{"z", MLG_CHANGE_ZSCORE},
		{"tinterval", MLG_CHANGE_TINTERVAL},
		{"iqr", MLG_CHANGE_IQR},
	};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(kinds); i++)
		if (is_word(p, n, kinds[i].word)) {
			*out = kinds[i].kind;
			return 0;
		}
	return -1;
}

int mlg_rules_add_spec(struct mlg_rules *r, const char *metric,
		       const char *spec)
{
	struct mlg_change_rule c = {0};
	struct mlg_buf text = MLG_BUF_INIT;
	const char *p = skip_blank(spec), *kw;
	size_t n;
	int pct, rc, has_op;

	if (!*p)
		return mlg_error_set(MLG_EINVALID, "empty rule");
	n = word(p);
	if (is_word(p, n, "optional") || is_word(p, n, "direction")) {
		int dir = 0;

		kw = p;
		p = skip_blank(p + n);
		if (is_word(kw, n, "direction")) {
			size_t m = word(p);

			if (is_word(p, m, "higher"))
				dir = MLG_DIR_HIGHER;
			else if (is_word(p, m, "lower"))
				dir = MLG_DIR_LOWER;
			else
				return bad("expected higher or lower after "
					   "'direction'");
			p = skip_blank(p + m);
		}
		if (*p)
			return bad("unexpected '%s' at the end", p);
		if (dir)
			opts_for(r, metric)->direction = dir;
		else
			opts_for(r, metric)->optional = 1;
		return 0;
	}
	if (is_word(p, n, "warn") || is_word(p, n, "fail")) {
		c.warn = p[0] == 'w';
		p = skip_blank(p + n);
		n = word(p);
	}
	kw = p;
	if (parse_kind(&c.kind, p, n)) {
		char *w = mlg_strndup(p, n ? n : strcspn(p, " \t\r\n"));

		rc = bad("expected absolute, relative, percentage, zscore, "
			 "tinterval, iqr, direction or optional, found '%s'",
			 w);
		free(w);
		return rc;
	}
	p = skip_blank(p + n);
	/* tinterval and iqr take a parameter, not a bound */
	has_op = c.kind != MLG_CHANGE_TINTERVAL && c.kind != MLG_CHANGE_IQR;
	c.cmp = MLG_CMP_LE;
	if (has_op && (p[0] == '>' || p[0] == '<')) {
		int eq = p[1] == '=';

		c.cmp = p[0] == '>' ? (eq ? MLG_CMP_GE : MLG_CMP_GT)
				    : (eq ? MLG_CMP_LE : MLG_CMP_LT);
		p = skip_blank(p + 1 + eq);
	} else if (has_op) {
		char *w = mlg_strndup(kw, n);

		rc = bad("expected <, <=, > or >= after '%s'", w);
		free(w);
		return rc;
	}
	if (mlg_rules_is_statistical(c.kind) && has_op && c.cmp != MLG_CMP_LE &&
	    c.cmp != MLG_CMP_LT)
		return bad("'%s' rules bound with <= or <", kind_name(c.kind));
	if (!*p)
		return has_op ? bad("expected a number after '%s'",
				    mlg_cmp_str(c.cmp))
			      : bad("expected a number after '%s'",
				    kind_name(c.kind));
	if ((rc = parse_number(&c.bound, &pct, p, &p)))
		return rc;
	if (pct && c.kind != MLG_CHANGE_RELATIVE &&
	    c.kind != MLG_CHANGE_PERCENTAGE)
		return bad("'%%' applies to relative and percentage rules "
			   "only");
	if (pct)
		c.bound /= 100;
	if (mlg_rules_is_statistical(c.kind) && c.bound < 0)
		return bad("'%s' needs a bound of 0 or more",
			   kind_name(c.kind));
	if (c.kind == MLG_CHANGE_TINTERVAL && !(c.bound > 0 && c.bound < 1))
		return bad("'tinterval' needs a probability between 0 and 1");
	p = skip_blank(p);
	if (mlg_rules_is_statistical(c.kind) && !strncmp(p, "two-sided", 9) &&
	    !isalnum((unsigned char)p[9])) {
		c.two_sided = 1;
		p = skip_blank(p + 9);
	}
	if (*p)
		return bad("unexpected '%s' at the end", p);
	rule_text(&text, &c, pct);
	c.metric = mlg_strdup(metric);
	c.text = mlg_buf_detach(&text, NULL);
	r->rules = mlg_grow(r->rules, sizeof(*r->rules), r->nrules + 1,
			    &r->arules);
	r->rules[r->nrules++] = c;
	return 0;
}

int mlg_rules_add_line(struct mlg_rules *r, const char *line)
{
	const char *colon = strrchr(line, ':');
	char *metric, *m;
	size_t n;
	int rc;

	if (!colon)
		return mlg_error_set(MLG_EINVALID,
				     "invalid rule '%s': expected "
				     "'METRIC: SPEC'",
				     line);
	m = metric = mlg_strndup(line, (size_t)(colon - line));
	m = (char *)skip_blank(m);
	n = strlen(m);
	while (n && strchr(" \t\r\n", m[n - 1]))
		m[--n] = 0;
	if (!n)
		rc = mlg_error_set(MLG_EINVALID,
				   "invalid rule '%s': empty metric name",
				   line);
	else if ((rc = mlg_rules_add_spec(r, m, colon + 1)))
		mlg_error_prefix("invalid rule '%s'", line);
	free(metric);
	return rc;
}

/*
 * Add the rule lines of the array `arr` (NULL: none) at pointer `ptr`:
 * "METRIC: spec" lines, or specs of `metric` when it is not NULL.
 */
static int add_rules(struct mlg_rules *r, const struct mlg_json_doc *doc,
		     json_t *arr, struct mlg_buf *ptr, const char *metric)
{
	size_t plen = ptr->len, i;
	json_t *e;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return mlg_json_error(doc, ptr->ptr,
				      "expected an array, found %s",
				      mlg_json_type_name(arr));
	json_array_foreach (arr, i, e) {
		mlg_buf_truncate(ptr, plen);
		mlg_buf_addf(ptr, "/%zu", i);
		if (!json_is_string(e))
			return mlg_json_error(doc, ptr->ptr,
					      "expected a string, found %s",
					      mlg_json_type_name(e));
		rc = metric ? mlg_rules_add_spec(r, metric,
						 json_string_value(e))
			    : mlg_rules_add_line(r, json_string_value(e));
		if (rc)
			return mlg_json_error(doc, ptr->ptr, "%s",
					      mlg_error_message());
	}
	return 0;
}

int mlg_rules_load(struct mlg_rules *r, const char *path)
{
	static const char *const top[] = {"require_baseline", "rules",
					  "metrics", NULL};
	static const char *const per[] = {"direction", "optional", "rules",
					  NULL};
	struct mlg_json_doc doc;
	struct mlg_buf ptr = MLG_BUF_INIT;
	json_t *metrics, *m;
	const char *key, *s;
	int rc, flag;

	if ((rc = mlg_config_load(&doc, path, 0)))
		return rc;
	if ((rc = mlg_json_check_keys(&doc, doc.root, "", top)) ||
	    (rc = mlg_json_get_bool(&doc, doc.root, "", "require_baseline", 0,
				    &r->require_baseline)))
		goto done;
	mlg_buf_adds(&ptr, "/rules");
	if ((rc = add_rules(r, &doc, json_object_get(doc.root, "rules"), &ptr,
			    NULL)))
		goto done;
	metrics = json_object_get(doc.root, "metrics");
	if (metrics && !json_is_object(metrics)) {
		rc = mlg_json_error(&doc, "/metrics",
				    "expected an object, found %s",
				    mlg_json_type_name(metrics));
		goto done;
	}
	json_object_foreach (metrics, key, m) {
		mlg_buf_reset(&ptr);
		mlg_buf_adds(&ptr, "/metrics");
		mlg_json_pointer_append(&ptr, key);
		if ((rc = mlg_json_check_keys(&doc, m, ptr.ptr, per)))
			goto done;
		s = NULL;
		if ((rc = mlg_json_get_str(&doc, m, ptr.ptr, "direction", 0,
					   &s)))
			goto done;
		if (s && strcmp(s, "higher") && strcmp(s, "lower")) {
			mlg_buf_adds(&ptr, "/direction");
			rc = mlg_json_error(&doc, ptr.ptr,
					    "expected higher or lower, found "
					    "'%s'",
					    s);
			goto done;
		}
		if (s)
			opts_for(r, key)->direction =
				s[0] == 'h' ? MLG_DIR_HIGHER : MLG_DIR_LOWER;
		flag = 0;
		if ((rc = mlg_json_get_bool(&doc, m, ptr.ptr, "optional", 0,
					    &flag)))
			goto done;
		if (flag)
			opts_for(r, key)->optional = 1;
		mlg_buf_adds(&ptr, "/rules");
		if ((rc = add_rules(r, &doc, json_object_get(m, "rules"), &ptr,
				    key)))
			goto done;
	}
done:
	mlg_buf_release(&ptr);
	mlg_json_doc_release(&doc);
	return rc;
}

/* "p" and 2 or 3 digits as a whole component: p50, p95, p999. */
static int has_percentile(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		size_t d = 0;

		if (*p != 'p' || (p > s && isalnum((unsigned char)p[-1])))
			continue;
		while (isdigit((unsigned char)p[1 + d]))
			d++;
		if ((d == 2 || d == 3) && !isalnum((unsigned char)p[1 + d]))
			return 1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

enum mlg_direction mlg_rules_default_direction(const char *metric)
{
	static const char *const lower[] = {
		"loss", "error", "latency", "time", "duration", "rmse",
		"mse",	"mae",	 "mape",    "size", "memory",	"brier",
	};
	enum mlg_direction d = MLG_DIR_HIGHER;
	char *s = mlg_strdup(metric), *p;
	size_t i;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (i = 0; i < MLG_ARRAY_SIZE(lower); i++)
		if (strstr(s, lower[i]))
			d = MLG_DIR_LOWER;
	/* ece (expected calibration error) is a word, not a substring. */
	if (ends_with(s, "_ms") || ends_with(s, "_s") || has_percentile(s) ||
	    !strcmp(s, "ece") || ends_with(s, "/ece") || ends_with(s, ".ece"))
		d = MLG_DIR_LOWER;
	free(s);
	return d;
}

enum mlg_direction mlg_rules_direction(const struct mlg_rules *r,
				       const char *metric)
{
	const struct mlg_rule_metric *o = find_opts(r, metric);

	return o && o->direction ? o->direction
				 : mlg_rules_default_direction(metric);
}

int mlg_rules_optional(const struct mlg_rules *r, const char *metric)
{
	const struct mlg_rule_metric *o = find_opts(r, metric);

	return o && o->optional;
}

/* `tol` absorbs the rounding of current - baseline, so that a change of
 * exactly the bound (0.5 -> 0.505 against "relative >= -1%") holds. */
static int holds(enum mlg_cmp c, double v, double bound, double tol)
{
	switch (c) {
	case MLG_CMP_LT:
		return v < bound - tol;
	case MLG_CMP_LE:
		return v <= bound + tol;
	case MLG_CMP_GT:
		return v > bound + tol;
	case MLG_CMP_GE:
		return v >= bound - tol;
	default:
		MLG_BUG("change rules compare with <, <=, > or >=");
	}
}

void mlg_rule_eval(struct mlg_rule_result *out,
		   const struct mlg_change_rule *rule, enum mlg_direction dir,
		   double baseline, double current)
{
	double sign = dir == MLG_DIR_LOWER ? -1 : 1;
	double tol = 4 * DBL_EPSILON * fabs(baseline) +
		     4 * DBL_EPSILON * fabs(current);

	memset(out, 0, sizeof(*out));
	out->delta = current - baseline;
	if (rule->kind == MLG_CHANGE_RELATIVE) {
		if (fabs(baseline) <= MLG_RULES_ZERO) {
			out->status = MLG_STATUS_SKIP;
			return;
		}
		out->change = out->delta * sign / fabs(baseline);
		tol /= fabs(baseline);
	} else {
		out->change = out->delta * sign;
	}
	out->has_change = 1;
	if (holds(rule->cmp, out->change, rule->bound, tol))
		out->status = MLG_STATUS_PASS;
	else
		out->status = rule->warn ? MLG_STATUS_WARN : MLG_STATUS_FAIL;
}

/* ---- statistics over a window ---- */

/* The continued fraction of I_x(a, b), modified Lentz; converges fast
 * for x < (a + 1) / (a + b + 2), which the caller ensures. */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, aa, del;
	int m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++) {
		double m2 = 2.0 * m;

		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

double mlg_rules_betainc(double a, double b, double x)
{
	double lbt;

	if (!(a > 0 && b > 0 && x >= 0 && x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	      b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0: the upper tail, computed directly so that small
 * tails keep their relative precision. */
static double t_tail(double t, double df)
{
	return 0.5 * mlg_rules_betainc(df / 2, 0.5, df / (df + t * t));
}

double mlg_rules_t_quantile(double p, double df)
{
	double q, lo = 0, hi = 1, mid;
	int i;

	if (!(p > 0 && p < 1 && df > 0))
		return NAN;
	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -mlg_rules_t_quantile(1 - p, df);
	q = 1 - p;
	while (t_tail(hi, df) > q && hi < 1e300)
		hi *= 2;
	/* bisection: the tail is monotonic, and 200 halvings reach the
	 * resolution of a double from any starting bracket */
	for (i = 0; i < 200; i++) {
		mid = lo + (hi - lo) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (t_tail(mid, df) > q)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quantile of sorted `v` by linear interpolation (type 7). */
static double quantile(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t i = (size_t)floor(h);

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

void mlg_rule_eval_window(struct mlg_rule_result *out,
			  const struct mlg_change_rule *rule,
			  enum mlg_direction dir, const double *values,
			  size_t n, double current)
{
	double m = 0, ss = 0, k = rule->bound, tol;
	int low, high, strict = rule->cmp == MLG_CMP_LT;
	size_t i;

	if (!mlg_rules_is_statistical(rule->kind) || !n)
		MLG_BUG("mlg_rule_eval_window() needs a statistical rule and "
			"values");
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		m += values[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		ss += (values[i] - m) * (values[i] - m);
	out->n = n;
	out->mean = m;
	out->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->delta = current - m;
	switch (rule->kind) {
	case MLG_CHANGE_PERCENTAGE:
		out->lo = m - k * fabs(m);
		out->hi = m + k * fabs(m);
		out->change = fabs(m) > 0 ? (current - m) / fabs(m) : 0;
		break;
	case MLG_CHANGE_ZSCORE:
		out->lo = m - k * out->sd;
		out->hi = m + k * out->sd;
		out->change = out->sd > 0 ? (current - m) / out->sd : 0;
		break;
	case MLG_CHANGE_TINTERVAL: {
		double t;

		if (n < 2) {
			/* no degrees of freedom: no interval */
			out->status = MLG_STATUS_SKIP;
			return;
		}
		t = mlg_rules_t_quantile((1 + k) / 2, (double)(n - 1));
		out->lo = m - t * out->sd * sqrt(1 + 1.0 / (double)n);
		out->hi = m + t * out->sd * sqrt(1 + 1.0 / (double)n);
		out->change = out->delta;
		break;
	}
	case MLG_CHANGE_IQR: {
		double *v = mlg_malloc(n * sizeof(*v)), q1, q3;

		memcpy(v, values, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_double);
		q1 = quantile(v, n, 0.25);
		q3 = quantile(v, n, 0.75);
		free(v);
		out->lo = q1 - k * (q3 - q1);
		out->hi = q3 + k * (q3 - q1);
		out->change = out->delta;
		break;
	}
	default:
		MLG_BUG("not a statistical rule");
	}
	out->has_change = 1;
	low = dir != MLG_DIR_LOWER || rule->two_sided;
	high = dir == MLG_DIR_LOWER || rule->two_sided;
	out->status = MLG_STATUS_PASS;
	tol = 4 * DBL_EPSILON * (fabs(current) + fabs(out->lo));
	if (low &&
	    (strict ? current <= out->lo + tol : current < out->lo - tol))
		out->status = rule->warn ? MLG_STATUS_WARN : MLG_STATUS_FAIL;
	tol = 4 * DBL_EPSILON * (fabs(current) + fabs(out->hi));
	if (high &&
	    (strict ? current >= out->hi - tol : current > out->hi + tol))
		out->status = rule->warn ? MLG_STATUS_WARN : MLG_STATUS_FAIL;
}

/* ---- the comparison ---- */

static const char *const cols[] = {"metric",  "baseline", "current", "delta",
				   "delta %", "mean",	  "sd",	     "n",
				   "rule",    "verdict"};
static const char *const cols7[] = {"metric",  "baseline", "current", "delta",
				    "delta %", "rule",	   "verdict"};
enum {
	C_METRIC,
	C_BASE,
	C_CUR,
	C_DELTA,
	C_PCT,
	C_MEAN,
	C_SD,
	C_N,
	C_RULE,
	C_VERDICT
};

/* One comparison: the report, its table and, for a history window, the
 * window (nwin 0 for a single baseline). */
struct cmp {
	struct mlg_report *rep;
	struct mlg_table *t;
	const struct mlg_rules *r;
	const struct mlg_metric_set *const *win;
	size_t nwin;
	size_t *at; /* nwin lookup positions (metrics.h) */
	int stats;  /* the table has mean, sd and n */
	/* the window values of the metric being compared */
	double *vals;
	size_t nvals, avals;
};

static void row(struct cmp *x, const char *metric, const char *base,
		const char *cur, const char *delta, const char *pct,
		const char *rule, const char *verdict)
{
	const char *cells[MLG_ARRAY_SIZE(cols)], **p = cells;
	char mean[32] = "-", sd[32] = "-", n[32] = "-";

	if (x->stats && x->nvals) {
		double m = 0, ss = 0;
		size_t i;

		for (i = 0; i < x->nvals; i++)
			m += x->vals[i];
		m /= (double)x->nvals;
		for (i = 0; i < x->nvals; i++)
			ss += (x->vals[i] - m) * (x->vals[i] - m);
		mlg_format_value(mean, m);
		mlg_format_value(sd, x->nvals > 1
					     ? sqrt(ss / (double)(x->nvals - 1))
					     : 0);
		snprintf(n, sizeof(n), "%zu", x->nvals);
	}
	*p++ = metric;
	*p++ = base;
	*p++ = cur;
	*p++ = delta;
	*p++ = pct;
	if (x->stats) {
		*p++ = mean;
		*p++ = sd;
		*p++ = n;
	}
	*p++ = rule;
	*p++ = verdict;
	mlg_table_add_row(x->t, cells);
}

static void missing(struct cmp *x, const char *name,
		    const struct mlg_named_metric *b,
		    const struct mlg_named_metric *c)
{
	int opt = mlg_rules_optional(x->r, name);
	enum mlg_status st = opt ? MLG_STATUS_SKIP : MLG_STATUS_FAIL;
	const char *why = !c && !b ? "missing in the current run and the "
				     "baseline"
			  : !c	   ? "missing in the current run"
				   : "missing in the baseline";
	char bv[32] = "-", cv[32] = "-";
	struct mlg_check *k;

	if (b)
		mlg_format_value(bv, b->value);
	if (c)
		mlg_format_value(cv, c->value);
	k = mlg_report_add_check(x->rep, name, st, "%s%s", why,
				 opt ? " (optional)" : "");
	if (c)
		mlg_check_set_value(k, c->value, c->unit);
	mlg_check_set_threshold(k, opt ? "optional" : "present");
	row(x, name, bv, cv, "-", "-", opt ? "optional" : "present",
	    mlg_status_name(st));
}

static void deltas(char dv[32], char pv[40], double base, double cur)
{
	char ch[32];
	double delta = cur - base;

	mlg_format_value(dv, delta);
	if (delta > 0)
		memmove(dv + 1, dv, strlen(dv) + 1), dv[0] = '+';
	if (fabs(base) <= MLG_RULES_ZERO)
		snprintf(pv, 40, "n/a");
	else {
		mlg_format_value(ch, delta / fabs(base) * 100);
		snprintf(pv, 40, "%s%s%%", delta > 0 ? "+" : "", ch);
	}
}

static void one(struct cmp *x, const struct mlg_change_rule *rule,
		enum mlg_direction dir, const char *name,
		const struct mlg_named_metric *b,
		const struct mlg_named_metric *c)
{
	struct mlg_rule_result res;
	char bv[32], cv[32], dv[32], pv[40], ch[32];
	struct mlg_check *k;

	mlg_rule_eval(&res, rule, dir, b->value, c->value);
	mlg_format_value(bv, b->value);
	mlg_format_value(cv, c->value);
	deltas(dv, pv, b->value, c->value);
	k = mlg_report_add_check(x->rep, name, res.status, NULL);
	mlg_check_set_value(k, c->value, c->unit);
	mlg_check_set_threshold(k, rule->text);
	if (res.status == MLG_STATUS_SKIP) {
		mlg_check_set_message(k,
				      "%s -> %s: relative rule skipped, the "
				      "baseline is at or near zero",
				      bv, cv);
	} else {
		if (rule->kind == MLG_CHANGE_RELATIVE) {
			mlg_format_value(ch, res.change * 100);
			strcat(ch, "%");
		} else {
			mlg_format_value(ch, res.change);
		}
		mlg_check_set_message(k, "%s -> %s: %s change %s", bv, cv,
				      rule->kind == MLG_CHANGE_RELATIVE
					      ? "relative"
					      : "absolute",
				      ch);
	}
	row(x, name, bv, cv, dv, pv, rule->text, mlg_status_name(res.status));
}

static void stat_one(struct cmp *x, const struct mlg_change_rule *rule,
		     enum mlg_direction dir, const char *name,
		     const struct mlg_named_metric *b,
		     const struct mlg_named_metric *c)
{
	size_t min =
		x->r->min_samples ? x->r->min_samples : MLG_RULES_MIN_SAMPLES;
	struct mlg_rule_result res;
	char bv[32], cv[32], dv[32], pv[40], lo[32], hi[32], m[32], sd[32];
	struct mlg_check *k;

	mlg_format_value(bv, b->value);
	mlg_format_value(cv, c->value);
	deltas(dv, pv, b->value, c->value);
	k = mlg_report_add_check(x->rep, name, MLG_STATUS_SKIP, NULL);
	mlg_check_set_value(k, c->value, c->unit);
	mlg_check_set_threshold(k, rule->text);
	if (x->nvals < min) {
		mlg_check_set_message(k,
				      "%zu values in the history window, "
				      "fewer than the %zu needed: skipped",
				      x->nvals, min);
		row(x, name, bv, cv, dv, pv, rule->text, "skip");
		return;
	}
	mlg_rule_eval_window(&res, rule, dir, x->vals, x->nvals, c->value);
	k->status = res.status;
	mlg_format_value(m, res.mean);
	mlg_format_value(sd, res.sd);
	if (res.status == MLG_STATUS_SKIP) {
		mlg_check_set_message(k, "no interval from %zu value", res.n);
	} else {
		mlg_format_value(lo, res.lo);
		mlg_format_value(hi, res.hi);
		if (res.status != MLG_STATUS_PASS)
			mlg_check_set_message(
				k, "%s %s %s (mean %s, sd %s, n %zu)", cv,
				c->value < res.lo ? "below" : "above",
				c->value < res.lo ? lo : hi, m, sd, res.n);
		else
			mlg_check_set_message(k,
					      "%s within [%s, %s] (mean %s, "
					      "sd %s, n %zu)",
					      cv, lo, hi, m, sd, res.n);
	}
	row(x, name, bv, cv, dv, pv, rule->text, mlg_status_name(res.status));
}

/* The window values of `name`, oldest first, into x->vals. */
static void collect(struct cmp *x, const char *name)
{
	size_t i;

	x->nvals = 0;
	for (i = 0; i < x->nwin; i++) {
		const struct mlg_named_metric *m =
			mlg_metrics_find_next(x->win[i], name, &x->at[i]);

		if (!m)
			continue;
		x->vals = mlg_grow(x->vals, sizeof(*x->vals), x->nvals + 1,
				   &x->avals);
		x->vals[x->nvals++] = m->value;
	}
}

static void compare_one(struct cmp *x, const char *name,
			const struct mlg_named_metric *b,
			const struct mlg_named_metric *c)
{
	const struct mlg_rules *r = x->r;
	enum mlg_direction dir = mlg_rules_direction(r, name);
	size_t min = r->min_samples ? r->min_samples : MLG_RULES_MIN_SAMPLES;
	struct mlg_change_rule def = {0};
	size_t i, n = 0, nchange = 0;
	const char *who = name;

	collect(x, name);
	if (!b || !c) {
		missing(x, name, b, c);
		return;
	}
	for (i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i].metric, name))
			n++;
	if (!n) {
		who = "*";
		for (i = 0; i < r->nrules; i++)
			if (!strcmp(r->rules[i].metric, who))
				n++;
	}
	for (i = 0; i < r->nrules; i++) {
		const struct mlg_change_rule *rule = &r->rules[i];

		if (strcmp(rule->metric, who))
			continue;
		if (!mlg_rules_is_statistical(rule->kind)) {
			one(x, rule, dir, name, b, c);
			nchange++;
		} else if (x->nwin) {
			stat_one(x, rule, dir, name, b, c);
		} else {
			struct mlg_check *k = mlg_report_add_check(
				x->rep, name, MLG_STATUS_SKIP,
				"statistical rule skipped: no history "
				"(give --history)");

			mlg_check_set_threshold(k, rule->text);
			row(x, name, "-", "-", "-", "-", rule->text, "skip");
		}
	}
	/* the fallback of statistical rules without enough history: the
	 * default change rule against the latest record */
	if (n && (nchange || (x->nwin && x->nvals >= min)))
		return;
	def.cmp = MLG_CMP_GE;
	if (fabs(b->value) <= MLG_RULES_ZERO) {
		def.kind = MLG_CHANGE_ABSOLUTE;
		def.bound = MLG_RULES_DEFAULT_ABS;
		def.text = "default: absolute >= -1e-09";
	} else {
		def.kind = MLG_CHANGE_RELATIVE;
		def.bound = MLG_RULES_DEFAULT_REL;
		def.text = "default: relative >= -1%";
	}
	one(x, &def, dir, name, b, c);
}

static void compare(struct cmp *x, const struct mlg_metric_set *current,
		    const struct mlg_metric_set *baseline)
{
	const struct mlg_rules *r = x->r;
	size_t i;

	for (i = 0; i < r->nrules && !x->stats && x->nwin; i++)
		x->stats = mlg_rules_is_statistical(r->rules[i].kind);
	x->t = mlg_report_add_table(x->rep, "diff",
				    x->nwin ? "metrics against the history"
					    : "metrics against the baseline",
				    x->stats ? MLG_ARRAY_SIZE(cols)
					     : MLG_ARRAY_SIZE(cols) - 3,
				    x->stats ? cols : cols7);
	for (i = 0; i < current->n; i++) {
		const char *name = current->items[i].name;

		compare_one(x, name, mlg_metrics_find(baseline, name),
			    &current->items[i]);
	}
	for (i = 0; i < baseline->n; i++) {
		const char *name = baseline->items[i].name;

		if (!mlg_metrics_find(current, name))
			compare_one(x, name, &baseline->items[i], NULL);
	}
	for (i = 0; i < r->nrules; i++) {
		const char *name = r->rules[i].metric;
		size_t j;

		if (!strcmp(name, "*") || mlg_metrics_find(current, name) ||
		    mlg_metrics_find(baseline, name))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(r->rules[j].metric, name))
				break;
		if (j == i) {
			x->nvals = 0;
			missing(x, name, NULL, NULL);
		}
	}
	free(x->vals);
}

void mlg_rules_compare(struct mlg_report *report, const struct mlg_rules *r,
		       const struct mlg_metric_set *current,
		       const struct mlg_metric_set *baseline)
{
	struct cmp x = {0};

	x.rep = report;
	x.r = r;
	compare(&x, current, baseline);
}

void mlg_rules_compare_window(struct mlg_report *report,
			      const struct mlg_rules *r,
			      const struct mlg_metric_set *current,
			      const struct mlg_metric_set *const *window,
			      size_t n)
{
	struct mlg_metric_set latest = {0};
	struct cmp x = {0};
	size_t i, j, at;

	if (!n)
		MLG_BUG("mlg_rules_compare_window() needs a window");
	/* the baseline of change rules: each metric's latest value */
	for (i = n; i-- > 0;)
		for (j = 0, at = 0; j < window[i]->n; j++) {
			const struct mlg_named_metric *m = &window[i]->items[j];

			if (mlg_metrics_find_next(&latest, m->name, &at))
				continue;
			latest.items =
				mlg_grow(latest.items, sizeof(*latest.items),
					 latest.n + 1, &latest.alloc);
			latest.items[latest.n++] = *m;
		}
	x.rep = report;
	x.r = r;
	x.win = window;
	x.nwin = n;
	x.at = mlg_calloc(n, sizeof(*x.at));
	compare(&x, current, &latest);
	free(x.at);
	/* the items were borrowed */
	free(latest.items);
}
