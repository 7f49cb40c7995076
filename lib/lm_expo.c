/* lm_expo: table dump -> Prometheus text 0.0.4 / OpenMetrics 1.0 text /
 * delimited protobuf.
 *
 * One pass parses the dump into entries (one per exposed series: a timer
 * line gives a histogram and a gauge), each with its family name and its
 * labels already rendered into an arena; a histogram line also leaves its
 * classic cumulative counts and its fine buckets in arenas of their own. The entries are sorted by
 * (family, labels, line number); a family takes the type of its first
 * line, other types and duplicate label sets are skipped. Families whose
 * names or sample names clash with an earlier family's are skipped too.
 * Then one pass writes. Numbers go through lm_fmt_double, never printf. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_expo.h"
#include "lm_hist.h"
#include "lm_num.h"
#include "lm_pb.h"
#include "lm_wire.h"

/* classic histogram bounds of timers (seconds) and of h and d; +Inf follows */
const struct lm_expo_le lm_expo_timer_le = { "", 0, 14, {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10 } };
const struct lm_expo_le lm_expo_hist_le = { "", 0, 10, {
	0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000, 1000000 } };

enum { K_COUNTER, K_GAUGE, K_HIST };
static const char *const kname[] = { "counter", "gauge", "histogram" };
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

/* A histogram series: classic cumulative counts at its set's bounds
 * (cum arena), fine buckets (nat arena: negative ones from the largest
 * |x| down, then positive ones from the smallest up), zero bucket. */
struct hrec {
	size_t set;          /* index into the bound sets */
	size_t co;           /* first cumulative count in the cum arena */
	size_t no, nneg, npos;   /* fine buckets in the nat arena */
	double zero, total;
	int whole;           /* every count a whole number below 2^53 */
};

/* what a series is, for its default HELP text */
enum { R_C, R_G, R_T, R_TLAST, R_H, R_HLAST, R_RHZ, R_RTOTAL };
static const char *const rwhat[] = {
	"counter", "gauge", "timer", "timer", "histogram", "histogram", "rate", "rate"
};
static const char *const rtail[] = {
	"", "", ", seconds", ", last observation in seconds", "", ", last observation",
	", events per second", ", events in total"
};
static const char *const rsuffix[] = {
	"", "", "", " (last observation, seconds)", "", " (last observation)",
	" (events per second)", " (total events)"
};

struct ent {
	const char *fam;     /* family name (arena) */
	const char *lab;     /* labels, escaped, no braces (arena) */
	const char *base;    /* sanitised dump name (arena) */
	size_t famo, labo, baseo;   /* the same as offsets while the arena grows */
	unsigned famlen, lablen, baselen;
	unsigned idx;        /* dump line number, from 1 */
	unsigned char kind, role, skip;
	size_t famid;        /* index into the families, in order of appearance */
	double v;            /* value; histogram: sum */
	size_t hk;           /* histogram: index into the hrecs */
};

struct help { const char *name, *text; size_t nlen, tlen; };

struct fam {
	const char *name;
	size_t len;
	size_t n;            /* entries */
	size_t lo, hi;       /* entries [lo, hi) in sorted order */
	unsigned first;      /* smallest line number */
	unsigned char kind, skip;
};

struct nm { const char *p; size_t o, n; unsigned first; size_t fam; };

/* lmexport's own gauges, sorted by name */
static const struct {
	const char *name, *help;
} selfg[] = {
	{ "lm_export_dump_bytes", "Bytes of table dump lmexport read for this scrape." },
	{ "lm_export_lines_invalid", "Table dump lines lmexport could not parse or label." },
	{ "lm_export_series", "Series lmexport wrote, its own excluded." },
	{ "lm_export_series_skipped", "Series lmexport left out: name or type clash, or duplicate." },
};
#define NSELF (sizeof selfg / sizeof selfg[0])
#define FAM_SELF ((size_t)-1)

