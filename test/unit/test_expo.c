/* test_expo: table dump in, exposition out, compared byte for byte. */
#include <errno.h>
#include <stdlib.h>
#include "t.h"
#include "lm_expo.h"
#include "lm_sock.h"
#include "pbtext.h"

struct row {
	const char *name;
	int flags;
	const char *dump, *want;
};

static const struct row rows[] = {
	{ "empty", 0,
		"",
		"" },
	{ "empty om", LM_EXPO_OM,
		"",
		"# EOF\n" },
	{ "one gauge", 0,
		"fps:29.5|g|#app:cam\n",
		"# HELP fps livemetrics gauge fps\n"
		"# TYPE fps gauge\n"
		"fps{app=\"cam\"} 29.5\n" },
	{ "sorted families and series", 0,
		"b:2|g\n"
		"a:1|g\n"
		"c:3|g|#app:z\n"
		"c:4|g|#app:y\n",
		"# HELP a livemetrics gauge a\n"
		"# TYPE a gauge\n"
		"a 1\n"
		"# HELP b livemetrics gauge b\n"
		"# TYPE b gauge\n"
		"b 2\n"
		"# HELP c livemetrics gauge c\n"
		"# TYPE c gauge\n"
		"c{app=\"y\"} 4\n"
		"c{app=\"z\"} 3\n" },
	{ "counter gets _total", 0,
		"frames:100|c|#app:cam\n"
		"done_total:3|c\n",
		"# HELP done_total livemetrics counter done_total\n"
		"# TYPE done_total counter\n"
		"done_total 3\n"
		"# HELP frames_total livemetrics counter frames\n"
		"# TYPE frames_total counter\n"
		"frames_total{app=\"cam\"} 100\n" },
	{ "counter om family drops _total", LM_EXPO_OM,
		"frames:100|c|#app:cam\n"
		"done_total:3|c\n",
		"# HELP done livemetrics counter done_total\n"
		"# TYPE done counter\n"
		"done_total 3\n"
		"# HELP frames livemetrics counter frames\n"
		"# TYPE frames counter\n"
		"frames_total{app=\"cam\"} 100\n"
		"# EOF\n" },
	{ "label escaping", 0,
		"g:1|g|#app:a\"b\\c,k:x\\\\y\n",
		"# HELP g livemetrics gauge g\n"
		"# TYPE g gauge\n"
		"g{app=\"a\\\"b\\\\c\",k=\"x\\\\\\\\y\"} 1\n" },
	{ "label escaping om", LM_EXPO_OM,
		"g:1|g|#app:a\"b\\c\n",
		"# HELP g livemetrics gauge g\n"
		"# TYPE g gauge\n"
		"g{app=\"a\\\"b\\\\c\"} 1\n"
		"# EOF\n" },
	{ "names and keys sanitised", 0,
		"my.metric-name/x:1|g|#app:a,x-y:1\n",
		"# HELP my_metric_name_x livemetrics gauge my_metric_name_x\n"
		"# TYPE my_metric_name_x gauge\n"
		"my_metric_name_x{app=\"a\",x_y=\"1\"} 1\n" },
	{ "container field", 0,
		"f:1|g|c:abc123|#app:z\n",
		"# HELP f livemetrics gauge f\n"
		"# TYPE f gauge\n"
		"f{app=\"z\",container=\"abc123\"} 1\n" },
	{ "clash gauge first", 0,
		"x_total:1|g\n"
		"x:2|c\n",
		"# HELP x_total livemetrics gauge x_total\n"
		"# TYPE x_total gauge\n"
		"x_total 1\n" },
	{ "clash counter first", 0,
		"x:2|c\n"
		"x_total:1|g\n",
		"# HELP x_total livemetrics counter x\n"
		"# TYPE x_total counter\n"
		"x_total 2\n" },
	{ "clash om family", LM_EXPO_OM,
		"x:1|g\n"
		"x:2|c\n",
		"# HELP x livemetrics gauge x\n"
		"# TYPE x gauge\n"
		"x 1\n"
		"# EOF\n" },
	{ "clash types one family", 0,
		"a:1|g\n"
		"a:2|h\n",
		"# HELP a livemetrics gauge a\n"
		"# TYPE a gauge\n"
		"a 1\n" },
	{ "clash sample name", 0,
		"t:0.5|t|h:-8=1|m:0.5|x:0.5|l:0.5\n"
		"t_seconds_count:3|g\n",
		"# HELP t_last_seconds livemetrics timer t, last observation in seconds\n"
		"# TYPE t_last_seconds gauge\n"
		"t_last_seconds 0.5\n"
		"# HELP t_seconds livemetrics timer t, seconds\n"
		"# TYPE t_seconds histogram\n"
		"t_seconds_bucket{le=\"0.0005\"} 0\n"
		"t_seconds_bucket{le=\"0.001\"} 0\n"
		"t_seconds_bucket{le=\"0.0025\"} 0\n"
		"t_seconds_bucket{le=\"0.005\"} 0\n"
		"t_seconds_bucket{le=\"0.01\"} 0\n"
		"t_seconds_bucket{le=\"0.025\"} 0\n"
		"t_seconds_bucket{le=\"0.05\"} 0\n"
		"t_seconds_bucket{le=\"0.1\"} 0\n"
		"t_seconds_bucket{le=\"0.25\"} 0\n"
		"t_seconds_bucket{le=\"0.5\"} 1\n"
		"t_seconds_bucket{le=\"1\"} 1\n"
		"t_seconds_bucket{le=\"2.5\"} 1\n"
		"t_seconds_bucket{le=\"5\"} 1\n"
		"t_seconds_bucket{le=\"10\"} 1\n"
		"t_seconds_bucket{le=\"+Inf\"} 1\n"
		"t_seconds_sum 0.5\n"
		"t_seconds_count 1\n" },
	{ "duplicate series", 0,
		"a:1|g|#app:x\n"
		"a:2|g|#app:x\n",
		"# HELP a livemetrics gauge a\n"
		"# TYPE a gauge\n"
		"a{app=\"x\"} 1\n" },
	{ "bad lines skipped", 0,
		"evil{x=\"1\"} 5\n"
		"a:b|g\n"
		"x:1|zz\n"
		"ok:1|g\n"
		"# comment\n"
		"#HELP ok nope\n"
		"# HELP\n"
		"c:-1|c\n"
		"a:1|g|#app:x\r\n",
		"# HELP ok livemetrics gauge ok\n"
		"# TYPE ok gauge\n"
		"ok 1\n" },
	{ "reserved and duplicate labels", 0,
		"d:1|t|#le:1\n"
		"q:1|h|#le:1\n"
		"k:1|g|#a.b:1,a_b:2\n"
		"ok:1|g|#le:1\n",
		"# HELP ok livemetrics gauge ok\n"
		"# TYPE ok gauge\n"
		"ok{le=\"1\"} 1\n" },
	{ "timer histogram", 0,
		"infer:20.088|t|h:-63=2,-29=1,35=1|m:0.004|x:20|l:0.05|#app:cam\n",
		"# HELP infer_last_seconds livemetrics timer infer, last observation in seconds\n"
		"# TYPE infer_last_seconds gauge\n"
		"infer_last_seconds{app=\"cam\"} 0.05\n"
		"# HELP infer_seconds livemetrics timer infer, seconds\n"
		"# TYPE infer_seconds histogram\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.0005\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.001\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.0025\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.005\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.01\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.025\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.05\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.1\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.25\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.5\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"1\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"2.5\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"5\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"10\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"+Inf\"} 4\n"
		"infer_seconds_sum{app=\"cam\"} 20.088\n"
		"infer_seconds_count{app=\"cam\"} 4\n" },
	{ "timer histogram om", LM_EXPO_OM,
		"infer:20.088|t|h:-63=2,-29=1,35=1|m:0.004|x:20|l:0.05|#app:cam\n",
		"# HELP infer_last_seconds livemetrics timer infer, last observation in seconds\n"
		"# TYPE infer_last_seconds gauge\n"
		"infer_last_seconds{app=\"cam\"} 0.05\n"
		"# HELP infer_seconds livemetrics timer infer, seconds\n"
		"# TYPE infer_seconds histogram\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.0005\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.001\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.0025\"} 0\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.005\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.01\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.025\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.05\"} 2\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.1\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.25\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"0.5\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"1.0\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"2.5\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"5.0\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"10.0\"} 3\n"
		"infer_seconds_bucket{app=\"cam\",le=\"+Inf\"} 4\n"
		"infer_seconds_sum{app=\"cam\"} 20.088\n"
		"infer_seconds_count{app=\"cam\"} 4\n"
		"# EOF\n" },
	{ "timer without buckets: its value is one observation", 0,
		"idle:0|t\n",
		"# HELP idle_seconds livemetrics timer idle, seconds\n"
		"# TYPE idle_seconds histogram\n"
		"idle_seconds_bucket{le=\"0.0005\"} 1\n"
		"idle_seconds_bucket{le=\"0.001\"} 1\n"
		"idle_seconds_bucket{le=\"0.0025\"} 1\n"
		"idle_seconds_bucket{le=\"0.005\"} 1\n"
		"idle_seconds_bucket{le=\"0.01\"} 1\n"
		"idle_seconds_bucket{le=\"0.025\"} 1\n"
		"idle_seconds_bucket{le=\"0.05\"} 1\n"
		"idle_seconds_bucket{le=\"0.1\"} 1\n"
		"idle_seconds_bucket{le=\"0.25\"} 1\n"
		"idle_seconds_bucket{le=\"0.5\"} 1\n"
		"idle_seconds_bucket{le=\"1\"} 1\n"
		"idle_seconds_bucket{le=\"2.5\"} 1\n"
		"idle_seconds_bucket{le=\"5\"} 1\n"
		"idle_seconds_bucket{le=\"10\"} 1\n"
		"idle_seconds_bucket{le=\"+Inf\"} 1\n"
		"idle_seconds_sum 0\n"
		"idle_seconds_count 1\n" },
	{ "h histogram and rate", 0,
		"h:10|h|h:0=1,8=1,13=1,16=1|m:1|x:4|l:1|#app:a\n"
		"r:7|r|r:0.5|#app:a\n"
		"r2:7|r|#app:a\n",
		"# HELP h livemetrics histogram h\n"
		"# TYPE h histogram\n"
		"h_bucket{app=\"a\",le=\"0.001\"} 0\n"
		"h_bucket{app=\"a\",le=\"0.01\"} 0\n"
		"h_bucket{app=\"a\",le=\"0.1\"} 0\n"
		"h_bucket{app=\"a\",le=\"1\"} 1\n"
		"h_bucket{app=\"a\",le=\"10\"} 4\n"
		"h_bucket{app=\"a\",le=\"100\"} 4\n"
		"h_bucket{app=\"a\",le=\"1000\"} 4\n"
		"h_bucket{app=\"a\",le=\"10000\"} 4\n"
		"h_bucket{app=\"a\",le=\"100000\"} 4\n"
		"h_bucket{app=\"a\",le=\"1000000\"} 4\n"
		"h_bucket{app=\"a\",le=\"+Inf\"} 4\n"
		"h_sum{app=\"a\"} 10\n"
		"h_count{app=\"a\"} 4\n"
		"# HELP h_last livemetrics histogram h, last observation\n"
		"# TYPE h_last gauge\n"
		"h_last{app=\"a\"} 1\n"
		"# HELP r2_events_total livemetrics rate r2, events in total\n"
		"# TYPE r2_events_total counter\n"
		"r2_events_total{app=\"a\"} 7\n"
		"# HELP r_events_total livemetrics rate r, events in total\n"
		"# TYPE r_events_total counter\n"
		"r_events_total{app=\"a\"} 7\n"
		"# HELP r_hertz livemetrics rate r, events per second\n"
		"# TYPE r_hertz gauge\n"
		"r_hertz{app=\"a\"} 0.5\n" },
	{ "h histogram and rate om", LM_EXPO_OM,
		"h:10|h|h:0=1,8=1,13=1,16=1|m:1|x:4|l:1|#app:a\n"
		"r:7|r|r:0.5|#app:a\n",
		"# HELP h livemetrics histogram h\n"
		"# TYPE h histogram\n"
		"h_bucket{app=\"a\",le=\"0.001\"} 0\n"
		"h_bucket{app=\"a\",le=\"0.01\"} 0\n"
		"h_bucket{app=\"a\",le=\"0.1\"} 0\n"
		"h_bucket{app=\"a\",le=\"1.0\"} 1\n"
		"h_bucket{app=\"a\",le=\"10.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"100.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"1000.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"10000.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"100000.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"1000000.0\"} 4\n"
		"h_bucket{app=\"a\",le=\"+Inf\"} 4\n"
		"h_sum{app=\"a\"} 10\n"
		"h_count{app=\"a\"} 4\n"
		"# HELP h_last livemetrics histogram h, last observation\n"
		"# TYPE h_last gauge\n"
		"h_last{app=\"a\"} 1\n"
		"# HELP r_events livemetrics rate r, events in total\n"
		"# TYPE r_events counter\n"
		"r_events_total{app=\"a\"} 7\n"
		"# HELP r_hertz livemetrics rate r, events per second\n"
		"# TYPE r_hertz gauge\n"
		"r_hertz{app=\"a\"} 0.5\n"
		"# EOF\n" },
	{ "help text", 0,
		"# HELP lm_tabled_datagrams_received Datagrams received.\n"
		"lm_tabled_datagrams_received:12|c\n"
		"# HELP g a \\ help \"quoted\"\n"
		"g:1|g\n"
		"# HELP t Inference time.\n"
		"t:1|t|h:0=1|m:1|x:1|l:1\n",
		"# HELP g a \\\\ help \"quoted\"\n"
		"# TYPE g gauge\n"
		"g 1\n"
		"# HELP lm_tabled_datagrams_received_total Datagrams received.\n"
		"# TYPE lm_tabled_datagrams_received_total counter\n"
		"lm_tabled_datagrams_received_total 12\n"
		"# HELP t_last_seconds Inference time. (last observation, seconds)\n"
		"# TYPE t_last_seconds gauge\n"
		"t_last_seconds 1\n"
		"# HELP t_seconds Inference time.\n"
		"# TYPE t_seconds histogram\n"
		"t_seconds_bucket{le=\"0.0005\"} 0\n"
		"t_seconds_bucket{le=\"0.001\"} 0\n"
		"t_seconds_bucket{le=\"0.0025\"} 0\n"
		"t_seconds_bucket{le=\"0.005\"} 0\n"
		"t_seconds_bucket{le=\"0.01\"} 0\n"
		"t_seconds_bucket{le=\"0.025\"} 0\n"
		"t_seconds_bucket{le=\"0.05\"} 0\n"
		"t_seconds_bucket{le=\"0.1\"} 0\n"
		"t_seconds_bucket{le=\"0.25\"} 0\n"
		"t_seconds_bucket{le=\"0.5\"} 0\n"
		"t_seconds_bucket{le=\"1\"} 1\n"
		"t_seconds_bucket{le=\"2.5\"} 1\n"
		"t_seconds_bucket{le=\"5\"} 1\n"
		"t_seconds_bucket{le=\"10\"} 1\n"
		"t_seconds_bucket{le=\"+Inf\"} 1\n"
		"t_seconds_sum 1\n"
		"t_seconds_count 1\n" },
	{ "help text om", LM_EXPO_OM,
		"# HELP lm_tabled_datagrams_received Datagrams received.\n"
		"lm_tabled_datagrams_received:12|c\n"
		"# HELP g a \\ help \"quoted\"\n"
		"g:1|g\n",
		"# HELP g a \\\\ help \\\"quoted\\\"\n"
		"# TYPE g gauge\n"
		"g 1\n"
		"# HELP lm_tabled_datagrams_received Datagrams received.\n"
		"# TYPE lm_tabled_datagrams_received counter\n"
		"lm_tabled_datagrams_received_total 12\n"
		"# EOF\n" },
	{ "numbers", 0,
		"a:0.1|g\n"
		"b:1e21|g\n"
		"c:-0|g\n"
		"d:123456789012|g\n"
		"e:0.000001|g\n"
		"f:-2.5|g\n"
		"\n",
		"# HELP a livemetrics gauge a\n"
		"# TYPE a gauge\n"
		"a 0.1\n"
		"# HELP b livemetrics gauge b\n"
		"# TYPE b gauge\n"
		"b 1e+21\n"
		"# HELP c livemetrics gauge c\n"
		"# TYPE c gauge\n"
		"c -0\n"
		"# HELP d livemetrics gauge d\n"
		"# TYPE d gauge\n"
		"d 123456789012\n"
		"# HELP e livemetrics gauge e\n"
		"# TYPE e gauge\n"
		"e 1e-06\n"
		"# HELP f livemetrics gauge f\n"
		"# TYPE f gauge\n"
		"f -2.5\n" },
};

