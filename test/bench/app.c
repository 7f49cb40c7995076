/* bench/app: what the hooks cost an app doing fixed work, and what a
 * command costs in CPU.
 *
 *   bench_app work RATE REPS
 *	Fixed work (about 0.5 s of arithmetic) cut into frames so that
 *	RATE frames pass per second; each frame of the hooked run makes
 *	one timer pair, one counter increment and one gauge set (3 updates).
 *	Plain and hooked runs alternate REPS times in this one process, the
 *	sender thread running throughout (LM_SOCKET: the daemon). Prints per
 *	pair: "plain_cpu_s hooked_cpu_s plain_wall_s hooked_wall_s frames".
 *   bench_app cpu SECS CMD [ARG...]
 *	Run CMD for SECS seconds, stop it (TERM), print its CPU seconds
 *	(user+system, from wait4) and the seconds it ran: "cpu_s wall_s". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "lm.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
		+ (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static volatile double sink;

/* k units of work */
static void work(long k)
{
	double x = sink;
	long i;

	for (i = 0; i < k; i++)
		x = x * 1.0000001 + 1e-9;
	sink = x;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "work")) {
		long rate = atol(argv[2]), reps = atol(argv[3]), units, frames, per, f, r;
		double t0;
		lm *h;
		lm_metric *c, *g, *t;

		if (rate < 1 || reps < 1)
			return 100;
		/* calibrate: units of work in 0.5 s */
		t0 = mono();
		work(1000000);
		units = (long)(1000000 * 0.5 / (mono() - t0));
		frames = rate / 2;
		per = units / frames;
		h = lm_open("bench-app");
		c = lm_counter(h, "frames");
		g = lm_gauge(h, "queue");
		t = lm_timer(h, "frame");
		for (r = 0; r < reps; r++) {
			double c0, c1, c2, w0, w1, w2;
			c0 = cpu(RUSAGE_SELF);
			w0 = mono();
			for (f = 0; f < frames; f++)
				work(per);
			c1 = cpu(RUSAGE_SELF);
			w1 = mono();
			for (f = 0; f < frames; f++) {
				lm_time s = lm_timer_start();
				work(per);
				lm_timer_stop(t, s);
				lm_counter_inc(c);
				lm_gauge_set(g, (double)f);
			}
			c2 = cpu(RUSAGE_SELF);
			w2 = mono();
			printf("%.6f %.6f %.6f %.6f %ld\n", c1 - c0, c2 - c1, w1 - w0, w2 - w1, frames);
		}
		lm_close(h);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "cpu")) {
		double secs = atof(argv[2]), t0 = mono();
		struct rusage ru;
		int st;
		pid_t p = fork();

		if (p < 0)
			return 111;
		if (p == 0) {
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		while (mono() - t0 < secs) {
			usleep(20000);
			if (waitpid(p, &st, WNOHANG) == p) {
				fprintf(stderr, "bench_app: %s ended early\n", argv[3]);
				return 111;
			}
		}
		kill(p, SIGTERM);
		if (wait4(p, &st, 0, &ru) != p)
			return 111;
		printf("%.6f %.3f\n", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
			+ (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, mono() - t0);
		return 0;
	}
	fprintf(stderr, "usage: bench_app work RATE REPS | cpu SECS CMD [ARG...]\n");
	return 100;
}
