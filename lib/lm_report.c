/* lm_report: lmsession's results: per-metric statistics, thresholds, the
 * baseline, and the files summary.json, summary.txt, junit.xml and
 * report.html (see docs/lm-results.5). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lm_json.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_usage.h"

#define FORMAT "lmsession-summary/1"
#define PLOT_BUCKETS 500   /* pixel buckets of a plot: min and max of each */

const char *const lm_stat_name[LM_ST_N] = {
	"count", "min", "mean", "p50", "p90", "p95", "p99", "max", "last", "total"
};

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int is_timer(int type)
{
	return type == LM_TIMER || type == LM_TIMER_MS;
}

static int is_obs(int type)
{
	return is_timer(type) || type == LM_HISTO || type == LM_DIST;
}

static int is_count(int type)
{
	return type == LM_COUNTER || type == LM_RATE;
}

/* ---- metrics */

void lm_metric_init(struct lm_metric *m, const char *source, const char *id, int type)
{
	memset(m, 0, sizeof *m);
	m->source = strdup(nz(source));
	m->id = strdup(nz(id));
	m->type = type;
	m->every = 1;
}

void lm_metric_free(struct lm_metric *m)
{
	free(m->source);
	free(m->id);
	free(m->t);
	free(m->v);
	free(m->v50);
	free(m->vmax);
	lm_hist_free(&m->obs);
	m->source = m->id = NULL;
	m->t = m->v = m->v50 = m->vmax = NULL;
	m->n = m->cap = 0;
}

static int keep_grow(struct lm_metric *m)
{
	size_t nc = m->cap ? m->cap * 2 : 64;
	double *p;

	if (nc > LM_KEEP_MAX)
		nc = LM_KEEP_MAX;
	if (!(p = realloc(m->t, nc * sizeof *p)))
		return -1;
	m->t = p;
	if (!(p = realloc(m->v, nc * sizeof *p)))
		return -1;
	m->v = p;
	if (is_obs(m->type)) {
		if (!(p = realloc(m->v50, nc * sizeof *p)))
			return -1;
		m->v50 = p;
		if (!(p = realloc(m->vmax, nc * sizeof *p)))
			return -1;
		m->vmax = p;
	}
	m->cap = nc;
	return 0;
}

/* drop every other kept sample; from now on keep one in `every` */
static void keep_thin(struct lm_metric *m)
{
	size_t i, k;

	for (i = k = 0; i < m->n; i += 2, k++) {
		m->t[k] = m->t[i];
		m->v[k] = m->v[i];
		if (m->v50) {
			m->v50[k] = m->v50[i];
			m->vmax[k] = m->vmax[i];
		}
	}
	m->n = k;
	m->every = m->every ? m->every * 2 : 2;
}

static int metric_add(struct lm_metric *m, double t, double v, double p50, double max);

int lm_metric_add(struct lm_metric *m, double t, double v)
{
	return metric_add(m, t, v, v, v);
}

int lm_metric_add_obs(struct lm_metric *m, double t, double mean, double p50, double max)
{
	if (!isfinite(p50) || !isfinite(max)) {
		errno = EINVAL;
		return -1;
	}
	return metric_add(m, t, mean, p50, max);
}

static int metric_add(struct lm_metric *m, double t, double v, double p50, double max)
{
	if (!isfinite(t) || !isfinite(v)) {
		errno = EINVAL;
		return -1;
	}
	if (m->count == 0 || v < m->min)
		m->min = v;
	if (m->count == 0 || v > m->max)
		m->max = v;
	m->count++;
	m->sum += v;
	m->last = v;
	if (++m->pending < m->every)
		return 0;
	m->pending = 0;
	if (m->n >= LM_KEEP_MAX)
		keep_thin(m);
	if (m->n >= m->cap && keep_grow(m) < 0) {
		errno = ENOMEM;
		return -1;
	}
	m->t[m->n] = t;
	m->v[m->n] = v;
	if (m->v50) {
		m->v50[m->n] = p50;
		m->vmax[m->n] = max;
	}
	m->n++;
	return 0;
}

static void put(struct lm_metric *m, int i, double v)
{
	m->has[i] = isfinite(v);
	m->st[i] = m->has[i] ? v : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const double qs[] = { 0.5, 0.9, 0.95, 0.99 };
static const int qst[] = { LM_ST_P50, LM_ST_P90, LM_ST_P95, LM_ST_P99 };

/* nearest rank over the kept samples */
static void rank_quantiles(struct lm_metric *m)
{
	double *s;
	size_t i, r;

	if (!m->n || !(s = malloc(m->n * sizeof *s)))
		return;
	memcpy(s, m->v, m->n * sizeof *s);
	qsort(s, m->n, sizeof *s, cmp_double);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		r = (size_t)ceil(qs[i] * (double)m->n - 1e-9);
		put(m, qst[i], s[(r ? r : 1) - 1]);
	}
	free(s);
}

void lm_metric_stats(struct lm_metric *m)
{
	const struct lm_hist *o = &m->obs;
	size_t i;

	memset(m->st, 0, sizeof m->st);
	memset(m->has, 0, sizeof m->has);
	put(m, LM_ST_COUNT, (double)m->count);
	if (m->count) {
		put(m, LM_ST_MIN, m->min);
		put(m, LM_ST_MAX, m->max);
		put(m, LM_ST_MEAN, m->sum / (double)m->count);
		put(m, LM_ST_LAST, m->last);
		rank_quantiles(m);
	}
	if (is_count(m->type))
		put(m, LM_ST_TOTAL, m->total);
	if (!is_obs(m->type) || !(o->count > 0))
		return;
	put(m, LM_ST_COUNT, o->count);
	put(m, LM_ST_MEAN, o->sum / o->count);
	put(m, LM_ST_MIN, o->min);
	put(m, LM_ST_MAX, o->max);
	put(m, LM_ST_LAST, m->obs_last < o->min ? o->min : m->obs_last > o->max ? o->max : m->obs_last);
	put(m, LM_ST_TOTAL, o->sum);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++)
		put(m, qst[i], lm_hist_quantile(o, qs[i]));
	/* a mean outside the extremes is rounding: keep the invariant */
	if (m->st[LM_ST_MEAN] < o->min)
		m->st[LM_ST_MEAN] = o->min;
	if (m->st[LM_ST_MEAN] > o->max)
		m->st[LM_ST_MEAN] = o->max;
}

const char *lm_metric_unit(const struct lm_metric *m)
{
	static const char *const unit[] = {
		"seconds", "bytes", "celsius", "watts", "hertz", "ratio"
	};
	const char *id = nz(m->id), *b = strchr(id, '{');
	size_t n = b ? (size_t)(b - id) : strlen(id), i, k;

	if (is_timer(m->type))
		return "seconds";
	if (is_count(m->type))
		return "per_second";
	for (i = 0; i < sizeof unit / sizeof unit[0]; i++) {
		k = strlen(unit[i]);
		if (n > k && id[n - k - 1] == '_' && memcmp(id + n - k, unit[i], k) == 0)
			return unit[i];
	}
	return "";
}

/* ---- text for people: control bytes never pass */

static unsigned utf8_cp(const unsigned char *s, size_t k)
{
	if (k == 1)
		return s[0];
	if (k == 2)
		return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	if (k == 3)
		return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	return (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
}

/* a code point a terminal must not see raw: C0, DEL, C1, bidi overrides */
static int cp_unsafe(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) ||
		(c >= 0x2066 && c <= 0x2069);
}

/* Copy s into d (cap bytes, NUL-terminated), each unsafe code point or
 * bad byte as '?', cut at a character boundary. */
static void clean(char *d, size_t cap, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	if (!cap)
		return;
	while (i < n) {
		k = lm_utf8_len(u + i, n - i);
		if (!k || cp_unsafe(utf8_cp(u + i, k))) {
			if (o + 1 >= cap)
				break;
			d[o++] = '?';
			i += k ? k : 1;
			continue;
		}
		if (o + k >= cap)
			break;
		memcpy(d + o, s + i, k);
		o += k;
		i += k;
	}
	d[o] = 0;
}

/* a fixed line: appends cut at cap, never past it */
struct line {
	char *p;
	size_t cap, len;
};

static void lput(struct line *l, const char *s)
{
	if (l->len + 1 < l->cap) {
		clean(l->p + l->len, l->cap - l->len, s);
		l->len += strlen(l->p + l->len);
	}
}

static void lputf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->len + 1 >= l->cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->len += (size_t)k < l->cap - l->len ? (size_t)k : l->cap - l->len - 1;
}

/* "WHAT in 'S'", S made safe for a terminal */
static void errf(char *err, size_t cap, const char *what, const char *s)
{
	char t[LM_EXPECT_MAX + 1];

	clean(t, sizeof t, nz(s));
	snprintf(err, cap, "%s in '%s'", what, t);
}

/* ---- thresholds */

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int is_opc(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

static int name_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == ':';
}

