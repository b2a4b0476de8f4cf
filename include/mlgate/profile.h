/*
 * profile.h - per-column profiles of a table: build, merge, save, infer
 *
 * A profile holds, for every column, exact mergeable statistics
 * (stats.h) and bounded sketches (sketch.h), so that profiles of the
 * shards of a data set merge into the profile of the whole:
 *
 *   count, nulls          exact; a null is an empty cell (without a
 *                         schema) or a missing value of the schema
 *   candidates            exact: how many non-missing cells cast as
 *                         integer, number, boolean, date, datetime and
 *                         time with the casting code validation uses
 *                         (mlg_field_cast() on synthetic default
 *                         fields), and how many numbers have a leading
 *                         zero ("007")
 *   missing tokens        exact counts of the common missing-value
 *                         tokens NA, N/A, n/a, null, NULL, None
 *   numbers               mlg_moments (count, min, max, sum, mean,
 *                         Welford stddev; merge tolerance of stats.h),
 *                         exact integer min/max, a KLL sketch (k = 200,
 *                         rank error 1.33% with probability 99%), of the
 *                         numbers, dates (in days since 1970), datetimes
 *                         and times (in seconds)
 *   text                  lengths in code points (mlg_moments), distinct
 *                         cell texts (HyperLogLog, 0.81% standard
 *                         error), frequent values (Misra-Gries, 128
 *                         counters: count - err <= true <= count)
 *   dates                 exact min/max of dates and of datetimes
 *
 * Without a schema every cell is text, and numbers, dates, datetimes and
 * times are the cells that cast as such with the default formats, so a
 * column inferred as a date has the numbers of one declared so. (A
 * column of several kinds is a string, whose numbers then mix them.)
 * With a schema (the validation pass, or mlg_profile_read() with one,
 * feeds the cast values) they come from the declared type; the text
 * statistics and candidates are kept in both cases.
 *
 * The JSON format ("profile_version": 3; 1 and 2 are read too) is
 * documented in
 * docs/profile.md. Only the "state" member of each column is read back;
 * the readable "summary" and "histogram" are recomputed from it.
 *
 * No global state; one thread per instance.
 */
#ifndef MLGATE_PROFILE_H
#define MLGATE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/json.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"
#include "mlgate/sketch.h"
#include "mlgate/stats.h"
#include "mlgate/stream.h"

#define MLG_PROFILE_VERSION 3
/* Frequent-value counters kept per column, and how many are shown. */
#define MLG_PROFILE_TOPK_CAP  MLG_TOPK_CAP_DEFAULT
#define MLG_PROFILE_TOP_SHOWN 10
/* Histogram bins (equal mass, edges from the KLL sketch). */
#define MLG_PROFILE_BINS 10
/* infer --constraints writes an enum up to this many distinct values. */
#define MLG_PROFILE_ENUM_MAX 20

enum mlg_cand {
	MLG_CAND_INTEGER,
	MLG_CAND_NUMBER,
	MLG_CAND_BOOLEAN,
	MLG_CAND_DATE,
	MLG_CAND_DATETIME,
	MLG_CAND_TIME,
	MLG_CAND_LEADING_ZERO, /* numbers written with a leading zero */
	MLG_CAND_COUNT
};

#define MLG_PROFILE_NTOKENS 6
/* The missing-value tokens counted, in order ("NA", "N/A", ...). */
extern const char *const mlg_profile_tokens[MLG_PROFILE_NTOKENS];

struct mlg_profile_col {
	char *name;
	enum mlg_ftype declared; /* the schema's type, MLG_T_ANY without */
	int has_schema;
	int same_cast;	/* private: the schema's cast is the candidate's own */
	uint64_t count; /* cells seen (short rows have fewer) */
	uint64_t nulls; /* of them, null */
	uint64_t invalid; /* with a schema: type or constraint errors */
	/* cells that are not UTF-8 text (invalid, or with a NUL byte), which
	 * validation reports as encoding errors; with a schema they are not
	 * in count, as they are not cast */
	uint64_t not_utf8;
	uint64_t cand[MLG_CAND_COUNT];
	uint64_t tokens[MLG_PROFILE_NTOKENS];
	struct mlg_moments num; /* numbers, dates (days), times (seconds) */
	struct mlg_lengths len; /* text lengths of non-null cells */
	int64_t imin, imax;	/* integers, when cand[INTEGER] */
	int64_t dmin, dmax;	/* dates, days since 1970 */
	int64_t tmin, tmax;	/* datetimes, microseconds since 1970 */
	uint64_t ndates, ndatetimes;
	struct mlg_kll kll;
	struct mlg_hll *hll;
	struct mlg_topk topk;
};

