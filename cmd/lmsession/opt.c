/* lmsession: options, the app's command line and its environment
 * (cmd/lmsession.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_buf.h"
#include "lm_num.h"
#include "lmsession.h"

extern char **environ;


static const char usage[] =
	"usage: lmsession [-q] [-o DIR] [-n NAME] [-t SECS] [-r SECS] [-g SECS] [-i SECS]"
	" [-e EXPECT] [-b DIR] [-D PATH|URL] [-K DIR] [-E VAR=VALUE] [-w PREFIX] [-p SOURCE]"
	" [-I IMAGE] [-R RUNTIME] [-A ARGS] [-a ARGS] [-c CMD] [-C READY] [-W SECS]"
	" [--] [CMD [ARG ...]]";

static const char help[] =
	"  -o, --output DIR        results folder (default lmsession-NAME-YYYYmmdd-HHMMSS, UTC)\n"
	"  -n, --name NAME         the app's name (default $app_name, else the image, the script\n"
	"                          of an interpreter (python3 app.py: app), or the command)\n"
	"  -t, --timeout SECS      deadline: then SIGINT, SIGTERM, SIGKILL; a failure (124/137)\n"
	"  -r, --run-for SECS      planned stop: SIGINT after SECS, then as -t; not a failure\n"
	"  -g, --grace SECS        wait between the signals (default 5)\n"
	"  -i, --interval SECS     sampling period (default 1)\n"
	"  -e, --expect EXPECT     threshold, e.g. 'fps>=10', 'latency.p95<=1.1*baseline' (repeatable)\n"
	"  -b, --baseline DIR      an earlier run's folder: deltas and relative thresholds\n"
	"  -D, --dataset PATH|URL  dataset: $LM_DATASET, {dataset}; mounted at /dataset in a container;\n"
	"                          a URL (http, https; #sha256=HEX checks it) is fetched, archives unpacked\n"
	"  -K, --cache DIR         where fetched datasets are kept (default $LM_CACHE, else\n"
	"                          $XDG_CACHE_HOME/livemetrics, else ~/.cache/livemetrics)\n"
	"  -E, --env VAR=VALUE     set VAR in the app's environment (repeatable)\n"
	"  -w, --wrap PREFIX       run the app under a profiler command prefix, e.g.\n"
	"                          'perf stat -o {out}/perf.txt --' (repeatable; the first is outermost)\n"
	"  -p, --probe SOURCE      lmprobe source for the board (default: tegrastats and jetson, or\n"
	"                          nvidia-smi, when found, and proc); 'none': no board probe\n"
	"  -I, --image IMAGE       run a container image (default $app_name when no CMD)\n"
	"  -R, --runtime RUNTIME   container runtime command (default $LM_RUNTIME, else docker)\n"
	"  -A, --docker-args ARGS  runtime run arguments (default $app_docker_args)\n"
	"  -a, --app-args ARGS     app arguments, appended (default $app_args)\n"
	"  -c, --companion CMD     start CMD (split as sh does) before the app, stop it after;\n"
	"                          its tree sampled as companion-N (repeatable, at most 8)\n"
	"  -C, --ready READY       the last -c is ready when: unix:PATH or tcp:[HOST:]PORT accepts\n"
	"                          a connection, or delay:SECS has passed (default: once started)\n"
	"  -W, --ready-wait SECS   how long a companion may take to be ready (default 30)\n"
	"  -q, --quiet             no progress, no summary on stdout\n"
	"  -h, --help              print this and exit 0\n"
	"In arguments, {out} is the results folder and {dataset} the dataset path.\n"
	"Exit: 0 passed (the app exited 0 or stopped as planned, thresholds held); 1 a threshold\n"
	"failed; 2 the app failed; 3 a companion ended before the app; 4 a companion was not ready;\n"
	"124 timed out; 137 had to be killed; 126/127 cannot run / not found; 128+N lmsession got\n"
	"signal N; 100 usage; 111 system error (summary.json: verdict).\n";

/* ---- options */

