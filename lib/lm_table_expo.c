/* lm_table_expo: the exposition, rendered from the table itself.
 *
 * Every series is a member of one or two families (lm_fam.h: a timer
 * makes a histogram and a gauge). A family is made when its first series
 * comes and freed when its last goes; it holds its members, in label
 * order once sorted (a series that comes in order keeps it sorted), and
 * per format the text it rendered last, valid until a member changes
 * (lm_xfam_touch) or, for histograms, the bucket options change. A
 * scrape copies the valid texts and renders the others: with nothing
 * changed, it is a memcpy per family. The families are ordered by name
 * once after the set of families changed, per format: a counter's
 * OpenMetrics name lacks _total, which can change its place.
 *
 * lmtabled's own families (lm_*: health, knobs, apps, lm_export_*) are
 * rendered every time; no app family starts with lm_ (lm_fam refuses
 * it), so they sit in one block between the app families before "lm_"
 * and those after. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lm_expo.h"
#include "lm_expo_int.h"
#include "lm_num.h"
#include "lm_pb.h"
#include "lm_table.h"
#include "lm_table_int.h"

/* what a series' family slot is: exposition kind, role, name suffix */
static const struct {
	unsigned char kind, role;
	const char *suf;
} slots[SK_RATE + 1][2] = {
	[SK_COUNTER] = { { K_COUNTER, R_C, "_total" }, { 0, 0, NULL } },
	[SK_GAUGE] = { { K_GAUGE, R_G, "" }, { 0, 0, NULL } },
	[SK_TIMER] = { { K_HIST, R_T, "_seconds" }, { K_GAUGE, R_TLAST, "_last_seconds" } },
	[SK_HISTO] = { { K_HIST, R_H, "" }, { K_GAUGE, R_HLAST, "_last" } },
	[SK_RATE] = { { K_GAUGE, R_RHZ, "_hertz" }, { K_COUNTER, R_RTOTAL, "_events_total" } },
};

