/* lm_nvmap: the nvmap debugfs client tables. */
#include <string.h>
#include "lm_num.h"
#include "lm_nvmap.h"

const char *const lm_nvmap_paths[] = {
	"/sys/kernel/debug/nvmap/iovmm/clients",
	"/sys/kernel/debug/nvmap/iovmm/maps",
	NULL
};

static int space(char c)
{
	return c == ' ' || c == '\t';
}

int lm_nvmap_line(const char *s, size_t n, long *pid, double *bytes, char *comm)
{
	size_t b = 0, e = n, t, k, mult = 1024;
	uint64_t u, p;

	if (n && s[n - 1] == '\r')
		e--;
	if (e == 0 || space(s[0]))
		return 0;   /* empty, or an allocation under its client */
	while (e > b && space(s[e - 1]))
		e--;
	/* the first word: the client's name, "CLIENT" (header), "total" */
	for (t = 0; t < e && !space(s[t]); t++)
		;
	if ((t == 6 && !memcmp(s, "CLIENT", 6)) || (t == 5 && !memcmp(s, "total", 5)))
		return 0;
	/* the size from the right: digits and a unit */
	if (e == 0)
		return -1;
	switch (s[e - 1]) {
	case 'K': mult = 1024; break;
	case 'M': mult = 1048576; break;
	case 'G': mult = 1073741824; break;
	case 'B': mult = 1; break;
	default: return -1;
	}
	for (k = e - 1; k > t && s[k - 1] >= '0' && s[k - 1] <= '9'; k--)
		;
	if (k == e - 1 || k <= t || !space(s[k - 1]) ||
	    lm_parse_u64(s + k, e - 1 - k, UINT64_MAX / 1073741824, &u) < 0)
		return -1;
	e = k;
	while (e > t && space(s[e - 1]))
		e--;
	/* the pid */
	for (k = e; k > t && s[k - 1] >= '0' && s[k - 1] <= '9'; k--)
		;
	if (k == e || !space(s[k - 1]) || lm_parse_u64(s + k, e - k, 4194304, &p) < 0)
		return -1;
	e = k;
	while (e > t && space(s[e - 1]))
		e--;
	/* what is left between the client and the pid: the process */
	while (t < e && space(s[t]))
		t++;
	if (t == e)
		return -1;
	if (p == 0)
		return 0;   /* a kernel client */
	if (e - t > 15)
		return -1;   /* a comm holds 15 bytes */
	for (k = t; k < e; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return -1;
	memcpy(comm, s + t, e - t);
	comm[e - t] = 0;
	*pid = (long)p;
	*bytes = (double)u * (double)mult;
	return 1;
}

size_t lm_nvmap_parse(const char *text, struct lm_gpuprocs *g, int gpu, size_t *bad)
{
	const char *p = text;
	size_t rows = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char comm[16];
		double bytes;
		long pid;
		int r = lm_nvmap_line(p, n, &pid, &bytes, comm);
		if (r < 0)
			(*bad)++;
		else if (r > 0 && lm_gpuproc_add(g, pid, gpu, bytes, comm) == 0)
			rows++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return rows;
}
