#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/dateparse.h"
#include "mlgate/error.h"
#include "mlgate/schema.h"
#include "mlgate/util.h"
#include "test.h"

static struct mlg_schema S;
static struct mlg_cast_ctx *C;
static struct mlg_value V;

static void unload(void)
{
	mlg_schema_release(&S);
	mlg_cast_ctx_free(C);
	C = NULL;
}

/* Load the schema `text` (a JSON object) into S and C. */
static void load_schema(const char *text)
{
	struct mlg_json_doc doc;

	unload();
	if (mlg_json_parse(&doc, "s.json", text, strlen(text)))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	if (mlg_schema_parse(&S, &doc))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
	mlg_json_doc_release(&doc);
	T_EQ_INT(mlg_cast_ctx_init(&C, &S), 0);
}

/* Load a schema whose fields are `fields` (JSON array members). */
static void load(const char *fields)
{
	char *text = mlg_strfmt("{\"fields\": [%s]}", fields);

	load_schema(text);
	free(text);
}

/* Check `len` bytes of cell in field k: status and exact note. */
static void expect_n(int line, size_t k, const char *cell, size_t len,
		     enum mlg_cell st, const char *note)
{
	const char *got = NULL;
	enum mlg_cell r = mlg_field_check(C, k, cell, len, &V, &got);

	if (r != st || strcmp(got, note))
		t_fail(__FILE__, line,
		       "cell '%.*s': status %d note \"%s\", "
		       "expected %d \"%s\"",
		       (int)len, cell, r, got, st, note);
}

#define OK(k, cell) expect_n(__LINE__, k, cell, strlen(cell), MLG_CELL_OK, "")
#define NUL(k, cell)                                                           \
	expect_n(__LINE__, k, cell, strlen(cell), MLG_CELL_NULL, "")
/* The note of a type error: `tf` is "type/format". */
#define TYPE_NOTE(tf) "type is \"" tf "\""
#define TYPE(k, cell, tf)                                                      \
	expect_n(__LINE__, k, cell, strlen(cell), MLG_CELL_TYPE_ERROR,         \
		 TYPE_NOTE(tf))
#define CONS(k, cell, note)                                                    \
	expect_n(__LINE__, k, cell, strlen(cell), MLG_CELL_CONSTRAINT_ERROR,   \
		 note)

#define INT_TF "integer/default"
#define NUM_TF "number/default"

static void test_integer(void)
{
	load("{\"name\": \"a\", \"type\": \"integer\"}");
	OK(0, "0");
	T_EQ_INT(V.i, 0);
	OK(0, "007");
	T_EQ_INT(V.i, 7);
	T_EQ_DBL(V.num, 7, 0);
	OK(0, "-12");
	T_EQ_INT(V.i, -12);
	OK(0, "+12");
	T_EQ_INT(V.i, 12);
	OK(0, "9223372036854775807");
	T_EQ_INT(V.i, INT64_MAX);
	OK(0, "-9223372036854775808");
	T_ASSERT(V.i == INT64_MIN);
	TYPE(0, "9223372036854775808", INT_TF);
	TYPE(0, "-9223372036854775809", INT_TF);
	TYPE(0, "99999999999999999999999", INT_TF);
	TYPE(0, "1.0", INT_TF);
	TYPE(0, "1e3", INT_TF);
	TYPE(0, " 1", INT_TF);
	TYPE(0, "1 ", INT_TF);
	TYPE(0, "-", INT_TF);
	TYPE(0, "+", INT_TF);
	TYPE(0, "1,000", INT_TF);
	TYPE(0, "0x10", INT_TF);
	TYPE(0, "١", INT_TF); /* Arabic-Indic digit one */
	expect_n(__LINE__, 0, "1\0002", 3, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE(INT_TF));
	expect_n(__LINE__, 0, "12", 1, MLG_CELL_OK, ""); /* length counts */
	T_EQ_INT(V.i, 1);
	NUL(0, "");
	T_EQ_INT(V.null, 1);
}

static void test_integer_options(void)
{
	load("{\"name\": \"a\", \"type\": \"integer\", \"groupChar\": \",\"},"
	     "{\"name\": \"b\", \"type\": \"integer\", \"bareNumber\": false},"
	     "{\"name\": \"c\", \"type\": \"integer\", \"groupChar\": \" \","
	     " \"bareNumber\": false}");
	OK(0, "1,000,000");
	T_EQ_INT(V.i, 1000000);
	OK(0, "1,0");
	T_EQ_INT(V.i, 10);
	TYPE(0, ",1", INT_TF);
	TYPE(0, "1,", INT_TF);
	TYPE(0, "1,,0", INT_TF);
	OK(1, "95%");
	T_EQ_INT(V.i, 95);
	OK(1, "\xe2\x82\xac-95 EUR");
	T_EQ_INT(V.i, -95);
	OK(1, "$1");
	TYPE(1, "%", INT_TF);
	TYPE(1, "1.5%", INT_TF);
	OK(2, "USD 1 234 567.-");
	T_EQ_INT(V.i, 1234567);
}

static void test_number(void)
{
	load("{\"name\": \"a\", \"type\": \"number\"}");
	OK(0, "-123.456");
	T_EQ_DBL(V.num, -123.456, 0);
	OK(0, "0.1");
	T_ASSERT(V.num == 0.1);
	OK(0, "1.");
	T_ASSERT(V.num == 1);
	OK(0, ".5");
	T_ASSERT(V.num == 0.5);
	OK(0, "+1");
	T_ASSERT(V.num == 1);
	OK(0, "1e3");
	T_ASSERT(V.num == 1000);
	OK(0, "1.5E-3");
	T_ASSERT(V.num == 0.0015);
	OK(0, "-0");
	T_ASSERT(V.num == 0 && signbit(V.num));
	OK(0, "000123.4500");
	T_ASSERT(V.num == 123.45);
	OK(0, "NaN");
	T_ASSERT(isnan(V.num));
	OK(0, "INF");
	T_ASSERT(isinf(V.num) && V.num > 0);
	OK(0, "-INF");
	T_ASSERT(isinf(V.num) && V.num < 0);
	OK(0, "1e400");
	T_ASSERT(isinf(V.num));
	OK(0, "1e-400");
	T_ASSERT(V.num == 0);
	/* Long inputs take the strtod path and still round correctly. */
	OK(0, "3.14159265358979323846264338327950288");
	T_ASSERT(V.num == 3.14159265358979323846264338327950288);
	OK(0, "9007199254740993");
	T_ASSERT(V.num == 9007199254740992.0);
	OK(0, "123456789012345678901234567890e-10");
	T_ASSERT(V.num == 12345678901234567890.123456789);
	OK(0, "0.000000000000000000000000000001");
	T_ASSERT(V.num == 1e-30);
	TYPE(0, "nan", NUM_TF);
	TYPE(0, "inf", NUM_TF);
	TYPE(0, "Infinity", NUM_TF);
	TYPE(0, ".", NUM_TF);
	TYPE(0, "1e", NUM_TF);
	TYPE(0, "1e+", NUM_TF);
	TYPE(0, "e5", NUM_TF);
	TYPE(0, "1.2.3", NUM_TF);
	TYPE(0, "1,5", NUM_TF);
	TYPE(0, " 1.5", NUM_TF);
	TYPE(0, "1.5 ", NUM_TF);
	TYPE(0, "--1", NUM_TF);
	TYPE(0, "95%", NUM_TF);
	TYPE(0, "0x1p3", NUM_TF);
	expect_n(__LINE__, 0, "1.5\0", 4, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE(NUM_TF));
}

