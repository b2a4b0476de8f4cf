/* validate.c - one pass of a table through a schema, chunks in parallel */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/fpset.h"
#include "mlgate/json.h"
#include "mlgate/stream.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"
#include "mlgate/validate.h"

static const char *const verr_names[MLG_VE_COUNT] = {
	"type-error",	  "constraint-error", "missing-cell", "extra-cell",
	"blank-row",	  "duplicate-label",  "blank-label",  "missing-label",
	"extra-label",	  "incorrect-label",  "unique-error", "primary-key",
	"encoding-error", "format-error",
};

const char *mlg_verr_name(enum mlg_verr_type t)
{
	return (unsigned)t < MLG_VE_COUNT ? verr_names[t] : "error";
}

#define CELL_MAX 64

/* The length of a record's raw bytes without its line ending. */
static size_t line_len(const char *raw, size_t len)
{
	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	return len;
}

/* The seed of the words of a key's parts. */
#define KEY_SEED 0x6d6c67617465ULL

/* ---- the plan: which column is which field, which keys to check ---- */

struct ukey {
	enum mlg_verr_type type; /* unique-error or primary-key */
	size_t *fields;		 /* schema field indices */
	size_t nfields;
	size_t report_field; /* 1-based column of the first field, or 0 */
	int ints;	     /* one integer field: the set holds the integers */
};

/* A header label that is not text (invalid UTF-8, a NUL byte) as read,
 * with the note of its encoding-error; note NULL for a good label. */
struct bad_label {
	char *raw;
	size_t len;
	const char *note;
};

struct plan {
	const struct mlg_validate_opts *o;
	const struct mlg_schema *s;
	size_t ncols;	   /* columns expected in a row */
	int *col_field;	   /* column -> field index, -1 when unchecked */
	size_t *field_col; /* field -> column + 1, 0 when absent */
	struct ukey *keys;
	size_t nkeys;
	unsigned char *in_key; /* field -> part of some key */
	unsigned char *track;  /* field -> fed to the dataset checks */
	struct bad_label *bad; /* column -> how its label is not text */
	size_t nbad;
};

/* ---- a chunk of records and what a worker found in it ---- */

/* A key's fingerprint in a row. The record stays in the job's buffer,
 * which lives until the job is merged: a duplicate is parsed again there
 * to show its key. */
struct fprow {
	uint64_t fp, row, line;
	int64_t v; /* a key of one integer field: the integer; fp its key */
	/* With one key of one integer field, a run of ids: the n values
	 * v, v + step, ... at rows row, row + 1, ... and lines line,
	 * line + 1, ..., one record after the other from rec_off. */
	uint64_t step;
	uint32_t n;
	uint32_t key;
	uint32_t rec_len; /* records are at most MLG_CSV_MAX_RECORD bytes */
	size_t rec_off;
};

struct job {
	const char *buf; /* the chunk: own, or the reader's */
	char *own;
	size_t len, alloc;
	/* Where the chunk starts, and where its parse stopped: in a worker's
	 * chunk, line 1 and record 0 at its start (job_rebase()). */
	struct mlg_csv_pos pos, end;
	int partial; /* the chunk may end inside a record */
	int done;
	/* results */
	uint64_t rows;
	struct mlg_verr *errs;
	size_t nerrs, aerrs;
	uint64_t *counts;
	struct fprow *fps;
	size_t nfps, afps;
	uint64_t *bad_rows; /* rows with any error, ascending */
	size_t nbad, abad;
	int fatal; /* unterminated quote: the rest of the input is lost */
	int redo;  /* a record over the size limit: the reader must say so */
	struct mlg_dsacc *acc;	  /* dataset metrics of this chunk, or NULL */
	struct mlg_profile *prof; /* the profile of this chunk, or NULL */
};

struct pool;

struct worker_ctx {
	struct pool *pool;
	const struct plan *p;
	struct mlg_cast_ctx *cast;
	struct mlg_csv_chunk it;
	struct block *blk; /* run_job()'s, made on first use */
	uint64_t limit;
};

/* The cell as it can be shown anywhere: cut to CELL_MAX bytes (at a
 * character's start), invalid UTF-8 replaced, control characters
 * written as \xNN. */
static void cut_cell(struct mlg_verr *e, const char *cell, size_t len)
{
	struct mlg_buf b = MLG_BUF_INIT, out = MLG_BUF_INIT;
	size_t i, n = mlg_utf8_cut(cell, len, CELL_MAX);

	mlg_utf8_repair(&b, cell, n);
	for (i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.ptr[i];

		if (c < 0x20 && c != '\t')
			mlg_buf_addf(&out, "\\x%02x", c);
		else
			mlg_buf_addch(&out, c);
	}
	if (n < len)
		mlg_buf_adds(&out, "...");
	mlg_buf_release(&b);
	e->cell = mlg_buf_detach(&out, NULL);
}

static void job_mark_bad(struct job *j, uint64_t row)
{
	if (j->nbad && j->bad_rows[j->nbad - 1] == row)
		return;
	j->bad_rows = mlg_grow(j->bad_rows, sizeof(*j->bad_rows), j->nbad + 1,
			       &j->abad);
	j->bad_rows[j->nbad++] = row;
}

/* Count every error; list it while the job is under the run's limit
 * (a chunk never needs to list more than the whole run may show). */
static void job_err(struct job *j, const struct plan *p, uint64_t limit,
		    enum mlg_verr_type type, uint64_t row, uint64_t line,
		    size_t col, const char *cell, size_t len, const char *note)
{
	size_t nf = p->s->nfields, fi = nf;
	struct mlg_verr *e;

	if (col && p->col_field && col <= p->ncols &&
	    p->col_field[col - 1] >= 0)
		fi = (size_t)p->col_field[col - 1];
	j->counts[type * (nf + 1) + fi]++;
	if (row)
		job_mark_bad(j, row);
	if (j->nerrs >= limit)
		return;
	j->errs = mlg_grow(j->errs, sizeof(*j->errs), j->nerrs + 1, &j->aerrs);
	e = &j->errs[j->nerrs++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->row = row;
	e->line = line;
	e->field = col;
	if (fi < nf)
		e->field_name = mlg_strdup(p->s->fields[fi].name);
	if (cell)
		cut_cell(e, cell, len);
	if (note)
		e->note = mlg_strdup(note);
}

static void add_fp(struct job *j, size_t k, uint64_t fp, int64_t v,
		   uint64_t row, uint64_t line,
		   const struct mlg_csv_record *rec)
{
	struct fprow *f;

	j->fps = mlg_grow(j->fps, sizeof(*j->fps), j->nfps + 1, &j->afps);
	f = &j->fps[j->nfps++];
	f->fp = fp;
	f->v = v;
	f->row = row;
	f->line = line;
	f->step = 0;
	f->n = 1;
	f->key = (uint32_t)k;
	f->rec_off = (size_t)(rec->offset - j->pos.offset);
	f->rec_len = (uint32_t)rec->size;
}

/*
 * The integer `v` of the plan's only key. Ids mostly ascend by a fixed
 * step, row after row, a line each (so one record right after the other:
 * anything between would be a row or a line): a third value on the step
 * of the two entries before makes the three a run, a row on a run's step
 * extends it, and the merge adds a run at once. Two values stay two
 * entries: ids in no order ascend in pairs half the time, and the merge
 * adds a run that is not above every value held value by value, at more
 * cost than single entries. With more keys, entries of different keys
 * would interleave.
 */
static void add_int(struct job *j, size_t k, int64_t v, uint64_t row,
		    uint64_t line, const struct mlg_csv_record *rec, int one)
{
	struct fprow *f = j->nfps ? &j->fps[j->nfps - 1] : NULL;
	struct fprow *e = j->nfps > 1 ? &j->fps[j->nfps - 2] : NULL;
	uint64_t last, d;

	if (one && f && rec->nlines == 1 && row == f->row + f->n &&
	    line == f->line + f->n && f->n < UINT32_MAX) {
		last = (uint64_t)f->v + (f->n - 1) * f->step;
		d = (uint64_t)v - last;
		if (v > (int64_t)last && f->n > 1 && d == f->step) {
			f->n++;
			return;
		}
		if (v > (int64_t)last && f->n == 1 && e && e->n == 1 &&
		    f->row == e->row + 1 && f->line == e->line + 1 &&
		    f->v > e->v && d == (uint64_t)f->v - (uint64_t)e->v) {
			e->step = d;
			e->n = 3;
			j->nfps--;
			return;
		}
	}
	add_fp(j, k, mlg_fpset_int_key(v), v, row, line, rec);
}

/* Fingerprint the row's value of key k, unless a part is null or absent;
 * a key of one integer field keeps the integer (mlg_fpset_add_int()). */
static void check_key(struct job *j, const struct plan *p, size_t k,
		      const uint64_t *words, const unsigned char *nulls,
		      size_t ncells, uint64_t row, uint64_t line,
		      const struct mlg_csv_record *rec)
{
	const struct ukey *key = &p->keys[k];
	uint64_t fp = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < key->nfields; i++) {
		size_t fi = key->fields[i], col = p->field_col[fi];
		uint64_t w;

		if (!col || col > ncells || nulls[fi])
			return;
		if (key->ints) {
			add_int(j, k, (int64_t)words[fi], row, line, rec,
				p->nkeys == 1);
			return;
		}
		/* An integer's word is the integer: spread it first. */
		w = words[fi];
		if (p->s->fields[fi].type == MLG_T_INTEGER)
			w = mlg_mix64(w);
		fp = (fp ^ w) * 0x100000001b3ULL;
		fp ^= fp >> 29;
	}
	add_fp(j, k, fp, 0, row, line, rec);
}

