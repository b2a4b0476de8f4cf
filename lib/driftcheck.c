/*
 * driftcheck.c - drift of current data against a reference, as checks
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/driftcheck.h"
#include "mlgate/error.h"
#include "mlgate/file.h"
#include "mlgate/json.h"
#include "mlgate/stream.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

/* Config keys, indexed by enum mlg_drift_method. The p-valued ones say
 * so: their limits work the other way round. */
static const char *const keys[MLG_DRIFTCHECK_NSTATS] = {
	"psi", "ks_p", "wasserstein", "chisq_p", "linf", "js", "missing"};

static int p_valued(enum mlg_drift_method m)
{
	return m == MLG_DRIFT_KS || m == MLG_DRIFT_CHISQ;
}

void mlg_driftcheck_config_init(struct mlg_driftcheck_config *c)
{
	int m;

	memset(c, 0, sizeof(*c));
	c->share = MLG_DRIFT_SHARE_DEFAULT;
	for (m = 0; m < MLG_DRIFTCHECK_NSTATS; m++)
		mlg_drift_limits_default(&c->lim[m], m);
}

void mlg_driftcheck_config_release(struct mlg_driftcheck_config *c)
{
	size_t i;

	for (i = 0; i < c->ncols; i++)
		free(c->cols[i].name);
	free(c->cols);
	memset(c, 0, sizeof(*c));
}

/* A limit of 0 to 1 for a p-value or a share, else 0 to 1e6. */
static int get_limit(const struct mlg_json_doc *doc, json_t *o, const char *ptr,
		     const char *key, int unit, int *set, double *out)
{
	struct mlg_buf at = MLG_BUF_INIT;
	double x = NAN;
	int rc;

	*set = 0;
	if ((rc = mlg_json_get_num(doc, o, ptr, key, 0, &x)) || x != x)
		return rc;
	*set = 1;
	if (!isfinite(x) || x < 0 || x > (unit ? 1 : 1e6)) {
		mlg_buf_adds(&at, ptr);
		mlg_json_pointer_append(&at, key);
		rc = mlg_json_error(doc, at.ptr,
				    "limit must be a finite number from 0 to "
				    "%s, got %g",
				    unit ? "1" : "1e6", x);
		mlg_buf_release(&at);
		return rc;
	}
	*out = x;
	return 0;
}

/* {"warn": w, "fail": f} at `ptr` over `lim`. Giving one limit alone
 * moves the other one along when they would cross; giving both crossed
 * is a mistake. */
static int parse_limits(struct mlg_drift_limits *lim,
			const struct mlg_json_doc *doc, json_t *o,
			const char *ptr, enum mlg_drift_method m)
{
	static const char *const allowed[] = {"warn", "fail", NULL};
	int p = p_valued(m), unit = p || m == MLG_DRIFT_MISSING, sw, sf, rc;
	double w = lim->warn, f = lim->fail;

	if ((rc = mlg_json_check_keys(doc, o, ptr, allowed)) ||
	    (rc = get_limit(doc, o, ptr, "warn", unit, &sw, &w)) ||
	    (rc = get_limit(doc, o, ptr, "fail", unit, &sf, &f)))
		return rc;
	if (p ? w < f : w > f) {
		if (sw && sf)
			return mlg_json_error(doc, ptr,
					      "'warn' must be at or %s 'fail'",
					      p ? "above" : "below");
		if (sw)
			f = w;
		else
			w = f;
	}
	lim->warn = w;
	lim->fail = f;
	return 0;
}

/* {"psi": {...}, "ks_p": {...}} at `ptr`. */
static int parse_stats(struct mlg_drift_limits *lim,
		       const struct mlg_json_doc *doc, json_t *o,
		       const char *ptr)
{
	static const char *const allowed[] = {"psi",	 "ks_p", "wasserstein",
					      "chisq_p", "linf", "js",
					      "missing", NULL};
	struct mlg_buf at = MLG_BUF_INIT;
	int m, rc;

	if ((rc = mlg_json_check_keys(doc, o, ptr, allowed)))
		return rc;
	for (m = 0; m < MLG_DRIFTCHECK_NSTATS && !rc; m++) {
		json_t *v = json_object_get(o, keys[m]);

		if (!v)
			continue;
		mlg_buf_truncate(&at, 0);
		mlg_buf_adds(&at, ptr);
		mlg_json_pointer_append(&at, keys[m]);
		rc = parse_limits(&lim[m], doc, v, at.ptr, m);
	}
	mlg_buf_release(&at);
	return rc;
}

