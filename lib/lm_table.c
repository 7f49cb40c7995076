/* lm_table: the table of latest state per app and metric: ingest,
 * identity, series, rates, expiry and the dump. Knobs are in lm_knob.c,
 * lmtabled's own series in lm_health.c, the exposition in
 * lm_table_expo.c; what they share in lm_table_int.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_fam.h"
#include "lm_num.h"
#include "lm_hash.h"
#include "lm_table.h"
#include "lm_table_int.h"

/* an exposition name held by some series (fam_claim) */
struct fname {
	struct fname *next;
	size_t refs;
	int type;                   /* the owner's enum lm_famtype */
	char *owner;                /* the owning family's name */
	char name[];
};

static const char *const rj_names[LM_RJ_NREASONS - LM_WE_NERR] = {
	"state", "conflict", "apps_limit", "series_limit", "reserved"
};

const char *lm_reject_name(int r)
{
	if (r >= LM_WE_NERR && r < LM_RJ_NREASONS)
		return rj_names[r - LM_WE_NERR];
	return lm_werr_name(r);
}

struct lm_table *lm_table_new(const struct lm_table_cfg *cfg)
{
	struct lm_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.window <= 0)
		t->cfg.window = LM_WINDOW_DEFAULT;
	t->hsize = 1024;
	t->hash = calloc(t->hsize, sizeof *t->hash);
	if (!t->hash) {
		free(t);
		return NULL;
	}
	return t;
}

static void free_app(struct app *a)
{
	struct series *s, *n;

	for (s = a->first; s; s = n) {
		n = s->anext;
		if (s->kind == SK_TIMER || s->kind == SK_HISTO)
			lm_hist_free(&s->u.h);
		free(s->key);
		free(s);
	}
	free(a->pids);
	free(a->lab);
	free(a->id);
	free(a);
}

void lm_table_free(struct lm_table *t)
{
	struct app *a, *n;
	struct fname *f, *fn;
	size_t i;

	if (!t)
		return;
	for (a = t->apps; a; a = n) {
		n = a->next;
		free_app(a);
	}
	for (i = 0; i < t->fhsize; i++)
		for (f = t->fhash[i]; f; f = fn) {
			fn = f->next;
			free(f);
		}
	free(t->fhash);
	lm_xfam_free(t);
	free(t->sc);
	free(t->hash);
	free(t->knobs);
	free(t);
}

struct lm_table_stats *lm_table_stats(struct lm_table *t)
{
	return &t->st;
}

size_t lm_table_apps(const struct lm_table *t)
{
	return t->napps;
}

size_t lm_table_series(const struct lm_table *t)
{
	return t->nseries;
}

static void note(struct lm_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct lm_table *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!t->cfg.note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->cfg.note(t->cfg.ctx, msg);
}

/* ---- identity ---- */

struct ident {
	char buf[LM_APP_MAX + LM_TAGVAL_MAX + 64];
	size_t len;
	const char *name, *container;
	char pid[24], uid[24];
	long bound;
};

/* v in decimal into d (24 bytes), NUL-terminated; its length. No printf:
 * this runs for every line. */
static size_t fmt_long(char *d, long v)
{
	if (v < 0) {
		*d = '-';
		return 1 + lm_fmt_u64(d + 1, (uint64_t)0 - (uint64_t)v);
	}
	return lm_fmt_u64(d, (uint64_t)v);
}

/* 0 ok, or a reject reason */
static int identify(struct lm_table *t, const struct lm_line *l,
	const struct lm_cred *c, struct ident *id, char *comm, size_t *commlen)
{
	struct lm_str app = { NULL, 0 }, cont = { NULL, 0 }, pid;
	size_t o = 0;

	id->bound = 0;
	id->pid[0] = id->uid[0] = 0;
	if (!lm_line_tag(l, "app", &app) || app.n == 0) {
		/* no name given: the kernel's word on who sent it */
		if (*commlen == (size_t)-1) {
			*commlen = 0;
			if (c->known && t->cfg.app_of_pid)
				*commlen = t->cfg.app_of_pid(c->pid, comm, LM_APP_MAX + 1);
			if (*commlen == 0 || *commlen > LM_APP_MAX) {
				const char *d = !c->known && c->app ? c->app : "unknown";
				*commlen = strlen(d);
				memcpy(comm, d, *commlen + 1);
			}
		}
		app.p = comm;
		app.n = *commlen;
	}
	if (!lm_line_tag(l, "container", &cont))
		cont = l->container;
	/* A pid tag says: this sender lives as long as the app (an in-process
	 * hook). The pid that binds is the kernel's, as seen from the daemon's
	 * pid namespace; the number claimed is not trusted (in a container it
	 * is the pid in the container's namespace). */
	size_t pn = 0, un = 0;
	if (lm_line_tag(l, "pid", &pid) && c->known && c->pid > 0) {
		id->bound = c->pid;
		if (t->cfg.split_pid)
			pn = fmt_long(id->pid, c->pid);
	}
	if (c->known)
		un = fmt_long(id->uid, c->uid);
	memcpy(id->buf + o, app.p, app.n);
	o += app.n;
	id->buf[o++] = 0;
	if (cont.n)
		memcpy(id->buf + o, cont.p, cont.n);
	o += cont.n;
	id->buf[o++] = 0;
	memcpy(id->buf + o, id->uid, un + 1);
	o += un + 1;
	memcpy(id->buf + o, id->pid, pn);
	o += pn;
	id->len = o;
	return 0;
}

