/* lm_send: a set of samples (metric, value, a few tags) as the probes
 * produce them, formatted as wire lines through lm_wire, and a sender
 * that batches lines into datagrams for lmtabled. */
#ifndef LM_SEND_H
#define LM_SEND_H
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "lm_wire.h"

#define LM_SAMPLES_MAX 512     /* samples in one set */
#define LM_SAMPLE_TAGS 3       /* tags of one sample (the app tag is extra) */
#define LM_SAMPLE_TAGVAL 63    /* bytes in one tag value of a sample */

struct lm_sample {
	const char *name;          /* a static, valid metric name */
	int type;                  /* LM_GAUGE or LM_COUNTER (cumulative value) */
	double v;
	size_t ntags;
	const char *key[LM_SAMPLE_TAGS];
	char val[LM_SAMPLE_TAGS][LM_SAMPLE_TAGVAL + 1];
};

struct lm_samples {
	size_t n;
	size_t full;               /* samples refused: the set was full */
	struct lm_sample s[LM_SAMPLES_MAX];
};

void lm_samples_reset(struct lm_samples *ss);
/* A new sample; NULL (and full counted) when the set is full. */
struct lm_sample *lm_samples_add(struct lm_samples *ss, const char *name, int type, double v);
/* Drop the last sample (a tag did not fit). */
void lm_samples_drop(struct lm_samples *ss);
/* Add tag key:v[0..n) to s. Bytes a tag value cannot hold (, | # : space,
 * control bytes, non-ASCII) become '_'. -1 when empty, longer than
 * LM_SAMPLE_TAGVAL, or no tag slot left: never cut. */
int lm_sample_tag(struct lm_sample *s, const char *key, const char *v, size_t n);
int lm_sample_tagu(struct lm_sample *s, const char *key, unsigned long long v);

/* s as an lm_line (with app non-NULL: an app tag first, then a pid tag:
 * the sampler is a long-lived process and lmtabled serves its series only
 * while it lives, and for its linger after); the line points into s, app
 * and static storage. */
void lm_sample_line(const struct lm_sample *s, const char *app, struct lm_line *l);

/* Batches wire lines into datagrams of at most LM_DGRAM_SEND bytes; the
 * one sender of lmhook, lmprobe and the C API. */
struct lm_sender {
	int fd;
	struct sockaddr_un sa;
	socklen_t salen;
	size_t dlen, dlines;
	unsigned long long sent;          /* datagrams sent */
	unsigned long long errors;        /* datagrams that could not be sent */
	unsigned long long lines_dropped; /* lines lost with them */
	unsigned long long refused;       /* lines not sent: lm_line_check said no */
	char dgram[LM_DGRAM_SEND];
};
/* Socket for path; -1 with errno (ENAMETOOLONG: path does not fit). A
 * send waits at most wait_ms for a busy receiver. */
int lm_sender_open(struct lm_sender *sn, const char *path, int wait_ms);
/* Queue one line (formatted here, newline added); sends the datagram
 * first when the line would not fit. -1 with errno when a send failed
 * (the line is queued anyway), or with EINVAL when l is no line the
 * parser takes (lm_line_check): then nothing is queued, and refused
 * counts it. */
int lm_sender_line(struct lm_sender *sn, const struct lm_line *l);
/* Make room for n bytes of lines that must travel in one datagram:
 * sends what is queued first when they would not fit. As lm_sender_flush. */
int lm_sender_reserve(struct lm_sender *sn, size_t n);
/* Send what is queued; -1 with errno on failure (the batch is dropped). */
int lm_sender_flush(struct lm_sender *sn);
void lm_sender_close(struct lm_sender *sn);
#endif
