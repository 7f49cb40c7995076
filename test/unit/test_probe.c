/* test_probe: the lmprobe parsers and readers. Table-driven: every line of
 * test/data/probe/tegra-*.txt and nvsmi*.txt against its golden file
 * (*.golden: "< input", the wire lines, "= counts"); generations kept
 * apart; odd and invalid rows; the procfs and cgroup readers against the
 * fixture trees test/data/probe/root-*; the live machine's /proc.
 * Run from the repository root. "test_probe -w" rewrites the golden
 * files (review the diff before committing). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "lm_buf.h"
#include "lm_gpuproc.h"
#include "lm_jetson.h"
#include "lm_nvmap.h"
#include "lm_num.h"
#include "lm_nvsmi.h"
#include "lm_proc.h"
#include "lm_send.h"
#include "lm_tegra.h"
#include "lm_wire.h"

#define DATA "test/data/probe/"

static struct lm_samples ss;
static int rewrite;

static void add_lines(struct lm_buf *b, const struct lm_samples *s)
{
	char line[LM_LINE_MAX + 1];
	struct lm_line l;
	size_t i;

	for (i = 0; i < s->n; i++) {
		lm_sample_line(&s->s[i], NULL, &l);
		lm_format_line(line, sizeof line, &l);
		lm_buf_adds(b, line);
		lm_buf_addc(b, '\n');
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, f) == (size_t)n) {
		p[n] = 0;
		*len = (size_t)n;
	} else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

/* compare b with the golden file, block by block; or write it (-w) */
static void golden(const char *name, struct lm_buf *b)
{
	char path[256];
	size_t n = 0, i = 0, j = 0, blocks = 0, bad = 0;
	char *g;

	snprintf(path, sizeof path, DATA "%s.golden", name);
	if (rewrite) {
		FILE *f = fopen(path, "wb");
		T_OK(f && fwrite(b->p, 1, b->len, f) == b->len && fclose(f) == 0, "%s written", path);
		return;
	}
	g = slurp(path, &n);
	T_OK(g != NULL, "%s readable", path);
	if (!g)
		return;
	/* blocks start with "< " */
	while (i < b->len || j < n) {
		size_t ei = i, ej = j;
		do {
			char *nl = memchr(b->p + ei, '\n', b->len - ei);
			ei = nl ? (size_t)(nl - b->p) + 1 : b->len;
		} while (ei < b->len && strncmp(b->p + ei, "< ", 2));
		do {
			char *nl = memchr(g + ej, '\n', n - ej);
			ej = nl ? (size_t)(nl - g) + 1 : n;
		} while (ej < n && strncmp(g + ej, "< ", 2));
		blocks++;
		if (ei - i != ej - j || memcmp(b->p + i, g + j, ei - i)) {
			bad++;
			T_OK(0, "%s block %zu differs:\n--- got\n%.*s--- want\n%.*s", name, blocks,
				(int)(ei - i), b->p + i, (int)(ej - j), g + j);
		}
		i = ei;
		j = ej;
	}
	T_OK(bad == 0, "%s: %zu inputs match the golden file", name, blocks);
	free(g);
}

static void tegra_file(const char *name)
{
	char path[256], *text, *p, *nl;
	struct lm_tegra_stat st;
	struct lm_buf b;
	size_t len, lines = 0;
	char cnt[128];

	snprintf(path, sizeof path, DATA "%s.txt", name);
	text = slurp(path, &len);
	T_OK(text != NULL, "%s readable", path);
	if (!text)
		return;
	lm_buf_init(&b, 0);
	for (p = text; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		lm_samples_reset(&ss);
		lm_tegra_parse(p, (size_t)(nl - p), &ss, &st);
		lm_buf_adds(&b, "< ");
		lm_buf_add(&b, p, (size_t)(nl - p));
		lm_buf_addc(&b, '\n');
		add_lines(&b, &ss);
		snprintf(cnt, sizeof cnt, "= fields %zu skipped %zu novalue %zu\n",
			st.fields, st.skipped, st.novalue);
		lm_buf_adds(&b, cnt);
		lines++;
	}
	T_OK(lines > 0, "%s: %zu lines", name, lines);
	golden(name, &b);
	lm_buf_free(&b);
	free(text);
}

static void nvsmi_file(const char *name)
{
	char path[256], *text, *p, *nl;
	struct lm_nvsmi q;
	struct lm_buf b;
	size_t len;
	int apps = strstr(name, "apps") != NULL;

	snprintf(path, sizeof path, DATA "%s.txt", name);
	text = slurp(path, &len);
	T_OK(text != NULL, "%s readable", path);
	if (!text)
		return;
	lm_nvsmi_query(&q, apps ? LM_NVSMI_APP_QUERY : LM_NVSMI_GPU_QUERY);
	lm_buf_init(&b, 0);
	for (p = text; p < text + len; p = nl + 1) {
		size_t n;
		int r;
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		n = (size_t)(nl - p);
		lm_buf_adds(&b, "< ");
		lm_buf_add(&b, p, n);
		lm_buf_addc(&b, '\n');
		if (n > 3 && !memcmp(p, "#q ", 3)) {
			char list[512];
			snprintf(list, sizeof list, "%.*s", (int)(n - 3), p + 3);
			T_OK(lm_nvsmi_query(&q, list) == 0, "query %s", list);
			continue;
		}
		lm_samples_reset(&ss);
		if (apps) {
			struct lm_nvsmi_row row;
			char line[512];
			r = lm_nvsmi_row(&q, p, n, &row);
			snprintf(line, sizeof line, "row uuid=%s index=%s pid=%ld mem=%.17g name=%s\n",
				row.uuid, row.index, row.pid, row.mem, row.name);
			if (r == 0)
				lm_buf_adds(&b, line);
		} else {
			r = lm_nvsmi_gpu(&q, p, n, &ss);
		}
		if (r < 0)
			lm_buf_adds(&b, "! not a row\n");
		add_lines(&b, &ss);
	}
	golden(name, &b);
	lm_buf_free(&b);
	free(text);
}

