/* lmsession: one profiling session. Runs an app (a command, or a container
 * image through a runtime command) under a deadline beside a private
 * lmtabled and lmprobe, samples every metric, and leaves a results folder:
 * samples.csv, summary.json, summary.txt, junit.xml, report.html (and
 * report.css), perfreport.xml and plot/ for Jenkins' trends, the app's
 * output and the wrapped profilers' files.
 *
 * Processes: lmsession (this one: sampling, deadline, results) forks a
 * keeper, a child subreaper that starts the app in a session of its own
 * and is the ancestor of everything the app starts, even daemonised
 * grandchildren. When lmsession dies in any way, the keeper sees its pipe
 * close and kills every descendant, so no orphan survives. lmtabled,
 * lmprobe and tegrastats get SIGTERM when lmsession dies (PDEATHSIG). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include "lm_acct.h"
#include "lm_buf.h"
#include "lm_fetch.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_session.h"
#include "lm_sock.h"
#include "lm_usage.h"
#include "lm_wire.h"

extern char **environ;

static const char usage[] =
	"usage: lmsession [-q] [-o DIR] [-n NAME] [-t SECS] [-r SECS] [-g SECS] [-i SECS]"
	" [-e EXPECT] [-b DIR] [-D PATH|URL] [-K DIR] [-E VAR=VALUE] [-w PREFIX] [-p SOURCE]"
	" [-I IMAGE] [-R RUNTIME] [-A ARGS] [-a ARGS] [--] [CMD [ARG ...]]";

static const char help[] =
	"  -o, --output DIR        results folder (default lmsession-NAME-YYYYmmdd-HHMMSS, UTC)\n"
	"  -n, --name NAME         the app's name (default $app_name, else the image, the script\n"
	"                          of an interpreter (python3 app.py: app), or the command)\n"
	"  -t, --timeout SECS      deadline: then SIGINT, SIGTERM, SIGKILL; a failure (124/137)\n"
	"  -r, --run-for SECS      planned stop: SIGINT after SECS, then as -t; not a failure\n"
	"  -g, --grace SECS        wait between the signals (default 5)\n"
	"  -i, --interval SECS     sampling period (default 1)\n"
	"  -e, --expect EXPECT     threshold, e.g. 'fps>=10', 'latency.p95<=1.1*baseline' (repeatable)\n"
	"  -b, --baseline DIR      an earlier run's folder: deltas and relative thresholds\n"
	"  -D, --dataset PATH|URL  dataset: $LM_DATASET, {dataset}; mounted at /dataset in a container;\n"
	"                          a URL (http, https; #sha256=HEX checks it) is fetched, archives unpacked\n"
	"  -K, --cache DIR         where fetched datasets are kept (default $LM_CACHE, else\n"
	"                          $XDG_CACHE_HOME/livemetrics, else ~/.cache/livemetrics)\n"
	"  -E, --env VAR=VALUE     set VAR in the app's environment (repeatable)\n"
	"  -w, --wrap PREFIX       run the app under a profiler command prefix, e.g.\n"
	"                          'perf stat -o {out}/perf.txt --' (repeatable; the first is outermost)\n"
	"  -p, --probe SOURCE      lmprobe source for the board (default: tegrastats and jetson, or\n"
	"                          nvidia-smi, when found, and proc); 'none': no board probe\n"
	"  -I, --image IMAGE       run a container image (default $app_name when no CMD)\n"
	"  -R, --runtime RUNTIME   container runtime command (default $LM_RUNTIME, else docker)\n"
	"  -A, --docker-args ARGS  runtime run arguments (default $app_docker_args)\n"
	"  -a, --app-args ARGS     app arguments, appended (default $app_args)\n"
	"  -q, --quiet             no progress, no summary on stdout\n"
	"  -h, --help              print this and exit 0\n"
	"In arguments, {out} is the results folder and {dataset} the dataset path.\n"
	"Exit: 0 passed (the app exited 0 or stopped as planned, thresholds held); 1 a threshold\n"
	"failed; 2 the app failed; 124 timed out; 137 had to be killed; 126/127 cannot run / not\n"
	"found; 128+N lmsession got signal N; 100 usage; 111 system error (summary.json: verdict).\n";

#define EXIT_NOEXEC LM_SX_NOEXEC
#define EXIT_NOTFOUND LM_SX_NOTFOUND

#define DUMP_MAX (64u << 20)     /* bytes in one table dump */
#define QUERY_DEADLINE 2.0       /* seconds for one dump */
#define START_DEADLINE 5.0       /* seconds for lmtabled to be ready */
#define STOP_DEADLINE 3.0        /* seconds for our helpers to stop */
#define FLUSH_WAIT 0.3           /* seconds for the app's last datagrams */
#define LOG_EVERY 10.0           /* seconds between progress log lines */
#define WORDS_MAX 4096           /* words in one split argument string */
#define MAX_LIST 256             /* -e, -E, -w, -p given at most this often */
#define RUNTIME_WAIT 10.0        /* seconds for a runtime kill/inspect */
#define SERIES_MAX "5000"        /* the private lmtabled's caps (-n, -p): */
#define SERIES_PER_APP "2000"    /* they bound lmsession's memory too */

static const char *const result_files[] = {
	"samples.csv", "samples.jsonl", "summary.json", "summary.txt", "junit.xml", "report.html", NULL
};

/* ---- options */

static const char *outdir, *name_opt, *baseline_dir, *dataset, *cache_dir, *image, *runtime_s;
static const char *docker_args, *app_args;
static double timeout_s, run_for_s, grace_s = 5, interval_s = 1;
static const char *expects[MAX_LIST], *envs[MAX_LIST], *wraps[MAX_LIST], *probes[MAX_LIST];
static size_t nexpects, nenvs, nwraps, nprobes;
static int quiet;
static const struct lm_fetch *fetched;   /* -D URL: how it was had */

/* an info line, unless -q */
#define say(...) do { if (!quiet) lm_info(__VA_ARGS__); } while (0)

static char name[LM_TAGVAL_MAX + 1];
static char dir[PATH_MAX];       /* results folder, absolute */
static char priv[PATH_MAX];      /* private folder: the socket */
static char sock[PATH_MAX];
static char cname[96];           /* container name */
static char selfdir[PATH_MAX];   /* where lmsession lives: lmtabled, lmprobe */
static char **runtime_argv;      /* runtime command, split */

static void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		lm_die(LM_EXIT_SYS, "out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xalloc(n);
	memcpy(p, s, n);
	return p;
}

/* A path or argument built from parts; too long is a usage error. */
static void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		lm_die(LM_EXIT_USAGE, "too long: %.60s...", out);
}

/* Seconds: NUMBER[ms|s|m|h|d], within [min, max]. */
static double duration(const char *opt, const char *s, double min, double max)
{
	static const struct { const char *suf; double mul; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "", 1 }
	};
	size_t n = strlen(s), i, k;
	double v;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		k = strlen(units[i].suf);
		if (n <= k || strcmp(s + n - k, units[i].suf))
			continue;
		if (lm_parse_double(s, n - k, &v) == 0) {
			v *= units[i].mul;
			if (v >= min && v <= max)
				return v;
		}
		break;
	}
	lm_die(LM_EXIT_USAGE, "bad %s: %s (seconds from %g to %g; suffix ms, s, m, h or d allowed)",
		opt, s, min, max);
}

/* Replace {out} and {dataset} in s; a new string. */
static char *expand(const char *s)
{
	struct lm_buf b;
	const char *p;

	lm_buf_init(&b, 1u << 20);
	for (p = s; *p; p++) {
		if (!strncmp(p, "{out}", 5)) {
			lm_buf_adds(&b, dir);
			p += 4;
		} else if (!strncmp(p, "{dataset}", 9)) {
			lm_buf_adds(&b, dataset ? dataset : "");
			p += 8;
		} else {
			lm_buf_addc(&b, *p);
		}
	}
	lm_buf_addc(&b, 0);
	if (b.err)
		lm_die(LM_EXIT_USAGE, "argument too long: %.40s...", s);
	return b.p;
}

/* Split s into words as sh does, without expansions: blanks separate,
 * '...' is literal, "..." keeps \" \\ \$ \` escapes, \x outside quotes is
 * x. Appends to *v (*n words). An unterminated quote is a usage error. */
