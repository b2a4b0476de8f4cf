/*
 * predfile.c - read a predictions file into columns (see predfile.h)
 */
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/predfile.h"
#include "mlgate/report.h"
#include "mlgate/stream.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

/* Beyond this many distinct labels a column is not a class column. */
#define MAX_CLASSES	1000
#define MAX_INT_CLASSES 20

/* Bytes of a cell, label or column name of the file that a message
 * shows: a message has room for about 1000 bytes, and the file's name
 * comes last. */
#define SHOWN 40

/* The `len` bytes at `s` as a message shows them, in `out`: SHOWN bytes
 * at most, never part of a character, and "..." when cut. Returns the
 * length of `out`, which is NUL-terminated. */
static size_t shown_n(char out[SHOWN + 4], const char *s, size_t len)
{
	size_t n = mlg_utf8_cut(s, len, SHOWN);

	memcpy(out, s, n);
	strcpy(out + n, n < len ? "..." : "");
	return n < len ? n + 3 : n;
}

/* shown_n() of a C string, for "%s". */
static const char *shown(char out[SHOWN + 4], const char *s)
{
	shown_n(out, s, strlen(s));
	return out;
}

/* Strings to dense ids, open addressing (ids + 1 in the table). */
struct intern {
	char **s;
	size_t *len;
	size_t n, a, alen;
	uint32_t *tab;
	size_t cap;
	/* Ids by first byte, last byte and length: most columns repeat a
	 * few short labels, which then skip the hash and the probe. */
	uint32_t cache[64];
};

static uint64_t hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static void intern_release(struct intern *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->len);
	free(t->tab);
	memset(t, 0, sizeof(*t));
}

static size_t slot(const char *p, size_t len)
{
	if (!len)
		return 0;
	return ((unsigned char)p[0] + 31 * (unsigned char)p[len - 1] + len) &
	       63;
}

static uint32_t intern(struct intern *t, const char *p, size_t len)
{
	size_t i, mask, c = slot(p, len);
	uint32_t id = t->cache[c];

	/* cache entries are ids + 1 */
	if (id && t->len[id - 1] == len && !memcmp(t->s[id - 1], p, len))
		return id - 1;
	if (2 * (t->n + 1) > t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 64, j;

		free(t->tab);
		t->tab = mlg_calloc(ncap, sizeof(*t->tab));
		t->cap = ncap;
		for (j = 0; j < t->n; j++) {
			i = hash(t->s[j], t->len[j]) & (ncap - 1);
			while (t->tab[i])
				i = (i + 1) & (ncap - 1);
			t->tab[i] = (uint32_t)j + 1;
		}
	}
	mask = t->cap - 1;
	for (i = hash(p, len) & mask; t->tab[i]; i = (i + 1) & mask) {
		id = t->tab[i];
		if (t->len[id - 1] == len && !memcmp(t->s[id - 1], p, len)) {
			t->cache[c] = id;
			return id - 1;
		}
	}
	t->s = mlg_grow(t->s, sizeof(*t->s), t->n + 1, &t->a);
	t->len = mlg_grow(t->len, sizeof(*t->len), t->n + 1, &t->alen);
	t->s[t->n] = mlg_strndup(p, len);
	t->len[t->n] = len;
	t->tab[i] = (uint32_t)++t->n;
	t->cache[c] = (uint32_t)t->n;
	return (uint32_t)(t->n - 1);
}

struct field {
	const char *ptr;
	size_t len;
};

/* Column roles, in the order of the `col` array. */
enum { C_LABEL, C_PRED, C_WEIGHT, C_ID, C_FIXED };

/*
 * The valid rows of one stretch of the file, in file order: one sink per
 * chunk of the CSV pipeline (filled by a worker thread), one for a whole
 * JSON Lines file. Labels and key values are interned per sink, then
 * remapped to the file's tables when the sink is merged, in file order.
 */
struct sink {
	size_t n;    /* valid rows */
	size_t ncls; /* rows with class ids in y (and pred) */
	uint64_t rows;
	int32_t *y, *pred;
	double *yv, *predv, *proba, *w;
	uint32_t **code; /* one array per key column */
	size_t ay, ap, ayv, apv, apr, aw, *akey;
	uint64_t nbad, not_one, first_not_one;
	struct mlg_predfile_bad bad[MLG_PREDFILE_LIST_BAD];
	size_t nbadlist;
	struct intern cls, *keys;
	int cls_on, num_on;
};

struct state {
	struct mlg_predfile *pf;
	const struct mlg_predfile_opts *o;
	char **names; /* header */
	size_t nnames;
	long *col; /* C_FIXED + nprobacols + nkeys header indices, -1 absent */
	size_t nprobacols;
	char **probaclass; /* class text of each probability column */
	size_t ncol;
	struct intern cls; /* labels and predictions */
	int cls_on;	   /* still interning labels */
	int num_on;	   /* every label so far is a number */
	struct intern *keys;
	size_t ay, ap, ayv, apv, apr, aw;
	size_t *akey;
};

static void sink_init(struct sink *k, const struct state *st)
{
	size_t nk = st->pf->nkeys;

	memset(k, 0, sizeof(*k));
	k->cls_on = st->cls_on;
	k->num_on = st->num_on;
	k->code = mlg_calloc(nk + 1, sizeof(*k->code));
	k->akey = mlg_calloc(nk + 1, sizeof(*k->akey));
	k->keys = mlg_calloc(nk + 1, sizeof(*k->keys));
}

static void sink_release(struct sink *k, size_t nkeys)
{
	size_t i;

	for (i = 0; i < k->nbadlist; i++) {
		free(k->bad[i].column);
		free(k->bad[i].message);
		free(k->bad[i].id);
	}
	free(k->y);
	free(k->pred);
	free(k->yv);
	free(k->predv);
	free(k->proba);
	free(k->w);
	for (i = 0; k->code && i < nkeys; i++) {
		free(k->code[i]);
		intern_release(&k->keys[i]);
	}
	free(k->code);
	free(k->akey);
	free(k->keys);
	intern_release(&k->cls);
	memset(k, 0, sizeof(*k));
}

/*
 * Plain decimals ("0.1234", "-12", "3.") with at most 15 significant
 * digits: the digits and the power of ten are exact doubles, so one
 * division rounds correctly (Clinger's fast path) and matches strtod().
 * Returns 0 when the field is not of that form.
 */
