/* lmprobe: the board and the app's resources as wire lines: tegrastats,
 * nvidia-smi, /proc, one process tree and its cgroup, the GPU memory of
 * every process or of the app's. Samples every -i
 * seconds on the monotonic clock; external children have a deadline and
 * are killed and restarted with backoff; only the newest sample of each
 * source is kept. Lines go to lmtabled's socket, or to stdout (-o). */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lm_acct.h"
#include "lm_gpuproc.h"
#include "lm_jetson.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_nvmap.h"
#include "lm_nvsmi.h"
#include "lm_proc.h"
#include "lm_send.h"
#include "lm_spawn.h"
#include "lm_sock.h"
#include "lm_tegra.h"
#include "lm_wire.h"

static const char usage[] =
	"usage: lmprobe [-1] [-o] [-q] [-v] [-s PATH] [-a APP] [-i SECS] [-w SECS] [-p PID] [-r ROOT] SOURCE...\n"
	"sources:\n"
	"  tegrastats        run tegrastats --interval (the -i period), read its lines\n"
	"  tegrastats:-      read tegrastats lines on stdin\n"
	"  tegrastats:FILE   follow FILE, written by tegrastats --logfile FILE\n"
	"  nvidia-smi        run nvidia-smi --query-gpu=... -lms (the -i period)\n"
	"  nvidia-smi-apps   GPU memory per process; with -p PID the app's, per GPU and in total\n"
	"  proc              RAM, swap, CPU seconds per core and mode, load average (/proc)\n"
	"  tree              the process tree of -p PID: memory, CPU, threads, I/O\n"
	"  cgroup            the cgroup of -p PID (default: lmprobe's): memory, CPU\n"
	"  jetson            power mode, jetson_clocks, fan, GPU and EMC clocks, L4T (sysfs, /etc)\n"
	"  nvmap             Jetson GPU memory per process (debugfs nvmap); with -p PID the app's";
static const char help[] =
	"  -1        one sample, then exit\n"
	"  -o        print the lines on stdout instead of sending them\n"
	"  -q        quiet: a failed send is not reported and does not change the exit status\n"
	"  -v        verbose: report each child started\n"
	"  -s PATH   lmtabled's data socket (default $LM_SOCKET, else /metrics/live_metrics.sock)\n"
	"  -a APP    the app tag of every line (default board)\n"
	"  -i SECS   seconds between samples, 0.01 to 86400 (default 1)\n"
	"  -w SECS   how long a child may print nothing before it is killed, 0.1 to 86400\n"
	"  -p PID    the app's process: its tree, cgroup and GPU memory\n"
	"  -r ROOT   read /proc, /sys and /etc under ROOT (a test fixture, a container's root)\n"
	"  -h, --help  print this and exit 0\n";

#define APP_DEFAULT "board"
#define SEND_WAIT_MS 1000
#define BACKOFF_MIN 1.0          /* seconds before the first restart */
#define BACKOFF_MAX 60.0
#define KILL_GRACE 0.3           /* SIGTERM, then SIGKILL after this */
#define GPUS_MAX 16              /* GPUs whose newest row is kept */
#define COUNTERS_MAX 1024        /* counter series turned into deltas */
#define APPS_MAX 256             /* compute processes remembered */
#define COMPLAIN_MAX 5           /* messages per kind of trouble */

enum { C_TEGRA, C_NVSMI, C_APPS, C_GPUS, C_N };

struct child {
	const char *name;
	char *argv[8];
	int used, periodic;          /* periodic: runs to its end once per period */
	pid_t pid;
	int fd;
	char buf[LM_LINE_MAX + 2];
	size_t len;
	int skipping;
	double since;                /* start or last output (monotonic) */
	double restart_at;
	double backoff;
	int complained;
	unsigned long long restarts, lines, skipped;
	unsigned long long errors;   /* starts that failed: exec, permission */
	void (*line)(const char *s, size_t n);
	void (*done)(int status);
};

static struct child ch[C_N];
static double interval = 1, waitmax = -1;
static int oneshot, to_stdout, quiet, verbose;
static const char *root = "";
static long pid;
static int src_proc, src_tree, src_cgroup, src_jetson, src_nvmap, stopping, warned;
static unsigned long long jetson_denied;   /* files the jetson source may not read */
static char failed[256];         /* -1: why a source cannot start */
static const char *tegra_file;   /* "-" or a path */
static int tegra_fd = -1;
static off_t tegra_off;
static ino_t tegra_ino;
static char tbuf[LM_LINE_MAX + 2];
static size_t tlen;
static int tskipping, tegra_eof;
static char tegra_line[LM_LINE_MAX + 1];
static size_t tegra_n;
static int tegra_new;
static unsigned long long tegra_lines, tegra_tokens, tegra_badlines, tegra_open_failed;