static void table(void)
{
	struct lm_buf b;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		lm_buf_init(&b, 0);
		snprintf(name, sizeof name, "expo %s", rows[i].name);
		if (lm_expo(&b, rows[i].dump, strlen(rows[i].dump), rows[i].flags, NULL, NULL) < 0)
			T_OK(0, "%s: lm_expo failed: %s", name, strerror(errno));
		else
			T_STREQ(b.p ? b.p : "", rows[i].want, name);
		lm_buf_free(&b);
	}
}

/* counts of what was written and left out */
static void stats(void)
{
	static const struct {
		const char *name, *dump;
		int flags;
		size_t series, skipped, invalid, families;
	} v[] = {
		{ "empty", "", 0, 0, 0, 0, 0 },
		{ "gauges", "a:1|g\nb:1|g|#app:x\nb:2|g|#app:y\n", 0, 3, 0, 0, 2 },
		{ "timer gives two series", "t:1|t|h:0=1|m:1|x:1|l:1\n", 0, 2, 0, 0, 2 },
		{ "timer without last", "t:1|t|h:0=1|m:1|x:1\n", 0, 1, 0, 0, 1 },
		{ "rate gives two series", "r:1|r|r:2\n", 0, 2, 0, 0, 2 },
		{ "clash name", "x_total:1|g\nx:2|c\n", 0, 1, 1, 0, 1 },
		{ "clash om only", "x:1|g\nx:2|c\n", LM_EXPO_OM, 1, 1, 0, 1 },
		{ "no clash in text 0.0.4", "x:1|g\nx:2|c\n", 0, 2, 0, 0, 2 },
		{ "clash type", "a:1|g\na:2|h\na:3|g|#k:v\n", 0, 2, 1, 0, 1 },
		{ "clash sample", "t:1|t\nt_seconds_bucket:1|g\nt_seconds_sum:1|g\n", 0, 1, 2, 0, 1 },
		{ "duplicate", "a:1|g\na:2|g\na:3|g\n", 0, 1, 2, 0, 1 },
		{ "bad lines", "evil{x=\"1\"} 5\na:b|g\nx:1|zz\nc:-1|c\nok:1|g\n\n# c\n", 0, 1, 0, 4, 1 },
		{ "bad labels", "d:1|t|#le:1\nq:1|h|#le:1\nk:1|g|#a.b:1,a_b:2\n", 0, 0, 0, 3, 0 },
		{ "own names reserved", "lm_export_series:5|g\nlm_export_dump_bytes:1|g\n", LM_EXPO_SELF, 0, 2, 0, 0 },
	};
	struct lm_expo_stats st;
	struct lm_buf b;
	size_t i;
	int rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		lm_buf_init(&b, 0);
		memset(&st, 0xff, sizeof st);
		rc = lm_expo(&b, v[i].dump, strlen(v[i].dump), v[i].flags, NULL, &st);
		T_OK(rc == 0 && st.series == v[i].series && st.skipped == v[i].skipped
		    && st.invalid == v[i].invalid && st.families == v[i].families
		    && st.bytes == strlen(v[i].dump),
		    "stats %s: series %zu/%zu skipped %zu/%zu invalid %zu/%zu families %zu/%zu",
		    v[i].name, st.series, v[i].series, st.skipped, v[i].skipped,
		    st.invalid, v[i].invalid, st.families, v[i].families);
		lm_buf_free(&b);
	}
}

