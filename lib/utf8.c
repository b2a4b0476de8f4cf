/* utf8.c - UTF-8 validation and repair */
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/utf8.h"

size_t mlg_utf8_decode(uint32_t *cp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	size_t n, i;

	if (!len)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/*
 * Whether the `n` words at s are ASCII: for `text`, also without NUL.
 * One test for all of them.
 */
static inline int plain_words(const char *s, size_t n, int text)
{
	uint64_t w, any = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		memcpy(&w, s + 8 * k, 8);
		any |= text ? mlg_utf8_odd_bytes(w) : w;
	}
	return !(any & 0x8080808080808080ULL);
}

/*
 * Valid UTF-8 from i, at least to `end` (past it when a sequence crosses
 * it), for `text` also without NUL: 32 or 8 bytes of ASCII at a time,
 * other sequences decoded. The position reached: below `end` where an
 * invalid sequence (or, for text, a NUL) starts.
 */
static inline size_t valid_run(const char *s, size_t len, size_t i, size_t end,
			       int text)
{
	uint32_t cp;
	size_t n;

	while (i < end) {
		if (end - i >= 32 && plain_words(s + i, 4, text)) {
			i += 32;
		} else if (end - i >= 8 && plain_words(s + i, 1, text)) {
			i += 8;
		} else if ((unsigned char)s[i] - (unsigned)text <
			   0x80u - (unsigned)text) {
			i++;
		} else {
			/* a NUL here is text's: other ASCII went above */
			n = mlg_utf8_decode(&cp, s + i, len - i);
			if (!n || !cp)
				return i;
			i += n;
		}
	}
	return i;
}

size_t mlg_utf8_valid_prefix(const char *s, size_t len)
{
	return valid_run(s, len, 0, len, 0);
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* The 64 bytes at s as masks, bit k for byte k. */
struct classes {
	uint64_t high; /* 0x80 and above */
	uint64_t cont; /* 0x80-0xbf: continuation bytes */
	uint64_t lead; /* 0xc2-0xdf: the first of two bytes */
	uint64_t nul;
};

static inline uint64_t mask16(__m128i v, int k)
{
	return (uint64_t)(uint32_t)_mm_movemask_epi8(v) << (16 * k);
}

/* 0 when the 64 bytes at s are ASCII without NUL (one test), else 1
 * and their classes. */
static inline int classify(struct classes *c, const char *s)
{
	const __m128i *p = (const __m128i *)(const void *)s;
	/* as signed bytes: 0x80-0xbf is below -64, 0xc2-0xdf in -62..-33 */
	const __m128i c0 = _mm_set1_epi8(-64), c2 = _mm_set1_epi8(-63);
	const __m128i e0 = _mm_set1_epi8(-32), z = _mm_setzero_si128();
	__m128i v[4], any = z;
	int k;

	for (k = 0; k < 4; k++) {
		v[k] = _mm_loadu_si128(p + k);
		any = _mm_or_si128(any,
				   _mm_or_si128(v[k], _mm_cmpeq_epi8(v[k], z)));
	}
	if (!_mm_movemask_epi8(any))
		return 0;
	memset(c, 0, sizeof(*c));
	for (k = 0; k < 4; k++) {
		c->high |= mask16(v[k], k);
		c->cont |= mask16(_mm_cmplt_epi8(v[k], c0), k);
		c->lead |= mask16(_mm_and_si128(_mm_cmpgt_epi8(v[k], c2),
						_mm_cmplt_epi8(v[k], e0)),
				  k);
		c->nul |= mask16(_mm_cmpeq_epi8(v[k], z), k);
	}
	return 1;
}
#endif

/*
 * 64 bytes at a time. A block of ASCII and two-byte sequences (Latin
 * text), where each continuation byte follows a lead byte, a lead ending
 * the block before included, is valid: one test. Others, and the tail,
 * go through text_run().
 */
int mlg_utf8_text(const char *s, size_t len)
{
	size_t i = 0;
#if defined(__SSE2__)
	size_t end;
	struct classes c;
	uint64_t carry = 0; /* the block before ended with a lead byte */

	while (len - i >= 64) {
		if (!classify(&c, s + i)) {
			if (carry)
				break; /* a lead byte, then ASCII */
			i += 64;
			continue;
		}
		if (!c.nul && !(c.high & ~(c.cont | c.lead)) &&
		    c.cont == (c.lead << 1 | carry)) {
			carry = c.lead >> 63;
			i += 64;
			continue;
		}
		/* from the sequence that began in the block before */
		end = i + 64;
		if ((i = valid_run(s, len, i - carry, end, 1)) < end)
			return 0;
		carry = 0;
	}
	i -= carry;
#endif
	return valid_run(s, len, i, len, 1) == len;
}

size_t mlg_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = max;

	if (len <= max)
		return len;
	/* back over at most 3 continuation bytes, to a lead byte */
	while (n && max - n < 3 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	/* not a lead byte there: an invalid sequence, which repair shows */
	return (unsigned char)s[n] >= 0xc0 ? n : max;
}

int mlg_utf8_show(struct mlg_buf *out, const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = mlg_utf8_cut(s, len, max), i = 0, k;
	uint32_t cp;
	int rc = 0;

	while (i < n && !rc) {
		k = u[i] < 0x80 ? (size_t)(u[i] >= 0x20 && u[i] != 0x7f)
				: mlg_utf8_decode(&cp, s + i, n - i);
		/* C1 controls are valid UTF-8, but as unsafe as C0 ones */
		if (k && u[i] >= 0x80 && cp < 0xa0)
			k = 0;
		if (k) {
			rc = mlg_buf_add(out, s + i, k);
			i += k;
		} else {
			rc = mlg_buf_addf(out, "\\x%02x", u[i++]);
		}
	}
	return !rc && n < len ? mlg_buf_adds(out, "...") : rc;
}

int mlg_utf8_show_but(struct mlg_buf *out, const char *s, const char *special,
		      int (*esc)(struct mlg_buf *out, const char *s,
				 const char *at))
{
	const char *p = s;
	size_t n;
	int rc = 0;

	while (*p && !rc) {
		n = strcspn(p, special);
		rc = mlg_utf8_show(out, p, n, n);
		p += n;
		if (!rc && *p)
			rc = esc(out, s, p++);
	}
	return rc;
}

size_t mlg_utf8_count(const char *s, size_t len)
{
	size_t i, n = 0;

	/* Code points are the bytes that start one. */
	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

size_t mlg_utf8_length(const char *s, size_t len)
{
	size_t i, n = 0, step;
	uint32_t cp;

	if (mlg_utf8_valid(s, len))
		return mlg_utf8_count(s, len);
	for (i = 0; i < len; i += step, n++) {
		step = mlg_utf8_decode(&cp, s + i, len - i);
		if (!step)
			step = 1;
	}
	return n;
}

int mlg_utf8_repair(struct mlg_buf *out, const char *s, size_t len)
{
	size_t i = 0, ok;
	int rc;

	while (i < len) {
		ok = mlg_utf8_valid_prefix(s + i, len - i);
		if ((rc = mlg_buf_add(out, s + i, ok)))
			return rc;
		i += ok;
		if (i < len) {
			if ((rc = mlg_buf_adds(out, "\xEF\xBF\xBD")))
				return rc;
			i++;
		}
	}
	return 0;
}
