/* SHA-1, SHA-256, SHA-384 and SHA-512 (FIPS 180-4), one-shot over a buffer in memory.

   Whole blocks are hashed where they lie, so an input of any size costs no copy and no memory
   beyond a few hundred bytes of stack; only the last one or two blocks, which carry the padding,
   are assembled in a local buffer. The rounds are unrolled with the working variables renamed
   from round to round instead of shifted (so the compiler keeps them in registers or wasm locals
   with no moves), and the message schedule is a 16-word ring with constant indices, which the
   compiler turns into scalars as well.

   Measured in V8 (Node 20, wasm32 -O2 -msimd128, CPU time over 16 MiB): full unrolling of SHA-256
   and SHA-512 beat 16-round bodies in a loop by 4-6% for 9 KB of code; reading each block with
   one byte shuffle per 16 bytes beat the byte-wise loads by 5% (SHA-256) to 17% (SHA-512); and
   carrying a ^ b over to the next round's Maj gained 3-5%. A SIMD message schedule would not
   pay: wasm has no vector rotate, so each lane costs about as many operations as the scalar. */
#include <string.h>

#include "kiln_digest.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

/* -------------------------------------------------------------------------------------------- */
/* Byte order: the standard reads and writes words big-endian, whatever the machine's order. */

#ifdef __wasm_simd128__
/* Sixteen bytes at a time, reversed within each word by one shuffle: wasm has no byte-swap
   instruction, and clang's own vectorisation of the byte-wise loads takes a dozen operations. */
#define LOAD_BLOCK32(w, p)                                                                         \
    do {                                                                                           \
        for (int i_ = 0; i_ < 4; i_++) {                                                           \
            v128_t v_ = wasm_v128_load((p) + 16 * i_);                                             \
            v_ = wasm_i8x16_shuffle(v_, v_, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12); \
            (w)[4 * i_ + 0] = (uint32_t)wasm_i32x4_extract_lane(v_, 0);                            \
            (w)[4 * i_ + 1] = (uint32_t)wasm_i32x4_extract_lane(v_, 1);                            \
            (w)[4 * i_ + 2] = (uint32_t)wasm_i32x4_extract_lane(v_, 2);                            \
            (w)[4 * i_ + 3] = (uint32_t)wasm_i32x4_extract_lane(v_, 3);                            \
        }                                                                                          \
    } while (0)
#define LOAD_BLOCK64(w, p)                                                                         \
    do {                                                                                           \
        for (int i_ = 0; i_ < 8; i_++) {                                                           \
            v128_t v_ = wasm_v128_load((p) + 16 * i_);                                             \
            v_ = wasm_i8x16_shuffle(v_, v_, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8); \
            (w)[2 * i_ + 0] = (uint64_t)wasm_i64x2_extract_lane(v_, 0);                            \
            (w)[2 * i_ + 1] = (uint64_t)wasm_i64x2_extract_lane(v_, 1);                            \
        }                                                                                          \
    } while (0)
#else
static inline uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t load64(const uint8_t *p)
{
    return (uint64_t)load32(p) << 32 | load32(p + 4);
}

#define LOAD_BLOCK32(w, p)                                                                         \
    do {                                                                                           \
        for (int i_ = 0; i_ < 16; i_++)                                                            \
            (w)[i_] = load32((p) + 4 * i_);                                                        \
    } while (0)
#define LOAD_BLOCK64(w, p)                                                                         \
    do {                                                                                           \
        for (int i_ = 0; i_ < 16; i_++)                                                            \
            (w)[i_] = load64((p) + 8 * i_);                                                        \
    } while (0)
#endif

static inline void store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void store64(uint8_t *p, uint64_t v)
{
    store32(p, (uint32_t)(v >> 32));
    store32(p + 4, (uint32_t)v);
}

/* Every count is a constant in 1..31 (1..63), so neither shift is ever by the full width;
   compilers turn the pair into one rotate instruction. */
#define ROTL32(x, n) ((uint32_t)((x) << (n) | (x) >> (32 - (n))))
#define ROTR32(x, n) ((uint32_t)((x) >> (n) | (x) << (32 - (n))))
#define ROTR64(x, n) ((uint64_t)((x) >> (n) | (x) << (64 - (n))))