/* lmexport's own gauges, in their sorted place */
static void self(void)
{
	static const char dump[] = "a:1|g\nlm_tabled_apps:2|g\nz:1|g\nz:2|g\nbad\n";
	static const char want[] =
		"# HELP a livemetrics gauge a\n"
		"# TYPE a gauge\n"
		"a 1\n"
		"# HELP lm_export_dump_bytes Bytes of table dump lmexport read for this scrape.\n"
		"# TYPE lm_export_dump_bytes gauge\n"
		"lm_export_dump_bytes 41\n"
		"# HELP lm_export_lines_invalid Table dump lines lmexport could not parse or label.\n"
		"# TYPE lm_export_lines_invalid gauge\n"
		"lm_export_lines_invalid 1\n"
		"# HELP lm_export_series Series lmexport wrote, its own excluded.\n"
		"# TYPE lm_export_series gauge\n"
		"lm_export_series 3\n"
		"# HELP lm_export_series_skipped Series lmexport left out: name or type clash, or duplicate.\n"
		"# TYPE lm_export_series_skipped gauge\n"
		"lm_export_series_skipped 1\n"
		"# HELP lm_tabled_apps livemetrics gauge lm_tabled_apps\n"
		"# TYPE lm_tabled_apps gauge\n"
		"lm_tabled_apps 2\n"
		"# HELP z livemetrics gauge z\n"
		"# TYPE z gauge\n"
		"z 1\n";
	struct lm_buf b;

	lm_buf_init(&b, 0);
	T_OK(lm_expo(&b, dump, strlen(dump), LM_EXPO_SELF, NULL, NULL) == 0, "self: ok");
	T_STREQ(b.p, want, "self gauges sorted in");
	lm_buf_reset(&b);
	T_OK(lm_expo(&b, "", 0, LM_EXPO_SELF | LM_EXPO_OM, NULL, NULL) == 0 && b.len > 6
	    && strcmp(b.p + b.len - 6, "# EOF\n") == 0 && strstr(b.p, "lm_export_series 0\n"),
	    "self gauges on an empty dump, om");
	lm_buf_free(&b);
}

