/*
 * cast.c - cast cells to Table Schema types and check constraints
 *
 * This is the inner loop of data-validate: every cell of a file comes
 * through mlg_field_check(). So the default formats are parsed by hand,
 * nothing is allocated, no locale is consulted, and a note is formatted
 * only for a cell that fails.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "mlgate/csv.h"
#include "mlgate/dateparse.h"
#include "mlgate/error.h"
#include "mlgate/numparse.h"
#include "mlgate/schema.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

struct mlg_cast_ctx {
	const struct mlg_schema *s;
	pcre2_match_data *md;
	char note[512];
};

const char *mlg_ftype_name(enum mlg_ftype t)
{
	static const char *const names[] = {
		"any",	    "string", "number",	  "integer", "boolean",
		"date",	    "time",   "datetime", "year",    "yearmonth",
		"duration", "object", "array"};

	return (unsigned)t < MLG_ARRAY_SIZE(names) ? names[t] : "?";
}

static int isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* --- numbers --- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* bareNumber false: drop the text around the number ("95%", "EUR 95"). */
static void strip(const char **s, size_t *len, int dec)
{
	const char *p = *s, *e = p + *len;

	while (p < e && !isdig(*p) && *p != '+' && *p != '-' && *p != dec)
		p++;
	while (e > p && !isdig(e[-1]))
		e--;
	*s = p;
	*len = (size_t)(e - p);
}

static int special(double *out, const char *s, size_t len)
{
	if (len == 3 && !memcmp(s, "NaN", 3))
		*out = NAN;
	else if (len == 3 && !memcmp(s, "INF", 3))
		*out = INFINITY;
	else if (len == 4 && !memcmp(s, "+INF", 4))
		*out = INFINITY;
	else if (len == 4 && !memcmp(s, "-INF", 4))
		*out = -INFINITY;
	else
		return 0;
	return 1;
}

/* A group char counts only between two digits of the integer part. */
static int group_at(const char *s, const char *p, const char *e, int group)
{
	return group && *p == group && p > s && isdig(p[-1]) && p + 1 < e &&
	       isdig(p[1]);
}

/*
 * The rare path: more than 19 significant digits or a large exponent.
 * strtod_l in the C locale rounds correctly; it needs a plain copy.
 */
static int slow_number(double *out, const char *s, size_t len, int dec,
		       int group)
{
	char stack[256],
		*buf = len < sizeof(stack) ? stack : mlg_malloc(len + 1);
	const char *p, *e = s + len;
	size_t n = 0;

	for (p = s; p < e; p++) {
		if (group_at(s, p, e, group))
			continue;
		buf[n++] = *p == dec ? '.' : *p;
	}
	buf[n] = '\0';
	pthread_once(&c_locale_once, make_c_locale);
	*out = c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
	if (buf != stack)
		free(buf);
	return 0;
}

static int cast_number(double *out, const struct mlg_field *f, const char *s,
		       size_t len)
{
	const char *p, *e;
	uint64_t m = 0;
	int nd = 0, dexp = 0, ndig = 0, neg = 0, point = 0, exact = 1;
	int dec = (unsigned char)f->decimal_char;
	int group = (unsigned char)f->group_char;
	long ex = 0;

	if (f->bare_number && dec == '.' && !group &&
	    !mlg_plain_number(out, s, len))
		return 0;
	if (special(out, s, len))
		return 0;
	if (!f->bare_number)
		strip(&s, &len, dec);
	p = s;
	e = s + len;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (; p < e; p++) {
		int c = (unsigned char)*p;

		if (isdig(c)) {
			ndig++;
			if (m == 0 && c == '0') {
				dexp -= point;
			} else if (nd < 19) {
				m = m * 10 + (uint64_t)(c - '0');
				nd++;
				dexp -= point;
			} else {
				exact = 0;
			}
		} else if (c == dec && !point) {
			point = 1;
		} else if (!point && group_at(s, p, e, group)) {
			continue;
		} else {
			break;
		}
	}
	if (!ndig)
		return -1;
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0;

		p++;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= e || !isdig(*p))
			return -1;
		for (; p < e && isdig(*p); p++)
			if (ex < 100000)
				ex = ex * 10 + (*p - '0');
		if (eneg)
			ex = -ex;
	}
	if (p != e)
		return -1;
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	/* Clinger's fast path: both operands exact, one rounding. */
	if (exact && m <= (UINT64_C(1) << 53) && dexp + ex >= -22 &&
	    dexp + ex <= 22) {
		double d = (double)m;
		long t = dexp + ex;

		d = t < 0 ? d / mlg_p10[-t] : d * mlg_p10[t];
		*out = neg ? -d : d;
		return 0;
	}
	return slow_number(out, s, len, dec, group);
}

static int cast_integer(int64_t *out, const struct mlg_field *f, const char *s,
			size_t len)
{
	const char *p, *e;
	uint64_t acc = 0, lim;
	int neg = 0, ndig = 0;
	int group = (unsigned char)f->group_char;

	if (f->bare_number && !group && mlg_short_int(out, s, len))
		return 0;
	if (!f->bare_number)
		strip(&s, &len, -1);
	p = s;
	e = s + len;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9) {
			if (group_at(s, p, e, group))
				continue;
			return -1;
		}
		if (acc > (lim - d) / 10)
			return -1;
		acc = acc * 10 + d;
		ndig++;
	}
	if (!ndig)
		return -1;
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

/* --- booleans and strings --- */

/* Bytes equal; a loop beats a memcmp() call on the short cells here. */
static inline int same(const char *a, const char *b, size_t len)
{
	size_t k;

	if (len > 16)
		return !memcmp(a, b, len);
	for (k = 0; k < len; k++)
		if (a[k] != b[k])
			return 0;
	return 1;
}