static void test_number_options(void)
{
	char big[400];

	load("{\"name\": \"a\", \"type\": \"number\", \"decimalChar\": \",\","
	     " \"groupChar\": \".\"},"
	     "{\"name\": \"b\", \"type\": \"number\", \"bareNumber\": false},"
	     "{\"name\": \"c\", \"type\": \"number\", \"decimalChar\": \",\"}");
	OK(0, "1.234.567,89");
	T_ASSERT(V.num == 1234567.89);
	OK(0, "-0,5");
	T_ASSERT(V.num == -0.5);
	TYPE(0, "1,2,3", NUM_TF);
	OK(0, "1.5"); /* a group char between digits */
	T_ASSERT(V.num == 15);
	TYPE(0, ".5", NUM_TF); /* '.' groups need digits both sides */
	TYPE(0, "1,234.5", NUM_TF);
	OK(1, "95%");
	T_ASSERT(V.num == 95);
	OK(1, "\xe2\x82\xac"
	      "95.5");
	T_ASSERT(V.num == 95.5);
	OK(1, "approx -1.5e2 units");
	T_ASSERT(V.num == -150);
	TYPE(1, "approx. 1", NUM_TF); /* the dot starts the number */
	TYPE(1, "n/a", "number/default");
	OK(1, "-INF");
	/* A long number with a decimal comma reaches strtod as '.'. */
	memset(big, '1', sizeof(big));
	big[200] = ',';
	big[399] = '\0';
	OK(2, big);
	T_EQ_DBL(V.num, 1.111111111111111e199, 1e-15);
}

static void test_boolean(void)
{
	load("{\"name\": \"a\", \"type\": \"boolean\"},"
	     "{\"name\": \"b\", \"type\": \"boolean\", \"trueValues\": [\"y\"],"
	     " \"falseValues\": [\"n\", \"\"]}");
	OK(0, "true");
	T_EQ_INT(V.i, 1);
	OK(0, "True");
	OK(0, "TRUE");
	OK(0, "1");
	T_EQ_INT(V.i, 1);
	OK(0, "false");
	T_EQ_INT(V.i, 0);
	OK(0, "0");
	T_EQ_INT(V.i, 0);
	TYPE(0, "yes", "boolean/default");
	TYPE(0, "tRUE", "boolean/default");
	TYPE(0, "true ", "boolean/default");
	expect_n(__LINE__, 0, "true\0", 5, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE("boolean/default"));
	OK(1, "y");
	T_EQ_INT(V.i, 1);
	OK(1, "n");
	T_EQ_INT(V.i, 0);
	TYPE(1, "true", "boolean/default");
	NUL(1, ""); /* missing values come first */
}

#define DAY_US (86400 * INT64_C(1000000))

static void test_date(void)
{
	load("{\"name\": \"a\", \"type\": \"date\"}");
	OK(0, "1970-01-01");
	T_EQ_INT(V.i, 0);
	OK(0, "1969-12-31");
	T_EQ_INT(V.i, -1);
	OK(0, "2000-03-01");
	T_EQ_INT(V.i, 11017);
	OK(0, "2024-02-29");
	T_EQ_INT(V.i, 19782);
	OK(0, "2000-02-29");
	OK(0, "0001-01-01");
	T_EQ_INT(V.i, -719162);
	OK(0, "9999-12-31");
	T_EQ_INT(V.i, 2932896);
	TYPE(0, "2023-02-29", "date/default");
	TYPE(0, "1900-02-29", "date/default");
	TYPE(0, "2024-04-31", "date/default");
	TYPE(0, "2024-13-01", "date/default");
	TYPE(0, "2024-00-10", "date/default");
	TYPE(0, "2024-01-00", "date/default");
	TYPE(0, "0000-01-01", "date/default");
	TYPE(0, "2024-1-01", "date/default");
	TYPE(0, "2024/01/01", "date/default");
	TYPE(0, "2024-01-01T00:00:00", "date/default");
	TYPE(0, "2024-01-0a", "date/default");
	TYPE(0, "2024-01-01 ", "date/default");
	TYPE(0, "2024-01", "date/default");
}

static void test_time_datetime(void)
{
	load("{\"name\": \"t\", \"type\": \"time\"},"
	     "{\"name\": \"d\", \"type\": \"datetime\"}");
	OK(0, "00:00:00");
	T_EQ_INT(V.i, 0);
	OK(0, "23:59:59");
	T_EQ_INT(V.i, 86399 * INT64_C(1000000));
	OK(0, "12:30:00.5");
	T_EQ_INT(V.i, 45000500000);
	OK(0, "12:30:00.1234567");
	T_EQ_INT(V.i, 45000123456);
	OK(0, "01:00:00+02:00"); /* 23:00 UTC */
	T_EQ_INT(V.i, 23 * 3600 * INT64_C(1000000));
	OK(0, "10:00:00Z");
	TYPE(0, "24:00:00", "time/default");
	TYPE(0, "12:60:00", "time/default");
	TYPE(0, "12:00:60", "time/default");
	TYPE(0, "12:00", "time/default");
	TYPE(0, "12:00:00.", "time/default");
	TYPE(0, "1:00:00", "time/default");
	TYPE(0, "12:00:00+0200", "time/default");

	OK(1, "1970-01-01T00:00:00Z");
	T_EQ_INT(V.i, 0);
	OK(1, "1970-01-01T00:00:00");
	T_EQ_INT(V.i, 0);
	OK(1, "2024-01-26T15:00:00.300-05:00");
	T_EQ_INT(V.i, (INT64_C(19748) * 86400 + 20 * 3600) * 1000000 + 300000);
	OK(1, "2024-02-29T23:59:59+14:00");
	T_EQ_INT(V.i,
		 19782 * DAY_US + (9 * 3600 + 59 * 60 + 59) * INT64_C(1000000));
	OK(1, "1969-12-31T23:59:59.999999Z");
	T_EQ_INT(V.i, -1);
	TYPE(1, "2024-01-26 15:00:00", "datetime/default");
	TYPE(1, "2024-01-26T15:00:00+15:00", "datetime/default");
	TYPE(1, "2024-01-26T15:00:00+14:30", "datetime/default");
	TYPE(1, "2024-01-26T15:00:00Z ", "datetime/default");
	TYPE(1, "2023-02-29T00:00:00Z", "datetime/default");
	TYPE(1, "2024-01-26", "datetime/default");
	TYPE(1, "2024-01-26T", "datetime/default");
}

