/* profile.c - per-column profiles: exact moments and mergeable sketches */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/dateparse.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/numparse.h"
#include "mlgate/profile.h"
#include "mlgate/secret.h"
#include "mlgate/stream.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

const char *const mlg_profile_tokens[MLG_PROFILE_NTOKENS] = {
	"NA", "N/A", "n/a", "null", "NULL", "None",
};

static const char *const cand_names[MLG_CAND_COUNT] = {
	"integer",  "number", "boolean",      "date",
	"datetime", "time",   "leading_zero",
};

/* The KLL coin seed: fixed, so profiles are reproducible. */
#define SEED	       0x70726f66696c65ULL
#define KLL_RANK_ERROR 0.0133
#define HLL_ERROR      0.0081

/* Candidate types are decided by the schema loader's own fields, so
 * that inference and validation cannot disagree on what casts. */
const char mlg_profile_cand_schema[] =
	"{\"fields\": [{\"name\": \"i\", \"type\": \"integer\"},"
	" {\"name\": \"n\", \"type\": \"number\"},"
	" {\"name\": \"b\", \"type\": \"boolean\"},"
	" {\"name\": \"d\", \"type\": \"date\"},"
	" {\"name\": \"dt\", \"type\": \"datetime\"},"
	" {\"name\": \"t\", \"type\": \"time\"}]}";

/* Byte classes of the one scan that rules candidate types out. */
enum {
	B_DIGIT = 1,
	B_SIGN = 2,  /* + - */
	B_POINT = 4, /* . */
	B_EXP = 8,   /* e E */
	B_HIGH = 16, /* 0x80 and up: not ASCII */
	B_OTHER = 32,
};

/*
 * What the synthetic fields accept, read once from them: the byte
 * classes, and the boolean words with their lengths. The scan only
 * rules types out; a cell that may still be of a type goes through
 * mlg_field_cast(), so the counts are those of six casts a cell.
 */
struct mlg_profile_cand {
	unsigned char cls[256];
	const char **words; /* true then false values, borrowed */
	size_t *lens, nwords, maxlen;
	uint64_t wordfirst[4]; /* their first bytes, as a bit set */
	size_t toklen[MLG_PROFILE_NTOKENS];
	/* the lengths and first bytes of the tokens, as bit sets: most
	 * cells are ruled out without a compare */
	uint64_t toklens, tokfirst[4];
	int fast; /* the fields take plain numbers (numparse.h) */
};

/* A set of bytes: byte c is bit c & 63 of set[c >> 6]. */
static inline void byteset_add(uint64_t set[4], unsigned char c)
{
	set[c >> 6] |= (uint64_t)1 << (c & 63);
}

static inline int byteset_has(const uint64_t set[4], unsigned char c)
{
	return set[c >> 6] >> (c & 63) & 1;
}

static void cc_init(struct mlg_profile *p)
{
	const struct mlg_field *b = &p->cand->fields[2];
	struct mlg_profile_cand *cc = mlg_calloc(1, sizeof(*cc));
	size_t i, n = b->ntrue + b->nfalse;
	int c;

	for (c = 0; c < 256; c++)
		cc->cls[c] = c >= '0' && c <= '9'   ? B_DIGIT
			     : c == '+' || c == '-' ? B_SIGN
			     : c == '.'		    ? B_POINT
			     : c == 'e' || c == 'E' ? B_EXP
			     : c >= 0x80 || !c	    ? B_HIGH
						    : B_OTHER;
	cc->words = mlg_calloc(n + 1, sizeof(*cc->words));
	cc->lens = mlg_calloc(n + 1, sizeof(*cc->lens));
	for (i = 0; i < n; i++) {
		cc->words[i] = i < b->ntrue ? b->true_values[i]
					    : b->false_values[i - b->ntrue];
		cc->lens[i] = strlen(cc->words[i]);
		if (cc->lens[i] > cc->maxlen)
			cc->maxlen = cc->lens[i];
		byteset_add(cc->wordfirst, (unsigned char)cc->words[i][0]);
	}
	cc->nwords = n;
	for (i = 0; i < MLG_PROFILE_NTOKENS; i++) {
		unsigned char c0 = (unsigned char)mlg_profile_tokens[i][0];

		cc->toklen[i] = strlen(mlg_profile_tokens[i]);
		cc->toklens |= (uint64_t)1 << cc->toklen[i];
		byteset_add(cc->tokfirst, c0);
	}
	cc->fast = p->cand->fields[0].bare_number &&
		   !p->cand->fields[0].group_char &&
		   p->cand->fields[1].bare_number &&
		   p->cand->fields[1].decimal_char == '.' &&
		   !p->cand->fields[1].group_char;
	p->cc = cc;
}

static void cc_free(struct mlg_profile_cand *cc)
{
	if (!cc)
		return;
	free(cc->words);
	free(cc->lens);
	free(cc);
}

static int cand_init(struct mlg_profile *p)
{
	struct mlg_json_doc doc;
	int rc;

	p->cand = mlg_calloc(1, sizeof(*p->cand));
	rc = mlg_json_parse(&doc, "<profile>", mlg_profile_cand_schema,
			    sizeof(mlg_profile_cand_schema) - 1);
	if (!rc)
		rc = mlg_schema_parse(p->cand, &doc);
	mlg_json_doc_release(&doc);
	if (!rc)
		cc_init(p);
	return rc;
}

static void col_init(struct mlg_profile_col *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = mlg_strdup(name);
	c->declared = MLG_T_ANY;
	mlg_moments_init(&c->num);
	mlg_kll_init(&c->kll, MLG_KLL_K_DEFAULT, SEED);
	c->hll = mlg_malloc(sizeof(*c->hll));
	mlg_hll_init(c->hll);
	mlg_topk_init(&c->topk, MLG_PROFILE_TOPK_CAP);
}

static void col_release(struct mlg_profile_col *c)
{
	free(c->name);
	mlg_kll_release(&c->kll);
	free(c->hll);
	mlg_topk_release(&c->topk);
}

static void profile_alloc(struct mlg_profile *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->ncols = n;
	p->cols = mlg_calloc(n, sizeof(*p->cols));
}

/*
 * Whether field f casts every text as the candidate of its type does: an
 * integer or number with the candidate's options, a date of the default
 * format. Then a cell the schema took is that candidate, with the very
 * value, and need not be parsed again.
 */
static int same_cast(const struct mlg_profile *p, const struct mlg_field *f)
{
	const struct mlg_field *g;

	if (f->type == MLG_T_DATE)
		return f->fmt == MLG_FMT_DEFAULT &&
		       p->cand->fields[3].fmt == MLG_FMT_DEFAULT;
	if (f->type == MLG_T_INTEGER)
		g = &p->cand->fields[0];
	else if (f->type == MLG_T_NUMBER)
		g = &p->cand->fields[1];
	else
		return 0;
	return f->bare_number == g->bare_number &&
	       f->group_char == g->group_char &&
	       (f->type == MLG_T_INTEGER || f->decimal_char == g->decimal_char);
}

int mlg_profile_init(struct mlg_profile *p, const char *const *names, size_t n,
		     const struct mlg_schema *s)
{
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!n)
		return mlg_error_set(MLG_EINVALID,
				     "a profile needs at least one column");
	profile_alloc(p, n);
	if ((rc = cand_init(p))) {
		mlg_profile_release(p);
		return rc;
	}
	for (i = 0; i < n; i++) {
		col_init(&p->cols[i], names[i]);
		if (s && i < s->nfields) {
			p->cols[i].declared = s->fields[i].type;
			p->cols[i].has_schema = 1;
			p->cols[i].same_cast = same_cast(p, &s->fields[i]);
		}
	}
	return 0;
}

void mlg_profile_release(struct mlg_profile *p)
{
	size_t i;

	for (i = 0; i < p->ncols; i++)
		col_release(&p->cols[i]);
	for (i = 0; i < p->nsources; i++)
		free(p->sources[i]);
	free(p->sources);
	mlg_profile_parts_release(p);
	free(p->cols);
	if (p->cand) {
		mlg_schema_release(p->cand);
		free(p->cand);
	}
	cc_free(p->cc);
	memset(p, 0, sizeof(*p));
}

void mlg_profile_reset(struct mlg_profile *p)
{
	size_t i;

	for (i = 0; i < p->ncols; i++) {
		struct mlg_profile_col *c = &p->cols[i];
		char *name = c->name;
		enum mlg_ftype t = c->declared;
		int has = c->has_schema, same = c->same_cast;

		c->name = NULL;
		col_release(c);
		col_init(c, "");
		free(c->name);
		c->name = name;
		c->declared = t;
		c->has_schema = has;
		c->same_cast = same;
	}
	p->rows = 0;
	p->long_rows = 0;
}

void mlg_profile_add_source(struct mlg_profile *p, const char *src)
{
	char *s = mlg_strdup(src);

	/* A saved profile is an artifact: no URL's credentials in it. */
	mlg_secret_mask_str(s, strlen(s) + 1);
	p->sources = mlg_realloc(p->sources,
				 (p->nsources + 1) * sizeof(*p->sources));
	p->sources[p->nsources++] = s;
}

/* 0 when no token has the length and first byte of <s, len>. */
static inline int maybe_token(const struct mlg_profile_cand *cc, const char *s,
			      size_t len)
{
	unsigned char c = len ? (unsigned char)s[0] : 0;

	return len < 64 && (cc->toklens >> len & 1) &&
	       byteset_has(cc->tokfirst, c);
}

static int token_index(const struct mlg_profile_cand *cc, const char *s,
		       size_t len)
{
	int i;

	for (i = 0; i < MLG_PROFILE_NTOKENS; i++)
		if (cc->toklen[i] == len &&
		    !memcmp(mlg_profile_tokens[i], s, len))
			return i;
	return -1;
}

/* "007", "-01.5": Table Schema casts them as numbers, but such codes
 * lose their zeros as numbers, so inference keeps them strings. */
