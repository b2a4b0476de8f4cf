/*
 * util.h - allocation that cannot fail, and small string helpers
 *
 * Out of memory aborts the process with a message, as git's xmalloc does:
 * no gate can do anything useful after it, and checking every allocation
 * would bury the logic. Sizes that come from input are bounded by the
 * caller (see buf.h) before they reach an allocator.
 */
#ifndef MLGATE_UTIL_H
#define MLGATE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MLG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *mlg_malloc(size_t n);
void *mlg_calloc(size_t nmemb, size_t size);
void *mlg_realloc(void *p, size_t n);
/* Grow an array of `size`-byte elements to hold at least `need` of them;
 * `*alloc` is its capacity in elements. Doubles, so appends are O(1). */
void *mlg_grow(void *p, size_t size, size_t need, size_t *alloc);
char *mlg_strdup(const char *s);
char *mlg_strndup(const char *s, size_t n);
/* A new string built like printf; never NULL. */
char *mlg_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a programming error with its file and line, then abort. */
#define MLG_BUG(msg) mlg_bug(__FILE__, __LINE__, msg)
_Noreturn void mlg_bug(const char *file, int line, const char *msg);

/* A bijection of 64-bit words in which every input bit reaches every
 * output bit (MurmurHash3's finaliser): the last step of a hash, or an
 * integer spread over a table. mlg_mix64(0) is 0. */
static inline uint64_t mlg_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

/* An unsigned key of a double (not NaN) that sorts in the same order:
 * negative numbers flipped, -0 as +0 (numpy ties them). */
static inline uint64_t mlg_double_key(double d)
{
	uint64_t u;

	if (d == 0)
		d = 0;
	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

/* The double of a key of mlg_double_key(). */
static inline double mlg_key_double(uint64_t k)
{
	double d;

	k = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
	memcpy(&d, &k, sizeof(d));
	return d;
}

/*
 * LSD radix sort of n records of `size` bytes (8 at least) by the
 * unsigned 64-bit key each starts with (a uint64_t, as the host has it),
 * `bits` (1 to MLG_RADIX_BITS_MAX) a digit; a digit where every key is
 * the same is skipped (keys of values of one range share their high
 * digits). `tmp` holds n records. Returns `a` or `tmp`, whichever holds
 * the sorted records. Stable; allocates nothing.
 */
#define MLG_RADIX_BITS_MAX 11
void *mlg_radix_sort(void *a, void *tmp, size_t n, size_t size, unsigned bits);

/* Unaligned little-endian reads, the first byte lowest: one load. */
static inline uint64_t mlg_load_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t mlg_load_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/* 1 when `s` starts with `prefix`. */
int mlg_starts_with(const char *s, const char *prefix);

/*
 * Parse a whole string as a number, as strtod() reads one: decimal or
 * hexadecimal, "inf" and "nan" too (callers that cannot use those check
 * the result). Leading/trailing space, trailing garbage and overflow to
 * an infinity are errors. Returns 0 or MLG_EINVALID (no message set).
 */
int mlg_parse_double(double *out, const char *s);
int mlg_parse_int64(int64_t *out, const char *s);

/* The value of environment variable `name`, borrowed, or NULL when it
 * is unset or empty (CI systems export empty variables). */
const char *mlg_env(const char *name);

/* Seconds since the Epoch with microseconds, from CLOCK_REALTIME, and a
 * monotonic clock in seconds for durations. */
double mlg_now(void);
double mlg_monotonic(void);

/* Online CPUs, at least 1 and at most `max`. */
size_t mlg_ncpu(size_t max);

/* Format `t` (Epoch seconds) as UTC ISO 8601 "2026-11-22T10:53:05Z", or
 * "invalid" when no calendar holds it (NaN, beyond time_t or the years
 * an int counts): times read from files may be any number. */
void mlg_iso8601(char out[32], double t);

#endif