/*
 * The shards of one sharded run (`profile --shard K/N` over the same
 * sources, in the same order, of the same bytes, with the same chunk
 * rows) that a profile
 * holds, while it does not hold them all: shard profiles merge into the
 * whole, and a part is how a merge tells a shard given twice (its rows
 * would count twice) or one left out.
 */
struct mlg_profile_part {
	char **sources; /* the run's inputs, in order */
	size_t nsources;
	uint64_t bytes; /* of data the sources held: yesterday's file and
			   today's of one name are two runs */
	uint64_t chunk_rows;
	unsigned of;	     /* N, 2 to MLG_PROFILE_SHARDS_MAX */
	unsigned char *have; /* have[k - 1]: shard k is in */
};
#define MLG_PROFILE_SHARDS_MAX 1000000
/* Runs a profile may hold in part: each costs a byte a shard, and a
 * hand-made profile is not to spend gigabytes on them. */
#define MLG_PROFILE_RUNS_MAX 64

struct mlg_profile {
	uint64_t rows;	    /* data rows (blank rows included) */
	uint64_t long_rows; /* CSV rows with more cells than the header */
	size_t ncols;
	struct mlg_profile_col *cols;
	char **sources; /* the inputs, in order */
	size_t nsources;
	uint64_t bytes; /* of data the pass read, summed by a merge; 0 for a
			   loaded profile (not saved) */
	struct mlg_profile_part *parts; /* runs held in part; none: whole */
	size_t nparts;
	struct mlg_schema *cand;     /* private: the synthetic fields */
	struct mlg_profile_cand *cc; /* private: what decides them fast */
};

/*
 * Set up an empty profile of `n` columns named `names` (copied).
 * `s` (may be NULL) is the schema whose fields the columns are, in
 * order, for the declared types. Returns 0, or MLG_EINVALID for n == 0
 * ("a profile needs at least one column").
 */
int mlg_profile_init(struct mlg_profile *p, const char *const *names, size_t n,
		     const struct mlg_schema *s);
/* Free everything; a zeroed profile is safe. */
void mlg_profile_release(struct mlg_profile *p);
/* Empty every column again; names, types and sources stay. */
void mlg_profile_reset(struct mlg_profile *p);
/* Record `src` (copied) as one of the inputs. */
void mlg_profile_add_source(struct mlg_profile *p, const char *src);

/*
 * Sharded runs (profile_shards.c). mlg_profile_set_shard() marks `p`,
 * the profile of all its sources, as shard k of n (1 <= k <= n) cut in
 * chunks of `chunk_rows`; shard 1 of 1 is the whole and gets no part.
 * mlg_profile_merge() unites the parts of one run, and drops a run once
 * every shard is in; mlg_profile_parts_refuse() is its check, with the
 * sides named `x` and `y` as its errors name them ("'a.json'"):
 * MLG_EINVALID "cannot merge profiles: <x> and <y> both hold shard
 * <k>/<n> of '<source>': its rows would count twice" (a run of several
 * sources: "of '<first>' and <m> more sources"), or "cannot merge
 * profiles: <x> and <y> hold parts of more than 64 sharded runs"
 * (MLG_PROFILE_RUNS_MAX). mlg_profile_parts_merge() does the rest: the parts, and b's sources
 * appended but for those of a run `a` holds already, so a run's sources
 * are listed once.
 */
void mlg_profile_set_shard(struct mlg_profile *p, unsigned k, unsigned n,
			   uint64_t chunk_rows);
int mlg_profile_parts_refuse(const struct mlg_profile *a, const char *x,
			     const struct mlg_profile *b, const char *y);
void mlg_profile_parts_merge(struct mlg_profile *a,
			     const struct mlg_profile *b);
void mlg_profile_parts_release(struct mlg_profile *p);
/*
 * 0 when `p` is the profile of whole inputs. Else MLG_EINVALID "<what>
 * holds only shards 1, 3 of 4 of 'train.csv' (chunks of 10000 rows):
 * shards 2, 4 are missing; merge every shard's profile first" (of the
 * first run it holds in part; ranges as "1-3, 5", at most 8 of them):
 * what a drift check or infer is not to take for the data.
 */
int mlg_profile_check_whole(const struct mlg_profile *p, const char *what);
/* The "shards" member: a new array, empty when `p` is whole. */
json_t *mlg_profile_parts_json(const struct mlg_profile *p);
/* Read the "shards" member of `root` (absent: whole) into `out`,
 * dropping runs that hold every shard. MLG_EINVALID, located, on a
 * malformed one, a run listed twice, or more than MLG_PROFILE_RUNS_MAX
 * runs. */