static int fast_num(double *out, const char *p, size_t len)
{
	static const double pow10[] = {1,    1e1,  1e2,	 1e3,  1e4,  1e5,
				       1e6,  1e7,  1e8,	 1e9,  1e10, 1e11,
				       1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				       1e18, 1e19, 1e20, 1e21, 1e22};
	const char *e = p + len;
	uint64_t m = 0;
	int neg = 0, digits = 0, frac = 0, dot = 0;

	/* class labels are mostly one digit */
	if (len == 1 && *p >= '0' && *p <= '9') {
		*out = *p - '0';
		return 1;
	}
	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (p == e)
		return 0;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			if (m || *p != '0')
				digits++;
			m = m * 10 + (uint64_t)(*p - '0');
			frac += dot;
			if (digits > 15 || frac > 22)
				return 0;
		} else if (*p == '.' && !dot) {
			dot = 1;
		} else {
			return 0;
		}
	}
	if (dot && len == (size_t)(1 + neg))
		return 0;
	*out = (double)m / pow10[frac];
	if (neg)
		*out = -*out;
	return 1;
}

/* 0 for a number, 1 for text strtod() reads as NaN ("nan", "-NaN",
 * "nan(1)"), -1 for anything else. */
static int num(double *out, struct field f, char *tmp, size_t ntmp)
{
	char *s = tmp;
	int rc;

	if (f.len && fast_num(out, f.ptr, f.len))
		return 0;
	if (!f.len || memchr(f.ptr, 0, f.len))
		return -1;
	/* a long text ("0.000...1", "nan(...)") is rare: off the stack */
	if (f.len >= ntmp)
		s = mlg_malloc(f.len + 1);
	memcpy(s, f.ptr, f.len);
	s[f.len] = 0;
	rc = mlg_parse_double(out, s) ? -1 : isnan(*out) ? 1 : 0;
	if (s != tmp)
		free(s);
	return rc;
}

static int bad(const struct state *st, struct sink *k, uint64_t line,
	       size_t role, struct field f, const struct field *fs,
	       const char *why)
{
	struct mlg_predfile_bad *b;
	struct mlg_buf m = MLG_BUF_INIT;
	long c = st->col[role];
	char cut[SHOWN + 4];

	k->nbad++;
	if (k->nbadlist >= MLG_PREDFILE_LIST_BAD)
		return 0;
	b = &k->bad[k->nbadlist++];
	b->line = line;
	b->column = mlg_strdup(c >= 0 ? st->names[c] : "?");
	/* the cell and the id are shown on a line of their own */
	if (!f.len) {
		b->message = mlg_strdup("empty value");
	} else {
		mlg_buf_addch(&m, '\'');
		mlg_json_add_safe(&m, cut, shown_n(cut, f.ptr, f.len));
		mlg_buf_addf(&m, "' %s", why);
		b->message = mlg_buf_detach(&m, NULL);
	}
	b->id = NULL;
	if (st->col[C_ID] >= 0) {
		mlg_json_add_safe(&m, fs[C_ID].ptr, fs[C_ID].len);
		b->id = mlg_buf_detach(&m, NULL);
	}
	return 0;
}

/* The label or the prediction (`role`) of a row: 1 with its number in
 * *v, 0 for class text, or -1 when it makes the row bad (bad() said why). */
static int label_cell(const struct state *st, struct sink *k, uint64_t line,
		      size_t role, const struct field *fs, double *v)
{
	enum mlg_task task = st->o->task;
	struct field f = fs[role];
	const char *why = NULL;
	char tmp[128];
	int rc = -1;

	if (!f.len || memchr(f.ptr, 0, f.len))
		why = "holds a NUL byte";
	else if ((rc = num(v, f, tmp, sizeof(tmp))) &&
		 (task == MLG_TASK_REGRESSION || rc > 0))
		why = "is not a number";
	/* Infinity is no regression value, and detection may find one. */
	else if (!rc && isinf(*v) &&
		 (task == MLG_TASK_REGRESSION || task == MLG_TASK_AUTO))
		why = "is not finite";
	if (why) {
		bad(st, k, line, role, f, fs, why);
		return -1;
	}
	return !rc;
}

/* One data row into `k`: `fs` holds the value of each entry of st->col.
 * Only reads `st`, so workers share it. */
static int row(const struct state *st, struct sink *k, const struct field *fs,
	       uint64_t line)
{
	enum mlg_task task = st->o->task;
	double yv = 0, pv = 0, w = 1, *p = NULL, sum = 0;
	char tmp[128];
	size_t i, n = k->n, np = st->nprobacols;
	int ynum, pnum = 0;

	k->rows++;
	if ((ynum = label_cell(st, k, line, C_LABEL, fs, &yv)) < 0 ||
	    (st->col[C_PRED] >= 0 &&
	     (pnum = label_cell(st, k, line, C_PRED, fs, &pv)) < 0))
		return 0;
	/* Parsed in place; a bad row leaves k->n as it was. */
	if (np) {
		k->proba = mlg_grow(k->proba, sizeof(*k->proba), (n + 1) * np,
				    &k->apr);
		p = k->proba + n * np;
	}
	for (i = 0; i < np; i++) {
		struct field f = fs[C_FIXED + i];

		if (num(&p[i], f, tmp, sizeof(tmp)))
			return bad(st, k, line, C_FIXED + i, f, fs,
				   "is not a probability");
		if (p[i] < 0 || p[i] > 1)
			return bad(st, k, line, C_FIXED + i, f, fs,
				   "is outside [0, 1]");
	}
	if (st->col[C_WEIGHT] >= 0) {
		if (num(&w, fs[C_WEIGHT], tmp, sizeof(tmp)) || isinf(w))
			return bad(st, k, line, C_WEIGHT, fs[C_WEIGHT], fs,
				   "is not a number");
		if (w < 0)
			return bad(st, k, line, C_WEIGHT, fs[C_WEIGHT], fs,
				   "is negative");
		if (w > MLG_PREDFILE_WEIGHT_MAX)
			return bad(st, k, line, C_WEIGHT, fs[C_WEIGHT], fs,
				   "is above 1e100, the largest weight");
	}

	/* slice names and selectors are C strings */
	for (i = 0; i < st->pf->nkeys; i++) {
		struct field f = fs[C_FIXED + np + i];

		if (memchr(f.ptr, 0, f.len))
			return bad(st, k, line, C_FIXED + np + i, f, fs,
				   "holds a NUL byte");
	}

	/* The row is valid: store it. */
	if (k->cls_on) {
		k->y = mlg_grow(k->y, sizeof(*k->y), n + 1, &k->ay);
		k->y[n] = (int32_t)intern(&k->cls, fs[C_LABEL].ptr,
					  fs[C_LABEL].len);
		if (st->col[C_PRED] >= 0) {
			k->pred = mlg_grow(k->pred, sizeof(*k->pred), n + 1,
					   &k->ap);
			k->pred[n] = (int32_t)intern(&k->cls, fs[C_PRED].ptr,
						     fs[C_PRED].len);
		}
		k->ncls = n + 1;
		/* The file has at least as many: merge() decides. */
		if (k->cls.n > MAX_CLASSES && task == MLG_TASK_AUTO)
			k->cls_on = 0;
	}
	if (k->num_on && (!ynum || (st->col[C_PRED] >= 0 && !pnum)))
		k->num_on = 0;
	if (k->num_on) {
		k->yv = mlg_grow(k->yv, sizeof(*k->yv), n + 1, &k->ayv);
		k->yv[n] = yv;
		if (st->col[C_PRED] >= 0) {
			k->predv = mlg_grow(k->predv, sizeof(*k->predv), n + 1,
					    &k->apv);
			k->predv[n] = pv;
		}
	}
	if (np > 1) {
		for (i = 0; i < np; i++)
			sum += p[i];
		if (fabs(sum - 1) > 1e-6 && !k->not_one++)
			k->first_not_one = line;
	}
	if (st->col[C_WEIGHT] >= 0) {
		k->w = mlg_grow(k->w, sizeof(*k->w), n + 1, &k->aw);
		k->w[n] = w;
	}
	for (i = 0; i < st->pf->nkeys; i++) {
		struct field f = fs[C_FIXED + np + i];

		k->code[i] = mlg_grow(k->code[i], sizeof(*k->code[i]), n + 1,
				      &k->akey[i]);
		k->code[i][n] = intern(&k->keys[i], f.ptr, f.len);
	}
	k->n = n + 1;
	return 0;
}

