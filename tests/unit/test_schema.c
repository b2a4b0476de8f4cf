#include <stdio.h>
#include <stdlib.h>

#include "mlgate/error.h"
#include "mlgate/schema.h"
#include "mlgate/util.h"
#include "test.h"

static struct mlg_schema S;

/* Parse `text` as s.json: 0 or the error code (message in error.h). */
static int parse(const char *text)
{
	struct mlg_json_doc doc;
	int rc;

	mlg_schema_release(&S);
	mlg_error_clear();
	if (mlg_json_parse(&doc, "s.json", text, strlen(text)))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	rc = mlg_schema_parse(&S, &doc);
	mlg_json_doc_release(&doc);
	return rc;
}

#define BAD(text, msg)                                                         \
	do {                                                                   \
		T_EQ_INT(parse(text), MLG_EINVALID);                           \
		T_EQ_STR(mlg_error_message(), msg);                            \
		T_EQ_INT(S.nfields, 0);                                        \
	} while (0)

static void test_load_v1(void)
{
	const char *path = t_write(
		"v1.json", "{\n"
			   "  \"fields\": [\n"
			   "    {\"name\": \"id\", \"type\": \"integer\", "
			   "\"title\": \"Id\","
			   " \"description\": \"d\", \"example\": \"1\"},\n"
			   "    {\"name\": \"name\"},\n"
			   "    {\"name\": \"when\", \"type\": \"datetime\","
			   " \"format\": \"%Y\"}\n"
			   "  ],\n"
			   "  \"primaryKey\": \"id\",\n"
			   "  \"missingValues\": [\"\", \"NA\"]\n"
			   "}\n");

	T_EQ_INT(mlg_schema_load(&S, path), 0);
	T_EQ_INT(S.version, 1);
	T_EQ_INT(S.nfields, 3);
	T_EQ_STR(S.fields[0].name, "id");
	T_EQ_INT(S.fields[0].type, MLG_T_INTEGER);
	T_EQ_STR(S.fields[0].format, "default");
	T_EQ_INT(S.fields[0].required, 1); /* from the primary key */
	T_EQ_INT(S.fields[1].type, MLG_T_STRING);
	T_EQ_INT(S.fields[1].required, 0);
	T_EQ_INT(S.fields[2].fmt, MLG_FMT_PATTERN);
	T_EQ_STR(S.fields[2].pattern_fmt, "%Y");
	T_EQ_INT(S.npk, 1);
	T_EQ_INT(S.primary_key[0], 0);
	T_EQ_INT(S.nmissing, 2);
	T_EQ_STR(S.missing[1], "NA");
	T_EQ_INT(S.fields_match, MLG_MATCH_EXACT);
	T_EQ_INT(mlg_schema_field_index(&S, "when"), 2);
	T_EQ_INT(mlg_schema_field_index(&S, "When"), -1);
	T_EQ_INT(mlg_schema_field_index(&S, ""), -1);
	mlg_schema_release(&S);
	T_EQ_INT(S.nfields, 0);
	mlg_schema_release(&S); /* twice is harmless */
}

static void test_load_v2(void)
{
	T_EQ_INT(parse("{\"$schema\": "
		       "\"https://datapackage.org/profiles/2.0/"
		       "tableschema.json\","
		       " \"fields\": [{\"name\": \"a\"}, {\"name\": \"b\","
		       " \"type\": \"integer\"}, {\"name\": \"c\"}],"
		       " \"fieldsMatch\": \"subset\","
		       " \"primaryKey\": [\"b\", \"a\"],"
		       " \"uniqueKeys\": [[\"a\"], [\"a\", \"c\"]]}"),
		 0);
	T_EQ_INT(S.version, 2);
	T_EQ_INT(S.fields[0].type, MLG_T_ANY);
	T_EQ_INT(S.fields_match, MLG_MATCH_SUBSET);
	T_EQ_INT(S.npk, 2);
	T_EQ_INT(S.primary_key[0], 1);
	T_EQ_INT(S.primary_key[1], 0);
	T_EQ_INT(S.fields[0].required, 1);
	T_EQ_INT(S.fields[1].required, 1);
	T_EQ_INT(S.fields[2].required, 0);
	T_EQ_INT(S.nunique_keys, 2);
	T_EQ_INT(S.nunique_key[1], 2);
	T_EQ_INT(S.unique_keys[1][1], 2);
	T_EQ_INT(S.nmissing, 1);
	T_EQ_STR(S.missing[0], "");

	/* v2 detected from a v2-only property. */
	T_EQ_INT(parse("{\"fields\": [{\"name\": \"a\", \"type\": \"string\","
		       " \"categories\": [\"x\"]},"
		       " {\"name\": \"b\"}]}"),
		 0);
	T_EQ_INT(S.version, 2);
	T_EQ_INT(S.fields[1].type, MLG_T_ANY);
	T_EQ_INT(parse("{\"fields\": [{\"name\": \"a\"}],"
		       " \"missingValues\": [{\"value\": \"-9\","
		       " \"label\": \"refused\"}]}"),
		 0);
	T_EQ_INT(S.version, 2);
	T_EQ_STR(S.missing[0], "-9");
	T_EQ_INT(parse("{\"$schema\": \"https://specs.frictionlessdata.io/"
		       "schemas/table-schema.json\","
		       " \"fields\": [{\"name\": \"a\"}]}"),
		 0);
	T_EQ_INT(S.version, 1);
	T_EQ_INT(S.fields[0].type, MLG_T_STRING);
	T_EQ_INT(parse("{\"fields\": []}"), 0);
	T_EQ_INT(S.nfields, 0);
	mlg_schema_release(&S);
}