static int leading_zero(const char *s, size_t len)
{
	size_t i = len && (s[0] == '+' || s[0] == '-');

	return i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

static void minmax(int64_t *lo, int64_t *hi, uint64_t *n, int64_t x)
{
	if (!*n || x < *lo)
		*lo = x;
	if (!*n || x > *hi)
		*hi = x;
	++*n;
}

static void add_number(struct mlg_profile_col *c, double x)
{
	mlg_moments_add(&c->num, x);
	mlg_kll_add(&c->kll, x);
}

static int is_bool(const struct mlg_profile_cand *cc, const char *s, size_t len)
{
	unsigned char c0 = len ? (unsigned char)s[0] : 0;
	size_t i;

	/* Most cells are ruled out by length or first byte. */
	if (len > cc->maxlen || !byteset_has(cc->wordfirst, c0))
		return 0;
	for (i = 0; i < cc->nwords; i++)
		if (cc->lens[i] == len && !memcmp(cc->words[i], s, len))
			return 1;
	return 0;
}

/* A cast value of a declared type: dates count as days, times and
 * datetimes as seconds, as the dataset checks measure them. */
static void add_value(struct mlg_profile_col *c, const struct mlg_value *v)
{
	switch (v->type) {
	case MLG_T_NUMBER:
	case MLG_T_INTEGER:
	case MLG_T_YEAR:
		add_number(c, v->num);
		break;
	case MLG_T_DATE:
		add_number(c, (double)v->i);
		minmax(&c->dmin, &c->dmax, &c->ndates, v->i);
		break;
	case MLG_T_DATETIME:
		add_number(c, (double)v->i / 1e6);
		minmax(&c->tmin, &c->tmax, &c->ndatetimes, v->i);
		break;
	case MLG_T_TIME:
		add_number(c, (double)v->i / 1e6);
		break;
	default:
		break;
	}
}

/* B_OTHER when a sign of <s, len> is past its first byte and not right
 * after an e or E: then the text is no integer and no number. */
static unsigned inner_signs(const char *s, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if ((s[i] == '-' || s[i] == '+') && s[i - 1] != 'e' &&
		    s[i - 1] != 'E')
			return B_OTHER;
	return 0;
}

/*
 * The text's candidate types; `feed` adds numbers, dates, datetimes and
 * times to the statistics (without a schema, where the text is all there
 * is), on the scale add_value() gives the cast values of a schema: dates
 * in days, datetimes and times in seconds, so that a column inferred as
 * a date gets the drift statistics of one declared so. A column of mixed
 * kinds is a string, whose numbers nobody reads as its values.
 * `mask` is the union of the classes of the cell's bytes: a cast is
 * tried only where the bytes allow it, which skips five of the six on
 * most cells. `cast` is the value of a column whose schema casts as the
 * candidates do (same_cast()), or NULL: a number so cast is a number
 * candidate, an integer an integer one, a date a date one, with no parse
 * again.
 */
static void candidates(const struct mlg_profile *p, struct mlg_profile_col *c,
		       const char *s, size_t len, unsigned mask, int feed,
		       const struct mlg_value *cast)
{
	const struct mlg_field *f = p->cand->fields;
	int fast = p->cc->fast && len;
	int cast_int = cast && cast->type == MLG_T_INTEGER, small = 0, number;
	struct mlg_value v;

	/* YYYY-MM-DD, which is no other candidate */
	if (cast && cast->type == MLG_T_DATE) {
		c->cand[MLG_CAND_DATE]++;
		return;
	}
	/* A date's dashes: no need to try it as a number. */
	if (cast_int)
		v.i = cast->i;
	else if (mask & B_SIGN)
		mask |= inner_signs(s, len);
	if (cast_int || (!(mask & ~(B_DIGIT | B_SIGN)) &&
			 ((fast && (small = mlg_short_int(&v.i, s, len))) ||
			  !mlg_field_cast(&v, &f[0], s, len)))) {
		if (!c->cand[MLG_CAND_INTEGER] || v.i < c->imin)
			c->imin = v.i;
		if (!c->cand[MLG_CAND_INTEGER] || v.i > c->imax)
			c->imax = v.i;
		c->cand[MLG_CAND_INTEGER]++;
	}
	/* A short integer is the number the casts read, -0 aside: both
	 * round the same integer to nearest, so no second parse. Else
	 * numbers are [+-.eE0-9] bytes, or NaN, INF, +INF, -INF. */
	if (small) {
		v.num = v.i || s[0] != '-' ? (double)v.i : -0.0;
		number = 1;
	} else {
		number = cast ||
			 ((!(mask & ~(B_DIGIT | B_SIGN | B_POINT)) && fast &&
			   !mlg_plain_number(&v.num, s, len)) ||
			  ((!(mask & ~(B_DIGIT | B_SIGN | B_POINT | B_EXP)) ||
			    ((len == 3 || len == 4) &&
			     (s[len - 1] == 'N' || s[len - 1] == 'F'))) &&
			   !mlg_field_cast(&v, &f[1], s, len)));
	}
	if (number) {
		c->cand[MLG_CAND_NUMBER]++;
		c->cand[MLG_CAND_LEADING_ZERO] += leading_zero(s, len);
		if (feed)
			add_number(c, v.num);
	}
	if (is_bool(p->cc, s, len))
		c->cand[MLG_CAND_BOOLEAN]++;
	/* YYYY-MM-DD, YYYY-MM-DDThh:mm:ss..., hh:mm:ss...: the default
	 * formats, the only ones the synthetic fields take. */
	if (len == 10 && s[4] == '-' &&
	    (!mlg_iso_date(&v.i, s) || !mlg_field_cast(&v, &f[3], s, len))) {
		v.type = MLG_T_DATE; /* mlg_iso_date() sets v.i only */
		c->cand[MLG_CAND_DATE]++;
		if (feed)
			add_value(c, &v);
	}
	if (len >= 19 && s[10] == 'T' && !mlg_field_cast(&v, &f[4], s, len)) {
		c->cand[MLG_CAND_DATETIME]++;
		if (feed)
			add_value(c, &v);
	}
	if (len >= 8 && s[2] == ':' && !mlg_field_cast(&v, &f[5], s, len)) {
		c->cand[MLG_CAND_TIME]++;
		if (feed)
			add_value(c, &v);
	}
}

/*
 * The union of the byte classes of <s, len>, B_HIGH for a byte above
 * 0x7f or a NUL: text that may not be ASCII. A cell that starts with a
 * letter (other than the I and N of INF and NaN) can be no number, date
 * or time, so only whether it is ASCII matters, which is tested eight
 * bytes at a time.
 */
static unsigned scan(const struct mlg_profile_cand *cc, const char *s,
		     size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned mask = 0;
	uint64_t w, hi = 0;
	size_t i = 0;

	if (cc->cls[u[0]] == B_OTHER && u[0] != 'I' && u[0] != 'N') {
		for (; i + 8 <= len; i += 8) {
			memcpy(&w, u + i, 8);
			hi |= mlg_utf8_odd_bytes(w);
		}
		for (; i < len; i++)
			hi |= u[i] ? u[i] : 0x80;
		return B_OTHER | (hi & 0x8080808080808080ull ? B_HIGH : 0);
	}
	for (; i < len; i++)
		mask |= cc->cls[u[i]];
	return mask;
}

/* The length in code points of a cell with a B_HIGH byte, which is
 * counted where it is not UTF-8 text. */
static size_t text_length(struct mlg_profile_col *c, const char *s, size_t len)
{
	if (mlg_utf8_text(s, len))
		return mlg_utf8_count(s, len);
	c->not_utf8++;
	return mlg_utf8_length(s, len);
}

void mlg_profile_cell(struct mlg_profile *p, size_t col, const char *cell,
		      size_t len, enum mlg_cell st, const struct mlg_value *v)
{
	struct mlg_profile_col *c = &p->cols[col];
	uint64_t h;
	unsigned mask;
	int tok = -1;

	c->count++;
	if (v ? st == MLG_CELL_NULL : !len) {
		c->nulls++;
		mlg_moments_add_null(&c->num);
		return;
	}
	h = mlg_hash_bytes(cell, len, 0);
	/* A wide table keeps the sketches out of the caches: their lines
	 * load while the text is scanned and cast. */
	mlg_hll_prefetch(c->hll, h);
	mlg_topk_prefetch(&c->topk, h);
	mask = len ? scan(p->cc, cell, len) : 0;
	/* ASCII text has as many code points as bytes. */
	mlg_lengths_add(&c->len,
			mask & B_HIGH ? text_length(c, cell, len) : len);
	if (maybe_token(p->cc, cell, len))
		tok = token_index(p->cc, cell, len);
	if (tok >= 0)
		c->tokens[tok]++;
	else
		candidates(p, c, cell, len, mask, !v,
			   v && st == MLG_CELL_OK && c->same_cast ? v : NULL);
	mlg_topk_add_hashed(&c->topk, h, cell, len);
	mlg_hll_add(c->hll, h);
	if (!v)
		return;
	if (st != MLG_CELL_OK)
		c->invalid++;
	else
		add_value(c, v);
}

static void merge_minmax(int64_t *lo, int64_t *hi, uint64_t *n, int64_t blo,
			 int64_t bhi, uint64_t bn)
{
	if (!bn)
		return;
	if (!*n || blo < *lo)
		*lo = blo;
	if (!*n || bhi > *hi)
		*hi = bhi;
	*n += bn;
}

size_t mlg_profile_declared_conflict(const struct mlg_profile *a,
				     const struct mlg_profile *b)
{
	size_t i;

	if (a->ncols != b->ncols)
		return a->ncols;
	for (i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, b->cols[i].name))
			return a->ncols;
	for (i = 0; i < a->ncols; i++)
		if (a->cols[i].has_schema && b->cols[i].has_schema &&
		    a->cols[i].declared != b->cols[i].declared)
			break;
	return i;
}

/* Whether x + y passes what a profile can store. */
static int over(uint64_t x, uint64_t y)
{
	return x > INT64_MAX || y > INT64_MAX - x;
}

/* Whether a merge of `b` into `a` makes a count too large to write
 * (the moments' counts also as a total, as their loader checks), or
 * the lengths' sums too large to read back. */
static int counts_overflow(const struct mlg_profile *a,
			   const struct mlg_profile *b)
{
	size_t i, k;

	if (over(a->rows, b->rows) || over(a->long_rows, b->long_rows))
		return 1;
	for (i = 0; i < a->ncols; i++) {
		const struct mlg_profile_col *x = &a->cols[i], *y = &b->cols[i];
		uint64_t tx = x->num.count + x->num.nulls + x->num.nonfinite,
			 ty = y->num.count + y->num.nulls + y->num.nonfinite;

		if (over(x->count, y->count) || over(x->nulls, y->nulls) ||
		    over(x->invalid, y->invalid) ||
		    over(x->not_utf8, y->not_utf8) ||
		    over(x->ndates, y->ndates) ||
		    over(x->ndatetimes, y->ndatetimes) || over(tx, ty) ||
		    over(x->len.count, y->len.count) ||
		    over(x->len.sum, y->len.sum) || over(x->kll.n, y->kll.n) ||
		    /* top-k counts are at most n + offset */
		    over(x->topk.n + x->topk.offset,
			 y->topk.n + y->topk.offset) ||
		    /* the lengths' M2 loads below 2^127 */
		    x->len.sumsq >> 125 || y->len.sumsq >> 125)
			return 1;
		for (k = 0; k < MLG_CAND_COUNT; k++)
			if (over(x->cand[k], y->cand[k]))
				return 1;
		for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
			if (over(x->tokens[k], y->tokens[k]))
				return 1;
	}
	return 0;
}

