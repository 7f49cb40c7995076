/* lmsession: the table read into series each round, the app's own CPU
 * and I/O, samples.csv and samples.jsonl, progress (cmd/lmsession.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lm_acct.h"
#include "lm_buf.h"
#include "lm_hash.h"
#include "lm_hist.h"
#include "lm_num.h"
#include "lm_sock.h"
#include "lmsession.h"

/* ---- the table: metrics of the run */

/* Open addressing, string keys; values are indexes. */
struct map {
	char **k;
	size_t *v;
	size_t cap, n;
};

static size_t *map_slot(struct map *m, const char *k, int add)
{
	size_t i;

	if (add && (m->n + 1) * 2 > m->cap) {
		struct map g = { 0, 0, m->cap ? m->cap * 2 : 64, 0 };
		g.k = xalloc(g.cap * sizeof *g.k);
		g.v = xalloc(g.cap * sizeof *g.v);
		for (i = 0; i < m->cap; i++)
			if (m->k[i])
				*map_slot(&g, m->k[i], 2) = m->v[i];
		free(m->k);
		free(m->v);
		*m = g;
	}
	if (!m->cap)
		return NULL;
	for (i = (size_t)lm_hash(LM_HASH0, k, strlen(k)) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->k[i], k)) {
			if (add == 2)
				free(m->k[i]);
			else
				return &m->v[i];
		}
	if (!add)
		return NULL;
	m->k[i] = add == 2 ? (char *)k : xstrdup(k);
	m->n++;
	return &m->v[i];
}

/* A series of the table (one per process of an app): its last figures,
 * and what it held before it started over (carry). */
struct entry {
	size_t metric;
	double seen;
	double total, c_total;      /* counters and rates */
	struct lm_hist h, c_h;      /* timers and histograms: cumulative */
};

double rejected;         /* lines the private lmtabled refused */
char reject_why[256];    /* by reason, for the warning */
struct lm_metric *metrics;
size_t nmetrics;
static size_t capmetrics;
static struct entry *entries;
static size_t nentries, capentries;
static struct map mmap, emap;
/* per metric, this round's aggregate (iv: the round's observations) */
struct acc { double v; struct lm_hist iv; int n; };
static struct acc *accs;

double t0_mono, t0_wall, last_dump;
static FILE *csv, *jsonl;   /* .samples.csv.part, .samples.jsonl.part */
static int csv_bad;

static const char *kind_name(int k)
{
	switch (k) {
	case LM_COUNTER: return "counter";
	case LM_RATE: return "rate";
	case LM_TIMER: return "timer";
	case LM_HISTO: return "histogram";
	default: return "gauge";
	}
}

static size_t metric_of(const char *source, const char *id, int kind)
{
	char key[LM_LINE_MAX * 2 + 8];
	size_t *slot;

	snprintf(key, sizeof key, "%s/%s/%c", source, id, '0' + kind);
	slot = map_slot(&mmap, key, 0);
	if (slot)
		return *slot;
	if (nmetrics == capmetrics) {
		capmetrics = capmetrics ? capmetrics * 2 : 64;
		metrics = realloc(metrics, capmetrics * sizeof *metrics);
		accs = realloc(accs, capmetrics * sizeof *accs);
		if (!metrics || !accs)
			lm_die(LM_EXIT_SYS, "out of memory");
	}
	lm_metric_init(&metrics[nmetrics], source, id, kind);
	memset(&accs[nmetrics], 0, sizeof *accs);
	*map_slot(&mmap, key, 1) = nmetrics;
	return nmetrics++;
}

static void csv_field(const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		putc('"', csv);
		for (; *s; s++) {
			if (*s == '"')
				putc('"', csv);
			putc(*s, csv);
		}
		putc('"', csv);
	} else {
		fputs(s, csv);
	}
}

