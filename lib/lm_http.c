/* lm_http: one HTTP/1.x request in, one response out (see lm_http.h). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lm_http.h"
#include "lm_sock.h"

#define CHUNK 65536   /* most bytes handed to one writev */

/* RFC 9110 tchar: the bytes of a method or a header name */
static int istchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* s[0..n) equals the lower-case word w, ignoring case */
static int caseeq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!w[i] || lower((unsigned char)s[i]) != w[i])
			return 0;
	return w[n] == '\0';
}

static int isows(char c)
{
	return c == ' ' || c == '\t';
}

/* Wait until fd is ready for ev or end passes. 1 ready, 0 timed out, -1 error. */
static int await(int fd, short ev, double end)
{
	struct pollfd p;
	double left;
	int ms, n;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		left = end - lm_mono();
		if (left <= 0)
			return 0;
		ms = left * 1000 >= INT_MAX - 1 ? INT_MAX : (int)(left * 1000) + 1;
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		n = poll(&p, 1, ms);
		if (n > 0 && (p.revents & POLLNVAL)) {
			errno = EBADF;
			return -1;
		}
		if (n > 0)
			return 1;   /* POLLHUP/POLLERR too: the read or write tells */
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

/* s[0..n) equals w exactly */
static int strheq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* A q value in thousandths: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ];
 * anything else counts as 1000, as before q was read at all. */
