/* pbtext.h: delimited io.prometheus.client.MetricFamily messages to a
 * line-oriented text, for the tests (test_pb, test_expo, pbdump, the
 * fuzz target). Built on lm_pb_next; checks the framing, the wire types
 * of the fields it knows, and the native histogram's invariants (spans
 * and counts agree, counts not negative, buckets + zero = count).
 * Returns 0, or -1 with *why set; out holds what was decoded so far.
 *
 *   family NAME TYPE help=TEXT
 *    metric {k="v",...} VALUE                         counter, gauge
 *    metric {k="v",...} count=N sum=S [bucket LE:N ...] schema=3 zt=Z zc=N
 *     neg|pos IDX:N ...                               native buckets */
#ifndef PBTEXT_H
#define PBTEXT_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "lm_buf.h"
#include "lm_num.h"
#include "lm_pb.h"

static int pbt_str(struct lm_buf *o, const struct lm_pb_field *f)
{
	if (f->wt != LM_PB_LEN)
		return -1;
	lm_buf_add(o, f->s, f->sn);
	return 0;
}

/* the spans and deltas/counts of one side into idx:count pairs */
struct pbt_side {
	int idx[4096];
	double n[4096];
	size_t ni, nn;
	int spanstart[4096];
	unsigned spanlen[4096];
	size_t ns;
};

static int pbt_span(struct pbt_side *sd, const struct lm_pb_field *f)
{
	struct lm_pb_field g;
	size_t pos = 0;
	int r;
	int64_t off = 0;
	uint64_t len = 0;

	if (f->wt != LM_PB_LEN || sd->ns >= 4096)
		return -1;
	while ((r = lm_pb_next(f->s, f->sn, &pos, &g)) == 1) {
		if (g.num == 1 && g.wt == LM_PB_VARINT)
			off = lm_pb_unzigzag(g.v);
		else if (g.num == 2 && g.wt == LM_PB_VARINT)
			len = g.v;
		else
			return -1;
	}
	if (r < 0 || len > 4096 || off < -100000 || off > 100000)
		return -1;
	sd->spanstart[sd->ns] = (int)off;
	sd->spanlen[sd->ns++] = (unsigned)len;
	return 0;
}

/* packed (or single) sint64 deltas or doubles */
static int pbt_counts(struct pbt_side *sd, const struct lm_pb_field *f, int isdelta, double *run)
{
	size_t pos = 0;
	uint64_t v;

	if (f->wt == LM_PB_LEN) {
		while (pos < f->sn) {
			if (sd->nn >= 4096)
				return -1;
			if (isdelta) {
				if (lm_pb_get_varint(f->s, f->sn, &pos, &v) < 0)
					return -1;
				*run += (double)lm_pb_unzigzag(v);
				sd->n[sd->nn++] = *run;
			} else {
				int i;
				if (f->sn - pos < 8)
					return -1;
				for (v = 0, i = 0; i < 8; i++)
					v |= (uint64_t)f->s[pos + i] << 8 * i;
				pos += 8;
				sd->n[sd->nn++] = lm_pb_double_of(v);
			}
		}
		return 0;
	}
	if (sd->nn >= 4096)
		return -1;
	if (isdelta && f->wt == LM_PB_VARINT) {
		*run += (double)lm_pb_unzigzag(f->v);
		sd->n[sd->nn++] = *run;
		return 0;
	}
	if (!isdelta && f->wt == LM_PB_I64) {
		sd->n[sd->nn++] = lm_pb_double_of(f->v);
		return 0;
	}
	return -1;
}

/* the side's buckets as " neg|pos idx:n ..."; adds their sum to *tot */
static int pbt_side_out(struct lm_buf *o, struct pbt_side *sd, const char *name, double *tot)
{
	size_t s, k = 0, j;
	int idx = 0;

	if (!sd->ns && !sd->nn)
		return 0;
	lm_buf_adds(o, "  ");
	lm_buf_adds(o, name);
	for (s = 0; s < sd->ns; s++) {
		idx += sd->spanstart[s];
		if (s && sd->spanstart[s] < 0)
			return -1;   /* spans overlap */
		for (j = 0; j < sd->spanlen[s]; j++, idx++, k++) {
			if (k >= sd->nn || sd->n[k] < 0)
				return -1;
			lm_buf_addc(o, ' ');
			lm_buf_addnum(o, idx);
			lm_buf_addc(o, ':');
			lm_buf_addnum(o, sd->n[k]);
			*tot += sd->n[k];
		}
	}
	if (k != sd->nn)
		return -1;   /* counts the spans do not cover */
	lm_buf_addc(o, '\n');
	return 0;
}

