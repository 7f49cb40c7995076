/* lmexport: one scrape, inetd-style. Reads one HTTP/1.x request on fd 0,
 * asks lmtabled for the exposition in the format Accept asks for
 * (Prometheus text, OpenMetrics or delimited protobuf) with an expo
 * request, or for the table as JSON (GET /api/v1/table, a json request;
 * lm-json(5)), and relays it on fd 1, exits. Nothing is written over
 * HTTP: knobs go through the query socket. lmtabled renders it from its
 * table; the HTTP parser stays here, out of the daemon. -p prints the
 * exposition on stdout instead, for pipes and textfile collectors. -b,
 * -B, -D choose classic histogram bounds; they travel in the request. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lm_buf.h"
#include "lm_expo.h"
#include "lm_http.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_sock.h"
#include "lm_table.h"

static const char usage[] = "usage: lmexport [-p] [-o] [-T] [-s PATH] [-t SECONDS] "
	"[-B BOUNDS] [-D BOUNDS] [-b NAME=BOUNDS]...";
static const char help[] =
	"  (inetd-style: an HTTP request on stdin, the answer on stdout;\n"
	"   GET /metrics: the exposition, GET /api/v1/table: the table as JSON)\n"
	"  -p               plain: no HTTP; print the exposition on stdout and exit\n"
	"  -o               with -p: OpenMetrics text instead of Prometheus text\n"
	"  -T               text only: never answer in protobuf (no native histograms)\n"
	"  -s PATH          lmtabled's data socket (default $LM_SOCKET); asks PATH.query\n"
	"  -t SECONDS       deadline for the request, the exposition and the answer\n"
	"  -B BOUNDS        classic bucket bounds of timers, e.g. 0.005,0.01,0.025\n"
	"  -D BOUNDS        the same for histograms and distributions\n"
	"  -b NAME=BOUNDS   bounds for one metric (repeatable)\n"
	"  -h, --help       print this and exit 0\n";

/* bounds named with -b; static: too big for the stack */
static struct lm_expo_le sets[LM_EXPO_SETS_MAX];
static struct lm_expo_le timer_le, hist_le;

#define OUT_MAX (256u << 20)    /* bytes of exposition taken and written */

/* A socket on fd gets O_NONBLOCK, so that a peer that stops reading
 * cannot hold a write past the deadline; pipes and files stay as they are. */
static void nonblock(int fd)
{
	struct stat sb;
	int fl;

	if (fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	}
}

/* The expo request for flags (LM_EXPO_OM, LM_EXPO_PB) and the bounds of
 * opt, into req. */
static void request(struct lm_buf *req, int flags, const struct lm_expo_opt *opt)
{
	size_t i;

	lm_buf_adds(req, flags & LM_EXPO_PB ? "expo pb" : flags & LM_EXPO_OM ? "expo om" : "expo text");
	if (opt->timer_le) {
		lm_buf_adds(req, " B=");
		lm_expo_le_format(req, opt->timer_le);
	}
	if (opt->hist_le) {
		lm_buf_adds(req, " D=");
		lm_expo_le_format(req, opt->hist_le);
	}
	for (i = 0; i < opt->nsets; i++) {
		lm_buf_adds(req, " b=");
		lm_buf_adds(req, opt->sets[i].name);
		lm_buf_addc(req, '=');
		lm_expo_le_format(req, &opt->sets[i]);
	}
	lm_buf_addc(req, '\n');
}

/* the answer passes through here, a chunk at a time. 64 KiB: lmexport
 * lives one scrape, so each page of it is a fresh page fault (about 9 us
 * on a virtual machine); 256 KiB cost a scrape of 10,000 series 0.5 ms
 * more (docs/benchmarks.md), and fewer syscalls did not pay it back. */
static char chunk[64u << 10];

/* Ask lmtabled at path for the exposition: the query's fd, the length of
 * the exposition in *len, its first bytes in chunk[*at .. *got). -1 with
 * errno set (the query failed, or EPROTO: the answer is not "ok LENGTH";
 * *why then holds its first line). */
