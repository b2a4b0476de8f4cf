/* metrics.c - reading metrics files (nested JSON, github-action-benchmark,
 * Bencher Metric Format) and exporting a set */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/metrics.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

#define NAME_MAX_LEN 1024

static const char *const fmt_names[] = {"auto", "json", "gab", "bmf"};

void mlg_metrics_release(struct mlg_metric_set *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->items[i].name);
		free(m->items[i].unit);
	}
	free(m->items);
	memset(m, 0, sizeof(*m));
}

int mlg_metrics_format_parse(enum mlg_metrics_format *out, const char *s)
{
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(fmt_names); i++)
		if (!strcmp(s, fmt_names[i])) {
			*out = (enum mlg_metrics_format)i;
			return 0;
		}
	return mlg_error_set(MLG_EINVALID, "unknown metrics format '%s'", s);
}

const char *mlg_metrics_format_name(enum mlg_metrics_format f)
{
	return (size_t)f < MLG_ARRAY_SIZE(fmt_names) ? fmt_names[f] : "?";
}

const struct mlg_named_metric *mlg_metrics_find(const struct mlg_metric_set *m,
						const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].name, name))
			return &m->items[i];
	return NULL;
}

const struct mlg_named_metric *
mlg_metrics_find_next(const struct mlg_metric_set *m, const char *name,
		      size_t *at)
{
	const struct mlg_named_metric *x;

	if (*at < m->n && !strcmp(m->items[*at].name, name))
		x = &m->items[*at];
	else if (!(x = mlg_metrics_find(m, name)))
		return NULL;
	*at = (size_t)(x - m->items) + 1;
	return x;
}

/* Metric names are checked for duplicates linearly: metrics files hold
 * tens to hundreds of values, not millions. */
static struct mlg_named_metric *add(struct mlg_metric_set *m,
				    const struct mlg_json_doc *doc,
				    const char *ptr, const char *name,
				    double value, int *rc)
{
	struct mlg_named_metric *x;

	/* {"": 1}: gab refuses the name too, and an export must read back */
	if (!*name) {
		*rc = mlg_json_error(doc, ptr, "empty metric name");
		return NULL;
	}
	if (strlen(name) > NAME_MAX_LEN) {
		*rc = mlg_json_error(doc, ptr, "metric name too long");
		return NULL;
	}
	if (mlg_metrics_find(m, name)) {
		*rc = mlg_json_error(doc, ptr, "duplicate metric '%s'", name);
		return NULL;
	}
	m->items = mlg_grow(m->items, sizeof(*m->items), m->n + 1, &m->alloc);
	x = &m->items[m->n++];
	memset(x, 0, sizeof(*x));
	x->name = mlg_strdup(name);
	x->value = value;
	return x;
}

