/*
 * driftcheck.h - drift of current data against a reference, as checks
 *
 * The orchestration behind `data-validate --reference REF DATA`: load the
 * reference (a saved profile or a dataset to profile), compare it column
 * by column with the profile of the current data (made in the pass that
 * reads DATA, or a saved profile such as the merge of shard profiles)
 * using drift.h, and add the results to a report:
 *
 *   numeric columns (integer, number, year, date, datetime, time, declared
 *   or inferred; dates as days, datetimes and times as seconds, profile.h):
 *   PSI over 10 quantile bins of the reference, the KS
 *   p-value (D in the message), the normalised Wasserstein distance;
 *   categorical columns (string, boolean) with no more distinct values
 *   than the frequent-value summary holds (MLG_PROFILE_TOPK_CAP, so the
 *   counts are exact): the chi-square p-value, L-infinity and JS
 *   divergence.
 *
 * Checks (ids are made unique by the report):
 *   drift:<column>:<stat>	pass, warn or fail against the limits; value
 *				is the score (p-value for ks and chisq, the
 *				normalised distance for wasserstein); stat is
 *				mlg_drift_method_name(). Every column compared
 *				(any type, also one skipped below for its
 *				distribution) gets "missing": the share of
 *				its cells missing, rows less values over rows,
 *				against the reference's (drift.h); its
 *				distribution cell shows both, "2% → 30%"
 *   drift:<column>		skip: nothing to compare (no values in the
 *				reference, a numeric type of another kind or
 *				scale, or too many distinct values)
 *   drift:<column>:values	fail: values in the reference, none in the
 *				current data (every cell missing), or finite
 *				numbers in the reference and none now (NaN,
 *				infinities, invalid cells): the column
 *				counts as drifted
 *   drift:<column>:categories	warn: new or vanished categories, named
 *   drift:schema:<column>	fail: column missing, added, or type changed
 *				(a type inferred from no values, all cells
 *				missing, is no type: it does not change)
 *   drift:rows			pass: the row counts, for the record
 *   drift:share		fail when the share of columns with a failed
 *				statistic reaches the limit (0.5)
 * and one table "drift" with the columns column, statistic, value,
 * threshold, verdict, distribution: one row per statistic, per schema
 * change (statistic "schema", value "missing", "new" or "<type>, was
 * <type>") and per column with new or vanished categories (statistic
 * "categories", value their number), then the rows and share. Columns
 * are matched by name; a name the header repeats, occurrence by
 * occurrence (the second "a" of one side with the second of the other).
 * Numeric columns are compared when both types are integer, number or
 * year, or both the same temporal type: dates in days against datetimes
 * in seconds would mean nothing. The distribution cell of a numeric column's psi row shows
 * the reference and the current data as two sparklines over the same
 * MLG_PROFILE_SPARK_BINS equal-width bins from the lower minimum to the
 * higher maximum of the two sides, drawn to one scale, "▁▃█▅▂▁▁▁▁▁ →
 * ▁▁▁▂▅█▃▁▁▁" (profile.h: mlg_profile_bin_shares(),
 * mlg_profile_sparkline(); one bar each when all values are equal).
 *
 * Both sides are profiles, so a saved profile as the current side (the
 * merge of shard profiles: `profile --shard K/N`, `merge`) gives the same
 * checks as the whole file read in one pass, where the statistics are
 * exact: rows, counts, nulls, means and types (merge tolerance of
 * stats.h), category frequencies and so chisq, linf and js (computed only
 * while the summaries hold every value, so exact), and psi, ks and
 * wasserstein while every KLL sketch holds every value (at most k = 200
 * values a column: the quantiles of the reference and the current shares
 * are then exact). Beyond that a merged sketch and a one-pass sketch flip
 * different coins, each within the KLL rank error of sketch.h (1.33% of
 * n), and the sketch bounds of drift.h apply to each side. KS is then
 * judged on a lower bound of the exact D (drift.h: D - (eps_ref +
 * eps_cur)), so sketch error never raises an alarm, at the cost of
 * missing a drift smaller than the bound; the message shows "D 0.0146
 * +/- 0.0266 (sketch)". PSI and Wasserstein are judged on their
 * estimates, within 0.02 and 0.01 of exact (drift.h;
 * tests/cli/data-validate/drift-merged-sketch shows both sides).
 *
 * The drift config (JSON) overrides limits; every member is optional:
 *
 *   {"share": 0.5,
 *    "default": {"psi": {"warn": 0.1, "fail": 0.25}},
 *    "columns": {"age": {"ks_p": {"fail": 0.01}}}}
 *
 * Statistic keys: "psi", "ks_p", "wasserstein", "chisq_p", "linf", "js",
 * "missing" (the _p ones are p-values: drift at or below the limit; the
 * others at or above). A column's limits start from "default", which starts from
 * mlg_drift_limits_default(); a limit object may give warn, fail or both.
 * Columns named in the config but absent from the data are ignored (one
 * config serves several tables). Errors are MLG_EINVALID, located
 * (json.h): "unknown property '<key>'", "expected a number, found
 * <type>", "limit must be a finite number from 0 to 1e6, got <x>" (p-value
 * and missing limits: 0 to 1), "'warn' must be at or below 'fail'" (at or above for
 * p-values), "share must be above 0 and at most 1, got <x>".
 *
 * No global state; the structures are not shared between threads.
 */
