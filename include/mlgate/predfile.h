/*
 * predfile.h - read a predictions file into columns for metrics_ml.h
 *
 * A predictions file is CSV (with a header) or JSON Lines, plain or
 * compressed, from a path, "-" or a URL (stream.h). One row per example:
 *
 *	y,yhat,p_0,p_1,p_2,country,age_band,w
 *
 * The options name the label column, the predicted column and/or a glob
 * over the probability columns (fnmatch(3), "p_*"), an optional weight
 * column and the columns kept as slice keys; other columns are ignored.
 *
 * Classes are the labels seen in the label and predicted columns, plus the
 * class names of the probability columns when there are two or more (the
 * text the glob's '*' matched: "p_*" on "p_cat" is class "cat"). They are
 * sorted as numbers when they all are numbers, else as bytes; with one
 * probability column the task is binary and the column is P(greater
 * label). When labels are 0 and 1 only, both classes always exist.
 *
 * Task detection (unless forced): two or more probability columns: binary
 * for 2, multiclass beyond; one: binary; else non-numeric labels are
 * classes (binary for 2), numeric labels are binary when they are only 0
 * and 1, multiclass when they are whole numbers with at most 20 distinct
 * values, otherwise regression.
 *
 * Bad rows are counted, not fatal: an empty, NaN or non-numeric label
 * (regression), prediction, probability or weight, an infinite label or
 * prediction (regression, or a task to detect) or weight, a probability
 * outside [0, 1] and a weight below 0 or above MLG_PREDFILE_WEIGHT_MAX
 * make the row invalid; it is left out of the metrics and the first
 * MLG_PREDFILE_LIST_BAD are kept with their line.
 * Rows whose probabilities (two or more columns) do not sum to 1 within
 * 1e-6 are kept and counted.
 *
 * Memory: about 8 bytes per column per row (4 for class ids); nothing is
 * allocated per row beyond amortised array growth.
 *
 * Threads: a CSV file is cut into chunks of whole records (csv.h) that
 * worker threads parse, one per online CPU (at most 16), while the
 * calling thread reads ahead and appends the chunks' rows in file order;
 * classes and slice key values are interned per chunk and remapped. The
 * result is the one of a single pass: same rows, ids, first-appearance
 * order of key values, bad-row list and line numbers, and errors. JSON
 * Lines are read by the calling thread alone.
 */
#ifndef MLGATE_PREDFILE_H
#define MLGATE_PREDFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/metrics_ml.h"

struct mlg_predfile_opts {
	const char *label;  /* required */
	const char *pred;   /* or NULL */
	const char *proba;  /* glob, or NULL; one of pred/proba is needed */
	const char *weight; /* or NULL */
	const char *id;	    /* or NULL: named in bad-row messages */
	const char *const *slices; /* slice key columns */
	size_t nslices;
	enum mlg_task task; /* MLG_TASK_AUTO: detect */
	int jsonl;	    /* 1: JSON Lines, 0: CSV */
	char delimiter;	    /* CSV; 0 for ',' */
	/* Bytes read at a time, and so a thread's chunk (0: the reader's
	 * default). For tests: small chunks exercise the merge of chunks,
	 * and the result does not depend on it. */
	size_t chunk_size;
};

#define MLG_PREDFILE_LIST_BAD 10

/* The largest weight: with at most 2^63 rows the sums stay below 1e119,
 * and their squares and products, which the weighted metrics take,
 * below the largest double. */
#define MLG_PREDFILE_WEIGHT_MAX 1e100

struct mlg_predfile_bad {
	uint64_t line;
	char *column;  /* the column at fault */
	char *message; /* "'abc' is not a number" */
	char *id;      /* the --id value, or NULL */
	/* message and id show control bytes as \\u00XX (json.h) */
};

/* One slice key column: its distinct values and each row's value. */
struct mlg_predfile_key {
	char *name;
	char **values; /* in order of first appearance */
	size_t nvalues, avalues;
	uint32_t *code; /* n entries: index into values */
};

