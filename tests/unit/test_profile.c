#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/util.h"
#include "mlgate/validate.h"
#include "test.h"

static struct mlg_profile_opts popts(unsigned shard, unsigned n)
{
	struct mlg_profile_opts o = {0};

	mlg_csv_dialect_init(&o.dialect);
	o.shard = shard;
	o.nshards = n;
	o.chunk_rows = 1000;
	return o;
}

/* Validation against `s`, with a profile when `profile` is set. */
static struct mlg_validate_opts vopts(const struct mlg_schema *s, int profile,
				      unsigned threads)
{
	struct mlg_validate_opts o = {0};

	o.schema = s;
	mlg_csv_dialect_init(&o.dialect);
	o.limit_errors = 10;
	o.profile = profile;
	o.threads = threads;
	return o;
}

/* The type inference gives one column of `cells`. */
static const char *type_of(const char *const *cells, size_t n)
{
	static const char *const names[] = {"c"};
	struct mlg_profile p;
	enum mlg_ftype t;
	size_t i;

	T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
	for (i = 0; i < n; i++) {
		mlg_profile_row(&p);
		mlg_profile_cell(&p, 0, cells[i], strlen(cells[i]), MLG_CELL_OK,
				 NULL);
	}
	t = mlg_profile_col_type(&p.cols[0]);
	mlg_profile_release(&p);
	return mlg_ftype_name(t);
}

#define TYPE_OF(...)                                                           \
	type_of((const char *const[]){__VA_ARGS__},                            \
		sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static void test_types(void)
{
	T_EQ_STR(TYPE_OF("1", "-2", "+30"), "integer");
	T_EQ_STR(TYPE_OF("1", "2.5", "1e3"), "number");
	T_EQ_STR(TYPE_OF("1", "NaN", "INF"), "number");
	T_EQ_STR(TYPE_OF("007", "12"), "string");
	T_EQ_STR(TYPE_OF("0.5", "-0.25", "0"), "number");
	T_EQ_STR(TYPE_OF("-01.5", "2"), "string");
	T_EQ_STR(TYPE_OF("true", "FALSE", "True"), "boolean");
	T_EQ_STR(TYPE_OF("1", "0", "1"), "integer");
	T_EQ_STR(TYPE_OF("2024-02-29", "2001-01-01"), "date");
	T_EQ_STR(TYPE_OF("2024-02-30"), "string");
	T_EQ_STR(TYPE_OF("2024-01-01T10:00:00Z", "2024-01-01T10:00:00"),
		 "datetime");
	T_EQ_STR(TYPE_OF("10:00:00", "23:59:59"), "time");
	T_EQ_STR(TYPE_OF("1", "NA", "", "null"), "integer");
	T_EQ_STR(TYPE_OF("", "NA"), "string");
	T_EQ_STR(TYPE_OF("1,000", "2"), "string");
	T_EQ_STR(TYPE_OF(" 1", "2"), "string");
	T_EQ_STR(TYPE_OF("99999999999999999999", "1"), "number");
	/* A cell that is not UTF-8 is an encoding error whatever the type:
	 * the others decide it. */
	T_EQ_STR(TYPE_OF("a\xff", "1"), "integer");
	T_EQ_STR(TYPE_OF("2024-01-01", "\xc3", ""), "date");
	T_EQ_STR(TYPE_OF("\xff"), "string");
	T_EQ_STR(TYPE_OF("caf\xc3\xa9", "1"), "string");
}

static void test_counts_and_stats(void)
{
	static const char *const names[] = {"x"};
	static const char *const cells[] = {"1", "", "NA", "3", "abc", "5"};
	struct mlg_profile p;
	struct mlg_profile_col *c;
	size_t i;

	T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
	for (i = 0; i < 6; i++) {
		mlg_profile_row(&p);
		mlg_profile_cell(&p, 0, cells[i], strlen(cells[i]), MLG_CELL_OK,
				 NULL);
	}
	c = &p.cols[0];
	T_EQ_INT(p.rows, 6);
	T_EQ_INT(c->count, 6);
	T_EQ_INT(c->nulls, 1);
	T_EQ_INT(c->tokens[0], 1); /* NA */
	T_EQ_INT(c->cand[MLG_CAND_INTEGER], 3);
	T_EQ_INT(c->imin, 1);
	T_EQ_INT(c->imax, 5);
	T_EQ_INT(c->num.count, 3);
	T_EQ_DBL(c->num.min, 1, 0);
	T_EQ_DBL(c->num.max, 5, 0);
	T_EQ_DBL(mlg_moments_mean(&c->num), 3, 1e-15);
	T_EQ_DBL(mlg_moments_stddev(&c->num, 1), 2, 1e-15);
	T_EQ_INT(c->len.count, 5); /* 1, NA, 3, abc, 5 */
	T_EQ_INT(c->len.sum, 8);
	T_EQ_INT(c->len.min, 1);
	T_EQ_INT(c->len.max, 3);
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(c)), "string");
	T_EQ_DBL(mlg_hll_count(c->hll), 5, 0.01);
	mlg_profile_release(&p);
}

/* t_write() paths are static storage: keep copies (freed at exit). */
static const char *keep(const char *path)
{
	static char *kept[16];
	static size_t n;

	if (n == 16)
		return path;
	return kept[n++] = mlg_strdup(path);
}

/* 20000 rows: id, x (a permutation of 0..N-1), cat (7 values), d (a
 * date), code (zero-padded), some empty and NA cells. */
#define N 20000
static const char *big_csv(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	const char *path;
	int i;

	mlg_buf_adds(&b, "id,x,cat,d,code\n");
	for (i = 0; i < N; i++) {
		long x = (long)((i * 7919L) % N);

		if (i % 97 == 5)
			mlg_buf_addf(&b, "%d,,NA,2020-01-%02d,%05d\n", i + 1,
				     1 + i % 28, i % 500);
		else
			mlg_buf_addf(&b, "%d,%ld.5,c%d,2020-%02d-%02d,%05d\n",
				     i + 1, x, i % 7, 1 + i % 12, 1 + i % 28,
				     i % 500);
	}
	path = keep(t_write("big.csv", b.ptr));
	mlg_buf_release(&b);
	return path;
}

static void test_shards_merge_to_whole(void)
{
	const char *path = big_csv();
	struct mlg_profile_opts all = popts(0, 0), s1 = popts(1, 2),
				s2 = popts(2, 2);
	struct mlg_profile w, a, b;
	size_t i, k;

	T_EQ_INT(mlg_profile_read(&w, path, &all), 0);
	T_EQ_INT(mlg_profile_read(&a, path, &s1), 0);
	T_EQ_INT(mlg_profile_read(&b, path, &s2), 0);
	T_EQ_INT(w.rows, N);
	T_EQ_INT(a.rows, 10000); /* chunks 0, 2, ... of 1000 rows */
	T_EQ_INT(b.rows, 10000);
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	T_EQ_INT(a.rows, w.rows);
	T_EQ_INT(a.nsources, 2);
	for (i = 0; i < w.ncols; i++) {
		const struct mlg_profile_col *x = &a.cols[i], *y = &w.cols[i];
		double sd = mlg_moments_stddev(&y->num, 0);

		T_EQ_STR(x->name, y->name);
		T_EQ_INT(x->count, y->count);
		T_EQ_INT(x->nulls, y->nulls);
		for (k = 0; k < MLG_CAND_COUNT; k++)
			T_EQ_INT(x->cand[k], y->cand[k]);
		for (k = 0; k < MLG_PROFILE_NTOKENS; k++)
			T_EQ_INT(x->tokens[k], y->tokens[k]);
		T_EQ_INT(x->num.count, y->num.count);
		T_EQ_INT(x->num.nulls, y->num.nulls);
		T_EQ_DBL(x->num.min, y->num.min, 0);
		T_EQ_DBL(x->num.max, y->num.max, 0);
		T_EQ_DBL(mlg_moments_sum(&x->num), mlg_moments_sum(&y->num),
			 1e-15);
		T_ASSERT(!y->num.count ||
			 fabs(x->num.mean - y->num.mean) <=
				 1e-12 * (fabs(y->num.mean) + sd));
		T_ASSERT(fabs(x->num.m2 - y->num.m2) <= 1e-10 * y->num.m2);
		T_EQ_INT(x->imin, y->imin);
		T_EQ_INT(x->imax, y->imax);
		T_EQ_INT(x->ndates, y->ndates);
		T_EQ_INT(x->dmin, y->dmin);
		T_EQ_INT(x->dmax, y->dmax);
		T_ASSERT(!memcmp(&x->len, &y->len, sizeof(x->len)));
		/* HLL merge is the register-wise max: the same sketch. */
		T_ASSERT(
			!memcmp(x->hll->reg, y->hll->reg, sizeof(x->hll->reg)));
		T_EQ_INT(x->topk.n, y->topk.n);
		T_EQ_INT(x->kll.n, y->kll.n);
	}
	/* x is 0.5 .. N - 0.5 minus the nulls: quantiles within the KLL
	 * rank error (1.33%) of the truth, merged or whole. */
	for (k = 1; k < 10; k++) {
		double q = k / 10.0;

		T_ASSERT(fabs(mlg_kll_quantile(&a.cols[1].kll, q) - q * N) <=
			 0.0133 * N);
		T_ASSERT(fabs(mlg_kll_quantile(&w.cols[1].kll, q) - q * N) <=
			 0.0133 * N);
	}
	/* cat: 7 values and NA, so the top-k counts are exact. */
	{
		struct mlg_topk_item tw[8], ta[8];

		T_EQ_INT(mlg_topk_list(tw, &w.cols[2].topk, 8), 8);
		T_EQ_INT(mlg_topk_list(ta, &a.cols[2].topk, 8), 8);
		for (k = 0; k < 8; k++) {
			T_EQ_STR(ta[k].value, tw[k].value);
			T_EQ_INT(ta[k].count, tw[k].count);
			T_EQ_INT(ta[k].err, 0);
		}
		T_EQ_STR(tw[7].value, "NA");
		T_EQ_INT(tw[7].count, 207);
	}
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(&a.cols[4])), "string");
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(&a.cols[3])), "date");
	mlg_profile_release(&w);
	mlg_profile_release(&a);
	mlg_profile_release(&b);
}

static char *dump(const struct mlg_profile *p)
{
	struct mlg_buf b = MLG_BUF_INIT;

	t_json_dump_new(&b, mlg_profile_to_json(p));
	return mlg_buf_detach(&b, NULL);
}

