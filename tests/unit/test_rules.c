#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/metrics.h"
#include "mlgate/report.h"
#include "mlgate/rules.h"
#include "mlgate/util.h"
#include "test.h"

static void add_ok(struct mlg_rules *r, const char *line)
{
	mlg_error_clear();
	if (mlg_rules_add_line(r, line))
		t_fail(__FILE__, __LINE__, "rule '%s': %s", line,
		       mlg_error_message());
}

static void add_bad(const char *line, const char *msg)
{
	struct mlg_rules r = {0};

	T_EQ_INT(mlg_rules_add_line(&r, line), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(r.nrules, 0);
	mlg_rules_release(&r);
}

static void test_parse_rules(void)
{
	struct mlg_rules r = {0};

	add_ok(&r, "accuracy: relative >= -1%");
	add_ok(&r, "  test.f1 :rel>-0.5%  ");
	add_ok(&r, "auc: warn absolute <= 0.05");
	add_ok(&r, "bench/lat:1: fail abs < 1e-3");
	add_ok(&r, "*: relative >= -5%");
	add_ok(&r, "x: relative >= -0.02");
	T_EQ_INT(r.nrules, 6);
	T_EQ_STR(r.rules[0].metric, "accuracy");
	T_EQ_INT(r.rules[0].kind, MLG_CHANGE_RELATIVE);
	T_EQ_INT(r.rules[0].cmp, MLG_CMP_GE);
	T_EQ_DBL(r.rules[0].bound, -0.01, 1e-15);
	T_EQ_INT(r.rules[0].warn, 0);
	T_EQ_STR(r.rules[0].text, "relative >= -1%");
	T_EQ_STR(r.rules[1].metric, "test.f1");
	T_EQ_INT(r.rules[1].cmp, MLG_CMP_GT);
	T_EQ_DBL(r.rules[1].bound, -0.005, 1e-15);
	T_EQ_STR(r.rules[1].text, "relative > -0.5%");
	T_EQ_INT(r.rules[2].kind, MLG_CHANGE_ABSOLUTE);
	T_EQ_INT(r.rules[2].cmp, MLG_CMP_LE);
	T_EQ_INT(r.rules[2].warn, 1);
	T_EQ_STR(r.rules[2].text, "warn absolute <= 0.05");
	/* split at the last ':' so names may hold one */
	T_EQ_STR(r.rules[3].metric, "bench/lat:1");
	T_EQ_INT(r.rules[3].cmp, MLG_CMP_LT);
	T_EQ_DBL(r.rules[3].bound, 0.001, 0);
	T_EQ_STR(r.rules[3].text, "absolute < 0.001");
	T_EQ_STR(r.rules[4].metric, "*");
	T_EQ_STR(r.rules[5].text, "relative >= -0.02");
	mlg_rules_release(&r);
	T_EQ_INT(r.nrules, 0);
}

static void test_parse_opts(void)
{
	struct mlg_rules r = {0};

	add_ok(&r, "score: direction lower");
	add_ok(&r, "latency_ms: direction higher");
	add_ok(&r, "extra: optional");
	T_EQ_INT(r.nrules, 0);
	T_EQ_INT(mlg_rules_direction(&r, "score"), MLG_DIR_LOWER);
	T_EQ_INT(mlg_rules_direction(&r, "latency_ms"), MLG_DIR_HIGHER);
	T_EQ_INT(mlg_rules_direction(&r, "extra"), MLG_DIR_HIGHER);
	T_EQ_INT(mlg_rules_direction(&r, "val_loss"), MLG_DIR_LOWER);
	T_EQ_INT(mlg_rules_optional(&r, "extra"), 1);
	T_EQ_INT(mlg_rules_optional(&r, "score"), 0);
	T_EQ_INT(mlg_rules_optional(&r, "nothing"), 0);
	mlg_rules_release(&r);
}

static void test_parse_errors(void)
{
	add_bad("accuracy relative >= 1",
		"invalid rule 'accuracy relative >= 1': expected "
		"'METRIC: SPEC'");
	add_bad(" : relative >= 1",
		"invalid rule ' : relative >= 1': empty metric name");
	add_bad("a:", "invalid rule 'a:': empty rule");
	add_bad("a: ratio >= 1",
		"invalid rule 'a: ratio >= 1': expected absolute, relative, "
		"percentage, zscore, tinterval, iqr, direction or optional, "
		"found 'ratio'");
	add_bad("a: >= 1",
		"invalid rule 'a: >= 1': expected absolute, relative, "
		"percentage, zscore, tinterval, iqr, direction or optional, "
		"found '>='");
	add_bad("a: relative == 1",
		"invalid rule 'a: relative == 1': expected <, <=, > or >= "
		"after 'relative'");
	add_bad("a: warn rel", "invalid rule 'a: warn rel': expected <, <=, "
			       "> or >= after 'rel'");
	add_bad("a: relative >=",
		"invalid rule 'a: relative >=': expected a number after '>='");
	add_bad("a: relative >= x1",
		"invalid rule 'a: relative >= x1': 'x1' is not a finite "
		"number");
	add_bad("a: relative >= nan",
		"invalid rule 'a: relative >= nan': 'nan' is not a finite "
		"number");
	add_bad("a: relative >= 1e999",
		"invalid rule 'a: relative >= 1e999': '1e999' is not a "
		"finite number");
	add_bad("a: absolute >= 1%",
		"invalid rule 'a: absolute >= 1%': '%' applies to relative "
		"and percentage rules only");
	add_bad("a: relative >= 1 %%",
		"invalid rule 'a: relative >= 1 %%': unexpected '%' at the "
		"end");
	add_bad("a: relative >= 1 and more",
		"invalid rule 'a: relative >= 1 and more': unexpected 'and "
		"more' at the end");
	add_bad("a: direction up",
		"invalid rule 'a: direction up': expected higher or lower "
		"after 'direction'");
	add_bad("a: optional yes",
		"invalid rule 'a: optional yes': unexpected 'yes' at the end");
	add_bad("a: relative >= 0x10",
		"invalid rule 'a: relative >= 0x10': unexpected 'x10' at the "
		"end");
}

static void test_default_direction(void)
{
	static const char *const lower[] = {"loss",
					    "val_loss",
					    "error_rate",
					    "Latency",
					    "fit_time",
					    "duration",
					    "rmse",
					    "mse",
					    "mae",
					    "MAPE",
					    "model_size",
					    "peak_memory",
					    "infer_ms",
					    "step_s",
					    "p50",
					    "latency.p95",
					    "p999",
					    "p99_ms",
					    "bench/p90",
					    "test.LOSS",
					    "brier_score",
					    "ece",
					    "slice/country=US/ece"};
	static const char *const higher[] = {"accuracy",
					     "precision",
					     "recall",
					     "f1",
					     "auc",
					     "r2",
					     "throughput",
					     "p1",
					     "p1000",
					     "top5",
					     "ap50x",
					     "samples",
					     "tokens_per_s_x",
					     "ms",
					     "s",
					     "precision_ece_free"};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(lower); i++)
		if (mlg_rules_default_direction(lower[i]) != MLG_DIR_LOWER)
			t_fail(__FILE__, __LINE__, "'%s' is not lower",
			       lower[i]);
	for (i = 0; i < MLG_ARRAY_SIZE(higher); i++)
		if (mlg_rules_default_direction(higher[i]) != MLG_DIR_HIGHER)
			t_fail(__FILE__, __LINE__, "'%s' is not higher",
			       higher[i]);
}

