/*
 * behave.c - behavioural tests of a model (CheckList MFT, INV and DIR)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/behave.h"
#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/predfile.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

/* Findings listed per check: enough to debug, short enough to read. */
#define MAX_LISTED 10

static const char *const type_names[] = {"mft", "inv", "dir", NULL};
static const char *const op_names[] = {"swap", "shift",	  "scale",
				       "set",  "missing", NULL};
static const char *const dir_names[] = {"not_decrease", "not_increase",
					"increase", "decrease", NULL};

static int lookup(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

/* Set `b` to the pointer `base` + "/" + key. */
static void at(struct mlg_buf *b, const char *base, const char *key)
{
	mlg_buf_reset(b);
	mlg_buf_adds(b, base);
	mlg_json_pointer_append(b, key);
}

/* Set `b` to the pointer `base` + "/" + key + "/" + sub. */
static void at_key(struct mlg_buf *b, const char *base, const char *key,
		   const char *sub)
{
	at(b, base, key);
	mlg_json_pointer_append(b, sub);
}

static void at_index(struct mlg_buf *b, const char *base, const char *key,
		     size_t i)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", i);
	at_key(b, base, key, num);
}

/* A label given as a string or a number, as text that outlives the
 * parse: the document's string, or a pooled copy. */
static const char *label_text(struct mlg_behave_suite *s, json_t *v)
{
	char *p;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		p = mlg_strfmt("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		p = mlg_strfmt("%.17g", json_real_value(v));
	s->pool = mlg_grow(s->pool, sizeof(*s->pool), s->npool + 1, &s->apool);
	s->pool[s->npool++] = p;
	return p;
}

static int check_label(const struct mlg_json_doc *doc, json_t *v,
		       const char *ptr)
{
	if (!json_is_string(v) && !json_is_number(v))
		return mlg_json_error(doc, ptr,
				      "expected a label (a string or a "
				      "number), found %s",
				      mlg_json_type_name(v));
	return 0;
}

static int get_label(const char **out, struct mlg_behave_suite *s, json_t *v,
		     const char *ptr)
{
	int rc = check_label(&s->doc, v, ptr);

	if (!rc)
		*out = label_text(s, v);
	return rc;
}

/* An optional number in [lo, hi] (hi may be INFINITY for "no bound"). */
static int get_range(double *out, const struct mlg_json_doc *doc, json_t *o,
		     const char *ptr, const char *key, double lo, double hi)
{
	struct mlg_buf b = MLG_BUF_INIT;
	double x = NAN;
	int rc;

	if ((rc = mlg_json_get_num(doc, o, ptr, key, 0, &x)) || x != x)
		return rc;
	if (!(x >= lo && x <= hi && isfinite(x))) {
		at(&b, ptr, key);
		if (isinf(hi))
			rc = mlg_json_error(doc, b.ptr,
					    "%s must be a finite number >= "
					    "%g, got %g",
					    key, lo, x);
		else
			rc = mlg_json_error(doc, b.ptr,
					    "%s must be from %g to %g, got %g",
					    key, lo, hi, x);
		mlg_buf_release(&b);
		return rc;
	}
	*out = x;
	return 0;
}

/* swap "values": distinct numbers, or distinct strings. */
static int parse_values(struct mlg_behave_test *t, struct mlg_behave_suite *s,
			json_t *vals, const char *ptr)
{
	const struct mlg_json_doc *doc = &s->doc;
	struct mlg_buf b = MLG_BUF_INIT;
	int rc = 0, text;
	size_t i, j;
	json_t *v;

	at(&b, ptr, "values");
	if (!json_is_array(vals) || !json_array_size(vals)) {
		rc = mlg_json_error(doc, b.ptr,
				    "expected a non-empty array of numbers or "
				    "strings, found %s",
				    json_is_array(vals)
					    ? "an empty array"
					    : mlg_json_type_name(vals));
		goto done;
	}
	text = json_is_string(json_array_get(vals, 0));
	t->nvalues = json_array_size(vals);
	if (text)
		t->svalues = mlg_calloc(t->nvalues, sizeof(*t->svalues));
	else
		t->values = mlg_calloc(t->nvalues, sizeof(*t->values));
	json_array_foreach (vals, i, v) {
		at_index(&b, ptr, "values", i);
		if (text ? !json_is_string(v) : !json_is_number(v)) {
			rc = mlg_json_error(doc, b.ptr,
					    i ? "expected a %s as values[0], "
						"found %s"
					      : "expected a %s or a string, "
						"found %s",
					    text ? "string" : "number",
					    mlg_json_type_name(v));
			goto done;
		}
		if (text)
			t->svalues[i] = json_string_value(v);
		else
			t->values[i] = json_number_value(v);
		/* "the next value" is ambiguous with repeats */
		for (j = 0; j < i; j++) {
			if (text && !strcmp(t->svalues[j], t->svalues[i]))
				rc = mlg_json_error(doc, b.ptr,
						    "duplicate value '%s'",
						    t->svalues[i]);
			else if (!text && t->values[j] == t->values[i])
				rc = mlg_json_error(doc, b.ptr,
						    "duplicate value %.17g",
						    t->values[i]);
			if (rc)
				goto done;
		}
	}
done:
	mlg_buf_release(&b);
	return rc;
}

/* swap "map": {"from": to}, the values all numbers or all strings. */
static int parse_map(struct mlg_behave_test *t, struct mlg_behave_suite *s,
		     json_t *map, const char *ptr)
{
	const struct mlg_json_doc *doc = &s->doc;
	struct mlg_buf b = MLG_BUF_INIT;
	const char *key;
	int rc = 0, text = -1;
	json_t *v;

	at(&b, ptr, "map");
	if (!json_is_object(map) || !json_object_size(map)) {
		rc = mlg_json_error(doc, b.ptr,
				    "expected a non-empty object of value: "
				    "replacement, found %s",
				    json_is_object(map)
					    ? "an empty object"
					    : mlg_json_type_name(map));
		goto done;
	}
	json_object_foreach (map, key, v) {
		at_key(&b, ptr, "map", key);
		if (text < 0 && (json_is_string(v) || json_is_number(v)))
			text = json_is_string(v);
		if (text < 0 ||
		    (text ? !json_is_string(v) : !json_is_number(v))) {
			rc = mlg_json_error(doc, b.ptr,
					    text < 0 ? "expected a number or a "
						       "string, found %s"
					    : text ? "expected a string as the "
						     "first value, found %s"
						   : "expected a number as the "
						     "first value, found %s",
					    mlg_json_type_name(v));
			goto done;
		}
	}
	t->map = map;
done:
	mlg_buf_release(&b);
	return rc;
}

static int parse_perturb(struct mlg_behave_test *t, struct mlg_behave_suite *s,
			 json_t *o, const char *ptr)
{
	static const char *const k_swap[] = {"column", "op", "values", "map",
					     NULL};
	static const char *const k_by[] = {"column", "op", "by", NULL};
	static const char *const k_set[] = {"column", "op", "value", NULL};
	static const char *const k_none[] = {"column", "op", NULL};
	const struct mlg_json_doc *doc = &s->doc;
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *vals, *map, *v;
	const char *op;
	int rc, k;

	if ((rc = mlg_json_get_str(doc, o, ptr, "column", 1, &t->column)) ||
	    (rc = mlg_json_get_str(doc, o, ptr, "op", 1, &op)))
		goto done;
	if (!*t->column) {
		at(&b, ptr, "column");
		rc = mlg_json_error(doc, b.ptr, "empty column name");
		goto done;
	}
	if ((k = lookup(op_names, op)) < 0) {
		at(&b, ptr, "op");
		rc = mlg_json_error(doc, b.ptr,
				    "unknown op '%s' (expected swap, shift, "
				    "scale, set or missing)",
				    op);
		goto done;
	}
	t->op = (enum mlg_behave_op)k;
	switch (t->op) {
	case MLG_BEHAVE_SWAP:
		if ((rc = mlg_json_check_keys(doc, o, ptr, k_swap)))
			goto done;
		vals = json_object_get(o, "values");
		map = json_object_get(o, "map");
		if (vals && map) {
			at(&b, ptr, "map");
			rc = mlg_json_error(doc, b.ptr,
					    "'values' and 'map' exclude each "
					    "other");
		} else if (!vals && !map) {
			rc = mlg_json_error(doc, ptr,
					    "missing required property "
					    "'values' (or 'map')");
		} else {
			rc = vals ? parse_values(t, s, vals, ptr)
				  : parse_map(t, s, map, ptr);
		}
		break;
	case MLG_BEHAVE_SHIFT:
	case MLG_BEHAVE_SCALE:
		if ((rc = mlg_json_check_keys(doc, o, ptr, k_by)) ||
		    (rc = mlg_json_get_num(doc, o, ptr, "by", 1, &t->by)))
			goto done;
		break;
	case MLG_BEHAVE_SET:
		if ((rc = mlg_json_check_keys(doc, o, ptr, k_set)))
			goto done;
		v = json_object_get(o, "value");
		at(&b, ptr, "value");
		if (!v)
			rc = mlg_json_error(doc, ptr,
					    "missing required property "
					    "'value'");
		else if (json_is_string(v))
			t->str = json_string_value(v);
		else if (json_is_number(v))
			t->by = json_number_value(v);
		else
			rc = mlg_json_error(doc, b.ptr,
					    "expected a number or a string, "
					    "found %s",
					    mlg_json_type_name(v));
		break;
	case MLG_BEHAVE_MISSING:
		rc = mlg_json_check_keys(doc, o, ptr, k_none);
		break;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

/* mft rows of the model mode: objects of values plus "expect". */
static int parse_rows(struct mlg_behave_test *t, struct mlg_behave_suite *s,
		      json_t *rows, const char *ptr)
{
	struct mlg_buf b = MLG_BUF_INIT, kb = MLG_BUF_INIT;
	const char *key;
	json_t *row, *v;
	size_t i;
	int rc = 0;

	at(&b, ptr, "rows");
	if (!json_is_array(rows) || !json_array_size(rows)) {
		rc = mlg_json_error(&s->doc, b.ptr,
				    "expected a non-empty array of rows, "
				    "found %s",
				    json_is_array(rows)
					    ? "an empty array"
					    : mlg_json_type_name(rows));
		goto done;
	}
	json_array_foreach (rows, i, row) {
		at_index(&b, ptr, "rows", i);
		if (!json_is_object(row)) {
			rc = mlg_json_error(&s->doc, b.ptr,
					    "expected an object, found %s",
					    mlg_json_type_name(row));
			goto done;
		}
		if (!json_object_get(row, "expect")) {
			rc = mlg_json_error(&s->doc, b.ptr,
					    "missing required property "
					    "'expect'");
			goto done;
		}
		json_object_foreach (row, key, v) {
			at(&kb, b.ptr, key);
			if (!strcmp(key, "expect")) {
				if ((rc = check_label(&s->doc, v, kb.ptr)))
					goto done;
			} else if (!json_is_number(v) && !json_is_string(v) &&
				   !json_is_null(v)) {
				rc = mlg_json_error(
					&s->doc, kb.ptr,
					"expected a number, a string "
					"or null, found %s",
					mlg_json_type_name(v));
				goto done;
			}
		}
	}
	t->rows = rows;
done:
	mlg_buf_release(&b);
	mlg_buf_release(&kb);
	return rc;
}

/* mft ids of the file mode: {"id": label}. */
static int parse_ids(struct mlg_behave_test *t, struct mlg_behave_suite *s,
		     json_t *ids, const char *ptr)
{
	struct mlg_buf b = MLG_BUF_INIT;
	const char *key;
	json_t *v;
	int rc = 0;

	at(&b, ptr, "ids");
	if (!json_is_object(ids) || !json_object_size(ids)) {
		rc = mlg_json_error(&s->doc, b.ptr,
				    "expected a non-empty object of id: "
				    "label, found %s",
				    json_is_object(ids)
					    ? "an empty object"
					    : mlg_json_type_name(ids));
		goto done;
	}
	t->ids = mlg_calloc(2 * json_object_size(ids), sizeof(*t->ids));
	json_object_foreach (ids, key, v) {
		at_key(&b, ptr, "ids", key);
		t->ids[2 * t->n] = key;
		if ((rc = get_label(&t->ids[2 * t->n + 1], s, v, b.ptr)))
			goto done;
		t->n++;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

static int parse_pairs(struct mlg_behave_test *t, struct mlg_behave_suite *s,
		       json_t *pairs, const char *ptr)
{
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *p;
	size_t i;
	int rc = 0;

	at(&b, ptr, "pairs");
	if (!json_is_array(pairs) || !json_array_size(pairs)) {
		rc = mlg_json_error(&s->doc, b.ptr,
				    "expected a non-empty array of pairs, "
				    "found %s",
				    json_is_array(pairs)
					    ? "an empty array"
					    : mlg_json_type_name(pairs));
		goto done;
	}
	t->ids = mlg_calloc(2 * json_array_size(pairs), sizeof(*t->ids));
	json_array_foreach (pairs, i, p) {
		if (!json_is_array(p) || json_array_size(p) != 2 ||
		    !json_is_string(json_array_get(p, 0)) ||
		    !json_is_string(json_array_get(p, 1))) {
			at_index(&b, ptr, "pairs", i);
			rc = mlg_json_error(&s->doc, b.ptr,
					    "expected a pair of ids "
					    "[original, perturbed]");
			goto done;
		}
		t->ids[2 * i] = json_string_value(json_array_get(p, 0));
		t->ids[2 * i + 1] = json_string_value(json_array_get(p, 1));
		t->n++;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

static int parse_test(struct mlg_behave_test *t, struct mlg_behave_suite *s,
		      json_t *o, size_t i)
{
	/* allowed members by [type][file_mode] */
	static const char *const k_mft[] = {
		"name", "type", "rows", "tolerance", "max_failure_rate", NULL};
	static const char *const k_mft_f[] = {
		"name", "type", "ids", "tolerance", "max_failure_rate", NULL};
	static const char *const k_inv[] = {"name",	 "type",
					    "perturb",	 "rows",
					    "tolerance", "max_failure_rate",
					    NULL};
	static const char *const k_inv_f[] = {
		"name", "type", "pairs", "tolerance", "max_failure_rate", NULL};
	static const char *const k_dir[] = {"name",	 "type",
					    "perturb",	 "rows",
					    "tolerance", "max_failure_rate",
					    "expect",	 NULL};
	static const char *const k_dir_f[] = {
		"name",	  "type", "pairs", "tolerance", "max_failure_rate",
		"expect", NULL};
	static const char *const *const allowed[3][2] = {
		{k_mft, k_mft_f}, {k_inv, k_inv_f}, {k_dir, k_dir_f}};
	const struct mlg_json_doc *doc = &s->doc;
	const char *type, *model_key, *file_key, *ex;
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *mv, *fv;
	int64_t first;
	int rc, k;

	at_index(&b, "", "tests", i);
	t->ptr = mlg_buf_detach(&b, NULL);
	t->rate = NAN;
	if ((rc = mlg_json_get_str(doc, o, t->ptr, "name", 1, &t->name)) ||
	    (rc = mlg_json_get_str(doc, o, t->ptr, "type", 1, &type)))
		goto done;
	if (!*t->name) {
		at(&b, t->ptr, "name");
		rc = mlg_json_error(doc, b.ptr, "empty test name");
		goto done;
	}
	if ((k = lookup(type_names, type)) < 0) {
		at(&b, t->ptr, "type");
		rc = mlg_json_error(doc, b.ptr,
				    "unknown type '%s' (expected mft, inv or "
				    "dir)",
				    type);
		goto done;
	}
	t->type = (enum mlg_behave_type)k;
	model_key = t->type == MLG_BEHAVE_MFT ? "rows" : "perturb";
	file_key = t->type == MLG_BEHAVE_MFT ? "ids" : "pairs";
	mv = json_object_get(o, model_key);
	fv = json_object_get(o, file_key);
	if (mv && fv) {
		at(&b, t->ptr, file_key);
		rc = mlg_json_error(doc, b.ptr,
				    "'%s' and '%s' exclude each other",
				    model_key, file_key);
		goto done;
	}
	if (!mv && !fv) {
		rc = mlg_json_error(doc, t->ptr,
				    "missing required property '%s' (or '%s' "
				    "for a predictions file)",
				    model_key, file_key);
		goto done;
	}
	t->file_mode = fv != NULL;
	if ((rc = mlg_json_check_keys(doc, o, t->ptr,
				      allowed[t->type][t->file_mode])) ||
	    (rc = get_range(&t->max_rate, doc, o, t->ptr, "max_failure_rate", 0,
			    1)) ||
	    (rc = get_range(&t->tol, doc, o, t->ptr, "tolerance", 0, INFINITY)))
		goto done;
	if (t->type == MLG_BEHAVE_DIR) {
		if ((rc = mlg_json_get_str(doc, o, t->ptr, "expect", 1, &ex)))
			goto done;
		if ((k = lookup(dir_names, ex)) < 0) {
			at(&b, t->ptr, "expect");
			rc = mlg_json_error(doc, b.ptr,
					    "unknown expectation '%s' "
					    "(expected not_decrease, "
					    "not_increase, increase or "
					    "decrease)",
					    ex);
			goto done;
		}
		t->dir = (enum mlg_behave_dir)k;
	}
	if (t->file_mode)
		rc = t->type == MLG_BEHAVE_MFT ? parse_ids(t, s, fv, t->ptr)
					       : parse_pairs(t, s, fv, t->ptr);
	else if (t->type == MLG_BEHAVE_MFT)
		rc = parse_rows(t, s, mv, t->ptr);
	else {
		at(&b, t->ptr, "perturb");
		if (!json_is_object(mv)) {
			rc = mlg_json_error(doc, b.ptr,
					    "expected an object, found %s",
					    mlg_json_type_name(mv));
			goto done;
		}
		if ((rc = parse_perturb(t, s, mv, b.ptr)))
			goto done;
		first = 0;
		if ((rc = mlg_json_get_int(doc, o, t->ptr, "rows", 0, &first)))
			goto done;
		if (json_object_get(o, "rows") && first < 1) {
			at(&b, t->ptr, "rows");
			rc = mlg_json_error(doc, b.ptr,
					    "rows must be at least 1, got "
					    "%lld",
					    (long long)first);
			goto done;
		}
		t->first = (size_t)first;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	const struct mlg_behave_test *const *x = a, *const *y = b;
	int c = strcmp((*x)->name, (*y)->name);

	return c ? c : (*x < *y ? -1 : *x > *y);
}

/* Check ids and metric names must be unique: the later of the first
 * clash in document order is the mistake. O(n log n). */
static int unique_names(struct mlg_behave_suite *s)
{
	struct mlg_behave_test **v, *bad = NULL;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;
	int rc = 0;

	v = mlg_calloc(s->n + 1, sizeof(*v));
	for (i = 0; i < s->n; i++)
		v[i] = &s->tests[i];
	qsort(v, s->n, sizeof(*v), cmp_name);
	for (i = 1; i < s->n; i++)
		if (!strcmp(v[i - 1]->name, v[i]->name) && (!bad || v[i] < bad))
			bad = v[i];
	if (bad) {
		at(&b, bad->ptr, "name");
		rc = mlg_json_error(&s->doc, b.ptr, "duplicate test name '%s'",
				    bad->name);
	}
	mlg_buf_release(&b);
	free(v);
	return rc;
}

static int parse_doc(struct mlg_behave_suite *s)
{
	static const char *const allowed[] = {"tests", NULL};
	json_t *tests;
	size_t i;
	int rc;

	if ((rc = mlg_json_check_keys(&s->doc, s->doc.root, "", allowed)))
		return rc;
	tests = json_object_get(s->doc.root, "tests");
	if (!tests)
		return mlg_json_error(&s->doc, "",
				      "missing required property 'tests'");
	if (!json_is_array(tests))
		return mlg_json_error(&s->doc, "/tests",
				      "expected an array, found %s",
				      mlg_json_type_name(tests));
	if (!json_array_size(tests))
		return mlg_json_error(&s->doc, "/tests", "no tests");
	s->tests = mlg_calloc(json_array_size(tests), sizeof(*s->tests));
	for (i = 0; i < json_array_size(tests); i++) {
		s->n++;
		if ((rc = parse_test(&s->tests[i], s, json_array_get(tests, i),
				     i)))
			return rc;
	}
	return unique_names(s);
}

int mlg_behave_load(struct mlg_behave_suite *out, const char *path)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_config_load(&out->doc, path, 0)))
		return rc;
	return parse_doc(out);
}

int mlg_behave_parse(struct mlg_behave_suite *out, const char *name,
		     const char *text, size_t len)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_json_parse(&out->doc, name, text, len)))
		return rc;
	return parse_doc(out);
}

void mlg_behave_release(struct mlg_behave_suite *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->tests[i].ptr);
		free(s->tests[i].values);
		free(s->tests[i].svalues);
		free(s->tests[i].ids);
	}
	for (i = 0; i < s->npool; i++)
		free(s->pool[i]);
	free(s->pool);
	free(s->tests);
	mlg_json_doc_release(&s->doc);
	memset(s, 0, sizeof(*s));
}

