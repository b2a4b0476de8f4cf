/* dscheck.c - dataset checks computed in the validation pass */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/dscheck.h"
#include "mlgate/error.h"
#include "mlgate/fpset.h"
#include "mlgate/json.h"
#include "mlgate/sketch.h"
#include "mlgate/stats.h"
#include "mlgate/stream.h"
#include "mlgate/threshold.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

enum metric {
	M_ROWS,
	M_NULL_COUNT,
	M_NULL_FRACTION,
	M_MIN,
	M_MAX,
	M_MEAN,
	M_STDDEV,
	M_SUM,
	M_QUANTILE,
	M_DISTINCT,
	M_IN_SET,
	M_COVERAGE,
	M_LABEL,
	M_DUP_ROWS,
	M_OVERLAP,
	M_FRESHNESS,
};

static const struct {
	const char *name;
	enum metric m;
	int column; /* 1: takes a column argument */
} metrics[] = {
	{"row_count", M_ROWS, 0},
	{"null_count", M_NULL_COUNT, 1},
	{"null_fraction", M_NULL_FRACTION, 1},
	{"min", M_MIN, 1},
	{"max", M_MAX, 1},
	{"mean", M_MEAN, 1},
	{"stddev", M_STDDEV, 1},
	{"sum", M_SUM, 1},
	{"quantile", M_QUANTILE, 1},
	{"distinct_count", M_DISTINCT, 1},
	{"in_set_fraction", M_IN_SET, 1},
	{"set_coverage", M_COVERAGE, 1},
	{"label_share", M_LABEL, 1},
	{"duplicate_rows", M_DUP_ROWS, 0},
	{"key_overlap", M_OVERLAP, 1},
	{"freshness_days", M_FRESHNESS, 1},
};

enum {
	NEED_MOMENTS = 1,
	NEED_HLL = 2,
	NEED_KLL = 4,
	NEED_MAXTIME = 8,
	NEED_TEXT = 16, /* a set, label or overlap rule reads the raw text */
};

struct rule {
	struct mlg_threshold t;
	enum metric m;
	size_t field;
	double q;      /* quantile */
	char *label;   /* label_share value */
	uint64_t *set; /* hashes of "values", sorted */
	size_t nset;
	char *with; /* key_overlap file */
	struct mlg_fpset other;
};

struct mlg_dscheck {
	const struct mlg_schema *s;
	struct rule *rules;
	size_t nrules;
	unsigned *needs; /* per field */
	int rows;	 /* duplicate_rows */
};

struct col {
	struct mlg_moments mo;
	struct mlg_hll *hll;
	struct mlg_kll *kll;
	int64_t maxtime;
	int has_time;
};

struct mlg_dsacc {
	const struct mlg_dscheck *c;
	uint64_t rows;
	struct col *cols;
	uint64_t
		*hits; /* per rule: cells counted by in_set / label / overlap */
	uint8_t **seen;	 /* per rule: set members seen (coverage) */
	uint64_t *rowfp; /* duplicate_rows: row fingerprints, in order */
	size_t nrowfp, arowfp;
	uint64_t **keyfp; /* per rule: key_overlap fingerprints, in order */
	size_t *nkeyfp, *akeyfp;
	/* totals only */
	struct mlg_fpset dup;
	uint64_t dups;
};

