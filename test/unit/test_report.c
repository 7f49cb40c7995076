/* test_report: lmsession's results (lib/lm_report.c, lib/lm_json.c).
 * Table-driven: thresholds (many invalid rows), statistics (nearest rank,
 * timer buckets, thinning), evaluation, escaping, the JSON reader (valid
 * and hostile texts), the summary.json round trip, and the four files
 * written into a temp dir (checked with xmllint and jq when present).
 * "test_report -k DIR" also keeps a sample results folder in DIR. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "t.h"
#include "lm_buf.h"
#include "lm_fetch.h"
#include "lm_json.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_session.h"
#include "lm_wire.h"
#include "inlinecss.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1);
}

static void test_parse(void)
{
	static const struct {
		const char *s, *source, *id;
		int stat, op, rel;
		double k;
	} good[] = {
		{ "fps>=10", NULL, "fps", LM_ST_MEAN, LM_OP_GE, 0, 10 },
		{ "  fps  >=  10  ", NULL, "fps", LM_ST_MEAN, LM_OP_GE, 0, 10 },
		{ "latency.p95<=0.05", NULL, "latency", LM_ST_P95, LM_OP_LE, 0, 0.05 },
		{ "fps>=0.95*baseline", NULL, "fps", LM_ST_MEAN, LM_OP_GE, 1, 0.95 },
		{ "fps >= baseline * 0.95", NULL, "fps", LM_ST_MEAN, LM_OP_GE, 1, 0.95 },
		{ "fps.min>baseline", NULL, "fps", LM_ST_MIN, LM_OP_GT, 1, 1 },
		{ "board/board_temperature_celsius{sensor=GPU}.max<80", "board",
			"board_temperature_celsius{sensor=GPU}", LM_ST_MAX, LM_OP_LT, 0, 80 },
		{ "app1/fps==30", "app1", "fps", LM_ST_MEAN, LM_OP_EQ, 0, 30 },
		{ "fps!=0", NULL, "fps", LM_ST_MEAN, LM_OP_NE, 0, 0 },
		{ "x{a=b,c=d/e.f<g}.count>=1", NULL, "x{a=b,c=d/e.f<g}", LM_ST_COUNT, LM_OP_GE, 0, 1 },
		{ "x{k=v}<-1e-3", NULL, "x{k=v}", LM_ST_MEAN, LM_OP_LT, 0, -1e-3 },
		{ "my.app/fps.last>=+5", "my.app", "fps", LM_ST_LAST, LM_OP_GE, 0, 5 },
		{ "frames.total>=100", NULL, "frames", LM_ST_TOTAL, LM_OP_GE, 0, 100 },
		{ "\tfps\t>\t1", NULL, "fps", LM_ST_MEAN, LM_OP_GT, 0, 1 },
		{ "ns:x_1.p50<=.5", NULL, "ns:x_1", LM_ST_P50, LM_OP_LE, 0, 0.5 },
		{ "fps>=2*baseline", NULL, "fps", LM_ST_MEAN, LM_OP_GE, 1, 2 },
	};
	static const char *const bad[] = {
		"", " ", "fps", "fps>=", "fps >= ", ">=10", "/fps>=1", "a/>=1", ".mean>=1",
		"fps=>10", "fps=10", "fps=<10", "fps>>10", "fps>==10", "fps<>10", "fps!10",
		"fps!", "fps==", "fps 10", "fps>=10 x", "fps>=10x", "fps>=nan", "fps>=NaN",
		"fps>=inf", "fps>=1e999", "fps>=0x10", "fps>=1,5", "fps.avg>=1", "fps.>=1",
		"fps.mean.max>=1", "fps{a=b>=1", "fps}>=1", "fps{a=b}{c=d}>=1",
		"fps{a=b}x>=1", "fps.max{a=b}>=1", "fps-x>=1", "fps@x>=1", "f\x01ps>=1",
		"fps>=baseline*", "fps>=*baseline", "fps>=baseline*baseline", "fps>=2*3",
		"fps>=2*baseline*3", "fps>=basel1ne", "fps>=Baseline", "fps>=1*", "fps>= - 1",
		"a/b/fps>=1", "{a=b}>=1", "a/{a=b}>=1", "fps{a=b}.>=1", "fps >= 1 2",
		"fps\n>=1", "fps>=1\n",
	};
	struct lm_expect e;
	char err[256], longs[LM_EXPECT_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		int rc = lm_expect_parse(&e, good[i].s, err, sizeof err);

		T_OK(rc == 0 && ((!e.source && !good[i].source) ||
			(e.source && good[i].source && strcmp(e.source, good[i].source) == 0)) &&
			strcmp(e.id, good[i].id) == 0 && e.stat == good[i].stat && e.op == good[i].op &&
			e.rel == good[i].rel && e.k == good[i].k && strcmp(e.text, good[i].s) == 0,
			"parses [%s]%s%s", good[i].s, rc ? ": " : "", rc ? err : "");
		if (rc == 0)
			lm_expect_free(&e);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		T_OK(lm_expect_parse(&e, bad[i], err, sizeof err) < 0 && err[0] &&
			!strchr(err, '\n') && !strchr(err, '\x01') && !e.source && !e.id,
			"rejects row %zu (%s)", i, err);
	}
	memset(longs, 'a', sizeof longs - 1);
	longs[sizeof longs - 1] = 0;
	memcpy(longs, "fps>=1 ", 7);
	T_OK(lm_expect_parse(&e, longs, err, sizeof err) < 0, "rejects a long threshold (%s)", err);
	T_OK(lm_expect_parse(&e, "fps=>10", err, sizeof err) < 0 &&
		strcmp(err, "a bad operator in 'fps=>10'") == 0, "error text [%s]", err);
	/* a small err buffer is cut, not overrun */
	T_OK(lm_expect_parse(&e, "fps=>10", err, 8) < 0 && strlen(err) == 7, "err cut at its size");
}

