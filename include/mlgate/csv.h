/*
 * csv.h - the CSV reader: RFC 4180, any dialect, fast, splittable
 *
 * Three layers over the same rules:
 *
 *   mlg_csv_split()       finds the end of the last complete record in a
 *                         buffer and counts its lines and records, in one
 *                         vectorised pass (several GB/s). Threads use it to
 *                         cut a stream into chunks of whole records.
 *   struct mlg_csv_chunk  parses the records of one in-memory chunk. Chunks
 *                         are independent, so threads may parse them in
 *                         parallel, each with its own iterator.
 *   struct mlg_csv_reader streams records (or chunks) from a read callback
 *                         in bounded memory.
 *
 * The rules (Frictionless CSV Dialect, RFC 4180, lenient like Python's csv
 * with strict=False):
 *
 *  - A record ends at LF or CRLF. A CR that is not followed by LF is data:
 *    CR-only line endings (classic Mac) are not supported, a whole file of
 *    them is one record. A final record without a line ending is a record;
 *    an empty input has none.
 *  - An empty line is a record with one empty field and `blank` set. A line
 *    of spaces is not blank (it has one field of spaces).
 *  - Fields are <ptr, len>: NUL bytes and invalid UTF-8 are data, never
 *    terminators. Deciding whether they are acceptable is the caller's job.
 *  - A quote at the start of a field (after skip_initial_space spaces)
 *    opens a quoted field, which may hold delimiters, line feeds and, with
 *    double_quote, doubled quotes standing for one.
 *  - Irregular quoting is kept as data and counted in `irregular`: a quote
 *    inside an unquoted field ('5"3' is 5"3), text after a closing quote
 *    ('"ab"cd' is abcd), and an escape as the last byte of the input.
 *  - The escape char, when set, makes the next byte literal, inside or
 *    outside quotes; an escaped CRLF is literal as a whole.
 *  - A line whose first byte is the comment char is skipped (it still
 *    counts in line numbers), also when it holds quotes.
 *  - A UTF-8 BOM at offset 0 of the stream is skipped.
 *  - A quoted field still open at the end of the input is MLG_EDATA
 *    "unterminated quoted field starting at line N".
 *
 * Records and their fields are borrowed from the iterator or reader and
 * are valid until its next call. Nothing is allocated per record or per
 * field: the field array and one scratch buffer (for fields that needed
 * unescaping) are reused.
 */
#ifndef MLGATE_CSV_H
#define MLGATE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mlg_buf;

/*
 * A Frictionless CSV Dialect. Characters are single bytes; 0 disables the
 * quote, escape and comment characters (quote 0 reads TSV-style data where
 * quotes are plain data).
 */
struct mlg_csv_dialect {
	char delimiter;		/* ',' */
	char quote;		/* '"'; 0: no quoting */
	int double_quote;	/* 1: "" inside quotes is one quote */
	char escape;		/* 0: none; '\\' for backslash escapes */
	char comment;		/* 0: none; '#' skips lines starting with it */
	int skip_initial_space; /* 0: spaces after a delimiter are data */
	int header; /* 1: the first record is a header. Not used by the
		     * parser, which returns it as a record; kept for the
		     * caller so one struct describes the file. */
};

#define MLG_CSV_DIALECT_INIT                                                   \
	{                                                                      \
		',', '"', 1, 0, 0, 0, 1                                        \
	}

/* Set the defaults (MLG_CSV_DIALECT_INIT). */
void mlg_csv_dialect_init(struct mlg_csv_dialect *d);

/*
 * Check that a dialect can be parsed without ambiguity: a delimiter is
 * set; no special character is LF or CR; delimiter, quote, escape and
 * comment are distinct; none of them is a space with skip_initial_space.
 * Returns 0 or MLG_EINVALID with a message such as
 * "invalid csv dialect: delimiter and quote are both ','".
 * The functions below take NULL for the defaults; given an invalid dialect
 * they fail (readers, iterators) or return unspecified counts (split).
 */
int mlg_csv_dialect_check(const struct mlg_csv_dialect *d);

/* Bytes of UTF-8 BOM at the start of `ptr`: 3 or 0. */
size_t mlg_csv_bom(const char *ptr, size_t len);

/* Where a chunk or record sits in the stream. */
struct mlg_csv_pos {
	uint64_t line;	 /* physical line, 1-based */
	uint64_t offset; /* byte offset */
	uint64_t record; /* records before it (0-based index) */
};

#define MLG_CSV_POS_INIT                                                       \
	{                                                                      \
		1, 0, 0                                                        \
	}

