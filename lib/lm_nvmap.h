/* lm_nvmap: GPU memory per process on a Jetson with the nvgpu stack
 * (Xavier, Orin), from the nvmap driver's debugfs tables (root only):
 * /sys/kernel/debug/nvmap/iovmm/clients, else iovmm/maps. Each holds a
 * header, one line per nvmap client
 *   CLIENT  PROCESS  PID  SIZE       e.g. "user  python3  4242  524288K"
 * (maps adds indented lines, one per allocation, under each client) and a
 * last "total SIZEK" line. The process name is a comm and may hold spaces:
 * a line is read from both ends. Kernel clients (pid 0) are no process.
 * Thor has no nvmap: nvidia-smi --query-compute-apps gives the same there. */
#ifndef LM_NVMAP_H
#define LM_NVMAP_H
#include <stddef.h>
#include "lm_gpuproc.h"

#define LM_NVMAP_FILE (1u << 20)   /* bytes of one table read, at most */

/* Where the table is under a root, in the order tried. */
extern const char *const lm_nvmap_paths[];

/* One line (no newline). 1: a client of a process (*pid, *bytes, comm:
 * 16 bytes, NUL-terminated); 0: a line with nothing to take (header,
 * total, an allocation, a kernel client, empty); -1: malformed. */
int lm_nvmap_line(const char *s, size_t n, long *pid, double *bytes, char *comm);
/* A whole table (NUL-terminated) into g's rows on GPU slot gpu, rows of
 * one pid added up. The rows taken; malformed lines counted in *bad. */
size_t lm_nvmap_parse(const char *text, struct lm_gpuprocs *g, int gpu, size_t *bad);
#endif
