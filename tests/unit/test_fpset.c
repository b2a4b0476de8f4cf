/* test_fpset.c - fingerprint sets under a memory budget */
#include <stdint.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/fpset.h"
#include "test.h"

/* New values give 0, a repeat gives the row that held it first. */
static void test_add_has(void)
{
	struct mlg_fpset s = {0};
	size_t budget = 1 << 20;

	T_EQ_INT(mlg_fpset_has(&s, 7), 0);
	T_EQ_INT(mlg_fpset_add(&s, 7, 10, &budget), 0);
	T_EQ_INT(mlg_fpset_add(&s, 8, 11, &budget), 0);
	T_EQ_INT(mlg_fpset_add(&s, 7, 12, &budget), 10);
	T_EQ_INT(mlg_fpset_add(&s, 8, 13, &budget), 11);
	T_EQ_INT(mlg_fpset_has(&s, 7), 1);
	T_EQ_INT(mlg_fpset_has(&s, 9), 0);
	/* 0 marks a free slot: the set keeps it aside, apart from 1 */
	T_EQ_INT(mlg_fpset_has(&s, 0), 0);
	T_EQ_INT(mlg_fpset_add(&s, 0, 14, &budget), 0);
	T_EQ_INT(mlg_fpset_add(&s, 1, 15, &budget), 0);
	T_EQ_INT(mlg_fpset_add(&s, 0, 16, &budget), 14);
	T_EQ_INT(mlg_fpset_add(&s, 1, 17, &budget), 15);
	T_EQ_INT(mlg_fpset_has(&s, 0), 1);
	T_EQ_INT(mlg_fpset_has(&s, 1), 1);
	T_EQ_INT(s.n, 3);
	/* the first table: 1024 slots of 16 bytes, taken from the budget */
	T_EQ_INT(budget, (1 << 20) - 1024 * 16);
	mlg_fpset_release(&s);
	T_EQ_INT(s.n, 0);
	T_EQ_INT(mlg_fpset_has(&s, 7), 0);
}

/*
 * 300,000 values, keys chosen to collide in the low bits (multiples of
 * 4096), through every doubling up to a table of 8 MiB (huge pages where
 * the kernel has them): each is found, and each repeat names its row.
 */
static void test_growth(void)
{
	struct mlg_fpset s = {0};
	size_t budget = (size_t)64 << 20, i, n = 300000, bad = 0;

	for (i = 0; i < n; i++)
		if (mlg_fpset_add(&s, (uint64_t)(i + 1) << 12, i + 1, &budget))
			bad++;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.n, n);
	T_EQ_INT(s.mask + 1, 524288);
	/* 524288 slots now; the smaller tables were given back */
	T_EQ_INT(budget, ((size_t)64 << 20) - 524288 * 16);
	for (i = 0; i < n; i++)
		if (mlg_fpset_add(&s, (uint64_t)(i + 1) << 12, 0, &budget) !=
		    (int64_t)(i + 1))
			bad++;
	T_EQ_INT(bad, 0);
	T_EQ_INT(mlg_fpset_has(&s, (uint64_t)(n + 1) << 12), 0);
	mlg_fpset_release(&s);
}

/* Growing past the budget fails, and the set stays as it was. */
static void test_budget(void)
{
	struct mlg_fpset s = {0};
	size_t budget = 40000, i;
	int64_t rc = 0;

	for (i = 0; i < 2000 && !rc; i++)
		rc = mlg_fpset_add(&s, i + 1, i + 1, &budget);
	/* 1024 slots hold 768; 2048 slots (32 KiB) fit; 4096 do not */
	T_EQ_INT(rc, MLG_ELIMIT);
	T_EQ_INT(i, 1537);
	T_EQ_STR(mlg_error_message(),
		 "fingerprint sets need more than the memory allowed (1 MiB; "
		 "raise --unique-memory)");
	T_EQ_INT(s.n, 1536);
	T_EQ_INT(mlg_fpset_add(&s, 5, 0, &budget), 5);
	mlg_fpset_release(&s);
	budget = 100;
	T_EQ_INT(mlg_fpset_add(&s, 1, 1, &budget), MLG_ELIMIT);
	T_EQ_INT(s.n, 0);
	mlg_fpset_release(&s);
}

