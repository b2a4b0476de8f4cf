/* profile_shards.c - which shards of a sharded run a profile holds */
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/profile.h"
#include "mlgate/util.h"

static void part_release(struct mlg_profile_part *q)
{
	size_t i;

	for (i = 0; i < q->nsources; i++)
		free(q->sources[i]);
	free(q->sources);
	free(q->have);
	memset(q, 0, sizeof(*q));
}

void mlg_profile_parts_release(struct mlg_profile *p)
{
	size_t i;

	for (i = 0; i < p->nparts; i++)
		part_release(&p->parts[i]);
	free(p->parts);
	p->parts = NULL;
	p->nparts = 0;
}

/* A new part of `of` shards, none held yet, of sources taken over. */
static struct mlg_profile_part *add_part(struct mlg_profile *p, unsigned of,
					 uint64_t chunk_rows, uint64_t bytes,
					 char **sources, size_t nsources)
{
	struct mlg_profile_part *q;

	p->parts = mlg_realloc(p->parts, (p->nparts + 1) * sizeof(*p->parts));
	q = &p->parts[p->nparts++];
	q->sources = sources;
	q->nsources = nsources;
	q->bytes = bytes;
	q->chunk_rows = chunk_rows;
	q->of = of;
	q->have = mlg_calloc(of, 1);
	return q;
}

static char **copy_sources(char *const *s, size_t n)
{
	char **out = mlg_calloc(n ? n : 1, sizeof(*out));
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = mlg_strdup(s[i]);
	return out;
}

void mlg_profile_set_shard(struct mlg_profile *p, unsigned k, unsigned n,
			   uint64_t chunk_rows)
{
	/* Shard 1 of 1 is the whole. */
	if (n > 1)
		add_part(p, n, chunk_rows, p->bytes,
			 copy_sources(p->sources, p->nsources), p->nsources)
			->have[k - 1] = 1;
}

static unsigned held(const struct mlg_profile_part *q)
{
	unsigned k, n = 0;

	for (k = 0; k < q->of; k++)
		n += q->have[k];
	return n;
}

static int same_run(const struct mlg_profile_part *x,
		    const struct mlg_profile_part *y)
{
	size_t i;

	if (x->of != y->of || x->chunk_rows != y->chunk_rows ||
	    x->bytes != y->bytes || x->nsources != y->nsources)
		return 0;
	for (i = 0; i < x->nsources; i++)
		if (strcmp(x->sources[i], y->sources[i]))
			return 0;
	return 1;
}

static struct mlg_profile_part *find(const struct mlg_profile *p,
				     const struct mlg_profile_part *q)
{
	size_t i;

	for (i = 0; i < p->nparts; i++)
		if (same_run(&p->parts[i], q))
			return &p->parts[i];
	return NULL;
}

/* "'train.csv'", or "'a.csv' and 2 more sources". */
static void name_run(struct mlg_buf *b, const struct mlg_profile_part *q)
{
	mlg_buf_addf(b, "'%s'", q->nsources ? q->sources[0] : "");
	if (q->nsources > 1)
		mlg_buf_addf(b, " and %zu more source%s", q->nsources - 1,
			     q->nsources > 2 ? "s" : "");
}

int mlg_profile_parts_refuse(const struct mlg_profile *a, const char *x,
			     const struct mlg_profile *b, const char *y)
{
	struct mlg_buf run = MLG_BUF_INIT;
	const struct mlg_profile_part *h, *q;
	size_t i, runs = a->nparts;
	unsigned k;
	int rc = 0;

	for (i = 0; i < b->nparts && !rc; i++) {
		q = &b->parts[i];
		if (!(h = find(a, q))) {
			if (++runs > MLG_PROFILE_RUNS_MAX)
				rc = mlg_error_set(MLG_EINVALID,
						   "cannot merge profiles: %s "
						   "and %s hold parts of more "
						   "than %d sharded runs",
						   x, y, MLG_PROFILE_RUNS_MAX);
			continue;
		}
		for (k = 0; k < q->of && !(h->have[k] && q->have[k]); k++)
			;
		if (k == q->of)
			continue;
		name_run(&run, q);
		rc = mlg_error_set(MLG_EINVALID,
				   "cannot merge profiles: %s and %s both "
				   "hold shard %u/%u of %s: its rows would "
				   "count twice",
				   x, y, k + 1, q->of, run.ptr);
	}
	mlg_buf_release(&run);
	return rc;
}

/* Take `b`'s name for its run out of `names` (the first equal one not
 * taken yet), so that a run's sources are listed once however many of
 * its shards merge. */
