/* test_comment.c - the comment body; the API calls are in tests/cli */
#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/comment.h"
#include "mlgate/error.h"
#include "test.h"

static void test_body_marker_first(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_comment_body(&b, "perf-gate", "gate", "# hi\n", 5), 0);
	T_EQ_STR(b.ptr, "<!-- mlgate-comment: perf-gate gate -->\n# hi\n");
	mlg_buf_release(&b);
}

/* A key cannot end the HTML comment early or break the marker line. */
static void test_body_key_made_safe(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_comment_body(&b, "g", "a-->b\nc-d>", "", 0), 0);
	T_EQ_STR(b.ptr, "<!-- mlgate-comment: g a_-_b_c-d_ -->\n");
	mlg_buf_release(&b);
}

/* A report too long for one comment is cut after its last whole line. */
static void test_body_cut_at_line(void)
{
	static const char marker[] = "<!-- mlgate-comment: g k -->\n";
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i, n = 2 * MLG_COMMENT_MAX;
	char *md = malloc(n);

	for (i = 0; i < n; i++)
		md[i] = i % 10 == 9 ? '\n' : 'a' + (char)(i / 10 % 26);
	T_EQ_INT(mlg_comment_body(&b, "g", "k", md, n), 0);
	T_EQ_INT(b.len <= MLG_COMMENT_MAX, 1);
	T_EQ_INT(memcmp(b.ptr, marker, sizeof(marker) - 1), 0);
	/* the kept part is whole lines of the report, then the note */
	i = (size_t)(strstr(b.ptr, "\n_The report was cut") - b.ptr);
	T_EQ_INT((i - (sizeof(marker) - 1)) % 10, 0);
	T_EQ_INT(i > MLG_COMMENT_MAX - 200, 1);
	T_EQ_INT(memcmp(b.ptr + sizeof(marker) - 1, md,
			i - (sizeof(marker) - 1)),
		 0);
	T_EQ_STR(b.ptr + i, "\n_The report was cut here to fit in a comment: "
			    "the job summary has all of it._\n");
	/* one byte less than the room: kept whole, no note */
	mlg_buf_reset(&b);
	n = MLG_COMMENT_MAX - (sizeof(marker) - 1);
	T_EQ_INT(mlg_comment_body(&b, "g", "k", md, n), 0);
	T_EQ_INT(b.len, MLG_COMMENT_MAX);
	T_EQ_INT(strstr(b.ptr, "_The report was cut") == NULL, 1);
	free(md);
	mlg_buf_release(&b);
}

static void test_check_unknown_forge(void)
{
	T_EQ_INT(mlg_comment_check("bitbucket"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot comment on bitbucket: unknown forge 'bitbucket' "
		 "(expected github or gitlab)");
}

MLG_TESTS(T(test_body_marker_first), T(test_body_key_made_safe),
	  T(test_body_cut_at_line), T(test_check_unknown_forge))
