/*
 * fuzz_profile.c - read arbitrary bytes as a saved profile, as `merge`
 * and `--reference` do
 *
 * The input is parsed as the JSON file "fuzz.json" and read as a profile
 * (mlg_profile_from_json()), and read again as mlg_profile_load() reads
 * a file (mlg_profile_parse_buf(), a column at a time), which must give
 * the same code, message and profile (written, the same bytes). Besides
 * not crashing or leaking, every refusal must say where: a syntax error
 * names the file then line:column (or says the text is empty), a refused
 * profile the file, line:column, then the JSON pointer of a value the
 * document holds ("/" the root; a message cut at its 1023 bytes may end
 * inside the pointer). abort() otherwise. A profile that loads:
 *  - is written (mlg_profile_write(), as the tool writes it, which must
 *    give the bytes of mlg_json_dump() of mlg_profile_to_json() with
 *    indent 2 and a newline) and must read back with the same names,
 *    declared types and sources, and the same exact members: rows,
 *    long rows, count, nulls, invalid, not UTF-8, candidates, tokens, the minima and maxima of
 *    integers, dates, datetimes, numbers and lengths, moment and lengths
 *    counts, KLL and top-k n, HLL registers; written again it is the
 *    same bytes;
 *  - is added to a report (mlg_profile_report()) with the drift of that
 *    copy against it (mlg_driftcheck_report(), as --reference): the
 *    run must pass, no check warning or failing, since both sides are
 *    the same data (repeated column names match occurrence by
 *    occurrence); the report is emitted as text and JSON;
 *  - has a schema inferred (mlg_profile_infer()) without and with
 *    constraints; the one with constraints must parse as a Table Schema
 *    (mlg_schema_parse());
 *  - is merged with the copy (mlg_profile_merge()). A profile that holds
 *    part of a sharded run ("shards") holds its shards twice: the merge
 *    must be refused with "cannot merge profiles: ... both hold shard"
 *    and the profile unchanged byte for byte. Else, when every count and
 *    the lengths' sum are at most 2^60 and their sum of squares below
 *    2^125, the merge must succeed; else it may be refused, with
 *    MLG_EINVALID "cannot merge profiles: ..." and the profile unchanged
 *    byte for byte. A merge that succeeds doubles rows, sources and the
 *    counts above, keeps the minima, maxima and HLL registers, and what
 *    it writes must read back;
 *  - is then merged with the copy given another type for its first
 *    declared column, and with the copy whose first column is renamed:
 *    both are refused with MLG_EINVALID "cannot merge profiles: ..." and
 *    leave the merged profile as it was (sources and the exact members
 *    above still twice the copy's).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/driftcheck.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"
#include "mlgate/util.h"
#include "position.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts at or below this may double, in a sum of three, within int64. */
#define SMALL ((uint64_t)1 << 60)

/*
 * "'<name>': LINE:COLUMN: ..." or "'<name>': empty JSON text"; with
 * `doc` (a profile refused), LINE:COLUMN is followed by the pointer of
 * a value of the document, then ": ". An unknown key is in the pointer
 * as it is, so the pointer may hold ": " too: one of the prefixes must
 * name a value. A long key fills the message, which mlg_error_set()
 * cuts (error.h): then the pointer may have no end.
 */
static void check_message(const char *name, const struct mlg_json_doc *doc)
{
	const char *p = fuzz_after_name(mlg_error_message(), name);
	unsigned long line, col;

	if (!doc && !strcmp(p, "empty JSON text"))
		return;
	p = fuzz_position(p, &line, &col);
	if (!doc)
		return;
	if (*p != ' ' || p[1] != '/')
		abort();
	if (!fuzz_names_value(doc, p + 1, 0, 0))
		abort();
}

static int put(void *ctx, const void *data, size_t len)
{
	return mlg_buf_add(ctx, data, len);
}

