/* digest.c - SHA-256 through OpenSSL EVP */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "mlgate/digest.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/util.h"

#define PREFIX	   "sha256:"
#define PREFIX_LEN 7
#define BLOCK	   (1024 * 1024)

static const char hexdigits[] = "0123456789abcdef";

/* Turn the OpenSSL error queue into our message. The oldest entry is the
 * root cause; the rest is cleared so it cannot leak into a later call. */
static int ossl_error(const char *what)
{
	unsigned long e = ERR_get_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	char text[256];

	if (e && !reason) {
		ERR_error_string_n(e, text, sizeof(text));
		reason = text;
	}
	ERR_clear_error();
	return mlg_error_set(MLG_ERROR, "%s: %s", what,
			     reason ? reason : "unknown openssl error");
}

/*
 * OpenSSL 3 looks EVP_sha256() up in its provider tables on every
 * EVP_DigestInit_ex(), under a lock; fetching once makes hashing many
 * small buffers cheap. A failed fetch is not cached, so every caller
 * gets OpenSSL's reason in its own thread's error queue.
 */
static const EVP_MD *sha256_md(void)
{
#if OPENSSL_VERSION_MAJOR >= 3
	static EVP_MD *_Atomic cached;
	EVP_MD *md = atomic_load(&cached), *none = NULL;

	if (md)
		return md;
	md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	if (md && !atomic_compare_exchange_strong(&cached, &none, md)) {
		EVP_MD_free(md);
		md = none;
	}
	return md;
#else
	return EVP_sha256();
#endif
}

int mlg_sha256_init(struct mlg_sha256 *s)
{
	const EVP_MD *md = sha256_md();
	EVP_MD_CTX *ctx;

	s->ctx = NULL;
	if (!md)
		return ossl_error("cannot start sha-256");
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
		EVP_MD_CTX_free(ctx);
		return ossl_error("cannot start sha-256");
	}
	s->ctx = ctx;
	return 0;
}

/*
 * Once init succeeded, SHA-256 update and final only fail on misuse (no
 * context), so they return nothing and a failure is a bug.
 */
void mlg_sha256_update(struct mlg_sha256 *s, const void *data, size_t len)
{
	if (!s->ctx)
		MLG_BUG("sha-256 update without init");
	if (len && !EVP_DigestUpdate(s->ctx, data, len))
		MLG_BUG("sha-256 update failed");
}

void mlg_sha256_final(struct mlg_sha256 *s, unsigned char out[32])
{
	unsigned int n = 0;

	if (!s->ctx)
		MLG_BUG("sha-256 final without init");
	if (!EVP_DigestFinal_ex(s->ctx, out, &n) || n != MLG_SHA256_LEN)
		MLG_BUG("sha-256 final failed");
	mlg_sha256_release(s);
}

void mlg_sha256_release(struct mlg_sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

void mlg_sha256_hex(char out[65], const unsigned char d[32])
{
	size_t i;

	for (i = 0; i < MLG_SHA256_LEN; i++) {
		out[2 * i] = hexdigits[d[i] >> 4];
		out[2 * i + 1] = hexdigits[d[i] & 15];
	}
	out[2 * MLG_SHA256_LEN] = '\0';
}

void mlg_digest_format(char out[MLG_DIGEST_LEN], const unsigned char d[32])
{
	memcpy(out, PREFIX, PREFIX_LEN);
	mlg_sha256_hex(out + PREFIX_LEN, d);
}

/* Lowercase only: digests are compared as strings, so "sha256:AB.." must
 * not be accepted as a second spelling of "sha256:ab..". */
static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mlg_digest_parse(unsigned char out[32], const char *s)
{
	unsigned char d[MLG_SHA256_LEN];
	const char *hex = s + PREFIX_LEN;
	int hi, lo;
	size_t i;

	/* strnlen: a huge input is rejected without scanning all of it. */
	if (strnlen(s, MLG_DIGEST_LEN) != MLG_DIGEST_LEN - 1 ||
	    memcmp(s, PREFIX, PREFIX_LEN))
		goto bad;
	for (i = 0; i < MLG_SHA256_LEN; i++) {
		hi = unhex(hex[2 * i]);
		lo = unhex(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(out, d, sizeof(d));
	return 0;
bad:
	return mlg_error_set(MLG_EINVALID, "invalid digest '%s'", s);
}

int mlg_sha256_buf(unsigned char out[32], const void *data, size_t len)
{
	struct mlg_sha256 s;
	int err;

	err = mlg_sha256_init(&s);
	if (err)
		return err;
	mlg_sha256_update(&s, data, len);
	mlg_sha256_final(&s, out);
	return 0;
}

int mlg_sha256_file(unsigned char out[32], uint64_t *size, const char *path)
{
	struct mlg_sha256 s = {NULL};
	unsigned char *block = NULL;
	uint64_t total = 0;
	ssize_t n;
	int fd, err;

	err = mlg_file_open_read(&fd, path);
	if (err)
		return err;
	err = mlg_sha256_init(&s);
	if (err)
		goto done;
	/* Ask for aggressive read-ahead; harmless where unsupported. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	block = mlg_malloc(BLOCK);
	for (;;) {
		n = read(fd, block, BLOCK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = mlg_error_errno(errno, "cannot read '%s'",
					      strcmp(path, "-") ? path
								: "<stdin>");
			goto done;
		}
		if (!n)
			break;
		mlg_sha256_update(&s, block, (size_t)n);
		total += (uint64_t)n;
	}
	mlg_sha256_final(&s, out);
	if (size)
		*size = total;
done:
	mlg_sha256_release(&s);
	free(block);
	close(fd);
	return err;
}