static void split(const char *what, const char *s, char ***v, size_t *n)
{
	struct lm_buf w;
	const char *p = s;
	int inword = 0;

	lm_buf_init(&w, 1u << 20);
	for (;;) {
		char c = *p;
		if (c == 0 || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				lm_buf_addc(&w, 0);
				if (w.err || *n >= WORDS_MAX)
					lm_die(LM_EXIT_USAGE, "%s: too long", what);
				*v = realloc(*v, (*n + 2) * sizeof **v);
				if (!*v)
					lm_die(LM_EXIT_SYS, "out of memory");
				(*v)[(*n)++] = expand(w.p);
				(*v)[*n] = NULL;
				lm_buf_reset(&w);
				inword = 0;
			}
			if (c == 0)
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e)
				lm_die(LM_EXIT_USAGE, "%s: unterminated ' in: %s", what, s);
			lm_buf_add(&w, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == 0)
					lm_die(LM_EXIT_USAGE, "%s: unterminated \" in: %s", what, s);
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				lm_buf_addc(&w, *p);
			}
			p++;
		} else if (c == '\\' && p[1]) {
			lm_buf_addc(&w, p[1]);
			p += 2;
		} else {
			lm_buf_addc(&w, c);
			p++;
		}
	}
	lm_buf_free(&w);
}

static void push(const char **list, size_t *n, const char *opt, const char *v)
{
	if (*n >= MAX_LIST)
		lm_die(LM_EXIT_USAGE, "too many %s options (at most %d)", opt, MAX_LIST);
	list[(*n)++] = v;
}

/* A name that can be an app tag and part of a folder name. */
static void set_name(const char *s)
{
	size_t i, n = 0;
	const char *b = strrchr(s, '/');

	if (b && b[1])
		s = b + 1;
	for (i = 0; s[i] && n < LM_TAGVAL_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ? (char)c : '_';
	}
	name[n] = 0;
	if (!n || !strcmp(name, ".") || !strcmp(name, ".."))
		strcpy(name, "app");
}

static const char *env_nonempty(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}

/* ---- files */

static void make_dirs(const char *path)
{
	char p[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof p)
		lm_die(LM_EXIT_USAGE, "path too long: %s", path);
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
		p[i] = path[i];
	}
}

static void results_dir(void)
{
	char made[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (!outdir) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		/* UTC, as summary.json's started_utc: no time zone to load */
		gmtime_r(&t, &tm);
		snprintf(stamp, sizeof stamp, "%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		snprintf(made, sizeof made, "lmsession-%s-%s", name, stamp);
		outdir = made;
	}
	make_dirs(outdir);
	if (!realpath(outdir, dir))
		lm_die_sys(LM_EXIT_SYS, "unable to resolve %s", outdir);
	d = opendir(dir);
	if (!d)
		lm_die_sys(LM_EXIT_SYS, "unable to open %s", dir);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(d);
			lm_die(LM_EXIT_USAGE, "results folder %s is not empty (one folder per run)", dir);
		}
	}
	closedir(d);
	if (outdir == made)
		outdir = NULL;
}

static int open_out(const char *file)
{
	char p[PATH_MAX];
	int fd;

	fmt(p, sizeof p, "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666);
	if (fd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
	return fd;
}

/* lmtabled and lmprobe beside lmsession, else on PATH. */
static const char *tool(const char *t, char *buf, size_t cap)
{
	if (*selfdir) {
		fmt(buf, cap, "%s/%s", selfdir, t);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return t;
}

static int on_path(const char *prog)
{
	char b[PATH_MAX];
	return lm_which(prog, b, sizeof b) == 0;
}

/* ---- children of lmsession (not the app) */

struct helper {
	const char *what;
	pid_t pid;
	int status;
	int done;
};

static struct helper helpers[8];
static size_t nhelpers;
static sigset_t sigs;

/* fork + exec argv with SIGTERM on our death; stdout to outfd (-1: keep) */
static pid_t spawn(const char *what, char *const argv[], int outfd, int readyfd)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork for %s", what);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(111);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		if (outfd >= 0)
			dup2(outfd, 1);
		if (readyfd == 3)
			fcntl(3, F_SETFD, 0);
		else if (readyfd >= 0)
			dup2(readyfd, 3);
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		execvp(argv[0], argv);
		lm_warn_sys("unable to run %s", argv[0]);
		_exit(errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	if (nhelpers < sizeof helpers / sizeof helpers[0]) {
		helpers[nhelpers].what = what;
		helpers[nhelpers].pid = pid;
		helpers[nhelpers].done = 0;
		nhelpers++;
	}
	return pid;
}

static struct helper *helper_of(pid_t pid)
{
	size_t i;
	for (i = 0; i < nhelpers; i++)
		if (helpers[i].pid == pid)
			return &helpers[i];
	return NULL;
}

/* Run a runtime subcommand in the background (reaped by the loop), its
 * output to outfd (-1: /dev/null), killed after RUNTIME_WAIT seconds. */
static void runtime_cmd(const char *a1, const char *a2, const char *a3, int outfd)
{
	char *argv[WORDS_MAX + 8];
	size_t n = 0, i;
	pid_t pid;

	for (i = 0; runtime_argv[i] && n < WORDS_MAX; i++)
		argv[n++] = runtime_argv[i];
	argv[n++] = (char *)a1;
	argv[n++] = (char *)a2;
	argv[n++] = (char *)a3;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(outfd >= 0 ? outfd : nul, 1);
		}
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		alarm((unsigned)RUNTIME_WAIT);
		execvp(argv[0], argv);
		_exit(EXIT_NOTFOUND);
	}
	if (pid < 0)
		lm_warn_sys("unable to fork for %s %s", runtime_argv[0], a1);
}

/* ---- the keeper: a subreaper, the app's parent */

enum { K_STARTED = 1, K_FAILED, K_EXITED, K_DONE, K_USAGE };
/* K_USAGE: u = the keeper's children's rusage: user and system time in
 * microseconds, blocks in and out (512 bytes) */
struct kmsg { int kind; int val; long long u[4]; };

static int kw;   /* keeper -> lmsession */

static void ksend(int kind, int val)
{
	struct kmsg m = { kind, val, { 0 } };
	ssize_t r;
	do
		r = write(kw, &m, sizeof m);
	while (r < 0 && errno == EINTR);
}

/* lmsession -> keeper: a signal for the app, or 0: clean up and exit.
 * A keeper already gone (EPIPE) has nothing left to do. */
static void tell(int fd, int sig)
{
	struct kmsg m = { sig, 0, { 0 } };
	ssize_t r;
	do
		r = write(fd, &m, sizeof m);
	while (r < 0 && errno == EINTR);
}

/* Every descendant of pid `top`, from /proc; returns the count. */
static size_t descendants(pid_t top, pid_t *out, size_t cap)
{
	static pid_t pids[65536], ppids[65536];
	size_t np = 0, n = 0, i, j;
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d)) && np < sizeof pids / sizeof pids[0]) {
		char path[64], buf[512], *p;
		long pid;
		ssize_t r;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = strtol(e->d_name, NULL, 10);
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = 0;
		p = strrchr(buf, ')');
		if (!p || strlen(p) < 5)
			continue;
		pids[np] = (pid_t)pid;
		ppids[np] = (pid_t)strtol(p + 4, NULL, 10);
		np++;
	}
	closedir(d);
	/* breadth first from top */
	for (i = 0; ; i++) {
		pid_t parent = i == 0 ? top : (i - 1 < n ? out[i - 1] : 0);
		if (i > 0 && i - 1 >= n)
			break;
		for (j = 0; j < np && n < cap; j++)
			if (ppids[j] == parent)
				out[n++] = pids[j];
	}
	return n;
}

static size_t signal_tree(pid_t app, int sig)
{
	static pid_t d[65536];
	size_t n = descendants(getpid(), d, sizeof d / sizeof d[0]), i;

	if (app > 0)
		kill(-app, sig);
	for (i = 0; i < n; i++)
		kill(d[i], sig);
	return n;
}

static void reap_all(pid_t app, int *app_done)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == app && !*app_done) {
			*app_done = 1;
			ksend(K_EXITED, st);
		}
	}
}

/* Kill whatever is left, within grace: SIGTERM, then SIGKILL; returns
 * how many processes were there. */
static size_t keeper_clean(pid_t app, int *app_done, double grace)
{
	double end = lm_mono() + grace;
	size_t first = signal_tree(app, SIGTERM);
	int sig = SIGTERM;

	while (signal_tree(app, sig) > 0) {
		struct timespec ts = { 0, 20000000 };
		reap_all(app, app_done);
		if (sig == SIGTERM && lm_mono() >= end)
			sig = SIGKILL;
		nanosleep(&ts, NULL);
	}
	reap_all(app, app_done);
	return first;
}

