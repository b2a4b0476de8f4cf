/*
 * dvcmd.c - the bodies of the data-validate commands, over the core
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/dvcmd.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

static int one_char(char *out, const char *opt, const char *v, int empty_ok)
{
	if (!v)
		return 0;
	if (!strcmp(v, "\\t")) {
		*out = '\t';
		return 0;
	}
	if (strlen(v) == 1 || (empty_ok && !*v)) {
		*out = v[0];
		return 0;
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--%s' expects one character, not '%s'",
			     opt, v);
}

const char *mlg_dvcmd_format(const char *src)
{
	static const char *const zips[] = {".gz", ".zst", ".xz", ".bz2"};
	static const char *const exts[][2] = {{".tsv", "tsv"},
					      {".tab", "tsv"},
					      {".jsonl", "jsonl"},
					      {".ndjson", "jsonl"}};
	size_t n = strlen(src), i, k;

	for (i = 0; i < MLG_ARRAY_SIZE(zips); i++) {
		k = strlen(zips[i]);
		if (n > k && !strcmp(src + n - k, zips[i])) {
			n -= k;
			break;
		}
	}
	for (i = 0; i < MLG_ARRAY_SIZE(exts); i++) {
		k = strlen(exts[i][0]);
		if (n > k && !strncmp(src + n - k, exts[i][0], k))
			return exts[i][1];
	}
	return "csv";
}

int mlg_dvcmd_dialect(struct mlg_csv_dialect *out, int *jsonl,
		      const struct mlg_dvcmd_opts *o, const char *src)
{
	const char *fmt = o->format ? o->format : mlg_dvcmd_format(src);
	struct mlg_json_doc doc;
	int rc;

	mlg_csv_dialect_init(out);
	*jsonl = !strcmp(fmt, "jsonl");
	if (*jsonl) {
		/* Lines hold JSON, which cannot contain a raw 0x1f: each line
		 * is one record, read whole. */
		out->delimiter = 0x1f;
		out->quote = 0;
		out->double_quote = 0;
		out->header = 0;
		return 0;
	}
	if (!strcmp(fmt, "tsv"))
		out->delimiter = '\t';
	if (o->dialect_path) {
		if ((rc = mlg_config_load(&doc, o->dialect_path, 0)))
			return rc;
		rc = mlg_dialect_parse(out, &doc);
		mlg_json_doc_release(&doc);
		if (rc)
			return rc;
	}
	if ((rc = one_char(&out->delimiter, "delimiter", o->delimiter, 0)) ||
	    (rc = one_char(&out->quote, "quote-char", o->quote_char, 1)) ||
	    (rc = one_char(&out->escape, "escape-char", o->escape_char, 0)) ||
	    (rc = one_char(&out->comment, "comment-char", o->comment_char, 0)))
		return rc;
	if (o->no_header)
		out->header = 0;
	if (o->no_double_quote)
		out->double_quote = 0;
	if (o->skip_initial_space)
		out->skip_initial_space = 1;
	return mlg_csv_dialect_check(out);
}

int mlg_dvcmd_parse_now(double *out, const char *text)
{
	int64_t us;

	if (!mlg_cast_temporal(&us, MLG_T_DATETIME, MLG_FMT_DEFAULT, NULL, text,
			       strlen(text))) {
		*out = (double)us / 1e6;
		return 0;
	}
	if (!mlg_cast_temporal(&us, MLG_T_DATE, MLG_FMT_DEFAULT, NULL, text,
			       strlen(text))) {
		*out = (double)us * 86400;
		return 0;
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--now' expects a date or datetime "
			     "(2026-11-22, 2026-11-22T10:00:00Z), not '%s'",
			     text);
}

int mlg_dvcmd_parse_shard(unsigned *k, unsigned *n, const char *text)
{
	unsigned long a, b;
	char *end;

	/* strtoul() takes blanks and a sign before a number: not here. */
	if (isdigit((unsigned char)*text)) {
		a = strtoul(text, &end, 10);
		if (*end == '/' && isdigit((unsigned char)end[1])) {
			b = strtoul(end + 1, &end, 10);
			if (!*end && a >= 1 && a <= b &&
			    b <= MLG_PROFILE_SHARDS_MAX) {
				*k = (unsigned)a;
				*n = (unsigned)b;
				return 0;
			}
		}
	}
	return mlg_error_set(MLG_EINVALID,
			     "option '--shard' expects K/N with 1 <= K <= N <= "
			     "%d, not '%s'",
			     MLG_PROFILE_SHARDS_MAX, text);
}

