/* threshold.c - parse, evaluate and format threshold rules */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/threshold.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

/*
 * base = x * mul / div. One of mul and div is always 1, so the result is
 * a single correctly rounded operation: 1/100 is the double 0.01, where
 * 1 * 0.01 would be only as good as the constant.
 */
struct unit_def {
	const char *text;
	enum mlg_unit kind;
	double mul;
	double div;
};

static const struct unit_def units[] = {
	{"ns", MLG_UNIT_TIME, 1, 1e9},
	{"us", MLG_UNIT_TIME, 1, 1e6},
	{"\xc2\xb5s", MLG_UNIT_TIME, 1, 1e6}, /* MICRO SIGN */
	{"\xce\xbcs", MLG_UNIT_TIME, 1, 1e6}, /* GREEK SMALL LETTER MU */
	{"ms", MLG_UNIT_TIME, 1, 1e3},
	{"s", MLG_UNIT_TIME, 1, 1},
	{"m", MLG_UNIT_TIME, 60, 1},
	{"h", MLG_UNIT_TIME, 3600, 1},
	{"B", MLG_UNIT_BYTES, 1, 1},
	{"KB", MLG_UNIT_BYTES, 1e3, 1},
	{"MB", MLG_UNIT_BYTES, 1e6, 1},
	{"GB", MLG_UNIT_BYTES, 1e9, 1},
	{"TB", MLG_UNIT_BYTES, 1e12, 1},
	{"KiB", MLG_UNIT_BYTES, 1024.0, 1},
	{"MiB", MLG_UNIT_BYTES, 1024.0 * 1024, 1},
	{"GiB", MLG_UNIT_BYTES, 1024.0 * 1024 * 1024, 1},
	{"TiB", MLG_UNIT_BYTES, 1024.0 * 1024 * 1024 * 1024, 1},
	{"/s", MLG_UNIT_RATE, 1, 1},
	{"%", MLG_UNIT_PERCENT, 1, 100},
};

/* for printf formats, hence "%%" */
#define UNIT_LIST                                                              \
	"ns, us, ms, s, m, h, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, /s, %%"

/* Tokens longer than this are cut in messages: a 10 kB name would
 * otherwise fill the whole message and hide what was expected. */
#define TOKEN_SHOW 32

struct parser {
	const char *text; /* the whole input: columns count from here */
	const char *p;
};

/* A number as written, with its unit. */
struct num {
	const char *start, *end;
	double value; /* in base units */
	enum mlg_unit kind;
	const char *unit; /* NULL when none */
	size_t unit_len;
};

/* ASCII only: <ctype.h> depends on the locale and on signed chars. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_name_start(char c)
{
	return is_alpha(c) || c == '_';
}

static int is_name(char c)
{
	return is_name_start(c) || is_digit(c) || c == '.' || c == ':' ||
	       c == '/' || c == '-';
}

static int is_op(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

/* Bytes of a unit: letters, "/", "%" and non-ASCII (for µ). */
static int is_unit(char c)
{
	return is_alpha(c) || c == '/' || c == '%' || (unsigned char)c >= 0x80;
}

/* Bytes that make up one word-like token in a message. */
static int is_word(char c)
{
	return is_name(c) || c == '+' || c == '%' || (unsigned char)c >= 0x80;
}

static size_t span(const char *s, int (*in)(char))
{
	const char *q = s;

	while (*q && in(*q))
		q++;
	return (size_t)(q - s);
}

/* The token at `s` as a message shows it: 0 at the end. */
static size_t toklen(const char *s)
{
	if (!*s)
		return 0;
	if (is_op(*s))
		return span(s, is_op);
	if (is_word(*s))
		return span(s, is_word);
	return 1;
}

/* Quote a token for a message, which must stay one printable line. */
static void quote(char *out, size_t size, const char *s, size_t len)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_addch(&b, '\'');
	mlg_utf8_show(&b, s, len, TOKEN_SHOW);
	mlg_buf_addch(&b, '\'');
	snprintf(out, size, "%s", b.ptr);
	mlg_buf_release(&b);
}

/* Large enough for a quoted token: TOKEN_SHOW bytes as \xNN, "...". */
#define QUOTED_SIZE (TOKEN_SHOW * 4 + 8)

__attribute__((format(printf, 4, 5))) static int
bad(const struct parser *ps, const char *at, size_t len, const char *fmt, ...)
{
	char expected[512], found[QUOTED_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expected, sizeof(expected), fmt, ap);
	va_end(ap);
	if (!*at) {
		strcpy(found, "end of rule");
	} else {
		if (!len)
			len = toklen(at);
		quote(found, sizeof(found), at, len);
	}
	return mlg_error_set(MLG_EINVALID, "column %zu: %s, found %s",
			     (size_t)(at - ps->text) + 1, expected, found);
}

