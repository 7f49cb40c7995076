/* lmtabled: holds the table of the latest metrics per app.
 * Receives wire lines on a unix datagram socket, answers dumps on a
 * unix stream socket beside it. One thread, one poll loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netdb.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lm_comm.h"
#include "lm_expo.h"
#include "lm_msg.h"
#include "lm_num.h"
#include "lm_sock.h"
#include "lm_table.h"
#include "lm_wire.h"

static const char usage[] =
	"usage: lmtabled [-v] [-P] [-S] [-d FD] [-s PATH] [-m MODE] [-g GROUP] [-t TTL] [-l LINGER] [-w WINDOW]"
	" [-a MAXAPPS] [-n MAXSERIES] [-p MAXPERAPP] [-k FILE] [-u [ADDR:]PORT]";
static const char help[] =
	"  -s PATH       the data socket (default $LM_SOCKET, else /metrics/live_metrics.sock);\n"
	"                queries on PATH.query\n"
	"  -m MODE       both sockets' mode, octal (default 0666)\n"
	"  -g GROUP      both sockets' group (a name or a gid)\n"
	"  -d FD         write a newline to FD once both sockets listen (readiness)\n"
	"  -t TTL        an app whose processes are gone goes down after TTL seconds\n"
	"  -l LINGER     seconds an app that went down is still served (default 35)\n"
	"  -w WINDOW     seconds over which rates are computed\n"
	"  -a MAXAPPS    apps held at most\n"
	"  -n MAXSERIES  series held at most\n"
	"  -p MAXPERAPP  series one app may hold at most\n"
	"  -k FILE       keep the knobs in FILE (across restarts)\n"
	"  -u [ADDR:]PORT  also take wire lines over UDP (StatsD, DogStatsD; default ADDR 127.0.0.1)\n"
	"  -P            keep an app whose process died, until -t\n"
	"  -S            split apps by process (the sender's pid is part of the identity)\n"
	"  -v            log more (twice: every applied line)\n"
	"  -h, --help    print this and exit 0\n";

#define MAX_CLIENTS 16          /* query clients served at once */
#define REQ_MAX LM_REQ_MAX      /* bytes in a query request line */
#define EXPO_REQ_MAX LM_EXPO_REQ_MAX   /* ... in an expo request (its bounds) */
#define CLIENT_DEADLINE 5.0     /* seconds a query client may take */
#define BURST 512               /* datagrams read per wake-up, at most */
#define SWEEP_EVERY 1.0         /* seconds between expiry sweeps */
#define DUMP_MAX (256u << 20)   /* bytes in one dump, at most */
#define STOP_GRACE 2.0          /* seconds to finish answers after SIGTERM */
#define COMPLAIN_EVERY 10.0     /* seconds between repeated complaints */

struct client {
	int fd;
	int may_set;            /* the peer's uid may change knobs */
	struct lm_buf req;
	struct lm_buf out;
	char hdr[32];           /* expo: "ok LENGTH\n" before out */
	size_t hdrlen;
	size_t off;
	int answering;
	double deadline;
};

static int verbose;
static int keep_dead;       /* -P: apps outlive their process (until the TTL) */
static struct client clients[MAX_CLIENTS];
static const char *knob_file;   /* -k */

static void note(void *ctx, const char *msg)
{
	(void)ctx;
	lm_info("%s", msg);
}

static void complain(void *ctx, const char *msg)
{
	(void)ctx;
	lm_warn("%s", msg);
}

static int alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The name of a process that sent no app tag: /proc/PID/comm. */
static size_t app_of_pid(long pid, char *out, size_t cap)
{
	size_t n = pid > 0 ? lm_comm("", pid, out, cap) : 0, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x21 || c > 0x7e || c == ',' || c == '|' || c == '#' || c == '"' || c == '\\')
			out[i] = '_';
	}
	out[n] = 0;
	return (size_t)n;
}

/* -g GROUP: a group name from /etc/group, or a number (a gid with no
 * name is allowed). /etc/group is read here, not through getgrnam(3):
 * the static binary stays small, and a static binary has no NSS anyway. */