int mlg_dvcmd_check_opts(const struct mlg_dvcmd_opts *o)
{
	if (o->chunk_rows <= 0)
		return mlg_error_set(MLG_EINVALID,
				     "--chunk-rows must be positive, not %ld",
				     o->chunk_rows);
	/* Beyond the cap threads only cost memory, or fail to start. */
	if (o->threads < 0 || o->threads > MLG_DVCMD_MAX_THREADS)
		return mlg_error_set(MLG_EINVALID,
				     "--threads must be 0 (one per core) to "
				     "%d, not %ld",
				     MLG_DVCMD_MAX_THREADS, o->threads);
	/* The stream would take 0 or less as its default, not as asked. */
	if (o->timeout_s <= 0)
		return mlg_error_set(MLG_EINVALID,
				     "--timeout must be positive, not %ld",
				     o->timeout_s);
	return 0;
}

const char *mlg_dvcmd_short_name(const char *src)
{
	const char *s = strrchr(src, '/');

	return s && s[1] && !strstr(src, "://") ? s + 1 : src;
}

/* "row 3: 'abc': type is "integer/default"": the value next to the rule,
 * where the rule's note does not show it already. `header`: the input
 * has one. */
static void finding_text(struct mlg_buf *m, const struct mlg_verr *e,
			 int header)
{
	if (mlg_verr_in_header(e, header))
		mlg_buf_addf(m, "header, column %zu: ", e->field);
	else if (e->row)
		mlg_buf_addf(m, "row %llu: ", (unsigned long long)e->row);
	if (e->cell &&
	    (e->type == MLG_VE_TYPE || e->type == MLG_VE_EXTRA_CELL ||
	     e->type == MLG_VE_ENCODING))
		mlg_buf_addf(m, "'%s': ", e->cell);
	mlg_buf_adds(m, e->note ? e->note : mlg_verr_name(e->type));
}

/* The listed errors of type `t` on `field` (NULL: on no field). */
static void add_findings(struct mlg_check *c,
			 const struct mlg_validate_result *v, size_t t,
			 const char *field)
{
	size_t i;

	for (i = 0; i < v->nlist; i++) {
		const struct mlg_verr *e = &v->list[i];
		struct mlg_loc l = {v->source, e->line, 0, e->field_name};
		struct mlg_buf m = MLG_BUF_INIT;

		if (e->type != t ||
		    (field ? !e->field_name || strcmp(e->field_name, field)
			   : e->field_name != NULL))
			continue;
		finding_text(&m, e, v->labels != NULL);
		mlg_check_add_finding(c, &l, "%s", m.ptr);
		mlg_buf_release(&m);
	}
}

void mlg_dvcmd_report_file(struct mlg_report *r, const struct mlg_schema *s,
			   const struct mlg_validate_result *v)
{
	const char *name = mlg_dvcmd_short_name(v->source);
	double mb = v->bytes / 1e6, rate = v->seconds > 0 ? mb / v->seconds : 0;
	struct mlg_check *c;
	size_t t, f;
	char buf[64];

	c = mlg_report_add_check(r, name,
				 v->errors ? MLG_STATUS_FAIL : MLG_STATUS_PASS,
				 "%llu rows, %.1f MB in %.2f s (%.0f MB/s)%s",
				 (unsigned long long)v->rows, mb, v->seconds,
				 rate, v->errors ? "" : ", valid");
	mlg_check_set_value(c, (double)v->errors, NULL);
	mlg_check_set_threshold(c, "errors == 0");
	for (t = 0; t < MLG_VE_COUNT; t++)
		for (f = 0; f <= s->nfields; f++) {
			uint64_t n = v->counts[t * (s->nfields + 1) + f];
			const char *field =
				f < s->nfields ? s->fields[f].name : NULL;
			struct mlg_buf id = MLG_BUF_INIT;

			if (!n)
				continue;
			mlg_buf_addf(&id, "%s:%s%s%s", name, mlg_verr_name(t),
				     field ? ":" : "", field ? field : "");
			c = mlg_report_add_check(
				r, id.ptr, MLG_STATUS_FAIL, "%llu error%s",
				(unsigned long long)n, n == 1 ? "" : "s");
			mlg_buf_release(&id);
			add_findings(c, v, t, field);
			/* Findings were capped by --limit-errors too. */
			c->count = n;
		}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->rows);
	mlg_report_set_prop(r, "rows", buf);
}

