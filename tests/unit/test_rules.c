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
		"direction or optional, found 'ratio'");
	add_bad("a: >= 1",
		"invalid rule 'a: >= 1': expected absolute, relative, "
		"direction or optional, found '>='");
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
		"rules only");
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
	T_EQ_STR(rep.checks[0]->id, "acc");
	T_EQ_INT(rep.checks[0]->status, MLG_STATUS_FAIL);
	T_EQ_STR(rep.checks[0]->threshold, "default: relative >= -1%");
	T_EQ_STR(rep.checks[0]->message,
		 "0.91 -> 0.9: relative change -1.0989%");
	T_EQ_DBL(rep.checks[0]->value, 0.9, 0);
	T_EQ_STR(rep.checks[1]->id, "loss");
	T_EQ_INT(rep.checks[1]->status, MLG_STATUS_PASS);
	T_EQ_STR(rep.checks[2]->id, "bias");
	T_EQ_INT(rep.checks[2]->status, MLG_STATUS_PASS);
	T_EQ_STR(rep.checks[2]->threshold, "default: absolute >= -1e-09");
	T_EQ_STR(rep.checks[3]->id, "new");
	T_EQ_INT(rep.checks[3]->status, MLG_STATUS_FAIL);
	T_EQ_STR(rep.checks[3]->message, "missing in the baseline");
	T_EQ_STR(rep.checks[4]->id, "gone");
	T_EQ_INT(rep.checks[4]->status, MLG_STATUS_FAIL);
	T_EQ_STR(rep.checks[4]->message, "missing in the current run");
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
	T_EQ_STR(rep.checks[0]->id, "acc");
	T_EQ_INT(rep.checks[0]->status, MLG_STATUS_PASS);
	T_EQ_STR(rep.checks[1]->id, "acc#2");
	T_EQ_INT(rep.checks[1]->status, MLG_STATUS_WARN);
	T_EQ_STR(rep.checks[1]->message, "0.91 -> 0.9: absolute change -0.01");
	T_EQ_STR(rep.checks[2]->id, "lat_ms");
	T_EQ_INT(rep.checks[2]->status, MLG_STATUS_SKIP);
	T_EQ_STR(rep.checks[2]->message,
		 "0 -> 0: relative rule skipped, the baseline is at or near "
		 "zero");
	T_EQ_STR(rep.checks[3]->id, "new");
	T_EQ_INT(rep.checks[3]->status, MLG_STATUS_SKIP);
	T_EQ_STR(rep.checks[3]->message, "missing in the baseline (optional)");
	T_EQ_STR(rep.checks[4]->id, "x");
	T_EQ_INT(rep.checks[4]->status, MLG_STATUS_PASS);
	T_EQ_STR(rep.checks[4]->threshold, "absolute >= 0.5");
	T_EQ_STR(rep.checks[5]->id, "typo");
	T_EQ_INT(rep.checks[5]->status, MLG_STATUS_FAIL);
	T_EQ_STR(rep.checks[5]->message,
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

MLG_TESTS(T(test_parse_rules), T(test_parse_opts), T(test_parse_errors),
	  T(test_default_direction), T(test_eval_relative_bounds),
	  T(test_eval_absolute_bounds), T(test_eval_zero_baseline),
	  T(test_compare_defaults), T(test_compare_rules), T(test_load_config),
	  T(test_config_errors));
