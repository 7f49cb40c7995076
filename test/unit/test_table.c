/* test_table: table logic: kinds, identity, rates over time, ttl, caps. */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "expocmp.h"
#include "lm_buf.h"
#include "lm_table.h"

static struct lm_table *tb;
static struct lm_buf dump;
static long dead_pid = -1;
static double dump_now = 100;

static int alive(long pid)
{
	return pid != dead_pid;
}

static size_t in(const char *s, long pid, double now)
{
	struct lm_cred c = { 1, pid > 0 ? pid : 4242, 1000, NULL };
	return lm_table_ingest(tb, s, strlen(s), &c, now, 1700000000 + now);
}

/* the dump line for NAME of app APP, without its tags, or "" */
static const char *get(const char *name, const char *tags)
{
	static char out[1024];
	size_t pos = 0, n, nl = strlen(name);
	const char *p;

	lm_buf_reset(&dump);
	lm_table_dump(tb, &dump, dump_now);
	while (lm_next_line(dump.p, dump.len, &pos, &p, &n)) {
		const char *h = memchr(p, '#', n);
		if (n > nl && memcmp(p, name, nl) == 0 && p[nl] == ':' && h &&
		    (size_t)(p + n - h - 1) == strlen(tags) && memcmp(h + 1, tags, strlen(tags)) == 0) {
			memcpy(out, p, (size_t)(h - p - 1));
			out[h - p - 1] = 0;
			return out;
		}
	}
	return "";
}

/* the whole dump at time now (a static buffer) */
static const char *dump_all(double now)
{
	static struct lm_buf b;
	static int ready;

	if (!ready++)
		lm_buf_init(&b, 0);
	lm_buf_reset(&b);
	lm_table_dump(tb, &b, now);
	return b.p ? b.p : "";
}

static struct lm_table *mk(size_t apps, size_t series, size_t perapp, double ttl)
{
	struct lm_table_cfg cfg = { apps, series, perapp, ttl, 5, NULL, NULL, NULL, 0, 0, 0, NULL };
	lm_table_free(tb);
	return tb = lm_table_new(&cfg);
}