static void test_json_round_trip(void)
{
	const char *path = big_csv();
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_profile p, q;
	struct mlg_json_doc doc;
	char *a, *b;

	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	t_json_reparse(&doc, mlg_profile_to_json(&p));
	T_EQ_INT(mlg_profile_from_json(&q, &doc), 0);
	a = dump(&p);
	b = dump(&q);
	T_EQ_STR(b, a);
	T_CONTAINS(a, "\"profile_version\":3");
	/* id: 20000 distinct, all registers; code: 500, a few of them */
	T_CONTAINS(a, "\"name\":\"id\"");
	T_CONTAINS(a, "\"hll\":{\"p\":14,\"registers\":\"");
	T_CONTAINS(a, "\"hll\":{\"p\":14,\"sparse\":\"");
	T_CONTAINS(a, "\"name\":\"code\",\"type\":\"string\"");
	T_CONTAINS(a, "\"date_min\":\"2020-01-01\",\"date_max\":"
		      "\"2020-12-28\"");
	free(a);
	free(b);
	mlg_json_doc_release(&doc);
	mlg_profile_release(&p);
	mlg_profile_release(&q);
}

static int load_text(struct mlg_profile *p, const char *text)
{
	struct mlg_json_doc doc;
	int rc = mlg_json_parse(&doc, "p.json", text, strlen(text));

	if (!rc)
		rc = mlg_profile_from_json(p, &doc);
	mlg_json_doc_release(&doc);
	return rc;
}

/* The text of the whole tree, as `merge` wrote it before streaming. */
static void whole_text(struct mlg_buf *out, const struct mlg_profile *p)
{
	json_t *v = mlg_profile_to_json(p);

	mlg_buf_reset(out);
	T_EQ_INT(mlg_json_dump(out, v, 2), 0);
	mlg_buf_addch(out, '\n');
	json_decref(v);
}

/* What mlg_profile_write() hands over: the pieces, and one error. */
struct pieces {
	struct mlg_buf text;
	size_t n, small; /* pieces, and those under the chunk size */
	size_t fail_at;	 /* 1-based piece to refuse, or 0 */
};

static int put(void *ctx, const void *data, size_t len)
{
	struct pieces *w = ctx;

	if (++w->n == w->fail_at)
		return mlg_error_set(MLG_EIO, "refused piece %zu", w->n);
	w->small += len < MLG_PROFILE_WRITE_CHUNK;
	return mlg_buf_add(&w->text, data, len);
}

/* mlg_profile_write() gives the bytes of the whole tree's dump, in
 * pieces, of one column as of 200. */
static void test_write_pieces(void)
{
	struct mlg_buf want = MLG_BUF_INIT;
	struct pieces w = {MLG_BUF_INIT, 0, 0, 0};
	struct mlg_profile p;
	char *names[200], cell[32];
	size_t i, r;
	int len;

	for (i = 0; i < 200; i++) {
		snprintf(cell, sizeof(cell), "c%zu", i);
		names[i] = mlg_strdup(cell);
	}
	T_EQ_INT(mlg_profile_init(&p, (const char *const *)names, 1, NULL), 0);
	mlg_profile_add_source(&p, "a \"b\".csv");
	T_EQ_INT(mlg_profile_write(&p, put, &w), 0);
	whole_text(&want, &p);
	T_EQ_STR(w.text.ptr, want.ptr);
	T_EQ_INT(w.n, 1);
	mlg_profile_release(&p);

	/* 200 columns of 3000 distinct numbers: 6.4 MB */
	T_EQ_INT(mlg_profile_init(&p, (const char *const *)names, 200, NULL),
		 0);
	for (r = 0; r < 3000; r++) {
		mlg_profile_row(&p);
		for (i = 0; i < 200; i++) {
			len = snprintf(cell, sizeof(cell), "%zu.%zu", r, i);
			mlg_profile_cell(&p, i, cell, (size_t)len, MLG_CELL_OK,
					 NULL);
		}
	}
	mlg_buf_reset(&w.text);
	w.n = w.small = 0;
	T_EQ_INT(mlg_profile_write(&p, put, &w), 0);
	whole_text(&want, &p);
	T_EQ_INT(w.text.len, want.len);
	T_ASSERT(!strcmp(w.text.ptr, want.ptr));
	T_ASSERT(want.len > 4 * MLG_PROFILE_WRITE_CHUNK);
	T_ASSERT(w.n >= 4 && w.n <= want.len / MLG_PROFILE_WRITE_CHUNK + 1);
	T_EQ_INT(w.small, 1); /* the last */

	/* the first error of `put` is the result; nothing more is put */
	mlg_buf_reset(&w.text);
	w.n = w.small = 0;
	w.fail_at = 2;
	T_EQ_INT(mlg_profile_write(&p, put, &w), MLG_EIO);
	T_EQ_STR(mlg_error_message(), "refused piece 2");
	T_EQ_INT(w.n, 2);
	mlg_profile_release(&p);
	for (i = 0; i < 200; i++)
		free(names[i]);
	mlg_buf_release(&want);
	mlg_buf_release(&w.text);
}

