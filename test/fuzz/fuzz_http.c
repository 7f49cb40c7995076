/* fuzz_http: libFuzzer entry point for lmexport's request reader. The
 * input is written whole into one end of a socketpair, whose write side is
 * then shut; lm_http_read reads the other end with a 1 s deadline.
 * Seeds: test/fuzz/seeds/http/. Checks beyond the sanitizers: the status
 * is one lm_http.h documents (never 408: the input ends, never -1), the
 * bytes read stay within the input and LM_HTTP_MAX, and a 200 only for a
 * request that names LM_HTTP_PATH. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lm_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_http_req r;
	int sv[2], st, big = 1 << 20;
	size_t off = 0;
	ssize_t w;

	if (size > 2 * LM_HTTP_MAX + 64)
		return 0;       /* past the cap the reader stops: nothing new */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	while (off < size) {
		w = write(sv[1], data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	memset(&r, 0, sizeof r);
	st = lm_http_read(sv[0], &r, 1);
	switch (st) {
	case 0:
		if (size != 0)
			abort();
		break;
	case 200:
		if (!r.index && !memmem(data, size, LM_HTTP_PATH, strlen(LM_HTTP_PATH)))
			abort();
		/* whole requests only: the blank line that ends the headers */
		if (!memmem(data, size, "\n\r\n", 3) && !memmem(data, size, "\n\n", 2))
			abort();
		/* fall through */
	case 400: case 404: case 405: case 431: case 505:
		if (size == 0)
			abort();
		break;
	default:        /* 408 cannot be: the input ended; -1: nothing failed */
		abort();
	}
	if (r.status != st || r.len > size || r.len > LM_HTTP_MAX + 1)
		abort();
	if (r.minor != 0 && r.minor != 1)
		abort();
	/* one format: protobuf only when asked with q > 0, not below OpenMetrics */
	if (st == 200 && ((r.protobuf && r.openmetrics) || r.q_om < 0 || r.q_om > 1000
	    || r.q_pb < 0 || r.q_pb > 1000 || (r.protobuf && (r.q_pb == 0 || r.q_pb < r.q_om))
	    || (r.openmetrics && r.q_om == 0)))
		abort();
	close(sv[0]);
	close(sv[1]);
	return 0;
}
