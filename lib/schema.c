/*
 * schema.c - read Table Schema and CSV Dialect descriptors
 *
 * Everything a cell check needs is decided here, once: types, formats,
 * constraint values cast to the field's type, compiled patterns. Every
 * error names the file, line, column and JSON pointer of the bad value.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/schema.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

/* The pointer of a field member: "/fields/<k>/<key>[/<sub>]". */
struct loc {
	char p[160];
};

static const char *at(struct loc *l, size_t k, const char *key, const char *sub)
{
	snprintf(l->p, sizeof(l->p), "/fields/%zu%s%s%s%s", k, key ? "/" : "",
		 key ? key : "", sub ? "/" : "", sub ? sub : "");
	return l->p;
}

static const char *article(enum mlg_ftype t)
{
	return t == MLG_T_ANY || t == MLG_T_INTEGER || t == MLG_T_OBJECT ||
			       t == MLG_T_ARRAY
		       ? "an"
		       : "a";
}

static void free_list(char **list, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(list[k]);
	free(list);
}

/* A JSON array of strings (and, when `labels`, {"value", "label"}). */
static int str_list(char ***out, size_t *n, const struct mlg_json_doc *doc,
		    json_t *arr, const char *ptr, int labels)
{
	char **list;
	json_t *v;
	size_t k;
	char p[200];

	if (!json_is_array(arr))
		return mlg_json_error(doc, ptr, "expected an array, found %s",
				      mlg_json_type_name(arr));
	list = mlg_calloc(json_array_size(arr) + 1, sizeof(*list));
	json_array_foreach (arr, k, v) {
		snprintf(p, sizeof(p), "%s/%zu", ptr, k);
		if (labels && json_is_object(v)) {
			static const char *const keys[] = {"value", "label",
							   NULL};
			const char *s;

			if (mlg_json_check_keys(doc, v, p, keys) ||
			    mlg_json_get_str(doc, v, p, "value", 1, &s) ||
			    mlg_json_get_str(doc, v, p, "label", 0, &s)) {
				free_list(list, k);
				return MLG_EINVALID;
			}
			list[k] = mlg_strdup(
				json_string_value(json_object_get(v, "value")));
			continue;
		}
		if (!json_is_string(v)) {
			free_list(list, k);
			return mlg_json_error(doc, p,
					      "expected a string, found %s",
					      mlg_json_type_name(v));
		}
		list[k] = mlg_strdup(json_string_value(v));
	}
	*out = list;
	*n = json_array_size(arr);
	return 0;
}

static const char *const type_names[] = {
	"any",	    "string", "number",	  "integer", "boolean",
	"date",	    "time",   "datetime", "year",    "yearmonth",
	"duration", "object", "array"};

static int parse_type(enum mlg_ftype *out, const char *s)
{
	size_t k;

	for (k = 0; k < MLG_ARRAY_SIZE(type_names); k++)
		if (!strcmp(s, type_names[k])) {
			*out = (enum mlg_ftype)k;
			return 0;
		}
	if (!strcmp(s, "geopoint") || !strcmp(s, "geojson") ||
	    !strcmp(s, "list"))
		return 1;
	return -1;
}

static int temporal(enum mlg_ftype t)
{
	return t == MLG_T_DATE || t == MLG_T_TIME || t == MLG_T_DATETIME;
}

static int parse_format(struct mlg_field *f, const struct mlg_json_doc *doc,
			size_t k)
{
	static const char *const str_fmts[] = {"default", "email", "uri",
					       "uuid", "binary"};
	const char *s = f->format, *bad;
	struct loc l = {""};
	size_t j;

	if (f->type == MLG_T_STRING) {
		for (j = 0; j < MLG_ARRAY_SIZE(str_fmts); j++)
			if (!strcmp(s, str_fmts[j])) {
				f->fmt = j ? (enum mlg_fformat)(MLG_FMT_EMAIL +
								j - 1)
					   : MLG_FMT_DEFAULT;
				return 0;
			}
	} else if (temporal(f->type)) {
		if (!strcmp(s, "default"))
			return 0;
		if (!strcmp(s, "any")) {
			f->fmt = MLG_FMT_ANY;
			return 0;
		}
		if (mlg_starts_with(s, "fmt:"))
			s += 4;
		if (strchr(s, '%')) {
			bad = mlg_strptime_invalid(s);
			if (bad)
				return mlg_json_error(
					doc, at(&l, k, "format", NULL),
					"unsupported directive '%.2s' in "
					"format '%s'",
					bad, f->format);
			f->fmt = MLG_FMT_PATTERN;
			f->pattern_fmt = s;
			return 0;
		}
	} else if (!strcmp(s, "default")) {
		return 0;
	}
	return mlg_json_error(doc, at(&l, k, "format", NULL),
			      "unknown format '%s' for %s %s field", f->format,
			      article(f->type), mlg_ftype_name(f->type));
}

