/* lm_fam: the families a table series makes in the exposition, by the
 * rules of docs/design.md (Exposition), and the names each family takes
 * there in the text and the OpenMetrics formats. lmtabled checks them at
 * ingest, so that two series never claim one name with two meanings and
 * no app takes a name that belongs to Prometheus or to us. Never prints. */
#ifndef LM_FAM_H
#define LM_FAM_H
#include <stddef.h>
#include "lm_wire.h"

#define LM_FAM_PER_SERIES 2               /* families one series makes */
#define LM_FAM_NAMES 5                    /* names one family takes */
#define LM_FAMNAME_MAX (LM_NAME_MAX + 24) /* bytes of one, NUL included */

enum lm_famtype { LM_FT_COUNTER = 1, LM_FT_GAUGE, LM_FT_HISTOGRAM };

struct lm_fam {
	char name[LM_FAMNAME_MAX];       /* the family's name in text format */
	int type;                        /* enum lm_famtype */
	size_t nnames;
	char names[LM_FAM_NAMES][LM_FAMNAME_MAX];  /* every name it takes */
};

/* The families of a series named name[0..n) (already sanitised) of wire
 * type `type`, into out; returns how many. */
size_t lm_fam_of(const char *name, size_t n, int type, struct lm_fam out[LM_FAM_PER_SERIES]);
/* The base unit of a series named name[0..n) of wire type `type`, as
 * its name says it (names are in base units): "seconds" for timers (t,
 * ms), else the suffix among _seconds _bytes _celsius _watts _hertz
 * _ratio; "" when none. */
const char *lm_fam_unit(const char *name, size_t n, int type);
/* 1 when s belongs to Prometheus or to livemetrics: up, scrape_*, ALERTS*,
 * lm_*. */
int lm_fam_reserved(const char *s);
#endif