/*
 * Cast and check one cell of field `fi` (column `col`, 1-based), feed the
 * dataset checks and the profile, and keep its word for the unique keys.
 */
/* Inlined: it runs for every cell, and a call with ten arguments cost
 * about 10% of the validation pass. */
__attribute__((always_inline)) static inline void
check_cell(struct worker_ctx *w, struct job *j, size_t fi, size_t col,
	   const char *cell, size_t len, uint64_t row, uint64_t line,
	   struct mlg_profile *prof, uint64_t *words, unsigned char *nulls)
{
	const struct plan *p = w->p;
	struct mlg_value v;
	const char *note;
	enum mlg_cell st;

	st = mlg_field_check(w->cast, fi, cell, len, &v, &note);
	nulls[fi] = st != MLG_CELL_OK;
	if (p->track[fi])
		mlg_dsacc_cell(j->acc, fi, st, &v, cell, len);
	if (prof)
		mlg_profile_cell(prof, fi, cell, len, st, &v);
	/* A word only where a unique key needs it: most fields are in none. */
	if (st == MLG_CELL_OK && p->in_key[fi])
		words[fi] = mlg_value_word(&v, KEY_SEED);
	else if (st == MLG_CELL_TYPE_ERROR)
		job_err(j, p, w->limit, MLG_VE_TYPE, row, line, col, cell, len,
			note);
	else if (st == MLG_CELL_CONSTRAINT_ERROR)
		job_err(j, p, w->limit, MLG_VE_CONSTRAINT, row, line, col, cell,
			len, note);
}

/* A record's rowNumber: the header is row 1, and JSON Lines number
 * their records as if they had one. */
static uint64_t row_number(const struct plan *p,
			   const struct mlg_csv_record *rec)
{
	return rec->index + 1 + (uint64_t)(p->o->jsonl != 0);
}

/* With `prof`, its cells go to that profile. */
static void check_record(struct worker_ctx *w, struct job *j,
			 const struct mlg_csv_record *rec, int check_text,
			 struct mlg_profile *prof, uint64_t *words,
			 unsigned char *nulls)
{
	const struct plan *p = w->p;
	uint64_t row = row_number(p, rec), line = rec->line;
	size_t n = rec->nfields < p->ncols ? rec->nfields : p->ncols, c, k;

	j->rows++;
	if (mlg_csv_record_blank(rec)) {
		job_err(j, p, w->limit, MLG_VE_BLANK_ROW, row, line, 0, NULL, 0,
			"the row is empty");
		return;
	}
	for (c = 0; c < n; c++) {
		const struct mlg_csv_field *f = &rec->fields[c];
		int fi = p->col_field[c];

		const char *bad = NULL;

		if (check_text && !mlg_utf8_valid(f->ptr, f->len))
			bad = "the cell is not valid UTF-8";
		else if (check_text && memchr(f->ptr, 0, f->len))
			bad = "the cell holds a NUL byte";
		if (bad) {
			job_err(j, p, w->limit, MLG_VE_ENCODING, row, line,
				c + 1, f->ptr, f->len, bad);
			if (prof && fi >= 0)
				prof->cols[fi].not_utf8++;
			continue;
		}
		if (fi < 0)
			continue;
		check_cell(w, j, (size_t)fi, c + 1, f->ptr, f->len, row, line,
			   prof, words, nulls);
	}
	if (prof && rec->nfields > p->ncols)
		prof->long_rows++;
	for (c = n; c < rec->nfields; c++)
		job_err(j, p, w->limit, MLG_VE_EXTRA_CELL, row, line, c + 1,
			rec->fields[c].ptr, rec->fields[c].len,
			"the row has more cells than the header");
	for (c = n; c < p->ncols; c++) {
		job_err(j, p, w->limit, MLG_VE_MISSING_CELL, row, line, c + 1,
			NULL, 0, "the row has fewer cells than the header");
		if (p->col_field[c] >= 0 && p->track[p->col_field[c]])
			mlg_dsacc_cell(j->acc, (size_t)p->col_field[c],
				       MLG_CELL_NULL, NULL, NULL, 0);
	}
	/* Keys with a null part are exempt; a row too short to have all
	 * parts has already been reported. */
	for (k = 0; k < p->nkeys; k++)
		check_key(j, p, k, words, nulls, n, row, line, rec);
}

static void check_json_record(struct worker_ctx *w, struct job *j,
			      const struct mlg_csv_record *rec, const char *raw,
			      size_t len, uint64_t *words, unsigned char *nulls,
			      struct mlg_buf *cell)
{
	const struct plan *p = w->p;
	const struct mlg_schema *s = p->s;
	uint64_t row = row_number(p, rec), line = rec->line;
	const char *key;
	json_error_t jerr;
	json_t *o, *val;
	size_t fi, k;

	j->rows++;
	len = line_len(raw, len);
	if (!len) {
		job_err(j, p, w->limit, MLG_VE_BLANK_ROW, row, line, 0, NULL, 0,
			"the line is empty");
		return;
	}
	o = json_loadb(raw, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
		       &jerr);
	if (!o || !json_is_object(o)) {
		job_err(j, p, w->limit, MLG_VE_FORMAT, row, line, 0, raw, len,
			o ? "the line is not a JSON object" : jerr.text);
		json_decref(o);
		return;
	}
	for (fi = 0; fi < s->nfields; fi++) {
		val = json_object_get(o, s->fields[fi].name);
		if (!val || json_is_null(val)) {
			struct mlg_value nv = {0};

			nv.null = 1;
			if (p->track[fi])
				mlg_dsacc_cell(j->acc, fi, MLG_CELL_NULL, NULL,
					       NULL, 0);
			if (j->prof)
				mlg_profile_cell(j->prof, fi, "", 0,
						 MLG_CELL_NULL, &nv);
			if (s->fields[fi].required)
				job_err(j, p, w->limit, MLG_VE_CONSTRAINT, row,
					line, fi + 1, NULL, 0,
					"constraint \"required\" is \"true\"");
			continue;
		}
		mlg_json_cell(cell, val);
		check_cell(w, j, fi, fi + 1, cell->ptr, cell->len, row, line,
			   j->prof, words, nulls);
	}
	json_object_foreach (o, key, val)
		if (mlg_schema_field_index(s, key) < 0) {
			mlg_buf_reset(cell);
			mlg_buf_addf(cell, "key '%s' is not a schema field",
				     key);
			job_err(j, p, w->limit, MLG_VE_EXTRA_CELL, row, line, 0,
				NULL, 0, cell->ptr);
		}
	json_decref(o);
	for (k = 0; k < p->nkeys; k++)
		check_key(j, p, k, words, nulls, s->nfields, row, line, rec);
}

/* A data row for the dataset checks: its raw bytes, line end dropped. */
static void row_stats(struct job *j, const struct mlg_csv_record *rec)
{
	const char *raw = j->buf + (rec->offset - j->pos.offset);

	mlg_dsacc_row(j->acc, raw, line_len(raw, rec->size));
}

/*
 * Plain records, the common case, are checked a block at a time and a
 * column at a time (mlg_field_scan()): one tight loop per column instead
 * of a call per cell. A row any of whose cells the scan cannot settle
 * goes through check_record() whole, so what it reports, and in which
 * order, is the same as without blocks. With a profile, the scan keeps
 * the values it settles, the cells it leaves get the full check there,
 * and the column loop profiles each: a column still sees its cells in
 * order, so the profile is the same too.
 */
#define BLOCK 256

struct block {
	size_t n;
	struct mlg_csv_record *recs; /* where each row is; fields unset */
	unsigned char *st;	     /* field x BLOCK: MLG_SCAN_* */
	uint64_t *word;		     /* field x BLOCK: key words */
	unsigned char check[BLOCK];  /* row: a cell needs mlg_field_check() */
	struct mlg_value *vals;	     /* BLOCK, with a profile: a column's */
	size_t *kf, nkf;	     /* the key fields that have a column */
	int ints;		     /* the only key: kf[0], an integer */
};

