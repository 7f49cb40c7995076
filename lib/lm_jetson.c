/* lm_jetson: Jetson board facts from sysfs and /etc under a root. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm_jetson.h"
#include "lm_num.h"
#include "lm_proc.h"

/* L4T release -> JetPack, from NVIDIA's JetPack archive */
static const struct { const char *l4t, *jp; } jetpacks[] = {
	{ "38.2.0", "7.0" },
	{ "36.4.4", "6.2.1" }, { "36.4.3", "6.2" }, { "36.4.0", "6.1" },
	{ "36.3.0", "6.0" }, { "36.2.0", "6.0 DP" },
	{ "35.6.1", "5.1.5" }, { "35.6.0", "5.1.4" }, { "35.5.0", "5.1.3" },
	{ "35.4.1", "5.1.2" }, { "35.3.1", "5.1.1" }, { "35.2.1", "5.1" },
	{ "35.1.0", "5.0.2" },
	{ "32.7.6", "4.6.6" }, { "32.7.5", "4.6.5" }, { "32.7.4", "4.6.4" },
	{ "32.7.3", "4.6.3" }, { "32.7.2", "4.6.2" }, { "32.7.1", "4.6.1" },
	{ "32.6.1", "4.6" }, { "32.5.1", "4.5.1" }, { "32.5.0", "4.5" },
	{ "32.4.4", "4.4.1" }, { "32.4.3", "4.4" },
};

/* the of_node names of integrated GPUs under /sys/class/devfreq */
static const char *const igpus[] = { "gv11b", "gp10b", "ga10b", "gb10b", "gpu", NULL };

const char *lm_jetson_jetpack(const char *l4t)
{
	size_t i;

	for (i = 0; i < sizeof jetpacks / sizeof jetpacks[0]; i++)
		if (!strcmp(jetpacks[i].l4t, l4t))
			return jetpacks[i].jp;
	return NULL;
}

int lm_jetson_number(const char *text, double *v)
{
	size_t b = 0, e = strlen(text);
	uint64_t u;

	while (b < e && (text[b] == ' ' || text[b] == '\t'))
		b++;
	while (e > b && (text[e - 1] == '\n' || text[e - 1] == ' ' || text[e - 1] == '\t'))
		e--;
	if (e == b || lm_parse_u64(text + b, e - b, UINT64_MAX, &u) < 0)
		return -1;
	*v = (double)u;
	return 0;
}

/* the digits after key in text (on one line), -1 when none */
static long after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	uint64_t u;
	size_t n = 0;

	if (!p)
		return -1;
	p += strlen(key);
	while (p[n] >= '0' && p[n] <= '9')
		n++;
	if (lm_parse_u64(p, n, 1000000, &u) < 0)
		return -1;
	return (long)u;
}

/* s[0..n) as a value: bytes a label can hold ([A-Za-z0-9._+-]), one
 * line, at most LM_JETSON_TEXT; 0 ok */
static int word(char *dst, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LM_JETSON_TEXT)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '>' || (unsigned char)s[i] >= 0x7f)
			return -1;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int lm_jetson_nvpmodel(const char *conf, const char *status, long *id, char *name)
{
	const char *p;
	long want = status ? after(status, "pmode:") : -1;

	*name = 0;
	if (want < 0 && conf) {
		const char *d = strstr(conf, "< PM_CONFIG DEFAULT=");
		if (d)
			want = after(d, "< PM_CONFIG DEFAULT=");
	}
	if (want < 0)
		return -1;
	*id = want;
	for (p = conf; p && (p = strstr(p, "< POWER_MODEL ID=")); p++) {
		const char *n;
		size_t k = 0;
		if (after(p, "< POWER_MODEL ID=") != want)
			continue;
		n = p + 17;
		while (*n >= '0' && *n <= '9')
			n++;
		if (strncmp(n, " NAME=", 6))
			continue;
		n += 6;
		while (n[k] && n[k] != ' ' && n[k] != '>' && n[k] != '\n')
			k++;
		if (word(name, n, k) < 0)
			*name = 0;
		break;
	}
	return 0;
}

