/* lm_top: the view behind `lmhook top` (lm_top.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_hash.h"
#include "lm_hist.h"
#include "lm_top.h"
#include "lm_wire.h"

#define KEY_MAX (2 * LM_LINE_MAX + 16)

struct ent {
	char *key;            /* kind byte, app \0 id \0 the other identity tags */
	size_t klen;
	int seen, have;       /* in this dump; a state to compare with */
	double total;         /* counter, rate: the last total */
	struct lm_hist h;     /* timer, histogram: the last state */
	size_t mi;            /* its app in m[] */
	struct lm_top_row row;
};

struct mem {
	char app[LM_TAGVAL_MAX + 1];
	double rss, gpu;
};

struct lm_top {
	struct ent *e;
	size_t n, cap;
	size_t *slot;         /* open addressing: index + 1, 0 empty */
	size_t nslot;         /* a power of two, at least twice n */
	struct mem *m;
	size_t nm, capm, hint;   /* hint: the app last found */
	struct lm_top_row *rows;
	size_t nrows;
	double last;          /* when the last dump was read */
	int fed;
	char key[KEY_MAX];
	char id[KEY_MAX];
	struct lm_line line;
};

struct lm_top *lm_top_new(void)
{
	return calloc(1, sizeof(struct lm_top));
}

void lm_top_free(struct lm_top *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->e[i].key);
		lm_hist_free(&t->e[i].h);
	}
	free(t->e);
	free(t->slot);
	free(t->m);
	free(t->rows);
	free(t);
}

static size_t slot_of(const struct lm_top *t, const char *k, size_t n)
{
	size_t i = (size_t)lm_hash(LM_HASH0, k, n) & (t->nslot - 1);

	while (t->slot[i]) {
		const struct ent *e = &t->e[t->slot[i] - 1];
		if (e->klen == n && !memcmp(e->key, k, n))
			break;
		i = (i + 1) & (t->nslot - 1);
	}
	return i;
}

/* the index over e[0..n) made again with room for twice n; 0 or -1 */
static int reindex(struct lm_top *t, size_t want)
{
	size_t ns = 64, i;
	size_t *s;

	while (ns < 2 * want)
		ns *= 2;
	if (!(s = calloc(ns, sizeof *s)))
		return -1;
	free(t->slot);
	t->slot = s;
	t->nslot = ns;
	for (i = 0; i < t->n; i++)
		t->slot[slot_of(t, t->e[i].key, t->e[i].klen)] = i + 1;
	return 0;
}

/* p (n items of size bytes, room for *cap) with room for one more:
 * itself, or moved with *cap doubled (from first); NULL out of memory
 * (p untouched) */
static void *room(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c = *cap ? *cap * 2 : first;

	if (n < *cap)
		return p;
	if (!(p = realloc(p, c * size)))
		return NULL;
	*cap = c;
	return p;
}

static struct ent *find(struct lm_top *t, const char *k, size_t n, int *err)
{
	size_t i;
	struct ent *e;

	if (t->nslot) {
		i = slot_of(t, k, n);
		if (t->slot[i])
			return &t->e[t->slot[i] - 1];
	}
	if (t->n >= LM_TOP_SERIES_MAX) {
		*err = E2BIG;
		return NULL;
	}
	if (!(e = room(t->e, &t->cap, t->n, sizeof *t->e, 64)))
		goto oom;
	t->e = e;
	if (2 * (t->n + 1) > t->nslot && reindex(t, t->n + 1) < 0)
		goto oom;
	e = &t->e[t->n];
	memset(e, 0, sizeof *e);
	lm_hist_init(&e->h);
	if (!(e->key = malloc(n)))
		goto oom;
	memcpy(e->key, k, n);
	e->klen = n;
	t->slot[slot_of(t, k, n)] = ++t->n;
	return e;
oom:
	*err = ENOMEM;
	return NULL;
}

/* the app's entry in m[], made when new; the last one found is tried
 * first (a dump lists an app's series together) */
static int is_app(const struct mem *m, const struct lm_str *app)
{
	return strlen(m->app) == app->n && !memcmp(m->app, app->p, app->n);
}

