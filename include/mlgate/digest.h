/*
 * digest.h - SHA-256, streaming, and "sha256:<hex>" digest strings
 *
 * The only module that talks to OpenSSL (through EVP, which uses the
 * CPU's SHA extensions when present) and the one place its errors are
 * converted: they become MLG_ERROR with OpenSSL's reason text, e.g.
 *	cannot start sha-256: unsupported
 *
 * Digest strings are the OCI form "sha256:" followed by 64 lowercase hex
 * digits. They are compared as strings everywhere, so the parser accepts
 * exactly that form and nothing looser.
 *
 * Usage:
 *	struct mlg_sha256 s;
 *	if ((err = mlg_sha256_init(&s)))
 *		return err;
 *	while (more)
 *		mlg_sha256_update(&s, p, n);
 *	mlg_sha256_final(&s, d);
 */
#ifndef MLGATE_DIGEST_H
#define MLGATE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define MLG_SHA256_LEN 32
/* "sha256:" + 64 hex digits + NUL */
#define MLG_DIGEST_LEN 72

/* A SHA-256 in progress; `ctx` is owned by the struct (NULL when idle). */
struct mlg_sha256 {
	void *ctx;
};

/* Start a digest. 0 or MLG_ERROR (OpenSSL failed); on error s->ctx is
 * NULL and nothing needs releasing. */
int mlg_sha256_init(struct mlg_sha256 *s);

/* Add `<data, len>`; any split of the input gives the same digest.
 * O(len). `data` may be NULL when len is 0. */
void mlg_sha256_update(struct mlg_sha256 *s, const void *data, size_t len);

/* Write the 32-byte digest to `out` and free the context. */
void mlg_sha256_final(struct mlg_sha256 *s, unsigned char out[32]);

/* Abandon a digest without a result. Safe after final and twice. */
void mlg_sha256_release(struct mlg_sha256 *s);

/* `d` as 64 lowercase hex digits and a NUL. */
void mlg_sha256_hex(char out[65], const unsigned char d[32]);

/* `d` as "sha256:<64 lowercase hex>" and a NUL (71 characters). */
void mlg_digest_format(char out[MLG_DIGEST_LEN], const unsigned char d[32]);

/*
 * Parse "sha256:<64 lowercase hex>" exactly: no other algorithm, no
 * uppercase, no surrounding space. Otherwise MLG_EINVALID
 * "invalid digest '<s>'" and `out` is left untouched.
 */
int mlg_digest_parse(unsigned char out[32], const char *s);

/* SHA-256 of `<data, len>` in one call. 0 or MLG_ERROR. */
int mlg_sha256_buf(unsigned char out[32], const void *data, size_t len);

/*
 * SHA-256 of the file `path` ("-" = stdin), read in 1 MiB blocks: memory
 * is constant whatever the size. `*size` (when not NULL) receives the
 * number of bytes hashed. Errors as mlg_file_read(): "cannot read
 * '<path>': <errno text>" (MLG_ENOTFOUND, MLG_EIO), a directory is
 * MLG_EIO; `out` and `*size` are only written on success.
 */
int mlg_sha256_file(unsigned char out[32], uint64_t *size, const char *path);

#endif
