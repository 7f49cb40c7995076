/* lm_msg: the one message shape of the tools (cmd/ only, never lib code
 * that runs inside an app):  PROG: fatal: unable to X: strerror */
#ifndef LM_MSG_H
#define LM_MSG_H

#define LM_EXIT_OK 0
#define LM_EXIT_NO 1        /* a negative answer */
#define LM_EXIT_USAGE 100   /* usage or bad input */
#define LM_EXIT_SYS 111     /* a system call failed */

extern const char *lm_prog;
/* fmt may end in ": %m"-style via lm_*_sys, which append ": strerror(errno)" */
void lm_die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void lm_die_sys(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void lm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lm_warn_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a usage error, after the line that names it: the first line of usage
 * and "PROG -h lists every option" on stderr, exit 100 */
void lm_usage(const char *usage) __attribute__((noreturn));
/* -h, --help: usage, "options:", help (every option, a line each) on
 * stdout, exit 0 */
void lm_help(const char *usage, const char *help) __attribute__((noreturn));
/* before getopt: argv[1] "--help" is -h */
void lm_help_long(int argc, char **argv, const char *usage, const char *help);
/* getopt returned c (':' or '?', the option in optopt): say which option
 * was wrong, then lm_usage. */
void lm_bad_option(const char *usage, int c) __attribute__((noreturn));
/* lm_opt_num: an option's number. ARG must be a number from MIN to MAX
 * (a whole one when WHOLE); else the one shape, exit 100:
 *   PROG: fatal: bad WHAT: ARG (UNIT, MIN to MAX)
 * UNIT (e.g. "seconds") may be NULL: "a number" or "a whole number". */
double lm_opt_num(const char *what, const char *arg, double min, double max,
	int whole, const char *unit);
void lm_opt_bad(const char *what, const char *arg, double min, double max,
	int whole, const char *unit) __attribute__((noreturn));
/* Flush and close stdout; a write error is fatal (exit 111). */
void lm_close_stdout(void);

/* LM_ONE_SHOT, at file scope in a tool whose runs are short and many
 * (lmhook's calls, lmexport's scrapes): in a sanitized build only (the
 * suite's ASan pass), LeakSanitizer's check at exit is off by default.
 * That check costs about 37 ms a process here, most of the ASan pass's
 * time; the test files of these tools turn it back on
 * (ASAN_OPTIONS=detect_leaks=1), so every path of theirs is checked
 * there, and the daemons keep it everywhere. No effect on other builds. */
#if defined(__SANITIZE_ADDRESS__)
#define LM_ONE_SHOT \
	const char *__asan_default_options(void); \
	const char *__asan_default_options(void) { return "detect_leaks=0"; }
#else
#define LM_ONE_SHOT
#endif
#endif