static int stat_index(const char *p, size_t n)
{
	int i;

	for (i = 0; i < LM_ST_N; i++)
		if (strlen(lm_stat_name[i]) == n && memcmp(lm_stat_name[i], p, n) == 0)
			return i;
	return -1;
}

static int word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_ws(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_ws((*p)[*n - 1]))
		(*n)--;
}

/* RHS: NUMBER | baseline | NUMBER*baseline | baseline*NUMBER */
static int parse_rhs(struct lm_expect *e, const char *p, size_t n)
{
	const char *star = memchr(p, '*', n), *a = p, *b;
	size_t na = n, nb;

	if (!star) {
		trim(&a, &na);
		if (word_is(a, na, "baseline")) {
			e->rel = 1;
			e->k = 1;
			return 0;
		}
		return lm_parse_double(a, na, &e->k);
	}
	na = (size_t)(star - p);
	b = star + 1;
	nb = n - na - 1;
	trim(&a, &na);
	trim(&b, &nb);
	e->rel = 1;
	if (word_is(a, na, "baseline"))
		return lm_parse_double(b, nb, &e->k);
	if (word_is(b, nb, "baseline"))
		return lm_parse_double(a, na, &e->k);
	return -1;
}

/* the left side s[a..b): [SOURCE/]NAME[{...}][.STAT] */
static const char *parse_lhs(struct lm_expect *e, const char *s, size_t a, size_t b)
{
	size_t i, ida = a, ide, slash = 0, dot = 0, open = 0, close = 0;
	int hs = 0, hd = 0, ho = 0;

	for (i = a; i < b; i++) {
		if (s[i] == '{') {
			if (ho)
				return "a second '{'";
			ho = 1;
			open = i;
			while (i < b && s[i] != '}')
				i++;
			if (i == b)
				return "no '}' after '{'";
			close = i;
		} else if (s[i] == '}') {
			return "a '}' without '{'";
		} else if (s[i] == '/' && !hs && !ho) {
			hs = 1;
			slash = i;
			hd = 0;   /* a '.' in the source is the source's */
		} else if (s[i] == '.') {
			hd = 1;
			dot = i;
		}
	}
	if (hs) {
		if (slash == a)
			return "an empty source";
		ida = slash + 1;
		if (!(e->source = strndup(s + a, slash - a)))
			return "out of memory";
	}
	ide = b;
	if (hd) {
		if (ho && dot < open)
			return "a statistic before '{'";
		if ((e->stat = stat_index(s + dot + 1, b - dot - 1)) < 0)
			return "an unknown statistic";
		ide = dot;
	}
	if (ho && ide != close + 1)
		return "junk after '}'";
	if ((ho ? open : ide) == ida)
		return "no metric name";
	for (i = ida; i < (ho ? open : ide); i++)
		if (!name_byte(s[i]))
			return "a bad byte in the metric name";
	if (!(e->id = strndup(s + ida, ide - ida)))
		return "out of memory";
	return NULL;
}

static const char *parse_op(struct lm_expect *e, const char *s, size_t *i)
{
	char c = s[*i], d = c ? s[*i + 1] : 0;

	if (!c)
		return "no operator";
	if (c == '>' || c == '<') {
		e->op = d == '=' ? (c == '>' ? LM_OP_GE : LM_OP_LE) : (c == '>' ? LM_OP_GT : LM_OP_LT);
		*i += d == '=' ? 2 : 1;
	} else if ((c == '=' || c == '!') && d == '=') {
		e->op = c == '=' ? LM_OP_EQ : LM_OP_NE;
		*i += 2;
	} else {
		return is_opc(c) ? "a bad operator" : "no operator";
	}
	return is_opc(s[*i]) ? "a bad operator" : NULL;
}

int lm_expect_parse(struct lm_expect *e, const char *s, char *err, size_t errcap)
{
	size_t n = strlen(s), i = 0, a;
	const char *why;

	memset(e, 0, sizeof *e);
	e->stat = LM_ST_MEAN;
	if (n > LM_EXPECT_MAX) {
		snprintf(err, errcap, "a threshold longer than %d bytes", LM_EXPECT_MAX);
		return -1;
	}
	memcpy(e->text, s, n + 1);
	while (is_ws(s[i]))
		i++;
	a = i;
	while (i < n && !is_ws(s[i]) && !is_opc(s[i])) {
		if (s[i] == '{')
			while (i < n && s[i] != '}')
				i++;
		if (i < n)
			i++;
	}
	if (i == a)
		why = "no metric";
	else if (!(why = parse_lhs(e, s, a, i))) {
		while (is_ws(s[i]))
			i++;
		if (!(why = parse_op(e, s, &i))) {
			a = i;
			while (is_ws(s[a]))
				a++;
			if (a == n)
				why = "no value after the operator";
			else if (parse_rhs(e, s + i, n - i) < 0)
				why = "a bad value (NUMBER, baseline or NUMBER*baseline)";
		}
	}
	if (!why)
		return 0;
	errf(err, errcap, why, s);
	lm_expect_free(e);
	return -1;
}

void lm_expect_free(struct lm_expect *e)
{
	free(e->source);
	free(e->id);
	e->source = e->id = NULL;
}

static const char *op_text(int op)
{
	static const char *const t[] = { "?", ">=", "<=", ">", "<", "==", "!=" };

	return op >= LM_OP_GE && op <= LM_OP_NE ? t[op] : "?";
}

static int op_holds(int op, double a, double b)
{
	switch (op) {
	case LM_OP_GE: return a >= b;
	case LM_OP_LE: return a <= b;
	case LM_OP_GT: return a > b;
	case LM_OP_LT: return a < b;
	case LM_OP_EQ: return a == b;
	case LM_OP_NE: return a != b;
	}
	return 0;
}

/* short numbers, or exact ones where short ones would look equal */
static void num_pair(char *a, char *b, double x, double y)
{
	snprintf(a, LM_NUM_MAX, "%.6g", x);
	snprintf(b, LM_NUM_MAX, "%.6g", y);
	if (x != y && strcmp(a, b) == 0) {
		lm_fmt_double(a, x);
		lm_fmt_double(b, y);
	}
}

static void put_name(struct line *l, const struct lm_expect *e)
{
	if (e->source) {
		lput(l, e->source);
		lput(l, "/");
	}
	lput(l, nz(e->id));
}

/* the metrics of this run e names; *n how many */
static const struct lm_metric *find_metric(const struct lm_expect *e,
	const struct lm_metric *m, size_t nm, size_t *n)
{
	const struct lm_metric *hit = NULL;
	size_t i;

	*n = 0;
	for (i = 0; i < nm; i++)
		if (strcmp(nz(m[i].id), nz(e->id)) == 0 &&
			(!e->source || strcmp(nz(m[i].source), e->source) == 0)) {
			if (!hit)
				hit = &m[i];
			(*n)++;
		}
	return hit;
}

static void why_ambiguous(struct lm_expect *e, const struct lm_metric *m, size_t nm, size_t nhit)
{
	struct line l = { e->why, sizeof e->why, 0 };
	size_t i, k = 0;

	lput(&l, "\"");
	put_name(&l, e);
	lput(&l, "\" is ambiguous: in ");
	for (i = 0; i < nm; i++)
		if (strcmp(nz(m[i].id), nz(e->id)) == 0) {
			if (k++)
				lput(&l, k == nhit ? " and " : ", ");
			lput(&l, nz(m[i].source));
		}
	lput(&l, "; write SOURCE/");
	lput(&l, nz(e->id));
}

void lm_expect_eval(struct lm_expect *e, const struct lm_metric *m, size_t nm,
	const struct lm_baseline *b)
{
	struct line l = { e->why, sizeof e->why, 0 };
	const struct lm_metric *hit;
	const struct lm_base_metric *bm = NULL;
	const char *sn = e->stat >= 0 && e->stat < LM_ST_N ? lm_stat_name[e->stat] : "?";
	char g[LM_NUM_MAX], w[LM_NUM_MAX], k[LM_NUM_MAX], bv[LM_NUM_MAX];
	size_t nhit;

	e->result = LM_EX_FAIL;
	e->got = e->want = 0;
	e->has_got = e->has_want = 0;
	e->why[0] = 0;
	if (!(hit = find_metric(e, m, nm, &nhit))) {
		lput(&l, "no metric \"");
		put_name(&l, e);
		lput(&l, "\" in this run");
		return;
	}
	if (nhit > 1) {
		why_ambiguous(e, m, nm, nhit);
		return;
	}
	put_name(&l, e);
	lputf(&l, " %s", sn);
	if (e->stat < 0 || e->stat >= LM_ST_N || !hit->has[e->stat]) {
		lput(&l, ": no value in this run (no samples)");
		return;
	}
	e->got = hit->st[e->stat];
	e->has_got = 1;
	e->want = e->k;
	if (e->rel) {
		if (b)
			bm = lm_baseline_find(b, hit->source, hit->id);
		e->result = LM_EX_SKIP;
		l.len = 0;
		if (!b) {
			lput(&l, "no baseline: skipped");
			return;
		}
		if (!bm || !bm->has[e->stat]) {
			lput(&l, "the baseline has no ");
			put_name(&l, e);
			lputf(&l, " %s: skipped", sn);
			return;
		}
		e->want = e->k * bm->st[e->stat];
		if (!isfinite(e->want)) {
			lput(&l, "the baseline's value is out of range: skipped");
			return;
		}
		put_name(&l, e);
		lputf(&l, " %s", sn);
	}
	e->has_want = 1;
	e->result = op_holds(e->op, e->got, e->want) ? LM_EX_PASS : LM_EX_FAIL;
	num_pair(g, w, e->got, e->want);
	lputf(&l, " %s, expected %s %s", g, op_text(e->op), w);
	if (e->rel) {
		snprintf(k, sizeof k, "%.6g", e->k);
		snprintf(bv, sizeof bv, "%.6g", bm->st[e->stat]);
		if (e->k == 1)
			lputf(&l, " (the baseline)");
		else
			lputf(&l, " (%s * baseline %s)", k, bv);
	}
}

