/* bench/static: the floor for inetd-style serving. Reads the request head
 * on fd 0 (to the blank line, at most 64 KiB, 5 s), then writes FILE, a
 * whole HTTP answer kept from a real scrape, on fd 1 and exits.
 *   bench_static FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	static char req[65536];
	size_t got = 0;
	struct stat sb;
	char *p;
	ssize_t r;
	size_t off;
	int fd;

	if (argc != 2)
		return 100;
	alarm(5);
	while (got < sizeof req - 1 && (r = read(0, req + got, sizeof req - 1 - got)) > 0) {
		got += (size_t)r;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) < 0 || !(p = malloc((size_t)sb.st_size + 1)))
		return 111;
	if (read(fd, p, (size_t)sb.st_size) != sb.st_size)
		return 111;
	for (off = 0; off < (size_t)sb.st_size; off += (size_t)r) {
		r = write(1, p + off, (size_t)sb.st_size - off);
		if (r <= 0)
			return 111;
	}
	return 0;
}