/* metric names a line of one generation must never yield */
static void generations(void)
{
	static const struct { const char *line; const char *never[6]; } gen[] = {
		/* TX1 JP3: no swap, no rails, no timestamp suffix, one GPC */
		{ "RAM 512/3983MB (lfb 702x4MB) IRAM 0/252kB(lfb 252kB) CPU [12%@1428,7%@1428,off,off] EMC_FREQ 4%@1600 GR3D_FREQ 18%@844 APE 25 MSENC 601 AO@33C PMIC@100C",
		  { "board_swap_", "board_power_", "board_temperature_limit_", "gpc:1", "board_mts_", "PMIC" } },
		/* TX2 non-root: no frequencies for EMC and GPU */
		{ "RAM 1034/7860MB (lfb 1502x4MB) CPU [8%@1420,off] EMC_FREQ 0% GR3D_FREQ 0% VDD_IN 2105/2087",
		  { "board_emc_frequency_", "board_gpu_frequency_", "board_iram_", "board_engine_", "index:1", NULL } },
		/* Thor: frequencies only, no GPU load, temperatures with a limit */
		{ "09-15-2025 12:00:01 RAM 1/2MB (lfb 1x2MB) GR3D_FREQ @[1575,1575,1575] NVENC0_FREQ @1200 cpu@45.25C/45.25C VDD_GPU 8120mW/7990mW",
		  { "board_gpu_load_", "board_engine_load_", "board_swap_", "board_mts_", "board_iram_", NULL } },
		/* JP6 Orin: no -256C sensors, no IRAM, no MTS */
		{ "03-02-2025 21:47:10 RAM 5210/7620MB (lfb 42x4MB) GR3D_FREQ 91%@[624] NVDEC off VIC off cpu@55.843C gpu@56.281C VDD_IN 10215mW/9870mW",
		  { "board_iram_", "board_mts_", "gpc:1", "board_temperature_limit_", "board_cpu_", NULL } },
		/* AGX Xavier: GPU and CPU are rails here, not a temperature or the CPU list */
		{ "GPU 4316/4102 CPU 2210/2150 SOC 1503/1490",
		  { "board_temperature_", "board_cpu_", "board_gpu_", NULL } },
	};
	char line[LM_LINE_MAX + 1];
	struct lm_line l;
	size_t i, k, j;

	for (i = 0; i < sizeof gen / sizeof gen[0]; i++) {
		int leak = 0;
		lm_samples_reset(&ss);
		lm_tegra_parse(gen[i].line, strlen(gen[i].line), &ss, NULL);
		for (k = 0; k < ss.n; k++) {
			lm_sample_line(&ss.s[k], NULL, &l);
			lm_format_line(line, sizeof line, &l);
			for (j = 0; j < 6 && gen[i].never[j]; j++)
				if (strstr(line, gen[i].never[j])) {
					leak = 1;
					printf("# leak: %s in %s\n", gen[i].never[j], line);
				}
		}
		T_OK(ss.n > 0 && !leak, "generation %zu yields only its own fields (%zu samples)", i, ss.n);
	}
}

/* value of sample NAME with tag texts A and B (k:v); NAN when absent */
static double val2(const char *name, const char *a, const char *b)
{
	size_t i, k, hit;

	for (i = 0; i < ss.n; i++) {
		if (strcmp(ss.s[i].name, name))
			continue;
		for (k = hit = 0; k < ss.s[i].ntags; k++) {
			char t[128];
			snprintf(t, sizeof t, "%s:%s", ss.s[i].key[k], ss.s[i].val[k]);
			hit += !strcmp(t, a) || !strcmp(t, b);
		}
		if (hit == 2)
			return ss.s[i].v;
	}
	return NAN;
}

/* value of sample NAME with tag text TAG ("" any); NAN when absent */
static double val(const char *name, const char *tag)
{
	size_t i, k;

	for (i = 0; i < ss.n; i++) {
		if (strcmp(ss.s[i].name, name))
			continue;
		if (!*tag)
			return ss.s[i].v;
		for (k = 0; k < ss.s[i].ntags; k++) {
			char t[128];
			snprintf(t, sizeof t, "%s:%s", ss.s[i].key[k], ss.s[i].val[k]);
			if (!strcmp(t, tag))
				return ss.s[i].v;
		}
	}
	return NAN;
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) + 1);
}

