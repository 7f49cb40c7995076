/* lm_session: lmsession's decisions (lm_session.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "lm_report.h"
#include "lm_session.h"

void lm_session_end(struct lm_run *r, const struct lm_seen *s)
{
	int st = s->wstatus;

	r->cause = 0;
	r->signal = s->signal;
	if (s->companion && s->cause != LM_END_INTERRUPTED) {
		int c = s->cwstatus;
		r->end = s->companion == LM_END_NOTREADY ? LM_END_NOTREADY : LM_END_COMPANION;
		r->status = r->end == LM_END_NOTREADY ? 0 : WIFEXITED(c) ? WEXITSTATUS(c) :
			WIFSIGNALED(c) ? 128 + WTERMSIG(c) : 0;
		return;
	}
	if (s->nostart) {
		r->end = LM_END_NOSTART;
		r->status = s->nostart == ENOENT ? LM_SX_NOTFOUND : LM_SX_NOEXEC;
		return;
	}
	if (s->stage && (s->stage >= 3 || (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))) {
		r->end = LM_END_KILLED;
		r->status = SIGKILL;
		r->cause = s->cause ? s->cause : LM_END_TIMEOUT;
		return;
	}
	if (s->stage) {
		r->end = s->cause == LM_END_STOPPED || s->cause == LM_END_INTERRUPTED ?
			s->cause : LM_END_TIMEOUT;
		r->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		return;
	}
	if (WIFSIGNALED(st)) {
		r->end = LM_END_SIGNALED;
		r->status = WTERMSIG(st);
		return;
	}
	r->end = LM_END_EXITED;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
}

int lm_session_exit(const struct lm_run *r, int sys)
{
	size_t i;

	if (sys)
		return LM_SX_SYS;
	if (r->signal > 0 && r->signal < 128 && (r->end == LM_END_INTERRUPTED ||
		(r->end == LM_END_KILLED && r->cause == LM_END_INTERRUPTED)))
		return 128 + r->signal;
	switch (r->end) {
	case LM_END_NOSTART:
		return r->status == LM_SX_NOTFOUND ? LM_SX_NOTFOUND : LM_SX_NOEXEC;
	case LM_END_COMPANION:
		return LM_SX_COMPANION;
	case LM_END_NOTREADY:
		return LM_SX_NOTREADY;
	case LM_END_KILLED:
		return LM_SX_KILLED;
	case LM_END_TIMEOUT:
		return LM_SX_TIMEOUT;
	case LM_END_SIGNALED:
		return LM_SX_APP;
	case LM_END_EXITED:
		if (r->status != 0)
			return LM_SX_APP;
		break;
	case LM_END_STOPPED:
		break;
	default:
		return LM_SX_SYS;
	}
	for (i = 0; i < r->nex; i++)
		if (r->ex[i].result == LM_EX_FAIL)
			return LM_SX_THRESHOLD;
	return LM_SX_OK;
}

const char *lm_session_verdict(int x)
{
	switch (x) {
	case LM_SX_OK: return "pass";
	case LM_SX_THRESHOLD: return "threshold-failed";
	case LM_SX_APP: return "app-failed";
	case LM_SX_COMPANION: return "companion-failed";
	case LM_SX_NOTREADY: return "companion-not-ready";
	case LM_SX_USAGE: return "usage";
	case LM_SX_TIMEOUT: return "timeout";
	case LM_SX_NOEXEC: return "cannot-run";
	case LM_SX_NOTFOUND: return "not-found";
	case LM_SX_KILLED: return "killed";
	}
	return x > 128 && x < 160 ? "interrupted" : "error";
}

/* the base name of s, cut at its last '.' when ext */
static void base(const char *s, size_t n, int ext, char *out, size_t cap)
{
	const char *b = s, *d = NULL, *p;

	for (p = s; p < s + n; p++)
		if (*p == '/' && p + 1 < s + n)
			b = p + 1;
	for (p = b; p < s + n; p++)
		if (*p == '.' && p > b)
			d = p;
	n = (size_t)((ext && d ? d : s + n) - b);
	if (n > 0 && b[n - 1] == '/')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

/* interpreters: their options that take a value, and the one that takes
 * the code to run ("-c"; "-e" for node, perl, ruby), or the module ("-m") */
static const struct {
	const char *name, *optarg, *code;
} interp[] = {
	{ "sh", "o", "c" }, { "bash", "oO", "c" }, { "dash", "o", "c" }, { "ash", "o", "c" },
	{ "zsh", "o", "c" }, { "ksh", "o", "c" }, { "busybox", "", "" },
	{ "python", "WXQ", "c" }, { "node", "r", "e" }, { "nodejs", "r", "e" },
	{ "perl", "IMmx", "e" }, { "ruby", "IrCEx", "e" }, { "Rscript", "", "e" },
	{ "lua", "l", "e" }, { "php", "cdz", "r" },
	/* a shell's -c CODE names its first word; another interpreter's code
	 * (python3 -c ...) names the interpreter */
};

static int interpreter(const char *b)
{
	size_t i, k;

	for (i = 0; i < sizeof interp / sizeof interp[0]; i++) {
		k = strlen(interp[i].name);
		/* python3, python3.11, pypy3, ruby3.2: a version after the name */
		if (strncmp(b, interp[i].name, k) == 0 && strspn(b + k, "0123456789.") == strlen(b + k))
			return (int)i;
	}
	return strncmp(b, "pypy", 4) == 0 ? 7 : -1;
}

/* words that run the next one (exec sleep 1), and commands that set the
 * scene before the real one (trap '' INT; ./app) */
static const char *const prefix[] = { "exec", "env", "nohup", "nice", "time", "command", "!" };
static const char *const setup[] = {
	"trap", "cd", "set", "export", "ulimit", "umask", "unset", "echo", "printf", ".", "source",
	"shift", "true", ":", "sleep", "wait", "read"
};

static int listed(const char *const *l, size_t n, const char *p, size_t k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(l[i]) == k && strncmp(l[i], p, k) == 0)
			return 1;
	return 0;
}

