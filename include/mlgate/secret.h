/*
 * secret.h - values that must never appear in any output
 *
 * Tokens and passwords are registered once, as soon as they are read.
 * Every emitter, every log line and every error message is passed through
 * the mask, which replaces each registered value with "***". In GitHub
 * Actions the value is also announced with "::add-mask::" on stderr so
 * the runner masks it in its own logs.
 *
 * Values shorter than MLG_SECRET_MIN bytes are refused: masking "ab"
 * would garble every report while protecting nothing.
 */
#ifndef MLGATE_SECRET_H
#define MLGATE_SECRET_H

#include <stddef.h>

struct mlg_buf;

#define MLG_SECRET_MIN	4
#define MLG_SECRET_MASK "***"

/*
 * Register `value` (copied). Returns 0, or MLG_EINVALID when the value is
 * too short to mask. Prints "::add-mask::" when GITHUB_ACTIONS=true, on
 * stderr (the runner reads workflow commands there too), so that a gate
 * whose stdout is data (infer's schema, "-o -") keeps it clean.
 * Not thread-safe: register secrets before starting threads.
 */
int mlg_secret_add(const char *value);

/*
 * Register the credentials an http(s) URL `s` carries, as they are
 * written in it: the password of its user info ("user:PASSWORD@host"),
 * a user info without a password of 8 bytes or more ("TOKEN@host"),
 * and the value of every query parameter whose name holds, in any case,
 * sig, token, key, secret, pass, auth, credential or session (presigned
 * URLs: X-Amz-Signature, X-Goog-Credential, an Azure SAS "sig") when
 * it has 8 bytes or more ("auth=true" is no credential). A password too
 * short to mask is left. Anything else is not a URL: nothing.
 */
void mlg_secret_add_url(const char *s);

/* Mask every registered secret in `b`, the longest first, so that one
 * that holds another is masked whole. 0 or MLG_ELIMIT. */
int mlg_secret_mask(struct mlg_buf *b);

/* Mask in place in a NUL-terminated string held in `size` bytes. Always
 * fits, since the mask is never longer than a secret. */
void mlg_secret_mask_str(char *s, size_t size);

/* Number of registered secrets. */
size_t mlg_secret_count(void);

/* Forget all secrets (tests). */
void mlg_secret_clear(void);

#endif