int mlg_driftcheck_config_parse(struct mlg_driftcheck_config *out,
				const struct mlg_json_doc *doc)
{
	static const char *const allowed[] = {"share", "default", "columns",
					      NULL};
	struct mlg_buf at = MLG_BUF_INIT;
	json_t *root = doc->root, *v, *cols;
	const char *name;
	size_t acols = 0;
	double share = NAN;
	int rc;

	mlg_driftcheck_config_init(out);
	if ((rc = mlg_json_check_keys(doc, root, "", allowed)) ||
	    (rc = mlg_json_get_num(doc, root, "", "share", 0, &share)))
		goto done;
	if (share == share) {
		if (!(share > 0 && share <= 1)) {
			rc = mlg_json_error(doc, "/share",
					    "share must be above 0 and at most "
					    "1, got %g",
					    share);
			goto done;
		}
		out->share = share;
	}
	/* "default" first, whatever the order in the text: columns start
	 * from it. */
	if ((v = json_object_get(root, "default")) &&
	    (rc = parse_stats(out->lim, doc, v, "/default")))
		goto done;
	if (!(cols = json_object_get(root, "columns")))
		goto done;
	if (!json_is_object(cols)) {
		rc = mlg_json_error(doc, "/columns",
				    "expected an object, found %s",
				    mlg_json_type_name(cols));
		goto done;
	}
	json_object_foreach (cols, name, v) {
		struct mlg_driftcheck_col *c;

		out->cols = mlg_grow(out->cols, sizeof(*out->cols),
				     out->ncols + 1, &acols);
		c = &out->cols[out->ncols++];
		c->name = mlg_strdup(name);
		memcpy(c->lim, out->lim, sizeof(c->lim));
		mlg_buf_truncate(&at, 0);
		mlg_buf_adds(&at, "/columns");
		mlg_json_pointer_append(&at, name);
		if ((rc = parse_stats(c->lim, doc, v, at.ptr)))
			goto done;
	}
done:
	mlg_buf_release(&at);
	if (rc)
		mlg_driftcheck_config_release(out);
	return rc;
}

const struct mlg_drift_limits *
mlg_driftcheck_limits(const struct mlg_driftcheck_config *c, const char *column,
		      enum mlg_drift_method method)
{
	size_t i;

	for (i = 0; i < c->ncols; i++)
		if (!strcmp(c->cols[i].name, column))
			return &c->cols[i].lim[method];
	return &c->lim[method];
}

/* ---- the reference ---- */

int mlg_driftcheck_reference(struct mlg_profile *out, const char *src,
			     const struct mlg_profile_opts *o)
{
	/* A reference that is JSON but no profile gets the loader's
	 * message ("not a saved profile"), unless it is read as JSON Lines. */
	struct mlg_profile_opts po = *o;
	int rc = mlg_profile_open(out, src, o->timeout_s, o->jsonl, &po.stream);

	if (rc != 1)
		return rc;
	if (!o->jsonl || o->schema)
		return mlg_profile_read(out, src, &po);
	/* Without a schema JSON Lines cannot be profiled, while a profile
	 * saved from its validation pass can. (A file that is not there
	 * is missing, exit 3: mlg_profile_open() said so.) */
	mlg_stream_close(po.stream);
	return mlg_error_set(MLG_EINVALID,
			     "'%s' is JSON Lines, which needs a schema: "
			     "save its profile with --schema FILE "
			     "--profile FILE and give that",
			     src);
}

/* ---- comparing ---- */

static enum mlg_ftype type_of(const struct mlg_profile_col *c)
{
	if (c->has_schema && c->declared != MLG_T_ANY)
		return c->declared;
	return mlg_profile_col_type(c);
}

enum kind { OTHER, NUMERIC, CATEGORICAL };

