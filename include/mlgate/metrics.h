/*
 * metrics.h - named metric values read from the files ML and benchmark
 * tools write
 *
 * perf-gate compares two sets of metrics, the current run and a baseline.
 * Both are read from one of these formats, detected from the content
 * (mlg_metrics_parse() with MLG_METRICS_AUTO) or chosen by the caller:
 *
 *   json	flat or nested JSON objects, as DVC metrics and model-test
 *		metrics files: every number is a metric, named by the keys
 *		on its path joined with ".":
 *		    {"test": {"acc": 0.9}, "loss": 0.3}  ->  test.acc, loss
 *		Strings, booleans, null and arrays (of numbers or anything
 *		else) are not metrics and are skipped.
 *   gab	github-action-benchmark custom JSON: an array of
 *		{"name", "value", "unit"?, "range"?, "extra"?} objects.
 *   bmf	Bencher Metric Format: {"<bench>": {"<measure>": {"value",
 *		"lower_value"?, "upper_value"?}}} -> "<bench>/<measure>".
 *
 * The text may be YAML (yaml.h) when it is not JSON and its first byte
 * that is not white space is neither '{' nor '[': it is then read as
 * the JSON it stands for, so a DVC metrics.yaml is the json format.
 * Errors in YAML give line:column as in JSON (columns in characters).
 *
 * Detection: a top-level array is gab; an object whose every member is an
 * object whose every member is an object holding a number "value" and
 * nothing but value, lower_value and upper_value is bmf; any other object
 * is json. Any other top-level value is an error.
 *
 * Errors are MLG_EINVALID messages of json.h, naming the file, the
 * line:column and the JSON pointer of the bad value:
 *	'm.json': 3:5: /1/value: expected a number, found string
 */
#ifndef MLGATE_METRICS_H
#define MLGATE_METRICS_H

#include <stddef.h>

struct mlg_buf;
struct mlg_json_doc;

enum mlg_metrics_format {
	MLG_METRICS_AUTO,
	MLG_METRICS_JSON,
	MLG_METRICS_GAB,
	MLG_METRICS_BMF,
};

/* One metric. Strings owned by the set; `unit` is NULL when none. */
struct mlg_named_metric {
	char *name;
	double value;
	char *unit;
	int has_lower, has_upper; /* bmf lower_value / upper_value */
	double lower, upper;
};

/* Metrics in file order; names are unique. A zeroed struct is empty. */
struct mlg_metric_set {
	struct mlg_named_metric *items;
	size_t n, alloc;
	enum mlg_metrics_format format; /* the format that was read */
};

/* Free the contents and zero the set. */
void mlg_metrics_release(struct mlg_metric_set *m);

/* "auto", "json", "gab", "bmf" -> the format; MLG_EINVALID "unknown
 * metrics format '<s>'" otherwise. mlg_metrics_format_name() is the
 * reverse (static string). */
int mlg_metrics_format_parse(enum mlg_metrics_format *out, const char *s);
const char *mlg_metrics_format_name(enum mlg_metrics_format f);

/*
 * Read the metrics of the parsed document `doc` in format `fmt` into
 * `out` (need not be initialised; empty on failure). Errors
 * (MLG_EINVALID, at the pointer of the value):
 *   "expected an object or an array, found <type>"   at the root
 *   "no metrics found"                                at the root
 *   "duplicate metric '<name>'"                       at the second one
 *   "empty metric name" (a number at the key "" of the root in json, a
 *   gab "name" "")
 *   "metric name too long" (over 1024 bytes)
 *   json.h getter messages for gab and bmf members, and
 *   "unknown property '<key>'" for members they do not define.
 * O(size of the document).
 */
int mlg_metrics_parse(struct mlg_metric_set *out,
		      const struct mlg_json_doc *doc,
		      enum mlg_metrics_format fmt);

/* mlg_file_read() (at most `max` bytes, 0 for MLG_JSON_MAX_DEFAULT)
 * then mlg_metrics_parse_text(): the errors of both. */
int mlg_metrics_load(struct mlg_metric_set *out, const char *path, size_t max,
		     enum mlg_metrics_format fmt);

/* The same from `len` bytes of `text` called `name` (a git blob): YAML
 * or JSON (yaml.h), then mlg_metrics_parse(). */
int mlg_metrics_parse_text(struct mlg_metric_set *out, const char *name,
			   const char *text, size_t len,
			   enum mlg_metrics_format fmt);

/* The metric called `name`, borrowed, or NULL. O(n). */
const struct mlg_named_metric *mlg_metrics_find(const struct mlg_metric_set *m,
						const char *name);

/*
 * The same, trying position *at first and leaving *at just past the
 * metric found (start at 0): looking up the names of one set in another
 * stored in the same order (history records) is O(1) a name, not O(n).
 */
const struct mlg_named_metric *
mlg_metrics_find_next(const struct mlg_metric_set *m, const char *name,
		      size_t *at);

/*
 * Append `m` as github-action-benchmark custom JSON (an array of
 * {"name", "unit", "value"}; unit "" when none) or as Bencher Metric
 * Format (a name "a/b" becomes bench "a", measure "b"; a name without '/'
 * or ending in '/' gets measure "value"), indented by 2, with a final
 * newline. 0 or MLG_ELIMIT; for Bencher Metric Format also MLG_EINVALID
 * "cannot export '<name>' as Bencher Metric Format: benchmark '<bench>'
 * already has measure '<measure>'" when two metrics would be the same
 * measure ("a" and "a/value"); `out` is then as it was.
 */
int mlg_metrics_export_gab(struct mlg_buf *out, const struct mlg_metric_set *m);
int mlg_metrics_export_bmf(struct mlg_buf *out, const struct mlg_metric_set *m);

#endif
