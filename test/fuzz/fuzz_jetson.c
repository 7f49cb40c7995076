/* fuzz_jetson: libFuzzer entry point for the jetson source's parsers.
 * Seeds: test/fuzz/seeds/jetson/. The first input byte picks the parser
 * (0: nvpmodel.conf and a status text after the first newline-newline,
 * 1: nv_tegra_release, 2: a sysfs number); the rest is the text. A name
 * or release must fit, be NUL-terminated and hold only label bytes; an
 * id must be a small whole number. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_jetson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void text_ok(const char *s)
{
	size_t i, n = strnlen(s, LM_JETSON_TEXT + 1);

	if (n > LM_JETSON_TEXT)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *status, out[LM_JETSON_TEXT + 1];
	const char *jp;
	long id;
	double v;

	if (size < 1 || !(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	memset(out, 'x', sizeof out);
	switch (data[0] % 3) {
	case 0:
		status = strstr(text, "\n\n");
		if (status)
			*status++ = 0;
		if (lm_jetson_nvpmodel(text, status, &id, out) == 0) {
			text_ok(out);
			if (id < 0 || id > 1000000)
				abort();
		}
		break;
	case 1:
		if (lm_jetson_release(text, out) == 0) {
			text_ok(out);
			if ((jp = lm_jetson_jetpack(out)) && strlen(jp) > LM_JETSON_TEXT)
				abort();
		}
		break;
	default:
		if (lm_jetson_number(text, &v) == 0 && !(v >= 0))
			abort();
	}
	free(text);
	return 0;
}
