/* lm_pb: the few pieces of the protobuf wire encoding that lmexport's
 * delimited MetricFamily answer needs (docs/lmexport.8): varints, zigzag
 * sint, fixed64 doubles, length-delimited strings and submessages. No
 * schema, no reflection: the caller writes field numbers itself.
 *
 * Writers append to an lm_buf and never fail on their own: an append
 * that hits the buffer's cap or runs out of memory sets b->err (sticky),
 * which the caller checks once at the end. A submessage is opened with
 * lm_pb_open, which leaves room for its length, and closed with
 * lm_pb_close, which writes the length and moves the body down; nested
 * ones close innermost first. Field 0 to lm_pb_open gives a bare length
 * prefix (one message of a delimited stream).
 *
 * The reader (lm_pb_field) is for tests and fuzz targets: it checks
 * every length against the bytes left and never reads past them. */
#ifndef LM_PB_H
#define LM_PB_H
#include <stddef.h>
#include <stdint.h>
#include "lm_buf.h"

enum { LM_PB_VARINT = 0, LM_PB_I64 = 1, LM_PB_LEN = 2, LM_PB_I32 = 5 };

#define LM_PB_VARINT_MAX 10   /* bytes of one varint */
#define LM_PB_LENROOM 5       /* bytes left for a submessage's length: < 2^35 */

uint64_t lm_pb_zigzag(int64_t v);
int64_t lm_pb_unzigzag(uint64_t v);

/* the varint of v into d (room LM_PB_VARINT_MAX); returns its length */
size_t lm_pb_put_varint(unsigned char *d, uint64_t v);
/* the length of the varint of v, 1 .. LM_PB_VARINT_MAX */
size_t lm_pb_varint_len(uint64_t v);

void lm_pb_varint(struct lm_buf *b, uint64_t v);
void lm_pb_tag(struct lm_buf *b, unsigned field, unsigned wt);
void lm_pb_uint(struct lm_buf *b, unsigned field, uint64_t v);   /* uint32/64, enum */
void lm_pb_sint(struct lm_buf *b, unsigned field, int64_t v);    /* sint32/64: zigzag */
void lm_pb_double(struct lm_buf *b, unsigned field, double v);   /* fixed64 */
void lm_pb_bytes(struct lm_buf *b, unsigned field, const void *p, size_t n);
/* open a submessage (field 0: a bare length prefix); returns where it
 * starts, for lm_pb_close */
size_t lm_pb_open(struct lm_buf *b, unsigned field);
void lm_pb_close(struct lm_buf *b, size_t at);

/* One field read from p[*pos..n): its number, wire type, and value
 * (varint and fixed ones in *v, doubles as their bits) or, for LEN, the
 * bytes at *s (*sn of them). Advances *pos. 1 a field, 0 the end, -1
 * malformed (truncated, overlong varint, field 0, groups, bad type). */
struct lm_pb_field {
	unsigned num, wt;
	uint64_t v;
	const unsigned char *s;
	size_t sn;
};
int lm_pb_next(const unsigned char *p, size_t n, size_t *pos, struct lm_pb_field *f);
/* A varint from p[*pos..n): 0 ok, -1 truncated or longer than 10 bytes. */
int lm_pb_get_varint(const unsigned char *p, size_t n, size_t *pos, uint64_t *v);
/* a double from the bits of an I64 field */
double lm_pb_double_of(uint64_t bits);
#endif
