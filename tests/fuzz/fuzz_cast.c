/*
 * fuzz_cast.c - cast arbitrary bytes with every type, format and
 * constraint
 *
 * The input is checked whole, and cut at each '\n', against a schema
 * with one field of every type and constraint. Besides not crashing, the
 * results must agree with simple oracles (abort() otherwise):
 *   - a cell that checks OK also casts, and hashes like its own copy;
 *   - the column scan settles a cell only as the full check does, and
 *     keeps the check's value (scan_oracle.h);
 *   - an accepted default number equals strtod_l() of the same text;
 *   - an accepted default integer prints back as the text without its
 *     sign and leading zeros;
 *   - an accepted default date equals timegm() of its parts.
 */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/error.h"
#include "mlgate/schema.h"
#include "scan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema_text[] =
	"{\"missingValues\": [\"\", \"NA\"], \"fields\": ["
	"{\"name\": \"i\", \"type\": \"integer\"},"
	"{\"name\": \"n\", \"type\": \"number\"},"
	"{\"name\": \"d\", \"type\": \"date\"},"
	"{\"name\": \"ic\", \"type\": \"integer\", \"groupChar\": \",\","
	" \"bareNumber\": false, \"constraints\": {\"minimum\": -5,"
	" \"maximum\": 1000000, \"enum\": [1, 2, \"0003\", 1000000]}},"
	"{\"name\": \"nc\", \"type\": \"number\", \"decimalChar\": \",\","
	" \"groupChar\": \".\", \"bareNumber\": false, \"constraints\":"
	" {\"exclusiveMinimum\": -1e10, \"exclusiveMaximum\": 1.5e10}},"
	"{\"name\": \"b\", \"type\": \"boolean\", \"trueValues\": [\"y\"],"
	" \"constraints\": {\"enum\": [true]}},"
	"{\"name\": \"dc\", \"type\": \"date\", \"constraints\":"
	" {\"minimum\": \"1900-01-01\", \"maximum\": \"2100-12-31\"}},"
	"{\"name\": \"da\", \"type\": \"date\", \"format\": \"any\"},"
	"{\"name\": \"dp\", \"type\": \"date\", \"format\": \"%d %B %Y %j\"},"
	"{\"name\": \"t\", \"type\": \"time\", \"constraints\":"
	" {\"minimum\": \"08:00:00\"}},"
	"{\"name\": \"ta\", \"type\": \"time\", \"format\": \"any\"},"
	"{\"name\": \"dt\", \"type\": \"datetime\", \"constraints\":"
	" {\"exclusiveMaximum\": \"2030-01-01T00:00:00Z\"}},"
	"{\"name\": \"dta\", \"type\": \"datetime\", \"format\": \"any\"},"
	"{\"name\": \"dtp\", \"type\": \"datetime\","
	" \"format\": \"fmt:%y%m%d %I:%M:%S.%f %p%z %b %%\"},"
	"{\"name\": \"y\", \"type\": \"year\", \"constraints\":"
	" {\"minimum\": 1000, \"maximum\": 99999}},"
	"{\"name\": \"ym\", \"type\": \"yearmonth\", \"constraints\":"
	" {\"maximum\": \"2024-06\", \"enum\": [\"2024-01\", \"2020-02\"]}},"
	"{\"name\": \"du\", \"type\": \"duration\", \"constraints\":"
	" {\"minimum\": \"PT1S\", \"maximum\": \"P1Y2M\","
	" \"enum\": [\"P1D\", \"PT24H\", \"P1M\"]}},"
	"{\"name\": \"s\", \"type\": \"string\", \"constraints\":"
	" {\"required\": true, \"minLength\": 2, \"maxLength\": 40,"
	" \"pattern\": \"(\\\\p{L}|[0-9 ])+\"}},"
	"{\"name\": \"se\", \"format\": \"email\"},"
	"{\"name\": \"su\", \"format\": \"uri\"},"
	"{\"name\": \"suu\", \"format\": \"uuid\", \"constraints\":"
	" {\"unique\": true}},"
	"{\"name\": \"sb\", \"format\": \"binary\", \"constraints\":"
	" {\"enum\": [\"aGk=\", \"\"]}},"
	"{\"name\": \"p\", \"constraints\": {\"pattern\": \"(a|aa)*b\"}},"
	"{\"name\": \"o\", \"type\": \"object\", \"constraints\":"
	" {\"maxLength\": 3, \"enum\": [{\"a\": 1}, {}]}},"
	"{\"name\": \"a\", \"type\": \"array\", \"constraints\":"
	" {\"minLength\": 1}},"
	"{\"name\": \"any\", \"type\": \"any\", \"constraints\":"
	" {\"enum\": [\"x\", \"\\u00e9\"]}},"
	/* the scan's shortcuts: a string enum of short and long values
	 * (one, "0", that its pattern refuses),
	 * lengths settled by the byte count, ranges of the plain casts */
	"{\"name\": \"se2\", \"constraints\": {\"enum\": [\"US\", \"GB\","
	" \"AB-101\", \"\", \"\\u00e9t\\u00e9\", \"0\", \"12345678\","
	" \"a value of more than 16 bytes\"],"
	" \"pattern\": \"[^0].*|\"}},"
	"{\"name\": \"sl\", \"constraints\": {\"minLength\": 3,"
	" \"maxLength\": 8}},"
	"{\"name\": \"bd\", \"type\": \"boolean\", \"constraints\":"
	" {\"required\": true}},"
	"{\"name\": \"ir\", \"type\": \"integer\", \"constraints\":"
	" {\"minimum\": -3, \"exclusiveMaximum\": 1000}},"
	"{\"name\": \"irr\", \"type\": \"integer\", \"constraints\":"
	" {\"minimum\": 0.5, \"maximum\": 1e18}},"
	"{\"name\": \"nr\", \"type\": \"number\", \"constraints\":"
	" {\"minimum\": -1000, \"maximum\": 9999.99}}"
	"]}";