#define SEED 0x6d6c6761746531ULL

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int in_set(const struct rule *r, uint64_t h, size_t *at)
{
	size_t lo = 0, hi = r->nset;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->set[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < r->nset && r->set[lo] == h;
}

/* "income, 0.99" -> field income, q 0.99 (the last comma: a name may
 * hold one); "churned = true" -> label "true" (blanks around the '='
 * go, as around the name). */
static int parse_arg(struct mlg_dscheck *c, struct rule *r,
		     const struct mlg_json_doc *doc, const char *ptr)
{
	struct mlg_buf col = MLG_BUF_INIT;
	const char *arg = r->t.arg, *sep;
	int fi, rc = 0;

	if (r->m == M_QUANTILE) {
		sep = strrchr(arg, ',');
		if (!sep ||
		    mlg_parse_double(&r->q, sep + 1 + strspn(sep + 1, " ")) ||
		    !(r->q >= 0 && r->q <= 1)) { /* NaN too */
			rc = mlg_json_error(doc, ptr,
					    "quantile takes (column, q) with q "
					    "in [0, 1], not '%s'",
					    arg);
			goto done;
		}
		mlg_buf_add(&col, arg, (size_t)(sep - arg));
	} else if (r->m == M_LABEL) {
		sep = strchr(arg, '=');
		if (!sep) {
			rc = mlg_json_error(doc, ptr,
					    "label_share takes (column=value), "
					    "not '%s'",
					    arg);
			goto done;
		}
		mlg_buf_add(&col, arg, (size_t)(sep - arg));
		r->label = mlg_strdup(sep + 1 + strspn(sep + 1, " "));
	} else {
		mlg_buf_adds(&col, arg);
	}
	while (col.len && col.ptr[col.len - 1] == ' ')
		mlg_buf_truncate(&col, col.len - 1);
	fi = mlg_schema_field_index(c->s, col.ptr);
	if (fi < 0) {
		rc = mlg_json_error(doc, ptr, "no field '%s' in the schema",
				    col.ptr);
		goto done;
	}
	r->field = (size_t)fi;
done:
	mlg_buf_release(&col);
	return rc;
}

static int numeric(enum mlg_ftype t)
{
	return t == MLG_T_NUMBER || t == MLG_T_INTEGER || t == MLG_T_YEAR ||
	       t == MLG_T_DATE || t == MLG_T_TIME || t == MLG_T_DATETIME ||
	       t == MLG_T_YEARMONTH;
}

static int load_rule(struct mlg_dscheck *c, struct rule *r,
		     const struct mlg_json_doc *doc, json_t *v, const char *ptr)
{
	static const char *const keys[] = {"rule", "values", "with", NULL};
	const char *text = json_string_value(v), *with = NULL;
	json_t *vals = NULL, *e;
	size_t i, k;
	int rc;

	if (json_is_object(v)) {
		if ((rc = mlg_json_check_keys(doc, v, ptr, keys)) ||
		    (rc = mlg_json_get_str(doc, v, ptr, "rule", 1, &text)) ||
		    (rc = mlg_json_get_str(doc, v, ptr, "with", 0, &with)))
			return rc;
		vals = json_object_get(v, "values");
	} else if (!text) {
		return mlg_json_error(doc, ptr,
				      "expected a rule (a string) or "
				      "an object with \"rule\"");
	}
	if ((rc = mlg_threshold_parse(&r->t, text)))
		return mlg_json_error(doc, ptr, "%s", mlg_error_message());
	for (k = 0; k < MLG_ARRAY_SIZE(metrics); k++)
		if (!strcmp(metrics[k].name, r->t.metric))
			break;
	if (k == MLG_ARRAY_SIZE(metrics))
		return mlg_json_error(doc, ptr, "unknown metric '%s'",
				      r->t.metric);
	r->m = metrics[k].m;
	if (metrics[k].column != !!r->t.arg)
		return mlg_json_error(
			doc, ptr,
			metrics[k].column
				? "metric '%s' takes a column: %s(column)"
				: "metric '%s' takes no argument%s",
			r->t.metric, metrics[k].column ? r->t.metric : "");
	if (r->t.selector)
		return mlg_json_error(doc, ptr,
				      "dataset metrics take no "
				      "[selector]");
	if (r->t.arg && (rc = parse_arg(c, r, doc, ptr)))
		return rc;
	if ((r->m == M_IN_SET || r->m == M_COVERAGE) != !!vals)
		return mlg_json_error(doc, ptr,
				      vals ? "\"values\" belongs to "
					     "in_set_fraction and set_coverage"
					   : "%s needs \"values\": [...]",
				      r->t.metric);
	if ((r->m == M_OVERLAP) != !!with)
		return mlg_json_error(doc, ptr,
				      with ? "\"with\" belongs to "
					     "key_overlap"
					   : "key_overlap needs "
					     "\"with\": FILE");
	if ((r->m == M_MIN || r->m == M_MAX || r->m == M_MEAN ||
	     r->m == M_STDDEV || r->m == M_SUM || r->m == M_QUANTILE) &&
	    !numeric(c->s->fields[r->field].type))
		return mlg_json_error(
			doc, ptr,
			"%s needs a numeric or temporal "
			"field; '%s' is %s",
			r->t.metric, c->s->fields[r->field].name,
			mlg_ftype_name(c->s->fields[r->field].type));
	if (r->m == M_FRESHNESS && c->s->fields[r->field].type != MLG_T_DATE &&
	    c->s->fields[r->field].type != MLG_T_DATETIME)
		return mlg_json_error(doc, ptr,
				      "freshness_days needs a date or "
				      "datetime field");
	if (with)
		r->with = mlg_strdup(with);
	if (vals) {
		if (!json_is_array(vals))
			return mlg_json_error(doc, ptr,
					      "\"values\" must be an "
					      "array of strings");
		r->set = mlg_calloc(json_array_size(vals) + 1, sizeof(*r->set));
		json_array_foreach (vals, i, e) {
			if (!json_is_string(e))
				return mlg_json_error(doc, ptr,
						      "\"values\" must "
						      "be an array of strings");
			r->set[r->nset++] =
				mlg_hash_bytes(json_string_value(e),
					       json_string_length(e), SEED);
		}
		qsort(r->set, r->nset, sizeof(*r->set), cmp_u64);
	}
	return 0;
}

static void need(struct mlg_dscheck *c, const struct rule *r)
{
	unsigned *n = &c->needs[r->field];

	switch (r->m) {
	case M_ROWS:
		break;
	case M_DUP_ROWS:
		c->rows = 1;
		break;
	case M_QUANTILE:
		*n |= NEED_KLL | NEED_MOMENTS;
		break;
	case M_DISTINCT:
		*n |= NEED_HLL | NEED_MOMENTS;
		break;
	case M_FRESHNESS:
		*n |= NEED_MAXTIME | NEED_MOMENTS;
		break;
	case M_IN_SET:
	case M_COVERAGE:
	case M_LABEL:
	case M_OVERLAP:
		*n |= NEED_TEXT | NEED_MOMENTS;
		break;
	default:
		*n |= NEED_MOMENTS;
	}
}

int mlg_dscheck_load(struct mlg_dscheck **out, const char *path,
		     const struct mlg_schema *s)
{
	static const char *const top[] = {"checks", NULL};
	struct mlg_dscheck *c = mlg_calloc(1, sizeof(*c));
	struct mlg_json_doc doc;
	json_t *arr, *v;
	char ptr[32];
	size_t i;
	int rc;

	*out = NULL;
	c->s = s;
	c->needs = mlg_calloc(s->nfields + 1, sizeof(*c->needs));
	if ((rc = mlg_config_load(&doc, path, 0))) {
		mlg_dscheck_free(c);
		return rc;
	}
	if (!json_is_object(doc.root)) {
		rc = mlg_json_error(&doc, "",
				    "expected an object with "
				    "\"checks\": [...]");
		goto done;
	}
	if ((rc = mlg_json_check_keys(&doc, doc.root, "", top)))
		goto done;
	arr = json_object_get(doc.root, "checks");
	if (!arr) {
		/* no value at /checks to point at: the object lacks it */
		rc = mlg_json_error(&doc, "",
				    "missing required property 'checks'");
		goto done;
	}
	if (!json_is_array(arr)) {
		rc = mlg_json_error(&doc, "/checks",
				    "expected an array of rules");
		goto done;
	}
	c->rules = mlg_calloc(json_array_size(arr) + 1, sizeof(*c->rules));
	json_array_foreach (arr, i, v) {
		snprintf(ptr, sizeof(ptr), "/checks/%zu", i);
		c->nrules++;
		if ((rc = load_rule(c, &c->rules[i], &doc, v, ptr)))
			goto done;
		need(c, &c->rules[i]);
	}
done:
	mlg_json_doc_release(&doc);
	if (rc) {
		mlg_dscheck_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void mlg_dscheck_free(struct mlg_dscheck *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nrules; i++) {
		mlg_threshold_release(&c->rules[i].t);
		free(c->rules[i].label);
		free(c->rules[i].set);
		free(c->rules[i].with);
		mlg_fpset_release(&c->rules[i].other);
	}
	free(c->rules);
	free(c->needs);
	free(c);
}

int mlg_dscheck_tracks(const struct mlg_dscheck *c, size_t field)
{
	size_t i;

	if (c->needs[field])
		return 1;
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].t.arg && c->rules[i].field == field)
			return 1;
	return 0;
}

