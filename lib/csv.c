/*
 * csv.c - the CSV reader
 *
 * Two passes, both driven by 64-bit masks of "special" bytes built 64
 * bytes at a time (SSE2 on x86-64, SWAR elsewhere):
 *
 *  - The splitter needs only the record ends. A prefix XOR of the quote
 *    mask says which bytes are inside quotes, which is exact as long as
 *    every quote that opens a quoted field stands at the start of a field;
 *    one more mask checks that. Blocks where it fails (lenient quoting),
 *    or that hold an escape or a comment line, are redone byte by byte
 *    with the exact state machine, so both paths give the same answer.
 *  - The record parser walks the set bits of the delimiter/LF/quote/escape
 *    mask: a field costs one bit, and fields are pointers into the chunk.
 *    Fields with doubled quotes, escapes or text after the closing quote
 *    are only marked during the walk and unescaped at the end of the
 *    record, into one scratch buffer sized once for the record, so the
 *    pointers handed out never move.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/util.h"

#if defined(__SSE2__) && !defined(MLG_CSV_NO_SIMD)
#define USE_SSE2 1
#include <emmintrin.h>
#endif

/* ---- dialect ---- */

void mlg_csv_dialect_init(struct mlg_csv_dialect *d)
{
	static const struct mlg_csv_dialect def = MLG_CSV_DIALECT_INIT;

	*d = def;
}

static const char *show(int c, char out[8])
{
	if (c == '\t')
		return "\\t";
	if (c > ' ' && c < 127)
		snprintf(out, 8, "%c", c);
	else
		snprintf(out, 8, "\\x%02x", (unsigned)c & 0xff);
	return out;
}

int mlg_csv_dialect_check(const struct mlg_csv_dialect *d)
{
	static const char *const names[] = {"delimiter", "quote", "escape",
					    "comment"};
	int c[4];
	char tmp[8];
	int i, j;

	if (!d)
		return 0;
	c[0] = (unsigned char)d->delimiter;
	c[1] = (unsigned char)d->quote;
	c[2] = (unsigned char)d->escape;
	c[3] = (unsigned char)d->comment;
	if (!c[0])
		return mlg_error_set(MLG_EINVALID,
				     "invalid csv dialect: no delimiter");
	for (i = 0; i < 4; i++) {
		if (c[i] == '\n' || c[i] == '\r')
			return mlg_error_set(
				MLG_EINVALID, "invalid csv dialect: %s is '%s'",
				names[i], c[i] == '\n' ? "\\n" : "\\r");
		if (c[i] == ' ' && d->skip_initial_space)
			return mlg_error_set(MLG_EINVALID,
					     "invalid csv dialect: %s is ' ' "
					     "with skip_initial_space",
					     names[i]);
		for (j = 0; j < i; j++)
			if (c[i] && c[i] == c[j])
				return mlg_error_set(
					MLG_EINVALID,
					"invalid csv dialect: %s and %s are "
					"both '%s'",
					names[j], names[i], show(c[i], tmp));
	}
	return 0;
}

