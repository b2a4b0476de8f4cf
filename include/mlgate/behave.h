/*
 * behave.h - behavioural tests of a model (CheckList MFT, INV and DIR)
 *
 * A suite file names tests that say how a model must behave, beyond its
 * metrics, and each test becomes one check of the run report:
 *
 *   mft  minimum functionality: given rows must get the expected label
 *   inv  invariance: a perturbation must not change the prediction
 *   dir  directional expectation: a perturbation must move the score one
 *        way only
 *
 * Two modes. With a model (mlg_behave_run()) the module builds the rows,
 * perturbs the first rows of the test set and asks the model through a
 * callback (the lead plugs in an HTTP endpoint or a predict command).
 * With a predictions file only (mlg_behave_run_preds()) nothing can be
 * computed, so the suite pairs the ids of rows that the user perturbed
 * before predicting, as CheckList's run_from_file() does.
 *
 * Suite file (JSON):
 *
 *	{"tests": [
 *	  {"name": "known positives", "type": "mft",
 *	   "rows": [{"x1": 3.0, "x2": 1.0, "expect": "1"}, ...],
 *	   "max_failure_rate": 0.0},
 *	  {"name": "country invariance", "type": "inv",
 *	   "perturb": {"column": "country", "op": "swap",
 *		       "values": ["US", "DE", "FR"]},
 *	   "tolerance": 0.05, "rows": 200, "max_failure_rate": 0.01},
 *	  {"name": "more income never hurts", "type": "dir",
 *	   "perturb": {"column": "income", "op": "shift", "by": 1000},
 *	   "expect": "not_decrease", "tolerance": 0.01,
 *	   "max_failure_rate": 0.0},
 *	  {"name": "file mode inv", "type": "inv",
 *	   "pairs": [["row17", "row17-perturbed"], ...]},
 *	  {"name": "file mode mft", "type": "mft",
 *	   "ids": {"row3": "1", ...}}
 *	]}
 *
 * Members of a test:
 *   name              required, unique in the suite, not empty; the check
 *                     is "behaviour/<name>"
 *   type              required: "mft", "inv" or "dir"
 *   max_failure_rate  a number in [0, 1], default 0: the check passes when
 *                     failed / tested <= it (compared exactly)
 *   tolerance         a finite number >= 0, default 0 (see below)
 *   model mode:
 *     rows (mft)      a non-empty array of objects: one value per feature
 *                     of the test set, by column name (a number for a
 *                     numeric column, a string for a text column, null
 *                     for a missing value), and "expect", the label (a
 *                     string or a number; numbers compare as numbers, so
 *                     "1" is 1.0; for a regression, a finite number)
 *     perturb         (inv, dir) an object {"column": <feature>, "op": ..}
 *                     with op
 *                       "swap"   "values": [a, b, c]: every value becomes
 *                                the next one of the list (cyclic); a
 *                                value not in the list, or a missing
 *                                one, becomes values[0]. Distinct
 *                                numbers, or distinct strings for a text
 *                                column, at least one. Or
 *                                "map": {"US": "CA", "FR": "BE"}: a value
 *                                that is a key becomes its value, others
 *                                stay (and are not tested); the values
 *                                are strings for a text column, numbers
 *                                for a numeric one, whose keys must be
 *                                numbers, never NaN, which no cell
 *                                equals ("0": 1; the first key equal
 *                                to the cell as a number applies).
 *                       "shift"  "by": x + by     (numeric columns)
 *                       "scale"  "by": x * by     (numeric columns)
 *                       "set"    "value": the value: a number, or a
 *                                string for a text column
 *                       "missing"  the cell becomes missing (see below)
 *     rows (inv, dir) an integer >= 1: perturb the first N rows of the
 *                     test set (all of them when it has fewer); default
 *                     every row
 *   file mode:
 *     ids (mft)       a non-empty object {"<id>": "<expected label>"}
 *     pairs (inv,dir) a non-empty array of [original id, perturbed id]
 *   expect (dir)      required: "not_decrease", "not_increase",
 *                     "increase" or "decrease"
 *
 * Columns are numeric or text as the test set says (infer.h): a
 * categorical column is swapped by its strings (["US", "DE"]), or by its
 * codes when it holds numbers ([0, 1, 2]).
 *
 * "missing" (and null in an mft row) makes the cell missing: NaN in a
 * numeric column, NULL in a text one, which a predict command reads as
 * an empty CSV cell or JSON null and MLflow as null. A v2 or TF Serving
 * tensor has no missing value, and inventing a stand-in (a median, a
 * zero) would test something else than what the suite says. A missing
 * value is therefore only sent to a model whose `missing_ok` is set;
 * otherwise the suite is refused before the model is called, naming the
 * test and the model's protocol.
 *
 * The prediction of a row is a label and a score:
 *   label  classification: the model's predicted label, or the class of
 *          the highest probability (the first on ties; for two classes
 *          that is P(second class) > 0.5, as metrics_ml.h decides).
 *          None for regression.
 *   score  P(positive) = P(second class) when the model gives two
 *          probabilities, the value for regression, else none.
 * What fails a row, with tol = tolerance and delta = new score - old:
 *   mft  classification: label != expect; regression: |value - expect|
 *        > tol
 *   inv  label changed, or (with a score) |delta| > tol; regression:
 *        |delta| > tol
 *   dir  not_decrease: delta < -tol;  not_increase: delta > tol;
 *        increase: not (delta > 0 and delta >= tol);
 *        decrease: not (delta < 0 and -delta >= tol)
 *        so a change of exactly the tolerance passes; dir needs a score
 * A NaN score fails its row. In model mode a row the perturbation left
 * unchanged (x * 1, a value already set) is not sent and not counted, as
 * Giskard does; a test that changes no row at all fails ("changed none of
 * the N rows"): it tested nothing.
 *
 * Errors while loading or running a suite are MLG_EINVALID (exit 2) with
 * the file, line:column and JSON pointer (json.h):
 *	'suite.json': 7:19: /tests/1/perturb/op: unknown op 'flip' (expected
 *	swap, shift, scale, set or missing)
 *	'suite.json': 3:34: /tests/0/perturb/op: test 'm': protocol 'v2'
 *	cannot send a missing value
 */
