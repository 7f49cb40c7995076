/* lm_usage: the app's whole-run CPU and I/O, as text and JSON. */
#include <math.h>
#include <stdio.h>
#include "lm_num.h"
#include "lm_usage.h"

static void key(struct lm_buf *o, const char *k, double v, int *first)
{
	if (!isfinite(v))
		return;
	lm_buf_adds(o, *first ? "\"" : ", \"");
	lm_buf_adds(o, k);
	lm_buf_adds(o, "\": ");
	lm_buf_addnum(o, v);
	*first = 0;
}

void lm_usage_json(const struct lm_usage *u, double duration, struct lm_buf *o)
{
	int first = 0;

	if (!u)
		return;
	lm_buf_adds(o, ",\n  \"usage\": {\"source\": \"");
	lm_buf_adds(o, u->source ? u->source : "");
	lm_buf_addc(o, '"');
	key(o, "cpu_seconds", u->cpu, &first);
	if (u->user >= 0 && u->system >= 0) {
		key(o, "cpu_user_seconds", u->user, &first);
		key(o, "cpu_system_seconds", u->system, &first);
	}
	if (duration > 0)
		key(o, "cpu_cores_mean", u->cpu / duration, &first);
	if (u->cores > 0)
		key(o, "cores", u->cores, &first);
	if (u->rbytes >= 0 && u->wbytes >= 0) {
		key(o, "read_bytes", u->rbytes, &first);
		key(o, "write_bytes", u->wbytes, &first);
	}
	lm_buf_addc(o, '}');
}

/* bytes with an SI prefix, 3 significant digits */
static void bytes(char *b, size_t cap, double v)
{
	static const char *const pre[] = { "", "k", "M", "G", "T", "P" };
	size_t i = 0;

	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	snprintf(b, cap, i ? "%.3g %sB" : "%.0f B", v, pre[i]);
}

void lm_usage_line(const struct lm_usage *u, double duration, char *buf, size_t cap)
{
	char r[32], w[32];
	size_t n;

	if (!cap)
		return;
	n = (size_t)snprintf(buf, cap, "%.3f s CPU", u->cpu);
	if (n < cap && u->user >= 0 && u->system >= 0)
		n += (size_t)snprintf(buf + n, cap - n, " (user %.3f s, system %.3f s)", u->user, u->system);
	if (n < cap && duration > 0)
		n += (size_t)snprintf(buf + n, cap - n, ", mean %.3g cores", u->cpu / duration);
	if (n < cap && u->cores > 0)
		n += (size_t)snprintf(buf + n, cap - n, " of %.0f", u->cores);
	if (n < cap && u->rbytes >= 0 && u->wbytes >= 0) {
		bytes(r, sizeof r, u->rbytes);
		bytes(w, sizeof w, u->wbytes);
		n += (size_t)snprintf(buf + n, cap - n, "; read %s, written %s", r, w);
	}
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " (%s)", u->source ? u->source : "?");
	(void)n;
}