static void test_stats(void)
{
	struct lm_metric m;
	size_t i;
	double prev;
	int uniform = 1;

	lm_metric_init(&m, "app", "fps", LM_GAUGE);
	lm_metric_stats(&m);
	T_OK(m.has[LM_ST_COUNT] && m.st[LM_ST_COUNT] == 0 && !m.has[LM_ST_MEAN] &&
		!m.has[LM_ST_P50] && !m.has[LM_ST_MIN] && !m.has[LM_ST_TOTAL], "no samples: count 0 only");
	for (i = 100; i >= 1; i--)
		lm_metric_add(&m, (double)(101 - i), (double)i);
	lm_metric_stats(&m);
	T_OK(m.st[LM_ST_COUNT] == 100 && m.st[LM_ST_MIN] == 1 && m.st[LM_ST_MAX] == 100 &&
		near(m.st[LM_ST_MEAN], 50.5) && m.st[LM_ST_P50] == 50 && m.st[LM_ST_P95] == 95 &&
		m.st[LM_ST_LAST] == 1 && !m.has[LM_ST_TOTAL], "1..100: p50 50, p95 95, mean 50.5");
	T_OK(lm_metric_add(&m, 1, NAN) < 0 && lm_metric_add(&m, INFINITY, 1) < 0 && m.count == 100,
		"non-finite samples refused");
	lm_metric_free(&m);

	lm_metric_init(&m, "app", "one", LM_GAUGE);
	lm_metric_add(&m, 0, 7);
	lm_metric_stats(&m);
	T_OK(m.st[LM_ST_P50] == 7 && m.st[LM_ST_P95] == 7 && m.st[LM_ST_MEAN] == 7, "one sample");
	lm_metric_free(&m);

	lm_metric_init(&m, "app", "frames", LM_COUNTER);
	lm_metric_add(&m, 1, 10);
	lm_metric_add(&m, 2, 20);
	m.total = 30;
	lm_metric_stats(&m);
	T_OK(m.has[LM_ST_TOTAL] && m.st[LM_ST_TOTAL] == 30 && m.st[LM_ST_MEAN] == 15, "counter total");
	lm_metric_free(&m);

	/* thinning: exact figures stay exact, kept samples stay evenly spaced */
	lm_metric_init(&m, "app", "big", LM_GAUGE);
	for (i = 0; i < 100000; i++)
		lm_metric_add(&m, (double)i, i == 77777 ? -5 : i == 3 ? 1e6 : (double)(i % 1000));
	lm_metric_stats(&m);
	T_OK(m.count == 100000 && m.n <= LM_KEEP_MAX && m.n >= LM_KEEP_MAX / 2 &&
		m.st[LM_ST_MIN] == -5 && m.st[LM_ST_MAX] == 1e6 && m.st[LM_ST_LAST] == 999 &&
		m.st[LM_ST_COUNT] == 100000, "thinning: count %zu, kept %zu, every %zu", m.count, m.n, m.every);
	for (i = 1, prev = m.t[0]; i < m.n; i++) {
		if (m.t[i] - prev != (double)m.every)
			uniform = 0;
		prev = m.t[i];
	}
	T_OK(uniform && m.t[0] == 0, "thinned samples one in %zu", m.every);
	lm_metric_free(&m);

	/* timer: exact extremes, quantiles from the log buckets */
	lm_metric_init(&m, "app", "latency", LM_TIMER);
	for (i = 0; i < 1000; i++)
		lm_hist_observe(&m.obs, 0.010 + 0.020 * (double)i / 999, 1);
	lm_hist_observe(&m.obs, 0.5, 1);       /* one stall */
	m.obs_last = 0.7;                      /* outside: kept within the extremes */
	lm_metric_add_obs(&m, 1, 0.02, 0.019, 0.021);
	lm_metric_add_obs(&m, 2, 0.021, 0.02, 0.5);
	lm_metric_stats(&m);
	T_OK(m.st[LM_ST_MIN] == 0.010 && m.st[LM_ST_MAX] == 0.5 && m.st[LM_ST_COUNT] == 1001 &&
		m.st[LM_ST_LAST] == 0.5 && near(m.st[LM_ST_TOTAL], 20.5), "timer: exact extremes (%g, %g), last within",
		m.st[LM_ST_MIN], m.st[LM_ST_MAX]);
	/* nearest rank of 1001: p50 is observation 501 (0.02), p95 951 (0.029), p99 991 (0.0298) */
	T_OK(fabs(m.st[LM_ST_P50] / 0.020 - 1) < 0.0443 && fabs(m.st[LM_ST_P90] / 0.028 - 1) < 0.0443 &&
		fabs(m.st[LM_ST_P95] / 0.029 - 1) < 0.0443 && fabs(m.st[LM_ST_P99] / 0.0298 - 1) < 0.0443,
		"timer p50 %g p90 %g p95 %g p99 %g within 4.43 %%", m.st[LM_ST_P50], m.st[LM_ST_P90],
		m.st[LM_ST_P95], m.st[LM_ST_P99]);
	T_OK(m.st[LM_ST_MIN] <= m.st[LM_ST_P50] && m.st[LM_ST_P50] <= m.st[LM_ST_P90] &&
		m.st[LM_ST_P90] <= m.st[LM_ST_P95] && m.st[LM_ST_P95] <= m.st[LM_ST_P99] &&
		m.st[LM_ST_P99] <= m.st[LM_ST_MAX] && m.st[LM_ST_MEAN] <= m.st[LM_ST_MAX], "timer: in order");
	T_OK(m.n == 2 && m.v50[1] == 0.02 && m.vmax[1] == 0.5, "per-interval p50 and max kept");
	lm_hist_free(&m.obs);
	lm_metric_stats(&m);
	T_OK(m.st[LM_ST_P50] == 0.02 && m.st[LM_ST_COUNT] == 2, "no observations: from samples");
	lm_metric_free(&m);

	{
		static const struct { const char *id; int type; const char *unit; } u[] = {
			{ "latency", LM_TIMER, "seconds" }, { "frames", LM_COUNTER, "per_second" },
			{ "fps", LM_RATE, "per_second" }, { "board_ram_used_bytes", LM_GAUGE, "bytes" },
			{ "t_celsius{sensor=GPU}", LM_GAUGE, "celsius" }, { "p_watts", LM_GAUGE, "watts" },
			{ "gpu_freq_hertz", LM_GAUGE, "hertz" }, { "util_ratio", LM_GAUGE, "ratio" },
			{ "x{a=b_bytes}", LM_GAUGE, "" }, { "bytes", LM_GAUGE, "" },
			{ "size_bytes", LM_HISTO, "bytes" }, { "q", LM_GAUGE, "" },
		};
		for (i = 0; i < sizeof u / sizeof u[0]; i++) {
			lm_metric_init(&m, "a", u[i].id, u[i].type);
			T_STREQ(lm_metric_unit(&m), u[i].unit, u[i].id);
			lm_metric_free(&m);
		}
	}
}

/* a metric with samples v[0..n) at t = 1, 2, ... and stats filled */
static void mk(struct lm_metric *m, const char *src, const char *id, int type,
	const double *v, size_t n)
{
	size_t i;

	lm_metric_init(m, src, id, type);
	for (i = 0; i < n; i++)
		lm_metric_add(m, (double)(i + 1), v[i]);
	lm_metric_stats(m);
}

