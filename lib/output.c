/* output.c - one report, written everywhere it was asked for */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlgate/comment.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/secret.h"
#include "mlgate/tool.h"

typedef int (*emitter)(struct mlg_buf *, const struct mlg_report *);

/* Render, mask, then write atomically: a failed run leaves either the
 * old file or the whole new one, never half of one. */
static int to_file(const char *path, const struct mlg_report *r, emitter e)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int rc;

	if (!path)
		return 0;
	if (!(rc = e(&b, r)) && !(rc = mlg_secret_mask(&b)))
		rc = mlg_file_write(path, b.ptr, b.len);
	mlg_buf_release(&b);
	return rc;
}

/* GitHub drops a step's summary whole, with an error, when it is over
 * 1 MiB: a wide table (a profile of 1,500 columns) would leave none. */
#define STEP_SUMMARY_MAX (1024 * 1024)

/* Whether the last "<details>" of b[0 .. n) is not closed after it. */
static int details_open(const char *b, size_t n)
{
	const char *p = b, *open = NULL, *close = NULL, *q;

	while ((q = memmem(p, n - (size_t)(p - b), "details>", 8))) {
		if (q > b && q[-1] == '<')
			open = q;
		else if (q - b > 1 && q[-1] == '/' && q[-2] == '<')
			close = q;
		p = q + 8;
	}
	return open && (!close || close < open);
}

/* Append the Markdown to the step's summary, cut at a line to keep the
 * file within STEP_SUMMARY_MAX, saying so, with a findings block the cut
 * falls in closed; nothing when even the note does not fit. */
static int to_step_summary(const char *path, const struct mlg_report *r)
{
	static const char cut[] = "\n_The report was cut here: a step "
				  "summary holds 1 MiB; --summary FILE "
				  "writes all of it._\n";
	static const char end[] = "\n</details>\n";
	struct mlg_buf b = MLG_BUF_INIT;
	struct stat st;
	size_t room = STEP_SUMMARY_MAX;
	int rc;

	if (!stat(path, &st) && S_ISREG(st.st_mode))
		room = (size_t)st.st_size < room ? room - (size_t)st.st_size
						 : 0;
	if ((rc = mlg_emit_markdown(&b, r)) || (rc = mlg_secret_mask(&b)))
		goto done;
	if (b.len > room) {
		if (room < sizeof(cut) + sizeof(end))
			goto done;
		room -= sizeof(cut) - 1 + sizeof(end) - 1;
		while (room && b.ptr[room - 1] != '\n')
			room--;
		mlg_buf_truncate(&b, room);
		if (details_open(b.ptr, b.len) && (rc = mlg_buf_adds(&b, end)))
			goto done;
		if ((rc = mlg_buf_adds(&b, cut)))
			goto done;
	}
	rc = mlg_file_append(path, b.ptr, b.len);
done:
	mlg_buf_release(&b);
	return rc;
}

static int to_stream(FILE *fp, struct mlg_buf *b)
{
	int rc = mlg_secret_mask(b);

	if (rc)
		return rc;
	errno = 0;
	if (fwrite(b->ptr, 1, b->len, fp) != b->len || fflush(fp))
		return mlg_error_errno(errno ? errno : EIO,
				       "cannot write to %s",
				       fp == stdout ? "stdout" : "stderr");
	return 0;
}

/* Post or update the pull request comment; a job that runs for no pull
 * request has nothing to comment on, which is not an error. */
static int comment(const char *forge, const struct mlg_report *r)
{
	const char *why;
	int rc, updated;

	if ((rc = mlg_comment_post(&updated, &why, forge, r)) < 0) {
		mlg_error_prefix("cannot comment on %s", forge);
		return rc;
	}
	if (rc)
		mlg_info("no comment posted: %s", why);
	else
		mlg_info("%s the comment on the %s request",
			 updated ? "updated" : "posted",
			 strcmp(forge, "github") ? "merge" : "pull");
	return 0;
}

int mlg_report_write(const struct mlg_ctx *ctx)
{
	const struct mlg_report *r = &ctx->report;
	const char *step = getenv("GITHUB_STEP_SUMMARY");
	int json_out = ctx->format && ctx->format[0] == 'j';
	struct mlg_buf b = MLG_BUF_INIT;
	unsigned flags = 0;
	int rc;

	if (ctx->verbose)
		flags |= MLG_EMIT_VERBOSE;
	if (ctx->quiet)
		flags |= MLG_EMIT_QUIET;
	if (!json_out && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"))
		flags |= MLG_EMIT_COLOR;
	rc = json_out ? mlg_emit_json(&b, r) : mlg_emit_text(&b, r, flags);
	if (!rc)
		rc = to_stream(stdout, &b);
	/* Workflow commands are read from either stream; keep stdout JSON. */
	if (!rc && mlg_ci_detect() == MLG_CI_GITHUB) {
		mlg_buf_reset(&b);
		if (!(rc = mlg_emit_github(&b, r)))
			rc = to_stream(json_out ? stderr : stdout, &b);
	}
	mlg_buf_release(&b);
	if (rc)
		return rc;
	if ((rc = to_file(ctx->json_path, r, mlg_emit_json)) ||
	    (rc = to_file(ctx->junit_path, r, mlg_emit_junit)) ||
	    (rc = to_file(ctx->summary_path, r, mlg_emit_markdown)) ||
	    (rc = to_file(ctx->codequality_path, r, mlg_emit_codequality)))
		return rc;
	if (step && *step && (rc = to_step_summary(step, r)))
		return rc;
	return ctx->comment ? comment(ctx->comment, r) : 0;
}
