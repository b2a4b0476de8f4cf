/* yaml.c - YAML documents read as JSON values (libyaml) */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

int mlg_yaml_like(const char *text, size_t len)
{
	size_t i = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;

	while (i < len && strchr(" \t\r\n", text[i]) && text[i])
		i++;
	return i < len && text[i] != '{' && text[i] != '[';
}

int mlg_config_parse(struct mlg_json_doc *doc, const char *name,
		     const char *text, size_t len)
{
	int rc = mlg_json_parse(doc, name, text, len);

	if (rc && mlg_yaml_like(text, len)) {
		mlg_json_doc_release(doc);
		rc = mlg_yaml_parse(doc, name, text, len);
	}
	return rc;
}

int mlg_config_load(struct mlg_json_doc *doc, const char *path, size_t max)
{
	struct mlg_buf text = MLG_BUF_INIT;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (!(rc = mlg_file_read(&text, path,
				 max ? max : MLG_JSON_MAX_DEFAULT)))
		rc = mlg_config_parse(doc, strcmp(path, "-") ? path : "<stdin>",
				      text.ptr, text.len);
	mlg_buf_release(&text);
	return rc;
}

size_t mlg_yaml_break(const char *s, size_t left)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!left)
		return 0;
	if (*u == '\r')
		return left > 1 && u[1] == '\n' ? 2 : 1;
	if (*u == '\n')
		return 1;
	if (left > 1 && u[0] == 0xc2 && u[1] == 0x85)
		return 2;
	if (left > 2 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

#ifndef MLG_HAVE_YAML

int mlg_yaml_parse(struct mlg_json_doc *doc, const char *name, const char *text,
		   size_t len)
{
	(void)text;
	(void)len;
	memset(doc, 0, sizeof(*doc));
	return mlg_error_set(MLG_EINVALID,
			     "'%s': YAML needs libyaml, which this mlgate "
			     "was built without",
			     name);
}

#else

#include <yaml.h>

#define MAX_DEPTH 512

struct frame {
	json_t *v;
	char *key;	    /* a mapping's pending key, or NULL */
	yaml_mark_t key_at; /* where that key starts */
};

struct state {
	const char *name;
	struct frame *st;
	size_t n, alloc;
	json_t *root;
	int docs;
	/* json.h's marks: where each value starts, in document order */
	uint32_t *marks;
	size_t nmarks, amarks;
};

/* Escaped as json.c's messages: a key may hold a newline. */
static int fail(const struct state *s, const yaml_mark_t *m, const char *what)
{
	return mlg_json_error_set(MLG_EINVALID, "'%s': %zu:%zu: %s", s->name,
				  m->line + 1, m->column + 1, what);
}

static int is_int(const char *s, long long *out)
{
	char *end;
	int base = 10;
	const char *p = s;

	if ((*p == '-' || *p == '+') && p[1])
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o') && s == p) {
		base = p[1] == 'x' ? 16 : 8;
		p += 2;
	}
	if (!*p || strspn(p, base == 16 ? "0123456789abcdefABCDEF"
					: "0123456789") != strlen(p))
		return 0;
	errno = 0;
	*out = strtoll(base == 10 ? s : p, &end, base);
	return !errno && !*end;
}

static int is_float(const char *s, double *out)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t digits = strspn(p, "0123456789");

	if (p[digits] == '.')
		digits += strspn(p + digits + 1, "0123456789");
	/* digits alone reach here only beyond int64: a float then */
	if (!digits || strspn(p, "0123456789.eE+-") != strlen(p))
		return 0;
	return !mlg_parse_double(out, s) && isfinite(*out);
}

static int one_of(const char *s, const char *list)
{
	size_t n = strlen(s);
	const char *p;

	for (p = list; *p; p += strlen(p) + 1)
		if (strlen(p) == n && !memcmp(p, s, n))
			return 1;
	return 0;
}

/* A scalar as YAML 1.2's core schema resolves it. */
static json_t *scalar(const yaml_event_t *e)
{
	const char *s = (const char *)e->data.scalar.value;
	const char *tag = (const char *)e->data.scalar.tag;
	long long i;
	double d;

	if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (tag && !strcmp(tag, YAML_STR_TAG)))
		return json_stringn(s, e->data.scalar.length);
	if (!*s || one_of(s, "~\0null\0Null\0NULL\0"))
		return json_null();
	if (one_of(s, "true\0True\0TRUE\0"))
		return json_true();
	if (one_of(s, "false\0False\0FALSE\0"))
		return json_false();
	if (is_int(s, &i))
		return json_integer(i);
	if (is_float(s, &d))
		return json_real(d);
	if (one_of(s, ".inf\0.Inf\0.INF\0+.inf\0+.Inf\0+.INF\0"))
		return json_string("Infinity");
	if (one_of(s, "-.inf\0-.Inf\0-.INF\0"))
		return json_string("-Infinity");
	if (one_of(s, ".nan\0.NaN\0.NAN\0"))
		return json_string("NaN");
	return json_stringn(s, e->data.scalar.length);
}

/* Note where the value about to be placed in `f` (NULL: the root)
 * starts: at its key when it is a member, as mlg_json_locate() finds
 * it. Lines and columns fit: a document is at most 4 GiB. */
static void mark(struct state *s, const struct frame *f, const yaml_mark_t *m)
{
	if (f && !json_is_array(f->v))
		m = &f->key_at;
	s->marks = mlg_grow(s->marks, 2 * sizeof(*s->marks), s->nmarks + 1,
			    &s->amarks);
	s->marks[2 * s->nmarks] = (uint32_t)m->line + 1;
	s->marks[2 * s->nmarks++ + 1] = (uint32_t)m->column + 1;
}

