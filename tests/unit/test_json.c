#include <fcntl.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/util.h"
#include "test.h"

/* "line:col" of a pointer in text, or the error name. */
static const char *atn(const char *text, size_t len, const char *ptr)
{
	static char out[64];
	uint64_t l = 77, c = 77;
	int rc = mlg_json_locate(text, len, ptr, &l, &c);

	if (rc) {
		if (l != 77 || c != 77)
			return "outputs touched on error";
		return mlg_error_name(rc);
	}
	snprintf(out, sizeof(out), "%llu:%llu", (unsigned long long)l,
		 (unsigned long long)c);
	return out;
}
#define AT(text, ptr) atn(text, strlen(text), ptr)

/* The message of a failed parse of text as "t.json", or "ok". */
static const char *perr(const char *text, size_t len)
{
	struct mlg_json_doc doc;
	int rc;

	mlg_error_clear();
	rc = mlg_json_parse(&doc, "t.json", text, len);
	if (!rc) {
		mlg_json_doc_release(&doc);
		return "ok";
	}
	if (rc != MLG_EINVALID || mlg_error_last()->code != MLG_EINVALID)
		return "wrong code";
	if (doc.root || doc.name || doc.text || doc.len)
		return "doc not empty after failure";
	return mlg_error_message();
}
#define PERR(text) perr(text, strlen(text))

static const char nested[] =
	"{\n"
	"  \"a\": 1,\n"
	"  \"b\": {\"c\": [10, {\"d\": true}], \"e\": null},\n"
	"  \"f\": [[1, 2], [3, [4, 5]]]\n"
	"}\n";

static void test_locate_every_level(void)
{
	T_EQ_STR(AT(nested, ""), "1:1");
	T_EQ_STR(AT(nested, "/a"), "2:3");
	T_EQ_STR(AT(nested, "/b"), "3:3");
	T_EQ_STR(AT(nested, "/b/c"), "3:9");
	T_EQ_STR(AT(nested, "/b/c/0"), "3:15");
	T_EQ_STR(AT(nested, "/b/c/1"), "3:19");
	T_EQ_STR(AT(nested, "/b/c/1/d"), "3:20");
	T_EQ_STR(AT(nested, "/b/e"), "3:33");
	T_EQ_STR(AT(nested, "/f"), "4:3");
	T_EQ_STR(AT(nested, "/f/0"), "4:9");
	T_EQ_STR(AT(nested, "/f/0/1"), "4:13");
	T_EQ_STR(AT(nested, "/f/1"), "4:17");
	T_EQ_STR(AT(nested, "/f/1/1"), "4:21");
	T_EQ_STR(AT(nested, "/f/1/1/1"), "4:25");
	T_EQ_STR(AT("  \n\t 42 ", ""), "2:3");
	T_EQ_STR(AT("{\n\t\"a\": 1}", "/a"), "2:2");
}

static void test_locate_missing(void)
{
	T_EQ_STR(AT(nested, "/x"), "not-found");
	T_EQ_STR(mlg_error_message(), "no value at '/x'");
	T_EQ_STR(AT(nested, "/b/c/2"), "not-found");
	T_EQ_STR(AT(nested, "/f/1/1/2"), "not-found");
	T_EQ_STR(AT(nested, "/a/0"), "not-found");
	T_EQ_STR(AT(nested, "/b/c/1/d/e"), "not-found");
	T_EQ_STR(AT(nested, "/b/x"), "not-found");
	T_EQ_STR(AT(nested, "/f/-"), "not-found");
	T_EQ_STR(AT(nested, "/f/01"), "not-found");
	T_EQ_STR(AT(nested, "/f/1x"), "not-found");
	T_EQ_STR(AT(nested, "/f/"), "not-found");
	T_EQ_STR(AT(nested, "/f/99999999999999999999999"), "not-found");
	T_EQ_STR(AT(nested, "/"), "not-found");
	T_EQ_STR(AT("{}", "/a"), "not-found");
	T_EQ_STR(AT("[]", "/0"), "not-found");
	T_EQ_STR(AT("", ""), "not-found");
	T_EQ_STR(mlg_error_message(), "no value at ''");
	T_EQ_STR(AT(" \r\n", ""), "not-found");
	T_EQ_STR(AT(nested, "a"), "invalid");
	T_EQ_STR(mlg_error_message(), "invalid JSON pointer 'a'");
	T_EQ_STR(AT(nested, "/a~2"), "invalid");
	T_EQ_STR(AT(nested, "/a~"), "invalid");
}

static const char keys[] = "{\"a\\\"b\": 1, \"c\\\\\": 2, \"x~y\": 3, "
			   "\"p/q\": 4, \"m~1n\": 5, \"\": 6, \"0\": 7}";

static void test_locate_escaped_keys(void)
{
	T_EQ_STR(AT(keys, "/a\"b"), "1:2");
	T_EQ_STR(AT(keys, "/c\\"), "1:13");
	T_EQ_STR(AT(keys, "/x~0y"), "1:23");
	T_EQ_STR(AT(keys, "/p~1q"), "1:33");
	T_EQ_STR(AT(keys, "/m~01n"), "1:43");
	T_EQ_STR(AT(keys, "/"), "1:54");
	T_EQ_STR(AT(keys, "/0"), "1:61");
	T_EQ_STR(AT(keys, "/a"), "not-found");
	T_EQ_STR(AT(keys, "/a\"bc"), "not-found");
	T_EQ_STR(AT(keys, "/p/q"), "not-found");
	T_EQ_STR(AT(keys, "/m~1n"), "not-found");
	T_EQ_STR(AT(keys, "/x~y"), "invalid");
	T_EQ_STR(mlg_error_message(), "invalid JSON pointer '/x~y'");
}

static const char unicode[] =
	"{\"\\u00e9t\\u00e9\": 1, \"s\": \"\\\"}]\\\\\", "
	"\"\\ud83d\\ude00\": [0, \"\\u005d,\\u0022\", 2], \"\\u00E9\": 3}";

