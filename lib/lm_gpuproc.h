/* lm_gpuproc: GPU memory per process, and which of it is the app's.
 * A set holds the GPUs (index, model, uuid) and one row per process and
 * GPU, as nvidia-smi --query-compute-apps or the Jetson nvmap clients give
 * them. From a set come either the app's series (-p PID: its process tree
 * and its container's cgroup, summed per GPU and in total) or the board's
 * per-process series. Processes are looked up under a root directory
 * ("" or "/": the live system), as lm_proc does. Nothing here prints or
 * exits; what does not fit is counted, never cut. */
#ifndef LM_GPUPROC_H
#define LM_GPUPROC_H
#include <stddef.h>
#include "lm_send.h"

#define LM_GPUPROC_GPUS 16     /* GPUs of one set */
#define LM_GPUPROC_ROWS 256    /* process rows of one set */
#define LM_GPUPROC_TEXT 63     /* bytes of a uuid, index or model */
#define LM_GPUPROC_DEPTH 64    /* parents walked up to find the app */
#define LM_GPUPROC_CGROUP 512  /* bytes of a cgroup path */

struct lm_gpu {
	char uuid[LM_GPUPROC_TEXT + 1];   /* "" when the source has none (Jetson) */
	char index[LM_GPUPROC_TEXT + 1];
	char model[LM_GPUPROC_TEXT + 1];
};
struct lm_gpuproc_row {
	long pid;
	int gpu;                   /* into gpus[], -1: a GPU not in the set */
	double bytes;
	char comm[16];             /* from the source, when it names the process */
};
struct lm_gpuprocs {
	size_t ngpus, n;
	size_t dropped;            /* rows or GPUs refused: the set was full */
	struct lm_gpu gpus[LM_GPUPROC_GPUS];
	struct lm_gpuproc_row r[LM_GPUPROC_ROWS];
};

/* Empty the rows; the GPUs stay (they change only when asked). */
void lm_gpuproc_reset(struct lm_gpuprocs *g);
/* Add or update the GPU with this uuid (or index when uuid is ""); the
 * strings must fit LM_GPUPROC_TEXT. Its slot, or -1 (full: counted). */
int lm_gpuproc_gpu(struct lm_gpuprocs *g, const char *uuid, const char *index, const char *model);
/* The slot of the GPU with this uuid, -1 when unknown. */
int lm_gpuproc_find(const struct lm_gpuprocs *g, const char *uuid);
/* One row: bytes used by pid on GPU slot gpu (-1 unknown); comm may be
 * NULL. Rows of the same pid and GPU add up. -1 when full (counted). */
int lm_gpuproc_add(struct lm_gpuprocs *g, long pid, int gpu, double bytes, const char *comm);

/* The app: a pid, and its cgroup when that is a container's. */
struct lm_gpuapp {
	long pid;
	char cgroup[LM_GPUPROC_CGROUP + 1];   /* "" when none or not a container */
};
/* Read pid's cgroup under root. 0 ok, -1 errno (ESRCH: pid is gone). */
int lm_gpuapp_init(struct lm_gpuapp *a, const char *root, long pid);
/* 1 when pid is the app's: the app itself, a descendant (parents walked
 * up through /proc/P/stat), or in the app's container cgroup; else 0. */
int lm_gpuapp_member(const struct lm_gpuapp *a, const char *root, long pid);
/* The parsers under them, for the fuzz target: the ppid of a
 * /proc/PID/stat text (-1 when malformed); the cgroup of a /proc/PID/cgroup
 * text (the v2 "0::" line, else v1's memory line) into dst, cap bytes,
 * 0, or -1 when none or longer than cap - 1. */
long lm_gpuproc_ppid(const char *stat);
int lm_gpuproc_cgroup(const char *text, char *dst, size_t cap);
/* 1 when a cgroup path is a container's (docker, containerd, cri-o,
 * podman/libpod, kubepods): the only cgroups that make processes the app's. */
int lm_gpuproc_container(const char *path, size_t n);

/* The app's series: gpu_memory_bytes{gpu,model} for every GPU of the set
 * (0 when it uses none there), gpu_memory_bytes (all GPUs, no labels),
 * gpu_info{gpu,model,uuid} 1 for each GPU with a uuid. */
void lm_gpuproc_app_samples(const struct lm_gpuprocs *g, const struct lm_gpuapp *a,
	const char *root, struct lm_samples *out);
/* The board's: gpu_process_memory_bytes{gpu,process_pid,comm} per row
 * (comm from root/proc/PID/comm, else the row's, else "?"), gpu_info. */
void lm_gpuproc_board_samples(const struct lm_gpuprocs *g, const char *root,
	struct lm_samples *out);
#endif