void mlg_dvcmd_errors_json(json_t *errors, const struct mlg_validate_result *v)
{
	size_t i;

	for (i = 0; i < v->nlist; i++) {
		const struct mlg_verr *e = &v->list[i];
		json_t *o = json_object();
		struct mlg_buf m = MLG_BUF_INIT;

		mlg_verr_message(&m, e, v->labels != NULL);
		json_object_set_new(o, "type",
				    json_string(mlg_verr_name(e->type)));
		json_object_set_new(o, "place", json_string(v->source));
		if (e->row)
			json_object_set_new(o, "rowNumber",
					    json_integer((json_int_t)e->row));
		if (e->line)
			json_object_set_new(o, "line",
					    json_integer((json_int_t)e->line));
		if (e->field)
			json_object_set_new(o, "fieldNumber",
					    json_integer((json_int_t)e->field));
		if (e->field_name)
			json_object_set_new(o, "fieldName",
					    json_string(e->field_name));
		if (e->cell)
			json_object_set_new(o, "cell", json_string(e->cell));
		if (e->note)
			json_object_set_new(o, "note", json_string(e->note));
		json_object_set_new(o, "message", json_string(m.ptr));
		json_array_append_new(errors, o);
		mlg_buf_release(&m);
	}
}

/* Write `v` to `path` ("-": standard output), whole or not at all. */
static int write_json(const char *path, json_t *v)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc = mlg_json_dump(&b, v, 2);

	if (!rc)
		rc = mlg_buf_addch(&b, '\n');
	if (!rc)
		rc = mlg_file_write(path, b.ptr, b.len);
	mlg_buf_release(&b);
	return rc;
}

static int put_atomic(void *ctx, const void *data, size_t len)
{
	return mlg_atomic_write(ctx, data, len);
}

int mlg_dvcmd_write_profile(const char *path, const struct mlg_profile *p)
{
	struct mlg_atomic a;
	int rc = mlg_atomic_open(&a, path);

	if (!rc)
		rc = mlg_profile_write(p, put_atomic, &a);
	if (!rc)
		rc = mlg_atomic_commit(&a);
	mlg_atomic_abort(&a);
	return rc;
}

/* A saved profile as an input: the merge of shard profiles, say. With
 * `data`, 1 where `src` is data instead, with *data open for its reader
 * (mlg_profile_open()), so that a source is opened once. */
static int load_input(struct mlg_profile *out, const char *src,
		      const struct mlg_dvcmd_opts *o, struct mlg_stream **data)
{
	int rc = data ? mlg_profile_open(out, src, o->timeout_s, 1, data)
		      : mlg_profile_load(out, src, o->timeout_s);

	/* A missing input of the pipeline: exit 3, as data. */
	if (rc == MLG_ENOTFOUND)
		return MLG_EIO;
	if (!rc && o->shard) {
		mlg_profile_release(out);
		return mlg_error_set(MLG_EINVALID,
				     "option '--shard' does not apply to the "
				     "saved profile '%s': shard the data it "
				     "was made from",
				     src);
	}
	return rc;
}

/* o->threads, or for 0 one per core up to 8: each holds two chunk
 * profiles (30 KB a column) and reads the whole file. */
static unsigned threads_of(const struct mlg_dvcmd_opts *o)
{
	return o->threads ? (unsigned)o->threads : (unsigned)mlg_ncpu(8);
}

/* Profile `src`, open in po->stream or not, which is taken over. */
static int read_input(struct mlg_profile *out, struct mlg_profile_opts *po,
		      const struct mlg_dvcmd_opts *o, const char *src)
{
	int rc = mlg_dvcmd_dialect(&po->dialect, &po->jsonl, o, src);

	if (!rc && po->jsonl && !po->schema)
		rc = mlg_error_set(MLG_EINVALID,
				   "cannot profile '%s' without a schema: "
				   "JSON Lines needs one (profile --schema "
				   "FILE; infer reads CSV and TSV only)",
				   src);
	if (rc) {
		mlg_stream_close(po->stream);
		po->stream = NULL;
		return rc;
	}
	rc = mlg_profile_read(out, src, po);
	po->stream = NULL;
	return rc == MLG_ENOTFOUND ? MLG_EIO : rc;
}

/*
 * Merge the profile `p` of the input `src` into `all`; the first input
 * (*from still NULL) is moved there. A refusal names both sides: `src`,
 * and for `all` the input the clash comes from: (*from)[c], the first
 * that declared the type of column c, else `first`, whose columns all
 * inputs merged so far share. `p` is taken over in every case.
 */
