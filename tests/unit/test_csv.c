#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "mlgate/util.h"
#include "test.h"

/* ---- helpers ---- */

/* Parse <s, n> as one chunk into `it`; the caller releases it. */
static void chunk(struct mlg_csv_chunk *it, const struct mlg_csv_dialect *d,
		  const char *s, size_t n)
{
	mlg_csv_chunk_init(it, d, s, n, NULL);
}

/* Field i of `rec` equals the C string `want` (no NUL inside). */
#define T_FIELD(rec, i, want)                                                  \
	do {                                                                   \
		const struct mlg_csv_field *f_ = &(rec).fields[i];             \
		char *s_ = mlg_strndup(f_->ptr, f_->len);                      \
		int ok_ = f_->len == strlen(want) &&                           \
			  !memcmp(f_->ptr, want, f_->len);                     \
		if (!ok_)                                                      \
			t_fail(__FILE__, __LINE__,                             \
			       "field %d is \"%s\" (%zu bytes), expected "     \
			       "\"%s\"",                                       \
			       (int)(i), s_, f_->len, want);                   \
		free(s_);                                                      \
	} while (0)

/* A record in one line of text, for comparing whole parses. */
static void put_record(struct mlg_buf *b, const struct mlg_csv_record *r)
{
	size_t i;

	mlg_buf_addf(b, "L%llu+%llu @%llu #%llu s%zu i%u b%d:",
		     (unsigned long long)r->line, (unsigned long long)r->nlines,
		     (unsigned long long)r->offset,
		     (unsigned long long)r->index, r->size, r->irregular,
		     r->blank);
	for (i = 0; i < r->nfields; i++) {
		mlg_buf_addf(b, "[%d%d ", r->fields[i].quoted,
			     r->fields[i].irregular);
		mlg_buf_add(b, r->fields[i].ptr, r->fields[i].len);
		mlg_buf_addch(b, ']');
	}
	mlg_buf_addch(b, '\n');
}

/* All records of a chunk, then "end" or the error and its line. */
static void parse_all(struct mlg_buf *out, const struct mlg_csv_dialect *d,
		      const char *s, size_t n, const struct mlg_csv_pos *at)
{
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	int ret;

	mlg_csv_chunk_init(&it, d, s, n, at);
	while ((ret = mlg_csv_chunk_next(&it, &rec)) == 1)
		put_record(out, &rec);
	if (ret)
		mlg_buf_addf(out, "error %d at %llu\n", ret,
			     (unsigned long long)it.error_line);
	mlg_csv_chunk_release(&it);
}

/* A read callback over memory, `step` bytes at most per call. */
struct src {
	const char *p;
	size_t n, pos, step, calls;
	int fail_at; /* return MLG_EIO at this call (1-based), 0: never */
};

static ssize_t src_read(void *ctx, void *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = s->n - s->pos;

	if (++s->calls == (size_t)s->fail_at && s->fail_at)
		return mlg_error_set(MLG_EIO, "cannot read 'data.csv': boom");
	if (k > n)
		k = n;
	if (s->step && k > s->step)
		k = s->step;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

/* All records of a reader, like parse_all(). */
static void read_all(struct mlg_buf *out, const struct mlg_csv_dialect *d,
		     const char *s, size_t n, size_t step, size_t max)
{
	struct src src = {s, n, 0, step, 0, 0};
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	int ret;

	T_EQ_INT(mlg_csv_reader_init(&r, d, src_read, &src, max), 0);
	while ((ret = mlg_csv_reader_next(&r, &rec)) == 1)
		put_record(out, &rec);
	if (ret)
		mlg_buf_addf(out, "error %d at %llu\n", ret,
			     (unsigned long long)mlg_csv_reader_error_line(&r));
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), ret);
	mlg_csv_reader_release(&r);
}

/* The transcript `got` is `want`, checked at `line`; `got` is released. */
static void same(int line, struct mlg_buf *got, const char *want)
{
	if (strcmp(got->ptr, want))
		t_fail(__FILE__, line, "transcript \"%s\", expected \"%s\"",
		       got->ptr, want);
	mlg_buf_release(got);
}

static void expect_parse(int line, const struct mlg_csv_dialect *d,
			 const char *s, size_t n, const struct mlg_csv_pos *at,
			 const char *want)
{
	struct mlg_buf b = MLG_BUF_INIT;

	parse_all(&b, d, s, n, at);
	same(line, &b, want);
}

static void expect_read(int line, const struct mlg_csv_dialect *d,
			const char *s, size_t n, size_t step, size_t max,
			const char *want)
{
	struct mlg_buf b = MLG_BUF_INIT;

	read_all(&b, d, s, n, step, max);
	same(line, &b, want);
}

/* Parsing (or reading) the string literal or array `lit`, NULs included,
 * gives the transcript `want`. */
#define T_PARSE(d, lit, at, want)                                              \
	expect_parse(__LINE__, d, lit, sizeof(lit) - 1, at, want)
#define T_READ(d, lit, step, max, want)                                        \
	expect_read(__LINE__, d, lit, sizeof(lit) - 1, step, max, want)

/* ---- the dialect ---- */

static void test_dialect_check(void)
{
	struct mlg_csv_dialect d;

	mlg_csv_dialect_init(&d);
	T_EQ_INT(d.delimiter, ',');
	T_EQ_INT(d.quote, '"');
	T_EQ_INT(d.double_quote, 1);
	T_EQ_INT(d.escape, 0);
	T_EQ_INT(d.comment, 0);
	T_EQ_INT(d.skip_initial_space, 0);
	T_EQ_INT(d.header, 1);
	T_EQ_INT(mlg_csv_dialect_check(&d), 0);
	T_EQ_INT(mlg_csv_dialect_check(NULL), 0);

	d.quote = ',';
	T_EQ_INT(mlg_csv_dialect_check(&d), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "invalid csv dialect: delimiter and quote are both ','");
	mlg_csv_dialect_init(&d);
	d.delimiter = '\t';
	d.comment = '\t';
	T_EQ_INT(mlg_csv_dialect_check(&d), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "invalid csv dialect: delimiter and comment are both '\\t'");
	mlg_csv_dialect_init(&d);
	d.escape = '\n';
	T_EQ_INT(mlg_csv_dialect_check(&d), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid csv dialect: escape is '\\n'");
	mlg_csv_dialect_init(&d);
	d.delimiter = 0;
	T_EQ_INT(mlg_csv_dialect_check(&d), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid csv dialect: no delimiter");
	mlg_csv_dialect_init(&d);
	d.skip_initial_space = 1;
	d.comment = ' ';
	T_EQ_INT(mlg_csv_dialect_check(&d), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "invalid csv dialect: comment is ' ' "
				      "with skip_initial_space");
	/* a byte above 127 is a fine delimiter */
	mlg_csv_dialect_init(&d);
	d.delimiter = (char)0xa7;
	T_EQ_INT(mlg_csv_dialect_check(&d), 0);
}

static void test_bad_dialect_fails_later(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	struct mlg_csv_chunk it;
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	struct src src = {"a\n", 2, 0, 0, 0, 0};

	d.escape = '"';
	chunk(&it, &d, "a\n", 2);
	mlg_error_clear();
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "invalid csv dialect: quote and escape are both '\"'");
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), MLG_EINVALID);
	mlg_csv_chunk_release(&it);
	T_EQ_INT(mlg_csv_reader_init(&r, &d, src_read, &src, 0), MLG_EINVALID);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), MLG_EINVALID);
	mlg_csv_reader_release(&r);
	T_EQ_INT(mlg_csv_reader_init(&r, NULL, NULL, NULL, 0), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "csv reader needs a read function");
	mlg_csv_reader_release(&r);
}

