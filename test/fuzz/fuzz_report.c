/* fuzz_report: libFuzzer entry point for lmsession's results: the
 * threshold parser (lm_expect_parse), the JSON reader and the baseline
 * reader (lm_json_parse, lm_baseline_parse), then every writer fed with
 * what was read. The first byte picks the mode (bit 0):
 *   0  the rest is a --expect text; when it parses, it is evaluated
 *      against a few metrics with and without a baseline, and the
 *      reports are written with it;
 *   1  the rest is a summary.json; when it reads, its metrics (names and
 *      all) become a run's metrics, with a threshold on the first one,
 *      and the reports are written.
 * Seeds: test/fuzz/seeds/report/. Checks beyond the sanitizers:
 *  - a rejected input leaves a one-line error with no control byte;
 *  - the summary.json written reads back, with as many metrics;
 *  - summary.txt holds no control byte but newlines; junit.xml and
 *    report.html none but newlines and tabs, and no raw '<' from a name
 *    (no "<script"). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lm_buf.h"
#include "lm_json.h"
#include "lm_report.h"
#include "lm_wire.h"
#include "../unit/inlinecss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NM 8

static const char base_json[] =
	"{\"format\":\"lmsession-summary/1\",\"duration_seconds\":10,\"metrics\":["
	"{\"source\":\"app\",\"id\":\"fps\",\"stats\":{\"count\":3,\"mean\":10,\"p95\":12,\"max\":13}},"
	"{\"source\":\"board\",\"id\":\"t_celsius{sensor=GPU}\",\"stats\":{\"max\":70}}]}";

static void err_ok(const char *err)
{
	size_t i;

	if (!err[0])
		abort();
	for (i = 0; err[i]; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			abort();
}

static void no_ctl(const struct lm_buf *b, int tab)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->p[i];

		if ((c < 0x20 && c != '\n' && !(tab && c == '\t')) || c == 0x7f)
			abort();
	}
}


static void write_all(const struct lm_run *r)
{
	struct lm_buf o;
	struct lm_baseline b;
	char err[256];

	lm_buf_init(&o, 0);
	if (lm_report_json(r, &o) < 0)
		abort();
	if (lm_baseline_parse(&b, o.p, o.len, err, sizeof err) < 0 || b.n != r->nm)
		abort();
	lm_baseline_free(&b);
	lm_buf_reset(&o);
	if (lm_report_text(r, &o) < 0)
		abort();
	no_ctl(&o, 0);
	lm_buf_reset(&o);
	if (lm_report_junit(r, &o) < 0)
		abort();
	no_ctl(&o, 1);
	if (strstr(o.p, "<script"))
		abort();
	lm_buf_reset(&o);
	if (lm_report_html(r, &o) < 0)
		abort();
	no_ctl(&o, 1);
	if (inline_style(o.p))
		abort();
	lm_buf_reset(&o);
	if (lm_report_perf(r, &o) < 0)
		abort();
	no_ctl(&o, 1);
	if (strstr(o.p, "<script"))
		abort();
	for (size_t i = 0; i < r->nm; i++) {
		lm_buf_reset(&o);
		if (lm_report_plot(&r->m[i], &o) < 0)
			abort();
		no_ctl(&o, 1);
	}
	lm_buf_free(&o);
}

static void run_init(struct lm_run *r, struct lm_metric *m, size_t nm,
	struct lm_expect *ex, size_t nex, const struct lm_baseline *b)
{
	static const char *const argv[] = { "./app", "-x", NULL };

	memset(r, 0, sizeof *r);
	r->name = "fuzz";
	r->argv = argv;
	r->host = "host";
	r->started = 1700000000;
	r->duration = 10;
	r->timeout = 10;
	r->interval = 1;
	r->end = LM_END_TIMEOUT;
	r->end_text = "stopped at the deadline";
	r->exit_code = 124;
	r->m = m;
	r->nm = nm;
	r->ex = ex;
	r->nex = nex;
	r->base = b;
}

static void fill(struct lm_metric *m, double a, double b)
{
	int i;

	for (i = 0; i < 12; i++)
		lm_metric_add(m, i, i % 2 ? a : b);
	m->total = a + b;
	/* observations from the fuzzer's numbers: any sign, any size */
	lm_hist_observe(&m->obs, a, 2);
	lm_hist_observe(&m->obs, b, 2);
	m->obs_last = b;
	lm_metric_stats(m);
}