static int ask(const char *path, const struct lm_buf *req, double end, size_t *len,
	size_t *at, size_t *got, const char **why)
{
	char *nl = NULL;
	ssize_t r;
	int fd, e;

	*why = NULL;
	*got = 0;
	if ((fd = lm_query_open(path, req->p, end)) < 0)
		return -1;
	while (!(nl = memchr(chunk, '\n', *got)) && *got < 64) {
		r = lm_query_read(fd, chunk + *got, sizeof chunk - 1 - *got, end);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	chunk[*got] = 0;
	if (lm_query_ok(chunk, *got, OUT_MAX, at, len) < 0) {
		if (nl)
			*nl = 0;
		*why = *got ? chunk : "an empty answer";
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The len bytes of the exposition, from chunk[at .. got) on, onto out
 * (plain: stdout through stdio). 0, or -1 with errno set (EPROTO: the
 * answer ended short, or ran long). */
static int relay(int fd, int out, int plain, size_t len, size_t at, size_t got,
	double end, double t)
{
	ssize_t r;
	size_t n;

	for (;;) {
		n = got - at;
		if (n > len) {
			errno = EPROTO;
			return -1;
		}
		if (n && (plain ? fwrite(chunk + at, 1, n, stdout) != n :
		    lm_http_write(out, chunk + at, n, t) < 0))
			return -1;
		len -= n;
		if (!len)
			return 0;
		r = lm_query_read(fd, chunk, len < sizeof chunk ? len : sizeof chunk, end);
		if (r <= 0) {
			if (r == 0)
				errno = EPROTO;
			return -1;
		}
		at = 0;
		got = (size_t)r;
	}
}

static void reply(int status, int head, const char *ctype, const char *body,
	size_t len, double t)
{
	if (lm_http_reply(1, status, head, ctype, body, len, t) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to write the response");
}

LM_ONE_SHOT

int main(int argc, char **argv)
{
	const char *sarg = NULL, *path;
	struct lm_http_req hreq;
	struct lm_expo_opt opt;
	struct lm_buf req;
	const char *why, *ctype;
	size_t len, at, got, first;
	double end;
	double t = 5;
	size_t i;
	int plain = 0, om = 0, textonly = 0, c, status, e, flags, fd;

	lm_prog = "lmexport";
	opterr = 0;
	memset(&opt, 0, sizeof opt);
	opt.sets = sets;
	lm_help_long(argc, argv, usage, help);
	while ((c = getopt(argc, argv, ":hpoTs:t:b:B:D:")) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case 'p':
			plain = 1;
			break;
		case 'o':
			om = 1;
			break;
		case 'T':
			textonly = 1;
			break;
		case 'B':
		case 'D':
			if (lm_expo_le_parse(optarg, c == 'B' ? &timer_le : &hist_le, &why) < 0)
				lm_die(LM_EXIT_USAGE, "invalid -%c BOUNDS (%s): %s", c, why, optarg);
			if (c == 'B')
				opt.timer_le = &timer_le;
			else
				opt.hist_le = &hist_le;
			break;
		case 'b':
			if (opt.nsets == LM_EXPO_SETS_MAX)
				lm_die(LM_EXIT_USAGE, "too many -b (at most %d): %s",
				    LM_EXPO_SETS_MAX, optarg);
			if (lm_expo_le_named(optarg, &sets[opt.nsets], &why) < 0)
				lm_die(LM_EXIT_USAGE, "invalid -b NAME=BOUNDS (%s): %s", why, optarg);
			for (i = 0; i < opt.nsets; i++)
				if (strcmp(sets[i].name, sets[opt.nsets].name) == 0)
					lm_die(LM_EXIT_USAGE, "invalid -b NAME=BOUNDS (%s given twice): %s",
					    sets[i].name, optarg);
			opt.nsets++;
			break;
		case 's':
			sarg = optarg;
			break;
		case 't':
			t = lm_opt_num("timeout", optarg, 0.001, 3600, 0, "seconds");
			break;
		default:
			lm_bad_option(usage, c);
		}
	}
	if (optind != argc) {
		lm_warn("unexpected argument: %s", argv[optind]);
		lm_usage(usage);
	}
	if (sarg && !*sarg)
		lm_die(LM_EXIT_USAGE, "invalid -s PATH: empty");
	path = lm_socket_path(sarg);
	signal(SIGPIPE, SIG_IGN);
	lm_buf_init(&req, LM_EXPO_REQ_MAX);

	if (plain) {
		request(&req, om ? LM_EXPO_OM : 0, &opt);
		if (req.err)
			lm_die(LM_EXIT_USAGE, "too many bounds: the request takes at most %u bytes",
			    LM_EXPO_REQ_MAX);
		if ((fd = ask(path, &req, lm_mono() + t, &len, &at, &got, &why)) < 0) {
			if (why)
				lm_die(LM_EXIT_SYS, "unable to query %s" LM_QUERY_SUFFIX ": it answered: %.80s",
				    path, why);
			lm_die_sys(LM_EXIT_SYS, "unable to query %s" LM_QUERY_SUFFIX, path);
		}
		if (relay(fd, 1, 1, len, at, got, lm_mono() + t, t) < 0)
			lm_die_sys(LM_EXIT_SYS, "unable to relay the exposition from %s" LM_QUERY_SUFFIX, path);
		close(fd);
		lm_buf_free(&req);
		lm_close_stdout();
		return LM_EXIT_OK;
	}

	/* inetd contract: the request on fd 0, the answer on fd 1 */
	nonblock(0);
	nonblock(1);
	status = lm_http_read(0, &hreq, t);
	if (status < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to read the request");
	/* Once an answer is written whole the exit is 0, whatever its status:
	 * the status is the client's news; socat drops the answer of a child
	 * that exits non-zero. What went wrong is said on stderr. */
	if (status == 0)
		return LM_EXIT_OK;      /* closed before a byte: nothing to answer */
	if (status == 200 && hreq.index) {
		/* "/": a page for people that points to the metrics, as
		 * node_exporter's does */
		static const char page[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
			"<title>livemetrics</title></head>\n<body><h1>livemetrics</h1>\n"
			"<p>The live metrics of this node's apps and board, for Prometheus: "
			"<a href=\"" LM_HTTP_PATH "\">" LM_HTTP_PATH "</a></p>\n"
			"<p>The table as JSON, for controllers (lm-json(5)): "
			"<a href=\"" LM_HTTP_PATH_JSON "\">" LM_HTTP_PATH_JSON "</a></p>\n</body></html>\n";
		reply(200, hreq.head, "text/html; charset=utf-8", page, sizeof page - 1, t);
		lm_close_stdout();
		return LM_EXIT_OK;
	}
	if (status != 200) {
		reply(status, hreq.head, NULL, NULL, 0, t);
		lm_warn("answered %d %s", status, lm_http_reason(status));
		return LM_EXIT_OK;
	}
	/* -T: a protobuf Accept gets what it would get without protobuf */
	if (textonly && hreq.protobuf) {
		hreq.protobuf = 0;
		hreq.openmetrics = hreq.q_om > 0;
	}
	flags = 0;
	ctype = LM_EXPO_CT_PROM;
	if (hreq.protobuf) {
		flags |= LM_EXPO_PB;
		ctype = LM_EXPO_CT_PB;
	} else if (hreq.openmetrics) {
		flags |= LM_EXPO_OM;
		ctype = LM_EXPO_CT_OM;
	}
	if (hreq.json) {
		ctype = LM_HTTP_CT_JSON;
		lm_buf_adds(&req, "json\n");
	} else {
		request(&req, flags, &opt);
	}
	end = lm_mono() + t;
	if (req.err || (fd = ask(path, &req, end, &len, &at, &got, &why)) < 0) {
		static const char b503[] = "503 Service Unavailable: the metrics daemon is unreachable\n";
		e = req.err ? req.err : errno;
		reply(503, hreq.head, NULL, b503, sizeof b503 - 1, t);
		errno = e;
		if (why)
			lm_warn("answered 503: %s" LM_QUERY_SUFFIX " answered: %.80s", path, why);
		else
			lm_warn_sys("answered 503: unable to query %s" LM_QUERY_SUFFIX, path);
		lm_buf_free(&req);
		return LM_EXIT_OK;
	}
	lm_buf_free(&req);
	/* the head with the first bytes, then the rest as it comes */
	first = got - at;
	if (first > len)
		lm_die(LM_EXIT_SYS, "unable to relay the exposition from %s" LM_QUERY_SUFFIX
		    ": it ran long", path);
	if (lm_http_reply_part(1, 200, hreq.head, ctype, len, chunk + at, first, t) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to write the response");
	if (!hreq.head && relay(fd, 1, 0, len - first, got, got, end, t) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to relay the exposition from %s" LM_QUERY_SUFFIX, path);
	close(fd);
	lm_close_stdout();
	return LM_EXIT_OK;
}