/* ---- records ---- */

static void test_simple_records(void)
{
	static const char s[] = "id,name,score\n1,ann,3.5\n2,,\n";
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;

	chunk(&it, NULL, s, sizeof(s) - 1);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 3);
	T_FIELD(rec, 0, "id");
	T_FIELD(rec, 1, "name");
	T_FIELD(rec, 2, "score");
	T_EQ_INT(rec.line, 1);
	T_EQ_INT(rec.nlines, 1);
	T_EQ_INT(rec.offset, 0);
	T_EQ_INT(rec.index, 0);
	T_EQ_INT(rec.size, 14);
	T_EQ_INT(rec.irregular, 0);
	T_EQ_INT(rec.blank, 0);
	T_EQ_INT(rec.fields[0].quoted, 0);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 3);
	T_FIELD(rec, 0, "1");
	T_FIELD(rec, 1, "ann");
	T_FIELD(rec, 2, "3.5");
	T_EQ_INT(rec.line, 2);
	T_EQ_INT(rec.offset, 14);
	T_EQ_INT(rec.index, 1);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 3);
	T_FIELD(rec, 0, "2");
	T_FIELD(rec, 1, "");
	T_FIELD(rec, 2, "");
	T_EQ_INT(rec.line, 3);
	T_EQ_INT(rec.offset, 24);
	T_EQ_INT(rec.size, 4);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 0);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 0);
	mlg_csv_chunk_release(&it);
}

static void test_crlf_and_lone_cr(void)
{
	T_PARSE(NULL, "a,b\r\n\"c\"\r\nx\ry,z\r\r\nend\r", NULL,
		"L1+1 @0 #0 s5 i0 b0:[00 a][00 b]\n"
		"L2+1 @5 #1 s5 i0 b0:[10 c]\n"
		"L3+1 @10 #2 s8 i0 b0:[00 x\ry][00 z\r]\n"
		"L4+1 @18 #3 s4 i0 b0:[00 end\r]\n");
}

static void test_quoted_fields(void)
{
	T_PARSE(NULL,
		"\"a,b\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\n"
		"1,\"two\nlines\r\nthree\",3\n"
		"last,\"q\"",
		NULL,
		"L1+1 @0 #0 s27 i0 b0:[10 a,b][10 say \"hi\"][10 ][10 \"]\n"
		"L2+3 @27 #1 s23 i0 b0:[00 1][10 two\nlines\r\nthree]"
		"[00 3]\n"
		"L5+1 @50 #2 s8 i0 b0:[00 last][10 q]\n");
}

static void test_irregular_quoting(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;

	/* quotes inside data count each; text after a closing quote once */
	T_PARSE(NULL,
		"5\"3,ab\"\"c\n\"ab\"cd,\"x\" y\"z\",\"q\"\"\"\n\"a\"\"\"b\n",
		NULL,
		"L1+1 @0 #0 s10 i3 b0:[01 5\"3][01 ab\"\"c]\n"
		"L2+1 @10 #1 s22 i4 b0:[11 abcd][11 x y\"z\"][10 q\"]\n"
		"L3+1 @32 #2 s7 i1 b0:[11 a\"b]\n");
	/* a doubled quote does not close: the field runs on to line 2 */
	T_PARSE(NULL, "\"q\"\"\n\"a\"\"\"b\n", NULL,
		"L1+2 @0 #0 s12 i4 b0:[11 q\"\na\"\"\"b]\n");
	/* without double quotes the second quote is text after the close */
	d.double_quote = 0;
	T_PARSE(&d, "\"a\"\"b\",c\n", NULL,
		"L1+1 @0 #0 s9 i2 b0:[11 a\"b\"][00 c]\n");
}

static void test_blank_lines(void)
{
	T_PARSE(NULL, "a\n\n\r\n \n\"\"\n,\nb", NULL,
		"L1+1 @0 #0 s2 i0 b0:[00 a]\n"
		"L2+1 @2 #1 s1 i0 b1:[00 ]\n"
		"L3+1 @3 #2 s2 i0 b1:[00 ]\n"
		"L4+1 @5 #3 s2 i0 b0:[00  ]\n"
		"L5+1 @7 #4 s3 i0 b0:[10 ]\n"
		"L6+1 @10 #5 s2 i0 b0:[00 ][00 ]\n"
		"L7+1 @12 #6 s1 i0 b0:[00 b]\n");
}

static void test_empty_and_final_record(void)
{
	T_PARSE(NULL, "", NULL, "");
	T_PARSE(NULL, "\n", NULL, "L1+1 @0 #0 s1 i0 b1:[00 ]\n");
	T_PARSE(NULL, "x,y", NULL, "L1+1 @0 #0 s3 i0 b0:[00 x][00 y]\n");
	/* a final delimiter gives a final empty field */
	T_PARSE(NULL, "x,", NULL, "L1+1 @0 #0 s2 i0 b0:[00 x][00 ]\n");
}

static void test_bom(void)
{
	struct mlg_csv_pos at = {4, 100, 3};

	T_PARSE(NULL,
		"\xef\xbb\xbf"
		"a,b\n\xef\xbb\xbf",
		NULL,
		"L1+1 @3 #0 s4 i0 b0:[00 a][00 b]\n"
		"L2+1 @7 #1 s3 i0 b0:[00 \xef\xbb\xbf]\n");
	/* only at offset 0 of the stream */
	T_PARSE(NULL, "\xef\xbb\xbfx\n", &at,
		"L4+1 @100 #3 s5 i0 b0:[00 \xef\xbb\xbfx]\n");
	/* a BOM alone is an empty input; a cut BOM is data */
	T_PARSE(NULL, "\xef\xbb\xbf", NULL, "");
	T_PARSE(NULL, "\xef\xbb", NULL, "L1+1 @0 #0 s2 i0 b0:[00 \xef\xbb]\n");
	T_READ(NULL, "\xef\xbb\xbf\"q\"\n", 1, 0,
	       "L1+1 @3 #0 s4 i0 b0:[10 q]\n");
	T_EQ_INT(mlg_csv_bom("\xef\xbb\xbf", 3), 3);
	T_EQ_INT(mlg_csv_bom("\xef\xbb\xbe", 3), 0);
}

static void test_comment_lines(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	static const char s[] = "#c1\na,b\n#c2,\"x\n# \"q\nc,#d\n #e\n#end";
	/* a quote in a comment line opens nothing; lines still count */
	static const char want[] = "L2+1 @4 #0 s4 i0 b0:[00 a][00 b]\n"
				   "L5+1 @20 #1 s5 i0 b0:[00 c][00 #d]\n"
				   "L6+1 @25 #2 s4 i0 b0:[00  #e]\n";

	d.comment = '#';
	T_PARSE(&d, s, NULL, want);
	T_READ(&d, s, 1, 0, want);
}

static void test_escape_char(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;

	d.escape = '\\';
	d.double_quote = 0;
	T_PARSE(&d,
		"a\\,b,\"c\\\"d\",e\\\\\n"
		"x\\\ny,\\\"q\"\n"
		"w\\\r\nv\r\n"
		"end\\",
		NULL,
		"L1+1 @0 #0 s16 i0 b0:[00 a,b][10 c\"d][00 e\\]\n"
		"L2+2 @16 #1 s10 i1 b0:[00 x\ny][01 \"q\"]\n"
		"L4+2 @26 #2 s7 i0 b0:[00 w\r\nv]\n"
		"L6+1 @33 #3 s4 i1 b0:[01 end\\]\n");
}