/* ---- judging rows ---- */

/* Labels are equal as text, or as numbers ("1" and "1.0"). */
static int label_eq(const char *a, const char *b)
{
	double x, y;

	if (!a || !b)
		return a == b;
	if (!strcmp(a, b))
		return 1;
	return !mlg_parse_double(&x, a) && !mlg_parse_double(&y, b) && x == y;
}

/* What the model said about one row. */
struct answer {
	const char *label; /* NULL for regression */
	double score;	   /* NaN when none */
};

/* 1 when the row breaks the test; written as "not passes" so that NaN
 * fails. */
static int fails(const struct mlg_behave_test *t, int regression, int has_score,
		 const struct answer *a0, const struct answer *a1)
{
	double d = a1->score - a0->score, tol = t->tol;

	switch (t->type) {
	case MLG_BEHAVE_MFT: /* a0->label is the expected label */
		if (regression)
			return !(fabs(d) <= tol);
		return !label_eq(a0->label, a1->label);
	case MLG_BEHAVE_INV:
		if (regression)
			return !(fabs(d) <= tol);
		return !label_eq(a0->label, a1->label) ||
		       (has_score && !(fabs(d) <= tol));
	case MLG_BEHAVE_DIR:
		switch (t->dir) {
		case MLG_BEHAVE_NOT_DECREASE:
			return !(d >= -tol);
		case MLG_BEHAVE_NOT_INCREASE:
			return !(d <= tol);
		case MLG_BEHAVE_INCREASE:
			return !(d > 0 && d >= tol);
		case MLG_BEHAVE_DECREASE:
			return !(d < 0 && -d >= tol);
		}
	}
	return 1;
}

