/* lmexport: one scrape, inetd-style. Reads one HTTP/1.x request on fd 0,
 * asks lmtabled for its table dump, writes the Prometheus exposition (or
 * OpenMetrics, when Accept asks for it) on fd 1, exits. -p prints the
 * exposition on stdout instead, for pipes and textfile collectors. */
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

static const char usage[] = "usage: lmexport [-p] [-o] [-s PATH] [-t SECONDS]";

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
	struct lm_buf dump, out;
	double t = 5;
	int plain = 0, om = 0, c, status, e;

	lm_prog = "lmexport";
	opterr = 0;
	while ((c = getopt(argc, argv, ":hpos:t:")) != -1) {
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
		if (lm_expo(&out, dump.p, dump.len, (om ? LM_EXPO_OM : 0) | LM_EXPO_SELF, &st) < 0)
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
	if (lm_expo(&out, dump.p, dump.len, (req.openmetrics ? LM_EXPO_OM : 0) | LM_EXPO_SELF, &st) < 0) {
		e = errno;
		reply(500, req.head, NULL, NULL, 0, t);
		errno = e;
		lm_warn_sys("answered 500: unable to format the exposition");
		lm_buf_free(&dump);
		lm_buf_free(&out);
		return LM_EXIT_OK;
	}
	lm_buf_free(&dump);
	reply(200, req.head, req.openmetrics ? LM_EXPO_CT_OM : LM_EXPO_CT_PROM,
	    out.p ? out.p : "", out.len, t);
	lm_buf_free(&out);
	lm_close_stdout();
	return LM_EXIT_OK;
}