static struct mem *mem_of(struct lm_top *t, const struct lm_str *app)
{
	struct mem *m;
	size_t i;

	if (t->hint < t->nm && is_app(&t->m[t->hint], app))
		return &t->m[t->hint];
	for (i = 0; i < t->nm; i++)
		if (is_app(&t->m[i], app))
			return &t->m[t->hint = i];
	if (app->n > LM_TAGVAL_MAX || !(m = room(t->m, &t->capm, t->nm, sizeof *t->m, 16)))
		return NULL;
	t->m = m;
	memcpy(t->m[t->nm].app, app->p, app->n);
	t->m[t->nm].app[app->n] = 0;
	t->m[t->nm].rss = t->m[t->nm].gpu = NAN;
	t->hint = t->nm;
	return &t->m[t->nm++];
}

/* the app's memory from lmprobe's lines: 1 when l is one of them */
static int memline(struct mem *m, const struct lm_line *l)
{
	int rss;
	size_t i;

	if (lm_type_kind(l->type) != LM_GAUGE)
		return 0;
	if (l->name.n == strlen(LM_TOP_RSS) && !memcmp(l->name.p, LM_TOP_RSS, l->name.n))
		rss = 1;
	else if (l->name.n == strlen(LM_TOP_GPU) && !memcmp(l->name.p, LM_TOP_GPU, l->name.n))
		rss = 0;
	else
		return 0;
	for (i = 0; i < l->ntags; i++)
		if (!lm_tag_identity(&l->tags[i].k))
			return 0;   /* one GPU's share: a row of its own */
	if (rss)
		m->rss = l->values[0];
	else
		m->gpu = l->values[0];
	return 1;
}

/* the row of e from line l, dt seconds after the last dump (NaN: none) */
static int update(struct ent *e, const struct lm_line *l, double dt)
{
	struct lm_top_row *r = &e->row;
	double v = l->values[0];

	r->rate = r->last = r->p50 = r->p95 = NAN;
	switch (r->kind) {
	case LM_GAUGE:
		r->last = v;
		break;
	case LM_COUNTER:
	case LM_RATE:
		r->last = v;
		if (e->have && dt > 0)
			r->rate = (v >= e->total ? v - e->total : v) / dt;   /* less: it started over */
		else if (l->has_rps)
			r->rate = l->rps;
		e->total = v;
		break;
	default: {
		struct lm_hist cur, d;
		lm_hist_init(&cur);
		lm_hist_init(&d);
		if (lm_line_hist(l, &cur, 1) < 0)
			goto oom;
		if (l->has_last)
			r->last = l->last;
		if (e->have && dt > 0) {
			if (cur.count >= e->h.count ? lm_hist_diff(&d, &cur, &e->h) < 0 :
			    lm_hist_copy(&d, &cur) < 0)
				goto oom;
			r->rate = d.count / dt;
			if (d.count > 0) {
				r->p50 = lm_hist_quantile(&d, 0.5);
				r->p95 = lm_hist_quantile(&d, 0.95);
			}
			lm_hist_free(&d);
		}
		lm_hist_free(&e->h);
		e->h = cur;
		break;
	oom:
		lm_hist_free(&cur);
		lm_hist_free(&d);
		return -1;
	}
	}
	e->have = 1;
	return 0;
}