static int qvalue(const char *v, size_t n)
{
	int q, k = 100;
	size_t i;

	if (n == 0 || (v[0] != '0' && v[0] != '1'))
		return 1000;
	q = (v[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (v[1] != '.' || n > 5)
		return 1000;
	for (i = 2; i < n; i++, k /= 10) {
		if (v[i] < '0' || v[i] > '9')
			return 1000;
		q += (v[i] - '0') * k;
	}
	return q > 1000 ? 1000 : q;
}

/* Accept: the highest q of a media range for application/openmetrics-text
 * (*om) and for the delimited protobuf MetricFamily (*pb); they only grow. */
static void accept_q(const char *v, size_t n, int *om, int *pb)
{
	size_t i = 0, s, e, ps, pe, k;
	int isom, ispb, proto, delim, q;

	while (i < n) {
		while (i < n && (isows(v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',' && v[i] != ';')
			i++;
		e = i;
		while (e > s && isows(v[e - 1]))
			e--;
		isom = caseeq(v + s, e - s, "application/openmetrics-text");
		ispb = caseeq(v + s, e - s, "application/vnd.google.protobuf");
		proto = delim = 0;
		q = 1000;
		while (i < n && v[i] == ';') {   /* parameters */
			i++;
			while (i < n && isows(v[i]))
				i++;
			ps = i;
			while (i < n && v[i] != ',' && v[i] != ';')
				i++;
			pe = i;
			while (pe > ps && isows(v[pe - 1]))
				pe--;
			for (k = ps; k < pe && v[k] != '='; k++)
				;
			if (k == pe)
				continue;
			if (caseeq(v + ps, k - ps, "q"))
				q = qvalue(v + k + 1, pe - k - 1);
			else if (caseeq(v + ps, k - ps, "proto"))
				proto = strheq(v + k + 1, pe - k - 1, "io.prometheus.client.MetricFamily");
			else if (caseeq(v + ps, k - ps, "encoding"))
				delim = caseeq(v + k + 1, pe - k - 1, "delimited");
		}
		if (isom && q > *om)
			*om = q;
		if (ispb && proto && delim && q > *pb)
			*pb = q;
	}
}

/* The request line: METHOD SP TARGET SP HTTP/D.D. Returns 0 and fills
 * *meth (0 other, 1 GET, 2 HEAD) and *hit (a path we serve), or the
 * status for junk (400) and versions we do not speak (505). */
static int reqline(const char *s, size_t n, struct lm_http_req *r, int *meth, int *hit)
{
	size_t i = 0, ms, ts, te, ps, pl;

	while (i < n && istchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return 400;
	ms = i++;
	ts = i;
	while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f)
		i++;
	te = i;
	if (te == ts || i >= n || s[i] != ' ')
		return 400;
	i++;
	if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 5] < '0' || s[i + 5] > '9'
	    || s[i + 6] != '.' || s[i + 7] < '0' || s[i + 7] > '9')
		return 400;
	if (ms == 3 && memcmp(s, "PRI", 3) == 0 && s[i + 5] == '2')
		return 400;   /* the HTTP/2 connection preface */
	if (s[i + 5] != '1' || (s[i + 7] != '0' && s[i + 7] != '1'))
		return 505;
	r->minor = s[i + 7] - '0';
	*meth = ms == 3 && memcmp(s, "GET", 3) == 0 ? 1
	    : ms == 4 && memcmp(s, "HEAD", 4) == 0 ? 2 : 0;

	/* origin-form /path?query, absolute-form http://host/path, or '*' */
	ps = ts;
	if (s[ts] == '/') {
		ps = ts;
	} else if (te - ts >= 7 && caseeq(s + ts, 7, "http://")) {
		ps = ts + 7;
	} else if (te - ts >= 8 && caseeq(s + ts, 8, "https://")) {
		ps = ts + 8;
	} else if (te - ts == 1 && s[ts] == '*') {
		*hit = 0;
		return 0;
	} else {
		return 400;
	}
	if (ps != ts) {   /* skip the authority */
		while (ps < te && s[ps] != '/' && s[ps] != '?')
			ps++;
	}
	pl = 0;
	while (ps + pl < te && s[ps + pl] != '?' && s[ps + pl] != '#')
		pl++;
	*hit = pl == sizeof LM_HTTP_PATH - 1 && memcmp(s + ps, LM_HTTP_PATH, pl) == 0;
	r->index = pl == 1 && s[ps] == '/';
	r->json = pl == sizeof LM_HTTP_PATH_JSON - 1 && memcmp(s + ps, LM_HTTP_PATH_JSON, pl) == 0;
	if (r->index || r->json)
		*hit = 1;
	return 0;
}

/* One header line, not empty. 0 ok, 400 junk. */
static int header(const char *s, size_t n, struct lm_http_req *r)
{
	size_t i = 0, vs, ve;

	while (i < n && istchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return 400;   /* also obs-fold and space before the colon */
	for (vs = i + 1; vs < n; vs++) {
		unsigned char c = s[vs];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}
	vs = i + 1;
	while (vs < n && isows(s[vs]))
		vs++;
	ve = n;
	while (ve > vs && isows(s[ve - 1]))
		ve--;
	if (caseeq(s, i, "accept"))
		accept_q(s + vs, ve - vs, &r->q_om, &r->q_pb);
	return 0;
}

int lm_http_read(int fd, struct lm_http_req *r, double timeout)
{
	char buf[LM_HTTP_MAX + 1];
	size_t len = 0, pos = 0, scan = 0, i, e;
	double end = lm_mono() + timeout;
	int got_line = 0, meth = 0, hit = 0, rc, eof = 0;
	ssize_t k;

	memset(r, 0, sizeof *r);
	for (;;) {
		/* check the new bytes, handle every whole line */
		for (; scan < len; scan++) {
			char c = buf[scan];
			if (c == '\0')
				return r->status = 400;
			if (c == '\r') {
				if (scan + 1 == len)
					break;   /* its LF may come next */
				if (buf[scan + 1] != '\n')
					return r->status = 400;
				continue;
			}
			if (c != '\n')
				continue;
			e = scan;
			if (e > pos && buf[e - 1] == '\r')
				e--;
			if (!got_line) {
				if (e == pos) {   /* empty lines before the request line */
					pos = scan + 1;
					continue;
				}
				rc = reqline(buf + pos, e - pos, r, &meth, &hit);
				if (rc)
					return r->status = rc;
				got_line = 1;
			} else if (e == pos) {
				if (scan + 1 > LM_HTTP_MAX)
					return r->status = 431;
				goto done;
			} else if (header(buf + pos, e - pos, r)) {
				return r->status = 400;
			}
			pos = scan + 1;
		}
		/* a request line that cannot become a method: answer now */
		if (!got_line) {
			for (i = pos; i < len && istchar((unsigned char)buf[i]); i++)
				;
			if (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
				return r->status = 400;
		}
		if (eof) {
			r->len = len;
			if (len == 0)
				return r->status = 0;
			/* the peer shut down before the blank line that ends the
			 * headers: an incomplete request, never answered as whole */
			return r->status = 400;
		}
		if (len > LM_HTTP_MAX)
			return r->status = 431;
		rc = await(fd, POLLIN, end);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return r->status = 408;
		k = read(fd, buf + len, sizeof buf - len);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (k == 0)
			eof = 1;
		len += k;
		r->len = len;
	}
done:
	r->head = meth == 2;
	/* protobuf when asked for at least as much as OpenMetrics */
	r->protobuf = r->q_pb > 0 && r->q_pb >= r->q_om;
	r->openmetrics = r->q_om > 0 && !r->protobuf;
	if (!meth)
		return r->status = 405;
	return r->status = hit ? 200 : 404;
}

const char *lm_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

/* Write the iovecs whole before end. */
static int putv(int fd, struct iovec *iov, int cnt, double end)
{
	struct iovec part[2];
	size_t room;
	ssize_t n;
	int k, rc;

	for (;;) {
		while (cnt > 0 && iov->iov_len == 0) {
			iov++;
			cnt--;
		}
		if (cnt == 0)
			return 0;
		rc = await(fd, POLLOUT, end);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		room = CHUNK;
		for (k = 0; k < cnt && k < 2 && room > 0; k++) {
			part[k] = iov[k];
			if (part[k].iov_len > room)
				part[k].iov_len = room;
			room -= part[k].iov_len;
		}
		n = writev(fd, part, k);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		while (n > 0) {
			size_t m = (size_t)n < iov->iov_len ? (size_t)n : iov->iov_len;
			iov->iov_base = (char *)iov->iov_base + m;
			iov->iov_len -= m;
			n -= m;
			if (iov->iov_len == 0) {
				iov++;
				cnt--;
			}
		}
	}
}

int lm_http_write(int fd, const void *p, size_t n, double timeout)
{
	struct iovec v;

	v.iov_base = (void *)p;
	v.iov_len = n;
	return putv(fd, &v, 1, lm_mono() + timeout);
}

int lm_http_reply(int fd, int status, int head, const char *ctype,
	const char *body, size_t len, double timeout)
{
	char dflt[64];
	int n;

	if (!body) {
		n = snprintf(dflt, sizeof dflt, "%d %s\n", status, lm_http_reason(status));
		body = dflt;
		len = (size_t)n;
		ctype = "text/plain; charset=utf-8";
	}
	return lm_http_reply_part(fd, status, head, ctype, len, body, len, timeout);
}

int lm_http_reply_part(int fd, int status, int head, const char *ctype,
	size_t len, const char *body, size_t blen, double timeout)
{
	char hdr[512];
	struct iovec v[2];
	int n;

	if (!ctype)
		ctype = "text/plain; charset=utf-8";
	n = snprintf(hdr, sizeof hdr,
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "Connection: close\r\n"
	    "\r\n",
	    status, lm_http_reason(status), ctype, len,
	    status == 405 ? "Allow: " LM_HTTP_ALLOW "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof hdr || strpbrk(ctype, "\r\n")) {
		errno = EINVAL;
		return -1;
	}
	v[0].iov_base = hdr;
	v[0].iov_len = (size_t)n;
	v[1].iov_base = (void *)body;
	v[1].iov_len = head ? 0 : blen;
	return putv(fd, v, 2, lm_mono() + timeout);
}
