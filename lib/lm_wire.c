/* lm_wire: the wire line parser and formatter (docs/lm-wire.5). */
#include <math.h>
#include <string.h>
#include "lm_num.h"
#include "lm_wire.h"

static const char *const werr_names[LM_WE_NERR] = {
	"ok", "empty", "too_long", "syntax", "name", "value", "type", "field", "tag",
	"negative_counter", "set", "event", "service_check"
};

const char *lm_werr_name(int e)
{
	return e >= 0 && e < LM_WE_NERR ? werr_names[e] : "unknown";
}

static int name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' || c == '/';
}

size_t lm_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t k, i;

	if (n == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;      /* overlong */
	else if (c == 0xed)
		hi = 0x9f;      /* surrogates */
	else if (c == 0xf0)
		lo = 0x90;      /* overlong */
	else if (c == 0xf4)
		hi = 0x8f;      /* past U+10FFFF */
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return k;
}

/* tag values and container ids: UTF-8, no control bytes, none of ,|# */
static int text_ok(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, k;

	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80 && (c < 0x20 || c == 0x7f || c == ',' || c == '|' || c == '#'))
			return 0;
		if (!(k = lm_utf8_len(s + i, n - i)))
			return 0;
		i += k;
	}
	return 1;
}

int lm_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > LM_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_byte((unsigned char)p[i]))
			return 0;
	return 1;
}

int lm_text_ok(const char *p, size_t n)
{
	return text_ok(p, n);
}

static int parse_num(const char *p, size_t n, double *v)
{
	return lm_parse_double(p, n, v);
}

static int parse_tags(const char *p, size_t n, struct lm_line *l)
{
	size_t i = 0;

	while (i <= n) {
		size_t j = i, c;
		while (j < n && p[j] != ',')
			j++;
		/* tag p[i..j) */
		for (c = i; c < j && p[c] != ':'; c++)
			;
		if (j == i || c == i) {
			return LM_WE_TAG;       /* empty tag or empty key */
		} else if (c == j || c + 1 == j) {
			l->nskipped++;          /* bare tag or empty value */
			for (c = i; c < j; c++)
				if (!name_byte((unsigned char)p[c]) && p[c] != ':')
					return LM_WE_TAG;
		} else {
			size_t k;
			if (c - i > LM_TAGKEY_MAX || j - c - 1 > LM_TAGVAL_MAX)
				return LM_WE_TAG;
			for (k = i; k < c; k++)
				if (!name_byte((unsigned char)p[k]))
					return LM_WE_TAG;
			if (!text_ok(p + c + 1, j - c - 1))
				return LM_WE_TAG;
			if (l->ntags == LM_TAGS_MAX)
				return LM_WE_TAG;
			l->tags[l->ntags].k.p = p + i;
			l->tags[l->ntags].k.n = c - i;
			l->tags[l->ntags].v.p = p + c + 1;
			l->tags[l->ntags].v.n = j - c - 1;
			l->ntags++;
		}
		i = j + 1;
	}
	return LM_WOK;
}

/* h:I=N,... (neg 0) or H:I=N,... (neg 1): indices strictly increasing */
static int parse_buckets(const char *p, size_t n, struct lm_line *l, int neg)
{
	size_t i = 0;
	long prev = LM_HIST_IMIN;

	if (n == 0)
		return LM_WE_FIELD;
	while (i <= n) {
		size_t j = i, eq, k;
		uint64_t u;
		double v;
		long idx;

		while (j < n && p[j] != ',')
			j++;
		for (eq = i; eq < j && p[eq] != '='; eq++)
			;
		k = i + (i < eq && p[i] == '-');
		if (eq == j || lm_parse_u64(p + k, eq - k, LM_HIST_IMAX + 1000, &u) < 0)
			return LM_WE_FIELD;
		idx = k > i ? -(long)u : (long)u;
		if (idx <= prev || idx > LM_HIST_IMAX || l->nbk == LM_LINE_BK ||
		    parse_num(p + eq + 1, j - eq - 1, &v) < 0 || v < 0)
			return LM_WE_FIELD;
		l->bk[l->nbk].idx = (int)idx;
		l->bk[l->nbk].neg = neg;
		l->bk[l->nbk].n = v;
		l->nbk++;
		prev = idx;
		i = j + 1;
	}
	return LM_WOK;
}