static struct lm_nvsmi gpuq, appq, idq;
static struct { char key[LM_SAMPLE_TAGVAL + 1]; char line[LM_LINE_MAX + 1]; size_t n; int fresh; } gpus[GPUS_MAX];
static size_t ngpus;
/* compute processes: rows of the run going on, of the last whole run */
static struct lm_nvsmi_row apps_pending[LM_GPUPROC_ROWS], apps_now[LM_GPUPROC_ROWS];
static size_t napps_pending, napps_now;
static int apps_new;
static struct lm_gpuprocs gp;        /* the GPUs (from C_GPUS) and the rows */
static struct lm_gpuprocs ids;       /* the GPUs of the C_GPUS run going on */
static int ids_stale = 1, ids_bad;   /* run C_GPUS next period */
/* board view: the processes of a source's previous sample, to send 0 once */
struct seen {
	size_t n;
	struct { char gpu[LM_GPUPROC_TEXT + 1], pid[24], comm[LM_SAMPLE_TAGVAL + 1]; int seen; } p[APPS_MAX];
};
static struct seen apps_prev, nvmap_prev;
static struct lm_gpuprocs nvmap_gp;  /* the Jetson's GPU and its nvmap clients */
static char *nvmap_buf;
static unsigned long long nvmap_rows, nvmap_bad, nvmap_errors;

#define KEY_MAX 512             /* bytes of a counter's key: name and tags */
static struct { char key[KEY_MAX]; double last; } counters[COUNTERS_MAX];
static size_t ncounters;

static struct lm_samples out;
static struct lm_sender sender;
static const char *sockpath;
static char app[LM_TAGVAL_MAX + 1];
static int have_app, send_failed, send_warned;

/* ---- children */

static void child_start(struct child *c, double now)
{
	struct lm_spawn sp;
	int p[2], err = 0;

	if (pipe2(p, O_CLOEXEC) < 0) {
		lm_warn_sys("unable to create a pipe");
		c->restart_at = now + c->backoff;
		return;
	}
	lm_spawn_init(&sp, c->argv);
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = p[1];
	sp.flags = LM_SPAWN_PGRP;
	c->pid = lm_spawn(&sp, &err);
	close(p[1]);
	if (c->pid < 0) {
		lm_warn_sys("unable to fork");
		close(p[0]);
		c->restart_at = now + c->backoff;
		return;
	}
	if (err) {
		errno = err;
		c->errors++;
		if (oneshot)
			snprintf(failed, sizeof failed, "unable to run %s: %s", c->argv[0], strerror(err));
		else if (c->complained < COMPLAIN_MAX)
			lm_warn_sys("unable to run %s", c->argv[0]);
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	c->fd = p[0];
	c->len = 0;
	c->skipping = 0;
	c->since = now;
	if (verbose && !err)
		lm_info("%s: started, pid %ld", c->name, (long)c->pid);
}

/* A child that is gone (status from waitpid) or that we kill. */
static void child_gone(struct child *c, int st, double now)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->pid = 0;
	if (c->done)
		c->done(st);
	if (stopping)
		return;
	if (c->periodic && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;   /* ran to its end: runs again next period */
	if (oneshot && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !*failed) {
		if (WIFEXITED(st))
			snprintf(failed, sizeof failed, "%s exited with status %d", c->name, WEXITSTATUS(st));
		else
			snprintf(failed, sizeof failed, "%s ended by signal %d", c->name, WTERMSIG(st));
	}
	if (!oneshot && c->complained++ < COMPLAIN_MAX) {
		if (WIFEXITED(st))
			lm_warn("%s exited with status %d; restart in %gs", c->name,
				WEXITSTATUS(st), c->backoff);
		else
			lm_warn("%s ended by signal %d; restart in %gs", c->name,
				WTERMSIG(st), c->backoff);
	}
	c->restart_at = now + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : c->backoff * 2;
	c->restarts++;
}

static void child_kill(struct child *c, double now)
{
	static const int stop[] = { SIGTERM, SIGKILL, 0 };
	struct lm_child k = { c->pid, LM_STOP_GROUP, 0, 0 };

	if (c->pid <= 0)
		return;
	lm_spawn_stop(&k, 1, stop, KILL_GRACE);
	kill(-c->pid, SIGKILL);   /* whatever it left in its group */
	child_gone(c, k.status, now);
}

/* Read what the child printed; whole lines go to its line handler. */
static int child_read(struct child *c, double now)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 0;
		close(c->fd);   /* EOF: the exit comes with SIGCHLD */
		c->fd = -1;
		return 0;
	}
	c->since = now;
	c->len += (size_t)n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t ll = (size_t)(nl - c->buf);
		if (c->skipping) {
			c->skipping = 0;
			c->skipped++;
		} else if (ll) {
			c->line(c->buf, ll);
		}
		memmove(c->buf, nl + 1, c->len - ll - 1);
		c->len -= ll + 1;
	}
	if (c->len == sizeof c->buf - 1) {
		c->skipping = 1;
		c->len = 0;
	}
	return 1;
}

