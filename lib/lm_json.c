/* lm_json: the JSON string escaper and numbers; a small strict JSON
 * reader into a flat tree. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_json.h"
#include "lm_num.h"
#include "lm_wire.h"

/* ---- writing */

void lm_json_esc(struct lm_buf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, a, k;
	char e[7];

	while (i < n) {
		a = i;
		while (i < n && u[i] >= 0x20 && u[i] < 0x7f && u[i] != '"' && u[i] != '\\')
			i++;
		lm_buf_add(o, u + a, i - a);
		if (i >= n)
			break;
		if (u[i] >= 0x80) {
			k = lm_utf8_len(u + i, n - i);
			if (k)
				lm_buf_add(o, u + i, k);
			else
				lm_buf_adds(o, "\\ufffd");
			i += k ? k : 1;
			continue;
		}
		switch (u[i]) {
		case '"': lm_buf_adds(o, "\\\""); break;
		case '\\': lm_buf_adds(o, "\\\\"); break;
		case '\n': lm_buf_adds(o, "\\n"); break;
		case '\r': lm_buf_adds(o, "\\r"); break;
		case '\t': lm_buf_adds(o, "\\t"); break;
		case '\b': lm_buf_adds(o, "\\b"); break;
		case '\f': lm_buf_adds(o, "\\f"); break;
		default:
			memcpy(e, "\\u00", 4);
			e[4] = hex[u[i] >> 4];
			e[5] = hex[u[i] & 15];
			lm_buf_add(o, e, 6);
		}
		i++;
	}
}

void lm_json_put_str(struct lm_buf *o, const char *s, size_t n)
{
	lm_buf_addc(o, '"');
	lm_json_esc(o, s, n);
	lm_buf_addc(o, '"');
}

void lm_json_put_num(struct lm_buf *o, double v)
{
	if (isfinite(v))
		lm_buf_addnum(o, v);
	else
		lm_buf_adds(o, "null");
}

/* ---- reading */

struct jp {
	const char *p;
	size_t i, n;
	struct lm_json *j;
	const char *why;   /* set on the first error */
};

static int fail(struct jp *q, const char *why)
{
	if (!q->why)
		q->why = why;
	return -1;
}

static void ws(struct jp *q)
{
	while (q->i < q->n && (q->p[q->i] == ' ' || q->p[q->i] == '\t' ||
		q->p[q->i] == '\n' || q->p[q->i] == '\r'))
		q->i++;
}

/* a new node of type t; its index, or 0 (why set) */
static uint32_t node(struct jp *q, uint32_t t)
{
	struct lm_json *j = q->j;
	struct lm_jnode *np;
	size_t nc;

	if (j->nn >= LM_JSON_NODES) {
		fail(q, "too many values");
		return 0;
	}
	if (j->nn == j->cap) {
		nc = j->cap ? j->cap * 2 : 64;
		if (nc > LM_JSON_NODES)
			nc = LM_JSON_NODES;
		if (!(np = realloc(j->n, nc * sizeof *np))) {
			fail(q, "out of memory");
			return 0;
		}
		j->n = np;
		j->cap = nc;
	}
	memset(&j->n[j->nn], 0, sizeof j->n[0]);
	j->n[j->nn].type = t;
	return (uint32_t)j->nn++;
}

static int hex4(struct jp *q, unsigned *out)
{
	unsigned v = 0, d;
	size_t k;
	char c;

	if (q->n - q->i < 4)
		return fail(q, "bad \\u escape");
	for (k = 0; k < 4; k++) {
		c = q->p[q->i + k];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return fail(q, "bad \\u escape");
		v = v * 16 + d;
	}
	q->i += 4;
	*out = v;
	return 0;
}

static void put_utf8(struct lm_buf *s, unsigned c)
{
	char b[4];
	size_t k;

	if (c < 0x80) {
		b[0] = (char)c;
		k = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		k = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3f));
		b[2] = (char)(0x80 | (c >> 6 & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		k = 4;
	}
	lm_buf_add(s, b, k);
}

