/*
 * json.h - JSON documents over jansson, with errors that point at the
 * mistake
 *
 * A gate that reads a config, a schema or a metrics file must say where a
 * bad value is, as file:line:column and as the JSON pointer (RFC 6901) of
 * the value:
 *
 *	's.json': 12:18: /fields/3/type: unknown type 'integr'
 *
 * jansson only knows positions while it parses, so a document keeps its
 * text next to the tree and mlg_json_locate() finds a pointer's position
 * in the text when an error is reported.
 *
 * This is the one module that converts jansson errors. Positions are
 * 1-based; columns count bytes from the start of the line (a tab is one
 * column, so is each byte of a UTF-8 sequence). Only "\n" ends a line, so
 * CRLF text has the same positions as LF text.
 *
 * Parsing rejects duplicate object keys and "\u0000" in strings, so the
 * keys and strings of a loaded document are valid UTF-8 C strings without
 * NUL bytes. Any value is accepted at the top level. A UTF-8 byte order
 * mark at the start is skipped (RFC 8259 allows it); positions are
 * counted from the byte after it, as an editor shows them.
 *
 * The error messages below are exact: tools add their own context in
 * front of them once ("cannot read schema ...").
 */
#ifndef MLGATE_JSON_H
#define MLGATE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct mlg_buf;

/* The default size limit of mlg_json_load(): 64 MiB. */
#define MLG_JSON_MAX_DEFAULT ((size_t)64 << 20)

/*
 * A parsed document. `root` is a new reference owned by the document;
 * `name` is the file name used in messages ("<stdin>" for "-"); `text` is
 * the NUL-terminated JSON text without its byte order mark, `len` bytes
 * long. A YAML document (yaml.h) has no text but `marks`: the line and
 * column (1-based) of each of its `nmarks` values, in document order, for
 * mlg_json_doc_locate(). All fields are owned by the document and freed
 * by mlg_json_doc_release(). A zeroed struct is a valid empty document.
 */
struct mlg_json_doc {
	json_t *root;
	char *name;
	char *text;
	size_t len;
	uint32_t *marks; /* YAML: line, column of value i at 2i, 2i + 1 */
	size_t nmarks;
};

/*
 * Read the file `path` ("-" is standard input) and parse it. `doc` need
 * not be initialised; on failure it is left empty (release is harmless).
 * At most `max` bytes are read (0 means MLG_JSON_MAX_DEFAULT).
 *
 * Errors:
 *   MLG_ENOTFOUND, MLG_EIO	"cannot read '<path>': <strerror>"
 *   MLG_ELIMIT	"cannot read '<path>': larger than <max> bytes"
 *   MLG_EINVALID	"'<path>': <line>:<col>: <jansson text>" for syntax,
 *			"'<path>': empty JSON text" for an empty or blank
 *			file, "'<path>': 1:1: UTF-16 text, expected UTF-8"
 * A syntax error points at the start of the offending token when jansson
 * names it ("near 'tru'"), at the bad byte for invalid UTF-8, and at the
 * end of the text for "near end of file".
 *
 * O(size of the file).
 */
int mlg_json_load(struct mlg_json_doc *doc, const char *path, size_t max);

/*
 * Parse `len` bytes of `text` (copied; may hold NUL bytes, which are
 * errors) as the document called `name` (copied). Same errors as
 * mlg_json_load() apart from the read errors; no size limit.
 */
int mlg_json_parse(struct mlg_json_doc *doc, const char *name, const char *text,
		   size_t len);

/* `len` bytes of a document's text from offset `off`. */
struct mlg_json_span {
	size_t off, len;
};

/*
 * mlg_json_parse() of the text `b` holds, taken over without a copy (`b`
 * is left empty), for a document most of which is one array, whose
 * elements are then parsed one at a time rather than all at once (a
 * jansson tree takes several times the size of its text): the tree has
 * null for each element of the array at `pointer`, and *spans, a new
 * array of *n that the caller frees, says where each is in doc->text,
 * for mlg_json_parse_span(). All the text but the elements is parsed;
 * the text is JSON when each element is one, and mlg_json_doc_reparse()
 * gives jansson's message about the whole text when one is not.
 *
 * When there is no array at `pointer`, or an empty one, or the text
 * around it is not JSON, or an element nests deeper than jansson parses
 * in the document, the document is parsed whole, as
 * mlg_json_parse() does, with its errors, and *spans is NULL.
 * O(size of the text) besides the parse.
 */
