/*
 * infer.h - model endpoints: request bodies, responses, a dataset to send
 *
 * Three serving protocols (no curl here; requests go through http.h):
 *
 *   v2         Open Inference Protocol (KServe v2, Triton, MLServer):
 *              POST <base>/v2/models/<model>/infer. When every feature
 *              is numeric: ONE 2-D FP64 input tensor "input", shape
 *              [rows, features], data flat and row-major. FP64, not
 *              FP32, so that the values the model sees are exactly the
 *              dataset's. With a text column: one input tensor per
 *              column, named after it, shape [rows, 1], datatype FP64
 *              (numbers) or BYTES (data as JSON strings), in column
 *              order. (MLServer's scikit-learn runtime makes a
 *              DataFrame of such inputs when the model's settings give
 *              content_type "pd".)
 *   tfserving  POST <base>/v1/models/<model>:predict
 *              {"instances": [[x0, x1, ...], ...]}, or with a text
 *              column {"instances": [{"x0": 1.5, "color": "red"}, ...]}
 *   mlflow     POST <base>/invocations
 *              {"dataframe_split": {"columns": [...], "data": [[...]]}}
 *              numbers and strings in "data", null for a missing value
 *
 * Missing values (an empty cell of the test set, or behave.h's
 * "missing"): mlflow sends null. A v2 or TF Serving tensor has no
 * missing value (OIP v2 tensor data are numbers, strings or booleans;
 * NaN is not JSON), so a request with one is refused, not guessed at.
 *
 * Readiness: v2 GET /v2/health/ready then /v2/models/<model>/ready;
 * tfserving GET /v1/models/<model>; mlflow GET /ping.
 *
 * Responses give, per row, probabilities (a 2-D [rows, k] tensor or a
 * list of lists, k >= 2), a prediction (1-D, or [rows, 1]: a label or a
 * value), or both. For v2 every output is looked at: the first 2-D one
 * with k >= 2 gives the probabilities, the first 1-D one the predictions.
 * TF Serving's NaN, Infinity and -Infinity tokens are accepted.
 */
#ifndef MLGATE_INFER_H
#define MLGATE_INFER_H

#include <stddef.h>
#include <stdint.h>

struct mlg_buf;

enum mlg_infer_proto {
	MLG_INFER_V2 = 1,
	MLG_INFER_TFSERVING,
	MLG_INFER_MLFLOW,
};

/* "v2", "tfserving", "mlflow" -> *out; 0 or MLG_EINVALID
 * "unknown protocol 'x' (expected v2, tfserving or mlflow)". */
int mlg_infer_proto_parse(enum mlg_infer_proto *out, const char *name);

/* The inference URL for `base` (a trailing '/' is dropped): a new
 * string. */
char *mlg_infer_url(enum mlg_infer_proto p, const char *base,
		    const char *model);

/* The i-th readiness URL (i from 0), a new string, or NULL past the
 * last. */
char *mlg_infer_ready_url(enum mlg_infer_proto p, const char *base,
			  const char *model, int i);

/* 1 when protocol `p` can send a missing value (mlflow's null). */
int mlg_infer_proto_missing_ok(enum mlg_infer_proto p);

struct mlg_infer_data;

/*
 * Append the request body for the `nrows` rows of `d` (borrowed) from
 * row `first` (0-based) to `out`, in the format of protocol `p` above.
 * Errors, MLG_EINVALID, N the row of `d` from 1:
 *   row N: feature 'x' is not a finite number     (an infinity)
 *   row N: feature 'x' is missing: protocol 'v2' cannot send a missing
 *     value                                       (v2, tfserving)
 * and MLG_ELIMIT "request body too large". O(rows * cols).
 */
int mlg_infer_request_rows(struct mlg_buf *out, enum mlg_infer_proto p,
			   const struct mlg_infer_data *d, size_t first,
			   size_t nrows);

/*
 * mlg_infer_request_rows() for `nrows` rows of `ncols` numeric features
 * `x` (row-major; borrowed) named `names`; NaN is a missing value.
 */
int mlg_infer_request(struct mlg_buf *out, enum mlg_infer_proto p,
		      const char *const *names, size_t ncols, const double *x,
		      size_t nrows);

/* The predictions of one response. */
struct mlg_infer_out {
	size_t n;      /* rows */
	size_t k;      /* probabilities per row; 0: none */
	double *proba; /* n * k, or NULL */
	double *pred;  /* n, or NULL */
};