static void stop_classes(struct state *st)
{
	struct mlg_predfile *pf = st->pf;

	st->cls_on = 0;
	free(pf->y);
	free(pf->pred);
	pf->y = pf->pred = NULL;
}

/*
 * Append the rows of `k` (the next stretch of the file) to the file's
 * columns, remapping its class and key ids; it keeps the bad rows the
 * list still has room for. Class interning stops exactly where a single
 * pass would stop it: past MAX_CLASSES, with the rows replayed in order
 * when this sink may cross the limit.
 */
static void merge(struct state *st, struct sink *k)
{
	struct mlg_predfile *pf = st->pf;
	size_t i, j, n0 = pf->n, n = k->n, np = st->nprobacols;
	uint32_t *map = NULL;
	int haspred = st->col[C_PRED] >= 0;

	pf->rows += k->rows;
	pf->nbad += k->nbad;
	for (i = 0; i < k->nbadlist; i++) {
		if (pf->nbadlist < MLG_PREDFILE_LIST_BAD) {
			pf->bad[pf->nbadlist++] = k->bad[i];
			continue;
		}
		free(k->bad[i].column);
		free(k->bad[i].message);
		free(k->bad[i].id);
	}
	k->nbadlist = 0;
	if (k->not_one && !pf->not_one)
		pf->first_not_one = k->first_not_one;
	pf->not_one += k->not_one;
	if (!n)
		return;

	if (st->cls_on) {
		int replay = st->o->task == MLG_TASK_AUTO &&
			     st->cls.n + k->cls.n > MAX_CLASSES;

		map = mlg_malloc((k->cls.n + 1) * sizeof(*map));
		pf->y = mlg_grow(pf->y, sizeof(*pf->y), n0 + n, &st->ay);
		if (haspred)
			pf->pred = mlg_grow(pf->pred, sizeof(*pf->pred), n0 + n,
					    &st->ap);
		if (!replay)
			for (j = 0; j < k->cls.n; j++)
				map[j] = intern(&st->cls, k->cls.s[j],
						k->cls.len[j]);
		else
			memset(map, 0xff, (k->cls.n + 1) * sizeof(*map));
		for (i = 0; i < k->ncls && st->cls_on; i++) {
			size_t a = (size_t)k->y[i];

			if (map[a] == UINT32_MAX)
				map[a] = intern(&st->cls, k->cls.s[a],
						k->cls.len[a]);
			pf->y[n0 + i] = (int32_t)map[a];
			if (haspred) {
				a = (size_t)k->pred[i];
				if (map[a] == UINT32_MAX)
					map[a] = intern(&st->cls, k->cls.s[a],
							k->cls.len[a]);
				pf->pred[n0 + i] = (int32_t)map[a];
			}
			if (replay && st->cls.n > MAX_CLASSES)
				stop_classes(st);
		}
		if (st->cls_on && k->ncls < n)
			stop_classes(st); /* unreachable: k stopped first */
		free(map);
	}
	if (st->num_on && !k->num_on) {
		st->num_on = 0;
		free(pf->yv);
		free(pf->predv);
		pf->yv = pf->predv = NULL;
	}
	if (st->num_on) {
		pf->yv = mlg_grow(pf->yv, sizeof(*pf->yv), n0 + n, &st->ayv);
		memcpy(pf->yv + n0, k->yv, n * sizeof(*pf->yv));
		if (haspred) {
			pf->predv = mlg_grow(pf->predv, sizeof(*pf->predv),
					     n0 + n, &st->apv);
			memcpy(pf->predv + n0, k->predv,
			       n * sizeof(*pf->predv));
		}
	}
	if (np) {
		pf->proba = mlg_grow(pf->proba, sizeof(*pf->proba),
				     (n0 + n) * np, &st->apr);
		memcpy(pf->proba + n0 * np, k->proba,
		       n * np * sizeof(*pf->proba));
	}
	if (k->w) {
		pf->w = mlg_grow(pf->w, sizeof(*pf->w), n0 + n, &st->aw);
		memcpy(pf->w + n0, k->w, n * sizeof(*pf->w));
	}
	for (j = 0; j < pf->nkeys; j++) {
		struct mlg_predfile_key *key = &pf->keys[j];
		struct intern *t = &k->keys[j];

		/* local ids are in order of first appearance, so are the
		 * values they add to the file's table */
		map = mlg_malloc((t->n + 1) * sizeof(*map));
		for (i = 0; i < t->n; i++)
			map[i] = intern(&st->keys[j], t->s[i], t->len[i]);
		key->code = mlg_grow(key->code, sizeof(*key->code), n0 + n,
				     &st->akey[j]);
		for (i = 0; i < n; i++)
			key->code[n0 + i] = map[k->code[j][i]];
		free(map);
	}
	pf->n = n0 + n;
}

static long find(const struct state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nnames; i++)
		if (!strcmp(st->names[i], name))
			return (long)i;
	return -1;
}

