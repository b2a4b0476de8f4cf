/* test_utf8.c - UTF-8 validation */
#include <stdint.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"
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

/* Both validators on buf[0 .. m) against ref_prefix(): the answers
 * that differ. */
static int mismatches(const unsigned char *buf, size_t m)
{
	int nul;
	size_t want = ref_prefix(buf, m, &nul);

	return (mlg_utf8_valid_prefix((const char *)buf, m) != want) +
	       (mlg_utf8_text((const char *)buf, m) != (want == m && !nul));
}

/*
 * The piece at every place of ASCII buffers of 0 to 200 bytes; with
 * `then`, only where a valid two-byte sequence fits after it at byte
 * 150, in a later block. Counts the buffers in *cases.
 */
static size_t place_everywhere(const char *piece, size_t plen, int then,
			       size_t *cases)
{
	unsigned char buf[220];
	size_t n, at, m, bad = 0;

	for (n = 0; n <= 200; n++) {
		for (at = 0; at <= n; at++) {
			m = at + plen < n ? n : at + plen;
			if (then && (at + plen > 150 || m < 152))
				continue;
			memset(buf, 'a' + (int)(at % 26), m);
			memcpy(buf + at, piece, plen);
			if (then)
				memcpy(buf + 150, "\xc3\xa9", 2);
			bad += (size_t)mismatches(buf, m);
			(*cases)++;
		}
	}
	return bad;
}

#define PIECE(s)                                                               \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/*
 * Buffers of 0 to 200 bytes, ASCII but for one piece, valid or not, at
 * every place, so at every place in a word and a 64-byte block, and
 * over their ends, and again with a valid sequence after the piece: the
 * answers are the plain validator's.
 */
static void test_every_place(void)
{
	static const struct {
		const char *s;
		size_t n;
	} pieces[] = {
		PIECE("\xc3\xa9"),
		PIECE("\xe2\x82\xac"),
		PIECE("\xf0\x9f\x98\x80"),
		PIECE("\x80"),
		PIECE("\xc0\xaf"),
		PIECE("\xc3"),
		PIECE("\xe2\x82"),
		PIECE("\xed\xa0\x80"),
		PIECE("\xf4\x90\x80\x80"),
		PIECE("\xf8\x88\x80\x80"),
		PIECE("\xff"),
		PIECE("\0"),
		PIECE("\xc3\xa9\0"),
		PIECE("\xef\xbb\xbf\x7f"),
		PIECE("\xe0\xa0\x80"),
	};
	size_t k, bad = 0, cases = 0;
	int then;

	for (then = 0; then < 2; then++)
		for (k = 0; k < MLG_ARRAY_SIZE(pieces); k++)
			bad += place_everywhere(pieces[k].s, pieces[k].n, then,
						&cases);
	T_EQ_INT(bad, 0);
	T_EQ_INT(cases, 15 * 20301 + 109123); /* the second pass: fewer */
}

/* Code points; each byte of a bad sequence one. */
static void test_length(void)
{
	T_EQ_INT(mlg_utf8_length("", 0), 0);
	T_EQ_INT(mlg_utf8_length("abc", 3), 3);
	T_EQ_INT(mlg_utf8_length("\xc3\xa9", 2), 1); /* one code point */
	T_EQ_INT(mlg_utf8_length("\xff\xfe", 2), 2); /* two bad bytes */
	T_EQ_INT(mlg_utf8_length("a\0b", 3), 3);     /* NUL counts */
	T_EQ_INT(mlg_utf8_length("\xe2\x82", 2), 2); /* cut short */
	T_EQ_INT(mlg_utf8_length("x\xf0\x9f\x98\x80", 5), 2); /* emoji */
	T_EQ_INT(mlg_utf8_length("\xc3\xa9\xff", 3), 2); /* valid, then not */
}

/* A cut never splits a valid character; an invalid one it may. */
static void test_cut(void)
{
	static const struct {
		const char *s;
		size_t max, want;
	} t[] = {
		{"abc", 3, 3},
		{"abcd", 3, 3},
		{"ab\xc3\xa9", 3, 2}, /* before the é */
		{"ab\xc3\xa9", 4, 4}, /* it fits */
		{"a\xf0\x9f\x98\x80"
		 "b",
		 2, 1}, /* emoji: back 1 */
		{"a\xf0\x9f\x98\x80"
		 "b",
		 4, 1}, /* back 3 */
		{"a\xf0\x9f\x98\x80"
		 "b",
		 5, 5},			     /* after it */
		{"a\x80\x80\x80\x80", 4, 4}, /* no lead byte: as it is */
		{"ab\x80\x80", 3, 3},	     /* continuation after ASCII */
		{"\xc3\xa9", 0, 0},
		{"\xc3\xa9", 1, 0},
	};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(t); i++)
		T_EQ_INT(mlg_utf8_cut(t[i].s, strlen(t[i].s), t[i].max),
			 t[i].want);
}

/* Shown: printable text as it is, every other byte as \xNN, cut whole. */
static void test_show(void)
{
	static const struct {
		const char *s;
		size_t max;
		const char *want;
	} t[] = {
		{"a b~", 9, "a b~"},
		{"\t\n\x1b[1m\x7f", 9, "\\x09\\x0a\\x1b[1m\\x7f"},
		{"\xc2\x85\xc2\xa0\xc3\xa9", 9, "\\xc2\\x85\xc2\xa0\xc3\xa9"},
		{"\xff\xc3(", 9, "\\xff\\xc3("},
		{"abcd", 3, "abc..."},
		{"ab\xc3\xa9", 3, "ab..."},
		{"\x01\x02", 1, "\\x01..."},
	};
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(t); i++) {
		mlg_buf_reset(&b);
		T_EQ_INT(mlg_utf8_show(&b, t[i].s, strlen(t[i].s), t[i].max),
			 0);
		T_EQ_STR(b.ptr, t[i].want);
	}
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_exact), T(test_every_place), T(test_length), T(test_cut),
	  T(test_show))