static int merge_input(struct mlg_profile *all, const char ***from,
		       struct mlg_profile *p, const char *first,
		       const char *src)
{
	size_t c;
	int rc;

	if (!*from) {
		*all = *p;
		*from = mlg_calloc(all->ncols + 1, sizeof(**from));
	} else {
		c = mlg_profile_declared_conflict(all, p);
		rc = mlg_profile_merge_named(
			all, c < all->ncols ? (*from)[c] : first, p, src);
		mlg_profile_release(p);
		if (rc)
			return rc;
	}
	for (c = 0; c < all->ncols; c++)
		if (!(*from)[c] && all->cols[c].has_schema)
			(*from)[c] = src;
	return 0;
}

int mlg_dvcmd_profile_inputs(struct mlg_profile *out, struct mlg_report *r,
			     int n, char *const *srcs,
			     const struct mlg_dvcmd_opts *o)
{
	struct mlg_profile_opts po = {0};
	struct mlg_profile p;
	struct mlg_schema schema;
	const char **from = NULL;
	int i, saved, rc = 0, loaded = 0;
	unsigned k = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_dvcmd_check_opts(o)))
		return rc;
	if (o->shard && (rc = mlg_dvcmd_parse_shard(&k, &po.nshards, o->shard)))
		return rc;
	po.chunk_rows = (uint64_t)o->chunk_rows;
	po.threads = threads_of(o);
	po.timeout_s = o->timeout_s;
	if (o->schema_path) {
		if ((rc = mlg_schema_load(&schema, o->schema_path))) {
			mlg_error_prefix("cannot use schema");
			return rc;
		}
		loaded = 1;
		po.schema = &schema;
	}
	for (i = 0; i < n; i++) {
		const char *src = srcs[i];

		/* Chunk c of source i is shard (c + i) mod N + 1's, so that
		 * sources of a chunk or less spread over the shards. */
		if (k) {
			unsigned m = po.nshards;

			po.shard = (k - 1 + m - (unsigned)i % m) % m + 1;
		}
		saved = !(rc = load_input(&p, src, o, &po.stream));
		if (rc == 1)
			rc = read_input(&p, &po, o, src);
		if (rc)
			break;
		mlg_report_add_check(
			r, mlg_dvcmd_short_name(src), MLG_STATUS_PASS,
			"%llu rows, %zu columns %s", (unsigned long long)p.rows,
			p.ncols, saved ? "from a saved profile" : "profiled");
		mlg_profile_report(&p, r, mlg_dvcmd_short_name(src));
		if ((rc = merge_input(out, &from, &p, srcs[0], src)))
			break;
	}
	if (!rc && k)
		mlg_profile_set_shard(out, k, po.nshards, po.chunk_rows);
	free(from);
	if (loaded)
		mlg_schema_release(&schema);
	if (rc)
		mlg_profile_release(out);
	return rc;
}

int mlg_dvcmd_check_whole(const struct mlg_profile *p, int n, char *const *srcs)
{
	char *what = n == 1 ? mlg_strfmt("'%s'", srcs[0]) : NULL;
	int rc = mlg_profile_check_whole(p, what ? what : "the data");

	free(what);
	return rc;
}

/* A profile merged from saved ones that lacks shards of a run: fine to
 * merge on with the rest, not to be taken for the data. */
static void warn_part(struct mlg_report *r, const struct mlg_profile *p,
		      const char *what)
{
	if (mlg_profile_check_whole(p, what)) {
		mlg_report_add_check(r, "shards", MLG_STATUS_WARN, "%s",
				     mlg_error_message());
		mlg_error_clear();
	}
}

int mlg_dvcmd_profile(struct mlg_report *r, int n, char *const *srcs,
		      const struct mlg_dvcmd_opts *o)
{
	struct mlg_profile all;
	int rc;

	if ((rc = mlg_dvcmd_profile_inputs(&all, r, n, srcs, o)))
		return rc;
	/* A shard is a part by design. */
	if (!o->shard)
		warn_part(r, &all, "the profile");
	if (o->output_path)
		rc = mlg_dvcmd_write_profile(o->output_path, &all);
	mlg_profile_release(&all);
	return rc;
}

int mlg_dvcmd_merge(struct mlg_report *r, int n, char *const *paths,
		    const struct mlg_dvcmd_opts *o)
{
	struct mlg_profile all = {0}, p;
	const char **from = NULL;
	int i, rc = mlg_dvcmd_check_opts(o);

	for (i = 0; i < n && !rc; i++) {
		if ((rc = load_input(&p, paths[i], o, NULL)))
			break;
		rc = merge_input(&all, &from, &p, paths[0], paths[i]);
	}
	free(from);
	if (!rc) {
		mlg_report_add_check(r, "merge", MLG_STATUS_PASS,
				     "%d profiles, %llu rows", n,
				     (unsigned long long)all.rows);
		warn_part(r, &all, "the merged profile");
		mlg_profile_report(&all, r, "merged");
	}
	if (!rc && o->output_path)
		rc = mlg_dvcmd_write_profile(o->output_path, &all);
	mlg_profile_release(&all);
	return rc;
}