static void skip(struct parser *ps)
{
	while (is_space(*ps->p))
		ps->p++;
}

/* 1 when the letters at `s` are exactly the keyword `kw`. */
static int keyword(const char *s, const char *kw)
{
	size_t n = strlen(kw);

	return span(s, is_alpha) == n && !memcmp(s, kw, n);
}

static const struct unit_def *find_unit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(units); i++)
		if (strlen(units[i].text) == len &&
		    !memcmp(units[i].text, s, len))
			return &units[i];
	return NULL;
}

static const char *kind_desc(enum mlg_unit k)
{
	switch (k) {
	case MLG_UNIT_NONE:
		return "a number without a unit";
	case MLG_UNIT_TIME:
		return "a time";
	case MLG_UNIT_BYTES:
		return "a size in bytes";
	case MLG_UNIT_RATE:
		return "a rate";
	case MLG_UNIT_PERCENT:
		return "a percentage";
	}
	return "a number";
}

/*
 * Read a number and its unit. `next` names what may follow, for the
 * message about an unknown unit; `kw` is a word that may follow and must
 * not be taken for a unit ("and" in "between 1 and 2").
 */
static int number(struct parser *ps, struct num *out, const char *next,
		  const char *kw)
{
	const struct unit_def *d = NULL;
	const char *s, *q, *u;
	char small[64], *copy;
	size_t n;
	int inf = 0;

	skip(ps);
	s = q = ps->p;
	if (*q == '+' || *q == '-')
		q++;
	if (!strncasecmp(q, "inf", 3)) {
		/* "infms" is inf ms, but "infinity" is no number */
		n = span(q + 3, is_unit);
		if (n && !find_unit(q + 3, n))
			return bad(ps, s, 0, "a number");
		inf = 1;
		q += 3;
	} else {
		int digits = 0;

		for (; is_digit(*q); q++)
			digits++;
		if (*q == '.')
			for (q++; is_digit(*q); q++)
				digits++;
		if (!digits)
			return bad(ps, s, 0, "a number");
		if (*q == 'e' || *q == 'E') {
			const char *e = q + 1;

			if (*e == '+' || *e == '-')
				e++;
			if (is_digit(*e)) {
				while (is_digit(*e))
					e++;
				q = e;
			}
		}
	}

	u = q;
	while (is_space(*u))
		u++;
	n = span(u, is_unit);
	if (n) {
		d = find_unit(u, n);
		if (!d && !(kw && keyword(u, kw) && n == strlen(kw)))
			return bad(ps, u, n, "a unit (" UNIT_LIST ") or %s",
				   next);
	}

	if (inf) {
		out->value = *s == '-' ? -INFINITY : INFINITY;
	} else {
		/* a copy, so strtod() cannot read on into "0x1p3" or units */
		n = (size_t)(q - s);
		copy = n < sizeof(small) ? small : mlg_malloc(n + 1);
		memcpy(copy, s, n);
		copy[n] = '\0';
		errno = 0;
		out->value = strtod(copy, NULL);
		if (copy != small)
			free(copy);
		if (errno == ERANGE && isinf(out->value))
			return bad(ps, s, (size_t)(q - s), "a number in range");
	}
	out->start = s;
	out->kind = MLG_UNIT_NONE;
	out->unit = NULL;
	out->unit_len = 0;
	if (d) {
		out->value = out->value * d->mul / d->div;
		out->kind = d->kind;
		out->unit = u;
		out->unit_len = strlen(d->text);
		q = u + out->unit_len;
		if (isinf(out->value) && !inf)
			return bad(ps, s, (size_t)(q - s), "a number in range");
	}
	out->end = q;
	ps->p = q;
	return 0;
}

/* Read one operator; `expected` is the message when there is none. */
static int op(struct parser *ps, enum mlg_cmp *out, const char *expected)
{
	static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
	const char *s;
	size_t n, i;

	skip(ps);
	s = ps->p;
	n = span(s, is_op);
	for (i = 0; n && i < MLG_ARRAY_SIZE(ops); i++) {
		if (strlen(ops[i]) == n && !memcmp(ops[i], s, n)) {
			*out = (enum mlg_cmp)i;
			ps->p += n;
			return 0;
		}
	}
	return bad(ps, s, n, "%s", expected);
}