static void test_tsv_without_quotes(void)
{
	struct mlg_csv_dialect d = {'\t', 0, 0, 0, 0, 0, 1};

	T_PARSE(&d, "a\t\"b\"\t\"c\nd,e\t\n", NULL,
		"L1+1 @0 #0 s9 i0 b0:[00 a][00 \"b\"][00 \"c]\n"
		"L2+1 @9 #1 s5 i0 b0:[00 d,e][00 ]\n");
}

static void test_skip_initial_space(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;

	d.skip_initial_space = 1;
	T_PARSE(&d, "a,  \"b,c\" , d\n   \n", NULL,
		"L1+1 @0 #0 s14 i1 b0:[00 a][11 b,c ][00 d]\n"
		"L2+1 @14 #1 s4 i0 b0:[00 ]\n");
}

static void test_nul_and_invalid_utf8(void)
{
	static const char s[] = "a\0b,\0\n\xff\xfe,\xc3\n\"\0\"\n";
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;

	chunk(&it, NULL, s, sizeof(s) - 1);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 2);
	T_EQ_INT(rec.fields[0].len, 3);
	T_ASSERT(!memcmp(rec.fields[0].ptr, "a\0b", 3));
	T_EQ_INT(rec.fields[1].len, 1);
	T_EQ_INT(rec.fields[1].ptr[0], '\0');
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_FIELD(rec, 0, "\xff\xfe");
	T_FIELD(rec, 1, "\xc3");
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.fields[0].len, 1);
	T_EQ_INT(rec.fields[0].ptr[0], '\0');
	T_EQ_INT(rec.fields[0].quoted, 1);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 0);
	mlg_csv_chunk_release(&it);
}

static void test_unterminated_quote(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	struct mlg_csv_pos at;
	static const char s[] =
		"a,b\nx,\"ok\nstill\",\"open\nand\nnever closed\n";

	chunk(&it, NULL, s, strlen(s));
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	mlg_error_clear();
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), MLG_EDATA);
	/* the line of the opening quote, not of the record */
	T_EQ_INT(it.error_line, 3);
	T_EQ_STR(mlg_error_message(),
		 "unterminated quoted field starting at line 3");
	mlg_error_clear();
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), MLG_EDATA);
	T_EQ_STR(mlg_error_message(),
		 "unterminated quoted field starting at line 3");
	/* the position stays at the record that failed */
	mlg_csv_chunk_pos(&it, &at);
	T_EQ_INT(at.offset, 4);
	T_EQ_INT(at.line, 2);
	T_EQ_INT(at.record, 1);
	mlg_csv_chunk_release(&it);
	/* and so after a record over the limit */
	chunk(&it, NULL, "a\nbbbbb\nc\n", 10);
	it.limit = 4;
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), MLG_ELIMIT);
	mlg_csv_chunk_pos(&it, &at);
	T_EQ_INT(at.offset, 2);
	T_EQ_INT(at.line, 2);
	T_EQ_INT(at.record, 1);
	mlg_csv_chunk_release(&it);

	T_READ(NULL, s, 1, 0,
	       "L1+1 @0 #0 s4 i0 b0:[00 a][00 b]\n"
	       "error -7 at 3\n");
	/* an escape does not close it either */
	d.escape = '\\';
	T_PARSE(&d, "\"a\\\"", NULL, "error -7 at 1\n");
}

static void test_many_fields(void)
{
	struct mlg_buf in = MLG_BUF_INIT;
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	int i;

	for (i = 0; i < 20000; i++)
		mlg_buf_addf(&in, i % 3 ? "%d," : "\"%d\",", i);
	mlg_buf_adds(&in, "end\n");
	chunk(&it, NULL, in.ptr, in.len);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 20001);
	T_FIELD(rec, 0, "0");
	T_EQ_INT(rec.fields[0].quoted, 1);
	T_FIELD(rec, 19999, "19999");
	T_EQ_INT(rec.fields[19999].quoted, 0);
	T_FIELD(rec, 20000, "end");
	T_EQ_INT(rec.size, in.len);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 0);
	mlg_csv_chunk_release(&it);
	mlg_buf_release(&in);
}

/* Fields that needed unescaping stay valid with the clean ones. */
static void test_unescaped_fields_stay_valid(void)
{
	struct mlg_buf in = MLG_BUF_INIT;
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	char want[64];
	int i;

	for (i = 0; i < 500; i++)
		mlg_buf_addf(&in, i % 2 ? "\"a\"\"%d\"," : "b%d,", i);
	mlg_buf_adds(&in, "\n");
	chunk(&it, NULL, in.ptr, in.len);
	T_EQ_INT(mlg_csv_chunk_next(&it, &rec), 1);
	T_EQ_INT(rec.nfields, 501);
	for (i = 0; i < 500; i++) {
		snprintf(want, sizeof(want), i % 2 ? "a\"%d" : "b%d", i);
		T_FIELD(rec, i, want);
	}
	mlg_csv_chunk_release(&it);
	mlg_buf_release(&in);
}

/*
 * Slide records over every alignment with the 64-byte blocks: quoted
 * fields that close on the last byte of a block, CR LF across blocks,
 * doubled quotes and a final quoted field, in clean and dirty blocks.
 */
static void test_block_alignments(void)
{
	static const char head[] = "\"a,1\",b,c\n\"d\",e,\"f\"\n"
				   "g,\"h,2\",i\n\"j\",k,\"l\"\n";
	static const char r6[] = "\"w\"\"x\",y\n";
	struct mlg_buf in = MLG_BUF_INIT, want = MLG_BUF_INIT;
	struct mlg_buf got = MLG_BUF_INIT, tmp = MLG_BUF_INIT;
	size_t shift, n5;

	for (shift = 1; shift < 140; shift++) {
		mlg_buf_reset(&in);
		mlg_buf_reset(&want);
		mlg_buf_reset(&got);
		mlg_buf_reset(&tmp);
		/* clean blocks first, so the fast mode is on */
		mlg_buf_add(&in, head, sizeof(head) - 1);
		mlg_buf_addf(&in, "%*s,\"q,1\",z\r\n", (int)shift, "p");
		n5 = in.len - (sizeof(head) - 1);
		mlg_buf_adds(&in, r6);
		mlg_buf_adds(&in, "\"v\"");
		mlg_buf_addf(&want,
			     "L1+1 @0 #0 s10 i0 b0:[10 a,1][00 b][00 c]\n"
			     "L2+1 @10 #1 s10 i0 b0:[10 d][00 e][10 f]\n"
			     "L3+1 @20 #2 s10 i0 b0:[00 g][10 h,2][00 i]\n"
			     "L4+1 @30 #3 s10 i0 b0:[10 j][00 k][10 l]\n"
			     "L5+1 @40 #4 s%zu i0 b0:[00 %*s][10 q,1][00 z]\n"
			     "L6+1 @%zu #5 s%zu i0 b0:[10 w\"x][00 y]\n"
			     "L7+1 @%zu #6 s3 i0 b0:[10 v]\n",
			     n5, (int)shift, "p", 40 + n5, sizeof(r6) - 1,
			     40 + n5 + sizeof(r6) - 1);
		parse_all(&got, NULL, in.ptr, in.len, NULL);
		if (strcmp(got.ptr, want.ptr))
			t_fail(__FILE__, __LINE__, "shift %zu:\n%s", shift,
			       got.ptr);
		/* and the reader, one byte at a time, agrees */
		read_all(&tmp, NULL, in.ptr, in.len, 1, 0);
		T_EQ_STR(tmp.ptr, want.ptr);
	}
	mlg_buf_release(&in);
	mlg_buf_release(&want);
	mlg_buf_release(&got);
	mlg_buf_release(&tmp);
}