struct mlg_predfile {
	enum mlg_task task;
	size_t n;	/* rows kept (valid) */
	uint64_t rows;	/* data rows read */
	char **classes; /* classification: sorted labels */
	size_t nclasses;
	int32_t *y, *pred;  /* classification: class ids (pred may be NULL) */
	double *yv, *predv; /* regression values */
	double *proba;	    /* n * nproba, in class order, or NULL */
	size_t nproba;	    /* 0, 1 (binary), or nclasses */
	double *w;	    /* NULL without a weight column */
	struct mlg_predfile_key *keys; /* one per opts.slices entry */
	size_t nkeys;
	uint64_t nbad; /* invalid rows */
	struct mlg_predfile_bad bad[MLG_PREDFILE_LIST_BAD];
	size_t nbadlist;
	uint64_t not_one;	/* rows whose probabilities do not sum to 1 */
	uint64_t first_not_one; /* line of the first of them */

	/* private: gathering buffers of mlg_predfile_metrics() */
	int32_t *gy, *gp;
	double *gv, *gpv, *gproba, *gw;
	struct mlg_rank_item *scratch;
};

/*
 * Read `src` into `out` (which need not be initialised; release it either
 * way). Errors:
 *   MLG_EINVALID  no column 'y' in 'preds.csv'; no probability column
 *                 matches 'p_*' in ...; label 'x' has no probability
 *                 column; a probability column of a class that reads as
 *                 NaN; regression needs --pred; an empty header
 *   MLG_EDATA     'preds.csv': line 7: unterminated quoted field, or bad
 *                 JSON on a line
 *   stream errors (MLG_ENOTFOUND, MLG_EIO, MLG_ENETWORK) as stream.h
 * O(rows * columns), spread over the CPUs for CSV (see Threads above).
 */
int mlg_predfile_read(struct mlg_predfile *out, const char *src,
		      const struct mlg_predfile_opts *opts);

void mlg_predfile_release(struct mlg_predfile *pf);

/*
 * Add the checks of the rows read from `src` to `r`: "valid-rows" (fail
 * when any row was invalid, with the listed bad rows as findings at
 * their line and column, and the total count), and "probability-sum", a
 * warning, when rows had probabilities not summing to 1. A NULL `src`
 * (rows a model answered, in a temporary file) gives the findings the
 * column but no file nor line: the row's id names it.
 */
struct mlg_report;
void mlg_predfile_report(struct mlg_report *r, const struct mlg_predfile *pf,
			 const char *src);

/* A group of rows sharing the values of some key columns. */
struct mlg_slice {
	char *name;	/* "country=US,age_band=30-40" */
	uint32_t *rows; /* row indices, ascending */
	size_t n;
};

/*
 * Group the rows by the key columns `cols` (indices into pf->keys), one
 * slice per combination present, sorted by name. `*out` is a new array of
 * `*nout` slices to free with mlg_predfile_slices_free() (NULL and 0 on error).
 * Returns 0, or MLG_ELIMIT "too many combinations of slice columns" when
 * the product of the columns' distinct counts exceeds 2^63. O(n) with a
 * hash table of the combinations.
 */
int mlg_predfile_slices(struct mlg_slice **out, size_t *nout,
			const struct mlg_predfile *pf, const size_t *cols,
			size_t ncols);
void mlg_predfile_slices_free(struct mlg_slice *s, size_t n);

/*
 * The canonical form of a slice name or selector, to compare them: the
 * comma-separated parts trimmed of spaces (around '=' too) and sorted, so
 * "country = US, age=30" and "age=30,country=US" are both
 * "age=30,country=US". A new string. At most 64 parts are kept.
 */
char *mlg_slice_canon(const char *sel);

/*
 * The metrics of the rows `rows` (NULL: all rows, nrows ignored), and the
 * confusion matrix into `cm` when not NULL (nclasses^2 entries). Rows are
 * gathered into scratch arrays owned by `pf`, so this is not reentrant.
 * Returns 0 or the error of mlg_metrics_classification().
 */
int mlg_predfile_metrics(struct mlg_metrics *out, double *cm,
			 struct mlg_predfile *pf, const uint32_t *rows,
			 size_t nrows, const struct mlg_metric_opts *opts);

#endif