int mlg_dscheck_wants_rows(const struct mlg_dscheck *c)
{
	return c->rows;
}

static ssize_t stream_read(void *ctx, void *buf, size_t n)
{
	return mlg_stream_read(ctx, buf, n);
}

/* Fingerprint column `name` of a CSV file with a header. */
static int read_keys(struct mlg_fpset *out, const char *path, const char *name,
		     const struct mlg_csv_dialect *d, size_t *budget)
{
	struct mlg_stream_opts so = {1, 300, 0};
	struct mlg_csv_dialect hd = *d;
	struct mlg_stream *st = NULL;
	struct mlg_csv_reader rd;
	struct mlg_csv_record rec;
	size_t col = 0;
	int rc, found = 0, inited = 0;
	int64_t added;

	hd.header = 1;
	if ((rc = mlg_stream_open(&st, path, &so)))
		goto done;
	if ((rc = mlg_csv_reader_init(&rd, &hd, stream_read, st, 0)))
		goto done;
	inited = 1;
	if ((rc = mlg_csv_reader_next(&rd, &rec)) < 0)
		goto done;
	for (col = 0; rc && col < rec.nfields; col++)
		if (rec.fields[col].len == strlen(name) &&
		    !memcmp(rec.fields[col].ptr, name, rec.fields[col].len)) {
			found = 1;
			break;
		}
	if (!found) {
		rc = mlg_error_set(MLG_EINVALID, "'%s' has no column '%s'",
				   path, name);
		goto done;
	}
	while ((rc = mlg_csv_reader_next(&rd, &rec)) == 1) {
		if (col >= rec.nfields)
			continue;
		added = mlg_fpset_add(out,
				      mlg_hash_bytes(rec.fields[col].ptr,
						     rec.fields[col].len, SEED),
				      rec.index + 1, budget);
		if (added < 0) {
			rc = (int)added;
			goto done;
		}
	}
done:
	if (inited)
		mlg_csv_reader_release(&rd);
	if (st)
		mlg_stream_close(st);
	if (rc == MLG_ENOTFOUND)
		rc = MLG_EIO;
	return rc < 0 ? rc : 0;
}

