/* bench/load: feed a metrics daemon the same kind of updates from one or
 * more sender processes for a while, then count what arrived.
 *
 *   bench_load lm SOCK RUN SENDERS SECS LINES RATE
 *	wire lines "ing_cK:1|c|#app:rRUNsS" to lmtabled's datagram socket,
 *	LINES to a datagram. RATE 0: blocking sends as fast as the daemon
 *	takes them (back-pressure, nothing can be lost); RATE > 0: paced to
 *	RATE updates/s in all, a send waiting at most 100 ms for room (as
 *	the hook's sender does), else its lines are lost; RATE -1:
 *	non-blocking sends as fast as they go, RATE < -1: non-blocking,
 *	paced to -RATE (fire and forget, StatsD style: a refused send is lost).
 *	Arrived: the sum of this run's ing_ counters in lmtabled's dump.
 *   bench_load lm-mm SOCK RUN SENDERS SECS
 *	one line a datagram (StatsD style), each a series of its own in
 *	turn, MM datagrams handed to one sendmmsg() (blocking: nothing can
 *	be lost), so that the sender's system call is not what bounds the
 *	rate of datagrams the daemon takes.
 *   bench_load floor-one RUN SENDERS SECS | floor-mm RUN SENDERS SECS
 *	the same one-line datagrams (one send() each, or MM a sendmmsg())
 *	to a bare receiver on a unix datagram socket of its own (credentials
 *	on, as lmtabled's), which takes them MM a recvmmsg() and only counts
 *	them: the kernel's floor for that transport on this machine.
 *   bench_load collectd SOCK RUN SENDERS SECS
 *	PUTVAL lines to collectd's unixsock socket (a stream: pipelined,
 *	each answer read). Arrived: "0 Success" answers; done when GETVAL
 *	shows every sender's last value.
 *   bench_load pgw PORT RUN SENDERS SECS LINES
 *	POST bodies of LINES samples to the pushgateway on 127.0.0.1:PORT,
 *	one keep-alive connection per sender. Arrived: lines of 2xx answers.
 *   bench_load fill-lm SOCK N | fill-lm-timers SOCK N | fill-collectd SOCK N | fill-pgw PORT N
 *	N series, 100 families of N/100 (families 0-49 counters, 50-99 gauges).
 *
 * Prints one line: "sent LINES lost LINES arrived LINES secs S rate R"
 * where secs runs from the first send to the moment all that was sent
 * (and not refused) had arrived. Exit 0, 1 when less arrived than was
 * sent and not refused, 100 usage, 111 system error. */
#include <math.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "lm_buf.h"
#include "lm_sock.h"
#include "lm_wire.h"

#define NSER 100     /* series per sender */
#define MAXS 64      /* senders */
#define MM 32        /* datagrams a sendmmsg() / recvmmsg() */

struct tally { volatile long sent, lost; volatile double last; };

static const char *prog = "bench_load";

static void die(const char *what)
{
	fprintf(stderr, "%s: fatal: %s: %s\n", prog, what, strerror(errno));
	exit(111);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s lm SOCK RUN SENDERS SECS LINES RATE | lm-mm SOCK RUN SENDERS SECS"
		" | floor-one RUN SENDERS SECS | floor-mm RUN SENDERS SECS | collectd SOCK RUN SENDERS SECS"
		" | pgw PORT RUN SENDERS SECS LINES | fill-lm SOCK N | fill-lm-timers SOCK N | fill-collectd SOCK N | fill-pgw PORT N\n", prog);
	exit(100);
}

static long num(const char *s, long lo, long hi)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (!*s || *e || errno || v < lo || v > hi)
		usage();
	return v;
}