size_t mlg_csv_bom(const char *ptr, size_t len)
{
	return len >= 3 && !memcmp(ptr, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* The dialect as ints: -1 for a disabled character, which no byte equals. */
struct cfg {
	int delim, quote, escape, comment, dq, skip;
};

static void cfg_init(struct cfg *c, const struct mlg_csv_dialect *d)
{
	static const struct mlg_csv_dialect def = MLG_CSV_DIALECT_INIT;

	if (!d)
		d = &def;
	c->delim = (unsigned char)d->delimiter;
	c->quote = d->quote ? (unsigned char)d->quote : -1;
	c->escape = d->escape ? (unsigned char)d->escape : -1;
	c->comment = d->comment ? (unsigned char)d->comment : -1;
	c->dq = !!d->double_quote;
	c->skip = !!d->skip_initial_space;
}

/* ---- 64-byte blocks ---- */

#ifdef USE_SSE2
struct block {
	__m128i v[4];
};

static inline void block_load(struct block *b, const unsigned char *p)
{
	b->v[0] = _mm_loadu_si128((const __m128i *)p);
	b->v[1] = _mm_loadu_si128((const __m128i *)(p + 16));
	b->v[2] = _mm_loadu_si128((const __m128i *)(p + 32));
	b->v[3] = _mm_loadu_si128((const __m128i *)(p + 48));
}

static inline uint64_t pack(__m128i a, __m128i b, __m128i c, __m128i d)
{
	return (uint64_t)(uint32_t)_mm_movemask_epi8(a) |
	       (uint64_t)(uint32_t)_mm_movemask_epi8(b) << 16 |
	       (uint64_t)(uint32_t)_mm_movemask_epi8(c) << 32 |
	       (uint64_t)(uint32_t)_mm_movemask_epi8(d) << 48;
}

/* Bit i is set when byte i equals c. */
static inline uint64_t block_eq(const struct block *b, int c)
{
	__m128i k = _mm_set1_epi8((char)c);

	return pack(_mm_cmpeq_epi8(b->v[0], k), _mm_cmpeq_epi8(b->v[1], k),
		    _mm_cmpeq_epi8(b->v[2], k), _mm_cmpeq_epi8(b->v[3], k));
}

/* Bit i is set when byte i is one of the four. */
static inline uint64_t block_eq4(const struct block *b, int c0, int c1, int c2,
				 int c3)
{
	__m128i k0 = _mm_set1_epi8((char)c0), k1 = _mm_set1_epi8((char)c1);
	__m128i k2 = _mm_set1_epi8((char)c2), k3 = _mm_set1_epi8((char)c3);
	__m128i r[4];
	int i;

	for (i = 0; i < 4; i++)
		r[i] = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b->v[i], k0),
						 _mm_cmpeq_epi8(b->v[i], k1)),
				    _mm_or_si128(_mm_cmpeq_epi8(b->v[i], k2),
						 _mm_cmpeq_epi8(b->v[i], k3)));
	return pack(r[0], r[1], r[2], r[3]);
}
#else
/* SWAR: eight bytes per 64-bit word, little-endian order of bits. */
struct block {
	uint64_t w[8];
};

static inline void block_load(struct block *b, const unsigned char *p)
{
	int i;

	memcpy(b->w, p, 64);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (i = 0; i < 8; i++)
		b->w[i] = __builtin_bswap64(b->w[i]);
#else
	(void)i;
#endif
}

/* 0x80 in each byte of x that is zero, exactly (no borrow between bytes) */
static inline uint64_t zero_bytes(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((x & lo7) + lo7) | x | lo7);
}

/* Gather the top bit of each byte into the low 8 bits. */
static inline uint64_t gather(uint64_t t)
{
	return ((t >> 7) * 0x0102040810204080ULL) >> 56;
}

static inline uint64_t block_eq(const struct block *b, int c)
{
	uint64_t k = 0x0101010101010101ULL * (unsigned char)c, m = 0;
	int i;

	for (i = 0; i < 8; i++)
		m |= gather(zero_bytes(b->w[i] ^ k)) << (8 * i);
	return m;
}

static inline uint64_t block_eq4(const struct block *b, int c0, int c1, int c2,
				 int c3)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t k0 = ones * (unsigned char)c0, k1 = ones * (unsigned char)c1;
	uint64_t k2 = ones * (unsigned char)c2, k3 = ones * (unsigned char)c3;
	uint64_t m = 0;
	int i;

	for (i = 0; i < 8; i++) {
		uint64_t w = b->w[i];
		uint64_t t = zero_bytes(w ^ k0) | zero_bytes(w ^ k1) |
			     zero_bytes(w ^ k2) | zero_bytes(w ^ k3);

		m |= gather(t) << (8 * i);
	}
	return m;
}
#endif

static inline int ctz64(uint64_t x)
{
	return __builtin_ctzll(x);
}

static inline int popcount64(uint64_t x)
{
	return __builtin_popcountll(x);
}

/* Bit i: an odd number of bits set in x[0..i]. */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* ---- the splitter ---- */

/*
 * The states of a record as the splitter sees it. The first five are the
 * ones a 64-byte block can start in; the fast path maps them to "inside
 * quotes" and "a quote here would open a field".
 */
