/* lm_nvsmi: nvidia-smi CSV rows, matched by position. */
#include <math.h>
#include <string.h>
#include "lm_num.h"
#include "lm_nvsmi.h"
#include "lm_wire.h"

enum {
	F_OTHER, F_UUID, F_INDEX, F_PID, F_UTIL, F_MUTIL, F_MUSED, F_MTOTAL,
	F_MFREE, F_POWER, F_PLIMIT, F_TEMP, F_MTEMP, F_CSM, F_CMEM, F_CGR, F_FAN,
	F_APPMEM, F_NAME, F_PNAME
};

/* field, id, metric, factor to base units (0.01: a percentage, divided
 * by 100 so that 41 % reads 0.41 exactly) */
static const struct field {
	const char *q;
	int id;
	const char *metric;
	double k;
} fields[] = {
	{ "uuid", F_UUID, NULL, 0 },
	{ "gpu_uuid", F_UUID, NULL, 0 },
	{ "index", F_INDEX, NULL, 0 },
	{ "pid", F_PID, NULL, 0 },
	{ "utilization.gpu", F_UTIL, "gpu_load_ratio", 0.01 },
	{ "utilization.memory", F_MUTIL, "gpu_memory_load_ratio", 0.01 },
	{ "memory.used", F_MUSED, "gpu_memory_used_bytes", 1048576.0 },
	{ "memory.total", F_MTOTAL, "gpu_memory_total_bytes", 1048576.0 },
	{ "memory.free", F_MFREE, "gpu_memory_free_bytes", 1048576.0 },
	{ "power.draw", F_POWER, "gpu_power_watts", 1 },
	{ "power.limit", F_PLIMIT, "gpu_power_limit_watts", 1 },
	{ "temperature.gpu", F_TEMP, "gpu_temperature_celsius", 1 },
	{ "temperature.memory", F_MTEMP, "gpu_memory_temperature_celsius", 1 },
	{ "clocks.sm", F_CSM, "gpu_sm_frequency_hertz", 1e6 },
	{ "clocks.current.sm", F_CSM, "gpu_sm_frequency_hertz", 1e6 },
	{ "clocks.mem", F_CMEM, "gpu_memory_frequency_hertz", 1e6 },
	{ "clocks.current.memory", F_CMEM, "gpu_memory_frequency_hertz", 1e6 },
	{ "clocks.gr", F_CGR, "gpu_graphics_frequency_hertz", 1e6 },
	{ "clocks.current.graphics", F_CGR, "gpu_graphics_frequency_hertz", 1e6 },
	{ "fan.speed", F_FAN, "gpu_fan_speed_ratio", 0.01 },
	{ "used_memory", F_APPMEM, "gpu_process_memory_bytes", 1048576.0 },
	{ "used_gpu_memory", F_APPMEM, "gpu_process_memory_bytes", 1048576.0 },
	{ "name", F_NAME, NULL, 0 },
	{ "gpu_name", F_NAME, NULL, 0 },
	{ "process_name", F_PNAME, NULL, 0 },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

int lm_nvsmi_query(struct lm_nvsmi *q, const char *list)
{
	const char *p = list;

	q->n = 0;
	q->rest = 0;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p), i;
		if (n == 0 || q->n == LM_NVSMI_FIELDS)
			return -1;
		q->f[q->n] = F_OTHER;
		for (i = 0; i < NFIELDS; i++)
			if (strlen(fields[i].q) == n && !memcmp(fields[i].q, p, n))
				q->f[q->n] = (int)i + 1;   /* index into fields, 1-based */
		q->n++;
		if (!c) {
			q->rest = q->f[q->n - 1] && fields[q->f[q->n - 1] - 1].id == F_PNAME;
			return 0;
		}
		p = c + 1;
	}
}

struct col { const char *p; size_t n; };

/* Split on ',' and trim spaces; -1 unless exactly q->n columns. */
static int split(const struct lm_nvsmi *q, const char *s, size_t n, struct col *c)
{
	size_t i = 0, k = 0;

	if (n && s[n - 1] == '\r')
		n--;
	for (;;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		if (k == q->n)
			return -1;
		if (q->rest && k == q->n - 1)
			j = n;
		c[k].p = s + i;
		c[k].n = j - i;
		while (c[k].n && (c[k].p[0] == ' ' || c[k].p[0] == '\t'))
			c[k].p++, c[k].n--;
		while (c[k].n && (c[k].p[c[k].n - 1] == ' ' || c[k].p[c[k].n - 1] == '\t'))
			c[k].n--;
		k++;
		if (j == n)
			break;
		i = j + 1;
	}
	return k == q->n ? 0 : -1;
}

static int is(struct col c, const char *s)
{
	return c.n == strlen(s) && !memcmp(c.p, s, c.n);
}

/* 1 a value, 0 missing ([N/A], [Not Supported]), -1 junk. A unit left
 * by a query without nounits (" %", " MiB", " W", " MHz") is accepted. */
static int value(struct col c, double *v)
{
	static const char *units[] = { " %", " MiB", " W", " MHz" };
	size_t i;

	if (is(c, "[N/A]") || is(c, "[Not Supported]") || is(c, "N/A"))
		return 0;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t u = strlen(units[i]);
		if (c.n > u && !memcmp(c.p + c.n - u, units[i], u)) {
			c.n -= u;
			break;
		}
	}
	if (!c.n || lm_parse_double(c.p, c.n, v) < 0)
		return -1;
	return 1;
}