static void test_locate_unicode_escapes(void)
{
	struct mlg_json_doc doc;

	/* the text is valid JSON and means what the pointers say */
	T_EQ_INT(mlg_json_parse(&doc, "u.json", unicode, strlen(unicode)), 0);
	T_EQ_INT(
		json_integer_value(mlg_json_at(doc.root, "/\xc3\xa9t\xc3\xa9")),
		1);
	T_EQ_STR(json_string_value(mlg_json_at(doc.root, "/s")), "\"}]\\");
	T_EQ_INT(json_integer_value(
			 mlg_json_at(doc.root, "/\xf0\x9f\x98\x80/2")),
		 2);
	mlg_json_doc_release(&doc);

	T_EQ_STR(AT(unicode, "/\xc3\xa9t\xc3\xa9"), "1:2");
	T_EQ_STR(AT(unicode, "/s"), "1:22");
	T_EQ_STR(AT(unicode, "/\xf0\x9f\x98\x80"), "1:37");
	T_EQ_STR(AT(unicode, "/\xf0\x9f\x98\x80/1"), "1:57");
	T_EQ_STR(AT(unicode, "/\xf0\x9f\x98\x80/2"), "1:74");
	T_EQ_STR(AT(unicode, "/\xc3\xa9"), "1:78");
	T_EQ_STR(AT(unicode, "/\xf0\x9f\x98\x80/3"), "not-found");
	T_EQ_STR(AT(unicode, "/\\u00e9"), "not-found");
	/* columns count bytes: "é" is two */
	T_EQ_STR(AT("{\"\xc3\xa9\": 1, \"k\": 2}", "/k"), "1:11");
	/* invalid UTF-8 is just bytes to the scanner */
	T_EQ_STR(AT("{\"\xff\": 1, \"a\": 2}", "/a"), "1:10");
	T_EQ_STR(AT("{\"\xff\": 1, \"a\": 2}", "/\xff"), "1:2");
	/* a bad escape matches nothing and does not stop the scan */
	T_EQ_STR(AT("{\"\\x\": 1, \"\\u12\": 2, \"a\": 3}", "/a"), "1:22");
}

static const char fields[] = "[\n"
			     "  {\"name\": \"id\", \"type\": \"integer\"},\n"
			     "  {\"name\": \"age\", \"type\": \"integr\", "
			     "\"constraints\": {\"minimum\": 0}}\n"
			     "]\n";

static void test_locate_arrays_of_objects(void)
{
	T_EQ_STR(AT(fields, "/0/type"), "2:18");
	T_EQ_STR(AT(fields, "/1"), "3:3");
	T_EQ_STR(AT(fields, "/1/type"), "3:19");
	T_EQ_STR(AT(fields, "/1/constraints/minimum"), "3:53");
	T_EQ_STR(AT(fields, "/2"), "not-found");
	T_EQ_STR(AT(fields, "/1/constraints/maximum"), "not-found");
}

static void test_locate_crlf_and_bom(void)
{
	static const char crlf[] =
		"{\r\n  \"a\": 1,\r\n  \"b\": [\r\n    true\r\n  ]\r\n}\r\n";

	T_EQ_STR(AT(crlf, "/a"), "2:3");
	T_EQ_STR(AT(crlf, "/b"), "3:3");
	T_EQ_STR(AT(crlf, "/b/0"), "4:5");
	T_EQ_STR(AT("\xef\xbb\xbf{\"a\": 1}", ""), "1:1");
	T_EQ_STR(AT("\xef\xbb\xbf{\"a\": 1}", "/a"), "1:2");
	T_EQ_STR(AT("\xef\xbb\xbf\n {\"a\": 1}", "/a"), "2:3");
}

static void test_locate_nul_bytes_and_huge(void)
{
	static const char nul[] = "{\"a\": 1, \"b\0c\": 2, \"d\": 3}";
	size_t n = 100000, i;
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_STR(atn(nul, sizeof(nul) - 1, "/d"), "1:20");
	T_EQ_STR(atn(nul, sizeof(nul) - 1, "/b"), "not-found");

	/* skipping a deep value needs no recursion */
	mlg_buf_adds(&b, "{\"skip\": ");
	for (i = 0; i < n; i++)
		mlg_buf_addch(&b, '[');
	for (i = 0; i < n; i++)
		mlg_buf_addch(&b, ']');
	mlg_buf_adds(&b, ", \"t\": 1}");
	T_EQ_STR(atn(b.ptr, b.len, "/t"), "1:200012");
	mlg_buf_release(&b);

	/* a deep pointer */
	for (i = 0; i < 1000; i++)
		mlg_buf_addch(&b, '[');
	mlg_buf_addch(&b, '7');
	for (i = 0; i < 1000; i++)
		mlg_buf_addch(&b, ']');
	{
		struct mlg_buf p = MLG_BUF_INIT;

		for (i = 0; i < 1000; i++)
			mlg_buf_adds(&p, "/0");
		T_EQ_STR(atn(b.ptr, b.len, p.ptr), "1:1001");
		mlg_buf_adds(&p, "/0");
		T_EQ_STR(atn(b.ptr, b.len, p.ptr), "not-found");
		mlg_buf_release(&p);
	}
	mlg_buf_release(&b);

	/* a 1 MB key, and a 1 MB string before the target */
	mlg_buf_adds(&b, "{\"");
	for (i = 0; i < 1000000; i++)
		mlg_buf_addch(&b, 'k');
	mlg_buf_adds(&b, "\": \"");
	for (i = 0; i < 1000000; i++)
		mlg_buf_adds(&b, i % 2 ? "\\\"" : "\\\\");
	mlg_buf_adds(&b, "\", \"t\": 1}");
	T_EQ_STR(atn(b.ptr, b.len, "/t"), "1:3000010");
	{
		char *key = mlg_malloc(1000002);

		key[0] = '/';
		memset(key + 1, 'k', 1000000);
		key[1000001] = '\0';
		T_EQ_STR(atn(b.ptr, b.len, key), "1:2");
		key[1000000] = '\0';
		T_EQ_STR(atn(b.ptr, b.len, key), "not-found");
		free(key);
	}
	mlg_buf_release(&b);
}

static void test_locate_malformed(void)
{
	T_EQ_STR(AT("{\"a\": [1, 2", "/a/1"), "1:11");
	T_EQ_STR(AT("{\"a\": [1, 2", "/a/5"), "invalid");
	T_EQ_STR(mlg_error_message(),
		 "cannot locate '/a/5': malformed JSON at 1:12");
	T_EQ_STR(AT("{\"a", "/a"), "invalid");
	T_EQ_STR(mlg_error_message(),
		 "cannot locate '/a': malformed JSON at 1:4");
	T_EQ_STR(AT("{\"a\" 1}", "/a"), "invalid");
	T_EQ_STR(AT("{\"a\": }", "/a"), "invalid");
	T_EQ_STR(AT("{a: 1}", "/a"), "invalid");
	T_EQ_STR(AT("[1 2]", "/1"), "invalid");
	T_EQ_STR(AT("[,]", "/0"), "invalid");
	T_EQ_STR(AT("]", ""), "invalid");
	T_EQ_STR(AT("[1, ]]", "/2"), "invalid");
}

/* Every prefix of a text, in a buffer of exactly that size (so ASan sees
 * an overread): no crash, and a value found in a prefix is found where it
 * is in the whole text, since the scan only moves forward. */
