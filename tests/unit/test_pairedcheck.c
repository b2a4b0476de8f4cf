#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/paired.h"
#include "mlgate/pairedcheck.h"
#include "mlgate/report.h"
#include "mlgate/util.h"
#include "test.h"

/* 8 rows, all right. */
static const char base8[] = "id,label,pred,proba\n"
			    "a,1,1,0.9\nb,0,0,0.2\nc,1,1,0.8\nd,0,0,0.1\n"
			    "e,1,1,0.7\nf,0,0,0.4\ng,1,1,0.6\nh,0,0,0.3\n";
/* the same ids shuffled; wrong on a, b, c, d, e, f: McNemar b = 6, c = 0 */
static const char cur8[] = "id,label,pred,proba\n"
			   "h,0,0,0.3\ng,1,1,0.6\nf,0,1,0.6\ne,1,0,0.3\n"
			   "d,0,1,0.9\nc,1,0,0.2\nb,0,1,0.8\na,1,0,0.1\n";

static int run(struct mlg_report *r, const char *b, const char *c,
	       const char *rule, const char *id, double alpha)
{
	struct mlg_paired_rule pr;
	struct mlg_pairedcheck_opts o = {0};
	int rc;

	T_EQ_INT(mlg_paired_rule_parse(&pr, rule), 0);
	o.label = "label";
	o.pred = "pred";
	o.proba = "proba";
	o.id = id;
	o.alpha = alpha;
	o.seed = 42;
	o.resamples = 200;
	/* relative names keep the messages exact */
	T_EQ_INT(chdir(t_tmpdir()), 0);
	t_write("b.csv", b);
	t_write("c.csv", c);
	rc = mlg_pairedcheck_run(r, "b.csv", "c.csv", &pr, 1, &o);
	mlg_paired_rule_release(&pr);
	return rc;
}

static void test_rule_parse(void)
{
	struct mlg_paired_rule pr;

	T_EQ_INT(mlg_paired_rule_parse(&pr, " auc :  better "), 0);
	T_EQ_STR(pr.metric, "roc_auc");
	T_EQ_INT(pr.better, 1);
	mlg_paired_rule_release(&pr);
	T_EQ_INT(mlg_paired_rule_parse(&pr, "log_loss:not-worse"), 0);
	T_EQ_STR(pr.metric, "log_loss");
	T_EQ_INT(pr.better, 0);
	mlg_paired_rule_release(&pr);
	T_EQ_INT(mlg_paired_rule_parse(&pr, "accuracy"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "bad paired rule 'accuracy': expected 'METRIC: "
		 "not-worse|better'");
	T_EQ_INT(mlg_paired_rule_parse(&pr, "acc: better"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "bad paired rule 'acc: better': unknown metric 'acc'");
	T_EQ_INT(mlg_paired_rule_parse(&pr, "f1: worse"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(),
		 "bad paired rule 'f1: worse': expected 'not-worse' or "
		 "'better', not 'worse'");
	T_EQ_INT(mlg_paired_rule_parse(&pr, ""), MLG_EINVALID);
	T_EQ_INT(mlg_paired_rule_parse(&pr, ":"), MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "bad paired rule ':': unknown metric ''");
	T_ASSERT(pr.metric == NULL);
}

static void test_mcnemar_worse_by_id(void)
{
	struct mlg_report r;
	struct mlg_paired_result m;
	const struct mlg_check *c;

	T_EQ_INT(mlg_paired_mcnemar_counts(&m, 6, 0, MLG_MCNEMAR_AUTO), 0);
	T_EQ_DBL(m.p_value, 0.03125, 1e-15);
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, base8, cur8, "accuracy: not-worse", "id", 0.05), 0);
	T_ASSERT((c = mlg_report_find_check(&r, "paired:accuracy")));
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_DBL(c->value, -0.75, 1e-15);
	T_EQ_STR(c->threshold, "accuracy: not-worse at alpha 0.05");
	T_EQ_STR(c->message, "1 -> 0.25 (-0.75) on 8 rows: mcnemar-exact "
			     "p = 0.03125 < alpha 0.05: significantly worse");
	mlg_report_release(&r);

	/* at alpha 0.01 the same drop is not significant */
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, base8, cur8, "accuracy: not-worse", "id", 0.01), 0);
	c = mlg_report_find_check(&r, "paired:accuracy");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_CONTAINS(c->message, "p = 0.03125 >= alpha 0.01: no significant");
	mlg_report_release(&r);
}

