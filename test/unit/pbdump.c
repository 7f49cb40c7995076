/* pbdump: delimited MetricFamily protobuf on stdin (or an HTTP answer,
 * whose head is skipped) to text on stdout (pbtext.h); for the shell
 * tests. Exit 0, 1 the input does not decode, 111 read error. */
#include <stdio.h>
#include <string.h>
#include "lm_buf.h"
#include "pbtext.h"

int main(void)
{
	struct lm_buf in, out;
	const char *why, *body;
	char chunk[65536];
	size_t k, off = 0;
	int rc;

	lm_buf_init(&in, 0);
	lm_buf_init(&out, 0);
	while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		lm_buf_add(&in, chunk, k);
	if (ferror(stdin) || in.err) {
		fprintf(stderr, "pbdump: fatal: unable to read stdin\n");
		lm_buf_free(&in);
		return 111;
	}
	if (in.len > 5 && memcmp(in.p, "HTTP/", 5) == 0) {
		body = strstr(in.p, "\r\n\r\n");
		off = body ? (size_t)(body - in.p) + 4 : in.len;
	}
	rc = pbtext(&out, (const unsigned char *)in.p + off, in.len - off, &why) < 0;
	fwrite(out.p ? out.p : "", 1, out.len, stdout);
	if (rc)
		fprintf(stderr, "pbdump: fatal: %s\n", why);
	lm_buf_free(&in);
	lm_buf_free(&out);
	if (fflush(stdout) || ferror(stdout))
		return 111;
	return rc;
}