/* ---- the baseline */

static void base_free_metrics(struct lm_baseline *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->m[i].source);
		free(b->m[i].id);
	}
	free(b->m);
	b->m = NULL;
	b->n = 0;
}

void lm_baseline_free(struct lm_baseline *b)
{
	base_free_metrics(b);
	free(b->dir);
	b->dir = NULL;
}

/* a string member of object o as a new C string (no NUL inside) */
static char *jdup(const struct lm_json *j, uint32_t o, const char *key)
{
	size_t n;
	const char *s = lm_json_str(j, lm_json_get(j, o, key), &n);

	if (!s || memchr(s, 0, n))
		return NULL;
	return strdup(s);
}

static const char *base_metric(struct lm_base_metric *bm, const struct lm_json *j, uint32_t o)
{
	uint32_t st, x;
	int i;

	memset(bm, 0, sizeof *bm);
	if (j->n[o].type != LM_JOBJ)
		return "a metric that is not an object";
	if (!(bm->source = jdup(j, o, "source")) || !(bm->id = jdup(j, o, "id")))
		return "a metric without source or id";
	st = lm_json_get(j, o, "stats");
	if (st && j->n[st].type != LM_JOBJ)
		return "a metric's stats that are not an object";
	for (i = 0; i < LM_ST_N && st; i++) {
		if (!(x = lm_json_get(j, st, lm_stat_name[i])))
			continue;
		if (j->n[x].type != LM_JNUM)
			return "a statistic that is not a number";
		bm->st[i] = j->n[x].num;
		bm->has[i] = 1;
	}
	return NULL;
}

static const char *base_read(struct lm_baseline *b, const struct lm_json *j)
{
	struct lm_base_metric *nm;
	uint32_t ms, c, x;
	const char *f, *why;
	size_t cap = 0;

	if (j->n[1].type != LM_JOBJ || !(f = lm_json_str(j, lm_json_get(j, 1, "format"), NULL)) ||
		strcmp(f, FORMAT) != 0)
		return "not an lmsession summary (no \"format\": \"" FORMAT "\")";
	if ((x = lm_json_get(j, 1, "duration_seconds"))) {
		if (j->n[x].type != LM_JNUM)
			return "duration_seconds is not a number";
		b->duration = j->n[x].num;
	}
	if (!(ms = lm_json_get(j, 1, "metrics")))
		return NULL;
	if (j->n[ms].type != LM_JARR)
		return "metrics is not an array";
	for (c = j->n[ms].child; c; c = j->n[c].next) {
		if (b->n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nm = realloc(b->m, cap * sizeof *nm)))
				return "out of memory";
			b->m = nm;
		}
		why = base_metric(&b->m[b->n], j, c);
		b->n++;
		if (why)
			return why;
	}
	return NULL;
}

int lm_baseline_parse(struct lm_baseline *b, const char *p, size_t n, char *err, size_t errcap)
{
	struct lm_json j;
	char e[128];
	const char *why;

	memset(b, 0, sizeof *b);
	if (lm_json_parse(&j, p, n, e, sizeof e) < 0) {
		snprintf(err, errcap, "not JSON: %s", e);
		return -1;
	}
	why = base_read(b, &j);
	lm_json_free(&j);
	if (!why)
		return 0;
	snprintf(err, errcap, "%s", why);
	base_free_metrics(b);
	return -1;
}

int lm_baseline_load(struct lm_baseline *b, const char *dir, char *err, size_t errcap)
{
	struct lm_buf f;
	char path[4096], e[256], d[4096];
	int rc;

	memset(b, 0, sizeof *b);
	clean(d, sizeof d, dir);
	if ((size_t)snprintf(path, sizeof path, "%s/summary.json", dir) >= sizeof path) {
		snprintf(err, errcap, "unable to read %.200s/summary.json: %s", d, strerror(ENAMETOOLONG));
		return -1;
	}
	lm_buf_init(&f, LM_BASE_MAX);
	if (lm_buf_load(&f, path) < 0) {
		if (errno == EMSGSIZE)
			snprintf(err, errcap, "%s/summary.json: larger than %u MiB", d, LM_BASE_MAX >> 20);
		else
			snprintf(err, errcap, "unable to read %s/summary.json: %s", d, strerror(errno));
		lm_buf_free(&f);
		return -1;
	}
	rc = lm_baseline_parse(b, f.p ? f.p : "", f.len, e, sizeof e);
	lm_buf_free(&f);
	if (rc < 0) {
		snprintf(err, errcap, "%s/summary.json: %s", d, e);
		return -1;
	}
	if (!(b->dir = strdup(dir))) {
		snprintf(err, errcap, "out of memory");
		lm_baseline_free(b);
		return -1;
	}
	return 0;
}

const struct lm_base_metric *lm_baseline_find(const struct lm_baseline *b,
	const char *source, const char *id)
{
	const struct lm_base_metric *hit = NULL;
	size_t i;

	if (!b || !id)
		return NULL;
	for (i = 0; i < b->n; i++) {
		if (strcmp(nz(b->m[i].id), id) != 0)
			continue;
		if (source && strcmp(nz(b->m[i].source), source) == 0)
			return &b->m[i];
		if (!source) {
			if (hit)
				return NULL;
			hit = &b->m[i];
		}
	}
	return hit;
}

/* ---- output helpers */

enum { E_JSON, E_XML, E_ATTR, E_TEXT };

static void addf(struct lm_buf *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k < 0) {
		if (!o->err)
			o->err = EINVAL;
		return;
	}
	if (lm_buf_reserve(o, (size_t)k) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(o->p + o->len, (size_t)k + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)k;
}

static void esc_ascii(struct lm_buf *o, unsigned char c, int mode)
{
	static const char rep[] = "\xef\xbf\xbd";   /* U+FFFD */

	if (mode == E_TEXT) {
		lm_buf_addc(o, '?');
	} else if (mode == E_JSON) {
		switch (c) {
		case '"': lm_buf_adds(o, "\\\""); break;
		case '\\': lm_buf_adds(o, "\\\\"); break;
		case '\n': lm_buf_adds(o, "\\n"); break;
		case '\r': lm_buf_adds(o, "\\r"); break;
		case '\t': lm_buf_adds(o, "\\t"); break;
		case '\b': lm_buf_adds(o, "\\b"); break;
		case '\f': lm_buf_adds(o, "\\f"); break;
		default: addf(o, "\\u%04x", c);
		}
	} else {
		switch (c) {
		case '&': lm_buf_adds(o, "&amp;"); break;
		case '<': lm_buf_adds(o, "&lt;"); break;
		case '>': lm_buf_adds(o, "&gt;"); break;
		case '"': lm_buf_adds(o, "&quot;"); break;
		case '\'': lm_buf_adds(o, "&#39;"); break;
		case '\n': lm_buf_adds(o, mode == E_ATTR ? "&#10;" : "\n"); break;
		case '\t': lm_buf_adds(o, mode == E_ATTR ? "&#9;" : "\t"); break;
		case '\r': lm_buf_adds(o, "&#13;"); break;
		default: lm_buf_adds(o, rep);
		}
	}
}

static int esc_special(unsigned char c, int mode)
{
	if (mode == E_JSON)
		return c == '"' || c == '\\';
	if (mode == E_XML || mode == E_ATTR)
		return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
	return 0;
}

/* s escaped for mode: JSON string body, XML/HTML text or attribute, or
 * plain text (one line, nothing a terminal acts on). Bad UTF-8 becomes
 * U+FFFD ('?' in plain text). */
