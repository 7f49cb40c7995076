/* lm_report_fmt: what the writers share: text made safe for people,
 * escaping for JSON, XML and terminals, numbers with units, the run's
 * end in words, the metric order, the statistics table's cells. */
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

const char *lmr_nz(const char *s)
{
	return s ? s : "";
}

int lmr_is_timer(int type)
{
	return type == LM_TIMER || type == LM_TIMER_MS;
}

int lmr_is_obs(int type)
{
	return lmr_is_timer(type) || type == LM_HISTO || type == LM_DIST;
}

int lmr_is_count(int type)
{
	return type == LM_COUNTER || type == LM_RATE;
}

/* ---- text for people: control bytes never pass */

static unsigned lmr_utf8_cp(const unsigned char *s, size_t k)
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
int lmr_cp_unsafe(unsigned c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) ||
		(c >= 0x2066 && c <= 0x2069);
}

/* Copy s into d (cap bytes, NUL-terminated), each unsafe code point or
 * bad byte as '?', cut at a character boundary. */
void lmr_clean(char *d, size_t cap, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	if (!cap)
		return;
	while (i < n) {
		k = lm_utf8_len(u + i, n - i);
		if (!k || lmr_cp_unsafe(lmr_utf8_cp(u + i, k))) {
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

void lmr_lput(struct lmr_line *l, const char *s)
{
	if (l->len + 1 < l->cap) {
		lmr_clean(l->p + l->len, l->cap - l->len, s);
		l->len += strlen(l->p + l->len);
	}
}

void lmr_lputf(struct lmr_line *l, const char *fmt, ...)
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

/* ---- output helpers */


void lmr_addf(struct lm_buf *o, const char *fmt, ...)
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

static void lmr_esc_ascii(struct lm_buf *o, unsigned char c, int mode)
{
	static const char rep[] = "\xef\xbf\xbd";   /* U+FFFD */

	if (mode == E_TEXT) {
		lm_buf_addc(o, '?');
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

static int lmr_esc_special(unsigned char c, int mode)
{
	if (mode == E_XML || mode == E_ATTR)
		return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
	return 0;
}

/* s escaped for mode: JSON string body (lm_json_esc), XML/HTML text or
 * attribute, or plain text (one line, nothing a terminal acts on). Bad
 * UTF-8 becomes U+FFFD ('?' in plain text). */
void lmr_esc(struct lm_buf *o, const char *s, int mode)
{
	const unsigned char *u = (const unsigned char *)lmr_nz(s);
	size_t n = strlen((const char *)u), i = 0, a, k;
	unsigned c;

	if (mode == E_JSON) {
		lm_json_esc(o, (const char *)u, n);
		return;
	}
	while (i < n) {
		a = i;
		while (i < n && u[i] >= 0x20 && u[i] < 0x7f && !lmr_esc_special(u[i], mode))
			i++;
		lm_buf_add(o, u + a, i - a);
		if (i >= n)
			break;
		if (u[i] < 0x80) {
			lmr_esc_ascii(o, u[i++], mode);
			continue;
		}
		k = lm_utf8_len(u + i, n - i);
		c = k ? lmr_utf8_cp(u + i, k) : 0;
		if (!k)
			lm_buf_adds(o, mode == E_TEXT ? "?" : "\xef\xbf\xbd");
		else if (mode == E_TEXT && lmr_cp_unsafe(c))
			lm_buf_addc(o, '?');
		else if (mode != E_TEXT && (c == 0xfffe || c == 0xffff))
			lm_buf_adds(o, "\xef\xbf\xbd");
		else
			lm_buf_add(o, u + i, k);
		i += k ? k : 1;
	}
}

/* columns s takes as plain text (one per character) */
size_t lmr_twidth(const char *s)
{
	const unsigned char *u = (const unsigned char *)lmr_nz(s);
	size_t n = strlen((const char *)u), i = 0, w = 0, k;

	while (i < n) {
		k = lm_utf8_len(u + i, n - i);
		i += k ? k : 1;
		w++;
	}
	return w;
}

void lmr_pad(struct lm_buf *o, size_t n)
{
	while (n--)
		lm_buf_addc(o, ' ');
}

int lmr_finish(struct lm_buf *o)
{
	if (o->err) {
		errno = o->err;
		return -1;
	}
	return 0;
}

/* ---- numbers for people */

/* about 4 significant digits, no exponent between 1e-4 and 1e9 */
int lmr_decade(double a, double *p)
{
	double x = 1;
	int k = 0;

	while (x > a && k > -330) {
		x /= 10;
		k--;
	}
	while (x * 10 <= a && k < 310) {
		x *= 10;
		k++;
	}
	if (p)
		*p = x;
	return k;
}

void lmr_sig(char *b, size_t cap, double v)
{
	double a = fabs(v);
	int d;
	char *p;

	if (a != 0 && (a < 1e-4 || a >= 1e9)) {
		snprintf(b, cap, "%.3e", v);
		return;
	}
	d = a == 0 ? 0 : 3 - lmr_decade(a, NULL);
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
static void lmr_si(char *b, size_t cap, double v, const char *u, int small)
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
	lmr_sig(t, sizeof t, v / pre[k].f);
	snprintf(b, cap, "%s%s%s%s", t, *u == '/' && !*pre[k].p ? "" : " ", pre[k].p, u);
}

/* a value humanised with its unit (lm_metric_unit) */
void lmr_human(char *b, size_t cap, double v, const char *unit)
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
		lmr_sig(t, sizeof t, v);
		snprintf(b, cap, "%s %s", t, bin[i]);
	} else if (strcmp(unit, "seconds") == 0) {
		if (a == 0 || a >= 1) {
			lmr_sig(t, sizeof t, v);
			snprintf(b, cap, "%s s", t);
		} else {
			lmr_si(b, cap, v, "s", 1);
		}
	} else if (strcmp(unit, "ratio") == 0) {
		lmr_sig(t, sizeof t, v * 100);
		snprintf(b, cap, "%s%%", t);
	} else if (strcmp(unit, "celsius") == 0) {
		lmr_sig(t, sizeof t, v);
		snprintf(b, cap, "%s °C", t);
	} else if (strcmp(unit, "watts") == 0) {
		lmr_si(b, cap, v, "W", 1);
	} else if (strcmp(unit, "hertz") == 0) {
		lmr_si(b, cap, v, "Hz", 0);
	} else if (strcmp(unit, "per_second") == 0) {
		lmr_si(b, cap, v, "/s", 0);
	} else if (a >= 1e4) {
		lmr_si(b, cap, v, "", 0);
	} else {
		lmr_sig(b, cap, v);
	}
	i = strlen(b);
	if (i && b[i - 1] == ' ')
		b[i - 1] = 0;
}

const char *lmr_secs(char *b, size_t cap, double v)
{
	lmr_human(b, cap, v, "seconds");
	return b;
}

/* the relative change of cur against base, as "+5.2%"; 0 when none */
int lmr_delta(double cur, double base, double *d)
{
	if (!(base != 0) || !isfinite(cur) || !isfinite(base))
		return 0;
	*d = (cur - base) / fabs(base);
	return isfinite(*d);
}

void lmr_delta_text(char *b, size_t cap, double d)
{
	if (fabs(d) < 10)
		snprintf(b, cap, "%+.1f%%", d * 100);
	else
		snprintf(b, cap, "%+.3g%%", d * 100);
}

/* ---- the run */

const char *lmr_type_name(int type)
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

const char *lmr_end_name(int end)
{
	static const char *const t[] = {
		"unknown", "exited", "signaled", "stopped", "timeout", "killed", "not-started",
		"interrupted", "companion-failed", "companion-not-ready"
	};

	return end >= LM_END_EXITED && end <= LM_END_NOTREADY ? t[end] : t[0];
}

/* SIGINT, SIGTERM, SIGHUP by name (what lmsession catches), else a number */
static void sig_name(char *b, size_t cap, int s)
{
	static const char *const n[] = { "", "SIGHUP", "SIGINT", "", "", "", "", "", "", "SIGKILL",
		"", "", "", "", "", "SIGTERM" };

	if (s > 0 && s < 16 && *n[s])
		snprintf(b, cap, "%s", n[s]);
	else
		snprintf(b, cap, "signal %d", s);
}

void lmr_end_human(char *b, size_t cap, const struct lm_run *r)
{
	char s[24];

	sig_name(s, sizeof s, r->signal);
	switch (r->end) {
	case LM_END_EXITED: snprintf(b, cap, "exited %d", r->status); break;
	case LM_END_SIGNALED: snprintf(b, cap, "died of signal %d", r->status); break;
	case LM_END_STOPPED: snprintf(b, cap, "stopped as planned"); break;
	case LM_END_TIMEOUT: snprintf(b, cap, "timed out"); break;
	case LM_END_INTERRUPTED: snprintf(b, cap, "interrupted by %s", s); break;
	case LM_END_KILLED:
		if (r->cause == LM_END_INTERRUPTED)
			snprintf(b, cap, "killed after %s to lmsession", s);
		else
			snprintf(b, cap, "killed after the %s", r->cause == LM_END_STOPPED ?
				"planned stop" : "deadline");
		break;
	case LM_END_NOSTART: snprintf(b, cap, "did not start (%d)", r->status); break;
	case LM_END_COMPANION: snprintf(b, cap, "a companion ended (%d)", r->status); break;
	case LM_END_NOTREADY: snprintf(b, cap, "a companion was not ready"); break;
	default: snprintf(b, cap, "ended");
	}
}

int lmr_app_ok(const struct lm_run *r)
{
	return (r->end == LM_END_EXITED && r->status == 0) || r->end == LM_END_STOPPED;
}

int lmr_is_board(const struct lm_metric *m)
{
	return strcmp(lmr_nz(m->source), "board") == 0;
}

/* metric indices: the app's first, then the board's, each in run order */
/* the app's resources: what lmsession and lmprobe measure of it */
int lmr_group(const struct lm_metric *m)
{
	static const char *const res[] = { "process_", "gpu_", "cgroup_" };
	const char *id = lmr_nz(m->id);
	size_t i;

	if (lmr_is_board(m))
		return G_BOARD;
	for (i = 0; i < sizeof res / sizeof res[0]; i++)
		if (strncmp(id, res[i], strlen(res[i])) == 0)
			return G_RES;
	return G_APP;
}

/* metric indices in reading order: the app's own metrics, its resources,
 * the board's; each group in run order */
size_t *lmr_order(const struct lm_run *r, struct lm_buf *o)
{
	size_t *ix, i, k = 0;
	int g;

	if (!(ix = malloc((r->nm ? r->nm : 1) * sizeof *ix))) {
		if (!o->err)
			o->err = ENOMEM;
		return NULL;
	}
	for (g = 0; g < G_N; g++)
		for (i = 0; i < r->nm; i++)
			if (lmr_group(&r->m[i]) == g)
				ix[k++] = i;
	return ix;
}

void lmr_iso_time(char *b, size_t cap, double t, const char *z)
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

static int lmr_shell_safe(const char *s)
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
void lmr_command(struct lm_buf *o, const struct lm_run *r, int mode)
{
	struct lm_buf t;
	size_t i;
	const char *s;

	lm_buf_init(&t, LM_REPORT_MAX);
	for (i = 0; r->argv && r->argv[i]; i++) {
		if (i)
			lm_buf_addc(&t, ' ');
		if (lmr_shell_safe(r->argv[i])) {
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
	lmr_esc(o, t.p ? t.p : "", mode);
	lm_buf_free(&t);
}

/* ---- the statistics table (summary.txt and report.html) */

const char *const lmr_col_head[C_N] = {
	"source", "metric", "unit", "count", "min", "mean", "p50", "p90", "p95", "p99", "max", "Δ mean"
};

void lmr_row_cells(const struct lm_run *r, const struct lm_metric *m, struct lmr_cell *c)
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
	c[C_SRC].s = lmr_nz(m->source);
	c[C_ID].s = lmr_nz(m->id);
	c[C_UNIT].s = *unit ? unit : "-";
	if (m->has[LM_ST_COUNT])
		snprintf(c[C_COUNT].b, sizeof c[C_COUNT].b, "%.0f", m->st[LM_ST_COUNT]);
	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (m->has[st[i]])
			lmr_human(c[C_MIN + i].b, sizeof c[C_MIN + i].b, m->st[st[i]], unit);
	bm = r->base ? lm_baseline_find(r->base, m->source, m->id) : NULL;
	if (bm && bm->has[LM_ST_MEAN] && m->has[LM_ST_MEAN] &&
		lmr_delta(m->st[LM_ST_MEAN], bm->st[LM_ST_MEAN], &d))
		lmr_delta_text(c[C_DELTA].b, sizeof c[C_DELTA].b, d);
	else if (!bm)
		strcpy(c[C_DELTA].b, "new");
}

