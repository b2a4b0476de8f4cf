/*
 * metrics_ml.c - classification and regression metrics (see metrics_ml.h)
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/metrics_ml.h"
#include "mlgate/report.h"
#include "mlgate/util.h"

const char *mlg_task_name(enum mlg_task t)
{
	switch (t) {
	case MLG_TASK_BINARY:
		return "binary";
	case MLG_TASK_MULTICLASS:
		return "multiclass";
	case MLG_TASK_REGRESSION:
		return "regression";
	default:
		return "auto";
	}
}

static const struct {
	const char *name;
	int higher;
} known[] = {
	{"accuracy", 1},
	{"balanced_accuracy", 1},
	{"precision", 1},
	{"recall", 1},
	{"f1", 1},
	{"matthews_corrcoef", 1},
	{"roc_auc", 1},
	{"average_precision", 1},
	{"log_loss", 0},
	{"brier_score", 0},
	{"ece", 0},
	{"mae", 0},
	{"mse", 0},
	{"rmse", 0},
	{"r2", 1},
	{"mape", 0},
	{"median_absolute_error", 0},
	{"max_error", 0},
	{"count", 1},
};

int mlg_metric_higher_is_better(const char *name)
{
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(known); i++)
		if (!strcmp(known[i].name, name))
			return known[i].higher;
	return -1;
}

const struct mlg_metric *mlg_metrics_get(const struct mlg_metrics *m,
					 const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->m[i].name, name))
			return &m->m[i];
	return NULL;
}

static void put(struct mlg_metrics *m, const char *name, double v,
		const char *undefined)
{
	struct mlg_metric *x;

	if (m->n >= MLG_METRICS_MAX)
		MLG_BUG("too many metrics");
	x = &m->m[m->n++];
	x->name = name;
	/* Values near the largest doubles: a sum of squares overflows. */
	if (!undefined && !isfinite(v))
		undefined = "the values overflow a double";
	x->value = undefined ? 0 : v;
	x->undefined = undefined;
}

struct mlg_rank_item *mlg_metrics_scratch(size_t n)
{
	return mlg_malloc((2 * n + 1) * sizeof(struct mlg_rank_item));
}

/* By key, 8 bits a digit: probabilities share their top bits, so the
 * digits they share cost no pass. Returns `a` or `tmp`. */
static struct mlg_rank_item *rsort(struct mlg_rank_item *a,
				   struct mlg_rank_item *tmp, size_t n)
{
	_Static_assert(offsetof(struct mlg_rank_item, key) == 0,
		       "a rank item starts with its key");
	return mlg_radix_sort(a, tmp, n, sizeof(*a), 8);
}

/* Sorted descending by score (walked from the end); ties form blocks, so
 * every distinct score is one threshold, as _binary_clf_curve does. */
static int rank_sorted(double *auc, double *ap, const struct mlg_rank_item *s,
		       size_t n)
{
	double tp = 0, fp = 0, tp0 = 0, fp0 = 0, area = 0, prec = 0, P, N;
	size_t i = n;

	P = N = 0;
	for (i = 0; i < n; i++) {
		if (signbit(s[i].w))
			N -= s[i].w;
		else
			P += s[i].w;
	}
	if (!(P > 0) || !(N > 0))
		return mlg_error_set(MLG_EDATA,
				     "only one class present in the labels");
	i = n;
	while (i > 0) {
		uint64_t k = s[i - 1].key;

		while (i > 0 && s[i - 1].key == k) {
			i--;
			if (signbit(s[i].w))
				fp -= s[i].w;
			else
				tp += s[i].w;
		}
		area += (fp - fp0) * (tp + tp0) / 2;
		if (tp + fp > 0)
			prec += (tp - tp0) * (tp / (tp + fp));
		tp0 = tp;
		fp0 = fp;
	}
	if (auc)
		*auc = area / (P * N);
	if (ap)
		*ap = prec / P;
	return 0;
}

int mlg_metric_rank(double *auc, double *ap, const double *score,
		    const unsigned char *pos, const double *w, size_t n,
		    struct mlg_rank_item *scratch)
{
	struct mlg_rank_item *a = scratch ? scratch : mlg_metrics_scratch(n);
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1;

		a[i].key = mlg_double_key(score[i]);
		a[i].w = pos[i] ? wi : -wi;
		if (!pos[i] && wi == 0)
			a[i].w = -0.0;
	}
	rc = rank_sorted(auc, ap, rsort(a, a + n, n), n);
	if (!scratch)
		free(a);
	return rc;
}

