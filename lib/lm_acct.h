/* lm_acct: what a process tree has used, exited processes included, as
 * counters that never fall (CPU seconds, storage read and write bytes).
 *
 * The kernel keeps a process's figures while it lives and, when its parent
 * reaps it, adds them (its reaped children's included) to the parent's
 * (cutime/cstime in /proc/PID/stat, /proc/PID/io). So the sum over a tree's
 * live processes, each with its reaped children, holds everything the tree
 * ran, except what left it: a process whose parent is outside the tree, a
 * child reaped by nobody (SIGCHLD ignored), work between the last sample
 * and the exit, and a reap that races the reading. lm_acct_fold keeps a
 * "gone" part for those: a tracked process that vanished leaves its last
 * figures in the total unless the growth of its nearest live ancestor
 * holds them by the next sample (a reap between reading the parent and
 * the child shows one sample late); and the figures given never fall.
 * Work a vanished process did after its last sample, when nobody in the
 * tree reaped it, is lost: best effort, unlike the rusage account below.
 *
 * The exact account of a run is the kernel's: getrusage(RUSAGE_CHILDREN)
 * of the process that reaps them all (lmsession's keeper, a subreaper),
 * ru_inblock and ru_oublock being read_bytes and write_bytes / 512 (see
 * lm_usage.h). lm_acct is the live view between samples. */
#ifndef LM_ACCT_H
#define LM_ACCT_H
#include <stddef.h>
#include "lm_proc.h"

enum { LM_ACCT_CPU, LM_ACCT_READ, LM_ACCT_WRITE, LM_ACCT_N };

struct lm_acct {
	struct lm_proc_info *prev;   /* the last sample's processes, by pid */
	double (*pv)[LM_ACCT_N];     /* their figures */
	double (*due)[LM_ACCT_N];    /* vanished children's figures each one's
	                              * growth has not shown yet */
	size_t nprev;
	double gone[LM_ACCT_N];      /* figures of processes that left the tree */
	double last[LM_ACCT_N];      /* the figures given: they never fall */
	int io;                      /* the root's /proc/PID/io was readable */
};

/* Fold one sample: v[0..n) as lm_proc_list gave it (v[0] the root). With
 * root_own 0 the root's own CPU is left out, its reaped children's kept
 * (a subreaper that only runs the app). Gives the totals in out (the I/O
 * ones meaningful when a->io). 0 ok, -1 ENOMEM (a keeps its state). */
int lm_acct_fold(struct lm_acct *a, const struct lm_proc_info *v, size_t n, int root_own,
	double out[LM_ACCT_N]);
void lm_acct_free(struct lm_acct *a);

/* lm_proc_list of pid, then lm_acct_fold; t gets the tree's figures (the
 * live processes' memory and threads, the folded counters). 0 ok, -1 errno
 * (ESRCH: pid is gone). */
int lm_acct_tree(struct lm_acct *a, const char *root, long pid, int root_own, struct lm_tree *t);

/* A counter that may not grow faster than `cores` over dt seconds: the
 * value to give after `prev`, for a true value `now`; what is held back
 * is given later, so the total stays exact. */
double lm_acct_cap(double prev, double now, double cores, double dt);
#endif