static int parse_field(const char *p, size_t n, struct lm_line *l, unsigned *seen)
{
	double v;
	uint64_t u;
	unsigned bit;

	if (n == 0)
		return LM_WE_FIELD;
	switch (p[0]) {
	case '@': bit = 1; break;
	case '#': bit = 2; break;
	case 'T': bit = 4; break;
	default:
		if (n < 2 || p[1] != ':') {
			l->nskipped++;
			return LM_WOK;
		}
		switch (p[0]) {
		case 'c': bit = 8; break;
		case 'h': bit = 16; break;
		case 'H': bit = 32; break;
		case 'z': bit = 256; break;
		case 'm': bit = 512; break;
		case 'x': bit = 1024; break;
		case 'l': bit = 64; break;
		case 'r': bit = 128; break;
		default:
			l->nskipped++;  /* a later DogStatsD field: e:, card:, ... */
			return LM_WOK;
		}
	}
	if (*seen & bit)
		return LM_WE_FIELD;
	*seen |= bit;
	switch (bit) {
	case 1:
		if (parse_num(p + 1, n - 1, &v) < 0 || !(v > 0 && v <= 1))
			return LM_WE_FIELD;
		l->rate = v;
		return LM_WOK;
	case 2:
		return parse_tags(p + 1, n - 1, l);
	case 4:
		if (lm_parse_u64(p + 1, n - 1, 1ULL << 53, &u) < 0)
			return LM_WE_FIELD;
		l->has_ts = 1;
		l->ts = (double)u;
		return LM_WOK;
	case 8:
		if (n - 2 == 0 || n - 2 > LM_TAGVAL_MAX || !text_ok(p + 2, n - 2))
			return LM_WE_FIELD;
		l->container.p = p + 2;
		l->container.n = n - 2;
		return LM_WOK;
	case 16:
	case 32:
		return parse_buckets(p + 2, n - 2, l, bit == 32);
	}
	if (parse_num(p + 2, n - 2, &v) < 0)
		return LM_WE_FIELD;
	if (bit == 256) {
		if (v < 0 || l->nbk == LM_LINE_BK)
			return LM_WE_FIELD;
		l->bk[l->nbk].idx = LM_HIST_IMIN;
		l->bk[l->nbk].neg = 0;
		l->bk[l->nbk].n = v;
		l->nbk++;
	} else if (bit == 512) {
		l->has_min = 1;
		l->min = v;
	} else if (bit == 1024) {
		l->has_max = 1;
		l->max = v;
	} else if (bit == 64) {
		l->has_last = 1;
		l->last = v;
	} else {
		if (v < 0)
			return LM_WE_FIELD;
		l->has_rps = 1;
		l->rps = v;
	}
	return LM_WOK;
}

static int parse_type(const char *p, size_t n)
{
	if (n == 1) {
		switch (p[0]) {
		case 'c': return LM_COUNTER;
		case 'g': return LM_GAUGE;
		case 't': return LM_TIMER;
		case 'h': return LM_HISTO;
		case 'd': return LM_DIST;
		case 'r': return LM_RATE;
		}
	} else if (n == 2 && p[0] == 'm' && p[1] == 's') {
		return LM_TIMER_MS;
	}
	return 0;
}