static struct block *block_new(const struct plan *p)
{
	struct block *b = mlg_calloc(1, sizeof(*b));
	size_t nf = p->s->nfields, fi;

	b->recs = mlg_calloc(BLOCK, sizeof(*b->recs));
	b->st = mlg_calloc(BLOCK * nf, 1);
	b->word = mlg_calloc(BLOCK * nf, sizeof(*b->word));
	b->kf = mlg_calloc(nf + 1, sizeof(*b->kf));
	if (p->o->profile)
		b->vals = mlg_calloc(BLOCK, sizeof(*b->vals));
	for (fi = 0; fi < nf; fi++)
		if (p->in_key[fi] && p->field_col[fi])
			b->kf[b->nkf++] = fi;
	b->ints = p->nkeys == 1 && p->keys[0].ints && b->nkf == 1;
	return b;
}

static void block_free(struct block *b)
{
	if (!b)
		return;
	free(b->recs);
	free(b->st);
	free(b->word);
	free(b->kf);
	free(b->vals);
	free(b);
}

/*
 * Whether `rec` can join a block: a full row that is not blank, each of
 * its cells in the job's buffer (an unescaped one lives in the parser's
 * scratch, reused by the next record). Without skipInitialSpace, a
 * record longer than its delimiters and line end has a non-empty cell.
 */
static int plain(const struct plan *p, const struct mlg_csv_record *rec)
{
	size_t c;

	if (rec->nfields != p->ncols || rec->blank || rec->unescaped)
		return 0;
	if (!p->o->dialect.skip_initial_space && rec->size > p->ncols + 1)
		return 1;
	for (c = 0; c < rec->nfields; c++)
		if (rec->fields[c].len || rec->fields[c].quoted)
			return 1;
	return 0;
}

/* mlg_field_scan() for a profile: the cells the scan leaves get the full
 * check, and each cell's verdict and value go to the profile. */
static void scan_profiled(struct worker_ctx *w, struct job *j, struct block *b,
			  size_t fi, const struct mlg_csv_field *cells,
			  size_t stride, size_t n, unsigned char *st,
			  uint64_t *words)
{
	static const struct mlg_value none = {.null = 1};
	struct mlg_value *v = b->vals;
	enum mlg_cell cs;
	size_t r;

	mlg_field_scan(w->cast, fi, cells, stride, n, st, words, KEY_SEED, v);
	for (r = 0; r < n; r++, cells += stride) {
		if (st[r] == MLG_SCAN_NULL) {
			mlg_profile_cell(j->prof, fi, cells->ptr, cells->len,
					 MLG_CELL_NULL, &none);
			continue;
		}
		cs = MLG_CELL_OK;
		if (st[r] == MLG_SCAN_CHECK) {
			cs = mlg_field_check(w->cast, fi, cells->ptr,
					     cells->len, &v[r], NULL);
			st[r] = cs == MLG_CELL_OK     ? MLG_SCAN_OK
				: cs == MLG_CELL_NULL ? MLG_SCAN_NULL
						      : MLG_SCAN_CHECK;
			if (words && cs == MLG_CELL_OK)
				words[r] = mlg_value_word(&v[r], KEY_SEED);
		}
		mlg_profile_cell(j->prof, fi, cells->ptr, cells->len, cs,
				 &v[r]);
	}
}

/* check[r] |= st[r] == MLG_SCAN_CHECK, a word of 8 rows at a time. */
_Static_assert(MLG_SCAN_OK >> 1 == 0 && MLG_SCAN_NULL >> 1 == 0 &&
		       MLG_SCAN_CHECK == 2,
	       "a verdict's bit 1 says check");

static void mark_checks(unsigned char *check, const unsigned char *st, size_t n)
{
	uint64_t a, c;
	size_t r;

	for (r = 0; r + 8 <= n; r += 8) {
		memcpy(&a, st + r, 8);
		memcpy(&c, check + r, 8);
		c |= a >> 1 & 0x0101010101010101ULL;
		memcpy(check + r, &c, 8);
	}
	for (; r < n; r++)
		check[r] |= st[r] >> 1;
}

static void block_run(struct worker_ctx *w, struct job *j, struct block *b,
		      uint64_t *words, unsigned char *nulls)
{
	const struct plan *p = w->p;
	/* the rows' cells, in the parser's array: n rows of ncols */
	struct mlg_csv_field *cells = mlg_csv_chunk_fields(&w->it);
	size_t nf = p->s->nfields, n = b->n, c, r, i, k;

	memset(b->check, 0, n);
	for (c = 0; c < p->ncols; c++) {
		unsigned char *st;
		uint64_t *word;
		size_t fi;

		if (p->col_field[c] < 0)
			continue;
		fi = (size_t)p->col_field[c];
		st = b->st + fi * BLOCK;
		word = p->in_key[fi] ? b->word + fi * BLOCK : NULL;

		if (j->prof)
			scan_profiled(w, j, b, fi, cells + c, p->ncols, n, st,
				      word);
		else
			mlg_field_scan(w->cast, fi, cells + c, p->ncols, n, st,
				       word, KEY_SEED, NULL);
		mark_checks(b->check, st, n);
	}
	for (r = 0; r < n; r++) {
		struct mlg_csv_record *rec = &b->recs[r];

		rec->fields = cells + r * p->ncols;
		rec->nfields = p->ncols;
		if (j->prof)
			mlg_profile_row(j->prof);
		if (b->check[r]) {
			/* Its cells are in the profile already. */
			memset(nulls, 1, nf + 1);
			check_record(w, j, rec, 0, NULL, words, nulls);
			continue;
		}
		j->rows++;
		if (b->ints) { /* check_key() in short */
			i = b->kf[0] * BLOCK + r;
			if (b->st[i] == MLG_SCAN_OK)
				add_int(j, 0, (int64_t)b->word[i],
					row_number(p, rec), rec->line, rec, 1);
			continue;
		}
		for (i = 0; i < b->nkf; i++) {
			size_t fi = b->kf[i];

			nulls[fi] = b->st[fi * BLOCK + r] != MLG_SCAN_OK;
			words[fi] = b->word[fi * BLOCK + r];
		}
		for (k = 0; k < p->nkeys; k++)
			check_key(j, p, k, words, nulls, p->ncols,
				  row_number(p, rec), rec->line, rec);
	}
	b->n = 0;
}

/* A record that does not join a block: checked on its own. */
static void one_record(struct worker_ctx *w, struct job *j,
		       struct mlg_csv_record *rec, int check_text,
		       uint64_t *words, unsigned char *nulls,
		       struct mlg_buf *cell)
{
	const struct plan *p = w->p;

	memset(nulls, 1, p->s->nfields + 1);
	if (j->acc)
		row_stats(j, rec);
	if (j->prof)
		mlg_profile_row(j->prof);
	if (p->o->jsonl)
		check_json_record(w, j, rec,
				  j->buf + (rec->offset - j->pos.offset),
				  rec->size, words, nulls, cell);
	else
		check_record(w, j, rec, check_text, j->prof, words, nulls);
}

/* Check chunk j, over which w->it is set up. */
static void run_job(struct worker_ctx *w, struct job *j)
{
	const struct plan *p = w->p;
	size_t nf = p->s->nfields;
	struct mlg_csv_record rec;
	uint64_t *words = mlg_calloc(nf + 1, sizeof(*words));
	unsigned char *nulls = mlg_calloc(nf + 1, 1);
	struct mlg_buf cell = MLG_BUF_INIT;
	/* Most chunks are clean ASCII or UTF-8: check them once, whole. */
	int check_text = !mlg_utf8_text(j->buf, j->len);
	struct block *b = NULL;
	int rc;

	/* Not when each cell feeds the dataset checks too. */
	if (!p->o->jsonl && !check_text && !j->acc) {
		if (!w->blk)
			w->blk = block_new(p);
		b = w->blk;
	}
	if (!b)
		while ((rc = mlg_csv_chunk_next(&w->it, &rec)) == 1)
			one_record(w, j, &rec, check_text, words, nulls, &cell);
	/* A block's rows are parsed in batches into the parser's array of
	 * fields, where they stay until the block is checked. */
	while (b && (rc = mlg_csv_chunk_next_batch(
			     &w->it, b->recs + b->n, BLOCK - b->n,
			     b->n * p->ncols, p->ncols)) > 0) {
		size_t n = b->n + (size_t)rc, r = b->n;

		while (r < n) {
			struct mlg_csv_field *f = mlg_csv_chunk_fields(&w->it);

			b->recs[r].fields = f + r * p->ncols;
			if (plain(p, &b->recs[r])) {
				r++;
				continue;
			}
			/* The rows before it as a block, it alone, then the
			 * rows after it (of ncols fields each) from the
			 * block's start. */
			rec = b->recs[r];
			b->n = r;
			if (b->n)
				block_run(w, j, b, words, nulls);
			one_record(w, j, &rec, check_text, words, nulls, &cell);
			if (r + 1 < n) {
				/* the last may have more fields */
				size_t from = (r + 1) * p->ncols,
				       end = (n - 1) * p->ncols +
					     b->recs[n - 1].nfields;

				memmove(f, f + from, (end - from) * sizeof(*f));
				memmove(b->recs, b->recs + r + 1,
					(n - r - 1) * sizeof(*b->recs));
			}
			n -= r + 1;
			r = 0;
		}
		b->n = n;
		if (b->n == BLOCK)
			block_run(w, j, b, words, nulls);
	}
	if (b && b->n)
		block_run(w, j, b, words, nulls);
	/* Before a record that failed: the rows written to --invalid-rows
	 * and --valid-rows are parsed again up to there. */
	mlg_csv_chunk_pos(&w->it, &j->end);
	/* A record over the size limit is the reader's error (see
	 * mlg_csv_reader_took()). */
	if (rc == MLG_EDATA) {
		struct mlg_csv_pos at;

		mlg_csv_chunk_pos(&w->it, &at);
		job_err(j, p, w->limit, MLG_VE_FORMAT, at.record + 1,
			w->it.error_line, 0, NULL, 0,
			"a quoted field is not closed before the end of the "
			"input");
		j->fatal = 1;
	}
	mlg_csv_chunk_release(&w->it);
	mlg_buf_release(&cell);
	free(words);
	free(nulls);
}