static struct mlg_schema schema;
static struct mlg_cast_ctx *ctx;
static locale_t cloc;

static void setup(void)
{
	struct mlg_json_doc doc;

	if (mlg_json_parse(&doc, "fuzz.json", schema_text,
			   sizeof(schema_text) - 1) ||
	    mlg_schema_parse(&schema, &doc) ||
	    mlg_cast_ctx_init(&ctx, &schema)) {
		fprintf(stderr, "fuzz_cast: %s\n", mlg_error_message());
		abort();
	}
	mlg_json_doc_release(&doc);
	cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static void check_number(const char *s, size_t len, double got)
{
	char buf[512];
	double want;

	if (len >= sizeof(buf) || memchr(s, 'N', len) || memchr(s, 'I', len))
		return;
	memcpy(buf, s, len);
	buf[len] = '\0';
	want = strtod_l(buf, NULL, cloc);
	if (memcmp(&want, &got, sizeof(double)) &&
	    !(want == 0 && got == 0 && signbit(want) == signbit(got)))
		abort();
}

static void check_integer(const char *s, size_t len, int64_t got)
{
	char want[32], shown[64];
	size_t k = 0;
	int n;

	if (len && (s[0] == '+' || s[0] == '-'))
		k++;
	while (k + 1 < len && s[k] == '0')
		k++;
	n = snprintf(shown, sizeof(shown), "%lld", (long long)got);
	snprintf(want, sizeof(want), "%.*s", (int)(len - k < 31 ? len - k : 31),
		 s + k);
	if (n < 1 || strcmp(shown + (shown[0] == '-'), want))
		abort();
}

static void check_date(const char *cell, int64_t got)
{
	struct tm tm;
	char s[11];

	memcpy(s, cell, 10); /* an accepted default date has 10 bytes */
	s[10] = '\0';
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	if (timegm(&tm) / 86400 != got || tm.tm_mday != atoi(s + 8))
		abort();
}

static void check_cell(const char *s, size_t len)
{
	struct mlg_value v, w;
	const char *note;
	size_t k;

	for (k = 0; k < schema.nfields; k++) {
		enum mlg_cell st = mlg_field_check(ctx, k, s, len, &v, &note);

		if (!note || (st >= MLG_CELL_TYPE_ERROR && !*note))
			abort();
		scan_oracle(ctx, k, s, len, st, &v);
		if (st != MLG_CELL_OK)
			continue;
		if (mlg_field_cast(&w, &schema.fields[k], s, len) ||
		    mlg_value_hash(&v, 1) != mlg_value_hash(&w, 1) ||
		    !mlg_value_equal(&v, &w))
			abort();
		if (k == 0)
			check_integer(s, len, v.i);
		else if (k == 1)
			check_number(s, len, v.num);
		else if (k == 2)
			check_date(s, v.i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;

	if (!ctx)
		setup();
	check_cell(s, size);
	while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
		check_cell(s, (size_t)(nl - s));
		s = nl + 1;
	}
	if (s != (const char *)data)
		check_cell(s, (size_t)(end - s));
	return 0;
}