static void prefixes(const char *text, const char *const *ptrs)
{
	size_t len = strlen(text), n, k;
	char full[64], *copy;
	int rc;

	for (k = 0; ptrs[k]; k++) {
		snprintf(full, sizeof(full), "%s", AT(text, ptrs[k]));
		for (n = 0; n <= len; n++) {
			copy = mlg_malloc(n);
			memcpy(copy, text, n);
			rc = mlg_json_locate(copy, n, ptrs[k], &(uint64_t){0},
					     &(uint64_t){0});
			if (!rc)
				T_EQ_STR(atn(copy, n, ptrs[k]), full);
			else
				T_ASSERT(rc == MLG_ENOTFOUND ||
					 rc == MLG_EINVALID);
			free(copy);
		}
	}
}

static void test_locate_truncated(void)
{
	static const char *const p1[] = {"",	 "/b/c/1/d", "/f/1/1/1",
					 "/b/e", "/zz",	     NULL};
	static const char *const p2[] = {"/s", "/\xf0\x9f\x98\x80/2",
					 "/\xc3\xa9", NULL};
	static const char *const p3[] = {"/a\"b", "/0", "/", NULL};

	prefixes(nested, p1);
	prefixes(unicode, p2);
	prefixes(keys, p3);
}

static void test_at(void)
{
	struct mlg_json_doc doc;
	json_t *r;

	T_EQ_INT(mlg_json_parse(&doc, "k.json", keys, strlen(keys)), 0);
	r = doc.root;
	T_ASSERT(mlg_json_at(r, "") == r);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/a\"b")), 1);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/c\\")), 2);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/x~0y")), 3);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/p~1q")), 4);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/m~01n")), 5);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/")), 6);
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/0")), 7);
	T_ASSERT(!mlg_json_at(r, "/p/q"));
	T_ASSERT(!mlg_json_at(r, "/x~y"));
	T_ASSERT(!mlg_json_at(r, "x"));
	T_ASSERT(!mlg_json_at(r, "/0/0"));
	T_ASSERT(!mlg_json_at(NULL, ""));
	mlg_json_doc_release(&doc);

	T_EQ_INT(mlg_json_parse(&doc, "n.json", nested, strlen(nested)), 0);
	r = doc.root;
	T_EQ_INT(json_integer_value(mlg_json_at(r, "/f/1/1/1")), 5);
	T_ASSERT(json_is_true(mlg_json_at(r, "/b/c/1/d")));
	T_ASSERT(json_is_null(mlg_json_at(r, "/b/e")));
	T_ASSERT(!mlg_json_at(r, "/f/1/1/2"));
	T_ASSERT(!mlg_json_at(r, "/f/01"));
	T_ASSERT(!mlg_json_at(r, "/f/-"));
	T_ASSERT(!mlg_json_at(r, "/f/"));
	T_ASSERT(!mlg_json_at(r, "/f/99999999999999999999999"));
	T_ASSERT(!mlg_json_at(r, "/f/18446744073709551616"));
	mlg_json_doc_release(&doc);
}

static void test_pointer_append(void)
{
	struct mlg_buf p = MLG_BUF_INIT;
	json_t *o = json_object(), *in = json_object();

	mlg_json_pointer_append(&p, "");
	T_EQ_STR(p.ptr, "/");
	mlg_buf_reset(&p);
	mlg_json_pointer_append(&p, "a/b~c");
	mlg_json_pointer_append(&p, "~~//");
	mlg_json_pointer_append(&p, "plain");
	T_EQ_STR(p.ptr, "/a~1b~0c/~0~0~1~1/plain");

	json_object_set_new(in, "plain", json_integer(9));
	json_object_set_new(o, "~~//", in);
	mlg_buf_reset(&p);
	mlg_json_pointer_append(&p, "~~//");
	mlg_json_pointer_append(&p, "plain");
	T_EQ_INT(json_integer_value(mlg_json_at(o, p.ptr)), 9);
	json_decref(o);
	mlg_buf_release(&p);
}

static void test_parse_syntax_errors(void)
{
	T_EQ_STR(PERR("{\n  \"a\": 1,\n  \"b\": tru\n}"),
		 "'t.json': 3:8: invalid token near 'tru'");
	T_EQ_STR(PERR("{\r\n  \"a\": x\r\n}"),
		 "'t.json': 2:8: invalid token near 'x'");
	/* byte columns, not characters */
	T_EQ_STR(PERR("{\"\xc3\xa9\xc3\xa9\": x}"),
		 "'t.json': 1:10: invalid token near 'x'");
	T_EQ_STR(PERR("{\"a\": 1,}"),
		 "'t.json': 1:9: string or '}' expected near '}'");
	T_EQ_STR(PERR("{\"a\": [1, 2"),
		 "'t.json': 1:12: ']' expected near end of file");
	T_EQ_STR(PERR("\"abc"),
		 "'t.json': 1:1: premature end of input near '\"abc'");
	T_EQ_STR(PERR("[\"abc\ndef\"]"),
		 "'t.json': 1:2: unexpected newline near '\"abc'");
	T_EQ_STR(PERR("{\"a\": 1, \"a\": 2}"),
		 "'t.json': 1:10: duplicate object key near '\"a\"'");
	T_EQ_STR(PERR("[\"\xc3\"]"),
		 "'t.json': 1:3: unable to decode byte 0xc3 near '\"'");
	T_EQ_STR(PERR("[\xff]"), "'t.json': 1:2: unable to decode byte 0xff");
	T_EQ_STR(PERR("[\"\xed\xa0\x80\"]"),
		 "'t.json': 1:3: unable to decode byte 0xed near '\"'");
	T_EQ_STR(PERR("[\"\\u0000\"]"),
		 "'t.json': 1:2: \\u0000 is not allowed near '\"\\u0000\"'");
	T_EQ_STR(PERR("[\"\\ud800\"]"),
		 "'t.json': 1:2: invalid Unicode '\\uD800' near '\"\\ud800\"'");
	T_EQ_STR(PERR("1 2"), "'t.json': 1:3: end of file expected near '2'");
	T_EQ_STR(PERR("99999999999999999999"),
		 "'t.json': 1:1: too big integer near '99999999999999999999'");
	T_EQ_STR(PERR("[1e400]"),
		 "'t.json': 1:2: real number overflow near '1e400'");
	/* a control byte is shown escaped, the message stays one line */
	T_EQ_STR(PERR("{\"a\":\x01}"),
		 "'t.json': 1:6: invalid token near '\\u0001'");
	T_EQ_STR(PERR("[\"a\x1b\"]"),
		 "'t.json': 1:2: control character 0x1b near '\"a'");
	T_EQ_STR(perr("[1, \"a\0b\"]", 10),
		 "'t.json': 1:5: control character 0x0 near '\"a'");
	T_EQ_STR(perr("[1,\0 2]", 7), "'t.json': 1:4: unexpected NUL byte");
	T_EQ_STR(perr("[1]\0", 4), "'t.json': 1:4: unexpected NUL byte");
	T_EQ_STR(perr("\0", 1), "'t.json': 1:1: unexpected NUL byte");
}

