/* lm_gpuproc: GPU memory per process; the app's share of it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "lm_comm.h"
#include "lm_gpuproc.h"
#include "lm_num.h"
#include "lm_proc.h"

void lm_gpuproc_reset(struct lm_gpuprocs *g)
{
	g->n = 0;
	g->dropped = 0;
}

int lm_gpuproc_find(const struct lm_gpuprocs *g, const char *uuid)
{
	size_t i;

	for (i = 0; i < g->ngpus; i++)
		if (!strcmp(g->gpus[i].uuid, uuid))
			return (int)i;
	return -1;
}

int lm_gpuproc_gpu(struct lm_gpuprocs *g, const char *uuid, const char *index, const char *model)
{
	size_t i;

	if (strlen(uuid) > LM_GPUPROC_TEXT || strlen(index) > LM_GPUPROC_TEXT ||
	    strlen(model) > LM_GPUPROC_TEXT || (!*uuid && !*index)) {
		g->dropped++;
		return -1;
	}
	for (i = 0; i < g->ngpus; i++)
		if (*uuid ? !strcmp(g->gpus[i].uuid, uuid) : !strcmp(g->gpus[i].index, index))
			break;
	if (i == g->ngpus) {
		if (g->ngpus == LM_GPUPROC_GPUS) {
			g->dropped++;
			return -1;
		}
		g->ngpus++;
	}
	strcpy(g->gpus[i].uuid, uuid);
	strcpy(g->gpus[i].index, index);
	strcpy(g->gpus[i].model, model);
	return (int)i;
}

int lm_gpuproc_add(struct lm_gpuprocs *g, long pid, int gpu, double bytes, const char *comm)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->r[i].pid == pid && g->r[i].gpu == gpu) {
			g->r[i].bytes += bytes;
			return 0;
		}
	if (g->n == LM_GPUPROC_ROWS) {
		g->dropped++;
		return -1;
	}
	g->r[i].pid = pid;
	g->r[i].gpu = gpu;
	g->r[i].bytes = bytes;
	snprintf(g->r[i].comm, sizeof g->r[i].comm, "%s", comm ? comm : "");
	g->n++;
	return 0;
}

/* ---- processes */

long lm_gpuproc_ppid(const char *buf)
{
	const char *p;
	uint64_t u;
	size_t n;

	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || !p[2] || p[3] != ' ') {
		errno = EINVAL;
		return -1;
	}
	p += 4;
	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
		;
	if (lm_parse_u64(p, n, 4194304, &u) < 0) {
		errno = EINVAL;
		return -1;
	}
	return (long)u;
}

/* The parent of pid from /proc/PID/stat; -1 errno. */
static long parent(const char *root, long pid)
{
	char rel[64], buf[1024];

	snprintf(rel, sizeof rel, "/proc/%ld/stat", pid);
	if (lm_proc_file(root, rel, buf, sizeof buf) < 0)
		return -1;
	return lm_gpuproc_ppid(buf);
}

