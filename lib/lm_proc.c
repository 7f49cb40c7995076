/* lm_proc: procfs and cgroup readers against a root directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_num.h"
#include "lm_proc.h"

#define PATH_MAX_ 4096

/* root + rel into p; -1 ENAMETOOLONG */
static int mkpath(char *p, const char *root, const char *fmt, const char *a, long n)
{
	char rel[PATH_MAX_];
	int k;

	if (!root || !strcmp(root, "/"))
		root = "";
	k = snprintf(rel, sizeof rel, fmt, a ? a : "", n);
	if (k < 0 || (size_t)k >= sizeof rel ||
	    (size_t)snprintf(p, PATH_MAX_, "%s%s", root, rel) >= PATH_MAX_) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Whole small file into buf (cap bytes, NUL-terminated); length or -1. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < cap - 1 && (r = read(fd, buf + len, cap - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* The decimal number after "key" (then spaces or ':') on a line of buf. */
static int field(const char *buf, const char *key, double *v)
{
	size_t kn = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, kn) && (p[kn] == ' ' || p[kn] == ':' || p[kn] == '\t')) {
			const char *s = p + kn, *e;
			while (*s == ' ' || *s == ':' || *s == '\t')
				s++;
			for (e = s; *e >= '0' && *e <= '9'; e++)
				;
			return lm_parse_double(s, (size_t)(e - s), v);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static void gauge(struct lm_samples *out, const char *name, double v)
{
	lm_samples_add(out, name, LM_GAUGE, v);
}

int lm_proc_meminfo(const char *root, struct lm_samples *out)
{
	char path[PATH_MAX_], buf[8192];
	double tot, fre, avail, st, sf;

	if (mkpath(path, root, "/proc/meminfo", NULL, 0) < 0 || slurp(path, buf, sizeof buf) < 0)
		return -1;
	if (field(buf, "MemTotal", &tot) < 0 || field(buf, "MemFree", &fre) < 0) {
		errno = EINVAL;
		return -1;
	}
	gauge(out, "host_memory_total_bytes", tot * 1024);
	gauge(out, "host_memory_free_bytes", fre * 1024);
	if (field(buf, "MemAvailable", &avail) == 0) {
		gauge(out, "host_memory_available_bytes", avail * 1024);
		gauge(out, "host_memory_used_bytes", (tot - avail) * 1024);
	}
	if (field(buf, "SwapTotal", &st) == 0 && field(buf, "SwapFree", &sf) == 0) {
		gauge(out, "host_swap_total_bytes", st * 1024);
		gauge(out, "host_swap_used_bytes", (st - sf) * 1024);
	}
	return 0;
}

int lm_proc_loadavg(const char *root, struct lm_samples *out)
{
	static const char *mins[] = { "1", "5", "15" };
	char path[PATH_MAX_], buf[256], *p;
	double v[3];
	int i;

	if (mkpath(path, root, "/proc/loadavg", NULL, 0) < 0 || slurp(path, buf, sizeof buf) < 0)
		return -1;
	p = buf;
	for (i = 0; i < 3; i++) {
		char *e = strchr(p, ' ');
		if (!e || lm_parse_double(p, (size_t)(e - p), &v[i]) < 0) {
			errno = EINVAL;
			return -1;
		}
		p = e + 1;
	}
	for (i = 0; i < 3; i++) {
		struct lm_sample *s = lm_samples_add(out, "host_load_average", LM_GAUGE, v[i]);
		if (s)
			lm_sample_tag(s, "minutes", mins[i], strlen(mins[i]));
	}
	return 0;
}

int lm_proc_cpu(const char *root, struct lm_samples *out)
{
	/* the columns of a cpu line, in order; guest time is inside user time */
	static const char *const mode[] = {
		"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
	};
	char path[PATH_MAX_], *buf, *line;
	double hz = (double)sysconf(_SC_CLK_TCK);
	size_t n = 0;

	if (mkpath(path, root, "/proc/stat", NULL, 0) < 0 || !(buf = malloc(LM_PROC_FILE)))
		return -1;
	if (slurp(path, buf, LM_PROC_FILE) < 0) {
		free(buf);
		return -1;
	}
	for (line = buf; line && !strncmp(line, "cpu", 3) && n <= LM_PROC_CPU_CORES;
	    line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long long v[8] = { 0 };
		char *p = line + 3, *e;
		long core = -1;
		int k, i;

		if (*p >= '0' && *p <= '9') {
			core = strtol(p, &e, 10);
			p = e;
		}
		if (*p != ' ')
			break;
		for (k = 0; k < 8; k++) {
			while (*p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			v[k] = strtoull(p, &e, 10);
			p = e;
		}
		if (k < 4)
			break;
		for (i = 0; i < k; i++) {
			struct lm_sample *s = lm_samples_add(out, "host_cpu_seconds", LM_COUNTER,
				(double)v[i] / hz);
			if (s && core >= 0)
				lm_sample_tagu(s, "core", (unsigned long long)core);
			else if (s)
				lm_sample_tag(s, "core", "all", 3);
			if (s)
				lm_sample_tag(s, "mode", mode[i], strlen(mode[i]));
		}
		n++;
	}
	free(buf);
	return n ? 0 : (errno = EINVAL, -1);
}

/* Resident pages from /proc/PID/statm (its second field): the rss field of
 * /proc/PID/stat is read from per-CPU counters without summing them on
 * recent kernels and says 0 for a small process; statm sums them. The
 * stat figure when statm cannot be read. */
static unsigned long long resident(const char *root, long pid, unsigned long long stat_rss)
{
	char path[PATH_MAX_], buf[256], *p, *e;
	unsigned long long r;

	if (mkpath(path, root, "/proc/%s%ld/statm", NULL, pid) < 0 || slurp(path, buf, sizeof buf) < 0)
		return stat_rss;
	p = strchr(buf, ' ');
	if (!p)
		return stat_rss;
	r = strtoull(p + 1, &e, 10);
	return e == p + 1 ? stat_rss : r;
}

/* /proc/PID/stat: the state letter, and fields 4 (ppid) to 24 (rss) into
 * v[0..20] (negative ones as 0). 0 ok, -1 errno. */
static int statfields(const char *root, long pid, char *state, unsigned long long *v)
{
	char path[PATH_MAX_], buf[1024], *p, *e;
	int k;

	if (mkpath(path, root, "/proc/%s%ld/stat", NULL, pid) < 0 || slurp(path, buf, sizeof buf) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2]) {
		errno = EINVAL;
		return -1;
	}
	*state = p[2];
	p += 4;   /* ") S " */
	for (k = 0; k < 21; k++) {
		while (*p == ' ')
			p++;
		if (*p == '-') {   /* tty_nr, priority, nice may be negative */
			strtoll(p, &e, 10);
			v[k] = 0;
		} else {
			v[k] = strtoull(p, &e, 10);
		}
		if (e == p) {
			errno = EINVAL;
			return -1;
		}
		p = e;
	}
	return 0;
}

/* /proc/PID/stat fields after the comm: state ppid ... */
static int pstat(const char *root, long pid, long *ppid, struct lm_tree *t)
{
	unsigned long long v[24];
	char state;

	if (statfields(root, pid, &state, v) < 0)
		return -1;
	if (state == 'Z' || state == 'X') {   /* dead, not yet reaped: gone */
		errno = ESRCH;
		return -1;
	}
	if (ppid)
		*ppid = (long)v[0];
	if (t) {
		double hz = (double)sysconf(_SC_CLK_TCK);
		/* utime 14, stime 15, cutime 16, cstime 17, threads 20, rss 24 */
		t->cpu += (double)(v[10] + v[11] + v[12] + v[13]) / hz;
		t->threads += (size_t)v[16];
		t->rss += (double)resident(root, pid, v[20]) * (double)sysconf(_SC_PAGESIZE);
		t->procs++;
	}
	return 0;
}

/* read_bytes and write_bytes of /proc/PID/io; -1 unreadable */
static int iobytes(const char *root, long pid, double *r, double *w)
{
	char path[PATH_MAX_], buf[1024];

	if (mkpath(path, root, "/proc/%s%ld/io", NULL, pid) < 0 || slurp(path, buf, sizeof buf) < 0 ||
	    field(buf, "read_bytes", r) < 0 || field(buf, "write_bytes", w) < 0)
		return -1;
	return 0;
}

static void pio(const char *root, long pid, struct lm_tree *t)
{
	double r, w;

	if (iobytes(root, pid, &r, &w) < 0) {
		t->rbytes = t->wbytes = -1;
		return;
	}
	if (t->rbytes >= 0) {
		t->rbytes += r;
		t->wbytes += w;
	}
}

/* children of pid through task/TID/children; -1 when the kernel has none */
static int kids(const char *root, long pid, long *set, size_t *n)
{
	char path[PATH_MAX_], *buf;
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (mkpath(path, root, "/proc/%s%ld/task", NULL, pid) < 0 || !(buf = malloc(LM_PROC_FILE)))
		return -1;
	if (!(d = opendir(path))) {
		free(buf);
		return -1;
	}
	while ((de = readdir(d))) {
		char *p, *e;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		{
			/* "/proc/PID/task/TID/children" */
			char rel[64];
			snprintf(rel, sizeof rel, "%ld/task/%.20s", pid, de->d_name);
			if (mkpath(path, root, "/proc/%s/children", rel, 0) < 0)
				continue;
		}
		if (slurp(path, buf, LM_PROC_FILE) < 0)
			continue;
		found = 1;
		for (p = buf; *p; p = e) {
			long c = strtol(p, &e, 10);
			if (e == p)
				break;
			if (c > 0 && *n < LM_PROC_TREE)
				set[(*n)++] = c;
		}
	}
	closedir(d);
	free(buf);
	return found ? 0 : -1;
}

/* descendants by a scan of /proc (no children files) */
static void scan(const char *root, long *set, size_t *n)
{
	size_t max = LM_PROC_TREE * 8, np = 0, i, k;
	long *pids = malloc(2 * max * sizeof *pids), *parent = pids + max;
	char path[PATH_MAX_];
	struct dirent *de;
	DIR *d;

	if (!pids || mkpath(path, root, "/proc", NULL, 0) < 0 || !(d = opendir(path))) {
		free(pids);
		return;
	}
	while ((de = readdir(d)) && np < max) {
		char *e;
		long p = strtol(de->d_name, &e, 10);
		if (p <= 0 || *e || pstat(root, p, &parent[np], NULL) < 0)
			continue;
		pids[np++] = p;
	}
	closedir(d);
	for (k = 0; k < *n; k++)   /* set grows as children are found */
		for (i = 0; i < np; i++)
			if (parent[i] == set[k] && *n < LM_PROC_TREE)
				set[(*n)++] = pids[i];
	free(pids);
}

/* A tree's pid set: pid, then its children (through the children files,
 * *children 1; else all its descendants by a scan, *children 0); *n the
 * count. NULL: ENOMEM. */
static long *tree_start(const char *root, long pid, size_t *n, int *children)
{
	long *set = malloc(LM_PROC_TREE * sizeof *set);

	if (!set)
		return NULL;
	set[0] = pid;
	*n = 1;
	*children = 1;
	if (kids(root, pid, set, n) < 0) {
		*children = 0;
		scan(root, set, n);
	}
	return set;
}

int lm_proc_tree(const char *root, long pid, struct lm_tree *t)
{
	long *set;
	size_t n, k;
	int children;

	memset(t, 0, sizeof *t);
	if (pstat(root, pid, NULL, t) < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	pio(root, pid, t);
	if (!(set = tree_start(root, pid, &n, &children)))
		return -1;
	for (k = 1; k < n; k++) {
		if (pstat(root, set[k], NULL, t) < 0)
			continue;   /* gone meanwhile */
		pio(root, set[k], t);
		if (children)
			kids(root, set[k], set, &n);
	}
	free(set);
	return 0;
}

long lm_proc_descendants(const char *root, long pid, long *out, size_t cap)
{
	long *set;
	size_t n, k;
	int children;

	if (!(set = tree_start(root, pid, &n, &children)))
		return -1;
	for (k = 1; children && k < n; k++)
		kids(root, set[k], set, &n);
	n = n - 1 < cap ? n - 1 : cap;
	memcpy(out, set + 1, n * sizeof *out);
	free(set);
	return (long)n;
}

/* One process for lm_proc_list; zombies keep their final figures. */
static int pinfo(const char *root, long pid, struct lm_proc_info *p)
{
	unsigned long long v[24];
	double hz = (double)sysconf(_SC_CLK_TCK);
	char state;

	if (statfields(root, pid, &state, v) < 0)
		return -1;
	if (state == 'X') {
		errno = ESRCH;
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->ppid = (long)v[0];
	p->start = v[18];   /* field 22 */
	p->zombie = state == 'Z';
	/* utime 14, stime 15, cutime 16, cstime 17, threads 20, rss 24 */
	p->own = (double)(v[10] + v[11]) / hz;
	p->reaped = (double)(v[12] + v[13]) / hz;
	if (!p->zombie) {
		p->threads = (size_t)v[16];
		p->rss = (double)resident(root, pid, v[20]) * (double)sysconf(_SC_PAGESIZE);
	}
	if (iobytes(root, pid, &p->rbytes, &p->wbytes) < 0)
		p->rbytes = p->wbytes = -1;
	return 0;
}

long lm_proc_list(const char *root, long pid, struct lm_proc_info *v, size_t cap)
{
	long *set;
	size_t n, m = 1, k;
	int children;

	if (!cap) {
		errno = EINVAL;
		return -1;
	}
	if (pinfo(root, pid, &v[0]) < 0 || v[0].zombie) {
		if (errno == ENOENT || v[0].zombie)
			errno = ESRCH;
		return -1;
	}
	if (!(set = tree_start(root, pid, &n, &children)))
		return -1;
	for (k = 1; k < n && m < cap; k++) {
		if (pinfo(root, set[k], &v[m]) < 0)
			continue;   /* gone meanwhile */
		if (children && !v[m].zombie)
			kids(root, set[k], set, &n);
		m++;
	}
	free(set);
	return (long)m;
}

void lm_proc_tree_samples(const struct lm_tree *t, struct lm_samples *out)
{
	gauge(out, "process_resident_memory_bytes", t->rss);
	gauge(out, "process_threads", (double)t->threads);
	gauge(out, "process_processes", (double)t->procs);
	lm_samples_add(out, "process_cpu_seconds", LM_COUNTER, t->cpu);
	if (t->rbytes >= 0) {
		lm_samples_add(out, "process_read_bytes", LM_COUNTER, t->rbytes);
		lm_samples_add(out, "process_write_bytes", LM_COUNTER, t->wbytes);
	}
}

/* a file holding one number, or "max" (-2); -1 unreadable */
static int one(const char *dir, const char *file, double *v)
{
	char path[PATH_MAX_], buf[128];
	ssize_t n;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path ||
	    (n = slurp(path, buf, sizeof buf)) < 0)
		return -1;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n == 3 && !memcmp(buf, "max", 3))
		return -2;
	return lm_parse_double(buf, (size_t)n, v);
}

/* dir = root + base + cg, else root + base when that is missing (a
 * container sees its own cgroup at the mount's top) */
static int cgdir(char *dir, const char *root, const char *base, const char *cg, size_t cgn)
{
	char rel[PATH_MAX_];

	if ((size_t)snprintf(rel, sizeof rel, "%s%.*s", base, (int)cgn, cg) >= sizeof rel ||
	    mkpath(dir, root, "%s", rel, 0) < 0)
		return -1;
	if (access(dir, F_OK) == 0)
		return 0;
	return mkpath(dir, root, "%s", base, 0);
}

/* Storage bytes a cgroup read and wrote, summed over devices: v2 io.stat
 * ("MAJ:MIN rbytes=N wbytes=N ..."), v1 blkio.throttle.io_service_bytes
 * ("MAJ:MIN Read N", "MAJ:MIN Write N"). Counters; -1 unreadable. */
static int cgio(const char *dir, int v2, struct lm_samples *out)
{
	char path[PATH_MAX_], *buf, *p;
	double r = 0, w = 0, v;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir,
	    v2 ? "io.stat" : "blkio.throttle.io_service_bytes") >= sizeof path ||
	    !(buf = malloc(LM_PROC_FILE)))
		return -1;
	if (slurp(path, buf, LM_PROC_FILE) < 0) {
		free(buf);
		return -1;
	}
	for (p = buf; *p; ) {
		char *end = strchr(p, '\n'), *t;
		if (end)
			*end = 0;
		for (t = strchr(p, ' '); t && p[0] >= '0' && p[0] <= '9'; t = strchr(t, ' ')) {
			const char *k = ++t;
			double *into = NULL;
			size_t n;
			if (v2 && !strncmp(k, "rbytes=", 7))
				into = &r;
			else if (v2 && !strncmp(k, "wbytes=", 7))
				into = &w;
			else if (!v2 && !strncmp(k, "Read ", 5))
				into = &r;
			else if (!v2 && !strncmp(k, "Write ", 6))
				into = &w;
			if (!into)
				continue;
			k += v2 ? 7 : (*k == 'R' ? 5 : 6);
			n = strspn(k, "0123456789");
			if (lm_parse_double(k, n, &v) == 0)
				*into += v;
		}
		p = end ? end + 1 : p + strlen(p);
	}
	free(buf);
	lm_samples_add(out, "cgroup_read_bytes", LM_COUNTER, r);
	lm_samples_add(out, "cgroup_write_bytes", LM_COUNTER, w);
	return 0;
}

int lm_proc_cgroup(const char *root, long pid, struct lm_samples *out)
{
	char path[PATH_MAX_], buf[8192], dir[PATH_MAX_], *line;
	const char *v1mem = NULL, *v1cpu = NULL, *v1io = NULL, *v2 = NULL;
	size_t v1memn = 0, v1cpun = 0, v1ion = 0, v2n = 0;
	char v1cpubase[256] = "";
	double v, w;

	if ((pid > 0 ? mkpath(path, root, "/proc/%s%ld/cgroup", NULL, pid) :
	    mkpath(path, root, "/proc/self/cgroup", NULL, 0)) < 0 || slurp(path, buf, sizeof buf) < 0)
		return -1;
	for (line = buf; line && *line; ) {
		char *nl = strchr(line, '\n'), *c1 = strchr(line, ':'), *c2;
		if (nl)
			*nl = 0;
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2) {
			const char *ctl = c1 + 1, *cg = c2 + 1;
			size_t ctln = (size_t)(c2 - ctl);
			if (!strncmp(line, "0::", 3)) {
				v2 = cg;
				v2n = strlen(cg);
			} else {
				size_t i = 0;
				while (i < ctln) {   /* "cpu,cpuacct", "memory" */
					size_t j = i;
					while (j < ctln && ctl[j] != ',')
						j++;
					if (j - i == 6 && !memcmp(ctl + i, "memory", 6)) {
						v1mem = cg;
						v1memn = strlen(cg);
					}
					if (j - i == 5 && !memcmp(ctl + i, "blkio", 5)) {
						v1io = cg;
						v1ion = strlen(cg);
					}
					if (j - i == 7 && !memcmp(ctl + i, "cpuacct", 7) && ctln < 200) {
						v1cpu = cg;
						v1cpun = strlen(cg);
						snprintf(v1cpubase, sizeof v1cpubase, "/sys/fs/cgroup/%.*s",
							(int)ctln, ctl);
					}
					i = j + 1;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (v1mem || v1cpu) {
		if (v1mem && cgdir(dir, root, "/sys/fs/cgroup/memory", v1mem, v1memn) == 0) {
			if (one(dir, "memory.usage_in_bytes", &v) == 0)
				gauge(out, "cgroup_memory_bytes", v);
			if (one(dir, "memory.max_usage_in_bytes", &v) == 0)
				gauge(out, "cgroup_memory_peak_bytes", v);
			/* "no limit" is a huge page-rounded number in v1 */
			if (one(dir, "memory.limit_in_bytes", &v) == 0 && v < 4611686018427387904.0)
				gauge(out, "cgroup_memory_limit_bytes", v);
		}
		if (v1cpu && cgdir(dir, root, v1cpubase, v1cpu, v1cpun) == 0 &&
		    one(dir, "cpuacct.usage", &v) == 0)
			lm_samples_add(out, "cgroup_cpu_seconds", LM_COUNTER, v * 1e-9);
		if (v1io && cgdir(dir, root, "/sys/fs/cgroup/blkio", v1io, v1ion) == 0)
			cgio(dir, 0, out);
		return 1;
	}
	if (!v2) {
		errno = ENOENT;
		return -1;
	}
	if (cgdir(dir, root, "/sys/fs/cgroup", v2, v2n) < 0)
		return -1;
	if (one(dir, "memory.current", &v) == 0)
		gauge(out, "cgroup_memory_bytes", v);
	if (one(dir, "memory.peak", &v) == 0)
		gauge(out, "cgroup_memory_peak_bytes", v);
	if (one(dir, "memory.max", &v) == 0)
		gauge(out, "cgroup_memory_limit_bytes", v);
	if ((size_t)snprintf(path, sizeof path, "%s/cpu.stat", dir) < sizeof path &&
	    slurp(path, buf, sizeof buf) >= 0 && field(buf, "usage_usec", &w) == 0)
		lm_samples_add(out, "cgroup_cpu_seconds", LM_COUNTER, w * 1e-6);
	cgio(dir, 1, out);
	return 2;
}

ssize_t lm_proc_file(const char *root, const char *rel, char *buf, size_t cap)
{
	char path[PATH_MAX_];

	if (mkpath(path, root, "%s", rel, 0) < 0)
		return -1;
	return slurp(path, buf, cap);
}
