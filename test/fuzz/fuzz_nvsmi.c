/* fuzz_nvsmi: libFuzzer entry point for the nvidia-smi CSV row parser.
 * Seed corpus: test/data/probe/nvsmi*.txt (one file per line: make fuzz).
 * The first input byte picks the query (lmprobe's --query-gpu list, its
 * --query-compute-apps list, a short list with an index key, or the GPU
 * ids); the rest is one line. Every sample must make a wire line the one
 * parser reads back, a row must have a key exactly when it is a
 * --query-gpu row, and a compute-apps or ids row must hold only
 * NUL-terminated text that fits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_nvsmi.h"
#include "lm_send.h"
#include "lm_wire.h"
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *lists[] = {
		LM_NVSMI_GPU_QUERY, LM_NVSMI_APP_QUERY,
		"index,name,utilization.gpu,memory.used,temperature.gpu", LM_NVSMI_ID_QUERY,
	};
	struct lm_nvsmi_row row;
	static struct lm_samples ss;
	struct lm_nvsmi q;
	struct lm_line l;
	const char *s = (const char *)data + 1, *k;
	size_t i, n;
	int r;

	if (size < 1)
		return 0;
	n = size - 1;
	if (lm_nvsmi_query(&q, lists[data[0] % 4]) < 0)
		abort();
	lm_samples_reset(&ss);
	if (data[0] % 4 == 1 || data[0] % 4 == 3) {
		r = lm_nvsmi_row(&q, s, n, &row);
		if (r == 0 && (strlen(row.uuid) > LM_NVSMI_TEXT || strlen(row.index) > LM_NVSMI_TEXT ||
		    strlen(row.name) > LM_NVSMI_TEXT || (data[0] % 4 == 1 && row.pid <= 0) ||
		    (row.mem == row.mem && !(row.mem >= 0 || row.mem < 0))))
			abort();
		return 0;
	}
	r = lm_nvsmi_gpu(&q, s, n, &ss);
	if ((r == 0) != (lm_nvsmi_key(&q, s, n, &k) > 0))
		abort();
	if (r < 0 && ss.n)
		abort();
	for (i = 0; i < ss.n; i++) {
		lm_sample_line(&ss.s[i], "board", &l);
		lm_fuzz_roundtrip(&l);
	}
	return 0;
}
