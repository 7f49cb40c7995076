/* lm_report: the results of one lmsession run. Per-metric samples and
 * statistics, thresholds (--expect), a baseline read from an earlier
 * run's summary.json, and the files summary.json, summary.txt, junit.xml,
 * report.html with report.css, perfreport.xml and plot/NAME.csv, each
 * written whole (temp + rename) with the mode the umask allows. One job a
 * file: lm_report_stat.c, _expect.c, _base.c, _fmt.c (escaping, numbers,
 * the order), _text.c, _json.c, _junit.c, _html.c, _trend.c, and
 * lm_report.c (the folder). Library code: it never prints and never
 * exits; errors come back as text in err. */
#ifndef LM_REPORT_H
#define LM_REPORT_H
#include <stddef.h>
#include "lm_buf.h"
#include "lm_hist.h"
#include "lm_wire.h"

struct lm_usage;
struct lm_fetch;

#define LM_KEEP_MAX 4096    /* samples kept per metric; past it, every other one goes */
#define LM_EXPECT_MAX 512   /* bytes in one --expect text */
#define LM_BASE_MAX (64u << 20)     /* bytes in a baseline's summary.json */
#define LM_REPORT_MAX (256u << 20)  /* bytes in one file lm_report_write writes */

/* Statistics per metric, in this order everywhere (JSON keys, columns). */
enum lm_stat {
	LM_ST_COUNT,   /* samples (t, h: observations over the run) */
	LM_ST_MIN, LM_ST_MEAN, LM_ST_P50, LM_ST_P90, LM_ST_P95, LM_ST_P99, LM_ST_MAX,
	LM_ST_LAST,    /* the last sample (t, h: the last observation) */
	LM_ST_TOTAL,   /* c, r: the final total; t, h: the sum of observations */
	LM_ST_N
};
extern const char *const lm_stat_name[LM_ST_N];  /* "count", "min", ... "total" */

/* One metric of the run: a series of the private lmtabled's table.
 * What a sample is, by type (lmsession computes it between two dumps):
 *   LM_GAUGE    the value
 *   LM_COUNTER  increase per second over the interval
 *   LM_RATE     events per second over the interval
 *   LM_TIMER    mean observation (seconds) over the interval, when any;
 *               with lm_metric_add_obs also the interval's p50 and max
 *   LM_HISTO    the same, no unit */
struct lm_metric {
	char *source;       /* the app tag: the app's name, or "board" (lmprobe) */
	char *id;           /* NAME, or NAME{k=v,...} with the series' own tags
	                     * sorted by key (app, container, pid, uid left out) */
	int type;           /* LM_GAUGE, LM_COUNTER, LM_RATE, LM_TIMER or LM_HISTO */
	/* samples kept: t in seconds since the run started; thinned past
	 * LM_KEEP_MAX by dropping every other one and keeping one in `every` */
	double *t, *v;
	double *v50, *vmax;   /* t, h: the interval's p50 and max, beside v */
	size_t n, cap;
	size_t every, pending;
	/* exact, over every sample added (thinning or not) */
	size_t count;
	double min, max, sum, last;
	/* t, h: the whole run's observations as the table holds them: count,
	 * sum, exact min and max, log-scale buckets (lm_hist.h) */
	struct lm_hist obs;
	double obs_last;
	/* c, r: the total at the end */
	double total;
	/* filled by lm_metric_stats; has[i] 0 when stat i has no value */
	double st[LM_ST_N];
	int has[LM_ST_N];
};

/* source and id are copied (left NULL when out of memory: every function
 * here reads a NULL one as ""). */
void lm_metric_init(struct lm_metric *m, const char *source, const char *id, int type);
void lm_metric_free(struct lm_metric *m);
/* One sample at t seconds. 0 ok, -1 (ENOMEM): the sample is counted in the
 * exact figures but not kept; -1 (EINVAL): t or v not finite, ignored. */