/* The output buffer's cap is an error, never a silent cut. */
static void cap(void)
{
	static const char dump[] = "a:1|g\nb:2|g\nc:3|g\n";
	struct lm_buf b;
	int rc;

	lm_buf_init(&b, 40);
	rc = lm_expo(&b, dump, strlen(dump), 0, NULL, NULL);
	T_OK(rc == -1 && errno == EMSGSIZE, "output over the cap: rc %d %s", rc, strerror(errno));
	lm_buf_free(&b);
	lm_buf_init(&b, 40);
	rc = lm_expo(&b, "", 0, 0, NULL, NULL);
	T_OK(rc == 0 && b.len == 0, "empty output under a cap");
	lm_buf_free(&b);
}

/* A dump of n series over apps: gauges, counters, timers, rates. */
static char *bigdump(size_t n, size_t *len)
{
	struct lm_buf d;
	size_t i;

	lm_buf_init(&d, 0);
	lm_buf_adds(&d, "# HELP lm_tabled_apps Apps in the table.\nlm_tabled_apps:100|g\n");
	for (i = 0; i < n; i++) {
		char line[256];
		unsigned app = (unsigned)(i % 100), m = (unsigned)(i / 100);
		switch (m % 4) {
		case 0:
			snprintf(line, sizeof line, "m%u_fps:%u.5|g|#app:app%u,pid:%u,stage:s\n",
			    m, (unsigned)i, app, 1000 + app);
			break;
		case 1:
			snprintf(line, sizeof line, "m%u_frames:%u|c|#app:app%u,pid:%u\n",
			    m, (unsigned)i * 7, app, 1000 + app);
			break;
		case 2:
			snprintf(line, sizeof line,
			    "m%u_infer:%u.25|t|h:-60=%u,-55=3,-53=1,-40=1|m:0.006|x:0.031|l:0.0125"
			    "|#app:app%u,pid:%u\n",
			    m, (unsigned)i, (unsigned)i % 9 + 1, app, 1000 + app);
			break;
		default:
			snprintf(line, sizeof line, "m%u_req:%u|r|r:%u.125|#app:app%u\n",
			    m, (unsigned)i, app, app);
			break;
		}
		lm_buf_adds(&d, line);
	}
	*len = d.len;
	return d.p;
}