static void test_parse_bom_empty_utf16(void)
{
	struct mlg_json_doc doc;

	T_EQ_INT(mlg_json_parse(&doc, "b.json", "\xef\xbb\xbf{\"a\": 1}", 11),
		 0);
	T_EQ_STR(doc.text, "{\"a\": 1}");
	T_EQ_INT(doc.len, 8);
	T_EQ_INT(json_integer_value(mlg_json_at(doc.root, "/a")), 1);
	mlg_json_doc_release(&doc);
	T_EQ_STR(PERR("\xef\xbb\xbf{\"a\": tru}"),
		 "'t.json': 1:7: invalid token near 'tru'");
	T_EQ_STR(PERR("\xef\xbb\xbf\xef\xbb\xbf{}"),
		 "'t.json': 1:1: invalid token near '\xef\xbb\xbf'");
	T_EQ_STR(PERR(""), "'t.json': empty JSON text");
	T_EQ_STR(perr(NULL, 0), "'t.json': empty JSON text");
	T_EQ_STR(PERR(" \r\n\t\n"), "'t.json': empty JSON text");
	T_EQ_STR(PERR("\xef\xbb\xbf"), "'t.json': empty JSON text");
	T_EQ_STR(perr("\xff\xfe{\0}\0", 6),
		 "'t.json': 1:1: UTF-16 text, expected UTF-8");
	T_EQ_STR(perr("\xfe\xff\0{\0}", 6),
		 "'t.json': 1:1: UTF-16 text, expected UTF-8");
}

static void test_parse_any_value_and_copies(void)
{
	struct mlg_json_doc doc;
	char text[] = "  42 ", name[] = "n.json";

	T_EQ_INT(mlg_json_parse(&doc, name, text, strlen(text)), 0);
	text[2] = '7';
	name[0] = 'x';
	T_EQ_INT(json_integer_value(doc.root), 42);
	T_EQ_STR(doc.name, "n.json");
	T_EQ_STR(doc.text, "  42 ");
	T_EQ_INT(doc.len, 5);
	mlg_json_doc_release(&doc);
	T_ASSERT(!doc.root && !doc.name && !doc.text && !doc.len);
	mlg_json_doc_release(&doc);

	T_EQ_INT(mlg_json_parse(&doc, "s", "\"s\"", 3), 0);
	T_EQ_STR(json_string_value(doc.root), "s");
	mlg_json_doc_release(&doc);
	T_EQ_INT(mlg_json_parse(&doc, "s", "null", 4), 0);
	T_ASSERT(json_is_null(doc.root));
	mlg_json_doc_release(&doc);
	/* the length counts, not a terminator */
	T_EQ_INT(mlg_json_parse(&doc, "s", "[1][2]", 3), 0);
	T_EQ_INT(json_array_size(doc.root), 1);
	mlg_json_doc_release(&doc);
}

static void test_parse_depth(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	int i;

	for (i = 0; i < 2049; i++)
		mlg_buf_addch(&b, '[');
	for (i = 0; i < 2049; i++)
		mlg_buf_addch(&b, ']');
	T_EQ_STR(perr(b.ptr, b.len),
		 "'t.json': 1:2049: maximum parsing depth reached near '['");
	T_EQ_INT(mlg_json_parse(&doc, "d", b.ptr + 1, b.len - 2), 0);
	mlg_json_doc_release(&doc);
	mlg_buf_release(&b);
}

static const char *load_err(const char *path, size_t max, int code)
{
	struct mlg_json_doc doc;
	int rc;

	mlg_error_clear();
	rc = mlg_json_load(&doc, path, max);
	if (rc != code)
		return "wrong code";
	if (!rc) {
		mlg_json_doc_release(&doc);
		return "ok";
	}
	if (doc.root || doc.name || doc.text)
		return "doc not empty after failure";
	return mlg_error_message();
}

static void test_load_errors(void)
{
	char path[512], want[600];

	snprintf(path, sizeof(path), "%s/nope.json", t_tmpdir());
	snprintf(want, sizeof(want),
		 "cannot read '%s': No such file or directory", path);
	T_EQ_STR(load_err(path, 0, MLG_ENOTFOUND), want);

	snprintf(want, sizeof(want), "cannot read '%s': Is a directory",
		 t_tmpdir());
	T_EQ_STR(load_err(t_tmpdir(), 0, MLG_EIO), want);

	snprintf(path, sizeof(path), "%s",
		 t_write("bad.json", "{\n  \"a\": [1,\n  2,,\n}"));
	snprintf(want, sizeof(want), "'%s': 3:5: unexpected token near ','",
		 path);
	T_EQ_STR(load_err(path, 0, MLG_EINVALID), want);

	snprintf(path, sizeof(path), "%s",
		 t_write("dup.json", "{\"k\": 1,\n \"k\": 2}"));
	snprintf(want, sizeof(want),
		 "'%s': 2:2: duplicate object key near '\"k\"'", path);
	T_EQ_STR(load_err(path, 0, MLG_EINVALID), want);

	snprintf(path, sizeof(path), "%s", t_write("empty.json", ""));
	snprintf(want, sizeof(want), "'%s': empty JSON text", path);
	T_EQ_STR(load_err(path, 0, MLG_EINVALID), want);

	snprintf(path, sizeof(path), "%s",
		 t_write("bom.json", "\xef\xbb\xbf[\"\xc3\xa9\"]"));
	T_EQ_STR(load_err(path, 0, 0), "ok");
}

static void test_load_size_limit(void)
{
	char path[512], want[600], text[101];
	struct mlg_json_doc doc;

	/* 100 bytes exactly */
	memset(text, 'x', 100);
	text[0] = '[';
	text[1] = '"';
	text[98] = '"';
	text[99] = ']';
	text[100] = '\0';
	snprintf(path, sizeof(path), "%s", t_write("100.json", text));
	T_EQ_INT(mlg_json_load(&doc, path, 100), 0);
	T_EQ_INT(doc.len, 100);
	T_EQ_STR(doc.name, path);
	mlg_json_doc_release(&doc);
	snprintf(want, sizeof(want), "cannot read '%s': larger than 99 bytes",
		 path);
	T_EQ_STR(load_err(path, 99, MLG_ELIMIT), want);
	snprintf(want, sizeof(want), "cannot read '%s': larger than 1 bytes",
		 path);
	T_EQ_STR(load_err(path, 1, MLG_ELIMIT), want);
}