static void test_better(void)
{
	struct mlg_report r;
	const struct mlg_check *c;

	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, cur8, base8, "accuracy: better", "id", 0.05), 0);
	c = mlg_report_find_check(&r, "paired:accuracy");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_EQ_DBL(c->value, 0.75, 1e-15);
	T_CONTAINS(c->message, "significantly better");
	mlg_report_release(&r);

	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, cur8, base8, "accuracy: better", "id", 0.01), 0);
	c = mlg_report_find_check(&r, "paired:accuracy");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->threshold, "accuracy: better at alpha 0.01");
	mlg_report_release(&r);

	/* same predictions: never better, never worse */
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, base8, base8, "accuracy: better", NULL, 0.05), 0);
	c = mlg_report_find_check(&r, "paired:accuracy");
	T_EQ_INT(c->status, MLG_STATUS_FAIL);
	T_EQ_STR(c->message, "1 -> 1 (+0) on 8 rows: mcnemar-exact p = 1 "
			     ">= alpha 0.05: no significant difference");
	mlg_report_release(&r);
}

static void test_delong_matches_paired(void)
{
	static const double bs[] = {0.9, 0.2, 0.8, 0.1, 0.7, 0.4, 0.6, 0.3};
	/* cur8's scores in base8's row order */
	static const double cs[] = {0.1, 0.8, 0.2, 0.9, 0.3, 0.6, 0.6, 0.3};
	static const unsigned char y[] = {1, 0, 1, 0, 1, 0, 1, 0};
	struct mlg_paired_result d;
	struct mlg_report r;
	const struct mlg_check *c;
	char want[200];

	T_EQ_INT(mlg_paired_delong(&d, bs, cs, y, 8), 0);
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, base8, cur8, "auc: not-worse", "id", 0.05), 0);
	c = mlg_report_find_check(&r, "paired:roc_auc");
	T_EQ_DBL(c->value, d.diff, 1e-15);
	snprintf(want, sizeof(want), "delong p = %.6g ", d.p_value);
	T_CONTAINS(c->message, want);
	T_EQ_INT(c->status, d.p_value < 0.05 && d.diff < 0 ? MLG_STATUS_FAIL
							   : MLG_STATUS_PASS);
	mlg_report_release(&r);
}

static void test_bootstrap_seeded(void)
{
	struct mlg_report r1, r2;
	const struct mlg_check *a, *b;

	mlg_report_init(&r1, "t", "0");
	mlg_report_init(&r2, "t", "0");
	T_EQ_INT(run(&r1, base8, cur8, "f1: not-worse", "id", 0.05), 0);
	T_EQ_INT(run(&r2, base8, cur8, "f1: not-worse", "id", 0.05), 0);
	a = mlg_report_find_check(&r1, "paired:f1");
	b = mlg_report_find_check(&r2, "paired:f1");
	T_EQ_STR(a->message, b->message);
	T_EQ_DBL(a->value, -0.75, 1e-12);
	T_CONTAINS(a->message, "95% bootstrap CI [");
	T_CONTAINS(a->message, "(B 200)");
	mlg_report_release(&r1);
	mlg_report_release(&r2);
}

static void expect_err(const char *b, const char *c, const char *id, int code,
		       const char *msg)
{
	struct mlg_report r;

	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, b, c, "accuracy: not-worse", id, 0.05), code);
	T_EQ_STR(mlg_error_message(), msg);
	T_EQ_INT(r.nchecks, 0);
	mlg_report_release(&r);
}

static const char hdr[] = "id,label,pred,proba\n";

