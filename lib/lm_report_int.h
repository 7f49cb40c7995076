/* lm_report_int: what the parts of lm_report share (lm_report_*.c);
 * not for other callers. Writers append to an lm_buf and leave errors in
 * its err (lmr_finish turns it into errno). */
#ifndef LM_REPORT_INT_H
#define LM_REPORT_INT_H
#include <stddef.h>
#include "lm_buf.h"
#include "lm_report.h"

#define FORMAT "lmsession-summary/1"

/* escaping modes of lmr_esc: JSON string body, XML/HTML text, attribute,
 * plain text (one line, nothing a terminal acts on) */
enum { E_JSON, E_XML, E_ATTR, E_TEXT };

/* a fixed line: appends cut at cap, never past it */
struct lmr_line {
	char *p;
	size_t cap, len;
};

/* columns of the statistics table (summary.txt, report.html) */
enum { C_SRC, C_ID, C_UNIT, C_COUNT, C_MIN, C_MEAN, C_P50, C_P90, C_P95, C_P99, C_MAX, C_DELTA, C_N };
extern const char *const lmr_col_head[C_N];
struct lmr_cell {
	const char *s;
	char b[48];
};

/* metric groups in reading order: the app's own, its resources
 * (process, GPU, cgroup), the board */
enum { G_APP, G_RES, G_BOARD, G_N };

const char *lmr_nz(const char *s);
int lmr_is_timer(int type);
int lmr_is_obs(int type);
int lmr_is_count(int type);
int lmr_cp_unsafe(unsigned c);
void lmr_clean(char *d, size_t cap, const char *s);
void lmr_lput(struct lmr_line *l, const char *s);
void lmr_lputf(struct lmr_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lmr_addf(struct lm_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lmr_esc(struct lm_buf *o, const char *s, int mode);
size_t lmr_twidth(const char *s);
void lmr_pad(struct lm_buf *o, size_t n);
int lmr_finish(struct lm_buf *o);
void lmr_num_pair(char *a, char *b, double x, double y);
/* floor(log10(a)) for a finite a > 0 (-330 to 310), 10 to it in *p
 * (when p): without libm's pow and log10, which a static binary pays for */
int lmr_decade(double a, double *p);
void lmr_sig(char *b, size_t cap, double v);
void lmr_human(char *b, size_t cap, double v, const char *unit);
const char *lmr_secs(char *b, size_t cap, double v);
int lmr_delta(double cur, double base, double *d);
void lmr_delta_text(char *b, size_t cap, double d);
const char *lmr_type_name(int type);
const char *lmr_end_name(int end);
void lmr_end_human(char *b, size_t cap, const struct lm_run *r);
int lmr_app_ok(const struct lm_run *r);
int lmr_is_board(const struct lm_metric *m);
int lmr_group(const struct lm_metric *m);
size_t *lmr_order(const struct lm_run *r, struct lm_buf *o);
void lmr_iso_time(char *b, size_t cap, double t, const char *z);
void lmr_command(struct lm_buf *o, const struct lm_run *r, int mode);
void lmr_row_cells(const struct lm_run *r, const struct lm_metric *m, struct lmr_cell *c);
void lmr_jstr(struct lm_buf *o, const char *s);
void lmr_xattr(struct lm_buf *o, const char *name, const char *v);
/* fn(ctx, NAME) for every file of the results folder: r->files (but
 * ours), then the ones lm_report_write writes, plot CSVs last */
void lmr_files(const struct lm_run *r, void (*fn)(void *ctx, const char *f), void *ctx);
/* the same for the plot CSVs alone, in reading order */
void lmr_plots(const struct lm_run *r, void (*fn)(void *ctx, const char *f), void *ctx);
#define LM_PLOT_NAME_MAX 160   /* bytes in a plot CSV's name */
/* "plot/NAME.csv" for metric i of r (lm_report_trend.c); -1: no samples,
 * no file */
int lmr_plot_name(const struct lm_run *r, size_t i, char *b, size_t cap);
#endif