static void procfs(void)
{
	struct lm_tree t;
	double page = (double)sysconf(_SC_PAGESIZE), hz = (double)sysconf(_SC_CLK_TCK);
	int r;

	lm_samples_reset(&ss);
	T_OK(lm_proc_meminfo(DATA "root-v2", &ss) == 0, "meminfo v2 fixture");
	T_OK(near(val("host_memory_total_bytes", ""), 16318508.0 * 1024), "MemTotal in bytes");
	T_OK(near(val("host_memory_available_bytes", ""), 9876540.0 * 1024), "MemAvailable in bytes");
	T_OK(near(val("host_memory_used_bytes", ""), (16318508.0 - 9876540) * 1024), "used = total - available");
	T_OK(near(val("host_swap_used_bytes", ""), (2097148.0 - 1048574) * 1024), "swap used");
	lm_samples_reset(&ss);
	T_OK(lm_proc_meminfo(DATA "root-v1", &ss) == 0, "meminfo without MemAvailable");
	T_OK(isnan(val("host_memory_used_bytes", "")) && near(val("host_memory_free_bytes", ""), 1024000000.0),
		"no MemAvailable: no used, free given");
	lm_samples_reset(&ss);
	T_OK(lm_proc_meminfo(DATA "no-such-root", &ss) < 0 && ss.n == 0, "meminfo: missing root fails");
	T_OK(lm_proc_loadavg(DATA "root-v2", &ss) == 0 && near(val("host_load_average", "minutes:15"), 2) &&
		near(val("host_load_average", "minutes:1"), 0.52), "loadavg 1, 5, 15");

	lm_samples_reset(&ss);
	T_OK(lm_proc_cpu(DATA "root-v2", &ss) == 0 && ss.n == 24 && ss.s[0].type == LM_COUNTER,
		"cpu: counters, 8 modes each for all and 2 cores (got %zu)", ss.n);
	T_OK(near(val2("host_cpu_seconds", "core:all", "mode:user"), 1000 / hz) &&
		near(val2("host_cpu_seconds", "core:all", "mode:idle"), 8000 / hz) &&
		near(val2("host_cpu_seconds", "core:1", "mode:iowait"), 250 / hz) &&
		near(val2("host_cpu_seconds", "core:0", "mode:steal"), 0),
		"cpu: jiffies in seconds per core and mode");
	lm_samples_reset(&ss);
	T_OK(lm_proc_cpu(DATA "no-such-root", &ss) < 0 && ss.n == 0, "cpu: missing root fails");

	T_OK(lm_proc_tree(DATA "root-v2", 100, &t) == 0, "tree via children files");
	T_OK(t.procs == 3 && t.threads == 7, "tree: 3 processes, 7 threads (got %zu, %zu)", t.procs, t.threads);
	T_OK(near(t.rss, 3500 * page), "tree: rss summed");
	T_OK(near(t.cpu, (250 + 50 + 10 + 5 + 100 + 50 + 50) / hz), "tree: cpu incl. reaped children");
	T_OK(near(t.rbytes, 4196) && near(t.wbytes, 8400), "tree: io summed");
	T_OK(lm_proc_tree(DATA "root-v1", 200, &t) == 0, "tree via a /proc scan");
	T_OK(t.procs == 3 && t.threads == 5 && near(t.cpu, 400 / hz) && t.rbytes < 0,
		"scan: 3 processes (not 300), comm with parens, no io");
	lm_samples_reset(&ss);
	lm_proc_tree_samples(&t, &ss);
	T_OK(ss.n == 4 && isnan(val("process_read_bytes", "")) && ss.s[3].type == LM_COUNTER,
		"tree samples: no io when unreadable, cpu a counter");
	T_OK(lm_proc_tree(DATA "root-v2", 999, &t) < 0, "tree of a missing pid fails");

	lm_samples_reset(&ss);
	r = lm_proc_cgroup(DATA "root-v2", 100, &ss);
	T_OK(r == 2 && near(val("cgroup_memory_bytes", ""), 104857600) &&
		near(val("cgroup_memory_peak_bytes", ""), 209715200) &&
		isnan(val("cgroup_memory_limit_bytes", "")) && near(val("cgroup_cpu_seconds", ""), 2.5),
		"cgroup v2: current, peak, no limit (max), cpu");
	lm_samples_reset(&ss);
	r = lm_proc_cgroup(DATA "root-v1", 200, &ss);
	T_OK(r == 1 && near(val("cgroup_memory_bytes", ""), 52428800) &&
		near(val("cgroup_memory_peak_bytes", ""), 73400320) &&
		isnan(val("cgroup_memory_limit_bytes", "")) && near(val("cgroup_cpu_seconds", ""), 1.5),
		"cgroup v1: usage, max usage, no limit (huge), cpuacct");
	lm_samples_reset(&ss);
	r = lm_proc_cgroup(DATA "root-ctr", 0, &ss);
	T_OK(r == 2 && near(val("cgroup_memory_bytes", ""), 1048576) &&
		near(val("cgroup_memory_limit_bytes", ""), 536870912) && isnan(val("cgroup_memory_peak_bytes", "")),
		"cgroup v2 in a container: the mount's top, no peak file");
	lm_samples_reset(&ss);
	T_OK(lm_proc_cgroup(DATA "root-v2", 101, &ss) < 0, "cgroup: no cgroup file fails");
}

static void live(void)
{
	struct lm_tree t;

	lm_samples_reset(&ss);
	T_OK(lm_proc_meminfo("/", &ss) == 0 && val("host_memory_total_bytes", "") > 0, "live meminfo");
	T_OK(lm_proc_loadavg("", &ss) == 0, "live loadavg");
	lm_samples_reset(&ss);
	T_OK(lm_proc_cpu("", &ss) == 0 && ss.n >= 16, "live cpu: seconds per mode, all and per core");
	T_OK(lm_proc_tree("", (long)getpid(), &t) == 0 && t.procs >= 1 && t.rss >= 0 && t.threads >= 1,
		"live tree of this test");
	lm_samples_reset(&ss);
	if (lm_proc_cgroup("", 0, &ss) > 0)
		T_OK(1, "live cgroup: %zu samples", ss.n);
	else
		printf("skip test_probe: live cgroup: none readable\n");
}

