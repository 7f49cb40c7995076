/* test_hist: log-scale buckets (schema 3), quantiles against the exact
 * nearest-rank quantiles of generated observations, merge, diff, span
 * clamping, and format -> parse -> equal for random histograms. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "lm_hist.h"
#include "lm_wire.h"

static const struct { double x; int idx; } rows[] = {
	{ 1, 0 }, { 2, 8 }, { 0.5, -8 }, { 1.0000001, 1 }, { 0.9999999, 0 },
	{ 1.0905077326652577, 1 }, { 1.0905078, 2 }, { 4, 16 }, { 3, 13 },
	{ 0.001, -79 }, { 0.01, -53 }, { 0.1, -26 }, { 3600, 95 }, { 1e-6, -159 },
	{ -2, 8 }, { -0.5, -8 }, { 0, LM_HIST_IMIN }, { -0.0, LM_HIST_IMIN },
	{ 9.094947017729282e-13, LM_HIST_IMIN }, { 9.1e-13, LM_HIST_IMIN + 1 },
	{ 1e-300, LM_HIST_IMIN }, { 4.9e-324, LM_HIST_IMIN }, { 1e300, LM_HIST_IMAX },
	{ 3.4e38, LM_HIST_IMAX }, { INFINITY, LM_HIST_IMAX },
};

static uint64_t rng = 88172645463325252ULL;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* exact nearest-rank quantile of sorted v[0..n) */
static double nrank(const double *v, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n - 1e-9);

	return v[(r ? r : 1) - 1];
}

/* generate n observations of distribution d, check every quantile */
static void dist(const char *name, int d, size_t n)
{
	double *v = malloc(n * sizeof *v), qs[] = { 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999 };
	double worst = 0, last = -HUGE_VAL, e;
	struct lm_hist h;
	size_t i, k;
	int bad = 0;

	lm_hist_init(&h);
	for (i = 0; i < n; i++) {
		double u = urand(), x;
		switch (d) {
		case 0: x = 0.010 + 0.020 * u; if (i == n / 2) x = 0.5; break;     /* spiky */
		case 1: x = u < 0.5 ? 0.002 + 0.001 * urand() : 0.2 + 0.1 * urand(); break; /* bimodal */
		case 2: x = 0.001 * pow(1 - u, -1 / 1.5); break;                    /* Pareto tail */
		case 3: x = 1e-6 * pow(3.6e9, u); break;                           /* 1 us .. 1 h */
		default: x = (u - 0.5) * 20; break;                                 /* signed */
		}
		v[i] = x;
		if (lm_hist_observe(&h, x, 1) != 0)
			bad++;
	}
	qsort(v, n, sizeof *v, cmpd);
	T_OK(!bad && h.count == (double)n && h.min == v[0] && h.max == v[n - 1],
		"%s: exact count, min, max", name);
	for (k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		double got = lm_hist_quantile(&h, qs[k]), want = nrank(v, n, qs[k]);
		e = fabs(got - want) / fabs(want);
		if (!(e <= 0.0443))
			T_OK(0, "%s: q%g got %g want %g (%.2f %%)", name, qs[k], got, want, e * 100);
		if (e > worst)
			worst = e;
		T_OK(got >= last && got >= h.min && got <= h.max, "%s: q%g in order, within extremes", name, qs[k]);
		last = got;
	}
	T_OK(worst <= 0.0443, "%s: worst quantile error %.2f %% <= 4.43 %%", name, worst * 100);
	T_OK(lm_hist_quantile(&h, 0) == v[0] && lm_hist_quantile(&h, 1) == v[n - 1], "%s: q0 min, q1 max", name);
	/* through the wire: format, parse, load: the same quantiles */
	{
		static struct lm_line l, l2;
		static char buf[LM_LINE_MAX + 1];
		struct lm_hist h2;
		size_t len;
		lm_line_init(&l, "lat", d == 4 ? LM_HISTO : LM_TIMER, h.sum);
		lm_line_set_hist(&l, &h);
		len = lm_format_line(buf, sizeof buf, &l);
		lm_hist_init(&h2);
		T_OK(len < sizeof buf && lm_parse_line(buf, len, &l2) == 0 && lm_line_hist(&l2, &h2, 1) == 0 &&
			h2.count == h.count && h2.min == h.min && h2.max == h.max &&
			lm_hist_quantile(&h2, 0.95) == lm_hist_quantile(&h, 0.95), "%s: wire round trip", name);
		lm_hist_free(&h2);
	}
	lm_hist_free(&h);
	free(v);
}