static int need(struct state *st, size_t role, const char *name,
		const char *src)
{
	if (!name) {
		st->col[role] = -1;
		return 0;
	}
	st->col[role] = find(st, name);
	if (st->col[role] < 0)
		return mlg_error_set(MLG_EINVALID, "no column '%s' in '%s'",
				     name, src);
	return 0;
}

/* The text the '*' of a "prefix*suffix" glob matched, else the name. */
static char *class_of(const char *glob, const char *name)
{
	const char *star = strchr(glob, '*');
	size_t pre, suf, n = strlen(name);

	if (!star || strchr(star + 1, '*') || strpbrk(glob, "?["))
		return mlg_strdup(name);
	pre = (size_t)(star - glob);
	suf = strlen(star + 1);
	if (pre + suf > n)
		return mlg_strdup(name);
	return mlg_strndup(name + pre, n - pre - suf);
}

static int columns(struct state *st, const char *src)
{
	const struct mlg_predfile_opts *o = st->o;
	size_t i, k;
	char tmp[128], *cls, a[SHOWN + 4], b[SHOWN + 4];
	double x;
	int rc;

	if (!o->label)
		return mlg_error_set(MLG_EINVALID, "no label column given");
	if (!o->pred && !o->proba)
		return mlg_error_set(MLG_EINVALID,
				     "no prediction: give a predicted column "
				     "or a probability glob");
	for (i = 0; i < st->nnames; i++)
		if (o->proba && !fnmatch(o->proba, st->names[i], 0))
			st->nprobacols++;
	if (o->proba && !st->nprobacols)
		return mlg_error_set(MLG_EINVALID,
				     "no column matches '%s' in '%s'", o->proba,
				     src);
	st->ncol = C_FIXED + st->nprobacols + o->nslices;
	st->col = mlg_calloc(st->ncol, sizeof(*st->col));
	st->probaclass = mlg_calloc(st->nprobacols + 1, sizeof(char *));
	if ((rc = need(st, C_LABEL, o->label, src)) ||
	    (rc = need(st, C_PRED, o->pred, src)) ||
	    (rc = need(st, C_WEIGHT, o->weight, src)) ||
	    (rc = need(st, C_ID, o->id, src)))
		return rc;
	for (i = 0, k = 0; i < st->nnames && o->proba; i++)
		if (!fnmatch(o->proba, st->names[i], 0)) {
			if ((long)i == st->col[C_LABEL] ||
			    (long)i == st->col[C_PRED])
				return mlg_error_set(
					MLG_EINVALID,
					"probability glob '%s' matches the "
					"label or predicted column '%s' in "
					"'%s'",
					o->proba, st->names[i], src);
			st->col[C_FIXED + k] = (long)i;
			cls = st->probaclass[k] =
				class_of(o->proba, st->names[i]);
			/* a NaN label makes its row bad (label_cell()) */
			if (st->nprobacols > 1 &&
			    num(&x, (struct field){cls, strlen(cls)}, tmp,
				sizeof(tmp)) > 0)
				return mlg_json_error_set(
					MLG_EINVALID,
					"probability column '%s' is for "
					"class '%s', which no label can be, "
					"in '%s'",
					shown(a, st->names[i]), shown(b, cls),
					src);
			k++;
		}
	for (i = 0; i < o->nslices; i++)
		if ((rc = need(st, C_FIXED + st->nprobacols + i, o->slices[i],
			       src)))
			return rc;
	return 0;
}

static ssize_t rd(void *ctx, void *buf, size_t n)
{
	return mlg_stream_read(ctx, buf, n);
}

/* A JSON value as text, into `b` (strings as they are, null empty). */
static struct field jfield(struct mlg_buf *b, json_t *v)
{
	struct field f = {"", 0};

	mlg_buf_reset(b);
	if (json_is_string(v)) {
		f.ptr = json_string_value(v);
		f.len = json_string_length(v);
		return f;
	}
	if (json_is_integer(v))
		mlg_buf_addf(b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		mlg_buf_addf(b, "%.17g", json_real_value(v));
	else if (json_is_true(v))
		mlg_buf_adds(b, "true");
	else if (json_is_false(v))
		mlg_buf_adds(b, "false");
	else if (v && !json_is_null(v))
		mlg_buf_adds(b, "(object)");
	f.ptr = b->ptr;
	f.len = b->len;
	return f;
}

static void csv_fields(struct field *fs, const struct state *st,
		       const struct mlg_csv_record *rec)
{
	size_t i;

	for (i = 0; i < st->ncol; i++) {
		long c = st->col[i];

		if (c >= 0 && (size_t)c < rec->nfields) {
			fs[i].ptr = rec->fields[c].ptr;
			fs[i].len = rec->fields[c].len;
		} else {
			fs[i].ptr = "";
			fs[i].len = 0;
		}
	}
}

/*
 * The CSV pipeline: the reading thread cuts the stream into chunks of
 * whole records (mlg_csv_reader_next_chunk), workers parse them into
 * sinks, and the reading thread merges the sinks in file order, so the
 * result is the one of a single pass.
 */
struct job {
	char *buf;
	size_t len, alloc;
	struct mlg_csv_pos pos;
	struct sink out;
	int rc; /* MLG_EDATA: unterminated quote at error_line */
	uint64_t error_line;
	int done;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *ring;
	size_t cap;
	uint64_t queued, taken;
	int stop;
	const struct state *st;
	const struct mlg_csv_dialect *d;
};

static void run_job(struct pipe *pl, struct job *j, struct field *fs)
{
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	int rc;

	mlg_csv_chunk_init(&it, pl->d, j->buf, j->len, &j->pos);
	while ((rc = mlg_csv_chunk_next(&it, &rec)) == 1) {
		if (rec.blank)
			continue;
		csv_fields(fs, pl->st, &rec);
		row(pl->st, &j->out, fs, rec.line);
	}
	j->rc = rc < 0 ? rc : 0;
	j->error_line = it.error_line;
	mlg_csv_chunk_release(&it);
}

static void *worker(void *arg)
{
	struct pipe *pl = arg;
	struct field *fs = mlg_calloc(pl->st->ncol + 1, sizeof(*fs));
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&pl->mu);
		while (pl->taken == pl->queued && !pl->stop)
			pthread_cond_wait(&pl->work, &pl->mu);
		if (pl->taken == pl->queued) {
			pthread_mutex_unlock(&pl->mu);
			break;
		}
		j = &pl->ring[pl->taken++ % pl->cap];
		pthread_mutex_unlock(&pl->mu);
		run_job(pl, j, fs);
		pthread_mutex_lock(&pl->mu);
		j->done = 1;
		pthread_cond_broadcast(&pl->done);
		pthread_mutex_unlock(&pl->mu);
	}
	free(fs);
	return NULL;
}