int lm_parse_line(const char *s, size_t len, struct lm_line *l)
{
	size_t i, colon, bar, f;
	unsigned seen = 0;
	int r, t;

	l->name.p = s;
	l->name.n = 0;
	l->nvalues = 0;
	l->sign = 0;
	l->rate = 1;
	l->has_last = l->has_rps = l->has_ts = l->has_min = l->has_max = 0;
	l->nbk = 0;
	l->min = l->max = l->last = l->rps = l->ts = 0;
	l->container.p = NULL;
	l->container.n = 0;
	l->ntags = 0;
	l->nskipped = 0;
	l->type = 0;

	if (len == 0)
		return LM_WE_EMPTY;
	if (len > LM_LINE_MAX)
		return LM_WE_TOOLONG;
	/* DogStatsD's other datagrams: no name byte is '{', and a '|' before
	 * any ':' is no metric line, so neither shadows a valid line */
	if (len >= 3 && memcmp(s, "_e{", 3) == 0)
		return LM_WE_EVENT;
	if (len >= 4 && memcmp(s, "_sc|", 4) == 0)
		return LM_WE_SVCCHECK;
	for (colon = 0; colon < len && s[colon] != ':' && s[colon] != '|'; colon++)
		if (!name_byte((unsigned char)s[colon]))
			return LM_WE_NAME;
	if (colon == len || s[colon] != ':')
		return LM_WE_SYNTAX;
	if (colon == 0 || colon > LM_NAME_MAX)
		return LM_WE_NAME;
	l->name.n = colon;
	for (bar = colon + 1; bar < len && s[bar] != '|'; bar++)
		;
	if (bar == len)
		return LM_WE_SYNTAX;
	/* type, before the values: a set's members are no numbers */
	for (f = bar + 1; f < len && s[f] != '|'; f++)
		;
	if (f - bar - 1 == 1 && s[bar + 1] == 's')
		return LM_WE_SET;
	t = parse_type(s + bar + 1, f - bar - 1);
	/* values s[colon+1 .. bar) separated by ':' */
	for (i = colon + 1;;) {
		size_t j = i;
		while (j < bar && s[j] != ':')
			j++;
		if (l->nvalues == LM_VALUES_MAX)
			return LM_WE_VALUE;
		if (parse_num(s + i, j - i, &l->values[l->nvalues]) < 0)
			return LM_WE_VALUE;
		if (l->nvalues == 0 && (s[i] == '+' || s[i] == '-'))
			l->sign = 1;
		l->nvalues++;
		if (j == bar)
			break;
		i = j + 1;
	}
	if (!t)
		return LM_WE_TYPE;
	l->type = t;
	/* fields */
	while (f < len) {
		size_t g = f + 1;
		while (g < len && s[g] != '|')
			g++;
		r = parse_field(s + f + 1, g - f - 1, l, &seen);
		if (r)
			return r;
		f = g;
	}
	/* what each type allows */
	for (i = 0; i < l->nvalues; i++) {
		double v = l->values[i];
		if (v < 0 && t == LM_COUNTER)
			return LM_WE_NEGCOUNT;
		if (v < 0 && (t == LM_RATE || t == LM_TIMER || t == LM_TIMER_MS))
			return LM_WE_VALUE;
	}
	if (l->nbk && (!(t == LM_TIMER || t == LM_HISTO || t == LM_DIST) || l->nvalues != 1))
		return LM_WE_FIELD;
	if ((seen & 32) && t == LM_TIMER)
		return LM_WE_FIELD;     /* no negative durations */
	if ((l->has_min || l->has_max) && (!l->nbk || (l->has_min && l->has_max && l->min > l->max)))
		return LM_WE_FIELD;
	if (l->has_last && !(t == LM_TIMER || t == LM_TIMER_MS || t == LM_HISTO || t == LM_DIST))
		return LM_WE_FIELD;
	if (l->has_rps && t != LM_RATE)
		return LM_WE_FIELD;
	return LM_WOK;
}

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->len < o->cap) {
		size_t k = o->cap - o->len;
		memcpy(o->buf + o->len, p, n < k ? n : k);
	}
	o->len += n;
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static void putnum(struct out *o, double v)
{
	char t[LM_NUM_MAX];

	put(o, t, lm_fmt_double(t, v));
}

static const char *const type_names[] = { "", "c", "g", "t", "ms", "h", "d", "r" };

static int fin(double v)
{
	return v - v == 0;
}

