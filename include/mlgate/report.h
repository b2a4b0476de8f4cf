/*
 * report.h - the run report every gate produces, and its emitters
 *
 * A run is a list of checks plus free-form tables. A check has an id
 * (unique in the run), a status, an optional measured value, the rule it
 * was held to, a message and a location. A check may also carry
 * findings: the individual occurrences behind it (each bad row of a
 * type-error check, say). Findings are capped per check (max_findings);
 * the total is always counted, so a run over a billion bad rows stays
 * small and still says how many there were.
 *
 * The report owns everything added to it: strings are copied, and every
 * string is passed through the secret mask on the way in.
 *
 * Emitters turn one report into text, JSON, JUnit XML, Markdown, GitHub
 * workflow commands or GitLab Code Quality JSON. Each appends to a buffer
 * and returns 0 or MLG_ELIMIT. Writing them to files (atomically) and to
 * the CI's own places is mlg_report_write() in output.h.
 */
#ifndef MLGATE_REPORT_H
#define MLGATE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/buf.h"

struct json_t;

enum mlg_status {
	MLG_STATUS_PASS,
	MLG_STATUS_WARN,  /* passed, but close to or beyond a warning level */
	MLG_STATUS_FAIL,  /* the gate says no: exit 1 */
	MLG_STATUS_ERROR, /* the check could not run: exit 3 */
	MLG_STATUS_SKIP,  /* did not apply */
};
#define MLG_STATUS_COUNT 5

/* "pass", "warn", "fail", "error", "skip" */
const char *mlg_status_name(enum mlg_status s);

/* Where a check or finding points. Strings owned by the report; line and
 * column are 1-based, 0 when unknown. */
struct mlg_loc {
	char *file;
	uint64_t line;
	uint64_t column;
	char *field;
};

struct mlg_finding {
	char *message;
	struct mlg_loc loc;
};

struct mlg_check {
	char *id;
	enum mlg_status status;
	int has_value;
	double value;
	char *unit;	 /* of value, e.g. "ms"; NULL when none */
	char *threshold; /* the rule, e.g. "accuracy >= 0.9"; may be NULL */
	char *message;	 /* one line; may be NULL */
	struct mlg_loc loc;
	double duration; /* seconds, 0 when not measured */

	struct mlg_finding *findings; /* at most max_findings of them */
	size_t nfindings, afindings;
	size_t max_findings;
	uint64_t count; /* all findings, listed or not */
};

struct mlg_table {
	char *id;
	char *title;
	size_t ncols;
	char **cols;
	char **cells; /* nrows * ncols, row-major */
	size_t nrows, acells;
};

struct mlg_report {
	char *tool;
	char *version;
	double started;	     /* Epoch seconds */
	double duration;     /* seconds; set by mlg_report_finish() */
	size_t max_findings; /* cap on findings listed per check */

	struct mlg_check **checks;
	size_t nchecks, achecks;
	/* The checks by id, open addressing: index + 1, 0 free; a power of
	 * two of slots, at least twice nchecks. */
	size_t *ids, nids;
	struct mlg_table **tables;
	size_t ntables, atables;
	char **props; /* key, value, key, value, ... */
	size_t nprops, aprops;
	struct json_t *extra; /* tool-specific JSON members, or NULL */
};

#define MLG_REPORT_MAX_FINDINGS 100

void mlg_report_init(struct mlg_report *r, const char *tool,
		     const char *version);
void mlg_report_release(struct mlg_report *r);
/* Record the duration since init. */
void mlg_report_finish(struct mlg_report *r);

/*
 * Add a check. `id` is made unique by appending "#2", "#3", ... when it
 * is taken. `fmt` may be NULL for no message. Returns the check, borrowed:
 * the report owns it, and it stays valid until mlg_report_release().
 */
struct mlg_check *mlg_report_add_check(struct mlg_report *r, const char *id,
				       enum mlg_status status, const char *fmt,
				       ...)
	__attribute__((format(printf, 4, 5)));

/* Find a check by id; NULL when none. Borrowed. */
struct mlg_check *mlg_report_find_check(const struct mlg_report *r,
					const char *id);