/* Run mlg_json_load("-") with fd as standard input. */
static int load_stdin(struct mlg_json_doc *doc, int fd, size_t max)
{
	int saved = dup(0), rc;

	T_ASSERT(saved >= 0 && dup2(fd, 0) == 0);
	close(fd);
	rc = mlg_json_load(doc, "-", max);
	T_ASSERT(dup2(saved, 0) == 0);
	close(saved);
	return rc;
}

/* A pipe fed `n` bytes of a JSON array by a child process. */
static int feeder(size_t n)
{
	int fds[2];
	pid_t pid;
	size_t i;
	char *s;

	T_ASSERT(pipe(fds) == 0);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		close(fds[0]);
		s = malloc(n);
		memset(s, ' ', n);
		s[0] = '[';
		for (i = 1; i + 2 < n; i += 2)
			s[i] = '0', s[i + 1] = ',';
		s[n - 2] = '0';
		s[n - 1] = ']';
		for (i = 0; i < n;) {
			ssize_t w = write(fds[1], s + i, n - i);

			if (w <= 0)
				_exit(1);
			i += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static void test_load_stdin(void)
{
	struct mlg_json_doc doc;
	int fd, status;

	fd = open(t_write("in.json", "{\"a\": [1, 2]}"), O_RDONLY);
	T_EQ_INT(load_stdin(&doc, fd, 0), 0);
	T_EQ_STR(doc.name, "<stdin>");
	T_EQ_INT(json_array_size(json_object_get(doc.root, "a")), 2);
	mlg_json_doc_release(&doc);

	fd = open(t_write("in.json", "{\"a\": tru}"), O_RDONLY);
	T_EQ_INT(load_stdin(&doc, fd, 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'<stdin>': 1:7: invalid token near 'tru'");

	/* a pipe larger than the pipe buffer and the read chunk */
	fd = feeder(300001);
	T_EQ_INT(load_stdin(&doc, fd, 0), 0);
	T_EQ_INT(doc.len, 300001);
	T_EQ_INT(json_array_size(doc.root), 150000);
	mlg_json_doc_release(&doc);
	wait(&status);

	/* exactly at the limit, then one byte over */
	fd = feeder(300001);
	T_EQ_INT(load_stdin(&doc, fd, 300001), 0);
	mlg_json_doc_release(&doc);
	wait(&status);
	fd = feeder(300001);
	T_EQ_INT(load_stdin(&doc, fd, 300000), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "cannot read '<stdin>': larger than 300000 bytes");
	T_ASSERT(!doc.root && !doc.text);
	wait(&status);
}

static void test_load_large_file(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	int i;

	mlg_buf_addch(&b, '[');
	for (i = 0; i < 200000; i++)
		mlg_buf_addf(&b, "%s{\"i\": %d}", i ? ",\n" : "", i);
	mlg_buf_addch(&b, ']');
	T_EQ_INT(mlg_json_load(&doc, t_write("big.json", b.ptr), 0), 0);
	T_EQ_INT(doc.len, b.len);
	T_EQ_INT(json_array_size(doc.root), 200000);
	T_EQ_STR(AT(doc.text, "/199999/i"), "200000:2");
	mlg_json_doc_release(&doc);
	mlg_buf_release(&b);
}

/* --- errors that name the value --- */

static const char schema[] =
	"{\n"
	"  \"name\": \"demo\",\n"
	"  \"fields\": [\n"
	"    {\"name\": 42, \"type\": \"string\", \"req\": \"yes\", \"n\": "
	"1.5},\n"
	"    {\"name\": \"b\", \"max\": 3.0, \"big\": 1e300, \"w\": 2, "
	"\"r\": 0.25, \"flag\": true, \"nul\": null, \"a/b\": 1}\n"
	"  ],\n"
	"  \"tpye\": 1\n"
	"}\n";

static struct mlg_json_doc sdoc;

static void load_schema(void)
{
	T_EQ_INT(mlg_json_parse(&sdoc, "s.json", schema, strlen(schema)), 0);
}

static void test_error_message(void)
{
	struct mlg_json_doc bare = {.name = "x.json"};

	load_schema();
	mlg_error_clear();
	T_EQ_INT(mlg_json_error(&sdoc, "", "bad thing %d", 7), MLG_EINVALID);
	T_EQ_INT(mlg_error_last()->code, MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'s.json': 1:1: /: bad thing 7");
	mlg_json_error(&sdoc, "/fields/1/flag", "not allowed here");
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:64: /fields/1/flag: not allowed here");
	mlg_json_error(&sdoc, "/fields/1", "x");
	T_EQ_STR(mlg_error_message(), "'s.json': 5:5: /fields/1: x");
	mlg_json_error(&sdoc, "/fields", "x");
	T_EQ_STR(mlg_error_message(), "'s.json': 3:3: /fields: x");
	mlg_json_error(&sdoc, "/nope", "gone");
	T_EQ_STR(mlg_error_message(), "'s.json': /nope: gone");
	mlg_json_error(&sdoc, "tpye", "x");
	T_EQ_STR(mlg_error_message(), "'s.json': tpye: x");
	mlg_json_error(&sdoc, "/tpye", "a\nb\x7f");
	T_EQ_STR(mlg_error_message(), "'s.json': 7:3: /tpye: a\\u000ab\\u007f");
	mlg_json_error(&bare, "/a", "m");
	T_EQ_STR(mlg_error_message(), "'x.json': /a: m");
	/* an argument that is the last message survives the lookup */
	mlg_error_set(MLG_EIO, "previous");
	mlg_json_error(&sdoc, "/nope", "after %s", mlg_error_message());
	T_EQ_STR(mlg_error_message(), "'s.json': /nope: after previous");
	mlg_json_doc_release(&sdoc);
}

static void test_get_str(void)
{
	json_t *f0, *f1;
	const char *s = "untouched";

	load_schema();
	f0 = mlg_json_at(sdoc.root, "/fields/0");
	f1 = mlg_json_at(sdoc.root, "/fields/1");
	T_EQ_INT(mlg_json_get_str(&sdoc, sdoc.root, "", "name", 1, &s), 0);
	T_EQ_STR(s, "demo");
	T_EQ_INT(mlg_json_get_str(&sdoc, f0, "/fields/0", "name", 1, &s),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'s.json': 4:6: /fields/0/name: expected "
				      "a string, found number");
	T_EQ_INT(mlg_json_get_str(&sdoc, f1, "/fields/1", "nul", 0, &s),
		 MLG_EINVALID);
	T_EQ_STR(
		mlg_error_message(),
		"'s.json': 5:78: /fields/1/nul: expected a string, found null");
	T_EQ_INT(mlg_json_get_str(&sdoc, f1, "/fields/1", "a/b", 0, &s),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:91: /fields/1/a~1b: expected a string, found "
		 "number");
	T_EQ_INT(mlg_json_get_str(&sdoc, f0, "/fields/0", "missing", 1, &s),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:5: /fields/0: missing required property "
		 "'missing'");
	s = "untouched";
	T_EQ_INT(mlg_json_get_str(&sdoc, f0, "/fields/0", "missing", 0, &s), 0);
	T_EQ_STR(s, "untouched");
	T_EQ_INT(mlg_json_get_str(&sdoc, mlg_json_at(sdoc.root, "/fields"),
				  "/fields", "name", 1, &s),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 3:3: /fields: expected an object, found array");
	T_EQ_STR(s, "untouched");
	mlg_json_doc_release(&sdoc);
}

static void test_get_num(void)
{
	json_t *f0, *f1;
	double d = -1;

	load_schema();
	f0 = mlg_json_at(sdoc.root, "/fields/0");
	f1 = mlg_json_at(sdoc.root, "/fields/1");
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "max", 1, &d), 0);
	T_EQ_DBL(d, 3.0, 0);
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "w", 1, &d), 0);
	T_EQ_DBL(d, 2.0, 0);
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "r", 1, &d), 0);
	T_EQ_DBL(d, 0.25, 0);
	T_EQ_INT(mlg_json_get_num(&sdoc, f0, "/fields/0", "type", 1, &d),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:18: /fields/0/type: expected a number, found "
		 "string");
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "flag", 1, &d),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:64: /fields/1/flag: expected a number, found "
		 "boolean");
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "zz", 1, &d),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:5: /fields/1: missing required property 'zz'");
	d = -1;
	T_EQ_INT(mlg_json_get_num(&sdoc, f1, "/fields/1", "zz", 0, &d), 0);
	T_EQ_DBL(d, -1, 0);
	mlg_json_doc_release(&sdoc);
}