static void take_names(const char **names, size_t n,
		       const struct mlg_profile_part *q)
{
	size_t i, j;

	for (i = 0; i < q->nsources; i++)
		for (j = 0; j < n; j++)
			if (names[j] && !strcmp(names[j], q->sources[i])) {
				names[j] = NULL;
				break;
			}
}

void mlg_profile_parts_merge(struct mlg_profile *a, const struct mlg_profile *b)
{
	const char **names;
	struct mlg_profile_part *h;
	const struct mlg_profile_part *q;
	size_t i;
	unsigned k;

	/* Chunks of one pass, and whole inputs: no run to unite. */
	if (!b->nparts) {
		for (i = 0; i < b->nsources; i++)
			mlg_profile_add_source(a, b->sources[i]);
		return;
	}
	names = mlg_calloc(b->nsources + 1, sizeof(*names));
	for (i = 0; i < b->nsources; i++)
		names[i] = b->sources[i];
	for (i = 0; i < b->nparts; i++) {
		q = &b->parts[i];
		if ((h = find(a, q))) {
			take_names(names, b->nsources, q);
		} else {
			h = add_part(a, q->of, q->chunk_rows, q->bytes,
				     copy_sources(q->sources, q->nsources),
				     q->nsources);
		}
		for (k = 0; k < q->of; k++)
			h->have[k] |= q->have[k];
		/* Every shard in: the run is whole. */
		if (held(h) == h->of) {
			part_release(h);
			*h = a->parts[--a->nparts];
		}
	}
	for (i = 0; i < b->nsources; i++)
		if (names[i])
			mlg_profile_add_source(a, names[i]);
	free(names);
}

/* "1, 3-5, 8", at most 8 ranges, then ", ...". */
static void ranges(struct mlg_buf *b, const unsigned char *have, unsigned n,
		   int want)
{
	unsigned k = 0, lo, shown = 0;

	while (k < n) {
		if (!have[k] != !want) {
			k++;
			continue;
		}
		if (shown++ == 8) {
			mlg_buf_adds(b, ", ...");
			return;
		}
		for (lo = k; k < n && !have[k] == !want; k++)
			;
		mlg_buf_addf(b, shown > 1 ? ", %u" : "%u", lo + 1);
		if (k > lo + 1)
			mlg_buf_addf(b, "-%u", k);
	}
}

int mlg_profile_check_whole(const struct mlg_profile *p, const char *what)
{
	struct mlg_buf run = MLG_BUF_INIT, has = MLG_BUF_INIT,
		       lacks = MLG_BUF_INIT;
	const struct mlg_profile_part *q;
	unsigned n;
	int rc;

	if (!p->nparts)
		return 0;
	q = &p->parts[0];
	n = held(q);
	name_run(&run, q);
	mlg_buf_addf(&run, " (chunks of %llu rows",
		     (unsigned long long)q->chunk_rows);
	ranges(&has, q->have, q->of, 1);
	ranges(&lacks, q->have, q->of, 0);
	/* Shards given but of another run: say why they did not count. */
	if (p->nparts > 1)
		mlg_buf_addf(&run,
			     "; one of %zu runs held in part: shards are of "
			     "one run when of the same sources, bytes, N and "
			     "chunk rows",
			     p->nparts);
	mlg_buf_addch(&run, ')');
	rc = mlg_error_set(MLG_EINVALID,
			   "%s holds only shard%s %s of %u of %s: shard%s %s "
			   "%s missing; merge every shard's profile first",
			   what, n > 1 ? "s" : "", has.ptr, q->of, run.ptr,
			   q->of - n > 1 ? "s" : "", lacks.ptr,
			   q->of - n > 1 ? "are" : "is");
	mlg_buf_release(&run);
	mlg_buf_release(&has);
	mlg_buf_release(&lacks);
	return rc;
}

json_t *mlg_profile_parts_json(const struct mlg_profile *p)
{
	json_t *all = json_array(), *o, *a;
	const struct mlg_profile_part *q;
	size_t i;
	unsigned k;

	for (i = 0; i < p->nparts; i++) {
		q = &p->parts[i];
		o = json_object();
		json_object_set_new(o, "of", json_integer(q->of));
		json_object_set_new(o, "chunk_rows",
				    json_integer((json_int_t)q->chunk_rows));
		json_object_set_new(o, "bytes",
				    json_integer((json_int_t)q->bytes));
		a = json_array();
		for (k = 0; k < q->nsources; k++)
			json_array_append_new(a, json_string(q->sources[k]));
		json_object_set_new(o, "sources", a);
		a = json_array();
		for (k = 0; k < q->of; k++)
			if (q->have[k])
				json_array_append_new(a, json_integer(k + 1));
		json_object_set_new(o, "have", a);
		json_array_append_new(all, o);
	}
	return all;
}

/* The non-empty array `key` of the object at `ptr`: 0 and *out, or an
 * error. */
