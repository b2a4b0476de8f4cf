/* history.c - metric history on refs/mlgate/history */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/history.h"
#include "mlgate/json.h"
#include "mlgate/numparse.h"
#include "mlgate/sketch.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

void mlg_history_record_release(struct mlg_history_record *rec)
{
	free(rec->time);
	free(rec->ref);
	free(rec->run);
	mlg_metrics_release(&rec->metrics);
	memset(rec, 0, sizeof(*rec));
}

void mlg_history_release(struct mlg_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		mlg_history_record_release(&h->items[i]);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

const char *mlg_history_pr_reason(void)
{
	const char *ev = mlg_env("GITHUB_EVENT_NAME");

	if (ev &&
	    (!strcmp(ev, "pull_request") || !strcmp(ev, "pull_request_target")))
		return "GITHUB_EVENT_NAME";
	if (mlg_env("CI_MERGE_REQUEST_IID"))
		return "CI_MERGE_REQUEST_IID";
	if (mlg_env("CHANGE_ID"))
		return "CHANGE_ID";
	return NULL;
}

static char *ci_run(void)
{
	const char *id = mlg_env("GITHUB_RUN_ID"),
		   *repo = mlg_env("GITHUB_REPOSITORY");

	if (id && repo)
		return mlg_strfmt("%s/%s/actions/runs/%s",
				  mlg_env("GITHUB_SERVER_URL")
					  ? mlg_env("GITHUB_SERVER_URL")
					  : "https://github.com",
				  repo, id);
	if (mlg_env("CI_PIPELINE_URL"))
		return mlg_strdup(mlg_env("CI_PIPELINE_URL"));
	if (mlg_env("CI_PIPELINE_ID"))
		return mlg_strfmt("gitlab:%s", mlg_env("CI_PIPELINE_ID"));
	if (mlg_env("BUILD_URL"))
		return mlg_strdup(mlg_env("BUILD_URL"));
	return NULL;
}

/* Append metric `<name, len>` = v to `m`. */
static void add_metric(struct mlg_metric_set *m, const char *name, size_t len,
		       double v)
{
	struct mlg_named_metric *it;

	m->items = mlg_grow(m->items, sizeof(*m->items), m->n + 1, &m->alloc);
	it = &m->items[m->n++];
	memset(it, 0, sizeof(*it));
	it->name = mlg_strndup(name, len);
	it->value = v;
}

int mlg_history_record_init(struct mlg_history_record *out,
			    struct mlg_git_repo *r,
			    const struct mlg_metric_set *m, double time)
{
	static const char *const refs[] = {"GITHUB_REF_NAME",
					   "CI_COMMIT_REF_NAME", "BRANCH_NAME"};
	char iso[32];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mlg_git_resolve(out->commit, r, "HEAD")))
		return rc;
	mlg_iso8601(iso, time);
	out->time = mlg_strdup(iso);
	for (i = 0; i < MLG_ARRAY_SIZE(refs) && !out->ref; i++)
		if (mlg_env(refs[i]))
			out->ref = mlg_strdup(mlg_env(refs[i]));
	if (!out->ref)
		mlg_git_head_branch(&out->ref, r);
	out->run = ci_run();
	out->metrics.format = MLG_METRICS_JSON;
	for (i = 0; i < m->n; i++)
		add_metric(&out->metrics, m->items[i].name,
			   strlen(m->items[i].name), m->items[i].value);
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

int mlg_history_format(struct mlg_buf *out,
		       const struct mlg_history_record *rec)
{
	json_t *o = json_object(), *m = json_object();
	size_t i, len = out->len;
	int rc;

	json_object_set_new(o, "commit", json_string(rec->commit));
	json_object_set_new(o, "time", str_or_null(rec->time));
	json_object_set_new(o, "ref", str_or_null(rec->ref));
	json_object_set_new(o, "run", str_or_null(rec->run));
	for (i = 0; i < rec->metrics.n; i++)
		json_object_set_new(m, rec->metrics.items[i].name,
				    json_real(rec->metrics.items[i].value));
	json_object_set_new(o, "metrics", m);
	rc = mlg_json_dump(out, o, 0);
	if (!rc && (rc = mlg_buf_addch(out, '\n')))
		mlg_buf_truncate(out, len);
	json_decref(o);
	return rc;
}

static int is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return !s[40];
}