static void samples(void)
{
	struct lm_sample *s;
	char line[LM_LINE_MAX + 1];
	struct lm_line l, back;
	size_t i;

	lm_samples_reset(&ss);
	s = lm_samples_add(&ss, "m", LM_GAUGE, 1);
	T_OK(lm_sample_tag(s, "k", "a,b|c#d:e f\001\377", 13) == 0 && !strcmp(s->val[0], "a_b_c_d_e_f__"),
		"tag values sanitised: %s", s->val[0]);
	T_OK(lm_sample_tag(s, "k", "", 0) < 0, "empty tag value refused");
	{
		char big[LM_SAMPLE_TAGVAL + 1];
		memset(big, 'x', sizeof big);
		T_OK(lm_sample_tag(s, "k", big, sizeof big) < 0, "over-long tag value refused, not cut");
	}
	T_OK(lm_sample_tag(s, "k2", "v", 1) == 0 && lm_sample_tag(s, "k3", "v", 1) == 0 &&
		lm_sample_tag(s, "k4", "v", 1) < 0, "at most %d tags", LM_SAMPLE_TAGS);
	lm_sample_line(s, "board", &l);
	lm_format_line(line, sizeof line, &l);
	{
		char want[128];
		snprintf(want, sizeof want, "m:1|g|#app:board,pid:%ld,k:a_b_c_d_e_f__,k2:v,k3:v", (long)getpid());
		T_STREQ(line, want, "sample as a wire line: the sampler's pid binds its series");
	}
	T_OK(lm_parse_line(line, strlen(line), &back) == 0 && back.ntags == 5, "the line parses back");
	for (i = 1; i < LM_SAMPLES_MAX; i++)
		lm_samples_add(&ss, "m", LM_GAUGE, (double)i);
	T_OK(lm_samples_add(&ss, "m", LM_GAUGE, 0) == NULL && ss.full == 1, "a full set counts refusals");

	/* every tegrastats sample becomes a valid wire line */
	{
		const char *x = "RAM 1/2MB CPU [1%@2] odd,na|me@5C VDD_\001IN 1/2 N#C 3/4";
		lm_samples_reset(&ss);
		lm_tegra_parse(x, strlen(x), &ss, NULL);
		for (i = 0; i < ss.n; i++) {
			lm_sample_line(&ss.s[i], "board", &l);
			lm_format_line(line, sizeof line, &l);
			T_OK(lm_parse_line(line, strlen(line), &back) == 0, "valid wire line: %s", line);
		}
	}
}

static void odd_rows(void)
{
	static const char *rows[] = {
		"", ",", ", , ", "\r", "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 1e999, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, nan, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 99999999999999999999, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, [N/A, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, %, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 5 %%, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"GPU-\001, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		"0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0",
		/* fuzz_nvsmi: finite in MiB, Inf in bytes */
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 1, 0, 3E306, 0, 0, 0, 0, 0, 0, 0",
	};
	static const char *ok_rows[] = {
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0\r",
		"GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13,0,1,0,0,0,0,0,0,0,0,0",
		"  GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13 ,\t0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0  ",
	};
	/* --query-compute-apps rows: gpu_uuid, pid, used_memory, process_name */
	static const struct { const char *s; int r; const char *name; } app_rows[] = {
		{ "GPU-5d1e, 48213, 7406, python3", 0, "python3" },
		{ "GPU-5d1e, 48213, [N/A], python3", 0, "python3" },
		{ "GPU-5d1e, 48213, 7406, /opt/a,b/run, then", 0, "run, then" },
		{ "GPU-5d1e, 48213, 7406, /opt/app/a-very-long-process-name", 0, "a-very-long-pro" },
		{ "GPU-5d1e, 48213, 7406, [N/A]", 0, "" },
		{ "GPU-5d1e, 48213, 7406, ", 0, "" },
		{ "GPU-5d1e, 48213, 7406, tab\there", -1, NULL },
		{ "GPU-5d1e, 0, 7406, x", -1, NULL },
		{ "GPU-5d1e, 4194305, 7406, x", -1, NULL },
		{ "GPU-5d1e, -1, 7406, x", -1, NULL },
		{ "GPU-5d1e, 12, MiB, x", -1, NULL },
		{ "GPU-5d1e, 12, 1e999, x", -1, NULL },
		{ "GPU-5d1e, 12, 5", -1, NULL },
		{ "bogus, 12, 5, x", -1, NULL },
		{ "No running processes found", -1, NULL },
		{ "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13x, 1, 1, x", -1, NULL },
	};
	struct lm_nvsmi q;
	struct lm_nvsmi_row row;
	const char *k;
	size_t i, kn;

	T_OK(lm_nvsmi_query(&q, "") < 0 && lm_nvsmi_query(&q, "a,,b") < 0 && lm_nvsmi_query(&q, "a,") < 0,
		"empty query fields refused");
	{
		char many[LM_NVSMI_FIELDS * 3 + 8] = "x";
		for (i = 0; i < LM_NVSMI_FIELDS; i++)
			strcat(many, ",x");
		T_OK(lm_nvsmi_query(&q, many) < 0, "more than %d fields refused", LM_NVSMI_FIELDS);
	}
	lm_nvsmi_query(&q, LM_NVSMI_GPU_QUERY);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		lm_samples_reset(&ss);
		T_OK(lm_nvsmi_gpu(&q, rows[i], strlen(rows[i]), &ss) < 0 && ss.n == 0 &&
			lm_nvsmi_key(&q, rows[i], strlen(rows[i]), &k) == 0, "not a row: [%s]", rows[i]);
	}
	/* fuzz_nvsmi: an app's memory finite in MiB, Inf in bytes: not a row */
	lm_nvsmi_query(&q, LM_NVSMI_APP_QUERY);
	T_OK(lm_nvsmi_row(&q, "GPU-5da13,213,3E306,x", 21, &row) < 0,
		"app memory out of range in bytes: not a row");
	T_OK(lm_nvsmi_row(&q, "GPU-5da13,213,3E6,/usr/bin/python3.12", 37, &row) == 0 &&
		row.mem == 3e6 * 1048576 && row.pid == 213 && !strcmp(row.name, "python3.12") &&
		!strcmp(row.uuid, "GPU-5da13"), "app memory in range, process name's last part");
	for (i = 0; i < sizeof app_rows / sizeof app_rows[0]; i++)
		T_OK(lm_nvsmi_row(&q, app_rows[i].s, strlen(app_rows[i].s), &row) == app_rows[i].r &&
			(app_rows[i].r < 0 || !strcmp(row.name, app_rows[i].name)),
			"app row [%s]: %d", app_rows[i].s, app_rows[i].r);
	lm_nvsmi_query(&q, LM_NVSMI_GPU_QUERY);
	for (i = 0; i < sizeof ok_rows / sizeof ok_rows[0]; i++) {
		lm_samples_reset(&ss);
		kn = lm_nvsmi_key(&q, ok_rows[i], strlen(ok_rows[i]), &k);
		T_OK(lm_nvsmi_gpu(&q, ok_rows[i], strlen(ok_rows[i]), &ss) == 0 && ss.n == 10 &&
			kn == 40 && !memcmp(k, "GPU-5d1e", 8), "a row: [%s]", ok_rows[i]);
	}
}

