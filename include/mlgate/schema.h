/*
 * schema.h - Frictionless Table Schema: load it, cast cells, check
 * constraints
 *
 * A schema is loaded once (mlg_schema_load(), mlg_schema_parse()); then
 * every cell of a table goes through mlg_field_check(), which turns
 * missing values into nulls, casts the text to the field's type and checks
 * the field's constraints. That call allocates nothing (apart from object
 * and array cells, parsed by jansson, and numbers of 256 bytes or more),
 * uses no locale and is safe to run in many threads at once, each with its
 * own struct mlg_cast_ctx.
 *
 * Versions. Table Schema v1 and v2 are both read. A descriptor is v2 when
 * its "$schema" contains "2.0", or when it uses a v2-only property:
 * "fieldsMatch", "uniqueKeys", a field's "missingValues", "categories",
 * "categoriesOrdered" or "rdfType", or a missing value written as an
 * object {"value", "label"}. The version only decides the type of a
 * field without "type": "string" in v1, "any" in v2.
 *
 * Errors in a schema are MLG_EINVALID, located with mlg_json_error():
 *	'<file>': <line>:<col>: /fields/2/type: unknown type 'integr'
 * Every property that is not supported is an error, never ignored; the
 * documentation-only properties (title, description, example, $schema,
 * rdfType, and name/profile at the top) are accepted. "foreignKeys" and the types geopoint, geojson and list are
 * reported as unsupported.
 *
 * Cell semantics (the exact rules, tested in tests/unit/test_cast.c):
 *
 *  number    [+-] digits [decimalChar digits] [(e|E) [+-] digits], with
 *            digits on at least one side of the decimal char (XML Schema
 *            decimal plus an exponent), or NaN, INF, +INF, -INF. groupChar
 *            may appear between two digits of the integer part. Surrounding
 *            spaces are type errors. bareNumber false first strips leading
 *            bytes other than digits, signs and the decimal char, and
 *            trailing bytes other than digits ("95%", "EUR 95"). Short
 *            decimals are converted exactly without strtod; long ones go
 *            through strtod_l() in the C locale (correctly rounded). Values
 *            beyond the double range become +-inf.
 *  integer   [+-] digits with groupChar and bareNumber as above; leading
 *            zeros are fine ("007" is 7); "1.0" and anything outside int64
 *            are type errors.
 *  boolean   exactly one of trueValues (default true, True, TRUE, 1) or
 *            falseValues (default false, False, FALSE, 0).
 *  date      default YYYY-MM-DD (years 0001-9999, real calendar days).
 *  time      default hh:mm:ss[.f][zone]; a fraction of any length (kept to
 *            the microsecond, truncated); the zone (Z or +-hh:mm, at most
 *            14:00) is subtracted and the result taken modulo 24 h.
 *  datetime  default YYYY-MM-DDThh:mm:ss[.f][zone] (XML Schema dateTime;
 *            v1's UTC "Z" form is a special case); no zone means UTC.
 *  any (format, date/time/datetime): the default form, or Y/M/D with '-',
 *            '/' or '.' and one- or two-digit month and day; times as
 *            h:mm[:ss[.f]] with an optional " AM"/"PM" and zone; a datetime
 *            separates the date and time with 'T' or one space.
 *  pattern   a strptime pattern (v1's "fmt:" prefix accepted): %Y (4
 *            digits) %y (2 digits, 69-99 is 19xx) %m %d %H %I %M %S (1 or 2
 *            digits) %j (1-3) %f (1-6 digits) %b %B (English month names,
 *            any case) %p (AM/PM with %I) %z (Z, +hhmm, +hh:mm) %%; a space
 *            matches one or more spaces; other bytes match themselves. As
 *            Python, missing parts default to 1900-01-01 00:00:00.
 *  year      4 digits, or more without leading zeros (gYear); no sign.
 *  yearmonth YYYY-MM.
 *  duration  [-]P[nY][nM][nD][T[nH][nM][n[.f]S]] (XML Schema duration), at
 *            least one part, and at least one after a 'T'; more than
 *            10^12 years or int64 microseconds is a type error.
 *  string    default: any bytes. email: one '@', non-empty local part,
 *            a domain with an inner '.', no spaces or control bytes. uri:
 *            scheme (RFC 3986: a letter then letters, digits, + - .) ':'
 *            and a non-empty rest without spaces or control bytes. uuid:
 *            8-4-4-4-12 hex digits. binary: base64 (RFC 4648, padded).
 *            Strings are bytes: encoding is the reader's business. Lengths
 *            count code points, each invalid UTF-8 byte counting as one.
 *  object, array: a JSON text of that kind (jansson); length = members or
 *            elements.
 *  any       no processing.
 *
 * Constraints (a constraint on a type it does not apply to is a schema
 * error): required, unique (recorded, checked by the caller through
 * mlg_value_hash()), enum (entries cast with the field's type and format
 * at load; a bad entry is a schema error), minLength and maxLength (string,
 * object, array), minimum, maximum, exclusiveMinimum, exclusiveMaximum
 * (numbers for number, integer and year; strings in the field's format for
 * date, time, datetime, yearmonth and duration), pattern (string; PCRE2,
 * matched against the whole value, UTF with invalid UTF-8 never matching).
 * NaN fails every range constraint.
 *
 * categories (v2, string and integer fields): a non-empty array of unique
 * values, or of objects {"value", "label"} with unique values and labels,
 * cast like enum entries. The spec makes them a restriction ("the logical
 * representation MUST exactly match one of the values"), so they are
 * checked as an enum is (their note says "(categories)"), from
 * enum_values with `categories` set. An enum given too must be a subset
 * of them (a schema error otherwise) and is the one checked.
 * categoriesOrdered must be a boolean and needs categories; no check
 * depends on the order. Durations are compared as XML Schema
 * does, by adding them to 1696-09-01, 1697-02-01, 1903-03-01 and
 * 1903-07-01: a constraint holds when it holds at all four (P365D is at
 * most P1Y; P366D is not, nor is it above: "not comparable").
 */
