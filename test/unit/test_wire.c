/* test_wire: the wire parser, many invalid rows, and the round trip. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "lm_wire.h"

static const struct { const char *in; int err; } rows[] = {
	/* valid */
	{ "fps:1|c", 0 }, { "fps:1|r", 0 }, { "x:5|g", 0 }, { "x:-5|g", 0 },
	{ "x:+5|g", 0 }, { "latency:12.5|ms", 0 }, { "latency:0.0125|t", 0 },
	{ "size:300|h", 0 }, { "size:-3|d", 0 }, { "a.b-c/d:1|c", 0 },
	{ "x:1|c|@0.5", 0 }, { "x:1|c|#app:demo,env:prod", 0 },
	{ "x:1|c|@0.1|#app:demo", 0 }, { "x:1|c|#app:demo|@0.1", 0 },
	{ "x:1:2:3|ms", 0 }, { "x:1|c|c:abcdef0123", 0 }, { "x:1|c|T1700000000", 0 },
	{ "x:1|c|#bare,app:a", 0 }, { "x:1|c|e:external", 0 }, { "x:1|c|card:high", 0 },
	{ "l:0.3|t|h:-30=1,-14=2|m:0.08|x:0.12|l:0.1", 0 }, { "h:10|h|h:2=1,30=3|l:2", 0 },
	{ "h:-10|d|H:2=1,30=3|z:4|m:-12|x:0", 0 }, { "l:0|t|z:3", 0 }, { "l:1|t|h:-320=0", LM_WE_FIELD },
	{ "l:1|t|h:1024=1", 0 }, { "l:1|t|h:-319=1,-318=2.5", 0 }, { "f:100|r|r:29.5", 0 },
	{ "x:1e3|c", 0 }, { "x:1|c|#k:\xc3\xa9t\xc3\xa9", 0 }, { "x:1|c|#k:a:b", 0 },
	/* invalid */
	{ "", LM_WE_EMPTY }, { "x", LM_WE_SYNTAX }, { "x:1", LM_WE_SYNTAX },
	{ "x|c", LM_WE_SYNTAX }, { ":1|c", LM_WE_NAME }, { "x y:1|c", LM_WE_NAME },
	{ "x\"y:1|c", LM_WE_NAME }, { "x{a}:1|c", LM_WE_NAME }, 
	{ "x:|c", LM_WE_VALUE }, { "x:abc|c", LM_WE_VALUE }, { "x:1.2.3|c", LM_WE_VALUE },
	{ "x:nan|g", LM_WE_VALUE }, { "x:inf|g", LM_WE_VALUE }, { "x:1e999|g", LM_WE_VALUE },
	{ "x:-1|c", LM_WE_NEGCOUNT }, { "x:-1|r", LM_WE_VALUE }, { "x:-1|ms", LM_WE_VALUE },
	{ "x:1::2|ms", LM_WE_VALUE }, { "x:1|", LM_WE_TYPE }, { "x:1|s", LM_WE_SET },
	{ "x:1|cc", LM_WE_TYPE }, { "x:1|C", LM_WE_TYPE }, { "x:1|c ", LM_WE_TYPE },
	{ "x:1|c|@0", LM_WE_FIELD }, { "x:1|c|@2", LM_WE_FIELD }, { "x:1|c|@-1", LM_WE_FIELD },
	{ "x:1|c|@", LM_WE_FIELD }, { "x:1|c|@0.5|@0.5", LM_WE_FIELD }, { "x:1|c||", LM_WE_FIELD },
	{ "x:1|c|", LM_WE_FIELD }, { "x:1|c|#a:b|#c:d", LM_WE_FIELD }, { "x:1|c|Tabc", LM_WE_FIELD },
	{ "x:1|c|c:", LM_WE_FIELD }, { "x:1|c|h:0=1", LM_WE_FIELD }, { "x:1|t|h:1025=1", LM_WE_FIELD },
	{ "x:1|t|h:0=1,0=2", LM_WE_FIELD }, { "x:1|t|h:3=1,2=2", LM_WE_FIELD }, { "x:1|t|h:0=-1", LM_WE_FIELD },
	{ "x:1|t|h:", LM_WE_FIELD }, { "x:1|t|h:-321=1", LM_WE_FIELD }, { "x:1|t|h:-=1", LM_WE_FIELD },
	{ "x:1|t|h:+1=1", LM_WE_FIELD }, { "x:1|t|h:1=", LM_WE_FIELD }, { "x:1|t|h:1", LM_WE_FIELD },
	{ "x:1|t|h:1=1,", LM_WE_FIELD }, { "x:1|t|h:1=nan", LM_WE_FIELD }, { "x:1|t|h:99999999999999999999=1", LM_WE_FIELD },
	{ "x:1|t|H:1=1", LM_WE_FIELD }, { "x:1|ms|h:1=1", LM_WE_FIELD }, { "x:1|g|h:1=1", LM_WE_FIELD },
	{ "x:1|t|z:-1", LM_WE_FIELD }, { "x:1|t|z:1|z:1", LM_WE_FIELD }, { "x:1|t|h:1=1|h:2=1", LM_WE_FIELD },
	{ "x:1|t|m:1", LM_WE_FIELD }, { "x:1|t|x:1", LM_WE_FIELD }, { "x:1|t|h:1=1|m:2|x:1", LM_WE_FIELD },
	{ "x:1|t|h:1=1|m:abc", LM_WE_FIELD }, { "x:1|c|b:0=1", 0 }, { "x:1|t|n:2", 0 },
	{ "x:1:2|t|h:0=1", LM_WE_FIELD }, { "x:1|g|l:2", LM_WE_FIELD }, { "x:1|c|r:2", LM_WE_FIELD },
	{ "x:1|r|r:-2", LM_WE_FIELD },
	{ "x:1|c|#", LM_WE_TAG }, { "x:1|c|#a:b,", LM_WE_TAG }, { "x:1|c|#,a:b", LM_WE_TAG },
	{ "x:1|c|#a b:c", LM_WE_TAG }, { "x:1|c|#a:b\x01", LM_WE_TAG }, { "x:1|c|#a:\xff", LM_WE_TAG },
	{ "x:1|c|#a:\xc3", LM_WE_TAG }, { "x:1|c|#a:\xed\xa0\x80", LM_WE_TAG },
	{ "x:1|c|#a:\xc0\xaf", LM_WE_TAG }, { "x:1|c|#a:b\r", LM_WE_TAG }, { "x:1|c|#:v", LM_WE_TAG }, { "x:1|c|#app:a,:v", LM_WE_TAG },
	{ "x:1|c|#a:\"}evil{x=\"1", 0 }, { "x\\n:1|c", LM_WE_NAME },
	/* StatsD and DogStatsD constructs (docs/apps.md): each its own reason */
	{ "x:-5|c", LM_WE_NEGCOUNT }, { "x:1:-2|c", LM_WE_NEGCOUNT }, { "x:-0.5|c|@0.5", LM_WE_NEGCOUNT },
	{ "x:-5|c|#app:a", LM_WE_NEGCOUNT }, { "x:-0|c", 0 }, { "x:+5|c", 0 }, { "x:-abc|c", LM_WE_VALUE },
	{ "s:foo|s", LM_WE_SET }, { "s:1|s|@0.5|#a:b", LM_WE_SET }, { "s:|s", LM_WE_SET },
	{ "s:foo|ss", LM_WE_VALUE }, { "s:1|ss", LM_WE_TYPE }, { "s:foo|s|", LM_WE_SET },
	{ "_e{5,4}:title|text", LM_WE_EVENT }, { "_e{5,4}:title|text|d:1700000000|p:low|#a:b", LM_WE_EVENT },
	{ "_e{", LM_WE_EVENT }, { "_e:1|c", 0 }, { "_e{x:1|c", LM_WE_EVENT }, { "_E{5,4}:title|text", LM_WE_NAME },
	{ "_sc|name|0", LM_WE_SVCCHECK }, { "_sc|db.up|2|d:1700000000|h:host|#env:prod|m:down", LM_WE_SVCCHECK },
	{ "_sc|", LM_WE_SVCCHECK }, { "_sc:1|c", 0 }, { "_sc", LM_WE_SYNTAX }, { "_s|name|0", LM_WE_SYNTAX },
	{ "x:1|c|#a:b", 0 }, { "x:1|c|@0.5|#a:b,c:d", 0 }, { "x:1|ms|@0.25", 0 }, { "x:1|h|@0.5|#a:b", 0 },
	{ "x:1|d|#a:b", 0 }, { "x:1:2:3|h", 0 }, { "x:1:2|d|@0.5", 0 },
};

