/* replay: a fuzz target's entry point run over files, without libFuzzer,
 * so that the static build replays them in the unit suite. TARGET (a
 * compile-time name) takes every file of test/fuzz/regress/ (the inputs
 * that once broke some target: each goes through every target), of
 * test/fuzz/seeds/TARGET/ and of test/fuzz/corpus/TARGET/, each in a child
 * process: one "ok" line per file, "FAIL" when the entry point aborted or
 * crashed. Run from the repository's root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TARGET
#error TARGET must name the fuzz target
#endif
#define REPLAY_MAX (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int nfail, nok;

static void one(const char *path)
{
	static uint8_t buf[REPLAY_MAX];
	ssize_t n;
	size_t len = 0;
	int fd, st;
	pid_t pid;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		printf("FAIL replay_%s: %s: %s\n", TARGET, path, strerror(errno));
		nfail++;
		return;
	}
	while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)n;
	close(fd);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		LLVMFuzzerTestOneInput(buf, len);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("FAIL replay_%s: %s: %s %d\n", TARGET, path,
			pid > 0 && WIFSIGNALED(st) ? "killed by signal" : "exit", pid > 0 && WIFSIGNALED(st) ?
			WTERMSIG(st) : pid > 0 ? WEXITSTATUS(st) : -1);
		nfail++;
		return;
	}
	nok++;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dir(const char *d)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	struct stat sb;
	DIR *dp = opendir(d);

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(names = realloc(names, cap * sizeof *names)))
				abort();
		}
		if (!(names[n++] = strdup(e->d_name)))
			abort();
	}
	closedir(dp);
	qsort(names, n, sizeof *names, cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", d, names[i]);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			one(path);
		free(names[i]);
	}
	free(names);
}

int main(void)
{
	dir("test/fuzz/regress");
	dir("test/fuzz/seeds/" TARGET);
	dir("test/fuzz/corpus/" TARGET);
	printf("%s replay_%s: %d inputs replayed, %d failed\n", nfail || !nok ? "FAIL" : "ok", TARGET,
		nok + nfail, nfail);
	return nfail || !nok;
}