static void reap(double now)
{
	pid_t p;
	int st, i;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < C_N; i++)
			if (ch[i].pid == p) {
				/* its last output may still be in the pipe */
				while (ch[i].fd >= 0 && child_read(&ch[i], now) > 0)
					;
				child_gone(&ch[i], st, now);
			}
}

/* ---- line handlers: keep the newest */

static void tegra_keep(const char *s, size_t n)
{
	tegra_lines++;
	if (n > LM_LINE_MAX) {
		tegra_badlines++;
		return;
	}
	memcpy(tegra_line, s, n);
	tegra_n = n;
	tegra_new = 1;
	ch[C_TEGRA].backoff = BACKOFF_MIN;
}

static void nvsmi_keep(const char *s, size_t n)
{
	const char *k;
	size_t kn = lm_nvsmi_key(&gpuq, s, n, &k), i;

	ch[C_NVSMI].lines++;
	if (kn == 0 || kn > LM_SAMPLE_TAGVAL) {
		ch[C_NVSMI].skipped++;
		if (ch[C_NVSMI].complained++ < COMPLAIN_MAX)
			lm_warn("nvidia-smi: skipped: %.*s", (int)(n > 200 ? 200 : n), s);
		return;
	}
	ch[C_NVSMI].backoff = BACKOFF_MIN;
	for (i = 0; i < ngpus; i++)
		if (strlen(gpus[i].key) == kn && !memcmp(gpus[i].key, k, kn))
			break;
	if (i == ngpus) {
		if (ngpus == GPUS_MAX)
			return;
		memcpy(gpus[i].key, k, kn);
		gpus[i].key[kn] = 0;
		ngpus++;
	}
	memcpy(gpus[i].line, s, n);
	gpus[i].n = n;
	gpus[i].fresh = 1;
}

static void apps_keep(const char *s, size_t n)
{
	ch[C_APPS].lines++;
	if (napps_pending == LM_GPUPROC_ROWS) {
		ch[C_APPS].skipped++;
		return;
	}
	if (lm_nvsmi_row(&appq, s, n, &apps_pending[napps_pending]) < 0 ||
	    apps_pending[napps_pending].pid < 0) {
		ch[C_APPS].skipped++;
		if (ch[C_APPS].complained++ < COMPLAIN_MAX)
			lm_warn("nvidia-smi-apps: skipped: %.*s", (int)(n > 200 ? 200 : n), s);
		return;
	}
	napps_pending++;
}

static void apps_done(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		memcpy(apps_now, apps_pending, napps_pending * sizeof apps_now[0]);
		napps_now = napps_pending;
		apps_new = 1;
		ch[C_APPS].backoff = BACKOFF_MIN;
	}
	napps_pending = 0;
}

/* the GPU ids: uuid, index, model */
static void ids_keep(const char *s, size_t n)
{
	struct lm_nvsmi_row r;

	ch[C_GPUS].lines++;
	if (lm_nvsmi_row(&idq, s, n, &r) < 0 || !*r.uuid || !*r.index ||
	    lm_gpuproc_gpu(&ids, r.uuid, r.index, r.name) < 0) {
		ch[C_GPUS].skipped++;
		ids_bad = 1;
		if (ch[C_GPUS].complained++ < COMPLAIN_MAX)
			lm_warn("nvidia-smi-gpus: skipped: %.*s", (int)(n > 200 ? 200 : n), s);
	}
}

static void ids_done(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && !ids_bad) {
		memcpy(gp.gpus, ids.gpus, sizeof gp.gpus);
		gp.ngpus = ids.ngpus;
		ids_stale = 0;
		ch[C_GPUS].backoff = BACKOFF_MIN;
	}
	ids.ngpus = 0;
	ids_bad = 0;
}

/* tegrastats on stdin or in a log file: read what is there */
static void tegra_fd_read(void)
{
	char *nl;
	ssize_t n;

	for (;;) {
		n = read(tegra_fd, tbuf + tlen, sizeof tbuf - 1 - tlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 && !strcmp(tegra_file, "-"))
				tegra_eof = 1;
			if (n == 0 && tegra_eof && tlen && !tskipping) {
				tegra_keep(tbuf, tlen);   /* a last line with no newline */
				tlen = 0;
			}
			return;
		}
		tegra_off += n;
		tlen += (size_t)n;
		while ((nl = memchr(tbuf, '\n', tlen))) {
			size_t ll = (size_t)(nl - tbuf);
			if (tskipping) {
				tskipping = 0;
				tegra_badlines++;
			} else if (ll) {
				tegra_keep(tbuf, ll);
			}
			memmove(tbuf, nl + 1, tlen - ll - 1);
			tlen -= ll + 1;
		}
		if (tlen == sizeof tbuf - 1) {
			tskipping = 1;
			tlen = 0;
		}
		if (!strcmp(tegra_file, "-"))
			return;   /* one read per poll wake-up */
	}
}

