/*
 * slices.c - metrics per slice, threshold and slice-gap checks (slices.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/predfile.h"
#include "mlgate/report.h"
#include "mlgate/slices.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"

/* The most columns of one spec used (as mlg_slice_canon() keeps). */
#define MAX_SPEC_COLS 64

static void add_col(struct mlg_slices *s, const char *c)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i], c))
			return;
	s->cols = mlg_grow(s->cols, sizeof(*s->cols), s->ncols + 1, &s->acols);
	s->cols[s->ncols++] = mlg_strdup(c);
}

int mlg_slices_parse_gap(struct mlg_threshold *t, const char *text)
{
	int rc;

	if ((rc = mlg_threshold_parse(t, text)))
		return rc;
	if (!t->selector && !t->arg &&
	    mlg_metric_higher_is_better(t->metric) >= 0)
		return 0;
	mlg_threshold_release(t);
	return mlg_error_set(MLG_EINVALID, "expected a metric name such as "
					   "'f1 <= 0.05'");
}

int mlg_slices_add_spec(struct mlg_slices *s, const char *spec, int gap)
{
	char *d = mlg_strdup(spec), *p, *c, *save = NULL;
	struct mlg_buf norm = MLG_BUF_INIT;
	size_t i;

	for (p = strtok_r(d, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		p[strcspn(p, " =")] = 0;
		if (!*p)
			continue;
		add_col(s, p);
		mlg_buf_addf(&norm, "%s%s", norm.len ? "," : "", p);
	}
	free(d);
	if (!norm.len) {
		mlg_buf_release(&norm);
		return mlg_error_set(MLG_EINVALID, "empty slice '%s'", spec);
	}
	/* "b,a" is the same crossed slice as "a,b": keep the first */
	c = mlg_slice_canon(norm.ptr);
	for (i = 0; i < s->nspecs; i++) {
		char *o = mlg_slice_canon(s->specs[i]);
		int same = !strcmp(o, c);

		free(o);
		if (same)
			break;
	}
	free(c);
	if (i < s->nspecs) {
		s->gap[i] |= gap;
		mlg_buf_release(&norm);
		return 0;
	}
	s->specs = mlg_grow(s->specs, sizeof(*s->specs), s->nspecs + 1,
			    &s->aspecs);
	s->gap = mlg_grow(s->gap, sizeof(*s->gap), s->nspecs + 1, &s->agap);
	s->specs[s->nspecs] = mlg_buf_detach(&norm, NULL);
	s->gap[s->nspecs++] = gap;
	return 0;
}

int mlg_slices_compute(struct mlg_slices *s, struct mlg_predfile *pf,
		       const struct mlg_metric_opts *opts)
{
	size_t k, i, j;
	int rc = 0;

	for (k = 0; k < s->nspecs; k++) {
		size_t idx[MAX_SPEC_COLS], n = 0, ng;
		struct mlg_slice *g;
		char *spec = mlg_strdup(s->specs[k]), *p, *save = NULL;

		for (p = strtok_r(spec, ",", &save); p && n < MAX_SPEC_COLS;
		     p = strtok_r(NULL, ",", &save))
			for (j = 0; j < s->ncols; j++)
				if (!strcmp(s->cols[j], p))
					idx[n++] = j;
		free(spec);
		if ((rc = mlg_predfile_slices(&g, &ng, pf, idx, n)))
			return rc;
		for (i = 0; i < ng; i++) {
			struct mlg_slice_metrics *z;

			s->sl = mlg_grow(s->sl, sizeof(*s->sl), s->n + 1,
					 &s->asl);
			z = &s->sl[s->n++];
			z->name = g[i].name;
			g[i].name = NULL;
			z->canon = mlg_slice_canon(z->name);
			z->n = g[i].n;
			z->gap = s->gap[k];
			rc = mlg_predfile_metrics(&z->m, NULL, pf, g[i].rows,
						  g[i].n, opts);
			if (rc)
				break;
		}
		mlg_predfile_slices_free(g, ng);
		if (rc)
			return rc;
	}
	return 0;
}

struct mlg_slice_metrics *mlg_slices_find(const struct mlg_slices *s,
					  const char *sel)
{
	char *c = mlg_slice_canon(sel);
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->sl[i].canon, c)) {
			free(c);
			return &s->sl[i];
		}
	free(c);
	return NULL;
}

