/* Deterministic pseudo-random numbers (compat.md 5): SplitMix64, Xoshiro256++ and SipHash, plus the
 * derivation of a host's seed from `general.seed` and the host name exactly as Shadow does it with
 * Rust's rand_xoshiro and std DefaultHasher.
 *
 * Plain C, no glib (the shim may link it). An Rng is a small value type: it is embedded where it
 * is used (e.g. in a Host) and has no allocation. It is not thread safe; each generator must be
 * used by one thread at a time (a host's generator only by that host's own events). */
#ifndef SIM_LIB_RNG_H_
#define SIM_LIB_RNG_H_

#include <stddef.h>
#include <stdint.h>

/* Xoshiro256++ state. Public so it can be embedded; treat the fields as private. */
typedef struct {
    uint64_t s[4]; /* the 256-bit state; never all zero once seeded */
} Rng;

/* ---- SplitMix64 ----------------------------------------------------------------------------- */

/* Advances the SplitMix64 state in *state and returns the next output. */
uint64_t rng_splitMix64Next(uint64_t* state);

/* ---- Xoshiro256++ --------------------------------------------------------------------------- */

/* Seeds `rng` like rand_xoshiro's `Xoshiro256PlusPlus::seed_from_u64(seed)`: the four state
 * words are the first four outputs of SplitMix64 started at state `seed`. */
void rng_seedFromU64(Rng* rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t rng_nextU64(Rng* rng);

/* Next 32 random bits: the upper half of rng_nextU64, as rand_xoshiro's next_u32. */
uint32_t rng_nextU32(Rng* rng);

/* Uniform double in [0, 1) built from the top 53 bits of rng_nextU64. */
double rng_nextDouble(Rng* rng);

/* Fills `len` bytes like rand_core's fill_bytes_via_next: whole 8-byte chunks of rng_nextU64 in
 * little-endian order, then a tail of 5..7 bytes from one more rng_nextU64 or of 1..4 bytes from
 * rng_nextU32. `buf` may be NULL when len is 0. */
void rng_fillBytes(Rng* rng, void* buf, size_t len);

/* Uniform integer in [0, n) without modulo bias (widening multiply with rejection, modelled on
 * rand 0.8's single-sample u64 ranges; not verified bit-for-bit against Rust). n == 0 means the
 * full 64-bit range. */
uint64_t rng_nextBounded(Rng* rng, uint64_t n);

/* ---- SipHash -------------------------------------------------------------------------------- */

/* SipHash-1-3 with the 128-bit key (k0, k1) over `len` bytes of `data`, as Rust's SipHasher13. */
uint64_t rng_siphash13(uint64_t k0, uint64_t k1, const void* data, size_t len);

/* SipHash-2-4 (the reference variant); exists so the implementation can be checked against the
 * published test vectors. */
uint64_t rng_siphash24(uint64_t k0, uint64_t k1, const void* data, size_t len);

/* ---- Seeds (compat.md 5) -------------------------------------------------------------------- */

/* Rust's `DefaultHasher` hash of a `str`: SipHash-1-3 with zero keys over the bytes of `name`
 * followed by one 0xFF byte. */
uint64_t rng_hashHostname(const char* name);

/* The u64 drawn once from the global generator (Xoshiro256++ seed_from_u64(global_seed)); the same
 * for every host. */
uint64_t rng_globalSeedDraw(uint32_t global_seed);

/* A host's seed: rng_globalSeedDraw(global_seed) XOR rng_hashHostname(hostname). The host's
 * generator is then rng_seedFromU64(host seed). */
uint64_t rng_hostSeed(uint32_t global_seed, const char* hostname);

#endif
