/*
 * scan_oracle.h - the column scan against the full check, for the fuzz
 * harnesses: mlg_field_scan() may settle a cell only as mlg_field_check()
 * does (valid with the same key word, or missing), and with `vals` it
 * gives the same verdict and keeps the check's very value. abort()
 * otherwise.
 */
#ifndef MLG_FUZZ_SCAN_ORACLE_H
#define MLG_FUZZ_SCAN_ORACLE_H

#include <stdlib.h>
#include <string.h>

#include "mlgate/csv.h"
#include "mlgate/schema.h"

/* `st` and `v`: what mlg_field_check() said of <s, len> for field k. */
static inline void scan_oracle(struct mlg_cast_ctx *ctx, size_t k,
			       const char *s, size_t len, enum mlg_cell st,
			       const struct mlg_value *v)
{
	struct mlg_csv_field f = {s, len, 0, 0};
	unsigned char verdict, again;
	uint64_t word = 0, word2 = 0;
	struct mlg_value kept;

	mlg_field_scan(ctx, k, &f, 1, 1, &verdict, &word, 5, NULL);
	if ((verdict == MLG_SCAN_OK &&
	     (st != MLG_CELL_OK || word != mlg_value_word(v, 5))) ||
	    (verdict == MLG_SCAN_NULL && st != MLG_CELL_NULL))
		abort();
	mlg_field_scan(ctx, k, &f, 1, 1, &again, &word2, 5, &kept);
	if (again != verdict ||
	    (verdict == MLG_SCAN_OK &&
	     (word2 != word || memcmp(&kept, v, sizeof(kept)))))
		abort();
}

#endif