/* ,k="v" into d (no comma when first), the value escaped as the
 * exposition wants it; the end */
static char *labkv(char *d, const char *k, size_t kn, const char *v, size_t vn, int first)
{
	size_t j;

	if (!first)
		*d++ = ',';
	memcpy(d, k, kn);
	d += kn;
	*d++ = '=';
	*d++ = '"';
	for (j = 0; j < vn; j++) {
		char c = v[j];
		if (c == '\\' || c == '"' || c == '\n') {
			*d++ = '\\';
			c = c == '\n' ? 'n' : c;
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			c = ' ';
		}
		*d++ = c;
	}
	*d++ = '"';
	return d;
}

/* the exposition labels of app a: app, container, pid, uid */
static int app_labels(struct app *a)
{
	const char *v[4] = { a->name, a->container, a->pid, a->uid };
	static const char *const k[4] = { "app", "container", "pid", "uid" };
	size_t i, n = 0;
	char *d;

	for (i = 0; i < 4; i++)
		n += strlen(k[i]) + 4 + 2 * strlen(v[i]);
	if (!(a->lab = malloc(n + 1)))
		return -1;
	d = a->lab;
	for (i = 0; i < 4; i++)
		if (*v[i])
			d = labkv(d, k[i], strlen(k[i]), v[i], strlen(v[i]), d == a->lab);
	*d = 0;
	a->lablen = (size_t)(d - a->lab);
	return 0;
}

static struct app *find_app(struct lm_table *t, const struct ident *id, double now,
	double wall, int *err)
{
	struct app *a;
	size_t n;

	if (t->cache && t->cache->idlen == id->len && memcmp(t->cache->id, id->buf, id->len) == 0)
		return t->cache;
	for (a = t->apps; a; a = a->next)
		if (a->idlen == id->len && memcmp(a->id, id->buf, id->len) == 0)
			return t->cache = a;
	if (t->napps >= t->cfg.max_apps) {
		*err = LM_RJ_APPS;
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a || !(a->id = malloc(id->len + 1))) {
		free(a);
		*err = LM_RJ_APPS;
		return NULL;
	}
	memcpy(a->id, id->buf, id->len);
	a->id[id->len] = 0;
	a->idlen = id->len;
	a->name = a->id;
	n = strlen(a->name) + 1;
	a->container = a->id + n;
	memcpy(a->pid, id->pid, sizeof a->pid);
	memcpy(a->uid, id->uid, sizeof a->uid);
	if (app_labels(a) < 0) {
		free(a->id);
		free(a);
		*err = LM_RJ_APPS;
		return NULL;
	}
	a->seen = now;
	a->wall = wall;
	if (t->apps_last)
		t->apps_last->next = a;
	else
		t->apps = a;
	t->apps_last = a;
	t->napps++;
	note(t, "app %s joined (container=%s pid=%s uid=%s)", a->name,
		*a->container ? a->container : "-", *a->pid ? a->pid : "-", *a->uid ? a->uid : "-");
	return t->cache = a;
}

/* ---- series ---- */

struct tagkv {
	char k[LM_TAGKEY_MAX + 8];
	size_t kn;
	const char *v;
	size_t vn;
};

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct tagkv *)a)->k, ((const struct tagkv *)b)->k);
}

