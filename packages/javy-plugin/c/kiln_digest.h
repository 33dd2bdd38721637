/* SHA digests for crypto.subtle.digest (digest.c): our own code, no library. */
#ifndef KILN_DIGEST_H
#define KILN_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/* The largest digest (SHA-512), in bytes. */
#define KILN_DIGEST_MAX 64

/* Writes the digest of data[0, len) with `algorithm` ("SHA-1", "SHA-256", "SHA-384" or "SHA-512",
   exactly so spelled) to `out` (KILN_DIGEST_MAX bytes of room). Returns the digest's length, or -1
   for any other algorithm. */
int kiln_digest(const char *algorithm, const uint8_t *data, size_t len, uint8_t *out);

#endif
