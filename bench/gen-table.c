/*
 * gen-table - write the data-validate benchmark table as CSV on stdout
 *
 *   gen-table [--scatter] [ROWS]        ROWS defaults to 10000000
 *
 * The output depends only on ROWS: a fixed-seed PRNG drives every cell, so
 * two runs give the same bytes and a row's content does not depend on
 * ROWS (the first 1000 rows of a 1M file are those of a 10M file). The
 * columns and their ranges are those of bench/schema.json, against which
 * the table is valid; bench/README.md describes them.
 *
 * --scatter changes the id column alone: the ids are still 1..ROWS, each
 * once, but in an order that jumps about (row i gets 1 + (i - 1) * K mod
 * ROWS, K about ROWS / 1.618 and prime to ROWS), as a hashed or random
 * key would be.
 * The file has the same bytes per row, so the same size.
 *
 * Standalone on purpose (no libmlgate): run.sh builds it with a plain
 * `cc -O2`. Cells are formatted by hand into a large buffer because
 * printf would make generation, not the validators, the slow part.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROWS 10000000ULL
#define MAX_ROWS     1000000000000ULL
#define BUF_SIZE     (1 << 20)
#define ROW_MAX	     512 /* far above the longest row; checked by flush */

/* Vocabularies. Names and words hold some non-ASCII UTF-8 on purpose. */
static const char *const countries[] = {"US", "GB", "DE", "FR", "ES",
					"IT", "NL", "SE", "PL", "JP"};
static const char *const skus[] = {"AB-101", "AB-102", "AB-205", "CD-310",
				   "CD-311", "EF-420", "EF-421", "GH-530",
				   "GH-531", "JK-640", "JK-641", "LM-750"};
static const char *const firsts[] = {
	"Anna", "Ben", "Chloé", "David", "Emma", "Finn", "Grace", "Hugo",
	"Iris", "Jan", "Kenji", "Lea",	 "Mia",	 "Noah", "Olga",  "Zoë"};
static const char *const lasts[] = {"Smith", "Berg",   "Müller", "Garcia",
				    "Kim",   "Novak",  "Rossi",	 "Dubois",
				    "Sato",  "Jansen", "Silva",	 "Nowak",
				    "Brown", "Lund",   "Weber",	 "Ødegård"};
static const char *const words[] = {
	"fast",	 "slow",  "good",   "bad",    "late",	"new",	"old",
	"price", "box",	  "item",   "order",  "refund", "ship", "great",
	"ok",	 "again", "thanks", "broken", "works",	"nice", "café",
	"size",	 "color", "buy",    "return", "wrong",	"fine", "help",
	"love",	 "poor",  "cheap",  "gift"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 2000-01-01..2025-12-31: 26 years, 7 of them leap (2000 is one). */
#define NDATES 9497
static char dates[NDATES][10];

static uint64_t state = 0x6d6c67617465ULL; /* fixed seed: "mlgate" */

/* splitmix64: tiny, fast and good enough for test data. */
static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n < 2^32, by multiply-shift instead of a division. */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((next() >> 32) * (uint64_t)n) >> 32);
}

