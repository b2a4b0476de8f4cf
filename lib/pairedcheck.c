#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/paired.h"
#include "mlgate/pairedcheck.h"
#include "mlgate/predfile.h"
#include "mlgate/report.h"
#include "mlgate/util.h"

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

int mlg_paired_rule_parse(struct mlg_paired_rule *out, const char *line)
{
	char *s = mlg_strdup(line), *colon, *name, *verb;
	int rc = 0;

	out->metric = NULL;
	out->better = 0;
	if (!(colon = strchr(s, ':'))) {
		rc = mlg_error_set(MLG_EINVALID,
				   "bad paired rule '%s': expected 'METRIC: "
				   "not-worse|better'",
				   line);
		goto done;
	}
	*colon = '\0';
	name = trim(s);
	verb = trim(colon + 1);
	if (!strcmp(name, "auc"))
		name = "roc_auc";
	if (mlg_metric_higher_is_better(name) < 0) {
		rc = mlg_error_set(MLG_EINVALID,
				   "bad paired rule '%s': unknown metric '%s'",
				   line, name);
		goto done;
	}
	if (!strcmp(verb, "better"))
		out->better = 1;
	else if (strcmp(verb, "not-worse")) {
		rc = mlg_error_set(MLG_EINVALID,
				   "bad paired rule '%s': expected 'not-worse' "
				   "or 'better', not '%s'",
				   line, verb);
		goto done;
	}
	out->metric = mlg_strdup(name);
done:
	free(s);
	return rc;
}

void mlg_paired_rule_release(struct mlg_paired_rule *rule)
{
	free(rule->metric);
	rule->metric = NULL;
}

struct pair {
	struct mlg_predfile base, cur;
	const char *bsrc, *csrc;
	size_t n;
	size_t *map; /* the candidate row of each baseline row */
	uint32_t *rows;
	const char *metric;
};

static int load(struct mlg_predfile *pf, const char *src, const char *role,
		const struct mlg_pairedcheck_opts *o)
{
	const char *slices[1] = {o->id};
	struct mlg_predfile_opts po = {0};
	int rc;

	po.label = o->label;
	po.pred = o->pred;
	po.proba = o->proba;
	po.id = o->id;
	po.slices = slices;
	po.nslices = o->id ? 1 : 0;
	if ((rc = mlg_predfile_read(pf, src, &po))) {
		mlg_error_prefix("cannot read %s predictions", role);
		return rc;
	}
	if (pf->nbad)
		return mlg_error_set(MLG_EINVALID,
				     "'%s': %llu invalid row%s, first at line "
				     "%llu: %s",
				     src, (unsigned long long)pf->nbad,
				     pf->nbad == 1 ? "" : "s",
				     (unsigned long long)pf->bad[0].line,
				     pf->bad[0].message);
	if (!pf->n)
		return mlg_error_set(MLG_EINVALID, "'%s': no rows", src);
	return 0;
}

static int cmp_code(const void *a, const void *b, void *arg)
{
	const struct mlg_predfile_key *k = arg;

	return strcmp(k->values[*(const uint32_t *)a],
		      k->values[*(const uint32_t *)b]);
}

