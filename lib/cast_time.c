/*
 * cast_time.c - dates, times, datetimes and durations, parsed by hand
 *
 * strptime(3) depends on the locale and allocates nothing but is slow and
 * lenient in platform-specific ways; these parsers are exact, fast and the
 * same everywhere.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mlgate/dateparse.h"
#include "mlgate/schema.h"

#define US_PER_S   INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_S)

/* Howard Hinnant's days_from_civil: exact for any proleptic year. */
int64_t mlg_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at s. */
static int fixed(int *out, const char *s, int n)
{
	int v = 0, k;

	for (k = 0; k < n; k++) {
		if (!isdig(s[k]))
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return 0;
}

/* Between min and max digits at *p (before end); advances *p. */
static int digits(int *out, const char **p, const char *end, int min, int max)
{
	const char *s = *p;
	int v = 0, n = 0;

	while (s < end && n < max && isdig(*s)) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	if (n < min)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

/* ".f" fraction: any number of digits, kept to microseconds. */
static int fraction(int *us, const char **p, const char *end)
{
	const char *s = *p;
	int v = 0, n = 0;

	if (s >= end || *s != '.')
		return 0;
	s++;
	if (s >= end || !isdig(*s))
		return -1;
	while (s < end && isdig(*s)) {
		if (n < 6) {
			v = v * 10 + (*s - '0');
			n++;
		}
		s++;
	}
	for (; n < 6; n++)
		v *= 10;
	*us = v;
	*p = s;
	return 0;
}

/* Z or +-hh:mm (colon optional when `loose`), as seconds east of UTC. */
static int zone(int *off, const char **p, const char *end, int loose)
{
	const char *s = *p;
	int h, m, sign;

	if (s < end && *s == 'Z') {
		*off = 0;
		*p = s + 1;
		return 0;
	}
	if (s >= end || (*s != '+' && *s != '-'))
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (end - s < 4 || fixed(&h, s, 2))
		return -1;
	s += 2;
	if (*s == ':')
		s++;
	else if (!loose)
		return -1;
	if (end - s < 2 || fixed(&m, s, 2))
		return -1;
	s += 2;
	if (h > 14 || m > 59 || (h == 14 && m))
		return -1;
	*off = sign * (h * 3600 + m * 60);
	*p = s;
	return 0;
}

static inline int64_t clock_us(int h, int m, int sec, int us)
{
	return ((int64_t)h * 3600 + m * 60 + sec) * US_PER_S + us;
}

/* hh:mm:ss[.f] at *p; microseconds of the day. */
static int iso_time(int64_t *out, const char **p, const char *end)
{
	const char *s = *p;
	int h, m, sec, us = 0;

	if (end - s < 8 || s[2] != ':' || s[5] != ':' || fixed(&h, s, 2) ||
	    fixed(&m, s + 3, 2) || fixed(&sec, s + 6, 2) || h > 23 || m > 59 ||
	    sec > 59)
		return -1;
	s += 8;
	if (fraction(&us, &s, end))
		return -1;
	*out = clock_us(h, m, sec, us);
	*p = s;
	return 0;
}

/*
 * hh:mm:ss[.f][zone] from p to end, as microseconds from midnight UTC of
 * that day (not wrapped: a zone may move it out of the day).
 */
static inline int iso_clock(int64_t *out, const char *p, const char *end)
{
	int64_t tod;
	int off = 0;

	if (iso_time(&tod, &p, end) || (p < end && zone(&off, &p, end, 0)) ||
	    p != end)
		return -1;
	*out = tod - off * US_PER_S;
	return 0;
}

static int64_t wrap_day(int64_t us)
{
	us %= US_PER_DAY;
	return us < 0 ? us + US_PER_DAY : us;
}

static int default_form(int64_t *out, enum mlg_ftype type, const char *s,
			size_t len)
{
	int64_t days, tod;

	switch (type) {
	case MLG_T_DATE:
		return len == 10 ? mlg_iso_date(out, s) : -1;
	case MLG_T_TIME:
		if (iso_clock(&tod, s, s + len))
			return -1;
		*out = wrap_day(tod);
		return 0;
	case MLG_T_DATETIME:
		if (len < 19 || s[10] != 'T' || mlg_iso_date(&days, s) ||
		    iso_clock(&tod, s + 11, s + len))
			return -1;
		*out = days * US_PER_DAY + tod;
		return 0;
	default:
		return -1;
	}
}

/* --- format "any" --- */

static int any_date(int64_t *out, const char **p, const char *end)
{
	const char *s = *p;
	int y, m, d;
	char sep;

	if (end - s < 8 || fixed(&y, s, 4))
		return -1;
	s += 4;
	sep = *s;
	if (sep != '-' && sep != '/' && sep != '.')
		return -1;
	s++;
	if (digits(&m, &s, end, 1, 2) || s >= end || *s != sep)
		return -1;
	s++;
	if (digits(&d, &s, end, 1, 2) || !mlg_valid_date(y, m, d))
		return -1;
	*out = mlg_days_from_civil(y, m, d);
	*p = s;
	return 0;
}

static int any_time(int64_t *out, int *off, const char **p, const char *end)
{
	const char *s = *p;
	int h, m, sec = 0, us = 0;

	if (digits(&h, &s, end, 1, 2) || s >= end || *s++ != ':' ||
	    end - s < 2 || fixed(&m, s, 2))
		return -1;
	s += 2;
	if (s < end && *s == ':') {
		s++;
		if (end - s < 2 || fixed(&sec, s, 2))
			return -1;
		s += 2;
		if (fraction(&us, &s, end))
			return -1;
	}
	if (end - s >= 3 && s[0] == ' ' && (s[2] == 'M' || s[2] == 'm')) {
		int c = s[1] | 0x20;

		if ((c != 'a' && c != 'p') || h < 1 || h > 12)
			return -1;
		h = h % 12 + (c == 'p' ? 12 : 0);
		s += 3;
	}
	if (h > 23 || m > 59 || sec > 59)
		return -1;
	*off = 0;
	if (s < end && zone(off, &s, end, 1))
		return -1;
	*out = clock_us(h, m, sec, us);
	*p = s;
	return 0;
}

static int any_form(int64_t *out, enum mlg_ftype type, const char *s,
		    size_t len)
{
	const char *p = s, *end = s + len;
	int64_t days = 0, tod = 0;
	int off = 0;

	if (type == MLG_T_DATE || type == MLG_T_DATETIME) {
		if (any_date(&days, &p, end))
			return -1;
		if (type == MLG_T_DATETIME) {
			if (p >= end || (*p != 'T' && *p != ' '))
				return -1;
			p++;
			if (any_time(&tod, &off, &p, end))
				return -1;
		}
	} else if (any_time(&tod, &off, &p, end)) {
		return -1;
	}
	if (p != end)
		return -1;
	if (type == MLG_T_DATE)
		*out = days;
	else if (type == MLG_T_TIME)
		*out = wrap_day(tod - off * US_PER_S);
	else
		*out = days * US_PER_DAY + tod - off * US_PER_S;
	return 0;
}

/* --- strptime patterns --- */

static const char *const month_names[] = {
	"january", "february", "march",	    "april",   "may",	   "june",
	"july",	   "august",   "september", "october", "november", "december"};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* An English month name (full when `full`, else 3 letters). */
static int month_name(int *out, const char **p, const char *end, int full)
{
	size_t k, n, j;

	for (k = 0; k < 12; k++) {
		n = full ? strlen(month_names[k]) : 3;
		if ((size_t)(end - *p) < n)
			continue;
		for (j = 0; j < n; j++)
			if (lower((*p)[j]) != month_names[k][j])
				break;
		if (j == n) {
			*out = (int)k + 1;
			*p += n;
			return 0;
		}
	}
	return -1;
}

const char *mlg_strptime_invalid(const char *pattern)
{
	const char *p;

	for (p = pattern; *p; p++) {
		if (*p != '%')
			continue;
		if (!p[1] || !strchr("YmdHMSybBjfzpI%", p[1]))
			return p;
		p++;
	}
	return NULL;
}

struct tmv {
	int year, mon, mday, yday, hour, min, sec, us, off, pm, h12;
	int has_yday, has_pm, has_h12;
};

static int strp(struct tmv *t, const char *fmt, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int v;

	memset(t, 0, sizeof(*t));
	t->year = 1900;
	t->mon = t->mday = 1;
	for (; *fmt; fmt++) {
		if (*fmt == ' ') {
			if (p >= end || *p != ' ')
				return -1;
			while (p < end && *p == ' ')
				p++;
			continue;
		}
		if (*fmt != '%') {
			if (p >= end || *p++ != *fmt)
				return -1;
			continue;
		}
		switch (*++fmt) {
		case 'Y':
			if (digits(&t->year, &p, end, 4, 4))
				return -1;
			break;
		case 'y':
			if (digits(&v, &p, end, 2, 2))
				return -1;
			t->year = v < 69 ? 2000 + v : 1900 + v;
			break;
		case 'm':
			if (digits(&t->mon, &p, end, 1, 2))
				return -1;
			break;
		case 'd':
			if (digits(&t->mday, &p, end, 1, 2))
				return -1;
			break;
		case 'H':
			if (digits(&t->hour, &p, end, 1, 2))
				return -1;
			break;
		case 'I':
			if (digits(&t->h12, &p, end, 1, 2) || t->h12 < 1 ||
			    t->h12 > 12)
				return -1;
			t->has_h12 = 1;
			break;
		case 'M':
			if (digits(&t->min, &p, end, 1, 2))
				return -1;
			break;
		case 'S':
			if (digits(&t->sec, &p, end, 1, 2))
				return -1;
			break;
		case 'j':
			if (digits(&t->yday, &p, end, 1, 3) || t->yday < 1)
				return -1;
			t->has_yday = 1;
			break;
		case 'f': {
			const char *b = p;

			if (digits(&t->us, &p, end, 1, 6))
				return -1;
			for (v = (int)(p - b); v < 6; v++)
				t->us *= 10;
			break;
		}
		case 'b':
		case 'B':
			if (month_name(&t->mon, &p, end, *fmt == 'B'))
				return -1;
			break;
		case 'p':
			if (end - p < 2 || lower(p[1]) != 'm' ||
			    (lower(p[0]) != 'a' && lower(p[0]) != 'p'))
				return -1;
			t->pm = lower(p[0]) == 'p';
			t->has_pm = 1;
			p += 2;
			break;
		case 'z':
			if (zone(&t->off, &p, end, 1))
				return -1;
			break;
		case '%':
			if (p >= end || *p++ != '%')
				return -1;
			break;
		default:
			return -1; /* refused at load; never reached */
		}
	}
	if (p != end)
		return -1;
	if (t->has_h12)
		t->hour = t->h12 % 12 + (t->pm ? 12 : 0);
	if (t->hour > 23 || t->min > 59 || t->sec > 59)
		return -1;
	if (t->year < 1 || t->mon < 1 || t->mon > 12)
		return -1;
	if (t->has_yday) {
		if (t->yday > (mlg_leap_year(t->year) ? 366 : 365))
			return -1;
		for (t->mon = 1, v = t->yday;
		     v > mlg_month_days(t->year, t->mon); t->mon++)
			v -= mlg_month_days(t->year, t->mon);
		t->mday = v;
	}
	return mlg_valid_date(t->year, t->mon, t->mday) ? 0 : -1;
}

static int pattern_form(int64_t *out, enum mlg_ftype type, const char *fmt,
			const char *s, size_t len)
{
	struct tmv t;
	int64_t tod;

	if (strp(&t, fmt, s, len))
		return -1;
	tod = clock_us(t.hour, t.min, t.sec, t.us);
	/* As Python's .date() and .time(): the zone only moves a datetime. */
	if (type == MLG_T_DATE)
		*out = mlg_days_from_civil(t.year, t.mon, t.mday);
	else if (type == MLG_T_TIME)
		*out = tod;
	else
		*out = mlg_days_from_civil(t.year, t.mon, t.mday) * US_PER_DAY +
		       tod - t.off * US_PER_S;
	return 0;
}

int mlg_cast_temporal(int64_t *out, enum mlg_ftype type, enum mlg_fformat fmt,
		      const char *pattern, const char *s, size_t len)
{
	if (fmt == MLG_FMT_PATTERN)
		return pattern_form(out, type, pattern, s, len);
	if (default_form(out, type, s, len) == 0)
		return 0;
	if (fmt == MLG_FMT_ANY)
		return any_form(out, type, s, len);
	return -1;
}

/* --- durations --- */

int mlg_cast_duration(int64_t *months, int64_t *us, const char *s, size_t len)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	static const int64_t time_us[] = {3600 * US_PER_S, 60 * US_PER_S,
					  US_PER_S};
	const char *p = s, *end = s + len, *u;
	int64_t m = 0, t = 0, n, part;
	int neg = 0, any = 0, in_time = 0, frac = 0, has_frac, last = -1;
	const char *units;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p++ != 'P' || p >= end)
		return -1;
	while (p < end) {
		if (*p == 'T') {
			if (in_time || ++p >= end)
				return -1;
			in_time = 1;
			last = -1;
			continue;
		}
		if (!isdig(*p))
			return -1;
		for (n = 0; p < end && isdig(*p); p++)
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, *p - '0', &n))
				return -1;
		frac = 0;
		has_frac = in_time && p < end && *p == '.';
		if (has_frac && fraction(&frac, &p, end))
			return -1;
		if (p >= end || !*p)
			return -1;
		units = in_time ? time_units : date_units;
		u = strchr(units, *p);
		if (!u || (int)(u - units) <= last)
			return -1;
		last = (int)(u - units);
		if (has_frac && *p != 'S')
			return -1;
		p++;
		any = 1;
		if (!in_time) {
			if (last == 2) {
				if (__builtin_mul_overflow(n, US_PER_DAY,
							   &part) ||
				    __builtin_add_overflow(t, part, &t))
					return -1;
			} else if (__builtin_mul_overflow(n, last ? 1 : 12,
							  &part) ||
				   __builtin_add_overflow(m, part, &m)) {
				return -1;
			}
		} else if (__builtin_mul_overflow(n, time_us[last], &part) ||
			   __builtin_add_overflow(t, part, &t) ||
			   __builtin_add_overflow(t, frac, &t)) {
			return -1;
		}
	}
	/* Beyond 10^12 years the reference-date comparison could overflow. */
	if (!any || last < 0 || m > INT64_C(12000000000000))
		return -1;
	*months = neg ? -m : m;
	*us = neg ? -t : t;
	return 0;
}

