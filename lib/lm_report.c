/* lm_report: the results folder: every file, each written whole with the
 * mode the umask allows (lm_buf_save_mode, 0666), and the list of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lm_report.h"
#include "lm_report_int.h"

/* what lm_report_write writes, in this order, then the plot CSVs */
static const struct {
	const char *name;
	int (*fn)(const struct lm_run *, struct lm_buf *);
} ours[] = {
	{ "summary.json", lm_report_json }, { "summary.txt", lm_report_text },
	{ "junit.xml", lm_report_junit }, { "report.html", lm_report_html },
	{ "report.css", lm_report_css }, { "perfreport.xml", lm_report_perf },
};
#define NOURS (sizeof ours / sizeof ours[0])

static int is_ours(const char *f)
{
	size_t i;

	for (i = 0; i < NOURS; i++)
		if (strcmp(f, ours[i].name) == 0)
			return 1;
	return strncmp(f, "plot/", 5) == 0 || strcmp(f, "plot") == 0;
}

void lmr_files(const struct lm_run *r, void (*fn)(void *ctx, const char *f), void *ctx)
{
	size_t i;

	for (i = 0; r->files && r->files[i]; i++)
		if (!is_ours(r->files[i]))
			fn(ctx, r->files[i]);
	for (i = 0; i < NOURS; i++)
		fn(ctx, ours[i].name);
	lmr_plots(r, fn, ctx);
}

void lmr_plots(const struct lm_run *r, void (*fn)(void *ctx, const char *f), void *ctx)
{
	char b[LM_PLOT_NAME_MAX + 64];
	struct lm_buf e;
	size_t i, *ix;

	lm_buf_init(&e, 0);
	if (!(ix = lmr_order(r, &e)))
		return;
	for (i = 0; i < r->nm; i++)
		if (lmr_plot_name(r, ix[i], b, sizeof b) == 0)
			fn(ctx, b);
	free(ix);
}

/* one file whole: 0, or the errno */
static int save(const char *dir, const char *name, struct lm_buf *b)
{
	char path[4096];

	if (b->err)
		return b->err;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return ENAMETOOLONG;
	return lm_buf_save_mode(b, path, 0666) < 0 ? errno : 0;
}

int lm_report_write(const struct lm_run *r, const char *dir, char *err, size_t errcap)
{
	struct lm_buf b;
	char d[4096], name[LM_PLOT_NAME_MAX + 64], path[4096];
	size_t i;
	int e = 0, rc = 0, plotdir = 0;

	lmr_clean(d, sizeof d, dir);
	for (i = 0; i < NOURS + r->nm && !e; i++) {
		lm_buf_init(&b, LM_REPORT_MAX);
		if (i < NOURS) {
			snprintf(name, sizeof name, "%s", ours[i].name);
			rc = ours[i].fn(r, &b);
		} else if (lmr_plot_name(r, i - NOURS, name, sizeof name) == 0) {
			if (!plotdir++) {
				if ((size_t)snprintf(path, sizeof path, "%s/plot", dir) >= sizeof path)
					e = ENAMETOOLONG;
				else if (mkdir(path, 0777) < 0 && errno != EEXIST)
					e = errno;
			}
			rc = lm_report_plot(&r->m[i - NOURS], &b);
		} else {
			lm_buf_free(&b);
			continue;
		}
		if (!e)
			e = rc < 0 ? (b.err ? b.err : ENOMEM) : save(dir, name, &b);
		lm_buf_free(&b);
	}
	if (e) {
		lmr_clean(path, sizeof path, name);
		snprintf(err, errcap, "unable to write %s/%s: %s", d, path, strerror(e));
		return -1;
	}
	return 0;
}
