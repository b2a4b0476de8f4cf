/* report.c - the run report: checks, findings, tables, properties */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "mlgate/sketch.h"
#include "mlgate/util.h"

static const char *const status_names[MLG_STATUS_COUNT] = {
	"pass", "warn", "fail", "error", "skip",
};

const char *mlg_status_name(enum mlg_status s)
{
	return (unsigned)s < MLG_STATUS_COUNT ? status_names[s] : "error";
}

/* Every string enters the report through here, so no emitter can leak a
 * secret that reached a message. */
static char *masked(const char *s)
{
	struct mlg_buf b = MLG_BUF_INIT;

	if (!s)
		return NULL;
	mlg_buf_adds(&b, s);
	mlg_secret_mask(&b);
	return mlg_buf_detach(&b, NULL);
}

static __attribute__((format(printf, 1, 0))) char *vmasked(const char *fmt,
							   va_list ap)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_vaddf(&b, fmt, ap);
	mlg_secret_mask(&b);
	return mlg_buf_detach(&b, NULL);
}

static void set_str(char **dst, const char *s)
{
	char *v = masked(s);

	free(*dst);
	*dst = v;
}

void mlg_report_init(struct mlg_report *r, const char *tool,
		     const char *version)
{
	memset(r, 0, sizeof(*r));
	r->tool = mlg_strdup(tool);
	r->version = mlg_strdup(version);
	r->started = mlg_now();
	r->max_findings = MLG_REPORT_MAX_FINDINGS;
}

static void loc_release(struct mlg_loc *l)
{
	free(l->file);
	free(l->field);
}

static void check_free(struct mlg_check *c)
{
	size_t i;

	for (i = 0; i < c->nfindings; i++) {
		free(c->findings[i].message);
		loc_release(&c->findings[i].loc);
	}
	free(c->findings);
	free(c->id);
	free(c->unit);
	free(c->threshold);
	free(c->message);
	loc_release(&c->loc);
	free(c);
}

static void table_free(struct mlg_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cols);
	free(t->cells);
	free(t->id);
	free(t->title);
	free(t);
}

void mlg_report_release(struct mlg_report *r)
{
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		check_free(r->checks[i]);
	for (i = 0; i < r->ntables; i++)
		table_free(r->tables[i]);
	for (i = 0; i < r->nprops; i++)
		free(r->props[i]);
	free(r->checks);
	free(r->ids);
	free(r->tables);
	free(r->props);
	free(r->tool);
	free(r->version);
	json_decref(r->extra);
	memset(r, 0, sizeof(*r));
}

void mlg_report_finish(struct mlg_report *r)
{
	r->duration = mlg_now() - r->started;
	if (r->duration < 0)
		r->duration = 0;
}

/* The slot of `id` in r->ids: its check's, or the free one where it
 * would go. A report of many checks (drift of 20,000 columns has 60,000)
 * would spend minutes in a linear search for unique ids. */
static size_t *id_slot(const struct mlg_report *r, const char *id)
{
	size_t mask = r->nids - 1,
	       k = (size_t)mlg_hash_bytes(id, strlen(id), 0) & mask;

	while (r->ids[k] && strcmp(r->checks[r->ids[k] - 1]->id, id))
		k = (k + 1) & mask;
	return &r->ids[k];
}

/* Index check i; the table doubles when half full. */
static void id_add(struct mlg_report *r, size_t i)
{
	size_t j;

	if (2 * (i + 1) > r->nids) {
		free(r->ids);
		r->nids = r->nids ? 2 * r->nids : 64;
		r->ids = mlg_calloc(r->nids, sizeof(*r->ids));
		for (j = 0; j < i; j++)
			*id_slot(r, r->checks[j]->id) = j + 1;
	}
	*id_slot(r, r->checks[i]->id) = i + 1;
}

