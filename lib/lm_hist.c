/* lm_hist: sparse log-scale histograms (schema 3). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_hist.h"

/* 2^(k/8) for k = -8 .. 0: the bounds inside one octave */
static const double oct[9] = {
	0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
	0.7071067811865476, 0.7711054127039704, 0.8408964152537145,
	0.9170040432046712, 1
};

int lm_hist_index(double x)
{
	uint64_t b, mb;
	double m;
	int e, j;

	memcpy(&b, &x, sizeof b);
	b &= ~(1ULL << 63);                     /* |x| */
	if (b <= (uint64_t)(1023 - 40) << 52)   /* 2^-40 and below, NaN never */
		return LM_HIST_IMIN;
	if (b >= (uint64_t)(1023 + 128) << 52)
		return LM_HIST_IMAX;
	/* |x| = m * 2^e, 0.5 <= m < 1 */
	e = (int)(b >> 52) - 1022;
	mb = (b & ((1ULL << 52) - 1)) | (uint64_t)1022 << 52;
	memcpy(&m, &mb, sizeof m);
	for (j = 0; j < 8 && m > oct[j]; j++)
		;
	j += 8 * e - 8;
	return j > LM_HIST_IMAX ? LM_HIST_IMAX : j;
}

double lm_hist_upper(int i)
{
	int q = i >= 0 ? i / 8 : -((-i + 7) / 8);   /* floor(i / 8) */

	return ldexp(oct[i - 8 * q] * 2, q);
}

double lm_hist_mid(int i)
{
	return lm_hist_upper(i) * 0.9576032806985737;   /* 2^(-1/16) */
}

void lm_hist_init(struct lm_hist *h)
{
	memset(h, 0, sizeof *h);
}

static void side_free(struct lm_hist_side *s)
{
	free(s->u);
	free(s->d);
}

void lm_hist_free(struct lm_hist *h)
{
	side_free(&h->pos);
	side_free(&h->neg);
	lm_hist_init(h);
}

double lm_hist_at(const struct lm_hist_side *s, int i)
{
	return s->u ? (double)s->u[i] : s->d[i];
}

/* Hold buckets lo .. lo + n - 1 (a superset of what is held); 0, -1 */
static int side_span(struct lm_hist_side *s, int lo, int n)
{
	int off = s->n ? s->lo - lo : 0, i;

	if (s->n && !s->u) {
		double *d = calloc((size_t)n, sizeof *d);
		if (!d)
			return -1;
		for (i = 0; i < s->n; i++)
			d[off + i] = s->d[i];
		free(s->d);
		s->d = d;
	} else {
		unsigned *u = calloc((size_t)n, sizeof *u);
		if (!u)
			return -1;
		for (i = 0; i < s->n; i++)
			u[off + i] = s->u[i];
		free(s->u);
		s->u = u;
	}
	s->lo = lo;
	s->n = n;
	return 0;
}

/* Count c more in bucket k of s (held); 0, -1 */
static int side_add(struct lm_hist_side *s, int k, double c)
{
	int i;

	if (s->u) {
		double v = (double)s->u[k] + c;
		if (v == floor(v) && v <= 4294967295.0) {
			s->u[k] = (unsigned)v;
			return 0;
		}
		if (!(s->d = calloc((size_t)s->n, sizeof *s->d)))
			return -1;
		for (i = 0; i < s->n; i++)
			s->d[i] = s->u[i];
		free(s->u);
		s->u = NULL;
	}
	s->d[k] += c;
	return 0;
}

/* Make room for idx on side s; the other side holds `other` buckets.
 * Returns the index to count in (clamped to the span's edge when past
 * it) through *at, 1 when clamped, -1 out of memory. A span grows by 8
 * buckets at a time, toward where it grew. */
