/* lm_fetch: datasets by URL into a cache folder (see lm_fetch.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lm_fetch.h"
#include "lm_spawn.h"

#define TAIL_MAX 400   /* bytes of a child's output quoted in an error */

static int fail(char *err, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(err, cap, f, ap);
	va_end(ap);
	return -1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* out = a/b; -1 when it does not fit */
static int join(char *out, size_t cap, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na + 1 + nb >= cap)
		return -1;
	memcpy(out, a, na);
	out[na] = '/';
	memcpy(out + na + 1, b, nb + 1);
	return 0;
}

/* ---- the URL */

int lm_fetch_is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

static int ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n > k && !strncasecmp(s + n - k, suf, k);
}

int lm_fetch_parse(struct lm_fetch *f, const char *spec, char *err, size_t errcap)
{
	const char *hash = strchr(spec, '#'), *host, *path, *seg;
	size_t n = hash ? (size_t)(hash - spec) : strlen(spec), i, pn, k;

	memset(f, 0, sizeof *f);
	if (strlen(spec) > LM_FETCH_URL_MAX)
		return fail(err, errcap, "longer than %d bytes", LM_FETCH_URL_MAX);
	if (!lm_fetch_is_url(spec))
		return fail(err, errcap, "not an http:// or https:// URL");
	for (i = 0; spec[i]; i++)
		if ((unsigned char)spec[i] <= ' ' || spec[i] == 0x7f)
			return fail(err, errcap, "a space or control character in the URL");
	host = spec + (spec[4] == ':' ? 7 : 8);
	k = strcspn(host, "/?#");
	if (!k || host[0] == '@' || host[0] == ':')
		return fail(err, errcap, "no host in the URL");
	if (hash) {
		const char *h = hash + 1;
		if (strncmp(h, "sha256=", 7))
			return fail(err, errcap, "unknown fragment #%.40s (only #sha256=HEX)", h);
		h += 7;
		if (strlen(h) != LM_SHA256_HEX || strspn(h, "0123456789abcdefABCDEF") != LM_SHA256_HEX)
			return fail(err, errcap, "bad #sha256=: 64 hex digits wanted");
		for (i = 0; i < LM_SHA256_HEX; i++)
			f->want[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
	}
	memcpy(f->url, spec, n);
	f->url[n] = 0;
	/* NAME and the kind: the path's last segment */
	path = f->url + (host - spec) + k;
	pn = *path == '/' ? strcspn(path, "?") : 0;
	seg = path + pn;
	while (seg > path && seg[-1] != '/')
		seg--;
	k = (size_t)(path + pn - seg);
	if (k > LM_FETCH_NAME_MAX)
		seg += k - LM_FETCH_NAME_MAX, k = LM_FETCH_NAME_MAX;   /* keep the suffix */
	for (i = 0; i < k; i++) {
		char c = seg[i];
		f->name[i] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ? c : '_');
	}
	f->name[k] = 0;
	if (f->name[0] == '.')
		f->name[0] = '_';   /* the entry's own files start with '.' */
	if (!k || !strcmp(f->name, "dataset"))
		snprintf(f->name, sizeof f->name, "data");
	if (ends(f->name, k, ".tar.gz") || ends(f->name, k, ".tgz"))
		f->kind = LM_FETCH_TGZ;
	else if (ends(f->name, k, ".tar"))
		f->kind = LM_FETCH_TAR;
	else if (ends(f->name, k, ".zip"))
		f->kind = LM_FETCH_ZIP;
	else
		f->kind = LM_FETCH_FILE;
	return 0;
}

void lm_fetch_line(const struct lm_fetch *f, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s: %.0f bytes, %s%s in %.2f s%s", f->url, f->bytes,
		f->cached ? "from the cache" : "fetched by ", f->cached ? "" : f->tool ? f->tool : "?",
		f->seconds, *f->want ? ", sha256 checked" : "");
}

