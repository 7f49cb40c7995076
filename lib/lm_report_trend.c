/* lm_report_trend: files for trends across builds. perfreport.xml, in the
 * Taurus "FinalStatus" XML that the Jenkins Performance plugin (perfReport)
 * detects by its first two lines; one CSV per metric for the Jenkins Plot
 * plugin (plot/NAME.csv: a header of series names, one row of values). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_num.h"
#include "lm_report.h"
#include "lm_report_int.h"

/* Taurus percentiles by param, and the statistic each is */
static const struct {
	const char *param;
	int st;
} perc[] = {
	{ "0.0", LM_ST_MIN }, { "50.0", LM_ST_P50 }, { "90.0", LM_ST_P90 },
	{ "95.0", LM_ST_P95 }, { "99.0", LM_ST_P99 }, { "100.0", LM_ST_MAX },
};

/* v as perfReport reads it: it takes seconds and shows milliseconds; a
 * metric in another unit is divided by 1000, so that the number shown is
 * the metric's own (fps 30 reads "30") */
static void tnum(struct lm_buf *o, const struct lm_metric *m, double v)
{
	char b[LM_NUM_MAX];

	lm_fmt_double(b, strcmp(lm_metric_unit(m), "seconds") == 0 ? v : v / 1000);
	lm_buf_adds(o, b);
}

/* one Group; label 0: the summary (label=""), the build's own figures */
static void group(struct lm_buf *o, const struct lm_metric *m, int label)
{
	double n = m->has[LM_ST_COUNT] ? m->st[LM_ST_COUNT] : 0;
	size_t i;

	lm_buf_adds(o, "  <Group");
	lmr_addf(o, " label=\"");
	if (label) {
		lmr_esc(o, lmr_nz(m->source), E_ATTR);
		lm_buf_addc(o, '/');
		lmr_esc(o, lmr_nz(m->id), E_ATTR);
	}
	lmr_addf(o, "\">\n    <throughput value=\"%.0f\"/>\n    <succ value=\"%.0f\"/>\n"
		"    <fail value=\"0\"/>\n    <bytes value=\"0\"/>\n    <avg_rt value=\"", n, n);
	tnum(o, m, m->st[LM_ST_MEAN]);
	lm_buf_adds(o, "\"/>\n");
	for (i = 0; i < sizeof perc / sizeof perc[0]; i++)
		if (m->has[perc[i].st]) {
			lmr_addf(o, "    <perc param=\"%s\" value=\"", perc[i].param);
			tnum(o, m, m->st[perc[i].st]);
			lm_buf_adds(o, "\"/>\n");
		}
	lm_buf_adds(o, "  </Group>\n");
}

int lm_report_perf(const struct lm_run *r, struct lm_buf *o)
{
	const struct lm_metric *sum;
	char d[LM_NUM_MAX];
	size_t i, *ix;

	lm_buf_adds(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FinalStatus>\n");
	lm_fmt_double(d, isfinite(r->duration) && r->duration > 0 ? r->duration : 0);
	lmr_addf(o, "  <TestDuration>%s</TestDuration>\n", d);
	if ((ix = lmr_order(r, o))) {
		/* the summary: the app's first timer (latency), else its first
		 * metric; what the plugin's build figures and threshold use */
		for (i = 0, sum = NULL; i < r->nm && (!sum || !lmr_is_timer(sum->type)); i++) {
			const struct lm_metric *m = &r->m[ix[i]];

			if (lmr_group(m) == G_APP && m->has[LM_ST_MEAN] &&
				(!sum || lmr_is_timer(m->type)))
				sum = m;
		}
		if (sum)
			group(o, sum, 0);
		for (i = 0; i < r->nm; i++) {
			const struct lm_metric *m = &r->m[ix[i]];

			if (lmr_group(m) != G_BOARD && m->has[LM_ST_MEAN])
				group(o, m, 1);
		}
		free(ix);
	}
	lm_buf_adds(o, "</FinalStatus>\n");
	return lmr_finish(o);
}

/* the file name of metric i's plot CSV: "plot/SOURCE.ID.csv", one to one:
 * [A-Za-z0-9._=,-] as they are, '{' '}' as '(' ')', any other byte as
 * ~XX (hex); a name past LM_PLOT_NAME_MAX is cut and ends in ~N (the
 * metric's index) */
int lmr_plot_name(const struct lm_run *r, size_t i, char *b, size_t cap)
{
	const char *part[2];
	char x[LM_PLOT_NAME_MAX + 32];
	size_t n = 0, k;
	unsigned char c;
	const char *s;

	if (i >= r->nm || !r->m[i].has[LM_ST_MEAN])
		return -1;
	part[0] = lmr_nz(r->m[i].source);
	part[1] = lmr_nz(r->m[i].id);
	for (k = 0; k < 2 && n < LM_PLOT_NAME_MAX; k++) {
		if (k)
			x[n++] = '.';
		for (s = part[k]; (c = (unsigned char)*s) && n < LM_PLOT_NAME_MAX; s++) {
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				strchr("._=,-", c))
				x[n++] = (char)c;
			else if (c == '{' || c == '}')
				x[n++] = c == '{' ? '(' : ')';
			else
				n += (size_t)snprintf(x + n, 4, "~%02X", c);
		}
	}
	x[n] = 0;
	if (n >= LM_PLOT_NAME_MAX)
		snprintf(b, cap, "plot/%.*s~%zu.csv", LM_PLOT_NAME_MAX, x, i);
	else
		snprintf(b, cap, "plot/%s.csv", x);
	return 0;
}

int lm_report_plot(const struct lm_metric *m, struct lm_buf *o)
{
	static const int st[] = { LM_ST_MEAN, LM_ST_MIN, LM_ST_P50, LM_ST_P90, LM_ST_P95,
		LM_ST_P99, LM_ST_MAX };
	char b[LM_NUM_MAX];
	size_t i;

	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		lmr_addf(o, "%s%s", i ? "," : "", lm_stat_name[st[i]]);
	lm_buf_addc(o, '\n');
	for (i = 0; i < sizeof st / sizeof st[0]; i++) {
		lm_fmt_double(b, m->has[st[i]] ? m->st[st[i]] : 0);
		lmr_addf(o, "%s%s", i ? "," : "", b);
	}
	lm_buf_addc(o, '\n');
	return lmr_finish(o);
}
