/* emit_github.c - GitHub Actions workflow commands */

#include "mlgate/report.h"
#include "mlgate/utf8.h"

/* A character of the command's own, '%', CR, LF (and ':' and ',' in a
 * property), percent-encoded. */
static int encode(struct mlg_buf *out, const char *s, const char *at)
{
	(void)s;
	return mlg_buf_addf(out, "%%%02X", (unsigned char)*at);
}

/* The runs between them reach the job log as they are, where an ESC or
 * a C1 CSI starts a terminal sequence: shown as the text report shows
 * them. */
static int escape(struct mlg_buf *out, const char *s, int prop)
{
	return mlg_utf8_show_but(out, s, prop ? "%\r\n:," : "%\r\n", encode);
}

int mlg_github_escape_data(struct mlg_buf *out, const char *s)
{
	return escape(out, s, 0);
}

int mlg_github_escape_prop(struct mlg_buf *out, const char *s)
{
	return escape(out, s, 1);
}

struct quota {
	size_t left[2];	   /* errors, warnings still allowed */
	size_t dropped[2]; /* beyond the quota */
};

static int annotate(struct mlg_buf *out, struct quota *q,
		    const struct mlg_check *c, const struct mlg_loc *l,
		    const char *message)
{
	int warn = c->status == MLG_STATUS_WARN;
	char sep = ' ';
	int rc;

	if (!q->left[warn]) {
		q->dropped[warn]++;
		return 0;
	}
	q->left[warn]--;
	rc = mlg_buf_addf(out, "::%s", warn ? "warning" : "error");
	if (!rc && l->file) {
		rc = mlg_buf_adds(out, " file=");
		if (!rc)
			rc = mlg_github_escape_prop(out, l->file);
		if (!rc && l->line)
			rc = mlg_buf_addf(out, ",line=%llu",
					  (unsigned long long)l->line);
		if (!rc && l->line && l->column)
			rc = mlg_buf_addf(out, ",col=%llu",
					  (unsigned long long)l->column);
		sep = ',';
	}
	if (!rc)
		rc = mlg_buf_addf(out, "%ctitle=", sep);
	if (!rc)
		rc = mlg_github_escape_prop(out, c->id);
	if (!rc)
		rc = mlg_buf_adds(out, "::");
	if (!rc && l->field) {
		rc = mlg_buf_adds(out, "field '");
		if (!rc)
			rc = mlg_github_escape_data(out, l->field);
		if (!rc)
			rc = mlg_buf_adds(out, "': ");
	}
	if (!rc)
		rc = mlg_github_escape_data(out, message);
	return rc ? rc : mlg_buf_addch(out, '\n');
}

int mlg_emit_github(struct mlg_buf *out, const struct mlg_report *r)
{
	struct quota q = {{MLG_GITHUB_MAX, MLG_GITHUB_MAX}, {0, 0}};
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < r->nchecks; i++) {
		const struct mlg_check *c = r->checks[i];
		struct mlg_buf msg = MLG_BUF_INIT;

		if (c->status != MLG_STATUS_FAIL &&
		    c->status != MLG_STATUS_ERROR &&
		    c->status != MLG_STATUS_WARN)
			continue;
		if (!c->nfindings) {
			rc = mlg_check_describe(&msg, c);
			if (!rc)
				rc = annotate(out, &q, c, &c->loc, msg.ptr);
			mlg_buf_release(&msg);
		}
		for (j = 0; !rc && j < c->nfindings; j++)
			rc = annotate(out, &q, c, &c->findings[j].loc,
				      c->findings[j].message);
		/* Findings counted but not listed are left out as well. */
		if (c->count > c->nfindings)
			q.dropped[c->status == MLG_STATUS_WARN] +=
				c->count - c->nfindings;
	}
	if (!rc && (q.dropped[0] || q.dropped[1]))
		rc = mlg_buf_addf(out,
				  "::notice title=mlgate %s::%zu more errors "
				  "and %zu more warnings not annotated; see "
				  "the job log or step summary\n",
				  r->tool, q.dropped[0], q.dropped[1]);
	return rc;
}