/* ---- the cache folder */

int lm_fetch_cache_dir(const char *dir, char *out, size_t cap, char *err, size_t errcap)
{
	const char *e;
	int n;

	if (dir && *dir)
		n = snprintf(out, cap, "%s", dir);
	else if ((e = getenv("LM_CACHE")) && *e)
		n = snprintf(out, cap, "%s", e);
	else if ((e = getenv("XDG_CACHE_HOME")) && *e == '/')
		n = snprintf(out, cap, "%s/livemetrics", e);
	else if ((e = getenv("HOME")) && *e == '/' && strcmp(e, "/"))
		n = snprintf(out, cap, "%s/.cache/livemetrics", e);
	else
		n = snprintf(out, cap, "/tmp/livemetrics-cache-%ld", (long)getuid());
	if (n < 0 || (size_t)n >= cap)
		return fail(err, errcap, "cache folder path too long");
	return 0;
}

/* mkdir -p p; the last part with mode 0700 */
static int mkdirs(const char *p, char *err, size_t cap)
{
	char b[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(p);

	if (!n || n >= sizeof b)
		return fail(err, cap, "bad cache folder '%s'", p);
	memcpy(b, p, n + 1);
	for (i = 1; i <= n; i++) {
		if (b[i] != '/' && b[i])
			continue;
		b[i] = 0;
		if (mkdir(b, i == n ? 0700 : 0755) < 0 && errno != EEXIST)
			return fail(err, cap, "unable to create %s: %s", b, strerror(errno));
		b[i] = i == n ? 0 : '/';
	}
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail(err, cap, "cache folder %s: not a folder", p);
	return 0;
}

/* ---- files and trees */

/* rm -rf p (no symlink followed); best effort */
static void rmtree(const char *p)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char c[PATH_MAX];

	if (lstat(p, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(p))) {
		chmod(p, 0700);   /* an archive's read-only folder */
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    (size_t)snprintf(c, sizeof c, "%s/%s", p, e->d_name) < sizeof c)
				rmtree(c);
		closedir(d);
		rmdir(p);
	} else
		unlink(p);
}

/* 0: no symlink under p points outside; -1 with err set */
static int links_ok(const char *p, const char *top, char *err, size_t cap)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char c[PATH_MAX], t[PATH_MAX];
	ssize_t n;
	int r = 0;

	if (lstat(p, &st) < 0)
		return fail(err, cap, "unable to stat %s: %s", p, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		n = readlink(p, t, sizeof t - 1);
		if (n < 0 || !lm_fetch_name_ok(t, (size_t)n))
			return fail(err, cap, "archive refused: link %s points outside the folder",
				p + strlen(top) + 1);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (!(d = opendir(p)))
		return fail(err, cap, "unable to read %s: %s", p, strerror(errno));
	while (!r && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			if ((size_t)snprintf(c, sizeof c, "%s/%s", p, e->d_name) >= sizeof c)
				r = fail(err, cap, "archive refused: a path too long");
			else
				r = links_ok(c, top, err, cap);
		}
	closedir(d);
	return r;
}

/* the checksum of file p and its size; 0 ok, -1 with err set */
static int hash_file(const char *p, char hex[LM_SHA256_HEX + 1], double *bytes, char *err, size_t cap)
{
	struct lm_sha256 c;
	unsigned char d[LM_SHA256_LEN], buf[1 << 15];
	ssize_t n;
	double total = 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, cap, "unable to open %s: %s", p, strerror(errno));
	lm_sha256_init(&c);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return fail(err, cap, "unable to read %s: %s", p, strerror(errno));
		}
		lm_sha256_update(&c, buf, (size_t)n);
		total += (double)n;
	}
	close(fd);
	lm_sha256_final(&c, d);
	lm_sha256_tohex(d, hex);
	*bytes = total;
	return 0;
}

