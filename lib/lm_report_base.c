/* lm_report_base: the baseline, an earlier run's summary.json. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lm_json.h"
#include "lm_num.h"
#include "lm_report.h"
#include "lm_report_int.h"
#include "lm_usage.h"

/* ---- the baseline */

static void base_free_metrics(struct lm_baseline *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->m[i].source);
		free(b->m[i].id);
	}
	free(b->m);
	b->m = NULL;
	b->n = 0;
}

void lm_baseline_free(struct lm_baseline *b)
{
	base_free_metrics(b);
	free(b->dir);
	b->dir = NULL;
}

/* a string member of object o as a new C string (no NUL inside) */
static char *jdup(const struct lm_json *j, uint32_t o, const char *key)
{
	size_t n;
	const char *s = lm_json_str(j, lm_json_get(j, o, key), &n);

	if (!s || memchr(s, 0, n))
		return NULL;
	return strdup(s);
}

static const char *base_metric(struct lm_base_metric *bm, const struct lm_json *j, uint32_t o)
{
	uint32_t st, x;
	int i;

	memset(bm, 0, sizeof *bm);
	if (j->n[o].type != LM_JOBJ)
		return "a metric that is not an object";
	if (!(bm->source = jdup(j, o, "source")) || !(bm->id = jdup(j, o, "id")))
		return "a metric without source or id";
	st = lm_json_get(j, o, "stats");
	if (st && j->n[st].type != LM_JOBJ)
		return "a metric's stats that are not an object";
	for (i = 0; i < LM_ST_N && st; i++) {
		if (!(x = lm_json_get(j, st, lm_stat_name[i])))
			continue;
		if (j->n[x].type != LM_JNUM)
			return "a statistic that is not a number";
		bm->st[i] = j->n[x].num;
		bm->has[i] = 1;
	}
	return NULL;
}

static const char *base_read(struct lm_baseline *b, const struct lm_json *j)
{
	struct lm_base_metric *nm;
	uint32_t ms, c, x;
	const char *f, *why;
	size_t cap = 0;

	if (j->n[1].type != LM_JOBJ || !(f = lm_json_str(j, lm_json_get(j, 1, "format"), NULL)) ||
		strcmp(f, FORMAT) != 0)
		return "not an lmsession summary (no \"format\": \"" FORMAT "\")";
	if ((x = lm_json_get(j, 1, "duration_seconds"))) {
		if (j->n[x].type != LM_JNUM)
			return "duration_seconds is not a number";
		b->duration = j->n[x].num;
	}
	if (!(ms = lm_json_get(j, 1, "metrics")))
		return NULL;
	if (j->n[ms].type != LM_JARR)
		return "metrics is not an array";
	for (c = j->n[ms].child; c; c = j->n[c].next) {
		if (b->n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nm = realloc(b->m, cap * sizeof *nm)))
				return "out of memory";
			b->m = nm;
		}
		why = base_metric(&b->m[b->n], j, c);
		b->n++;
		if (why)
			return why;
	}
	return NULL;
}

int lm_baseline_parse(struct lm_baseline *b, const char *p, size_t n, char *err, size_t errcap)
{
	struct lm_json j;
	char e[128];
	const char *why;

	memset(b, 0, sizeof *b);
	if (lm_json_parse(&j, p, n, e, sizeof e) < 0) {
		snprintf(err, errcap, "not JSON: %s", e);
		return -1;
	}
	why = base_read(b, &j);
	lm_json_free(&j);
	if (!why)
		return 0;
	snprintf(err, errcap, "%s", why);
	base_free_metrics(b);
	return -1;
}

int lm_baseline_load(struct lm_baseline *b, const char *dir, char *err, size_t errcap)
{
	struct lm_buf f;
	char path[4096], e[256], d[4096];
	int rc;

	memset(b, 0, sizeof *b);
	lmr_clean(d, sizeof d, dir);
	if ((size_t)snprintf(path, sizeof path, "%s/summary.json", dir) >= sizeof path) {
		snprintf(err, errcap, "unable to read %.200s/summary.json: %s", d, strerror(ENAMETOOLONG));
		return -1;
	}
	lm_buf_init(&f, LM_BASE_MAX);
	if (lm_buf_load(&f, path) < 0) {
		if (errno == EMSGSIZE)
			snprintf(err, errcap, "%s/summary.json: larger than %u MiB", d, LM_BASE_MAX >> 20);
		else
			snprintf(err, errcap, "unable to read %s/summary.json: %s", d, strerror(errno));
		lm_buf_free(&f);
		return -1;
	}
	rc = lm_baseline_parse(b, f.p ? f.p : "", f.len, e, sizeof e);
	lm_buf_free(&f);
	if (rc < 0) {
		snprintf(err, errcap, "%s/summary.json: %s", d, e);
		return -1;
	}
	if (!(b->dir = strdup(dir))) {
		snprintf(err, errcap, "out of memory");
		lm_baseline_free(b);
		return -1;
	}
	return 0;
}

const struct lm_base_metric *lm_baseline_find(const struct lm_baseline *b,
	const char *source, const char *id)
{
	const struct lm_base_metric *hit = NULL;
	size_t i;

	if (!b || !id)
		return NULL;
	for (i = 0; i < b->n; i++) {
		if (strcmp(lmr_nz(b->m[i].id), id) != 0)
			continue;
		if (source && strcmp(lmr_nz(b->m[i].source), source) == 0)
			return &b->m[i];
		if (!source) {
			if (hit)
				return NULL;
			hit = &b->m[i];
		}
	}
	return hit;
}

