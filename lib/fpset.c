/* fpset.c - fingerprint sets with a memory budget */
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/fpset.h"
#include "mlgate/util.h"

static int grow(struct mlg_fpset *s, size_t *budget)
{
	size_t old = s->mask ? s->mask + 1 : 0, cap = old ? old * 2 : 1024;
	size_t bytes = cap * 2 * sizeof(uint64_t), i, j;
	uint64_t *keys, *rows;

	/* The old table is freed once the new one is filled. */
	if (bytes > *budget + old * 16)
		return mlg_error_set(MLG_ELIMIT,
				     "fingerprint sets need more than the "
				     "memory allowed (%zu MiB; raise "
				     "--unique-memory)",
				     (*budget + old * 16) >> 20);
	keys = mlg_calloc(cap, sizeof(*keys));
	rows = mlg_malloc(cap * sizeof(*rows));
	for (i = 0; i < old; i++) {
		if (!s->keys[i])
			continue;
		for (j = s->keys[i] & (cap - 1); keys[j];
		     j = (j + 1) & (cap - 1))
			;
		keys[j] = s->keys[i];
		rows[j] = s->rows[i];
	}
	*budget = *budget + old * 16 - bytes;
	free(s->keys);
	free(s->rows);
	s->keys = keys;
	s->rows = rows;
	s->mask = cap - 1;
	return 0;
}

int64_t mlg_fpset_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
		      size_t *budget)
{
	size_t i;
	int rc;

	fp |= !fp; /* 0 marks an empty slot */
	if (!s->mask || (s->n + 1) * 4 > (s->mask + 1) * 3)
		if ((rc = grow(s, budget)))
			return rc;
	for (i = fp & s->mask; s->keys[i]; i = (i + 1) & s->mask)
		if (s->keys[i] == fp)
			return (int64_t)s->rows[i];
	s->keys[i] = fp;
	s->rows[i] = row;
	s->n++;
	return 0;
}

int mlg_fpset_has(const struct mlg_fpset *s, uint64_t fp)
{
	size_t i;

	if (!s->mask)
		return 0;
	fp |= !fp;
	for (i = fp & s->mask; s->keys[i]; i = (i + 1) & s->mask)
		if (s->keys[i] == fp)
			return 1;
	return 0;
}

void mlg_fpset_release(struct mlg_fpset *s)
{
	free(s->keys);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}
