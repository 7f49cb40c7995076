/* lm_json: a small strict JSON reader (RFC 8259) into a flat tree, for
 * lmsession's baseline (an earlier run's summary.json). Made for hostile
 * input: a depth cap, a node cap, offsets checked; every error is an
 * answer with the byte offset, never a crash. */
#ifndef LM_JSON_H
#define LM_JSON_H
#include <stddef.h>
#include <stdint.h>
#include "lm_buf.h"

#define LM_JSON_DEPTH 64              /* arrays and objects nested at most this deep */
#define LM_JSON_NODES (1u << 21)      /* values in one text */
#define LM_JSON_LEN ((size_t)1 << 30) /* bytes in one text */

enum lm_jtype { LM_JNULL = 1, LM_JFALSE, LM_JTRUE, LM_JNUM, LM_JSTR, LM_JARR, LM_JOBJ };

/* One value. Nodes are numbered from 1 (the root); 0 means none. */
struct lm_jnode {
	double num;          /* LM_JNUM */
	uint32_t type;       /* enum lm_jtype */
	uint32_t key, klen;  /* a member of an object: its key (offset in s) */
	uint32_t str, len;   /* LM_JSTR: the decoded text (offset in s); may hold NUL */
	uint32_t child;      /* LM_JARR, LM_JOBJ: the first member */
	uint32_t next;       /* the next member of the same array or object */
};

struct lm_json {
	struct lm_jnode *n;  /* n[0] unused */
	size_t nn, cap;      /* nodes used (n[0] included), allocated */
	struct lm_buf s;     /* decoded strings and keys, each NUL-terminated */
};

/* Parse p[0..len) whole (one value, white space around it). 0 ok; -1
 * with err set ("bad escape at byte 17") and j empty. Free j either way. */
int lm_json_parse(struct lm_json *j, const char *p, size_t len, char *err, size_t errcap);
void lm_json_free(struct lm_json *j);
/* The member of object node obj named key (the first, if repeated), 0 when
 * none or obj is not an object. */
uint32_t lm_json_get(const struct lm_json *j, uint32_t obj, const char *key);
/* The text of string node i (NUL-terminated; *len its length when len is
 * not NULL); NULL when i is not a string. */
const char *lm_json_str(const struct lm_json *j, uint32_t i, size_t *len);
#endif
