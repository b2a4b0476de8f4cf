/* util.c - allocation that cannot fail, numbers, clocks */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/util.h"

static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *mlg_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *mlg_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *mlg_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

void *mlg_grow(void *p, size_t size, size_t need, size_t *alloc)
{
	size_t n;

	if (need <= *alloc)
		return p;
	n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > ((size_t)-1 / 2) / size)
			oom(need * size);
		n *= 2;
	}
	*alloc = n;
	return mlg_realloc(p, n * size);
}

char *mlg_strdup(const char *s)
{
	return mlg_strndup(s, strlen(s));
}

char *mlg_strndup(const char *s, size_t n)
{
	char *p = mlg_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *mlg_strfmt(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		MLG_BUG("bad format");
	p = mlg_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

_Noreturn void mlg_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
	abort();
}

int mlg_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int mlg_parse_double(double *out, const char *s)
{
	char *end;
	double v;

	if (!*s || *s == ' ' || *s == '\t')
		return MLG_EINVALID;
	errno = 0;
	v = strtod(s, &end);
	if (*end || (errno == ERANGE && isinf(v)))
		return MLG_EINVALID;
	*out = v;
	return 0;
}

int mlg_parse_int64(int64_t *out, const char *s)
{
	char *end;
	long long v;

	if (!*s || *s == ' ' || *s == '\t')
		return MLG_EINVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno == ERANGE)
		return MLG_EINVALID;
	*out = v;
	return 0;
}

double mlg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double mlg_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The key a record starts with. */
static inline uint64_t record_key(const unsigned char *p)
{
	uint64_t k;

	memcpy(&k, p, sizeof(k));
	return k;
}

/*
 * The sort for one record size and digit width, inlined into a copy per
 * pair used, so that the shifts, masks and copies are constants. A
 * digit that no two keys differ in is neither counted nor moved:
 * integers as doubles have few digits that differ, and the KLL sketch
 * sorts often (10% of a profile). Odd and even records count in two
 * tables, so that runs of one digit do not wait on each other's
 * increment.
 */
static inline __attribute__((always_inline)) void *
radix_sort(unsigned char *a, unsigned char *tmp, size_t n, size_t size,
	   unsigned bits)
{
	size_t count[2 << MLG_RADIX_BITS_MAX];
	size_t radix = (size_t)1 << bits, mask = radix - 1, i, d, sum, t;
	uint64_t diff = 0, first = n ? record_key(a) : 0;
	unsigned char *s;
	unsigned shift;

#define KEY(p, i) record_key((p) + (i)*size)
	for (i = 1; i < n; i++)
		diff |= KEY(a, i) ^ first;
	for (shift = 0; diff && shift < 64; shift += bits) {
		if (!(diff >> shift & mask))
			continue;
		memset(count, 0, 2 * radix * sizeof(*count));
		for (i = 0; i + 1 < n; i += 2) {
			count[KEY(a, i) >> shift & mask]++;
			count[radix + (KEY(a, i + 1) >> shift & mask)]++;
		}
		if (i < n)
			count[KEY(a, i) >> shift & mask]++;
		for (d = 0, sum = 0; d < radix; d++) {
			t = count[d] + count[radix + d];
			count[d] = sum;
			sum += t;
		}
		for (i = 0; i < n; i++)
			memcpy(tmp + count[KEY(a, i) >> shift & mask]++ * size,
			       a + i * size, size);
		s = a;
		a = tmp;
		tmp = s;
	}
#undef KEY
	return a;
}

void *mlg_radix_sort(void *a, void *tmp, size_t n, size_t size, unsigned bits)
{
	if (size == 8 && bits == 8)
		return radix_sort(a, tmp, n, 8, 8);
	if (size == 8 && bits == 11)
		return radix_sort(a, tmp, n, 8, 11);
	if (size == 16 && bits == 8)
		return radix_sort(a, tmp, n, 16, 8);
	if (size < 8 || bits < 1 || bits > MLG_RADIX_BITS_MAX)
		MLG_BUG("radix sort of records under 8 bytes or digits of "
			"other than 1 to 11 bits");
	return radix_sort(a, tmp, n, size, bits);
}

size_t mlg_ncpu(size_t max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (size_t)n > max ? max : (size_t)n;
}

void mlg_iso8601(char out[32], double t)
{
	struct tm tm;
	time_t s;

	/* A time read from a file may be any number: converting one
	 * beyond time_t is undefined, and past the years an int holds
	 * gmtime_r() fails and leaves tm unset. */
	if (!(t > -4e18 && t < 4e18)) {
		snprintf(out, 32, "%s", "invalid");
		return;
	}
	s = (time_t)t;
	if (!gmtime_r(&s, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%s", "invalid");
}

const char *mlg_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}
