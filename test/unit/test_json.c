/* test_json: the JSON writer: the one string escaper (every byte class,
 * decoded back by the reader), numbers (no NaN or Inf), and the table's
 * document for controllers (lm-json(5)): structure and values against
 * what was sent, hostile app names and tags. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "lm_buf.h"
#include "lm_json.h"
#include "lm_table.h"

/* escaper rows: input bytes (n of them), the escaped body, what the
 * reader decodes it to (NULL: the input itself) */
static const struct {
	const char *name, *in;
	size_t n;
	const char *esc, *dec;
} rows[] = {
	{ "empty", "", 0, "", NULL },
	{ "plain ASCII", "fps ok 1.5", 10, "fps ok 1.5", NULL },
	{ "a quote", "a\"b", 3, "a\\\"b", NULL },
	{ "a backslash", "a\\b", 3, "a\\\\b", NULL },
	{ "backslash before quote", "\\\"", 2, "\\\\\\\"", NULL },
	{ "newline, CR, tab", "\n\r\t", 3, "\\n\\r\\t", NULL },
	{ "backspace, form feed", "\b\f", 2, "\\b\\f", NULL },
	{ "NUL", "a\0b", 3, "a\\u0000b", NULL },
	{ "control 0x01", "\x01", 1, "\\u0001", NULL },
	{ "control 0x1f", "\x1f", 1, "\\u001f", NULL },
	{ "ESC (terminal)", "\x1b[31m", 5, "\\u001b[31m", NULL },
	{ "DEL", "\x7f", 1, "\\u007f", NULL },
	{ "slash stays", "a/b", 3, "a/b", NULL },
	{ "2-byte UTF-8", "\xc3\xa9", 2, "\xc3\xa9", NULL },
	{ "3-byte UTF-8", "\xe2\x82\xac", 3, "\xe2\x82\xac", NULL },
	{ "4-byte UTF-8", "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", NULL },
	{ "U+2028 passes (valid JSON)", "\xe2\x80\xa8", 3, "\xe2\x80\xa8", NULL },
	{ "0xff", "\xff", 1, "\\ufffd", "\xef\xbf\xbd" },
	{ "0xfe 0xff", "a\xfe\xff", 3, "a\\ufffd\\ufffd", "a\xef\xbf\xbd\xef\xbf\xbd" },
	{ "lone continuation", "\x80", 1, "\\ufffd", "\xef\xbf\xbd" },
	{ "overlong slash", "\xc0\xaf", 2, "\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "surrogate half", "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd",
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd",
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "truncated sequence at the end", "ab\xe2\x82", 4, "ab\\ufffd\\ufffd",
		"ab\xef\xbf\xbd\xef\xbf\xbd" },
	{ "truncated then ASCII", "\xe2\x82x", 3, "\\ufffd\\ufffdx", "\xef\xbf\xbd\xef\xbf\xbdx" },
};

static void escaper(void)
{
	struct lm_buf b;
	struct lm_json j;
	char err[80];
	size_t i, k, n;
	const char *d, *want;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		lm_buf_init(&b, 0);
		lm_json_esc(&b, rows[i].in, rows[i].n);
		T_OK(!b.err && b.len == strlen(rows[i].esc) && memcmp(b.p ? b.p : "", rows[i].esc, b.len) == 0,
			"escape: %s", rows[i].name);
		lm_buf_reset(&b);
		lm_json_put_str(&b, rows[i].in, rows[i].n);
		want = rows[i].dec ? rows[i].dec : rows[i].in;
		k = rows[i].dec ? strlen(rows[i].dec) : rows[i].n;
		d = NULL;
		if (lm_json_parse(&j, b.p, b.len, err, sizeof err) == 0) {
			d = lm_json_str(&j, 1, &n);
			T_OK(d && n == k && memcmp(d, want, k) == 0, "decodes back: %s", rows[i].name);
			lm_json_free(&j);
		} else {
			T_OK(0, "parses: %s: %s", rows[i].name, err);
		}
		lm_buf_free(&b);
	}
	/* every byte value, alone and in a run of all 256: valid JSON, only
	 * printable ASCII or valid UTF-8 out */
	{
		char all[256];
		int ok = 1, c;
		for (c = 0; c < 256; c++) {
			all[c] = (char)c;
			lm_buf_init(&b, 0);
			lm_json_put_str(&b, all + c, 1);
			if (lm_json_parse(&j, b.p, b.len, err, sizeof err) < 0)
				ok = 0;
			else
				lm_json_free(&j);
			for (k = 0; k < b.len; k++)
				if ((unsigned char)b.p[k] < 0x20 || b.p[k] == 0x7f)
					ok = 0;
			lm_buf_free(&b);
		}
		T_OK(ok, "every byte alone makes a valid string, no raw control byte");
		lm_buf_init(&b, 0);
		lm_json_put_str(&b, all, sizeof all);
		T_OK(lm_json_parse(&j, b.p, b.len, err, sizeof err) == 0, "all 256 bytes in one string: valid");
		lm_json_free(&j);
		lm_buf_free(&b);
	}
}