/* ---- split ---- */

static void test_split_quote_aware(void)
{
	const char *s = "a,\"b\nc\"\nd\n";
	struct mlg_csv_count cnt;
	static const size_t want[] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 10};
	size_t k;

	for (k = 0; k <= 10; k++) {
		T_EQ_INT(mlg_csv_split(&cnt, NULL, s, k, 0), want[k]);
		T_EQ_INT(cnt.lines, want[k] == 8 ? 2 : want[k] == 10 ? 3 : 0);
		T_EQ_INT(cnt.records, want[k] == 8 ? 1 : want[k] ? 2 : 0);
	}
	/* at EOF everything is complete */
	T_EQ_INT(mlg_csv_split(&cnt, NULL, s, 9, 1), 9);
	T_EQ_INT(cnt.lines, 2);
	T_EQ_INT(cnt.records, 2);
	T_EQ_INT(mlg_csv_split(NULL, NULL, s, 0, 1), 0);
	/* a quote inside data opens nothing: the LF after it is an end */
	T_EQ_INT(mlg_csv_split(&cnt, NULL, "5\"3\n\"x\n", 7, 0), 4);
	T_EQ_INT(cnt.records, 1);
	/* neither does text after a closing quote */
	T_EQ_INT(mlg_csv_split(&cnt, NULL, "\"a\"b\"\nc\n", 8, 0), 8);
	T_EQ_INT(cnt.records, 2);
}

static void test_split_comments_and_escapes(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	struct mlg_csv_count cnt;
	const char *s = "#\"c\na\\\nb\n\"q\\\"\n\"\n#x";

	d.comment = '#';
	d.escape = '\\';
	T_EQ_INT(mlg_csv_split(&cnt, &d, s, strlen(s), 0), 16);
	T_EQ_INT(cnt.lines, 5);
	T_EQ_INT(cnt.records, 2);
	T_EQ_INT(mlg_csv_split(&cnt, &d, s, strlen(s), 1), 18);
	T_EQ_INT(cnt.lines, 5);
	T_EQ_INT(cnt.records, 2);
}

/* Long data takes the 64-byte path: quotes and lines across blocks. */
static void test_split_long(void)
{
	struct mlg_buf in = MLG_BUF_INIT, a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct mlg_csv_count cnt;
	size_t k, n, cut = 0, next = 0;
	int i;

	for (i = 0; i < 300; i++) {
		mlg_buf_addf(&in, "%d,\"x,%*s\ny\"\"\",%d", i, i % 70, "", i);
		mlg_buf_adds(&in, i % 7 ? "\n" : "\r\n");
		if (i == 149)
			cut = in.len;
		if (i == 150)
			next = in.len;
	}
	n = mlg_csv_split(&cnt, NULL, in.ptr, in.len, 0);
	T_EQ_INT(n, in.len);
	T_EQ_INT(cnt.lines, 600);
	T_EQ_INT(cnt.records, 300);
	/* cut anywhere inside record 150: the end of record 149 */
	T_EQ_INT(next - cut, 27);
	for (k = cut + 1; k < next; k++) {
		n = mlg_csv_split(&cnt, NULL, in.ptr, k, 0);
		T_EQ_INT(n, cut);
		T_EQ_INT(cnt.lines, 300);
		T_EQ_INT(cnt.records, 150);
	}
	/* the two halves parse as the whole */
	parse_all(&a, NULL, in.ptr, in.len, NULL);
	parse_all(&b, NULL, in.ptr, cut, NULL);
	{
		struct mlg_csv_pos at = {301, cut, 150};

		parse_all(&b, NULL, in.ptr + cut, in.len - cut, &at);
	}
	T_EQ_INT(a.len, b.len);
	T_ASSERT(!strcmp(a.ptr, b.ptr));
	mlg_buf_release(&in);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

/*
 * Cut a small input with every feature at every position: split() plus
 * two chunks give exactly what the reader gives, reading 1 byte at a time.
 */
static void test_split_every_position(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	const char *s = "\xef\xbb\xbfh1,h2\r\n#note \"\n\"a\n,b\",\"c\"\"\"\n"
			"x\\\ny,\"\\\"\"\n\n5\"3,\"t\"ail\nlast";
	size_t n = strlen(s), k;
	struct mlg_buf want = MLG_BUF_INIT, got = MLG_BUF_INIT;

	d.comment = '#';
	d.escape = '\\';
	read_all(&want, &d, s, n, 1, 0);
	T_EQ_STR(want.ptr, "L1+1 @3 #0 s7 i0 b0:[00 h1][00 h2]\n"
			   "L3+2 @18 #1 s13 i0 b0:[10 a\n,b][10 c\"]\n"
			   "L5+2 @31 #2 s10 i0 b0:[00 x\ny][10 \"]\n"
			   "L7+1 @41 #3 s1 i0 b1:[00 ]\n"
			   "L8+1 @42 #4 s11 i2 b0:[01 5\"3][11 tail]\n"
			   "L9+1 @53 #5 s4 i0 b0:[00 last]\n");
	for (k = 3; k <= n; k++) {
		struct mlg_csv_count cnt;
		struct mlg_csv_pos at = MLG_CSV_POS_INIT;
		size_t m = mlg_csv_split(&cnt, &d, s + 3, k - 3, 0);

		mlg_buf_reset(&got);
		parse_all(&got, &d, s, 3 + m, NULL);
		at.line += cnt.lines;
		at.offset = 3 + m;
		at.record = cnt.records;
		parse_all(&got, &d, s + 3 + m, n - 3 - m, &at);
		if (strcmp(got.ptr, want.ptr))
			t_fail(__FILE__, __LINE__, "cut at %zu:\n%s", k,
			       got.ptr);
	}
	mlg_buf_release(&want);
	mlg_buf_release(&got);
}

/* ---- the reader ---- */

static void test_reader_one_byte_reads(void)
{
	struct mlg_buf in = MLG_BUF_INIT, a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	int i;

	for (i = 0; i < 2000; i++)
		mlg_buf_addf(&in, "%d,\"q%d\nv\",%s\r\n", i, i,
			     i % 5 ? "plain" : "\"a\"\"b\"");
	parse_all(&a, NULL, in.ptr, in.len, NULL);
	read_all(&b, NULL, in.ptr, in.len, 1, 0);
	T_EQ_INT(b.len, a.len);
	T_ASSERT(!strcmp(a.ptr, b.ptr));
	mlg_buf_reset(&b);
	read_all(&b, NULL, in.ptr, in.len, 4093, 0);
	T_ASSERT(!strcmp(a.ptr, b.ptr));
	T_CONTAINS(a.ptr, "L3999+2 @");
	mlg_buf_release(&in);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

/* A reader over `in`, `step` bytes a read, buffering `chunk`; `a` gets
 * the records of one parse of `in`, to compare with end_reader(). */
static void start_reader(struct mlg_csv_reader *r, struct src *src,
			 const struct mlg_buf *in, size_t chunk, size_t step,
			 struct mlg_buf *a)
{
	parse_all(a, NULL, in->ptr, in->len, NULL);
	memset(src, 0, sizeof(*src));
	src->p = in->ptr;
	src->n = in->len;
	src->step = step;
	T_EQ_INT(mlg_csv_reader_init(r, NULL, src_read, src, 0), 0);
	mlg_csv_reader_set_chunk(r, chunk);
}

/* The records read, `b`, are those of the one parse, `a`. */
static void end_reader(struct mlg_csv_reader *r, struct mlg_buf *a,
		       struct mlg_buf *b)
{
	T_EQ_INT(b->len, a->len);
	T_ASSERT(!strcmp(a->ptr, b->ptr));
	mlg_csv_reader_release(r);
	mlg_buf_release(a);
	mlg_buf_release(b);
}

/*
 * Read `in` with next() once and then next_chunk() to the end, reads of
 * `step` bytes, the reader buffering `chunk` (0: its default): the
 * records must be parse_all()'s, and each chunk whole records of at most
 * `limit` bytes. Returns how many chunks there were.
 */
static int read_chunks(const struct mlg_buf *in, size_t chunk, size_t step,
		       size_t limit)
{
	struct mlg_buf a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct src src;
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	const char *p;
	size_t n;
	struct mlg_csv_pos at;
	struct mlg_csv_count cnt;
	uint64_t next_offset, next_line, next_record = 1;
	int i, nchunks = 0;

	start_reader(&r, &src, in, chunk, step, &a);
	/* one record first, then chunks of the rest */
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), 1);
	put_record(&b, &rec);
	next_offset = rec.size;
	next_line = rec.line + rec.nlines;
	while ((i = mlg_csv_reader_next_chunk(&r, &p, &n, &at)) == 1) {
		T_EQ_INT(p[n - 1], '\n');
		T_EQ_INT(at.offset, next_offset);
		T_EQ_INT(at.line, next_line);
		T_EQ_INT(at.record, next_record);
		parse_all(&b, NULL, p, n, &at);
		next_offset += n;
		/* a chunk is whole records: split() takes it all */
		T_EQ_INT(mlg_csv_split(&cnt, NULL, p, n, 0), n);
		T_ASSERT(n <= limit);
		next_line += cnt.lines;
		next_record += cnt.records;
		nchunks++;
	}
	T_EQ_INT(next_offset, in->len);
	T_EQ_INT(i, 0);
	T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), 0);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), 0);
	end_reader(&r, &a, &b);
	return nchunks;
}