/* The first command of shell code s: its word in [*start, return), or
 * NULL; assignments, prefixes and set-up commands skipped (the last
 * set-up command when nothing follows: sh -c 'sleep 5') */
static const char *first_command(const char *s, const char **start)
{
	const char *p = s, *w, *last = NULL, *lastw = NULL;
	int n;

	for (n = 0; n < 64 && *p; n++) {
		p += strspn(p, " \t\n(){");
		for (w = p; *w && !strchr(" \t\n;&|()<>", *w); w++)
			;
		if (w == p)
			break;
		if (memchr(p, '=', (size_t)(w - p)) && *p != '=') {
			p = w;   /* VAR=value */
		} else if (listed(prefix, sizeof prefix / sizeof prefix[0], p, (size_t)(w - p))) {
			p = w;
		} else if (listed(setup, sizeof setup / sizeof setup[0], p, (size_t)(w - p))) {
			last = p;
			lastw = w;
			p = w + strcspn(w, ";&|\n");
			p += strspn(p, ";&|\n");
		} else {
			*start = p;
			return w;
		}
	}
	*start = last;
	return lastw;
}

void lm_session_name(const char *const *argv, char *out, size_t cap)
{
	char b[256];
	const char *a, *w;
	size_t i;
	int k;

	if (!cap)
		return;
	out[0] = 0;
	if (!argv || !argv[0])
		return;
	base(argv[0], strlen(argv[0]), 0, out, cap);
	base(argv[0], strlen(argv[0]), 0, b, sizeof b);
	if ((k = interpreter(b)) < 0)
		return;
	if (k == 6 && argv[1]) {   /* busybox sh ...: the applet is the interpreter */
		argv++;
		base(argv[0], strlen(argv[0]), 0, b, sizeof b);
		if ((k = interpreter(b)) < 0 || k == 6) {
			base(argv[0], strlen(argv[0]), 0, out, cap);
			return;
		}
	}
	for (i = 1; (a = argv[i]); i++) {
		if (a[0] != '-' || !a[1]) {
			base(a, strlen(a), 1, out, cap);
			return;
		}
		if (strcmp(a, "--") == 0) {
			if (argv[i + 1])
				base(argv[i + 1], strlen(argv[i + 1]), 1, out, cap);
			return;
		}
		if (a[1] == '-')
			continue;   /* --long options: no value assumed */
		if (strchr(a + 1, interp[k].code[0] ? interp[k].code[0] : '\1') ||
			(a[1] == 'm' && k == 7)) {
			/* -c CODE (its first word), -m MODULE (as named) */
			int mod = a[1] == 'm' && k == 7;
			const char *v = a[2] && mod ? a + 2 : argv[i + 1];
			if (!v)
				return;
			if (mod) {
				base(v, strlen(v), 0, out, cap);
				return;
			}
			if (k > 6)
				return;   /* not a shell: the interpreter's name */
			if ((w = first_command(v, &v)))
				base(v, (size_t)(w - v), 0, out, cap);
			return;
		}
		if (strchr(interp[k].optarg, a[1]) && !a[2])
			i++;   /* an option's value */
	}
}