static void keeper_abandoned(pid_t app, int *app_done)
{
	size_t i;
	char p[PATH_MAX + 32];

	keeper_clean(app, app_done, 0);
	if (image) {
		pid_t pid;
		runtime_cmd("rm", "-f", cname, -1);
		while ((pid = wait(NULL)) > 0)
			;
	}
	/* our temp files; lmtabled removes its sockets on SIGTERM */
	for (i = 0; result_files[i]; i++) {
		fmt(p, sizeof p, "%s/%s.tmp", dir, result_files[i]);
		unlink(p);
	}
	fmt(p, sizeof p, "%s/.samples.csv.part", dir);
	unlink(p);
	fmt(p, sizeof p, "%s/.samples.jsonl.part", dir);
	unlink(p);
	for (i = 0; i < 50 && rmdir(priv) < 0 && errno == ENOTEMPTY; i++) {
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

static void keeper(int kr, char **argv, int out, int err, char **env)
{
	int ep[2], fd, app_done = 0;
	struct pollfd pf[2];
	pid_t app;
	int e = 0;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, "lmsession-keep");
	if (pipe2(ep, O_CLOEXEC) < 0) {
		ksend(K_FAILED, errno);
		_exit(111);
	}
	app = fork();
	if (app < 0) {
		ksend(K_FAILED, errno);
		_exit(111);
	}
	if (app == 0) {
		int nul = open("/dev/null", O_RDONLY);
		struct sigaction sa;
		int s;

		close(ep[0]);
		setsid();
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		for (s = 1; s < 65; s++)
			sigaction(s, &sa, NULL);
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		dup2(out, 1);
		dup2(err, 2);
		environ = env;
		execvp(argv[0], argv);
		e = errno;
		while (write(ep[1], &e, sizeof e) < 0 && errno == EINTR)
			;
		_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	close(ep[1]);
	close(out);
	close(err);
	if (read(ep[0], &e, sizeof e) == (ssize_t)sizeof e)
		ksend(K_FAILED, e);
	else
		ksend(K_STARTED, (int)app);
	close(ep[0]);

	fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	pf[0].fd = kr;
	pf[0].events = POLLIN;
	pf[1].fd = fd;
	pf[1].events = POLLIN;
	for (;;) {
		struct kmsg m;
		ssize_t r;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			keeper_abandoned(app, &app_done);
		if (pf[1].revents) {
			struct signalfd_siginfo si;
			while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
				;
			reap_all(app, &app_done);
		}
		if (!pf[0].revents)
			continue;
		r = read(kr, &m, sizeof m);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof m)
			keeper_abandoned(app, &app_done);   /* lmsession is gone */
		if (m.kind == 0) {
			/* clean up: whatever the app left behind */
			size_t left = keeper_clean(app, &app_done, grace_s);
			struct kmsg u = { K_USAGE, 0, { 0 } };
			struct rusage ru;
			/* every process the app ran is reaped: the kernel's account */
			if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
				u.u[0] = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
				u.u[1] = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
				u.u[2] = ru.ru_inblock;
				u.u[3] = ru.ru_oublock;
				while (write(kw, &u, sizeof u) < 0 && errno == EINTR)
					;
			}
			ksend(K_DONE, (int)left);
			_exit(0);
		}
		signal_tree(image ? 0 : app, m.kind);
		if (image && m.kind == SIGKILL)
			signal_tree(app, SIGKILL);
	}
}

/* ---- the table: metrics of the run */

/* Open addressing, string keys; values are indexes. */
struct map {
	char **k;
	size_t *v;
	size_t cap, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static size_t *map_slot(struct map *m, const char *k, int add)
{
	size_t i;

	if (add && (m->n + 1) * 2 > m->cap) {
		struct map g = { 0, 0, m->cap ? m->cap * 2 : 64, 0 };
		g.k = xalloc(g.cap * sizeof *g.k);
		g.v = xalloc(g.cap * sizeof *g.v);
		for (i = 0; i < m->cap; i++)
			if (m->k[i])
				*map_slot(&g, m->k[i], 2) = m->v[i];
		free(m->k);
		free(m->v);
		*m = g;
	}
	if (!m->cap)
		return NULL;
	for (i = hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->k[i], k)) {
			if (add == 2)
				free(m->k[i]);
			else
				return &m->v[i];
		}
	if (!add)
		return NULL;
	m->k[i] = add == 2 ? (char *)k : xstrdup(k);
	m->n++;
	return &m->v[i];
}

/* A series of the table (one per process of an app): its last figures,
 * and what it held before it started over (carry). */
struct entry {
	size_t metric;
	double seen;
	double total, c_total;      /* counters and rates */
	struct lm_hist h, c_h;      /* timers and histograms: cumulative */
};

static double rejected;         /* lines the private lmtabled refused */
static char reject_why[256];    /* by reason, for the warning */
static struct lm_metric *metrics;
static size_t nmetrics, capmetrics;
static struct entry *entries;
static size_t nentries, capentries;
static struct map mmap, emap;
/* per metric, this round's aggregate (iv: the round's observations) */
struct acc { double v; struct lm_hist iv; int n; };
static struct acc *accs;

static double t0_mono, t0_wall, last_dump;
static FILE *csv, *jsonl;   /* .samples.csv.part, .samples.jsonl.part */
static int csv_bad;

static const char *kind_name(int k)
{
	switch (k) {
	case LM_COUNTER: return "counter";
	case LM_RATE: return "rate";
	case LM_TIMER: return "timer";
	case LM_HISTO: return "histogram";
	default: return "gauge";
	}
}

static size_t metric_of(const char *source, const char *id, int kind)
{
	char key[LM_LINE_MAX * 2 + 8];
	size_t *slot;

	snprintf(key, sizeof key, "%s/%s/%c", source, id, '0' + kind);
	slot = map_slot(&mmap, key, 0);
	if (slot)
		return *slot;
	if (nmetrics == capmetrics) {
		capmetrics = capmetrics ? capmetrics * 2 : 64;
		metrics = realloc(metrics, capmetrics * sizeof *metrics);
		accs = realloc(accs, capmetrics * sizeof *accs);
		if (!metrics || !accs)
			lm_die(LM_EXIT_SYS, "out of memory");
	}
	lm_metric_init(&metrics[nmetrics], source, id, kind);
	memset(&accs[nmetrics], 0, sizeof *accs);
	*map_slot(&mmap, key, 1) = nmetrics;
	return nmetrics++;
}

static void csv_field(const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		putc('"', csv);
		for (; *s; s++) {
			if (*s == '"')
				putc('"', csv);
			putc(*s, csv);
		}
		putc('"', csv);
	} else {
		fputs(s, csv);
	}
}

static void sample_out(const struct lm_metric *m, double t, double v)
{
	char num[LM_NUM_MAX];

	if (!csv)
		return;
	fprintf(csv, "%.3f,", t);
	csv_field(m->source);
	putc(',', csv);
	csv_field(m->id);
	fprintf(csv, ",%s,", kind_name(m->type));
	lm_fmt_double(num, v);
	fputs(num, csv);
	putc('\n', csv);
	if (jsonl) {
		static struct lm_buf j;
		if (!j.max)
			lm_buf_init(&j, 1u << 20);
		lm_buf_reset(&j);
		lm_buf_adds(&j, "{\"t\":");
		lm_buf_addnum(&j, (double)(long long)(t * 1000 + 0.5) / 1000);
		lm_buf_adds(&j, ",\"source\":");
		lm_report_jstr(&j, m->source);
		lm_buf_adds(&j, ",\"metric\":");
		lm_report_jstr(&j, m->id);
		lm_buf_adds(&j, ",\"type\":\"");
		lm_buf_adds(&j, kind_name(m->type));
		lm_buf_adds(&j, "\",\"value\":");
		lm_buf_adds(&j, num);
		lm_buf_adds(&j, "}\n");
		if (!j.err)
			fwrite(j.p, 1, j.len, jsonl);
	}
}