static int bk_check(const struct lm_line *l)
{
	int prev[2] = { LM_HIST_IMIN, LM_HIST_IMIN }, zero = 0;
	size_t i;

	if (l->nbk > LM_LINE_BK || (l->nbk && !(l->type == LM_TIMER || l->type == LM_HISTO ||
	    l->type == LM_DIST)) || (l->nbk && l->nvalues != 1))
		return LM_WE_FIELD;
	for (i = 0; i < l->nbk; i++) {
		const struct lm_bk *b = &l->bk[i];
		if (!fin(b->n) || b->n < 0)
			return LM_WE_FIELD;
		if (b->idx <= LM_HIST_IMIN) {
			if (b->idx < LM_HIST_IMIN || b->neg || zero++)
				return LM_WE_FIELD;
			continue;
		}
		if (b->idx > LM_HIST_IMAX || b->idx <= prev[!!b->neg] || (b->neg && l->type == LM_TIMER))
			return LM_WE_FIELD;
		prev[!!b->neg] = b->idx;
	}
	if ((l->has_min || l->has_max) && !l->nbk)
		return LM_WE_FIELD;
	if ((l->has_min && !fin(l->min)) || (l->has_max && !fin(l->max)) ||
	    (l->has_min && l->has_max && l->min > l->max))
		return LM_WE_FIELD;
	return LM_WOK;
}

int lm_line_check(const struct lm_line *l)
{
	int t = l->type;
	size_t i;

	if (!lm_name_ok(l->name.p, l->name.n))
		return LM_WE_NAME;
	if (t < LM_COUNTER || t > LM_RATE)
		return LM_WE_TYPE;
	if (l->nvalues < 1 || l->nvalues > LM_VALUES_MAX)
		return LM_WE_VALUE;
	for (i = 0; i < l->nvalues; i++) {
		if (!fin(l->values[i]))
			return LM_WE_VALUE;
		if (l->values[i] < 0 && t == LM_COUNTER)
			return LM_WE_NEGCOUNT;
		if (l->values[i] < 0 && (t == LM_RATE || t == LM_TIMER || t == LM_TIMER_MS))
			return LM_WE_VALUE;
	}
	if (!(l->rate > 0 && l->rate <= 1) || bk_check(l))
		return LM_WE_FIELD;
	if (l->has_last && (!fin(l->last) || !(t == LM_TIMER || t == LM_TIMER_MS || t == LM_HISTO || t == LM_DIST)))
		return LM_WE_FIELD;
	if (l->has_rps && (!fin(l->rps) || l->rps < 0 || t != LM_RATE))
		return LM_WE_FIELD;
	if (l->has_ts && !(l->ts >= 0 && l->ts <= 9007199254740992.0 && l->ts == (double)(uint64_t)l->ts))
		return LM_WE_FIELD;
	if (l->container.n && (l->container.n > LM_TAGVAL_MAX || !text_ok(l->container.p, l->container.n)))
		return LM_WE_FIELD;
	if (l->ntags > LM_TAGS_MAX)
		return LM_WE_TAG;
	for (i = 0; i < l->ntags; i++) {
		const struct lm_tag *g = &l->tags[i];
		size_t k;
		if (g->k.n == 0 || g->k.n > LM_TAGKEY_MAX || g->v.n == 0 || g->v.n > LM_TAGVAL_MAX ||
		    !text_ok(g->v.p, g->v.n))
			return LM_WE_TAG;
		for (k = 0; k < g->k.n; k++)
			if (!name_byte((unsigned char)g->k.p[k]))
				return LM_WE_TAG;
	}
	return LM_WOK;
}

