/* lm_num: exact, fast number formatting and strict parsing.
 *
 * lm_fmt_double writes the shortest decimal that reads back as the same
 * double. Integers are written directly. Other values from 1e-5 up are
 * done with exact 128-bit integer arithmetic: the double and the bounds
 * of its rounding interval are scaled by a power of ten, and digits are
 * dropped while a multiple of the next power of ten still lies strictly
 * inside the interval; of those the one nearest the value is kept. The
 * rare rest (tiny values, huge integers) uses snprintf("%.17g") and fewer
 * digits when they read back the same. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_num.h"

typedef unsigned __int128 u128;

static const uint64_t pow10u[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL
};

static const double pow10d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t lm_fmt_u64(char *buf, uint64_t v)
{
	char t[24];
	char *p = t + sizeof t;
	size_t n;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (v >= 10) {
		*--p = digits2[v * 2 + 1];
		*--p = digits2[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(t + sizeof t - p);
	memcpy(buf, p, n);
	buf[n] = 0;
	return n;
}

static size_t fmt_u128(char *buf, u128 v)
{
	char t[48];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	buf[n] = 0;
	return n;
}

/* Place digits d[0..n) with the first digit at decimal exponent x. */
static size_t place(char *out, const char *d, size_t n, int x)
{
	size_t o = 0, i;

	if (x >= -5 && x < 21) {
		if (x < 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (i = 0; i < (size_t)(-x - 1); i++)
				out[o++] = '0';
			memcpy(out + o, d, n);
			o += n;
		} else if ((size_t)x + 1 >= n) {
			memcpy(out + o, d, n);
			o += n;
			for (i = n; i < (size_t)x + 1; i++)
				out[o++] = '0';
		} else {
			memcpy(out + o, d, (size_t)x + 1);
			o += (size_t)x + 1;
			out[o++] = '.';
			memcpy(out + o, d + x + 1, n - (size_t)x - 1);
			o += n - (size_t)x - 1;
		}
	} else {
		out[o++] = d[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, d + 1, n - 1);
			o += n - 1;
		}
		out[o++] = 'e';
		out[o++] = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			out[o++] = (char)('0' + x / 100);
		out[o++] = (char)('0' + x / 10 % 10);
		out[o++] = (char)('0' + x % 10);
	}
	out[o] = 0;
	return o;
}

/* Shortest digits for a positive, finite, non-integral v >= 1e-5.
 * Returns the length written, or 0 when v is outside the fast path. */
static size_t fmt_short(char *out, double v)
{
	uint64_t bits, frac, m, lo, hi, c, c0, nlo, nhi;
	int ex, e, E, S, k, d, j, n;
	u128 P, W, Mid, Lo, Hi, mask, R;
	char dig[24];

	memcpy(&bits, &v, sizeof bits);
	ex = (int)(bits >> 52 & 0x7ff);
	frac = bits & ((1ULL << 52) - 1);
	if (ex == 0)
		return 0;
	m = frac | 1ULL << 52;
	e = ex - 1075;
	if (e >= 0)
		return 0;
	/* floor(log10 v), give or take one */
	d = (int)(((int64_t)(e + 52) * 1292913986) >> 32);   /* log10(2) * 2^32 */
	k = 16 - d;
	if (k < 1 || k > 21)
		return 0;
	P = k <= 19 ? (u128)pow10u[k] : (u128)pow10u[19] * pow10u[k - 19];
	W = (u128)m << 2;
	E = e - 2;
	S = -E;
	if (S > 120)
		return 0;
	Mid = W * P;
	Lo = (W - ((frac == 0 && ex > 1) ? 1 : 2)) * P;
	Hi = (W + 2) * P;
	mask = ((u128)1 << S) - 1;
	if ((Hi >> S) >> 64)
		return 0;
	lo = (uint64_t)(Lo >> S) + 1;       /* the bound itself is excluded */
	hi = (uint64_t)(Hi >> S);
	if ((Hi & mask) == 0)
		hi--;
	if (lo > hi)
		return 0;
	for (j = 0;; j++) {
		nlo = lo / 10 + (lo % 10 != 0);
		nhi = hi / 10;
		if (nlo > nhi)
			break;
		lo = nlo;
		hi = nhi;
	}
	c0 = (uint64_t)(Mid >> S) / pow10u[j];
	if (c0 < lo) {
		c = lo;
	} else if (c0 >= hi) {
		c = hi;
	} else {
		R = ((u128)(2 * (u128)c0 + 1) * pow10u[j]) << S;
		if (2 * Mid > R || (2 * Mid == R && (c0 & 1)))
			c = c0 + 1;
		else
			c = c0;
	}
	while (c % 10 == 0) {
		c /= 10;
		j++;
	}
	n = (int)lm_fmt_u64(dig, c);
	return place(out, dig, (size_t)n, n - 1 + j - k);
}