static void test_alignment_errors(void)
{
	expect_err(base8, "id,label,pred,proba\na,1,1,0.9\n", "id",
		   MLG_EINVALID, "id 'b' of 'b.csv' is not in 'c.csv'");
	expect_err(cur8, "id,label,pred,proba\na,1,1,0.9\n", "id", MLG_EINVALID,
		   "id 'h' of 'b.csv' is not in 'c.csv'");
	expect_err("id,label,pred,proba\na,1,1,0.9\n", base8, "id",
		   MLG_EINVALID, "id 'b' of 'c.csv' is not in 'b.csv'");
	expect_err("id,label,pred,proba\n\xff\xfe,1,1,0.9\n",
		   "id,label,pred,proba\n\xfe\xff,1,1,0.9\n", "id",
		   MLG_EINVALID, "id '\xff\xfe' of 'b.csv' is not in 'c.csv'");
	expect_err("id,label,pred,proba\na,1,1,0.9\nb,0,0,0.1\na,1,1,0.9\n",
		   base8, "id", MLG_EINVALID, "id 'a' is repeated in 'b.csv'");
	expect_err(base8, "id,label,pred,proba\na,1,1,0.9\n", NULL,
		   MLG_EINVALID,
		   "'b.csv' has 8 rows and 'c.csv' 1: give --paired-id or "
		   "the same rows");
	expect_err(base8,
		   "id,label,pred,proba\n"
		   "h,1,0,0.3\ng,1,1,0.6\nf,0,1,0.6\ne,1,0,0.3\n"
		   "d,0,1,0.9\nc,1,0,0.2\nb,0,1,0.8\na,1,0,0.1\n",
		   "id", MLG_EINVALID,
		   "the label of h differs between 'b.csv' and 'c.csv'");
	expect_err(base8, cur8, NULL, MLG_EINVALID,
		   "the label of row 1 differs between 'b.csv' and 'c.csv'");
}

static void test_bad_input(void)
{
	struct mlg_report r;

	expect_err(base8, hdr, "id", MLG_EINVALID, "'c.csv': no rows");
	expect_err(base8, "id,label,pred,proba\na,1,1,abc\n", "id",
		   MLG_EINVALID,
		   "'c.csv': 1 invalid row, first at line 2: 'abc' is not a "
		   "probability");
	expect_err(base8, "", "id", MLG_EINVALID,
		   "cannot read current predictions: 'c.csv' is empty: no "
		   "header");
	expect_err(base8, "id,label,proba\na,1,0.9\n", "id", MLG_EINVALID,
		   "cannot read current predictions: no column 'pred' in "
		   "'c.csv'");
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, base8, cur8, "accuracy: better", "id", 1.5),
		 MLG_EINVALID);
	T_EQ_STR(mlg_error_message(), "alpha must be between 0 and 1, not 1.5");
	mlg_report_release(&r);
}

/* 5000 rows aligned by id in reverse order: the same predictions. */
static void test_large_reversed(void)
{
	struct mlg_buf a = MLG_BUF_INIT, b = MLG_BUF_INIT;
	struct mlg_report r;
	const struct mlg_check *c;
	int i;

	mlg_buf_adds(&a, hdr);
	mlg_buf_adds(&b, hdr);
	for (i = 0; i < 5000; i++)
		mlg_buf_addf(&a, "id%d,%d,%d,0.%d\n", i, i % 2, i % 3 != 0,
			     i % 10);
	for (i = 4999; i >= 0; i--)
		mlg_buf_addf(&b, "id%d,%d,%d,0.%d\n", i, i % 2, i % 3 != 0,
			     i % 10);
	mlg_report_init(&r, "t", "0");
	T_EQ_INT(run(&r, a.ptr, b.ptr, "accuracy: not-worse", "id", 0.05), 0);
	c = mlg_report_find_check(&r, "paired:accuracy");
	T_EQ_INT(c->status, MLG_STATUS_PASS);
	T_EQ_DBL(c->value, 0, 0);
	T_CONTAINS(c->message, "on 5000 rows: mcnemar-exact p = 1 >=");
	mlg_report_release(&r);
	mlg_buf_release(&a);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_rule_parse), T(test_mcnemar_worse_by_id), T(test_better),
	  T(test_delong_matches_paired), T(test_bootstrap_seeded),
	  T(test_alignment_errors), T(test_bad_input), T(test_large_reversed));
