/* lm_expo_pb: the exposition as delimited protobuf, one
 * io.prometheus.client.MetricFamily after another, each behind its varint
 * length (field numbers: metrics.proto of prometheus/client_model).
 * Histograms are native histograms of schema 3 with their classic buckets
 * alongside (docs/lmexport.8). */
#include <stdint.h>
#include <string.h>
#include "lm_expo_int.h"
#include "lm_pb.h"

/* io.prometheus.client.MetricType */
static const unsigned char ktype[] = { 0, 1, 4 };

/* field numbers of io.prometheus.client (metrics.proto) */
enum { MF_NAME = 1, MF_HELP = 2, MF_TYPE = 3, MF_METRIC = 4 };
enum { M_LABEL = 1, M_GAUGE = 2, M_COUNTER = 3, M_HISTOGRAM = 7 };
enum { LP_NAME = 1, LP_VALUE = 2 };
enum { V_VALUE = 1 };   /* Gauge.value, Counter.value */
enum { H_COUNT = 1, H_SUM = 2, H_BUCKET = 3, H_COUNT_F = 4, H_SCHEMA = 5,
	H_ZT = 6, H_ZC = 7, H_ZC_F = 8, H_NSPAN = 9, H_NDELTA = 10, H_NCOUNT = 11,
	H_PSPAN = 12, H_PDELTA = 13, H_PCOUNT = 14 };
enum { B_CUM = 1, B_LE = 2, B_CUM_F = 4 };
enum { S_OFFSET = 1, S_LENGTH = 2 };

/* One gauge family of lmexport's own, in protobuf. */
void lm_expo_pb_self(struct lm_buf *b, size_t i, const struct lm_expo_stats *st)
{
	size_t mf, m, g;

	mf = lm_pb_open(b, 0);
	lm_pb_bytes(b, MF_NAME, lm_expo_self[i].name, strlen(lm_expo_self[i].name));
	lm_pb_bytes(b, MF_HELP, lm_expo_self[i].help, strlen(lm_expo_self[i].help));
	lm_pb_uint(b, MF_TYPE, ktype[K_GAUGE]);
	m = lm_pb_open(b, MF_METRIC);
	g = lm_pb_open(b, M_GAUGE);
	lm_pb_double(b, V_VALUE, lm_expo_selfval(i, st));
	lm_pb_close(b, g);
	lm_pb_close(b, m);
	lm_pb_close(b, mf);
}

/* The labels of e (k="v",... as rendered for text) as LabelPair fields:
 * the escapes undone into tmp. */
static void pb_labels(struct lm_buf *b, const char *lab, size_t lablen, struct lm_buf *tmp)
{
	const char *p = lab, *end = lab + lablen, *k, *v;
	size_t kn, vn;
	int esc;

	while (p < end) {
		k = p;
		while (p < end && *p != '=')
			p++;
		kn = (size_t)(p - k);
		p += 2;   /* =" */
		v = p;
		esc = 0;
		while (p < end && *p != '"') {
			if (*p == '\\') {
				esc = 1;
				p++;
			}
			p++;
		}
		vn = (size_t)(p - v);
		p += 2;   /* ", */
		if (esc) {   /* the rare value with escapes: undo them */
			lm_buf_reset(tmp);
			for (; v < k + kn + 2 + vn; v++) {
				if (*v == '\\') {
					v++;
					lm_buf_addc(tmp, *v == 'n' ? '\n' : *v);
				} else {
					lm_buf_addc(tmp, *v);
				}
			}
			v = tmp->p ? tmp->p : "";
			vn = tmp->len;
		}
		/* LabelPair, its length known: no room to move */
		lm_pb_tag(b, M_LABEL, LM_PB_LEN);
		lm_pb_varint(b, 2 + lm_pb_varint_len(kn) + kn + lm_pb_varint_len(vn) + vn);
		lm_pb_bytes(b, LP_NAME, k, kn);
		lm_pb_bytes(b, LP_VALUE, v, vn);
	}
}

/* Spans and counts of one side of a native histogram: n fine buckets at
 * bk, in increasing index order when step is 1, decreasing when -1. */
