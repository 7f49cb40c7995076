/* test_http: lm_http_read over socketpairs, lm_http_reply byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "lm_http.h"
#include "lm_sock.h"

#define PROM_ACCEPT "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
/* Prometheus 2.42 --enable-feature=native-histograms; 3.x with protobuf first */
#define PB "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
#define PROM_ACCEPT_PB PB ";q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
/* Prometheus 3.x by default, with escaping=underscores, and asked for
 * PrometheusText1.0.0 alone (scrape_protocols) */
#define PROM3_ACCEPT "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
#define PROM3_ACCEPT_US "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
#define PROM3_ACCEPT_TXT1 "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.1"
#define PROM3_ACCEPT_PB PB ";q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3"

struct row {
	const char *name;
	const char *req;     /* request bytes */
	size_t len;          /* 0: strlen(req) */
	int eof;             /* shut the write side after the bytes */
	int status;          /* expected lm_http_read result */
	int head, om, minor; /* expected flags (checked when status is 200/404/405);
	                        om: 0 text, 1 OpenMetrics, 2 protobuf */
};

#define R(name, req, eof, st, head, om, minor) { name, req, 0, eof, st, head, om, minor }
#define RB(name, req, eof, st) { name, req, sizeof req - 1, eof, st, 0, 0, 0 }