static void test_eval(void)
{
	static const double fps[] = { 9, 10, 11 }, fps2[] = { 30, 30 }, t[] = { 50, 60 };
	static const struct { const char *s; int result; const char *why; } rows[] = {
		{ "app1/fps>=10", LM_EX_PASS, "app1/fps mean 10, expected >= 10" },
		{ "app1/fps>10", LM_EX_FAIL, "app1/fps mean 10, expected > 10" },
		{ "app1/fps.max==11", LM_EX_PASS, "app1/fps max 11, expected == 11" },
		{ "fps>=1", LM_EX_FAIL, "\"fps\" is ambiguous: in app1 and board; write SOURCE/fps" },
		{ "fpx>=1", LM_EX_FAIL, "no metric \"fpx\" in this run" },
		{ "app2/fps>=1", LM_EX_FAIL, "no metric \"app2/fps\" in this run" },
		{ "temp.max<80", LM_EX_PASS, "temp max 60, expected < 80" },
		{ "temp.p95<60", LM_EX_FAIL, "temp p95 60, expected < 60" },
		{ "empty>=0", LM_EX_FAIL, "empty mean: no value in this run (no samples)" },
		{ "temp>=0.9*baseline", LM_EX_SKIP, "no baseline: skipped" },
		{ "temp.total>=1", LM_EX_FAIL, "temp total: no value in this run (no samples)" },
		{ "temp<55.0000001", LM_EX_PASS, "temp mean 55, expected < 55.0000001" },
		{ "temp<=54.9999999", LM_EX_FAIL, "temp mean 55, expected <= 54.9999999" },
	};
	struct lm_metric m[4];
	struct lm_expect e;
	struct lm_baseline b;
	char err[256];
	size_t i;
	int rc;

	mk(&m[0], "app1", "fps", LM_RATE, fps, 3);
	mk(&m[1], "board", "fps", LM_GAUGE, fps2, 2);
	mk(&m[2], "board", "temp", LM_GAUGE, t, 2);
	mk(&m[3], "app1", "empty", LM_GAUGE, NULL, 0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		rc = lm_expect_parse(&e, rows[i].s, err, sizeof err);
		if (rc == 0)
			lm_expect_eval(&e, m, 4, NULL);
		T_OK(rc == 0 && e.result == rows[i].result && strcmp(e.why, rows[i].why) == 0,
			"eval [%s]: %d [%s]", rows[i].s, e.result, rc ? err : e.why);
		if (rc == 0)
			lm_expect_free(&e);
	}
	/* relative, against a baseline */
	memset(&b, 0, sizeof b);
	b.n = 2;
	b.m = calloc(2, sizeof *b.m);
	if (!b.m)
		abort();
	b.m[0].source = strdup("app1");
	b.m[0].id = strdup("fps");
	b.m[0].st[LM_ST_MEAN] = 10.5;
	b.m[0].has[LM_ST_MEAN] = 1;
	b.m[1].source = strdup("board");
	b.m[1].id = strdup("other");
	{
		static const struct { const char *s; int result; const char *why; } rel[] = {
			{ "app1/fps>=0.95*baseline", LM_EX_PASS,
				"app1/fps mean 10, expected >= 9.975 (0.95 * baseline 10.5)" },
			{ "app1/fps>=baseline", LM_EX_FAIL, "app1/fps mean 10, expected >= 10.5 (the baseline)" },
			{ "app1/fps.p95>=baseline", LM_EX_SKIP, "the baseline has no app1/fps p95: skipped" },
			{ "temp>=baseline", LM_EX_SKIP, "the baseline has no temp mean: skipped" },
			{ "fpx>=baseline", LM_EX_FAIL, "no metric \"fpx\" in this run" },
		};
		for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			rc = lm_expect_parse(&e, rel[i].s, err, sizeof err);
			if (rc == 0)
				lm_expect_eval(&e, m, 4, &b);
			T_OK(rc == 0 && e.result == rel[i].result && strcmp(e.why, rel[i].why) == 0,
				"eval [%s]: %d [%s]", rel[i].s, e.result, rc ? err : e.why);
			if (rc == 0)
				lm_expect_free(&e);
		}
	}
	T_OK(lm_baseline_find(&b, NULL, "fps") == &b.m[0] && lm_baseline_find(&b, "board", "fps") == NULL &&
		lm_baseline_find(&b, "board", "other") == &b.m[1], "baseline find");
	lm_baseline_free(&b);
	for (i = 0; i < 4; i++)
		lm_metric_free(&m[i]);
}

static void test_json(void)
{
	static const struct { const char *s; const char *str; } good[] = {
		{ "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "a\"b\\c/d\b\f\n\r\t" },
		{ "\"\\u00e9\\u20AC\"", "\xc3\xa9\xe2\x82\xac" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
		{ " \t\r\n\"\xc3\xa9\" ", "\xc3\xa9" },
		{ "\"\"", "" },
	};
	static const char *const bad[] = {
		"", " ", "{", "[", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
		"{\"a\" 1}", "[1 2]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"", "\"a\nb\"",
		"\"\x01\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "01", "1.", ".5", "-",
		"+1", "1e", "1e+", "0x1", "1e999", "-1e999", "NaN", "Infinity", "tru", "nul",
		"falsey", "[]]", "{} {}", "1 2", "[\"a\"\x00]", "\"\\", "{\"a\":1",
		"123456789012345678901234567890123456789012345678901234567890123456789012345678901",
	};
	struct lm_json j;
	char err[128], deep[400];
	size_t i, n;
	const char *s;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		int rc = lm_json_parse(&j, good[i].s, strlen(good[i].s), err, sizeof err);

		s = rc == 0 ? lm_json_str(&j, 1, &n) : NULL;
		T_OK(s && n == strlen(good[i].str) && memcmp(s, good[i].str, n) == 0,
			"json string row %zu%s%s", i, rc ? ": " : "", rc ? err : "");
		lm_json_free(&j);
	}
	T_OK(lm_json_parse(&j, "\"a\\u0000b\"", 10, err, sizeof err) == 0 &&
		(s = lm_json_str(&j, 1, &n)) && n == 3 && s[1] == 0, "\\u0000 kept with its length");
	lm_json_free(&j);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i]) + (strcmp(bad[i], "[\"a\"") == 0);

		err[0] = 0;
		T_OK(lm_json_parse(&j, bad[i], len, err, sizeof err) < 0 && err[0] && !j.n,
			"json rejects row %zu (%s)", i, err);
		lm_json_free(&j);
	}
	T_OK(lm_json_parse(&j, "[\"a\"\0]", 6, err, sizeof err) < 0, "json rejects a NUL byte");
	lm_json_free(&j);
	for (i = 0; i < sizeof deep - 1; i++)
		deep[i] = i < sizeof deep / 2 ? '[' : ']';
	deep[sizeof deep - 1] = 0;
	T_OK(lm_json_parse(&j, deep, strlen(deep), err, sizeof err) < 0 && strstr(err, "deep"),
		"json depth cap (%s)", err);
	lm_json_free(&j);
	for (i = 0; i < LM_JSON_DEPTH; i++)
		deep[i] = '[';
	for (i = 0; i < LM_JSON_DEPTH; i++)
		deep[LM_JSON_DEPTH + i] = ']';
	T_OK(lm_json_parse(&j, deep, 2 * LM_JSON_DEPTH, err, sizeof err) == 0, "json depth %d ok",
		LM_JSON_DEPTH);
	lm_json_free(&j);
	s = "{\"a\":[1,-0.5e-3,true,false,null,{}],\"b\":\"x\",\"a\":2}";
	T_OK(lm_json_parse(&j, s, strlen(s), err, sizeof err) == 0 && j.n[lm_json_get(&j, 1, "a")].type == LM_JARR &&
		strcmp(lm_json_str(&j, lm_json_get(&j, 1, "b"), NULL), "x") == 0 &&
		!lm_json_get(&j, 1, "c") && j.n[j.n[j.n[lm_json_get(&j, 1, "a")].child].next].num == -0.5e-3,
		"json object lookups");
	lm_json_free(&j);
}