static void wait_job(struct pipe *pl, struct job *j)
{
	pthread_mutex_lock(&pl->mu);
	while (!j->done)
		pthread_cond_wait(&pl->done, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
}

/* Wait for job `j` and merge it; 0 or its MLG_EDATA. */
static int finish(struct pipe *pl, struct state *st, struct job *j,
		  const char *src)
{
	int rc;

	wait_job(pl, j);
	merge(st, &j->out);
	sink_release(&j->out, st->pf->nkeys);
	if (!(rc = j->rc))
		return 0;
	/* the worker's message is its thread's: say it again here */
	if (rc == MLG_EDATA)
		mlg_error_set(MLG_EDATA,
			      "unterminated quoted field starting at line %llu",
			      (unsigned long long)j->error_line);
	else
		mlg_error_set(rc, "cannot parse line %llu",
			      (unsigned long long)j->pos.line);
	mlg_error_prefix("'%s'", src);
	return rc;
}

/* The data records after the header, in parallel. */
static int read_chunks(struct state *st, struct mlg_csv_reader *r,
		       const struct mlg_csv_dialect *d, const char *src)
{
	struct pipe pl;
	pthread_t *tids;
	size_t i, nt = mlg_ncpu(16), started = 0;
	uint64_t merged = 0;
	const char *ptr;
	size_t len;
	struct mlg_csv_pos at;
	int rc = 0, rrc;

	memset(&pl, 0, sizeof(pl));
	pl.st = st;
	pl.d = d;
	pl.cap = 2 * nt + 2;
	pl.ring = mlg_calloc(pl.cap, sizeof(*pl.ring));
	tids = mlg_calloc(nt, sizeof(*tids));
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.work, NULL);
	pthread_cond_init(&pl.done, NULL);
	for (i = 0; i < nt; i++)
		if (!pthread_create(&tids[started], NULL, worker, &pl))
			started++;
	while ((rrc = mlg_csv_reader_next_chunk(r, &ptr, &len, &at)) == 1) {
		struct job *j;

		if (!started) {
			/* no thread could start: parse here */
			struct job one = {0};
			struct field *fs =
				mlg_calloc(st->ncol + 1, sizeof(*fs));

			one.buf = (char *)ptr;
			one.len = len;
			one.pos = at;
			sink_init(&one.out, st);
			run_job(&pl, &one, fs);
			free(fs);
			one.done = 1;
			if ((rc = finish(&pl, st, &one, src)))
				break;
			continue;
		}
		if (pl.queued - merged == pl.cap) {
			rc = finish(&pl, st, &pl.ring[merged++ % pl.cap], src);
			if (rc)
				break;
		}
		j = &pl.ring[pl.queued % pl.cap];
		j->buf = mlg_grow(j->buf, 1, len + 1, &j->alloc);
		memcpy(j->buf, ptr, len);
		j->len = len;
		j->pos = at;
		j->done = 0;
		j->rc = 0;
		sink_init(&j->out, st);
		pthread_mutex_lock(&pl.mu);
		pl.queued++;
		pthread_cond_signal(&pl.work);
		pthread_mutex_unlock(&pl.mu);
	}
	/* Earlier chunks come first: an unterminated quote in them is
	 * the error a single pass would have met. */
	while (merged < pl.queued) {
		struct job *j = &pl.ring[merged++ % pl.cap];

		if (rc) {
			wait_job(&pl, j);
			sink_release(&j->out, st->pf->nkeys);
			continue;
		}
		rc = finish(&pl, st, j, src);
	}
	if (!rc && rrc < 0) {
		rc = rrc;
		if (rc == MLG_EDATA)
			mlg_error_prefix("'%s'", src);
	}
	pthread_mutex_lock(&pl.mu);
	pl.stop = 1;
	pthread_cond_broadcast(&pl.work);
	pthread_mutex_unlock(&pl.mu);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < pl.cap; i++)
		free(pl.ring[i].buf);
	free(pl.ring);
	free(tids);
	pthread_mutex_destroy(&pl.mu);
	pthread_cond_destroy(&pl.work);
	pthread_cond_destroy(&pl.done);
	return rc;
}

static int read_rows(struct state *st, struct mlg_stream *s, const char *src)
{
	const struct mlg_predfile_opts *o = st->o;
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	struct field *fs = NULL;
	struct mlg_buf *jb = NULL;
	struct sink one;
	size_t i, nj = 0;
	int rc, header = 1;

	memset(&one, 0, sizeof(one));
	if (o->jsonl) {
		d.delimiter = 0x1f;
		d.quote = 0;
		d.double_quote = 0;
	} else if (o->delimiter) {
		d.delimiter = o->delimiter;
	}
	if ((rc = mlg_csv_reader_init(&r, &d, rd, s, 0)))
		goto done;
	mlg_csv_reader_set_chunk(&r, o->chunk_size);
	while ((rc = mlg_csv_reader_next(&r, &rec)) == 1) {
		json_t *obj = NULL;

		if (rec.blank)
			continue;
		if (o->jsonl) {
			json_error_t e;

			obj = json_loadb(rec.fields[0].ptr, rec.fields[0].len,
					 JSON_REJECT_DUPLICATES, &e);
			if (!json_is_object(obj)) {
				json_decref(obj);
				/* jansson quotes the bytes it stopped at */
				rc = mlg_json_error_set(
					MLG_EDATA, "'%s': line %llu: %s", src,
					(unsigned long long)rec.line,
					obj ? "not a JSON object" : e.text);
				goto done;
			}
		}
		if (header) {
			header = 0;
			if (o->jsonl) {
				const char *key;
				json_t *v;

				json_object_foreach (obj, key, v) {
					st->names = mlg_grow(
						st->names, sizeof(char *),
						st->nnames + 1, &nj);
					st->names[st->nnames++] =
						mlg_strdup(key);
				}
			} else {
				st->nnames = rec.nfields;
				st->names =
					mlg_calloc(rec.nfields, sizeof(char *));
				for (i = 0; i < rec.nfields; i++)
					st->names[i] =
						mlg_strndup(rec.fields[i].ptr,
							    rec.fields[i].len);
			}
			if ((rc = columns(st, src))) {
				json_decref(obj);
				goto done;
			}
			if (!o->jsonl) {
				rc = read_chunks(st, &r, &d, src);
				goto done;
			}
			fs = mlg_calloc(st->ncol, sizeof(*fs));
			jb = mlg_calloc(st->ncol, sizeof(*jb));
			for (i = 0; i < st->ncol; i++)
				mlg_buf_init(&jb[i], 0);
			sink_init(&one, st);
		}
		for (i = 0; i < st->ncol; i++) {
			long c = st->col[i];

			fs[i].ptr = "";
			fs[i].len = 0;
			if (c >= 0)
				fs[i] = jfield(
					&jb[i],
					json_object_get(obj, st->names[c]));
		}
		row(st, &one, fs, rec.line);
		json_decref(obj);
	}
	if (rc < 0) {
		if (rc == MLG_EDATA)
			mlg_error_prefix("'%s'", src);
		goto done;
	}
	rc = 0;
	if (header)
		rc = mlg_error_set(MLG_EINVALID, "'%s' is empty: no header",
				   src);
	else
		merge(st, &one);
done:
	sink_release(&one, st->pf->nkeys);
	mlg_csv_reader_release(&r);
	for (i = 0; jb && i < st->ncol; i++)
		mlg_buf_release(&jb[i]);
	free(jb);
	free(fs);
	return rc;
}