static void sample_out(const struct lm_metric *m, double t, double v)
{
	char num[LM_NUM_MAX];

	if (!csv)
		return;
	fprintf(csv, "%.3f,", t);
	csv_field(m->source);
	putc(',', csv);
	csv_field(m->id);
	fprintf(csv, ",%s,", kind_name(m->type));
	lm_fmt_double(num, v);
	fputs(num, csv);
	putc('\n', csv);
	if (jsonl) {
		static struct lm_buf j;
		if (!j.max)
			lm_buf_init(&j, 1u << 20);
		lm_buf_reset(&j);
		lm_buf_adds(&j, "{\"t\":");
		lm_buf_addnum(&j, (double)(long long)(t * 1000 + 0.5) / 1000);
		lm_buf_adds(&j, ",\"source\":");
		lm_report_jstr(&j, m->source);
		lm_buf_adds(&j, ",\"metric\":");
		lm_report_jstr(&j, m->id);
		lm_buf_adds(&j, ",\"type\":\"");
		lm_buf_adds(&j, kind_name(m->type));
		lm_buf_adds(&j, "\",\"value\":");
		lm_buf_adds(&j, num);
		lm_buf_adds(&j, "}\n");
		if (!j.err)
			fwrite(j.p, 1, j.len, jsonl);
	}
}

/* One dump line into this round's aggregates. */
static void take(const struct lm_line *l, double now, int final)
{
	char id[LM_LINE_MAX + 8], ekey[LM_LINE_MAX * 2 + 16], source[LM_TAGVAL_MAX + 1];
	struct lm_str app;
	size_t i, ni, ne, mi, *slot;
	int kind = lm_type_kind(l->type);
	struct entry *e;
	struct acc *a;
	double total, d, dt;

	if (final && l->name.n == 24 && !memcmp(l->name.p, "lm_tabled_lines_rejected", 24)) {
		struct lm_str why;
		rejected += l->values[0];
		if (l->values[0] > 0 && lm_line_tag(l, "reason", &why) &&
		    why.n < sizeof reject_why - strlen(reject_why) - 16)
			snprintf(reject_why + strlen(reject_why), sizeof reject_why - strlen(reject_why),
				"%s%.*s %.0f", *reject_why ? ", " : "", (int)why.n, why.p, l->values[0]);
		return;
	}
	if ((l->name.n >= 3 && !memcmp(l->name.p, "lm_", 3)) ||
	    (l->name.n >= 8 && !memcmp(l->name.p, "lmprobe_", 8)))
		return;
	if (!lm_line_tag(l, "app", &app) || app.n > LM_TAGVAL_MAX)
		return;
	memcpy(source, app.p, app.n);
	source[app.n] = 0;
	ni = lm_line_id(l, id, sizeof id);
	ne = (size_t)snprintf(ekey, sizeof ekey, "%c", '0' + kind);
	for (i = 0; i < l->ntags; i++) {
		const struct lm_tag *t = &l->tags[i];
		if (lm_tag_identity(&t->k) && ne < sizeof ekey)
			ne += (size_t)snprintf(ekey + ne, sizeof ekey - ne, "|%.*s=%.*s",
				(int)t->k.n, t->k.p, (int)t->v.n, t->v.p);
	}
	if (ni >= sizeof id || ne >= sizeof ekey)
		return;
	if (ne + 1 + ni < sizeof ekey)
		snprintf(ekey + ne, sizeof ekey - ne, "#%s", id);
	mi = metric_of(source, id, kind);
	slot = map_slot(&emap, ekey, 0);
	if (!slot) {
		if (nentries == capentries) {
			capentries = capentries ? capentries * 2 : 64;
			entries = realloc(entries, capentries * sizeof *entries);
			if (!entries)
				lm_die(LM_EXIT_SYS, "out of memory");
		}
		memset(&entries[nentries], 0, sizeof *entries);
		entries[nentries].metric = mi;
		entries[nentries].seen = last_dump;
		slot = map_slot(&emap, ekey, 1);
		*slot = nentries++;
	}
	e = &entries[*slot];
	a = &accs[mi];
	total = l->values[0];
	dt = now - e->seen;
	if (kind == LM_GAUGE) {
		a->v += total;
		a->n++;
	} else if (kind == LM_COUNTER || kind == LM_RATE) {
		if (total < e->total) {   /* the series started over */
			e->c_total += e->total;
			d = total;
		} else {
			d = total - e->total;
		}
		e->total = total;
		/* the last round ends when the app did; a sliver of it is no rate */
		if (dt > 0 && (!final || dt >= interval_s / 2 || !metrics[mi].count)) {
			a->v += d / dt;
			a->n++;
		}
	} else {
		struct lm_hist cur, d;
		lm_hist_init(&cur);
		lm_hist_init(&d);
		if (lm_line_hist(l, &cur, 1) < 0)
			lm_die(LM_EXIT_SYS, "out of memory");
		if (cur.count < e->h.count) {   /* the series started over */
			if (lm_hist_merge(&e->c_h, &e->h, 1) < 0)
				lm_die(LM_EXIT_SYS, "out of memory");
			lm_hist_free(&e->h);
		}
		if (cur.count > e->h.count) {
			if (lm_hist_diff(&d, &cur, &e->h) < 0 || lm_hist_merge(&a->iv, &d, 1) < 0)
				lm_die(LM_EXIT_SYS, "out of memory");
			a->n++;
			if (l->has_last)
				metrics[mi].obs_last = l->last;
			lm_hist_free(&d);
		}
		lm_hist_free(&e->h);
		e->h = cur;
	}
	e->seen = now;
}

