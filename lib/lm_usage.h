/* lm_usage: what the app's processes used over a whole lmsession run, as
 * the kernel accounted it, for summary.json, summary.txt and report.html.
 *
 * Source "rusage": getrusage(RUSAGE_CHILDREN) of lmsession's keeper, the
 * subreaper that is the app's parent and reaps every process the app ran
 * (orphans included). The kernel adds a reaped child's user and system
 * time, its own reaped children's included, to its parent's; the figures
 * are exact, in microseconds. ru_inblock and ru_oublock are the
 * read_bytes and write_bytes of /proc/PID/io (storage I/O) in 512-byte
 * units, summed the same way: exact to 511 bytes per process. A process
 * reaped by nobody (its parent ignored SIGCHLD) is in no rusage.
 * Source "cgroup": a container's cgroup (CPU only). */
#ifndef LM_USAGE_H
#define LM_USAGE_H
#include <stddef.h>
#include "lm_buf.h"

struct lm_usage {
	const char *source;    /* "rusage" or "cgroup" */
	double user, system;   /* CPU seconds; both < 0 when not told apart */
	double cpu;            /* CPU seconds, user + system */
	double rbytes, wbytes; /* storage bytes read, written; < 0 unknown */
	double cores;          /* CPUs the app could run on; 0 unknown */
};

/* ',\n  "usage": {...}' for summary.json (keys in lm-results(5)); nothing
 * when u is NULL. duration: the run's seconds, for the mean in cores. */
void lm_usage_json(const struct lm_usage *u, double duration, struct lm_buf *o);
/* One line for people, no newline, e.g. "4.71 s CPU (user 4.5 s, system
 * 0.21 s), mean 0.98 of 2 cores; read 0 B, written 12.6 MB" into buf. */
void lm_usage_line(const struct lm_usage *u, double duration, char *buf, size_t cap);
#endif
