/* lmsession: the keeper, a subreaper that starts the app in a session of
 * its own and is the ancestor of everything it starts (cmd/lmsession.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lm_proc.h"
#include "lm_sock.h"
#include "lm_spawn.h"
#include "lmsession.h"

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
void tell(int fd, int sig)
{
	struct kmsg m = { sig, 0, { 0 } };
	ssize_t r;
	do
		r = write(fd, &m, sizeof m);
	while (r < 0 && errno == EINTR);
}

/* sig to the app's group (app > 0) and to every descendant of the keeper
 * (a subreaper: orphans come back to it); how many descendants there were */
static size_t signal_tree(pid_t app, int sig)
{
	static long d[LM_PROC_TREE];
	long n = lm_proc_descendants("", getpid(), d, LM_PROC_TREE), i;

	if (app > 0)
		kill(-app, sig);
	for (i = 0; i < n; i++)
		kill((pid_t)d[i], sig);
	return n > 0 ? (size_t)n : 0;
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
 * how many processes were there. Not lm_spawn_stop: the processes to stop
 * are descendants, not only children, and new ones may come back to the
 * subreaper meanwhile, so the tree is walked again until it is empty. */
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
	struct lm_spawn sp;
	struct pollfd pf[2];
	int fd, app_done = 0, e = 0;
	pid_t app;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, "lmsession-keep");
	lm_spawn_init(&sp, argv);
	sp.envp = env;
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = out;
	sp.fd[2] = err;
	sp.flags = LM_SPAWN_SETSID | LM_SPAWN_SIGDFL;
	app = lm_spawn(&sp, &e);
	if (app < 0) {
		ksend(K_FAILED, errno);
		_exit(111);
	}
	close(out);
	close(err);
	if (e)
		ksend(K_FAILED, e);
	else
		ksend(K_STARTED, (int)app);

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

/* The keeper is a fork without an exec (it runs keeper() above), so it is
 * not an lm_spawn. */
pid_t start_keeper(char **cmd, char **env, int out, int err, int sfd, int *to, int *from)
{
	int kp[2], sp[2];
	pid_t kpid;

	if (pipe2(kp, O_CLOEXEC) < 0 || pipe2(sp, O_CLOEXEC) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a pipe");
	fflush(NULL);
	kpid = fork();
	if (kpid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork");
	if (kpid == 0) {
		close(kp[1]);
		close(sp[0]);
		close(sfd);
		samples_close_fds();
		kw = sp[1];
		keeper(kp[0], cmd, out, err, env);
	}
	close(kp[0]);
	close(sp[1]);
	close(out);
	close(err);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	*to = kp[1];
	*from = sp[0];
	return kpid;
}