/* ---- the app's CPU and I/O: every process it ran, read here at each
 * sample (lmprobe's figures would land in the round after they were
 * read), exited ones included (lm_acct over the keeper's tree, the
 * keeper's own time left out); the rusage total at the end. */

static const char *const acct_names[LM_ACCT_N] = {
	"process_cpu_seconds", "process_read_bytes", "process_write_bytes"
};
static struct lm_acct app_acct;
pid_t acct_root;          /* the keeper, when the app is a command */
double cores;
static double acct_v[LM_ACCT_N], acct_at;
static int acct_have;
int acct_ended;
struct lm_usage app_use;
int have_usage;

/* 1 for lmprobe's line of a series counted here */
static int acct_ours(const struct lm_line *l)
{
	struct lm_str a;
	size_t k;

	if (!acct_root || !lm_line_tag(l, "app", &a) || a.n != strlen(name) || memcmp(a.p, name, a.n))
		return 0;
	for (k = 0; k < LM_ACCT_N; k++)
		if (l->name.n == strlen(acct_names[k]) && !memcmp(l->name.p, acct_names[k], l->name.n))
			return 1;
	return 0;
}

/* Read the app's tree now; its CPU grows by at most `cores` a second
 * (what a raced reading holds back comes in the next round). */
void acct_read(double now)
{
	struct lm_tree t;

	if (!acct_root || lm_acct_tree(&app_acct, "", acct_root, 0, &t) < 0)
		return;
	acct_v[LM_ACCT_CPU] = acct_have ? lm_acct_cap(acct_v[LM_ACCT_CPU], t.cpu, cores, now - acct_at) :
		lm_acct_cap(0, t.cpu, cores, now - t0_mono);
	acct_v[LM_ACCT_READ] = t.rbytes;
	acct_v[LM_ACCT_WRITE] = t.wbytes;
	acct_at = now;
	acct_have = 1;
}

/* The last reading into this round, as the app's counters. */
static void acct_take(double now, int final)
{
	struct lm_line l;
	size_t k;

	if (!acct_have)
		return;
	for (k = 0; k < LM_ACCT_N; k++) {
		if (acct_v[k] < 0)
			continue;   /* no /proc/PID/io */
		memset(&l, 0, sizeof l);
		l.name.p = acct_names[k];
		l.name.n = strlen(acct_names[k]);
		l.type = LM_COUNTER;
		l.nvalues = 1;
		l.values[0] = acct_v[k];
		l.rate = 1;
		l.ntags = 1;
		l.tags[0].k.p = "app";
		l.tags[0].k.n = 3;
		l.tags[0].v.p = name;
		l.tags[0].v.n = strlen(name);
		take(&l, now, final);
	}
}