static void mode_expect(const uint8_t *data, size_t size)
{
	struct lm_metric m[3];
	struct lm_expect e;
	struct lm_baseline b;
	struct lm_run r;
	char s[LM_EXPECT_MAX + 8], err[256];
	size_t i;

	if (size > LM_EXPECT_MAX + 4)
		return;
	memcpy(s, data, size);
	s[size] = 0;
	err[0] = 0;
	if (lm_expect_parse(&e, s, err, sizeof err) < 0) {
		err_ok(err);
		return;
	}
	if (!e.id || e.stat < 0 || e.stat >= LM_ST_N || e.op < LM_OP_GE || e.op > LM_OP_NE)
		abort();
	if (lm_baseline_parse(&b, base_json, sizeof base_json - 1, err, sizeof err) < 0)
		abort();
	lm_metric_init(&m[0], "app", "fps", LM_RATE);
	lm_metric_init(&m[1], "board", "fps", LM_GAUGE);
	lm_metric_init(&m[2], "board", "t_celsius{sensor=GPU}", LM_TIMER);
	for (i = 0; i < 3; i++)
		fill(&m[i], 10 + (double)i, 0.001);
	lm_expect_eval(&e, m, 3, NULL);
	if (e.result < LM_EX_PASS || e.result > LM_EX_SKIP || (e.rel && e.result != LM_EX_SKIP &&
		e.result != LM_EX_FAIL))
		abort();
	lm_expect_eval(&e, m, 3, &b);
	run_init(&r, m, 3, &e, 1, &b);
	write_all(&r);
	for (i = 0; i < 3; i++)
		lm_metric_free(&m[i]);
	lm_expect_free(&e);
	lm_baseline_free(&b);
}

static void mode_json(const uint8_t *data, size_t size)
{
	struct lm_metric m[NM];
	struct lm_expect e;
	struct lm_baseline b;
	struct lm_json j;
	struct lm_run r;
	char err[256], t[LM_EXPECT_MAX + 1];
	size_t i, n;
	int k, ne = 0;

	err[0] = 0;
	if (lm_json_parse(&j, (const char *)data, size, err, sizeof err) < 0)
		err_ok(err);
	else
		lm_json_free(&j);
	err[0] = 0;
	if (lm_baseline_parse(&b, (const char *)data, size, err, sizeof err) < 0) {
		err_ok(err);
		return;
	}
	n = b.n < NM ? b.n : NM;
	for (i = 0; i < n; i++) {
		lm_metric_init(&m[i], b.m[i].source, b.m[i].id, (int)(i % 7) + 1);
		for (k = 0; k < LM_ST_N; k++)
			if (b.m[i].has[k])
				lm_metric_add(&m[i], k, b.m[i].st[k]);
		m[i].total = b.m[i].st[LM_ST_TOTAL];
		lm_metric_stats(&m[i]);
	}
	if (n && (size_t)snprintf(t, sizeof t, "%s/%s.max>=0.5*baseline", b.m[0].source,
		b.m[0].id) < sizeof t && lm_expect_parse(&e, t, err, sizeof err) == 0) {
		lm_expect_eval(&e, m, n, &b);
		ne = 1;
	}
	run_init(&r, m, n, &e, (size_t)ne, &b);
	write_all(&r);
	for (i = 0; i < n; i++)
		lm_metric_free(&m[i]);
	if (ne)
		lm_expect_free(&e);
	lm_baseline_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		mode_json(data + 1, size - 1);
	else
		mode_expect(data + 1, size - 1);
	return 0;
}