static int all_numeric(char **s, size_t n, int *integers)
{
	size_t i;
	double v;

	*integers = 1;
	for (i = 0; i < n; i++) {
		if (mlg_parse_double(&v, s[i]) || isnan(v))
			return 0;
		if (v != floor(v) || isinf(v))
			*integers = 0;
	}
	return 1;
}

static int numeric_sorted;

static int cmp_class(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	if (numeric_sorted) {
		double u = strtod(x, NULL), v = strtod(y, NULL);

		if (u != v)
			return u < v ? -1 : 1;
	}
	return strcmp(x, y);
}

static enum mlg_task detect(struct state *st)
{
	int ints, nums;

	if (st->nprobacols > 2)
		return MLG_TASK_MULTICLASS;
	if (st->nprobacols)
		return MLG_TASK_BINARY;
	if (!st->cls_on)
		return MLG_TASK_REGRESSION;
	nums = all_numeric(st->cls.s, st->cls.n, &ints);
	if (!nums)
		return st->cls.n <= 2 ? MLG_TASK_BINARY : MLG_TASK_MULTICLASS;
	if (!ints)
		return MLG_TASK_REGRESSION;
	if (st->cls.n <= 2) {
		size_t i;

		for (i = 0; i < st->cls.n; i++)
			if (strcmp(st->cls.s[i], "0") &&
			    strcmp(st->cls.s[i], "1"))
				break;
		if (i == st->cls.n)
			return MLG_TASK_BINARY;
	}
	return st->cls.n <= MAX_INT_CLASSES ? MLG_TASK_MULTICLASS
					    : MLG_TASK_REGRESSION;
}

/* Sort the classes, remap ids, put probabilities in class order. */
static int classes(struct state *st, const char *src)
{
	struct mlg_predfile *pf = st->pf;
	size_t k, i, c, np = st->nprobacols;
	char a[SHOWN + 4];
	uint32_t *map = NULL;
	long *pcol = NULL;
	double *pr = NULL;
	int ints, rc = 0, only01 = st->cls.n > 0;

	if (np >= 2)
		for (i = 0; i < np; i++)
			intern(&st->cls, st->probaclass[i],
			       strlen(st->probaclass[i]));
	for (i = 0; i < st->cls.n; i++)
		if (strcmp(st->cls.s[i], "0") && strcmp(st->cls.s[i], "1"))
			only01 = 0;
	if (only01 && pf->task == MLG_TASK_BINARY) {
		intern(&st->cls, "0", 1);
		intern(&st->cls, "1", 1);
	}
	k = st->cls.n;
	pf->classes = mlg_malloc((k + 1) * sizeof(char *));
	if (k)
		memcpy(pf->classes, st->cls.s, k * sizeof(char *));
	numeric_sorted = all_numeric(pf->classes, k, &ints);
	qsort(pf->classes, k, sizeof(char *), cmp_class);
	map = mlg_malloc((k + 1) * sizeof(*map));
	for (i = 0; i < k; i++)
		map[intern(&st->cls, pf->classes[i], strlen(pf->classes[i]))] =
			(uint32_t)i;
	/* The intern table owns the strings; classes gets copies. */
	for (i = 0; i < k; i++)
		pf->classes[i] = mlg_strdup(pf->classes[i]);
	pf->nclasses = k;
	if (pf->task == MLG_TASK_BINARY && k > 2) {
		rc = mlg_error_set(MLG_EINVALID,
				   "a binary task has %zu classes in '%s'", k,
				   src);
		goto done;
	}
	/* P(greater label) of one label: no class 1 to predict */
	if (np == 1 && k == 1) {
		rc = mlg_json_error_set(MLG_EINVALID,
					"one probability column needs two "
					"labels, only '%s' is in '%s'",
					shown(a, pf->classes[0]), src);
		goto done;
	}
	if (np == 1 && pf->task == MLG_TASK_MULTICLASS) {
		rc = mlg_error_set(MLG_EINVALID,
				   "a multiclass task needs a probability "
				   "column per class, not one, in '%s'",
				   src);
		goto done;
	}
	for (i = 0; i < pf->n; i++) {
		pf->y[i] = (int32_t)map[pf->y[i]];
		if (pf->pred)
			pf->pred[i] = (int32_t)map[pf->pred[i]];
	}
	pf->nproba = np;
	if (np < 2)
		goto done;
	pcol = mlg_malloc(k * sizeof(*pcol));
	for (c = 0; c < k; c++) {
		pcol[c] = -1;
		for (i = 0; i < np; i++)
			if (!strcmp(st->probaclass[i], pf->classes[c]))
				pcol[c] = (long)i;
		if (pcol[c] < 0) {
			rc = mlg_json_error_set(MLG_EINVALID,
						"label '%s' has no probability "
						"column in '%s'",
						shown(a, pf->classes[c]), src);
			goto done;
		}
	}
	if (np != k) {
		rc = mlg_error_set(MLG_EINVALID,
				   "%zu probability columns for %zu classes "
				   "in '%s'",
				   np, k, src);
		goto done;
	}
	pr = mlg_malloc((pf->n * k + 1) * sizeof(*pr));
	for (i = 0; i < pf->n; i++)
		for (c = 0; c < k; c++)
			pr[i * k + c] = pf->proba[i * np + (size_t)pcol[c]];
	free(pf->proba);
	pf->proba = pr;
done:
	free(pcol);
	free(map);
	return rc;
}