static int walk(struct mlg_metric_set *m, const struct mlg_json_doc *doc,
		json_t *v, struct mlg_buf *ptr, struct mlg_buf *name, int depth)
{
	const char *key;
	json_t *child;
	int rc = 0;

	if (json_is_number(v)) {
		add(m, doc, ptr->ptr, name->ptr, json_number_value(v), &rc);
		return rc;
	}
	if (!json_is_object(v))
		return 0;
	/* jansson refuses deeper documents; this guards the recursion
	 * anyway. */
	if (depth > 2048)
		return mlg_json_error(doc, ptr->ptr, "nested too deeply");
	json_object_foreach (v, key, child) {
		size_t plen = ptr->len, nlen = name->len;

		mlg_json_pointer_append(ptr, key);
		if (nlen)
			mlg_buf_addch(name, '.');
		mlg_buf_adds(name, key);
		rc = walk(m, doc, child, ptr, name, depth + 1);
		mlg_buf_truncate(ptr, plen);
		mlg_buf_truncate(name, nlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_json(struct mlg_metric_set *m, const struct mlg_json_doc *doc)
{
	struct mlg_buf ptr = MLG_BUF_INIT, name = MLG_BUF_INIT;
	int rc = walk(m, doc, doc->root, &ptr, &name, 0);

	mlg_buf_release(&ptr);
	mlg_buf_release(&name);
	return rc;
}

static int parse_gab(struct mlg_metric_set *m, const struct mlg_json_doc *doc)
{
	static const char *const keys[] = {"name",  "unit",  "value",
					   "range", "extra", NULL};
	struct mlg_buf ptr = MLG_BUF_INIT;
	struct mlg_named_metric *x;
	const char *name, *unit;
	json_t *e;
	double value;
	size_t i;
	int rc = 0;

	if (!json_is_array(doc->root))
		return mlg_json_error(doc, "", "expected an array, found %s",
				      mlg_json_type_name(doc->root));
	json_array_foreach (doc->root, i, e) {
		mlg_buf_reset(&ptr);
		mlg_buf_addf(&ptr, "/%zu", i);
		unit = NULL;
		if ((rc = mlg_json_check_keys(doc, e, ptr.ptr, keys)) ||
		    (rc = mlg_json_get_str(doc, e, ptr.ptr, "name", 1,
					   &name)) ||
		    (rc = mlg_json_get_num(doc, e, ptr.ptr, "value", 1,
					   &value)) ||
		    (rc = mlg_json_get_str(doc, e, ptr.ptr, "unit", 0, &unit)))
			goto done;
		if (!*name) {
			mlg_buf_adds(&ptr, "/name");
			rc = mlg_json_error(doc, ptr.ptr, "empty metric name");
			goto done;
		}
		if (!(x = add(m, doc, ptr.ptr, name, value, &rc)))
			goto done;
		if (unit && *unit)
			x->unit = mlg_strdup(unit);
	}
done:
	mlg_buf_release(&ptr);
	return rc;
}

static int is_bmf_measure(json_t *v)
{
	const char *key;
	json_t *x;

	if (!json_is_object(v) || !json_is_number(json_object_get(v, "value")))
		return 0;
	json_object_foreach (v, key, x) {
		if (strcmp(key, "value") && strcmp(key, "lower_value") &&
		    strcmp(key, "upper_value"))
			return 0;
	}
	return 1;
}

static int looks_bmf(json_t *root)
{
	const char *bk, *mk;
	json_t *b, *x;

	if (!json_is_object(root) || !json_object_size(root))
		return 0;
	json_object_foreach (root, bk, b) {
		if (!json_is_object(b) || !json_object_size(b))
			return 0;
		json_object_foreach (b, mk, x) {
			if (!is_bmf_measure(x))
				return 0;
		}
	}
	return 1;
}

static int parse_bmf(struct mlg_metric_set *m, const struct mlg_json_doc *doc)
{
	static const char *const keys[] = {"value", "lower_value",
					   "upper_value", NULL};
	struct mlg_buf ptr = MLG_BUF_INIT, name = MLG_BUF_INIT;
	const char *bk, *mk;
	struct mlg_named_metric *x;
	json_t *b, *v;
	double value;
	int rc = 0;

	if (!json_is_object(doc->root))
		return mlg_json_error(doc, "", "expected an object, found %s",
				      mlg_json_type_name(doc->root));
	json_object_foreach (doc->root, bk, b) {
		mlg_buf_reset(&ptr);
		mlg_json_pointer_append(&ptr, bk);
		if (!json_is_object(b)) {
			rc = mlg_json_error(doc, ptr.ptr,
					    "expected an object, found %s",
					    mlg_json_type_name(b));
			goto done;
		}
		json_object_foreach (b, mk, v) {
			size_t plen = ptr.len;

			mlg_json_pointer_append(&ptr, mk);
			mlg_buf_reset(&name);
			mlg_buf_addf(&name, "%s/%s", bk, mk);
			if ((rc = mlg_json_check_keys(doc, v, ptr.ptr, keys)) ||
			    (rc = mlg_json_get_num(doc, v, ptr.ptr, "value", 1,
						   &value)))
				goto done;
			if (!(x = add(m, doc, ptr.ptr, name.ptr, value, &rc)))
				goto done;
			if ((rc = mlg_json_get_num(doc, v, ptr.ptr,
						   "lower_value", 0,
						   &x->lower)) ||
			    (rc = mlg_json_get_num(doc, v, ptr.ptr,
						   "upper_value", 0,
						   &x->upper)))
				goto done;
			x->has_lower = json_object_get(v, "lower_value") != 0;
			x->has_upper = json_object_get(v, "upper_value") != 0;
			mlg_buf_truncate(&ptr, plen);
		}
	}
done:
	mlg_buf_release(&ptr);
	mlg_buf_release(&name);
	return rc;
}

int mlg_metrics_parse(struct mlg_metric_set *out,
		      const struct mlg_json_doc *doc,
		      enum mlg_metrics_format fmt)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(doc->root) && !json_is_array(doc->root))
		return mlg_json_error(doc, "",
				      "expected an object or an array, "
				      "found %s",
				      mlg_json_type_name(doc->root));
	if (fmt == MLG_METRICS_AUTO)
		fmt = json_is_array(doc->root) ? MLG_METRICS_GAB
		      : looks_bmf(doc->root)   ? MLG_METRICS_BMF
					       : MLG_METRICS_JSON;
	out->format = fmt;
	if (fmt == MLG_METRICS_GAB)
		rc = parse_gab(out, doc);
	else if (fmt == MLG_METRICS_BMF)
		rc = parse_bmf(out, doc);
	else if (!json_is_object(doc->root))
		rc = mlg_json_error(doc, "", "expected an object, found %s",
				    mlg_json_type_name(doc->root));
	else
		rc = parse_json(out, doc);
	if (!rc && !out->n)
		rc = mlg_json_error(doc, "", "no metrics found");
	if (rc)
		mlg_metrics_release(out);
	return rc;
}

int mlg_metrics_load(struct mlg_metric_set *out, const char *path, size_t max,
		     enum mlg_metrics_format fmt)
{
	struct mlg_json_doc doc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_config_load(&doc, path, max)))
		return rc;
	rc = mlg_metrics_parse(out, &doc, fmt);
	mlg_json_doc_release(&doc);
	return rc;
}

