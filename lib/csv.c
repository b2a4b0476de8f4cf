/*
 * csv.c - the CSV reader
 *
 * Everything runs on 64-bit masks of the bytes of interest in a 64-byte
 * block (SSE2 on x86-64, SWAR elsewhere), with an exact byte-at-a-time
 * state machine wherever the masks cannot be trusted:
 *
 *  - The splitter needs only record ends. A prefix XOR of the quote mask
 *    gives the bytes inside quotes, which is exact as long as every quote
 *    that opens a quoted field stands at the start of a field; one more
 *    mask checks that. Blocks where it fails (lenient quoting), or that
 *    hold an escape or a comment line, are redone byte by byte.
 *  - The record parser has two modes. A clean block (quotes only around
 *    whole fields, no escape, no LF inside quotes) gets the same prefix
 *    XOR, and its fields are the bytes between the delimiters and LFs
 *    outside quotes, added without a branch per field. Other blocks walk
 *    the set bits of the delimiter/LF/quote/escape mask, with a slow path
 *    for fields with quotes or escapes. Fields that need unescaping are
 *    kept raw during the walk and unescaped when the record is done, into
 *    one scratch buffer sized once, so the pointers handed out never move.
 *  - The reader parses its buffer directly, and calls the splitter only
 *    for a record that the end of the buffer cuts.
 *
 * One core splits typical data (12 short columns, one field in ten quoted
 * with a comma) at about 3 GB/s and parses it at about 1.2 GB/s: see
 * bench/csv-parse.c. Per record the cost is mostly fixed, so short records
 * are slower per byte.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
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

/* Bit i is set when byte i is one of the three. */
static inline uint64_t block_eq3(const struct block *b, int c0, int c1, int c2)
{
	__m128i k0 = _mm_set1_epi8((char)c0), k1 = _mm_set1_epi8((char)c1);
	__m128i k2 = _mm_set1_epi8((char)c2);
	__m128i r[4];
	int i;

	for (i = 0; i < 4; i++)
		r[i] = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b->v[i], k0),
						 _mm_cmpeq_epi8(b->v[i], k1)),
				    _mm_cmpeq_epi8(b->v[i], k2));
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

static inline uint64_t block_eq3(const struct block *b, int c0, int c1, int c2)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t k0 = ones * (unsigned char)c0, k1 = ones * (unsigned char)c1;
	uint64_t k2 = ones * (unsigned char)c2, m = 0;
	int i;

	for (i = 0; i < 8; i++) {
		uint64_t w = b->w[i];
		uint64_t t = zero_bytes(w ^ k0) | zero_bytes(w ^ k1) |
			     zero_bytes(w ^ k2);

		m |= gather(t) << (8 * i);
	}
	return m;
}
#endif

static inline int ctz64(uint64_t x)
{
	return __builtin_ctzll(x);
}

