/* fpset.c - fingerprint sets with a memory budget */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mlgate/error.h"
#include "mlgate/fpset.h"
#include "mlgate/util.h"

/*
 * A zeroed table of `cap` slots. A large one is marked for huge pages
 * where the kernel has them: a probe is a random access, and with 4 KiB
 * pages a table larger than the caches also missed the TLB each time.
 * (calloc maps such sizes on their own, so only the table is marked.)
 */
static struct mlg_fp_slot *table_new(size_t cap)
{
	struct mlg_fp_slot *t = mlg_calloc(cap, sizeof(*t));
#ifdef MADV_HUGEPAGE
	size_t bytes = cap * sizeof(*t), page = 4096;
	uintptr_t lo = ((uintptr_t)t + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t hi = ((uintptr_t)t + bytes) & ~(uintptr_t)(page - 1);

	if (bytes >= ((size_t)2 << 20) && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
	return t;
}

static int grow(struct mlg_fpset *s, size_t *budget)
{
	size_t old = s->mask ? s->mask + 1 : 0, cap = old ? old * 2 : 1024;
	size_t bytes = cap * sizeof(*s->slots), i, j;
	struct mlg_fp_slot *t;

	/* The old table is freed once the new one is filled. */
	if (bytes > *budget + old * sizeof(*s->slots))
		return mlg_error_set(MLG_ELIMIT,
				     "fingerprint sets need more than the "
				     "memory allowed (%zu MiB; raise "
				     "--unique-memory)",
				     (*budget + old * sizeof(*s->slots)) >> 20);
	t = table_new(cap);
	for (i = 0; i < old; i++) {
		if (!s->slots[i].key)
			continue;
		for (j = s->slots[i].key & (cap - 1); t[j].key;
		     j = (j + 1) & (cap - 1))
			;
		t[j] = s->slots[i];
	}
	*budget = *budget + old * sizeof(*s->slots) - bytes;
	free(s->slots);
	s->slots = t;
	s->mask = cap - 1;
	return 0;
}

int64_t mlg_fpset_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
		      size_t *budget)
{
	size_t i;
	int rc;

	fp |= !fp; /* 0 marks an empty slot */
	for (i = fp & s->mask; s->mask && s->slots[i].key;
	     i = (i + 1) & s->mask)
		if (s->slots[i].key == fp)
			return (int64_t)s->slots[i].row;
	/* New: a full table grows first (a value already held never
	 * needs room). */
	if (!s->mask || (s->n + 1) * 4 > (s->mask + 1) * 3) {
		if ((rc = grow(s, budget)))
			return rc;
		for (i = fp & s->mask; s->slots[i].key; i = (i + 1) & s->mask)
			;
	}
	s->slots[i].key = fp;
	s->slots[i].row = row;
	s->n++;
	return 0;
}

int mlg_fpset_has(const struct mlg_fpset *s, uint64_t fp)
{
	size_t i;

	if (!s->mask)
		return 0;
	fp |= !fp;
	for (i = fp & s->mask; s->slots[i].key; i = (i + 1) & s->mask)
		if (s->slots[i].key == fp)
			return 1;
	return 0;
}

void mlg_fpset_release(struct mlg_fpset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