static double ratio(double num, double den, double zd)
{
	return den != 0 ? num / den : zd;
}

/* precision, recall and f1 from per-class counts. */
static void prf(struct mlg_metrics *out, const double *cm, size_t k,
		enum mlg_average avg, int binary, double zd)
{
	double p = 0, r = 0, f = 0, tps = 0, fps = 0, fns = 0, wsum = 0;
	size_t c, j, used = 0;

	if (avg == MLG_AVG_BINARY && binary) {
		double tp = 0, fp = 0, fn = 0;

		if (k == 2) {
			tp = cm[3];
			fp = cm[1];
			fn = cm[2];
		} else if (k == 1) {
			tp = cm[0];
		}
		put(out, "precision", ratio(tp, tp + fp, zd), NULL);
		put(out, "recall", ratio(tp, tp + fn, zd), NULL);
		put(out, "f1", ratio(2 * tp, 2 * tp + fp + fn, zd), NULL);
		return;
	}
	for (c = 0; c < k; c++) {
		double tp = cm[c * k + c], t = 0, pr = 0, fp, fn;

		for (j = 0; j < k; j++) {
			t += cm[c * k + j];
			pr += cm[j * k + c];
		}
		/* sklearn's label set: classes seen in y_true or y_pred */
		if (t == 0 && pr == 0)
			continue;
		used++;
		fp = pr - tp;
		fn = t - tp;
		tps += tp;
		fps += fp;
		fns += fn;
		if (avg == MLG_AVG_WEIGHTED) {
			p += t * ratio(tp, tp + fp, zd);
			r += t * ratio(tp, tp + fn, zd);
			f += t * ratio(2 * tp, 2 * tp + fp + fn, zd);
			wsum += t;
		} else {
			p += ratio(tp, tp + fp, zd);
			r += ratio(tp, tp + fn, zd);
			f += ratio(2 * tp, 2 * tp + fp + fn, zd);
		}
	}
	if (avg == MLG_AVG_MICRO) {
		p = ratio(tps, tps + fps, zd);
		r = ratio(tps, tps + fns, zd);
		f = ratio(2 * tps, 2 * tps + fps + fns, zd);
	} else if (avg == MLG_AVG_WEIGHTED) {
		p = ratio(p, wsum, zd);
		r = ratio(r, wsum, zd);
		f = ratio(f, wsum, zd);
	} else if (used) {
		p /= used;
		r /= used;
		f /= used;
	}
	put(out, "precision", p, NULL);
	put(out, "recall", r, NULL);
	put(out, "f1", f, NULL);
}

static void counting(struct mlg_metrics *out, const double *cm, size_t k,
		     double total)
{
	double diag = 0, bal = 0, tt = 0, pp = 0, cov, vy, vp, vv;
	size_t c, j, present = 0;

	for (c = 0; c < k; c++) {
		double t = 0, p = 0;

		for (j = 0; j < k; j++) {
			t += cm[c * k + j];
			p += cm[j * k + c];
		}
		diag += cm[c * k + c];
		if (t > 0) {
			bal += cm[c * k + c] / t;
			present++;
		}
		tt += t * p;
		pp += p * p;
	}
	put(out, "accuracy", ratio(diag, total, 0),
	    total > 0 ? NULL : "no rows");
	put(out, "balanced_accuracy", present ? bal / present : 0,
	    present ? NULL : "no rows");
	/* Gorodkin's R_K, sklearn's matthews_corrcoef */
	cov = diag * total - tt;
	vp = total * total - pp;
	vy = 0;
	for (c = 0; c < k; c++) {
		double t = 0;

		for (j = 0; j < k; j++)
			t += cm[c * k + j];
		vy += t * t;
	}
	vy = total * total - vy;
	/* A constant marginal's variance may round below 0 with weights.
	 * sklearn's sqrt(vy * vp), but apart where large weights make the
	 * product overflow. */
	vv = vy * vp;
	put(out, "matthews_corrcoef",
	    vy > 0 && vp > 0
		    ? cov / (isfinite(vv) ? sqrt(vv) : sqrt(vy) * sqrt(vp))
		    : 0,
	    NULL);
}

static double pget(const struct mlg_cls_data *d, size_t i, size_t c)
{
	return d->proba[i * d->nproba + c];
}