int lm_gpuproc_cgroup(const char *buf, char *dst, size_t cap)
{
	const char *line, *v1 = NULL;
	size_t v1n = 0;

	for (line = buf; line && *line; ) {
		const char *nl = strchr(line, '\n'), *c1 = strchr(line, ':'), *c2;
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		c2 = c1 && c1 < line + n ? memchr(c1 + 1, ':', (size_t)(line + n - c1 - 1)) : NULL;
		if (c2) {
			size_t pn = (size_t)(line + n - c2 - 1);
			if (!strncmp(line, "0::", 3)) {
				if (pn >= cap)
					return -1;
				memcpy(dst, c2 + 1, pn);
				dst[pn] = 0;
				return 0;
			}
			if (c2 - c1 - 1 >= 6 && memmem(c1 + 1, (size_t)(c2 - c1 - 1), "memory", 6)) {
				v1 = c2 + 1;
				v1n = pn;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!v1 || v1n >= cap) {
		errno = ENOENT;
		return -1;
	}
	memcpy(dst, v1, v1n);
	dst[v1n] = 0;
	return 0;
}

/* The cgroup of pid under root into dst. */
static int cgroup_of(const char *root, long pid, char *dst, size_t cap)
{
	char rel[64], buf[8192];

	snprintf(rel, sizeof rel, "/proc/%ld/cgroup", pid);
	if (lm_proc_file(root, rel, buf, sizeof buf) < 0)
		return -1;
	return lm_gpuproc_cgroup(buf, dst, cap);
}

int lm_gpuproc_container(const char *path, size_t n)
{
	static const char *const marks[] = {
		"docker", "containerd", "crio-", "libpod-", "kubepods", NULL
	};
	size_t i, m;

	for (i = 0; marks[i]; i++)
		if ((m = strlen(marks[i])) <= n && memmem(path, n, marks[i], m))
			return 1;
	return 0;
}

int lm_gpuapp_init(struct lm_gpuapp *a, const char *root, long pid)
{
	char rel[64], buf[64];

	a->pid = pid;
	a->cgroup[0] = 0;
	snprintf(rel, sizeof rel, "/proc/%ld/stat", pid);
	if (lm_proc_file(root, rel, buf, sizeof buf) < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	if (cgroup_of(root, pid, a->cgroup, sizeof a->cgroup) < 0 ||
	    !lm_gpuproc_container(a->cgroup, strlen(a->cgroup)))
		a->cgroup[0] = 0;
	return 0;
}

int lm_gpuapp_member(const struct lm_gpuapp *a, const char *root, long pid)
{
	char cg[LM_GPUPROC_CGROUP + 1];
	long p = pid;
	int i;

	for (i = 0; i < LM_GPUPROC_DEPTH && p > 1; i++) {
		if (p == a->pid)
			return 1;
		p = parent(root, p);
	}
	if (p == a->pid)
		return 1;
	return a->cgroup[0] && cgroup_of(root, pid, cg, sizeof cg) == 0 && !strcmp(cg, a->cgroup);
}

/* ---- samples */

static struct lm_sample *tag2(struct lm_sample *s, const char *k1, const char *v1,
	const char *k2, const char *v2)
{
	if (s && v1 && lm_sample_tag(s, k1, v1, strlen(v1)) < 0)
		return NULL;
	if (s && v2 && lm_sample_tag(s, k2, v2, strlen(v2)) < 0)
		return NULL;
	return s;
}

static void info(const struct lm_gpuprocs *g, struct lm_samples *out)
{
	size_t i;

	for (i = 0; i < g->ngpus; i++) {
		const struct lm_gpu *d = &g->gpus[i];
		struct lm_sample *s;
		if (!*d->uuid)
			continue;
		s = lm_samples_add(out, "gpu_info", LM_GAUGE, 1);
		if (s && (!tag2(s, "gpu", d->index, "model", *d->model ? d->model : "?") ||
		    !tag2(s, "uuid", d->uuid, NULL, NULL)))
			lm_samples_drop(out);
	}
}

void lm_gpuproc_app_samples(const struct lm_gpuprocs *g, const struct lm_gpuapp *a,
	const char *root, struct lm_samples *out)
{
	double per[LM_GPUPROC_GPUS] = { 0 }, total = 0;
	size_t i;

	for (i = 0; i < g->n; i++) {
		const struct lm_gpuproc_row *r = &g->r[i];
		if (!lm_gpuapp_member(a, root, r->pid))
			continue;
		total += r->bytes;
		if (r->gpu >= 0 && (size_t)r->gpu < g->ngpus)
			per[r->gpu] += r->bytes;
	}
	for (i = 0; i < g->ngpus; i++) {
		const struct lm_gpu *d = &g->gpus[i];
		struct lm_sample *s = lm_samples_add(out, "gpu_memory_bytes", LM_GAUGE, per[i]);
		if (s && !tag2(s, "gpu", d->index, "model", *d->model ? d->model : "?"))
			lm_samples_drop(out);
	}
	lm_samples_add(out, "gpu_memory_bytes", LM_GAUGE, total);
	info(g, out);
}

void lm_gpuproc_board_samples(const struct lm_gpuprocs *g, const char *root,
	struct lm_samples *out)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		const struct lm_gpuproc_row *r = &g->r[i];
		char comm[LM_COMM_MAX];
		struct lm_sample *s;

		if (!lm_comm(root, r->pid, comm, sizeof comm))
			snprintf(comm, sizeof comm, "%s", *r->comm ? r->comm : "?");
		s = lm_samples_add(out, "gpu_process_memory_bytes", LM_GAUGE, r->bytes);
		if (s && (lm_sample_tag(s, "gpu", r->gpu >= 0 ? g->gpus[r->gpu].index : "?",
		    strlen(r->gpu >= 0 ? g->gpus[r->gpu].index : "?")) < 0 ||
		    lm_sample_tagu(s, "process_pid", (unsigned long long)r->pid) < 0 ||
		    lm_sample_tag(s, "comm", comm, strlen(comm)) < 0))
			lm_samples_drop(out);
	}
	info(g, out);
}
