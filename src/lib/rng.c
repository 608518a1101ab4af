/* Deterministic pseudo-random numbers: SplitMix64, Xoshiro256++ and SipHash-c-d, written from the
 * algorithm descriptions (Steele/Lea/Flood for SplitMix64, Blackman/Vigna for Xoshiro256++,
 * Aumasson/Bernstein for SipHash).
 *
 * Invariants: everything here is a pure function of its inputs; nothing reads a clock, an address
 * or global state, so streams are identical across runs, machines and worker counts. Byte order is
 * always little-endian regardless of the host CPU, as in the Rust implementations we match. */
#include "lib/rng.h"

#include <stdlib.h>
#include <string.h>

/* ============================================================================================= */
/* SplitMix64                                                                                    */
/* ============================================================================================= */

uint64_t rng_splitMix64Next(uint64_t* state) {
    *state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ============================================================================================= */
/* Xoshiro256++                                                                                  */
/* ============================================================================================= */

static inline uint64_t _rng_rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void rng_seedFromU64(Rng* rng, uint64_t seed) {
    /* rand_xoshiro fills a 32-byte seed from SplitMix64 (little-endian u64 chunks) and reads it
     * back as four little-endian words, so the state is simply four consecutive outputs. SplitMix64
     * never yields four zero outputs in a row, so the all-zero state cannot occur. */
    uint64_t state = seed;
    for (int i = 0; i < 4; i++) {
        rng->s[i] = rng_splitMix64Next(&state);
    }
}

uint64_t rng_nextU64(Rng* rng) {
    uint64_t* s = rng->s;
    uint64_t result = _rng_rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = _rng_rotl(s[3], 45);
    return result;
}

uint32_t rng_nextU32(Rng* rng) {
    /* The low bits of the ++ scrambler are the weakest; use the high half. */
    return (uint32_t)(rng_nextU64(rng) >> 32);
}

double rng_nextDouble(Rng* rng) {
    return (double)(rng_nextU64(rng) >> 11) * 0x1.0p-53;
}

static void _rng_storeLe64(uint8_t* out, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(v >> (8 * i));
    }
}

void rng_fillBytes(Rng* rng, void* buf, size_t len) {
    uint8_t* out = buf;
    while (len >= 8) {
        _rng_storeLe64(out, rng_nextU64(rng), 8);
        out += 8;
        len -= 8;
    }
    if (len > 4) {
        _rng_storeLe64(out, rng_nextU64(rng), len);
    } else if (len > 0) {
        _rng_storeLe64(out, rng_nextU32(rng), len);
    }
}

uint64_t rng_nextBounded(Rng* rng, uint64_t n) {
    if (n == 0) {
        return rng_nextU64(rng);
    }
    /* Multiply a 64-bit draw by n: the high word is the candidate, and the draw is rejected when
     * the low word falls in the final partial zone, which removes the bias. The zone is the
     * largest multiple of n shifted to the top bit minus one (a cheap conservative bound). */
    uint64_t zone = (n << __builtin_clzll(n)) - 1;
    for (;;) {
        unsigned __int128 product = (unsigned __int128)rng_nextU64(rng) * n;
        uint64_t lo = (uint64_t)product;
        if (lo <= zone) {
            return (uint64_t)(product >> 64);
        }
    }
}

/* ============================================================================================= */
/* SipHash                                                                                       */
/* ============================================================================================= */

typedef struct {
    uint64_t v0, v1, v2, v3; /* the four state words */
} _RngSipState;

static inline void _rng_sipRound(_RngSipState* st) {
    st->v0 += st->v1;
    st->v1 = _rng_rotl(st->v1, 13);
    st->v1 ^= st->v0;
    st->v0 = _rng_rotl(st->v0, 32);
    st->v2 += st->v3;
    st->v3 = _rng_rotl(st->v3, 16);
    st->v3 ^= st->v2;
    st->v0 += st->v3;
    st->v3 = _rng_rotl(st->v3, 21);
    st->v3 ^= st->v0;
    st->v2 += st->v1;
    st->v1 = _rng_rotl(st->v1, 17);
    st->v1 ^= st->v2;
    st->v2 = _rng_rotl(st->v2, 32);
}

static inline void _rng_sipCompress(_RngSipState* st, uint64_t m, int c_rounds) {
    st->v3 ^= m;
    for (int i = 0; i < c_rounds; i++) {
        _rng_sipRound(st);
    }
    st->v0 ^= m;
}

/* SipHash-c-d: c compression rounds per message word, d finalization rounds. */
static uint64_t _rng_siphash(int c_rounds, int d_rounds, uint64_t k0, uint64_t k1,
                             const void* data, size_t len) {
    _RngSipState st = {
        .v0 = k0 ^ 0x736f6d6570736575ULL,
        .v1 = k1 ^ 0x646f72616e646f6dULL,
        .v2 = k0 ^ 0x6c7967656e657261ULL,
        .v3 = k1 ^ 0x7465646279746573ULL,
    };
    const uint8_t* in = data;
    size_t full = len - (len % 8);
    for (size_t off = 0; off < full; off += 8) {
        uint64_t m = 0;
        for (int i = 0; i < 8; i++) {
            m |= (uint64_t)in[off + i] << (8 * i);
        }
        _rng_sipCompress(&st, m, c_rounds);
    }
    /* Last word: the remaining bytes, and the message length modulo 256 in the top byte. */
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++) {
        last |= (uint64_t)in[full + i] << (8 * i);
    }
    _rng_sipCompress(&st, last, c_rounds);
    st.v2 ^= 0xff;
    for (int i = 0; i < d_rounds; i++) {
        _rng_sipRound(&st);
    }
    return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}

uint64_t rng_siphash13(uint64_t k0, uint64_t k1, const void* data, size_t len) {
    return _rng_siphash(1, 3, k0, k1, data, len);
}

uint64_t rng_siphash24(uint64_t k0, uint64_t k1, const void* data, size_t len) {
    return _rng_siphash(2, 4, k0, k1, data, len);
}

/* ============================================================================================= */
/* Seeds                                                                                         */
/* ============================================================================================= */

/* Host names up to this length are hashed from a stack buffer; longer ones from a heap copy. */
#define RNG_HOSTNAME_STACK_MAX 255

uint64_t rng_hashHostname(const char* name) {
    /* `impl Hash for str` writes the bytes and then a single 0xFF byte into the same SipHasher13
     * stream, so hashing the concatenation is equivalent. */
    size_t len = strlen(name);
    uint8_t stack_buf[RNG_HOSTNAME_STACK_MAX + 1];
    uint8_t* buf = stack_buf;
    if (len > RNG_HOSTNAME_STACK_MAX) {
        buf = malloc(len + 1);
        if (buf == NULL) {
            abort();
        }
    }
    memcpy(buf, name, len);
    buf[len] = 0xff;
    uint64_t hash = rng_siphash13(0, 0, buf, len + 1);
    if (buf != stack_buf) {
        free(buf);
    }
    return hash;
}

uint64_t rng_globalSeedDraw(uint32_t global_seed) {
    Rng global;
    rng_seedFromU64(&global, (uint64_t)global_seed);
    return rng_nextU64(&global);
}

uint64_t rng_hostSeed(uint32_t global_seed, const char* hostname) {
    return rng_globalSeedDraw(global_seed) ^ rng_hashHostname(hostname);
}
