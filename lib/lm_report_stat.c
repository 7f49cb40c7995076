/* lm_report_stat: per-metric samples and statistics (lm_report.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lm_fam.h"
#include "lm_json.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_report_int.h"
#include "lm_usage.h"

const char *const lm_stat_name[LM_ST_N] = {
	"count", "min", "mean", "p50", "p90", "p95", "p99", "max", "last", "total"
};

/* ---- metrics */

void lm_metric_init(struct lm_metric *m, const char *source, const char *id, int type)
{
	memset(m, 0, sizeof *m);
	m->source = strdup(lmr_nz(source));
	m->id = strdup(lmr_nz(id));
	m->type = type;
	m->every = 1;
}

void lm_metric_free(struct lm_metric *m)
{
	free(m->source);
	free(m->id);
	free(m->t);
	free(m->v);
	free(m->v50);
	free(m->vmax);
	lm_hist_free(&m->obs);
	m->source = m->id = NULL;
	m->t = m->v = m->v50 = m->vmax = NULL;
	m->n = m->cap = 0;
}

static int keep_grow(struct lm_metric *m)
{
	size_t nc = m->cap ? m->cap * 2 : 64;
	double *p;

	if (nc > LM_KEEP_MAX)
		nc = LM_KEEP_MAX;
	if (!(p = realloc(m->t, nc * sizeof *p)))
		return -1;
	m->t = p;
	if (!(p = realloc(m->v, nc * sizeof *p)))
		return -1;
	m->v = p;
	if (lmr_is_obs(m->type)) {
		if (!(p = realloc(m->v50, nc * sizeof *p)))
			return -1;
		m->v50 = p;
		if (!(p = realloc(m->vmax, nc * sizeof *p)))
			return -1;
		m->vmax = p;
	}
	m->cap = nc;
	return 0;
}

/* drop every other kept sample; from now on keep one in `every` */
static void keep_thin(struct lm_metric *m)
{
	size_t i, k;

	for (i = k = 0; i < m->n; i += 2, k++) {
		m->t[k] = m->t[i];
		m->v[k] = m->v[i];
		if (m->v50) {
			m->v50[k] = m->v50[i];
			m->vmax[k] = m->vmax[i];
		}
	}
	m->n = k;
	m->every = m->every ? m->every * 2 : 2;
}

static int metric_add(struct lm_metric *m, double t, double v, double p50, double max);

int lm_metric_add(struct lm_metric *m, double t, double v)
{
	return metric_add(m, t, v, v, v);
}

int lm_metric_add_obs(struct lm_metric *m, double t, double mean, double p50, double max)
{
	if (!isfinite(p50) || !isfinite(max)) {
		errno = EINVAL;
		return -1;
	}
	return metric_add(m, t, mean, p50, max);
}

static int metric_add(struct lm_metric *m, double t, double v, double p50, double max)
{
	if (!isfinite(t) || !isfinite(v)) {
		errno = EINVAL;
		return -1;
	}
	if (m->count == 0 || v < m->min)
		m->min = v;
	if (m->count == 0 || v > m->max)
		m->max = v;
	m->count++;
	m->sum += v;
	m->last = v;
	if (++m->pending < m->every)
		return 0;
	m->pending = 0;
	if (m->n >= LM_KEEP_MAX)
		keep_thin(m);
	if (m->n >= m->cap && keep_grow(m) < 0) {
		errno = ENOMEM;
		return -1;
	}
	m->t[m->n] = t;
	m->v[m->n] = v;
	if (m->v50) {
		m->v50[m->n] = p50;
		m->vmax[m->n] = max;
	}
	m->n++;
	return 0;
}

static void put(struct lm_metric *m, int i, double v)
{
	m->has[i] = isfinite(v);
	m->st[i] = m->has[i] ? v : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const double qs[] = { 0.5, 0.9, 0.95, 0.99 };
static const int qst[] = { LM_ST_P50, LM_ST_P90, LM_ST_P95, LM_ST_P99 };

/* nearest rank over the kept samples */
static void rank_quantiles(struct lm_metric *m)
{
	double *s;
	size_t i, r;

	if (!m->n || !(s = malloc(m->n * sizeof *s)))
		return;
	memcpy(s, m->v, m->n * sizeof *s);
	qsort(s, m->n, sizeof *s, cmp_double);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		r = (size_t)ceil(qs[i] * (double)m->n - 1e-9);
		put(m, qst[i], s[(r ? r : 1) - 1]);
	}
	free(s);
}

void lm_metric_stats(struct lm_metric *m)
{
	const struct lm_hist *o = &m->obs;
	size_t i;

	memset(m->st, 0, sizeof m->st);
	memset(m->has, 0, sizeof m->has);
	put(m, LM_ST_COUNT, (double)m->count);
	if (m->count) {
		put(m, LM_ST_MIN, m->min);
		put(m, LM_ST_MAX, m->max);
		put(m, LM_ST_MEAN, m->sum / (double)m->count);
		put(m, LM_ST_LAST, m->last);
		rank_quantiles(m);
	}
	if (lmr_is_count(m->type))
		put(m, LM_ST_TOTAL, m->total);
	if (!lmr_is_obs(m->type) || !(o->count > 0))
		return;
	put(m, LM_ST_COUNT, o->count);
	put(m, LM_ST_MEAN, o->sum / o->count);
	put(m, LM_ST_MIN, o->min);
	put(m, LM_ST_MAX, o->max);
	put(m, LM_ST_LAST, m->obs_last < o->min ? o->min : m->obs_last > o->max ? o->max : m->obs_last);
	put(m, LM_ST_TOTAL, o->sum);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++)
		put(m, qst[i], lm_hist_quantile(o, qs[i]));
	/* a mean outside the extremes is rounding: keep the invariant */
	if (m->st[LM_ST_MEAN] < o->min)
		m->st[LM_ST_MEAN] = o->min;
	if (m->st[LM_ST_MEAN] > o->max)
		m->st[LM_ST_MEAN] = o->max;
}

const char *lm_metric_unit(const struct lm_metric *m)
{
	const char *id = lmr_nz(m->id), *b = strchr(id, '{');

	if (lmr_is_count(m->type))
		return "per_second";
	return lm_fam_unit(id, b ? (size_t)(b - id) : strlen(id), m->type);
}

