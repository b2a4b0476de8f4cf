/* history.c - metric history on refs/mlgate/history */
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/history.h"
#include "mlgate/json.h"
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

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *mlg_history_pr_reason(void)
{
	const char *ev = env("GITHUB_EVENT_NAME");

	if (ev &&
	    (!strcmp(ev, "pull_request") || !strcmp(ev, "pull_request_target")))
		return "GITHUB_EVENT_NAME";
	if (env("CI_MERGE_REQUEST_IID"))
		return "CI_MERGE_REQUEST_IID";
	if (env("CHANGE_ID"))
		return "CHANGE_ID";
	return NULL;
}

static char *ci_run(void)
{
	const char *id = env("GITHUB_RUN_ID"), *repo = env("GITHUB_REPOSITORY");

	if (id && repo)
		return mlg_strfmt("%s/%s/actions/runs/%s",
				  env("GITHUB_SERVER_URL")
					  ? env("GITHUB_SERVER_URL")
					  : "https://github.com",
				  repo, id);
	if (env("CI_PIPELINE_URL"))
		return mlg_strdup(env("CI_PIPELINE_URL"));
	if (env("CI_PIPELINE_ID"))
		return mlg_strfmt("gitlab:%s", env("CI_PIPELINE_ID"));
	if (env("BUILD_URL"))
		return mlg_strdup(env("BUILD_URL"));
	return NULL;
}

static void add_metric(struct mlg_metric_set *m, const char *name, double v)
{
	struct mlg_named_metric *it;

	m->items = mlg_grow(m->items, sizeof(*m->items), m->n + 1, &m->alloc);
	it = &m->items[m->n++];
	memset(it, 0, sizeof(*it));
	it->name = mlg_strdup(name);
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
		if (env(refs[i]))
			out->ref = mlg_strdup(env(refs[i]));
	if (!out->ref)
		mlg_git_head_branch(&out->ref, r);
	out->run = ci_run();
	out->metrics.format = MLG_METRICS_JSON;
	for (i = 0; i < m->n; i++)
		add_metric(&out->metrics, m->items[i].name, m->items[i].value);
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

/* Parse one line; errors are left for the caller to place. */
static int parse_line(struct mlg_history_record *rec, const char *text,
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
		rc = mlg_error_set(MLG_EINVALID, "invalid commit id '%s'", s);
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
			rc = mlg_error_set(MLG_EINVALID,
					   "metric '%s' is not a number", key);
			goto done;
		}
		add_metric(&rec->metrics, key, json_number_value(v));
	}
done:
	if (rc)
		mlg_history_record_release(rec);
	mlg_json_doc_release(&doc);
	return rc;
}

/* Parse line `line` of `name` into `rec`, placing an error. */
static int parse_at(struct mlg_history_record *rec, const char *name,
		    size_t line, const char *p, size_t len)
{
	const char *msg;
	int rc;

	if (!(rc = parse_line(rec, p, len)))
		return 0;
	/* json.h names the document ''; keep the detail after it */
	msg = mlg_error_message();
	if (mlg_starts_with(msg, "'': "))
		msg += 4;
	msg = mlg_strdup(msg);
	rc = mlg_error_set(MLG_EDATA, "'%s': line %zu: %s", name, line, msg);
	free((char *)msg);
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

/* The history blob and its commit; *have 0 when there is no history. */
static int read_tip(struct mlg_buf *text, char tip[MLG_GIT_HEX], int *have,
		    struct mlg_git_repo *r)
{
	int rc;

	*have = 0;
	rc = mlg_git_ref_read(tip, r, MLG_HISTORY_REF);
	if (rc == MLG_ENOTFOUND) {
		mlg_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	if ((rc = mlg_git_read_blob_at(text, r, tip, MLG_HISTORY_FILE,
				       MLG_HISTORY_MAX)))
		return rc;
	*have = 1;
	return 0;
}

int mlg_history_read(struct mlg_history *out, struct mlg_git_repo *r)
{
	struct mlg_buf text = MLG_BUF_INIT;
	char tip[MLG_GIT_HEX];
	int rc, have;

	if (!(rc = read_tip(&text, tip, &have, r)) && have)
		rc = mlg_history_parse(out,
				       MLG_HISTORY_REF ":" MLG_HISTORY_FILE,
				       text.ptr, text.len);
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

int mlg_history_window(struct mlg_history *out, struct mlg_git_repo *r,
		       const char *baseline, size_t window)
{
	static const char name[] = MLG_HISTORY_REF ":" MLG_HISTORY_FILE;
	struct mlg_buf text = MLG_BUF_INIT;
	struct mlg_history_record rec;
	char base[MLG_GIT_HEX], tip[MLG_GIT_HEX], id[MLG_GIT_HEX];
	struct line *v = NULL;
	size_t i, n = 0, first = out->n;
	int rc, yes, have, quick;

	if ((rc = mlg_git_resolve(base, r, baseline)) ||
	    (rc = read_tip(&text, tip, &have, r)) || !have)
		goto done;
	/* newest first, and only the chosen lines are parsed whole: a
	 * long history costs one blob read and a scan for newlines; a
	 * broken line outside the window goes unnoticed */
	v = split(&n, text.ptr, text.len);
	for (i = n; i-- > 0 && (!window || out->n - first < window);) {
		quick = quick_commit(id, &v[i]);
		if (!quick) {
			if ((rc = parse_at(&rec, name, v[i].no, v[i].p,
					   v[i].len)))
				goto done;
			memcpy(id, rec.commit, MLG_GIT_HEX);
		}
		rc = mlg_git_is_ancestor(&yes, r, id, base);
		if (!rc && yes && quick)
			rc = parse_at(&rec, name, v[i].no, v[i].p, v[i].len);
		else if (!quick && (rc || !yes))
			mlg_history_record_release(&rec);
		if (rc)
			goto done;
		if (!yes)
			continue;
		out->items = mlg_grow(out->items, sizeof(*out->items),
				      out->n + 1, &out->alloc);
		out->items[out->n++] = rec;
	}
	/* oldest first */
	for (i = 0; i < (out->n - first) / 2; i++) {
		rec = out->items[first + i];
		out->items[first + i] = out->items[out->n - 1 - i];
		out->items[out->n - 1 - i] = rec;
	}
done:
	free(v);
	mlg_buf_release(&text);
	return rc;
}

static int append_on(struct mlg_git_repo *r,
		     const struct mlg_history_record *rec,
		     char commit[MLG_GIT_HEX])
{
	struct mlg_buf text = MLG_BUF_INIT;
	struct mlg_history check = {0};
	char tip[MLG_GIT_HEX], out[MLG_GIT_HEX];
	char *msg = NULL;
	int rc, have;

	if ((rc = read_tip(&text, tip, &have, r)))
		goto done;
	/* never extend a history that cannot be read back */
	if (have && (rc = mlg_history_parse(
			     &check, MLG_HISTORY_REF ":" MLG_HISTORY_FILE,
			     text.ptr, text.len)))
		goto done;
	if (text.len && text.ptr[text.len - 1] != '\n' &&
	    (rc = mlg_buf_addch(&text, '\n')))
		goto done;
	if ((rc = mlg_history_format(&text, rec)))
		goto done;
	msg = mlg_strfmt("mlgate: record %s\n", rec->commit);
	if ((rc = mlg_git_commit_file(out, r, MLG_HISTORY_REF,
				      have ? tip : NULL, MLG_HISTORY_FILE,
				      text.ptr, text.len, msg)))
		goto done;
	if (commit)
		memcpy(commit, out, MLG_GIT_HEX);
done:
	free(msg);
	mlg_history_release(&check);
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