enum {
	S_REC,	   /* at the start of a record */
	S_FSTART,  /* at the start of a field */
	S_FIELD,   /* in unquoted data */
	S_QUOTED,  /* inside quotes */
	S_CLOSED,  /* just after a closing quote */
	S_ESC,	   /* after an escape, outside quotes */
	S_ESC_CR,  /* after an escaped CR, outside quotes */
	S_ESC_Q,   /* after an escape, inside quotes */
	S_COMMENT, /* in a comment line */
};

/* A record or comment line ends just before `at`; `rec` says which. */
static inline int boundary(struct mlg_csv_scan *s, size_t at, int rec,
			   size_t limit)
{
	if (at - s->end > limit) {
		s->big = 1;
		return 0;
	}
	s->end = at;
	s->end_lines = s->lines;
	s->end_records += rec;
	return 1;
}

/* The exact state machine, one byte at a time, from s->pos to `to`. */
static void scan_bytes(struct mlg_csv_scan *s, const struct cfg *d,
		       const unsigned char *p, size_t to, size_t limit)
{
	size_t i;
	int st = s->state;

	for (i = s->pos; i < to; i++) {
		int c = p[i];

		if (c == '\n')
			s->lines++;
	again:
		switch (st) {
		case S_REC:
			if (c == d->comment) {
				st = S_COMMENT;
				continue;
			}
			/* fall through */
		case S_FSTART:
			if (c == d->quote) {
				st = S_QUOTED;
				continue;
			}
			if (c == ' ' && d->skip) {
				st = S_FSTART;
				continue;
			}
			/* fall through */
		case S_FIELD:
			if (c == d->delim) {
				st = S_FSTART;
			} else if (c == '\n') {
				if (!boundary(s, i + 1, 1, limit))
					goto done;
				st = S_REC;
			} else if (c == d->escape) {
				st = S_ESC;
			} else {
				st = S_FIELD;
			}
			continue;
		case S_QUOTED:
			if (c == d->quote)
				st = S_CLOSED;
			else if (c == d->escape)
				st = S_ESC_Q;
			continue;
		case S_CLOSED:
			if (c == d->quote && d->dq) {
				st = S_QUOTED;
				continue;
			}
			/* anything else after the quote is unquoted data */
			st = S_FIELD;
			goto again;
		case S_ESC:
			st = c == '\r' ? S_ESC_CR : S_FIELD;
			continue;
		case S_ESC_CR:
			st = S_FIELD;
			if (c == '\n')
				continue;
			goto again;
		case S_ESC_Q:
			st = S_QUOTED;
			continue;
		case S_COMMENT:
			if (c == '\n') {
				if (!boundary(s, i + 1, 0, limit))
					goto done;
				st = S_REC;
			}
			continue;
		}
	}
done:
	s->pos = i;
	s->state = st;
}

/*
 * The fast path over the 64 bytes at s->pos. Returns 0, having changed
 * nothing, when the block needs the exact state machine.
 */
static int scan_block(struct mlg_csv_scan *s, const struct cfg *d,
		      const unsigned char *p, size_t limit)
{
	const unsigned char *b = p + s->pos;
	struct block blk;
	uint64_t lf, q, in, open, ends;
	int st = s->state, c;

	if (st > S_CLOSED)
		return 0;
	block_load(&blk, b);
	if (d->escape >= 0 && block_eq(&blk, d->escape))
		return 0;
	lf = block_eq(&blk, '\n');
	q = d->quote >= 0 ? block_eq(&blk, d->quote) : 0;
	in = prefix_xor(q) ^ (st == S_QUOTED ? ~(uint64_t)0 : 0);
	/* The quotes that the parity says open a quoted field must follow a
	 * delimiter, a record end or (doubled) a closing quote. */
	open = q & in;
	if (open) {
		uint64_t ok = block_eq(&blk, d->delim) | lf | (d->dq ? q : 0);

		ok = ok << 1 | (st == S_REC || st == S_FSTART ||
				(st == S_CLOSED && d->dq));
		if (open & ~ok)
			return 0;
	}
	ends = lf & ~in;
	if (d->comment >= 0 &&
	    (block_eq(&blk, d->comment) & (ends << 1 | (st == S_REC))))
		return 0;
	if (ends) {
		int last = 63 - __builtin_clzll(ends);

		/* Within a block records are shorter than 64 bytes, so with
		 * a limit of 64 or more only the first one can exceed it. */
		if (limit < 64 || s->pos + ctz64(ends) + 1 - s->end > limit)
			return 0;
		s->end_lines = s->lines +
			       popcount64(lf & (~(uint64_t)0 >> (63 - last)));
		s->end = s->pos + last + 1;
		s->end_records += popcount64(ends);
	}
	s->lines += popcount64(lf);
	s->pos += 64;
	c = b[63];
	if (in >> 63) {
		st = S_QUOTED;
	} else if (c == '\n') {
		st = S_REC;
	} else if (c == d->delim) {
		st = S_FSTART;
	} else if (c == d->quote) {
		st = S_CLOSED;
	} else if (c == ' ' && d->skip) {
		/* Spaces at the start of a field keep it at its start. */
		int j = 62;

		while (j >= 0 && b[j] == ' ')
			j--;
		if (j < 0)
			st = st <= S_FSTART ? S_FSTART : S_FIELD;
		else
			st = b[j] == '\n' || b[j] == d->delim ? S_FSTART
							      : S_FIELD;
	} else {
		st = S_FIELD;
	}
	s->state = st;
	return 1;
}