/* Put `v` (a new reference) where the open container wants it. */
static int place(struct state *s, json_t *v, const yaml_event_t *e)
{
	struct frame *f = s->n ? &s->st[s->n - 1] : NULL;
	int rc = 0;

	if (!v)
		return fail(s, &e->start_mark, "invalid UTF-8 in a scalar");
	if (!f || json_is_array(f->v) || f->key)
		mark(s, f, &e->start_mark);
	if (!f) {
		s->root = v;
		return 0;
	}
	if (json_is_array(f->v)) {
		json_array_append_new(f->v, v);
	} else if (!f->key) {
		if (!json_is_string(v)) {
			rc = fail(s, &e->start_mark,
				  "a mapping key must be a scalar");
		} else if (json_object_get(f->v, json_string_value(v))) {
			char *msg = mlg_strfmt("duplicate key '%s'",
					       json_string_value(v));

			rc = fail(s, &e->start_mark, msg);
			free(msg);
		} else {
			f->key = mlg_strdup(json_string_value(v));
			f->key_at = e->start_mark;
		}
		json_decref(v);
	} else {
		json_object_set_new(f->v, f->key, v);
		free(f->key);
		f->key = NULL;
	}
	return rc;
}

/* Keys are read as text whatever they look like: "1: x" has key "1". */
static json_t *key_or_value(struct state *s, const yaml_event_t *e)
{
	struct frame *f = s->n ? &s->st[s->n - 1] : NULL;

	if (f && json_is_object(f->v) && !f->key)
		return json_stringn((const char *)e->data.scalar.value,
				    e->data.scalar.length);
	return scalar(e);
}

static int event(struct state *s, const yaml_event_t *e)
{
	json_t *v;
	int rc;

	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++s->docs > 1)
			return fail(s, &e->start_mark,
				    "more than one document");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail(s, &e->start_mark, "aliases are not supported");
	case YAML_SCALAR_EVENT:
		/* "\0" would end the C string of a key or value early (json.h:
		 * a loaded document has none, as jansson refuses "\u0000") */
		if (memchr(e->data.scalar.value, 0, e->data.scalar.length))
			return fail(s, &e->start_mark,
				    "a NUL character is not allowed");
		return place(s, key_or_value(s, e), e);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (s->n >= MAX_DEPTH)
			return fail(s, &e->start_mark, "nested too deeply");
		v = e->type == YAML_SEQUENCE_START_EVENT ? json_array()
							 : json_object();
		/* placed first (it is a key error when a key is expected),
		 * then opened with a reference of its own */
		json_incref(v);
		if ((rc = place(s, v, e))) {
			json_decref(v);
			return rc;
		}
		s->st = mlg_grow(s->st, sizeof(*s->st), s->n + 1, &s->alloc);
		s->st[s->n].v = v;
		s->st[s->n++].key = NULL;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		s->n--;
		json_decref(s->st[s->n].v);
		free(s->st[s->n].key);
		return 0;
	default:
		return 0;
	}
}

/* libyaml marks the end of a text that lacks a final line break at the
 * start of a line after the last: put such a mark at the end of the
 * last line, a place the text has. */
static void clamp_marks(const char *text, size_t len, uint32_t *marks, size_t n)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	uint32_t lines = 1, col = 1;
	size_t b, k;

	/* Ending in a line break (1 to 3 bytes), the text has every line
	 * a mark can be on: no need to count them. */
	for (k = 1; k <= 3 && k <= len; k++)
		if (mlg_yaml_break(text + len - k, k) == k)
			return;
	while (i < len) {
		b = mlg_yaml_break(text + i, len - i);
		lines += b > 0;
		col = b ? 1 : col + 1;
		i += b ? b : 1;
		while (i < len && (u[i] & 0xc0) == 0x80)
			i++;
	}
	for (i = 0; i < n; i++)
		if (marks[2 * i] > lines) {
			marks[2 * i] = lines;
			marks[2 * i + 1] = col;
		}
}

int mlg_yaml_parse(struct mlg_json_doc *doc, const char *name, const char *text,
		   size_t len)
{
	struct state s = {0};
	yaml_parser_t p;
	yaml_event_t e;
	int rc = 0, done = 0;

	memset(doc, 0, sizeof(*doc));
	s.name = name;
	if (!yaml_parser_initialize(&p))
		return mlg_error_set(MLG_ERROR, "cannot start libyaml");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!rc && !done) {
		if (!yaml_parser_parse(&p, &e)) {
			rc = fail(&s, &p.problem_mark,
				  p.problem ? p.problem : "invalid YAML");
			break;
		}
		done = e.type == YAML_STREAM_END_EVENT;
		rc = event(&s, &e);
		yaml_event_delete(&e);
	}
	while (s.n--) {
		json_decref(s.st[s.n].v);
		free(s.st[s.n].key);
	}
	free(s.st);
	yaml_parser_delete(&p);
	if (!rc && !s.root)
		rc = mlg_error_set(MLG_EINVALID, "'%s': empty YAML document",
				   name);
	if (rc) {
		json_decref(s.root);
		free(s.marks);
		return rc;
	}
	clamp_marks(text, len, s.marks, s.nmarks);
	doc->root = s.root;
	doc->name = mlg_strdup(name);
	doc->marks = s.marks;
	doc->nmarks = s.nmarks;
	return 0;
}

#endif