static enum mlg_status eval(const char *spec, enum mlg_direction dir,
			    double base, double cur)
{
	struct mlg_rules r = {0};
	struct mlg_rule_result res;

	if (mlg_rules_add_spec(&r, "m", spec))
		t_fail(__FILE__, __LINE__, "spec '%s': %s", spec,
		       mlg_error_message());
	mlg_rule_eval(&res, &r.rules[0], dir, base, cur);
	mlg_rules_release(&r);
	return res.status;
}

static void test_eval_relative_bounds(void)
{
	/* at most 1% worse, higher is better: base 200 */
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 200, 198),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 200, 197.99),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 200, 250),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative > -1%", MLG_DIR_HIGHER, 200, 198),
		 MLG_STATUS_FAIL);
	/* lower is better: growing is worse */
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_LOWER, 200, 202),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_LOWER, 200, 202.01),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_LOWER, 200, 10),
		 MLG_STATUS_PASS);
	/* negative baselines use |baseline|: no sign flip */
	T_EQ_INT(eval("relative >= -10%", MLG_DIR_HIGHER, -100, -110),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative >= -10%", MLG_DIR_HIGHER, -100, -110.5),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("relative >= -10%", MLG_DIR_HIGHER, -100, -50),
		 MLG_STATUS_PASS);
	/* exactly at the bound despite rounding: 0.505 - 0.5 > 0.005 */
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_LOWER, 0.5, 0.505),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_LOWER, 0.5, 0.50501),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("relative > -1%", MLG_DIR_LOWER, 0.5, 0.505),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("absolute >= -0.1", MLG_DIR_HIGHER, 0.3, 0.2),
		 MLG_STATUS_PASS);
	/* a suspiciously large improvement fails */
	T_EQ_INT(eval("relative <= 20%", MLG_DIR_HIGHER, 100, 120),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative <= 20%", MLG_DIR_HIGHER, 100, 120.5),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("relative < 20%", MLG_DIR_LOWER, 100, 80.5),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("relative < 20%", MLG_DIR_LOWER, 100, 79),
		 MLG_STATUS_FAIL);
	/* warn level */
	T_EQ_INT(eval("warn relative >= 0", MLG_DIR_HIGHER, 100, 99),
		 MLG_STATUS_WARN);
	T_EQ_INT(eval("warn relative >= 0", MLG_DIR_HIGHER, 100, 100),
		 MLG_STATUS_PASS);
}

