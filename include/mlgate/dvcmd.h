/*
 * dvcmd.h - the bodies of the data-validate commands, over the core
 *
 * data-validate keeps its option tables and orchestration; what a second
 * tool could reuse lives here: how a table's format and CSV dialect follow
 * from its name and the command line, --now and --shard parsing, the
 * checks and the frictionless error list of a validated file, and the
 * `profile`, `merge` and `infer` subcommands.
 *
 * Option values are borrowed (usually from argv) and never modified. No
 * global state; every function may be called from any thread as long as
 * the objects passed to it are not shared.
 *
 * Messages are exact, as the CLI golden tests pin them.
 */
#ifndef MLGATE_DVCMD_H
#define MLGATE_DVCMD_H

#include <stddef.h>

#include "mlgate/csv.h"
#include "mlgate/driftcheck.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/report.h"
#include "mlgate/schema.h"
#include "mlgate/validate.h"

/*
 * The command line of data-validate and its subcommands: a tool points
 * its option table at the members. A zeroed struct reads CSV with the
 * default dialect; set chunk_rows to MLG_PROFILE_CHUNK_ROWS and timeout_s
 * to the tool's default.
 */
struct mlg_dvcmd_opts {
	/* How tables are read. */
	const char *format;	  /* "csv", "tsv", "jsonl"; NULL: by name */
	const char *dialect_path; /* Frictionless CSV Dialect (JSON) */
	const char *delimiter, *quote_char, *escape_char, *comment_char;
	int no_header, no_double_quote, skip_initial_space;
	long timeout_s; /* for http(s) inputs */
	/* profile, merge, infer */
	const char *schema_path; /* profile: cast as this Table Schema */
	const char *output_path; /* where the profile or schema goes */
	const char *shard;	 /* "K/N", or NULL for every chunk */
	long chunk_rows;	 /* rows per chunk for sharding */
	long threads;		 /* threads that profile a file; 0: one per
				    core, up to 8 */
	int constraints;	 /* infer: minimum/maximum and enum */
};

/*
 * The format of a source from its name: "tsv" for .tsv and .tab, "jsonl"
 * for .jsonl and .ndjson, "csv" otherwise; one compression suffix (.gz,
 * .zst, .xz, .bz2) is looked through ("part-1.jsonl.gz" is "jsonl").
 * A static string. O(length of the name).
 */
const char *mlg_dvcmd_format(const char *src);

/*
 * The dialect to read `src` with into `*out` (initialised here), and in
 * `*jsonl` whether it is JSON Lines. The format is o->format, else
 * mlg_dvcmd_format(src). JSON Lines gets a dialect that reads each line
 * whole and ignores the options below. Otherwise the dialect starts from
 * the defaults (tab-delimited for tsv), then o->dialect_path, then the
 * single-character options and the flags.
 *
 * Errors: those of mlg_config_load() (JSON or YAML) and
 * mlg_dialect_parse() for the dialect file; MLG_EINVALID "option '--delimiter' expects one character,
 * not '<v>'" (quote-char, escape-char, comment-char alike; "\t" is a tab,
 * and an empty --quote-char means none); those of mlg_csv_dialect_check().
 */
int mlg_dvcmd_dialect(struct mlg_csv_dialect *out, int *jsonl,
		      const struct mlg_dvcmd_opts *o, const char *src);

/*
 * --now: "2026-11-22" or "2026-11-22T10:00:00Z" as seconds since the
 * Epoch into `*out`. MLG_EINVALID "option '--now' expects a date or
 * datetime (2026-11-22, 2026-11-22T10:00:00Z), not '<text>'", with *out
 * untouched.
 */
int mlg_dvcmd_parse_now(double *out, const char *text);

/*
 * --shard: "K/N" with 1 <= K <= N <= 1000000, in decimal digits (no
 * blanks or signs), into *k and *n. MLG_EINVALID "option '--shard'
 * expects K/N with 1 <= K <= N <= 1000000, not '<text>'", with the
 * outputs untouched.
 */
int mlg_dvcmd_parse_shard(unsigned *k, unsigned *n, const char *text);

/* The number options every command holds to: MLG_EINVALID "--chunk-rows
 * must be positive, not <n>", "--threads must be 0 (one per core) to 64,
 * not <n>", "--timeout must be positive, not <n>"; else 0. */
int mlg_dvcmd_check_opts(const struct mlg_dvcmd_opts *o);

/* mlg_profile_check_whole() of `p`, the profile of the inputs `srcs`,
 * named as its one input ("'all.json' holds only ...") or "the data". */
int mlg_dvcmd_check_whole(const struct mlg_profile *p, int n,
			  char *const *srcs);

/*
 * How checks name a source: the part after the last '/' of a path, the
 * whole of a URL or of a name ending in '/'. Borrowed from `src`.
 */
const char *mlg_dvcmd_short_name(const char *src);

/*
 * Add the result of validating one file against `s` to `r`:
 *   <name>			fail when there are errors, with the row count,
 *				size and speed; value: the error count,
 *				threshold "errors == 0"
 *   <name>:<type>[:<field>]	fail, one per error type and schema field
 *				that occurred ("3 errors"), with the listed
 *				errors as findings at their line and field;
 *				the count is of all errors, listed or not
 * and the property "rows". <name> is mlg_dvcmd_short_name(v->source).
 * O(types x fields x listed errors).
 */
void mlg_dvcmd_report_file(struct mlg_report *r, const struct mlg_schema *s,
			   const struct mlg_validate_result *v);

