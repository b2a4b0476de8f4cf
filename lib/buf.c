/* buf.c - growable byte buffer with a cap */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/util.h"

char mlg_buf_empty[1];

void mlg_buf_init(struct mlg_buf *b, size_t cap)
{
	b->ptr = mlg_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : MLG_BUF_NOCAP;
}

void mlg_buf_release(struct mlg_buf *b)
{
	if (b->alloc)
		free(b->ptr);
	mlg_buf_init(b, b->cap);
}

char *mlg_buf_detach(struct mlg_buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	p = b->alloc ? b->ptr : mlg_strdup("");
	mlg_buf_init(b, b->cap);
	return p;
}

int mlg_buf_grow(struct mlg_buf *b, size_t extra)
{
	size_t need, n;

	if (extra > b->cap || b->len > b->cap - extra)
		return mlg_error_set(MLG_ELIMIT,
				     "buffer limit of %zu bytes reached",
				     b->cap);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > (size_t)-1 / 4 ? need : n * 2;
	if (b->alloc) {
		b->ptr = mlg_realloc(b->ptr, n);
	} else {
		b->ptr = mlg_malloc(n);
		b->ptr[0] = '\0';
	}
	b->alloc = n;
	return 0;
}

int mlg_buf_add(struct mlg_buf *b, const void *data, size_t len)
{
	int rc;

	if (!len)
		return 0;
	rc = mlg_buf_grow(b, len);
	if (rc)
		return rc;
	memmove(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int mlg_buf_adds(struct mlg_buf *b, const char *s)
{
	return mlg_buf_add(b, s, strlen(s));
}

int mlg_buf_addch(struct mlg_buf *b, int c)
{
	char ch = (char)c;

	return mlg_buf_add(b, &ch, 1);
}

int mlg_buf_vaddf(struct mlg_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		MLG_BUG("bad format");
	rc = mlg_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int mlg_buf_addf(struct mlg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mlg_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void mlg_buf_truncate(struct mlg_buf *b, size_t len)
{
	if (len > b->len)
		MLG_BUG("truncate beyond length");
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

int mlg_buf_replace(struct mlg_buf *b, const char *needle, size_t nlen,
		    const char *repl)
{
	struct mlg_buf out;
	const char *p, *end, *hit;
	int count = 0, rc = 0;

	if (!nlen)
		MLG_BUG("empty needle");
	if (!memmem(b->ptr, b->len, needle, nlen))
		return 0;
	mlg_buf_init(&out, b->cap);
	p = b->ptr;
	end = b->ptr + b->len;
	while ((hit = memmem(p, (size_t)(end - p), needle, nlen))) {
		if ((rc = mlg_buf_add(&out, p, (size_t)(hit - p))) ||
		    (rc = mlg_buf_adds(&out, repl)))
			goto done;
		p = hit + nlen;
		count++;
	}
	if ((rc = mlg_buf_add(&out, p, (size_t)(end - p))))
		goto done;
	mlg_buf_release(b);
	*b = out;
	return count;
done:
	mlg_buf_release(&out);
	return rc;
}
