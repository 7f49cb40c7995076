/* lm_report_text: summary.txt, the plain-text summary. */
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

static void text_table(const struct lm_run *r, struct lm_buf *o)
{
	size_t ncol = r->base ? C_N : C_N - 1, w[C_N], i, j, x;
	struct lmr_cell *c;
	size_t *ix;

	if (!r->nm) {
		lm_buf_adds(o, "no metrics were sampled\n");
		return;
	}
	if (!(ix = lmr_order(r, o)))
		return;
	if (!(c = calloc(r->nm, C_N * sizeof *c))) {
		free(ix);
		if (!o->err)
			o->err = ENOMEM;
		return;
	}
	for (j = 0; j < ncol; j++)
		w[j] = lmr_twidth(lmr_col_head[j]);
	for (i = 0; i < r->nm; i++) {
		lmr_row_cells(r, &r->m[ix[i]], c + i * C_N);
		for (j = 0; j < ncol; j++)
			if ((x = lmr_twidth(c[i * C_N + j].s)) > w[j])
				w[j] = x;
	}
	for (i = 0; i <= r->nm; i++) {
		for (j = 0; j < ncol; j++) {
			const char *s = i ? c[(i - 1) * C_N + j].s : lmr_col_head[j];
			size_t sw = lmr_twidth(s);

			if (j)
				lm_buf_adds(o, "  ");
			if (j > C_UNIT)
				lmr_pad(o, w[j] - sw);
			lmr_esc(o, s, E_TEXT);
			if (j <= C_UNIT && j + 1 < ncol)
				lmr_pad(o, w[j] - sw);
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
		if ((x = lmr_twidth(r->ex[i].text)) > w)
			w = x;
	}
	lmr_addf(o, "\nexpectations: %zu passed, %zu failed", n[LM_EX_PASS], n[LM_EX_FAIL]);
	if (n[LM_EX_SKIP])
		lmr_addf(o, ", %zu skipped", n[LM_EX_SKIP]);
	lm_buf_addc(o, '\n');
	for (i = 0; i < r->nex; i++) {
		k = r->ex[i].result >= LM_EX_PASS && r->ex[i].result <= LM_EX_SKIP ? r->ex[i].result : 0;
		lmr_addf(o, "  %s  ", res[k]);
		lmr_esc(o, r->ex[i].text, E_TEXT);
		lmr_pad(o, w - lmr_twidth(r->ex[i].text));
		lm_buf_adds(o, "  ");
		lmr_esc(o, r->ex[i].why, E_TEXT);
		lm_buf_addc(o, '\n');
	}
}

int lm_report_text(const struct lm_run *r, struct lm_buf *o)
{
	char e[64], t[40], u[48];

	lmr_end_human(e, sizeof e, r);
	lmr_esc(o, lmr_nz(r->name), E_TEXT);
	lmr_addf(o, ": %s: %s%s, exit code %d\n", r->exit_code == 0 ? "PASS" : "FAIL", e,
		r->exit_code == 1 ? ", a threshold failed" : "", r->exit_code);
	if (r->end_text && *r->end_text) {
		lm_buf_adds(o, "  ");
		lmr_esc(o, r->end_text, E_TEXT);
		lm_buf_addc(o, '\n');
	}
	lm_buf_adds(o, "command   ");
	lmr_command(o, r, E_TEXT);
	if (r->image) {
		lm_buf_adds(o, "\nimage     ");
		lmr_esc(o, r->image, E_TEXT);
	}
	if (r->fetch) {
		char fl[LM_FETCH_URL_MAX + 128];
		lm_fetch_line(r->fetch, fl, sizeof fl);
		lm_buf_adds(o, "\ndataset   ");
		lmr_esc(o, fl, E_TEXT);
	}
	lm_buf_adds(o, "\nhost      ");
	lmr_esc(o, lmr_nz(r->host), E_TEXT);
	lmr_iso_time(t, sizeof t, r->started, "Z");
	lmr_addf(o, "\nstarted   %s\n", t);
	lmr_human(u, sizeof u, r->duration, "seconds");
	lmr_addf(o, "duration  %s", u);
	if (r->timeout > 0)
		lmr_addf(o, ", timeout %s", lmr_secs(u, sizeof u, r->timeout));
	if (r->run_for > 0)
		lmr_addf(o, ", run for %s", lmr_secs(u, sizeof u, r->run_for));
	if (r->interval > 0)
		lmr_addf(o, ", a sample every %s", lmr_secs(u, sizeof u, r->interval));
	lm_buf_addc(o, '\n');
	if (r->usage) {
		char us[256];
		lm_usage_line(r->usage, r->duration, us, sizeof us);
		lmr_addf(o, "usage     %s\n", us);
	}
	if (r->base) {
		lm_buf_adds(o, "baseline  ");
		lmr_esc(o, lmr_nz(r->base->dir), E_TEXT);
		lm_buf_addc(o, '\n');
	}
	lm_buf_addc(o, '\n');
	text_table(r, o);
	text_expect(r, o);
	return lmr_finish(o);
}