void mlg_slices_check_rule(struct mlg_report *r, const struct mlg_slices *s,
			   const struct mlg_predfile *pf,
			   const struct mlg_metrics *all,
			   const struct mlg_threshold *t)
{
	const struct mlg_metrics *m = all;
	const struct mlg_metric *v;
	struct mlg_buf id = MLG_BUF_INIT;
	struct mlg_check *c;
	struct mlg_slice_metrics *z;
	double count = (double)pf->n;

	mlg_buf_addf(&id, "%s%s%s%s", t->metric, t->selector ? "[" : "",
		     t->selector ? t->selector : "", t->selector ? "]" : "");
	c = mlg_report_add_check(r, id.ptr, MLG_STATUS_FAIL, NULL);
	mlg_check_set_threshold(c, t->text);
	mlg_buf_release(&id);
	if (t->selector) {
		if (!(z = mlg_slices_find(s, t->selector))) {
			mlg_check_set_message(c, "no rows in slice '%s'",
					      t->selector);
			return;
		}
		m = &z->m;
		count = (double)z->n;
		if (z->n < s->min_size) {
			c->status = MLG_STATUS_SKIP;
			mlg_check_set_message(c,
					      "slice '%s' has %zu rows, fewer "
					      "than --min-slice-size %zu",
					      z->name, z->n, s->min_size);
			return;
		}
	}
	if (t->arg) {
		mlg_check_set_message(c, "metric '%s' takes no argument",
				      t->metric);
		return;
	}
	if (!strcmp(t->metric, "count")) {
		mlg_check_set_value(c, count, NULL);
		c->status = mlg_threshold_holds(t, count) ? MLG_STATUS_PASS
							  : MLG_STATUS_FAIL;
		return;
	}
	if (!(v = mlg_metrics_get(m, t->metric))) {
		mlg_check_set_message(
			c, "metric '%s' is not computed for a %s task%s",
			t->metric, mlg_task_name(pf->task),
			pf->proba || pf->task == MLG_TASK_REGRESSION
				? ""
				: " without --proba");
		return;
	}
	if (v->undefined) {
		c->status = MLG_STATUS_ERROR;
		mlg_check_set_message(c, "%s is undefined: %s", t->metric,
				      v->undefined);
		return;
	}
	mlg_check_set_value(c, v->value, NULL);
	c->status = mlg_threshold_holds(t, v->value) ? MLG_STATUS_PASS
						     : MLG_STATUS_FAIL;
}

struct gap {
	const struct mlg_slice_metrics *z;
	double value, gap;
	const char *undefined;
};

void mlg_slices_report(struct mlg_report *r, const struct mlg_slices *s,
		       const struct mlg_metrics *all, int regression)
{
	static const char *const cls[] = {"accuracy", "f1", "roc_auc"},
				 *const reg[] = {"rmse", "mae", "r2"};
	const char *const *names = regression ? reg : cls;
	const char *cols[6];
	char cells[5][32];
	const char *row[6];
	struct mlg_table *tab = NULL;
	size_t i, k, nm = 0;

	cols[0] = "slice";
	cols[1] = "rows";
	for (k = 0; k < 3; k++)
		if (mlg_metrics_get(all, names[k]))
			cols[2 + nm++] = names[k];
	for (i = 0; i < s->n; i++) {
		const struct mlg_slice_metrics *z = &s->sl[i];

		if (!z->gap)
			continue;
		if (!tab)
			tab = mlg_report_add_table(r, "slices", "Slices",
						   2 + nm, cols);
		row[0] = z->name;
		snprintf(cells[0], sizeof(cells[0]), "%zu", z->n);
		row[1] = cells[0];
		for (k = 0; k < nm; k++) {
			const struct mlg_metric *m =
				mlg_metrics_get(&z->m, cols[2 + k]);

			row[2 + k] = cells[1 + k];
			if (z->n < s->min_size)
				row[2 + k] = k ? "" : "skipped";
			else if (!m || m->undefined)
				row[2 + k] = "undefined";
			else
				mlg_format_value(cells[1 + k], m->value);
		}
		mlg_table_add_row(tab, row);
	}
}

/* Worst first: a slice we cannot judge is shown before any number. */
static int cmp_gap(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;

	if (!x->undefined != !y->undefined)
		return x->undefined ? -1 : 1;
	if (x->gap != y->gap)
		return x->gap > y->gap ? -1 : 1;
	return strcmp(x->z->name, y->z->name);
}