static int one_char(char *out, const struct mlg_json_doc *doc, json_t *obj,
		    const char *objptr, const char *key)
{
	const char *s = NULL;
	struct mlg_buf p = MLG_BUF_INIT;
	int rc = mlg_json_get_str(doc, obj, objptr, key, 0, &s);

	if (rc || !s)
		return rc;
	if (strlen(s) != 1) {
		mlg_buf_adds(&p, objptr);
		mlg_json_pointer_append(&p, key);
		rc = mlg_json_error(doc, p.ptr,
				    "expected a single-byte character, "
				    "found '%s'",
				    s);
		mlg_buf_release(&p);
		return rc;
	}
	*out = s[0];
	return 0;
}

static int parse_options(struct mlg_field *f, const struct mlg_json_doc *doc,
			 json_t *fo, size_t k)
{
	static const char *const num_opts[] = {"decimalChar", "groupChar",
					       "bareNumber"};
	static const char *const bool_opts[] = {"trueValues", "falseValues"};
	static const char *const defs[2][4] = {
		{"true", "True", "TRUE", "1"},
		{"false", "False", "FALSE", "0"}};
	int is_num = f->type == MLG_T_NUMBER || f->type == MLG_T_INTEGER;
	struct loc l = {""};
	size_t j;
	json_t *v;
	char ***lists[2] = {&f->true_values, &f->false_values};
	size_t *counts[2] = {&f->ntrue, &f->nfalse};

	for (j = 0; j < 3; j++)
		if ((!is_num || (j == 0 && f->type == MLG_T_INTEGER)) &&
		    json_object_get(fo, num_opts[j]))
			return mlg_json_error(
				doc, at(&l, k, num_opts[j], NULL),
				"'%s' does not apply to %s %s field",
				num_opts[j], article(f->type),
				mlg_ftype_name(f->type));
	for (j = 0; j < 2; j++)
		if (f->type != MLG_T_BOOLEAN &&
		    json_object_get(fo, bool_opts[j]))
			return mlg_json_error(
				doc, at(&l, k, bool_opts[j], NULL),
				"'%s' does not apply to %s %s field",
				bool_opts[j], article(f->type),
				mlg_ftype_name(f->type));
	f->decimal_char = '.';
	f->bare_number = 1;
	at(&l, k, NULL, NULL);
	if (one_char(&f->decimal_char, doc, fo, l.p, "decimalChar") ||
	    one_char(&f->group_char, doc, fo, l.p, "groupChar") ||
	    mlg_json_get_bool(doc, fo, l.p, "bareNumber", 0, &f->bare_number))
		return MLG_EINVALID;
	if (f->group_char && f->group_char == f->decimal_char)
		return mlg_json_error(doc, at(&l, k, "groupChar", NULL),
				      "groupChar and decimalChar are both "
				      "'%c'",
				      f->group_char);
	for (j = 0; j < 2; j++) {
		const char *bad = j ? "decimalChar" : "groupChar";
		char c = j ? f->decimal_char : f->group_char;

		if ((c >= '0' && c <= '9') || c == '+' || c == '-')
			return mlg_json_error(doc, at(&l, k, bad, NULL),
					      "'%c' cannot be a %s", c, bad);
	}
	if (f->type != MLG_T_BOOLEAN)
		return 0;
	for (j = 0; j < 2; j++) {
		v = json_object_get(fo, bool_opts[j]);
		if (v) {
			if (str_list(lists[j], counts[j], doc, v,
				     at(&l, k, bool_opts[j], NULL), 0))
				return MLG_EINVALID;
		} else {
			size_t i;

			*lists[j] = mlg_calloc(4, sizeof(char *));
			for (i = 0; i < 4; i++)
				(*lists[j])[i] = mlg_strdup(defs[j][i]);
			*counts[j] = 4;
		}
	}
	return 0;
}