/*
 * Parse a response body for `nrows` rows into `out` (new arrays; release
 * with mlg_infer_out_release(), also after a failure). At least one of
 * proba and pred is set on success. Errors, MLG_EDATA:
 *   invalid JSON in response: <line>:<col>: <jansson's text>
 *   response has no predictions          (no usable output)
 *   response has 3 rows, expected 4
 *   response value at row 2 is not a number
 * O(size of the body).
 */
int mlg_infer_parse(struct mlg_infer_out *out, enum mlg_infer_proto p,
		    const char *body, size_t len, size_t nrows);
void mlg_infer_out_release(struct mlg_infer_out *o);

/*
 * The text of a {"error": "..."} body (verbatim; a non-string value as
 * compact JSON): a new string, or NULL when the body is not such an
 * object.
 */
char *mlg_infer_error_text(const char *body, size_t len);

/*
 * Copy `<text, len>` to `out` with the bare tokens NaN, Infinity and
 * -Infinity outside strings replaced by the strings "NaN", "Infinity" and
 * "-Infinity", which strict JSON parsers accept and mlg_infer_parse()
 * reads as numbers. O(len). 0 or MLG_ELIMIT.
 */
int mlg_infer_fix_tokens(struct mlg_buf *out, const char *text, size_t len);

struct json_t;

/* `v` as a number: a JSON number, or one of the strings that
 * mlg_infer_fix_tokens() makes of the bare tokens. 0, or -1 for any
 * other value (booleans included). */
int mlg_infer_json_number(double *out, const struct json_t *v);

/*
 * A test dataset: features, numeric or text, plus the columns kept as
 * text. A feature column is numeric when every cell of it that is not
 * empty is a number (mlg_parse_double()), else it is a text column. An
 * empty cell is a missing value in either kind of column, as pandas
 * reads it: NaN in x, NULL in text.
 */
struct mlg_infer_data {
	size_t nrows, ncols;
	char **names;  /* ncols feature names */
	double *x;     /* nrows * ncols, row-major; NaN: missing, and every
			  cell of a text column */
	size_t nkeep;  /* kept text columns: label, id, slices, in order */
	char **knames; /* nkeep names */
	char **kept;   /* nrows * nkeep strings */
	/* Text features; both NULL when every feature is numeric. */
	unsigned char *is_text; /* ncols: 1 for a text column */
	const char **text;	/* nrows * ncols, row-major: the cells of the
				   text columns (valid UTF-8, no NUL), NULL
				   when missing and in numeric columns */
	char *pool;		/* private: the strings of text */
};

/* 1 when feature `j` of `d` is a text column. */
static inline int mlg_infer_is_text(const struct mlg_infer_data *d, size_t j)
{
	return d->is_text && d->is_text[j];
}

/* 1 when the cell (row i, feature j) of `d` is missing. */
static inline int mlg_infer_is_missing(const struct mlg_infer_data *d, size_t i,
				       size_t j)
{
	if (mlg_infer_is_text(d, j))
		return !d->text[i * d->ncols + j];
	return d->x[i * d->ncols + j] != d->x[i * d->ncols + j];
}

/*
 * Read a CSV or JSON Lines dataset (path, "-" or URL, as stream.h;
 * JSON Lines when the first byte that is not white space is '{') into
 * `out`. For JSON Lines the keys of the first object are the columns, in
 * order; a key missing later is an empty cell, so are null and "";
 * numbers are read as written, true/false as text. The `keep` columns
 * (nkeep, e.g. the label, the id, slice keys) are kept as text and are
 * never features; `features` names the feature columns in order, or is
 * NULL: every other column. Text cells are kept as they are written.
 * Memory: the whole test set, 8 bytes a feature cell (x), plus, while
 * reading, the text of every feature cell, which is kept (with 8 more
 * bytes a cell) only when a column is text. Errors: MLG_EINVALID "no
 * column 'y' in
 * 'data.csv'", MLG_EDATA "'data.csv': line 7: feature 'x' is not valid
 * UTF-8" (a text cell: requests are JSON), "... feature 'x' holds a NUL
 * byte", "... 3 fields, expected 5", "'t.jsonl': line 2: key
 * 'z' is not a column of the first row", "... 'x' is an array, not a
 * number or text", "... expected a JSON object", "'t.jsonl': line 4:
 * <jansson's text>", and stream errors. O(rows * columns).
 */
