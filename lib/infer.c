/* infer.c - serving protocols: requests, responses, the dataset sent */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/http.h"
#include "mlgate/infer.h"
#include "mlgate/json.h"
#include "mlgate/stream.h"
#include "mlgate/tool.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

/* By enum value. */
static const char *const proto_names[] = {NULL, "v2", "tfserving", "mlflow"};

int mlg_infer_proto_parse(enum mlg_infer_proto *out, const char *name)
{
	int p;

	for (p = MLG_INFER_V2; p <= MLG_INFER_MLFLOW; p++) {
		if (!strcmp(name, proto_names[p])) {
			*out = (enum mlg_infer_proto)p;
			return 0;
		}
	}
	return mlg_error_set(MLG_EINVALID,
			     "unknown protocol '%s' (expected v2, "
			     "tfserving or mlflow)",
			     name);
}

static int base_len(const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	return (int)n;
}

char *mlg_infer_url(enum mlg_infer_proto p, const char *base, const char *model)
{
	int n = base_len(base);

	if (p == MLG_INFER_V2)
		return mlg_strfmt("%.*s/v2/models/%s/infer", n, base, model);
	if (p == MLG_INFER_TFSERVING)
		return mlg_strfmt("%.*s/v1/models/%s:predict", n, base, model);
	return mlg_strfmt("%.*s/invocations", n, base);
}

char *mlg_infer_ready_url(enum mlg_infer_proto p, const char *base,
			  const char *model, int i)
{
	int n = base_len(base);

	if (p == MLG_INFER_V2 && i == 0)
		return mlg_strfmt("%.*s/v2/health/ready", n, base);
	if (p == MLG_INFER_V2 && i == 1)
		return mlg_strfmt("%.*s/v2/models/%s/ready", n, base, model);
	if (p == MLG_INFER_TFSERVING && i == 0)
		return mlg_strfmt("%.*s/v1/models/%s", n, base, model);
	if (p == MLG_INFER_MLFLOW && i == 0)
		return mlg_strfmt("%.*s/ping", n, base);
	return NULL;
}

int mlg_infer_proto_missing_ok(enum mlg_infer_proto p)
{
	return p == MLG_INFER_MLFLOW;
}

/* Every cell is checked before a byte is written: an infinity cannot be
 * JSON, and a missing value only mlflow can send (as null). */
static int check_cells(enum mlg_infer_proto p, const struct mlg_infer_data *d,
		       size_t first, size_t nrows)
{
	size_t i, j;
	double v;

	for (i = first; i < first + nrows; i++)
		for (j = 0; j < d->ncols; j++) {
			v = d->x[i * d->ncols + j];
			if (!mlg_infer_is_text(d, j) && isinf(v))
				return mlg_error_set(MLG_EINVALID,
						     "row %zu: feature '%s' is "
						     "not a finite number",
						     i + 1, d->names[j]);
			if (!mlg_infer_proto_missing_ok(p) &&
			    mlg_infer_is_missing(d, i, j))
				return mlg_error_set(MLG_EINVALID,
						     "row %zu: feature '%s' is "
						     "missing: protocol '%s' "
						     "cannot send a missing "
						     "value",
						     i + 1, d->names[j],
						     proto_names[p]);
		}
	return 0;
}

/* One cell as JSON: a number (%.17g round-trips every double), a
 * string, or null when missing. */
static void add_cell(struct mlg_buf *b, const struct mlg_infer_data *d,
		     size_t i, size_t j)
{
	if (mlg_infer_is_missing(d, i, j))
		mlg_buf_adds(b, "null");
	else if (mlg_infer_is_text(d, j))
		mlg_json_add_str(b, d->text[i * d->ncols + j]);
	else
		mlg_buf_addf(b, "%.17g", d->x[i * d->ncols + j]);
}

static int has_text(const struct mlg_infer_data *d)
{
	size_t j;

	for (j = 0; j < d->ncols; j++)
		if (mlg_infer_is_text(d, j))
			return 1;
	return 0;
}

/* OIP v2 with a text column: a tensor holds one datatype only, so each
 * column is an input of its own, [rows, 1]. */
static void v2_columns(struct mlg_buf *b, const struct mlg_infer_data *d,
		       size_t first, size_t nrows)
{
	size_t i, j;

	mlg_buf_adds(b, "{\"inputs\":[");
	for (j = 0; j < d->ncols; j++) {
		mlg_buf_adds(b, j ? ",{\"name\":" : "{\"name\":");
		mlg_json_add_str(b, d->names[j]);
		mlg_buf_addf(b,
			     ",\"shape\":[%zu,1],\"datatype\":\"%s\","
			     "\"data\":[",
			     nrows, mlg_infer_is_text(d, j) ? "BYTES" : "FP64");
		for (i = first; i < first + nrows; i++) {
			if (i > first)
				mlg_buf_addch(b, ',');
			add_cell(b, d, i, j);
		}
		mlg_buf_adds(b, "]}");
	}
	mlg_buf_adds(b, "]}");
}

