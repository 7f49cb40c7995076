/* lmsession: companions (-c), the commands an app needs beside it (a
 * camera simulator, a model server): started before the app, each in a
 * session of its own with its output in companion-N.out and .err, ready
 * when its unix socket or TCP port accepts a connection or after a delay
 * (-C), its process tree sampled as source companion-N, and stopped after
 * the app with SIGINT, SIGTERM, SIGKILL, -g seconds apart. One that ends
 * before the app does ends the run (cmd/lmsession.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lm_num.h"
#include "lm_sock.h"
#include "lm_spawn.h"
#include "lmsession.h"

#define BACKOFF_MIN 0.01   /* seconds between readiness checks, doubling */
#define BACKOFF_MAX 0.2
#define CONNECT_WAIT 0.25  /* seconds for one TCP connect */

struct companion companions[COMPANIONS_MAX];
size_t ncompanions;
double ready_wait = READY_WAIT;
char companion_end[256];
int ready_interrupted;

void companion_add(const char *cmd)
{
	struct companion *c;
	char **v = NULL;
	size_t n = 0;

	if (ncompanions >= COMPANIONS_MAX)
		lm_die(LM_EXIT_USAGE, "too many -c options (at most %d)", COMPANIONS_MAX);
	/* its syntax now, before anything is made; split again once {out} is known */
	split("-c", cmd, &v, &n);
	free_words(v);
	if (!n)
		lm_die(LM_EXIT_USAGE, "empty -c command");
	c = &companions[ncompanions++];
	memset(c, 0, sizeof *c);
	c->cmd = cmd;
	snprintf(c->label, sizeof c->label, "companion-%zu", ncompanions);
}

/* -C: unix:PATH, tcp:[HOST:]PORT, delay:SECS */
void companion_ready(const char *spec)
{
	struct companion *c = ncompanions ? &companions[ncompanions - 1] : NULL;
	const char *v = strchr(spec, ':');
	double port;

	if (!c)
		lm_die(LM_EXIT_USAGE, "-C %s: no -c before it (-c CMD -C READY)", spec);
	if (c->ready)
		lm_die(LM_EXIT_USAGE, "-C %s: %s has -C %s already", spec, c->label, c->ready);
	c->ready = spec;
	if (!v || !v[1])
		goto bad;
	v++;
	if (!strncmp(spec, "unix:", 5)) {
		if (strlen(v) >= sizeof c->path)
			lm_die(LM_EXIT_USAGE, "-C %s: the path is longer than a socket's (%zu bytes)",
				spec, sizeof c->path - 1);
		c->kind = READY_UNIX;
		snprintf(c->path, sizeof c->path, "%s", v);
		return;
	}
	if (!strncmp(spec, "tcp:", 4)) {
		const char *p = strrchr(v, ':');
		unsigned char a[16];
		size_t hn = p ? (size_t)(p - v) : 0;
		p = p ? p + 1 : v;
		if (lm_parse_range(p, 1, 65535, &port) < 0 || port != (double)(int)port)
			lm_die(LM_EXIT_USAGE, "-C %s: bad port %s (1 to 65535)", spec, p);
		c->port = (int)port;
		if (hn >= 2 && v[0] == '[' && v[hn - 1] == ']') {   /* [::1]:PORT */
			v++;
			hn -= 2;
		}
		if (hn >= sizeof c->host)
			goto bad;
		snprintf(c->host, sizeof c->host, "%.*s", (int)hn, v);
		if (!hn || !strcmp(c->host, "localhost"))
			strcpy(c->host, "127.0.0.1");
		if (inet_pton(AF_INET, c->host, a) != 1 && inet_pton(AF_INET6, c->host, a) != 1)
			lm_die(LM_EXIT_USAGE, "-C %s: bad host %s (an IPv4 or IPv6 address, or localhost)",
				spec, c->host);
		c->kind = READY_TCP;
		return;
	}
	if (!strncmp(spec, "delay:", 6)) {
		c->delay = duration("-C delay", v, 0, 3600);
		c->kind = READY_DELAY;
		return;
	}
bad:
	lm_die(LM_EXIT_USAGE, "bad -C %s (unix:PATH, tcp:[HOST:]PORT or delay:SECS)", spec);
}