static void test_reader_chunks(void)
{
	struct mlg_buf in = MLG_BUF_INIT;
	int i;

	/* about 3 MiB: several chunks */
	for (i = 0; i < 60000; i++)
		mlg_buf_addf(&in, "%d,\"name, %d\",x%-30d\n", i, i, i);
	T_ASSERT(read_chunks(&in, 0, 100000, MLG_CSV_CHUNK_SIZE) >= 3);
	mlg_buf_release(&in);
}

/* A reader set to buffer 100 bytes hands out chunks of at most 100, but
 * for a record that does not fit: the buffer then doubles to hold it, to
 * 512 bytes for the 257 bytes of "long", and holds the rest with it. */
static void test_reader_small_chunks(void)
{
	struct mlg_buf in = MLG_BUF_INIT;
	int i;

	for (i = 0; i < 300; i++)
		mlg_buf_addf(
			&in, "%d,\"n\n%d\",%.*s\n", i, i, i % 50,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	mlg_buf_adds(&in, "long,\"");
	for (i = 0; i < 250; i++)
		mlg_buf_adds(&in, i % 50 ? "y" : "\n");
	mlg_buf_adds(&in, "\"\nlast,1,2\n");
	T_EQ_INT(read_chunks(&in, 100, 7, 512), 153);
	T_EQ_INT(read_chunks(&in, 100, 4096, 512), 153);
	mlg_buf_release(&in);
}

/*
 * Chunks cut after their last LF, as validation with threads takes them:
 * each is parsed in partial mode from line 1 and record 0, then numbered
 * from where it really starts. A parse that stops short had a cut inside
 * a record: the rest goes back to the reader, and the next chunk is taken
 * with the scan, which must start exactly there. Every other chunk is
 * traded out of the reader's buffer, and must be intact after the next
 * one is taken. The records must be those of one parse. Returns the wrong
 * cuts; *scans, the scanned chunks.
 */
static int read_cut(const struct mlg_buf *in, size_t chunk, size_t step,
		    int *scans)
{
	struct mlg_buf a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct src src;
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	struct mlg_csv_chunk it;
	struct mlg_csv_pos at, ex, end;
	const char *p, *held = NULL;
	char *own[2] = {NULL, NULL};
	size_t n, used, alloc[2] = {0, 0}, held_len = 0;
	uint64_t held_off = 0;
	int ret, partial, scan = 0, wrong = 0, k = 0;

	start_reader(&r, &src, in, chunk, step, &a);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), 1);
	put_record(&b, &rec);
	mlg_csv_reader_pos(&r, &at);
	T_EQ_INT(at.record, 1);
	*scans = 0;
	for (;;) {
		struct mlg_csv_pos rel = {1, 0, 0};

		partial = 0;
		if (scan) {
			ret = mlg_csv_reader_next_chunk(&r, &p, &n, &ex);
			if (ret == 1) {
				T_EQ_INT(ex.line, at.line);
				T_EQ_INT(ex.record, at.record);
				rel.offset = ex.offset;
			}
			scan = 0;
			(*scans)++;
		} else {
			ret = mlg_csv_reader_next_cut(&r, &p, &n, &rel.offset,
						      &partial);
		}
		if (ret == 2) {
			at.offset = rel.offset;
			mlg_csv_reader_unread(&r, NULL, 0, &at);
			scan = 1;
			continue;
		}
		if (ret != 1)
			break;
		T_EQ_INT(rel.offset, at.offset);
		if (held)
			T_ASSERT(!memcmp(held, in->ptr + held_off, held_len));
		held = NULL;
		if (k++ % 2) {
			mlg_csv_reader_trade(&r, &own[k / 2 % 2],
					     &alloc[k / 2 % 2]);
			held = p;
			held_len = n;
			held_off = rel.offset;
		}
		mlg_csv_chunk_init(&it, NULL, p, n, &rel);
		it.partial = partial;
		while ((ret = mlg_csv_chunk_next(&it, &rec)) == 1) {
			rec.line += at.line - 1;
			rec.index += at.record;
			put_record(&b, &rec);
		}
		T_EQ_INT(ret, 0);
		mlg_csv_chunk_pos(&it, &end);
		mlg_csv_chunk_release(&it);
		used = (size_t)(end.offset - at.offset);
		at.line += end.line - 1;
		at.record += end.record;
		at.offset = end.offset;
		if (used < n) {
			wrong++;
			mlg_csv_reader_unread(&r, p + used, n - used, &at);
			scan = 1;
		}
	}
	T_EQ_INT(ret, 0);
	T_EQ_INT(at.offset, in->len);
	end_reader(&r, &a, &b);
	free(own[0]);
	free(own[1]);
	return wrong;
}

