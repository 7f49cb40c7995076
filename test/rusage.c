/* lmt_rusage: what the tests check CPU and I/O figures against.
 *   lmt_rusage [-h GO] FILE CMD [ARG...]
 *	run CMD, wait for it, write to FILE (temp + rename) one line:
 *	"CPU USER SYSTEM READ WRITE SELF": the seconds and storage bytes the
 *	kernel accounted to CMD and everything it reaped (wait4's rusage),
 *	then this process's own CPU seconds so far; exit with CMD's status;
 *	-h: then hold on until the file GO is there (at most 60 s), so that a
 *	probe can read the tree after CMD. A FILE that is a FIFO is written
 *	straight: a pipe costs no storage bytes, so this process's own I/O
 *	stays out of the figures the tests compare (a file costs a page of
 *	data and, on some file systems, pages of metadata)
 *   lmt_rusage -b SECS [-w BYTES FILE]
 *	write BYTES to a new FILE, then burn SECS of CPU time and exit
 * Built without sanitizers: it costs next to nothing itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static int burn(double secs, long long bytes, const char *file)
{
	static char buf[65536];
	struct rusage ru;
	volatile unsigned long x = 0;
	int fd;

	if (file) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return 111;
		memset(buf, 'x', sizeof buf);
		while (bytes > 0) {
			ssize_t w = write(fd, buf, bytes < (long long)sizeof buf ? (size_t)bytes : sizeof buf);
			if (w <= 0)
				return 111;
			bytes -= w;
		}
		close(fd);
	}
	do {
		unsigned long i;
		for (i = 0; i < 1000000; i++)
			x += i;
		getrusage(RUSAGE_SELF, &ru);
	} while (tv(ru.ru_utime) + tv(ru.ru_stime) < secs);
	return 0;
}

int main(int argc, char **argv)
{
	struct rusage ru, self;
	struct stat sb;
	char tmp[4096];
	const char *hold = NULL;
	int st, i, fifo;
	pid_t p;
	FILE *f;

	if (argc >= 3 && !strcmp(argv[1], "-b"))
		return burn(strtod(argv[2], NULL), argc >= 6 && !strcmp(argv[3], "-w") ?
			strtoll(argv[4], NULL, 10) : 0, argc >= 6 ? argv[5] : NULL);
	if (argc >= 3 && !strcmp(argv[1], "-h")) {
		hold = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fputs("usage: lmt_rusage [-h GO] FILE CMD [ARG...] | -b SECS [-w BYTES FILE]\n", stderr);
		return 100;
	}
	if ((p = fork()) < 0)
		return 111;
	if (p == 0) {
		execvp(argv[2], argv + 2);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (wait4(p, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return 111;
	getrusage(RUSAGE_SELF, &self);
	fifo = stat(argv[1], &sb) == 0 && S_ISFIFO(sb.st_mode);
	snprintf(tmp, sizeof tmp, "%s%s", argv[1], fifo ? "" : ".tmp");
	if (!(f = fopen(tmp, "w")))
		return 111;
	fprintf(f, "%.6f %.6f %.6f %lld %lld %.6f\n", tv(ru.ru_utime) + tv(ru.ru_stime), tv(ru.ru_utime),
		tv(ru.ru_stime), (long long)ru.ru_inblock * 512, (long long)ru.ru_oublock * 512,
		tv(self.ru_utime) + tv(self.ru_stime));
	if (fclose(f) != 0 || (!fifo && rename(tmp, argv[1]) < 0))
		return 111;
	for (i = 0; hold && i < 6000 && access(hold, F_OK) < 0; i++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