static size_t fmt_slow(char *out, double v)
{
	char t[48];
	int p;

	/* subnormals have few digits: search from one */
	for (p = v < 2.2250738585072014e-308 ? 1 : 15; p <= 17; p++) {
		snprintf(t, sizeof t, "%.*g", p, v);
		if (p == 17 || strtod(t, NULL) == v)
			break;
	}
	strcpy(out, t);
	return strlen(out);
}

size_t lm_fmt_double(char *buf, double v)
{
	char *o = buf;
	size_t n;

	if (isnan(v)) {
		memcpy(buf, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		memcpy(buf, v > 0 ? "+Inf" : "-Inf", 5);
		return 4;
	}
	if (signbit(v)) {
		*o++ = '-';
		v = -v;
	}
	if (v == 0) {
		o[0] = '0';
		o[1] = 0;
		return (size_t)(o - buf) + 1;
	}
	if (v < 9007199254740992.0 && (double)(uint64_t)v == v)
		return (size_t)(o - buf) + lm_fmt_u64(o, (uint64_t)v);
	if (v < 1e21 && v == floor(v)) {
		if (v < 18446744073709551616.0)
			n = lm_fmt_u64(o, (uint64_t)v);
		else
			n = fmt_u128(o, (u128)v);
		return (size_t)(o - buf) + n;
	}
	n = 0;
	if (v >= 1e-5 && v < 1e21)
		n = fmt_short(o, v);
	if (!n)
		n = fmt_slow(o, v);
	return (size_t)(o - buf) + n;
}

int lm_parse_double(const char *s, size_t len, double *out)
{
	char t[72];
	const char *p = s, *end = s + len;
	uint64_t mant = 0;
	int nd = 0, nfrac = 0, digits = 0, neg = 0, simple = 1;
	char *e;
	double v;

	if (len == 0 || len >= sizeof t)
		return -1;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (mant == 0 && *p == '0')
			continue;
		if (nd < 19)
			mant = mant * 10 + (uint64_t)(*p - '0');
		else
			simple = 0;
		nd++;
	}
	if (p < end && *p == '.') {
		p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
			nfrac++;
			if (mant == 0 && *p == '0')
				continue;
			if (nd < 19)
				mant = mant * 10 + (uint64_t)(*p - '0');
			else
				simple = 0;
			nd++;
		}
	}
	if (digits == 0)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *q = ++p;
		simple = 0;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		(void)q;
	}
	if (p != end)
		return -1;
	/* exact fast path: mantissa and power of ten both exact doubles */
	if (simple && mant < (1ULL << 53) && nfrac <= 22) {
		v = (double)mant / pow10d[nfrac];
		*out = neg ? -v : v;
		return 0;
	}
	memcpy(t, s, len);
	t[len] = 0;
	errno = 0;
	v = strtod(t, &e);
	if (*e || isinf(v) || isnan(v))
		return -1;
	*out = v;
	return 0;
}

int lm_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int lm_parse_range(const char *s, double min, double max, double *out)
{
	double v;

	if (!s || lm_parse_double(s, strlen(s), &v) < 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