struct mlg_check *mlg_report_find_check(const struct mlg_report *r,
					const char *id)
{
	size_t k;

	if (!r->nids)
		return NULL;
	k = *id_slot(r, id);
	return k ? r->checks[k - 1] : NULL;
}

static int has_check(const struct mlg_report *r, const char *id)
{
	return mlg_report_find_check(r, id) != NULL;
}

/* Tables are few (one an input, one for drift): a linear search. */
static int has_table(const struct mlg_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ntables; i++)
		if (!strcmp(r->tables[i]->id, id))
			return 1;
	return 0;
}

/* `id` masked, and where `taken` says so made unique by "#2", "#3", ...
 * (masked too: the suffix must not undo the mask). */
static char *unique_id(const struct mlg_report *r, const char *id,
		       int (*taken)(const struct mlg_report *, const char *))
{
	char *uid = masked(id), *raw;
	unsigned n = 2;

	while (taken(r, uid)) {
		free(uid);
		raw = mlg_strfmt("%s#%u", id, n++);
		uid = masked(raw);
		free(raw);
	}
	return uid;
}

struct mlg_check *mlg_report_add_check(struct mlg_report *r, const char *id,
				       enum mlg_status status, const char *fmt,
				       ...)
{
	struct mlg_check *c = mlg_calloc(1, sizeof(*c));
	va_list ap;

	/* Unique ids: GitLab keeps only the first of two equal test names. */
	c->id = unique_id(r, id, has_check);
	c->status = status;
	c->max_findings = r->max_findings;
	if (fmt) {
		va_start(ap, fmt);
		c->message = vmasked(fmt, ap);
		va_end(ap);
	}
	r->checks = mlg_grow(r->checks, sizeof(*r->checks), r->nchecks + 1,
			     &r->achecks);
	r->checks[r->nchecks] = c;
	id_add(r, r->nchecks++);
	return c;
}

void mlg_check_set_value(struct mlg_check *c, double value, const char *unit)
{
	c->has_value = 1;
	c->value = value;
	set_str(&c->unit, unit);
}

void mlg_check_set_threshold(struct mlg_check *c, const char *rule)
{
	set_str(&c->threshold, rule);
}

void mlg_check_set_message(struct mlg_check *c, const char *fmt, ...)
{
	va_list ap;

	free(c->message);
	va_start(ap, fmt);
	c->message = vmasked(fmt, ap);
	va_end(ap);
}

static void loc_set(struct mlg_loc *l, const char *file, uint64_t line,
		    uint64_t column, const char *field)
{
	set_str(&l->file, file);
	set_str(&l->field, field);
	l->line = line;
	l->column = column;
}

void mlg_check_set_loc(struct mlg_check *c, const char *file, uint64_t line,
		       uint64_t column, const char *field)
{
	loc_set(&c->loc, file, line, column, field);
}

int mlg_check_add_finding(struct mlg_check *c, const struct mlg_loc *loc,
			  const char *fmt, ...)
{
	struct mlg_finding *f;
	va_list ap;

	c->count++;
	if (c->nfindings >= c->max_findings)
		return 0;
	c->findings = mlg_grow(c->findings, sizeof(*c->findings),
			       c->nfindings + 1, &c->afindings);
	f = &c->findings[c->nfindings++];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	f->message = vmasked(fmt, ap);
	va_end(ap);
	if (loc)
		loc_set(&f->loc, loc->file, loc->line, loc->column, loc->field);
	return 1;
}

struct mlg_table *mlg_report_add_table(struct mlg_report *r, const char *id,
				       const char *title, size_t ncols,
				       const char *const *cols)
{
	struct mlg_table *t = mlg_calloc(1, sizeof(*t));
	size_t i;

	if (!ncols)
		MLG_BUG("table without columns");
	/* Unique ids as for checks: the profiles of a/data.csv and
	 * b/data.csv are two tables, and a title that is the id says
	 * which. */
	t->id = unique_id(r, id, has_table);
	t->title =
		title && strcmp(title, id) ? masked(title) : mlg_strdup(t->id);
	t->ncols = ncols;
	t->cols = mlg_calloc(ncols, sizeof(*t->cols));
	for (i = 0; i < ncols; i++)
		t->cols[i] = masked(cols[i] ? cols[i] : "");
	r->tables = mlg_grow(r->tables, sizeof(*r->tables), r->ntables + 1,
			     &r->atables);
	r->tables[r->ntables++] = t;
	return t;
}

