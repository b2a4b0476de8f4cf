/*
 * history.h - metric history kept in git itself
 *
 * perf-gate records the metrics of every run on the main branch, so that
 * later runs can be held to statistics over the last N of them instead
 * of a single baseline. The history lives in the repository, next to the
 * code it measures, on a ref no branch or tag listing shows:
 *
 *	refs/mlgate/history	a chain of commits, one per record; the
 *				tree of each holds the records so far,
 *				oldest first, one JSON object per line, in
 *				chunks:
 *
 *	history.jsonl		the newest records, at most
 *				MLG_HISTORY_CHUNK of them
 *	archive/00000001.jsonl	the older ones, full chunks, oldest first,
 *	archive/00000002.jsonl	numbered from 1 with 8 digits, no gap
 *	...
 *
 * An append that finds MLG_HISTORY_CHUNK records (or more) in
 * history.jsonl moves that blob, unchanged and under the same id, to the
 * next archive/ number, and history.jsonl starts again with the new
 * record. A chunk never changes once archived, so an append writes one
 * blob of at most MLG_HISTORY_CHUNK lines, the archive/ tree (a line per
 * chunk) and the root tree: O(MLG_HISTORY_CHUNK + chunks), not
 * O(records).
 *
 * Histories written before chunking (one history.jsonl with every
 * record, no archive/) read as they are. They are not split: the first
 * append that finds MLG_HISTORY_CHUNK or more records moves the whole
 * file to archive/00000001.jsonl, one oversized chunk, and chunking goes
 * on from there. Readers take chunks of any size; entries of the root
 * tree other than these two are ignored. A reader that predates
 * chunking sees only history.jsonl: the newest records.
 *
 * A record line (keys in this order, compact, "\n"-terminated):
 *
 *	{"commit": "<40 hex>", "time": "2026-11-22T10:53:05Z",
 *	 "ref": "main" | null, "run": "<CI run>" | null,
 *	 "metrics": {"<name>": <number>, ...}}
 *
 * commit	the measured commit (HEAD when recorded)
 * ref		the branch: GITHUB_REF_NAME, CI_COMMIT_REF_NAME, BRANCH_NAME,
 *		else the branch HEAD points at, else null
 * run		the CI run: "<GITHUB_SERVER_URL or https://github.com>/
 *		<GITHUB_REPOSITORY>/actions/runs/<GITHUB_RUN_ID>",
 *		CI_PIPELINE_URL or "gitlab:<CI_PIPELINE_ID>", BUILD_URL,
 *		else null
 *
 * Why a commit chain and not a file on a branch: appending is new
 * blobs, trees and a commit written straight to the object database (no
 * checkout, no index, no subprocess), the ref moves by compare-and-swap,
 * and a push is an ordinary fast-forward that a concurrent recorder can
 * only reject, never overwrite. Everything is in the tip commit's tree,
 * so no older commit is ever read, and the last N records are in the
 * last one or two chunks (N <= MLG_HISTORY_CHUNK).
 *
 * Only records whose commit is an ancestor of (or equal to) the baseline
 * ref count as its history: runs on other branches and on commits later
 * rewritten are ignored when reading.
 */
#ifndef MLGATE_HISTORY_H
#define MLGATE_HISTORY_H

#include <stddef.h>

#include "mlgate/git.h"
#include "mlgate/metrics.h"

#define MLG_HISTORY_REF	    "refs/mlgate/history"
#define MLG_HISTORY_FILE    "history.jsonl"
#define MLG_HISTORY_ARCHIVE "archive"
/* records per chunk (see above) */
#define MLG_HISTORY_CHUNK 128
/* a chunk blob larger than this is refused (MLG_ELIMIT) */
#define MLG_HISTORY_MAX ((size_t)256 << 20)

/* One record. Strings owned; ref and run may be NULL. `metrics` holds
 * names and values only (no units). */
struct mlg_history_record {
	char commit[MLG_GIT_HEX];
	char *time, *ref, *run;
	struct mlg_metric_set metrics;
};

/* Records, oldest first. A zeroed struct is empty. */
struct mlg_history {
	struct mlg_history_record *items;
	size_t n, alloc;
};

void mlg_history_record_release(struct mlg_history_record *rec);
void mlg_history_release(struct mlg_history *h);

/*
 * The name of the environment variable that marks this run as a pull
 * or merge request (GITHUB_EVENT_NAME=pull_request or
 * pull_request_target, CI_MERGE_REQUEST_IID, CHANGE_ID set and not
 * empty), borrowed, or NULL for a branch run. Such runs must not record:
 * their metrics belong to no branch.
 */
const char *mlg_history_pr_reason(void);

/*
 * Fill `out` for the metrics `m` (copied) measured at HEAD of `r`, at
 * `time` (Epoch seconds), ref and run from the environment as above.
 * Errors: those of mlg_git_resolve() for HEAD. `out` need not be
 * initialised and holds nothing on failure.
 */
int mlg_history_record_init(struct mlg_history_record *out,
			    struct mlg_git_repo *r,
			    const struct mlg_metric_set *m, double time);