static void test_reader_cut(void)
{
	struct mlg_buf in = MLG_BUF_INIT;
	int i, scans;

	/* no quoted LF: every cut is right */
	for (i = 0; i < 300; i++)
		mlg_buf_addf(&in, "%d,\"n, %d\",x\n", i, i);
	T_EQ_INT(read_cut(&in, 100, 7, &scans), 0);
	T_EQ_INT(scans, 0);
	/* every 5th record has a quoted LF, and a record is longer than the
	 * buffer: its chunk is scanned */
	mlg_buf_reset(&in);
	for (i = 0; i < 300; i++)
		mlg_buf_addf(&in, "%d,\"n%s%d\",x\n", i, i % 5 ? "" : "\n", i);
	mlg_buf_adds(&in, "long,");
	for (i = 0; i < 250; i++)
		mlg_buf_addch(&in, 'y');
	mlg_buf_adds(&in, "\nlast,\"\n\"");
	T_EQ_INT(read_cut(&in, 100, 7, &scans), 6);
	T_EQ_INT(scans, 7);
	T_EQ_INT(read_cut(&in, 4096, 4096, &scans), 0);
	T_EQ_INT(scans, 0);
	/* only the record longer than the buffer */
	mlg_buf_reset(&in);
	for (i = 0; i < 30; i++)
		mlg_buf_addf(&in, "%d,%0*d\n", i, i == 20 ? 200 : 1, i);
	T_EQ_INT(read_cut(&in, 100, 7, &scans), 0);
	T_EQ_INT(scans, 1);
	mlg_buf_release(&in);
}

static void test_max_record(void)
{
	struct mlg_csv_dialect d = MLG_CSV_DIALECT_INIT;
	static const char s[] = "abc\n0123456789\n012345678\nnext\n";

	/* 11 bytes with its LF: one too many */
	T_READ(NULL, s, 0, 10, "L1+1 @0 #0 s4 i0 b0:[00 abc]\nerror -6 at 2\n");
	T_EQ_STR(mlg_error_message(),
		 "record at line 2 is larger than 10 bytes");
	T_READ(NULL, s, 1, 11,
	       "L1+1 @0 #0 s4 i0 b0:[00 abc]\n"
	       "L2+1 @4 #1 s11 i0 b0:[00 0123456789]\n"
	       "L3+1 @15 #2 s10 i0 b0:[00 012345678]\n"
	       "L4+1 @25 #3 s5 i0 b0:[00 next]\n");
	/* the final record without LF, and a quoted record over lines */
	T_READ(NULL, "a\n\"1\n2\n3\"", 3, 6,
	       "L1+1 @0 #0 s2 i0 b0:[00 a]\nerror -6 at 2\n");
	/* a comment line must fit too */
	d.comment = '#';
	T_READ(&d, "a\n#0123456789\nb\n", 0, 10,
	       "L1+1 @0 #0 s2 i0 b0:[00 a]\nerror -6 at 2\n");
	T_EQ_STR(mlg_error_message(),
		 "record at line 2 is larger than 10 bytes");
}

/* next_chunk() hands over the records before one too big, then fails. */
static void test_max_record_chunks(void)
{
	static const char s[] = "abc\ndef\n0123456789\nnext\n";
	struct src src = {s, sizeof(s) - 1, 0, 0, 0, 0};
	struct mlg_csv_reader r;
	const char *p;
	size_t n;
	struct mlg_csv_pos at;

	T_EQ_INT(mlg_csv_reader_init(&r, NULL, src_read, &src, 10), 0);
	T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), 1);
	T_EQ_INT(n, 8);
	T_ASSERT(!memcmp(p, "abc\ndef\n", 8));
	T_EQ_INT(at.line, 1);
	mlg_error_clear();
	T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "record at line 3 is larger than 10 bytes");
	T_EQ_INT(mlg_csv_reader_error_line(&r), 3);
	T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), MLG_ELIMIT);
	mlg_csv_reader_release(&r);
}

/* Bytes of "id,text\n1,\"xxxx..." with a 50 MB field, never stored. */
struct gen {
	size_t pos, total;
};

static ssize_t gen_read(void *ctx, void *buf, size_t n)
{
	static const char head[] = "id,text\n1,\"";
	struct gen *g = ctx;
	size_t k = 0;
	char *out = buf;

	while (k < n && g->pos < g->total) {
		out[k++] = g->pos < sizeof(head) - 1 ? head[g->pos] : 'x';
		g->pos++;
	}
	return (ssize_t)k;
}

static void test_huge_field_is_refused(void)
{
	struct gen g = {0, 50u << 20};
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;

	T_EQ_INT(mlg_csv_reader_init(&r, NULL, gen_read, &g, 1 << 20), 0);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), 1);
	T_FIELD(rec, 1, "text");
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), MLG_ELIMIT);
	T_EQ_STR(mlg_error_message(),
		 "record at line 2 is larger than 1048576 bytes");
	T_EQ_INT(mlg_csv_reader_error_line(&r), 2);
	/* it stopped reading soon after the limit */
	T_ASSERT(g.pos < (3u << 20));
	T_ASSERT(r.alloc <= (1u << 20) + 1);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), MLG_ELIMIT);
	mlg_csv_reader_release(&r);
}

static void test_reader_read_error(void)
{
	struct src src = {"a,b\nc,d\n", 8, 0, 4, 0, 2};
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;

	T_EQ_INT(mlg_csv_reader_init(&r, NULL, src_read, &src, 0), 0);
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), 1);
	T_FIELD(rec, 0, "a");
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), MLG_EIO);
	T_EQ_STR(mlg_error_message(), "cannot read 'data.csv': boom");
	T_EQ_INT(mlg_csv_reader_next(&r, &rec), MLG_EIO);
	T_EQ_INT(src.calls, 2);
	mlg_csv_reader_release(&r);
}

static void test_reader_empty_input(void)
{
	struct src src = {"", 0, 0, 0, 0, 0};
	struct mlg_csv_reader r;
	const char *p;
	size_t n;
	struct mlg_csv_pos at;
	struct mlg_csv_chunk it;
	struct mlg_csv_dialect d;
	struct mlg_csv_record rec;
	uint64_t off;
	int i, partial;

	T_READ(NULL, "", 1, 0, "");
	T_READ(NULL, "\n", 1, 0, "L1+1 @0 #0 s1 i0 b1:[00 ]\n");
	T_EQ_INT(mlg_csv_reader_init(&r, NULL, src_read, &src, 0), 0);
	T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), 0);
	mlg_csv_reader_release(&r);
	/* Only comment lines: after the end, every way to read on ends
	 * too, having taken them once (not twice, past the buffer). */
	mlg_csv_dialect_init(&d);
	d.comment = '#';
	for (i = 0; i < 3; i++) {
		src = (struct src){"#a\n#\\", 5, 0, 0, 0, 0};
		T_EQ_INT(mlg_csv_reader_init(&r, &d, src_read, &src, 0), 0);
		T_EQ_INT(mlg_csv_reader_next(&r, &rec), 0);
		if (i == 0)
			T_EQ_INT(mlg_csv_reader_next_chunk(&r, &p, &n, &at), 0);
		else if (i == 1)
			T_EQ_INT(mlg_csv_reader_peek(&r, &it, &p, &n, &at), 0);
		else
			T_EQ_INT(mlg_csv_reader_next_cut(&r, &p, &n, &off,
							 &partial),
				 0);
		mlg_csv_reader_pos(&r, &at);
		T_EQ_INT(at.offset, 5);
		T_EQ_INT(at.line, 3);
		mlg_csv_reader_release(&r);
	}
}

/*
 * The records a reader gives when it skips those that `keep` refuses:
 * with skip 0 it reads them all and leaves them out of the transcript,
 * so both transcripts must be equal, positions and errors included.
 */