static enum kind kind_of(enum mlg_ftype t)
{
	if (mlg_profile_is_numeric(t))
		return NUMERIC;
	return t == MLG_T_STRING || t == MLG_T_BOOLEAN ? CATEGORICAL : OTHER;
}

/*
 * The column of `p` that the next column named `name` of the other side
 * matches, or NULL: the one of the same name, and where a header repeats
 * a name, of the same occurrence (the second "a" of one side with the
 * second of the other). `names` is mlg_profile_names(p); `seen` counts
 * the other side's columns by name, in order, so each call is O(1).
 */
static const struct mlg_profile_col *match(const struct mlg_profile *p,
					   json_t *names, json_t *seen,
					   const char *name)
{
	json_int_t n = json_integer_value(json_object_get(seen, name));
	json_t *j = json_array_get(json_object_get(names, name), (size_t)n);

	json_object_set_new(seen, name, json_integer(n + 1));
	return j ? &p->cols[json_integer_value(j)] : NULL;
}

/* Whether the type of `c` says anything: declared, or inferred from at
 * least one value (a column of missing cells reads as a string). */
static int typed(const struct mlg_profile_col *c)
{
	return (c->has_schema && c->declared != MLG_T_ANY) ||
	       mlg_profile_col_values(c);
}

/* Numeric types on one scale compare: integers, numbers and years as
 * they are; dates (days), datetimes (Epoch seconds) and times (seconds
 * of the day) only with their own kind. */
static int same_scale(enum mlg_ftype a, enum mlg_ftype b)
{
	int na = a == MLG_T_INTEGER || a == MLG_T_NUMBER || a == MLG_T_YEAR,
	    nb = b == MLG_T_INTEGER || b == MLG_T_NUMBER || b == MLG_T_YEAR;

	return a == b || (na && nb);
}

static const char *fmt(char buf[32], double v)
{
	mlg_format_value(buf, v);
	return buf;
}

/* "psi < 0.25 (warn >= 0.1)": the rule that passes. */
static void rule_text(struct mlg_buf *out, enum mlg_drift_method m,
		      const struct mlg_drift_limits *lim)
{
	int p = p_valued(m);
	char a[32], b[32];

	mlg_buf_addf(out, "%s %s %s", keys[m], p ? ">" : "<",
		     fmt(a, lim->fail));
	if (lim->warn != lim->fail)
		mlg_buf_addf(out, " (warn %s %s)",
			     p ? "<=" : ">=", fmt(b, lim->warn));
}

static const enum mlg_status level_status[] = {MLG_STATUS_PASS, MLG_STATUS_WARN,
					       MLG_STATUS_FAIL};

/*
 * The distribution cell of a numeric column: the reference and the
 * current shares over the same equal-width bins spanning both sides, to
 * one scale, "▁▃█▅▂▁▁▁▁▁ → ▁▁▁▂▅█▃▁▁▁". Equal-width rather than PSI's
 * reference-quantile bins, whose reference side is flat by design: a
 * person reads a shift on a value axis.
 */
static void dist_text(struct mlg_buf *out, const struct mlg_kll *a,
		      const struct mlg_kll *b)
{
	double sa[MLG_PROFILE_SPARK_BINS], sb[MLG_PROFILE_SPARK_BINS];
	double lo = a->min < b->min ? a->min : b->min,
	       hi = a->max > b->max ? a->max : b->max, top = 0;
	size_t nb = lo < hi ? MLG_PROFILE_SPARK_BINS : 1, i;

	mlg_profile_bin_shares(sa, a, lo, hi, nb);
	mlg_profile_bin_shares(sb, b, lo, hi, nb);
	for (i = 0; i < nb; i++) {
		top = sa[i] > top ? sa[i] : top;
		top = sb[i] > top ? sb[i] : top;
	}
	mlg_profile_sparkline(out, sa, nb, nb, top);
	mlg_buf_adds(out, " \u2192 ");
	mlg_profile_sparkline(out, sb, nb, nb, top);
}

/* A row of the drift table; any cell may be NULL. */
static void row(struct mlg_table *t, const char *column, const char *stat,
		const char *value, const char *threshold, const char *verdict,
		const char *dist)
{
	const char *cells[6] = {column, stat, value, threshold, verdict, dist};

	mlg_table_add_row(t, cells);
}