/*
 * One field: `ptr` is borrowed, it points into the chunk, or into the
 * iterator's scratch buffer when quotes or escapes had to be removed. It is
 * not NUL-terminated.
 */
struct mlg_csv_field {
	const char *ptr;
	size_t len;
	unsigned char quoted;	 /* 1: the field was quoted */
	unsigned char irregular; /* 1: it holds irregular quoting (above) */
};

struct mlg_csv_record {
	struct mlg_csv_field *fields; /* borrowed; nfields >= 1 entries */
	size_t nfields;
	uint64_t line;	 /* physical line where it starts, 1-based */
	uint64_t nlines; /* physical lines it spans, >= 1 */
	uint64_t offset; /* byte offset of its first byte in the stream */
	uint64_t index;	 /* 0-based; blank records count, comment lines not */
	size_t size;	 /* raw bytes, line ending included */
	unsigned irregular; /* irregular-quoting events in the record */
	int blank;	    /* the line was empty: one empty unquoted field */
	/* A field lost quotes or escapes: it was copied to the parser's
	 * scratch, valid only until the next record. */
	int unescaped;
};

/* Whether `rec` is a blank row as frictionless takes it (blank-row): an
 * empty line, or empty unquoted cells only (",,"). */
static inline int mlg_csv_record_blank(const struct mlg_csv_record *rec)
{
	size_t i;

	if (rec->blank)
		return 1;
	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].len || rec->fields[i].quoted)
			return 0;
	return 1;
}

/* Counts for mlg_csv_split(). */
struct mlg_csv_count {
	uint64_t lines;	  /* LF bytes: the next chunk starts this many
			   * lines later */
	uint64_t records; /* records, blank ones included, comment lines
			   * not; at EOF a final unterminated quoted field
			   * counts as one (parsing it gives MLG_EDATA) */
};

/*
 * Find the end of the last complete record in <ptr, len>, which must start
 * at a record boundary (after the BOM at the start of a stream, see
 * mlg_csv_bom()). A newline inside quotes is not a boundary; comment lines
 * end at their LF whatever they hold. With `at_eof` the input ends at
 * `len`, so everything is complete and `len` is returned.
 *
 * Returns the length of the complete records (0 when none is complete);
 * fills `out` (may be NULL) with their lines and records. O(len) with no
 * allocation; regular data goes 64 bytes at a time, blocks with irregular
 * quoting, escapes or comments byte by byte.
 */
size_t mlg_csv_split(struct mlg_csv_count *out, const struct mlg_csv_dialect *d,
		     const char *ptr, size_t len, int at_eof);

/*
 * An iterator over the records of one chunk. Members are private except
 * `error_line`. The chunk is borrowed and must outlive the iterator.
 */
struct mlg_csv_chunk {
	uint64_t error_line; /* after MLG_EDATA: line of the opening quote */

	struct mlg_csv_dialect dialect;
	const char *ptr;
	size_t len, pos, blk;
	uint64_t bits, other, quotes;
	uint64_t line, offset, record; /* of ptr + pos; offset of ptr */
	int delim, quote, escape, comment, dq, skip;
	int err, fast, carry;
	int partial;  /* the reader's: the chunk may end inside a record */
	size_t limit; /* the reader's max_record */
	struct mlg_csv_field *fields;
	size_t falloc;
	size_t *dirty;
	size_t dalloc;
	char *scratch;
	size_t salloc;
};

/*
 * Start iterating over <ptr, len>, which begins at a record boundary at
 * position `at` of the stream (NULL: the start, MLG_CSV_POS_INIT). At
 * offset 0 a BOM is skipped. The chunk ends with its last record: a
 * missing final line ending is accepted as at EOF. The dialect is copied;
 * NULL means the defaults.
 */
void mlg_csv_chunk_init(struct mlg_csv_chunk *it,
			const struct mlg_csv_dialect *d, const char *ptr,
			size_t len, const struct mlg_csv_pos *at);

/*
 * Parse the next record into `rec`. Returns 1 for a record, 0 at the end
 * of the chunk, MLG_EDATA for an unterminated quoted field (line of the
 * opening quote in it->error_line), MLG_EINVALID for an invalid dialect.
 * Errors are sticky. O(record) amortised; the record and its fields are
 * valid until the next call.
 */
int mlg_csv_chunk_next(struct mlg_csv_chunk *it, struct mlg_csv_record *rec);