static void test_json_errors(void)
{
	struct mlg_profile p;

	T_EQ_INT(load_text(&p, "{\"profile_version\": 4}"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:2: /profile_version: unsupported "
		 "profile_version 4, expected 1 to 3");
	T_EQ_INT(load_text(&p, "{\"profile_version\": 0}"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:2: /profile_version: unsupported "
		 "profile_version 0, expected 1 to 3");
	T_EQ_INT(load_text(&p, "[]"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:1: /: expected an object, found array");
	T_EQ_INT(load_text(&p, "{\"profile_version\": 1, \"rows\": 1,"
			       " \"columns\": []}"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:35: /columns: expected a non-empty array of "
		 "columns");
	T_EQ_INT(load_text(&p, "{\"profile_version\": 1, \"rows\": 1,"
			       " \"columns\": [{\"name\": \"a\", \"count\": "
			       "1, \"nulls\": 0, \"invalid\": 0}]}"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:47: /columns/0: missing required property "
		 "'state'");
	T_EQ_INT(load_text(&p, "{\"profile_version\": 1, \"rows\": -1,"
			       " \"columns\": [{}]}"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "'p.json': 1:24: /rows: expected a count (a non-negative "
		 "integer), found -1");
	T_EQ_INT(p.ncols, 0);
}

/* `text` (`len` bytes) saved as `name`, loaded as merge loads it
 * (mlg_profile_load()); the message (or "" when it loads) must be
 * `want` after "'<path>': ", and the same as parsing the text whole then
 * reading it (mlg_profile_from_json()) gives, profile and all. */
static void load_as_whole(const char *name, const char *text, size_t len,
			  const char *want)
{
	const char *path = t_write_bytes(name, text, len);
	struct mlg_profile p, q;
	struct mlg_json_doc doc;
	char *msg, *a, *b;
	int rc, rc2;

	rc = mlg_profile_load(&p, path, 0);
	msg = mlg_strdup(rc ? mlg_error_message() : "");
	if (*want) {
		char *full = mlg_strfmt("'%s': %s", path, want);

		T_EQ_INT(rc, MLG_EINVALID);
		T_EQ_STR(msg, full);
		free(full);
	} else {
		T_EQ_STR(msg, "");
	}
	rc2 = mlg_json_parse(&doc, path, text, len);
	if (!rc2)
		rc2 = mlg_profile_from_json(&q, &doc);
	mlg_json_doc_release(&doc);
	T_EQ_INT(rc2, rc);
	T_EQ_STR(rc2 ? mlg_error_message() : "", msg);
	if (!rc) {
		a = dump(&p);
		b = dump(&q);
		T_EQ_STR(a, b);
		free(a);
		free(b);
		mlg_profile_release(&p);
		mlg_profile_release(&q);
	}
	free(msg);
}

/* Replace the `nth` (1-based) `needle` of `b` with `n` bytes of `repl`. */
static void edit(struct mlg_buf *b, const char *needle, int nth,
		 const char *repl, size_t n)
{
	size_t at, nlen = strlen(needle);
	struct mlg_buf out = MLG_BUF_INIT;

	for (at = 0;; at++) {
		T_ASSERT(at + nlen <= b->len);
		if (!memcmp(b->ptr + at, needle, nlen) && !--nth)
			break;
	}
	mlg_buf_add(&out, b->ptr, at);
	mlg_buf_add(&out, repl, n);
	mlg_buf_add(&out, b->ptr + at + nlen, b->len - at - nlen);
	mlg_buf_reset(b);
	mlg_buf_add(b, out.ptr, out.len);
	mlg_buf_release(&out);
}

/* A saved profile broken in one or two places: where it reads the same
 * as the whole text parsed and read, and the message that pins it. */
static void test_load_broken(void)
{
	static const char end[] = "\n  ]\n}\n";
	struct edit {
		const char *needle;
		int nth;
		const char *repl;
		size_t n;
	};
#define E(needle, nth, repl)                                                   \
	{                                                                      \
		needle, nth, repl, sizeof(repl) - 1                            \
	}
	static const struct {
		struct edit e[2];
		const char *want;
	} cases[] = {
		/* syntax, where jansson's message about the whole text
		 * is the one to give */
		{{E("\"rows\": 2,", 1, "\"rows\": 2, \"rows\": 2,")},
		 "6:14: duplicate object key near '\"rows\"'"},
		{{E("\"rows\": 2,", 1, "\"columns\": 1, \"rows\": 2,")},
		 "7:3: duplicate object key near '\"columns\"'"},
		{{E(end, 1, "\n  ],\n  \"columns\": []\n}\n")},
		 "394:3: duplicate object key near '\"columns\"'"},
		{{E("\"nulls\": 0,", 4, "\"nulls\": 0, \"nulls\": 0,")},
		 "151:19: duplicate object key near '\"nulls\"'"},
		{{E("\"NA\": 0,", 3, "\"NA\": 0, \"NA\": 0,")},
		 "325:20: duplicate object key near '\"NA\"'"},
		{{E("\"name\": \"b\"", 1, "\"name\": \"b\0\"")},
		 "147:15: control character 0x0 near '\"b'"},
		{{E("\"name\": \"b\"", 1, "\"name\": \"b\xff\"")},
		 "147:17: unable to decode byte 0xff near '\"b'"},
		{{E("\"name\": \"b\"", 1, "\"name\": \"b\\q\"")},
		 "147:15: invalid escape near '\"b\\q'"},
		{{E("},\n    {", 1, "},\0\n    {")},
		 "145:7: unexpected NUL byte"},
		{{E("},\n    {", 1, "}\n    {")},
		 "146:5: ']' expected near '{'"},
		{{E("},\n    {", 1, "}\n    1{")},
		 "146:5: ']' expected near '1'"},
		{{E("},\n    {", 2, "},,\n    {")},
		 "258:7: unexpected token near ','"},
		{{E(end, 1, ",\n  ]\n}\n")},
		 "393:3: unexpected token near ']'"},
		{{E(end, 1, "\n  ]\n  \"x\": 1\n}\n")},
		 "394:3: '}' expected near '\"x\"'"},
		{{E(end, 1, "\n  ]\n}\nx")},
		 "395:1: end of file expected near 'x'"},
		{{E(end, 1, "\n  ]\n}\n}")},
		 "395:1: end of file expected near '}'"},
		{{E(end, 1, "\n  ]\n")},
		 "394:1: '}' expected near end of file"},
		{{E(end, 1, "\n")}, "393:1: ']' expected near end of file"},
		/* a syntax error comes first, wherever it is */
		{{E("\"invalid\": 0,", 1, "\"invalid\": -1,"),
		  E("\"nulls\": 0,", 7, "\"nulls\": 0")},
		 "265:7: '}' expected near '\"invalid\"'"},
		{{E("\"rows\": 2,", 1, "\"rows\": -2,"),
		  E("\"nulls\": 0,", 4, "\"nulls\": 0,,")},
		 "151:18: string or '}' expected near ','"},
		{{E("\"profile_version\": 3", 1, "\"profile_version\": 4"),
		  E("\"nulls\": 0,", 7, "\"nulls\": 0, \"nulls\": 0,")},
		 "264:19: duplicate object key near '\"nulls\"'"},
		/* values, located in the file as it is */
		{{E("\"invalid\": 0,", 2, "\"invalid\": -1,"),
		  E("\"invalid\": 0,", 2, "\"invalid\": \"x\",")},
		 "152:7: /columns/1/invalid: expected a count (a non-negative "
		 "integer), found -1"},
		{{E("{", 1, "\xef\xbb\xbf{"),
		  E("\"invalid\": 0,", 3, "\"invalid\": -1,")},
		 "265:7: /columns/2/invalid: expected a count (a non-negative "
		 "integer), found -1"},
		{{E("\"columns\": [", 1, "\"columns\": 5, \"c\": [")},
		 "7:3: /columns: expected a non-empty array of columns"},
		{{E("\"columns\": [", 1, "\"columns\": [], \"c\": [")},
		 "7:3: /columns: expected a non-empty array of columns"},
		{{E("\"columns\": [", 1, "\"c\": [")},
		 "1:1: /: expected a non-empty array of columns"},
		{{E("\"columns\": [", 1, "\"columns\": [null, ")},
		 "7:15: /columns/0: expected an object, found null"},
		{{E("\"columns\": [", 1, "\"columns\": [{}, ")},
		 "7:15: /columns/0: missing required property 'name'"},
		{{E("\"s.csv\"", 1, "5")},
		 "4:5: /sources/0: expected a string, found number"},
		{{E(end, 1, "\n  ],\n  \"long_rows\": -1\n}\n")},
		 "394:3: /long_rows: expected a count (a non-negative "
		 "integer), found -1"},
		{{E("\"profile_version\": 3", 1, "\"profile_version\": 4")},
		 "2:3: /profile_version: unsupported profile_version 4, "
		 "expected 1 to 3"},
		/* what loads: NUL bytes that jansson takes, keys written with
		 * escapes, brackets and escapes in strings */
		{{E("\"invalid\": 0,", 2, "\"invalid\": 0\0,")}, ""},
		{{E("\"columns\":", 1, "\"col\\u0075mns\":")}, ""},
		{{E("\"name\": \"b\"", 1, "\"name\": \"]}\\\"[{\\\\\""),
		  E("\"s.csv\"", 1, "\"s[{\\\".csv\", \"]\"")},
		 ""},
		{{E("\"name\": \"c\",", 1,
		    "\"name\": \"c\", \"x]\": [\"[{\"],")},
		 ""},
		{{E("\"s.csv\"", 1, "\"\\\"columns\\\": [\"")}, ""},
		/* "columns" first, as sorted keys put it */
		{{E("\"profile_version\": 3,", 1, ""),
		  E(end, 1, "\n  ],\n  \"profile_version\": 3\n}\n")},
		 ""},
	};
#undef E
	struct mlg_profile_opts o = popts(0, 0);
	struct pieces w = {MLG_BUF_INIT, 0, 0, 0};
	struct mlg_buf b = MLG_BUF_INIT, x = MLG_BUF_INIT;
	struct mlg_profile p;
	size_t i, k;
	char *src = mlg_strdup(t_write("s.csv", "a,b,c\n1,x,2.5\n2,y,3.5\n"));

	T_EQ_INT(mlg_profile_read(&p, src, &o), 0);
	T_EQ_INT(mlg_profile_write(&p, put, &w), 0);
	mlg_profile_release(&p);
	/* the source as written by hand: "s.csv" */
	T_EQ_INT(mlg_buf_replace(&w.text, src, strlen(src), "s.csv"), 1);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		mlg_buf_reset(&b);
		mlg_buf_add(&b, w.text.ptr, w.text.len);
		for (k = 0; k < 2 && cases[i].e[k].needle; k++)
			edit(&b, cases[i].e[k].needle, cases[i].e[k].nth,
			     cases[i].e[k].repl, cases[i].e[k].n);
		load_as_whole("p.json", b.ptr, b.len, cases[i].want);
	}
	/* jansson counts depth from the root: a column is 3 deep, so an
	 * array 2045 deep in it is the deepest value a profile may hold */
	for (k = 2045; k <= 2046; k++) {
		mlg_buf_reset(&b);
		mlg_buf_add(&b, w.text.ptr, w.text.len);
		mlg_buf_reset(&x);
		mlg_buf_adds(&x, "\"name\": \"b\", \"x\": ");
		for (i = 0; i < k; i++)
			mlg_buf_addch(&x, '[');
		for (i = 0; i < k; i++)
			mlg_buf_addch(&x, ']');
		mlg_buf_addch(&x, ',');
		edit(&b, "\"name\": \"b\",", 1, x.ptr, x.len);
		load_as_whole("p.json", b.ptr, b.len,
			      k == 2045 ? ""
					: "147:2070: maximum parsing depth "
					  "reached near '['");
	}
	mlg_buf_release(&x);
	free(src);
	mlg_buf_release(&b);
	mlg_buf_release(&w.text);
}

static void test_merge_mismatch(void)
{
	static const char *const n1[] = {"a", "b"}, *const n2[] = {"a", "c"};
	char name[701], want[1024];
	struct mlg_profile a, b, c;

	T_EQ_INT(mlg_profile_init(&a, n1, 2, NULL), 0);
	T_EQ_INT(mlg_profile_init(&b, n2, 2, NULL), 0);
	T_EQ_INT(mlg_profile_init(&c, n1, 1, NULL), 0);
	T_EQ_INT(mlg_profile_merge(&a, &b), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: column 2 is 'b' in one and 'c' in "
		 "the other");
	T_EQ_INT(mlg_profile_merge(&a, &c), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: one has 2 columns and the other 1");
	/* Named, each side says which it is. */
	T_EQ_INT(mlg_profile_merge_named(&a, "a.json", &c, "c.json"),
		 MLG_EINVALID);
	T_EQ_STR(
		mlg_error_message(),
		"cannot merge profiles: 'a.json' has 2 columns and 'c.json' 1");
	T_EQ_INT(mlg_profile_merge_named(&a, "a.json", &b, "b.json"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: column 2 is 'b' in 'a.json' and 'c' "
		 "in 'b.json'");
	/* A long path is not cut inside its quotes. */
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	snprintf(want, sizeof(want),
		 "cannot merge profiles: '%s' has 2 columns and 'c.json' 1",
		 name);
	T_EQ_INT(mlg_profile_merge_named(&a, name, &c, "c.json"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), want);
	mlg_profile_release(&c);
	T_EQ_INT(mlg_profile_init(&c, n1, 2, NULL), 0);
	a.rows = INT64_MAX;
	c.rows = 1;
	T_EQ_INT(mlg_profile_merge(&a, &c), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: counts beyond 9223372036854775807");
	T_EQ_INT(mlg_profile_merge_named(&a, "a.json", &c, "c.json"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: counts beyond 9223372036854775807 "
		 "with 'c.json'");
	T_EQ_INT(a.rows, INT64_MAX); /* unchanged */
	mlg_profile_release(&c);
	T_EQ_INT(mlg_profile_init(&c, n1, 0, NULL), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "a profile needs at least one column");
	mlg_profile_release(&a);
	mlg_profile_release(&b);
}

static void test_bad_input(void)
{
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_topk_item it[4];
	struct mlg_profile p;
	const char *path;
	size_t i;

	T_EQ_INT(mlg_profile_read(&p, t_write("e.csv", ""), &o), MLG_EDATA);
	T_CONTAINS(mlg_error_message(),
		   "e.csv': the input is empty: there is no header row");
	T_EQ_INT(mlg_profile_read(&p, t_write("u.csv", "a\n\"x\n"), &o),
		 MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "u.csv'");
	/* An error in the header, or in the first row that counts the
	 * columns, names the input too. */
	T_EQ_INT(mlg_profile_read(&p, t_write("uh.csv", "\"a\n"), &o),
		 MLG_EDATA);
	T_CONTAINS(mlg_error_message(),
		   "/uh.csv': unterminated quoted field starting at line 1");
	o.dialect.header = 0;
	T_EQ_INT(mlg_profile_read(&p, t_write("uf.csv", "1,\"x\n"), &o),
		 MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "/uf.csv': unterminated quoted field");
	o.dialect.header = 1;
	T_EQ_INT(mlg_profile_read(&p, "/nonexistent/x.csv", &o), MLG_ENOTFOUND);
	/* Invalid UTF-8, a 100000-byte cell, a short row, a long row. */
	mlg_buf_adds(&b, "a,b\n\xff\xfe,1\n");
	for (i = 0; i < 100000; i++)
		mlg_buf_addch(&b, 'z');
	mlg_buf_adds(&b, ",2\n3\n4,5,6\n\n");
	path = t_write("bad.csv", b.ptr);
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 5);
	T_EQ_INT(p.cols[0].count, 4);
	T_EQ_INT(p.cols[1].count, 3);
	T_EQ_INT(p.cols[0].len.max, 100000);
	T_EQ_INT(p.cols[0].len.min, 1);
	T_EQ_INT(mlg_topk_list(it, &p.cols[0].topk, 4), 4);
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(&p.cols[0])), "string");
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(&p.cols[1])), "integer");
	mlg_profile_release(&p);
	mlg_buf_release(&b);
	/* A NUL byte in a cell is data. */
	{
		static const char *const names[] = {"n"};

		T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
		mlg_profile_cell(&p, 0, "1\0002", 3, MLG_CELL_OK, NULL);
		T_EQ_INT(p.cols[0].cand[MLG_CAND_INTEGER], 0);
		T_EQ_INT(mlg_topk_list(it, &p.cols[0].topk, 4), 1);
		T_EQ_STR(it[0].value, "1\xef\xbf\xbd"
				      "2");
		mlg_profile_release(&p);
	}
}

/* Validate `data` against the schema inferred from it, written into
 * `schema` as JSON. */
static void validate_inferred(struct mlg_validate_result *out,
			      struct mlg_buf *schema, const char *data,
			      int constraints)
{
	struct mlg_profile_opts po = popts(0, 0);
	struct mlg_validate_opts vo;
	struct mlg_profile p;
	struct mlg_schema s;

	T_EQ_INT(mlg_profile_read(&p, data, &po), 0);
	mlg_buf_reset(schema);
	t_json_dump_new(schema, mlg_profile_infer(&p, constraints));
	mlg_profile_release(&p);
	T_EQ_INT(mlg_schema_load(&s, t_write("inferred.json", schema->ptr)), 0);
	vo = vopts(&s, 0, 1);
	T_EQ_INT(mlg_validate(out, data, &vo), 0);
	mlg_schema_release(&s);
}

/* The inferred schema of a file validates that file with no error. */
static void test_infer_validates(void)
{
	const char *data = keep(t_write(
		"inf.csv",
		"id,code,price,ok,day,at,note,tag\n"
		"1,007,1.5,true,2024-01-01,2024-01-01T10:00:00Z,x,a\n"
		"2,010,NA,false,2024-02-29,2024-01-02T11:00:00+02:00,,b\n"
		"3,123,-2e3,TRUE,2023-12-31,2024-01-03T00:00:00,\"y,z\",a\n"));
	struct mlg_validate_result r;
	struct mlg_buf b = MLG_BUF_INIT;

	validate_inferred(&r, &b, data, 1);
	T_EQ_INT(r.errors, 0);
	T_EQ_INT(r.rows, 3);
	mlg_validate_result_release(&r);
	T_EQ_STR(b.ptr,
		 "{\"fields\":["
		 "{\"name\":\"id\",\"type\":\"integer\",\"constraints\":"
		 "{\"required\":true,\"minimum\":1,\"maximum\":3,"
		 "\"enum\":[1,2,3]}},"
		 "{\"name\":\"code\",\"type\":\"string\",\"constraints\":"
		 "{\"required\":true,\"enum\":[\"007\",\"010\",\"123\"]}},"
		 "{\"name\":\"price\",\"type\":\"number\",\"constraints\":"
		 "{\"minimum\":-2000.0,\"maximum\":1.5}},"
		 "{\"name\":\"ok\",\"type\":\"boolean\",\"constraints\":"
		 "{\"required\":true}},"
		 "{\"name\":\"day\",\"type\":\"date\",\"constraints\":"
		 "{\"required\":true}},"
		 "{\"name\":\"at\",\"type\":\"datetime\",\"constraints\":"
		 "{\"required\":true}},"
		 "{\"name\":\"note\",\"type\":\"string\",\"constraints\":"
		 "{\"enum\":[\"x\",\"y,z\"]}},"
		 "{\"name\":\"tag\",\"type\":\"string\",\"constraints\":"
		 "{\"required\":true,\"enum\":[\"a\",\"b\"]}}],"
		 "\"missingValues\":[\"\",\"NA\"]}");
	mlg_buf_release(&b);
}

/* The field names of the schema inferred from header `names`, joined
 * by commas into `out`. */
static void infer_names(struct mlg_buf *out, const char *const *names, size_t n)
{
	struct mlg_profile p;
	json_t *j, *fields;
	size_t i;

	T_EQ_INT(mlg_profile_init(&p, names, n, NULL), 0);
	j = mlg_profile_infer(&p, 0);
	fields = json_object_get(j, "fields");
	mlg_buf_reset(out);
	for (i = 0; i < json_array_size(fields); i++)
		mlg_buf_addf(out, "%s%s", i ? "," : "",
			     json_string_value(json_object_get(
				     json_array_get(fields, i), "name")));
	json_decref(j);
	mlg_profile_release(&p);
}

/* Made names (blank and repeated labels) collide with no label, before
 * or after them, and no other made name: the first free "_<k>" is
 * added. The schema loads, and validation reports the header alone. */
static void test_infer_names(void)
{
	static const char *const coll[] = {"a", "a", "a2", "", "field4"};
	static const char *const chain[] = {"a", "a", "a2", "a2_2"};
	static const char *const blank[] = {"", "field1", ""};
	const char *twelve[12] = {"x1", "x1"};
	const char *data = keep(t_write("names.csv", "a,a,a2,,field4\n"
						     "1,2,3,4,5\n"));
	struct mlg_validate_result r;
	struct mlg_buf b = MLG_BUF_INIT;
	size_t i;

	infer_names(&b, coll, 5);
	T_EQ_STR(b.ptr, "a,a2_2,a2,field4_2,field4");
	infer_names(&b, chain, 4);
	T_EQ_STR(b.ptr, "a,a2_3,a2,a2_2");
	infer_names(&b, blank, 3);
	T_EQ_STR(b.ptr, "field1_2,field1,field3");
	/* Column 12's "x12" is column 2's made name already. */
	for (i = 2; i < 12; i++)
		twelve[i] = "x";
	infer_names(&b, twelve, 12);
	T_EQ_STR(b.ptr, "x1,x12,x,x4,x5,x6,x7,x8,x9,x10,x11,x12_2");
	/* Unchanged where nothing collides. */
	{
		static const char *const plain[] = {"a", "", "a", "b"};

		infer_names(&b, plain, 4);
		T_EQ_STR(b.ptr, "a,field2,a3,b");
	}
	validate_inferred(&r, &b, data, 0);
	T_EQ_INT(r.errors, 2);
	T_EQ_INT(r.nlist, 2);
	T_EQ_INT(r.list[0].type, MLG_VE_DUPLICATE_LABEL);
	T_EQ_INT(r.list[0].field, 2);
	T_EQ_STR(r.list[0].field_name, "a2_2");
	T_EQ_INT(r.list[1].type, MLG_VE_BLANK_LABEL);
	T_EQ_INT(r.list[1].field, 4);
	T_EQ_STR(r.list[1].field_name, "field4_2");
	mlg_validate_result_release(&r);
	mlg_buf_release(&b);
}

/* An integer enum holds values, not cell texts: each once, ascending,
 * and at most MLG_PROFILE_ENUM_MAX of them however many texts. */
static void test_infer_int_enum(void)
{
	const char *data =
		keep(t_write("ienum.csv", "x,y,z\n"
					  "+5,b,-9223372036854775808\n"
					  "5,a,9223372036854775807\n"
					  "-0,b,-1\n"
					  "0,c,1\n"
					  "-12,a,+1\n"));
	struct mlg_validate_result r;
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_profile p;
	json_t *j;
	int k;

	validate_inferred(&r, &b, data, 1);
	T_EQ_INT(r.errors, 0);
	T_EQ_INT(r.rows, 5);
	mlg_validate_result_release(&r);
	T_EQ_STR(b.ptr, "{\"fields\":["
			"{\"name\":\"x\",\"type\":\"integer\",\"constraints\":"
			"{\"required\":true,\"minimum\":-12,\"maximum\":5,"
			"\"enum\":[-12,0,5]}},"
			"{\"name\":\"y\",\"type\":\"string\",\"constraints\":"
			"{\"required\":true,\"enum\":[\"a\",\"b\",\"c\"]}},"
			"{\"name\":\"z\",\"type\":\"integer\",\"constraints\":"
			"{\"required\":true,\"minimum\":-9223372036854775808,"
			"\"maximum\":9223372036854775807,"
			"\"enum\":[-9223372036854775808,-1,1,"
			"9223372036854775807]}}],"
			"\"missingValues\":[\"\"]}");
	/* 21 texts, 20 values: an enum; 21 values: none. */
	for (k = 20; k <= 21; k++) {
		static const char *const names[] = {"n"};
		char cell[8];
		int v;

		T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
		for (v = 1; v <= k; v++) {
			snprintf(cell, sizeof(cell), "%d", v);
			mlg_profile_cell(&p, 0, cell, strlen(cell), MLG_CELL_OK,
					 NULL);
		}
		mlg_profile_cell(&p, 0, "+1", 2, MLG_CELL_OK, NULL);
		j = mlg_profile_infer(&p, 1);
		T_EQ_INT(json_array_size(json_object_get(
				 json_object_get(
					 json_array_get(
						 json_object_get(j, "fields"),
						 0),
					 "constraints"),
				 "enum")),
			 k == 20 ? 20 : 0);
		json_decref(j);
		mlg_profile_release(&p);
	}
	mlg_buf_release(&b);
}

/* The validation pass builds the same profile, whatever the threads. */
static void test_validate_profile(void)
{
	const char *path = big_csv();
	const char *schema = t_write(
		"big.json", "{\"fields\": [{\"name\": \"id\", \"type\": "
			    "\"integer\"}, {\"name\": \"x\", \"type\": "
			    "\"number\"}, {\"name\": \"cat\"}, {\"name\": "
			    "\"d\", \"type\": \"date\"}, {\"name\": \"code\"}],"
			    " \"missingValues\": [\"\", \"NA\"]}");
	struct mlg_validate_opts vo;
	struct mlg_validate_result r1, r2;
	struct mlg_schema s;
	size_t i;

	T_EQ_INT(mlg_schema_load(&s, schema), 0);
	vo = vopts(&s, 1, 1);
	T_EQ_INT(mlg_validate(&r1, path, &vo), 0);
	vo.threads = 2;
	T_EQ_INT(mlg_validate(&r2, path, &vo), 0);
	T_EQ_INT(r1.errors, 0);
	T_ASSERT(r1.profile && r2.profile);
	T_EQ_INT(r1.profile->rows, N);
	T_EQ_INT(r1.profile->cols[2].nulls, 207); /* NA is missing here */
	T_EQ_INT(r1.profile->cols[1].nulls, 207);
	T_EQ_INT(r1.profile->cols[3].declared, MLG_T_DATE);
	T_EQ_INT(r1.profile->cols[3].ndates, N);
	for (i = 0; i < 5; i++) {
		T_EQ_INT(r2.profile->cols[i].count, r1.profile->cols[i].count);
		T_EQ_DBL(r2.profile->cols[i].num.sum,
			 r1.profile->cols[i].num.sum, 0);
	}
	{
		char *a = dump(r1.profile), *b = dump(r2.profile);

		T_EQ_STR(b, a); /* the same chunks merged in the same order */
		free(a);
		free(b);
	}
	mlg_validate_result_release(&r1);
	mlg_validate_result_release(&r2);
	mlg_schema_release(&s);
}

/*
 * The byte scan only rules casts out, and the fast number paths give
 * the casts' own values: each cell's candidates, integer bounds and
 * numbers must be those of the six casts run on every cell.
 */
static void test_candidates_equal_casts(void)
{
	static const char *const cells[] = {"0",
					    "-0",
					    "+0",
					    "007",
					    "-007",
					    "+5",
					    "5",
					    ".5",
					    "-.5",
					    "5.",
					    "1e5",
					    "1E-3",
					    "1e",
					    "e5",
					    "1.2.3",
					    "--1",
					    "+-1",
					    "+",
					    "-",
					    ".",
					    "NaN",
					    "INF",
					    "-INF",
					    "+INF",
					    "inf",
					    "NAN",
					    "Infinity",
					    "NaNa",
					    "123456789012345678",
					    "1234567890123456789",
					    "12345678901234567890",
					    "99999999999999999999999",
					    "-9223372036854775808",
					    "-9223372036854775809",
					    "9223372036854775807",
					    "9223372036854775808",
					    "0.1",
					    "9007199254740993",
					    "-9007199254740995",
					    "+9007199254740993",
					    "-00",
					    "999999999999999999",
					    "-123456789012345679",
					    "9007199254740993.5",
					    "1.7976931348623157e308",
					    "1e400",
					    "4.9e-324",
					    "0000000000000000000001.5",
					    "1234567890.123456789",
					    "12345678901.234567891",
					    "true",
					    "True",
					    "TRUE",
					    "1",
					    "false",
					    "False",
					    "FALSE",
					    "yes",
					    "tRUE",
					    "2024-02-29",
					    "2023-02-29",
					    "2024-1-01",
					    "0000-01-01",
					    "9999-12-31",
					    "2024/01/01",
					    "2024-01-01T10:00:00Z",
					    "2024-01-01T10:00:00.123+02:00",
					    "2024-01-01T25:00:00",
					    "10:00:00",
					    "25:00:00",
					    "10:00:00Z",
					    "10:00:00.5",
					    "10:00",
					    "NA",
					    "N/A",
					    "n/a",
					    "null",
					    "NULL",
					    "None",
					    "none",
					    " 5",
					    "5 ",
					    "caf\xc3\xa9",
					    "\xff",
					    "1,000",
					    "0x1F",
					    "5e+3",
					    "-0.0",
					    "1.e5",
					    "\xd9\xa1",
					    "\xef\xbc\x91"};

	static const char *const names[] = {"c"};
	struct mlg_json_doc doc;
	struct mlg_schema s;
	struct mlg_profile p;
	struct mlg_value v;
	size_t i, k;

	T_EQ_INT(mlg_json_parse(&doc, "s", mlg_profile_cand_schema,
				strlen(mlg_profile_cand_schema)),
		 0);
	T_EQ_INT(mlg_schema_parse(&s, &doc), 0);
	for (i = 0; i < MLG_ARRAY_SIZE(cells); i++) {
		const char *c = cells[i];
		size_t len = strlen(c);

		T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
		mlg_profile_cell(&p, 0, c, len, MLG_CELL_OK, NULL);
		for (k = 0; k < 6; k++) {
			int ok = !mlg_field_cast(&v, &s.fields[k], c, len);
			int tok =
				!!p.cols[0].tokens[0] + !!p.cols[0].tokens[1] +
				!!p.cols[0].tokens[2] + !!p.cols[0].tokens[3] +
				!!p.cols[0].tokens[4] + !!p.cols[0].tokens[5];

			if (tok)
				ok = 0; /* tokens are missing values */
			T_EQ_INT(p.cols[0].cand[k], ok);
			if (ok && k == 0) {
				T_EQ_INT(p.cols[0].imin, v.i);
				T_EQ_INT(p.cols[0].imax, v.i);
			}
			if (ok && k == 1 && isfinite(v.num)) {
				T_EQ_INT(p.cols[0].num.count, 1);
				/* The same bits: -0 stays -0. */
				T_ASSERT(!memcmp(&p.cols[0].num.sum, &v.num,
						 sizeof(double)));
			}
			if (ok && k == 3)
				T_EQ_INT(p.cols[0].dmin, v.i);
			if (ok && k == 4)
				T_EQ_INT(p.cols[0].tmin, v.i);
		}
		mlg_profile_release(&p);
	}
	mlg_schema_release(&s);
	mlg_json_doc_release(&doc);
}

/* The sparkline of `n` counts, as a string (static storage). */
static const char *spark(const double *v, size_t n, size_t width, double top)
{
	static char out[512];
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_profile_sparkline(&b, v, n, width, top);
	T_ASSERT(b.len < sizeof(out));
	memcpy(out, b.ptr, b.len + 1);
	mlg_buf_release(&b);
	return out;
}

#define SPARK(width, top, ...)                                                 \
	spark((const double[]){__VA_ARGS__},                                   \
	      sizeof((const double[]){__VA_ARGS__}) / sizeof(double), width,   \
	      top)

static void test_sparkline(void)
{
	double many[100], flat[25];
	size_t i;

	/* Every level, in order: ▁ only for 0, b / top of 1/7 .. 7/7. */
	T_EQ_STR(SPARK(10, 0, 0, 1, 2, 3, 4, 5, 6, 7),
		 "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	T_EQ_STR(SPARK(10, 0, 0, 1, 2, 3, 4, 5, 6, 7), "▁▂▃▄▅▆▇█");
	/* All equal, one bin, zero counts. */
	T_EQ_STR(SPARK(10, 0, 3, 3, 3), "███");
	T_EQ_STR(SPARK(10, 0, 5), "█");
	T_EQ_STR(SPARK(10, 0, 0), "▁");
	T_EQ_STR(SPARK(10, 0, 0, 0, 0), "▁▁▁");
	T_EQ_STR(SPARK(10, 0, 0, 1, 0, 8), "▁▂▁█");
	/* Half the top is 3.5 of 7: the ceiling, ▅; rounding noise in a
	 * share does not climb a level. */
	T_EQ_STR(SPARK(10, 0, 1, 2), "▅█");
	T_EQ_STR(SPARK(10, 0, 0.30000000000000004 - 0.2, 0.2), "▅█");
	/* A bin of one value in 10^308 is not empty. */
	T_EQ_STR(SPARK(10, 0, 4.9e-324, 1e308), "▂█");
	T_EQ_STR(SPARK(10, 0, 1e-300, 1), "▂█");
	/* One scale for two sparklines; a bar above it is █. */
	T_EQ_STR(SPARK(10, 4, 1, 2), "▃▅");
	T_EQ_STR(SPARK(10, 2, 8, 1), "█▅");
	T_EQ_STR(SPARK(10, NAN, 1, 2), "▅█");
	T_EQ_STR(SPARK(10, -1, 1, 2), "▅█");
	/* Negative, NaN and infinite counts count as 0. */
	T_EQ_STR(SPARK(10, 0, -1, NAN, INFINITY, -INFINITY, 2), "▁▁▁▁█");
	/* Finite counts whose sum overflows: the largest bar, to any top. */
	T_EQ_STR(SPARK(2, 0, 1e308, 1e308, 1, 0), "█▂");
	T_EQ_STR(SPARK(2, 5, 1e308, 1e308, 1, 0), "█▃");
	/* 100 bins into 10 bars of 10: bar j holds 100 j + 45. */
	for (i = 0; i < 100; i++)
		many[i] = (double)i;
	T_EQ_STR(spark(many, 100, 10, 0), "▂▃▃▄▅▆▆▇██");
	T_EQ_STR(spark(many, 100, 1, 0), "█");
	T_EQ_STR(spark(many, 100, 200, 0) + 3 * 98, "██");
	/* 25 into 10: bars of 2 and 3 bins alternate, as documented. */
	for (i = 0; i < 25; i++)
		flat[i] = 1;
	T_EQ_STR(spark(flat, 25, 10, 0), "▆█▆█▆█▆█▆█");
	T_EQ_STR(spark(flat, 25, 5, 0), "█████");
	/* Nothing to draw. */
	T_EQ_STR(spark(flat, 0, 10, 0), "");
	T_EQ_STR(spark(flat, 25, 0, 0), "");
}

static void kll_of(struct mlg_kll *s, const double *v, size_t n)
{
	size_t i;

	T_EQ_INT(mlg_kll_init(s, MLG_KLL_K_DEFAULT, 1), 0);
	for (i = 0; i < n; i++)
		mlg_kll_add(s, v[i]);
}

static void test_bin_shares(void)
{
	static const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			    edges[] = {0, 5, 10}, huge[] = {-1e308, 1e308};
	double out[10];
	struct mlg_kll s;
	size_t i;

	/* Bins of 0.9 over [1, 10]: one value each. */
	kll_of(&s, ten, 10);
	mlg_profile_bin_shares(out, &s, 1, 10, 10);
	for (i = 0; i < 10; i++)
		T_EQ_DBL(out[i], 0.1, 1e-15);
	/* Over a wider range [1, 15] (bins of 1.4): 8.0 is an edge. */
	mlg_profile_bin_shares(out, &s, 1, 15, 10);
	T_EQ_DBL(out[0], 0.2, 1e-15); /* 1, 2 */
	T_EQ_DBL(out[1], 0.1, 1e-15); /* 3 */
	T_EQ_DBL(out[4], 0.2, 1e-15); /* 7, 8 */
	T_EQ_DBL(out[6], 0.1, 1e-15); /* 10 */
	T_EQ_DBL(out[7], 0, 0);
	T_EQ_DBL(out[9], 0, 0);
	/* One bin holds everything. */
	mlg_profile_bin_shares(out, &s, 1, 10, 1);
	T_EQ_DBL(out[0], 1, 0);
	mlg_kll_release(&s);

	/* A value on an edge counts in the bin below it. */
	kll_of(&s, edges, 3);
	mlg_profile_bin_shares(out, &s, 0, 10, 10);
	T_EQ_DBL(out[0], 1.0 / 3, 1e-15);
	T_EQ_DBL(out[4], 1.0 / 3, 1e-15);
	T_EQ_DBL(out[5], 0, 0);
	T_EQ_DBL(out[9], 1.0 / 3, 1e-15);
	mlg_kll_release(&s);

	/* max - min overflows: the edges stay finite. */
	kll_of(&s, huge, 2);
	mlg_profile_bin_shares(out, &s, -1e308, 1e308, 10);
	T_EQ_DBL(out[0], 0.5, 0);
	for (i = 1; i < 9; i++)
		T_EQ_DBL(out[i], 0, 0);
	T_EQ_DBL(out[9], 0.5, 0);
	mlg_kll_release(&s);

	/* Empty: all zero, and a sparkline of ▁. */
	kll_of(&s, NULL, 0);
	out[3] = 7;
	mlg_profile_bin_shares(out, &s, 0, 1, 10);
	for (i = 0; i < 10; i++)
		T_EQ_DBL(out[i], 0, 0);
	T_EQ_STR(spark(out, 10, 10, 0), "▁▁▁▁▁▁▁▁▁▁");
	mlg_kll_release(&s);
}

/* The report table: a histogram for numeric and date columns only,
 * aligned by characters (three bytes a block) in the text emitter. */
static void test_report_table(void)
{
	static const char *const names[] = {"x", "s", "one"};
	struct mlg_buf b = MLG_BUF_INIT;
	struct mlg_profile p;
	struct mlg_report r;
	char cell[32];
	int i;

	T_EQ_INT(mlg_profile_init(&p, names, 3, NULL), 0);
	for (i = 1; i <= 20; i++) {
		/* x: 2..10, 1, 2..10, then 100 (mean 209 / 20) */
		snprintf(cell, sizeof(cell), "%d", i == 20 ? 100 : 1 + i % 10);
		mlg_profile_row(&p);
		mlg_profile_cell(&p, 0, cell, strlen(cell), MLG_CELL_OK, NULL);
		mlg_profile_cell(&p, 1, i % 2 ? "a" : "b", 1, MLG_CELL_OK,
				 NULL);
		mlg_profile_cell(&p, 2, "7", 1, MLG_CELL_OK, NULL);
	}
	mlg_report_init(&r, "t", "0");
	mlg_profile_report(&p, &r, "in");
	T_EQ_INT(r.ntables, 1);
	T_EQ_INT(r.tables[0]->ncols, 8);
	T_EQ_STR(r.tables[0]->cols[7], "histogram");
	/* 1..10 fall in the first bin of [1, 100] (width 9.9), 100 in the
	 * last: 19 to 1. */
	T_EQ_STR(mlg_table_cell(r.tables[0], 0, 7), "█▁▁▁▁▁▁▁▁▂");
	T_EQ_STR(mlg_table_cell(r.tables[0], 1, 7), "");
	T_EQ_STR(mlg_table_cell(r.tables[0], 2, 7), "█");
	T_EQ_INT(mlg_emit_table_text(&b, r.tables[0]), 0);
	T_EQ_STR(b.ptr,
		 "\nin:profile\n"
		 "column  type     nulls  distinct  min  mean   max  "
		 "histogram\n"
		 "x       integer  0      11        1    10.45  100  "
		 "█▁▁▁▁▁▁▁▁▂\n"
		 "s       string   0      2                          \n"
		 "one     integer  0      1         7    7      7    █\n");
	mlg_buf_release(&b);
	mlg_report_release(&r);
	mlg_profile_release(&p);
}

static void schema_of(struct mlg_schema *s, const char *text)
{
	struct mlg_json_doc doc;

	T_EQ_INT(mlg_json_parse(&doc, "s.json", text, strlen(text)), 0);
	T_EQ_INT(mlg_schema_parse(s, &doc), 0);
	mlg_json_doc_release(&doc);
}

static const char big_schema[] =
	"{\"fields\": [{\"name\": \"id\", \"type\": \"integer\"}, {\"name\": "
	"\"x\", \"type\": \"number\"}, {\"name\": \"cat\"}, {\"name\": \"d\", "
	"\"type\": \"date\"}, {\"name\": \"code\"}], \"missingValues\": [\"\", "
	"\"NA\"]}";

/* The exact statistics of two profiles of the same data agree. */
static void same_exact(const struct mlg_profile *a, const struct mlg_profile *b)
{
	size_t i, k;

	T_EQ_INT(a->rows, b->rows);
	T_EQ_INT(a->long_rows, b->long_rows);
	T_EQ_INT(a->ncols, b->ncols);
	for (i = 0; i < a->ncols; i++) {
		const struct mlg_profile_col *x = &a->cols[i], *y = &b->cols[i];

		T_EQ_STR(x->name, y->name);
		T_EQ_INT(x->has_schema, y->has_schema);
		T_EQ_INT(x->declared, y->declared);
		T_EQ_INT(x->count, y->count);
		T_EQ_INT(x->nulls, y->nulls);
		T_EQ_INT(x->invalid, y->invalid);
		T_EQ_INT(x->not_utf8, y->not_utf8);
		for (k = 0; k < MLG_CAND_COUNT; k++)
			T_EQ_INT(x->cand[k], y->cand[k]);
		T_EQ_INT(x->num.count, y->num.count);
		T_EQ_DBL(x->num.min, y->num.min, 0);
		T_EQ_DBL(x->num.max, y->num.max, 0);
		T_EQ_DBL(mlg_moments_sum(&x->num), mlg_moments_sum(&y->num),
			 1e-12);
		T_EQ_INT(x->ndates, y->ndates);
		T_EQ_INT(x->dmin, y->dmin);
		T_EQ_INT(x->dmax, y->dmax);
		T_ASSERT(
			!memcmp(x->hll->reg, y->hll->reg, sizeof(x->hll->reg)));
		T_EQ_INT(x->topk.n, y->topk.n);
		T_EQ_INT(x->kll.n, y->kll.n);
	}
}

/* Read with a schema, a file gives the profile of the validation pass,
 * and its shards merge into it. */
static void test_read_with_schema(void)
{
	const char *path = big_csv();
	struct mlg_profile_opts all = popts(0, 0), s1 = popts(1, 2),
				s2 = popts(2, 2);
	struct mlg_validate_opts vo;
	struct mlg_validate_result v;
	struct mlg_profile w, a, b;
	struct mlg_schema s;

	schema_of(&s, big_schema);
	all.schema = s1.schema = s2.schema = &s;
	vo = vopts(&s, 1, 2);
	T_EQ_INT(mlg_validate(&v, path, &vo), 0);
	T_EQ_INT(mlg_profile_read(&w, path, &all), 0);
	same_exact(&w, v.profile);
	T_EQ_INT(w.cols[1].nulls, 207); /* NA is missing here */
	T_EQ_INT(w.cols[3].declared, MLG_T_DATE);
	T_EQ_INT(w.cols[3].kll.n, N); /* dates as days */
	T_EQ_INT(mlg_profile_read(&a, path, &s1), 0);
	T_EQ_INT(mlg_profile_read(&b, path, &s2), 0);
	T_EQ_INT(a.rows, 10000);
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	same_exact(&a, &w);
	mlg_validate_result_release(&v);
	mlg_profile_release(&w);
	mlg_profile_release(&a);
	mlg_profile_release(&b);
	mlg_schema_release(&s);
}

/*
 * Without a header (the dialect's header false) the first row is data,
 * as validation reads it: without a schema the columns are field1,
 * field2, ... after the first row's cells; with one, its fields by
 * position, with the validation pass's profile. The first row counts in
 * chunk 0 for threads and shards alike.
 */
static void test_read_no_header(void)
{
	const char *path = t_write("nohead.csv", "1,a\n2,b\n3,c,x\n4\n5,e\n");
	struct mlg_profile_opts o = popts(0, 0), s1 = popts(1, 2),
				s2 = popts(2, 2);
	struct mlg_validate_opts vo;
	struct mlg_validate_result v;
	struct mlg_profile p, q, a, b;
	struct mlg_schema s;
	char *first, *text;

	o.dialect.header = s1.dialect.header = s2.dialect.header = 0;
	o.chunk_rows = s1.chunk_rows = s2.chunk_rows = 2;
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 5);
	T_EQ_INT(p.long_rows, 1);
	T_EQ_INT(p.ncols, 2);
	T_EQ_STR(p.cols[0].name, "field1");
	T_EQ_STR(p.cols[1].name, "field2");
	T_EQ_INT(p.cols[0].count, 5);
	T_EQ_INT(p.cols[1].count, 4);
	T_EQ_INT(p.cols[0].imin, 1);
	T_EQ_STR(mlg_ftype_name(mlg_profile_col_type(&p.cols[0])), "integer");
	first = dump(&p);
	o.threads = 3;
	T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
	T_EQ_STR(text = dump(&q), first);
	free(text);
	free(first);
	mlg_profile_release(&q);
	T_EQ_INT(mlg_profile_read(&a, path, &s1), 0);
	T_EQ_INT(mlg_profile_read(&b, path, &s2), 0);
	T_EQ_INT(a.rows, 3); /* rows 1, 2 and 5 */
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	same_exact(&a, &p);
	mlg_profile_release(&a);
	mlg_profile_release(&b);
	mlg_profile_release(&p);

	schema_of(&s, "{\"fields\": [{\"name\": \"id\", \"type\": "
		      "\"integer\"}, {\"name\": \"s\"}]}");
	o.schema = &s;
	vo = vopts(&s, 1, 2);
	vo.dialect.header = 0;
	T_EQ_INT(mlg_validate(&v, path, &vo), 0);
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_STR(p.cols[0].name, "id");
	T_EQ_INT(p.cols[0].count, 5);
	same_exact(&p, v.profile);
	mlg_validate_result_release(&v);
	mlg_profile_release(&p);
	/* An empty input has no columns without a schema, none missing
	 * with one. */
	path = t_write("empty.csv", "");
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 0);
	T_EQ_INT(p.ncols, 2);
	mlg_profile_release(&p);
	o.schema = NULL;
	T_EQ_INT(mlg_profile_read(&p, path, &o), MLG_EDATA);
	T_CONTAINS(mlg_error_message(), "empty.csv': the input is empty: "
					"there is no row to count the columns "
					"of");
	mlg_schema_release(&s);
}

/*
 * Threads each read every T-th chunk, and the chunks merge in file
 * order: the profile is the same byte for byte for 1 to 5 threads, with
 * and without a schema and for a shard. The chunks do merge: chunks of
 * another size give another KLL sketch, with the same exact statistics.
 */
static void test_threads_same_profile(void)
{
	const char *path = big_csv();
	struct mlg_profile p, q;
	struct mlg_schema s;
	char *first, *text;
	unsigned t;
	int v;

	schema_of(&s, big_schema);
	for (v = 0; v < 3; v++) {
		struct mlg_profile_opts o = v == 2 ? popts(2, 3) : popts(0, 0);

		o.schema = v == 1 ? &s : NULL;
		o.threads = 1;
		T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
		T_EQ_INT(p.rows, v == 2 ? 7000 : N);
		T_EQ_INT(p.nsources, 1);
		first = dump(&p);
		for (t = 2; t <= 5; t++) {
			o.threads = t;
			T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
			T_EQ_STR(text = dump(&q), first);
			free(text);
			mlg_profile_release(&q);
		}
		if (v < 2) { /* a shard's rows depend on the chunk size */
			o.threads = 2;
			o.chunk_rows = 1500;
			T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
			same_exact(&p, &q);
			T_ASSERT(strcmp(text = dump(&q), first));
			free(text);
			mlg_profile_release(&q);
		}
		free(first);
		mlg_profile_release(&p);
	}
	mlg_schema_release(&s);
}

/*
 * A schema's casts stand in for the candidates' own only where they are
 * the same casts: with a group char, a decimal comma or bareNumber false,
 * the cells the schema takes are no number candidates. A date of the
 * default format is a date candidate and nothing else. The candidates
 * and integer bounds are those of the same text read with no schema.
 */
static void test_candidates_of_casts(void)
{
	const char *path =
		t_write("cc.csv",
			"i,n,ig,nd,nb,ib,d,dp,dd\n"
			"007,1.5,\"1,234\",\"1,5\",12%,$5,2020-01-31,"
			"2020-01-31,31/01/2020\n"
			"-3,2,7,3,4,6,1999-12-31,1999-12-31,31/12/1999\n"
			"12,NaN,\"2,000\",\"0,25\",€1,9,2024-02-29,2024-02-29,"
			"29/02/2024\n"
			"1,1e3,8,8,-2,-8,0001-01-01,0001-01-01,01/01/0001\n");
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_validate_opts vo;
	struct mlg_validate_result v;
	struct mlg_profile w;
	struct mlg_schema s;
	size_t i, k;

	schema_of(&s, "{\"fields\": ["
		      "{\"name\": \"i\", \"type\": \"integer\"},"
		      "{\"name\": \"n\", \"type\": \"number\"},"
		      "{\"name\": \"ig\", \"type\": \"integer\","
		      " \"groupChar\": \",\"},"
		      "{\"name\": \"nd\", \"type\": \"number\","
		      " \"decimalChar\": \",\"},"
		      "{\"name\": \"nb\", \"type\": \"number\","
		      " \"bareNumber\": false},"
		      "{\"name\": \"ib\", \"type\": \"integer\","
		      " \"bareNumber\": false},"
		      "{\"name\": \"d\", \"type\": \"date\"},"
		      "{\"name\": \"dp\", \"type\": \"date\","
		      " \"format\": \"%Y-%m-%d\"},"
		      "{\"name\": \"dd\", \"type\": \"date\","
		      " \"format\": \"%d/%m/%Y\"}]}");
	vo = vopts(&s, 1, 1);
	T_EQ_INT(mlg_validate(&v, path, &vo), 0);
	T_EQ_INT(v.errors, 0);
	T_EQ_INT(mlg_profile_read(&w, path, &o), 0);
	for (i = 0; i < 9; i++) {
		const struct mlg_profile_col *x = &v.profile->cols[i],
					     *y = &w.cols[i];

		for (k = 0; k < MLG_CAND_COUNT; k++)
			T_EQ_INT(x->cand[k], y->cand[k]);
		T_EQ_INT(x->imin, y->imin);
		T_EQ_INT(x->imax, y->imax);
	}
	T_EQ_INT(w.cols[0].cand[MLG_CAND_INTEGER], 4);
	T_EQ_INT(w.cols[0].cand[MLG_CAND_LEADING_ZERO], 1);
	T_EQ_INT(w.cols[0].imin, -3);
	T_EQ_INT(w.cols[0].imax, 12);
	T_EQ_INT(w.cols[1].cand[MLG_CAND_NUMBER], 4);
	T_EQ_INT(w.cols[1].cand[MLG_CAND_INTEGER], 1);
	T_EQ_INT(w.cols[2].cand[MLG_CAND_INTEGER], 2);
	T_EQ_INT(w.cols[3].cand[MLG_CAND_NUMBER], 2);
	T_EQ_INT(w.cols[4].cand[MLG_CAND_NUMBER], 2);
	T_EQ_INT(w.cols[5].cand[MLG_CAND_INTEGER], 3);
	for (i = 6; i < 8; i++) {
		T_EQ_INT(w.cols[i].cand[MLG_CAND_DATE], 4);
		T_EQ_INT(w.cols[i].cand[MLG_CAND_INTEGER] +
				 w.cols[i].cand[MLG_CAND_NUMBER],
			 0);
	}
	T_EQ_INT(w.cols[8].cand[MLG_CAND_DATE], 0);
	mlg_validate_result_release(&v);
	mlg_profile_release(&w);
	mlg_schema_release(&s);
}

/* Write `len` bytes (NUL bytes allowed) to t_tmpdir()/name. */
static const char *write_bytes(const char *name, const char *bytes, size_t len)
{
	const char *path = t_write(name, "");
	FILE *f = fopen(path, "wb");

	T_ASSERT(f);
	T_EQ_INT(fwrite(bytes, 1, len, f), len);
	T_EQ_INT(fclose(f), 0);
	return path;
}

static void test_read_schema_columns(void)
{
	static const char data[] = "c,x,a,a\n"
				   "s1,zz,1,9\n"
				   "\xff,zz,NA,9\n"
				   "s\0x,zz,3,9\n"
				   "\n"
				   "s4,zz\n";
	struct mlg_profile_opts o = popts(0, 0);
	const char *path = write_bytes("cols.csv", data, sizeof(data) - 1);
	struct mlg_profile p;
	struct mlg_schema s;

	/* By name: c and the first a; x and the second a are left out, b
	 * has no column. Invalid UTF-8 and NUL cells are left out. */
	schema_of(&s, "{\"fieldsMatch\": \"equal\", \"fields\": [{\"name\": "
		      "\"a\", \"type\": \"integer\"}, {\"name\": \"b\", "
		      "\"type\": \"date\"}, {\"name\": \"c\", \"type\": "
		      "\"string\"}]}");
	o.schema = &s;
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 5);
	T_EQ_INT(p.ncols, 3);
	T_EQ_STR(p.cols[0].name, "a");
	T_EQ_INT(p.cols[0].count, 3);
	T_EQ_INT(p.cols[0].nulls, 0);
	T_EQ_INT(p.cols[0].invalid, 1); /* NA: not a missing value here */
	T_EQ_INT(p.cols[0].num.count, 2);
	T_EQ_DBL(mlg_moments_sum(&p.cols[0].num), 4, 0);
	T_EQ_STR(p.cols[1].name, "b");
	T_EQ_INT(p.cols[1].declared, MLG_T_DATE);
	T_EQ_INT(p.cols[1].has_schema, 1);
	T_EQ_INT(p.cols[1].count, 0);
	T_EQ_INT(p.cols[2].count, 2); /* s1, s4 */
	T_EQ_INT(p.cols[2].declared, MLG_T_STRING);
	mlg_profile_release(&p);
	mlg_schema_release(&s);

	/* By position (fieldsMatch exact, the default). */
	schema_of(&s, "{\"fields\": [{\"name\": \"a\", \"type\": "
		      "\"integer\"}, {\"name\": \"b\", \"type\": \"date\"}, "
		      "{\"name\": \"c\"}]}");
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.cols[0].count, 2); /* s1, s4 */
	T_EQ_INT(p.cols[0].invalid, 2);
	T_EQ_INT(p.cols[1].count, 4); /* zz */
	T_EQ_INT(p.cols[1].invalid, 4);
	T_EQ_INT(p.cols[1].ndates, 0);
	T_EQ_INT(p.cols[2].count, 3); /* 1, NA, 3 */
	T_EQ_INT(p.cols[2].invalid, 0);
	mlg_profile_release(&p);
	mlg_schema_release(&s);
}

static void test_read_jsonl(void)
{
	/* Lines that are no JSON object have no cells: an array, text, a
	 * repeated key, invalid UTF-8, a NUL byte, a raw 0x1f, a cut line. */
	static const char data[] =
		"{\"a\": 1, \"b\": \"2024-01-02\"}\n"
		"{\"a\": null}\n"
		"\n"
		"[1, 2]\n"
		"{\"a\": \"x\", \"b\": \"2024-01-03\", \"z\": 5}\n"
		"not json\n"
		"{\"a\": 2.0}\n"
		"{\"a\": 1, \"a\": 2}\n"
		"{\"a\": \"\xff\"}\n"
		"{\"a\": 7}\0\n"
		"{\"a\": 7}\x1f{\"a\": 8}\n"
		"{\"a\": 9";
	struct mlg_profile_opts o = popts(0, 0);
	const char *path = write_bytes("d.jsonl", data, sizeof(data) - 1);
	struct mlg_profile p;
	struct mlg_schema s;

	/* As mlg_dvcmd_dialect() reads JSON Lines. */
	o.dialect.delimiter = 0x1f;
	o.dialect.quote = 0;
	o.dialect.double_quote = 0;
	o.dialect.header = 0;
	o.jsonl = 1;
	T_EQ_INT(mlg_profile_read(&p, path, &o), MLG_EINVALID);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "cannot profile '%s' without a schema: JSON Lines "
			 "needs one",
			 path);
		T_EQ_STR(mlg_error_message(), want);
	}
	T_EQ_INT(p.ncols, 0);
	schema_of(&s, "{\"fields\": [{\"name\": \"a\", \"type\": "
		      "\"integer\"}, {\"name\": \"b\", \"type\": \"date\"}]}");
	o.schema = &s;
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 12); /* every line, as validation counts rows */
	T_EQ_INT(p.cols[0].count, 4);
	T_EQ_INT(p.cols[0].nulls, 1);
	T_EQ_INT(p.cols[0].invalid, 1); /* "x" */
	T_EQ_INT(p.cols[0].num.count, 2);
	T_EQ_DBL(mlg_moments_sum(&p.cols[0].num), 3, 0); /* 1 + 2.0 */
	T_EQ_INT(p.cols[1].count, 4);
	T_EQ_INT(p.cols[1].nulls, 2);
	T_EQ_INT(p.cols[1].ndates, 2);
	T_EQ_INT(p.cols[1].dmin, 19724);
	T_EQ_INT(p.cols[1].dmax, 19725);
	mlg_profile_release(&p);
	mlg_schema_release(&s);
}

