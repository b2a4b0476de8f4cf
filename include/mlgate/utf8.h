/*
 * utf8.h - UTF-8 validation and repair
 *
 * Data files, cells and messages are bytes; JSON and XML need valid
 * UTF-8. Validation follows RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF.
 */
#ifndef MLGATE_UTF8_H
#define MLGATE_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct mlg_buf;

/* Length of the longest valid UTF-8 prefix of <s, len>: len when all of
 * it is valid. Fast on ASCII (8 bytes at a time). */
size_t mlg_utf8_valid_prefix(const char *s, size_t len);

static inline int mlg_utf8_valid(const char *s, size_t len)
{
	return mlg_utf8_valid_prefix(s, len) == len;
}

/* Nonzero in each byte of w that is NUL or above 0x7f (and maybe in
 * bytes above such a byte, where the subtraction borrows): 0 when the
 * eight bytes are ASCII without NUL. */
static inline uint64_t mlg_utf8_odd_bytes(uint64_t w)
{
	return ((w - 0x0101010101010101ULL) | w) & 0x8080808080808080ULL;
}

/* Text a cell or label may hold: valid UTF-8 without NUL bytes. One
 * pass, 64 bytes at a time. */
int mlg_utf8_text(const char *s, size_t len);

/*
 * Decode one code point at s (at most len bytes). Returns its byte length
 * and sets *cp, or 0 when the sequence is invalid or cut short.
 */
size_t mlg_utf8_decode(uint32_t *cp, const char *s, size_t len);

/* The length of <s, len> in code points: each byte of an invalid
 * sequence counts as one, so does a NUL byte. */
size_t mlg_utf8_length(const char *s, size_t len);
/* The same for valid UTF-8, without the test. */
size_t mlg_utf8_count(const char *s, size_t len);

/* How many of the `len` bytes at s to show when at most `max` fit: len
 * when it fits, else `max` moved back to the start of the character it
 * would split (a cut never makes a U+FFFD of a valid character). */
size_t mlg_utf8_cut(const char *s, size_t len, size_t max);

/*
 * Append at most `max` bytes of <s, len> as a message or a terminal may
 * show them: printable ASCII and valid UTF-8 characters from U+00A0 as
 * they are, every other byte (C0 and C1 controls, DEL, invalid UTF-8) as
 * \xNN, so that text read from data stays on its line and sends no
 * escape sequence; cut as mlg_utf8_cut() cuts, with "..." when bytes are
 * left out. Returns 0 or mlg_buf's error.
 */
int mlg_utf8_show(struct mlg_buf *out, const char *s, size_t len, size_t max);
/*
 * mlg_utf8_show() of the NUL-terminated `s`, whole, but for each byte in
 * `special` (the characters a format gives a meaning: '|' in Markdown,
 * '%' in a workflow command), which `esc` writes in its place: it gets
 * `s` and the byte's place `at` in it, to look at what is around. 0, or
 * the first error.
 */
int mlg_utf8_show_but(struct mlg_buf *out, const char *s, const char *special,
		      int (*esc)(struct mlg_buf *out, const char *s,
				 const char *at));

/* Append <s, len> with each invalid byte replaced by U+FFFD. */
int mlg_utf8_repair(struct mlg_buf *out, const char *s, size_t len);

#endif