/* One dump line into this round's aggregates. */
static void take(const struct lm_line *l, double now, int final)
{
	char id[LM_LINE_MAX + 8], ekey[LM_LINE_MAX * 2 + 16], source[LM_TAGVAL_MAX + 1];
	struct lm_str app;
	size_t i, ni, ne, mi, *slot;
	int kind = lm_type_kind(l->type);
	struct entry *e;
	struct acc *a;
	double total, d, dt;

	if (final && l->name.n == 24 && !memcmp(l->name.p, "lm_tabled_lines_rejected", 24)) {
		struct lm_str why;
		rejected += l->values[0];
		if (l->values[0] > 0 && lm_line_tag(l, "reason", &why) &&
		    why.n < sizeof reject_why - strlen(reject_why) - 16)
			snprintf(reject_why + strlen(reject_why), sizeof reject_why - strlen(reject_why),
				"%s%.*s %.0f", *reject_why ? ", " : "", (int)why.n, why.p, l->values[0]);
		return;
	}
	if ((l->name.n >= 3 && !memcmp(l->name.p, "lm_", 3)) ||
	    (l->name.n >= 8 && !memcmp(l->name.p, "lmprobe_", 8)))
		return;
	if (!lm_line_tag(l, "app", &app) || app.n > LM_TAGVAL_MAX)
		return;
	memcpy(source, app.p, app.n);
	source[app.n] = 0;
	ni = lm_line_id(l, id, sizeof id);
	ne = (size_t)snprintf(ekey, sizeof ekey, "%c", '0' + kind);
	for (i = 0; i < l->ntags; i++) {
		const struct lm_tag *t = &l->tags[i];
		if (lm_tag_identity(&t->k) && ne < sizeof ekey)
			ne += (size_t)snprintf(ekey + ne, sizeof ekey - ne, "|%.*s=%.*s",
				(int)t->k.n, t->k.p, (int)t->v.n, t->v.p);
	}
	if (ni >= sizeof id || ne >= sizeof ekey)
		return;
	if (ne + 1 + ni < sizeof ekey)
		snprintf(ekey + ne, sizeof ekey - ne, "#%s", id);
	mi = metric_of(source, id, kind);
	slot = map_slot(&emap, ekey, 0);
	if (!slot) {
		if (nentries == capentries) {
			capentries = capentries ? capentries * 2 : 64;
			entries = realloc(entries, capentries * sizeof *entries);
			if (!entries)
				lm_die(LM_EXIT_SYS, "out of memory");
		}
		memset(&entries[nentries], 0, sizeof *entries);
		entries[nentries].metric = mi;
		entries[nentries].seen = last_dump;
		slot = map_slot(&emap, ekey, 1);
		*slot = nentries++;
	}
	e = &entries[*slot];
	a = &accs[mi];
	total = l->values[0];
	dt = now - e->seen;
	if (kind == LM_GAUGE) {
		a->v += total;
		a->n++;
	} else if (kind == LM_COUNTER || kind == LM_RATE) {
		if (total < e->total) {   /* the series started over */
			e->c_total += e->total;
			d = total;
		} else {
			d = total - e->total;
		}
		e->total = total;
		/* the last round ends when the app did; a sliver of it is no rate */
		if (dt > 0 && (!final || dt >= interval_s / 2 || !metrics[mi].count)) {
			a->v += d / dt;
			a->n++;
		}
	} else {
		struct lm_hist cur, d;
		lm_hist_init(&cur);
		lm_hist_init(&d);
		if (lm_line_hist(l, &cur, 1) < 0)
			lm_die(LM_EXIT_SYS, "out of memory");
		if (cur.count < e->h.count) {   /* the series started over */
			if (lm_hist_merge(&e->c_h, &e->h, 1) < 0)
				lm_die(LM_EXIT_SYS, "out of memory");
			lm_hist_free(&e->h);
		}
		if (cur.count > e->h.count) {
			if (lm_hist_diff(&d, &cur, &e->h) < 0 || lm_hist_merge(&a->iv, &d, 1) < 0)
				lm_die(LM_EXIT_SYS, "out of memory");
			a->n++;
			if (l->has_last)
				metrics[mi].obs_last = l->last;
			lm_hist_free(&d);
		}
		lm_hist_free(&e->h);
		e->h = cur;
	}
	e->seen = now;
}

/* ---- the app's CPU and I/O: every process it ran, read here at each
 * sample (lmprobe's figures would land in the round after they were
 * read), exited ones included (lm_acct over the keeper's tree, the
 * keeper's own time left out); the rusage total at the end. */

static const char *const acct_names[LM_ACCT_N] = {
	"process_cpu_seconds", "process_read_bytes", "process_write_bytes"
};
static struct lm_acct app_acct;
static pid_t acct_root;          /* the keeper, when the app is a command */
static double acct_v[LM_ACCT_N], acct_at, cores;
static int acct_have, acct_ended;
static struct lm_usage app_use;
static int have_usage;

/* 1 for lmprobe's line of a series counted here */
static int acct_ours(const struct lm_line *l)
{
	struct lm_str a;
	size_t k;

	if (!acct_root || !lm_line_tag(l, "app", &a) || a.n != strlen(name) || memcmp(a.p, name, a.n))
		return 0;
	for (k = 0; k < LM_ACCT_N; k++)
		if (l->name.n == strlen(acct_names[k]) && !memcmp(l->name.p, acct_names[k], l->name.n))
			return 1;
	return 0;
}

/* Read the app's tree now; its CPU grows by at most `cores` a second
 * (what a raced reading holds back comes in the next round). */
static void acct_read(double now)
{
	struct lm_tree t;

	if (!acct_root || lm_acct_tree(&app_acct, "", acct_root, 0, &t) < 0)
		return;
	acct_v[LM_ACCT_CPU] = acct_have ? lm_acct_cap(acct_v[LM_ACCT_CPU], t.cpu, cores, now - acct_at) :
		lm_acct_cap(0, t.cpu, cores, now - t0_mono);
	acct_v[LM_ACCT_READ] = t.rbytes;
	acct_v[LM_ACCT_WRITE] = t.wbytes;
	acct_at = now;
	acct_have = 1;
}

/* The last reading into this round, as the app's counters. */
static void acct_take(double now, int final)
{
	struct lm_line l;
	size_t k;

	if (!acct_have)
		return;
	for (k = 0; k < LM_ACCT_N; k++) {
		if (acct_v[k] < 0)
			continue;   /* no /proc/PID/io */
		memset(&l, 0, sizeof l);
		l.name.p = acct_names[k];
		l.name.n = strlen(acct_names[k]);
		l.type = LM_COUNTER;
		l.nvalues = 1;
		l.values[0] = acct_v[k];
		l.rate = 1;
		l.ntags = 1;
		l.tags[0].k.p = "app";
		l.tags[0].k.n = 3;
		l.tags[0].v.p = name;
		l.tags[0].v.n = strlen(name);
		take(&l, now, final);
	}
}

/* How many CPUs the app may run on. */
static double cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (double)n : 1;
}

/* The keeper's K_USAGE. */
static void keeper_usage(const struct kmsg *m)
{
	if (m->kind != K_USAGE)
		return;
	app_use.source = "rusage";
	app_use.user = (double)m->u[0] / 1e6;
	app_use.system = (double)m->u[1] / 1e6;
	app_use.cpu = app_use.user + app_use.system;
	app_use.rbytes = (double)m->u[2] * 512;
	app_use.wbytes = (double)m->u[3] * 512;
	app_use.cores = cores;
	have_usage = 1;
}

/* Read the table and add one sample per metric. final: the app ended at
 * `end`; the round is cut there. */
static void sample(int final, double end)
{
	static struct lm_buf b;
	static int warned;
	double now = final && end > last_dump ? end : lm_mono(), t;
	size_t pos = 0, len, i;
	const char *line;

	if (!b.max)
		lm_buf_init(&b, DUMP_MAX);
	lm_buf_reset(&b);
	if (lm_query(sock, "dump\n", &b, QUERY_DEADLINE) < 0) {
		if (!warned++)
			lm_warn_sys("unable to read the table from %s", sock);
		return;
	}
	for (i = 0; i < nmetrics; i++) {
		lm_hist_free(&accs[i].iv);
		memset(&accs[i], 0, sizeof accs[i]);
	}
	while (lm_next_line(b.p, b.len, &pos, &line, &len)) {
		struct lm_line l;
		if (len == 0 || line[0] == '#' || lm_parse_line(line, len, &l) != LM_WOK || acct_ours(&l))
			continue;
		take(&l, now, final);
	}
	if (!final && !acct_ended)
		acct_read(now);
	if (final || !acct_ended)
		acct_take(now, final);   /* none after the app ended: it did nothing */
	/* the run's figures: every series ever seen, gone ones included */
	for (i = 0; i < nmetrics; i++) {
		metrics[i].total = 0;
		lm_hist_free(&metrics[i].obs);
	}
	for (i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		struct lm_metric *m = &metrics[e->metric];
		m->total += e->c_total + e->total;
		if (lm_hist_merge(&m->obs, &e->c_h, 1) < 0 || lm_hist_merge(&m->obs, &e->h, 1) < 0)
			lm_die(LM_EXIT_SYS, "out of memory");
	}
	t = now - t0_mono;
	for (i = 0; i < nmetrics; i++) {
		struct lm_metric *m = &metrics[i];
		struct acc *a = &accs[i];
		double v;

		if (!a->n)
			continue;
		switch (m->type) {
		case LM_GAUGE:
			v = a->v / a->n;
			break;
		case LM_COUNTER:
		case LM_RATE:
			v = a->v;
			break;
		default:
			if (!(a->iv.count > 0))
				continue;
			v = a->iv.sum / a->iv.count;
			lm_metric_add_obs(m, t, v, lm_hist_quantile(&a->iv, 0.5), a->iv.max);
			sample_out(m, t, v);
			continue;
		}
		lm_metric_add(m, t, v);
		sample_out(m, t, v);
	}
	if (csv && (ferror(csv) || ferror(jsonl)) && !csv_bad++)
		lm_warn_sys("unable to write the samples in %s", dir);
	last_dump = now;
}