static gid_t opt_group(const char *arg)
{
	struct lm_buf b;
	size_t pos = 0, len, n = strlen(arg);
	const char *line;
	uint64_t g;

	lm_buf_init(&b, 4u << 20);
	if (lm_buf_load(&b, "/etc/group") == 0) {
		while (lm_next_line(b.p, b.len, &pos, &line, &len)) {
			const char *c1 = memchr(line, ':', len), *c2, *c3;
			if (!c1 || (size_t)(c1 - line) != n || memcmp(line, arg, n))
				continue;
			c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
			c3 = c2 ? memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - line)) : NULL;
			if (c3 && lm_parse_u64(c2 + 1, (size_t)(c3 - c2 - 1), 0xfffffffe, &g) == 0) {
				lm_buf_free(&b);
				return (gid_t)g;
			}
		}
	}
	lm_buf_free(&b);
	if (lm_parse_u64(arg, n, 0xfffffffe, &g) == 0)
		return (gid_t)g;
	lm_die(LM_EXIT_USAGE, "unknown group: %s (a name in /etc/group, or a number)", arg);
}

/* Bind a unix socket of type at the address; a stale socket is replaced,
 * a live one or a file that is not a socket is left alone. The socket is
 * bound with mode 0600, given group gid (unless -1), then set to mode. */