/* The profile as the tool writes it (mlg_profile_write()), into `out`
 * (reset): the dump of the whole tree, and a newline. */
static void write_text(struct mlg_buf *out, const struct mlg_profile *p)
{
	struct mlg_buf whole = MLG_BUF_INIT;
	json_t *j = mlg_profile_to_json(p);

	mlg_buf_reset(out);
	if (!j || mlg_json_dump(&whole, j, 2) || mlg_buf_addch(&whole, '\n') ||
	    mlg_profile_write(p, put, out) || out->len != whole.len ||
	    memcmp(out->ptr, whole.ptr, whole.len))
		abort();
	json_decref(j);
	mlg_buf_release(&whole);
}

/* Read `text` back as the profile `out`: it must load. */
static void read_back(struct mlg_profile *out, const char *name,
		      const struct mlg_buf *text)
{
	struct mlg_json_doc doc;

	if (mlg_json_parse(&doc, name, text->ptr, text->len) ||
	    mlg_profile_from_json(out, &doc))
		abort();
	mlg_json_doc_release(&doc);
}

static int same_names(const struct mlg_profile *a, const struct mlg_profile *b)
{
	size_t i;

	if (a->ncols != b->ncols || a->nsources != b->nsources)
		return 0;
	for (i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, b->cols[i].name) ||
		    a->cols[i].has_schema != b->cols[i].has_schema ||
		    a->cols[i].declared != b->cols[i].declared)
			return 0;
	for (i = 0; i < a->nsources; i++)
		if (strcmp(a->sources[i], b->sources[i]))
			return 0;
	return 1;
}

/*
 * The exact members of column `x` against `y` times `f` (1: a copy,
 * 2: merged with a copy). Counts add (uint64_t, as merge adds them);
 * minima, maxima and HLL registers stay.
 */
static void check_col(const struct mlg_profile_col *x,
		      const struct mlg_profile_col *y, uint64_t f)
{
	size_t k;

	if (x->count != f * y->count || x->nulls != f * y->nulls ||
	    x->invalid != f * y->invalid || x->not_utf8 != f * y->not_utf8 ||
	    x->ndates != f * y->ndates || x->ndatetimes != f * y->ndatetimes)
		abort();
	for (k = 0; k < MLG_CAND_COUNT; k++)
		if (x->cand[k] != f * y->cand[k])
			abort();
	for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
		if (x->tokens[k] != f * y->tokens[k])
			abort();
	if (y->cand[MLG_CAND_INTEGER] &&
	    (x->imin != y->imin || x->imax != y->imax))
		abort();
	if (y->ndates && (x->dmin != y->dmin || x->dmax != y->dmax))
		abort();
	if (y->ndatetimes && (x->tmin != y->tmin || x->tmax != y->tmax))
		abort();
	if (x->num.count != f * y->num.count ||
	    x->num.nulls != f * y->num.nulls ||
	    x->num.nonfinite != f * y->num.nonfinite ||
	    (y->num.count &&
	     (x->num.min != y->num.min || x->num.max != y->num.max)))
		abort();
	if (x->len.count != f * y->len.count ||
	    (y->len.count &&
	     (x->len.min != y->len.min || x->len.max != y->len.max)))
		abort();
	if (x->kll.n != f * y->kll.n || x->topk.n != f * y->topk.n ||
	    (y->kll.n &&
	     (x->kll.min != y->kll.min || x->kll.max != y->kll.max)))
		abort();
	if (memcmp(x->hll->reg, y->hll->reg, sizeof(x->hll->reg)))
		abort();
}

static void check_profile(const struct mlg_profile *x,
			  const struct mlg_profile *y, uint64_t f)
{
	size_t i;

	if (x->rows != f * y->rows || x->long_rows != f * y->long_rows)
		abort();
	for (i = 0; i < x->ncols; i++)
		check_col(&x->cols[i], &y->cols[i], f);
}

