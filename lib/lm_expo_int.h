/* lm_expo_int: what the parts of lm_expo share: lm_expo.c parses the
 * dump and writes text, lm_expo_pb.c writes protobuf, lm_expo_le.c holds
 * the bounds. Internal to the library: not installed, no promises. */
#ifndef LM_EXPO_INT_H
#define LM_EXPO_INT_H
#include <stddef.h>
#include "lm_buf.h"
#include "lm_expo.h"
#include "lm_hist.h"
#include "lm_num.h"

/* the kind of a family */
enum { K_COUNTER, K_GAUGE, K_HIST };

/* what a series is, for its default HELP text */
enum { R_C, R_G, R_T, R_TLAST, R_H, R_HLAST, R_RHZ, R_RTOTAL };

/* A histogram series: classic cumulative counts at its set's bounds
 * (cum arena), fine buckets (nat arena: negative ones from the largest
 * |x| down, then positive ones from the smallest up), zero bucket. */
struct hrec {
	size_t set;          /* index into the bound sets */
	size_t co;           /* first cumulative count in the cum arena */
	size_t no, nneg, npos;   /* fine buckets in the nat arena */
	double zero, total;
	int whole;           /* every count a whole number below 2^53 */
};

/* One exposed series. */
struct ent {
	const char *fam;     /* family name (arena) */
	const char *lab;     /* labels, escaped, no braces (arena) */
	const char *base;    /* sanitised dump name (arena) */
	size_t famo, labo, baseo;   /* the same as offsets while the arena grows */
	unsigned famlen, lablen, baselen;
	unsigned idx;        /* dump line number, from 1 */
	unsigned char kind, role, skip;
	size_t famid;        /* index into the families, in order of appearance */
	double v;            /* value; histogram: sum */
	size_t hk;           /* histogram: index into the hrecs */
};

struct help { const char *name, *text; size_t nlen, tlen; };

struct fam {
	const char *name;
	size_t len;
	size_t n;            /* entries */
	size_t lo, hi;       /* entries [lo, hi) in sorted order */
	unsigned first;      /* smallest line number */
	unsigned char kind, skip;
};

/* lmexport's own gauges, sorted by name: the lm_expo_stats field at off */
#define LM_EXPO_NSELF 4
struct lm_expo_self {
	const char *name, *help;
	size_t off;
};
extern const struct lm_expo_self lm_expo_self[LM_EXPO_NSELF];
double lm_expo_selfval(size_t i, const struct lm_expo_stats *st);

/* The HELP text of e's family: the dump's HELP line for its name, else a
 * default. quote 0: escaped for text 0.0.4, 1: for OpenMetrics, 2: not
 * escaped (protobuf); control bytes become spaces, bad UTF-8 '?'. */
void lm_expo_helptext(struct lm_buf *b, const struct ent *e, const struct help *h,
	size_t nh, int quote);

/* Protobuf: one of lmexport's own gauge families; one family f whose
 * series are ord[j..f->hi) (skipped ones left out), with the histograms'
 * records, bound sets, cumulative counts and fine buckets; tmp is
 * scratch. Errors stick in b->err. */
void lm_expo_pb_self(struct lm_buf *b, size_t i, const struct lm_expo_stats *st);
void lm_expo_pb_family(struct lm_buf *b, const struct fam *f, struct ent *const *ord,
	size_t j, const struct help *helps, size_t nh, const struct hrec *hr,
	const struct lm_expo_le **sets, const double *cum, const struct lm_bk *nat,
	struct lm_buf *tmp);

/* Protobuf, piece by piece: open a MetricFamily (close it with
 * lm_pb_close on the offset returned); one Metric of it (h, cum, set,
 * nat: histograms only; v: the value, or a histogram's sum). */
size_t lm_expo_pb_head(struct lm_buf *b, const char *name, size_t nlen,
	const char *help, size_t hlen, int kind);
void lm_expo_pb_metric(struct lm_buf *b, int kind, const char *lab, size_t lablen,
	double v, const struct hrec *h, const double *cum, const struct lm_expo_le *set,
	const struct lm_bk *nat, struct lm_buf *tmp);

/* Text, piece by piece (lm_expo.c). The default HELP of a series named
 * base of role R_*; s escaped for HELP (quote as lm_expo_helptext); one
 * sample name+suf{lab} v; the bucket lines of a histogram (le: the
 * strings of its set made by lm_expo_lestr, +Inf last); lmexport's own
 * gauge family i. */
void lm_expo_defhelp(struct lm_buf *b, int role, const char *base, size_t bn);
void lm_expo_esc(struct lm_buf *b, const char *s, size_t n, int quote);
void lm_expo_sample(struct lm_buf *b, const char *name, size_t nn, const char *suf,
	size_t sl, const char *lab, size_t lablen, double v);
void lm_expo_buckets(struct lm_buf *b, const char *name, size_t nn, const char *lab,
	size_t lablen, const double *cum, size_t n, double total,
	char le[][LM_NUM_MAX + 4], const size_t *lel);
void lm_expo_lestr(const struct lm_expo_le *set, char le[][LM_NUM_MAX + 4], size_t *lel, int om);
void lm_expo_selffam(struct lm_buf *b, size_t i, const struct lm_expo_stats *st);
extern const char *const lm_expo_kname[3];
/* The bound set (0 timers' default, 1 h and d's, 2 + i opt->sets[i]) of
 * a histogram named wire (as sent or sanitised) whose family is fam. */
size_t lm_expo_findset(const struct lm_expo_opt *opt, const char *wire, size_t wn,
	const char *fam, size_t fn, int hd);
/* Load the histogram h into r: classic cumulative counts at the bounds
 * of set (index setidx) appended to cumb, fine buckets to natb. 0, -1
 * out of memory. */
int lm_expo_hrec(struct hrec *r, const struct lm_hist *h, size_t setidx,
	const struct lm_expo_le *set, struct lm_buf *cumb, struct lm_buf *natb);
#endif