static int bind_unix(int type, const struct sockaddr_un *sa, socklen_t salen, mode_t mode, gid_t gid)
{
	struct stat st;
	mode_t old;
	int fd, probe, r;

	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a socket");
	if (lstat(sa->sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			lm_die(LM_EXIT_SYS, "unable to bind to %s: it exists and is not a socket", sa->sun_path);
		probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (probe < 0)
			lm_die_sys(LM_EXIT_SYS, "unable to create a socket");
		r = connect(probe, (const struct sockaddr *)sa, salen);
		close(probe);
		if (r == 0)
			lm_die(LM_EXIT_SYS, "unable to bind to %s: another daemon is listening there", sa->sun_path);
		if (errno != ECONNREFUSED)
			lm_die_sys(LM_EXIT_SYS, "unable to probe %s", sa->sun_path);
		if (unlink(sa->sun_path) < 0)
			lm_die_sys(LM_EXIT_SYS, "unable to remove the stale socket %s", sa->sun_path);
		if (verbose)
			lm_info("removed the stale socket %s", sa->sun_path);
	}
	old = umask(0177);
	r = bind(fd, (const struct sockaddr *)sa, salen);
	umask(old);
	if (r < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to bind to %s", sa->sun_path);
	if (gid != (gid_t)-1 && lchown(sa->sun_path, (uid_t)-1, gid) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to give %s to group %lu", sa->sun_path, (unsigned long)gid);
	if (chmod(sa->sun_path, mode) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to chmod %s", sa->sun_path);
	return fd;
}

/* one answer buffer kept from a client to the next: a scrape's answer
 * is the size of the last one, and fresh pages cost more than the copy;
 * one past SPARE_MAX bytes goes back (the memory counts more then) */
static struct lm_buf spare;
#define SPARE_MAX (1u << 20)

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	lm_buf_free(&c->req);
	if (!spare.p && c->out.p && c->out.cap <= SPARE_MAX) {
		spare = c->out;
		lm_buf_reset(&spare);
		lm_buf_init(&c->out, DUMP_MAX);
	} else {
		lm_buf_free(&c->out);
	}
}

static void client_io(struct client *c, short rev, struct lm_table *t, double now);

static void client_accept(int lfd, struct lm_table *t, double now)
{
	int fd, i, sndbuf = 4 << 20;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			lm_table_stats(t)->queries_refused++;
			close(fd);
			continue;
		}
		{
			struct ucred uc;
			socklen_t ul = sizeof uc;
			clients[i].may_set = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0 &&
				(uc.uid == 0 || uc.uid == geteuid());
		}
		clients[i].fd = fd;
		lm_buf_init(&clients[i].req, EXPO_REQ_MAX + 1);
		clients[i].hdrlen = 0;
		clients[i].off = 0;
		clients[i].answering = 0;
		clients[i].deadline = now + CLIENT_DEADLINE;
		if (spare.p) {
			clients[i].out = spare;
			lm_buf_init(&spare, DUMP_MAX);
		} else {
			lm_buf_init(&clients[i].out, DUMP_MAX);
		}
		/* an answer the size of a big exposition goes in one send */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		/* the request came with the connection, most often: answer now */
		client_io(&clients[i], POLLIN, t, now);
	}
}

/* -k FILE: the knobs, written whole after every change */
static int save_knobs(struct lm_table *t)
{
	struct lm_buf b;
	int r;

	lm_buf_init(&b, 0);
	r = lm_table_knobs(t, &b) < 0 ? -1 : lm_buf_save(&b, knob_file);
	if (r < 0)
		lm_warn_sys("unable to save the knobs to %s", knob_file);
	lm_buf_free(&b);
	return r;
}

static void load_knobs(struct lm_table *t)
{
	struct lm_buf b, ans;
	size_t pos = 0, n, lineno = 0;
	const char *p;

	lm_buf_init(&b, 4u << 20);
	if (lm_buf_load(&b, knob_file) < 0) {
		if (errno == ENOENT) {
			lm_buf_free(&b);
			return;     /* no knobs yet */
		}
		lm_die_sys(LM_EXIT_SYS, "unable to read %s", knob_file);
	}
	lm_buf_init(&ans, 0);
	while (b.len && lm_next_line(b.p, b.len, &pos, &p, &n)) {
		lineno++;
		if (n == 0)
			continue;
		lm_buf_reset(&ans);
		if (n < 4 || memcmp(p, "set ", 4) != 0 ||
		    lm_table_request(t, p, n, 1, lm_wall(), &ans) != 1)
			lm_warn("%s: line %zu skipped: %s", knob_file, lineno,
				ans.len ? ans.p : "not a set request\n");
	}
	lm_buf_free(&ans);
	lm_buf_free(&b);
}

/* expo FORMAT [B=LE,..] [D=LE,..] [b=NAME=LE,..]...: the exposition in
 * FORMAT (text, om, pb), after "ok LENGTH\n"; "error WHY\n" else */
static struct lm_expo_le xsets[LM_EXPO_SETS_MAX], xtimer, xhist;

static void expo(struct client *c, struct lm_table *t, const char *req, size_t n, double now)
{
	struct lm_expo_opt opt;
	char word[LM_EXPO_WORD_MAX + 1], *okey;
	const char *why, *p = req + 4, *end = req + n, *key;
	size_t k, i;
	int flags = -1;

	memset(&opt, 0, sizeof opt);
	opt.sets = xsets;
	key = NULL;
	while (p < end) {
		const char *w;
		while (p < end && *p == ' ')
			p++;
		w = p;
		while (p < end && *p != ' ')
			p++;
		k = (size_t)(p - w);
		if (!k)
			break;
		if (k > LM_EXPO_WORD_MAX)
			goto usage;
		memcpy(word, w, k);
		word[k] = 0;
		if (flags < 0) {
			flags = !strcmp(word, "text") ? 0 : !strcmp(word, "om") ? LM_EXPO_OM :
			    !strcmp(word, "pb") ? LM_EXPO_PB : -1;
			if (flags < 0)
				goto usage;
			key = p;
			continue;
		}
		if (k > 2 && (word[0] == 'B' || word[0] == 'D') && word[1] == '=') {
			struct lm_expo_le *set = word[0] == 'B' ? &xtimer : &xhist;
			if (lm_expo_le_parse(word + 2, set, &why) < 0)
				goto usage;
			if (word[0] == 'B')
				opt.timer_le = set;
			else
				opt.hist_le = set;
		} else if (k > 2 && word[0] == 'b' && word[1] == '=' && opt.nsets < LM_EXPO_SETS_MAX) {
			if (lm_expo_le_named(word + 2, &xsets[opt.nsets], &why) < 0)
				goto usage;
			for (i = 0; i < opt.nsets; i++)
				if (!strcmp(xsets[i].name, xsets[opt.nsets].name))
					goto usage;
			opt.nsets++;
		} else {
			goto usage;
		}
	}
	if (flags < 0)
		goto usage;
	lm_table_stats(t)->queries++;
	okey = strndup(key, (size_t)(end - key));
	if (!okey || lm_table_expo(t, &c->out, flags, &opt, okey, now) < 0) {
		lm_buf_reset(&c->out);
		lm_buf_adds(&c->out, okey ? "error too_large\n" : "error memory\n");
		free(okey);
		return;
	}
	free(okey);
	c->hdrlen = (size_t)snprintf(c->hdr, sizeof c->hdr, "ok %zu\n", c->out.len);
	return;
usage:
	lm_table_stats(t)->queries_refused++;
	lm_buf_adds(&c->out, "error usage\n");
}

static void client_answer(struct client *c, struct lm_table *t, double now)
{
	const char *req = c->req.p;
	char *nl = memchr(req, '\n', c->req.len);
	size_t n = nl ? (size_t)(nl - req) : c->req.len;

	if (n && req[n - 1] == '\r')
		n--;
	if (memchr(req, 0, n)) {
		lm_table_stats(t)->queries_refused++;
		lm_buf_adds(&c->out, "error usage\n");
		c->answering = 1;
		return;
	}

	c->answering = 1;
	if (n >= 4 && memcmp(req, "expo", 4) == 0 && (n == 4 || req[4] == ' ')) {
		expo(c, t, req, n, now);
		return;
	}
	if (n == 4 && memcmp(req, "dump", 4) == 0) {
		lm_table_stats(t)->queries++;
		if (lm_table_dump(t, &c->out, now) < 0) {
			lm_buf_reset(&c->out);
			lm_buf_adds(&c->out, "# error: the dump is too large\n");
		}
		return;
	}
	if (n == 4 && memcmp(req, "json", 4) == 0) {
		/* the table for controllers (lm-json(5)), after "ok LENGTH\n" */
		lm_table_stats(t)->queries++;
		if (lm_table_json(t, &c->out, now, lm_wall()) < 0) {
			lm_buf_reset(&c->out);
			lm_buf_adds(&c->out, "error too_large\n");
			return;
		}
		c->hdrlen = (size_t)snprintf(c->hdr, sizeof c->hdr, "ok %zu\n", c->out.len);
		return;
	}
	switch (lm_table_request(t, req, n, c->may_set, lm_wall(), &c->out)) {
	case 1:
		lm_table_stats(t)->queries++;
		if (knob_file && save_knobs(t) < 0) {
			lm_table_undo(t);
			lm_buf_reset(&c->out);
			lm_buf_adds(&c->out, "error state_file\n");
		} else if (verbose) {
			lm_info("knob request: %.*s", (int)n, req);
		}
		return;
	case 0:
		lm_table_stats(t)->queries++;
		return;
	}
	lm_table_stats(t)->queries_refused++;
	lm_buf_adds(&c->out, "error usage (known: dump, expo, json, get, set, unset, knobs)\n");
}

static void client_io(struct client *c, short rev, struct lm_table *t, double now)
{
	ssize_t r;

	if (!c->answering && (rev & (POLLIN | POLLHUP | POLLERR))) {
		/* a request line: REQ_MAX bytes, or EXPO_REQ_MAX for expo */
		size_t lim = c->req.len >= 5 && memcmp(c->req.p, "expo ", 5) == 0 ?
		    EXPO_REQ_MAX : REQ_MAX, room = lim - c->req.len;
		if (room > 65536)
			room = 65536;
		if (lm_buf_reserve(&c->req, room + 1) < 0) {
			lm_table_stats(t)->queries_refused++;
			client_close(c);
			return;
		}
		r = read(c->fd, c->req.p + c->req.len, room);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0) {
			c->req.len += (size_t)r;
			c->req.p[c->req.len] = 0;
		}
		if (r <= 0 || memchr(c->req.p, '\n', c->req.len)) {
			if (c->req.len == 0) {
				client_close(c);
				return;
			}
			client_answer(c, t, now);
		} else if (c->req.len >= (c->req.len >= 5 && memcmp(c->req.p, "expo ", 5) == 0 ?
		    EXPO_REQ_MAX : REQ_MAX)) {
			lm_table_stats(t)->queries_refused++;
			client_close(c);
			return;
		}
	}
	if (c->answering) {
		while (c->off < c->hdrlen + c->out.len) {
			struct iovec v[2];
			struct msghdr mh;
			memset(&mh, 0, sizeof mh);
			mh.msg_iov = v;
			if (c->off < c->hdrlen) {
				v[0].iov_base = c->hdr + c->off;
				v[0].iov_len = c->hdrlen - c->off;
				v[1].iov_base = c->out.p;
				v[1].iov_len = c->out.len;
				mh.msg_iovlen = 2;
			} else {
				v[0].iov_base = c->out.p + (c->off - c->hdrlen);
				v[0].iov_len = c->out.len - (c->off - c->hdrlen);
				mh.msg_iovlen = 1;
			}
			r = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
			if (r < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				break;
			}
			c->off += (size_t)r;
		}
		client_close(c);
	}
}