static void esc(struct lm_buf *o, const char *s, int mode)
{
	const unsigned char *u = (const unsigned char *)nz(s);
	size_t n = strlen((const char *)u), i = 0, a, k;
	unsigned c;

	while (i < n) {
		a = i;
		while (i < n && u[i] >= 0x20 && u[i] < 0x7f && !esc_special(u[i], mode))
			i++;
		lm_buf_add(o, u + a, i - a);
		if (i >= n)
			break;
		if (u[i] < 0x80) {
			esc_ascii(o, u[i++], mode);
			continue;
		}
		k = lm_utf8_len(u + i, n - i);
		c = k ? utf8_cp(u + i, k) : 0;
		if (!k)
			lm_buf_adds(o, mode == E_JSON ? "\\ufffd" : mode == E_TEXT ? "?" : "\xef\xbf\xbd");
		else if (mode == E_TEXT && cp_unsafe(c))
			lm_buf_addc(o, '?');
		else if (mode != E_TEXT && mode != E_JSON && (c == 0xfffe || c == 0xffff))
			lm_buf_adds(o, "\xef\xbf\xbd");
		else
			lm_buf_add(o, u + i, k);
		i += k ? k : 1;
	}
}

/* columns s takes as plain text (one per character) */
static size_t twidth(const char *s)
{
	const unsigned char *u = (const unsigned char *)nz(s);
	size_t n = strlen((const char *)u), i = 0, w = 0, k;

	while (i < n) {
		k = lm_utf8_len(u + i, n - i);
		i += k ? k : 1;
		w++;
	}
	return w;
}

static void pad(struct lm_buf *o, size_t n)
{
	while (n--)
		lm_buf_addc(o, ' ');
}

static int finish(struct lm_buf *o)
{
	if (o->err) {
		errno = o->err;
		return -1;
	}
	return 0;
}

/* ---- numbers for people */

/* about 4 significant digits, no exponent between 1e-4 and 1e9 */
static void sig(char *b, size_t cap, double v)
{
	double a = fabs(v);
	int d;
	char *p;

	if (a != 0 && (a < 1e-4 || a >= 1e9)) {
		snprintf(b, cap, "%.3e", v);
		return;
	}
	d = a == 0 ? 0 : 3 - (int)floor(log10(a));
	if (d < 0)
		d = 0;
	snprintf(b, cap, "%.*f", d, v);
	if (strchr(b, '.')) {
		p = b + strlen(b) - 1;
		while (*p == '0')
			*p-- = 0;
		if (*p == '.')
			*p = 0;
	}
	if (strcmp(b, "-0") == 0)
		strcpy(b, "0");
}

/* v with an SI prefix and the unit symbol u: "1.5 kHz", "20 mW", "12k/s";
 * prefixes below 1 only when small */
static void si(char *b, size_t cap, double v, const char *u, int small)
{
	static const struct { double f; const char *p; } pre[] = {
		{ 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
		{ 1, "" }, { 1e-3, "m" }, { 1e-6, "µ" }, { 1e-9, "n" }
	};
	double a = fabs(v);
	size_t i, k = 4;
	char t[40];

	if (a >= 1e4) {
		for (i = 0; i < 4 && k == 4; i++)
			if (a >= pre[i].f)
				k = i;
	} else if (small && a > 0 && a < 1) {
		for (k = 5; k < 7 && a < pre[k].f; k++)
			;
	}
	sig(t, sizeof t, v / pre[k].f);
	snprintf(b, cap, "%s%s%s%s", t, *u == '/' && !*pre[k].p ? "" : " ", pre[k].p, u);
}

/* a value humanised with its unit (lm_metric_unit) */
static void human(char *b, size_t cap, double v, const char *unit)
{
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	char t[40];
	double a = fabs(v);
	size_t i;

	if (strcmp(unit, "bytes") == 0) {
		for (i = 0; i < 5 && a >= 1024; i++) {
			a /= 1024;
			v /= 1024;
		}
		sig(t, sizeof t, v);
		snprintf(b, cap, "%s %s", t, bin[i]);
	} else if (strcmp(unit, "seconds") == 0) {
		if (a == 0 || a >= 1) {
			sig(t, sizeof t, v);
			snprintf(b, cap, "%s s", t);
		} else {
			si(b, cap, v, "s", 1);
		}
	} else if (strcmp(unit, "ratio") == 0) {
		sig(t, sizeof t, v * 100);
		snprintf(b, cap, "%s%%", t);
	} else if (strcmp(unit, "celsius") == 0) {
		sig(t, sizeof t, v);
		snprintf(b, cap, "%s °C", t);
	} else if (strcmp(unit, "watts") == 0) {
		si(b, cap, v, "W", 1);
	} else if (strcmp(unit, "hertz") == 0) {
		si(b, cap, v, "Hz", 0);
	} else if (strcmp(unit, "per_second") == 0) {
		si(b, cap, v, "/s", 0);
	} else if (a >= 1e4) {
		si(b, cap, v, "", 0);
	} else {
		sig(b, cap, v);
	}
	i = strlen(b);
	if (i && b[i - 1] == ' ')
		b[i - 1] = 0;
}

static const char *secs(char *b, size_t cap, double v)
{
	human(b, cap, v, "seconds");
	return b;
}

/* the relative change of cur against base, as "+5.2%"; 0 when none */
static int delta(double cur, double base, double *d)
{
	if (!(base != 0) || !isfinite(cur) || !isfinite(base))
		return 0;
	*d = (cur - base) / fabs(base);
	return isfinite(*d);
}

static void delta_text(char *b, size_t cap, double d)
{
	if (fabs(d) < 10)
		snprintf(b, cap, "%+.1f%%", d * 100);
	else
		snprintf(b, cap, "%+.3g%%", d * 100);
}

/* ---- the run */

static const char *type_name(int type)
{
	switch (type) {
	case LM_GAUGE: return "gauge";
	case LM_COUNTER: return "counter";
	case LM_RATE: return "rate";
	case LM_TIMER: case LM_TIMER_MS: return "timer";
	case LM_HISTO: case LM_DIST: return "histogram";
	}
	return "unknown";
}

static const char *end_name(int end)
{
	static const char *const t[] = {
		"unknown", "exited", "signaled", "stopped", "timeout", "killed", "not-started"
	};

	return end >= LM_END_EXITED && end <= LM_END_NOSTART ? t[end] : t[0];
}

static void end_human(char *b, size_t cap, const struct lm_run *r)
{
	switch (r->end) {
	case LM_END_EXITED: snprintf(b, cap, "exited %d", r->status); break;
	case LM_END_SIGNALED: snprintf(b, cap, "died of signal %d", r->status); break;
	case LM_END_STOPPED: snprintf(b, cap, "stopped on schedule"); break;
	case LM_END_TIMEOUT: snprintf(b, cap, "timed out"); break;
	case LM_END_KILLED: snprintf(b, cap, "killed at the deadline"); break;
	case LM_END_NOSTART: snprintf(b, cap, "did not start (%d)", r->status); break;
	default: snprintf(b, cap, "ended");
	}
}

static int app_ok(const struct lm_run *r)
{
	return (r->end == LM_END_EXITED && r->status == 0) || r->end == LM_END_STOPPED;
}

static int is_board(const struct lm_metric *m)
{
	return strcmp(nz(m->source), "board") == 0;
}

/* metric indices: the app's first, then the board's, each in run order */
static size_t *order(const struct lm_run *r, struct lm_buf *o)
{
	size_t *ix, i, k = 0;
	int pass;

	if (!(ix = malloc((r->nm ? r->nm : 1) * sizeof *ix))) {
		if (!o->err)
			o->err = ENOMEM;
		return NULL;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->nm; i++)
			if (is_board(&r->m[i]) == pass)
				ix[k++] = i;
	return ix;
}

static void iso_time(char *b, size_t cap, double t, const char *z)
{
	struct tm tm;
	time_t s;

	if (!isfinite(t) || t < 0 || t > 253402300799.0) {
		snprintf(b, cap, "unknown");
		return;
	}
	s = (time_t)t;
	if (!gmtime_r(&s, &tm)) {
		snprintf(b, cap, "unknown");
		return;
	}
	snprintf(b, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, z);
}

static int shell_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || strchr("_@%+=:,./-", *s)))
			return 0;
	return 1;
}

/* the command as a shell would read it, escaped for mode */
static void command(struct lm_buf *o, const struct lm_run *r, int mode)
{
	struct lm_buf t;
	size_t i;
	const char *s;

	lm_buf_init(&t, LM_REPORT_MAX);
	for (i = 0; r->argv && r->argv[i]; i++) {
		if (i)
			lm_buf_addc(&t, ' ');
		if (shell_safe(r->argv[i])) {
			lm_buf_adds(&t, r->argv[i]);
			continue;
		}
		lm_buf_addc(&t, '\'');
		for (s = r->argv[i]; *s; s++)
			if (*s == '\'')
				lm_buf_adds(&t, "'\\''");
			else
				lm_buf_addc(&t, *s);
		lm_buf_addc(&t, '\'');
	}
	if (t.err && !o->err)
		o->err = t.err;
	esc(o, t.p ? t.p : "", mode);
	lm_buf_free(&t);
}

/* ---- the statistics table (summary.txt and report.html) */

enum { C_SRC, C_ID, C_UNIT, C_COUNT, C_MIN, C_MEAN, C_P50, C_P90, C_P95, C_P99, C_MAX, C_DELTA, C_N };
static const char *const col_head[C_N] = {
	"source", "metric", "unit", "count", "min", "mean", "p50", "p90", "p95", "p99", "max", "Δ mean"
};
struct cell {
	const char *s;
	char b[48];
};

