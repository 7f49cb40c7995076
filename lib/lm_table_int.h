/* lm_table_int: what the parts of lm_table share: lm_table.c ingests and
 * expires, lm_knob.c keeps the knobs, lm_health.c lists lmtabled's own
 * series, lm_table_expo.c renders the exposition. Internal to the
 * library: not installed, no promises. */
#ifndef LM_TABLE_INT_H
#define LM_TABLE_INT_H
#include <stddef.h>
#include <stdint.h>
#include "lm_buf.h"
#include "lm_hash.h"
#include "lm_hist.h"
#include "lm_table.h"

/* what a series is */
enum { SK_COUNTER = 1, SK_GAUGE, SK_TIMER, SK_HISTO, SK_RATE };

struct xfam;

struct app {
	struct app *next;           /* all apps, in order of arrival */
	struct series *first, *last;
	char *id;                   /* name \0 container \0 uid \0 pid : the key */
	size_t idlen;
	const char *name, *container;
	char pid[24], uid[24];      /* "" when not known; pid: only with split_pid */
	char *lab;                  /* its labels, rendered: app="..",uid=".." */
	size_t lablen;
	long *pids;                 /* live processes that sent pid-tagged lines */
	size_t npids, cappids;
	int bound;                  /* some process did */
	double gone;                /* monotonic time it went down; 0: up */
	size_t nseries;
	double seen;                /* monotonic time of the last update */
	double wall;                /* unix time of the last update */
};

struct series {
	struct series *hnext, **hprev;  /* hash chain */
	struct series *anext;           /* the app's series, in order */
	struct app *app;
	uint64_t hash;
	char *key;                  /* name \0 k:v,k:v (sanitised, sorted) */
	size_t namelen, keylen;
	char *lab;                  /* exposition labels: the app's, then the tags */
	size_t lablen;
	struct xfam *fam[2];        /* the exposition families it is in */
	int kind;
	int dropping;               /* its app is being dropped */
	double v;                   /* counter/rate total, gauge value, timer/histo sum */
	double count, last;
	union {
		struct lm_hist h;       /* timer, histogram: the observations */
		struct {
			double slot[LM_RATE_SLOTS];
			int64_t head;       /* absolute number of the newest slot */
			double first;       /* monotonic time of the first event */
		} r;
	} u;
};

struct knob {
	char app[LM_APP_MAX + 1];
	char name[LM_NAME_MAX + 1];
	char value[LM_TAGVAL_MAX + 1];
	double wall;                /* unix time it was set */
};

/* the exposition formats cached */
enum { XF_TEXT, XF_OM, XF_PB, XF_N };

/* A member of an exposition family: a series, and which of its families
 * this is (0 or 1). */
struct xref {
	struct series *s;
	unsigned slot;
};

/* One family of the exposition: its members in label order (once sorted)
 * and its rendered text per format, valid while no member changed. */
struct xfam {
	struct xfam *hnext;         /* hash chain by name */
	struct xref *mem;
	size_t n, cap;
	int sorted;                 /* mem is in label order */
	int mixed;                  /* members of more than one series name */
	int hot;                    /* changes with time (a rate's _hertz) */
	unsigned char kind;         /* K_COUNTER, K_GAUGE, K_HIST (lm_expo_int.h) */
	unsigned valid;             /* bit f: cache[f] is current */
	unsigned mark;              /* lm_xfam_leave_app's */
	struct lm_buf cache[XF_N];
	size_t len, omlen;          /* the name's length, in text and OpenMetrics */
	char name[];
};

/* A line's series found again without identify and series_key: keyed
 * by the line's raw name, tags and container, its type and its sender;
 * direct-mapped; emptied when an app is dropped, an entry kept a second
 * (the app name of a sender without one comes from its pid). */
#define LM_SCACHE 1024
#define LM_SCACHE_RAW 112
struct scache {
	struct series *s;
	long bound;                 /* the pid it binds (identify) */
	long pid, uid;
	const char *capp;
	int known, type;
	double at;
	size_t n;
	char raw[LM_SCACHE_RAW];
};

struct lm_table {
	struct lm_table_cfg cfg;
	struct knob *knobs;         /* LM_KNOBS_MAX, allocated on first use */
	size_t nknobs;
	struct knob undo;           /* the knob as it was before the last change */
	int undo_kind;              /* 0 none, 1 restore undo, 2 remove undo.app/name */
	struct lm_table_stats st;
	struct app *apps, *apps_last;
	size_t napps, nseries;
	struct series **hash;
	size_t hsize;               /* power of two */
	struct app *cache;          /* the app of the last line */
	/* every name the exposition will hold (lm_fam), with the family that
	 * owns it and how many series make that family */
	struct fname **fhash;
	size_t fhsize, nfnames;
	/* the exposition's families: by name, and in order per format */
	struct xfam **xhash;
	size_t xhsize, nxfam;
	struct xfam **xord[2];      /* text (and protobuf), OpenMetrics */
	int xord_ok;                /* xord holds every family, in order */
	char *xopt;                 /* the bucket options the caches were made with */
	struct scache *sc;          /* LM_SCACHE, allocated on first use */
	unsigned xstamp;
};






/* lm_table_expo.c: a new series joins its families (0, or a reject
 * reason: a series with the same labels is in one of them already); a
 * series leaves; an update makes its families' caches stale. */
int lm_xfam_join(struct lm_table *t, struct series *s);
void lm_xfam_leave(struct lm_table *t, struct series *s);
void lm_xfam_leave_app(struct lm_table *t, struct app *a);
void lm_xfam_free(struct lm_table *t);
static inline void lm_xfam_touch(struct series *s)
{
	if (s->fam[0])
		s->fam[0]->valid = 0;
	if (s->fam[1])
		s->fam[1]->valid = 0;
}

/* lm_health.c: lmtabled's own series, one row per sample, in dump order */
struct lm_hrow {
	const char *name, *help;    /* help: on the first row of a name only */
	int type;                   /* LM_COUNTER or LM_GAUGE */
	const char *lk, *lv;        /* one label, or NULL */
	double v;
};
#define LM_HROWS_MAX 64
size_t lm_health_rows(const struct lm_table *t, struct lm_hrow *rows);

/* lm_table.c: 1 while the app is up; a rate per second now; the next of
 * a series' own tags (*tg starts at key + namelen + 1, "k:v,k:v"; values
 * hold no ','): 1 and *g set, 0 at the end */
int lm_app_is_up(const struct app *a);
int lm_series_tag(const char **tg, struct lm_tag *g);
double lm_rate_now(struct lm_table *t, struct series *s, double now);
#endif
