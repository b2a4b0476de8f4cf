/* test_fpset.c - fingerprint sets under a memory budget */
#include <stdint.h>

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
	/* 0 marks a free slot: it is stored as 1, so the two are one */
	T_EQ_INT(mlg_fpset_add(&s, 0, 14, &budget), 0);
	T_EQ_INT(mlg_fpset_add(&s, 1, 15, &budget), 14);
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
		 "fingerprint sets need more than the memory allowed (0 MiB; "
		 "raise --unique-memory)");
	T_EQ_INT(s.n, 1536);
	T_EQ_INT(mlg_fpset_add(&s, 5, 0, &budget), 5);
	mlg_fpset_release(&s);
	budget = 100;
	T_EQ_INT(mlg_fpset_add(&s, 1, 1, &budget), MLG_ELIMIT);
	T_EQ_INT(s.n, 0);
	mlg_fpset_release(&s);
}

MLG_TESTS(T(test_add_has), T(test_growth), T(test_budget))