/*
 * What the input's structure breaks and no schema can allow, so that
 * validation with the inferred one will report it: rows with fewer cells
 * than the header (blank ones included: the last column's count falls
 * short of the rows) or more, repeated or empty header labels, and cells
 * that are not UTF-8 text. Warnings: the schema is still right for the
 * other cells.
 */
static void structure(struct mlg_report *r, const struct mlg_profile *p)
{
	/* With a schema the columns are its fields, not the header's. */
	uint64_t short_rows = p->ncols && !p->cols[0].has_schema
				      ? p->rows - p->cols[p->ncols - 1].count
				      : 0;
	json_t *names = mlg_profile_names(p), *cols;
	const char *name, *first = NULL;
	uint64_t bad = 0;
	size_t odd = 0, ncols = 0, i;

	json_object_foreach (names, name, cols)
		odd += json_array_size(cols) - (*name != 0);
	json_decref(names);
	if (short_rows)
		mlg_report_add_check(
			r, "infer:rows", MLG_STATUS_WARN,
			"%llu row%s blank or ha%s fewer cells than the header: "
			"validation reports %s (blank-row, missing-cell) "
			"whatever the schema",
			(unsigned long long)short_rows,
			short_rows == 1 ? " is" : "s are",
			short_rows == 1 ? "s" : "ve",
			short_rows == 1 ? "it" : "them");
	if (p->long_rows)
		mlg_report_add_check(
			r, "infer:long-rows", MLG_STATUS_WARN,
			"%llu row%s more cells than the header: validation "
			"reports %s (extra-cell) whatever the schema",
			(unsigned long long)p->long_rows,
			p->long_rows == 1 ? " has" : "s have",
			p->long_rows == 1 ? "it" : "them");
	for (i = 0; i < p->ncols; i++) {
		if (p->cols[i].not_utf8 && !ncols++)
			first = p->cols[i].name;
		bad += p->cols[i].not_utf8;
	}
	if (bad) {
		char *where = ncols == 1 ? mlg_strfmt("column '%s'", first)
					 : mlg_strfmt("%zu columns, the first "
						      "'%s'",
						      ncols, first);

		mlg_report_add_check(
			r, "infer:encoding", MLG_STATUS_WARN,
			"%llu cell%s not UTF-8 text (invalid, or with a NUL "
			"byte), in %s: validation reports %s (encoding-error) "
			"whatever the schema",
			(unsigned long long)bad, bad == 1 ? " is" : "s are",
			where, bad == 1 ? "it" : "them");
		free(where);
	}
	if (odd)
		mlg_report_add_check(
			r, "infer:labels", MLG_STATUS_WARN,
			"%zu header label%s repeated or empty: %s made "
			"name%s, and validation reports the label%s "
			"(duplicate-label, blank-label)",
			odd, odd == 1 ? " is" : "s are",
			odd == 1 ? "its field gets a" : "their fields get",
			odd == 1 ? "" : "s", odd == 1 ? "" : "s");
}

int mlg_dvcmd_infer(struct mlg_report *r, int n, char *const *srcs,
		    const struct mlg_dvcmd_opts *o)
{
	struct mlg_profile all;
	json_t *j;
	int rc;

	if ((rc = mlg_dvcmd_profile_inputs(&all, r, n, srcs, o)))
		return rc;
	if ((rc = mlg_dvcmd_check_whole(&all, n, srcs))) {
		mlg_error_prefix("cannot infer a schema");
		mlg_profile_release(&all);
		return rc;
	}
	structure(r, &all);
	j = mlg_profile_infer(&all, o->constraints);
	rc = write_json(o->output_path, j);
	json_decref(j);
	mlg_profile_release(&all);
	return rc;
}

int mlg_dvcmd_drift_prepare(struct mlg_driftcheck *out, const char *ref,
			    const char *config_path,
			    const struct mlg_schema *schema,
			    const struct mlg_dvcmd_opts *o)
{
	struct mlg_profile_opts po = {.timeout_s = o->timeout_s,
				      .threads = threads_of(o),
				      .schema = schema};
	int rc = mlg_dvcmd_dialect(&po.dialect, &po.jsonl, o, ref);

	return rc ? rc : mlg_driftcheck_prepare(out, ref, config_path, &po);
}
