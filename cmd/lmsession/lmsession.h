/* lmsession's parts: what they share (internal to cmd/lmsession*.c; what
 * another tool needs goes to lib/). One job a file:
 *	lmsession.c          main and the loop: samples, deadline, signals, the end
 *	lmsession/opt.c      options, the app's command line and environment
 *	lmsession/files.c    the results folder, paths, programs on PATH
 *	lmsession/helpers.c  lmtabled, lmprobe, tegrastats, the runtime's subcommands
 *	lmsession/keeper.c   the keeper: the app's parent, a subreaper
 *	lmsession/companion.c  companions (-c): started, ready, sampled, stopped
 *	lmsession/sample.c   the table read into series, samples.csv/jsonl, progress
 *	lmsession/results.c  the end in words, the results files, the summary
 * The state is the run's: one lmsession process runs one session. */
#ifndef LMSESSION_H
#define LMSESSION_H
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include "lm_fetch.h"
#include "lm_msg.h"
#include "lm_report.h"
#include "lm_session.h"
#include "lm_usage.h"
#include "lm_wire.h"

#define DUMP_MAX (64u << 20)     /* bytes in one table dump */
#define QUERY_DEADLINE 2.0       /* seconds for one dump */
#define START_DEADLINE 5.0       /* seconds for lmtabled to be ready */
#define STOP_DEADLINE 3.0        /* seconds for our helpers to stop */
#define FLUSH_WAIT 0.3           /* seconds for the app's last datagrams */
#define LOG_EVERY 10.0           /* seconds between progress log lines */
#define WORDS_MAX 4096           /* words in one split argument string */
#define MAX_LIST 256             /* -e, -E, -w, -p given at most this often */
#define RUNTIME_WAIT 10          /* seconds for a runtime kill/inspect */
#define SERIES_MAX "5000"        /* the private lmtabled's caps (-n, -p): */
#define SERIES_PER_APP "2000"    /* they bound lmsession's memory too */
#define COMPANIONS_MAX 8         /* -c given at most this often */
#define HELPERS_MAX (8 + COMPANIONS_MAX)
#define READY_WAIT 30.0          /* seconds a companion may take to be ready (-W) */

/* ---- options (lmsession/opt.c) */
extern const char *outdir, *name_opt, *baseline_dir, *dataset, *cache_dir, *image, *runtime_s;
extern const struct lm_fetch *fetched;   /* -D URL: how it was had */
extern const char *docker_args, *app_args;
extern double timeout_s, run_for_s, grace_s, interval_s;
extern const char *expects[MAX_LIST], *envs[MAX_LIST], *wraps[MAX_LIST], *probes[MAX_LIST];
extern size_t nexpects, nenvs, nwraps, nprobes;
extern int quiet;

/* an info line, unless -q */
#define say(...) do { if (!quiet) lm_info(__VA_ARGS__); } while (0)

extern char name[LM_TAGVAL_MAX + 1];
extern char dir[PATH_MAX];       /* results folder, absolute */
extern char priv[PATH_MAX];      /* private folder: the socket */
extern char sock[PATH_MAX];
extern char cname[96];           /* container name */
extern char selfdir[PATH_MAX];   /* where lmsession lives: lmtabled, lmprobe */
extern char **runtime_argv;      /* runtime command, split */
extern size_t env_own;           /* app_env's first env_own entries are ours */

/* Parse argv (a usage error ends lmsession); settle the name, dataset,
 * runtime, thresholds (*ex), the results and private folders; *cmd the
 * app's command line, *env its environment. */
void setup(int argc, char **argv, struct lm_expect **ex, char ***cmd, char ***env);
void free_words(char **v);
/* Seconds: NUMBER[ms|s|m|h|d], within [min, max]; else a usage error */
double duration(const char *opt, const char *s, double min, double max);
/* Split s into words as sh does, without expansions ({out} and {dataset}
 * replaced); appended to *v (*n words). A usage error ends lmsession. */
void split(const char *what, const char *s, char ***v, size_t *n);

/* ---- companions (lmsession/companion.c): commands started before the
 * app, ready when their socket or port answers or after a delay, stopped
 * after the app with SIGINT, SIGTERM, SIGKILL */
struct companion {
	const char *cmd;         /* -c as given */
	const char *ready;       /* -C as given; NULL: ready once started */
	int kind;                /* READY_* */
	char path[108];          /* unix: the socket */
	char host[64];           /* tcp: the address (an IPv4 or IPv6 literal) */
	int port;
	double delay;            /* delay: seconds */
	char label[16];          /* companion-N: its files and source name */
	char cname[112];         /* container mode: its container's name */
	char **argv, **env;      /* env: the app's entries, but app_kv (ours) */
	char *app_kv;
	pid_t pid;
	int done, status;        /* reaped; its wait status */
};
enum { READY_NONE, READY_UNIX, READY_TCP, READY_DELAY };
extern struct companion companions[COMPANIONS_MAX];
extern size_t ncompanions;
extern double ready_wait;
extern char companion_end[256];  /* how the companion that failed the run ended */
extern int ready_interrupted;    /* lmsession got a signal before the app ran */

