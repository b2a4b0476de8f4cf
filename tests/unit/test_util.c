#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/util.h"
#include "test.h"

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Keys sort as their doubles, -0 with +0, and give them back. */
static void test_double_key(void)
{
	static const double v[] = {-DBL_MAX,  -1e300, -2.5,	-DBL_MIN,
				   -4.9e-324, 0,      4.9e-324, DBL_MIN,
				   1,	      2.5,    1e300,	DBL_MAX};
	size_t i;

	for (i = 0; i < MLG_ARRAY_SIZE(v); i++) {
		T_EQ_DBL(mlg_key_double(mlg_double_key(v[i])), v[i], 0);
		if (i)
			T_ASSERT(mlg_double_key(v[i - 1]) <
				 mlg_double_key(v[i]));
	}
	T_EQ_INT(mlg_double_key(-0.0), mlg_double_key(0.0));
	T_ASSERT(!signbit(mlg_key_double(mlg_double_key(-0.0))));
}

/* Against qsort, for digits of 1 to 11 bits, on random keys, on
 * keys that share their high bits (passes skipped), on three values
 * (runs of equal keys) and on one (nothing to sort), n odd and even. */
static void test_radix_sort64(void)
{
	static const size_t sizes[] = {0, 1, 2, 999, 1000, 5001};
	uint64_t x = 88172645463325252ull;
	unsigned bits;
	size_t z, i;

	for (bits = 1; bits <= MLG_RADIX_BITS_MAX; bits++)
		for (z = 0; z < 4 * MLG_ARRAY_SIZE(sizes); z++) {
			size_t n = sizes[z / 4];
			uint64_t *a = mlg_malloc((2 * n + 1) * sizeof(*a));
			uint64_t *want = mlg_malloc((n + 1) * sizeof(*a));
			uint64_t *got;

			for (i = 0; i < n; i++) {
				a[i] = t_xorshift(&x);
				if (z % 4 == 1) /* high bits shared */
					a[i] = 0xabcd000000000000ull |
					       a[i] % 100000;
				else if (z % 4 == 2)
					a[i] = UINT64_C(1) << (a[i] % 3 * 20);
				else if (z % 4 == 3)
					a[i] = 0x8000000000000001ull;
				want[i] = a[i];
			}
			qsort(want, n, sizeof(*want), cmp_u64);
			got = mlg_radix_sort(a, a + n, n, sizeof(*a), bits);
			T_ASSERT(got == a || got == a + n);
			T_ASSERT(!n || !memcmp(got, want, n * sizeof(*got)));
			free(a);
			free(want);
		}
}

/* Records of 16 bytes, keys of three values: sorted by key, and in
 * their first order among equal keys (stable), whatever digit width. */
static void test_radix_sort_records(void)
{
	struct rec {
		uint64_t key, seq;
	} a[2 * 1001], *got;
	static const unsigned bits[] = {8, 5};
	uint64_t x = 2463534242ull;
	size_t b, i, n = 1001;

	for (b = 0; b < MLG_ARRAY_SIZE(bits); b++) {
		for (i = 0; i < n; i++) {
			a[i].key = (uint64_t)1 << (t_xorshift(&x) % 3 * 30);
			a[i].seq = i;
		}
		got = mlg_radix_sort(a, a + n, n, sizeof(*a), bits[b]);
		T_ASSERT(got == a || got == a + n);
		for (i = 1; i < n; i++)
			T_ASSERT(got[i - 1].key < got[i].key ||
				 (got[i - 1].key == got[i].key &&
				  got[i - 1].seq < got[i].seq));
	}
}

MLG_TESTS(T(test_double_key), T(test_radix_sort64), T(test_radix_sort_records));