/* A side of a merge as its errors name it: quoted, else `anon`. */
static char *side(const char *name, const char *anon)
{
	return name ? mlg_strfmt("'%s'", name) : mlg_strdup(anon);
}

/* Why `b` cannot merge into `a`, as mlg_profile_merge_named() words
 * it; 0 when it can. */
static int refuse(const struct mlg_profile *a, const char *an,
		  const struct mlg_profile *b, const char *bn)
{
	char *x = side(an, "one"), *y = side(bn, "the other");
	size_t i;
	int rc = 0;

	if (a->ncols != b->ncols) {
		rc = mlg_error_set(MLG_EINVALID,
				   "cannot merge profiles: %s has %zu columns "
				   "and %s %zu",
				   x, a->ncols, y, b->ncols);
		goto done;
	}
	for (i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, b->cols[i].name)) {
			rc = mlg_error_set(MLG_EINVALID,
					   "cannot merge profiles: column %zu "
					   "is '%s' in %s and '%s' in %s",
					   i + 1, a->cols[i].name, x,
					   b->cols[i].name, y);
			goto done;
		}
	/* One pass has one schema: values cast as two types do not mix. */
	if ((i = mlg_profile_declared_conflict(a, b)) < a->ncols)
		rc = mlg_error_set(MLG_EINVALID,
				   "cannot merge profiles: column '%s' is "
				   "declared %s in %s and %s in %s",
				   a->cols[i].name,
				   mlg_ftype_name(a->cols[i].declared), x,
				   mlg_ftype_name(b->cols[i].declared), y);
	/* JSON keeps counts as int64: a sum beyond would be written
	 * negative, in a profile no reader takes. */
	else if (counts_overflow(a, b))
		rc = mlg_error_set(MLG_EINVALID,
				   "cannot merge profiles: counts beyond "
				   "%lld%s%s",
				   (long long)INT64_MAX, bn ? " with " : "",
				   bn ? y : "");
	else
		rc = mlg_profile_parts_refuse(a, x, b, y);
done:
	free(x);
	free(y);
	return rc;
}

int mlg_profile_merge(struct mlg_profile *a, const struct mlg_profile *b)
{
	return mlg_profile_merge_named(a, NULL, b, NULL);
}

int mlg_profile_merge_named(struct mlg_profile *a, const char *an,
			    const struct mlg_profile *b, const char *bn)
{
	size_t i, k;
	int rc;

	if ((rc = refuse(a, an, b, bn)))
		return rc;
	for (i = 0; i < a->ncols; i++) {
		struct mlg_profile_col *x = &a->cols[i];
		const struct mlg_profile_col *y = &b->cols[i];
		uint64_t nint = x->cand[MLG_CAND_INTEGER];

		/* Same k and capacity on both sides: these cannot fail. */
		if ((rc = mlg_kll_merge(&x->kll, &y->kll)) ||
		    (rc = mlg_topk_merge(&x->topk, &y->topk)))
			return rc;
		mlg_hll_merge(x->hll, y->hll);
		mlg_moments_merge(&x->num, &y->num);
		mlg_lengths_merge(&x->len, &y->len);
		if (y->cand[MLG_CAND_INTEGER]) {
			if (!nint || y->imin < x->imin)
				x->imin = y->imin;
			if (!nint || y->imax > x->imax)
				x->imax = y->imax;
		}
		for (k = 0; k < MLG_CAND_COUNT; k++)
			x->cand[k] += y->cand[k];
		for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
			x->tokens[k] += y->tokens[k];
		merge_minmax(&x->dmin, &x->dmax, &x->ndates, y->dmin, y->dmax,
			     y->ndates);
		merge_minmax(&x->tmin, &x->tmax, &x->ndatetimes, y->tmin,
			     y->tmax, y->ndatetimes);
		x->count += y->count;
		x->nulls += y->nulls;
		x->invalid += y->invalid;
		x->not_utf8 += y->not_utf8;
		if (!x->has_schema && y->has_schema) {
			x->has_schema = 1;
			x->declared = y->declared;
		}
	}
	a->rows += b->rows;
	a->long_rows += b->long_rows;
	a->bytes += b->bytes;
	mlg_profile_parts_merge(a, b);
	return 0;
}

/* Saturated: a loaded profile may claim more missing cells than cells,
 * which no pass makes; it then has no values, not 2^64 - k of them. */
static uint64_t missing(const struct mlg_profile_col *c)
{
	uint64_t n = c->nulls;
	int k;

	for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
		n = c->tokens[k] < UINT64_MAX - n ? n + c->tokens[k]
						  : UINT64_MAX;
	return n;
}

uint64_t mlg_profile_col_values(const struct mlg_profile_col *c)
{
	uint64_t m = missing(c);

	return c->count > m ? c->count - m : 0;
}

enum mlg_ftype mlg_profile_col_type(const struct mlg_profile_col *c)
{
	static const struct {
		enum mlg_cand cand;
		enum mlg_ftype type;
	} order[] = {
		{MLG_CAND_INTEGER, MLG_T_INTEGER},
		{MLG_CAND_NUMBER, MLG_T_NUMBER},
		{MLG_CAND_BOOLEAN, MLG_T_BOOLEAN},
		{MLG_CAND_DATE, MLG_T_DATE},
		{MLG_CAND_DATETIME, MLG_T_DATETIME},
		{MLG_CAND_TIME, MLG_T_TIME},
	};
	uint64_t n = mlg_profile_col_values(c), bad = 0;
	size_t i;

	/* Cells that are not UTF-8 text are encoding errors whatever the
	 * type: without a schema they are values, but of no candidate. A
	 * loaded profile may claim more of them than values. */
	if (!c->has_schema)
		bad = c->not_utf8 < n ? c->not_utf8 : n;
	if (!(n -= bad))
		return MLG_T_STRING;
	for (i = 0; i < MLG_ARRAY_SIZE(order); i++) {
		if (c->cand[order[i].cand] != n)
			continue;
		if (order[i].cand <= MLG_CAND_NUMBER &&
		    c->cand[MLG_CAND_LEADING_ZERO])
			continue;
		return order[i].type;
	}
	return MLG_T_STRING;
}

/* ---- JSON ---- */

static json_t *jcount(uint64_t n)
{
	return json_integer((json_int_t)n);
}

/* A real, or null for NaN (JSON has none). */
static json_t *jreal(double x)
{
	return x == x ? json_real(x) : json_null();
}

static void day_text(char out[32], int64_t days)
{
	mlg_iso8601(out, (double)days * 86400);
	out[10] = 0;
}

static json_t *minmax_json(uint64_t n, int64_t lo, int64_t hi)
{
	if (!n)
		return json_null();
	return json_pack("{sIsIsI}", "count", (json_int_t)n, "min",
			 (json_int_t)lo, "max", (json_int_t)hi);
}

static json_t *state_json(const struct mlg_profile_col *c)
{
	json_t *cand = json_object(), *tok = json_object(), *st;
	size_t k;

	for (k = 0; k < MLG_CAND_COUNT; k++)
		json_object_set_new(cand, cand_names[k], jcount(c->cand[k]));
	for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
		json_object_set_new(tok, mlg_profile_tokens[k],
				    jcount(c->tokens[k]));
	st = json_object();
	json_object_set_new(st, "candidates", cand);
	json_object_set_new(st, "missing_tokens", tok);
	json_object_set_new(
		st, "integers",
		minmax_json(c->cand[MLG_CAND_INTEGER], c->imin, c->imax));
	json_object_set_new(st, "dates",
			    minmax_json(c->ndates, c->dmin, c->dmax));
	json_object_set_new(st, "datetimes",
			    minmax_json(c->ndatetimes, c->tmin, c->tmax));
	json_object_set_new(st, "numbers", mlg_moments_to_json(&c->num));
	json_object_set_new(st, "lengths", mlg_lengths_to_json(&c->len));
	json_object_set_new(st, "kll", mlg_kll_to_json(&c->kll));
	json_object_set_new(st, "hll", mlg_hll_to_json(c->hll));
	json_object_set_new(st, "topk", mlg_topk_to_json(&c->topk));
	return st;
}

static const double qs[] = {0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1};

static json_t *summary_json(const struct mlg_profile_col *c)
{
	struct mlg_topk_item top[MLG_PROFILE_TOP_SHOWN];
	json_t *s = json_object(), *q, *arr;
	double qv[MLG_ARRAY_SIZE(qs)];
	char buf[32];
	size_t i, n;
	int have = c->num.count > 0;
	double d;

	json_object_set_new(s, "min",
			    have ? json_real(c->num.min) : json_null());
	json_object_set_new(s, "max",
			    have ? json_real(c->num.max) : json_null());
	json_object_set_new(s, "mean", jreal(mlg_moments_mean(&c->num)));
	json_object_set_new(s, "stddev", jreal(mlg_moments_stddev(&c->num, 1)));
	json_object_set_new(s, "sum",
			    have ? json_real(mlg_moments_sum(&c->num))
				 : json_null());
	json_object_set_new(s, "nonfinite", jcount(c->num.nonfinite));
	q = json_object();
	if (c->kll.n) {
		mlg_kll_quantiles(qv, &c->kll, qs, MLG_ARRAY_SIZE(qs));
		for (i = 0; i < MLG_ARRAY_SIZE(qs); i++) {
			snprintf(buf, sizeof(buf), "%g", qs[i]);
			json_object_set_new(q, buf, json_real(qv[i]));
		}
	}
	json_object_set_new(s, "quantiles", q);
	json_object_set_new(s, "quantile_rank_error",
			    json_real(KLL_RANK_ERROR));
	/* A loaded sketch with saturated registers estimates beyond
	 * int64_t, up to infinity: converting that is undefined. */
	d = mlg_hll_count(c->hll) + 0.5;
	json_object_set_new(s, "distinct",
			    json_integer(d < 0x1p63 ? (json_int_t)d
						    : (json_int_t)INT64_MAX));
	json_object_set_new(s, "distinct_error", json_real(HLL_ERROR));
	n = mlg_topk_list(top, &c->topk, MLG_PROFILE_TOP_SHOWN);
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(
			arr, json_pack("{sssIsI}", "value", top[i].value,
				       "count", (json_int_t)top[i].count, "err",
				       (json_int_t)top[i].err));
	json_object_set_new(s, "top", arr);
	json_object_set_new(s, "length",
			    c->len.count ? json_pack("{sfsfsf}", "min",
						     (double)c->len.min, "max",
						     (double)c->len.max, "mean",
						     mlg_lengths_mean(&c->len))
					 : json_null());
	if (c->ndates) {
		day_text(buf, c->dmin);
		json_object_set_new(s, "date_min", json_string(buf));
		day_text(buf, c->dmax);
		json_object_set_new(s, "date_max", json_string(buf));
	}
	if (c->ndatetimes) {
		mlg_iso8601(buf, (double)(c->tmin / 1000000));
		json_object_set_new(s, "datetime_min", json_string(buf));
		mlg_iso8601(buf, (double)(c->tmax / 1000000));
		json_object_set_new(s, "datetime_max", json_string(buf));
	}
	return s;
}

