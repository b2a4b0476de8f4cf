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
static void *table_new(size_t cap, size_t size)
{
	void *t = mlg_calloc(cap, size);
#ifdef MADV_HUGEPAGE
	size_t bytes = cap * size, page = 4096;
	uintptr_t lo = ((uintptr_t)t + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t hi = ((uintptr_t)t + bytes) & ~(uintptr_t)(page - 1);

	if (bytes >= ((size_t)2 << 20) && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
	return t;
}

/* `allowed`: what this set could have had, in MiB rounded up (the runs
 * take a few bytes of the budget first). */
static int over_budget(size_t allowed)
{
	return mlg_error_set(MLG_ELIMIT,
			     "fingerprint sets need more than the memory "
			     "allowed (%zu MiB; raise --unique-memory)",
			     (allowed >> 20) + !!(allowed & ((1 << 20) - 1)));
}

/* 1 when a table of `cap` slots holds n values: at most 3/4 full. */
static int holds(uint64_t cap, uint64_t n)
{
	return n <= cap / 4 * 3;
}

/* Put slot x in table t of `cap` slots, where it is not. */
static void slot_put(struct mlg_fp_slot *t, size_t cap, struct mlg_fp_slot x)
{
	size_t j;

	for (j = x.key & (cap - 1); t[j].key; j = (j + 1) & (cap - 1))
		;
	t[j] = x;
}

/* `cap` slots, doubled until they hold `want` values, while a table of
 * twice as many still fits in `room` bytes. */
static size_t table_cap(size_t cap, uint64_t want, size_t room)
{
	while (!holds(cap, want) &&
	       cap <= room / sizeof(struct mlg_fp_slot) / 2)
		cap *= 2;
	return cap;
}

/* Move the set's values to a new table of `cap` slots, or fail with
 * nothing changed. `room` is the budget with the old table given back:
 * it is freed once the new one is filled. */
static int table_move(struct mlg_fpset *s, size_t cap, size_t room,
		      size_t *budget)
{
	size_t old = s->mask ? s->mask + 1 : 0, i;
	struct mlg_fp_slot *t;

	if (cap * sizeof(*t) > room)
		return over_budget(room);
	t = table_new(cap, sizeof(*t));
	for (i = 0; i < old; i++)
		if (s->slots[i].key)
			slot_put(t, cap, s->slots[i]);
	*budget = room - cap * sizeof(*t);
	free(s->slots);
	s->slots = t;
	s->mask = cap - 1;
	return 0;
}

/* Double the table, or grow it straight to the size expected with 1/16
 * to spare; not while a set of integers keeps runs, which need room
 * too. */
static int grow(struct mlg_fpset *s, size_t *budget)
{
	size_t old = s->mask ? s->mask + 1 : 0;
	size_t room = *budget + old * sizeof(*s->slots);
	uint64_t want = s->expect + s->expect / 16;

	if (want < s->expect)
		want = UINT64_MAX;
	if (s->aruns)
		want = 0;
	return table_move(s, table_cap(old ? old * 2 : 1024, want, room), room,
			  budget);
}

/* Insert `fp` as mlg_fpset_add() does. Key 0 marks a free slot, so the
 * set keeps the row of 0 aside. */
static int64_t table_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
			 size_t *budget)
{
	size_t i;
	int rc;

	if (!fp) {
		if (s->zero_row)
			return (int64_t)s->zero_row;
		s->zero_row = row;
		return 0;
	}
	for (i = fp & s->mask; s->mask && s->slots[i].key;
	     i = (i + 1) & s->mask)
		if (s->slots[i].key == fp)
			return (int64_t)s->slots[i].row;
	/* New: a full table grows first (a value already held never
	 * needs room). */
	if (!s->mask || !holds(s->mask + 1, s->n + 1)) {
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

int64_t mlg_fpset_add(struct mlg_fpset *s, uint64_t fp, uint64_t row,
		      size_t *budget)
{
	return table_add(s, fp, row, budget);
}

/* ---- integers: ascending runs, the rest in the table ---- */

/* A run shorter than this is moved to the table when the next run
 * starts: runs then cost at most 32 / RUN_MIN bytes a value. */
#define RUN_MIN 4

static uint64_t run_len(const struct mlg_fp_run *r)
{
	return r->step ? ((uint64_t)r->last - (uint64_t)r->v0) / r->step + 1
		       : 1;
}

/* The row of `v` in a run, or 0. */
static uint64_t run_find(const struct mlg_fpset *s, int64_t v)
{
	size_t lo = 0, hi = s->nruns, mid;
	const struct mlg_fp_run *r;
	uint64_t d;

	while (lo < hi) { /* the first run that starts above v */
		mid = lo + (hi - lo) / 2;
		if (s->runs[mid].v0 <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || v > (r = &s->runs[lo - 1])->last)
		return 0;
	d = (uint64_t)r->last - (uint64_t)v;
	if (r->step ? d % r->step : d)
		return 0;
	return r->row - (r->step ? d / r->step : 0);
}

/* Move the values of runs [from, nruns) to the table, each run from its
 * first value on: stopped by MLG_ELIMIT, every value is still held once,
 * in its run or in the table. */
static int runs_to_table(struct mlg_fpset *s, size_t from, size_t *budget)
{
	int64_t rc;

	while (s->nruns > from) {
		struct mlg_fp_run *r = &s->runs[s->nruns - 1];
		uint64_t n;

		for (n = run_len(r); n; n--) {
			/* New to the table: only an error is not 0. */
			if ((rc = table_add(s, mlg_fpset_int_key(r->v0),
					    r->row - (n - 1), budget)))
				return (int)rc;
			s->inruns--;
			if (n > 1)
				r->v0 = (int64_t)((uint64_t)r->v0 + r->step);
		}
		s->nruns--;
	}
	return 0;
}

/* Start a run at `v`, `row`; a short last run moves to the table. */
static int run_start(struct mlg_fpset *s, int64_t v, uint64_t row,
		     size_t *budget)
{
	struct mlg_fp_run *r;
	int rc;

	if (s->nruns && run_len(&s->runs[s->nruns - 1]) < RUN_MIN &&
	    (rc = runs_to_table(s, s->nruns - 1, budget)))
		return rc;
	if (s->nruns == s->aruns) { /* 8 runs, then doubled */
		size_t cap = s->aruns ? 2 * s->aruns : 8;
		size_t more = (cap - s->aruns) * sizeof(*s->runs);

		if (more > *budget)
			return over_budget(*budget);
		*budget -= more;
		s->runs = mlg_realloc(s->runs, cap * sizeof(*s->runs));
		s->aruns = cap;
	}
	r = &s->runs[s->nruns++];
	r->v0 = r->last = v;
	r->step = 0;
	r->row = row;
	s->inruns++;
	return 0;
}

/* Add `v`, above every value held, at `row`: the end of the last run
 * when it steps there from the row before, else a run of its own. */
static int add_above(struct mlg_fpset *s, int64_t v, uint64_t row,
		     size_t *budget)
{
	struct mlg_fp_run *r = s->nruns ? &s->runs[s->nruns - 1] : NULL;
	uint64_t d = r ? (uint64_t)v - (uint64_t)r->last : 0;
	int rc;

	if (r && row == r->row + 1 && (!r->step || d == r->step)) {
		r->step = d;
		r->last = v;
		r->row = row;
		s->inruns++;
	} else if ((rc = run_start(s, v, row, budget))) {
		return rc;
	}
	s->top = v;
	return 0;
}

/* 1 when every value of `s` is below `v`. */
static int all_below(const struct mlg_fpset *s, int64_t v)
{
	return !(s->nruns || s->n || s->zero_row) || v > s->top;
}

/* ---- integers in a range about as wide as their count: an array ---- */

/* mlg_fpset_int_key() undone: the integer of a key, as a uint64_t. */
static uint64_t int_of_key(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0x9cb4b2f8129337db);
	h ^= h >> 33;
	h *= UINT64_C(0x4f74430c22a54005);
	return h ^ h >> 33;
}

/* Integers as unsigned, in the same order: INT64_MIN is 0. */
#define ORDER(v) ((uint64_t)(v) ^ UINT64_C(1) << 63)

/*
 * The table of a set of integers is full, and the set expects `expect`
 * values. When the values held span at most about twice that many
 * integers, the rows go to an array indexed by the integer instead: at
 * most 16 bytes a value expected, where the table takes 21 to 43, and
 * one access where the table probes. The range gets 1/16 of its span
 * to spare each side; values outside it still go to the table, which
 * starts again. Returns 1 when the set went over to the array.
 */
static int go_dense(struct mlg_fpset *s, size_t *budget)
{
	size_t old = s->mask + 1, room = *budget + old * sizeof(*s->slots);
	uint64_t lo = UINT64_MAX, hi = 0, u, span, pad, base, want, i;

	want = s->expect > s->n ? s->expect : s->n;
	want = want > UINT64_MAX / 2 ? UINT64_MAX : 2 * want;
	for (i = 0; i < old; i++) {
		if (!s->slots[i].key)
			continue;
		u = ORDER(int_of_key(s->slots[i].key));
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	if (s->zero_row) { /* 0 is kept aside */
		lo = ORDER(0) < lo ? ORDER(0) : lo;
		hi = ORDER(0) > hi ? ORDER(0) : hi;
	}
	span = hi - lo + 1; /* 0: all 2^64 */
	pad = span / 16;
	/* span + 2 * pad <= want: no overflow */
	if (lo > hi || !span || span > want / 9 * 8 ||
	    span + 2 * pad > room / sizeof(*s->dense))
		return 0;
	base = lo >= pad ? lo - pad : 0;
	if (base + (span + 2 * pad - 1) < base) /* past the top */
		base = 0 - (span + 2 * pad);
	s->ndense = span + 2 * pad;
	s->dense = table_new(s->ndense, sizeof(*s->dense));
	s->base = base ^ UINT64_C(1) << 63; /* index = (uint64_t)v - base */
	for (i = 0; i < old; i++)
		if (s->slots[i].key)
			s->dense[int_of_key(s->slots[i].key) - s->base] =
				s->slots[i].row;
	if (s->zero_row)
		s->dense[0 - s->base] = s->zero_row;
	s->held = s->n + (s->zero_row != 0);
	*budget = room - s->ndense * sizeof(*s->dense);
	free(s->slots);
	s->slots = NULL;
	s->mask = s->n = s->zero_row = 0;
	s->expect = 0; /* what comes to the table now is outside */
	return 1;
}

/*
 * The array and the table of the values outside it, which cannot grow,
 * back into one table, with room for one value more, of the size
 * doubling reaches for them: so the array never refuses what a table
 * alone holds. The set keeps to a table from then on.
 */
static int go_sparse(struct mlg_fpset *s, size_t *budget)
{
	size_t old = s->mask ? s->mask + 1 : 0, i;
	size_t room = *budget + old * sizeof(*s->slots) +
		      s->ndense * sizeof(*s->dense);
	uint64_t zero = 0 - s->base, key;
	/* what the table takes: all but 0, which is kept aside */
	uint64_t n = s->n + s->held - (zero < s->ndense && s->dense[zero]);
	/* a table that holds one more, the value that did not fit */
	size_t cap = table_cap(1024, n + 1, room);
	int rc;

	if (!holds(cap, n + 1))
		return over_budget(room);
	if ((rc = table_move(s, cap, room, budget)))
		return rc;
	for (i = 0; i < s->ndense; i++) {
		if (!s->dense[i])
			continue;
		key = mlg_fpset_int_key((int64_t)(s->base + i));
		if (key)
			slot_put(s->slots, s->mask + 1,
				 (struct mlg_fp_slot){key, s->dense[i]});
		else
			s->zero_row = s->dense[i];
	}
	free(s->dense);
	s->n = n;
	s->dense = NULL;
	s->base = s->ndense = s->held = 0;
	s->nodense = 1;
	return 0;
}

int64_t mlg_fpset_add_int(struct mlg_fpset *s, int64_t v, uint64_t key,
			  uint64_t row, size_t *budget)
{
	uint64_t first, i;
	int64_t got;
	int rc;

	if (s->noruns) {
		/* asked once per size of the table: a full table takes
		 * repeats without growing */
		if (!s->dense && !s->nodense && s->expect &&
		    !holds(s->mask + 1, s->n + 1) && s->sparse != s->mask &&
		    !go_dense(s, budget))
			s->sparse = s->mask;
		if ((i = (uint64_t)v - s->base) < s->ndense) {
			if ((first = s->dense[i]))
				return (int64_t)first;
			s->dense[i] = row;
			s->held++;
			return 0;
		}
		got = table_add(s, key, row, budget);
		if (got != MLG_ELIMIT || !s->dense)
			return got;
		if ((rc = go_sparse(s, budget)))
			return rc;
		return table_add(s, key, row, budget);
	}
	if (all_below(s, v))
		return add_above(s, v, row, budget);
	if (s->nruns && (first = run_find(s, v)))
		return (int64_t)first;
	/* Values in no order: runs only cost a search. */
	if (s->n >= 4 * s->inruns + 1024) {
		if ((rc = runs_to_table(s, 0, budget)))
			return rc;
		*budget += s->aruns * sizeof(*s->runs);
		free(s->runs);
		s->runs = NULL;
		s->aruns = 0;
		s->noruns = 1;
	}
	return table_add(s, key, row, budget);
}

int mlg_fpset_add_int_run(struct mlg_fpset *s, int64_t v0, uint64_t step,
			  uint64_t n, uint64_t row, size_t *budget)
{
	struct mlg_fp_run *r;
	int rc;

	if (n < 2 || s->noruns || !all_below(s, v0))
		return 0;
	/* The first two as mlg_fpset_add_int() adds them; the last run
	 * then ends with the second, alone or after the first, and the
	 * others extend it. */
	if ((rc = add_above(s, v0, row, budget)) ||
	    (rc = add_above(s, (int64_t)((uint64_t)v0 + step), row + 1,
			    budget)))
		return rc;
	if (n > 2) {
		r = &s->runs[s->nruns - 1];
		r->step = step;
		r->last = (int64_t)((uint64_t)v0 + (n - 1) * step);
		r->row = row + n - 1;
		s->inruns += n - 2;
		s->top = r->last;
	}
	return 1;
}

int mlg_fpset_has(const struct mlg_fpset *s, uint64_t fp)
{
	size_t i;

	if (s->dense && (i = int_of_key(fp) - s->base) < s->ndense)
		return s->dense[i] != 0;
	if (!fp)
		return s->zero_row != 0;
	if (!s->mask)
		return 0;
	for (i = fp & s->mask; s->slots[i].key; i = (i + 1) & s->mask)
		if (s->slots[i].key == fp)
			return 1;
	return 0;
}

void mlg_fpset_release(struct mlg_fpset *s)
{
	free(s->slots);
	free(s->runs);
	free(s->dense);
	memset(s, 0, sizeof(*s));
}
