/*
 * fuzz_drift.c - drift of one table against another, as --reference
 *
 * The input is a byte of options, then two CSV tables, the reference and
 * the current data, cut at the first NUL byte; without one, both are the
 * same text. Each is profiled by mlg_profile_read() from a file, as
 * data-validate reads it; a table the reader refuses ends the run. The
 * options:
 *   bit 0  chunks of 2 rows, so that the profiles are merges of chunks
 *   bit 1  two threads
 *   bit 2  both tables cast by the schema inferred from the reference
 *          (with constraints under bit 3), as validation's profile is
 *   bit 4  the reference written and read back, as a saved profile
 * The drift of the current data against the reference, and of the
 * reference against the current data (mlg_driftcheck_report()), must not
 * fail. Every value of a check is finite; PSI, Wasserstein, the share of
 * drifted columns and the p-values, L-infinity and JS divergence are in
 * their ranges. The report emits as text, JSON that parses back, JUnit,
 * Markdown and GitHub annotations. When both tables are the same text,
 * repeated column names included, nothing may drift: the run passes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/driftcheck.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	SMALL_CHUNKS = 1,
	THREADS = 2,
	SCHEMA = 4,
	CONSTRAINTS = 8,
	SAVED = 16,
};

/* Profile `text` into `out`; 0, or the reader's error (`out` empty). */
static int profile(struct mlg_profile *out, const char *text, size_t len,
		   const struct mlg_profile_opts *o)
{
	int rc = mlg_profile_read(out,
				  fuzz_scratch_write("data.csv", text, len), o);

	mlg_error_clear();
	return rc;
}

/* Write `p` as the tool does and load it back into `out`: it must. */
static void saved(struct mlg_profile *out, const struct mlg_profile *p)
{
	struct mlg_buf text = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	json_t *j = mlg_profile_to_json(p);

	if (!j || mlg_json_dump(&text, j, 2) ||
	    mlg_json_parse(&doc, "ref.json", text.ptr, text.len) ||
	    mlg_profile_from_json(out, &doc))
		abort();
	mlg_json_doc_release(&doc);
	json_decref(j);
	mlg_buf_release(&text);
}

/* The statistic a drift check's id ends in, "#N" aside, or "". */
static const char *stat_of(const char *id, char out[16])
{
	const char *colon = strrchr(id, ':'), *hash;
	size_t n;

	out[0] = 0;
	if (strncmp(id, "drift:", 6) || !colon)
		return out;
	hash = strchr(colon, '#');
	n = hash ? (size_t)(hash - colon - 1) : strlen(colon + 1);
	if (n < 16) {
		memcpy(out, colon + 1, n);
		out[n] = 0;
	}
	return out;
}

static int in(double x, double lo, double hi)
{
	return x >= lo && x <= hi;
}

/* Values in range; the run passes when `same` (no drift possible). */
static void check_values(const struct mlg_report *r, int same)
{
	size_t i;
	char buf[16];

	for (i = 0; i < r->nchecks; i++) {
		const struct mlg_check *c = r->checks[i];
		const char *s = stat_of(c->id, buf);
		double v = c->value;

		if (same && c->status != MLG_STATUS_PASS &&
		    c->status != MLG_STATUS_SKIP)
			abort();
		if (!c->has_value)
			continue;
		if (!isfinite(v))
			abort();
		if ((!strcmp(s, "ks") || !strcmp(s, "chisq") ||
		     !strcmp(s, "linf") || !strcmp(s, "js") ||
		     !strcmp(c->id, "drift:share")) &&
		    !in(v, 0, 1))
			abort();
		if ((!strcmp(s, "psi") || !strcmp(s, "wasserstein")) && v < 0)
			abort();
	}
}

static void check_drift(const struct mlg_profile *ref,
			const struct mlg_profile *cur, int same)
{
	int (*const emit[])(struct mlg_buf *, const struct mlg_report *) = {
		mlg_emit_junit, mlg_emit_markdown, mlg_emit_github};
	struct mlg_buf out = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	struct mlg_report r;
	size_t i;

	mlg_report_init(&r, "data-validate", "fuzz");
	mlg_profile_report(cur, &r, "data.csv");
	if (mlg_driftcheck_report(&r, ref, cur, NULL))
		abort();
	check_values(&r, same);
	mlg_report_finish(&r);
	if (mlg_emit_text(&out, &r, MLG_EMIT_VERBOSE))
		abort();
	mlg_buf_reset(&out);
	if (mlg_emit_json(&out, &r) ||
	    mlg_json_parse(&doc, "report.json", out.ptr, out.len))
		abort();
	mlg_json_doc_release(&doc);
	for (i = 0; i < sizeof(emit) / sizeof(*emit); i++)
		if (emit[i](&out, &r))
			abort();
	mlg_buf_release(&out);
	mlg_report_release(&r);
}

/* The schema inferred from `p`, into `s` (borrowing `doc`): it must
 * parse. */
static void infer(struct mlg_schema *s, struct mlg_json_doc *doc,
		  const struct mlg_profile *p, int constraints)
{
	struct mlg_buf text = MLG_BUF_INIT;
	json_t *j = mlg_profile_infer(p, constraints);

	if (!j || mlg_json_dump(&text, j, 0) ||
	    mlg_json_parse(doc, "schema.json", text.ptr, text.len) ||
	    mlg_schema_parse(s, doc))
		abort();
	json_decref(j);
	mlg_buf_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1, *nul;
	struct mlg_profile_opts o = {0};
	struct mlg_profile ref, cur, loaded;
	struct mlg_json_doc doc;
	struct mlg_schema s;
	size_t len, rlen, clen;
	const char *ctext;
	unsigned flags;
	int typed;

	if (!size)
		return 0;
	flags = data[0];
	len = size - 1;
	nul = memchr(text, 0, len);
	rlen = nul ? (size_t)(nul - text) : len;
	ctext = nul ? nul + 1 : text;
	clen = nul ? len - rlen - 1 : len;
	mlg_csv_dialect_init(&o.dialect);
	o.chunk_rows = flags & SMALL_CHUNKS ? 2 : 0;
	o.threads = flags & THREADS ? 2 : 1;
	if (profile(&ref, text, rlen, &o))
		return 0;
	typed = flags & SCHEMA && ref.ncols;
	if (typed) {
		infer(&s, &doc, &ref, flags & CONSTRAINTS);
		mlg_profile_release(&ref);
		o.schema = &s;
		if (profile(&ref, text, rlen, &o))
			abort(); /* its own schema */
	}
	if (!profile(&cur, ctext, clen, &o)) {
		if (flags & SAVED) {
			saved(&loaded, &ref);
			mlg_profile_release(&ref);
			ref = loaded;
		}
		check_drift(&ref, &cur, !nul);
		check_drift(&cur, &ref, 0);
		mlg_profile_release(&cur);
	}
	mlg_profile_release(&ref);
	if (typed) {
		mlg_schema_release(&s);
		mlg_json_doc_release(&doc);
	}
	return 0;
}