/* `lens` NULL: not compiled yet (a bound or enum value being read). */
static inline int in_list(char *const *list, const size_t *lens, size_t n,
			  const char *s, size_t len)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((lens ? lens[k] : strlen(list[k])) == len &&
		    same(list[k], s, len))
			return 1;
	return 0;
}

static int ctl(int c)
{
	return c <= ' ' || c == 0x7f;
}

static int is_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *dom;
	size_t k, dlen;

	if (!at || at == s)
		return 0;
	dom = at + 1;
	dlen = len - (size_t)(dom - s);
	if (dlen < 3 || memchr(dom, '@', dlen) || dom[0] == '.' ||
	    dom[dlen - 1] == '.' || !memchr(dom + 1, '.', dlen - 2))
		return 0;
	for (k = 0; k < len; k++)
		if (ctl((unsigned char)s[k]))
			return 0;
	return 1;
}

static int alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int is_uri(const char *s, size_t len)
{
	size_t k = 0;

	if (!len || !alpha(s[0]))
		return 0;
	for (k = 1; k < len && s[k] != ':'; k++)
		if (!alpha(s[k]) && !isdig(s[k]) && s[k] != '+' &&
		    s[k] != '-' && s[k] != '.')
			return 0;
	if (k >= len || len - k < 2)
		return 0;
	for (k++; k < len; k++)
		if (ctl((unsigned char)s[k]))
			return 0;
	return 1;
}