/* A range bound: a number, or a string in the field's format. */
static int parse_bound(struct mlg_field *f, const struct mlg_json_doc *doc,
		       json_t *v, const char *ptr, int b)
{
	struct mlg_value *out = &f->bound[b];
	struct mlg_buf text = MLG_BUF_INIT;

	if (f->type == MLG_T_NUMBER || f->type == MLG_T_INTEGER ||
	    f->type == MLG_T_YEAR) {
		if (!json_is_number(v))
			return mlg_json_error(doc, ptr,
					      "expected a number for %s %s "
					      "field",
					      article(f->type),
					      mlg_ftype_name(f->type));
		out->type = f->type;
		out->num = json_number_value(v);
		if (json_is_integer(v))
			out->i = json_integer_value(v);
		else
			f->bound_real[b] = f->type != MLG_T_NUMBER;
		mlg_json_dump(&text, v, 0);
		f->bound_text[b] = mlg_buf_detach(&text, NULL);
		return 0;
	}
	if (!json_is_string(v))
		return mlg_json_error(
			doc, ptr, "expected a string for %s %s field",
			article(f->type), mlg_ftype_name(f->type));
	if (mlg_field_cast(out, f, json_string_value(v), json_string_length(v)))
		return mlg_json_error(doc, ptr, "cannot cast '%s' to %s/%s",
				      json_string_value(v),
				      mlg_ftype_name(f->type), f->format);
	out->str = NULL;
	out->len = 0;
	f->bound_text[b] = mlg_strfmt("'%s'", json_string_value(v));
	return 0;
}

/* Entry `j` of an enum or categories list, cast with the field's type
 * and format at `p`. */
static int enum_value(struct mlg_field *f, const struct mlg_json_doc *doc,
		      json_t *v, const char *p, size_t j)
{
	struct mlg_value *e = &f->enum_values[j];

	e->type = f->type;
	if (f->enum_json) {
		if (!(f->type == MLG_T_OBJECT ? json_is_object(v)
					      : json_is_array(v)))
			return mlg_json_error(
				doc, p, "expected %s %s, found %s",
				article(f->type), mlg_ftype_name(f->type),
				mlg_json_type_name(v));
		f->enum_json[j] = json_incref(v);
	} else if (json_is_string(v)) {
		const char *str = json_string_value(v);
		size_t len = json_string_length(v);

		if (mlg_field_cast(e, f, str, len)) {
			e->str = NULL;
			return mlg_json_error(
				doc, p, "cannot cast '%s' to %s/%s", str,
				mlg_ftype_name(f->type), f->format);
		}
		e->str = mlg_strndup(str, len);
	} else if (json_is_integer(v) &&
		   (f->type == MLG_T_INTEGER || f->type == MLG_T_YEAR ||
		    f->type == MLG_T_NUMBER)) {
		e->i = json_integer_value(v);
		e->num = (double)e->i;
	} else if (json_is_real(v) && f->type == MLG_T_NUMBER) {
		e->num = json_real_value(v);
	} else if (json_is_boolean(v) && f->type == MLG_T_BOOLEAN) {
		e->i = json_is_true(v);
	} else if (f->type == MLG_T_STRING || f->type == MLG_T_ANY) {
		return mlg_json_error(doc, p, "expected a string, found %s",
				      mlg_json_type_name(v));
	} else {
		return mlg_json_error(doc, p,
				      "expected a string or %s %s value, "
				      "found %s",
				      article(f->type), mlg_ftype_name(f->type),
				      mlg_json_type_name(v));
	}
	f->nenum = j + 1;
	return 0;
}

static int parse_enum(struct mlg_field *f, const struct mlg_json_doc *doc,
		      json_t *arr, const char *ptr)
{
	size_t j, n;
	json_t *v;
	char p[200];

	if (!json_is_array(arr) || !json_array_size(arr))
		return mlg_json_error(
			doc, ptr, "expected a non-empty array, found %s",
			json_is_array(arr) ? "[]" : mlg_json_type_name(arr));
	n = json_array_size(arr);
	f->enum_values = mlg_calloc(n, sizeof(*f->enum_values));
	if (f->type == MLG_T_OBJECT || f->type == MLG_T_ARRAY)
		f->enum_json = mlg_calloc(n, sizeof(*f->enum_json));
	json_array_foreach (arr, j, v) {
		snprintf(p, sizeof(p), "%s/%zu", ptr, j);
		if (enum_value(f, doc, v, p, j))
			return MLG_EINVALID;
	}
	f->has |= MLG_C_ENUM;
	return 0;
}

/* Free the enum values of f (not object/array ones). */
static void drop_enum(struct mlg_field *f)
{
	size_t k;

	for (k = 0; k < f->nenum; k++)
		free((char *)f->enum_values[k].str);
	free(f->enum_values);
	f->enum_values = NULL;
	f->nenum = 0;
	f->has &= ~(unsigned)MLG_C_ENUM;
}