/*
 * A set told what to expect grows once, straight to a table that holds
 * it with 1/16 to spare: 96,000 values and 6,000 spare, at most 3/4
 * full, take 262,144 slots (131,072 hold 98,304). What fits in a budget does not change: a budget too
 * small for the expectation still takes its values up to the same
 * table as doubling reaches.
 */
static void test_expect(void)
{
	struct mlg_fpset s = {0}, d = {0};
	size_t budget = (size_t)64 << 20, dbudget = 1 << 20, i, bad = 0;
	int64_t rc = 0, drc = 0;

	mlg_fpset_expect(&s, 96000);
	T_EQ_INT(mlg_fpset_add(&s, 1, 1, &budget), 0);
	T_EQ_INT(s.mask + 1, 262144);
	T_EQ_INT(budget, ((size_t)64 << 20) - 262144 * 16);
	for (i = 2; i <= 196608; i++)
		bad += mlg_fpset_add(&s, (uint64_t)i << 12, i, &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.mask + 1, 262144); /* 3/4 full, not grown again */
	T_EQ_INT(mlg_fpset_add(&s, 1, 0, &budget), 1);
	T_EQ_INT(mlg_fpset_add(&s, 2 << 12, 0, &budget), 2);
	T_EQ_INT(mlg_fpset_add(&s, (uint64_t)196608 << 12, 0, &budget), 196608);
	T_EQ_INT(mlg_fpset_add(&s, (uint64_t)196609 << 12, 1, &budget), 0);
	T_EQ_INT(s.mask + 1, 524288); /* past it: doubling again */
	mlg_fpset_release(&s);

	/* 1 MiB holds 65,536 slots: 49,152 values either way */
	budget = 1 << 20;
	mlg_fpset_expect(&s, 96000);
	for (i = 1; !rc && !drc && i < 100000; i++) {
		rc = mlg_fpset_add(&s, i, i, &budget);
		drc = mlg_fpset_add(&d, i, i, &dbudget);
	}
	T_EQ_INT(rc, MLG_ELIMIT);
	T_EQ_INT(drc, MLG_ELIMIT);
	T_EQ_INT(s.n, 49152);
	T_EQ_INT(d.n, 49152);
	T_EQ_INT(s.mask + 1, 65536);
	T_EQ_INT(d.mask + 1, 65536);
	T_EQ_INT(budget, 0);
	T_EQ_INT(dbudget, 0);
	mlg_fpset_release(&s);
	mlg_fpset_release(&d);
}

static int64_t add_int(struct mlg_fpset *s, int64_t v, uint64_t row,
		       size_t *budget)
{
	return mlg_fpset_add_int(s, v, mlg_fpset_int_key(v), row, budget);
}