/* Flush, sync and close a samples stream, rename its .part file to file.
 * 0 ok; -1 said why (the .part file removed). */
static int finish_samples(FILE **f, const char *file)
{
	char a[PATH_MAX + 32], b[PATH_MAX + 32];
	int bad = 0, e = 0;

	fmt(a, sizeof a, "%s/.%s.part", dir, file);
	fmt(b, sizeof b, "%s/%s", dir, file);
	if (fflush(*f) != 0 || ferror(*f) || fsync(fileno(*f)) < 0) {
		bad = 1;
		e = errno;
	}
	if (fclose(*f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	*f = NULL;
	if (!bad && rename(a, b) < 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		errno = e ? e : EIO;
		lm_warn_sys("unable to write %s", b);
		unlink(a);
		return -1;
	}
	return 0;
}

/* ---- progress */

static int tty;
static double last_log;

static int key_rank(const struct lm_metric *m)
{
	if (strcmp(m->source, name))
		return -1;
	if (!strcmp(m->id, "process_resident_memory_bytes"))
		return 1;
	if (!strncmp(m->id, "process_", 8))
		return -1;
	return m->type == LM_RATE ? 4 : m->type == LM_TIMER ? 3 : m->type == LM_GAUGE ? 2 : 0;
}

static void progress(double now, int final)
{
	char line[512], num[LM_NUM_MAX];
	size_t n = 0, shown = 0, i;
	int r;
	double el = now - t0_mono, lim = timeout_s ? timeout_s : run_for_s;

	if (quiet || (!tty && !final && now - last_log < LOG_EVERY))
		return;
	last_log = now;
	n = (size_t)snprintf(line, sizeof line, "%.0fs", el);
	if (lim)
		n += (size_t)snprintf(line + n, sizeof line - n, "/%.0fs", lim);
	for (r = 4; r >= 1 && shown < 4; r--)
		for (i = 0; i < nmetrics && shown < 4; i++) {
			const struct lm_metric *m = &metrics[i];
			if (key_rank(m) != r || !m->n || n >= sizeof line - 80)
				continue;
			lm_fmt_double(num, m->v[m->n - 1] < 1e-3 || m->v[m->n - 1] >= 1e6 ?
				m->v[m->n - 1] : (double)(long long)(m->v[m->n - 1] * 1000 + 0.5) / 1000);
			n += (size_t)snprintf(line + n, sizeof line - n, "  %.40s %s", m->id, num);
			shown++;
		}
	if (tty && !final)
		fprintf(stderr, "\r\033[Klmsession: %s", line);
	else if (tty)
		fprintf(stderr, "\r\033[K");
	else
		lm_info("%s", line);
	fflush(stderr);
}

/* ---- main */

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "run-for", required_argument, NULL, 'r' },
	{ "grace", required_argument, NULL, 'g' },
	{ "interval", required_argument, NULL, 'i' },
	{ "expect", required_argument, NULL, 'e' },
	{ "baseline", required_argument, NULL, 'b' },
	{ "dataset", required_argument, NULL, 'D' },
	{ "cache", required_argument, NULL, 'K' },
	{ "env", required_argument, NULL, 'E' },
	{ "wrap", required_argument, NULL, 'w' },
	{ "probe", required_argument, NULL, 'p' },
	{ "image", required_argument, NULL, 'I' },
	{ "runtime", required_argument, NULL, 'R' },
	{ "docker-args", required_argument, NULL, 'A' },
	{ "app-args", required_argument, NULL, 'a' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void options(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+:ho:n:t:r:g:i:e:b:D:K:E:w:p:I:R:A:a:q",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case 'o': outdir = optarg; break;
		case 'n': name_opt = optarg; break;
		case 't': timeout_s = duration("timeout", optarg, 0.001, 1e8); break;
		case 'r': run_for_s = duration("run-for", optarg, 0.001, 1e8); break;
		case 'g': grace_s = duration("grace", optarg, 0, 3600); break;
		case 'i': interval_s = duration("interval", optarg, 0.05, 3600); break;
		case 'e': push(expects, &nexpects, "-e", optarg); break;
		case 'b': baseline_dir = optarg; break;
		case 'D': dataset = optarg; break;
		case 'K':
			if (!*optarg)
				lm_die(LM_EXIT_USAGE, "empty -K folder");
			cache_dir = optarg;
			break;
		case 'E':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				lm_die(LM_EXIT_USAGE, "bad -E: %s (VAR=VALUE)", optarg);
			push(envs, &nenvs, "-E", optarg);
			break;
		case 'w':
			if (!*optarg)
				lm_die(LM_EXIT_USAGE, "empty -w prefix");
			push(wraps, &nwraps, "-w", optarg);
			break;
		case 'p': push(probes, &nprobes, "-p", optarg); break;
		case 'I': image = optarg; break;
		case 'R': runtime_s = optarg; break;
		case 'A': docker_args = optarg; break;
		case 'a': app_args = optarg; break;
		case 'q': quiet = 1; break;
		default:
			if (!optopt && optind > 1) {   /* a long option: name it whole */
				lm_warn("unknown option %s", argv[optind - 1]);
				lm_usage(usage);
			}
			lm_bad_option(usage, c);
		}
	}
	if (timeout_s && run_for_s && run_for_s >= timeout_s)
		lm_die(LM_EXIT_USAGE, "-r %g is not shorter than -t %g", run_for_s, timeout_s);
}

/* The app's command line: wrappers, then the command or the runtime's. */
static char **command(int argc, char **argv)
{
	char **v = NULL;
	size_t n = 0, i;

	for (i = 0; i < nwraps; i++)
		split("-w", wraps[i], &v, &n);
	if (image) {
		char e[PATH_MAX + 64];
		const char *fixed[16];
		size_t nf = 0;

		for (i = 0; runtime_argv[i]; i++)
			split("-R", runtime_argv[i], &v, &n);
		fixed[nf++] = "run";
		fixed[nf++] = "--rm";
		fixed[nf++] = "--name";
		fixed[nf++] = cname;
		for (i = 0; i < nf; i++) {
			v = realloc(v, (n + 2) * sizeof *v);
			if (!v)
				lm_die(LM_EXIT_SYS, "out of memory");
			v[n++] = xstrdup(fixed[i]);
			v[n] = NULL;
		}
		fmt(e, sizeof e, "-v '%s:/metrics' -e LM_SOCKET=/metrics/live_metrics.sock"
			" -e LM_APP=%s", priv, name);
		split("-R", e, &v, &n);
		if (dataset) {
			fmt(e, sizeof e, "-v '%s:/dataset:ro' -e LM_DATASET=/dataset", dataset);
			split("-D", e, &v, &n);
		}
		for (i = 0; i < nenvs; i++) {
			v = realloc(v, (n + 3) * sizeof *v);
			if (!v)
				lm_die(LM_EXIT_SYS, "out of memory");
			v[n++] = xstrdup("-e");
			v[n++] = expand(envs[i]);
			v[n] = NULL;
		}
		if (docker_args)
			split("-A", docker_args, &v, &n);
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = xstrdup(image);
		v[n] = NULL;
	}
	for (i = 0; i < (size_t)argc; i++) {
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = expand(argv[i]);
		v[n] = NULL;
	}
	if (app_args)
		split("-a", app_args, &v, &n);
	if (!n) {
		lm_warn("no command: give CMD [ARG...] or an image (-I)");
		lm_usage(usage);
	}
	return v;
}

static size_t env_own;   /* app_env's first env_own entries are ours */

/* 1 when the environment entry kv sets one of the variables in own[0..n) */
static int env_clash(const char *kv, char *const *own, size_t n)
{
	size_t i, k = strcspn(kv, "=");
	for (i = 0; i < n; i++)
		if (!strncmp(own[i], kv, k) && own[i][k] == '=')
			return 1;
	return 0;
}

/* The app's environment: ours first (LM_*, -E), then the rest of ours
 * that we do not replace. */
