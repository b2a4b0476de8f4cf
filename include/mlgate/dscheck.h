/*
 * dscheck.h - dataset checks beyond the schema (data-validate --checks)
 *
 * A gate config lists rules in the core's threshold syntax over dataset
 * metrics, computed in the same pass that validates the data:
 *
 *	{"checks": [
 *	  "row_count between 1000 and 5000000",
 *	  "null_fraction(age) <= 0.01",
 *	  "distinct_count(country) between 2 and 50",
 *	  "mean(income) between 30000 and 90000",
 *	  "quantile(income, 0.99) <= 250000",
 *	  {"rule": "in_set_fraction(country) >= 0.99", "values": ["US", "FR"]},
 *	  {"rule": "set_coverage(country) >= 1", "values": ["US", "FR"]},
 *	  "label_share(churned=true) between 0.1 and 0.5",
 *	  "duplicate_rows <= 0",
 *	  {"rule": "key_overlap(customer_id) <= 0", "with": "test.csv"},
 *	  "freshness_days(signup_date) <= 2"
 *	]}
 *
 * Metrics (columns are schema fields; values are counted on cast values
 * unless said otherwise):
 *   row_count                 data rows
 *   null_count(c), null_fraction(c)   missing values / rows
 *   min(c) max(c) mean(c) stddev(c) sum(c)   numeric and temporal fields
 *                             (dates in days, times and datetimes in
 *                             seconds since the epoch); stddev is the
 *                             sample standard deviation
 *   quantile(c, q)            KLL sketch, rank error about 1.65% at k=200;
 *                             q follows the last comma
 *   distinct_count(c)         HyperLogLog, about 0.8% standard error
 *   in_set_fraction(c)        share of non-missing cells whose text is in
 *                             "values"
 *   set_coverage(c)           share of "values" that occur at least once
 *   label_share(c=v)          share of rows whose cell text is v (blanks
 *                             around '=' ignored)
 *   duplicate_rows            rows whose raw bytes repeat an earlier row
 *                             (64-bit fingerprints)
 *   key_overlap(c)            rows whose cell text for c also occurs in
 *                             column c of the "with" file (train/test
 *                             leakage); fingerprints, as duplicate_rows
 *   freshness_days(c)         days from the newest date or datetime in c
 *                             to now (--now)
 * A metric that cannot be computed (mean of an empty column) fails its
 * rule with a message saying so.
 */
#ifndef MLGATE_DSCHECK_H
#define MLGATE_DSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/csv.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"

struct mlg_dscheck;
struct mlg_dsacc;

/* Load and check the config against the schema; located errors, exit 2. */
int mlg_dscheck_load(struct mlg_dscheck **out, const char *path,
		     const struct mlg_schema *s);
void mlg_dscheck_free(struct mlg_dscheck *c);

/* 1 when the workers must feed this field's cells, or whole rows. */
int mlg_dscheck_tracks(const struct mlg_dscheck *c, size_t field);
int mlg_dscheck_wants_rows(const struct mlg_dscheck *c);

/*
 * Read the "with" files of key_overlap rules (CSV with a header, the
 * dialect given), before the pass over the data. 0 or a negative code
 * (I/O: exit 3; a missing column: MLG_EINVALID).
 */
int mlg_dscheck_prepare(struct mlg_dscheck *c, const struct mlg_csv_dialect *d,
			size_t memory);

/* A per-chunk accumulator; new and reset give an empty one. */
struct mlg_dsacc *mlg_dsacc_new(const struct mlg_dscheck *c);
void mlg_dsacc_reset(struct mlg_dsacc *a);
void mlg_dsacc_free(struct mlg_dsacc *a);

/* One cell of a tracked field: its status, cast value and raw text. */
void mlg_dsacc_cell(struct mlg_dsacc *a, size_t field, enum mlg_cell st,
		    const struct mlg_value *v, const char *raw, size_t len);
/* One data row, its raw bytes without the line ending. */
void mlg_dsacc_row(struct mlg_dsacc *a, const char *raw, size_t len);

/*
 * Fold `part` (the next chunk, in input order) into `total`; `part` is
 * left reset. MLG_ELIMIT when the fingerprint sets outgrow `memory`.
 */
int mlg_dsacc_merge(struct mlg_dsacc *total, struct mlg_dsacc *part,
		    size_t memory);

/* Expect the row fingerprints of `total` to grow `scale` times over
 * (mlg_fpset_expect_scaled()): the data is about 1/scale read. */
void mlg_dsacc_expect(struct mlg_dsacc *total, double scale);

/* Evaluate every rule on `total` and add one check per rule, ids
 * prefixed by `label` ("train.csv:null_fraction(age)"). `now` in
 * seconds since the epoch, for freshness. */
void mlg_dscheck_report(const struct mlg_dscheck *c,
			const struct mlg_dsacc *total, struct mlg_report *r,
			const char *label, double now);

#endif