/* The text up to `close`, trimmed, into a new string. */
static int enclosed(struct parser *ps, char **out, char close, const char *what)
{
	const char *s = ps->p + 1, *e = strchr(s, close), *t;

	if (!e)
		return bad(ps, s + strlen(s), 0, "'%c'", close);
	while (s < e && is_space(*s))
		s++;
	for (t = e; t > s && is_space(t[-1]); t--)
		;
	if (s == t)
		return bad(ps, e, 1, "%s", what);
	*out = mlg_strndup(s, (size_t)(t - s));
	ps->p = e + 1;
	return 0;
}

static int metric(struct parser *ps, struct mlg_threshold *t,
		  const char *expected)
{
	const char *s;
	size_t n;
	int rc;

	skip(ps);
	s = ps->p;
	if (!is_name_start(*s))
		return bad(ps, s, 0, "%s", expected);
	n = span(s, is_name);
	if (n > MLG_THRESHOLD_METRIC_MAX)
		return bad(ps, s, n, "a metric name of at most %d bytes",
			   MLG_THRESHOLD_METRIC_MAX);
	t->metric = mlg_strndup(s, n);
	ps->p += n;
	skip(ps);
	if (*ps->p == '(' && (rc = enclosed(ps, &t->arg, ')', "an argument")))
		return rc;
	skip(ps);
	if (*ps->p == '[' &&
	    (rc = enclosed(ps, &t->selector, ']', "a selector")))
		return rc;
	return 0;
}

/* The comparison as seen from the other side: "a < m" is "m > a". */
static enum mlg_cmp flip(enum mlg_cmp c)
{
	switch (c) {
	case MLG_CMP_LT:
		return MLG_CMP_GT;
	case MLG_CMP_LE:
		return MLG_CMP_GE;
	case MLG_CMP_GT:
		return MLG_CMP_LT;
	case MLG_CMP_GE:
		return MLG_CMP_LE;
	default:
		return c;
	}
}

static void set_unit(struct mlg_threshold *t, const struct num *first)
{
	t->unit = first->kind;
	if (first->unit)
		t->unit_text = mlg_strndup(first->unit, first->unit_len);
}

/*
 * Store a two-sided rule: `first` and `second` as written, with the
 * metric-side comparisons c1 and c2. The second bound is checked against
 * the first, so that is where a message points.
 */
static int two_sided(struct parser *ps, struct mlg_threshold *t,
		     const struct num *first, enum mlg_cmp c1,
		     const struct num *second, enum mlg_cmp c2)
{
	int ascending = c1 == MLG_CMP_GT || c1 == MLG_CMP_GE;
	int inclusive = (c1 == MLG_CMP_GE || c1 == MLG_CMP_LE) &&
			(c2 == MLG_CMP_GE || c2 == MLG_CMP_LE);
	const struct num *lo = ascending ? first : second;
	const struct num *hi = ascending ? second : first;
	char shown[QUOTED_SIZE];
	size_t len = (size_t)(second->end - second->start);

	quote(shown, sizeof(shown), first->start,
	      (size_t)(first->end - first->start));
	if (second->kind != first->kind)
		return bad(ps, second->start, len, "%s to match %s",
			   kind_desc(first->kind), shown);
	if (!(lo->value < hi->value || (inclusive && lo->value == hi->value)))
		return bad(ps, second->start, len, "a bound %s %s",
			   ascending ? (inclusive ? "of at least" : "above")
				     : (inclusive ? "of at most" : "below"),
			   shown);
	t->two_sided = 1;
	t->cmp = ascending ? c1 : c2;
	t->value = lo->value;
	t->cmp2 = ascending ? c2 : c1;
	t->value2 = hi->value;
	set_unit(t, first);
	return 0;
}

/* metric between A and B | metric op A */
static int metric_first(struct parser *ps, struct mlg_threshold *t)
{
	const char *s;
	struct num a, b;
	enum mlg_cmp c;
	int rc;

	skip(ps);
	s = ps->p;
	if ((rc = metric(ps, t, "a metric name or a number")))
		return rc;
	skip(ps);
	if (keyword(ps->p, "between")) {
		ps->p += strlen("between");
		if ((rc = number(ps, &a, "'and'", "and")))
			return rc;
		skip(ps);
		if (!keyword(ps->p, "and"))
			return bad(ps, ps->p, 0, "'and'");
		ps->p += strlen("and");
		if ((rc = number(ps, &b, "end of rule", NULL)))
			return rc;
		return two_sided(ps, t, &a, MLG_CMP_GE, &b, MLG_CMP_LE);
	}
	if ((rc = op(ps, &c, "a comparison operator or 'between'"))) {
		/* "between 1 and 2" lacks its metric, not an operator */
		if (!strcmp(t->metric, "between") && !t->arg && !t->selector)
			rc = bad(ps, s, 7, "a metric name");
		return rc;
	}
	if ((rc = number(ps, &a, "end of rule", NULL)))
		return rc;
	t->cmp = c;
	t->value = a.value;
	set_unit(t, &a);
	return 0;
}