/* n series: 100 metrics x 100 apps, gauges and counters */
static char *flatdump(size_t n, size_t *len)
{
	struct lm_buf d;
	size_t i;

	lm_buf_init(&d, 0);
	lm_buf_adds(&d, "# HELP lm_tabled_apps Apps in the table.\nlm_tabled_apps:100|g\n");
	for (i = 0; i < n; i++) {
		char line[256];
		unsigned app = (unsigned)(i % 100), m = (unsigned)(i / 100);
		if (m % 2)
			snprintf(line, sizeof line, "m%u_frames:%u|c|#app:app%u,pid:%u\n",
			    m, (unsigned)i * 7, app, 1000 + app);
		else
			snprintf(line, sizeof line, "m%u_fps:%u.5|g|#app:app%u,pid:%u,stage:s\n",
			    m, (unsigned)i, app, 1000 + app);
		lm_buf_adds(&d, line);
	}
	*len = d.len;
	return d.p;
}

/* the protobuf output decodes (pbtext.h) */
static int decodes(const char *p, size_t n)
{
	struct lm_buf o;
	const char *why;
	int rc;

	lm_buf_init(&o, 0);
	rc = pbtext(&o, (const unsigned char *)p, n, &why);
	lm_buf_free(&o);
	return rc == 0;
}