/* key = sanitised name \0 k:v,k:v sorted; 0 ok or a reject reason */
static int series_key(const struct lm_line *l, char *key, size_t *keylen, size_t *namelen)
{
	struct tagkv tg[LM_TAGS_MAX];
	size_t i, n = 0, o;

	o = lm_name_sanitize(key, l->name.p, l->name.n);
	if (o > LM_NAME_MAX)
		return LM_WE_NAME;  /* too long once made Prometheus-safe */
	*namelen = o;
	key[o++] = 0;
	for (i = 0; i < l->ntags; i++) {
		const struct lm_tag *g = &l->tags[i];
		char k[LM_TAGKEY_MAX + 2];
		size_t kn = lm_label_sanitize(k, g->k.p, g->k.n);

		if (kn > LM_TAGKEY_MAX)
			return LM_WE_TAG;   /* too long once made Prometheus-safe */
		if (!strcmp(k, "app") || !strcmp(k, "container") || !strcmp(k, "pid"))
			continue;
		if (!strcmp(k, "uid") || !strcmp(k, "le") || !strcmp(k, "quantile")) {
			memcpy(tg[n].k, "tag_", 4);
			memcpy(tg[n].k + 4, k, kn + 1);
			kn += 4;
		} else {
			memcpy(tg[n].k, k, kn + 1);
		}
		tg[n].kn = kn;
		tg[n].v = g->v.p;
		tg[n].vn = g->v.n;
		n++;
	}
	if (n > LM_TAGS_MAX - 4)
		return LM_WE_TAG;   /* the dump adds up to four identity tags */
	/* insertion sort: a line has a few tags (qsort costs more per call) */
	for (i = 1; i < n; i++) {
		struct tagkv x = tg[i];
		size_t j;
		for (j = i; j > 0 && cmp_tag(&tg[j - 1], &x) > 0; j--)
			tg[j] = tg[j - 1];
		tg[j] = x;
	}
	for (i = 0; i < n; i++) {
		if (i && !strcmp(tg[i].k, tg[i - 1].k))
			return LM_WE_TAG;   /* the same label twice */
		if (i)
			key[o++] = ',';
		memcpy(key + o, tg[i].k, tg[i].kn);
		o += tg[i].kn;
		key[o++] = ':';
		memcpy(key + o, tg[i].v, tg[i].vn);
		o += tg[i].vn;
	}
	*keylen = o;
	return 0;
}

static void grow(struct lm_table *t)
{
	size_t ns = t->hsize * 2, i;
	struct series **h = calloc(ns, sizeof *h), *s, *n;

	if (!h)
		return;     /* longer chains, still correct */
	for (i = 0; i < t->hsize; i++)
		for (s = t->hash[i]; s; s = n) {
			struct series **b = &h[s->hash & (ns - 1)];
			n = s->hnext;
			s->hnext = *b;
			if (*b)
				(*b)->hprev = &s->hnext;
			*b = s;
			s->hprev = b;
		}
	free(t->hash);
	t->hash = h;
	t->hsize = ns;
}

static int kind_of(int type)
{
	switch (type) {
	case LM_COUNTER: return SK_COUNTER;
	case LM_GAUGE: return SK_GAUGE;
	case LM_TIMER: case LM_TIMER_MS: return SK_TIMER;
	case LM_HISTO: case LM_DIST: return SK_HISTO;
	default: return SK_RATE;
	}
}

/* ---- exposition names: claimed at ingest, released when series go ---- */

static struct fname **fslot(struct lm_table *t, const char *name)
{
	struct fname **p = &t->fhash[lm_hash(LM_HASH0, name, strlen(name)) & (t->fhsize - 1)];

	while (*p && strcmp((*p)->name, name))
		p = &(*p)->next;
	return p;
}

static int kind_type(int kind)
{
	static const int ty[] = { 0, LM_COUNTER, LM_GAUGE, LM_TIMER, LM_HISTO, LM_RATE };
	return ty[kind];
}

static void fgrow(struct lm_table *t)
{
	size_t ns = t->fhsize * 2, i;
	struct fname **h = calloc(ns, sizeof *h), *e, *n;

	if (!h)
		return;     /* longer chains, still correct */
	for (i = 0; i < t->fhsize; i++)
		for (e = t->fhash[i]; e; e = n) {
			struct fname **b = &h[lm_hash(LM_HASH0, e->name, strlen(e->name)) & (ns - 1)];
			n = e->next;
			e->next = *b;
			*b = e;
		}
	free(t->fhash);
	t->fhash = h;
	t->fhsize = ns;
}

/* 0, or why the series name[0..n) of kind cannot have its names */
static int fam_claim(struct lm_table *t, const char *name, size_t n, int kind)
{
	struct lm_fam f[LM_FAM_PER_SERIES];
	size_t nf = lm_fam_of(name, n, kind_type(kind), f), i, j;

	if (!t->fhash) {
		t->fhsize = 1024;
		if (!(t->fhash = calloc(t->fhsize, sizeof *t->fhash)))
			return LM_RJ_SERIES;
	}
	for (i = 0; i < nf; i++)
		for (j = 0; j < f[i].nnames; j++) {
			struct fname *e = *fslot(t, f[i].names[j]);
			if (lm_fam_reserved(f[i].names[j]))
				return LM_RJ_RESERVED;
			if (e && (e->type != f[i].type || strcmp(e->owner, f[i].name)))
				return LM_RJ_CONFLICT;
		}
	for (i = 0; i < nf; i++)
		for (j = 0; j < f[i].nnames; j++) {
			struct fname **p = fslot(t, f[i].names[j]), *e = *p;
			size_t k;
			if (e) {
				e->refs++;
				continue;
			}
			k = strlen(f[i].names[j]);
			if (!(e = malloc(sizeof *e + k + 1 + strlen(f[i].name) + 1)))
				continue;   /* unchecked, still correct to serve */
			memcpy(e->name, f[i].names[j], k + 1);
			e->owner = e->name + k + 1;
			strcpy(e->owner, f[i].name);
			e->type = f[i].type;
			e->refs = 1;
			e->next = NULL;
			*p = e;
			t->nfnames++;
		}
	if (t->nfnames > 2 * t->fhsize)
		fgrow(t);
	return 0;
}