int main(void)
{
	struct lm_hist a, b, c;
	size_t i;
	int j;

	t_file = "test_hist";
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		T_OK(lm_hist_index(rows[i].x) == rows[i].idx, "index of %g: %d want %d", rows[i].x,
			lm_hist_index(rows[i].x), rows[i].idx);
	/* bounds agree with the index, everywhere */
	for (j = LM_HIST_IMIN + 1; j < LM_HIST_IMAX; j++) {
		double u = lm_hist_upper(j);
		if (lm_hist_index(u) != j || lm_hist_index(nextafter(u, HUGE_VAL)) != j + 1 ||
		    !(lm_hist_mid(j) > lm_hist_upper(j - 1) && lm_hist_mid(j) < u)) {
			T_OK(0, "bucket %d bounds", j);
			break;
		}
	}
	T_OK(j == LM_HIST_IMAX, "bounds and index agree over %d buckets", LM_HIST_IMAX - LM_HIST_IMIN);
	T_OK(lm_hist_upper(0) == 1 && lm_hist_upper(8) == 2 && lm_hist_upper(-8) == 0.5 &&
		lm_hist_upper(-320) == LM_HIST_ZERO, "powers of two exact");

	dist("spiky", 0, 20000);
	dist("bimodal", 1, 20000);
	dist("long tail", 2, 20000);
	dist("1us..1h", 3, 20000);
	dist("signed", 4, 20000);

	/* empty */
	lm_hist_init(&a);
	T_OK(isnan(lm_hist_quantile(&a, 0.5)) && lm_hist_total(&a) == 0 && lm_hist_cum(&a, 1) == 0, "empty");
	/* one observation: every quantile is it */
	lm_hist_observe(&a, 0.0123, 1);
	T_OK(lm_hist_quantile(&a, 0.5) == 0.0123 && lm_hist_quantile(&a, 0.99) == 0.0123, "one observation");
	/* merge and diff */
	lm_hist_init(&b);
	lm_hist_init(&c);
	lm_hist_observe(&b, 0.5, 1);
	lm_hist_observe(&b, 0.0001, 3);
	T_OK(lm_hist_copy(&c, &a) == 0 && lm_hist_merge(&c, &b, 1) == 0 && c.count == 5 &&
		c.min == 0.0001 && c.max == 0.5 && lm_hist_total(&c) == 5, "merge");
	lm_hist_free(&b);
	T_OK(lm_hist_diff(&b, &c, &a) == 0 && b.count == 4 && lm_hist_total(&b) == 4 &&
		b.min >= 0.0001 && b.min < 0.0001 * 1.0906 && b.max == 0.5, "diff: what grew, within extremes");
	lm_hist_free(&b);
	T_OK(lm_hist_diff(&b, &c, &c) == 0 && b.count == 0 && lm_hist_total(&b) == 0, "diff: nothing grew");
	/* classic buckets: whole counts, monotone */
	/* (0.0123 is in a bucket whose middle is 0.01256, 0.5 in one whose middle is 0.4788) */
	T_OK(lm_hist_cum(&c, 0.00009) == 0 && lm_hist_cum(&c, 0.0001) == 3 && lm_hist_cum(&c, 0.0123) == 3 &&
		lm_hist_cum(&c, 0.013) == 4 && lm_hist_cum(&c, 0.47) == 4 && lm_hist_cum(&c, 0.48) == 5 &&
		lm_hist_cum(&c, 1e9) == 5, "cumulative: buckets by their middle");
	lm_hist_free(&a);
	lm_hist_free(&b);
	lm_hist_free(&c);
	/* the span is bounded: far values clamp to the edge, counted */
	lm_hist_init(&a);
	T_OK(lm_hist_observe(&a, 1e-9, 1) == 0 && lm_hist_observe(&a, 1e3, 1) == 0 &&
		lm_hist_observe(&a, 1e9, 1) == 1 && lm_hist_observe(&a, -1e9, 1) == 0 &&
		lm_hist_observe(&a, -1e-9, 1) == 1 &&
		a.pos.n + a.neg.n <= LM_HIST_SPAN + 1 && a.max == 1e9 && a.min == -1e9 &&
		lm_hist_quantile(&a, 1) == 1e9, "span clamped, extremes exact");
	lm_hist_free(&a);
	/* random histograms: format -> parse -> equal */
	for (i = 0; i < 2000; i++) {
		static struct lm_line l, l2;
		static char buf[LM_LINE_MAX + 1], buf2[LM_LINE_MAX + 1];
		size_t n = 1 + (size_t)(urand() * 40), k, len;
		lm_hist_init(&a);
		for (k = 0; k < n; k++) {
			double x = (urand() < 0.1 ? 0 : pow(10, urand() * 24 - 12)) * (urand() < 0.3 ? -1 : 1);
			lm_hist_observe(&a, x, urand() < 0.2 ? urand() * 5 + 0.01 : 1);
		}
		lm_line_init(&l, "h", LM_HISTO, a.sum);
		lm_line_set_hist(&l, &a);
		len = lm_format_line(buf, sizeof buf, &l);
		lm_hist_init(&b);
		if (len >= sizeof buf || lm_parse_line(buf, len, &l2) != 0 ||
		    lm_format_line(buf2, sizeof buf2, &l2) != len || memcmp(buf, buf2, len) ||
		    lm_line_hist(&l2, &b, 1) < 0 || b.min != a.min || b.max != a.max ||
		    lm_hist_total(&b) != lm_hist_total(&a)) {
			T_OK(0, "random histogram %zu: [%s]", i, buf);
			break;
		}
		lm_hist_free(&a);
		lm_hist_free(&b);
	}
	T_OK(i == 2000, "2000 random histograms read back equal");
	return T_DONE();
}
