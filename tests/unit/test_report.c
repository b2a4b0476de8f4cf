#include <stdio.h>
#include <stdlib.h>

#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/secret.h"
#include "test.h"

static void test_status_and_exit(void)
{
	struct mlg_report r;

	mlg_report_init(&r, "gate", "1");
	T_EQ_INT(mlg_report_status(&r), MLG_STATUS_PASS);
	T_EQ_INT(mlg_report_exit_code(&r), 0);
	mlg_report_add_check(&r, "a", MLG_STATUS_SKIP, NULL);
	T_EQ_INT(mlg_report_exit_code(&r), 0);
	mlg_report_add_check(&r, "b", MLG_STATUS_WARN, NULL);
	T_EQ_INT(mlg_report_status(&r), MLG_STATUS_WARN);
	T_EQ_INT(mlg_report_exit_code(&r), 0);
	mlg_report_add_check(&r, "c", MLG_STATUS_FAIL, NULL);
	T_EQ_INT(mlg_report_exit_code(&r), 1);
	mlg_report_add_check(&r, "d", MLG_STATUS_ERROR, NULL);
	T_EQ_INT(mlg_report_status(&r), MLG_STATUS_ERROR);
	T_EQ_INT(mlg_report_exit_code(&r), 3);
	mlg_report_release(&r);
}

static void test_unique_ids(void)
{
	struct mlg_report r;

	mlg_report_init(&r, "gate", "1");
	T_EQ_STR(mlg_report_add_check(&r, "x", 0, NULL)->id, "x");
	T_EQ_STR(mlg_report_add_check(&r, "x", 0, NULL)->id, "x#2");
	T_EQ_STR(mlg_report_add_check(&r, "x", 0, NULL)->id, "x#3");
	T_ASSERT(mlg_report_find_check(&r, "x#2") == r.checks[1]);
	T_ASSERT(!mlg_report_find_check(&r, "y"));
	mlg_report_release(&r);
	T_ASSERT(!mlg_report_find_check(&r, "x")); /* released: empty */
}

/* Many checks, through the index's growth: every id found, repeats
 * numbered on, an id that looks like a number taken is skipped. */
static void test_many_ids(void)
{
	struct mlg_report r;
	char id[32];
	size_t i;

	mlg_report_init(&r, "gate", "1");
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "c%zu", i % 2500);
		mlg_report_add_check(&r, id, 0, NULL);
	}
	mlg_report_add_check(&r, "c7#3", 0, NULL);
	T_EQ_STR(mlg_report_add_check(&r, "c7", 0, NULL)->id, "c7#4");
	T_EQ_INT(r.nchecks, 5002);
	for (i = 0; i < r.nchecks; i++)
		T_ASSERT(mlg_report_find_check(&r, r.checks[i]->id) ==
			 r.checks[i]);
	T_EQ_STR(r.checks[4999]->id, "c2499#2");
	T_ASSERT(!mlg_report_find_check(&r, "c2500"));
	mlg_report_release(&r);
}

static void test_findings_capped_and_counted(void)
{
	struct mlg_report r;
	struct mlg_check *c;
	struct mlg_loc l = {"a.csv", 0, 0, "age"};
	int i, listed = 0;

	mlg_report_init(&r, "gate", "1");
	r.max_findings = 3;
	c = mlg_report_add_check(&r, "type-error", MLG_STATUS_FAIL, NULL);
	for (i = 0; i < 1000; i++) {
		l.line = (uint64_t)i + 2;
		listed += mlg_check_add_finding(c, &l, "bad %d", i);
	}
	T_EQ_INT(listed, 3);
	T_EQ_INT(c->count, 1000);
	T_EQ_INT(c->nfindings, 3);
	T_EQ_STR(c->findings[2].message, "bad 2");
	T_EQ_INT(c->findings[2].loc.line, 4);
	T_EQ_STR(c->findings[2].loc.field, "age");
	mlg_report_release(&r);
}

