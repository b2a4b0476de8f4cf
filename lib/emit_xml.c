/* emit_xml.c - JUnit XML */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/report.h"
#include "mlgate/utf8.h"
#include "mlgate/util.h"

int mlg_xml_escape(struct mlg_buf *out, const char *s)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;
	int rc = 0;

	while (!rc && i < len) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			rc = mlg_buf_adds(out, "&amp;");
			break;
		case '<':
			rc = mlg_buf_adds(out, "&lt;");
			break;
		case '>':
			rc = mlg_buf_adds(out, "&gt;");
			break;
		case '"':
			rc = mlg_buf_adds(out, "&quot;");
			break;
		case '\'':
			rc = mlg_buf_adds(out, "&apos;");
			break;
		/* Attribute values normalise raw whitespace away. */
		case '\n':
			rc = mlg_buf_adds(out, "&#10;");
			break;
		case '\r':
			rc = mlg_buf_adds(out, "&#13;");
			break;
		case '\t':
			rc = mlg_buf_adds(out, "&#9;");
			break;
		default:
			if (c < 0x20) /* XML 1.0 cannot carry these at all */
				break;
			if (c < 0x80) {
				rc = mlg_buf_addch(out, c);
				break;
			}
			n = mlg_utf8_decode(&cp, s + i, len - i);
			/* U+FFFE and U+FFFF are not XML characters either. */
			if (!n || cp == 0xFFFE || cp == 0xFFFF) {
				rc = mlg_buf_adds(out, "\xEF\xBF\xBD");
				i++;
				continue;
			}
			rc = mlg_buf_add(out, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	return rc;
}

/*
 * Report text (ids, messages, places) as the text report shows it, a
 * control byte as "\x1b" (mlg_utf8_show()), but for the TAB, LF and CR
 * that XML carries: mlg_xml_escape() would drop the others, and ids
 * that differ only by one, such as columns "a\x01" and "a\x02", would
 * be one testcase name.
 */
static int keep(struct mlg_buf *out, const char *s, const char *at)
{
	(void)s;
	return mlg_buf_addch(out, *at);
}

static int add_shown(struct mlg_buf *out, const char *s)
{
	return mlg_utf8_show_but(out, s, "\t\n\r", keep);
}

int mlg_xml_escape_shown(struct mlg_buf *out, const char *s)
{
	struct mlg_buf t = MLG_BUF_INIT;
	int rc = add_shown(&t, s);

	if (!rc)
		rc = mlg_xml_escape(out, t.ptr ? t.ptr : "");
	mlg_buf_release(&t);
	return rc;
}

static int attr(struct mlg_buf *out, const char *name, const char *value)
{
	int rc = mlg_buf_addf(out, " %s=\"", name);

	if (!rc)
		rc = mlg_xml_escape_shown(out, value);
	return rc ? rc : mlg_buf_addch(out, '"');
}

static int details(struct mlg_buf *out, const struct mlg_check *c)
{
	char v[32];
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < c->nfindings; i++) {
		const struct mlg_loc *l = &c->findings[i].loc;
		struct mlg_buf line = MLG_BUF_INIT;

		if (l->file) {
			add_shown(&line, l->file);
			mlg_buf_addf(&line,
				     ":%llu: ", (unsigned long long)l->line);
		}
		if (l->field) {
			mlg_buf_adds(&line, "field '");
			add_shown(&line, l->field);
			mlg_buf_adds(&line, "': ");
		}
		add_shown(&line, c->findings[i].message);
		mlg_buf_addch(&line, '\n');
		rc = mlg_xml_escape(out, line.ptr);
		mlg_buf_release(&line);
	}
	if (!rc && c->count > c->nfindings)
		rc = mlg_buf_addf(out, "... %llu more (%llu in all)&#10;",
				  (unsigned long long)(c->count - c->nfindings),
				  (unsigned long long)c->count);
	if (!rc && !c->count && c->has_value) {
		mlg_format_value(v, c->value);
		rc = mlg_buf_addf(out, "value: %s", v);
	}
	return rc;
}

static int system_out_text(struct mlg_buf *out, const char *indent,
			   const char *text)
{
	int rc = mlg_buf_addf(out, "%s<system-out>", indent);

	if (!rc)
		rc = mlg_xml_escape(out, text);
	return rc ? rc : mlg_buf_adds(out, "</system-out>\n");
}

static int system_out(struct mlg_buf *out, const struct mlg_check *c)
{
	struct mlg_buf t = MLG_BUF_INIT;
	char v[32];
	int rc;

	mlg_buf_addf(&t, "status: %s\n", mlg_status_name(c->status));
	if (c->has_value) {
		mlg_format_value(v, c->value);
		mlg_buf_addf(&t, "value: %s%s\n", v, c->unit ? c->unit : "");
	}
	if (c->threshold) {
		mlg_buf_adds(&t, "rule: ");
		add_shown(&t, c->threshold);
		mlg_buf_addch(&t, '\n');
	}
	if (c->count)
		mlg_buf_addf(&t, "count: %llu\n", (unsigned long long)c->count);
	if (c->message) {
		mlg_buf_adds(&t, "message: ");
		add_shown(&t, c->message);
		mlg_buf_addch(&t, '\n');
	}
	rc = system_out_text(out, "      ", t.ptr);
	mlg_buf_release(&t);
	return rc;
}

