/* fuzz_json: libFuzzer entry point for the JSON writer: the one string
 * escaper on raw bytes, and the table's document for controllers
 * (lm_table_json, docs/lm-json.5) from random table contents. The input:
 * a flags byte, then bytes that are (1) escaped whole as one string,
 * (2) ingested as a datagram into a table with small caps, from a
 * sender whose lines without an app tag are named from the input's
 * first bytes (any bytes but NUL: control bytes, 0xff, quotes; the
 * table takes what app_of_pid says as it is), (3) offered line by line as knob requests.
 * Seeds: test/fuzz/seeds/json/. Checks beyond the sanitizers:
 *  - the escaped string is valid JSON (the strict reader, lm_json.c,
 *    takes it), holds no raw byte below 0x20 nor DEL, and decodes back
 *    to the input when the input is valid UTF-8;
 *  - the document parses whole; "version" is LM_JSON_VERSION; "apps"
 *    holds as many apps as the table, their "metrics" as many series;
 *    "knobs" is an array; no raw control byte anywhere in the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_buf.h"
#include "lm_json.h"
#include "lm_table.h"
#include "lm_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define APPS 4
#define SERIES 32
#define PERAPP 16

static const uint8_t *comm;
static size_t ncomm;

static size_t app_of_pid(long pid, char *out, size_t cap)
{
	size_t n = ncomm < cap - 1 ? ncomm : cap - 1;

	size_t i;

	(void)pid;
	/* a name never holds NUL (the kernel's comm is a C string) */
	for (i = 0; i < n; i++)
		out[i] = comm[i] ? (char)comm[i] : '_';
	out[n] = 0;
	return n;
}

static int utf8(const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (!(k = lm_utf8_len(p + i, n - i)))
			return 0;
		i += k;
	}
	return 1;
}

static int raw_control(const struct lm_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (((unsigned char)b->p[i] < 0x20 && b->p[i] != '\n') || b->p[i] == 0x7f)
			return 1;
	return 0;
}

static size_t count(const struct lm_json *j, uint32_t arr)
{
	size_t n = 0;
	uint32_t c;

	if (!arr || j->n[arr].type != LM_JARR)
		abort();
	for (c = j->n[arr].child; c; c = j->n[c].next)
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_table_cfg cfg = { APPS, SERIES, PERAPP, 60, 5, app_of_pid, NULL, NULL, 0, 30, 0, NULL };
	struct lm_cred c = { 1, 4242, 1000, NULL };
	struct lm_table *t;
	struct lm_buf b, ans;
	struct lm_json j;
	char err[96];
	const char *p, *s;
	size_t pos, n, sn, nseries;
	uint32_t apps, a, v;

	if (size == 0)
		return 0;
	c.known = !(data[0] & 1);
	c.uid = data[0] & 2 ? 0 : 1000;
	ncomm = data[0] >> 2;
	data++;
	size--;
	comm = data;
	if (ncomm > size)
		ncomm = size;

	/* the escaper, on the bytes as they are */
	lm_buf_init(&b, 0);
	lm_json_put_str(&b, (const char *)data, size);
	if (b.err || raw_control(&b) || lm_json_parse(&j, b.p, b.len, err, sizeof err) < 0)
		abort();
	s = lm_json_str(&j, 1, &sn);
	if (!s || (utf8(data, size) && (sn != size || memcmp(s, data, size) != 0)))
		abort();
	lm_json_free(&j);
	lm_buf_free(&b);

	/* the table's document */
	if (!(t = lm_table_new(&cfg)))
		abort();
	lm_table_ingest(t, (const char *)data, size, &c, 100, 1700000100);
	lm_buf_init(&ans, 0);
	pos = 0;
	while (lm_next_line((const char *)data, size, &pos, &p, &n)) {
		lm_buf_reset(&ans);
		lm_table_request(t, p, n, 1, 1700000100.5, &ans);
	}
	lm_buf_free(&ans);
	lm_table_ingest(t, (const char *)data, size, &c, 101, 1700000101);
	lm_buf_init(&b, 0);
	if (lm_table_json(t, &b, 101.5, 1700000101.5) < 0)
		abort();
	if (!b.len || b.p[b.len - 1] != '\n' || raw_control(&b))
		abort();
	if (lm_json_parse(&j, b.p, b.len, err, sizeof err) < 0)
		abort();
	v = lm_json_get(&j, 1, "version");
	if (!v || j.n[v].type != LM_JNUM || j.n[v].num != LM_JSON_VERSION)
		abort();
	apps = lm_json_get(&j, 1, "apps");
	if (count(&j, apps) != lm_table_apps(t))
		abort();
	nseries = 0;
	for (a = j.n[apps].child; a; a = j.n[a].next) {
		if (!lm_json_str(&j, lm_json_get(&j, a, "app"), NULL))
			abort();
		nseries += count(&j, lm_json_get(&j, a, "metrics"));
	}
	if (nseries != lm_table_series(t))
		abort();
	count(&j, lm_json_get(&j, 1, "knobs"));
	lm_json_free(&j);
	lm_buf_free(&b);
	lm_table_free(t);
	return 0;
}