/* Scan the whole blocks of <p, len> from s->pos. */
static void scan_run(struct mlg_csv_scan *s, const struct cfg *d,
		     const unsigned char *p, size_t len, size_t limit)
{
	while (!s->big && len - s->pos >= 64)
		if (!scan_block(s, d, p, limit))
			scan_bytes(s, d, p, s->pos + 64, limit);
}

/*
 * The result over all of <p, len>: `s` after scan_run() plus the tail,
 * which is not kept in `s` because more data may follow it.
 */
static void scan_finish(struct mlg_csv_scan *out, const struct mlg_csv_scan *s,
			const struct cfg *d, const unsigned char *p, size_t len,
			int at_eof, size_t limit)
{
	*out = *s;
	if (!out->big)
		scan_bytes(out, d, p, len, limit);
	if (out->big)
		return;
	if (len - out->end > limit) {
		out->big = 1;
		return;
	}
	if (at_eof && len > out->end) {
		out->end_records += out->state != S_COMMENT;
		out->end = len;
		out->end_lines = out->lines;
	}
}

/* The data before `end`, a boundary found by the last scan, is gone. */
static void scan_drop(struct mlg_csv_scan *s, size_t end)
{
	if (!end)
		return;
	if (s->end == end) {
		s->pos -= end;
		s->lines -= s->end_lines;
	} else {
		/* the boundary was in the tail: start afresh from it */
		s->pos = 0;
		s->lines = 0;
		s->state = S_REC;
	}
	s->end = 0;
	s->end_lines = 0;
	s->end_records = 0;
}

size_t mlg_csv_split(struct mlg_csv_count *out, const struct mlg_csv_dialect *d,
		     const char *ptr, size_t len, int at_eof)
{
	const unsigned char *p = (const unsigned char *)ptr;
	struct mlg_csv_scan s = {0}, r;
	struct cfg c;

	cfg_init(&c, d);
	scan_run(&s, &c, p, len, (size_t)-1);
	scan_finish(&r, &s, &c, p, len, at_eof, (size_t)-1);
	if (out) {
		out->lines = r.end_lines;
		out->records = r.end_records;
	}
	return r.end;
}

/* ---- the record parser ---- */

static const char empty[1];

static void chunk_reset(struct mlg_csv_chunk *it, const char *ptr, size_t len,
			const struct mlg_csv_pos *at)
{
	it->ptr = len ? ptr : empty;
	it->len = len;
	it->pos = 0;
	it->line = at ? at->line : 1;
	it->offset = at ? at->offset : 0;
	it->record = at ? at->record : 0;
	if (!it->offset)
		it->pos = mlg_csv_bom(it->ptr, len);
	/* no block loaded: the first next_bit() loads the block of pos */
	it->blk = (size_t)-64;
	it->bits = 0;
}

