/* fuzz_gpuproc: libFuzzer entry point for the /proc texts lm_gpuproc
 * reads to find the app's processes. Seeds: test/fuzz/seeds/gpuproc/.
 * The first input byte picks the parser: even, a /proc/PID/stat text
 * (the ppid must be -1 or a pid); odd, a /proc/PID/cgroup text (the path
 * must fit, be NUL-terminated, and hold no newline); the rest is the text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_gpuproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, dst[LM_GPUPROC_CGROUP + 1];
	long p;

	if (size < 1)
		return 0;
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	memset(dst, 'x', sizeof dst);
	if (data[0] % 2 == 0) {
		p = lm_gpuproc_ppid(text);
		if (p < -1 || p > 4194304)
			abort();
	} else if (lm_gpuproc_cgroup(text, dst, sizeof dst) == 0) {
		if (!memchr(dst, 0, sizeof dst) || strchr(dst, '\n'))
			abort();
		(void)lm_gpuproc_container(dst, strlen(dst));
	}
	free(text);
	return 0;
}
