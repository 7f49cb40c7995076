/* lm_buf: a growable byte buffer with a hard cap; no silent truncation. */
#ifndef LM_BUF_H
#define LM_BUF_H
#include <stddef.h>

struct lm_buf {
	char *p;        /* bytes, NUL-terminated when len < cap */
	size_t len;     /* bytes used */
	size_t cap;     /* bytes allocated */
	size_t max;     /* hard cap on len (0: none) */
	int err;        /* set once an append failed (ENOMEM or cap hit); sticky */
};

void lm_buf_init(struct lm_buf *b, size_t max);
void lm_buf_free(struct lm_buf *b);
void lm_buf_reset(struct lm_buf *b);                 /* len = 0, err = 0 */
int lm_buf_reserve(struct lm_buf *b, size_t extra);  /* 0 ok, -1 err set */
int lm_buf_add(struct lm_buf *b, const void *p, size_t n);
int lm_buf_adds(struct lm_buf *b, const char *s);
int lm_buf_addc(struct lm_buf *b, char c);
int lm_buf_addnum(struct lm_buf *b, double v);       /* lm_fmt_double */

/* Write the buffer to path whole: path.tmp, fsync, rename (mode 0600).
 * 0 ok, -1 with errno set (path.tmp removed). */
int lm_buf_save(const struct lm_buf *b, const char *path);
/* The same, path.tmp created with mode (less the umask): 0666 for files
 * others read (results), 0600 for private state. */
int lm_buf_save_mode(const struct lm_buf *b, const char *path, unsigned mode);
/* Append the file at path (up to b->max bytes). 0 ok, -1 with errno set
 * (EMSGSIZE when the file is larger). */
int lm_buf_load(struct lm_buf *b, const char *path);
#endif