static int hex(int c)
{
	return isdig(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int is_uuid(const char *s, size_t len)
{
	size_t k;

	if (len != 36)
		return 0;
	for (k = 0; k < 36; k++) {
		if (k == 8 || k == 13 || k == 18 || k == 23) {
			if (s[k] != '-')
				return 0;
		} else if (!hex(s[k])) {
			return 0;
		}
	}
	return 1;
}

static int b64(int c)
{
	return alpha(c) || isdig(c) || c == '+' || c == '/';
}

static int is_base64(const char *s, size_t len)
{
	size_t k, pad = 0;

	if (len % 4)
		return 0;
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	for (k = 0; k < len - pad; k++)
		if (!b64(s[k]))
			return 0;
	return 1;
}

static int string_ok(enum mlg_fformat fmt, const char *s, size_t len)
{
	switch (fmt) {
	case MLG_FMT_EMAIL:
		return is_email(s, len);
	case MLG_FMT_URI:
		return is_uri(s, len);
	case MLG_FMT_UUID:
		return is_uuid(s, len);
	case MLG_FMT_BINARY:
		return is_base64(s, len);
	default:
		return 1;
	}
}

/* --- other types --- */

static int cast_year(int64_t *out, const char *s, size_t len)
{
	int64_t y = 0;
	size_t k;

	if (len < 4 || len > 18 || (len > 4 && s[0] == '0'))
		return -1;
	for (k = 0; k < len; k++) {
		if (!isdig(s[k]))
			return -1;
		y = y * 10 + (s[k] - '0');
	}
	if (y == 0)
		return -1;
	*out = y;
	return 0;
}

static int cast_yearmonth(int64_t *out, const char *s, size_t len)
{
	int64_t y;
	int m;

	if (len != 7 || s[4] != '-' || !isdig(s[5]) || !isdig(s[6]) ||
	    cast_year(&y, s, 4))
		return -1;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (m < 1 || m > 12)
		return -1;
	*out = y * 12 + m - 1;
	return 0;
}

/* Object and array cells: jansson, the one allocating cast. */
static json_t *cast_json(const struct mlg_field *f, const char *s, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(s, len, 0, &err);

	if (j && (f->type == MLG_T_OBJECT ? !json_is_object(j)
					  : !json_is_array(j))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* A non-null value of f's type whose text is <cell, len>: all but the
 * members a cast computes, i and num. */
static inline void value_text(struct mlg_value *out, const struct mlg_field *f,
			      const char *cell, size_t len)
{
	out->type = f->type;
	out->null = 0;
	out->months = 0;
	out->str = cell;
	out->len = len;
}

/* The same with i and num 0. */
static inline void value_init(struct mlg_value *out, const struct mlg_field *f,
			      const char *cell, size_t len)
{
	value_text(out, f, cell, len);
	out->num = 0;
	out->i = 0;
}

static inline int cast(struct mlg_value *out, const struct mlg_field *f,
		       const char *cell, size_t len)
{
	json_t *j;

	value_init(out, f, cell, len);
	switch (f->type) {
	case MLG_T_ANY:
		return 0;
	case MLG_T_STRING:
		return string_ok(f->fmt, cell, len) ? 0 : -1;
	case MLG_T_NUMBER:
		return cast_number(&out->num, f, cell, len);
	case MLG_T_INTEGER:
		if (cast_integer(&out->i, f, cell, len))
			return -1;
		out->num = (double)out->i;
		return 0;
	case MLG_T_BOOLEAN:
		if (in_list(f->true_values, f->fast.true_len, f->ntrue, cell,
			    len))
			out->i = 1;
		else if (!in_list(f->false_values, f->fast.false_len, f->nfalse,
				  cell, len))
			return -1;
		return 0;
	case MLG_T_DATE:
	case MLG_T_TIME:
	case MLG_T_DATETIME:
		return mlg_cast_temporal(&out->i, f->type, f->fmt,
					 f->pattern_fmt, cell, len);
	case MLG_T_YEAR:
		if (cast_year(&out->i, cell, len))
			return -1;
		out->num = (double)out->i;
		return 0;
	case MLG_T_YEARMONTH:
		return cast_yearmonth(&out->i, cell, len);
	case MLG_T_DURATION:
		return mlg_cast_duration(&out->months, &out->i, cell, len);
	case MLG_T_OBJECT:
	case MLG_T_ARRAY:
		j = cast_json(f, cell, len);
		if (!j)
			return -1;
		out->i = (int64_t)(json_is_object(j) ? json_object_size(j)
						     : json_array_size(j));
		json_decref(j);
		return 0;
	}
	return -1;
}

int mlg_field_cast(struct mlg_value *out, const struct mlg_field *f,
		   const char *cell, size_t len)
{
	return cast(out, f, cell, len);
}

/* --- the per-thread context --- */

int mlg_cast_ctx_init(struct mlg_cast_ctx **out, const struct mlg_schema *s)
{
	struct mlg_cast_ctx *c = mlg_calloc(1, sizeof(*c));

	c->s = s;
	/* One pair is enough: only whether the whole value matched counts. */
	c->md = pcre2_match_data_create(1, NULL);
	if (!c->md) {
		free(c);
		*out = NULL;
		return mlg_error_set(MLG_ERROR, "cannot allocate regex data");
	}
	*out = c;
	return 0;
}

void mlg_cast_ctx_free(struct mlg_cast_ctx *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	free(c);
}

/* --- notes --- */

static int numeric(enum mlg_ftype t)
{
	return t == MLG_T_NUMBER || t == MLG_T_INTEGER || t == MLG_T_YEAR;
}

/* See schema.h; the longest is ' + 39 * \xNN + 4 UTF-8 bytes + ...' */
const char *mlg_cell_show(char *out, enum mlg_ftype t, const char *s,
			  size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	size_t k = 0, o = 0, n;
	uint32_t cp;

	if (!numeric(t))
		out[o++] = '\'';
	while (k < len && k < 40) {
		unsigned char c = (unsigned char)s[k];

		if (c >= 0x80 && (n = mlg_utf8_decode(&cp, s + k, len - k))) {
			memcpy(out + o, s + k, n);
			o += n;
			k += n;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c >= 0x80) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hexd[c >> 4];
			out[o++] = hexd[c & 15];
		} else {
			out[o++] = (char)c;
		}
		k++;
	}
	if (k < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (!numeric(t))
		out[o++] = '\'';
	out[o] = '\0';
	return out;
}

static enum mlg_cell fail(struct mlg_cast_ctx *c, const char **note,
			  enum mlg_cell st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum mlg_cell fail(struct mlg_cast_ctx *c, const char **note,
			  enum mlg_cell st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->note, sizeof(c->note), fmt, ap);
	va_end(ap);
	if (note)
		*note = c->note;
	return st;
}

/* --- constraints --- */

/* How a field's range bounds compare; see mlg_field_compile(). */
enum { R_SLOW, R_INT, R_NUM };

enum {
	RANGE_BITS = MLG_C_MINIMUM | MLG_C_MAXIMUM | MLG_C_EXCL_MINIMUM |
		     MLG_C_EXCL_MAXIMUM,
	LENGTH_BITS = MLG_C_MIN_LENGTH | MLG_C_MAX_LENGTH
};

/* The fast cast paths of mlg_field_check(); K_GENERAL: cast() alone. */
enum { K_GENERAL, K_BYTES, K_INT, K_NUM, K_BOOL, K_TEMPORAL };

/* The outcomes of comparing v with bound k: MLG_ORDER_* bits, 0 for NaN. */
static unsigned order(const struct mlg_field *f, const struct mlg_value *v,
		      int k)
{
	const struct mlg_value *b = &f->bound[k];
	int r;

	switch (f->type) {
	case MLG_T_NUMBER:
		if (isnan(v->num) || isnan(b->num))
			return 0;
		r = v->num < b->num ? -1 : v->num > b->num;
		break;
	case MLG_T_INTEGER:
	case MLG_T_YEAR:
		if (f->bound_real[k])
			r = v->num < b->num ? -1 : v->num > b->num;
		else
			r = v->i < b->i ? -1 : v->i > b->i;
		break;
	case MLG_T_DURATION:
		return mlg_duration_order(v->months, v->i, b->months, b->i);
	default:
		r = v->i < b->i ? -1 : v->i > b->i;
		break;
	}
	return r < 0 ? MLG_ORDER_LT : r ? MLG_ORDER_GT : MLG_ORDER_EQ;
}

/*
 * Whether every range bound holds: one inclusive range, made by
 * set_range(). 0 also when it cannot tell (R_SLOW), as the caller then
 * asks order() for the exact verdict and note. A NaN compares false: it
 * fails, as it must.
 */
static inline int in_range(const struct mlg_field *f, const struct mlg_value *v)
{
	const struct mlg_field_fast *x = &f->fast;

	if (x->range == R_INT)
		return v->i >= x->ilo && v->i <= x->ihi;
	if (x->range == R_NUM)
		return v->num >= x->lo && v->num <= x->hi;
	return 0;
}

/*
 * The enum index: open addressing over the enum values, built once by
 * mlg_field_compile(). Strings and any compare bytes; for them the key
 * holds the bytes as two words, which for up to 16 bytes (with the
 * length) are the bytes themselves, so no memcmp() is needed. Other types
 * hash with mlg_value_hash(), whose equality is mlg_value_equal().
 */
struct enum_key {
	uint64_t hash, a, b;
};

struct enum_index {
	size_t mask;	       /* slots - 1 */
	uint64_t seed;	       /* of the hash, chosen to spread the keys */
	int bytes;	       /* string or any: compare bytes */
	struct enum_key *keys; /* per enum value */
	uint32_t *slot;	       /* enum value + 1; 0: free */
	signed char *pat;      /* per value: matches the pattern (1), not
				  (0), unknown (-1); NULL: no pattern */
};

__attribute__((always_inline)) static inline void
words(uint64_t *a, uint64_t *b, const char *s, size_t len)
{
	uint32_t x, y;

	if (len >= 8) {
		memcpy(a, s, 8);
		memcpy(b, s + len - 8, 8);
	} else if (len >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + len - 4, 4);
		*a = x;
		*b = y;
	} else {
		*a = len ? (uint64_t)(unsigned char)s[0] |
				     (uint64_t)(unsigned char)s[len / 2] << 8 |
				     (uint64_t)(unsigned char)s[len - 1] << 16
			 : 0;
		*b = 0;
	}
}

static uint64_t words_hash(uint64_t a, uint64_t b, size_t len, uint64_t seed)
{
	uint64_t h = a * UINT64_C(0x9e3779b97f4a7c15) +
		     b * UINT64_C(0xc2b2ae3d27d4eb4f) + len + seed;

	h ^= h >> 32;
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 29);
}

static void enum_key(struct enum_key *out, const struct enum_index *x,
		     const struct mlg_value *v)
{
	if (x->bytes) {
		words(&out->a, &out->b, v->str, v->len);
		out->hash = words_hash(out->a, out->b, v->len, x->seed);
	} else {
		out->hash = mlg_value_hash(v, 0);
	}
}

/* The index of the bytes <s, len> in a compiled index of bytes, or -1.
 * Forced inline, with words(): as a call, saving and restoring registers
 * was a quarter of its cost. */
__attribute__((always_inline)) static inline long
bytes_find(const struct mlg_field *f, const struct enum_index *x, const char *s,
	   size_t len)
{
	struct enum_key key;
	size_t k;
	uint32_t e;

	words(&key.a, &key.b, s, len);
	key.hash = words_hash(key.a, key.b, len, x->seed);
	for (k = key.hash & x->mask; (e = x->slot[k]); k = (k + 1) & x->mask) {
		const struct enum_key *ek = &x->keys[e - 1];
		const struct mlg_value *ev = &f->enum_values[e - 1];

		if (ek->hash == key.hash && ek->a == key.a && ek->b == key.b &&
		    ev->len == len && (len <= 16 || !memcmp(ev->str, s, len)))
			return (long)e - 1;
	}
	return -1;
}

/* The index of v among the enum values, or -1. */
static long enum_find(const struct mlg_field *f, const struct mlg_value *v)
{
	const struct enum_index *x = f->fast.enums;
	struct enum_key key;
	size_t k;
	uint32_t e;

	if (f->type == MLG_T_OBJECT || f->type == MLG_T_ARRAY) {
		json_t *j = cast_json(f, v->str, v->len);
		long found = -1;

		for (k = 0; j && k < f->nenum && found < 0; k++)
			if (json_equal(j, f->enum_json[k]))
				found = (long)k;
		json_decref(j);
		return found;
	}
	if (!x) { /* not compiled: the plain scan */
		for (k = 0; k < f->nenum; k++)
			if (mlg_value_equal(v, &f->enum_values[k]))
				return (long)k;
		return -1;
	}
	if (x->bytes)
		return bytes_find(f, x, v->str, v->len);
	enum_key(&key, x, v);
	for (k = key.hash & x->mask; (e = x->slot[k]); k = (k + 1) & x->mask)
		if (x->keys[e - 1].hash == key.hash &&
		    mlg_value_equal(v, &f->enum_values[e - 1]))
			return (long)e - 1;
	return -1;
}

/* 1 when f's only constraints are an enum of strings (and a pattern) and
 * the cell is one of them that matches: constraints() in short. Forced
 * inline: gcc keeps it out of line once the scan has two copies. */
__attribute__((always_inline)) static inline int
in_enum(const struct mlg_field *f, const char *s, size_t len)
{
	const struct enum_index *x = f->fast.enums;
	long e;

	if (!x || !x->bytes || (f->has & ~(MLG_C_ENUM | MLG_C_PATTERN)))
		return 0;
	e = bytes_find(f, x, s, len);
	return e >= 0 && (!x->pat || x->pat[e] == 1);
}

/*
 * Whether a string of len bytes holds f's length constraints whatever
 * its bytes: a code point takes 1 to 4 bytes and an invalid byte counts
 * as one (as mlg_utf8_length() counts), so len / 4 <= code points <= len.
 */
static inline int lengths_by_bytes(const struct mlg_field *f, size_t len)
{
	return (!(f->has & MLG_C_MIN_LENGTH) ||
		(uint64_t)f->min_length <= len / 4) &&
	       (!(f->has & MLG_C_MAX_LENGTH) || len <= (uint64_t)f->max_length);
}

/* The code points of <s, len> when its byte length cannot settle the
 * length constraints, -1 when it can. */
static int64_t count_if_needed(const struct mlg_field *f, const char *s,
			       size_t len)
{
	return lengths_by_bytes(f, len) ? -1 : (int64_t)mlg_utf8_length(s, len);
}

static const char *const rule_names[] = {
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};
static const char *const rule_fail[] = {"is below", "is above", "is not above",
					"is not below"};
/* The outcomes each rule accepts. */
static const unsigned allowed[] = {MLG_ORDER_EQ | MLG_ORDER_GT,
				   MLG_ORDER_LT | MLG_ORDER_EQ, MLG_ORDER_GT,
				   MLG_ORDER_LT};

/* The first failing range rule, by order(): the exact verdict and note. */
static enum mlg_cell range_note(struct mlg_cast_ctx *c,
				const struct mlg_field *f,
				const struct mlg_value *v, const char **note)
{
	char buf[MLG_CELL_SHOW_MAX];
	unsigned m;
	int k;

	for (k = 0; k < 4; k++) {
		if (!(f->has & (MLG_C_MINIMUM << k)))
			continue;
		m = order(f, v, k);
		if (m && !(m & ~allowed[k]))
			continue;
		if (m && !(m & allowed[k]))
			return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
				    "%s %s %s %s",
				    mlg_cell_show(buf, f->type, v->str, v->len),
				    rule_fail[k], rule_names[k],
				    f->bound_text[k]);
		return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
			    "%s is not comparable with %s %s",
			    mlg_cell_show(buf, f->type, v->str, v->len),
			    rule_names[k], f->bound_text[k]);
	}
	return MLG_CELL_OK;
}

