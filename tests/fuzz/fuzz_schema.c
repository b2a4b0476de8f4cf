/*
 * fuzz_schema.c - read arbitrary bytes as a Table Schema and a dialect
 *
 * The input is parsed as a config is (JSON, else YAML: yaml.h), then as a
 * schema and as a CSV dialect.
 * Besides not crashing or leaking, every refusal must say where:
 * the error message names the file, then line:column (abort()
 * otherwise). A schema that loads is compiled for casts, and a few
 * cells of each field are checked, by the full check and by the column
 * scan, which must agree (scan_oracle.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/schema.h"
#include "mlgate/yaml.h"
#include "position.h"
#include "scan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cells[] = {
	"",	    "1",    "-0",	  "1.5",      "NaN",
	"true",	    "no",   "2020-02-29", "12:00:00", "2020-01-01T00:00:00Z",
	"P1D",	    "2024", "2024-06",	  "a",	      "NA",
	"\xc3\xa9", "[1]",  "{\"a\": 1}", "x@y.z",
};

/* "'fuzz.json': LINE:COLUMN: ...", or that the text is empty */
static void check_message(void)
{
	const char *m = mlg_error_message(), *p;
	static const char want[] = "'fuzz.json': ";
	unsigned long line, col;

	if (strncmp(m, want, sizeof(want) - 1))
		abort();
	p = m + sizeof(want) - 1;
	if (!strcmp(p, "empty JSON text") || !strcmp(p, "empty YAML document"))
		return;
	fuzz_position(p, &line, &col);
}

static void check_cells(struct mlg_cast_ctx *ctx, const struct mlg_schema *s)
{
	struct mlg_value v;
	enum mlg_cell st;
	size_t k, i, len;

	for (k = 0; k < s->nfields; k++)
		for (i = 0; i < sizeof(cells) / sizeof(*cells); i++) {
			len = strlen(cells[i]);
			st = mlg_field_check(ctx, k, cells[i], len, &v, NULL);
			scan_oracle(ctx, k, cells[i], len, st, &v);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_json_doc doc;
	struct mlg_schema s;
	struct mlg_csv_dialect d;
	struct mlg_cast_ctx *ctx;

	if (mlg_config_parse(&doc, "fuzz.json", (const char *)data, size)) {
		check_message();
		return 0;
	}
	if (mlg_schema_parse(&s, &doc)) {
		check_message();
	} else {
		if (mlg_cast_ctx_init(&ctx, &s))
			abort();
		check_cells(ctx, &s);
		mlg_cast_ctx_free(ctx);
		mlg_schema_release(&s);
	}
	if (mlg_dialect_parse(&d, &doc))
		check_message();
	mlg_json_doc_release(&doc);
	return 0;
}
