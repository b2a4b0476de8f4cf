/* emit_json.c - the JSON report and GitLab Code Quality */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mlgate/digest.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

/* The version of docs/report-schema.json this emitter writes. */
#define REPORT_VERSION 1

static int dump_cb(const char *s, size_t n, void *data)
{
	return mlg_buf_add(data, s, n) ? -1 : 0;
}

static int dump(struct mlg_buf *out, json_t *v, size_t flags)
{
	if (json_dump_callback(v, dump_cb, out,
			       flags | JSON_REAL_PRECISION(17)))
		return mlg_error_set(MLG_ELIMIT, "JSON report too large");
	return mlg_buf_addch(out, '\n');
}

/* A JSON string for any bytes: invalid UTF-8 (a cell of a broken file)
 * becomes U+FFFD instead of making jansson refuse the value. */
static json_t *jstr(const char *s)
{
	struct mlg_buf b = MLG_BUF_INIT;
	json_t *v;

	if (mlg_utf8_valid(s, strlen(s)))
		return json_string(s);
	mlg_utf8_repair(&b, s, strlen(s));
	v = json_string(b.ptr);
	mlg_buf_release(&b);
	return v;
}

static void set_str(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, jstr(s));
}

/* JSON has no NaN or infinity: those become null plus their name. */
static void set_num(json_t *o, const char *key, double v)
{
	char text[32];

	if (isfinite(v)) {
		json_object_set_new(o, key, json_real(v));
		return;
	}
	mlg_format_value(text, v);
	json_object_set_new(o, key, json_null());
	json_object_set_new(o, "value_text", json_string(text));
}

static json_t *loc_json(const struct mlg_loc *l)
{
	json_t *o;

	if (!l->file && !l->field && !l->line)
		return NULL;
	o = json_object();
	set_str(o, "file", l->file);
	if (l->line)
		json_object_set_new(o, "line",
				    json_integer((json_int_t)l->line));
	if (l->column)
		json_object_set_new(o, "column",
				    json_integer((json_int_t)l->column));
	set_str(o, "field", l->field);
	return o;
}

static json_t *check_json(const struct mlg_check *c)
{
	json_t *o = json_object(), *f, *l;
	size_t i;

	set_str(o, "id", c->id);
	set_str(o, "status", mlg_status_name(c->status));
	if (c->has_value) {
		set_num(o, "value", c->value);
		set_str(o, "unit", c->unit);
	}
	set_str(o, "threshold", c->threshold);
	set_str(o, "message", c->message);
	if ((l = loc_json(&c->loc)))
		json_object_set_new(o, "location", l);
	if (c->duration > 0)
		json_object_set_new(o, "duration_s", json_real(c->duration));
	if (c->count) {
		json_object_set_new(o, "count",
				    json_integer((json_int_t)c->count));
		f = json_array();
		for (i = 0; i < c->nfindings; i++) {
			json_t *e = json_object();

			set_str(e, "message", c->findings[i].message);
			if ((l = loc_json(&c->findings[i].loc)))
				json_object_set_new(e, "location", l);
			json_array_append_new(f, e);
		}
		json_object_set_new(o, "findings", f);
	}
	return o;
}

static json_t *table_json(const struct mlg_table *t)
{
	json_t *o = json_object(), *cols = json_array(), *rows = json_array();
	size_t i, j;

	set_str(o, "id", t->id);
	set_str(o, "title", t->title);
	for (j = 0; j < t->ncols; j++)
		json_array_append_new(cols, jstr(t->cols[j]));
	for (i = 0; i < t->nrows; i++) {
		json_t *row = json_array();

		for (j = 0; j < t->ncols; j++)
			json_array_append_new(row,
					      jstr(mlg_table_cell(t, i, j)));
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "rows", rows);
	return o;
}

struct json_t *mlg_report_to_json(const struct mlg_report *r)
{
	json_t *o = json_object(), *sum = json_object(), *props, *arr;
	size_t n[MLG_STATUS_COUNT], i;
	char when[32];
	const char *key;
	json_t *v;