/*
 * mlg_csv_chunk_next() that keeps the fields of records before: the
 * record's fields go to the iterator's array from index `base` on, and
 * its first `base` entries stay as they are. The array may move when it
 * grows: keep indexes into mlg_csv_chunk_fields(), not pointers. For a
 * caller that gathers the fields of a block of records without copying.
 */
int mlg_csv_chunk_next_at(struct mlg_csv_chunk *it, struct mlg_csv_record *rec,
			  size_t base);

/*
 * Up to `max` (>= 1) records at once, as that many calls of
 * mlg_csv_chunk_next_at() give them: the k-th into recs[k], its fields
 * from index base + k * stride on. A batch goes on only after a record
 * of exactly `stride` fields that ends in its own line feed, is not
 * blank and had no escape undone: all records of a batch but the last
 * are such records. Returns how many records it gave, or what
 * mlg_csv_chunk_next() returns when it gives none (an error comes on
 * the call after the records before it). The array may move during the
 * call, so the records' `fields` may be stale: index
 * mlg_csv_chunk_fields() instead. For a caller that checks rows in
 * blocks: the parser's state stays in registers from one record to the
 * next.
 */
int mlg_csv_chunk_next_batch(struct mlg_csv_chunk *it,
			     struct mlg_csv_record *recs, size_t max,
			     size_t base, size_t stride);

/* The iterator's array of fields, where it is now. */
static inline struct mlg_csv_field *
mlg_csv_chunk_fields(const struct mlg_csv_chunk *it)
{
	return it->fields;
}

/* The position of the next record (after the last one returned); after
 * an error, that of the record that failed. */
void mlg_csv_chunk_pos(const struct mlg_csv_chunk *it, struct mlg_csv_pos *out);

/* Free the iterator's buffers. */
void mlg_csv_chunk_release(struct mlg_csv_chunk *it);

/* The record size limit when 0 is given: 16 MiB. */
#define MLG_CSV_MAX_RECORD ((size_t)16 << 20)
/* The reader's normal buffer, and so the size of its chunks. */
#define MLG_CSV_CHUNK_SIZE ((size_t)1 << 20)

/*
 * A streaming reader. `read` is called like mlg_stream_read(): it returns
 * the number of bytes stored (at most n), 0 at EOF, or a negative MLG_E*
 * code after setting the error message, which the reader returns as is.
 * Members are private.
 */
struct mlg_csv_reader {
	struct mlg_csv_chunk it; /* over buf[head, len) */
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	void *ctx;
	size_t max;
	size_t chunk; /* the buffer's normal size */
	char *buf;
	size_t alloc, head, len;
	struct mlg_csv_pos head_pos;
	int eof, err, bom_done, filled;
	int stuck; /* the last peek took no record: one is cut */
};

/*
 * Set up `r` to read CSV from `read(ctx, ...)`. The dialect is copied
 * (NULL: defaults). `max_record` caps memory (0: MLG_CSV_MAX_RECORD): a
 * record of more raw bytes than that, line ending included, is
 * MLG_ELIMIT "record at line N is larger than M bytes", found after
 * buffering at most max_record + 1 bytes of it.
 * Returns 0 or MLG_EINVALID (bad dialect, no callback); `r` may be released
 * either way. Nothing is read before the first next call.
 */
int mlg_csv_reader_init(struct mlg_csv_reader *r,
			const struct mlg_csv_dialect *d,
			ssize_t (*read)(void *ctx, void *buf, size_t n),
			void *ctx, size_t max_record);

/*
 * Keep `bytes` buffered normally instead of MLG_CSV_CHUNK_SIZE (0: that
 * again): the size of chunks and peeks. Small chunks are for tests that
 * cut a small input in many places. Call before the first read.
 */
void mlg_csv_reader_set_chunk(struct mlg_csv_reader *r, size_t bytes);

/*
 * Read the next record into `rec`: 1, 0 at the end of the input, or a
 * negative code (MLG_EDATA unterminated quote, MLG_ELIMIT, or the read
 * callback's error). Errors are sticky. A record is returned as soon as it
 * is complete in the buffer, so this suits pipes. Valid until the next
 * call.
 */
int mlg_csv_reader_next(struct mlg_csv_reader *r, struct mlg_csv_record *rec);

/*
 * Step over the next record: the same return values and the same
 * positions after it as mlg_csv_reader_next(), but a record without
 * quotes or escapes costs a search for its LF, not a parse. For readers
 * that want only some of the records (a shard of a file).
 */
