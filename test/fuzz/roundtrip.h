/* roundtrip.h: the rule every fuzz target of a producer of lines checks:
 * what the one formatter writes, the one parser reads back equal (formats
 * to the same text); what it refuses (0), lm_line_check names a reason. */
#ifndef LM_FUZZ_ROUNDTRIP_H
#define LM_FUZZ_ROUNDTRIP_H
#include <stdlib.h>
#include <string.h>
#include "lm_wire.h"

static void lm_fuzz_roundtrip(const struct lm_line *l)
{
	static char a[LM_LINE_MAX + 1], b[LM_LINE_MAX + 1];
	static struct lm_line back;
	size_t n = lm_format_line(a, sizeof a, l);

	if (n == 0) {
		if (lm_line_check(l) == LM_WOK)
			abort();
		return;
	}
	if (n >= sizeof a || lm_parse_line(a, n, &back) != LM_WOK)
		abort();
	if (lm_format_line(b, sizeof b, &back) != n || memcmp(a, b, n))
		abort();
}
#endif
