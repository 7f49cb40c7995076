/* lm_tegra: one line of tegrastats output (every Jetson generation,
 * JetPack 3 to 7) into samples named board_* (see docs/lmprobe.1).
 * Fields are found by name, never by position; a token of no known shape
 * is skipped and counted. "off", -256C and the fixed PMIC placeholders
 * give no value. Rails keep their names (index tag for repeats) and are
 * never summed. */
#ifndef LM_TEGRA_H
#define LM_TEGRA_H
#include <stddef.h>
#include "lm_send.h"

#define LM_TEGRA_TOKENS 256    /* tokens looked at in one line; the rest are skipped */
#define LM_TEGRA_RAILS 32      /* rails told apart in one line */

struct lm_tegra_stat {
	size_t fields;             /* fields recognised */
	size_t skipped;            /* tokens skipped: unknown shape or bad value */
	size_t novalue;            /* off, -256C, placeholders */
};

/* Parse s[0..n) (no newline; a trailing '\r' is ignored) and append its
 * samples to out. Returns the number of fields recognised (0: not a
 * tegrastats line). */
size_t lm_tegra_parse(const char *s, size_t n, struct lm_samples *out, struct lm_tegra_stat *st);
#endif