void mlg_table_add_row(struct mlg_table *t, const char *const *cells)
{
	size_t i, base = t->nrows * t->ncols;

	t->cells = mlg_grow(t->cells, sizeof(*t->cells), base + t->ncols,
			    &t->acells);
	for (i = 0; i < t->ncols; i++)
		t->cells[base + i] = masked(cells[i] ? cells[i] : "");
	t->nrows++;
}

void mlg_report_set_prop(struct mlg_report *r, const char *key,
			 const char *value)
{
	size_t i;

	for (i = 0; i < r->nprops; i += 2)
		if (!strcmp(r->props[i], key)) {
			set_str(&r->props[i + 1], value ? value : "");
			return;
		}
	r->props = mlg_grow(r->props, sizeof(*r->props), r->nprops + 2,
			    &r->aprops);
	r->props[r->nprops++] = masked(key);
	r->props[r->nprops++] = masked(value ? value : "");
}

const char *mlg_report_prop(const struct mlg_report *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nprops; i += 2)
		if (!strcmp(r->props[i], key))
			return r->props[i + 1];
	return NULL;
}

void mlg_report_set_json(struct mlg_report *r, const char *key,
			 struct json_t *value)
{
	if (!r->extra)
		r->extra = json_object();
	json_object_set_new(r->extra, key, value);
}

void mlg_report_count(const struct mlg_report *r, size_t *out)
{
	size_t i;

	memset(out, 0, MLG_STATUS_COUNT * sizeof(*out));
	for (i = 0; i < r->nchecks; i++)
		out[r->checks[i]->status]++;
}

enum mlg_status mlg_report_status(const struct mlg_report *r)
{
	size_t n[MLG_STATUS_COUNT];

	mlg_report_count(r, n);
	if (n[MLG_STATUS_ERROR])
		return MLG_STATUS_ERROR;
	if (n[MLG_STATUS_FAIL])
		return MLG_STATUS_FAIL;
	if (n[MLG_STATUS_WARN])
		return MLG_STATUS_WARN;
	return MLG_STATUS_PASS;
}

int mlg_report_exit_code(const struct mlg_report *r)
{
	switch (mlg_report_status(r)) {
	case MLG_STATUS_ERROR:
		return MLG_EXIT_RUNTIME;
	case MLG_STATUS_FAIL:
		return MLG_EXIT_FAIL;
	default:
		return MLG_EXIT_PASS;
	}
}

void mlg_format_value(char out[32], double v)
{
	if (isnan(v))
		snprintf(out, 32, "nan");
	else if (isinf(v))
		snprintf(out, 32, v > 0 ? "inf" : "-inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, 32, "%.0f", v);
	else
		snprintf(out, 32, "%.6g", v);
}

int mlg_check_describe(struct mlg_buf *out, const struct mlg_check *c)
{
	char v[32];
	int rc = 0;

	if (c->message)
		return mlg_buf_adds(out, c->message);
	if (c->has_value) {
		mlg_format_value(v, c->value);
		rc = mlg_buf_addf(out, "value %s%s", v, c->unit ? c->unit : "");
	}
	if (!rc && c->threshold)
		rc = mlg_buf_addf(out, "%s%s %s", c->has_value ? ", " : "",
				  c->status == MLG_STATUS_PASS ? "holds"
							       : "breaks",
				  c->threshold);
	if (!rc && !c->has_value && !c->threshold)
		rc = mlg_buf_adds(out, mlg_status_name(c->status));
	return rc;
}