/* Parse one line with jansson; errors are left for the caller to place. */
static int parse_json(struct mlg_history_record *rec, const char *text,
		      size_t len)
{
	static const char *const keys[] = {"commit", "time",	"ref",
					   "run",    "metrics", NULL};
	struct mlg_json_doc doc;
	const char *s, *key;
	json_t *m, *v;
	int rc;

	memset(rec, 0, sizeof(*rec));
	if ((rc = mlg_json_parse(&doc, "", text, len)))
		return rc;
	if ((rc = mlg_json_check_keys(&doc, doc.root, "", keys)) ||
	    (rc = mlg_json_get_str(&doc, doc.root, "", "commit", 1, &s)))
		goto done;
	if (!is_hex40(s)) {
		rc = mlg_json_error_set(MLG_EINVALID, "invalid commit id '%s'",
					s);
		goto done;
	}
	memcpy(rec->commit, s, MLG_GIT_HEX);
	if ((rc = mlg_json_get_str(&doc, doc.root, "", "time", 1, &s)))
		goto done;
	rec->time = mlg_strdup(s);
	/* ref and run are null when unknown */
	s = NULL;
	if (!json_is_null(json_object_get(doc.root, "ref")) &&
	    (rc = mlg_json_get_str(&doc, doc.root, "", "ref", 0, &s)))
		goto done;
	rec->ref = s ? mlg_strdup(s) : NULL;
	s = NULL;
	if (!json_is_null(json_object_get(doc.root, "run")) &&
	    (rc = mlg_json_get_str(&doc, doc.root, "", "run", 0, &s)))
		goto done;
	rec->run = s ? mlg_strdup(s) : NULL;
	m = json_object_get(doc.root, "metrics");
	if (!json_is_object(m)) {
		rc = mlg_error_set(MLG_EINVALID,
				   "/metrics: expected an object, found %s",
				   m ? mlg_json_type_name(m) : "nothing");
		goto done;
	}
	rec->metrics.format = MLG_METRICS_JSON;
	json_object_foreach (m, key, v) {
		if (!json_is_number(v)) {
			rc = mlg_json_error_set(MLG_EINVALID,
						"metric '%s' is not a number",
						key);
			goto done;
		}
		add_metric(&rec->metrics, key, strlen(key),
			   json_number_value(v));
	}
done:
	if (rc)
		mlg_history_record_release(rec);
	mlg_json_doc_release(&doc);
	return rc;
}

/*
 * The fast path. A 200-metric line costs ~0.3 ms through jansson (a
 * tree of objects, a hash table, then copies); the lines
 * mlg_history_format() writes have one fixed shape, read here in one
 * pass with no intermediate tree. Anything else (whitespace, other key
 * orders, escapes, control bytes, invalid UTF-8, numbers jansson might
 * refuse or read otherwise, duplicate names) returns 0 and is left to
 * jansson, which then accepts or rejects it as it always did: the two
 * paths cannot disagree on a line the fast one accepts.
 */
struct scan {
	const char *p, *end;
};

static int lit(struct scan *sc, const char *s, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, s, n))
		return 0;
	sc->p += n;
	return 1;
}

#define LIT(sc, s) lit(sc, s, sizeof(s) - 1)

/* A string with no escape and no control byte, valid UTF-8. */
static int plain_str(const char **s, size_t *n, struct scan *sc)
{
	const char *q, *start;
	unsigned char c, high = 0;

	if (sc->p >= sc->end || *sc->p != '"')
		return 0;
	start = q = sc->p + 1;
	for (; q < sc->end; q++) {
		c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20 || c == '\\')
			return 0;
		high |= c & 0x80;
	}
	if (q >= sc->end ||
	    (high && !mlg_utf8_valid(start, (size_t)(q - start))))
		return 0;
	*s = start;
	*n = (size_t)(q - start);
	sc->p = q + 1;
	return 1;
}

static int is_digit(const struct scan *sc, const char *q)
{
	return q < sc->end && *q >= '0' && *q <= '9';
}

/*
 * A JSON number as jansson reads it: a token without '.' or exponent is
 * an integer (strtoll, then a double), the rest a real (strtod). Only
 * the cases where the result is certain are taken: integers of at most
 * 18 digits (no overflow), reals strtod reads in full without ERANGE.
 */