/* a log file: reopen when rotated, start over when truncated */
static void tegra_follow(void)
{
	struct stat a, b;

	if (tegra_fd >= 0 && stat(tegra_file, &a) == 0 && fstat(tegra_fd, &b) == 0) {
		if (a.st_ino != b.st_ino) {
			close(tegra_fd);
			tegra_fd = -1;
		} else if (b.st_size < tegra_off) {
			lseek(tegra_fd, 0, SEEK_SET);
			tegra_off = 0;
			tlen = 0;
		}
	}
	if (tegra_fd < 0) {
		tegra_fd = open(tegra_file, O_RDONLY | O_CLOEXEC);
		if (tegra_fd < 0) {
			if (oneshot && tegra_ino == 0)
				snprintf(failed, sizeof failed, "unable to open %s: %s", tegra_file,
					strerror(errno));
			else if (tegra_ino == 0 && !(warned & 1) && (warned |= 1))
				lm_warn_sys("unable to open %s", tegra_file);
			tegra_open_failed++;
			return;
		}
		if (fstat(tegra_fd, &b) == 0) {
			/* first open: start near the end; later ones (rotation): the top */
			tegra_off = 0;
			if (tegra_ino == 0 && b.st_size > (off_t)sizeof tbuf) {
				tegra_off = lseek(tegra_fd, b.st_size - (off_t)sizeof tbuf + 1, SEEK_SET);
				tskipping = 1;   /* the first line read there is a tail */
			}
			tegra_ino = b.st_ino;
		}
		tlen = 0;
	}
	tegra_fd_read();
}

/* ---- samples out */

static void key_of(const struct lm_sample *s, char *k, size_t cap)
{
	struct lm_line l;

	lm_sample_line(s, NULL, &l);
	l.values[0] = 0;
	lm_format_line(k, cap, &l);
}

/* Counters carry cumulative values; the wire gets what was added since
 * the last sample (all of it the first time; 0 when it went down). */
static double delta(const struct lm_sample *s)
{
	char k[KEY_MAX];
	double d;
	size_t i;

	key_of(s, k, sizeof k);
	for (i = 0; i < ncounters; i++)
		if (!strcmp(counters[i].key, k))
			break;
	if (i == ncounters) {
		if (ncounters == COUNTERS_MAX)
			return 0;
		strcpy(counters[i].key, k);
		counters[i].last = 0;
		ncounters++;
	}
	d = s->v > counters[i].last ? s->v - counters[i].last : 0;
	counters[i].last = s->v;
	return d;
}

static void emit(void)
{
	static char buf[LM_LINE_MAX + 2];
	struct lm_line l;
	size_t i, n;

	for (i = 0; i < out.n; i++) {
		struct lm_sample s = out.s[i];
		if (s.type == LM_COUNTER)
			s.v = delta(&s);
		lm_sample_line(&s, have_app ? app : NULL, &l);
		if (to_stdout) {
			n = lm_format_line(buf, sizeof buf - 1, &l);
			if (n == 0 || n >= sizeof buf - 1)
				continue;   /* no line the parser takes: never written */
			buf[n++] = '\n';
			if (fwrite(buf, 1, n, stdout) != n)
				lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
		} else if (lm_sender_line(&sender, &l) < 0 && errno != EINVAL) {
			send_failed = errno;
		}
	}
	if (to_stdout) {
		if (fflush(stdout) != 0 || ferror(stdout))
			lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	} else if (lm_sender_flush(&sender) < 0) {
		send_failed = errno;
	}
	if (send_failed && !quiet && !send_warned++) {
		errno = send_failed;
		lm_warn_sys("unable to send to %s", sockpath);
	}
}

static void health(const char *src, unsigned long long restarts,
	unsigned long long lines, unsigned long long skipped, unsigned long long errors)
{
	struct lm_sample *s;

	if ((s = lm_samples_add(&out, "lmprobe_source_errors", LM_COUNTER, (double)errors)))
		lm_sample_tag(s, "source", src, strlen(src));

	if ((s = lm_samples_add(&out, "lmprobe_child_restarts", LM_COUNTER, (double)restarts)))
		lm_sample_tag(s, "source", src, strlen(src));
	if ((s = lm_samples_add(&out, "lmprobe_lines_read", LM_COUNTER, (double)lines)))
		lm_sample_tag(s, "source", src, strlen(src));
	if ((s = lm_samples_add(&out, "lmprobe_lines_skipped", LM_COUNTER, (double)skipped)))
		lm_sample_tag(s, "source", src, strlen(src));
}