static void read_kept(struct mlg_buf *out, const struct mlg_csv_dialect *d,
		      const struct mlg_buf *in, size_t step, size_t max,
		      unsigned keep, int skip)
{
	struct src src = {in->ptr, in->len, 0, step, 0, 0};
	struct mlg_csv_reader r;
	struct mlg_csv_record rec;
	uint64_t i;
	int ret, kept;

	T_EQ_INT(mlg_csv_reader_init(&r, d, src_read, &src, max), 0);
	for (i = 0;; i++) {
		/* keep: 0 none, 1 all, else every keep-th, and runs of 4 */
		kept = keep == 1 ||
		       (keep > 1 && (i % keep == 0 || i / 4 % 3 == 1));
		ret = skip && !kept ? mlg_csv_reader_skip(&r)
				    : mlg_csv_reader_next(&r, &rec);
		if (ret != 1)
			break;
		if (kept)
			put_record(out, &rec);
	}
	if (ret)
		mlg_buf_addf(out, "error %d at %llu\n", ret,
			     (unsigned long long)mlg_csv_reader_error_line(&r));
	mlg_csv_reader_release(&r);
}

/* Records of every kind, for tests that read them many ways. */
static const char *const mixed[] = {
	"1,plain,x\n",
	"2,\"quoted, comma\",y\r\n",
	"\n",
	"3,\"two\nlines\",z\n",
	"4,a\"b,irregular\n",
	"#not a comment here,5\n",
	"5,\\,escape\n",
	"6,\\\nescaped lf\n",
	"\r\n",
	"7,\"a\"\"b\",c\n",
	"8,  \"spaced\nquote\",w\n",
	"9,a long plain row that is longer than forty bytes\n",
};