/*
 * A check of `column` beside its statistics, and its table row:
 * statistic `stat` ("schema", "values" or "categories"), id
 * drift:schema:<column> or drift:<column>:<stat>, `value` the table's
 * cell. Returns the check.
 */
static struct mlg_check *flag(struct mlg_report *r, struct mlg_table *t,
			      enum mlg_status st, const char *column,
			      const char *stat, const char *value,
			      const char *rule, const char *msg)
{
	struct mlg_buf id = MLG_BUF_INIT;
	struct mlg_check *c;

	if (!strcmp(stat, "schema"))
		mlg_buf_addf(&id, "drift:schema:%s", column);
	else
		mlg_buf_addf(&id, "drift:%s:%s", column, stat);
	c = mlg_report_add_check(r, id.ptr, st, "%s", msg);
	mlg_check_set_threshold(c, rule);
	mlg_check_set_loc(c, NULL, 0, 0, column);
	row(t, column, stat, value, rule, mlg_status_name(st), NULL);
	mlg_buf_release(&id);
	return c;
}

/* One statistic: a check and a table row (with `dist` in its last cell,
 * may be NULL). Returns its level. */
static enum mlg_drift_level add_stat(struct mlg_report *r, struct mlg_table *t,
				     const char *column,
				     const struct mlg_drift_result *res,
				     const struct mlg_drift_limits *lim,
				     const char *dist)
{
	enum mlg_drift_level lv = mlg_drift_judge(res, lim);
	enum mlg_drift_method m = res->method;
	double s = mlg_drift_score(res);
	struct mlg_buf id = MLG_BUF_INIT, rule = MLG_BUF_INIT,
		       msg = MLG_BUF_INIT;
	const char *lt = p_valued(m) ? "<=" : ">=",
		   *ok = p_valued(m) ? ">" : "<";
	struct mlg_check *c;
	char v[32], w[32], f[32], x[32];

	fmt(v, s);
	fmt(w, lim->warn);
	fmt(f, lim->fail);
	rule_text(&rule, m, lim);
	/* The value next to the limit that decided the verdict. */
	if (lv == MLG_DRIFT_FAIL)
		mlg_buf_addf(&msg, "%s %s %s %s: drift", keys[m], v, lt, f);
	else if (lv == MLG_DRIFT_WARN)
		mlg_buf_addf(&msg, "%s %s %s %s (warn), %s %s", keys[m], v, lt,
			     w, ok, f);
	else
		mlg_buf_addf(&msg, "%s %s %s %s", keys[m], v, ok, w);
	if (m == MLG_DRIFT_KS || m == MLG_DRIFT_WASSERSTEIN) {
		mlg_buf_addf(&msg, " (%s %s",
			     m == MLG_DRIFT_KS ? "D" : "distance",
			     fmt(x, res->value));
		/* sketched sides: the bound the verdict allowed for */
		if (res->err > 0)
			mlg_buf_addf(&msg, " +/- %s (sketch)",
				     fmt(x, res->err));
		mlg_buf_addch(&msg, ')');
	} else if (m == MLG_DRIFT_CHISQ) {
		mlg_buf_addf(&msg, " (chi2 %s, dof %g)", fmt(x, res->value),
			     res->dof);
	} else if (m == MLG_DRIFT_MISSING) {
		mlg_buf_addf(&msg, " (%s%% of the cells missing",
			     fmt(x, res->share_cur * 100));
		mlg_buf_addf(&msg, ", %s%% in the reference)",
			     fmt(x, res->share_ref * 100));
	}
	mlg_buf_addf(&id, "drift:%s:%s", column, mlg_drift_method_name(m));
	c = mlg_report_add_check(r, id.ptr, level_status[lv], "%s", msg.ptr);
	mlg_check_set_value(c, s, NULL);
	mlg_check_set_threshold(c, rule.ptr);
	mlg_check_set_loc(c, NULL, 0, 0, column);
	row(t, column, keys[m], v, rule.ptr, mlg_status_name(level_status[lv]),
	    dist);
	mlg_buf_release(&id);
	mlg_buf_release(&rule);
	mlg_buf_release(&msg);
	return lv;
}

