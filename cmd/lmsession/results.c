/* lmsession: how the run ended, in words; the results files and the
 * summary on stdout (cmd/lmsession.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lmsession.h"

const char *signame(int s)
{
	switch (s) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGKILL: return "SIGKILL";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	case SIGABRT: return "SIGABRT";
	case SIGSEGV: return "SIGSEGV";
	case SIGPIPE: return "SIGPIPE";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	default: return "a signal";
	}
}

/* The end in one line for people, e.g. "stopped by SIGTERM at the
 * deadline". */
static void end_words(char *b, size_t cap, const struct lm_run *r, const struct lm_seen *sn,
	const char *cmd0)
{
	const char *why = r->cause == LM_END_INTERRUPTED || r->end == LM_END_INTERRUPTED ?
		"after lmsession got" : r->end == LM_END_STOPPED || r->cause == LM_END_STOPPED ?
		"at the planned stop" : "at the deadline";
	char s[32] = "";

	if (r->signal)
		snprintf(s, sizeof s, " %s", signame(r->signal));
	if (ready_interrupted) {
		snprintf(b, cap, "%.200s; the app did not run", companion_end);
		return;
	}
	switch (r->end) {
	case LM_END_COMPANION:
	case LM_END_NOTREADY:
		snprintf(b, cap, "%s", companion_end);
		break;
	case LM_END_NOSTART:
		snprintf(b, cap, "could not start %s: %s", cmd0, strerror(sn->nostart));
		break;
	case LM_END_KILLED:
		snprintf(b, cap, "had to be killed with SIGKILL %s%s",
			r->cause == LM_END_INTERRUPTED ? "after lmsession got" :
			r->cause == LM_END_STOPPED ? "after the planned stop" : "after the deadline",
			r->cause == LM_END_INTERRUPTED ? s : "");
		break;
	case LM_END_STOPPED:
	case LM_END_TIMEOUT:
	case LM_END_INTERRUPTED:
		snprintf(b, cap, "stopped by %s %s%s", sn->stage == 1 ? "SIGINT" : "SIGTERM", why,
			r->end == LM_END_INTERRUPTED ? s : "");
		break;
	case LM_END_SIGNALED:
		snprintf(b, cap, "died of %s (%d)", signame(r->status), r->status);
		break;
	default:
		snprintf(b, cap, "exited with status %d", r->status);
	}
}

/* How the app used the machine when no rusage came: a container's cgroup
 * holds what its processes used */
static void cgroup_usage(void)
{
	size_t i;

	for (i = 0; !have_usage && image && i < nmetrics; i++)
		if (!strcmp(metrics[i].source, name) && !strcmp(metrics[i].id, "cgroup_cpu_seconds")) {
			app_use.source = "cgroup";
			app_use.user = app_use.system = app_use.rbytes = app_use.wbytes = -1;
			app_use.cpu = metrics[i].total;
			app_use.cores = cores;
			have_usage = 1;
		}
}

int results(struct lm_run *run, struct lm_seen *seen, char **cmd, struct lm_expect *ex,
	struct lm_baseline *bp, double duration, size_t left)
{
	static char end_text[256], host[256];
	char err[512];
	char **files;
	int exit_code, sys_err = 0;
	size_t i;

	memset(run, 0, sizeof *run);
	lm_session_end(run, seen);
	end_words(end_text, sizeof end_text, run, seen, cmd[0]);
	if (left)
		lm_warn("the app left %zu process%s behind; stopped", left, left == 1 ? "" : "es");
	if (rejected > 0)
		lm_warn("lmtabled refused %.0f wire line%s (%s): see lm-wire(5) and the caps in lmsession(1)",
			rejected, rejected == 1 ? "" : "s", reject_why);

	for (i = 0; i < nmetrics; i++)
		lm_metric_stats(&metrics[i]);
	for (i = 0; i < nexpects; i++)
		lm_expect_eval(&ex[i], metrics, nmetrics, bp);
	run->name = name;
	run->argv = (const char *const *)cmd;
	run->image = image;
	run->runtime = image ? runtime_s : NULL;
	run->app_args = app_args;
	run->docker_args = image ? docker_args : NULL;
	run->dataset = dataset;
	run->fetch = fetched;
	if (gethostname(host, sizeof host - 1) < 0)
		strcpy(host, "unknown");
	run->host = host;
	run->started = t0_wall;
	run->duration = duration;
	run->timeout = timeout_s;
	run->run_for = run_for_s;
	run->interval = interval_s;
	run->end_text = end_text;
	run->m = metrics;
	run->nm = nmetrics;
	run->ex = ex;
	run->nex = nexpects;
	run->base = bp;
	cgroup_usage();
	run->usage = have_usage ? &app_use : NULL;

	/* the results, each file whole; the folder's list (the app's output,
	 * the samples, what wrappers wrote) */
	if (samples_finish() < 0)
		sys_err = 1;
	files = dir_files();
	run->files = (const char *const *)files;
	run->exit_code = exit_code = lm_session_exit(run, sys_err);
	if (lm_report_write(run, dir, err, sizeof err) < 0) {
		lm_warn("%s", err);
		exit_code = LM_EXIT_SYS;
	}
	if (!quiet) {
		struct lm_buf t;
		lm_buf_init(&t, 16u << 20);
		if (lm_report_text(run, &t) == 0)
			fwrite(t.p, 1, t.len, stdout);
		lm_buf_free(&t);
		if (run->end != LM_END_EXITED || run->status != 0)
			if (run->end != LM_END_STOPPED)
				show_tail("stderr.log");
		lm_info("%s after %.1fs; results in %s; exit %d", end_text, run->duration, dir, exit_code);
	}
	run->files = NULL;
	free_words(files);
	return exit_code;
}
