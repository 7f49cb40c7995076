/* test_hook: the C hook API: aggregation loses nothing across threads,
 * a missing daemon neither blocks nor fails the caller, sending resumes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "t.h"
#include "lm.h"
#include "lm_sock.h"
#include "lm_wire.h"

#define THREADS 4
#define PER_THREAD 250000

static lm_metric *m_count, *m_rate, *m_timer, *m_sum;
static char dir[] = "/tmp/lm-test-hook-XXXXXX";
static char path[256];

static void *worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		lm_counter_inc(m_count);
		lm_rate_tick(m_rate);
		lm_counter_add(m_sum, 0.5);
		lm_timer_observe(m_timer, i == 777 ? 1e-10 : i == 778 ? 50000 : i % 2 ? 0.003 : 0.3);
	}
	return NULL;
}

static int bind_rx(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), size = 1 << 20;

	lm_sockaddr(&sa, &len, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

/* Read every pending datagram; sum the values of NAME by type. */
struct seen { double counter, rate, timer_count, timer_sum, timer_min, timer_max, gauge; int gauge_lines, lines, bad; char app[64], pid[16]; };

static void drain(int fd, struct seen *s)
{
	static char buf[LM_DGRAM_MAX];
	static struct lm_line l;
	ssize_t n;
	size_t pos, len;
	const char *p;
	int i;

	memset(s, 0, sizeof *s);
	while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
		pos = 0;
		while (lm_next_line(buf, (size_t)n, &pos, &p, &len)) {
			struct lm_str v;
			s->lines++;
			if (lm_parse_line(p, len, &l)) {
				s->bad++;
				continue;
			}
			if (lm_line_tag(&l, "app", &v))
				snprintf(s->app, sizeof s->app, "%.*s", (int)v.n, v.p);
			if (lm_line_tag(&l, "pid", &v))
				snprintf(s->pid, sizeof s->pid, "%.*s", (int)v.n, v.p);
			if (l.type == LM_COUNTER && l.name.n == 5)
				s->counter += l.values[0];
			else if (l.type == LM_COUNTER)
				s->gauge += 0;
			if (l.type == LM_RATE)
				s->rate += l.values[0];
			if (l.type == LM_TIMER && l.nbk) {
				for (i = 0; i < (int)l.nbk; i++)
					s->timer_count += l.bk[i].n;
				s->timer_sum += l.values[0];
				if (l.has_min && (s->timer_min == 0 || l.min < s->timer_min))
					s->timer_min = l.min;
				if (l.has_max && l.max > s->timer_max)
					s->timer_max = l.max;
			}
			if (l.type == LM_GAUGE) {
				s->gauge = l.sign ? s->gauge + l.values[0] : l.values[0];
				s->gauge_lines++;
			}
		}
	}
}