/* P(class 1) of a binary row. */
static double ppos(const struct mlg_cls_data *d, size_t i)
{
	return d->nproba == 1 ? pget(d, i, 0) : pget(d, i, 1);
}

static int32_t predicted(const struct mlg_cls_data *d, size_t i)
{
	size_t c, best = 0;

	if (d->pred)
		return d->pred[i];
	if (d->binary)
		return ppos(d, i) > 0.5;
	for (c = 1; c < d->nproba; c++)
		if (pget(d, i, c) > pget(d, i, best))
			best = c;
	return (int32_t)best;
}

/* Clip to [eps, 1 - eps] as fmin(fmax(q, eps), 1 - eps), NaN to eps,
 * without the two calls. */
static double clip(double q)
{
	const double eps = DBL_EPSILON;

	return !(q >= eps) ? eps : q > 1 - eps ? 1 - eps : q;
}

/* One block of tied scores of the sorted curve (rank_sorted()). */
struct curve {
	double tp, fp, tp0, fp0, area, prec;
};

static void step(struct curve *c, double pos, double neg)
{
	c->tp += pos;
	c->fp += neg;
	c->area += (c->fp - c->fp0) * (c->tp + c->tp0) / 2;
	if (c->tp + c->fp > 0)
		c->prec += (c->tp - c->tp0) * (c->tp / (c->tp + c->fp));
	c->tp0 = c->tp;
	c->fp0 = c->fp;
}

/* Logs of the last scores seen, by score bits: scores repeat (rounded
 * probabilities), and log() is the costly part of the row loop. */
#define LOG_CACHE 4096
struct log_cache {
	uint64_t bits[LOG_CACHE];
	double lp[LOG_CACHE][2]; /* log of the negative, positive share */
};

/*
 * Log loss, Brier score and the ECE bins: sums over the rows, in row
 * order, so that their values do not depend on threads. They run beside
 * the ranking (calib_start()), on a thread of their own for large inputs.
 */
struct calib {
	const struct mlg_cls_data *d;
	double wt, ll, br, bw[10], by[10], bp[10];
	pthread_t tid;
	int threaded;
};

static void bin(struct calib *c, double w, double conf, double hit)
{
	int b = conf >= 1 ? 9 : conf <= 0 ? 0 : (int)(conf * 10);

	c->bw[b] += w;
	c->by[b] += w * hit;
	c->bp[b] += w * conf;
}

/* A binary task with one probability column: the log is taken once per
 * recent distinct score (log_cache). */
static void *calib_binary(void *arg)
{
	struct calib *c = arg;
	const struct mlg_cls_data *d = c->d;
	struct log_cache *lc = mlg_calloc(1, sizeof(*lc));
	size_t i;

	for (i = 0; i < d->n; i++) {
		double w = d->w ? d->w[i] : 1, q = d->proba[i], q1, q0;
		int y = d->y[i] == 1;
		uint64_t u;
		size_t h;

		memcpy(&u, &q, sizeof(u));
		h = (size_t)((u * 0x9E3779B97F4A7C15ULL) >> 52);
		if (lc->bits[h] != u || !lc->bits[h]) {
			/* sklearn 1.2: clip, make the second column of a
			 * 1-D input, then renormalise the row */
			q1 = clip(q);
			q0 = 1 - q1;
			lc->bits[h] = u;
			lc->lp[h][0] = log(q0 / (q0 + q1));
			lc->lp[h][1] = log(q1 / (q0 + q1));
		}
		c->wt += w;
		c->ll -= w * lc->lp[h][y];
		c->br += w * (q - y) * (q - y);
		bin(c, w, q, y);
	}
	free(lc);
	return NULL;
}

