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
 * lmprobe and tegrastats get SIGTERM when lmsession dies (PDEATHSIG).
 *
 * This file: main and its loop. The parts are listed in lmsession.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lm_sock.h"
#include "lmsession/lmsession.h"

/* Where the stopping of the app stands: the signals sent so far (the
 * numbers are lm_seen's stage) */
enum stage { RUNNING = 0, SENT_INT = 1, SENT_TERM = 2, SENT_KILL = 3 };

/* The loop's state */
struct loop {
	char **cmd;
	int sfd;                 /* our signals */
	int to, from;            /* the keeper: orders, news */
	pid_t kpid, app;
	enum stage stage;
	double deadline;         /* -t or -r; 0: none */
	double stage_at;         /* the next signal is due */
	double next_sample;
	double flush_at;         /* the app has ended: the last round is due */
	double t_end;            /* when the app ended */
	int started, app_done, app_st, nostart, keeper_done;
	size_t left;             /* processes the app left behind */
	struct lm_seen seen;
	/* the container's pid on the host, asked from the runtime */
	char insp[64];
	size_t insp_len;
	int insp_fd, insp_tries;
	double insp_next;
};

/* the app has ended (or will not start): the last round after `wait` */
static void ended(struct loop *L, double now, double wait)
{
	L->app_done = 1;
	L->t_end = now;
	L->flush_at = now + wait;
}

/* the next signal to the app, to the container too */
static void escalate(struct loop *L, int sig, double now, double grace)
{
	static const char *const rt[] = { "--signal=SIGINT", "--signal=SIGTERM", "--signal=SIGKILL" };

	L->stage++;
	L->stage_at = now + grace;
	tell(L->to, sig);
	if (image)
		runtime_cmd("kill", rt[L->stage - 1], cname, -1);
}

/* SIGCHLD: the keeper or a helper; SIGINT, SIGTERM, SIGHUP: stop the app */
static void on_signals(struct loop *L, double now)
{
	struct signalfd_siginfo si;

	while (read(L->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		struct companion *c;
		struct helper *h;
		int st;
		pid_t p;

		if (si.ssi_signo == SIGCHLD) {
			while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
				if (p == L->kpid) {
					if (!L->app_done) {
						/* the keeper died: nothing more to learn */
						ended(L, now, 0);
						L->app_st = st;
					}
					L->keeper_done = 1;
				} else if ((c = companion_of(p)) && !c->done) {
					/* a companion runs until it is stopped: one that
					 * ends first fails the run */
					if (L->seen.companion) {
						c->done = 1;
						c->status = st;
						continue;
					}
					companion_ended(c, st, L->app_done ? "before it was stopped" :
						"while the app ran");
					L->seen.companion = LM_END_COMPANION;
					L->seen.cwstatus = st;
					if (!L->app_done && L->stage == RUNNING) {
						lm_warn("%s: stopping the app", companion_end);
						escalate(L, SIGINT, now, grace_s);
					} else {
						lm_warn("%s", companion_end);
					}
				} else if ((h = helper_of(p)) && !h->done) {
					h->done = 1;
					h->status = st;
					if (!strcmp(h->what, "lmtabled"))
						lm_warn("lmtabled stopped; the app's metrics after this are lost");
				}
			}
			continue;
		}
		if (si.ssi_signo == SIGPIPE || L->app_done)
			continue;
		L->seen.signal = (int)si.ssi_signo;
		if (L->stage == RUNNING) {
			L->seen.cause = LM_END_INTERRUPTED;
			say("got %s: stopping the app", signame((int)si.ssi_signo));
			escalate(L, SIGINT, now, grace_s < 2 ? grace_s : 2);
		} else {
			L->stage_at = now;   /* again: the next signal now */
		}
	}
}

