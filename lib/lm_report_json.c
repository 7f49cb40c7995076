/* lm_report_json: summary.json. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lm_fetch.h"
#include "lm_json.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_report_int.h"
#include "lm_session.h"
#include "lm_usage.h"

/* ---- summary.json */

void lmr_jstr(struct lm_buf *o, const char *s)
{
	lm_buf_addc(o, '"');
	lmr_esc(o, s, E_JSON);
	lm_buf_addc(o, '"');
}

void lm_report_jstr(struct lm_buf *o, const char *s)
{
	lmr_jstr(o, s);
}

/* top-level member: ",\n  "KEY": " */
static void jtop(struct lm_buf *o, const char *key)
{
	lmr_addf(o, ",\n  \"%s\": ", key);
}

static void jtop_str(struct lm_buf *o, const char *key, const char *v)
{
	if (v) {
		jtop(o, key);
		lmr_jstr(o, v);
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
			lmr_addf(o, "%s\"%s\":", k++ ? "," : "", lm_stat_name[i]);
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
	lmr_jstr(o, m->source);
	lm_buf_adds(o, ",\"id\":");
	lmr_jstr(o, m->id);
	lmr_addf(o, ",\"type\":\"%s\",\"unit\":\"%s\",\"stats\":", lmr_type_name(m->type), lm_metric_unit(m));
	jstats(o, m->st, m->has);
	if (bm) {
		lm_buf_adds(o, ",\"baseline\":");
		jstats(o, bm->st, bm->has);
		lm_buf_adds(o, ",\"delta\":{");
		for (i = 0; i < LM_ST_N; i++)
			if (m->has[i] && bm->has[i] && lmr_delta(m->st[i], bm->st[i], &d)) {
				lmr_addf(o, "%s\"%s\":", k++ ? "," : "", lm_stat_name[i]);
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
	lmr_jstr(o, e->text);
	lmr_addf(o, ",\"result\":\"%s\"", res[k]);
	if (e->has_got && isfinite(e->got)) {
		lm_buf_adds(o, ",\"got\":");
		lm_buf_addnum(o, e->got);
	}
	if (e->has_want && isfinite(e->want)) {
		lm_buf_adds(o, ",\"want\":");
		lm_buf_addnum(o, e->want);
	}
	lm_buf_adds(o, ",\"why\":");
	lmr_jstr(o, e->why);
	lm_buf_addc(o, '}');
}

static void json_file(void *ctx, const char *f)
{
	struct lm_buf *o = ctx;

	if (o->len && o->p[o->len - 1] != '[')
		lm_buf_addc(o, ',');
	lmr_jstr(o, f);
}

static void json_files(const struct lm_run *r, struct lm_buf *o)
{
	jtop(o, "files");
	lm_buf_addc(o, '[');
	lmr_files(r, json_file, o);
	lm_buf_addc(o, ']');
}

/* "dataset_fetch": where a -D URL came from and what it cost */
static void json_fetch(const struct lm_fetch *f, struct lm_buf *o)
{
	if (!f)
		return;
	jtop(o, "dataset_fetch");
	lm_buf_adds(o, "{\"url\":");
	lmr_jstr(o, f->url);
	lm_buf_adds(o, ",\"path\":");
	lmr_jstr(o, f->path);
	lm_buf_adds(o, ",\"bytes\":");
	lm_buf_addnum(o, f->bytes);
	lm_buf_adds(o, ",\"fetch_seconds\":");
	lm_buf_addnum(o, f->seconds);
	lm_buf_adds(o, ",\"sha256\":");
	lmr_jstr(o, f->sha256);
	lmr_addf(o, ",\"verified\":%s,\"cached\":%s", *f->want ? "true" : "false",
		f->cached ? "true" : "false");
	if (f->tool) {
		lm_buf_adds(o, ",\"tool\":");
		lmr_jstr(o, f->tool);
	}
	lm_buf_addc(o, '}');
}

int lm_report_json(const struct lm_run *r, struct lm_buf *o)
{
	char t[40];
	size_t i, *ix, nx[4];

	lm_buf_adds(o, "{\n  \"format\": \"" FORMAT "\"");
	jtop_str(o, "name", lmr_nz(r->name));
	jtop_str(o, "host", lmr_nz(r->host));
	jtop(o, "command");
	lm_buf_addc(o, '[');
	for (i = 0; r->argv && r->argv[i]; i++) {
		if (i)
			lm_buf_addc(o, ',');
		lmr_jstr(o, r->argv[i]);
	}
	lm_buf_addc(o, ']');
	jtop_str(o, "image", r->image);
	jtop_str(o, "runtime", r->runtime);
	jtop_str(o, "app_args", r->app_args);
	jtop_str(o, "docker_args", r->docker_args);
	jtop_str(o, "dataset", r->dataset);
	json_fetch(r->fetch, o);
	jtop_num(o, "started", r->started);
	lmr_iso_time(t, sizeof t, r->started, "Z");
	jtop_str(o, "started_utc", t);
	jtop_num(o, "duration_seconds", r->duration);
	if (r->timeout > 0)
		jtop_num(o, "timeout_seconds", r->timeout);
	if (r->run_for > 0)
		jtop_num(o, "run_for_seconds", r->run_for);
	jtop_num(o, "interval_seconds", r->interval);
	jtop_str(o, "verdict", lm_session_verdict(r->exit_code));
	jtop_num(o, "exit_code", r->exit_code);
	jtop(o, "app_ok");
	lm_buf_adds(o, lmr_app_ok(r) ? "true" : "false");
	for (i = 0; i < 4; i++)
		nx[i] = 0;
	for (i = 0; i < r->nex; i++)
		nx[r->ex[i].result >= LM_EX_PASS && r->ex[i].result <= LM_EX_SKIP ? r->ex[i].result : 0]++;
	lmr_addf(o, ",\n  \"thresholds\": {\"passed\": %zu, \"failed\": %zu, \"skipped\": %zu}",
		nx[LM_EX_PASS], nx[LM_EX_FAIL], nx[LM_EX_SKIP]);
	jtop_str(o, "end", lmr_end_name(r->end));
	if (r->end == LM_END_KILLED)
		jtop_str(o, "cause", lmr_end_name(r->cause));
	if (r->signal > 0)
		jtop_num(o, "signal", r->signal);
	jtop_num(o, "status", r->status);
	jtop_str(o, "end_text", lmr_nz(r->end_text));
	lm_usage_json(r->usage, r->duration, o);
	if (r->base) {
		jtop_str(o, "baseline_dir", lmr_nz(r->base->dir));
		jtop_num(o, "baseline_duration_seconds", r->base->duration);
	}
	jtop(o, "metrics");
	lm_buf_addc(o, '[');
	if ((ix = lmr_order(r, o))) {
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
	return lmr_finish(o);
}