static void fam_release(struct lm_table *t, const char *name, size_t n, int kind)
{
	struct lm_fam f[LM_FAM_PER_SERIES];
	size_t nf = lm_fam_of(name, n, kind_type(kind), f), i, j;

	if (!t->fhash)
		return;
	for (i = 0; i < nf; i++)
		for (j = 0; j < f[i].nnames; j++) {
			struct fname **p = fslot(t, f[i].names[j]), *e = *p;
			if (e && --e->refs == 0) {
				*p = e->next;
				free(e);
				t->nfnames--;
			}
		}
}

/* s->lab: the app's labels, then the series' tags (k:v,k:v in the key) */
static void series_labels(struct series *s)
{
	const char *tg = s->key + s->namelen + 1, *end = s->key + s->keylen;
	char *d = s->key + s->keylen + 1;

	s->lab = d;
	memcpy(d, s->app->lab, s->app->lablen);
	d += s->app->lablen;
	while (tg < end) {
		const char *c = memchr(tg, ':', (size_t)(end - tg)), *e;
		if (!c)
			break;
		e = memchr(c, ',', (size_t)(end - c));
		if (!e)
			e = end;
		d = labkv(d, tg, (size_t)(c - tg), c + 1, (size_t)(e - c - 1), d == s->lab);
		tg = e + 1;
	}
	*d = 0;
	s->lablen = (size_t)(d - s->lab);
}

static struct series *find_series(struct lm_table *t, struct app *a, const char *key,
	size_t keylen, size_t namelen, int kind, int *err)
{
	uint64_t h = lm_hash(lm_hash(LM_HASH0, &a, sizeof a), key, keylen);
	struct series *s, **b;

	for (s = t->hash[h & (t->hsize - 1)]; s; s = s->hnext)
		if (s->hash == h && s->app == a && s->keylen == keylen &&
		    memcmp(s->key, key, keylen) == 0) {
			if (s->kind != kind) {
				*err = LM_RJ_CONFLICT;
				return NULL;
			}
			return s;
		}
	if (t->nseries >= t->cfg.max_series || a->nseries >= t->cfg.max_per_app) {
		*err = LM_RJ_SERIES;
		return NULL;
	}
	if ((*err = fam_claim(t, key, namelen, kind)))
		return NULL;
	s = calloc(1, sizeof *s);
	/* the key, then the labels: the app's, then ,k="v" for each k:v of
	 * the key (4 bytes more a tag, every value byte escaped at worst) */
	if (!s || !(s->key = malloc(keylen + 1 + a->lablen + 3 * keylen + 1))) {
		free(s);
		fam_release(t, key, namelen, kind);
		*err = LM_RJ_SERIES;
		return NULL;
	}
	memcpy(s->key, key, keylen);
	s->key[keylen] = 0;
	s->keylen = keylen;
	s->namelen = namelen;
	s->hash = h;
	s->kind = kind;
	s->app = a;
	s->u.r.head = INT64_MIN;
	if (kind != SK_RATE)
		memset(&s->u, 0, sizeof s->u);
	series_labels(s);
	if ((*err = lm_xfam_join(t, s))) {
		free(s->key);
		free(s);
		fam_release(t, key, namelen, kind);
		return NULL;
	}
	b = &t->hash[h & (t->hsize - 1)];
	s->hnext = *b;
	if (*b)
		(*b)->hprev = &s->hnext;
	*b = s;
	s->hprev = b;
	if (a->last)
		a->last->anext = s;
	else
		a->first = s;
	a->last = s;
	a->nseries++;
	t->nseries++;
	note(t, "app %s: new series %s%s%s", a->name, s->key,
		keylen > namelen + 1 ? " " : "", keylen > namelen + 1 ? s->key + namelen + 1 : "");
	if (t->nseries > t->hsize)
		grow(t);
	return s;
}

/* ---- rates ---- */

static void rate_advance(struct lm_table *t, struct series *s, double now)
{
	double w = t->cfg.window / LM_RATE_SLOTS;
	int64_t cur = (int64_t)floor(now / w), i;

	if (s->u.r.head == INT64_MIN || cur - s->u.r.head >= LM_RATE_SLOTS) {
		memset(s->u.r.slot, 0, sizeof s->u.r.slot);
	} else {
		for (i = s->u.r.head + 1; i <= cur; i++)
			s->u.r.slot[(uint64_t)i % LM_RATE_SLOTS] = 0;
	}
	if (s->u.r.head == INT64_MIN || cur > s->u.r.head)
		s->u.r.head = cur;
}

