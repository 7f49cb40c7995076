/* lm_spawn: start a command, stop it again (lm_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lm_proc.h"
#include "lm_sock.h"
#include "lm_spawn.h"

extern char **environ;

#define POLL_STEP 0.01   /* seconds between looks where there is no pidfd */

void lm_spawn_init(struct lm_spawn *s, char *const *argv)
{
	memset(s, 0, sizeof *s);
	s->argv = argv;
	s->fd[0] = s->fd[1] = s->fd[2] = s->fd[3] = LM_SPAWN_KEEP;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child(const struct lm_spawn *s, pid_t parent, int ep)
{
	struct sigaction sa;
	sigset_t none;
	int src[4], i, e, nul = -1;

	if (s->deathsig) {
		prctl(PR_SET_PDEATHSIG, s->deathsig);
		if (getppid() != parent)
			_exit(111);   /* we died before it was set */
	}
	if (s->flags & LM_SPAWN_SETSID)
		setsid();
	else if (s->flags & LM_SPAWN_PGRP)
		setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	if (s->flags & LM_SPAWN_SIGDFL) {
		for (i = 1; i < 65; i++)
			if (i != SIGKILL && i != SIGSTOP)
				sigaction(i, &sa, NULL);
	} else {
		sigaction(SIGPIPE, &sa, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the sources first out of 0..3, so that no dup2 overwrites one */
	for (i = 0; i < 4; i++) {
		src[i] = s->fd[i];
		if (src[i] == LM_SPAWN_NULL) {
			if (nul < 0)
				nul = open("/dev/null", O_RDWR | O_CLOEXEC);
			src[i] = nul;
		}
		if (src[i] >= 0 && src[i] < 4 && src[i] != i)
			src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 4);
	}
	for (i = 0; i < 4; i++) {
		if (s->fd[i] == LM_SPAWN_KEEP || src[i] < 0)
			continue;
		if (src[i] == i)
			fcntl(i, F_SETFD, 0);
		else
			dup2(src[i], i);
	}
	if (s->envp)
		environ = (char **)s->envp;
	if (s->alarm)
		alarm(s->alarm);
	execvp(s->argv[0], s->argv);
	e = errno;
	while (write(ep, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(e == ENOENT ? 127 : 126);
}

pid_t lm_spawn(const struct lm_spawn *s, int *err)
{
	pid_t parent = getpid(), pid;
	int ep[2], e = 0;
	ssize_t n;

	*err = 0;
	if (pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(ep[0]);
		close(ep[1]);
		errno = e;
		return -1;
	}
	if (pid == 0)
		child(s, parent, ep[1]);
	close(ep[1]);
	/* end of file once the exec succeeded (the pipe is close-on-exec) */
	while ((n = read(ep[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (n == (ssize_t)sizeof e)
		*err = e;
	return pid;
}

static int pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* wait for the first of fds[0..n) (-1: none) to be readable, at most secs */
static void wait_fds(const int *fds, size_t n, double secs)
{
	struct pollfd pf[64];
	size_t i, k = 0;
	int poll_only = 0;

	for (i = 0; i < n && k < 64; i++) {
		if (fds[i] < 0) {
			poll_only = 1;
			continue;
		}
		pf[k].fd = fds[i];
		pf[k].events = POLLIN;
		pf[k++].revents = 0;
	}
	if (k < n || poll_only)
		secs = secs < POLL_STEP ? secs : POLL_STEP;
	if (secs < 0)
		secs = 0;
	poll(pf, k, (int)(secs * 1000) + (secs > 0));
}

int lm_spawn_wait(pid_t pid, double secs, int *status)
{
	double end = lm_mono() + secs;
	int fd = pidfd(pid), r;
	pid_t p;

	for (;;) {
		while ((p = waitpid(pid, status, WNOHANG)) < 0 && errno == EINTR)
			;
		if (p != 0) {
			r = p > 0 ? 1 : -1;
			break;
		}
		if (secs >= 0 && lm_mono() >= end) {
			r = 0;
			break;
		}
		wait_fds(&fd, 1, secs < 0 ? 1 : end - lm_mono());
	}
	if (fd >= 0)
		close(fd);
	return r;
}

size_t lm_spawn_signal(pid_t pid, int how, int sig)
{
	long d[LM_PROC_TREE];
	long n = 0, i;

	if (how & LM_STOP_TREE)
		n = lm_proc_descendants("", pid, d, sizeof d / sizeof d[0]);
	if (how & LM_STOP_GROUP)
		kill(-pid, sig);
	if (pid > 0)
		kill(pid, sig);
	for (i = 0; i < n; i++)
		kill((pid_t)d[i], sig);
	return n > 0 ? (size_t)n : 0;
}

/* reap what has ended among c[0..n); how many still run */
static size_t reap(struct lm_child *c, size_t n)
{
	size_t i, left = 0;
	pid_t p;

	for (i = 0; i < n; i++) {
		if (c[i].done)
			continue;
		while ((p = waitpid(c[i].pid, &c[i].status, WNOHANG)) < 0 && errno == EINTR)
			;
		if (p != 0) {
			c[i].done = 1;   /* reaped, or not ours to reap (ECHILD) */
			if (p < 0)
				c[i].status = 0;
		} else {
			left++;
		}
	}
	return left;
}

size_t lm_spawn_stop(struct lm_child *c, size_t n, const int *sigs, double grace)
{
	int fds[64];
	size_t i, k, left;
	double end;

	for (i = 0; i < n && i < 64; i++)
		fds[i] = c[i].done ? -1 : pidfd(c[i].pid);
	left = reap(c, n);
	for (k = 0; sigs[k] && left; k++) {
		for (i = 0; i < n; i++)
			if (!c[i].done)
				lm_spawn_signal(c[i].pid, c[i].how, sigs[k]);
		end = lm_mono() + grace;
		while ((left = reap(c, n)) > 0 && lm_mono() < end) {
			int w[64];
			size_t m = 0;
			for (i = 0; i < n && i < 64; i++)
				if (!c[i].done)
					w[m++] = fds[i];
			if (n > 64)
				w[m++] = -1;
			wait_fds(w, m, end - lm_mono());
		}
	}
	for (i = 0; i < n && i < 64; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return left;
}
