/* lm_http: read one HTTP/1.x request from an inetd-style fd, and write
 * one whole response. Only what a metrics endpoint needs: GET and HEAD of
 * LM_HTTP_PATH (and of LM_HTTP_PATH_JSON, the table for controllers),
 * Accept for OpenMetrics and for protobuf. Never prints, never exits. */
#ifndef LM_HTTP_H
#define LM_HTTP_H
#include <stddef.h>

#define LM_HTTP_MAX 8192        /* bytes in request line + headers + blank line */
#define LM_HTTP_PATH "/metrics" /* the one path served (a query string is ignored) */
#define LM_HTTP_PATH_JSON "/api/v1/table" /* the table as JSON (lm-json(5)) */
#define LM_HTTP_CT_JSON "application/json"
#define LM_HTTP_ALLOW "GET, HEAD"

struct lm_http_req {
	int status;       /* what lm_http_read returned */
	int head;         /* HEAD: answer with headers only */
	int minor;        /* HTTP/1.minor (0 or 1) once the request line parsed */
	int index;        /* the path is "/": answer the index page (status 200) */
	int json;         /* the path is LM_HTTP_PATH_JSON (status 200) */
	int openmetrics;  /* an Accept header asks for application/openmetrics-text
	                     (q > 0), and not less than for protobuf */
	int protobuf;     /* an Accept header asks for application/vnd.google.protobuf;
	                     proto=io.prometheus.client.MetricFamily; encoding=delimited
	                     with a q > 0, at least as high as OpenMetrics' */
	int q_om, q_pb;   /* the highest q (thousandths) of each, 0 none */
	size_t len;       /* bytes read from the fd */
};

/* Read one request from fd: at most LM_HTTP_MAX bytes of request line and
 * headers, within timeout seconds (monotonic; poll-based, EINTR retried).
 * CRLF and bare LF line ends are both accepted. Returns the HTTP status to
 * answer with, also stored in r->status:
 *   200 GET or HEAD of LM_HTTP_PATH, of LM_HTTP_PATH_JSON (json set), or
 *       of "/" (index set)
 *   404 another path
 *   405 another method (send Allow)     505 a version other than HTTP/1.0, 1.1
 *   400 junk: bad request line or header line, NUL, bare CR, HTTP/2 preface,
 *       end of input before the blank line that ends the headers
 *   431 request line + headers over LM_HTTP_MAX     408 timeout passed
 * 0 when the peer closed without sending a byte (nothing to answer);
 * -1 with errno set when read or poll failed. Junk is answered as soon as
 * it is seen; a well-formed request is read up to its blank line. */
int lm_http_read(int fd, struct lm_http_req *r, double timeout);

/* "OK", "Not Found", ...; "Error" for a status it does not know. */
const char *lm_http_reason(int status);

/* Write a whole response on fd: status line, Content-Type (ctype),
 * Content-Length, Connection: close, Allow on 405, blank line, then body
 * unless head. A NULL body sends "<status> <reason>\n" as text/plain.
 * Short writes and EINTR are handled; each write waits for the fd with
 * poll, so a peer that stops reading costs at most timeout seconds.
 * 0 ok; -1 with errno set (ETIMEDOUT past the timeout, EPIPE, ...). */
int lm_http_reply(int fd, int status, int head, const char *ctype,
	const char *body, size_t len, double timeout);

/* The same for a body that comes in parts: the head says Content-Length
 * clen; only the first n bytes of it (body) go with it, unless head; the
 * caller writes the rest (lm_http_write). */
int lm_http_reply_part(int fd, int status, int head, const char *ctype,
	size_t clen, const char *body, size_t n, double timeout);

/* Write all n bytes of p on fd within timeout seconds; as lm_http_reply. */
int lm_http_write(int fd, const void *p, size_t n, double timeout);
#endif
