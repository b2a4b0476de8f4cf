/*
 * dateparse.h - the calendar, and YYYY-MM-DD, the most common temporal
 * cell, parsed inline
 *
 * Shared by the temporal casts (cast_time.c) and the column scans of
 * cast.c, which must give the very same days.
 */
#ifndef MLGATE_DATEPARSE_H
#define MLGATE_DATEPARSE_H

#include <stdint.h>

#include "mlgate/util.h"

static inline int mlg_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int mlg_month_days(int64_t y, int m)
{
	static const unsigned char n[] = {31, 28, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31};

	return m == 2 && mlg_leap_year(y) ? 29 : n[m - 1];
}

/* A day of the years 1 to 9999. */
static inline int mlg_valid_date(int64_t y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mlg_month_days(y, m);
}

/*
 * Days since 1970-01-01 of a valid date (Howard Hinnant's
 * days_from_civil), all unsigned: the divisions by constants become
 * multiplications.
 */
static inline int64_t mlg_days_small(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/* Each byte of w (those in `mask`) is an ASCII digit. */
static inline int mlg_all_digits(uint64_t w, uint64_t mask)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL & mask;
	const uint64_t three = 0x3030303030303030ULL & mask;

	/* 0x30-0x39: high nibble 3, and adding 6 keeps it 3 */
	return (w & hi) == three &&
	       ((w + (0x0606060606060606ULL & mask)) & hi) == three;
}

/*
 * YYYY-MM-DD in the 10 bytes at s, as days since 1970-01-01: 0, or -1
 * when it is not a valid date of the years 1 to 9999. Every byte is
 * tested at once, in two words.
 */
static inline int mlg_iso_date(int64_t *out, const char *s)
{
	/* bytes 4 and 7 are dashes, the others digits */
	const uint64_t dash_at = 0xff0000ff00000000ULL;
	const uint64_t dashes = 0x2d00002d00000000ULL;
	uint64_t w = mlg_load_le64(s), t;
	unsigned y, m, d;

	t = (uint64_t)(unsigned char)s[8] | (uint64_t)(unsigned char)s[9] << 8;
	if ((w & dash_at) != dashes || !mlg_all_digits(w, ~dash_at) ||
	    !mlg_all_digits(t, 0xffff))
		return -1;
	w -= 0x3030303030303030ULL & ~dash_at;
	t -= 0x3030;
	y = (unsigned)(w & 0xff) * 1000 + (unsigned)(w >> 8 & 0xff) * 100 +
	    (unsigned)(w >> 16 & 0xff) * 10 + (unsigned)(w >> 24 & 0xff);
	m = (unsigned)(w >> 40 & 0xff) * 10 + (unsigned)(w >> 48 & 0xff);
	d = (unsigned)(t & 0xff) * 10 + (unsigned)(t >> 8);
	if (!mlg_valid_date(y, (int)m, (int)d))
		return -1;
	*out = mlg_days_small(y, m, d);
	return 0;
}

#endif