/* The body into `b`, which has no cap (the caller's cap is applied to
 * the whole body at once, so it is never cut half-way). */
static void body(struct mlg_buf *b, enum mlg_infer_proto p,
		 const struct mlg_infer_data *d, size_t first, size_t nrows)
{
	int text = has_text(d), flat = p == MLG_INFER_V2;
	size_t i, j;

	if (p == MLG_INFER_V2 && text) {
		v2_columns(b, d, first, nrows);
		return;
	}
	if (p == MLG_INFER_V2)
		mlg_buf_addf(b,
			     "{\"inputs\":[{\"name\":\"input\",\"shape\":[%zu,"
			     "%zu],\"datatype\":\"FP64\",\"data\":[",
			     nrows, d->ncols);
	else if (p == MLG_INFER_TFSERVING)
		mlg_buf_adds(b, "{\"instances\":[");
	else {
		mlg_buf_adds(b, "{\"dataframe_split\":{\"columns\":[");
		for (j = 0; j < d->ncols; j++) {
			if (j)
				mlg_buf_addch(b, ',');
			mlg_json_add_str(b, d->names[j]);
		}
		mlg_buf_adds(b, "],\"data\":[");
	}
	/* TF Serving's row format names the inputs of an instance when
	 * they differ in type: an object a row */
	text = text && p == MLG_INFER_TFSERVING;
	for (i = first; i < first + nrows; i++) {
		if (i > first)
			mlg_buf_addch(b, ',');
		if (!flat)
			mlg_buf_addch(b, text ? '{' : '[');
		for (j = 0; j < d->ncols; j++) {
			if (j)
				mlg_buf_addch(b, ',');
			if (text) {
				mlg_json_add_str(b, d->names[j]);
				mlg_buf_addch(b, ':');
			}
			add_cell(b, d, i, j);
		}
		if (!flat)
			mlg_buf_addch(b, text ? '}' : ']');
	}
	mlg_buf_adds(b, p == MLG_INFER_MLFLOW ? "]}}" : "]}");
	if (p == MLG_INFER_V2)
		mlg_buf_adds(b, "]}");
}

int mlg_infer_request_rows(struct mlg_buf *out, enum mlg_infer_proto p,
			   const struct mlg_infer_data *d, size_t first,
			   size_t nrows)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	if ((rc = check_cells(p, d, first, nrows)))
		return rc;
	body(&b, p, d, first, nrows);
	if (mlg_buf_add(out, b.ptr, b.len))
		rc = mlg_error_set(MLG_ELIMIT, "request body too large");
	mlg_buf_release(&b);
	return rc;
}

int mlg_infer_request(struct mlg_buf *out, enum mlg_infer_proto p,
		      const char *const *names, size_t ncols, const double *x,
		      size_t nrows)
{
	struct mlg_infer_data d = {0};

	d.nrows = nrows;
	d.ncols = ncols;
	d.names = (char **)names;
	d.x = (double *)x;
	return mlg_infer_request_rows(out, p, &d, 0, nrows);
}

int mlg_infer_fix_tokens(struct mlg_buf *out, const char *text, size_t len)
{
	static const char *const tok[] = {"-Infinity", "Infinity", "NaN"};
	size_t i = 0, t;
	int in_str = 0;

	while (i < len) {
		char c = text[i];

		if (in_str) {
			if (c == '\\' && i + 1 < len) {
				if (mlg_buf_add(out, text + i, 2))
					return MLG_ELIMIT;
				i += 2;
				continue;
			}
			if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '-' || c == 'I' || c == 'N') {
			for (t = 0; t < MLG_ARRAY_SIZE(tok); t++) {
				size_t n = strlen(tok[t]);

				if (len - i >= n &&
				    !memcmp(text + i, tok[t], n))
					break;
			}
			if (t < MLG_ARRAY_SIZE(tok)) {
				if (mlg_buf_addf(out, "\"%s\"", tok[t]))
					return MLG_ELIMIT;
				i += strlen(tok[t]);
				continue;
			}
		}
		if (mlg_buf_addch(out, c))
			return MLG_ELIMIT;
		i++;
	}
	return 0;
}

int mlg_infer_json_number(double *out, const json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_number(v))
		*out = json_number_value(v);
	else if (s && !strcmp(s, "NaN"))
		*out = NAN;
	else if (s && !strcmp(s, "Infinity"))
		*out = INFINITY;
	else if (s && !strcmp(s, "-Infinity"))
		*out = -INFINITY;
	else
		return -1;
	return 0;
}

/* A predicted value: a number, or a boolean (a binary label). */
static int num(double *out, const json_t *v)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	return mlg_infer_json_number(out, v);
}

/* Flatten nested arrays of numbers into *a (row-major). -1 and *bad set
 * to the flat index of a value that is not a number. */
