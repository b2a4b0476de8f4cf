#include <stdlib.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/util.h"
#include "test.h"

static void test_empty_is_string(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	char *s;
	size_t n = 99;

	T_EQ_STR(b.ptr, "");
	T_EQ_INT(b.len, 0);
	s = mlg_buf_detach(&b, &n);
	T_EQ_STR(s, "");
	T_EQ_INT(n, 0);
	free(s);
}

static void test_add_and_format(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	T_EQ_INT(mlg_buf_adds(&b, "row "), 0);
	T_EQ_INT(mlg_buf_addf(&b, "%d, field '%s'", 1043, "age"), 0);
	T_EQ_INT(mlg_buf_addch(&b, '!'), 0);
	T_EQ_STR(b.ptr, "row 1043, field 'age'!");
	T_EQ_INT(b.len, 22);
	mlg_buf_truncate(&b, 3);
	T_EQ_STR(b.ptr, "row");
	mlg_buf_release(&b);
	T_EQ_STR(b.ptr, "");
}

static void test_cap_refuses_and_keeps(void)
{
	struct mlg_buf b;

	mlg_buf_init(&b, 8);
	T_EQ_INT(mlg_buf_adds(&b, "12345678"), 0);
	mlg_error_clear();
	T_EQ_INT(mlg_buf_addch(&b, '9'), MLG_ELIMIT);
	T_EQ_STR(b.ptr, "12345678");
	T_EQ_INT(mlg_error_last()->code, MLG_ELIMIT);
	T_CONTAINS(mlg_error_message(), "limit of 8 bytes");
	T_EQ_INT(mlg_buf_addf(&b, "%s", "x"), MLG_ELIMIT);
	T_EQ_INT(b.len, 8);
	mlg_buf_release(&b);
}

static void test_large_growth(void)
{
	struct mlg_buf b = MLG_BUF_INIT;
	int i;

	for (i = 0; i < 100000; i++)
		T_EQ_INT(mlg_buf_add(&b, "abcdefghij", 10), 0);
	T_EQ_INT(b.len, 1000000);
	T_EQ_INT(b.ptr[999999], 'j');
	T_EQ_INT(b.ptr[1000000], '\0');
	mlg_buf_release(&b);
}

static void test_replace(void)
{
	struct mlg_buf b = MLG_BUF_INIT;

	mlg_buf_adds(&b, "tok=s3cr3t and s3cr3ts3cr3t");
	T_EQ_INT(mlg_buf_replace(&b, "s3cr3t", 6, "***"), 3);
	T_EQ_STR(b.ptr, "tok=*** and ******");
	T_EQ_INT(mlg_buf_replace(&b, "absent", 6, "x"), 0);
	mlg_buf_release(&b);
}

MLG_TESTS(T(test_empty_is_string), T(test_add_and_format),
	  T(test_cap_refuses_and_keeps), T(test_large_growth), T(test_replace))