static char **app_env(void)
{
	size_t n = 0, i, k = 0;
	char **e, kv[PATH_MAX + 32];

	while (environ[n])
		n++;
	e = xalloc((n + nenvs + 8) * sizeof *e);
	fmt(kv, sizeof kv, "LM_SOCKET=%s", sock);
	e[k++] = xstrdup(kv);
	fmt(kv, sizeof kv, "LM_APP=%s", name);
	e[k++] = xstrdup(kv);
	fmt(kv, sizeof kv, "LM_SESSION_DIR=%s", dir);
	e[k++] = xstrdup(kv);
	if (dataset && !image) {
		fmt(kv, sizeof kv, "LM_DATASET=%s", dataset);
		e[k++] = xstrdup(kv);
	}
	if (!image)
		for (i = 0; i < nenvs; i++)
			e[k++] = expand(envs[i]);
	env_own = k;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LM_DATASET=", 11) && !env_clash(environ[i], e, env_own))
			e[k++] = environ[i];
	e[k] = NULL;
	return e;
}

static void free_words(char **v)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Everything main holds, so that leak checkers see none. */
static void free_all(char **cmd, char **env, struct lm_expect *ex, struct lm_baseline *bp)
{
	size_t i;

	free_words(cmd);
	for (i = 0; i < env_own; i++)
		free(env[i]);
	free(env);
	free_words(runtime_argv);
	for (i = 0; i < nexpects; i++)
		lm_expect_free(&ex[i]);
	free(ex);
	if (bp)
		lm_baseline_free(bp);
	for (i = 0; i < nmetrics; i++) {
		lm_metric_free(&metrics[i]);
		lm_hist_free(&accs[i].iv);
	}
	for (i = 0; i < nentries; i++) {
		lm_hist_free(&entries[i].h);
		lm_hist_free(&entries[i].c_h);
	}
	free(metrics);
	free(accs);
	free(entries);
	lm_acct_free(&app_acct);
	for (i = 0; i < mmap.cap; i++)
		free(mmap.k[i]);
	for (i = 0; i < emap.cap; i++)
		free(emap.k[i]);
	free(mmap.k);
	free(mmap.v);
	free(emap.k);
	free(emap.v);
}

static void start_tabled(void)
{
	char tb[PATH_MAX], ready[2];
	char *argv[] = { (char *)tool("lmtabled", tb, sizeof tb), "-d", "3", "-s", sock,
		"-t", "0", "-P",
		"-n", SERIES_MAX, "-p", SERIES_PER_APP, NULL };
	int p[2];
	struct pollfd pf;
	double end = lm_mono() + START_DEADLINE;

	if (pipe2(p, O_CLOEXEC) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a pipe");
	/* fd 3 in the child: dup2 clears O_CLOEXEC */
	spawn("lmtabled", argv, -1, p[1]);
	close(p[1]);
	pf.fd = p[0];
	pf.events = POLLIN;
	while (poll(&pf, 1, (int)((end - lm_mono()) * 1000) + 1) < 0 && errno == EINTR)
		;
	if (read(p[0], ready, 1) != 1)
		lm_die(LM_EXIT_SYS, "lmtabled (%s) did not start; see its message above", argv[0]);
	close(p[0]);
}

static void start_probes(pid_t app)
{
	static char pr[PATH_MAX], iv[32], pidbuf[32], logp[PATH_MAX + 16], tail[PATH_MAX + 16];
	static char tg[32];
	char *argv[MAX_LIST + 16];
	size_t n = 0, i;
	int board = 1, tegra = 0;

	lm_fmt_double(iv, interval_s);
	tool("lmprobe", pr, sizeof pr);
	if (app > 0) {
		/* the app's tree, its GPU memory where nvidia-smi is, its container */
		char *a[] = { pr, "-q", "-s", sock, "-a", name, "-i", iv, "-p", pidbuf,
			"tree", NULL, NULL, NULL };
		size_t k = 11;
		if (on_path("nvidia-smi"))
			a[k++] = "nvidia-smi-apps";
		else if (on_path("tegrastats"))
			a[k++] = "nvmap";   /* a Jetson before Thor: debugfs, root */
		if (image)
			a[k++] = "cgroup";
		snprintf(pidbuf, sizeof pidbuf, "%ld", (long)app);
		spawn("lmprobe (app)", a, -1, -1);
		return;
	}
	argv[n++] = pr;
	argv[n++] = "-q";
	argv[n++] = "-s";
	argv[n++] = sock;
	argv[n++] = "-a";
	argv[n++] = "board";
	argv[n++] = "-i";
	argv[n++] = iv;
	for (i = 0; i < nprobes; i++) {
		if (!strcmp(probes[i], "none"))
			board = 0;
		else if (!strcmp(probes[i], "tegrastats"))
			tegra = 1;
		else
			argv[n++] = (char *)probes[i];
	}
	if (!nprobes) {
		if (on_path("tegrastats")) {
			tegra = 1;
			argv[n++] = "jetson";   /* what tegrastats does not print */
		}
		else if (on_path("nvidia-smi"))
			argv[n++] = "nvidia-smi";
		argv[n++] = "proc";
	}
	if (tegra) {
		/* tegrastats writes its log into the results; lmprobe follows it */
		char *t[] = { "tegrastats", "--interval", tg, "--logfile", logp, NULL };
		int fd;
		snprintf(tg, sizeof tg, "%.0f", interval_s * 1000);
		fmt(logp, sizeof logp, "%s/tegrastats.log", dir);
		fmt(tail, sizeof tail, "tegrastats:%s", logp);
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd >= 0)
			close(fd);
		spawn("tegrastats", t, -1, -1);
		argv[n++] = tail;
	}
	argv[n] = NULL;
	if (board && n > 8)
		spawn("lmprobe (board)", argv, -1, -1);
}

static void stop_helpers(void)
{
	double end = lm_mono() + STOP_DEADLINE;
	size_t i, left;
	int st;
	pid_t p;

	for (i = 0; i < nhelpers; i++)
		if (!helpers[i].done)
			kill(helpers[i].pid, SIGTERM);
	for (;;) {
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			struct helper *h = helper_of(p);
			if (h) {
				h->done = 1;
				h->status = st;
			}
		}
		for (i = left = 0; i < nhelpers; i++)
			left += !helpers[i].done;
		if (!left)
			return;
		if (lm_mono() >= end) {
			for (i = 0; i < nhelpers; i++)
				if (!helpers[i].done)
					kill(helpers[i].pid, SIGKILL);
			end = lm_mono() + STOP_DEADLINE;
		}
		{
			struct timespec ts = { 0, 20000000 };
			nanosleep(&ts, NULL);
		}
	}
}

static const char *signame(int s)
{
	switch (s) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGKILL: return "SIGKILL";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	case SIGABRT: return "SIGABRT";
	case SIGSEGV: return "SIGSEGV";
	case SIGPIPE: return "SIGPIPE";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	default: return "a signal";
	}
}

/* The end in one line for people, e.g. "stopped by SIGTERM at the
 * deadline". */