static int cmpstr(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* name + suf (unless name ends with it) into d; its length */
static size_t famname(char *d, const char *name, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	memcpy(d, name, n);
	if (!(n >= k && memcmp(name + n - k, suf, k) == 0)) {
		memcpy(d + n, suf, k);
		n += k;
	}
	d[n] = 0;
	return n;
}

static size_t omlen(const char *name, size_t n, int kind)
{
	if (kind == K_COUNTER && n > 6 && memcmp(name + n - 6, "_total", 6) == 0)
		return n - 6;
	return n;
}

static struct xfam **xslot(struct lm_table *t, const char *name, size_t n)
{
	struct xfam **p = &t->xhash[lm_hash(LM_HASH0, name, n) & (t->xhsize - 1)];

	while (*p && ((*p)->len != n || memcmp((*p)->name, name, n)))
		p = &(*p)->hnext;
	return p;
}

static void xgrow(struct lm_table *t)
{
	size_t ns = t->xhsize * 2, i;
	struct xfam **h = calloc(ns, sizeof *h), *f, *n;

	if (!h)
		return;     /* longer chains, still correct */
	for (i = 0; i < t->xhsize; i++)
		for (f = t->xhash[i]; f; f = n) {
			struct xfam **b = &h[lm_hash(LM_HASH0, f->name, f->len) & (ns - 1)];
			n = f->hnext;
			f->hnext = *b;
			*b = f;
		}
	free(t->xhash);
	t->xhash = h;
	t->xhsize = ns;
}

static void xfree(struct xfam *f)
{
	int i;

	for (i = 0; i < XF_N; i++)
		lm_buf_free(&f->cache[i]);
	free(f->mem);
	free(f);
}

/* 1 when series a and b would have the same labels */
static int samelabels(const struct series *a, const struct series *b)
{
	return a->lablen == b->lablen && memcmp(a->lab, b->lab, a->lablen) == 0;
}

static int samename(const struct series *a, const struct series *b)
{
	return a->namelen == b->namelen && memcmp(a->key, b->key, a->namelen) == 0;
}

int lm_xfam_join(struct lm_table *t, struct series *s)
{
	char name[2][LM_NAME_MAX + 32];
	size_t len[2], k, i, nslot = slots[s->kind][1].suf ? 2 : 1;
	struct xfam *f[2];

	if (!t->xhash) {
		t->xhsize = 256;
		if (!(t->xhash = calloc(t->xhsize, sizeof *t->xhash)))
			return LM_RJ_SERIES;
	}
	/* check both before joining either */
	for (k = 0; k < nslot; k++) {
		len[k] = famname(name[k], s->key, s->namelen, slots[s->kind][k].suf);
		f[k] = *xslot(t, name[k], len[k]);
		if (!f[k] || !f[k]->n)
			continue;
		if (f[k]->kind != slots[s->kind][k].kind)
			return LM_RJ_CONFLICT;
		/* members of another name (a and a_total): one with these labels? */
		if (f[k]->mixed || !samename(f[k]->mem[0].s, s))
			for (i = 0; i < f[k]->n; i++)
				if (samelabels(f[k]->mem[i].s, s))
					return LM_RJ_CONFLICT;
	}
	for (k = 0; k < nslot; k++) {
		if (!f[k]) {
			f[k] = calloc(1, sizeof *f[k] + len[k] + 1);
			if (!f[k])
				goto undo;
			memcpy(f[k]->name, name[k], len[k] + 1);
			f[k]->len = len[k];
			f[k]->kind = slots[s->kind][k].kind;
			f[k]->omlen = omlen(name[k], len[k], f[k]->kind);
			f[k]->hot = slots[s->kind][k].role == R_RHZ;
			f[k]->sorted = 1;
			for (i = 0; i < XF_N; i++)
				lm_buf_init(&f[k]->cache[i], 0);
			f[k]->hnext = *xslot(t, name[k], len[k]);
			*xslot(t, name[k], len[k]) = f[k];
			t->nxfam++;
			t->xord_ok = 0;
		}
		if (f[k]->n == f[k]->cap) {
			size_t nc = f[k]->cap ? f[k]->cap * 2 : 4;
			struct xref *m = realloc(f[k]->mem, nc * sizeof *m);
			if (!m)
				goto undo;
			f[k]->mem = m;
			f[k]->cap = nc;
		}
		if (f[k]->n) {
			const struct series *last = f[k]->mem[f[k]->n - 1].s;
			if (!samename(f[k]->mem[0].s, s))
				f[k]->mixed = 1;
			if (cmpstr(last->lab, last->lablen, s->lab, s->lablen) > 0)
				f[k]->sorted = 0;
		}
		f[k]->mem[f[k]->n].s = s;
		f[k]->mem[f[k]->n].slot = (unsigned)k;
		f[k]->n++;
		f[k]->valid = 0;
		s->fam[k] = f[k];
	}
	if (t->nxfam > 2 * t->xhsize)
		xgrow(t);
	return 0;
undo:
	/* a family made for s and still empty goes, then s leaves the others */
	if (k < nslot && f[k] && !f[k]->n) {
		*xslot(t, f[k]->name, f[k]->len) = f[k]->hnext;
		xfree(f[k]);
		t->nxfam--;
	}
	lm_xfam_leave(t, s);
	return LM_RJ_SERIES;
}

/* Take s out of f; free f when empty. */
static void xcompact(struct lm_table *t, struct xfam *f, const struct series *s)
{
	size_t i, k;

	for (i = k = 0; i < f->n; i++)
		if (f->mem[i].s != s)
			f->mem[k++] = f->mem[i];
	f->n = k;
	f->valid = 0;
	if (k == 0) {
		struct xfam **p = xslot(t, f->name, f->len);
		*p = f->hnext;
		xfree(f);
		t->nxfam--;
		t->xord_ok = 0;
	}
}

void lm_xfam_leave(struct lm_table *t, struct series *s)
{
	struct xfam *f0 = s->fam[0], *f1 = s->fam[1];

	s->fam[0] = s->fam[1] = NULL;
	if (f0)
		xcompact(t, f0, s);
	if (f1 && f1 != f0)
		xcompact(t, f1, s);
}

void lm_xfam_leave_app(struct lm_table *t, struct app *a)
{
	struct xfam *dead = NULL, *f;
	struct series *s;
	unsigned stamp = ++t->xstamp;
	int k;

	for (s = a->first; s; s = s->anext)
		s->dropping = 1;
	/* each family of the app compacted once, the empty ones unlinked;
	 * none freed before every series forgot it */
	for (s = a->first; s; s = s->anext)
		for (k = 0; k < 2; k++) {
			size_t i, j;
			if (!(f = s->fam[k]) || f->mark == stamp)
				continue;
			f->mark = stamp;
			for (i = j = 0; i < f->n; i++)
				if (!f->mem[i].s->dropping)
					f->mem[j++] = f->mem[i];
			f->n = j;
			f->valid = 0;
			if (j == 0) {
				*xslot(t, f->name, f->len) = f->hnext;
				f->hnext = dead;
				dead = f;
				t->nxfam--;
				t->xord_ok = 0;
			}
		}
	for (s = a->first; s; s = s->anext)
		s->fam[0] = s->fam[1] = NULL;
	while ((f = dead)) {
		dead = f->hnext;
		xfree(f);
	}
}

void lm_xfam_free(struct lm_table *t)
{
	struct xfam *f, *n;
	size_t i;

	for (i = 0; i < t->xhsize; i++)
		for (f = t->xhash[i]; f; f = n) {
			n = f->hnext;
			xfree(f);
		}
	free(t->xhash);
	free(t->xord[0]);
	free(t->xord[1]);
	free(t->xopt);
}

/* ---- order ---- */

static int cmpmem(const void *x, const void *y)
{
	const struct xref *a = x, *b = y;

	return cmpstr(a->s->lab, a->s->lablen, b->s->lab, b->s->lablen);
}

static int cmpfam_text(const void *x, const void *y)
{
	const struct xfam *a = *(struct xfam *const *)x, *b = *(struct xfam *const *)y;

	return cmpstr(a->name, a->len, b->name, b->len);
}

static int cmpfam_om(const void *x, const void *y)
{
	const struct xfam *a = *(struct xfam *const *)x, *b = *(struct xfam *const *)y;

	return cmpstr(a->name, a->omlen, b->name, b->omlen);
}

static int order(struct lm_table *t)
{
	struct xfam **o[2], *f;
	size_t i, n = 0;

	if (t->xord_ok)
		return 0;
	o[0] = malloc((t->nxfam + 1) * sizeof *o[0]);
	o[1] = malloc((t->nxfam + 1) * sizeof *o[1]);
	if (!o[0] || !o[1]) {
		free(o[0]);
		free(o[1]);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < t->xhsize; i++)
		for (f = t->xhash[i]; f; f = f->hnext)
			o[0][n++] = f;
	memcpy(o[1], o[0], n * sizeof *o[0]);
	qsort(o[0], n, sizeof *o[0], cmpfam_text);
	qsort(o[1], n, sizeof *o[1], cmpfam_om);
	free(t->xord[0]);
	free(t->xord[1]);
	t->xord[0] = o[0];
	t->xord[1] = o[1];
	t->xord_ok = 1;
	return 0;
}

/* ---- rendering ---- */

/* what one scrape renders with */
struct rctx {
	int fmt;                        /* XF_* */
	const struct lm_expo_opt *opt;
	const struct lm_expo_le **sets;
	size_t nsets;
	char (*le)[LM_NUM_MAX + 4];     /* text: the le strings of every set */
	size_t *lel, *lefirst;
	struct lm_buf cumb, natb, tmp;
	double now;
};

/* ,k="v" (no comma when first), escaped as label values are */
static void labkv(struct lm_buf *b, const char *k, const char *v, size_t vn, int first)
{
	size_t j;

	if (!first)
		lm_buf_addc(b, ',');
	lm_buf_adds(b, k);
	lm_buf_add(b, "=\"", 2);
	for (j = 0; j < vn; j++) {
		char c = v[j];
		if (c == '\\' || c == '"' || c == '\n') {
			lm_buf_addc(b, '\\');
			c = c == '\n' ? 'n' : c;
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			c = ' ';
		}
		lm_buf_addc(b, c);
	}
	lm_buf_addc(b, '"');
}

/* HELP and TYPE lines, or a MetricFamily opened (its offset returned) */
static size_t head(struct lm_buf *b, struct rctx *r, const char *name, size_t n, int kind,
	const char *help, size_t hn, int role, const char *base, size_t bn)
{
	lm_buf_reset(&r->tmp);
	if (help)
		lm_expo_esc(&r->tmp, help, hn, r->fmt == XF_PB ? 2 : r->fmt == XF_OM);
	else
		lm_expo_defhelp(&r->tmp, role, base, bn);
	if (r->fmt == XF_PB)
		return lm_expo_pb_head(b, name, n, r->tmp.p, r->tmp.len, kind);
	lm_buf_add(b, "# HELP ", 7);
	lm_buf_add(b, name, n);
	lm_buf_addc(b, ' ');
	lm_buf_add(b, r->tmp.p ? r->tmp.p : "", r->tmp.len);
	lm_buf_add(b, "\n# TYPE ", 8);
	lm_buf_add(b, name, n);
	lm_buf_addc(b, ' ');
	lm_buf_adds(b, lm_expo_kname[kind]);
	lm_buf_addc(b, '\n');
	return 0;
}

/* one counter or gauge sample */
static void simple(struct lm_buf *b, struct rctx *r, const char *name, size_t n, int kind,
	const char *lab, size_t lablen, double v)
{
	if (r->fmt == XF_PB)
		lm_expo_pb_metric(b, kind, lab, lablen, v, NULL, NULL, NULL, NULL, &r->tmp);
	else
		lm_expo_sample(b, name, n, "_total", kind == K_COUNTER && r->fmt == XF_OM ? 6 : 0,
		    lab, lablen, v);
}

/* the le strings of every bound set, made on first need */
static int lestrings(struct rctx *r)
{
	size_t i, nle = 0;

	if (r->le)
		return 0;
	r->lefirst = malloc(r->nsets * sizeof *r->lefirst);
	for (i = 0; r->lefirst && i < r->nsets; i++) {
		r->lefirst[i] = nle;
		nle += r->sets[i]->n + 1;
	}
	r->le = malloc(nle * sizeof *r->le);
	r->lel = malloc(nle * sizeof *r->lel);
	if (!r->lefirst || !r->le || !r->lel) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < r->nsets; i++)
		lm_expo_lestr(r->sets[i], r->le + r->lefirst[i], r->lel + r->lefirst[i],
		    r->fmt == XF_OM);
	return 0;
}

