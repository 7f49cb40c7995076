/* lm_buf: growable byte buffer with a hard cap. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lm_num.h"

void lm_buf_init(struct lm_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

void lm_buf_free(struct lm_buf *b)
{
	free(b->p);
	lm_buf_init(b, b->max);
}

void lm_buf_reset(struct lm_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = 0;
}

int lm_buf_reserve(struct lm_buf *b, size_t extra)
{
	size_t need, ncap;
	char *np;

	if (b->err)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len || (b->max && b->len + extra > b->max)) {
		b->err = EMSGSIZE;
		errno = EMSGSIZE;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (!np) {
		b->err = ENOMEM;
		errno = ENOMEM;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int lm_buf_add(struct lm_buf *b, const void *p, size_t n)
{
	if (lm_buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int lm_buf_adds(struct lm_buf *b, const char *s)
{
	return lm_buf_add(b, s, strlen(s));
}

int lm_buf_addc(struct lm_buf *b, char c)
{
	if (b->len + 1 < b->cap && !b->err && (!b->max || b->len + 1 <= b->max)) {
		b->p[b->len++] = c;
		b->p[b->len] = 0;
		return 0;
	}
	return lm_buf_add(b, &c, 1);
}

int lm_buf_addnum(struct lm_buf *b, double v)
{
	char t[LM_NUM_MAX];

	return lm_buf_add(b, t, lm_fmt_double(t, v));
}

int lm_buf_save(const struct lm_buf *b, const char *path)
{
	return lm_buf_save_mode(b, path, 0600);
}

int lm_buf_save_mode(const struct lm_buf *b, const char *path, unsigned mode)
{
	char tmp[4096];
	size_t off = 0;
	ssize_t r;
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return -1;
	while (off < b->len) {
		r = write(fd, b->p + off, b->len - off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)r;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

int lm_buf_load(struct lm_buf *b, const char *path)
{
	char t[4096];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -1;
	for (;;) {
		r = read(fd, t, sizeof t);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (lm_buf_add(b, t, (size_t)r) < 0) {
			r = -1;
			errno = b->err;
			break;
		}
	}
	e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}
