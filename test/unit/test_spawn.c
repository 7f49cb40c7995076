/* test_spawn: lm_spawn (fds, process group, session, environment, signal
 * mask, alarm, exec failures told apart from exit statuses), lm_spawn_wait,
 * lm_spawn_stop (the signal that ends a child, several at once, a tree),
 * lm_proc_descendants and lm_comm. Each case a row; real processes (sh). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lm_comm.h"
#include "lm_proc.h"
#include "lm_sock.h"
#include "lm_spawn.h"
#include "t.h"

/* what a row's child printed on its stdout (a pipe), its status */
static int run(const struct lm_spawn *s0, int out_pipe, char *out, size_t cap, int *err)
{
	struct lm_spawn s = *s0;
	int p[2] = { -1, -1 }, st = -1;
	ssize_t n, got = 0;
	pid_t pid;

	if (out_pipe && pipe2(p, O_CLOEXEC) == 0)
		s.fd[1] = p[1];
	pid = lm_spawn(&s, err);
	if (p[1] >= 0)
		close(p[1]);
	if (p[0] >= 0) {
		while (cap > 1 && (n = read(p[0], out + got, cap - 1 - (size_t)got)) > 0)
			got += n;
		close(p[0]);
	}
	if (cap)
		out[got] = 0;
	if (pid < 0 || lm_spawn_wait(pid, 10, &st) != 1)
		return -1;
	return st;
}

struct row {
	const char *name;
	const char *argv[6];
	int fd0;            /* LM_SPAWN_NULL or KEEP */
	int flags;
	unsigned alarm;
	int env;            /* run with FOO=bar as the whole environment */
	int want_err;       /* the exec's errno */
	int want_exit;      /* -1: any; else the exit status */
	int want_sig;       /* 0: none; else the signal that ended it */
	const char *want_out; /* NULL: any; "=pid": the child's pid twice */
};

static const struct row rows[] = {
	{ "true runs", { "true" }, LM_SPAWN_NULL, 0, 0, 0, 0, 0, 0, "" },
	{ "status passed on", { "sh", "-c", "exit 7" }, LM_SPAWN_NULL, 0, 0, 0, 0, 7, 0, "" },
	{ "not found: ENOENT, 127", { "/nonexistent/lmt-cmd" }, LM_SPAWN_NULL, 0, 0, 0, ENOENT, 127, 0, "" },
	{ "on PATH, not found: ENOENT", { "lmt-no-such-command" }, LM_SPAWN_NULL, 0, 0, 0, ENOENT, 127, 0, "" },
	{ "not executable: EACCES, 126", { "/etc/passwd" }, LM_SPAWN_NULL, 0, 0, 0, EACCES, 126, 0, "" },
	{ "a directory: cannot run, 126", { "/" }, LM_SPAWN_NULL, 0, 0, 0, EACCES, 126, 0, "" },
	{ "a script that exits 127 is no exec failure", { "sh", "-c", "exit 127" }, LM_SPAWN_NULL, 0, 0, 0, 0, 127, 0, "" },
	{ "stdout to a pipe", { "sh", "-c", "echo hello" }, LM_SPAWN_NULL, 0, 0, 0, 0, 0, 0, "hello\n" },
	{ "stdin /dev/null", { "sh", "-c", "cat; echo end" }, LM_SPAWN_NULL, 0, 0, 0, 0, 0, 0, "end\n" },
	{ "a process group of its own", { "sh", "-c", "echo $$ $(cut -d' ' -f5 /proc/$$/stat)" },
		LM_SPAWN_NULL, LM_SPAWN_PGRP, 0, 0, 0, 0, 0, "=pid" },
	{ "a session of its own", { "sh", "-c", "echo $$ $(cut -d' ' -f6 /proc/$$/stat)" },
		LM_SPAWN_NULL, LM_SPAWN_SETSID, 0, 0, 0, 0, 0, "=pid" },
	{ "the environment given", { "/bin/sh", "-c", "echo \"$FOO:${HOME:-none}\"" },
		LM_SPAWN_NULL, 0, 0, 1, 0, 0, 0, "bar:none\n" },
	{ "the signal mask emptied", { "sh", "-c", "kill -TERM $$; exit 3" },
		LM_SPAWN_NULL, 0, 0, 0, 0, -1, SIGTERM, "" },
	{ "SIGPIPE at its default", { "sh", "-c", "kill -PIPE $$; exit 3" },
		LM_SPAWN_NULL, 0, 0, 0, 0, -1, SIGPIPE, "" },
	{ "ignored signals back to default", { "sh", "-c", "kill -HUP $$; exit 3" },
		LM_SPAWN_NULL, LM_SPAWN_SIGDFL, 0, 0, 0, -1, SIGHUP, "" },
	{ "ignored signals kept without SIGDFL", { "sh", "-c", "kill -HUP $$; exit 3" },
		LM_SPAWN_NULL, 0, 0, 0, 0, 3, 0, "" },
	{ "the alarm ends it", { "sleep", "5" }, LM_SPAWN_NULL, 0, 1, 0, 0, -1, SIGALRM, "" },
};