static int pbt_hist(struct lm_buf *o, const unsigned char *p, size_t n, const char **why)
{
	static struct pbt_side neg, pos_;
	struct lm_pb_field f, g;
	size_t pos = 0, bp;
	double count = 0, countf = 0, sum = 0, zt = 0, zc = 0, zcf = 0, runn = 0, runp = 0, tot;
	double lastle = -HUGE_VAL, lastcum = 0;
	int64_t schema = 0;
	int r, ints = 0, floats = 0;

	neg.ni = neg.nn = neg.ns = 0;
	pos_.ni = pos_.nn = pos_.ns = 0;
	lm_buf_adds(o, "count=");
	bp = o->len;
	while ((r = lm_pb_next(p, n, &pos, &f)) == 1) {
		switch (f.num) {
		case 1: if (f.wt != LM_PB_VARINT) goto bad; count = (double)f.v; break;
		case 4: if (f.wt != LM_PB_I64) goto bad; countf = lm_pb_double_of(f.v); break;
		case 2: if (f.wt != LM_PB_I64) goto bad; sum = lm_pb_double_of(f.v); break;
		case 3: {
			size_t q = 0;
			double le = NAN, cum = 0, cumf = 0;
			if (f.wt != LM_PB_LEN)
				goto bad;
			while ((r = lm_pb_next(f.s, f.sn, &q, &g)) == 1) {
				if (g.num == 1 && g.wt == LM_PB_VARINT)
					cum = (double)g.v;
				else if (g.num == 4 && g.wt == LM_PB_I64)
					cumf = lm_pb_double_of(g.v);
				else if (g.num == 2 && g.wt == LM_PB_I64)
					le = lm_pb_double_of(g.v);
				else
					goto bad;
			}
			if (r < 0)
				goto bad;
			if (cumf > 0)
				cum = cumf;
			if (!(le > lastle) || cum < lastcum) {
				*why = "classic buckets not increasing";
				return -1;
			}
			lastle = le;
			lastcum = cum;
			lm_buf_adds(o, " bucket ");
			lm_buf_addnum(o, le);
			lm_buf_addc(o, ':');
			lm_buf_addnum(o, cum);
			break;
		}
		case 5: if (f.wt != LM_PB_VARINT) goto bad; schema = lm_pb_unzigzag(f.v); break;
		case 6: if (f.wt != LM_PB_I64) goto bad; zt = lm_pb_double_of(f.v); break;
		case 7: if (f.wt != LM_PB_VARINT) goto bad; zc = (double)f.v; break;
		case 8: if (f.wt != LM_PB_I64) goto bad; zcf = lm_pb_double_of(f.v); break;
		case 9: if (pbt_span(&neg, &f) < 0) goto bad; break;
		case 12: if (pbt_span(&pos_, &f) < 0) goto bad; break;
		case 10: ints = 1; if (pbt_counts(&neg, &f, 1, &runn) < 0) goto bad; break;
		case 13: ints = 1; if (pbt_counts(&pos_, &f, 1, &runp) < 0) goto bad; break;
		case 11: floats = 1; if (pbt_counts(&neg, &f, 0, &runn) < 0) goto bad; break;
		case 14: floats = 1; if (pbt_counts(&pos_, &f, 0, &runp) < 0) goto bad; break;
		default: goto bad;
		}
	}
	if (r < 0)
		goto bad;
	if (ints && floats) {
		*why = "both deltas and float counts";
		return -1;
	}
	if (countf > 0)
		count = countf;
	if (zcf > 0)
		zc = zcf;
	if (lastcum > count) {
		*why = "a classic bucket above the count";
		return -1;
	}
	{
		/* the count goes before the buckets written so far */
		char c[64];
		size_t cl = lm_fmt_double(c, count);
		lm_buf_reserve(o, cl + 64);
		if (o->err)
			goto bad;
		memmove(o->p + bp + cl, o->p + bp, o->len - bp);
		memcpy(o->p + bp, c, cl);
		o->len += cl;
		o->p[o->len] = '\0';
	}
	lm_buf_adds(o, " sum=");
	lm_buf_addnum(o, sum);
	lm_buf_adds(o, " schema=");
	lm_buf_addnum(o, (double)schema);
	lm_buf_adds(o, " zt=");
	lm_buf_addnum(o, zt);
	lm_buf_adds(o, " zc=");
	lm_buf_addnum(o, zc);
	lm_buf_addc(o, '\n');
	tot = zc;
	if (pbt_side_out(o, &neg, "neg", &tot) < 0 || pbt_side_out(o, &pos_, "pos", &tot) < 0) {
		*why = "spans and counts disagree";
		return -1;
	}
	if (fabs(tot - count) > 1e-9 * (count > 1 ? count : 1)) {
		*why = "native buckets do not add up to the count";
		return -1;
	}
	return 0;
bad:
	*why = "malformed Histogram";
	return -1;
}

