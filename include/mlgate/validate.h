/*
 * validate.h - stream a table through a Table Schema, in parallel
 *
 * One pass over the input, in constant memory apart from the fingerprint
 * sets of unique/primaryKey/uniqueKeys constraints. The reader thread
 * cuts the input into chunks at record boundaries (quote-aware), worker
 * threads parse, cast and check the chunks, and the reader merges their
 * results in input order: the errors come out in row order, identical to
 * a single-threaded run whatever the thread count.
 *
 * Errors follow frictionless: type names (type-error, constraint-error,
 * missing-cell, extra-cell, blank-row, duplicate-label, blank-label,
 * missing-label, extra-label, incorrect-label, unique-error, primary-key,
 * encoding-error, format-error), rowNumber counting the header as row 1,
 * fieldNumber 1-based. The physical line of the record is kept as well,
 * for annotations.
 *
 * The header (row 1) gets at most one error per column, in column order.
 * A label that is not text (invalid UTF-8, a NUL byte) is an
 * encoding-error, whatever the mode. fieldsMatch "exact" maps columns to
 * fields by position: an empty label is a blank-label, a repeat of an
 * earlier one a duplicate-label, another name an incorrect-label (each
 * with the field of that position), and a column beyond the fields only
 * an extra-label. The other modes map by name: a repeated label is a
 * duplicate-label (the column is not checked), a label naming no field an
 * extra-label for "equal" and "superset". Fields without a column are
 * missing-label errors numbered after the last column, as frictionless
 * does: all of them for "exact", "equal" and "subset", the required ones
 * (primary key included) for "superset" and "partial"; "partial" with no
 * matching column at all gets one more, without a field.
 *
 * Keys: a unique constraint or a one-field uniqueKey is checked per field
 * (unique-error with the field and the cell); a primaryKey (primary-key)
 * and a uniqueKey of several fields (unique-error) are the row's, without
 * a field, their note showing the values: "(a, b) = (1, 'x') repeats row
 * 2". A key with a null or missing part is not checked (SQL's rule, as the
 * spec says for uniqueKeys); the part itself is then reported if its
 * field is required, as primary key fields are.
 *
 * JSON Lines input maps each object's keys to the schema's fields by
 * name: a missing key or null is a missing value, a key the schema does
 * not have is an extra-cell error, a line that is not a JSON object is a
 * format-error. Rows are numbered as if a header came first (line 1 is
 * row 2), like CSV.
 */
#ifndef MLGATE_VALIDATE_H
#define MLGATE_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/csv.h"
#include "mlgate/dscheck.h"
#include "mlgate/profile.h"
#include "mlgate/schema.h"

enum mlg_verr_type {
	MLG_VE_TYPE,
	MLG_VE_CONSTRAINT,
	MLG_VE_MISSING_CELL,
	MLG_VE_EXTRA_CELL,
	MLG_VE_BLANK_ROW,
	MLG_VE_DUPLICATE_LABEL,
	MLG_VE_BLANK_LABEL,
	MLG_VE_MISSING_LABEL,
	MLG_VE_EXTRA_LABEL,
	MLG_VE_INCORRECT_LABEL,
	MLG_VE_UNIQUE,
	MLG_VE_PRIMARY_KEY,
	MLG_VE_ENCODING,
	MLG_VE_FORMAT,
	MLG_VE_COUNT
};

/* "type-error", ... */
const char *mlg_verr_name(enum mlg_verr_type t);

/* One listed error. Strings are owned by the result. */
struct mlg_verr {
	enum mlg_verr_type type;
	uint64_t row;	  /* rowNumber; 0 for label errors without a row */
	uint64_t line;	  /* physical line of the record */
	size_t field;	  /* fieldNumber, 1-based; 0 for row errors */
	char *field_name; /* NULL for row errors */
	char *cell;	  /* the cell, cut to 64 bytes; NULL when none */
	char *note;	  /* the rule and the value, one line */
};

struct mlg_validate_opts {
	const struct mlg_schema *schema;
	struct mlg_csv_dialect dialect;
	int threads;		  /* worker threads; 1 validates inline */
	uint64_t limit_errors;	  /* errors listed (all are counted) */
	size_t unique_memory;	  /* cap on fingerprint sets, bytes */
	const char *invalid_rows; /* write failing records here, or NULL */
	const char *valid_rows;	  /* write passing records here, or NULL */
	long timeout_s;		  /* for URLs */
	int jsonl; /* JSON Lines: one object per line, keys are fields */
	/* Dataset checks to compute in the same pass, or NULL. */
	const struct mlg_dscheck *checks;
	/* 1: build the profile of the schema fields (profile.h) in the same
	 * pass, into result->profile. */
	int profile;
	/* Bytes read at a time, and so a thread's chunk (0: the reader's
	 * default). The results do not depend on it. */
	size_t chunk_size;
	/* A record of more bytes is an error (0: MLG_CSV_MAX_RECORD). */
	size_t max_record;
	/* `src` already open at its start (mlg_profile_open() read it to
	 * tell it from a saved profile), or NULL: taken over, closed by
	 * mlg_validate() whatever it returns. */
	struct mlg_stream *stream;
};

#define MLG_VALIDATE_LIMIT_ERRORS  1000
#define MLG_VALIDATE_UNIQUE_MEMORY ((size_t)1 << 30)

struct mlg_validate_result {
	char *source;
	uint64_t rows;	/* data rows (header excluded) */
	uint64_t bytes; /* decompressed bytes read */
	uint64_t raw_bytes;
	double seconds;
	size_t nlabels;
	char **labels;
	uint64_t errors; /* all errors */
	/* Counts per error type and schema field (index nfields: none). */
	uint64_t *counts; /* MLG_VE_COUNT * (nfields + 1) */
	size_t nfields;
	struct mlg_verr *list; /* the first limit_errors errors, row order */
	size_t nlist, alist;
	struct mlg_dsacc
		*stats; /* the dataset metrics, when checks were given */
	/* The profile, one column per schema field, when opts->profile:
	 * a new object owned by the result (released with it). */
	struct mlg_profile *profile;
};

/*
 * Validate `src` (a path, "-" or an http(s) URL; compressed input is
 * detected) against opts->schema. Returns 0 when the data was read to
 * the end, valid or not; data errors are in `out`. Returns a negative
 * code for I/O, network, limit and output failures (exit 3).
 */
int mlg_validate(struct mlg_validate_result *out, const char *src,
		 const struct mlg_validate_opts *opts);

void mlg_validate_result_release(struct mlg_validate_result *r);

/*
 * The frictionless-style message of an error, appended to `out`: where,
 * then the value next to the rule. `header`: the input has one, so that
 * an error of row 1 with a column is the header's; without one (JSON
 * Lines, --no-header) row 1 is data.
 *	row 1043, field 'age': 212 is above maximum 120
 *	row 3, field 'age': 'abc' is not integer (type is "integer/default")
 *	row 8, column 9: 'extra': the row has more cells than the header
 *	header, field 'b': label 'a' repeats column 1
 * Values are shown as mlg_cell_show() shows strings.
 */
int mlg_verr_message(struct mlg_buf *out, const struct mlg_verr *e, int header);

/* Whether `e` is the header's: at a column of row 1 of an input that
 * has a header (`header`). Data rows count from 2, as frictionless
 * counts; without a header row 1 is data. */
static inline int mlg_verr_in_header(const struct mlg_verr *e, int header)
{
	return header && e->row == 1 && e->field;
}

#endif