static void numbers(void)
{
	static const struct { double v; const char *want; } nr[] = {
		{ 0, "0" }, { 1, "1" }, { -2.5, "-2.5" }, { 0.1, "0.1" }, { 1e-7, NULL },
		{ 1e300, NULL }, { 123456789012.5, NULL },
	};
	struct lm_buf b;
	struct lm_json j;
	char err[80];
	size_t i;

	for (i = 0; i < sizeof nr / sizeof nr[0]; i++) {
		lm_buf_init(&b, 0);
		lm_json_put_num(&b, nr[i].v);
		lm_buf_addc(&b, 0);
		if (nr[i].want)
			T_STREQ(b.p, nr[i].want, "number text");
		T_OK(lm_json_parse(&j, b.p, b.len - 1, err, sizeof err) == 0 && j.n[1].type == LM_JNUM &&
			j.n[1].num == nr[i].v, "number %s reads back exactly", b.p);
		lm_json_free(&j);
		lm_buf_free(&b);
	}
	lm_buf_init(&b, 0);
	lm_json_put_num(&b, NAN);
	lm_buf_addc(&b, ' ');
	lm_json_put_num(&b, INFINITY);
	lm_buf_addc(&b, ' ');
	lm_json_put_num(&b, -INFINITY);
	lm_buf_addc(&b, 0);
	T_STREQ(b.p, "null null null", "NaN and infinities are null");
	lm_buf_free(&b);
}

/* ---- the table's document */

static struct lm_json doc;

static uint32_t member(uint32_t arr, const char *k, const char *v)
{
	uint32_t c, x;
	const char *s;

	if (!arr || doc.n[arr].type != LM_JARR)
		return 0;
	for (c = doc.n[arr].child; c; c = doc.n[c].next)
		if ((x = lm_json_get(&doc, c, k)) && (s = lm_json_str(&doc, x, NULL)) && !strcmp(s, v))
			return c;
	return 0;
}

static double numof(uint32_t obj, const char *k)
{
	uint32_t x = lm_json_get(&doc, obj, k);

	return x && doc.n[x].type == LM_JNUM ? doc.n[x].num : NAN;
}

static const char *strof(uint32_t obj, const char *k)
{
	const char *s = lm_json_str(&doc, lm_json_get(&doc, obj, k), NULL);

	return s ? s : "(none)";
}

static int typeof_(uint32_t obj, const char *k)
{
	uint32_t x = lm_json_get(&doc, obj, k);

	return x ? (int)doc.n[x].type : 0;
}

static size_t count(uint32_t arr)
{
	size_t n = 0;
	uint32_t c;

	if (!arr)
		return 0;
	for (c = doc.n[arr].child; c; c = doc.n[c].next)
		n++;
	return n;
}

/* a sender without an app tag is named by its pid: here hostile bytes */
static size_t hostile_comm(long pid, char *out, size_t cap)
{
	static const char name[] = "e\x01v\"il\\\xff\n";

	(void)pid;
	if (cap < sizeof name)
		return 0;
	memcpy(out, name, sizeof name);
	return sizeof name - 1;
}

