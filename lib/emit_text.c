/* emit_text.c - the human report: terminal text and Markdown */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/report.h"
#include "mlgate/utf8.h"

static const char *const colors[MLG_STATUS_COUNT] = {
	"\033[32m", "\033[33m", "\033[31m", "\033[35m", "\033[2m",
};
static const char *const words[MLG_STATUS_COUNT] = {
	"PASS", "WARN", "FAIL", "ERROR", "SKIP",
};
static const char *const emoji[MLG_STATUS_COUNT] = {
	"\u2705", "\u26a0\ufe0f", "\u274c", "\u26d4", "\u2796",
};

/*
 * Append report text `s` as a terminal or a CI log may show it
 * (mlg_utf8_show()): a label, value or message read from data can then
 * neither break its line (a forged "::error::" workflow command in a CI
 * log) nor send an escape sequence to the terminal; a tab would break
 * the table's columns.
 */
static int add_shown(struct mlg_buf *out, const char *s)
{
	return mlg_utf8_show(out, s, strlen(s), SIZE_MAX);
}

/* add_shown() between two strings of the report's own. */
static int add_shown_in(struct mlg_buf *out, const char *pre, const char *s,
			const char *post)
{
	int rc = mlg_buf_adds(out, pre);

	if (!rc)
		rc = add_shown(out, s);
	return rc ? rc : mlg_buf_adds(out, post);
}

/* The columns add_shown() takes for `s`: a character each. */
static size_t shown_width(const char *s)
{
	struct mlg_buf b = MLG_BUF_INIT;
	size_t n;

	add_shown(&b, s);
	n = mlg_utf8_length(b.ptr, b.len);
	mlg_buf_release(&b);
	return n;
}

/* "file:line:col: field 'x': " in the order that exists. */
static int add_loc(struct mlg_buf *out, const struct mlg_loc *l)
{
	int rc = 0;

	if (l->file) {
		rc = add_shown(out, l->file);
		if (!rc && l->line)
			rc = mlg_buf_addf(out, ":%llu",
					  (unsigned long long)l->line);
		if (!rc && l->line && l->column)
			rc = mlg_buf_addf(out, ":%llu",
					  (unsigned long long)l->column);
		if (!rc)
			rc = mlg_buf_adds(out, ": ");
	}
	if (!rc && l->field)
		rc = add_shown_in(out, "field '", l->field, "': ");
	return rc;
}

static int add_value(struct mlg_buf *out, const struct mlg_check *c)
{
	char v[32];

	mlg_format_value(v, c->value);
	return mlg_buf_addf(out, "%s%s", v, c->unit ? c->unit : "");
}

static int summary_counts(struct mlg_buf *out, const struct mlg_report *r)
{
	static const char *const labels[MLG_STATUS_COUNT] = {
		"passed", "warned", "failed", "errored", "skipped",
	};
	size_t n[MLG_STATUS_COUNT], i;
	int rc;

	mlg_report_count(r, n);
	rc = mlg_buf_addf(out, "%zu check%s: %zu passed", r->nchecks,
			  r->nchecks == 1 ? "" : "s", n[MLG_STATUS_PASS]);
	for (i = 1; !rc && i < MLG_STATUS_COUNT; i++)
		if (n[i])
			rc = mlg_buf_addf(out, ", %zu %s", n[i], labels[i]);
	return rc;
}

static int text_check(struct mlg_buf *out, const struct mlg_check *c,
		      unsigned flags)
{
	int color = flags & MLG_EMIT_COLOR;
	size_t i;
	int rc;

	rc = mlg_buf_addf(out, "%s%-5s%s ", color ? colors[c->status] : "",
			  words[c->status], color ? "\033[0m" : "");
	if (!rc)
		rc = add_shown(out, c->id);
	if (!rc && c->has_value) {
		rc = mlg_buf_adds(out, ": ");
		if (!rc)
			rc = add_value(out, c);
	}
	if (!rc && c->threshold)
		rc = add_shown_in(out, " (rule: ", c->threshold, ")");
	if (!rc && c->message)
		rc = add_shown_in(out, ": ", c->message, "");
	if (!rc && (c->loc.file || c->loc.field)) {
		rc = mlg_buf_adds(out, "\n      at ");
		if (!rc)
			rc = add_loc(out, &c->loc);
		if (!rc)
			mlg_buf_truncate(out, out->len - 2);
	}
	if (!rc)
		rc = mlg_buf_addch(out, '\n');
	if (c->status == MLG_STATUS_PASS && !(flags & MLG_EMIT_VERBOSE))
		return rc;
	for (i = 0; !rc && i < c->nfindings; i++) {
		rc = mlg_buf_adds(out, "      ");
		if (!rc)
			rc = add_loc(out, &c->findings[i].loc);
		if (!rc)
			rc = add_shown_in(out, "", c->findings[i].message,
					  "\n");
	}
	if (!rc && c->count > c->nfindings)
		rc = mlg_buf_addf(out, "      ... %llu more (%llu in all)\n",
				  (unsigned long long)(c->count - c->nfindings),
				  (unsigned long long)c->count);
	return rc;
}