static int flatten(double **a, size_t *n, size_t *alloc, const json_t *v,
		   size_t *bad, int depth)
{
	size_t i;

	if (json_is_array(v)) {
		if (depth > 32) {
			*bad = *n;
			return -1;
		}
		for (i = 0; i < json_array_size(v); i++)
			if (flatten(a, n, alloc, json_array_get(v, i), bad,
				    depth + 1))
				return -1;
		return 0;
	}
	*a = mlg_grow(*a, sizeof(double), *n + 1, alloc);
	if (num(&(*a)[*n], v)) {
		*bad = *n;
		return -1;
	}
	(*n)++;
	return 0;
}

/* The width of each row of `v`: 0 for a list of scalars, the length of
 * the first row for a list of lists. */
static size_t row_width(const json_t *v)
{
	const json_t *r = json_array_get(v, 0);

	return json_is_array(r) ? json_array_size(r) : 0;
}

/* Take one output of `rows` rows and `width` values a row (0: scalar). */
static int take(struct mlg_infer_out *o, const json_t *data, size_t width,
		size_t rows)
{
	double *a = NULL;
	size_t n = 0, alloc = 0, bad = 0, want = width ? width : 1;

	if (flatten(&a, &n, &alloc, data, &bad, 0)) {
		free(a);
		return mlg_error_set(MLG_EDATA,
				     "response value at row %zu is not a "
				     "number",
				     bad / want + 1);
	}
	if (n != rows * want) {
		free(a);
		if (n % want == 0)
			return mlg_error_set(MLG_EDATA,
					     "response has %zu rows, expected "
					     "%zu",
					     n / want, rows);
		return mlg_error_set(MLG_EDATA,
				     "response has %zu values, expected %zu", n,
				     rows * want);
	}
	if (want >= 2 && !o->proba) {
		o->proba = a;
		o->k = want;
	} else if (want == 1 && !o->pred) {
		o->pred = a;
	} else {
		free(a);
	}
	return 0;
}

static int parse_v2(struct mlg_infer_out *o, json_t *root, size_t rows)
{
	json_t *outs = json_object_get(root, "outputs"), *t;
	size_t i;
	int rc;

	json_array_foreach (outs, i, t) {
		json_t *shape = json_object_get(t, "shape");
		json_t *data = json_object_get(t, "data");
		size_t nd = json_array_size(shape), w = 0;

		if (!json_is_array(data) || !nd)
			continue;
		if (nd == 2)
			w = (size_t)json_integer_value(
				json_array_get(shape, 1));
		else if (nd != 1)
			continue;
		if (w == 1)
			w = 0;
		if ((w >= 2 && o->proba) || (!w && o->pred))
			continue;
		if ((rc = take(o, data, w, rows)))
			return rc;
	}
	return 0;
}

static int parse_list(struct mlg_infer_out *o, json_t *root, size_t rows)
{
	json_t *v = root;
	size_t w;

	if (json_is_object(root)) {
		v = json_object_get(root, "predictions");
		if (!v)
			v = json_object_get(root, "outputs");
	}
	if (!json_is_array(v))
		return 0;
	w = row_width(v);
	return take(o, v, w == 1 ? 0 : w, rows);
}

int mlg_infer_parse(struct mlg_infer_out *out, enum mlg_infer_proto p,
		    const char *body, size_t len, size_t nrows)
{
	struct mlg_buf fixed = MLG_BUF_INIT;
	json_error_t e;
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->n = nrows;
	if ((rc = mlg_infer_fix_tokens(&fixed, body, len)))
		goto done;
	root = json_loadb(fixed.ptr, fixed.len, JSON_ALLOW_NUL, &e);
	if (!root) {
		rc = mlg_error_set(MLG_EDATA,
				   "invalid JSON in response: %d:%d: %s",
				   e.line, e.column, e.text);
		goto done;
	}
	if (p == MLG_INFER_V2)
		rc = parse_v2(out, root, nrows);
	else
		rc = parse_list(out, root, nrows);
	if (!rc && !out->proba && !out->pred)
		rc = mlg_error_set(MLG_EDATA, "response has no predictions");
done:
	json_decref(root);
	mlg_buf_release(&fixed);
	return rc;
}

void mlg_infer_out_release(struct mlg_infer_out *o)
{
	free(o->proba);
	free(o->pred);
	memset(o, 0, sizeof(*o));
}

char *mlg_infer_error_text(const char *body, size_t len)
{
	struct mlg_buf fixed = MLG_BUF_INIT, b = MLG_BUF_INIT;
	json_t *root, *v;
	char *s = NULL;

	if (mlg_infer_fix_tokens(&fixed, body, len))
		goto done;
	root = json_loadb(fixed.ptr, fixed.len, 0, NULL);
	v = json_object_get(root, "error");
	if (json_is_string(v))
		s = mlg_strdup(json_string_value(v));
	else if (v && !mlg_json_dump(&b, v, 0))
		s = mlg_buf_detach(&b, NULL);
	json_decref(root);
done:
	mlg_buf_release(&fixed);
	mlg_buf_release(&b);
	return s;
}

/* The input, with the bytes read to tell CSV from JSON Lines given
 * back first. */
struct input {
	struct mlg_stream *s;
	char head[4096];
	size_t hlen, hpos;
};