/* Two probability columns or more. */
static void *calib_general(void *arg)
{
	struct calib *c = arg;
	const struct mlg_cls_data *d = c->d;
	const double eps = DBL_EPSILON;
	size_t i, k, n = d->nclasses;

	for (i = 0; i < d->n; i++) {
		double w = d->w ? d->w[i] : 1, p, conf, hit;

		c->wt += w;
		if (d->binary) {
			double q = ppos(d, i), q1, q0, y = d->y[i] == 1;

			/* sklearn 1.2: clip, then renormalise the row. Two
			 * columns: one is calib_binary()'s. */
			q1 = fmin(fmax(q, eps), 1 - eps);
			q0 = fmin(fmax(pget(d, i, 0), eps), 1 - eps);
			p = (y ? q1 : q0) / (q0 + q1);
			c->br += w * (q - y) * (q - y);
			conf = q;
			hit = y;
		} else {
			double s = 0;

			for (k = 0; k < n; k++)
				s += fmin(fmax(pget(d, i, k), eps), 1 - eps);
			p = fmin(fmax(pget(d, i, (size_t)d->y[i]), eps),
				 1 - eps) /
			    s;
			k = (size_t)predicted(d, i);
			conf = pget(d, i, k);
			hit = (int32_t)k == d->y[i];
		}
		c->ll -= w * log(p);
		bin(c, w, conf, hit);
	}
	return NULL;
}

/* Start the sums: on a thread when there are rows enough to pay for it
 * and one can start, else here and now. */
static void calib_start(struct calib *c, const struct mlg_cls_data *d,
			void *(*fn)(void *))
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->threaded = d->n >= 65536 && !pthread_create(&c->tid, NULL, fn, c);
	if (!c->threaded)
		fn(c);
}

/* Wait for the sums and put log_loss, brier_score (binary) and ece. */
static void calib_put(struct mlg_metrics *out, struct calib *c)
{
	const char *why = c->wt > 0 ? NULL : "no rows";
	double ece = 0;
	int b;

	if (c->threaded)
		pthread_join(c->tid, NULL);
	for (b = 0; b < 10; b++)
		if (c->bw[b] > 0)
			ece += c->bw[b] / c->wt *
			       fabs(c->by[b] / c->bw[b] - c->bp[b] / c->bw[b]);
	put(out, "log_loss", c->ll / c->wt, why);
	if (c->d->binary)
		put(out, "brier_score", c->br / c->wt, why);
	put(out, "ece", ece, why);
}

/*
 * The ranking metrics of a binary task with one probability column and
 * no weights, when every score is in [0, 2): ROC AUC and average
 * precision from one sort of 8-byte keys (the score's bits shifted left,
 * the label in the low bit) instead of 16-byte items; blocks go from the
 * highest score down, as rank_sorted(), with the same sums. Returns 0
 * when it does not apply (nothing put; `a` may be overwritten).
 */
static int binary_ranking(struct mlg_metrics *out, const struct mlg_cls_data *d,
			  struct mlg_rank_item *a)
{
	uint64_t *k = (uint64_t *)a, *sorted;
	struct curve cv;
	double P = 0, N;
	size_t i, n = d->n;
	const char *why = NULL;

	if (d->w)
		return 0;
	for (i = 0; i < n; i++) {
		double q = d->proba[i];
		uint64_t u;

		if (!(q >= 0 && q < 2))
			return 0;
		if (q == 0)
			q = 0; /* -0 ties with +0 */
		memcpy(&u, &q, sizeof(u));
		k[i] = u << 1 | (d->y[i] == 1);
		P += d->y[i] == 1;
	}
	N = (double)n - P;
	memset(&cv, 0, sizeof(cv));
	/* 11 bits a digit: 6 passes at most. */
	sorted = mlg_radix_sort(k, k + n, n, sizeof(*k), 11);
	for (i = n; i > 0;) {
		uint64_t v = sorted[i - 1] >> 1;
		size_t j = i, pos = 0;

		while (i > 0 && sorted[i - 1] >> 1 == v)
			pos += sorted[--i] & 1;
		step(&cv, (double)pos, (double)(j - i - pos));
	}
	if (!(P > 0) || !(N > 0)) {
		mlg_error_set(MLG_EDATA,
			      "only one class present in the labels");
		why = "only one class present";
	}
	put(out, "roc_auc", cv.area / (P * N), why);
	put(out, "average_precision", cv.prec / P, why);
	return 1;
}

/* One-vs-rest AUC of every class, macro or weighted by support. */
static const char *ovr_auc(double *out, const struct mlg_cls_data *d,
			   struct mlg_rank_item *a, int weighted)
{
	double sum = 0, wsum = 0;
	size_t i, c, k = d->nclasses;