static void state_release(struct state *st)
{
	size_t i;

	for (i = 0; i < st->nnames; i++)
		free(st->names[i]);
	free(st->names);
	for (i = 0; st->probaclass && i < st->nprobacols; i++)
		free(st->probaclass[i]);
	free(st->probaclass);
	free(st->col);
	intern_release(&st->cls);
	for (i = 0; st->keys && i < st->pf->nkeys; i++)
		intern_release(&st->keys[i]);
	free(st->keys);
	free(st->akey);
}

int mlg_predfile_read(struct mlg_predfile *out, const char *src,
		      const struct mlg_predfile_opts *opts)
{
	struct state st;
	struct mlg_stream *s = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.pf = out;
	st.o = opts;
	st.cls_on = opts->task != MLG_TASK_REGRESSION;
	st.num_on = opts->task == MLG_TASK_AUTO ||
		    opts->task == MLG_TASK_REGRESSION;
	out->nkeys = opts->nslices;
	out->keys = mlg_calloc(opts->nslices + 1, sizeof(*out->keys));
	st.keys = mlg_calloc(opts->nslices + 1, sizeof(*st.keys));
	st.akey = mlg_calloc(opts->nslices + 1, sizeof(*st.akey));
	for (i = 0; i < opts->nslices; i++)
		out->keys[i].name = mlg_strdup(opts->slices[i]);
	if ((rc = mlg_stream_open(&s, src, NULL)))
		goto done;
	if ((rc = read_rows(&st, s, src)))
		goto done;
	out->task = opts->task ? opts->task : detect(&st);
	if (out->task == MLG_TASK_REGRESSION) {
		if (!st.num_on) {
			rc = mlg_error_set(MLG_EINVALID,
					   "regression needs numeric labels "
					   "and predictions in '%s'",
					   src);
			goto done;
		}
		if (!opts->pred) {
			rc = mlg_error_set(MLG_EINVALID,
					   "regression needs a predicted "
					   "column");
			goto done;
		}
		free(out->y);
		free(out->pred);
		out->y = out->pred = NULL;
		free(out->proba);
		out->proba = NULL;
	} else {
		free(out->yv);
		free(out->predv);
		out->yv = out->predv = NULL;
		if ((rc = classes(&st, src)))
			goto done;
	}
	for (i = 0; i < out->nkeys; i++) {
		struct mlg_predfile_key *k = &out->keys[i];

		k->values = st.keys[i].s;
		k->nvalues = st.keys[i].n;
		k->avalues = st.keys[i].a;
		st.keys[i].s = NULL;
		st.keys[i].n = 0;
	}
done:
	mlg_stream_close(s);
	state_release(&st);
	return rc;
}

void mlg_predfile_release(struct mlg_predfile *pf)
{
	size_t i, j;

	for (i = 0; i < pf->nclasses; i++)
		free(pf->classes[i]);
	free(pf->classes);
	for (i = 0; i < pf->nkeys; i++) {
		for (j = 0; j < pf->keys[i].nvalues; j++)
			free(pf->keys[i].values[j]);
		free(pf->keys[i].values);
		free(pf->keys[i].code);
		free(pf->keys[i].name);
	}
	free(pf->keys);
	for (i = 0; i < pf->nbadlist; i++) {
		free(pf->bad[i].column);
		free(pf->bad[i].message);
		free(pf->bad[i].id);
	}
	free(pf->y);
	free(pf->pred);
	free(pf->yv);
	free(pf->predv);
	free(pf->proba);
	free(pf->w);
	free(pf->gy);
	free(pf->gp);
	free(pf->gv);
	free(pf->gpv);
	free(pf->gproba);
	free(pf->gw);
	free(pf->scratch);
	memset(pf, 0, sizeof(*pf));
}

/* Composite slice codes to dense group ids. */
struct gmap {
	uint64_t *key;
	uint32_t *id;
	size_t cap, n;
};

static uint32_t group_of(struct gmap *g, uint64_t key)
{
	size_t i, mask;

	if (2 * (g->n + 1) > g->cap) {
		struct gmap old = *g;
		size_t j;

		g->cap = old.cap ? 2 * old.cap : 64;
		g->key = mlg_malloc(g->cap * sizeof(*g->key));
		g->id = mlg_malloc(g->cap * sizeof(*g->id));
		memset(g->id, 0xff, g->cap * sizeof(*g->id));
		g->n = 0;
		for (j = 0; j < old.cap; j++)
			if (old.id[j] != UINT32_MAX) {
				mask = g->cap - 1;
				i = (old.key[j] * 0x9E3779B97F4A7C15ULL) >> 7;
				for (i &= mask; g->id[i] != UINT32_MAX;
				     i = (i + 1) & mask)
					;
				g->key[i] = old.key[j];
				g->id[i] = old.id[j];
				g->n++;
			}
		free(old.key);
		free(old.id);
	}
	mask = g->cap - 1;
	i = ((key * 0x9E3779B97F4A7C15ULL) >> 7) & mask;
	for (; g->id[i] != UINT32_MAX; i = (i + 1) & mask)
		if (g->key[i] == key)
			return g->id[i];
	g->key[i] = key;
	g->id[i] = (uint32_t)g->n++;
	return g->id[i];
}

static int cmp_slice(const void *a, const void *b)
{
	return strcmp(((const struct mlg_slice *)a)->name,
		      ((const struct mlg_slice *)b)->name);
}

int mlg_predfile_slices(struct mlg_slice **out, size_t *nout,
			const struct mlg_predfile *pf, const size_t *cols,
			size_t ncols)
{
	struct gmap g = {0};
	uint32_t *gid;
	uint64_t *first, span = 1;
	size_t i, j, ng, *fill;
	struct mlg_slice *s;

	*out = NULL;
	*nout = 0;
	/* A row's key is its tuple of codes in mixed radix, so distinct
	 * tuples have distinct keys as long as the product fits. */
	for (j = 0; j < ncols; j++) {
		uint64_t base = (uint64_t)pf->keys[cols[j]].nvalues + 1;

		if (span > (UINT64_C(1) << 63) / base)
			return mlg_error_set(MLG_ELIMIT,
					     "too many combinations of slice "
					     "columns");
		span *= base;
	}
	gid = mlg_malloc((pf->n + 1) * sizeof(*gid));
	for (i = 0; i < pf->n; i++) {
		uint64_t key = 0;

		for (j = 0; j < ncols; j++)
			key = key * ((uint64_t)pf->keys[cols[j]].nvalues + 1) +
			      pf->keys[cols[j]].code[i];
		gid[i] = group_of(&g, key);
	}
	ng = g.n;
	s = mlg_calloc(ng + 1, sizeof(*s));
	first = mlg_malloc((ng + 1) * sizeof(*first));
	fill = mlg_calloc(ng + 1, sizeof(*fill));
	for (i = pf->n; i-- > 0;)
		first[gid[i]] = i;
	for (i = 0; i < pf->n; i++)
		s[gid[i]].n++;
	for (i = 0; i < ng; i++) {
		struct mlg_buf name = MLG_BUF_INIT;

		s[i].rows = mlg_malloc(s[i].n * sizeof(uint32_t));
		for (j = 0; j < ncols; j++) {
			const struct mlg_predfile_key *k = &pf->keys[cols[j]];

			mlg_buf_addf(&name, "%s%s=%s", j ? "," : "", k->name,
				     k->values[k->code[first[i]]]);
		}
		s[i].name = mlg_buf_detach(&name, NULL);
	}
	for (i = 0; i < pf->n; i++)
		s[gid[i]].rows[fill[gid[i]]++] = (uint32_t)i;
	qsort(s, ng, sizeof(*s), cmp_slice);
	free(fill);
	free(first);
	free(gid);
	free(g.key);
	free(g.id);
	*out = s;
	*nout = ng;
	return 0;
}