static void pb_side(struct lm_buf *b, const struct lm_bk *bk, size_t n, int step,
	int whole, unsigned fspan, unsigned fdelta, unsigned fcount)
{
	size_t i, at, sp;
	int start = 0, prev = 0, len = 0;
	double last = 0;

	if (!n)
		return;
	for (i = 0; i <= n; i++) {
		const struct lm_bk *x = i < n ? (step > 0 ? &bk[i] : &bk[n - 1 - i]) : NULL;
		if (x && len && x->idx == start + len) {
			len++;
			continue;
		}
		if (len) {   /* a span: offset from the end of the last one */
			sp = lm_pb_open(b, fspan);
			lm_pb_sint(b, S_OFFSET, start - prev);
			lm_pb_uint(b, S_LENGTH, (uint64_t)len);
			lm_pb_close(b, sp);
			prev = start + len;
		}
		if (x) {
			start = x->idx;
			len = 1;
		}
	}
	at = lm_pb_open(b, whole ? fdelta : fcount);
	for (i = 0; i < n; i++) {
		const struct lm_bk *x = step > 0 ? &bk[i] : &bk[n - 1 - i];
		if (whole) {
			lm_pb_varint(b, lm_pb_zigzag((int64_t)x->n - (int64_t)last));
			last = x->n;
		} else {
			unsigned char d[8];
			uint64_t u;
			int j;
			memcpy(&u, &x->n, sizeof u);
			for (j = 0; j < 8; j++)
				d[j] = (unsigned char)(u >> 8 * j);
			lm_buf_add(b, d, 8);
		}
	}
	lm_pb_close(b, at);
}

/* One histogram: count, sum, classic buckets (no +Inf: the count is it),
 * then the native histogram, schema 3. */
static void pb_hist(struct lm_buf *b, double sum, const struct hrec *h,
	const double *cum, const struct lm_expo_le *set, const struct lm_bk *nat)
{
	size_t i, at;

	if (h->whole)
		lm_pb_uint(b, H_COUNT, (uint64_t)h->total);
	else
		lm_pb_double(b, H_COUNT_F, h->total);
	lm_pb_double(b, H_SUM, sum);
	for (i = 0; i < set->n; i++) {
		at = lm_pb_open(b, H_BUCKET);
		if (h->whole)
			lm_pb_uint(b, B_CUM, (uint64_t)cum[i]);
		else
			lm_pb_double(b, B_CUM_F, cum[i]);
		lm_pb_double(b, B_LE, set->le[i]);
		lm_pb_close(b, at);
	}
	lm_pb_sint(b, H_SCHEMA, LM_HIST_SCHEMA);
	lm_pb_double(b, H_ZT, LM_HIST_ZERO);
	if (h->whole)
		lm_pb_uint(b, H_ZC, (uint64_t)h->zero);
	else
		lm_pb_double(b, H_ZC_F, h->zero);
	/* negative buckets are held from the largest |x| down */
	pb_side(b, nat, h->nneg, -1, h->whole, H_NSPAN, H_NDELTA, H_NCOUNT);
	pb_side(b, nat ? nat + h->nneg : NULL, h->npos, 1, h->whole, H_PSPAN, H_PDELTA, H_PCOUNT);
}

void lm_expo_pb_metric(struct lm_buf *b, int kind, const char *lab, size_t lablen,
	double v, const struct hrec *h, const double *cum, const struct lm_expo_le *set,
	const struct lm_bk *nat, struct lm_buf *tmp)
{
	size_t m, at;

	m = lm_pb_open(b, MF_METRIC);
	pb_labels(b, lab, lablen, tmp);
	switch (kind) {
	case K_COUNTER:
	case K_GAUGE:
		at = lm_pb_open(b, kind == K_COUNTER ? M_COUNTER : M_GAUGE);
		lm_pb_double(b, V_VALUE, v);
		lm_pb_close(b, at);
		break;
	case K_HIST:
		at = lm_pb_open(b, M_HISTOGRAM);
		pb_hist(b, v, h, cum, set, nat);
		lm_pb_close(b, at);
		break;
	}
	lm_pb_close(b, m);
}

size_t lm_expo_pb_head(struct lm_buf *b, const char *name, size_t nlen,
	const char *help, size_t hlen, int kind)
{
	size_t mf = lm_pb_open(b, 0);

	lm_pb_bytes(b, MF_NAME, name, nlen);
	lm_pb_bytes(b, MF_HELP, help ? help : "", hlen);
	lm_pb_uint(b, MF_TYPE, ktype[kind]);
	return mf;
}

/* One family: a length-delimited MetricFamily. */
void lm_expo_pb_family(struct lm_buf *b, const struct fam *f, struct ent *const *ord,
	size_t j, const struct help *helps, size_t nh, const struct hrec *hr,
	const struct lm_expo_le **sets, const double *cum, const struct lm_bk *nat,
	struct lm_buf *tmp)
{
	const struct ent *e0 = ord[j];
	size_t mf;

	lm_buf_reset(tmp);
	lm_expo_helptext(tmp, e0, helps, nh, 2);
	mf = lm_expo_pb_head(b, e0->fam, e0->famlen, tmp->p, tmp->len, f->kind);
	for (; j < f->hi; j++) {
		const struct ent *e = ord[j];
		const struct hrec *h = f->kind == K_HIST ? &hr[e->hk] : NULL;
		if (e->skip)
			continue;
		lm_expo_pb_metric(b, f->kind, e->lab, e->lablen, e->v, h,
		    h && cum ? cum + h->co : NULL, h ? sets[h->set] : NULL,
		    h && nat ? nat + h->no : NULL, tmp);
	}
	lm_pb_close(b, mf);
}