static int plain_num(double *out, struct scan *sc)
{
	const char *s = sc->p, *q = s;
	int real = 0, expo = 0;
	int64_t iv;
	size_t n;
	char tmp[64], *e;

	if (q < sc->end && *q == '-')
		q++;
	if (!is_digit(sc, q))
		return 0;
	if (*q++ != '0')
		while (is_digit(sc, q))
			q++;
	if (q < sc->end && *q == '.') {
		if (!is_digit(sc, ++q))
			return 0;
		while (is_digit(sc, q))
			q++;
		real = 1;
	}
	if (q < sc->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < sc->end && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(sc, q))
			return 0;
		while (is_digit(sc, q))
			q++;
		expo = 1;
	}
	n = (size_t)(q - s);
	if (!real && !expo) {
		if (!mlg_short_int(&iv, s, n))
			return 0;
		*out = (double)iv;
	} else if (expo || mlg_plain_number(out, s, n)) {
		/* strtod stops at a '.' that is not the locale's decimal
		 * point: the end check sends such a run to jansson */
		if (n >= sizeof(tmp))
			return 0;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		*out = strtod(tmp, &e);
		if (e != tmp + n || errno == ERANGE || !isfinite(*out))
			return 0;
	}
	sc->p = q;
	return 1;
}

/* A string or null: *out a new string or NULL. */
static int str_or_null_at(char **out, struct scan *sc)
{
	const char *s;
	size_t n;

	if (LIT(sc, "null"))
		return 1;
	if (!plain_str(&s, &n, sc))
		return 0;
	*out = mlg_strndup(s, n);
	return 1;
}

/* Whether two metrics share a name (jansson refuses duplicate keys). */
static int has_dup(const struct mlg_metric_set *m)
{
	const char *name;
	size_t cap = 16, i, h;
	uint32_t *slot;
	int dup = 0;

	while (cap < m->n * 2)
		cap <<= 1;
	slot = mlg_malloc(cap * sizeof(*slot));
	memset(slot, 0, cap * sizeof(*slot));
	for (i = 0; i < m->n && !dup; i++) {
		name = m->items[i].name;
		for (h = mlg_hash_bytes(name, strlen(name), 0) & (cap - 1);
		     slot[h] && !dup; h = (h + 1) & (cap - 1))
			dup = !strcmp(m->items[slot[h] - 1].name, name);
		slot[h] = (uint32_t)(i + 1);
	}
	free(slot);
	return dup;
}

/* 1 with `rec` filled, or 0 (rec empty) to leave the line to jansson. */
static int parse_fast(struct mlg_history_record *rec, const char *text,
		      size_t len)
{
	struct scan sc = {text, text + len};
	const char *s;
	size_t n;
	double v;

	memset(rec, 0, sizeof(*rec));
	rec->metrics.format = MLG_METRICS_JSON;
	if (!LIT(&sc, "{\"commit\":") || !plain_str(&s, &n, &sc) || n != 40)
		goto no;
	memcpy(rec->commit, s, 40);
	rec->commit[40] = '\0';
	if (!is_hex40(rec->commit) || !LIT(&sc, ",\"time\":") ||
	    !plain_str(&s, &n, &sc))
		goto no;
	rec->time = mlg_strndup(s, n);
	if (!LIT(&sc, ",\"ref\":") || !str_or_null_at(&rec->ref, &sc) ||
	    !LIT(&sc, ",\"run\":") || !str_or_null_at(&rec->run, &sc) ||
	    !LIT(&sc, ",\"metrics\":{"))
		goto no;
	if (!LIT(&sc, "}")) {
		do {
			if (!plain_str(&s, &n, &sc) || !LIT(&sc, ":") ||
			    !plain_num(&v, &sc))
				goto no;
			add_metric(&rec->metrics, s, n, v);
		} while (LIT(&sc, ","));
		if (!LIT(&sc, "}"))
			goto no;
	}
	if (!LIT(&sc, "}") || sc.p != sc.end || has_dup(&rec->metrics))
		goto no;
	return 1;
no:
	mlg_history_record_release(rec);
	return 0;
}

int mlg_history_parse_line(struct mlg_history_record *out, const char *text,
			   size_t len, enum mlg_history_parser how)
{
	const char *msg;
	int rc;

	if (how != MLG_HISTORY_PARSE_JSON && parse_fast(out, text, len))
		return 0;
	if (how == MLG_HISTORY_PARSE_FAST)
		return mlg_error_set(MLG_EINVALID,
				     "not a record line as "
				     "mlg_history_format() writes it");
	if (!(rc = parse_json(out, text, len)))
		return 0;
	/* json.h names the document ''; keep the detail after it */
	msg = mlg_error_message();
	if (mlg_starts_with(msg, "'': ")) {
		msg = mlg_strdup(msg + 4);
		rc = mlg_error_set(rc, "%s", msg);
		free((char *)msg);
	}
	return rc;
}

