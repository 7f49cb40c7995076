/* lm_pb: protobuf wire encoding pieces (see lm_pb.h). */
#include <string.h>
#include "lm_pb.h"

uint64_t lm_pb_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

int64_t lm_pb_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

size_t lm_pb_put_varint(unsigned char *d, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		d[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	d[n++] = (unsigned char)v;
	return n;
}

size_t lm_pb_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Writers reserve room and store bytes themselves: these are many tiny
 * appends, and musl's memcpy costs too much per call for them. */
void lm_pb_varint(struct lm_buf *b, uint64_t v)
{
	if (lm_buf_reserve(b, LM_PB_VARINT_MAX) < 0)
		return;
	b->len += lm_pb_put_varint((unsigned char *)b->p + b->len, v);
	b->p[b->len] = '\0';
}

void lm_pb_tag(struct lm_buf *b, unsigned field, unsigned wt)
{
	lm_pb_varint(b, (uint64_t)field << 3 | wt);
}

void lm_pb_uint(struct lm_buf *b, unsigned field, uint64_t v)
{
	unsigned char *d;

	if (lm_buf_reserve(b, 2 * LM_PB_VARINT_MAX) < 0)
		return;
	d = (unsigned char *)b->p + b->len;
	d += lm_pb_put_varint(d, (uint64_t)field << 3 | LM_PB_VARINT);
	d += lm_pb_put_varint(d, v);
	b->len = (size_t)((char *)d - b->p);
	b->p[b->len] = '\0';
}

void lm_pb_sint(struct lm_buf *b, unsigned field, int64_t v)
{
	lm_pb_uint(b, field, lm_pb_zigzag(v));
}

void lm_pb_double(struct lm_buf *b, unsigned field, double v)
{
	unsigned char *d;
	uint64_t u;
	int i;

	if (lm_buf_reserve(b, LM_PB_VARINT_MAX + 8) < 0)
		return;
	memcpy(&u, &v, sizeof u);
	d = (unsigned char *)b->p + b->len;
	d += lm_pb_put_varint(d, (uint64_t)field << 3 | LM_PB_I64);
	for (i = 0; i < 8; i++)
		*d++ = (unsigned char)(u >> 8 * i);   /* little-endian */
	b->len = (size_t)((char *)d - b->p);
	b->p[b->len] = '\0';
}

void lm_pb_bytes(struct lm_buf *b, unsigned field, const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned char *d;
	size_t i;

	if (lm_buf_reserve(b, 2 * LM_PB_VARINT_MAX + n) < 0)
		return;
	d = (unsigned char *)b->p + b->len;
	d += lm_pb_put_varint(d, (uint64_t)field << 3 | LM_PB_LEN);
	d += lm_pb_put_varint(d, n);
	if (n > 32) {
		memcpy(d, s, n);
		d += n;
	} else {
		for (i = 0; i < n; i++)
			*d++ = s[i];
	}
	b->len = (size_t)((char *)d - b->p);
	b->p[b->len] = '\0';
}

size_t lm_pb_open(struct lm_buf *b, unsigned field)
{
	if (field)
		lm_pb_tag(b, field, LM_PB_LEN);
	if (lm_buf_reserve(b, LM_PB_LENROOM) < 0)
		return b->len;
	b->len += LM_PB_LENROOM;
	b->p[b->len] = '\0';
	return b->len - LM_PB_LENROOM;
}

void lm_pb_close(struct lm_buf *b, size_t at)
{
	unsigned char d[LM_PB_VARINT_MAX];
	size_t body, k, i, gap;
	char *q;

	if (b->err || at + LM_PB_LENROOM > b->len)
		return;
	body = b->len - at - LM_PB_LENROOM;
	k = lm_pb_put_varint(d, body);
	gap = LM_PB_LENROOM - k;
	q = b->p + at;
	for (i = 0; i < k; i++)
		q[i] = (char)d[i];
	if (body > 64) {
		memmove(q + k, q + LM_PB_LENROOM, body);
	} else {
		for (i = 0; i < body; i++)
			q[k + i] = q[LM_PB_LENROOM + i];
	}
	b->len -= gap;
	b->p[b->len] = '\0';
}

int lm_pb_get_varint(const unsigned char *p, size_t n, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < LM_PB_VARINT_MAX && *pos + i < n; i++) {
		r |= (uint64_t)(p[*pos + i] & 0x7f) << 7 * i;
		if (!(p[*pos + i] & 0x80)) {
			*pos += i + 1;
			*v = r;
			return 0;
		}
	}
	return -1;
}

double lm_pb_double_of(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof d);
	return d;
}

int lm_pb_next(const unsigned char *p, size_t n, size_t *pos, struct lm_pb_field *f)
{
	uint64_t key, len;
	int i;

	if (*pos >= n)
		return 0;
	if (lm_pb_get_varint(p, n, pos, &key) < 0 || key >> 3 == 0 || key >> 3 > 0x1fffffff)
		return -1;
	f->num = (unsigned)(key >> 3);
	f->wt = (unsigned)(key & 7);
	f->v = 0;
	f->s = NULL;
	f->sn = 0;
	switch (f->wt) {
	case LM_PB_VARINT:
		return lm_pb_get_varint(p, n, pos, &f->v) < 0 ? -1 : 1;
	case LM_PB_I64:
	case LM_PB_I32:
		len = f->wt == LM_PB_I64 ? 8 : 4;
		if (n - *pos < len)
			return -1;
		for (i = 0; i < (int)len; i++)
			f->v |= (uint64_t)p[*pos + i] << 8 * i;
		*pos += len;
		return 1;
	case LM_PB_LEN:
		if (lm_pb_get_varint(p, n, pos, &len) < 0 || len > n - *pos)
			return -1;
		f->s = p + *pos;
		f->sn = (size_t)len;
		*pos += len;
		return 1;
	}
	return -1;
}
