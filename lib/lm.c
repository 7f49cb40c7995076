/* lm: the C hook API. Updates land in per-metric atomics; a sender
 * thread swaps them out every flush interval and sends wire lines. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "lm.h"
#include "lm_num.h"
#include "lm_send.h"
#include "lm_sock.h"
#include "lm_wire.h"

#define FLUSH_MS_DEFAULT 200
#define SEND_WAIT_MS 100        /* a busy daemon gets this long per datagram */
#define STACK_SIZE (128 << 10)  /* the sender thread's stack */
/* Timer buckets (lm_hist.h) held per timer: slot 0 the zero bucket, slot
 * k bucket TB_LO + k - 1; durations past either end count in the end
 * bucket (16 ns and 4.5 h); min and max stay exact. TB_N - 1 is within
 * LM_HIST_SPAN, so one flush fits one line. */
#define TB_LO (-207)
#define TB_N (LM_HIST_SPAN + 1)
#define INF_BITS 0x7ff0000000000000ULL

enum { M_COUNTER = 1, M_GAUGE, M_TIMER, M_RATE };

struct lm_metric {
	_Alignas(64) _Atomic uint64_t ticks;   /* counter_inc, rate_tick */
	_Atomic uint64_t sum;                  /* double bits: adds, timer sum */
	_Atomic uint64_t last;                 /* double bits: gauge value, timer last */
	_Atomic int dirty;                     /* gauge set since the last flush */
	_Atomic uint64_t min, max;             /* double bits (>= 0): timer extremes */
	_Atomic uint64_t *bk;                  /* timer: TB_N bucket counts */
	int kind;
	size_t namelen;
	char name[LM_NAME_MAX + 1];
};

struct lm {
	pthread_mutex_t lock;       /* registration and flushes */
	pthread_mutex_t wlock;      /* the sender's sleep */
	pthread_cond_t wake;
	pthread_t thread;
	int running, stop;
	struct lm_sender sn;
	double flush_s;
	char app[LM_TAGVAL_MAX + 1];
	char pid[24];
	struct lm_metric *m[LM_METRICS_MAX];
	size_t nm;
	uint64_t flushes;
	struct lm_line line;
};

static double d_of(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof d);
	return d;
}

static uint64_t b_of(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof b);
	return b;
}

static void atomic_dadd(_Atomic uint64_t *a, double v)
{
	uint64_t old = atomic_load_explicit(a, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(a, &old, b_of(d_of(old) + v),
		memory_order_relaxed, memory_order_relaxed))
		;
}

/* ---- the hot path ---- */

void lm_counter_inc(lm_metric *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->ticks, 1, memory_order_relaxed);
}

void lm_counter_add(lm_metric *m, double n)
{
	if (m && n > 0 && n < 1e300)
		atomic_dadd(&m->sum, n);
}

void lm_rate_tick(lm_metric *m)
{
	lm_counter_inc(m);
}

void lm_rate_add(lm_metric *m, double n)
{
	lm_counter_add(m, n);
}

void lm_gauge_set(lm_metric *m, double v)
{
	if (!m || v != v || v > 1e300 || v < -1e300)
		return;
	atomic_store_explicit(&m->last, b_of(v), memory_order_relaxed);
	atomic_store_explicit(&m->dirty, 1, memory_order_release);
}

void lm_gauge_add(lm_metric *m, double d)
{
	if (!m || d != d || d > 1e300 || d < -1e300)
		return;
	atomic_dadd(&m->last, d);
	atomic_store_explicit(&m->dirty, 1, memory_order_release);
}

lm_time lm_timer_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lm_timer_observe(lm_metric *m, double s)
{
	uint64_t b = b_of(s), o;
	int i;

	if (!m || !m->bk || !(s >= 0) || s > 1e300)
		return;
	i = lm_hist_index(s);
	i = i <= LM_HIST_IMIN ? 0 : i < TB_LO ? 1 : i >= TB_LO + TB_N - 1 ? TB_N - 1 : i - TB_LO + 1;
	/* non-negative doubles order as their bits do */
	o = atomic_load_explicit(&m->min, memory_order_relaxed);
	while (b < o && !atomic_compare_exchange_weak_explicit(&m->min, &o, b,
		memory_order_relaxed, memory_order_relaxed))
		;
	o = atomic_load_explicit(&m->max, memory_order_relaxed);
	while (b > o && !atomic_compare_exchange_weak_explicit(&m->max, &o, b,
		memory_order_relaxed, memory_order_relaxed))
		;
	atomic_dadd(&m->sum, s);
	atomic_store_explicit(&m->last, b, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->bk[i], 1, memory_order_release);
}

double lm_timer_stop(lm_metric *m, lm_time start)
{
	lm_time now = lm_timer_start();
	double s = now > start ? (double)(now - start) * 1e-9 : 0;

	lm_timer_observe(m, s);
	return s;
}

/* ---- knobs ---- */