static void test_eval_absolute_bounds(void)
{
	/* must improve by 0.5 points */
	T_EQ_INT(eval("absolute >= 0.5", MLG_DIR_HIGHER, 80, 80.5),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("absolute >= 0.5", MLG_DIR_HIGHER, 80, 80.49),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("absolute > 0.5", MLG_DIR_HIGHER, 80, 80.5),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("absolute >= 0.5", MLG_DIR_LOWER, 80, 79.5),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("absolute >= 0.5", MLG_DIR_LOWER, 80, 79.75),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("absolute <= 2", MLG_DIR_HIGHER, 0, 2), MLG_STATUS_PASS);
	T_EQ_INT(eval("absolute <= 2", MLG_DIR_HIGHER, 0, 2.001),
		 MLG_STATUS_FAIL);
	T_EQ_INT(eval("absolute < 2", MLG_DIR_HIGHER, 0, 2), MLG_STATUS_FAIL);
	T_EQ_INT(eval("warn abs >= -0.1", MLG_DIR_LOWER, 1, 1.2),
		 MLG_STATUS_WARN);
	/* huge values stay finite or infinite, never NaN */
	T_EQ_INT(eval("absolute >= 0", MLG_DIR_HIGHER, -1.7e308, 1.7e308),
		 MLG_STATUS_PASS);
	T_EQ_INT(eval("absolute >= 0", MLG_DIR_LOWER, -1.7e308, 1.7e308),
		 MLG_STATUS_FAIL);
}

static void test_eval_zero_baseline(void)
{
	struct mlg_rules r = {0};
	struct mlg_rule_result res;

	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 0, -5),
		 MLG_STATUS_SKIP);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 1e-12, 5),
		 MLG_STATUS_SKIP);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, -1e-13, 5),
		 MLG_STATUS_SKIP);
	T_EQ_INT(eval("relative >= -1%", MLG_DIR_HIGHER, 2e-12, 0),
		 MLG_STATUS_FAIL);
	T_EQ_INT(mlg_rules_add_spec(&r, "m", "relative >= 0"), 0);
	mlg_rule_eval(&res, &r.rules[0], MLG_DIR_HIGHER, 0, 1);
	T_EQ_INT(res.has_change, 0);
	T_ASSERT(!isnan(res.change));
	T_EQ_DBL(res.delta, 1, 0);
	mlg_rule_eval(&res, &r.rules[0], MLG_DIR_LOWER, 4, 3);
	T_EQ_INT(res.has_change, 1);
	T_EQ_DBL(res.change, 0.25, 1e-15);
	T_EQ_DBL(res.delta, -1, 0);
	mlg_rules_release(&r);
}

static void set(struct mlg_metric_set *m, const char *json)
{
	if (mlg_metrics_parse_text(m, "m.json", json, strlen(json),
				   MLG_METRICS_AUTO))
		t_fail(__FILE__, __LINE__, "%s", mlg_error_message());
}

static const char *row(const struct mlg_table *t, size_t i)
{
	static char out[512];
	size_t c;

	out[0] = 0;
	for (c = 0; c < t->ncols; c++) {
		const char *s = mlg_table_cell(t, i, c);

		strcat(out, c ? "|" : "");
		strcat(out, s ? s : "");
	}
	return out;
}

/* Check `i` of `rep` has this id and status, and this message unless
 * `msg` is NULL. */
static void expect_check(const struct mlg_report *rep, size_t i, const char *id,
			 enum mlg_status status, const char *msg)
{
	T_ASSERT(i < rep->nchecks);
	T_EQ_STR(rep->checks[i]->id, id);
	T_EQ_INT(rep->checks[i]->status, status);
	if (msg)
		T_EQ_STR(rep->checks[i]->message, msg);
}

