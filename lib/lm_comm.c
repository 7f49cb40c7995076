/* lm_comm: /proc/PID/comm (lm_comm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "lm_comm.h"

size_t lm_comm(const char *root, long pid, char *out, size_t cap)
{
	char path[4200];
	ssize_t n = 0;
	int fd, k;

	if (!cap)
		return 0;
	out[0] = 0;
	if (!root || (root[0] == '/' && !root[1]))
		root = "";
	if (pid > 0)
		k = snprintf(path, sizeof path, "%s/proc/%ld/comm", root, pid);
	else
		k = snprintf(path, sizeof path, "%s/proc/self/comm", root);
	if (k < 0 || (size_t)k >= sizeof path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = read(fd, out, cap - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n < 0)
		n = 0;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == 0 || out[n - 1] == ' '))
		n--;
	out[n] = 0;
	return (size_t)n;
}