double lm_rate_now(struct lm_table *t, struct series *s, double now)
{
	double w = t->cfg.window / LM_RATE_SLOTS, sum = 0, span;
	int i;

	if (s->u.r.head == INT64_MIN)
		return 0;
	rate_advance(t, s, now);
	for (i = 0; i < LM_RATE_SLOTS; i++)
		sum += s->u.r.slot[i];
	span = (LM_RATE_SLOTS - 1) * w + (now - (double)s->u.r.head * w);
	if (now - s->u.r.first < span)
		span = now - s->u.r.first;
	if (span < w)
		span = w;
	return sum / span;
}

/* ---- applying a line ---- */

static int apply(struct lm_table *t, struct series *s, const struct lm_line *l, double now)
{
	double w = 1 / l->rate, div = l->type == LM_TIMER_MS ? 1000 : 1;
	size_t i;

	switch (s->kind) {
	case SK_COUNTER:
		for (i = 0; i < l->nvalues; i++)
			s->v += l->values[i] * w;
		break;
	case SK_GAUGE:
		for (i = 0; i < l->nvalues; i++)
			s->v = l->sign ? s->v + l->values[i] : l->values[i];
		break;
	case SK_TIMER:
	case SK_HISTO: {
		double c0 = s->u.h.count;
		int r = lm_line_hist(l, &s->u.h, w);
		if (r > 0)
			t->st.hist_clamped++;
		s->v = s->u.h.sum;
		s->count = s->u.h.count;
		if (l->has_last)
			s->last = l->last / div;
		else if (!l->nbk)
			s->last = l->values[l->nvalues - 1] / div;
		else if (s->count > c0)
			s->last = l->values[0] * w / (s->count - c0);
		return r < 0 ? -1 : 0;
	}
	case SK_RATE:
		rate_advance(t, s, now);
		if (s->count == 0 && s->v == 0)
			s->u.r.first = now;
		for (i = 0; i < l->nvalues; i++) {
			s->v += l->values[i] * w;
			s->u.r.slot[(uint64_t)s->u.r.head % LM_RATE_SLOTS] += l->values[i] * w;
		}
		s->count = 1;   /* marks: first event seen */
		break;
	}
	return 0;
}

static int finite_series(const struct series *s)
{
	if (!isfinite(s->v) || !isfinite(s->count) || !isfinite(s->last))
		return 0;
	return 1;
}

/* 1 when the observations of l fit a histogram series: every total stays
 * finite (the buckets are parts of the count) */
static int hist_fits(const struct series *s, const struct lm_line *l)
{
	double w = 1 / l->rate, div = l->type == LM_TIMER_MS ? 1000 : 1, cnt = 0, sum = 0;
	size_t i;

	if (l->nbk) {
		for (i = 0; i < l->nbk; i++)
			cnt += l->bk[i].n * w;
		sum = l->values[0] * w;
	} else {
		for (i = 0; i < l->nvalues; i++)
			sum += l->values[i] / div * w;
		cnt = (double)l->nvalues * w;
	}
	return isfinite(s->u.h.count + cnt) && isfinite(s->u.h.sum + sum) &&
		isfinite(s->u.h.count + cnt * 2);
}

/* A process of app a sent a pid-tagged line: a lives while it does. */
static void app_pid(struct app *a, long pid)
{
	size_t i;

	a->bound = 1;
	for (i = a->npids; i > 0; i--)     /* the newest first */
		if (a->pids[i - 1] == pid)
			return;
	if (a->npids == a->cappids) {
		size_t nc = a->cappids ? a->cappids * 2 : 4;
		long *p;
		if (nc > LM_APP_PIDS || !(p = realloc(a->pids, nc * sizeof *p)))
			return;     /* not tracked: the others keep it up */
		a->pids = p;
		a->cappids = nc;
	}
	a->pids[a->npids++] = pid;
}

/* The raw key of a line: its name, the span of its tags, its container,
 * as they came (no copy) */
struct rawkey {
	struct lm_str name, tags, cont;
	size_t n;           /* bytes in all, with a separator after the first two */
};

/* 0 when the key does not fit a cache entry */
static int rawkey(const struct lm_line *l, struct rawkey *k)
{
	const char *lo = NULL, *hi = NULL;
	size_t i;

	for (i = 0; i < l->ntags; i++) {
		const char *a = l->tags[i].k.p, *b = l->tags[i].v.p + l->tags[i].v.n;
		if (!lo || a < lo)
			lo = a;
		if (!hi || b > hi)
			hi = b;
	}
	k->name = l->name;
	k->tags.p = lo;
	k->tags.n = lo ? (size_t)(hi - lo) : 0;
	k->cont = l->container;
	k->n = k->name.n + 1 + k->tags.n + 1 + k->cont.n;
	return k->n <= LM_SCACHE_RAW;
}

