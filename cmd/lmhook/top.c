/* lmhook top: a live view of lmtabled's table for a terminal (lmhook(1)).
 * Reads the table dump every interval, lets lm_top make the rows and the
 * frame, and draws it: on a terminal over the last frame (cursor home,
 * each line cleared to its end, the rest of the screen cleared), cut to
 * the terminal's size; elsewhere as plain lines, no escape codes. Signals
 * arrive on a signalfd; 'q' on a terminal quits. Part of lmhook: kept in
 * its own file, called from main. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_sock.h"
#include "lm_top.h"

int lmhook_top(const char *path, int argc, char **argv);

#define TOP_DUMP_MAX (256u << 20)
#define TOP_DEADLINE 5.0          /* seconds for one dump */
#define TOP_FRAMES_MAX 1000000000.0
#define TOP_WIDTH_MAX 10000.0

static const char top_usage[] =
	"usage: lmhook top [-n FRAMES] [-i SECONDS] [-o KEY] [-w COLUMNS]";

static struct termios saved;
static int restore_tty = -1;      /* the fd whose settings to put back */

static void tty_back(void)
{
	if (restore_tty >= 0)
		tcsetattr(restore_tty, TCSANOW, &saved);
	restore_tty = -1;
}

/* the terminal's size on fd, else $COLUMNS / $LINES, else 80 x 24 */
static void term_size(int fd, size_t *cols, size_t *lines)
{
	struct winsize ws;
	double v;
	const char *e;

	*cols = 80;
	*lines = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*cols = ws.ws_col;
		if (ws.ws_row > 0)
			*lines = ws.ws_row;
		return;
	}
	if ((e = getenv("COLUMNS")) && lm_parse_range(e, 1, TOP_WIDTH_MAX, &v) == 0)
		*cols = (size_t)v;
	if ((e = getenv("LINES")) && lm_parse_range(e, 3, TOP_WIDTH_MAX, &v) == 0)
		*lines = (size_t)v;
}

/* the option's value: attached (-n5) or the next argument */
static const char *optval(int argc, char **argv, int *i)
{
	if (argv[*i][2])
		return argv[*i] + 2;
	if (*i + 1 >= argc) {
		lm_warn("option -%c needs a value", argv[*i][1]);
		lm_usage(top_usage);
	}
	return argv[++*i];
}