static int pbt_metric(struct lm_buf *o, const unsigned char *p, size_t n, unsigned type,
	const char **why)
{
	struct lm_pb_field f, g;
	size_t pos = 0, q;
	int r, nl = 0, have = 0;

	lm_buf_adds(o, " metric {");
	while ((r = lm_pb_next(p, n, &pos, &f)) == 1) {
		if (f.wt != LM_PB_LEN)
			goto bad;
		if (f.num == 1) {
			if (nl++)
				lm_buf_addc(o, ',');
			q = 0;
			while ((r = lm_pb_next(f.s, f.sn, &q, &g)) == 1) {
				if (g.wt != LM_PB_LEN || (g.num != 1 && g.num != 2))
					goto bad;
				if (g.num == 2)
					lm_buf_adds(o, "=\"");
				pbt_str(o, &g);
				if (g.num == 2)
					lm_buf_addc(o, '"');
			}
			if (r < 0)
				goto bad;
			continue;
		}
		if (have++)
			goto bad;
		lm_buf_adds(o, "} ");
		if ((f.num == 2 && type == 1) || (f.num == 3 && type == 0)) {
			double v = NAN;
			q = 0;
			while ((r = lm_pb_next(f.s, f.sn, &q, &g)) == 1) {
				if (g.num != 1 || g.wt != LM_PB_I64)
					goto bad;
				v = lm_pb_double_of(g.v);
			}
			if (r < 0)
				goto bad;
			lm_buf_addnum(o, v);
			lm_buf_addc(o, '\n');
		} else if (f.num == 7 && type == 4) {
			if (pbt_hist(o, f.s, f.sn, why) < 0)
				return -1;
		} else {
			*why = "value field does not match the family type";
			return -1;
		}
	}
	if (r < 0 || !have)
		goto bad;
	return 0;
bad:
	*why = "malformed Metric";
	return -1;
}

static int pbtext(struct lm_buf *o, const unsigned char *p, size_t n, const char **why)
{
	static const char *const tn[] = { "counter", "gauge", "summary", "untyped", "histogram" };
	size_t pos = 0, mpos, q;
	uint64_t len;
	struct lm_pb_field f;
	int r;
	unsigned type;
	const unsigned char *m;

	*why = "";
	while (pos < n) {
		if (lm_pb_get_varint(p, n, &pos, &len) < 0 || len > n - pos) {
			*why = "bad length prefix";
			return -1;
		}
		m = p + pos;
		pos += len;
		/* name, help and type first, then the metrics */
		type = 99;
		lm_buf_adds(o, "family ");
		for (q = 0; (r = lm_pb_next(m, len, &q, &f)) == 1;) {
			if (f.num == 1 && pbt_str(o, &f) == 0)
				continue;
			if (f.num == 3 && f.wt == LM_PB_VARINT && f.v <= 4)
				type = (unsigned)f.v;
			else if (f.num != 2 && f.num != 4)
				break;
		}
		if (r != 0 || type == 99) {
			*why = "malformed MetricFamily or no type";
			return -1;
		}
		lm_buf_addc(o, ' ');
		lm_buf_adds(o, tn[type]);
		for (q = 0; lm_pb_next(m, len, &q, &f) == 1;) {
			if (f.num == 2) {
				lm_buf_adds(o, " help=");
				pbt_str(o, &f);
			}
		}
		lm_buf_addc(o, '\n');
		for (mpos = 0; lm_pb_next(m, len, &mpos, &f) == 1;)
			if (f.num == 4 && (f.wt != LM_PB_LEN || pbt_metric(o, f.s, f.sn, type, why) < 0)) {
				if (!**why)
					*why = "malformed Metric";
				return -1;
			}
	}
	return o->err ? -1 : 0;
}
#endif
