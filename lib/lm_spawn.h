/* lm_spawn: starting a command and stopping it again, for every tool that
 * runs one (lmsession's app, helpers, companions and dataset fetches
 * (lm_fetch: curl, wget, tar, unzip), lmprobe's sources, lmhook time).
 *
 * lm_spawn forks and execs argv[0] (searched on PATH) with the fds, process
 * group, environment and signals asked for; the child starts with an empty
 * signal mask and SIGPIPE at its default. A close-on-exec pipe brings the
 * exec's errno back, so "could not run" is told apart from a command that
 * exits 126 or 127; a child that could not exec exits 127 (ENOENT) or 126
 * and is the caller's to reap like any other.
 *
 * lm_spawn_stop stops running children with an escalation of signals (e.g.
 * SIGINT, SIGTERM, SIGKILL), each followed by a grace time, and waits on
 * the pids themselves (pidfds; a short poll where the kernel has none):
 * nothing is lost between a signal and the wait. It reaps what it stops:
 * the caller must not reap those pids meanwhile. Library code: nothing is
 * printed, nothing exits. */
#ifndef LM_SPAWN_H
#define LM_SPAWN_H
#include <stddef.h>
#include <sys/types.h>

#define LM_SPAWN_KEEP (-1)   /* a child's fd: ours, as it is */
#define LM_SPAWN_NULL (-2)   /* a child's fd: /dev/null */

enum {
	LM_SPAWN_PGRP = 1,     /* a process group of its own (its pid) */
	LM_SPAWN_SETSID = 2,   /* a session of its own */
	LM_SPAWN_SIGDFL = 4    /* every signal's disposition back to the default */
};

struct lm_spawn {
	char *const *argv;
	char *const *envp;     /* NULL: ours */
	int fd[4];             /* what becomes the child's fd 0..3: an fd of
	                        * ours, LM_SPAWN_KEEP or LM_SPAWN_NULL */
	int flags;
	int deathsig;          /* sent to the child when we die; 0: none */
	unsigned alarm;        /* seconds until SIGALRM ends it; 0: none */
};

/* argv with every fd LM_SPAWN_KEEP, no flags */
void lm_spawn_init(struct lm_spawn *s, char *const *argv);
/* Start s. Returns the pid (*err: 0, or the exec's errno: the child has
 * exited, 126/127), or -1 with errno when no child was made. */
pid_t lm_spawn(const struct lm_spawn *s, int *err);

/* Wait at most secs (< 0: no limit) for child pid to end. 1: reaped, its
 * wait status in *status; 0: still running; -1: errno (ECHILD). */
int lm_spawn_wait(pid_t pid, double secs, int *status);

enum {
	LM_STOP_GROUP = 1,     /* signal its process group too */
	LM_STOP_TREE = 2       /* and its descendants (from /proc) */
};

struct lm_child {
	pid_t pid;
	int how;               /* LM_STOP_* */
	int done;              /* reaped */
	int status;            /* its wait status, once done */
};

/* Stop the children in c[0..n) that are not done: each signal of sigs
 * (0-terminated) in turn, sent to those still running, then at most grace
 * seconds for them to end. Returns how many are still running after the
 * last one's grace (0: all reaped, done and status set). */
size_t lm_spawn_stop(struct lm_child *c, size_t n, const int *sigs, double grace);

/* sig to pid's descendants (a fresh /proc walk), to its group when
 * LM_STOP_GROUP is in how, and to pid (when > 0). Returns how many
 * descendants there were. */
size_t lm_spawn_signal(pid_t pid, int how, int sig);
#endif