static double dnum(const char *s, double lo, double hi)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (!*s || *e || errno || !(v >= lo && v <= hi))
		usage();
	return v;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void until(double t)
{
	double d = t - mono();
	struct timespec ts;

	if (d > 100e-6) {
		ts.tv_sec = (time_t)(d - 50e-6);
		ts.tv_nsec = (long)((d - 50e-6 - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	while (mono() < t)
		;
}

static int unix_conn(const char *path, int type)
{
	struct sockaddr_un sa;
	socklen_t sl;
	int fd;

	if (lm_sockaddr(&sa, &sl, path) < 0)
		die(path);
	fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		die("socket");
	if (type == SOCK_STREAM && connect(fd, (struct sockaddr *)&sa, sl) < 0)
		die(path);
	return fd;
}

static int tcp_conn(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("connect to the pushgateway");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void writeall(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* ---- lmtabled */

static void lm_sender(const char *sock, long run, int s, double secs, long lines,
	double rate, struct tally *t)
{
	char dg[LM_DGRAM_SEND];
	struct sockaddr_un sa;
	socklen_t sl;
	size_t n = 0;
	long i, k = 0;
	double t0, iv = 0, next;
	int fd = unix_conn(sock, SOCK_DGRAM), fl = rate < 0 ? MSG_DONTWAIT : 0;
	struct timeval tv = { 0, 100000 };

	lm_sockaddr(&sa, &sl, sock);
	/* paced: a send waits at most 100 ms for room, as lm_send's do */
	if (rate > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		die("setsockopt");
	if (rate < -1)
		rate = -rate;	/* paced, not waiting */
	else if (rate < 0)
		rate = 0;	/* as fast as it goes, not waiting */
	for (i = 0; i < lines; i++) {
		int w = snprintf(dg + n, sizeof dg - n, "ing_c%ld:1|c|#app:r%lds%d\n", i % NSER, run, s);
		if (w < 0 || (size_t)w >= sizeof dg - n)
			break;
		n += (size_t)w;
	}
	lines = i;
	if (rate > 0)
		iv = (double)lines / rate;
	t0 = next = mono();
	while (mono() - t0 < secs) {
		if (rate > 0) {
			next += iv;
			until(next);
		}
		if (sendto(fd, dg, n, fl, (struct sockaddr *)&sa, sl) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				t->lost += lines;
			else if (errno != EINTR)
				die("sendto");
		} else {
			t->sent += lines;
		}
		k++;
	}
	(void)k;
}

/* One line a datagram, a series of its own in turn: MM datagrams a
 * sendmmsg() (mm), else one send() each. Blocking: nothing is lost. */
static void one_line_sender(const char *sock, long run, int s, double secs, int mm,
	struct tally *t)
{
	static char dg[NSER][64];
	struct mmsghdr m[NSER];
	struct iovec v[NSER];
	struct sockaddr_un sa;
	socklen_t sl;
	double t0;
	int fd = unix_conn(sock, SOCK_DGRAM), i, at = 0, r;

	if (lm_sockaddr(&sa, &sl, sock) < 0 || connect(fd, (struct sockaddr *)&sa, sl) < 0)
		die(sock);
	memset(m, 0, sizeof m);
	for (i = 0; i < NSER; i++) {
		int w = snprintf(dg[i], sizeof dg[i], "ing_c%d:1|c|#app:r%lds%d\n", i, run, s);
		v[i].iov_base = dg[i];
		v[i].iov_len = (size_t)w;
		m[i].msg_hdr.msg_iov = &v[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = mono();
	while (mono() - t0 < secs) {
		if (mm) {
			int n = NSER - at < MM ? NSER - at : MM;
			/* the system call itself: musl's sendmmsg() is a loop
			 * of sendmsg() on 64-bit targets (its struct msghdr
			 * has padding the kernel's has not; zeroed here, so
			 * the layouts agree) */
			r = (int)syscall(SYS_sendmmsg, fd, m + at, (unsigned)n, 0);
		} else {
			r = send(fd, dg[at], v[at].iov_len, 0) < 0 ? -1 : 1;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("send");
		}
		t->sent += r;
		at = (at + r) % NSER;
	}
}

/* the bare receiver of floor-*: counts datagrams into *got until killed */
static void sink(int fd, volatile long *got)
{
	static char b[MM][256];
	struct mmsghdr m[MM];
	struct iovec v[MM];
	union {
		struct cmsghdr h;
		char c[CMSG_SPACE(sizeof(struct ucred))];
	} ctl[MM];
	int i, n;

	for (;;) {
		for (i = 0; i < MM; i++) {
			memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
			v[i].iov_base = b[i];
			v[i].iov_len = sizeof b[i];
			m[i].msg_hdr.msg_iov = &v[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_control = ctl[i].c;
			m[i].msg_hdr.msg_controllen = sizeof ctl[i].c;
		}
		n = recvmmsg(fd, m, MM, MSG_WAITFORONE, NULL);
		if (n < 0 && errno != EINTR)
			die("recvmmsg");
		if (n > 0)
			*got += n;
	}
}

/* the sum of this run's ing_ counters, or -1 */
static double lm_arrived(const char *sock, long run)
{
	struct lm_buf b;
	struct lm_line l;
	const char *line;
	size_t pos = 0, ln;
	char pre[32];
	double sum = 0;
	struct lm_str v;
	int pl = snprintf(pre, sizeof pre, "r%lds", run);

	lm_buf_init(&b, 64u << 20);
	if (lm_query(sock, "dump\n", &b, 5) < 0) {
		lm_buf_free(&b);
		return -1;
	}
	while (lm_next_line(b.p, b.len, &pos, &line, &ln))
		if (ln > 4 && memcmp(line, "ing_", 4) == 0 && lm_parse_line(line, ln, &l) == LM_WOK
		    && lm_line_tag(&l, "app", &v) && v.n > (size_t)pl && memcmp(v.p, pre, (size_t)pl) == 0)
			sum += l.values[0];
	lm_buf_free(&b);
	return sum;
}

/* ---- collectd unixsock */

static int collectd_line(char *d, size_t cap, long run, int s, long k, long v)
{
	return snprintf(d, cap, "PUTVAL \"bench/r%lds%d/gauge-c%ld\" interval=10 N:%ld\n",
		run, s, k % NSER, v);
}

static void collectd_sender(const char *sock, long run, int s, double secs, struct tally *t)
{
	static char out[1 << 16], in[1 << 16];
	size_t on = 0, ip = 0;
	long seq = 0, answers = 0, ok = 0;
	double t0 = mono();
	int fd = unix_conn(sock, SOCK_STREAM), done = 0;
	struct pollfd p;

	p.fd = fd;
	for (;;) {
		if (!done && mono() - t0 >= secs)
			done = 1;
		while (!done && on < sizeof out - 128) {
			on += (size_t)collectd_line(out + on, sizeof out - on, run, s, seq, seq / NSER + 1);
			seq++;
		}
		if (done && on == 0 && answers == seq)
			break;
		p.events = POLLIN | (on ? POLLOUT : 0);
		if (poll(&p, 1, 5000) <= 0)
			die("collectd does not answer");
		if (p.revents & POLLIN) {
			ssize_t r = read(fd, in + ip, sizeof in - ip - 1);
			char *a, *e;
			if (r <= 0)
				die("read from collectd");
			ip += (size_t)r;
			for (a = in; (e = memchr(a, '\n', ip - (size_t)(a - in))) != NULL; a = e + 1) {
				answers++;
				if (strncmp(a, "0 ", 2) == 0)
					ok++;
			}
			memmove(in, a, ip - (size_t)(a - in));
			ip -= (size_t)(a - in);
		}
		if (on && (p.revents & POLLOUT)) {
			ssize_t w = write(fd, out, on);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				die("write to collectd");
			if (w > 0) {
				memmove(out, out + w, on - (size_t)w);
				on -= (size_t)w;
			}
		}
	}
	t->sent = ok;
	t->lost = answers - ok;
	t->last = (double)((seq - 1) / NSER + 1);
	/* the last identifier: its value must show up */
	{
		char q[128];
		long k = seq - 1;
		double t1 = mono();
		snprintf(q, sizeof q, "GETVAL \"bench/r%lds%d/gauge-c%ld\"\n", run, s, k % NSER);
		for (;;) {
			ssize_t r;
			char *v;
			writeall(fd, q, strlen(q));
			ip = 0;
			while ((r = read(fd, in + ip, sizeof in - ip - 1)) > 0) {
				ip += (size_t)r;
				in[ip] = '\0';
				if ((in[0] != '1' && strchr(in, '\n')) || (in[0] == '1' && strstr(in, "\nvalue=")
				    && strchr(strstr(in, "\nvalue=") + 1, '\n')))
					break;
			}
			if (r <= 0)
				die("read from collectd");
			v = strstr(in, "value=");
			if (v && strtod(v + 6, NULL) >= t->last)
				break;
			if (mono() - t1 > 10) {
				t->lost = t->sent;
				break;
			}
			usleep(1000);
		}
	}
	close(fd);
}

/* ---- pushgateway */

/* send one request (head + body), read one answer; its status or -1 */
static int http(int fd, const char *method, const char *path, const char *body, size_t n)
{
	static char in[1 << 16];
	char head[256];
	size_t ip = 0, need = 0;
	char *e;
	int st;

	snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
		"Content-Length: %zu\r\n\r\n", method, path, n);
	writeall(fd, head, strlen(head));
	writeall(fd, body, n);
	for (;;) {
		ssize_t r = read(fd, in + ip, sizeof in - ip - 1);
		if (r <= 0)
			return -1;
		ip += (size_t)r;
		in[ip] = '\0';
		if ((e = strstr(in, "\r\n\r\n")) != NULL) {
			char *cl = strcasestr(in, "\r\nContent-Length:");
			need = (size_t)(e + 4 - in) + (cl && cl < e ? strtoul(cl + 17, NULL, 10) : 0);
			if (ip >= need)
				break;
		}
	}
	if (sscanf(in, "HTTP/1.%*d %d", &st) != 1)
		return -1;
	return st;
}

static void pgw_sender(int port, long run, int s, double secs, long lines, struct tally *t)
{
	struct lm_buf b;
	char path[128];
	long i, seq = 0;
	double t0 = mono();
	int fd = tcp_conn(port), st;

	snprintf(path, sizeof path, "/metrics/job/bench/instance/r%lds%d", run, s);
	lm_buf_init(&b, 0);
	while (mono() - t0 < secs) {
		char l[64];
		lm_buf_reset(&b);
		seq++;
		for (i = 0; i < lines; i++) {
			int w = snprintf(l, sizeof l, "ing_c%ld %ld\n", i % NSER, seq);
			lm_buf_add(&b, l, (size_t)w);
		}
		st = http(fd, "POST", path, b.p, b.len);
		if (st < 0)
			die("no answer from the pushgateway");
		if (st / 100 == 2)
			t->sent += lines;
		else
			t->lost += lines;
	}
	lm_buf_free(&b);
	close(fd);
}

/* ---- fills: N series in 100 families */

static void fill(const char *mode, const char *where, long n)
{
	struct lm_buf b;
	char l[1024];
	long i;
	int w, fd, timers = !strcmp(mode, "fill-lm-timers");

	lm_buf_init(&b, 0);
	if (timers)
		mode = "fill-lm";
	for (i = 0; i < n; i++) {
		long f = i % 100, x = i / 100;
		if (timers) {
			/* 32 observations spread over 1 ms .. 100 ms (log-uniform) */
			int k;
			w = snprintf(l, sizeof l, "bench_t%ld", f);
			for (k = 0; k < 32; k++)
				w += snprintf(l + w, sizeof l - (size_t)w, ":%.6g",
					0.001 * pow(100, (double)((k * 7 + i) % 32) / 31));
			w += snprintf(l + w, sizeof l - (size_t)w, "|t|#app:bench,i:%ld\n", x);
		} else if (!strcmp(mode, "fill-lm"))
			w = snprintf(l, sizeof l, "bench_f%ld:%ld|%s|#app:bench,i:%ld\n", f, i,
				f < 50 ? "c" : "g", x);
		else if (!strcmp(mode, "fill-collectd"))
			w = snprintf(l, sizeof l, "PUTVAL \"bench/i%ld/gauge-f%ld\" interval=10 N:%ld\n", x, f, i);
		else
			w = snprintf(l, sizeof l, "# TYPE bench_f%ld %s\nbench_f%ld{i=\"%ld\"} %ld\n", f,
				f < 50 ? "counter" : "gauge", f, x, i);
		lm_buf_add(&b, l, (size_t)w);
	}
	if (!strcmp(mode, "fill-lm")) {
		struct sockaddr_un sa;
		socklen_t sl;
		size_t pos = 0, start = 0, ln;
		const char *line;
		fd = unix_conn(where, SOCK_DGRAM);
		lm_sockaddr(&sa, &sl, where);
		/* datagrams of whole lines, at most LM_DGRAM_SEND bytes, blocking */
		while (start < b.len) {
			size_t end = start;
			pos = start;
			while (lm_next_line(b.p, b.len, &pos, &line, &ln) && pos - start <= LM_DGRAM_SEND)
				end = pos;
			if (sendto(fd, b.p + start, end - start, 0, (struct sockaddr *)&sa, sl) < 0)
				die("sendto");
			start = end;
		}
	} else if (!strcmp(mode, "fill-collectd")) {
		char in[4096];
		long got = 0;
		ssize_t r;
		char *p;
		fd = unix_conn(where, SOCK_STREAM);
		/* pipelined: write all from a child, read the answers here */
		if (fork() == 0) {
			writeall(fd, b.p, b.len);
			_exit(0);
		}
		while (got < n && (r = read(fd, in, sizeof in)) > 0)
			for (p = in; p < in + r; p++)
				got += *p == '\n';
		wait(NULL);
		if (got < n)
			die("collectd answered too few PUTVALs");
	} else {
		/* the pushgateway wants each TYPE once, before the family's samples */
		struct lm_buf s;
		long f;
		lm_buf_init(&s, 0);
		for (f = 0; f < 100; f++) {
			w = snprintf(l, sizeof l, "# TYPE bench_f%ld %s\n", f, f < 50 ? "counter" : "gauge");
			lm_buf_add(&s, l, (size_t)w);
			for (i = f; i < n; i += 100) {
				w = snprintf(l, sizeof l, "bench_f%ld{i=\"%ld\"} %ld\n", f, i / 100, i);
				lm_buf_add(&s, l, (size_t)w);
			}
		}
		fd = tcp_conn((int)num(where, 1, 65535));
		w = http(fd, "PUT", "/metrics/job/bench", s.p, s.len);
		if (w / 100 != 2) {
			fprintf(stderr, "%s: fatal: the pushgateway answered %d\n", prog, w);
			exit(111);
		}
		lm_buf_free(&s);
	}
	close(fd);
	lm_buf_free(&b);
}

static char floor_path[64];
static pid_t sinkpid = -1;

int main(int argc, char **argv)
{
	struct tally *t;
	long run, ns, lines = 0, s;
	double secs, rate = 0, t0, t1, sent = 0, lost = 0, arrived = 0, prev = -1, tprev = 0;
	const char *mode, *where;
	int floor_mode, a;

	if (argc < 4)
		usage();
	mode = argv[1];
	where = argv[2];
	if (!strncmp(mode, "fill-", 5)) {
		if (argc != 4)
			usage();
		fill(mode, where, num(argv[3], 1, 10000000));
		return 0;
	}
	/* RUN SENDERS SECS at argv[a]: after SOCK, or where it is for floor-* */
	floor_mode = !strcmp(mode, "floor-one") || !strcmp(mode, "floor-mm");
	a = floor_mode ? 2 : 3;
	if (argc < a + 3)
		usage();
	run = num(argv[a], 0, 1000000);
	ns = num(argv[a + 1], 1, MAXS);
	secs = dnum(argv[a + 2], 0.01, 600);
	if (floor_mode || !strcmp(mode, "lm-mm")) {
		if (argc != a + 3)
			usage();
	} else if (!strcmp(mode, "lm")) {
		if (argc != 8)
			usage();
		lines = num(argv[6], 1, 400);
		rate = (double)num(argv[7], -1000000000, 1000000000);
	} else if (!strcmp(mode, "pgw")) {
		if (argc != 7)
			usage();
		lines = num(argv[6], 1, 100000);
	} else if (strcmp(mode, "collectd") || argc != 6) {
		usage();
	}
	signal(SIGPIPE, SIG_IGN);
	t = mmap(NULL, (size_t)(MAXS + 1) * sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		die("mmap");
	if (floor_mode) {
		/* the bare receiver, on a socket of its own; t[MAXS].sent counts */
		struct sockaddr_un sa;
		socklen_t sl;
		int fd, one = 1, size = 4 << 20;
		snprintf(floor_path, sizeof floor_path, "/tmp/bench_load.%ld.sock", (long)getpid());
		unlink(floor_path);
		if (lm_sockaddr(&sa, &sl, floor_path) < 0 || (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0
		    || bind(fd, (struct sockaddr *)&sa, sl) < 0)
			die(floor_path);
		setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
		if ((sinkpid = fork()) < 0)
			die("fork");
		if (sinkpid == 0)
			sink(fd, &t[MAXS].sent);
		close(fd);
		where = floor_path;
	}
	t0 = mono();
	for (s = 0; s < ns; s++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0) {
			if (!strcmp(mode, "lm-mm") || !strcmp(mode, "floor-mm"))
				one_line_sender(where, run, (int)s, secs, 1, &t[s]);
			else if (!strcmp(mode, "floor-one"))
				one_line_sender(where, run, (int)s, secs, 0, &t[s]);
			else if (!strcmp(mode, "lm"))
				lm_sender(where, run, (int)s, secs, lines, rate > 0 || rate < -1 ? rate / (double)ns : rate, &t[s]);
			else if (!strcmp(mode, "collectd"))
				collectd_sender(where, run, (int)s, secs, &t[s]);
			else
				pgw_sender((int)num(where, 1, 65535), run, (int)s, secs, lines, &t[s]);
			_exit(0);
		}
	}
	for (s = 0; s < ns; s++) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0)
			die("wait");
		if (w == sinkpid) {
			errno = 0;
			die("the bare receiver ended");
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			exit(111);
	}
	t1 = mono();
	for (s = 0; s < ns; s++) {
		sent += (double)t[s].sent;
		lost += (double)t[s].lost;
	}
	arrived = sent;
	if (!strncmp(mode, "lm", 2) || floor_mode) {
		/* poll the dump (the count) until all arrived or nothing
		 * changed for 1 s */
		for (;;) {
			double a = sinkpid > 0 ? (double)t[MAXS].sent : lm_arrived(where, run), now = mono();
			if (a < 0)
				die("unable to query lmtabled");
			if (a != prev) {
				prev = a;
				tprev = now;
			}
			t1 = now;
			if (a >= sent || now - tprev > 1)
				break;
			usleep(2000);
		}
		arrived = prev;
		if (arrived < sent)
			t1 = tprev;
	}
	if (sinkpid > 0) {
		kill(sinkpid, SIGKILL);
		waitpid(sinkpid, NULL, 0);
		unlink(floor_path);
	}
	printf("sent %.0f lost %.0f arrived %.0f secs %.4f rate %.0f\n", sent, lost, arrived,
		t1 - t0, arrived / (t1 - t0));
	return arrived < sent ? 1 : 0;
}
