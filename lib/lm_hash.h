/* lm_hash: the one hash of the tables and the exposition: FNV-1a, 64
 * bits. Not for untrusted keys where collisions could be forced at will;
 * every table that uses it is bounded by caps. Never prints. */
#ifndef LM_HASH_H
#define LM_HASH_H
#include <stddef.h>
#include <stdint.h>

#define LM_HASH0 14695981039346656037ULL   /* the start value */

/* h continued over n bytes at p */
uint64_t lm_hash(uint64_t h, const void *p, size_t n);
#endif