/* Ch and Maj (section 4.1), each one operation shorter than written in the standard:
   Ch picks y where x is set and z elsewhere; Maj is set where at least two of x, y, z are.
   (SHA-256 and SHA-512 compute Maj another way still, see SHA256_ROUND.) */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define PARITY(x, y, z) ((x) ^ (y) ^ (z))

/* -------------------------------------------------------------------------------------------- */
/* SHA-1 (sections 4.1.1, 4.2.1, 6.1). */

/* floor(2^30 * sqrt(n)) for n = 2, 3, 5, 10. */
#define SHA1_K0 0x5a827999u
#define SHA1_K1 0x6ed9eba1u
#define SHA1_K2 0x8f1bbcdcu
#define SHA1_K3 0xca62c1d6u

/* W[t] for t >= 16, in the ring slot of W[t - 16]. */
#define SHA1_W(t)                                                                                  \
    (w[(t) & 15] = ROTL32(w[((t) - 3) & 15] ^ w[((t) - 8) & 15] ^ w[((t) - 14) & 15] ^ w[(t) & 15], 1))
#define SHA1_WT(t) ((t) < 16 ? w[(t) & 15] : SHA1_W(t))

/* One round, with the standard's T folded into e: the caller's next a is this round's e, and b
   is rotated in place instead of being moved to c. */
#define SHA1_ROUND(a, b, c, d, e, f, k, t)                                                          \
    do {                                                                                           \
        e += ROTL32(a, 5) + f(b, c, d) + (k) + SHA1_WT(t);                                         \
        b = ROTL32(b, 30);                                                                         \
    } while (0)

#define SHA1_FIVE(f, k, t)                                                                         \
    SHA1_ROUND(a, b, c, d, e, f, k, (t) + 0);                                                      \
    SHA1_ROUND(e, a, b, c, d, f, k, (t) + 1);                                                      \
    SHA1_ROUND(d, e, a, b, c, f, k, (t) + 2);                                                      \
    SHA1_ROUND(c, d, e, a, b, f, k, (t) + 3);                                                      \
    SHA1_ROUND(b, c, d, e, a, f, k, (t) + 4)

#define SHA1_TWENTY(f, k, t)                                                                       \
    SHA1_FIVE(f, k, (t) + 0);                                                                      \
    SHA1_FIVE(f, k, (t) + 5);                                                                      \
    SHA1_FIVE(f, k, (t) + 10);                                                                     \
    SHA1_FIVE(f, k, (t) + 15)

static void sha1_blocks(uint32_t state[5], const uint8_t *p, size_t blocks)
{
    uint32_t h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3], h4 = state[4];
    for (; blocks != 0; blocks--, p += 64) {
        uint32_t w[16];
        LOAD_BLOCK32(w, p);
        uint32_t a = h0, b = h1, c = h2, d = h3, e = h4;
        SHA1_TWENTY(CH, SHA1_K0, 0);
        SHA1_TWENTY(PARITY, SHA1_K1, 20);
        SHA1_TWENTY(MAJ, SHA1_K2, 40);
        SHA1_TWENTY(PARITY, SHA1_K3, 60);
        h0 += a;
        h1 += b;
        h2 += c;
        h3 += d;
        h4 += e;
    }
    state[0] = h0;
    state[1] = h1;
    state[2] = h2;
    state[3] = h3;
    state[4] = h4;
}

/* -------------------------------------------------------------------------------------------- */
/* SHA-256 (sections 4.1.2, 4.2.2, 5.3.3, 6.2). */

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
static const uint32_t H256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define BSIG0_256(x) (ROTR32(x, 2) ^ ROTR32(x, 13) ^ ROTR32(x, 22))
#define BSIG1_256(x) (ROTR32(x, 6) ^ ROTR32(x, 11) ^ ROTR32(x, 25))
#define SSIG0_256(x) (ROTR32(x, 7) ^ ROTR32(x, 18) ^ ((x) >> 3))
#define SSIG1_256(x) (ROTR32(x, 17) ^ ROTR32(x, 19) ^ ((x) >> 10))

