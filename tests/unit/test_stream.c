#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/stream.h"
#include "mlgate/util.h"
#include "test.h"

#include "../servers/server.h"

/* Just over 1.5 MiB: six source blocks and an odd tail. */
#define SAMPLE_LEN (1572864 + 17)

static const char *tmp(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 512, "%s/%s", t_tmpdir(), name);
	return p;
}

static void write_file(const char *name, const void *p, size_t n)
{
	FILE *fp = fopen(tmp(name), "wb");
	int ok = fp && fwrite(p, 1, n, fp) == n;

	if (fp && fclose(fp))
		ok = 0;
	T_ASSERT(ok);
}

static char *slurp(const char *name, size_t *n)
{
	struct mlg_buf b = MLG_BUF_INIT;
	char chunk[65536];
	FILE *fp = fopen(tmp(name), "rb");
	size_t r;

	while (fp && (r = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		mlg_buf_add(&b, chunk, r);
	if (fp)
		fclose(fp);
	T_ASSERT(fp);
	return mlg_buf_detach(&b, n);
}

/* Run a shell command in the scratch folder; it must succeed. */
__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char cmd[1024];
	int n;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", t_tmpdir());
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		t_fail(__FILE__, __LINE__, "command failed: %s", cmd);
}

static void need(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0)
		t_fail(__FILE__, __LINE__,
		       "%s is not installed (apt-get install %s)", tool,
		       !strcmp(tool, "xz") ? "xz-utils" : tool);
}

/* CSV-like text and binary noise (NUL bytes, invalid UTF-8), fixed. */
static const char *sample(void)
{
	static char *data;
	uint32_t x = 12345;
	size_t i;

	if (data)
		return data;
	data = mlg_malloc(SAMPLE_LEN);
	for (i = 0; i < SAMPLE_LEN; i++) {
		x = x * 1103515245u + 12345u;
		if ((i / 4096) % 3 == 2)
			data[i] = (char)(x >> 16);
		else
			data[i] = "0123456789,abc\n\xc3\xa9"[(x >> 16) % 17];
	}
	return data;
}

/* Make NAME (the sample) and NAME.gz, .zst, .xz, .bz2 once. */
static void make_sample(void)
{
	static int done;

	if (done)
		return;
	need("gzip");
	need("zstd");
	need("xz");
	need("bzip2");
	write_file("data.bin", sample(), SAMPLE_LEN);
	sh("gzip -n -c data.bin > data.bin.gz && zstd -q -c data.bin > "
	   "data.bin.zst && xz -c data.bin > data.bin.xz && bzip2 -1 "
	   "-c data.bin > data.bin.bz2");
	done = 1;
}

/* Read to the end through odd sizes. The total, or the error code. */
static long long read_all(struct mlg_stream *s, struct mlg_buf *out)
{
	static const size_t sizes[] = {1, 7,	  4093,	   65536,
				       3, 262144, 1000003, 2};
	char *chunk = mlg_malloc(1000003);
	long long total = 0;
	ssize_t r;
	size_t i = 0;

	for (;;) {
		r = mlg_stream_read(s, chunk, sizes[i++ % 8]);
		if (r <= 0)
			break;
		mlg_buf_add(out, chunk, (size_t)r);
		total += r;
	}
	free(chunk);
	return r < 0 ? r : total;
}

static struct mlg_stream *open_ok(const char *src,
				  const struct mlg_stream_opts *opts)
{
	struct mlg_stream *s = NULL;
	int rc = mlg_stream_open(&s, src, opts);

	if (rc)
		t_fail(__FILE__, __LINE__, "open '%s': %d %s", src, rc,
		       mlg_error_message());
	return s;
}

/* The sample read back from `src` is byte-exact. */
static void check_sample(const char *src, const char *filter,
			 const struct mlg_stream_opts *opts)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s = open_ok(src, opts);

	T_EQ_STR(mlg_stream_filter(s), filter);
	T_EQ_INT(read_all(s, &b), SAMPLE_LEN);
	T_ASSERT(!memcmp(b.ptr, sample(), SAMPLE_LEN));
	T_EQ_INT(mlg_stream_offset(s), SAMPLE_LEN);
	T_EQ_INT(mlg_stream_read(s, b.ptr, 10), 0);
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