const char *outdir, *name_opt, *baseline_dir, *dataset, *cache_dir, *image, *runtime_s;
const struct lm_fetch *fetched;   /* -D URL: how it was had */
const char *docker_args, *app_args;
double timeout_s, run_for_s, grace_s = 5, interval_s = 1;
const char *expects[MAX_LIST], *envs[MAX_LIST], *wraps[MAX_LIST], *probes[MAX_LIST];
size_t nexpects, nenvs, nwraps, nprobes;
int quiet;

char name[LM_TAGVAL_MAX + 1];
char dir[PATH_MAX];       /* results folder, absolute */
char priv[PATH_MAX];      /* private folder: the socket */
char sock[PATH_MAX];
char cname[96];           /* container name */
char selfdir[PATH_MAX];   /* where lmsession lives: lmtabled, lmprobe */
char **runtime_argv;      /* runtime command, split */
size_t env_own;

/* Seconds: NUMBER[ms|s|m|h|d], within [min, max]. */
double duration(const char *opt, const char *s, double min, double max)
{
	static const struct { const char *suf; double mul; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "", 1 }
	};
	size_t n = strlen(s), i, k;
	double v;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		k = strlen(units[i].suf);
		if (n <= k || strcmp(s + n - k, units[i].suf))
			continue;
		if (lm_parse_double(s, n - k, &v) == 0) {
			v *= units[i].mul;
			if (v >= min && v <= max)
				return v;
		}
		break;
	}
	lm_opt_bad(opt, s, min, max, 0, "seconds, or with ms, s, m, h, d");
}

/* Replace {out} and {dataset} in s; a new string. */
static char *expand(const char *s)
{
	struct lm_buf b;
	const char *p;

	lm_buf_init(&b, 1u << 20);
	for (p = s; *p; p++) {
		if (!strncmp(p, "{out}", 5)) {
			lm_buf_adds(&b, dir);
			p += 4;
		} else if (!strncmp(p, "{dataset}", 9)) {
			lm_buf_adds(&b, dataset ? dataset : "");
			p += 8;
		} else {
			lm_buf_addc(&b, *p);
		}
	}
	lm_buf_addc(&b, 0);
	if (b.err)
		lm_die(LM_EXIT_USAGE, "argument too long: %.40s...", s);
	return b.p;
}

/* Split s into words as sh does, without expansions: blanks separate,
 * '...' is literal, "..." keeps \" \\ \$ \` escapes, \x outside quotes is
 * x. Appends to *v (*n words). An unterminated quote is a usage error. */
void split(const char *what, const char *s, char ***v, size_t *n)
{
	struct lm_buf w;
	const char *p = s;
	int inword = 0;

	lm_buf_init(&w, 1u << 20);
	for (;;) {
		char c = *p;
		if (c == 0 || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				lm_buf_addc(&w, 0);
				if (w.err || *n >= WORDS_MAX)
					lm_die(LM_EXIT_USAGE, "%s: too long", what);
				*v = realloc(*v, (*n + 2) * sizeof **v);
				if (!*v)
					lm_die(LM_EXIT_SYS, "out of memory");
				(*v)[(*n)++] = expand(w.p);
				(*v)[*n] = NULL;
				lm_buf_reset(&w);
				inword = 0;
			}
			if (c == 0)
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *e = strchr(p + 1, '\'');
			if (!e)
				lm_die(LM_EXIT_USAGE, "%s: unterminated ' in: %s", what, s);
			lm_buf_add(&w, p + 1, (size_t)(e - p - 1));
			p = e + 1;
		} else if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == 0)
					lm_die(LM_EXIT_USAGE, "%s: unterminated \" in: %s", what, s);
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				lm_buf_addc(&w, *p);
			}
			p++;
		} else if (c == '\\' && p[1]) {
			lm_buf_addc(&w, p[1]);
			p += 2;
		} else {
			lm_buf_addc(&w, c);
			p++;
		}
	}
	lm_buf_free(&w);
}

