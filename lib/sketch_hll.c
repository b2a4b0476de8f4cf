/* sketch_hll.c - 64-bit hashing and the HyperLogLog distinct count */
#include <math.h>
#include <string.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/sketch.h"
#include "mlgate/util.h"

/* Odd constants from the fractional parts of sqrt(2), sqrt(3), sqrt(7)
 * and the golden ratio: nothing up the sleeve. */
#define K0 0x6a09e667f3bcc908ull
#define K1 0xbb67ae8584caa73bull
#define K2 0xa54ff53a5f1d36f1ull
#define KG 0x9e3779b97f4a7c15ull

/* Q: the bits left for the rank; registers hold 0 to Q + 1. */
#define Q (64 - MLG_HLL_P)
/* A register in "sparse": its index in three base64 digits, its value. */
#define SPARSE_CHARS 4

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Stafford's "Mix13" finaliser: a bijection with full avalanche. */
static inline uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 128-bit product folded to 64 bits: every input bit reaches the middle
 * of the product, the xor brings the high half down. */
static inline uint64_t fold(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t mlg_hash_bytes(const void *ptr, size_t len, uint64_t seed)
{
	const unsigned char *p = ptr;
	uint64_t h = seed ^ K0, a, b;
	size_t r = len;

	if (len > 16) {
		while (r > 16) {
			h = fold(mlg_load_le64(p) ^ K1,
				 mlg_load_le64(p + 8) ^ h ^ K2);
			p += 16;
			r -= 16;
		}
		/* The last 16 bytes, overlapping the previous block. */
		a = mlg_load_le64(p + r - 16);
		b = mlg_load_le64(p + r - 8);
	} else if (r >= 8) {
		a = mlg_load_le64(p);
		b = mlg_load_le64(p + r - 8);
	} else if (r >= 4) {
		a = mlg_load_le32(p);
		b = mlg_load_le32(p + r - 4);
	} else if (r) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[r >> 1] << 8 | p[r - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	/* The length tells apart inputs whose overlapping reads match. */
	return mix(fold(a ^ K1, b ^ h ^ K2) ^ (uint64_t)len);
}

uint64_t mlg_hash_u64(uint64_t x, uint64_t seed)
{
	return mix(x + K0 + seed * KG);
}

uint64_t mlg_hash_double(double x, uint64_t seed)
{
	uint64_t bits;

	if (x == 0)
		x = 0.0; /* -0.0 too */
	else if (isnan(x))
		x = NAN;
	memcpy(&bits, &x, 8);
	return mlg_hash_u64(bits, seed);
}

void mlg_hll_init(struct mlg_hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
}

void mlg_hll_release(struct mlg_hll *h)
{
	(void)h;
}

void mlg_hll_merge(struct mlg_hll *a, const struct mlg_hll *b)
{
	size_t i;

	/* Without a branch: a byte-wise max, 16 registers an instruction. */
	for (i = 0; i < MLG_HLL_M; i++)
		a->reg[i] = b->reg[i] > a->reg[i] ? b->reg[i] : a->reg[i];
}

/* Ertl's sigma(x) = x + sum_k x^(2^k) 2^(k-1): the share of registers
 * still at 0, the term that makes linear counting unnecessary. */
static double sigma(double x)
{
	double y = 1, z = x, prev;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

/* Ertl's tau(x): the correction for registers at their maximum. */
static double tau(double x)
{
	double y = 1, z, prev;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != prev);
	return z / 3;
}

double mlg_hll_count(const struct mlg_hll *h)
{
	uint32_t c[Q + 2] = {0};
	const double m = MLG_HLL_M;
	double z;
	size_t i;
	int k;

	for (i = 0; i < MLG_HLL_M; i++)
		c[h->reg[i]]++;
	z = m * tau((m - c[Q + 1]) / m);
	for (k = Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma(c[0] / m);
	/* alpha_inf = 1 / (2 ln 2) */
	return m * m / (2 * M_LN2 * z);
}

/* How many registers are not 0. */
static size_t nonzero(const struct mlg_hll *h)
{
	size_t i, n = 0;

	for (i = 0; i < MLG_HLL_M; i++)
		n += h->reg[i] != 0;
	return n;
}

json_t *mlg_hll_to_json(const struct mlg_hll *h)
{
	char s[MLG_HLL_M];
	json_t *o = json_object();
	size_t i, n = 0;
	int sparse = nonzero(h) * SPARSE_CHARS < MLG_HLL_M;

	for (i = 0; i < MLG_HLL_M; i++) {
		if (!sparse) {
			s[n++] = b64[h->reg[i]];
		} else if (h->reg[i]) {
			/* i in three base64 digits, then the register */
			s[n++] = b64[i >> 12];
			s[n++] = b64[i >> 6 & 63];
			s[n++] = b64[i & 63];
			s[n++] = b64[h->reg[i]];
		}
	}
	json_object_set_new(o, "p", json_integer(MLG_HLL_P));
	json_object_set_new(o, sparse ? "sparse" : "registers",
			    json_stringn(s, n));
	return o;
}

/* The digit of base64 character c, or -1. */
static int digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* "invalid <what> <i>: '<c>'", or its code when c is not printable. */
static int bad_char(const struct mlg_json_doc *doc, const char *ptr,
		    const char *what, size_t i, char c)
{
	if (c > 0x20 && c < 0x7f)
		return mlg_json_error(doc, ptr, "invalid %s %zu: '%c'", what, i,
				      c);
	return mlg_json_error(doc, ptr, "invalid %s %zu: byte 0x%02x", what, i,
			      (unsigned char)c);
}

static int dense_from(struct mlg_hll *out, const struct mlg_json_doc *doc,
		      const char *ptr, const char *s, size_t len)
{
	size_t i;
	int d;

	/* A bad byte is refused where it stands: a length found wrong at
	 * the end then counts characters. */
	for (i = 0; i < len; i++) {
		if ((d = digit(s[i])) < 0 || d > Q + 1)
			return bad_char(doc, ptr, "register", i, s[i]);
		if (i < MLG_HLL_M)
			out->reg[i] = (uint8_t)d;
	}
	if (len != MLG_HLL_M)
		return mlg_json_error(doc, ptr,
				      "expected %d registers, found %zu",
				      MLG_HLL_M, len);
	return 0;
}

static int sparse_from(struct mlg_hll *out, const struct mlg_json_doc *doc,
		       const char *ptr, const char *s, size_t len)
{
	long at, prev = -1;
	size_t i;
	int d[SPARSE_CHARS];

	/* A bad byte is refused where it stands: a length found wrong at
	 * the end then counts characters. */
	for (i = 0; i < len; i++) {
		if ((d[i % SPARSE_CHARS] = digit(s[i])) < 0)
			return bad_char(doc, ptr, "character", i, s[i]);
		if (i % SPARSE_CHARS < SPARSE_CHARS - 1)
			continue;
		at = (long)d[0] << 12 | d[1] << 6 | d[2];
		if (at >= MLG_HLL_M)
			return mlg_json_error(doc, ptr,
					      "register %ld out of range "
					      "(0 to %d)",
					      at, MLG_HLL_M - 1);
		if (at <= prev)
			return mlg_json_error(doc, ptr,
					      "register %ld after register "
					      "%ld: expected increasing order",
					      at, prev);
		if (d[3] < 1 || d[3] > Q + 1)
			return mlg_json_error(doc, ptr,
					      "register %ld is %d, expected "
					      "1 to %d",
					      at, d[3], Q + 1);
		out->reg[at] = (uint8_t)d[3];
		prev = at;
	}
	if (len % SPARSE_CHARS)
		return mlg_json_error(doc, ptr,
				      "expected %d characters a register, "
				      "found %zu in all",
				      SPARSE_CHARS, len);
	return 0;
}

int mlg_hll_from_json(struct mlg_hll *out, const struct mlg_json_doc *doc,
		      json_t *v, const char *ptr)
{
	static const char *const keys[] = {"p", "registers", "sparse", NULL};
	struct mlg_buf p = MLG_BUF_INIT;
	const char *dense = NULL, *sparse = NULL, *key;
	int64_t prec;
	int rc;

	mlg_hll_init(out);
	rc = mlg_json_check_keys(doc, v, ptr, keys);
	if (!rc)
		rc = mlg_json_get_int(doc, v, ptr, "p", 1, &prec);
	if (!rc)
		rc = mlg_json_get_str(doc, v, ptr, "registers", 0, &dense);
	if (!rc)
		rc = mlg_json_get_str(doc, v, ptr, "sparse", 0, &sparse);
	if (rc)
		goto done;
	mlg_buf_adds(&p, ptr);
	if (prec != MLG_HLL_P) {
		mlg_json_pointer_append(&p, "p");
		rc = mlg_json_error(doc, p.ptr,
				    "unsupported precision %lld, expected %d",
				    (long long)prec, MLG_HLL_P);
		goto done;
	}
	if (!dense == !sparse) {
		rc = mlg_json_error(doc, ptr,
				    "expected one of 'registers' and "
				    "'sparse'%s",
				    dense ? ", found both" : "");
		goto done;
	}
	key = dense ? "registers" : "sparse";
	mlg_json_pointer_append(&p, key);
	rc = (dense ? dense_from
		    : sparse_from)(out, doc, p.ptr, dense ? dense : sparse,
				   json_string_length(json_object_get(v, key)));
done:
	if (rc)
		mlg_hll_init(out);
	mlg_buf_release(&p);
	return rc;
}