int lm_param(lm *h, const char *name, char *buf, size_t cap, double timeout)
{
	struct lm_buf req, ans;
	size_t n;
	int r = -1;

	if (!h || !name || !lm_name_ok(name, strlen(name)) || strchr(h->app, ' ')) {
		errno = EINVAL;
		return -1;
	}
	lm_buf_init(&req, 0);
	lm_buf_init(&ans, 4096);
	lm_buf_adds(&req, "get ");
	lm_buf_adds(&req, h->app);
	lm_buf_addc(&req, ' ');
	lm_buf_adds(&req, name);
	lm_buf_addc(&req, '\n');
	if (req.err) {
		errno = ENOMEM;
	} else if (lm_query(lm_socket_path(NULL), req.p, &ans, timeout) == 0) {
		if (ans.len >= 3 && memcmp(ans.p, "ok ", 3) == 0) {
			n = strcspn(ans.p + 3, "\n");
			if (n < cap) {
				memcpy(buf, ans.p + 3, n);
				buf[n] = 0;
				r = 1;
			} else {
				errno = ERANGE;
			}
		} else if (ans.len >= 5 && memcmp(ans.p, "unset", 5) == 0) {
			r = 0;
		} else {
			errno = EPROTO;
		}
	}
	lm_buf_free(&req);
	lm_buf_free(&ans);
	return r;
}

double lm_param_num(lm *h, const char *name, double dflt, double timeout)
{
	char v[LM_TAGVAL_MAX + 1];
	double d;

	if (lm_param(h, name, v, sizeof v, timeout) == 1 && lm_parse_double(v, strlen(v), &d) == 0)
		return d;
	return dflt;
}

/* ---- registration ---- */

static lm_metric *get(lm *h, const char *name, int kind)
{
	lm_metric *m = NULL;
	size_t n, i;

	if (!h || !name)
		return NULL;
	n = strlen(name);
	if (!lm_name_ok(name, n))
		return NULL;
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->nm; i++)
		if (h->m[i]->namelen == n && memcmp(h->m[i]->name, name, n) == 0) {
			m = h->m[i]->kind == kind ? h->m[i] : NULL;
			goto out;
		}
	if (h->nm == LM_METRICS_MAX)
		goto out;
	m = aligned_alloc(64, (sizeof *m + 63) / 64 * 64);
	if (!m)
		goto out;
	memset(m, 0, sizeof *m);
	if (kind == M_TIMER) {
		if (!(m->bk = calloc(TB_N, sizeof *m->bk))) {
			free(m);
			m = NULL;
			goto out;
		}
		atomic_store(&m->min, INF_BITS);
	}
	m->kind = kind;
	m->namelen = n;
	memcpy(m->name, name, n + 1);
	h->m[h->nm++] = m;
out:
	pthread_mutex_unlock(&h->lock);
	return m;
}

lm_metric *lm_counter(lm *h, const char *name) { return get(h, name, M_COUNTER); }
lm_metric *lm_gauge(lm *h, const char *name) { return get(h, name, M_GAUGE); }
lm_metric *lm_timer(lm *h, const char *name) { return get(h, name, M_TIMER); }
lm_metric *lm_rate(lm *h, const char *name) { return get(h, name, M_RATE); }

/* ---- sending ---- */

/* Queue the line; reserve: bytes of a line that must follow it in the
 * same datagram. */
static int put_line(lm *h, const struct lm_line *l, size_t reserve)
{
	int r = 0;

	if (reserve)
		r = lm_sender_reserve(&h->sn, lm_format_line(NULL, 0, l) + 1 + reserve);
	return lm_sender_line(&h->sn, l) | r;
}

static void line_for(lm *h, const lm_metric *m, int type, double v)
{
	struct lm_line *l = &h->line;

	lm_line_init(l, m->name, type, v);
	l->ntags = 2;
	l->tags[0].k.p = "app";
	l->tags[0].k.n = 3;
	l->tags[0].v.p = h->app;
	l->tags[0].v.n = strlen(h->app);
	l->tags[1].k.p = "pid";
	l->tags[1].k.n = 3;
	l->tags[1].v.p = h->pid;
	l->tags[1].v.n = strlen(h->pid);
}