static struct scache *scache_slot(struct lm_table *t, const struct rawkey *k,
	const struct lm_line *l, const struct lm_cred *c)
{
	uint64_t h = lm_hash(LM_HASH0, k->name.p, k->name.n);

	h = lm_hash(h, k->tags.p, k->tags.n);
	h = lm_hash(h, k->cont.p, k->cont.n);
	h ^= (uint64_t)c->pid * 0x9e3779b97f4a7c15ULL ^ (uint64_t)l->type << 40;
	return &t->sc[(h ^ h >> 32) & (LM_SCACHE - 1)];
}

static int scache_hit(const struct scache *e, const struct rawkey *k,
	const struct lm_line *l, const struct lm_cred *c, double now)
{
	const char *r = e->raw;

	return e->s && e->n == k->n && e->type == l->type && e->known == c->known &&
		e->pid == c->pid && e->uid == c->uid && e->capp == c->app &&
		now - e->at < 1 && now >= e->at &&
		memcmp(r, k->name.p, k->name.n) == 0 && r[k->name.n] == 0 &&
		(!k->tags.n || memcmp(r + k->name.n + 1, k->tags.p, k->tags.n) == 0) &&
		r[k->name.n + 1 + k->tags.n] == 0 &&
		(!k->cont.n || memcmp(r + k->name.n + 2 + k->tags.n, k->cont.p, k->cont.n) == 0);
}

static void scache_put(struct scache *e, const struct rawkey *k, const struct lm_line *l,
	const struct lm_cred *c, struct series *s, long bound, double now)
{
	char *r = e->raw;

	e->s = s;
	e->bound = bound;
	e->pid = c->pid;
	e->uid = c->uid;
	e->capp = c->app;
	e->known = c->known;
	e->type = l->type;
	e->at = now;
	e->n = k->n;
	memcpy(r, k->name.p, k->name.n);
	r += k->name.n;
	*r++ = 0;
	if (k->tags.n)
		memcpy(r, k->tags.p, k->tags.n);
	r += k->tags.n;
	*r++ = 0;
	if (k->cont.n)
		memcpy(r, k->cont.p, k->cont.n);
}

static int ingest_line(struct lm_table *t, const char *p, size_t n,
	const struct lm_cred *c, double now, double wall, char *comm, size_t *commlen)
{
	struct lm_line *l;
	struct ident id;
	struct app *a;
	struct series *s;
	char key[LM_NAME_MAX + 2 + LM_TAGS_MAX * (LM_TAGKEY_MAX + LM_TAGVAL_MAX + 8)];
	size_t keylen, namelen;
	struct rawkey rk;
	struct scache *e;
	int r, err = 0;
	static struct lm_line line;     /* big; the table is single-threaded */

	l = &line;
	r = lm_parse_line(p, n, l);
	if (r)
		return r;
	t->st.skipped += l->nskipped;
	if (l->has_rps)
		return LM_RJ_STATE;
	if (!t->sc)
		t->sc = calloc(LM_SCACHE, sizeof *t->sc);
	memset(&rk, 0, sizeof rk);
	e = t->sc && rawkey(l, &rk) ? scache_slot(t, &rk, l, c) : NULL;
	if (e && scache_hit(e, &rk, l, c, now)) {
		s = e->s;
		a = s->app;
		id.bound = e->bound;
	} else {
		if ((r = identify(t, l, c, &id, comm, commlen)))
			return r;
		if ((r = series_key(l, key, &keylen, &namelen)))
			return r;
		if (!(a = find_app(t, &id, now, wall, &err)))
			return err;
		if (!(s = find_series(t, a, key, keylen, namelen, kind_of(l->type), &err)))
			return err;
		if (e)
			scache_put(e, &rk, l, c, s, id.bound, now);
	}
	/* a sum that would overflow is refused whole: histograms are checked
	 * first, the others applied to a copy */
	if (s->kind == SK_TIMER || s->kind == SK_HISTO) {
		if (!hist_fits(s, l))
			return LM_WE_VALUE;
		if (apply(t, s, l, now) < 0)
			return LM_RJ_SERIES;
	} else if (s->kind != SK_RATE) {
		/* a counter or a gauge: only its value moves */
		double v = s->v;
		apply(t, s, l, now);
		if (!finite_series(s)) {
			s->v = v;
			return LM_WE_VALUE;
		}
	} else {
		struct series tmp = *s;
		apply(t, &tmp, l, now);
		if (!finite_series(&tmp))
			return LM_WE_VALUE;
		*s = tmp;
	}
	lm_xfam_touch(s);
	a->seen = now;
	a->wall = wall;
	if (id.bound)
		app_pid(a, id.bound);
	a->gone = 0;
	if (t->cfg.note_updates)
		note(t, "app %s: %.*s", a->name, (int)n, p);
	return 0;
}