int mlg_infer_data_read(struct mlg_infer_data *out, const char *src,
			const char *const *keep, size_t nkeep,
			const char *const *features, size_t nfeatures);
void mlg_infer_data_release(struct mlg_infer_data *d);

/* How to reach the model. */
struct mlg_infer_opts {
	enum mlg_infer_proto proto;
	const char *base;  /* "http://127.0.0.1:8080" */
	const char *model; /* ignored by mlflow */
	size_t batch;	   /* rows per request; 0: 64 */
	int concurrency, retries;
	long timeout_ms;
	double backoff_s;	    /* as struct mlg_http_pool_opts */
	const char *const *headers; /* "Name: value" lines sent with every
				       request (readiness too), NULL-
				       terminated; or NULL */
};

/*
 * GET each readiness URL in turn; 0, or MLG_ENETWORK "model 'm' is not
 * ready: '<url>': HTTP 503", with the body's {"error": ...} text after
 * it when there is one, or the transport error.
 */
int mlg_infer_ready(const struct mlg_infer_opts *o);

/*
 * Send the rows of `d` in batches through mlg_http_run() and gather the
 * predictions in row order into `out` (new; release it after a failure
 * too). Errors: the first failed batch in row order, as
 *   '<url>': HTTP 400: <the "error" text of the body, verbatim>
 *   '<url>': HTTP 503                (no {"error": ...} body)
 *   '<url>': timed out after N ms, '<url>': <curl's message>
 *   '<url>': <mlg_infer_parse() message>
 * with MLG_ENETWORK, or MLG_EDATA for a response that does not parse;
 * before any request, MLG_EINVALID "cannot send the test set: " and a
 * message of mlg_infer_request_rows() (a missing value for v2).
 */
int mlg_infer_predict(struct mlg_infer_out *out, const struct mlg_infer_opts *o,
		      const struct mlg_infer_data *d);

/*
 * Append the predictions CSV of `p` for `d` to `out`: columns id (the
 * kept column `id`, or the row number when id < 0), the label (kept
 * column `label`, under its name), pred when the model gave predictions,
 * proba (P(greater label)) for two probabilities a row or proba_<class>
 * for more (classes sorted as predfile.h does; MLG_EDATA when their
 * count differs from k), then the other kept columns. Numbers with
 * %.17g, so they read back exactly. 0, MLG_EDATA or MLG_ELIMIT.
 */
int mlg_infer_write_csv(struct mlg_buf *out, const struct mlg_infer_data *d,
			size_t label, long id, const struct mlg_infer_out *p);

/* What mlg_infer_to_file() wrote. */
struct mlg_infer_file {
	char *path;    /* the predictions CSV (new string) */
	int temporary; /* 1: path is a temporary file to unlink */
	int has_pred;  /* the model gave predicted labels ("pred") */
	size_t nproba; /* probabilities a row: 2 "proba", more "proba_*" */
};

/*
 * mlg_infer_data_read() with the feature columns as a comma list
 * ("a,b,c"), or NULL for every column not kept.
 */
int mlg_infer_data_read_list(struct mlg_infer_data *out, const char *src,
			     const char *const *keep, size_t nkeep,
			     const char *features);

/* A model that answers rows: an endpoint, a predict command (predcmd.h). */
struct mlg_model {
	/* fill `out` (new) with the predictions of every row of `d`; on
	 * failure a negative code with the error set */
	int (*predict)(struct mlg_infer_out *out,
		       const struct mlg_infer_data *d, void *arg);
	void *arg;
	int id; /* kept column 1 of the test set is the id (else 0) */
};

/* The predict function of an endpoint: `opts` is a struct
 * mlg_infer_opts (readiness is the caller's, mlg_infer_ready()). */
int mlg_infer_endpoint_predict(struct mlg_infer_out *out,
			       const struct mlg_infer_data *d, void *opts);

/*
 * Ask model `m` for the predictions of the test set `d` (label kept
 * column 0, then the id when m->id, then the slice columns) and write
 * the predictions CSV (mlg_infer_write_csv()) to `save` atomically, or
 * to a new temporary file when `save` is NULL. `out` is filled on
 * success; release it with mlg_infer_file_release(), which also removes
 * a temporary file. Errors: those of the model, mlg_infer_write_csv()
 * and file.h.
 */
int mlg_infer_to_file(struct mlg_infer_file *out, struct mlg_infer_data *d,
		      const struct mlg_model *m, const char *save);
void mlg_infer_file_release(struct mlg_infer_file *f);

#endif