#define SHA256_W(t)                                                                                \
    (w[(t) & 15] += SSIG1_256(w[((t) - 2) & 15]) + w[((t) - 7) & 15] + SSIG0_256(w[((t) - 15) & 15]))
#define SHA256_WT(t) ((t) < 16 ? w[(t) & 15] : SHA256_W(t))

/* One round: the standard's new a (T1 + T2) lands in h and its new e (d + T1) in d, so the next
   round takes the same eight variables shifted by one. Maj is computed as b ^ ((a ^ b) & (b ^ c)):
   the next round's b and c are this round's a and b, so its b ^ c is this round's a ^ b, kept in
   `ab`; the two variables trade roles every round. */
#define SHA256_ROUND(a, b, c, d, e, f, g, h, t, ab, bc)                                            \
    do {                                                                                           \
        uint32_t t1 = h + BSIG1_256(e) + CH(e, f, g) + K256[t] + SHA256_WT(t);                     \
        ab = a ^ b;                                                                                \
        d += t1;                                                                                   \
        h = t1 + BSIG0_256(a) + (b ^ (ab & bc));                                                   \
    } while (0)

/* Eight rounds of `ROUND` (SHA256_ROUND or SHA512_ROUND) from round t: after eight, the variables
   are back in place, so the caller's loop needs no shuffling. */
#define EIGHT_ROUNDS(ROUND, t)                                                                     \
    ROUND(a, b, c, d, e, f, g, h, (t) + 0, x, y);                                                  \
    ROUND(h, a, b, c, d, e, f, g, (t) + 1, y, x);                                                  \
    ROUND(g, h, a, b, c, d, e, f, (t) + 2, x, y);                                                  \
    ROUND(f, g, h, a, b, c, d, e, (t) + 3, y, x);                                                  \
    ROUND(e, f, g, h, a, b, c, d, (t) + 4, x, y);                                                  \
    ROUND(d, e, f, g, h, a, b, c, (t) + 5, y, x);                                                  \
    ROUND(c, d, e, f, g, h, a, b, (t) + 6, x, y);                                                  \
    ROUND(b, c, d, e, f, g, h, a, (t) + 7, y, x)

#define SHA256_EIGHT(t) EIGHT_ROUNDS(SHA256_ROUND, t)

