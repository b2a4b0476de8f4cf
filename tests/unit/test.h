/*
 * test.h - the unit test harness
 *
 * A test file defines `static void test_x(void)` functions and ends with
 *
 *	MLG_TESTS(T(test_x), T(test_y));
 *
 * which becomes its main(). A failed assertion stops that test (longjmp)
 * and the next one runs. The binary prints one line per test and ends with
 * "N passed, N failed"; it exits 1 when any test failed. Arguments select
 * tests by name.
 */
#ifndef MLGATE_TEST_H
#define MLGATE_TEST_H

#include <math.h>
#include <stdint.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

int t_main(const struct t_case *cases, size_t n, int argc, char **argv);
_Noreturn void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct mlg_buf;
struct mlg_json_doc;
struct json_t;
/* Append the compact JSON of `v` to `b` and drop the reference. */
void t_json_dump_new(struct mlg_buf *b, struct json_t *v);
/* Serialise `v` (dropping the reference) and parse it back into `doc`,
 * as a saved file would be read. */
void t_json_reparse(struct mlg_json_doc *doc, struct json_t *v);
/* Run a shell command in `dir`, output discarded; fail the test when it
 * fails. */
void t_sh(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A git CLI that ignores the user's configuration and commits as "t". */
void t_git_env(void);
/* The 40-hex commit id of `rev` in the repository at `dir` (git CLI). */
void t_rev_parse(char out[41], const char *dir, const char *rev);
/* A scratch folder for this test binary, removed at exit. */
const char *t_tmpdir(void);
/* Write `s` to t_tmpdir()/name and return the path (static storage). */
const char *t_write(const char *name, const char *s);
/* t_write() of `n` bytes, NULs included. */
const char *t_write_bytes(const char *name, const void *s, size_t n);
/* A loopback TCP port that was free a moment ago: nothing listens on
 * it, so a connection to 127.0.0.1:port is refused. */
int t_free_port(void);
/* The next value of the xorshift64 generator at `*state` (not 0): a
 * repeatable pseudo-random sequence for a test's data. */
uint64_t t_xorshift(uint64_t *state);

#define T(fn)                                                                  \
	{                                                                      \
#fn, fn                                                        \
	}
#define MLG_TESTS(...)                                                         \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		static const struct t_case cases[] = {__VA_ARGS__};            \
		return t_main(cases, sizeof(cases) / sizeof(cases[0]), argc,   \
			      argv);                                           \
	}

#define T_ASSERT(c)                                                            \
	do {                                                                   \
		if (!(c))                                                      \
			t_fail(__FILE__, __LINE__, "assertion failed: %s",     \
			       #c);                                            \
	} while (0)

#define T_EQ_INT(a, b)                                                         \
	do {                                                                   \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);        \
		if (t_a_ != t_b_)                                              \
			t_fail(__FILE__, __LINE__,                             \
			       "%s == %lld, expected %lld", #a, t_a_, t_b_);   \
	} while (0)

#define T_EQ_STR(a, b)                                                         \
	do {                                                                   \
		const char *t_a_ = (a), *t_b_ = (b);                           \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_))                      \
			t_fail(__FILE__, __LINE__,                             \
			       "%s == \"%s\", expected \"%s\"", #a,            \
			       t_a_ ? t_a_ : "(null)",                         \
			       t_b_ ? t_b_ : "(null)");                        \
	} while (0)

/* |a - b| <= tol * max(1, |b|) */
#define T_EQ_DBL(a, b, tol)                                                    \
	do {                                                                   \
		double t_a_ = (a), t_b_ = (b);                                 \
		double t_s_ = fabs(t_b_) > 1 ? fabs(t_b_) : 1;                 \
		if (!(fabs(t_a_ - t_b_) <= (tol)*t_s_))                        \
			t_fail(__FILE__, __LINE__,                             \
			       "%s == %.17g, expected %.17g", #a, t_a_, t_b_); \
	} while (0)

/* The substring `needle` occurs in `hay`. */
#define T_CONTAINS(hay, needle)                                                \
	do {                                                                   \
		const char *t_h_ = (hay), *t_n_ = (needle);                    \
		if (!t_h_ || !strstr(t_h_, t_n_))                              \
			t_fail(__FILE__, __LINE__,                             \
			       "%s does not contain \"%s\":\n%s", #hay, t_n_,  \
			       t_h_ ? t_h_ : "(null)");                        \
	} while (0)

#endif