#ifndef MLGATE_BEHAVE_H
#define MLGATE_BEHAVE_H

#include <stddef.h>

#include "mlgate/infer.h"
#include "mlgate/json.h"
#include "mlgate/report.h"

struct mlg_predfile;

enum mlg_behave_type { MLG_BEHAVE_MFT, MLG_BEHAVE_INV, MLG_BEHAVE_DIR };

enum mlg_behave_op {
	MLG_BEHAVE_SWAP,
	MLG_BEHAVE_SHIFT,
	MLG_BEHAVE_SCALE,
	MLG_BEHAVE_SET,
	MLG_BEHAVE_MISSING,
};

enum mlg_behave_dir {
	MLG_BEHAVE_NOT_DECREASE,
	MLG_BEHAVE_NOT_INCREASE,
	MLG_BEHAVE_INCREASE,
	MLG_BEHAVE_DECREASE,
};

/* One test. Strings are borrowed from the suite's document. */
struct mlg_behave_test {
	const char *name;
	char *ptr; /* its JSON pointer, "/tests/3" */
	enum mlg_behave_type type;
	int file_mode; /* 1: ids or pairs, 0: rows or perturb */
	double max_rate, tol;
	enum mlg_behave_dir dir;
	/* model mode */
	json_t *rows;	    /* mft: the array of rows */
	const char *column; /* inv, dir */
	enum mlg_behave_op op;
	double by;	      /* shift, scale; the value of set */
	const char *str;      /* set: the value when it is a string */
	double *values;	      /* swap: numbers, or NULL */
	const char **svalues; /* swap: strings, or NULL */
	size_t nvalues;
	json_t *map;  /* swap: the "map" object, or NULL */
	size_t first; /* inv, dir: rows of the test set; 0: all */
	/* file mode: 2 * n ids for pairs, or n (id, expected label) */
	const char **ids;
	size_t n;

	/* Results, set by a run: rows tested and failed, the failure rate
	 * (NaN when nothing was tested) and the check's status. */
	int ran;
	size_t tested, failed;
	double rate;
	enum mlg_status status;
};

struct mlg_behave_suite {
	struct mlg_json_doc doc;
	struct mlg_behave_test *tests;
	size_t n;

	/* private: strings made from numbers ("expect": 1) */
	char **pool;
	size_t npool, apool;
};

/*
 * Read and check the suite file `path` ("-" is standard input) into `out`
 * (need not be initialised; release it either way). Read errors as
 * mlg_json_load(); every mistake in the suite is MLG_EINVALID at its
 * place: "unknown type 'x' (expected mft, inv or dir)", "unknown op",
 * "expected a number, found string", "max_failure_rate must be from 0 to
 * 1, got 1.5", "no tests", "duplicate test name 'x'", unknown members, and
 * jansson's syntax errors with line:column. Checks that need the test set
 * (feature names) are made by mlg_behave_run(). O(size of the file).
 */
int mlg_behave_load(struct mlg_behave_suite *out, const char *path);
/* The same from `len` bytes of `text` called `name` (copied). */
int mlg_behave_parse(struct mlg_behave_suite *out, const char *name,
		     const char *text, size_t len);