static void test_compare_defaults(void)
{
	struct mlg_metric_set cur, base;
	struct mlg_report rep;
	struct mlg_rules r = {0};
	const struct mlg_table *t;

	set(&cur, "{\"acc\": 0.9, \"loss\": 0.505, \"bias\": 0, "
		  "\"new\": 1}");
	set(&base, "{\"acc\": 0.91, \"loss\": 0.5, \"bias\": 0, \"gone\": 3}");
	mlg_report_init(&rep, "perf-gate", "0");
	mlg_rules_compare(&rep, &r, &cur, &base);
	T_EQ_INT(rep.nchecks, 5);
	expect_check(&rep, 0, "acc", MLG_STATUS_FAIL, NULL);
	T_EQ_STR(rep.checks[0]->threshold, "default: relative >= -1%");
	T_EQ_STR(rep.checks[0]->message,
		 "0.91 -> 0.9: relative change -1.0989%");
	T_EQ_DBL(rep.checks[0]->value, 0.9, 0);
	expect_check(&rep, 1, "loss", MLG_STATUS_PASS, NULL);
	expect_check(&rep, 2, "bias", MLG_STATUS_PASS, NULL);
	T_EQ_STR(rep.checks[2]->threshold, "default: absolute >= -1e-09");
	expect_check(&rep, 3, "new", MLG_STATUS_FAIL,
		     "missing in the baseline");
	expect_check(&rep, 4, "gone", MLG_STATUS_FAIL,
		     "missing in the current run");
	T_EQ_INT(rep.ntables, 1);
	t = rep.tables[0];
	T_EQ_STR(t->id, "diff");
	T_EQ_INT(t->nrows, 5);
	T_EQ_STR(row(t, 0), "acc|0.91|0.9|-0.01|-1.0989%|default: relative "
			    ">= -1%|fail");
	T_EQ_STR(row(t, 1), "loss|0.5|0.505|+0.005|+1%|default: relative >= "
			    "-1%|pass");
	T_EQ_STR(row(t, 2), "bias|0|0|0|n/a|default: absolute >= -1e-09|pass");
	T_EQ_STR(row(t, 3), "new|-|1|-|-|present|fail");
	T_EQ_STR(row(t, 4), "gone|3|-|-|-|present|fail");
	T_EQ_INT(mlg_report_exit_code(&rep), 1);
	mlg_report_release(&rep);
	mlg_metrics_release(&cur);
	mlg_metrics_release(&base);
}

static void test_compare_rules(void)
{
	struct mlg_metric_set cur, base;
	struct mlg_report rep;
	struct mlg_rules r = {0};

	set(&cur, "{\"acc\": 0.9, \"lat_ms\": 0, \"new\": 1, \"x\": 5}");
	set(&base, "{\"acc\": 0.91, \"lat_ms\": 0, \"x\": 4}");
	add_ok(&r, "acc: relative >= -2%");
	add_ok(&r, "acc: warn absolute >= 0");
	add_ok(&r, "lat_ms: relative >= -1%");
	add_ok(&r, "new: optional");
	add_ok(&r, "*: absolute >= 0.5");
	add_ok(&r, "typo: relative >= 0");
	mlg_report_init(&rep, "perf-gate", "0");
	mlg_rules_compare(&rep, &r, &cur, &base);
	T_EQ_INT(rep.nchecks, 6);
	expect_check(&rep, 0, "acc", MLG_STATUS_PASS, NULL);
	expect_check(&rep, 1, "acc#2", MLG_STATUS_WARN,
		     "0.91 -> 0.9: absolute change -0.01");
	expect_check(
		&rep, 2, "lat_ms", MLG_STATUS_SKIP,
		"0 -> 0: relative rule skipped, the baseline is at or near "
		"zero");
	expect_check(&rep, 3, "new", MLG_STATUS_SKIP,
		     "missing in the baseline (optional)");
	expect_check(&rep, 4, "x", MLG_STATUS_PASS, NULL);
	T_EQ_STR(rep.checks[4]->threshold, "absolute >= 0.5");
	expect_check(&rep, 5, "typo", MLG_STATUS_FAIL,
		     "missing in the current run and the baseline");
	T_EQ_INT(mlg_report_exit_code(&rep), 1);
	mlg_report_release(&rep);
	mlg_rules_release(&r);
	mlg_metrics_release(&cur);
	mlg_metrics_release(&base);
}

static void test_load_config(void)
{
	struct mlg_rules r = {0};
	const char *p;

	p = t_write("g.json",
		    "{\"require_baseline\": true,\n"
		    " \"rules\": [\"acc: relative >= -1%\"],\n"
		    " \"metrics\": {\"lat\": {\"direction\": \"lower\", "
		    "\"optional\": true,\n"
		    "   \"rules\": [\"warn relative >= -2%\"]}}}");
	T_EQ_INT(mlg_rules_load(&r, p), 0);
	T_EQ_INT(r.require_baseline, 1);
	T_EQ_INT(r.nrules, 2);
	T_EQ_STR(r.rules[0].metric, "acc");
	T_EQ_STR(r.rules[1].metric, "lat");
	T_EQ_STR(r.rules[1].text, "warn relative >= -2%");
	T_EQ_INT(mlg_rules_direction(&r, "lat"), MLG_DIR_LOWER);
	T_EQ_INT(mlg_rules_optional(&r, "lat"), 1);
	mlg_rules_release(&r);
}

