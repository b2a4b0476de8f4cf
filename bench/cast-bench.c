/*
 * cast-bench - time mlg_field_check() per column of a CSV table
 *
 *   cast-bench [--rows N] [--repeat R] SCHEMA CSV
 *
 * Reads the first N data rows of CSV (default 200000; RFC 4180 quoting,
 * one record per line) into memory, maps
 * its header to the fields of SCHEMA, then times mlg_field_check() on
 * every cell: column by column (ns per cell, per type) and row by row as
 * data-validate calls it (ns per row). Each timing is the best of R runs
 * (default 5); "spread" is (worst - best) / best, a measure of the noise.
 * The status counts let two builds be compared for identical verdicts.
 *
 * Built by hand, not by the Makefile:
 *   cc -O2 -Iinclude -D_GNU_SOURCE bench/cast-bench.c build/libmlgate.a \
 *     $(pkg-config --libs libcurl jansson libgit2 libarchive libcrypto \
 *     libpcre2-8) -lm -pthread
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/schema.h"
#include "mlgate/util.h"

struct cell {
	const char *ptr;
	size_t len;
};

/* Cells, back to back in a given order, so the timed loops stream. */
struct cells {
	char *bytes;
	size_t nbytes, cap;
	struct cell *cells;
	size_t n, alloc;
};

