/* observe: a C API app for tests. Reads one number a line on stdin and
 * observes it as seconds on timer NAME (lm_timer_observe), as app APP;
 * flushes and exits at the end. Usage: observe APP NAME */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lm.h"
#include "lm_num.h"

int main(int argc, char **argv)
{
	char line[128];
	lm_metric *m;
	double v;
	lm *h;

	if (argc != 3) {
		fputs("usage: observe APP NAME\n", stderr);
		return 100;
	}
	h = lm_open(argv[1]);
	m = lm_timer(h, argv[2]);
	if (!m) {
		fputs("observe: fatal: unable to make the timer\n", stderr);
		return 111;
	}
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (lm_parse_double(line, strlen(line), &v) < 0) {
			fprintf(stderr, "observe: fatal: not a number: %s\n", line);
			return 100;
		}
		lm_timer_observe(m, v);
	}
	lm_close(h);
	return 0;
}
