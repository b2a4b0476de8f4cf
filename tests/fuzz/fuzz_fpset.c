/*
 * fuzz_fpset.c - sets of integers against a plain table of their keys
 *
 * The input is a program of adds to a set of integers: single values
 * that step, jump back or repeat, bursts of shuffled ids, runs added at
 * once, expectations of the count to come, under a budget. A set of
 * integers keeps them as runs, in a table or in an array indexed by the
 * integer; a plain table of mlg_fpset_int_key(v), a bijection, is exact.
 * Every add must answer as the plain table does (abort() otherwise), and
 * after the program, or a refusal of the budget, every value held must
 * be found at its first row. A second set of integers takes the same
 * adds with no expectation: what it holds within the budget, the set
 * with expectations must hold too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/fpset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the values live: near 0, at either end of int64, in between. */
static const int64_t bases[] = {0,	INT64_MIN,     INT64_MAX - 66000, 1000,
				-35000, INT64_MIN + 3, 1 << 20,		  -1};

struct prog {
	const uint8_t *p, *end;
	struct mlg_fpset s, ref, plain;
	size_t budget, rbudget, pbudget;
	uint64_t row;
	int64_t *held; /* values added, in order, for the final check */
	size_t nheld, aheld;
	int stopped;
	int plain_full; /* the plain set refused a value: no more compares */
};

static unsigned next(struct prog *g)
{
	return g->p < g->end ? *g->p++ : 0;
}

static void hold(struct prog *g, int64_t v)
{
	if (g->nheld == g->aheld) {
		g->aheld = g->aheld ? 2 * g->aheld : 1024;
		g->held = realloc(g->held, g->aheld * sizeof(*g->held));
		if (!g->held)
			abort();
	}
	g->held[g->nheld++] = v;
}

/* Add v at the next row to both; they must answer alike. */
static void add(struct prog *g, int64_t v)
{
	uint64_t row = ++g->row;
	int64_t got = mlg_fpset_add_int(&g->s, v, mlg_fpset_int_key(v), row,
					&g->budget);
	int64_t want =
		mlg_fpset_add(&g->ref, mlg_fpset_int_key(v), row, &g->rbudget);

	int64_t plain = mlg_fpset_add_int(&g->plain, v, mlg_fpset_int_key(v),
					  row, &g->pbudget);

	if (want < 0)
		abort(); /* the reference has all the memory it wants */
	if (got == MLG_ELIMIT && plain != MLG_ELIMIT && !g->plain_full)
		abort(); /* an expectation must not refuse what fits */
	g->plain_full |= plain == MLG_ELIMIT;
	if (got == MLG_ELIMIT) {
		/* not held: the reference forgets it by a row it never
		 * answers with (the final check skips refused values) */
		g->stopped = 1;
		return;
	}
	if (got != want)
		abort();
	if (!got)
		hold(g, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prog g;
	int64_t base, v;
	size_t i;

	memset(&g, 0, sizeof(g));
	g.p = data;
	g.end = data + size;
	g.budget = (size_t)(next(&g) + 1) << 14; /* 16 KiB .. 4 MiB */
	g.pbudget = g.budget;
	g.rbudget = (size_t)1 << 30;
	base = bases[next(&g) % 8];
	v = base;
	while (g.p < g.end && !g.stopped) {
		unsigned op = next(&g), a = next(&g), b = next(&g);
		uint64_t n, k, x, step;

		switch (op % 8) {
		case 0: /* a step up */
		case 1:
			v = (int64_t)((uint64_t)v + a % 4 + 1);
			add(&g, v);
			break;
		case 2: /* back, maybe to a value held */
			v = (int64_t)((uint64_t)v - (a << 8 | b));
			add(&g, v);
			break;
		case 3: /* a row with no value */
			g.row++;
			break;
		case 4: /* a burst of shuffled ids over a range */
			n = (uint64_t)(a << 4 | (b & 15)) + 1;
			n *= 16;
			step = (b >> 4) % 3 + 1;
			x = (uint64_t)a * 2654435761u + 1;
			for (k = 0; k < n && !g.stopped; k++)
				add(&g,
				    (int64_t)((uint64_t)base +
					      ((k * 40503 + x) % n) * step));
			break;
		case 5: /* the count to expect */
			mlg_fpset_expect(&g.s, (uint64_t)(a << 8 | b) * 4);
			break;
		case 6: /* a run, at once where it can be */
			n = a % 64 + 2;
			step = b % 7 + 1;
			x = (uint64_t)v + step;
			/* the values of a run do not wrap */
			if ((int64_t)x < v ||
			    (int64_t)x > INT64_MAX - (int64_t)((n - 1) * step))
				break;
			k = mlg_fpset_add_int_run(&g.s, (int64_t)x, step, n,
						  g.row + 1, &g.budget);
			if ((int64_t)k == MLG_ELIMIT) {
				g.stopped = 1;
				break;
			}
			/* the same for the plain set, or one by one */
			if (k == 1 &&
			    mlg_fpset_add_int_run(&g.plain, (int64_t)x, step, n,
						  g.row + 1, &g.pbudget) != 1)
				for (i = 0; i < n; i++) {
					int64_t w = (int64_t)(x + i * step);

					g.plain_full |=
						mlg_fpset_add_int(
							&g.plain, w,
							mlg_fpset_int_key(w),
							g.row + 1 + i,
							&g.pbudget) < 0;
				}
			if (k == 1) { /* new, all of them */
				for (i = 0; i < n; i++) {
					int64_t w = (int64_t)(x + i * step);

					if (mlg_fpset_add(&g.ref,
							  mlg_fpset_int_key(w),
							  g.row + 1 + i,
							  &g.rbudget))
						abort();
					hold(&g, w);
				}
				g.row += n;
			} else {
				for (i = 0; i < n && !g.stopped; i++)
					add(&g, (int64_t)(x + i * step));
			}
			v = (int64_t)(x + (n - 1) * step);
			break;
		default: /* somewhere else in the range */
			v = (int64_t)((uint64_t)base + (a << 8 | b) * 3);
			add(&g, v);
			break;
		}
	}
	/* Each value held answers with its first row, in both; has()
	 * knows it too once no runs are left. */
	for (i = 0; i < g.nheld; i++) {
		int64_t w = g.held[i];
		size_t spare = (size_t)1 << 30;
		int64_t got = mlg_fpset_add_int(&g.s, w, mlg_fpset_int_key(w),
						0, &spare);
		int64_t want = mlg_fpset_add(&g.ref, mlg_fpset_int_key(w), 0,
					     &g.rbudget);

		if (got <= 0 || got != want ||
		    (g.s.noruns && !mlg_fpset_has(&g.s, mlg_fpset_int_key(w))))
			abort();
	}
	mlg_fpset_release(&g.s);
	mlg_fpset_release(&g.ref);
	mlg_fpset_release(&g.plain);
	free(g.held);
	mlg_error_clear();
	return 0;
}