static void test_temporal_any_and_patterns(void)
{
	load("{\"name\": \"a\", \"type\": \"date\", \"format\": \"any\"},"
	     "{\"name\": \"b\", \"type\": \"datetime\", \"format\": \"any\"},"
	     "{\"name\": \"c\", \"type\": \"date\", \"format\": \"%d/%m/%y\"},"
	     "{\"name\": \"d\", \"type\": \"datetime\","
	     " \"format\": \"fmt:%d %b %Y %I:%M %p %z\"},"
	     "{\"name\": \"e\", \"type\": \"date\", \"format\": \"%Y.%j\"},"
	     "{\"name\": \"f\", \"type\": \"time\", \"format\": \"%H%M%S.%f\"},"
	     "{\"name\": \"g\", \"type\": \"time\", \"format\": \"any\"}");
	OK(0, "2024-02-29");
	OK(0, "2024/2/9");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 2, 9));
	OK(0, "2024.12.31");
	TYPE(0, "2024/2-9", "date/any");
	TYPE(0, "2023/2/29", "date/any");
	OK(1, "2024-01-02 03:04");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 1, 2) * DAY_US +
			      (3 * 3600 + 4 * 60) * INT64_C(1000000));
	OK(1, "2024/01/02T03:04:05+0100");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 1, 2) * DAY_US +
			      (2 * 3600 + 4 * 60 + 5) * INT64_C(1000000));
	OK(1, "2024-01-02 3:04 PM");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 1, 2) * DAY_US +
			      (15 * 3600 + 4 * 60) * INT64_C(1000000));
	TYPE(1, "2024-01-02", "datetime/any");
	OK(2, "29/02/24");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 2, 29));
	OK(2, "1/3/70");
	T_EQ_INT(V.i, mlg_days_from_civil(1970, 3, 1));
	OK(2, "1/3/68");
	T_EQ_INT(V.i, mlg_days_from_civil(2068, 3, 1));
	TYPE(2, "29/02/23", "date/%d/%m/%y");
	TYPE(2, "01/03/1970", "date/%d/%m/%y");
	OK(3, "5 mar 2024 12:30 am +01:00");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 3, 4) * DAY_US +
			      (23 * 3600 + 30 * 60) * INT64_C(1000000));
	OK(3, "05  Mar 2024 01:00 PM Z");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 3, 5) * DAY_US +
			      13 * 3600 * INT64_C(1000000));
	TYPE(3, "5 March 2024 01:00 PM Z", "datetime/fmt:%d %b %Y %I:%M %p %z");
	TYPE(3, "5 Mar 2024 13:00 PM Z", "datetime/fmt:%d %b %Y %I:%M %p %z");
	OK(4, "2024.060");
	T_EQ_INT(V.i, mlg_days_from_civil(2024, 2, 29));
	OK(4, "2023.365");
	TYPE(4, "2023.366", "date/%Y.%j");
	OK(5, "235959.5");
	T_EQ_INT(V.i, 86399 * INT64_C(1000000) + 500000);
	TYPE(5, "235959.1234567", "time/%H%M%S.%f");
	OK(6, "9:05");
	T_EQ_INT(V.i, (9 * 3600 + 5 * 60) * INT64_C(1000000));
	OK(6, "12:00 am");
	T_EQ_INT(V.i, 0);
	TYPE(6, "13:00 PM", "time/any");
}

static void test_year_yearmonth_duration(void)
{
	load("{\"name\": \"y\", \"type\": \"year\"},"
	     "{\"name\": \"m\", \"type\": \"yearmonth\"},"
	     "{\"name\": \"d\", \"type\": \"duration\"}");
	OK(0, "2024");
	T_EQ_INT(V.i, 2024);
	OK(0, "0099");
	T_EQ_INT(V.i, 99);
	OK(0, "12345");
	TYPE(0, "012345", "year/default");
	TYPE(0, "99", "year/default");
	TYPE(0, "-2024", "year/default");
	TYPE(0, "2024.0", "year/default");
	OK(1, "2024-02");
	T_EQ_INT(V.i, 2024 * 12 + 1);
	TYPE(1, "2024-13", "yearmonth/default");
	TYPE(1, "2024-2", "yearmonth/default");
	TYPE(1, "202402", "yearmonth/default");
	OK(2, "P1Y2M3DT4H5M6.5S");
	T_EQ_INT(V.months, 14);
	T_EQ_INT(V.i, ((3 * 24 + 4) * 3600 + 5 * 60 + 6) * INT64_C(1000000) +
			      500000);
	OK(2, "-P1D");
	T_EQ_INT(V.months, 0);
	T_EQ_INT(V.i, -DAY_US);
	OK(2, "PT0S");
	OK(2, "P0D");
	OK(2, "PT36H");
	T_EQ_INT(V.i, 36 * 3600 * INT64_C(1000000));
	TYPE(2, "P", "duration/default");
	TYPE(2, "PT", "duration/default");
	TYPE(2, "P1YT", "duration/default");
	TYPE(2, "P1D2Y", "duration/default");
	TYPE(2, "P1.5Y", "duration/default");
	TYPE(2, "PT1.5H", "duration/default");
	TYPE(2, "P1W", "duration/default");
	TYPE(2, "P1H", "duration/default");
	TYPE(2, "1Y", "duration/default");
	TYPE(2, "P99999999999999999999Y", "duration/default");
	TYPE(2, "P9999999999999Y", "duration/default");
	TYPE(2, "PT9999999999999999H", "duration/default");
}

static void test_strings(void)
{
	load("{\"name\": \"e\", \"format\": \"email\"},"
	     "{\"name\": \"u\", \"type\": \"string\", \"format\": \"uri\"},"
	     "{\"name\": \"i\", \"type\": \"string\", \"format\": \"uuid\"},"
	     "{\"name\": \"b\", \"type\": \"string\", \"format\": \"binary\"},"
	     "{\"name\": \"s\"}");
	T_EQ_INT(S.fields[0].type, MLG_T_STRING); /* v1 default */
	OK(0, "a.b@example.org");
	OK(0, "x@y.z");
	TYPE(0, "@example.org", "string/email");
	TYPE(0, "a@b@example.org", "string/email");
	TYPE(0, "a@localhost", "string/email");
	TYPE(0, "a@.org", "string/email");
	TYPE(0, "a@org.", "string/email");
	TYPE(0, "a b@example.org", "string/email");
	TYPE(0, "ab@example.org\n", "string/email");
	OK(1, "https://example.org/a?b#c");
	OK(1, "urn:isbn:0451450523");
	OK(1, "a+b-c.d:x");
	TYPE(1, "example.org", "string/uri");
	TYPE(1, "1http://x", "string/uri");
	TYPE(1, "http:", "string/uri");
	TYPE(1, ":x", "string/uri");
	TYPE(1, "http://exa mple.org", "string/uri");
	TYPE(1, "ht_tp://x", "string/uri");
	OK(2, "123e4567-e89b-12d3-A456-426614174000");
	TYPE(2, "123e4567e89b12d3a456426614174000", "string/uuid");
	TYPE(2, "123e4567-e89b-12d3-a456-42661417400g", "string/uuid");
	OK(3, "aGVsbG8=");
	OK(3, "aGVsbA==");
	OK(3, "aGVs");
	TYPE(3, "aGVsbG8", "string/binary");
	TYPE(3, "a===", "string/binary");
	TYPE(3, "aG=s", "string/binary");
	TYPE(3, "aGV$", "string/binary");
	OK(4, "anything \xff\xfe");
	expect_n(__LINE__, 4, "a\0b", 3, MLG_CELL_OK, "");
	T_EQ_INT(V.len, 3);
	NUL(4, "");
}

static void test_object_array(void)
{
	load("{\"name\": \"o\", \"type\": \"object\","
	     " \"constraints\": {\"maxLength\": 2}},"
	     "{\"name\": \"a\", \"type\": \"array\","
	     " \"constraints\": {\"enum\": [[1, 2], []]}}");
	OK(0, "{\"a\": 1}");
	T_EQ_INT(V.i, 1);
	OK(0, " {} ");
	CONS(0, "{\"a\": 1, \"b\": 2, \"c\": 3}",
	     "length 3 is above maxLength 2");
	TYPE(0, "[1]", "object/default");
	TYPE(0, "{\"a\": }", "object/default");
	TYPE(0, "1", "object/default");
	expect_n(__LINE__, 0, "{}\0", 3, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE("object/default"));
	OK(1, "[1,2]");
	OK(1, "[ ]");
	CONS(1, "[2, 1]", "'[2, 1]' is not one of the allowed values (enum)");
	TYPE(1, "{}", "array/default");
}