int lm_jetson_release(const char *text, char *l4t)
{
	long major, minor = -1, patch = 0;
	const char *r;

	if (strncmp(text, "# R", 3) || (major = after(text, "# R")) < 0 || !(r = strstr(text, "REVISION: ")))
		return -1;
	r += 10;
	{
		char *e;
		minor = strtol(r, &e, 10);
		if (e == r || minor < 0 || minor > 1000)
			return -1;
		if (*e == '.') {
			char *f;
			patch = strtol(e + 1, &f, 10);
			if (f == e + 1 || patch < 0 || patch > 1000)
				return -1;
		}
	}
	snprintf(l4t, LM_JETSON_TEXT + 1, "%ld.%ld.%ld", major, minor, patch);
	return 0;
}

/* ---- files under root */

/* rel under root into buf; 0 ok, -1 absent, -2 there but denied */
static int file(const char *root, const char *rel, char *buf, size_t cap, struct lm_jetson_stat *st)
{
	if (lm_proc_file(root, rel, buf, cap) >= 0)
		return 0;
	if (errno == EACCES || errno == EPERM) {
		st->denied++;
		return -2;
	}
	return -1;
}

static int numfile(const char *root, const char *rel, double *v, struct lm_jetson_stat *st)
{
	char buf[128];

	return file(root, rel, buf, sizeof buf, st) == 0 && lm_jetson_number(buf, v) == 0 ? 0 : -1;
}

static struct lm_sample *gauge(struct lm_samples *out, const char *name, double v,
	const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct lm_sample *s = lm_samples_add(out, name, LM_GAUGE, v);

	if (s && ((k1 && lm_sample_tag(s, k1, v1, strlen(v1)) < 0) ||
	    (k2 && lm_sample_tag(s, k2, v2, strlen(v2)) < 0))) {
		lm_samples_drop(out);
		return NULL;
	}
	return s;
}

/* the metric names of one clock */
struct clock { const char *min, *max, *governor; };
static const struct clock gpu_clock = {
	"board_gpu_frequency_min_hertz", "board_gpu_frequency_max_hertz", "board_gpu_governor_info"
};
static const struct clock emc_clock = {
	"board_emc_frequency_min_hertz", "board_emc_frequency_max_hertz", "board_emc_governor_info"
};

/* a devfreq (or clock) folder: min, max, governor (label:lv on each, when
 * label); *mn and *mx back. The count of facts read. */
static int freqs(const char *root, const char *dir, const struct clock *c, const char *label,
	const char *lv, const char *fmin, const char *fmax, double *mn, double *mx,
	struct lm_samples *out, struct lm_jetson_stat *st)
{
	char rel[512], buf[128];
	int got = 0;
	size_t n;

	snprintf(rel, sizeof rel, "%s/%s", dir, fmin);
	if (numfile(root, rel, mn, st) == 0 && ++got)
		gauge(out, c->min, *mn, label, lv, NULL, NULL);
	snprintf(rel, sizeof rel, "%s/%s", dir, fmax);
	if (numfile(root, rel, mx, st) == 0 && ++got)
		gauge(out, c->max, *mx, label, lv, NULL, NULL);
	snprintf(rel, sizeof rel, "%s/governor", dir);
	if (file(root, rel, buf, sizeof buf, st) == 0) {
		for (n = 0; buf[n] && buf[n] != '\n'; n++)
			;
		buf[n] = 0;
		if (n && (label ? gauge(out, c->governor, 1, label, lv, "governor", buf) :
		    gauge(out, c->governor, 1, "governor", buf, NULL, NULL)))
			got++;
	}
	return got;
}

/* the first devfreq device whose of_node name is an integrated GPU's:
 * its folder name into dir (256 bytes), the of_node name into name */
