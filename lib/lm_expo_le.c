/* lm_expo_le: classic histogram bounds: the defaults and the parsers of
 * lmexport's -B, -D and -b (see lm_expo.h). */
#include <math.h>
#include <string.h>
#include "lm_expo.h"
#include "lm_num.h"
#include "lm_wire.h"

/* classic histogram bounds of timers (seconds) and of h and d; +Inf follows */
const struct lm_expo_le lm_expo_timer_le = { "", 0, 14, {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10 } };
const struct lm_expo_le lm_expo_hist_le = { "", 0, 10, {
	0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000, 1000000 } };

/* The bounds of s: "LE,LE,..." */
int lm_expo_le_parse(const char *s, struct lm_expo_le *set, const char **why)
{
	const char *p = s, *c;
	double v;

	set->n = 0;
	if (!*s) {
		*why = "no bounds";
		return -1;
	}
	for (;;) {
		c = strchr(p, ',');
		if (!c)
			c = p + strlen(p);
		if (set->n == LM_EXPO_LE_MAX) {
			*why = "too many bounds (at most 64)";
			return -1;
		}
		if (c == p || lm_parse_double(p, (size_t)(c - p), &v) < 0 || !isfinite(v)) {
			*why = "a bound is not a finite number";
			return -1;
		}
		if (!(v > 0)) {
			*why = "a bound is not above 0";
			return -1;
		}
		if (set->n && !(v > set->le[set->n - 1])) {
			*why = "bounds do not increase";
			return -1;
		}
		set->le[set->n++] = v;
		if (!*c)
			return 0;
		p = c + 1;
	}
}

int lm_expo_le_named(const char *s, struct lm_expo_le *set, const char **why)
{
	const char *eq = strchr(s, '=');
	size_t n;

	if (!eq) {
		*why = "no '=' after the name";
		return -1;
	}
	n = (size_t)(eq - s);
	if (n == 0 || n > LM_NAME_MAX || !lm_name_ok(s, n)) {
		*why = "not a metric name";
		return -1;
	}
	memcpy(set->name, s, n);
	set->name[n] = '\0';
	set->nlen = n;
	return lm_expo_le_parse(eq + 1, set, why);
}

void lm_expo_le_format(struct lm_buf *b, const struct lm_expo_le *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (i)
			lm_buf_addc(b, ',');
		lm_buf_addnum(b, set->le[i]);
	}
}