#ifndef MLGATE_DRIFTCHECK_H
#define MLGATE_DRIFTCHECK_H

#include <stddef.h>

#include "mlgate/drift.h"
#include "mlgate/profile.h"
#include "mlgate/report.h"

#define MLG_DRIFTCHECK_NSTATS 7 /* indexed by enum mlg_drift_method */

struct mlg_driftcheck_col {
	char *name;
	struct mlg_drift_limits lim[MLG_DRIFTCHECK_NSTATS];
};

struct mlg_driftcheck_config {
	double share; /* of drifted columns; MLG_DRIFT_SHARE_DEFAULT */
	struct mlg_drift_limits lim[MLG_DRIFTCHECK_NSTATS]; /* default */
	struct mlg_driftcheck_col *cols;
	size_t ncols;
};

/* The defaults of drift.h. */
void mlg_driftcheck_config_init(struct mlg_driftcheck_config *c);
/* Free the contents; a zeroed config is safe. */
void mlg_driftcheck_config_release(struct mlg_driftcheck_config *c);
/*
 * Parse a drift config from `doc` into `out` (initialised here; empty on
 * failure). Errors above. O(size of the document).
 */
int mlg_driftcheck_config_parse(struct mlg_driftcheck_config *out,
				const struct mlg_json_doc *doc);
/* The limits of `column` for `method`, borrowed from `c`. */
const struct mlg_drift_limits *
mlg_driftcheck_limits(const struct mlg_driftcheck_config *c, const char *column,
		      enum mlg_drift_method method);

/*
 * The profile of the reference `src` into `out` (new; release it): a
 * saved profile is loaded (mlg_profile_open(), which opens it once, with
 * o->jsonl: JSON that is no profile gets "not a saved profile" unless it
 * is read as JSON Lines); anything else (and "-") is a dataset profiled
 * by mlg_profile_read() with `o` (with o->schema when set). A source
 * that cannot be read gets that error, and is not opened again. JSON
 * Lines without o->schema are MLG_EINVALID "'<src>' is JSON Lines, which
 * needs a schema: save its profile with --schema FILE --profile FILE and
 * give that", once they open: a missing file is MLG_ENOTFOUND "cannot
 * open '<src>': ..." first, as for any other reference.
 */
int mlg_driftcheck_reference(struct mlg_profile *out, const char *src,
			     const struct mlg_profile_opts *o);

/*
 * Compare `cur` with `ref` and add the checks and the table above to
 * `r`. `cfg` may be NULL for the defaults. Both profiles are borrowed.
 * Returns 0; the drift statistics cannot fail on the inputs given to
 * them (empty sides are skipped), so a negative code is a bug, reported
 * with the drift module's message. O(columns x (k log k + topk cap)).
 */
int mlg_driftcheck_report(struct mlg_report *r, const struct mlg_profile *ref,
			  const struct mlg_profile *cur,
			  const struct mlg_driftcheck_config *cfg);

/*
 * What data-validate calls: load the drift config `config_path` (JSON or
 * YAML, mlg_config_load(); may be NULL) and the reference `ref_src` into
 * `out`, before the data is read, so that a bad config fails early.
 * Errors are prefixed "cannot use drift config" or "cannot use
 * reference"; a missing reference is MLG_EIO (exit 3), a bad config or a
 * reference dataset too broken to profile (empty, an unterminated quote:
 * MLG_EDATA when it is the data) MLG_EINVALID (exit 2), and so is a
 * reference of no rows ("'<ref>' has no rows: there is nothing to
 * compare with"), against which every column would be skipped.
 */
struct mlg_driftcheck {
	struct mlg_driftcheck_config cfg;
	struct mlg_profile ref;
};
int mlg_driftcheck_prepare(struct mlg_driftcheck *out, const char *ref_src,
			   const char *config_path,
			   const struct mlg_profile_opts *o);
void mlg_driftcheck_release(struct mlg_driftcheck *d);

#endif