/* -u [ADDR:]PORT: a UDP socket for StatsD clients */
static int bind_udp(const char *spec)
{
	struct addrinfo hints, *ai;
	char host[256];
	const char *port, *h = "127.0.0.1", *colon;
	size_t hl;
	int fd, r, one = 1;

	if (spec[0] == '[') {
		colon = strstr(spec, "]:");
		if (!colon)
			lm_die(LM_EXIT_USAGE, "bad UDP address: %s ([ADDR]:PORT for IPv6)", spec);
		hl = (size_t)(colon - spec - 1);
		port = colon + 2;
		h = host;
		if (hl >= sizeof host)
			lm_die(LM_EXIT_USAGE, "bad UDP address: %s", spec);
		memcpy(host, spec + 1, hl);
		host[hl] = 0;
	} else if ((colon = strrchr(spec, ':'))) {
		hl = (size_t)(colon - spec);
		port = colon + 1;
		if (hl >= sizeof host)
			lm_die(LM_EXIT_USAGE, "bad UDP address: %s", spec);
		memcpy(host, spec, hl);
		host[hl] = 0;
		h = host;
	} else {
		port = spec;
	}
	{
		uint64_t pn;
		if (lm_parse_u64(port, strlen(port), 65535, &pn) < 0)
			lm_die(LM_EXIT_USAGE, "bad UDP port: %s (0 to 65535)", spec);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	r = getaddrinfo(h, port, &hints, &ai);
	if (r)
		lm_die(LM_EXIT_USAGE, "bad UDP address: %s: %s", spec, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a UDP socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to bind to UDP %s", spec);
	freeaddrinfo(ai);
	if (verbose) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char hb[64] = "?", pb[16] = "?";
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			getnameinfo((struct sockaddr *)&ss, sl, hb, sizeof hb, pb, sizeof pb,
				NI_NUMERICHOST | NI_NUMERICSERV);
		lm_info("listening on UDP %s port %s", hb, pb);
	}
	return fd;
}

/* Datagrams come VEC at a time (recvmmsg), each in a buffer of its own
 * (LM_DGRAM_MAX bytes: pages only touched as far as datagrams fill
 * them). A datagram's credentials are read once per sender in a row. */
#define VEC 32

struct rxbuf {
	struct mmsghdr mm[VEC];
	struct iovec iov[VEC];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl[VEC];
	char *data;     /* VEC * LM_DGRAM_MAX */
};

static void receive(int fd, struct lm_table *t, struct rxbuf *rx, int udp)
{
	struct lm_cred cred;
	struct cmsghdr *cm;
	double now = lm_mono(), wall = lm_wall();
	int i, n, got = 0;

	while (got < BURST) {
		for (i = 0; i < VEC; i++) {
			rx->iov[i].iov_base = rx->data + (size_t)i * LM_DGRAM_MAX;
			rx->iov[i].iov_len = LM_DGRAM_MAX;
			memset(&rx->mm[i].msg_hdr, 0, sizeof rx->mm[i].msg_hdr);
			rx->mm[i].msg_hdr.msg_iov = &rx->iov[i];
			rx->mm[i].msg_hdr.msg_iovlen = 1;
			rx->mm[i].msg_hdr.msg_control = udp ? NULL : rx->ctl[i].b;
			rx->mm[i].msg_hdr.msg_controllen = udp ? 0 : sizeof rx->ctl[i].b;
		}
		n = recvmmsg(fd, rx->mm, VEC, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			static double last = -COMPLAIN_EVERY;
			if (n < 0 && errno != EAGAIN && errno != EINTR && lm_mono() - last >= COMPLAIN_EVERY) {
				lm_warn_sys("unable to receive");
				last = lm_mono();
			}
			return;
		}
		got += n;
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &rx->mm[i].msg_hdr;
			if (mh->msg_flags & MSG_TRUNC) {
				lm_table_stats(t)->datagrams++;
				lm_table_stats(t)->truncated++;
				continue;
			}
			cred.known = 0;
			cred.pid = 0;
			cred.uid = -1;
			cred.app = udp ? "statsd" : NULL;
			for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
					struct ucred uc;
					memcpy(&uc, CMSG_DATA(cm), sizeof uc);
					cred.known = uc.pid > 0;
					cred.pid = uc.pid;
					cred.uid = (long)uc.uid;
				}
			lm_table_ingest(t, rx->iov[i].iov_base, rx->mm[i].msg_len, &cred, now, wall);
		}
		if (n < VEC)
			return;
		now = lm_mono();
		wall = lm_wall();
	}
}