static void check_file(const char *ext, const char *filter)
{
	char name[64];
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	size_t rawlen;
	char *raw;

	make_sample();
	snprintf(name, sizeof(name), "data.bin%s", ext);
	check_sample(tmp(name), filter, NULL);
	/* raw bytes are the whole compressed file at the end */
	raw = slurp(name, &rawlen);
	s = open_ok(tmp(name), NULL);
	/* the file's size is known before a byte is read */
	T_EQ_INT(mlg_stream_size(s), rawlen);
	T_EQ_INT(read_all(s, &b), SAMPLE_LEN);
	T_EQ_INT(mlg_stream_raw_bytes(s), rawlen);
	T_EQ_STR(mlg_stream_name(s), tmp(name));
	mlg_stream_close(s);
	mlg_buf_release(&b);
	free(raw);
}

static void test_plain(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;

	make_sample();
	check_file("", "none");
	s = open_ok(tmp("data.bin"), NULL);
	T_EQ_INT(read_all(s, &b), SAMPLE_LEN);
	T_EQ_INT(mlg_stream_raw_bytes(s), SAMPLE_LEN);
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

static void test_gzip(void)
{
	check_file(".gz", "gzip");
}

static void test_zstd(void)
{
	check_file(".zst", "zstd");
}

static void test_xz(void)
{
	check_file(".xz", "xz");
}

static void test_bzip2(void)
{
	check_file(".bz2", "bzip2");
}

static void test_decompress_off(void)
{
	struct mlg_stream_opts o = {.decompress = 0};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	size_t n;
	char *gz;

	make_sample();
	gz = slurp("data.bin.gz", &n);
	s = open_ok(tmp("data.bin.gz"), &o);
	T_EQ_STR(mlg_stream_filter(s), "none");
	T_EQ_INT(read_all(s, &b), n);
	T_ASSERT(!memcmp(b.ptr, gz, n));
	mlg_stream_close(s);
	mlg_buf_release(&b);
	free(gz);
}

static void test_large_reads_direct(void)
{
	struct mlg_stream *s;
	char *buf = mlg_malloc(SAMPLE_LEN + 10);
	ssize_t r;
	size_t got = 0;

	make_sample();
	s = open_ok(tmp("data.bin"), NULL);
	/* after the detection block, whole-block reads bypass the copy */
	while ((r = mlg_stream_read(s, buf + got, SAMPLE_LEN + 10 - got)) > 0)
		got += (size_t)r;
	T_EQ_INT(r, 0);
	T_EQ_INT(got, SAMPLE_LEN);
	T_ASSERT(!memcmp(buf, sample(), SAMPLE_LEN));
	mlg_stream_close(s);
	free(buf);
}

static void test_concatenated(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;

	need("gzip");
	need("zstd");
	write_file("one.txt", "a,b\n1,2\n", 8);
	write_file("two.txt", "3,4\n", 4);
	sh("gzip -n -c one.txt > cat.gz && gzip -n -c two.txt >> cat.gz");
	sh("zstd -q -c one.txt > cat.zst && zstd -q -c two.txt >> cat.zst");
	s = open_ok(tmp("cat.gz"), NULL);
	T_EQ_INT(read_all(s, &b), 12);
	T_EQ_STR(b.ptr, "a,b\n1,2\n3,4\n");
	mlg_stream_close(s);
	mlg_buf_reset(&b);
	s = open_ok(tmp("cat.zst"), NULL);
	T_EQ_INT(read_all(s, &b), 12);
	T_EQ_STR(b.ptr, "a,b\n1,2\n3,4\n");
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

static void test_one_layer_only(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	size_t n;
	char *inner;

	need("gzip");
	/* text that libarchive's bidders would take for uuencode */
	write_file("uu.txt", "begin 644 x\nM86)C\n`\nend\n", 25);
	sh("gzip -n -c uu.txt > uu.txt.gz && gzip -n -c uu.txt.gz > "
	   "uu.txt.gz.gz");
	s = open_ok(tmp("uu.txt.gz"), NULL);
	T_EQ_INT(read_all(s, &b), 25);
	T_EQ_STR(b.ptr, "begin 644 x\nM86)C\n`\nend\n");
	mlg_stream_close(s);
	mlg_buf_reset(&b);
	inner = slurp("uu.txt.gz", &n);
	s = open_ok(tmp("uu.txt.gz.gz"), NULL);
	T_EQ_STR(mlg_stream_filter(s), "gzip");
	T_EQ_INT(read_all(s, &b), n);
	T_ASSERT(!memcmp(b.ptr, inner, n));
	mlg_stream_close(s);
	mlg_buf_release(&b);
	free(inner);
}

static void test_empty(void)
{
	static const char *exts[] = {"", ".gz", ".zst", ".xz", ".bz2"};
	static const char *filters[] = {"none", "gzip", "zstd", "xz", "bzip2"};
	struct mlg_stream *s;
	char name[32], c;
	size_t i;

	need("gzip");
	need("zstd");
	need("xz");
	need("bzip2");
	write_file("empty", "", 0);
	sh("gzip -n -c empty > empty.gz && zstd -q -c empty > empty.zst && "
	   "xz -c empty > empty.xz && bzip2 -c empty > empty.bz2");
	for (i = 0; i < MLG_ARRAY_SIZE(exts); i++) {
		snprintf(name, sizeof(name), "empty%s", exts[i]);
		s = open_ok(tmp(name), NULL);
		T_EQ_STR(mlg_stream_filter(s), filters[i]);
		T_EQ_INT(mlg_stream_read(s, &c, 1), 0);
		T_EQ_INT(mlg_stream_read(s, &c, 1), 0);
		T_EQ_INT(mlg_stream_offset(s), 0);
		mlg_stream_close(s);
	}
}

#define B(s)                                                                   \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/* Short or look-alike plain data passes through unchanged. */
static void test_not_compressed(void)
{
	static const struct {
		const char *bytes;
		size_t len;
	} cases[] = {
		B("x"),
		B("\x1f"),
		B("\x1f\x8b"),
		B("\x1f\x8b\x07 not deflate"),
		B("BZh is not bzip2\n"),
		B("BZh91AY&SX and more"),
		B("\0\0\0\0\0\0\0\0\0\0\0\0"),
		B("\xff\xfe\xc3\x28 bad utf-8"),
		B("(\xb5/"),
	};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		write_file("short", cases[i].bytes, cases[i].len);
		s = open_ok(tmp("short"), NULL);
		T_EQ_STR(mlg_stream_filter(s), "none");
		mlg_buf_reset(&b);
		T_EQ_INT(read_all(s, &b), cases[i].len);
		T_ASSERT(!memcmp(b.ptr, cases[i].bytes, cases[i].len));
		mlg_stream_close(s);
	}
	mlg_buf_release(&b);
}

static void test_truncated(void)
{
	static const struct {
		const char *ext, *msg;
	} cases[] = {
		{".gz", "truncated gzip input"},
		{".zst", "Truncated zstd input"},
		{".xz", "Lzma library error:  No progress is possible"},
		{".bz2", "truncated bzip2 input"},
	};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	char name[64], cut[64], want[600];
	size_t i, n;
	char *z;

	make_sample();
	for (i = 0; i < MLG_ARRAY_SIZE(cases); i++) {
		snprintf(name, sizeof(name), "data.bin%s", cases[i].ext);
		snprintf(cut, sizeof(cut), "cut%s", cases[i].ext);
		z = slurp(name, &n);
		write_file(cut, z, n / 2);
		free(z);
		snprintf(want, sizeof(want), "'%s': %s", tmp(cut),
			 cases[i].msg);
		s = open_ok(tmp(cut), NULL);
		mlg_buf_reset(&b);
		mlg_error_clear();
		T_EQ_INT(read_all(s, &b), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		T_ASSERT(b.len < SAMPLE_LEN);
		T_ASSERT(!memcmp(b.ptr, sample(), b.len));
		/* the failure stays */
		mlg_error_clear();
		T_EQ_INT(mlg_stream_read(s, b.ptr, 1), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
		mlg_stream_close(s);
	}
	mlg_buf_release(&b);
}

/* Cut before any output: libarchive reports "empty" with an error. */
static void test_truncated_at_open(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *msg;
	} heads[] = {
		{"\x1f\x8b\x08", 3, "truncated or invalid gzip header"},
		/* reserved flag bits set */
		{"\x1f\x8b\x08\xe0\0\0\0\0\0\3abcdefgh", 18,
		 "truncated or invalid gzip header"},
		{"BZh91AY&SY", 10, "truncated or invalid bzip2 header"},
		{"BZh9\x17\x72\x45\x38\x50\x90", 10,
		 "truncated or invalid bzip2 header"},
		{"\x28\xb5\x2f\xfd", 4, "Truncated zstd input"},
		{"\xfd"
		 "7zXZ\0",
		 6, "Lzma library error:  No progress is possible"},
	};
	struct mlg_stream *s = (struct mlg_stream *)1;
	char want[600];
	size_t n, i;
	char *z;

	make_sample();
	z = slurp("data.bin.gz", &n);
	write_file("head.gz", z, 20);
	free(z);
	snprintf(want, sizeof(want), "'%s': truncated gzip input",
		 tmp("head.gz"));
	T_EQ_INT(mlg_stream_open(&s, tmp("head.gz"), NULL), MLG_EIO);
	T_ASSERT(s == NULL);
	T_EQ_STR(mlg_error_message(), want);
	/* a magic number and too little after it */
	for (i = 0; i < MLG_ARRAY_SIZE(heads); i++) {
		write_file("head", heads[i].bytes, heads[i].len);
		snprintf(want, sizeof(want), "'%s': %s", tmp("head"),
			 heads[i].msg);
		mlg_error_clear();
		T_EQ_INT(mlg_stream_open(&s, tmp("head"), NULL), MLG_EIO);
		T_EQ_STR(mlg_error_message(), want);
	}
}

static void test_gzip_trailer_checked(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	char want[600];
	size_t n;
	char *z;

	make_sample();
	z = slurp("data.bin.gz", &n);
	/* libarchive ignores the CRC and length: a wrong CRC must fail */
	z[n - 8] ^= 1;
	write_file("badcrc.gz", z, n);
	s = open_ok(tmp("badcrc.gz"), NULL);
	T_EQ_INT(read_all(s, &b), MLG_EIO);
	snprintf(want, sizeof(want), "'%s': corrupt gzip input: crc mismatch",
		 tmp("badcrc.gz"));
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(b.len, SAMPLE_LEN);
	mlg_stream_close(s);
	z[n - 8] ^= 1;
	z[n - 1] ^= 1;
	write_file("badlen.gz", z, n);
	s = open_ok(tmp("badlen.gz"), NULL);
	mlg_buf_reset(&b);
	T_EQ_INT(read_all(s, &b), MLG_EIO);
	snprintf(want, sizeof(want),
		 "'%s': corrupt gzip input: length mismatch", tmp("badlen.gz"));
	T_EQ_STR(mlg_error_message(), want);
	mlg_stream_close(s);
	free(z);
	mlg_buf_release(&b);
}

/* Incompressible data is stored: a flipped byte keeps the length. */
static void test_gzip_corrupt_stored(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	char *noise = mlg_malloc(100000), *z;
	uint32_t x = 99;
	size_t i, n;

	need("gzip");
	for (i = 0; i < 100000; i++) {
		x = x * 1664525u + 1013904223u;
		noise[i] = (char)(x >> 24);
	}
	write_file("noise", noise, 100000);
	sh("gzip -n -c noise > noise.gz");
	z = slurp("noise.gz", &n);
	z[30000] ^= 0x40;
	write_file("noise.gz", z, n);
	s = open_ok(tmp("noise.gz"), NULL);
	T_EQ_INT(read_all(s, &b), MLG_EIO);
	T_CONTAINS(mlg_error_message(), "': corrupt gzip input: crc mismatch");
	mlg_stream_close(s);
	free(z);
	free(noise);
	mlg_buf_release(&b);
}

/* Bytes read to tell a source are put back: a gzip file read whole after
 * a peek gives the sample, offsets counted once. */
static void test_unread(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	char head[70000];
	size_t got;
	ssize_t r = 1;

	make_sample();
	need("gzip");
	sh("gzip -n -c data.bin > peek.gz");
	s = open_ok(tmp("peek.gz"), NULL);
	for (got = 0; got < sizeof(head) && r > 0; got += (size_t)r)
		r = mlg_stream_read(s, head + got,
				    got ? sizeof(head) - got : 5);
	T_EQ_INT(got, sizeof(head));
	mlg_stream_unread(s, head, sizeof(head));
	T_EQ_INT(mlg_stream_offset(s), 0);
	/* a short read drains the bytes put back first */
	T_EQ_INT(mlg_stream_read(s, head, 3), 3);
	T_ASSERT(!memcmp(head, sample(), 3));
	T_EQ_INT(mlg_stream_offset(s), 3);
	mlg_buf_add(&b, head, 3);
	T_EQ_INT(read_all(s, &b), SAMPLE_LEN - 3);
	T_EQ_INT(b.len, SAMPLE_LEN);
	T_ASSERT(!memcmp(b.ptr, sample(), SAMPLE_LEN));
	T_EQ_INT(mlg_stream_offset(s), SAMPLE_LEN);
	mlg_stream_close(s);
	/* put back before the end is read: nothing lost either side */
	s = open_ok(tmp("data.bin"), NULL);
	T_EQ_INT(mlg_stream_read(s, head, 10), 10);
	mlg_stream_unread(s, head, 10);
	mlg_buf_reset(&b);
	T_EQ_INT(read_all(s, &b), SAMPLE_LEN);
	T_ASSERT(!memcmp(b.ptr, sample(), SAMPLE_LEN));
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

static void test_max_bytes(void)
{
	struct mlg_stream_opts o = {.decompress = 1, .max_bytes = 1000};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s;
	char data[1000], want[600];
	char *zeros;

	memset(data, 'x', sizeof(data));
	write_file("k.txt", data, sizeof(data));
	/* exactly the limit is fine */
	s = open_ok(tmp("k.txt"), &o);
	T_EQ_INT(read_all(s, &b), 1000);
	mlg_stream_close(s);
	o.max_bytes = 999;
	s = open_ok(tmp("k.txt"), &o);
	mlg_buf_reset(&b);
	T_EQ_INT(read_all(s, &b), MLG_ELIMIT);
	T_EQ_INT(b.len, 999);
	T_EQ_INT(mlg_stream_offset(s), 999);
	snprintf(want, sizeof(want), "'%s': larger than the limit of 999 bytes",
		 tmp("k.txt"));
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_stream_read(s, data, 1), MLG_ELIMIT);
	mlg_stream_close(s);

	/* a decompression bomb stops at the limit, not at the end */
	need("gzip");
	zeros = mlg_calloc(1, 1 << 20);
	write_file("zeros", zeros, 1 << 20);
	free(zeros);
	sh("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; "
	   "do cat zeros; done | gzip -n -c > bomb.gz");
	o.max_bytes = 1 << 20;
	s = open_ok(tmp("bomb.gz"), &o);
	mlg_buf_reset(&b);
	T_EQ_INT(read_all(s, &b), MLG_ELIMIT);
	T_EQ_INT(b.len, 1 << 20);
	T_ASSERT(mlg_stream_raw_bytes(s) < 100000);
	T_CONTAINS(mlg_error_message(), "': larger than the limit of 1048576 "
					"bytes");
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

static void test_open_errors(void)
{
	struct mlg_stream *s = (struct mlg_stream *)1;
	char want[600];

	T_EQ_INT(mlg_stream_open(&s, tmp("absent.csv"), NULL), MLG_ENOTFOUND);
	T_ASSERT(s == NULL);
	snprintf(want, sizeof(want),
		 "cannot open '%s': No such file or directory",
		 tmp("absent.csv"));
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_stream_open(&s, t_tmpdir(), NULL), MLG_EIO);
	snprintf(want, sizeof(want), "cannot open '%s': Is a directory",
		 t_tmpdir());
	T_EQ_STR(mlg_error_message(), want);
	T_EQ_INT(mlg_stream_open(&s, "", NULL), MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(),
		 "cannot open '': No such file or directory");
	/* a scheme other than http(s) is a file name */
	T_EQ_INT(mlg_stream_open(&s, "ftp://127.0.0.1/x", NULL), MLG_ENOTFOUND);
	T_EQ_STR(mlg_error_message(),
		 "cannot open 'ftp://127.0.0.1/x': No such file or directory");
	mlg_stream_close(NULL);
}

/* Run `fn` with standard input taken from `fd`. */
static void with_stdin(int fd, void (*fn)(void))
{
	int saved = dup(0);

	T_ASSERT(saved >= 0);
	T_EQ_INT(dup2(fd, 0), 0);
	close(fd);
	fn();
	dup2(saved, 0);
	close(saved);
}

static void read_stdin_sample(void)
{
	check_sample("-", "gzip", NULL);
}

static void read_stdin_name(void)
{
	struct mlg_stream *s = open_ok("-", NULL);

	T_EQ_STR(mlg_stream_name(s), "<stdin>");
	T_EQ_INT(mlg_stream_size(s), 0); /* not known ahead: not a file */
	mlg_stream_close(s);
}

static void test_stdin(void)
{
	size_t n, i;
	pid_t pid;
	int p[2], status;
	char *gz;

	make_sample();
	with_stdin(open(tmp("data.bin.gz"), O_RDONLY), read_stdin_sample);
	with_stdin(open(tmp("data.bin"), O_RDONLY), read_stdin_name);
	/* a pipe handing over the magic a byte at a time */
	gz = slurp("data.bin.gz", &n);
	T_EQ_INT(pipe(p), 0);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		close(p[0]);
		for (i = 0; i < 12; i++) {
			if (write(p[1], gz + i, 1) != 1)
				_exit(1);
			usleep(2000);
		}
		for (; i < n;) {
			ssize_t w = write(p[1], gz + i, n - i);

			if (w <= 0)
				_exit(1);
			i += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	with_stdin(p[0], read_stdin_sample);
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_EQ_INT(status, 0);
	free(gz);
}

static void test_url(void)
{
	struct mlg_stream *s;

	make_sample();
	check_sample(url("/files/data.bin"), "none", NULL);
	check_sample(url("/files/data.bin.gz"), "gzip", NULL);
	check_sample(url("/nolen/data.bin.zst"), "zstd", NULL);
	check_sample(url("/files/data.bin.xz"), "xz", NULL);
	s = open_ok(url("/files/data.bin.bz2"), NULL);
	T_EQ_STR(mlg_stream_name(s), url("/files/data.bin.bz2"));
	mlg_stream_close(s);
	s = open_ok(url("/empty"), NULL);
	T_EQ_INT(mlg_stream_read(s, (char[4]){0}, 4), 0);
	mlg_stream_close(s);
}

static void test_url_upper_scheme(void)
{
	char u[256];

	snprintf(u, sizeof(u), "HTTP://127.0.0.1:%d/files/data.bin.gz",
		 t_server_port(t_tmpdir()));
	make_sample();
	check_sample(u, "gzip", NULL);
}

static void test_url_errors(void)
{
	struct mlg_stream_opts o = {.decompress = 1, .timeout_s = 1};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_stream *s = (struct mlg_stream *)1;
	char want[600];
	double t0;

	make_sample();
	T_EQ_INT(mlg_stream_open(&s, url("/text404"), &o), MLG_ENETWORK);
	T_ASSERT(s == NULL);
	snprintf(want, sizeof(want), "'%s': HTTP 404: no such dataset: x.csv",
		 url("/text404"));
	T_EQ_STR(mlg_error_message(), want);
	/* a dropped connection inside gzip data is a network error */
	s = open_ok(url("/halffile/data.bin.gz"), &o);
	T_EQ_STR(mlg_stream_filter(s), "gzip");
	T_EQ_INT(read_all(s, &b), MLG_ENETWORK);
	T_CONTAINS(mlg_error_message(), "': transfer closed with ");
	T_CONTAINS(mlg_error_message(), url("/halffile/data.bin.gz"));
	T_ASSERT(!memcmp(b.ptr, sample(), b.len));
	mlg_stream_close(s);
	/* and so is a stall */
	t0 = mlg_monotonic();
	s = open_ok(url("/stall"), &o);
	mlg_buf_reset(&b);
	T_EQ_INT(read_all(s, &b), MLG_ENETWORK);
	T_EQ_STR(b.ptr, "0123456789");
	snprintf(want, sizeof(want), "'%s': no data received in 1 s",
		 url("/stall"));
	T_EQ_STR(mlg_error_message(), want);
	T_ASSERT(mlg_monotonic() - t0 < 3);
	mlg_stream_close(s);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_unread), T(test_plain), T(test_gzip), T(test_zstd), T(test_xz),
	  T(test_bzip2), T(test_decompress_off), T(test_large_reads_direct),
	  T(test_concatenated), T(test_one_layer_only), T(test_empty),
	  T(test_not_compressed), T(test_truncated), T(test_truncated_at_open),
	  T(test_gzip_trailer_checked), T(test_gzip_corrupt_stored),
	  T(test_max_bytes), T(test_open_errors), T(test_stdin), T(test_url),
	  T(test_url_upper_scheme), T(test_url_errors))
