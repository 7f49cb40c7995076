/* example_app: a hooked app in the shape of the seeds' example: it
 * "processes frames" and reports fps (a rate), latency (a timer), x (a
 * plain number) and frames (a counter) through the livemetrics C API, and
 * once a second reads the knob "res" the controller may set (lmhook set
 * res 720), reporting the value it works with as the gauge res.
 *
 *	cc -Ilib -o example_app docs/examples/app.c build/liblm.a -lpthread
 *	LM_SOCKET=/tmp/lm.sock LM_APP=demo ./example_app -n 100 -r 30 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lm.h"

static const char usage[] = "usage: example_app [-n FRAMES] [-r FPS]";
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long arg(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < min || v > max) {
		fprintf(stderr, "example_app: fatal: bad number: %s\n%s\n", s, usage);
		exit(100);
	}
	return v;
}

int main(int argc, char **argv)
{
	long frames = 100, fps = 30, i;
	struct lm_stats st;
	lm_metric *m_fps, *m_lat, *m_x, *m_frames, *m_res;
	double res = 640;
	lm *h;
	int c;

	while ((c = getopt(argc, argv, "hn:r:")) != -1) {
		switch (c) {
		case 'h':
			printf("%s\n", usage);
			return 0;
		case 'n':
			frames = arg(optarg, 0, 1000000000);
			break;
		case 'r':
			fps = arg(optarg, 1, 100000);
			break;
		default:
			fprintf(stderr, "%s\n", usage);
			return 100;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	h = lm_open(NULL);                      /* app name from $LM_APP */
	m_fps = lm_rate(h, "fps");
	m_lat = lm_timer(h, "latency");
	m_x = lm_gauge(h, "x");
	m_frames = lm_counter(h, "frames");
	m_res = lm_gauge(h, "res");

	for (i = 0; !stop && (frames == 0 || i < frames); i++) {
		lm_time t0;

		if (i % fps == 0) {     /* once a second, outside the timed work */
			res = lm_param_num(h, "res", res, 0.05);
			lm_gauge_set(m_res, res);
		}
		t0 = lm_timer_start();
		/* the "inference": a few milliseconds of sleep */
		struct timespec work = { 0, (long)(2 + i % 5) * 1000000L };
		struct timespec rest = { 0, 1000000000L / fps };
		nanosleep(&work, NULL);
		lm_timer_stop(m_lat, t0);
		lm_rate_tick(m_fps);
		lm_counter_inc(m_frames);
		lm_gauge_set(m_x, (double)(i % 10) / 2);
		nanosleep(&rest, NULL);
	}
	lm_get_stats(h, &st);
	lm_close(h);
	fprintf(stderr, "example_app: %ld frames, %llu datagrams sent, %llu not sent\n",
		i, (unsigned long long)st.datagrams, (unsigned long long)st.send_errors);
	return 0;
}
