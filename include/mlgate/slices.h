/*
 * slices.h - metrics per slice of a predictions file, held to rules
 *
 * A slice spec names one key column ("country") or a cross of several
 * ("country,age_band"); it yields one slice per combination of values
 * present in the file, named "country=US,age_band=30-40" in the order of
 * the spec. A run collects its specs (from --slice, and from the
 * selectors of threshold rules such as 'f1[country=US] >= 0.8'), reads
 * the predictions with their key columns, computes the metrics of every
 * slice, then checks its rules:
 *
 *	struct mlg_slices s = MLG_SLICES_INIT;
 *
 *	s.min_size = 20;
 *	mlg_slices_add_spec(&s, "country", 1);
 *	opts.slices = s.cols;
 *	opts.nslices = s.ncols;
 *	mlg_predfile_read(&pf, src, &opts);
 *	mlg_predfile_metrics(&all, NULL, &pf, NULL, 0, &mo);
 *	mlg_slices_compute(&s, &pf, &mo);
 *	mlg_slices_check_rule(r, &s, &pf, &all, &rule);
 *	mlg_slices_check_gap(r, &s, &all, &gap_rule);
 *	mlg_slices_write_metrics("metrics.json", &s, &all, NULL);
 *	mlg_slices_release(&s);
 *
 * The check messages name model-test's options (--min-slice-size,
 * --proba), as the golden output of that tool pins them.
 */
#ifndef MLGATE_SLICES_H
#define MLGATE_SLICES_H

#include <stddef.h>

#include "mlgate/metrics_ml.h"

struct mlg_predfile;
struct json_t;
struct mlg_report;
struct mlg_threshold;

/* The metrics of one slice. */
struct mlg_slice_metrics {
	char *name;  /* "country=US,age=30", columns in the order of the spec */
	char *canon; /* mlg_slice_canon(name): to look selectors up */
	size_t n;    /* rows */
	int gap;     /* its spec was added with gap = 1 */
	struct mlg_metrics m;
};

struct mlg_slices {
	size_t min_size; /* slices with fewer rows are skipped by checks */

	/* every key column of every spec, once, in order of first use:
	 * what mlg_predfile_opts.slices must be (owned strings) */
	const char **cols;
	size_t ncols;
	/* the specs, normalised ("a,b": trimmed, values dropped) */
	char **specs;
	int *gap; /* per spec */
	size_t nspecs;
	/* after mlg_slices_compute(): spec by spec, each sorted by name */
	struct mlg_slice_metrics *sl;
	size_t n;

	/* private */
	size_t acols, aspecs, agap, asl;
};

#define MLG_SLICES_INIT                                                        \
	{                                                                      \
		0                                                              \
	}

/*
 * Add a spec: "country", "country,age_band". Spaces around the column
 * names are dropped, and so is anything from '=' on, so a selector such
 * as "country=US" adds the spec "country". A spec already present in any
 * order ("b,a" for "a,b") is not added again; `gap` (1: its slices are
 * held to slice-gap rules) is then or-ed into the first one. Returns 0,
 * or MLG_EINVALID "empty slice '<spec>'" when no column is named.
 */
int mlg_slices_add_spec(struct mlg_slices *s, const char *spec, int gap);

/*
 * Compute the slices of every spec over `pf`, which must have been read
 * with opts.slices = s->cols and opts.nslices = s->ncols (only the first
 * 64 columns of a spec are used). Appends to s->sl. Returns 0, or the
 * error of mlg_predfile_slices() (MLG_ELIMIT) or mlg_predfile_metrics();
 * the slices computed so far are kept, to be released. O(specs * rows).
 */
int mlg_slices_compute(struct mlg_slices *s, struct mlg_predfile *pf,
		       const struct mlg_metric_opts *opts);

/*
 * The slice whose canonical name is that of selector `sel`
 * ("country = US"), borrowed from `s`, or NULL. O(slices).
 */
struct mlg_slice_metrics *mlg_slices_find(const struct mlg_slices *s,
					  const char *sel);

/*
 * Add the table "slices" to `r`: every slice of a spec added with gap = 1
 * (asked for with --slice), in the order of mlg_slices_compute(), with
 * its rows and a few metrics of `task` (accuracy, f1, roc_auc; rmse, mae,
 * r2 for regression) that `all` has; a slice smaller than s->min_size
 * shows its rows only, and "skipped". Nothing when no such slice exists.
 */
void mlg_slices_report(struct mlg_report *r, const struct mlg_slices *s,
		       const struct mlg_metrics *all, int regression);

/*
 * Add the check of threshold rule `t` to `r`, id "metric" or
 * "metric[selector]": on `all` (the metrics of the whole file), or on the
 * slice its selector names. The metric "count" is the number of rows. A
 * missing slice, a rule with an argument or a metric the task does not
 * compute fails with a message; a slice smaller than s->min_size is
 * skipped; an undefined metric is an error.
 */
void mlg_slices_check_rule(struct mlg_report *r, const struct mlg_slices *s,
			   const struct mlg_predfile *pf,
			   const struct mlg_metrics *all,
			   const struct mlg_threshold *t);

/*
 * Parse the slice-gap rule `text` into `t`: a threshold naming a metric
 * that mlg_metric_higher_is_better() knows, with no argument nor
 * selector. Returns 0, or the threshold's parse error, or MLG_EINVALID
 * "expected a metric name such as 'f1 <= 0.05'" (`t` then released).
 */
int mlg_slices_parse_gap(struct mlg_threshold *t, const char *text);

/*
 * Check slice-gap rule `t` ("f1 <= 0.05": how much worse than `all` a
 * slice may be, by the direction of mlg_metric_higher_is_better(); as
 * mlg_slices_parse_gap() accepts) on every slice whose spec was added with gap = 1. Adds to
 * `r` one check "slice-gap:metric[slice]" per slice (skipped below
 * s->min_size, an error where the metric is undefined), then a table
 * "worst-slices" of the others, worst first: undefined ones, then by
 * decreasing gap, then by name. When the overall metric is missing or
 * undefined, one check named after the rule fails or errs instead.
 * O(slices log slices).
 */
void mlg_slices_check_gap(struct mlg_report *r, const struct mlg_slices *s,
			  const struct mlg_metrics *all,
			  const struct mlg_threshold *t);

/*
 * Write the flat metrics file (DVC style) atomically to `path`: the
 * metrics of `all` under their names, those of each slice under
 * "slice/<name>/<metric>", then the members of `extra` (a JSON object,
 * borrowed, or NULL: behaviour failure rates, latency), as JSON indented
 * by 2 with a final newline. Returns 0, or the error of mlg_json_dump()
 * or mlg_file_write().
 */
int mlg_slices_write_metrics(const char *path, const struct mlg_slices *s,
			     const struct mlg_metrics *all,
			     const struct json_t *extra);

/* Free the contents of `s`; it is then as MLG_SLICES_INIT. */
void mlg_slices_release(struct mlg_slices *s);

#endif
