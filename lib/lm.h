/* lm.h: the livemetrics C hook API.
 *
 *	lm *h = lm_open(NULL);                   // app name from $LM_APP
 *	lm_metric *fps = lm_rate(h, "fps");
 *	lm_metric *lat = lm_timer(h, "latency");
 *	for (;;) {
 *		lm_time t0 = lm_timer_start();
 *		work();
 *		lm_timer_stop(lat, t0);
 *		lm_rate_tick(fps);
 *	}
 *	lm_close(h);
 *
 * Updates are aggregated in the process (lock-free atomics, tens of
 * nanoseconds, thread-safe) and a background thread sends them to
 * lmtabled every LM_FLUSH_MS milliseconds (default 200) as a few datagrams
 * on the unix socket $LM_SOCKET (default /metrics/live_metrics.sock).
 * Nothing blocks the caller and nothing fails it: with no daemon a flush
 * costs one failed non-blocking send, counted, and sending resumes by
 * itself when the daemon is back. Every function accepts NULL handles,
 * so the result of a failed lm_open or lm_counter needs no check.
 * After fork(), a child that wants metrics calls lm_open again. */
#ifndef LM_H
#define LM_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lm lm;
typedef struct lm_metric lm_metric;
typedef uint64_t lm_time;   /* monotonic nanoseconds */

struct lm_stats {
	uint64_t flushes;       /* flushes done */
	uint64_t datagrams;     /* datagrams sent */
	uint64_t send_errors;   /* datagrams that could not be sent */
	uint64_t lines_dropped; /* lines lost with them */
};

/* app: the app's name; NULL: $LM_APP, else the container's hostname in a
 * container, else the program's name. Returns NULL only when out of
 * memory. */
lm *lm_open(const char *app);
/* Flush what is pending, stop the sender thread, free everything. */
void lm_close(lm *h);
/* Send what is pending now (waits at most 100 ms for a busy daemon);
 * 0 ok, -1 with errno set when a datagram could not be sent. */
int lm_flush(lm *h);
void lm_get_stats(lm *h, struct lm_stats *st);

/* Metrics by name ([A-Za-z0-9_.-/], 1 to 128 bytes). Asking again for
 * the same name and kind returns the same metric; NULL for a bad name,
 * a name used with another kind, or more than LM_METRICS_MAX metrics. */
#define LM_METRICS_MAX 1024
lm_metric *lm_counter(lm *h, const char *name);
lm_metric *lm_gauge(lm *h, const char *name);
lm_metric *lm_timer(lm *h, const char *name);
lm_metric *lm_rate(lm *h, const char *name);

void lm_counter_inc(lm_metric *m);                 /* +1 */
void lm_counter_add(lm_metric *m, double n);       /* n >= 0 */
void lm_gauge_set(lm_metric *m, double v);
void lm_gauge_add(lm_metric *m, double d);
lm_time lm_timer_start(void);
double lm_timer_stop(lm_metric *m, lm_time start); /* observes and returns seconds */
void lm_timer_observe(lm_metric *m, double seconds);
void lm_rate_tick(lm_metric *m);                   /* one event (a frame) */
void lm_rate_add(lm_metric *m, double n);          /* n events */

/* Knobs the controller sets for this app (lmhook set, docs/design.md).
 * lm_param copies the value of knob name into buf (cap bytes, NUL
 * included) and returns 1; 0 when the knob is unset; -1 with errno set
 * when lmtabled cannot be asked within timeout seconds or the value does
 * not fit (ERANGE). It waits up to timeout: call it outside hot loops.
 * lm_param_num: the value as a number, or dflt when unset, not a number
 * or not to be had. */
int lm_param(lm *h, const char *name, char *buf, size_t cap, double timeout);
double lm_param_num(lm *h, const char *name, double dflt, double timeout);

#ifdef __cplusplus
}
#endif
#endif