static int testcase(struct mlg_buf *out, const struct mlg_report *r,
		    const struct mlg_check *c)
{
	static const char *const elem[MLG_STATUS_COUNT] = {
		NULL, NULL, "failure", "error", "skipped",
	};
	const char *e = elem[c->status];
	const struct mlg_loc *l = &c->loc;
	char num[32];
	int rc;

	rc = mlg_buf_addf(out, "    <testcase classname=\"mlgate.");
	if (!rc)
		rc = mlg_xml_escape(out, r->tool);
	if (!rc)
		rc = mlg_buf_addch(out, '"');
	if (!rc)
		rc = attr(out, "name", c->id);
	if (!rc)
		rc = mlg_buf_addf(out, " time=\"%.3f\"", c->duration);
	/* GitLab and the JUnit actions annotate testcase@file/@line; a check
	 * with findings but no place of its own points at its first one. */
	if (!l->file && c->nfindings)
		l = &c->findings[0].loc;
	if (!rc && l->file)
		rc = attr(out, "file", l->file);
	if (!rc && l->file && l->line) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)l->line);
		rc = attr(out, "line", num);
	}
	if (!rc)
		rc = mlg_buf_adds(out, ">\n");
	if (!rc && e) {
		rc = mlg_buf_addf(out, "      <%s", e);
		struct mlg_buf m = MLG_BUF_INIT;

		if (!rc)
			rc = mlg_check_describe(&m, c);
		if (!rc)
			rc = attr(out, "message", m.ptr);
		mlg_buf_release(&m);
		if (!rc && c->status != MLG_STATUS_SKIP)
			rc = attr(out, "type", mlg_status_name(c->status));
		if (!rc)
			rc = mlg_buf_addch(out, '>');
		if (!rc && c->status != MLG_STATUS_SKIP)
			rc = details(out, c);
		if (!rc)
			rc = mlg_buf_addf(out, "</%s>\n", e);
	}
	if (!rc)
		rc = system_out(out, c);
	return rc ? rc : mlg_buf_adds(out, "    </testcase>\n");
}

/* Tables (a diff, a profile) have no testcase of their own: Jenkins
 * shows them from the suite's system-out. */
static int suite_tables(struct mlg_buf *out, const struct mlg_report *r)
{
	struct mlg_buf t = MLG_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < r->ntables; i++)
		rc = mlg_emit_table_text(&t, r->tables[i]);
	if (!rc)
		rc = system_out_text(out, "    ", t.ptr);
	mlg_buf_release(&t);
	return rc;
}

int mlg_emit_junit(struct mlg_buf *out, const struct mlg_report *r)
{
	size_t n[MLG_STATUS_COUNT], i;
	char when[32], host[256] = "localhost";
	int rc;

	mlg_report_count(r, n);
	mlg_iso8601(when, r->started);
	when[19] = '\0'; /* xs:dateTime without the zone, as Ant writes it */
	if (gethostname(host, sizeof(host) - 1))
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	rc = mlg_buf_addf(out,
			  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<testsuites name=\"mlgate\" tests=\"%zu\" "
			  "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n"
			  "  <testsuite name=\"mlgate.",
			  r->nchecks, n[MLG_STATUS_FAIL], n[MLG_STATUS_ERROR],
			  r->duration);
	if (!rc)
		rc = mlg_xml_escape(out, r->tool);
	if (!rc)
		rc = mlg_buf_addf(
			out,
			"\" tests=\"%zu\" failures=\"%zu\" "
			"errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" "
			"timestamp=\"%s\"",
			r->nchecks, n[MLG_STATUS_FAIL], n[MLG_STATUS_ERROR],
			n[MLG_STATUS_SKIP], r->duration, when);
	if (!rc)
		rc = attr(out, "hostname", host);
	if (!rc)
		rc = mlg_buf_adds(out, ">\n    <properties>\n");
	if (!rc)
		rc = mlg_buf_adds(out,
				  "      <property name=\"mlgate.version\"");
	if (!rc)
		rc = attr(out, "value", r->version);
	if (!rc)
		rc = mlg_buf_adds(out, "/>\n");
	for (i = 0; !rc && i < r->nprops; i += 2) {
		rc = mlg_buf_adds(out, "      <property");
		if (!rc)
			rc = attr(out, "name", r->props[i]);
		if (!rc)
			rc = attr(out, "value", r->props[i + 1]);
		if (!rc)
			rc = mlg_buf_adds(out, "/>\n");
	}
	if (!rc)
		rc = mlg_buf_adds(out, "    </properties>\n");
	for (i = 0; !rc && i < r->nchecks; i++)
		rc = testcase(out, r, r->checks[i]);
	if (!rc && r->ntables)
		rc = suite_tables(out, r);
	return rc ? rc : mlg_buf_adds(out, "  </testsuite>\n</testsuites>\n");
}
