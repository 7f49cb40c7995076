/* lm_wire: the one parser and the one formatter of the wire format
 * (see docs/lm-wire.5). A line is
 *   NAME:VALUE[:VALUE...]|TYPE[|FIELD]...
 * a superset of the StatsD / DogStatsD line. */
#ifndef LM_WIRE_H
#define LM_WIRE_H
#include <stddef.h>
#include "lm_hist.h"

#define LM_NAME_MAX 128      /* bytes in a metric name */
#define LM_TAGS_MAX 16       /* tags in one line */
#define LM_TAGKEY_MAX 64     /* bytes in a tag key */
#define LM_TAGVAL_MAX 128    /* bytes in a tag value */
#define LM_VALUES_MAX 64     /* packed values in one line (DogStatsD v1.1) */
#define LM_LINE_MAX 16384    /* bytes in one line, newline excluded */
#define LM_DGRAM_MAX 65536   /* largest datagram a receiver takes */
#define LM_DGRAM_SEND 16384  /* largest datagram our senders build */
#define LM_LINE_BK (LM_HIST_SPAN + 2)  /* buckets in one line, zero bucket included */

enum lm_type {
	LM_COUNTER = 1, /* c:  add VALUE / rate */
	LM_GAUGE,       /* g:  set VALUE, or add it when it carries a sign */
	LM_TIMER,       /* t:  observation(s) in seconds (livemetrics) */
	LM_TIMER_MS,    /* ms: observation(s) in milliseconds (StatsD) */
	LM_HISTO,       /* h:  observation(s), no unit (DogStatsD) */
	LM_DIST,        /* d:  as h (DogStatsD distribution) */
	LM_RATE         /* r:  VALUE events happened (livemetrics) */
};

/* Reasons a line is rejected; counted by name. */
enum lm_werr {
	LM_WOK = 0,
	LM_WE_EMPTY,     /* empty line */
	LM_WE_TOOLONG,   /* longer than LM_LINE_MAX */
	LM_WE_SYNTAX,    /* no ':' or no '|', stray bytes */
	LM_WE_NAME,      /* empty, too long, or a byte outside [A-Za-z0-9_.-/] */
	LM_WE_VALUE,     /* not a finite decimal number, or out of range for the type */
	LM_WE_TYPE,      /* unknown type */
	LM_WE_FIELD,     /* bad or repeated field */
	LM_WE_TAG,       /* bad tag: too many, too long, bad bytes, not UTF-8 */
	/* StatsD and DogStatsD constructs we refuse, each its own reason
	 * (docs/apps.md says why and what statsd_exporter does) */
	LM_WE_NEGCOUNT,  /* c with a negative increment: a counter never falls */
	LM_WE_SET,       /* s: a StatsD set */
	LM_WE_EVENT,     /* _e{...}: a DogStatsD event */
	LM_WE_SVCCHECK,  /* _sc|...: a DogStatsD service check */
	LM_WE_NERR
};
const char *lm_werr_name(int e);   /* "syntax", "name", ... */

struct lm_str { const char *p; size_t n; };
struct lm_tag { struct lm_str k, v; };

struct lm_line {
	struct lm_str name;
	int type;                  /* enum lm_type */
	size_t nvalues;            /* >= 1 */
	double values[LM_VALUES_MAX];
	int sign;                  /* gauge: the first value had an explicit + or - */
	double rate;               /* @RATE sample rate, 0 < rate <= 1; 1 if absent */
	/* h:I=N,... H:I=N,... z:N: log-scale bucket counts (lm_hist.h) of the
	 * observations whose sum VALUE is (t, h, d); zero bucket idx
	 * LM_HIST_IMIN; each field's indices strictly increasing */
	size_t nbk;
	struct lm_bk bk[LM_LINE_BK];
	int has_min, has_max;      /* m:V x:V exact extremes (with buckets) */
	double min, max;
	int has_last;              /* l:V last observation (t, ms, h, d) */
	double last;
	int has_rps;               /* r:V events per second (r; table dumps only) */
	double rps;
	int has_ts;                /* T<unix seconds> (DogStatsD v1.3) */
	double ts;
	struct lm_str container;   /* c:ID (DogStatsD v1.2); n == 0 if absent */
	size_t ntags;
	struct lm_tag tags[LM_TAGS_MAX];
	size_t nskipped;           /* unknown fields and bare tags skipped */
};