int lm_metric_add(struct lm_metric *m, double t, double v);
/* The same for a timer or histogram interval: mean, p50 and max. */
int lm_metric_add_obs(struct lm_metric *m, double t, double mean, double p50, double max);
/* Fill st[] and has[]: count/min/mean/max/last exact; p50..p99 from the
 * kept samples (nearest rank). For t and h from obs, over every
 * observation of the run: count, sum, min and max exact, mean = sum /
 * count, quantiles by lm_hist_quantile (within 4.43 %), last within
 * [min, max]. */
void lm_metric_stats(struct lm_metric *m);
/* The unit from the name's suffix ("seconds", "bytes", "celsius", "watts",
 * "hertz", "ratio"), "seconds" for timers, "per_second" for c and r
 * samples, "" when none. */
const char *lm_metric_unit(const struct lm_metric *m);

/* An earlier run, read from DIR/summary.json (the format lm_report_write
 * writes; see lm-results(5)). */
struct lm_base_metric {
	char *source, *id;
	double st[LM_ST_N];
	int has[LM_ST_N];
};
struct lm_baseline {
	char *dir;
	double duration;
	struct lm_base_metric *m;
	size_t n;
};
/* 0 ok; -1 with err set (no such file, not our format, too big). */
int lm_baseline_load(struct lm_baseline *b, const char *dir, char *err, size_t errcap);
/* The same from the text p[0..n) of a summary.json (b->dir left NULL). */
int lm_baseline_parse(struct lm_baseline *b, const char *p, size_t n, char *err, size_t errcap);
void lm_baseline_free(struct lm_baseline *b);
/* The metric with this source and id; with source NULL, the only metric
 * with this id (NULL when none or more than one). */
const struct lm_base_metric *lm_baseline_find(const struct lm_baseline *b,
	const char *source, const char *id);

/* A threshold: [SOURCE/]ID[.STAT] OP RHS
 *   STAT  one of lm_stat_name (default mean)
 *   OP    >= <= > < == !=
 *   RHS   NUMBER | baseline | NUMBER*baseline | baseline*NUMBER
 * e.g. fps>=10  latency.p95<=0.05  fps>=0.95*baseline
 *      board/board_temperature_celsius{sensor=GPU}.max<80 */
enum lm_op { LM_OP_GE = 1, LM_OP_LE, LM_OP_GT, LM_OP_LT, LM_OP_EQ, LM_OP_NE };
enum lm_result { LM_EX_PASS = 1, LM_EX_FAIL, LM_EX_SKIP };
struct lm_expect {
	char text[LM_EXPECT_MAX + 1];   /* as given */
	char *source;                   /* NULL: any source (must be unique) */
	char *id;
	int stat, op;
	double k;
	int rel;                        /* RHS is k * the baseline's same stat */
	/* set by lm_expect_eval */
	int result;                     /* enum lm_result */
	double got, want;               /* valid when result is PASS or FAIL
	                                 * with a value */
	char why[512];                  /* one line for people, e.g.
	                                 * "fps mean 9.5, expected >= 10" */
	int has_got, has_want;          /* got, want hold a value */
};
/* 0 ok; -1 with err set ("bad operator in 'fps=>10'"). */
int lm_expect_parse(struct lm_expect *e, const char *s, char *err, size_t errcap);
void lm_expect_free(struct lm_expect *e);
/* Evaluate against the run's metrics (stats filled). No such metric, or an
 * ambiguous one: FAIL with why saying so. Relative with no baseline, or the
 * baseline lacks the metric: SKIP with why saying so. */
void lm_expect_eval(struct lm_expect *e, const struct lm_metric *m, size_t nm,
	const struct lm_baseline *b);

/* How the app's run ended. */
enum lm_end {
	LM_END_EXITED = 1,  /* exited by itself; status = exit status */
	LM_END_SIGNALED,    /* died of a signal by itself; status = signal */
	LM_END_STOPPED,     /* --run-for: stopped on schedule by SIGINT or SIGTERM */
	LM_END_TIMEOUT,     /* --timeout: stopped by SIGINT or SIGTERM at the deadline */
	LM_END_KILLED,      /* had to be killed with SIGKILL; status = 9; cause
	                     * says why it was being stopped */
	LM_END_NOSTART,     /* could not be started; status = 126 or 127 */
	LM_END_INTERRUPTED, /* lmsession got a signal (SIGINT, SIGTERM, SIGHUP)
	                     * and stopped the app with SIGINT or SIGTERM */
	LM_END_COMPANION,   /* a companion (-c) ended before the app did: the app
	                     * was stopped, or never started; status = the
	                     * companion's exit status, or 128 + its signal */
	LM_END_NOTREADY     /* a companion was not ready within -W: the app never
	                     * started; status = 0 */
};