static int same(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* GPU memory per process (g): the app's with -p, else the board's, where
 * a process gone since the previous sample (prev) gets 0 once, then no more. */
static void gpu_samples(const struct lm_gpuprocs *g, struct seen *prev)
{
	struct lm_gpuapp a;
	size_t i, j, first = out.n;

	if (pid) {
		if (lm_gpuapp_init(&a, root, pid) == 0) {
			lm_gpuproc_app_samples(g, &a, root, &out);
		} else {
			if (oneshot)
				lm_die_sys(LM_EXIT_SYS, "unable to read process %ld", pid);
			if (!(warned & 16) && (warned |= 16))
				lm_warn_sys("unable to read process %ld", pid);
		}
		return;
	}
	lm_gpuproc_board_samples(g, root, &out);
	for (i = 0; i < prev->n; i++)
		prev->p[i].seen = 0;
	for (j = first; j < out.n; j++) {
		const struct lm_sample *x = &out.s[j];
		if (strcmp(x->name, "gpu_process_memory_bytes") || x->ntags != 3)
			continue;
		for (i = 0; i < prev->n; i++)
			if (same(prev->p[i].gpu, x->val[0]) && same(prev->p[i].pid, x->val[1]))
				break;
		if (i == prev->n) {
			if (prev->n == APPS_MAX)
				continue;
			snprintf(prev->p[i].gpu, sizeof prev->p[i].gpu, "%s", x->val[0]);
			snprintf(prev->p[i].pid, sizeof prev->p[i].pid, "%s", x->val[1]);
			prev->n++;
		}
		snprintf(prev->p[i].comm, sizeof prev->p[i].comm, "%s", x->val[2]);
		prev->p[i].seen = 1;
	}
	for (i = 0; i < prev->n; ) {
		struct lm_sample *x;
		if (prev->p[i].seen) {
			i++;
			continue;
		}
		if ((x = lm_samples_add(&out, "gpu_process_memory_bytes", LM_GAUGE, 0)) &&
		    (lm_sample_tag(x, "gpu", prev->p[i].gpu, strlen(prev->p[i].gpu)) < 0 ||
		    lm_sample_tag(x, "process_pid", prev->p[i].pid, strlen(prev->p[i].pid)) < 0 ||
		    lm_sample_tag(x, "comm", prev->p[i].comm, strlen(prev->p[i].comm)) < 0))
			lm_samples_drop(&out);
		prev->p[i] = prev->p[--prev->n];
	}
}

/* the nvmap clients of a Jetson (debugfs, root): read each period */
static void nvmap_sample(void)
{
	const char *const *p;
	ssize_t n = -1;
	int err = ENOENT;
	size_t bad = 0;

	if (!nvmap_buf && !(nvmap_buf = malloc(LM_NVMAP_FILE)))
		lm_die_sys(LM_EXIT_SYS, "unable to allocate");
	for (p = lm_nvmap_paths; *p && n < 0; p++)
		if ((n = lm_proc_file(root, *p, nvmap_buf, LM_NVMAP_FILE)) < 0 && errno != ENOENT)
			err = errno;   /* there, but not ours to read */
	if (n < 0) {
		nvmap_errors++;
		if (oneshot) {
			errno = err;
			lm_die_sys(LM_EXIT_SYS, "unable to read %s%s", root, lm_nvmap_paths[0]);
		}
		if (!(warned & 128) && (warned |= 128)) {
			errno = err;
			lm_warn_sys("unable to read %s%s%s", root, lm_nvmap_paths[0],
				err == ENOENT ? " (no nvgpu, or no debugfs)" : " (it is root's); counted");
		}
		return;
	}
	if ((size_t)n == LM_NVMAP_FILE - 1)
		bad++;   /* longer than we read: the cut line is refused, the rest kept */
	if (nvmap_gp.ngpus == 0) {
		char model[LM_JETSON_TEXT + 1];
		if (lm_jetson_igpu(root, model) < 0)
			strcpy(model, "iGPU");
		lm_gpuproc_gpu(&nvmap_gp, "", "0", model);
	}
	lm_gpuproc_reset(&nvmap_gp);
	nvmap_rows += lm_nvmap_parse(nvmap_buf, &nvmap_gp, 0, &bad);
	nvmap_bad += bad + nvmap_gp.dropped;
	gpu_samples(&nvmap_gp, &nvmap_prev);
}

/* one sample of every source; 0 ok, -1 a source had nothing to give */
static int sample(void)
{
	struct lm_tegra_stat st;
	size_t i, j;
	int bad = 0;

	lm_samples_reset(&out);
	if (ch[C_TEGRA].used || tegra_file) {
		if (tegra_new) {
			if (lm_tegra_parse(tegra_line, tegra_n, &out, &st) == 0)
				tegra_badlines++;
			tegra_tokens += st.skipped;
			tegra_new = 0;
		} else if (oneshot) {
			bad = 1;
		}
		health("tegrastats", ch[C_TEGRA].restarts, tegra_lines,
			tegra_badlines + ch[C_TEGRA].skipped, ch[C_TEGRA].errors + tegra_open_failed);
		lm_samples_add(&out, "lmprobe_tegrastats_tokens_skipped", LM_COUNTER,
			(double)tegra_tokens);
	}
	if (ch[C_NVSMI].used) {
		int any = 0;
		for (i = 0; i < ngpus; i++)
			if (gpus[i].fresh) {
				lm_nvsmi_gpu(&gpuq, gpus[i].line, gpus[i].n, &out);
				gpus[i].fresh = 0;
				any = 1;
			}
		if (oneshot && !any)
			bad = 1;
		health("nvidia-smi", ch[C_NVSMI].restarts, ch[C_NVSMI].lines, ch[C_NVSMI].skipped,
			ch[C_NVSMI].errors);
	}
	if (ch[C_APPS].used) {
		if (apps_new) {
			lm_gpuproc_reset(&gp);
			for (j = 0; j < napps_now; j++) {
				const struct lm_nvsmi_row *r = &apps_now[j];
				int g = lm_gpuproc_find(&gp, r->uuid);
				if (g < 0)
					ids_stale = 1;   /* a GPU we do not know: ask again */
				if (!isnan(r->mem) && lm_gpuproc_add(&gp, r->pid, g, r->mem, r->name) < 0)
					ch[C_APPS].skipped++;
			}
			gpu_samples(&gp, &apps_prev);
			apps_new = 0;
		} else if (oneshot) {
			bad = 1;
		}
		health("nvidia-smi-apps", ch[C_APPS].restarts, ch[C_APPS].lines, ch[C_APPS].skipped,
			ch[C_APPS].errors);
		health("nvidia-smi-gpus", ch[C_GPUS].restarts, ch[C_GPUS].lines, ch[C_GPUS].skipped,
			ch[C_GPUS].errors);
	}
	if (src_proc) {
		if (lm_proc_meminfo(root, &out) < 0 || lm_proc_loadavg(root, &out) < 0 ||
		    lm_proc_cpu(root, &out) < 0) {
			if (oneshot)
				lm_die_sys(LM_EXIT_SYS, "unable to read %s/proc", root);
			if (!(warned & 2) && (warned |= 2))
				lm_warn_sys("unable to read %s/proc", root);
		}
	}
	if (src_tree) {
		static struct lm_acct acct;   /* counters that a child's exit never lowers */
		struct lm_tree t;
		if (lm_acct_tree(&acct, root, pid, 1, &t) == 0) {
			lm_proc_tree_samples(&t, &out);
		} else {
			if (oneshot)
				lm_die_sys(LM_EXIT_SYS, "unable to read the process tree of %ld", pid);
			if (!(warned & 4) && (warned |= 4))
				lm_warn_sys("unable to read the process tree of %ld", pid);
		}
	}
	if (src_cgroup && lm_proc_cgroup(root, pid, &out) < 0) {
		if (oneshot)
			lm_die_sys(LM_EXIT_SYS, "unable to read the cgroup of %ld", pid ? pid : (long)getpid());
		if (!(warned & 8) && (warned |= 8))
			lm_warn_sys("unable to read the cgroup of %ld", pid ? pid : (long)getpid());
	}
	if (src_nvmap) {
		nvmap_sample();
		health("nvmap", 0, nvmap_rows, nvmap_bad, nvmap_errors);
	}
	if (src_jetson) {
		struct lm_jetson_stat js;
		struct lm_sample *x;
		if (lm_jetson_read(root, &out, &js) < 0) {
			if (oneshot)
				lm_die_sys(LM_EXIT_SYS, "no Jetson facts under %s/", *root ? root : "");
			if (!(warned & 32) && (warned |= 32))
				lm_warn_sys("no Jetson facts under %s/", *root ? root : "");
		}
		if (js.denied && !(warned & 64) && (warned |= 64))
			lm_warn("jetson: %u files may not be read (the EMC clock is root's); "
				"the rest is read, the refusals counted", js.denied);
		jetson_denied += js.denied;
		if ((x = lm_samples_add(&out, "lmprobe_source_errors", LM_COUNTER, (double)jetson_denied)))
			lm_sample_tag(x, "source", "jetson", 6);
	}
	if (out.full)
		lm_samples_add(&out, "lmprobe_samples_dropped", LM_COUNTER, (double)out.full);
	emit();
	return bad ? -1 : 0;
}

/* ---- set-up */

/* an nvidia-smi query that runs to its end once per period */
static void query_child(struct child *c, const char *name, char *query,
	void (*line)(const char *s, size_t n), void (*done)(int st))
{
	c->name = name;
	c->argv[0] = "nvidia-smi";
	c->argv[1] = query;
	c->argv[2] = "--format=csv,noheader,nounits";
	c->periodic = 1;
	c->line = line;
	c->done = done;
}

static void add_source(const char *s)
{
	if (!strcmp(s, "tegrastats")) {
		ch[C_TEGRA].used = 1;
	} else if (!strncmp(s, "tegrastats:", 11) && s[11]) {
		if (tegra_file)
			lm_die(LM_EXIT_USAGE, "only one tegrastats:FILE source: %s", s);
		tegra_file = s + 11;
	} else if (!strcmp(s, "nvidia-smi")) {
		ch[C_NVSMI].used = 1;
	} else if (!strcmp(s, "nvidia-smi-apps")) {
		ch[C_APPS].used = 1;
	} else if (!strcmp(s, "proc")) {
		src_proc = 1;
	} else if (!strcmp(s, "tree")) {
		src_tree = 1;
	} else if (!strcmp(s, "cgroup")) {
		src_cgroup = 1;
	} else if (!strcmp(s, "jetson")) {
		src_jetson = 1;
	} else if (!strcmp(s, "nvmap")) {
		src_nvmap = 1;
	} else {
		lm_warn("unknown source: %s", s);
		lm_usage(usage);
	}
}

int main(int argc, char **argv)
{
	static char ms[32];
	const char *aname = NULL;
	struct pollfd pf[C_N + 2];
	sigset_t sigs;
	double now, next, deadline;
	int c, i, sfd, code = 0;

	lm_prog = "lmprobe";
	lm_help_long(argc, argv, usage, help);
	while ((c = getopt(argc, argv, "+:h1oqvs:a:i:w:p:r:")) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case '1': oneshot = 1; break;
		case 'o': to_stdout = 1; break;
		case 'q': quiet = 1; break;
		case 'v': verbose = 1; break;
		case 's': sockpath = optarg; break;
		case 'a': aname = optarg; break;
		case 'i': interval = lm_opt_num("interval", optarg, 0.01, 86400, 0, "seconds"); break;
		case 'w': waitmax = lm_opt_num("wait", optarg, 0.1, 86400, 0, "seconds"); break;
		case 'p':
			pid = (long)lm_opt_num("pid", optarg, 1, 4194304, 1, NULL);
			break;
		case 'r': root = optarg; break;
		default:
			lm_bad_option(usage, c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		lm_warn("no source (lmprobe -h lists them)");
		lm_usage(usage);
	}
	for (i = 0; i < argc; i++)
		add_source(argv[i]);
	if (src_tree && !pid)
		lm_die(LM_EXIT_USAGE, "source tree needs -p PID");
	if (waitmax < 0)
		waitmax = 2 * interval + 3;
	if (aname && !lm_text_ok(aname, strlen(aname)))
		lm_die(LM_EXIT_USAGE, "bad app name: %s", aname);
	if (aname || !to_stdout) {
		snprintf(app, sizeof app, "%s", aname ? aname : APP_DEFAULT);
		have_app = 1;
	}
	if (!to_stdout) {
		sockpath = lm_socket_path(sockpath);
		if (lm_sender_open(&sender, sockpath, SEND_WAIT_MS) < 0)
			lm_die_sys(errno == ENAMETOOLONG ? LM_EXIT_USAGE : LM_EXIT_SYS,
				"unable to use socket path %s", sockpath);
	}
	lm_nvsmi_query(&gpuq, LM_NVSMI_GPU_QUERY);
	lm_nvsmi_query(&appq, LM_NVSMI_APP_QUERY);
	lm_nvsmi_query(&idq, LM_NVSMI_ID_QUERY);
	snprintf(ms, sizeof ms, "%ld", (long)(interval * 1000 + 0.5));

	/* signals as a file descriptor; SIGPIPE: a write error instead */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a signalfd");

	ch[C_TEGRA].name = "tegrastats";
	ch[C_TEGRA].argv[0] = "tegrastats";
	ch[C_TEGRA].argv[1] = "--interval";
	ch[C_TEGRA].argv[2] = ms;
	ch[C_TEGRA].line = tegra_keep;
	ch[C_NVSMI].name = "nvidia-smi";
	ch[C_NVSMI].argv[0] = "nvidia-smi";
	ch[C_NVSMI].argv[1] = "--query-gpu=" LM_NVSMI_GPU_QUERY;
	ch[C_NVSMI].argv[2] = "--format=csv,noheader,nounits";
	if (!oneshot) {
		ch[C_NVSMI].argv[3] = "-lms";
		ch[C_NVSMI].argv[4] = ms;
	}
	ch[C_NVSMI].line = nvsmi_keep;
	query_child(&ch[C_APPS], "nvidia-smi-apps", "--query-compute-apps=" LM_NVSMI_APP_QUERY,
		apps_keep, apps_done);
	query_child(&ch[C_GPUS], "nvidia-smi-gpus", "--query-gpu=" LM_NVSMI_ID_QUERY,
		ids_keep, ids_done);
	ch[C_GPUS].used = ch[C_APPS].used;
	for (i = 0; i < C_N; i++) {
		ch[i].fd = -1;
		ch[i].backoff = BACKOFF_MIN;
	}
	if (tegra_file && !strcmp(tegra_file, "-")) {
		tegra_fd = 0;
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	}

	now = lm_mono();
	for (i = 0; i < C_N; i++)
		if (ch[i].used)
			child_start(&ch[i], now);
	/* one-shot: the sample waits for every source, at most -w seconds */
	next = now;
	deadline = now + waitmax;

	for (;;) {
		int n = 0, t, ready;
		double wake;

		now = lm_mono();
		if (tegra_file && strcmp(tegra_file, "-"))
			tegra_follow();
		ready = oneshot && now >= next &&
			(!ch[C_TEGRA].used && !tegra_file ? 1 : tegra_new || tegra_eof) &&
			(!ch[C_NVSMI].used || (ch[C_NVSMI].pid == 0 && ch[C_NVSMI].fd < 0)) &&
			(!ch[C_APPS].used || apps_new || (ch[C_APPS].pid == 0 && ch[C_APPS].fd < 0)) &&
			(!ch[C_GPUS].used || (ch[C_GPUS].pid == 0 && ch[C_GPUS].fd < 0));
		if (oneshot && *failed) {   /* fail fast: no waiting for the others */
			stopping = 1;
			for (i = 0; i < C_N; i++)
				child_kill(&ch[i], now);
			lm_die(LM_EXIT_SYS, "%s", failed);
		}
		if (oneshot && (ready || now >= deadline)) {
			stopping = 1;
			for (i = 0; i < C_N; i++)
				child_kill(&ch[i], now);
			if (sample() < 0) {
				lm_warn("a source gave no sample within %gs", waitmax);
				code = LM_EXIT_SYS;
			}
			break;
		}
		if (!oneshot && now >= next) {
			for (i = 0; i < C_N; i++) {
				struct child *k = &ch[i];
				if (!k->used || (i == C_GPUS && !ids_stale && k->pid == 0))
					continue;
				if (k->pid > 0 && now - k->since > waitmax) {
					if (k->complained++ < COMPLAIN_MAX)
						lm_warn("%s: no output for %gs; killed", k->name, waitmax);
					child_kill(k, now);
				} else if (k->pid == 0 && k->fd < 0 && now >= k->restart_at) {
					child_start(k, now);
				}
			}
			sample();
			if (tegra_eof && !ch[C_TEGRA].used && !ch[C_NVSMI].used && !ch[C_APPS].used &&
			    !src_proc && !src_tree && !src_cgroup && !src_jetson && !src_nvmap)
				break;   /* stdin was the only source and it ended */
			next += interval;
			if (next <= now)
				next = now + interval;
		}
		pf[n].fd = sfd;
		pf[n++].events = POLLIN;
		for (i = 0; i < C_N; i++)
			if (ch[i].fd >= 0) {
				pf[n].fd = ch[i].fd;
				pf[n++].events = POLLIN;
			}
		if (tegra_fd == 0 && !tegra_eof) {
			pf[n].fd = 0;
			pf[n++].events = POLLIN;
		}
		wake = (oneshot ? (now < next ? next : deadline) : next) - now;
		if (oneshot && now >= next && wake > 0.05 && tegra_file && strcmp(tegra_file, "-"))
			wake = 0.05;   /* a file is polled by reading it */
		t = wake <= 0 ? 0 : (int)(wake * 1000) + 1;
		if (poll(pf, (nfds_t)n, t) < 0) {
			if (errno == EINTR)
				continue;
			lm_die_sys(LM_EXIT_SYS, "unable to poll");
		}
		now = lm_mono();
		for (i = 1; i < n; i++) {
			int k;
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[i].fd == 0 && tegra_fd == 0) {
				tegra_fd_read();
				continue;
			}
			for (k = 0; k < C_N; k++)
				if (ch[k].fd == pf[i].fd)
					child_read(&ch[k], now);
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			int stop = 0;
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo == SIGCHLD)
					reap(now);
				else
					stop = 1;
			}
			if (stop) {
				stopping = 1;
				for (i = 0; i < C_N; i++)
					child_kill(&ch[i], now);
				break;
			}
		}
	}
	if (to_stdout)
		lm_close_stdout();
	else if (send_failed && !quiet && oneshot && code == 0)
		code = LM_EXIT_SYS;
	return code;
}