/* "label 1 -> 0, score 0.7 -> 0.4", "value 3 -> 3.5", "expected '1',
 * got '0', score 0.2". */
static void describe(struct mlg_buf *b, const struct mlg_behave_test *t,
		     int regression, int has_score, const struct answer *a0,
		     const struct answer *a1)
{
	char v0[32], v1[32];

	mlg_format_value(v0, a0->score);
	mlg_format_value(v1, a1->score);
	if (t->type == MLG_BEHAVE_MFT) {
		if (regression) {
			mlg_buf_addf(b, "expected %s, got %s", v0, v1);
			return;
		}
		mlg_buf_addf(b, "expected '%s', got '%s'", a0->label,
			     a1->label);
		if (has_score)
			mlg_buf_addf(b, ", score %s", v1);
		return;
	}
	if (regression) {
		mlg_buf_addf(b, "value %s -> %s", v0, v1);
		return;
	}
	mlg_buf_addf(b, "label %s -> %s", a0->label, a1->label);
	if (has_score)
		mlg_buf_addf(b, ", score %s -> %s", v0, v1);
}

/* What failing rows did, for the check's message. */
static void verb(struct mlg_buf *b, const struct mlg_behave_test *t,
		 int regression, int has_score)
{
	char tol[32];

	mlg_format_value(tol, t->tol);
	switch (t->type) {
	case MLG_BEHAVE_MFT:
		if (!regression)
			mlg_buf_adds(b, "did not get the expected label");
		else if (t->tol > 0)
			mlg_buf_addf(b,
				     "missed the expected value by more "
				     "than %s",
				     tol);
		else
			mlg_buf_adds(b, "did not get the expected value");
		return;
	case MLG_BEHAVE_INV:
		if (regression)
			mlg_buf_adds(b, "changed value");
		else if (has_score)
			mlg_buf_adds(b, "changed label or score");
		else
			mlg_buf_adds(b, "changed label");
		if ((regression || has_score) && t->tol > 0)
			mlg_buf_addf(b, " by more than %s", tol);
		return;
	case MLG_BEHAVE_DIR:
		switch (t->dir) {
		case MLG_BEHAVE_NOT_DECREASE:
			mlg_buf_adds(b, "decreased");
			break;
		case MLG_BEHAVE_NOT_INCREASE:
			mlg_buf_adds(b, "increased");
			break;
		case MLG_BEHAVE_INCREASE:
			mlg_buf_adds(b, "did not increase");
			break;
		case MLG_BEHAVE_DECREASE:
			mlg_buf_adds(b, "did not decrease");
			break;
		}
		if (t->tol > 0)
			mlg_buf_addf(b, " by %s %s",
				     t->dir <= MLG_BEHAVE_NOT_INCREASE
					     ? "more than"
					     : "at least",
				     tol);
		return;
	}
}