#ifndef MLGATE_SCHEMA_H
#define MLGATE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/csv.h"
#include "mlgate/json.h"

enum mlg_ftype {
	MLG_T_ANY,
	MLG_T_STRING,
	MLG_T_NUMBER,
	MLG_T_INTEGER,
	MLG_T_BOOLEAN,
	MLG_T_DATE,
	MLG_T_TIME,
	MLG_T_DATETIME,
	MLG_T_YEAR,
	MLG_T_YEARMONTH,
	MLG_T_DURATION,
	MLG_T_OBJECT,
	MLG_T_ARRAY,
};

/* The Table Schema name of a type ("integer"); "?" when out of range. */
const char *mlg_ftype_name(enum mlg_ftype t);

/*
 * The cast value of one cell. `str, len` is always the cell text
 * (borrowed from the caller). By type:
 *   number      num
 *   integer     i, and num = (double)i
 *   year        i (the year), num = (double)i
 *   boolean     i = 0 or 1
 *   date        i = days since 1970-01-01
 *   time        i = microseconds since midnight
 *   datetime    i = microseconds since 1970-01-01T00:00:00Z
 *   yearmonth   i = year * 12 + month - 1
 *   duration    months = years * 12 + months, i = microseconds of the
 *               day and time parts (days count 86400 s); both negative
 *               for a negative duration
 *   object      i = number of members; array: i = number of elements
 *   string      i = length in code points when a length constraint
 *               had to count them, else 0 (the byte length alone
 *               settles minLength when len >= 4 * minLength, and
 *               maxLength when len <= maxLength)
 * `null` is 1 for a missing value; the rest is then zero.
 */
struct mlg_value {
	enum mlg_ftype type;
	int null;
	double num;
	int64_t i;
	int64_t months;
	const char *str;
	size_t len;
};

/* How a field's format was read. */
enum mlg_fformat {
	MLG_FMT_DEFAULT,
	MLG_FMT_ANY,	 /* date/time/datetime "any" */
	MLG_FMT_PATTERN, /* date/time/datetime strptime pattern */
	MLG_FMT_EMAIL,
	MLG_FMT_URI,
	MLG_FMT_UUID,
	MLG_FMT_BINARY,
};

/* Bits of struct mlg_field.has: the constraints a field declares. */
enum {
	MLG_C_ENUM = 1 << 0,
	MLG_C_MIN_LENGTH = 1 << 1,
	MLG_C_MAX_LENGTH = 1 << 2,
	MLG_C_MINIMUM = 1 << 3,
	MLG_C_MAXIMUM = 1 << 4,
	MLG_C_EXCL_MINIMUM = 1 << 5,
	MLG_C_EXCL_MAXIMUM = 1 << 6,
	MLG_C_PATTERN = 1 << 7,
};