static ssize_t rd(void *ctx, void *buf, size_t n)
{
	struct input *in = ctx;

	if (in->hpos < in->hlen) {
		if (n > in->hlen - in->hpos)
			n = in->hlen - in->hpos;
		memcpy(buf, in->head + in->hpos, n);
		in->hpos += n;
		return (ssize_t)n;
	}
	return mlg_stream_read(in->s, buf, n);
}

/* 1 when the first byte that is not white space is '{': JSON Lines. */
static int sniff_jsonl(struct input *in, int *rc)
{
	ssize_t r;
	size_t i = 0;

	*rc = 0;
	for (;;) {
		for (; i < in->hlen; i++)
			if (!strchr(" \t\r\n", in->head[i]) || !in->head[i])
				return in->head[i] == '{';
		if (in->hlen == sizeof(in->head))
			return 0;
		r = mlg_stream_read(in->s, in->head + in->hlen,
				    sizeof(in->head) - in->hlen);
		if (r <= 0) {
			*rc = r < 0 ? (int)r : 0;
			return 0;
		}
		in->hlen += (size_t)r;
	}
}

static char *field(const struct mlg_csv_record *r, size_t i)
{
	return mlg_strndup(r->fields[i].ptr, r->fields[i].len);
}

/* Map the header to kept and feature columns: role[i] is -1 (ignored),
 * k (kept column k) or nkeep + f (feature f). */
static int map_header(struct mlg_infer_data *d, int *role,
		      const struct mlg_csv_record *h, const char *src,
		      const char *const *keep, size_t nkeep,
		      const char *const *feat, size_t nfeat)
{
	size_t i, j;

	for (i = 0; i < h->nfields; i++)
		role[i] = -1;
	for (j = 0; j < nkeep + nfeat; j++) {
		const char *want = j < nkeep ? keep[j] : feat[j - nkeep];

		for (i = 0; i < h->nfields; i++)
			if (h->fields[i].len == strlen(want) &&
			    !memcmp(h->fields[i].ptr, want, strlen(want)))
				break;
		if (i == h->nfields)
			return mlg_error_set(MLG_EINVALID,
					     "no column '%s' in '%s'", want,
					     src);
		role[i] = (int)j;
	}
	if (feat) {
		d->ncols = nfeat;
		d->names = mlg_calloc(nfeat + 1, sizeof(char *));
		for (j = 0; j < nfeat; j++)
			d->names[j] = mlg_strdup(feat[j]);
	} else {
		d->names = mlg_calloc(h->nfields + 1, sizeof(char *));
		for (i = 0; i < h->nfields; i++) {
			if (role[i] >= 0)
				continue;
			role[i] = (int)(nkeep + d->ncols);
			d->names[d->ncols++] = field(h, i);
		}
		if (!d->ncols)
			return mlg_error_set(MLG_EINVALID,
					     "no feature columns in '%s'", src);
	}
	/* which columns are text is known at the end (see finish()) */
	d->is_text = mlg_calloc(d->ncols + 1, 1);
	return 0;
}

/*
 * What a read gathers besides `out`: array capacities, and the text of
 * every feature cell, NUL-terminated, row by row in feature order.
 * Whether a column is text is known only after its last cell, and then
 * its earlier cells are needed as written ("007", not 7); the cells
 * hold no NUL byte, so they are found again by walking the pool.
 */
struct acc {
	size_t ax, ak;
	struct mlg_buf pool;
	const struct mlg_csv_field **cell; /* ncols: this row's */
};

static void acc_release(struct acc *a)
{
	mlg_buf_release(&a->pool);
	free(a->cell);
}

/* Store one feature cell: its number in *x (NaN when empty or text,
 * and not parsed once the column is text), its text in the pool; a text
 * cell makes its column text. */
static int take_cell(struct mlg_infer_data *out, struct acc *a, size_t j,
		     double *x, const struct mlg_csv_field *f,
		     const struct mlg_csv_record *rec, const char *src)
{
	const char *why = NULL;
	size_t at = a->pool.len;

	*x = NAN;
	/* the pool's copy is the NUL-terminated string parsed: no
	 * allocation a cell */
	mlg_buf_add(&a->pool, f->ptr, f->len);
	mlg_buf_addch(&a->pool, '\0');
	if (!f->len)
		return 0;
	if (memchr(f->ptr, '\0', f->len)) {
		why = "holds a NUL byte";
	} else if (out->is_text[j] || mlg_parse_double(x, a->pool.ptr + at)) {
		*x = NAN;
		out->is_text[j] = 1;
		/* requests are JSON, and JSON strings are UTF-8 */
		if (!mlg_utf8_valid(f->ptr, f->len))
			why = "is not valid UTF-8";
	}
	if (why)
		return mlg_error_set(
			MLG_EDATA, "'%s': line %llu: feature '%s' %s", src,
			(unsigned long long)rec->line, out->names[j], why);
	return 0;
}