static void row_cells(const struct lm_run *r, const struct lm_metric *m, struct cell *c)
{
	static const int st[] = { LM_ST_MIN, LM_ST_MEAN, LM_ST_P50, LM_ST_P90, LM_ST_P95, LM_ST_P99, LM_ST_MAX };
	const char *unit = lm_metric_unit(m);
	const struct lm_base_metric *bm;
	size_t i;
	double d;

	for (i = 0; i < C_N; i++) {
		c[i].s = c[i].b;
		strcpy(c[i].b, "-");
	}
	c[C_SRC].s = nz(m->source);
	c[C_ID].s = nz(m->id);
	c[C_UNIT].s = *unit ? unit : "-";
	if (m->has[LM_ST_COUNT])
		snprintf(c[C_COUNT].b, sizeof c[C_COUNT].b, "%.0f", m->st[LM_ST_COUNT]);
	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (m->has[st[i]])
			human(c[C_MIN + i].b, sizeof c[C_MIN + i].b, m->st[st[i]], unit);
	bm = r->base ? lm_baseline_find(r->base, m->source, m->id) : NULL;
	if (bm && bm->has[LM_ST_MEAN] && m->has[LM_ST_MEAN] &&
		delta(m->st[LM_ST_MEAN], bm->st[LM_ST_MEAN], &d))
		delta_text(c[C_DELTA].b, sizeof c[C_DELTA].b, d);
	else if (!bm)
		strcpy(c[C_DELTA].b, "new");
}

static void text_table(const struct lm_run *r, struct lm_buf *o)
{
	size_t ncol = r->base ? C_N : C_N - 1, w[C_N], i, j, x;
	struct cell *c;
	size_t *ix;

	if (!r->nm) {
		lm_buf_adds(o, "no metrics were sampled\n");
		return;
	}
	if (!(ix = order(r, o)))
		return;
	if (!(c = calloc(r->nm, C_N * sizeof *c))) {
		free(ix);
		if (!o->err)
			o->err = ENOMEM;
		return;
	}
	for (j = 0; j < ncol; j++)
		w[j] = twidth(col_head[j]);
	for (i = 0; i < r->nm; i++) {
		row_cells(r, &r->m[ix[i]], c + i * C_N);
		for (j = 0; j < ncol; j++)
			if ((x = twidth(c[i * C_N + j].s)) > w[j])
				w[j] = x;
	}
	for (i = 0; i <= r->nm; i++) {
		for (j = 0; j < ncol; j++) {
			const char *s = i ? c[(i - 1) * C_N + j].s : col_head[j];
			size_t sw = twidth(s);

			if (j)
				lm_buf_adds(o, "  ");
			if (j > C_UNIT)
				pad(o, w[j] - sw);
			esc(o, s, E_TEXT);
			if (j <= C_UNIT && j + 1 < ncol)
				pad(o, w[j] - sw);
		}
		lm_buf_addc(o, '\n');
	}
	free(c);
	free(ix);
}

static void text_expect(const struct lm_run *r, struct lm_buf *o)
{
	static const char *const res[] = { "?", "PASS", "FAIL", "SKIP" };
	size_t i, n[4] = { 0 }, w = 0, x;
	int k;

	if (!r->nex)
		return;
	for (i = 0; i < r->nex; i++) {
		k = r->ex[i].result >= LM_EX_PASS && r->ex[i].result <= LM_EX_SKIP ? r->ex[i].result : 0;
		n[k]++;
		if ((x = twidth(r->ex[i].text)) > w)
			w = x;
	}
	addf(o, "\nexpectations: %zu passed, %zu failed", n[LM_EX_PASS], n[LM_EX_FAIL]);
	if (n[LM_EX_SKIP])
		addf(o, ", %zu skipped", n[LM_EX_SKIP]);
	lm_buf_addc(o, '\n');
	for (i = 0; i < r->nex; i++) {
		k = r->ex[i].result >= LM_EX_PASS && r->ex[i].result <= LM_EX_SKIP ? r->ex[i].result : 0;
		addf(o, "  %s  ", res[k]);
		esc(o, r->ex[i].text, E_TEXT);
		pad(o, w - twidth(r->ex[i].text));
		lm_buf_adds(o, "  ");
		esc(o, r->ex[i].why, E_TEXT);
		lm_buf_addc(o, '\n');
	}
}

int lm_report_text(const struct lm_run *r, struct lm_buf *o)
{
	char e[64], t[40], u[48];

	end_human(e, sizeof e, r);
	esc(o, nz(r->name), E_TEXT);
	addf(o, ": %s: %s, exit code %d\n", r->exit_code == 0 ? "PASS" : "FAIL", e, r->exit_code);
	if (r->end_text && *r->end_text) {
		lm_buf_adds(o, "  ");
		esc(o, r->end_text, E_TEXT);
		lm_buf_addc(o, '\n');
	}
	lm_buf_adds(o, "command   ");
	command(o, r, E_TEXT);
	if (r->image) {
		lm_buf_adds(o, "\nimage     ");
		esc(o, r->image, E_TEXT);
	}
	lm_buf_adds(o, "\nhost      ");
	esc(o, nz(r->host), E_TEXT);
	iso_time(t, sizeof t, r->started, "Z");
	addf(o, "\nstarted   %s\n", t);
	human(u, sizeof u, r->duration, "seconds");
	addf(o, "duration  %s", u);
	if (r->timeout > 0)
		addf(o, ", timeout %s", secs(u, sizeof u, r->timeout));
	if (r->run_for > 0)
		addf(o, ", run for %s", secs(u, sizeof u, r->run_for));
	if (r->interval > 0)
		addf(o, ", a sample every %s", secs(u, sizeof u, r->interval));
	lm_buf_addc(o, '\n');
	if (r->usage) {
		char us[256];
		lm_usage_line(r->usage, r->duration, us, sizeof us);
		addf(o, "usage     %s\n", us);
	}
	if (r->base) {
		lm_buf_adds(o, "baseline  ");
		esc(o, nz(r->base->dir), E_TEXT);
		lm_buf_addc(o, '\n');
	}
	lm_buf_addc(o, '\n');
	text_table(r, o);
	text_expect(r, o);
	return finish(o);
}

/* ---- summary.json */

static void jstr(struct lm_buf *o, const char *s)
{
	lm_buf_addc(o, '"');
	esc(o, s, E_JSON);
	lm_buf_addc(o, '"');
}

void lm_report_jstr(struct lm_buf *o, const char *s)
{
	jstr(o, s);
}

/* top-level member: ",\n  "KEY": " */
static void jtop(struct lm_buf *o, const char *key)
{
	addf(o, ",\n  \"%s\": ", key);
}

static void jtop_str(struct lm_buf *o, const char *key, const char *v)
{
	if (v) {
		jtop(o, key);
		jstr(o, v);
	}
}

static void jtop_num(struct lm_buf *o, const char *key, double v)
{
	if (isfinite(v)) {
		jtop(o, key);
		lm_buf_addnum(o, v);
	}
}

static void jstats(struct lm_buf *o, const double *st, const int *has)
{
	int i, k = 0;

	lm_buf_addc(o, '{');
	for (i = 0; i < LM_ST_N; i++)
		if (has[i] && isfinite(st[i])) {
			addf(o, "%s\"%s\":", k++ ? "," : "", lm_stat_name[i]);
			lm_buf_addnum(o, st[i]);
		}
	lm_buf_addc(o, '}');
}

static void json_metric(const struct lm_run *r, const struct lm_metric *m, struct lm_buf *o)
{
	const struct lm_base_metric *bm = r->base ? lm_baseline_find(r->base, m->source, m->id) : NULL;
	int i, k = 0;
	double d;

	lm_buf_adds(o, "{\"source\":");
	jstr(o, m->source);
	lm_buf_adds(o, ",\"id\":");
	jstr(o, m->id);
	addf(o, ",\"type\":\"%s\",\"unit\":\"%s\",\"stats\":", type_name(m->type), lm_metric_unit(m));
	jstats(o, m->st, m->has);
	if (bm) {
		lm_buf_adds(o, ",\"baseline\":");
		jstats(o, bm->st, bm->has);
		lm_buf_adds(o, ",\"delta\":{");
		for (i = 0; i < LM_ST_N; i++)
			if (m->has[i] && bm->has[i] && delta(m->st[i], bm->st[i], &d)) {
				addf(o, "%s\"%s\":", k++ ? "," : "", lm_stat_name[i]);
				lm_buf_addnum(o, d);
			}
		lm_buf_addc(o, '}');
	}
	lm_buf_addc(o, '}');
}