static void config_bad(const char *text, const char *msg)
{
	struct mlg_rules r = {0};
	const char *p = t_write("bad.json", text);
	char *want = mlg_strfmt("'%s': %s", p, msg);

	T_EQ_INT(mlg_rules_load(&r, p), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), want);
	free(want);
	mlg_rules_release(&r);
}

static void test_config_errors(void)
{
	config_bad("{\"rules\": [\"acc: relative >= -1%\",\n \"acc >= 1\"]}",
		   "2:2: /rules/1: invalid rule 'acc >= 1': expected "
		   "'METRIC: SPEC'");
	config_bad("{\"rules\": \"acc: rel >= 0\"}",
		   "1:2: /rules: expected an array, found string");
	config_bad("{\"rules\": [1]}",
		   "1:12: /rules/0: expected a string, found number");
	config_bad("{\"thresholds\": []}",
		   "1:2: /thresholds: unknown property 'thresholds'");
	config_bad("{\"metrics\": {\"a\": {\"direction\": \"up\"}}}",
		   "1:20: /metrics/a/direction: expected higher or lower, "
		   "found 'up'");
	config_bad("{\"metrics\": {\"a\": {\"rules\": [\"rel = 1\"]}}}",
		   "1:30: /metrics/a/rules/0: expected <, <=, > or >= after "
		   "'rel'");
	config_bad("{\"metrics\": {\"a\": {\"optional\": 1}}}",
		   "1:20: /metrics/a/optional: expected a boolean, found "
		   "number");
	config_bad("{\"metrics\": []}",
		   "1:2: /metrics: expected an object, found array");
	config_bad("{\"require_baseline\": \"yes\"}",
		   "1:2: /require_baseline: expected a boolean, found string");
	config_bad("[]", "1:1: /: expected an object, found array");
	config_bad("{\"rules\": [", "1:12: ']' expected near end of file");
}

/* scipy.stats.t.ppf(p, df), computed with scipy 1.10.1 (Debian 12):
 *	[[t.ppf(p, df) for p in (0.95, 0.975, 0.995)]
 *	 for df in (1, 2, 5, 30, 1000)] */
static const struct {
	double df, q[3];
} tppf[] = {
	{1, {6.3137515148009324, 12.706204736432095, 63.656741162873992}},
	{2, {2.9199855803555161, 4.3026527299112747, 9.9248432009180707}},
	{5, {2.015048372669157, 2.5705818366147395, 4.0321429835575362}},
	{30, {1.6972608943617378, 2.0422724563012373, 2.7499956535670305}},
	{1000, {1.6463788172854639, 1.9623390808264074, 2.5807546980659422}},
};

/* scipy 1.10's t.ppf is accurate to about 1e-8 only: its df = 1 values
 * are 2e-11 (relative) off the exact tan(pi (p - 1/2)), its df = 30,
 * p = 0.95 value 5e-9 off the root mpmath finds (texact below). Hence
 * 1e-8 against scipy, and 1e-14 against mpmath (1e-11 at df 1000, where
 * lgamma's cancellation costs digits). */
/* the same quantiles from mpmath 1.2 at 30 digits (findroot on the CDF
 * 1 - betainc(df/2, 1/2, 0, df/(df+t^2), regularized) / 2) */
static const struct {
	double df, q[3];
} texact[] = {
	{1,
	 {6.31375151467503739792, 12.7062047361746933141,
	  63.6567411628715244472}},
	{2,
	 {2.91998558035372417031, 4.30265272974946178942,
	  9.92484320091828864033}},
	{5,
	 {2.01504837333302354174, 2.57058183563631478279,
	  4.03214298355522717928}},
	{30,
	 {1.69726088659395738368, 2.04227245630123788783,
	  2.74999565356722496639}},
	{1000,
	 {1.64637881728546428402, 1.96233908082640810389,
	  2.58075469806595077061}},
};