/*
 * v2 categories: a non-empty array of unique values, or of objects
 * {"value", "label"} with unique values and labels, for string and
 * integer fields. They restrict the field as an enum does, so they are
 * kept as its enum values (f->categories set); an enum given as well
 * must be a subset of them and, being the stricter, stays in force.
 */
static int parse_categories(struct mlg_field *f, const struct mlg_json_doc *doc,
			    json_t *fo, size_t k)
{
	static const char *const keys[] = {"value", "label", NULL};
	json_t *arr = json_object_get(fo, "categories"), *v, *val, *lab;
	json_t *ord = json_object_get(fo, "categoriesOrdered");
	struct mlg_field cat;
	struct loc l = {""};
	size_t j, i, n;
	char p[200], vp[220];
	int rc = MLG_EINVALID;

	if (ord && !json_is_boolean(ord))
		return mlg_json_error(doc, at(&l, k, "categoriesOrdered", NULL),
				      "expected a boolean, found %s",
				      mlg_json_type_name(ord));
	if (ord && !arr)
		return mlg_json_error(doc, at(&l, k, "categoriesOrdered", NULL),
				      "categoriesOrdered needs categories");
	if (!arr)
		return 0;
	at(&l, k, "categories", NULL);
	if (f->type != MLG_T_STRING && f->type != MLG_T_INTEGER)
		return mlg_json_error(doc, l.p,
				      "categories apply to string and integer "
				      "fields, not to %s %s field",
				      article(f->type),
				      mlg_ftype_name(f->type));
	if (!json_is_array(arr) || !(n = json_array_size(arr)))
		return mlg_json_error(
			doc, l.p, "expected a non-empty array, found %s",
			json_is_array(arr) ? "[]" : mlg_json_type_name(arr));
	f->categories_ordered = json_is_true(ord);
	/* Cast into a copy of the field: its enum may already be there. */
	cat = *f;
	cat.has = 0;
	cat.nenum = 0;
	cat.enum_json = NULL;
	cat.enum_values = mlg_calloc(n, sizeof(*cat.enum_values));
	json_array_foreach (arr, j, v) {
		snprintf(p, sizeof(p), "%s/%zu", l.p, j);
		val = v;
		if (json_is_object(v)) {
			if (mlg_json_check_keys(doc, v, p, keys))
				goto done;
			val = json_object_get(v, "value");
			lab = json_object_get(v, "label");
			if (!val) {
				mlg_json_error(doc, p,
					       "missing required property "
					       "'value'");
				goto done;
			}
			snprintf(vp, sizeof(vp), "%s/label", p);
			if (lab && !json_is_string(lab)) {
				mlg_json_error(doc, vp,
					       "expected a string, found %s",
					       mlg_json_type_name(lab));
				goto done;
			}
			for (i = 0; lab && i < j; i++)
				if (json_equal(lab,
					       json_object_get(
						       json_array_get(arr, i),
						       "label"))) {
					mlg_json_error(doc, vp,
						       "label '%s' repeats "
						       "category %zu",
						       json_string_value(lab),
						       i);
					goto done;
				}
			snprintf(vp, sizeof(vp), "%s/value", p);
		} else {
			snprintf(vp, sizeof(vp), "%s", p);
		}
		if (enum_value(&cat, doc, val, vp, j))
			goto done;
		for (i = 0; i < j; i++)
			if (mlg_value_equal(&cat.enum_values[i],
					    &cat.enum_values[j])) {
				mlg_json_error(doc, vp,
					       "value repeats category %zu", i);
				goto done;
			}
	}
	for (i = 0; i < f->nenum; i++) {
		for (j = 0; j < cat.nenum; j++)
			if (mlg_value_equal(&f->enum_values[i],
					    &cat.enum_values[j]))
				break;
		if (j == cat.nenum) {
			char *text = json_dumps(
				json_array_get(
					json_object_get(
						json_object_get(fo,
								"constraints"),
						"enum"),
					i),
				JSON_ENCODE_ANY);

			snprintf(p, sizeof(p),
				 "/fields/%zu/constraints/enum/%zu", k, i);
			mlg_json_error(doc, p,
				       "enum value %s is not one of the "
				       "categories",
				       text ? text : "?");
			free(text);
			goto done;
		}
	}
	if (!(f->has & MLG_C_ENUM)) {
		f->enum_values = cat.enum_values;
		f->nenum = cat.nenum;
		f->has |= MLG_C_ENUM;
		f->categories = 1;
		cat.enum_values = NULL;
		cat.nenum = 0;
	}
	rc = 0;
done:
	drop_enum(&cat);
	return rc;
}