/* How many CPUs the app may run on. */
double cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (double)n : 1;
}

/* The keeper's K_USAGE. */
void keeper_usage(const struct kmsg *m)
{
	if (m->kind != K_USAGE)
		return;
	app_use.source = "rusage";
	app_use.user = (double)m->u[0] / 1e6;
	app_use.system = (double)m->u[1] / 1e6;
	app_use.cpu = app_use.user + app_use.system;
	app_use.rbytes = (double)m->u[2] * 512;
	app_use.wbytes = (double)m->u[3] * 512;
	app_use.cores = cores;
	have_usage = 1;
}

/* Read the table and add one sample per metric. final: the app ended at
 * `end`; the round is cut there. */
void sample(int final, double end)
{
	static struct lm_buf b;
	static int warned;
	double now = final && end > last_dump ? end : lm_mono(), t;
	size_t pos = 0, len, i;
	const char *line;

	if (!b.max)
		lm_buf_init(&b, DUMP_MAX);
	lm_buf_reset(&b);
	if (lm_query(sock, "dump\n", &b, QUERY_DEADLINE) < 0) {
		if (!warned++)
			lm_warn_sys("unable to read the table from %s", sock);
		return;
	}
	for (i = 0; i < nmetrics; i++) {
		lm_hist_free(&accs[i].iv);
		memset(&accs[i], 0, sizeof accs[i]);
	}
	while (lm_next_line(b.p, b.len, &pos, &line, &len)) {
		struct lm_line l;
		if (len == 0 || line[0] == '#' || lm_parse_line(line, len, &l) != LM_WOK || acct_ours(&l))
			continue;
		take(&l, now, final);
	}
	if (!final && !acct_ended)
		acct_read(now);
	if (final || !acct_ended)
		acct_take(now, final);   /* none after the app ended: it did nothing */
	/* the run's figures: every series ever seen, gone ones included */
	for (i = 0; i < nmetrics; i++) {
		metrics[i].total = 0;
		lm_hist_free(&metrics[i].obs);
	}
	for (i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		struct lm_metric *m = &metrics[e->metric];
		m->total += e->c_total + e->total;
		if (lm_hist_merge(&m->obs, &e->c_h, 1) < 0 || lm_hist_merge(&m->obs, &e->h, 1) < 0)
			lm_die(LM_EXIT_SYS, "out of memory");
	}
	t = now - t0_mono;
	for (i = 0; i < nmetrics; i++) {
		struct lm_metric *m = &metrics[i];
		struct acc *a = &accs[i];
		double v;

		if (!a->n)
			continue;
		switch (m->type) {
		case LM_GAUGE:
			v = a->v / a->n;
			break;
		case LM_COUNTER:
		case LM_RATE:
			v = a->v;
			break;
		default:
			if (!(a->iv.count > 0))
				continue;
			v = a->iv.sum / a->iv.count;
			lm_metric_add_obs(m, t, v, lm_hist_quantile(&a->iv, 0.5), a->iv.max);
			sample_out(m, t, v);
			continue;
		}
		lm_metric_add(m, t, v);
		sample_out(m, t, v);
	}
	if (csv && (ferror(csv) || ferror(jsonl)) && !csv_bad++)
		lm_warn_sys("unable to write the samples in %s", dir);
	last_dump = now;
}

/* Flush, sync and close a samples stream, rename its .part file to file.
 * 0 ok; -1 said why (the .part file removed). */
