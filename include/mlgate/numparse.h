/*
 * numparse.h - the plain forms most numeric cells take, parsed inline
 *
 * Shared by the casts (cast.c) and the profiler (profile.c), which must
 * give the very same values: both try these first and leave every other
 * form to the full cast (mlg_field_cast()).
 */
#ifndef MLGATE_NUMPARSE_H
#define MLGATE_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/* The powers of ten a double holds exactly. */
static const double mlg_p10[] = {1e0,  1e1,  1e2,  1e3,	 1e4,  1e5,  1e6,  1e7,
				 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * The common integer: [+-] and 1 to 18 digits, which cannot overflow, so
 * no per-digit limit check. Returns 1, or 0 to leave the cell (valid or
 * not) to the full cast.
 */
static inline int mlg_short_int(int64_t *out, const char *s, size_t len)
{
	const char *e = s + len;
	uint64_t acc = 0;
	unsigned d;
	int neg = 0;

	if (s < e && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (s == e || e - s > 18)
		return 0;
	for (; s < e; s++) {
		d = (unsigned char)*s - '0';
		if (d > 9)
			return 0;
		acc = acc * 10 + d;
	}
	*out = neg ? -(int64_t)acc : (int64_t)acc;
	return 1;
}

/*
 * The common case of a default number: [+-] digits [. digits], at most 19
 * digits in all. Clinger's fast path when the digits fit in a double and
 * the scale is a power of ten that a double holds exactly: one correctly
 * rounded division, the very result cast_number() would give. Returns 0,
 * or -1 to leave the cell (valid or not) to the full cast.
 */
static inline int mlg_plain_number(double *out, const char *s, size_t len)
{
	const char *p = s, *e = s + len, *dot;
	uint64_t m = 0;
	size_t n, digits, frac = 0;
	unsigned d;
	int neg = 0;

	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	n = (size_t)(e - p);
	if (n > 20)
		return -1;
	/* m may wrap on 20 digits; the count below then refuses it. */
	for (; p < e && (d = (unsigned char)*p - '0') <= 9; p++)
		m = m * 10 + d;
	dot = p;
	if (p < e && *p == '.') {
		for (p++; p < e && (d = (unsigned char)*p - '0') <= 9; p++)
			m = m * 10 + d;
		frac = (size_t)(p - dot) - 1;
	}
	digits = n - (dot < e);
	if (p != e || !digits || digits > 19 || m > (UINT64_C(1) << 53))
		return -1;
	*out = frac ? (double)m / mlg_p10[frac] : (double)m;
	if (neg)
		*out = -*out;
	return 0;
}

#endif