/*
 * Equal-mass bins: edges at the KLL quantiles 0, 1/B, ..., 1, repeats
 * dropped, so the edges of shards merged are those of the whole within
 * the rank error. Counts are n times the rank differences, estimates
 * within the same error.
 */
static json_t *histogram_json(const struct mlg_profile_col *c)
{
	double e[MLG_PROFILE_BINS + 1], kept[MLG_PROFILE_BINS + 1];
	json_t *edges, *counts;
	size_t i, n = 0;
	uint64_t done = 0;

	if (!c->kll.n || mlg_kll_bin_edges(e, &c->kll, MLG_PROFILE_BINS))
		return json_null();
	for (i = 0; i <= MLG_PROFILE_BINS; i++)
		if (!n || e[i] > kept[n - 1])
			kept[n++] = e[i];
	edges = json_array();
	counts = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(edges, json_real(kept[i]));
	for (i = 1; i < n; i++) {
		double r = i + 1 == n ? 1 : mlg_kll_rank(&c->kll, kept[i]);
		uint64_t upto = (uint64_t)(r * (double)c->kll.n + 0.5);

		json_array_append_new(counts,
				      jcount(upto > done ? upto - done : 0));
		done = upto > done ? upto : done;
	}
	if (n == 1) /* one distinct value: one closed bin [x, x] */
		json_array_append_new(counts, jcount(c->kll.n));
	return json_pack("{soso}", "edges", edges, "counts", counts);
}

static json_t *col_json(const struct mlg_profile_col *c)
{
	json_t *col = json_object();
	enum mlg_ftype t =
		c->has_schema ? c->declared : mlg_profile_col_type(c);

	json_object_set_new(col, "name", json_string(c->name));
	json_object_set_new(col, "type", json_string(mlg_ftype_name(t)));
	json_object_set_new(col, "schema_type",
			    c->has_schema
				    ? json_string(mlg_ftype_name(c->declared))
				    : json_null());
	json_object_set_new(col, "count", jcount(c->count));
	json_object_set_new(col, "nulls", jcount(c->nulls));
	json_object_set_new(col, "invalid", jcount(c->invalid));
	if (c->not_utf8)
		json_object_set_new(col, "not_utf8", jcount(c->not_utf8));
	json_object_set_new(col, "summary", summary_json(c));
	json_object_set_new(col, "histogram", histogram_json(c));
	json_object_set_new(col, "state", state_json(c));
	return col;
}

/* The members before "columns". */
static json_t *head_json(const struct mlg_profile *p)
{
	json_t *o = json_object(), *src = json_array();
	size_t i;

	json_object_set_new(o, "profile_version",
			    json_integer(MLG_PROFILE_VERSION));
	for (i = 0; i < p->nsources; i++)
		json_array_append_new(src, json_string(p->sources[i]));
	json_object_set_new(o, "sources", src);
	json_object_set_new(o, "rows", jcount(p->rows));
	/* only where there are any: absent reads as 0 */
	if (p->long_rows)
		json_object_set_new(o, "long_rows", jcount(p->long_rows));
	if (p->nparts)
		json_object_set_new(o, "shards", mlg_profile_parts_json(p));
	return o;
}

json_t *mlg_profile_to_json(const struct mlg_profile *p)
{
	json_t *o = head_json(p), *cols = json_array();
	size_t i;

	for (i = 0; i < p->ncols; i++)
		json_array_append_new(cols, col_json(&p->cols[i]));
	json_object_set_new(o, "columns", cols);
	return o;
}

/* Hand `b` over to `put`, and empty it, once it holds `min` bytes. */
static int flush(struct mlg_buf *b, size_t min,
		 int (*put)(void *ctx, const void *data, size_t len), void *ctx)
{
	int rc;

	if (!b->len || b->len < min)
		return 0;
	rc = put(ctx, b->ptr, b->len);
	mlg_buf_reset(b);
	return rc;
}

int mlg_profile_write(const struct mlg_profile *p,
		      int (*put)(void *ctx, const void *data, size_t len),
		      void *ctx)
{
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *v = head_json(p);
	void *it;
	size_t i;
	int rc = mlg_buf_addch(&b, '{');

	/* The layout of mlg_json_dump() with indent 2, "columns" last. */
	for (it = json_object_iter(v); it && !rc;
	     it = json_object_iter_next(v, it)) {
		rc = mlg_buf_addf(&b, "\n  \"%s\": ", json_object_iter_key(it));
		if (!rc)
			rc = mlg_json_dump_at(&b, json_object_iter_value(it), 2,
					      1);
		if (!rc)
			rc = mlg_buf_addch(&b, ',');
	}
	json_decref(v);
	if (!rc)
		rc = mlg_buf_adds(&b, "\n  \"columns\": [");
	for (i = 0; i < p->ncols && !rc; i++) {
		rc = mlg_buf_adds(&b, i ? ",\n    " : "\n    ");
		v = col_json(&p->cols[i]);
		if (!rc)
			rc = mlg_json_dump_at(&b, v, 2, 2);
		json_decref(v);
		if (!rc)
			rc = flush(&b, MLG_PROFILE_WRITE_CHUNK, put, ctx);
	}
	if (!rc)
		rc = mlg_buf_adds(&b, p->ncols ? "\n  ]\n}\n" : "]\n}\n");
	if (!rc)
		rc = flush(&b, 1, put, ctx);
	mlg_buf_release(&b);
	return rc;
}

static int minmax_from(const struct mlg_json_doc *doc, json_t *st,
		       const char *ptr, const char *key, uint64_t *n,
		       int64_t *lo, int64_t *hi)
{
	json_t *v = json_object_get(st, key);
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	mlg_buf_addf(&b, "%s/%s", ptr, key);
	rc = mlg_json_get_count(doc, v, b.ptr, "count", 1, n);
	if (!rc)
		rc = mlg_json_get_int(doc, v, b.ptr, "min", 1, lo);
	if (!rc)
		rc = mlg_json_get_int(doc, v, b.ptr, "max", 1, hi);
	if (!rc && *lo > *hi)
		rc = mlg_json_error(doc, b.ptr, "min is greater than max");
	mlg_buf_release(&b);
	return rc;
}

static enum mlg_ftype ftype_of(const char *s)
{
	int t;

	for (t = MLG_T_ANY; t <= MLG_T_ARRAY; t++)
		if (!strcmp(mlg_ftype_name((enum mlg_ftype)t), s))
			return (enum mlg_ftype)t;
	return (enum mlg_ftype) - 1;
}

static int col_from(struct mlg_profile_col *c, const struct mlg_json_doc *doc,
		    json_t *v, const char *ptr, int64_t version)
{
	struct mlg_buf sp = MLG_BUF_INIT, q = MLG_BUF_INIT;
	json_t *st, *cand, *tok, *x;
	const char *name, *stype = NULL;
	size_t k;
	int rc;

	if ((rc = mlg_json_get_str(doc, v, ptr, "name", 1, &name)))
		return rc;
	free(c->name);
	c->name = mlg_strdup(name);
	x = json_object_get(v, "schema_type");
	if (x && !json_is_null(x) &&
	    (rc = mlg_json_get_str(doc, v, ptr, "schema_type", 1, &stype)))
		return rc;
	if (stype) {
		if ((int)ftype_of(stype) < 0) {
			mlg_buf_addf(&sp, "%s/schema_type", ptr);
			rc = mlg_json_error(doc, sp.ptr, "unknown type '%s'",
					    stype);
			goto done;
		}
		c->declared = ftype_of(stype);
		c->has_schema = 1;
	}
	if ((rc = mlg_json_get_count(doc, v, ptr, "count", 1, &c->count)) ||
	    (rc = mlg_json_get_count(doc, v, ptr, "nulls", 1, &c->nulls)) ||
	    (rc = mlg_json_get_count(doc, v, ptr, "invalid", 1, &c->invalid)) ||
	    (rc = mlg_json_get_count(doc, v, ptr, "not_utf8", 0, &c->not_utf8)))
		goto done;
	mlg_buf_addf(&sp, "%s/state", ptr);
	st = json_object_get(v, "state");
	if (!st || !json_is_object(st)) {
		rc = st ? mlg_json_error(doc, sp.ptr,
					 "expected an object, found %s",
					 mlg_json_type_name(st))
			: mlg_json_error(doc, ptr,
					 "missing required property 'state'");
		goto done;
	}
	cand = json_object_get(st, "candidates");
	tok = json_object_get(st, "missing_tokens");
	if (!cand || !tok) {
		rc = mlg_json_error(doc, sp.ptr,
				    "missing required property '%s'",
				    cand ? "missing_tokens" : "candidates");
		goto done;
	}
	mlg_buf_addf(&q, "%s/candidates", sp.ptr);
	for (k = 0; !rc && k < MLG_CAND_COUNT; k++)
		rc = mlg_json_get_count(doc, cand, q.ptr, cand_names[k], 1,
					&c->cand[k]);
	mlg_buf_reset(&q);
	mlg_buf_addf(&q, "%s/missing_tokens", sp.ptr);
	for (k = 0; !rc && k < MLG_PROFILE_NTOKENS; k++)
		rc = mlg_json_get_count(doc, tok, q.ptr, mlg_profile_tokens[k],
					1, &c->tokens[k]);
	if (rc)
		goto done;
	{
		uint64_t nint;

		if ((rc = minmax_from(doc, st, sp.ptr, "integers", &nint,
				      &c->imin, &c->imax)) ||
		    (rc = minmax_from(doc, st, sp.ptr, "dates", &c->ndates,
				      &c->dmin, &c->dmax)) ||
		    (rc = minmax_from(doc, st, sp.ptr, "datetimes",
				      &c->ndatetimes, &c->tmin, &c->tmax)))
			goto done;
	}
#define SUB(key, call)                                                         \
	do {                                                                   \
		mlg_buf_reset(&q);                                             \
		mlg_buf_addf(&q, "%s/" key, sp.ptr);                           \
		x = json_object_get(st, key);                                  \
		if (!x) {                                                      \
			rc = mlg_json_error(doc, sp.ptr,                       \
					    "missing required property '%s'",  \
					    key);                              \
			goto done;                                             \
		}                                                              \
		if ((rc = (call)))                                             \
			goto done;                                             \
	} while (0)
	mlg_kll_release(&c->kll);
	mlg_topk_release(&c->topk);
	SUB("numbers", mlg_moments_from_json(&c->num, doc, x, q.ptr));
	SUB("lengths", mlg_lengths_from_json(&c->len, doc, x, q.ptr));
	SUB("kll", mlg_kll_from_json(&c->kll, doc, x, q.ptr));
	SUB("hll", mlg_hll_from_json(c->hll, doc, x, q.ptr));
	/* profile_version 1 kept a space-saving summary of 64 counters */
	SUB("topk", version == 1
			    ? mlg_topk_from_json_v1(&c->topk, doc, x, q.ptr,
						    MLG_PROFILE_TOPK_CAP)
			    : mlg_topk_from_json(&c->topk, doc, x, q.ptr));
#undef SUB
	if (c->kll.k != MLG_KLL_K_DEFAULT ||
	    c->topk.cap != MLG_PROFILE_TOPK_CAP)
		rc = mlg_json_error(doc, sp.ptr,
				    "sketches must have k %d and top-k "
				    "capacity %d",
				    MLG_KLL_K_DEFAULT, MLG_PROFILE_TOPK_CAP);
done:
	mlg_buf_release(&sp);
	mlg_buf_release(&q);
	return rc;
}

