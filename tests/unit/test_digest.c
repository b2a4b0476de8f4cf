#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlgate/digest.h"
#include "mlgate/error.h"
#include "mlgate/util.h"
#include "test.h"

#define MIB (1024 * 1024)

/* FIPS 180-2, appendix B */
#define ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define B448  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MILLION                                                                \
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
/* one NUL byte */
#define NUL1 "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"

static const char *hex_of(const unsigned char d[32])
{
	static char out[65];

	mlg_sha256_hex(out, d);
	return out;
}

static const char *hex_buf(const void *data, size_t len)
{
	unsigned char d[32];

	if (mlg_sha256_buf(d, data, len))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	return hex_of(d);
}

static char *pattern(size_t n)
{
	char *p = mlg_malloc(n ? n : 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i * 31 + i / 509);
	return p;
}

static const char *put(const char *name, const void *data, size_t len)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp))
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
	return path;
}

static void test_fips_vectors(void)
{
	static const char b448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	T_EQ_STR(hex_buf("", 0), EMPTY);
	T_EQ_STR(hex_buf(NULL, 0), EMPTY);
	T_EQ_STR(hex_buf("abc", 3), ABC);
	T_EQ_INT(strlen(b448), 56);
	T_EQ_STR(hex_buf(b448, 56), B448);
	T_EQ_STR(hex_buf("", 1), NUL1);
}

/* One million 'a' in pieces of odd sizes that straddle the 64-byte
 * blocks, with empty updates in between. */
static void test_million_a_streamed(void)
{
	static const size_t sizes[] = {1, 3, 0, 7, 63, 65, 127, 1021, 4099};
	char *a = mlg_malloc(1000000);
	struct mlg_sha256 s;
	unsigned char d[32];
	size_t off = 0, i = 0, n;

	memset(a, 'a', 1000000);
	T_EQ_INT(mlg_sha256_init(&s), 0);
	while (off < 1000000) {
		n = sizes[i++ % MLG_ARRAY_SIZE(sizes)];
		if (n > 1000000 - off)
			n = 1000000 - off;
		mlg_sha256_update(&s, a + off, n);
		off += n;
	}
	mlg_sha256_final(&s, d);
	T_ASSERT(s.ctx == NULL);
	T_EQ_STR(hex_of(d), MILLION);
	T_EQ_STR(hex_buf(a, 1000000), MILLION);
	free(a);
}

static void test_hex_and_format(void)
{
	unsigned char d[32];
	char out[MLG_DIGEST_LEN];
	size_t i;

	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)(i * 8 + 7);
	T_EQ_STR(hex_of(d), "070f171f272f373f474f575f676f777f"
			    "878f979fa7afb7bfc7cfd7dfe7eff7ff");
	memset(out, 'x', sizeof(out));
	T_EQ_INT(mlg_sha256_buf(d, "abc", 3), 0);
	mlg_digest_format(out, d);
	T_EQ_STR(out, "sha256:" ABC);
	T_EQ_INT(strlen(out), MLG_DIGEST_LEN - 1);
}

static void test_parse_valid(void)
{
	unsigned char d[32], want[32];
	char back[MLG_DIGEST_LEN];

	T_EQ_INT(mlg_sha256_buf(want, "abc", 3), 0);
	memset(d, 0, sizeof(d));
	T_EQ_INT(mlg_digest_parse(d, "sha256:" ABC), 0);
	T_ASSERT(!memcmp(d, want, 32));
	mlg_digest_format(back, d);
	T_EQ_STR(back, "sha256:" ABC);

	T_EQ_INT(mlg_digest_parse(d, "sha256:00000000000000000000000000000000"
				     "000000000000000000000000000000ff"),
		 0);
	T_EQ_INT(d[0], 0);
	T_EQ_INT(d[31], 0xff);
}

