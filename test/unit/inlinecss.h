/* inlinecss.h: the unit test's and the report fuzz target's check that report.html
 * renders under Jenkins' Content-Security-Policy (no 'unsafe-inline'). */
#ifndef LM_TEST_INLINECSS_H
#define LM_TEST_INLINECSS_H
#include <string.h>
#include <strings.h>

/* 1 when html holds what a CSP without 'unsafe-inline' drops: a style
 * or script element, a style or on* attribute, a javascript: URL. Tags
 * are read as a browser does: text and quoted values are skipped (an
 * app's " style=" in a metric id is text). */
static int inline_style(const char *html)
{
	const char *p = html, *a;
	char q;
	size_t n;

	while ((p = strchr(p, '<'))) {
		p++;
		if (strncasecmp(p, "style", 5) == 0 || strncasecmp(p, "script", 6) == 0)
			return 1;
		p += strcspn(p, " \t\n>");
		while (*p && *p != '>') {
			p += strspn(p, " \t\n/");
			a = p;
			n = strcspn(p, " \t\n=>");
			p += n;
			if (*p != '=')
				continue;
			if ((n == 5 && strncasecmp(a, "style", 5) == 0) ||
				(n > 2 && strncasecmp(a, "on", 2) == 0))
				return 1;
			p++;
			if (*p == '"' || *p == '\'') {
				q = *p++;
				if (strncasecmp(p, "javascript:", 11) == 0)
					return 1;
				while (*p && *p != q)
					p++;
				if (*p)
					p++;
			} else {
				p += strcspn(p, " \t\n>");
			}
		}
	}
	return 0;
}
#endif
