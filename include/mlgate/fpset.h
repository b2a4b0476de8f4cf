/*
 * fpset.h - sets of 64-bit fingerprints under a memory budget
 *
 * The one structure whose size grows with the data: unique keys,
 * duplicate rows and key overlap remember a fingerprint (and the row
 * that first held it) per distinct value, 16 bytes at a load factor of
 * at most 3/4, in an open-addressing table that doubles (on huge pages,
 * when large, where the kernel offers them).
 *
 * Two different values collide with probability about n^2 / 2^65: for
 * 10^8 values, 3e-4. A collision can report a false duplicate, never
 * hide a real one.
 */
#ifndef MLGATE_FPSET_H
#define MLGATE_FPSET_H

#include <stddef.h>
#include <stdint.h>

/* A fingerprint (0: free) and its first row, side by side: an insert
 * then touches one cache line, not two. */
struct mlg_fp_slot {
	uint64_t key, row;
};

struct mlg_fpset {
	struct mlg_fp_slot *slots;
	size_t mask, n;
};

/*
 * Insert `fp` first seen at `row`: returns 0 when it is new, the row that
 * held it first when it is not, or MLG_ELIMIT when growing would take
 * more than `*budget` bytes (the budget is shared between sets: what a
 * set takes is subtracted from it).
 */
int64_t mlg_fpset_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
		      size_t *budget);
/* Hint that `fp` will be added or looked up soon: a table larger than
 * the caches costs a memory round trip per value otherwise. */
static inline void mlg_fpset_prefetch(const struct mlg_fpset *s, uint64_t fp)
{
	if (s->mask)
		__builtin_prefetch(&s->slots[(fp | !fp) & s->mask]);
}

/* 1 when `fp` is in the set. */
int mlg_fpset_has(const struct mlg_fpset *s, uint64_t fp);
void mlg_fpset_release(struct mlg_fpset *s);

#endif