/* The check and table row of one slice held to gap rule `t`. */
static void gap_row(struct mlg_report *r, struct mlg_table *tab,
		    const struct mlg_threshold *t, const struct gap *g,
		    double overall)
{
	struct mlg_buf cid = MLG_BUF_INIT;
	struct mlg_check *c;
	char n[32], v[32], o[32], d[32];
	int ok = !g->undefined && mlg_threshold_holds(t, g->gap);
	enum mlg_status st = g->undefined ? MLG_STATUS_ERROR
			     : ok	  ? MLG_STATUS_PASS
					  : MLG_STATUS_FAIL;

	mlg_buf_addf(&cid, "slice-gap:%s[%s]", t->metric, g->z->name);
	if (g->undefined)
		c = mlg_report_add_check(r, cid.ptr, st, "%s is undefined: %s",
					 t->metric, g->undefined);
	else
		c = mlg_report_add_check(r, cid.ptr, st,
					 "%s %.6g vs %.6g overall", t->metric,
					 g->value, overall);
	mlg_buf_release(&cid);
	mlg_check_set_threshold(c, t->text);
	if (!g->undefined)
		mlg_check_set_value(c, g->gap, NULL);
	snprintf(n, sizeof(n), "%zu", g->z->n);
	snprintf(v, sizeof(v), "%.6g", g->value);
	snprintf(o, sizeof(o), "%.6g", overall);
	snprintf(d, sizeof(d), "%.6g", g->gap);
	mlg_table_add_row(
		tab, (const char *const[]){
			     g->z->name, n, g->undefined ? "undefined" : v, o,
			     g->undefined ? "" : d, mlg_status_name(st)});
}

void mlg_slices_check_gap(struct mlg_report *r, const struct mlg_slices *s,
			  const struct mlg_metrics *all,
			  const struct mlg_threshold *t)
{
	static const char *const cols[] = {"slice",   "rows", "value",
					   "overall", "gap",  "status"};
	const struct mlg_metric *o = mlg_metrics_get(all, t->metric);
	int hib = mlg_metric_higher_is_better(t->metric);
	struct gap *g;
	struct mlg_table *tab;
	struct mlg_buf title = MLG_BUF_INIT;
	size_t i, ng = 0;

	if (!o || o->undefined) {
		struct mlg_check *c = mlg_report_add_check(
			r, t->text, o ? MLG_STATUS_ERROR : MLG_STATUS_FAIL,
			"overall %s is %s", t->metric,
			o ? "undefined" : "not computed");
		mlg_check_set_threshold(c, t->text);
		return;
	}
	g = mlg_calloc(s->n + 1, sizeof(*g));
	for (i = 0; i < s->n; i++) {
		const struct mlg_slice_metrics *z = &s->sl[i];
		/* the same task as overall: the metric is there */
		const struct mlg_metric *v = mlg_metrics_get(&z->m, t->metric);
		struct mlg_buf cid = MLG_BUF_INIT;
		struct mlg_check *c;

		if (!z->gap)
			continue;
		if (z->n < s->min_size) {
			mlg_buf_addf(&cid, "slice-gap:%s[%s]", t->metric,
				     z->name);
			c = mlg_report_add_check(
				r, cid.ptr, MLG_STATUS_SKIP,
				"%zu rows, fewer than --min-slice-size %zu",
				z->n, s->min_size);
			mlg_check_set_threshold(c, t->text);
			mlg_buf_release(&cid);
			continue;
		}
		g[ng].z = z;
		g[ng].undefined = v->undefined;
		g[ng].value = v->value;
		g[ng].gap = hib ? o->value - v->value : v->value - o->value;
		ng++;
	}
	qsort(g, ng, sizeof(*g), cmp_gap);
	mlg_buf_addf(&title, "Worst slices by %s (rule %s)", t->metric,
		     t->text);
	tab = mlg_report_add_table(r, "worst-slices", title.ptr, 6, cols);
	mlg_buf_release(&title);
	for (i = 0; i < ng; i++)
		gap_row(r, tab, t, &g[i], o->value);
	free(g);
}

int mlg_slices_write_metrics(const char *path, const struct mlg_slices *s,
			     const struct mlg_metrics *all,
			     const struct json_t *extra)
{
	json_t *o = json_object();
	struct mlg_buf b = MLG_BUF_INIT, p = MLG_BUF_INIT;
	size_t i;
	int rc;

	mlg_metrics_to_json(o, "", all);
	for (i = 0; i < s->n; i++) {
		mlg_buf_reset(&p);
		mlg_buf_addf(&p, "slice/%s/", s->sl[i].name);
		mlg_metrics_to_json(o, p.ptr, &s->sl[i].m);
	}
	if (extra)
		json_object_update(o, (json_t *)extra);
	if ((rc = mlg_json_dump(&b, o, 2)))
		goto done;
	if ((rc = mlg_buf_addch(&b, '\n')))
		goto done;
	rc = mlg_file_write(path, b.ptr, b.len);
done:
	json_decref(o);
	mlg_buf_release(&b);
	mlg_buf_release(&p);
	return rc;
}

void mlg_slices_release(struct mlg_slices *s)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		free((char *)s->cols[i]);
	for (i = 0; i < s->nspecs; i++)
		free(s->specs[i]);
	for (i = 0; i < s->n; i++) {
		free(s->sl[i].name);
		free(s->sl[i].canon);
	}
	free(s->cols);
	free(s->specs);
	free(s->gap);
	free(s->sl);
	memset(s, 0, sizeof(*s));
}