static void test_missing_and_required(void)
{
	load_schema("{\"missingValues\": [\"\", \"NA\", \"-\"], \"fields\": ["
		    "{\"name\": \"a\", \"type\": \"integer\"},"
		    "{\"name\": \"b\", \"type\": \"integer\","
		    " \"constraints\": {\"required\": true}},"
		    "{\"name\": \"c\", \"type\": \"integer\","
		    " \"missingValues\": [\"-99\"]}]}");
	T_EQ_INT(S.version, 2);
	NUL(0, "");
	NUL(0, "NA");
	NUL(0, "-");
	TYPE(0, "N", INT_TF);
	TYPE(0, "NA ", INT_TF);
	expect_n(__LINE__, 0, "NA\0", 3, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE(INT_TF));
	CONS(1, "", "constraint \"required\" is \"true\"");
	CONS(1, "NA", "constraint \"required\" is \"true\"");
	T_EQ_INT(V.null, 1);
	OK(1, "5");
	/* Per-field values replace the schema's list. */
	NUL(2, "-99");
	TYPE(2, "NA", INT_TF);
	TYPE(2, "", INT_TF);
}

static const char *const range_rules[] = {
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};

/* x against bound y by range_rules[rule]. */
static int range_holds(size_t rule, double x, double y)
{
	return rule == 0   ? x >= y
	       : rule == 1 ? x <= y
	       : rule == 2 ? x > y
			   : x < y;
}

static int range_holds_int(size_t rule, long long x, long long y)
{
	return rule == 0   ? x >= y
	       : rule == 1 ? x <= y
	       : rule == 2 ? x > y
			   : x < y;
}

/* Field x of `type` with rule r at bound br, and rule r2 at b2 unless
 * r2 is r: each of the values checked against the comparisons. */
static void range_case(const char *type, size_t r, const char *br, size_t r2,
		       const char *b2, const char *const *val, size_t nv)
{
	int num = !strcmp(type, "number");
	char *f;
	size_t k;

	f = r2 == r ? mlg_strfmt("{\"name\": \"x\", \"type\": \"%s\", "
				 "\"constraints\": {\"%s\": %s}}",
				 type, range_rules[r], br)
		    : mlg_strfmt("{\"name\": \"x\", \"type\": \"%s\", "
				 "\"constraints\": {\"%s\": %s, \"%s\": %s}}",
				 type, range_rules[r], br, range_rules[r2], b2);
	load(f);
	for (k = 0; k < nv; k++) {
		const char *note = NULL;
		enum mlg_cell got = mlg_field_check(C, 0, val[k],
						    strlen(val[k]), &V, &note);
		int want;

		if (num)
			want = range_holds(r, strtod(val[k], NULL),
					   strtod(br, NULL)) &&
			       (r2 == r || range_holds(r2, strtod(val[k], NULL),
						       strtod(b2, NULL)));
		else
			want = range_holds_int(r, strtoll(val[k], NULL, 10),
					       strtoll(br, NULL, 10)) &&
			       (r2 == r ||
				range_holds_int(r2, strtoll(val[k], NULL, 10),
						strtoll(b2, NULL, 10)));
		if (got != (want ? MLG_CELL_OK : MLG_CELL_CONSTRAINT_ERROR))
			t_fail(__FILE__, __LINE__, "%s: '%s' gave %d (%s)", f,
			       val[k], got, note);
	}
	free(f);
}

/*
 * Each range constraint alone and with a second one, at the edges of
 * int64 and double (0 and -0, the least subnormal, INF, NaN): the
 * verdict of mlg_field_check() against the comparisons themselves.
 */
static void test_range_grid(void)
{
	static const char *const ibound[] = {"-9223372036854775808", "-1", "0",
					     "1", "9223372036854775807"};
	static const char *const ival[] = {
		"-9223372036854775808", "-2", "-1", "0", "1", "2",
		"9223372036854775807"};
	static const char *const nbound[] = {"-1.5", "-0.0", "0", "5e-324",
					     "1e308"};
	static const char *const nval[] = {"-INF",  "-1.5",   "-0.0",
					   "0",	    "5e-324", "1e-323",
					   "1e308", "INF",    "NaN"};
	size_t r, r2, b, b2;

	for (r = 0; r < 4; r++)
		for (r2 = r; r2 < 4; r2++)
			for (b = 0; b < 5; b++)
				for (b2 = 0; b2 < (r2 == r ? 1u : 5u); b2++) {
					range_case("integer", r, ibound[b], r2,
						   ibound[b2], ival,
						   MLG_ARRAY_SIZE(ival));
					range_case("number", r, nbound[b], r2,
						   nbound[b2], nval,
						   MLG_ARRAY_SIZE(nval));
				}
}

static void test_range_constraints(void)
{
	load("{\"name\": \"a\", \"type\": \"integer\", \"constraints\":"
	     " {\"minimum\": 0, \"maximum\": 120}},"
	     "{\"name\": \"b\", \"type\": \"number\", \"constraints\":"
	     " {\"exclusiveMinimum\": 0, \"exclusiveMaximum\": 1.5}},"
	     "{\"name\": \"c\", \"type\": \"date\", \"constraints\":"
	     " {\"minimum\": \"2024-02-29\", \"exclusiveMaximum\": "
	     "\"2025-01-01\"}},"
	     "{\"name\": \"d\", \"type\": \"integer\", \"constraints\":"
	     " {\"maximum\": 9223372036854775807, \"minimum\": 2.5}},"
	     "{\"name\": \"e\", \"type\": \"datetime\", \"constraints\":"
	     " {\"maximum\": \"2024-01-01T00:00:00Z\"}},"
	     "{\"name\": \"f\", \"type\": \"year\", \"constraints\":"
	     " {\"minimum\": 2000}},"
	     "{\"name\": \"g\", \"type\": \"yearmonth\", \"constraints\":"
	     " {\"maximum\": \"2024-06\"}},"
	     "{\"name\": \"h\", \"type\": \"time\", \"constraints\":"
	     " {\"minimum\": \"09:00:00\"}}");
	OK(0, "0");
	OK(0, "120");
	CONS(0, "212", "212 is above maximum 120");
	CONS(0, "-1", "-1 is below minimum 0");
	CONS(0, "0121", "0121 is above maximum 120");
	OK(1, "1.4999999");
	OK(1, "1e-300");
	CONS(1, "1.5", "1.5 is not below exclusiveMaximum 1.5");
	CONS(1, "0", "0 is not above exclusiveMinimum 0");
	CONS(1, "-0.0", "-0.0 is not above exclusiveMinimum 0");
	CONS(1, "NaN", "NaN is not comparable with exclusiveMinimum 0");
	CONS(1, "INF", "INF is not below exclusiveMaximum 1.5");
	OK(2, "2024-02-29");
	OK(2, "2024-12-31");
	CONS(2, "2024-02-28", "'2024-02-28' is below minimum '2024-02-29'");
	CONS(2, "2025-01-01",
	     "'2025-01-01' is not below exclusiveMaximum '2025-01-01'");
	OK(3, "9223372036854775807");
	OK(3, "3");
	CONS(3, "2", "2 is below minimum 2.5");
	OK(4, "2024-01-01T01:00:00+01:00");
	CONS(4, "2024-01-01T00:00:00.000001Z",
	     "'2024-01-01T00:00:00.000001Z' is above maximum "
	     "'2024-01-01T00:00:00Z'");
	CONS(5, "1999", "1999 is below minimum 2000");
	OK(5, "2000");
	OK(6, "2024-06");
	CONS(6, "2024-07", "'2024-07' is above maximum '2024-06'");
	CONS(7, "08:59:59", "'08:59:59' is below minimum '09:00:00'");
}