static int has_hash(const struct mlg_topk *t, uint64_t h)
{
	uint32_t i;

	for (i = 0; i < t->nitems; i++)
		if (t->items[i].hash == h)
			return 1;
	return 0;
}

/* Append up to 5 values of `a` that `b` does not hold, quoted; one
 * shown in part (sketch.h: cut, or bytes replaced) ends in "...", or two
 * long values alike in their first bytes would read as one, new and
 * vanished at once. */
static size_t list_missing(struct mlg_buf *out, const struct mlg_topk *a,
			   const struct mlg_topk *b)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < a->nitems; i++) {
		if (has_hash(b, a->items[i].hash))
			continue;
		if (n < 5)
			mlg_buf_addf(out, "%s'%s%s'", n ? ", " : "",
				     a->items[i].value,
				     a->items[i].truncated ? "..." : "");
		n++;
	}
	if (n > 5)
		mlg_buf_addf(out, " and %zu more", n - 5);
	return n;
}

static void categories(struct mlg_report *r, struct mlg_table *t,
		       const char *column, const struct mlg_topk *ref,
		       const struct mlg_topk *cur)
{
	struct mlg_buf nw = MLG_BUF_INIT, gone = MLG_BUF_INIT,
		       msg = MLG_BUF_INIT;
	size_t a = list_missing(&nw, cur, ref),
	       b = list_missing(&gone, ref, cur);
	char v[32];

	if (a)
		mlg_buf_addf(&msg, "%zu new categor%s: %s", a,
			     a == 1 ? "y" : "ies", nw.ptr);
	if (b)
		mlg_buf_addf(&msg, "%s%zu vanished categor%s: %s",
			     a ? "; " : "", b, b == 1 ? "y" : "ies", gone.ptr);
	if (a || b) {
		snprintf(v, sizeof(v), "%zu", a + b);
		mlg_check_set_value(
			flag(r, t, MLG_STATUS_WARN, column, "categories", v,
			     "no new or vanished categories", msg.ptr),
			(double)(a + b), NULL);
	}
	mlg_buf_release(&nw);
	mlg_buf_release(&gone);
	mlg_buf_release(&msg);
}

static void skip(struct mlg_report *r, const char *column, const char *why)
{
	struct mlg_buf id = MLG_BUF_INIT;
	struct mlg_check *c;

	mlg_buf_addf(&id, "drift:%s", column);
	c = mlg_report_add_check(r, id.ptr, MLG_STATUS_SKIP, "%s", why);
	mlg_check_set_loc(c, NULL, 0, 0, column);
	mlg_buf_release(&id);
}

/* A column missing, new or retyped: `value` says which in the table,
 * `what` follows "column '<column>' " in the message. */
static void schema_fail(struct mlg_report *r, struct mlg_table *t,
			const char *column, const char *value, const char *what)
{
	char *msg = mlg_strfmt("column '%s' %s", column, what);

	flag(r, t, MLG_STATUS_FAIL, column, "schema", value,
	     "same columns and types", msg);
	free(msg);
}

/* A column with values in the reference and none now: a feature gone
 * missing, the drift a gate must stop. `msg` says how. */
static void emptied(struct mlg_report *r, struct mlg_table *t,
		    const struct mlg_profile_col *a,
		    const struct mlg_profile_col *b, char *msg)
{
	char v[48];

	snprintf(v, sizeof(v), "0 of %llu", (unsigned long long)b->count);
	mlg_check_set_value(flag(r, t, MLG_STATUS_FAIL, a->name, "values", v,
				 "values as in the reference", msg),
			    0, NULL);
	free(msg);
}

/* The cells of `c` missing from the rows of `p`. With a schema they are
 * its missingValues (nulls); a cell that is not UTF-8 is left out of
 * the count but there. Without one, NA-style tokens are missing too, as
 * infer takes them. A loaded profile may hold more values than rows, or
 * claim more missing cells than it has, which no pass makes: all are
 * there, or none. Counts load below 2^63: a sum of two does not wrap. */
