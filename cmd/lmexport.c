/* lmexport: one scrape, inetd-style. Reads one HTTP/1.x request on fd 0,
 * asks lmtabled for its table dump, writes the Prometheus exposition (or
 * OpenMetrics or delimited protobuf, when Accept asks for it) on fd 1,
 * exits. -p prints the exposition on stdout instead, for pipes and
 * textfile collectors. -b, -B, -D choose classic histogram bounds. */
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

static const char usage[] = "usage: lmexport [-p] [-o] [-T] [-s PATH] [-t SECONDS] "
	"[-B BOUNDS] [-D BOUNDS] [-b NAME=BOUNDS]...";

/* bounds named with -b; static: too big for the stack */
static struct lm_expo_le sets[LM_EXPO_SETS_MAX];
static struct lm_expo_le timer_le, hist_le;

#define DUMP_MAX (64u << 20)    /* bytes of table dump taken */
#define OUT_MAX (256u << 20)    /* bytes of exposition written */

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

static void reply(int status, int head, const char *ctype, const char *body,
	size_t len, double t)
{
	if (lm_http_reply(1, status, head, ctype, body, len, t) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to write the response");
}

int main(int argc, char **argv)
{
	const char *sarg = NULL, *path;
	struct lm_http_req req;
	struct lm_expo_stats st;
	struct lm_expo_opt opt;
	struct lm_buf dump, out;
	const char *why, *ctype;
	double t = 5;
	size_t i;
	int plain = 0, om = 0, textonly = 0, c, status, e, flags;

	lm_prog = "lmexport";
	opterr = 0;
	memset(&opt, 0, sizeof opt);
	opt.sets = sets;
	while ((c = getopt(argc, argv, ":hpoTs:t:b:B:D:")) != -1) {
		switch (c) {
		case 'h':
			if (printf("%s\n", usage) < 0)
				lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
			lm_close_stdout();
			return LM_EXIT_OK;
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
			if (lm_parse_range(optarg, 0.001, 3600, &t) < 0)
				lm_die(LM_EXIT_USAGE, "invalid -t SECONDS (0.001 to 3600): %s", optarg);
			break;
		default:
			lm_bad_option(usage, c);
		}
	}
	if (optind != argc)
		lm_usage(usage);
	if (sarg && !*sarg)
		lm_die(LM_EXIT_USAGE, "invalid -s PATH: empty");
	path = lm_socket_path(sarg);
	signal(SIGPIPE, SIG_IGN);
	lm_buf_init(&dump, DUMP_MAX);
	lm_buf_init(&out, OUT_MAX);

	if (plain) {
		if (lm_query(path, "dump\n", &dump, t) < 0)
			lm_die_sys(LM_EXIT_SYS, "unable to query %s" LM_QUERY_SUFFIX, path);
		if (lm_expo(&out, dump.p, dump.len, (om ? LM_EXPO_OM : 0) | LM_EXPO_SELF, &opt, &st) < 0)
			lm_die_sys(LM_EXIT_SYS, "unable to format the exposition");
		if (out.len && fwrite(out.p, 1, out.len, stdout) != out.len)
			lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
		lm_buf_free(&dump);
		lm_buf_free(&out);
		lm_close_stdout();
		return LM_EXIT_OK;
	}

	/* inetd contract: the request on fd 0, the answer on fd 1 */
	nonblock(0);
	nonblock(1);
	status = lm_http_read(0, &req, t);
	if (status < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to read the request");
	/* Once an answer is written whole the exit is 0, whatever its status:
	 * the status is the client's news; socat drops the answer of a child
	 * that exits non-zero. What went wrong is said on stderr. */
	if (status == 0)
		return LM_EXIT_OK;      /* closed before a byte: nothing to answer */
	if (status == 200 && req.index) {
		/* "/": a page for people that points to the metrics, as
		 * node_exporter's does */
		static const char page[] = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
			"<title>livemetrics</title></head>\n<body><h1>livemetrics</h1>\n"
			"<p>The live metrics of this node's apps and board, for Prometheus: "
			"<a href=\"" LM_HTTP_PATH "\">" LM_HTTP_PATH "</a></p>\n</body></html>\n";
		reply(200, req.head, "text/html; charset=utf-8", page, sizeof page - 1, t);
		lm_close_stdout();
		return LM_EXIT_OK;
	}
	if (status != 200) {
		reply(status, req.head, NULL, NULL, 0, t);
		lm_warn("answered %d %s", status, lm_http_reason(status));
		return LM_EXIT_OK;
	}
	if (lm_query(path, "dump\n", &dump, t) < 0) {
		static const char body[] = "503 Service Unavailable: the metrics daemon is unreachable\n";
		e = errno;
		reply(503, req.head, NULL, body, sizeof body - 1, t);
		errno = e;
		lm_warn_sys("answered 503: unable to query %s" LM_QUERY_SUFFIX, path);
		lm_buf_free(&dump);
		return LM_EXIT_OK;
	}
	/* -T: a protobuf Accept gets what it would get without protobuf */
	if (textonly && req.protobuf) {
		req.protobuf = 0;
		req.openmetrics = req.q_om > 0;
	}
	flags = LM_EXPO_SELF;
	ctype = LM_EXPO_CT_PROM;
	if (req.protobuf) {
		flags |= LM_EXPO_PB;
		ctype = LM_EXPO_CT_PB;
	} else if (req.openmetrics) {
		flags |= LM_EXPO_OM;
		ctype = LM_EXPO_CT_OM;
	}
	if (lm_expo(&out, dump.p, dump.len, flags, &opt, &st) < 0) {
		e = errno;
		reply(500, req.head, NULL, NULL, 0, t);
		errno = e;
		lm_warn_sys("answered 500: unable to format the exposition");
		lm_buf_free(&dump);
		lm_buf_free(&out);
		return LM_EXIT_OK;
	}
	lm_buf_free(&dump);
	reply(200, req.head, ctype, out.p ? out.p : "", out.len, t);
	lm_buf_free(&out);
	lm_close_stdout();
	return LM_EXIT_OK;
}
