/* stream.c - files, stdin and URLs, decompressed on the fly */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/stream.h"
#include "mlgate/util.h"

/* Bytes needed to tell the formats apart: bzip2's "BZh9" + block magic. */
#define MAGIC_MAX 10
/* Largest single read; read(2) on Linux moves at most ~2 GiB anyway. */
#define READ_MAX ((size_t)1 << 30)

struct mlg_stream {
	char *name;
	int fd;
	int own_fd;
	struct mlg_http_stream *http;
	struct archive *ar;
	const char *filter;
	/* MLG_STREAM_BLOCK bytes from the source; for plain data the
	 * unread part is blk[pos, len) */
	char *blk;
	size_t pos, len;
	int src_eof;
	/* a source failure seen inside libarchive: its message is set */
	int src_err;
	int at_end;
	uint64_t offset, raw, out;
	uint64_t size; /* a regular file's, or 0 */
	size_t max;
	int err;
	char *errmsg;
	/* gzip: libarchive checks neither the CRC nor the length of a
	 * member, so the stream checks the last trailer itself */
	int gz;
	int multi;
	uint32_t crc;
	unsigned char tail[8];
	/* bytes put back (mlg_stream_unread()): back[bpos, blen) */
	char *back;
	size_t bpos, blen;
};

static const struct magic {
	const char *name;
	int code;
	const char *bytes;
	size_t len;
} magics[] = {
	{"gzip", ARCHIVE_FILTER_GZIP, "\x1f\x8b\x08", 3},
	{"zstd", ARCHIVE_FILTER_ZSTD, "\x28\xb5\x2f\xfd", 4},
	{"xz", ARCHIVE_FILTER_XZ, "\xfd\x37\x7a\x58\x5a\x00", 6},
	{"bzip2", ARCHIVE_FILTER_BZIP2, "BZh", 3},
};

/* CRC-32 as gzip defines it (reflected, 0xEDB88320), eight bytes a step:
 * a byte at a time would cost as much as the inflating. */
static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
					crc_tab[0][crc_tab[k - 1][i] & 0xff];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	uint32_t a, b;

	crc = ~crc;
	for (; n >= 8; p += 8, n -= 8) {
		a = crc ^ le32(p);
		b = le32(p + 4);
		crc = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^
		      crc_tab[5][(a >> 16) & 0xff] ^ crc_tab[4][a >> 24] ^
		      crc_tab[3][b & 0xff] ^ crc_tab[2][(b >> 8) & 0xff] ^
		      crc_tab[1][(b >> 16) & 0xff] ^ crc_tab[0][b >> 24];
	}
	while (n--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static const struct magic *detect(const char *p, size_t n)
{
	static const char pi[] = "\x31\x41\x59\x26\x53\x59";
	static const char eos[] = "\x17\x72\x45\x38\x50\x90";
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(magics); i++)
		if (n >= magics[i].len &&
		    !memcmp(p, magics[i].bytes, magics[i].len))
			break;
	if (i == MLG_ARRAY_SIZE(magics))
		return NULL;
	/* "BZh" alone could start a text file: also ask for the block size
	 * digit and a block or end-of-stream magic */
	if (magics[i].code == ARCHIVE_FILTER_BZIP2 &&
	    (n < MAGIC_MAX || p[3] < '1' || p[3] > '9' ||
	     (memcmp(p + 4, pi, 6) && memcmp(p + 4, eos, 6))))
		return NULL;
	return &magics[i];
}

int mlg_stream_is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

static ssize_t src_read(struct mlg_stream *s, void *buf, size_t n)
{
	ssize_t r;

	if (s->http) {
		r = mlg_http_read(s->http, buf, n);
	} else {
		do
			r = read(s->fd, buf, n);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return mlg_error_errno(errno, "cannot read '%s'",
					       s->name);
	}
	if (r > 0)
		s->raw += (uint64_t)r;
	else if (!r)
		s->src_eof = 1;
	return r;
}

/* Note a raw gzip block: its last bytes, and whether a second member
 * header may be in it (then a length mismatch proves nothing). */
static void gz_note(struct mlg_stream *s, const unsigned char *p, size_t n,
		    uint64_t at)
{
	unsigned char j[4];
	size_t skip;

	if (!n)
		return;
	if (!s->multi && at >= 2) {
		memcpy(j, s->tail + 6, 2);
		j[2] = p[0];
		j[3] = n > 1 ? p[1] : 0;
		if (!memcmp(j, "\x1f\x8b\x08", 3) ||
		    (n > 1 && !memcmp(j + 1, "\x1f\x8b\x08", 3)))
			s->multi = 1;
	}
	/* the first member's own header is at offset 0 */
	skip = at ? 0 : 1;
	if (!s->multi && n > skip &&
	    memmem(p + skip, n - skip, "\x1f\x8b\x08", 3))
		s->multi = 1;
	if (n >= 8) {
		memcpy(s->tail, p + n - 8, 8);
	} else {
		memmove(s->tail, s->tail + n, 8 - n);
		memcpy(s->tail + 8 - n, p, n);
	}
}