/* Store the data row `rec` of `width` fields (roles from the header). */
static int take_row(struct mlg_infer_data *out, const int *role, size_t width,
		    const struct mlg_csv_record *rec, const char *src,
		    struct acc *a)
{
	size_t i, j, nkeep = out->nkeep;
	int rc;

	if (rec->nfields != width)
		return mlg_error_set(
			MLG_EDATA, "'%s': line %llu: %zu fields, expected %zu",
			src, (unsigned long long)rec->line, rec->nfields,
			width);
	out->x = mlg_grow(out->x, sizeof(double), (out->nrows + 1) * out->ncols,
			  &a->ax);
	out->kept = mlg_grow(out->kept, sizeof(char *),
			     (out->nrows + 1) * nkeep + 1, &a->ak);
	if (!a->cell)
		a->cell = mlg_calloc(out->ncols + 1, sizeof(*a->cell));
	/* a row that fails half-way is freed by the release */
	memset(out->kept + out->nrows * nkeep, 0, nkeep * sizeof(char *));
	for (i = 0; i < width; i++) {
		if (role[i] < 0)
			continue;
		if ((size_t)role[i] < nkeep)
			out->kept[out->nrows * nkeep + role[i]] = field(rec, i);
		else
			a->cell[role[i] - (int)nkeep] = &rec->fields[i];
	}
	out->nrows++;
	/* in feature order, as finish() walks the pool */
	for (j = 0; j < out->ncols; j++)
		if ((rc = take_cell(out, a, j,
				    &out->x[(out->nrows - 1) * out->ncols + j],
				    a->cell[j], rec, src)))
			return rc;
	return 0;
}

/* Once every row is read: point the cells of the text columns into the
 * pool, which `out` keeps; drop it when every column is numeric. */
static void finish(struct mlg_infer_data *out, struct acc *a)
{
	size_t i, j, n, ntext = 0;
	const char *p;

	for (j = 0; j < out->ncols; j++)
		ntext += out->is_text[j];
	if (!ntext) {
		free(out->is_text);
		out->is_text = NULL;
		return;
	}
	out->pool = mlg_buf_detach(&a->pool, NULL);
	out->text = mlg_calloc(out->nrows * out->ncols + 1, sizeof(char *));
	p = out->pool;
	for (i = 0; i < out->nrows; i++)
		for (j = 0; j < out->ncols; j++) {
			n = strlen(p);
			if (out->is_text[j]) {
				out->x[i * out->ncols + j] = NAN;
				if (n)
					out->text[i * out->ncols + j] = p;
			}
			p += n + 1;
		}
}

/* A JSON Lines value as the text a CSV cell would hold; NULL for an
 * array or object. */
static char *cell_text(const json_t *v)
{
	struct mlg_buf b = MLG_BUF_INIT;

	if (!v || json_is_null(v))
		return mlg_strdup("");
	if (json_is_array(v) || json_is_object(v))
		return NULL;
	mlg_json_cell(&b, (json_t *)v);
	return mlg_buf_detach(&b, NULL);
}

/* JSON Lines: the keys of the first object are the columns. */
struct jl {
	struct mlg_infer_data *out;
	const char *src;
	const char *const *keep, *const *feat;
	size_t nkeep, nfeat, width;
	struct acc *acc;
	char **names; /* width column names */
	int *role;
};

static int jl_line(struct jl *j, const char *text, size_t len, uint64_t no)
{
	struct mlg_csv_field *f = NULL;
	struct mlg_csv_record rec = {0};
	json_error_t je;
	json_t *o, *v;
	const char *key;
	char **cells = NULL;
	size_t i, n = 0;
	int rc = 0;

	if (strspn(text, " \t\r") >= len)
		return 0;
	if (!(o = json_loadb(text, len, 0, &je)) || !json_is_object(o)) {
		json_decref(o);
		return mlg_error_set(MLG_EDATA, "'%s': line %llu: %s", j->src,
				     (unsigned long long)no,
				     o ? "expected a JSON object" : je.text);
	}
	if (!j->names) {
		j->width = json_object_size(o);
		j->names = mlg_calloc(j->width + 1, sizeof(char *));
		f = mlg_calloc(j->width + 1, sizeof(*f));
		json_object_foreach (o, key, v) {
			j->names[n] = mlg_strdup(key);
			f[n].ptr = j->names[n];
			f[n++].len = strlen(key);
		}
		rec.fields = f;
		rec.nfields = j->width;
		j->role = mlg_calloc(j->width + 1, sizeof(int));
		rc = map_header(j->out, j->role, &rec, j->src, j->keep,
				j->nkeep, j->feat, j->nfeat);
		free(f);
		f = NULL;
		if (rc)
			goto done;
	}
	cells = mlg_calloc(j->width + 1, sizeof(char *));
	f = mlg_calloc(j->width + 1, sizeof(*f));
	for (i = 0, n = 0; i < j->width; i++) {
		v = json_object_get(o, j->names[i]);
		n += v != NULL;
		if (!(cells[i] = cell_text(v))) {
			rc = mlg_error_set(
				MLG_EDATA,
				"'%s': line %llu: '%s' is an %s, "
				"not a number or text",
				j->src, (unsigned long long)no, j->names[i],
				json_is_array(v) ? "array" : "object");
			goto done;
		}
		f[i].ptr = cells[i];
		f[i].len = strlen(cells[i]);
	}
	if (n < json_object_size(o)) {
		/* a key the first row did not have: name it */
		json_object_foreach (o, key, v) {
			for (i = 0; i < j->width && strcmp(j->names[i], key);
			     i++)
				;
			if (i == j->width)
				break;
		}
		rc = mlg_error_set(MLG_EDATA,
				   "'%s': line %llu: key '%s' is not a column "
				   "of the first row",
				   j->src, (unsigned long long)no, key);
		goto done;
	}
	rec.fields = f;
	rec.nfields = j->width;
	rec.line = no;
	rc = take_row(j->out, j->role, j->width, &rec, j->src, j->acc);
done:
	for (i = 0; cells && i < j->width; i++)
		free(cells[i]);
	free(cells);
	free(f);
	json_decref(o);
	return rc;
}

