/* fuzz_nvmap: libFuzzer entry point for the Jetson nvmap client tables
 * (debugfs iovmm/clients and iovmm/maps). Seeds: test/fuzz/seeds/nvmap/,
 * copies of the fixture tables under test/data/probe/jetson/.
 * The input is a whole table. A row taken must have a pid, a finite size
 * and a comm of at most 15 bytes; rows never pass the set's cap. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_nvmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lm_gpuprocs g;
	char *text;
	size_t i, bad = 0, rows;

	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	lm_gpuproc_reset(&g);
	rows = lm_nvmap_parse(text, &g, 0, &bad);
	if (rows > LM_GPUPROC_ROWS * 1000 || g.n > LM_GPUPROC_ROWS)
		abort();
	for (i = 0; i < g.n; i++)
		if (g.r[i].pid <= 0 || !isfinite(g.r[i].bytes) || g.r[i].bytes < 0 ||
		    strnlen(g.r[i].comm, sizeof g.r[i].comm) > 15)
			abort();
	free(text);
	return 0;
}