/* write s whole into p (a new file) */
static int put(const char *p, const char *s, char *err, size_t cap)
{
	FILE *f = fopen(p, "we");

	if (!f || fprintf(f, "%s\n", s) < 0 || fflush(f) || ferror(f)) {
		int e = errno;
		if (f)
			fclose(f);
		return fail(err, cap, "unable to write %s: %s", p, strerror(e));
	}
	if (fclose(f))
		return fail(err, cap, "unable to write %s: %s", p, strerror(errno));
	return 0;
}

/* the last non-empty line of file p (at most TAIL_MAX bytes, control
 * bytes as '?') into out; "" when none */
static void last_line(const char *p, char *out, size_t cap)
{
	char b[TAIL_MAX + 1];
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	off_t sz;
	ssize_t n;
	char *s, *e;

	out[0] = 0;
	if (fd < 0)
		return;
	sz = lseek(fd, 0, SEEK_END);
	lseek(fd, sz > TAIL_MAX ? sz - TAIL_MAX : 0, SEEK_SET);
	n = read(fd, b, TAIL_MAX);
	close(fd);
	if (n <= 0)
		return;
	b[n] = 0;
	for (e = b + n; e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '); e--)
		;
	*e = 0;
	for (s = e; s > b && s[-1] != '\n'; s--)
		;
	for (e = s; *e; e++)
		if ((unsigned char)*e < ' ' || *e == 0x7f)
			*e = '?';
	snprintf(out, cap, "%s", s);
}

/* ---- children */

int lm_which(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH"), *p, *e;

	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path; ; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		if ((size_t)snprintf(out, cap, "%.*s/%s", (int)(e - p), e == p ? "." : p, prog) < cap &&
		    access(out, X_OK) == 0)
			return 0;
		if (!*e)
			return -1;
	}
}

/* Run argv[0] (a path) with stdin /dev/null, stdout to out (NULL: to
 * log), stderr to log, through lm_spawn (TERM to it if we die); its exit
 * status (128+N for signal N), -1 when it could not be run (err set). */
static int run(char *const argv[], const char *out, const char *log, char *err, size_t cap)
{
	struct lm_spawn sp;
	pid_t pid;
	int st, fo, fe, e = 0, se;

	fe = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fe < 0)
		return fail(err, cap, "unable to create %s: %s", log, strerror(errno));
	fo = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : fe;
	if (fo < 0) {
		close(fe);
		return fail(err, cap, "unable to create %s: %s", out, strerror(errno));
	}
	lm_spawn_init(&sp, argv);
	sp.fd[0] = LM_SPAWN_NULL;
	sp.fd[1] = fo;
	sp.fd[2] = fe;
	sp.deathsig = SIGTERM;
	pid = lm_spawn(&sp, &e);
	se = errno;
	if (fo != fe)
		close(fo);
	close(fe);
	if (pid < 0)
		return fail(err, cap, "unable to start %s: %s", argv[0], strerror(se));
	if (lm_spawn_wait(pid, -1, &st) < 0)
		return fail(err, cap, "unable to wait for %s: %s", argv[0], strerror(errno));
	if (e)
		return fail(err, cap, "unable to run %s: %s", argv[0], strerror(e));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* err: "WHAT exited N: LAST LINE OF LOG" */
static int child_failed(const char *what, int st, const char *log, char *err, size_t cap)
{
	char tail[TAIL_MAX + 1];

	last_line(log, tail, sizeof tail);
	if (st > 128)
		return fail(err, cap, "%s killed by signal %d%s%s", what, st - 128, *tail ? ": " : "", tail);
	return fail(err, cap, "%s exited %d%s%s", what, st, *tail ? ": " : "", tail);
}

/* run, and a non-zero status as an error naming what */
static int run_ok(char *const argv[], const char *out, const char *log, const char *what,
	char *err, size_t cap)
{
	int st = run(argv, out, log, err, cap);

	if (st < 0)
		return -1;
	return st ? child_failed(what, st, log, err, cap) : 0;
}