	for (c = 0; c < k; c++) {
		double auc = 0, sup = 0;

		for (i = 0; i < d->n; i++) {
			double w = d->w ? d->w[i] : 1;
			int pos = d->y[i] == (int32_t)c;

			a[i].key = mlg_double_key(pget(d, i, c));
			a[i].w = pos ? w : -w;
			if (!pos && w == 0)
				a[i].w = -0.0;
			sup += pos ? w : 0;
		}
		if (rank_sorted(&auc, NULL, rsort(a, a + d->n, d->n), d->n))
			return sup > 0 ? "only one class present"
				       : "a class is absent from the labels";
		sum += weighted ? sup * auc : auc;
		wsum += sup;
	}
	*out = weighted ? sum / wsum : sum / (double)k;
	return NULL;
}

/* The probability metrics: the ranking here while the sums run. */
static void probability(struct mlg_metrics *out, const struct mlg_cls_data *d,
			struct mlg_rank_item *a, int weighted)
{
	struct calib c;
	double auc = 0, ap = 0;
	size_t i;
	const char *why;

	calib_start(&c, d,
		    d->binary && d->nproba == 1 ? calib_binary : calib_general);
	if (d->binary && d->nproba == 1 && binary_ranking(out, d, a)) {
		/* put from the 8-byte keys */
	} else if (d->binary) {
		for (i = 0; i < d->n; i++) {
			double w = d->w ? d->w[i] : 1;

			a[i].key = mlg_double_key(ppos(d, i));
			a[i].w = d->y[i] == 1 ? w : -w;
			if (d->y[i] != 1 && w == 0)
				a[i].w = -0.0;
		}
		why = rank_sorted(&auc, &ap, rsort(a, a + d->n, d->n), d->n)
			      ? "only one class present"
			      : NULL;
		put(out, "roc_auc", auc, why);
		put(out, "average_precision", ap, why);
	} else {
		why = ovr_auc(&auc, d, a, weighted);
		put(out, "roc_auc", auc, why);
	}
	calib_put(out, &c);
}

int mlg_metrics_classification(struct mlg_metrics *out, double *cm,
			       const struct mlg_cls_data *d,
			       const struct mlg_metric_opts *opts,
			       struct mlg_rank_item *scratch)
{
	enum mlg_average avg = opts ? opts->average : MLG_AVG_DEFAULT;
	double zd = opts ? opts->zero_division : 0, total = 0, *m;
	size_t i, k = d->nclasses ? d->nclasses : 1;
	struct mlg_rank_item *a = NULL;

	if (avg == MLG_AVG_DEFAULT)
		avg = d->binary ? MLG_AVG_BINARY : MLG_AVG_MACRO;
	if (avg == MLG_AVG_BINARY && !d->binary)
		return mlg_error_set(MLG_EINVALID,
				     "average 'binary' needs a binary task; "
				     "use macro, micro or weighted");
	memset(out, 0, sizeof(*out));
	out->avg = avg == MLG_AVG_BINARY  ? "binary"
		   : avg == MLG_AVG_MACRO ? "macro"
		   : avg == MLG_AVG_MICRO ? "micro"
					  : "weighted";
	m = cm ? cm : mlg_calloc(k * k, sizeof(double));
	memset(m, 0, k * k * sizeof(double));
	for (i = 0; i < d->n; i++) {
		double w = d->w ? d->w[i] : 1;
		int32_t p = predicted(d, i);

		m[(size_t)d->y[i] * k + (size_t)p] += w;
		total += w;
	}
	out->count = (double)d->n;
	out->weight = total;
	counting(out, m, k, total);
	prf(out, m, k, avg, d->binary, zd);
	if (d->proba && d->n) {
		a = scratch ? scratch : mlg_metrics_scratch(d->n);
		probability(out, d, a, avg == MLG_AVG_WEIGHTED);
		if (!scratch)
			free(a);
	}
	if (!cm)
		free(m);
	return 0;
}

static double median_of(struct mlg_rank_item *a, size_t n, int weighted)
{
	struct mlg_rank_item *s = rsort(a, a + n, n);
	double total = 0, cum = 0, v;
	size_t i;

	if (!weighted) {
		memcpy(&v, &(uint64_t){s[n / 2].key & ~(UINT64_C(1) << 63)},
		       sizeof(v));
		if (n % 2 == 0) {
			double lo;

			memcpy(&lo,
			       &(uint64_t){s[n / 2 - 1].key &
					   ~(UINT64_C(1) << 63)},
			       sizeof(lo));
			v = (lo + v) / 2;
		}
		return v;
	}
	for (i = 0; i < n; i++)
		total += s[i].w;
	/* the first value whose cumulative weight reaches half the total
	 * (numpy searchsorted, side left) */
	for (i = 0; i < n; i++) {
		cum += s[i].w;
		if (cum >= total / 2)
			break;
	}
	if (i == n)
		i = n - 1;
	memcpy(&v, &(uint64_t){s[i].key & ~(UINT64_C(1) << 63)}, sizeof(v));
	return v;
}