size_t lm_table_ingest(struct lm_table *t, const char *buf, size_t len,
	const struct lm_cred *c, double now, double wall)
{
	char comm[LM_APP_MAX + 2];
	size_t commlen = (size_t)-1, pos = 0, n, bad = 0;
	const char *p;
	int r;

	t->st.datagrams++;
	while (lm_next_line(buf, len, &pos, &p, &n)) {
		if (n == 0)
			continue;           /* blank lines separate nothing */
		t->st.lines++;
		r = ingest_line(t, p, n, c, now, wall, comm, &commlen);
		if (r) {
			t->st.rejected[r]++;
			bad++;
			if ((r == LM_RJ_RESERVED || r == LM_RJ_CONFLICT) && t->cfg.complain) {
				if (t->st.last_complaint == 0 || now - t->st.last_complaint >= LM_COMPLAIN_EVERY) {
					char msg[256];
					size_t k = strcspn(p, ":|\n");
					snprintf(msg, sizeof msg, "line refused (%s): the name %.*s is %s"
						" (and %llu more refused since the last)", lm_reject_name(r),
						(int)(k < n && k < 128 ? k : n < 128 ? n : 128), p,
						r == LM_RJ_RESERVED ? "Prometheus' or livemetrics' own" :
						"taken by a family of another type",
						(unsigned long long)t->st.uncomplained);
					t->cfg.complain(t->cfg.ctx, msg);
					t->st.last_complaint = now;
					t->st.uncomplained = 0;
				} else {
					t->st.uncomplained++;
				}
			}
			if (t->cfg.note && now - t->st.last_note >= 1) {
				char show[81];
				size_t k, m = n < 80 ? n : 80;
				for (k = 0; k < m; k++)
					show[k] = p[k] >= 0x20 && p[k] < 0x7f ? p[k] : '?';
				show[m] = 0;
				note(t, "line rejected (%s) from pid %ld: %s%s (and %llu more since the last)",
					lm_reject_name(r), c->known ? c->pid : 0L, show, n > 80 ? "..." : "",
					(unsigned long long)t->st.unnoted);
				t->st.last_note = now;
				t->st.unnoted = 0;
			} else {
				t->st.unnoted++;
			}
		} else {
			t->st.updates++;
		}
	}
	return bad;
}

/* ---- expiry ---- */

static void drop_app(struct lm_table *t, struct app *a, struct app *prev)
{
	struct series *s;

	lm_xfam_leave_app(t, a);
	if (t->sc)
		memset(t->sc, 0, LM_SCACHE * sizeof *t->sc);
	for (s = a->first; s; s = s->anext) {
		*s->hprev = s->hnext;
		if (s->hnext)
			s->hnext->hprev = s->hprev;
		fam_release(t, s->key, s->namelen, s->kind);
	}
	t->nseries -= a->nseries;
	if (prev)
		prev->next = a->next;
	else
		t->apps = a->next;
	if (t->apps_last == a)
		t->apps_last = prev;
	if (t->cache == a)
		t->cache = NULL;
	t->napps--;
	free_app(a);
}

size_t lm_table_sweep(struct lm_table *t, double now, int (*alive)(long pid))
{
	struct app *a, *prev = NULL, *next;
	size_t n = 0, i, k;

	for (a = t->apps; a; a = next) {
		next = a->next;
		if (alive && a->npids) {
			for (i = k = 0; i < a->npids; i++)
				if (alive(a->pids[i]))
					a->pids[k++] = a->pids[i];
			a->npids = k;
			if (!k) {
				a->gone = now;
				note(t, "app %s: down, its last process is gone (served %.0f s more)",
					a->name, t->cfg.linger);
			}
		}
		if (!a->npids && !a->gone && t->cfg.ttl > 0 && now - a->seen > t->cfg.ttl) {
			a->gone = now;
			note(t, "app %s: down, silent for %.0f s (served %.0f s more)", a->name,
				now - a->seen, t->cfg.linger);
		}
		if (!a->gone || now - a->gone < t->cfg.linger) {
			prev = a;
			continue;
		}
		note(t, "app %s dropped", a->name);
		if (a->bound)
			t->st.dropped_pid++;
		else
			t->st.dropped_ttl++;
		drop_app(t, a, prev);
		n++;
	}
	return n;
}

/* ---- the dump ---- */

static void add_tag(struct lm_line *l, const char *k, const char *v, size_t vn)
{
	if (l->ntags == LM_TAGS_MAX || vn == 0)
		return;
	l->tags[l->ntags].k.p = k;
	l->tags[l->ntags].k.n = strlen(k);
	l->tags[l->ntags].v.p = v;
	l->tags[l->ntags].v.n = vn;
	l->ntags++;
}

static void ident_tags(struct lm_line *l, const struct app *a)
{
	l->ntags = 0;
	add_tag(l, "app", a->name, strlen(a->name));
	add_tag(l, "container", a->container, strlen(a->container));
	add_tag(l, "pid", a->pid, strlen(a->pid));
	add_tag(l, "uid", a->uid, strlen(a->uid));
}