static void test_located_errors(void)
{
	BAD("{\"fields\": [\n"
	    "  {\"name\": \"a\", \"type\": \"integer\"},\n"
	    "  {\"name\": \"b\", \"type\": \"integr\"}\n"
	    "]}",
	    "'s.json': 3:17: /fields/1/type: unknown type 'integr'");
	BAD("{\"fields\": [\n"
	    "  {\"name\": \"b\", \"foo\": 1}\n"
	    "]}",
	    "'s.json': 2:17: /fields/0/foo: unknown property 'foo'");
	BAD("{\"fields\": [\n"
	    "  {\"name\": \"a\", \"type\": \"integer\",\n"
	    "   \"constraints\": {\"minimum\": \"5\"}}\n"
	    "]}",
	    "'s.json': 3:20: /fields/0/constraints/minimum: expected a number "
	    "for an integer field");
	BAD("{\"fields\": [{\"name\": \"a\"}],\n"
	    " \"foreignKeys\": []}",
	    "'s.json': 2:2: /foreignKeys: foreignKeys are not supported");
	BAD("{\"fields\": [{\"name\": \"a\"}], \"primaryKey\": [\"a\", \"b\"]}",
	    "'s.json': 1:49: /primaryKey/1: unknown field 'b'");
	BAD("{\"fields\": [{\"name\": \"a\"}], \"primaryKey\": \"x\"}",
	    "'s.json': 1:29: /primaryKey: unknown field 'x'");
	BAD("{\"fields\": [{\"name\": \"a\"}], \"uniqueKeys\": [\"a\"]}",
	    "'s.json': 1:44: /uniqueKeys/0: expected an array, found string");
	BAD("{\"fields\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
	    "'s.json': 1:29: /fields/1/name: duplicate field name 'a'");
	BAD("{\"fields\": [{\"type\": \"string\"}]}",
	    "'s.json': 1:13: /fields/0: missing required property 'name'");
	BAD("{\"fields\": [{\"name\": 5}]}",
	    "'s.json': 1:14: /fields/0/name: expected a string, found number");
	BAD("{\"fields\": [\"a\"]}",
	    "'s.json': 1:13: /fields/0: expected an object, found string");
	BAD("{\"fields\": {}}",
	    "'s.json': 1:2: /fields: expected an array, found object");
	BAD("{}", "'s.json': 1:1: /: missing required property 'fields'");
	BAD("[]", "'s.json': 1:1: /: expected an object, found array");
	BAD("{\"fields\": [], \"fieldsMatch\": \"most\"}",
	    "'s.json': 1:16: /fieldsMatch: unknown value 'most', expected "
	    "exact, equal, subset, superset or partial");
	BAD("{\"fields\": [{\"name\": \"g\", \"type\": \"geopoint\"}]}",
	    "'s.json': 1:27: /fields/0/type: unsupported type 'geopoint'");
	BAD("{\"fields\": [], \"missingValues\": \"NA\"}",
	    "'s.json': 1:16: /missingValues: expected an array, found string");
	BAD("{\"fields\": [], \"missingValues\": [\"\", null]}",
	    "'s.json': 1:38: /missingValues/1: expected a string, found null");
	BAD("{\"fields\": [], \"missingValues\": [{\"value\": 1}]}",
	    "'s.json': 1:35: /missingValues/0/value: expected a string, found "
	    "number");
}