/* mlg_profile_from_json(), with the columns at `spans` of the text of
 * `doc` when set (mlg_json_parse_buf_split()): each is parsed, read and
 * freed in turn. One that does not parse is MLG_EINVALID with no
 * message: mlg_profile_parse_buf() gives jansson's. */
static int profile_from(struct mlg_profile *out, const struct mlg_json_doc *doc,
			const struct mlg_json_span *spans)
{
	json_t *root = doc->root, *cols, *srcs, *v;
	struct mlg_buf ptr = MLG_BUF_INIT;
	int64_t version;
	size_t i, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root))
		return mlg_json_error(doc, "", "expected an object, found %s",
				      mlg_json_type_name(root));
	if ((rc = mlg_json_get_int(doc, root, "", "profile_version", 1,
				   &version)))
		return rc;
	if (version < 1 || version > MLG_PROFILE_VERSION)
		return mlg_json_error(doc, "/profile_version",
				      "unsupported profile_version %lld, "
				      "expected 1 to %d",
				      (long long)version, MLG_PROFILE_VERSION);
	cols = json_object_get(root, "columns");
	if (!json_is_array(cols) || !json_array_size(cols))
		return mlg_json_error(doc, cols ? "/columns" : "",
				      "expected a non-empty array of columns");
	n = json_array_size(cols);
	profile_alloc(out, n);
	for (i = 0; i < n; i++)
		col_init(&out->cols[i], "");
	if ((rc = cand_init(out)) ||
	    (rc = mlg_json_get_count(doc, root, "", "rows", 1, &out->rows)) ||
	    (rc = mlg_json_get_count(doc, root, "", "long_rows", 0,
				     &out->long_rows)))
		goto done;
	srcs = json_object_get(root, "sources");
	json_array_foreach (srcs, i, v) {
		if (!json_is_string(v)) {
			mlg_buf_reset(&ptr);
			mlg_buf_addf(&ptr, "/sources/%zu", i);
			rc = mlg_json_error(doc, ptr.ptr,
					    "expected a string, found %s",
					    mlg_json_type_name(v));
			goto done;
		}
		mlg_profile_add_source(out, json_string_value(v));
	}
	if ((rc = mlg_profile_parts_from_json(out, doc, root)))
		goto done;
	for (i = 0; i < n; i++) {
		mlg_buf_reset(&ptr);
		mlg_buf_addf(&ptr, "/columns/%zu", i);
		v = spans ? mlg_json_parse_span(doc, &spans[i])
			  : json_incref(json_array_get(cols, i));
		rc = v ? col_from(&out->cols[i], doc, v, ptr.ptr, version)
		       : MLG_EINVALID;
		json_decref(v);
		if (rc)
			goto done;
	}
done:
	mlg_buf_release(&ptr);
	if (rc)
		mlg_profile_release(out);
	return rc;
}

int mlg_profile_from_json(struct mlg_profile *out,
			  const struct mlg_json_doc *doc)
{
	return profile_from(out, doc, NULL);
}

/* Whether each of the `n` columns at `cols` of `doc` is JSON. */
static int columns_parse(const struct mlg_json_doc *doc,
			 const struct mlg_json_span *cols, size_t n)
{
	json_t *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(v = mlg_json_parse_span(doc, &cols[i])))
			return 0;
		json_decref(v);
	}
	return 1;
}

/*
 * A saved profile is mostly its columns' sketch states, whose jansson
 * tree takes about 7 times their text: the columns are parsed one at a
 * time. A text broken in a column is still refused with jansson's
 * message about the whole text, and before any error about a value, as
 * when it was parsed at once: after an error, every column is parsed to
 * tell.
 */
int mlg_profile_parse_buf(struct mlg_profile *out, const char *name,
			  struct mlg_buf *b)
{
	struct mlg_json_span *cols = NULL;
	struct mlg_json_doc doc;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_json_parse_buf_split(&doc, name, b, "/columns", &cols, &n);
	if (!rc)
		rc = profile_from(out, &doc, cols);
	if (rc && cols && !columns_parse(&doc, cols, n) &&
	    !(rc = mlg_json_doc_reparse(&doc)))
		rc = mlg_profile_from_json(out, &doc);
	mlg_json_doc_release(&doc);
	free(cols);
	return rc;
}

/*
 * The header of a saved profile: '{' then, at depth 1, the member
 * "profile_version". A JSON Lines dataset starts with '{' too, so the
 * brace alone does not tell; the first record ending without that member
 * does. A first object still open after the peek is taken for a profile
 * when its first member is "columns" (a profile written with sorted keys
 * puts it first), whose loader then judges it; else it is a record of
 * JSON Lines, which may pass 64 KiB (an embedding of 8,000 numbers).
 */
#define PEEK ((size_t)64 << 10)

static int blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The offset of the first byte after a byte order mark and blanks. */
static size_t skip_blanks(const unsigned char *b, size_t n)
{
	size_t i = 0;

	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < n && blank(b[i]))
		i++;
	return i;
}

/* 1: a profile; 0: not; -1: JSON ('{') but not a profile. */
static int scan_header(const unsigned char *b, size_t n)
{
	static const char key[] = "\"profile_version\"", cols[] = "\"columns\"";
	size_t i = skip_blanks(b, n), depth = 0, klen = sizeof(key) - 1, j;
	int instr = 0, first = -1; /* the first member is "columns" */

	if (i >= n || b[i] != '{')
		return 0;
	for (; i < n; i++) {
		if (instr) {
			if (b[i] == '\\')
				i++;
			else if (b[i] == '"')
				instr = 0;
			continue;
		}
		if (b[i] == '"') {
			if (depth == 1 && first < 0)
				first = n - i >= sizeof(cols) - 1 &&
					!memcmp(b + i, cols, sizeof(cols) - 1);
			if (depth == 1 && n - i >= klen &&
			    !memcmp(b + i, key, klen)) {
				for (j = i + klen; j < n && blank(b[j]); j++)
					;
				if (j < n && b[j] == ':')
					return 1;
			}
			instr = 1;
		} else if (b[i] == '{' || b[i] == '[') {
			depth++;
		} else if (b[i] == '}' || b[i] == ']') {
			if (!--depth)
				return -1;
		}
	}
	return n == PEEK && first == 1 ? 1 : -1;
}

/* Read from `s` into `b` until it holds `want` bytes, or to the end. */
static int read_upto(struct mlg_stream *s, struct mlg_buf *b, size_t want)
{
	ssize_t n;
	int rc;

	while (b->len < want) {
		size_t room = want - b->len < MLG_STREAM_BLOCK
				      ? want - b->len
				      : MLG_STREAM_BLOCK;

		if ((rc = mlg_buf_grow(b, room + 1)))
			return rc;
		if ((n = mlg_stream_read(s, b->ptr + b->len, room)) <= 0)
			return (int)n;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
	return 0;
}

/* Open `src` and read what scan_header() needs of it into `b`. */
static int peek(struct mlg_stream **s, struct mlg_buf *b, const char *src,
		long timeout_s)
{
	struct mlg_stream_opts so = {1, timeout_s, 0};
	int rc = mlg_stream_open(s, src, &so);

	return rc ? rc : read_upto(*s, b, PEEK);
}

/*
 * Open `src` once and tell it by its first bytes: a saved profile is
 * read on into `out` (0); what may be data, as `data` allows (0 none, 1
 * what is not JSON, 2 JSON too), is handed back in *rest, at its start,
 * for its reader (1); the rest is refused. A dataset given by mistake
 * is not read whole.
 */
static int take(struct mlg_profile *out, const char *src, long timeout_s,
		int data, struct mlg_stream **rest)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s = NULL;
	int rc, kind = 0;

	memset(out, 0, sizeof(*out));
	if (!(rc = peek(&s, &b, src, timeout_s)))
		kind = scan_header((const unsigned char *)b.ptr, b.len);
	/* kind 0 is data when data is 1 or 2; JSON (-1) when 2 */
	if (!rc && kind != 1 && data > (kind ? 1 : 0)) {
		mlg_stream_unread(s, b.ptr, b.len);
		*rest = s;
		s = NULL;
		rc = 1;
	} else if (!rc && kind != 1)
		rc = mlg_error_set(MLG_EINVALID,
				   "'%s' is not a saved profile: it "
				   "does not start with "
				   "{\"profile_version\": ...",
				   mlg_stream_name(s));
	if (!rc)
		rc = read_upto(s, &b, SIZE_MAX);
	if (!rc)
		rc = mlg_profile_parse_buf(out, mlg_stream_name(s), &b);
	mlg_stream_close(s);
	mlg_buf_release(&b);
	return rc;
}

