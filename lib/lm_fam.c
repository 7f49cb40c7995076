/* lm_fam: exposition families of a series (docs/design.md). */
#include <string.h>
#include "lm_fam.h"

static int ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* name + suf (unless name already ends with suf) into d */
static size_t join(char *d, const char *name, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	memcpy(d, name, n);
	if (!ends(name, n, suf)) {
		memcpy(d + n, suf, k);
		n += k;
	}
	d[n] = 0;
	return n;
}

static void add(struct lm_fam *f, const char *a, const char *b)
{
	size_t n = strlen(a);

	memcpy(f->names[f->nnames], a, n);
	strcpy(f->names[f->nnames] + n, b);
	f->nnames++;
}

static void fam(struct lm_fam *f, const char *name, size_t n, const char *suf, int type)
{
	size_t k = join(f->name, name, n, suf);

	f->type = type;
	f->nnames = 0;
	add(f, f->name, "");
	if (type == LM_FT_COUNTER) {
		/* OpenMetrics: the family without _total, samples _total, _created */
		char base[LM_FAMNAME_MAX];
		memcpy(base, f->name, k);
		base[k > 6 && ends(f->name, k, "_total") ? k - 6 : k] = 0;
		add(f, base, "");
		add(f, base, "_created");
	} else if (type == LM_FT_HISTOGRAM) {
		add(f, f->name, "_bucket");
		add(f, f->name, "_sum");
		add(f, f->name, "_count");
		add(f, f->name, "_created");
	}
}

size_t lm_fam_of(const char *name, size_t n, int type, struct lm_fam out[LM_FAM_PER_SERIES])
{
	if (n > LM_NAME_MAX + 2)
		n = LM_NAME_MAX + 2;
	switch (type) {
	case LM_COUNTER:
		fam(&out[0], name, n, "_total", LM_FT_COUNTER);
		return 1;
	case LM_GAUGE:
		fam(&out[0], name, n, "", LM_FT_GAUGE);
		return 1;
	case LM_TIMER:
	case LM_TIMER_MS:
		fam(&out[0], name, n, "_seconds", LM_FT_HISTOGRAM);
		fam(&out[1], name, n, "_last_seconds", LM_FT_GAUGE);
		return 2;
	case LM_HISTO:
	case LM_DIST:
		fam(&out[0], name, n, "", LM_FT_HISTOGRAM);
		fam(&out[1], name, n, "_last", LM_FT_GAUGE);
		return 2;
	case LM_RATE:
		fam(&out[0], name, n, "_hertz", LM_FT_GAUGE);
		fam(&out[1], name, n, "_events_total", LM_FT_COUNTER);
		return 2;
	}
	return 0;
}

int lm_fam_reserved(const char *s)
{
	return !strcmp(s, "up") || !strncmp(s, "scrape_", 7) || !strncmp(s, "ALERTS", 6) ||
		!strncmp(s, "lm_", 3);
}

const char *lm_fam_unit(const char *name, size_t n, int type)
{
	static const char *const unit[] = {
		"seconds", "bytes", "celsius", "watts", "hertz", "ratio"
	};
	size_t i, k;

	if (type == LM_TIMER || type == LM_TIMER_MS)
		return "seconds";
	for (i = 0; i < sizeof unit / sizeof unit[0]; i++) {
		k = strlen(unit[i]);
		if (n > k && name[n - k - 1] == '_' && memcmp(name + n - k, unit[i], k) == 0)
			return unit[i];
	}
	return "";
}