static void percent(char out[40], double rate)
{
	char v[32];

	mlg_format_value(v, rate * 100);
	snprintf(out, 40, "%s%%", v);
}

/* The check of one test, started before its rows are judged. */
static struct mlg_check *start(struct mlg_report *r,
			       const struct mlg_behave_suite *s,
			       const struct mlg_behave_test *t)
{
	struct mlg_check *c;
	uint64_t line = 0, col = 0;
	char *id = mlg_strfmt("behaviour/%s", t->name);

	c = mlg_report_add_check(r, id, MLG_STATUS_PASS, NULL);
	free(id);
	if (c->max_findings > MAX_LISTED)
		c->max_findings = MAX_LISTED;
	mlg_json_doc_locate(&s->doc, t->ptr, &line, &col);
	mlg_check_set_loc(c, s->doc.name, line, col, NULL);
	return c;
}

/* Count a failed row; list it (with `where` in the suite, or none) while
 * there is room: formatting a million unlisted rows would be waste. */
static void failed_row(struct mlg_check *c, const struct mlg_behave_suite *s,
		       const char *where, const char *prefix,
		       const struct mlg_behave_test *t, int regression,
		       int has_score, const struct answer *a0,
		       const struct answer *a1)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_loc loc = {0};

	if (c->nfindings >= c->max_findings) {
		c->count++;
		return;
	}
	if (where) {
		loc.file = s->doc.name;
		mlg_json_doc_locate(&s->doc, where, &loc.line, &loc.column);
	}
	mlg_buf_adds(&b, prefix);
	describe(&b, t, regression, has_score, a0, a1);
	mlg_check_add_finding(c, where ? &loc : NULL, "%s", b.ptr);
	mlg_buf_release(&b);
}

static struct mlg_table *table(struct mlg_report *r)
{
	static const char *const cols[] = {"test", "type", "rows",   "failed",
					   "rate", "max",  "verdict"};

	return mlg_report_add_table(r, "behaviour", "Behavioural tests",
				    MLG_ARRAY_SIZE(cols), cols);
}

/* Settle the check and the table row once the rows are judged.
 * `skipped` rows were left unchanged by the perturbation. */
static void finish(struct mlg_check *c, struct mlg_table *tab,
		   struct mlg_behave_test *t, const char *noun, size_t skipped,
		   int regression, int has_score)
{
	struct mlg_buf b = MLG_BUF_INIT;
	char rate[40], max[40], ntested[32], nfailed[32];
	const char *cells[7];

	t->ran = 1;
	t->rate = t->tested ? (double)t->failed / (double)t->tested : NAN;
	t->status = t->tested && t->rate <= t->max_rate ? MLG_STATUS_PASS
							: MLG_STATUS_FAIL;
	c->status = t->status;
	mlg_buf_adds(&b, "failure_rate <= ");
	mlg_unit_format(&b, t->max_rate, MLG_UNIT_NONE, NULL);
	mlg_check_set_threshold(c, b.ptr);
	mlg_buf_reset(&b);
	percent(max, t->max_rate);
	if (!t->tested) {
		strcpy(rate, "-");
		mlg_buf_addf(&b, "the perturbation changed none of the %zu %s",
			     skipped, noun);
	} else {
		percent(rate, t->rate);
		mlg_check_set_value(c, t->rate, NULL);
		mlg_buf_addf(&b, "%zu of %zu %s (%s) ", t->failed, t->tested,
			     noun, rate);
		verb(&b, t, regression, has_score);
		mlg_buf_addf(&b, " (at most %s)", max);
		if (skipped)
			mlg_buf_addf(&b,
				     "; %zu of %zu %s unchanged by the "
				     "perturbation, not tested",
				     skipped, skipped + t->tested, noun);
	}
	mlg_check_set_message(c, "%s", b.ptr);
	mlg_buf_release(&b);
	snprintf(ntested, sizeof(ntested), "%zu", t->tested);
	snprintf(nfailed, sizeof(nfailed), "%zu", t->failed);
	cells[0] = t->name;
	cells[1] = type_names[t->type];
	cells[2] = ntested;
	cells[3] = nfailed;
	cells[4] = rate;
	cells[5] = max;
	cells[6] = mlg_status_name(t->status);
	mlg_table_add_row(tab, cells);
}