static void test_t_quantile(void)
{
	static const double p[3] = {0.95, 0.975, 0.995};
	size_t i, j;

	for (i = 0; i < MLG_ARRAY_SIZE(tppf); i++)
		for (j = 0; j < 3; j++) {
			T_EQ_DBL(mlg_rules_t_quantile(p[j], tppf[i].df),
				 tppf[i].q[j], 1e-8);
			T_EQ_DBL(mlg_rules_t_quantile(p[j], texact[i].df),
				 texact[i].q[j],
				 texact[i].df < 1000 ? 1e-14 : 1e-11);
			/* symmetric */
			T_EQ_DBL(mlg_rules_t_quantile(1 - p[j], tppf[i].df),
				 -texact[i].q[j], 1e-11);
		}
	for (i = 0; i < 3; i++)
		T_EQ_DBL(mlg_rules_t_quantile(p[i], 1),
			 tan(M_PI * (p[i] - 0.5)), 1e-14);
	T_EQ_DBL(mlg_rules_t_quantile(0.5, 3), 0, 0);
	T_ASSERT(isnan(mlg_rules_t_quantile(0, 3)));
	T_ASSERT(isnan(mlg_rules_t_quantile(1, 3)));
	T_ASSERT(isnan(mlg_rules_t_quantile(0.9, 0)));
	T_ASSERT(isnan(mlg_rules_t_quantile(NAN, 3)));
	/* scipy.stats.beta.cdf(x, a, b) */
	T_EQ_DBL(mlg_rules_betainc(2, 3, 0.4), 0.5247999999999999, 1e-13);
	T_EQ_DBL(mlg_rules_betainc(0.5, 0.5, 0.1), 0.20483276469913345, 1e-13);
	T_EQ_DBL(mlg_rules_betainc(500, 0.5, 0.99), 0.0015273578790529906,
		 1e-10);
	T_EQ_DBL(mlg_rules_betainc(1, 1, 0.3), 0.3, 1e-14);
	T_EQ_DBL(mlg_rules_betainc(2, 3, 0), 0, 0);
	T_EQ_DBL(mlg_rules_betainc(2, 3, 1), 1, 0);
	T_ASSERT(isnan(mlg_rules_betainc(0, 3, 0.5)));
	T_ASSERT(isnan(mlg_rules_betainc(2, 3, 1.5)));
}

static struct mlg_change_rule *stat_rule(struct mlg_rules *r, const char *line)
{
	add_ok(r, line);
	return &r->rules[r->nrules - 1];
}

static enum mlg_status wst(const struct mlg_change_rule *c,
			   enum mlg_direction d, double x)
{
	static const double v[] = {1, 2, 3, 4, 5};
	struct mlg_rule_result res;

	mlg_rule_eval_window(&res, c, d, v, 5, x);
	T_EQ_DBL(res.mean, 3, 0);
	T_EQ_DBL(res.sd, sqrt(2.5), 1e-15);
	T_EQ_INT(res.n, 5);
	return res.status;
}

static void test_window_bounds(void)
{
	struct mlg_rules r = {0};
	const struct mlg_change_rule *c;
	double lo = 3 - 2 * sqrt(2.5), hi = 3 + 2 * sqrt(2.5);
	double tlo = -1.8089439866285035, thi = 7.8089439866285035;
	enum mlg_direction H = MLG_DIR_HIGHER, L = MLG_DIR_LOWER;
	const enum mlg_status P = MLG_STATUS_PASS, F = MLG_STATUS_FAIL;

	c = stat_rule(&r, "m: zscore <= 2");
	T_EQ_STR(c->text, "zscore <= 2");
	T_EQ_INT(wst(c, H, lo), P);
	T_EQ_INT(wst(c, H, lo - 1e-9), F);
	T_EQ_INT(wst(c, H, lo + 1e-9), P);
	T_EQ_INT(wst(c, H, 100), P); /* the good side never fails */
	T_EQ_INT(wst(c, L, hi), P);
	T_EQ_INT(wst(c, L, hi + 1e-9), F);
	T_EQ_INT(wst(c, L, -100), P);
	c = stat_rule(&r, "m: zscore < 2");
	T_EQ_INT(wst(c, H, lo), F);
	T_EQ_INT(wst(c, H, lo + 1e-9), P);
	c = stat_rule(&r, "m: warn z <= 2 two-sided");
	T_EQ_STR(c->text, "warn zscore <= 2 two-sided");
	T_EQ_INT(wst(c, H, hi + 1e-9), MLG_STATUS_WARN);
	T_EQ_INT(wst(c, L, lo - 1e-9), MLG_STATUS_WARN);
	T_EQ_INT(wst(c, H, hi), P);

	c = stat_rule(&r, "m: percentage <= 10%");
	T_EQ_STR(c->text, "percentage <= 10%");
	T_EQ_INT(wst(c, H, 2.7), P);
	T_EQ_INT(wst(c, H, 2.6999999), F);
	T_EQ_INT(wst(c, L, 3.3), P);
	T_EQ_INT(wst(c, L, 3.3000001), F);
	T_EQ_INT(wst(c, L, 0), P);
	c = stat_rule(&r, "m: pct < 10% two-sided");
	T_EQ_INT(wst(c, H, 3.3), F);
	T_EQ_INT(wst(c, H, 3.2999999), P);

	c = stat_rule(&r, "m: tinterval 0.95");
	T_EQ_STR(c->text, "tinterval 0.95");
	/* tlo and thi are from scipy: check just inside them */
	T_EQ_INT(wst(c, H, tlo + 1e-12), P);
	T_EQ_INT(wst(c, H, tlo - 1e-9), F);
	T_EQ_INT(wst(c, L, thi - 1e-12), P);
	T_EQ_INT(wst(c, L, thi + 1e-9), F);
	T_EQ_INT(wst(c, H, thi + 1e-9), P);

	c = stat_rule(&r, "m: iqr 1.5");
	T_EQ_STR(c->text, "iqr 1.5");
	T_EQ_INT(wst(c, H, -1), P); /* Q1 2, Q3 4: [-1, 7] */
	T_EQ_INT(wst(c, H, -1.0000001), F);
	T_EQ_INT(wst(c, L, 7), P);
	T_EQ_INT(wst(c, L, 7.0000001), F);
	c = stat_rule(&r, "m: iqr 0 two-sided");
	T_EQ_INT(wst(c, H, 2), P);
	T_EQ_INT(wst(c, H, 4.0000001), F);
	mlg_rules_release(&r);
}