/* ---- labels: the header against the schema ---- */

static void label_err(struct job *j, const struct plan *p, enum mlg_verr_type t,
		      size_t col, const char *label, size_t len,
		      const char *field, const char *note)
{
	struct mlg_verr *e;
	size_t nf = p->s->nfields;
	int fi = field ? mlg_schema_field_index(p->s, field) : -1;

	j->counts[t * (nf + 1) + (fi >= 0 ? (size_t)fi : nf)]++;
	if (j->nerrs >= p->o->limit_errors)
		return;
	j->errs = mlg_grow(j->errs, sizeof(*j->errs), j->nerrs + 1, &j->aerrs);
	e = &j->errs[j->nerrs++];
	memset(e, 0, sizeof(*e));
	e->type = t;
	e->row = 1;
	e->line = 1;
	e->field = col;
	if (field)
		e->field_name = mlg_strdup(field);
	if (label)
		cut_cell(e, label, len);
	e->note = mlg_strdup(note);
}

/*
 * Map columns to fields as fieldsMatch says and report the header's
 * errors, one per column at most, in column order, then the fields that
 * have no column, numbered after the last column (frictionless's
 * convention: they have no position in the data).
 *
 * exact maps by position; a column's label is then blank, a repeat of an
 * earlier one or different from its field's name, and a column beyond
 * the fields is extra. The other modes map by name (equal: the same set;
 * subset: the data may have more columns; superset: the data may lack
 * fields, but not required ones; partial: at least one column matches,
 * and the required fields are there). Where frictionless gives up on a
 * repeated label (the mapping is ambiguous) the repeat is a
 * duplicate-label error and the column is not checked.
 */
static void plan_labels(struct plan *p, struct mlg_validate_result *r,
			struct job *j)
{
	const struct mlg_schema *s = p->s;
	enum mlg_fields_match m = s->fields_match;
	int exact = m == MLG_MATCH_EXACT;
	int extra_ok = m == MLG_MATCH_SUBSET || m == MLG_MATCH_PARTIAL;
	int missing_ok = m == MLG_MATCH_SUPERSET || m == MLG_MATCH_PARTIAL;
	struct mlg_buf note = MLG_BUF_INIT;
	size_t c, f, matched = 0, nmissing = 0;

	p->ncols = r->nlabels;
	p->col_field = mlg_malloc((p->ncols + 1) * sizeof(*p->col_field));
	for (c = 0; c < p->ncols; c++) {
		const char *l = r->labels[c];
		const char *name = NULL;
		size_t d = mlg_label_repeats(r->labels, c);
		int fi = -1;

		p->col_field[c] = -1;
		if (exact && c < s->nfields) {
			fi = (int)c;
			name = s->fields[c].name;
		} else if (!exact && !p->bad[c].note && !d) {
			fi = mlg_schema_field_index(s, l);
		}
		if (fi >= 0) {
			p->col_field[c] = fi;
			p->field_col[fi] = c + 1;
			matched++;
		}
		mlg_buf_reset(&note);
		if (p->bad[c].note) {
			label_err(j, p, MLG_VE_ENCODING, c + 1, p->bad[c].raw,
				  p->bad[c].len, name, p->bad[c].note);
		} else if (d && (!exact || name)) {
			mlg_buf_addf(&note, "label '%s' repeats column %zu", l,
				     d);
			label_err(j, p, MLG_VE_DUPLICATE_LABEL, c + 1, l,
				  strlen(l), name, note.ptr);
		} else if (exact && name && !*l) {
			label_err(j, p, MLG_VE_BLANK_LABEL, c + 1, l, 0, name,
				  "the label is empty");
		} else if (exact && name && strcmp(l, name)) {
			mlg_buf_addf(&note, "label '%s' is not field '%s'", l,
				     name);
			label_err(j, p, MLG_VE_INCORRECT_LABEL, c + 1, l,
				  strlen(l), name, note.ptr);
		} else if (fi < 0 && !extra_ok) {
			label_err(j, p, MLG_VE_EXTRA_LABEL, c + 1, l, strlen(l),
				  NULL, "the column is not in the schema");
		}
	}
	if (m == MLG_MATCH_PARTIAL && !matched && s->nfields)
		label_err(j, p, MLG_VE_MISSING_LABEL, p->ncols + ++nmissing,
			  NULL, 0, NULL,
			  "no column matches a schema field "
			  "(fieldsMatch is partial)");
	for (f = 0; f < s->nfields; f++) {
		if (p->field_col[f] || (missing_ok && !s->fields[f].required))
			continue;
		label_err(j, p, MLG_VE_MISSING_LABEL, p->ncols + ++nmissing,
			  NULL, 0, s->fields[f].name,
			  missing_ok ? "the required field has no column"
				     : "the schema field has no column");
	}
	mlg_buf_release(&note);
}

static void plan_keys(struct plan *p)
{
	const struct mlg_schema *s = p->s;
	size_t f, k;

	p->keys =
		mlg_calloc(s->nfields + s->nunique_keys + 1, sizeof(*p->keys));
	p->in_key = mlg_calloc(s->nfields + 1, 1);
	p->track = mlg_calloc(s->nfields + 1, 1);
	for (f = 0; p->o->checks && f < s->nfields; f++)
		p->track[f] =
			(unsigned char)mlg_dscheck_tracks(p->o->checks, f);
	if (s->npk) {
		p->keys[p->nkeys].type = MLG_VE_PRIMARY_KEY;
		p->keys[p->nkeys].fields = s->primary_key;
		p->keys[p->nkeys++].nfields = s->npk;
	}
	for (k = 0; k < s->nunique_keys; k++) {
		p->keys[p->nkeys].type = MLG_VE_UNIQUE;
		p->keys[p->nkeys].fields = s->unique_keys[k];
		p->keys[p->nkeys++].nfields = s->nunique_key[k];
	}
	for (f = 0; f < s->nfields; f++)
		if (s->fields[f].unique) {
			p->keys[p->nkeys].type = MLG_VE_UNIQUE;
			p->keys[p->nkeys].fields = mlg_malloc(sizeof(size_t));
			p->keys[p->nkeys].fields[0] = f;
			p->keys[p->nkeys].report_field = 1; /* owns fields */
			p->keys[p->nkeys++].nfields = 1;
		}
	for (k = 0; k < p->nkeys; k++) {
		struct ukey *key = &p->keys[k];

		for (f = 0; f < key->nfields; f++)
			p->in_key[key->fields[f]] = 1;
		key->ints = key->nfields == 1 &&
			    s->fields[key->fields[0]].type == MLG_T_INTEGER;
	}
}

static void plan_release(struct plan *p)
{
	size_t k;

	for (k = 0; k < p->nkeys; k++)
		if (p->keys[k].report_field)
			free(p->keys[k].fields);
	free(p->keys);
	free(p->in_key);
	free(p->track);
	free(p->col_field);
	free(p->field_col);
	for (k = 0; k < p->nbad; k++)
		free(p->bad[k].raw);
	free(p->bad);
}

/* ---- merging chunk results in input order ---- */

struct run {
	const struct plan *p;
	struct mlg_validate_result *r;
	struct mlg_csv_pos at; /* where the next job to merge starts */
	struct mlg_fpset *sets;
	size_t budget;
	const struct mlg_stream *st;
	struct mlg_atomic inv, val;
	int has_inv, has_val;
	char delim;
};