/* the keeper's news */
static void on_keeper(struct loop *L, double now)
{
	struct kmsg m;
	ssize_t r;

	while ((r = read(L->from, &m, sizeof m)) == (ssize_t)sizeof m) {
		if (m.kind == K_STARTED) {
			L->started = 1;
			L->app = (pid_t)m.val;
			if (!image) {
				acct_root = L->kpid;
				start_probes(L->app);
			}
		} else if (m.kind == K_FAILED) {
			L->nostart = m.val;
			lm_warn("unable to run %s: %s", L->cmd[0], strerror(m.val));
			ended(L, now, 0);
		} else if (m.kind == K_EXITED) {
			struct helper *h;
			acct_read(now);   /* the app is reaped: in the keeper's figures */
			acct_ended = 1;
			for (h = helpers; h < helpers + nhelpers; h++)
				if (!h->done && !strcmp(h->what, "lmprobe (app)"))
					kill(h->pid, SIGTERM);
			L->app_st = m.val;
			ended(L, now, FLUSH_WAIT);
		} else if (m.kind == K_DONE) {
			L->left = (size_t)m.val;
		} else {
			keeper_usage(&m);
		}
	}
	if (r == 0 && !L->app_done)
		ended(L, now, 0);
}

/* A container: ask the runtime for its pid on the host (a few tries, a
 * round apart), then probe its tree */
static void inspect(struct loop *L, double now, int readable)
{
	ssize_t r;

	if (readable && L->insp_fd >= 0) {
		r = read(L->insp_fd, L->insp + L->insp_len, sizeof L->insp - 1 - L->insp_len);
		if (r > 0) {
			L->insp_len += (size_t)r;
		} else if (r == 0 || errno != EAGAIN) {
			long cp;
			char *e;
			L->insp[L->insp_len] = 0;
			cp = strtol(L->insp, &e, 10);
			close(L->insp_fd);
			L->insp_fd = -1;
			L->insp_len = 0;
			if (cp > 1 && (*e == '\n' || *e == 0) && !L->app_done) {
				start_probes((pid_t)cp);
				L->insp_tries = -1;
			}
		}
	}
	if (image && L->started && !L->app_done && L->insp_fd < 0 && L->insp_tries >= 0 &&
	    L->insp_tries < 10 && now >= L->insp_next) {
		int ip[2];
		if (pipe2(ip, O_CLOEXEC) == 0) {
			runtime_cmd("inspect", "--format={{.State.Pid}}", cname, ip[1]);
			close(ip[1]);
			L->insp_fd = ip[0];
			fcntl(L->insp_fd, F_SETFL, O_NONBLOCK);
		}
		L->insp_tries++;
		L->insp_next = now + interval_s;
	}
}

/* the loop: samples, the deadline, the keeper's news, our signals; until
 * the keeper is gone */
static void run_loop(struct loop *L)
{
	double now;

	while (!L->keeper_done) {
		struct pollfd pf[3] = { { L->sfd, POLLIN, 0 }, { L->from, POLLIN, 0 }, { L->insp_fd, POLLIN, 0 } };
		double wake;
		int ms;

		/* only what is still due: a time that passed and stays (the
		 * next round once the app has ended, the next signal after
		 * SIGKILL) would make poll return at once, a spin */
		now = lm_mono();
		wake = L->app_done ? now + 3600 : L->next_sample;
		if (L->deadline && !L->app_done && L->stage == RUNNING && L->deadline < wake)
			wake = L->deadline;
		if (L->stage != RUNNING && L->stage < SENT_KILL && !L->app_done && L->stage_at < wake)
			wake = L->stage_at;
		if (L->flush_at && L->flush_at < wake)
			wake = L->flush_at;
		ms = wake <= now ? 0 : (int)((wake - now) * 1000) + 1;
		if (poll(pf, 3, ms) < 0 && errno != EINTR)
			lm_die_sys(LM_EXIT_SYS, "unable to poll");
		now = lm_mono();

		if (pf[0].revents)
			on_signals(L, now);
		if (pf[1].revents)
			on_keeper(L, now);
		inspect(L, now, pf[2].revents != 0);
		if (L->deadline && !L->app_done && L->stage == RUNNING && now >= L->deadline) {
			L->seen.cause = run_for_s ? LM_END_STOPPED : LM_END_TIMEOUT;
			say("%s reached after %gs: sending SIGINT", run_for_s ? "run time" : "deadline",
				run_for_s ? run_for_s : timeout_s);
			escalate(L, SIGINT, now, grace_s);
		} else if (L->stage != RUNNING && L->stage < SENT_KILL && !L->app_done &&
		    now >= L->stage_at) {
			int s = L->stage == SENT_INT ? SIGTERM : SIGKILL;
			say("the app is still running: sending %s", signame(s));
			escalate(L, s, now, grace_s);
		}
		if (now >= L->next_sample && !L->app_done) {   /* after it: the last round, cut at its end */
			sample(0, 0);
			progress(now, 0);
			L->next_sample += interval_s;
			if (L->next_sample < now)
				L->next_sample = now + interval_s;
		}
		if (L->flush_at && now >= L->flush_at) {
			/* the app has ended: the last samples, then clean up after it */
			L->flush_at = 0;
			sample(1, L->t_end);
			progress(now, 1);
			tell(L->to, 0);
		}
	}
	close(L->to);
	{
		struct kmsg m;   /* news that came with the keeper's exit */
		while (read(L->from, &m, sizeof m) == (ssize_t)sizeof m)
			keeper_usage(&m);
	}
}

