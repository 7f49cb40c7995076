/* lmsession: the results folder, paths, programs on PATH
 * (cmd/lmsession.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lmsession.h"

const char *const result_files[] = {
	"samples.csv", "samples.jsonl", "summary.json", "summary.txt", "junit.xml", "report.html", NULL
};

void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		lm_die(LM_EXIT_SYS, "out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xalloc(n);
	memcpy(p, s, n);
	return p;
}

/* A path or argument built from parts; too long is a usage error. */
void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		lm_die(LM_EXIT_USAGE, "too long: %.60s...", out);
}

static void make_dirs(const char *path)
{
	char p[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof p)
		lm_die(LM_EXIT_USAGE, "path too long: %s", path);
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
		p[i] = path[i];
	}
}

void results_dir(void)
{
	char made[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (!outdir) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		/* UTC, as summary.json's started_utc: no time zone to load */
		gmtime_r(&t, &tm);
		snprintf(stamp, sizeof stamp, "%04d%02d%02d-%02d%02d%02d", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		snprintf(made, sizeof made, "lmsession-%s-%s", name, stamp);
		outdir = made;
	}
	make_dirs(outdir);
	if (!realpath(outdir, dir))
		lm_die_sys(LM_EXIT_SYS, "unable to resolve %s", outdir);
	d = opendir(dir);
	if (!d)
		lm_die_sys(LM_EXIT_SYS, "unable to open %s", dir);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(d);
			lm_die(LM_EXIT_USAGE, "results folder %s is not empty (one folder per run)", dir);
		}
	}
	closedir(d);
	if (outdir == made)
		outdir = NULL;
}

int open_out(const char *file)
{
	char p[PATH_MAX];
	int fd;

	fmt(p, sizeof p, "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666);
	if (fd < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
	return fd;
}

/* lmtabled and lmprobe beside lmsession, else on PATH. */
const char *tool(const char *t, char *buf, size_t cap)
{
	if (*selfdir) {
		fmt(buf, cap, "%s/%s", selfdir, t);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return t;
}

int on_path(const char *prog)
{
	char b[PATH_MAX];

	return lm_which(prog, b, sizeof b) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files in the results folder, sorted, a folder as NAME/; the hidden
 * ones (.samples.csv.part) left out. NULL-terminated. */
char **dir_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		struct stat st;
		char p[PATH_MAX + 300];
		if (e->d_name[0] == '.')
			continue;
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		fmt(p, sizeof p, "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			fmt(p, sizeof p, "%s/", e->d_name);
		else
			fmt(p, sizeof p, "%s", e->d_name);
		v[n++] = xstrdup(p);
	}
	if (d)
		closedir(d);
	if (!v)
		v = xalloc(sizeof *v);
	qsort(v, n, sizeof *v, cmp_str);
	v[n] = NULL;
	return v;
}

/* The tail of the app's stderr, for the console when it failed. */
void show_tail(const char *file)
{
	char p[PATH_MAX + 32], buf[4096];
	int fd;
	off_t sz;
	ssize_t r;
	char *s;

	fmt(p, sizeof p, "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	sz = lseek(fd, 0, SEEK_END);
	if (sz <= 0) {
		close(fd);
		return;
	}
	lseek(fd, sz > (off_t)sizeof buf - 1 ? sz - (off_t)sizeof buf + 1 : 0, SEEK_SET);
	r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = 0;
	s = buf;
	if (sz > (off_t)sizeof buf - 1 && (s = strchr(buf, '\n')))
		s++;
	else
		s = buf;
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 32 && *q != '\n' && *q != '\t')
			*q = '?';
	fprintf(stderr, "lmsession: info: the app's last words (%s):\n%s%s", file, s,
		s[0] && s[strlen(s) - 1] != '\n' ? "\n" : "");
}

/* The private folder for lmtabled's socket: short, so that the socket's
 * path fits sun_path */
void private_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp || (size_t)snprintf(priv, sizeof priv, "%s/lmsession.XXXXXX", tmp) >= 80)
		snprintf(priv, sizeof priv, "/tmp/lmsession.XXXXXX");
	if (!mkdtemp(priv))
		lm_die_sys(LM_EXIT_SYS, "unable to create %s", priv);
	chmod(priv, 0755);
	fmt(sock, sizeof sock, "%s/live_metrics.sock", priv);
}