int mlg_dscheck_prepare(struct mlg_dscheck *c, const struct mlg_csv_dialect *d,
			size_t memory)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nrules; i++) {
		struct rule *r = &c->rules[i];

		if (r->m != M_OVERLAP || r->other.mask)
			continue;
		rc = read_keys(&r->other, r->with, c->s->fields[r->field].name,
			       d, &memory);
		if (rc)
			return rc;
	}
	return 0;
}

struct mlg_dsacc *mlg_dsacc_new(const struct mlg_dscheck *c)
{
	struct mlg_dsacc *a = mlg_calloc(1, sizeof(*a));
	size_t f, i;

	a->c = c;
	a->cols = mlg_calloc(c->s->nfields + 1, sizeof(*a->cols));
	for (f = 0; f < c->s->nfields; f++) {
		if (c->needs[f] & NEED_HLL)
			a->cols[f].hll = mlg_calloc(1, sizeof(struct mlg_hll));
		if (c->needs[f] & NEED_KLL) {
			a->cols[f].kll = mlg_calloc(1, sizeof(struct mlg_kll));
			mlg_kll_init(a->cols[f].kll, 200, SEED);
		}
	}
	a->hits = mlg_calloc(c->nrules + 1, sizeof(*a->hits));
	a->seen = mlg_calloc(c->nrules + 1, sizeof(*a->seen));
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].m == M_COVERAGE)
			a->seen[i] = mlg_calloc(c->rules[i].nset + 1, 1);
	mlg_dsacc_reset(a);
	return a;
}

void mlg_dsacc_reset(struct mlg_dsacc *a)
{
	const struct mlg_dscheck *c = a->c;
	size_t f, i;

	a->rows = 0;
	a->nrowfp = 0;
	for (f = 0; f < c->s->nfields; f++) {
		struct col *k = &a->cols[f];

		mlg_moments_init(&k->mo);
		k->has_time = 0;
		if (k->hll)
			mlg_hll_init(k->hll);
		if (k->kll) {
			mlg_kll_release(k->kll);
			mlg_kll_init(k->kll, 200, SEED);
		}
	}
	for (i = 0; i < c->nrules; i++) {
		a->hits[i] = 0;
		if (a->seen[i])
			memset(a->seen[i], 0, c->rules[i].nset);
	}
}

