/* lm_sock: socket paths, clocks and the query client. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lm_num.h"
#include "lm_comm.h"
#include "lm_sock.h"
#include "lm_wire.h"

const char *lm_socket_path(const char *arg)
{
	const char *e;

	if (arg)
		return arg;
	e = getenv("LM_SOCKET");
	if (e && *e)
		return e;
	return LM_SOCKET_DEFAULT;
}

static int fill(struct sockaddr_un *sa, socklen_t *len, const char *path, const char *suffix)
{
	size_t n = strlen(path), s = strlen(suffix);

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n + s >= sizeof sa->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	memcpy(sa->sun_path + n, suffix, s + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + s + 1);
	return 0;
}

int lm_sockaddr(struct sockaddr_un *sa, socklen_t *len, const char *path)
{
	return fill(sa, len, path, "");
}

int lm_sockaddr_query(struct sockaddr_un *sa, socklen_t *len, const char *path)
{
	return fill(sa, len, path, LM_QUERY_SUFFIX);
}

static void clean_app(char *dst, const char *src, size_t n)
{
	size_t i;

	if (n > LM_TAGVAL_MAX)
		n = LM_TAGVAL_MAX;
	memcpy(dst, src, n);
	dst[n] = 0;
	if (n && lm_text_ok(dst, n))
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dst[i];
		if (c < 0x21 || c > 0x7e || c == ',' || c == '|' || c == '#')
			dst[i] = '_';
	}
	if (n == 0)
		strcpy(dst, "unknown");
}

void lm_app_name(char *dst, const char *given, long pid)
{
	char t[LM_TAGVAL_MAX + 2];
	struct stat st;

	if (!given || !*given)
		given = getenv("LM_APP");
	if (given && *given) {
		clean_app(dst, given, strlen(given));
		return;
	}
	if ((stat("/.dockerenv", &st) == 0 || stat("/run/.containerenv", &st) == 0) &&
	    gethostname(t, sizeof t - 1) == 0 && t[0]) {
		t[sizeof t - 1] = 0;
		clean_app(dst, t, strlen(t));
		return;
	}
	clean_app(dst, t, lm_comm("", pid, t, sizeof t));
}

double lm_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double lm_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int lm_wait_fd(int fd, short ev, double end)
{
	struct pollfd p;
	double left;
	int r;

	for (;;) {
		left = end - lm_mono();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		p.fd = fd;
		p.events = ev;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int lm_query_open(const char *path, const char *req, double end)
{
	struct sockaddr_un sa;
	socklen_t salen;
	size_t off = 0, n = strlen(req);
	ssize_t r;
	int fd, e, soerr;
	socklen_t sl = sizeof soerr;

	if (lm_sockaddr_query(&sa, &salen, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			goto fail;
		if (lm_wait_fd(fd, POLLOUT, end) < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			goto fail;
		if (soerr) {
			errno = soerr;
			goto fail;
		}
	}
	while (off < n) {
		r = send(fd, req + off, n - off, MSG_NOSIGNAL);
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			goto fail;
		if (lm_wait_fd(fd, POLLOUT, end) < 0)
			goto fail;
	}
	shutdown(fd, SHUT_WR);
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

ssize_t lm_query_read(int fd, void *buf, size_t n, double end)
{
	ssize_t r;

	for (;;) {
		r = recv(fd, buf, n, 0);
		if (r >= 0)
			return r;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (lm_wait_fd(fd, POLLIN, end) < 0)
			return -1;
	}
}

int lm_query(const char *path, const char *req, struct lm_buf *out, double deadline)
{
	double end = lm_mono() + deadline;
	ssize_t r;
	int fd, e;

	if ((fd = lm_query_open(path, req, end)) < 0)
		return -1;
	for (;;) {
		size_t room = 65536;
		char probe;
		char *dst = &probe;

		if (out->max && out->max - out->len < room)
			room = out->max - out->len;
		if (room) {
			if (lm_buf_reserve(out, room) < 0)
				goto fail;
			dst = out->p + out->len;
		} else {
			room = 1;  /* at the cap: one more byte means too long */
		}
		r = lm_query_read(fd, dst, room, end);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if (dst == &probe) {
			errno = EMSGSIZE;
			goto fail;
		}
		out->len += (size_t)r;
		out->p[out->len] = 0;
	}
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int lm_query_ok(const char *p, size_t n, size_t max, size_t *at, size_t *len)
{
	const char *nl = memchr(p, '\n', n);
	uint64_t v;

	if (!nl || nl - p < 3 || memcmp(p, "ok ", 3) != 0 ||
	    lm_parse_u64(p + 3, (size_t)(nl - p - 3), max, &v) < 0) {
		errno = EPROTO;
		return -1;
	}
	*at = (size_t)(nl + 1 - p);
	*len = (size_t)v;
	return 0;
}