static void test_duration_constraints(void)
{
	load("{\"name\": \"d\", \"type\": \"duration\", \"constraints\":"
	     " {\"maximum\": \"P1Y\", \"minimum\": \"PT1H\"}}");
	OK(0, "P1Y");
	OK(0, "P365D");
	OK(0, "P12M");
	OK(0, "PT3600S");
	CONS(0, "P366D", "'P366D' is not comparable with maximum 'P1Y'");
	OK(0, "P1M");
	CONS(0, "P1Y1D", "'P1Y1D' is above maximum 'P1Y'");
	CONS(0, "P367D", "'P367D' is above maximum 'P1Y'");
	CONS(0, "PT59M59S", "'PT59M59S' is below minimum 'PT1H'");
	CONS(0, "-P1D", "'-P1D' is below minimum 'PT1H'");
	T_EQ_INT(mlg_duration_cmp(1, 0, 0, 30 * DAY_US), 2);
	T_EQ_INT(mlg_duration_cmp(1, 0, 0, 27 * DAY_US), 1);
	T_EQ_INT(mlg_duration_cmp(1, 0, 0, 32 * DAY_US), -1);
	T_EQ_INT(mlg_duration_cmp(0, DAY_US, 0, 24 * 3600 * INT64_C(1000000)),
		 0);
}

static void test_length_enum_pattern(void)
{
	load("{\"name\": \"a\", \"constraints\": {\"minLength\": 5,"
	     " \"maxLength\": 6}},"
	     "{\"name\": \"b\", \"constraints\": {\"enum\": [\"x\", \"y\"]}},"
	     "{\"name\": \"c\", \"constraints\": {\"pattern\": \"[a-z]+\"}},"
	     "{\"name\": \"d\", \"type\": \"integer\","
	     " \"constraints\": {\"enum\": [1, \"02\", 3]}},"
	     "{\"name\": \"e\", \"constraints\": {\"pattern\": "
	     "\"\\\\p{L}{2}\"}},"
	     "{\"name\": \"f\", \"type\": \"number\","
	     " \"constraints\": {\"enum\": [1.5, 2]}},"
	     "{\"name\": \"g\", \"type\": \"date\","
	     " \"constraints\": {\"enum\": [\"2024-01-01\"]}},"
	     "{\"name\": \"h\", \"type\": \"boolean\","
	     " \"constraints\": {\"enum\": [true]}}");
	OK(0, "abcde");
	OK(0,
	   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"); /* 5 chars, 10 bytes */
	CONS(0, "abc", "length 3 is below minLength 5");
	CONS(0, "\xe2\x82\xac\xe2\x82\xac", "length 2 is below minLength 5");
	CONS(0, "abcdefg", "length 7 is above maxLength 6");
	OK(0, "ab\xff\xfe"
	      "c"); /* invalid bytes count one each */
	expect_n(__LINE__, 0, "a\0b\0c", 5, MLG_CELL_OK, "");
	OK(1, "x");
	CONS(1, "xyz", "'xyz' is not one of the allowed values (enum)");
	CONS(1, "X", "'X' is not one of the allowed values (enum)");
	OK(2, "abc");
	CONS(2, "ab-1", "'ab-1' does not match pattern '[a-z]+'");
	CONS(2, "abc\n", "'abc\\x0a' does not match pattern '[a-z]+'");
	CONS(2, "ab\xff", "'ab\\xff' does not match pattern '[a-z]+'");
	expect_n(__LINE__, 2, "ab\0", 3, MLG_CELL_CONSTRAINT_ERROR,
		 "'ab\\x00' does not match pattern '[a-z]+'");
	CONS(2, "0123456789012345678901234567890123456789TAIL",
	     "'0123456789012345678901234567890123456789...' does not match "
	     "pattern '[a-z]+'");
	OK(3, "1");
	OK(3, "2");
	OK(3, "003");
	CONS(3, "4", "4 is not one of the allowed values (enum)");
	OK(4, "\xc3\xa9t");
	CONS(4, "\xc3\xa9", "'\xc3\xa9' does not match pattern '\\p{L}{2}'");
	OK(5, "1.50");
	OK(5, "2.0");
	CONS(5, "2.5", "2.5 is not one of the allowed values (enum)");
	OK(6, "2024-01-01");
	CONS(6, "2024-01-02",
	     "'2024-01-02' is not one of the allowed values (enum)");
	OK(7, "1");
	CONS(7, "false", "'false' is not one of the allowed values (enum)");
}

/* v2 categories restrict a field as an enum does, in both forms. */
static void test_categories(void)
{
	load("{\"name\": \"s\", \"type\": \"string\","
	     " \"categories\": [\"apple\", \"orange\"]},"
	     "{\"name\": \"i\", \"type\": \"integer\", \"categories\":"
	     " [{\"value\": 0, \"label\": \"low\"}, {\"value\": \"2\"}]},"
	     "{\"name\": \"r\", \"type\": \"string\","
	     " \"constraints\": {\"required\": true,"
	     " \"pattern\": \"[a-z]+\"},"
	     " \"categories\": [{\"value\": \"a\"}, {\"value\": \"B\"}]}");
	OK(0, "apple");
	OK(0, "orange");
	CONS(0, "Apple",
	     "'Apple' is not one of the allowed values (categories)");
	CONS(0, "apple ",
	     "'apple ' is not one of the allowed values (categories)");
	CONS(0, "a\xff",
	     "'a\\xff' is not one of the allowed values "
	     "(categories)");
	NUL(0, "");
	OK(1, "0");
	OK(1, "00");
	OK(1, "+2");
	CONS(1, "1", "1 is not one of the allowed values (categories)");
	TYPE(1, "low", INT_TF);
	OK(2, "a");
	/* The pattern comes first, as with an enum. */
	CONS(2, "B", "'B' does not match pattern '[a-z]+'");
	CONS(2, "b", "'b' is not one of the allowed values (categories)");
	CONS(2, "", "constraint \"required\" is \"true\"");
}

/* How notes show values: quoted unless numeric, escaped, cut at 40. */
static void test_cell_show(void)
{
	char out[MLG_CELL_SHOW_MAX], big[200];

	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, "abc", 3), "'abc'");
	T_EQ_STR(mlg_cell_show(out, MLG_T_INTEGER, "-12", 3), "-12");
	T_EQ_STR(mlg_cell_show(out, MLG_T_YEAR, "2024", 4), "2024");
	T_EQ_STR(mlg_cell_show(out, MLG_T_DATE, "2024-01-01", 10),
		 "'2024-01-01'");
	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, "", 0), "''");
	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, "a\0b\n\x7f", 5),
		 "'a\\x00b\\x0a\\x7f'");
	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, "\xc3\xa9\xff\xc3", 4),
		 "'\xc3\xa9\\xff\\xc3'");
	memset(big, 'x', sizeof(big));
	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, big, 41),
		 "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
	T_EQ_STR(mlg_cell_show(out, MLG_T_STRING, big, 40),
		 "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'");
	/* The longest: every byte escaped, the buffer suffices. */
	memset(big, 1, sizeof(big));
	T_EQ_INT(strlen(mlg_cell_show(out, MLG_T_STRING, big, sizeof(big))),
		 1 + 40 * 4 + 3 + 1);
	/* A 4-byte character straddling byte 40 is kept whole. */
	memset(big, 'x', 39);
	memcpy(big + 39, "\xf0\x9f\x98\x80z", 5);
	T_EQ_STR(
		mlg_cell_show(out, MLG_T_STRING, big, 44),
		"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xf0\x9f\x98\x80...'");
}