int mlg_profile_parts_from_json(struct mlg_profile *out,
				const struct mlg_json_doc *doc, json_t *root);

/*
 * Feed one cell of column `col` (< ncols): its text <cell, len> (any
 * bytes), and with a schema its status and cast value `v` (NULL
 * without: `st` is then ignored and an empty cell is null). About
 * 30 ns a cell (AMD EPYC, -O2): one byte scan rules out the
 * candidate types a cell cannot have, the casts run only for the
 * others, and the sketches take one hash; no allocation apart from the
 * KLL growing.
 */
void mlg_profile_cell(struct mlg_profile *p, size_t col, const char *cell,
		      size_t len, enum mlg_cell st, const struct mlg_value *v);
static inline void mlg_profile_row(struct mlg_profile *p)
{
	p->rows++;
}

/*
 * Fold `b` into `a`, as one pass over a's data then b's. The columns
 * must have the same names in the same order, else MLG_EINVALID
 * "cannot merge profiles: column <i> is '<x>' in one and '<y>' in the
 * other" (or "... one has <n> columns and the other <m>"), a column
 * declared by a schema on both sides the same type, else MLG_EINVALID
 * "cannot merge profiles: column '<x>' is declared <type> in one and
 * <type> in the other", and no count may pass INT64_MAX, else
 * MLG_EINVALID "cannot merge profiles: counts beyond <INT64_MAX>", and
 * no shard of a run may be on both sides (mlg_profile_parts_refuse()); `a`
 * is then unchanged. A declared type meets no schema: the merge keeps
 * the declared type.
 */
int mlg_profile_merge(struct mlg_profile *a, const struct mlg_profile *b);

/*
 * mlg_profile_merge(), with its errors naming the sides where it says
 * "one" and "the other": `an` for `a` and `bn` for `b`, quoted ("cannot
 * merge profiles: 'a.json' has 3 columns and 'b.json' 4"); the counts
 * error ends " with '<bn>'". A NULL name is "one" or "the other".
 */
int mlg_profile_merge_named(struct mlg_profile *a, const char *an,
			    const struct mlg_profile *b, const char *bn);

/* The first column that two profiles both declare by a schema, as
 * different types; a->ncols when none, or when their columns differ
 * (mlg_profile_merge() says how). */
size_t mlg_profile_declared_conflict(const struct mlg_profile *a,
				     const struct mlg_profile *b);

/* The narrowest type every non-missing cell of `c` fits (see infer);
 * string when there is none. */
enum mlg_ftype mlg_profile_col_type(const struct mlg_profile_col *c);
/* The cells of `c` that are not missing: count - nulls - tokens. */
uint64_t mlg_profile_col_values(const struct mlg_profile_col *c);
/* The columns of `p` by name: a JSON object from each name to the array
 * of its column indices, ascending (more than one where the header
 * repeats it). New; json_decref() it. O(columns). */
json_t *mlg_profile_names(const struct mlg_profile *p);

/* 1 for the types profiled as numbers (integer, number, year, date,
 * datetime, time: dates as days, the others as seconds). */
int mlg_profile_is_numeric(enum mlg_ftype t);

/* The profile as JSON (docs/profile.md): a new reference. */
json_t *mlg_profile_to_json(const struct mlg_profile *p);
/*
 * Write the text mlg_json_dump() gives for mlg_profile_to_json(p) with
 * indent 2, and a newline, a column at a time: `put` gets it in pieces
 * of MLG_PROFILE_WRITE_CHUNK bytes or more (the last may be shorter), so
 * that only one column's JSON and one piece are ever in memory. 0, or
 * the first error `put` returns (or MLG_ELIMIT from the dump).
 */
#define MLG_PROFILE_WRITE_CHUNK (1u << 20)
int mlg_profile_write(const struct mlg_profile *p,
		      int (*put)(void *ctx, const void *data, size_t len),
		      void *ctx);
/*
 * Read a profile from `doc` into `out` (left empty on failure).
 * MLG_EINVALID, located: "unsupported profile_version 4, expected 1 to 3",
 * "missing required property 'state'", and the errors of the sketches.
 */
int mlg_profile_from_json(struct mlg_profile *out,
			  const struct mlg_json_doc *doc);
/*
 * mlg_json_parse() of the text `b` holds (taken over: `b` is left
 * empty), called `name` in messages, then mlg_profile_from_json(): the
 * same result and errors, but with the tree of one column at a time in
 * memory, not that of the whole document (several times its text).
 */
