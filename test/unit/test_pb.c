/* test_pb: the protobuf pieces of lm_pb against known bytes (from the
 * protobuf encoding spec), round trips, and a reader that refuses
 * malformed input. */
#include <stdint.h>
#include <stdlib.h>
#include "t.h"
#include "lm_pb.h"

/* b's bytes as hex, into h (room 3 per byte + 1) */
static const char *hex(const struct lm_buf *b, char *h)
{
	size_t i;

	h[0] = '\0';
	for (i = 0; i < b->len; i++)
		sprintf(h + 3 * i, "%02x ", (unsigned char)b->p[i]);
	if (b->len)
		h[3 * b->len - 1] = '\0';
	return h;
}

static void known(void)
{
	static const struct {
		const char *name;
		int kind;   /* 0 varint, 1 uint field, 2 sint field, 3 double field, 4 string field */
		unsigned field;
		uint64_t u;
		int64_t s;
		double d;
		const char *str, *want;
	} v[] = {
		{ "varint 0", 0, 0, 0, 0, 0, NULL, "00" },
		{ "varint 1", 0, 0, 1, 0, 0, NULL, "01" },
		{ "varint 127", 0, 0, 127, 0, 0, NULL, "7f" },
		{ "varint 128", 0, 0, 128, 0, 0, NULL, "80 01" },
		{ "varint 150", 0, 0, 150, 0, 0, NULL, "96 01" },
		{ "varint 300", 0, 0, 300, 0, 0, NULL, "ac 02" },
		{ "varint 2^32", 0, 0, 4294967296ULL, 0, 0, NULL, "80 80 80 80 10" },
		{ "varint max", 0, 0, UINT64_MAX, 0, 0, NULL, "ff ff ff ff ff ff ff ff ff 01" },
		{ "uint field 1 = 150", 1, 1, 150, 0, 0, NULL, "08 96 01" },
		{ "uint field 16", 1, 16, 1, 0, 0, NULL, "80 01 01" },
		{ "sint 0", 2, 1, 0, 0, 0, NULL, "08 00" },
		{ "sint -1", 2, 1, 0, -1, 0, NULL, "08 01" },
		{ "sint 1", 2, 1, 0, 1, 0, NULL, "08 02" },
		{ "sint -2", 2, 1, 0, -2, 0, NULL, "08 03" },
		{ "sint 3 (schema)", 2, 5, 0, 3, 0, NULL, "28 06" },
		{ "sint -63", 2, 12, 0, -63, 0, NULL, "60 7d" },
		{ "sint INT64_MIN", 2, 1, 0, INT64_MIN, 0, NULL, "08 ff ff ff ff ff ff ff ff ff 01" },
		{ "double 1", 3, 1, 0, 0, 1.0, NULL, "09 00 00 00 00 00 00 f0 3f" },
		{ "double -2.5", 3, 2, 0, 0, -2.5, NULL, "11 00 00 00 00 00 00 04 c0" },
		{ "string testing", 4, 2, 0, 0, 0, "testing", "12 07 74 65 73 74 69 6e 67" },
		{ "string empty", 4, 1, 0, 0, 0, "", "0a 00" },
	};
	struct lm_buf b;
	char h[128];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		lm_buf_init(&b, 0);
		if (v[i].kind == 0) {
			unsigned char d[LM_PB_VARINT_MAX];
			T_OK(lm_pb_varint_len(v[i].u) == lm_pb_put_varint(d, v[i].u)
			    && lm_pb_varint_len(v[i].u) == (strlen(v[i].want) + 1) / 3,
			    "%s: length %zu", v[i].name, lm_pb_varint_len(v[i].u));
		}
		switch (v[i].kind) {
		case 0: lm_pb_varint(&b, v[i].u); break;
		case 1: lm_pb_uint(&b, v[i].field, v[i].u); break;
		case 2: lm_pb_sint(&b, v[i].field, v[i].s); break;
		case 3: lm_pb_double(&b, v[i].field, v[i].d); break;
		case 4: lm_pb_bytes(&b, v[i].field, v[i].str, strlen(v[i].str)); break;
		}
		T_STREQ(hex(&b, h), v[i].want, v[i].name);
		lm_buf_free(&b);
	}
}

/* nested submessages: lengths right, bodies moved down */
static void nested(void)
{
	struct lm_buf b;
	char h[4096], *big;
	size_t a, c, d;
	struct lm_pb_field f;
	size_t pos = 0;

	lm_buf_init(&b, 0);
	a = lm_pb_open(&b, 0);
	lm_pb_bytes(&b, 1, "x", 1);
	c = lm_pb_open(&b, 4);
	d = lm_pb_open(&b, 2);
	lm_pb_double(&b, 1, 1.0);
	lm_pb_close(&b, d);
	lm_pb_close(&b, c);
	lm_pb_close(&b, a);
	T_STREQ(hex(&b, h), "10 0a 01 78 22 0b 12 09 09 00 00 00 00 00 00 f0 3f",
	    "nested: MetricFamily{name x, metric{gauge{1}}} delimited");
	lm_buf_free(&b);

	lm_buf_init(&b, 0);
	a = lm_pb_open(&b, 3);
	lm_pb_close(&b, a);
	T_STREQ(hex(&b, h), "1a 00", "empty submessage");
	lm_buf_free(&b);

	/* a body of 300 bytes: a two-byte length */
	big = malloc(300);
	memset(big, 'a', 300);
	lm_buf_init(&b, 0);
	a = lm_pb_open(&b, 1);
	lm_buf_add(&b, big, 300);
	lm_pb_close(&b, a);
	T_OK(b.len == 303 && (unsigned char)b.p[0] == 0x0a && (unsigned char)b.p[1] == 0xac
	    && b.p[2] == 0x02 && b.p[3] == 'a' && b.p[302] == 'a'
	    && lm_pb_next((unsigned char *)b.p, b.len, &pos, &f) == 1 && f.num == 1
	    && f.wt == LM_PB_LEN && f.sn == 300 && pos == 303,
	    "submessage of 300 bytes: length ac 02, reads back");
	lm_buf_free(&b);
	free(big);

	/* the cap: an error, sticky, never a cut */
	lm_buf_init(&b, 8);
	a = lm_pb_open(&b, 1);
	lm_pb_bytes(&b, 2, "abcdefgh", 8);
	lm_pb_close(&b, a);
	T_OK(b.err != 0, "over the cap: err set");
	lm_buf_free(&b);
}