void mlg_check_set_value(struct mlg_check *c, double value, const char *unit);
void mlg_check_set_threshold(struct mlg_check *c, const char *rule);
void mlg_check_set_message(struct mlg_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Any of file and field may be NULL; line and column may be 0. */
void mlg_check_set_loc(struct mlg_check *c, const char *file, uint64_t line,
		       uint64_t column, const char *field);

/*
 * Count one finding and list it while fewer than max_findings are. `loc`
 * may be NULL. Returns 1 when it was listed, 0 when only counted.
 */
int mlg_check_add_finding(struct mlg_check *c, const struct mlg_loc *loc,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line saying what a check found: its message, else "value 0.85,
 * breaks accuracy >= 0.9" (or "holds"), else its status. */
int mlg_check_describe(struct mlg_buf *out, const struct mlg_check *c);

/* Add a table with `ncols` column names. Borrowed, owned by the report.
 * An id already taken gets "#2", "#3", ... as a check id does, and so
 * does a title that is NULL or the id. */
struct mlg_table *mlg_report_add_table(struct mlg_report *r, const char *id,
				       const char *title, size_t ncols,
				       const char *const *cols);
/* Append a row of ncols cells (copied; NULL is an empty cell). */
void mlg_table_add_row(struct mlg_table *t, const char *const *cells);
static inline const char *mlg_table_cell(const struct mlg_table *t, size_t row,
					 size_t col)
{
	return t->cells[row * t->ncols + col];
}

/* Set a run property (config hash, baseline, inputs); replaces a key. */
void mlg_report_set_prop(struct mlg_report *r, const char *key,
			 const char *value);
/* A property value, borrowed, or NULL. */
const char *mlg_report_prop(const struct mlg_report *r, const char *key);

/*
 * Attach a tool-specific JSON member to the JSON report under `key`
 * (frictionless "errors", a drift table, ...). Steals the reference.
 */
void mlg_report_set_json(struct mlg_report *r, const char *key,
			 struct json_t *value);

/* Count checks by status into out[MLG_STATUS_COUNT]. */
void mlg_report_count(const struct mlg_report *r, size_t *out);

/*
 * The verdict of the run: MLG_STATUS_ERROR if any check errored, else
 * FAIL if any failed, else WARN if any warned, else PASS (an empty run,
 * or one of skips only, passes). The exit code follows DESIGN.md:
 * error 3, fail 1, otherwise 0.
 */
enum mlg_status mlg_report_status(const struct mlg_report *r);
int mlg_report_exit_code(const struct mlg_report *r);

/* Format a measured value the way every emitter shows it: up to 6
 * significant digits, integers without a fraction, "nan", "inf". */
void mlg_format_value(char out[32], double v);

/* ---- emitters: each appends to `out`; 0 or MLG_ELIMIT ---- */

enum {
	MLG_EMIT_COLOR = 1,   /* ANSI colours (text) */
	MLG_EMIT_VERBOSE = 2, /* passing checks with their findings too */
	MLG_EMIT_QUIET = 4,   /* only problems and the summary line */
};

/* Human text: one line per check, findings indented, tables aligned,
 * then "<tool>: N checks: ... (T s)". */
int mlg_emit_text(struct mlg_buf *out, const struct mlg_report *r,
		  unsigned flags);

/* One table as aligned text, its title first (used by the text and the
 * JUnit emitters). */
int mlg_emit_table_text(struct mlg_buf *out, const struct mlg_table *t);

/* The versioned JSON report (docs/report-schema.json), one object. */
int mlg_emit_json(struct mlg_buf *out, const struct mlg_report *r);

/* A new reference to the JSON report object. */
struct json_t *mlg_report_to_json(const struct mlg_report *r);

/* JUnit XML: one testsuites/testsuite, one testcase per check. Ids,
 * messages and places show control characters as the text report does
 * ("\x1b"), but for TAB, LF and CR, which XML carries: dropped, they
 * would make ids that differ only by one a single testcase name. */
int mlg_emit_junit(struct mlg_buf *out, const struct mlg_report *r);

/* Markdown for a step summary or a pull-request comment, starting with
 * the hidden marker "<!-- mlgate:<tool> -->". */
int mlg_emit_markdown(struct mlg_buf *out, const struct mlg_report *r);

/*
 * GitHub workflow commands: ::error/::warning/::notice with file, line,
 * col and title, at most MLG_GITHUB_MAX annotations of each of the
 * error and warning kinds, then one ::notice with what was left out.
 */
#define MLG_GITHUB_MAX 10
int mlg_emit_github(struct mlg_buf *out, const struct mlg_report *r);

/* GitLab Code Quality: a JSON array of issues for failed, errored and
 * warned checks and their findings, with stable fingerprints. */
int mlg_emit_codequality(struct mlg_buf *out, const struct mlg_report *r);

/* ---- escaping shared by emitters and tools ---- */

/* Workflow command escaping: data escapes % CR LF; a property value
 * also escapes : and ,. Other control bytes (C0 and DEL), which GitHub
 * would write to the job log as they are, become "\x1b" as in the text
 * report. */
int mlg_github_escape_data(struct mlg_buf *out, const char *s);
int mlg_github_escape_prop(struct mlg_buf *out, const char *s);

/* XML text/attribute escaping; drops characters XML 1.0 forbids
 * (controls other than TAB, LF, CR; invalid UTF-8 becomes U+FFFD). */
int mlg_xml_escape(struct mlg_buf *out, const char *s);
/* mlg_xml_escape() of `s` as the text report shows it: a control byte
 * other than TAB, LF and CR as "\x1b" (mlg_utf8_show()), not dropped,
 * so that ids differing by one stay apart. */
int mlg_xml_escape_shown(struct mlg_buf *out, const char *s);

/* Markdown table cell: escapes | < > & and, with a backslash, the
 * characters of emphasis, code and links (\ ` * _ ~ [); folds a line
 * break into a space, writes other control characters as \xNN, as the
 * text report does. */
int mlg_md_escape_cell(struct mlg_buf *out, const char *s);

/* ---- the CI we run in ---- */

enum mlg_ci { MLG_CI_NONE, MLG_CI_GITHUB, MLG_CI_GITLAB, MLG_CI_JENKINS };
/* From GITHUB_ACTIONS=true, GITLAB_CI=true, JENKINS_URL. */
enum mlg_ci mlg_ci_detect(void);

#endif