/* The fast paths of mlg_field_check() must agree with the full casts. */
static void test_fast_paths(void)
{
	const char *d19 = "1234567890123456789", *d20 = "12345678901234567890";

	load("{\"name\": \"i\", \"type\": \"integer\"},"
	     "{\"name\": \"n\", \"type\": \"number\"},"
	     "{\"name\": \"b\", \"type\": \"boolean\","
	     " \"trueValues\": [\"yes\", \"Y\"], \"falseValues\": [\"no\"]},"
	     "{\"name\": \"d\", \"type\": \"date\"}");
	OK(0, "999999999999999999"); /* 18 digits: the short path */
	T_EQ_INT(V.i, 999999999999999999);
	T_EQ_INT(V.num, 999999999999999999.0);
	OK(0, "-9223372036854775808"); /* 19 digits: the full path */
	T_ASSERT(V.i == INT64_MIN);
	OK(0, "+000000000000000000000000042");
	T_EQ_INT(V.i, 42);
	TYPE(0, "9223372036854775808", INT_TF);
	TYPE(0, "-", INT_TF);
	TYPE(0, "+", INT_TF);
	TYPE(0, "1 ", INT_TF);
	TYPE(0, "1a", INT_TF);
	expect_n(__LINE__, 0, "1\0", 2, MLG_CELL_TYPE_ERROR, TYPE_NOTE(INT_TF));
	OK(1, d19);
	T_ASSERT(V.num == 1234567890123456789.0);
	OK(1, d20);
	T_ASSERT(V.num == 12345678901234567890.0);
	OK(1, "9007199254740993"); /* 2^53 + 1: rounds to even */
	T_ASSERT(V.num == 9007199254740992.0);
	OK(1, "0.000000000000000000001");
	T_ASSERT(V.num == 1e-21);
	OK(1, "-0.0");
	T_ASSERT(V.num == 0 && signbit(V.num));
	OK(1, "+.5");
	T_ASSERT(V.num == 0.5);
	OK(1, "123456789012345678.9");
	T_ASSERT(V.num == 123456789012345678.9);
	OK(1, "3.9");
	T_ASSERT(V.num == 3.9);
	TYPE(1, ".", NUM_TF);
	TYPE(1, "-.", NUM_TF);
	TYPE(1, "1..2", NUM_TF);
	TYPE(1, "1.2.", NUM_TF);
	TYPE(1, "--1", NUM_TF);
	expect_n(__LINE__, 1, "1.5\0", 4, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE(NUM_TF));
	OK(2, "yes");
	T_EQ_INT(V.i, 1);
	OK(2, "Y");
	T_EQ_INT(V.i, 1);
	OK(2, "no");
	T_EQ_INT(V.i, 0);
	TYPE(2, "ye", "boolean/default");
	TYPE(2, "yess", "boolean/default");
	TYPE(2, "true", "boolean/default");
	expect_n(__LINE__, 2, "no\0", 3, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE("boolean/default"));
	OK(3, "2000-02-29");
	T_EQ_INT(V.i, mlg_days_from_civil(2000, 2, 29));
	OK(3, "0001-01-01");
	T_EQ_INT(V.i, -719162);
	OK(3, "9999-12-31");
	T_EQ_INT(V.i, 2932896);
	TYPE(3, "1900-02-29", "date/default");
	TYPE(3, "0000-01-01", "date/default");
	TYPE(3, "2024-13-01", "date/default");
	TYPE(3, "2024-00-10", "date/default");
	TYPE(3, "2024-1-011", "date/default");
	TYPE(3, "2024/01/01", "date/default");
	TYPE(3, "2024-01-0:", "date/default");
	expect_n(__LINE__, 3, "2024-01\0001", 10, MLG_CELL_TYPE_ERROR,
		 TYPE_NOTE("date/default"));
}

/* Missing values: the length filter, long values, "" not in the list. */
static void test_missing_filter(void)
{
	char big[80];

	memset(big, 'm', 70);
	big[70] = '\0';
	load("{\"name\": \"a\", \"type\": \"integer\", \"missingValues\":"
	     " [\"N/A\", \"-\", "
	     "\"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
	     "mmmmmmmmmmmmmmmmmmmmmmm\"]}");
	NUL(0, "N/A");
	NUL(0, "-");
	NUL(0, big);
	big[69] = 'x';
	TYPE(0, big, INT_TF);
	big[69] = '\0';
	TYPE(0, big, INT_TF); /* 69 bytes: the long-length bit, no match */
	TYPE(0, "N/B", INT_TF);
	TYPE(0, "", INT_TF);
	expect_n(__LINE__, 0, "-\0", 2, MLG_CELL_TYPE_ERROR, TYPE_NOTE(INT_TF));
	OK(0, "7");
}

/* The enum index and the pattern results cached per enum value. */
static void test_enum_index(void)
{
	struct mlg_buf fields = MLG_BUF_INIT;
	char cell[16], note[80];
	int k;

	mlg_buf_adds(&fields,
		     "{\"name\": \"p\", \"constraints\": {\"pattern\":"
		     " \"[A-Z]{2}\", \"enum\": [\"AB\", \"ab\", \"CD\"]}},"
		     "{\"name\": \"l\", \"constraints\": {\"enum\":"
		     " [\"aaaaaaaaXaaaaaaaa\", \"\", \"\\u00e9\"]}},"
		     "{\"name\": \"y\", \"type\": \"year\","
		     " \"constraints\": {\"enum\": [2020, \"1999\"]}},"
		     "{\"name\": \"n\", \"type\": \"number\","
		     " \"constraints\": {\"enum\": [\"NaN\", 0, 1e300]}},"
		     "{\"name\": \"m\", \"constraints\": {\"enum\": [");
	for (k = 0; k < 100; k++)
		mlg_buf_addf(&fields, "%s\"v%d\"", k ? ", " : "", k * 7);
	/* a value twice: no seed puts both in their first slots */
	mlg_buf_adds(&fields, "]}}, {\"name\": \"d\", \"constraints\":"
			      " {\"enum\": [\"a\", \"b\", \"a\", \"c\"]}}");
	load(fields.ptr);
	mlg_buf_release(&fields);
	OK(0, "AB");
	OK(0, "CD");
	CONS(0, "ab", "'ab' does not match pattern '[A-Z]{2}'");
	CONS(0, "EF", "'EF' is not one of the allowed values (enum)");
	CONS(0, "A", "'A' does not match pattern '[A-Z]{2}'");
	CONS(0, "ABC", "'ABC' does not match pattern '[A-Z]{2}'");
	OK(1, "aaaaaaaaXaaaaaaaa");
	/* Same length, first and last 8 bytes: only memcmp tells. */
	CONS(1, "aaaaaaaaYaaaaaaaa",
	     "'aaaaaaaaYaaaaaaaa' is not one of the allowed values (enum)");
	OK(1, "\xc3\xa9");
	CONS(1, "\xc3", "'\\xc3' is not one of the allowed values (enum)");
	/* "" is a missing value, checked before the enum. */
	NUL(1, "");
	OK(2, "2020");
	OK(2, "1999");
	CONS(2, "2021", "2021 is not one of the allowed values (enum)");
	OK(3, "NaN");
	OK(3, "-0");
	OK(3, "0.0e5");
	OK(3, "1E300");
	CONS(3, "1", "1 is not one of the allowed values (enum)");
	CONS(3, "INF", "INF is not one of the allowed values (enum)");
	for (k = 0; k < 700; k++) {
		snprintf(cell, sizeof(cell), "v%d", k);
		snprintf(note, sizeof(note),
			 "'%s' is not one of the allowed values (enum)", cell);
		expect_n(__LINE__, 4, cell, strlen(cell),
			 k % 7 ? MLG_CELL_CONSTRAINT_ERROR : MLG_CELL_OK,
			 k % 7 ? note : "");
	}
	OK(5, "a");
	OK(5, "b");
	OK(5, "c");
	CONS(5, "d", "'d' is not one of the allowed values (enum)");
}