static void test_window_edge(void)
{
	static const double one[] = {0.5}, same[] = {2, 2, 2},
			    odd[] = {10, 1, 5, 4, 3, 2};
	struct mlg_rules r = {0};
	struct mlg_rule_result res;

	/* a single value: no sd; tinterval has no degrees of freedom */
	add_ok(&r, "m: zscore <= 3");
	mlg_rule_eval_window(&res, &r.rules[0], MLG_DIR_HIGHER, one, 1, 0.5);
	T_EQ_INT(res.status, MLG_STATUS_PASS);
	T_EQ_DBL(res.sd, 0, 0);
	mlg_rule_eval_window(&res, &r.rules[0], MLG_DIR_HIGHER, one, 1, 0.49);
	T_EQ_INT(res.status, MLG_STATUS_FAIL);
	add_ok(&r, "m: tinterval 0.99");
	mlg_rule_eval_window(&res, &r.rules[1], MLG_DIR_HIGHER, one, 1, 0);
	T_EQ_INT(res.status, MLG_STATUS_SKIP);
	mlg_rule_eval_window(&res, &r.rules[1], MLG_DIR_HIGHER, same, 3, 2);
	T_EQ_INT(res.status, MLG_STATUS_PASS);
	mlg_rule_eval_window(&res, &r.rules[1], MLG_DIR_HIGHER, same, 3,
			     1.9999);
	T_EQ_INT(res.status, MLG_STATUS_FAIL);
	/* unsorted input, quartiles by interpolation (numpy: 2.25, 4.75) */
	add_ok(&r, "m: iqr 1");
	mlg_rule_eval_window(&res, &r.rules[2], MLG_DIR_HIGHER, odd, 6, -0.25);
	T_EQ_INT(res.status, MLG_STATUS_PASS);
	T_EQ_DBL(res.lo, -0.25, 1e-15);
	T_EQ_DBL(res.hi, 7.25, 1e-15);
	T_EQ_DBL(odd[0], 10, 0); /* the input is not reordered */
	mlg_rules_release(&r);
}

static void test_stat_parse_errors(void)
{
	add_bad("m: zscore >= 3",
		"invalid rule 'm: zscore >= 3': 'zscore' rules bound with "
		"<= or <");
	add_bad("m: zscore 3", "invalid rule 'm: zscore 3': expected <, <=, "
			       "> or >= after 'zscore'");
	add_bad("m: zscore <= 3%", "invalid rule 'm: zscore <= 3%': '%' "
				   "applies to relative and percentage "
				   "rules only");
	add_bad("m: zscore <= -1", "invalid rule 'm: zscore <= -1': 'zscore' "
				   "needs a bound of 0 or more");
	add_bad("m: tinterval 1", "invalid rule 'm: tinterval 1': "
				  "'tinterval' needs a probability between "
				  "0 and 1");
	add_bad("m: tinterval 0", "invalid rule 'm: tinterval 0': "
				  "'tinterval' needs a probability between "
				  "0 and 1");
	add_bad("m: tinterval", "invalid rule 'm: tinterval': expected a "
				"number after 'tinterval'");
	add_bad("m: iqr nan", "invalid rule 'm: iqr nan': 'nan' is not a "
			      "finite number");
	add_bad("m: iqr 1.5 two-sidedx", "invalid rule 'm: iqr 1.5 "
					 "two-sidedx': unexpected "
					 "'two-sidedx' at the end");
	add_bad("m: relative >= 1 two-sided",
		"invalid rule 'm: relative >= 1 two-sided': unexpected "
		"'two-sided' at the end");
}

