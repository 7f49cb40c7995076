/* expocmp.h: the exposition the table renders next to what lm_expo makes
 * of its dump, for the tests (test_table) and the fuzz target
 * (fuzz_table). Header-only; aborts on a malformed protobuf frame. */
#ifndef EXPOCMP_H
#define EXPOCMP_H
#include <stdlib.h>
#include <string.h>
#include "lm_buf.h"
#include "lm_expo.h"
#include "lm_table.h"
#include "lm_wire.h"

/* b without lmexport's own families (lm_export_*): text lines, or
 * delimited protobuf messages whose name starts so */
static void noself(struct lm_buf *out, const struct lm_buf *b, int pb)
{
	size_t pos = 0, n, len, k;
	const char *p;
	int sh;

	lm_buf_reset(out);
	if (!pb) {
		while (lm_next_line(b->p, b->len, &pos, &p, &n))
			if (!memmem(p, n, "lm_export_", 10)) {
				lm_buf_add(out, p, n);
				lm_buf_addc(out, '\n');
			}
		return;
	}
	while (pos < b->len) {
		for (len = 0, sh = 0, k = pos; k < b->len; k++, sh += 7) {
			len |= (size_t)(b->p[k] & 0x7f) << sh;
			if (!(b->p[k] & 0x80))
				break;
		}
		k++;
		if (k + len > b->len)
			abort();
		/* field 1 (name): 0x0a, its length (< 128 here), the name */
		if (!(len > 12 && b->p[k] == 0x0a && memcmp(b->p + k + 2, "lm_export_", 10) == 0))
			lm_buf_add(out, b->p + pos, k + len - pos);
		pos = k + len;
	}
}

/* 1 when the table's exposition in flags (with opt and okey) is what
 * lm_expo makes of its dump at now, lmexport's own gauges aside */
static inline int expo_same(struct lm_table *t, int flags, const struct lm_expo_opt *opt,
	const char *okey, double now)
{
	struct lm_buf d, x, y, a, b;
	int same;

	lm_buf_init(&d, 0);
	lm_buf_init(&x, 0);
	lm_buf_init(&y, 0);
	lm_buf_init(&a, 0);
	lm_buf_init(&b, 0);
	same = lm_table_dump(t, &d, now) == 0 &&
		lm_expo(&x, d.p ? d.p : "", d.len, flags | LM_EXPO_SELF, opt, NULL) == 0 &&
		lm_table_expo(t, &y, flags, opt, okey, now) == 0;
	if (same) {
		noself(&a, &x, (flags & LM_EXPO_PB) != 0);
		noself(&b, &y, (flags & LM_EXPO_PB) != 0);
		same = a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
	}
	lm_buf_free(&d);
	lm_buf_free(&x);
	lm_buf_free(&y);
	lm_buf_free(&a);
	lm_buf_free(&b);
	return same;
}
#endif
