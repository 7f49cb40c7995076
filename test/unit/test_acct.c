/* test_acct: lm_acct_fold (counters over a process tree that never fall,
 * exited processes included) as tables of samples; lm_proc_list and the
 * cgroup I/O counters on fixtures; lm_acct_cap; lm_usage's JSON and text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_acct.h"
#include "lm_usage.h"
#include "t.h"

#define DATA "test/data/probe/"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1);
}

/* one process in a sample: pid, parent, start, own CPU, reaped CPU,
 * written bytes (-1 unreadable), zombie */
struct p { long pid, ppid; unsigned long long start; double own, reaped, w; int zombie; };
/* a sample and the figures lm_acct_fold must give for it */
struct step { struct p p[4]; double cpu, w; };
struct fold_case {
	const char *name;
	int root_own;
	struct step s[5];
};

static const struct fold_case folds[] = {
	{ "one process grows", 1, {
		{ { { 1, 0, 1, 1, 0, 10, 0 } }, 1, 10 },
		{ { { 1, 0, 1, 2, 0, 12, 0 } }, 2, 12 } } },
	{ "a child reaped by the root is counted once", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 3.5, 0, 0 } }, 4.5, 0 } } },
	{ "a child that started and exited between samples", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 } }, 1, 0 },
		{ { { 1, 0, 1, 1, 0.7, 0, 0 } }, 1.7, 0 } } },
	{ "a reap that raced the reading: held, then caught up, not twice", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 3.5, 0, 0 } }, 4.5, 0 },
		{ { { 1, 0, 1, 1.5, 3.5, 0, 0 } }, 5, 0 } } },
	{ "a child nobody reaped (SIGCHLD ignored): its last figures stay", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 2, 0, 0, 0 } }, 5, 0 } } },
	{ "a middle process reaped its child, then the root reaped it", 1, {
		{ { { 1, 0, 1, 0, 0, 0, 0 }, { 2, 1, 5, 1, 0, 0, 0 }, { 3, 2, 6, 2, 0, 0, 0 } }, 3, 0 },
		{ { { 1, 0, 1, 0, 3.5, 0, 0 } }, 3.5, 0 } } },
	{ "an orphan that left the tree keeps its last figures", 1, {
		{ { { 1, 0, 1, 0, 0, 0, 0 }, { 2, 1, 5, 1, 0, 0, 0 }, { 3, 2, 6, 2, 0, 0, 0 } }, 3, 0 },
		{ { { 1, 0, 1, 0, 1, 0, 0 } }, 3, 0 },
		{ { { 1, 0, 1, 0, 1, 0, 0 } }, 3, 0 },
		{ { { 1, 0, 1, 0.5, 1, 0, 0 } }, 3.5, 0 } } },
	{ "a reused pid is another process", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 } }, 4, 0 },
		{ { { 1, 0, 1, 1, 3, 0, 0 }, { 2, 1, 9, 0.5, 0, 0, 0 } }, 4.5, 0 } } },
	{ "a subreaper root: its own time left out", 0, {
		{ { { 1, 0, 1, 5, 1, 0, 0 }, { 2, 1, 5, 2, 0, 0, 0 } }, 3, 0 },
		{ { { 1, 0, 1, 6, 3.5, 0, 0 } }, 3.5, 0 } } },
	{ "a zombie counts; its unreadable I/O is its last seen", 1, {
		{ { { 1, 0, 1, 0, 0, 10, 0 }, { 2, 1, 5, 1, 0, 5, 0 } }, 1, 15 },
		{ { { 1, 0, 1, 0, 0, 10, 0 }, { 2, 1, 5, 1.2, 0, -1, 1 } }, 1.2, 15 },
		{ { { 1, 0, 1, 0, 1.2, 16, 0 } }, 1.2, 16 } } },
	{ "a process listed twice counts once", 1, {
		{ { { 1, 0, 1, 1, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 }, { 2, 1, 5, 3, 0, 0, 0 } }, 4, 0 } } },
	{ "figures that fall are held", 1, {
		{ { { 1, 0, 1, 2, 0, 10, 0 } }, 2, 10 },
		{ { { 1, 0, 1, 1, 0, 4, 0 } }, 2, 10 } } },
};