static void test_format_errors(void)
{
	BAD("{\"fields\": [{\"name\": \"a\", \"format\": \"emial\"}]}",
	    "'s.json': 1:27: /fields/0/format: unknown format 'emial' for a "
	    "string field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
	    " \"format\": \"any\"}]}",
	    "'s.json': 1:46: /fields/0/format: unknown format 'any' for an "
	    "integer field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"format\": \"%Y-%Q\"}]}",
	    "'s.json': 1:43: /fields/0/format: unsupported directive '%Q' in "
	    "format '%Y-%Q'");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"format\": \"%Y%\"}]}",
	    "'s.json': 1:43: /fields/0/format: unsupported directive '%' in "
	    "format '%Y%'");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"format\": \"dd/mm/yyyy\"}]}",
	    "'s.json': 1:43: /fields/0/format: unknown format 'dd/mm/yyyy' for "
	    "a date field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"string\","
	    " \"decimalChar\": \",\"}]}",
	    "'s.json': 1:45: /fields/0/decimalChar: 'decimalChar' does not "
	    "apply to a string field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
	    " \"decimalChar\": \",\"}]}",
	    "'s.json': 1:46: /fields/0/decimalChar: 'decimalChar' does not "
	    "apply to an integer field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"number\","
	    " \"trueValues\": [\"y\"]}]}",
	    "'s.json': 1:45: /fields/0/trueValues: 'trueValues' does not apply "
	    "to a number field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"number\","
	    " \"groupChar\": \",,\"}]}",
	    "'s.json': 1:45: /fields/0/groupChar: expected a single-byte "
	    "character, found ',,'");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"number\","
	    " \"groupChar\": \".\"}]}",
	    "'s.json': 1:45: /fields/0/groupChar: groupChar and decimalChar "
	    "are "
	    "both '.'");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"number\","
	    " \"decimalChar\": \"1\"}]}",
	    "'s.json': 1:45: /fields/0/decimalChar: '1' cannot be a "
	    "decimalChar");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"boolean\","
	    " \"trueValues\": \"y\"}]}",
	    "'s.json': 1:46: /fields/0/trueValues: expected an array, found "
	    "string");
}

static void test_constraint_errors(void)
{
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"minimum\": "
	    "1}}]}",
	    "'s.json': 1:43: /fields/0/constraints/minimum: constraint "
	    "'minimum' does not apply to a string field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
	    " \"constraints\": {\"pattern\": \"1\"}}]}",
	    "'s.json': 1:62: /fields/0/constraints/pattern: constraint "
	    "'pattern' does not apply to an integer field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"constraints\": {\"maxLength\": 1}}]}",
	    "'s.json': 1:59: /fields/0/constraints/maxLength: constraint "
	    "'maxLength' does not apply to a date field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"constraints\": {\"minimum\": \"2024-02-30\"}}]}",
	    "'s.json': 1:59: /fields/0/constraints/minimum: cannot cast "
	    "'2024-02-30' to date/default");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
	    " \"constraints\": {\"minimum\": 20240101}}]}",
	    "'s.json': 1:59: /fields/0/constraints/minimum: expected a string "
	    "for a date field");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
	    " \"constraints\": {\"enum\": [1, \"x\"]}}]}",
	    "'s.json': 1:74: /fields/0/constraints/enum/1: cannot cast 'x' to "
	    "integer/default");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
	    " \"constraints\": {\"enum\": [1.5]}}]}",
	    "'s.json': 1:71: /fields/0/constraints/enum/0: expected a string "
	    "or "
	    "an integer value, found number");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"enum\": "
	    "[]}}]}",
	    "'s.json': 1:43: /fields/0/constraints/enum: expected a non-empty "
	    "array, found []");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"minLength\":"
	    " -1}}]}",
	    "'s.json': 1:43: /fields/0/constraints/minLength: expected a "
	    "non-negative integer, found -1");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"maxLength\":"
	    " 1.5}}]}",
	    "'s.json': 1:43: /fields/0/constraints/maxLength: expected an "
	    "integer, found 1.5");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"pattern\":"
	    " \"[a-\"}}]}",
	    "'s.json': 1:43: /fields/0/constraints/pattern: invalid pattern "
	    "'[a-': missing terminating ] for character class at offset 3");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"required\":"
	    " \"yes\"}}]}",
	    "'s.json': 1:43: /fields/0/constraints/required: expected a "
	    "boolean, found string");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"jsonSchema\":"
	    " {}}}]}",
	    "'s.json': 1:43: /fields/0/constraints/jsonSchema: constraint "
	    "'jsonSchema' is not supported");
	BAD("{\"fields\": [{\"name\": \"a\", \"constraints\": {\"minimun\":"
	    " 1}}]}",
	    "'s.json': 1:43: /fields/0/constraints/minimun: unknown property "
	    "'minimun'");
	BAD("{\"fields\": [{\"name\": \"a\", \"type\": \"object\","
	    " \"constraints\": {\"enum\": [[]]}}]}",
	    "'s.json': 1:70: /fields/0/constraints/enum/0: expected an object, "
	    "found array");
}