static enum mlg_cell pattern_note(struct mlg_cast_ctx *c,
				  const struct mlg_field *f,
				  const struct mlg_value *v, int r,
				  const char **note)
{
	char buf[MLG_CELL_SHOW_MAX];
	PCRE2_UCHAR msg[120];

	if (r == PCRE2_ERROR_NOMATCH)
		return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
			    "%s does not match pattern '%s'",
			    mlg_cell_show(buf, f->type, v->str, v->len),
			    f->pattern);
	pcre2_get_error_message(r, msg, sizeof(msg));
	return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
		    "%s cannot be matched with pattern '%s': %s",
		    mlg_cell_show(buf, f->type, v->str, v->len), f->pattern,
		    (const char *)msg);
}

/* In the documented order: lengths, range, pattern, enum. */
static enum mlg_cell constraints(struct mlg_cast_ctx *c,
				 const struct mlg_field *f, struct mlg_value *v,
				 const char **note)
{
	const struct enum_index *x = f->fast.enums;
	unsigned has = f->has;
	char buf[MLG_CELL_SHOW_MAX];
	long e = -1;
	int r;

	if (has & (MLG_C_MIN_LENGTH | MLG_C_MAX_LENGTH)) {
		int64_t n = v->i;

		if (f->type == MLG_T_STRING) {
			n = count_if_needed(f, v->str, v->len);
			v->i = n < 0 ? 0 : n;
		}
		if ((has & MLG_C_MIN_LENGTH) && n >= 0 && n < f->min_length)
			return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
				    "length %lld is below minLength %lld",
				    (long long)n, (long long)f->min_length);
		if ((has & MLG_C_MAX_LENGTH) && n > f->max_length)
			return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
				    "length %lld is above maxLength %lld",
				    (long long)n, (long long)f->max_length);
	}
	if ((has & RANGE_BITS) && !in_range(f, v) &&
	    range_note(c, f, v, note) != MLG_CELL_OK)
		return MLG_CELL_CONSTRAINT_ERROR;
	if (!(has & (MLG_C_PATTERN | MLG_C_ENUM)))
		return MLG_CELL_OK;
	if (has & MLG_C_ENUM)
		e = enum_find(f, v);
	if (has & MLG_C_PATTERN) {
		/* A value equal to an enum value matches as that one did. */
		if (e >= 0 && x && x->pat && x->pat[e] >= 0)
			r = x->pat[e] ? 1 : PCRE2_ERROR_NOMATCH;
		else
			r = pcre2_match(f->re, (PCRE2_SPTR)v->str, v->len, 0, 0,
					c->md, NULL);
		if (r < 0)
			return pattern_note(c, f, v, r, note);
	}
	if ((has & MLG_C_ENUM) && e < 0)
		return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
			    "%s is not one of the allowed values (%s)",
			    mlg_cell_show(buf, f->type, v->str, v->len),
			    f->categories ? "categories" : "enum");
	return MLG_CELL_OK;
}