/* Lengths: counted only when the byte length cannot settle them. */
static void test_length_shortcut(void)
{
	load("{\"name\": \"a\", \"constraints\": {\"minLength\": 3,"
	     " \"maxLength\": 4}}");
	OK(0, "abcd"); /* 4 bytes: within both, but 4 / 4 < 3: counted */
	T_EQ_INT(V.i, 4);
	OK(0, "\xc3\xa9\xc3\xa9\xc3\xa9"); /* 6 bytes, 3 code points */
	T_EQ_INT(V.i, 3);
	CONS(0, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", /* 8 bytes, 2 points */
	     "length 2 is below minLength 3");
	CONS(0, "abcde", "length 5 is above maxLength 4");
	load("{\"name\": \"a\", \"constraints\": {\"minLength\": 1,"
	     " \"maxLength\": 40}}");
	OK(0, "Mia Novak"); /* settled by the byte length */
	T_EQ_INT(V.i, 0);
	OK(0, "\xff"); /* 1 / 4 < minLength: counted */
	T_EQ_INT(V.i, 1);
	OK(0, "abcd"); /* 4 / 4 >= minLength, 4 <= maxLength */
	T_EQ_INT(V.i, 0);
	load("{\"name\": \"a\", \"constraints\": {\"minLength\": 3}}");
	/* 8 / 4 < 3: counted, though 8 bytes are more than 3 */
	CONS(0, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	     "length 2 is below minLength 3");
	OK(0, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	T_EQ_INT(V.i, 0); /* 12 / 4 >= 3: settled */
}

static void test_hash(void)
{
	struct mlg_value a, b;
	const struct mlg_field *fi, *fn, *fs;

	load("{\"name\": \"i\", \"type\": \"integer\"},"
	     "{\"name\": \"n\", \"type\": \"number\"},"
	     "{\"name\": \"s\", \"type\": \"string\"}");
	fi = &S.fields[0];
	fn = &S.fields[1];
	fs = &S.fields[2];
	T_EQ_INT(mlg_field_cast(&a, fi, "1", 1), 0);
	T_EQ_INT(mlg_field_cast(&b, fi, "01", 2), 0);
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_equal(&a, &b));
	/* A key keeps an integer as it is, anything else as its hash. */
	T_EQ_INT(mlg_value_word(&b, 7), 1);
	T_EQ_INT(mlg_field_cast(&b, fi, "-9223372036854775808", 20), 0);
	T_ASSERT(mlg_value_word(&b, 7) == (uint64_t)INT64_MIN);
	T_EQ_INT(mlg_field_cast(&b, fi, "01", 2), 0);
	T_EQ_INT(mlg_field_cast(&b, fn, "1.0", 3), 0);
	T_ASSERT(mlg_value_word(&b, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_equal(&a, &b));
	T_EQ_INT(mlg_field_cast(&a, fn, "-0", 2), 0);
	T_EQ_INT(mlg_field_cast(&b, fn, "0e5", 3), 0);
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_EQ_INT(mlg_field_cast(&a, fn, "0.5", 3), 0);
	T_EQ_INT(mlg_field_cast(&b, fn, "5e-1", 4), 0);
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_hash(&a, 7) != mlg_value_hash(&a, 8));
	T_EQ_INT(mlg_field_cast(&b, fn, "0.25", 4), 0);
	T_ASSERT(mlg_value_hash(&a, 7) != mlg_value_hash(&b, 7));
	T_ASSERT(!mlg_value_equal(&a, &b));
	T_EQ_INT(mlg_field_cast(&a, fs, "01", 2), 0);
	T_EQ_INT(mlg_field_cast(&b, fs, "1", 1), 0);
	T_ASSERT(mlg_value_hash(&a, 7) != mlg_value_hash(&b, 7));
	T_ASSERT(!mlg_value_equal(&a, &b));
	T_EQ_INT(mlg_field_cast(&b, fs, "01", 2), 0);
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_equal(&a, &b));
	T_EQ_INT(mlg_field_cast(&a, fs, "", 0), 0);
	T_EQ_INT(mlg_field_cast(&b, fs, "\0", 1), 0);
	T_ASSERT(mlg_value_hash(&a, 7) != mlg_value_hash(&b, 7));
	T_EQ_INT(mlg_field_cast(&a, fn, "NaN", 3), 0);
	T_EQ_INT(mlg_field_cast(&b, fn, "NaN", 3), 0);
	T_ASSERT(mlg_value_hash(&a, 7) == mlg_value_hash(&b, 7));
	T_ASSERT(mlg_value_equal(&a, &b));
}

/*
 * mlg_field_scan() over a column: the exact verdict of each cell, and
 * for a valid one the key word of the value mlg_field_check() gives it.
 */
static void scan_expect(int line, size_t k, const char *const *cells,
			const char *want)
{
	struct mlg_csv_field f[16];
	unsigned char st[16];
	uint64_t h[16];
	size_t n = strlen(want), i;

	memset(f, 0, sizeof(f));
	for (i = 0; i < n; i++) {
		f[i].ptr = cells[i];
		f[i].len = strlen(cells[i]);
	}
	/* Every other entry: a stride of 2, as in a row of two cells. */
	for (i = n; i-- > 0;)
		f[2 * i] = f[i];
	mlg_field_scan(C, k, f, 2, n, st, h, 99, NULL);
	for (i = 0; i < n; i++) {
		int v = want[i] == 'o'	 ? MLG_SCAN_OK
			: want[i] == 'n' ? MLG_SCAN_NULL
					 : MLG_SCAN_CHECK;

		if (st[i] != v)
			t_fail(__FILE__, line, "cell '%s': verdict %d, not %d",
			       cells[i], st[i], v);
		if (v == MLG_SCAN_OK &&
		    (mlg_field_check(C, k, cells[i], strlen(cells[i]), &V,
				     NULL) != MLG_CELL_OK ||
		     mlg_value_word(&V, 99) != h[i]))
			t_fail(__FILE__, line, "cell '%s': not the value",
			       cells[i]);
	}
}