static void test_text(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"d.csv", 4, 2, "age"};
	static const char *const cols[] = {"column", "psi"};
	static const char *const row[] = {"income", "0.3"};

	mlg_report_init(&r, "gate", "1");
	r.max_findings = 1;
	c = mlg_report_add_check(&r, "accuracy", MLG_STATUS_PASS, NULL);
	mlg_check_set_value(c, 0.93, NULL);
	mlg_check_set_threshold(c, "accuracy >= 0.9");
	c = mlg_report_add_check(&r, "p99", MLG_STATUS_FAIL, "too slow");
	mlg_check_set_value(c, 251, "ms");
	c = mlg_report_add_check(&r, "type-error", MLG_STATUS_FAIL, NULL);
	mlg_check_add_finding(c, &l, "'x' is not an integer");
	mlg_check_add_finding(c, &l, "'y' is not an integer");
	mlg_report_add_check(&r, "slice", MLG_STATUS_SKIP, "too small");
	mlg_table_add_row(mlg_report_add_table(&r, "drift", "Drift", 2, cols),
			  row);
	r.duration = 1.5;
	T_EQ_INT(mlg_emit_text(&b, &r, 0), 0);
	T_EQ_STR(b.ptr, "PASS  accuracy: 0.93 (rule: accuracy >= 0.9)\n"
			"FAIL  p99: 251ms: too slow\n"
			"FAIL  type-error\n"
			"      d.csv:4:2: field 'age': 'x' is not an integer\n"
			"      ... 1 more (2 in all)\n"
			"SKIP  slice: too small\n"
			"\nDrift\n"
			"column  psi\n"
			"income  0.3\n"
			"\ngate: fail: 4 checks: 1 passed, 2 failed, "
			"1 skipped (1.50 s)\n");
	mlg_buf_reset(&b);
	T_EQ_INT(mlg_emit_text(&b, &r, MLG_EMIT_QUIET), 0);
	T_EQ_STR(b.ptr, "FAIL  p99: 251ms: too slow\n"
			"FAIL  type-error\n"
			"      d.csv:4:2: field 'age': 'x' is not an integer\n"
			"      ... 1 more (2 in all)\n"
			"\ngate: fail: 4 checks: 1 passed, 2 failed, "
			"1 skipped (1.50 s)\n");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

/* Text read from data cannot break a line of the text report (a forged
 * "::error::" workflow command in a CI log) or reach the terminal as an
 * escape sequence: control characters are shown as \xNN, and the
 * table's columns stay aligned. */
static void test_text_controls(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"d.csv", 3, 0, "a\n::error::x"};
	static const char *const cols[] = {"column", "n"};
	static const char *const row1[] = {"t\tab", "1"};
	static const char *const row2[] = {"\x1b[31mred\xc2\x9b", "2"};
	static const char *const row3[] = {"\xc3\xa9\x7f", "3"};

	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "e:a\n::error::x", MLG_STATUS_FAIL,
				 "bad\r\n::warning::y");
	mlg_check_set_threshold(c, "a\x01 <= 1");
	mlg_check_add_finding(c, &l, "'\x1b]0;t\x07' here \xff");
	{
		struct mlg_table *t =
			mlg_report_add_table(&r, "p", "p\nq", 2, cols);

		mlg_table_add_row(t, row1);
		mlg_table_add_row(t, row2);
		mlg_table_add_row(t, row3);
	}
	T_EQ_INT(mlg_emit_text(&b, &r, 0), 0);
	T_EQ_STR(b.ptr, "FAIL  e:a\\x0a::error::x (rule: a\\x01 <= 1): "
			"bad\\x0d\\x0a::warning::y\n"
			"      d.csv:3: field 'a\\x0a::error::x': "
			"'\\x1b]0;t\\x07' here \\xff\n"
			"\np\\x0aq\n"
			"column               n\n"
			"t\\x09ab              1\n"
			"\\x1b[31mred\\xc2\\x9b  2\n"
			"\xc3\xa9\\x7f                3\n"
			"\ngate: fail: 1 check: 0 passed, 1 failed (0.00 s)\n");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

static void test_secrets_masked_everywhere(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"https://user:hunter22@x/y", 1, 0, NULL};

	T_EQ_INT(mlg_secret_add("hunter22"), 0);
	T_EQ_INT(mlg_secret_add("abc"), MLG_EINVALID);
	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "push", MLG_STATUS_ERROR,
				 "token hunter22 rejected");
	mlg_check_add_finding(c, &l, "again hunter22");
	mlg_report_set_prop(&r, "url", "x?t=hunter22");
	/* A repeated id is made unique, and still masked. */
	c = mlg_report_add_check(&r, "key hunter22", MLG_STATUS_PASS, NULL);
	T_EQ_STR(c->id, "key ***");
	c = mlg_report_add_check(&r, "key hunter22", MLG_STATUS_PASS, NULL);
	T_EQ_STR(c->id, "key ***#2");
	c = r.checks[0];
	T_EQ_STR(c->message, "token *** rejected");
	T_EQ_STR(c->findings[0].loc.file, "https://user:***@x/y");
	mlg_emit_text(&b, &r, 0);
	mlg_emit_json(&b, &r);
	mlg_emit_junit(&b, &r);
	mlg_emit_markdown(&b, &r);
	mlg_emit_github(&b, &r);
	mlg_emit_codequality(&b, &r);
	T_ASSERT(!strstr(b.ptr, "hunter22"));
	T_CONTAINS(b.ptr, "x?t=***");
	mlg_error_set(MLG_ENETWORK, "401 for token hunter22");
	T_EQ_STR(mlg_error_message(), "401 for token ***");
	mlg_secret_clear();
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