/*
 * Append the listed errors of `v` to the JSON array `errors` (borrowed),
 * as frictionless error objects: type, place, rowNumber, line,
 * fieldNumber, fieldName, cell, note (each when known) and message.
 */
void mlg_dvcmd_errors_json(json_t *errors, const struct mlg_validate_result *v);

/*
 * Write the profile as JSON (docs/profile.md), indented, to `path` (not
 * NULL; "-" is standard output), atomically, a column at a time
 * (mlg_profile_write()). The errors of mlg_profile_write() and of
 * mlg_atomic_open(), mlg_atomic_write() and mlg_atomic_commit(), with a
 * missing directory MLG_EIO (exit 3, as a report file); a file is then
 * left as it was, but standard output may have had the first
 * megabytes.
 */
int mlg_dvcmd_write_profile(const char *path, const struct mlg_profile *p);

/* The most threads `profile --threads` takes. */
#define MLG_DVCMD_MAX_THREADS 64

/*
 * Profile each of the `n` sources and merge them into `out` (new; left
 * empty on failure). Without o->schema_path a data source is profiled
 * without a schema; with it, as the validation pass profiles
 * (mlg_profile_read() with the schema: declared types, cast values, and
 * JSON Lines readable), so that shard profiles made with the schema
 * merge into the profile a validation run with `--profile` writes. A
 * source that is a saved profile (mlg_profile_open(): by
 * content, not name) is loaded instead, so shard profiles merge here as
 * with `merge`, and `data-validate --reference REF all.json` checks drift
 * on a merged profile. Each source adds a pass check "<name>: R rows, C
 * columns profiled" (or "... columns from a saved profile") and its
 * profile table to `r`. o->shard and o->chunk_rows select the chunks of
 * data sources (shard K/N takes chunk c of source i, from 0, where
 * (c + i) mod N is K - 1), and o->threads the threads that read each (the profile
 * does not depend on it: mlg_profile_read()).
 *
 * Errors: those of mlg_dvcmd_check_opts(), mlg_dvcmd_parse_shard(), of
 * mlg_schema_load() prefixed "cannot use schema", and of
 * mlg_dvcmd_dialect(), MLG_EINVALID "cannot profile '<src>' without a
 * schema: JSON Lines needs one (...)", MLG_EINVALID "option '--shard'
 * does not apply to the saved profile '<src>': shard the data it was
 * made from", those of mlg_profile_read() and mlg_profile_load() (a
 * missing source is MLG_EIO: exit 3, as data), and those of
 * mlg_profile_merge_named() naming the source merged and, for the
 * profile merged so far, the first source (which has its columns) or
 * the first source that declared the type of the column in conflict:
 * "cannot merge profiles: column '<x>' is declared <type> in '<src1>'
 * and <type> in '<src2>'".
 * O(total input) time, memory of the profiles.
 */
int mlg_dvcmd_profile_inputs(struct mlg_profile *out, struct mlg_report *r,
			     int n, char *const *srcs,
			     const struct mlg_dvcmd_opts *o);

/*
 * `data-validate profile`: mlg_dvcmd_profile_inputs(), then the merged
 * profile written to o->output_path when set (else only the report
 * shows it).
 */
int mlg_dvcmd_profile(struct mlg_report *r, int n, char *const *srcs,
		      const struct mlg_dvcmd_opts *o);

/*
 * `data-validate merge`: load the `n` saved profiles and merge them; add
 * a pass check "merge" ("N profiles, R rows") and the table
 * "merged:profile" to `r`, and write the result to o->output_path when
 * set (else only the report shows it, as for `profile`). Errors: those
 * of mlg_profile_load() (a missing file is MLG_EIO; a CSV given by
 * mistake is "not a saved profile"), and those of merging as
 * mlg_dvcmd_profile_inputs() names both files. No file is written on
 * error.
 */
int mlg_dvcmd_merge(struct mlg_report *r, int n, char *const *paths,
		    const struct mlg_dvcmd_opts *o);

/*
 * `data-validate infer`: profile the sources as mlg_dvcmd_profile_inputs()
 * and write the inferred Table Schema (mlg_profile_infer() with
 * o->constraints) to o->output_path ("-" for standard output; a missing
 * directory is MLG_EIO), whole or not at all. Warns, as checks, of what the file's
 * structure breaks and no schema allows: "infer:rows" (rows with fewer
 * cells than the header, blank ones included; without a schema only),
 * "infer:long-rows" (rows with more), "infer:encoding" (cells that are
 * not UTF-8 text) and "infer:labels" (repeated or empty header labels).
 */
int mlg_dvcmd_infer(struct mlg_report *r, int n, char *const *srcs,
		    const struct mlg_dvcmd_opts *o);

/*
 * mlg_driftcheck_prepare() for the reference `ref` read with the dialect
 * of mlg_dvcmd_dialect(), as the current data is,
 * o->timeout_s and o->threads; the drift config `config_path` may be NULL. A reference
 * dataset is profiled with `schema` (borrowed, may be NULL) as
 * mlg_profile_read() does, so that its columns have the declared types
 * of the current data's validation pass. Its errors, and those of
 * mlg_dvcmd_dialect().
 * `out` must be zeroed or prepared; release it with
 * mlg_driftcheck_release() in every case.
 */
int mlg_dvcmd_drift_prepare(struct mlg_driftcheck *out, const char *ref,
			    const char *config_path,
			    const struct mlg_schema *schema,
			    const struct mlg_dvcmd_opts *o);

#endif
