/*
 * secret.h - values that must never appear in any output
 *
 * Tokens and passwords are registered once, as soon as they are read.
 * Every emitter, every log line and every error message is passed through
 * the mask, which replaces each registered value with "***". In GitHub
 * Actions the value is also announced with "::add-mask::" on stdout so
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
 * too short to mask. Prints "::add-mask::" when GITHUB_ACTIONS=true.
 * Not thread-safe: register secrets before starting threads.
 */
int mlg_secret_add(const char *value);

/* Mask every registered secret in `b`. 0 or MLG_ELIMIT. */
int mlg_secret_mask(struct mlg_buf *b);

/* Mask in place in a NUL-terminated string held in `size` bytes. Always
 * fits, since the mask is never longer than a secret. */
void mlg_secret_mask_str(char *s, size_t size);

/* Number of registered secrets. */
size_t mlg_secret_count(void);

/* Forget all secrets (tests). */
void mlg_secret_clear(void);

#endif