void mlg_dsacc_free(struct mlg_dsacc *a)
{
	size_t f, i;

	if (!a)
		return;
	for (f = 0; f < a->c->s->nfields; f++) {
		free(a->cols[f].hll);
		if (a->cols[f].kll)
			mlg_kll_release(a->cols[f].kll);
		free(a->cols[f].kll);
	}
	for (i = 0; i < a->c->nrules; i++)
		free(a->seen[i]);
	free(a->seen);
	free(a->hits);
	free(a->cols);
	free(a->rowfp);
	mlg_fpset_release(&a->dup);
	free(a);
}

/* Numeric and temporal cells as one number: dates in days, times and
 * datetimes in seconds. */
static double as_number(const struct mlg_value *v)
{
	switch (v->type) {
	case MLG_T_DATE:
	case MLG_T_YEARMONTH:
		return (double)v->i;
	case MLG_T_TIME:
	case MLG_T_DATETIME:
		return (double)v->i / 1e6;
	default:
		return v->num;
	}
}

void mlg_dsacc_cell(struct mlg_dsacc *a, size_t field, enum mlg_cell st,
		    const struct mlg_value *v, const char *raw, size_t len)
{
	const struct mlg_dscheck *c = a->c;
	unsigned n = c->needs[field];
	struct col *k = &a->cols[field];
	size_t i, at;

	if (st == MLG_CELL_NULL) {
		mlg_moments_add_null(&k->mo);
		return;
	}
	if (st != MLG_CELL_OK)
		return;
	if (numeric(v->type)) {
		double x = as_number(v);

		mlg_moments_add(&k->mo, x);
		if (n & NEED_KLL)
			mlg_kll_add(k->kll, x);
	} else {
		mlg_moments_add(&k->mo, (double)mlg_utf8_length(raw, len));
	}
	if (n & NEED_HLL)
		mlg_hll_add(k->hll, mlg_value_hash(v, SEED));
	if ((n & NEED_MAXTIME) && (!k->has_time || v->i > k->maxtime)) {
		k->maxtime = v->i;
		k->has_time = 1;
	}
	if (!(n & NEED_TEXT))
		return;
	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];

		if (r->field != field || !r->t.arg)
			continue;
		if (r->m == M_IN_SET || r->m == M_COVERAGE) {
			if (in_set(r, mlg_hash_bytes(raw, len, SEED), &at)) {
				a->hits[i]++;
				if (a->seen[i])
					a->seen[i][at] = 1;
			}
		} else if (r->m == M_LABEL) {
			a->hits[i] += strlen(r->label) == len &&
				      !memcmp(r->label, raw, len);
		} else if (r->m == M_OVERLAP) {
			/* The set is complete before the pass: read-only. */
			a->hits[i] += mlg_fpset_has(
				&r->other, mlg_hash_bytes(raw, len, SEED));
		}
	}
}

void mlg_dsacc_row(struct mlg_dsacc *a, const char *raw, size_t len)
{
	a->rows++;
	if (!a->c->rows)
		return;
	a->rowfp = mlg_grow(a->rowfp, sizeof(*a->rowfp), a->nrowfp + 1,
			    &a->arowfp);
	a->rowfp[a->nrowfp++] = mlg_hash_bytes(raw, len, SEED);
}

int mlg_dsacc_merge(struct mlg_dsacc *total, struct mlg_dsacc *part,
		    size_t memory)
{
	const struct mlg_dscheck *c = total->c;
	size_t f, i, j;
	int64_t seen;
	int rc = 0;

	for (f = 0; f < c->s->nfields; f++) {
		struct col *t = &total->cols[f], *p = &part->cols[f];

		mlg_moments_merge(&t->mo, &p->mo);
		if (t->hll)
			mlg_hll_merge(t->hll, p->hll);
		if (t->kll && (rc = mlg_kll_merge(t->kll, p->kll)))
			return rc;
		if (p->has_time && (!t->has_time || p->maxtime > t->maxtime)) {
			t->maxtime = p->maxtime;
			t->has_time = 1;
		}
	}
	for (i = 0; i < c->nrules; i++) {
		total->hits[i] += part->hits[i];
		for (j = 0; total->seen[i] && j < c->rules[i].nset; j++)
			total->seen[i][j] |= part->seen[i][j];
	}
	/* The budget left is what the sets do not hold yet. */
	memory = memory > total->dup.n * 32 ? memory - total->dup.n * 32 : 0;
	for (i = 0; i < part->nrowfp; i++) {
		seen = mlg_fpset_add(&total->dup, part->rowfp[i],
				     total->rows + i + 1, &memory);
		if (seen < 0)
			return (int)seen;
		total->dups += seen > 0;
	}
	total->rows += part->rows;
	mlg_dsacc_reset(part);
	return rc;
}

