/* test_top: the view behind lmhook top (lm_top): rows from two dumps,
 * numbers for columns, frames cut to a width. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "lm_top.h"
#include "lm_wire.h"

static const struct { double v; int unit; const char *want; } nums[] = {
	{ NAN, 0, "-" }, { 0, 0, "0" }, { 5, 0, "5" }, { 0.25, 0, "0.25" }, { 12.5, 0, "12.5" },
	{ 999, 0, "999" }, { 999.6, 0, "1k" }, { 1234, 0, "1.23k" }, { 15000, 0, "15k" },
	{ 2.5e6, 0, "2.5M" }, { 7e9, 0, "7G" }, { 3e12, 0, "3T" }, { 4e15, 0, "4.0e+15" },
	{ -3, 0, "-3" }, { -1234, 0, "-1.23k" }, { 0.0001, 0, "1.0e-04" }, { 0.0123, 0, "0.0123" },
	{ 0.25, 's', "250ms" }, { 0.0125, 's', "12.5ms" }, { 1.5, 's', "1.5s" }, { 0, 's', "0s" },
	{ 2e-6, 's', "2us" }, { 3.5e-8, 's', "35ns" }, { 1e-12, 's', "1.0e-12" }, { 9.96e-10, 's', "1.0e-09" }, { -2.5e-3, 's', "-2.5ms" },
	{ 0.00123, 0, "0.00123" }, { 0.0994, 0, "0.0994" }, { 0.09996, 0, "0.1" }, { 9.996, 0, "10" },
	{ 99.96, 0, "100" }, { 1.5e30, 0, "1.5e+30" }, { -9.96e-5, 0, "-1.0e-04" }, { 5e300, 'B', "5.0e+300" }, { 0.9996, 's', "1s" },
	{ 100, 'B', "100B" }, { 1024, 'B', "1K" }, { 1536, 'B', "1.5K" }, { 104857600, 'B', "100M" },
	{ 3.5 * 1073741824.0, 'B', "3.5G" }, { 0, 'B', "0B" }, { NAN, 'B', "-" },
};

static struct lm_top *tp;

static const struct lm_top_row *row(const char *app, const char *metric)
{
	const struct lm_top_row *r;
	size_t n = lm_top_rows(tp, LM_TOP_BY_NAME, &r), i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].app, app) && !strcmp(r[i].metric, metric))
			return &r[i];
	return NULL;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

/* every line of s at most w columns (characters), none ending in a blank */
static int fits(const char *s, size_t w)
{
	size_t c = 0;
	char prev = 0;

	for (; *s; prev = *s++) {
		if (*s == '\n') {
			if (prev == ' ')
				return 0;
			c = 0;
			continue;
		}
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
		c += ((unsigned char)*s & 0xc0) != 0x80;
		if (c > w)
			return 0;
	}
	return 1;
}

static const char *frame(int sort, size_t width, size_t maxrows)
{
	static struct lm_buf b;

	if (!b.max)
		lm_buf_init(&b, 1u << 20);
	lm_buf_reset(&b);
	if (lm_top_render(tp, &b, sort, width, maxrows) < 0 || lm_buf_addc(&b, 0) < 0)
		return "(render failed)";
	return b.p;
}