static int reach(struct lm_hist_side *s, int other, int idx, int *at)
{
	int lo, hi, room = LM_HIST_SPAN - other, clamped = 0;

	if (room < 1)
		room = 1;
	if (s->n == 0) {
		*at = idx;
		return side_span(s, idx, 1);
	}
	lo = idx < s->lo ? idx : s->lo;
	hi = idx > s->lo + s->n - 1 ? idx : s->lo + s->n - 1;
	if (hi - lo + 1 > room) {
		clamped = 1;
		if (idx < s->lo) {
			hi = s->lo + s->n - 1;
			lo = hi - room + 1;
			if (lo > s->lo)
				lo = s->lo;
			idx = lo;
		} else {
			lo = s->lo;
			hi = lo + room - 1;
			if (hi < s->lo + s->n - 1)
				hi = s->lo + s->n - 1;
			idx = hi;
		}
	}
	if (lo < s->lo || hi > s->lo + s->n - 1) {
		/* some slack, within the room and the index range */
		if (lo < s->lo && hi - (lo - 7) + 1 <= room && lo - 7 > LM_HIST_IMIN)
			lo -= 7;
		else if (hi > s->lo + s->n - 1 && hi + 7 - lo + 1 <= room && hi + 7 <= LM_HIST_IMAX)
			hi += 7;
		if (side_span(s, lo, hi - lo + 1) < 0)
			return -1;
	}
	*at = idx;
	return clamped;
}

int lm_hist_add(struct lm_hist *h, int idx, int neg, double n)
{
	struct lm_hist_side *s = neg ? &h->neg : &h->pos;
	int at, r;

	if (idx <= LM_HIST_IMIN) {
		h->zero += n;
		return 0;
	}
	if ((r = reach(s, neg ? h->pos.n : h->neg.n, idx, &at)) < 0)
		return -1;
	if (side_add(s, at - s->lo, n) < 0)
		return -1;
	return r;
}

int lm_hist_observe(struct lm_hist *h, double x, double w)
{
	int r = lm_hist_add(h, lm_hist_index(x), x < 0, w);

	if (r < 0)
		return r;
	if (h->count == 0 || x < h->min)
		h->min = x;
	if (h->count == 0 || x > h->max)
		h->max = x;
	h->count += w;
	h->sum += x * w;
	return r;
}

static int merge_side(struct lm_hist *dst, const struct lm_hist_side *s, int neg, double w)
{
	int i, r, any = 0;

	for (i = 0; i < s->n; i++) {
		double c = lm_hist_at(s, i);
		if (c == 0)
			continue;
		if ((r = lm_hist_add(dst, s->lo + i, neg, c * w)) < 0)
			return -1;
		any |= r;
	}
	return any;
}

int lm_hist_merge(struct lm_hist *dst, const struct lm_hist *src, double w)
{
	int a, b;

	if (src->count > 0) {
		if (dst->count == 0 || src->min < dst->min)
			dst->min = src->min;
		if (dst->count == 0 || src->max > dst->max)
			dst->max = src->max;
	}
	dst->count += src->count * w;
	dst->sum += src->sum * w;
	dst->zero += src->zero * w;
	if ((a = merge_side(dst, &src->pos, 0, w)) < 0 || (b = merge_side(dst, &src->neg, 1, w)) < 0)
		return -1;
	return a | b;
}

int lm_hist_copy(struct lm_hist *dst, const struct lm_hist *src)
{
	lm_hist_init(dst);
	if (lm_hist_merge(dst, src, 1) < 0) {
		lm_hist_free(dst);
		return -1;
	}
	dst->min = src->min;
	dst->max = src->max;
	return 0;
}

static double side_get(const struct lm_hist_side *s, int i)
{
	return i >= s->lo && i < s->lo + s->n ? lm_hist_at(s, i - s->lo) : 0;
}

/* the growth of side sa over sb into dst; the lowest and highest values
 * that grew (signed) widen *lo and *hi */
static int diff_side(struct lm_hist *dst, const struct lm_hist_side *sa,
	const struct lm_hist_side *sb, int neg, double *lo, double *hi)
{
	int i;

	for (i = 0; i < sa->n; i++) {
		int idx = sa->lo + i;
		double d = lm_hist_at(sa, i) - side_get(sb, idx);
		if (!(d > 0))
			continue;
		if (lm_hist_add(dst, idx, neg, d) < 0)
			return -1;
		if (neg) {
			if (-lm_hist_upper(idx) < *lo)
				*lo = -lm_hist_upper(idx);
			if (-lm_hist_upper(idx - 1) > *hi)
				*hi = -lm_hist_upper(idx - 1);
		} else {
			if (lm_hist_upper(idx - 1) < *lo)
				*lo = lm_hist_upper(idx - 1);
			if (lm_hist_upper(idx) > *hi)
				*hi = lm_hist_upper(idx);
		}
	}
	return 0;
}

