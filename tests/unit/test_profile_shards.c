#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "test.h"

/* A profile of one column, one row, from `src`, marked shard k of n. */
static void shard(struct mlg_profile *p, const char *src, unsigned k,
		  unsigned n, uint64_t chunk_rows)
{
	static const char *const names[] = {"x"};

	T_EQ_INT(mlg_profile_init(p, names, 1, NULL), 0);
	mlg_profile_row(p);
	mlg_profile_cell(p, 0, "1", 1, MLG_CELL_OK, NULL);
	mlg_profile_add_source(p, src);
	mlg_profile_set_shard(p, k, n, chunk_rows);
}

/* mlg_profile_check_whole() refuses `p` with `msg`. */
static void refused(const struct mlg_profile *p, const char *what,
		    const char *msg)
{
	T_EQ_INT(mlg_profile_check_whole(p, what), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
}

static void test_merge_parts(void)
{
	struct mlg_profile a, b, c, d, one;

	shard(&a, "t.csv", 1, 3, 100);
	shard(&b, "t.csv", 3, 3, 100);
	shard(&c, "t.csv", 2, 3, 100);
	shard(&d, "t.csv", 2, 3, 50); /* another run: other chunks */
	shard(&one, "t.csv", 1, 1, 100);
	T_EQ_INT(one.nparts, 0); /* 1 of 1 is the whole */
	T_EQ_INT(mlg_profile_check_whole(&one, "x"), 0);
	T_EQ_INT(a.nparts, 1);
	refused(&a, "'a.json'",
		"'a.json' holds only shard 1 of 3 of 't.csv' (chunks of 100 "
		"rows): shards 2-3 are missing; merge every shard's profile "
		"first");
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	T_EQ_INT(a.rows, 2);
	T_EQ_INT(a.nsources, 1); /* one run, listed once */
	T_EQ_INT(a.nparts, 1);
	refused(&a, "the data",
		"the data holds only shards 1, 3 of 3 of 't.csv' (chunks of "
		"100 rows): shard 2 is missing; merge every shard's profile "
		"first");
	/* A shard twice is refused, and `a` is left as it was. */
	T_EQ_INT(mlg_profile_merge_named(&a, "a.json", &b, "b.json"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: 'a.json' and 'b.json' both hold "
		 "shard 3/3 of 't.csv': its rows would count twice");
	T_EQ_INT(a.rows, 2);
	T_EQ_INT(a.cols[0].count, 2);
	/* Shard 3 of the same name but other bytes (today's file, not
	 * yesterday's) is of another run: it completes nothing. */
	b.parts[0].bytes = 99;
	T_EQ_INT(mlg_profile_merge(&c, &b), 0);
	T_EQ_INT(c.nparts, 2);
	refused(&c, "c",
		"c holds only shard 2 of 3 of 't.csv' (chunks of 100 rows; "
		"one of 2 runs held in part: shards are of one run when of "
		"the same sources, bytes, N and chunk rows): shards 1, 3 are "
		"missing; merge every shard's profile first");
	mlg_profile_release(&c);
	shard(&c, "t.csv", 2, 3, 100);
	b.parts[0].bytes = 0;
	/* Another run stays apart, its sources listed again. */
	T_EQ_INT(mlg_profile_merge(&a, &d), 0);
	T_EQ_INT(a.nparts, 2);
	T_EQ_INT(a.nsources, 2);
	T_EQ_INT(mlg_profile_merge(&a, &c), 0);
	T_EQ_INT(a.nparts, 1); /* the first run is whole */
	T_EQ_INT(a.parts[0].chunk_rows, 50);
	T_EQ_INT(a.nsources, 2);
	T_EQ_INT(a.rows, 4);
	mlg_profile_release(&a);
	mlg_profile_release(&b);
	mlg_profile_release(&c);
	mlg_profile_release(&d);
	mlg_profile_release(&one);
}

/* Several sources are one run; a message names the first. */
static void test_run_of_sources(void)
{
	struct mlg_profile a, b;
	unsigned k;

	shard(&a, "a.csv", 1, 2, 10);
	mlg_profile_parts_release(&a);
	mlg_profile_add_source(&a, "b.csv");
	mlg_profile_add_source(&a, "c.csv");
	mlg_profile_set_shard(&a, 1, 2, 10);
	shard(&b, "a.csv", 1, 2, 10);
	mlg_profile_parts_release(&b);
	mlg_profile_add_source(&b, "b.csv");
	mlg_profile_add_source(&b, "c.csv");
	mlg_profile_set_shard(&b, 1, 2, 10);
	T_EQ_INT(mlg_profile_merge(&a, &b), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: one and the other both hold shard "
		 "1/2 of 'a.csv' and 2 more sources: its rows would count "
		 "twice");
	b.parts[0].have[0] = 0;
	b.parts[0].have[1] = 1;
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	T_EQ_INT(a.nparts, 0);
	T_EQ_INT(a.nsources, 3);
	mlg_profile_release(&b);
	mlg_profile_release(&a);
	/* At most 8 ranges are listed. */
	shard(&a, "t.csv", 1, 40, 1);
	for (k = 3; k <= 40; k += 2)
		a.parts[0].have[k - 1] = 1;
	refused(&a, "p",
		"p holds only shards 1, 3, 5, 7, 9, 11, 13, 15, ... of 40 of "
		"'t.csv' (chunks of 1 rows): shards 2, 4, 6, 8, 10, 12, 14, "
		"16, ... are missing; merge every shard's profile first");
	mlg_profile_release(&a);
}

/* A profile holds parts of at most MLG_PROFILE_RUNS_MAX runs: each costs
 * a byte a shard. */
static void test_runs_capped(void)
{
	struct mlg_profile a, b;
	char src[32];
	int i;

	shard(&a, "f0.csv", 1, 1000000, 1);
	for (i = 1; i < MLG_PROFILE_RUNS_MAX; i++) {
		snprintf(src, sizeof(src), "f%d.csv", i);
		shard(&b, src, 1, 1000000, 1);
		T_EQ_INT(mlg_profile_merge(&a, &b), 0);
		mlg_profile_release(&b);
	}
	T_EQ_INT(a.nparts, MLG_PROFILE_RUNS_MAX);
	shard(&b, "one-more.csv", 1, 2, 1);
	T_EQ_INT(mlg_profile_merge_named(&a, "a.json", &b, "b.json"),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "cannot merge profiles: 'a.json' and 'b.json' hold parts of "
		 "more than 64 sharded runs");
	T_EQ_INT(a.nparts, MLG_PROFILE_RUNS_MAX);
	T_EQ_INT(a.rows, MLG_PROFILE_RUNS_MAX);
	mlg_profile_release(&b);
	mlg_profile_release(&a);
}

/* `p` written as JSON and read back into `out`. */
static void reload(struct mlg_profile *out, const struct mlg_profile *p)
{
	struct mlg_json_doc doc;
	json_t *j = mlg_profile_to_json(p);
	char *text = json_dumps(j, 0);

	json_decref(j);
	T_EQ_INT(mlg_json_parse(&doc, "p.json", text, strlen(text)), 0);
	free(text);
	T_EQ_INT(mlg_profile_from_json(out, &doc), 0);
	mlg_json_doc_release(&doc);
}

/* The parts go to JSON and back; a run of every shard reads as whole. */
static void test_parts_json(void)
{
	struct mlg_profile a, b, c;
	char *text;
	json_t *j;

	shard(&a, "t.csv", 2, 4, 100);
	shard(&b, "t.csv", 4, 4, 100);
	a.parts[0].bytes = b.parts[0].bytes = 7;
	T_EQ_INT(mlg_profile_merge(&a, &b), 0);
	j = mlg_profile_parts_json(&a);
	text = json_dumps(j, JSON_COMPACT);
	T_EQ_STR(text, "[{\"of\":4,\"chunk_rows\":100,\"bytes\":7,\"sources\":"
		       "[\"t.csv\"],\"have\":[2,4]}]");
	free(text);
	json_decref(j);
	reload(&c, &a);
	T_EQ_INT(c.nparts, 1);
	T_EQ_INT(c.parts[0].of, 4);
	T_EQ_INT(c.parts[0].chunk_rows, 100);
	T_EQ_INT(c.parts[0].bytes, 7);
	T_EQ_INT(memcmp(c.parts[0].have, "\0\1\0\1", 4), 0);
	/* The loaded parts merge as the made ones: shard 4 again. */
	T_EQ_INT(mlg_profile_merge(&c, &b), MLG_EINVALID);
	mlg_profile_release(&c);
	a.parts[0].have[0] = a.parts[0].have[2] = 1;
	reload(&c, &a);
	T_EQ_INT(c.nparts, 0);
	mlg_profile_release(&c);
	mlg_profile_release(&a);
	mlg_profile_release(&b);
}

MLG_TESTS(T(test_merge_parts), T(test_run_of_sources), T(test_parts_json),
	  T(test_runs_capped));