static void test_merge_declared(void)
{
	static const char *const names[] = {"a", "b"};
	struct mlg_profile x, y, z;
	struct mlg_schema s1, s2;

	schema_of(&s1, "{\"fields\": [{\"name\": \"a\", \"type\": "
		       "\"integer\"}, {\"name\": \"b\", \"type\": \"date\"}]}");
	schema_of(&s2,
		  "{\"fields\": [{\"name\": \"a\", \"type\": "
		  "\"integer\"}, {\"name\": \"b\", \"type\": \"string\"}]}");
	T_EQ_INT(mlg_profile_init(&x, names, 2, &s1), 0);
	T_EQ_INT(mlg_profile_init(&y, names, 2, &s2), 0);
	T_EQ_INT(mlg_profile_init(&z, names, 2, NULL), 0);
	mlg_profile_row(&y);
	T_EQ_INT(mlg_profile_merge(&x, &y), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: column 'b' is declared date in one "
		 "and string in the other");
	T_EQ_INT(mlg_profile_merge_named(&x, "x.json", &y, "y.json"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: column 'b' is declared date in "
		 "'x.json' and string in 'y.json'");
	T_EQ_INT(x.rows, 0); /* unchanged */
	/* A declared type meets none: kept, whichever side has it. */
	T_EQ_INT(mlg_profile_merge(&z, &x), 0);
	T_EQ_INT(z.cols[1].has_schema, 1);
	T_EQ_INT(z.cols[1].declared, MLG_T_DATE);
	T_EQ_INT(mlg_profile_merge(&x, &z), 0);
	T_EQ_INT(x.cols[1].declared, MLG_T_DATE);
	mlg_profile_release(&x);
	mlg_profile_release(&y);
	mlg_profile_release(&z);
	mlg_schema_release(&s1);
	mlg_schema_release(&s2);
}

/* Numbers a loaded profile may hold that no pass could make: written
 * as such, never undefined conversions. */
static void test_extreme_values(void)
{
	static const char *const names[] = {"a"};
	struct mlg_profile p;
	char buf[32], *a;

	mlg_iso8601(buf, 0);
	T_EQ_STR(buf, "1970-01-01T00:00:00Z");
	mlg_iso8601(buf, 1e300); /* beyond time_t */
	T_EQ_STR(buf, "invalid");
	mlg_iso8601(buf, 1e17); /* a year beyond int */
	T_EQ_STR(buf, "invalid");
	mlg_iso8601(buf, NAN);
	T_EQ_STR(buf, "invalid");
	/* Every HLL register at its top: the estimate passes int64. */
	T_EQ_INT(mlg_profile_init(&p, names, 1, NULL), 0);
	mlg_profile_cell(&p, 0, "x", 1, MLG_CELL_OK, NULL);
	memset(p.cols[0].hll->reg, 51, sizeof(p.cols[0].hll->reg));
	a = dump(&p);
	T_CONTAINS(a, "\"distinct\":9223372036854775807");
	free(a);
	mlg_profile_release(&p);
}

/*
 * Chunks of one row, so that every row sets up or reuses a chunk
 * profile: the first row of a chunk was taken for the end of the input,
 * which lost every row after the first (one thread) or failed the pass
 * as a file that changed (more). The exact statistics are those of one
 * chunk, and the profile the same for 1 to 3 threads.
 */
static void test_chunks_of_one_row(void)
{
	const char *path = t_write(
		"one.csv", "n,s\n4,a\n-1,b\n2.5,a\n,c\n7,a\n0,b\n9,d\n");
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_profile p, q;
	char *first, *text;
	unsigned t;

	o.chunk_rows = 7;
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 7);
	T_EQ_INT(p.cols[0].nulls, 1);
	o.chunk_rows = 1;
	o.threads = 1;
	T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
	same_exact(&p, &q);
	first = dump(&q);
	mlg_profile_release(&q);
	for (t = 2; t <= 3; t++) {
		o.threads = t;
		T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
		T_EQ_INT(q.rows, 7);
		T_EQ_STR(text = dump(&q), first);
		free(text);
		mlg_profile_release(&q);
	}
	free(first);
	mlg_profile_release(&p);
}