void mlg_csv_chunk_init(struct mlg_csv_chunk *it,
			const struct mlg_csv_dialect *d, const char *ptr,
			size_t len, const struct mlg_csv_pos *at)
{
	struct cfg c;

	memset(it, 0, sizeof(*it));
	if (d)
		it->dialect = *d;
	else
		mlg_csv_dialect_init(&it->dialect);
	cfg_init(&c, d);
	it->delim = c.delim;
	it->quote = c.quote;
	it->escape = c.escape;
	it->comment = c.comment;
	it->dq = c.dq;
	it->skip = c.skip;
	it->err = mlg_csv_dialect_check(d);
	chunk_reset(it, ptr, len, at);
}

void mlg_csv_chunk_release(struct mlg_csv_chunk *it)
{
	free(it->fields);
	free(it->dirty);
	free(it->scratch);
	it->fields = NULL;
	it->dirty = NULL;
	it->scratch = NULL;
	it->falloc = it->dalloc = it->salloc = 0;
}

void mlg_csv_chunk_pos(const struct mlg_csv_chunk *it, struct mlg_csv_pos *out)
{
	out->line = it->line;
	out->offset = it->offset + it->pos;
	out->record = it->record;
}

/* The special bytes of the block at `blk`, which may be the short last. */
static inline uint64_t special(const struct mlg_csv_chunk *it, size_t blk)
{
	const unsigned char *p = (const unsigned char *)it->ptr + blk;
	unsigned char tail[64];
	struct block b;
	size_t n = it->len - blk;
	uint64_t m;
	/* a disabled character is looked for as the delimiter again */
	int q = it->quote >= 0 ? it->quote : it->delim;
	int e = it->escape >= 0 ? it->escape : it->delim;

	if (n >= 64) {
		block_load(&b, p);
		return block_eq4(&b, it->delim, '\n', q, e);
	}
	memcpy(tail, p, n);
	memset(tail + n, 0, 64 - n);
	block_load(&b, tail);
	m = block_eq4(&b, it->delim, '\n', q, e);
	return m & (((uint64_t)1 << n) - 1);
}

/* The cursor over special bytes: `blk` is the 64-aligned offset of the
 * block whose unvisited special bytes are `bits`. */
struct cursor {
	size_t blk;
	uint64_t bits;
};

/* The next special byte, or it->len. */
static inline size_t next_bit(const struct mlg_csv_chunk *it, struct cursor *c)
{
	size_t p;

	while (!c->bits) {
		c->blk += 64;
		if (c->blk >= it->len)
			return it->len;
		c->bits = special(it, c->blk);
	}
	p = c->blk + ctz64(c->bits);
	c->bits &= c->bits - 1;
	return p;
}

/* Forget the special bytes before `to`. */
static inline void skip_to(const struct mlg_csv_chunk *it, struct cursor *c,
			   size_t to)
{
	if (to - c->blk >= 64) {
		c->blk = to & ~(size_t)63;
		c->bits = c->blk < it->len ? special(it, c->blk) : 0;
	}
	c->bits &= ~(uint64_t)0 << (to & 63);
}

/*
 * Remove quotes and escapes from the raw bytes of a field: for a quoted
 * field they start after the opening quote and run to the delimiter, so
 * they hold the closing quote and any text after it.
 */
static size_t unescape(const struct mlg_csv_chunk *it, char *out, const char *s,
		       size_t n, int quoted)
{
	size_t i = 0, o = 0;
	int in = quoted;

	while (i < n) {
		int c = (unsigned char)s[i];

		if (c == it->escape) {
			/* an escape at the very end of input is data */
			out[o++] = s[i + (i + 1 < n)];
			i += 2;
		} else if (in && c == it->quote) {
			if (it->dq && i + 1 < n &&
			    (unsigned char)s[i + 1] == it->quote) {
				out[o++] = s[i];
				i += 2;
			} else {
				in = 0;
				i++;
			}
		} else {
			out[o++] = s[i++];
		}
	}
	return o;
}

static void unescape_fields(struct mlg_csv_chunk *it, size_t ndirty)
{
	size_t i, need = 0, used = 0;

	for (i = 0; i < ndirty; i++)
		need += it->fields[it->dirty[i]].len;
	it->scratch = mlg_grow(it->scratch, 1, need, &it->salloc);
	for (i = 0; i < ndirty; i++) {
		struct mlg_csv_field *f = &it->fields[it->dirty[i]];
		size_t n = unescape(it, it->scratch + used, f->ptr, f->len,
				    f->quoted);

		f->ptr = it->scratch + used;
		f->len = n;
		used += n;
	}
}

