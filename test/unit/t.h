/* t.h: a tiny table-driven test helper. Each check prints one line,
 * "ok NAME" or "FAIL NAME: why", which test/run.sh counts. */
#ifndef T_H
#define T_H
#include <stdio.h>
#include <string.h>

static int t_failed;
static const char *t_file = "";

#define T_OK(cond, ...) do { \
	if (cond) { printf("ok %s: ", t_file); printf(__VA_ARGS__); printf("\n"); } \
	else { t_failed++; printf("FAIL %s:%d: ", t_file, __LINE__); printf(__VA_ARGS__); printf("\n"); } \
} while (0)

#define T_STREQ(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) printf("ok %s: %s\n", t_file, name); \
	else { t_failed++; printf("FAIL %s:%d: %s: got [%s] want [%s]\n", t_file, __LINE__, name, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define T_DONE() (fflush(stdout), t_failed ? 1 : 0)
#endif