/* every # TYPE once, families in order, no sample before its TYPE */
static int wellformed(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *nl;
	char last[256] = "", cur[256];
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return 0;
		if (strncmp(p, "# TYPE ", 7) == 0) {
			n = (size_t)(strchr(p + 7, ' ') - (p + 7));
			if (n >= sizeof cur)
				return 0;
			memcpy(cur, p + 7, n);
			cur[n] = '\0';
			if (strcmp(cur, last) <= 0)
				return 0;
			strcpy(last, cur);
		} else if (p[0] != '#') {
			if (!last[0] || strncmp(p, last, strlen(last)) != 0)
				return 0;
		}
		p = nl + 1;
	}
	return 1;
}

/* 10,000 series of gauges and counters over 100 apps; then the heavy mix
 * where every fourth line is a timer (17 samples each): the output is
 * whole and well formed; the time is printed, not asserted. */
static void speed(void)
{
	static const struct {
		const char *name;
		int heavy;
		double bound;
		size_t series;
	} v[] = {
		{ "10000 gauges and counters", 0, 0.015, 10001 },
		{ "10000 mixed with timers", 1, 0.050, 10000 + 1 + 2500 + 2500 },
	};
	struct lm_expo_stats st;
	struct lm_buf b;
	size_t len, i, k;
	char *dump;
	double best, t0, t;
	int rc, om;

	for (k = 0; k < sizeof v / sizeof v[0]; k++) {
		dump = v[k].heavy ? bigdump(10000, &len) : flatdump(10000, &len);
		for (om = 0; om <= 2; om++) {
			static const char *const fmt[] = { "text", "om", "protobuf" };
			static const int fl[] = { 0, LM_EXPO_OM, LM_EXPO_PB };
			best = 1e9;
			rc = 0;
			lm_buf_init(&b, 0);
			for (i = 0; i < 7; i++) {
				lm_buf_reset(&b);
				t0 = lm_mono();
				rc |= lm_expo(&b, dump, len, LM_EXPO_SELF | fl[om], NULL, &st);
				t = lm_mono() - t0;
				if (t < best)
					best = t;
			}
			T_OK(rc == 0 && st.series == v[k].series && st.skipped == 0
			    && st.invalid == 0 && (om == 2 ? decodes(b.p, b.len) : wellformed(b.p, b.len)),
			    "%s (%s): %zu series, %zu bytes out, families sorted, TYPE once",
			    v[k].name, fmt[om], st.series, b.len);
/* speed is measured by make bench, not asserted here */
			printf("# %s (%s) in %.2f ms\n", v[k].name, fmt[om], best * 1e3);
			lm_buf_free(&b);
		}
		free(dump);
	}
}

/* Protobuf: the same dumps, decoded back to text by pbtext.h. */
static const struct row pbrows[] = {
	{ "empty", 0, "", "" },
	{ "gauge counter labels", 0,
		"fps:29.5|g|#app:cam,k:a\"b\\\\c\n"
		"frames:100|c|#app:cam\n",
		"family fps gauge help=livemetrics gauge fps\n"
		" metric {app=\"cam\",k=\"a\"b\\\\c\"} 29.5\n"
		"family frames_total counter help=livemetrics counter frames\n"
		" metric {app=\"cam\"} 100\n" },
	{ "timer: native and classic", 0,
		"infer:20.088|t|h:-63=2,-29=1,35=1|z:1|m:0|x:20|#app:cam\n",
		"family infer_seconds histogram help=livemetrics timer infer, seconds\n"
		" metric {app=\"cam\"} count=5 bucket 0.0005:1 bucket 0.001:1 bucket 0.0025:1"
		" bucket 0.005:3 bucket 0.01:3 bucket 0.025:3 bucket 0.05:3 bucket 0.1:4"
		" bucket 0.25:4 bucket 0.5:4 bucket 1:4 bucket 2.5:4 bucket 5:4 bucket 10:4"
		" sum=20.088 schema=3 zt=9.094947017729282e-13 zc=1\n"
		"  pos -63:2 -29:1 35:1\n" },
	{ "spans: runs and gaps", 0,
		"t:1|t|h:-3=1,-2=4,-1=2,5=1,6=7,9=2\n",
		"family t_seconds histogram help=livemetrics timer t, seconds\n"
		" metric {} count=17 bucket 0.0005:0 bucket 0.001:0 bucket 0.0025:0"
		" bucket 0.005:0 bucket 0.01:0 bucket 0.025:0 bucket 0.05:0 bucket 0.1:0"
		" bucket 0.25:0 bucket 0.5:0 bucket 1:7 bucket 2.5:17 bucket 5:17 bucket 10:17"
		" sum=1 schema=3 zt=9.094947017729282e-13 zc=0\n"
		"  pos -3:1 -2:4 -1:2 5:1 6:7 9:2\n" },
	{ "h: negative buckets, no _seconds", 0,
		"hh:-3.1|h|h:0=1,8=1|H:13=1,14=1|m:-3.1|x:2|l:-3.1|#app:A\n",
		"family hh histogram help=livemetrics histogram hh\n"
		" metric {app=\"A\"} count=4 bucket 0.001:2 bucket 0.01:2 bucket 0.1:2"
		" bucket 1:3 bucket 10:4 bucket 100:4 bucket 1000:4 bucket 10000:4"
		" bucket 100000:4 bucket 1000000:4 sum=-3.1 schema=3 zt=9.094947017729282e-13 zc=0\n"
		"  neg 13:1 14:1\n"
		"  pos 0:1 8:1\n"
		"family hh_last gauge help=livemetrics histogram hh, last observation\n"
		" metric {app=\"A\"} -3.1\n" },
	{ "sample rate: float counts", 0,
		"d:3|d|h:0=2.5,8=0.5|z:0.25|@0.5|#app:A\n",
		"family d histogram help=livemetrics histogram d\n"
		" metric {app=\"A\"} count=3.25 bucket 0.001:0.25 bucket 0.01:0.25 bucket 0.1:0.25"
		" bucket 1:2.75 bucket 10:3.25 bucket 100:3.25 bucket 1000:3.25 bucket 10000:3.25"
		" bucket 100000:3.25 bucket 1000000:3.25 sum=3 schema=3 zt=9.094947017729282e-13 zc=0.25\n"
		"  pos 0:2.5 8:0.5\n" },
	{ "help text raw", 0,
		"# HELP g a \\ help \"quoted\"\n"
		"g:1|g\n",
		"family g gauge help=a \\ help \"quoted\"\n"
		" metric {} 1\n" },
	{ "clash and duplicate left out", 0,
		"x_total:1|g\nx:2|c\na:1|g|#app:x\na:2|g|#app:x\n",
		"family a gauge help=livemetrics gauge a\n"
		" metric {app=\"x\"} 1\n"
		"family x_total gauge help=livemetrics gauge x_total\n"
		" metric {} 1\n" },
};