static void json_expect(const struct lm_expect *e, struct lm_buf *o)
{
	static const char *const res[] = { "unknown", "pass", "fail", "skip" };
	int k = e->result >= LM_EX_PASS && e->result <= LM_EX_SKIP ? e->result : 0;

	lm_buf_adds(o, "{\"expect\":");
	jstr(o, e->text);
	addf(o, ",\"result\":\"%s\"", res[k]);
	if (e->has_got && isfinite(e->got)) {
		lm_buf_adds(o, ",\"got\":");
		lm_buf_addnum(o, e->got);
	}
	if (e->has_want && isfinite(e->want)) {
		lm_buf_adds(o, ",\"want\":");
		lm_buf_addnum(o, e->want);
	}
	lm_buf_adds(o, ",\"why\":");
	jstr(o, e->why);
	lm_buf_addc(o, '}');
}

static const char *const our_files[] = {
	"summary.json", "summary.txt", "junit.xml", "report.html", NULL
};

static int is_ours(const char *f)
{
	size_t i;

	for (i = 0; our_files[i]; i++)
		if (strcmp(f, our_files[i]) == 0)
			return 1;
	return 0;
}

static void json_files(const struct lm_run *r, struct lm_buf *o)
{
	size_t i;
	int k = 0;

	jtop(o, "files");
	lm_buf_addc(o, '[');
	for (i = 0; r->files && r->files[i]; i++)
		if (!is_ours(r->files[i])) {
			if (k++)
				lm_buf_addc(o, ',');
			jstr(o, r->files[i]);
		}
	for (i = 0; our_files[i]; i++) {
		if (k++)
			lm_buf_addc(o, ',');
		jstr(o, our_files[i]);
	}
	lm_buf_addc(o, ']');
}

int lm_report_json(const struct lm_run *r, struct lm_buf *o)
{
	char t[40];
	size_t i, *ix;

	lm_buf_adds(o, "{\n  \"format\": \"" FORMAT "\"");
	jtop_str(o, "name", nz(r->name));
	jtop_str(o, "host", nz(r->host));
	jtop(o, "command");
	lm_buf_addc(o, '[');
	for (i = 0; r->argv && r->argv[i]; i++) {
		if (i)
			lm_buf_addc(o, ',');
		jstr(o, r->argv[i]);
	}
	lm_buf_addc(o, ']');
	jtop_str(o, "image", r->image);
	jtop_str(o, "runtime", r->runtime);
	jtop_str(o, "app_args", r->app_args);
	jtop_str(o, "docker_args", r->docker_args);
	jtop_str(o, "dataset", r->dataset);
	jtop_num(o, "started", r->started);
	iso_time(t, sizeof t, r->started, "Z");
	jtop_str(o, "started_utc", t);
	jtop_num(o, "duration_seconds", r->duration);
	if (r->timeout > 0)
		jtop_num(o, "timeout_seconds", r->timeout);
	if (r->run_for > 0)
		jtop_num(o, "run_for_seconds", r->run_for);
	jtop_num(o, "interval_seconds", r->interval);
	jtop_str(o, "end", end_name(r->end));
	jtop_num(o, "status", r->status);
	jtop_str(o, "end_text", nz(r->end_text));
	jtop_num(o, "exit_code", r->exit_code);
	lm_usage_json(r->usage, r->duration, o);
	if (r->base) {
		jtop_str(o, "baseline_dir", nz(r->base->dir));
		jtop_num(o, "baseline_duration_seconds", r->base->duration);
	}
	jtop(o, "metrics");
	lm_buf_addc(o, '[');
	if ((ix = order(r, o))) {
		for (i = 0; i < r->nm; i++) {
			lm_buf_adds(o, i ? ",\n    " : "\n    ");
			json_metric(r, &r->m[ix[i]], o);
		}
		free(ix);
	}
	lm_buf_adds(o, r->nm ? "\n  ]" : "]");
	jtop(o, "expectations");
	lm_buf_addc(o, '[');
	for (i = 0; i < r->nex; i++) {
		lm_buf_adds(o, i ? ",\n    " : "\n    ");
		json_expect(&r->ex[i], o);
	}
	lm_buf_adds(o, r->nex ? "\n  ]" : "]");
	json_files(r, o);
	lm_buf_adds(o, "\n}\n");
	return finish(o);
}

/* ---- junit.xml */

static void xattr(struct lm_buf *o, const char *name, const char *v)
{
	addf(o, " %s=\"", name);
	esc(o, v, E_ATTR);
	lm_buf_addc(o, '"');
}

static void xprop(struct lm_buf *o, const char *name, const char *v)
{
	if (!v)
		return;
	lm_buf_adds(o, "      <property");
	xattr(o, "name", name);
	xattr(o, "value", v);
	lm_buf_adds(o, "/>\n");
}

static void xprop_num(struct lm_buf *o, const char *name, double v)
{
	char t[LM_NUM_MAX];

	if (isfinite(v)) {
		lm_fmt_double(t, v);
		xprop(o, name, t);
	}
}

static void junit_props(const struct lm_run *r, struct lm_buf *o)
{
	struct lm_buf c;
	char t[40];

	lm_buf_init(&c, LM_REPORT_MAX);
	command(&c, r, E_TEXT);
	if (c.err && !o->err)
		o->err = c.err;
	lm_buf_adds(o, "    <properties>\n");
	xprop(o, "name", nz(r->name));
	xprop(o, "command", c.p ? c.p : "");
	xprop(o, "image", r->image);
	xprop(o, "runtime", r->runtime);
	xprop(o, "app_args", r->app_args);
	xprop(o, "docker_args", r->docker_args);
	xprop(o, "dataset", r->dataset);
	xprop(o, "host", nz(r->host));
	iso_time(t, sizeof t, r->started, "Z");
	xprop(o, "started", t);
	xprop_num(o, "duration_seconds", r->duration);
	if (r->timeout > 0)
		xprop_num(o, "timeout_seconds", r->timeout);
	if (r->run_for > 0)
		xprop_num(o, "run_for_seconds", r->run_for);
	xprop_num(o, "interval_seconds", r->interval);
	xprop(o, "end", end_name(r->end));
	xprop_num(o, "status", r->status);
	xprop_num(o, "exit_code", r->exit_code);
	if (r->base)
		xprop(o, "baseline", nz(r->base->dir));
	lm_buf_adds(o, "    </properties>\n");
	lm_buf_free(&c);
}

/* one test case; kind: NULL pass, else "failure" or "skipped" */
static void junit_case(struct lm_buf *o, const struct lm_run *r, const char *name,
	double time, const char *kind, const char *type, const char *msg)
{
	char t[LM_NUM_MAX];

	lm_buf_adds(o, "    <testcase");
	addf(o, " classname=\"lmsession.");
	esc(o, nz(r->name), E_ATTR);
	lm_buf_addc(o, '"');
	xattr(o, "name", name);
	lm_fmt_double(t, isfinite(time) && time > 0 ? time : 0);
	xattr(o, "time", t);
	if (!kind) {
		lm_buf_adds(o, "/>\n");
		return;
	}
	addf(o, ">\n      <%s", kind);
	xattr(o, "message", msg);
	if (type)
		xattr(o, "type", type);
	if (strcmp(kind, "skipped") == 0) {
		lm_buf_adds(o, "/>\n");
	} else {
		lm_buf_addc(o, '>');
		esc(o, msg, E_XML);
		addf(o, "</%s>\n", kind);
	}
	lm_buf_adds(o, "    </testcase>\n");
}

static void junit_cases(const struct lm_run *r, struct lm_buf *o)
{
	const char *msg;
	char e[64];
	size_t i;

	end_human(e, sizeof e, r);
	msg = r->end_text && *r->end_text ? r->end_text : e;
	junit_case(o, r, "app exited 0", r->duration, app_ok(r) ? NULL : "failure", "exit", msg);
	if (r->end == LM_END_NOSTART)
		junit_case(o, r, "finished before the deadline", 0, "skipped", NULL,
			"the app did not start");
	else if (r->end == LM_END_TIMEOUT || r->end == LM_END_KILLED)
		junit_case(o, r, "finished before the deadline", 0, "failure", "deadline", msg);
	else
		junit_case(o, r, "finished before the deadline", 0, NULL, NULL, NULL);
	for (i = 0; i < r->nex; i++) {
		const struct lm_expect *x = &r->ex[i];

		junit_case(o, r, x->text, 0, x->result == LM_EX_PASS ? NULL :
			x->result == LM_EX_SKIP ? "skipped" : "failure",
			x->result == LM_EX_SKIP ? NULL : "threshold", x->why);
	}
}