static void fill_dates(void)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int i = 0;

	for (int y = 2000; y <= 2025; y++) {
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (int m = 1; m <= 12; m++) {
			int n = mdays[m - 1] + (m == 2 && leap);

			for (int d = 1; d <= n; d++) {
				char *p = dates[i++];

				p[0] = (char)('0' + y / 1000);
				p[1] = (char)('0' + y / 100 % 10);
				p[2] = (char)('0' + y / 10 % 10);
				p[3] = (char)('0' + y % 10);
				p[4] = '-';
				p[5] = (char)('0' + m / 10);
				p[6] = (char)('0' + m % 10);
				p[7] = '-';
				p[8] = (char)('0' + d / 10);
				p[9] = (char)('0' + d % 10);
			}
		}
	}
	if (i != NDATES)
		abort();
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* v / 10^decimals, with exactly `decimals` digits after the point. */
static char *put_fixed(char *p, uint64_t v, int decimals)
{
	char tmp[24];
	int n = 0;

	for (int i = 0; i < decimals; i++) {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	}
	tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_row(char *p, uint64_t id)
{
	int64_t score;

	p = put_u64(p, id);
	*p++ = ',';
	p = put_u64(p, below(121)); /* age 0..120 */
	*p++ = ',';
	p = put_fixed(p, below(1000000), 2); /* price 0.00..9999.99 */
	*p++ = ',';
	/* score -1000.000000..1000.000000, both ends included */
	score = (int64_t)below(2000000001) - 1000000000;
	if (score < 0)
		*p++ = '-';
	p = put_fixed(p, (uint64_t)(score < 0 ? -score : score), 6);
	*p++ = ',';
	p = put_str(p, countries[below(COUNT(countries))]);
	*p++ = ',';
	p = put_str(p, skus[below(COUNT(skus))]);
	*p++ = ',';
	/* name: "Last, First" (quoted, with a comma) in 10% of rows */
	if (below(10) == 0) {
		*p++ = '"';
		p = put_str(p, lasts[below(COUNT(lasts))]);
		*p++ = ',';
		*p++ = ' ';
		p = put_str(p, firsts[below(COUNT(firsts))]);
		*p++ = '"';
	} else {
		p = put_str(p, firsts[below(COUNT(firsts))]);
		*p++ = ' ';
		p = put_str(p, lasts[below(COUNT(lasts))]);
	}
	*p++ = ',';
	p = put_str(p, below(2) ? "true" : "false");
	*p++ = ',';
	memcpy(p, dates[below(NDATES)], 10);
	p += 10;
	*p++ = ',';
	/* referrals: empty in 2% of rows, else 0..99 */
	if (below(50) != 0)
		p = put_u64(p, below(100));
	*p++ = ',';
	/* comment: 1..3 words */
	for (uint32_t i = 0, n = 1 + below(3); i < n; i++) {
		if (i)
			*p++ = ' ';
		p = put_str(p, words[below(COUNT(words))]);
	}
	*p++ = ',';
	p = put_fixed(p, 10 + below(41), 1); /* rating 1.0..5.0 */
	*p++ = '\n';
	return p;
}

static int flush(const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len) {
		fprintf(stderr, "gen-table: write error: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The id of row `i` under --scatter: a permutation of 1..rows, as
 * `step` is prime to `rows`. */
static uint64_t scattered(uint64_t i, uint64_t step, uint64_t rows)
{
	return 1 + (uint64_t)((unsigned __int128)(i - 1) * step % rows);
}

int main(int argc, char **argv)
{
	static const char header[] = "id,age,price,score,country,sku,name,"
				     "active,signup_date,referrals,comment,"
				     "rating\n";
	static char buf[BUF_SIZE];
	uint64_t rows = DEFAULT_ROWS, step = 1;
	int scatter = argc > 1 && !strcmp(argv[1], "--scatter");
	char *p = buf;

	argc -= scatter;
	argv += scatter;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: gen-table [--scatter] [ROWS]\n");
		return 2;
	}
	if (argc == 2) {
		char *end;

		errno = 0;
		rows = strtoull(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || rows > MAX_ROWS) {
			fprintf(stderr, "gen-table: invalid row count '%s'\n",
				argv[1]);
			return 2;
		}
	}
	/* About rows / 1.618: neighbours land far apart. */
	for (step = rows - (uint64_t)((double)rows / 1.6180339887);
	     gcd(step, rows) > 1;)
		step++;
	fill_dates();
	p = put_str(p, header);
	for (uint64_t id = 1; id <= rows; id++) {
		if (p - buf > BUF_SIZE - ROW_MAX) {
			if (flush(buf, (size_t)(p - buf)))
				return 1;
			p = buf;
		}
		p = put_row(p, scatter ? scattered(id, step, rows) : id);
	}
	if (flush(buf, (size_t)(p - buf)))
		return 1;
	if (fflush(stdout)) {
		fprintf(stderr, "gen-table: write error: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}