int main(int argc, char **argv)
{
	struct lm_table_cfg cfg = {
		LM_APPS_DEFAULT, LM_SERIES_DEFAULT, LM_PERAPP_DEFAULT,
		LM_TTL_DEFAULT, LM_WINDOW_DEFAULT, app_of_pid, NULL, NULL, 0,
		LM_LINGER_DEFAULT, 0, NULL
	};
	struct sockaddr_un sa, qa;
	socklen_t salen, qalen;
	struct pollfd pf[4 + MAX_CLIENTS];
	struct lm_table *t;
	const char *path = NULL, *udp = NULL;
	long readyfd = -1, mode = 0666;
	gid_t gid = (gid_t)-1;
	double next_sweep, stop_at = 0;
	sigset_t sigs;
	struct rxbuf *rx;
	char *end;
	int c, sfd, dfd, qfd, ufd = -1, one = 1, i, np, size;

	lm_prog = "lmtabled";
	lm_help_long(argc, argv, usage, help);
	while ((c = getopt(argc, argv, ":hvPSd:s:m:g:t:l:w:a:n:p:k:u:")) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case 'P':
			keep_dead = 1;
			break;
		case 'S':
			cfg.split_pid = 1;
			break;
		case 'l':
			cfg.linger = lm_opt_num("linger", optarg, 0, 31536000, 0, "seconds");
			break;
		case 'v':
			verbose++;
			break;
		case 'd':
			readyfd = (int)lm_opt_num("file descriptor", optarg, 0, 65535, 1, NULL);
			break;
		case 's':
			path = optarg;
			break;
		case 'm':
			errno = 0;
			mode = strtol(optarg, &end, 8);
			if (errno || *end || end == optarg || mode < 0 || mode > 0777)
				lm_die(LM_EXIT_USAGE, "bad mode: %s (octal, e.g. 0660)", optarg);
			break;
		case 'g':
			gid = opt_group(optarg);
			break;
		case 't':
			cfg.ttl = lm_opt_num("ttl", optarg, 0, 31536000, 0, "seconds");
			break;
		case 'w':
			cfg.window = lm_opt_num("window", optarg, 0.1, 3600, 0, "seconds");
			break;
		case 'a':
			cfg.max_apps = (size_t)lm_opt_num("app limit", optarg, 1, 1e6, 1, NULL);
			break;
		case 'n':
			cfg.max_series = (size_t)lm_opt_num("series limit", optarg, 1, 1e8, 1, NULL);
			break;
		case 'p':
			cfg.max_per_app = (size_t)lm_opt_num("per-app series limit", optarg, 1, 1e8, 1, NULL);
			break;
		case 'k':
			knob_file = optarg;
			break;
		case 'u':
			udp = optarg;
			break;
		default:
			lm_bad_option(usage, c);
		}
	}
	if (optind != argc) {
		lm_warn("unexpected argument: %s", argv[optind]);
		lm_usage(usage);
	}
	path = lm_socket_path(path);
	if (lm_sockaddr(&sa, &salen, path) < 0 || lm_sockaddr_query(&qa, &qalen, path) < 0)
		lm_die(LM_EXIT_USAGE, "unable to use socket path %s: %s (at most %zu bytes with \"%s\")",
			path, strerror(errno), sizeof sa.sun_path - 1 - strlen(LM_QUERY_SUFFIX), LM_QUERY_SUFFIX);
	cfg.complain = complain;
	if (verbose) {
		cfg.note = note;
		cfg.note_updates = verbose > 1;
	}
	/* -d FD must be open now: else the first descriptor made below
	 * would take its number, and the readiness write and close would
	 * hit that one (a closed signalfd: a loop polling a dead fd) */
	if (readyfd >= 0 && fcntl((int)readyfd, F_GETFD) < 0)
		lm_die(LM_EXIT_USAGE, "bad file descriptor: %ld (-d names a descriptor open when lmtabled starts)",
		    readyfd);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to block signals");
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create a signalfd");
	rx = malloc(sizeof *rx);
	if (rx && !(rx->data = malloc((size_t)VEC * LM_DGRAM_MAX))) {
		free(rx);
		rx = NULL;
	}
	t = lm_table_new(&cfg);
	if (!rx || !t)
		lm_die_sys(LM_EXIT_SYS, "unable to allocate the table");

	if (knob_file)
		load_knobs(t);
	if (udp)
		ufd = bind_udp(udp);
	dfd = bind_unix(SOCK_DGRAM, &sa, salen, (mode_t)mode, gid);
	if (setsockopt(dfd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to ask for sender credentials on %s", path);
	size = 4 << 20;
	if (setsockopt(dfd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(dfd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	qfd = bind_unix(SOCK_STREAM, &qa, qalen, (mode_t)mode, gid);
	if (listen(qfd, 64) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to listen on %s", qa.sun_path);
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (verbose)
		lm_info("listening on %s and %s", path, qa.sun_path);
	if (readyfd >= 0) {
		if (write((int)readyfd, "\n", 1) != 1)
			lm_warn_sys("unable to write the readiness newline to fd %ld", readyfd);
		close((int)readyfd);
	}

	next_sweep = lm_mono() + SWEEP_EVERY;
	for (;;) {
		double now = lm_mono(), wait = next_sweep - now;
		int idx[MAX_CLIENTS];

		pf[0].fd = sfd;
		pf[0].events = POLLIN;
		pf[1].fd = dfd;   /* -1 once stopping: poll skips it */
		pf[1].events = POLLIN;
		pf[2].fd = qfd;
		pf[2].events = POLLIN;
		pf[3].fd = stop_at > 0 ? -1 : ufd;
		pf[3].events = POLLIN;
		np = 4;
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			if (stop_at > 0 && stop_at - now < wait)
				wait = stop_at - now;
			if (clients[i].deadline < wait + now)
				wait = clients[i].deadline - now;
			pf[np].fd = clients[i].fd;
			pf[np].events = clients[i].answering ? POLLOUT : POLLIN;
			idx[np - 4] = i;
			np++;
		}
		if (wait < 0)
			wait = 0;
		if (poll(pf, (nfds_t)np, (int)(wait * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			lm_die_sys(LM_EXIT_SYS, "unable to poll");
		}
		now = lm_mono();
		for (i = 0; i < 4; i++)
			if (pf[i].fd >= 0 && (pf[i].revents & POLLNVAL))
				lm_die(LM_EXIT_SYS, "descriptor %d was closed under lmtabled", pf[i].fd);
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (stop_at > 0)
					break;      /* a second signal: now */
				if (verbose)
					lm_info("signal %u: stopping", si.ssi_signo);
				/* stop reading: take what is queued, then no more
				 * datagrams or clients; finish the answers begun */
				receive(dfd, t, rx, 0);
				unlink(sa.sun_path);
				unlink(qa.sun_path);
				close(dfd);
				close(qfd);
				dfd = qfd = -1;
				stop_at = now + STOP_GRACE;
			}
		}
		if (stop_at > 0) {
			for (i = 0; i < MAX_CLIENTS && clients[i].fd < 0; i++)
				;
			if (i == MAX_CLIENTS || now >= stop_at)
				break;
		}
		if (dfd >= 0 && (pf[1].revents & POLLIN))
			receive(dfd, t, rx, 0);
		if (qfd >= 0 && (pf[2].revents & POLLIN))
			client_accept(qfd, t, now);
		if (ufd >= 0 && stop_at == 0 && (pf[3].revents & POLLIN))
			receive(ufd, t, rx, 1);
		for (i = 4; i < np; i++) {
			struct client *cl = &clients[idx[i - 4]];
			if (cl->fd < 0)
				continue;
			if (pf[i].revents)
				client_io(cl, pf[i].revents, t, now);
			if (cl->fd >= 0 && (now > cl->deadline || (stop_at > 0 && !cl->answering))) {
				lm_table_stats(t)->queries_refused++;
				client_close(cl);
			}
		}
		if (now >= next_sweep) {
			lm_table_sweep(t, now, keep_dead ? NULL : alive);
			next_sweep = now + SWEEP_EVERY;
		}
	}
	if (dfd >= 0) {
		unlink(sa.sun_path);
		unlink(qa.sun_path);
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i]);
	lm_buf_free(&spare);
	lm_table_free(t);
	free(rx->data);
	free(rx);
	return 0;
}