static void pb(void)
{
	struct lm_buf b, o;
	const char *why;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof pbrows / sizeof pbrows[0]; i++) {
		lm_buf_init(&b, 0);
		lm_buf_init(&o, 0);
		snprintf(name, sizeof name, "protobuf %s", pbrows[i].name);
		if (lm_expo(&b, pbrows[i].dump, strlen(pbrows[i].dump), LM_EXPO_PB, NULL, NULL) < 0)
			T_OK(0, "%s: lm_expo failed: %s", name, strerror(errno));
		else if (pbtext(&o, (const unsigned char *)b.p, b.len, &why) < 0)
			T_OK(0, "%s: does not decode: %s", name, why);
		else
			T_STREQ(o.p ? o.p : "", pbrows[i].want, name);
		lm_buf_free(&b);
		lm_buf_free(&o);
	}
	/* OM is ignored; lmexport's own families come too */
	lm_buf_init(&b, 0);
	lm_buf_init(&o, 0);
	T_OK(lm_expo(&b, "a:1|g\n", 6, LM_EXPO_PB | LM_EXPO_OM | LM_EXPO_SELF, NULL, NULL) == 0
	    && pbtext(&o, (const unsigned char *)b.p, b.len, &why) == 0
	    && strstr(o.p, "family a gauge") && strstr(o.p, "family lm_export_series gauge")
	    && !strstr(o.p, "EOF"), "protobuf: own families, OM flag ignored");
	lm_buf_free(&b);
	lm_buf_free(&o);
	/* the cap is an error, never a cut message */
	lm_buf_init(&b, 30);
	errno = 0;
	T_OK(lm_expo(&b, "a:1|g\nb:2|g\n", 12, LM_EXPO_PB, NULL, NULL) == -1 && errno == EMSGSIZE,
	    "protobuf: output over the cap");
	lm_buf_free(&b);
}