int lm_report_junit(const struct lm_run *r, struct lm_buf *o)
{
	size_t i, fail = 0, skip = 0, tests = 2 + r->nex;
	struct lm_buf txt;
	char t[40], d[LM_NUM_MAX];

	fail += !app_ok(r);
	fail += r->end == LM_END_TIMEOUT || r->end == LM_END_KILLED;
	skip += r->end == LM_END_NOSTART;
	for (i = 0; i < r->nex; i++) {
		fail += r->ex[i].result != LM_EX_PASS && r->ex[i].result != LM_EX_SKIP;
		skip += r->ex[i].result == LM_EX_SKIP;
	}
	lm_fmt_double(d, isfinite(r->duration) && r->duration > 0 ? r->duration : 0);
	lm_buf_adds(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	addf(o, "<testsuites name=\"lmsession\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
		" skipped=\"%zu\" time=\"%s\">\n", tests, fail, skip, d);
	lm_buf_adds(o, "  <testsuite name=\"lmsession.");
	esc(o, nz(r->name), E_ATTR);
	addf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%s\"",
		tests, fail, skip, d);
	iso_time(t, sizeof t, r->started, "");
	xattr(o, "timestamp", t);
	xattr(o, "hostname", nz(r->host));
	lm_buf_adds(o, ">\n");
	junit_props(r, o);
	junit_cases(r, o);
	lm_buf_init(&txt, LM_REPORT_MAX);
	lm_report_text(r, &txt);
	if (txt.err && !o->err)
		o->err = txt.err;
	lm_buf_adds(o, "    <system-out>");
	esc(o, txt.p ? txt.p : "", E_XML);
	lm_buf_adds(o, "</system-out>\n  </testsuite>\n</testsuites>\n");
	lm_buf_free(&txt);
	return finish(o);
}

/* ---- report.html */

#define PW 960.0   /* plot width, px */
#define PH 240.0
#define PL 84.0    /* left margin (value labels) */
#define PR 16.0
#define PT 12.0
#define PB 30.0

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;"
	"max-width:1000px;padding:0 1em;color:#1d1d1f}"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em;"
	"border-bottom:1px solid #ddd}h3{font-size:1em;margin:1.2em 0 .2em}"
	".pass{color:#17803d}.fail{color:#c62828}.skip{color:#8a6d00}"
	"table{border-collapse:collapse;font-size:.85em}"
	"td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"th{background:#f5f5f7}code{font-size:.95em;word-break:break-all}"
	".params th{background:none;font-weight:600;white-space:nowrap}"
	"figure{margin:.6em 0 1.2em}figcaption{font-size:.9em;margin-bottom:.2em}"
	".legend{font-size:.8em;margin:0}.l-mean{color:#1f6fb4}.l-p50{color:#2e8b57}.l-max{color:#c0392b}"
	"svg.plot{width:100%;height:auto;max-width:960px;display:block}"
	"p.end{margin:.2em 0 1em}\n";

static void h(struct lm_buf *o, const char *s)
{
	esc(o, s, E_XML);
}

static void html_param(struct lm_buf *o, const char *k, const char *v)
{
	if (!v)
		return;
	lm_buf_adds(o, "<tr><th>");
	h(o, k);
	lm_buf_adds(o, "</th><td>");
	h(o, v);
	lm_buf_adds(o, "</td></tr>\n");
}

static void html_params(const struct lm_run *r, struct lm_buf *o)
{
	struct lm_buf c;
	char t[64], u[48];
	size_t i;

	lm_buf_init(&c, LM_REPORT_MAX);
	command(&c, r, E_TEXT);
	if (c.err && !o->err)
		o->err = c.err;
	lm_buf_adds(o, "<table class=\"params\">\n<tr><th>command</th><td><code>");
	h(o, c.p ? c.p : "");
	lm_buf_adds(o, "</code></td></tr>\n");
	lm_buf_free(&c);
	html_param(o, "image", r->image);
	html_param(o, "runtime", r->runtime);
	html_param(o, "app args", r->app_args);
	html_param(o, "docker args", r->docker_args);
	html_param(o, "dataset", r->dataset);
	html_param(o, "host", nz(r->host));
	iso_time(t, sizeof t, r->started, "Z");
	html_param(o, "started", t);
	human(u, sizeof u, r->duration, "seconds");
	html_param(o, "duration", u);
	if (r->usage) {
		char us[256];
		lm_usage_line(r->usage, r->duration, us, sizeof us);
		html_param(o, "usage", us);
	}
	if (r->timeout > 0)
		html_param(o, "timeout", secs(u, sizeof u, r->timeout));
	if (r->run_for > 0)
		html_param(o, "run for", secs(u, sizeof u, r->run_for));
	if (r->interval > 0)
		html_param(o, "interval", secs(u, sizeof u, r->interval));
	end_human(t, sizeof t, r);
	html_param(o, "end", t);
	snprintf(t, sizeof t, "%d", r->exit_code);
	html_param(o, "exit code", t);
	if (r->base)
		html_param(o, "baseline", nz(r->base->dir));
	lm_buf_adds(o, "<tr><th>files</th><td>");
	for (i = 0; r->files && r->files[i]; i++) {
		if (i)
			lm_buf_adds(o, ", ");
		h(o, r->files[i]);
	}
	lm_buf_adds(o, "</td></tr>\n</table>\n");
}

static void html_expect(const struct lm_run *r, struct lm_buf *o)
{
	static const char *const res[] = { "?", "PASS", "FAIL", "SKIP" };
	static const char *const cls[] = { "fail", "pass", "fail", "skip" };
	char g[LM_NUM_MAX], w[LM_NUM_MAX];
	size_t i;
	int k;

	if (!r->nex)
		return;
	lm_buf_adds(o, "<h2>Expectations</h2>\n<table>\n<tr><th>result</th><th>threshold</th>"
		"<th class=\"n\">got</th><th class=\"n\">want</th><th>why</th></tr>\n");
	for (i = 0; i < r->nex; i++) {
		const struct lm_expect *e = &r->ex[i];

		k = e->result >= LM_EX_PASS && e->result <= LM_EX_SKIP ? e->result : 0;
		num_pair(g, w, e->got, e->want);
		addf(o, "<tr><td class=\"%s\"><b>%s</b></td><td><code>", cls[k], res[k]);
		h(o, e->text);
		addf(o, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
			e->has_got ? g : "-", e->has_want ? w : "-");
		h(o, e->why);
		lm_buf_adds(o, "</td></tr>\n");
	}
	lm_buf_adds(o, "</table>\n");
}

static void html_summary(const struct lm_run *r, struct lm_buf *o)
{
	size_t ncol = r->base ? C_N : C_N - 1, i, j, *ix;
	struct cell c[C_N];

	lm_buf_adds(o, "<h2>Summary</h2>\n");
	if (!r->nm) {
		lm_buf_adds(o, "<p>No metrics were sampled.</p>\n");
		return;
	}
	if (!(ix = order(r, o)))
		return;
	lm_buf_adds(o, "<table>\n<tr>");
	for (j = 0; j < ncol; j++)
		addf(o, "<th%s>%s</th>", j > C_UNIT ? " class=\"n\"" : "", col_head[j]);
	lm_buf_adds(o, "</tr>\n");
	for (i = 0; i < r->nm; i++) {
		row_cells(r, &r->m[ix[i]], c);
		lm_buf_adds(o, "<tr>");
		for (j = 0; j < ncol; j++) {
			lm_buf_adds(o, j > C_UNIT ? "<td class=\"n\">" : "<td>");
			h(o, c[j].s);
			lm_buf_adds(o, "</td>");
		}
		lm_buf_adds(o, "</tr>\n");
	}
	lm_buf_adds(o, "</table>\n");
	free(ix);
}

/* a round step near span/n: 1, 2 or 5 times a power of ten */
static double nice_step(double span, int n)
{
	double raw = span / n, p, f;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

struct plot {
	double t1, lo, hi;   /* time 0..t1, values lo..hi */
};

static double px(const struct plot *p, double t)
{
	return PL + (PW - PL - PR) * (t / p->t1);
}

static double py(const struct plot *p, double v)
{
	return PH - PB - (PH - PT - PB) * ((v - p->lo) / (p->hi - p->lo));
}

static void plot_axes(const struct plot *p, struct lm_buf *o, const char *unit)
{
	double st, v;
	char b[48];
	int k;

	st = nice_step(p->hi - p->lo, 4);
	for (k = 0, v = ceil(p->lo / st) * st; v <= p->hi + st * 1e-9 && k < 12; k++, v += st) {
		addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>",
			PL, py(p, v), PW - PR, py(p, v));
		human(b, sizeof b, fabs(v) < st * 1e-9 ? 0 : v, unit);
		addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", PL - 6, py(p, v) + 4);
		h(o, b);
		lm_buf_adds(o, "</text>");
	}
	st = nice_step(p->t1, 8);
	for (k = 0, v = 0; v <= p->t1 + st * 1e-9 && k < 24; k++, v += st) {
		addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
			px(p, v), PH - PB, px(p, v), PH - PB + 4);
		addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>",
			px(p, v), PH - PB + 16, v);
	}
	addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
		PL, PH - PB, PW - PR, PH - PB);
}

static long plot_bucket(const struct plot *p, double t)
{
	double f = t / p->t1 * PLOT_BUCKETS;

	return f > 0 ? f < PLOT_BUCKETS ? (long)f : PLOT_BUCKETS : 0;
}

static void plot_point(const struct plot *p, struct lm_buf *o, double t, double v)
{
	addf(o, "%.1f,%.1f ", px(p, t), py(p, v));
}

