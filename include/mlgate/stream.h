/*
 * stream.h - one pull-style reader for files, stdin, compressed data and
 * http(s) URLs
 *
 * A gate opens its input with mlg_stream_open() and calls
 * mlg_stream_read() until it returns 0; where the bytes come from and how
 * they were compressed does not matter to it. Memory is constant: data is
 * never downloaded or decompressed whole first, whatever the input size.
 *
 * Compression is detected from the first bytes of the data, never from
 * the name: gzip, zstd, xz and bzip2 are decompressed (through
 * libarchive); anything else, including empty input, is delivered
 * unchanged. Concatenated gzip members and zstd frames are read as one
 * stream, as gzip -d and zstd -d do. An archive (a .tar.gz) is delivered
 * as the tar bytes: the stream removes compression, nothing more.
 *
 * Plain data does not go through libarchive: it is read with read(2) in
 * large blocks, straight into the caller's buffer when that is large
 * (>= MLG_STREAM_BLOCK), so a plain file costs one copy from the kernel.
 *
 * A stream is used by one thread at a time.
 */
#ifndef MLGATE_STREAM_H
#define MLGATE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes read from the source at a time. */
#define MLG_STREAM_BLOCK (256 * 1024)

struct mlg_stream;

struct mlg_stream_opts {
	/* 1: detect compression by content and decompress; 0: deliver the
	 * bytes exactly as stored */
	int decompress;
	/* for URLs: seconds allowed to connect, and to go without receiving
	 * a byte (a stall); 0 means MLG_HTTP_TIMEOUT_DEFAULT (see http.h) */
	long timeout_s;
	/* most bytes the stream may deliver, after decompression (a bound
	 * on decompression bombs); 0 means no limit */
	size_t max_bytes;
};

/*
 * Open `src`: "-" for standard input, an "http://" or "https://" URL
 * (scheme in any case), or else a file path. `opts` NULL means
 * {.decompress = 1}. On success `*out` is a new stream to free with
 * mlg_stream_close(); on failure it is NULL.
 *
 * Reads the first bytes to detect compression, so it blocks until they
 * arrive (for a URL: until the response has started). Errors name the
 * source, as mlg_stream_name() gives it:
 *   MLG_ENOTFOUND  cannot open 'x.csv': No such file or directory
 *   MLG_EIO        cannot open 'dir': Is a directory; other errno
 *   MLG_ENETWORK   'http://h/x.csv': HTTP 404 (see http.h)
 *   MLG_EIO        'x.csv.gz': <libarchive's text>, or
 *                  'x.gz': truncated or invalid gzip header, for
 *                  compressed data that ends or breaks before any output
 */
int mlg_stream_open(struct mlg_stream **out, const char *src,
		    const struct mlg_stream_opts *opts);

/* Whether mlg_stream_open() takes `src` for a URL: "http://" or
 * "https://", in any case. */
int mlg_stream_is_url(const char *src);

/*
 * Copy up to `n` bytes of (decompressed) data into `buf`. Returns the
 * number of bytes, which may be less than `n` before the end; 0 at the
 * end of the data (and for `n` == 0); or a negative code:
 *   MLG_EIO       'data.csv.gz': truncated gzip input  (libarchive's text
 *                 for corrupt or truncated compressed data);
 *                 'x.gz': corrupt gzip input: crc mismatch (or length),
 *                 from the stream's own check of the gzip trailer, which
 *                 libarchive skips (done when the data is one member, or
 *                 the last member's length matches the whole output);
 *                 cannot read 'x.csv': <strerror> for read(2) failures
 *   MLG_ENETWORK  a dropped or stalled connection (see http.h), also when
 *                 the body was compressed
 *   MLG_ELIMIT    'x.csv': larger than the limit of N bytes; the first
 *                 max_bytes bytes were delivered before it
 * After a failure every later call fails the same way.
 */
ssize_t mlg_stream_read(struct mlg_stream *s, void *buf, size_t n);

/*
 * Put back the `n` bytes `buf` holds, the last ones read (n at most the
 * offset, and nothing put back still unread): the next reads deliver
 * them again, and the offset goes back by n. So a source whose first
 * bytes were read to tell what it is (a saved profile or data) is read
 * on by its reader without a second opening: for a URL, no second
 * request.
 */
void mlg_stream_unread(struct mlg_stream *s, const void *buf, size_t n);

/* Bytes delivered by mlg_stream_read() so far. */
uint64_t mlg_stream_offset(const struct mlg_stream *s);

/*
 * Bytes taken from the source so far: the compressed size consumed, for
 * progress against a file size or Content-Length. It runs ahead of the
 * decompressor by up to one block. Equal to the offset for plain data.
 */
uint64_t mlg_stream_raw_bytes(const struct mlg_stream *s);

/* The size of the source in bytes where it is known ahead, that of a
 * regular file (compressed or not), else 0: mlg_stream_raw_bytes()
 * against it is the share read so far. */
uint64_t mlg_stream_size(const struct mlg_stream *s);

/* The source as errors name it: `src` as given, or "<stdin>" for "-".
 * Borrowed, valid until mlg_stream_close(). */
const char *mlg_stream_name(const struct mlg_stream *s);

/* "gzip", "zstd", "xz", "bzip2", or "none" for data delivered as stored.
 * A static string. */
const char *mlg_stream_filter(const struct mlg_stream *s);

/* Close the source (not standard input) and free `s`. NULL is fine. */
void mlg_stream_close(struct mlg_stream *s);

#endif