static int read_jsonl(struct jl *j, struct input *in)
{
	struct mlg_buf line = MLG_BUF_INIT;
	char buf[65536], *p, *nl;
	uint64_t no = 0;
	ssize_t r;
	int rc = 0;

	while (!rc && (r = rd(in, buf, sizeof(buf))) > 0) {
		for (p = buf;
		     !rc && (nl = memchr(p, '\n', (size_t)(buf + r - p)));
		     p = nl + 1) {
			mlg_buf_add(&line, p, (size_t)(nl - p));
			rc = jl_line(j, line.ptr, line.len, ++no);
			mlg_buf_reset(&line);
		}
		if (!rc)
			mlg_buf_add(&line, p, (size_t)(buf + r - p));
	}
	if (!rc && r < 0)
		rc = (int)r;
	if (!rc && line.len)
		rc = jl_line(j, line.ptr, line.len, ++no);
	if (!rc && !j->names)
		rc = mlg_error_set(MLG_EINVALID, "'%s': no rows", j->src);
	mlg_buf_release(&line);
	return rc;
}

int mlg_infer_data_read(struct mlg_infer_data *out, const char *src,
			const char *const *keep, size_t nkeep,
			const char *const *features, size_t nfeatures)
{
	struct mlg_csv_reader rdr;
	struct mlg_csv_record rec;
	struct input in = {0};
	struct jl j = {0};
	struct acc a = {0};
	size_t i, width = 0;
	int *role = NULL, rc, r, first = 1;

	memset(out, 0, sizeof(*out));
	memset(&rdr, 0, sizeof(rdr));
	mlg_buf_init(&a.pool, 0);
	out->nkeep = nkeep;
	out->knames = mlg_calloc(nkeep + 1, sizeof(char *));
	for (i = 0; i < nkeep; i++)
		out->knames[i] = mlg_strdup(keep[i]);
	if ((rc = mlg_stream_open(&in.s, src, NULL)))
		return rc;
	if (sniff_jsonl(&in, &rc) && !rc) {
		j.out = out;
		j.src = src;
		j.keep = keep;
		j.nkeep = nkeep;
		j.feat = features;
		j.nfeat = nfeatures;
		j.acc = &a;
		rc = read_jsonl(&j, &in);
		for (i = 0; i < j.width; i++)
			free(j.names[i]);
		free(j.names);
		free(j.role);
		goto done;
	}
	if (rc || (rc = mlg_csv_reader_init(&rdr, NULL, rd, &in, 0)))
		goto done;
	while ((r = mlg_csv_reader_next(&rdr, &rec)) > 0) {
		if (rec.blank)
			continue;
		if (first) {
			first = 0;
			width = rec.nfields;
			role = mlg_calloc(width, sizeof(int));
			if ((rc = map_header(out, role, &rec, src, keep, nkeep,
					     features, nfeatures)))
				goto done;
			continue;
		}
		if ((rc = take_row(out, role, width, &rec, src, &a)))
			goto done;
	}
	if (r < 0)
		rc = r;
	else if (first)
		rc = mlg_error_set(MLG_EINVALID, "'%s': no header", src);
done:
	if (!rc)
		finish(out, &a);
	acc_release(&a);
	free(role);
	mlg_csv_reader_release(&rdr);
	mlg_stream_close(in.s);
	return rc;
}

void mlg_infer_data_release(struct mlg_infer_data *d)
{
	size_t i;

	for (i = 0; i < d->ncols && d->names; i++)
		free(d->names[i]);
	for (i = 0; i < d->nkeep; i++)
		free(d->knames[i]);
	for (i = 0; d->kept && i < d->nrows * d->nkeep; i++)
		free(d->kept[i]);
	free(d->names);
	free(d->knames);
	free(d->kept);
	free(d->x);
	free(d->is_text);
	free(d->text);
	free(d->pool);
	memset(d, 0, sizeof(*d));
}