int mlg_csv_reader_skip(struct mlg_csv_reader *r);
/*
 * Take the next chunk of complete records, for a worker thread to parse
 * with its own mlg_csv_chunk iterator: reads until the buffer
 * (MLG_CSV_CHUNK_SIZE or as set, more for a record that does not fit) is
 * full or the input ends, then hands over every complete record in it,
 * with `at`, the position of its first byte, to pass to
 * mlg_csv_chunk_init(). The chunk is borrowed and valid until the next
 * call on `r`: copy it to hand it to another thread. After records taken
 * with mlg_csv_reader_next(), the first chunk starts at the next record.
 *
 * Returns 1, 0 at the end of the input, or a negative code as
 * mlg_csv_reader_next() (an unterminated quote is found by the chunk's
 * parser, not here). A chunk may hold only comment lines.
 */
int mlg_csv_reader_next_chunk(struct mlg_csv_reader *r, const char **ptr,
			      size_t *len, struct mlg_csv_pos *at);

/*
 * mlg_csv_reader_next_chunk() without the scan for where records end:
 * the chunk ends after the last LF in the full buffer, which may be inside
 * a quoted field, or at the end of the input. `offset` is where it starts
 * in the stream; its lines and records are not counted. `partial` is 1
 * unless the chunk ends the input: then parse it in partial mode (the
 * iterator's `partial`), and a record cut at its end means the cut was not
 * a record boundary. The caller, having parsed the chunks in order, knows
 * where records really are: mlg_csv_reader_unread() hands back what was
 * cut wrong. Returns 1, 0 at the end of the input, 2 when the full buffer
 * holds no LF (nothing is taken, `offset` is set: set the position with
 * mlg_csv_reader_unread() and use mlg_csv_reader_next_chunk()), or a
 * negative code as mlg_csv_reader_next().
 */
int mlg_csv_reader_next_cut(struct mlg_csv_reader *r, const char **ptr,
			    size_t *len, uint64_t *offset, int *partial);

/*
 * Swap buffers with the reader, which copies what it holds unconsumed to
 * the start of *buf (of *alloc bytes, NULL and 0 at first; made larger if
 * smaller than its own) and hands over its own: a chunk just taken stays
 * where it is, in *buf now, without a copy. For a caller that keeps
 * chunks past the next call.
 */
void mlg_csv_reader_trade(struct mlg_csv_reader *r, char **buf, size_t *alloc);

/* Where the next record starts, as far as lines and records have been
 * counted (not past chunks from mlg_csv_reader_next_cut()). */
void mlg_csv_reader_pos(const struct mlg_csv_reader *r,
			struct mlg_csv_pos *out);

/*
 * Put <ptr, len> (len may be 0) back in front of what the reader holds, to
 * be read again from `at`, which must be where those bytes start and begin
 * a record: the reader counts lines and records from there.
 */
void mlg_csv_reader_unread(struct mlg_csv_reader *r, const char *ptr,
			   size_t len, const struct mlg_csv_pos *at);

/*
 * For a caller that parses on the reader's thread, instead of
 * mlg_csv_reader_next_chunk(): the bytes buffered from the next record
 * on (at least one whole record, unless the input ends), not scanned for
 * where records end. Sets up `it` over them with the reader's dialect
 * and record size limit, in partial mode unless the input ends there: a
 * record the end cuts is not returned (mlg_csv_chunk_next() returns 0
 * there). Parse with `it`, then hand it to mlg_csv_reader_took() before
 * the next call on `r`. Returns 1, 0 at the end of the input, or a
 * negative code as mlg_csv_reader_next().
 */
int mlg_csv_reader_peek(struct mlg_csv_reader *r, struct mlg_csv_chunk *it,
			const char **ptr, size_t *len, struct mlg_csv_pos *at);

/* The records that `it`, set up by mlg_csv_reader_peek(), returned are
 * consumed; its arrays stay the caller's to release. A record over the
 * size limit that `it` met is the reader's error from then on. */
void mlg_csv_reader_took(struct mlg_csv_reader *r,
			 const struct mlg_csv_chunk *it);

/*
 * After MLG_EDATA, the line where the unterminated quoted field began;
 * after MLG_ELIMIT, the line where the record too big begins; else 0.
 * The error message holds the same line.
 */
uint64_t mlg_csv_reader_error_line(const struct mlg_csv_reader *r);

/* Free the reader's buffers; the callback's ctx is the caller's. */
void mlg_csv_reader_release(struct mlg_csv_reader *r);

/*
 * Append `s` to `b` as one CSV field: as it is, or in double quotes
 * (inner quotes doubled) when it holds `delim`, a quote, CR or LF.
 */
void mlg_csv_add_field(struct mlg_buf *b, const char *s, char delim);

#endif
