/* lm_report_html: report.html, its plots inline SVG. */
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
#include "lm_fetch.h"
#include "lm_report.h"
#include "lm_report_int.h"
#include "lm_usage.h"

#define PLOT_BUCKETS 500   /* pixel buckets of a plot: min and max of each */

/* ---- report.html */

#define PW 960.0   /* plot width, px */
#define PH 240.0
#define PL 84.0    /* left margin (value labels) */
#define PR 16.0
#define PT 30.0    /* top margin (the legend) */
#define PB 30.0

/* report.css: the page's only styling (no inline style: Jenkins serves
 * archived HTML under a CSP without 'unsafe-inline'); the plots carry
 * SVG presentation attributes and need none of it */
static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;\n"
	"max-width:1000px;padding:0 1em;color:#1d1d1f;background:#fff}\n"
	"h1{font-size:1.5em;margin:.2em 0;padding:.4em .6em;border-radius:6px}\n"
	"h1.pass{background:#e3f4e8}h1.fail{background:#fde8e6}\n"
	"h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}\n"
	".pass{color:#17803d}.fail{color:#c62828}.skip{color:#8a6d00}\n"
	"table{border-collapse:collapse;font-size:.85em}\n"
	"td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"th{background:#f0f0f4}code{font-size:.95em;word-break:break-all}\n"
	".params th{background:none;font-weight:600;white-space:nowrap}\n"
	"figure{margin:.6em 0 1.2em}figcaption{font-size:.9em;margin-bottom:.2em}\n"
	"svg.plot{width:100%;height:auto;max-width:960px;display:block}\n"
	"p.end{margin:.2em 0 1em}\n";

int lm_report_css(const struct lm_run *r, struct lm_buf *o)
{
	(void)r;
	lm_buf_adds(o, css);
	return lmr_finish(o);
}

static void h(struct lm_buf *o, const char *s)
{
	lmr_esc(o, s, E_XML);
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

/* the files of the folder, linked ("./": a name is never a scheme); the
 * plot CSVs (the last ones) folded */
struct files {
	struct lm_buf *o;
	size_t n;
	int plots;
};

static void html_file(void *ctx, const char *f)
{
	struct files *c = ctx;

	if (strncmp(f, "plot/", 5) == 0 && !c->plots++)
		lm_buf_adds(c->o, "<details><summary>plot/: a CSV per metric (Jenkins Plot plugin)</summary>");
	else if (c->n)
		lm_buf_adds(c->o, ", ");
	c->n++;
	lm_buf_adds(c->o, "<a href=\"./");
	lmr_esc(c->o, f, E_ATTR);
	lm_buf_adds(c->o, "\">");
	h(c->o, f);
	lm_buf_adds(c->o, "</a>");
}

static void html_params(const struct lm_run *r, struct lm_buf *o)
{
	struct lm_buf c;
	struct files fc = { o, 0, 0 };
	char t[64], u[48];

	lm_buf_init(&c, LM_REPORT_MAX);
	lmr_command(&c, r, E_TEXT);
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
	if (r->fetch) {
		char fl[LM_FETCH_URL_MAX + 128];
		lm_fetch_line(r->fetch, fl, sizeof fl);
		html_param(o, "dataset URL", fl);
	}
	html_param(o, "host", lmr_nz(r->host));
	lmr_iso_time(t, sizeof t, r->started, "Z");
	html_param(o, "started", t);
	lmr_human(u, sizeof u, r->duration, "seconds");
	html_param(o, "duration", u);
	if (r->usage) {
		char us[256];
		lm_usage_line(r->usage, r->duration, us, sizeof us);
		html_param(o, "usage", us);
	}
	if (r->timeout > 0)
		html_param(o, "timeout", lmr_secs(u, sizeof u, r->timeout));
	if (r->run_for > 0)
		html_param(o, "run for", lmr_secs(u, sizeof u, r->run_for));
	if (r->interval > 0)
		html_param(o, "interval", lmr_secs(u, sizeof u, r->interval));
	lmr_end_human(t, sizeof t, r);
	html_param(o, "end", t);
	snprintf(t, sizeof t, "%d", r->exit_code);
	html_param(o, "exit code", t);
	if (r->base)
		html_param(o, "baseline", lmr_nz(r->base->dir));
	lm_buf_adds(o, "<tr><th>files</th><td>");
	lmr_files(r, html_file, &fc);
	lm_buf_adds(o, fc.plots ? "</details></td></tr>\n</table>\n" : "</td></tr>\n</table>\n");
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
		lmr_num_pair(g, w, e->got, e->want);
		lmr_addf(o, "<tr><td class=\"%s\"><b>%s</b></td><td><code>", cls[k], res[k]);
		h(o, e->text);
		lmr_addf(o, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
			e->has_got ? g : "-", e->has_want ? w : "-");
		h(o, e->why);
		lm_buf_adds(o, "</td></tr>\n");
	}
	lm_buf_adds(o, "</table>\n");
}

static void html_summary(const struct lm_run *r, struct lm_buf *o)
{
	size_t ncol = r->base ? C_N : C_N - 1, i, j, *ix;
	struct lmr_cell c[C_N];

	lm_buf_adds(o, "<h2>Summary</h2>\n");
	if (!r->nm) {
		lm_buf_adds(o, "<p>No metrics were sampled.</p>\n");
		return;
	}
	if (!(ix = lmr_order(r, o)))
		return;
	lm_buf_adds(o, "<table>\n<tr>");
	for (j = 0; j < ncol; j++)
		lmr_addf(o, "<th%s>%s</th>", j > C_UNIT ? " class=\"n\"" : "", lmr_col_head[j]);
	lm_buf_adds(o, "</tr>\n");
	for (i = 0; i < r->nm; i++) {
		lmr_row_cells(r, &r->m[ix[i]], c);
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
	lmr_decade(raw, &p);
	f = raw / p;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

struct plot {
	double t1, lo, hi;   /* time 0..t1, values lo..hi */
	double f, step;      /* the axis shows v / f (in the unit suf); ticks
	                      * every step (1, 2 or 5 times a power of ten, in
	                      * the unit shown) */
	char suf[8];
};

/* The axis's unit for values up to a: bytes in binary prefixes, seconds
 * down to ns, ratios in %, the rest in SI prefixes; one for every tick. */
static void axis_unit(struct plot *p, const char *unit, double a)
{
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	static const struct { double f; const char *p; } si[] = {
		{ 1e-9, "n" }, { 1e-6, "\xc2\xb5" }, { 1e-3, "m" }, { 1, "" }, { 1e3, "k" },
		{ 1e6, "M" }, { 1e9, "G" }, { 1e12, "T" }
	};
	const char *u = "";
	size_t i, k = 3, lo = 3;

	p->f = 1;
	if (strcmp(unit, "bytes") == 0) {
		for (i = 0; i < 5 && a >= 1024 * p->f; i++)
			p->f *= 1024;
		snprintf(p->suf, sizeof p->suf, "%s", bin[i]);
		return;
	}
	if (strcmp(unit, "ratio") == 0 || strcmp(unit, "celsius") == 0) {
		p->f = *unit == 'r' ? 0.01 : 1;
		snprintf(p->suf, sizeof p->suf, "%s", *unit == 'r' ? "%" : "\xc2\xb0" "C");
		return;
	}
	if (strcmp(unit, "seconds") == 0 || strcmp(unit, "watts") == 0)
		lo = 0;   /* ms, mW; not for Hz or counts */
	u = strcmp(unit, "seconds") == 0 ? "s" : strcmp(unit, "watts") == 0 ? "W" :
		strcmp(unit, "hertz") == 0 ? "Hz" : strcmp(unit, "per_second") == 0 ? "/s" : "";
	if (strcmp(unit, "seconds") == 0 && a >= 1)
		a = 1;   /* seconds stay seconds */
	for (k = lo; k + 1 < sizeof si / sizeof si[0] && a >= si[k + 1].f; k++)
		;
	if (strcmp(unit, "seconds") == 0 && k > 3)
		k = 3;
	p->f = si[k].f;
	snprintf(p->suf, sizeof p->suf, "%s%s", si[k].p, u);
}

static double px(const struct plot *p, double t)
{
	return PL + (PW - PL - PR) * (t / p->t1);
}

static double py(const struct plot *p, double v)
{
	return PH - PB - (PH - PT - PB) * ((v - p->lo) / (p->hi - p->lo));
}

static void plot_axes(const struct plot *p, struct lm_buf *o)
{
	double st = p->step, v;
	char b[48];
	int k;

	for (k = 0, v = ceil(p->lo / st - 1e-9) * st; v <= p->hi + st * 1e-9 && k < 12; k++, v += st) {
		lmr_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>",
			PL, py(p, v), PW - PR, py(p, v));
		lmr_sig(b, sizeof b, fabs(v) < st * 1e-9 ? 0 : v / p->f);
		lmr_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", PL - 6, py(p, v) + 4);
		h(o, b);
		if (*p->suf) {
			lm_buf_adds(o, strcmp(p->suf, "%") == 0 || p->suf[0] == '/' ? "" : " ");
			h(o, p->suf);
		}
		lm_buf_adds(o, "</text>");
	}
	st = nice_step(p->t1, 8);
	for (k = 0, v = 0; v <= p->t1 + st * 1e-9 && k < 24; k++, v += st) {
		lmr_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
			px(p, v), PH - PB, px(p, v), PH - PB + 4);
		lmr_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>",
			px(p, v), PH - PB + 16, v);
	}
	lmr_addf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>",
		PL, PH - PB, PW - PR, PH - PB);
}