int main(void)
{
	pthread_t th[THREADS];
	struct lm_stats st;
	struct seen s;
	lm *h;
	int i, fd;
	char want[16];

	t_file = "test_hook";
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/s.sock", dir);
	setenv("LM_SOCKET", path, 1);
	setenv("LM_FLUSH_MS", "60000", 1);     /* flushes by hand below */
	setenv("LM_APP", "unit,te|st", 1);

	/* NULL handles are harmless */
	T_OK(lm_counter(NULL, "x") == NULL, "NULL handle gives NULL metric");
	lm_counter_inc(NULL);
	lm_gauge_set(NULL, 1);
	lm_timer_stop(NULL, lm_timer_start());
	T_OK(lm_flush(NULL) == 0, "NULL flush");
	lm_close(NULL);

	/* no daemon: updates and flushes return, errors are counted */
	h = lm_open(NULL);
	T_OK(h != NULL, "open without a daemon");
	m_count = lm_counter(h, "count");
	T_OK(m_count && lm_counter(h, "count") == m_count, "same name, same metric");
	T_OK(lm_gauge(h, "count") == NULL, "same name, other kind: NULL");
	T_OK(lm_counter(h, "bad name") == NULL && lm_counter(h, "") == NULL &&
		lm_counter(h, "a|b") == NULL, "bad names: NULL");
	lm_counter_inc(m_count);
	errno = 0;
	T_OK(lm_flush(h) == -1 && (errno == ENOENT || errno == ECONNREFUSED), "flush with no daemon fails at once (%s)", strerror(errno));
	lm_get_stats(h, &st);
	T_OK(st.send_errors == 1 && st.lines_dropped == 1, "the failed send is counted");

	/* the daemon appears: sending resumes by itself */
	fd = bind_rx();
	T_OK(fd >= 0, "receiver bound");
	m_rate = lm_rate(h, "frames");
	m_timer = lm_timer(h, "latency");
	m_sum = lm_counter(h, "halves");
	for (i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	T_OK(lm_flush(h) == 0, "flush once the daemon is there");
	drain(fd, &s);
	T_OK(s.bad == 0, "every line parses");
	T_OK(s.counter == THREADS * PER_THREAD, "counter: nothing lost (%.0f)", s.counter);
	T_OK(s.rate == THREADS * PER_THREAD, "rate: nothing lost (%.0f)", s.rate);
	T_OK(s.timer_count == THREADS * PER_THREAD, "timer: every observation counted (%.0f)", s.timer_count);
	T_OK(s.timer_sum > THREADS * 50000 && s.timer_sum < THREADS * 50000 + THREADS * PER_THREAD * 0.1515 * 1.001,
		"timer sum (%g)", s.timer_sum);
	T_OK(s.timer_min == 1e-10 && s.timer_max == 50000, "timer: exact extremes past the bucket range (%g, %g)",
		s.timer_min, s.timer_max);
	T_STREQ(s.app, "unit_te_st", "app name from LM_APP, bytes a tag cannot hold replaced");
	snprintf(want, sizeof want, "%ld", (long)getpid());
	T_STREQ(s.pid, want, "pid tag is ours");

	/* nothing pending: a flush sends nothing */
	lm_flush(h);
	drain(fd, &s);
	T_OK(s.lines == 0, "no update, no line");

	/* gauges: last value wins; a negative one arrives whole */
	{
		lm_metric *g = lm_gauge(h, "temp");
		lm_gauge_set(g, 3);
		lm_gauge_add(g, 2);
		lm_flush(h);
		drain(fd, &s);
		T_OK(s.gauge == 5 && s.gauge_lines == 1, "gauge set + add (%g)", s.gauge);
		lm_gauge_set(g, -7.5);
		lm_flush(h);
		drain(fd, &s);
		T_OK(s.gauge == -7.5 && s.gauge_lines == 2, "negative gauge: 0 then -7.5 (%g)", s.gauge);
	}
	/* many metrics: several datagrams, all lines arrive */
	{
		char name[32];
		for (i = 0; i < 1000; i++) {
			snprintf(name, sizeof name, "metric.number.%d", i);
			lm_counter_inc(lm_counter(h, name));
		}
		lm_flush(h);
		drain(fd, &s);
		T_OK(s.lines == 1000 && s.bad == 0, "1000 metrics in several datagrams (%d lines)", s.lines);
	}
	/* the daemon goes away again */
	close(fd);
	unlink(path);
	lm_counter_inc(m_count);
	T_OK(lm_flush(h) == -1, "flush after the daemon left fails");
	lm_close(h);

	/* the sender thread flushes by itself */
	setenv("LM_FLUSH_MS", "20", 1);
	fd = bind_rx();
	h = lm_open("auto");
	lm_counter_add(lm_counter(h, "count"), 3);
	for (i = 0; i < 200; i++) {
		usleep(10000);
		drain(fd, &s);
		if (s.counter > 0)
			break;
	}
	T_OK(s.counter == 3, "the sender thread flushed within the delay");
	lm_close(h);
	close(fd);
	unlink(path);
	rmdir(dir);
	return T_DONE();
}