static int flush_locked(lm *h)
{
	size_t i, j;
	int r = 0, e = 0;

	h->flushes++;
	for (i = 0; i < h->nm; i++) {
		lm_metric *m = h->m[i];
		uint64_t ticks;
		double sum, n;

		switch (m->kind) {
		case M_COUNTER:
		case M_RATE:
			ticks = atomic_exchange_explicit(&m->ticks, 0, memory_order_relaxed);
			sum = d_of(atomic_exchange_explicit(&m->sum, 0, memory_order_relaxed));
			if (ticks == 0 && sum == 0)
				break;
			line_for(h, m, m->kind == M_RATE ? LM_RATE : LM_COUNTER, (double)ticks + sum);
			r |= put_line(h, &h->line, 0);
			break;
		case M_GAUGE:
			if (!atomic_exchange_explicit(&m->dirty, 0, memory_order_acquire))
				break;
			sum = d_of(atomic_load_explicit(&m->last, memory_order_relaxed));
			if (sum < 0) {
				/* StatsD reads "-5|g" as a change: set 0, then add */
				line_for(h, m, LM_GAUGE, 0);
				r |= put_line(h, &h->line, 64 + m->namelen + sizeof h->app);
				line_for(h, m, LM_GAUGE, sum);
				h->line.sign = 1;
			} else {
				line_for(h, m, LM_GAUGE, sum);
			}
			r |= put_line(h, &h->line, 0);
			break;
		case M_TIMER:
			line_for(h, m, LM_TIMER, 0);
			n = 0;
			h->line.nbk = 0;
			for (j = 0; j < TB_N; j++) {
				uint64_t b = atomic_load_explicit(&m->bk[j], memory_order_relaxed);
				if (!b)
					continue;
				b = atomic_exchange_explicit(&m->bk[j], 0, memory_order_acquire);
				h->line.bk[h->line.nbk].idx = j ? TB_LO + (int)j - 1 : LM_HIST_IMIN;
				h->line.bk[h->line.nbk].neg = 0;
				h->line.bk[h->line.nbk].n = (double)b;
				h->line.nbk++;
				n += (double)b;
			}
			if (n == 0)
				break;
			h->line.values[0] = d_of(atomic_exchange_explicit(&m->sum, 0, memory_order_relaxed));
			if (h->line.values[0] < 0)
				h->line.values[0] = 0;
			h->line.has_min = h->line.has_max = 1;
			h->line.min = d_of(atomic_exchange_explicit(&m->min, INF_BITS, memory_order_relaxed));
			h->line.max = d_of(atomic_exchange_explicit(&m->max, 0, memory_order_relaxed));
			/* an observation between the swaps: its extremes travel next time */
			if (!(h->line.min <= h->line.max))
				h->line.has_min = h->line.has_max = 0;
			h->line.has_last = 1;
			h->line.last = d_of(atomic_load_explicit(&m->last, memory_order_relaxed));
			r |= put_line(h, &h->line, 0);
			break;
		}
		if (r && !e)
			e = errno;
	}
	r |= lm_sender_flush(&h->sn);
	if (r && !e)
		e = errno;
	if (r)
		errno = e;
	return r ? -1 : 0;
}

int lm_flush(lm *h)
{
	int r;

	if (!h)
		return 0;
	pthread_mutex_lock(&h->lock);
	r = flush_locked(h);
	pthread_mutex_unlock(&h->lock);
	return r;
}

void lm_get_stats(lm *h, struct lm_stats *st)
{
	if (!h) {
		memset(st, 0, sizeof *st);
		return;
	}
	pthread_mutex_lock(&h->lock);
	st->flushes = h->flushes;
	st->datagrams = h->sn.sent;
	st->send_errors = h->sn.errors;
	st->lines_dropped = h->sn.lines_dropped;
	pthread_mutex_unlock(&h->lock);
}

static void *sender(void *arg)
{
	lm *h = arg;
	struct timespec ts;
	double at;

	pthread_mutex_lock(&h->wlock);
	while (!h->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		at = (double)ts.tv_nsec * 1e-9 + h->flush_s;
		ts.tv_sec += (time_t)at;
		ts.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
		pthread_cond_timedwait(&h->wake, &h->wlock, &ts);
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->wlock);
		lm_flush(h);
		pthread_mutex_lock(&h->wlock);
	}
	pthread_mutex_unlock(&h->wlock);
	return NULL;
}

lm *lm_open(const char *app)
{
	pthread_attr_t at;
	const char *e;
	double ms;
	lm *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->wlock, NULL);
	pthread_cond_init(&h->wake, NULL);
	lm_app_name(h->app, app, 0);
	lm_fmt_u64(h->pid, (uint64_t)getpid());
	/* a path too long or no socket: every flush fails and is counted */
	lm_sender_open(&h->sn, lm_socket_path(NULL), SEND_WAIT_MS);
	e = getenv("LM_FLUSH_MS");
	h->flush_s = FLUSH_MS_DEFAULT / 1000.0;
	if (e && lm_parse_range(e, 1, 60000, &ms) == 0)
		h->flush_s = ms / 1000;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, STACK_SIZE);
	h->running = pthread_create(&h->thread, &at, sender, h) == 0;
	pthread_attr_destroy(&at);
	return h;
}

void lm_close(lm *h)
{
	size_t i;

	if (!h)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->wlock);
		h->stop = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->wlock);
		pthread_join(h->thread, NULL);
	}
	lm_flush(h);
	lm_sender_close(&h->sn);
	for (i = 0; i < h->nm; i++) {
		free(h->m[i]->bk);
		free(h->m[i]);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->wlock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