static int cmpstr(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* entries of one family: by labels, then by line */
static int cmpent(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;
	int c = cmpstr(a->lab, a->lablen, b->lab, b->lablen);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmpfam(const void *x, const void *y)
{
	const struct fam *a = x, *b = y;

	return cmpstr(a->name, a->len, b->name, b->len);
}

/* Sort the pointers v[0..n) with cmp over what they point to: a merge
 * sort (musl's qsort is slow for this); tmp has room for n. */
static void msort(void **v, void **tmp, size_t n, int (*cmp)(const void *, const void *))
{
	void **src = v, **dst = tmp, **t;
	size_t w, i, j, lo, mid, hi, k;

	for (lo = 0; lo < n; lo += 8) {   /* insertion sort runs of 8 */
		hi = lo + 8 < n ? lo + 8 : n;
		for (i = lo + 1; i < hi; i++) {
			void *x = v[i];
			for (j = i; j > lo && cmp(v[j - 1], x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	for (w = 8; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			k = lo;
			while (i < mid && j < hi)
				dst[k++] = cmp(src[j], src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

static size_t hashstr(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ h >> 29);
}

static int cmphelp(const void *x, const void *y)
{
	const struct help *a = x, *b = y;

	return cmpstr(a->name, a->nlen, b->name, b->nlen);
}

static int cmpnm(const void *x, const void *y)
{
	const struct nm *a = x, *b = y;
	int c = cmpstr(a->p, a->n, b->p, b->n);

	if (c)
		return c;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* Copy n bytes to d, return d + n. Fixed-size memcpy calls compile to
 * plain moves; musl's memcpy costs too much per call for these short
 * strings. */
static inline char *put(char *d, const char *s, size_t n)
{
	char *e = d + n;
	const char *se = s + n;

	if (n >= 8) {
		for (; n > 8; n -= 8, d += 8, s += 8)
			memcpy(d, s, 8);
		memcpy(e - 8, se - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(e - 4, se - 4, 4);
	} else if (n >= 2) {
		memcpy(d, s, 2);
		memcpy(e - 2, se - 2, 2);
	} else if (n) {
		*d = *s;
	}
	return e;
}

/* Append s escaped: backslash, newline, and the quote when quote is 1;
 * quote 2 (protobuf) escapes nothing. Other control bytes become a
 * space, invalid UTF-8 a '?'. */
static void addesc(struct lm_buf *b, const char *s, size_t n, int quote)
{
	size_t i = 0, run = 0, k;

	while (i < n) {
		unsigned char c = s[i];
		const char *rep = NULL;
		if (quote == 2 && (c == '\\' || c == '\n'))
			rep = NULL;
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '"' && quote == 1)
			rep = "\\\"";
		else if (c < 0x20 || c == 0x7f)
			rep = " ";
		else if (c >= 0x80 && (k = lm_utf8_len((const unsigned char *)s + i, n - i)) > 0) {
			i += k;
			run += k;
			continue;
		} else if (c >= 0x80)
			rep = "?";
		if (!rep) {
			i++;
			run++;
			continue;
		}
		lm_buf_add(b, s + i - run, run);
		lm_buf_adds(b, rep);
		run = 0;
		i++;
	}
	lm_buf_add(b, s + n - run, run);
}

static int isalpha_(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int endswith(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* Append to the arena base+suffix (unless base ends with it), minus
 * "_total" when strip is set; return its offset, length in *len. */
static size_t addname(struct lm_buf *a, const char *base, size_t n,
	const char *suf, int strip, unsigned *len)
{
	size_t o = a->len, k = strlen(suf);

	lm_buf_add(a, base, n);
	if (!endswith(base, n, suf))
		lm_buf_add(a, suf, k);
	if (strip && !a->err && a->len - o > 6 && endswith(a->p + o, a->len - o, "_total"))
		a->len -= 6;
	*len = (unsigned)(a->len - o);
	return o;
}

/* Render the labels of l into the arena: k="v",... Returns 0, or -1 for a
 * duplicate or reserved label name, or bad UTF-8 in a value. */
static int labels(struct lm_buf *a, const struct lm_line *l, const char *reserved,
	size_t *off, unsigned *len)
{
	char keys[LM_TAGS_MAX + 1][LM_TAGKEY_MAX + 2];
	size_t klen[LM_TAGS_MAX + 1];
	size_t nk = 0, i, j, n, kn, vn, o = a->len;
	const char *kp, *vp;
	int hascont = 0;
	char *d;

	*off = o;
	*len = 0;
	for (i = 0; i <= l->ntags; i++) {
		if (i < l->ntags) {
			kp = l->tags[i].k.p;
			kn = l->tags[i].k.n;
			vp = l->tags[i].v.p;
			vn = l->tags[i].v.n;
		} else {
			/* the c:ID field, unless a container tag came */
			if (!l->container.n || hascont)
				break;
			kp = "container";
			kn = 9;
			vp = l->container.p;
			vn = l->container.n;
		}
		if (kn == 0 || kn > LM_TAGKEY_MAX)
			return -1;
		/* keys are clean already in a dump: check, sanitise only if not */
		for (j = 0; j < kn && (isalpha_((unsigned char)kp[j]) || kp[j] == '_'
		    || (j && kp[j] >= '0' && kp[j] <= '9')); j++)
			;
		if (j == kn && !(kn >= 2 && kp[0] == '_' && kp[1] == '_')) {
			memcpy(keys[nk], kp, kn);
			n = kn;
		} else {
			n = lm_label_sanitize(keys[nk], kp, kn);
			if (n == 0 || n > LM_TAGKEY_MAX + 1)
				return -1;
		}
		keys[nk][n] = '\0';
		klen[nk] = n;
		if (n == 9 && memcmp(keys[nk], "container", 9) == 0)
			hascont = 1;
		if (reserved && strcmp(keys[nk], reserved) == 0)
			return -1;
		for (j = 0; j < nk; j++)
			if (klen[j] == n && memcmp(keys[j], keys[nk], n) == 0)
				return -1;
		for (j = 0; j < vn; j++) {
			if ((unsigned char)vp[j] >= 0x80) {
				size_t k = lm_utf8_len((const unsigned char *)vp + j, vn - j);
				if (!k)
					return -1;
				j += k - 1;
			}
		}
		/* ,key="value" with every value byte escaped at worst */
		if (lm_buf_reserve(a, n + 2 * vn + 4) < 0)
			return 0;   /* a->err is seen by the caller */
		d = a->p + a->len;
		if (nk)
			*d++ = ',';
		d = put(d, keys[nk], n);
		*d++ = '=';
		*d++ = '"';
		for (j = 0; j < vn; j++) {
			char c = vp[j];
			if (c == '\\' || c == '"' || c == '\n') {
				*d++ = '\\';
				c = c == '\n' ? 'n' : c;
			} else if ((unsigned char)c < 0x20 || c == 0x7f) {
				c = ' ';
			}
			*d++ = c;
		}
		*d++ = '"';
		a->len = (size_t)(d - a->p);
		a->p[a->len] = '\0';
		nk++;
	}
	*off = o;
	*len = (unsigned)(a->len - o);
	return 0;
}

/* The HELP text of e's family: the dump's HELP line for its name, else
 * a default; escaped as addesc's quote says. */
static void helptext(struct lm_buf *b, const struct ent *e, const struct help *h,
	size_t nh, int quote)
{
	struct help key, *hit = NULL;

	key.name = e->base;
	key.nlen = e->baselen;
	if (nh)
		hit = bsearch(&key, h, nh, sizeof *h, cmphelp);
	if (hit && hit->tlen) {
		addesc(b, hit->text, hit->tlen, quote);
		lm_buf_adds(b, rsuffix[e->role]);
	} else {
		lm_buf_adds(b, "livemetrics ");
		lm_buf_adds(b, rwhat[e->role]);
		lm_buf_addc(b, ' ');
		lm_buf_add(b, e->base, e->baselen);
		lm_buf_adds(b, rtail[e->role]);
	}
}

static void addhelp(struct lm_buf *b, const char *fam, size_t famlen,
	const struct ent *e, const struct help *h, size_t nh, int om)
{
	lm_buf_add(b, "# HELP ", 7);
	lm_buf_add(b, fam, famlen);
	lm_buf_addc(b, ' ');
	helptext(b, e, h, nh, om ? 1 : 0);
	lm_buf_addc(b, '\n');
}

/* name+suf{labels} value */
static void sample(struct lm_buf *b, const char *name, size_t nn, const char *suf,
	size_t sl, const struct ent *e, double v)
{
	char *d;

	if (lm_buf_reserve(b, nn + sl + e->lablen + 4 + LM_NUM_MAX) < 0)
		return;
	d = put(b->p + b->len, name, nn);
	d = put(d, suf, sl);
	if (e->lablen) {
		*d++ = '{';
		d = put(d, e->lab, e->lablen);
		*d++ = '}';
	}
	*d++ = ' ';
	d += lm_fmt_double(d, v);
	*d++ = '\n';
	b->len = (size_t)(d - b->p);
	b->p[b->len] = '\0';
}

/* The bucket lines of one histogram series: name_bucket{labels,le="X"} N
 * for the n bounds (cumulative counts cum) and +Inf (total); le[i] holds
 * X"} for each bound, +Inf last. */
static void buckets(struct lm_buf *b, const char *name, size_t nn, const struct ent *e,
	const double *cum, size_t n, double total, char le[][LM_NUM_MAX + 4],
	const size_t *lel)
{
	size_t i, pl = nn + 8 + e->lablen + 5;   /* name_bucket{labels,le=" */
	char *d, *pre;

	if (lm_buf_reserve(b, (n + 1) * (pl + LM_NUM_MAX + 4 + LM_NUM_MAX)) < 0)
		return;
	pre = d = b->p + b->len;
	d = put(d, name, nn);
	d = put(d, "_bucket{", 8);
	d = put(d, e->lab, e->lablen);
	if (e->lablen)
		*d++ = ',';
	d = put(d, "le=\"", 4);
	pl = (size_t)(d - pre);
	for (i = 0; i <= n; i++) {
		if (i)
			d = put(d, pre, pl);
		d = put(d, le[i], lel[i]);   /* X"} */
		d += lm_fmt_double(d, i < n ? cum[i] : total);
		*d++ = '\n';
	}
	b->len = (size_t)(d - b->p);
	b->p[b->len] = '\0';
}

static void selffam(struct lm_buf *b, size_t i, const struct lm_expo_stats *st)
{
	double v[NSELF];

	v[0] = (double)st->bytes;
	v[1] = (double)st->invalid;
	v[2] = (double)st->series;
	v[3] = (double)st->skipped;
	lm_buf_add(b, "# HELP ", 7);
	lm_buf_adds(b, selfg[i].name);
	lm_buf_addc(b, ' ');
	lm_buf_adds(b, selfg[i].help);
	lm_buf_add(b, "\n# TYPE ", 8);
	lm_buf_adds(b, selfg[i].name);
	lm_buf_adds(b, " gauge\n");
	lm_buf_adds(b, selfg[i].name);
	lm_buf_addc(b, ' ');
	lm_buf_addnum(b, v[i]);
	lm_buf_addc(b, '\n');
}

/* One gauge family of lmexport's own, in protobuf. */
static void pb_selffam(struct lm_buf *b, size_t i, const struct lm_expo_stats *st)
{
	double v[NSELF];
	size_t mf, m, g;

	v[0] = (double)st->bytes;
	v[1] = (double)st->invalid;
	v[2] = (double)st->series;
	v[3] = (double)st->skipped;
	mf = lm_pb_open(b, 0);
	lm_pb_bytes(b, MF_NAME, selfg[i].name, strlen(selfg[i].name));
	lm_pb_bytes(b, MF_HELP, selfg[i].help, strlen(selfg[i].help));
	lm_pb_uint(b, MF_TYPE, ktype[K_GAUGE]);
	m = lm_pb_open(b, MF_METRIC);
	g = lm_pb_open(b, M_GAUGE);
	lm_pb_double(b, V_VALUE, v[i]);
	lm_pb_close(b, g);
	lm_pb_close(b, m);
	lm_pb_close(b, mf);
}

/* The labels of e (k="v",... as rendered for text) as LabelPair fields:
 * the escapes undone into tmp. */
static void pb_labels(struct lm_buf *b, const struct ent *e, struct lm_buf *tmp)
{
	const char *p = e->lab, *end = e->lab + e->lablen, *k;
	size_t kn, at;

	while (p < end) {
		k = p;
		while (p < end && *p != '=')
			p++;
		kn = (size_t)(p - k);
		p += 2;   /* =" */
		lm_buf_reset(tmp);
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 1 < end) {
				p++;
				lm_buf_addc(tmp, *p == 'n' ? '\n' : *p);
			} else {
				lm_buf_addc(tmp, *p);
			}
			p++;
		}
		p += 2;   /* ", */
		at = lm_pb_open(b, M_LABEL);
		lm_pb_bytes(b, LP_NAME, k, kn);
		lm_pb_bytes(b, LP_VALUE, tmp->p ? tmp->p : "", tmp->len);
		lm_pb_close(b, at);
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
static void pb_hist(struct lm_buf *b, const struct ent *e, const struct hrec *h,
	const double *cum, const struct lm_expo_le *set, const struct lm_bk *nat)
{
	size_t i, at;

	if (h->whole)
		lm_pb_uint(b, H_COUNT, (uint64_t)h->total);
	else
		lm_pb_double(b, H_COUNT_F, h->total);
	lm_pb_double(b, H_SUM, e->v);
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

/* Suffixes of the sample names a family of kind k owns, "" first. */
static const char *const *owned(int k, int om)
{
	static const char *const c[] = { "", NULL };
	static const char *const com[] = { "", "_total", "_created", NULL };
	static const char *const h[] = { "", "_bucket", "_sum", "_count", NULL };
	static const char *const hom[] = { "", "_bucket", "_sum", "_count", "_created", NULL };

	switch (k) {
	case K_COUNTER: return om ? com : c;
	case K_HIST: return om ? hom : h;
	}
	return c;
}

/* Mark families whose names clash with an earlier family's. */
static int clashes(struct fam **f, size_t nf, int self, int om)
{
	struct lm_buf a;
	struct nm *v;
	size_t n = 0, max, i, j;
	const char *const *suf;

	max = nf * 5 + NSELF;
	v = malloc(max * sizeof *v);
	if (!v)
		return -1;
	lm_buf_init(&a, 0);
	for (i = 0; i < nf; i++) {
		for (suf = owned(f[i]->kind, om); *suf; suf++) {
			v[n].o = a.len;
			lm_buf_add(&a, f[i]->name, f[i]->len);
			lm_buf_adds(&a, *suf);
			v[n].n = a.len - v[n].o;
			v[n].first = f[i]->first;
			v[n].fam = i;
			n++;
		}
	}
	for (i = 0; self && i < NSELF; i++) {
		v[n].o = a.len;
		lm_buf_adds(&a, selfg[i].name);
		v[n].n = a.len - v[n].o;
		v[n].first = 0;
		v[n].fam = FAM_SELF;
		n++;
	}
	if (a.err) {
		errno = a.err;
		lm_buf_free(&a);
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++)
		v[i].p = a.p + v[i].o;
	qsort(v, n, sizeof *v, cmpnm);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && cmpstr(v[i].p, v[i].n, v[j].p, v[j].n) == 0; j++)
			if (v[j].fam != v[i].fam && v[j].fam != FAM_SELF)
				f[v[j].fam]->skip = 1;
	}
	lm_buf_free(&a);
	free(v);
	return 0;
}

/* le label values of one set, each followed by "} ; +Inf last.
 * OpenMetrics wants "1.0", not "1". */
static void lestr(const struct lm_expo_le *set, char le[][LM_NUM_MAX + 4], size_t *lel, int om)
{
	size_t i, n;

	for (i = 0; i < set->n; i++) {
		n = lm_fmt_double(le[i], set->le[i]);
		if (om && !strpbrk(le[i], ".eEIN")) {
			memcpy(le[i] + n, ".0", 2);
			n += 2;
		}
		memcpy(le[i] + n, "\"} ", 4);
		lel[i] = n + 3;
	}
	memcpy(le[set->n], "+Inf\"} ", 8);
	lel[set->n] = 7;
}

/* The set of bounds for a histogram named wire (as sent) or fam (as
 * exported): its own, else the default of its kind (0 timers, 1 h/d). */
static size_t findset(const struct lm_expo_opt *opt, const char *wire, size_t wn,
	const char *fam, size_t fn, int hd)
{
	size_t i;

	for (i = 0; opt && i < opt->nsets; i++) {
		const struct lm_expo_le *x = &opt->sets[i];
		if ((x->nlen == wn && memcmp(x->name, wire, wn) == 0)
		    || (x->nlen == fn && memcmp(x->name, fam, fn) == 0))
			return 2 + i;
	}
	return hd ? 1 : 0;
}

struct natctx { struct lm_buf *nat; size_t nneg, npos; double zero; int whole; };

static int natvisit(void *ctx, const struct lm_bk *b)
{
	struct natctx *c = ctx;

	if (!(b->n == floor(b->n) && b->n < 9007199254740992.0))
		c->whole = 0;
	if (b->idx <= LM_HIST_IMIN) {
		c->zero += b->n;
		return 0;
	}
	lm_buf_add(c->nat, b, sizeof *b);
	if (b->neg)
		c->nneg++;
	else
		c->npos++;
	return 0;
}

/* Load the histogram of l: classic cumulative counts at the bounds of
 * sets[set] into cumb, fine buckets into natb. 0, -1 out of memory. */
static int hist(struct hrec *r, const struct lm_line *l, size_t set,
	const struct lm_expo_le **sets, struct lm_buf *cumb, struct lm_buf *natb)
{
	struct lm_hist h;
	struct natctx c;
	size_t i;
	double v;

	lm_hist_init(&h);
	if (lm_line_hist(l, &h, 1) < 0) {
		lm_hist_free(&h);
		errno = ENOMEM;
		return -1;
	}
	r->set = set;
	r->co = cumb->len / sizeof v;
	for (i = 0; i < sets[set]->n; i++) {
		v = lm_hist_cum(&h, sets[set]->le[i]);
		lm_buf_add(cumb, &v, sizeof v);
	}
	r->no = natb->len / sizeof(struct lm_bk);
	c.nat = natb;
	c.nneg = c.npos = 0;
	c.zero = 0;
	c.whole = 1;
	lm_hist_each(&h, natvisit, &c);
	r->nneg = c.nneg;
	r->npos = c.npos;
	r->zero = c.zero;
	r->total = lm_hist_total(&h);
	r->whole = c.whole && r->total == floor(r->total) && r->total < 9007199254740992.0;
	lm_hist_free(&h);
	return 0;
}

/* One family in protobuf: a length-delimited MetricFamily whose series
 * are ord[j..f->hi), skipped ones left out; e0 is ord[j]. */
static void pb_family(struct lm_buf *b, const struct fam *f, struct ent *const *ord,
	size_t j, const struct ent *e0, const struct help *helps, size_t nh,
	const struct hrec *hr, const struct lm_expo_le **sets, const double *cum,
	const struct lm_bk *nat, struct lm_buf *tmp)
{
	size_t mf, m, v;

	mf = lm_pb_open(b, 0);
	lm_pb_bytes(b, MF_NAME, e0->fam, e0->famlen);
	lm_buf_reset(tmp);
	helptext(tmp, e0, helps, nh, 2);
	lm_pb_bytes(b, MF_HELP, tmp->p ? tmp->p : "", tmp->len);
	lm_pb_uint(b, MF_TYPE, ktype[f->kind]);
	for (; j < f->hi; j++) {
		const struct ent *e = ord[j];
		const struct hrec *h;
		if (e->skip)
			continue;
		m = lm_pb_open(b, MF_METRIC);
		pb_labels(b, e, tmp);
		switch (f->kind) {
		case K_COUNTER:
		case K_GAUGE:
			v = lm_pb_open(b, f->kind == K_COUNTER ? M_COUNTER : M_GAUGE);
			lm_pb_double(b, V_VALUE, e->v);
			lm_pb_close(b, v);
			break;
		case K_HIST:
			h = &hr[e->hk];
			v = lm_pb_open(b, M_HISTOGRAM);
			pb_hist(b, e, h, cum ? cum + h->co : NULL, sets[h->set],
			    nat ? nat + h->no : NULL);
			lm_pb_close(b, v);
			break;
		}
		lm_pb_close(b, m);
	}
	lm_pb_close(b, mf);
}

/* The bounds of s: "LE,LE,..." */
int lm_expo_le_parse(const char *s, struct lm_expo_le *set, const char **why)
{
	const char *p = s, *c;
	double v;

	set->n = 0;
	if (!*s) {
		*why = "no bounds";
		return -1;
	}
	for (;;) {
		c = strchr(p, ',');
		if (!c)
			c = p + strlen(p);
		if (set->n == LM_EXPO_LE_MAX) {
			*why = "too many bounds (at most 64)";
			return -1;
		}
		if (c == p || lm_parse_double(p, (size_t)(c - p), &v) < 0 || !isfinite(v)) {
			*why = "a bound is not a finite number";
			return -1;
		}
		if (!(v > 0)) {
			*why = "a bound is not above 0";
			return -1;
		}
		if (set->n && !(v > set->le[set->n - 1])) {
			*why = "bounds do not increase";
			return -1;
		}
		set->le[set->n++] = v;
		if (!*c)
			return 0;
		p = c + 1;
	}
}

int lm_expo_le_named(const char *s, struct lm_expo_le *set, const char **why)
{
	const char *eq = strchr(s, '=');
	size_t n;

	if (!eq) {
		*why = "no '=' after the name";
		return -1;
	}
	n = (size_t)(eq - s);
	if (n == 0 || n > LM_NAME_MAX || !lm_name_ok(s, n)) {
		*why = "not a metric name";
		return -1;
	}
	memcpy(set->name, s, n);
	set->name[n] = '\0';
	set->nlen = n;
	return lm_expo_le_parse(eq + 1, set, why);
}

int lm_expo(struct lm_buf *out, const char *dump, size_t len, int flags,
	const struct lm_expo_opt *opt, struct lm_expo_stats *stp)
{
	int pb = (flags & LM_EXPO_PB) != 0, self = (flags & LM_EXPO_SELF) != 0;
	int om = pb ? 0 : flags & LM_EXPO_OM;
	struct lm_expo_stats st;
	struct lm_buf a, cumb, natb, tmp;
	struct lm_line *l = NULL;
	struct hrec *hr = NULL;
	const struct lm_expo_le **sets = NULL;
	char (*le)[LM_NUM_MAX + 4] = NULL;
	size_t *lel = NULL, *lefirst = NULL, nsets;
	struct ent *ents = NULL, **ord = NULL;
	struct help *helps = NULL;
	struct fam *fams = NULL, **fo = NULL;
	size_t *htab = NULL, hsize;
	size_t nlines = 1, ne = 0, nh = 0, nb = 0, nf = 0, pos = 0, ln, i, j, si, nle;
	char base[LM_NAME_MAX + 2];
	const char *line, *p;
	unsigned idx = 0;
	int rc = -1;

	memset(&st, 0, sizeof st);
	st.bytes = len;
	lm_buf_init(&a, 0);
	lm_buf_init(&cumb, 0);
	lm_buf_init(&natb, 0);
	lm_buf_init(&tmp, 0);
	nsets = 2 + (opt ? opt->nsets : 0);
	sets = malloc(nsets * sizeof *sets);
	lefirst = malloc(nsets * sizeof *lefirst);
	if (!sets || !lefirst)
		goto fail;
	sets[0] = opt && opt->timer_le ? opt->timer_le : &lm_expo_timer_le;
	sets[1] = opt && opt->hist_le ? opt->hist_le : &lm_expo_hist_le;
	for (i = 2, nle = 0; i < nsets; i++)
		sets[i] = &opt->sets[i - 2];
	for (i = 0, nle = 0; i < nsets; i++) {
		lefirst[i] = nle;
		nle += sets[i]->n + 1;
	}
	for (p = dump; len && (p = memchr(p, '\n', len - (size_t)(p - dump))) != NULL; p++)
		nlines++;
	l = malloc(sizeof *l);
	ents = malloc(2 * nlines * sizeof *ents);
	helps = malloc(nlines * sizeof *helps);
	hr = malloc(nlines * sizeof *hr);
	if (!l || !ents || !helps || !hr)
		goto fail;

	while (lm_next_line(dump, len, &pos, &line, &ln)) {
		size_t bn, lo;
		unsigned ll;
		struct ent *e;
		const char *reserved = NULL;
		double sum, last;
		int t, hd;

		idx++;
		if (ln && line[0] == '#') {
			if (ln > 7 && memcmp(line, "# HELP ", 7) == 0) {
				struct help *h = &helps[nh];
				h->name = line + 7;
				for (h->nlen = 0; 7 + h->nlen < ln && line[7 + h->nlen] != ' '; h->nlen++)
					;
				h->text = h->name + h->nlen;
				h->tlen = ln - 7 - h->nlen;
				if (h->tlen) {
					h->text++;
					h->tlen--;
				}
				if (h->nlen)
					nh++;
			}
			continue;
		}
		if (ln == 0 || (ln == 1 && line[0] == '\r'))
			continue;
		if (lm_parse_line(line, ln, l) != LM_WOK || l->name.n == 0
		    || l->name.n > LM_NAME_MAX) {
			st.invalid++;
			continue;
		}
		t = l->type;
		if (t == LM_TIMER || t == LM_TIMER_MS || t == LM_HISTO || t == LM_DIST)
			reserved = "le";
		if (labels(&a, l, reserved, &lo, &ll) < 0) {
			st.invalid++;
			continue;
		}
		bn = lm_name_sanitize(base, l->name.p, l->name.n);
		e = &ents[ne];
		memset(e, 0, sizeof *e);
		e->labo = lo;
		e->lablen = ll;
		e->baseo = a.len;
		e->baselen = (unsigned)bn;
		lm_buf_add(&a, base, bn);
		e->idx = idx;
		e->v = l->values[0];
		switch (t) {
		case LM_COUNTER:
			e->kind = K_COUNTER;
			e->role = R_C;
			e->famo = addname(&a, base, bn, "_total", om, &e->famlen);
			ne++;
			break;
		case LM_GAUGE:
			e->kind = K_GAUGE;
			e->role = R_G;
			e->famo = addname(&a, base, bn, "", 0, &e->famlen);
			ne++;
			break;
		case LM_TIMER:
		case LM_TIMER_MS:
		case LM_HISTO:
		case LM_DIST:
			sum = l->values[0];
			last = l->last;
			if (t == LM_TIMER_MS) {
				sum /= 1000;
				last /= 1000;
			}
			hd = t == LM_HISTO || t == LM_DIST;
			e->kind = K_HIST;
			e->role = hd ? R_H : R_T;
			e->v = sum;
			e->hk = nb;
			e->famo = addname(&a, base, bn, hd ? "" : "_seconds", 0, &e->famlen);
			if (hist(&hr[nb], l, findset(opt, l->name.p, l->name.n,
			    a.p + e->famo, e->famlen, hd), sets, &cumb, &natb) < 0)
				goto fail;
			nb++;
			ne++;
			if (l->has_last) {
				e[1] = e[0];
				e++;
				e->kind = K_GAUGE;
				e->role = hd ? R_HLAST : R_TLAST;
				e->v = last;
				e->famo = addname(&a, base, bn, hd ? "_last" : "_last_seconds", 0,
				    &e->famlen);
				ne++;
			}
			break;
		case LM_RATE:
			if (l->has_rps) {
				e->kind = K_GAUGE;
				e->role = R_RHZ;
				e->v = l->rps;
				e->famo = addname(&a, base, bn, "_hertz", 0, &e->famlen);
				ne++;
				e[1] = e[0];
				e++;
			}
			e->kind = K_COUNTER;
			e->role = R_RTOTAL;
			e->v = l->values[0];
			e->famo = addname(&a, base, bn, "_events_total", om, &e->famlen);
			ne++;
			break;
		default:
			st.invalid++;
			break;
		}
	}
	if (a.err || cumb.err || natb.err) {
		errno = a.err ? a.err : cumb.err ? cumb.err : natb.err;
		goto fail;
	}
	/* families, in order of appearance: the first line's type wins */
	ord = malloc((2 * ne + 1) * sizeof *ord);
	fams = malloc((ne + 1) * sizeof *fams);
	fo = malloc((2 * ne + 2) * sizeof *fo);
	for (hsize = 16; hsize < 2 * ne; hsize *= 2)
		;
	htab = malloc(hsize * sizeof *htab);
	if (!ord || !fams || !fo || !htab)
		goto fail;
	for (i = 0; i < hsize; i++)
		htab[i] = (size_t)-1;
	for (i = 0; i < ne; i++) {
		struct ent *e = &ents[i];
		e->fam = a.p + e->famo;
		e->lab = a.p + e->labo;
		e->base = a.p + e->baseo;
		for (j = hashstr(e->fam, e->famlen) & (hsize - 1); htab[j] != (size_t)-1;
		    j = (j + 1) & (hsize - 1)) {
			struct fam *f = &fams[htab[j]];
			if (f->len == e->famlen && memcmp(f->name, e->fam, f->len) == 0)
				break;
		}
		if (htab[j] == (size_t)-1) {
			struct fam *f = &fams[nf];
			htab[j] = nf++;
			f->name = e->fam;
			f->len = e->famlen;
			f->n = 0;
			f->first = e->idx;
			f->kind = e->kind;
			f->skip = 0;
		}
		e->famid = htab[j];
		fams[e->famid].n++;
	}
	/* families by name, entries grouped by family, then by labels */
	for (i = 0; i < nf; i++)
		fo[i] = &fams[i];
	msort((void **)fo, (void **)(fo + nf), nf, cmpfam);
	for (i = 0, j = 0; i < nf; i++) {
		fo[i]->lo = fo[i]->hi = j;
		j += fo[i]->n;
	}
	for (i = 0; i < ne; i++)
		ord[fams[ents[i].famid].hi++] = &ents[i];
	for (i = 0; i < nf; i++)
		if (fo[i]->n > 1)
			msort((void **)(ord + fo[i]->lo), (void **)(ord + ne), fo[i]->n, cmpent);
	if (nh)
		qsort(helps, nh, sizeof *helps, cmphelp);

	if (clashes(fo, nf, self, om) < 0)
		goto fail;
	/* other types and repeated label sets are skipped */
	for (i = 0; i < nf; i++) {
		struct fam *f = fo[i];
		const struct ent *prev = NULL;
		size_t kept = 0;
		for (j = f->lo; j < f->hi; j++) {
			struct ent *e = ord[j];
			if (f->skip || e->kind != f->kind || (prev && cmpstr(prev->lab,
			    prev->lablen, e->lab, e->lablen) == 0)) {
				e->skip = 1;
				st.skipped++;
				continue;
			}
			prev = e;
			kept++;
		}
		st.series += kept;
		if (kept)
			st.families++;
		else
			f->skip = 1;
	}

	/* write */
	if (!pb) {
		le = malloc(nle * sizeof *le);
		lel = malloc(nle * sizeof *lel);
		if (!le || !lel)
			goto fail;
		for (i = 0; i < nsets; i++)
			lestr(sets[i], le + lefirst[i], lel + lefirst[i], om);
	}
	si = 0;
	for (i = 0; i <= nf; i++) {
		const struct fam *f = i < nf ? fo[i] : NULL;
		const struct ent *e;
		const char *fam;
		size_t fl;

		if (f && f->skip)
			continue;
		while (self && si < NSELF && (!f || cmpstr(selfg[si].name,
		    strlen(selfg[si].name), ord[f->lo]->fam, ord[f->lo]->famlen) < 0)) {
			if (pb)
				pb_selffam(out, si++, &st);
			else
				selffam(out, si++, &st);
		}
		if (!f)
			break;
		for (j = f->lo; ord[j]->skip; j++)
			;
		e = ord[j];
		fam = e->fam;
		fl = e->famlen;
		if (pb) {
			pb_family(out, f, ord, j, e, helps, nh, hr, sets,
			    (const double *)cumb.p, (const struct lm_bk *)natb.p, &tmp);
			continue;
		}
		addhelp(out, fam, fl, e, helps, nh, om);
		lm_buf_add(out, "# TYPE ", 7);
		lm_buf_add(out, fam, fl);
		lm_buf_addc(out, ' ');
		lm_buf_adds(out, kname[f->kind]);
		lm_buf_addc(out, '\n');
		for (; j < f->hi; j++) {
			const struct hrec *h;
			e = ord[j];
			if (e->skip)
				continue;
			switch (f->kind) {
			case K_COUNTER:
				sample(out, fam, fl, "_total", om ? 6 : 0, e, e->v);
				break;
			case K_GAUGE:
				sample(out, fam, fl, "", 0, e, e->v);
				break;
			case K_HIST:
				h = &hr[e->hk];
				buckets(out, fam, fl, e, cumb.p ? (const double *)cumb.p + h->co : NULL,
				    sets[h->set]->n, h->total, le + lefirst[h->set],
				    lel + lefirst[h->set]);
				sample(out, fam, fl, "_sum", 4, e, e->v);
				sample(out, fam, fl, "_count", 6, e, h->total);
				break;
			}
		}
	}
	if (om)
		lm_buf_add(out, "# EOF\n", 6);
	if (out->err) {
		errno = out->err;
		goto fail;
	}
	rc = 0;
fail:
	if (stp)
		*stp = st;
	lm_buf_free(&a);
	lm_buf_free(&cumb);
	lm_buf_free(&natb);
	lm_buf_free(&tmp);
	free(hr);
	free(sets);
	free(lefirst);
	free(le);
	free(lel);
	free(l);
	free(ents);
	free(ord);
	free(helps);
	free(fams);
	free(fo);
	free(htab);
	return rc;
}