/* Parse line `line` of `name` into `rec`, placing an error. */
static int parse_at(struct mlg_history_record *rec, const char *name,
		    size_t line, const char *p, size_t len)
{
	char *msg;
	int rc;

	if (!(rc = mlg_history_parse_line(rec, p, len, MLG_HISTORY_PARSE_ANY)))
		return 0;
	msg = mlg_strdup(mlg_error_message());
	rc = mlg_error_set(MLG_EDATA, "'%s': line %zu: %s", name, line, msg);
	free(msg);
	return rc;
}

/* The lines of a history text that are not blank. */
struct line {
	const char *p;
	size_t len, no;
};

static struct line *split(size_t *n, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *q;
	struct line *v = NULL;
	size_t alloc = 0, no = 0;

	*n = 0;
	for (; p < end; p = nl + 1) {
		no++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		for (q = p; q < nl && strchr(" \t\r", *q) && *q; q++)
			;
		if (q == nl)
			continue;
		v = mlg_grow(v, sizeof(*v), *n + 1, &alloc);
		v[*n].p = p;
		v[*n].len = (size_t)(nl - p);
		v[(*n)++].no = no;
	}
	return v;
}

int mlg_history_parse(struct mlg_history *out, const char *name,
		      const char *text, size_t len)
{
	size_t i, n;
	struct line *v = split(&n, text, len);
	struct mlg_history_record rec;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		if ((rc = parse_at(&rec, name, v[i].no, v[i].p, v[i].len)))
			break;
		out->items = mlg_grow(out->items, sizeof(*out->items),
				      out->n + 1, &out->alloc);
		out->items[out->n++] = rec;
	}
	free(v);
	return rc;
}

/*
 * The layout of the tip of the history: its commit, the blob of
 * history.jsonl ("" when there is none) and the archive chunks, checked
 * to be archive/00000001.jsonl, 00000002... in order.
 */
struct layout {
	char tip[MLG_GIT_HEX];
	char file[MLG_GIT_HEX];
	struct mlg_git_tree arch;
};

#define TIP_NAME MLG_HISTORY_REF ":" MLG_HISTORY_FILE

static void layout_release(struct layout *l)
{
	mlg_git_tree_release(&l->arch);
}

/* The message name of archive chunk `i` (from 0), a new string. */
static char *chunk_name(size_t i)
{
	return mlg_strfmt("%s:%s/%08zu.jsonl", MLG_HISTORY_REF,
			  MLG_HISTORY_ARCHIVE, i + 1);
}

/* *have 0 when there is no history. */
static int load_layout(struct layout *out, int *have, struct mlg_git_repo *r)
{
	struct mlg_git_tree root = {0};
	char want[32];
	size_t i;
	int rc, arch = 0;

	memset(out, 0, sizeof(*out));
	*have = 0;
	rc = mlg_git_ref_read(out->tip, r, MLG_HISTORY_REF);
	if (rc == MLG_ENOTFOUND) {
		mlg_error_clear();
		return 0;
	}
	if (rc || (rc = mlg_git_list_tree(&root, r, out->tip, "")))
		return rc;
	/* other entries are left alone: room for later versions */
	for (i = 0; i < root.n; i++) {
		if (!strcmp(root.items[i].name, MLG_HISTORY_FILE)) {
			if (!root.items[i].is_blob) {
				rc = mlg_error_set(MLG_EDATA,
						   "'%s' is not a file",
						   TIP_NAME);
				goto done;
			}
			memcpy(out->file, root.items[i].id, MLG_GIT_HEX);
		} else if (!strcmp(root.items[i].name, MLG_HISTORY_ARCHIVE)) {
			arch = !root.items[i].is_blob;
		}
	}
	if (arch && (rc = mlg_git_list_tree(&out->arch, r, out->tip,
					    MLG_HISTORY_ARCHIVE)))
		goto done;
	for (i = 0; i < out->arch.n; i++) {
		snprintf(want, sizeof(want), "%08zu.jsonl", i + 1);
		if (strcmp(out->arch.items[i].name, want) ||
		    !out->arch.items[i].is_blob) {
			rc = mlg_error_set(MLG_EDATA,
					   "'%s:%s/%s': unexpected entry, "
					   "expected '%s/%s'",
					   MLG_HISTORY_REF, MLG_HISTORY_ARCHIVE,
					   out->arch.items[i].name,
					   MLG_HISTORY_ARCHIVE, want);
			goto done;
		}
	}
	*have = 1;
done:
	mlg_git_tree_release(&root);
	if (rc)
		layout_release(out);
	return rc;
}