static uint64_t missing_cells(const struct mlg_profile *p,
			      const struct mlg_profile_col *c)
{
	/* Loaded counts are at most INT64_MAX: their sum fits. */
	uint64_t have = c->count + c->not_utf8,
		 v = !c->has_schema    ? mlg_profile_col_values(c)
		     : have > c->nulls ? have - c->nulls
				       : 0;

	return v < p->rows ? p->rows - v : 0;
}

/* Compare one column present on both sides; its worst level in *lv, or
 * -1 when nothing was compared. */
static int compare(struct mlg_report *r, struct mlg_table *t,
		   const struct mlg_driftcheck_config *cfg,
		   const struct mlg_profile *pa,
		   const struct mlg_profile_col *a,
		   const struct mlg_profile *pb,
		   const struct mlg_profile_col *b, int *lv)
{
	enum kind k = kind_of(type_of(a));
	struct mlg_drift_result res[3], miss;
	enum mlg_drift_method ms[3];
	struct mlg_buf dist = MLG_BUF_INIT;
	int rc = 0, i, l;
	char msg[96];

	*lv = -1;
	if (mlg_profile_col_values(a) && !mlg_profile_col_values(b)) {
		emptied(r, t, a, b,
			mlg_strfmt(
				"no values in the current data: its %llu "
				"cells are all missing; the reference has "
				"%llu values",
				(unsigned long long)b->count,
				(unsigned long long)mlg_profile_col_values(a)));
		*lv = MLG_DRIFT_FAIL;
		return 0;
	}
	if (!typed(a) || !typed(b)) {
		skip(r, a->name,
		     typed(b) ? "no values in the reference"
			      : "no values on either side");
		return 0;
	}
	/* strings and booleans are cell texts alike */
	if (k != kind_of(type_of(b)) ||
	    (k == NUMERIC && !same_scale(type_of(a), type_of(b)))) {
		skip(r, a->name, "not compared: the type changed");
		return 0;
	}
	if (k == OTHER) {
		skip(r, a->name, "no distribution statistic for this type");
		goto missing;
	}
	if (k == NUMERIC) {
		/* Numbers in the reference and only NaN, infinities or
		 * invalid cells now is a feature gone missing too. */
		if (a->kll.n && !b->kll.n) {
			uint64_t nb = mlg_profile_col_values(b);

			emptied(r, t, a, b,
				mlg_strfmt("no finite numbers in the current "
					   "data: its %llu value%s NaN, "
					   "infinite or invalid; the reference "
					   "has %llu number%s",
					   (unsigned long long)nb,
					   nb == 1 ? " is" : "s are",
					   (unsigned long long)a->kll.n,
					   a->kll.n == 1 ? "" : "s"));
			*lv = MLG_DRIFT_FAIL;
			return 0;
		}
		if (!a->kll.n || !b->kll.n) {
			skip(r, a->name, "no numeric values to compare");
			goto missing;
		}
		ms[0] = MLG_DRIFT_PSI;
		ms[1] = MLG_DRIFT_KS;
		ms[2] = MLG_DRIFT_WASSERSTEIN;
		if ((rc = mlg_drift_psi_kll(&res[0], &a->kll, &b->kll,
					    MLG_DRIFT_PSI_BINS)) ||
		    (rc = mlg_drift_ks_kll(&res[1], &a->kll, &b->kll)) ||
		    (rc = mlg_drift_wasserstein_kll(&res[2], &a->kll, &b->kll,
						    &a->num)))
			goto done;
		dist_text(&dist, &a->kll, &b->kll);
	} else {
		if (!a->topk.n || !b->topk.n) {
			skip(r, a->name, "no values to compare");
			goto missing;
		}
		/* A summary that purged has dropped values: its shares, and
		 * so the verdicts, would be guesses. */
		if (!mlg_topk_exact(&a->topk) || !mlg_topk_exact(&b->topk)) {
			snprintf(msg, sizeof(msg),
				 "too many distinct values to compare "
				 "(the %s summary is not exact)",
				 mlg_topk_exact(&a->topk) ? "current"
							  : "reference");
			skip(r, a->name, msg);
			goto missing;
		}
		ms[0] = MLG_DRIFT_CHISQ;
		ms[1] = MLG_DRIFT_LINF;
		ms[2] = MLG_DRIFT_JS;
		if ((rc = mlg_drift_chisq_topk(&res[0], &a->topk, &b->topk)) ||
		    (rc = mlg_drift_linf_topk(&res[1], &a->topk, &b->topk)) ||
		    (rc = mlg_drift_js_topk(&res[2], &a->topk, &b->topk)))
			goto done;
	}
	*lv = MLG_DRIFT_OK;
	for (i = 0; i < 3; i++) {
		l = add_stat(r, t, a->name, &res[i],
			     mlg_driftcheck_limits(cfg, a->name, ms[i]),
			     i || !dist.len ? NULL : dist.ptr);
		if (l > *lv)
			*lv = l;
	}
	if (k == CATEGORICAL)
		categories(r, t, a->name, &a->topk, &b->topk);
missing:
	/* Every cell of a row that lacks one is missing, as in a blank
	 * row: each side's rows less its values. A side of no rows has no
	 * share (a loaded profile may hold such). */
	if (!pa->rows || !pb->rows ||
	    (rc = mlg_drift_missing(&miss, missing_cells(pa, a), pa->rows,
				    missing_cells(pb, b), pb->rows)))
		goto done;
	/* the two shares in the distribution cell: "2% \u2192 20%" */
	mlg_buf_reset(&dist);
	mlg_buf_addf(&dist, "%s%%", fmt(msg, miss.share_ref * 100));
	mlg_buf_addf(&dist, " \u2192 %s%%", fmt(msg, miss.share_cur * 100));
	l = add_stat(r, t, a->name, &miss,
		     mlg_driftcheck_limits(cfg, a->name, MLG_DRIFT_MISSING),
		     dist.ptr);
	if (l > *lv)
		*lv = l;
done:
	mlg_buf_release(&dist);
	if (rc)
		mlg_error_prefix("column '%s'", a->name);
	return rc;
}