int mlg_profile_load(struct mlg_profile *out, const char *src, long timeout_s)
{
	return take(out, src, timeout_s, 0, NULL);
}

int mlg_profile_open(struct mlg_profile *out, const char *src, long timeout_s,
		     int jsonl, struct mlg_stream **data)
{
	int rc;

	*data = NULL;
	memset(out, 0, sizeof(*out));
	if (mlg_stream_is_url(src) ||
	    (strcmp(src, "-") && mlg_file_is_regular(src)))
		return take(out, src, timeout_s, jsonl ? 2 : 1, data);
	/* A pipe is read once: its first bytes are not to be spent. */
	if (!strcmp(src, "-") || mlg_file_exists(src))
		return 1;
	/* A file that is not there is missing (exit 3) before it is
	 * anything else: opened for the error that says so. */
	return (rc = mlg_stream_open(data, src, NULL)) ? rc : 1;
}

/* ---- one pass over a file ---- */

static ssize_t stream_read(void *ctx, void *buf, size_t n)
{
	return mlg_stream_read(ctx, buf, n);
}

/*
 * Reading with a schema casts every cell as validation does (validate.c),
 * so that `profile --schema` and the validation pass build the same
 * profile: columns map to fields by position for fieldsMatch "exact",
 * else by name (the first column of a name); cells that are not valid
 * UTF-8 or hold a NUL byte (encoding errors) are left out.
 */
struct typed {
	const struct mlg_schema *s;
	struct mlg_cast_ctx *cx;
	int *col_field; /* column -> field, -1: not profiled */
	size_t ncols;
	struct mlg_buf cell; /* a JSON value as cell text */
};

/* The column names: the header's (invalid UTF-8 repaired), or the
 * schema's fields. */
static char **column_names(size_t *n, const struct mlg_csv_record *hdr,
			   const struct mlg_schema *s)
{
	char **names;
	size_t i;

	*n = s ? s->nfields : hdr->nfields;
	names = mlg_calloc(*n + 1, sizeof(*names));
	for (i = 0; i < *n; i++) {
		struct mlg_buf b = MLG_BUF_INIT;

		if (s)
			mlg_buf_adds(&b, s->fields[i].name);
		else
			mlg_utf8_repair(&b, hdr->fields[i].ptr,
					hdr->fields[i].len);
		names[i] = mlg_buf_detach(&b, NULL);
	}
	return names;
}

/* Columns map to fields as validate.c's plan_labels() maps them: a
 * label that is not text, or repeats an earlier label, maps to none. */
static void map_columns(struct typed *t, struct mlg_csv_record *hdr)
{
	const struct mlg_schema *s = t->s;
	char **labels;
	size_t c, n;

	t->ncols = hdr ? hdr->nfields : s->nfields;
	t->col_field = mlg_malloc((t->ncols + 1) * sizeof(*t->col_field));
	for (c = 0; c < t->ncols; c++)
		t->col_field[c] = c < s->nfields ? (int)c : -1;
	if (!hdr || s->fields_match == MLG_MATCH_EXACT)
		return;
	labels = column_names(&n, hdr, NULL);
	for (c = 0; c < t->ncols; c++) {
		const struct mlg_csv_field *f = &hdr->fields[c];

		t->col_field[c] = -1;
		if (mlg_utf8_text(f->ptr, f->len) &&
		    !mlg_label_repeats(labels, c))
			t->col_field[c] = mlg_schema_field_index(s, labels[c]);
	}
	for (c = 0; c < n; c++)
		free(labels[c]);
	free(labels);
}

static void typed_cell(struct mlg_profile *p, struct typed *t, size_t fi,
		       const char *cell, size_t len)
{
	struct mlg_value v;
	enum mlg_cell st = mlg_field_check(t->cx, fi, cell, len, &v, NULL);

	mlg_profile_cell(p, fi, cell, len, st, &v);
}

static void typed_record(struct mlg_profile *p, struct typed *t,
			 const struct mlg_csv_record *rec)
{
	size_t n = rec->nfields < t->ncols ? rec->nfields : t->ncols, c;

	for (c = 0; c < n; c++) {
		const struct mlg_csv_field *f = &rec->fields[c];

		if (t->col_field[c] < 0)
			continue;
		if (!mlg_utf8_text(f->ptr, f->len))
			p->cols[t->col_field[c]].not_utf8++;
		else
			typed_cell(p, t, (size_t)t->col_field[c], f->ptr,
				   f->len);
	}
}

/* One JSON Lines record: keys are fields, a missing key or null is a
 * null cell; a line that is no JSON object (a format error in
 * validation) has no cells, as a blank line. */
static void json_record(struct mlg_profile *p, struct typed *t,
			const struct mlg_csv_record *rec)
{
	const struct mlg_schema *s = t->s;
	json_error_t err;
	json_t *o, *val;
	size_t fi;

	if (rec->blank || rec->nfields != 1)
		return;
	o = json_loadb(rec->fields[0].ptr, rec->fields[0].len,
		       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return;
	}
	for (fi = 0; fi < s->nfields; fi++) {
		val = json_object_get(o, s->fields[fi].name);
		if (!val || json_is_null(val)) {
			struct mlg_value nv = {0};

			nv.null = 1;
			mlg_profile_cell(p, fi, "", 0, MLG_CELL_NULL, &nv);
			continue;
		}
		mlg_json_cell(&t->cell, val);
		typed_cell(p, t, fi, t->cell.ptr, t->cell.len);
	}
	json_decref(o);
}

/*
 * A pass numbers the chunks of its shard 0, 1, ... in file order and
 * reads them with T readers, each with its own stream: reader t profiles
 * the chunks j with j % T == t, each into an empty profile, and parks
 * it. Parked chunks go into `out` in order, moved there by whichever
 * reader finds the next one parked: chunk 0 becomes `out` (its sketches
 * settled, as a merge settles them) and the others merge into it. So
 * the profile does not depend on T, and a reader that is a chunk ahead
 * of the others goes on with another before it waits.
 */
#define SLOTS 2 /* chunk profiles a reader fills or has parked */

enum { SLOT_FREE, SLOT_FILLING, SLOT_PARKED };

struct slot {
	struct mlg_profile p; /* set up on first use */
	uint64_t j;	      /* the chunk parked here */
	int state;
};

struct pass {
	const struct mlg_profile_opts *o;
	const char *src;
	struct mlg_profile *out;
	char **names; /* the columns, from the first reader's header */
	size_t ncols;
	struct reader *readers;
	unsigned nreaders;
	/* The lock guards what follows, and the readers' slots and done. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t turn;	  /* the chunk that goes into `out` next */
	uint64_t records; /* where readers found the end, or UINT64_MAX */
	int rc;		  /* the first error, */
	char msg[sizeof(((struct mlg_error *)0)->message)]; /* its message */
};

struct reader {
	struct pass *ps;
	unsigned t;
	struct mlg_stream *st;
	struct mlg_csv_reader rd;
	int rd_ok;
	struct typed ty;
	struct slot slot[SLOTS];
	/* Without a header or schema: the first row, read to count the
	 * columns, is still to be profiled. */
	struct mlg_csv_record first;
	int first_pending;
	pthread_t tid;
	int done;
};

/* Record this thread's error `rc` unless one came first. */
static void fail_locked(struct pass *ps, int rc)
{
	if (ps->rc)
		return;
	ps->rc = rc;
	snprintf(ps->msg, sizeof(ps->msg), "%s", mlg_error_message());
	pthread_cond_broadcast(&ps->cv);
}

static void changed_locked(struct pass *ps)
{
	fail_locked(ps, mlg_error_set(MLG_EIO, "'%s' changed while it was read",
				      ps->src));
}

/* Frictionless's names for the columns of a table without a header:
 * field1, field2, ... */
static char **made_names(size_t n)
{
	char **names = mlg_calloc(n + 1, sizeof(*names));
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		mlg_buf_addf(&b, "field%zu", i + 1);
		names[i] = mlg_buf_detach(&b, NULL);
	}
	return names;
}

/* The CSV reader's errors of the data (an unterminated quote, a field
 * too large) do not name the input. */
static int named(const struct pass *ps, int rc)
{
	if (rc == MLG_EDATA || rc == MLG_ELIMIT)
		mlg_error_prefix("'%s'", ps->src);
	return rc;
}

/* Open the input and read the header; the first reader names the
 * columns. Without a header (the dialect's header false) columns map
 * to the schema's fields by position, as validation maps them, or
 * without a schema get made names, as many as the first row has cells. */
static int reader_open(struct reader *r)
{
	struct pass *ps = r->ps;
	const struct mlg_profile_opts *o = ps->o;
	struct mlg_stream_opts so = {1, o->timeout_s, 0};
	int labels = !o->jsonl && o->dialect.header;
	struct mlg_csv_record hdr;
	int rc;

	r->ty.s = o->schema;
	if (o->schema && (rc = mlg_cast_ctx_init(&r->ty.cx, o->schema)))
		return rc;
	if ((!r->st && (rc = mlg_stream_open(&r->st, ps->src, &so))) ||
	    (rc = mlg_csv_reader_init(&r->rd, &o->dialect, stream_read, r->st,
				      0)))
		return rc;
	r->rd_ok = 1;
	if (labels && (rc = mlg_csv_reader_next(&r->rd, &hdr)) <= 0)
		return rc ? named(ps, rc)
			  : mlg_error_set(MLG_EDATA,
					  "'%s': the input is empty: there "
					  "is no header row",
					  ps->src);
	if (!labels && !o->jsonl && !o->schema) {
		if ((rc = mlg_csv_reader_next(&r->rd, &r->first)) <= 0)
			return rc ? named(ps, rc)
				  : mlg_error_set(MLG_EDATA,
						  "'%s': the input is empty: "
						  "there is no row to count "
						  "the columns of",
						  ps->src);
		r->first_pending = 1;
	}
	if (!r->t && r->first_pending) {
		ps->ncols = r->first.nfields;
		ps->names = made_names(ps->ncols);
	} else if (!r->t) {
		ps->names = column_names(&ps->ncols, labels ? &hdr : NULL,
					 o->schema);
	}
	if (o->schema)
		map_columns(&r->ty, labels ? &hdr : NULL);
	return 0;
}

