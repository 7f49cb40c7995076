/* lm_session: lmsession's decisions, as pure functions (no I/O): how the
 * app's run ended, lmsession's exit status and verdict, and the app's
 * default name. Table-tested in test/unit/test_report.c. */
#ifndef LM_SESSION_H
#define LM_SESSION_H
#include <stddef.h>
#include "lm_report.h"

/* lmsession's exit statuses (lmsession(1), EXIT STATUS) */
#define LM_SX_OK 0          /* the app succeeded (or stopped as planned), thresholds held */
#define LM_SX_THRESHOLD 1   /* the app succeeded, a threshold failed */
#define LM_SX_APP 2         /* the app failed: a non-zero exit, or died of a signal */
#define LM_SX_COMPANION 3   /* a companion (-c) ended before the app did */
#define LM_SX_NOTREADY 4    /* a companion was not ready in time: the app never ran */
#define LM_SX_USAGE 100
#define LM_SX_SYS 111       /* lmsession itself failed (results not written whole) */
#define LM_SX_TIMEOUT 124   /* stopped at the -t deadline */
#define LM_SX_NOEXEC 126    /* cannot run */
#define LM_SX_NOTFOUND 127  /* not found */
#define LM_SX_KILLED 137    /* had to be killed with SIGKILL */
/* 128 + N: lmsession got signal N (SIGINT, SIGTERM, SIGHUP) and stopped the app */

/* What lmsession saw of the app's end. */
struct lm_seen {
	int nostart;   /* the exec's errno; 0: the app started */
	int stage;     /* signals sent to stop it: 0 none, 1 SIGINT, 2 and SIGTERM,
	                * 3 and SIGKILL */
	int cause;     /* why they were sent: LM_END_STOPPED (-r),
	                * LM_END_TIMEOUT (-t) or LM_END_INTERRUPTED */
	int signal;    /* the signal lmsession got while the app ran; 0: none */
	int wstatus;   /* the app's wait status (when it started) */
	int companion; /* 0; LM_END_COMPANION: a companion ended before the app
	                * did (cwstatus: its wait status); LM_END_NOTREADY: one
	                * was not ready in time */
	int cwstatus;
};

/* Fill r->end, status, cause and signal from s. */
void lm_session_end(struct lm_run *r, const struct lm_seen *s);
/* lmsession's exit status for r (end and expectations set); sys: lmsession
 * itself failed. In this order: sys 111; interrupted 128+N; not started
 * 126/127; a companion ended 3, was not ready 4; killed 137; timed out
 * 124; the app failed 2; a threshold failed 1; else 0. A companion's end
 * is the run's end unless lmsession was interrupted. */
int lm_session_exit(const struct lm_run *r, int sys);
/* The verdict word for an exit status: "pass", "threshold-failed",
 * "app-failed", "companion-failed", "companion-not-ready", "timeout",
 * "killed", "cannot-run", "not-found", "interrupted", "usage", "error". */
const char *lm_session_verdict(int exit_code);
/* The app's default name from its command: the program's base name, or
 * for an interpreter (sh, bash, python3, node, ...) the script's base
 * name without its extension (python3 -u app.py: "app"; python3 -m
 * pkg.mod: "pkg.mod"), for sh -c 'CMD ...' the first word of CMD (but
 * python3 -c CODE: "python3"). Into
 * out (cap bytes), unsanitised; "" when none. */
void lm_session_name(const char *const *argv, char *out, size_t cap);
#endif