static void push(const char **list, size_t *n, const char *opt, const char *v)
{
	if (*n >= MAX_LIST)
		lm_die(LM_EXIT_USAGE, "too many %s options (at most %d)", opt, MAX_LIST);
	list[(*n)++] = v;
}

/* A name that can be an app tag and part of a folder name. */
static void set_name(const char *s)
{
	size_t i, n = 0;
	const char *b = strrchr(s, '/');

	if (b && b[1])
		s = b + 1;
	for (i = 0; s[i] && n < LM_TAGVAL_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		name[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ? (char)c : '_';
	}
	name[n] = 0;
	if (!n || !strcmp(name, ".") || !strcmp(name, ".."))
		strcpy(name, "app");
}

static const char *env_nonempty(const char *k)
{
	const char *v = getenv(k);
	return v && *v ? v : NULL;
}


static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "run-for", required_argument, NULL, 'r' },
	{ "grace", required_argument, NULL, 'g' },
	{ "interval", required_argument, NULL, 'i' },
	{ "expect", required_argument, NULL, 'e' },
	{ "baseline", required_argument, NULL, 'b' },
	{ "dataset", required_argument, NULL, 'D' },
	{ "cache", required_argument, NULL, 'K' },
	{ "env", required_argument, NULL, 'E' },
	{ "wrap", required_argument, NULL, 'w' },
	{ "probe", required_argument, NULL, 'p' },
	{ "image", required_argument, NULL, 'I' },
	{ "runtime", required_argument, NULL, 'R' },
	{ "docker-args", required_argument, NULL, 'A' },
	{ "app-args", required_argument, NULL, 'a' },
	{ "companion", required_argument, NULL, 'c' },
	{ "ready", required_argument, NULL, 'C' },
	{ "ready-wait", required_argument, NULL, 'W' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void options(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+:ho:n:t:r:g:i:e:b:D:K:E:w:p:I:R:A:a:c:C:W:q",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			lm_help(usage, help);
		case 'o': outdir = optarg; break;
		case 'n': name_opt = optarg; break;
		case 't': timeout_s = duration("timeout", optarg, 0.001, 1e8); break;
		case 'r': run_for_s = duration("run-for", optarg, 0.001, 1e8); break;
		case 'g': grace_s = duration("grace", optarg, 0, 3600); break;
		case 'i': interval_s = duration("interval", optarg, 0.05, 3600); break;
		case 'e': push(expects, &nexpects, "-e", optarg); break;
		case 'b': baseline_dir = optarg; break;
		case 'D': dataset = optarg; break;
		case 'K':
			if (!*optarg)
				lm_die(LM_EXIT_USAGE, "empty -K folder");
			cache_dir = optarg;
			break;
		case 'E':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				lm_die(LM_EXIT_USAGE, "bad -E: %s (VAR=VALUE)", optarg);
			push(envs, &nenvs, "-E", optarg);
			break;
		case 'w':
			if (!*optarg)
				lm_die(LM_EXIT_USAGE, "empty -w prefix");
			push(wraps, &nwraps, "-w", optarg);
			break;
		case 'p': push(probes, &nprobes, "-p", optarg); break;
		case 'I': image = optarg; break;
		case 'R': runtime_s = optarg; break;
		case 'A': docker_args = optarg; break;
		case 'a': app_args = optarg; break;
		case 'c': companion_add(optarg); break;
		case 'C': companion_ready(optarg); break;
		case 'W': ready_wait = duration("ready-wait", optarg, 0.001, 3600); break;
		case 'q': quiet = 1; break;
		default:
			if (!optopt && optind > 1) {   /* a long option: name it whole */
				lm_warn("unknown option %s", argv[optind - 1]);
				lm_usage(usage);
			}
			lm_bad_option(usage, c);
		}
	}
	if (timeout_s && run_for_s && run_for_s >= timeout_s)
		lm_die(LM_EXIT_USAGE, "-r %g is not shorter than -t %g", run_for_s, timeout_s);
}