long lm_top_feed(struct lm_top *t, const char *dump, size_t len, double now)
{
	struct lm_line *l = &t->line;
	size_t pos = 0, n, i, j;
	const char *p;
	double dt = t->fed ? now - t->last : NAN;
	int err = 0;

	for (i = 0; i < t->n; i++)
		t->e[i].seen = 0;
	t->nm = 0;
	while (lm_next_line(dump, len, &pos, &p, &n)) {
		struct lm_str app;
		struct ent *e;
		struct mem *m;
		size_t k, idn;

		if (n == 0 || p[0] == '#' || lm_parse_line(p, n, l) != LM_WOK)
			continue;
		if (!lm_line_tag(l, "app", &app) || (l->name.n >= 3 && !memcmp(l->name.p, "lm_", 3)))
			continue;
		if (!(m = mem_of(t, &app))) {
			if (app.n <= LM_TAGVAL_MAX)
				err = ENOMEM;
			continue;
		}
		if (memline(m, l))
			continue;
		idn = lm_line_id(l, t->id, sizeof t->id);
		if (idn >= sizeof t->id || app.n + idn + 3 > sizeof t->key)
			continue;
		t->key[0] = (char)('0' + lm_type_kind(l->type));
		memcpy(t->key + 1, app.p, app.n);
		t->key[app.n + 1] = 0;
		memcpy(t->key + app.n + 2, t->id, idn + 1);
		k = app.n + idn + 3;
		for (i = 0; i < l->ntags; i++) {
			const struct lm_tag *g = &l->tags[i];
			if (!lm_tag_identity(&g->k) || (g->k.n == 3 && !memcmp(g->k.p, "app", 3)))
				continue;
			if (k + g->k.n + g->v.n + 2 > sizeof t->key)
				break;
			memcpy(t->key + k, g->k.p, g->k.n);
			k += g->k.n;
			t->key[k++] = '=';
			memcpy(t->key + k, g->v.p, g->v.n);
			k += g->v.n;
			t->key[k++] = ',';
		}
		if (!(e = find(t, t->key, k, &err))) {
			if (err == ENOMEM)
				break;
			continue;
		}
		if (e->seen)
			continue;   /* the same series twice: the first counts */
		e->seen = 1;
		e->mi = (size_t)(m - t->m);
		e->row.app = e->key + 1;
		e->row.metric = e->key + app.n + 2;
		e->row.kind = lm_type_kind(l->type);
		if (update(e, l, dt) < 0) {
			err = ENOMEM;
			break;
		}
	}
	/* forget the series that are gone; the rows are the rest */
	for (i = j = 0; i < t->n; i++) {
		if (!t->e[i].seen && err != ENOMEM) {
			free(t->e[i].key);
			lm_hist_free(&t->e[i].h);
			continue;
		}
		t->e[j++] = t->e[i];
	}
	t->n = j;
	if (reindex(t, t->n) < 0)
		err = ENOMEM;
	free(t->rows);
	t->nrows = 0;
	if (t->n && !(t->rows = malloc(t->n * sizeof *t->rows)))
		err = ENOMEM;
	for (i = 0; t->rows && i < t->n; i++) {
		struct lm_top_row *r = &t->rows[t->nrows++];
		const struct mem *m = t->e[i].seen ? &t->m[t->e[i].mi] : NULL;
		*r = t->e[i].row;
		r->rss = m ? m->rss : NAN;
		r->gpu = m ? m->gpu : NAN;
	}
	t->last = now;
	t->fed = 1;
	if (err) {
		errno = err;
		return -1;
	}
	return (long)t->nrows;
}

size_t lm_top_apps(const struct lm_top *t)
{
	return t->nm;
}

static int by_name(const struct lm_top_row *a, const struct lm_top_row *b)
{
	int c = strcmp(a->app, b->app);

	if (!c)
		c = strcmp(a->metric, b->metric);
	return c ? c : a->kind - b->kind;
}

/* higher first, NaN last, then by name */
static int by_num(double x, double y, const struct lm_top_row *a, const struct lm_top_row *b)
{
	if (x == x && y == y && x != y)
		return x > y ? -1 : 1;
	if ((x == x) != (y == y))
		return x == x ? -1 : 1;
	return by_name(a, b);
}

static int cmp_name(const void *x, const void *y)
{
	return by_name(x, y);
}

static int cmp_rate(const void *x, const void *y)
{
	const struct lm_top_row *a = x, *b = y;
	return by_num(a->rate, b->rate, a, b);
}

static int cmp_last(const void *x, const void *y)
{
	const struct lm_top_row *a = x, *b = y;
	return by_num(a->last, b->last, a, b);
}

size_t lm_top_rows(struct lm_top *t, int sort, const struct lm_top_row **rows)
{
	if (t->nrows)
		qsort(t->rows, t->nrows, sizeof *t->rows,
			sort == LM_TOP_BY_RATE ? cmp_rate : sort == LM_TOP_BY_LAST ? cmp_last : cmp_name);
	*rows = t->rows;
	return t->nrows;
}