static void test_enum_values_cast_at_load(void)
{
	T_EQ_INT(parse("{\"fields\": [{\"name\": \"a\", \"type\": \"date\","
		       " \"format\": \"%d/%m/%Y\", \"constraints\":"
		       " {\"enum\": [\"01/02/2024\"], \"unique\": true,"
		       " \"minimum\": \"01/01/2024\"}}]}"),
		 0);
	T_EQ_INT(S.fields[0].nenum, 1);
	T_EQ_INT(S.fields[0].enum_values[0].i, mlg_days_from_civil(2024, 2, 1));
	T_EQ_INT(S.fields[0].unique, 1);
	T_EQ_INT(S.fields[0].required, 0);
	T_EQ_STR(S.fields[0].bound_text[MLG_B_MINIMUM], "'01/01/2024'");
	T_ASSERT(S.fields[0].has == (MLG_C_ENUM | MLG_C_MINIMUM));
	T_EQ_INT(parse("{\"fields\": [{\"name\": \"n\", \"type\": \"number\","
		       " \"constraints\": {\"maximum\": 1e300,"
		       " \"minimum\": -0.5}}]}"),
		 0);
	T_EQ_STR(S.fields[0].bound_text[MLG_B_MAXIMUM], "1e+300");
	T_EQ_STR(S.fields[0].bound_text[MLG_B_MINIMUM], "-0.5");
	mlg_schema_release(&S);
}