/* Free the strings of e[from .. to); e may be NULL when they are none. */
static void verrs_free(struct mlg_verr *e, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		free(e[i].field_name);
		free(e[i].cell);
		free(e[i].note);
	}
}

static void result_add(struct mlg_validate_result *r, uint64_t limit,
		       struct mlg_verr *e)
{
	if (r->nlist >= limit) {
		verrs_free(e, 0, 1);
		return;
	}
	r->list = mlg_grow(r->list, sizeof(*r->list), r->nlist + 1, &r->alist);
	r->list[r->nlist++] = *e;
}

static int write_rows(struct run *u, struct job *j, const uint64_t *bad,
		      size_t nbad)
{
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	struct mlg_buf num = MLG_BUF_INIT;
	size_t b = 0;
	int rc = 0;

	mlg_csv_chunk_init(&it, &u->p->o->dialect, j->buf, j->len, &j->pos);
	while (!rc && mlg_csv_chunk_next(&it, &rec) == 1) {
		uint64_t row = row_number(u->p, &rec);
		const char *raw = j->buf + (rec.offset - j->pos.offset);

		while (b < nbad && bad[b] < row)
			b++;
		if (b < nbad && bad[b] == row) {
			if (!u->has_inv)
				continue;
			mlg_buf_reset(&num);
			mlg_buf_addf(&num, "%llu%c", (unsigned long long)row,
				     u->delim);
			rc = mlg_atomic_write(&u->inv, num.ptr, num.len);
			if (!rc)
				rc = mlg_atomic_write(&u->inv, raw, rec.size);
		} else if (u->has_val) {
			rc = mlg_atomic_write(&u->val, raw, rec.size);
		}
	}
	mlg_csv_chunk_release(&it);
	mlg_buf_release(&num);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A duplicate's record, parsed again to show its key. */
struct key_text {
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	json_t *obj;
	struct mlg_buf val;
	int ok;
};

static void key_text_open(struct key_text *t, const struct plan *p,
			  const struct job *j, const struct fprow *f)
{
	struct mlg_csv_pos at = {f->line, j->pos.offset + f->rec_off,
				 f->row - 1};
	const char *raw = j->buf + f->rec_off;
	size_t len = f->rec_len;

	memset(t, 0, sizeof(*t));
	mlg_buf_init(&t->val, 0);
	if (p->o->jsonl) {
		t->obj = json_loadb(raw, line_len(raw, len), JSON_DECODE_ANY,
				    NULL);
		t->ok = json_is_object(t->obj);
		return;
	}
	mlg_csv_chunk_init(&t->it, &p->o->dialect, raw, len, &at);
	t->ok = mlg_csv_chunk_next(&t->it, &t->rec) == 1;
}

/* Part fi of the key: 0, or -1 when the record cannot say. */
static int key_text_get(struct key_text *t, const struct plan *p, size_t fi,
			const char **ptr, size_t *len)
{
	size_t col = p->field_col[fi];
	json_t *v;

	if (!t->ok)
		return -1;
	if (t->obj) {
		v = json_object_get(t->obj, p->s->fields[fi].name);
		if (!v || mlg_json_cell(&t->val, v))
			return -1;
		*ptr = t->val.ptr;
		*len = t->val.len;
		return 0;
	}
	if (!col || col > t->rec.nfields)
		return -1;
	*ptr = t->rec.fields[col - 1].ptr;
	*len = t->rec.fields[col - 1].len;
	return 0;
}

static void key_text_close(struct key_text *t, const struct plan *p)
{
	if (!p->o->jsonl)
		mlg_csv_chunk_release(&t->it);
	json_decref(t->obj);
	mlg_buf_release(&t->val);
}

/*
 * The note of a duplicate key, with its value: "7 repeats row 2" for a
 * field's unique key (col > 0, and `cell` gets the cell), else
 * "(a, b) = (1, 'x') repeats row 2", "primary key ..." for the primary
 * key. Only for listed errors: it parses the record again.
 */
static void key_note(struct mlg_buf *note, struct mlg_buf *cell,
		     const struct plan *p, const struct job *j,
		     const struct fprow *f, size_t col, long long first)
{
	const struct ukey *key = &p->keys[f->key];
	struct mlg_buf names = MLG_BUF_INIT, vals = MLG_BUF_INIT;
	char shown[MLG_CELL_SHOW_MAX];
	struct key_text t;
	const char *ptr;
	size_t i, len;
	int ok = 1;

	key_text_open(&t, p, j, f);
	for (i = 0; i < key->nfields; i++) {
		const struct mlg_field *fd = &p->s->fields[key->fields[i]];

		if (key_text_get(&t, p, key->fields[i], &ptr, &len)) {
			ok = 0;
			break;
		}
		if (col)
			mlg_buf_add(cell, ptr,
				    len < CELL_MAX + 1 ? len : CELL_MAX + 1);
		mlg_buf_addf(&names, "%s%s", i ? ", " : "", fd->name);
		mlg_buf_addf(&vals, "%s%s", i ? ", " : "",
			     mlg_cell_show(shown, fd->type, ptr, len));
	}
	key_text_close(&t, p);
	if (key->type == MLG_VE_PRIMARY_KEY)
		mlg_buf_adds(note, "primary key ");
	if (!ok)
		mlg_buf_adds(note, col ? "the value" : "the key");
	else if (col)
		mlg_buf_add(note, vals.ptr, vals.len);
	else if (key->nfields == 1)
		mlg_buf_addf(note, "%s = %s", names.ptr, vals.ptr);
	else
		mlg_buf_addf(note, "(%s) = (%s)", names.ptr, vals.ptr);
	mlg_buf_addf(note, " repeats row %lld", first);
	if (!ok)
		mlg_buf_reset(cell);
	mlg_buf_release(&names);
	mlg_buf_release(&vals);
}

/* The duplicate keys of a job: counted, and listed as a job's errors. */
struct dups {
	struct job j;
	uint64_t n;
	struct mlg_buf note, cell;
};

/* Entry f repeats the key of row `first`: counted, and listed while
 * under the limit. */
static void dup_found(struct run *u, const struct job *j, const struct fprow *f,
		      int64_t first, struct dups *d)
{
	const struct plan *p = u->p;
	const struct ukey *key = &p->keys[f->key];
	uint64_t limit = p->o->limit_errors;
	/* A one-field unique key is the field's; a primary key or a key of
	 * several fields is the row's (as frictionless). */
	size_t col = key->type == MLG_VE_UNIQUE && key->nfields == 1
			     ? p->field_col[key->fields[0]]
			     : 0;

	d->n++;
	mlg_buf_reset(&d->note);
	mlg_buf_reset(&d->cell);
	/* Past the limit it is only counted: no need to show it. */
	if (d->j.nerrs < limit)
		key_note(&d->note, &d->cell, p, j, f, col, (long long)first);
	job_err(&d->j, p, limit, key->type, f->row, f->line, col,
		d->cell.len ? d->cell.ptr : NULL, d->cell.len, d->note.ptr);
}

/* Entry f into its key's set. */
static int merge_fp(struct run *u, const struct job *j, const struct fprow *f,
		    struct dups *d)
{
	struct mlg_fpset *set = &u->sets[f->key];
	int64_t first = u->p->keys[f->key].ints
				? mlg_fpset_add_int(set, f->v, f->fp, f->row,
						    &u->budget)
				: mlg_fpset_add(set, f->fp, f->row, &u->budget);

	if (first > 0)
		dup_found(u, j, f, first, d);
	return first < 0 ? (int)first : 0;
}

/*
 * A run of ids: at once when it is above every value held, else value
 * by value, the set's slot of each prefetched some values ahead. A
 * duplicate's record is found by walking the run's records from the one
 * found last: each is a line.
 */
static int merge_run(struct run *u, const struct job *j, const struct fprow *f,
		     struct dups *d)
{
	struct mlg_fpset *set = &u->sets[f->key];
	struct fprow e = *f; /* the record of value `at` */
	uint64_t i, at = 0, step = f->step;
	int64_t v, first;
	const char *lf;
	int rc = mlg_fpset_add_int_run(set, f->v, step, f->n, f->row,
				       &u->budget);

	if (rc)
		return rc < 0 ? rc : 0;
	for (i = 0; i < f->n; i++) {
		v = (int64_t)((uint64_t)f->v + i * step);
		if (i + 8 < f->n) {
			int64_t ahead = (int64_t)((uint64_t)v + 8 * step);

			mlg_fpset_prefetch_int(set, ahead,
					       mlg_fpset_int_key(ahead));
		}
		first = mlg_fpset_add_int(set, v, mlg_fpset_int_key(v),
					  f->row + i, &u->budget);
		if (first < 0)
			return (int)first;
		if (!first)
			continue;
		for (; at < i; at++) {
			e.rec_off += e.rec_len;
			lf = memchr(j->buf + e.rec_off, '\n',
				    j->len - e.rec_off);
			e.rec_len = (uint32_t)((lf ? (size_t)(lf - j->buf) + 1
						   : j->len) -
					       e.rec_off);
		}
		e.v = v;
		e.fp = mlg_fpset_int_key(v);
		e.row = f->row + i;
		e.line = f->line + i;
		dup_found(u, j, &e, first, d);
	}
	return 0;
}

static int merge_job(struct run *u, struct job *j)
{
	const struct plan *p = u->p;
	struct mlg_validate_result *r = u->r;
	uint64_t limit = p->o->limit_errors;
	size_t nf = p->s->nfields, i, a = 0, b = 0;
	struct dups d = {{0}, 0, MLG_BUF_INIT, MLG_BUF_INIT};
	int rc = 0;

	d.j.counts = r->counts;
	for (i = 0; i < j->nfps; i++) {
		const struct fprow *f = &j->fps[i];

		/* v is 0 for other keys, whose sets have no array */
		if (i + 8 < j->nfps)
			mlg_fpset_prefetch_int(&u->sets[j->fps[i + 8].key],
					       j->fps[i + 8].v,
					       j->fps[i + 8].fp);
		rc = f->n > 1 ? merge_run(u, j, f, &d) : merge_fp(u, j, f, &d);
		if (rc)
			goto done;
	}
	/* Both lists are in row order; interleave them. */
	while (a < j->nerrs || b < d.j.nerrs) {
		if (b >= d.j.nerrs ||
		    (a < j->nerrs && j->errs[a].row <= d.j.errs[b].row))
			result_add(r, limit, &j->errs[a++]);
		else
			result_add(r, limit, &d.j.errs[b++]);
	}
	for (i = 0; i < MLG_VE_COUNT * (nf + 1); i++) {
		r->counts[i] += j->counts[i];
		r->errors += j->counts[i];
	}
	r->errors += d.n; /* their counts went straight to r->counts */
	r->rows += j->rows;
	if (j->acc && (rc = mlg_dsacc_merge(r->stats, j->acc, u->budget)))
		goto done;
	if (j->prof) {
		/* Same columns on both sides: cannot fail. */
		if ((rc = mlg_profile_merge(r->profile, j->prof)))
			goto done;
		mlg_profile_reset(j->prof);
	}
	if (u->has_inv || u->has_val) {
		for (i = 0; i < d.j.nbad; i++)
			job_mark_bad(j, d.j.bad_rows[i]);
		if (j->nbad > 1)
			qsort(j->bad_rows, j->nbad, sizeof(*j->bad_rows),
			      cmp_u64);
		rc = write_rows(u, j, j->bad_rows, j->nbad);
	}
done:
	/* What was not handed to the result is freed here. */
	verrs_free(j->errs, a, j->nerrs);
	verrs_free(d.j.errs, b, d.j.nerrs);
	free(d.j.errs);
	free(d.j.bad_rows);
	mlg_buf_release(&d.note);
	mlg_buf_release(&d.cell);
	j->nerrs = 0;
	return rc;
}

/* ---- the pipeline: one reader, N workers, merge in order ---- */

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *ring;
	size_t cap;
	uint64_t dispatched, taken, merged;
	int stop;
	struct worker_ctx *w;
	size_t max_record; /* the reader's */
};

