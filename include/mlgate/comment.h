/*
 * comment.h - the report as one pull/merge request comment, kept up to date
 *
 * `--comment github|gitlab` (a common option of every gate) posts the
 * Markdown report on the pull or merge request the CI job runs for, and
 * on the next run edits that same comment instead of adding another. The
 * comment is found again by a hidden marker line,
 *
 *	<!-- mlgate-comment: <gate> <key> -->
 *
 * where <key> is $MLGATE_COMMENT_KEY, else the CI job name ($GITHUB_JOB,
 * $CI_JOB_NAME), else "default": one comment per gate and job, so the
 * jobs of a matrix that set MLGATE_COMMENT_KEY keep one comment each.
 *
 * Where it goes, from the environment the CI sets:
 *   github  $GITHUB_API_URL (default https://api.github.com),
 *           $GITHUB_REPOSITORY, the pull request number from the event
 *           payload ($GITHUB_EVENT_PATH: pull_request.number) or from
 *           $GITHUB_REF (refs/pull/N/merge), token $GITHUB_TOKEN or
 *           $GH_TOKEN sent as "Authorization: Bearer";
 *           GET/POST  {api}/repos/{repo}/issues/{n}/comments
 *           PATCH     {api}/repos/{repo}/issues/comments/{id}
 *   gitlab  $CI_API_V4_URL, $CI_PROJECT_ID, $CI_MERGE_REQUEST_IID, token
 *           $GITLAB_TOKEN sent as "PRIVATE-TOKEN" (a project or personal
 *           access token with the api scope: CI_JOB_TOKEN cannot write
 *           notes);
 *           GET/POST  {api}/projects/{id}/merge_requests/{iid}/notes
 *           PUT       {api}/projects/{id}/merge_requests/{iid}/notes/{id}
 *
 * The token is registered as a secret (secret.h) as soon as it is read,
 * so no output or message can show it, and it travels in a header only.
 */
#ifndef MLGATE_COMMENT_H
#define MLGATE_COMMENT_H

#include <stddef.h>

struct mlg_buf;
struct mlg_report;

/* The longest body posted; a longer report is cut at a line boundary
 * and says so. GitHub refuses bodies over 65536 characters. */
#define MLG_COMMENT_MAX 65000

/*
 * Check, before the gate runs, that the CI variables and the token that
 * mlg_comment_post() needs are there, and register the token as a
 * secret. A job that runs for no pull request passes (it will post
 * nothing). 0, or MLG_EINVALID "cannot comment on github:
 * GITHUB_REPOSITORY is not set" (and the other errors of the
 * environment listed below).
 */
int mlg_comment_check(const char *forge);

/*
 * Post or update the comment of `r`'s gate on forge "github" or
 * "gitlab". Returns 1 when the job does not run for a pull or merge
 * request (nothing is sent; `*why`, static, says what was missing), 0
 * when the comment was created or edited (`*updated` 0 or 1), or:
 *   MLG_EINVALID  unknown forge; the CI variables are incomplete
 *                 ("GITHUB_REPOSITORY is not set"); no token
 *   MLG_ENETWORK  '<url>': HTTP 403: Resource not accessible by
 *                 integration  (the API's own "message"), or the
 *                 transport error
 *   MLG_EDATA     '<url>': the answer is not the JSON expected
 * Needs mlg_http_global_init().
 */
int mlg_comment_post(int *updated, const char **why, const char *forge,
		     const struct mlg_report *r);

/*
 * Append the comment body for the Markdown report `<md, len>` to `out`:
 * the marker line, then the report, cut to MLG_COMMENT_MAX bytes at the
 * last line that fits, with a note when it was cut. The key is made safe
 * for an HTML comment (no "--", no '>', no line breaks). 0 or
 * MLG_ELIMIT.
 */
int mlg_comment_body(struct mlg_buf *out, const char *gate, const char *key,
		     const char *md, size_t len);

#endif