int mlg_json_parse_buf_split(struct mlg_json_doc *doc, const char *name,
			     struct mlg_buf *b, const char *pointer,
			     struct mlg_json_span **spans, size_t *n);

/* The text at `s` in `doc` parsed as mlg_json_parse() parses: a new
 * reference, or NULL, setting no error, when it is not JSON. */
json_t *mlg_json_parse_span(const struct mlg_json_doc *doc,
			    const struct mlg_json_span *s);

/* Parse the text of `doc` whole again into its root (replaced): 0, or
 * the syntax error mlg_json_parse() gives for it, `doc` then released. */
int mlg_json_doc_reparse(struct mlg_json_doc *doc);

/* Free the contents of `doc` and zero it. Safe on an empty document. */
void mlg_json_doc_release(struct mlg_json_doc *doc);

/*
 * Find where the value at `pointer` starts in `len` bytes of JSON `text`:
 * the position of its first character, or of its key (the opening quote)
 * when the last step of the pointer is an object member. "" is the root.
 * Keys in the text may use any escape ("\"", "\u00e9", surrogate pairs);
 * the pointer uses RFC 6901 escapes ("~0" for '~', "~1" for '/'). An
 * array index is "0" or a decimal without leading zeros; "-" never
 * exists. When a key occurs twice in an object, the first one is found.
 *
 * Returns 0 and sets *line and *col, or
 *   MLG_ENOTFOUND	"no value at '<pointer>'"
 *   MLG_EINVALID	"invalid JSON pointer '<pointer>'" (no leading '/',
 *			or '~' not followed by 0 or 1), or
 *			"cannot locate '<pointer>': malformed JSON at
 *			<line>:<col>" when the text is broken on the way
 * The outputs are untouched on error. A hand-written scanner: O(len), no
 * recursion, never reads past `len`.
 */
int mlg_json_locate(const char *text, size_t len, const char *pointer,
		    uint64_t *line, uint64_t *col);

/*
 * mlg_json_locate() in the text of `doc`, or for a YAML document the
 * same answer from its marks: the place of the key of a member, else of
 * the value (MLG_ENOTFOUND "no value at '<pointer>'" when there is no
 * such value, or neither text nor marks). For YAML, O(values before it
 * in the tree), no parse again.
 */
int mlg_json_doc_locate(const struct mlg_json_doc *doc, const char *pointer,
			uint64_t *line, uint64_t *col);

/*
 * Record an error about the value at `pointer` in `doc`, as
 *
 *	'<name>': <line>:<col>: <pointer>: <message>
 *
 * where the message is built like printf. line:col is left out when the
 * pointer cannot be located (or the document has no text); the root ""
 * is shown as "/". Control characters in the message are written as
 * \u00XX so it stays on one line. Always returns MLG_EINVALID.
 */