int mlg_profile_parse_buf(struct mlg_profile *out, const char *name,
			  struct mlg_buf *b);
/*
 * A saved profile is told by its content, never its name: its first
 * byte after a byte order mark and blanks is '{' and its first object
 * has the member "profile_version" within its first 64 KiB (or is still
 * open after them with "columns" its first member: a profile whose
 * members are sorted). Other JSON that starts with '{' is a JSON Lines
 * file, whose first record closes without that member or is still open,
 * with another first member, after 64 KiB: records may be that long.
 * At most those 64 KiB are read to tell.
 */
/*
 * Load the saved profile `src`: a path, "-" or an http(s) URL (with
 * `timeout_s`), compressed or not (mlg_stream_open()), of any size, then
 * mlg_profile_parse_buf(): it holds the text and one column's tree.
 * Errors: those of mlg_stream_open() and mlg_stream_read(), MLG_EINVALID
 * "'<src>' is not a saved profile: it does not start with
 * {"profile_version": ..." when its first 64 KiB say so (the rest is
 * not read), and those of
 * mlg_json_parse() and mlg_profile_from_json().
 */
int mlg_profile_load(struct mlg_profile *out, const char *src, long timeout_s);
/*
 * mlg_profile_load() of `src` where it holds a saved profile (0), told
 * from data with one opening: 1, with `out` empty, for what may be data
 * (not JSON; JSON too when `jsonl`; and, unread, "-", pipes and devices,
 * whose first bytes would be spent), with *data the source open at
 * its start (NULL for those unread), for its reader to take over
 * (mlg_profile_opts, mlg_validate_opts: `stream`), so that a URL is
 * fetched once; JSON that is no profile without `jsonl` is refused as
 * mlg_profile_load() refuses it. Negative codes are mlg_profile_load()'s
 * errors, and mlg_stream_open()'s for a local path that does not exist:
 * a source that cannot be read (a URL that failed or stalled for
 * `timeout_s`) is not to be read again.
 */
int mlg_profile_open(struct mlg_profile *out, const char *src, long timeout_s,
		     int jsonl, struct mlg_stream **data);

/* How mlg_profile_read() reads its input. */
struct mlg_profile_opts {
	struct mlg_csv_dialect dialect; /* header false: see below */
	unsigned shard, nshards;	/* profile chunks shard-1 mod nshards;
					   0/0: all */
	uint64_t chunk_rows;		/* rows per chunk */
	unsigned threads;		/* readers: 0 or 1 for one */
	long timeout_s;			/* for URLs */
	/* Cast the cells as this schema says (borrowed), or NULL. */
	const struct mlg_schema *schema;
	/* JSON Lines (needs a schema): the dialect reads each line whole,
	 * as mlg_dvcmd_dialect() sets it up, and there is no header. */
	int jsonl;
	/* `src` already open at its start (mlg_profile_open() read it to
	 * tell it), or NULL: taken over by mlg_profile_read(), closed
	 * whatever it returns; its first reader reads it. */
	struct mlg_stream *stream;
};
#define MLG_PROFILE_CHUNK_ROWS 10000

/*
 * Profile `src` (a path, "-" or a URL; compressed input detected): rows
 * cut in chunks of chunk_rows records (blank ones included), of which
 * shard k of N takes chunks k-1, k-1+N, ... (the header goes to every
 * shard). `out` is new: the profile of the shard's first chunk, with
 * the others merged in (mlg_profile_merge()) in file order, its KLL
 * sketches settled. With o->threads T > 1 and a regular file (standard
 * input, URLs, pipes and devices are read once), T threads each read
 * the file and profile every T-th of these chunks, each holding up to
 * two chunk profiles; the profile is the same for every T.
 *
 * Without a schema the columns are the header's and every cell is
 * text (see the top). Without a header (dialect.header 0) the first row
 * is data, and the columns are the schema's fields by position, as
 * validation maps them, or without a schema field1, field2, ... (as
 * frictionless names them), as many as the first row has cells.
 *
 * With o->schema the profile is the one the validation pass builds
 * (validate.h, opts->profile), so that shard profiles merge into it: a
 * column per schema field with its declared
 * type, every cell cast by mlg_field_check() (missing values are nulls,
 * type and constraint errors count as invalid); header columns map to
 * fields by position for fieldsMatch "exact", else by name (the first
 * column of a name; other columns are left out), cells that are not
 * valid UTF-8 or hold a NUL byte are left out, and a short row has
 * fewer cells. With o->jsonl each line is an object whose keys are
 * field names (a missing key or null is a null cell; a line that is no
 * object has no cells). Labels are not checked: validation does that.
 *
 * Errors: those of mlg_stream_open() and the CSV reader (an
 * unterminated quote is MLG_EDATA), MLG_EDATA "'<src>': the input is
 * empty: there is no header row" (CSV; without a header nor a schema,
 * "... there is no row to count the columns of"), MLG_EINVALID "cannot
 * profile '<src>' without a schema: JSON Lines needs one", MLG_EINVALID "a
 * profile needs at least one column", MLG_ERROR when PCRE2 cannot
 * allocate (mlg_cast_ctx_init()), MLG_EIO "'<src>' changed while it
 * was read" when the threads find the end of the file at different
 * rows, and MLG_ERROR "cannot start a thread".
 */