/* Day 1 of month `m` (months since year 0), plus `us`, in microseconds. */
static inline __int128 month_us(int64_t m, int64_t us)
{
	/* Casts keep month counts far from overflow (10^12 years). */
	return (__int128)mlg_days_from_civil(m / 12 - (m % 12 < 0),
					     (int)((m % 12 + 12) % 12) + 1, 1) *
		       US_PER_DAY +
	       us;
}

/*
 * XML Schema's order: compare the two durations added to four reference
 * datetimes. The references are all on day 1, so adding months never
 * needs the end-of-month clamp.
 */
unsigned mlg_duration_order(int64_t m1, int64_t us1, int64_t m2, int64_t us2)
{
	static const int ref[4][2] = {
		{1696, 9}, {1697, 2}, {1903, 3}, {1903, 7}};
	unsigned mask = 0;
	int k;

	for (k = 0; k < 4; k++) {
		int64_t a = ref[k][0] * INT64_C(12) + ref[k][1] - 1;
		__int128 x = month_us(a + m1, us1), y = month_us(a + m2, us2);

		mask |= x < y	? MLG_ORDER_LT
			: x > y ? MLG_ORDER_GT
				: MLG_ORDER_EQ;
	}
	return mask;
}

int mlg_duration_cmp(int64_t m1, int64_t us1, int64_t m2, int64_t us2)
{
	switch (mlg_duration_order(m1, us1, m2, us2)) {
	case MLG_ORDER_LT:
		return -1;
	case MLG_ORDER_EQ:
		return 0;
	case MLG_ORDER_GT:
		return 1;
	default:
		return 2;
	}
}
