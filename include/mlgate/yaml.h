/*
 * yaml.h - YAML documents read as JSON values (libyaml)
 *
 * Metrics files are YAML as often as JSON (DVC's metrics.yaml). A YAML
 * document is turned into the jansson tree JSON would give, so one
 * reader serves both: mappings become objects (keys are scalars), sequences
 * arrays, and plain scalars are resolved as YAML 1.2's core schema does:
 * null (~, null, empty), true/false, integers (decimal, 0x, 0o), floats
 * (1.5, 1e-3, .5); .inf and .nan become the strings "Infinity" and "NaN"
 * (JSON has no such numbers); anything else, and every quoted scalar, is
 * a string. Aliases, more than one document, and NUL characters (which
 * JSON text refuses as "\u0000" too) are errors.
 *
 * Built with libyaml when pkg-config finds yaml-0.1 (MLG_HAVE_YAML);
 * otherwise every call fails with MLG_EINVALID "'<name>': YAML needs
 * libyaml, which this mlgate was built without".
 */
#ifndef MLGATE_YAML_H
#define MLGATE_YAML_H

#include <stddef.h>
#include <stdint.h>

struct mlg_json_doc;

/* 1 when `text` should be read as YAML: its first byte that is not
 * white space (or a UTF-8 BOM) is neither '{' nor '[' (which JSON
 * documents start with), 0 otherwise. An empty text is JSON's (an
 * error there). */
int mlg_yaml_like(const char *text, size_t len);

/* The length in bytes of the line break that starts `s`, of `left`
 * bytes, as YAML reads line breaks: CRLF, CR, LF, NEL (U+0085), LS
 * (U+2028), PS (U+2029); 0 when none does. Lines of YAML positions end
 * at these. */
size_t mlg_yaml_break(const char *s, size_t left);

/*
 * Parse `len` bytes of `text` as one YAML document called `name` into
 * `doc`: root set, name copied, text NULL, and the marks of its values
 * (json.h, 8 bytes a value), so that mlg_json_doc_locate() and the
 * errors about a value find its line:column. A value is found as
 * mlg_json_locate() finds one in JSON: at its key when it is a mapping
 * member, else at its first character (the '-' of a block sequence entry
 * is not part of it). Columns count characters, as libyaml's marks and
 * the errors below do; both are 1-based. A mark libyaml puts past the
 * end of a text without a final line break is the end of its last line.
 * Errors, MLG_EINVALID:
 *   '<name>': <line>:<col>: <libyaml's problem>   (syntax)
 *   '<name>': <line>:<col>: aliases are not supported
 *   '<name>': <line>:<col>: more than one document
 *   '<name>': <line>:<col>: a mapping key must be a scalar
 *   '<name>': <line>:<col>: duplicate key '<key>'
 *   '<name>': <line>:<col>: a NUL character is not allowed   ("\0")
 *   '<name>': empty YAML document
 * Nesting deeper than 512 levels is refused. O(len).
 */
int mlg_yaml_parse(struct mlg_json_doc *doc, const char *name, const char *text,
		   size_t len);

/*
 * A gate config (or metrics) document, JSON or YAML: `len` bytes of
 * `text` are parsed as JSON, and when that fails and the text starts as
 * YAML does (mlg_yaml_like()), as YAML. YAML that is also JSON means the
 * same either way. Errors are those of the parser that had the last
 * word: mlg_json_parse() for text starting with '{' or '[', else
 * mlg_yaml_parse().
 */
int mlg_config_parse(struct mlg_json_doc *doc, const char *name,
		     const char *text, size_t len);

/*
 * Read `path` ("-" is standard input, "<stdin>" in messages) and parse it
 * as mlg_config_parse() does. Read errors are mlg_file_read()'s, with at
 * most `max` bytes (0: MLG_JSON_MAX_DEFAULT).
 */
int mlg_config_load(struct mlg_json_doc *doc, const char *path, size_t max);

#endif