size_t lm_format_line(char *buf, size_t cap, const struct lm_line *l)
{
	struct out o = { buf, cap, 0 };
	size_t i;

	if (lm_line_check(l)) {
		if (cap)
			buf[0] = 0;
		return 0;
	}

	put(&o, l->name.p, l->name.n);
	for (i = 0; i < l->nvalues; i++) {
		putc_(&o, ':');
		if (i == 0 && l->type == LM_GAUGE && l->sign && !(l->values[0] < 0) &&
		    !__builtin_signbit(l->values[0]))
			putc_(&o, '+');
		putnum(&o, l->values[i]);
	}
	putc_(&o, '|');
	if (l->type > 0 && l->type <= LM_RATE)
		put(&o, type_names[l->type], strlen(type_names[l->type]));
	if (l->rate != 1) {
		putc_(&o, '|');
		putc_(&o, '@');
		putnum(&o, l->rate);
	}
	if (l->nbk) {
		int side;
		for (side = 0; side < 2; side++) {
			int first = 1;
			for (i = 0; i < l->nbk; i++) {
				const struct lm_bk *b = &l->bk[i];
				char t[LM_NUM_MAX];
				if (b->neg != side || b->idx <= LM_HIST_IMIN)
					continue;
				put(&o, first ? side ? "|H:" : "|h:" : ",", first ? 3 : 1);
				first = 0;
				if (b->idx < 0)
					putc_(&o, '-');
				put(&o, t, lm_fmt_u64(t, (uint64_t)(b->idx < 0 ? -b->idx : b->idx)));
				putc_(&o, '=');
				putnum(&o, b->n);
			}
		}
		for (i = 0; i < l->nbk; i++)
			if (l->bk[i].idx <= LM_HIST_IMIN) {
				put(&o, "|z:", 3);
				putnum(&o, l->bk[i].n);
				break;
			}
	}
	if (l->has_min) {
		put(&o, "|m:", 3);
		putnum(&o, l->min);
	}
	if (l->has_max) {
		put(&o, "|x:", 3);
		putnum(&o, l->max);
	}
	if (l->has_last) {
		put(&o, "|l:", 3);
		putnum(&o, l->last);
	}
	if (l->has_rps) {
		put(&o, "|r:", 3);
		putnum(&o, l->rps);
	}
	if (l->container.n) {
		put(&o, "|c:", 3);
		put(&o, l->container.p, l->container.n);
	}
	if (l->has_ts) {
		char t[LM_NUM_MAX];
		put(&o, "|T", 2);
		put(&o, t, lm_fmt_u64(t, (uint64_t)l->ts));
	}
	for (i = 0; i < l->ntags; i++) {
		put(&o, i ? "," : "|#", i ? 1 : 2);
		put(&o, l->tags[i].k.p, l->tags[i].k.n);
		putc_(&o, ':');
		put(&o, l->tags[i].v.p, l->tags[i].v.n);
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}

void lm_line_init(struct lm_line *l, const char *name, int type, double v)
{
	memset(l, 0, sizeof *l);
	l->name.p = name;
	l->name.n = strlen(name);
	l->type = type;
	l->nvalues = 1;
	l->values[0] = v;
	l->rate = 1;
}

int lm_next_line(const char *buf, size_t buflen, size_t *pos,
	const char **line, size_t *len)
{
	const char *nl;
	size_t p = *pos;

	if (p >= buflen)
		return 0;
	nl = memchr(buf + p, '\n', buflen - p);
	*line = buf + p;
	if (nl) {
		*len = (size_t)(nl - (buf + p));
		*pos = (size_t)(nl - buf) + 1;
	} else {
		*len = buflen - p;
		*pos = buflen;
	}
	return 1;
}

int lm_line_tag(const struct lm_line *l, const char *k, struct lm_str *v)
{
	size_t i, n = strlen(k);

	for (i = 0; i < l->ntags; i++)
		if (l->tags[i].k.n == n && memcmp(l->tags[i].k.p, k, n) == 0) {
			*v = l->tags[i].v;
			return 1;
		}
	return 0;
}

int lm_tag_identity(const struct lm_str *k)
{
	static const char *const ids[] = { "app", "container", "pid", "uid" };
	size_t i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (k->n == strlen(ids[i]) && !memcmp(k->p, ids[i], k->n))
			return 1;
	return 0;
}

size_t lm_line_id(const struct lm_line *l, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	size_t i;
	int any = 0;

	put(&o, l->name.p, l->name.n);
	for (i = 0; i < l->ntags; i++) {
		const struct lm_tag *t = &l->tags[i];
		if (lm_tag_identity(&t->k))
			continue;
		putc_(&o, any++ ? ',' : '{');
		put(&o, t->k.p, t->k.n);
		putc_(&o, '=');
		put(&o, t->v.p, t->v.n);
	}
	if (any)
		putc_(&o, '}');
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}

int lm_type_kind(int type)
{
	switch (type) {
	case LM_TIMER: case LM_TIMER_MS: return LM_TIMER;
	case LM_HISTO: case LM_DIST: return LM_HISTO;
	case LM_COUNTER: case LM_RATE: return type;
	default: return LM_GAUGE;
	}
}

static size_t sanitize(char *out, const char *in, size_t n, size_t max, int colon)
{
	size_t i, o = 0;

	if (n > max)
		n = max;
	if (n == 0 || (in[0] >= '0' && in[0] <= '9'))
		out[o++] = '_';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || (colon && c == ':');
		out[o++] = ok ? (char)c : '_';
	}
	/* label names that start with "__" are reserved to Prometheus */
	if (!colon && o >= 2 && out[0] == '_' && out[1] == '_') {
		memmove(out + 1, out + 2, o - 2);
		o--;
		while (o >= 2 && out[0] == '_' && out[1] == '_') {
			memmove(out + 1, out + 2, o - 2);
			o--;
		}
	}
	out[o] = 0;
	return o;
}