/* A op metric [op B] */
static int number_first(struct parser *ps, struct mlg_threshold *t)
{
	struct num a, b;
	enum mlg_cmp c1, c2;
	const char *expected, *at;
	int up, rc;

	if ((rc = number(ps, &a, "a comparison operator", NULL)) ||
	    (rc = op(ps, &c1, "a comparison operator")) ||
	    (rc = metric(ps, t, "a metric name")))
		return rc;
	skip(ps);
	if (!*ps->p) {
		t->cmp = flip(c1);
		t->value = a.value;
		set_unit(t, &a);
		return 0;
	}
	if (c1 == MLG_CMP_EQ || c1 == MLG_CMP_NE)
		return bad(ps, ps->p, 0, "end of rule");
	up = c1 == MLG_CMP_LT || c1 == MLG_CMP_LE;
	expected = up ? "'<', '<=' or end of rule" : "'>', '>=' or end of rule";
	at = ps->p;
	if ((rc = op(ps, &c2, expected)))
		return rc;
	if (up ? c2 != MLG_CMP_LT && c2 != MLG_CMP_LE
	       : c2 != MLG_CMP_GT && c2 != MLG_CMP_GE)
		return bad(ps, at, 0, "%s", expected);
	if ((rc = number(ps, &b, "end of rule", NULL)))
		return rc;
	return two_sided(ps, t, &a, flip(c1), &b, c2);
}

int mlg_threshold_parse(struct mlg_threshold *out, const char *text)
{
	struct parser ps = {text, text};
	struct mlg_threshold t;
	const char *s, *e;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	skip(&ps);
	if (is_name_start(*ps.p))
		rc = metric_first(&ps, &t);
	else if (is_digit(*ps.p) || *ps.p == '.' || *ps.p == '+' ||
		 *ps.p == '-')
		rc = number_first(&ps, &t);
	else
		rc = bad(&ps, ps.p, 0, "a metric name or a number");
	if (rc)
		goto done;
	skip(&ps);
	if (*ps.p) {
		rc = bad(&ps, ps.p, 0, "end of rule");
		goto done;
	}
	for (s = text; is_space(*s); s++)
		;
	for (e = ps.p; e > s && is_space(e[-1]); e--)
		;
	t.text = mlg_strndup(s, (size_t)(e - s));
	*out = t;
	return 0;
done:
	mlg_threshold_release(&t);
	return rc;
}