/* v2 categories: kept as the field's enum values, checked like them. */
static void test_categories(void)
{
	T_EQ_INT(parse("{\"fields\": [{\"name\": \"f\", \"type\": \"string\","
		       " \"categories\": [\"apple\", \"orange\"]},"
		       " {\"name\": \"n\", \"type\": \"integer\","
		       " \"categoriesOrdered\": true, \"categories\":"
		       " [{\"value\": 1, \"label\": \"low\"}, {\"value\": "
		       "\"2\"},"
		       " {\"value\": 3, \"label\": \"high\"}]},"
		       " {\"name\": \"e\", \"type\": \"string\","
		       " \"categories\": [\"a\", {\"value\": \"b\"}, \"c\"],"
		       " \"constraints\": {\"enum\": [\"b\", \"a\"]}}]}"),
		 0);
	T_EQ_INT(S.fields[0].categories, 1);
	T_EQ_INT(S.fields[0].categories_ordered, 0);
	T_ASSERT(S.fields[0].has == MLG_C_ENUM);
	T_EQ_INT(S.fields[0].nenum, 2);
	T_EQ_STR(S.fields[0].enum_values[1].str, "orange");
	T_EQ_INT(S.fields[1].categories, 1);
	T_EQ_INT(S.fields[1].categories_ordered, 1);
	T_EQ_INT(S.fields[1].nenum, 3);
	T_EQ_INT(S.fields[1].enum_values[0].i, 1);
	T_EQ_INT(S.fields[1].enum_values[1].i, 2);
	T_EQ_INT(S.fields[1].enum_values[2].i, 3);
	/* The enum is a subset of the categories: it is what is checked. */
	T_EQ_INT(S.fields[2].categories, 0);
	T_EQ_INT(S.fields[2].nenum, 2);
	T_EQ_STR(S.fields[2].enum_values[0].str, "b");

	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"number\","
	    " \"categories\": [1]}]}",
	    "'s.json': 1:45: /fields/0/categories: categories apply to string "
	    "and integer fields, not to a number field");
	BAD("{\"fields\": [{\"name\": \"x\", \"categories\": [\"a\"]}]}",
	    "'s.json': 1:27: /fields/0/categories: categories apply to string "
	    "and integer fields, not to an any field");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": []}]}",
	    "'s.json': 1:45: /fields/0/categories: expected a non-empty array, "
	    "found []");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": \"a\"}]}",
	    "'s.json': 1:45: /fields/0/categories: expected a non-empty array, "
	    "found string");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [\"a\", \"a\"]}]}",
	    "'s.json': 1:65: /fields/0/categories/1: value repeats category 0");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"integer\","
	    " \"categories\": [1, \"01\"]}]}",
	    "'s.json': 1:64: /fields/0/categories/1: value repeats category 0");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"integer\","
	    " \"categories\": [1.5]}]}",
	    "'s.json': 1:61: /fields/0/categories/0: expected a string or an "
	    "integer value, found number");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"integer\","
	    " \"categories\": [\"one\"]}]}",
	    "'s.json': 1:61: /fields/0/categories/0: cannot cast 'one' to "
	    "integer/default");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [{\"value\": [1]}]}]}",
	    "'s.json': 1:61: /fields/0/categories/0/value: expected a string, "
	    "found array");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [{\"label\": \"A\"}]}]}",
	    "'s.json': 1:60: /fields/0/categories/0: missing required property "
	    "'value'");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [{\"value\": \"a\", \"lbl\": \"A\"}]}]}",
	    "'s.json': 1:75: /fields/0/categories/0/lbl: unknown property "
	    "'lbl'");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [{\"value\": \"a\", \"label\": 1}]}]}",
	    "'s.json': 1:75: /fields/0/categories/0/label: expected a string, "
	    "found number");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [{\"value\": \"a\", \"label\": \"A\"},"
	    " {\"value\": \"b\", \"label\": \"A\"}]}]}",
	    "'s.json': 1:105: /fields/0/categories/1/label: label 'A' repeats "
	    "category 0");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categoriesOrdered\": true}]}",
	    "'s.json': 1:45: /fields/0/categoriesOrdered: categoriesOrdered "
	    "needs categories");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"string\","
	    " \"categories\": [\"a\"], \"categoriesOrdered\": \"yes\"}]}",
	    "'s.json': 1:66: /fields/0/categoriesOrdered: expected a boolean, "
	    "found string");
	BAD("{\"fields\": [{\"name\": \"x\", \"type\": \"integer\","
	    " \"categories\": [1, 2],"
	    " \"constraints\": {\"enum\": [1, \"02\", 3]}}]}",
	    "'s.json': 1:102: /fields/0/constraints/enum/2: enum value 3 is "
	    "not "
	    "one of the categories");
	mlg_schema_release(&S);
}

static void test_load_errors(void)
{
	struct mlg_schema s;
	const char *path = t_write("broken.json", "{\"fields\": [}");
	char *missing = mlg_strfmt("%s/none.json", t_tmpdir());
	char *expect;

	T_EQ_INT(mlg_schema_load(&s, path), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "broken.json': 1:13: ");
	T_EQ_INT(s.nfields, 0);
	T_EQ_INT(mlg_schema_load(&s, missing), MLG_ENOTFOUND);
	expect = mlg_strfmt("cannot read '%s': No such file or directory",
			    missing);
	T_EQ_STR(mlg_error_message(), expect);
	free(expect);
	free(missing);
	path = t_write("bad.json", "{\"fields\": [{\"name\": \"a\",\n"
				   "  \"type\": \"integr\"}]}");
	T_EQ_INT(mlg_schema_load(&s, path), MLG_EINVALID);
	expect = mlg_strfmt("'%s': 2:3: /fields/0/type: unknown type 'integr'",
			    path);
	T_EQ_STR(mlg_error_message(), expect);
	free(expect);
}

static void test_ctx_threads_share_schema(void)
{
	struct mlg_cast_ctx *a, *b;
	struct mlg_value v;
	const char *na, *nb;

	T_EQ_INT(parse("{\"fields\": [{\"name\": \"a\", \"type\": \"integer\","
		       " \"constraints\": {\"maximum\": 3}}]}"),
		 0);
	T_EQ_INT(mlg_cast_ctx_init(&a, &S), 0);
	T_EQ_INT(mlg_cast_ctx_init(&b, &S), 0);
	T_EQ_INT(mlg_field_check(a, 0, "4", 1, &v, &na),
		 MLG_CELL_CONSTRAINT_ERROR);
	T_EQ_INT(mlg_field_check(b, 0, "5", 1, &v, &nb),
		 MLG_CELL_CONSTRAINT_ERROR);
	T_EQ_STR(na, "4 is above maximum 3");
	T_EQ_STR(nb, "5 is above maximum 3");
	T_EQ_INT(mlg_field_check(a, 0, "x", 1, &v, NULL), MLG_CELL_TYPE_ERROR);
	T_EQ_STR(mlg_ftype_name(MLG_T_YEARMONTH), "yearmonth");
	T_EQ_STR(mlg_ftype_name((enum mlg_ftype)99), "?");
	mlg_cast_ctx_free(a);
	mlg_cast_ctx_free(b);
	mlg_cast_ctx_free(NULL);
	mlg_schema_release(&S);
}

/* --- dialects --- */

static struct mlg_csv_dialect D;

static int dialect(const char *text)
{
	struct mlg_json_doc doc;
	int rc;

	mlg_error_clear();
	if (mlg_json_parse(&doc, "d.json", text, strlen(text)))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	rc = mlg_dialect_parse(&D, &doc);
	mlg_json_doc_release(&doc);
	return rc;
}

#define DBAD(text, msg)                                                        \
	do {                                                                   \
		T_EQ_INT(dialect(text), MLG_EINVALID);                         \
		T_EQ_STR(mlg_error_message(), msg);                            \
	} while (0)

static void test_dialect(void)
{
	T_EQ_INT(dialect("{}"), 0);
	T_EQ_INT(D.delimiter, ',');
	T_EQ_INT(D.quote, '"');
	T_EQ_INT(D.double_quote, 1);
	T_EQ_INT(D.header, 1);
	T_EQ_INT(dialect("{\"delimiter\": \";\", \"quoteChar\": \"'\","
			 " \"doubleQuote\": false, \"escapeChar\": \"\\\\\","
			 " \"skipInitialSpace\": true, \"header\": false,"
			 " \"commentChar\": \"#\", \"lineTerminator\": \"\\n\","
			 " \"caseSensitiveHeader\": true,"
			 " \"csvddfVersion\": 1.2}"),
		 0);
	T_EQ_INT(D.delimiter, ';');
	T_EQ_INT(D.quote, '\'');
	T_EQ_INT(D.double_quote, 0);
	T_EQ_INT(D.escape, '\\');
	T_EQ_INT(D.skip_initial_space, 1);
	T_EQ_INT(D.header, 0);
	T_EQ_INT(D.comment, '#');
	T_EQ_INT(dialect("{\"delimiter\": \"\\t\", \"headerRows\": [1],"
			 " \"lineTerminator\": \"\\r\\n\"}"),
		 0);
	T_EQ_INT(D.delimiter, '\t');
	T_EQ_INT(D.header, 1);
	T_EQ_INT(dialect("{\"headerRows\": []}"), 0);
	T_EQ_INT(D.header, 0);
	DBAD("{\"nullSequence\": \"\\\\N\"}",
	     "'d.json': 1:2: /nullSequence: nullSequence is not supported");
	DBAD("{\"headerRows\": [1, 2]}",
	     "'d.json': 1:2: /headerRows: only headerRows [1] or [] is "
	     "supported");
	DBAD("{\"lineTerminator\": \"\\r\"}",
	     "'d.json': 1:2: /lineTerminator: unsupported lineTerminator: "
	     "expected \"\\r\\n\" or \"\\n\"");
	DBAD("{\"delimiter\": \";;\"}",
	     "'d.json': 1:2: /delimiter: expected a single-byte character, "
	     "found ';;'");
	DBAD("{\"delimiter\": \"\xc2\xa7\"}",
	     "'d.json': 1:2: /delimiter: expected a single-byte character, "
	     "found '\xc2\xa7'");
	DBAD("{\"delimiter\": \"\"}",
	     "'d.json': 1:2: /delimiter: expected a single-byte character, "
	     "found ''");
	DBAD("{\n  \"sheetName\": \"x\"}",
	     "'d.json': 2:3: /sheetName: unknown property 'sheetName'");
	DBAD("{\"doubleQuote\": 1}",
	     "'d.json': 1:2: /doubleQuote: expected a boolean, found number");
	DBAD("{\"delimiter\": \"\\\"\"}",
	     "'d.json': 1:1: /: invalid csv dialect: delimiter and quote are "
	     "both '\"'");
}

MLG_TESTS(T(test_load_v1), T(test_load_v2), T(test_located_errors),
	  T(test_format_errors), T(test_constraint_errors),
	  T(test_enum_values_cast_at_load), T(test_categories),
	  T(test_load_errors), T(test_ctx_threads_share_schema),
	  T(test_dialect))
