/* test_yaml.c - YAML documents as JSON values */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"
#include "test.h"

static void test_break(void)
{
	static const struct {
		const char *s;
		size_t left, want;
	} t[] = {
		{"\r\nx", 3, 2},	{"\r\n", 1, 1},
		{"\rx", 2, 1},		{"\nx", 2, 1},
		{"\xc2\x85", 2, 2},	{"\xe2\x80\xa8", 3, 3},
		{"\xe2\x80\xa9", 3, 3}, {"\xe2\x80\xa9", 2, 0},
		{"\xe2\x80\xaa", 3, 0}, {"\xc2\x86", 2, 0},
		{"x\n", 2, 0},		{"", 0, 0},
	};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(t); i++)
		T_EQ_INT(mlg_yaml_break(t[i].s, t[i].left), t[i].want);
}

/* Parse `text` and compare the compact JSON of the result. */
static void as_json(const char *text, const char *want)
{
	struct mlg_json_doc doc;
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_yaml_parse(&doc, "y", text, strlen(text)), 0);
	T_EQ_INT(mlg_json_dump(&b, doc.root, 0), 0);
	T_EQ_STR(b.ptr, want);
	T_EQ_STR(doc.name, "y");
	T_EQ_INT(doc.text == NULL, 1);
	T_EQ_INT(doc.marks != NULL, 1);
	mlg_buf_release(&b);
	mlg_json_doc_release(&doc);
}