static uint64_t rs = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned)(rs % n);
}

/* a random number: ordinary, huge, tiny, negative, zero, NaN, Inf */
static double rnum(void)
{
	static const double odd[] = { 0, -0.0, 1e308, -1e308, 4.9e-324, 1e-300, 1.7976931348623157e308,
		NAN, INFINITY, -INFINITY, 0.1, 123456789012345678.0 };
	if (rnd(4) == 0)
		return odd[rnd(sizeof odd / sizeof odd[0])];
	return (rnd(2) ? -1 : 1) * (double)rnd(100000) / (double)(1 + rnd(1000)) * pow(10, (double)rnd(40) - 20);
}

/* random text of n bytes from an alphabet that has bad bytes too */
static void rtext(char *d, size_t n)
{
	static const char a[] = "abcXYZ019_.-/:,|# \"{}=\x01\xc3\xa9";
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = a[rnd(sizeof a - 1)];
}

/* The property: a line the formatter writes, the parser reads back equal;
 * a line it refuses, lm_line_check names a reason for. */
static void property(void)
{
	static char names[LM_TAGS_MAX * 2 + 1][200], buf[LM_LINE_MAX + 64], buf2[LM_LINE_MAX + 64];
	static struct lm_line l, back;
	unsigned i, k, written = 0, refused = 0, bad = 0;

	for (i = 0; i < 20000 && bad < 5; i++) {
		size_t n, nn = 1 + rnd(rnd(8) ? 20 : 140);
		rtext(names[0], nn);
		if (rnd(3))
			for (k = 0; k < nn; k++)
				if (!strchr("abcXYZ019_.-/", names[0][k]))
					names[0][k] = 'q';
		names[0][nn] = 0;
		lm_line_init(&l, names[0], 1 + (int)rnd(7), rnum());
		l.nvalues = 1 + rnd(3);
		for (k = 1; k < l.nvalues; k++)
			l.values[k] = rnum();
		if (rnd(4) == 0)
			l.rate = rnd(2) ? (double)(1 + rnd(100)) / 100 : rnum();
		l.ntags = rnd(rnd(4) ? 4 : LM_TAGS_MAX + 1);
		for (k = 0; k < l.ntags; k++) {
			size_t kn = 1 + rnd(rnd(8) ? 10 : 70), vn = 1 + rnd(rnd(8) ? 10 : 140);
			rtext(names[1 + 2 * k], kn);
			rtext(names[2 + 2 * k], vn);
			if (rnd(3)) {
				size_t j;
				for (j = 0; j < kn; j++)
					if (!strchr("abcXYZ019_.-/", names[1 + 2 * k][j]))
						names[1 + 2 * k][j] = 'k';
				for (j = 0; j < vn; j++)
					if (strchr(",|#\x01\xc3\xa9", names[2 + 2 * k][j]))
						names[2 + 2 * k][j] = 'v';
			}
			l.tags[k].k.p = names[1 + 2 * k];
			l.tags[k].k.n = kn;
			l.tags[k].v.p = names[2 + 2 * k];
			l.tags[k].v.n = vn;
		}
		if (rnd(5) == 0) {
			l.has_last = 1;
			l.last = rnum();
		}
		if (rnd(5) == 0) {
			l.nbk = 1 + rnd(3);
			for (k = 0; k < l.nbk; k++) {
				l.bk[k].idx = (int)rnd(400) - 200 + (int)k * 400;
				l.bk[k].neg = 0;
				l.bk[k].n = rnd(3) ? (double)rnd(100) : rnum();
			}
			l.has_min = l.has_max = rnd(2);
			l.min = rnum();
			l.max = rnd(2) ? rnum() : l.min;
		}
		n = lm_format_line(buf, sizeof buf, &l);
		if (n == 0) {
			refused++;
			if (lm_line_check(&l) == LM_WOK) {
				T_OK(0, "property: refused without a reason: %s", names[0]);
				bad++;
			}
			continue;
		}
		written++;
		if (n >= sizeof buf || lm_parse_line(buf, n, &back) != LM_WOK ||
		    lm_format_line(buf2, sizeof buf2, &back) != n || memcmp(buf, buf2, n) ||
		    back.nvalues != l.nvalues || back.values[0] != l.values[0] || back.ntags != l.ntags) {
			T_OK(0, "property: written but not read back equal: [%.200s]", buf);
			bad++;
		}
	}
	T_OK(bad == 0 && written > 1000 && refused > 1000,
		"property: 20000 random lines: %u written and read back equal, %u refused with a reason",
		written, refused);
}