static void test_baseline_hostile(void)
{
	static const char *const bad[] = {
		"", "{", "[]", "{}", "{\"format\":\"lmsession-summary/2\"}", "{\"format\":1}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":{}}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[1]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"id\":\"x\"}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":1}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\\u0000y\"}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\",\"stats\":[]}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\",\"stats\":{\"mean\":\"1\"}}]}",
		"{\"format\":\"lmsession-summary/1\",\"duration_seconds\":\"1\"}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\",\"stats\":{\"mean\":1e400}}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\\q\"}]}",
		"{\"format\":\"lmsession-summary/1\",\"metrics\":[{\"source\":\"a\",\"id\":\"x\"},",
		"{\"format\":\"lmsession-summary/1\"} x",
	};
	struct lm_baseline b;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		T_OK(lm_baseline_parse(&b, bad[i], strlen(bad[i]), err, sizeof err) < 0 && err[0] &&
			!b.m && !b.n, "baseline rejects row %zu (%s)", i, err);
	}
	T_OK(lm_baseline_parse(&b, "{\"format\":\"lmsession-summary/1\",\"x\":[[[{}]]]}", 45, err,
		sizeof err) == 0 && b.n == 0, "baseline: no metrics is fine");
	lm_baseline_free(&b);
	T_OK(lm_baseline_load(&b, "/nonexistent/dir", err, sizeof err) < 0 &&
		strstr(err, "unable to read /nonexistent/dir/summary.json: No such file"), "%s", err);
}

/* a run with hostile names, for the writers */
#define NM 6   /* metrics of the fixture */
struct fixture {
	struct lm_metric m[NM];
	struct lm_expect ex[5];
	struct lm_run r;
};

static const char *const argv_[] = { "./app", "--name", "it's <me>", "a\x01" "b", NULL };
static const char *const files_[] = { "stdout.log", "stderr.log", "samples.csv", NULL };
static const char evil_id[] = "fps{tag=<script>\"&\\\x01\xff}";
static const char evil_back[] = "fps{tag=<script>\"&\\\x01\xef\xbf\xbd}";

static void fixture(struct fixture *f, const struct lm_baseline *base)
{
	static const char *const ex[] = {
		"app/fps>=10", "board/board_ram_used_bytes.max<1e9", "lat.p95<=baseline", "fps>=0.5*baseline",
		"app/fps{tag=<script>\"&\\\x01\xff}.max >= 1"
	};
	char err[256];
	size_t i;

	memset(f, 0, sizeof *f);
	lm_metric_init(&f->m[0], "app", "fps", LM_RATE);
	lm_metric_init(&f->m[1], "app", evil_id, LM_GAUGE);
	lm_metric_init(&f->m[2], "app", "lat", LM_TIMER);
	lm_metric_init(&f->m[3], "board", "board_ram_used_bytes", LM_GAUGE);
	lm_metric_init(&f->m[4], "app", "never", LM_GAUGE);
	lm_metric_init(&f->m[5], "app", "process_cpu_seconds", LM_COUNTER);
	for (i = 0; i < 3000; i++) {
		double t = (double)i * 0.1;

		lm_metric_add(&f->m[0], t, 30 + 5 * sin(t) + (i == 1500 ? 40 : 0));
		lm_metric_add(&f->m[3], t, 1.5e9 + 1e7 * (double)(i % 50));
		lm_metric_add(&f->m[5], t, 0.25 + 0.01 * (double)(i % 7));
		if (i % 10 == 0)
			lm_metric_add(&f->m[1], t, -1 + (double)i / 1000);
	}
	lm_metric_add(&f->m[2], 1, 0.004);
	lm_metric_add(&f->m[2], 2, 0.006);
	for (i = 0; i < 20; i++)
		lm_hist_observe(&f->m[2].obs, i < 10 ? 0.004 : 0.006, 1);
	f->m[2].obs_last = 0.006;
	f->m[0].total = 9000;
	for (i = 0; i < NM; i++)
		lm_metric_stats(&f->m[i]);
	for (i = 0; i < 5; i++) {
		if (lm_expect_parse(&f->ex[i], ex[i], err, sizeof err) < 0)
			abort();
		lm_expect_eval(&f->ex[i], f->m, NM, base);
	}
	f->r.name = "demo<&>";
	f->r.argv = argv_;
	f->r.host = "jetson\"1";
	f->r.dataset = "/data/set 1";
	f->r.started = 1700000000.25;
	f->r.duration = 300.2;
	f->r.timeout = 300;
	f->r.interval = 0.1;
	f->r.end = LM_END_TIMEOUT;
	f->r.status = 0;
	f->r.end_text = "stopped by SIGINT at the 300 s deadline";
	f->r.exit_code = 124;
	f->r.m = f->m;
	f->r.nm = NM;
	f->r.ex = f->ex;
	f->r.nex = 5;
	f->r.base = base;
	f->r.files = files_;
}

static void fixture_free(struct fixture *f)
{
	size_t i;

	for (i = 0; i < NM; i++)
		lm_metric_free(&f->m[i]);
	for (i = 0; i < 5; i++)
		lm_expect_free(&f->ex[i]);
}

static int has_ctl(const char *p, size_t n, int allow_nl)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && !(allow_nl && (p[i] == '\n' || p[i] == '\t'))) ||
			p[i] == 0x7f)
			return 1;
	return 0;
}