int main(void)
{
	char out[16];
	const struct lm_top_row *r;
	const char *f;
	size_t i, w;
	/* a dump as lmtabled writes it: health, then each app */
	const char *d1 =
		"# HELP lm_tabled_datagrams_received Datagrams lmtabled received.\n"
		"lm_tabled_datagrams_received:10|c\n"
		"lm_app_last_update_timestamp_seconds:1700000000|g|#app:web,uid:1000\n"
		"lm_app_up:1|g|#app:web,uid:1000\n"
		"req:100|c|#app:web,uid:1000,route:/api\n"
		"queue:7|g|#app:web,uid:1000\n"
		"lat:1|t|h:-8=10|m:0.5|x:0.5|l:0.5|#app:web,uid:1000\n"
		"fps:300|r|r:30|#app:cam,uid:1000\n"
		"process_resident_memory_bytes:104857600|g|#app:web,uid:1000\n"
		"gpu_memory_bytes:1073741824|g|#app:web,uid:1000\n"
		"gpu_memory_bytes:536870912|g|#app:web,uid:1000,gpu:0,model:Orin\n"
		"orphan:1|g\n"
		"not a line\n"
		"gone:1|g|#app:cam,uid:1000\n";
	/* 2 s later: 40 more requests, 10 more observations of 2 s, gone gone */
	const char *d2 =
		"req:140|c|#app:web,uid:1000,route:/api\n"
		"queue:3|g|#app:web,uid:1000\n"
		"lat:21|t|h:-8=10,8=10|m:0.5|x:2|l:2|#app:web,uid:1000\n"
		"fps:360|r|r:30|#app:cam,uid:1000\n"
		"process_resident_memory_bytes:209715200|g|#app:web,uid:1000\n"
		"new:5|c|#app:cam,uid:1000\n";

	t_file = "test_top";
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		lm_top_num(out, nums[i].v, nums[i].unit);
		T_OK(!strcmp(out, nums[i].want) && strlen(out) <= 8, "num %g %c: %s (want %s)",
			nums[i].v, nums[i].unit ? nums[i].unit : ' ', out, nums[i].want);
	}

	tp = lm_top_new();
	T_OK(lm_top_feed(tp, d1, strlen(d1), 10) == 6, "first dump: 6 rows (lm_*, no app, memory, junk left out)");
	T_OK((r = row("web", "gpu_memory_bytes{gpu=0,model=Orin}")) && r->last == 536870912, "one GPU's share: a row");
	T_OK(lm_top_apps(tp) == 2, "two apps");
	T_OK(row("web", "lm_app_up") == NULL && row("web", "process_resident_memory_bytes") == NULL &&
		row("web", "gpu_memory_bytes") == NULL, "own series and lmprobe's memory make no rows");
	T_OK((r = row("web", "req{route=/api}")) && r->kind == LM_COUNTER && r->last == 100 &&
		isnan(r->rate), "counter: total, no rate in a first dump");
	T_OK((r = row("web", "queue")) && r->kind == LM_GAUGE && r->last == 7 && isnan(r->rate), "gauge");
	T_OK((r = row("web", "lat")) && r->kind == LM_TIMER && r->last == 0.5 && isnan(r->p50), "timer: last, no interval yet");
	T_OK((r = row("cam", "fps")) && r->kind == LM_RATE && r->rate == 30, "rate: lmtabled's r: field at first");
	T_OK((r = row("web", "queue")) && r->rss == 104857600 && r->gpu == 1073741824, "app memory: rss and the GPU total");
	T_OK((r = row("cam", "fps")) && isnan(r->rss) && isnan(r->gpu), "no memory where lmprobe feeds none");

	T_OK(lm_top_feed(tp, d2, strlen(d2), 12) == 5, "second dump: 5 rows");
	T_OK((r = row("web", "req{route=/api}")) && near(r->rate, 20) && r->last == 140, "counter rate: 40 in 2 s");
	T_OK((r = row("web", "queue")) && r->last == 3, "gauge moves");
	T_OK((r = row("web", "lat")) && near(r->rate, 5) && r->last == 2, "timer: 10 observations in 2 s");
	T_OK(r && fabs(r->p50 - 2) / 2 < 0.0443 && fabs(r->p95 - 2) / 2 < 0.0443,
		"timer p50, p95 of the interval only: 2 s (got %g, %g)", r ? r->p50 : -1, r ? r->p95 : -1);
	T_OK((r = row("cam", "fps")) && near(r->rate, 30), "rate from the totals: 60 in 2 s");
	T_OK(row("cam", "gone") == NULL, "a series gone from the dump is forgotten");
	T_OK((r = row("cam", "new")) && isnan(r->rate) && r->last == 5, "a new series: no rate yet");
	T_OK((r = row("web", "queue")) && r->rss == 209715200 && isnan(r->gpu), "memory from this dump only");

	/* a restarted series: the total fell, the new total is the increase */
	{
		const char *d3 = "req:10|c|#app:web,uid:1000,route:/api\nlat:1|t|h:0=1|m:1|x:1|#app:web,uid:1000\n";
		T_OK(lm_top_feed(tp, d3, strlen(d3), 13) == 2, "third dump");
		T_OK((r = row("web", "req{route=/api}")) && near(r->rate, 10), "counter started over: rate of the new total");
		T_OK((r = row("web", "lat")) && near(r->rate, 1) && fabs(r->p50 - 1) < 0.0443, "timer started over");
	}

	/* frames */
	{
		const char *d4 =
			"req:1|c|#app:web,uid:1000,route:/api\n"
			"a.very.long.metric.name.that.goes.on.and.on:1|g|#app:a-rather-long-app-name,uid:1000,k:v\n"
			"t:1|g|#app:\xc3\xa9t\xc3\xa9\xc3\xa9t\xc3\xa9\xc3\xa9t\xc3\xa9\xc3\xa9t\xc3\xa9\xc3\xa9t\xc3\xa9,uid:1000\n"
			"z:3|g|#app:web,uid:1000\n";
		lm_top_feed(tp, d4, strlen(d4), 14);
		lm_top_feed(tp, d4, strlen(d4), 15);
		f = frame(LM_TOP_BY_NAME, 0, 0);
		T_OK(strstr(f, "APP") == f && strstr(f, "RATE/S") && strstr(f, "GPU\n"), "header: every column without a width");
		T_OK(strstr(f, "a.very.long.metric.name.that.goes.on.and.on{k=v}") != NULL, "no width: whole names");
		T_OK(strstr(f, "\nweb") && strstr(strstr(f, "\nweb"), "req{route=/api}"), "sorted by app then metric");
		T_OK(strstr(f, "\na-rather") < strstr(f, "\nweb ") && strstr(f, "\nweb ") < strstr(f, "\n\xc3\xa9"),
			"apps in byte order");
		for (w = 1; w <= 200; w++) {
			f = frame(LM_TOP_BY_NAME, w, 0);
			if (!fits(f, w))
				break;
		}
		T_OK(w > 200, "widths 1 to 200: every line fits, no trailing blank, no control byte (failed at %zu)", w);
		f = frame(LM_TOP_BY_NAME, 100, 0);
		T_OK(strstr(f, "GPU") && strstr(f, "KIND"), "100 columns: every column");
		f = frame(LM_TOP_BY_NAME, 60, 0);
		T_OK(!strstr(f, "GPU") && !strstr(f, "RSS") && strstr(f, "RATE/S") && strstr(f, "LAST"),
			"60 columns: the memory columns left out first");
		T_OK(strstr(f, "~") != NULL, "60 columns: long names cut with ~");
		f = frame(LM_TOP_BY_NAME, 30, 0);
		T_OK(strstr(f, "RATE/S") && !strstr(f, "LAST"), "30 columns: names and the rate");
		f = frame(LM_TOP_BY_NAME, 0, 3);
		T_OK(strstr(f, "(2 more rows)\n") != NULL, "rows cut to the height: says how many are left out");
		f = frame(LM_TOP_BY_LAST, 0, 0);
		f = strchr(f, '\n') + 1;
		T_OK(!strncmp(f, "web ", 4) && !strncmp(f + strspn(f + 3, " ") + 3, "z ", 2),
			"-s last: highest first (z 3)");
	}
	lm_top_free(tp);

	/* junk: any bytes, no crash, no row from a line that does not parse */
	{
		static char junk[4096];
		unsigned s = 1;
		tp = lm_top_new();
		for (i = 0; i < 200; i++) {
			size_t k;
			for (k = 0; k < sizeof junk; k++) {
				s = s * 1103515245 + 12345;
				junk[k] = "ab:|#,\n1.ct@g\xc3\xa9"[(s >> 16) % 16];
			}
			lm_top_feed(tp, junk, sizeof junk, (double)i);
			if (!fits(frame(LM_TOP_BY_RATE, 40, 10), 40))
				break;
		}
		T_OK(i == 200, "200 junk dumps: frames still fit");
		lm_top_free(tp);
	}
	return T_DONE();
}
