/* bench/scrape: time HTTP scrapes of 127.0.0.1:PORT, one connection each.
 *
 *   bench_scrape [-o FILE] [-w] PORT PATH N
 *
 * Each scrape: connect, send "GET PATH HTTP/1.1" (Connection: close),
 * read to EOF. Prints one line per scrape: "MICROSECONDS BYTES STATUS"
 * (bytes as received, head included). -o FILE: keep the last answer
 * whole in FILE. -w: first wait (at most 10 s) until the port takes
 * connections. Exit 0; 1 when an answer was not 200; 111 system error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char *buf;
static size_t cap;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_scrape: fatal: %s: %s\n", what, strerror(errno));
	exit(111);
}

static int conn(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *keep = NULL, *path;
	char req[512];
	long port, n, i;
	int c, waitup = 0, bad = 0;

	while ((c = getopt(argc, argv, "o:w")) != -1) {
		if (c == 'o')
			keep = optarg;
		else if (c == 'w')
			waitup = 1;
		else
			return 100;
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: bench_scrape [-o FILE] [-w] PORT PATH N\n");
		return 100;
	}
	port = strtol(argv[optind], NULL, 10);
	path = argv[optind + 1];
	n = strtol(argv[optind + 2], NULL, 10);
	if (port < 1 || port > 65535 || n < 0 || strlen(path) > 256)
		return 100;
	if (waitup) {
		double t0 = mono();
		int fd;
		while ((fd = conn((int)port)) < 0) {
			if (mono() - t0 > 10)
				die("the port takes no connections");
			usleep(10000);
		}
		close(fd);
	}
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n"
		"Connection: close\r\n\r\n", path);
	for (i = 0; i < n; i++) {
		size_t len = 0;
		double t0 = mono(), t1;
		int fd = conn((int)port), st = 0;
		ssize_t r;

		if (fd < 0)
			die("connect");
		if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
			die("write");
		for (;;) {
			if (len == cap) {
				cap = cap ? 2 * cap : 1 << 20;
				if (!(buf = realloc(buf, cap)))
					die("realloc");
			}
			r = read(fd, buf + len, cap - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("read");
			if (r == 0)
				break;
			len += (size_t)r;
		}
		t1 = mono();
		close(fd);
		if (len < 12 || sscanf(buf, "HTTP/1.%*d %d", &st) != 1)
			st = 0;
		bad |= st != 200;
		printf("%.1f %zu %d\n", (t1 - t0) * 1e6, len, st);
		if (keep && i == n - 1) {
			FILE *f = fopen(keep, "w");
			if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
				die(keep);
		}
	}
	if (fflush(stdout) || ferror(stdout))
		die("stdout");
	return bad;
}