int main(void)
{
	struct lm_table_stats *st;

	t_file = "test_table";
	lm_buf_init(&dump, 0);
	mk(10, 100, 50, 60);
	st = lm_table_stats(tb);

	/* kinds */
	in("c:1|c|#app:a\nc:2|c|#app:a\nc:1|c|@0.5|#app:a", 0, 1);
	T_STREQ(get("c", "app:a,uid:1000"), "c:5|c", "counter adds, sample rate");
	in("g:5|g|#app:a\ng:+2|g|#app:a\ng:-10|g|#app:a", 0, 1);
	T_STREQ(get("g", "app:a,uid:1000"), "g:-3|g", "gauge set and deltas");
	in("g:7|g|#app:a", 0, 1);
	T_STREQ(get("g", "app:a,uid:1000"), "g:7|g", "gauge set after deltas");
	in("t:0.001953125|t|#app:a\nt:15.625|ms|#app:a\nt:1:2|t|#app:a", 0, 1);
	T_STREQ(get("t", "app:a,uid:1000"), "t:3.017578125|t|h:-72=1,-48=1,0=1,8=1|m:0.001953125|x:2|l:2",
		"timer t and ms, packed values: exact extremes");
	in("t:8.5|t|h:-8=3,16=2|z:1|m:0|x:3.5|l:0.25|#app:a", 0, 1);
	T_STREQ(get("t", "app:a,uid:1000"), "t:11.517578125|t|h:-72=1,-48=1,-8=3,0=1,8=1,16=2|z:1|m:0|x:3.5|l:0.25",
		"aggregated timer line: buckets add, extremes widen");
	in("t:0.5|t|h:-8=1|l:0.5|#app:a", 0, 1);
	T_STREQ(get("t", "app:a,uid:1000"), "t:12.017578125|t|h:-72=1,-48=1,-8=4,0=1,8=1,16=2|z:1|m:0|x:3.5|l:0.5",
		"timer line without extremes: within the known ones");
	in("h:3|h|#app:a\nh:-1|d|#app:a\nh:10|h|h:19=4|m:2.5|x:2.5|#app:a", 0, 1);
	T_STREQ(get("h", "app:a,uid:1000"), "h:12|h|h:13=1,19=4|H:0=1|m:-1|x:3|l:2.5", "histogram and distribution");
	T_OK(in("b:1|t|#app:a\nb:2|t|@0.001|#app:a", 0, 1) == 0, "timer with a sample rate");
	T_STREQ(get("b", "app:a,uid:1000"), "b:2001|t|h:0=1,8=1000|m:1|x:2|l:2", "sample rate weighs the buckets");
	T_OK(in("t:1e308|t|h:1=1|#app:a\nt:1e308|t|h:1=1|#app:a", 0, 1) == 1 &&
		st->rejected[LM_WE_VALUE] == 1, "a histogram sum that would overflow is refused whole");
	T_OK(in("sp:1e-9|t|#app:a\nsp:1e9|t|#app:a", 0, 1) == 0 && st->hist_clamped == 1, "span past its cap: counted");
	st->rejected[LM_WE_VALUE] = 0;
	in("x.y-z:1|c|#app:a", 0, 1);
	T_STREQ(get("x_y_z", "app:a,uid:1000"), "x_y_z:1|c", "names sanitised");

	/* refusals */
	T_OK(in("c:1|g|#app:a", 0, 1) == 1 && st->rejected[LM_RJ_CONFLICT] == 1, "type conflict rejected");
	T_OK(in("f:1|r|r:5|#app:a", 0, 1) == 1 && st->rejected[LM_RJ_STATE] == 1, "state field rejected on ingest");
	T_OK(in("junk\nx:1|zz\nok:1|c|#app:a", 0, 1) == 2 && st->rejected[LM_WE_SYNTAX] == 1 &&
		st->rejected[LM_WE_TYPE] == 1, "bad lines counted, good line kept");
	/* StatsD and DogStatsD constructs we refuse: each counted by its reason,
	 * the good line of the datagram kept */
	T_OK(in("n:-5|c|#app:a\nn:3|c|#app:a\nn:1:-1|c|#app:a", 0, 1) == 2 &&
		st->rejected[LM_WE_NEGCOUNT] == 2, "negative counter increments: negative_counter");
	T_STREQ(get("n", "app:a,uid:1000"), "n:3|c", "the counter never falls");
	T_OK(in("u:alice|s|#app:a\nu:bob|s|#app:a", 0, 1) == 2 && st->rejected[LM_WE_SET] == 2,
		"sets: set");
	T_STREQ(get("u", "app:a,uid:1000"), "", "a set makes no series");
	T_OK(in("_e{5,4}:title|text|#app:a", 0, 1) == 1 && st->rejected[LM_WE_EVENT] == 1,
		"events: event");
	T_OK(in("_sc|db.up|0|#app:a\n_sc|db.up|2|m:down", 0, 1) == 2 && st->rejected[LM_WE_SVCCHECK] == 2,
		"service checks: service_check");
	T_OK(in("d:1|c|#app:a,k:1,k:2", 0, 1) == 1, "the same label twice rejected");

	/* identity: tags, labels, pid claims */
	in("c:1|c|#app:b,zone:west,env:prod", 0, 1);
	T_STREQ(get("c", "app:b,uid:1000,env:prod,zone:west"), "c:1|c", "tags sorted after identity");
	in("c:1|c|#app:b,uid:x,le:y", 0, 1);
	T_STREQ(get("c", "app:b,uid:1000,tag_le:y,tag_uid:x"), "c:1|c", "reserved labels renamed");
	T_OK(in("c:1|c|#app:p,pid:999", 42, 1) == 0, "a pid claim from another pid namespace binds the kernel's pid");
	T_OK(in("c:1|c|#app:p,pid:42", 42, 1) == 0, "a true pid claim accepted");
	T_STREQ(get("c", "app:p,uid:1000"), "c:2|c", "two processes of one app: one series, no pid label");
	T_OK(in("g:1e308|g|#app:p\ng:+1e308|g|#app:p", 0, 1) == 1 && st->rejected[LM_WE_VALUE] == 1,
		"an overflowing gauge is refused");
	T_STREQ(get("g", "app:p,uid:1000"), "g:1e+308|g", "and keeps its last finite value");
	T_OK(in("k:1|c|#app:p,a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1", 0, 1) == 0,
		"12 tags of its own: kept");
	T_OK(in("k:1|c|#app:p,a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1,j:1,k:1,l:1,m:1", 0, 1) == 1,
		"13 tags of its own: no room for the identity in the dump");
	in("c:1|c|#app:p,container:abc", 0, 1);
	in("c:1|c|c:abc|#app:p", 0, 1);
	T_STREQ(get("c", "app:p,container:abc,uid:1000"), "c:2|c", "container tag and c: field");
	in("c:1|c", 0, 1);
	T_STREQ(get("c", "app:unknown,uid:1000"), "c:1|c", "no app tag and no name: unknown");

	/* rates: 30 events a second for 10 s, then silence */
	{
		int i;
		double r;
		const char *s;
		mk(10, 100, 50, 60);
		for (i = 0; i < 100; i++)
			in("fps:3|r|#app:r", 0, 100 + i * 0.1);
		dump_now = 109.95;
		s = get("fps", "app:r,uid:1000");
		dump_now = 100;
		r = strtod(strstr(s, "r:") + 2, NULL);
		T_OK(strncmp(s, "fps:300|r|", 10) == 0 && r > 27 && r < 33, "rate ~30/s: %s", s);
	}
	{
		/* the window slides: dump at a later time */
		struct lm_buf b;
		const char *p;
		lm_buf_init(&b, 0);
		lm_table_dump(tb, &b, 100 + 9.9 + 2.5);
		p = strstr(b.p, "fps:300|r|r:");
		T_OK(p && strtod(p + 12, NULL) > 10 && strtod(p + 12, NULL) < 20, "rate halves after half a window");
		lm_buf_reset(&b);
		lm_table_dump(tb, &b, 100 + 9.9 + 6);
		T_OK(strstr(b.p, "fps:300|r|r:0|") != NULL, "rate 0 after a silent window");
		lm_buf_free(&b);
	}

	/* ttl and pid expiry (linger 0) */
	mk(10, 100, 50, 60);
	in("c:1|c|#app:old", 0, 0);
	in("c:1|c|#app:new", 0, 50);
	in("c:1|c|#app:bound,pid:77", 77, 50);
	T_OK(lm_table_sweep(tb, 61, alive) == 1 && lm_table_apps(tb) == 2, "ttl drops the silent app");
	dead_pid = 77;
	T_OK(lm_table_sweep(tb, 62, alive) == 1 && lm_table_apps(tb) == 1, "a dead pid drops its app");
	T_OK(lm_table_stats(tb)->dropped_ttl == 1 && lm_table_stats(tb)->dropped_pid == 1, "drops counted");
	T_OK(lm_table_series(tb) == 1, "their series went too");
	in("c:1|c|#app:old", 0, 63);
	T_STREQ(get("c", "app:old,uid:1000"), "c:1|c", "a dropped app starts anew");

	/* processes of one app, restarts and the linger */
	{
		struct lm_table_cfg cfg = { 10, 100, 50, 60, 5, NULL, NULL, NULL, 0, 30, 0, NULL };
		lm_table_free(tb);
		tb = lm_table_new(&cfg);
		dead_pid = 0;
		in("n:1|c|#app:w,pid:1\nl:0.5|t|#app:w,pid:1\ng:1|g|#app:w,pid:1", 11, 0);
		in("n:2|c|#app:w,pid:2\nl:0.1|t|#app:w,pid:2\ng:2|g|#app:w,pid:2", 12, 0);
		T_STREQ(get("n", "app:w,uid:1000"), "n:3|c", "two processes: counters add");
		T_STREQ(get("l", "app:w,uid:1000"), "l:0.6|t|h:-26=1,-8=1|m:0.1|x:0.5|l:0.1", "timers add");
		T_STREQ(get("g", "app:w,uid:1000"), "g:2|g", "a gauge takes the last value written");
		T_OK(strstr(dump_all(10), "lm_app_up:1|g|#app:w,uid:1000\n") != NULL, "up while a process lives");
		dead_pid = 11;
		T_OK(lm_table_sweep(tb, 100, alive) == 0 && strstr(dump_all(100), "lm_app_up:1|g|#app:w,") != NULL,
			"one process gone, the other keeps it up (and the ttl does not apply)");
		dead_pid = 12;
		T_OK(lm_table_sweep(tb, 101, alive) == 0 && strstr(dump_all(101), "lm_app_up:0|g|#app:w,") != NULL &&
			strstr(dump_all(101), "\nn:3|c|#app:w,") != NULL, "the last one gone: down, final values still served");
		in("n:5|c|#app:w,pid:13", 13, 110);
		T_OK(strstr(dump_all(110), "lm_app_up:1|g|#app:w,") != NULL, "a restart within the linger: up again");
		T_STREQ(get("n", "app:w,uid:1000"), "n:8|c", "and its counter goes on");
		dead_pid = 13;
		T_OK(lm_table_sweep(tb, 111, alive) == 0 && lm_table_sweep(tb, 140, alive) == 0 &&
			lm_table_sweep(tb, 141, alive) == 1 && lm_table_apps(tb) == 0, "dropped after the linger");
		/* a sender without a pid tag: up within the ttl, then the linger */
		in("c:1|c|#app:cli", 0, 200);
		T_OK(lm_table_sweep(tb, 261, alive) == 0 && strstr(dump_all(261), "lm_app_up:0|g|#app:cli,") != NULL &&
			lm_table_sweep(tb, 291, alive) == 1, "cli: down after the ttl, dropped after the linger");
		/* split by process (-S): the pid keys and labels the series */
		cfg.split_pid = 1;
		lm_table_free(tb);
		tb = lm_table_new(&cfg);
		in("n:1|c|#app:w,pid:1", 21, 0);
		in("n:2|c|#app:w,pid:2", 22, 0);
		T_OK(!strcmp(get("n", "app:w,pid:21,uid:1000"), "n:1|c") && !strcmp(get("n", "app:w,pid:22,uid:1000"), "n:2|c"),
			"split by process: a series each");
	}

	/* names and tag keys too long once made Prometheus-safe: refused at
	 * ingest (fuzz findings table-1..3), never dumped */
	{
		char line[400];
		mk(10, 100, 50, 60);
		st = lm_table_stats(tb);
		snprintf(line, sizeof line, "2%0127d:1|g|#app:a", 0);
		T_OK(in(line, 0, 1) == 1 && st->rejected[LM_WE_NAME] == 1, "128-byte name with a leading digit: name");
		snprintf(line, sizeof line, "k:1|g|#app:a,9%063d:v", 0);
		T_OK(in(line, 0, 1) == 1 && st->rejected[LM_WE_TAG] == 1, "64-byte tag key with a leading digit: tag");
		snprintf(line, sizeof line, "%0128d:1|g|#app:a", 0);
		T_OK(in(line, 0, 1) == 1, "128 zeros: too long once sanitised");
		snprintf(line, sizeof line, "a%0127d:1|g|#app:a", 0);
		T_OK(in(line, 0, 1) == 0, "128 bytes that need nothing: kept");
	}

	/* names that belong to Prometheus or to us, and names that clash */
	mk(10, 100, 50, 60);
	st = lm_table_stats(tb);
	T_OK(in("up:0|g|#app:x\nscrape_duration_seconds:1|g|#app:x\nALERTS:1|g|#app:x\n"
		"lm_tabled_series:1|g|#app:x\nlm.x:1|c|#app:x\nscrape:1|t|#app:x\nup:1|c|#app:x", 0, 1) == 7 &&
		st->rejected[LM_RJ_RESERVED] == 7, "reserved names refused (%llu)",
		(unsigned long long)st->rejected[LM_RJ_RESERVED]);
	T_OK(in("frames:1|c|#app:a\nframes_total:1|g|#app:b", 0, 1) == 1 && st->rejected[LM_RJ_CONFLICT] == 1,
		"a gauge frames_total clashes with a counter frames");
	T_OK(in("frames_total:1|c|#app:c", 0, 1) == 0, "a counter frames_total is the same family");
	T_OK(in("lat:1|t|#app:a\nlat_seconds_count:1|g|#app:b\nlat_last_seconds:1|c|#app:b\nfps:1|r|#app:a\n"
		"fps_hertz:1|c|#app:b\nfps_events:1|g|#app:b", 0, 1) == 4 && st->rejected[LM_RJ_CONFLICT] == 5,
		"histogram samples, the last-value gauge, rate families and their OpenMetrics names clash");
	T_OK(in("fps_hertz:1|g|#app:b", 0, 1) == 0, "the same family from another app: fine");
	in("z:1|g|#app:gone,pid:9", 9, 1);
	dead_pid = 9;
	lm_table_sweep(tb, 2, alive);
	T_OK(in("z:1|c|#app:other", 0, 3) == 0, "a name is free again once its series are gone");
	dead_pid = 0;

	/* caps */
	mk(2, 5, 3, 0);
	st = lm_table_stats(tb);
	in("a:1|c|#app:1\nb:1|c|#app:1\nc:1|c|#app:1\nd:1|c|#app:1", 0, 1);
	T_OK(st->rejected[LM_RJ_SERIES] == 1 && lm_table_series(tb) == 3, "per-app series cap");
	in("a:1|c|#app:2\nb:1|c|#app:2\nc:1|c|#app:2", 0, 1);
	T_OK(st->rejected[LM_RJ_SERIES] == 2 && lm_table_series(tb) == 5, "total series cap");
	in("a:1|c|#app:3", 0, 1);
	T_OK(st->rejected[LM_RJ_APPS] == 1 && lm_table_apps(tb) == 2, "app cap");
	T_OK(lm_table_sweep(tb, 1e9, NULL) == 0, "ttl 0 never expires");

	/* many series: the hash grows and finds them all */
	{
		char line[64];
		int i, ok = 1;
		mk(10, 100000, 100000, 0);
		for (i = 0; i < 5000; i++) {
			snprintf(line, sizeof line, "m%d:%d|g|#app:big", i, i);
			in(line, 0, 1);
		}
		for (i = 0; i < 5000; i += 499) {
			char name[16], want[32];
			snprintf(name, sizeof name, "m%d", i);
			snprintf(want, sizeof want, "m%d:%d|g", i, i);
			ok &= strcmp(get(name, "app:big,uid:1000"), want) == 0;
		}
		T_OK(ok && lm_table_series(tb) == 5000, "5000 series held and found");
	}
	/* knobs */
	{
		static const struct { const char *req; int may, rc; const char *ans; } kr[] = {
			{ "get det res", 1, 0, "unset\n" },
			{ "set det res 720", 0, 0, "error permission\n" },
			{ "set det res 720", 1, 1, "ok\n" },
			{ "get det res", 0, 0, "ok 720\n" },
			{ "set det mode fast", 1, 1, "ok\n" },
			{ "set det res 1080", 1, 1, "ok\n" },
			{ "get det res", 0, 0, "ok 1080\n" },
			{ "knobs", 0, 0, "set det res 1080\nset det mode fast\n" },
			{ "set det res a,b", 1, 0, "error bad_value\n" },
			{ "set det res a|b", 1, 0, "error bad_value\n" },
			{ "set det bad|knob 1", 1, 0, "error bad_knob\n" },
			{ "set de#t res 1", 1, 0, "error bad_app\n" },
			{ "set det res", 1, 0, "error usage\n" },
			{ "set det res 1 2", 1, 0, "error usage\n" },
			{ "get det", 0, 0, "error usage\n" },
			{ "knobs extra", 0, 0, "error usage\n" },
			{ "unset det mode", 0, 0, "error permission\n" },
			{ "unset det mode", 1, 1, "ok\n" },
			{ "unset det mode", 1, 0, "ok\n" },
			{ "get det mode", 0, 0, "unset\n" },
			{ "  get   det   res  ", 0, 0, "ok 1080\n" },
			{ "dump", 0, -1, "" },
			{ "", 0, -1, "" },
			{ "frobnicate det", 0, -1, "" },
		};
		struct lm_buf a;
		size_t i;
		int rc;
		mk(10, 100, 50, 0);
		lm_buf_init(&a, 0);
		for (i = 0; i < sizeof kr / sizeof kr[0]; i++) {
			lm_buf_reset(&a);
			rc = lm_table_request(tb, kr[i].req, strlen(kr[i].req), kr[i].may, 1700000000, &a);
			T_OK(rc == kr[i].rc && strcmp(a.len ? a.p : "", kr[i].ans) == 0,
				"knob request [%s]: rc %d, %zu bytes of answer", kr[i].req, rc, a.len);
		}
		lm_buf_reset(&a);
		lm_table_request(tb, "set det res 1", 13, 1, 1, &a);
		lm_table_undo(tb);
		lm_buf_reset(&a);
		lm_table_request(tb, "get det res", 11, 0, 1, &a);
		T_STREQ(a.p, "ok 1080\n", "undo restores the old value");
		lm_table_request(tb, "set det new 1", 13, 1, 1, &a);
		lm_table_undo(tb);
		lm_buf_reset(&a);
		lm_table_request(tb, "get det new", 11, 0, 1, &a);
		T_STREQ(a.p, "unset\n", "undo removes a new knob");
		lm_table_request(tb, "set det mode fast", 17, 1, 1700000000.5, &a);
		T_STREQ(get("lm_knob", "app:det,knob:res"), "lm_knob:1080|g", "a number knob in the dump");
		T_STREQ(get("lm_knob_info", "app:det,knob:mode,value:fast"), "lm_knob_info:1|g", "a string knob in the dump");
		T_STREQ(get("lm_knob_set_timestamp_seconds", "app:det,knob:mode"),
			"lm_knob_set_timestamp_seconds:1700000000.5|g", "when it was set");
		for (i = 0; i < LM_KNOBS_MAX + 5; i++) {
			char r[64];
			lm_buf_reset(&a);
			snprintf(r, sizeof r, "set app%zu k 1", i);
			rc = lm_table_request(tb, r, strlen(r), 1, 1, &a);
		}
		T_STREQ(a.p, "error limit\n", "at most LM_KNOBS_MAX knobs");
		lm_buf_free(&a);
	}
	{
		/* the exposition the table renders: what lm_expo makes of the
		 * dump (lm_export_* aside), in every format, from the caches
		 * the second time, and again after every kind of change */
		static const char lines[] =
			"c:1|c|#app:a\ng:2.5|g|#app:a,k:v\ng:-1|g|#app:b,k:v\n"
			"t:0.5|t|#app:a\nt:20|ms|#app:a\nq:3|h|#app:a\nq:-2|d|#app:b\n"
			"fps:3|r|#app:a\nesc:1|g|#app:a,q:a\"b,bs:a\\b\n"
			"Zeta:1|g|#app:a\nlz:1|c|#app:a\nlm:1|g|#app:a\ndb.query:0.25|t|#app:a,container:c1\n";
		struct lm_expo_le b1, bt;
		struct lm_expo_opt opt;
		const char *why;
		struct lm_buf x;
		int f, ok = 1;

		mk(10, 100, 50, 60);
		st = lm_table_stats(tb);
		in(lines, 0, 1);
		for (f = 0; f < 3; f++)
			ok &= expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, NULL, NULL, 2) &&
				expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, NULL, NULL, 2);
		T_OK(ok, "table exposition = lm_expo of the dump: text, OpenMetrics, protobuf");
		lm_buf_init(&x, 0);
		lm_table_request(tb, "set a res 1080", 14, 1, 1, &x);
		lm_table_request(tb, "set b mode fast", 15, 1, 1, &x);
		in("g:7|g|#app:a,k:v\nfps:5|r|#app:a\nnew:1|c|#app:c", 0, 3);
		for (f = 0, ok = 1; f < 3; f++)
			ok &= expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, NULL, NULL, 4);
		T_OK(ok, "... after updates, a new app, knobs");
		lm_buf_reset(&x);
		lm_table_expo(tb, &x, 0, NULL, NULL, 4);
		T_OK(strstr(x.p, "\ng{app=\"a\",uid=\"1000\",k=\"v\"} 7\n") != NULL,
			"an update is seen in the next scrape");
		T_OK(strstr(x.p, "esc{app=\"a\",uid=\"1000\",bs=\"a\\\\b\",q=\"a\\\"b\"} 1\n") != NULL,
			"label values escaped");
		T_OK(in("c_total:1|c|#app:a", 0, 5) == 1 && st->rejected[LM_RJ_CONFLICT] == 1,
			"a series whose family and labels another has: refused at ingest");
		T_OK(in("c_total:1|c|#app:b", 0, 5) == 0, "... from another app (other labels): taken");
		T_OK(in("t_last_seconds:1|g|#app:a", 0, 5) == 1 && in("t_last_seconds:1|g|#app:c", 0, 5) == 0,
			"a gauge where a timer's last value is: refused, for another app taken");
		memset(&opt, 0, sizeof opt);
		T_OK(lm_expo_le_parse("0.1,1", &bt, &why) == 0 && lm_expo_le_named("db.query=0.3,3", &b1, &why) == 0,
			"bound sets parse");
		opt.timer_le = &bt;
		opt.sets = &b1;
		opt.nsets = 1;
		for (f = 0, ok = 1; f < 3; f++)
			ok &= expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, &opt, "B=0.1,1 b=db.query=0.3,3", 6)
				&& expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, NULL, "", 6);
		T_OK(ok, "bound options: histograms made again when they change");
		lm_buf_reset(&x);
		lm_table_expo(tb, &x, 0, NULL, NULL, 7);
		T_OK(strstr(x.p, "\nfps_hertz{") != NULL, "a rate per second");
		dead_pid = -1;
		lm_table_sweep(tb, 100, NULL);   /* ttl 60: every app down */
		lm_table_sweep(tb, 100, NULL);   /* linger 0: dropped */
		lm_buf_reset(&x);
		lm_table_expo(tb, &x, 0, NULL, NULL, 100);
		T_OK(lm_table_apps(tb) == 0 && !strstr(x.p, "\ng{") && !strstr(x.p, "esc"),
			"dropped apps leave the exposition");
		in(lines, 0, 101);
		for (f = 0, ok = 1; f < 3; f++)
			ok &= expo_same(tb, f == 2 ? LM_EXPO_PB : f ? LM_EXPO_OM : 0, NULL, NULL, 102);
		T_OK(ok, "... and come back whole");
		lm_buf_free(&x);
	}
	lm_table_free(tb);
	lm_buf_free(&dump);
	return T_DONE();
}