/* Bounds: parsing (many bad rows) and use. */
static void bounds(void)
{
	static const struct {
		const char *arg;
		int named, ok;
		size_t n;
	} v[] = {
		{ "0.1,0.2,0.5", 0, 1, 3 },
		{ "1e-3,2E-3,1", 0, 1, 3 },
		{ "5", 0, 1, 1 },
		{ "", 0, 0, 0 },
		{ ",", 0, 0, 0 },
		{ "0.1,", 0, 0, 0 },
		{ ",0.1", 0, 0, 0 },
		{ "0.1,,0.2", 0, 0, 0 },
		{ "0.2,0.1", 0, 0, 0 },
		{ "0.1,0.1", 0, 0, 0 },
		{ "0,1", 0, 0, 0 },
		{ "-1,1", 0, 0, 0 },
		{ "1,inf", 0, 0, 0 },
		{ "1,+Inf", 0, 0, 0 },
		{ "nan", 0, 0, 0 },
		{ "1e999", 0, 0, 0 },
		{ "0x10", 0, 0, 0 },
		{ "1 ,2", 0, 0, 0 },
		{ "1;2", 0, 0, 0 },
		{ "latency=0.01,0.02", 1, 1, 2 },
		{ "db.query-x/y=1", 1, 1, 1 },
		{ "latency_seconds=1,2", 1, 1, 2 },
		{ "latency", 1, 0, 0 },
		{ "=1,2", 1, 0, 0 },
		{ "a b=1", 1, 0, 0 },
		{ "a:b=1", 1, 0, 0 },
		{ "latency=", 1, 0, 0 },
		{ "latency=2,1", 1, 0, 0 },
		{ "x=1=2", 1, 0, 0 },
	};
	struct lm_expo_le set;
	struct lm_expo_opt opt;
	struct lm_buf b, big;
	const char *why;
	size_t i;
	int rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		why = NULL;
		rc = v[i].named ? lm_expo_le_named(v[i].arg, &set, &why)
		    : lm_expo_le_parse(v[i].arg, &set, &why);
		T_OK(v[i].ok ? rc == 0 && set.n == v[i].n : rc == -1 && why && *why,
		    "bounds \"%s\": %s (%s)", v[i].arg, v[i].ok ? "ok" : "refused",
		    rc ? why : "taken");
	}
	lm_buf_init(&big, 0);
	for (i = 1; i <= LM_EXPO_LE_MAX + 1; i++) {
		if (i > 1)
			lm_buf_addc(&big, ',');
		lm_buf_addnum(&big, (double)i);
		if (i == LM_EXPO_LE_MAX)
			T_OK(lm_expo_le_parse(big.p, &set, &why) == 0 && set.n == LM_EXPO_LE_MAX,
			    "bounds: %d taken", LM_EXPO_LE_MAX);
	}
	T_OK(lm_expo_le_parse(big.p, &set, &why) == -1, "bounds: %d refused (%s)",
	    LM_EXPO_LE_MAX + 1, why);
	lm_buf_free(&big);

	/* a set by wire name, one by family name, the timer default, h's default */
	{
		static struct lm_expo_le sets[2], tl, hl;
		static const char dump[] =
		    "a.b:1|t|h:-8=1,0=1\n"
		    "c:1|t|h:-8=1,0=1\n"
		    "d:1|t|h:-8=1,0=1\n"
		    "h:1|h|h:-8=1,0=1\n";
		static const char want[] =
		    "# HELP a_b_seconds livemetrics timer a_b, seconds\n"
		    "# TYPE a_b_seconds histogram\n"
		    "a_b_seconds_bucket{le=\"0.5\"} 1\n"
		    "a_b_seconds_bucket{le=\"+Inf\"} 2\n"
		    "a_b_seconds_sum 1\n"
		    "a_b_seconds_count 2\n"
		    "# HELP c_seconds livemetrics timer c, seconds\n"
		    "# TYPE c_seconds histogram\n"
		    "c_seconds_bucket{le=\"0.25\"} 0\n"
		    "c_seconds_bucket{le=\"1\"} 2\n"
		    "c_seconds_bucket{le=\"+Inf\"} 2\n"
		    "c_seconds_sum 1\n"
		    "c_seconds_count 2\n"
		    "# HELP d_seconds livemetrics timer d, seconds\n"
		    "# TYPE d_seconds histogram\n"
		    "d_seconds_bucket{le=\"2\"} 2\n"
		    "d_seconds_bucket{le=\"+Inf\"} 2\n"
		    "d_seconds_sum 1\n"
		    "d_seconds_count 2\n"
		    "# HELP h livemetrics histogram h\n"
		    "# TYPE h histogram\n"
		    "h_bucket{le=\"0.75\"} 1\n"
		    "h_bucket{le=\"+Inf\"} 2\n"
		    "h_sum 1\n"
		    "h_count 2\n";
		T_OK(lm_expo_le_named("a.b=0.5", &sets[0], &why) == 0
		    && lm_expo_le_named("c_seconds=0.25,1", &sets[1], &why) == 0
		    && lm_expo_le_parse("2", &tl, &why) == 0
		    && lm_expo_le_parse("0.75", &hl, &why) == 0, "bounds: sets parsed");
		opt.timer_le = &tl;
		opt.hist_le = &hl;
		opt.sets = sets;
		opt.nsets = 2;
		lm_buf_init(&b, 0);
		T_OK(lm_expo(&b, dump, strlen(dump), 0, &opt, NULL) == 0, "bounds: lm_expo");
		T_STREQ(b.p ? b.p : "", want, "bounds: wire name, family name, defaults");
		lm_buf_free(&b);
	}
	/* bounds at schema-3 bucket edges 2^(k/8) count exactly */
	{
		static struct lm_expo_le sets[1];
		static const char dump[] = "x:1|t|h:-9=1,-8=2,-7=4\n";
		T_OK(lm_expo_le_named("x=0.4585020216023356,0.5,0.5452538663326288", &sets[0], &why) == 0,
		    "bounds: edges parsed");
		opt.timer_le = NULL;
		opt.hist_le = NULL;
		opt.sets = sets;
		opt.nsets = 1;
		lm_buf_init(&b, 0);
		T_OK(lm_expo(&b, dump, strlen(dump), 0, &opt, NULL) == 0
		    && strstr(b.p, "le=\"0.4585020216023356\"} 1\n")
		    && strstr(b.p, "le=\"0.5\"} 3\n")
		    && strstr(b.p, "le=\"0.5452538663326288\"} 7\n"),
		    "bounds: at bucket edges the counts are exact");
		lm_buf_free(&b);
	}
}

int main(void)
{
	t_file = "test_expo";
	table();
	stats();
	self();
	cap();
	pb();
	bounds();
	speed();
	return T_DONE();
}
