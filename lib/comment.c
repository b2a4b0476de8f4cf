/* comment.c - the report as one pull/merge request comment, kept up to date */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/comment.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/json.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "mlgate/util.h"

#define PER_PAGE 100
/* 100 pages of 100: a thread with more comments than that gets a new
 * one rather than an unbounded scan. */
#define MAX_PAGES  100
#define RESP_MAX   (64u << 20)
#define TIMEOUT_MS 30000L

/* Where the comment goes and how to talk to the forge. */
struct target {
	char *list;	  /* the thread's comments: GET (paged), POST */
	char *item;	  /* a comment's URL is this followed by its id */
	const char *edit; /* method of an edit: PATCH or PUT */
	char *auth;	  /* the header holding the token */
	const char *headers[4];
};

static int need(const char **out, const char *name)
{
	if (!(*out = mlg_env(name)))
		return mlg_error_set(MLG_EINVALID, "%s is not set", name);
	return 0;
}

/* The pull request number of a GitHub run, 0 when it is not one. */
static long github_pr(void)
{
	struct mlg_json_doc ev = {0};
	const char *path = mlg_env("GITHUB_EVENT_PATH"),
		   *ref = mlg_env("GITHUB_REF");
	json_t *n;
	long num = 0;
	char *end;

	if (path && !mlg_json_load(&ev, path, RESP_MAX)) {
		n = json_object_get(json_object_get(ev.root, "pull_request"),
				    "number");
		if (json_is_integer(n) && json_integer_value(n) > 0)
			num = (long)json_integer_value(n);
	}
	mlg_json_doc_release(&ev);
	mlg_error_clear();
	if (!num && ref && !strncmp(ref, "refs/pull/", 10)) {
		num = strtol(ref + 10, &end, 10);
		if (*end != '/' || num < 0)
			num = 0;
	}
	return num;
}

static char *trim_slash(const char *url)
{
	char *s = mlg_strdup(url);
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static int github_target(struct target *t, const char **why)
{
	const char *repo, *token, *api = mlg_env("GITHUB_API_URL");
	char *base;
	long pr;
	int rc;

	if (!(pr = github_pr())) {
		*why = "not a pull request run (no pull_request in "
		       "GITHUB_EVENT_PATH, GITHUB_REF not refs/pull/N/merge)";
		return 1;
	}
	if ((rc = need(&repo, "GITHUB_REPOSITORY")))
		return rc;
	if (!(token = mlg_env("GITHUB_TOKEN")) &&
	    !(token = mlg_env("GH_TOKEN")))
		return mlg_error_set(MLG_EINVALID, "no token to comment with: "
						   "set GITHUB_TOKEN");
	base = trim_slash(api ? api : "https://api.github.com");
	t->list = mlg_strfmt("%s/repos/%s/issues/%ld/comments", base, repo, pr);
	t->item = mlg_strfmt("%s/repos/%s/issues/comments/", base, repo);
	free(base);
	t->edit = "PATCH";
	t->auth = mlg_strfmt("Authorization: Bearer %s", token);
	t->headers[1] = "Accept: application/vnd.github+json";
	t->headers[2] = "X-GitHub-Api-Version: 2022-11-28";
	return mlg_secret_add(token);
}

static int gitlab_target(struct target *t, const char **why)
{
	const char *api, *proj, *iid, *token;
	char *base;
	int rc;

	if (!(iid = mlg_env("CI_MERGE_REQUEST_IID"))) {
		*why = "not a merge request pipeline (CI_MERGE_REQUEST_IID is "
		       "not set)";
		return 1;
	}
	if ((rc = need(&api, "CI_API_V4_URL")) ||
	    (rc = need(&proj, "CI_PROJECT_ID")))
		return rc;
	if (!(token = mlg_env("GITLAB_TOKEN")))
		return mlg_error_set(MLG_EINVALID,
				     "no token to comment with: set "
				     "GITLAB_TOKEN (CI_JOB_TOKEN cannot write "
				     "notes)");
	base = trim_slash(api);
	t->list = mlg_strfmt("%s/projects/%s/merge_requests/%s/notes", base,
			     proj, iid);
	t->item = mlg_strfmt("%s/", t->list);
	free(base);
	t->edit = "PUT";
	t->auth = mlg_strfmt("PRIVATE-TOKEN: %s", token);
	return mlg_secret_add(token);
}

static void target_release(struct target *t)
{
	free(t->list);
	free(t->item);
	free(t->auth);
}

/* The API's own words for a failure: "message" (GitHub, GitLab) or
 * "error" (GitLab's OAuth errors), else nothing. */
static const char *api_message(json_t *root)
{
	json_t *m = json_object_get(root, "message");

	if (!json_is_string(m))
		m = json_object_get(root, "error");
	return json_is_string(m) ? json_string_value(m) : NULL;
}

/*
 * One request, answered with 2xx and JSON: the parsed answer in *out
 * (new reference). Anything else is an error naming the URL.
 */
static int call(json_t **out, const struct target *t, const char *method,
		const char *url, const char *body)
{
	struct mlg_http_req req = {0};
	struct mlg_http_pool_opts po = {0};
	json_error_t je;
	json_t *root = NULL;
	const char *msg;
	int rc;

	*out = NULL;
	req.url = url;
	req.method = method;
	req.body = body;
	req.len = body ? strlen(body) : 0;
	req.headers = t->headers;
	mlg_buf_init(&req.resp, RESP_MAX);
	po.retries = 2;
	po.timeout_ms = TIMEOUT_MS;
	if ((rc = mlg_http_run(&req, 1, &po)))
		goto done;
	if ((rc = req.rc)) {
		rc = mlg_error_set(rc, "%s", req.error);
		goto done;
	}
	if (req.resp.len)
		root = json_loadb(req.resp.ptr, req.resp.len, 0, &je);
	if (req.status < 200 || req.status > 299) {
		msg = api_message(root);
		rc = mlg_error_set(MLG_ENETWORK, "'%s': HTTP %ld%s%s", url,
				   req.status, msg ? ": " : "", msg ? msg : "");
		goto done;
	}
	if (!root) {
		rc = mlg_error_set(MLG_EDATA, "'%s': the answer is not JSON",
				   url);
		goto done;
	}
	*out = root;
	root = NULL;
done:
	json_decref(root);
	mlg_http_req_release(&req);
	return rc;
}

/* The id of the first comment holding `marker`, or 0 when none does. */
static int find(json_int_t *id, const struct target *t, const char *marker)
{
	json_t *page = NULL, *c, *body, *cid;
	size_t i, n = PER_PAGE;
	char *url;
	int p, rc = 0;

	*id = 0;
	for (p = 1; !rc && !*id && n == PER_PAGE && p <= MAX_PAGES; p++) {
		url = mlg_strfmt("%s?per_page=%d&page=%d", t->list, PER_PAGE,
				 p);
		if (!(rc = call(&page, t, "GET", url, NULL)) &&
		    !json_is_array(page))
			rc = mlg_error_set(MLG_EDATA,
					   "'%s': expected a JSON array of "
					   "comments",
					   url);
		n = json_array_size(page);
		json_array_foreach (page, i, c) {
			body = json_object_get(c, "body");
			cid = json_object_get(c, "id");
			if (json_is_string(body) && json_is_integer(cid) &&
			    strstr(json_string_value(body), marker)) {
				*id = json_integer_value(cid);
				break;
			}
		}
		json_decref(page);
		page = NULL;
		free(url);
	}
	return rc;
}

static void safe_key(struct mlg_buf *out, const char *key)
{
	const char *s;

	for (s = key; *s; s++)
		if (*s == '>' || *s == '\n' || *s == '\r' ||
		    (*s == '-' && s[1] == '-'))
			mlg_buf_addch(out, '_');
		else
			mlg_buf_addch(out, *s);
}

int mlg_comment_body(struct mlg_buf *out, const char *gate, const char *key,
		     const char *md, size_t len)
{
	static const char cut[] = "\n_The report was cut here to fit in a "
				  "comment: the job summary has all of "
				  "it._\n";
	size_t start = out->len, room;
	int rc;

	mlg_buf_addf(out, "<!-- mlgate-comment: %s ", gate);
	safe_key(out, key);
	if ((rc = mlg_buf_adds(out, " -->\n")))
		return rc;
	room = MLG_COMMENT_MAX - (out->len - start);
	if (len <= room)
		return mlg_buf_add(out, md, len);
	room -= sizeof(cut) - 1;
	while (room && md[room - 1] != '\n')
		room--;
	if ((rc = mlg_buf_add(out, md, room)))
		return rc;
	return mlg_buf_adds(out, cut);
}

/* The request body {"body": text}. */
static char *payload(const struct mlg_buf *text)
{
	json_t *o = json_pack("{s:s%}", "body", text->ptr, text->len);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!s)
		mlg_error_set(MLG_EINVALID, "the report is not valid UTF-8");
	return s;
}