struct table {
	size_t ncols, nrows;
	int *field;	    /* per column: schema field or -1 */
	struct cells rows;  /* row by row */
	struct cells *cols; /* one per column */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void add_cell(struct cells *t, const char *p, size_t len)
{
	t->bytes = mlg_grow(t->bytes, 1, t->nbytes + len, &t->cap);
	t->cells = mlg_grow(t->cells, sizeof(*t->cells), t->n + 1, &t->alloc);
	memcpy(t->bytes + t->nbytes, p, len);
	/* An offset for now: bytes may move while it grows. */
	t->cells[t->n].ptr = (const char *)(uintptr_t)t->nbytes;
	t->cells[t->n].len = len;
	t->nbytes += len;
	t->n++;
}

static void fix_cells(struct cells *t)
{
	size_t k;

	for (k = 0; k < t->n; k++)
		t->cells[k].ptr = t->bytes + (uintptr_t)t->cells[k].ptr;
}

static void free_cells(struct cells *t)
{
	free(t->bytes);
	free(t->cells);
}

/*
 * One RFC 4180 record at *p (before end) into `rec`: quoted fields with
 * "" for a quote, LF or CRLF line ends. A plain parser of its own keeps
 * the bench apart from the CSV module. Returns the number of fields, 0 at
 * the end.
 */
static size_t next_record(struct mlg_buf *rec, struct cell *f, size_t max,
			  const char **p, const char *end)
{
	const char *s = *p;
	size_t n = 0;

	if (s >= end)
		return 0;
	mlg_buf_reset(rec);
	for (;;) {
		size_t start = rec->len;

		if (s < end && *s == '"') {
			for (s++; s < end; s++) {
				if (*s == '"' && (s + 1 >= end || s[1] != '"'))
					break;
				if (*s == '"')
					s++;
				mlg_buf_add(rec, s, 1);
			}
			s++;
		}
		while (s < end && *s != ',' && *s != '\n') {
			if (!(*s == '\r' && s + 1 < end && s[1] == '\n'))
				mlg_buf_add(rec, s, 1);
			s++;
		}
		if (n < max) {
			/* Offsets: rec may move while it grows. */
			f[n].ptr = (const char *)(uintptr_t)start;
			f[n].len = rec->len - start;
		}
		n++;
		if (s >= end || *s++ == '\n')
			break;
	}
	*p = s;
	return n;
}

enum { MAX_COLS = 1024 };

static int load_table(struct table *t, const struct mlg_schema *s,
		      const char *path, size_t max_rows)
{
	static struct cell f[MAX_COLS];
	struct mlg_buf data = MLG_BUF_INIT, rec = MLG_BUF_INIT;
	const char *p, *end;
	size_t c, n;
	int header = 1;

	if (mlg_file_read(&data, path, SIZE_MAX)) {
		fprintf(stderr, "cast-bench: %s\n", mlg_error_message());
		return -1;
	}
	p = data.ptr;
	end = p + data.len;
	while (t->nrows < max_rows &&
	       (n = next_record(&rec, f, MAX_COLS, &p, end))) {
		if (n > MAX_COLS) {
			fprintf(stderr, "cast-bench: more than %d columns\n",
				MAX_COLS);
			return -1;
		}
		for (c = 0; c < n; c++)
			f[c].ptr = rec.ptr + (uintptr_t)f[c].ptr;
		if (header) {
			t->ncols = n;
			t->field = mlg_calloc(n, sizeof(*t->field));
			t->cols = mlg_calloc(n, sizeof(*t->cols));
			for (c = 0; c < n; c++) {
				char *name = mlg_strndup(f[c].ptr, f[c].len);

				t->field[c] = mlg_schema_field_index(s, name);
				free(name);
			}
			header = 0;
			continue;
		}
		if (n != t->ncols) {
			fprintf(stderr, "cast-bench: row %zu has %zu cells\n",
				t->nrows + 1, n);
			return -1;
		}
		for (c = 0; c < n; c++) {
			add_cell(&t->rows, f[c].ptr, f[c].len);
			add_cell(&t->cols[c], f[c].ptr, f[c].len);
		}
		t->nrows++;
	}
	fix_cells(&t->rows);
	for (c = 0; c < t->ncols; c++)
		fix_cells(&t->cols[c]);
	mlg_buf_release(&rec);
	mlg_buf_release(&data);
	return 0;
}

/* Run one column (col >= 0) or every column row by row (col < 0). */
static double run(struct mlg_cast_ctx *ctx, const struct table *t, long col,
		  unsigned long counts[4])
{
	struct mlg_value v;
	const char *note;
	const struct cell *cell;
	size_t r, c;
	double t0 = now();

	if (col >= 0) {
		size_t fi = (size_t)t->field[col];

		cell = t->cols[col].cells;
		for (r = 0; r < t->nrows; r++)
			counts[mlg_field_check(ctx, fi, cell[r].ptr,
					       cell[r].len, &v, &note)]++;
		return now() - t0;
	}
	cell = t->rows.cells;
	for (r = 0; r < t->nrows; r++, cell += t->ncols)
		for (c = 0; c < t->ncols; c++)
			if (t->field[c] >= 0)
				counts[mlg_field_check(ctx, (size_t)t->field[c],
						       cell[c].ptr, cell[c].len,
						       &v, &note)]++;
	return now() - t0;
}

static void measure(struct mlg_cast_ctx *ctx, const struct table *t, long col,
		    int repeat, double per, const char *label, const char *type)
{
	unsigned long counts[4] = {0, 0, 0, 0};
	double best = 0, worst = 0, ns;
	int k;

	for (k = 0; k < repeat; k++) {
		ns = run(ctx, t, col, counts);
		if (!k || ns < best)
			best = ns;
		if (ns > worst)
			worst = ns;
	}
	printf("%-12s %-9s %8.1f %7.0f%% %9lu %6lu %6lu %6lu\n", label, type,
	       best / per, (worst - best) / best * 100, counts[0] / repeat,
	       counts[1] / repeat, counts[2] / repeat, counts[3] / repeat);
}

int main(int argc, char **argv)
{
	struct mlg_schema s;
	struct mlg_cast_ctx *ctx;
	struct table t = {0};
	size_t rows = 200000, c;
	int repeat = 5, k = 1;

	for (; k + 1 < argc && !strncmp(argv[k], "--", 2); k += 2) {
		if (!strcmp(argv[k], "--rows"))
			rows = strtoul(argv[k + 1], NULL, 10);
		else if (!strcmp(argv[k], "--repeat"))
			repeat = atoi(argv[k + 1]);
		else
			break;
	}
	if (argc - k != 2 || !rows || repeat < 1) {
		fprintf(stderr, "usage: cast-bench [--rows N] [--repeat R] "
				"SCHEMA CSV\n");
		return 2;
	}
	if (mlg_schema_load(&s, argv[k]) || mlg_cast_ctx_init(&ctx, &s)) {
		fprintf(stderr, "cast-bench: %s\n", mlg_error_message());
		return 2;
	}
	if (load_table(&t, &s, argv[k + 1], rows) || !t.nrows)
		return 3;
	printf("%zu rows, %zu columns, best of %d\n", t.nrows, t.ncols, repeat);
	printf("%-12s %-9s %8s %8s %9s %6s %6s %6s\n", "column", "type",
	       "ns/cell", "spread", "ok", "null", "type", "constr");
	for (c = 0; c < t.ncols; c++) {
		if (t.field[c] < 0)
			continue;
		measure(ctx, &t, (long)c, repeat, (double)t.nrows,
			s.fields[t.field[c]].name,
			mlg_ftype_name(s.fields[t.field[c]].type));
	}
	printf("%-12s %-9s %8s\n", "", "", "ns/row");
	measure(ctx, &t, -1, repeat, (double)t.nrows, "all (rows)", "");
	mlg_cast_ctx_free(ctx);
	mlg_schema_release(&s);
	free_cells(&t.rows);
	for (c = 0; c < t.ncols; c++)
		free_cells(&t.cols[c]);
	free(t.cols);
	free(t.field);
	return 0;
}