/* Indices of struct mlg_field.bound. */
enum { MLG_B_MINIMUM, MLG_B_MAXIMUM, MLG_B_EXCL_MINIMUM, MLG_B_EXCL_MAXIMUM };

/*
 * One field. Everything is owned by the schema. `format` is never NULL
 * ("default" when absent). Read-only after loading.
 */
struct mlg_field {
	char *name;
	enum mlg_ftype type;
	char *format;
	int required, unique;

	enum mlg_fformat fmt;
	const char *pattern_fmt;       /* MLG_FMT_PATTERN: into format */
	char decimal_char, group_char; /* group_char 0: none */
	int bare_number;
	char **true_values, **false_values;
	size_t ntrue, nfalse;
	char **missing; /* per-field missing values (v2), when has_missing */
	size_t nmissing;
	int has_missing;

	unsigned has; /* MLG_C_* */
	int64_t min_length, max_length;
	struct mlg_value bound[4];     /* MLG_B_*; str unused */
	int bound_real[4];	       /* integer/year bound given as a real */
	char *bound_text[4];	       /* as written, for notes */
	struct mlg_value *enum_values; /* str owned by the field */
	json_t **enum_json;	       /* object/array enums: new refs */
	size_t nenum;
	int categories;		/* the enum values are the v2 categories */
	int categories_ordered; /* v2 categoriesOrdered (no check uses it) */
	char *pattern;		/* the regular expression as written */
	void *re;		/* pcre2_code * */

	/*
	 * Private: what mlg_field_check() needs per cell, decided once by
	 * mlg_field_compile(). Zeroed, mlg_field_cast() still works (it
	 * takes the general paths) but mlg_field_check() sees no missing
	 * values.
	 */
	struct mlg_field_fast {
		char *const *miss; /* the missing values in force: borrowed */
		size_t nmiss;
		uint64_t miss_lens; /* bit n: a non-empty one of n bytes
				       (bit 63: 63 bytes or more) */
		int miss_empty;	    /* "" is one of them */
		int range;	    /* how bounds compare (cast.c) */
		/* the bounds as one inclusive range, of i or num as range
		 * says: empty (lo > hi) when no value can hold them */
		int64_t ilo, ihi;
		double lo, hi;
		int kind;     /* the fast cast path (cast.c) */
		size_t *lens; /* one block: lengths of miss, then true_values,
				 then false_values */
		size_t *true_len, *false_len; /* into lens, or NULL */
		void *enums; /* one block: the enum hash index, or NULL */
	} fast;
};

enum mlg_fields_match {
	MLG_MATCH_EXACT,
	MLG_MATCH_EQUAL,
	MLG_MATCH_SUBSET,
	MLG_MATCH_SUPERSET,
	MLG_MATCH_PARTIAL,
};

struct mlg_schema {
	struct mlg_field *fields;
	size_t nfields;
	enum mlg_fields_match fields_match;
	size_t *primary_key; /* field indices */
	size_t npk;
	size_t **unique_keys;
	size_t *nunique_key;
	size_t nunique_keys;
	char **missing; /* schema missing values, default [""] */
	size_t nmissing;
	int version; /* 1 or 2 */
};

/*
 * Load the schema in the JSON or YAML file `path` ("-": standard input)
 * into `out`, which need not be initialised and is left empty on failure.
 * Errors: those of mlg_config_load() (yaml.h), and MLG_EINVALID with
 * located messages from mlg_schema_parse().
 */
int mlg_schema_load(struct mlg_schema *out, const char *path);

/*
 * Read the schema in `doc`; `out` copies all it needs (doc may be
 * released afterwards). MLG_EINVALID examples:
 *	'<f>': 7:15: /fields/2/type: unknown type 'integr'
 *	'<f>': 3:5: /fields/1: unknown property 'foo'
 *	'<f>': 5:20: /fields/0/constraints/minimum: expected a number for
 *		an integer field
 *	'<f>': 9:3: /foreignKeys: foreignKeys are not supported
 *	'<f>': 2:17: /primaryKey/0: unknown field 'idd'
 * Primary key fields become required. O(size of the schema), plus one
 * PCRE2 compilation per pattern.
 */