void mlg_threshold_release(struct mlg_threshold *t)
{
	free(t->metric);
	free(t->arg);
	free(t->selector);
	free(t->unit_text);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

static int cmp_holds(enum mlg_cmp c, double m, double v)
{
	switch (c) {
	case MLG_CMP_LT:
		return m < v;
	case MLG_CMP_LE:
		return m <= v;
	case MLG_CMP_GT:
		return m > v;
	case MLG_CMP_GE:
		return m >= v;
	case MLG_CMP_EQ:
		return m == v;
	case MLG_CMP_NE:
		return m != v;
	}
	return 0;
}

int mlg_threshold_holds(const struct mlg_threshold *t, double measured)
{
	if (isnan(measured) || !cmp_holds(t->cmp, measured, t->value))
		return 0;
	return !t->two_sided || cmp_holds(t->cmp2, measured, t->value2);
}

static double dist(enum mlg_cmp c, double m, double v)
{
	/* equal infinities subtract to NaN, but m is on the bound */
	double d = m == v ? 0 : m - v;

	switch (c) {
	case MLG_CMP_LT:
	case MLG_CMP_LE:
		return -d;
	case MLG_CMP_GT:
	case MLG_CMP_GE:
		return d;
	case MLG_CMP_EQ:
		return -fabs(d);
	case MLG_CMP_NE:
		return fabs(d);
	}
	return NAN;
}

double mlg_threshold_margin(const struct mlg_threshold *t, double measured)
{
	double a, b;

	if (isnan(measured))
		return NAN;
	a = dist(t->cmp, measured, t->value);
	if (!t->two_sided)
		return a;
	b = dist(t->cmp2, measured, t->value2);
	return a < b ? a : b;
}

const char *mlg_cmp_str(enum mlg_cmp c)
{
	switch (c) {
	case MLG_CMP_LT:
		return "<";
	case MLG_CMP_LE:
		return "<=";
	case MLG_CMP_GT:
		return ">";
	case MLG_CMP_GE:
		return ">=";
	case MLG_CMP_EQ:
		return "==";
	case MLG_CMP_NE:
		return "!=";
	}
	return "?";
}

static const struct unit_def *base_unit(enum mlg_unit u)
{
	switch (u) {
	case MLG_UNIT_TIME:
		return find_unit("s", 1);
	case MLG_UNIT_BYTES:
		return find_unit("B", 1);
	case MLG_UNIT_RATE:
		return find_unit("/s", 2);
	case MLG_UNIT_PERCENT:
		return find_unit("%", 1);
	default:
		return NULL;
	}
}

static const char *kind_name(enum mlg_unit u)
{
	switch (u) {
	case MLG_UNIT_TIME:
		return "time";
	case MLG_UNIT_BYTES:
		return "bytes";
	case MLG_UNIT_RATE:
		return "rate";
	case MLG_UNIT_PERCENT:
		return "percent";
	default:
		return "unitless";
	}
}

int mlg_unit_format(struct mlg_buf *out, double base_value, enum mlg_unit u,
		    const char *unit_text)
{
	const struct unit_def *d = base_unit(u);
	char num[40];
	double x = base_value, y;
	int prec;

	if (unit_text) {
		d = find_unit(unit_text, strlen(unit_text));
		if (!d || d->kind != u)
			return mlg_error_set(MLG_EINVALID,
					     "unit '%s' is not a %s unit",
					     unit_text, kind_name(u));
	}
	if (isnan(base_value))
		return mlg_buf_adds(out, "nan");
	if (isinf(base_value))
		return mlg_buf_addf(
			out, "%s%s%s", base_value < 0 ? "-inf" : "inf",
			d && is_alpha(d->text[0]) ? " " : "", d ? d->text : "");
	if (d) {
		x = base_value / d->mul * d->div;
		if (isinf(x)) {
			d = base_unit(u);
			x = base_value;
		}
	}
	/* the shortest text that reads back as the same double */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, x);
		y = strtod(num, NULL);
		if (d)
			y = y * d->mul / d->div;
		if (y == base_value)
			break;
	}
	/* None may where the scaling rounds (2e22 h in ms): then the base
	 * unit, when it does not scale, in which 17 digits always do. */
	if (prec > 17 && d && base_unit(u)->mul == base_unit(u)->div) {
		d = base_unit(u);
		snprintf(num, sizeof(num), "%.17g", base_value);
	}
	return mlg_buf_addf(out, "%s%s", num, d ? d->text : "");
}

static int add_metric(struct mlg_buf *out, const struct mlg_threshold *t)
{
	int rc;

	if ((rc = mlg_buf_adds(out, t->metric)))
		return rc;
	if (t->arg && (rc = mlg_buf_addf(out, "(%s)", t->arg)))
		return rc;
	if (t->selector && (rc = mlg_buf_addf(out, "[%s]", t->selector)))
		return rc;
	return 0;
}

int mlg_threshold_format(struct mlg_buf *out, const struct mlg_threshold *t)
{
	size_t len = out->len;
	int rc;

	if (!t->two_sided) {
		if ((rc = add_metric(out, t)) ||
		    (rc = mlg_buf_addf(out, " %s ", mlg_cmp_str(t->cmp))) ||
		    (rc = mlg_unit_format(out, t->value, t->unit,
					  t->unit_text)))
			goto done;
	} else if (t->cmp == MLG_CMP_GE && t->cmp2 == MLG_CMP_LE) {
		if ((rc = add_metric(out, t)) ||
		    (rc = mlg_buf_adds(out, " between ")) ||
		    (rc = mlg_unit_format(out, t->value, t->unit,
					  t->unit_text)) ||
		    (rc = mlg_buf_adds(out, " and ")) ||
		    (rc = mlg_unit_format(out, t->value2, t->unit,
					  t->unit_text)))
			goto done;
	} else {
		if ((rc = mlg_unit_format(out, t->value, t->unit,
					  t->unit_text)) ||
		    (rc = mlg_buf_addf(out, " %s ",
				       mlg_cmp_str(flip(t->cmp)))) ||
		    (rc = add_metric(out, t)) ||
		    (rc = mlg_buf_addf(out, " %s ", mlg_cmp_str(t->cmp2))) ||
		    (rc = mlg_unit_format(out, t->value2, t->unit,
					  t->unit_text)))
			goto done;
	}
	return 0;
done:
	mlg_buf_truncate(out, len);
	return rc;
}
