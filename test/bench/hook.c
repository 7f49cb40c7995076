/* bench/hook: what one update of the C hook API costs, next to the
 * physical floor (a clock_gettime pair) and a bare sendto() of one wire
 * line on a unix datagram socket, all measured in this one process.
 * usage: bench_hook [N]   (LM_SOCKET: the daemon's socket) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "lm.h"
#include "lm_sock.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define RUN(label, n, body) do { \
	long i_; double t0_ = now_ns(); \
	for (i_ = 0; i_ < (n); i_++) { body; } \
	res[nres].name = label; res[nres].ns = (now_ns() - t0_) / (double)(n); nres++; \
} while (0)

static struct { const char *name; double ns; } res[16];
static int nres;

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	long ns = n / 100 < 20000 ? n / 100 : 20000;
	struct sockaddr_un sa;
	socklen_t salen;
	struct lm_stats st;
	const char *line = "fps:1|c|#app:bench,pid:12345\n";
	volatile lm_time sink = 0;
	int fd, i, sent_fail = 0;
	lm *h;
	lm_metric *c, *g, *t, *r;

	h = lm_open("bench");
	c = lm_counter(h, "c");
	g = lm_gauge(h, "g");
	t = lm_timer(h, "t");
	r = lm_rate(h, "r");
	RUN("clock_gettime pair (floor)", n, sink += lm_timer_start() + lm_timer_start());
	RUN("lm_counter_inc", n, lm_counter_inc(c));
	RUN("lm_counter_add", n, lm_counter_add(c, 2.5));
	RUN("lm_gauge_set", n, lm_gauge_set(g, (double)i_));
	RUN("lm_rate_tick", n, lm_rate_tick(r));
	RUN("lm_timer_start + lm_timer_stop", n, lm_timer_stop(t, lm_timer_start()));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	lm_sockaddr(&sa, &salen, lm_socket_path(NULL));
	RUN("bare sendto() of one line", ns,
		sent_fail += sendto(fd, line, strlen(line), MSG_DONTWAIT, (struct sockaddr *)&sa, salen) < 0);
	lm_get_stats(h, &st);
	lm_close(h);
	printf("| operation | ns per update | x floor | x sendto |\n|---|---:|---:|---:|\n");
	for (i = 0; i < nres; i++)
		printf("| %s | %.1f | %.2f | %.3f |\n", res[i].name, res[i].ns,
			res[i].ns / res[0].ns, res[i].ns / res[nres - 1].ns);
	printf("\n%ld updates per hook row, %ld sendto() calls (%d failed); hook: %llu datagrams sent, %llu failed (%llu lines)\n",
		n, ns, sent_fail, (unsigned long long)st.datagrams, (unsigned long long)st.send_errors,
		(unsigned long long)st.lines_dropped);
	(void)sink;
	return 0;
}