static void reader_close(struct reader *r)
{
	int i;

	if (r->rd_ok)
		mlg_csv_reader_release(&r->rd);
	if (r->st)
		mlg_stream_close(r->st);
	free(r->ty.col_field);
	mlg_buf_release(&r->ty.cell);
	if (r->ty.cx)
		mlg_cast_ctx_free(r->ty.cx);
	for (i = 0; i < SLOTS; i++)
		mlg_profile_release(&r->slot[i].p);
}

static void profile_record(struct reader *r, struct mlg_profile *p,
			   const struct mlg_csv_record *rec)
{
	size_t i, m = rec->nfields < p->ncols ? rec->nfields : p->ncols;
	size_t labels = r->ty.s ? r->ty.ncols : p->ncols;

	mlg_profile_row(p);
	if (r->ps->o->jsonl) {
		json_record(p, &r->ty, rec);
		return;
	}
	/* blank as validation takes it: no cells, and no long row */
	if (mlg_csv_record_blank(rec))
		return;
	if (rec->nfields > labels)
		p->long_rows++;
	if (r->ty.s)
		typed_record(p, &r->ty, rec);
	else
		for (i = 0; i < m; i++)
			mlg_profile_cell(p, i, rec->fields[i].ptr,
					 rec->fields[i].len, MLG_CELL_OK, NULL);
}

/* The slot where chunk j is parked, or NULL. */
static struct slot *parked(struct pass *ps, uint64_t j)
{
	struct reader *r = &ps->readers[j % ps->nreaders];
	int i;

	for (i = 0; i < SLOTS; i++)
		if (r->slot[i].state == SLOT_PARKED && r->slot[i].j == j)
			return &r->slot[i];
	return NULL;
}

/* Move the parked chunks that come next into `out`. */
static void drain_locked(struct pass *ps)
{
	struct mlg_profile *out = ps->out;
	struct slot *s;
	size_t i;
	int rc;

	while (!ps->rc && (s = parked(ps, ps->turn))) {
		if (ps->turn) {
			if ((rc = mlg_profile_merge(out, &s->p)))
				fail_locked(ps, rc);
		} else {
			for (i = 0; i < s->p.ncols; i++)
				mlg_kll_settle(&s->p.cols[i].kll);
			*out = s->p;
			memset(&s->p, 0, sizeof(s->p));
		}
		s->state = SLOT_FREE;
		ps->turn++;
		pthread_cond_broadcast(&ps->cv);
	}
}

/*
 * A free slot of `r` for its next chunk, or NULL when the pass failed.
 * Its slots are all parked while it waits, so a later chunk than the
 * next one exists: when the reader of the next one has ended without
 * it, the input ended early for that reader, as it changed.
 */
static struct slot *next_slot(struct reader *r)
{
	struct pass *ps = r->ps;
	struct slot *s = NULL;
	int i;

	pthread_mutex_lock(&ps->mu);
	while (!ps->rc) {
		for (i = 0; i < SLOTS && !s; i++)
			if (r->slot[i].state == SLOT_FREE)
				s = &r->slot[i];
		if (s)
			break;
		if (ps->readers[ps->turn % ps->nreaders].done) {
			changed_locked(ps);
			break;
		}
		pthread_cond_wait(&ps->cv, &ps->mu);
	}
	if (s)
		s->state = SLOT_FILLING;
	pthread_mutex_unlock(&ps->mu);
	return s;
}

/* A profile of the columns, new (`out` takes chunk 0's). */
static int chunk_init(struct pass *ps, struct mlg_profile *p)
{
	return mlg_profile_init(p, (const char *const *)ps->names, ps->ncols,
				ps->o->schema);
}

/*
 * A chunk is read: park it as chunk j when `s` holds it. When the input
 * ended after `records` records, every reader must find the end there
 * too; as each reads on to the end unless the pass fails, equal ends
 * mean every chunk was read, and parked, by its reader. 0, or the
 * pass's error.
 */