static int uuid_ok(struct col c)
{
	size_t i;

	if (c.n < 5 || c.n > LM_SAMPLE_TAGVAL || (memcmp(c.p, "GPU-", 4) && memcmp(c.p, "MIG-", 4)))
		return 0;
	for (i = 4; i < c.n; i++) {
		char x = c.p[i];
		if (!((x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F') ||
		    x == '-' || x == '/'))
			return 0;
	}
	return 1;
}

static int digits_ok(struct col c)
{
	uint64_t u;

	return c.n && c.n < 20 && lm_parse_u64(c.p, c.n, UINT64_MAX, &u) == 0;
}

/* Check the row and find its keys; -1 when not a row. */
static int row(const struct lm_nvsmi *q, const char *s, size_t n, struct col *c,
	int *iu, int *ii, int *ip)
{
	size_t k;
	double v;

	*iu = *ii = *ip = -1;
	if (split(q, s, n, c) < 0)
		return -1;
	for (k = 0; k < q->n; k++) {
		int id = q->f[k] ? fields[q->f[k] - 1].id : F_OTHER;
		if (id == F_UUID) {
			if (!uuid_ok(c[k]))
				return -1;
			*iu = (int)k;
		} else if (id == F_INDEX || id == F_PID) {
			if (!digits_ok(c[k]))
				return -1;
			*(id == F_INDEX ? ii : ip) = (int)k;
		} else if (id == F_NAME || id == F_PNAME) {
			size_t i;
			for (i = 0; i < c[k].n; i++)
				if ((unsigned char)c[k].p[i] < 0x20 || c[k].p[i] == 0x7f)
					return -1;
		} else if (id != F_OTHER) {
			int r = value(c[k], &v);
			/* junk, or out of range once in base units */
			if (r < 0 || (r == 1 && !isfinite(v * fields[q->f[k] - 1].k)))
				return -1;
		}
	}
	return *iu >= 0 || *ii >= 0 || *ip >= 0 ? 0 : -1;
}

size_t lm_nvsmi_key(const struct lm_nvsmi *q, const char *s, size_t n, const char **key)
{
	struct col c[LM_NVSMI_FIELDS];
	int iu, ii, ip;

	if (row(q, s, n, c, &iu, &ii, &ip) < 0 || ip >= 0)
		return 0;
	*key = c[iu >= 0 ? iu : ii].p;
	return c[iu >= 0 ? iu : ii].n;
}

static struct lm_sample *tagged(struct lm_samples *out, const char *name, double v,
	struct col *c, int iu, int ii, int ip)
{
	struct lm_sample *s = lm_samples_add(out, name, LM_GAUGE, v);

	if (!s)
		return NULL;
	if ((iu >= 0 && lm_sample_tag(s, "gpu", c[iu].p, c[iu].n) < 0) ||
	    (ii >= 0 && lm_sample_tag(s, iu >= 0 ? "index" : "gpu", c[ii].p, c[ii].n) < 0) ||
	    (ip >= 0 && lm_sample_tag(s, "process", c[ip].p, c[ip].n) < 0)) {
		lm_samples_drop(out);
		return NULL;
	}
	return s;
}

int lm_nvsmi_gpu(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_samples *out)
{
	struct col c[LM_NVSMI_FIELDS];
	int iu, ii, ip;
	size_t k;
	double v;

	if (row(q, s, n, c, &iu, &ii, &ip) < 0 || ip >= 0)
		return -1;
	for (k = 0; k < q->n; k++) {
		const struct field *f = q->f[k] ? &fields[q->f[k] - 1] : NULL;
		if (!f || !f->metric || f->id == F_APPMEM || value(c[k], &v) != 1)
			continue;
		tagged(out, f->metric, f->k == 0.01 ? v / 100 : v * f->k, c, iu, ii, -1);
	}
	return 0;
}

/* c into dst (LM_NVSMI_TEXT + 1 bytes); -1 when longer */
static int text(char *dst, struct col c)
{
	if (c.n > LM_NVSMI_TEXT)
		return -1;
	memcpy(dst, c.p, c.n);
	dst[c.n] = 0;
	return 0;
}

int lm_nvsmi_row(const struct lm_nvsmi *q, const char *s, size_t n, struct lm_nvsmi_row *r)
{
	struct col c[LM_NVSMI_FIELDS];
	int iu, ii, ip;
	size_t k;
	double v;
	uint64_t u;

	r->uuid[0] = r->index[0] = r->name[0] = 0;
	r->pid = -1;
	r->mem = NAN;
	if (row(q, s, n, c, &iu, &ii, &ip) < 0 ||
	    (iu >= 0 && text(r->uuid, c[iu]) < 0) || (ii >= 0 && text(r->index, c[ii]) < 0))
		return -1;
	if (ip >= 0) {
		if (lm_parse_u64(c[ip].p, c[ip].n, 4194304, &u) < 0 || u == 0)
			return -1;
		r->pid = (long)u;
	}
	for (k = 0; k < q->n; k++) {
		const struct field *f = q->f[k] ? &fields[q->f[k] - 1] : NULL;
		struct col t = c[k];
		if (!f)
			continue;
		if (f->id == F_APPMEM && value(c[k], &v) == 1)
			r->mem = v * f->k;
		if (f->id == F_NAME && !is(t, "[N/A]") && text(r->name, t) < 0)
			return -1;
		if (f->id == F_PNAME && !is(t, "[N/A]")) {
			size_t i;
			for (i = t.n; i > 0; i--)
				if (t.p[i - 1] == '/')
					break;
			t.p += i;
			t.n -= i;
			if (t.n > 15)
				t.n = 15;
			text(r->name, t);
		}
	}
	return 0;
}
