/*
 * fuzz_csv.c - the CSV reader against a byte-at-a-time reference
 *
 * Every input is parsed with several dialects by:
 *   - ref(): a plain state machine written from the rules in csv.h, with
 *     no masks, no lookahead tricks and no splitting;
 *   - one chunk iterator over the whole input;
 *   - mlg_csv_split() at many cut points, each side parsed as a chunk;
 *   - a chain of split() windows, as a threaded validator would cut;
 *   - the reader, with reads of 1, 3, 64 bytes and of varying sizes, with
 *     next(), next_chunk() and the two mixed, and with a small max_record.
 * Each produces a transcript of records (and the error at the end); any
 * difference from the reference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mlg_csv_dialect dialects[] = {
	{',', '"', 1, 0, 0, 0, 1},	/* RFC 4180 */
	{'\t', 0, 0, 0, 0, 0, 1},	/* TSV */
	{',', '"', 0, '\\', 0, 0, 1},	/* backslash escapes */
	{';', '\'', 1, 0, '#', 1, 1},	/* comments, initial spaces */
	{',', '"', 1, '\\', '#', 0, 0}, /* everything at once */
	{'|', '"', 0, 0, 0, 1, 1},	/* no doubling */
};

/* ---- the reference ---- */

enum { R_START, R_FIELD, R_INQ, R_CLOSED, R_ESC, R_ESCQ };

struct unit {
	uint64_t line;
	size_t size;
	int record; /* 0: a comment line */
};

struct ref {
	struct mlg_buf out; /* the transcript */
	struct unit *units; /* records and comment lines, in order */
	size_t nunits, alloc;
	size_t *ends; /* transcript length after each unit */
	int err;
	uint64_t err_line;
};

/* printf is too slow here: transcripts are most of the fuzzing time */
static void put_u64(struct mlg_buf *b, const char *tag, uint64_t v)
{
	char tmp[32];
	int n = sizeof(tmp);

	tmp[--n] = ' ';
	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mlg_buf_adds(b, tag);
	mlg_buf_add(b, tmp + n, sizeof(tmp) - n);
}

static void put_field(struct mlg_buf *b, int quoted, int irregular,
		      const char *p, size_t n)
{
	char head[3] = {'[', (char)('0' + quoted), (char)('0' + irregular)};

	mlg_buf_add(b, head, 3);
	put_u64(b, "", n);
	mlg_buf_add(b, p, n);
	mlg_buf_addch(b, ']');
}

/* Everything of a record but its fields. */
static void put_head(struct mlg_buf *b, const struct mlg_csv_record *r)
{
	put_u64(b, "L", r->line);
	put_u64(b, "+", r->nlines);
	put_u64(b, "@", r->offset);
	put_u64(b, "#", r->index);
	put_u64(b, "s", r->size);
	put_u64(b, "i", r->irregular);
	put_u64(b, "b", (uint64_t)r->blank);
	put_u64(b, "n", r->nfields);
}

static void put_record(struct mlg_buf *b, const struct mlg_csv_record *r)
{
	size_t i;

	put_head(b, r);
	for (i = 0; i < r->nfields; i++)
		put_field(b, r->fields[i].quoted, r->fields[i].irregular,
			  r->fields[i].ptr, r->fields[i].len);
	mlg_buf_addch(b, '\n');
}

static void add_unit(struct ref *r, uint64_t line, size_t size, int record)
{
	if (r->nunits == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 16;
		r->units = realloc(r->units, r->alloc * sizeof(*r->units));
		r->ends = realloc(r->ends, r->alloc * sizeof(*r->ends));
		if (!r->units || !r->ends)
			abort();
	}
	r->units[r->nunits].line = line;
	r->units[r->nunits].size = size;
	r->units[r->nunits].record = record;
	r->ends[r->nunits++] = r->out.len;
}

/* What `c`, the byte before s[i], does outside quotes: 1 it is the
 * delimiter, 2 it ends the line (LF, or the CR of CR LF), 0 neither. */