void mlg_metrics_regression(struct mlg_metrics *out, const double *y,
			    const double *yhat, const double *w, size_t n,
			    struct mlg_rank_item *scratch)
{
	double wt = 0, ae = 0, se = 0, ape = 0, mx = 0, ym = 0, sst = 0, r2;
	struct mlg_rank_item *a = scratch ? scratch : mlg_metrics_scratch(n);
	const char *none = n ? NULL : "no rows";
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1, e = fabs(y[i] - yhat[i]);

		wt += wi;
		ym += wi * y[i];
		ae += wi * e;
		se += wi * e * e;
		ape += wi * e / fmax(fabs(y[i]), DBL_EPSILON);
		if (e > mx)
			mx = e;
		a[i].key = mlg_double_key(e);
		a[i].w = wi;
	}
	if (!(wt > 0))
		none = "no rows";
	ym = wt > 0 ? ym / wt : 0;
	for (i = 0; i < n; i++) {
		double wi = w ? w[i] : 1;

		sst += wi * (y[i] - ym) * (y[i] - ym);
	}
	/* force_finite: constant labels */
	if (sst == 0)
		r2 = se == 0 ? 1 : 0;
	else
		r2 = 1 - se / sst;
	out->count = (double)n;
	out->weight = wt;
	put(out, "mae", ae / wt, none);
	put(out, "mse", se / wt, none);
	put(out, "rmse", sqrt(se / wt), none);
	put(out, "r2", r2, none);
	put(out, "mape", ape / wt, none);
	put(out, "median_absolute_error", n ? median_of(a, n, w != NULL) : 0,
	    none);
	put(out, "max_error", mx, none);
	if (!scratch)
		free(a);
}

void mlg_metrics_to_json(struct json_t *obj, const char *prefix,
			 const struct mlg_metrics *m)
{
	struct mlg_buf k = MLG_BUF_INIT;
	size_t i;

	mlg_buf_addf(&k, "%scount", prefix);
	json_object_set_new(obj, k.ptr, json_integer((json_int_t)m->count));
	for (i = 0; i < m->n; i++) {
		if (m->m[i].undefined)
			continue;
		mlg_buf_reset(&k);
		mlg_buf_addf(&k, "%s%s", prefix, m->m[i].name);
		json_object_set_new(obj, k.ptr, json_real(m->m[i].value));
	}
	mlg_buf_release(&k);
}

void mlg_metrics_add_tables(struct mlg_report *r, const struct mlg_metrics *m,
			    const double *cm, char *const *classes, size_t k)
{
	static const char *const cols[] = {"metric", "value", "note"};
	const char **head, **cells;
	struct mlg_table *t;
	char v[32], (*num)[32];
	size_t i, j;

	t = mlg_report_add_table(r, "metrics", "Overall metrics", 3, cols);
	snprintf(v, sizeof(v), "%.0f", m->count);
	mlg_table_add_row(t, (const char *const[]){"count", v, NULL});
	for (i = 0; i < m->n; i++) {
		if (m->m[i].undefined)
			snprintf(v, sizeof(v), "undefined");
		else
			snprintf(v, sizeof(v), "%.6g", m->m[i].value);
		mlg_table_add_row(t, (const char *const[]){m->m[i].name, v,
							   m->m[i].undefined});
	}
	if (!cm)
		return;
	head = mlg_calloc(k + 1, sizeof(char *));
	cells = mlg_calloc(k + 1, sizeof(char *));
	num = mlg_calloc(k + 1, sizeof(*num));
	head[0] = "true \\ predicted";
	for (j = 0; j < k; j++)
		head[j + 1] = classes[j];
	t = mlg_report_add_table(r, "confusion-matrix", "Confusion matrix",
				 k + 1, head);
	for (i = 0; i < k; i++) {
		cells[0] = classes[i];
		for (j = 0; j < k; j++) {
			mlg_format_value(num[j], cm[i * k + j]);
			cells[j + 1] = num[j];
		}
		mlg_table_add_row(t, cells);
	}
	free(num);
	free(cells);
	free(head);
}