int mlg_emit_table_text(struct mlg_buf *out, const struct mlg_table *t)
{
	size_t w[64], i, j, ncols = t->ncols < 64 ? t->ncols : 64;
	int rc;

	for (j = 0; j < ncols; j++) {
		w[j] = shown_width(t->cols[j]);
		for (i = 0; i < t->nrows; i++) {
			size_t n = shown_width(mlg_table_cell(t, i, j));

			if (n > w[j])
				w[j] = n;
		}
	}
	rc = add_shown_in(out, "\n", t->title, "\n");
	for (i = 0; !rc && i <= t->nrows; i++) {
		for (j = 0; !rc && j < ncols; j++) {
			const char *s =
				i ? mlg_table_cell(t, i - 1, j) : t->cols[j];
			size_t pad =
				j + 1 < ncols ? w[j] - shown_width(s) + 2 : 0;

			rc = add_shown(out, s);
			if (!rc)
				rc = mlg_buf_addf(out, "%*s", (int)pad, "");
		}
		if (!rc)
			rc = mlg_buf_addch(out, '\n');
	}
	return rc;
}

int mlg_emit_text(struct mlg_buf *out, const struct mlg_report *r,
		  unsigned flags)
{
	enum mlg_status st = mlg_report_status(r);
	size_t i, start = out->len;
	int rc = 0;

	for (i = 0; !rc && i < r->nchecks; i++) {
		const struct mlg_check *c = r->checks[i];

		if ((flags & MLG_EMIT_QUIET) && (c->status == MLG_STATUS_PASS ||
						 c->status == MLG_STATUS_SKIP))
			continue;
		rc = text_check(out, c, flags);
	}
	for (i = 0; !rc && !(flags & MLG_EMIT_QUIET) && i < r->ntables; i++)
		rc = mlg_emit_table_text(out, r->tables[i]);
	/* In a report with tables a blank line sets the verdict apart, but
	 * only from something: a quiet run may have written nothing. */
	if (!rc)
		rc = mlg_buf_addf(out, "%s%s: %s%s%s: ",
				  r->ntables && out->len > start ? "\n" : "",
				  r->tool,
				  flags & MLG_EMIT_COLOR ? colors[st] : "",
				  mlg_status_name(st),
				  flags & MLG_EMIT_COLOR ? "\033[0m" : "");
	if (!rc)
		rc = summary_counts(out, r);
	if (!rc)
		rc = mlg_buf_addf(out, " (%.2f s)\n", r->duration);
	return rc;
}

static int alnum(char c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* One of Markdown's own characters at `at` in the cell `s`. */
static int md_escape(struct mlg_buf *out, const char *s, const char *at)
{
	switch (*at) {
	case '|':
		return mlg_buf_adds(out, "\\|");
	/* A label such as "__index__" or "[a](b)" is text, not emphasis,
	 * code or a link: backslash escapes ('[' is enough for a link). */
	case '_':
		/* inside a word (ks_p) it is no emphasis: kept plain */
		if (at > s && alnum(at[-1]) && alnum(at[1]))
			return mlg_buf_addch(out, '_');
		/* fall through */
	case '\\':
	case '`':
	case '*':
	case '~':
	case '[':
		return mlg_buf_addf(out, "\\%c", *at);
	/* "&lt;" in the data must not read as '<' */
	case '&':
		return mlg_buf_adds(out, "&amp;");
	case '<':
		return mlg_buf_adds(out, "&lt;");
	case '>':
		return mlg_buf_adds(out, "&gt;");
	case '\n':
		return mlg_buf_addch(out, ' ');
	default: /* '\r' */
		return 0;
	}
}

int mlg_md_escape_cell(struct mlg_buf *out, const char *s)
{
	return mlg_utf8_show_but(out, s, "|<>&\\`*_~[\r\n", md_escape);
}

static int md_row(struct mlg_buf *out, const char *const *cells, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		rc = mlg_buf_adds(out, "| ");
		if (!rc)
			rc = mlg_md_escape_cell(out, cells[i] ? cells[i] : "");
		if (!rc)
			rc = mlg_buf_addch(out, ' ');
	}
	return rc ? rc : mlg_buf_adds(out, "|\n");
}