static void spawn_rows(void)
{
	static char *const env[] = { "FOO=bar", "PATH=/usr/bin:/bin", NULL };
	size_t i;
	sigset_t block, old;
	struct sigaction ign, oldhup;

	/* the caller's state the child must not inherit (or must, for HUP) */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &ign, &oldhup);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct lm_spawn s;
		char out[256], want[64];
		int err = -1, st;

		lm_spawn_init(&s, (char *const *)r->argv);
		s.fd[0] = r->fd0;
		s.flags = r->flags;
		s.alarm = r->alarm;
		if (r->env)
			s.envp = env;
		st = run(&s, 1, out, sizeof out, &err);
		T_OK(err == r->want_err, "%s: exec errno %d, want %d", r->name, err, r->want_err);
		if (r->want_sig)
			T_OK(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == r->want_sig,
				"%s: ended by signal %d (status %#x)", r->name, r->want_sig, st);
		else
			T_OK(st >= 0 && WIFEXITED(st) && (r->want_exit < 0 || WEXITSTATUS(st) == r->want_exit),
				"%s: exit %d (status %#x)", r->name, r->want_exit, st);
		if (r->want_out && !strcmp(r->want_out, "=pid")) {
			long a = -1, b = -2;
			out[strcspn(out, "\n")] = 0;
			T_OK(sscanf(out, "%ld %ld", &a, &b) == 2 && a == b && a > 0,
				"%s: its pid leads it (%s)", r->name, out);
		} else if (r->want_out) {
			snprintf(want, sizeof want, "%s", r->want_out);
			T_STREQ(out, want, r->name);
		}
	}
	sigaction(SIGHUP, &oldhup, NULL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* fd sources among 0..3 are moved before any dup2 overwrites them */
static void fd_shuffle(void)
{
	static const char *const argv[] = { "sh", "-c", "echo to3 >&3; echo to1", NULL };
	struct lm_spawn s;
	int p[2], q[2], err, st, save3 = dup(3);
	char a[32] = "", b[32] = "";
	ssize_t n;
	pid_t pid;

	if (pipe(p) < 0 || pipe(q) < 0) {
		T_OK(0, "fd shuffle: pipes");
		return;
	}
	/* all four ends above 3, then the write end of p as fd 3 */
	{
		int i, *ends[3] = { &p[0], &q[0], &q[1] };
		for (i = 0; i < 3; i++) {
			int hi = fcntl(*ends[i], F_DUPFD_CLOEXEC, 10);
			close(*ends[i]);
			*ends[i] = hi;
		}
	}
	dup2(p[1], 3);
	close(p[1]);
	lm_spawn_init(&s, (char *const *)argv);
	s.fd[0] = LM_SPAWN_NULL;
	s.fd[1] = q[1];
	s.fd[3] = 3;   /* already 3: kept, made inheritable */
	pid = lm_spawn(&s, &err);
	close(3);
	close(q[1]);
	n = read(p[0], a, sizeof a - 1);
	a[n > 0 ? n : 0] = 0;
	n = read(q[0], b, sizeof b - 1);
	b[n > 0 ? n : 0] = 0;
	close(p[0]);
	close(q[0]);
	T_OK(pid > 0 && lm_spawn_wait(pid, 10, &st) == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"fd shuffle: ran");
	T_STREQ(a, "to3\n", "fd shuffle: fd 3 kept");
	T_STREQ(b, "to1\n", "fd shuffle: stdout to the pipe");
	if (save3 >= 0) {
		dup2(save3, 3);
		close(save3);
	}
}

static pid_t start(const char *code, int flags)
{
	const char *argv[] = { "sh", "-c", code, NULL };
	struct lm_spawn s;
	int err;

	lm_spawn_init(&s, (char *const *)argv);
	s.fd[0] = LM_SPAWN_NULL;
	s.flags = flags;
	return lm_spawn(&s, &err);
}

/* wait (at most 5 s) until pid has n descendants */
static long wait_kids(pid_t pid, long n, long *d, size_t cap)
{
	long got = 0;
	int i;

	for (i = 0; i < 500; i++) {
		got = lm_proc_descendants("", pid, d, cap);
		if (got >= n)
			break;
		usleep(10000);
	}
	return got;
}

static int running(long pid);
/* pid is gone, or a zombie, within 5 s */
static int gone_soon(long pid)
{
	int i;
	for (i = 0; i < 500 && running(pid); i++)
		usleep(10000);
	return !running(pid);
}

static int running(long pid)
{
	char st[64];
	char rel[64];
	snprintf(rel, sizeof rel, "/proc/%ld/stat", pid);
	if (lm_proc_file("", rel, st, sizeof st) <= 0)
		return 0;
	return !strstr(st, ") Z") && !strstr(st, ") X");
}

struct stop_row {
	const char *name;
	const char *code;     /* sh -c CODE: ready once it has its children */
	int kids;             /* descendants to wait for before stopping */
	int how;
	int sigs[4];
	int want_sig;         /* the signal that ends it; 0: exit 0 */
};

static const struct stop_row stops[] = {
	{ "SIGINT ends a plain child", "exec sleep 30", 0, 0, { SIGINT, SIGTERM, SIGKILL }, SIGINT },
	{ "SIGINT ignored: SIGTERM", "trap '' INT; sleep 30 & wait", 1, LM_STOP_GROUP,
		{ SIGINT, SIGTERM, SIGKILL }, SIGTERM },
	{ "INT and TERM ignored: SIGKILL", "trap '' INT TERM; sleep 30 & wait; sleep 30 & wait", 1,
		LM_STOP_GROUP, { SIGINT, SIGTERM, SIGKILL }, SIGKILL },
	{ "a trap that exits 0 on TERM", "trap 'exit 0' TERM; sleep 30 & wait", 1, LM_STOP_GROUP,
		{ SIGTERM, SIGKILL }, 0 },
};

static void stop_rows(void)
{
	size_t i;

	for (i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		const struct stop_row *r = &stops[i];
		long d[16];
		struct lm_child c;
		double t0;
		size_t left;

		c.pid = start(r->code, r->how & LM_STOP_GROUP ? LM_SPAWN_PGRP : 0);
		c.how = r->how;
		c.done = 0;
		c.status = 0;
		if (r->kids && wait_kids(c.pid, r->kids, d, 16) >= 1) {
			/* exec'd: a signal between the fork and the exec goes to
			 * the shell's trap, not to sleep */
			char cm[LM_COMM_MAX];
			int k;
			for (k = 0; k < 500 && (!lm_comm("", d[0], cm, sizeof cm) || strcmp(cm, "sleep")); k++)
				usleep(10000);
		}
		t0 = lm_mono();
		left = lm_spawn_stop(&c, 1, r->sigs, 1.0);
		T_OK(left == 0 && c.done, "%s: stopped", r->name);
		if (r->want_sig)
			T_OK(WIFSIGNALED(c.status) && WTERMSIG(c.status) == r->want_sig,
				"%s: by signal %d (status %#x)", r->name, r->want_sig, c.status);
		else
			T_OK(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "%s: exit 0", r->name);
		T_OK(lm_mono() - t0 < 3.5, "%s: within the grace times (%.2fs)", r->name, lm_mono() - t0);
		if (r->kids && r->how & LM_STOP_GROUP)
			T_OK(gone_soon(d[0]), "%s: its child is gone too", r->name);
	}
}

/* several children at once: the grace times run side by side */
static void stop_many(void)
{
	static const int sigs[] = { SIGTERM, SIGKILL, 0 };
	struct lm_child c[4];
	double t0;
	size_t i, left;

	for (i = 0; i < 4; i++) {
		c[i].pid = start("trap '' TERM; while :; do sleep 1; done", LM_SPAWN_PGRP);
		c[i].how = LM_STOP_GROUP;
		c[i].done = 0;
	}
	c[3].done = 1;   /* reaped already: left alone */
	{
		int st;
		kill(c[3].pid, SIGKILL);
		waitpid(c[3].pid, &st, 0);
	}
	usleep(100000);   /* the traps set (a TERM before them ends sh: also fine) */
	t0 = lm_mono();
	left = lm_spawn_stop(c, 4, sigs, 0.5);
	T_OK(left == 0, "stop many: all stopped");
	T_OK(lm_mono() - t0 < 2.0, "stop many: side by side (%.2fs)", lm_mono() - t0);
	for (i = 0; i < 3; i++)
		T_OK(c[i].done && WIFSIGNALED(c[i].status), "stop many: child %zu by a signal", i);
}

/* LM_STOP_TREE reaches a descendant in another process group */
static void stop_tree(void)
{
	static const int sigs[] = { SIGTERM, SIGKILL, 0 };
	struct lm_child c;
	long d[16], n;

	c.pid = start("setsid sleep 30 & wait", 0);
	c.how = LM_STOP_TREE;
	c.done = 0;
	n = wait_kids(c.pid, 1, d, 16);
	T_OK(n == 1, "tree: one descendant (%ld)", n);
	T_OK(lm_spawn_stop(&c, 1, sigs, 1.0) == 0, "tree: stopped");
	if (n >= 1)
		T_OK(gone_soon(d[0]), "tree: the descendant in its own session is gone");
}

static void waits(void)
{
	int st = 0;
	pid_t pid = start("sleep 0.3", 0);
	double t0 = lm_mono();

	T_OK(lm_spawn_wait(pid, 0.05, &st) == 0, "wait: still running after 0.05 s");
	T_OK(lm_mono() - t0 < 0.25, "wait: the timeout is kept");
	T_OK(lm_spawn_wait(pid, -1, &st) == 1 && WIFEXITED(st), "wait: no limit, reaped");
	T_OK(lm_spawn_wait(pid, 0, &st) == -1 && errno == ECHILD, "wait: reaped already: ECHILD");
}

static void comm(void)
{
	char dir[] = "/tmp/lmt-spawn.XXXXXX", p[128], out[LM_COMM_MAX];
	FILE *f;

	T_OK(lm_comm("", 0, out, sizeof out) > 0 && !strcmp(out, "test_spawn"), "comm: ours (%s)", out);
	T_OK(lm_comm("/", (long)getpid(), out, sizeof out) > 0 && !strcmp(out, "test_spawn"),
		"comm: by pid, root /");
	T_OK(lm_comm("", 999999999, out, sizeof out) == 0 && !out[0], "comm: no such pid: 0, empty");
	T_OK(lm_comm("", 0, out, 4) == 3 && !strcmp(out, "tes"), "comm: cut to the buffer");
	if (!mkdtemp(dir))
		return;
	snprintf(p, sizeof p, "%s/proc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/42", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/proc/42/comm", dir);
	if ((f = fopen(p, "w"))) {
		fputs("python3 \n\n", f);
		fclose(f);
	}
	T_OK(lm_comm(dir, 42, out, sizeof out) == 7 && !strcmp(out, "python3"),
		"comm: a fixture root, trailing blanks cut (%s)", out);
	unlink(p);
	snprintf(p, sizeof p, "%s/proc/42", dir);
	rmdir(p);
	snprintf(p, sizeof p, "%s/proc", dir);
	rmdir(p);
	rmdir(dir);
}

int main(void)
{
	t_file = "test_spawn";
	spawn_rows();
	fd_shuffle();
	stop_rows();
	stop_many();
	stop_tree();
	waits();
	comm();
	return T_DONE();
}
