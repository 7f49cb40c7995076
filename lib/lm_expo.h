/* lm_expo: the table dump (see docs/design.md) in, the exposition out:
 * Prometheus text 0.0.4, OpenMetrics 1.0 text, or delimited protobuf
 * MetricFamily messages (native histograms). Never prints, never exits.
 *
 * Timers (t, ms) and histograms (h, d) become Prometheus histograms:
 * classic buckets at the bounds of an lm_expo_le set (the timer or h/d
 * default, or the set named for the metric), derived from the fine
 * log-scale buckets with lm_hist_cum; in protobuf the fine buckets travel
 * too, as a native histogram of schema 3 beside the classic buckets. */
#ifndef LM_EXPO_H
#define LM_EXPO_H
#include <stddef.h>
#include "lm_buf.h"
#include "lm_wire.h"

#define LM_EXPO_OM 1     /* OpenMetrics 1.0 text instead of Prometheus 0.0.4 */
#define LM_EXPO_SELF 2   /* add lmexport's own gauges (lm_export_*) */
#define LM_EXPO_PB 4     /* delimited protobuf MetricFamily (OM is ignored) */

#define LM_EXPO_CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define LM_EXPO_CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define LM_EXPO_CT_PB "application/vnd.google.protobuf; " \
	"proto=io.prometheus.client.MetricFamily; encoding=delimited"

#define LM_EXPO_LE_MAX 64     /* bounds in one set (+Inf comes on top) */
#define LM_EXPO_SETS_MAX 256  /* sets named for metrics */
/* bytes of one bound set as lm_expo_le_format writes it (b=NAME=LE,...) */
#define LM_EXPO_WORD_MAX (LM_NAME_MAX + 4 + LM_EXPO_LE_MAX * 32)

/* Classic histogram bounds: finite, strictly increasing, > 0, at most
 * LM_EXPO_LE_MAX. name (NUL-terminated, nlen bytes) is the metric's wire
 * name (latency, db.query) or its family name (latency_seconds,
 * db_query_seconds); empty for a default set. */
struct lm_expo_le {
	char name[LM_NAME_MAX + 1];
	size_t nlen;
	size_t n;
	double le[LM_EXPO_LE_MAX];
};

/* What lm_expo takes beyond the dump; NULL members (or a NULL opt) give
 * the built-in defaults. */
struct lm_expo_opt {
	const struct lm_expo_le *timer_le;   /* timers without a set of their own */
	const struct lm_expo_le *hist_le;    /* h and d without a set of their own */
	const struct lm_expo_le *sets;       /* named sets, names unique */
	size_t nsets;
};

/* The built-in defaults: timers 0.0005 .. 10 s (14 bounds), h and d the
 * decades 0.001 .. 1e6 (10 bounds). */
extern const struct lm_expo_le lm_expo_timer_le, lm_expo_hist_le;

/* Parse "LE,LE,..." into set->le and set->n. 0 ok; -1 with *why set to
 * what is wrong ("not a number", "not increasing", ...). */
int lm_expo_le_parse(const char *s, struct lm_expo_le *set, const char **why);
/* Append the bounds of set as "LE,LE,..." (numbers that parse back
 * equal), the form lm_expo_le_parse reads. */
void lm_expo_le_format(struct lm_buf *b, const struct lm_expo_le *set);
/* Parse "NAME=LE,LE,...": the name (a valid wire name) and the bounds.
 * 0 ok; -1 with *why set. */
int lm_expo_le_named(const char *s, struct lm_expo_le *set, const char **why);

struct lm_expo_stats {
	size_t series;    /* series written, lm_export_* excluded */
	size_t skipped;   /* series left out: family name or type clash, duplicate */
	size_t invalid;   /* dump lines that did not parse or had bad labels */
	size_t families;  /* families written, lm_export_* excluded */
	size_t bytes;     /* dump bytes read */
};

/* Append the exposition of dump[0..len) to out. Families are sorted by
 * name, series within a family by labels. Lines that do not parse are
 * counted, never copied. With LM_EXPO_SELF the lm_export_* gauges report
 * st (it may be NULL otherwise). opt may be NULL. 0 ok; -1 with errno set
 * (ENOMEM, or EMSGSIZE when out->max was hit). */
int lm_expo(struct lm_buf *out, const char *dump, size_t len, int flags,
	const struct lm_expo_opt *opt, struct lm_expo_stats *st);
#endif
