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

/* The frictionless-style message of an error:
 * "row 1043, field 'age' (3): 212 is above maximum 120". */
int mlg_verr_message(struct mlg_buf *out, const struct mlg_verr *e);

#endif