/* Without -mpopcnt, __builtin_popcountll is a call into libgcc. */
static inline int popcount64(uint64_t x)
{
#ifdef __POPCNT__
	return __builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
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

/* The splitter's progress over a buffer. */
struct scan {
	size_t pos; /* bytes scanned */
	size_t end; /* just after the last boundary */
	uint64_t lines, end_lines, end_records;
	int state, big;
};

/* A record or comment line ends just before `at`; `rec` says which. */
static inline int boundary(struct scan *s, size_t at, int rec, size_t limit)
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
static void scan_bytes(struct scan *s, const struct cfg *d,
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
 * With skip_initial_space, a block that ends in spaces may end at the
 * start of a field: look back past them.
 */
static int after_spaces(const unsigned char *b, int st, const struct cfg *d)
{
	int j = 62;

	while (j >= 0 && b[j] == ' ')
		j--;
	if (j < 0)
		return st <= S_FSTART ? S_FSTART : S_FIELD;
	return b[j] == '\n' || b[j] == d->delim ? S_FSTART : S_FIELD;
}

/*
 * The fast path over the 64 bytes at s->pos. Returns 0, having changed
 * nothing, when the block needs the exact state machine. Data-dependent
 * branches are avoided: on typical data whether a block holds a quote or
 * a record end is a coin toss.
 */
static int scan_block(struct scan *s, const struct cfg *d,
		      const unsigned char *p, size_t limit)
{
	const unsigned char *b = p + s->pos;
	struct block blk;
	uint64_t lf, q = 0, in, open, ok, ends, tail;
	int st = s->state, n, last, c;

	/* Past the first record end, records in a block are shorter than
	 * 64 bytes: only one near the limit needs counting byte by byte. */
	if (st > S_CLOSED || s->pos + 64 - s->end > limit)
		return 0;
	block_load(&blk, b);
	lf = block_eq(&blk, '\n');
	if (d->quote >= 0)
		q = block_eq(&blk, d->quote);
	in = prefix_xor(q) ^ (st == S_QUOTED ? ~(uint64_t)0 : 0);
	/* The quotes that the parity says open a quoted field must follow a
	 * delimiter, a record end or (doubled) a closing quote. */
	open = q & in;
	if (open) {
		ok = block_eq(&blk, d->delim) | lf | (d->dq ? q : 0);
		ok = ok << 1 | (st <= S_FSTART || (st == S_CLOSED && d->dq));
		if (open & ~ok)
			return 0;
	}
	if (d->escape >= 0 && block_eq(&blk, d->escape))
		return 0;
	ends = lf & ~in;
	if (d->comment >= 0 &&
	    (block_eq(&blk, d->comment) & (ends << 1 | (st == S_REC))))
		return 0;
	n = popcount64(lf);
	last = 63 - __builtin_clzll(ends | 1);
	/* LFs after the last record end are inside quotes */
	tail = lf >> last >> 1;
	if (ends) {
		s->end = s->pos + last + 1;
		s->end_lines = s->lines + n - (tail ? popcount64(tail) : 0);
	}
	s->end_records += ends == lf ? n : popcount64(ends);
	s->lines += n;
	s->pos += 64;
	c = b[63];
	st = c == d->delim ? S_FSTART : S_FIELD;
	st = q >> 63 ? S_CLOSED : st;
	st = lf >> 63 ? S_REC : st;
	st = in >> 63 ? S_QUOTED : st;
	if (d->skip && c == ' ' && st == S_FIELD)
		st = after_spaces(b, s->state, d);
	s->state = st;
	return 1;
}

/* Scan the whole blocks of <p, len> from s->pos; with `first`, stop
 * once a boundary is found. */
static void scan_run(struct scan *s, const struct cfg *d,
		     const unsigned char *p, size_t len, size_t limit,
		     int first)
{
	while (!s->big && len - s->pos >= 64 && !(first && s->end))
		if (!scan_block(s, d, p, limit))
			scan_bytes(s, d, p, s->pos + 64, limit);
}

/*
 * The result over all of <p, len>: `s` after scan_run() plus the tail,
 * which is not kept in `s` because more data may follow it.
 */
static void scan_finish(struct scan *out, const struct scan *s,
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

size_t mlg_csv_split(struct mlg_csv_count *out, const struct mlg_csv_dialect *d,
		     const char *ptr, size_t len, int at_eof)
{
	const unsigned char *p = (const unsigned char *)ptr;
	struct scan s = {0}, r;
	struct cfg c;

	cfg_init(&c, d);
	scan_run(&s, &c, p, len, (size_t)-1, 0);
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
	/* no block loaded: the first skip_to() loads the block of pos */
	it->blk = (size_t)-64;
	it->bits = it->other = it->quotes = 0;
	it->fast = it->carry = 0;
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
	it->limit = (size_t)-1;
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

/*
 * The cursor over special bytes: `blk` is the 64-aligned offset of the
 * block whose unvisited special bytes are `bits`; `other` are those of
 * them that are not the delimiter (LF, quote, escape).
 */
struct cursor {
	size_t blk;
	uint64_t bits, other;
};

static inline void load_masks(const struct mlg_csv_chunk *it, struct cursor *c,
			      const unsigned char *p)
{
	struct block b;
	/* a disabled character is looked for as LF again */
	int q = it->quote >= 0 ? it->quote : '\n';
	int e = it->escape >= 0 ? it->escape : '\n';

	block_load(&b, p);
	c->other = block_eq3(&b, '\n', q, e);
	c->bits = block_eq(&b, it->delim) | c->other;
}

/* The short last block, through a padded copy. */
static void load_tail(const struct mlg_csv_chunk *it, struct cursor *c)
{
	unsigned char tail[64];
	size_t n = it->len - c->blk;
	uint64_t valid = ((uint64_t)1 << n) - 1;

	memcpy(tail, it->ptr + c->blk, n);
	memset(tail + n, 0, 64 - n);
	load_masks(it, c, tail);
	c->bits &= valid;
	c->other &= valid;
}

static inline void load(const struct mlg_csv_chunk *it, struct cursor *c)
{
	if (it->len - c->blk >= 64)
		load_masks(it, c, (const unsigned char *)it->ptr + c->blk);
	else
		load_tail(it, c);
}

/* Move to the next block with special bytes; 0 at the end of the chunk. */
static inline int refill(const struct mlg_csv_chunk *it, struct cursor *c)
{
	do {
		c->blk += 64;
		if (c->blk >= it->len)
			return 0;
		load(it, c);
	} while (!c->bits);
	return 1;
}

/* The next special byte, or it->len. */
static inline size_t next_bit(const struct mlg_csv_chunk *it, struct cursor *c)
{
	size_t p;

	if (!c->bits && !refill(it, c))
		return it->len;
	p = c->blk + ctz64(c->bits);
	c->bits &= c->bits - 1;
	c->other &= c->bits;
	return p;
}

/* Forget the special bytes before `to`. */
static inline void skip_to(const struct mlg_csv_chunk *it, struct cursor *c,
			   size_t to)
{
	uint64_t keep;

	if (to - c->blk >= 64) {
		c->blk = to & ~(size_t)63;
		if (c->blk < it->len) {
			load(it, c);
		} else {
			c->bits = c->other = 0;
		}
	}
	keep = ~(uint64_t)0 << (to & 63);
	c->bits &= keep;
	c->other &= keep;
}

static inline size_t skip_spaces(const char *b, size_t i, size_t len)
{
	while (i < len && b[i] == ' ')
		i++;
	return i;
}

/* A record being parsed, for the slow path. */
struct build {
	size_t fs;     /* start of the current field */
	size_t nf;     /* fields done */
	size_t ndirty; /* of them, to unescape */
	size_t pos;    /* when the record ended: just after it */
	uint64_t nl;   /* LFs inside the record */
	unsigned irr;
	int lf; /* it ended with a line ending */
};

static void emit(struct mlg_csv_chunk *it, struct build *bd, size_t end,
		 int quoted, int irregular, int dirty)
{
	struct mlg_csv_field *f;

	if (bd->nf == it->falloc)
		it->fields = mlg_grow(it->fields, sizeof(*it->fields),
				      bd->nf + 1, &it->falloc);
	f = &it->fields[bd->nf];
	f->ptr = it->ptr + bd->fs;
	f->len = end - bd->fs;
	f->quoted = quoted;
	f->irregular = irregular;
	if (dirty) {
		if (bd->ndirty == it->dalloc)
			it->dirty = mlg_grow(it->dirty, sizeof(*it->dirty),
					     bd->ndirty + 1, &it->dalloc);
		it->dirty[bd->ndirty++] = bd->nf;
	}
	bd->nf++;
}

static int unterminated(const struct mlg_csv_chunk *it)
{
	return mlg_error_set(
		MLG_EDATA,
		"unterminated quoted field starting at line %" PRIu64,
		it->error_line);
}

/*
 * The slow path: the field at bd->fs holds a quote or an escape, the
 * first at `p`. Parse it to its end and add it. Returns 0 when it ended
 * at a delimiter (bd->fs is then the next field), 1 when the record ended
 * (bd->pos, bd->lf), or MLG_EDATA for an unterminated quote (with
 * it->error_line set, but not the error: that is the caller's call).
 *
 * A field that needs unescaping is added as its raw bytes, from after the
 * opening quote to the delimiter, and unescaped when the record is done.
 */
static int slow_field(struct mlg_csv_chunk *it, struct cursor *cur,
		      struct build *bd, size_t p)
{
	const char *b = it->ptr;
	const size_t len = it->len;
	const int delim = it->delim, quote = it->quote;
	int quoted = 0, irregular = 0, dirty = 0, c = (unsigned char)b[p];
	size_t q, e;

	if (c == quote && p == bd->fs) {
		uint64_t open_nl = bd->nl;

		quoted = 1;
		bd->fs = p + 1;
		for (;;) {
			q = next_bit(it, cur);
			if (q >= len) {
				it->error_line = it->line + open_nl;
				return MLG_EDATA;
			}
			c = (unsigned char)b[q];
			if (c == '\n') {
				bd->nl++;
			} else if (c == quote) {
				if (!it->dq || q + 1 >= len ||
				    (unsigned char)b[q + 1] != quote)
					break;
				dirty = 1;
				skip_to(it, cur, q + 2);
			} else if (c != delim) {
				/* the escape: the next byte is data */
				dirty = 1;
				if (q + 1 < len) {
					bd->nl += b[q + 1] == '\n';
					skip_to(it, cur, q + 2);
				}
			}
		}
		/* the closing quote is at q */
		c = q + 1 < len ? (unsigned char)b[q + 1] : -1;
		if (c < 0 || c == delim || c == '\n' ||
		    (c == '\r' && q + 2 < len && b[q + 2] == '\n')) {
			emit(it, bd, q, 1, 0, dirty);
			if (c == delim) {
				bd->fs = q + 2;
				skip_to(it, cur, bd->fs);
				if (it->skip)
					bd->fs = skip_spaces(b, bd->fs, len);
				return 0;
			}
			bd->pos = c < 0 ? len : q + 2 + (c == '\r');
			bd->lf = c >= 0;
			skip_to(it, cur, bd->pos);
			return 1;
		}
		/* Text after the closing quote is data: the field goes on
		 * unquoted, and is unescaped from its raw bytes. A quote
		 * right there is that data. */
		irregular = dirty = 1;
		bd->irr++;
		if (c == quote)
			skip_to(it, cur, q + 2);
		p = next_bit(it, cur);
	}
	/* the unquoted rest of the field; p is a special byte or len */
	for (;; p = next_bit(it, cur)) {
		if (p >= len) {
			emit(it, bd, len, quoted, irregular, dirty);
			bd->pos = len;
			bd->lf = 0;
			return 1;
		}
		c = (unsigned char)b[p];
		if (c == delim) {
			emit(it, bd, p, quoted, irregular, dirty);
			bd->fs = p + 1;
			if (it->skip)
				bd->fs = skip_spaces(b, bd->fs, len);
			return 0;
		}
		if (c == '\n') {
			/* CR LF: the CR is part of the line ending */
			e = p > bd->fs && b[p - 1] == '\r' ? p - 1 : p;
			emit(it, bd, e, quoted, irregular, dirty);
			bd->pos = p + 1;
			bd->lf = 1;
			return 1;
		}
		if (c == quote) {
			/* a quote inside unquoted data is data */
			irregular = 1;
			bd->irr++;
			continue;
		}
		/* the escape makes the next byte (or CR LF) literal */
		dirty = 1;
		if (p + 1 >= len) {
			irregular = 1;
			bd->irr++;
			continue;
		}
		e = p + 2;
		if (b[p + 1] == '\n') {
			bd->nl++;
		} else if (b[p + 1] == '\r' && e < len && b[e] == '\n') {
			bd->nl++;
			e++;
		}
		skip_to(it, cur, e);
	}
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

/* The reader's code for a record cut by the end of its buffer: below
 * zero, as no count of records is, and no MLG_E* code. */
#define INCOMPLETE (-1000)

/* Give up on the record at `start` until more data comes. */
static int incomplete(struct mlg_csv_chunk *it, size_t start)
{
	it->pos = start;
	it->blk = (size_t)-64;
	it->bits = it->other = it->quotes = 0;
	it->fast = it->carry = 0;
	return INCOMPLETE;
}

/* What a call returns once `ret`, an error or INCOMPLETE, has been
 * recorded in the iterator: the records of its batch before, if any;
 * the next call meets `ret` again. */
static int batch_or(int got, int ret)
{
	return got ? got : ret;
}

static int too_big(uint64_t line, size_t max)
{
	return mlg_error_set(MLG_ELIMIT,
			     "record at line %" PRIu64
			     " is larger than %zu bytes",
			     line, max);
}

/* A sticky error, its message set again. */
static int failed(struct mlg_csv_chunk *it)
{
	if (it->err == MLG_EDATA)
		return unterminated(it);
	if (it->err == MLG_ELIMIT)
		return too_big(it->error_line, it->limit);
	return mlg_csv_dialect_check(&it->dialect);
}

/* The record at `start` failed with `ret` from slow_field(). */
static int fail(struct mlg_csv_chunk *it, int ret, size_t start)
{
	if (it->partial)
		return incomplete(it, start);
	it->pos = start;
	if (it->len - start > it->limit) {
		it->error_line = it->line;
		ret = MLG_ELIMIT;
	}
	it->err = ret;
	return failed(it);
}

/* The masks of the block at `blk` (a full one, or the padded tail). */
static inline void masks_at(const struct mlg_csv_chunk *it, size_t blk,
			    uint64_t *bits, uint64_t *other)
{
	struct cursor c = {blk, 0, 0};

	load(it, &c);
	*bits = c.bits;
	*other = c.other;
}

/*
 * The fast path's view of the full block at `blk`, which is entered
 * outside quotes (*carry 0) or inside a quoted field begun in an earlier
 * fast block (*carry 1); `at_start` says a field starts at blk. The block
 * is clean when every quote opens a field at its start or closes it just
 * before a delimiter, LF or CR LF, with no escape and no LF inside quotes.
 * Then the fields are the bytes between the delimiters and LFs outside
 * quotes, with one quote to trim at each end when the first byte is one.
 * For a clean block, sets *ends to those delimiters and LFs, *lfs to the
 * LFs, *quotes to the quotes, *carry to whether it ends inside quotes,
 * and returns 1.
 */
static inline int fast_masks(const struct mlg_csv_chunk *it, size_t blk,
			     int at_start, int *carry, uint64_t *ends,
			     uint64_t *lfs, uint64_t *quotes)
{
	const unsigned char *p = (const unsigned char *)it->ptr + blk;
	struct block b;
	uint64_t lf, d, q, in, close, after;

	block_load(&b, p);
	if (it->escape >= 0 && block_eq(&b, it->escape))
		return 0;
	lf = block_eq(&b, '\n');
	d = block_eq(&b, it->delim);
	q = it->quote >= 0 ? block_eq(&b, it->quote) : 0;
	in = prefix_xor(q) ^ (*carry ? ~(uint64_t)0 : 0);
	if ((lf & in) || (q & in & ~((d | lf) << 1 | (uint64_t)at_start)))
		return 0;
	close = q & ~in;
	if (close) {
		uint64_t cr = block_eq(&b, '\r');

		after = (d | lf | (cr & lf >> 1)) >> 1;
		if (close >> 63) {
			size_t n = blk + 64;
			int c = n < it->len ? p[64] : -1;

			if (c == it->delim || c == '\n' ||
			    (c == '\r' && n + 1 < it->len && p[65] == '\n'))
				after |= (uint64_t)1 << 63;
		}
		if (close & ~after)
			return 0;
	}
	*ends = (d | lf) & ~in;
	*lfs = lf & ~in;
	*quotes = q;
	*carry = (int)(in >> 63);
	return 1;
}

/*
 * Add the fields of a clean block that end at the bits of `ends`, the
 * first at *fs, after the nf fields there are; returns the new count.
 * A field that a quote opens loses it and the closing one, unless
 * `quoted` is 0: then none is, and the loop has no test for one.
 */
__attribute__((always_inline)) static inline size_t
clean_fields(struct mlg_csv_field *fields, size_t nf, const char *b, size_t *fs,
	     size_t blk, uint64_t ends, int quote, int quoted)
{
	size_t p, f = *fs;
	int qd = 0;

	while (ends) {
		p = blk + ctz64(ends);
		ends &= ends - 1;
		if (quoted)
			qd = (unsigned char)b[f] == quote;
		fields[nf++] = (struct mlg_csv_field){
			b + f + qd, p - f - 2 * qd, (unsigned char)qd, 0};
		f = p + 1;
	}
	*fs = f;
	return nf;
}

static int chunk_next(struct mlg_csv_chunk *it, struct mlg_csv_record *rec,
		      size_t max, size_t base, size_t stride)
{
	/*
	 * The hot loop keeps everything in locals: stores into the field
	 * array could alias the iterator's members, and a cursor whose
	 * address escapes would live in memory.
	 *
	 * Two modes, switched at block boundaries. In fast mode `bits` are
	 * the field ends of a clean block (see fast_masks()), `other` its
	 * record ends and `quotes` its quotes. Elsewhere `bits` are all
	 * special bytes and `other` those that are not delimiters, walked
	 * one by one with a slow path for fields with quotes or escapes.
	 */
	const char *const b = it->ptr;
	const size_t len = it->len;
	const int skip = it->skip, quote = it->quote;
	struct mlg_csv_field *fields = it->fields;
	size_t falloc = it->falloc;
	size_t blk, pos = it->pos, start, fs, nf = base, p, e;
	uint64_t bits, other, low, quotes = it->quotes;
	struct cursor cur = {it->blk, it->bits, it->other};
	struct build bd;
	int fast = it->fast, carry = it->carry, ret, qd, got = 0;

	if (it->err)
		return failed(it);
	if (pos < len && (unsigned char)b[pos] == it->comment) {
		do {
			const char *end = memchr(b + pos, '\n', len - pos);
			size_t n =
				end ? (size_t)(end - b) + 1 - pos : len - pos;

			if (!end && it->partial)
				return incomplete(it, pos);
			if (n > it->limit) {
				it->error_line = it->line;
				it->err = MLG_ELIMIT;
				it->pos = pos;
				return failed(it);
			}
			pos += n;
			it->line++;
		} while (pos < len && (unsigned char)b[pos] == it->comment);
		fast = carry = 0;
		cur.blk = (size_t)-64;
		skip_to(it, &cur, pos);
	}
	if (pos >= len) {
		it->pos = len;
		return 0;
	}
	/* Past the first record, the cursor has nothing before pos. */
	if (cur.blk == (size_t)-64)
		skip_to(it, &cur, pos);
	blk = cur.blk;
	bits = cur.bits;
	other = cur.other;
record:
	start = fs = pos;
	if (skip)
		fs = skip_spaces(b, fs, len);
	bd.ndirty = 0;
	bd.nl = 0;
	bd.irr = 0;
	bd.lf = 0;

/* Room for the fields of a whole block. */
#define ROOM(n)                                                                \
	do {                                                                   \
		if (nf + (n) > falloc) {                                       \
			fields = it->fields =                                  \
				mlg_grow(fields, sizeof(*fields), nf + (n),    \
					 &it->falloc);                         \
			falloc = it->falloc;                                   \
		}                                                              \
	} while (0)

	ROOM(65);
	for (;;) {
		if (!bits) {
			blk += 64;
			if (blk >= len)
				goto end_of_chunk;
			ROOM(65);
			if (!skip && len - blk >= 64 &&
			    fast_masks(it, blk, fs == blk, &carry, &bits,
				       &other, &quotes)) {
				fast = 1;
				continue;
			}
			masks_at(it, blk, &bits, &other);
			if (carry || (fast && fs < blk &&
				      (unsigned char)b[fs] == quote)) {
				/* A quoted field from clean blocks runs into
				 * this one (or only its delimiter does): parse
				 * it again from its quote. */
				fast = 0;
				carry = 0;
				cur.blk = (size_t)-64;
				skip_to(it, &cur, fs + 1);
				p = fs;
				goto slow;
			}
			fast = 0;
			continue;
		}
		if (fast) {
			/* the fields before the record end, if in this block */
			uint64_t before = other ? (other & (0 - other)) - 1
						: ~(uint64_t)0;
			uint64_t ends = bits & before;

			bits &= ~before;
			/* No quote opens these fields, the common case: the
			 * copy of the loop without the test for one. */
			if (!(quotes & ends << 1) &&
			    (unsigned char)b[fs] != quote)
				nf = clean_fields(fields, nf, b, &fs, blk, ends,
						  quote, 0);
			else
				nf = clean_fields(fields, nf, b, &fs, blk, ends,
						  quote, 1);
			if (!other)
				continue;
			p = blk + ctz64(other);
			other &= other - 1;
			bits &= bits - 1;
			e = p > fs && b[p - 1] == '\r' ? p - 1 : p;
			qd = (unsigned char)b[fs] == quote;
			fields[nf++] = (struct mlg_csv_field){
				b + fs + qd, e - fs - 2 * qd, (unsigned char)qd,
				0};
			pos = p + 1;
			bd.lf = 1;
			goto done;
		}
		/* Most special bytes are delimiters ending clean fields. */
		p = blk + ctz64(bits);
		low = bits & (0 - bits);
		bits ^= low;
		if (!(low & other)) {
			ROOM(1);
			fields[nf++] =
				(struct mlg_csv_field){b + fs, p - fs, 0, 0};
			fs = p + 1;
			if (skip)
				fs = skip_spaces(b, fs, len);
			continue;
		}
		other ^= low;
		/* A clean quoted field closed in this block, then a delimiter
		 * or LF: the common case, kept off the slow path. */
		if (p == fs && (unsigned char)b[p] == quote && other) {
			size_t q = blk + ctz64(other);
			int c = q + 1 < len ? (unsigned char)b[q + 1] : -1;

			if ((unsigned char)b[q] == quote && q - blk < 63 &&
			    (c == it->delim || c == '\n')) {
				/* drop the special bytes up to q + 1 */
				uint64_t keep =
					~(((uint64_t)2 << (q + 1 - blk)) - 1);

				ROOM(1);
				fields[nf++] = (struct mlg_csv_field){
					b + p + 1, q - p - 1, 1, 0};
				bits &= keep;
				other &= keep;
				if (c == '\n') {
					pos = q + 2;
					bd.lf = 1;
					goto done;
				}
				fs = q + 2;
				if (skip)
					fs = skip_spaces(b, fs, len);
				continue;
			}
		}
		if (b[p] == '\n') {
			/* CR LF: the CR is part of the line ending */
			e = p > fs && b[p - 1] == '\r' ? p - 1 : p;
			ROOM(1);
			fields[nf++] =
				(struct mlg_csv_field){b + fs, e - fs, 0, 0};
			pos = p + 1;
			bd.lf = 1;
			goto done;
		}
		/* a quote or an escape: the slow path takes this field */
		cur.blk = blk;
		cur.bits = bits;
		cur.other = other;
	slow:
		bd.fs = fs;
		bd.nf = nf;
		ret = slow_field(it, &cur, &bd, p);
		if (ret < 0)
			return batch_or(got, fail(it, ret, start));
		blk = cur.blk;
		bits = cur.bits;
		other = cur.other;
		fields = it->fields;
		falloc = it->falloc;
		nf = bd.nf;
		fs = bd.fs;
		if (ret) {
			pos = bd.pos;
			goto done;
		}
	}
#undef ROOM
end_of_chunk:
	if (fast && fs < len && (unsigned char)b[fs] == quote) {
		/* a quoted field at the very end, or never closed */
		fast = carry = 0;
		cur.blk = (size_t)-64;
		skip_to(it, &cur, fs + 1);
		bd.fs = fs;
		bd.nf = nf;
		ret = slow_field(it, &cur, &bd, fs);
		if (ret < 0)
			return batch_or(got, fail(it, ret, start));
		fields = it->fields;
		nf = bd.nf;
		pos = bd.pos;
		blk = cur.blk;
		bits = cur.bits;
		other = cur.other;
		goto done;
	}
	bd.fs = fs;
	bd.nf = nf;
	emit(it, &bd, len, 0, 0, 0);
	fields = it->fields;
	nf = bd.nf;
	pos = len;
done:
	/* cut by the end of the reader's buffer: more may follow */
	if (!bd.lf && it->partial)
		return batch_or(got, incomplete(it, start));
	if (pos - start > it->limit) {
		it->error_line = it->line;
		it->err = MLG_ELIMIT;
		it->pos = start;
		return batch_or(got, failed(it));
	}
	if (bd.ndirty)
		unescape_fields(it, bd.ndirty);
	rec->fields = fields + base;
	rec->nfields = nf - base;
	rec->line = it->line;
	rec->nlines = bd.nl + 1;
	rec->offset = it->offset + start;
	rec->index = it->record++;
	rec->size = pos - start;
	rec->irregular = bd.irr;
	rec->unescaped = bd.ndirty != 0;
	rec->blank = bd.lf && (pos - start == 1 ||
			       (pos - start == 2 && b[start] == '\r'));
	/* a record that ends at the end of the chunk has no line ending */
	it->line += bd.nl + bd.lf;
	got++;
	/* A batch goes on after a record of `stride` fields of its own, with
	 * its line feed, while no comment line follows. */
	if (got < (int)max && bd.lf && !bd.ndirty && !rec->blank &&
	    nf - base == stride && pos < len &&
	    (unsigned char)b[pos] != it->comment) {
		rec++;
		base = nf;
		goto record;
	}
	it->pos = pos;
	it->blk = blk;
	it->bits = bits;
	it->other = other;
	it->quotes = quotes;
	it->fast = fast;
	/* the block's, not the position's: ends inside quotes */
	it->carry = carry;
	return got;
}

int mlg_csv_chunk_next_batch(struct mlg_csv_chunk *it,
			     struct mlg_csv_record *recs, size_t max,
			     size_t base, size_t stride)
{
	int ret;

	if (!max)
		MLG_BUG("a batch of no records");
	ret = chunk_next(it, recs, max < INT_MAX ? max : INT_MAX, base, stride);
	return ret == INCOMPLETE ? 0 : ret;
}

int mlg_csv_chunk_next_at(struct mlg_csv_chunk *it, struct mlg_csv_record *rec,
			  size_t base)
{
	return mlg_csv_chunk_next_batch(it, rec, 1, base, 0);
}

int mlg_csv_chunk_next(struct mlg_csv_chunk *it, struct mlg_csv_record *rec)
{
	return mlg_csv_chunk_next_at(it, rec, 0);
}

/* ---- the streaming reader ---- */

/*
 * The reader parses its buffer optimistically: the iterator, in partial
 * mode, gives up on a record that the end of the buffer cuts (no LF yet).
 * Only then does the splitter look at that record, and only up to its
 * end, as more data comes: each byte is scanned about once, and a record
 * read one byte at a time is not parsed again and again.
 */

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
	r->chunk = MLG_CSV_CHUNK_SIZE;
	if (r->max > (size_t)-1 / 4)
		r->max = (size_t)-1 / 4;
	r->it.limit = r->max;
	r->head_pos = start;
	ret = mlg_csv_dialect_check(d);
	if (!ret && !read)
		ret = mlg_error_set(MLG_EINVALID,
				    "csv reader needs a read function");
	r->err = ret;
	return ret;
}

void mlg_csv_reader_set_chunk(struct mlg_csv_reader *r, size_t bytes)
{
	r->chunk = bytes ? bytes : MLG_CSV_CHUNK_SIZE;
}

void mlg_csv_reader_release(struct mlg_csv_reader *r)
{
	mlg_csv_chunk_release(&r->it);
	free(r->buf);
	r->buf = NULL;
	r->alloc = r->head = r->len = 0;
}

uint64_t mlg_csv_reader_error_line(const struct mlg_csv_reader *r)
{
	return r->err == MLG_EDATA || r->err == MLG_ELIMIT ? r->it.error_line
							   : 0;
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

/* The first buffer: small streams stay small. */
#define FIRST_BUFFER ((size_t)64 << 10)

/*
 * Room for at least one more byte. The buffer starts small and doubles
 * up to r->chunk while reads fill it (fewer, larger reads for a big
 * stream), and beyond that up to max + 1 only for a record that does not
 * fit.
 */
static void make_room(struct mlg_csv_reader *r)
{
	size_t cap = r->max + 1 > r->chunk ? r->max + 1 : r->chunk;
	size_t first = r->chunk < FIRST_BUFFER ? r->chunk : FIRST_BUFFER;
	size_t n;

	if (r->head && (r->len == r->alloc || r->head >= r->alloc / 2)) {
		memmove(r->buf, r->buf + r->head, r->len - r->head);
		r->len -= r->head;
		r->head = 0;
	}
	if (r->len < r->alloc && (r->alloc >= r->chunk || !r->filled))
		return;
	n = r->alloc ? 2 * r->alloc : first;
	if (!r->alloc && r->max < n)
		n = r->max + 1;
	if (n > cap)
		n = cap;
	if (n <= r->alloc) {
		if (r->len == r->alloc)
			MLG_BUG("csv reader buffer cannot grow");
		return;
	}
	r->buf = mlg_realloc(r->buf, n);
	r->alloc = n;
}

/* One more read into the buffer, and the BOM at the start of the stream. */
static int read_more(struct mlg_csv_reader *r)
{
	ssize_t n;

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
		r->filled = (size_t)n == r->alloc - r->len;
		r->len += n;
		if (r->bom_done)
			return 0;
		if (r->len < 3 && !r->eof)
			continue;
		r->bom_done = 1;
		r->head = mlg_csv_bom(r->buf, r->len);
		r->head_pos.offset = r->head;
		return 0;
	}
}

static int reader_too_big(struct mlg_csv_reader *r, uint64_t line)
{
	r->it.error_line = line;
	return too_big(line, r->max);
}

/* The unconsumed bytes (no arithmetic on the NULL of an empty reader). */
static const unsigned char *data(const struct mlg_csv_reader *r)
{
	return (const unsigned char *)(r->buf ? r->buf + r->head : empty);
}

/* Parse the buffer from head again, as far as it goes. */
static void reparse(struct mlg_csv_reader *r)
{
	chunk_reset(&r->it, (const char *)data(r), r->len - r->head,
		    &r->head_pos);
	r->it.partial = !r->eof;
}

/* What `it`, over the buffer from head, took is gone: the buffer starts
 * at its position, and the reader's own iterator there, so that nothing
 * is consumed twice. */
static void consume(struct mlg_csv_reader *r, const struct mlg_csv_chunk *it)
{
	r->head += it->pos;
	mlg_csv_chunk_pos(it, &r->head_pos);
	reparse(r);
}

/* Read until the buffer is full of what is not consumed yet, or the
 * input ends. */
static int fill(struct mlg_csv_reader *r)
{
	int ret;

	while (!r->eof && (r->head || r->len < r->alloc || r->alloc < r->chunk))
		if ((ret = read_more(r)))
			return r->err = ret;
	return 0;
}

/* Read until the record at head is complete or the input ends. */
static int complete_record(struct mlg_csv_reader *r)
{
	struct scan s = {0}, res;
	struct cfg c;
	int ret;

	cfg_of(&c, &r->it);
	for (;;) {
		const unsigned char *p = data(r);

		scan_run(&s, &c, p, r->len - r->head, r->max, 1);
		if (s.end)
			return 0;
		/* only the tail, under 64 bytes, is left to scan */
		scan_finish(&res, &s, &c, p, r->len - r->head, r->eof, r->max);
		if (res.end || r->eof)
			return 0;
		if (res.big)
			return reader_too_big(r, r->head_pos.line);
		ret = read_more(r);
		if (ret)
			return ret;
	}
}

/*
 * Step over the next record as mlg_csv_chunk_next() would, without its
 * fields. A record with no quote or escape before its LF, not in a
 * comment line, ends at that LF; others go through the parser.
 */
static int chunk_skip(struct mlg_csv_chunk *it)
{
	struct mlg_csv_record rec;
	const char *b = it->ptr + it->pos, *lf;
	size_t n = it->len - it->pos;

	if (it->err || !n || (unsigned char)*b == it->comment ||
	    !(lf = memchr(b, '\n', n)) || (size_t)(lf - b) >= it->limit ||
	    (it->quote >= 0 && memchr(b, it->quote, (size_t)(lf - b))) ||
	    (it->escape >= 0 && memchr(b, it->escape, (size_t)(lf - b))))
		return chunk_next(it, &rec, 1, 0, 0);
	it->pos += (size_t)(lf - b) + 1;
	it->line++;
	it->record++;
	/* No block loaded: the next record loads the block of pos. */
	it->blk = (size_t)-64;
	it->bits = it->other = it->quotes = 0;
	it->fast = it->carry = 0;
	return 1;
}

static int reader_step(struct mlg_csv_reader *r, struct mlg_csv_record *rec)
{
	int ret;

	for (;;) {
		if (r->err)
			return r->err;
		ret = rec ? chunk_next(&r->it, rec, 1, 0, 0)
			  : chunk_skip(&r->it);
		if (ret == 1)
			return 1;
		if (ret < 0 && ret != INCOMPLETE)
			return r->err = ret;
		consume(r, &r->it);
		if (!ret && r->eof)
			return 0;
		r->err = ret == INCOMPLETE ? complete_record(r) : read_more(r);
		if (!r->err)
			reparse(r);
	}
}

int mlg_csv_reader_next(struct mlg_csv_reader *r, struct mlg_csv_record *rec)
{
	return reader_step(r, rec);
}

int mlg_csv_reader_skip(struct mlg_csv_reader *r)
{
	return reader_step(r, NULL);
}

int mlg_csv_reader_next_chunk(struct mlg_csv_reader *r, const char **ptr,
			      size_t *len, struct mlg_csv_pos *at)
{
	struct scan s = {0}, res;
	struct cfg c;
	int ret;

	if (r->err)
		return r->err;
	consume(r, &r->it);
	cfg_of(&c, &r->it);
	/* fill the buffer, scanning what comes as it comes */
	for (;;) {
		const unsigned char *p = data(r);

		scan_run(&s, &c, p, r->len - r->head, r->max, 0);
		scan_finish(&res, &s, &c, p, r->len - r->head, r->eof, r->max);
		if (r->eof || res.big ||
		    (res.end && r->len == r->alloc && r->alloc >= r->chunk))
			break;
		ret = read_more(r);
		if (ret)
			return r->err = ret;
	}
	if (!res.end) {
		if (res.big)
			return r->err = reader_too_big(r, r->head_pos.line);
		return 0;
	}
	*ptr = r->buf + r->head;
	*len = res.end;
	*at = r->head_pos;
	r->head += res.end;
	r->head_pos.line += res.end_lines;
	r->head_pos.offset += res.end;
	r->head_pos.record += res.end_records;
	reparse(r);
	return 1;
}

int mlg_csv_reader_next_cut(struct mlg_csv_reader *r, const char **ptr,
			    size_t *len, uint64_t *offset, int *partial)
{
	const char *p, *lf;
	size_t n;
	int ret;

	if (r->err)
		return r->err;
	consume(r, &r->it);
	if ((ret = fill(r)))
		return ret;
	if (r->head == r->len)
		return 0;
	p = (const char *)data(r);
	n = r->len - r->head;
	*offset = r->head_pos.offset;
	*partial = !r->eof;
	if (!r->eof) {
		if (!(lf = memrchr(p, '\n', n)))
			return 2;
		n = (size_t)(lf - p) + 1;
	}
	*ptr = p;
	*len = n;
	r->head += n;
	r->head_pos.offset += n;
	reparse(r);
	return 1;
}

void mlg_csv_reader_trade(struct mlg_csv_reader *r, char **buf, size_t *alloc)
{
	size_t n = r->len - r->head, size = r->alloc;
	char *b = *buf;

	if (*alloc < size) {
		free(b);
		b = mlg_malloc(size ? size : 1);
	} else {
		size = *alloc;
	}
	if (n)
		memcpy(b, r->buf + r->head, n);
	*buf = r->buf;
	*alloc = r->alloc;
	r->buf = b;
	r->alloc = size;
	r->len = n;
	r->head = 0;
	reparse(r);
}

void mlg_csv_reader_pos(const struct mlg_csv_reader *r, struct mlg_csv_pos *out)
{
	mlg_csv_chunk_pos(&r->it, out);
}

void mlg_csv_reader_unread(struct mlg_csv_reader *r, const char *ptr,
			   size_t len, const struct mlg_csv_pos *at)
{
	size_t n = r->len - r->head;

	if (len > r->head) {
		if (n + len > r->alloc) {
			r->alloc = n + len;
			r->buf = mlg_realloc(r->buf, r->alloc);
		}
		memmove(r->buf + len, r->buf + r->head, n);
		r->head = len;
		r->len = len + n;
	}
	r->head -= len;
	if (len) /* ptr may be what the reader held there */
		memmove(r->buf + r->head, ptr, len);
	r->head_pos = *at;
	r->stuck = 0;
	reparse(r);
}

int mlg_csv_reader_peek(struct mlg_csv_reader *r, struct mlg_csv_chunk *it,
			const char **ptr, size_t *len, struct mlg_csv_pos *at)
{
	int ret;

	if (r->err)
		return r->err;
	consume(r, &r->it);
	/* The last look ended at a record it could not finish: read until
	 * that one is complete, or too big. */
	if (r->stuck && (ret = complete_record(r)))
		return r->err = ret;
	r->stuck = 0;
	if ((ret = fill(r)))
		return ret;
	if (r->head == r->len)
		return 0;
	*ptr = r->buf + r->head;
	*len = r->len - r->head;
	*at = r->head_pos;
	mlg_csv_chunk_init(it, &r->it.dialect, *ptr, *len, at);
	it->limit = r->max;
	it->partial = !r->eof;
	return 1;
}

void mlg_csv_reader_took(struct mlg_csv_reader *r,
			 const struct mlg_csv_chunk *it)
{
	if (it->err == MLG_ELIMIT)
		r->err = reader_too_big(r, it->error_line);
	r->stuck = !it->pos && !it->err;
	consume(r, it);
}

void mlg_csv_add_field(struct mlg_buf *b, const char *s, char delim)
{
	if (!strpbrk(s, "\"\r\n") && !strchr(s, delim)) {
		mlg_buf_adds(b, s);
		return;
	}
	mlg_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			mlg_buf_addch(b, '"');
		mlg_buf_addch(b, *s);
	}
	mlg_buf_addch(b, '"');
}