int lm_hist_diff(struct lm_hist *dst, const struct lm_hist *a, const struct lm_hist *b)
{
	double lo = HUGE_VAL, hi = -HUGE_VAL, z = a->zero - b->zero;

	lm_hist_free(dst);
	if (diff_side(dst, &a->pos, &b->pos, 0, &lo, &hi) < 0 ||
	    diff_side(dst, &a->neg, &b->neg, 1, &lo, &hi) < 0) {
		lm_hist_free(dst);
		return -1;
	}
	if (z > 0) {
		dst->zero = z;
		if (-LM_HIST_ZERO < lo)
			lo = -LM_HIST_ZERO;
		if (LM_HIST_ZERO > hi)
			hi = LM_HIST_ZERO;
	}
	dst->count = a->count - b->count;
	dst->sum = a->sum - b->sum;
	if (lo > hi) {
		dst->count = 0;
		return 0;
	}
	dst->min = lo < a->min ? a->min : lo > a->max ? a->max : lo;
	dst->max = hi > a->max ? a->max : hi < a->min ? a->min : hi;
	return 0;
}

static double side_total(const struct lm_hist_side *s)
{
	double t = 0;
	int i;

	for (i = 0; i < s->n; i++)
		t += lm_hist_at(s, i);
	return t;
}

double lm_hist_total(const struct lm_hist *h)
{
	return h->zero + side_total(&h->neg) + side_total(&h->pos);
}

int lm_hist_each(const struct lm_hist *h, int (*f)(void *ctx, const struct lm_bk *b), void *ctx)
{
	struct lm_bk b;
	int i, r;

	b.neg = 1;
	for (i = h->neg.n - 1; i >= 0; i--) {
		if ((b.n = lm_hist_at(&h->neg, i)) == 0)
			continue;
		b.idx = h->neg.lo + i;
		if ((r = f(ctx, &b)))
			return r;
	}
	if (h->zero != 0) {
		b.idx = LM_HIST_IMIN;
		b.neg = 0;
		b.n = h->zero;
		if ((r = f(ctx, &b)))
			return r;
	}
	b.neg = 0;
	for (i = 0; i < h->pos.n; i++) {
		if ((b.n = lm_hist_at(&h->pos, i)) == 0)
			continue;
		b.idx = h->pos.lo + i;
		if ((r = f(ctx, &b)))
			return r;
	}
	return 0;
}

struct qctx { double rank, cum, v; };

static int qvisit(void *ctx, const struct lm_bk *b)
{
	struct qctx *q = ctx;

	q->cum += b->n;
	if (q->cum < q->rank)
		return 0;
	q->v = b->idx <= LM_HIST_IMIN ? 0 : b->neg ? -lm_hist_mid(b->idx) : lm_hist_mid(b->idx);
	return 1;
}

double lm_hist_quantile(const struct lm_hist *h, double q)
{
	struct qctx c;
	double tot = lm_hist_total(h);

	if (!(tot > 0) || !(h->count > 0))
		return NAN;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	c.rank = q * tot;
	c.cum = 0;
	c.v = h->max;
	/* ranks are whole observations when the counts are */
	if (tot == floor(tot) && tot < 9e15)
		c.rank = ceil(c.rank - 1e-9 * tot);
	if (c.rank <= 0)
		c.rank = tot * 1e-12;
	lm_hist_each(h, qvisit, &c);
	return c.v < h->min ? h->min : c.v > h->max ? h->max : c.v;
}

double lm_hist_cum(const struct lm_hist *h, double le)
{
	double c = 0;
	int i;

	/* a bucket is <= le when its middle is: whole counts, off by at most
	 * half a bucket (4.4 %) in where le falls */
	for (i = h->neg.n - 1; i >= 0; i--)
		if (-lm_hist_mid(h->neg.lo + i) <= le)
			c += lm_hist_at(&h->neg, i);
	if (le >= 0)
		c += h->zero;
	for (i = 0; i < h->pos.n && lm_hist_mid(h->pos.lo + i) <= le; i++)
		c += lm_hist_at(&h->pos, i);
	return c;
}