static void odd_tegra(void)
{
	static char big[LM_LINE_MAX * 4];
	struct lm_tegra_stat st;
	size_t i;

	/* more tokens than LM_TEGRA_TOKENS: the rest skipped and counted */
	for (i = 0; i + 6 < sizeof big; i += 6)
		memcpy(big + i, "X@1C ", 5), big[i + 5] = ' ';
	lm_samples_reset(&ss);
	lm_tegra_parse(big, i, &ss, &st);
	T_OK(st.fields == LM_TEGRA_TOKENS && st.skipped == i / 6 - LM_TEGRA_TOKENS,
		"token cap: %zu fields, %zu skipped", st.fields, st.skipped);
	/* a full sample set: counted, never overrun */
	lm_samples_reset(&ss);
	for (i = 0; i < 10; i++)
		lm_tegra_parse(big, 6 * 200, &ss, &st);
	T_OK(ss.n == LM_SAMPLES_MAX && ss.full > 0, "sample cap: %zu kept, %zu refused", ss.n, ss.full);
	/* NUL and high bytes inside a line */
	lm_samples_reset(&ss);
	lm_tegra_parse("RAM 1/2MB \0 \377\376@5C VDD_IN 1/2", 28, &ss, &st);
	T_OK(val("board_ram_total_bytes", "") == 2097152 && st.skipped == 2 &&
		val("board_power_watts", "rail:VDD_IN") == 0.001, "NUL and high bytes skipped");
	lm_samples_reset(&ss);
	lm_tegra_parse("RAM 1/2MB\r", 10, &ss, &st);
	T_OK(ss.n == 2 && st.skipped == 0, "a trailing CR is ignored");
}