int mlg_profile_read(struct mlg_profile *out, const char *src,
		     const struct mlg_profile_opts *o);

/*
 * A Frictionless Table Schema for the profiled data, new reference.
 * Each field gets the narrowest type that every non-missing cell casts
 * to, in the order integer, number (neither when a number has a leading
 * zero), boolean, date, datetime, time, else string; "required" when no
 * cell is missing; schema missingValues "" plus the tokens seen. With
 * `constraints`: minimum/maximum for integer and number fields (not when
 * a number is NaN or infinite), and an enum for string and integer
 * fields of at most MLG_PROFILE_ENUM_MAX distinct values known exactly
 * (integers once each, ascending; strings by count, then text). Names
 * are the labels, unique: a blank one becomes "field<N>", a repeated one
 * "<label><N>" (N the column number), and a made name that a label or an
 * earlier field has takes the first free "<name>_2", "<name>_3", ...
 */
json_t *mlg_profile_infer(const struct mlg_profile *p, int constraints);

/*
 * Add the profile to a report as a table "<label>:profile" with the
 * columns column, type, nulls, distinct, min, mean, max, histogram. The
 * histogram of an integer, number, year, date, datetime or time column
 * with values is a sparkline (mlg_profile_sparkline()) of
 * MLG_PROFILE_SPARK_BINS equal-width bins from its minimum to its maximum
 * (mlg_profile_bin_shares(); one bar when they are equal), so its x axis
 * is the value, unlike the equal-mass "histogram" of the JSON; other
 * columns leave it empty.
 */
void mlg_profile_report(const struct mlg_profile *p, struct mlg_report *r,
			const char *label);

/* Bars of the sparklines in the report tables. */
#define MLG_PROFILE_SPARK_BINS 10

/*
 * Append to `out` a sparkline of the `n` bin counts (or shares) `v`:
 * neighbours summed into w = min(n, width) bars, bar j summing v[j n / w]
 * to v[(j + 1) n / w - 1] (integer division: the bars are equally wide
 * when w divides n). Each bar is one of the eight blocks U+2581..U+2588
 * ▁▂▃▄▅▆▇█ (three UTF-8 bytes each), counting ▁ as block 1: a bar of 0
 * is ▁, the only bar drawn so, and a bar b > 0 is block
 * 1 + ceil(7 b / top) (the ceiling taken within 1e-9, against rounding),
 * so that any non-empty bar is at least ▂ and the largest is █. `top` is
 * the largest bar when it is 0, less or NaN; give the largest bar of two
 * sparklines to draw both to one scale (a bar above `top` is █).
 * Negative, NaN and infinite counts count as 0; a bar whose sum
 * overflows is █. Nothing is appended when n or width is 0. O(n).
 */
void mlg_profile_sparkline(struct mlg_buf *out, const double *v, size_t n,
			   size_t width, double top);

/*
 * The shares of the values of `s` in `nbins` (>= 1) equal-width bins
 * over [lo, hi] into out[0 .. nbins): with edges e_i = lo + (hi - lo) t,
 * t = i / nbins (lo (1 - t) + hi t when hi - lo overflows), bin 0 holds
 * x <= e_1, bin i holds e_i < x <= e_(i+1), the last
 * bin x > e_(nbins-1), so the shares add up to 1 and a value on an edge
 * counts in the bin below it. Each share is a difference of
 * mlg_kll_rank(), exact while the sketch holds every value, else within
 * twice its rank error. All zero for an empty sketch. O(nbins k log k).
 */
void mlg_profile_bin_shares(double *out, const struct mlg_kll *s, double lo,
			    double hi, size_t nbins);

/* The Table Schema of the candidate types a column is tried against:
 * fields i (integer), n (number), b (boolean), d (date), dt (datetime)
 * and t (time), with their default formats. */
extern const char mlg_profile_cand_schema[];

#endif