/* ---- archives */

int lm_fetch_name_ok(const char *s, size_t n)
{
	size_t i = 0, k;

	if (n && (s[0] == '/' || s[0] == '\\'))
		return 0;
	while (i < n) {
		for (k = i; k < n && s[k] != '/' && s[k] != '\\'; k++)
			;
		if (k - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return 0;
		i = k + 1;
	}
	return 1;
}

int lm_fetch_list_ok(const char *list, size_t n, int zip, char *bad, size_t cap)
{
	const char *p = list, *end = list + n, *e, *s;
	int in = !zip;   /* zip: names only between the dashed lines */
	size_t i;

	for (; p < end; p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		s = p;
		if (zip) {
			while (s < e && *s == ' ')
				s++;
			if (e - s >= 3 && !memcmp(s, "---", 3)) {
				if (in)
					break;
				in = 1;
				continue;
			}
			if (!in)
				continue;
			for (i = 0; i < 3; i++) {   /* length, date, time */
				while (s < e && *s == ' ')
					s++;
				while (s < e && *s != ' ')
					s++;
			}
			while (s < e && *s == ' ')
				s++;
		}
		if (lm_fetch_name_ok(s, (size_t)(e - s)))
			continue;
		for (i = 0; cap && i < cap - 1 && s + i < e; i++)
			bad[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
		if (cap)
			bad[i] = 0;
		return -1;
	}
	return 0;
}

/* 0: tmp holds nothing the unpacker put beside dataset/ (a check after
 * the listing's); -1 with err set */
static int inside(const struct lm_fetch *f, const char *tmp, char *err, size_t cap)
{
	static const char *const ours[] = { ".", "..", "dataset", ".log", ".list" };
	DIR *d = opendir(tmp);
	struct dirent *e;
	size_t i;
	int r = 0;

	if (!d)
		return fail(err, cap, "unable to read %s: %s", tmp, strerror(errno));
	while (!r && (e = readdir(d))) {
		for (i = 0; i < sizeof ours / sizeof ours[0] && strcmp(e->d_name, ours[i]); i++)
			;
		if (i == sizeof ours / sizeof ours[0] && strcmp(e->d_name, f->name))
			r = fail(err, cap, "archive refused: it wrote %.100s outside the folder", e->d_name);
	}
	closedir(d);
	return r;
}

/* unpack tmp/NAME into tmp/dataset, its listing checked first */
static int unpack(const struct lm_fetch *f, const char *tmp, char *err, size_t cap)
{
	int zip = f->kind == LM_FETCH_ZIP, tgz = f->kind == LM_FETCH_TGZ, fd, r;
	char exe[PATH_MAX], file[PATH_MAX], list[PATH_MAX], log[PATH_MAX], dst[PATH_MAX];
	char bad[200], *text;
	/* the listing, then the unpacking (tar -o: no owners restored) */
	char *lsz[] = { exe, "-l", file, NULL };
	char *lst[] = { exe, tgz ? "-tzf" : "-tf", file, NULL };
	char *xz[] = { exe, "-q", "-o", file, "-d", dst, NULL };
	char *xt[] = { exe, tgz ? "-xozf" : "-xof", file, "-C", dst, NULL };
	struct stat sb;
	ssize_t n;

	if (lm_which(zip ? "unzip" : "tar", exe, sizeof exe) < 0)
		return fail(err, cap, "no %s on PATH to unpack %s", zip ? "unzip" : "tar", f->name);
	join(file, sizeof file, tmp, f->name);
	join(list, sizeof list, tmp, ".list");
	join(log, sizeof log, tmp, ".log");
	join(dst, sizeof dst, tmp, "dataset");
	if (run_ok(zip ? lsz : lst, list, log, zip ? "unzip -l" : "tar -t", err, cap) < 0)
		return -1;
	if ((fd = open(list, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(err, cap, "unable to read %s: %s", list, strerror(errno));
	}
	if (sb.st_size > (off_t)LM_FETCH_LIST_MAX) {
		close(fd);
		return fail(err, cap, "archive refused: its listing is over %u bytes", LM_FETCH_LIST_MAX);
	}
	text = malloc((size_t)sb.st_size + 1);
	n = text ? read(fd, text, (size_t)sb.st_size) : -1;
	close(fd);
	if (n != (ssize_t)sb.st_size) {
		free(text);
		return fail(err, cap, "unable to read %s", list);
	}
	r = lm_fetch_list_ok(text, (size_t)n, zip, bad, sizeof bad);
	free(text);
	unlink(list);
	if (r < 0)
		return fail(err, cap, "archive refused: member '%s' would land outside the folder", bad);
	if (mkdir(dst, 0755) < 0)
		return fail(err, cap, "unable to create %s: %s", dst, strerror(errno));
	if (run_ok(zip ? xz : xt, NULL, log, zip ? "unzip" : "tar -x", err, cap) < 0)
		return -1;
	return inside(f, tmp, err, cap) < 0 ? -1 : links_ok(dst, dst, err, cap);
}

/* ---- the entry */

/* the entry at e, checked: 1 usable (f filled), 0 none or stale */
static int reuse(struct lm_fetch *f, const char *e, char *err, size_t cap)
{
	char p[PATH_MAX], hex[LM_SHA256_HEX + 1];
	struct stat st;
	double bytes;
	FILE *h;

	join(p, sizeof p, e, f->name);
	if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (*f->want) {
		if (hash_file(p, hex, &bytes, err, cap) < 0 || strcmp(hex, f->want))
			return 0;
	} else {
		join(p, sizeof p, e, ".sha256");
		hex[0] = 0;
		if ((h = fopen(p, "re"))) {
			if (!fgets(hex, sizeof hex, h) || strlen(hex) != LM_SHA256_HEX)
				hex[0] = 0;
			fclose(h);
		}
		bytes = (double)st.st_size;
	}
	if (f->kind == LM_FETCH_FILE)
		join(f->path, sizeof f->path, e, f->name);
	else {
		join(f->path, sizeof f->path, e, "dataset");
		if (stat(f->path, &st) < 0 || !S_ISDIR(st.st_mode))
			return 0;
	}
	memcpy(f->sha256, hex, sizeof hex);
	f->bytes = bytes;
	f->cached = 1;
	f->tool = NULL;
	return 1;
}

/* fetch into the new folder tmp: download, check, unpack */
static int build(struct lm_fetch *f, const char *tmp, char *err, size_t cap)
{
	char exe[PATH_MAX], file[PATH_MAX], log[PATH_MAX], p[PATH_MAX];
	char *argv[24];
	size_t k = 0;

	if (lm_which("curl", exe, sizeof exe) == 0) {
		f->tool = "curl";
		argv[k++] = exe;
		argv[k++] = "-fsSL";           /* fail on HTTP errors, quiet, say why, follow */
		argv[k++] = "--proto";         /* the URL and redirects: http(s) only */
		argv[k++] = "=http,https";
		argv[k++] = "--proto-redir";
		argv[k++] = "=http,https";
		argv[k++] = "--max-redirs";
		argv[k++] = "10";
		argv[k++] = "--connect-timeout";
		argv[k++] = "30";
		argv[k++] = "--speed-limit";   /* stalled: under 1 byte/s for 60 s */
		argv[k++] = "1";
		argv[k++] = "--speed-time";
		argv[k++] = "60";
		argv[k++] = "-o";
	} else if (lm_which("wget", exe, sizeof exe) == 0) {
		/* GNU wget and busybox wget both: -O alone (busybox 1.35's
		 * wget crashes on -T; GNU wget's own read timeout is 900 s) */
		f->tool = "wget";
		argv[k++] = exe;
		argv[k++] = "-O";
	} else
		return fail(err, cap, "no curl or wget on PATH");
	join(file, sizeof file, tmp, f->name);
	join(log, sizeof log, tmp, ".log");
	argv[k++] = file;
	argv[k++] = f->url;
	argv[k] = NULL;
	if (run_ok(argv, NULL, log, f->tool, err, cap) < 0)
		return -1;
	if (hash_file(file, f->sha256, &f->bytes, err, cap) < 0)
		return -1;
	if (*f->want && strcmp(f->want, f->sha256))
		return fail(err, cap, "checksum mismatch: got sha256 %s, want %s", f->sha256, f->want);
	if (f->kind != LM_FETCH_FILE && unpack(f, tmp, err, cap) < 0)
		return -1;
	unlink(log);
	join(p, sizeof p, tmp, ".url");
	if (put(p, f->url, err, cap) < 0)
		return -1;
	join(p, sizeof p, tmp, ".sha256");
	return put(p, f->sha256, err, cap);
}

int lm_fetch_get(struct lm_fetch *f, const char *cache, char *err, size_t cap)
{
	char ukey[LM_SHA256_HEX + 1], key[LM_SHA256_HEX + 8];
	char e[PATH_MAX], eu[PATH_MAX], tmp[PATH_MAX], old[PATH_MAX];
	double t0 = mono();
	int r;

	/* the entry's paths: cache/.KEY.XXXXXX/NAME and the like fit */
	if (strlen(cache) + sizeof key + LM_FETCH_NAME_MAX + 32 >= PATH_MAX)
		return fail(err, cap, "cache folder path too long");
	if (mkdirs(cache, err, cap) < 0)
		return -1;
	/* the key: sha256-HEX with a checksum (the object is found again under
	 * another URL, e.g. a presigned one), else the URL's SHA-256 */
	lm_sha256_hex(f->url, strlen(f->url), ukey);
	snprintf(key, sizeof key, "%s%s", *f->want ? "sha256-" : "", *f->want ? f->want : ukey);
	join(e, sizeof e, cache, key);
	join(eu, sizeof eu, cache, ukey);
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", cache, key) >= sizeof tmp)
		return fail(err, cap, "cache folder path too long");
	/* with a checksum, an entry of the URL fetched without one serves too */
	if (reuse(f, e, err, cap) || (*f->want && reuse(f, eu, err, cap))) {
		f->seconds = mono() - t0;
		return 0;
	}
	if (!mkdtemp(tmp))
		return fail(err, cap, "unable to create %s: %s", tmp, strerror(errno));
	if (build(f, tmp, err, cap) < 0) {
		rmtree(tmp);
		return -1;
	}
	/* a stale entry (its checksum no longer matches) goes aside first */
	snprintf(old, sizeof old, "%s/.%s.XXXXXX", cache, key);
	if (access(e, F_OK) == 0 && mkdtemp(old)) {
		if (rename(e, old) == 0 || errno == ENOENT)
			rmtree(old);
		else
			rmdir(old);
	}
	chmod(tmp, 0755);   /* mkdtemp made it 0700: a container's user reads it too */
	r = rename(tmp, e);
	if (r < 0 && (errno == ENOTEMPTY || errno == EEXIST)) {
		/* a concurrent session put its entry in place first */
		rmtree(tmp);
		if (reuse(f, e, err, cap)) {
			f->seconds = mono() - t0;
			return 0;
		}
		return fail(err, cap, "cache entry %s changed under us", e);
	}
	if (r < 0) {
		int k = errno;
		rmtree(tmp);
		return fail(err, cap, "unable to rename %s to %s: %s", tmp, e, strerror(k));
	}
	if (f->kind == LM_FETCH_FILE)
		join(f->path, sizeof f->path, e, f->name);
	else
		join(f->path, sizeof f->path, e, "dataset");
	f->cached = 0;
	f->seconds = mono() - t0;
	return 0;
}
