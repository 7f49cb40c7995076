/* lm_report_expect: thresholds (--expect): parsing and evaluation. */
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
#include "lm_report_int.h"
#include "lm_usage.h"

/* "WHAT in 'S'", S made safe for a terminal */
static void errf(char *err, size_t cap, const char *what, const char *s)
{
	char t[LM_EXPECT_MAX + 1];

	lmr_clean(t, sizeof t, lmr_nz(s));
	snprintf(err, cap, "%s in '%s'", what, t);
}


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
void lmr_num_pair(char *a, char *b, double x, double y)
{
	snprintf(a, LM_NUM_MAX, "%.6g", x);
	snprintf(b, LM_NUM_MAX, "%.6g", y);
	if (x != y && strcmp(a, b) == 0) {
		lm_fmt_double(a, x);
		lm_fmt_double(b, y);
	}
}

static void put_name(struct lmr_line *l, const struct lm_expect *e)
{
	if (e->source) {
		lmr_lput(l, e->source);
		lmr_lput(l, "/");
	}
	lmr_lput(l, lmr_nz(e->id));
}

/* the metrics of this run e names; *n how many */
static const struct lm_metric *find_metric(const struct lm_expect *e,
	const struct lm_metric *m, size_t nm, size_t *n)
{
	const struct lm_metric *hit = NULL;
	size_t i;

	*n = 0;
	for (i = 0; i < nm; i++)
		if (strcmp(lmr_nz(m[i].id), lmr_nz(e->id)) == 0 &&
			(!e->source || strcmp(lmr_nz(m[i].source), e->source) == 0)) {
			if (!hit)
				hit = &m[i];
			(*n)++;
		}
	return hit;
}

static void why_ambiguous(struct lm_expect *e, const struct lm_metric *m, size_t nm, size_t nhit)
{
	struct lmr_line l = { e->why, sizeof e->why, 0 };
	size_t i, k = 0;

	lmr_lput(&l, "\"");
	put_name(&l, e);
	lmr_lput(&l, "\" is ambiguous: in ");
	for (i = 0; i < nm; i++)
		if (strcmp(lmr_nz(m[i].id), lmr_nz(e->id)) == 0) {
			if (k++)
				lmr_lput(&l, k == nhit ? " and " : ", ");
			lmr_lput(&l, lmr_nz(m[i].source));
		}
	lmr_lput(&l, "; write SOURCE/");
	lmr_lput(&l, lmr_nz(e->id));
}

void lm_expect_eval(struct lm_expect *e, const struct lm_metric *m, size_t nm,
	const struct lm_baseline *b)
{
	struct lmr_line l = { e->why, sizeof e->why, 0 };
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
		lmr_lput(&l, "no metric \"");
		put_name(&l, e);
		lmr_lput(&l, "\" in this run");
		return;
	}
	if (nhit > 1) {
		why_ambiguous(e, m, nm, nhit);
		return;
	}
	put_name(&l, e);
	lmr_lputf(&l, " %s", sn);
	if (e->stat < 0 || e->stat >= LM_ST_N || !hit->has[e->stat]) {
		lmr_lput(&l, ": no value in this run (no samples)");
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
			lmr_lput(&l, "no baseline: skipped");
			return;
		}
		if (!bm || !bm->has[e->stat]) {
			lmr_lput(&l, "the baseline has no ");
			put_name(&l, e);
			lmr_lputf(&l, " %s: skipped", sn);
			return;
		}
		e->want = e->k * bm->st[e->stat];
		if (!isfinite(e->want)) {
			lmr_lput(&l, "the baseline's value is out of range: skipped");
			return;
		}
		put_name(&l, e);
		lmr_lputf(&l, " %s", sn);
	}
	e->has_want = 1;
	e->result = op_holds(e->op, e->got, e->want) ? LM_EX_PASS : LM_EX_FAIL;
	lmr_num_pair(g, w, e->got, e->want);
	lmr_lputf(&l, " %s, expected %s %s", g, op_text(e->op), w);
	if (e->rel) {
		snprintf(k, sizeof k, "%.6g", e->k);
		snprintf(bv, sizeof bv, "%.6g", bm->st[e->stat]);
		if (e->k == 1)
			lmr_lputf(&l, " (the baseline)");
		else
			lmr_lputf(&l, " (%s * baseline %s)", k, bv);
	}
}