/* Forget the results of an earlier run. */
static void reset(struct mlg_behave_suite *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		s->tests[i].ran = 0;
		s->tests[i].tested = s->tests[i].failed = 0;
		s->tests[i].rate = NAN;
		s->tests[i].status = MLG_STATUS_SKIP;
	}
}

/* ---- model mode ---- */

/* The answers of one call, as labels and scores. */
struct answers {
	size_t n;
	char **label; /* n, or NULL for regression */
	double *score;
	int has_score;
};

static void answers_release(struct answers *a)
{
	size_t i;

	for (i = 0; a->label && i < a->n; i++)
		free(a->label[i]);
	free(a->label);
	free(a->score);
	memset(a, 0, sizeof(*a));
}

/* The column of the highest of the k probabilities `p`: the first on
 * ties, so 0.5/0.5 is the first class, as P(positive) > 0.5 decides in
 * metrics_ml.c. */
static size_t argmax(const double *p, size_t k)
{
	size_t j, best = 0;

	for (j = 1; j < k; j++)
		if (p[j] > p[best])
			best = j;
	return best;
}

static int convert(struct answers *out, const struct mlg_infer_out *o,
		   const struct mlg_behave_model *m, size_t nrows)
{
	size_t i, best;

	if (o->n != nrows)
		return mlg_error_set(MLG_EDATA,
				     "the model gave %zu answers for %zu rows",
				     o->n, nrows);
	if (!o->pred && !(o->proba && o->k))
		return mlg_error_set(MLG_EDATA,
				     "the model gave no predictions");
	if (m->regression && !o->pred)
		return mlg_error_set(MLG_EDATA,
				     "the model gave no predicted values");
	if (!m->regression && !o->pred && m->classes && m->nclasses != o->k)
		return mlg_error_set(MLG_EDATA,
				     "the model gave %zu probabilities a row "
				     "for %zu classes",
				     o->k, m->nclasses);
	out->n = nrows;
	out->score = mlg_calloc(nrows + 1, sizeof(*out->score));
	if (m->regression) {
		out->has_score = 1;
		memcpy(out->score, o->pred, nrows * sizeof(*out->score));
		return 0;
	}
	out->has_score = o->proba && o->k == 2;
	out->label = mlg_calloc(nrows + 1, sizeof(*out->label));
	for (i = 0; i < nrows; i++) {
		out->score[i] = out->has_score ? o->proba[i * 2 + 1] : NAN;
		if (o->pred) {
			out->label[i] = mlg_strfmt("%.17g", o->pred[i]);
			continue;
		}
		best = argmax(&o->proba[i * o->k], o->k);
		out->label[i] = m->classes ? mlg_strdup(m->classes[best])
					   : mlg_strfmt("%zu", best);
	}
	return 0;
}

/* Ask the model about `nrows` rows: numbers `x` and, when the test set
 * has text columns, their cells `text` (nrows * ncols each). */
static int predict(struct answers *out, const struct mlg_behave_model *m,
		   const struct mlg_infer_data *data, const double *x,
		   const char **text, size_t nrows, const char *name)
{
	struct mlg_infer_data v = {0};
	struct mlg_infer_out o = {0};
	int rc;

	v.nrows = nrows;
	v.ncols = data->ncols;
	v.names = data->names;
	v.x = (double *)x;
	v.is_text = data->is_text;
	v.text = text;
	rc = m->predict(&o, &v, m->arg);
	if (rc > 0)
		rc = mlg_error_set(MLG_ERROR, "the model callback returned %d",
				   rc);
	if (!rc)
		rc = convert(out, &o, m, nrows);
	if (rc)
		mlg_error_prefix("behaviour test '%s'", name);
	mlg_infer_out_release(&o);
	return rc;
}

/* What a test needs from the test set, resolved before any call. */
struct prep {
	size_t col;	      /* inv, dir: the perturbed feature */
	int text;	      /* inv, dir: it is a text column */
	size_t nrows;	      /* mft rows, or inv/dir rows of the test set */
	double *x;	      /* mft: nrows * ncols */
	const char **cells;   /* mft: nrows * ncols text cells, or NULL */
	const char **expect;  /* mft: nrows labels */
	double *expect_value; /* mft regression */
	size_t *idx;	      /* file mode: the rows of the ids */
	/* swap: from[i] becomes to[i] (sfrom, sto for text); any other
	 * value becomes the first "values" (swap_all) or stays (a map) */
	size_t nmap;
	double *from, *to;
	const char **sfrom, **sto;
	int swap_all;
};

static void prep_release(struct prep *p)
{
	free(p->x);
	free(p->cells);
	free(p->expect);
	free(p->expect_value);
	free(p->idx);
	free(p->from);
	free(p->to);
	free(p->sfrom);
	free(p->sto);
}

static int find_feature(size_t *out, const struct mlg_infer_data *data,
			const char *name)
{
	size_t i;

	for (i = 0; i < data->ncols; i++)
		if (!strcmp(data->names[i], name)) {
			*out = i;
			return 0;
		}
	return -1;
}

static int expect_number(double *out, const struct mlg_behave_suite *s,
			 const char *label, const char *ptr)
{
	/* no prediction is within a tolerance of NaN or of an infinity */
	if (mlg_parse_double(out, label) || !isfinite(*out))
		return mlg_json_error(&s->doc, ptr,
				      "expected value '%s' is not a finite "
				      "number",
				      label);
	return 0;
}

/* A missing value for a model that cannot be sent one, at `ptr`. */
static int no_missing(const struct mlg_behave_suite *s,
		      const struct mlg_behave_test *t,
		      const struct mlg_behave_model *m, const char *ptr)
{
	if (m->protocol)
		return mlg_json_error(&s->doc, ptr,
				      "test '%s': protocol '%s' cannot send a "
				      "missing value",
				      t->name, m->protocol);
	return mlg_json_error(&s->doc, ptr,
			      "test '%s': the model cannot be sent a missing "
			      "value",
			      t->name);
}

/* A JSON value of the wrong kind for its column, at `ptr`. */
static int wrong_kind(const struct mlg_behave_suite *s, const char *ptr,
		      const char *col, int text, const json_t *v)
{
	return mlg_json_error(
		&s->doc, ptr, "column '%s' is %s: expected a %s, found %s", col,
		text ? "text" : "numeric", text ? "string" : "number",
		mlg_json_type_name(v));
}

