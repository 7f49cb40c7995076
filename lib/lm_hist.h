/* lm_hist: sparse log-scale histograms, the one bucket layout of every
 * timer and histogram (docs/lm-wire.5, docs/lm-results.5).
 *
 * Buckets follow Prometheus' native-histogram schema 3: bucket i holds
 * the observations x with 2^((i-1)/8) < |x| <= 2^(i/8), so a bucket is
 * 9.05 % wide and its geometric middle is within 4.43 % of every value in
 * it. Observations with |x| <= LM_HIST_ZERO fall in the zero bucket;
 * negative ones (h and d only) in buckets of their own, by |x|. Only
 * non-empty buckets travel on the wire; the table keeps a dense span
 * from the lowest to the highest non-empty bucket.
 *
 * Bounded: one histogram spans at most LM_HIST_SPAN buckets (40 octaves,
 * 1 ns to 18 min or 1 us to 12 days), negative and positive together
 * (a side that starts when the other is full still gets one bucket). An
 * observation past the span is counted in the bucket at its edge (the
 * exact min and max still hold it) and lm_hist_add says so; the caller
 * counts it. Never prints, never exits; single-threaded per histogram. */
#ifndef LM_HIST_H
#define LM_HIST_H
#include <stddef.h>

#define LM_HIST_SCHEMA 3
#define LM_HIST_IMIN (-8 * 40)     /* lowest bucket index is IMIN + 1 */
#define LM_HIST_IMAX (8 * 128)     /* larger |x| counts in this bucket */
#define LM_HIST_ZERO 9.094947017729282e-13  /* 2^-40, the zero threshold */
#define LM_HIST_SPAN 320           /* buckets held in one histogram */

/* One non-empty bucket: index, side (1: negative observations), count. */
struct lm_bk {
	int idx;
	int neg;
	double n;
};

/* Counts are whole numbers below 2^32 in most series: kept in u32 until a
 * count is not (a sample rate, a huge count), then in d for good. */
struct lm_hist_side {
	int lo;          /* index of the first bucket held */
	int n;           /* buckets held, 0: none */
	unsigned *u;     /* n counts, or NULL when d holds them */
	double *d;
};

struct lm_hist {
	double count, sum;     /* observations (weighted), their sum */
	double min, max;       /* exact; meaningful when count > 0 */
	double zero;           /* observations with |x| <= LM_HIST_ZERO */
	struct lm_hist_side pos, neg;
};

/* The bucket index of |x| (x != 0, finite): LM_HIST_IMIN + 1 ..
 * LM_HIST_IMAX; |x| <= LM_HIST_ZERO gives LM_HIST_IMIN (the zero bucket). */
int lm_hist_index(double x);
/* Upper bound 2^(i/8) of bucket i; lower bound is lm_hist_upper(i - 1). */
double lm_hist_upper(int i);
/* The value that stands for bucket i: its geometric middle 2^((i-0.5)/8). */
double lm_hist_mid(int i);

void lm_hist_init(struct lm_hist *h);
void lm_hist_free(struct lm_hist *h);
/* Add n (> 0) to one bucket (idx LM_HIST_IMIN: the zero bucket). Returns
 * 0, 1 when the bucket lay past the span and its edge bucket took it, -1
 * out of memory (h unchanged). count, sum, min and max are not touched. */
int lm_hist_add(struct lm_hist *h, int idx, int neg, double n);
/* One observation x with weight w (> 0): bucket, count, sum, min, max.
 * Returns as lm_hist_add. */
int lm_hist_observe(struct lm_hist *h, double x, double w);
/* dst += w * src (buckets, count, sum; min and max as extremes). Returns
 * 0, 1 some bucket was clamped, -1 out of memory (dst may hold part). */
int lm_hist_merge(struct lm_hist *dst, const struct lm_hist *src, double w);
/* dst = a copy of src; 0 or -1 (out of memory, dst empty). */
int lm_hist_copy(struct lm_hist *dst, const struct lm_hist *src);
/* Bucket counts of a - b (a later state of b: counts only grew); into
 * dst, which is reset first. count and sum are the differences; min and
 * max are the bounds of the lowest and highest bucket that grew, within
 * [a->min, a->max]. 0, -1 out of memory. */
int lm_hist_diff(struct lm_hist *dst, const struct lm_hist *a, const struct lm_hist *b);
/* Count of bucket lo + i of side s (0 <= i < s->n). */
double lm_hist_at(const struct lm_hist_side *s, int i);
/* Total of the bucket counts (zero bucket included). */
double lm_hist_total(const struct lm_hist *h);

/* The q-quantile (0 <= q <= 1) by nearest rank: the middle of the bucket
 * that holds the observation of rank ceil(q * total), kept within [min,
 * max]; q 0 gives min, q 1 gives max. Relative error at most 4.43 % for
 * every distribution whose span fits. NaN when the histogram is empty. */
double lm_hist_quantile(const struct lm_hist *h, double q);
/* Observations <= le, for classic buckets: the buckets whose middle is
 * <= le (whole counts; le is placed within half a bucket, 4.43 %).
 * Non-decreasing in le and, for a growing histogram, over time. */
double lm_hist_cum(const struct lm_hist *h, double le);

/* Visit the non-empty buckets: negative ones from the largest |x| down,
 * then the zero bucket (idx LM_HIST_IMIN, neg 0), then positive ones
 * from the smallest up; f returns non-zero to stop. Returns that value. */
int lm_hist_each(const struct lm_hist *h, int (*f)(void *ctx, const struct lm_bk *b), void *ctx);
#endif
