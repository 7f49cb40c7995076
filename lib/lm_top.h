/* lm_top: the view behind `lmhook top` (lmhook(1)). It is fed the table
 * dumps lmhook reads one after the other (parsed with the one parser,
 * lm_wire) and keeps, per app and series, what the next dump is compared
 * with; from each pair it makes one row per app and metric: the rate over
 * the interval, the last value, the median and 95th percentile of the
 * interval's observations (timers and histograms: the difference of their
 * buckets, lm_hist_diff), and the app's resident and GPU memory where
 * lmprobe feeds them. lm_top_render writes a frame as plain text lines cut
 * to a width. Pure: no I/O, never prints, never exits; single-threaded.
 * The caller owns the state (lm_top_new, lm_top_free) and the buffers. */
#ifndef LM_TOP_H
#define LM_TOP_H
#include <stddef.h>
#include "lm_buf.h"

#define LM_TOP_SERIES_MAX 100000  /* series held (lmtabled's default cap) */
#define LM_TOP_RSS "process_resident_memory_bytes"  /* lmprobe -p, tree */
#define LM_TOP_GPU "gpu_memory_bytes"               /* lmprobe -p, all GPUs */

enum lm_top_sort {
	LM_TOP_BY_NAME = 0,   /* app, then metric, then kind */
	LM_TOP_BY_RATE,       /* highest rate first, then by name */
	LM_TOP_BY_LAST        /* highest last value first, then by name */
};

struct lm_top_row {
	const char *app;      /* the app tag; valid until the next lm_top_feed */
	const char *metric;   /* lm_line_id: NAME or NAME{k=v,...} */
	int kind;             /* lm_type_kind */
	double rate;          /* counter, rate: increase per second; timer,
	                       * histogram: observations per second */
	double last;          /* counter, rate: total; gauge: value; timer,
	                       * histogram: last observation */
	double p50, p95;      /* of the interval's observations */
	double rss, gpu;      /* the app's memory, bytes */
	/* each NaN where there is none (a first dump has no interval) */
};

struct lm_top;

struct lm_top *lm_top_new(void);
void lm_top_free(struct lm_top *t);

/* Feed the text of one table dump, read at monotonic time now (seconds).
 * Lines that do not parse, comments, lines without an app tag and
 * livemetrics' own series (lm_*) make no row; lmprobe's LM_TOP_RSS and
 * LM_TOP_GPU without other tags become their app's rss and gpu, not rows.
 * Series gone from the dump are forgotten. Returns the number of rows, or
 * -1 with errno ENOMEM (the rest of the dump left out) or E2BIG (more
 * than LM_TOP_SERIES_MAX series: the others left out); the rows made
 * stand either way. */
long lm_top_feed(struct lm_top *t, const char *dump, size_t len, double now);

/* The rows of the last feed, sorted by sort; *rows valid until the next
 * lm_top_feed or lm_top_free. Returns their number. */
size_t lm_top_rows(struct lm_top *t, int sort, const struct lm_top_row **rows);
/* Apps in the last feed. */
size_t lm_top_apps(const struct lm_top *t);

/* Append a frame to out: a column header and up to maxrows rows (0: all;
 * when rows are left out, a last line says how many), each line ending
 * in a newline and at most width columns (a column: a UTF-8 character),
 * names cut with '~' and columns left out, right to left, from GPU, RSS,
 * P95, P50, LAST, to fit; width 0: no limit. Bytes of the data that a
 * terminal would take for control codes never get here: names and tag
 * values hold none (lm-wire(5)). 0 ok, -1 (out->err set). */
int lm_top_render(struct lm_top *t, struct lm_buf *out, int sort, size_t width,
	size_t maxrows);

/* A number for a column, in at most 8 columns: 3 significant digits and
 * an SI prefix (k, M, G, T; m, u, n for seconds), unit 's' seconds, 'B'
 * bytes (powers of 1024: K, M, G, T), 0 none; "-" for NaN. Into out
 * (16 bytes); returns the length. */
size_t lm_top_num(char *out, double v, int unit);
#endif