int main(void)
{
	struct lm_line l, l2;
	char buf[LM_LINE_MAX + 64], buf2[LM_LINE_MAX + 64], *big;
	size_t i, n, pos;
	const char *line;
	int r;

	t_file = "test_wire";
	property();
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		r = lm_parse_line(rows[i].in, strlen(rows[i].in), &l);
		T_OK(r == rows[i].err, "row %zu [%s]: got %s want %s", i, rows[i].in,
			lm_werr_name(r), lm_werr_name(rows[i].err));
		if (r == 0) {
			/* round trip: format, parse again, format again: same text */
			n = lm_format_line(buf, sizeof buf, &l);
			r = lm_parse_line(buf, n, &l2);
			lm_format_line(buf2, sizeof buf2, &l2);
			T_OK(r == 0 && strcmp(buf, buf2) == 0 && l2.type == l.type &&
				l2.nvalues == l.nvalues && l2.values[0] == l.values[0] &&
				l2.ntags == l.ntags, "round trip [%s] -> [%s]", rows[i].in, buf);
		}
	}
	/* limits */
	big = malloc(LM_LINE_MAX + 10);
	memset(big, 'a', LM_LINE_MAX + 10);
	memcpy(big + LM_LINE_MAX - 3, ":1|c", 4);
	T_OK(lm_parse_line(big, LM_LINE_MAX + 1, &l) == LM_WE_TOOLONG, "line over LM_LINE_MAX");
	T_OK(lm_parse_line(big, LM_LINE_MAX + 1 - 0, &l) != 0, "long line rejected");
	memcpy(big + LM_NAME_MAX, ":1|c", 4);
	T_OK(lm_parse_line(big, LM_NAME_MAX + 4, &l) == 0, "name of LM_NAME_MAX bytes");
	big[LM_NAME_MAX] = 'a';
	memcpy(big + LM_NAME_MAX + 1, ":1|c", 4);
	T_OK(lm_parse_line(big, LM_NAME_MAX + 5, &l) == LM_WE_NAME, "name over LM_NAME_MAX");
	free(big);
	{
		char t[2048] = "x:1|c|#";
		for (i = 0; i <= LM_TAGS_MAX; i++)
			sprintf(t + strlen(t), "%sk%zu:v", i ? "," : "", i);
		T_OK(lm_parse_line(t, strlen(t), &l) == LM_WE_TAG, "too many tags");
		strcpy(t, "x");
		for (i = 0; i <= LM_VALUES_MAX; i++)
			strcat(t, ":1");
		strcat(t, "|ms");
		T_OK(lm_parse_line(t, strlen(t), &l) == LM_WE_VALUE, "too many values");
	}
	/* fields read back */
	line = "lat:0.5|t|h:2=3,14=1|z:2|m:0|x:3|l:0.25|#app:demo,pid:12";
	r = lm_parse_line(line, strlen(line), &l);
	T_OK(r == 0 && l.nbk == 3 && l.bk[0].idx == 2 && l.bk[0].n == 3 && l.bk[1].idx == 14 &&
		l.bk[2].idx == LM_HIST_IMIN && l.bk[2].n == 2 && l.has_min && l.min == 0 &&
		l.has_max && l.max == 3 && l.has_last && l.last == 0.25 && l.ntags == 2,
		"aggregate timer fields");
	/* buckets into a histogram and back: the same line */
	{
		struct lm_hist h;
		lm_hist_init(&h);
		T_OK(lm_line_hist(&l, &h, 1) == 0 && h.count == 6 && h.sum == 0.5 && h.min == 0 &&
			h.max == 3 && h.zero == 2, "line into a histogram");
		lm_line_set_hist(&l2, &h);
		l2.name = l.name;
		l2.type = LM_TIMER;
		l2.nvalues = 1;
		l2.values[0] = 0.5;
		l2.rate = 1;
		l2.sign = l2.has_last = l2.has_rps = l2.has_ts = 0;
		l2.ntags = 0;
		l2.container.n = 0;
		lm_format_line(buf, sizeof buf, &l2);
		T_STREQ(buf, "lat:0.5|t|h:2=3,14=1|z:2|m:0|x:3", "histogram back into a line");
		lm_hist_free(&h);
		/* a sender that gives no extremes: the edges of its buckets */
		line = "lat:3|t|h:0=2,8=1";
		lm_parse_line(line, strlen(line), &l2);
		T_OK(lm_line_hist(&l2, &h, 1) == 0 && h.min == lm_hist_upper(-1) && h.min > 0.917 &&
			h.min < 0.9171 && h.max == 2, "extremes from the bucket edges");
		lm_hist_free(&h);
		/* extremes that contradict the buckets: still min <= max (fuzz_table) */
		line = "lat:0.542|t|h:-53=1,-51=1,-45=1,-8=.0|m:0.5|l:0.012";
		lm_parse_line(line, strlen(line), &l2);
		T_OK(lm_line_hist(&l2, &h, 1) == 0 && h.min == 0.5 && h.max == 0.5, "min beyond the buckets");
		lm_hist_free(&h);
		line = "lat:0.542|t|h:-53=1|x:0.001";
		lm_parse_line(line, strlen(line), &l2);
		T_OK(lm_line_hist(&l2, &h, 1) == 0 && h.min == 0.001 && h.max == 0.001, "max below the buckets");
		lm_hist_free(&h);
		/* single values: exact extremes, ms in seconds */
		line = "lat:250:5:40|ms";
		lm_parse_line(line, strlen(line), &l2);
		T_OK(lm_line_hist(&l2, &h, 2) == 0 && h.count == 6 && h.min == 0.005 && h.max == 0.25 &&
			h.sum > 0.5899 && h.sum < 0.5901, "values into a histogram, weighted");
		lm_hist_free(&h);
	}
	{
		struct lm_str v;
		T_OK(lm_line_tag(&l, "pid", &v) && v.n == 2 && memcmp(v.p, "12", 2) == 0, "tag lookup");
		T_OK(!lm_line_tag(&l, "pi", &v), "tag lookup miss");
	}
	r = lm_parse_line("x:-3|g", 6, &l);
	T_OK(r == 0 && l.sign && l.values[0] == -3, "gauge delta sign");
	r = lm_parse_line("x:3|g", 5, &l);
	T_OK(r == 0 && !l.sign, "gauge set");
	r = lm_parse_line("x:+3|g", 6, &l);
	n = lm_format_line(buf, sizeof buf, &l);
	T_STREQ(buf, "x:+3|g", "gauge + kept");
	n = lm_format_line(buf, 4, &l);
	T_OK(n == 6 && strlen(buf) == 3, "formatter reports the needed length");
	/* lines */
	{
		const char *d = "a:1|c\nb:2|g\n\nc:3|r";
		const char *want[] = { "a:1|c", "b:2|g", "", "c:3|r" };
		pos = 0;
		for (i = 0; lm_next_line(d, strlen(d), &pos, &line, &n); i++)
			T_OK(i < 4 && n == strlen(want[i]) && memcmp(line, want[i], n) == 0, "line %zu", i);
		T_OK(i == 4, "four lines");
	}
	/* sanitising */
	{
		char o[LM_NAME_MAX + 2];
		lm_name_sanitize(o, "a.b-c/d", 7);
		T_STREQ(o, "a_b_c_d", "name dots");
		lm_name_sanitize(o, "9lives", 6);
		T_STREQ(o, "_9lives", "name leading digit");
		lm_label_sanitize(o, "__name__", 8);
		T_STREQ(o, "_name__", "label reserved prefix");
		lm_label_sanitize(o, "host-name", 9);
		T_STREQ(o, "host_name", "label dash");
	}
	return T_DONE();
}