static int igpu(const char *root, char *dir, char *name, struct lm_jetson_stat *st)
{
	char rel[512], path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0, found = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/sys/class/devfreq",
	    root && strcmp(root, "/") ? root : "") >= sizeof path || !(d = opendir(path)))
		return -1;
	while (!found && (de = readdir(d)) && n++ < LM_JETSON_DIRS) {
		size_t k, i;
		if (de->d_name[0] == '.' || strlen(de->d_name) > 200)
			continue;
		snprintf(rel, sizeof rel, "/sys/class/devfreq/%s/device/of_node/name", de->d_name);
		if (file(root, rel, name, LM_JETSON_TEXT + 1, st) < 0)
			continue;
		for (k = 0; name[k] && name[k] != '\n'; k++)
			;
		name[k] = 0;
		for (i = 0; igpus[i] && strcmp(igpus[i], name); i++)
			;
		if (igpus[i]) {
			snprintf(dir, 256, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found ? 0 : -1;
}

int lm_jetson_igpu(const char *root, char *name)
{
	struct lm_jetson_stat st;
	char dir[256];

	return igpu(root, dir, name, &st);
}

/* the GPU's clock range and governor; 1 found */
static int gpu(const char *root, struct lm_samples *out, struct lm_jetson_stat *st, int *locked)
{
	char rel[512], dir[256], name[LM_JETSON_TEXT + 1];
	double mn = -1, mx = -2;

	if (igpu(root, dir, name, st) < 0)
		return 0;
	snprintf(rel, sizeof rel, "/sys/class/devfreq/%s", dir);
	if (freqs(root, rel, &gpu_clock, "gpu", name, "min_freq", "max_freq", &mn, &mx, out, st) == 0)
		return 0;
	if (mn != mx)
		*locked = 0;
	return 1;
}

/* EMC: bpmp debugfs (Xavier, Orin; root), else devfreq bwmgr (Thor) */
static int emc(const char *root, struct lm_samples *out, struct lm_jetson_stat *st)
{
	double mn, mx;

	if (freqs(root, "/sys/kernel/debug/bpmp/debug/clk/emc", &emc_clock, NULL, NULL,
	    "min_rate", "max_rate", &mn, &mx, out, st) > 0)
		return 1;
	return freqs(root, "/sys/class/devfreq/bwmgr", &emc_clock, NULL, NULL,
		"min_freq", "max_freq", &mn, &mx, out, st) > 0;
}

/* fans: hwmon pwmfan (pwm1, 0-255) and pwm_tach (rpm); legacy pwm-fan */
static int fans(const char *root, struct lm_samples *out, struct lm_jetson_stat *st)
{
	char rel[512], name[64], path[4096];
	struct dirent *de;
	DIR *d;
	double v;
	int found = 0, n = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/sys/class/hwmon",
	    root && strcmp(root, "/") ? root : "") < sizeof path && (d = opendir(path))) {
		while ((de = readdir(d)) && n++ < LM_JETSON_DIRS) {
			size_t k;
			if (strncmp(de->d_name, "hwmon", 5) || strlen(de->d_name) > 32)
				continue;
			snprintf(rel, sizeof rel, "/sys/class/hwmon/%s/name", de->d_name);
			if (file(root, rel, name, sizeof name, st) < 0)
				continue;
			for (k = 0; name[k] && name[k] != '\n'; k++)
				;
			name[k] = 0;
			if (!strcmp(name, "pwmfan") || !strcmp(name, "pwm-fan")) {
				snprintf(rel, sizeof rel, "/sys/class/hwmon/%s/pwm1", de->d_name);
				if (numfile(root, rel, &v, st) == 0 && v <= 255 && ++found)
					gauge(out, "board_fan_pwm_ratio", v / 255, "fan", name, NULL, NULL);
			} else if (!strcmp(name, "pwm_tach") || !strcmp(name, "pwm-tach")) {
				snprintf(rel, sizeof rel, "/sys/class/hwmon/%s/rpm", de->d_name);
				if (numfile(root, rel, &v, st) == 0 && ++found)
					gauge(out, "board_fan_rpm", v, "fan", name, NULL, NULL);
			}
		}
		closedir(d);
	}
	if (!found) {
		if (numfile(root, "/sys/devices/pwm-fan/cur_pwm", &v, st) == 0 && v <= 255 && ++found)
			gauge(out, "board_fan_pwm_ratio", v / 255, "fan", "pwm-fan", NULL, NULL);
		if (numfile(root, "/sys/devices/pwm-fan/rpm_measured", &v, st) == 0 && ++found)
			gauge(out, "board_fan_rpm", v, "fan", "pwm-fan", NULL, NULL);
	}
	return found;
}