/* Append to v: RUNTIME run --rm --name CN, the private folder at
 * /metrics with LM_SOCKET and LM_APP=APP, the dataset at /dataset, the -E
 * variables: what a container of the session (the app's, a companion's)
 * is run with before its own options and image. */
void container_run(char ***vp, size_t *np, const char *cn, const char *app)
{
	char e[PATH_MAX + 64];
	const char *fixed[] = { "run", "--rm", "--name", cn };
	char **v = *vp;
	size_t n = *np, i;

	for (i = 0; runtime_argv[i]; i++)
		split("-R", runtime_argv[i], &v, &n);
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = xstrdup(fixed[i]);
		v[n] = NULL;
	}
	fmt(e, sizeof e, "-v '%s:/metrics' -e LM_SOCKET=/metrics/live_metrics.sock"
		" -e LM_APP=%s", priv, app);
	split("-R", e, &v, &n);
	if (dataset) {
		fmt(e, sizeof e, "-v '%s:/dataset:ro' -e LM_DATASET=/dataset", dataset);
		split("-D", e, &v, &n);
	}
	for (i = 0; i < nenvs; i++) {
		v = realloc(v, (n + 3) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = xstrdup("-e");
		v[n++] = expand(envs[i]);
		v[n] = NULL;
	}
	*vp = v;
	*np = n;
}

/* The app's command line: wrappers, then the command or the runtime's. */
static char **command(int argc, char **argv)
{
	char **v = NULL;
	size_t n = 0, i;

	for (i = 0; i < nwraps; i++)
		split("-w", wraps[i], &v, &n);
	if (image) {
		container_run(&v, &n, cname, name);
		if (docker_args)
			split("-A", docker_args, &v, &n);
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = xstrdup(image);
		v[n] = NULL;
	}
	for (i = 0; i < (size_t)argc; i++) {
		v = realloc(v, (n + 2) * sizeof *v);
		if (!v)
			lm_die(LM_EXIT_SYS, "out of memory");
		v[n++] = expand(argv[i]);
		v[n] = NULL;
	}
	if (app_args)
		split("-a", app_args, &v, &n);
	if (!n) {
		lm_warn("no command: give CMD [ARG...] or an image (-I)");
		lm_usage(usage);
	}
	return v;
}

/* 1 when the environment entry kv sets one of the variables in own[0..n) */
static int env_clash(const char *kv, char *const *own, size_t n)
{
	size_t i, k = strcspn(kv, "=");
	for (i = 0; i < n; i++)
		if (!strncmp(own[i], kv, k) && own[i][k] == '=')
			return 1;
	return 0;
}

/* The app's environment: ours first (LM_*, -E), then the rest of ours
 * that we do not replace. */
static char **app_env(void)
{
	size_t n = 0, i, k = 0;
	char **e, kv[PATH_MAX + 32];

	while (environ[n])
		n++;
	e = xalloc((n + nenvs + 8) * sizeof *e);
	fmt(kv, sizeof kv, "LM_SOCKET=%s", sock);
	e[k++] = xstrdup(kv);
	fmt(kv, sizeof kv, "LM_APP=%s", name);
	e[k++] = xstrdup(kv);
	fmt(kv, sizeof kv, "LM_SESSION_DIR=%s", dir);
	e[k++] = xstrdup(kv);
	if (dataset && !image) {
		fmt(kv, sizeof kv, "LM_DATASET=%s", dataset);
		e[k++] = xstrdup(kv);
	}
	if (!image)
		for (i = 0; i < nenvs; i++)
			e[k++] = expand(envs[i]);
	env_own = k;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LM_DATASET=", 11) && !env_clash(environ[i], e, env_own))
			e[k++] = environ[i];
	e[k] = NULL;
	return e;
}

void free_words(char **v)
{
	size_t i;
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}


/* The app's name: -n, else $app_name (unless it is the image), else the
 * image's name without registry, tag or digest, else from the command. */