static int unterminated(struct mlg_csv_chunk *it)
{
	return mlg_error_set(
		MLG_EDATA,
		"unterminated quoted field starting at line %" PRIu64,
		it->error_line);
}

int mlg_csv_chunk_next(struct mlg_csv_chunk *it, struct mlg_csv_record *rec)
{
	const char *b = it->ptr;
	const size_t len = it->len;
	const int delim = it->delim, quote = it->quote;
	struct mlg_csv_field *fields = it->fields;
	struct cursor cur = {it->blk, it->bits};
	size_t pos = it->pos, start, fs, p, e, nf = 0, ndirty = 0;
	uint64_t nl = 0;
	unsigned irr = 0;
	int quoted = 0, firr = 0, dirty = 0, lf = 0, c;

	if (it->err == MLG_EDATA)
		return unterminated(it);
	if (it->err)
		return mlg_csv_dialect_check(&it->dialect);
	while (pos < len && (unsigned char)b[pos] == it->comment) {
		const char *end = memchr(b + pos, '\n', len - pos);

		pos = end ? (size_t)(end - b) + 1 : len;
		it->line++;
	}
	if (pos >= len) {
		it->pos = len;
		return 0;
	}
	skip_to(it, &cur, pos);
	start = fs = pos;

/* Append the field <fs, end>, raw when it must be unescaped later. */
#define EMIT(end)                                                              \
	do {                                                                   \
		if (nf == it->falloc)                                          \
			fields = it->fields =                                  \
				mlg_grow(it->fields, sizeof(*fields), nf + 1,  \
					 &it->falloc);                         \
		fields[nf].ptr = b + fs;                                       \
		fields[nf].len = (end)-fs;                                     \
		fields[nf].quoted = quoted;                                    \
		fields[nf].irregular = firr;                                   \
		if (dirty) {                                                   \
			if (ndirty == it->dalloc)                              \
				it->dirty = mlg_grow(it->dirty,                \
						     sizeof(*it->dirty),       \
						     ndirty + 1, &it->dalloc); \
			it->dirty[ndirty++] = nf;                              \
		}                                                              \
		nf++;                                                          \
		quoted = firr = dirty = 0;                                     \
	} while (0)

	if (it->skip)
		while (fs < len && b[fs] == ' ')
			fs++;
	for (;;) {
		p = next_bit(it, &cur);
		if (p >= len) {
			EMIT(len);
			pos = len;
			break;
		}
		c = (unsigned char)b[p];
		if (c == delim) {
			EMIT(p);
			fs = p + 1;
			if (it->skip)
				while (fs < len && b[fs] == ' ')
					fs++;
			continue;
		}
		if (c == '\n') {
			/* CR LF: the CR is part of the line ending */
			e = p > fs && b[p - 1] == '\r' ? p - 1 : p;
			EMIT(e);
			pos = p + 1;
			lf = 1;
			break;
		}
		if (c == quote) {
			uint64_t open_nl = nl;
			size_t q;

			if (p != fs) {
				/* a quote inside unquoted data is data */
				irr++;
				firr = 1;
				continue;
			}
			quoted = 1;
			fs = p + 1;
			for (;;) {
				q = next_bit(it, &cur);
				if (q >= len) {
					it->error_line = it->line + open_nl;
					it->err = MLG_EDATA;
					it->pos = len;
					return unterminated(it);
				}
				c = (unsigned char)b[q];
				if (c == '\n') {
					nl++;
				} else if (c == quote) {
					if (!it->dq || q + 1 >= len ||
					    (unsigned char)b[q + 1] != quote)
						break;
					dirty = 1;
					skip_to(it, &cur, q + 2);
				} else if (c != delim) {
					/* the escape: skip the next byte */
					dirty = 1;
					if (q + 1 < len) {
						nl += b[q + 1] == '\n';
						skip_to(it, &cur, q + 2);
					}
				}
			}
			/* the closing quote is at q */
			if (q + 1 >= len) {
				e = q;
				EMIT(e);
				pos = len;
				break;
			}
			c = (unsigned char)b[q + 1];
			if (c == delim) {
				EMIT(q);
				fs = q + 2;
				skip_to(it, &cur, fs);
				if (it->skip)
					while (fs < len && b[fs] == ' ')
						fs++;
				continue;
			}
			if (c == '\n') {
				EMIT(q);
				pos = q + 2;
				lf = 1;
				break;
			}
			if (c == '\r' && q + 2 < len && b[q + 2] == '\n') {
				EMIT(q);
				pos = q + 3;
				lf = 1;
				break;
			}
			/* Text after the closing quote is data: the field
			 * goes on unquoted, and is unescaped from its raw
			 * bytes. A quote right there is that data. */
			irr++;
			firr = 1;
			dirty = 1;
			if (c == quote)
				skip_to(it, &cur, q + 2);
			continue;
		}
		/* the escape makes the next byte (or CR LF) literal */
		dirty = 1;
		if (p + 1 >= len) {
			irr++;
			firr = 1;
			continue;
		}
		e = p + 2;
		if (b[p + 1] == '\n') {
			nl++;
		} else if (b[p + 1] == '\r' && e < len && b[e] == '\n') {
			nl++;
			e++;
		}
		skip_to(it, &cur, e);
	}
#undef EMIT

	if (ndirty)
		unescape_fields(it, ndirty);
	rec->fields = fields;
	rec->nfields = nf;
	rec->line = it->line;
	rec->nlines = nl + 1;
	rec->offset = it->offset + start;
	rec->index = it->record++;
	rec->size = pos - start;
	rec->irregular = irr;
	rec->blank = lf && (pos - start == 1 ||
			    (pos - start == 2 && b[start] == '\r'));
	/* a record that ends at the end of the chunk has no line ending */
	it->line += nl + lf;
	it->pos = pos;
	it->blk = cur.blk;
	it->bits = cur.bits;
	return 1;
}

