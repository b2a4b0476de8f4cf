/*
 * buf.h - a growable byte buffer with a size cap
 *
 * Invariants (as git's strbuf): `ptr` is never NULL and is always
 * NUL-terminated, so a buffer can be used as a C string at any time; `len`
 * excludes the terminator. A fresh buffer points at a shared empty string
 * and allocates on first growth.
 *
 * Every buffer has a cap (curl's dynbuf "toobig"): an append that would
 * make `len` exceed it fails with MLG_ELIMIT and leaves the buffer as it
 * was. Input-driven buffers must be given a cap that bounds memory; 0
 * means MLG_BUF_NOCAP (SIZE_MAX / 2), for buffers whose size the program
 * controls.
 */
#ifndef MLGATE_BUF_H
#define MLGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define MLG_BUF_NOCAP ((size_t)-1 / 2)

struct mlg_buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char mlg_buf_empty[];
#define MLG_BUF_INIT                                                           \
	{                                                                      \
		mlg_buf_empty, 0, 0, MLG_BUF_NOCAP                             \
	}

void mlg_buf_init(struct mlg_buf *b, size_t cap);
/* Free the contents; the buffer is empty and usable again. */
void mlg_buf_release(struct mlg_buf *b);
/* Hand the string to the caller: a new allocation it must free, never
 * NULL (an empty buffer gives an empty string). The buffer is reset. */
char *mlg_buf_detach(struct mlg_buf *b, size_t *len);

/* Make room for `extra` more bytes. 0 or MLG_ELIMIT. */
int mlg_buf_grow(struct mlg_buf *b, size_t extra);
int mlg_buf_add(struct mlg_buf *b, const void *data, size_t len);
int mlg_buf_adds(struct mlg_buf *b, const char *s);
int mlg_buf_addch(struct mlg_buf *b, int c);
int mlg_buf_addf(struct mlg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mlg_buf_vaddf(struct mlg_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Set len to `len` (<= current len) and terminate. */
void mlg_buf_truncate(struct mlg_buf *b, size_t len);
static inline void mlg_buf_reset(struct mlg_buf *b)
{
	mlg_buf_truncate(b, 0);
}

/*
 * Replace every occurrence of `needle` (length nlen > 0) by `repl`.
 * O(len); returns the number of replacements, or MLG_ELIMIT.
 */
int mlg_buf_replace(struct mlg_buf *b, const char *needle, size_t nlen,
		    const char *repl);

#endif
