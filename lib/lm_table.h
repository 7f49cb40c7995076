/* lm_table: lmtabled's table of the latest state per app and metric,
 * and the exposition it renders from it (lm_table_expo). Single-threaded;
 * bounded by the caps in lm_table_cfg; never prints. The caller owns the
 * table and every buffer it passes; the table owns its series, their
 * rendered text and the knobs. */
#ifndef LM_TABLE_H
#define LM_TABLE_H
#include <stddef.h>
#include <stdint.h>
#include "lm_buf.h"
#include "lm_wire.h"

#define LM_APPS_DEFAULT 256
#define LM_SERIES_DEFAULT 100000
#define LM_PERAPP_DEFAULT 10000
#define LM_TTL_DEFAULT 300.0
#define LM_WINDOW_DEFAULT 5.0
#define LM_LINGER_DEFAULT 35.0   /* two scrapes at 15 s, and some */
#define LM_APP_PIDS 256          /* live processes tracked per app */
#define LM_RATE_SLOTS 10         /* the window is cut in this many slots */
#define LM_APP_MAX 128           /* bytes in an app name (= LM_TAGVAL_MAX) */
#define LM_KNOBS_MAX 1024        /* knobs held at once */
#define LM_REQ_MAX 512           /* bytes in a query request line */
#define LM_EXPO_REQ_MAX 524288   /* ... in an expo request (lmexport's bounds) */
#define LM_COMPLAIN_EVERY 10.0   /* seconds between complaints about names */

/* Why a line or datagram was refused: the parser's reasons (enum lm_werr)
 * first, then the table's. */
enum lm_reject {
	LM_RJ_STATE = LM_WE_NERR, /* a dump-only field (r:) sent as an update */
	LM_RJ_CONFLICT,     /* the series exists with another type, or its
	                     * exposition names are another family's */
	LM_RJ_APPS,         /* the cap on apps is reached */
	LM_RJ_SERIES,       /* a cap on series is reached */
	LM_RJ_RESERVED,     /* a name of Prometheus' or ours: up, scrape_*, ALERTS*, lm_* */
	LM_RJ_NREASONS
};
const char *lm_reject_name(int r);

struct lm_table_cfg {
	size_t max_apps;      /* apps held at once */
	size_t max_series;    /* series held at once, all apps */
	size_t max_per_app;   /* series one app may hold */
	double ttl;           /* seconds of silence before an app without a live
	                       * process goes down; 0 never */
	double window;        /* seconds over which rates are computed */
	/* name an app that sent no app tag, from its pid; may be NULL */
	size_t (*app_of_pid)(long pid, char *out, size_t cap);
	/* told of table changes when non-NULL (-v): a one-line message */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
	int note_updates;     /* also tell every accepted line (-vv) */
	double linger;        /* seconds an app that went down is still served
	                       * (lm_app_up 0) before it is dropped */
	int split_pid;        /* key and label series by the sender's pid too */
	/* told, whatever -v, of lines refused for a reserved or clashing
	 * name (an app's mistake that nothing else shows), at most once per
	 * LM_COMPLAIN_EVERY seconds with a count of the others; may be NULL */
	void (*complain)(void *ctx, const char *msg);
};

/* What the kernel vouches for about a datagram's sender. */
struct lm_cred {
	int known;
	long pid;
	long uid;
	const char *app;    /* the app name for lines without one when the
	                     * kernel vouches for nobody (UDP); NULL: "unknown" */
};

struct lm_table_stats {
	uint64_t datagrams;         /* received */
	uint64_t truncated;         /* longer than LM_DGRAM_MAX: dropped whole */
	uint64_t lines;             /* lines seen */
	uint64_t updates;           /* lines applied */
	uint64_t rejected[LM_RJ_NREASONS];
	uint64_t skipped;           /* unknown fields and bare tags passed over */
	uint64_t dropped_ttl;       /* apps dropped after ttl of silence */
	uint64_t dropped_pid;       /* apps dropped because their pid died */
	double last_note;           /* when a rejected line was last told (-v) */
	uint64_t unnoted;           /* rejected lines not told since */
	double last_complaint;      /* when a refused name was last complained of */
	uint64_t uncomplained;      /* refused names not complained of since */
	uint64_t queries;           /* query requests answered (the daemon counts) */
	uint64_t queries_refused;   /* query clients refused or timed out */
	uint64_t hist_clamped;      /* lines with a bucket past a histogram's span */
};

struct lm_table;

struct lm_table *lm_table_new(const struct lm_table_cfg *cfg);
void lm_table_free(struct lm_table *t);
struct lm_table_stats *lm_table_stats(struct lm_table *t);
size_t lm_table_apps(const struct lm_table *t);
size_t lm_table_series(const struct lm_table *t);

/* Apply the lines of one datagram. now: monotonic seconds; wall: unix
 * seconds. Returns the number of lines rejected. */
size_t lm_table_ingest(struct lm_table *t, const char *buf, size_t len,
	const struct lm_cred *cred, double now, double wall);

/* An app is up while a process that sent it pid-tagged lines lives
 * (alive(pid); NULL: no pid check, they live for ever), or, with none, for
 * ttl seconds after its last update. Then it is down (lm_app_up 0) and
 * still served for linger seconds, unless it sends again; then dropped.
 * Returns the apps dropped. */
size_t lm_table_sweep(struct lm_table *t, double now, int (*alive)(long pid));

/* Knob requests (docs/design.md): get, set, unset, knobs. line holds one
 * request without its newline; the answer (one or more lines, each ending
 * in a newline) is appended to out. may_set: the peer may change knobs.
 * Returns 1 when the request changed a knob, 0 when not, -1 when the
 * request is not a knob request (out untouched). */
int lm_table_request(struct lm_table *t, const char *line, size_t n,
	int may_set, double wall, struct lm_buf *out);
/* Undo the last change lm_table_request made (its state could not be saved). */
void lm_table_undo(struct lm_table *t);
/* The knobs in the state file format: "set APP KNOB VALUE" lines. */
int lm_table_knobs(struct lm_table *t, struct lm_buf *out);

/* Append the table dump (docs/design.md) to out. 0 ok, -1 out->err set. */
int lm_table_dump(struct lm_table *t, struct lm_buf *out, double now);

/* Append the table as one JSON document for controllers (docs/lm-json.5,
 * its "version" LM_JSON_VERSION), ending in a newline: apps in order of
 * arrival with their identity, up, last update, series and knobs, then
 * every knob. now: monotonic seconds (rates); wall: unix seconds. 0 ok;
 * -1 with errno set (ENOMEM, EMSGSIZE when out->max was hit). */
#define LM_JSON_VERSION 1
int lm_table_json(struct lm_table *t, struct lm_buf *out, double now, double wall);

/* Append the exposition of the table (lm_expo.h: flags LM_EXPO_OM or
 * LM_EXPO_PB; lmexport's own gauges always) to out: families by name,
 * series by labels, rendered once per change and kept (lm_table_expo.c).
 * opt: bound sets (NULL: the defaults); okey names them: the texts of
 * histograms rendered with another okey are made again. 0 ok; -1 with
 * errno set (ENOMEM, EMSGSIZE when out->max was hit). */
struct lm_expo_opt;
int lm_table_expo(struct lm_table *t, struct lm_buf *out, int flags,
	const struct lm_expo_opt *opt, const char *okey, double now);
#endif
