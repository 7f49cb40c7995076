/* lm_health: lmtabled's own series (docs/lmtabled.8), one table of rows
 * {name, help, type, where the value is}; the dump and the exposition
 * both list them from here. */
#include <stddef.h>
#include "lm_table.h"
#include "lm_table_int.h"

enum { V_ST, V_TAB, V_CFG, V_REJECTED, V_DROPPED };

static const struct {
	const char *name, *help;
	int type;
	int from;        /* V_*: which struct holds it */
	size_t off;      /* where: a uint64_t in the stats, a size_t in the table or cfg */
} hrows[] = {
	{ "lm_tabled_datagrams_received", "Datagrams lmtabled received.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, datagrams) },
	{ "lm_tabled_datagrams_truncated", "Datagrams dropped whole: longer than the 65536-byte limit.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, truncated) },
	{ "lm_tabled_lines_received", "Wire lines lmtabled read.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, lines) },
	{ "lm_tabled_lines_applied", "Wire lines applied to the table.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, updates) },
	{ "lm_tabled_lines_rejected", "Wire lines rejected, by reason.",
		LM_COUNTER, V_REJECTED, 0 },
	{ "lm_tabled_fields_skipped", "Unknown fields and bare tags passed over.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, skipped) },
	{ "lm_tabled_apps_dropped", "Apps dropped from the table, by reason.",
		LM_COUNTER, V_DROPPED, 0 },
	{ "lm_tabled_queries", "Query requests answered.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, queries) },
	{ "lm_tabled_queries_refused", "Query clients refused (too many, too slow, bad request).",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, queries_refused) },
	{ "lm_tabled_buckets_clamped", "Timer and histogram lines with an observation past the 320-bucket span, counted in the edge bucket.",
		LM_COUNTER, V_ST, offsetof(struct lm_table_stats, hist_clamped) },
	{ "lm_tabled_apps", "Apps held in the table.",
		LM_GAUGE, V_TAB, offsetof(struct lm_table, napps) },
	{ "lm_tabled_series", "Series held in the table.",
		LM_GAUGE, V_TAB, offsetof(struct lm_table, nseries) },
	{ "lm_tabled_apps_limit", "Most apps the table holds (-a).",
		LM_GAUGE, V_CFG, offsetof(struct lm_table_cfg, max_apps) },
	{ "lm_tabled_series_limit", "Most series the table holds (-n).",
		LM_GAUGE, V_CFG, offsetof(struct lm_table_cfg, max_series) },
	{ "lm_tabled_series_per_app_limit", "Most series one app may hold (-p).",
		LM_GAUGE, V_CFG, offsetof(struct lm_table_cfg, max_per_app) },
};

static struct lm_hrow *row(struct lm_hrow *r, size_t i, const char *lk, const char *lv, double v)
{
	r->name = hrows[i].name;
	r->help = hrows[i].help;
	r->type = hrows[i].type;
	r->lk = lk;
	r->lv = lv;
	r->v = v;
	return r + 1;
}

size_t lm_health_rows(const struct lm_table *t, struct lm_hrow *rows)
{
	struct lm_hrow *r = rows;
	const char *base;
	size_t i;
	int why;

	for (i = 0; i < sizeof hrows / sizeof hrows[0]; i++) {
		switch (hrows[i].from) {
		case V_ST:
			r = row(r, i, NULL, NULL, (double)*(const uint64_t *)(const void *)
				((const char *)&t->st + hrows[i].off));
			break;
		case V_TAB:
		case V_CFG:
			base = hrows[i].from == V_TAB ? (const char *)t : (const char *)&t->cfg;
			r = row(r, i, NULL, NULL, (double)*(const size_t *)(const void *)(base + hrows[i].off));
			break;
		case V_REJECTED:
			for (why = LM_WE_EMPTY + 1; why < LM_RJ_NREASONS; why++) {
				r = row(r, i, "reason", lm_reject_name(why), (double)t->st.rejected[why]);
				if (why > LM_WE_EMPTY + 1)
					r[-1].help = NULL;
			}
			break;
		case V_DROPPED:
			r = row(r, i, "reason", "ttl", (double)t->st.dropped_ttl);
			r = row(r, i, "reason", "pid", (double)t->st.dropped_pid);
			r[-1].help = NULL;
			break;
		}
	}
	return (size_t)(r - rows);
}