void mlg_predfile_slices_free(struct mlg_slice *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++) {
		free(s[i].name);
		free(s[i].rows);
	}
	free(s);
}

int mlg_predfile_metrics(struct mlg_metrics *out, double *cm,
			 struct mlg_predfile *pf, const uint32_t *rows,
			 size_t nrows, const struct mlg_metric_opts *opts)
{
	size_t i, c, k = pf->nproba, n = rows ? nrows : pf->n;
	struct mlg_cls_data d = {0};

	if (!pf->scratch)
		pf->scratch = mlg_metrics_scratch(pf->n);
	if (pf->task == MLG_TASK_REGRESSION) {
		const double *y = pf->yv, *p = pf->predv, *w = pf->w;

		if (rows) {
			if (!pf->gv) {
				pf->gv = mlg_malloc((pf->n + 1) *
						    sizeof(double));
				pf->gpv = mlg_malloc((pf->n + 1) *
						     sizeof(double));
			}
			if (pf->w && !pf->gw)
				pf->gw = mlg_malloc((pf->n + 1) *
						    sizeof(double));
			for (i = 0; i < n; i++) {
				pf->gv[i] = pf->yv[rows[i]];
				pf->gpv[i] = pf->predv[rows[i]];
				if (pf->w)
					pf->gw[i] = pf->w[rows[i]];
			}
			y = pf->gv;
			p = pf->gpv;
			w = pf->w ? pf->gw : NULL;
		}
		mlg_metrics_regression(out, y, p, w, n, pf->scratch);
		return 0;
	}
	d.n = n;
	d.nclasses = pf->nclasses;
	d.nproba = k;
	d.binary = pf->task == MLG_TASK_BINARY;
	d.y = pf->y;
	d.pred = pf->pred;
	d.proba = pf->proba;
	d.w = pf->w;
	if (rows) {
		if (!pf->gy) {
			pf->gy = mlg_malloc((pf->n + 1) * sizeof(int32_t));
			pf->gp = mlg_malloc((pf->n + 1) * sizeof(int32_t));
			pf->gproba =
				mlg_malloc((pf->n * k + 1) * sizeof(double));
			pf->gw = mlg_malloc((pf->n + 1) * sizeof(double));
		}
		for (i = 0; i < n; i++) {
			size_t r = rows[i];

			pf->gy[i] = pf->y[r];
			if (pf->pred)
				pf->gp[i] = pf->pred[r];
			for (c = 0; c < k; c++)
				pf->gproba[i * k + c] = pf->proba[r * k + c];
			if (pf->w)
				pf->gw[i] = pf->w[r];
		}
		d.y = pf->gy;
		d.pred = pf->pred ? pf->gp : NULL;
		d.proba = pf->proba ? pf->gproba : NULL;
		d.w = pf->w ? pf->gw : NULL;
	}
	return mlg_metrics_classification(out, cm, &d, opts, pf->scratch);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *mlg_slice_canon(const char *sel)
{
	char *s = mlg_strdup(sel), *p, *save = NULL, *parts[64] = {NULL};
	struct mlg_buf b = MLG_BUF_INIT;
	size_t n = 0, i;

	for (p = strtok_r(s, ",", &save); p && n < 64;
	     p = strtok_r(NULL, ",", &save)) {
		char *e, *q;

		while (*p == ' ')
			p++;
		e = p + strlen(p);
		while (e > p && e[-1] == ' ')
			*--e = 0;
		if ((q = strchr(p, '='))) {
			char *k = q;

			while (k > p && k[-1] == ' ')
				k--;
			memmove(k + 1, q + 1 + strspn(q + 1, " "),
				strlen(q + 1 + strspn(q + 1, " ")) + 1);
			*k = '=';
		}
		parts[n++] = p;
	}
	qsort(parts, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		mlg_buf_addf(&b, "%s%s", i ? "," : "", parts[i]);
	free(s);
	return mlg_buf_detach(&b, NULL);
}

void mlg_predfile_report(struct mlg_report *r, const struct mlg_predfile *pf,
			 const char *src)
{
	struct mlg_check *c;
	size_t i;

	c = mlg_report_add_check(
		r, "valid-rows", pf->nbad ? MLG_STATUS_FAIL : MLG_STATUS_PASS,
		"%zu of %llu rows valid, %s task", pf->n,
		(unsigned long long)pf->rows, mlg_task_name(pf->task));
	mlg_check_set_value(c, (double)pf->nbad, NULL);
	mlg_check_set_threshold(c, "invalid_rows == 0");
	for (i = 0; i < pf->nbadlist; i++) {
		const struct mlg_predfile_bad *b = &pf->bad[i];
		struct mlg_loc l = {(char *)src, src ? b->line : 0, 0,
				    b->column};

		if (b->id)
			mlg_check_add_finding(c, &l, "row '%s': %s", b->id,
					      b->message);
		else
			mlg_check_add_finding(c, &l, "%s", b->message);
	}
	c->count = pf->nbad;
	if (pf->not_one) {
		char first[48] = "";

		if (src)
			snprintf(first, sizeof(first),
				 ", the first on line %llu",
				 (unsigned long long)pf->first_not_one);
		c = mlg_report_add_check(
			r, "probability-sum", MLG_STATUS_WARN,
			"%llu row%s probabilities that do not sum to 1%s",
			(unsigned long long)pf->not_one,
			pf->not_one == 1 ? " has" : "s have", first);
		mlg_check_set_value(c, (double)pf->not_one, NULL);
	}
}