static int finish_one(FILE **f, const char *file)
{
	char a[PATH_MAX + 32], b[PATH_MAX + 32];
	int bad = 0, e = 0;

	fmt(a, sizeof a, "%s/.%s.part", dir, file);
	fmt(b, sizeof b, "%s/%s", dir, file);
	if (fflush(*f) != 0 || ferror(*f) || fsync(fileno(*f)) < 0) {
		bad = 1;
		e = errno;
	}
	if (fclose(*f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	*f = NULL;
	if (!bad && rename(a, b) < 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		errno = e ? e : EIO;
		lm_warn_sys("unable to write %s", b);
		unlink(a);
		return -1;
	}
	return 0;
}

/* ---- progress */

int tty;
static double last_log;

static int key_rank(const struct lm_metric *m)
{
	if (strcmp(m->source, name))
		return -1;
	if (!strcmp(m->id, "process_resident_memory_bytes"))
		return 1;
	if (!strncmp(m->id, "process_", 8))
		return -1;
	return m->type == LM_RATE ? 4 : m->type == LM_TIMER ? 3 : m->type == LM_GAUGE ? 2 : 0;
}

void progress(double now, int final)
{
	char line[512], num[LM_NUM_MAX];
	size_t n = 0, shown = 0, i;
	int r;
	double el = now - t0_mono, lim = timeout_s ? timeout_s : run_for_s;

	if (quiet || (!tty && !final && now - last_log < LOG_EVERY))
		return;
	last_log = now;
	n = (size_t)snprintf(line, sizeof line, "%.0fs", el);
	if (lim)
		n += (size_t)snprintf(line + n, sizeof line - n, "/%.0fs", lim);
	for (r = 4; r >= 1 && shown < 4; r--)
		for (i = 0; i < nmetrics && shown < 4; i++) {
			const struct lm_metric *m = &metrics[i];
			if (key_rank(m) != r || !m->n || n >= sizeof line - 80)
				continue;
			lm_fmt_double(num, m->v[m->n - 1] < 1e-3 || m->v[m->n - 1] >= 1e6 ?
				m->v[m->n - 1] : (double)(long long)(m->v[m->n - 1] * 1000 + 0.5) / 1000);
			n += (size_t)snprintf(line + n, sizeof line - n, "  %.40s %s", m->id, num);
			shown++;
		}
	if (tty && !final)
		fprintf(stderr, "\r\033[Klmsession: %s", line);
	else if (tty)
		fprintf(stderr, "\r\033[K");
	else
		lm_info("%s", line);
	fflush(stderr);
}

void samples_open(void)
{
	char p[PATH_MAX + 32];

	fmt(p, sizeof p, "%s/.samples.csv.part", dir);
	csv = fopen(p, "we");
	if (!csv)
		lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
	fputs("time_seconds,source,metric,type,value\n", csv);
	fmt(p, sizeof p, "%s/.samples.jsonl.part", dir);
	jsonl = fopen(p, "we");
	if (!jsonl)
		lm_die_sys(LM_EXIT_SYS, "unable to create %s", p);
}

/* in the keeper: the streams are lmsession's */
void samples_close_fds(void)
{
	if (csv)
		close(fileno(csv));
	if (jsonl)
		close(fileno(jsonl));
}

int samples_finish(void)
{
	int bad = finish_one(&csv, "samples.csv") < 0;
	return finish_one(&jsonl, "samples.jsonl") < 0 || bad ? -1 : 0;
}

/* Everything the sampler holds, so that leak checkers see none. */
void sample_free(void)
{
	size_t i;

	for (i = 0; i < nmetrics; i++) {
		lm_metric_free(&metrics[i]);
		lm_hist_free(&accs[i].iv);
	}
	for (i = 0; i < nentries; i++) {
		lm_hist_free(&entries[i].h);
		lm_hist_free(&entries[i].c_h);
	}
	free(metrics);
	free(accs);
	free(entries);
	lm_acct_free(&app_acct);
	for (i = 0; i < mmap.cap; i++)
		free(mmap.k[i]);
	for (i = 0; i < emap.cap; i++)
		free(emap.k[i]);
	free(mmap.k);
	free(mmap.v);
	free(emap.k);
	free(emap.v);
}