static la_ssize_t ar_read(struct archive *a, void *ud, const void **out)
{
	struct mlg_stream *s = ud;
	ssize_t r;

	if (s->len) {
		/* the bytes read for detection come first */
		r = (ssize_t)s->len;
		s->len = 0;
	} else {
		r = src_read(s, s->blk, MLG_STREAM_BLOCK);
		if (r < 0) {
			s->src_err = (int)r;
			archive_set_error(a, EIO, "%s", mlg_error_message());
			return -1;
		}
	}
	if (s->gz)
		gz_note(s, (const unsigned char *)s->blk, (size_t)r,
			s->raw - (uint64_t)r);
	*out = s->blk;
	return r;
}

static int ar_fail(struct mlg_stream *s)
{
	const char *msg;

	if (s->src_err)
		return s->src_err;
	msg = archive_error_string(s->ar);
	return mlg_error_set(MLG_EIO, "'%s': %s", s->name,
			     msg ? msg : "cannot decompress");
}

/* The end of the compressed data: check what libarchive did not. */
static int finish(struct mlg_stream *s)
{
	uint32_t crc, size;

	s->at_end = 1;
	/* libarchive ends quietly at a gzip or bzip2 header it cannot
	 * parse, which is how it stops after the last member or stream,
	 * but it does so at the first one too */
	if (archive_filter_bytes(s->ar, 1) == 0)
		return mlg_error_set(MLG_EIO,
				     "'%s': truncated or invalid %s header",
				     s->name, s->filter);
	if (!s->gz)
		return 0;
	/* bytes after the gzip data hide where the last trailer is */
	if (!s->src_eof || archive_filter_bytes(s->ar, 1) != (int64_t)s->raw)
		return 0;
	crc = le32(s->tail);
	size = le32(s->tail + 4);
	if (size == (uint32_t)s->out && crc == s->crc)
		return 0;
	/* with several members the last trailer covers the last only */
	if (s->multi && size != (uint32_t)s->out)
		return 0;
	return mlg_error_set(MLG_EIO, "'%s': corrupt gzip input: %s mismatch",
			     s->name,
			     size != (uint32_t)s->out ? "length" : "crc");
}

static int start_filter(struct mlg_stream *s, const struct magic *m)
{
	struct archive_entry *entry;
	const char *msg;
	char *pending = NULL;
	int r, rc = 0;

	s->filter = m->name;
	s->ar = archive_read_new();
	if (!s->ar)
		return mlg_error_set(MLG_ELIMIT, "'%s': out of memory",
				     s->name);
	if (m->code == ARCHIVE_FILTER_GZIP) {
		pthread_once(&crc_once, crc_init);
		s->gz = 1;
	}
	/* The filter is named, not bid for: libarchive would otherwise go
	 * on detecting inside the data, and a gzip file holding text that
	 * starts with "begin 644" would come out uudecoded. */
	if (archive_read_append_filter(s->ar, m->code) < ARCHIVE_WARN ||
	    archive_read_support_format_raw(s->ar) != ARCHIVE_OK ||
	    archive_read_support_format_empty(s->ar) != ARCHIVE_OK ||
	    archive_read_open(s->ar, s, NULL, ar_read, NULL) != ARCHIVE_OK)
		return ar_fail(s);
	/* Data that ends before the first output byte makes libarchive
	 * choose the "empty" format: the open succeeds with the error
	 * left set, and the next call clears it and reports the end. */
	msg = archive_error_string(s->ar);
	if (msg)
		pending = mlg_strdup(msg);
	r = archive_read_next_header(s->ar, &entry);
	if (r == ARCHIVE_EOF && !s->src_err && !archive_error_string(s->ar))
		rc = pending ? mlg_error_set(MLG_EIO, "'%s': %s", s->name,
					     pending)
			     : finish(s);
	else if (r == ARCHIVE_EOF || r < ARCHIVE_WARN)
		rc = ar_fail(s);
	free(pending);
	return rc;
}

static int open_file(struct mlg_stream *s, const char *path)
{
	struct stat st;

	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return mlg_error_errno(errno, "cannot open '%s'", path);
	s->own_fd = 1;
	if (fstat(s->fd, &st))
		return mlg_error_errno(errno, "cannot open '%s'", path);
	if (S_ISDIR(st.st_mode))
		return mlg_error_errno(EISDIR, "cannot open '%s'", path);
	if (S_ISREG(st.st_mode)) {
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		s->size = (uint64_t)st.st_size;
	}
	return 0;
}