	mlg_report_count(r, n);
	json_object_set_new(o, "report_version", json_integer(REPORT_VERSION));
	set_str(o, "tool", r->tool);
	set_str(o, "version", r->version);
	set_str(o, "status", mlg_status_name(mlg_report_status(r)));
	json_object_set_new(o, "exit_code",
			    json_integer(mlg_report_exit_code(r)));
	mlg_iso8601(when, r->started);
	set_str(o, "started", when);
	json_object_set_new(o, "duration_s",
			    json_real(round(r->duration * 1e6) / 1e6));
	json_object_set_new(sum, "checks",
			    json_integer((json_int_t)r->nchecks));
	for (i = 0; i < MLG_STATUS_COUNT; i++)
		json_object_set_new(sum, mlg_status_name(i),
				    json_integer((json_int_t)n[i]));
	json_object_set_new(o, "summary", sum);
	props = json_object();
	for (i = 0; i < r->nprops; i += 2)
		set_str(props, r->props[i], r->props[i + 1]);
	json_object_set_new(o, "properties", props);
	arr = json_array();
	for (i = 0; i < r->nchecks; i++)
		json_array_append_new(arr, check_json(r->checks[i]));
	json_object_set_new(o, "checks", arr);
	arr = json_array();
	for (i = 0; i < r->ntables; i++)
		json_array_append_new(arr, table_json(r->tables[i]));
	json_object_set_new(o, "tables", arr);
	/* Tool members extend the report; they never replace ours. */
	json_object_foreach (r->extra, key, v)
		if (!json_object_get(o, key))
			json_object_set(o, key, v);
	return o;
}

int mlg_emit_json(struct mlg_buf *out, const struct mlg_report *r)
{
	json_t *o = mlg_report_to_json(r);
	int rc = dump(out, o, JSON_INDENT(2));

	json_decref(o);
	return rc;
}

static const char *severity(enum mlg_status s)
{
	switch (s) {
	case MLG_STATUS_ERROR:
		return "critical";
	case MLG_STATUS_FAIL:
		return "major";
	default:
		return "minor";
	}
}

/* GitLab pairs issues across pipelines by fingerprint: make it depend on
 * what the issue is, not on when it was found. */
static void add_issue(json_t *arr, const struct mlg_report *r,
		      const struct mlg_check *c, const struct mlg_loc *l,
		      const char *message)
{
	json_t *o = json_object(), *loc = json_object(), *lines = json_object();
	unsigned char d[32];
	char hex[65];
	char *key, *desc;

	desc = mlg_strfmt("%s: %s", c->id, message);
	key = mlg_strfmt("%s\n%s\n%s\n%llu\n%s", r->tool, c->id,
			 l->file ? l->file : "", (unsigned long long)l->line,
			 desc);
	mlg_sha256_buf(d, key, strlen(key));
	mlg_sha256_hex(hex, d);
	set_str(o, "description", desc);
	set_str(o, "check_name", c->id);
	json_object_set_new(o, "fingerprint", json_string(hex));
	set_str(o, "severity", severity(c->status));
	set_str(loc, "path", l->file ? l->file : ".");
	json_object_set_new(lines, "begin",
			    json_integer(l->line ? (json_int_t)l->line : 1));
	json_object_set_new(loc, "lines", lines);
	json_object_set_new(o, "location", loc);
	json_array_append_new(arr, o);
	free(key);
	free(desc);
}

int mlg_emit_codequality(struct mlg_buf *out, const struct mlg_report *r)
{
	json_t *arr = json_array();
	size_t i, j;
	int rc;

	for (i = 0; i < r->nchecks; i++) {
		const struct mlg_check *c = r->checks[i];

		if (c->status != MLG_STATUS_FAIL &&
		    c->status != MLG_STATUS_ERROR &&
		    c->status != MLG_STATUS_WARN)
			continue;
		if (!c->nfindings) {
			struct mlg_buf m = MLG_BUF_INIT;

			mlg_check_describe(&m, c);
			add_issue(arr, r, c, &c->loc, m.ptr);
			mlg_buf_release(&m);
		}
		for (j = 0; j < c->nfindings; j++)
			add_issue(arr, r, c, &c->findings[j].loc,
				  c->findings[j].message);
	}
	rc = dump(out, arr, JSON_INDENT(2));
	json_decref(arr);
	return rc;
}
