/* test_utf8.c - UTF-8 validation */
#include <stdint.h>
#include <string.h>

#include "mlgate/utf8.h"
#include "test.h"

/*
 * RFC 3629 written out plainly, byte by byte: the length of the valid
 * prefix of <s, n>, and in *nul whether that prefix holds a NUL.
 */
static size_t ref_prefix(const unsigned char *s, size_t n, int *nul)
{
	size_t i = 0, k, len;
	uint32_t c;

	*nul = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			*nul |= !s[i++];
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, c = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, c = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, c = s[i] & 0x07;
		else
			return i;
		if (n - i < len)
			return i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

static void test_exact(void)
{
	char block[70];

	T_EQ_INT(mlg_utf8_text("", 0), 1);
	T_EQ_INT(mlg_utf8_text("caf\xc3\xa9", 5), 1);
	T_EQ_INT(mlg_utf8_text("a\0b", 3), 0);
	T_EQ_INT(mlg_utf8_text("\xc3", 1), 0);
	T_EQ_INT(mlg_utf8_text("\xe0\x80\xaf", 3), 0);	   /* overlong */
	T_EQ_INT(mlg_utf8_text("\xed\xa0\x80", 3), 0);	   /* surrogate */
	T_EQ_INT(mlg_utf8_text("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	T_EQ_INT(mlg_utf8_text("\xf0\x9f\x98\x80", 4), 1);
	T_EQ_INT(mlg_utf8_valid_prefix("ab\xc3\xa9\xff", 5), 4);
	/* a sequence across the end of a 64-byte block, then cut short */
	memset(block, 'x', sizeof(block));
	memcpy(block + 63, "\xe2\x82\xac", 3);
	T_EQ_INT(mlg_utf8_text(block, 70), 1);
	T_EQ_INT(mlg_utf8_text(block, 65), 0);
	block[69] = 0;
	T_EQ_INT(mlg_utf8_text(block, 70), 0);
	T_EQ_INT(mlg_utf8_text(block, 69), 1);
}

/*
 * Buffers of 0 to 200 bytes, ASCII but for one piece, valid or not, at
 * every place, so at every place in a word and a 64-byte block, and
 * over their ends: the answers are the plain validator's.
 */
static void test_every_place(void)
{
	static const char *const pieces[] = {
		"\xc3\xa9",
		"\xe2\x82\xac",
		"\xf0\x9f\x98\x80",
		"\x80",
		"\xc0\xaf",
		"\xc3",
		"\xe2\x82",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\xf8\x88\x80\x80",
		"\xff",
		"\0",
		"\xc3\xa9\0",
		"\xef\xbb\xbf\x7f",
		"\xe0\xa0\x80",
	};
	unsigned char buf[220];
	size_t n, at, k, plen, bad = 0, cases = 0, two;
	int nul;

	/* and again with a valid sequence after the piece, in another block */
	for (two = 0; two < 2; two++)
		for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			plen = k == 11 ? 1 : k == 12 ? 3 : strlen(pieces[k]);
			for (n = 0; n <= 200; n++) {
				for (at = 0; at <= n; at++) {
					size_t m =
						at + plen < n ? n : at + plen;
					size_t want;

					if (two && (at + plen > 150 || m < 152))
						continue;
					memset(buf, 'a' + (int)(at % 26), m);
					memcpy(buf + at, pieces[k], plen);
					if (two)
						memcpy(buf + 150, "\xc3\xa9",
						       2);
					want = ref_prefix(buf, m, &nul);
					bad += mlg_utf8_valid_prefix(
						       (char *)buf, m) != want;
					bad += mlg_utf8_text((char *)buf, m) !=
					       (want == m && !nul);
					cases++;
				}
			}
		}
	T_EQ_INT(bad, 0);
	T_EQ_INT(cases, 15 * 20301 + 109123); /* the second pass: fewer */
}

MLG_TESTS(T(test_exact), T(test_every_place))
