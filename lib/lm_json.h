/* lm_json: JSON (RFC 8259), both ways. The one string escaper of every
 * JSON we write (summary.json, samples.jsonl, the table for controllers,
 * lm-json(5)), safe for every byte; and a small strict reader into a flat
 * tree, for lmsession's baseline (an earlier run's summary.json) and the
 * tests. The reader is made for hostile input: a depth cap, a node cap,
 * offsets checked; every error is an answer with the byte offset, never
 * a crash. Never prints. */
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

/* s[0..n) as the body of a JSON string (no quotes) onto o: '"' and '\\'
 * escaped, \n \r \t \b \f as such, every other byte below 0x20 and DEL
 * as \u00XX, valid UTF-8 as it is, every byte that is not part of a
 * valid UTF-8 sequence as \ufffd (U+FFFD). Any bytes in, NUL included:
 * the output is always a valid JSON string body, pure printable text.
 * Errors stay in o->err. */
void lm_json_esc(struct lm_buf *o, const char *s, size_t n);
/* The same with the quotes around it. */
void lm_json_put_str(struct lm_buf *o, const char *s, size_t n);
/* v as a JSON number (shortest text that reads back exactly, lm_num.h);
 * null when v is NaN or infinite (JSON has no such numbers). */
void lm_json_put_num(struct lm_buf *o, double v);

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