/* A non-empty cell among the missing values; the length mask first. */
static inline int is_missing(const struct mlg_field_fast *x, const char *cell,
			     size_t len)
{
	size_t k;

	/* The mask is 0 where "" is the only missing value, the default. */
	if (!x->miss_lens || !(x->miss_lens >> (len < 63 ? len : 63) & 1))
		return 0;
	for (k = 0; k < x->nmiss; k++)
		if (x->lens[k] == len && same(x->miss[k], cell, len))
			return 1;
	return 0;
}

/* Kept out of line: the hot path below then needs few registers. */
static __attribute__((noinline, cold)) enum mlg_cell
null_cell(struct mlg_cast_ctx *c, const struct mlg_field *f, const char *cell,
	  size_t len, struct mlg_value *out, const char **note)
{
	memset(out, 0, sizeof(*out));
	out->type = f->type;
	out->null = 1;
	out->str = cell;
	out->len = len;
	if (f->required)
		return fail(c, note, MLG_CELL_CONSTRAINT_ERROR,
			    "constraint \"required\" is \"true\"");
	return MLG_CELL_NULL;
}

static __attribute__((noinline, cold)) enum mlg_cell
type_error(struct mlg_cast_ctx *c, const struct mlg_field *f, const char **note)
{
	return fail(c, note, MLG_CELL_TYPE_ERROR, "type is \"%s/%s\"",
		    mlg_ftype_name(f->type), f->format);
}

static __attribute__((noinline)) int cast_slow(struct mlg_value *out,
					       const struct mlg_field *f,
					       const char *cell, size_t len)
{
	return cast(out, f, cell, len);
}

/*
 * The cast by the fast path `kind` (f->fast.kind; a constant where the
 * caller is specialised): 1 when it succeeded, 0 when the full cast must
 * decide. Sets out->i and out->num only: a scan that needs no more of
 * the value stores no more of it.
 */
__attribute__((always_inline)) static inline int
fast_parse(const struct mlg_field *f, int kind, const char *cell, size_t len,
	   struct mlg_value *out)
{
	const struct mlg_field_fast *x = &f->fast;