static int field_end(int c, int delim, const unsigned char *s, size_t i,
		     size_t n)
{
	if (c == delim)
		return 1;
	return c == '\n' || (c == '\r' && i < n && s[i] == '\n') ? 2 : 0;
}

static void ref(struct ref *r, const struct mlg_csv_dialect *d,
		const unsigned char *s, size_t n)
{
	int delim = (unsigned char)d->delimiter;
	int quote = d->quote ? (unsigned char)d->quote : -1;
	int esc = d->escape ? (unsigned char)d->escape : -1;
	int com = d->comment ? (unsigned char)d->comment : -1;
	struct mlg_buf val = MLG_BUF_INIT, fields = MLG_BUF_INIT;
	uint64_t line = 1, index = 0;
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	mlg_buf_init(&r->out, 0);
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < n) {
		size_t start = i, nf = 0;
		uint64_t nl = 0, open_nl = 0;
		unsigned irr = 0;
		int st = R_START, fq = 0, fi = 0, lf = 0, done = 0;
		struct mlg_csv_record rec;

		if (s[i] == com) {
			while (i < n && s[i] != '\n')
				i++;
			i += i < n;
			add_unit(r, line, i - start, 0);
			line++;
			continue;
		}
		mlg_buf_reset(&fields);
#define PUSH()                                                                 \
	do {                                                                   \
		put_field(&fields, fq, fi, val.ptr, val.len);                  \
		mlg_buf_reset(&val);                                           \
		fq = fi = 0;                                                   \
		nf++;                                                          \
	} while (0)
/* after a delimiter the next field, after a line end the next record */
#define END_FIELD()                                                            \
	do {                                                                   \
		PUSH();                                                        \
		if (e == 1) {                                                  \
			st = R_START;                                          \
		} else {                                                       \
			i += c == '\r';                                        \
			lf = done = 1;                                         \
		}                                                              \
	} while (0)
		while (!done) {
			int c, e;

			if (i == n) {
				if (st == R_INQ || st == R_ESCQ) {
					add_unit(r, line, n - start, 1);
					r->err = MLG_EDATA;
					r->err_line = line + open_nl;
					goto out;
				}
				if (st == R_ESC) {
					mlg_buf_addch(&val, esc);
					irr++;
					fi = 1;
				}
				PUSH();
				break;
			}
			c = s[i++];
			switch (st) {
			case R_START:
				if (c == ' ' && d->skip_initial_space)
					break;
				if (c == quote) {
					st = R_INQ;
					fq = 1;
					open_nl = nl;
					break;
				}
				/* fall through */
			case R_FIELD:
				if ((e = field_end(c, delim, s, i, n))) {
					END_FIELD();
				} else if (c == esc) {
					st = R_ESC;
				} else {
					if (c == quote) {
						irr++;
						fi = 1;
					}
					mlg_buf_addch(&val, c);
					st = R_FIELD;
				}
				break;
			case R_INQ:
				if (c == quote) {
					st = R_CLOSED;
				} else if (c == esc) {
					st = R_ESCQ;
				} else {
					nl += c == '\n';
					mlg_buf_addch(&val, c);
				}
				break;
			case R_CLOSED:
				if (c == quote && d->double_quote) {
					mlg_buf_addch(&val, c);
					st = R_INQ;
				} else if ((e = field_end(c, delim, s, i, n))) {
					END_FIELD();
				} else {
					irr++;
					fi = 1;
					st = R_FIELD;
					if (c == esc)
						st = R_ESC;
					else
						mlg_buf_addch(&val, c);
				}
				break;
			case R_ESC:
				mlg_buf_addch(&val, c);
				nl += c == '\n';
				if (c == '\r' && i < n && s[i] == '\n') {
					mlg_buf_addch(&val, '\n');
					i++;
					nl++;
				}
				st = R_FIELD;
				break;
			case R_ESCQ:
				mlg_buf_addch(&val, c);
				nl += c == '\n';
				st = R_INQ;
				break;
			}
		}
#undef END_FIELD
#undef PUSH
		memset(&rec, 0, sizeof(rec));
		rec.line = line;
		rec.nlines = nl + 1;
		rec.offset = start;
		rec.index = index++;
		rec.size = i - start;
		rec.irregular = irr;
		rec.blank = lf && (rec.size == 1 ||
				   (rec.size == 2 && s[start] == '\r'));
		rec.nfields = nf;
		put_head(&r->out, &rec);
		mlg_buf_add(&r->out, fields.ptr, fields.len);
		mlg_buf_addch(&r->out, '\n');
		add_unit(r, line, rec.size, 1);
		line += nl + lf;
	}