static void rows_check(struct mlg_report *r, struct mlg_table *t, uint64_t ref,
		       uint64_t cur)
{
	struct mlg_check *c;
	char v[32], th[64], pct[48] = "";

	if (ref)
		snprintf(pct, sizeof(pct), " (%+.1f%%)",
			 ((double)cur - (double)ref) * 100.0 / (double)ref);
	c = mlg_report_add_check(r, "drift:rows", MLG_STATUS_PASS,
				 "%llu rows, %llu in the reference%s",
				 (unsigned long long)cur,
				 (unsigned long long)ref, pct);
	mlg_check_set_value(c, (double)cur, NULL);
	snprintf(th, sizeof(th), "report only (reference %llu)",
		 (unsigned long long)ref);
	mlg_check_set_threshold(c, th);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)cur);
	row(t, NULL, "rows", v, th, "pass", NULL);
}

static void share_check(struct mlg_report *r, struct mlg_table *t,
			const struct mlg_drift_dataset *d)
{
	enum mlg_status st = d->drifted ? MLG_STATUS_FAIL : MLG_STATUS_PASS;
	struct mlg_check *c;
	char v[32], f[32], th[64];

	fmt(v, d->share);
	fmt(f, d->threshold);
	snprintf(th, sizeof(th), "share < %s", f);
	c = mlg_report_add_check(r, "drift:share", st,
				 "%zu of %zu columns drifted: share %s %s %s",
				 d->ndrifted, d->ncolumns, v,
				 d->drifted ? ">=" : "<", f);
	mlg_check_set_value(c, d->share, NULL);
	mlg_check_set_threshold(c, th);
	row(t, NULL, "share", v, th, mlg_status_name(st), NULL);
}

