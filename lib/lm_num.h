/* lm_num: exact, fast number formatting and strict parsing. */
#ifndef LM_NUM_H
#define LM_NUM_H
#include <stddef.h>
#include <stdint.h>

#define LM_NUM_MAX 32   /* longest text lm_fmt_double writes, NUL included */

/* Shortest text that reads back (strtod) as exactly v. Integral values
 * below 1e21 are written as integers; NaN as "NaN", infinities as "+Inf"
 * and "-Inf" (the Prometheus spellings). Writes a NUL; returns the length. */
size_t lm_fmt_double(char *buf, double v);
size_t lm_fmt_u64(char *buf, uint64_t v);   /* decimal, NUL-terminated */

/* Strict decimal float: [+-]digits[.digits][(e|E)[+-]digits] or
 * [+-].digits..., the whole of s[0..len), finite. 0 ok, -1 bad. */
int lm_parse_double(const char *s, size_t len, double *out);
/* Unsigned decimal, whole string, at most max. 0 ok, -1 bad or too big. */
int lm_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Option values: whole NUL-terminated string, within [min, max]. */
int lm_parse_range(const char *s, double min, double max, double *out);
#endif