static void test_round_trip(void)
{
	struct fixture f, g;
	struct lm_baseline b, b2;
	struct lm_buf o;
	struct lm_json j;
	char err[256] = "";   /* set only on failure */
	size_t i, k;
	int same = 1;
	uint32_t ms;

	fixture(&f, NULL);
	lm_buf_init(&o, 0);
	T_OK(lm_report_json(&f.r, &o) == 0 && !has_ctl(o.p, o.len, 1), "json written");
	T_OK(lm_baseline_parse(&b, o.p, o.len, err, sizeof err) == 0 && b.n == NM &&
		b.duration == 300.2, "json read back (%s)", err);
	for (i = 0; i < b.n; i++) {
		const struct lm_metric *m = NULL;

		for (k = 0; k < NM; k++)
			if ((strcmp(f.m[k].id, b.m[i].id) == 0 || (strcmp(f.m[k].id, evil_id) == 0 &&
				strcmp(b.m[i].id, evil_back) == 0)) && strcmp(f.m[k].source, b.m[i].source) == 0)
				m = &f.m[k];
		if (!m) {
			same = 0;
			continue;
		}
		for (k = 0; k < LM_ST_N; k++)
			if (m->has[k] != b.m[i].has[k] || (m->has[k] && m->st[k] != b.m[i].st[k]))
				same = 0;
	}
	T_OK(same, "round trip: every metric, every stat, exactly (evil id included)");
	T_OK(lm_baseline_find(&b, "app", evil_id) == NULL, "bad UTF-8 in an id comes back as U+FFFD");
	/* the evil id comes back with \xff as U+FFFD; the rest exact */
	T_OK(lm_baseline_find(&b, "app", evil_back) != NULL, "escaped id read back");
	/* the expectations and keys */
	T_OK(lm_json_parse(&j, o.p, o.len, err, sizeof err) == 0 &&
		(ms = lm_json_get(&j, 1, "expectations")) && j.n[ms].type == LM_JARR &&
		lm_json_get(&j, 1, "started_utc") && lm_json_get(&j, 1, "files") &&
		!lm_json_get(&j, 1, "image") && lm_json_get(&j, 1, "dataset"), "json keys");
	lm_json_free(&j);
	T_OK(strstr(o.p, "\"end\": \"timeout\"") && strstr(o.p, "\"exit_code\": 124") &&
		strstr(o.p, "\\u0001") && !strstr(o.p, "NaN") && !strstr(o.p, "Inf"), "json content");

	/* a second run against the first as its baseline: deltas, relative thresholds */
	b.dir = strdup("/prev/run");
	fixture(&g, &b);
	lm_buf_reset(&o);
	T_OK(lm_report_json(&g.r, &o) == 0 && strstr(o.p, "\"delta\":{") &&
		strstr(o.p, "\"baseline_dir\": \"/prev/run\""), "json with a baseline");
	T_OK(g.ex[2].result == LM_EX_PASS && g.ex[3].result == LM_EX_PASS, "relative thresholds pass");
	T_OK(lm_baseline_parse(&b2, o.p, o.len, err, sizeof err) == 0 && b2.n == NM, "re-read");
	lm_baseline_free(&b2);
	/* a dataset by URL: dataset_fetch, an object that parses; none without */
	T_OK(!strstr(o.p, "dataset_fetch"), "no dataset_fetch for a local dataset");
	{
		static struct lm_fetch df;
		size_t df_at;

		T_OK(lm_fetch_parse(&df, "https://h/s/set.zip#sha256="
			"9cc0918cf23efb774f4c9e62445c4d8eef9e2e0578dc0921072a700e2428a475", err, sizeof err) == 0,
			"a URL for dataset_fetch");
		snprintf(df.path, sizeof df.path, "/cache/k/dataset \"q\"");
		memcpy(df.sha256, df.want, sizeof df.sha256);
		df.bytes = 1234;
		df.seconds = 0.5;
		df.tool = "curl";
		g.r.fetch = &df;
		lm_buf_reset(&o);
		T_OK(lm_report_json(&g.r, &o) == 0 && lm_json_parse(&j, o.p, o.len, err, sizeof err) == 0 &&
			(df_at = lm_json_get(&j, 1, "dataset_fetch")) && j.n[df_at].type == LM_JOBJ,
			"json: dataset_fetch an object");
		lm_json_free(&j);
		T_OK(strstr(o.p, "\"dataset_fetch\": {\"url\":\"https://h/s/set.zip\",\"path\":"
			"\"/cache/k/dataset \\\"q\\\"\",\"bytes\":1234,\"fetch_seconds\":0.5,\"sha256\":"
			"\"9cc0918cf23efb774f4c9e62445c4d8eef9e2e0578dc0921072a700e2428a475\",\"verified\":true,"
			"\"cached\":false,\"tool\":\"curl\"}") != NULL, "json: dataset_fetch's members");
		lm_buf_reset(&o);
		T_OK(lm_report_text(&g.r, &o) == 0 && strstr(o.p, "\ndataset   https://h/s/set.zip: 1234 bytes, "
			"fetched by curl in 0.50 s, sha256 checked\n"), "text: the dataset's line");
		lm_buf_reset(&o);
		T_OK(lm_report_html(&g.r, &o) == 0 && strstr(o.p, "https://h/s/set.zip: 1234 bytes"),
			"html: the dataset's URL");
		g.r.fetch = NULL;
	}
	lm_buf_free(&o);
	fixture_free(&g);
	fixture_free(&f);
	lm_baseline_free(&b);
}


/* 1 when every plot's value axis has ticks k * step apart, step 1, 2 or 5
 * times a power of ten, all in one unit */
static int ticks_round(const char *html)
{
	const char *svg = html, *p, *end;
	int plots = 0;

	while ((svg = strstr(svg, "<svg "))) {
		double v[16], st, e;
		char unit[16] = "", u[16];
		int n = 0, i;

		end = strstr(svg, "</svg>");
		for (p = svg; n < 16 && (p = strstr(p, "text-anchor=\"end\">")) && p < end; p++) {
			u[0] = 0;
			if (sscanf(p + 18, "%lf %15[^<]", &v[n], u) < 1)
				return 0;
			if (n && strcmp(u, unit) != 0)
				return 0;
			snprintf(unit, sizeof unit, "%s", u);
			n++;
		}
		if (n < 2)
			return 0;
		st = fabs(v[1] - v[0]);
		e = st / pow(10, floor(log10(st) + 1e-9));
		if (!(fabs(e - 1) < 1e-6 || fabs(e - 2) < 1e-6 || fabs(e - 5) < 1e-6))
			return 0;
		for (i = 1; i < n; i++)
			if (fabs(fabs(v[i] - v[i - 1]) - st) > st * 1e-6 ||
				fabs(v[i] / st - floor(v[i] / st + 0.5)) > 1e-6)
				return 0;
		plots++;
		svg = end;
	}
	return plots > 0;
}

