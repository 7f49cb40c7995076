/* lm_send: sample sets and a batching datagram sender. */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "lm_num.h"
#include "lm_send.h"
#include "lm_sock.h"

void lm_samples_reset(struct lm_samples *ss)
{
	ss->n = 0;
	ss->full = 0;
}

struct lm_sample *lm_samples_add(struct lm_samples *ss, const char *name, int type, double v)
{
	struct lm_sample *s;

	if (ss->n == LM_SAMPLES_MAX) {
		ss->full++;
		return NULL;
	}
	s = &ss->s[ss->n++];
	s->name = name;
	s->type = type;
	s->v = v;
	s->ntags = 0;
	return s;
}

void lm_samples_drop(struct lm_samples *ss)
{
	if (ss->n)
		ss->n--;
}

int lm_sample_tag(struct lm_sample *s, const char *key, const char *v, size_t n)
{
	char *d;
	size_t i;

	if (!s || n == 0 || n > LM_SAMPLE_TAGVAL || s->ntags == LM_SAMPLE_TAGS)
		return -1;
	d = s->val[s->ntags];
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		d[i] = (c <= ' ' || c >= 0x7f || c == ',' || c == '|' || c == '#' ||
			c == ':') ? '_' : (char)c;
	}
	d[n] = 0;
	s->key[s->ntags++] = key;
	return 0;
}

int lm_sample_tagu(struct lm_sample *s, const char *key, unsigned long long v)
{
	char b[LM_NUM_MAX];

	return lm_sample_tag(s, key, b, lm_fmt_u64(b, v));
}

void lm_sample_line(const struct lm_sample *s, const char *app, struct lm_line *l)
{
	size_t i;

	lm_line_init(l, s->name, s->type, s->v);
	if (app) {
		l->tags[0].k.p = "app";
		l->tags[0].k.n = 3;
		l->tags[0].v.p = app;
		l->tags[0].v.n = strlen(app);
		l->ntags = 1;
	}
	if (app) {
		static char pid[24];
		static size_t pn;
		if (!pn)
			pn = lm_fmt_u64(pid, (uint64_t)getpid());
		l->tags[l->ntags].k.p = "pid";
		l->tags[l->ntags].k.n = 3;
		l->tags[l->ntags].v.p = pid;
		l->tags[l->ntags].v.n = pn;
		l->ntags++;
	}
	for (i = 0; i < s->ntags; i++) {
		l->tags[l->ntags].k.p = s->key[i];
		l->tags[l->ntags].k.n = strlen(s->key[i]);
		l->tags[l->ntags].v.p = s->val[i];
		l->tags[l->ntags].v.n = strlen(s->val[i]);
		l->ntags++;
	}
}

int lm_sender_open(struct lm_sender *sn, const char *path, int wait_ms)
{
	struct timeval tv;

	sn->dlen = sn->dlines = 0;
	sn->sent = sn->errors = sn->lines_dropped = sn->refused = 0;
	sn->fd = -1;
	if (lm_sockaddr(&sn->sa, &sn->salen, path) < 0)
		return -1;
	sn->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sn->fd < 0)
		return -1;
	tv.tv_sec = wait_ms / 1000;
	tv.tv_usec = wait_ms % 1000 * 1000;
	setsockopt(sn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return 0;
}

int lm_sender_flush(struct lm_sender *sn)
{
	ssize_t r;

	if (sn->dlen == 0)
		return 0;
	r = sendto(sn->fd, sn->dgram, sn->dlen, MSG_NOSIGNAL,
		(struct sockaddr *)&sn->sa, sn->salen);
	if (r < 0) {
		sn->errors++;
		sn->lines_dropped += sn->dlines;
	} else {
		sn->sent++;
	}
	sn->dlen = 0;
	sn->dlines = 0;
	return r < 0 ? -1 : 0;
}

int lm_sender_reserve(struct lm_sender *sn, size_t n)
{
	return sn->dlen + n > sizeof sn->dgram ? lm_sender_flush(sn) : 0;
}

int lm_sender_line(struct lm_sender *sn, const struct lm_line *l)
{
	size_t need = lm_format_line(NULL, 0, l) + 1;
	int r = 0;

	if (need == 1) {
		/* not a line the parser takes (a value that overflowed, a bad
		 * name): never sent, counted */
		sn->refused++;
		errno = EINVAL;
		return -1;
	}
	if (need > sizeof sn->dgram) {
		errno = EMSGSIZE;
		return -1;
	}
	if (sn->dlen + need > sizeof sn->dgram)
		r = lm_sender_flush(sn);
	lm_format_line(sn->dgram + sn->dlen, need, l);
	sn->dlen += need;
	sn->dlines++;
	sn->dgram[sn->dlen - 1] = '\n';
	return r;
}

void lm_sender_close(struct lm_sender *sn)
{
	if (sn->fd >= 0)
		close(sn->fd);
	sn->fd = -1;
}