static void test_compare_window(void)
{
	struct mlg_metric_set cur, w[6];
	const struct mlg_metric_set *win[6];
	static const char *const vals[] = {"{\"acc\": 1, \"lat_ms\": 10}",
					   "{\"acc\": 2, \"lat_ms\": 10}",
					   "{\"acc\": 3}",
					   "{\"acc\": 4, \"lat_ms\": 10}",
					   "{\"acc\": 5, \"lat_ms\": 12}",
					   "{\"acc\": 3, \"gone\": 1}"};
	struct mlg_report rep;
	struct mlg_rules r = {0};
	const struct mlg_table *t;
	size_t i;

	for (i = 0; i < 6; i++) {
		set(&w[i], vals[i]);
		win[i] = &w[i];
	}
	set(&cur, "{\"acc\": -1.5, \"lat_ms\": 13}");
	add_ok(&r, "acc: iqr 1.5");
	add_ok(&r, "lat_ms: zscore <= 3");
	add_ok(&r, "gone: optional");
	mlg_report_init(&rep, "perf-gate", "0");
	/* acc: 1 2 3 4 5 3 -> Q1 2.25, Q3 3.75: [0, 6]; lat_ms: 4 values,
	 * fewer than 5: skipped, the default rule against 12 */
	mlg_rules_compare_window(&rep, &r, &cur, win, 6);
	T_EQ_INT(rep.nchecks, 4);
	expect_check(&rep, 0, "acc", MLG_STATUS_FAIL, NULL);
	T_EQ_STR(rep.checks[0]->threshold, "iqr 1.5");
	T_EQ_STR(rep.checks[0]->message,
		 "-1.5 below 0 (mean 3, sd 1.41421, n 6)");
	expect_check(&rep, 1, "lat_ms", MLG_STATUS_SKIP,
		     "4 values in the history window, fewer than the 5 needed: "
		     "skipped");
	expect_check(&rep, 2, "lat_ms#2", MLG_STATUS_FAIL,
		     "12 -> 13: relative change -8.33333%");
	expect_check(&rep, 3, "gone", MLG_STATUS_SKIP, NULL);
	t = rep.tables[0];
	T_EQ_INT(t->ncols, 10);
	T_EQ_INT(t->nrows, 4);
	T_EQ_STR(row(t, 0), "acc|3|-1.5|-4.5|-150%|3|1.41421|6|iqr 1.5|fail");
	T_EQ_STR(row(t, 1), "lat_ms|12|13|+1|+8.33333%|10.5|1|4|zscore <= "
			    "3|skip");
	T_EQ_STR(row(t, 3), "gone|1|-|-|-|1|0|1|optional|skip");
	mlg_report_release(&rep);

	/* min_samples 4: lat_ms 13 against mean 10.5, sd 1: z 2.5 passes */
	r.min_samples = 4;
	mlg_report_init(&rep, "perf-gate", "0");
	mlg_rules_compare_window(&rep, &r, &cur, win, 6);
	T_EQ_INT(rep.nchecks, 3);
	T_EQ_INT(rep.checks[1]->status, MLG_STATUS_PASS);
	T_EQ_STR(rep.checks[1]->message,
		 "13 within [7.5, 13.5] (mean 10.5, sd 1, n 4)");
	mlg_report_release(&rep);

	/* without a window, statistical rules skip and the default runs */
	mlg_report_init(&rep, "perf-gate", "0");
	mlg_rules_compare(&rep, &r, &cur, &w[4]);
	T_EQ_INT(rep.tables[0]->ncols, 7);
	T_EQ_INT(rep.checks[0]->status, MLG_STATUS_SKIP);
	T_EQ_STR(rep.checks[0]->message,
		 "statistical rule skipped: no history (give --history)");
	T_EQ_INT(rep.checks[1]->status, MLG_STATUS_FAIL);
	T_EQ_STR(rep.checks[1]->threshold, "default: relative >= -1%");
	mlg_report_release(&rep);

	for (i = 0; i < 6; i++)
		mlg_metrics_release(&w[i]);
	mlg_metrics_release(&cur);
	mlg_rules_release(&r);
}

MLG_TESTS(T(test_parse_rules), T(test_parse_opts), T(test_parse_errors),
	  T(test_default_direction), T(test_eval_relative_bounds),
	  T(test_eval_absolute_bounds), T(test_eval_zero_baseline),
	  T(test_compare_defaults), T(test_compare_rules), T(test_load_config),
	  T(test_config_errors), T(test_t_quantile), T(test_window_bounds),
	  T(test_window_edge), T(test_stat_parse_errors),
	  T(test_compare_window));