/* CPU time per parsed line, printed as a note */
static void cost(void)
{
	static const char *l = "06-21-2025 04:09:55 RAM 21034/62841MB (lfb 388x4MB) SWAP 0/31420MB (cached 0MB) CPU [9%@1651,7%@1651,11%@1651,6%@1651,31%@1420,28%@1420,4%@1420,8%@1420,3%@1113,6%@1113,2%@1113,5%@1113] EMC_FREQ 5%@3199 GR3D_FREQ 12%@[918,918] NVENC 64%@217 NVDEC 41%@345 NVJPG off NVJPG1 off VIC 22%@140 OFA off NVDLA0 off NVDLA1 off PVA0_FREQ off APE 174 cpu@50.218C soc2@46.843C soc0@47.687C gpu@48.125C tj@50.218C soc1@47.312C VDD_GPU_SOC 4108mW/3977mW VDD_CPU_CV 2210mW/2164mW VIN_SYS_5V0 5020mW/4981mW";
	struct timespec a, b;
	size_t i, n = 20000;
	double dt;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < n; i++) {
		lm_samples_reset(&ss);
		lm_tegra_parse(l, strlen(l), &ss, NULL);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
	printf("# test_probe: tegrastats parse: %.2f us CPU per line (%zu samples)\n", dt / (double)n * 1e6, ss.n);
	T_OK(dt / (double)n < 1e-3, "a line parses in well under 1 ms of CPU");
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the jetson source on every fixture tree under test/data/probe/jetson,
 * against jetson.golden (lines sorted: directory order is the file
 * system's) */
static void jetson_trees(void)
{
	static const char *gens[] = { "xavier-nx", "agx-orin", "orin-nano", "thor", "tx2-jp4" };
	char line[LM_LINE_MAX + 1], root[256], cnt[128], *lines[LM_SAMPLES_MAX];
	struct lm_jetson_stat st;
	struct lm_line l;
	struct lm_buf b;
	size_t i, k;
	int r;

	lm_buf_init(&b, 0);
	for (i = 0; i < sizeof gens / sizeof gens[0]; i++) {
		snprintf(root, sizeof root, DATA "jetson/%s", gens[i]);
		lm_buf_adds(&b, "< ");
		lm_buf_adds(&b, gens[i]);
		lm_buf_addc(&b, '\n');
		lm_samples_reset(&ss);
		r = lm_jetson_read(root, &ss, &st);
		for (k = 0; k < ss.n; k++) {
			lm_sample_line(&ss.s[k], NULL, &l);
			lm_format_line(line, sizeof line, &l);
			lines[k] = strdup(line);
		}
		qsort(lines, ss.n, sizeof lines[0], cmpstr);
		for (k = 0; k < ss.n; k++) {
			lm_buf_adds(&b, lines[k]);
			lm_buf_addc(&b, '\n');
			free(lines[k]);
		}
		snprintf(cnt, sizeof cnt, "= %d found %u denied %u\n", r, st.found, st.denied);
		lm_buf_adds(&b, cnt);
	}
	golden("jetson", &b);
	lm_buf_free(&b);
}

/* the nvmap tables of the fixture trees, against nvmap.golden */
static void nvmap_trees(void)
{
	static const char *tables[] = {
		"xavier-nx/sys/kernel/debug/nvmap/iovmm/clients",
		"agx-orin/sys/kernel/debug/nvmap/iovmm/clients",
		"orin-nano/sys/kernel/debug/nvmap/iovmm/maps",
	};
	static struct lm_gpuprocs g;
	char path[256], line[128], *text;
	struct lm_buf b;
	size_t i, k, len, bad, rows;

	lm_buf_init(&b, 0);
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(path, sizeof path, DATA "jetson/%s", tables[i]);
		lm_buf_adds(&b, "< ");
		lm_buf_adds(&b, tables[i]);
		lm_buf_addc(&b, '\n');
		text = slurp(path, &len);
		T_OK(text != NULL, "%s readable", path);
		if (!text)
			continue;
		lm_gpuproc_reset(&g);
		bad = 0;
		rows = lm_nvmap_parse(text, &g, 0, &bad);
		for (k = 0; k < g.n; k++) {
			snprintf(line, sizeof line, "pid %ld bytes %.17g comm [%s]\n", g.r[k].pid,
				g.r[k].bytes, g.r[k].comm);
			lm_buf_adds(&b, line);
		}
		snprintf(line, sizeof line, "= rows %zu bad %zu\n", rows, bad);
		lm_buf_adds(&b, line);
		free(text);
	}
	golden("nvmap", &b);
	lm_buf_free(&b);
}

/* nvmap lines: mostly invalid */
static void nvmap_lines(void)
{
	static const struct { const char *s; int r; long pid; double bytes; const char *comm; } rows[] = {
		{ "user                          python3     2771     409600K", 1, 2771, 409600.0 * 1024, "python3" },
		{ "user  Web Content  3012  4096K", 1, 3012, 4096.0 * 1024, "Web Content" },
		{ "nvargus_daemon nvargus-daemon 2210 12M\r", 1, 2210, 12.0 * 1048576, "nvargus-daemon" },
		{ "user python3 2771 1G", 1, 2771, 1073741824.0, "python3" },
		{ "user python3 2771 7B", 1, 2771, 7, "python3" },
		{ "user python3 2771 0K   ", 1, 2771, 0, "python3" },
		{ "CLIENT                        PROCESS      PID        SIZE", 0, 0, 0, NULL },
		{ "total                                              475136K", 0, 0, 0, NULL },
		{ "                          0x100000000  409600K        0x0", 0, 0, 0, NULL },
		{ "\t0x1 1K", 0, 0, 0, NULL },
		{ "kernel                         kernel        0      40960K", 0, 0, 0, NULL },
		{ "", 0, 0, 0, NULL },
		{ "user python3 2771 409600", -1, 0, 0, NULL },
		{ "user python3 2771 409600X", -1, 0, 0, NULL },
		{ "user python3 2771 K", -1, 0, 0, NULL },
		{ "user python3 x 4K", -1, 0, 0, NULL },
		{ "user python3 4194305 4K", -1, 0, 0, NULL },
		{ "user 2771 4K", -1, 0, 0, NULL },
		{ "user2771 4K", -1, 0, 0, NULL },
		{ "user a-comm-longer-than-15 2771 4K", -1, 0, 0, NULL },
		{ "user py\001thon 2771 4K", -1, 0, 0, NULL },
		{ "user python3 2771 99999999999999999999999K", -1, 0, 0, NULL },
		{ "user python3 2771 -4K", -1, 0, 0, NULL },
		{ "user", -1, 0, 0, NULL },
	};
	char comm[16];
	double bytes;
	size_t i;
	long p;
	int r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		p = -7;
		bytes = -1;
		strcpy(comm, "?");
		r = lm_nvmap_line(rows[i].s, strlen(rows[i].s), &p, &bytes, comm);
		T_OK(r == rows[i].r && (r < 1 || (p == rows[i].pid && bytes == rows[i].bytes &&
			!strcmp(comm, rows[i].comm))), "nvmap row %zu: %d pid %ld comm [%s]", i, r, p,
			r == 1 ? comm : "");
	}
}