/* ---- the streaming reader ---- */

int mlg_csv_reader_init(struct mlg_csv_reader *r,
			const struct mlg_csv_dialect *d,
			ssize_t (*read)(void *ctx, void *buf, size_t n),
			void *ctx, size_t max_record)
{
	static const struct mlg_csv_pos start = MLG_CSV_POS_INIT;
	int ret;

	memset(r, 0, sizeof(*r));
	mlg_csv_chunk_init(&r->it, d, NULL, 0, NULL);
	r->read = read;
	r->ctx = ctx;
	r->max = max_record ? max_record : MLG_CSV_MAX_RECORD;
	if (r->max > (size_t)-1 / 4)
		r->max = (size_t)-1 / 4;
	r->head_pos = r->ready_pos = start;
	ret = mlg_csv_dialect_check(d);
	if (!ret && !read)
		ret = mlg_error_set(MLG_EINVALID,
				    "csv reader needs a read function");
	r->err = ret;
	return ret;
}

void mlg_csv_reader_release(struct mlg_csv_reader *r)
{
	mlg_csv_chunk_release(&r->it);
	free(r->buf);
	r->buf = NULL;
	r->alloc = r->head = r->ready = r->len = 0;
}

static void cfg_of(struct cfg *c, const struct mlg_csv_chunk *it)
{
	c->delim = it->delim;
	c->quote = it->quote;
	c->escape = it->escape;
	c->comment = it->comment;
	c->dq = it->dq;
	c->skip = it->skip;
}

static void move_to_front(struct mlg_csv_reader *r)
{
	memmove(r->buf, r->buf + r->head, r->len - r->head);
	r->len -= r->head;
	r->ready -= r->head;
	r->head = 0;
}

/* Room for at least one more byte, within max + 1 for a lone record. */
static void make_room(struct mlg_csv_reader *r)
{
	size_t cap = r->max + 1 > MLG_CSV_CHUNK_SIZE ? r->max + 1
						     : MLG_CSV_CHUNK_SIZE;
	size_t n;

	if (r->head && (r->len == r->alloc || r->head >= r->alloc / 2))
		move_to_front(r);
	if (r->len < r->alloc)
		return;
	/* A small limit gets a small first buffer: tests of the limit
	 * then exercise refilling too. */
	n = r->alloc ? 2 * r->alloc : MLG_CSV_CHUNK_SIZE;
	if (!r->alloc && r->max < n)
		n = r->max + 1;
	if (n > cap)
		n = cap;
	if (n <= r->alloc)
		MLG_BUG("csv reader buffer cannot grow");
	r->buf = mlg_realloc(r->buf, n);
	r->alloc = n;
}