/* our signals, blocked, as a file descriptor */
static int signals(void)
{
	int fd;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to block signals");
	fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a signalfd");
	return fd;
}

static void say_running(char **cmd)
{
	char line[256];
	size_t n = 0, k;

	for (k = 0; cmd[k] && n < sizeof line - 1; k++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", k ? " " : "", cmd[k]);
	if (n >= sizeof line - 1)
		strcpy(line + sizeof line - 4, "...");
	say("running %s; results in %s", line, dir);
}

int main(int argc, char **argv)
{
	static struct loop L;
	char **env, err[512];
	struct lm_expect *ex;
	struct lm_baseline base, *bp = NULL;
	struct lm_run run;
	int out, errfd, code, cw;
	size_t i;

	lm_prog = "lmsession";
	setup(argc, argv, &ex, &L.cmd, &env);
	if (baseline_dir) {
		if (lm_baseline_load(&base, baseline_dir, err, sizeof err) == 0)
			bp = &base;
		else
			lm_warn("no baseline: %s", err);
	}
	L.sfd = signals();
	tty = isatty(2);

	start_tabled();
	start_probes(0);
	samples_open();
	out = open_out("stdout.log");
	errfd = open_out("stderr.log");
	cores = cpus();
	L.seen.companion = companions_start(&L.seen.cwstatus);
	if (L.seen.companion == LM_END_INTERRUPTED) {
		/* as if the app had been stopped at once */
		L.seen.signal = L.seen.cwstatus;
		L.seen.cause = LM_END_INTERRUPTED;
		L.stage = SENT_INT;
		L.seen.companion = L.seen.cwstatus = 0;
		L.started = -1;
	}
	t0_mono = last_dump = lm_mono();
	t0_wall = lm_wall();
	if (!L.seen.companion && L.started == 0) {
		L.kpid = start_keeper(L.cmd, env, out, errfd, L.sfd, &L.to, &L.from);
		if (timeout_s || run_for_s)
			L.deadline = t0_mono + (run_for_s ? run_for_s : timeout_s);
		L.next_sample = t0_mono + interval_s;
		L.insp_fd = -1;
		L.insp_next = t0_mono + interval_s;   /* the container needs a moment */
		say_running(L.cmd);
		run_loop(&L);
	} else {
		/* a companion failed, or we were interrupted: the app is not run */
		close(out);
		close(errfd);
		L.t_end = t0_mono;
		sample(1, L.t_end);
	}
	if (companions_stop(&cw) && !L.seen.companion) {
		L.seen.companion = LM_END_COMPANION;
		L.seen.cwstatus = cw;
	}
	stop_helpers();
	rmdir(priv);

	L.seen.nostart = L.nostart;
	L.seen.stage = (int)L.stage;
	L.seen.wstatus = L.app_st;
	code = results(&run, &L.seen, L.cmd, ex, bp, (L.t_end ? L.t_end : lm_mono()) - t0_mono, L.left);
	lm_close_stdout();

	/* everything main holds, so that leak checkers see none */
	free_words(L.cmd);
	for (i = 0; i < env_own; i++)
		free(env[i]);
	free(env);
	free_words(runtime_argv);
	for (i = 0; i < nexpects; i++)
		lm_expect_free(&ex[i]);
	free(ex);
	if (bp)
		lm_baseline_free(bp);
	sample_free();
	companions_free();
	return code;
}
