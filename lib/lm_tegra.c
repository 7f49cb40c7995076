/* lm_tegra: the tegrastats line parser. Shapes (../shared reference):
 *   [MM-DD-YYYY HH:MM:SS] prefix; RAM u/tMB (lfb NxSMB); SWAP u/tMB
 *   (cached cMB); IRAM u/tkB(lfb SkB); CPU [p%@f,off,...] or CPU [p%,...]@f;
 *   MTS fg p% bg p%; NAME@tC[/tC] temperature; NAME c/a[/x] rail (mW,
 *   unit optional); NAME off|n|n%|n%@n|@n|n%@[n,..]|@[n,..] engine. */
#include <string.h>
#include "lm_num.h"
#include "lm_tegra.h"

struct tok { const char *p; size_t n; };

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum_(int c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z') || c == '_';
}

static int eq(struct tok t, const char *s)
{
	return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

static int num(const char *p, size_t n, double *v)
{
	return n ? lm_parse_double(p, n, v) : -1;
}

/* digits, sep, digits, sep, digits */
static int date_like(struct tok t, char sep)
{
	size_t i, parts = 0;

	for (i = 0; i < t.n; ) {
		size_t j = i;
		while (j < t.n && is_digit((unsigned char)t.p[j]))
			j++;
		if (j == i)
			return 0;
		parts++;
		if (j == t.n)
			break;
		if (t.p[j] != sep)
			return 0;
		i = j + 1;
		if (i == t.n)
			return 0;
	}
	return parts == 3;
}

/* A memory size "<f>kB|MB|GB" into bytes. */
static int mem_size(const char *p, size_t n, double *v)
{
	double m;

	if (n < 3 || p[n - 1] != 'B')
		return -1;
	switch (p[n - 2]) {
	case 'k': case 'K': m = 1024.0; break;
	case 'M': m = 1048576.0; break;
	case 'G': m = 1073741824.0; break;
	default: return -1;
	}
	if (num(p, n - 2, v) < 0 || *v < 0)
		return -1;
	*v *= m;
	return 0;
}

static void add(struct lm_samples *out, const char *name, double v,
	const char *k1, const char *v1, size_t n1, const char *k2, const char *v2, size_t n2)
{
	struct lm_sample *s = lm_samples_add(out, name, LM_GAUGE, v);

	if (!s)
		return;
	if ((k1 && lm_sample_tag(s, k1, v1, n1) < 0) || (k2 && lm_sample_tag(s, k2, v2, n2) < 0))
		lm_samples_drop(out);
}

static void add0(struct lm_samples *out, const char *name, double v)
{
	add(out, name, v, NULL, NULL, 0, NULL, NULL, 0);
}

static void addu(struct lm_samples *out, const char *name, double v,
	const char *k1, const char *v1, size_t n1, const char *k2, unsigned long long u)
{
	char b[LM_NUM_MAX];

	add(out, name, v, k1, v1, n1, k2, b, lm_fmt_u64(b, u));
}

/* "used/total<unit>": the unit printed after total is the unit of both */
static int mem_pair(struct tok t, double *u, double *tot)
{
	const char *sl = memchr(t.p, '/', t.n);
	double unit;

	if (!sl || mem_size(sl + 1, t.n - (size_t)(sl + 1 - t.p), tot) < 0)
		return -1;
	unit = 1024.0;
	if (t.p[t.n - 2] == 'M')
		unit = 1048576.0;
	else if (t.p[t.n - 2] == 'G')
		unit = 1073741824.0;
	if (num(t.p, (size_t)(sl - t.p), u) < 0 || *u < 0)
		return -1;
	*u *= unit;
	return 0;
}

/* RAM/SWAP/IRAM phrase at tk[i]; returns tokens used, 0 when not one. */
static size_t mem_phrase(const struct tok *tk, size_t nt, size_t i, struct lm_samples *out)
{
	struct tok name = tk[i], v;
	const char *pre = eq(name, "RAM") ? "ram" : eq(name, "SWAP") ? "swap" : "iram";
	const char *paren = NULL;
	double u, t, a, b;
	size_t used = 2;

	if (i + 1 >= nt)
		return 0;
	v = tk[i + 1];
	paren = memchr(v.p, '(', v.n);   /* IRAM: "0/252kB(lfb" */
	if (paren)
		v.n = (size_t)(paren - v.p);
	if (mem_pair(v, &u, &t) < 0)
		return 0;
	if (pre[0] == 'r') {
		add0(out, "board_ram_used_bytes", u);
		add0(out, "board_ram_total_bytes", t);
	} else if (pre[0] == 's') {
		add0(out, "board_swap_used_bytes", u);
		add0(out, "board_swap_total_bytes", t);
	} else {
		add0(out, "board_iram_used_bytes", u);
		add0(out, "board_iram_total_bytes", t);
	}
	/* the bracket: "(lfb NxS)" "(cached C)" or IRAM "(lfb S)" */
	{
		struct tok k, x;
		size_t j = i + 2;
		if (paren) {
			k.p = paren;
			k.n = (size_t)(tk[i + 1].p + tk[i + 1].n - paren);
		} else {
			if (j >= nt)
				return used;
			k = tk[j++];
		}
		if (j >= nt || k.n < 2 || k.p[0] != '(')
			return used;
		x = tk[j];
		if (x.n < 2 || x.p[x.n - 1] != ')')
			return used;
		x.n--;
		k.p++;
		k.n--;
		if (eq(k, "cached") && pre[0] == 's' && mem_size(x.p, x.n, &a) == 0) {
			add0(out, "board_swap_cached_bytes", a);
			return j + 1 - i;
		}
		if (!eq(k, "lfb"))
			return used;
		if (pre[0] == 'i') {
			if (mem_size(x.p, x.n, &a) < 0)
				return used;
			add0(out, "board_iram_lfb_bytes", a);
			return j + 1 - i;
		}
		if (pre[0] == 'r') {
			const char *xx = memchr(x.p, 'x', x.n);
			if (!xx || num(x.p, (size_t)(xx - x.p), &a) < 0 || a < 0 ||
			    mem_size(xx + 1, x.n - (size_t)(xx + 1 - x.p), &b) < 0)
				return used;
			add0(out, "board_ram_lfb_blocks", a);
			add0(out, "board_ram_lfb_block_bytes", b);
			return j + 1 - i;
		}
	}
	return used;
}

/* "p%" into a ratio */
static int pct(const char *p, size_t n, double *r)
{
	if (n < 2 || p[n - 1] != '%' || num(p, n - 1, r) < 0 || *r < 0)
		return -1;
	*r /= 100;
	return 0;
}

/* CPU [...] or CPU [...]@f; 1 when it was one */
static int cpu_list(struct tok v, struct lm_samples *out, struct lm_tegra_stat *st)
{
	const char *close;
	double f = -1, load, mhz;
	size_t i, core = 0;

	if (v.n < 2 || v.p[0] != '[')
		return 0;
	close = memchr(v.p, ']', v.n);
	if (!close)
		return 0;
	if ((size_t)(close + 1 - v.p) != v.n) {
		const char *at = close + 1;
		size_t k = v.n - (size_t)(at - v.p);
		if (k < 2 || *at != '@' || num(at + 1, k - 1, &f) < 0 || f < 0)
			return 0;
	}
	for (i = 1; i < (size_t)(close - v.p); core++) {
		const char *e = v.p + i, *end = close, *c = memchr(e, ',', (size_t)(end - e));
		const char *at;
		size_t en;
		if (c)
			end = c;
		en = (size_t)(end - e);
		at = memchr(e, '@', en);
		if (en == 3 && memcmp(e, "off", 3) == 0) {
			addu(out, "board_cpu_online", 0, NULL, NULL, 0, "core", core);
			st->novalue++;
		} else if (pct(e, at ? (size_t)(at - e) : en, &load) == 0 &&
		    (!at || (num(at + 1, en - (size_t)(at + 1 - e), &mhz) == 0 && mhz >= 0))) {
			addu(out, "board_cpu_online", 1, NULL, NULL, 0, "core", core);
			addu(out, "board_cpu_load_ratio", load, NULL, NULL, 0, "core", core);
			if (at)
				addu(out, "board_cpu_frequency_hertz", mhz * 1e6, NULL, NULL, 0, "core", core);
			else if (f >= 0)
				addu(out, "board_cpu_frequency_hertz", f * 1e6, NULL, NULL, 0, "core", core);
		} else {
			st->skipped++;
		}
		i += en + 1;
	}
	return 1;
}

/* NAME@tC or NAME@tC/tC */
static int temperature(struct tok t, struct lm_samples *out, struct lm_tegra_stat *st)
{
	const char *at = memchr(t.p, '@', t.n), *sl, *end = t.p + t.n;
	size_t nn, k;
	double c, lim;

	if (!at || at == t.p || t.p[t.n - 1] != 'C')
		return 0;
	nn = (size_t)(at - t.p);
	for (k = 0; k < nn; k++)
		if (!is_alnum_((unsigned char)t.p[k]))
			return 0;
	sl = memchr(at, '/', (size_t)(end - at));
	if (sl) {
		if (sl[-1] != 'C' || num(sl + 1, (size_t)(end - sl - 2), &lim) < 0)
			return 0;
		end = sl;
	}
	if (num(at + 1, (size_t)(end - at - 2), &c) < 0)
		return 0;
	if (c <= -256 || ((nn == 4 && (!memcmp(t.p, "PMIC", 4) || !memcmp(t.p, "pmic", 4))) &&
	    (c == 100 || c == 50))) {
		st->novalue++;
		return 1;
	}
	add(out, "board_temperature_celsius", c, "sensor", t.p, nn, NULL, NULL, 0);
	if (sl && lim > -256)
		add(out, "board_temperature_limit_celsius", lim, "sensor", t.p, nn, NULL, NULL, 0);
	return 1;
}

/* a power value "<f>" or "<f>mW" in watts */
static int milliwatts(const char *p, size_t n, double *w)
{
	if (n > 2 && p[n - 2] == 'm' && p[n - 1] == 'W')
		n -= 2;
	if (num(p, n, w) < 0)
		return -1;
	*w /= 1000;
	return 0;
}

/* rail value "c/a[/x...]"; 1 when it was one */
static int rail(struct tok name, struct tok v, struct lm_samples *out,
	struct tok *seen, size_t *nseen)
{
	const char *s1 = memchr(v.p, '/', v.n), *s2;
	double cur, avg;
	size_t k, idx = 0;

	if (!s1)
		return 0;
	s2 = memchr(s1 + 1, '/', v.n - (size_t)(s1 + 1 - v.p));
	if (!s2)
		s2 = v.p + v.n;
	if (milliwatts(v.p, (size_t)(s1 - v.p), &cur) < 0 ||
	    milliwatts(s1 + 1, (size_t)(s2 - s1 - 1), &avg) < 0)
		return 0;
	for (k = 0; k < *nseen; k++)
		if (seen[k].n == name.n && !memcmp(seen[k].p, name.p, name.n))
			idx++;
	if (*nseen < LM_TEGRA_RAILS)
		seen[(*nseen)++] = name;
	addu(out, "board_power_watts", cur, "rail", name.p, name.n, "index", idx);
	addu(out, "board_power_average_watts", avg, "rail", name.p, name.n, "index", idx);
	return 1;
}

/* engine value after NAME: off | n | n% | n%@n | @n | n%@[..] | @[..] */
static int engine(struct tok name, struct tok v, struct lm_samples *out, struct lm_tegra_stat *st)
{
	const char *at = memchr(v.p, '@', v.n);
	const char *lname, *fname, *oname, *key;
	struct tok e = name;
	double load = -1, f;
	size_t k;
	int gpu, emc;

	if (e.n > 5 && !memcmp(e.p + e.n - 5, "_FREQ", 5))
		e.n -= 5;
	for (k = 0; k < e.n; k++)
		if (!(is_upper((unsigned char)e.p[k]) || is_digit((unsigned char)e.p[k]) || e.p[k] == '_'))
			return 0;
	if (!e.n || !is_upper((unsigned char)e.p[0]))
		return 0;
	gpu = e.n >= 4 && !memcmp(e.p, "GR3D", 4);
	emc = eq(e, "EMC");
	lname = gpu ? "board_gpu_load_ratio" : emc ? "board_emc_load_ratio" : "board_engine_load_ratio";
	fname = gpu ? "board_gpu_frequency_hertz" : emc ? "board_emc_frequency_hertz" : "board_engine_frequency_hertz";
	oname = "board_engine_online";
	key = gpu ? "gpu" : "engine";
	if (eq(v, "off")) {
		if (emc)
			return 0;
		add(out, oname, 0, "engine", e.p, e.n, NULL, NULL, 0);
		st->novalue++;
		return 1;
	}
	if (at != v.p) {   /* a load or a bare frequency before '@' */
		size_t ln = at ? (size_t)(at - v.p) : v.n;
		if (v.p[ln - 1] == '%') {
			if (pct(v.p, ln, &load) < 0)
				return 0;
		} else if (!at) {
			if (num(v.p, ln, &f) < 0 || f < 0)
				return 0;
			if (!emc)
				add(out, oname, 1, "engine", e.p, e.n, NULL, NULL, 0);
			add(out, fname, f * 1e6, emc ? NULL : key, e.p, e.n,
				gpu ? "gpc" : NULL, "0", 1);
			return 1;
		} else {
			return 0;
		}
	}
	if (at) {
		const char *p = at + 1, *end = v.p + v.n;
		if (p < end && *p == '[') {
			size_t gpc = 0;
			if (!gpu || end[-1] != ']')
				return 0;
			/* check first, then add: a bad list adds nothing */
			for (p++; p < end - 1; ) {
				const char *c = memchr(p, ',', (size_t)(end - 1 - p));
				if (!c)
					c = end - 1;
				if (num(p, (size_t)(c - p), &f) < 0 || f < 0)
					return 0;
				p = c + 1;
			}
			for (p = at + 2; p < end - 1; gpc++) {
				const char *c = memchr(p, ',', (size_t)(end - 1 - p));
				if (!c)
					c = end - 1;
				num(p, (size_t)(c - p), &f);
				addu(out, fname, f * 1e6, key, e.p, e.n, "gpc", gpc);
				p = c + 1;
			}
			if (gpc == 0)
				return 0;
		} else {
			if (num(p, (size_t)(end - p), &f) < 0 || f < 0)
				return 0;
			add(out, fname, f * 1e6, emc ? NULL : key, e.p, e.n, gpu ? "gpc" : NULL, "0", 1);
		}
	}
	if (!emc && !gpu)
		add(out, oname, 1, "engine", e.p, e.n, NULL, NULL, 0);
	if (load >= 0)
		add(out, lname, load, emc ? NULL : key, e.p, e.n, NULL, NULL, 0);
	return 1;
}

static size_t mts(const struct tok *tk, size_t nt, size_t i, struct lm_samples *out)
{
	double fg, bg;

	if (i + 4 >= nt || !eq(tk[i + 1], "fg") || !eq(tk[i + 3], "bg") ||
	    pct(tk[i + 2].p, tk[i + 2].n, &fg) < 0 || pct(tk[i + 4].p, tk[i + 4].n, &bg) < 0)
		return 0;
	add0(out, "board_mts_foreground_ratio", fg);
	add0(out, "board_mts_background_ratio", bg);
	return 5;
}

static int name_like(struct tok t)
{
	size_t k;

	if (!t.n || !(is_upper((unsigned char)t.p[0]) || (t.p[0] >= 'a' && t.p[0] <= 'z')))
		return 0;
	for (k = 0; k < t.n; k++)
		if (!is_alnum_((unsigned char)t.p[k]))
			return 0;
	return 1;
}

size_t lm_tegra_parse(const char *s, size_t n, struct lm_samples *out, struct lm_tegra_stat *st)
{
	struct tok tk[LM_TEGRA_TOKENS], rails[LM_TEGRA_RAILS];
	size_t nt = 0, i = 0, nrails = 0, fields = 0, k;
	struct lm_tegra_stat dummy;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	if (n && s[n - 1] == '\r')
		n--;
	for (k = 0; k < n; ) {
		size_t j;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k == n)
			break;
		j = k;
		while (j < n && s[j] != ' ' && s[j] != '\t')
			j++;
		if (nt == LM_TEGRA_TOKENS) {
			st->skipped++;
		} else {
			tk[nt].p = s + k;
			tk[nt].n = j - k;
			nt++;
		}
		k = j;
	}
	if (nt >= 2 && date_like(tk[0], '-') && date_like(tk[1], ':'))
		i = 2;
	while (i < nt) {
		struct tok t = tk[i];
		size_t used = 0;

		if (eq(t, "RAM") || eq(t, "SWAP") || eq(t, "IRAM")) {
			used = mem_phrase(tk, nt, i, out);
		} else if (eq(t, "MTS")) {
			used = mts(tk, nt, i, out);
		} else if (eq(t, "CPU") && i + 1 < nt && tk[i + 1].n && tk[i + 1].p[0] == '[') {
			used = cpu_list(tk[i + 1], out, st) ? 2 : 0;
		} else if (temperature(t, out, st)) {
			used = 1;
		} else if (name_like(t) && i + 1 < nt) {
			if (rail(t, tk[i + 1], out, rails, &nrails) ||
			    engine(t, tk[i + 1], out, st))
				used = 2;
		}
		if (used) {
			fields++;
			i += used;
		} else {
			st->skipped++;
			i++;
		}
	}
	st->fields = fields;
	return fields;
}