/*
 * The error of a finished request, or 0: the transport error, or a
 * status outside 2xx as "'<url>': HTTP 503", with the body's
 * {"error": ...} text after it when there is one.
 */
static int failed(const struct mlg_http_req *r)
{
	char *why;
	int rc;

	if (r->rc)
		return mlg_error_set(r->rc, "%s", r->error);
	if (r->status >= 200 && r->status <= 299)
		return 0;
	why = mlg_infer_error_text(r->resp.ptr, r->resp.len);
	rc = mlg_error_set(MLG_ENETWORK, "'%s': HTTP %ld%s%s", r->url,
			   r->status, why ? ": " : "", why ? why : "");
	free(why);
	return rc;
}

int mlg_infer_ready(const struct mlg_infer_opts *o)
{
	struct mlg_http_pool_opts po = {0};
	struct mlg_http_req r;
	char *url;
	int i, rc = 0;

	po.timeout_ms = o->timeout_ms;
	for (i = 0;
	     !rc && (url = mlg_infer_ready_url(o->proto, o->base, o->model, i));
	     i++) {
		memset(&r, 0, sizeof(r));
		r.url = url;
		r.headers = o->headers;
		mlg_buf_init(&r.resp, 65536);
		if ((rc = mlg_http_run(&r, 1, &po)) || (rc = failed(&r)))
			mlg_error_prefix("model '%s' is not ready", o->model);
		mlg_http_req_release(&r);
		free(url);
	}
	return rc;
}

int mlg_infer_predict(struct mlg_infer_out *out, const struct mlg_infer_opts *o,
		      const struct mlg_infer_data *d)
{
	size_t bs = o->batch ? o->batch : 64, nb = (d->nrows + bs - 1) / bs;
	struct mlg_http_req *reqs = mlg_calloc(nb + 1, sizeof(*reqs));
	struct mlg_http_pool_opts po = {o->concurrency, o->timeout_ms,
					o->retries, o->backoff_s};
	char *url = mlg_infer_url(o->proto, o->base, o->model);
	struct mlg_buf body = MLG_BUF_INIT;
	size_t i, j, first, n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->n = d->nrows;
	for (i = 0; i < nb; i++) {
		first = i * bs;
		n = d->nrows - first < bs ? d->nrows - first : bs;
		mlg_buf_reset(&body);
		if ((rc = mlg_infer_request_rows(&body, o->proto, d, first,
						 n))) {
			mlg_error_prefix("cannot send the test set");
			goto done;
		}
		reqs[i].url = url;
		reqs[i].headers = o->headers;
		reqs[i].body = mlg_buf_detach(&body, &reqs[i].len);
		mlg_buf_init(&reqs[i].resp, (size_t)256 << 20);
	}
	if ((rc = mlg_http_run(reqs, nb, &po)))
		goto done;
	for (i = 0; i < nb; i++) {
		struct mlg_http_req *r = &reqs[i];
		struct mlg_infer_out part;

		first = i * bs;
		n = d->nrows - first < bs ? d->nrows - first : bs;
		if ((rc = failed(r)))
			goto done;
		if ((rc = mlg_infer_parse(&part, o->proto, r->resp.ptr,
					  r->resp.len, n))) {
			mlg_infer_out_release(&part);
			mlg_error_prefix("'%s'", url);
			goto done;
		}
		/* every batch must give the same kind of output */
		if (!i) {
			out->k = part.k;
			if (part.proba)
				out->proba = mlg_calloc(d->nrows * part.k + 1,
							sizeof(double));
			if (part.pred)
				out->pred = mlg_calloc(d->nrows + 1,
						       sizeof(double));
		} else if (part.k != out->k || !part.pred != !out->pred) {
			mlg_infer_out_release(&part);
			rc = mlg_error_set(MLG_EDATA,
					   "'%s': rows %zu-%zu: response "
					   "outputs differ from the first "
					   "batch's",
					   url, first + 1, first + n);
			goto done;
		}
		if (part.proba)
			memcpy(out->proba + first * out->k, part.proba,
			       n * out->k * sizeof(double));
		for (j = 0; part.pred && j < n; j++)
			out->pred[first + j] = part.pred[j];
		mlg_infer_out_release(&part);
	}
done:
	for (i = 0; i < nb; i++) {
		free((char *)reqs[i].body);
		mlg_http_req_release(&reqs[i]);
	}
	free(reqs);
	free(url);
	mlg_buf_release(&body);
	return rc;
}

static int cmp_class(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	double u, v;

	if (!mlg_parse_double(&u, x) && !mlg_parse_double(&v, y) && u != v)
		return u < v ? -1 : 1;
	return strcmp(x, y);
}

/* The sorted distinct labels (borrowed strings), as predfile.h sorts
 * classes: numbers as numbers. */
static size_t classes(const char ***out, const struct mlg_infer_data *d,
		      size_t label)
{
	const char **c = mlg_calloc(d->nrows + 1, sizeof(char *));
	size_t i, n = 0;

	for (i = 0; i < d->nrows; i++)
		c[i] = d->kept[i * d->nkeep + label];
	qsort(c, d->nrows, sizeof(char *), cmp_class);
	for (i = 0; i < d->nrows; i++)
		if (!n || strcmp(c[n - 1], c[i]))
			c[n++] = c[i];
	*out = c;
	return n;
}