/* the samples, at most 2 * PLOT_BUCKETS points: min and max per bucket */
static void plot_line(const struct plot *p, const struct lm_metric *m, const double *v,
	const char *color, const char *what, struct lm_buf *o)
{
	size_t i, a, lo, hi;
	long b, cur;

	if (m->n == 1) {
		addf(o, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
			what, px(p, m->t[0]), py(p, v[0]), color);
		return;
	}
	addf(o, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
		"stroke-linejoin=\"round\" points=\"", what, color);
	if (m->n <= 2 * PLOT_BUCKETS) {
		for (i = 0; i < m->n; i++)
			plot_point(p, o, m->t[i], v[i]);
	} else {
		for (a = 0; a < m->n; a = i) {
			cur = plot_bucket(p, m->t[a]);
			lo = hi = a;
			for (i = a; i < m->n; i++) {
				b = plot_bucket(p, m->t[i]);
				if (b != cur)
					break;
				if (v[i] < v[lo])
					lo = i;
				if (v[i] > v[hi])
					hi = i;
			}
			plot_point(p, o, m->t[lo < hi ? lo : hi], v[lo < hi ? lo : hi]);
			if (lo != hi)
				plot_point(p, o, m->t[lo < hi ? hi : lo], v[lo < hi ? hi : lo]);
		}
	}
	lm_buf_adds(o, "\"/>");
}

static void plot_range(struct plot *p, const struct lm_run *r, const struct lm_metric *m,
	const struct lm_base_metric *bm)
{
	double dl = r->timeout > 0 ? r->timeout : r->run_for, pad;
	size_t i;

	p->t1 = r->duration > 0 && isfinite(r->duration) ? r->duration : 0;
	p->lo = p->hi = m->v[0];
	for (i = 0; i < m->n; i++) {
		if (m->t[i] > p->t1)
			p->t1 = m->t[i];
		if (m->v[i] < p->lo)
			p->lo = m->v[i];
		if (m->v[i] > p->hi)
			p->hi = m->v[i];
		if (m->vmax && m->vmax[i] > p->hi)
			p->hi = m->vmax[i];
		if (m->v50 && m->v50[i] < p->lo)
			p->lo = m->v50[i];
	}
	if (dl > 0 && isfinite(dl) && dl * 1.05 > p->t1)
		p->t1 = dl * 1.05;
	if (!(p->t1 > 0))
		p->t1 = 1;
	if (bm && bm->has[LM_ST_MEAN] && isfinite(bm->st[LM_ST_MEAN])) {
		if (bm->st[LM_ST_MEAN] < p->lo)
			p->lo = bm->st[LM_ST_MEAN];
		if (bm->st[LM_ST_MEAN] > p->hi)
			p->hi = bm->st[LM_ST_MEAN];
	}
	if (p->lo > 0 && p->lo < p->hi * 0.5)
		p->lo = 0;
	if (!(p->hi - p->lo > fabs(p->hi) * 1e-9) || !isfinite(p->hi - p->lo)) {
		pad = p->hi != 0 && isfinite(p->hi) ? fabs(p->hi) * 0.1 : 1;
		p->lo -= pad;
		p->hi += pad;
	}
	pad = nice_step(p->hi - p->lo, 4);
	if (isfinite(floor(p->lo / pad) * pad) && isfinite(ceil(p->hi / pad) * pad)) {
		p->lo = floor(p->lo / pad) * pad;
		p->hi = ceil(p->hi / pad) * pad;
	}
	if (!(p->hi > p->lo) || !isfinite(p->hi - p->lo)) {
		p->lo = -1;
		p->hi = 1;
	}
}

static void html_plot(const struct lm_run *r, const struct lm_metric *m, struct lm_buf *o)
{
	const struct lm_base_metric *bm = r->base ? lm_baseline_find(r->base, m->source, m->id) : NULL;
	const char *unit = lm_metric_unit(m);
	double dl = r->timeout > 0 ? r->timeout : r->run_for;
	struct plot p;
	char a[48], b[48];

	plot_range(&p, r, m, bm);
	lm_buf_adds(o, "<figure>\n<figcaption><b>");
	h(o, nz(m->source));
	lm_buf_addc(o, '/');
	h(o, nz(m->id));
	addf(o, "</b> (%s%s%s", type_name(m->type), *unit ? ", " : "", unit);
	if (m->has[LM_ST_MEAN] && m->has[LM_ST_P95]) {
		human(a, sizeof a, m->st[LM_ST_MEAN], unit);
		human(b, sizeof b, m->st[LM_ST_P95], unit);
		lm_buf_adds(o, "; mean ");
		h(o, a);
		lm_buf_adds(o, ", p95 ");
		h(o, b);
	}
	lm_buf_adds(o, ")</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-metric=\"");
	esc(o, nz(m->source), E_ATTR);
	lm_buf_addc(o, '/');
	esc(o, nz(m->id), E_ATTR);
	addf(o, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
		"font-size=\"11\" fill=\"#444\" role=\"img\">", PW, PH, PW, PH);
	if (dl > 0 && isfinite(dl)) {
		addf(o, "<rect class=\"deadline\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#fbe3e3\"><title>", px(&p, dl), PT, PW - PR - px(&p, dl), PH - PT - PB);
		human(a, sizeof a, dl, "seconds");
		addf(o, "%s %s</title></rect>", r->timeout > 0 ? "timeout" : "run for", a);
	}
	plot_axes(&p, o, unit);
	if (bm && bm->has[LM_ST_MEAN] && isfinite(bm->st[LM_ST_MEAN])) {
		addf(o, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#e07b00\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>baseline mean ",
			PL, py(&p, bm->st[LM_ST_MEAN]), PW - PR, py(&p, bm->st[LM_ST_MEAN]));
		human(a, sizeof a, bm->st[LM_ST_MEAN], unit);
		h(o, a);
		lm_buf_adds(o, "</title></line>");
	}
	if (m->vmax) {
		plot_line(&p, m, m->vmax, "#c0392b", "max", o);
		plot_line(&p, m, m->v50, "#2e8b57", "p50", o);
	}
	plot_line(&p, m, m->v, "#1f6fb4", "mean", o);
	lm_buf_adds(o, "</svg>\n");
	if (m->vmax)
		lm_buf_adds(o, "<p class=\"legend\">per interval: <span class=\"l-mean\">mean</span> "
			"<span class=\"l-p50\">p50</span> <span class=\"l-max\">max</span></p>\n");
	lm_buf_adds(o, "</figure>\n");
}

static void html_plots(const struct lm_run *r, struct lm_buf *o)
{
	size_t i, *ix;
	int group = -1, b;

	if (!(ix = order(r, o)))
		return;
	for (i = 0; i < r->nm; i++) {
		const struct lm_metric *m = &r->m[ix[i]];

		if (!m->n)
			continue;
		if ((b = is_board(m)) != group) {
			group = b;
			lm_buf_adds(o, b ? "<h2>Board</h2>\n" : "<h2>App</h2>\n");
		}
		html_plot(r, m, o);
	}
	free(ix);
}

int lm_report_html(const struct lm_run *r, struct lm_buf *o)
{
	const char *cls = r->exit_code == 0 ? "pass" : "fail";
	const char *word = r->exit_code == 0 ? "PASS" : "FAIL";
	char e[64];

	end_human(e, sizeof e, r);
	lm_buf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
	h(o, nz(r->name));
	addf(o, ": %s, %s</title>\n<style>%s</style>\n</head>\n<body>\n", word, e, css);
	addf(o, "<h1 class=\"%s\">", cls);
	h(o, nz(r->name));
	addf(o, ": %s, %s</h1>\n", word, e);
	if (r->end_text && *r->end_text) {
		lm_buf_adds(o, "<p class=\"end\">");
		h(o, r->end_text);
		lm_buf_adds(o, "</p>\n");
	}
	html_params(r, o);
	html_expect(r, o);
	html_summary(r, o);
	html_plots(r, o);
	lm_buf_adds(o, "</body>\n</html>\n");
	return finish(o);
}

/* ---- the folder */

int lm_report_write(const struct lm_run *r, const char *dir, char *err, size_t errcap)
{
	static int (*const fn[])(const struct lm_run *, struct lm_buf *) = {
		lm_report_json, lm_report_text, lm_report_junit, lm_report_html
	};
	struct lm_buf b;
	char path[4096], d[4096];
	size_t i;
	int e = 0;

	clean(d, sizeof d, dir);
	for (i = 0; our_files[i]; i++) {
		lm_buf_init(&b, LM_REPORT_MAX);
		if (fn[i](r, &b) < 0)
			e = b.err ? b.err : ENOMEM;
		else if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, our_files[i]) >= sizeof path)
			e = ENAMETOOLONG;
		else if (lm_buf_save(&b, path) < 0)
			e = errno;
		lm_buf_free(&b);
		if (e) {
			snprintf(err, errcap, "unable to write %s/%s: %s", d, our_files[i], strerror(e));
			return -1;
		}
	}
	return 0;
}