struct lm_run {
	const char *name;             /* the session's app name */
	const char *const *argv;      /* the command run, NULL-terminated */
	const char *image;            /* container mode: image, runtime, args; else NULL */
	const char *runtime;
	const char *app_args;         /* Jenkins parameters as given, or NULL */
	const char *docker_args;
	const char *dataset;          /* or NULL */
	const char *host;             /* node name */
	double started;               /* unix seconds */
	double duration;              /* seconds the app ran */
	double timeout, run_for;      /* seconds; 0 when not set */
	double interval;              /* sampling period, seconds */
	int end;                      /* enum lm_end */
	int status;                   /* see enum lm_end; for STOPPED, TIMEOUT and
	                               * INTERRUPTED the app's exit status or signal */
	int cause;                    /* KILLED: LM_END_STOPPED, LM_END_TIMEOUT or
	                               * LM_END_INTERRUPTED; else 0 */
	int signal;                   /* the signal lmsession got; 0: none */
	const char *end_text;         /* one line for people, e.g. "stopped by
	                               * SIGINT at the 60 s deadline" */
	int exit_code;                /* lmsession's exit status */
	struct lm_metric *m;          /* stats filled */
	size_t nm;
	struct lm_expect *ex;         /* evaluated */
	size_t nex;
	const struct lm_baseline *base;   /* NULL: none */
	const char *const *files;     /* other files in the folder (relative
	                               * names: stdout.log, what -w wrappers
	                               * wrote, ...), NULL-terminated */
	const struct lm_usage *usage; /* the app's whole-run CPU and I/O
	                               * (lm_usage.h); NULL: not known */
	const struct lm_fetch *fetch; /* -D URL: how the dataset was had
	                               * (lm_fetch.h); NULL: a local path */
};

/* s as a JSON string, quotes included, into o (bytes that are not UTF-8
 * become U+FFFD); for lmsession's samples.jsonl. */
void lm_report_jstr(struct lm_buf *o, const char *s);

/* The plain-text summary (summary.txt) into out. 0 ok, -1 ENOMEM. */
int lm_report_text(const struct lm_run *r, struct lm_buf *out);
/* Each file alone into out (appended): summary.json, junit.xml,
 * report.html. 0 ok, -1 with errno set (out->err: ENOMEM, EMSGSIZE). */
int lm_report_json(const struct lm_run *r, struct lm_buf *out);
int lm_report_junit(const struct lm_run *r, struct lm_buf *out);
int lm_report_html(const struct lm_run *r, struct lm_buf *out);
/* report.html's stylesheet, report.css (the page has no inline style:
 * Jenkins serves it under a Content-Security-Policy without
 * 'unsafe-inline'). */
int lm_report_css(const struct lm_run *r, struct lm_buf *out);
/* perfreport.xml: the run in the Taurus FinalStatus XML the Jenkins
 * Performance plugin reads; one Group per metric of the app (its own and
 * its resources) with samples. */
int lm_report_perf(const struct lm_run *r, struct lm_buf *out);
/* One metric's plot/NAME.csv for the Jenkins Plot plugin: a header line
 * mean,min,p50,p90,p95,p99,max and one line of values. */
int lm_report_plot(const struct lm_metric *m, struct lm_buf *out);
/* Write summary.json, summary.txt, junit.xml, report.html, report.css,
 * perfreport.xml and plot/NAME.csv per metric with samples into dir,
 * each whole (lm_buf_save_mode, 0666 less the umask). 0 ok; -1 with err
 * set, naming the file and strerror (e.g. "unable to write
 * DIR/report.html: No space left on device"); no file is left
 * half-written. */
int lm_report_write(const struct lm_run *r, const char *dir, char *err, size_t errcap);
#endif
