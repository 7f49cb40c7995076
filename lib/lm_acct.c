/* lm_acct: a process tree's counters, exited processes included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lm_acct.h"

static int by_pid(const void *a, const void *b)
{
	long x = ((const struct lm_proc_info *)a)->pid, y = ((const struct lm_proc_info *)b)->pid;
	return x < y ? -1 : x > y;
}

/* index of pid in the sorted p[0..n), else -1 */
static long find(const struct lm_proc_info *p, size_t n, long pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p[mid].pid == pid)
			return (long)mid;
		if (p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int lm_acct_fold(struct lm_acct *a, const struct lm_proc_info *v, size_t n, int root_own,
	double out[LM_ACCT_N])
{
	struct lm_proc_info *now = malloc((n ? n : 1) * sizeof *now);
	double (*nv)[LM_ACCT_N] = malloc((n ? n : 1) * sizeof *nv);
	double (*due)[LM_ACCT_N] = calloc(n ? n : 1, sizeof *due);
	double (*want)[LM_ACCT_N] = calloc(a->nprev ? a->nprev : 1, sizeof *want);
	long *alive = malloc((a->nprev ? a->nprev : 1) * sizeof *alive);
	double total[LM_ACCT_N] = { 0 };
	size_t i, k;

	if (!now || !nv || !due || !want || !alive) {
		free(now);
		free(nv);
		free(due);
		free(want);
		free(alive);
		errno = ENOMEM;
		return -1;
	}
	if (n) {
		memcpy(now, v, n * sizeof *now);
		if (!root_own)
			now[0].own = 0;
		a->io = v[0].rbytes >= 0;
		qsort(now, n, sizeof *now, by_pid);
		/* a child seen twice (its forking thread exited between two
		 * threads' children files) counts once */
		for (i = k = 1; i < n; i++)
			if (now[i].pid != now[k - 1].pid)
				now[k++] = now[i];
		n = k;
	}
	/* each process's figures; unreadable I/O: the last seen, else none */
	for (i = 0; i < n; i++) {
		long j = find(a->prev, a->nprev, now[i].pid);
		if (j >= 0 && a->prev[j].start != now[i].start)
			j = -1;
		nv[i][LM_ACCT_CPU] = now[i].own + now[i].reaped;
		nv[i][LM_ACCT_READ] = now[i].rbytes >= 0 ? now[i].rbytes : j >= 0 ? a->pv[j][LM_ACCT_READ] : 0;
		nv[i][LM_ACCT_WRITE] = now[i].wbytes >= 0 ? now[i].wbytes : j >= 0 ? a->pv[j][LM_ACCT_WRITE] : 0;
	}
	for (i = 0; i < a->nprev; i++) {
		long j = find(now, n, a->prev[i].pid);
		alive[i] = j >= 0 && now[j].start == a->prev[i].start ? j : -1;
	}
	/* a vanished process: its nearest live ancestor should have reaped it */
	for (i = 0; i < a->nprev; i++) {
		long up = (long)i;
		size_t steps = 0;
		if (alive[i] >= 0)
			continue;
		do
			up = find(a->prev, a->nprev, a->prev[up].ppid);
		while (up >= 0 && alive[up] < 0 && ++steps < a->nprev);
		for (k = 0; k < LM_ACCT_N; k++) {
			double v = a->pv[i][k] + a->due[i][k];
			if (up >= 0 && alive[up] >= 0)
				want[up][k] += v;
			else
				a->gone[k] += v;
		}
	}
	/* An ancestor's growth holds what it reaped. A reap between reading
	 * the parent and the child shows in the next sample: what is not
	 * there yet is due then; what is still missing left the tree. */
	for (i = 0; i < a->nprev; i++)
		for (k = 0; alive[i] >= 0 && k < LM_ACCT_N; k++) {
			double grew = nv[alive[i]][k] - a->pv[i][k], pay;
			if (grew < 0)
				grew = 0;
			pay = grew < a->due[i][k] ? grew : a->due[i][k];
			a->gone[k] += a->due[i][k] - pay;
			grew -= pay;
			due[alive[i]][k] = want[i][k] > grew ? want[i][k] - grew : 0;
		}
	for (k = 0; k < LM_ACCT_N; k++) {
		total[k] = a->gone[k];
		for (i = 0; i < n; i++)
			total[k] += nv[i][k];
		if (total[k] > a->last[k])
			a->last[k] = total[k];
		out[k] = a->last[k];
	}
	free(a->prev);
	free(a->pv);
	free(a->due);
	free(want);
	free(alive);
	a->prev = now;
	a->pv = nv;
	a->due = due;
	a->nprev = n;
	return 0;
}

void lm_acct_free(struct lm_acct *a)
{
	free(a->prev);
	free(a->pv);
	free(a->due);
	memset(a, 0, sizeof *a);
}

int lm_acct_tree(struct lm_acct *a, const char *root, long pid, int root_own, struct lm_tree *t)
{
	struct lm_proc_info *v = malloc(LM_PROC_TREE * sizeof *v);
	double out[LM_ACCT_N];
	long n, i;

	memset(t, 0, sizeof *t);
	if (!v)
		return -1;
	n = lm_proc_list(root, pid, v, LM_PROC_TREE);
	if (n < 0 || lm_acct_fold(a, v, (size_t)n, root_own, out) < 0) {
		int e = errno;
		free(v);
		errno = e;
		return -1;
	}
	for (i = 0; i < n; i++) {
		t->procs += !v[i].zombie;
		t->threads += v[i].threads;
		t->rss += v[i].rss;
	}
	t->cpu = out[LM_ACCT_CPU];
	t->rbytes = a->io ? out[LM_ACCT_READ] : -1;
	t->wbytes = a->io ? out[LM_ACCT_WRITE] : -1;
	free(v);
	return 0;
}

double lm_acct_cap(double prev, double now, double cores, double dt)
{
	double most = prev + (cores > 0 && dt > 0 ? cores * dt : 0);

	if (now <= prev)
		return prev;
	return now < most ? now : most;
}