static int array_of(json_t **out, const struct mlg_json_doc *doc, json_t *obj,
		    const char *ptr, const char *key)
{
	char *at;
	int rc;

	if (!(*out = json_object_get(obj, key)))
		return mlg_json_error(doc, ptr,
				      "missing required property '%s'", key);
	if (json_is_array(*out) && json_array_size(*out))
		return 0;
	at = mlg_strfmt("%s/%s", ptr, key);
	rc = mlg_json_error(doc, at, "expected a non-empty array");
	free(at);
	return rc;
}

/* Element `i` of "shards": one run's part, added to `out`. */
static int part_from(struct mlg_profile *out, const struct mlg_json_doc *doc,
		     json_t *o, const char *ptr)
{
	struct mlg_buf at = MLG_BUF_INIT;
	struct mlg_profile_part *q;
	json_t *srcs, *have, *v;
	int64_t of, k, last = 0;
	uint64_t rows, bytes = 0;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return mlg_json_error(doc, ptr, "expected an object, found %s",
				      mlg_json_type_name(o));
	if ((rc = mlg_json_get_int(doc, o, ptr, "of", 1, &of)) ||
	    (rc = mlg_json_get_count(doc, o, ptr, "chunk_rows", 1, &rows)) ||
	    (rc = mlg_json_get_count(doc, o, ptr, "bytes", 0, &bytes)) ||
	    (rc = array_of(&srcs, doc, o, ptr, "sources")) ||
	    (rc = array_of(&have, doc, o, ptr, "have")))
		return rc;
	mlg_buf_addf(&at, "%s/of", ptr);
	if (of < 2 || of > MLG_PROFILE_SHARDS_MAX)
		rc = mlg_json_error(doc, at.ptr,
				    "expected 2 to %d shards, found %lld",
				    MLG_PROFILE_SHARDS_MAX, (long long)of);
	mlg_buf_reset(&at);
	mlg_buf_addf(&at, "%s/chunk_rows", ptr);
	if (!rc && !rows)
		rc = mlg_json_error(doc, at.ptr, "expected at least 1 row");
	json_array_foreach (srcs, i, v) {
		if (rc || json_is_string(v))
			continue;
		mlg_buf_reset(&at);
		mlg_buf_addf(&at, "%s/sources/%zu", ptr, i);
		rc = mlg_json_error(doc, at.ptr, "expected a string, found %s",
				    mlg_json_type_name(v));
	}
	json_array_foreach (have, i, v) {
		if (rc)
			break;
		k = json_is_integer(v) ? json_integer_value(v) : 0;
		if (k > last && k <= of) {
			last = k;
			continue;
		}
		mlg_buf_reset(&at);
		mlg_buf_addf(&at, "%s/have/%zu", ptr, i);
		rc = mlg_json_error(doc, at.ptr,
				    "expected shard numbers from 1 to %lld in "
				    "ascending order",
				    (long long)of);
	}
	mlg_buf_release(&at);
	if (rc)
		return rc;
	q = add_part(out, (unsigned)of, rows, bytes,
		     mlg_calloc(json_array_size(srcs), sizeof(char *)), 0);
	json_array_foreach (srcs, i, v)
		q->sources[q->nsources++] = mlg_strdup(json_string_value(v));
	json_array_foreach (have, i, v)
		q->have[json_integer_value(v) - 1] = 1;
	if (out->nparts > 1 && find(out, q) != q)
		return mlg_json_error(doc, ptr, "the same run is listed twice");
	return 0;
}

int mlg_profile_parts_from_json(struct mlg_profile *out,
				const struct mlg_json_doc *doc, json_t *root)
{
	struct mlg_buf ptr = MLG_BUF_INIT;
	json_t *all = json_object_get(root, "shards"), *o;
	size_t i;
	int rc = 0;

	if (!all)
		return 0;
	if (!json_is_array(all))
		return mlg_json_error(doc, "/shards",
				      "expected an array, found %s",
				      mlg_json_type_name(all));
	if (json_array_size(all) > MLG_PROFILE_RUNS_MAX)
		return mlg_json_error(doc, "/shards",
				      "more than %d runs held in part",
				      MLG_PROFILE_RUNS_MAX);
	json_array_foreach (all, i, o) {
		mlg_buf_reset(&ptr);
		mlg_buf_addf(&ptr, "/shards/%zu", i);
		if ((rc = part_from(out, doc, o, ptr.ptr)))
			break;
		/* A run whole after all: nothing to hold. */
		if (held(&out->parts[out->nparts - 1]) ==
		    out->parts[out->nparts - 1].of)
			part_release(&out->parts[--out->nparts]);
	}
	mlg_buf_release(&ptr);
	return rc;
}