/* the jetson parsers: rows of mostly invalid input */
static void jetson_parsers(void)
{
	static const char conf[] = "< POWER_MODEL ID=0 NAME=MAXN >\nCPU 1\n< POWER_MODEL ID=12 NAME=MODE_15W >\n"
		"< POWER_MODEL ID=3 NAME= >\n< POWER_MODEL ID=4 NAME=a\x01b >\n< PM_CONFIG DEFAULT=12 >\n";
	static const struct { const char *conf, *status; int r; long id; const char *name; } modes[] = {
		{ conf, "pmode:0000", 0, 0, "MAXN" },
		{ conf, "pmode:0012 fmode:quiet\n", 0, 12, "MODE_15W" },
		{ conf, NULL, 0, 12, "MODE_15W" },
		{ conf, "", 0, 12, "MODE_15W" },
		{ conf, "pmode:", 0, 12, "MODE_15W" },
		{ conf, "pmode:0007", 0, 7, "" },
		{ conf, "pmode:0003", 0, 3, "" },
		{ conf, "pmode:0004", 0, 4, "" },
		{ conf, "pmode:99999999999", 0, 12, "MODE_15W" },
		{ "", NULL, -1, 0, NULL },
		{ "< PM_CONFIG DEFAULT= >", NULL, -1, 0, NULL },
		{ "< POWER_MODEL ID=0 NAME=MAXN >", "pmode:-1", -1, 0, NULL },
		{ "< POWER_MODEL ID=0 NAME=0123456789012345678901234567890123456789012345678901234567890123456789 >",
		  "pmode:0", 0, 0, "" },
	};
	static const struct { const char *text; int r; const char *l4t, *jp; } rel[] = {
		{ "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref", 0, "35.4.1", "5.1.2" },
		{ "# R36 (release), REVISION: 4.3, GCID: 38968081", 0, "36.4.3", "6.2" },
		{ "# R32 (release), REVISION: 7.1, GCID: 29818004", 0, "32.7.1", "4.6.1" },
		{ "# R38 (release), REVISION: 2.0, GCID: 1", 0, "38.2.0", "7.0" },
		{ "# R35 (release), REVISION: 1, GCID: 1", 0, "35.1.0", "5.0.2" },
		{ "# R99 (release), REVISION: 9.9", 0, "99.9.9", NULL },
		{ "R35 (release), REVISION: 4.1", -1, NULL, NULL },
		{ "# R (release), REVISION: 4.1", -1, NULL, NULL },
		{ "# R35 (release)", -1, NULL, NULL },
		{ "# R35 (release), REVISION: x", -1, NULL, NULL },
		{ "# R35 (release), REVISION: 4.x", -1, NULL, NULL },
		{ "# R35 (release), REVISION: -4.1", -1, NULL, NULL },
		{ "# R99999999999 (release), REVISION: 4.1", -1, NULL, NULL },
		{ "", -1, NULL, NULL },
	};
	static const struct { const char *text; int r; double v; } nums[] = {
		{ "1300500000\n", 0, 1300500000 }, { " 7 ", 0, 7 }, { "0", 0, 0 },
		{ "", -1, 0 }, { "\n", -1, 0 }, { "-1", -1, 0 }, { "1e9", -1, 0 }, { "12 34", -1, 0 },
		{ "0x10", -1, 0 }, { "99999999999999999999999", -1, 0 }, { "nvhost_podgov", -1, 0 },
	};
	char name[LM_JETSON_TEXT + 1], l4t[LM_JETSON_TEXT + 1];
	size_t i;
	long id;
	double v;
	int r;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		id = -5;
		r = lm_jetson_nvpmodel(modes[i].conf, modes[i].status, &id, name);
		T_OK(r == modes[i].r && (r < 0 || (id == modes[i].id && !strcmp(name, modes[i].name))),
			"nvpmodel row %zu: %d, id %ld, name [%s]", i, r, id, r == 0 ? name : "");
	}
	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		const char *jp;
		r = lm_jetson_release(rel[i].text, l4t);
		jp = r == 0 ? lm_jetson_jetpack(l4t) : NULL;
		T_OK(r == rel[i].r && (r < 0 || (!strcmp(l4t, rel[i].l4t) &&
			(jp && rel[i].jp ? !strcmp(jp, rel[i].jp) : jp == rel[i].jp))),
			"release [%s]: %d %s", rel[i].text, r, r == 0 ? l4t : "");
	}
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		v = -1;
		r = lm_jetson_number(nums[i].text, &v);
		T_OK(r == nums[i].r && (r < 0 || v == nums[i].v), "number row %zu: %d", i, r);
	}
	lm_samples_reset(&ss);
	{
		struct lm_jetson_stat st;
		T_OK(lm_jetson_read(DATA "root-v2", &ss, &st) < 0 && errno == ENOENT && ss.n == 0,
			"not a Jetson: -1 ENOENT, no sample");
	}
}