/* after a backslash: one escape into s */
static int escape(struct jp *q, struct lm_buf *s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *f;
	unsigned c, lo;

	if (q->i >= q->n)
		return fail(q, "unterminated string");
	if (q->p[q->i] != 'u') {
		if (!q->p[q->i] || !(f = strchr(from, q->p[q->i])))
			return fail(q, "bad escape");
		q->i++;
		lm_buf_addc(s, to[f - from]);   /* an error is sticky in s */
		return 0;
	}
	q->i++;
	if (hex4(q, &c) < 0)
		return -1;
	if (c >= 0xdc00 && c <= 0xdfff)
		return fail(q, "lone low surrogate");
	if (c >= 0xd800 && c <= 0xdbff) {
		if (q->n - q->i < 2 || q->p[q->i] != '\\' || q->p[q->i + 1] != 'u')
			return fail(q, "lone high surrogate");
		q->i += 2;
		if (hex4(q, &lo) < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(q, "lone high surrogate");
		c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(s, c);
	return 0;
}

/* at an opening quote: the decoded string into s, NUL-terminated */
static int string(struct jp *q, uint32_t *off, uint32_t *len)
{
	struct lm_buf *s = &q->j->s;
	size_t start = s->len, run, k;
	unsigned char c;

	q->i++;
	for (;;) {
		run = q->i;
		while (q->i < q->n && (c = (unsigned char)q->p[q->i]) >= 0x20 &&
			c < 0x80 && c != '"' && c != '\\')
			q->i++;
		lm_buf_add(s, q->p + run, q->i - run);
		if (q->i >= q->n)
			return fail(q, "unterminated string");
		c = (unsigned char)q->p[q->i];
		if (c == '"')
			break;
		if (c == '\\') {
			q->i++;
			if (escape(q, s) < 0)
				return -1;
		} else if (c < 0x20) {
			return fail(q, "control byte in a string");
		} else {
			k = lm_utf8_len((const unsigned char *)q->p + q->i, q->n - q->i);
			if (!k)
				return fail(q, "bad UTF-8 in a string");
			lm_buf_add(s, q->p + q->i, k);
			q->i += k;
		}
	}
	q->i++;
	if (s->err || lm_buf_addc(s, 0) < 0)
		return fail(q, "out of memory");
	*off = (uint32_t)start;
	*len = (uint32_t)(s->len - 1 - start);
	return 0;
}

static int digits(struct jp *q)
{
	size_t a = q->i;

	while (q->i < q->n && q->p[q->i] >= '0' && q->p[q->i] <= '9')
		q->i++;
	return q->i > a ? 0 : fail(q, "bad number");
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number(struct jp *q, double *v)
{
	size_t a = q->i;

	if (q->i < q->n && q->p[q->i] == '-')
		q->i++;
	if (q->i < q->n && q->p[q->i] == '0')
		q->i++;
	else if (digits(q) < 0)
		return -1;
	if (q->i < q->n && q->p[q->i] == '.') {
		q->i++;
		if (digits(q) < 0)
			return -1;
	}
	if (q->i < q->n && (q->p[q->i] == 'e' || q->p[q->i] == 'E')) {
		q->i++;
		if (q->i < q->n && (q->p[q->i] == '+' || q->p[q->i] == '-'))
			q->i++;
		if (digits(q) < 0)
			return -1;
	}
	if (lm_parse_double(q->p + a, q->i - a, v) < 0) {
		q->i = a;
		return fail(q, "number out of range or too long");
	}
	return 0;
}

static uint32_t value(struct jp *q, int depth);

/* at '[' or '{': the members, linked from node x */
static int members(struct jp *q, uint32_t x, int obj, int depth)
{
	char close = obj ? '}' : ']';
	uint32_t prev = 0, c, koff = 0, klen = 0;

	if (depth >= LM_JSON_DEPTH)
		return fail(q, "nested too deep");
	q->i++;
	ws(q);
	if (q->i < q->n && q->p[q->i] == close) {
		q->i++;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (q->i >= q->n || q->p[q->i] != '"')
				return fail(q, "expected a key");
			if (string(q, &koff, &klen) < 0)
				return -1;
			ws(q);
			if (q->i >= q->n || q->p[q->i] != ':')
				return fail(q, "expected ':'");
			q->i++;
		}
		if (!(c = value(q, depth + 1)))
			return -1;
		q->j->n[c].key = koff;
		q->j->n[c].klen = klen;
		if (prev)
			q->j->n[prev].next = c;
		else
			q->j->n[x].child = c;
		prev = c;
		ws(q);
		if (q->i < q->n && q->p[q->i] == ',') {
			q->i++;
			ws(q);
			continue;
		}
		if (q->i < q->n && q->p[q->i] == close) {
			q->i++;
			return 0;
		}
		return fail(q, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int literal(struct jp *q, const char *w)
{
	size_t k = strlen(w);

	if (q->n - q->i < k || memcmp(q->p + q->i, w, k) != 0)
		return fail(q, "unexpected byte");
	q->i += k;
	return 0;
}

static uint32_t value(struct jp *q, int depth)
{
	uint32_t x, off, len;
	double v;
	char c;

	ws(q);
	if (q->i >= q->n) {
		fail(q, "unexpected end");
		return 0;
	}
	c = q->p[q->i];
	if (c == '{' || c == '[') {
		if (!(x = node(q, c == '{' ? LM_JOBJ : LM_JARR)))
			return 0;
		return members(q, x, c == '{', depth) < 0 ? 0 : x;
	}
	if (c == '"') {
		if (string(q, &off, &len) < 0 || !(x = node(q, LM_JSTR)))
			return 0;
		q->j->n[x].str = off;
		q->j->n[x].len = len;
		return x;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		if (number(q, &v) < 0 || !(x = node(q, LM_JNUM)))
			return 0;
		q->j->n[x].num = v;
		return x;
	}
	if (c == 't')
		return literal(q, "true") < 0 ? 0 : node(q, LM_JTRUE);
	if (c == 'f')
		return literal(q, "false") < 0 ? 0 : node(q, LM_JFALSE);
	if (c == 'n')
		return literal(q, "null") < 0 ? 0 : node(q, LM_JNULL);
	fail(q, "unexpected byte");
	return 0;
}

void lm_json_free(struct lm_json *j)
{
	free(j->n);
	j->n = NULL;
	j->nn = j->cap = 0;
	lm_buf_free(&j->s);
}

int lm_json_parse(struct lm_json *j, const char *p, size_t len, char *err, size_t errcap)
{
	struct jp q;

	memset(j, 0, sizeof *j);
	lm_buf_init(&j->s, 0);
	if (len > LM_JSON_LEN) {
		snprintf(err, errcap, "too long (more than %zu bytes)", (size_t)LM_JSON_LEN);
		return -1;
	}
	q.p = p;
	q.i = 0;
	q.n = len;
	q.j = j;
	q.why = NULL;
	if (!(j->n = calloc(64, sizeof *j->n))) {
		fail(&q, "out of memory");
		goto bad;
	}
	j->cap = 64;
	j->nn = 1;   /* n[0]: none; the root is n[1] */
	if (!value(&q, 0))
		goto bad;
	ws(&q);
	if (q.i < q.n) {
		fail(&q, "junk after the value");
		goto bad;
	}
	if (j->s.err) {
		fail(&q, "out of memory");
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errcap, "%s at byte %zu", q.why ? q.why : "error", q.i);
	lm_json_free(j);
	return -1;
}

uint32_t lm_json_get(const struct lm_json *j, uint32_t obj, const char *key)
{
	size_t k = strlen(key);
	uint32_t c;

	if (!obj || obj >= j->nn || j->n[obj].type != LM_JOBJ)
		return 0;
	for (c = j->n[obj].child; c; c = j->n[c].next)
		if (j->n[c].klen == k && memcmp(j->s.p + j->n[c].key, key, k) == 0)
			return c;
	return 0;
}

const char *lm_json_str(const struct lm_json *j, uint32_t i, size_t *len)
{
	if (!i || i >= j->nn || j->n[i].type != LM_JSTR)
		return NULL;
	if (len)
		*len = j->n[i].len;
	return j->s.p + j->n[i].str;
}