/* What mlg_secret_add_url() registers of `url`: the masked URL. */
static const char *url_masked(const char *url)
{
	static char out[256];

	mlg_secret_clear();
	mlg_secret_add_url(url);
	snprintf(out, sizeof(out), "%s", url);
	mlg_secret_mask_str(out, sizeof(out));
	return out;
}

static void test_secrets_of_urls(void)
{
	T_EQ_STR(url_masked("https://bob:pw12@h/x"), "https://bob:***@h/x");
	T_EQ_INT(mlg_secret_count(), 1);
	T_EQ_STR(url_masked("HTTP://bob:pw12@h"), "HTTP://bob:***@h");
	/* too short to mask; no password; not http(s) */
	T_EQ_STR(url_masked("https://bob:pw1@h/x"), "https://bob:pw1@h/x");
	T_EQ_STR(url_masked("https://bob@h/x"), "https://bob@h/x");
	T_EQ_STR(url_masked("ftp://bob:pw12@h/x"), "ftp://bob:pw12@h/x");
	T_EQ_INT(mlg_secret_count(), 0);
	/* The user info ends at the last '@' of the authority; an '@' in
	 * the path is not in it. */
	T_EQ_STR(url_masked("http://a:b@cd@h/p"), "http://a:***@h/p");
	/* a user alone, long enough, is a token */
	T_EQ_STR(url_masked("https://ghp_0123abcd@github.com/o/r"),
		 "https://***@github.com/o/r");
	T_EQ_STR(url_masked("https://jenkins@h/x"), "https://jenkins@h/x");
	T_EQ_STR(url_masked("http://h/a:bcde@f"), "http://h/a:bcde@f");
	T_EQ_INT(mlg_secret_count(), 0);
	/* Query values of credential names, of 8 bytes or more; not the
	 * fragment. */
	T_EQ_STR(url_masked("http://h/p?X-Amz-Date=20240101T000000Z&"
			    "X-Amz-Signature=abcdef0123&auth=true&"
			    "X-Goog-Credential=me%40x.iam#sig=fragment1"),
		 "http://h/p?X-Amz-Date=20240101T000000Z&X-Amz-Signature=***&"
		 "auth=true&X-Goog-Credential=***#sig=fragment1");
	T_EQ_STR(url_masked("http://h?Token=abcdefgh&sv=2022-11-02&"
			    "SIG=ABCDEFGHIJ"),
		 "http://h?Token=***&sv=2022-11-02&SIG=***");
	T_EQ_STR(url_masked("http://h?=abcdefghij&sig&key=&"),
		 "http://h?=abcdefghij&sig&key=&");
	mlg_secret_clear();
}

/* A secret that holds another is masked whole, whichever was registered
 * first: masking the shorter first would leave the longer's rest. */
static void test_secrets_nested(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_STR(url_masked("http://h/p?sig=ABCDEFGH&token=ABCDEFGHIJKL"),
		 "http://h/p?sig=***&token=***");
	mlg_secret_clear();
	T_EQ_INT(mlg_secret_add("pass"), 0);
	T_EQ_INT(mlg_secret_add("Bearer pass-word"), 0);
	T_EQ_INT(mlg_secret_add("pass-word"), 0);
	mlg_buf_adds(&b, "a Bearer pass-word, a pass-word, a pass");
	T_EQ_INT(mlg_secret_mask(&b), 0);
	T_EQ_STR(b.ptr, "a ***, a ***, a ***");
	T_EQ_INT(mlg_secret_count(), 3);
	mlg_secret_clear();
	mlg_buf_release(&b);
}