static int chunk_done(struct pass *ps, struct slot *s, uint64_t j, int end,
		      uint64_t records)
{
	int rc;

	pthread_mutex_lock(&ps->mu);
	if (end && ps->records != UINT64_MAX && ps->records != records)
		changed_locked(ps);
	if (end)
		ps->records = records;
	if (s) {
		s->j = j;
		s->state = SLOT_PARKED;
		drain_locked(ps);
	}
	rc = ps->rc;
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

/* Profile this reader's chunks; other chunks' rows are only stepped
 * over. */
static int reader_run(struct reader *r)
{
	struct pass *ps = r->ps;
	const struct mlg_profile_opts *o = ps->o;
	uint64_t per = o->chunk_rows ? o->chunk_rows : MLG_PROFILE_CHUNK_ROWS;
	uint64_t n = o->nshards ? o->nshards : 1;
	uint64_t k = o->nshards ? o->shard - 1 : 0, c, i;
	struct mlg_csv_record rec;
	struct slot *s = NULL;
	int rc = 1, err, mine, full;

	for (c = 0; rc == 1; c++) {
		mine = c % n == k && c / n % ps->nreaders == r->t;
		if (mine && !s) {
			if (!(s = next_slot(r)))
				return 0;
			/* Emptied here, not where it was merged: the lock
			 * is not held. */
			if (s->p.rows)
				mlg_profile_reset(&s->p);
		}
		for (i = 0; i < per; i++) {
			if (r->first_pending) {
				/* Still valid: the reader was not called
				 * since. */
				r->first_pending = 0;
				rec = r->first;
				rc = 1;
			} else {
				rc = mine ? mlg_csv_reader_next(&r->rd, &rec)
					  : mlg_csv_reader_skip(&r->rd);
			}
			if (rc != 1)
				break;
			if (!mine)
				continue;
			/* Set up at the first row: a reader that finds no
			 * chunk of its own needs none. Not into rc, which
			 * says a record was read. */
			if (!s->p.cols && (err = chunk_init(ps, &s->p)))
				return err;
			profile_record(r, &s->p, &rec);
		}
		if (rc < 0)
			return named(ps, rc);
		full = mine && s->p.rows;
		if (chunk_done(ps, full ? s : NULL, c / n, !rc, c * per + i))
			return 0;
		if (full)
			s = NULL;
	}
	return 0;
}

static void reader_done(struct reader *r, int rc)
{
	struct pass *ps = r->ps;

	pthread_mutex_lock(&ps->mu);
	if (rc)
		fail_locked(ps, rc);
	r->done = 1;
	pthread_cond_broadcast(&ps->cv);
	pthread_mutex_unlock(&ps->mu);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	int rc = reader_open(r);

	reader_done(r, rc ? rc : reader_run(r));
	return NULL;
}

int mlg_profile_read(struct mlg_profile *out, const char *src,
		     const struct mlg_profile_opts *o)
{
	struct pass ps = {0};
	struct reader *rs;
	unsigned t, nt = o->threads > 1 ? o->threads : 1, started = 1;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (o->jsonl && !o->schema) {
		mlg_stream_close(o->stream);
		return mlg_error_set(MLG_EINVALID,
				     "cannot profile '%s' without a schema: "
				     "JSON Lines needs one",
				     src);
	}
	/* Only a file can be read by several threads: standard input,
	 * URLs, pipes and devices are read once. */
	if (!strcmp(src, "-") || !mlg_file_is_regular(src))
		nt = 1;
	ps.o = o;
	ps.src = src;
	ps.out = out;
	ps.nreaders = nt;
	ps.records = UINT64_MAX;
	pthread_mutex_init(&ps.mu, NULL);
	pthread_cond_init(&ps.cv, NULL);
	ps.readers = rs = mlg_calloc(nt, sizeof(*rs));
	for (t = 0; t < nt; t++) {
		rs[t].ps = &ps;
		rs[t].t = t;
		rs[t].ty.cell = (struct mlg_buf)MLG_BUF_INIT;
	}
	rs[0].st = o->stream;
	if ((rc = reader_open(&rs[0])))
		goto done;
	for (; started < nt; started++)
		if (pthread_create(&rs[started].tid, NULL, reader_main,
				   &rs[started])) {
			reader_done(&rs[started],
				    mlg_error_set(MLG_ERROR,
						  "cannot start a thread"));
			break;
		}
	reader_done(&rs[0], reader_run(&rs[0]));
	for (t = 1; t < started; t++)
		pthread_join(rs[t].tid, NULL);
	if ((rc = ps.rc)) {
		mlg_error_set(rc, "%s", ps.msg);
		goto done;
	}
	if (!out->cols && (rc = chunk_init(&ps, out))) /* no rows */
		goto done;
	mlg_profile_add_source(out, src);
	/* Every reader reads to the end: the first has read it all. */
	out->bytes = mlg_stream_offset(rs[0].st);
done:
	for (t = 0; t < nt; t++)
		reader_close(&rs[t]);
	free(rs);
	for (i = 0; i < ps.ncols; i++)
		free(ps.names[i]);
	free(ps.names);
	pthread_mutex_destroy(&ps.mu);
	pthread_cond_destroy(&ps.cv);
	if (rc < 0)
		mlg_profile_release(out);
	return rc < 0 ? rc : 0;
}

/* ---- infer ---- */

static int is_token(const struct mlg_profile *p, const char *s)
{
	int k;
	size_t i;

	for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
		if (!strcmp(mlg_profile_tokens[k], s))
			for (i = 0; i < p->ncols; i++)
				if (p->cols[i].tokens[k])
					return 1;
	return 0;
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The integers of cells <it, n> once each, ascending: "+5" and "5", "-0"
 * and "0" are different cells but one value, which a schema may hold
 * once. NULL when a cell is no integer (a loaded profile may say integer
 * of a column whose values are not) or when there are more than
 * MLG_PROFILE_ENUM_MAX values. */
static json_t *int_enum(const struct mlg_topk_item *it, size_t n)
{
	int64_t *v = mlg_malloc(n * sizeof(*v));
	json_t *arr = NULL;
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (mlg_parse_int64(&v[i], it[i].value))
			goto done;
	qsort(v, n, sizeof(*v), cmp_int64);
	for (i = 0; i < n; i++)
		if (!m || v[i] != v[m - 1])
			v[m++] = v[i];
	if (m > MLG_PROFILE_ENUM_MAX)
		goto done;
	arr = json_array();
	for (i = 0; i < m; i++)
		json_array_append_new(arr, json_integer(v[i]));
done:
	free(v);
	return arr;
}

/* The enum of a column, when the top-k summary holds every distinct
 * value exactly (it never purged, nothing cut). Strings keep the order
 * of mlg_topk_list(); each is one distinct cell text, so none repeats. */
static json_t *enum_json(const struct mlg_profile *p,
			 const struct mlg_profile_col *c, enum mlg_ftype t)
{
	struct mlg_topk_item *it =
		mlg_malloc(MLG_PROFILE_TOPK_CAP * sizeof(*it));
	size_t n = mlg_topk_list(it, &c->topk, MLG_PROFILE_TOPK_CAP), i, m = 0;
	uint64_t sum = 0;
	json_t *arr = NULL;

	for (i = 0; i < n; i++) {
		if (it[i].err || it[i].truncated)
			goto done;
		sum += it[i].count;
		if (!is_token(p, it[i].value))
			it[m++] = it[i];
	}
	if (sum != c->topk.n || !m)
		goto done;
	if (t == MLG_T_INTEGER) {
		arr = int_enum(it, m);
	} else if (m <= MLG_PROFILE_ENUM_MAX) {
		arr = json_array();
		for (i = 0; i < m; i++)
			json_array_append_new(arr, json_string(it[i].value));
	}
done:
	free(it);
	return arr;
}

json_t *mlg_profile_names(const struct mlg_profile *p)
{
	json_t *names = json_object(), *cols;
	size_t i;

	for (i = 0; i < p->ncols; i++) {
		if (!(cols = json_object_get(names, p->cols[i].name))) {
			cols = json_array();
			json_object_set_new(names, p->cols[i].name, cols);
		}
		json_array_append_new(cols, json_integer((json_int_t)i));
	}
	return names;
}

/* A schema needs unique, non-empty names: a blank label becomes
 * "field<N>", a repeated one "<label><N>" (N the column number), as
 * frictionless does; validation then reports the header, not cells.
 * When a label (before or after the column) or an earlier made name is
 * that name already, the first free of "<made>_2", "<made>_3", ... is
 * taken. `taken` maps each label to its columns (mlg_profile_names())
 * and holds the names made so far, so a wide header is not scanned once
 * a column. */
static json_t *field_name(const struct mlg_profile *p, json_t *taken,
			  size_t col)
{
	const char *name = p->cols[col].name;
	json_t *first = *name ? json_array_get(json_object_get(taken, name), 0)
			      : NULL,
	       *j;
	char *base, *made;
	size_t k;

	if (first && json_integer_value(first) == (json_int_t)col)
		return json_string(name);
	base = *name ? mlg_strfmt("%s%zu", name, col + 1)
		     : mlg_strfmt("field%zu", col + 1);
	made = mlg_strdup(base);
	for (k = 2; json_object_get(taken, made); k++) {
		free(made);
		made = mlg_strfmt("%s_%zu", base, k);
	}
	json_object_set_new(taken, made, json_null());
	j = json_string(made);
	free(made);
	free(base);
	return j;
}

json_t *mlg_profile_infer(const struct mlg_profile *p, int constraints)
{
	json_t *o = json_object(), *fields = json_array(), *miss;
	json_t *taken = mlg_profile_names(p);
	size_t i;
	int k;

	for (i = 0; i < p->ncols; i++) {
		const struct mlg_profile_col *c = &p->cols[i];
		enum mlg_ftype t = mlg_profile_col_type(c);
		json_t *f = json_object(), *cons = json_object(), *e;

		json_object_set_new(f, "name", field_name(p, taken, i));
		json_object_set_new(f, "type", json_string(mlg_ftype_name(t)));
		if (!missing(c) && c->count == p->rows && p->rows)
			json_object_set_new(cons, "required", json_true());
		if (constraints && t == MLG_T_INTEGER) {
			json_object_set_new(cons, "minimum",
					    json_integer(c->imin));
			json_object_set_new(cons, "maximum",
					    json_integer(c->imax));
		} else if (constraints && t == MLG_T_NUMBER &&
			   !c->num.nonfinite && c->num.count) {
			json_object_set_new(cons, "minimum",
					    json_real(c->num.min));
			json_object_set_new(cons, "maximum",
					    json_real(c->num.max));
		}
		if (constraints && (t == MLG_T_STRING || t == MLG_T_INTEGER) &&
		    (e = enum_json(p, c, t)))
			json_object_set_new(cons, "enum", e);
		if (json_object_size(cons))
			json_object_set_new(f, "constraints", cons);
		else
			json_decref(cons);
		json_array_append_new(fields, f);
	}
	json_decref(taken);
	json_object_set_new(o, "fields", fields);
	miss = json_array();
	json_array_append_new(miss, json_string(""));
	for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
		for (i = 0; i < p->ncols; i++)
			if (p->cols[i].tokens[k]) {
				json_array_append_new(
					miss,
					json_string(mlg_profile_tokens[k]));
				break;
			}
	json_object_set_new(o, "missingValues", miss);
	return o;
}

/* ---- the report section ---- */

void mlg_profile_sparkline(struct mlg_buf *out, const double *v, size_t n,
			   size_t width, double top)
{
	size_t w = n < width ? n : width, j, i;
	double bar, *bars;

	if (!w)
		return;
	bars = mlg_malloc(w * sizeof(*bars));
	for (j = 0; j < w; j++) {
		bars[j] = 0;
		for (i = j * n / w; i < (j + 1) * n / w; i++)
			if (isfinite(v[i]) && v[i] > 0)
				bars[j] += v[i];
	}
	if (!(top > 0))
		for (top = 0, j = 0; j < w; j++)
			top = bars[j] > top ? bars[j] : top;
	for (j = 0; j < w; j++) {
		/* ▁ is kept for empty bins: a bin with one value in a
		 * million is drawn ▂, not as if it were empty. */
		int level = 0;

		bar = bars[j];
		if (bar > 0) {
			/* Shares are differences of ranks: 0.5 may come as
			 * 0.5000000000000002, which must not climb a level. */
			double x =
				isinf(bar) ? 7 : ceil(7 * (bar / top) - 1e-9);

			level = x < 1 ? 1 : x > 7 ? 7 : (int)x;
		}
		/* U+2581 + level: E2 96 81..88 */
		mlg_buf_addch(out, '\xe2');
		mlg_buf_addch(out, '\x96');
		mlg_buf_addch(out, (char)(0x81 + level));
	}
	free(bars);
}

void mlg_profile_bin_shares(double *out, const struct mlg_kll *s, double lo,
			    double hi, size_t nbins)
{
	double span = hi - lo, below = 0, r;
	size_t i;

	for (i = 0; i < nbins; i++)
		out[i] = 0;
	if (!s->n || !nbins)
		return;
	for (i = 1; i < nbins; i++) {
		double t = (double)i / (double)nbins,
		       e = isfinite(span) ? lo + span * t
					  : lo * (1 - t) + hi * t;

		r = mlg_kll_rank(s, e);
		out[i - 1] = r > below ? r - below : 0;
		below = r > below ? r : below;
	}
	out[nbins - 1] = 1 - below;
}

int mlg_profile_is_numeric(enum mlg_ftype t)
{
	switch (t) {
	case MLG_T_INTEGER:
	case MLG_T_NUMBER:
	case MLG_T_YEAR:
	case MLG_T_DATE:
	case MLG_T_DATETIME:
	case MLG_T_TIME:
		return 1;
	default:
		return 0;
	}
}

/* The histogram cell of a numeric or temporal column: the values seen
 * on an x axis of equal steps, which a person reads as a shape. */
static void spark_cell(struct mlg_buf *out, const struct mlg_profile_col *c,
		       enum mlg_ftype ty)
{
	double shares[MLG_PROFILE_SPARK_BINS];
	size_t nb;

	if (!mlg_profile_is_numeric(ty) || !c->kll.n)
		return;
	nb = c->kll.min < c->kll.max ? MLG_PROFILE_SPARK_BINS : 1;
	mlg_profile_bin_shares(shares, &c->kll, c->kll.min, c->kll.max, nb);
	mlg_profile_sparkline(out, shares, nb, MLG_PROFILE_SPARK_BINS, 0);
}

void mlg_profile_report(const struct mlg_profile *p, struct mlg_report *r,
			const char *label)
{
	static const char *const cols[] = {"column",   "type",	   "nulls",
					   "distinct", "min",	   "mean",
					   "max",      "histogram"};
	struct mlg_buf id = MLG_BUF_INIT, spark = MLG_BUF_INIT;
	struct mlg_table *t;
	size_t i;

	mlg_buf_addf(&id, "%s:profile", label);
	t = mlg_report_add_table(r, id.ptr, id.ptr, MLG_ARRAY_SIZE(cols), cols);
	for (i = 0; i < p->ncols; i++) {
		const struct mlg_profile_col *c = &p->cols[i];
		enum mlg_ftype ty =
			c->has_schema ? c->declared : mlg_profile_col_type(c);
		char nulls[32], distinct[32], lo[32] = "", mean[32] = "",
					      hi[32] = "";
		const char *cells[8];

		snprintf(nulls, sizeof(nulls), "%llu",
			 (unsigned long long)c->nulls);
		snprintf(distinct, sizeof(distinct), "%.0f",
			 mlg_hll_count(c->hll));
		/* Only what the type means: the numbers a code column
		 * such as "007" holds are not its values. */
		if (c->ndates && ty == MLG_T_DATE) {
			day_text(lo, c->dmin);
			day_text(hi, c->dmax);
		} else if (c->ndatetimes && ty == MLG_T_DATETIME) {
			mlg_iso8601(lo, (double)(c->tmin / 1000000));
			mlg_iso8601(hi, (double)(c->tmax / 1000000));
		} else if (c->num.count &&
			   (ty == MLG_T_INTEGER || ty == MLG_T_NUMBER ||
			    ty == MLG_T_YEAR)) {
			mlg_format_value(lo, c->num.min);
			mlg_format_value(mean, mlg_moments_mean(&c->num));
			mlg_format_value(hi, c->num.max);
		}
		mlg_buf_reset(&spark);
		spark_cell(&spark, c, ty);
		cells[0] = c->name;
		cells[1] = mlg_ftype_name(ty);
		cells[2] = nulls;
		cells[3] = distinct;
		cells[4] = lo;
		cells[5] = mean;
		cells[6] = hi;
		cells[7] = spark.ptr;
		mlg_table_add_row(t, cells);
	}
	mlg_buf_release(&id);
	mlg_buf_release(&spark);
}
