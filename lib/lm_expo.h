/* lm_expo: the table dump (see docs/design.md) in, the Prometheus text
 * exposition 0.0.4 or OpenMetrics 1.0 text out. Never prints, never exits. */
#ifndef LM_EXPO_H
#define LM_EXPO_H
#include <stddef.h>
#include "lm_buf.h"

#define LM_EXPO_OM 1     /* OpenMetrics 1.0 text instead of Prometheus 0.0.4 */
#define LM_EXPO_SELF 2   /* add lmexport's own gauges (lm_export_*) */

#define LM_EXPO_CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define LM_EXPO_CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"

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
 * st (it may be NULL otherwise). 0 ok; -1 with errno set (ENOMEM, or
 * EMSGSIZE when out->max was hit). */
int lm_expo(struct lm_buf *out, const char *dump, size_t len, int flags,
	struct lm_expo_stats *st);
#endif