static void test_get_int(void)
{
	struct mlg_json_doc doc;
	json_t *f0, *f1;
	int64_t i = -1;
	static const char lim[] =
		"{\"min\": -9223372036854775808, \"max\": 9223372036854775807, "
		"\"m2\": -9223372036854775808.0, \"p2\": "
		"9223372036854775808.0, "
		"\"z\": -0.0}";

	load_schema();
	f0 = mlg_json_at(sdoc.root, "/fields/0");
	f1 = mlg_json_at(sdoc.root, "/fields/1");
	T_EQ_INT(mlg_json_get_int(&sdoc, f1, "/fields/1", "w", 1, &i), 0);
	T_EQ_INT(i, 2);
	T_EQ_INT(mlg_json_get_int(&sdoc, f1, "/fields/1", "max", 1, &i), 0);
	T_EQ_INT(i, 3);
	T_EQ_INT(mlg_json_get_int(&sdoc, f0, "/fields/0", "n", 1, &i),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:50: /fields/0/n: expected an integer, found 1.5");
	T_EQ_INT(mlg_json_get_int(&sdoc, f1, "/fields/1", "big", 1, &i),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:31: /fields/1/big: integer 1e+300 out of range");
	T_EQ_INT(mlg_json_get_int(&sdoc, f1, "/fields/1", "name", 1, &i),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 5:6: /fields/1/name: expected an integer, found "
		 "string");
	T_EQ_INT(i, 3);
	mlg_json_doc_release(&sdoc);

	T_EQ_INT(mlg_json_parse(&doc, "l.json", lim, strlen(lim)), 0);
	T_EQ_INT(mlg_json_get_int(&doc, doc.root, "", "min", 1, &i), 0);
	T_ASSERT(i == INT64_MIN);
	T_EQ_INT(mlg_json_get_int(&doc, doc.root, "", "max", 1, &i), 0);
	T_ASSERT(i == INT64_MAX);
	T_EQ_INT(mlg_json_get_int(&doc, doc.root, "", "m2", 1, &i), 0);
	T_ASSERT(i == INT64_MIN);
	T_EQ_INT(mlg_json_get_int(&doc, doc.root, "", "z", 1, &i), 0);
	T_EQ_INT(i, 0);
	T_EQ_INT(mlg_json_get_int(&doc, doc.root, "", "p2", 1, &i),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'l.json': 1:89: /p2: integer 9.223372036854776e+18 out of "
		 "range");
	mlg_json_doc_release(&doc);
}

static void test_get_bool(void)
{
	json_t *f0, *f1;
	int b = 7;

	load_schema();
	f0 = mlg_json_at(sdoc.root, "/fields/0");
	f1 = mlg_json_at(sdoc.root, "/fields/1");
	T_EQ_INT(mlg_json_get_bool(&sdoc, f1, "/fields/1", "flag", 1, &b), 0);
	T_EQ_INT(b, 1);
	T_EQ_INT(mlg_json_get_bool(&sdoc, f0, "/fields/0", "req", 1, &b),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:36: /fields/0/req: expected a boolean, found "
		 "string");
	T_EQ_INT(mlg_json_get_bool(&sdoc, f1, "/fields/1", "w", 0, &b),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "'s.json': 5:45: /fields/1/w: expected a "
				      "boolean, found number");
	b = 7;
	T_EQ_INT(mlg_json_get_bool(&sdoc, f1, "/fields/1", "none", 0, &b), 0);
	T_EQ_INT(b, 7);
	T_EQ_INT(mlg_json_get_bool(&sdoc, sdoc.root, "", "none", 1, &b),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 1:1: /: missing required property 'none'");
	mlg_json_doc_release(&sdoc);

	T_EQ_INT(mlg_json_parse(&sdoc, "f.json", "{\"f\": false}", 12), 0);
	T_EQ_INT(mlg_json_get_bool(&sdoc, sdoc.root, "", "f", 1, &b), 0);
	T_EQ_INT(b, 0);
	mlg_json_doc_release(&sdoc);
	T_EQ_INT(mlg_json_parse(&sdoc, "a.json", "[]", 2), 0);
	T_EQ_INT(mlg_json_get_bool(&sdoc, sdoc.root, "", "f", 1, &b),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'a.json': 1:1: /: expected an object, found array");
	mlg_json_doc_release(&sdoc);
}

static void test_check_keys(void)
{
	static const char *const top[] = {"name", "fields", NULL};
	static const char *const top_all[] = {"fields", "tpye", "name", NULL};
	static const char *const field[] = {"name", "type", NULL};
	static const char *const m[] = {"m", NULL};
	struct mlg_json_doc doc;

	load_schema();
	T_EQ_INT(mlg_json_check_keys(&sdoc, sdoc.root, "", top), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 7:3: /tpye: unknown property 'tpye'");
	T_EQ_INT(mlg_json_check_keys(&sdoc, sdoc.root, "", top_all), 0);
	T_EQ_INT(mlg_json_check_keys(&sdoc, mlg_json_at(sdoc.root, "/fields/0"),
				     "/fields/0", field),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:36: /fields/0/req: unknown property 'req'");
	T_EQ_INT(mlg_json_check_keys(&sdoc, mlg_json_at(sdoc.root, "/fields/0"),
				     "/fields/0", NULL),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 4:6: /fields/0/name: unknown property 'name'");
	T_EQ_INT(mlg_json_check_keys(&sdoc, mlg_json_at(sdoc.root, "/fields"),
				     "/fields", field),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'s.json': 3:3: /fields: expected an object, found array");
	mlg_json_doc_release(&sdoc);

	/* document order, not hash order; a prefix is not a match */
	T_EQ_INT(mlg_json_parse(&doc, "o.json",
				"{\"z\": 1, \"a\": 2, \"m\": 3, \"mm\": 4}",
				33),
		 0);
	T_EQ_INT(mlg_json_check_keys(&doc, doc.root, "", m), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'o.json': 1:2: /z: unknown property 'z'");
	json_object_del(doc.root, "z");
	json_object_del(doc.root, "a");
	T_EQ_INT(mlg_json_check_keys(&doc, doc.root, "", m), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'o.json': 1:26: /mm: unknown property 'mm'");
	mlg_json_doc_release(&doc);

	T_EQ_INT(mlg_json_parse(&doc, "e.json", "{\"a\\nb\": {}}", 12), 0);
	T_EQ_INT(mlg_json_check_keys(&doc, json_object_get(doc.root, "a\nb"),
				     "/a\nb", NULL),
		 0);
	T_EQ_INT(mlg_json_check_keys(&doc, doc.root, "", m), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'e.json': 1:2: /a\\u000ab: unknown property 'a\\u000ab'");
	mlg_json_doc_release(&doc);

	/* a key with a NUL byte (built, never parsed) is not its prefix */
	{
		struct mlg_json_doc bare = {.root = json_object(),
					    .name = "x.json"};

		json_object_setn_new(bare.root, "m\0", 2, json_true());
		T_EQ_INT(mlg_json_check_keys(&bare, bare.root, "", m),
			 MLG_EINVALID);
		T_EQ_STR(mlg_error_message(),
			 "'x.json': /m: unknown property 'm'");
		json_decref(bare.root);
	}
}

/* --- serialisation --- */

static const char *dump(const json_t *v, int indent)
{
	static struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_reset(&b);
	if (mlg_json_dump(&b, v, indent))
		return "error";
	return b.ptr;
}

static const char *dump_real(double d)
{
	json_t *v = json_real(d);
	const char *s = dump(v, 0);

	json_decref(v);
	return s;
}

static void test_dump_shapes(void)
{
	static const char in[] = "{\"b\": 1, \"a\": [1, 2.5, \"x\", true, "
				 "false, null], \"c\": {}, \"d\": []}";
	struct mlg_json_doc doc;
	json_t *v;

	T_EQ_INT(mlg_json_parse(&doc, "d", in, strlen(in)), 0);
	T_EQ_STR(dump(doc.root, 0), "{\"b\":1,\"a\":[1,2.5,\"x\",true,false,"
				    "null],\"c\":{},\"d\":[]}");
	T_EQ_STR(dump(doc.root, 2), "{\n"
				    "  \"b\": 1,\n"
				    "  \"a\": [\n"
				    "    1,\n"
				    "    2.5,\n"
				    "    \"x\",\n"
				    "    true,\n"
				    "    false,\n"
				    "    null\n"
				    "  ],\n"
				    "  \"c\": {},\n"
				    "  \"d\": []\n"
				    "}");
	T_EQ_STR(dump(mlg_json_at(doc.root, "/a"), 1),
		 "[\n 1,\n 2.5,\n \"x\",\n true,\n false,\n null\n]");
	mlg_json_doc_release(&doc);

	v = json_pack("{s:{s:[i,{s:s}]}}", "k", "l", 1, "m", "n");
	T_EQ_STR(dump(v, 4), "{\n"
			     "    \"k\": {\n"
			     "        \"l\": [\n"
			     "            1,\n"
			     "            {\n"
			     "                \"m\": \"n\"\n"
			     "            }\n"
			     "        ]\n"
			     "    }\n"
			     "}");
	json_decref(v);
	v = json_integer(INT64_MIN);
	T_EQ_STR(dump(v, 0), "-9223372036854775808");
	json_decref(v);
	v = json_string("top");
	T_EQ_STR(dump(v, 3), "\"top\"");
	json_decref(v);
}

static void test_dump_reals(void)
{
	T_EQ_STR(dump_real(0.1), "0.1");
	T_EQ_STR(dump_real(0.1 + 0.2), "0.30000000000000004");
	T_EQ_STR(dump_real(1.0), "1.0");
	T_EQ_STR(dump_real(-0.0), "-0.0");
	T_EQ_STR(dump_real(100.0), "100.0");
	T_EQ_STR(dump_real(123456789.0), "123456789.0");
	T_EQ_STR(dump_real(1e16), "1e+16");
	T_EQ_STR(dump_real(1e20), "1e+20");
	T_EQ_STR(dump_real(-2.5e-7), "-2.5e-07");
	T_EQ_STR(dump_real(1.0 / 3), "0.3333333333333333");
	T_EQ_STR(dump_real(5e-324), "5e-324");
	T_EQ_STR(dump_real(DBL_MAX), "1.7976931348623157e+308");
	T_EQ_STR(dump_real(0.95), "0.95");
	/* laid out as Python's repr() */
	T_EQ_STR(dump_real(1e15), "1000000000000000.0");
	T_EQ_STR(dump_real(-42.0), "-42.0");
	T_EQ_STR(dump_real(9007199254740994.0), "9007199254740994.0");
	T_EQ_STR(dump_real(9999999999999998.0), "9999999999999998.0");
	T_EQ_STR(dump_real(-9999999999999998.0), "-9999999999999998.0");
	T_EQ_STR(dump_real(0.0001), "0.0001");
	T_EQ_STR(dump_real(1e-5), "1e-05");
	T_EQ_STR(dump_real(1.5e300), "1.5e+300");
	T_EQ_STR(dump_real(-123.456), "-123.456");
}

static void test_dump_round_trips(void)
{
	uint64_t x = 88172645463325252ull, bits, back;
	struct mlg_json_doc doc, again;
	struct mlg_buf b = MLG_BUF_INIT;
	double d, r;
	const char *s;
	json_t *v;
	int i, indent;

	/* random doubles: the text reads back to the same bits */
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&d, &bits, sizeof(d));
		/* every fourth a whole number, up to about 1e17 */
		if (i % 4 == 0) {
			d = (double)(int64_t)(x >> (7 + i % 50)) *
			    (x & 1 ? -1 : 1);
			memcpy(&bits, &d, sizeof(bits));
		}
		if (!isfinite(d))
			continue;
		v = json_real(d);
		s = dump(v, 0);
		r = strtod(s, NULL);
		memcpy(&back, &r, sizeof(back));
		if (back != bits || strlen(s) > 24)
			t_fail(__FILE__, __LINE__, "%.17g dumped as %s", d, s);
		json_decref(v);
	}

	/* whole documents, compact and indented */
	for (indent = 0; indent <= 8; indent += 4) {
		T_EQ_INT(mlg_json_parse(&doc, "s", schema, strlen(schema)), 0);
		mlg_buf_reset(&b);
		T_EQ_INT(mlg_json_dump(&b, doc.root, indent), 0);
		T_EQ_INT(mlg_json_parse(&again, "s2", b.ptr, b.len), 0);
		T_ASSERT(json_equal(doc.root, again.root));
		mlg_json_doc_release(&again);
		mlg_json_doc_release(&doc);
	}
	T_EQ_INT(mlg_json_parse(&doc, "u", unicode, strlen(unicode)), 0);
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_json_dump(&b, doc.root, 0), 0);
	T_EQ_STR(b.ptr,
		 "{\"\xc3\xa9t\xc3\xa9\":1,\"s\":\"\\\"}]\\\\\","
		 "\"\xf0\x9f\x98\x80\":[0,\"],\\\"\",2],\"\xc3\xa9\":3}");
	T_EQ_INT(mlg_json_parse(&again, "u2", b.ptr, b.len), 0);
	T_ASSERT(json_equal(doc.root, again.root));
	mlg_json_doc_release(&again);
	mlg_json_doc_release(&doc);
	mlg_buf_release(&b);
}

static void test_dump_strings(void)
{
	static const char raw[] = "a\"\\/\n\t\r\b\f\x01\x1f\x7f\0\xc3\xa9";
	json_t *v = json_stringn(raw, sizeof(raw) - 1), *o, *back;
	json_error_t e;

	T_EQ_STR(dump(v, 0), "\"a\\\"\\\\/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f"
			     "\\u0000\xc3\xa9\"");
	back = json_loads(dump(v, 0), JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	T_ASSERT(back && json_equal(v, back));
	json_decref(back);
	o = json_object();
	json_object_setn_new(o, "k\0\"", 3, v);
	T_EQ_STR(dump(o, 0), "{\"k\\u0000\\\"\":\"a\\\"\\\\/\\n\\t\\r\\b\\f"
			     "\\u0001\\u001f\x7f\\u0000\xc3\xa9\"}");
	json_decref(o);
	v = json_string("");
	T_EQ_STR(dump(v, 0), "\"\"");
	json_decref(v);
}

static void test_dump_limits(void)
{
	struct mlg_buf b;
	json_t *v, *inner;
	int i;

	mlg_buf_init(&b, 12);
	mlg_buf_adds(&b, "xy");
	v = json_pack("{s:s}", "key", "a long value");
	mlg_error_clear();
	T_EQ_INT(mlg_json_dump(&b, v, 0), MLG_ELIMIT);
	T_EQ_STR(b.ptr, "xy");
	T_EQ_INT(b.len, 2);
	T_EQ_STR(mlg_error_message(), "buffer limit of 12 bytes reached");
	json_decref(v);
	v = json_pack("[i]", 1234567);
	T_EQ_INT(mlg_json_dump(&b, v, 0), 0);
	T_EQ_STR(b.ptr, "xy[1234567]");
	T_EQ_INT(mlg_json_dump(&b, v, 0), MLG_ELIMIT);
	T_EQ_STR(b.ptr, "xy[1234567]");
	json_decref(v);
	mlg_buf_release(&b);

	/* 2048 levels dump (jansson parses them), 2049 do not */
	v = json_array();
	for (i = 1; i < 2048; i++) {
		inner = v;
		v = json_array();
		json_array_append_new(v, inner);
	}
	mlg_buf_init(&b, 0);
	T_EQ_INT(mlg_json_dump(&b, v, 0), 0);
	T_EQ_INT(b.len, 4096);
	inner = v;
	v = json_array();
	json_array_append_new(v, inner);
	mlg_buf_reset(&b);
	mlg_buf_adds(&b, "keep");
	T_EQ_INT(mlg_json_dump(&b, v, 1), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "cannot dump JSON nested deeper than 2048 levels");
	T_EQ_STR(b.ptr, "keep");
	json_decref(v);
	mlg_buf_release(&b);

	/* a large array */
	v = json_array();
	for (i = 0; i < 100000; i++)
		json_array_append_new(v, json_integer(i));
	T_EQ_INT(strlen(dump(v, 0)), 588891);
	json_decref(v);
}

/* A JSON Lines cell holds a real as the line wrote it, and exactly. */
static void test_cell_reals(void)
{
	static const double xs[] = {0.1,       -0.0083, 2.5,	1e300,
				    0.1 + 0.2, DBL_MIN, 5e-324, 123456789.123};
	static const char *const want[] = {"0.1",
					   "-0.0083",
					   "2.5",
					   "1e+300",
					   "0.30000000000000004",
					   "2.2250738585072014e-308",
					   "4.94065645841247e-324",
					   "123456789.123"};
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		json_t *v = json_real(xs[i]);

		T_EQ_INT(mlg_json_cell(&b, v), 0);
		T_EQ_STR(b.ptr, want[i]);
		T_ASSERT(strtod(b.ptr, NULL) == xs[i]);
		json_decref(v);
	}
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_locate_every_level), T(test_locate_missing),
	  T(test_locate_escaped_keys), T(test_locate_unicode_escapes),
	  T(test_locate_arrays_of_objects), T(test_locate_crlf_and_bom),
	  T(test_locate_nul_bytes_and_huge), T(test_locate_malformed),
	  T(test_locate_truncated), T(test_at), T(test_pointer_append),
	  T(test_parse_syntax_errors), T(test_parse_bom_empty_utf16),
	  T(test_parse_any_value_and_copies), T(test_parse_depth),
	  T(test_load_errors), T(test_load_size_limit), T(test_load_stdin),
	  T(test_load_large_file), T(test_error_message), T(test_get_str),
	  T(test_get_num), T(test_get_int), T(test_get_bool),
	  T(test_check_keys), T(test_dump_shapes), T(test_dump_reals),
	  T(test_dump_round_trips), T(test_dump_strings), T(test_dump_limits),
	  T(test_cell_reals))
