/*
 * position.h - where a located error message points: its "LINE:COLUMN:"
 * and the JSON pointer it shows, for the harnesses that check where a
 * refusal points
 */
#ifndef MLGATE_FUZZ_POSITION_H
#define MLGATE_FUZZ_POSITION_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"

/* "LINE:COLUMN:" at `p`, both from 1, into *line and *col; returns what
 * follows the second colon. abort() when it is not there. */
static inline const char *fuzz_position(const char *p, unsigned long *line,
					unsigned long *col)
{
	char *end;

	*line = strtoul(p, &end, 10);
	if (end == p || *end != ':' || !*line)
		abort();
	p = end + 1;
	*col = strtoul(p, &end, 10);
	if (end == p || *end != ':' || !*col)
		abort();
	return end + 1;
}

/* What follows "'NAME': " at the start of the message `m`; abort() when
 * it does not start so. */
static inline const char *fuzz_after_name(const char *m, const char *name)
{
	size_t n = strlen(name);

	if (m[0] != '\'' || strncmp(m + 1, name, n) ||
	    strncmp(m + 1 + n, "': ", 3))
		abort();
	return m + n + 4;
}

/* abort() unless the message `m` of a text that did not parse, whose
 * part after "'NAME': " is `p`, is the parser's own `ref_msg`: "empty
 * JSON text", "empty YAML document" or LINE:COLUMN and the problem. */
static inline void fuzz_parser_message(const char *m, const char *p,
				       const char *ref_msg)
{
	unsigned long line, col;

	if (strcmp(m, ref_msg))
		abort();
	if (strcmp(p, "empty JSON text") && strcmp(p, "empty YAML document") &&
	    *fuzz_position(p, &line, &col) != ' ')
		abort();
}

/* abort() when the message `m` holds a control byte: it must stay one
 * line. */
static inline void fuzz_one_line(const char *m)
{
	for (; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			abort();
}

/* Whether `tok` (`n` bytes) is the step `key` of a pointer as a message
 * shows it: RFC 6901 escapes, then control bytes as \\u00XX (json.c). */
static inline int fuzz_shown_as(const char *key, const char *tok, size_t n)
{
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;
	int same;

	for (i = 0; key[i]; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '~' || c == '/')
			mlg_buf_adds(&b, c == '~' ? "~0" : "~1");
		else if (c < 0x20 || c == 0x7f)
			mlg_buf_addf(&b, "\\u%04x", c);
		else
			mlg_buf_addch(&b, c);
	}
	same = b.len == n && !memcmp(b.ptr, tok, n);
	mlg_buf_release(&b);
	return same;
}

/*
 * The value under `v` whose pointer, as a message shows it, is the `n`
 * bytes at `p` (steps from the root, "" the root itself), borrowed, or
 * NULL. `raw`, when not NULL, gets the pointer itself (RFC 6901 escapes
 * only), what mlg_json_doc_locate() takes. A message shows the root as "/":
 * callers try that themselves.
 */
static inline json_t *fuzz_resolve(json_t *v, const char *p, size_t n,
				   struct mlg_buf *raw)
{
	const char *end = p + n, *t, *key;
	json_t *m;
	size_t len;

	while (v && p < end) {
		if (*p != '/')
			return NULL;
		t = ++p;
		while (p < end && *p != '/')
			p++;
		len = (size_t)(p - t);
		if (json_is_object(v)) {
			json_t *found = NULL;

			json_object_foreach (v, key, m)
				if (fuzz_shown_as(key, t, len)) {
					found = m;
					if (raw)
						mlg_json_pointer_append(raw,
									key);
					break;
				}
			v = found;
		} else if (json_is_array(v) && len && len < 20 &&
			   strspn(t, "0123456789") >= len &&
			   (t[0] != '0' || len == 1)) {
			v = json_array_get(v, strtoul(t, NULL, 10));
			if (raw)
				mlg_buf_add(raw, t - 1, len + 1);
		} else {
			return NULL;
		}
	}
	return v;
}

/* Whether the message `m` fills the buffer of struct mlg_error (error.h),
 * so that it may have lost its end. */
static inline int fuzz_cut(const char *m)
{
	return strlen(m) + 1 >= sizeof(mlg_error_last()->message);
}

/* Whether the `n` bytes at `s` are the pointer of a value of `doc` as a
 * message shows it ("/" the root) and, when `line` is not 0, that value
 * is at line:col of doc's text (mlg_json_doc_locate()). */
static inline int fuzz_names_value_n(const struct mlg_json_doc *doc,
				     const char *s, size_t n,
				     unsigned long line, unsigned long col)
{
	struct mlg_buf raw = MLG_BUF_INIT;
	uint64_t l, c;
	int yes;

	if (n == 1 && *s == '/' &&
	    (!line ||
	     (!mlg_json_doc_locate(doc, "", &l, &c) && l == line && c == col)))
		return 1;
	mlg_buf_adds(&raw, "");
	yes = fuzz_resolve(doc->root, s, n, &raw) &&
	      (!line || (!mlg_json_doc_locate(doc, raw.ptr, &l, &c) &&
			 l == line && c == col));
	mlg_buf_release(&raw);
	return yes;
}

/*
 * Whether the pointer at the start of `p`, within the error message, and
 * followed by ": ", names a value of `doc` as fuzz_names_value_n() says.
 * A key may hold ": " itself, so each prefix is tried; a message cut
 * short (fuzz_cut()) may have lost the end of it, and passes.
 */
static inline int fuzz_names_value(const struct mlg_json_doc *doc,
				   const char *p, unsigned long line,
				   unsigned long col)
{
	const char *end;

	for (end = p; (end = strstr(end, ": ")); end++)
		if (fuzz_names_value_n(doc, p, (size_t)(end - p), line, col))
			return 1;
	return fuzz_cut(mlg_error_message());
}

#endif