int mlg_schema_parse(struct mlg_schema *out, const struct mlg_json_doc *doc);

/*
 * Decide the fast paths of field `f` of `s` for mlg_field_check(): the
 * missing values in force with their lengths, the boolean value lengths,
 * a hash index of the enum values (with, for a string field that also
 * has a pattern, whether each enum value matches it) and how range bounds
 * compare. mlg_schema_parse() calls it once per field, after the whole
 * descriptor is read; call it again only after mlg_field_release_fast().
 * Returns 0, or MLG_ERROR when PCRE2 cannot allocate match data.
 * O(missing values + enum values), plus one pattern match per enum value.
 */
int mlg_field_compile(struct mlg_field *f, const struct mlg_schema *s);

/* Free what mlg_field_compile() allocated and zero f->fast. */
void mlg_field_release_fast(struct mlg_field *f);

/* Free everything in `s` and zero it. Safe on a zeroed schema. */
void mlg_schema_release(struct mlg_schema *s);

/* The index of the field `name` (exact bytes), or -1. O(fields). */
int mlg_schema_field_index(const struct mlg_schema *s, const char *name);

/* The first of labels[0 .. c) equal to labels[c], 1-based, or 0; an
 * empty label repeats none. A repeated label maps to no field. */
size_t mlg_label_repeats(char *const *labels, size_t c);

/*
 * Per-thread scratch: PCRE2 match data and the note buffer. The schema is
 * borrowed and must outlive the context. init returns 0, or MLG_ERROR
 * when PCRE2 cannot allocate match data.
 */
struct mlg_cast_ctx;
int mlg_cast_ctx_init(struct mlg_cast_ctx **out, const struct mlg_schema *s);
void mlg_cast_ctx_free(struct mlg_cast_ctx *c);

enum mlg_cell {
	MLG_CELL_OK,
	MLG_CELL_NULL,
	MLG_CELL_TYPE_ERROR,
	MLG_CELL_CONSTRAINT_ERROR,
};

/*
 * Check one cell of field `field_index` (< nfields): missing values first
 * (compared as bytes; the field's list replaces the schema's), then the
 * cast, then every constraint but unique. `out` receives the cast value
 * (for OK and NULL; unspecified otherwise). On an error `*note` (may be
 * NULL) is set to a borrowed string in the context, valid until its next
 * call; else to "". Only the first failing constraint is reported, in
 * the order minLength, maxLength, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, pattern, enum. Notes, with <v> the cell text (quoted as '...' except
 * for number, integer and year; control bytes and invalid UTF-8 shown as
 * \xNN; cut after 40 bytes with "..."):
 *	constraint "required" is "true"        a required field is missing
 *	type is "<type>/<format>"               e.g. type is "integer/default"
 *	<v> is below minimum <b>                <b> as in the schema, strings
 *	<v> is above maximum <b>                quoted: '2020-01-01'
 *	<v> is not above exclusiveMinimum <b>
 *	<v> is not below exclusiveMaximum <b>
 *	<v> is not comparable with <rule> <b>   durations such as P1M vs P30D
 *	length <n> is below minLength <m>
 *	length <n> is above maxLength <m>
 *	<v> is not one of the allowed values (enum)     or (categories)
 *	<v> does not match pattern '<re>'
 * O(len) for the default formats, no allocation (see the top).
 */
enum mlg_cell mlg_field_check(struct mlg_cast_ctx *c, size_t field_index,
			      const char *cell, size_t len,
			      struct mlg_value *out, const char **note);

/*
 * The verdicts of mlg_field_scan(): a valid cell, a missing value the
 * field allows (mlg_field_check() would say MLG_CELL_NULL), or a cell
 * only mlg_field_check() can judge (an error, or a case the fast paths
 * do not take).
 */
enum { MLG_SCAN_OK, MLG_SCAN_NULL, MLG_SCAN_CHECK };

/*
 * Judge `n` cells of field `field_index` at once, cells[0], cells[stride],
 * ..., as a CSV record's fields: st[i] gets a verdict above. With
 * `keys`, keys[i] gets mlg_value_word(value, seed) of each valid cell;
 * with `vals`, vals[i] gets the value itself, the very value
 * mlg_field_check() gives it (a profile's input). For a table checked a
 * column at a time: one call per column of a block of rows, then
 * mlg_field_check() only for the cells it left. No notes, no allocation;
 * O(total length).
 */
