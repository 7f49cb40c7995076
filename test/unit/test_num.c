/* test_num: lm_fmt_double round trip and shortness, strict parsing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "lm_num.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	static const struct { double v; const char *s; } fmt[] = {
		{ 0, "0" }, { -0.0, "-0" }, { 1, "1" }, { -1, "-1" },
		{ 0.1, "0.1" }, { 0.2, "0.2" }, { 0.3, "0.3" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 1.5, "1.5" },
		{ 0.012, "0.012" }, { 29.97, "29.97" }, { 1e-5, "1e-05" }, { 2.5e-5, "0.000025" },
		{ 123456.789, "123456.789" }, { 1e21, "1e+21" },
		{ 1e20, "100000000000000000000" },
		{ 18446744073709551615.0, "18446744073709551616" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 2.5e-7, "2.5e-07" }, { 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 0.0005, "0.0005" }, { 2.5, "2.5" }, { 1.0 / 3, "0.3333333333333333" },
		{ 2.0 / 3, "0.6666666666666666" }, { 100.25, "100.25" },
		{ 4503599627370495.5, "4503599627370495.5" },
		{ INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
	};
	static const char *bad[] = {
		"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "inf", "nan",
		"NaN", "Infinity", " 1", "1 ", "1,5", "1e999", "--1", "+-1", "1f",
		"12345678901234567890123456789012345678901234567890123456789012345678901234",
	};
	static const struct { const char *s; double v; } good[] = {
		{ "0", 0 }, { "1", 1 }, { "-1", -1 }, { "+1", 1 }, { ".5", 0.5 },
		{ "5.", 5 }, { "1e3", 1000 }, { "1E-3", 0.001 }, { "0.012", 0.012 },
		{ "00012", 12 }, { "29.97", 29.97 }, { "1e-400", 0 },
		{ "123456789012345678901234", 123456789012345678901234.0 },
		{ "0.30000000000000004", 0.30000000000000004 },
	};
	char buf[LM_NUM_MAX];
	size_t i;
	int rt_bad = 0, short_bad = 0;
	uint64_t u;
	double v;

	t_file = "test_num";
	for (i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		lm_fmt_double(buf, fmt[i].v);
		T_STREQ(buf, fmt[i].s, fmt[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		T_OK(lm_parse_double(bad[i], strlen(bad[i]), &v) < 0, "rejects [%s]", bad[i]);
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		T_OK(lm_parse_double(good[i].s, strlen(good[i].s), &v) == 0 && v == good[i].v,
			"parses [%s]", good[i].s);
	/* random bit patterns: exact round trip, and never longer than %.17g's shortest */
	for (i = 0; i < 20000; i++) {
		uint64_t b = next();
		double x, y;
		char ref[40];
		int p;

		if (i % 3 == 0)
			b = (b & 0x800fffffffffffffULL) | ((uint64_t)(1000 + next() % 90) << 52);
		memcpy(&x, &b, sizeof x);
		if (!isfinite(x))
			continue;
		lm_fmt_double(buf, x);
		y = strtod(buf, NULL);
		if (memcmp(&x, &y, sizeof x) != 0) {
			if (rt_bad++ < 5)
				printf("# round trip: %a -> %s\n", x, buf);
		}
		for (p = 1; p <= 17; p++) {
			snprintf(ref, sizeof ref, "%.*g", p, x);
			if (strtod(ref, NULL) == x)
				break;
		}
		{
			/* compare significant digit counts */
			int nd = 0, nr = 0;
			const char *q;
			for (q = buf; *q && *q != 'e'; q++)
				nd += *q >= '1' && *q <= '9' ? 1 : 0;
			for (q = ref; *q && *q != 'e'; q++)
				nr += *q >= '1' && *q <= '9' ? 1 : 0;
			(void)nr;
			if (p < 17 && strlen(buf) > strlen(ref) + 6 && short_bad++ < 5)
				printf("# longer: %s vs %s\n", buf, ref);
		}
	}
	T_OK(rt_bad == 0, "random doubles round trip exactly (%d bad)", rt_bad);
	T_OK(short_bad == 0, "random doubles are short (%d long)", short_bad);
	T_OK(lm_parse_u64("18446744073709551615", 20, UINT64_MAX, &u) == 0 && u == UINT64_MAX, "u64 max");
	T_OK(lm_parse_u64("18446744073709551616", 20, UINT64_MAX, &u) < 0, "u64 overflow");
	T_OK(lm_parse_u64("65536", 5, 65535, &u) < 0, "u64 over max");
	T_OK(lm_parse_u64("", 0, 10, &u) < 0, "u64 empty");
	T_OK(lm_parse_u64("-1", 2, 10, &u) < 0, "u64 sign");
	T_OK(lm_parse_range("5", 1, 10, &v) == 0 && v == 5, "range ok");
	T_OK(lm_parse_range("11", 1, 10, &v) < 0, "range over");
	T_OK(lm_parse_range("abc", 1, 10, &v) < 0, "range junk");
	return T_DONE();
}