/* 3 significant digits of 0.001 <= x < 1000 (no trailing zeros), then
 * sfx; rounded here in integers, not by printf's floating point */
static size_t sig3(char *o, double x, const char *sfx)
{
	int d = x < 0.00995 ? 5 : x < 0.0995 ? 4 : x < 0.9995 ? 3 : x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
	long long p = 1, r;
	int n, i;

	for (i = 0; i < d; i++)
		p *= 10;
	r = llround(x * (double)p);
	n = snprintf(o, 16, "%lld", r / p);
	if (r % p) {
		char f[8];
		int m = snprintf(f, sizeof f, "%0*lld", d, r % p);
		while (f[m - 1] == '0')
			m--;
		o[n++] = '.';
		memcpy(o + n, f, (size_t)m);
		n += m;
	}
	return (size_t)n + (size_t)snprintf(o + n, (size_t)(16 - n), "%s", sfx);
}

/* v as D.De+XX (out of sig3's range) */
static size_t sci(char *o, double v)
{
	double a = fabs(v);
	int e = (int)floor(log10(a));
	long long m = llround(a / pow(10, e) * 10);

	if (m >= 100) {
		e++;
		m = llround(a / pow(10, e) * 10);
	}
	return (size_t)snprintf(o, 16, "%s%lld.%llde%c%02d", v < 0 ? "-" : "", m / 10, m % 10,
		e < 0 ? '-' : '+', e < 0 ? -e : e);
}

size_t lm_top_num(char *out, double v, int unit)
{
	static const char *const si[] = { "", "k", "M", "G", "T" };
	static const char *const bi[] = { "B", "K", "M", "G", "T" };
	static const char *const sub[] = { "s", "ms", "us", "ns" };
	double a = fabs(v);
	size_t k = 0, i = 0;

	if (v != v)
		return (size_t)snprintf(out, 16, "-");
	if (v < 0)
		out[k++] = '-';
	if (unit == 's' && a > 0 && a < 0.9995) {
		while (i < 3 && a < 0.9995) {
			a *= 1000;
			i++;
		}
		if (a < 0.9995)
			return sci(out, v);
		return k + sig3(out + k, a, sub[i]);
	}
	if (unit == 'B') {
		while (i < 4 && a >= 1023.5) {
			a /= 1024;
			i++;
		}
		if (a >= 1023.5)
			return sci(out, v);
		return k + sig3(out + k, a, bi[i]);
	}
	if (a != 0 && a < 0.001)
		return sci(out, v);
	while (i < 4 && a >= 999.5) {
		a /= 1000;
		i++;
	}
	if (a >= 999.5)
		return sci(out, v);
	return k + sig3(out + k, a, unit == 's' ? "s" : si[i]);
}

/* columns a UTF-8 string takes: one per character */
static size_t ncols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* s in a column w wide: cut with '~', or padded on the right (or left) */
static void cell(struct lm_buf *b, const char *s, size_t w, int right)
{
	size_t n = ncols(s), c = 0;

	if (n > w) {
		if (!w)
			return;
		for (; *s; s++) {
			if (((unsigned char)*s & 0xc0) != 0x80 && c++ == w - 1)
				break;
			lm_buf_addc(b, *s);
		}
		lm_buf_addc(b, '~');
		return;
	}
	for (; right && n < w; n++)
		lm_buf_addc(b, ' ');
	lm_buf_adds(b, s);
	for (; !right && n < w; n++)
		lm_buf_addc(b, ' ');
}

enum { C_KIND, C_RATE, C_LAST, C_P50, C_P95, C_RSS, C_GPU, C_N };
static const struct {
	const char *title;
	size_t w;
} col[C_N] = {
	{ "KIND", 5 }, { "RATE/S", 8 }, { "LAST", 8 }, { "P50", 8 }, { "P95", 8 },
	{ "RSS", 8 }, { "GPU", 8 }
};
/* the order columns are left out in when the width is short */
static const int drop[C_N] = { C_GPU, C_RSS, C_KIND, C_P95, C_P50, C_LAST, C_RATE };