struct mlg_csv_field;
void mlg_field_scan(struct mlg_cast_ctx *c, size_t field_index,
		    const struct mlg_csv_field *cells, size_t stride, size_t n,
		    unsigned char *st, uint64_t *keys, uint64_t seed,
		    struct mlg_value *vals);

/*
 * `len` bytes of `cell` as notes show a value of type `t`: quoted '...'
 * except for number, integer and year; control bytes and invalid UTF-8 as
 * \xNN; cut after 40 bytes with "...". Writes the text, NUL-terminated,
 * into `out`, which holds MLG_CELL_SHOW_MAX bytes, and returns `out`.
 */
#define MLG_CELL_SHOW_MAX 200
const char *mlg_cell_show(char *out, enum mlg_ftype t, const char *cell,
			  size_t len);

/*
 * Cast `len` bytes of `cell` with the type and format of `f`: no missing
 * values, no constraints. Returns 0 and fills `out`, or -1 (type error).
 */
int mlg_field_cast(struct mlg_value *out, const struct mlg_field *f,
		   const char *cell, size_t len);

/*
 * A hash of a cast value for unique checks: equal values hash equal
 * across spellings ("01" and "1" as integers; 1.0 and 1 as numbers, and a
 * number equal to an integer). Strings, any, object and array hash their
 * bytes; nulls hash alike. mlg_value_equal() is the matching equality
 * (NaN equals NaN here, so repeated NaNs are duplicates). O(len).
 */
uint64_t mlg_value_hash(const struct mlg_value *v, uint64_t seed);
int mlg_value_equal(const struct mlg_value *a, const struct mlg_value *b);

/*
 * The word a unique key keeps of a valid value: an integer as it is, so
 * that a set can hold ascending ids as runs (mlg_fpset_add_int()), any
 * other value as mlg_value_hash(v, seed).
 */
static inline uint64_t mlg_value_word(const struct mlg_value *v, uint64_t seed)
{
	return v->type == MLG_T_INTEGER ? (uint64_t)v->i
					: mlg_value_hash(v, seed);
}

/*
 * Temporal parsers used by the casts, usable alone. `pattern` is the
 * strptime pattern for MLG_FMT_PATTERN (else ignored). Return 0 and set
 * *out as in struct mlg_value, or -1.
 */
int mlg_cast_temporal(int64_t *out, enum mlg_ftype type, enum mlg_fformat fmt,
		      const char *pattern, const char *s, size_t len);
int mlg_cast_duration(int64_t *months, int64_t *us, const char *s, size_t len);
/* The first bad directive of a strptime pattern ("%Q", "%" at the end),
 * or NULL when it is valid. Borrowed: points into `pattern`. */
const char *mlg_strptime_invalid(const char *pattern);
/*
 * Compare durations as XML Schema does, at its four reference datetimes:
 * mlg_duration_order() gives the set of outcomes (MLG_ORDER_* bits);
 * mlg_duration_cmp() gives -1, 0 or 1 when all four agree, else 2.
 */
enum { MLG_ORDER_LT = 1, MLG_ORDER_EQ = 2, MLG_ORDER_GT = 4 };
unsigned mlg_duration_order(int64_t m1, int64_t us1, int64_t m2, int64_t us2);
int mlg_duration_cmp(int64_t m1, int64_t us1, int64_t m2, int64_t us2);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t mlg_days_from_civil(int64_t y, int m, int d);

/*
 * Read a Frictionless CSV Dialect 1.2 / Table Dialect v2 descriptor into
 * `out` (defaults for absent properties). Accepted: delimiter, quoteChar,
 * doubleQuote, escapeChar, skipInitialSpace, header, commentChar,
 * lineTerminator ("\r\n" or "\n", which read alike), caseSensitiveHeader,
 * csvddfVersion, headerRows ([1], or [] for no header), headerJoin, $schema,
 * title, description. nullSequence and any other property are located
 * MLG_EINVALID errors, as is a dialect mlg_csv_dialect_check() refuses
 * (reported at the root). Characters are single bytes.
 */
int mlg_dialect_parse(struct mlg_csv_dialect *out,
		      const struct mlg_json_doc *doc);

#endif