	out->i = 0;
	out->num = 0;
	switch (kind) {
	case K_BYTES:
		return 1;
	case K_INT:
		if (!mlg_short_int(&out->i, cell, len))
			return 0;
		out->num = (double)out->i;
		return 1;
	case K_NUM:
		return !mlg_plain_number(&out->num, cell, len);
	case K_BOOL:
		if (in_list(f->true_values, x->true_len, f->ntrue, cell, len)) {
			out->i = 1;
			return 1;
		}
		return in_list(f->false_values, x->false_len, f->nfalse, cell,
			       len);
	case K_TEMPORAL:
		/* as mlg_cast_temporal(), which tries this form first */
		if (f->type == MLG_T_DATE && f->fmt != MLG_FMT_PATTERN &&
		    len == 10 && !mlg_iso_date(&out->i, cell))
			return 1;
		return !mlg_cast_temporal(&out->i, f->type, f->fmt,
					  f->pattern_fmt, cell, len);
	}
	return 0;
}

/* fast_parse() into a whole value. */
__attribute__((always_inline)) static inline int
fast_cast(const struct mlg_field *f, int kind, const char *cell, size_t len,
	  struct mlg_value *out)
{
	value_text(out, f, cell, len);
	return fast_parse(f, kind, cell, len, out);
}

/* 1 when the cast value holds every constraint of f without asking
 * constraints(): f has none, or only range bounds that v is in, or only
 * lengths of a string that its byte length settles (constraints() then
 * leaves v as it is). */
__attribute__((always_inline)) static inline int
settled(const struct mlg_field *f, const struct mlg_value *v, size_t len)
{
	unsigned has = f->has;

	if (!has)
		return 1;
	if (!(has & ~RANGE_BITS))
		return in_range(f, v);
	return !(has & ~LENGTH_BITS) && f->type == MLG_T_STRING &&
	       lengths_by_bytes(f, len);
}

/*
 * The common cases inline, chosen at compile time (f->fast.kind); a fast
 * path that does not succeed hands the cell to the full cast, which
 * decides: so invalid cells cost two parses, valid ones one. A temporal
 * cell the fast path refuses is a type error: mlg_cast_temporal() is the
 * full cast of the temporal types.
 */
enum mlg_cell mlg_field_check(struct mlg_cast_ctx *c, size_t field_index,
			      const char *cell, size_t len,
			      struct mlg_value *out, const char **note)
{
	const struct mlg_field *f = &c->s->fields[field_index];
	const struct mlg_field_fast *x = &f->fast;

	if (note)
		*note = "";
	if (len ? is_missing(x, cell, len) : x->miss_empty)
		return null_cell(c, f, cell, len, out, note);
	if (!fast_cast(f, x->kind, cell, len, out) &&
	    (x->kind == K_TEMPORAL || cast_slow(out, f, cell, len)))
		return type_error(c, f, note);
	if (settled(f, out, len))
		return MLG_CELL_OK;
	return constraints(c, f, out, note);
}

/* constraints() for a value from fast_parse(): the rest of it first. */
static inline int holds(struct mlg_cast_ctx *c, const struct mlg_field *f,
			struct mlg_value *v, const char *cell, size_t len)
{
	value_text(v, f, cell, len);
	return constraints(c, f, v, NULL) == MLG_CELL_OK;
}

/* mlg_field_scan() over cells of one fast path: `kind` is a constant in
 * each copy the switch in scan_field() makes, and so is whether `vals`
 * is NULL. */
__attribute__((always_inline)) static inline void
scan_kind(struct mlg_cast_ctx *c, const struct mlg_field *f, int kind,
	  const struct mlg_csv_field *cells, size_t stride, size_t n,
	  unsigned char *st, uint64_t *keys, uint64_t seed,
	  struct mlg_value *vals)
{
	const struct mlg_field_fast *x = &f->fast;
	struct mlg_value v;
	size_t i;

	for (i = 0; i < n; i++, cells += stride) {
		const char *cell = cells->ptr;
		size_t len = cells->len;

		if (len ? is_missing(x, cell, len) : x->miss_empty) {
			st[i] = f->required ? MLG_SCAN_CHECK : MLG_SCAN_NULL;
			continue;
		}
		if (!fast_parse(f, kind, cell, len, &v) ||
		    (!settled(f, &v, len) &&
		     !(kind == K_BYTES && in_enum(f, cell, len)) &&
		     !holds(c, f, &v, cell, len))) {
			st[i] = MLG_SCAN_CHECK;
			continue;
		}
		st[i] = MLG_SCAN_OK;
		/* the rest of the value, only where it is read */
		if (keys || vals)
			value_text(&v, f, cell, len);
		if (keys)
			keys[i] = mlg_value_word(&v, seed);
		if (vals)
			vals[i] = v;
	}
}

/* The copy of scan_kind() for f's fast path. */
__attribute__((always_inline)) static inline void
scan_field(struct mlg_cast_ctx *c, const struct mlg_field *f,
	   const struct mlg_csv_field *cells, size_t stride, size_t n,
	   unsigned char *st, uint64_t *keys, uint64_t seed,
	   struct mlg_value *vals)
{
#define SCAN(kind) scan_kind(c, f, kind, cells, stride, n, st, keys, seed, vals)
	switch (f->fast.kind) {
	case K_BYTES:
		SCAN(K_BYTES);
		break;
	case K_INT:
		SCAN(K_INT);
		break;
	case K_NUM:
		SCAN(K_NUM);
		break;
	case K_BOOL:
		SCAN(K_BOOL);
		break;
	case K_TEMPORAL:
		SCAN(K_TEMPORAL);
		break;
	default: /* K_GENERAL: every cell to mlg_field_check() */
		memset(st, MLG_SCAN_CHECK, n);
		break;
	}
#undef SCAN
}

/* Two copies: without `vals`, the validation's, no test per cell. */
void mlg_field_scan(struct mlg_cast_ctx *c, size_t field_index,
		    const struct mlg_csv_field *cells, size_t stride, size_t n,
		    unsigned char *st, uint64_t *keys, uint64_t seed,
		    struct mlg_value *vals)
{
	const struct mlg_field *f = &c->s->fields[field_index];