int mlg_metrics_parse_text(struct mlg_metric_set *out, const char *name,
			   const char *text, size_t len,
			   enum mlg_metrics_format fmt)
{
	struct mlg_json_doc doc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_config_parse(&doc, name, text, len)))
		return rc;
	rc = mlg_metrics_parse(out, &doc, fmt);
	mlg_json_doc_release(&doc);
	return rc;
}

static int dump(struct mlg_buf *out, json_t *v)
{
	size_t len = out->len;
	int rc = mlg_json_dump(out, v, 2);

	json_decref(v);
	if (!rc && (rc = mlg_buf_addch(out, '\n')))
		mlg_buf_truncate(out, len);
	return rc;
}

int mlg_metrics_export_gab(struct mlg_buf *out, const struct mlg_metric_set *m)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; i < m->n; i++) {
		o = json_object();
		json_object_set_new(o, "name", json_string(m->items[i].name));
		json_object_set_new(
			o, "unit",
			json_string(m->items[i].unit ? m->items[i].unit : ""));
		json_object_set_new(o, "value", json_real(m->items[i].value));
		json_array_append_new(a, o);
	}
	return dump(out, a);
}

int mlg_metrics_export_bmf(struct mlg_buf *out, const struct mlg_metric_set *m)
{
	json_t *root = json_object(), *b, *x;
	size_t i;
	int rc;

	for (i = 0; i < m->n; i++) {
		const struct mlg_named_metric *e = &m->items[i];
		const char *slash = strrchr(e->name, '/');
		char *bench =
			slash ? mlg_strndup(e->name, (size_t)(slash - e->name))
			      : mlg_strdup(e->name);
		const char *measure = slash && slash[1] ? slash + 1 : "value";

		if (!(b = json_object_get(root, bench))) {
			b = json_object();
			json_object_set_new(root, bench, b);
		} else if (json_object_get(b, measure)) {
			/* "a" and "a/value": one would silently replace the
			 * other */
			rc = mlg_json_error_set(
				MLG_EINVALID,
				"cannot export '%s' as Bencher Metric Format: "
				"benchmark '%s' already has measure '%s'",
				e->name, bench, measure);
			free(bench);
			json_decref(root);
			return rc;
		}
		x = json_object();
		json_object_set_new(x, "value", json_real(e->value));
		if (e->has_lower)
			json_object_set_new(x, "lower_value",
					    json_real(e->lower));
		if (e->has_upper)
			json_object_set_new(x, "upper_value",
					    json_real(e->upper));
		json_object_set_new(b, measure, x);
		free(bench);
	}
	return dump(out, root);
}