static void fold_table(void)
{
	size_t i, k, j;

	for (i = 0; i < sizeof folds / sizeof folds[0]; i++) {
		const struct fold_case *c = &folds[i];
		struct lm_acct a;
		int good = 1;
		char why[256] = "";

		memset(&a, 0, sizeof a);
		for (k = 0; k < 5 && c->s[k].p[0].pid; k++) {
			struct lm_proc_info v[4];
			double out[LM_ACCT_N];
			size_t n = 0;
			for (j = 0; j < 4 && c->s[k].p[j].pid; j++, n++) {
				const struct p *q = &c->s[k].p[j];
				memset(&v[j], 0, sizeof v[j]);
				v[j].pid = q->pid;
				v[j].ppid = q->ppid;
				v[j].start = q->start;
				v[j].own = q->own;
				v[j].reaped = q->reaped;
				v[j].rbytes = q->w < 0 ? -1 : 0;
				v[j].wbytes = q->w;
				v[j].zombie = q->zombie;
			}
			if (lm_acct_fold(&a, v, n, c->root_own, out) < 0 ||
			    !near(out[LM_ACCT_CPU], c->s[k].cpu) || !near(out[LM_ACCT_WRITE], c->s[k].w)) {
				if (good)
					snprintf(why, sizeof why, "sample %zu: cpu %g (want %g), written %g (want %g)",
						k + 1, out[LM_ACCT_CPU], c->s[k].cpu, out[LM_ACCT_WRITE], c->s[k].w);
				good = 0;
			}
		}
		T_OK(good, "fold: %s%s%s", c->name, good ? "" : ": ", why);
		lm_acct_free(&a);
	}
}

static const struct { double prev, now, cores, dt, want; const char *name; } caps[] = {
	{ 1, 1.5, 2, 1, 1.5, "within the cores: as read" },
	{ 1, 4, 2, 1, 3, "faster than the cores: held back" },
	{ 3, 4, 2, 1, 4, "then given" },
	{ 2, 1, 2, 1, 2, "never falls" },
	{ 0, 0.8, 4, 0.1, 0.4, "a short round" },
	{ 1, 2, 2, 0, 1, "no time: nothing more" },
};

static void cap_table(void)
{
	size_t i;

	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		double got = lm_acct_cap(caps[i].prev, caps[i].now, caps[i].cores, caps[i].dt);
		T_OK(near(got, caps[i].want), "cap: %s (got %g, want %g)", caps[i].name, got, caps[i].want);
	}
}