int mlg_infer_write_csv(struct mlg_buf *out, const struct mlg_infer_data *d,
			size_t label, long id, const struct mlg_infer_out *p)
{
	const char **cls = NULL;
	size_t i, j, ncls = 0;

	if (p->k > 2) {
		ncls = classes(&cls, d, label);
		if (ncls != p->k) {
			free(cls);
			return mlg_error_set(MLG_EDATA,
					     "response has %zu probabilities "
					     "a row, but the labels have %zu "
					     "classes",
					     p->k, ncls);
		}
	}
	mlg_buf_adds(out, "id,");
	mlg_csv_add_field(out, d->knames[label], ',');
	if (p->pred)
		mlg_buf_adds(out, ",pred");
	if (p->k == 2)
		mlg_buf_adds(out, ",proba");
	for (j = 0; j < ncls; j++) {
		mlg_buf_addf(out, ",proba_%s", cls[j]);
	}
	for (j = 0; j < d->nkeep; j++) {
		if (j == label || (long)j == id)
			continue;
		mlg_buf_addch(out, ',');
		mlg_csv_add_field(out, d->knames[j], ',');
	}
	mlg_buf_addch(out, '\n');
	for (i = 0; i < d->nrows; i++) {
		char *const *row = d->kept + i * d->nkeep;

		if (id >= 0)
			mlg_csv_add_field(out, row[id], ',');
		else
			mlg_buf_addf(out, "%zu", i + 1);
		mlg_buf_addch(out, ',');
		mlg_csv_add_field(out, row[label], ',');
		if (p->pred)
			mlg_buf_addf(out, ",%.17g", p->pred[i]);
		/* binary: P(greater label), the one column predfile.h reads */
		if (p->k == 2)
			mlg_buf_addf(out, ",%.17g", p->proba[i * 2 + 1]);
		for (j = 0; j < ncls; j++)
			mlg_buf_addf(out, ",%.17g", p->proba[i * p->k + j]);
		for (j = 0; j < d->nkeep; j++) {
			if (j == label || (long)j == id)
				continue;
			mlg_buf_addch(out, ',');
			mlg_csv_add_field(out, row[j], ',');
		}
		if (mlg_buf_addch(out, '\n')) {
			free(cls);
			return mlg_error_set(MLG_ELIMIT,
					     "predictions too large");
		}
	}
	free(cls);
	return 0;
}

int mlg_infer_data_read_list(struct mlg_infer_data *out, const char *src,
			     const char *const *keep, size_t nkeep,
			     const char *features)
{
	struct mlg_strlist feat = {0};
	char *f = NULL, *p, *at = NULL;
	int rc;

	if (features) {
		f = mlg_strdup(features);
		for (p = strtok_r(f, ",", &at); p; p = strtok_r(NULL, ",", &at))
			mlg_strlist_add(&feat, p);
	}
	rc = mlg_infer_data_read(out, src, keep, nkeep,
				 features ? feat.items : NULL, feat.n);
	free(f);
	mlg_strlist_release(&feat);
	return rc;
}

int mlg_infer_endpoint_predict(struct mlg_infer_out *out,
			       const struct mlg_infer_data *d, void *opts)
{
	return mlg_infer_predict(out, opts, d);
}

int mlg_infer_to_file(struct mlg_infer_file *out, struct mlg_infer_data *d,
		      const struct mlg_model *m, const char *save)
{
	struct mlg_infer_out pred = {0};
	struct mlg_buf csv = MLG_BUF_INIT;
	int rc, fd;

	memset(out, 0, sizeof(*out));
	if ((rc = m->predict(&pred, d, m->arg)) ||
	    (rc = mlg_infer_write_csv(&csv, d, 0, m->id ? 1 : -1, &pred)))
		goto done;
	if (save) {
		out->path = mlg_strdup(save);
	} else {
		out->path = mlg_strfmt("%s/mlgate-preds-XXXXXX.csv",
				       mlg_env("TMPDIR") ? mlg_env("TMPDIR")
							 : "/tmp");
		fd = mkstemps(out->path, 4);
		if (fd < 0) {
			rc = mlg_error_errno(errno, "cannot create '%s'",
					     out->path);
			goto done;
		}
		close(fd);
		out->temporary = 1;
	}
	if ((rc = mlg_file_write(out->path, csv.ptr, csv.len)))
		goto done;
	out->has_pred = pred.pred != NULL;
	out->nproba = pred.k;
done:
	if (rc)
		mlg_infer_file_release(out);
	mlg_buf_release(&csv);
	mlg_infer_out_release(&pred);
	return rc;
}

void mlg_infer_file_release(struct mlg_infer_file *f)
{
	if (f->temporary && f->path)
		unlink(f->path);
	free(f->path);
	memset(f, 0, sizeof(*f));
}
