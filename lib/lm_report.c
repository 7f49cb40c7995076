/* lm_report: the results folder: every file, each written whole. */
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

/* ---- the folder */

int lm_report_write(const struct lm_run *r, const char *dir, char *err, size_t errcap)
{
	static int (*const fn[])(const struct lm_run *, struct lm_buf *) = {
		lm_report_json, lm_report_text, lm_report_junit, lm_report_html
	};
	struct lm_buf b;
	char path[4096], d[4096];
	size_t i;
	int e = 0;

	lmr_clean(d, sizeof d, dir);
	for (i = 0; lmr_our_files[i]; i++) {
		lm_buf_init(&b, LM_REPORT_MAX);
		if (fn[i](r, &b) < 0)
			e = b.err ? b.err : ENOMEM;
		else if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, lmr_our_files[i]) >= sizeof path)
			e = ENAMETOOLONG;
		else if (lm_buf_save(&b, path) < 0)
			e = errno;
		lm_buf_free(&b);
		if (e) {
			snprintf(err, errcap, "unable to write %s/%s: %s", d, lmr_our_files[i], strerror(e));
			return -1;
		}
	}
	return 0;
}