static void *worker_main(void *arg)
{
	struct worker_ctx *w = arg;
	struct pool *pl = w->pool;
	struct job *j;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		while (pl->taken == pl->dispatched && !pl->stop)
			pthread_cond_wait(&pl->work, &pl->mu);
		if (pl->taken == pl->dispatched) {
			pthread_mutex_unlock(&pl->mu);
			return NULL;
		}
		j = &pl->ring[pl->taken++ % pl->cap];
		pthread_mutex_unlock(&pl->mu);
		mlg_csv_chunk_init(&w->it, &w->p->o->dialect, j->buf, j->len,
				   &j->pos);
		w->it.partial = j->partial;
		w->it.limit = pl->max_record;
		run_job(w, j);
		j->redo = w->it.err == MLG_ELIMIT;
		pthread_mutex_lock(&pl->mu);
		j->done = 1;
		pthread_cond_broadcast(&pl->done);
		pthread_mutex_unlock(&pl->mu);
	}
}

static void job_reset(struct job *j, size_t ncounts)
{
	j->rows = 0;
	j->nerrs = 0;
	j->nfps = 0;
	j->nbad = 0;
	j->done = 0;
	j->fatal = 0;
	j->redo = 0;
	memset(j->counts, 0, ncounts * sizeof(*j->counts));
}

static void job_free(struct job *j)
{
	if (j->prof) {
		mlg_profile_release(j->prof);
		free(j->prof);
	}
	mlg_dsacc_free(j->acc);
	verrs_free(j->errs, 0, j->nerrs);
	free(j->errs);
	free(j->own);
	free(j->counts);
	free(j->fps);
	free(j->bad_rows);
}