static const struct row rows[] = {
	R("GET CRLF", "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 0, 200, 0, 0, 1),
	R("GET LF only", "GET /metrics HTTP/1.0\n\n", 0, 200, 0, 0, 0),
	R("GET LF headers", "GET /metrics HTTP/1.1\nHost: a\nUser-Agent: t\n\n", 0, 200, 0, 0, 1),
	R("mixed line ends", "GET /metrics HTTP/1.1\r\nHost: a\n\r\n", 0, 200, 0, 0, 1),
	R("no headers", "GET /metrics HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("query string", "GET /metrics?x=1&y HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("empty query", "GET /metrics? HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("HEAD", "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n", 0, 200, 1, 0, 1),
	R("absolute-form", "GET http://node:9090/metrics HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("absolute-form https", "GET HTTPS://node/metrics?a HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("absolute-form no path", "GET http://node:9090 HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("leading empty lines", "\r\n\nGET /metrics HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("tab in header value", "GET /metrics HTTP/1.1\r\nX-A: a\tb\r\n\r\n", 0, 200, 0, 0, 1),
	R("no space after colon", "GET /metrics HTTP/1.1\r\nHost:a\r\n\r\n", 0, 200, 0, 0, 1),
	R("empty header value", "GET /metrics HTTP/1.1\r\nX-Empty:\r\n\r\n", 0, 200, 0, 0, 1),
	R("obs-text in value", "GET /metrics HTTP/1.1\r\nX-U: caf\xc3\xa9 \xff\r\n\r\n", 0, 200, 0, 0, 1),
	R("bytes after headers", "GET /metrics HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("eof after request line: incomplete", "GET /metrics HTTP/1.0\n", 1, 400, 0, 0, 0),
	R("eof after a header: incomplete", "GET /metrics HTTP/1.0\r\nHost: a\r\n", 1, 400, 0, 0, 0),

	R("root path: the index page", "GET / HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("other path", "GET /x HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("root with a query", "GET /?a=1 HTTP/1.1\r\n\r\n", 0, 200, 0, 0, 1),
	R("trailing slash", "GET /metrics/ HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("longer path", "GET /metricsx HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("prefix path", "GET /metric HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("percent-encoded", "GET /%6detrics HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),
	R("HEAD other path", "HEAD /x HTTP/1.0\r\n\r\n", 0, 404, 1, 0, 0),
	R("GET asterisk", "GET * HTTP/1.1\r\n\r\n", 0, 404, 0, 0, 1),

	R("POST", "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, 405, 0, 0, 1),
	R("PUT", "PUT /metrics HTTP/1.1\r\n\r\n", 0, 405, 0, 0, 1),
	R("DELETE other path", "DELETE /x HTTP/1.1\r\n\r\n", 0, 405, 0, 0, 1),
	R("OPTIONS *", "OPTIONS * HTTP/1.1\r\n\r\n", 0, 405, 0, 0, 1),
	R("lower-case get", "get /metrics HTTP/1.1\r\n\r\n", 0, 405, 0, 0, 1),
	R("BREW", "BREW /metrics HTTP/1.1\r\n\r\n", 0, 405, 0, 0, 1),

	R("HTTP/2.0", "GET /metrics HTTP/2.0\r\n\r\n", 0, 505, 0, 0, 0),
	R("HTTP/1.2", "GET /metrics HTTP/1.2\r\n\r\n", 0, 505, 0, 0, 0),
	R("HTTP/0.9", "GET /metrics HTTP/0.9\r\n\r\n", 0, 505, 0, 0, 0),
	R("HTTP/3.0", "GET /metrics HTTP/3.0\r\n\r\n", 0, 505, 0, 0, 0),

	R("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, 400, 0, 0, 0),
	R("no version", "GET /metrics\r\n\r\n", 0, 400, 0, 0, 0),
	R("HTTP/0.9 simple request", "GET /metrics\n", 1, 400, 0, 0, 0),
	R("double space", "GET  /metrics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("trailing space", "GET /metrics HTTP/1.1 \r\n\r\n", 0, 400, 0, 0, 0),
	R("leading space", " GET /metrics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("tab separator", "GET\t/metrics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("lower-case http", "GET /metrics http/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("two-digit minor", "GET /metrics HTTP/1.10\r\n\r\n", 0, 400, 0, 0, 0),
	R("two-digit major", "GET /metrics HTTP/11.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("version junk", "GET /metrics HTTP/1.x\r\n\r\n", 0, 400, 0, 0, 0),
	R("four tokens", "GET /metrics HTTP/1.1 extra\r\n\r\n", 0, 400, 0, 0, 0),
	R("relative target", "GET metrics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("non-token method", "GE(T /metrics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("DEL in target", "GET /met\x7frics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("high byte in target", "GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("bare CR in request line", "GET /metrics\rHTTP/1.1\r\n\r\n", 0, 400, 0, 0, 0),
	R("bare CR in header", "GET /metrics HTTP/1.1\r\nX: a\rb\r\n\r\n", 0, 400, 0, 0, 0),
	R("CR CR LF", "GET /metrics HTTP/1.1\r\r\n\r\n", 0, 400, 0, 0, 0),
	R("header without colon", "GET /metrics HTTP/1.1\r\nHost a\r\n\r\n", 0, 400, 0, 0, 0),
	R("space before colon", "GET /metrics HTTP/1.1\r\nHost : a\r\n\r\n", 0, 400, 0, 0, 0),
	R("empty header name", "GET /metrics HTTP/1.1\r\n: a\r\n\r\n", 0, 400, 0, 0, 0),
	R("obs-fold", "GET /metrics HTTP/1.1\r\nX: a\r\n  b\r\n\r\n", 0, 400, 0, 0, 0),
	R("leading tab header", "GET /metrics HTTP/1.1\r\n\tX: a\r\n\r\n", 0, 400, 0, 0, 0),
	R("bad name byte", "GET /metrics HTTP/1.1\r\nX(y): a\r\n\r\n", 0, 400, 0, 0, 0),
	R("control byte in value", "GET /metrics HTTP/1.1\r\nX: a\x01\r\n\r\n", 0, 400, 0, 0, 0),
	R("DEL in value", "GET /metrics HTTP/1.1\r\nX: a\x7f\r\n\r\n", 0, 400, 0, 0, 0),
	R("TLS client hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, 400, 0, 0, 0),
	R("binary junk", "\x80\x81\x82", 0, 400, 0, 0, 0),
	R("eof inside request line", "GET /metr", 1, 400, 0, 0, 0),
	R("eof inside header", "GET /metrics HTTP/1.1\r\nHost: a", 1, 400, 0, 0, 0),
	R("eof after CR", "GET /metrics HTTP/1.1\r", 1, 400, 0, 0, 0),
	R("eof before a byte", "", 1, 0, 0, 0, 0),
	R("eof after empty lines", "\r\n\r\n", 1, 400, 0, 0, 0),
	RB("NUL in target", "GET /me\0trics HTTP/1.1\r\n\r\n", 0, 400),
	RB("NUL in header", "GET /metrics HTTP/1.1\r\nX: \0\r\n\r\n", 0, 400),
	RB("NUL first", "\0GET /metrics HTTP/1.1\r\n\r\n", 0, 400),

	R("Accept openmetrics", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept Prometheus", "GET /metrics HTTP/1.1\r\nAccept: " PROM_ACCEPT "\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept Prometheus 3", "GET /metrics HTTP/1.1\r\nAccept: " PROM3_ACCEPT "\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept Prometheus 3 underscores", "GET /metrics HTTP/1.1\r\nAccept: " PROM3_ACCEPT_US "\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept Prometheus 3 text 1.0.0 only", "GET /metrics HTTP/1.1\r\nAccept: " PROM3_ACCEPT_TXT1 "\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept upper case", "GET /metrics HTTP/1.1\r\naccept: APPLICATION/OpenMetrics-Text; version=1.0.0\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept text/plain", "GET /metrics HTTP/1.1\r\nAccept: text/plain;version=0.0.4\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept any", "GET /metrics HTTP/1.1\r\nAccept: */*\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept q=0", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;q=0, text/plain\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept q=0.000", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text; q=0.000\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept q=0.5", "GET /metrics HTTP/1.1\r\nAccept: text/plain, application/openmetrics-text ; q=0.5\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept second header", "GET /metrics HTTP/1.1\r\nAccept: text/plain\r\nAccept: application/openmetrics-text\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept prefix only", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-textual\r\n\r\n", 0, 200, 0, 0, 1),
	R("not Accept", "GET /metrics HTTP/1.1\r\nX-Accept: application/openmetrics-text\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept in a value", "GET /metrics HTTP/1.1\r\nUser-Agent: application/openmetrics-text\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept LF only", "GET /metrics HTTP/1.0\nAccept: application/openmetrics-text\n\n", 0, 200, 0, 1, 0),
	R("Accept protobuf: Prometheus 2.42 native histograms", "GET /metrics HTTP/1.1\r\nAccept: " PROM_ACCEPT_PB "\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf: Prometheus 3", "GET /metrics HTTP/1.1\r\nAccept: " PROM3_ACCEPT_PB "\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf alone", "GET /metrics HTTP/1.1\r\nAccept: " PB "\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf spaces, case", "GET /metrics HTTP/1.1\r\nAccept: Application/Vnd.Google.Protobuf ; proto=io.prometheus.client.MetricFamily ; Encoding=Delimited\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf params reordered", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;encoding=delimited;q=0.9;proto=io.prometheus.client.MetricFamily\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf below OpenMetrics", "GET /metrics HTTP/1.1\r\nAccept: " PB ";q=0.4,application/openmetrics-text;q=0.5\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept protobuf equal to OpenMetrics", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;q=0.5," PB ";q=0.5\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf second header", "GET /metrics HTTP/1.1\r\nAccept: text/plain\r\nAccept: " PB "\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf q=0", "GET /metrics HTTP/1.1\r\nAccept: " PB ";q=0\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf q=0 with OpenMetrics", "GET /metrics HTTP/1.1\r\nAccept: " PB ";q=0.0,application/openmetrics-text;q=0.1\r\n\r\n", 0, 200, 0, 1, 1),
	R("Accept protobuf no proto", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;encoding=delimited\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf other proto", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;proto=io.prometheus.client.Metric;encoding=delimited\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf proto case", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;proto=IO.prometheus.client.MetricFamily;encoding=delimited\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf text encoding", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf no encoding", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf prefix", "GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobufx;proto=io.prometheus.client.MetricFamily;encoding=delimited\r\n\r\n", 0, 200, 0, 0, 1),
	R("Accept protobuf q=1.000", "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;q=0.999," PB ";q=1.000\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept protobuf bare param", "GET /metrics HTTP/1.1\r\nAccept: " PB ";q\r\n\r\n", 0, 200, 0, 2, 1),
	R("Accept HEAD", "HEAD /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n", 0, 200, 1, 1, 1),
};

/* Feed req into one end of a socketpair, read it from the other. */
static int feed(const char *req, size_t len, int eof, double timeout,
	struct lm_http_req *r, double *took)
{
	int sv[2], st;
	double t0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -2;
	if (len && write(sv[1], req, len) != (ssize_t)len)
		return -2;
	if (eof)
		shutdown(sv[1], SHUT_WR);
	t0 = lm_mono();
	st = lm_http_read(sv[0], r, timeout);
	if (took)
		*took = lm_mono() - t0;
	close(sv[0]);
	close(sv[1]);
	return st;
}

static void table(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];
		struct lm_http_req r;
		size_t len = w->len ? w->len : strlen(w->req);
		double took;
		int st = feed(w->req, len, w->eof, 2, &r, &took);
		int flags = st == 200 || st == 404 || st == 405;

		T_OK(st == w->status && r.status == st && (!flags || (r.head == w->head
		    && (r.protobuf ? 2 : r.openmetrics) == w->om && r.minor == w->minor))
		    && took < 1,
		    "read %s: status %d want %d, head %d want %d, format %d want %d, minor %d want %d",
		    w->name, st, w->status, r.head, w->head, r.protobuf ? 2 : r.openmetrics, w->om,
		    r.minor, w->minor);
	}
}

/* Request of exactly n bytes: GET line, one X header padded, blank line. */
/* which page a request is for: the exposition, the table as JSON
 * (LM_HTTP_PATH_JSON), the index */
static void paths(void)
{
	static const struct {
		const char *name, *req;
		int status, json, index;
	} pr[] = {
		{ "GET /api/v1/table", "GET /api/v1/table HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "HEAD /api/v1/table", "HEAD /api/v1/table HTTP/1.0\r\n\r\n", 200, 1, 0 },
		{ "json: a query string", "GET /api/v1/table?a=1 HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "json: absolute-form", "GET http://n:9090/api/v1/table HTTP/1.1\r\n\r\n", 200, 1, 0 },
		{ "json: with an Accept", "GET /api/v1/table HTTP/1.1\r\nAccept: " PB "\r\n\r\n", 200, 1, 0 },
		{ "/metrics is not json", "GET /metrics HTTP/1.1\r\n\r\n", 200, 0, 0 },
		{ "/ is the index", "GET / HTTP/1.1\r\n\r\n", 200, 0, 1 },
		{ "POST /api/v1/table: no writes", "POST /api/v1/table HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405, 1, 0 },
		{ "PUT /api/v1/table", "PUT /api/v1/table HTTP/1.1\r\n\r\n", 405, 1, 0 },
		{ "trailing slash", "GET /api/v1/table/ HTTP/1.1\r\n\r\n", 404, 0, 0 },
		{ "longer", "GET /api/v1/tables HTTP/1.1\r\n\r\n", 404, 0, 0 },
		{ "shorter", "GET /api/v1/tabl HTTP/1.1\r\n\r\n", 404, 0, 0 },
		{ "upper case", "GET /API/v1/table HTTP/1.1\r\n\r\n", 404, 0, 0 },
		{ "under it", "GET /api/v1/table/x HTTP/1.1\r\n\r\n", 404, 0, 0 },
	};
	struct lm_http_req r;
	size_t i;
	int st;

	for (i = 0; i < sizeof pr / sizeof pr[0]; i++) {
		st = feed(pr[i].req, strlen(pr[i].req), 0, 2, &r, NULL);
		T_OK(st == pr[i].status && r.json == pr[i].json && r.index == pr[i].index,
			"paths: %s: %d (json %d, index %d)", pr[i].name, st, r.json, r.index);
	}
}

static char *sized(size_t n, int lf)
{
	const char *head = lf ? "GET /metrics HTTP/1.1\nX: " : "GET /metrics HTTP/1.1\r\nX: ";
	const char *tail = lf ? "\n\n" : "\r\n\r\n";
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(n + 1);

	memcpy(s, head, hl);
	memset(s + hl, 'a', n - hl - tl);
	memcpy(s + n - tl, tail, tl);
	s[n] = '\0';
	return s;
}

static void sizes(void)
{
	static const struct {
		size_t n;
		int lf, eof, status;
	} v[] = {
		{ LM_HTTP_MAX, 0, 0, 200 },
		{ LM_HTTP_MAX, 1, 0, 200 },
		{ LM_HTTP_MAX + 1, 0, 0, 431 },
		{ LM_HTTP_MAX + 1, 1, 0, 431 },
		{ LM_HTTP_MAX + 2, 0, 1, 431 },
		{ 65536, 0, 0, 431 },
		{ 100000, 1, 1, 431 },
	};
	struct lm_http_req r;
	char *s, *line;
	size_t i;
	int st;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		int sv[2];
		pid_t pid;
		s = sized(v[i].n, v[i].lf);
		/* a writer process: the request may not fit in the socket buffer */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return;
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			signal(SIGPIPE, SIG_IGN);
			if (write(sv[1], s, v[i].n) < 0)
				_exit(0);
			if (v[i].eof)
				shutdown(sv[1], SHUT_WR);
			_exit(0);
		}
		close(sv[1]);
		st = lm_http_read(sv[0], &r, 2);
		close(sv[0]);
		waitpid(pid, NULL, 0);
		T_OK(st == v[i].status, "size %zu bytes (%s): status %d want %d", v[i].n,
		    v[i].lf ? "LF" : "CRLF", st, v[i].status);
		free(s);
	}

	/* a request line alone over the cap, no line end yet */
	line = malloc(LM_HTTP_MAX + 100);
	memcpy(line, "GET /", 5);
	memset(line + 5, 'a', LM_HTTP_MAX + 95);
	st = feed(line, LM_HTTP_MAX + 100, 0, 2, &r, NULL);
	T_OK(st == 431, "long request line: status %d want 431", st);
	free(line);
}

static void deadlines(void)
{
	struct lm_http_req r;
	double took;
	int st, sv[2];
	pid_t pid;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t i;

	st = feed("GET /metrics HTTP/1.1\r\n", 23, 0, 0.2, &r, &took);
	T_OK(st == 408 && took >= 0.19 && took < 1.5,
	    "slowloris: half a request: status %d want 408 after %.3fs", st, took);
	st = feed("", 0, 0, 0.1, &r, &took);
	T_OK(st == 408 && took >= 0.09 && took < 1.5,
	    "silent peer: status %d want 408 after %.3fs", st, took);
	st = feed("GE", 2, 0, 0.1, &r, &took);
	T_OK(st == 408, "partial method: status %d want 408", st);

	/* one byte every 20 ms: the deadline is for the whole request */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 20000000 };
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		for (i = 0; req[i]; i++) {
			if (write(sv[1], req + i, 1) != 1)
				_exit(0);
			nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	close(sv[1]);
	took = lm_mono();
	st = lm_http_read(sv[0], &r, 0.15);
	took = lm_mono() - took;
	close(sv[0]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	T_OK(st == 408 && took < 1, "trickle past the deadline: status %d want 408 after %.3fs",
	    st, took);

	/* the same trickle within a long deadline is a good request */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 2000000 };
		close(sv[0]);
		for (i = 0; req[i]; i++) {
			if (write(sv[1], req + i, 1) != 1)
				_exit(0);
			nanosleep(&ts, NULL);
		}
		pause();
		_exit(0);
	}
	close(sv[1]);
	st = lm_http_read(sv[0], &r, 5);
	close(sv[0]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	T_OK(st == 200, "trickle within the deadline: status %d want 200", st);

	/* junk is answered at once, not at the deadline */
	st = feed("\x16\x03\x01", 3, 0, 5, &r, &took);
	T_OK(st == 400 && took < 1, "junk without a line end: status %d in %.3fs", st, took);

	st = lm_http_read(-1, &r, 1);
	T_OK(st == -1 && errno == EBADF, "fd -1: %d want -1", st);
	sv[0] = dup(0);
	close(sv[0]);
	st = lm_http_read(sv[0], &r, 1);
	T_OK(st == -1 && errno == EBADF, "closed fd: %d want -1", st);
}

/* s with control bytes shown as \r, \n, \xNN, for one-line messages */
static const char *vis(const char *s)
{
	static char out[4096];
	size_t o = 0;

	for (; *s && o < sizeof out - 5; s++) {
		unsigned char c = *s;
		if (c == '\r' || c == '\n') {
			out[o++] = '\\';
			out[o++] = c == '\r' ? 'r' : 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* Everything that comes out of fd until EOF. */
static size_t slurp(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;

	while (n < cap && (k = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)k;
	buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

static void replies(void)
{
	static const struct {
		const char *name;
		int status, head;
		const char *ctype, *body, *want;
	} v[] = {
		{ "200 GET", 200, 0, "text/plain; version=0.0.4; charset=utf-8", "a 1\n",
		  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		  "Content-Length: 4\r\nConnection: close\r\n\r\na 1\n" },
		{ "200 HEAD", 200, 1, "text/plain; version=0.0.4; charset=utf-8", "a 1\n",
		  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		  "Content-Length: 4\r\nConnection: close\r\n\r\n" },
		{ "200 empty body", 200, 0, "text/plain", "",
		  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		  "Content-Length: 0\r\nConnection: close\r\n\r\n" },
		{ "404 default body", 404, 0, NULL, NULL,
		  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 14\r\nConnection: close\r\n\r\n404 Not Found\n" },
		{ "405 Allow", 405, 0, NULL, NULL,
		  "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 23\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n"
		  "405 Method Not Allowed\n" },
		{ "404 HEAD", 404, 1, NULL, NULL,
		  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 14\r\nConnection: close\r\n\r\n" },
		{ "400", 400, 0, NULL, NULL,
		  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 16\r\nConnection: close\r\n\r\n400 Bad Request\n" },
		{ "408", 408, 0, NULL, NULL,
		  "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 20\r\nConnection: close\r\n\r\n408 Request Timeout\n" },
		{ "431", 431, 0, NULL, NULL,
		  "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 36\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large\n" },
		{ "503 body", 503, 0, NULL, "down\n",
		  "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 5\r\nConnection: close\r\n\r\ndown\n" },
		{ "505", 505, 0, NULL, NULL,
		  "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: 31\r\nConnection: close\r\n\r\n505 HTTP Version Not Supported\n" },
	};
	char got[1024];
	size_t i;
	int sv[2], rc;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return;
		rc = lm_http_reply(sv[0], v[i].status, v[i].head, v[i].ctype, v[i].body,
		    v[i].body ? strlen(v[i].body) : 0, 1);
		close(sv[0]);
		slurp(sv[1], got, sizeof got);
		close(sv[1]);
		T_OK(rc == 0 && strcmp(got, v[i].want) == 0, "reply %s: rc %d got [%s]",
		    v[i].name, rc, vis(got));
	}

	/* a header injection through the content type is refused */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		rc = lm_http_reply(sv[0], 200, 0, "text/plain\r\nX: y", "a", 1, 1);
		T_OK(rc == -1 && errno == EINVAL, "reply: CRLF in content type refused");
		close(sv[0]);
		close(sv[1]);
	}
}

/* A big body through a pipe with a slow reader: short writes add up. */
static void bigwrite(void)
{
	size_t n = 3 << 20, i, got = 0, bad = 0;
	char *body = malloc(n), buf[65536];
	int p[2], rc, fl;
	pid_t pid;
	ssize_t k;

	for (i = 0; i < n; i++)
		body[i] = (char)('a' + i % 26);
	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		while ((k = read(p[0], buf, 1000)) > 0) {
			for (i = 0; i < (size_t)k; i++)
				if (buf[i] != (char)('a' + (got + i) % 26))
					bad++;
			got += (size_t)k;
		}
		free(body);     /* the parent's copy: not a leak for valgrind */
		_exit(got == n && !bad ? 0 : 1);
	}
	close(p[0]);
	fl = fcntl(p[1], F_GETFL);
	fcntl(p[1], F_SETFL, fl | O_NONBLOCK);   /* EAGAIN on the way too */
	rc = lm_http_write(p[1], body, n, 10);
	close(p[1]);
	waitpid(pid, &fl, 0);
	T_OK(rc == 0 && WIFEXITED(fl) && WEXITSTATUS(fl) == 0,
	    "write 3 MiB through a pipe: rc %d, reader ok %d", rc, WIFEXITED(fl) && !WEXITSTATUS(fl));

	/* nobody reads: the write gives up at its deadline */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) {
		double t0 = lm_mono(), took;
		fl = fcntl(p[0], F_GETFL);
		fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
		rc = lm_http_reply(p[0], 200, 0, "text/plain", body, n, 0.2);
		took = lm_mono() - t0;
		T_OK(rc == -1 && errno == ETIMEDOUT && took >= 0.19 && took < 1.5,
		    "reader stalls: rc %d, %s after %.3fs", rc, strerror(errno), took);
		close(p[0]);
		close(p[1]);
	}

	/* the peer went away: EPIPE, not a signal */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(p[1]);
		rc = lm_http_reply(p[0], 200, 0, "text/plain", "x", 1, 1);
		T_OK(rc == -1 && errno == EPIPE, "peer gone: rc %d %s", rc, strerror(errno));
		close(p[0]);
	}
	free(body);
}

static void reasons(void)
{
	T_STREQ(lm_http_reason(200), "OK", "reason 200");
	T_STREQ(lm_http_reason(405), "Method Not Allowed", "reason 405");
	T_STREQ(lm_http_reason(599), "Error", "reason unknown");
}

int main(void)
{
	t_file = "test_http";
	table();
	paths();
	sizes();
	deadlines();
	replies();
	bigwrite();
	reasons();
	return T_DONE();
}