void companions_setup(char **app_env)
{
	size_t i, k, n = 0;

	while (app_env[n])
		n++;
	for (i = 0; i < ncompanions; i++) {
		struct companion *c = &companions[i];
		char kv[64];
		size_t words = 0;

		if (image) {
			/* container mode: -c is [RUNTIME-OPTION...] IMAGE [ARG...],
			 * run as the app's container is, named CNAME-companion-N */
			snprintf(c->cname, sizeof c->cname, "%s-%s", cname, c->label);
			container_run(&c->argv, &words, c->cname, c->label);
		}
		k = words;
		split("-c", c->cmd, &c->argv, &words);
		if (words == k)
			lm_die(LM_EXIT_USAGE, "empty -c command");
		/* the app's environment; its hooks report as the companion */
		c->env = xalloc((n + 1) * sizeof *c->env);
		snprintf(kv, sizeof kv, "LM_APP=%s", c->label);
		for (k = 0; k < n; k++)
			c->env[k] = strncmp(app_env[k], "LM_APP=", 7) ? app_env[k] : NULL;
		for (k = 0; k < n; k++)
			if (!c->env[k]) {
				c->env[k] = c->app_kv = xstrdup(kv);
				break;
			}
	}
}

/* 1 when the companion's socket or port accepts a connection now */
static int answers(const struct companion *c)
{
	int fd = -1, ok = 0;

	if (c->kind == READY_UNIX) {
		struct sockaddr_un a;
		memset(&a, 0, sizeof a);
		a.sun_family = AF_UNIX;
		memcpy(a.sun_path, c->path, strlen(c->path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	} else if (c->kind == READY_TCP) {
		struct sockaddr_storage ss;
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		socklen_t len;
		memset(&ss, 0, sizeof ss);
		if (inet_pton(AF_INET, c->host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((unsigned short)c->port);
			len = sizeof *a4;
		} else {
			inet_pton(AF_INET6, c->host, &a6->sin6_addr);
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((unsigned short)c->port);
			len = sizeof *a6;
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) == 0) {
			ok = 1;
		} else if (fd >= 0 && errno == EINPROGRESS) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			int e = 0;
			socklen_t el = sizeof e;
			ok = poll(&pf, 1, (int)(CONNECT_WAIT * 1000)) == 1 &&
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0;
		}
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void say_ended(const struct companion *c, int st, const char *when)
{
	char how[64];

	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "died of %s", signame(WTERMSIG(st)));
	else
		snprintf(how, sizeof how, "exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 0);
	snprintf(companion_end, sizeof companion_end, "%s (%.80s) %s %s", c->label, c->argv[0], how, when);
}

/* SIGINT, SIGTERM or SIGHUP waiting for lmsession (blocked: read later
 * from the signalfd); 0 none */
static int interrupted(void)
{
	static const int s[] = { SIGINT, SIGTERM, SIGHUP };
	sigset_t p;
	size_t i;

	if (sigpending(&p) == 0)
		for (i = 0; i < 3; i++)
			if (sigismember(&p, s[i]))
				return s[i];
	return 0;
}

/* Start c, wait until it is ready: 0, or the end it made */
static int start_one(struct companion *c, int *cw)
{
	struct lm_spawn sp;
	char f[40];
	double t0, end, step = BACKOFF_MIN;
	int out, err, e;

	snprintf(f, sizeof f, "%s.out", c->label);
	out = open_out(f);
	snprintf(f, sizeof f, "%s.err", c->label);
	err = open_out(f);
	lm_spawn_init(&sp, c->argv);
	sp.envp = c->env;
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = out;
	sp.fd[2] = err;
	sp.flags = LM_SPAWN_SETSID;
	sp.deathsig = SIGTERM;
	c->pid = lm_spawn(&sp, &e);
	close(out);
	close(err);
	if (c->pid < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to fork for %s", c->label);
	if (e)
		lm_warn("unable to run %s (%s): %s", c->label, c->argv[0], strerror(e));
	say("%s: started %s, pid %ld%s%s", c->label, c->cmd, (long)c->pid,
		c->ready ? "; ready when " : "", c->ready ? c->ready : "");
	t0 = lm_mono();
	end = t0 + ready_wait;
	for (;;) {
		double now = lm_mono();
		int r = lm_spawn_wait(c->pid, 0, &c->status);
		if (r != 0) {
			c->done = 1;
			*cw = r > 0 ? c->status : 0;
			say_ended(c, *cw, "before it was ready");
			return LM_END_COMPANION;
		}
		if (c->kind == READY_NONE || (c->kind == READY_DELAY && now - t0 >= c->delay) ||
		    ((c->kind == READY_UNIX || c->kind == READY_TCP) && answers(c)))
			break;
		if ((*cw = interrupted()) != 0) {
			snprintf(companion_end, sizeof companion_end, "got %s while %s was getting ready",
				signame(*cw), c->label);
			ready_interrupted = 1;
			return LM_END_INTERRUPTED;
		}
		if (now >= end) {
			snprintf(companion_end, sizeof companion_end, "%s (%.80s) was not ready within %gs (%s)",
				c->label, c->argv[0], ready_wait, c->ready);
			return LM_END_NOTREADY;
		}
		/* wait on the pid: an early end is seen at once */
		if (c->kind == READY_DELAY && t0 + c->delay < now + step)
			step = t0 + c->delay - now;
		if (lm_spawn_wait(c->pid, step < end - now ? step : end - now, &c->status) > 0) {
			c->done = 1;
			*cw = c->status;
			say_ended(c, *cw, "before it was ready");
			return LM_END_COMPANION;
		}
		step = step * 2 < BACKOFF_MAX ? step * 2 : BACKOFF_MAX;
	}
	say("%s: ready after %.2fs", c->label, lm_mono() - t0);
	start_tree_probe(c->label, c->pid);
	return 0;
}

int companions_start(int *cw)
{
	size_t i;
	int r;

	for (i = 0; i < ncompanions; i++)
		if ((r = start_one(&companions[i], cw)) != 0) {
			if (r == LM_END_INTERRUPTED)
				say("%s", companion_end);
			else
				lm_warn("%s", companion_end);
			return r;
		}
	return 0;
}

struct companion *companion_of(pid_t pid)
{
	size_t i;

	for (i = 0; i < ncompanions; i++)
		if (companions[i].pid == pid && pid > 0)
			return &companions[i];
	return NULL;
}

void companion_ended(struct companion *c, int st, const char *when)
{
	c->done = 1;
	c->status = st;
	say_ended(c, st, when);
}

int companions_stop(int *cw)
{
	static const int stop[] = { SIGINT, SIGTERM, SIGKILL, 0 };
	struct lm_child ch[COMPANIONS_MAX];
	size_t i, n = 0;
	int ended = 0, st;

	for (i = 0; i < ncompanions; i++) {
		struct companion *c = &companions[i];
		if (c->pid <= 0 || c->done)
			continue;
		if (lm_spawn_wait(c->pid, 0, &st) > 0) {   /* ended by itself */
			if (!ended++) {
				companion_ended(c, st, "before it was stopped");
				lm_warn("%s", companion_end);
				*cw = st;
			}
			c->done = 1;
			c->status = st;
			continue;
		}
		if (*c->cname)   /* the container, not only its runtime client */
			runtime_cmd("kill", "--signal=SIGINT", c->cname, -1);
		ch[n].pid = c->pid;
		ch[n].how = LM_STOP_GROUP | LM_STOP_TREE;
		ch[n].done = 0;
		ch[n].status = 0;
		n++;
	}
	if (!n)
		return ended > 0;
	say("stopping %zu companion%s", n, n == 1 ? "" : "s");
	if (lm_spawn_stop(ch, n, stop, grace_s) > 0)
		lm_warn("a companion did not stop after SIGKILL");
	/* a container outlives its runtime client: removed as the app's is */
	for (i = 0; i < ncompanions; i++)
		if (*companions[i].cname)
			runtime_cmd("rm", "-f", companions[i].cname, -1);
	for (i = 0; i < n; i++) {
		struct companion *c = companion_of(ch[i].pid);
		c->done = ch[i].done;
		c->status = ch[i].status;
	}
	return ended > 0;
}

void companions_free(void)
{
	size_t i;

	for (i = 0; i < ncompanions; i++) {
		free_words(companions[i].argv);
		free(companions[i].app_kv);
		free(companions[i].env);
	}
}