static void test_scan(void)
{
	static const char *const ints[] = {
		"7",  "+007", "",    "NA",
		"-1", "x",    "121", "99999999999999999999"};
	static const char *const nums[] = {"1.5", "-0.0", "NaN",
					   "2e3", "",	  "10.01"};
	static const char *const dates[] = {"2020-01-31", "2020-02-30",
					    "1999-12-31", ""};
	static const char *const strs[] = {"US", "GB", "FR", "", "U", "USA"};
	static const char *const bools[] = {"yes", "no", "maybe", ""};
	static const char *const years[] = {"2024", "x"};
	static const char *const lens[] = {"abcdefgh",
					   "\xf0\x9f\x98\x80",
					   "abcdefghij",
					   "",
					   "\xc3\xa9\xc3\xa9\xc3\xa9z",
					   "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"};

	load("{\"name\": \"i\", \"type\": \"integer\", \"missingValues\":"
	     " [\"\", \"NA\"], \"constraints\": {\"maximum\": 120}},"
	     "{\"name\": \"n\", \"type\": \"number\","
	     " \"constraints\": {\"maximum\": 10}},"
	     "{\"name\": \"d\", \"type\": \"date\", \"constraints\":"
	     " {\"required\": true, \"minimum\": \"2000-01-01\"}},"
	     "{\"name\": \"s\", \"type\": \"string\","
	     " \"constraints\": {\"minLength\": 2,"
	     " \"enum\": [\"US\", \"GB\", \"USA\"]}},"
	     "{\"name\": \"b\", \"type\": \"boolean\","
	     " \"trueValues\": [\"yes\"], \"falseValues\": [\"no\"]},"
	     "{\"name\": \"y\", \"type\": \"year\"},"
	     "{\"name\": \"l\", \"type\": \"string\","
	     " \"constraints\": {\"minLength\": 2,"
	     " \"maxLength\": 9}}");
	/* Integers: the short path; "+007" is 7; -1 has no minimum; the
	 * 20-digit one and the errors are left to mlg_field_check(). */
	scan_expect(__LINE__, 0, ints, "oonnoccc");
	/* Numbers: NaN and 2e3 take the full cast, so the check decides;
	 * "" is a missing value by default. */
	scan_expect(__LINE__, 1, nums, "ooccnc");
	/* Dates: a required field's missing value is an error. */
	scan_expect(__LINE__, 2, dates, "occc");
	scan_expect(__LINE__, 3, strs, "oocnco");
	scan_expect(__LINE__, 4, bools, "oocn");
	/* No fast path for years: every cell to mlg_field_check(). */
	scan_expect(__LINE__, 5, years, "cc");
	/* Lengths: 1 to 4 bytes a code point; an emoji of 4 bytes is 1. */
	scan_expect(__LINE__, 6, lens, "occnoo");
	unload();
}

static void test_huge_cells(void)
{
	size_t n = 1 << 20;
	char *big = mlg_malloc(n + 1);

	load("{\"name\": \"n\", \"type\": \"number\"},"
	     "{\"name\": \"i\", \"type\": \"integer\"},"
	     "{\"name\": \"s\", \"constraints\": {\"maxLength\": 3,"
	     " \"pattern\": \"a*\"}},"
	     "{\"name\": \"p\", \"constraints\": {\"pattern\": \"a*\"}}");
	memset(big, '9', n);
	big[n] = '\0';
	expect_n(__LINE__, 0, big, n, MLG_CELL_OK, "");
	T_ASSERT(isinf(V.num));
	expect_n(__LINE__, 1, big, n, MLG_CELL_TYPE_ERROR, TYPE_NOTE(INT_TF));
	memset(big, 'a', n);
	expect_n(__LINE__, 2, big, n, MLG_CELL_CONSTRAINT_ERROR,
		 "length 1048576 is above maxLength 3");
	expect_n(__LINE__, 3, big, n, MLG_CELL_OK, "");
	free(big);
	unload();
}

/* Days in a month, written out plainly. */
static int ref_month_days(unsigned y, unsigned m)
{
	if (m == 2)
		return y % 400 == 0   ? 29
		       : y % 100 == 0 ? 28
		       : y % 4 == 0   ? 29
				      : 28;
	return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

/*
 * YYYY-MM-DD, two words at once: every year 0000-9999 with months 00-13
 * and days 00-32, each against the calendar and days_from_civil; every
 * byte replaced by what is not a digit (or a dash) must fail.
 */
static void test_iso_date(void)
{
	static const char junk[] = "/:; A-0\x80\xb0\xff";
	char s[11];
	unsigned y, m, d, k, j;
	size_t bad = 0, valid = 0;
	int64_t got;

	for (y = 0; y <= 9999; y++)
		for (m = 0; m <= 13; m++)
			for (d = 0; d <= 32; d++) {
				int ok = y >= 1 && m >= 1 && m <= 12 &&
					 d >= 1 &&
					 (int)d <= ref_month_days(y, m);

				s[0] = (char)('0' + y / 1000);
				s[1] = (char)('0' + y / 100 % 10);
				s[2] = (char)('0' + y / 10 % 10);
				s[3] = (char)('0' + y % 10);
				s[4] = s[7] = '-';
				s[5] = (char)('0' + m / 10);
				s[6] = (char)('0' + m % 10);
				s[8] = (char)('0' + d / 10);
				s[9] = (char)('0' + d % 10);
				got = -1;
				if (mlg_iso_date(&got, s) != (ok ? 0 : -1))
					bad++;
				else if (ok &&
					 got != mlg_days_from_civil(y, (int)m,
								    (int)d))
					bad++;
				valid += ok;
			}
	T_EQ_INT(bad, 0);
	T_EQ_INT(valid, 3652059); /* the days of 0001-01-01..9999-12-31 */
	for (k = 0; k < 10; k++)
		for (j = 0; j < sizeof(junk) - 1; j++) {
			memcpy(s, "2024-02-29", 10);
			if ((junk[j] == '-') == (k == 4 || k == 7) ||
			    (junk[j] == '0' && k != 4 && k != 7))
				continue;
			s[k] = junk[j];
			bad += mlg_iso_date(&got, s) != -1;
		}
	T_EQ_INT(bad, 0);
	T_EQ_INT(mlg_iso_date(&got, "1970-01-01"), 0);
	T_EQ_INT(got, 0);
	T_EQ_INT(mlg_iso_date(&got, "2000-02-29"), 0);
	T_EQ_INT(got, 11016);
	T_EQ_INT(mlg_iso_date(&got, "1900-02-29"), -1);
	T_EQ_INT(mlg_iso_date(&got, "0001-01-01"), 0);
	T_EQ_INT(got, -719162);
	T_EQ_INT(mlg_iso_date(&got, "9999-12-31"), 0);
	T_EQ_INT(got, 2932896);
}

MLG_TESTS(T(test_integer), T(test_integer_options), T(test_number),
	  T(test_number_options), T(test_boolean), T(test_date),
	  T(test_time_datetime), T(test_temporal_any_and_patterns),
	  T(test_year_yearmonth_duration), T(test_strings),
	  T(test_object_array), T(test_missing_and_required),
	  T(test_range_constraints), T(test_range_grid),
	  T(test_duration_constraints), T(test_length_enum_pattern),
	  T(test_categories), T(test_cell_show), T(test_fast_paths),
	  T(test_missing_filter), T(test_enum_index), T(test_length_shortcut),
	  T(test_hash), T(test_scan), T(test_huge_cells), T(test_iso_date))