#define T_BAD(s)                                                               \
	do {                                                                   \
		unsigned char t_d_[32];                                        \
		char t_want_[1024];                                            \
		memset(t_d_, 0xa5, sizeof(t_d_));                              \
		mlg_error_clear();                                             \
		T_EQ_INT(mlg_digest_parse(t_d_, s), MLG_EINVALID);             \
		snprintf(t_want_, sizeof(t_want_), "invalid digest '%s'", s);  \
		T_EQ_STR(mlg_error_message(), t_want_);                        \
		T_EQ_INT(mlg_error_last()->code, MLG_EINVALID);                \
		T_EQ_INT(t_d_[0], 0xa5);                                       \
		T_EQ_INT(t_d_[31], 0xa5);                                      \
	} while (0)

static void test_parse_errors(void)
{
	T_BAD("");
	T_BAD("sha256:");
	T_BAD("sha256");
	T_BAD(ABC);
	/* uppercase hex, wholly or in one digit */
	T_BAD("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61"
	      "F20015AD");
	T_BAD("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	      "f20015aD");
	T_BAD("SHA256:" ABC);
	/* short, long */
	T_BAD("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	      "f20015a");
	T_BAD("sha256:" ABC "0");
	T_BAD("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff6");
	/* other algorithms and separators */
	T_BAD("sha512:" ABC);
	T_BAD("sha256-" ABC);
	T_BAD("sha256::" ABC);
	T_BAD("md5:" ABC "1234");
	/* space, newline, non-hex and invalid UTF-8 in the digits */
	T_BAD(" sha256:" ABC);
	T_BAD("sha256:" ABC "\n");
	T_BAD("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	      "f20015 d");
	T_BAD("sha256:ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	      "f20015ad");
	T_BAD("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	      "f200\xc3\x28"
	      "ad");
	T_BAD("sha256:\xff\xfe" ABC);
}

static void test_parse_huge(void)
{
	size_t n = 4 * MIB;
	char *s = mlg_malloc(n + 1);
	unsigned char d[32];

	memcpy(s, "sha256:", 7);
	memset(s + 7, 'a', n - 7);
	s[n] = '\0';
	T_EQ_INT(mlg_digest_parse(d, s), MLG_EINVALID);
	/* the message is cut at its buffer, not overflowed */
	T_ASSERT(mlg_starts_with(mlg_error_message(),
				 "invalid digest 'sha256:aaaa"));
	T_EQ_INT(strlen(mlg_error_message()), 1023);
	free(s);
}

static void test_release(void)
{
	struct mlg_sha256 s;
	unsigned char d[32];

	T_EQ_INT(mlg_sha256_init(&s), 0);
	T_ASSERT(s.ctx != NULL);
	mlg_sha256_update(&s, "abc", 3);
	mlg_sha256_release(&s);
	T_ASSERT(s.ctx == NULL);
	mlg_sha256_release(&s);
	T_EQ_INT(mlg_sha256_init(&s), 0);
	mlg_sha256_update(&s, "abc", 3);
	mlg_sha256_final(&s, d);
	mlg_sha256_release(&s);
	T_EQ_STR(hex_of(d), ABC);
}

/* Sizes around the 1 MiB read block. */
static void test_file_equals_buffer(void)
{
	static const size_t sizes[] = {0,   1,	     3,		  MIB - 1,
				       MIB, MIB + 1, 3 * MIB + 17};
	unsigned char df[32], db[32];
	uint64_t size;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(sizes); i++) {
		char *data = pattern(sizes[i]);
		const char *p = put("blob", data, sizes[i]);

		size = 12345;
		T_EQ_INT(mlg_sha256_file(df, &size, p), 0);
		T_EQ_INT(size, sizes[i]);
		T_EQ_INT(mlg_sha256_buf(db, data, sizes[i]), 0);
		if (memcmp(df, db, 32))
			t_fail(__FILE__, __LINE__, "size %zu: %s", sizes[i],
			       hex_of(df));
		free(data);
	}
	T_EQ_INT(mlg_sha256_file(df, NULL, put("abc", "abc", 3)), 0);
	T_EQ_STR(hex_of(df), ABC);
}

static void test_file_errors(void)
{
	unsigned char d[32];
	uint64_t size = 7;
	char want[1024], *p;

	memset(d, 0xa5, sizeof(d));
	p = mlg_strfmt("%s/missing.bin", t_tmpdir());
	T_EQ_INT(mlg_sha256_file(d, &size, p), MLG_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "cannot read '%s': No such file or directory", p);
	T_EQ_STR(mlg_error_message(), want);
	free(p);

	T_EQ_INT(mlg_sha256_file(d, &size, t_tmpdir()), MLG_EIO);
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory",
		 t_tmpdir());
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(size, 7);
	T_EQ_INT(d[0], 0xa5);
}

static void test_file_stdin(void)
{
	size_t n = 2 * MIB + MIB / 2 + 1;
	char *data = pattern(n);
	unsigned char df[32], db[32];
	uint64_t size = 0;
	int p[2], saved, rc, status;
	pid_t pid;

	T_EQ_INT(pipe(p), 0);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		size_t off = 0;
		ssize_t w;

		close(p[0]);
		while (off < n && (w = write(p[1], data + off, n - off)) > 0)
			off += (size_t)w;
		_exit(off == n ? 0 : 1);
	}
	close(p[1]);
	saved = dup(STDIN_FILENO);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	rc = mlg_sha256_file(df, &size, "-");
	dup2(saved, STDIN_FILENO);
	close(saved);
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_EQ_INT(rc, 0);
	T_EQ_INT(size, n);
	T_EQ_INT(mlg_sha256_buf(db, data, n), 0);
	T_ASSERT(!memcmp(df, db, 32));
	free(data);
}

/*
 * OpenSSL errors: a configuration that loads only the "null" provider
 * leaves no SHA-256 at all. OpenSSL reads its configuration once per
 * process, so the check runs in a fresh copy of this binary, before
 * main(), when MLG_TEST_NO_SHA256 is set.
 */
__attribute__((constructor)) static void no_sha256_child(void)
{
	struct mlg_sha256 s = {&s};
	unsigned char d[32];

	if (!getenv("MLG_TEST_NO_SHA256"))
		return;
	if (mlg_sha256_init(&s) != MLG_ERROR || s.ctx ||
	    strcmp(mlg_error_message(), "cannot start sha-256: unsupported"))
		goto fail;
	mlg_error_clear();
	if (mlg_sha256_buf(d, "abc", 3) != MLG_ERROR ||
	    strcmp(mlg_error_message(), "cannot start sha-256: unsupported"))
		goto fail;
	_exit(0);
fail:
	fprintf(stderr, "child: %s\n", mlg_error_message());
	_exit(1);
}

static void test_openssl_error(void)
{
	static const char conf[] = "openssl_conf = init\n"
				   "[init]\n"
				   "providers = providers\n"
				   "[providers]\n"
				   "null = null\n"
				   "[null]\n"
				   "activate = 1\n";
	const char *p = put("null-provider.cnf", conf, sizeof(conf) - 1);
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		setenv("OPENSSL_CONF", p, 1);
		setenv("MLG_TEST_NO_SHA256", "1", 1);
		execl("/proc/self/exe", "test_digest", (char *)NULL);
		_exit(127);
	}
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_ASSERT(WIFEXITED(status));
	T_EQ_INT(WEXITSTATUS(status), 0);
}

MLG_TESTS(T(test_fips_vectors), T(test_million_a_streamed),
	  T(test_hex_and_format), T(test_parse_valid), T(test_parse_errors),
	  T(test_parse_huge), T(test_release), T(test_file_equals_buffer),
	  T(test_file_errors), T(test_file_stdin), T(test_openssl_error))