static void test_escaping(void)
{
	struct fixture f;
	struct lm_buf o;

	fixture(&f, NULL);
	lm_buf_init(&o, 0);
	T_OK(lm_report_text(&f.r, &o) == 0 && !has_ctl(o.p, o.len, 1) && !strchr(o.p, '\t') &&
		strstr(o.p, "fps{tag=<script>\"&\\??}") && strstr(o.p, "'a?b'") &&
		strstr(o.p, "'it'\\''s <me>'"), "text: control bytes replaced");
	lm_buf_reset(&o);
	T_OK(lm_report_junit(&f.r, &o) == 0 && !has_ctl(o.p, o.len, 1) && !strstr(o.p, "<script>") &&
		strstr(o.p, "name=\"app/fps{tag=&lt;script&gt;&quot;&amp;\\\xef\xbf\xbd\xef\xbf\xbd}.max &gt;= 1\"") &&
		strstr(o.p, "name=\"lmsession.demo&lt;&amp;&gt;\"") && strstr(o.p, "hostname=\"jetson&quot;1\""),
		"junit: escaped");
	T_OK(strstr(o.p, "tests=\"7\" failures=\"3\" errors=\"0\" skipped=\"2\"") != NULL,
		"junit: counts");
	lm_buf_reset(&o);
	T_OK(lm_report_html(&f.r, &o) == 0 && !has_ctl(o.p, o.len, 1) && !strstr(o.p, "<script") &&
		strstr(o.p, "data-metric=\"app/fps{tag=&lt;script&gt;&quot;&amp;\\") &&
		strstr(o.p, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-metric=\"app/fps\"") &&
		strstr(o.p, "class=\"deadline\"") && !strstr(o.p, "data-metric=\"app/never\"") &&
		!strstr(o.p, " src=") && !strstr(o.p, "url(") && !strstr(o.p, "//"  "cdn"),
		"html: escaped, self-contained, one plot per sampled metric");
	/* Jenkins' CSP: no inline style or script, no event handler; the
	 * stylesheet beside it */
	T_OK(!inline_style(o.p), "html: no <style>, no style= attribute, no script, no on*= handler");
	T_OK(strstr(o.p, "<link rel=\"stylesheet\" href=\"report.css\"/>") != NULL, "html: links report.css");
	T_OK(inline_style("<p style=\"x\">") && inline_style("<STYLE>") && inline_style("<svg onload=\"x\">") &&
		inline_style("<a href=\"javascript:x\">") && inline_style("<p class=x style=y>") &&
		inline_style("<svg\n  onclick='x'>") && !inline_style("<p class=\"x\" data-on=\"y\">") &&
		!inline_style("<p title=\"a style=b onload=c\"> style=x onload=y</p>"),
		"html: the inline-style check finds what it must, and only that");
	T_OK(strstr(o.p, "<g class=\"legend\">") && strstr(o.p, ">after the deadline</text>") &&
		strstr(o.p, ">mean per interval</text>") && strstr(o.p, ">this run</text>"), "html: legends");
	T_OK(ticks_round(o.p), "html: axis ticks at 1-2-5 steps, one unit per axis");
	T_OK(strstr(o.p, "<a href=\"./samples.csv\">samples.csv</a>") &&
		strstr(o.p, "<a href=\"./perfreport.xml\">") && strstr(o.p, "<a href=\"./plot/app.fps.csv\">"),
		"html: every file linked");
	/* the app's own metrics, then its resources, then the board */
	T_OK(strstr(o.p, "data-metric=\"board/") > strstr(o.p, "data-metric=\"app/process_cpu_seconds\"") &&
		strstr(o.p, "data-metric=\"app/process_cpu_seconds\"") > strstr(o.p, "data-metric=\"app/lat\"") &&
		strstr(o.p, "<h2>The app's metrics</h2>") < strstr(o.p, "<h2>The app's resources") &&
		strstr(o.p, "<h2>The app's resources") < strstr(o.p, "<h2>The board</h2>"), "html: reading order");
	lm_buf_free(&o);
	/* a cap: the sticky error comes back */
	lm_buf_init(&o, 100);
	T_OK(lm_report_html(&f.r, &o) < 0 && o.err == EMSGSIZE, "cap hit: -1");
	lm_buf_free(&o);
	fixture_free(&f);
}

static int run_tool(const char *what, const char *cmd)
{
	char c[512];
	int rc;

	snprintf(c, sizeof c, "command -v %s >/dev/null 2>&1", what);
	if (system(c) != 0) {
		printf("skip %s: %s not installed\n", t_file, what);
		return 0;
	}
	rc = system(cmd);
	T_OK(rc == 0, "%s", cmd);
	return rc;
}

static void check_dir(const char *dir)
{
	static const char *const f[] = { "summary.json", "summary.txt", "junit.xml", "report.html",
		"report.css", "perfreport.xml", "plot/app.fps.csv", "plot/board.board_ram_used_bytes.csv",
		"plot/app.fps(tag=~3Cscript~3E~22~26~5C~01~FF).csv" };
	char p[1024], c[2048], l1[64] = "", l2[64] = "";
	struct stat st;
	size_t i;
	mode_t um = umask(022);
	FILE *fp;

	umask(um);
	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, f[i]);
		T_OK(stat(p, &st) == 0 && st.st_size > 0, "%s written", f[i]);
		T_OK(stat(p, &st) == 0 && (st.st_mode & 0777) == (0666 & ~um),
			"%s: mode %o, the umask's (%03o)", f[i], (unsigned)(st.st_mode & 0777), (unsigned)um);
		snprintf(p, sizeof p, "%s/%s.tmp", dir, f[i]);
		T_OK(stat(p, &st) < 0, "no %s.tmp left", f[i]);
	}
	snprintf(p, sizeof p, "%s/plot/app.never.csv", dir);
	T_OK(stat(p, &st) < 0, "no plot CSV for a metric without samples");
	/* the Performance plugin's ParserDetector: "<?xml" first, then a line
	 * holding <FinalStatus> */
	snprintf(p, sizeof p, "%s/perfreport.xml", dir);
	if ((fp = fopen(p, "r"))) {
		if (!fgets(l1, sizeof l1, fp) || !fgets(l2, sizeof l2, fp))
			l1[0] = 0;
		fclose(fp);
	}
	T_OK(strncmp(l1, "<?xml", 5) == 0 && strstr(l2, "<FinalStatus>"), "perfreport.xml: detected as Taurus");
	snprintf(c, sizeof c, "xmllint --noout '%s/perfreport.xml'", dir);
	run_tool("xmllint", c);
	/* what TaurusParser reads of each Group: integers, seconds */
	snprintf(c, sizeof c, "test \"$(xmllint --xpath 'count(//Group[@label!=\"\"][throughput[@value=round(@value)]]"
		"[succ][fail][bytes][avg_rt][perc[@param=\"50.0\"]][perc[@param=\"90.0\"]]"
		"[perc[@param=\"0.0\"]][perc[@param=\"100.0\"]])' '%s/perfreport.xml')\" = 4 && "
		"test \"$(xmllint --xpath 'string(//Group[@label=\"app/lat\"]/perc[@param=\"100.0\"]/@value)' "
		"'%s/perfreport.xml')\" = 0.006 && "
		"test \"$(xmllint --xpath 'string(//Group[@label=\"\"]/perc[@param=\"100.0\"]/@value)' "
		"'%s/perfreport.xml')\" = 0.006", dir, dir, dir);
	run_tool("xmllint", c);
	snprintf(c, sizeof c, "xmllint --noout '%s/junit.xml'", dir);
	run_tool("xmllint", c);
	snprintf(c, sizeof c, "xmllint --noout '%s/report.html'", dir);
	run_tool("xmllint", c);
	/* libxml2's HTML parser is HTML 4: it knows no svg or figure, nothing else may fail */
	snprintf(c, sizeof c, "xmllint --html --noout '%s/report.html' 2>&1 | grep 'error' | "
		"grep -v 'Tag [a-z]* invalid' | grep . >&2 && exit 1 || exit 0", dir);
	run_tool("xmllint", c);
	snprintf(c, sizeof c, "jq -e '.format == \"lmsession-summary/1\" and (.metrics | length) == 6' "
		"'%s/summary.json' >/dev/null", dir);
	run_tool("jq", c);
}