int mlg_stream_open(struct mlg_stream **out, const char *src,
		    const struct mlg_stream_opts *opts)
{
	static const struct mlg_stream_opts defaults = {.decompress = 1};
	struct mlg_stream *s = mlg_calloc(1, sizeof(*s));
	const struct magic *m;
	ssize_t r;
	int rc = 0;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	s->fd = -1;
	s->max = opts->max_bytes;
	s->filter = "none";
	s->blk = mlg_malloc(MLG_STREAM_BLOCK);
	if (!strcmp(src, "-")) {
		s->name = mlg_strdup("<stdin>");
		s->fd = STDIN_FILENO;
	} else {
		s->name = mlg_strdup(src);
		if (mlg_stream_is_url(src))
			rc = mlg_http_open(&s->http, src, opts->timeout_s);
		else
			rc = open_file(s, src);
		if (rc)
			goto done;
	}
	/* pipes and sockets may hand over fewer bytes than a magic needs */
	while (s->len < MAGIC_MAX && !s->src_eof) {
		r = src_read(s, s->blk + s->len, MLG_STREAM_BLOCK - s->len);
		if (r < 0) {
			rc = (int)r;
			goto done;
		}
		s->len += (size_t)r;
	}
	if (opts->decompress && (m = detect(s->blk, s->len)))
		if ((rc = start_filter(s, m)))
			goto done;
	*out = s;
	s = NULL;
done:
	mlg_stream_close(s);
	return rc;
}

static ssize_t read_plain(struct mlg_stream *s, char *buf, size_t n)
{
	ssize_t r;

	if (s->pos == s->len) {
		if (s->src_eof)
			return 0;
		/* a large read goes straight to the caller's buffer */
		if (n >= MLG_STREAM_BLOCK)
			return src_read(s, buf, n);
		r = src_read(s, s->blk, MLG_STREAM_BLOCK);
		if (r <= 0)
			return r;
		s->pos = 0;
		s->len = (size_t)r;
	}
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->blk + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static ssize_t read_filtered(struct mlg_stream *s, char *buf, size_t n)
{
	la_ssize_t r;

	if (s->at_end)
		return 0;
	r = archive_read_data(s->ar, buf, n);
	if (r > 0) {
		if (s->gz)
			s->crc = crc32_update(s->crc, (unsigned char *)buf,
					      (size_t)r);
		s->out += (uint64_t)r;
		return r;
	}
	if (!r)
		return finish(s);
	return ar_fail(s);
}

static ssize_t pull(struct mlg_stream *s, char *buf, size_t n)
{
	return s->ar ? read_filtered(s, buf, n) : read_plain(s, buf, n);
}

ssize_t mlg_stream_read(struct mlg_stream *s, void *buf, size_t n)
{
	ssize_t r;
	char c;

	if (s->err)
		return mlg_error_set(s->err, "%s", s->errmsg);
	if (!n)
		return 0;
	if (n > READ_MAX)
		n = READ_MAX;
	if (s->bpos < s->blen) {
		r = (ssize_t)(n < s->blen - s->bpos ? n : s->blen - s->bpos);
		memcpy(buf, s->back + s->bpos, (size_t)r);
		s->bpos += (size_t)r;
		s->offset += (uint64_t)r;
		return r;
	}
	if (s->max && s->offset >= s->max) {
		/* exactly max_bytes is fine: look for one byte more */
		r = pull(s, &c, 1);
		if (r > 0)
			r = mlg_error_set(MLG_ELIMIT,
					  "'%s': larger than the limit of %zu "
					  "bytes",
					  s->name, s->max);
		goto done;
	}
	if (s->max && n > s->max - s->offset)
		n = (size_t)(s->max - s->offset);
	r = pull(s, buf, n);
	if (r > 0)
		s->offset += (uint64_t)r;
done:
	if (r < 0) {
		s->err = (int)r;
		s->errmsg = mlg_strdup(mlg_error_message());
	}
	return r;
}

void mlg_stream_unread(struct mlg_stream *s, const void *buf, size_t n)
{
	if (s->bpos < s->blen || n > s->offset)
		MLG_BUG("unread past the start, or twice");
	free(s->back);
	s->back = mlg_malloc(n ? n : 1);
	memcpy(s->back, buf, n);
	s->bpos = 0;
	s->blen = n;
	s->offset -= n;
}

uint64_t mlg_stream_offset(const struct mlg_stream *s)
{
	return s->offset;
}

uint64_t mlg_stream_raw_bytes(const struct mlg_stream *s)
{
	return s->ar ? s->raw : s->offset;
}

uint64_t mlg_stream_size(const struct mlg_stream *s)
{
	return s->size;
}

const char *mlg_stream_name(const struct mlg_stream *s)
{
	return s->name;
}

const char *mlg_stream_filter(const struct mlg_stream *s)
{
	return s->filter;
}

void mlg_stream_close(struct mlg_stream *s)
{
	if (!s)
		return;
	if (s->ar)
		archive_read_free(s->ar);
	mlg_http_close(s->http);
	if (s->own_fd)
		close(s->fd);
	free(s->errmsg);
	free(s->blk);
	free(s->back);
	free(s->name);
	free(s);
}