static void sha256_blocks(uint32_t state[8], const uint8_t *p, size_t blocks)
{
    for (; blocks != 0; blocks--, p += 64) {
        uint32_t w[16];
        LOAD_BLOCK32(w, p);
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        uint32_t x, y = b ^ c;
        SHA256_EIGHT(0);
        SHA256_EIGHT(8);
        SHA256_EIGHT(16);
        SHA256_EIGHT(24);
        SHA256_EIGHT(32);
        SHA256_EIGHT(40);
        SHA256_EIGHT(48);
        SHA256_EIGHT(56);
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

/* -------------------------------------------------------------------------------------------- */
/* SHA-384 and SHA-512 (sections 4.1.3, 4.2.3, 5.3.4, 5.3.5, 6.4, 6.5). */

/* The first 64 bits of the fractional parts of the cube roots of the first 80 primes. */
static const uint64_t K512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
    0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
    0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
    0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
    0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
    0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
    0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

/* The first 64 bits of the fractional parts of the square roots of the first 8 primes. */
static const uint64_t H512[8] = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};

/* The same for the 9th to 16th primes. */
static const uint64_t H384[8] = {
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
};

#define BSIG0_512(x) (ROTR64(x, 28) ^ ROTR64(x, 34) ^ ROTR64(x, 39))
#define BSIG1_512(x) (ROTR64(x, 14) ^ ROTR64(x, 18) ^ ROTR64(x, 41))
#define SSIG0_512(x) (ROTR64(x, 1) ^ ROTR64(x, 8) ^ ((x) >> 7))
#define SSIG1_512(x) (ROTR64(x, 19) ^ ROTR64(x, 61) ^ ((x) >> 6))

#define SHA512_W(t)                                                                                \
    (w[(t) & 15] += SSIG1_512(w[((t) - 2) & 15]) + w[((t) - 7) & 15] + SSIG0_512(w[((t) - 15) & 15]))
#define SHA512_WT(t) ((t) < 16 ? w[(t) & 15] : SHA512_W(t))

/* As SHA256_ROUND, on 64-bit words. */
#define SHA512_ROUND(a, b, c, d, e, f, g, h, t, ab, bc)                                            \
    do {                                                                                           \
        uint64_t t1 = h + BSIG1_512(e) + CH(e, f, g) + K512[t] + SHA512_WT(t);                     \
        ab = a ^ b;                                                                                \
        d += t1;                                                                                   \
        h = t1 + BSIG0_512(a) + (b ^ (ab & bc));                                                   \
    } while (0)

#define SHA512_EIGHT(t) EIGHT_ROUNDS(SHA512_ROUND, t)

static void sha512_blocks(uint64_t state[8], const uint8_t *p, size_t blocks)
{
    for (; blocks != 0; blocks--, p += 128) {
        uint64_t w[16];
        LOAD_BLOCK64(w, p);
        uint64_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint64_t e = state[4], f = state[5], g = state[6], h = state[7];
        uint64_t x, y = b ^ c;
        SHA512_EIGHT(0);
        SHA512_EIGHT(8);
        SHA512_EIGHT(16);
        SHA512_EIGHT(24);
        SHA512_EIGHT(32);
        SHA512_EIGHT(40);
        SHA512_EIGHT(48);
        SHA512_EIGHT(56);
        SHA512_EIGHT(64);
        SHA512_EIGHT(72);
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

/* -------------------------------------------------------------------------------------------- */
/* Padding (section 5.1) and the one entry point. */

/* Writes the padded end of the `len`-byte message `data` to `out` (2 * block bytes of room): the
   bytes after its whole blocks, the 1 bit, zeros, and the message's length in bits in the last
   block / 8 bytes (64 bits for SHA-1 and SHA-256, 128 for SHA-384 and SHA-512). Returns how many
   blocks that makes, 1 or 2. The length is widened before it is multiplied by 8: with a 32-bit
   size_t (wasm32), len * 8 would wrap from 512 MiB on. */
static size_t pad(uint8_t *out, const uint8_t *data, size_t len, size_t block)
{
    size_t field = block / 8;
    size_t rest = len % block;
    size_t total = rest + 1 + field <= block ? block : 2 * block;
    /* Guarded because data may be null when len is 0, and null + 0 is undefined in C. */
    if (rest != 0)
        memcpy(out, data + (len - rest), rest);
    out[rest] = 0x80;
    memset(out + rest + 1, 0, total - rest - 1);
    uint64_t bytes = len;
    if (field == 16)
        store64(out + total - 16, bytes >> 61);
    store64(out + total - 8, bytes << 3);
    return total / block;
}

int kiln_digest(const char *algorithm, const uint8_t *data, size_t len, uint8_t *out)
{
    /* Two blocks of the widest kind: the padding spills into a second block when fewer than
       1 + length-field bytes are left in the first. */
    uint8_t tail[256];
    if (strcmp(algorithm, "SHA-1") == 0) {
        uint32_t state[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
        sha1_blocks(state, data, len / 64);
        sha1_blocks(state, tail, pad(tail, data, len, 64));
        for (int i = 0; i < 5; i++)
            store32(out + 4 * i, state[i]);
        return 20;
    }
    if (strcmp(algorithm, "SHA-256") == 0) {
        uint32_t state[8];
        memcpy(state, H256, sizeof state);
        sha256_blocks(state, data, len / 64);
        sha256_blocks(state, tail, pad(tail, data, len, 64));
        for (int i = 0; i < 8; i++)
            store32(out + 4 * i, state[i]);
        return 32;
    }
    int sha384 = strcmp(algorithm, "SHA-384") == 0;
    if (sha384 || strcmp(algorithm, "SHA-512") == 0) {
        uint64_t state[8];
        memcpy(state, sha384 ? H384 : H512, sizeof state);
        sha512_blocks(state, data, len / 128);
        sha512_blocks(state, tail, pad(tail, data, len, 128));
        /* SHA-384 is SHA-512 from other initial values, cut to its first six words. */
        int words = sha384 ? 6 : 8;
        for (int i = 0; i < words; i++)
            store64(out + 8 * i, state[i]);
        return 8 * words;
    }
    return -1;
}
