/* lmhook: send metric updates to lmtabled from the shell.
 * One update per call, wire lines from stdin, or the duration of a command. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_send.h"
#include "lm_spawn.h"
#include "lm_sock.h"
#include "lm_wire.h"

static const char usage[] =
	"usage: lmhook [-q] [-s PATH] [-a APP] COMMAND [ARG...]\n"
	"commands:\n"
	"  counter NAME [N]         add N (default 1) to counter NAME\n"
	"  gauge NAME VALUE         set gauge NAME to VALUE\n"
	"  add NAME DELTA           add DELTA to gauge NAME\n"
	"  timer NAME SECONDS       record one duration of timer NAME\n"
	"  tick NAME [N]            N events (default 1) for rate NAME, e.g. frames for FPS\n"
	"  time NAME [--] CMD [ARG...]  run CMD, record its duration, exit with its status\n"
	"  send LINE...             send wire lines (lm-wire(5)) as given\n"
	"  -                        read wire lines on stdin, batch and send them\n"
	"  dump [-j]                print lmtabled's table (-j: as one JSON document, lm-json(5))\n"
	"  top [-n FRAMES] [-i SECONDS] [-o KEY] [-w COLUMNS]  a live view of the table\n"
	"  get KNOB                 print the app's knob KNOB (exit 1 when unset)\n"
	"  set KNOB VALUE           set the app's knob KNOB (the controller's side)\n"
	"  unset KNOB               remove the app's knob KNOB\n"
	"  knobs                    print every knob as \"set APP KNOB VALUE\" lines";
static const char help[] =
	"  -s PATH   lmtabled's data socket (default $LM_SOCKET, else /metrics/live_metrics.sock)\n"
	"  -a APP    the app's name (default $LM_APP, else lmhook's parent's name)\n"
	"  -q        quiet: a failed send prints nothing and does not change the exit status\n"
	"  -h, --help  print this and exit 0\n";

#define SEND_WAIT_MS 1000       /* a busy daemon gets this long per datagram */
#define STDIN_DELAY_MS 100      /* a batch waits this long for more input */
#define DUMP_MAX (256u << 20)
#define DUMP_DEADLINE 5.0

/* lmhook top: cmd/lmhook_top.c */
int lmhook_top(const char *path, int argc, char **argv);

static int quiet;
static const char *path;
static struct lm_sender sn;
static char app[LM_TAGVAL_MAX + 1];
static int send_failed;

/* r: what a lm_sender call returned; the first failure is told */
static void sent(int r)
{
	if (r < 0) {
		if (!quiet && !send_failed)
			lm_warn_sys("unable to send to %s", path);
		send_failed = 1;
	}
}

static void send_now(void)
{
	sent(lm_sender_flush(&sn));
}

/* Append one line (with the app tag added when it has none); together:
 * bytes the next line needs in the same datagram. -1 when the line has
 * no room left for the app tag. */
static int queue(struct lm_line *l, size_t together)
{
	struct lm_str v;

	if (!lm_line_tag(l, "app", &v)) {
		if (l->ntags == LM_TAGS_MAX)
			return -1;
		memmove(&l->tags[1], &l->tags[0], l->ntags * sizeof l->tags[0]);
		l->tags[0].k.p = "app";
		l->tags[0].k.n = 3;
		l->tags[0].v.p = app;
		l->tags[0].v.n = strlen(app);
		l->ntags++;
	}
	if (together)
		sent(lm_sender_reserve(&sn, lm_format_line(NULL, 0, l) + 1 + together));
	sent(lm_sender_line(&sn, l));
	return 0;
}

static double number(const char *s, const char *what, double min)
{
	double v;

	if (lm_parse_double(s, strlen(s), &v) < 0 || v < min)
		lm_die(LM_EXIT_USAGE, "bad %s: %s", what, s);
	return v;
}

static const char *metric_name(const char *s)
{
	if (!lm_name_ok(s, strlen(s)))
		lm_die(LM_EXIT_USAGE, "bad metric name: %s (1 to %d bytes of A-Z a-z 0-9 _ . - /)",
			s, LM_NAME_MAX);
	return s;
}

/* Wire lines on stdin: parsed, tagged, batched; a batch goes when the
 * datagram is full or when no input came for STDIN_DELAY_MS. */