out:
	mlg_buf_release(&val);
	mlg_buf_release(&fields);
}

static void ref_free(struct ref *r)
{
	mlg_buf_release(&r->out);
	free(r->units);
	free(r->ends);
}

/* ---- checks ---- */

static void dump(const char *what, const struct mlg_buf *b)
{
	size_t i;

	fprintf(stderr, "--- %s:\n", what);
	for (i = 0; i < b->len; i++) {
		unsigned char c = b->ptr[i];

		if (c == '\n' || (c >= ' ' && c < 127))
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
}

static void expect(const struct mlg_buf *want, const struct mlg_buf *got,
		   const char *how, const struct mlg_csv_dialect *d,
		   const uint8_t *data, size_t size)
{
	struct mlg_buf in = MLG_BUF_INIT;

	if (want->len == got->len && !memcmp(want->ptr, got->ptr, got->len))
		return;
	mlg_buf_add(&in, data, size);
	fprintf(stderr,
		"csv mismatch (%s), dialect '%c' quote %d dq %d "
		"escape %d comment %d skip %d\n",
		how, d->delimiter, d->quote, d->double_quote, d->escape,
		d->comment, d->skip_initial_space);
	dump("input", &in);
	fputc('\n', stderr);
	dump("want", want);
	dump("got", got);
	abort();
}

static void put_end(struct mlg_buf *b, int err, uint64_t line)
{
	if (err)
		mlg_buf_addf(b, "E%d L%llu\n", err, (unsigned long long)line);
	else
		mlg_buf_adds(b, "END\n");
}

/* The reference transcript with its error. */
static void want_all(struct mlg_buf *w, const struct ref *r)
{
	mlg_buf_add(w, r->out.ptr, r->out.len);
	put_end(w, r->err, r->err_line);
}

/* What the reader must give with `max`: the units up to the first too
 * big one, then ELIMIT at its line. */
static void want_limit(struct mlg_buf *w, const struct ref *r, size_t max)
{
	size_t i;

	for (i = 0; i < r->nunits; i++) {
		if (r->units[i].size > max) {
			mlg_buf_add(w, r->out.ptr, i ? r->ends[i - 1] : 0);
			put_end(w, MLG_ELIMIT, r->units[i].line);
			return;
		}
	}
	want_all(w, r);
}

/* Parse a chunk, appending to `got`; returns the error, 0 at its end. */
static int parse_chunk(struct mlg_buf *got, const struct mlg_csv_dialect *d,
		       const uint8_t *p, size_t n, const struct mlg_csv_pos *at)
{
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	int ret;

	mlg_csv_chunk_init(&it, d, (const char *)p, n, at);
	while ((ret = mlg_csv_chunk_next(&it, &rec)) == 1)
		put_record(got, &rec);
	if (ret)
		put_end(got, ret, it.error_line);
	if (ret != mlg_csv_chunk_next(&it, &rec))
		abort(); /* errors are sticky, the end stays the end */
	mlg_csv_chunk_release(&it);
	return ret;
}

/* Put the `n` held records, whose fields are at k * stride. */
static void put_held(struct mlg_buf *got, struct mlg_csv_record *recs, size_t n,
		     const struct mlg_csv_chunk *it, size_t stride)
{
	size_t k;

	for (k = 0; k < n; k++) {
		recs[k].fields = mlg_csv_chunk_fields(it) + k * stride;
		put_record(got, &recs[k]);
	}
}

/*
 * Parse a chunk as the validator does (mlg_csv_chunk_next_batch()):
 * blocks of up to `max` records of `stride` fields, gathered over
 * batches, each batch after the fields of the records held; a block is
 * put when full or after a record of another shape. The same transcript
 * as one record a call, every record of a batch but the last one
 * regular, and the fields held never overwritten.
 */
static void check_batches(const struct mlg_csv_dialect *d, const uint8_t *p,
			  size_t n, size_t max, size_t stride,
			  const struct mlg_buf *w)
{
	struct mlg_buf got = MLG_BUF_INIT;
	struct mlg_csv_record recs[8], *r;
	struct mlg_csv_chunk it;
	size_t held = 0, k;
	int ret;

	mlg_csv_chunk_init(&it, d, (const char *)p, n, NULL);
	while ((ret = mlg_csv_chunk_next_batch(&it, recs + held, max - held,
					       held * stride, stride)) > 0) {
		if ((size_t)ret > max - held)
			abort();
		for (k = held; k + 1 < held + (size_t)ret; k++)
			if (recs[k].nfields != stride || recs[k].blank ||
			    recs[k].unescaped)
				abort();
		held += (size_t)ret;
		r = &recs[held - 1];
		if (held < max && r->nfields == stride && !r->blank &&
		    !r->unescaped)
			continue;
		put_held(&got, recs, held, &it, stride);
		held = 0;
	}
	put_held(&got, recs, held, &it, stride);
	if (ret)
		put_end(&got, ret, it.error_line);
	else
		put_end(&got, 0, 0);
	if (ret != mlg_csv_chunk_next_batch(&it, recs, max, 0, stride))
		abort(); /* errors are sticky, the end stays the end */
	mlg_csv_chunk_release(&it);
	expect(w, &got, "batches", d, p, n);
	mlg_buf_release(&got);
}

static void check_split(const struct mlg_csv_dialect *d, const uint8_t *data,
			size_t size, const struct ref *r,
			const struct mlg_buf *w)
{
	struct mlg_buf got = MLG_BUF_INIT;
	struct mlg_csv_count cnt;
	size_t bom = mlg_csv_bom((const char *)data, size), k, n, i, lfs = 0;
	size_t step = size <= 160 ? 1 : size / 48 + 1;

	/* at EOF: everything, every LF, every record */
	for (i = bom; i < size; i++)
		lfs += data[i] == '\n';
	n = mlg_csv_split(&cnt, d, (const char *)data + bom, size - bom, 1);
	if (n != size - bom || cnt.lines != lfs)
		abort();
	for (i = k = 0; i < r->nunits; i++)
		k += r->units[i].record;
	if (cnt.records != k)
		abort();

	for (k = bom; k <= size; k += step) {
		struct mlg_csv_pos at = MLG_CSV_POS_INIT;
		int ret;

		mlg_buf_reset(&got);
		n = mlg_csv_split(&cnt, d, (const char *)data + bom, k - bom,
				  0);
		if (n > k - bom || (n && data[bom + n - 1] != '\n'))
			abort();
		ret = parse_chunk(&got, d, data, bom + n, NULL);
		if (!ret) {
			at.line += cnt.lines;
			at.offset = bom + n;
			at.record = cnt.records;
			ret = parse_chunk(&got, d, data + bom + n,
					  size - bom - n, &at);
			if (!ret)
				put_end(&got, 0, 0);
		}
		expect(w, &got, "split", d, data, size);
	}
	mlg_buf_release(&got);
}

/* Cut the input as a threaded validator would, with windows of `win`. */
static void check_windows(const struct mlg_csv_dialect *d, const uint8_t *data,
			  size_t size, size_t win, const struct mlg_buf *w)
{
	struct mlg_buf got = MLG_BUF_INIT;
	struct mlg_csv_pos at = MLG_CSV_POS_INIT;
	size_t pos = mlg_csv_bom((const char *)data, size), want = win;
	int ret = 0;

	while (pos < size && !ret) {
		struct mlg_csv_count cnt;
		size_t n = size - pos < want ? size - pos : want;
		int eof = pos + n == size;

		n = mlg_csv_split(&cnt, d, (const char *)data + pos, n, eof);
		if (!n) {
			want *= 2;
			continue;
		}
		want = win;
		/* the first chunk starts at offset 0, before any BOM */
		if (at.offset == 0)
			ret = parse_chunk(&got, d, data, pos + n, NULL);
		else
			ret = parse_chunk(&got, d, data + pos, n, &at);
		at.line += cnt.lines;
		at.record += cnt.records;
		pos += n;
		at.offset = pos;
	}
	if (!ret)
		put_end(&got, 0, 0);
	expect(w, &got, "windows", d, data, size);
	mlg_buf_release(&got);
}

struct src {
	const uint8_t *p;
	size_t n, pos, step;
	uint32_t seed;
};

static ssize_t src_read(void *ctx, void *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = s->n - s->pos, step = s->step;

	if (!step) {
		s->seed = s->seed * 1103515245 + 12345;
		step = (s->seed >> 16) % 200 + 1;
	}
	if (k > n)
		k = n;
	if (k > step)
		k = step;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

/* mode 0: next(); 1: next_chunk(); 2: both in turn */
static void check_reader(const struct mlg_csv_dialect *d, const uint8_t *data,
			 size_t size, size_t step, int mode, size_t max,
			 const struct mlg_buf *w)
{
	struct src s = {data, size, 0, step, (uint32_t)size};
	struct mlg_buf got = MLG_BUF_INIT;
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	int ret, turn = 0;

	if (mlg_csv_reader_init(&r, d, src_read, &s, max))
		abort();
	for (;;) {
		if (mode == 0 || (mode == 2 && turn++ % 2)) {
			ret = mlg_csv_reader_next(&r, &rec);
			if (ret == 1) {
				put_record(&got, &rec);
				continue;
			}
		} else {
			const char *p;
			size_t n;
			struct mlg_csv_pos at;

			ret = mlg_csv_reader_next_chunk(&r, &p, &n, &at);
			if (ret == 1) {
				struct mlg_csv_chunk it;

				mlg_csv_chunk_init(&it, d, p, n, &at);
				while ((ret = mlg_csv_chunk_next(&it, &rec)) ==
				       1)
					put_record(&got, &rec);
				mlg_csv_chunk_release(&it);
				if (ret) {
					put_end(&got, ret, it.error_line);
					break;
				}
				continue;
			}
		}
		put_end(&got, ret, mlg_csv_reader_error_line(&r));
		break;
	}
	expect(w, &got, mode ? "reader chunks" : "reader", d, data, size);
	mlg_csv_reader_release(&r);
	mlg_buf_release(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	if (size > 1 << 16)
		return 0;
	for (i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		const struct mlg_csv_dialect *d = &dialects[i];
		struct mlg_buf w = MLG_BUF_INIT, got = MLG_BUF_INIT;
		struct ref r;
		int ret;

		if (mlg_csv_dialect_check(d))
			abort();
		ref(&r, d, data, size);
		want_all(&w, &r);

		ret = parse_chunk(&got, d, data, size, NULL);
		if (!ret)
			put_end(&got, 0, 0);
		expect(&w, &got, "chunk", d, data, size);
		mlg_buf_release(&got);

		check_batches(d, data, size, 8, 1, &w);
		check_batches(d, data, size, 3, 2, &w);
		check_batches(d, data, size, 8, 3, &w);
		check_batches(d, data, size, 5, 4, &w);
		check_split(d, data, size, &r, &w);
		check_windows(d, data, size, 1, &w);
		check_windows(d, data, size, 100, &w);
		check_reader(d, data, size, 1, 0, 0, &w);
		check_reader(d, data, size, 0, 0, 0, &w);
		check_reader(d, data, size, 64, 1, 0, &w);
		check_reader(d, data, size, 0, 2, 0, &w);

		mlg_buf_reset(&w);
		want_limit(&w, &r, 70);
		check_reader(d, data, size, 3, 0, 70, &w);
		check_reader(d, data, size, 0, 2, 70, &w);
		mlg_buf_reset(&w);
		want_limit(&w, &r, 5);
		check_reader(d, data, size, 0, 1, 5, &w);

		mlg_buf_release(&w);
		ref_free(&r);
	}
	return 0;
}