static void fixtures(void)
{
	struct lm_proc_info v[8];
	struct lm_samples ss;
	struct lm_acct a;
	struct lm_tree t;
	double hz = (double)sysconf(_SC_CLK_TCK);
	long n;
	size_t i;
	int zombie = -1;

	n = lm_proc_list(DATA "root-v2", 100, v, 8);
	T_OK(n == 4 && v[0].pid == 100 && near(v[0].own, 300 / hz) && near(v[0].reaped, 15 / hz) &&
		v[0].start == 12345 && v[0].threads == 4, "list: the root first, own and reaped CPU apart");
	for (i = 1; n > 0 && i < (size_t)n; i++)
		if (v[i].pid == 104)
			zombie = (int)i;
	T_OK(zombie > 0 && v[zombie].zombie && near(v[zombie].own, 50 / hz) && v[zombie].threads == 0 &&
		v[zombie].rbytes < 0, "list: a zombie keeps its final CPU");
	T_OK(lm_proc_list(DATA "root-v2", 100, v, 2) == 2, "list: at most cap");
	T_OK(lm_proc_list(DATA "root-v2", 104, v, 8) < 0, "list: a zombie root is gone");
	T_OK(lm_proc_list(DATA "root-v2", 999, v, 8) < 0, "list: a missing root fails");
	memset(&a, 0, sizeof a);
	T_OK(lm_acct_tree(&a, DATA "root-v2", 100, 1, &t) == 0 && t.procs == 3 && t.threads == 7 &&
		near(t.cpu, (315.0 + 100 + 100 + 50) / hz) && near(t.wbytes, 8400),
		"tree: zombie's CPU counted, not as a process (cpu %g)", t.cpu);
	T_OK(lm_acct_tree(&a, DATA "root-v2", 100, 0, &t) == 0 && near(t.cpu, (315.0 + 100 + 100 + 50) / hz),
		"tree: never falls, even read another way");
	lm_acct_free(&a);
	T_OK(lm_acct_tree(&a, DATA "root-v1", 200, 1, &t) == 0 && t.procs == 3 && t.rbytes < 0,
		"tree via a scan: no io when unreadable");
	lm_acct_free(&a);

	memset(&ss, 0, sizeof ss);
	T_OK(lm_proc_cgroup(DATA "root-v2", 100, &ss) == 2, "cgroup v2 with io.stat");
	for (i = 0; i < ss.n; i++)
		if (!strcmp(ss.s[i].name, "cgroup_write_bytes"))
			T_OK(near(ss.s[i].v, 2048) && ss.s[i].type == LM_COUNTER, "cgroup v2: written bytes summed over devices");
		else if (!strcmp(ss.s[i].name, "cgroup_read_bytes"))
			T_OK(near(ss.s[i].v, 1024), "cgroup v2: read bytes summed over devices");
	lm_samples_reset(&ss);
	T_OK(lm_proc_cgroup(DATA "root-v1", 200, &ss) == 1, "cgroup v1 with blkio");
	for (i = 0; i < ss.n; i++)
		if (!strcmp(ss.s[i].name, "cgroup_write_bytes"))
			T_OK(near(ss.s[i].v, 8192), "cgroup v1: Write lines summed, Total not");
		else if (!strcmp(ss.s[i].name, "cgroup_read_bytes"))
			T_OK(near(ss.s[i].v, 4196), "cgroup v1: Read lines summed");
	lm_samples_reset(&ss);
	T_OK(lm_proc_cgroup(DATA "root-ctr", 0, &ss) == 2, "cgroup without io.stat");
	for (i = 0; i < ss.n && strcmp(ss.s[i].name, "cgroup_read_bytes"); i++)
		;
	T_OK(i == ss.n, "cgroup without io.stat: no I/O counters");
}

static void usage(void)
{
	struct lm_usage u = { "rusage", 1.5, 0.5, 2, 4096, 1234567, 2 };
	struct lm_buf b;
	char line[256];

	lm_buf_init(&b, 4096);
	lm_usage_json(&u, 4, &b);
	T_STREQ(b.p, ",\n  \"usage\": {\"source\": \"rusage\", \"cpu_seconds\": 2, \"cpu_user_seconds\": 1.5, "
		"\"cpu_system_seconds\": 0.5, \"cpu_cores_mean\": 0.5, \"cores\": 2, \"read_bytes\": 4096, "
		"\"write_bytes\": 1234567}", "usage JSON");
	lm_buf_reset(&b);
	u.user = u.system = u.rbytes = u.wbytes = -1;
	u.source = "cgroup";
	u.cores = 0;
	lm_usage_json(&u, 0, &b);
	T_STREQ(b.p, ",\n  \"usage\": {\"source\": \"cgroup\", \"cpu_seconds\": 2}", "usage JSON: what is not known is left out");
	lm_buf_reset(&b);
	lm_usage_json(NULL, 1, &b);
	T_OK(b.len == 0, "usage JSON: none");
	lm_buf_free(&b);
	u = (struct lm_usage){ "rusage", 1.5, 0.5, 2, 4096, 1234567, 2 };
	lm_usage_line(&u, 4, line, sizeof line);
	T_STREQ(line, "2.000 s CPU (user 1.500 s, system 0.500 s), mean 0.5 cores of 2; read 4.1 kB, "
		"written 1.23 MB (rusage)", "usage line");
	lm_usage_line(&u, 4, line, 20);
	T_OK(strlen(line) == 19, "usage line: cut to the buffer");
}

int main(void)
{
	t_file = "test_acct";
	if (access(DATA "root-v2", R_OK) < 0 && chdir("../..") < 0)
		return 1;
	fold_table();
	cap_table();
	fixtures();
	usage();
	return T_DONE();
}