	if (vals)
		scan_field(c, f, cells, stride, n, st, keys, seed, vals);
	else
		scan_field(c, f, cells, stride, n, st, keys, seed, NULL);
}

/* --- compiling a field --- */

static int range_kind(const struct mlg_field *f)
{
	int k, real = 0, exact = 0;

	for (k = 0; k < 4; k++) {
		if (!(f->has & (MLG_C_MINIMUM << k)))
			continue;
		if (f->bound_real[k])
			real = 1;
		else
			exact = 1;
	}
	switch (f->type) {
	case MLG_T_NUMBER:
		return R_NUM;
	case MLG_T_INTEGER:
	case MLG_T_YEAR:
		/* As order(): real bounds compare as doubles, others exactly. */
		return real && exact ? R_SLOW : real ? R_NUM : R_INT;
	case MLG_T_DATE:
	case MLG_T_TIME:
	case MLG_T_DATETIME:
	case MLG_T_YEARMONTH:
		return R_INT;
	default:
		return R_SLOW;
	}
}

/*
 * The bounds of f as one inclusive range for in_range(): x > a is
 * x >= a + 1 for integers and x >= nextafter(a, +inf) for doubles. A
 * bound that nothing can pass (x > INT64_MAX, x > +inf, a NaN) empties
 * the range. Bound k is MLG_C_MINIMUM << k: minimum, maximum, then the
 * exclusive ones; the even ones are lower bounds.
 */
static void set_range(struct mlg_field *f)
{
	struct mlg_field_fast *x = &f->fast;
	int k, empty = 0;

	x->ilo = INT64_MIN;
	x->ihi = INT64_MAX;
	x->lo = -INFINITY;
	x->hi = INFINITY;
	for (k = 0; k < 4; k++) {
		int lower = !(k & 1), excl = k >= 2;
		int64_t i = f->bound[k].i;
		double d = f->bound[k].num;

		if (!(f->has & (MLG_C_MINIMUM << k)))
			continue;
		if (x->range == R_INT) {
			if (excl && i == (lower ? INT64_MAX : INT64_MIN)) {
				empty = 1;
				continue;
			}
			if (excl)
				i += lower ? 1 : -1;
			if (lower && i > x->ilo)
				x->ilo = i;
			if (!lower && i < x->ihi)
				x->ihi = i;
		} else if (x->range == R_NUM) {
			if (isnan(d) ||
			    (excl && d == (lower ? INFINITY : -INFINITY))) {
				empty = 1;
				continue;
			}
			if (excl)
				d = nextafter(d, lower ? INFINITY : -INFINITY);
			if (lower && d > x->lo)
				x->lo = d;
			if (!lower && d < x->hi)
				x->hi = d;
		}
	}
	if (empty) {
		x->ilo = INT64_MAX;
		x->ihi = INT64_MIN;
		x->lo = INFINITY;
		x->hi = -INFINITY;
	}
}

static int cast_kind(const struct mlg_field *f)
{
	int plain = f->bare_number && !f->group_char;

	switch (f->type) {
	case MLG_T_ANY:
		return K_BYTES;
	case MLG_T_STRING:
		return f->fmt == MLG_FMT_DEFAULT ? K_BYTES : K_GENERAL;
	case MLG_T_INTEGER:
		return plain ? K_INT : K_GENERAL;
	case MLG_T_NUMBER:
		return plain && f->decimal_char == '.' ? K_NUM : K_GENERAL;
	case MLG_T_BOOLEAN:
		return K_BOOL;
	case MLG_T_DATE:
	case MLG_T_TIME:
	case MLG_T_DATETIME:
		return K_TEMPORAL;
	default:
		return K_GENERAL;
	}
}

/* Put the enum values in x's slots, hashed with x->seed; returns the
 * probe steps past their first slots that finding them all takes. */
static size_t place_enums(struct enum_index *x, const struct mlg_field *f)
{
	size_t k, i, steps = 0;

	memset(x->slot, 0, (x->mask + 1) * sizeof(*x->slot));
	for (k = 0; k < f->nenum; k++) {
		enum_key(&x->keys[k], x, &f->enum_values[k]);
		for (i = x->keys[k].hash & x->mask; x->slot[i];
		     i = (i + 1) & x->mask)
			steps++;
		x->slot[i] = (uint32_t)k + 1;
	}
	return steps;
}

/*
 * Seeds tried for an enum of strings. A lookup whose probe stops at the
 * first slot for every value has no branch that data can mispredict, and
 * a small enum in a table a quarter full finds such a seed in a few tries.
 * A large one rarely has such a seed: it tries fewer, up to about 64 K
 * placements of a value in all, so loading a schema stays fast.
 */
#define ENUM_SEEDS	64
#define ENUM_PLACEMENTS 65536