static void test_github_escaping(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_github_escape_data(&b, "50% a:b,c\r\nd");
	T_EQ_STR(b.ptr, "50%25 a:b,c%0D%0Ad");
	mlg_buf_reset(&b);
	mlg_github_escape_prop(&b, "50% a:b,c\r\nd");
	T_EQ_STR(b.ptr, "50%25 a%3Ab%2Cc%0D%0Ad");
	mlg_buf_reset(&b);
	mlg_github_escape_data(&b, "\x1b[31mred\t\x7f\xc3\xa9");
	T_EQ_STR(b.ptr, "\\x1b[31mred\\x09\\x7f\xc3\xa9");
	/* a C1 CSI (U+009B) and invalid UTF-8, as the text report shows
	 * them, in values and properties alike */
	mlg_buf_reset(&b);
	mlg_github_escape_data(&b, "a\xc2\x9b"
				   "31mb\xff");
	T_EQ_STR(b.ptr, "a\\xc2\\x9b31mb\\xff");
	mlg_buf_reset(&b);
	mlg_github_escape_prop(&b, "f\xc2\x9b:\xff.csv");
	T_EQ_STR(b.ptr, "f\\xc2\\x9b%3A\\xff.csv");
	mlg_buf_release(&b);
}

static void test_github_quota(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"f.csv", 0, 0, NULL};
	int i, n = 0;
	const char *p;

	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "e", MLG_STATUS_FAIL, NULL);
	for (i = 1; i <= 150; i++) {
		l.line = (uint64_t)i;
		mlg_check_add_finding(c, &l, "row %d", i);
	}
	mlg_report_add_check(&r, "w", MLG_STATUS_WARN, "drift");
	T_EQ_INT(mlg_emit_github(&b, &r), 0);
	for (p = b.ptr; (p = strstr(p, "::error ")); p++)
		n++;
	T_EQ_INT(n, 10);
	T_CONTAINS(b.ptr, "::error file=f.csv,line=10,title=e::row 10\n");
	T_CONTAINS(b.ptr, "::warning title=w::drift\n");
	T_CONTAINS(b.ptr, "::notice title=mlgate gate::140 more errors and 0 "
			  "more warnings not annotated");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

static void test_xml_escape(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_xml_escape(&b, "<a & \"b\" 'c'>\x01\x1f\t\n\xff\xc3\xa9");
	T_EQ_STR(b.ptr, "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
			"&#9;&#10;\xEF\xBF\xBD\xc3\xa9");
	mlg_buf_release(&b);
}

/* JUnit shows controls as the text report does, but for the TAB, LF and
 * CR that XML carries: ids that differ only by a control byte are two
 * testcase names, not one with the byte dropped. */
static void test_junit_controls(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"d\x1b.csv", 2, 0, "a\x01"};

	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "drift:a\x01:psi", MLG_STATUS_FAIL,
				 "x\x02\ty\r\nz\x7f\xc2\x9b\xff");
	mlg_check_set_threshold(c, "psi < \x1b[1m");
	mlg_check_add_finding(c, &l, "bad\x08");
	mlg_report_add_check(&r, "drift:a\x02:psi", MLG_STATUS_PASS, NULL);
	T_EQ_INT(mlg_emit_junit(&b, &r), 0);
	T_CONTAINS(b.ptr,
		   "    <testcase classname=\"mlgate.gate\" "
		   "name=\"drift:a\\x01:psi\" time=\"0.000\" "
		   "file=\"d\\x1b.csv\" line=\"2\">\n"
		   "      <failure message=\"x\\x02&#9;y&#13;&#10;z\\x7f"
		   "\\xc2\\x9b\\xff\" type=\"fail\">d\\x1b.csv:2: field "
		   "&apos;a\\x01&apos;: bad\\x08&#10;</failure>\n"
		   "      <system-out>status: fail&#10;rule: psi &lt; "
		   "\\x1b[1m&#10;count: 1&#10;message: x\\x02&#9;y&#13;&#10;"
		   "z\\x7f\\xc2\\x9b\\xff&#10;</system-out>\n"
		   "    </testcase>\n"
		   "    <testcase classname=\"mlgate.gate\" "
		   "name=\"drift:a\\x02:psi\" time=\"0.000\">\n");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

