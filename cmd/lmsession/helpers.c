/* lmsession: its helpers (lmtabled, lmprobe, tegrastats) and the
 * runtime's subcommands (cmd/lmsession.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_num.h"
#include "lm_sock.h"
#include "lm_spawn.h"
#include "lmsession.h"

struct helper helpers[HELPERS_MAX];
size_t nhelpers;
sigset_t sigs;

/* Start argv with SIGTERM on our death, stdin /dev/null, stdout to outfd
 * (-1: ours), readyfd (-1: none) as its fd 3; a failure ends lmsession
 * (a helper that cannot run is said here, then seen dead by the loop). */
static pid_t spawn(const char *what, char *const argv[], int outfd, int readyfd)
{
	struct lm_spawn sp;
	pid_t pid;
	int err;

	lm_spawn_init(&sp, argv);
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = outfd >= 0 ? outfd : LM_SPAWN_KEEP;
	sp.fd[3] = readyfd >= 0 ? readyfd : LM_SPAWN_KEEP;
	sp.deathsig = SIGTERM;
	pid = lm_spawn(&sp, &err);
	if (pid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork for %s", what);
	if (err) {
		errno = err;
		lm_warn_sys("unable to run %s", argv[0]);
	}
	if (nhelpers < sizeof helpers / sizeof helpers[0]) {
		helpers[nhelpers].what = what;
		helpers[nhelpers].pid = pid;
		helpers[nhelpers].done = 0;
		nhelpers++;
	}
	return pid;
}

struct helper *helper_of(pid_t pid)
{
	size_t i;
	for (i = 0; i < nhelpers; i++)
		if (helpers[i].pid == pid)
			return &helpers[i];
	return NULL;
}

/* Run a runtime subcommand in the background (reaped by the loop), its
 * output to outfd (-1: /dev/null), killed after RUNTIME_WAIT seconds. */
void runtime_cmd(const char *a1, const char *a2, const char *a3, int outfd)
{
	char *argv[WORDS_MAX + 8];
	struct lm_spawn sp;
	size_t n = 0, i;
	int err;

	for (i = 0; runtime_argv[i] && n < WORDS_MAX; i++)
		argv[n++] = runtime_argv[i];
	argv[n++] = (char *)a1;
	argv[n++] = (char *)a2;
	argv[n++] = (char *)a3;
	argv[n] = NULL;
	lm_spawn_init(&sp, argv);
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = outfd >= 0 ? outfd : LM_SPAWN_NULL;
	sp.alarm = RUNTIME_WAIT;
	if (lm_spawn(&sp, &err) < 0)
		lm_warn_sys("unable to fork for %s %s", runtime_argv[0], a1);
}

void start_tabled(void)
{
	char tb[PATH_MAX], ready[2];
	char *argv[] = { (char *)tool("lmtabled", tb, sizeof tb), "-d", "3", "-s", sock,
		"-t", "0", "-P",
		"-n", SERIES_MAX, "-p", SERIES_PER_APP, NULL };
	int p[2];
	double end = lm_mono() + START_DEADLINE;

	if (pipe2(p, O_CLOEXEC) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a pipe");
	/* fd 3 in the child: dup2 clears O_CLOEXEC */
	spawn("lmtabled", argv, -1, p[1]);
	close(p[1]);
	/* no read before the pipe is ready: a daemon that hangs before its
	 * readiness line would hold a blocking read for ever */
	if (lm_wait_fd(p[0], POLLIN, end) < 0)
		lm_die(LM_EXIT_SYS, "lmtabled (%s) was not ready within %gs", argv[0], START_DEADLINE);
	if (read(p[0], ready, 1) != 1)
		lm_die(LM_EXIT_SYS, "lmtabled (%s) did not start; see its message above", argv[0]);
	close(p[0]);
}

void start_probes(pid_t app)
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

/* SIGTERM to the helpers still running, SIGKILL after STOP_DEADLINE */
/* lmprobe for the process tree of a companion, under its own source name */
void start_tree_probe(const char *label, pid_t pid)
{
	char pr[PATH_MAX], iv[32], pidbuf[32];
	char *a[] = { pr, "-q", "-s", sock, "-a", (char *)label, "-i", iv, "-p", pidbuf, "tree", NULL };

	a[0] = (char *)tool("lmprobe", pr, sizeof pr);
	lm_fmt_double(iv, interval_s);
	snprintf(pidbuf, sizeof pidbuf, "%ld", (long)pid);
	spawn("lmprobe (companion)", a, -1, -1);
}

void stop_helpers(void)
{
	static const int sigs_stop[] = { SIGTERM, SIGKILL, 0 };
	struct lm_child c[sizeof helpers / sizeof helpers[0]];
	size_t i;

	for (i = 0; i < nhelpers; i++) {
		c[i].pid = helpers[i].pid;
		c[i].how = 0;
		c[i].done = helpers[i].done;
		c[i].status = helpers[i].status;
	}
	lm_spawn_stop(c, nhelpers, sigs_stop, STOP_DEADLINE);
	for (i = 0; i < nhelpers; i++) {
		helpers[i].done = c[i].done;
		helpers[i].status = c[i].status;
	}
}
