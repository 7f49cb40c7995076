/* fuzz_table: libFuzzer entry point for the table update path and the
 * exposition the table renders. The input is one datagram, ingested
 * twice (a second apart, to move rates) into a table with small caps, from
 * a sender whose pid and uid come from the first byte; then the dump, then
 * the exposition in all three formats, rendered by the table
 * (lm_table_expo, twice: the second from its caches) and by lm_expo from
 * the dump.
 * Seeds: test/fuzz/seeds/table/. Checks beyond the sanitizers:
 *  - every dump line parses with the one parser (the dump is ours);
 *  - the table stays within its caps;
 *  - lm_expo finds no invalid line in the dump;
 *  - the table renders what lm_expo makes of its dump, byte for byte,
 *    lmexport's own gauges (lm_export_*) aside, and the same again from
 *    its caches;
 *  - every exposition line is a comment (# HELP, # TYPE, # EOF) or a
 *    sample: a sanitised name [a-zA-Z_:][a-zA-Z0-9_:]*, then optional
 *    {labels} with label names [a-zA-Z_][a-zA-Z0-9_]* and quoted values
 *    whose only escapes are \\ \" \n, then a space and a value; no raw
 *    control byte anywhere. So nothing a sender puts in a name or a tag
 *    value can open a line or a series of its own;
 *  - the protobuf answer decodes (test/unit/pbtext.h: framing, wire
 *    types, spans that agree with the counts, native buckets that add
 *    up to the count, classic buckets increasing) and has as many
 *    families as the text has TYPE lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_buf.h"
#include "lm_expo.h"
#include "lm_table.h"
#include "lm_wire.h"
#include "../unit/pbtext.h"
#include "../unit/expocmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define APPS 4
#define SERIES 32
#define PERAPP 16

static int namestart(unsigned char c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		(colon && c == ':');
}

static int namebyte(unsigned char c, int colon)
{
	return namestart(c, colon) || (c >= '0' && c <= '9');
}

/* one exposition line p[0..n) (no newline): 1 when well-formed */
static int line_ok(const char *p, size_t n)
{
	size_t i = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	if (n && p[0] == '#')
		return (n >= 7 && (memcmp(p, "# HELP ", 7) == 0 || memcmp(p, "# TYPE ", 7) == 0)) ||
			(n == 5 && memcmp(p, "# EOF", 5) == 0);
	i = 0;
	if (i >= n || !namestart((unsigned char)p[i], 1))
		return 0;
	while (i < n && namebyte((unsigned char)p[i], 1))
		i++;
	if (i < n && p[i] == '{') {
		i++;
		for (;;) {
			if (i < n && p[i] == '}')
				break;      /* {} or after a comma */
			if (i >= n || !namestart((unsigned char)p[i], 0))
				return 0;
			while (i < n && namebyte((unsigned char)p[i], 0))
				i++;
			if (i + 1 >= n || p[i] != '=' || p[i + 1] != '"')
				return 0;
			for (i += 2; i < n && p[i] != '"'; i++)
				if (p[i] == '\\') {
					if (i + 1 >= n || (p[i + 1] != '\\' && p[i + 1] != '"' && p[i + 1] != 'n'))
						return 0;
					i++;
				}
			if (i >= n)
				return 0;   /* unterminated value */
			i++;
			if (i < n && p[i] == ',')
				i++;
			else if (i < n && p[i] == '}')
				break;
			else
				return 0;
		}
		i++;
	}
	if (i >= n || p[i] != ' ' || i + 1 >= n)
		return 0;
	/* the value (and an optional timestamp): no braces, no quotes */
	for (i++; i < n; i++)
		if (p[i] == '{' || p[i] == '}' || p[i] == '"' || p[i] == '=')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_buf tx, a, b;
	struct lm_table_cfg cfg = { APPS, SERIES, PERAPP, 60, 5, NULL, NULL, NULL, 0, 0, 0, NULL };
	struct lm_table *t;
	struct lm_cred c = { 1, 4242, 1000, NULL };
	struct lm_buf dump, ex;
	struct lm_expo_stats st;
	struct lm_line l;
	const char *p;
	size_t pos, n, ntype = 0, nfam;
	int om;
	const char *why;
	struct lm_buf dec;

	if (size == 0)
		return 0;
	c.pid = 4242 + (data[0] & 3);
	c.uid = data[0] & 4 ? 0 : 1000;
	c.known = !(data[0] & 8);
	data++;
	size--;
	if (!(t = lm_table_new(&cfg)))
		abort();
	lm_table_ingest(t, (const char *)data, size, &c, 100, 1700000100);
	c.pid ^= 1;
	lm_table_ingest(t, (const char *)data, size, &c, 101, 1700000101);
	if (lm_table_apps(t) > APPS || lm_table_series(t) > SERIES)
		abort();
	lm_buf_init(&dump, 0);
	if (lm_table_dump(t, &dump, 101.5) < 0)
		abort();
	pos = 0;
	while (lm_next_line(dump.p, dump.len, &pos, &p, &n))
		if (n && p[0] != '#' && lm_parse_line(p, n, &l) != LM_WOK)
			abort();
	for (om = 0; om < 3; om++) {
		lm_buf_init(&ex, 0);
		memset(&st, 0, sizeof st);
		if (lm_expo(&ex, dump.p, dump.len, om == 2 ? LM_EXPO_PB : om ? LM_EXPO_OM : 0,
		    NULL, &st) < 0)
			abort();
		if (st.invalid)
			abort();
		lm_buf_init(&tx, 0);
		lm_buf_init(&a, 0);
		lm_buf_init(&b, 0);
		if (lm_table_expo(t, &tx, om == 2 ? LM_EXPO_PB : om ? LM_EXPO_OM : 0, NULL,
		    NULL, 101.5) < 0)
			abort();
		noself(&a, &ex, om == 2);
		noself(&b, &tx, om == 2);
		if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len)))
			abort();
		lm_buf_reset(&tx);
		if (lm_table_expo(t, &tx, om == 2 ? LM_EXPO_PB : om ? LM_EXPO_OM : 0, NULL,
		    NULL, 101.5) < 0)
			abort();
		noself(&b, &tx, om == 2);
		if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len)))
			abort();
		lm_buf_free(&tx);
		lm_buf_free(&a);
		lm_buf_free(&b);
		if (om == 2) {
			lm_buf_init(&dec, 0);
			if (pbtext(&dec, (const unsigned char *)ex.p, ex.len, &why) < 0)
				abort();
			for (nfam = 0, pos = 0; lm_next_line(dec.p, dec.len, &pos, &p, &n);)
				if (n > 7 && memcmp(p, "family ", 7) == 0)
					nfam++;
			if (nfam != ntype)
				abort();
			lm_buf_free(&dec);
			lm_buf_free(&ex);
			continue;
		}
		if (ex.len && ex.p[ex.len - 1] != '\n')
			abort();
		pos = 0;
		while (lm_next_line(ex.p, ex.len, &pos, &p, &n)) {
			if (!line_ok(p, n))
				abort();
			if (om == 0 && n > 7 && memcmp(p, "# TYPE ", 7) == 0)
				ntype++;
		}
		lm_buf_free(&ex);
	}
	lm_buf_free(&dump);
	lm_table_free(t);
	return 0;
}
