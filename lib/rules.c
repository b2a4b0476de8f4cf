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

static void rule_text(struct mlg_buf *b, const struct mlg_change_rule *c,
		      int pct)
{
	char v[32];

	mlg_buf_addf(b, "%s%s %s ", c->warn ? "warn " : "",
		     c->kind == MLG_CHANGE_RELATIVE ? "relative" : "absolute",
		     mlg_cmp_str(c->cmp));
	snprintf(v, sizeof(v), "%.15g", pct ? c->bound * 100 : c->bound);
	mlg_buf_addf(b, "%s%s", v, pct ? "%" : "");
}

int mlg_rules_add_spec(struct mlg_rules *r, const char *metric,
		       const char *spec)
{
	struct mlg_change_rule c = {0};
	struct mlg_buf text = MLG_BUF_INIT;
	const char *p = skip_blank(spec), *kw;
	size_t n;
	int pct, rc;

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
	if (is_word(p, n, "relative") || is_word(p, n, "rel"))
		c.kind = MLG_CHANGE_RELATIVE;
	else if (is_word(p, n, "absolute") || is_word(p, n, "abs"))
		c.kind = MLG_CHANGE_ABSOLUTE;
	else {
		char *w = mlg_strndup(p, n ? n : strcspn(p, " \t\r\n"));

		rc = bad("expected absolute, relative, direction or optional, "
			 "found '%s'",
			 w);
		free(w);
		return rc;
	}
	p = skip_blank(p + n);
	if (p[0] == '>' || p[0] == '<') {
		int eq = p[1] == '=';

		c.cmp = p[0] == '>' ? (eq ? MLG_CMP_GE : MLG_CMP_GT)
				    : (eq ? MLG_CMP_LE : MLG_CMP_LT);
		p = skip_blank(p + 1 + eq);
	} else {
		char *w = mlg_strndup(kw, n);

		rc = bad("expected <, <=, > or >= after '%s'", w);
		free(w);
		return rc;
	}
	if (!*p)
		return bad("expected a number after '%s'", mlg_cmp_str(c.cmp));
	if ((rc = parse_number(&c.bound, &pct, p, &p)))
		return rc;
	if (pct && c.kind != MLG_CHANGE_RELATIVE)
		return bad("'%%' applies to relative rules only");
	if (pct)
		c.bound /= 100;
	p = skip_blank(p);
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

int mlg_rules_load(struct mlg_rules *r, const char *path)
{
	static const char *const top[] = {"require_baseline", "rules",
					  "metrics", NULL};
	static const char *const per[] = {"direction", "optional", "rules",
					  NULL};
	struct mlg_json_doc doc;
	struct mlg_buf ptr = MLG_BUF_INIT;
	json_t *rules, *metrics, *m, *e;
	const char *key, *s;
	size_t i;
	int rc, flag;

	if ((rc = mlg_json_load(&doc, path, 0)))
		return rc;
	if ((rc = mlg_json_check_keys(&doc, doc.root, "", top)) ||
	    (rc = mlg_json_get_bool(&doc, doc.root, "", "require_baseline", 0,
				    &r->require_baseline)))
		goto done;
	if ((rules = json_object_get(doc.root, "rules"))) {
		if (!json_is_array(rules)) {
			rc = mlg_json_error(&doc, "/rules",
					    "expected an array, found %s",
					    mlg_json_type_name(rules));
			goto done;
		}
		json_array_foreach (rules, i, e) {
			mlg_buf_reset(&ptr);
			mlg_buf_addf(&ptr, "/rules/%zu", i);
			if (!json_is_string(e)) {
				rc = mlg_json_error(&doc, ptr.ptr,
						    "expected a string, "
						    "found %s",
						    mlg_json_type_name(e));
				goto done;
			}
			if ((rc = mlg_rules_add_line(r,
						     json_string_value(e)))) {
				rc = mlg_json_error(&doc, ptr.ptr, "%s",
						    mlg_error_message());
				goto done;
			}
		}
	}
	metrics = json_object_get(doc.root, "metrics");
	if (metrics && !json_is_object(metrics)) {
		rc = mlg_json_error(&doc, "/metrics",
				    "expected an object, found %s",
				    mlg_json_type_name(metrics));
		goto done;
	}
	json_object_foreach (metrics, key, m) {
		size_t plen;

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
		if (!(rules = json_object_get(m, "rules")))
			continue;
		mlg_buf_adds(&ptr, "/rules");
		if (!json_is_array(rules)) {
			rc = mlg_json_error(&doc, ptr.ptr,
					    "expected an array, found %s",
					    mlg_json_type_name(rules));
			goto done;
		}
		plen = ptr.len;
		json_array_foreach (rules, i, e) {
			mlg_buf_truncate(&ptr, plen);
			mlg_buf_addf(&ptr, "/%zu", i);
			if (!json_is_string(e)) {
				rc = mlg_json_error(&doc, ptr.ptr,
						    "expected a string, "
						    "found %s",
						    mlg_json_type_name(e));
				goto done;
			}
			if ((rc = mlg_rules_add_spec(r, key,
						     json_string_value(e)))) {
				rc = mlg_json_error(&doc, ptr.ptr, "%s",
						    mlg_error_message());
				goto done;
			}
		}
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

/* ---- the comparison ---- */

static const char *const cols[] = {"metric",  "baseline", "current", "delta",
				   "delta %", "rule",	  "verdict"};
enum { C_METRIC, C_BASE, C_CUR, C_DELTA, C_PCT, C_RULE, C_VERDICT };

static void row(struct mlg_table *t, const char *metric, const char *base,
		const char *cur, const char *delta, const char *pct,
		const char *rule, const char *verdict)
{
	const char *cells[7];

	cells[C_METRIC] = metric;
	cells[C_BASE] = base;
	cells[C_CUR] = cur;
	cells[C_DELTA] = delta;
	cells[C_PCT] = pct;
	cells[C_RULE] = rule;
	cells[C_VERDICT] = verdict;
	mlg_table_add_row(t, cells);
}

static void missing(struct mlg_report *rep, struct mlg_table *t,
		    const struct mlg_rules *r, const char *name,
		    const struct mlg_named_metric *b,
		    const struct mlg_named_metric *c)
{
	int opt = mlg_rules_optional(r, name);
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
	k = mlg_report_add_check(rep, name, st, "%s%s", why,
				 opt ? " (optional)" : "");
	if (c)
		mlg_check_set_value(k, c->value, c->unit);
	mlg_check_set_threshold(k, opt ? "optional" : "present");
	row(t, name, bv, cv, "-", "-", opt ? "optional" : "present",
	    mlg_status_name(st));
}

static void one(struct mlg_report *rep, struct mlg_table *t,
		const struct mlg_change_rule *rule, enum mlg_direction dir,
		const char *name, const struct mlg_named_metric *b,
		const struct mlg_named_metric *c)
{
	struct mlg_rule_result res;
	char bv[32], cv[32], dv[32], pv[40], ch[32];
	struct mlg_check *k;

	mlg_rule_eval(&res, rule, dir, b->value, c->value);
	mlg_format_value(bv, b->value);
	mlg_format_value(cv, c->value);
	mlg_format_value(dv, res.delta);
	if (res.delta > 0)
		memmove(dv + 1, dv, strlen(dv) + 1), dv[0] = '+';
	if (fabs(b->value) <= MLG_RULES_ZERO)
		snprintf(pv, sizeof(pv), "n/a");
	else {
		mlg_format_value(ch, res.delta / fabs(b->value) * 100);
		snprintf(pv, sizeof(pv), "%s%s%%", res.delta > 0 ? "+" : "",
			 ch);
	}
	k = mlg_report_add_check(rep, name, res.status, NULL);
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
	row(t, name, bv, cv, dv, pv, rule->text, mlg_status_name(res.status));
}

static void compare_one(struct mlg_report *rep, struct mlg_table *t,
			const struct mlg_rules *r, const char *name,
			const struct mlg_named_metric *b,
			const struct mlg_named_metric *c)
{
	enum mlg_direction dir = mlg_rules_direction(r, name);
	struct mlg_change_rule def = {0};
	size_t i, n = 0;
	const char *who = name;

	if (!b || !c) {
		missing(rep, t, r, name, b, c);
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
	for (i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i].metric, who))
			one(rep, t, &r->rules[i], dir, name, b, c);
	if (n)
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
	one(rep, t, &def, dir, name, b, c);
}

void mlg_rules_compare(struct mlg_report *report, const struct mlg_rules *r,
		       const struct mlg_metric_set *current,
		       const struct mlg_metric_set *baseline)
{
	struct mlg_table *t;
	size_t i;

	t = mlg_report_add_table(report, "diff", "metrics against the baseline",
				 MLG_ARRAY_SIZE(cols), cols);
	for (i = 0; i < current->n; i++) {
		const char *name = current->items[i].name;

		compare_one(report, t, r, name,
			    mlg_metrics_find(baseline, name),
			    &current->items[i]);
	}
	for (i = 0; i < baseline->n; i++) {
		const char *name = baseline->items[i].name;

		if (!mlg_metrics_find(current, name))
			compare_one(report, t, r, name, &baseline->items[i],
				    NULL);
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
		if (j == i)
			missing(report, t, r, name, NULL, NULL);
	}
}