/* The two rows with more cells than the header, and the three cells of
 * b that are not UTF-8 text (an invalid byte, a NUL, a cut sequence):
 * counted alike by every pass, saved only where there are any, and
 * summed by a merge. */
static void test_structure_counts(void)
{
	static const char csv[] = "a,b\n1,2,3\n4,\xff\n5,6\n7,8\0x\n,\xc3\n"
				  "\n9\n1,2,3,4\n";
	char *schema = mlg_strdup(
		t_write("st.json", "{\"fields\": [{\"name\": \"a\", \"type\": "
				   "\"integer\"}, {\"name\": \"b\"}]}"));
	const char *path = t_write_bytes("st.csv", csv, sizeof(csv) - 1);
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_validate_opts vo;
	struct mlg_validate_result r;
	struct mlg_profile p, q;
	struct mlg_schema s;
	char *text;

	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	T_EQ_INT(p.rows, 8);
	T_EQ_INT(p.long_rows, 2);
	T_EQ_INT(p.cols[0].not_utf8, 0);
	T_EQ_INT(p.cols[1].not_utf8, 3);
	T_EQ_INT(p.cols[1].count, 6); /* in count without a schema */
	text = dump(&p);
	T_CONTAINS(text, "\"rows\":8,\"long_rows\":2,");
	T_CONTAINS(text, "\"invalid\":0,\"not_utf8\":3,");
	T_EQ_INT(load_text(&q, text), 0);
	same_exact(&p, &q);
	free(text);
	mlg_profile_release(&q);
	o.chunk_rows = 1;
	o.threads = 2;
	T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
	same_exact(&p, &q);
	T_EQ_INT(mlg_profile_merge(&q, &p), 0);
	T_EQ_INT(q.long_rows, 4);
	T_EQ_INT(q.cols[1].not_utf8, 6);
	mlg_profile_release(&q);

	/* With a schema the cells are not cast, so not in count. */
	T_EQ_INT(mlg_schema_load(&s, schema), 0);
	free(schema);
	o = popts(0, 0);
	o.schema = &s;
	T_EQ_INT(mlg_profile_read(&q, path, &o), 0);
	T_EQ_INT(q.long_rows, 2);
	T_EQ_INT(q.cols[1].not_utf8, 3);
	T_EQ_INT(q.cols[1].count, 3);
	mlg_profile_release(&q);
	vo = vopts(&s, 1, 1);
	T_EQ_INT(mlg_validate(&r, path, &vo), 0);
	T_ASSERT(r.profile);
	T_EQ_INT(r.profile->long_rows, 2);
	T_EQ_INT(r.profile->cols[0].not_utf8, 0);
	T_EQ_INT(r.profile->cols[1].not_utf8, 3);
	mlg_validate_result_release(&r);
	mlg_schema_release(&s);
	mlg_profile_release(&p);

	/* None: neither member is written, and absent they read as 0. */
	path = t_write("ok.csv", "a,b\n1,x\n");
	o = popts(0, 0);
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	text = dump(&p);
	T_ASSERT(!strstr(text, "long_rows") && !strstr(text, "not_utf8"));
	free(text);
	mlg_profile_release(&p);
}

