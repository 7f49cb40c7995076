/* lm_table_json: the table as one JSON document, for controllers
 * (docs/lm-json.5): every app with its identity, state, series and
 * knobs, then every knob. Rendered from the table, never from a dump;
 * every string through lm_json_esc, every number through lm_json_put_num
 * (null where it is not finite). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "lm_fam.h"
#include "lm_json.h"
#include "lm_table.h"
#include "lm_table_int.h"

/* ,"KEY": */
static void key(struct lm_buf *o, const char *k)
{
	lm_buf_addc(o, ',');
	lm_buf_addc(o, '"');
	lm_buf_adds(o, k);
	lm_buf_adds(o, "\":");
}

static void num(struct lm_buf *o, const char *k, double v)
{
	key(o, k);
	lm_json_put_num(o, v);
}

/* a string, or null when empty */
static void str(struct lm_buf *o, const char *k, const char *v)
{
	key(o, k);
	if (*v)
		lm_json_put_str(o, v, strlen(v));
	else
		lm_buf_adds(o, "null");
}

/* a decimal we wrote ourselves (pid, uid), or null when not known */
static void id(struct lm_buf *o, const char *k, const char *v)
{
	key(o, k);
	lm_buf_adds(o, *v ? v : "null");
}

/* unix seconds to the millisecond, as the dump has them */
static double ms(double wall)
{
	return floor(wall * 1000) / 1000;
}

static const char *type_name(int kind)
{
	switch (kind) {
	case SK_COUNTER: return "counter";
	case SK_GAUGE: return "gauge";
	case SK_TIMER: return "timer";
	case SK_HISTO: return "histogram";
	case SK_RATE: return "rate";
	}
	return "unknown";
}

static void series(struct lm_table *t, struct lm_buf *o, struct series *s, double now)
{
	static const double q[4] = { 0.5, 0.9, 0.95, 0.99 };
	static const char *const qn[4] = { "p50", "p90", "p95", "p99" };
	const char *tg = s->key + s->namelen + 1, *unit;
	const struct lm_hist *h = &s->u.h;
	struct lm_tag g;
	int first = 1, i;

	lm_buf_adds(o, "{\"name\":");
	lm_json_put_str(o, s->key, s->namelen);
	str(o, "type", type_name(s->kind));
	unit = lm_fam_unit(s->key, s->namelen, s->kind == SK_TIMER ? LM_TIMER : LM_GAUGE);
	str(o, "unit", unit);
	key(o, "tags");
	lm_buf_addc(o, '{');
	while (lm_series_tag(&tg, &g)) {
		if (!first)
			lm_buf_addc(o, ',');
		first = 0;
		lm_json_put_str(o, g.k.p, g.k.n);
		lm_buf_addc(o, ':');
		lm_json_put_str(o, g.v.p, g.v.n);
	}
	lm_buf_addc(o, '}');
	switch (s->kind) {
	case SK_COUNTER:
		num(o, "total", s->v);
		break;
	case SK_GAUGE:
		num(o, "value", s->v);
		break;
	case SK_RATE:
		num(o, "total", s->v);
		num(o, "rate", lm_rate_now(t, s, now));
		break;
	case SK_TIMER:
	case SK_HISTO:
		num(o, "count", h->count);
		num(o, "sum", h->sum);
		num(o, "min", h->count > 0 ? h->min : NAN);
		num(o, "max", h->count > 0 ? h->max : NAN);
		/* the last observation, within the extremes (as the dump) */
		num(o, "last", !(h->count > 0) ? NAN : s->last < h->min ? h->min :
			s->last > h->max ? h->max : s->last);
		for (i = 0; i < 4; i++)
			num(o, qn[i], lm_hist_quantile(h, q[i]));
		break;
	}
	lm_buf_addc(o, '}');
}

/* the knobs set for an app named name: "KNOB":"VALUE",... */
static void app_knobs(const struct lm_table *t, struct lm_buf *o, const char *name)
{
	size_t i;
	int first = 1;

	key(o, "knobs");
	lm_buf_addc(o, '{');
	for (i = 0; i < t->nknobs; i++) {
		const struct knob *k = &t->knobs[i];
		if (strcmp(k->app, name) != 0)
			continue;
		if (!first)
			lm_buf_addc(o, ',');
		first = 0;
		lm_json_put_str(o, k->name, strlen(k->name));
		lm_buf_addc(o, ':');
		lm_json_put_str(o, k->value, strlen(k->value));
	}
	lm_buf_addc(o, '}');
}

int lm_table_json(struct lm_table *t, struct lm_buf *out, double now, double wall)
{
	struct app *a;
	struct series *s;
	size_t i;

	lm_buf_adds(out, "{\"version\":");
	lm_buf_addnum(out, LM_JSON_VERSION);
	num(out, "time", ms(wall));
	num(out, "window", t->cfg.window);
	key(out, "apps");
	lm_buf_adds(out, "[");
	for (a = t->apps; a; a = a->next) {
		lm_buf_adds(out, a == t->apps ? "\n{\"app\":" : ",\n{\"app\":");
		lm_json_put_str(out, a->name, strlen(a->name));
		str(out, "container", a->container);
		id(out, "uid", a->uid);
		id(out, "pid", a->pid);
		key(out, "up");
		lm_buf_adds(out, lm_app_is_up(a) ? "true" : "false");
		num(out, "last_update", ms(a->wall));
		key(out, "metrics");
		lm_buf_addc(out, '[');
		for (s = a->first; s; s = s->anext) {
			lm_buf_adds(out, s == a->first ? "\n " : ",\n ");
			series(t, out, s, now);
		}
		lm_buf_addc(out, ']');
		app_knobs(t, out, a->name);
		lm_buf_addc(out, '}');
	}
	lm_buf_adds(out, "]");
	key(out, "knobs");
	lm_buf_addc(out, '[');
	for (i = 0; i < t->nknobs; i++) {
		const struct knob *k = &t->knobs[i];
		lm_buf_adds(out, i ? ",\n{\"app\":" : "\n{\"app\":");
		lm_json_put_str(out, k->app, strlen(k->app));
		key(out, "name");
		lm_json_put_str(out, k->name, strlen(k->name));
		key(out, "value");
		lm_json_put_str(out, k->value, strlen(k->value));
		num(out, "set_at", ms(k->wall));
		lm_buf_addc(out, '}');
	}
	lm_buf_adds(out, "]}\n");
	if (out->err) {
		errno = out->err;
		return -1;
	}
	return 0;
}