/*
 * Whether every count of `p` is at most SMALL, and the lengths' sum of
 * squares below 2^125: merged with a copy, it can be written and read
 * back (the lengths' M2 loads below 2^127), so no merge may refuse it.
 */
static int small_counts(const struct mlg_profile *p)
{
	uint64_t m = p->rows > p->long_rows ? p->rows : p->long_rows;
	size_t i, k;

	for (i = 0; i < p->ncols; i++) {
		const struct mlg_profile_col *c = &p->cols[i];
		uint64_t v[] = {c->count,     c->nulls,	    c->invalid,
				c->not_utf8,  c->ndates,    c->ndatetimes,
				c->num.count, c->num.nulls, c->num.nonfinite,
				c->len.count, c->len.sum,   c->kll.n,
				c->topk.n};

		if (c->len.sumsq >> 125)
			return 0;

		for (k = 0; k < sizeof(v) / sizeof(*v); k++)
			m = v[k] > m ? v[k] : m;
		for (k = 0; k < MLG_CAND_COUNT; k++)
			m = c->cand[k] > m ? c->cand[k] : m;
		for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
			m = c->tokens[k] > m ? c->tokens[k] : m;
	}
	return m <= SMALL;
}

/* The report of the profile and of its drift against its copy. */
static void check_report(const struct mlg_profile *p,
			 const struct mlg_profile *q)
{
	struct mlg_report r;
	struct mlg_buf out = MLG_BUF_INIT;
	enum mlg_status st;

	mlg_report_init(&r, "data-validate", "fuzz");
	mlg_profile_report(p, &r, "fuzz.json");
	if (mlg_driftcheck_report(&r, p, q, NULL))
		abort();
	st = mlg_report_status(&r);
	if (st != MLG_STATUS_PASS)
		abort();
	mlg_report_finish(&r);
	if (mlg_emit_text(&out, &r, MLG_EMIT_VERBOSE) ||
	    mlg_emit_json(&out, &r))
		abort();
	mlg_buf_release(&out);
	mlg_report_release(&r);
}

/* The schemas inferred; the one with constraints must parse. */
static void check_infer(const struct mlg_profile *p)
{
	struct mlg_buf text = MLG_BUF_INIT;
	struct mlg_json_doc doc;
	struct mlg_schema s;
	json_t *j = mlg_profile_infer(p, 0);

	json_decref(j);
	j = mlg_profile_infer(p, 1);
	if (mlg_json_dump(&text, j, 0) ||
	    mlg_json_parse(&doc, "infer.json", text.ptr, text.len) ||
	    mlg_schema_parse(&s, &doc))
		abort();
	mlg_schema_release(&s);
	mlg_json_doc_release(&doc);
	json_decref(j);
	mlg_buf_release(&text);
}

/* Merge `b`, a copy merged into `a` once, into `a` again: it must be
 * refused, and `a` still hold twice the copy. */
static void refused(struct mlg_profile *a, const struct mlg_profile *b)
{
	static const char want[] = "cannot merge profiles: ";

	if (mlg_profile_merge(a, b) != MLG_EINVALID ||
	    strncmp(mlg_error_message(), want, sizeof(want) - 1) ||
	    a->nsources != 2 * b->nsources)
		abort();
	check_profile(a, b, 2);
}

/*
 * Merge `p` (written as `was`) with its copy `q`. With small counts the
 * merge must succeed; with larger ones it may be refused, as long as it
 * says so and leaves `p` as it was: what it writes must read back.
 */