/* -c CMD, -C READY (for the -c before it): a usage error ends lmsession */
void companion_add(const char *cmd);
/* the run words of a container of the session (lmsession/opt.c) */
void container_run(char ***vp, size_t *np, const char *cn, const char *app);
void companion_ready(const char *spec);
/* argv and environment (the app's, LM_APP the companion's label) */
void companions_setup(char **app_env);
/* Start them in order, each ready before the next. 0: all ready; else
 * LM_END_COMPANION (*cw its wait status), LM_END_NOTREADY, said why, or
 * LM_END_INTERRUPTED (*cw the signal lmsession got meanwhile) */
int companions_start(int *cw);
/* the companion that is pid, or NULL */
struct companion *companion_of(pid_t pid);
/* c ended by itself (wait status st); when: "while the app ran", ... */
void companion_ended(struct companion *c, int st, const char *when);
/* Stop those still running (SIGINT, SIGTERM, SIGKILL, -g apart); 1 when
 * one had ended by itself first (*cw its wait status), else 0 */
int companions_stop(int *cw);
void companions_free(void);

/* ---- files (lmsession/files.c) */
extern const char *const result_files[];
void *xalloc(size_t n);
char *xstrdup(const char *s);
/* A path or argument built from parts; too long is a usage error. */
void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
void results_dir(void);
void private_dir(void);
int open_out(const char *file);
const char *tool(const char *t, char *buf, size_t cap);
int on_path(const char *prog);
char **dir_files(void);
void show_tail(const char *file);

/* ---- helpers (lmsession/helpers.c): lmsession's children other than the
 * keeper; each dies with lmsession (SIGTERM) */
struct helper {
	const char *what;
	pid_t pid;
	int status;
	int done;
};
extern struct helper helpers[HELPERS_MAX];
extern size_t nhelpers;
extern sigset_t sigs;            /* blocked in lmsession, read from a signalfd */

struct helper *helper_of(pid_t pid);
void runtime_cmd(const char *a1, const char *a2, const char *a3, int outfd);
void start_tabled(void);
/* app > 0: the app's tree (and its GPU memory, its container's cgroup);
 * else the board */
void start_probes(pid_t app);
/* lmprobe for the process tree of a companion, as source label */
void start_tree_probe(const char *label, pid_t pid);
void stop_helpers(void);

/* ---- the keeper (lmsession/keeper.c) */
enum { K_STARTED = 1, K_FAILED, K_EXITED, K_DONE, K_USAGE };
/* K_USAGE: u = the keeper's children's rusage: user and system time in
 * microseconds, blocks in and out (512 bytes) */
struct kmsg { int kind; int val; long long u[4]; };
/* Fork the keeper, which runs cmd with env, output to out and err (closed
 * here). *to: lmsession -> keeper (tell), *from: its news (kmsg,
 * non-blocking). Returns its pid. */
pid_t start_keeper(char **cmd, char **env, int out, int err, int sfd, int *to, int *from);
/* lmsession -> keeper: a signal for the app, or 0: clean up and exit. */
void tell(int fd, int sig);

/* ---- sampling (lmsession/sample.c) */
extern struct lm_metric *metrics;
extern size_t nmetrics;
extern double t0_mono, t0_wall, last_dump, cores;
extern pid_t acct_root;          /* the keeper, when the app is a command */
extern int acct_ended;
extern double rejected;          /* lines the private lmtabled refused */
extern char reject_why[256];     /* by reason, for the warning */
extern struct lm_usage app_use;
extern int have_usage;
extern int tty;

void samples_open(void);
void samples_close_fds(void);
/* Read the table and add one sample per metric. final: the app ended at
 * `end`; the round is cut there. */
void sample(int final, double end);
/* The app's tree now (it is reaped: in the keeper's figures). */
void acct_read(double now);
double cpus(void);
void keeper_usage(const struct kmsg *m);
/* samples.csv and samples.jsonl made whole; -1: one failed (said why) */
int samples_finish(void);
void progress(double now, int final);
void sample_free(void);

/* ---- the end (lmsession/results.c) */
const char *signame(int s);
/* The results and the summary; returns lmsession's exit status. */
int results(struct lm_run *run, struct lm_seen *seen, char **cmd, struct lm_expect *ex,
	struct lm_baseline *bp, double duration, size_t left);
#endif