/* What a source holds, told by its first bytes; and a saved profile
 * loads whatever its size (a wide table's may pass 64 MiB). */
/* What mlg_profile_open() tells `src` (`jsonl` as it takes it): 0 a
 * saved profile, 1 data, or an error; what it opened is closed. */
static int told(const char *src, int jsonl)
{
	struct mlg_profile p;
	struct mlg_stream *st;
	int rc = mlg_profile_open(&p, src, 0, jsonl, &st);

	mlg_stream_close(st);
	mlg_profile_release(&p);
	return rc;
}

static void test_sniff_and_load(void)
{
	const char *path = t_write("k.csv", "x,c\n1,a\n2,b\n");
	struct mlg_profile_opts o = popts(0, 0);
	struct mlg_profile p, q;
	struct mlg_stream *st;
	size_t pad = (size_t)65 << 20, len;
	char *text, *big, buf[16];

	T_EQ_INT(told(path, 0), 1);
	T_EQ_INT(mlg_profile_load(&q, path, 0), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(),
		   "k.csv' is not a saved profile: it does not start with");
	T_EQ_INT(mlg_profile_read(&p, path, &o), 0);
	text = dump(&p);
	len = strlen(text);
	T_EQ_INT(told(t_write("k.json", text), 0), 0);
	T_EQ_INT(told(t_write("k.jsonl", "{\"x\": 1}\n"), 0), MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "k.jsonl' is not a saved profile");
	/* A first object open after 64 KiB: a profile with sorted members
	 * ("columns" first), or a long record of JSON Lines. */
	big = mlg_malloc(80000);
	memset(big, ' ', 80000);
	memcpy(big, "{\"columns\": [", 13);
	T_EQ_INT(told(t_write_bytes("sorted.json", big, 80000), 0),
		 MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "sorted.json': ");
	T_ASSERT(!strstr(mlg_error_message(), "not a saved profile"));
	memset(big, 'a', 80000);
	memcpy(big, "{\"id\": 1, \"s\": \"", 17);
	memcpy(big + 80000 - 3, "\"}\n", 3);
	T_EQ_INT(told(t_write_bytes("long.jsonl", big, 80000), 0),
		 MLG_EINVALID);
	T_CONTAINS(mlg_error_message(), "long.jsonl' is not a saved profile");
	T_EQ_INT(told(t_write_bytes("long.jsonl", big, 80000), 1), 1);
	free(big);
	/* What cannot be read is an error, not data: the reader that would
	 * follow is not to meet it again. */
	T_EQ_INT(told(t_write_bytes("t.json.gz", "\x1f\x8b\x08", 3), 1),
		 MLG_EIO);
	T_EQ_INT(mlg_profile_load(&q, "/nonexistent/k.json", 0), MLG_ENOTFOUND);
	/* Told and loaded in one opening: data is handed to its reader
	 * open at its start; stdin is left for the reader to open; a file
	 * that is not there is missing, whatever it would have been. */
	T_EQ_INT(mlg_profile_open(&q, "nonexistent/k.jsonl", 0, 1, &st),
		 MLG_ENOTFOUND);
	T_EQ_STR(
		mlg_error_message(),
		"cannot open 'nonexistent/k.jsonl': No such file or directory");
	T_ASSERT(!st);
	T_EQ_INT(mlg_profile_open(&q, t_write("k.csv", "x\n1\n"), 0, 0, &st),
		 1);
	T_EQ_INT(mlg_stream_read(st, buf, sizeof(buf)), 4);
	T_EQ_INT(memcmp(buf, "x\n1\n", 4), 0);
	mlg_stream_close(st);
	T_EQ_INT(mlg_profile_open(&q, "-", 0, 0, &st), 1);
	T_ASSERT(!st);
	T_EQ_INT(mlg_profile_open(&q, t_write("k.jsonl", "{\"x\": 1}\n"), 0, 1,
				  &st),
		 1);
	mlg_stream_close(st);
	T_EQ_INT(mlg_profile_open(&q, t_write("k.jsonl", "{\"x\": 1}\n"), 0, 0,
				  &st),
		 MLG_EINVALID);
	T_ASSERT(!st);
	T_CONTAINS(mlg_error_message(), "k.jsonl' is not a saved profile");
	T_EQ_INT(mlg_profile_open(&q, t_write("k.json", text), 0, 0, &st), 0);
	T_ASSERT(!st);
	same_exact(&p, &q);
	mlg_profile_release(&q);
	big = mlg_malloc(len + pad);
	memcpy(big, text, len);
	memset(big + len, '\n', pad);
	T_EQ_INT(mlg_profile_load(&q, t_write_bytes("big.json", big, len + pad),
				  0),
		 0);
	same_exact(&p, &q);
	mlg_profile_release(&q);
	free(big);
	free(text);
	mlg_profile_release(&p);
}

MLG_TESTS(T(test_types), T(test_candidates_equal_casts),
	  T(test_counts_and_stats), T(test_shards_merge_to_whole),
	  T(test_json_round_trip), T(test_write_pieces), T(test_json_errors),
	  T(test_merge_mismatch), T(test_bad_input), T(test_infer_validates),
	  T(test_infer_names), T(test_infer_int_enum), T(test_validate_profile),
	  T(test_sparkline), T(test_bin_shares), T(test_report_table),
	  T(test_read_with_schema), T(test_read_no_header),
	  T(test_candidates_of_casts), T(test_extreme_values),
	  T(test_read_schema_columns), T(test_read_jsonl),
	  T(test_merge_declared), T(test_threads_same_profile),
	  T(test_chunks_of_one_row), T(test_structure_counts),
	  T(test_sniff_and_load), T(test_load_broken));