size_t lm_name_sanitize(char *out, const char *in, size_t n)
{
	return sanitize(out, in, n, LM_NAME_MAX, 1);
}

size_t lm_label_sanitize(char *out, const char *in, size_t n)
{
	return sanitize(out, in, n, LM_TAGKEY_MAX, 0);
}

/* the lowest or highest value bucket b may hold */
static double bk_edge(const struct lm_bk *b, int high)
{
	if (b->idx <= LM_HIST_IMIN)
		return 0;
	if (b->neg)
		return high ? -lm_hist_upper(b->idx - 1) : -lm_hist_upper(b->idx);
	return high ? lm_hist_upper(b->idx) : lm_hist_upper(b->idx - 1);
}

int lm_line_hist(const struct lm_line *l, struct lm_hist *h, double w)
{
	double div = l->type == LM_TIMER_MS ? 1000 : 1, c0 = h->count, lo = HUGE_VAL, hi = -HUGE_VAL;
	int r, any = 0;
	size_t i;

	if (!l->nbk) {
		for (i = 0; i < l->nvalues; i++) {
			if ((r = lm_hist_observe(h, l->values[i] / div, w)) < 0)
				return -1;
			any |= r;
		}
		return any;
	}
	for (i = 0; i < l->nbk; i++) {
		const struct lm_bk *b = &l->bk[i];
		double n = b->n * w;
		if (n == 0)
			continue;
		if ((r = lm_hist_add(h, b->idx, b->neg, n)) < 0)
			return -1;
		any |= r;
		h->count += n;
		if (bk_edge(b, 0) < lo)
			lo = bk_edge(b, 0);
		if (bk_edge(b, 1) > hi)
			hi = bk_edge(b, 1);
	}
	if (h->count == c0)
		return any;
	h->sum += l->values[0] * w;
	/* a sender that gives no extremes: the edges of its buckets */
	if (l->has_min)
		lo = l->min;
	if (l->has_max)
		hi = l->max;
	if (lo > hi) {          /* a given extreme beyond the other's edge wins */
		if (l->has_min)
			hi = lo;
		else
			lo = hi;
	}
	if (c0 == 0 || lo < h->min)
		h->min = lo;
	if (c0 == 0 || hi > h->max)
		h->max = hi;
	return any;
}

static void set_side(struct lm_line *l, const struct lm_hist_side *s, int neg)
{
	int i;

	for (i = 0; i < s->n && l->nbk < LM_LINE_BK - 1; i++) {
		double c = lm_hist_at(s, i);
		if (c == 0)
			continue;
		l->bk[l->nbk].idx = s->lo + i;
		l->bk[l->nbk].neg = neg;
		l->bk[l->nbk].n = c;
		l->nbk++;
	}
}

void lm_line_set_hist(struct lm_line *l, const struct lm_hist *h)
{
	l->nbk = 0;
	set_side(l, &h->neg, 1);
	set_side(l, &h->pos, 0);
	if (h->zero != 0 || !l->nbk) {
		l->bk[l->nbk].idx = LM_HIST_IMIN;
		l->bk[l->nbk].neg = 0;
		l->bk[l->nbk].n = h->zero;
		l->nbk++;
	}
	l->has_min = l->has_max = h->count > 0;
	l->min = h->min;
	l->max = h->max;
}