static int from_stdin(void)
{
	static char buf[LM_LINE_MAX + 2];
	static struct lm_line l;
	size_t len = 0, lineno = 0, bad = 0;
	int skipping = 0, eof = 0, r;
	struct pollfd p = { 0, POLLIN, 0 };

	while (!eof) {
		ssize_t n;
		char *nl;

		r = poll(&p, 1, sn.dlen ? STDIN_DELAY_MS : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			send_now();
			continue;
		}
		n = read(0, buf + len, sizeof buf - 1 - len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			lm_die_sys(LM_EXIT_SYS, "unable to read stdin");
		}
		if (n == 0) {
			eof = 1;
			if (len && !skipping)
				buf[len++] = '\n';   /* a last line with no newline */
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			size_t ll = (size_t)(nl - buf);
			lineno++;
			if (skipping) {
				skipping = 0;
			} else if (ll) {
				r = lm_parse_line(buf, ll, &l);
				if (r == 0 && l.has_rps)
					r = LM_WE_FIELD;
				if (r == 0 && queue(&l, 0) < 0)
					r = LM_WE_TAG;      /* no room for the app tag */
				if (r && bad++ < 10)
					lm_warn("line %zu rejected: %s", lineno, lm_werr_name(r));
			}
			memmove(buf, nl + 1, len - ll - 1);
			len -= ll + 1;
		}
		if (len == sizeof buf - 1) {
			/* no newline in LM_LINE_MAX + 1 bytes: too long, skip it */
			if (!skipping && bad++ < 10)
				lm_warn("line %zu rejected: %s", lineno + 1, lm_werr_name(LM_WE_TOOLONG));
			skipping = 1;
			len = 0;
		}
	}
	send_now();
	if (bad > 10)
		lm_warn("%zu lines rejected in all", bad);
	return bad ? LM_EXIT_USAGE : 0;
}

static int run_timed(const char *name, char **argv)
{
	struct sigaction ign, oldint, oldquit;
	struct lm_line l;
	struct timespec a, b;
	double dt;
	struct lm_spawn sp;
	int st, code, e = 0;
	pid_t pid;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	lm_spawn_init(&sp, argv);
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = lm_spawn(&sp, &e);
	if (pid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork");
	if (e) {
		errno = e;
		lm_warn_sys("unable to run %s", argv[0]);
	}
	sigaction(SIGINT, &ign, &oldint);
	sigaction(SIGQUIT, &ign, &oldquit);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			lm_die_sys(LM_EXIT_SYS, "unable to wait for %s", argv[0]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	dt = (double)((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec)) * 1e-9;
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGQUIT, &oldquit, NULL);
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!e) {     /* it ran */
		lm_line_init(&l, name, LM_TIMER, dt);
		queue(&l, 0);
		send_now();
	}
	return code;
}

/* dump: the wire lines as lmtabled has them; json: the JSON document,
 * checked whole against the length it was announced with */
