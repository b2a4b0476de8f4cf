/*
 * fpset.h - sets of 64-bit fingerprints under a memory budget
 *
 * The one structure whose size grows with the data: unique keys,
 * duplicate rows and key overlap remember a fingerprint (and the row
 * that first held it) per distinct value, 16 bytes at a load factor of
 * at most 3/4, in an open-addressing table that doubles, or grows at once
 * to the size a caller expects (on huge pages, when large, where the
 * kernel offers them). Integers that ascend, the usual ids, are kept as
 * runs instead, in a few bytes; integers in no order that span about as
 * many values as are expected (shuffled ids), as an array of rows
 * indexed by the integer, 8 bytes each. Integers never collide.
 *
 * Other values collide with probability about n^2 / 2^65: for 10^8
 * values, 3e-4. A collision can report a false duplicate, never hide a
 * real one.
 */
#ifndef MLGATE_FPSET_H
#define MLGATE_FPSET_H

#include <stddef.h>
#include <stdint.h>

#include "mlgate/util.h"

/* A fingerprint (0: free) and its first row, side by side: an insert
 * then touches one cache line, not two. */
struct mlg_fp_slot {
	uint64_t key, row;
};

/* Integers v0, v0 + step, ..., last, first held at consecutive rows, the
 * last at `row` (step 0: v0 alone). */
struct mlg_fp_run {
	int64_t v0, last;
	uint64_t step, row;
};

struct mlg_fpset {
	struct mlg_fp_slot *slots;
	size_t mask, n;
	uint64_t zero_row; /* the row of key 0 (0 marks a free slot), or 0 */
	/* mlg_fpset_add_int() only: the runs in ascending order, the
	 * values they hold, the largest integer held, in a run or in the
	 * table; `noruns` once runs stopped paying and went to the table */
	struct mlg_fp_run *runs;
	size_t nruns, aruns;
	uint64_t inruns;
	int64_t top;
	int noruns;
	uint64_t expect; /* mlg_fpset_expect() */
	/* integers only, once the table went over to it: the row of
	 * integer v at dense[(uint64_t)v - base] if below ndense (0: not
	 * held), and how many are held there */
	uint64_t *dense;
	uint64_t base, ndense, held;
	size_t sparse; /* the table's mask when the array was refused */
	int nodense;   /* the array went back to the table: no more */
};

/*
 * Insert `fp` first seen at `row`: returns 0 when it is new, the row that
 * held it first when it is not, or MLG_ELIMIT when growing would take
 * more than `*budget` bytes (the budget is shared between sets: what a
 * set takes is subtracted from it).
 */
int64_t mlg_fpset_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
		      size_t *budget);

/* The table key of the integer `v`: a bijection, so two integers never
 * collide. */
static inline uint64_t mlg_fpset_int_key(int64_t v)
{
	return mlg_mix64((uint64_t)v);
}

/*
 * mlg_fpset_add() for a set of integers, exact. Values above all held so
 * far, at consecutive rows, extend a run in O(1) and take no memory, so
 * ids that ascend (1, 2, 3, ... or any fixed step) cost a compare; others
 * go to the table, and once the table holds four times what the runs do,
 * the runs join it. When that table is full, the set expects a count
 * (mlg_fpset_expect()) and the values held span at most about twice as
 * many integers, their rows move to an array over that span and 1/16 of
 * it each side, which takes every value in it from then on; the others
 * go to a table beside it, and when that one cannot grow, both go back
 * into one table, of the size a set told nothing would have. `key` is
 * mlg_fpset_int_key(v), which a caller can work out ahead, on another
 * thread. A set takes only mlg_fpset_add_int() or only mlg_fpset_add().
 * Rows start at 1.
 */
int64_t mlg_fpset_add_int(struct mlg_fpset *s, int64_t v, uint64_t key,
			  uint64_t row, size_t *budget);

/*
 * mlg_fpset_add_int() of the `n` integers v0, v0 + step, ... (step > 0,
 * no wrap) at rows row, row + 1, ..., in O(1) when they are all above
 * every value held, so new: returns 1 then, 0 (having changed nothing)
 * when they must be added one by one, or MLG_ELIMIT. For a worker that
 * found a run of ids in its chunk.
 */
int mlg_fpset_add_int_run(struct mlg_fpset *s, int64_t v0, uint64_t step,
			  uint64_t n, uint64_t row, size_t *budget);

/*
 * Say how many values the table is likely to hold in the end (0: no
 * idea, the default). Its next growth then goes straight to a size that
 * holds them, where the budget allows, rather than doubling step by step:
 * each doubling zeroes a new table and moves every value, which for a
 * large set of scattered keys costs more than the inserts themselves.
 * May be called again as the estimate improves; only growth reads it.
 * A set that has the budget to itself then holds whatever it would hold
 * told nothing (and sometimes more); sets that share a budget should not
 * be told, as one that grows ahead of its needs takes what the others
 * may need.
 */
static inline void mlg_fpset_expect(struct mlg_fpset *s, uint64_t n)
{
	s->expect = n;
}

/* mlg_fpset_expect() of `scale` times the values the table holds now,
 * having seen about 1/scale of the data; none past 10^15 (or NaN). */
static inline void mlg_fpset_expect_scaled(struct mlg_fpset *s, double scale)
{
	double e = (double)s->n * scale;

	mlg_fpset_expect(s, e < 1e15 ? (uint64_t)e : 0);
}

/* Hint that `fp` (or an integer's key) will be added or looked up soon:
 * a table larger than the caches costs a memory round trip per value
 * otherwise. */
static inline void mlg_fpset_prefetch(const struct mlg_fpset *s, uint64_t fp)
{
	if (s->mask)
		__builtin_prefetch(&s->slots[fp & s->mask]);
}

/* mlg_fpset_prefetch() for the integer `v` of mlg_fpset_add_int(). */
static inline void mlg_fpset_prefetch_int(const struct mlg_fpset *s, int64_t v,
					  uint64_t key)
{
	uint64_t i = (uint64_t)v - s->base;

	if (i < s->ndense)
		__builtin_prefetch(&s->dense[i]);
	else
		mlg_fpset_prefetch(s, key);
}

/* 1 when `fp` is in the set. */
int mlg_fpset_has(const struct mlg_fpset *s, uint64_t fp);
void mlg_fpset_release(struct mlg_fpset *s);

#endif