/* Append the line of `rec` (with its "\n") to `out`. 0 or MLG_ELIMIT. */
int mlg_history_format(struct mlg_buf *out,
		       const struct mlg_history_record *rec);

/* Which parser mlg_history_parse_line() uses. */
enum mlg_history_parser {
	MLG_HISTORY_PARSE_ANY,	/* the fast one, else jansson */
	MLG_HISTORY_PARSE_FAST, /* only the fast one (tests, benchmarks) */
	MLG_HISTORY_PARSE_JSON, /* only jansson */
};

/*
 * Parse one record line (`len` bytes, no "\n") into `out` (need not be
 * initialised; empty on failure). Lines as mlg_history_format() writes
 * them (the keys above in that order, no whitespace, strings with no
 * escape, numbers jansson reads exactly) take a hand scanner, ~10 times
 * faster than jansson on 200 metrics; every other line goes to jansson,
 * and both give the same record for any line the scanner takes.
 * Errors (MLG_EINVALID): "<line>:<col>: <json.h message>" for text that
 * is no JSON, and for a member missing or of another type, with its
 * pointer ("1:1: /: missing required property 'commit'", "1:2: /commit:
 * expected a string, found number"); "/metrics: expected an object,
 * found <type>"; "empty JSON text" (an empty line, or a BOM alone);
 * "invalid commit id '<s>'"; "metric '<m>' is not a number"; with
 * MLG_HISTORY_PARSE_FAST, "not a record line as mlg_history_format()
 * writes it" for any line the scanner leaves.
 */
int mlg_history_parse_line(struct mlg_history_record *out, const char *text,
			   size_t len, enum mlg_history_parser how);

/*
 * Parse history.jsonl text (`len` bytes, `name` for messages) and append
 * its records to `out`. Blank lines are skipped. Errors (MLG_EDATA, the
 * line numbered from 1): "'<name>': line <n>: " and a message of
 * mlg_history_parse_line().
 * O(len).
 */
int mlg_history_parse(struct mlg_history *out, const char *name,
		      const char *text, size_t len);

/*
 * Read every record on MLG_HISTORY_REF of `r` into `out` (oldest
 * first: the archive chunks in order, then history.jsonl); no ref means
 * no records (0). Errors: the git read errors, MLG_ELIMIT "'<name>' is
 * larger than <max> bytes" over MLG_HISTORY_MAX, parse errors as above
 * with <name> the chunk ("refs/mlgate/history:archive/00000002.jsonl"
 * or "refs/mlgate/history:history.jsonl"), MLG_EDATA
 * "'refs/mlgate/history:archive/<entry>': unexpected entry, expected
 * 'archive/<8 digits>.jsonl'" for a misnamed or missing chunk or a
 * folder among them, MLG_EDATA "'refs/mlgate/history:history.jsonl' is
 * not a file". O(records).
 */
int mlg_history_read(struct mlg_history *out, struct mlg_git_repo *r);

/*
 * The last `window` records (all when 0) whose commit is an ancestor of
 * or equal to the revision `baseline`, oldest first, appended to `out`.
 * Chunks are read newest first (history.jsonl, then the archive from
 * its end) and only while the window is not full; ancestry is checked
 * from the newest record back, and only the records taken are parsed
 * whole (a broken line outside the window goes unnoticed). Cost: the
 * chunks that hold the window, not the whole history. Errors: those of
 * mlg_history_read() and mlg_git_resolve() for `baseline`.
 */
int mlg_history_window(struct mlg_history *out, struct mlg_git_repo *r,
		       const char *baseline, size_t window);

/*
 * Append `rec` to MLG_HISTORY_REF of `r` as a new commit (the ref is
 * created when absent), moving a full history.jsonl into the archive as
 * described above. Only history.jsonl is parsed (a corrupt tip is not
 * extended) and the archive names checked; archived chunks were checked
 * when they were the tip. Errors: those of mlg_history_read() for the
 * tip, and of mlg_git_commit_edits() (also when the ref moved
 * meanwhile). `commit`, when not NULL, gets the new tip. O(records in
 * history.jsonl + chunks).
 */
int mlg_history_append(struct mlg_git_repo *r,
		       const struct mlg_history_record *rec,
		       char commit[MLG_GIT_HEX]);

/*
 * Push MLG_HISTORY_REF to `remote` (name or URL). When the push is
 * rejected as not a fast-forward (another run recorded first), fetch
 * the remote history, write `rec` again on top of it, move the local
 * ref there and push again: at most `retries` times after the first
 * attempt. Records appended locally and not yet pushed, other than
 * `rec`, are dropped in a retry: the remote history wins. `*attempts`
 * (when not NULL) gets the number of pushes made. Errors: those of
 * mlg_git_push(), mlg_git_fetch(), mlg_history_append(), and MLG_ERROR
 * "push of 'refs/mlgate/history' to '<remote>' rejected <n> times".
 */
int mlg_history_push(struct mlg_git_repo *r, const char *remote,
		     const struct mlg_history_record *rec, int retries,
		     int *attempts);

#endif