static void end_words(char *b, size_t cap, const struct lm_run *r, const struct lm_seen *sn,
	const char *cmd0)
{
	const char *why = r->cause == LM_END_INTERRUPTED || r->end == LM_END_INTERRUPTED ?
		"after lmsession got" : r->end == LM_END_STOPPED || r->cause == LM_END_STOPPED ?
		"at the planned stop" : "at the deadline";
	char s[32] = "";

	if (r->signal)
		snprintf(s, sizeof s, " %s", signame(r->signal));
	switch (r->end) {
	case LM_END_NOSTART:
		snprintf(b, cap, "could not start %s: %s", cmd0, strerror(sn->nostart));
		break;
	case LM_END_KILLED:
		snprintf(b, cap, "had to be killed with SIGKILL %s%s",
			r->cause == LM_END_INTERRUPTED ? "after lmsession got" :
			r->cause == LM_END_STOPPED ? "after the planned stop" : "after the deadline",
			r->cause == LM_END_INTERRUPTED ? s : "");
		break;
	case LM_END_STOPPED:
	case LM_END_TIMEOUT:
	case LM_END_INTERRUPTED:
		snprintf(b, cap, "stopped by %s %s%s", sn->stage == 1 ? "SIGINT" : "SIGTERM", why,
			r->end == LM_END_INTERRUPTED ? s : "");
		break;
	case LM_END_SIGNALED:
		snprintf(b, cap, "died of %s (%d)", signame(r->status), r->status);
		break;
	default:
		snprintf(b, cap, "exited with status %d", r->status);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files in the results folder, sorted, a folder as NAME/; the hidden
 * ones (.samples.csv.part) left out. NULL-terminated. */
static char **dir_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		struct stat st;
		char p[PATH_MAX + 300];
		if (e->d_name[0] == '.')
			continue;
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		fmt(p, sizeof p, "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			fmt(p, sizeof p, "%s/", e->d_name);
		else
			fmt(p, sizeof p, "%s", e->d_name);
		v[n++] = xstrdup(p);
	}
	if (d)
		closedir(d);
	if (!v)
		v = xalloc(sizeof *v);
	qsort(v, n, sizeof *v, cmp_str);
	v[n] = NULL;
	return v;
}

/* The tail of the app's stderr, for the console when it failed. */
static void show_tail(const char *file)
{
	char p[PATH_MAX + 32], buf[4096];
	int fd;
	off_t sz;
	ssize_t r;
	char *s;

	fmt(p, sizeof p, "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	sz = lseek(fd, 0, SEEK_END);
	if (sz <= 0) {
		close(fd);
		return;
	}
	lseek(fd, sz > (off_t)sizeof buf - 1 ? sz - (off_t)sizeof buf + 1 : 0, SEEK_SET);
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = 0;
	s = buf;
	if (sz > (off_t)sizeof buf - 1 && (s = strchr(buf, '\n')))
		s++;
	else
		s = buf;
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 32 && *q != '\n' && *q != '\t')
			*q = '?';
	fprintf(stderr, "lmsession: info: the app's last words (%s):\n%s%s", file, s,
		s[0] && s[strlen(s) - 1] != '\n' ? "\n" : "");
}

int main(int argc, char **argv)
{
	char **cmd, **env, self[PATH_MAX], end_text[256], err[512];
	int kp[2], sp[2], sfd, out, errfd, stage = 0, app_done = 0, app_st = 0;
	int started = 0, nostart = 0, keeper_done = 0, exit_code, sys_err = 0;
	struct lm_seen seen = { 0, 0, 0, 0, 0 };
	struct lm_expect *ex;
	struct lm_baseline base, *bp = NULL;
	double now, next_sample, deadline = 0, stage_at = 0, t_end = 0, flush_at = 0;
	pid_t kpid, app = 0;
	ssize_t r;
	size_t i, left = 0;
	struct lm_run run;
	char insp[64];
	size_t insp_len = 0;
	int insp_fd = -1, insp_tries = 0;
	double insp_next = 0;
	char **files;

	lm_prog = "lmsession";
	options(argc, argv);
	argc -= optind;
	argv += optind;

	/* the Jenkins parameters, as Jenkins sets them */
	if (!docker_args)
		docker_args = env_nonempty("app_docker_args");
	if (!app_args)
		app_args = env_nonempty("app_args");
	if (!image && !argc)
		image = env_nonempty("app_name");
	if (!image && !argc) {
		lm_warn("no command: give CMD [ARG...] or an image (-I, or $app_name)");
		lm_usage(usage);
	}
	if (image && argc)
		lm_die(LM_EXIT_USAGE, "both an image (%s) and a command (%s) given", image, argv[0]);
	if (!runtime_s)
		runtime_s = env_nonempty("LM_RUNTIME");
	if (!runtime_s)
		runtime_s = "docker";
	if (name_opt)
		set_name(name_opt);
	else if (env_nonempty("app_name") && (!image || strcmp(image, getenv("app_name"))))
		set_name(getenv("app_name"));
	else if (image) {
		/* the image's name, without registry, tag or digest */
		char im[PATH_MAX];
		char *c;
		snprintf(im, sizeof im, "%s", image);
		if ((c = strrchr(im, '@')))
			*c = 0;
		c = strrchr(im, '/');
		if ((c = strchr(c ? c : im, ':')))
			*c = 0;
		set_name(im);
	} else {
		char nm[LM_TAGVAL_MAX + 1];
		lm_session_name((const char *const *)argv, nm, sizeof nm);
		set_name(nm);
	}
	if (dataset && lm_fetch_is_url(dataset)) {
		/* a URL: fetched (or found in the cache) before anything starts */
		static struct lm_fetch df;
		char cache[PATH_MAX];
		if (lm_fetch_parse(&df, dataset, err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -D %s: %s", dataset, err);
		if (lm_fetch_cache_dir(cache_dir, cache, sizeof cache, err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -K %s: %s", cache_dir ? cache_dir : "", err);
		say("fetching %s into %s", df.url, cache);
		if (lm_fetch_get(&df, cache, err, sizeof err) < 0)
			lm_die(LM_EXIT_SYS, "unable to fetch dataset %s: %s", df.url, err);
		say("dataset %s: %.0f bytes, %s in %.1fs", df.url, df.bytes,
			df.cached ? "from the cache" : "fetched", df.seconds);
		dataset = df.path;
		fetched = &df;
	}
	if (dataset) {
		static char ds[PATH_MAX];
		if (!realpath(dataset, ds))
			lm_die_sys(LM_EXIT_USAGE, "unable to use dataset %s", dataset);
		dataset = ds;
	}
	ex = xalloc((nexpects + 1) * sizeof *ex);
	for (i = 0; i < nexpects; i++)
		if (lm_expect_parse(&ex[i], expects[i], err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -e %s: %s", expects[i], err);
	if (baseline_dir) {
		if (lm_baseline_load(&base, baseline_dir, err, sizeof err) == 0)
			bp = &base;
		else
			lm_warn("no baseline: %s", err);
	}
	r = readlink("/proc/self/exe", self, sizeof self - 1);
	if (r > 0) {
		char *s;
		self[r] = 0;
		if ((s = strrchr(self, '/'))) {
			*s = 0;
			snprintf(selfdir, sizeof selfdir, "%s", self);
		}
	}
	{
		char **rv = NULL;
		size_t rn = 0;
		split("-R", runtime_s, &rv, &rn);
		if (!rn)
			lm_die(LM_EXIT_USAGE, "empty runtime command");
		runtime_argv = rv;
	}
	snprintf(cname, sizeof cname, "lmsession-%ld", (long)getpid());

	results_dir();
	{
		const char *tmp = env_nonempty("TMPDIR");
		if ((size_t)snprintf(priv, sizeof priv, "%s/lmsession.XXXXXX", tmp ? tmp : "/tmp") >= 80)
			snprintf(priv, sizeof priv, "/tmp/lmsession.XXXXXX");
		if (!mkdtemp(priv))
			lm_die_sys(LM_EXIT_SYS, "unable to create %s", priv);
		chmod(priv, 0755);
		fmt(sock, sizeof sock, "%s/live_metrics.sock", priv);
	}
	cmd = command(argc, argv);
	env = app_env();

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to block signals");
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a signalfd");
	tty = isatty(2);

	start_tabled();
	start_probes(0);
	{
		char p[PATH_MAX + 32];
		fmt(p, sizeof p, "%s/.samples.csv.part", dir);
		csv = fopen(p, "we");
		if (!csv)
			lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
		fputs("time_seconds,source,metric,type,value\n", csv);
		fmt(p, sizeof p, "%s/.samples.jsonl.part", dir);
		jsonl = fopen(p, "we");
		if (!jsonl)
			lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
	}
	out = open_out("stdout.log");
	errfd = open_out("stderr.log");

	if (pipe2(kp, O_CLOEXEC) < 0 || pipe2(sp, O_CLOEXEC) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a pipe");
	t0_mono = last_dump = lm_mono();
	cores = cpus();
	t0_wall = lm_wall();
	fflush(NULL);
	kpid = fork();
	if (kpid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork");
	if (kpid == 0) {
		close(kp[1]);
		close(sp[0]);
		close(sfd);
		if (csv)
			close(fileno(csv));
		if (jsonl)
			close(fileno(jsonl));
		kw = sp[1];
		keeper(kp[0], cmd, out, errfd, env);
	}
	close(kp[0]);
	close(sp[1]);
	close(out);
	close(errfd);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);

	if (timeout_s || run_for_s)
		deadline = t0_mono + (run_for_s ? run_for_s : timeout_s);
	next_sample = t0_mono + interval_s;
	insp_next = t0_mono + interval_s;   /* the container needs a moment */
	if (!quiet) {
		char line[256];
		size_t n = 0, k;
		for (k = 0; cmd[k] && n < sizeof line - 1; k++)
			n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", k ? " " : "", cmd[k]);
		if (n >= sizeof line - 1)
			strcpy(line + sizeof line - 4, "...");
		lm_info("running %s; results in %s", line, dir);
	}

	/* the loop: samples, the deadline, the keeper's news, our signals */
	while (!keeper_done) {
		struct pollfd pf[3] = { { sfd, POLLIN, 0 }, { sp[0], POLLIN, 0 }, { insp_fd, POLLIN, 0 } };
		double wake;
		int ms;

		now = lm_mono();
		wake = next_sample;
		if (deadline && !app_done && stage == 0 && deadline < wake)
			wake = deadline;
		if (stage && !app_done && stage_at < wake)
			wake = stage_at;
		if (flush_at && flush_at < wake)
			wake = flush_at;
		ms = wake <= now ? 0 : (int)((wake - now) * 1000) + 1;
		if (poll(pf, 3, ms) < 0 && errno != EINTR)
			lm_die_sys(LM_EXIT_SYS, "unable to poll");
		now = lm_mono();

		if (pf[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				struct helper *h;
				int st;
				pid_t p;
				if (si.ssi_signo == SIGCHLD) {
					while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
						if (p == kpid && !app_done) {
							/* the keeper died: nothing more to learn */
							app_done = 1;
							app_st = st;
							t_end = now;
							flush_at = now;
						}
						if (p == kpid)
							keeper_done = 1;
						else if ((h = helper_of(p)) && !h->done) {
							h->done = 1;
							h->status = st;
							if (!strcmp(h->what, "lmtabled"))
								lm_warn("lmtabled stopped; the app's metrics after this are lost");
						}
					}
					continue;
				}
				if (si.ssi_signo == SIGPIPE)
					continue;
				/* our own SIGINT/SIGTERM/SIGHUP: stop the app now */
				if (!app_done) {
					seen.signal = (int)si.ssi_signo;
					if (stage == 0) {
						seen.cause = LM_END_INTERRUPTED;
						stage = 1;
						say("got %s: stopping the app", signame((int)si.ssi_signo));
						tell(kp[1], SIGINT);
						if (image) {
							runtime_cmd("kill", "--signal=SIGINT", cname, -1);
						}
						stage_at = now + (grace_s < 2 ? grace_s : 2);
					} else {
						stage_at = now;
					}
				}
			}
		}
		if (pf[1].revents) {
			struct kmsg m;
			while ((r = read(sp[0], &m, sizeof m)) == (ssize_t)sizeof m) {
				if (m.kind == K_STARTED) {
					started = 1;
					app = (pid_t)m.val;
					if (!image) {
						acct_root = kpid;
						start_probes(app);
					}
				} else if (m.kind == K_FAILED) {
					nostart = m.val;
					app_done = 1;
					t_end = now;
					lm_warn("unable to run %s: %s", cmd[0], strerror(m.val));
					flush_at = now;
				} else if (m.kind == K_EXITED) {
					struct helper *h;
					acct_read(now);   /* the app is reaped: in the keeper's figures */
					acct_ended = 1;
					for (h = helpers; h < helpers + nhelpers; h++)
						if (!h->done && !strcmp(h->what, "lmprobe (app)"))
							kill(h->pid, SIGTERM);
					app_done = 1;
					app_st = m.val;
					t_end = now;
					flush_at = now + FLUSH_WAIT;
				} else if (m.kind == K_DONE) {
					left = (size_t)m.val;
				} else {
					keeper_usage(&m);
				}
			}
			if (r == 0 && !app_done) {
				app_done = 1;
				t_end = now;
				flush_at = now;
			}
		}
		if (pf[2].revents && insp_fd >= 0) {
			/* the runtime's answer: the container's pid on the host */
			r = read(insp_fd, insp + insp_len, sizeof insp - 1 - insp_len);
			if (r > 0) {
				insp_len += (size_t)r;
			} else if (r == 0 || errno != EAGAIN) {
				long cp;
				char *e;
				insp[insp_len] = 0;
				cp = strtol(insp, &e, 10);
				close(insp_fd);
				insp_fd = -1;
				insp_len = 0;
				if (cp > 1 && (*e == '\n' || *e == 0) && !app_done) {
					start_probes((pid_t)cp);
					insp_tries = -1;
				}
			}
		}
		if (image && started && !app_done && insp_fd < 0 && insp_tries >= 0 &&
		    insp_tries < 10 && now >= insp_next) {
			int ip[2];
			if (pipe2(ip, O_CLOEXEC) == 0) {
				runtime_cmd("inspect", "--format={{.State.Pid}}", cname, ip[1]);
				close(ip[1]);
				insp_fd = ip[0];
				fcntl(insp_fd, F_SETFL, O_NONBLOCK);
			}
			insp_tries++;
			insp_next = now + interval_s;
		}
		if (deadline && !app_done && stage == 0 && now >= deadline) {
			stage = 1;
			seen.cause = run_for_s ? LM_END_STOPPED : LM_END_TIMEOUT;
			stage_at = now + grace_s;
			say("%s reached after %gs: sending SIGINT", run_for_s ? "run time" : "deadline",
				run_for_s ? run_for_s : timeout_s);
			tell(kp[1], SIGINT);
			if (image)
				runtime_cmd("kill", "--signal=SIGINT", cname, -1);
		} else if (stage && stage < 3 && !app_done && now >= stage_at) {
			int s = stage == 1 ? SIGTERM : SIGKILL;
			stage++;
			stage_at = now + grace_s;
			say("the app is still running: sending %s", signame(s));
			tell(kp[1], s);
			if (image)
				runtime_cmd("kill", s == SIGTERM ? "--signal=SIGTERM" : "--signal=SIGKILL", cname, -1);
		}
		if (now >= next_sample && !app_done) {   /* after it: the last round, cut at its end */
			sample(0, 0);
			progress(now, 0);
			next_sample += interval_s;
			if (next_sample < now)
				next_sample = now + interval_s;
		}
		if (flush_at && now >= flush_at) {
			/* the app has ended: the last samples, then clean up after it */
			flush_at = 0;
			sample(1, t_end);
			progress(now, 1);
			tell(kp[1], 0);
			next_sample = now + 3600;
		}
	}
	close(kp[1]);
	{
		struct kmsg m;   /* news that came with the keeper's exit */
		while (read(sp[0], &m, sizeof m) == (ssize_t)sizeof m)
			keeper_usage(&m);
	}
	stop_helpers();
	rmdir(priv);

	/* how it ended */
	memset(&run, 0, sizeof run);
	seen.nostart = nostart;
	seen.stage = stage;
	seen.wstatus = app_st;
	lm_session_end(&run, &seen);
	end_words(end_text, sizeof end_text, &run, &seen, cmd[0]);
	if (left)
		lm_warn("the app left %zu process%s behind; stopped", left, left == 1 ? "" : "es");
	if (rejected > 0)
		lm_warn("lmtabled refused %.0f wire line%s (%s): see lm-wire(5) and the caps in lmsession(1)",
			rejected, rejected == 1 ? "" : "s", reject_why);

	for (i = 0; i < nmetrics; i++)
		lm_metric_stats(&metrics[i]);
	for (i = 0; i < nexpects; i++)
		lm_expect_eval(&ex[i], metrics, nmetrics, bp);
	run.name = name;
	run.argv = (const char *const *)cmd;
	run.image = image;
	run.runtime = image ? runtime_s : NULL;
	run.app_args = app_args;
	run.docker_args = image ? docker_args : NULL;
	run.dataset = dataset;
	run.fetch = fetched;
	{
		static char host[256];
		if (gethostname(host, sizeof host - 1) < 0)
			strcpy(host, "unknown");
		run.host = host;
	}
	run.started = t0_wall;
	run.duration = (t_end ? t_end : lm_mono()) - t0_mono;
	run.timeout = timeout_s;
	run.run_for = run_for_s;
	run.interval = interval_s;
	run.end_text = end_text;
	run.m = metrics;
	run.nm = nmetrics;
	run.ex = ex;
	run.nex = nexpects;
	run.base = bp;
	for (i = 0; !have_usage && image && i < nmetrics; i++)
		if (!strcmp(metrics[i].source, name) && !strcmp(metrics[i].id, "cgroup_cpu_seconds")) {
			/* a container: its cgroup holds what its processes used */
			app_use.source = "cgroup";
			app_use.user = app_use.system = app_use.rbytes = app_use.wbytes = -1;
			app_use.cpu = metrics[i].total;
			app_use.cores = cores;
			have_usage = 1;
		}
	run.usage = have_usage ? &app_use : NULL;

	/* the results, each file whole; the folder's list (the app's output,
	 * the samples, what wrappers wrote) */
	if (finish_samples(&csv, "samples.csv") < 0)
		sys_err = 1;
	if (finish_samples(&jsonl, "samples.jsonl") < 0)
		sys_err = 1;
	files = dir_files();
	run.files = (const char *const *)files;
	run.exit_code = exit_code = lm_session_exit(&run, sys_err);
	if (lm_report_write(&run, dir, err, sizeof err) < 0) {
		lm_warn("%s", err);
		exit_code = LM_EXIT_SYS;
	}
	if (!quiet) {
		struct lm_buf t;
		lm_buf_init(&t, 16u << 20);
		if (lm_report_text(&run, &t) == 0)
			fwrite(t.p, 1, t.len, stdout);
		lm_buf_free(&t);
		if (run.end != LM_END_EXITED || run.status != 0)
			if (run.end != LM_END_STOPPED)
				show_tail("stderr.log");
		lm_info("%s after %.1fs; results in %s; exit %d", end_text, run.duration, dir, exit_code);
	}
	lm_close_stdout();
	free_words(files);
	free_all(cmd, env, ex, bp);
	return exit_code;
}