int lm_series_tag(const char **tg, struct lm_tag *g)
{
	const char *c, *e;

	if (!**tg)
		return 0;
	c = strchr(*tg, ':');
	e = strchr(c, ',');
	g->k.p = *tg;
	g->k.n = (size_t)(c - *tg);
	g->v.p = c + 1;
	g->v.n = e ? (size_t)(e - c - 1) : strlen(c + 1);
	*tg = e ? e + 1 : c + 1 + g->v.n;
	return 1;
}

int lm_app_is_up(const struct app *a)
{
	return a->gone == 0;
}

static int emit(struct lm_buf *out, const struct lm_line *l)
{
	size_t need = lm_format_line(NULL, 0, l);

	if (lm_buf_reserve(out, need + 1) < 0)
		return -1;
	lm_format_line(out->p + out->len, need + 1, l);
	out->len += need;
	return lm_buf_addc(out, '\n');
}

static int health(struct lm_table *t, struct lm_buf *out)
{
	struct lm_hrow rows[LM_HROWS_MAX];
	struct lm_line l;
	size_t i, n = lm_health_rows(t, rows);

	for (i = 0; i < n; i++) {
		if (rows[i].help) {
			lm_buf_adds(out, "# HELP ");
			lm_buf_adds(out, rows[i].name);
			lm_buf_addc(out, ' ');
			lm_buf_adds(out, rows[i].help);
			lm_buf_addc(out, '\n');
		}
		lm_line_init(&l, rows[i].name, rows[i].type, rows[i].v);
		if (rows[i].lk)
			add_tag(&l, rows[i].lk, rows[i].lv, strlen(rows[i].lv));
		emit(out, &l);
	}
	return out->err ? -1 : 0;
}

int lm_table_dump(struct lm_table *t, struct lm_buf *out, double now)
{
	static struct lm_line l;
	struct app *a;
	struct series *s;
	size_t i;

	health(t, out);
	lm_buf_adds(out, "# HELP lm_knob Knobs set for apps (numbers).\n"
		"# HELP lm_knob_info Knobs set for apps (strings, in the value label).\n"
		"# HELP lm_knob_set_timestamp_seconds Unix time a knob was last set.\n");
	for (i = 0; i < t->nknobs; i++) {
		const struct knob *k = &t->knobs[i];
		double v;
		int num = lm_parse_double(k->value, strlen(k->value), &v) == 0;
		lm_line_init(&l, num ? "lm_knob" : "lm_knob_info", LM_GAUGE, num ? v : 1);
		add_tag(&l, "app", k->app, strlen(k->app));
		add_tag(&l, "knob", k->name, strlen(k->name));
		if (!num)
			add_tag(&l, "value", k->value, strlen(k->value));
		emit(out, &l);
		lm_line_init(&l, "lm_knob_set_timestamp_seconds", LM_GAUGE, floor(k->wall * 1000) / 1000);
		add_tag(&l, "app", k->app, strlen(k->app));
		add_tag(&l, "knob", k->name, strlen(k->name));
		emit(out, &l);
	}
	lm_buf_adds(out, "# HELP lm_app_last_update_timestamp_seconds Unix time of the app's last update.\n"
		"# HELP lm_app_up 1 while a process of the app lives or it sends within its TTL; 0 while its last values are still served.\n");
	for (a = t->apps; a; a = a->next) {
		lm_line_init(&l, "lm_app_last_update_timestamp_seconds", LM_GAUGE, floor(a->wall * 1000) / 1000);
		ident_tags(&l, a);
		emit(out, &l);
		lm_line_init(&l, "lm_app_up", LM_GAUGE, lm_app_is_up(a));
		ident_tags(&l, a);
		emit(out, &l);
		for (s = a->first; s; s = s->anext) {
			const char *tg = s->key + s->namelen + 1;
			lm_line_init(&l, s->key, 0, s->v);
			l.name.n = s->namelen;
			ident_tags(&l, a);
			/* the series' own tags */
			while (l.ntags < LM_TAGS_MAX && lm_series_tag(&tg, &l.tags[l.ntags]))
				l.ntags++;
			switch (s->kind) {
			case SK_COUNTER:
				l.type = LM_COUNTER;
				break;
			case SK_GAUGE:
				l.type = LM_GAUGE;
				break;
			case SK_TIMER:
			case SK_HISTO:
				l.type = s->kind == SK_TIMER ? LM_TIMER : LM_HISTO;
				lm_line_set_hist(&l, &s->u.h);
				l.has_last = 1;
				/* the last observation, within the extremes */
				l.last = s->last < s->u.h.min ? s->u.h.min :
					s->last > s->u.h.max ? s->u.h.max : s->last;
				break;
			case SK_RATE:
				l.type = LM_RATE;
				l.has_rps = 1;
				l.rps = lm_rate_now(t, s, now);
				break;
			}
			emit(out, &l);
		}
	}
	return out->err ? -1 : 0;
}