/* Read the blob `id` of chunk `name` into `text` (reset first). */
static int read_chunk(struct mlg_buf *text, struct mlg_git_repo *r,
		      const char *id, const char *name)
{
	mlg_buf_reset(text);
	return mlg_git_read_blob(text, r, id, name, MLG_HISTORY_MAX);
}

int mlg_history_read(struct mlg_history *out, struct mlg_git_repo *r)
{
	struct mlg_buf text = MLG_BUF_INIT;
	struct layout l;
	char *name = NULL;
	size_t i;
	int rc, have;

	if ((rc = load_layout(&l, &have, r)) || !have)
		return rc;
	for (i = 0; i < l.arch.n && !rc; i++) {
		free(name);
		name = chunk_name(i);
		if (!(rc = read_chunk(&text, r, l.arch.items[i].id, name)))
			rc = mlg_history_parse(out, name, text.ptr, text.len);
	}
	if (!rc && *l.file && !(rc = read_chunk(&text, r, l.file, TIP_NAME)))
		rc = mlg_history_parse(out, TIP_NAME, text.ptr, text.len);
	free(name);
	layout_release(&l);
	mlg_buf_release(&text);
	return rc;
}

/*
 * The commit id of a record line as mlg_history_format() writes it
 * ({"commit":"<hex>",...), without parsing the JSON; 0 when the line is
 * written otherwise (it is then parsed whole).
 */
static int quick_commit(char out[MLG_GIT_HEX], const struct line *l)
{
	static const char head[] = "{\"commit\":\"";
	const size_t k = sizeof(head) - 1;

	if (l->len < k + 41 || memcmp(l->p, head, k) || l->p[k + 40] != '"')
		return 0;
	memcpy(out, l->p + k, 40);
	out[40] = '\0';
	return is_hex40(out);
}

/* The window being filled, newest record first. */
struct win {
	struct mlg_history *out;
	size_t first, want;
	struct mlg_git_ancestry *anc;
};

static int win_full(const struct win *w)
{
	return w->want && w->out->n - w->first >= w->want;
}

/* Add the records of one chunk, newest first, while the window is not
 * full; only the chosen lines are parsed whole. */
static int win_chunk(struct win *w, const char *name, const char *text,
		     size_t len)
{
	struct mlg_history_record rec;
	char id[MLG_GIT_HEX];
	struct line *v;
	size_t i, n;
	int rc = 0, yes, quick;

	v = split(&n, text, len);
	for (i = n; i-- > 0 && !win_full(w);) {
		quick = quick_commit(id, &v[i]);
		if (!quick) {
			if ((rc = parse_at(&rec, name, v[i].no, v[i].p,
					   v[i].len)))
				break;
			memcpy(id, rec.commit, MLG_GIT_HEX);
		}
		rc = mlg_git_ancestry_check(&yes, w->anc, id);
		if (!rc && yes && quick)
			rc = parse_at(&rec, name, v[i].no, v[i].p, v[i].len);
		else if (!quick && (rc || !yes))
			mlg_history_record_release(&rec);
		if (rc)
			break;
		if (!yes)
			continue;
		w->out->items = mlg_grow(w->out->items, sizeof(*w->out->items),
					 w->out->n + 1, &w->out->alloc);
		w->out->items[w->out->n++] = rec;
	}
	free(v);
	return rc;
}

