/* lm_report_junit: junit.xml. */
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

/* ---- junit.xml */

void lmr_xattr(struct lm_buf *o, const char *name, const char *v)
{
	lmr_addf(o, " %s=\"", name);
	lmr_esc(o, v, E_ATTR);
	lm_buf_addc(o, '"');
}

static void xprop(struct lm_buf *o, const char *name, const char *v)
{
	if (!v)
		return;
	lm_buf_adds(o, "      <property");
	lmr_xattr(o, "name", name);
	lmr_xattr(o, "value", v);
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
	lmr_command(&c, r, E_TEXT);
	if (c.err && !o->err)
		o->err = c.err;
	lm_buf_adds(o, "    <properties>\n");
	xprop(o, "name", lmr_nz(r->name));
	xprop(o, "command", c.p ? c.p : "");
	xprop(o, "image", r->image);
	xprop(o, "runtime", r->runtime);
	xprop(o, "app_args", r->app_args);
	xprop(o, "docker_args", r->docker_args);
	xprop(o, "dataset", r->dataset);
	xprop(o, "host", lmr_nz(r->host));
	lmr_iso_time(t, sizeof t, r->started, "Z");
	xprop(o, "started", t);
	xprop_num(o, "duration_seconds", r->duration);
	if (r->timeout > 0)
		xprop_num(o, "timeout_seconds", r->timeout);
	if (r->run_for > 0)
		xprop_num(o, "run_for_seconds", r->run_for);
	xprop_num(o, "interval_seconds", r->interval);
	xprop(o, "end", lmr_end_name(r->end));
	xprop_num(o, "status", r->status);
	xprop_num(o, "exit_code", r->exit_code);
	if (r->base)
		xprop(o, "baseline", lmr_nz(r->base->dir));
	lm_buf_adds(o, "    </properties>\n");
	lm_buf_free(&c);
}

/* one test case; kind: NULL pass, else "failure" or "skipped" */
static void junit_case(struct lm_buf *o, const struct lm_run *r, const char *name,
	double time, const char *kind, const char *type, const char *msg)
{
	char t[LM_NUM_MAX];

	lm_buf_adds(o, "    <testcase");
	lmr_addf(o, " classname=\"lmsession.");
	lmr_esc(o, lmr_nz(r->name), E_ATTR);
	lm_buf_addc(o, '"');
	lmr_xattr(o, "name", name);
	lm_fmt_double(t, isfinite(time) && time > 0 ? time : 0);
	lmr_xattr(o, "time", t);
	if (!kind) {
		lm_buf_adds(o, "/>\n");
		return;
	}
	lmr_addf(o, ">\n      <%s", kind);
	lmr_xattr(o, "message", msg);
	if (type && strcmp(kind, "failure") == 0)
		lmr_xattr(o, "type", type);
	if (strcmp(kind, "skipped") == 0) {
		lm_buf_adds(o, "/>\n");
	} else {
		lm_buf_addc(o, '>');
		lmr_esc(o, msg, E_XML);
		lmr_addf(o, "</%s>\n", kind);
	}
	lm_buf_adds(o, "    </testcase>\n");
}

/* the run's two cases, "app exited 0" and "finished before the deadline":
 * kind NULL (passed), "failure" or "skipped", and the failure's type */
static void run_cases(const struct lm_run *r, const char *kind[2], const char *type[2])
{
	int intr = r->end == LM_END_INTERRUPTED ||
		(r->end == LM_END_KILLED && r->cause == LM_END_INTERRUPTED);

	kind[0] = lmr_app_ok(r) ? NULL : intr ? "skipped" : "failure";
	type[0] = "exit";
	kind[1] = type[1] = NULL;
	if (r->end == LM_END_NOSTART) {
		kind[1] = "skipped";
	} else if (r->end == LM_END_COMPANION || r->end == LM_END_NOTREADY) {
		kind[1] = "failure";
		type[1] = "companion";
	} else if (intr) {
		kind[1] = "failure";
		type[1] = "interrupted";
	} else if (r->end == LM_END_TIMEOUT || r->end == LM_END_KILLED) {
		kind[1] = "failure";
		type[1] = r->end == LM_END_KILLED ? "killed" : "deadline";
	}
}

static void junit_cases(const struct lm_run *r, struct lm_buf *o)
{
	const char *msg, *kind[2], *type[2];
	char e[64];
	size_t i;

	lmr_end_human(e, sizeof e, r);
	msg = r->end_text && *r->end_text ? r->end_text : e;
	run_cases(r, kind, type);
	junit_case(o, r, "app exited 0", r->duration, kind[0], type[0], msg);
	junit_case(o, r, "finished before the deadline", 0, kind[1], type[1],
		r->end == LM_END_NOSTART ? "the app did not start" : msg);
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
	const char *kind[2], *type[2];

	run_cases(r, kind, type);
	for (i = 0; i < 2; i++) {
		fail += kind[i] && kind[i][0] == 'f';
		skip += kind[i] && kind[i][0] == 's';
	}
	for (i = 0; i < r->nex; i++) {
		fail += r->ex[i].result != LM_EX_PASS && r->ex[i].result != LM_EX_SKIP;
		skip += r->ex[i].result == LM_EX_SKIP;
	}
	lm_fmt_double(d, isfinite(r->duration) && r->duration > 0 ? r->duration : 0);
	lm_buf_adds(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	lmr_addf(o, "<testsuites name=\"lmsession\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
		" skipped=\"%zu\" time=\"%s\">\n", tests, fail, skip, d);
	lm_buf_adds(o, "  <testsuite name=\"lmsession.");
	lmr_esc(o, lmr_nz(r->name), E_ATTR);
	lmr_addf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%s\"",
		tests, fail, skip, d);
	lmr_iso_time(t, sizeof t, r->started, "");
	lmr_xattr(o, "timestamp", t);
	lmr_xattr(o, "hostname", lmr_nz(r->host));
	lm_buf_adds(o, ">\n");
	junit_props(r, o);
	junit_cases(r, o);
	lm_buf_init(&txt, LM_REPORT_MAX);
	lm_report_text(r, &txt);
	if (txt.err && !o->err)
		o->err = txt.err;
	lm_buf_adds(o, "    <system-out>");
	lmr_esc(o, txt.p ? txt.p : "", E_XML);
	lm_buf_adds(o, "</system-out>\n  </testsuite>\n</testsuites>\n");
	lm_buf_free(&txt);
	return lmr_finish(o);
}

