/* lm_proc: procfs and cgroup readers. Each takes a root directory ("" or
 * "/" for the live system) under which proc/ and sys/fs/cgroup/ are read,
 * so tests can point it at a fixture tree. Samples: host_* (the machine),
 * process_* (one process tree), cgroup_* (its cgroup); see docs/lmprobe.1.
 * Counters (LM_COUNTER) carry cumulative values. */
#ifndef LM_PROC_H
#define LM_PROC_H
#include <stddef.h>
#include <sys/types.h>
#include "lm_send.h"

#define LM_PROC_CPU_CORES 48   /* cores with series of their own (8 each) */
#define LM_PROC_TREE 4096      /* processes summed in one tree */
#define LM_PROC_FILE 65536     /* bytes read from one proc file, at most */

/* /proc/meminfo: host_memory_{total,available,used,free}_bytes,
 * host_swap_{total,used}_bytes. 0 ok, -1 errno. */
int lm_proc_meminfo(const char *root, struct lm_samples *out);
/* /proc/loadavg: host_load_average{minutes}. 0 ok, -1 errno. */
int lm_proc_loadavg(const char *root, struct lm_samples *out);

/* /proc/stat: counter host_cpu_seconds{core,mode} (core N or "all"; mode
 * user, nice, system, idle, iowait, irq, softirq, steal: node_exporter's
 * node_cpu_seconds_total), per core for the first LM_PROC_CPU_CORES
 * cores only. 0 ok, -1 errno (EINVAL: no cpu line). */
int lm_proc_cpu(const char *root, struct lm_samples *out);

struct lm_tree {
	size_t procs, threads;
	double rss;                /* bytes */
	double cpu;                /* seconds, children reaped included */
	double rbytes, wbytes;     /* storage I/O; -1 when /proc/PID/io is unreadable */
};
/* Sum over pid and its descendants (found through task/TID/children,
 * else a scan of /proc). 0 ok, -1 errno (ESRCH: pid is gone). */
int lm_proc_tree(const char *root, long pid, struct lm_tree *t);
/* process_{resident_memory_bytes,threads,processes}, counters
 * process_cpu_seconds, process_{read,write}_bytes. */
void lm_proc_tree_samples(const struct lm_tree *t, struct lm_samples *out);

/* One process of a tree as lm_proc_list sees it. */
struct lm_proc_info {
	long pid, ppid;
	unsigned long long start;  /* start time (stat field 22): a reused pid differs */
	int zombie;                /* exited, not yet reaped: its final figures */
	double own;                /* CPU seconds, user + system, of its own threads */
	double reaped;             /* CPU seconds of the children it has reaped */
	double rbytes, wbytes;     /* /proc/PID/io, its reaped children's included;
	                            * -1 unreadable */
	double rss;                /* bytes; 0 for a zombie */
	size_t threads;            /* 0 for a zombie */
};
/* pid, then its descendants (zombies included: not yet reaped, their time
 * is in nobody else's figures), at most cap. Returns how many, -1 errno
 * (ESRCH: pid is gone or a zombie). */
long lm_proc_list(const char *root, long pid, struct lm_proc_info *v, size_t cap);

/* pid's descendants (not pid), breadth first, at most cap (and
 * LM_PROC_TREE): through task/TID/children, else a scan of /proc. Returns
 * how many, -1 errno. */
long lm_proc_descendants(const char *root, long pid, long *out, size_t cap);

/* The cgroup of pid (0: the caller), v2 or v1: cgroup_memory_bytes,
 * cgroup_memory_peak_bytes, cgroup_memory_limit_bytes, counters
 * cgroup_cpu_seconds, cgroup_{read,write}_bytes (storage I/O the block
 * layer saw, summed over devices: v2 io.stat, v1 blkio). The cgroup keeps
 * what its exited processes used: the counters never fall. Returns the
 * cgroup version (1, 2), -1 errno. */
int lm_proc_cgroup(const char *root, long pid, struct lm_samples *out);

/* The file root + rel (rel starts with '/') into buf, at most cap - 1
 * bytes, NUL-terminated; its length (cap - 1: maybe more), or -1 errno. */
ssize_t lm_proc_file(const char *root, const char *rel, char *buf, size_t cap);
#endif