int lmhook_top(const char *path, int argc, char **argv)
{
	double frames = 0, interval = 1, v, next;
	size_t width = 0, cols, lines, nframe = 0, nseries = 0;
	int sort = LM_TOP_BY_NAME, fixed_width = 0, tty, keys, sfd, i, quit = 0, failed = 0;
	int clear = 1;     /* clear the whole screen first: the first frame, a resize */
	struct lm_buf dump, out;
	struct lm_top *t;
	sigset_t sigs;
	char err[256] = "";

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		switch (a[1]) {
		case 'n':
			if (lm_parse_range(optval(argc, argv, &i), 1, TOP_FRAMES_MAX, &frames) < 0 ||
			    frames != (double)(long long)frames)
				lm_die(LM_EXIT_USAGE, "bad frame count: %s (1 to 1000000000)", argv[i]);
			break;
		case 'i':
			if (lm_parse_range(optval(argc, argv, &i), 0.1, 3600, &interval) < 0)
				lm_die(LM_EXIT_USAGE, "bad interval: %s (0.1 to 3600 seconds)", argv[i]);
			break;
		case 'o': {
			const char *k = optval(argc, argv, &i);
			if (!strcmp(k, "name"))
				sort = LM_TOP_BY_NAME;
			else if (!strcmp(k, "rate"))
				sort = LM_TOP_BY_RATE;
			else if (!strcmp(k, "last"))
				sort = LM_TOP_BY_LAST;
			else
				lm_die(LM_EXIT_USAGE, "bad order: %s (name, rate or last)", k);
			break;
		}
		case 'w':
			if (lm_parse_range(optval(argc, argv, &i), 20, TOP_WIDTH_MAX, &v) < 0 ||
			    v != (double)(long long)v)
				lm_die(LM_EXIT_USAGE, "bad width: %s (20 to 10000 columns)", argv[i]);
			width = (size_t)v;
			fixed_width = 1;
			break;
		default:
			lm_warn("top: unknown option %s", a);
			lm_usage(top_usage);
		}
	}
	if (i < argc) {
		lm_warn("top: unexpected argument: %s", argv[i]);
		lm_usage(top_usage);
	}

	tty = isatty(1);
	keys = tty && isatty(0);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 ||
	    (sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a signalfd");
	if (keys && tcgetattr(0, &saved) == 0) {
		struct termios raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		restore_tty = 0;
		atexit(tty_back);
		if (tcsetattr(0, TCSANOW, &raw) < 0)
			keys = 0;
	}
	if (!(t = lm_top_new()))
		lm_die_sys(LM_EXIT_SYS, "unable to start");
	lm_buf_init(&dump, TOP_DUMP_MAX);
	lm_buf_init(&out, 0);
	next = lm_mono();
	while (!quit) {
		int redraw_only = nframe > 0;

		if (lm_mono() >= next) {
			redraw_only = 0;
			lm_buf_reset(&dump);
			if (lm_query(path, "dump\n", &dump, TOP_DEADLINE) < 0) {
				if (!tty)
					lm_die_sys(LM_EXIT_SYS, "unable to query %s%s", path, LM_QUERY_SUFFIX);
				snprintf(err, sizeof err, "  unable to query %s%s: %s", path,
					LM_QUERY_SUFFIX, strerror(errno));
				failed = 1;
			} else {
				long n = lm_top_feed(t, dump.p ? dump.p : "", dump.len, lm_mono());
				if (n < 0 && errno == ENOMEM)
					lm_die_sys(LM_EXIT_SYS, "unable to hold the table");
				err[0] = 0;
				failed = 0;
				nseries = n < 0 ? LM_TOP_SERIES_MAX : (size_t)n;
			}
			next += interval;
			if (next < lm_mono())
				next = lm_mono() + interval;   /* a slow dump: no catching up */
		}
		if (!redraw_only || tty) {
			size_t pos, len;
			char head[512];
			lines = 0;
			if (tty) {
				term_size(1, &cols, &lines);
				if (!fixed_width)
					width = cols;
			}
			lm_buf_reset(&out);
			snprintf(head, sizeof head, "lmhook top: %zu apps, %zu series, every %gs%s%s",
				lm_top_apps(t), nseries, interval, keys ? ", q quits" : "", err);
			/* the title, cut as a frame's lines are; no control byte
			 * of the socket path reaches the terminal */
			for (pos = 0; head[pos]; pos++)
				if ((unsigned char)head[pos] < 0x20 || head[pos] == 0x7f)
					head[pos] = '?';
			if (lines && lines < 3)
				lines = 3;
			lm_buf_adds(&out, head);
			if (width && strlen(head) > width)
				out.len = width;
			lm_buf_addc(&out, '\n');
			if (lm_top_render(t, &out, sort, width, lines ? lines - 2 : 0) < 0)
				lm_die_sys(LM_EXIT_SYS, "unable to draw");
			if (tty) {
				/* over the last frame: home, each line cleared to its
				 * end, the rest of the screen cleared (the whole screen
				 * first after a resize, whose reflow left the old lines
				 * wrapped); no newline after the bottom line, which
				 * would scroll */
				struct lm_buf scr;
				const char *p;
				lm_buf_init(&scr, 0);
				lm_buf_adds(&scr, clear ? "\033[H\033[2J" : "\033[H");
				clear = 0;
				for (pos = 0; pos < out.len; pos += len + 1) {
					p = memchr(out.p + pos, '\n', out.len - pos);
					len = p ? (size_t)(p - (out.p + pos)) : out.len - pos;
					lm_buf_add(&scr, out.p + pos, len);
					lm_buf_adds(&scr, "\033[K");
					if (pos + len + 1 < out.len)
						lm_buf_adds(&scr, "\r\n");
				}
				lm_buf_adds(&scr, "\033[J");
				if (scr.err || fwrite(scr.p, 1, scr.len, stdout) != scr.len)
					lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
				lm_buf_free(&scr);
			} else {
				if (nframe && putchar('\n') == EOF)
					lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
				if (fwrite(out.p, 1, out.len, stdout) != out.len)
					lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
			}
			if (fflush(stdout) == EOF)
				lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
			if (!redraw_only && ++nframe >= frames && frames > 0)
				break;
		}
		/* wait for the next frame, a signal or a key */
		for (;;) {
			struct pollfd p[2] = { { sfd, POLLIN, 0 }, { 0, POLLIN, 0 } };
			double left = next - lm_mono();
			int r = poll(p, keys ? 2 : 1, left > 0 ? (int)(left * 1000) + 1 : 0);
			if (r < 0 && errno != EINTR)
				lm_die_sys(LM_EXIT_SYS, "unable to wait");
			if (r <= 0) {
				if (lm_mono() >= next)
					break;
				continue;
			}
			if (p[0].revents) {
				struct signalfd_siginfo si;
				int winch = 0;
				while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
					if (si.ssi_signo == SIGWINCH)
						winch = clear = 1;
					else
						quit = 1;
				}
				if (quit || winch)
					break;
			}
			if (keys && p[1].revents) {
				char c[64];
				ssize_t n = read(0, c, sizeof c);
				if (n == 0 || (n > 0 && (memchr(c, 'q', (size_t)n) || memchr(c, 'Q', (size_t)n) ||
				    memchr(c, 4, (size_t)n))))
					quit = 1;   /* q, or ^D: the end of input */
				if (n < 0 && errno != EINTR && errno != EAGAIN)
					keys = 0;
				if (quit)
					break;
			}
		}
	}
	if (tty && nframe && fputs("\r\n", stdout) == EOF)
		lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	tty_back();
	lm_top_free(t);
	lm_buf_free(&dump);
	lm_buf_free(&out);
	close(sfd);
	lm_close_stdout();
	return failed ? LM_EXIT_SYS : 0;
}