static void job_wait(struct pool *pl, struct job *j)
{
	pthread_mutex_lock(&pl->mu);
	while (!j->done)
		pthread_cond_wait(&pl->done, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
}

/* What job j found is for nothing: its chunk started in the wrong place. */
static void job_drop(struct job *j)
{
	verrs_free(j->errs, 0, j->nerrs);
	j->nerrs = 0;
	if (j->acc)
		mlg_dsacc_reset(j->acc);
	if (j->prof)
		mlg_profile_reset(j->prof);
}

/* Number the rows and lines of job j from `at`, where it really starts. */
static void job_rebase(struct job *j, const struct mlg_csv_pos *at)
{
	uint64_t dr = at->record - j->pos.record, dl = at->line - j->pos.line;
	size_t i;

	if (dr || dl) {
		for (i = 0; i < j->nerrs; i++) {
			j->errs[i].row += dr;
			j->errs[i].line += dl;
		}
		for (i = 0; i < j->nfps; i++) {
			j->fps[i].row += dr;
			j->fps[i].line += dl;
		}
		for (i = 0; i < j->nbad; i++)
			j->bad_rows[i] += dr;
	}
	j->pos.record += dr;
	j->pos.line += dl;
	j->end.record += dr;
	j->end.line += dl;
}

/*
 * Tell the fingerprint set of a key how many values it will hold, at the
 * rate it took them so far, once the source's size is known: fewer,
 * larger steps of growth. The share of the source read is where the
 * reader is; the decoded bytes of that share scale it to all the data.
 * Only a key that has the budget to itself: a set that grows ahead of
 * its needs could take what another key's set needs, or what the
 * duplicate-rows set of the dataset checks gets: what the keys leave.
 */
static void expect_keys(struct run *u)
{
	uint64_t size = mlg_stream_size(u->st);
	uint64_t raw = mlg_stream_raw_bytes(u->st);
	double scale;

	if (!size || !raw || !u->at.offset)
		return;
	scale = (double)mlg_stream_offset(u->st) * ((double)size / raw) /
		(double)u->at.offset;
	if (u->r->stats)
		mlg_dsacc_expect(u->r->stats, scale);
	else if (u->p->nkeys == 1)
		mlg_fpset_expect_scaled(&u->sets[0], scale);
}

/*
 * Wait for the oldest job and merge it. A job whose parse stopped short
 * of its end without an error had a wrong cut (run_parallel()): the
 * records it did not finish, and every later chunk, go back to the
 * reader, and *recut is set. Later jobs started in the wrong place: what
 * they found is dropped. So is a job that met a record over the size
 * limit, whose chunk goes back whole for the reader to report it.
 */
static int settle(struct pool *pl, struct run *u, struct mlg_csv_reader *rd,
		  int *fatal, int *recut)
{
	struct job *j = &pl->ring[pl->merged % pl->cap];
	struct mlg_buf rest = MLG_BUF_INIT;
	size_t used;
	int rc = 0;

	job_wait(pl, j);
	*fatal |= j->fatal;
	used = j->redo ? 0 : (size_t)(j->end.offset - j->pos.offset);
	if (used < j->len && !j->fatal)
		mlg_buf_add(&rest, j->buf + used, j->len - used);
	if (j->redo) {
		job_drop(j);
	} else {
		job_rebase(j, &u->at);
		u->at = j->end;
		j->len = used;
		rc = merge_job(u, j);
		expect_keys(u);
	}
	pl->merged++;
	if (!rest.len)
		return rc;
	while (pl->merged < pl->dispatched) {
		j = &pl->ring[pl->merged++ % pl->cap];
		job_wait(pl, j);
		mlg_buf_add(&rest, j->buf, j->len);
		job_drop(j);
	}
	mlg_csv_reader_unread(rd, rest.ptr, rest.len, &u->at);
	mlg_buf_release(&rest);
	*recut = 1;
	return rc;
}

static ssize_t stream_read(void *ctx, void *buf, size_t n)
{
	return mlg_stream_read(ctx, buf, n);
}

/* The reader's own errors do not know the file; the stream's do. */
static int reader_error(int rc, const char *src)
{
	if (rc == MLG_ELIMIT || rc == MLG_EDATA)
		mlg_error_prefix("'%s'", src);
	return rc;
}

/*
 * One thread parses the reader's buffer where it lies, as far as its
 * complete records go, and merges it before the next read: no scan for
 * where chunks end, which several threads need. Returns as the chunk
 * loop.
 */
static int run_sequential(struct pool *pl, struct run *u,
			  struct mlg_csv_reader *rd, size_t ncounts,
			  const char *src)
{
	struct worker_ctx *w = &pl->w[0];
	int rc, fatal = 0, recut = 0;

	while (!fatal) {
		struct job *j = &pl->ring[pl->dispatched % pl->cap];

		job_reset(j, ncounts);
		rc = mlg_csv_reader_peek(rd, &w->it, &j->buf, &j->len, &j->pos);
		if (rc != 1)
			return reader_error(rc, src);
		run_job(w, j);
		/* A record cut by the end of the buffer comes again. */
		j->len = (size_t)(j->end.offset - j->pos.offset);
		mlg_csv_reader_took(rd, &w->it);
		j->done = 1;
		pl->dispatched++;
		pl->taken++;
		if ((rc = settle(pl, u, rd, &fatal, &recut)))
			return rc;
	}
	return 0;
}

/*
 * Several threads. Finding where records end costs a scan of each chunk
 * on this thread, about a tenth of the work of the workers: instead the
 * reader cuts its buffer after the last LF, and a worker parses the chunk
 * in partial mode. The cut is right unless that LF is inside a quoted
 * field (or the record there is too big): then the parse stops short,
 * and settle(), merging in order, finds it there with every chunk before
 * right, and hands the rest back to the reader. Chunks are then cut at
 * scanned record ends for a while, twice as long each time.
 */
static int run_parallel(struct pool *pl, struct run *u,
			struct mlg_csv_reader *rd, size_t ncounts,
			const char *src)
{
	uint64_t scanned = 0, backoff = 8, offset = 0;
	/* Merge every job first: at the end, or before a record longer than
	 * the buffer (at `offset`), whose line the merge then knows. */
	int rc = 0, fatal = 0, recut = 0, at_end = 0, long_record = 0;

	while (!fatal) {
		struct mlg_csv_pos at;
		const char *ptr;
		size_t len;
		int partial = 0;
		struct job *j;

		if (recut) {
			scanned = backoff;
			backoff *= 2;
			at_end = long_record = recut = 0;
		}
		if (pl->dispatched - pl->merged == pl->cap ||
		    ((at_end || long_record) && pl->merged < pl->dispatched)) {
			if ((rc = settle(pl, u, rd, &fatal, &recut)))
				return rc;
			continue;
		}
		if (at_end)
			break;
		if (long_record) {
			at = u->at;
			at.offset = offset;
			mlg_csv_reader_unread(rd, NULL, 0, &at);
			scanned = 1;
			long_record = 0;
		}
		if (scanned) {
			rc = mlg_csv_reader_next_chunk(rd, &ptr, &len, &at);
			scanned -= rc == 1;
		} else {
			rc = mlg_csv_reader_next_cut(rd, &ptr, &len, &at.offset,
						     &partial);
		}
		if (rc < 0)
			return reader_error(rc, src);
		if (rc == 2) {
			long_record = 1;
			offset = at.offset;
			continue;
		}
		if (rc == 0) {
			at_end = 1;
			continue;
		}
		j = &pl->ring[pl->dispatched % pl->cap];
		job_reset(j, ncounts);
		j->len = len;
		j->pos = (struct mlg_csv_pos){1, at.offset, 0};
		j->partial = partial;
		j->buf = ptr;
		mlg_csv_reader_trade(rd, &j->own, &j->alloc);
		pthread_mutex_lock(&pl->mu);
		pl->dispatched++;
		pthread_cond_signal(&pl->work);
		pthread_mutex_unlock(&pl->mu);
	}
	return 0;
}

static int read_header(struct mlg_validate_result *r, struct job *j0,
		       struct plan *p, struct mlg_csv_reader *rd)
{
	struct mlg_csv_record rec;
	size_t c;
	int rc;

	if (p->o->jsonl || !p->o->dialect.header) {
		p->ncols = p->s->nfields;
		p->col_field = mlg_malloc((p->ncols + 1) * sizeof(int));
		for (c = 0; c < p->ncols; c++) {
			p->col_field[c] = (int)c;
			p->field_col[c] = c + 1;
		}
		return 0;
	}
	rc = mlg_csv_reader_next(rd, &rec);
	if (rc < 0)
		return reader_error(rc, r->source);
	if (rc == 0) {
		job_err(j0, p, p->o->limit_errors, MLG_VE_FORMAT, 0, 0, 0, NULL,
			0, "the input is empty: there is no header row");
		p->ncols = 0;
		p->col_field = mlg_malloc(sizeof(int));
		return 0;
	}
	r->nlabels = rec.nfields;
	r->labels = mlg_calloc(rec.nfields, sizeof(*r->labels));
	p->bad = mlg_calloc(rec.nfields, sizeof(*p->bad));
	p->nbad = rec.nfields;
	for (c = 0; c < rec.nfields; c++) {
		const struct mlg_csv_field *f = &rec.fields[c];
		struct mlg_buf b = MLG_BUF_INIT;

		/* Labels are kept as text; what is not text is reported
		 * once, as a cell would be, and not compared. */
		if (!mlg_utf8_valid(f->ptr, f->len))
			p->bad[c].note = "the label is not valid UTF-8";
		else if (memchr(f->ptr, 0, f->len))
			p->bad[c].note = "the label holds a NUL byte";
		if (p->bad[c].note) {
			p->bad[c].len =
				f->len < CELL_MAX + 1 ? f->len : CELL_MAX + 1;
			p->bad[c].raw = mlg_malloc(p->bad[c].len + 1);
			memcpy(p->bad[c].raw, f->ptr, p->bad[c].len);
		}
		mlg_utf8_repair(&b, f->ptr, f->len);
		r->labels[c] = mlg_buf_detach(&b, NULL);
	}
	return 0;
}

static int write_header(struct run *u, const struct mlg_validate_result *r)
{
	struct mlg_buf b = MLG_BUF_INIT;
	size_t c;
	int rc = 0;

	if (!u->p->o->dialect.header)
		return 0;
	/* Labels are re-quoted: the raw header record is gone by now. */
	for (c = 0; c < r->nlabels; c++) {
		if (c)
			mlg_buf_addch(&b, u->delim);
		mlg_csv_add_field(&b, r->labels[c], u->delim);
	}
	mlg_buf_addch(&b, '\n');
	if (u->has_val)
		rc = mlg_atomic_write(&u->val, b.ptr, b.len);
	if (!rc && u->has_inv) {
		char pre[16];

		snprintf(pre, sizeof(pre), "row_number%c", u->delim);
		rc = mlg_atomic_write(&u->inv, pre, strlen(pre));
		if (!rc)
			rc = mlg_atomic_write(&u->inv, b.ptr, b.len);
	}
	mlg_buf_release(&b);
	return rc;
}

static int open_outputs(struct run *u, const struct mlg_validate_opts *o)
{
	int rc;

	if (o->invalid_rows) {
		if ((rc = mlg_atomic_open(&u->inv, o->invalid_rows)))
			return rc;
		u->has_inv = 1;
	}
	if (o->valid_rows) {
		if ((rc = mlg_atomic_open(&u->val, o->valid_rows)))
			return rc;
		u->has_val = 1;
	}
	return 0;
}

/* Files appear only when the whole input was read: no half datasets. */
static int close_outputs(struct run *u, int ok)
{
	int rc = 0, rc2;

	if (u->has_inv) {
		rc = ok ? mlg_atomic_commit(&u->inv) : 0;
		mlg_atomic_abort(&u->inv);
	}
	if (u->has_val) {
		rc2 = ok && !rc ? mlg_atomic_commit(&u->val) : 0;
		mlg_atomic_abort(&u->val);
		rc = rc ? rc : rc2;
	}
	return rc;
}

/* A profile with a column per schema field (a schema has at least
 * one field, so init cannot fail). */
static struct mlg_profile *new_profile(const struct mlg_schema *s)
{
	struct mlg_profile *pr = mlg_calloc(1, sizeof(*pr));
	const char **names = mlg_calloc(s->nfields + 1, sizeof(*names));
	size_t i;

	for (i = 0; i < s->nfields; i++)
		names[i] = s->fields[i].name;
	if (mlg_profile_init(pr, names, s->nfields, s))
		MLG_BUG("cannot set up a profile of the schema");
	free(names);
	return pr;
}

int mlg_validate(struct mlg_validate_result *r, const char *src,
		 const struct mlg_validate_opts *o)
{
	const struct mlg_schema *s = o->schema;
	size_t nf = s->nfields, ncounts = MLG_VE_COUNT * (nf + 1), i;
	struct mlg_stream_opts so = {1, o->timeout_s, 0};
	int nthreads = o->threads > 1 ? o->threads : 1;
	struct mlg_stream *st = o->stream;
	struct mlg_csv_reader rd;
	struct plan p = {0};
	struct run u = {0};
	struct pool pl = {0};
	pthread_t *tids = NULL;
	int started = 0, rc, reader_ok = 0;
	double t0 = mlg_monotonic();

	memset(r, 0, sizeof(*r));
	r->source = mlg_strdup(src);
	r->nfields = nf;
	r->counts = mlg_calloc(ncounts, sizeof(*r->counts));
	p.o = o;
	p.s = s;
	p.field_col = mlg_calloc(nf + 1, sizeof(*p.field_col));
	plan_keys(&p);
	u.p = &p;
	u.r = r;
	u.budget = o->unique_memory ? o->unique_memory
				    : MLG_VALIDATE_UNIQUE_MEMORY;
	u.sets = mlg_calloc(p.nkeys + 1, sizeof(*u.sets));
	/* After the row number of an invalid row: a tab before JSON. */
	u.delim = o->jsonl ? '\t' : o->dialect.delimiter;

	/* Enough jobs in flight to keep every worker busy while the
	 * reader waits on the oldest. A job that profiles holds a profile
	 * of every column (2,000 columns: 70 MB): one job a worker and
	 * the one being read are as fast. */
	pl.cap = (size_t)nthreads * (o->profile ? 1 : 2) + 1;
	pl.ring = mlg_calloc(pl.cap, sizeof(*pl.ring));
	for (i = 0; i < pl.cap; i++) {
		pl.ring[i].counts = mlg_calloc(ncounts, sizeof(uint64_t));
		if (o->checks)
			pl.ring[i].acc = mlg_dsacc_new(o->checks);
	}
	if (o->checks)
		r->stats = mlg_dsacc_new(o->checks);
	if (o->profile) {
		r->profile = new_profile(s);
		mlg_profile_add_source(r->profile, src);
		for (i = 0; i < pl.cap; i++)
			pl.ring[i].prof = new_profile(s);
	}
	pl.w = mlg_calloc((size_t)nthreads, sizeof(*pl.w));
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.work, NULL);
	pthread_cond_init(&pl.done, NULL);
	for (i = 0; i < (size_t)nthreads; i++) {
		pl.w[i].pool = &pl;
		pl.w[i].p = &p;
		pl.w[i].limit = o->limit_errors;
		if ((rc = mlg_cast_ctx_init(&pl.w[i].cast, s)))
			goto done;
	}
	if (!st && (rc = mlg_stream_open(&st, src, &so)))
		goto done;
	u.st = st;
	if ((rc = mlg_csv_reader_init(&rd, &o->dialect, stream_read, st,
				      o->max_record)))
		goto done;
	mlg_csv_reader_set_chunk(&rd, o->chunk_size);
	reader_ok = 1;
	if ((rc = open_outputs(&u, o)))
		goto done;

	/* Label errors are row 1: they go first, through job 0. */
	job_reset(&pl.ring[0], ncounts);
	if ((rc = read_header(r, &pl.ring[0], &p, &rd)))
		goto done;
	if (o->dialect.header && r->labels)
		plan_labels(&p, r, &pl.ring[0]);
	if ((rc = write_header(&u, r)) || (rc = merge_job(&u, &pl.ring[0])))
		goto done;
	mlg_csv_reader_pos(&rd, &u.at);
	pl.max_record = rd.max;

	if (nthreads > 1) {
		tids = mlg_calloc((size_t)nthreads, sizeof(*tids));
		for (i = 0; i < (size_t)nthreads; i++) {
			if (pthread_create(&tids[i], NULL, worker_main,
					   &pl.w[i])) {
				rc = mlg_error_set(MLG_ERROR,
						   "cannot start a thread");
				goto done;
			}
			started++;
		}
	}
	if (nthreads == 1 && (rc = run_sequential(&pl, &u, &rd, ncounts, src)))
		goto done;
	if (nthreads > 1 && (rc = run_parallel(&pl, &u, &rd, ncounts, src)))
		goto done;
	rc = 0;
done:
	if (started) {
		pthread_mutex_lock(&pl.mu);
		pl.stop = 1;
		pthread_cond_broadcast(&pl.work);
		pthread_mutex_unlock(&pl.mu);
		/* Workers finish what they took; nothing else is merged. */
		for (i = 0; i < (size_t)started; i++)
			pthread_join(tids[i], NULL);
	}
	if (st) {
		r->bytes = mlg_stream_offset(st);
		r->raw_bytes = mlg_stream_raw_bytes(st);
	}
	{
		int crc = close_outputs(&u, !rc);

		rc = rc ? rc : crc;
	}
	r->seconds = mlg_monotonic() - t0;
	if (reader_ok)
		mlg_csv_reader_release(&rd);
	if (st)
		mlg_stream_close(st);
	for (i = 0; i < (size_t)nthreads; i++) {
		if (pl.w[i].cast)
			mlg_cast_ctx_free(pl.w[i].cast);
		block_free(pl.w[i].blk);
	}
	for (i = 0; i < pl.cap; i++)
		job_free(&pl.ring[i]);
	for (i = 0; i < p.nkeys; i++)
		mlg_fpset_release(&u.sets[i]);
	free(u.sets);
	free(pl.ring);
	free(pl.w);
	free(tids);
	pthread_mutex_destroy(&pl.mu);
	pthread_cond_destroy(&pl.work);
	pthread_cond_destroy(&pl.done);
	plan_release(&p);
	return rc;
}