static void test_write(const char *keep)
{
	struct fixture f, g;
	struct lm_baseline b;
	char tmpl[] = "/tmp/test_report.XXXXXX", err[512] = "", p[1200], ro[64];
	int rc;

	fixture(&f, NULL);
	if (!mkdtemp(tmpl)) {
		T_OK(0, "mkdtemp: %s", strerror(errno));
		fixture_free(&f);
		return;
	}
	T_OK(lm_report_write(&f.r, tmpl, err, sizeof err) == 0, "write into %s", tmpl);
	check_dir(tmpl);
	T_OK(lm_baseline_load(&b, tmpl, err, sizeof err) == 0 && b.n == NM && strcmp(b.dir, tmpl) == 0,
		"baseline load (%s)", err);
	if (keep) {
		mkdir(keep, 0755);
		fixture(&g, &b);
		T_OK(lm_report_write(&g.r, keep, err, sizeof err) == 0, "sample kept in %s (%s)", keep, err);
		check_dir(keep);
		fixture_free(&g);
	}
	lm_baseline_free(&b);
	/* a missing dir: a clean error, nothing left */
	snprintf(p, sizeof p, "%s/missing", tmpl);
	rc = lm_report_write(&f.r, p, err, sizeof err);
	T_OK(rc < 0 && strstr(err, "unable to write ") && strstr(err, "/missing/summary.json: No such file"),
		"missing dir: %s", err);
	/* a read-only dir (root writes anyway: skipped) */
	snprintf(ro, sizeof ro, "%s/ro", tmpl);
	mkdir(ro, 0555);
	if (geteuid() == 0) {
		/* root writes anyway: a folder no one may create files in */
		rc = lm_report_write(&f.r, "/proc/1", err, sizeof err);
		T_OK(rc < 0 && strncmp(err, "unable to write /proc/1/summary.json: ", 38) == 0 &&
			access("/proc/1/summary.json.tmp", F_OK) < 0, "unwritable dir: %s", err);
	} else {
		rc = lm_report_write(&f.r, ro, err, sizeof err);
		snprintf(p, sizeof p, "%s/summary.json.tmp", ro);
		T_OK(rc < 0 && strstr(err, "Permission denied") && access(p, F_OK) < 0,
			"read-only dir: %s", err);
	}
	rmdir(ro);
	/* a rename that fails (report.html is a dir): the earlier files are
	 * whole, the temp file is gone */
	snprintf(ro, sizeof ro, "%s/isdir", tmpl);
	mkdir(ro, 0755);
	snprintf(p, sizeof p, "%s/report.html", ro);
	mkdir(p, 0755);
	rc = lm_report_write(&f.r, ro, err, sizeof err);
	snprintf(p, sizeof p, "%s/report.html.tmp", ro);
	T_OK(rc < 0 && strstr(err, "/isdir/report.html: Is a directory") && access(p, F_OK) < 0,
		"rename fails: %s", err);
	snprintf(p, sizeof p, "%s/junit.xml", ro);
	T_OK(access(p, F_OK) == 0, "the files before it are there");
	snprintf(p, sizeof p, "rm -rf '%s'", tmpl);
	if (system(p) != 0)
		printf("# unable to remove %s\n", tmpl);
	fixture_free(&f);
}

/* the decisions: how the run ended, lmsession's exit status, the verdict */
static void test_session(void)
{
	static const struct {
		struct lm_seen s;
		int fails;                  /* a threshold failed */
		int end, status, cause, x;
		const char *verdict, *human;
	} row[] = {
		/* nostart, stage, cause, signal, wstatus, companion, cwstatus */
		{ { 0, 0, 0, 0, 0, 0, 0 }, 0, LM_END_EXITED, 0, 0, 0, "pass", "exited 0" },
		{ { 0, 0, 0, 0, 0, 0, 0 }, 1, LM_END_EXITED, 0, 0, 1, "threshold-failed", "exited 0" },
		{ { 0, 0, 0, 0, 1 << 8, 0, 0 }, 0, LM_END_EXITED, 1, 0, 2, "app-failed", "exited 1" },
		{ { 0, 0, 0, 0, 3 << 8, 0, 0 }, 1, LM_END_EXITED, 3, 0, 2, "app-failed", "exited 3" },
		{ { 0, 0, 0, 0, SIGSEGV, 0, 0 }, 0, LM_END_SIGNALED, SIGSEGV, 0, 2, "app-failed", "died of signal 11" },
		{ { 0, 0, 0, 0, SIGTERM, 0, 0 }, 1, LM_END_SIGNALED, SIGTERM, 0, 2, "app-failed", "died of signal 15" },
		{ { ENOENT, 0, 0, 0, 0, 0, 0 }, 0, LM_END_NOSTART, 127, 0, 127, "not-found", "did not start (127)" },
		{ { EACCES, 0, 0, 0, 0, 0, 0 }, 0, LM_END_NOSTART, 126, 0, 126, "cannot-run", "did not start (126)" },
		/* -t: the deadline */
		{ { 0, 1, LM_END_TIMEOUT, 0, 0, 0, 0 }, 0, LM_END_TIMEOUT, 0, 0, 124, "timeout", "timed out" },
		{ { 0, 2, LM_END_TIMEOUT, 0, SIGTERM, 0, 0 }, 1, LM_END_TIMEOUT, SIGTERM, 0, 124, "timeout", "timed out" },
		{ { 0, 3, LM_END_TIMEOUT, 0, SIGKILL, 0, 0 }, 0, LM_END_KILLED, SIGKILL, LM_END_TIMEOUT, 137, "killed",
			"killed after the deadline" },
		/* -r: the planned stop, whatever the app's status */
		{ { 0, 1, LM_END_STOPPED, 0, 130 << 8, 0, 0 }, 0, LM_END_STOPPED, 130, 0, 0, "pass", "stopped as planned" },
		{ { 0, 1, LM_END_STOPPED, 0, SIGINT, 0, 0 }, 1, LM_END_STOPPED, SIGINT, 0, 1, "threshold-failed",
			"stopped as planned" },
		{ { 0, 3, LM_END_STOPPED, 0, SIGKILL, 0, 0 }, 0, LM_END_KILLED, SIGKILL, LM_END_STOPPED, 137, "killed",
			"killed after the planned stop" },
		{ { 0, 2, LM_END_STOPPED, 0, SIGKILL, 0, 0 }, 0, LM_END_KILLED, SIGKILL, LM_END_STOPPED, 137, "killed",
			"killed after the planned stop" },
		/* lmsession got a signal: 128+N, with or without -t or -r */
		{ { 0, 1, LM_END_INTERRUPTED, SIGTERM, 0, 0, 0 }, 0, LM_END_INTERRUPTED, 0, 0, 143, "interrupted",
			"interrupted by SIGTERM" },
		{ { 0, 1, LM_END_INTERRUPTED, SIGINT, SIGINT, 0, 0 }, 1, LM_END_INTERRUPTED, SIGINT, 0, 130, "interrupted",
			"interrupted by SIGINT" },
		{ { 0, 2, LM_END_INTERRUPTED, SIGHUP, 1 << 8, 0, 0 }, 0, LM_END_INTERRUPTED, 1, 0, 129, "interrupted",
			"interrupted by SIGHUP" },
		{ { 0, 3, LM_END_INTERRUPTED, SIGTERM, SIGKILL, 0, 0 }, 0, LM_END_KILLED, SIGKILL, LM_END_INTERRUPTED, 143,
			"interrupted", "killed after SIGTERM to lmsession" },
		/* a signal after the deadline's stop began: still the deadline */
		{ { 0, 2, LM_END_TIMEOUT, SIGTERM, 0, 0, 0 }, 0, LM_END_TIMEOUT, 0, 0, 124, "timeout", "timed out" },
		/* a companion ended while the app ran (the app stopped with SIGINT):
		 * its own end, whatever the app did; its status or 128+signal */
		{ { 0, 1, 0, 0, SIGINT, LM_END_COMPANION, 1 << 8 }, 0, LM_END_COMPANION, 1, 0, 3,
			"companion-failed", "a companion ended (1)" },
		{ { 0, 0, 0, 0, 0, LM_END_COMPANION, SIGKILL }, 1, LM_END_COMPANION, 137, 0, 3,
			"companion-failed", "a companion ended (137)" },
		{ { 0, 3, 0, 0, SIGKILL, LM_END_COMPANION, 0 }, 0, LM_END_COMPANION, 0, 0, 3,
			"companion-failed", "a companion ended (0)" },
		/* a companion that ended before it was ready: the app never ran */
		{ { 0, 0, 0, 0, 0, LM_END_COMPANION, 2 << 8 }, 0, LM_END_COMPANION, 2, 0, 3,
			"companion-failed", "a companion ended (2)" },
		/* not ready in time */
		{ { 0, 0, 0, 0, 0, LM_END_NOTREADY, 0 }, 0, LM_END_NOTREADY, 0, 0, 4,
			"companion-not-ready", "a companion was not ready" },
		/* lmsession interrupted while a companion failed: interrupted */
		{ { 0, 1, LM_END_INTERRUPTED, SIGTERM, 0, LM_END_COMPANION, SIGTERM }, 0, LM_END_INTERRUPTED, 0, 0,
			143, "interrupted", "interrupted by SIGTERM" },
	};
	struct lm_expect ex[2];
	struct lm_run r;
	struct lm_buf b;
	char h[64], *nl;
	size_t i;

	memset(ex, 0, sizeof ex);
	ex[0].result = LM_EX_PASS;
	for (i = 0; i < sizeof row / sizeof row[0]; i++) {
		memset(&r, 0, sizeof r);
		lm_session_end(&r, &row[i].s);
		ex[1].result = row[i].fails ? LM_EX_FAIL : LM_EX_SKIP;
		r.ex = ex;
		r.nex = 2;
		r.exit_code = lm_session_exit(&r, 0);
		lm_buf_init(&b, 0);
		lm_report_text(&r, &b);
		snprintf(h, sizeof h, "%s", b.p ? b.p : "");
		lm_buf_free(&b);
		if ((nl = strstr(h, ", exit code")))
			*nl = 0;
		T_OK(r.end == row[i].end && r.status == row[i].status && r.cause == row[i].cause &&
			r.exit_code == row[i].x && strcmp(lm_session_verdict(r.exit_code), row[i].verdict) == 0 &&
			strstr(h, row[i].human) != NULL,
			"end row %zu: end %d status %d cause %d exit %d %s [%s]", i, r.end, r.status, r.cause,
			r.exit_code, lm_session_verdict(r.exit_code), h);
	}
	memset(&r, 0, sizeof r);
	r.end = LM_END_EXITED;
	T_OK(lm_session_exit(&r, 1) == 111 && strcmp(lm_session_verdict(111), "error") == 0 &&
		strcmp(lm_session_verdict(100), "usage") == 0, "a system error: 111");
}