static int histo(struct lm_buf *b, struct rctx *r, const struct xfam *f, const struct series *s)
{
	const char *name = f->name;
	size_t n = f->len, set = lm_expo_findset(r->opt, s->key, s->namelen, name, n,
	    s->kind == SK_HISTO);
	const struct lm_expo_le *le = r->sets[set];
	struct hrec h;

	lm_buf_reset(&r->cumb);
	lm_buf_reset(&r->natb);
	if (lm_expo_hrec(&h, &s->u.h, set, le, &r->cumb, &r->natb) < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (r->fmt == XF_PB) {
		lm_expo_pb_metric(b, K_HIST, s->lab, s->lablen, s->v, &h,
		    (const double *)r->cumb.p, le, (const struct lm_bk *)r->natb.p, &r->tmp);
		return 0;
	}
	if (lestrings(r) < 0)
		return -1;
	lm_expo_buckets(b, name, n, s->lab, s->lablen, (const double *)r->cumb.p, le->n,
	    h.total, r->le + r->lefirst[set], r->lel + r->lefirst[set]);
	lm_expo_sample(b, name, n, "_sum", 4, s->lab, s->lablen, s->v);
	lm_expo_sample(b, name, n, "_count", 6, s->lab, s->lablen, h.total);
	return 0;
}

/* the value a series shows in its family slot k (not histograms) */
static double value(struct lm_table *t, struct series *s, unsigned k, double now)
{
	if (s->kind == SK_RATE)
		return k == 0 ? lm_rate_now(t, s, now) : s->v;
	if (k == 1)     /* the last observation, within the extremes */
		return s->last < s->u.h.min ? s->u.h.min : s->last > s->u.h.max ?
		    s->u.h.max : s->last;
	return s->v;
}

static int render_fam(struct lm_table *t, struct xfam *f, struct rctx *r, struct lm_buf *b)
{
	size_t n = r->fmt == XF_OM ? f->omlen : f->len, i, mf;
	const struct series *s0;

	if (!f->sorted) {
		qsort(f->mem, f->n, sizeof *f->mem, cmpmem);
		f->sorted = 1;
	}
	s0 = f->mem[0].s;
	mf = head(b, r, f->name, n, f->kind, NULL, 0,
	    slots[s0->kind][f->mem[0].slot].role, s0->key, s0->namelen);
	for (i = 0; i < f->n; i++) {
		struct series *s = f->mem[i].s;
		if (f->kind == K_HIST) {
			if (histo(b, r, f, s) < 0)
				return -1;
		} else {
			simple(b, r, f->name, n, f->kind, s->lab, s->lablen,
			    value(t, s, f->mem[i].slot, r->now));
		}
	}
	if (r->fmt == XF_PB)
		lm_pb_close(b, mf);
	return b->err ? (errno = b->err, -1) : 0;
}

/* one app family into out, from its cache when that is current */
static int put_fam(struct lm_table *t, struct xfam *f, struct rctx *r, struct lm_buf *out)
{
	struct lm_buf *c = &f->cache[r->fmt];

	if (!(f->valid & 1u << r->fmt)) {
		lm_buf_reset(c);
		if (render_fam(t, f, r, c) < 0)
			return -1;
		if (!f->hot) {
			f->valid |= 1u << r->fmt;
			/* kept: no room to spare (a buffer grows by doubling) */
			if (c->cap > c->len + c->len / 8 + 64) {
				char *p = realloc(c->p, c->len + 1);
				if (p) {
					c->p = p;
					c->cap = c->len + 1;
				}
			}
		}
	}
	return lm_buf_add(out, c->p, c->len);
}

/* ---- lmtabled's own families ---- */

/* labelled values of one family of the block: the labels at offset lo of
 * the arena, at lp once it is whole */
struct brow { size_t lo, ln; const char *lp; double v; };

struct bfam {
	const char *name, *help;
	size_t len, omlen;
	int kind;
	size_t first, n;    /* rows[first .. first + n) */
};

static int cmprow(const void *x, const void *y)
{
	const struct brow *a = x, *b = y;

	return cmpstr(a->lp, a->ln, b->lp, b->ln);
}

static int cmpbfam_text(const void *x, const void *y)
{
	const struct bfam *a = x, *b = y;

	return cmpstr(a->name, a->len, b->name, b->len);
}

static int cmpbfam_om(const void *x, const void *y)
{
	const struct bfam *a = x, *b = y;

	return cmpstr(a->name, a->omlen, b->name, b->omlen);
}

#define BFAM_MAX (LM_HROWS_MAX + 16)

static int block(struct lm_table *t, struct rctx *r, struct lm_buf *out, size_t series)
{
	struct lm_hrow hr[LM_HROWS_MAX];
	struct bfam bf[BFAM_MAX];
	struct lm_buf lab, nm;
	struct brow *rows;
	struct lm_expo_stats st;
	size_t nh = lm_health_rows(t, hr), nrows = nh + 2 * t->nknobs + 2 * t->napps;
	size_t nb = 0, nr = 0, i, j, pass;
	struct app *a;
	int rc = -1;

	memset(&st, 0, sizeof st);
	st.series = series;
	rows = malloc((nrows + 1) * sizeof *rows);
	lm_buf_init(&lab, 0);
	lm_buf_init(&nm, 0);
	if (!rows)
		goto fail;
	/* health: a family per name, in dump order; counters get _total */
	for (i = 0; i < nh; i++) {
		if (hr[i].help) {
			struct bfam *b = &bf[nb++];
			b->name = NULL;
			b->help = hr[i].help;
			b->kind = hr[i].type == LM_COUNTER ? K_COUNTER : K_GAUGE;
			b->first = nr;
			b->n = 0;
			b->len = nm.len;    /* offset for now */
			lm_buf_adds(&nm, hr[i].name);
			b->omlen = nm.len - b->len;
			if (b->kind == K_COUNTER)
				lm_buf_adds(&nm, "_total");
			lm_buf_addc(&nm, 0);
		}
		rows[nr].lo = lab.len;
		if (hr[i].lk)
			labkv(&lab, hr[i].lk, hr[i].lv, strlen(hr[i].lv), 1);
		rows[nr].ln = lab.len - rows[nr].lo;
		rows[nr].v = hr[i].v;
		nr++;
		bf[nb - 1].n++;
	}
	/* knobs: numbers, strings, when set */
	for (pass = 0; pass < 3; pass++) {
		static const char *const kn[] = { "lm_knob", "lm_knob_info", "lm_knob_set_timestamp_seconds" };
		static const char *const kh[] = { "Knobs set for apps (numbers).",
			"Knobs set for apps (strings, in the value label).",
			"Unix time a knob was last set." };
		struct bfam *b = &bf[nb];
		b->first = nr;
		b->n = 0;
		for (i = 0; i < t->nknobs; i++) {
			const struct knob *k = &t->knobs[i];
			double v;
			int num = lm_parse_double(k->value, strlen(k->value), &v) == 0;
			if ((pass == 0 && !num) || (pass == 1 && num))
				continue;
			rows[nr].lo = lab.len;
			labkv(&lab, "app", k->app, strlen(k->app), 1);
			labkv(&lab, "knob", k->name, strlen(k->name), 0);
			if (pass == 1)
				labkv(&lab, "value", k->value, strlen(k->value), 0);
			rows[nr].ln = lab.len - rows[nr].lo;
			rows[nr].v = pass == 0 ? v : pass == 1 ? 1 : floor(k->wall * 1000) / 1000;
			nr++;
			b->n++;
		}
		if (!b->n)
			continue;
		b->name = kn[pass];
		b->help = kh[pass];
		b->kind = K_GAUGE;
		nb++;
	}
	/* apps */
	for (pass = 0; pass < 2 && t->napps; pass++) {
		struct bfam *b = &bf[nb++];
		b->name = pass ? "lm_app_up" : "lm_app_last_update_timestamp_seconds";
		b->help = pass ? "1 while a process of the app lives or it sends within its TTL;"
		    " 0 while its last values are still served." : "Unix time of the app's last update.";
		b->kind = K_GAUGE;
		b->first = nr;
		b->n = 0;
		for (a = t->apps; a; a = a->next) {
			rows[nr].lo = lab.len;
			lm_buf_add(&lab, a->lab, a->lablen);
			rows[nr].ln = a->lablen;
			rows[nr].v = pass ? lm_app_is_up(a) : floor(a->wall * 1000) / 1000;
			nr++;
			b->n++;
		}
	}
	if (lab.err || nm.err) {
		errno = lab.err ? lab.err : nm.err;
		goto fail;
	}
	for (i = 0; i < nb; i++) {
		if (!bf[i].name) {
			bf[i].name = nm.p + bf[i].len;
			bf[i].len = strlen(bf[i].name);
		} else {
			bf[i].len = bf[i].omlen = strlen(bf[i].name);
		}
		if (bf[i].kind != K_COUNTER)
			bf[i].omlen = bf[i].len;
	}
	/* lmexport's own gauges */
	for (i = 0; i < LM_EXPO_NSELF; i++) {
		bf[nb].name = lm_expo_self[i].name;
		bf[nb].len = bf[nb].omlen = strlen(bf[nb].name);
		bf[nb].help = NULL;
		bf[nb].kind = K_GAUGE;
		bf[nb].first = i;   /* which one */
		bf[nb].n = 0;
		nb++;
	}
	qsort(bf, nb, sizeof *bf, r->fmt == XF_OM ? cmpbfam_om : cmpbfam_text);
	for (i = 0; i < nr; i++)
		rows[i].lp = lab.p ? lab.p + rows[i].lo : "";
	for (i = 0; i < nb; i++) {
		const struct bfam *b = &bf[i];
		size_t n = r->fmt == XF_OM ? b->omlen : b->len, mf;
		if (!b->help) {     /* one of lmexport's own */
			if (r->fmt == XF_PB)
				lm_expo_pb_self(out, b->first, &st);
			else
				lm_expo_selffam(out, b->first, &st);
			continue;
		}
		if (b->n > 1)
			qsort(rows + b->first, b->n, sizeof *rows, cmprow);
		mf = head(out, r, b->name, n, b->kind, b->help, strlen(b->help), 0, NULL, 0);
		for (j = b->first; j < b->first + b->n; j++)
			simple(out, r, b->name, n, b->kind, rows[j].lp, rows[j].ln, rows[j].v);
		if (r->fmt == XF_PB)
			lm_pb_close(out, mf);
	}
	rc = out->err ? (errno = out->err, -1) : 0;
fail:
	free(rows);
	lm_buf_free(&lab);
	lm_buf_free(&nm);
	return rc;
}

static size_t health_series(struct lm_table *t)
{
	struct lm_hrow hr[LM_HROWS_MAX];

	return lm_health_rows(t, hr) + 2 * t->nknobs + 2 * t->napps;
}

int lm_table_expo(struct lm_table *t, struct lm_buf *out, int flags,
	const struct lm_expo_opt *opt, const char *okey, double now)
{
	struct rctx r;
	struct xfam **ord;
	size_t i, nsets, series = 0, lmpos;
	int rc = -1;

	memset(&r, 0, sizeof r);
	r.fmt = flags & LM_EXPO_PB ? XF_PB : flags & LM_EXPO_OM ? XF_OM : XF_TEXT;
	r.opt = opt;
	r.now = now;
	lm_buf_init(&r.cumb, 0);
	lm_buf_init(&r.natb, 0);
	lm_buf_init(&r.tmp, 0);
	if (!okey)
		okey = "";
	if (!t->xopt || strcmp(t->xopt, okey)) {
		/* other bounds: the histograms' texts are stale */
		char *k = malloc(strlen(okey) + 1);
		if (!k) {
			errno = ENOMEM;
			return -1;
		}
		strcpy(k, okey);
		free(t->xopt);
		t->xopt = k;
		for (i = 0; i < t->xhsize; i++) {
			struct xfam *f;
			for (f = t->xhash[i]; f; f = f->hnext)
				if (f->kind == K_HIST)
					f->valid = 0;
		}
	}
	nsets = 2 + (opt ? opt->nsets : 0);
	r.sets = malloc(nsets * sizeof *r.sets);
	if (!r.sets || order(t) < 0)
		goto fail;
	r.nsets = nsets;
	r.sets[0] = opt && opt->timer_le ? opt->timer_le : &lm_expo_timer_le;
	r.sets[1] = opt && opt->hist_le ? opt->hist_le : &lm_expo_hist_le;
	for (i = 2; i < nsets; i++)
		r.sets[i] = &opt->sets[i - 2];
	ord = t->xord[r.fmt == XF_OM];
	for (i = 0; i < t->nxfam; i++)
		series += ord[i]->n;
	series += health_series(t);
	/* app families before "lm_", lmtabled's own, the others */
	for (lmpos = 0; lmpos < t->nxfam && cmpstr(ord[lmpos]->name,
	    r.fmt == XF_OM ? ord[lmpos]->omlen : ord[lmpos]->len, "lm_", 3) < 0; lmpos++)
		;
	for (i = 0; i <= t->nxfam; i++) {
		if (i == lmpos && block(t, &r, out, series) < 0)
			goto fail;
		if (i < t->nxfam && put_fam(t, ord[i], &r, out) < 0)
			goto fail;
	}
	if (r.fmt == XF_OM)
		lm_buf_add(out, "# EOF\n", 6);
	if (out->err) {
		errno = out->err;
		goto fail;
	}
	rc = 0;
fail:
	free(r.sets);
	free(r.le);
	free(r.lel);
	free(r.lefirst);
	lm_buf_free(&r.cumb);
	lm_buf_free(&r.natb);
	lm_buf_free(&r.tmp);
	return rc;
}