int mlg_history_window(struct mlg_history *out, struct mlg_git_repo *r,
		       const char *baseline, size_t window)
{
	struct mlg_buf text = MLG_BUF_INIT;
	struct mlg_history_record rec;
	char base[MLG_GIT_HEX], *name = NULL;
	struct win w = {out, out->n, window, NULL};
	struct layout l;
	size_t i;
	int rc, have = 0;

	if ((rc = mlg_git_resolve(base, r, baseline)) ||
	    (rc = load_layout(&l, &have, r)) || !have ||
	    (rc = mlg_git_ancestry_new(&w.anc, r, base)))
		goto done;
	/* newest first: the tip, then the archive from its end, each
	 * chunk read only while the window is not full; a broken line
	 * outside the window goes unnoticed */
	if (*l.file && !(rc = read_chunk(&text, r, l.file, TIP_NAME)))
		rc = win_chunk(&w, TIP_NAME, text.ptr, text.len);
	for (i = l.arch.n; !rc && i-- > 0 && !win_full(&w);) {
		free(name);
		name = chunk_name(i);
		if (!(rc = read_chunk(&text, r, l.arch.items[i].id, name)))
			rc = win_chunk(&w, name, text.ptr, text.len);
	}
	if (rc)
		goto done;
	/* oldest first */
	for (i = 0; i < (out->n - w.first) / 2; i++) {
		rec = out->items[w.first + i];
		out->items[w.first + i] = out->items[out->n - 1 - i];
		out->items[out->n - 1 - i] = rec;
	}
done:
	if (have)
		layout_release(&l);
	mlg_git_ancestry_free(w.anc);
	free(name);
	mlg_buf_release(&text);
	return rc;
}

static int append_on(struct mlg_git_repo *r,
		     const struct mlg_history_record *rec,
		     char commit[MLG_GIT_HEX])
{
	struct mlg_buf text = MLG_BUF_INIT, line = MLG_BUF_INIT;
	struct mlg_history check = {0};
	struct mlg_git_tree_edit edits[2];
	char out[MLG_GIT_HEX], *msg = NULL, *path = NULL;
	struct layout l;
	size_t n = 1;
	int rc, have;

	memset(edits, 0, sizeof(edits));
	if ((rc = load_layout(&l, &have, r)))
		goto done;
	/* never extend a history whose tip cannot be read back; archive
	 * chunks were checked when they were the tip */
	if (have && *l.file &&
	    ((rc = read_chunk(&text, r, l.file, TIP_NAME)) ||
	     (rc = mlg_history_parse(&check, TIP_NAME, text.ptr, text.len))))
		goto done;
	if ((rc = mlg_history_format(&line, rec)))
		goto done;
	edits[0].path = MLG_HISTORY_FILE;
	if (check.n >= MLG_HISTORY_CHUNK) {
		/* the full tip moves, as the same blob, into the archive;
		 * an older, longer history.jsonl moves whole likewise */
		path = mlg_strfmt("%s/%08zu.jsonl", MLG_HISTORY_ARCHIVE,
				  l.arch.n + 1);
		edits[1].path = path;
		edits[1].id = l.file;
		edits[0].data = line.ptr;
		edits[0].len = line.len;
		n = 2;
	} else {
		if (text.len && text.ptr[text.len - 1] != '\n' &&
		    (rc = mlg_buf_addch(&text, '\n')))
			goto done;
		if ((rc = mlg_buf_add(&text, line.ptr, line.len)))
			goto done;
		edits[0].data = text.ptr;
		edits[0].len = text.len;
	}
	msg = mlg_strfmt("mlgate: record %s\n", rec->commit);
	if ((rc = mlg_git_commit_edits(out, r, MLG_HISTORY_REF,
				       have ? l.tip : NULL, edits, n, msg)))
		goto done;
	if (commit)
		memcpy(commit, out, MLG_GIT_HEX);
done:
	if (have)
		layout_release(&l);
	free(msg);
	free(path);
	mlg_history_release(&check);
	mlg_buf_release(&line);
	mlg_buf_release(&text);
	return rc;
}

int mlg_history_append(struct mlg_git_repo *r,
		       const struct mlg_history_record *rec,
		       char commit[MLG_GIT_HEX])
{
	return append_on(r, rec, commit);
}

int mlg_history_push(struct mlg_git_repo *r, const char *remote,
		     const struct mlg_history_record *rec, int retries,
		     int *attempts)
{
	int rc, rejected = 0, n = 0;

	for (;;) {
		n++;
		if ((rc = mlg_git_push(&rejected, r, remote,
				       MLG_HISTORY_REF ":" MLG_HISTORY_REF)))
			break;
		if (!rejected)
			break;
		if (n > retries) {
			rc = mlg_error_set(MLG_ERROR,
					   "push of '%s' to '%s' rejected %d "
					   "times",
					   MLG_HISTORY_REF, remote, n);
			break;
		}
		/* another run recorded first: take its history and put
		 * this record on top */
		if ((rc = mlg_git_fetch(r, remote,
					"+" MLG_HISTORY_REF
					":" MLG_HISTORY_REF)) ||
		    (rc = mlg_history_append(r, rec, NULL)))
			break;
	}
	if (attempts)
		*attempts = n;
	return rc;
}