static int prep_mft(struct prep *p, struct mlg_behave_suite *s,
		    const struct mlg_behave_test *t,
		    const struct mlg_behave_model *m,
		    const struct mlg_infer_data *data)
{
	struct mlg_buf b = MLG_BUF_INIT, kb = MLG_BUF_INIT;
	size_t i, j, f, nc = data->ncols;
	const char *key;
	json_t *row, *v;
	int rc = 0, text;

	p->nrows = json_array_size(t->rows);
	p->x = mlg_calloc(p->nrows * nc + 1, sizeof(*p->x));
	if (data->is_text)
		p->cells = mlg_calloc(p->nrows * nc + 1, sizeof(*p->cells));
	p->expect = mlg_calloc(p->nrows + 1, sizeof(*p->expect));
	p->expect_value = mlg_calloc(p->nrows + 1, sizeof(*p->expect_value));
	json_array_foreach (t->rows, i, row) {
		at_index(&b, t->ptr, "rows", i);
		for (j = 0; j < nc; j++) {
			v = json_object_get(row, data->names[j]);
			if (!v) {
				rc = mlg_json_error(&s->doc, b.ptr,
						    "missing feature '%s'",
						    data->names[j]);
				goto done;
			}
			at(&kb, b.ptr, data->names[j]);
			text = mlg_infer_is_text(data, j);
			p->x[i * nc + j] = NAN;
			if (json_is_null(v)) {
				if (!m->missing_ok) {
					rc = no_missing(s, t, m, kb.ptr);
					goto done;
				}
			} else if (text ? !json_is_string(v)
					: !json_is_number(v)) {
				rc = wrong_kind(s, kb.ptr, data->names[j], text,
						v);
				goto done;
			} else if (text) {
				p->cells[i * nc + j] = json_string_value(v);
			} else {
				p->x[i * nc + j] = json_number_value(v);
			}
		}
		json_object_foreach (row, key, v) {
			if (!strcmp(key, "expect") ||
			    !find_feature(&f, data, key))
				continue;
			at(&kb, b.ptr, key);
			rc = mlg_json_error(&s->doc, kb.ptr,
					    "no feature '%s' in the test data",
					    key);
			goto done;
		}
		p->expect[i] = label_text(s, json_object_get(row, "expect"));
		mlg_json_pointer_append(&b, "expect");
		if (m->regression && (rc = expect_number(&p->expect_value[i], s,
							 p->expect[i], b.ptr)))
			goto done;
	}
done:
	mlg_buf_release(&b);
	mlg_buf_release(&kb);
	return rc;
}