/* Ascending integers at consecutive rows are runs: no table at all. */
static void test_int_runs(void)
{
	struct mlg_fpset s = {0};
	size_t budget = 1 << 20;
	int64_t v, bad = 0;

	for (v = 1; v <= 100000; v++)
		bad += add_int(&s, v, (uint64_t)v + 1, &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.n, 0);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(budget, (1 << 20) - 8 * 32); /* room for 8 runs */
	T_EQ_INT(add_int(&s, 1, 0, &budget), 2);
	T_EQ_INT(add_int(&s, 54321, 0, &budget), 54322);
	T_EQ_INT(add_int(&s, 100000, 0, &budget), 100001);
	/* below the run but not in it, then in the table */
	T_EQ_INT(add_int(&s, -5, 200000, &budget), 0);
	T_EQ_INT(s.n, 1);
	T_EQ_INT(add_int(&s, -5, 200001, &budget), 200000);
	/* 0 would be a free slot in the table: it is kept aside */
	T_EQ_INT(add_int(&s, 0, 200002, &budget), 0);
	T_EQ_INT(add_int(&s, 0, 200003, &budget), 200002);
	T_EQ_INT(s.n, 1);
	mlg_fpset_release(&s);

	/* A fixed step is a run too; what falls between is not in it. */
	for (v = 0; v < 1000; v++)
		bad += add_int(&s, INT64_MIN + 7 * v, (uint64_t)v + 10,
			       &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(add_int(&s, INT64_MIN + 7 * 999, 0, &budget), 1009);
	T_EQ_INT(add_int(&s, INT64_MIN + 3, 2000, &budget), 0);
	T_EQ_INT(add_int(&s, INT64_MIN + 3, 2001, &budget), 2000);
	/* a row skipped (a row whose id was an error) starts a new run */
	T_EQ_INT(add_int(&s, INT64_MAX - 1, 3000, &budget), 0);
	T_EQ_INT(add_int(&s, INT64_MAX, 3002, &budget), 0);
	T_EQ_INT(s.nruns, 2); /* the run of one before it went to the table */
	T_EQ_INT(s.n, 2);
	T_EQ_INT(add_int(&s, INT64_MAX, 0, &budget), 3002);
	T_EQ_INT(add_int(&s, INT64_MAX - 1, 0, &budget), 3000);
	mlg_fpset_release(&s);
}

/* A run shorter than 4 moves to the table when the next one starts:
 * values that only rise, far apart, cost table slots, not runs. */
static void test_int_short_runs(void)
{
	struct mlg_fpset s = {0};
	size_t budget = 1 << 20;

	T_EQ_INT(add_int(&s, 10, 2, &budget), 0);
	T_EQ_INT(add_int(&s, 20, 3, &budget), 0);
	/* not the step of 10, 20: those two go to the table */
	T_EQ_INT(add_int(&s, 21, 4, &budget), 0);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(s.n, 2);
	T_EQ_INT(add_int(&s, 22, 5, &budget), 0);
	T_EQ_INT(add_int(&s, 23, 6, &budget), 0);
	T_EQ_INT(add_int(&s, 24, 7, &budget), 0);
	T_EQ_INT(add_int(&s, 99, 9, &budget), 0);
	T_EQ_INT(s.nruns, 2); /* 21..24 stays a run */
	T_EQ_INT(s.n, 2);
	T_EQ_INT(add_int(&s, 10, 0, &budget), 2);
	T_EQ_INT(add_int(&s, 20, 0, &budget), 3);
	T_EQ_INT(add_int(&s, 23, 0, &budget), 6);
	T_EQ_INT(add_int(&s, 99, 0, &budget), 9);
	T_EQ_INT(add_int(&s, 25, 10, &budget), 0);
	mlg_fpset_release(&s);
	/* the runs' array counts against the budget too */
	budget = 100;
	T_EQ_INT(add_int(&s, 1, 1, &budget), MLG_ELIMIT);
	mlg_fpset_release(&s);
}

/*
 * 200,000 integers in runs, steps, gaps, skipped rows, jumps back and
 * repeats: every answer is the one a plain table of the integers gives.
 */
static void test_int_random(void)
{
	struct mlg_fpset s = {0}, ref = {0};
	size_t budget = (size_t)64 << 20, rbudget = budget, i;
	uint64_t x = 88172645463325252ULL, row = 1;
	int64_t v = 1000, step = 1, bad = 0, got, want;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (x % 16) {
		case 0: /* a new step */
			step = (int64_t)(x >> 40) % 5 + 1;
			break;
		case 1: /* back to an earlier value, or near it */
			v -= (int64_t)(x >> 44) % 5000;
			break;
		case 2: /* a jump ahead */
			v += (int64_t)(x >> 50);
			break;
		case 3: /* a row with no value */
			row++;
			break;
		}
		v += step;
		row++;
		got = add_int(&s, v, row, &budget);
		want = mlg_fpset_add(&ref, mlg_mix64((uint64_t)v), row,
				     &rbudget);
		bad += got != want;
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(s.nruns > 100);
	T_ASSERT(s.n < ref.n);
	mlg_fpset_release(&s);
	mlg_fpset_release(&ref);
}

/*
 * The table cannot grow while a short run moves into it: the run keeps
 * what did not move, so every value is still found once, at its row.
 */
static void test_int_budget_midway(void)
{
	struct mlg_fpset s = {0};
	size_t budget = 8 * 32 + 1024 * 16 + 1000;
	int64_t v, bad = 0;

	T_EQ_INT(add_int(&s, 1000000, 1, &budget), 0);
	for (v = 1; v <= 766; v++) /* below the top: the table */
		bad += add_int(&s, v, (uint64_t)(2 * v + 1), &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(add_int(&s, 2000000, 2000, &budget), 0); /* 1000000 moves */
	T_EQ_INT(add_int(&s, 2000001, 2001, &budget), 0);
	T_EQ_INT(add_int(&s, 2000002, 2002, &budget), 0);
	T_EQ_INT(s.n, 767);
	/* 2000000 fills the 1024 slots to 3/4; 2000001 finds no room */
	T_EQ_INT(add_int(&s, 3000000, 3000, &budget), MLG_ELIMIT);
	T_EQ_INT(s.n, 768);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(add_int(&s, 3000001, 4000, &budget), MLG_ELIMIT);
	T_EQ_INT(add_int(&s, 2000000, 0, &budget), 2000);
	T_EQ_INT(add_int(&s, 2000001, 0, &budget), 2001);
	T_EQ_INT(add_int(&s, 2000002, 0, &budget), 2002);
	T_EQ_INT(add_int(&s, 1000000, 0, &budget), 1);
	T_EQ_INT(add_int(&s, 5, 0, &budget), 11);
	mlg_fpset_release(&s);

	/* A step of 2^63 from below 0: the values are worked out unsigned */
	budget = 1 << 20;
	T_EQ_INT(add_int(&s, -10, 1, &budget), 0);
	T_EQ_INT(add_int(&s, INT64_MAX - 9, 2, &budget), 0);
	T_EQ_INT(add_int(&s, INT64_MAX, 5, &budget), 0); /* both move */
	T_EQ_INT(s.n, 2);
	T_EQ_INT(add_int(&s, -10, 0, &budget), 1);
	T_EQ_INT(add_int(&s, INT64_MAX - 9, 0, &budget), 2);
	mlg_fpset_release(&s);
}

/* Ids in no order: once the table holds four times what the runs do
 * (and 1024 more), the runs join it and no more are made. */
static void test_int_scattered(void)
{
	struct mlg_fpset s = {0};
	size_t budget = (size_t)64 << 20;
	int64_t i, n = 100000, bad = 0;

	for (i = 0; i < n; i++)
		bad += add_int(&s, 1 + i * 61803 % n, (uint64_t)i + 2,
			       &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.noruns, 1);
	T_EQ_INT(s.nruns, 0);
	T_EQ_INT(s.n, n);
	/* the table alone counts against the budget: the runs gave theirs */
	T_EQ_INT(s.mask + 1, 262144);
	T_EQ_INT(budget, ((size_t)64 << 20) - 262144 * 16);
	for (i = 0; i < n; i++)
		bad += add_int(&s, 1 + i * 61803 % n, 0, &budget) != i + 2;
	T_EQ_INT(bad, 0);
	T_EQ_INT(add_int(&s, n + 1, 1, &budget), 0);
	T_EQ_INT(s.n, n + 1);
	mlg_fpset_release(&s);
}

/*
 * Ids in no order over a range about as wide as their count, as in a
 * shuffled table: once the set expects them and its table is full, the
 * rows go to an array indexed by the id. 100,000 ids, a permutation of
 * 0 .. 99,999 at rows 2 .., the expectation given after 20,000 as
 * validation gives it after its first chunk: at the 24,578th the table
 * of 32,768 slots is full (0 is kept aside); the ids held span 0 ..
 * 99,998, so the array runs from -6,249 to 106,247 (1/16 of the span
 * to spare each side). Every answer is the one a plain table gives; ids outside the
 * array go to a table that starts again.
 */
static void test_int_dense(void)
{
	struct mlg_fpset s = {0}, ref = {0};
	size_t budget = (size_t)64 << 20, rbudget = budget;
	int64_t i, n = 100000, bad = 0, v;
	static const int64_t outside[] = {-6250, 106248, INT64_MIN, INT64_MAX};

	for (i = 0; i < n; i++) {
		v = i * 61803 % n;
		if (i == 20000)
			mlg_fpset_expect(&s, (uint64_t)n);
		if (i == 24577)
			T_ASSERT(!s.dense);
		bad += add_int(&s, v, (uint64_t)i + 2, &budget) !=
		       mlg_fpset_add(&ref, mlg_mix64((uint64_t)v),
				     (uint64_t)i + 2, &rbudget);
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(s.dense != NULL);
	T_EQ_INT((int64_t)s.base, -6249);
	T_EQ_INT(s.ndense, 112497);
	T_EQ_INT(s.held, n);
	T_EQ_INT(s.n, 0);
	T_EQ_INT(s.mask, 0); /* the table was given back */
	T_EQ_INT(budget, ((size_t)64 << 20) - 112497 * 8);
	for (i = 0; i < n; i++)
		bad += add_int(&s, i * 61803 % n, 0, &budget) != i + 2;
	T_EQ_INT(bad, 0);
	T_EQ_INT(mlg_fpset_has(&s, mlg_fpset_int_key(99999)), 1);
	T_EQ_INT(mlg_fpset_has(&s, mlg_fpset_int_key(-6249)), 0);
	T_EQ_INT(add_int(&s, -6249, 300000, &budget), 0);
	T_EQ_INT(add_int(&s, 106247, 300001, &budget), 0);
	T_EQ_INT(mlg_fpset_has(&s, mlg_fpset_int_key(-6249)), 1);
	T_EQ_INT(s.mask, 0);
	for (i = 0; i < 4; i++)
		T_EQ_INT(add_int(&s, outside[i], 400000 + (uint64_t)i, &budget),
			 0);
	T_EQ_INT(s.n, 4);
	T_EQ_INT(s.mask + 1, 1024);
	for (i = 0; i < 4; i++)
		T_EQ_INT(add_int(&s, outside[i], 0, &budget), 400000 + i);
	T_EQ_INT(mlg_fpset_has(&s, mlg_fpset_int_key(INT64_MIN)), 1);
	T_EQ_INT(add_int(&s, -6249, 0, &budget), 300000);
	T_EQ_INT(add_int(&s, 106247, 0, &budget), 300001);
	T_EQ_INT(add_int(&s, 0, 0, &budget), 2);
	mlg_fpset_release(&s);
	mlg_fpset_release(&ref);
}

/*
 * While a set of integers keeps runs, its table does not grow ahead:
 * the runs may need the budget. 8 runs of 1,000 ids, 1,600 ids below
 * them in the table, in a budget of 512 KiB and 356 bytes: a table that
 * jumped to 32,768 slots would leave too little for the 9th run.
 */
static void test_int_expect_runs(void)
{
	struct mlg_fpset s = {0};
	size_t budget = (512 << 10) + 356;
	uint64_t row = 1;
	int64_t r, v, bad = 0;

	mlg_fpset_expect(&s, 1000000000);
	for (r = 0; r < 8; r++, row++) /* a row between runs */
		for (v = 0; v < 1000; v++)
			bad += add_int(&s, 1000000 * (r + 1) + v, row++,
				       &budget) != 0;
	for (v = 0; v < 1600; v++)
		bad += add_int(&s, -v, row++, &budget) != 0;
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.nruns, 8);
	T_EQ_INT(s.mask + 1, 4096);
	T_EQ_INT(add_int(&s, 100000000, row + 1, &budget), 0);
	T_EQ_INT(s.nruns, 9);
	mlg_fpset_release(&s);
}

/*
 * The array never refuses what a table alone holds. 1,800 ids in no
 * order over 0 .. 2,999 go to an array of 3,374 rows (27 KiB), then
 * 4,000 ids far from them to a table beside it; at 3,073 of those that
 * table cannot grow to 8,192 slots in a budget of 128 KiB, so array and
 * table go back into one table of 8,192 slots, which takes it all, as
 * it does for a set told nothing.
 */
static void test_int_dense_back(void)
{
	struct mlg_fpset s = {0}, p = {0};
	size_t budget = 128 << 10, pbudget = budget;
	int64_t i, v, bad = 0;
	int was_dense = 0;

	for (i = 0; i < 5800; i++) {
		v = i < 1800 ? i * 1999 % 3000 : 1000000000000 + 7 * i;
		if (i == 1000)
			mlg_fpset_expect(&s, 1800);
		bad += add_int(&s, v, (uint64_t)i + 2, &budget) != 0;
		bad += add_int(&p, v, (uint64_t)i + 2, &pbudget) != 0;
		if (i == 1800 + 3071) {
			T_EQ_INT(s.ndense, 3374);
			T_EQ_INT(s.mask + 1, 4096);
			was_dense = s.dense != NULL;
		}
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(was_dense);
	T_ASSERT(!s.dense);
	T_EQ_INT(s.nodense, 1);
	T_EQ_INT(s.n, 5799); /* 0 is kept aside */
	T_EQ_INT(s.mask + 1, 8192);
	T_EQ_INT(p.mask + 1, 8192);
	T_EQ_INT(budget, 0);
	T_EQ_INT(pbudget, 0);
	for (i = 0; i < 5800; i++) {
		v = i < 1800 ? i * 1999 % 3000 : 1000000000000 + 7 * i;
		bad += add_int(&s, v, 0, &budget) != i + 2;
	}
	T_EQ_INT(bad, 0);
	mlg_fpset_release(&s);
	mlg_fpset_release(&p);
}

/*
 * No array where the ids are sparse (every third integer: three times
 * as wide as their count): the table goes on, and grows to the size
 * expected. Nor where the budget cannot take it: then the table fails
 * to grow at the very value where a set told nothing fails.
 */
static void test_int_not_dense(void)
{
	struct mlg_fpset s = {0};
	size_t budget = (size_t)64 << 20;
	int64_t i, n = 100000, bad = 0, rc = 0;

	for (i = 0; i < n; i++) {
		if (i == 20000)
			mlg_fpset_expect(&s, (uint64_t)n);
		bad += add_int(&s, 3 * (i * 61803 % n), (uint64_t)i + 2,
			       &budget) != 0;
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(!s.dense);
	T_EQ_INT(s.mask + 1, 262144);
	mlg_fpset_release(&s);

	/* the array takes 899,976 bytes, the table 512 KiB then 1 MiB */
	budget = 800000;
	for (i = 0; !rc && i < n; i++) {
		if (i == 20000)
			mlg_fpset_expect(&s, (uint64_t)n);
		rc = add_int(&s, i * 61803 % n, (uint64_t)i + 2, &budget);
	}
	T_EQ_INT(rc, MLG_ELIMIT);
	T_EQ_INT(i, 24578); /* 0 is kept aside */
	T_EQ_INT(s.n, 24576);
	T_ASSERT(!s.dense);
	mlg_fpset_release(&s);
	budget = 800000;
	for (i = 0, rc = 0; !rc && i < n; i++)
		rc = add_int(&s, i * 61803 % n, (uint64_t)i + 2, &budget);
	T_EQ_INT(rc, MLG_ELIMIT);
	T_EQ_INT(i, 24578);
	mlg_fpset_release(&s);
}

/* A run added at once: from what it left, the set is the one its values
 * added one by one make. */
static int same_sets(const struct mlg_fpset *a, const struct mlg_fpset *b)
{
	return a->nruns == b->nruns && a->n == b->n && a->inruns == b->inruns &&
	       a->top == b->top && a->zero_row == b->zero_row &&
	       a->noruns == b->noruns &&
	       (!a->nruns ||
		!memcmp(a->runs, b->runs, a->nruns * sizeof(*a->runs)));
}

static void test_int_run(void)
{
	struct mlg_fpset s = {0}, one = {0};
	size_t budget = 1 << 20, obudget = budget, i, k, bad = 0, fast = 0;
	uint64_t x = 2463534242ULL, row = 1, n, step;
	int64_t v = -3, got;

	/* above everything: one run, whatever its length */
	T_EQ_INT(mlg_fpset_add_int_run(&s, 5, 3, 1000, 10, &budget), 1);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(s.runs[0].v0, 5);
	T_EQ_INT(s.runs[0].last, 5 + 3 * 999);
	T_EQ_INT(s.runs[0].step, 3);
	T_EQ_INT(s.runs[0].row, 1009);
	T_EQ_INT(s.inruns, 1000);
	T_EQ_INT(add_int(&s, 5 + 3 * 500, 0, &budget), 510);
	/* the next rows on the same step extend it */
	T_EQ_INT(mlg_fpset_add_int_run(&s, 3005, 3, 2, 1010, &budget), 1);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(s.runs[0].row, 1011);
	/* not above the top, a single value: nothing changes */
	T_EQ_INT(mlg_fpset_add_int_run(&s, 3008, 1, 5, 2000, &budget), 0);
	T_EQ_INT(mlg_fpset_add_int_run(&s, 9000, 1, 1, 2000, &budget), 0);
	T_EQ_INT(s.nruns, 1);
	T_EQ_INT(s.inruns, 1002);
	T_EQ_INT(s.top, 3008);
	mlg_fpset_release(&s);

	/* runs of 2 to 40 at random steps, rows and places */
	budget = obudget;
	for (i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = 2 + x % 39;
		step = 1 + (x >> 8) % 4;
		if ((x >> 16) % 8 == 0)
			v -= (int64_t)((x >> 20) % 300); /* back: one by one */
		else if ((x >> 16) % 8 == 1)
			v += (int64_t)((x >> 20) % 50); /* a gap */
		row += (x >> 30) % 4 == 0; /* a row with no value */
		got = mlg_fpset_add_int_run(&s, v, step, n, row, &budget);
		if (got == 1)
			fast++;
		for (k = 0; k < n; k++) {
			int64_t w = v + (int64_t)(k * step);
			int64_t o = add_int(&one, w, row + k, &obudget);

			if (got == 1 ? o != 0
				     : add_int(&s, w, row + k, &budget) != o)
				bad++;
		}
		bad += !same_sets(&s, &one) || budget != obudget;
		v += (int64_t)(n * step);
		row += n;
	}
	T_EQ_INT(bad, 0);
	T_ASSERT(fast > 2000); /* 3620: each way, thousands */
	T_ASSERT(fast < 18000);
	mlg_fpset_release(&s);
	mlg_fpset_release(&one);
}

MLG_TESTS(T(test_add_has), T(test_growth), T(test_budget), T(test_expect),
	  T(test_int_runs), T(test_int_short_runs), T(test_int_budget_midway),
	  T(test_int_scattered), T(test_int_expect_runs), T(test_int_dense),
	  T(test_int_dense_back), T(test_int_not_dense), T(test_int_random),
	  T(test_int_run))
