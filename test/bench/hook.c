/* bench/hook: what one update of the C hook API costs, next to the
 * physical floor (a clock_gettime pair) and a bare sendto() of one wire
 * line on a unix datagram socket, all measured in this one process.
 *
 *   bench_hook [N [REPS]]    (LM_SOCKET: the daemon's socket)
 *
 * Each row runs N updates, REPS rounds, the rows in turn within a round;
 * a ratio is taken within a round, then the median over rounds. Then,
 * when the daemon is up, one thread makes 1,000,000 counter increments
 * and timer pairs in one second (paced) and the totals in lmtabled's dump
 * must equal what was made: nothing lost. Prints Markdown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "lm.h"
#include "lm_buf.h"
#include "lm_sock.h"
#include "lm_wire.h"

#define ROWS 8
#define REPS_MAX 31

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *name[ROWS];
static double ns[ROWS][REPS_MAX];
static int nrow;

#define RUN(label, n, body) do { \
	long i_; double t0_ = now_ns(); \
	for (i_ = 0; i_ < (n); i_++) { body; } \
	name[nrow] = label; ns[nrow][rep] = (now_ns() - t0_) / (double)(n); nrow++; \
} while (0)

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of v[0..n), and its min and max */
static double med(const double *v, int n, double *lo, double *hi)
{
	double s[REPS_MAX];

	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmpd);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static char app[64];

/* value of NAME|TYPE for this process's app in the dump, or -1 */
static double dumped(const char *path, const char *nm, int type, double *count)
{
	struct lm_buf b;
	struct lm_line l;
	struct lm_str v;
	const char *line;
	size_t pos = 0, ln, k;
	double r = -1;

	lm_buf_init(&b, 64u << 20);
	if (lm_query(path, "dump\n", &b, 5) == 0)
		while (lm_next_line(b.p, b.len, &pos, &line, &ln))
			if (lm_parse_line(line, ln, &l) == LM_WOK && l.type == type
			    && l.name.n == strlen(nm) && !memcmp(l.name.p, nm, l.name.n)
			    && lm_line_tag(&l, "app", &v) && v.n == strlen(app) && !memcmp(v.p, app, v.n)) {
				r = l.values[0];
				*count = 0;
				for (k = 0; k < l.nbk; k++)
					*count += l.bk[k].n;
			}
	lm_buf_free(&b);
	return r;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	long nsend = n / 100 < 20000 ? n / 100 : 20000, paced = 1000000, i;
	struct sockaddr_un sa;
	socklen_t salen;
	struct lm_stats st;
	const char *line = "fps:1|c|#app:bench,pid:12345\n", *path = lm_socket_path(NULL);
	volatile lm_time sink = 0;
	int fd, r, rep, sent_fail = 0, up, lost;
	double lo, hi, ratio[REPS_MAX], t0, got, cnt = 0;
	lm *h;
	lm_metric *c, *c2, *g, *t, *rt, *pc, *pt;

	if (n < 1 || reps < 1 || reps > REPS_MAX)
		return 100;
	snprintf(app, sizeof app, "bench-hook-%ld", (long)getpid());
	h = lm_open(app);
	c = lm_counter(h, "c");
	c2 = lm_counter(h, "c2");
	g = lm_gauge(h, "g");
	t = lm_timer(h, "t");
	rt = lm_rate(h, "r");
	pc = lm_counter(h, "paced");
	pt = lm_timer(h, "paced_t");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	lm_sockaddr(&sa, &salen, path);
	for (rep = 0; rep < reps; rep++) {
		nrow = 0;
		RUN("clock_gettime pair (floor)", n, sink += lm_timer_start() + lm_timer_start());
		RUN("`lm_counter_inc`", n, lm_counter_inc(c));
		RUN("`lm_counter_add`", n, lm_counter_add(c2, 2.5));
		RUN("`lm_gauge_set`", n, lm_gauge_set(g, (double)i_));
		RUN("`lm_rate_tick`", n, lm_rate_tick(rt));
		RUN("`lm_timer_start` + `lm_timer_stop`", n, lm_timer_stop(t, lm_timer_start()));
		RUN("bare `sendto()` of one line", nsend,
			sent_fail += sendto(fd, line, strlen(line), MSG_DONTWAIT, (struct sockaddr *)&sa, salen) < 0);
	}
	printf("| operation | ns per update | spread (min-max) | x floor | x sendto |\n"
		"|---|---:|---:|---:|---:|\n");
	for (r = 0; r < nrow; r++) {
		double m = med(ns[r], reps, &lo, &hi), xf, xs;
		for (rep = 0; rep < reps; rep++)
			ratio[rep] = ns[r][rep] / ns[0][rep];
		xf = med(ratio, reps, &lo, &lo);
		for (rep = 0; rep < reps; rep++)
			ratio[rep] = ns[r][rep] / ns[nrow - 1][rep];
		xs = med(ratio, reps, &lo, &lo);
		med(ns[r], reps, &lo, &hi);
		printf("| %s | %.1f | %.1f-%.1f | %.2f | %.4f |\n", name[r], m, lo, hi, xf, xs);
	}
	/* 1 M updates per second from one thread: counter +1 and a timer pair */
	lm_flush(h);
	up = dumped(path, "c", LM_COUNTER, &cnt) >= 0;
	if (up) {
		t0 = now_ns();
		for (i = 0; i < paced; i++) {
			while (now_ns() - t0 < (double)i * 1e3)
				;
			lm_counter_inc(pc);
			lm_timer_stop(pt, lm_timer_start());
		}
		t0 = (now_ns() - t0) / 1e9;
	}
	lm_flush(h);
	lm_get_stats(h, &st);
	printf("\n%ld updates a row, %d rounds; %ld `sendto()` calls a round (%d refused);"
		" hook: %llu datagrams sent, %llu not sent (%llu lines).\n",
		n, reps, nsend, sent_fail, (unsigned long long)st.datagrams,
		(unsigned long long)st.send_errors, (unsigned long long)st.lines_dropped);
	if (up) {
		double want = (double)n * reps;
		got = dumped(path, "c", LM_COUNTER, &cnt);
		printf("\nNothing lost: the `lm_counter_inc` rows made %.0f increments, lmtabled holds %.0f.\n",
			want, got);
		got = dumped(path, "paced", LM_COUNTER, &cnt);
		dumped(path, "paced_t", LM_TIMER, &cnt);
		lost = got != (double)paced || cnt != (double)paced;
		printf("One thread at 1 M/s (%ld counter increments and %ld timer pairs in %.3f s):"
			" lmtabled holds %.0f increments and %.0f observations: %s.\n",
			paced, paced, t0, got, cnt, lost ? "SOME LOST" : "nothing lost");
		fprintf(stderr, "bench_hook: lost %d\n", lost);
	}
	lm_close(h);
	(void)sink;
	return 0;
}