void mlg_validate_result_release(struct mlg_validate_result *r)
{
	size_t i;

	verrs_free(r->list, 0, r->nlist);
	mlg_dsacc_free(r->stats);
	if (r->profile) {
		mlg_profile_release(r->profile);
		free(r->profile);
	}
	for (i = 0; i < r->nlabels; i++)
		free(r->labels[i]);
	free(r->labels);
	free(r->list);
	free(r->counts);
	free(r->source);
	memset(r, 0, sizeof(*r));
}

/* How mlg_field_check() words a type error: type is "<type>/<format>". */
#define TYPE_NOTE "type is \""

/*
 * "'abc' is not integer (type is "integer/default")": the value next to
 * the rule, the note kept whole as frictionless writes it. A string fails
 * by its format ("is not email"), other types by the type.
 */
static int type_message(struct mlg_buf *out, const struct mlg_verr *e)
{
	char shown[MLG_CELL_SHOW_MAX];
	const char *tf = e->note + strlen(TYPE_NOTE);
	size_t n = strcspn(tf, "/\"");

	if (n == 6 && !strncmp(tf, "string", 6) && tf[n] == '/') {
		tf += n + 1;
		n = strcspn(tf, "\"");
	}
	return mlg_buf_addf(
		out, "%s is not %.*s (%s)",
		mlg_cell_show(shown, MLG_T_STRING, e->cell, strlen(e->cell)),
		(int)n, tf, e->note);
}

int mlg_verr_message(struct mlg_buf *out, const struct mlg_verr *e, int header)
{
	int rc = 0;

	if (mlg_verr_in_header(e, header))
		rc = mlg_buf_adds(out, "header");
	else if (e->row)
		rc = mlg_buf_addf(out, "row %llu", (unsigned long long)e->row);
	if (!rc && e->field_name)
		rc = mlg_buf_addf(out, "%sfield '%s'", out->len ? ", " : "",
				  e->field_name);
	else if (!rc && e->field)
		rc = mlg_buf_addf(out, "%scolumn %zu", out->len ? ", " : "",
				  e->field);
	if (!rc && out->len)
		rc = mlg_buf_adds(out, ": ");
	if (!rc && e->type == MLG_VE_TYPE && e->cell && e->note &&
	    !strncmp(e->note, TYPE_NOTE, strlen(TYPE_NOTE)))
		return type_message(out, e);
	/* Their notes do not show the cell. */
	if (!rc && e->cell &&
	    (e->type == MLG_VE_EXTRA_CELL || e->type == MLG_VE_ENCODING)) {
		char shown[MLG_CELL_SHOW_MAX];

		rc = mlg_buf_addf(out, "%s: ",
				  mlg_cell_show(shown, MLG_T_STRING, e->cell,
						strlen(e->cell)));
	}
	if (!rc)
		rc = mlg_buf_adds(out,
				  e->note ? e->note : mlg_verr_name(e->type));
	return rc;
}