/* Code of `id` in `k` through its sorted codes, or -1. */
static long find(const struct mlg_predfile_key *k, const uint32_t *sorted,
		 const char *id)
{
	size_t lo = 0, hi = k->nvalues;
	int c;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		c = strcmp(id, k->values[sorted[mid]]);
		if (!c)
			return (long)sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static uint32_t *sorted_codes(const struct mlg_predfile_key *k)
{
	uint32_t *s = mlg_malloc((k->nvalues + 1) * sizeof(*s));
	size_t i;

	for (i = 0; i < k->nvalues; i++)
		s[i] = (uint32_t)i;
	qsort_r(s, k->nvalues, sizeof(*s), cmp_code, (void *)k);
	return s;
}

/* The first id of `a` (whose rows are unique) missing from `b`, or -1. */
static long missing(const struct mlg_predfile_key *a,
		    const struct mlg_predfile_key *b, const uint32_t *bsorted)
{
	size_t i;

	for (i = 0; i < a->nvalues; i++)
		if (find(b, bsorted, a->values[i]) < 0)
			return (long)i;
	return -1;
}

static int by_id(struct pair *p)
{
	const struct mlg_predfile_key *bk = &p->base.keys[0],
				      *ck = &p->cur.keys[0];
	uint32_t *bs = NULL, *cs = NULL;
	size_t *row = NULL, i;
	long m;
	int rc = 0;

	if (bk->nvalues != p->base.n || ck->nvalues != p->cur.n) {
		const struct mlg_predfile *pf =
			bk->nvalues != p->base.n ? &p->base : &p->cur;
		const char *src = pf == &p->base ? p->bsrc : p->csrc;
		unsigned char *seen = mlg_malloc(pf->keys[0].nvalues + 1);

		memset(seen, 0, pf->keys[0].nvalues + 1);
		for (i = 0; i < pf->n && !seen[pf->keys[0].code[i]]; i++)
			seen[pf->keys[0].code[i]] = 1;
		rc = mlg_error_set(MLG_EINVALID, "id '%s' is repeated in '%s'",
				   pf->keys[0].values[pf->keys[0].code[i]],
				   src);
		free(seen);
		return rc;
	}
	bs = sorted_codes(bk);
	cs = sorted_codes(ck);
	if ((m = missing(bk, ck, cs)) >= 0) {
		rc = mlg_error_set(MLG_EINVALID,
				   "id '%s' of '%s' is not in '%s'",
				   bk->values[m], p->bsrc, p->csrc);
		goto done;
	}
	if ((m = missing(ck, bk, bs)) >= 0) {
		rc = mlg_error_set(MLG_EINVALID,
				   "id '%s' of '%s' is not in '%s'",
				   ck->values[m], p->csrc, p->bsrc);
		goto done;
	}
	/* both hold the same unique ids: code -> candidate row is total */
	row = mlg_malloc(ck->nvalues * sizeof(*row));
	for (i = 0; i < p->cur.n; i++)
		row[ck->code[i]] = i;
	for (i = 0; i < p->base.n; i++)
		p->map[i] = row[find(ck, cs, bk->values[bk->code[i]])];
done:
	free(row);
	free(bs);
	free(cs);
	return rc;
}

static const char *row_name(const struct pair *p, size_t i, char *tmp,
			    size_t len)
{
	if (p->base.nkeys)
		return p->base.keys[0].values[p->base.keys[0].code[i]];
	snprintf(tmp, len, "row %zu", i + 1);
	return tmp;
}

static int align(struct pair *p)
{
	char tmp[32];
	size_t i, j;
	int same;

	p->n = p->base.n;
	p->map = mlg_malloc(p->n * sizeof(*p->map));
	p->rows = mlg_malloc(p->n * sizeof(*p->rows));
	if (p->base.nkeys) {
		int rc = by_id(p);

		if (rc)
			return rc;
	} else if (p->base.n != p->cur.n) {
		return mlg_error_set(MLG_EINVALID,
				     "'%s' has %zu rows and '%s' %zu: give "
				     "--paired-id or the same rows",
				     p->bsrc, p->base.n, p->csrc, p->cur.n);
	} else {
		for (i = 0; i < p->n; i++)
			p->map[i] = i;
	}
	if (p->base.task != p->cur.task)
		return mlg_error_set(MLG_EINVALID, "'%s' is %s and '%s' is %s",
				     p->bsrc, mlg_task_name(p->base.task),
				     p->csrc, mlg_task_name(p->cur.task));
	for (i = 0; i < p->n; i++) {
		j = p->map[i];
		if (p->base.task == MLG_TASK_REGRESSION)
			same = p->base.yv[i] == p->cur.yv[j];
		else
			same = !strcmp(p->base.classes[p->base.y[i]],
				       p->cur.classes[p->cur.y[j]]);
		if (!same)
			return mlg_error_set(
				MLG_EINVALID,
				"the label of %s differs between '%s' and '%s'",
				row_name(p, i, tmp, sizeof(tmp)), p->bsrc,
				p->csrc);
	}
	return 0;
}

/* The predicted class of row i: the pred column, else from proba. */
static int32_t predicted(const struct mlg_predfile *pf, size_t i)
{
	size_t c, best = 0, k = pf->nproba;

	if (pf->pred)
		return pf->pred[i];
	if (k == 1)
		return pf->proba[i] > 0.5;
	for (c = 1; c < k; c++)
		if (pf->proba[i * k + c] > pf->proba[i * k + best])
			best = c;
	return (int32_t)best;
}

static int mcnemar(struct mlg_paired_result *out, struct pair *p)
{
	unsigned char *ok = mlg_malloc(2 * p->n);
	size_t i, j;
	int rc;

	if (p->base.task == MLG_TASK_REGRESSION) {
		free(ok);
		return mlg_error_set(MLG_EINVALID,
				     "accuracy needs a classification task");
	}
	for (i = 0; i < p->n; i++) {
		j = p->map[i];
		ok[i] = predicted(&p->base, i) == p->base.y[i];
		ok[p->n + i] = !strcmp(p->cur.classes[predicted(&p->cur, j)],
				       p->cur.classes[p->cur.y[j]]);
	}
	rc = mlg_paired_mcnemar(out, ok, ok + p->n, p->n, MLG_MCNEMAR_AUTO);
	free(ok);
	return rc;
}

static double score(const struct mlg_predfile *pf, size_t i)
{
	return pf->nproba == 1 ? pf->proba[i] : pf->proba[i * pf->nproba + 1];
}

static int delong(struct mlg_paired_result *out, struct pair *p)
{
	double *s;
	unsigned char *label;
	size_t i;
	int rc;

	if (p->base.task != MLG_TASK_BINARY || !p->base.proba || !p->cur.proba)
		return mlg_error_set(MLG_EINVALID,
				     "roc_auc needs a binary task with "
				     "probabilities (--paired-proba)");
	s = mlg_malloc(2 * p->n * sizeof(*s));
	label = mlg_malloc(p->n);
	for (i = 0; i < p->n; i++) {
		s[i] = score(&p->base, i);
		s[p->n + i] = score(&p->cur, p->map[i]);
		label[i] = p->base.y[i] == 1;
	}
	rc = mlg_paired_delong(out, s, s + p->n, label, p->n);
	free(s);
	free(label);
	return rc;
}

static int metric_fn(double *out, int model, const size_t *idx, size_t n,
		     void *arg)
{
	struct pair *p = arg;
	struct mlg_predfile *pf = model ? &p->cur : &p->base;
	struct mlg_metric_opts mo = {0};
	struct mlg_metrics m;
	const struct mlg_metric *x;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		p->rows[i] = (uint32_t)(model ? p->map[idx[i]] : idx[i]);
	if ((rc = mlg_predfile_metrics(&m, NULL, pf, p->rows, n, &mo)))
		return rc;
	if (!(x = mlg_metrics_get(&m, p->metric)))
		return mlg_error_set(MLG_EINVALID,
				     "no metric '%s' for a %s task", p->metric,
				     mlg_task_name(pf->task));
	if (x->undefined)
		return mlg_error_set(MLG_EINVALID,
				     "%s of the %s is undefined: %s", p->metric,
				     model ? "candidate" : "baseline",
				     x->undefined);
	*out = x->value;
	return 0;
}

static int rule_check(struct mlg_report *r, struct pair *p,
		      const struct mlg_paired_rule *rule,
		      const struct mlg_pairedcheck_opts *o, double alpha)
{
	struct mlg_paired_result res;
	struct mlg_paired_metric pm = {metric_fn, p};
	struct mlg_bootstrap_opts bo = {0};
	struct mlg_check *c;
	struct mlg_buf why = MLG_BUF_INIT;
	int higher = mlg_metric_higher_is_better(rule->metric);
	int boot = 0, worse, better, rc;
	char *id, *thr;

	p->metric = rule->metric;
	if (!strcmp(rule->metric, "accuracy")) {
		rc = mcnemar(&res, p);
	} else if (!strcmp(rule->metric, "roc_auc")) {
		rc = delong(&res, p);
	} else {
		boot = 1;
		bo.resamples = o->resamples;
		bo.level = 1 - alpha;
		bo.seed = o->seed;
		rc = mlg_paired_bootstrap(&res, p->n, &pm, &bo);
	}
	if (rc) {
		mlg_error_prefix("paired rule '%s'", rule->metric);
		return rc;
	}
	if (boot) {
		/* the interval at 1 - alpha decides, not the p-value */
		worse = higher ? res.ci_high < 0 : res.ci_low > 0;
		better = higher ? res.ci_low > 0 : res.ci_high < 0;
		mlg_buf_addf(&why, "%g%% bootstrap CI [%.6g, %.6g] (B %zu)",
			     100 * (1 - alpha), res.ci_low, res.ci_high,
			     res.resamples);
	} else {
		int sig = res.p_value < alpha;

		worse = sig && (higher ? res.diff < 0 : res.diff > 0);
		better = sig && (higher ? res.diff > 0 : res.diff < 0);
		mlg_buf_addf(&why, "%s p = %.6g %s alpha %g", res.method,
			     res.p_value, sig ? "<" : ">=", alpha);
	}
	id = mlg_strfmt("paired:%s", rule->metric);
	c = mlg_report_add_check(
		r, id,
		(rule->better ? !better : worse) ? MLG_STATUS_FAIL
						 : MLG_STATUS_PASS,
		"%.6g -> %.6g (%+.6g) on %zu rows: %s: %s", res.baseline,
		res.candidate, res.diff, p->n, why.ptr,
		worse	 ? "significantly worse"
		: better ? "significantly better"
			 : "no significant difference");
	mlg_check_set_value(c, res.diff, NULL);
	thr = mlg_strfmt("%s: %s at alpha %g", rule->metric,
			 rule->better ? "better" : "not-worse", alpha);
	mlg_check_set_threshold(c, thr);
	free(thr);
	free(id);
	mlg_buf_release(&why);
	return 0;
}

int mlg_pairedcheck_run(struct mlg_report *r, const char *base_src,
			const char *cur_src,
			const struct mlg_paired_rule *rules, size_t nrules,
			const struct mlg_pairedcheck_opts *opts)
{
	struct pair p = {0};
	double alpha = opts->alpha ? opts->alpha : 0.05;
	size_t i;
	int rc;

	p.bsrc = base_src;
	p.csrc = cur_src;
	if (!(alpha > 0 && alpha < 1)) {
		rc = mlg_error_set(MLG_EINVALID,
				   "alpha must be between 0 and 1, not %g",
				   alpha);
		goto done;
	}
	if (!nrules) {
		rc = mlg_error_set(MLG_EINVALID,
				   "no paired rule: give "
				   "--paired 'METRIC: not-worse'");
		goto done;
	}
	if ((rc = load(&p.base, base_src, "baseline", opts)) ||
	    (rc = load(&p.cur, cur_src, "current", opts)) || (rc = align(&p)))
		goto done;
	for (i = 0; i < nrules; i++)
		if ((rc = rule_check(r, &p, &rules[i], opts, alpha)))
			goto done;
done:
	free(p.map);
	free(p.rows);
	mlg_predfile_release(&p.base);
	mlg_predfile_release(&p.cur);
	return rc;
}