static int md_rule(struct mlg_buf *out, size_t n)
{
	int rc = 0;

	while (!rc && n--)
		rc = mlg_buf_adds(out, "|---");
	return rc ? rc : mlg_buf_adds(out, "|\n");
}

static int md_findings(struct mlg_buf *out, const struct mlg_check *c)
{
	struct mlg_buf line = MLG_BUF_INIT;
	size_t i;
	int rc;

	/* The line is an HTML block: Markdown's escapes would show there. */
	rc = mlg_buf_addf(out, "<details><summary>");
	if (!rc)
		rc = mlg_xml_escape_shown(out, c->id);
	if (!rc)
		rc = mlg_buf_addf(out, ": %llu finding%s",
				  (unsigned long long)c->count,
				  c->count == 1 ? "" : "s");
	if (!rc && c->count > c->nfindings)
		rc = mlg_buf_addf(out, ", first %zu listed", c->nfindings);
	if (!rc)
		rc = mlg_buf_adds(out, "</summary>\n\n");
	for (i = 0; !rc && i < c->nfindings; i++) {
		mlg_buf_reset(&line);
		rc = add_loc(&line, &c->findings[i].loc);
		if (!rc)
			rc = mlg_buf_adds(&line, c->findings[i].message);
		if (!rc)
			rc = mlg_buf_adds(out, "- ");
		if (!rc)
			rc = mlg_md_escape_cell(out, line.ptr);
		if (!rc)
			rc = mlg_buf_addch(out, '\n');
	}
	mlg_buf_release(&line);
	return rc ? rc : mlg_buf_adds(out, "\n</details>\n\n");
}

int mlg_emit_markdown(struct mlg_buf *out, const struct mlg_report *r)
{
	static const char *const head[] = {"", "check", "value", "rule",
					   "message"};
	enum mlg_status st = mlg_report_status(r);
	size_t i;
	int rc;

	rc = mlg_buf_addf(out, "<!-- mlgate:%s -->\n### %s mlgate %s: %s\n\n",
			  r->tool, emoji[st], r->tool, mlg_status_name(st));
	if (!rc)
		rc = summary_counts(out, r);
	if (!rc)
		rc = mlg_buf_addf(out, " in %.2f s\n\n", r->duration);
	if (!rc && r->nchecks) {
		rc = md_row(out, head, 5);
		if (!rc)
			rc = md_rule(out, 5);
	}
	for (i = 0; !rc && i < r->nchecks; i++) {
		const struct mlg_check *c = r->checks[i];
		char v[48] = "";
		const char *cells[5];

		if (c->has_value) {
			mlg_format_value(v, c->value);
			if (c->unit)
				strncat(v, c->unit, sizeof(v) - strlen(v) - 1);
		}
		cells[0] = emoji[c->status];
		cells[1] = c->id;
		cells[2] = v;
		cells[3] = c->threshold;
		cells[4] = c->message;
		rc = md_row(out, cells, 5);
	}
	if (!rc && r->nchecks)
		rc = mlg_buf_addch(out, '\n');
	for (i = 0; !rc && i < r->nchecks; i++)
		if (r->checks[i]->nfindings &&
		    r->checks[i]->status != MLG_STATUS_PASS)
			rc = md_findings(out, r->checks[i]);
	for (i = 0; !rc && i < r->ntables; i++) {
		const struct mlg_table *t = r->tables[i];
		size_t row;

		rc = mlg_buf_adds(out, "#### ");
		if (!rc)
			rc = mlg_md_escape_cell(out, t->title);
		if (!rc)
			rc = mlg_buf_adds(out, "\n\n");
		if (!rc)
			rc = md_row(out, (const char *const *)t->cols,
				    t->ncols);
		if (!rc)
			rc = md_rule(out, t->ncols);
		for (row = 0; !rc && row < t->nrows; row++)
			rc = md_row(out,
				    (const char *const *)t->cells +
					    row * t->ncols,
				    t->ncols);
		if (!rc)
			rc = mlg_buf_addch(out, '\n');
	}
	return rc;
}
