/* fuzz_tegra: libFuzzer entry point for the tegrastats line parser.
 * Seed corpus: test/data/probe/tegra-*.txt (one file per line: make fuzz).
 * Checks beyond the sanitizers: every sample makes a wire line that the
 * one parser reads back, and the counts add up. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_send.h"
#include "lm_tegra.h"
#include "lm_wire.h"
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lm_samples ss;
	struct lm_tegra_stat st;
	struct lm_line l;
	size_t i, n;

	lm_samples_reset(&ss);
	n = lm_tegra_parse((const char *)data, size, &ss, &st);
	if (n != st.fields || ss.n > LM_SAMPLES_MAX)
		abort();
	for (i = 0; i < ss.n; i++) {
		lm_sample_line(&ss.s[i], "board", &l);
		lm_fuzz_roundtrip(&l);
	}
	return 0;
}
