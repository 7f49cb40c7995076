/* lm_sha256: SHA-256 (FIPS 180-4), for the dataset cache's checksums
 * (lm_fetch) and its keys. Streaming: init, update any number of times,
 * final. No allocation, never prints; a context is about 110 bytes.
 * Tested against the FIPS 180-4 vectors in test/unit/test_fetch.c. */
#ifndef LM_SHA256_H
#define LM_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define LM_SHA256_LEN 32                      /* digest bytes */
#define LM_SHA256_HEX (2 * LM_SHA256_LEN)     /* hex digits, no NUL */

struct lm_sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed so far */
	unsigned char blk[64]; /* the block being filled */
	size_t n;              /* bytes in blk */
};

void lm_sha256_init(struct lm_sha256 *c);
void lm_sha256_update(struct lm_sha256 *c, const void *p, size_t n);
/* the digest into out; c must be initialised again before reuse */
void lm_sha256_final(struct lm_sha256 *c, unsigned char out[LM_SHA256_LEN]);
/* the digest of n bytes at p as lowercase hex, NUL-terminated */
void lm_sha256_hex(const void *p, size_t n, char out[LM_SHA256_HEX + 1]);
/* a digest as lowercase hex, NUL-terminated */
void lm_sha256_tohex(const unsigned char d[LM_SHA256_LEN], char out[LM_SHA256_HEX + 1]);
#endif