/* the board model from the device tree, less "NVIDIA " (the longest,
 * "Jetson Orin Nano Engineering Reference Developer Kit Super", then fits
 * a label value) */
static int model(const char *root, char *dst, struct lm_jetson_stat *st)
{
	char buf[256], *p;
	size_t n;

	if (file(root, "/proc/device-tree/model", buf, sizeof buf, st) < 0 &&
	    file(root, "/sys/firmware/devicetree/base/model", buf, sizeof buf, st) < 0)
		return -1;
	for (n = 0; buf[n] && buf[n] != '\n'; n++)
		;
	while (n && buf[n - 1] == ' ')
		n--;
	p = buf;
	if (n > 7 && !memcmp(p, "NVIDIA ", 7)) {   /* every model starts so */
		p += 7;
		n -= 7;
	}
	if (n == 0 || n > LM_JETSON_TEXT)
		return -1;
	memcpy(dst, p, n);
	dst[n] = 0;
	return 0;
}

int lm_jetson_read(const char *root, struct lm_samples *out, struct lm_jetson_stat *st)
{
	char *conf = malloc(LM_JETSON_FILE), status[256], rel[128], l4t[LM_JETSON_TEXT + 1] = "";
	char name[LM_JETSON_TEXT + 1], board[LM_JETSON_TEXT + 1] = "";
	const char *jp = NULL;
	double mn, mx;
	long id;
	int locked = 1, gpus, cpus = 0, k;
	struct lm_sample *s;

	st->found = st->denied = 0;
	if (!conf)
		return -1;
	if (file(root, "/etc/nvpmodel.conf", conf, LM_JETSON_FILE, st) == 0 &&
	    lm_jetson_nvpmodel(conf, file(root, "/var/lib/nvpmodel/status", status, sizeof status, st) == 0 ?
	    status : NULL, &id, name) == 0) {
		st->found++;
		gauge(out, "board_power_mode", (double)id, "name", *name ? name : "?", NULL, NULL);
	}
	free(conf);
	gpus = gpu(root, out, st, &locked);
	st->found += (unsigned)gpus;
	/* jetson_clocks pins every clock at its maximum: the GPU's and each
	 * CPU's minimum equal their maximum */
	for (k = 0; k < 256; k++) {
		snprintf(rel, sizeof rel, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_min_freq", k);
		if (numfile(root, rel, &mn, st) < 0)
			break;
		snprintf(rel, sizeof rel, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_max_freq", k);
		if (numfile(root, rel, &mx, st) < 0 || mn != mx)
			locked = 0;
		cpus++;
	}
	if (gpus && cpus) {
		st->found++;
		gauge(out, "board_jetson_clocks", locked, NULL, NULL, NULL, NULL);
	}
	st->found += (unsigned)emc(root, out, st);
	st->found += (unsigned)fans(root, out, st);
	{
		char rel_text[512];
		if (file(root, "/etc/nv_tegra_release", rel_text, sizeof rel_text, st) == 0 &&
		    lm_jetson_release(rel_text, l4t) == 0)
			jp = lm_jetson_jetpack(l4t);
	}
	if (model(root, board, st) == 0 || *l4t) {
		st->found++;
		s = gauge(out, "board_info", 1, "model", *board ? board : "?", "l4t", *l4t ? l4t : "?");
		if (s && lm_sample_tag(s, "jetpack", jp ? jp : "?", strlen(jp ? jp : "?")) < 0)
			lm_samples_drop(out);
	}
	if (!st->found) {
		errno = st->denied ? EACCES : ENOENT;
		return -1;
	}
	return 0;
}
