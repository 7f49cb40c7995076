/* fuzz_wire: libFuzzer entry point for the wire parser and formatter.
 * Seeds: test/fuzz/seeds/wire/. Checks beyond the sanitizers: whatever
 * parses formats to a line that parses again, and formatting that parse
 * gives the same bytes (parse(format(parse(x))) is a fixed point). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* twice LM_LINE_MAX: a parsed line may format longer than it came in
 * (1e-5 -> 1e-05, "+" added, ...) */
#define FMT_MAX (2 * LM_LINE_MAX + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[FMT_MAX], b[FMT_MAX];
	static struct lm_line l1, l2, l3;
	size_t na, nb;

	if (lm_parse_line((const char *)data, size, &l1) != LM_WOK)
		return 0;
	na = lm_format_line(a, sizeof a, &l1);
	if (na >= sizeof a)
		abort();
	if (na > LM_LINE_MAX)
		return 0;       /* grew past the line cap: the parser refuses it */
	if (lm_parse_line(a, na, &l2) != LM_WOK)
		abort();
	nb = lm_format_line(b, sizeof b, &l2);
	if (nb != na || memcmp(a, b, na) != 0)
		abort();
	/* the fields that matter survive the round trip */
	if (l2.type != l1.type || l2.nvalues != l1.nvalues || l2.ntags != l1.ntags ||
	    l2.name.n != l1.name.n || memcmp(l2.name.p, l1.name.p, l1.name.n) != 0)
		abort();
	if (lm_parse_line(b, nb, &l3) != LM_WOK)
		abort();
	return 0;
}
