/* fuzz_fetch: libFuzzer entry point for lm_fetch's parsers of untrusted
 * text: an archive's listing (tar -t, unzip -l: names chosen by whoever
 * made the archive) and a -D URL. The first byte picks: bit 0 a zip
 * listing (else tar), bit 1 the URL parser instead. Seeds:
 * test/fuzz/seeds/fetch/. Checks beyond the sanitizers:
 *  - a refused listing names a member, NUL-terminated within its cap, no
 *    control byte; a tar listing is refused exactly when a line fails
 *    lm_fetch_name_ok;
 *  - a URL taken has no fragment, fits, a checksum of 64 lowercase hex
 *    digits or none, a NAME of [A-Za-z0-9._-] not starting with '.'. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lm_fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void listing(const char *text, size_t n, int zip)
{
	char bad[40];
	size_t i, k;
	int rc, any = 0;

	memset(bad, 'x', sizeof bad);
	rc = lm_fetch_list_ok(text, n, zip, bad, sizeof bad);
	if (rc != 0 && rc != -1)
		abort();
	if (rc < 0) {
		k = strnlen(bad, sizeof bad);
		if (k == sizeof bad)
			abort();
		for (i = 0; i < k; i++)
			if ((unsigned char)bad[i] < ' ' || bad[i] == 0x7f)
				abort();
	}
	if (zip)
		return;
	for (i = 0; i < n; i = k + 1) {
		const char *e = memchr(text + i, '\n', n - i);
		k = e ? (size_t)(e - text) : n;
		if (!lm_fetch_name_ok(text + i, k - i))
			any = 1;
	}
	if (any != (rc < 0))
		abort();
}

static void url(const char *spec)
{
	static struct lm_fetch f;
	char err[160];
	size_t i, n;

	if (lm_fetch_parse(&f, spec, err, sizeof err) < 0) {
		if (!err[0] || strnlen(err, sizeof err) == sizeof err)
			abort();
		return;
	}
	if (strchr(f.url, '#') || strlen(f.url) > LM_FETCH_URL_MAX || !lm_fetch_is_url(f.url))
		abort();
	n = strlen(f.want);
	if (n && (n != LM_SHA256_HEX || strspn(f.want, "0123456789abcdef") != n))
		abort();
	n = strlen(f.name);
	if (!n || n > LM_FETCH_NAME_MAX || f.name[0] == '.')
		abort();
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", f.name[i]))
			abort();
	if (f.kind < LM_FETCH_FILE || f.kind > LM_FETCH_ZIP)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (!size)
		return 0;
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	if (data[0] & 2)
		url(text);
	else
		listing(text, size - 1, data[0] & 1);
	free(text);
	return 0;
}