static void table(void)
{
	struct lm_table_cfg cfg = { 16, 1000, 100, 60, 5, hostile_comm, NULL, NULL, 0, 30, 0, NULL };
	struct lm_cred c = { 1, 4242, 1000, NULL };
	struct lm_table *t = lm_table_new(&cfg);
	struct lm_buf b, ans;
	char err[80];
	uint32_t apps, cam, ms, m, ev, tags, kn;
	static const char in[] =
		"frames:3|c|#app:cam\n"
		"frames:4|c|#app:cam\n"
		"temp_celsius:41.5|g|#app:cam,zone:gpu\n"
		"infer:0.02:0.04:0.03|t|#app:cam\n"
		"load:5|ms|#app:cam\n"
		"fps:10|r|#app:cam\n"
		"q:1|g|#app:cam,k:a\"b\\c\n"
		"x:1|g\n";
	int i;

	lm_buf_init(&b, 0);
	lm_buf_init(&ans, 0);
	lm_table_ingest(t, in, sizeof in - 1, &c, 100, 1700000100);
	lm_table_request(t, "set cam res 480", 15, 1, 1700000101, &ans);
	lm_table_request(t, "set cam mode \"fast\\", 19, 1, 1700000101, &ans);
	lm_table_request(t, "set absent res 1", 16, 1, 1700000101, &ans);
	T_OK(lm_table_json(t, &b, 101, 1700000101.5) == 0, "the table renders as JSON");
	T_OK(b.len && b.p[b.len - 1] == '\n', "the document ends in a newline");
	if (lm_json_parse(&doc, b.p, b.len, err, sizeof err) < 0) {
		T_OK(0, "the document parses: %s", err);
		goto out;
	}
	T_OK(numof(1, "version") == LM_JSON_VERSION, "version %d", LM_JSON_VERSION);
	T_OK(numof(1, "time") == 1700000101.5, "time: the wall clock given");
	T_OK(numof(1, "window") == 5, "window: the rate window");
	apps = lm_json_get(&doc, 1, "apps");
	T_OK(count(apps) == 2, "two apps");
	cam = member(apps, "app", "cam");
	T_OK(cam != 0, "app cam is there");
	T_OK(typeof_(cam, "container") == LM_JNULL, "no container: null");
	T_OK(numof(cam, "uid") == 1000, "uid: the kernel's, a number");
	T_OK(typeof_(cam, "pid") == LM_JNULL, "pid: null without -S");
	T_OK(typeof_(cam, "up") == LM_JTRUE, "up: true");
	T_OK(numof(cam, "last_update") == 1700000100, "last_update: unix seconds");
	ms = lm_json_get(&doc, cam, "metrics");
	T_OK(count(ms) == 6, "six series of cam");
	m = member(ms, "name", "frames");
	T_OK(!strcmp(strof(m, "type"), "counter") && numof(m, "total") == 7, "counter: total 7");
	T_OK(typeof_(m, "unit") == LM_JNULL, "counter without a unit suffix: unit null");
	m = member(ms, "name", "temp_celsius");
	T_OK(!strcmp(strof(m, "type"), "gauge") && numof(m, "value") == 41.5, "gauge: value");
	T_OK(!strcmp(strof(m, "unit"), "celsius"), "gauge: unit from the name");
	tags = lm_json_get(&doc, m, "tags");
	T_OK(!strcmp(strof(tags, "zone"), "gpu") && count(tags) == 1,
		"gauge: its own tags (an object)");
	m = member(ms, "name", "infer");
	T_OK(!strcmp(strof(m, "type"), "timer") && !strcmp(strof(m, "unit"), "seconds"), "timer: seconds");
	T_OK(numof(m, "count") == 3 && fabs(numof(m, "sum") - 0.09) < 1e-12, "timer: count and sum");
	T_OK(numof(m, "min") == 0.02 && numof(m, "max") == 0.04, "timer: exact min and max");
	T_OK(fabs(numof(m, "p50") - 0.03) <= 0.03 * 0.0443 + 1e-12, "timer: p50 within 4.43 %%");
	T_OK(numof(m, "p99") <= 0.04 && numof(m, "p99") >= 0.04 * (1 - 0.0443), "timer: p99 within 4.43 %%");
	T_OK(numof(m, "p90") <= numof(m, "p95") && numof(m, "p95") <= numof(m, "p99"), "timer: quantiles in order");
	T_OK(numof(m, "last") == 0.03, "timer: the last observation");
	m = member(ms, "name", "load");
	T_OK(!strcmp(strof(m, "type"), "timer") && numof(m, "max") == 0.005, "ms timer: in seconds");
	m = member(ms, "name", "fps");
	T_OK(!strcmp(strof(m, "type"), "rate") && numof(m, "total") == 10, "rate: total events");
	T_OK(numof(m, "rate") > 0, "rate: events per second");
	m = member(ms, "name", "q");
	tags = lm_json_get(&doc, m, "tags");
	T_OK(!strcmp(strof(tags, "k"), "a\"b\\c"), "a tag with quote and backslash round-trips");
	kn = lm_json_get(&doc, cam, "knobs");
	T_OK(!strcmp(strof(kn, "res"), "480"), "the app's knobs: res");
	T_OK(!strcmp(strof(kn, "mode"), "\"fast\\"), "a knob value with quote and backslash");
	/* the sender without an app tag, named from hostile bytes */
	ev = member(apps, "app", "e\x01v\"il\\\xef\xbf\xbd\n");
	T_OK(ev != 0, "an app named with control bytes and 0xff: decoded back, 0xff as U+FFFD");
	T_OK(count(lm_json_get(&doc, 1, "knobs")) == 3, "every knob in the top-level list");
	m = member(lm_json_get(&doc, 1, "knobs"), "app", "absent");
	T_OK(m && !strcmp(strof(m, "name"), "res") && numof(m, "set_at") == 1700000101,
		"a knob of an app not in the table, with when it was set");
	lm_json_free(&doc);
	/* a cap on the buffer: an error, never a cut document */
	for (i = 0; i < 2; i++) {
		struct lm_buf small;
		lm_buf_init(&small, i ? 64 : 1);
		T_OK(lm_table_json(t, &small, 101, 1700000101) < 0, "too small a buffer: an error (%d)", i);
		lm_buf_free(&small);
	}
out:
	lm_buf_free(&b);
	lm_buf_free(&ans);
	lm_table_free(t);
}

int main(void)
{
	t_file = "test_json";
	escaper();
	numbers();
	table();
	return T_DONE();
}