/* The swap of a test as from -> to pairs, checked against its column. */
static int prep_swap(struct prep *p, struct mlg_behave_suite *s,
		     const struct mlg_behave_test *t, const char *ptr)
{
	struct mlg_buf b = MLG_BUF_INIT;
	const char *key;
	size_t i, n;
	json_t *v;
	int rc = 0;

	if (!t->map && p->text != (t->svalues != NULL)) {
		at(&b, ptr, "values");
		rc = mlg_json_error(&s->doc, b.ptr,
				    "column '%s' is %s: expected %s, found %s",
				    t->column, p->text ? "text" : "numeric",
				    p->text ? "strings" : "numbers",
				    p->text ? "numbers" : "strings");
		goto done;
	}
	n = t->map ? json_object_size(t->map) : t->nvalues;
	if (p->text) {
		p->sfrom = mlg_calloc(n, sizeof(*p->sfrom));
		p->sto = mlg_calloc(n, sizeof(*p->sto));
	} else {
		p->from = mlg_calloc(n, sizeof(*p->from));
		p->to = mlg_calloc(n, sizeof(*p->to));
	}
	if (!t->map) { /* each value becomes the next one */
		p->nmap = n;
		p->swap_all = 1;
		for (i = 0; i < n; i++) {
			if (p->text) {
				p->sfrom[i] = t->svalues[i];
				p->sto[i] = t->svalues[(i + 1) % n];
			} else {
				p->from[i] = t->values[i];
				p->to[i] = t->values[(i + 1) % n];
			}
		}
		goto done;
	}
	json_object_foreach (t->map, key, v) {
		at_key(&b, ptr, "map", key);
		if (p->text != json_is_string(v)) {
			rc = wrong_kind(s, b.ptr, t->column, p->text, v);
			goto done;
		}
		/* no value equals NaN: such a key would swap nothing */
		if (!p->text && (mlg_parse_double(&p->from[p->nmap], key) ||
				 isnan(p->from[p->nmap]))) {
			rc = mlg_json_error(&s->doc, b.ptr,
					    "column '%s' is numeric: key '%s' "
					    "is not a number",
					    t->column, key);
			goto done;
		}
		if (p->text) {
			p->sfrom[p->nmap] = key;
			p->sto[p->nmap] = json_string_value(v);
		} else {
			p->to[p->nmap] = json_number_value(v);
		}
		p->nmap++;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

/* An inv or dir test against its column: the op fits the column's kind,
 * a missing value can be sent. */
static int prep_perturb(struct prep *p, struct mlg_behave_suite *s,
			const struct mlg_behave_test *t,
			const struct mlg_behave_model *m,
			const struct mlg_infer_data *data)
{
	struct mlg_buf b = MLG_BUF_INIT, pb = MLG_BUF_INIT;
	int rc = 0;

	at(&pb, t->ptr, "perturb");
	at(&b, pb.ptr, "column");
	if (find_feature(&p->col, data, t->column)) {
		rc = mlg_json_error(&s->doc, b.ptr,
				    "no feature '%s' in the test data",
				    t->column);
		goto done;
	}
	p->text = mlg_infer_is_text(data, p->col);
	at(&b, pb.ptr, "op");
	switch (t->op) {
	case MLG_BEHAVE_MISSING:
		if (!m->missing_ok)
			rc = no_missing(s, t, m, b.ptr);
		break;
	case MLG_BEHAVE_SHIFT:
	case MLG_BEHAVE_SCALE:
		if (p->text)
			rc = mlg_json_error(&s->doc, b.ptr,
					    "op '%s' needs a numeric column, "
					    "and '%s' is text",
					    op_names[t->op], t->column);
		break;
	case MLG_BEHAVE_SET:
		if (p->text != (t->str != NULL)) {
			at(&b, pb.ptr, "value");
			rc = wrong_kind(s, b.ptr, t->column, p->text,
					mlg_json_at(s->doc.root, b.ptr));
		}
		break;
	case MLG_BEHAVE_SWAP:
		rc = prep_swap(p, s, t, pb.ptr);
		break;
	}
	p->nrows = t->first && t->first < data->nrows ? t->first : data->nrows;
done:
	mlg_buf_release(&b);
	mlg_buf_release(&pb);
	return rc;
}

static int prep_model(struct prep *p, struct mlg_behave_suite *s,
		      const struct mlg_behave_test *t,
		      const struct mlg_behave_model *m,
		      const struct mlg_infer_data *data)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	if (t->file_mode) {
		at(&b, t->ptr, t->type == MLG_BEHAVE_MFT ? "ids" : "pairs");
		rc = mlg_json_error(&s->doc, b.ptr,
				    "test '%s' pairs ids of a predictions "
				    "file: there is none with a model",
				    t->name);
		mlg_buf_release(&b);
		return rc;
	}
	if (t->type == MLG_BEHAVE_MFT)
		return prep_mft(p, s, t, m, data);
	return prep_perturb(p, s, t, m, data);
}

/* The cell (x, str) perturbed into (*ox, *os); a text column's number
 * is NaN and stays so. */
static void perturb(const struct mlg_behave_test *t, const struct prep *p,
		    double x, const char *str, double *ox, const char **os)
{
	size_t i;

	*ox = x;
	*os = str;
	switch (t->op) {
	case MLG_BEHAVE_SWAP:
		for (i = 0; i < p->nmap; i++)
			if (p->text ? str && !strcmp(p->sfrom[i], str)
				    : p->from[i] == x) {
				if (p->text)
					*os = p->sto[i];
				else
					*ox = p->to[i];
				return;
			}
		if (p->swap_all && p->text)
			*os = p->sfrom[0];
		else if (p->swap_all)
			*ox = p->from[0];
		return;
	case MLG_BEHAVE_SHIFT:
		*ox = x + t->by;
		return;
	case MLG_BEHAVE_SCALE:
		*ox = x * t->by;
		return;
	case MLG_BEHAVE_SET:
		if (p->text)
			*os = t->str;
		else
			*ox = t->by;
		return;
	case MLG_BEHAVE_MISSING:
		if (p->text)
			*os = NULL;
		else
			*ox = NAN;
		return;
	}
}

static int same(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static int same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static int need_score(const struct mlg_behave_suite *s,
		      const struct mlg_behave_test *t)
{
	return mlg_json_error(&s->doc, t->ptr,
			      "test '%s': dir needs a score: P(positive) "
			      "from two probabilities, or a regression value",
			      t->name);
}

static int run_mft(struct mlg_report *r, struct mlg_table *tab,
		   struct mlg_behave_suite *s, struct mlg_behave_test *t,
		   const struct prep *p, const struct mlg_behave_model *m,
		   const struct mlg_infer_data *data)
{
	struct mlg_buf where = MLG_BUF_INIT;
	struct answers a = {0};
	struct answer a0, a1;
	struct mlg_check *c;
	size_t i;
	int rc;

	if ((rc = predict(&a, m, data, p->x, p->cells, p->nrows, t->name)))
		goto done;
	c = start(r, s, t);
	for (i = 0; i < p->nrows; i++) {
		a0.label = p->expect[i];
		a0.score = p->expect_value[i];
		a1.label = a.label ? a.label[i] : NULL;
		a1.score = a.score[i];
		t->tested++;
		if (!fails(t, m->regression, a.has_score, &a0, &a1))
			continue;
		t->failed++;
		at_index(&where, t->ptr, "rows", i);
		failed_row(c, s, where.ptr, "", t, m->regression, a.has_score,
			   &a0, &a1);
	}
	finish(c, tab, t, "rows", 0, m->regression, a.has_score);
done:
	mlg_buf_release(&where);
	answers_release(&a);
	return rc;
}

static int run_perturbed(struct mlg_report *r, struct mlg_table *tab,
			 struct mlg_behave_suite *s, struct mlg_behave_test *t,
			 const struct prep *p, const struct mlg_behave_model *m,
			 const struct mlg_infer_data *data,
			 const struct answers *orig)
{
	size_t nc = data->ncols, i, j, k, n = 0, *idx;
	struct mlg_buf pre = MLG_BUF_INIT;
	struct answers a = {0};
	struct answer a0, a1;
	struct mlg_check *c;
	const char **cells = NULL, *s0, *s1;
	double *x, v0, v1;
	int rc = 0;

	/* The originals' answers tell: no call for a test that cannot be
	 * judged. */
	if (t->type == MLG_BEHAVE_DIR && orig->n && !orig->has_score)
		return need_score(s, t);
	/* Only rows the perturbation changed are sent and counted. */
	x = mlg_calloc(p->nrows * nc + 1, sizeof(*x));
	if (data->is_text)
		cells = mlg_calloc(p->nrows * nc + 1, sizeof(*cells));
	idx = mlg_calloc(p->nrows + 1, sizeof(*idx));
	for (i = 0; i < p->nrows; i++) {
		k = i * nc + p->col;
		v0 = data->x[k];
		s0 = p->text ? data->text[k] : NULL;
		perturb(t, p, v0, s0, &v1, &s1);
		if (p->text ? same_str(s0, s1) : same(v0, v1))
			continue;
		memcpy(&x[n * nc], &data->x[i * nc], nc * sizeof(*x));
		x[n * nc + p->col] = v1;
		if (cells) {
			memcpy(&cells[n * nc], &data->text[i * nc],
			       nc * sizeof(*cells));
			cells[n * nc + p->col] = s1;
		}
		idx[n++] = i;
	}
	if (n && (rc = predict(&a, m, data, x, cells, n, t->name)))
		goto done;
	if (n && a.has_score != orig->has_score) {
		rc = mlg_error_set(MLG_EDATA,
				   "behaviour test '%s': the model gave "
				   "scores for some rows and not for others",
				   t->name);
		goto done;
	}
	c = start(r, s, t);
	for (j = 0; j < n; j++) {
		i = idx[j];
		a0.label = orig->label ? orig->label[i] : NULL;
		a0.score = orig->score[i];
		a1.label = a.label ? a.label[j] : NULL;
		a1.score = a.score[j];
		t->tested++;
		if (!fails(t, m->regression, orig->has_score, &a0, &a1))
			continue;
		t->failed++;
		mlg_buf_reset(&pre);
		mlg_buf_addf(&pre, "row %zu: ", i + 1);
		failed_row(c, s, NULL, pre.ptr, t, m->regression,
			   orig->has_score, &a0, &a1);
	}
	finish(c, tab, t, "rows", p->nrows - n, m->regression, orig->has_score);
done:
	mlg_buf_release(&pre);
	answers_release(&a);
	free(x);
	free(cells);
	free(idx);
	return rc;
}

int mlg_behave_run(struct mlg_report *r, struct mlg_behave_suite *s,
		   const struct mlg_behave_model *m,
		   const struct mlg_infer_data *data)
{
	struct prep *pp = mlg_calloc(s->n + 1, sizeof(*pp));
	struct answers orig = {0};
	struct mlg_table *tab = NULL;
	size_t i, nfirst = 0;
	int rc = 0, have = 0;

	reset(s);
	for (i = 0; i < s->n; i++) {
		if ((rc = prep_model(&pp[i], s, &s->tests[i], m, data)))
			goto done;
		if (s->tests[i].type != MLG_BEHAVE_MFT && pp[i].nrows > nfirst)
			nfirst = pp[i].nrows;
	}
	tab = table(r);
	for (i = 0; i < s->n; i++) {
		struct mlg_behave_test *t = &s->tests[i];

		if (t->type == MLG_BEHAVE_MFT) {
			if ((rc = run_mft(r, tab, s, t, &pp[i], m, data)))
				goto done;
			continue;
		}
		/* The first rows are predicted once, for every test. */
		if (!have && nfirst &&
		    (rc = predict(&orig, m, data, data->x, data->text, nfirst,
				  t->name)))
			goto done;
		have = 1;
		if ((rc = run_perturbed(r, tab, s, t, &pp[i], m, data, &orig)))
			goto done;
	}
done:
	for (i = 0; i < s->n; i++)
		prep_release(&pp[i]);
	free(pp);
	answers_release(&orig);
	return rc;
}

/* ---- file mode ---- */

int mlg_behave_preds_from_predfile(struct mlg_behave_preds *out,
				   const struct mlg_predfile *pf, size_t idkey)
{
	const struct mlg_predfile_key *k;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (idkey >= pf->nkeys)
		return mlg_error_set(MLG_EINVALID,
				     "no id column among the %zu key columns",
				     pf->nkeys);
	k = &pf->keys[idkey];
	out->n = pf->n;
	out->rows = mlg_calloc(pf->n + 1, sizeof(*out->rows));
	out->regression = pf->task == MLG_TASK_REGRESSION;
	out->has_score = out->regression || pf->nproba == 1 ||
			 (pf->nproba == 2 && pf->nclasses == 2);
	for (i = 0; i < pf->n; i++) {
		struct mlg_behave_pred *p = &out->rows[i];

		p->id = k->values[k->code[i]];
		p->score = NAN;
		if (out->regression) {
			p->score = pf->predv[i];
			continue;
		}
		if (out->has_score)
			p->score = pf->nproba == 1 ? pf->proba[i]
						   : pf->proba[i * 2 + 1];
		if (pf->pred) {
			p->label = pf->classes[pf->pred[i]];
		} else if (pf->nproba == 1) {
			/* as metrics_ml.c decides a binary row */
			p->label =
				pf->classes[p->score > 0.5 && pf->nclasses > 1];
		} else if (pf->nproba) {
			p->label = pf->classes[argmax(
				&pf->proba[i * pf->nproba], pf->nproba)];
		}
	}
	return 0;
}

void mlg_behave_preds_release(struct mlg_behave_preds *p)
{
	free(p->rows);
	memset(p, 0, sizeof(*p));
}

/* An index of the predictions by id. */
struct idref {
	const char *id;
	size_t row;
};

static int cmp_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* The row of `id` in the sorted index `ix`, or an error at `ptr`. */
static int find_id(size_t *out, const struct mlg_behave_suite *s,
		   const struct mlg_behave_preds *p, const struct idref *ix,
		   const char *id, const char *ptr)
{
	size_t lo = 0, hi = p->n, mid, n = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ix[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < p->n && !strcmp(ix[lo + n].id, id))
		n++;
	if (!n)
		return mlg_json_error(&s->doc, ptr,
				      "no row with id '%s' in the predictions",
				      id);
	if (n > 1)
		return mlg_error_set(MLG_EDATA,
				     "id '%s' occurs %zu times in the "
				     "predictions",
				     id, n);
	*out = ix[lo].row;
	return 0;
}

static int prep_file(struct prep *p, struct mlg_behave_suite *s,
		     const struct mlg_behave_test *t,
		     const struct mlg_behave_preds *pr, const struct idref *ix)
{
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i, nid;
	int rc = 0;

	if (!t->file_mode) {
		at(&b, t->ptr, t->type == MLG_BEHAVE_MFT ? "rows" : "perturb");
		rc = mlg_json_error(&s->doc, b.ptr,
				    "test '%s' needs a model to call: there is "
				    "none in predictions-file mode",
				    t->name);
		goto done;
	}
	if (t->type == MLG_BEHAVE_DIR && !pr->has_score) {
		rc = need_score(s, t);
		goto done;
	}
	nid = t->type == MLG_BEHAVE_MFT ? t->n : 2 * t->n;
	p->nrows = t->n;
	p->idx = mlg_calloc(nid + 1, sizeof(*p->idx));
	p->expect_value = mlg_calloc(t->n + 1, sizeof(*p->expect_value));
	for (i = 0; i < nid; i++) {
		if (t->type == MLG_BEHAVE_MFT) {
			at_key(&b, t->ptr, "ids", t->ids[2 * i]);
			if ((rc = find_id(&p->idx[i], s, pr, ix, t->ids[2 * i],
					  b.ptr)))
				goto done;
			if (pr->regression &&
			    (rc = expect_number(&p->expect_value[i], s,
						t->ids[2 * i + 1], b.ptr)))
				goto done;
			continue;
		}
		at_index(&b, t->ptr, "pairs", i / 2);
		mlg_buf_addf(&b, "/%zu", i % 2);
		if ((rc = find_id(&p->idx[i], s, pr, ix, t->ids[i], b.ptr)))
			goto done;
	}
done:
	mlg_buf_release(&b);
	return rc;
}

static void run_file_test(struct mlg_report *r, struct mlg_table *tab,
			  struct mlg_behave_suite *s, struct mlg_behave_test *t,
			  const struct prep *p,
			  const struct mlg_behave_preds *pr)
{
	struct mlg_buf where = MLG_BUF_INIT, pre = MLG_BUF_INIT;
	struct mlg_check *c = start(r, s, t);
	const struct mlg_behave_pred *q0, *q1;
	struct answer a0, a1;
	size_t i;

	for (i = 0; i < t->n; i++) {
		mlg_buf_reset(&pre);
		if (t->type == MLG_BEHAVE_MFT) {
			q1 = &pr->rows[p->idx[i]];
			a0.label = t->ids[2 * i + 1];
			a0.score = p->expect_value[i];
			mlg_buf_addf(&pre, "id '%s': ", q1->id);
		} else {
			q0 = &pr->rows[p->idx[2 * i]];
			q1 = &pr->rows[p->idx[2 * i + 1]];
			a0.label = q0->label;
			a0.score = q0->score;
			mlg_buf_addf(&pre, "'%s' -> '%s': ", q0->id, q1->id);
		}
		a1.label = q1->label;
		a1.score = q1->score;
		t->tested++;
		if (!fails(t, pr->regression, pr->has_score, &a0, &a1))
			continue;
		t->failed++;
		if (t->type == MLG_BEHAVE_MFT) {
			at_key(&where, t->ptr, "ids", t->ids[2 * i]);
		} else {
			at_index(&where, t->ptr, "pairs", i);
		}
		failed_row(c, s, where.ptr, pre.ptr, t, pr->regression,
			   pr->has_score, &a0, &a1);
	}
	finish(c, tab, t, t->type == MLG_BEHAVE_MFT ? "ids" : "pairs", 0,
	       pr->regression, pr->has_score);
	mlg_buf_release(&where);
	mlg_buf_release(&pre);
}

int mlg_behave_run_preds(struct mlg_report *r, struct mlg_behave_suite *s,
			 const struct mlg_behave_preds *p)
{
	struct prep *pp = mlg_calloc(s->n + 1, sizeof(*pp));
	struct idref *ix = mlg_calloc(p->n + 1, sizeof(*ix));
	struct mlg_table *tab;
	size_t i;
	int rc = 0;

	reset(s);
	for (i = 0; i < p->n; i++) {
		ix[i].id = p->rows[i].id ? p->rows[i].id : "";
		ix[i].row = i;
	}
	qsort(ix, p->n, sizeof(*ix), cmp_idref);
	for (i = 0; i < s->n; i++)
		if ((rc = prep_file(&pp[i], s, &s->tests[i], p, ix)))
			goto done;
	tab = table(r);
	for (i = 0; i < s->n; i++)
		run_file_test(r, tab, s, &s->tests[i], &pp[i], p);
done:
	for (i = 0; i < s->n; i++)
		prep_release(&pp[i]);
	free(pp);
	free(ix);
	return rc;
}

void mlg_behave_metrics_to_json(struct json_t *obj,
				const struct mlg_behave_suite *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct mlg_behave_test *t = &s->tests[i];
		char *key;

		if (!t->ran || !t->tested)
			continue;
		key = mlg_strfmt("behaviour/%s/failure_rate", t->name);
		json_object_set_new(obj, key, json_real(t->rate));
		free(key);
	}
}
