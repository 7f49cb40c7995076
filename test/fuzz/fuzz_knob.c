/* fuzz_knob: libFuzzer entry point for the knob request parser. The first
 * byte gives may_set (its low bit); the rest is request lines, each handed
 * to lm_table_request as lmtabled does.
 * Seeds: test/fuzz/seeds/knob/. Checks beyond the sanitizers:
 *  - -1 (not a knob request) leaves the answer untouched; otherwise the
 *    answer is whole lines, each one of the documented answers;
 *  - without may_set no knob changes;
 *  - the knobs, saved as "set" lines (the state file), load back into a
 *    fresh table line for line, and the table dump parses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_buf.h"
#include "lm_table.h"
#include "lm_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int starts(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && memcmp(p, w, k) == 0;
}

static int answer_ok(const char *p, size_t n)
{
	static const char *const fixed[] = {
		"ok", "unset", "error usage", "error bad_app", "error bad_knob",
		"error bad_value", "error permission", "error limit"
	};
	size_t i;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (n == strlen(fixed[i]) && memcmp(p, fixed[i], n) == 0)
			return 1;
	if (starts(p, n, "ok ") && n <= 3 + LM_TAGVAL_MAX)
		return lm_text_ok(p + 3, n - 3);
	if (starts(p, n, "set "))       /* "knobs" lists them */
		return n <= 4 + LM_APP_MAX + 1 + LM_NAME_MAX + 1 + LM_TAGVAL_MAX;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_table_cfg cfg = { 4, 32, 16, 60, 5, NULL, NULL, NULL, 0, 0, 0, NULL };
	struct lm_table *t, *t2;
	struct lm_buf out, knobs, back, dump;
	struct lm_line l;
	const char *p, *a;
	size_t pos = 0, n, apos, an, before;
	int may, rc;

	if (size == 0)
		return 0;
	may = data[0] & 1;
	if (!(t = lm_table_new(&cfg)) || !(t2 = lm_table_new(&cfg)))
		abort();
	lm_buf_init(&out, 0);
	lm_buf_init(&knobs, 0);
	lm_buf_init(&back, 0);
	lm_buf_init(&dump, 0);
	while (lm_next_line((const char *)data + 1, size - 1, &pos, &p, &n)) {
		if (n >= LM_REQ_MAX)
			continue;   /* lmtabled refuses the client */
		before = out.len;
		lm_buf_reset(&knobs);
		lm_table_knobs(t, &knobs);
		rc = lm_table_request(t, p, n, may, 1700000000, &out);
		if (rc == -1) {
			if (out.len != before)
				abort();
			continue;
		}
		if (rc == 1 && !may)
			abort();
		if (out.len == before ? knobs.len != 0 : out.p[out.len - 1] != '\n')
			abort();     /* only "knobs" with none set answers nothing */
		apos = before;
		while (lm_next_line(out.p, out.len, &apos, &a, &an))
			if (!answer_ok(a, an))
				abort();
		if (!may) {
			size_t k = knobs.len;
			lm_buf_reset(&knobs);
			lm_table_knobs(t, &knobs);
			if (knobs.len != k)
				abort();
		}
		if (out.len > 1 << 20)
			lm_buf_reset(&out);
	}
	/* the state file round trip */
	lm_buf_reset(&knobs);
	if (lm_table_knobs(t, &knobs) < 0)
		abort();
	pos = 0;
	while (lm_next_line(knobs.p, knobs.len, &pos, &p, &n))
		if (lm_table_request(t2, p, n, 1, 1700000000, &back) != 1)
			abort();
	lm_buf_reset(&back);
	lm_table_knobs(t2, &back);
	if (back.len != knobs.len || (knobs.len && memcmp(back.p, knobs.p, knobs.len) != 0))
		abort();
	if (lm_table_dump(t, &dump, 1) < 0)
		abort();
	pos = 0;
	while (lm_next_line(dump.p, dump.len, &pos, &p, &n))
		if (n && p[0] != '#' && lm_parse_line(p, n, &l) != LM_WOK)
			abort();
	lm_buf_free(&out);
	lm_buf_free(&knobs);
	lm_buf_free(&back);
	lm_buf_free(&dump);
	lm_table_free(t);
	lm_table_free(t2);
	return 0;
}