static void app_name(char **argv)
{
	if (name_opt) {
		set_name(name_opt);
	} else if (env_nonempty("app_name") && (!image || strcmp(image, getenv("app_name")))) {
		set_name(getenv("app_name"));
	} else if (image) {
		char im[PATH_MAX];
		char *c;
		snprintf(im, sizeof im, "%s", image);
		if ((c = strrchr(im, '@')))
			*c = 0;
		c = strrchr(im, '/');
		if ((c = strchr(c ? c : im, ':')))
			*c = 0;
		set_name(im);
	} else {
		char nm[LM_TAGVAL_MAX + 1];
		lm_session_name((const char *const *)argv, nm, sizeof nm);
		set_name(nm);
	}
}

/* The -e thresholds; a bad one is a usage error */
static struct lm_expect *expectations(void)
{
	struct lm_expect *ex = xalloc((nexpects + 1) * sizeof *ex);
	char err[512];
	size_t i;

	for (i = 0; i < nexpects; i++)
		if (lm_expect_parse(&ex[i], expects[i], err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -e %s: %s", expects[i], err);
	return ex;
}

void setup(int argc, char **argv, struct lm_expect **ex, char ***cmd, char ***env)
{
	char self[PATH_MAX];
	ssize_t r;

	options(argc, argv);
	argc -= optind;
	argv += optind;

	/* the Jenkins parameters, as Jenkins sets them */
	if (!docker_args)
		docker_args = env_nonempty("app_docker_args");
	if (!app_args)
		app_args = env_nonempty("app_args");
	if (!image && !argc)
		image = env_nonempty("app_name");
	if (!image && !argc) {
		lm_warn("no command: give CMD [ARG...] or an image (-I, or $app_name)");
		lm_usage(usage);
	}
	if (image && argc)
		lm_die(LM_EXIT_USAGE, "both an image (%s) and a command (%s) given", image, argv[0]);
	if (!runtime_s)
		runtime_s = env_nonempty("LM_RUNTIME");
	if (!runtime_s)
		runtime_s = "docker";
	app_name(argv);
	if (dataset && lm_fetch_is_url(dataset)) {
		/* a URL: fetched (or found in the cache) before anything starts */
		static struct lm_fetch df;
		char cache[PATH_MAX], err[256];
		if (lm_fetch_parse(&df, dataset, err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -D %s: %s", dataset, err);
		if (lm_fetch_cache_dir(cache_dir, cache, sizeof cache, err, sizeof err) < 0)
			lm_die(LM_EXIT_USAGE, "bad -K %s: %s", cache_dir ? cache_dir : "", err);
		say("fetching %s into %s", df.url, cache);
		if (lm_fetch_get(&df, cache, err, sizeof err) < 0)
			lm_die(LM_EXIT_SYS, "unable to fetch dataset %s: %s", df.url, err);
		say("dataset %s: %.0f bytes, %s in %.1fs", df.url, df.bytes,
			df.cached ? "from the cache" : "fetched", df.seconds);
		dataset = df.path;
		fetched = &df;
	}
	if (dataset) {
		static char ds[PATH_MAX];
		if (!realpath(dataset, ds))
			lm_die_sys(LM_EXIT_USAGE, "unable to use dataset %s", dataset);
		dataset = ds;
	}
	*ex = expectations();
	r = readlink("/proc/self/exe", self, sizeof self - 1);
	if (r > 0) {
		char *s;
		self[r] = 0;
		if ((s = strrchr(self, '/'))) {
			*s = 0;
			snprintf(selfdir, sizeof selfdir, "%s", self);
		}
	}
	{
		char **rv = NULL;
		size_t rn = 0;
		split("-R", runtime_s, &rv, &rn);
		if (!rn)
			lm_die(LM_EXIT_USAGE, "empty runtime command");
		runtime_argv = rv;
	}
	snprintf(cname, sizeof cname, "lmsession-%ld", (long)getpid());
	results_dir();
	private_dir();
	*cmd = command(argc, argv);
	*env = app_env();
	companions_setup(*env);
}