static void test_name(void)
{
	static const struct {
		const char *argv[6];
		const char *want;
	} row[] = {
		{ { "./app", NULL }, "app" },
		{ { "/usr/bin/infer", "-x", NULL }, "infer" },
		{ { "python3", "app.py", NULL }, "app" },
		{ { "/usr/bin/python3.11", "-u", "/srv/detect.v2.py", "--fps", "30", NULL }, "detect.v2" },
		{ { "python", "-W", "ignore", "run.py", NULL }, "run" },
		{ { "python3", "-m", "pkg.serve", NULL }, "pkg.serve" },
		{ { "python3", "-mpkg", NULL }, "pkg" },
		{ { "python3", "-c", "import x", NULL }, "python3" },
		{ { "python3", NULL }, "python3" },
		{ { "sh", "-c", "  ./infer --fast; echo done", NULL }, "infer" },
		{ { "sh", "-ec", "exec gst-launch-1.0 x", NULL }, "gst-launch-1.0" },
		{ { "sh", "-c", "trap '' INT TERM; sleep 9", NULL }, "sleep" },
		{ { "sh", "-c", "(trap '' INT; exec sleep 1) & MODE=x ./det.bin", NULL }, "det.bin" },
		{ { "sh", "-c", "cd /srv && MODE=fast ./det.bin --x", NULL }, "det.bin" },
		{ { "sh", "-c", "lmhook send a:1|g; sleep 1", NULL }, "lmhook" },
		{ { "sh", "-c", "kill -TERM $$", NULL }, "kill" },
		{ { "bash", "-o", "pipefail", "job.sh", NULL }, "job" },
		{ { "sh", "app.sh", "-n", "5", NULL }, "app" },
		{ { "busybox", "sh", "loop.sh", NULL }, "loop" },
		{ { "busybox", "sleep", "1", NULL }, "sleep" },
		{ { "node", "--trace-warnings", "server.js", NULL }, "server" },
		{ { "perl", "-e", "1", NULL }, "perl" },
		{ { "shellcheck", "x.sh", NULL }, "shellcheck" },
		{ { "pythonic", "x.py", NULL }, "pythonic" },
		{ { "sh", "--", "run.sh", NULL }, "run" },
		{ { "sh", "-c", "", NULL }, "sh" },
		{ { "sh", "-c", NULL }, "sh" },
		{ { "python3", "dir/", NULL }, "dir" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof row / sizeof row[0]; i++) {
		lm_session_name(row[i].argv, out, sizeof out);
		T_STREQ(out, row[i].want, row[i].argv[1] ? row[i].argv[1] : row[i].argv[0]);
	}
	lm_session_name(NULL, out, sizeof out);
	T_STREQ(out, "", "no command");
	lm_session_name((const char *const[]){ "python3", "averyveryverylongname.py", NULL }, out, 8);
	T_STREQ(out, "averyve", "cut to the buffer");
}

int main(int argc, char **argv)
{
	const char *keep = argc == 3 && strcmp(argv[1], "-k") == 0 ? argv[2] : NULL;

	t_file = "test_report";
	test_parse();
	test_stats();
	test_eval();
	test_json();
	test_baseline_hostile();
	test_round_trip();
	test_escaping();
	test_write(keep);
	test_session();
	test_name();
	return T_DONE();
}