static const char *kind_word(int k)
{
	switch (k) {
	case LM_COUNTER: return "count";
	case LM_RATE: return "rate";
	case LM_TIMER: return "timer";
	case LM_HISTO: return "histo";
	default: return "gauge";
	}
}

/* the line in b, cut to width columns and without trailing blanks, to out */
static void emit(struct lm_buf *out, struct lm_buf *b, size_t width)
{
	size_t i, c = 0, end = 0;

	for (i = 0; i < b->len; i++) {
		if (((unsigned char)b->p[i] & 0xc0) != 0x80) {
			if (width && c == width)
				break;
			c++;
		}
		if (b->p[i] != ' ')
			end = i + 1;
	}
	lm_buf_add(out, b->p, end);
	lm_buf_addc(out, '\n');
	lm_buf_reset(b);
}

int lm_top_render(struct lm_top *t, struct lm_buf *out, int sort, size_t width,
	size_t maxrows)
{
	const struct lm_top_row *rows;
	size_t nrows = lm_top_rows(t, sort, &rows), i, k, fixed = 0, appw = 3, metw = 6;
	size_t amin, mmin, avail, shown;
	int on[C_N], d;
	struct lm_buf b;

	for (i = 0; i < nrows; i++) {
		size_t a = ncols(rows[i].app), m = ncols(rows[i].metric);
		if (a > appw)
			appw = a;
		if (m > metw)
			metw = m;
	}
	for (k = 0; k < C_N; k++) {
		on[k] = 1;
		fixed += col[k].w + 1;
	}
	if (width) {
		amin = appw < 8 ? appw : 8;
		mmin = metw < 12 ? metw : 12;
		for (d = 0; d < C_N && amin + 1 + mmin + fixed > width; d++) {
			on[drop[d]] = 0;
			fixed -= col[drop[d]].w + 1;
		}
		avail = width > fixed + 1 ? width - fixed - 1 : 0;   /* the names and a blank */
		if (avail < amin + mmin) {
			amin = avail / 2;
			mmin = avail - amin;
		}
		k = avail / 3 > amin ? avail / 3 : amin;
		if (k > appw)
			k = appw;
		if (avail - k > metw)
			k = avail - metw < appw ? avail - metw : appw;
		appw = k;
		metw = avail - appw < metw ? avail - appw : metw;
	}
	lm_buf_init(&b, 0);
	cell(&b, "APP", appw, 0);
	lm_buf_addc(&b, ' ');
	cell(&b, "METRIC", metw, 0);
	for (k = 0; k < C_N; k++)
		if (on[k]) {
			lm_buf_addc(&b, ' ');
			cell(&b, col[k].title, col[k].w, k != C_KIND);
		}
	emit(out, &b, width);
	shown = maxrows && nrows > maxrows ? maxrows - 1 : nrows;
	for (i = 0; i < shown; i++) {
		const struct lm_top_row *r = &rows[i];
		char num[16];
		int unit = r->kind == LM_TIMER ? 's' : 0;
		cell(&b, r->app, appw, 0);
		lm_buf_addc(&b, ' ');
		cell(&b, r->metric, metw, 0);
		for (k = 0; k < C_N; k++) {
			double v = NAN;
			int u = 0;
			if (!on[k])
				continue;
			lm_buf_addc(&b, ' ');
			switch (k) {
			case C_KIND:
				cell(&b, kind_word(r->kind), col[k].w, 0);
				continue;
			case C_RATE: v = r->rate; break;
			case C_LAST: v = r->last; u = unit; break;
			case C_P50: v = r->p50; u = unit; break;
			case C_P95: v = r->p95; u = unit; break;
			case C_RSS: v = r->rss; u = 'B'; break;
			case C_GPU: v = r->gpu; u = 'B'; break;
			}
			lm_top_num(num, v, u);
			cell(&b, num, col[k].w, 1);
		}
		emit(out, &b, width);
	}
	if (shown < nrows) {
		char more[64];
		snprintf(more, sizeof more, "(%zu more rows)", nrows - shown);
		lm_buf_adds(&b, more);
		emit(out, &b, width);
	}
	d = b.err;
	lm_buf_free(&b);
	return out->err || d ? -1 : 0;
}