static int dump(int json)
{
	struct lm_buf b;
	size_t at = 0, len;

	lm_buf_init(&b, DUMP_MAX);
	if (lm_query(path, json ? "json\n" : "dump\n", &b, DUMP_DEADLINE) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to query %s%s", path, LM_QUERY_SUFFIX);
	if (json) {
		if (lm_query_ok(b.p, b.len, DUMP_MAX, &at, &len) < 0) {
			const char *nl = b.len ? memchr(b.p, '\n', b.len) : NULL;
			size_t n = nl ? (size_t)(nl - b.p) : b.len;
			lm_die(LM_EXIT_SYS, "unable to query %s%s: it answered: %.*s", path,
				LM_QUERY_SUFFIX, n ? (int)(n < 80 ? n : 80) : 9, n ? b.p : "(nothing)");
		}
		if (b.len - at != len)
			lm_die(LM_EXIT_SYS, "unable to query %s%s: the answer ended short", path,
				LM_QUERY_SUFFIX);
	}
	if (b.len > at && fwrite(b.p + at, 1, b.len - at, stdout) != b.len - at)
		lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	lm_buf_free(&b);
	lm_close_stdout();
	return 0;
}

static const char *cur_cmd = "";   /* the command being run, for need() */

/* argc words (the command and its arguments) are not min..max: say what
 * the command takes, as its line of the usage gives it */
static void need(int argc, int min, int max)
{
	char pat[64];
	const char *l, *e;

	if (argc >= min && argc <= max)
		return;
	snprintf(pat, sizeof pat, "\n  %s ", cur_cmd);
	if ((l = strstr(usage, pat)) && (e = strstr(l + 3, "  ")))
		lm_warn("%s: wrong arguments: %.*s", cur_cmd, (int)(e - l - 3), l + 3);
	else
		lm_warn("%s: wrong number of arguments", cur_cmd);
	lm_usage(usage);
}

/* A knob request to the query socket; prints VALUE for get. */
static int knob(const char *cmd, int argc, char **argv)
{
	struct lm_buf req, ans;
	const char *a;
	int code = 0;

	lm_buf_init(&req, 0);
	lm_buf_init(&ans, 1u << 20);
	if (!strcmp(cmd, "knobs")) {
		need(argc, 1, 1);
		lm_buf_adds(&req, "knobs\n");
	} else {
		need(argc, !strcmp(cmd, "set") ? 3 : 2, !strcmp(cmd, "set") ? 3 : 2);
		if (!lm_name_ok(argv[1], strlen(argv[1])))
			lm_die(LM_EXIT_USAGE, "bad knob name: %s (1 to %d bytes of A-Z a-z 0-9 _ . - /)",
				argv[1], LM_NAME_MAX);
		if (argc == 3 && (strchr(argv[2], ' ') || !*argv[2] || strlen(argv[2]) > LM_TAGVAL_MAX ||
		    !lm_text_ok(argv[2], strlen(argv[2]))))
			lm_die(LM_EXIT_USAGE, "bad knob value: %s (1 to %d bytes; no spaces, control bytes, or any of , | #)",
				argv[2], LM_TAGVAL_MAX);
		if (strchr(app, ' '))
			lm_die(LM_EXIT_USAGE, "bad app name for a knob: %s (no spaces)", app);
		lm_buf_adds(&req, cmd);
		lm_buf_addc(&req, ' ');
		lm_buf_adds(&req, app);
		lm_buf_addc(&req, ' ');
		lm_buf_adds(&req, argv[1]);
		if (argc == 3) {
			lm_buf_addc(&req, ' ');
			lm_buf_adds(&req, argv[2]);
		}
		lm_buf_addc(&req, '\n');
	}
	if (req.err)
		lm_die_sys(LM_EXIT_SYS, "unable to build the request");
	if (lm_query(path, req.p, &ans, DUMP_DEADLINE) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to query %s%s", path, LM_QUERY_SUFFIX);
	a = ans.len ? ans.p : "";
	if (!strcmp(cmd, "knobs")) {
		if (ans.len && fwrite(ans.p, 1, ans.len, stdout) != ans.len)
			lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	} else if (!strncmp(a, "ok ", 3) && !strcmp(cmd, "get")) {
		size_t n = strcspn(a + 3, "\n");
		if (fwrite(a + 3, 1, n, stdout) != n || putchar('\n') == EOF)
			lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	} else if (!strcmp(a, "ok\n")) {
		code = 0;
	} else if (!strcmp(a, "unset\n")) {
		code = LM_EXIT_NO;
	} else {
		size_t n = strcspn(a, "\n");
		lm_warn("lmtabled refused: %.*s", (int)n, a);
		code = !strncmp(a, "error permission", 16) || !strncmp(a, "error state_file", 16) ||
			!strncmp(a, "error limit", 11) ? LM_EXIT_SYS : LM_EXIT_USAGE;
	}
	lm_buf_free(&req);
	lm_buf_free(&ans);
	lm_close_stdout();
	return code;
}

LM_ONE_SHOT

int main(int argc, char **argv)
{
	struct lm_line l;
	const char *aname = NULL, *cmd, *name;
	int c, code = 0, i;

	lm_prog = "lmhook";
	lm_help_long(argc, argv, usage, help);
	while ((c = getopt(argc, argv, "+:hqs:a:")) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case 'q':
			quiet = 1;
			break;
		case 's':
			path = optarg;
			break;
		case 'a':
			aname = optarg;
			break;
		default:
			lm_bad_option(usage, c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		lm_warn("no command (lmhook -h lists them)");
		lm_usage(usage);
	}
	cmd = cur_cmd = argv[0];
	path = lm_socket_path(path);
	{
		struct sockaddr_un sa;
		socklen_t salen;
		if (lm_sockaddr(&sa, &salen, path) < 0)
			lm_die_sys(LM_EXIT_USAGE, "unable to use socket path %s", path);
	}
	if (!strcmp(cmd, "dump")) {
		need(argc, 1, 2);
		if (argc == 2 && strcmp(argv[1], "-j") != 0) {
			lm_warn("dump: unknown option: %s", argv[1]);
			lm_usage(usage);
		}
		return dump(argc == 2);
	}
	if (!strcmp(cmd, "top"))
		return lmhook_top(path, argc, argv);
	if (aname && !lm_text_ok(aname, strlen(aname)))
		lm_die(LM_EXIT_USAGE, "bad app name: %s", aname);
	lm_app_name(app, aname, (long)getppid());
	if (!strcmp(cmd, "get") || !strcmp(cmd, "set") || !strcmp(cmd, "unset") || !strcmp(cmd, "knobs"))
		return knob(cmd, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (lm_sender_open(&sn, path, SEND_WAIT_MS) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a socket");

	name = argc > 1 ? argv[1] : NULL;
	if (!strcmp(cmd, "counter") || !strcmp(cmd, "tick")) {
		need(argc, 2, 3);
		lm_line_init(&l, metric_name(name), cmd[0] == 'c' ? LM_COUNTER : LM_RATE,
			argc > 2 ? number(argv[2], "count", 0) : 1);
		queue(&l, 0);
	} else if (!strcmp(cmd, "gauge")) {
		need(argc, 3, 3);
		lm_line_init(&l, metric_name(name), LM_GAUGE, number(argv[2], "value", -1e308));
		if (l.values[0] < 0) {
			/* "-5|g" is a change in StatsD: set 0, then add */
			struct lm_line z;
			lm_line_init(&z, name, LM_GAUGE, 0);
			queue(&z, 256 + strlen(name) + strlen(app));
			l.sign = 1;
		}
		queue(&l, 0);
	} else if (!strcmp(cmd, "add")) {
		need(argc, 3, 3);
		lm_line_init(&l, metric_name(name), LM_GAUGE, number(argv[2], "delta", -1e308));
		l.sign = 1;
		queue(&l, 0);
	} else if (!strcmp(cmd, "timer")) {
		need(argc, 3, 3);
		lm_line_init(&l, metric_name(name), LM_TIMER, number(argv[2], "duration", 0));
		queue(&l, 0);
	} else if (!strcmp(cmd, "time")) {
		need(argc, 3, argc);
		metric_name(name);
		i = 2;
		if (!strcmp(argv[i], "--"))
			i++;
		if (i >= argc) {
			lm_warn("time takes NAME [--] CMD [ARG...]: no command");
			lm_usage(usage);
		}
		code = run_timed(name, argv + i);
	} else if (!strcmp(cmd, "send")) {
		need(argc, 2, argc);
		for (i = 1; i < argc; i++) {
			struct lm_str v;
			int r = lm_parse_line(argv[i], strlen(argv[i]), &l);
			if (r == 0 && l.has_rps)
				r = LM_WE_FIELD;
			if (r == 0 && !lm_line_tag(&l, "app", &v) && l.ntags == LM_TAGS_MAX)
				r = LM_WE_TAG;
			if (r)
				lm_die(LM_EXIT_USAGE, "bad wire line (%s): %s", lm_werr_name(r), argv[i]);
		}
		for (i = 1; i < argc; i++) {
			lm_parse_line(argv[i], strlen(argv[i]), &l);
			queue(&l, 0);
		}
	} else if (!strcmp(cmd, "-")) {
		need(argc, 1, 1);
		code = from_stdin();
	} else {
		lm_warn("unknown command: %s", cmd);
		lm_usage(usage);
	}
	send_now();
	if (send_failed && !quiet && code == 0 && strcmp(cmd, "time"))
		code = LM_EXIT_SYS;
	return code;
}
