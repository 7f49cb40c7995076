/* lm_comm: the one reader of /proc/PID/comm, the name the kernel keeps
 * for a process (15 bytes at most). Used for an app's default name (the
 * hook, lmtabled for a sender that names none) and for the GPU processes
 * lmprobe lists. Never blocks on anything but procfs; no allocation. */
#ifndef LM_COMM_H
#define LM_COMM_H
#include <stddef.h>

#define LM_COMM_MAX 64   /* a buffer that holds any comm (and a fixture's) */

/* root + /proc/PID/comm (pid 0: /proc/self/comm; root "" or "/": the
 * live system) into out (cap bytes, NUL-terminated), trailing newlines,
 * NULs and blanks cut. Returns its length; 0 when unreadable or empty. */
size_t lm_comm(const char *root, long pid, char *out, size_t cap);
#endif