void mlg_behave_release(struct mlg_behave_suite *s);

/*
 * The model. `predict` fills `out` with the answers for the `rows->nrows`
 * rows (rows->names, rows->x and, with text columns, rows->is_text and
 * rows->text are set, nkeep is 0; everything borrowed)
 * in new arrays as mlg_infer_predict() does: the module releases them
 * with mlg_infer_out_release(), after a failure too. It returns 0 or a
 * negative MLG_E* code after mlg_error_set().
 */
struct mlg_behave_model {
	int (*predict)(struct mlg_infer_out *out,
		       const struct mlg_infer_data *rows, void *arg);
	void *arg;
	/* The class names of the probability columns, in order (borrowed);
	 * NULL: "0", "1", ... A predicted value is written with %.17g. */
	const char *const *classes;
	size_t nclasses;
	int regression;	      /* 1: pred is a value, not a label */
	int missing_ok;	      /* 1: the model can be sent missing values */
	const char *protocol; /* named when a missing value is refused
				 ("v2"), or NULL */
};

/*
 * Run every test of `s` against the model `m` on the test set `data`
 * (borrowed; its features are the columns the suite names), adding one
 * check "behaviour/<name>" per test and the table "behaviour" to `r`,
 * and setting the results in s->tests.
 *
 * Before the model is called, every test is checked against the test
 * set: MLG_EINVALID at the place in the suite for a file-mode test
 * ("test 'x' pairs ids of a predictions file: there is none with a
 * model"), a column that is no feature ("no feature 'x' in the test
 * data"), an MFT row without a feature ("missing feature 'x2'") or with
 * an unknown one, a value of the wrong kind for its column ("column
 * 'country' is text: expected a string, found number", "op 'shift' needs
 * a numeric column, and 'country' is text", "column 'x' is numeric: key
 * 'a' is not a number"), and a missing value without m->missing_ok
 * ("test 'm': protocol 'v2' cannot send a missing value", or "test 'm':
 * the model cannot be sent a missing value" without m->protocol).
 * Nothing is added to `r` then.
 *
 * A failing callback stops the run: its code is returned and its message
 * is prefixed with "behaviour test '<name>': ". An answer of the wrong
 * size is MLG_EDATA "behaviour test 'x': the model gave 3 answers for 4
 * rows", one without predictions "... the model gave no predictions", a
 * dir test without a score MLG_EINVALID at the test. Checks of the tests
 * already run stay in `r`.
 *
 * The original rows are predicted once, for all tests (the largest
 * "rows"), then each perturbation once: O(rows * features) plus the
 * model's time.
 */
int mlg_behave_run(struct mlg_report *r, struct mlg_behave_suite *s,
		   const struct mlg_behave_model *m,
		   const struct mlg_infer_data *data);

/*
 * File mode. The predictions of a predictions file, one per row: its id,
 * label (NULL for regression) and score (NaN when there is none), all
 * borrowed.
 */
struct mlg_behave_pred {
	const char *id;
	const char *label;
	double score;
};

struct mlg_behave_preds {
	struct mlg_behave_pred *rows; /* n; new, freed by _release */
	size_t n;
	int regression;
	int has_score; /* the rows have scores: P(positive) or values */
};

/*
 * Fill `out` from `pf`, whose ids are the values of its key column
 * `idkey` (an index into pf->keys: read the id column as one of the
 * predfile's slice keys). Strings are borrowed from `pf`, which must
 * outlive `out`. MLG_EINVALID when idkey is not a key. O(n).
 */
int mlg_behave_preds_from_predfile(struct mlg_behave_preds *out,
				   const struct mlg_predfile *pf, size_t idkey);
void mlg_behave_preds_release(struct mlg_behave_preds *p);

/*
 * Run every test of `s` on the predictions `p` (borrowed), as
 * mlg_behave_run() does. Errors, before anything is added to `r`:
 * MLG_EINVALID at the place in the suite for a model-mode test ("test
 * 'x' needs a model to call: there is none in predictions-file mode"),
 * an id not in `p` ("no row with id 'row17' in the predictions"), a dir
 * test when p has no scores, and a regression mft whose expected value
 * is not a number; MLG_EDATA "id 'row3' occurs 2 times in the
 * predictions" for an id the suite names. O(n log n + ids * log n).
 */
int mlg_behave_run_preds(struct mlg_report *r, struct mlg_behave_suite *s,
			 const struct mlg_behave_preds *p);

/*
 * Set "behaviour/<name>/failure_rate" in the JSON object `obj` for every
 * test that ran and tested at least one row (flat metrics, as
 * mlg_metrics_to_json()).
 */
void mlg_behave_metrics_to_json(struct json_t *obj,
				const struct mlg_behave_suite *s);

#endif
