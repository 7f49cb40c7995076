/* lm_expo: table dump -> Prometheus text 0.0.4 / OpenMetrics 1.0 text /
 * delimited protobuf.
 *
 * One pass parses the dump into entries (one per exposed series: a timer
 * line gives a histogram and a gauge), each with its family name and its
 * labels already rendered into an arena; a histogram line also leaves its
 * classic cumulative counts and its fine buckets in arenas of their own.
 * The entries are sorted by (family, labels, line number); a family takes
 * the type of its first line, other types and duplicate label sets are
 * skipped. Families whose names or sample names clash with an earlier
 * family's are skipped too.
 * Then one pass writes: text here, protobuf in lm_expo_pb.c. Numbers go
 * through lm_fmt_double, never printf. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_expo.h"
#include "lm_expo_int.h"
#include "lm_hash.h"
#include "lm_hist.h"
#include "lm_num.h"
#include "lm_wire.h"

const char *const lm_expo_kname[3] = { "counter", "gauge", "histogram" };
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

struct nm { const char *p; size_t o, n; unsigned first; size_t fam; };

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
	uint64_t h = lm_hash(LM_HASH0, s, n);

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
void lm_expo_esc(struct lm_buf *b, const char *s, size_t n, int quote)
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

void lm_expo_helptext(struct lm_buf *b, const struct ent *e, const struct help *h,
	size_t nh, int quote)
{
	struct help key, *hit = NULL;

	key.name = e->base;
	key.nlen = e->baselen;
	if (nh)
		hit = bsearch(&key, h, nh, sizeof *h, cmphelp);
	if (hit && hit->tlen) {
		lm_expo_esc(b, hit->text, hit->tlen, quote);
		lm_buf_adds(b, rsuffix[e->role]);
	} else {
		lm_expo_defhelp(b, e->role, e->base, e->baselen);
	}
}

void lm_expo_defhelp(struct lm_buf *b, int role, const char *base, size_t bn)
{
	lm_buf_adds(b, "livemetrics ");
	lm_buf_adds(b, rwhat[role]);
	lm_buf_addc(b, ' ');
	lm_buf_add(b, base, bn);
	lm_buf_adds(b, rtail[role]);
}

static void addhelp(struct lm_buf *b, const char *fam, size_t famlen,
	const struct ent *e, const struct help *h, size_t nh, int om)
{
	lm_buf_add(b, "# HELP ", 7);
	lm_buf_add(b, fam, famlen);
	lm_buf_addc(b, ' ');
	lm_expo_helptext(b, e, h, nh, om ? 1 : 0);
	lm_buf_addc(b, '\n');
}

/* name+suf{labels} value */
void lm_expo_sample(struct lm_buf *b, const char *name, size_t nn, const char *suf,
	size_t sl, const char *lab, size_t lablen, double v)
{
	char *d;

	if (lm_buf_reserve(b, nn + sl + lablen + 4 + LM_NUM_MAX) < 0)
		return;
	d = put(b->p + b->len, name, nn);
	d = put(d, suf, sl);
	if (lablen) {
		*d++ = '{';
		d = put(d, lab, lablen);
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
void lm_expo_buckets(struct lm_buf *b, const char *name, size_t nn, const char *lab,
	size_t lablen, const double *cum, size_t n, double total,
	char le[][LM_NUM_MAX + 4], const size_t *lel)
{
	size_t i, pl = nn + 8 + lablen + 5;   /* name_bucket{labels,le=" */
	char *d, *pre;

	if (lm_buf_reserve(b, (n + 1) * (pl + LM_NUM_MAX + 4 + LM_NUM_MAX)) < 0)
		return;
	pre = d = b->p + b->len;
	d = put(d, name, nn);
	d = put(d, "_bucket{", 8);
	d = put(d, lab, lablen);
	if (lablen)
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

/* lmexport's own gauges, sorted by name */
const struct lm_expo_self lm_expo_self[LM_EXPO_NSELF] = {
	{ "lm_export_dump_bytes", "Bytes of table dump lmexport read for this scrape.",
		offsetof(struct lm_expo_stats, bytes) },
	{ "lm_export_lines_invalid", "Table dump lines lmexport could not parse or label.",
		offsetof(struct lm_expo_stats, invalid) },
	{ "lm_export_series", "Series lmexport wrote, its own excluded.",
		offsetof(struct lm_expo_stats, series) },
	{ "lm_export_series_skipped", "Series lmexport left out: name or type clash, or duplicate.",
		offsetof(struct lm_expo_stats, skipped) },
};

double lm_expo_selfval(size_t i, const struct lm_expo_stats *st)
{
	size_t v;

	memcpy(&v, (const char *)st + lm_expo_self[i].off, sizeof v);
	return (double)v;
}

void lm_expo_selffam(struct lm_buf *b, size_t i, const struct lm_expo_stats *st)
{
	lm_buf_add(b, "# HELP ", 7);
	lm_buf_adds(b, lm_expo_self[i].name);
	lm_buf_addc(b, ' ');
	lm_buf_adds(b, lm_expo_self[i].help);
	lm_buf_add(b, "\n# TYPE ", 8);
	lm_buf_adds(b, lm_expo_self[i].name);
	lm_buf_adds(b, " gauge\n");
	lm_buf_adds(b, lm_expo_self[i].name);
	lm_buf_addc(b, ' ');
	lm_buf_addnum(b, lm_expo_selfval(i, st));
	lm_buf_addc(b, '\n');
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

	max = nf * 5 + LM_EXPO_NSELF;
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
	for (i = 0; self && i < LM_EXPO_NSELF; i++) {
		v[n].o = a.len;
		lm_buf_adds(&a, lm_expo_self[i].name);
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
void lm_expo_lestr(const struct lm_expo_le *set, char le[][LM_NUM_MAX + 4], size_t *lel, int om)
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
size_t lm_expo_findset(const struct lm_expo_opt *opt, const char *wire, size_t wn,
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

int lm_expo_hrec(struct hrec *r, const struct lm_hist *h, size_t setidx,
	const struct lm_expo_le *set, struct lm_buf *cumb, struct lm_buf *natb)
{
	struct natctx c;
	size_t i;
	double v;

	r->set = setidx;
	r->co = cumb->len / sizeof v;
	r->total = lm_hist_total(h);
	for (i = 0; i < set->n; i++) {
		/* fractional counts summed in another order than the total's
		 * may pass it by a rounding: a bucket never holds more than the
		 * count (clamping keeps the cumulative counts monotonic) */
		v = lm_hist_cum(h, set->le[i]);
		if (v > r->total)
			v = r->total;
		lm_buf_add(cumb, &v, sizeof v);
	}
	r->no = natb->len / sizeof(struct lm_bk);
	c.nat = natb;
	c.nneg = c.npos = 0;
	c.zero = 0;
	c.whole = 1;
	lm_hist_each(h, natvisit, &c);
	r->nneg = c.nneg;
	r->npos = c.npos;
	r->zero = c.zero;
	r->whole = c.whole && r->total == floor(r->total) && r->total < 9007199254740992.0;
	return cumb->err || natb->err ? -1 : 0;
}

/* Load the histogram of l into r (lm_expo_hrec). 0, -1 out of memory. */
static int hist(struct hrec *r, const struct lm_line *l, size_t set,
	const struct lm_expo_le **sets, struct lm_buf *cumb, struct lm_buf *natb)
{
	struct lm_hist h;

	lm_hist_init(&h);
	if (lm_line_hist(l, &h, 1) < 0) {
		lm_hist_free(&h);
		errno = ENOMEM;
		return -1;
	}
	lm_expo_hrec(r, &h, set, sets[set], cumb, natb);
	lm_hist_free(&h);
	return 0;
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
	for (i = 2; i < nsets; i++)
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
			if (hist(&hr[nb], l, lm_expo_findset(opt, l->name.p, l->name.n,
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
			lm_expo_lestr(sets[i], le + lefirst[i], lel + lefirst[i], om);
	}
	si = 0;
	for (i = 0; i <= nf; i++) {
		const struct fam *f = i < nf ? fo[i] : NULL;
		const struct ent *e;
		const char *fam;
		size_t fl;

		if (f && f->skip)
			continue;
		while (self && si < LM_EXPO_NSELF && (!f || cmpstr(lm_expo_self[si].name,
		    strlen(lm_expo_self[si].name), ord[f->lo]->fam, ord[f->lo]->famlen) < 0)) {
			if (pb)
				lm_expo_pb_self(out, si++, &st);
			else
				lm_expo_selffam(out, si++, &st);
		}
		if (!f)
			break;
		for (j = f->lo; ord[j]->skip; j++)
			;
		e = ord[j];
		fam = e->fam;
		fl = e->famlen;
		if (pb) {
			lm_expo_pb_family(out, f, ord, j, helps, nh, hr, sets,
			    (const double *)cumb.p, (const struct lm_bk *)natb.p, &tmp);
			continue;
		}
		addhelp(out, fam, fl, e, helps, nh, om);
		lm_buf_add(out, "# TYPE ", 7);
		lm_buf_add(out, fam, fl);
		lm_buf_addc(out, ' ');
		lm_buf_adds(out, lm_expo_kname[f->kind]);
		lm_buf_addc(out, '\n');
		for (; j < f->hi; j++) {
			const struct hrec *h;
			e = ord[j];
			if (e->skip)
				continue;
			switch (f->kind) {
			case K_COUNTER:
				lm_expo_sample(out, fam, fl, "_total", om ? 6 : 0, e->lab, e->lablen, e->v);
				break;
			case K_GAUGE:
				lm_expo_sample(out, fam, fl, "", 0, e->lab, e->lablen, e->v);
				break;
			case K_HIST:
				h = &hr[e->hk];
				lm_expo_buckets(out, fam, fl, e->lab, e->lablen, cumb.p ? (const double *)cumb.p + h->co : NULL,
				    sets[h->set]->n, h->total, le + lefirst[h->set],
				    lel + lefirst[h->set]);
				lm_expo_sample(out, fam, fl, "_sum", 4, e->lab, e->lablen, e->v);
				lm_expo_sample(out, fam, fl, "_count", 6, e->lab, e->lablen, h->total);
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