static void zigzag(void)
{
	static const int64_t v[] = { 0, 1, -1, 2, -2, 63, -64, 1000000, -1000000,
		INT64_MAX, INT64_MIN, INT32_MAX, INT32_MIN };
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		T_OK(lm_pb_unzigzag(lm_pb_zigzag(v[i])) == v[i], "zigzag round trip %lld",
		    (long long)v[i]);
	T_OK(lm_pb_zigzag(-1) == 1 && lm_pb_zigzag(1) == 2 && lm_pb_zigzag(INT64_MIN) == UINT64_MAX,
	    "zigzag values");
}

/* the reader: good fields, then many malformed inputs */
static void reader(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t n;
		int want;   /* lm_pb_next result for the first field */
	} v[] = {
		{ "empty: end", "", 0, 0 },
		{ "varint field", "\x08\x96\x01", 3, 1 },
		{ "fixed64", "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f", 9, 1 },
		{ "fixed32", "\x0d\x01\x02\x03\x04", 5, 1 },
		{ "len", "\x12\x02hi", 4, 1 },
		{ "field 0", "\x00\x01", 2, -1 },
		{ "start group", "\x0b", 1, -1 },
		{ "end group", "\x0c", 1, -1 },
		{ "wire type 6", "\x0e\x00", 2, -1 },
		{ "wire type 7", "\x0f\x00", 2, -1 },
		{ "truncated key", "\x80", 1, -1 },
		{ "truncated varint", "\x08\x96", 2, -1 },
		{ "no varint", "\x08", 1, -1 },
		{ "overlong varint", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, -1 },
		{ "truncated fixed64", "\x09\x00\x00\x00", 4, -1 },
		{ "truncated fixed32", "\x0d\x00", 2, -1 },
		{ "len past the end", "\x12\x05hi", 4, -1 },
		{ "len huge", "\x12\xff\xff\xff\xff\x0f", 6, -1 },
		{ "len truncated", "\x12", 1, -1 },
		{ "field number too big", "\xf8\xff\xff\xff\xff\x01\x00", 7, -1 },
	};
	struct lm_pb_field f;
	size_t i, pos;
	int r;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		pos = 0;
		r = lm_pb_next((const unsigned char *)v[i].bytes, v[i].n, &pos, &f);
		T_OK(r == v[i].want && (r != 1 || pos == v[i].n), "read %s: %d want %d",
		    v[i].name, r, v[i].want);
	}
	pos = 0;
	lm_pb_next((const unsigned char *)"\x08\x96\x01", 3, &pos, &f);
	T_OK(f.num == 1 && f.wt == LM_PB_VARINT && f.v == 150, "read: field 1 varint 150");
	pos = 0;
	lm_pb_next((const unsigned char *)"\x09\x00\x00\x00\x00\x00\x00\xf0\x3f", 9, &pos, &f);
	T_OK(f.wt == LM_PB_I64 && lm_pb_double_of(f.v) == 1.0, "read: double 1");
}

/* random values: encode, read back */
static void roundtrip(void)
{
	struct lm_buf b;
	struct lm_pb_field f;
	uint64_t x = 88172645463325252ULL, vals[1000];
	size_t i, pos = 0, bad = 0;

	lm_buf_init(&b, 0);
	for (i = 0; i < 1000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vals[i] = x >> (x % 64);
		if (i % 2)
			lm_pb_uint(&b, (unsigned)(i % 100) + 1, vals[i]);
		else
			lm_pb_sint(&b, (unsigned)(i % 100) + 1, (int64_t)vals[i]);
	}
	for (i = 0; i < 1000; i++) {
		if (lm_pb_next((unsigned char *)b.p, b.len, &pos, &f) != 1 || f.num != (i % 100) + 1
		    || (i % 2 ? f.v != vals[i] : lm_pb_unzigzag(f.v) != (int64_t)vals[i]))
			bad++;
	}
	T_OK(bad == 0 && pos == b.len && lm_pb_next((unsigned char *)b.p, b.len, &pos, &f) == 0,
	    "1000 random varint fields read back (%zu bad)", bad);
	lm_buf_free(&b);
}

int main(void)
{
	t_file = "test_pb";
	known();
	nested();
	zigzag();
	reader();
	roundtrip();
	return T_DONE();
}