/*
 * Drop what was consumed (everything before `ready`), then read until at
 * least one more record is complete, or with `full` until the buffer is
 * full, or the input ends or a record is found too big.
 */
static int fill(struct mlg_csv_reader *r, int full)
{
	struct mlg_csv_scan res;
	struct cfg c;
	ssize_t n;

	cfg_of(&c, &r->it);
	scan_drop(&r->scan, r->ready - r->head);
	r->head = r->ready;
	r->head_pos = r->ready_pos;
	for (;;) {
		make_room(r);
		n = r->read(r->ctx, r->buf + r->len, r->alloc - r->len);
		if (n < 0)
			return (int)n;
		if ((size_t)n > r->alloc - r->len)
			return mlg_error_set(MLG_EIO,
					     "csv read callback returned %zd "
					     "bytes for %zu",
					     n, r->alloc - r->len);
		r->eof = !n;
		r->len += n;
		if (!r->bom_done) {
			if (r->len < 3 && !r->eof)
				continue;
			r->bom_done = 1;
			r->head = r->ready = mlg_csv_bom(r->buf, r->len);
			r->head_pos.offset = r->ready_pos.offset = r->head;
		}
		scan_run(&r->scan, &c, (unsigned char *)r->buf + r->head,
			 r->len - r->head, r->max);
		scan_finish(&res, &r->scan, &c,
			    (unsigned char *)r->buf + r->head, r->len - r->head,
			    r->eof, r->max);
		r->ready = r->head + res.end;
		r->ready_pos.line = r->head_pos.line + res.end_lines;
		r->ready_pos.offset = r->head_pos.offset + res.end;
		r->ready_pos.record = r->head_pos.record + res.end_records;
		r->big = res.big;
		if (r->eof || r->big)
			break;
		if (r->ready > r->head && (!full || r->len == r->alloc))
			break;
	}
	chunk_reset(&r->it, r->buf + r->head, r->ready - r->head, &r->head_pos);
	return 0;
}

/* The records before the one too big have all been taken. */
static int too_big(struct mlg_csv_reader *r)
{
	return mlg_error_set(MLG_ELIMIT,
			     "record at line %" PRIu64
			     " is larger than %zu bytes",
			     r->ready_pos.line, r->max);
}

int mlg_csv_reader_next(struct mlg_csv_reader *r, struct mlg_csv_record *rec)
{
	int ret;

	for (;;) {
		if (r->err)
			return r->err;
		ret = mlg_csv_chunk_next(&r->it, rec);
		if (ret > 0)
			return ret;
		if (ret < 0)
			return r->err = ret;
		if (r->big)
			return r->err = too_big(r);
		if (r->eof)
			return 0;
		r->err = fill(r, 0);
	}
}

uint64_t mlg_csv_reader_error_line(const struct mlg_csv_reader *r)
{
	if (r->err == MLG_EDATA)
		return r->it.error_line;
	if (r->err == MLG_ELIMIT)
		return r->ready_pos.line;
	return 0;
}

int mlg_csv_reader_next_chunk(struct mlg_csv_reader *r, const char **ptr,
			      size_t *len, struct mlg_csv_pos *at)
{
	struct mlg_csv_chunk *it = &r->it;

	if (r->err)
		return r->err;
	if (it->pos >= it->len) {
		if (r->big)
			return r->err = too_big(r);
		if (r->eof)
			return 0;
		r->err = fill(r, 1);
		if (r->err)
			return r->err;
		if (it->pos >= it->len)
			return r->big ? (r->err = too_big(r)) : 0;
	}
	*ptr = it->ptr + it->pos;
	*len = it->len - it->pos;
	mlg_csv_chunk_pos(it, at);
	/* the caller parses it: this reader is past it */
	chunk_reset(it, it->ptr + it->len, 0, &r->ready_pos);
	return 1;
}