int mlg_driftcheck_report(struct mlg_report *r, const struct mlg_profile *ref,
			  const struct mlg_profile *cur,
			  const struct mlg_driftcheck_config *cfg)
{
	static const char *const cols[] = {"column",  "statistic",
					   "value",   "threshold",
					   "verdict", "distribution"};
	struct mlg_driftcheck_config def;
	enum mlg_drift_level *levels;
	struct mlg_drift_dataset ds;
	struct mlg_table *t;
	json_t *rnames = mlg_profile_names(ref),
	       *cnames = mlg_profile_names(cur), *seen = json_object();
	size_t i, n = 0;
	int rc = 0, lv;
	char msg[96], what[128];

	if (!cfg) {
		mlg_driftcheck_config_init(&def);
		cfg = &def;
	}
	levels = mlg_malloc((ref->ncols ? ref->ncols : 1) * sizeof(*levels));
	t = mlg_report_add_table(r, "drift", "drift against the reference",
				 MLG_ARRAY_SIZE(cols), cols);
	for (i = 0; i < ref->ncols; i++) {
		const struct mlg_profile_col *a = &ref->cols[i],
					     *b = match(cur, cnames, seen,
							a->name);
		enum mlg_ftype ta = type_of(a), tb;

		if (!b) {
			schema_fail(r, t, a->name, "missing",
				    "is missing: it is in the reference only");
			continue;
		}
		tb = type_of(b);
		/* a side without values has no type to change from or to */
		if (ta != tb && typed(a) && typed(b)) {
			snprintf(msg, sizeof(msg), "%s, was %s",
				 mlg_ftype_name(tb), mlg_ftype_name(ta));
			snprintf(what, sizeof(what), "changed type: %s", msg);
			schema_fail(r, t, a->name, msg, what);
		}
		if ((rc = compare(r, t, cfg, ref, a, cur, b, &lv)))
			goto done;
		if (lv >= 0)
			levels[n++] = lv;
	}
	json_object_clear(seen);
	for (i = 0; i < cur->ncols; i++)
		if (!match(ref, rnames, seen, cur->cols[i].name))
			schema_fail(r, t, cur->cols[i].name, "new",
				    "is new: it is not in the reference");
	rows_check(r, t, ref->rows, cur->rows);
	mlg_drift_dataset(&ds, levels, NULL, n, cfg->share);
	share_check(r, t, &ds);
done:
	json_decref(rnames);
	json_decref(cnames);
	json_decref(seen);
	free(levels);
	return rc;
}

/* ---- for data-validate ---- */

/* A part of the reference is not the reference. */
static int check_whole(const struct mlg_profile *p, const char *src)
{
	char *what = mlg_strfmt("'%s'", src);
	int rc = mlg_profile_check_whole(p, what);

	free(what);
	return rc;
}

int mlg_driftcheck_prepare(struct mlg_driftcheck *out, const char *ref_src,
			   const char *config_path,
			   const struct mlg_profile_opts *o)
{
	struct mlg_json_doc doc;
	int rc;

	memset(out, 0, sizeof(*out));
	mlg_driftcheck_config_init(&out->cfg);
	if (config_path) {
		if (!(rc = mlg_config_load(&doc, config_path, 0)))
			rc = mlg_driftcheck_config_parse(&out->cfg, &doc);
		mlg_json_doc_release(&doc);
		if (rc) {
			mlg_error_prefix("cannot use drift config");
			return rc;
		}
	}
	rc = mlg_driftcheck_reference(&out->ref, ref_src, o);
	/* A reference without rows compares nothing: every column would
	 * be skipped, and the gate pass whatever the data. */
	if (!rc && !out->ref.rows)
		rc = mlg_error_set(MLG_EINVALID,
				   "'%s' has no rows: there is nothing to "
				   "compare with",
				   ref_src);
	else if (!rc)
		rc = check_whole(&out->ref, ref_src);
	if (rc) {
		mlg_profile_release(&out->ref);
		/* Missing: the pipeline's input is (exit 3). Unreadable as
		 * data: the reference is configuration, as a schema is, and
		 * the data under test is not at fault (exit 2, not 1). */
		if (rc == MLG_ENOTFOUND)
			rc = MLG_EIO;
		else if (rc == MLG_EDATA)
			rc = MLG_EINVALID;
		mlg_error_prefix("cannot use reference");
		mlg_driftcheck_config_release(&out->cfg);
	}
	return rc;
}

void mlg_driftcheck_release(struct mlg_driftcheck *d)
{
	mlg_driftcheck_config_release(&d->cfg);
	mlg_profile_release(&d->ref);
}