static int compile_enums(struct mlg_field *f)
{
	struct enum_index *x;
	size_t n = f->nenum, slots = 4, k, steps, best;
	uint64_t seed, best_seed = 0;
	pcre2_match_data *md;
	char *p;

	if (!(f->has & MLG_C_ENUM) || f->type == MLG_T_OBJECT ||
	    f->type == MLG_T_ARRAY)
		return 0;
	while (slots < 4 * n)
		slots *= 2;
	/* One block: the index, its keys, its slots, the pattern results. */
	p = mlg_calloc(1, sizeof(*x) + n * sizeof(*x->keys) +
				  slots * sizeof(*x->slot) + n);
	x = (struct enum_index *)(void *)p;
	x->keys = (struct enum_key *)(void *)(p + sizeof(*x));
	x->slot = (uint32_t *)(void *)(x->keys + n);
	x->mask = slots - 1;
	x->bytes = f->type == MLG_T_STRING || f->type == MLG_T_ANY;
	f->fast.enums = x;
	best = place_enums(x, f);
	for (seed = 1; x->bytes && best && seed < ENUM_SEEDS &&
		       (seed + 1) * n <= ENUM_PLACEMENTS;
	     seed++) {
		x->seed = seed;
		steps = place_enums(x, f);
		if (steps < best) {
			best = steps;
			best_seed = seed;
		}
	}
	if (x->seed != best_seed) {
		x->seed = best_seed;
		place_enums(x, f);
	}
	if (!(f->has & MLG_C_PATTERN))
		return 0;
	x->pat = (signed char *)(x->slot + slots);
	md = pcre2_match_data_create(1, NULL);
	if (!md)
		return mlg_error_set(MLG_ERROR, "cannot allocate regex data");
	for (k = 0; k < n; k++) {
		const struct mlg_value *e = &f->enum_values[k];
		int r = pcre2_match(f->re, (PCRE2_SPTR)e->str, e->len, 0, 0, md,
				    NULL);

		x->pat[k] = r >= 0 ? 1 : r == PCRE2_ERROR_NOMATCH ? 0 : -1;
	}
	pcre2_match_data_free(md);
	return 0;
}

int mlg_field_compile(struct mlg_field *f, const struct mlg_schema *s)
{
	struct mlg_field_fast *x = &f->fast;
	size_t k, n;

	memset(x, 0, sizeof(*x));
	x->miss = f->has_missing ? f->missing : s->missing;
	x->nmiss = f->has_missing ? f->nmissing : s->nmissing;
	n = x->nmiss + f->ntrue + f->nfalse;
	x->lens = mlg_calloc(n + 1, sizeof(*x->lens));
	for (k = 0; k < x->nmiss; k++) {
		size_t len = strlen(x->miss[k]);

		x->lens[k] = len;
		if (len)
			x->miss_lens |= UINT64_C(1) << (len < 63 ? len : 63);
		else
			x->miss_empty = 1;
	}
	if (f->type == MLG_T_BOOLEAN) {
		x->true_len = x->lens + x->nmiss;
		x->false_len = x->true_len + f->ntrue;
		for (k = 0; k < f->ntrue; k++)
			x->true_len[k] = strlen(f->true_values[k]);
		for (k = 0; k < f->nfalse; k++)
			x->false_len[k] = strlen(f->false_values[k]);
	}
	x->range = range_kind(f);
	set_range(f);
	x->kind = cast_kind(f);
	return compile_enums(f);
}

void mlg_field_release_fast(struct mlg_field *f)
{
	free(f->fast.lens);
	free(f->fast.enums);
	memset(&f->fast, 0, sizeof(f->fast));
}

/* --- hashing --- */

static uint64_t hash_bytes(const char *s, size_t len, uint64_t h)
{
	const uint64_t k1 = UINT64_C(0x9e3779b97f4a7c15);
	const uint64_t k2 = UINT64_C(0xbf58476d1ce4e5b9);
	uint64_t w;

	h ^= len * k1;
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ (w * k1)) * k2;
		h ^= h >> 31;
	}
	w = 0;
	if (len)
		memcpy(&w, s, len);
	h = (h ^ (w * k1)) * k2;
	return mlg_mix64(h);
}

enum { H_NULL = 1, H_NUM, H_NAN, H_REAL, H_BYTES };

uint64_t mlg_value_hash(const struct mlg_value *v, uint64_t seed)
{
	uint64_t bits;
	double d;

	if (v->null)
		return mlg_mix64(seed ^ H_NULL);
	switch (v->type) {
	case MLG_T_INTEGER:
	case MLG_T_YEAR:
		return mlg_mix64(seed ^ mlg_mix64((uint64_t)v->i ^ H_NUM));
	case MLG_T_NUMBER:
		d = v->num;
		if (isnan(d))
			return mlg_mix64(seed ^ H_NAN);
		/* Integral values hash as the integer, so 1.0 meets 1. */
		if (d == trunc(d) && fabs(d) < 9.2e18)
			return mlg_mix64(
				seed ^ mlg_mix64((uint64_t)(int64_t)d ^ H_NUM));
		memcpy(&bits, &d, 8);
		return mlg_mix64(seed ^ mlg_mix64(bits ^ H_REAL));
	case MLG_T_BOOLEAN:
	case MLG_T_DATE:
	case MLG_T_TIME:
	case MLG_T_DATETIME:
	case MLG_T_YEARMONTH:
		return mlg_mix64(seed ^ mlg_mix64((uint64_t)v->i ^
						  ((uint64_t)v->type << 56)));
	case MLG_T_DURATION:
		return mlg_mix64(seed ^ mlg_mix64((uint64_t)v->i) ^
				 mlg_mix64((uint64_t)v->months ^ H_NUM));
	default:
		return hash_bytes(v->str, v->len, seed ^ H_BYTES);
	}
}

int mlg_value_equal(const struct mlg_value *a, const struct mlg_value *b)
{
	if (a->null || b->null)
		return a->null && b->null;
	if (numeric(a->type) && numeric(b->type)) {
		if (a->type != MLG_T_NUMBER && b->type != MLG_T_NUMBER)
			return a->i == b->i;
		if (isnan(a->num) || isnan(b->num))
			return isnan(a->num) && isnan(b->num);
		return a->num == b->num;
	}
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MLG_T_BOOLEAN:
	case MLG_T_DATE:
	case MLG_T_TIME:
	case MLG_T_DATETIME:
	case MLG_T_YEARMONTH:
		return a->i == b->i;
	case MLG_T_DURATION:
		return a->i == b->i && a->months == b->months;
	default:
		return a->len == b->len &&
		       (!a->len || !memcmp(a->str, b->str, a->len));
	}
}