void mlg_dsacc_expect(struct mlg_dsacc *total, double scale)
{
	mlg_fpset_expect_scaled(&total->dup, scale);
}

/* The measured value of rule i; NaN when it cannot be computed, with
 * the reason in *why. */
static double measure(const struct mlg_dscheck *c, size_t i,
		      const struct mlg_dsacc *a, double now, const char **why)
{
	const struct rule *r = &c->rules[i];
	const struct col *k = r->t.arg ? &a->cols[r->field] : NULL;
	double rows = (double)a->rows, n, seen = 0;
	size_t j;

	*why = "there are no rows";
	if (r->m == M_ROWS)
		return rows;
	if (r->m == M_DUP_ROWS)
		return (double)a->dups;
	if (r->m == M_NULL_COUNT)
		return (double)k->mo.nulls;
	if (r->m == M_NULL_FRACTION)
		return rows ? (double)k->mo.nulls / rows : NAN;
	if (r->m == M_LABEL)
		return rows ? (double)a->hits[i] / rows : NAN;
	if (r->m == M_OVERLAP)
		return (double)a->hits[i];
	if (r->m == M_DISTINCT)
		return round(
			mlg_hll_count(k->hll)); /* an estimate of a count */
	if (r->m == M_COVERAGE) {
		for (j = 0; j < r->nset; j++)
			seen += a->seen[i][j];
		*why = "\"values\" is empty";
		return r->nset ? seen / (double)r->nset : NAN;
	}
	*why = "the column has no values";
	n = (double)(k->mo.count + k->mo.nonfinite);
	if (r->m == M_IN_SET)
		return n ? (double)a->hits[i] / n : NAN;
	if (r->m == M_FRESHNESS) {
		if (!k->has_time)
			return NAN;
		return c->s->fields[r->field].type == MLG_T_DATE
			       ? now / 86400 - (double)k->maxtime
			       : (now - (double)k->maxtime / 1e6) / 86400;
	}
	if (!k->mo.count)
		return NAN;
	switch (r->m) {
	case M_MIN:
		return k->mo.min;
	case M_MAX:
		return k->mo.max;
	case M_MEAN:
		return mlg_moments_mean(&k->mo);
	case M_SUM:
		return mlg_moments_sum(&k->mo);
	case M_QUANTILE:
		return mlg_kll_quantile(k->kll, r->q);
	default:
		*why = "the column has fewer than two values";
		return mlg_moments_stddev(&k->mo, 1);
	}
}

void mlg_dscheck_report(const struct mlg_dscheck *c,
			const struct mlg_dsacc *total, struct mlg_report *r,
			const char *label, double now)
{
	struct mlg_buf id = MLG_BUF_INIT;
	const char *why;
	size_t i;

	for (i = 0; i < c->nrules; i++) {
		const struct rule *u = &c->rules[i];
		double v = measure(c, i, total, now, &why);
		struct mlg_check *k;

		mlg_buf_reset(&id);
		mlg_buf_addf(&id, "%s:%s", label, u->t.metric);
		if (u->t.arg)
			mlg_buf_addf(&id, "(%s)", u->t.arg);
		if (isnan(v)) {
			k = mlg_report_add_check(r, id.ptr, MLG_STATUS_FAIL,
						 "cannot compute %s: %s",
						 u->t.metric, why);
		} else {
			k = mlg_report_add_check(r, id.ptr,
						 mlg_threshold_holds(&u->t, v)
							 ? MLG_STATUS_PASS
							 : MLG_STATUS_FAIL,
						 NULL);
			mlg_check_set_value(k, v, NULL);
		}
		mlg_check_set_threshold(k, u->t.text);
	}
	mlg_buf_release(&id);
}
