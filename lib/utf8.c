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

/* Whether the 32 bytes at s are ASCII: one test for four words. */
static inline int ascii32(const char *s)
{
	uint64_t w[4];

	memcpy(w, s, sizeof(w));
	return !((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL);
}

size_t mlg_utf8_valid_prefix(const char *s, size_t len)
{
	size_t i = 0, n;
	uint64_t w;
	uint32_t cp;

	while (i < len) {
		if (len - i >= 32 && ascii32(s + i)) {
			i += 32;
			continue;
		}
		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		if (!((unsigned char)s[i] & 0x80)) {
			i++;
			continue;
		}
		n = mlg_utf8_decode(&cp, s + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
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