static void test_reader_skip(void)
{
	static const unsigned keeps[] = {0, 1, 2, 3, 5};
	static const size_t steps[] = {1, 5, 64, 4093, 0};
	struct mlg_csv_dialect d[4];
	struct mlg_buf in = MLG_BUF_INIT, a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	size_t i, k, st, di, tail;

	for (di = 0; di < 4; di++)
		mlg_csv_dialect_init(&d[di]);
	d[1].comment = '#';
	d[2].escape = '\\';
	d[3].quote = 0;
	d[3].skip_initial_space = 1;
	mlg_buf_adds(&in, "\xef\xbb\xbf");
	for (i = 0; i < 300; i++)
		mlg_buf_adds(&in, mixed[(i * 7) % MLG_ARRAY_SIZE(mixed)]);
	mlg_buf_adds(&in, "last,without,lf");
	for (tail = 0; tail < 2; tail++) {
		if (tail) /* then a quote never closed */
			mlg_buf_adds(&in, "\nend,\"open\n");
		for (di = 0; di < 4; di++)
			for (k = 0; k < MLG_ARRAY_SIZE(keeps); k++)
				for (st = 0; st < MLG_ARRAY_SIZE(steps); st++) {
					read_kept(&a, &d[di], &in, steps[st], 0,
						  keeps[k], 0);
					read_kept(&b, &d[di], &in, steps[st], 0,
						  keeps[k], 1);
					T_EQ_STR(b.ptr, a.ptr);
					mlg_buf_reset(&a);
					mlg_buf_reset(&b);
				}
	}
	/* The open quote ends every run; a record over the limit, one
	 * skipped or not, stops it at the same place. */
	read_kept(&a, &d[0], &in, 0, 0, 0, 1);
	T_EQ_STR(a.ptr, "error -7 at 377\n");
	mlg_buf_reset(&a);
	read_kept(&a, &d[0], &in, 0, 48, 0, 0);
	read_kept(&b, &d[0], &in, 0, 48, 0, 1);
	T_EQ_STR(b.ptr, a.ptr);
	T_CONTAINS(a.ptr, "error -6 at 7\n");
	mlg_buf_release(&in);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

/* Batches of a chunk: how many records each call gives, and the
 * records, their fields at base + k * stride. */
static void batches(struct mlg_buf *out, const char *s, size_t max, size_t base,
		    size_t stride)
{
	struct mlg_csv_record recs[8];
	struct mlg_csv_dialect d;
	struct mlg_csv_chunk it;
	int ret, k;

	mlg_csv_dialect_init(&d);
	d.comment = '#';
	mlg_csv_chunk_init(&it, &d, s, strlen(s), NULL);
	while ((ret = mlg_csv_chunk_next_batch(&it, recs, max, base, stride)) >
	       0) {
		mlg_buf_addf(out, "%d:", ret);
		for (k = 0; k < ret; k++) {
			recs[k].fields =
				mlg_csv_chunk_fields(&it) + base + k * stride;
			mlg_buf_addf(out, " %zu", recs[k].nfields);
		}
		mlg_buf_addch(out, '\n');
	}
	mlg_buf_addf(out, "end %d\n", ret);
	mlg_csv_chunk_release(&it);
}

/* A batch stops after a record of another width, a blank or unescaped
 * one, before a comment, at the end, at max; an error comes after the
 * records before it. */
static void test_chunk_next_batch(void)
{
	struct mlg_buf out = MLG_BUF_INIT;

	batches(&out,
		"a,b\n1,2\n,\n5\n6,7,8\n\n9,10\n#c\n1,\"2\"\"\"\n3,4\n5,6", 8,
		0, 2);
	T_EQ_STR(out.ptr, "4: 2 2 2 1\n"
			  "1: 3\n"
			  "1: 1\n" /* blank */
			  "1: 2\n" /* then a comment */
			  "1: 2\n" /* unescaped */
			  "2: 2 2\n"
			  "end 0\n");
	mlg_buf_reset(&out);
	batches(&out, "1,2\n3,4\n5,6\n7,8\n9,\"x\n", 3, 5, 2);
	T_EQ_STR(out.ptr, "3: 2 2 2\n"
			  "1: 2\n"
			  "end -7\n");
	mlg_buf_reset(&out);
	batches(&out, "1\n2\n3\n", 8, 0, 1);
	T_EQ_STR(out.ptr, "3: 1 1 1\nend 0\n");
	mlg_buf_release(&out);
}

/*
 * mlg_csv_chunk_next_at(): each record as mlg_csv_chunk_next() gives it,
 * and the fields of the records before it kept in place, by index, while
 * the array grows under them (groups of 1 to 300 records, up to 35
 * fields each). Unescaped fields live in the scratch, not kept.
 */
static void test_chunk_next_at(void)
{
	static const char wide[] =
		"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,"
		"x,y,z,0,1,2,3,4,5,6,7,8\n";
	static const size_t groups[] = {1, 2, 37, 300};
	struct mlg_buf in = MLG_BUF_INIT, a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct mlg_buf now = MLG_BUF_INIT, then[300];
	struct mlg_csv_record recs[300];
	size_t base[300], i, g, n, k, bad = 0;
	struct mlg_csv_dialect d;
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	int ret;

	mlg_csv_dialect_init(&d);
	d.escape = '\\';
	for (i = 0; i < 2000; i++)
		mlg_buf_adds(&in, i % 9 ? mixed[(i * 5) % MLG_ARRAY_SIZE(mixed)]
					: wide);
	mlg_buf_adds(&in, "last,without,lf");
	for (k = 0; k < 300; k++)
		mlg_buf_init(&then[k], 0);
	parse_all(&a, &d, in.ptr, in.len, NULL);
	for (g = 0; g < MLG_ARRAY_SIZE(groups); g++) {
		mlg_buf_reset(&b);
		mlg_csv_chunk_init(&it, &d, in.ptr, in.len, NULL);
		for (n = 0;;) {
			base[n] = n ? base[n - 1] + recs[n - 1].nfields : 0;
			ret = mlg_csv_chunk_next_at(&it, &recs[n], base[n]);
			if (ret == 1) {
				put_record(&b, &recs[n]);
				mlg_buf_reset(&then[n]);
				put_record(&then[n], &recs[n]);
				T_ASSERT(recs[n].fields ==
					 mlg_csv_chunk_fields(&it) + base[n]);
				n++;
			}
			if (ret == 1 && n < groups[g])
				continue;
			for (k = 0; k < n; k++) {
				if (recs[k].unescaped)
					continue;
				rec = recs[k];
				rec.fields =
					mlg_csv_chunk_fields(&it) + base[k];
				mlg_buf_reset(&now);
				put_record(&now, &rec);
				bad += strcmp(now.ptr, then[k].ptr) != 0;
			}
			n = 0;
			if (ret != 1)
				break;
		}
		if (ret)
			mlg_buf_addf(&b, "error %d at %llu\n", ret,
				     (unsigned long long)it.error_line);
		mlg_csv_chunk_release(&it);
		T_EQ_STR(b.ptr, a.ptr);
		T_EQ_INT(bad, 0);
	}
	for (k = 0; k < 300; k++)
		mlg_buf_release(&then[k]);
	mlg_buf_release(&now);
	mlg_buf_release(&in);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

/* read_kept() of every record, through mlg_csv_reader_peek() and a chunk
 * iterator of the caller's. */
static void read_peeked(struct mlg_buf *out, const struct mlg_csv_dialect *d,
			const struct mlg_buf *in, size_t step, size_t max)
{
	struct src src = {in->ptr, in->len, 0, step, 0, 0};
	struct mlg_csv_reader r;
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	struct mlg_csv_pos at;
	const char *ptr;
	uint64_t line = 0;
	size_t len;
	int ret;

	T_EQ_INT(mlg_csv_reader_init(&r, d, src_read, &src, max), 0);
	while ((ret = mlg_csv_reader_peek(&r, &it, &ptr, &len, &at)) == 1) {
		while ((ret = mlg_csv_chunk_next(&it, &rec)) == 1)
			put_record(out, &rec);
		line = it.error_line;
		mlg_csv_reader_took(&r, &it);
		mlg_csv_chunk_release(&it);
		/* a quote never closed ends the input; a record too big
		 * is the reader's error, which the next peek returns */
		if (ret == MLG_EDATA)
			break;
	}
	if (ret && ret != MLG_EDATA)
		line = mlg_csv_reader_error_line(&r);
	if (ret)
		mlg_buf_addf(out, "error %d at %llu\n", ret,
			     (unsigned long long)line);
	mlg_csv_reader_release(&r);
}

/* read_peeked() into `out`, which must equal read_kept() of every
 * record. */
static void peek_as_next(struct mlg_buf *out, const struct mlg_csv_dialect *d,
			 const struct mlg_buf *in, size_t step, size_t max)
{
	struct mlg_buf want = MLG_BUF_INIT;

	read_kept(&want, d, in, step, max, 1, 0);
	mlg_buf_reset(out);
	read_peeked(out, d, in, step, max);
	T_EQ_STR(out->ptr, want.ptr);
	mlg_buf_release(&want);
}

/*
 * Peeks give the records mlg_csv_reader_next() gives, and its errors:
 * mixed records, then quoted fields of 170 KB and 1.1 MB (no record is
 * complete in a whole buffer), more mixed records: read in several
 * sizes, with limits both fit, one fits, none fits, and then with a
 * quote never closed at the end.
 */
static void test_reader_peek(void)
{
	/* dialect, read size */
	static const struct {
		int di;
		size_t step;
	} runs[] = {{0, 0}, {0, 65543}, {1, 4093}};
	static const size_t maxes[] = {0, 150000, 1 << 20};
	struct mlg_csv_dialect d[2];
	struct mlg_buf in = MLG_BUF_INIT, a = MLG_BUF_INIT;
	size_t i, k, mx, tail;

	mlg_csv_dialect_init(&d[0]);
	mlg_csv_dialect_init(&d[1]);
	d[1].escape = '\\';
	d[1].comment = '#';
	for (i = 0; i < 12000; i++)
		mlg_buf_adds(&in, mixed[(i * 7) % MLG_ARRAY_SIZE(mixed)]);
	mlg_buf_adds(&in, "mid,\"");
	for (i = 0; i < 8000; i++)
		mlg_buf_adds(&in, "a long quoted field,\n");
	mlg_buf_adds(&in, "\",end\n");
	mlg_buf_adds(&in, "big,\"");
	for (i = 0; i < 52000; i++)
		mlg_buf_adds(&in, "a long quoted field,\n");
	mlg_buf_adds(&in, "\",end\n");
	for (i = 0; i < 12000; i++)
		mlg_buf_adds(&in, mixed[(i * 5) % MLG_ARRAY_SIZE(mixed)]);
	mlg_buf_adds(&in, "last,without,lf");
	for (tail = 0; tail < 2; tail++) {
		if (tail)
			mlg_buf_adds(&in, "\nend,\"open\n");
		for (k = 0; k < MLG_ARRAY_SIZE(runs); k++)
			for (mx = 0; mx < MLG_ARRAY_SIZE(maxes); mx++)
				peek_as_next(&a, &d[runs[k].di], &in,
					     runs[k].step, maxes[mx]);
	}
	/* where the runs end: a quoted field over the limit, or the quote
	 * never closed */
	mlg_buf_reset(&a);
	read_peeked(&a, &d[0], &in, 0, 150000);
	T_CONTAINS(a.ptr, "error -6 at 15001\n");
	mlg_buf_reset(&a);
	read_peeked(&a, &d[0], &in, 0, 1 << 20);
	T_CONTAINS(a.ptr, "error -6 at 23002\n");
	mlg_buf_reset(&a);
	read_peeked(&a, &d[0], &in, 0, 0);
	T_CONTAINS(a.ptr, "error -7 at 90004\n");
	/* records that end where the first buffer does, 1 MiB in */
	mlg_buf_reset(&a);
	mlg_buf_reset(&in);
	for (i = 0; i < MLG_CSV_CHUNK_SIZE / 64 + 100; i++)
		mlg_buf_addf(&in, "%-63zu\n", i);
	for (k = 0; k < MLG_ARRAY_SIZE(runs); k++) {
		peek_as_next(&a, &d[0], &in, runs[k].step, 0);
		T_CONTAINS(a.ptr, "L16484+1 @1054912 #16483");
	}
	mlg_buf_release(&in);
	mlg_buf_release(&a);
}

MLG_TESTS(T(test_dialect_check), T(test_chunk_next_batch),
	  T(test_bad_dialect_fails_later), T(test_simple_records),
	  T(test_crlf_and_lone_cr), T(test_quoted_fields),
	  T(test_irregular_quoting), T(test_blank_lines),
	  T(test_empty_and_final_record), T(test_bom), T(test_comment_lines),
	  T(test_escape_char), T(test_tsv_without_quotes),
	  T(test_skip_initial_space), T(test_nul_and_invalid_utf8),
	  T(test_unterminated_quote), T(test_many_fields),
	  T(test_unescaped_fields_stay_valid), T(test_split_quote_aware),
	  T(test_split_comments_and_escapes), T(test_split_long),
	  T(test_split_every_position), T(test_reader_one_byte_reads),
	  T(test_reader_chunks), T(test_reader_small_chunks),
	  T(test_reader_cut), T(test_max_record), T(test_max_record_chunks),
	  T(test_huge_field_is_refused), T(test_reader_read_error),
	  T(test_reader_empty_input), T(test_block_alignments),
	  T(test_reader_skip), T(test_chunk_next_at), T(test_reader_peek))