static int target_init(struct target *t, const char **why, const char *forge)
{
	int rc;

	*why = NULL;
	if (!strcmp(forge, "github"))
		rc = github_target(t, why);
	else if (!strcmp(forge, "gitlab"))
		rc = gitlab_target(t, why);
	else
		rc = mlg_error_set(MLG_EINVALID,
				   "unknown forge '%s' (expected github or "
				   "gitlab)",
				   forge);
	t->headers[0] = t->auth;
	return rc;
}

int mlg_comment_check(const char *forge)
{
	struct target t = {0};
	const char *why;
	int rc = target_init(&t, &why, forge);

	target_release(&t);
	if (rc < 0)
		mlg_error_prefix("cannot comment on %s", forge);
	return rc < 0 ? rc : 0;
}

int mlg_comment_post(int *updated, const char **why, const char *forge,
		     const struct mlg_report *r)
{
	struct target t = {0};
	struct mlg_buf md = MLG_BUF_INIT, text = MLG_BUF_INIT,
		       marker = MLG_BUF_INIT;
	const char *key = mlg_env("MLGATE_COMMENT_KEY");
	json_t *ans = NULL;
	json_int_t id;
	char *body = NULL, *url = NULL;
	int rc;

	*updated = 0;
	if (!key)
		key = mlg_env(strcmp(forge, "github") ? "CI_JOB_NAME"
						      : "GITHUB_JOB");
	if ((rc = target_init(&t, why, forge)))
		goto done;
	if ((rc = mlg_emit_markdown(&md, r)) ||
	    (rc = mlg_comment_body(&text, r->tool, key ? key : "default",
				   md.ptr, md.len)) ||
	    (rc = mlg_secret_mask(&text)))
		goto done;
	/* the marker is the body's first line */
	mlg_buf_add(&marker, text.ptr, strcspn(text.ptr, "\n"));
	if (!(body = payload(&text))) {
		rc = MLG_EINVALID;
		goto done;
	}
	if ((rc = find(&id, &t, marker.ptr)))
		goto done;
	if (id) {
		url = mlg_strfmt("%s%lld", t.item, (long long)id);
		rc = call(&ans, &t, t.edit, url, body);
	} else {
		rc = call(&ans, &t, "POST", t.list, body);
	}
	*updated = id != 0;
done:
	json_decref(ans);
	free(url);
	free(body);
	mlg_buf_release(&marker);
	mlg_buf_release(&text);
	mlg_buf_release(&md);
	target_release(&t);
	return rc;
}