static long plot_bucket(const struct plot *p, double t)
{
	double f = t / p->t1 * PLOT_BUCKETS;

	return f > 0 ? f < PLOT_BUCKETS ? (long)f : PLOT_BUCKETS : 0;
}

static void plot_point(const struct plot *p, struct lm_buf *o, double t, double v)
{
	lmr_addf(o, "%.1f,%.1f ", px(p, t), py(p, v));
}

/* the samples, at most 2 * PLOT_BUCKETS points: min and max per bucket */
static void plot_line(const struct plot *p, const struct lm_metric *m, const double *v,
	const char *color, const char *what, struct lm_buf *o)
{
	size_t i, a, lo, hi;
	long b, cur;

	if (m->n == 1) {
		lmr_addf(o, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
			what, px(p, m->t[0]), py(p, v[0]), color);
		return;
	}
	lmr_addf(o, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
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

/* where the app was being stopped: the planned stop (-r) or the deadline */
static double stop_at(const struct lm_run *r)
{
	double dl = r->run_for > 0 ? r->run_for : r->timeout;

	return dl > 0 && isfinite(dl) ? dl : 0;
}

static void plot_range(struct plot *p, const struct lm_run *r, const struct lm_metric *m,
	const struct lm_base_metric *bm)
{
	double dl = stop_at(r), pad;
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
	if (dl > 0 && dl * 1.05 > p->t1)
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
	if (!(p->hi > p->lo) || !isfinite(p->hi - p->lo)) {
		p->lo = -1;
		p->hi = 1;
	}
	/* ticks at round steps of the unit shown, the range on ticks */
	axis_unit(p, lm_metric_unit(m), fmax(fabs(p->lo), fabs(p->hi)));
	p->step = nice_step((p->hi - p->lo) / p->f, 4) * p->f;
	if (isfinite(floor(p->lo / p->step) * p->step) && isfinite(ceil(p->hi / p->step) * p->step)) {
		p->lo = floor(p->lo / p->step + 1e-9) * p->step;
		p->hi = ceil(p->hi / p->step - 1e-9) * p->step;
	}
	if (!(p->hi > p->lo) || !isfinite(p->hi - p->lo) || !(p->step > 0)) {
		p->lo = -1;
		p->hi = 1;
		p->step = 0.5;
		p->f = 1;
		p->suf[0] = 0;
	}
}

/* one legend entry at x: a swatch (line, dashed line or area) and a word;
 * returns the next x */
static double legend(struct lm_buf *o, double x, const char *kind, const char *color,
	const char *word)
{
	if (*kind == 'a')
		lmr_addf(o, "<rect x=\"%.1f\" y=\"8\" width=\"18\" height=\"10\" fill=\"%s\"/>", x, color);
	else
		lmr_addf(o, "<line x1=\"%.1f\" y1=\"13\" x2=\"%.1f\" y2=\"13\" stroke=\"%s\" "
			"stroke-width=\"2\"%s/>", x, x + 18, color,
			*kind == 'd' ? " stroke-dasharray=\"6 4\"" : "");
	lmr_addf(o, "<text x=\"%.1f\" y=\"17\">", x + 23);
	h(o, word);
	lm_buf_adds(o, "</text>");
	return x + 23 + 6.5 * (double)strlen(word) + 16;
}

static void html_plot(const struct lm_run *r, const struct lm_metric *m, struct lm_buf *o)
{
	const struct lm_base_metric *bm = r->base ? lm_baseline_find(r->base, m->source, m->id) : NULL;
	const char *unit = lm_metric_unit(m);
	const char *area = r->run_for > 0 ? "after the planned stop" : "after the deadline";
	double dl = stop_at(r), x = PL;
	struct plot p;
	char a[48], b[48];
	int base = bm && bm->has[LM_ST_MEAN] && isfinite(bm->st[LM_ST_MEAN]);

	plot_range(&p, r, m, bm);
	lm_buf_adds(o, "<figure>\n<figcaption><b>");
	h(o, lmr_nz(m->source));
	lm_buf_addc(o, '/');
	h(o, lmr_nz(m->id));
	lmr_addf(o, "</b> (%s%s%s", lmr_type_name(m->type), *unit ? ", " : "", unit);
	if (m->has[LM_ST_MEAN] && m->has[LM_ST_P95]) {
		lmr_human(a, sizeof a, m->st[LM_ST_MEAN], unit);
		lmr_human(b, sizeof b, m->st[LM_ST_P95], unit);
		lm_buf_adds(o, "; mean ");
		h(o, a);
		lm_buf_adds(o, ", p95 ");
		h(o, b);
	}
	lm_buf_adds(o, ")</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-metric=\"");
	lmr_esc(o, lmr_nz(m->source), E_ATTR);
	lm_buf_addc(o, '/');
	lmr_esc(o, lmr_nz(m->id), E_ATTR);
	lmr_addf(o, "\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
		"font-size=\"11\" fill=\"#444\" role=\"img\">", PW, PH, PW, PH);
	/* the legend, above the plot */
	lm_buf_adds(o, "<g class=\"legend\">");
	if (m->vmax) {
		x = legend(o, x, "line", "#1f6fb4", "mean per interval");
		x = legend(o, x, "line", "#2e8b57", "p50");
		x = legend(o, x, "line", "#c0392b", "max");
	} else {
		x = legend(o, x, "line", "#1f6fb4", "this run");
	}
	if (dl > 0)
		x = legend(o, x, "area", r->run_for > 0 ? "#e8eef8" : "#fbe3e3", area);
	if (base)
		legend(o, x, "dash", "#e07b00", "baseline mean");
	lm_buf_adds(o, "</g>");
	if (dl > 0) {
		lmr_addf(o, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>", r->run_for > 0 ? "planned" : "deadline", px(&p, dl), PT,
			PW - PR - px(&p, dl), PH - PT - PB, r->run_for > 0 ? "#e8eef8" : "#fbe3e3");
		lmr_human(a, sizeof a, dl, "seconds");
		lmr_addf(o, "%s %s</title></rect>", r->run_for > 0 ? "run for" : "timeout", a);
	}
	plot_axes(&p, o);
	if (base) {
		lmr_addf(o, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#e07b00\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>baseline mean ",
			PL, py(&p, bm->st[LM_ST_MEAN]), PW - PR, py(&p, bm->st[LM_ST_MEAN]));
		lmr_human(a, sizeof a, bm->st[LM_ST_MEAN], unit);
		h(o, a);
		lm_buf_adds(o, "</title></line>");
	}
	if (m->vmax) {
		plot_line(&p, m, m->vmax, "#c0392b", "max", o);
		plot_line(&p, m, m->v50, "#2e8b57", "p50", o);
	}
	plot_line(&p, m, m->v, "#1f6fb4", "mean", o);
	lm_buf_adds(o, "</svg>\n</figure>\n");
}

static void html_plots(const struct lm_run *r, struct lm_buf *o)
{
	static const char *const head[G_N] = {
		"<h2>The app's metrics</h2>\n", "<h2>The app's resources: process, GPU</h2>\n",
		"<h2>The board</h2>\n"
	};
	size_t i, *ix;
	int group = -1, g;

	if (!(ix = lmr_order(r, o)))
		return;
	for (i = 0; i < r->nm; i++) {
		const struct lm_metric *m = &r->m[ix[i]];

		if (!m->n)
			continue;
		if ((g = lmr_group(m)) != group) {
			group = g;
			lm_buf_adds(o, head[g]);
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

	lmr_end_human(e, sizeof e, r);
	lm_buf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		"<link rel=\"stylesheet\" href=\"report.css\"/>\n<title>");
	h(o, lmr_nz(r->name));
	lmr_addf(o, ": %s, %s</title>\n</head>\n<body>\n", word, e);
	lmr_addf(o, "<h1 class=\"%s\">", cls);
	h(o, lmr_nz(r->name));
	lmr_addf(o, ": %s, %s%s (exit code %d)</h1>\n", word, e,
		r->exit_code == 1 ? ", a threshold failed" : "", r->exit_code);
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
	return lmr_finish(o);
}