static void check_merge(struct mlg_profile *p, struct mlg_profile *q,
			const struct mlg_buf *was)
{
	static const char want[] = "cannot merge profiles: ";
	struct mlg_buf merged = MLG_BUF_INIT;
	struct mlg_profile m;
	size_t i;
	char *name;
	int rc = mlg_profile_merge(p, q);

	if (rc) {
		/* With small counts only the shards may refuse. */
		int shards =
			q->nparts && strstr(mlg_error_message(), "both hold");

		if (rc != MLG_EINVALID ||
		    strncmp(mlg_error_message(), want, sizeof(want) - 1) ||
		    (small_counts(q) && !shards))
			abort();
		write_text(&merged, p);
		if (merged.len != was->len ||
		    memcmp(merged.ptr, was->ptr, was->len))
			abort();
		mlg_buf_release(&merged);
		return;
	}
	if (q->nparts || p->nsources != 2 * q->nsources)
		abort();
	check_profile(p, q, 2);
	write_text(&merged, p);
	read_back(&m, "merged.json", &merged);
	mlg_profile_release(&m);
	/* A declared column of another type, then a column renamed. */
	for (i = 0; i < q->ncols && !q->cols[i].has_schema; i++)
		;
	if (i < q->ncols) {
		enum mlg_ftype t = q->cols[i].declared;

		q->cols[i].declared =
			t == MLG_T_STRING ? MLG_T_INTEGER : MLG_T_STRING;
		refused(p, q);
		q->cols[i].declared = t;
	}
	name = q->cols[0].name;
	q->cols[0].name = mlg_strfmt("%s~", name);
	refused(p, q);
	free(q->cols[0].name);
	q->cols[0].name = name;
	mlg_buf_release(&merged);
}

/* mlg_profile_parse_buf() of `data` must give what parsing it whole
 * then reading the tree gave: `rc` and the message now set, or `p`. */
static void check_loader(const uint8_t *data, size_t size, int rc,
			 const struct mlg_profile *p)
{
	struct mlg_buf b = MLG_BUF_INIT, t1 = MLG_BUF_INIT, t2 = MLG_BUF_INIT;
	char *msg = mlg_strdup(rc ? mlg_error_message() : "");
	struct mlg_profile q;
	int rc2;

	mlg_buf_add(&b, data, size);
	rc2 = mlg_profile_parse_buf(&q, "fuzz.json", &b);
	if (rc2 != rc || strcmp(rc2 ? mlg_error_message() : "", msg))
		abort();
	if (!rc) {
		write_text(&t1, p);
		write_text(&t2, &q);
		if (t1.len != t2.len || memcmp(t1.ptr, t2.ptr, t1.len))
			abort();
		mlg_profile_release(&q);
	}
	free(msg);
	mlg_buf_release(&b);
	mlg_buf_release(&t1);
	mlg_buf_release(&t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_json_doc doc;
	struct mlg_profile p, q;
	struct mlg_buf t1 = MLG_BUF_INIT, t2 = MLG_BUF_INIT;
	int rc;

	if ((rc = mlg_json_parse(&doc, "fuzz.json", (const char *)data,
				 size))) {
		check_message("fuzz.json", NULL);
		check_loader(data, size, rc, NULL);
		mlg_error_clear();
		return 0;
	}
	if ((rc = mlg_profile_from_json(&p, &doc))) {
		check_message("fuzz.json", &doc);
		check_loader(data, size, rc, NULL);
		/* left empty: releasing it again is harmless */
		mlg_profile_release(&p);
		mlg_json_doc_release(&doc);
		mlg_error_clear();
		return 0;
	}
	mlg_json_doc_release(&doc);
	check_loader(data, size, 0, &p);

	/* Written, read back, written again: the same bytes. */
	write_text(&t1, &p);
	read_back(&q, "copy.json", &t1);
	if (!same_names(&p, &q))
		abort();
	check_profile(&q, &p, 1);
	write_text(&t2, &q);
	if (t1.len != t2.len || memcmp(t1.ptr, t2.ptr, t1.len))
		abort();

	check_report(&p, &q);
	check_infer(&p);
	check_merge(&p, &q, &t1);

	mlg_profile_release(&p);
	mlg_profile_release(&q);
	mlg_buf_release(&t1);
	mlg_buf_release(&t2);
	mlg_error_clear();
	return 0;
}