static int parse_pattern(struct mlg_field *f, const struct mlg_json_doc *doc,
			 json_t *v, const char *ptr)
{
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[160];
	pcre2_code *re;

	if (!json_is_string(v))
		return mlg_json_error(doc, ptr, "expected a string, found %s",
				      mlg_json_type_name(v));
	f->pattern = mlg_strdup(json_string_value(v));
	/* Whole-value match as XML Schema; invalid UTF-8 simply fails. */
	re = pcre2_compile((PCRE2_SPTR)f->pattern, json_string_length(v),
			   PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF |
				   PCRE2_MATCH_INVALID_UTF,
			   &err, &off, NULL);
	if (!re) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		return mlg_json_error(
			doc, ptr, "invalid pattern '%s': %s at offset %zu",
			f->pattern, (const char *)msg, (size_t)off);
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional speed-up */
	f->re = re;
	f->has |= MLG_C_PATTERN;
	return 0;
}

static int parse_constraints(struct mlg_field *f,
			     const struct mlg_json_doc *doc, json_t *co,
			     size_t k)
{
	static const char *const keys[] = {
		"required",	    "unique",  "enum",	     "minLength",
		"maxLength",	    "minimum", "maximum",    "exclusiveMinimum",
		"exclusiveMaximum", "pattern", "jsonSchema", NULL};
	static const char *const bounds[] = {
		"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};
	enum mlg_ftype t = f->type;
	int ranged = t == MLG_T_NUMBER || t == MLG_T_INTEGER ||
		     t == MLG_T_YEAR || t == MLG_T_YEARMONTH ||
		     t == MLG_T_DURATION || temporal(t);
	int sized = t == MLG_T_STRING || t == MLG_T_OBJECT || t == MLG_T_ARRAY;
	const char *key;
	json_t *v;
	struct loc l = {""}, cl = {""};
	size_t j;

	at(&cl, k, "constraints", NULL);
	if (mlg_json_check_keys(doc, co, cl.p, keys))
		return MLG_EINVALID;
	json_object_foreach (co, key, v) {
		int len_key =
			!strcmp(key, "minLength") || !strcmp(key, "maxLength");
		int bound_key = -1;

		for (j = 0; j < 4; j++)
			if (!strcmp(key, bounds[j]))
				bound_key = (int)j;
		at(&l, k, "constraints", key);
		if (!strcmp(key, "jsonSchema"))
			return mlg_json_error(doc, l.p,
					      "constraint 'jsonSchema' is not "
					      "supported");
		if ((len_key && !sized) || (bound_key >= 0 && !ranged) ||
		    (!strcmp(key, "pattern") && t != MLG_T_STRING))
			return mlg_json_error(doc, l.p,
					      "constraint '%s' does not apply "
					      "to %s %s field",
					      key, article(t),
					      mlg_ftype_name(t));
		if (len_key) {
			int64_t n;

			if (mlg_json_get_int(doc, co, cl.p, key, 1, &n))
				return MLG_EINVALID;
			if (n < 0)
				return mlg_json_error(
					doc, l.p,
					"expected a non-negative integer, "
					"found %lld",
					(long long)n);
			if (key[1] == 'i') {
				f->min_length = n;
				f->has |= MLG_C_MIN_LENGTH;
			} else {
				f->max_length = n;
				f->has |= MLG_C_MAX_LENGTH;
			}
		} else if (bound_key >= 0) {
			if (parse_bound(f, doc, v, l.p, bound_key))
				return MLG_EINVALID;
			f->has |= MLG_C_MINIMUM << bound_key;
		} else if (!strcmp(key, "pattern")) {
			if (parse_pattern(f, doc, v, l.p))
				return MLG_EINVALID;
		} else if (!strcmp(key, "enum")) {
			if (parse_enum(f, doc, v, l.p))
				return MLG_EINVALID;
		} else if (mlg_json_get_bool(doc, co, cl.p, key, 1,
					     key[0] == 'r' ? &f->required
							   : &f->unique)) {
			return MLG_EINVALID;
		}
	}
	return 0;
}

static int parse_field(struct mlg_schema *s, const struct mlg_json_doc *doc,
		       json_t *fo, size_t k)
{
	static const char *const keys[] = {"name",
					   "title",
					   "description",
					   "example",
					   "type",
					   "format",
					   "constraints",
					   "missingValues",
					   "rdfType",
					   "categories",
					   "categoriesOrdered",
					   "trueValues",
					   "falseValues",
					   "decimalChar",
					   "groupChar",
					   "bareNumber",
					   NULL};
	struct mlg_field *f = &s->fields[k];
	const char *name, *type = NULL, *format = NULL;
	struct loc l = {""};
	json_t *v;
	size_t j;
	int rc;

	at(&l, k, NULL, NULL);
	if (mlg_json_check_keys(doc, fo, l.p, keys) ||
	    mlg_json_get_str(doc, fo, l.p, "name", 1, &name) ||
	    mlg_json_get_str(doc, fo, l.p, "type", 0, &type) ||
	    mlg_json_get_str(doc, fo, l.p, "format", 0, &format))
		return MLG_EINVALID;
	for (j = 0; j < k; j++)
		if (!strcmp(s->fields[j].name, name))
			return mlg_json_error(doc, at(&l, k, "name", NULL),
					      "duplicate field name '%s'",
					      name);
	f->name = mlg_strdup(name);
	f->format = mlg_strdup(format ? format : "default");
	f->type = s->version == 2 ? MLG_T_ANY : MLG_T_STRING;
	if (type) {
		rc = parse_type(&f->type, type);
		if (rc)
			return mlg_json_error(
				doc, at(&l, k, "type", NULL), "%s type '%s'",
				rc > 0 ? "unsupported" : "unknown", type);
	}
	if (parse_format(f, doc, k) || parse_options(f, doc, fo, k))
		return MLG_EINVALID;
	v = json_object_get(fo, "missingValues");
	if (v) {
		if (str_list(&f->missing, &f->nmissing, doc, v,
			     at(&l, k, "missingValues", NULL), 1))
			return MLG_EINVALID;
		f->has_missing = 1;
	}
	v = json_object_get(fo, "constraints");
	if (v && parse_constraints(f, doc, v, k))
		return MLG_EINVALID;
	return parse_categories(f, doc, fo, k);
}

/* Field names at `ptr` (a string or an array of them) as indices. */
static int key_list(size_t **out, size_t *n, const struct mlg_schema *s,
		    const struct mlg_json_doc *doc, json_t *v, const char *ptr,
		    int allow_string)
{
	char p[200];
	size_t j, cnt;
	json_t *e;
	int idx;

	if (allow_string && json_is_string(v)) {
		idx = mlg_schema_field_index(s, json_string_value(v));
		if (idx < 0)
			return mlg_json_error(doc, ptr, "unknown field '%s'",
					      json_string_value(v));
		*out = mlg_malloc(sizeof(**out));
		**out = (size_t)idx;
		*n = 1;
		return 0;
	}
	if (!json_is_array(v))
		return mlg_json_error(doc, ptr, "expected %san array, found %s",
				      allow_string ? "a string or " : "",
				      mlg_json_type_name(v));
	cnt = json_array_size(v);
	*out = mlg_calloc(cnt + 1, sizeof(**out));
	*n = cnt;
	json_array_foreach (v, j, e) {
		snprintf(p, sizeof(p), "%s/%zu", ptr, j);
		if (!json_is_string(e))
			return mlg_json_error(doc, p,
					      "expected a string, found %s",
					      mlg_json_type_name(e));
		idx = mlg_schema_field_index(s, json_string_value(e));
		if (idx < 0)
			return mlg_json_error(doc, p, "unknown field '%s'",
					      json_string_value(e));
		(*out)[j] = (size_t)idx;
	}
	return 0;
}

/* See schema.h for the rule. */
static int detect_version(json_t *root)
{
	static const char *const v2_field[] = {"missingValues", "categories",
					       "categoriesOrdered", "rdfType"};
	json_t *v = json_object_get(root, "$schema"), *f, *m;
	size_t k, j;

	if (json_is_string(v) && strstr(json_string_value(v), "2.0"))
		return 2;
	if (json_object_get(root, "fieldsMatch") ||
	    json_object_get(root, "uniqueKeys"))
		return 2;
	json_array_foreach (json_object_get(root, "missingValues"), k, m)
		if (json_is_object(m))
			return 2;
	json_array_foreach (json_object_get(root, "fields"), k, f)
		for (j = 0; j < MLG_ARRAY_SIZE(v2_field); j++)
			if (json_is_object(f) &&
			    json_object_get(f, v2_field[j]))
				return 2;
	return 1;
}

static int parse_match(struct mlg_schema *s, const struct mlg_json_doc *doc,
		       json_t *root)
{
	static const char *const names[] = {"exact", "equal", "subset",
					    "superset", "partial"};
	const char *m = NULL;
	size_t k;

	if (mlg_json_get_str(doc, root, "", "fieldsMatch", 0, &m))
		return MLG_EINVALID;
	if (!m)
		return 0;
	for (k = 0; k < MLG_ARRAY_SIZE(names); k++)
		if (!strcmp(m, names[k])) {
			s->fields_match = (enum mlg_fields_match)k;
			return 0;
		}
	return mlg_json_error(doc, "/fieldsMatch",
			      "unknown value '%s', expected exact, equal, "
			      "subset, superset or partial",
			      m);
}

static int parse(struct mlg_schema *s, const struct mlg_json_doc *doc)
{
	static const char *const keys[] = {
		"fields",	 "primaryKey",	"uniqueKeys", "foreignKeys",
		"missingValues", "fieldsMatch", "$schema",    "title",
		"description",	 "name",	"profile",    NULL};
	json_t *root = doc->root, *fields, *v, *fo;
	const char *str;
	size_t k, j;
	char p[64];

	if (mlg_json_check_keys(doc, root, "", keys) ||
	    mlg_json_get_str(doc, root, "", "$schema", 0, &str))
		return MLG_EINVALID;
	if (json_object_get(root, "foreignKeys"))
		return mlg_json_error(doc, "/foreignKeys",
				      "foreignKeys are not supported");
	fields = json_object_get(root, "fields");
	if (!fields)
		return mlg_json_error(doc, "",
				      "missing required property 'fields'");
	if (!json_is_array(fields))
		return mlg_json_error(doc, "/fields",
				      "expected an array, found %s",
				      mlg_json_type_name(fields));
	s->version = detect_version(root);
	if (parse_match(s, doc, root))
		return MLG_EINVALID;
	v = json_object_get(root, "missingValues");
	if (v) {
		if (str_list(&s->missing, &s->nmissing, doc, v,
			     "/missingValues", 1))
			return MLG_EINVALID;
	} else {
		s->missing = mlg_calloc(1, sizeof(char *));
		s->missing[0] = mlg_strdup("");
		s->nmissing = 1;
	}
	s->fields = mlg_calloc(json_array_size(fields) + 1, sizeof(*s->fields));
	json_array_foreach (fields, k, fo) {
		s->nfields = k + 1;
		if (parse_field(s, doc, fo, k))
			return MLG_EINVALID;
	}
	v = json_object_get(root, "primaryKey");
	if (v &&
	    key_list(&s->primary_key, &s->npk, s, doc, v, "/primaryKey", 1))
		return MLG_EINVALID;
	for (k = 0; k < s->npk; k++)
		s->fields[s->primary_key[k]].required = 1;
	v = json_object_get(root, "uniqueKeys");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return mlg_json_error(doc, "/uniqueKeys",
				      "expected an array, found %s",
				      mlg_json_type_name(v));
	s->nunique_keys = json_array_size(v);
	s->unique_keys = mlg_calloc(s->nunique_keys + 1, sizeof(size_t *));
	s->nunique_key = mlg_calloc(s->nunique_keys + 1, sizeof(size_t));
	json_array_foreach (v, j, fo) {
		snprintf(p, sizeof(p), "/uniqueKeys/%zu", j);
		if (key_list(&s->unique_keys[j], &s->nunique_key[j], s, doc, fo,
			     p, 0))
			return MLG_EINVALID;
	}
	return 0;
}

int mlg_schema_parse(struct mlg_schema *out, const struct mlg_json_doc *doc)
{
	int rc;

	size_t k;

	memset(out, 0, sizeof(*out));
	rc = parse(out, doc);
	for (k = 0; !rc && k < out->nfields; k++)
		rc = mlg_field_compile(&out->fields[k], out);
	if (rc)
		mlg_schema_release(out);
	return rc;
}

int mlg_schema_load(struct mlg_schema *out, const char *path)
{
	struct mlg_json_doc doc;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mlg_config_load(&doc, path, 0);
	if (!rc)
		rc = mlg_schema_parse(out, &doc);
	mlg_json_doc_release(&doc);
	return rc;
}

static void release_field(struct mlg_field *f)
{
	size_t k;

	free(f->name);
	free(f->format);
	free_list(f->true_values, f->ntrue);
	free_list(f->false_values, f->nfalse);
	free_list(f->missing, f->nmissing);
	for (k = 0; k < 4; k++)
		free(f->bound_text[k]);
	for (k = 0; k < f->nenum; k++) {
		free((char *)f->enum_values[k].str);
		if (f->enum_json)
			json_decref(f->enum_json[k]);
	}
	free(f->enum_values);
	free(f->enum_json);
	free(f->pattern);
	pcre2_code_free(f->re);
	mlg_field_release_fast(f);
}

void mlg_schema_release(struct mlg_schema *s)
{
	size_t k;

	for (k = 0; k < s->nfields; k++)
		release_field(&s->fields[k]);
	free(s->fields);
	free(s->primary_key);
	for (k = 0; k < s->nunique_keys; k++)
		free(s->unique_keys[k]);
	free(s->unique_keys);
	free(s->nunique_key);
	free_list(s->missing, s->nmissing);
	memset(s, 0, sizeof(*s));
}

int mlg_schema_field_index(const struct mlg_schema *s, const char *name)
{
	size_t k;

	for (k = 0; k < s->nfields; k++)
		if (!strcmp(s->fields[k].name, name))
			return (int)k;
	return -1;
}

size_t mlg_label_repeats(char *const *labels, size_t c)
{
	size_t k;

	for (k = 0; *labels[c] && k < c; k++)
		if (!strcmp(labels[k], labels[c]))
			return k + 1;
	return 0;
}

/* --- dialects --- */

int mlg_dialect_parse(struct mlg_csv_dialect *out,
		      const struct mlg_json_doc *doc)
{
	static const char *const keys[] = {
		"delimiter",	 "quoteChar",	     "doubleQuote",
		"escapeChar",	 "skipInitialSpace", "header",
		"commentChar",	 "lineTerminator",   "caseSensitiveHeader",
		"csvddfVersion", "headerRows",	     "headerJoin",
		"nullSequence",	 "commentRows",	     "$schema",
		"title",	 "description",	     NULL};
	json_t *root = doc->root, *v;
	const char *s = NULL;
	int b;

	mlg_csv_dialect_init(out);
	if (mlg_json_check_keys(doc, root, "", keys))
		return MLG_EINVALID;
	if (json_object_get(root, "nullSequence"))
		return mlg_json_error(doc, "/nullSequence",
				      "nullSequence is not supported");
	if (json_object_get(root, "commentRows"))
		return mlg_json_error(doc, "/commentRows",
				      "commentRows is not supported");
	if (one_char(&out->delimiter, doc, root, "", "delimiter") ||
	    one_char(&out->quote, doc, root, "", "quoteChar") ||
	    one_char(&out->escape, doc, root, "", "escapeChar") ||
	    one_char(&out->comment, doc, root, "", "commentChar") ||
	    mlg_json_get_bool(doc, root, "", "doubleQuote", 0,
			      &out->double_quote) ||
	    mlg_json_get_bool(doc, root, "", "skipInitialSpace", 0,
			      &out->skip_initial_space) ||
	    mlg_json_get_bool(doc, root, "", "header", 0, &out->header) ||
	    mlg_json_get_bool(doc, root, "", "caseSensitiveHeader", 0, &b) ||
	    mlg_json_get_str(doc, root, "", "headerJoin", 0, &s) ||
	    mlg_json_get_str(doc, root, "", "$schema", 0, &s) ||
	    mlg_json_get_str(doc, root, "", "title", 0, &s) ||
	    mlg_json_get_str(doc, root, "", "description", 0, &s))
		return MLG_EINVALID;
	s = NULL;
	if (mlg_json_get_str(doc, root, "", "lineTerminator", 0, &s))
		return MLG_EINVALID;
	if (s && strcmp(s, "\r\n") && strcmp(s, "\n"))
		return mlg_json_error(doc, "/lineTerminator",
				      "unsupported lineTerminator: expected "
				      "\"\\r\\n\" or \"\\n\"");
	v = json_object_get(root, "csvddfVersion");
	if (v && !json_is_number(v) && !json_is_string(v))
		return mlg_json_error(doc, "/csvddfVersion",
				      "expected a number, found %s",
				      mlg_json_type_name(v));
	v = json_object_get(root, "headerRows");
	if (v) {
		json_t *e = json_array_get(v, 0);

		if (!json_is_array(v) || json_array_size(v) > 1 ||
		    (e && !(json_is_integer(e) && json_integer_value(e) == 1)))
			return mlg_json_error(doc, "/headerRows",
					      "only headerRows [1] or [] is "
					      "supported");
		out->header = e != NULL;
	}
	if (mlg_csv_dialect_check(out))
		return mlg_json_error(doc, "", "%s", mlg_error_message());
	return 0;
}