static void test_markdown(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;

	mlg_report_init(&r, "perf-gate", "1");
	c = mlg_report_add_check(&r, "auc|x\x1b[1m", MLG_STATUS_FAIL,
				 "a\r\nb <c>\t\xc2\x85");
	mlg_check_set_value(c, 0.5, NULL);
	mlg_check_set_threshold(c, "auc >= 0.8");
	r.duration = 0.25;
	mlg_emit_markdown(&b, &r);
	T_EQ_STR(b.ptr, "<!-- mlgate:perf-gate -->\n"
			"### \u274c mlgate perf-gate: fail\n\n"
			"1 check: 0 passed, 1 failed in 0.25 s\n\n"
			"|  | check | value | rule | message |\n"
			"|---|---|---|---|---|\n"
			"| \u274c | auc\\|x\\x1b\\[1m | 0.5 | auc &gt;= 0.8 | "
			"a b &lt;c&gt;\\x09\\xc2\\x85 |\n"
			"\n");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

/* Text from the data stays text: no entity, emphasis, code or link. */
static void test_markdown_text_stays_text(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_md_escape_cell(&b,
			   "&lt;5 __index_0__ ks_p *a* `c` ~s~ [l](u) a\\|b");
	T_EQ_STR(b.ptr, "&amp;lt;5 \\_\\_index_0\\_\\_ ks_p \\*a\\* \\`c\\` "
			"\\~s\\~ \\[l](u) a\\\\\\|b");
	mlg_buf_release(&b);
}

static void test_markdown_findings_summary(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_loc l = {"f.csv", 2, 0, NULL};

	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "type-error:__a__&<b>", MLG_STATUS_FAIL,
				 NULL);
	mlg_check_add_finding(c, &l, "bad *x*");
	mlg_emit_markdown(&b, &r);
	/* the summary line is HTML, the finding Markdown */
	T_CONTAINS(b.ptr, "<details><summary>type-error:__a__&amp;&lt;b&gt;: "
			  "1 finding</summary>\n\n- f.csv:2: bad \\*x\\*\n");
	/* a control byte in an id is shown, not dropped: "a\x01" and
	 * "a\x02" stay two summaries */
	mlg_buf_reset(&b);
	c = mlg_report_add_check(&r, "drift:a\x01:psi", MLG_STATUS_FAIL, NULL);
	mlg_check_add_finding(c, &l, "x");
	mlg_emit_markdown(&b, &r);
	T_CONTAINS(b.ptr, "<details><summary>drift:a\\x01:psi: 1 finding");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

/* Two profiles of files named alike are two tables, told apart. */
static void test_table_ids_unique(void)
{
	static const char *const cols[] = {"column"};
	struct mlg_report r;

	mlg_report_init(&r, "gate", "1");
	mlg_report_add_table(&r, "data.csv:profile", NULL, 1, cols);
	mlg_report_add_table(&r, "data.csv:profile", "data.csv:profile", 1,
			     cols);
	mlg_report_add_table(&r, "data.csv:profile", "own title", 1, cols);
	T_EQ_STR(r.tables[0]->id, "data.csv:profile");
	T_EQ_STR(r.tables[0]->title, "data.csv:profile");
	T_EQ_STR(r.tables[1]->id, "data.csv:profile#2");
	T_EQ_STR(r.tables[1]->title, "data.csv:profile#2");
	T_EQ_STR(r.tables[2]->id, "data.csv:profile#3");
	T_EQ_STR(r.tables[2]->title, "own title");
	mlg_report_release(&r);
}

static void test_json_nonfinite_and_utf8(void)
{
	struct mlg_report r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_check *c;

	mlg_report_init(&r, "gate", "1");
	c = mlg_report_add_check(&r, "bad\xff", MLG_STATUS_FAIL, NULL);
	mlg_check_set_value(c, NAN, NULL);
	c = mlg_report_add_check(&r, "big", MLG_STATUS_PASS, NULL);
	mlg_check_set_value(c, -INFINITY, NULL);
	T_EQ_INT(mlg_emit_json(&b, &r), 0);
	T_CONTAINS(b.ptr, "\"id\": \"bad\xEF\xBF\xBD\"");
	T_CONTAINS(b.ptr, "\"value\": null,\n      \"value_text\": \"nan\"");
	T_CONTAINS(b.ptr, "\"value_text\": \"-inf\"");
	T_CONTAINS(b.ptr, "\"exit_code\": 1");
	mlg_buf_release(&b);
	mlg_report_release(&r);
}

static void test_format_value(void)
{
	char v[32];

	mlg_format_value(v, 3);
	T_EQ_STR(v, "3");
	mlg_format_value(v, 0.123456789);
	T_EQ_STR(v, "0.123457");
	mlg_format_value(v, -2.5e-7);
	T_EQ_STR(v, "-2.5e-07");
	mlg_format_value(v, 1e20);
	T_EQ_STR(v, "1e+20");
}

MLG_TESTS(T(test_status_and_exit), T(test_unique_ids), T(test_many_ids),
	  T(test_findings_capped_and_counted), T(test_text),
	  T(test_text_controls), T(test_secrets_masked_everywhere),
	  T(test_secrets_of_urls), T(test_secrets_nested),
	  T(test_github_escaping), T(test_github_quota), T(test_xml_escape),
	  T(test_junit_controls), T(test_markdown),
	  T(test_markdown_text_stays_text), T(test_markdown_findings_summary),
	  T(test_table_ids_unique), T(test_json_nonfinite_and_utf8),
	  T(test_format_value))