int mlg_json_error(const struct mlg_json_doc *doc, const char *pointer,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The value at `pointer` under `root` (RFC 6901, same rules as
 * mlg_json_locate()): a borrowed reference, or NULL when there is none
 * or the pointer is malformed. Sets no error. O(length of the pointer).
 */
json_t *mlg_json_at(json_t *root, const char *pointer);

/* "object", "array", "string", "number", "boolean" or "null": how
 * messages name the kind of a value. */
const char *mlg_json_type_name(const json_t *v);

/*
 * Typed getters for config readers. `obj` is the value at `objptr` in
 * `doc` (it must not be NULL); `key` names a member of it. When the
 * member is absent, a required one is an error and an optional one
 * returns 0 with *out untouched. JSON null is not absent: it is a value
 * of the wrong type. Errors are MLG_EINVALID, set by mlg_json_error():
 *
 *   at objptr:		"expected an object, found <type>"
 *			"missing required property '<key>'"
 *   at objptr/key:	"expected a string, found <type>"
 *			(a number, an integer, a boolean)
 *
 * <type> is object, array, string, number, boolean or null.
 * mlg_json_get_str() gives a borrowed string, valid as long as the
 * document. mlg_json_get_num() takes integers and reals. mlg_json_get_int()
 * takes integers and reals with no fraction (as JSON Schema does: 3.0 is
 * 3); "expected an integer, found 1.5" otherwise, and "integer 1e+300 out
 * of range" beyond int64_t. mlg_json_get_bool() sets 1 or 0.
 */
int mlg_json_get_str(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     const char **out);
int mlg_json_get_num(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     double *out);
int mlg_json_get_int(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     int64_t *out);
/* mlg_json_get_int() of a count: "expected a count (a non-negative
 * integer), found -3" below zero. */
int mlg_json_get_count(const struct mlg_json_doc *doc, json_t *obj,
		       const char *objptr, const char *key, int required,
		       uint64_t *out);
int mlg_json_get_bool(const struct mlg_json_doc *doc, json_t *obj,
		      const char *objptr, const char *key, int required,
		      int *out);

/*
 * Refuse members of the object `obj` (at `objptr`) that are not in the
 * NULL-terminated list `allowed` (NULL allows none): features a gate does
 * not support must never be ignored silently. The first unknown member in
 * document order is an MLG_EINVALID error at objptr/key:
 * "unknown property '<key>'"; a non-object gives "expected an object,
 * found <type>". O(members * allowed).
 */
int mlg_json_check_keys(const struct mlg_json_doc *doc, json_t *obj,
			const char *objptr, const char *const *allowed);

/*
 * Append "/" and `key` escaped per RFC 6901 ('~' as "~0", '/' as "~1") to
 * the pointer being built in `ptr`. Pointers are built by the program, so
 * `ptr` must have no cap; hitting one is a bug (abort).
 */
void mlg_json_pointer_append(struct mlg_buf *ptr, const char *key);

/*
 * Append `v` serialised as JSON to `out`: compact when `indent` is 0,
 * else one member or element per line, indented by `indent` spaces a
 * level (0 to 31), with ": " after keys. No trailing newline. Object
 * members keep their insertion order. Reals are written with the fewest
 * significant digits that read back as the same double (0.1 as "0.1",
 * never more than 17), laid out as Python's repr() does: fixed from 1e-4
 * up to 1e16 ("100.0", "0.0001"), an exponent otherwise ("1e+16",
 * "1e-05"); always with a '.' or an exponent, so they stay reals, and
 * with '.' whatever the locale. Strings are written as UTF-8 with '"',
 * '\\' and control characters escaped.
 *
 * Returns 0, or MLG_ELIMIT when the cap of `out` is hit or `v` nests
 * deeper than 2048 levels (as jansson's parser; this also stops a value
 * that contains itself); `out` is then as it was. O(size of the output).
 */
int mlg_json_dump(struct mlg_buf *out, const json_t *v, int indent);
/* The same for a value `depth` (0 to 64) levels down in a document that
 * is written a piece at a time: its lines are indented as there. */
int mlg_json_dump_at(struct mlg_buf *out, const json_t *v, int indent,
		     int depth);

/*
 * Replace the contents of `b` with the text JSON value `v` stands for in
 * a table cell, as a CSV file would hold it: a string's bytes, an integer
 * in decimal, a real in the fewest digits that read back exactly (0.1,
 * not 0.10000000000000001; at most 17), true or false, and the compact
 * JSON of anything else (arrays, objects, null). 0, or the error of a
 * capped buffer (buf.h).
 */
int mlg_json_cell(struct mlg_buf *b, json_t *v);

/* Append `s` (UTF-8) as a JSON string: quotes, '\\' and control
 * characters escaped, the rest as it is. */
void mlg_json_add_str(struct mlg_buf *b, const char *s);

/* mlg_error_set() with control bytes (0x00-0x1f, 0x7f) written as
 * \\u00XX, as the messages of this module are: an error message must
 * stay one line, whatever a key or a file name holds. Returns `code`. */
int mlg_json_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append `n` bytes of `s` with control bytes as \\u00XX, as
 * mlg_json_error_set() writes them: for bytes of a file that a message
 * or a finding shows. */
void mlg_json_add_safe(struct mlg_buf *b, const char *s, size_t n);

#endif