static void bad(const char *text, size_t len, const char *msg)
{
	struct mlg_json_doc doc;

	T_EQ_INT(mlg_yaml_parse(&doc, "y", text, len), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(doc.root == NULL, 1);
}

static void test_like(void)
{
	T_EQ_INT(mlg_yaml_like("a: 1", 4), 1);
	T_EQ_INT(mlg_yaml_like(" \n{\"a\": 1}", 10), 0);
	T_EQ_INT(mlg_yaml_like("\xef\xbb\xbf[1]", 6), 0);
	T_EQ_INT(mlg_yaml_like("\xef\xbb\xbf"
			       "a: 1",
			       7),
		 1);
	T_EQ_INT(mlg_yaml_like(" \t\r\n", 4), 0);
	T_EQ_INT(mlg_yaml_like("", 0), 0);
}

/* Plain scalars resolve as YAML 1.2's core schema; keys stay text. */
static void test_scalars(void)
{
	as_json("a: 1\nb: -2\nc: 0x1f\nd: 0o17\ne: 1.5\nf: .5\ng: 1e-3\n"
		"h: +2.0E2\n",
		"{\"a\":1,\"b\":-2,\"c\":31,\"d\":15,\"e\":1.5,"
		"\"f\":0.5,\"g\":0.001,\"h\":200.0}");
	as_json("a: ~\nb:\nc: null\nd: true\ne: False\nf: yes\ng: '1'\n"
		"h: \"2.5\"\ni: !!str 3\n1: x\n",
		"{\"a\":null,\"b\":null,\"c\":null,\"d\":true,"
		"\"e\":false,\"f\":\"yes\",\"g\":\"1\",\"h\":\"2.5\","
		"\"i\":\"3\",\"1\":\"x\"}");
	as_json("a: .inf\nb: -.Inf\nc: .nan\nd: 1.2.3\ne: 12abc\nf: 1e\n",
		"{\"a\":\"Infinity\",\"b\":\"-Infinity\",\"c\":\"NaN\","
		"\"d\":\"1.2.3\",\"e\":\"12abc\",\"f\":\"1e\"}");
	/* beyond int64: not an integer, a float */
	as_json("- 99999999999999999999\n", "[1e+20]");
}

static void test_nesting(void)
{
	as_json("test:\n  acc: 0.9\n  per_class: [0.8, {x: 1}]\nloss: 0.3\n",
		"{\"test\":{\"acc\":0.9,\"per_class\":[0.8,{\"x\":1}]},"
		"\"loss\":0.3}");
	as_json("--- {a: [], b: {}}\n...\n", "{\"a\":[],\"b\":{}}");
	as_json("plain text\n", "\"plain text\"");
}

static void test_errors(void)
{
	char deep[2 * 600 + 1];
	size_t i;

	bad("a: 1\na: 2\n", 10, "'y': 2:1: duplicate key 'a'");
	bad("a: [1, 2\n", 9, "'y': 2:1: did not find expected ',' or ']'");
	bad("a: &x 1\nb: *x\n", 14, "'y': 2:4: aliases are not supported");
	bad("a: 1\n---\nb: 2\n", 14, "'y': 2:1: more than one document");
	bad("# nothing\n", 10, "'y': empty YAML document");
	bad("", 0, "'y': empty YAML document");
	bad("? [a]\n: 1\n", 10, "'y': 1:3: a mapping key must be a scalar");
	bad("a: \xff\n", 5, "'y': 1:1: invalid leading UTF-8 octet");
	bad("a: b\0c\n", 7, "'y': 1:1: control characters are not allowed");
	/* strings and keys are C strings, as in a JSON document */
	bad("a: \"b\\0c\"\n", 10, "'y': 1:4: a NUL character is not allowed");
	bad("\"a\\x00\": 1\n", 11, "'y': 1:1: a NUL character is not allowed");
	/* a message stays one line, whatever the key holds */
	bad("\"a\\nb\": 1\n\"a\\nb\": 2\n", 18,
	    "'y': 2:1: duplicate key 'a\\u000ab'");
	for (i = 0; i < 600; i++)
		deep[i] = '[';
	for (i = 0; i < 600; i++)
		deep[600 + i] = ']';
	deep[1200] = '\0';
	bad(deep, 1200, "'y': 1:513: nested too deeply");
}

/* Where the parse of `text` puts `ptr`: "L:C", or the error. */
static void at(const char *text, const char *ptr, const char *want)
{
	struct mlg_json_doc doc;
	uint64_t line = 0, col = 0;
	char got[64];

	if (mlg_yaml_parse(&doc, "<yaml>", text, strlen(text)) ||
	    mlg_json_doc_locate(&doc, ptr, &line, &col))
		snprintf(got, sizeof(got), "%s", mlg_error_message());
	else
		snprintf(got, sizeof(got), "%d:%d", (int)line, (int)col);
	T_EQ_STR(got, want);
	mlg_json_doc_release(&doc);
}

/* A member is found at its key, an element or the root at its first
 * character; columns count characters, as libyaml's do. */
static void test_locate(void)
{
	static const char gate[] = "# gate\n"
				   "thresholds:\n"
				   "  - f1 >= 0.5\n"
				   "  - {metric: auc, \"a/b~\": [1, [2, 3]]}\n"
				   "slices:\n"
				   "- country\n"
				   "\"\u00e9t\u00e9\": x\n"
				   "\u00e9t: [é, y]\n"
				   "\"\": ''\n";
	struct mlg_json_doc doc;
	uint64_t line = 7, col = 7;

	at(gate, "", "2:1");
	at(gate, "/thresholds", "2:1");
	at(gate, "/thresholds/0", "3:5");
	at(gate, "/thresholds/1", "4:5");
	at(gate, "/thresholds/1/metric", "4:6");
	at(gate, "/thresholds/1/a~1b~0", "4:19");
	at(gate, "/thresholds/1/a~1b~0/1/1", "4:35");
	at(gate, "/slices/0", "6:3");
	at(gate, "/\xc3\xa9t\xc3\xa9", "7:1");
	at(gate, "/\xc3\xa9t/1", "8:9");
	at(gate, "/", "9:1");
	/* only what is there, and only in its canonical form */
	at(gate, "/thresholds/2", "no value at '/thresholds/2'");
	at(gate, "/thresholds/01", "no value at '/thresholds/01'");
	at(gate, "/slices/0/x", "no value at '/slices/0/x'");
	at(gate, "/thresholds/1/a/b~", "no value at '/thresholds/1/a/b~'");
	at("--- 5\n", "", "1:5");
	/* an empty node at the end of a text without a final line break is
	 * at the end of the last line, not on a line after it */
	at("---", "", "1:4");
	at("\xef\xbb\xbf---", "", "1:4");
	at("---\n", "", "2:1");
	at("- a\n-", "/1", "2:2");
	at("a:\r\n- b\r\nc: d", "/c", "3:1");
	at("a:\r\n- b\r\nc: d", "/a/0", "2:3");
	at("x: [1,\r\n  2]", "/x/1", "2:3");
	at("- a\r\n- [b,\xc2\x85 c]", "/1/1", "3:2");
	at("a: [1\n", "/b", "'<yaml>': 2:1: did not find expected ',' or ']'");
	/* a document's errors about a value carry the place */
	T_EQ_INT(mlg_yaml_parse(&doc, "g.yaml", gate, strlen(gate)), 0);
	T_EQ_INT(mlg_json_doc_locate(&doc, "/slices/0", &line, &col), 0);
	T_EQ_INT(line, 6);
	T_EQ_INT(col, 3);
	T_EQ_INT(mlg_json_error(&doc, "/thresholds/1/metric", "bad %d", 1),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'g.yaml': 4:6: /thresholds/1/metric: bad 1");
	mlg_json_doc_release(&doc);
}

/* Gate configs: JSON when it parses as JSON, else YAML when it looks
 * like YAML; the error is that of the parser with the last word. */
static void config(const char *text, int rc, const char *want)
{
	struct mlg_json_doc doc;
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_config_parse(&doc, "g", text, strlen(text)), rc);
	if (!rc) {
		T_EQ_INT(mlg_json_dump(&b, doc.root, 0), 0);
		T_EQ_STR(b.ptr, want);
	} else {
		T_EQ_STR(mlg_error_message(), want);
	}
	mlg_buf_release(&b);
	mlg_json_doc_release(&doc);
}

static void test_config(void)
{
	struct mlg_json_doc doc;
	const char *path;
	char *gone;

	config("{\"a\": [1, \"x\"]}", 0, "{\"a\":[1,\"x\"]}");
	config("a: [1, x]\n", 0, "{\"a\":[1,\"x\"]}");
	/* JSON text is JSON, with JSON's positions */
	config("{\"a\": 1,}", MLG_EINVALID,
	       "'g': 1:9: string or '}' expected near '}'");
	config("a: [1\n", MLG_EINVALID,
	       "'g': 2:1: did not find expected ',' or ']'");
	config("", MLG_EINVALID, "'g': empty JSON text");

	path = t_write("gate.yaml", "thresholds:\n  - f1 >= 0.5\n");
	T_EQ_INT(mlg_config_load(&doc, path, 0), 0);
	T_EQ_STR(doc.name, path);
	T_EQ_STR(json_string_value(mlg_json_at(doc.root, "/thresholds/0")),
		 "f1 >= 0.5");
	mlg_json_doc_release(&doc);
	gone = mlg_strfmt("%s/gone.yaml", t_tmpdir());
	T_EQ_INT(mlg_config_load(&doc, gone, 0), MLG_ENOTFOUND);
	T_EQ_INT(doc.root == NULL, 1);
	mlg_json_doc_release(&doc);
	free(gone);
}

MLG_TESTS(T(test_like), T(test_scalars), T(test_nesting), T(test_errors),
	  T(test_break), T(test_locate), T(test_config))