/* the app's GPU memory: tree and container cgroup, per GPU and in total */
static void gpuproc(void)
{
	static struct lm_gpuprocs g;
	static const struct { long app, pid; int member; const char *why; } members[] = {
		{ 100, 100, 1, "the app itself" },
		{ 100, 101, 1, "a child (comm with parens)" },
		{ 100, 102, 1, "a grandchild" },
		{ 100, 300, 1, "not a descendant, in the app's container cgroup" },
		{ 100, 200, 0, "another user's session" },
		{ 100, 400, 0, "no such process (another pid namespace, gone)" },
		{ 200, 300, 0, "a session scope is no container" },
		{ 200, 200, 1, "the app itself, no container" },
		{ 500, 501, 1, "cgroup v1: the memory controller's path" },
		{ 500, 100, 0, "cgroup v1 against v2: another container" },
	};
	static const struct { const char *s; int c; } cg[] = {
		{ "/system.slice/docker-4f1c.scope", 1 }, { "/docker/77aa", 1 },
		{ "/kubepods/burstable/pod1/abc", 1 }, { "/machine.slice/libpod-9f.scope", 1 },
		{ "/system.slice/crio-77.scope", 1 }, { "/system.slice/containerd.service", 1 },
		{ "/user.slice/user-1000.slice/session-3.scope", 0 }, { "/", 0 }, { "", 0 },
		{ "/init.scope", 0 },
	};
	struct lm_gpuapp a;
	size_t i;
	int g0, g1;

	for (i = 0; i < sizeof cg / sizeof cg[0]; i++)
		T_OK(lm_gpuproc_container(cg[i].s, strlen(cg[i].s)) == cg[i].c, "container cgroup %s: %d",
			cg[i].s, cg[i].c);
	for (i = 0; i < sizeof members / sizeof members[0]; i++)
		T_OK(lm_gpuapp_init(&a, DATA "root-gpu", members[i].app) == 0 &&
			lm_gpuapp_member(&a, DATA "root-gpu", members[i].pid) == members[i].member,
			"app %ld, pid %ld: %s", members[i].app, members[i].pid, members[i].why);
	T_OK(lm_gpuapp_init(&a, DATA "root-gpu", 999) < 0, "an app that is gone: -1");

	g0 = lm_gpuproc_gpu(&g, "GPU-5d1e", "0", "NVIDIA H100 80GB HBM3");
	g1 = lm_gpuproc_gpu(&g, "GPU-0a9b", "1", "NVIDIA H100 80GB HBM3");
	T_OK(g0 == 0 && g1 == 1 && lm_gpuproc_gpu(&g, "GPU-0a9b", "1", "NVIDIA H100") == 1 &&
		g.ngpus == 2 && lm_gpuproc_find(&g, "GPU-0a9b") == 1 && lm_gpuproc_find(&g, "GPU-x") < 0,
		"GPUs by uuid, updated in place");
	T_OK(lm_gpuproc_gpu(&g, "", "", "x") < 0 && g.dropped == 1, "a GPU with no key: refused, counted");
	lm_gpuproc_reset(&g);
	lm_gpuproc_add(&g, 101, g0, 1e9, NULL);
	lm_gpuproc_add(&g, 101, g0, 0.25e9, NULL);
	lm_gpuproc_add(&g, 200, g0, 2e9, "other");
	lm_gpuproc_add(&g, 300, g0, 0.5e9, NULL);
	lm_gpuproc_add(&g, 102, g1, 3e9, NULL);
	lm_gpuproc_add(&g, 400, g1, 1e9, "gone");
	lm_gpuproc_add(&g, 102, -1, 7e9, NULL);
	T_OK(g.n == 6, "rows of one pid and GPU add up (%zu rows)", g.n);
	lm_gpuapp_init(&a, DATA "root-gpu", 100);
	lm_samples_reset(&ss);
	lm_gpuproc_app_samples(&g, &a, DATA "root-gpu", &ss);
	T_OK(near(val2("gpu_memory_bytes", "gpu:0", "model:NVIDIA_H100_80GB_HBM3"), 1.75e9) &&
		near(val2("gpu_memory_bytes", "gpu:1", "model:NVIDIA_H100"), 3e9),
		"app: per GPU, its tree and its container only");
	T_OK(ss.n == 5 && !strcmp(ss.s[2].name, "gpu_memory_bytes") && ss.s[2].ntags == 0 &&
		near(ss.s[2].v, 11.75e9), "app: the total, no labels, a GPU not in the set included");
	T_OK(near(val2("gpu_info", "gpu:1", "uuid:GPU-0a9b"), 1), "gpu_info carries the uuid");
	lm_gpuapp_init(&a, DATA "root-gpu", 200);
	lm_samples_reset(&ss);
	lm_gpuproc_app_samples(&g, &a, DATA "root-gpu", &ss);
	T_OK(near(val2("gpu_memory_bytes", "gpu:0", "model:NVIDIA_H100_80GB_HBM3"), 2e9) &&
		near(val2("gpu_memory_bytes", "gpu:1", "model:NVIDIA_H100"), 0),
		"another app: its own, and 0 where it has none");
	lm_samples_reset(&ss);
	lm_gpuproc_board_samples(&g, DATA "root-gpu", &ss);
	T_OK(near(val2("gpu_process_memory_bytes", "process_pid:101", "comm:python3_(w)"), 1.25e9) &&
		near(val2("gpu_process_memory_bytes", "process_pid:400", "comm:gone"), 1e9) &&
		near(val2("gpu_process_memory_bytes", "gpu:?", "process_pid:102"), 7e9),
		"board: per process, comm from /proc, else the source's; unknown GPU ?");
	T_OK(ss.n == 8, "board: 6 processes, 2 gpu_info (got %zu)", ss.n);
	for (i = 0; i < LM_GPUPROC_ROWS + 3; i++)
		lm_gpuproc_add(&g, 1000 + (long)i, 0, 1, NULL);
	T_OK(g.n == LM_GPUPROC_ROWS && g.dropped == 9, "rows past the cap counted (%zu)", g.dropped);
}

int main(int argc, char **argv)
{
	t_file = "test_probe";
	rewrite = argc > 1 && !strcmp(argv[1], "-w");
	if (access(DATA "tegra-sample.txt", R_OK) < 0 && chdir("../..") < 0)
		return 1;
	tegra_file("tegra-sample");
	tegra_file("tegra-variants");
	tegra_file("tegra-odd");
	nvsmi_file("nvsmi");
	nvsmi_file("nvsmi-apps");
	jetson_trees();
	nvmap_trees();
	if (rewrite)
		return T_DONE();
	generations();
	samples();
	odd_rows();
	odd_tegra();
	procfs();
	gpuproc();
	jetson_parsers();
	nvmap_lines();
	live();
	cost();
	return T_DONE();
}
