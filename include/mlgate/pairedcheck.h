/*
 * pairedcheck.h - perf-gate's paired significance rules: read the
 * predictions of a baseline and a candidate model on the same examples,
 * align the rows and hold each rule's metric to a paired test (paired.h).
 *
 * A rule is "METRIC: not-worse" or "METRIC: better":
 *   accuracy         McNemar (auto mode) on each row's right/wrong
 *   roc_auc (auc)    DeLong on the probabilities (binary tasks)
 *   any other metric of metrics_ml.h: the seeded paired bootstrap of
 *                    candidate - baseline, interval level 1 - alpha
 * "not-worse" fails when the candidate is significantly worse: p < alpha
 * with the difference on the bad side, or the whole interval on the bad
 * side; "better" fails unless it is significantly better.
 *
 * Rows are aligned by the id column (both files must hold the same ids,
 * once each), else by position (same row count). Labels must agree row
 * by row. Any invalid row (predfile.h) is a data error here: a dropped
 * row would silently unpair the files.
 */
#ifndef MLGATE_PAIREDCHECK_H
#define MLGATE_PAIREDCHECK_H

#include <stddef.h>
#include <stdint.h>

struct mlg_report;

struct mlg_paired_rule {
	char *metric; /* canonical name: "auc" is stored as "roc_auc" */
	int better;   /* 1: "better", 0: "not-worse" */
};

/*
 * Parse "METRIC: not-worse|better" (spaces allowed around both parts)
 * into `out`; out->metric is new, free it with mlg_paired_rule_release().
 * Returns 0 or MLG_EINVALID "bad paired rule 'x': ..." (unknown metric,
 * unknown verb, no ':'). O(length).
 */
int mlg_paired_rule_parse(struct mlg_paired_rule *out, const char *line);
void mlg_paired_rule_release(struct mlg_paired_rule *rule);

struct mlg_pairedcheck_opts {
	const char *label; /* required */
	const char *pred;  /* or NULL */
	const char *proba; /* glob, or NULL; one of pred/proba is needed */
	const char *id;	   /* NULL: align by position */
	double alpha;	   /* in (0, 1); 0 means 0.05 */
	size_t resamples;  /* bootstrap B; 0 means MLG_BOOTSTRAP_RESAMPLES */
	uint64_t seed;
};

/*
 * Read `base_src` and `cur_src` (predfile.h sources, borrowed), align
 * them and add one check "paired:<metric>" per rule to `r`: value =
 * candidate - baseline, threshold "<metric>: not-worse at alpha A", and
 * a message with both values and the p-value or interval next to alpha.
 * Returns 0 (the checks decide pass or fail), or:
 *   MLG_EINVALID  bad options, a metric the task cannot give (roc_auc
 *                 without binary probabilities, accuracy of a regression),
 *                 invalid rows, an id missing from one file ("id 'x' of
 *                 'base.csv' is not in 'cur.csv'"), a repeated id,
 *                 different row counts, labels that differ
 *   read errors of mlg_predfile_read(), prefixed with the file's role
 * O(n log n) plus B metric evaluations of O(n) for a bootstrap rule.
 */
int mlg_pairedcheck_run(struct mlg_report *r, const char *base_src,
			const char *cur_src,
			const struct mlg_paired_rule *rules, size_t nrules,
			const struct mlg_pairedcheck_opts *opts);

#endif