/* Parse one line (no newline) of s[0..len). Returns LM_WOK or an lm_werr.
 * The lm_str fields point into s. */
int lm_parse_line(const char *s, size_t len, struct lm_line *out);

/* Write l as one line, no newline, into buf (cap bytes, NUL-terminated when
 * it fits). Returns the length the whole line needs, as snprintf does; 0
 * (nothing written) when l is not a line lm_parse_line would read back
 * equal: lm_line_check says why. */
size_t lm_format_line(char *buf, size_t cap, const struct lm_line *l);
/* LM_WOK when l formats as a line the parser takes, else the reason the
 * parser would give (a name or tag key too long or with a bad byte, a value
 * not finite or negative where the type forbids it, ...). */
int lm_line_check(const struct lm_line *l);

/* Iterate over the lines of a datagram or a dump: sets *line and *len to the
 * next line (without its newline; a trailing '\r' is kept and rejected by
 * the parser) and returns 1, or returns 0 at the end. *pos starts at 0. */
int lm_next_line(const char *buf, size_t buflen, size_t *pos,
	const char **line, size_t *len);

/* 1 when n bytes at p make a valid metric name. */
int lm_name_ok(const char *p, size_t n);
/* 1 when n bytes at p make a valid tag value (UTF-8, no control bytes,
 * none of , | #); also used for app names. */
int lm_text_ok(const char *p, size_t n);

/* Length of the valid UTF-8 sequence at s[0..n), 0 when invalid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
size_t lm_utf8_len(const unsigned char *s, size_t n);

/* A line with one value and nothing else: name (NUL-terminated, kept by
 * pointer), type, value, sample rate 1. */
void lm_line_init(struct lm_line *l, const char *name, int type, double v);

/* Look up tag k; returns 1 and sets *v when present. */
int lm_line_tag(const struct lm_line *l, const char *k, struct lm_str *v);

/* 1 for a tag that says who sent a line rather than what it measures:
 * app, container, pid, uid (a table dump line starts its tags with them). */
int lm_tag_identity(const struct lm_str *k);
/* The series a line updates as people read it: NAME, or NAME{k=v,...}
 * with the line's other tags (not the identity ones) in their order. Into
 * out (cap bytes, NUL-terminated when cap > 0); returns the length it
 * needs, as snprintf does. */
size_t lm_line_id(const struct lm_line *l, char *out, size_t cap);
/* The kind of series a type makes: LM_COUNTER, LM_GAUGE, LM_RATE,
 * LM_TIMER (t and ms) or LM_HISTO (h and d). */
int lm_type_kind(int type);

/* The observations a line carries, into h (weight w = 1 / sample rate):
 * its buckets, min and max when it has buckets, else each value (ms
 * divided by 1000). Returns as lm_hist_add (1: a bucket was clamped). */
int lm_line_hist(const struct lm_line *l, struct lm_hist *h, double w);
/* Load h's buckets, min and max into l (nbk, bk, has_min, min, has_max,
 * max); the value stays the caller's. */
void lm_line_set_hist(struct lm_line *l, const struct lm_hist *h);

/* Sanitise a metric name into a Prometheus name [a-zA-Z_:][a-zA-Z0-9_:]*:
 * '.', '-', '/' and other bytes become '_', a leading digit gets a '_'.
 * out has room for LM_NAME_MAX + 2. Returns the length. */
size_t lm_name_sanitize(char *out, const char *in, size_t n);
/* The same for a label name ([a-zA-Z_][a-zA-Z0-9_]*); room LM_TAGKEY_MAX + 2. */
size_t lm_label_sanitize(char *out, const char *in, size_t n);
#endif
