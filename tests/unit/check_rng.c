/* Deterministic randomness (compat.md 5): SipHash against the published SipHash-2-4 vectors and
 * Rust's DefaultHasher (values printed by rustc 1.95's std), SplitMix64 and Xoshiro256++ against
 * values computed independently from the algorithm descriptions, and the host seed derivation. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "lib/rng.h"

/* ---- SipHash -------------------------------------------------------------------------------- */

START_TEST(test_siphash24_reference_vectors) {
    /* Aumasson & Bernstein, "SipHash: a fast short-input PRF", appendix A: key 00..0f,
     * message 00..0e. The empty message is the first entry of the reference vectors.h. */
    uint64_t k0 = 0x0706050403020100ULL;
    uint64_t k1 = 0x0f0e0d0c0b0a0908ULL;
    uint8_t msg[15];
    for (int i = 0; i < 15; i++) {
        msg[i] = (uint8_t)i;
    }
    ck_assert_uint_eq(rng_siphash24(k0, k1, msg, sizeof(msg)), 0xa129ca6149be45e5ULL);
    ck_assert_uint_eq(rng_siphash24(k0, k1, NULL, 0), 0x726fdb47dd0e0e31ULL);
}
END_TEST

START_TEST(test_default_hasher_matches_rust) {
    /* `let mut h = DefaultHasher::new(); name.hash(&mut h); h.finish()` */
    ck_assert_uint_eq(rng_hashHostname(""), 0x30406ea523c53defULL);
    ck_assert_uint_eq(rng_hashHostname("a"), 0x719b50b9a4f0e9f3ULL);
    ck_assert_uint_eq(rng_hashHostname("host1"), 0xee03f6ee8939d518ULL);
    ck_assert_uint_eq(rng_hashHostname("server"), 0xe88840a79b22886fULL);
    ck_assert_uint_eq(rng_hashHostname("client-0001"), 0x7acad473cfd2b0a2ULL);
    ck_assert_uint_eq(rng_hashHostname("peer"), 0x27eca989e005ae4bULL);
    /* 7 and 8 bytes: the 0xFF lands at the end of the first word / starts the second. */
    ck_assert_uint_eq(rng_hashHostname("abcdefg"), 0x2295ef44bd078ae9ULL);
    ck_assert_uint_eq(rng_hashHostname("abcdefgh"), 0x5cd7657fa7f96c16ULL);
    /* Longer than the stack buffer. */
    char long_name[301];
    memset(long_name, 'x', 300);
    long_name[300] = '\0';
    ck_assert_uint_eq(rng_hashHostname(long_name), 0x16967186a6f732faULL);
    /* The hash is SipHash-1-3 with zero keys over name || 0xFF. */
    const uint8_t bytes[] = {'h', 'o', 's', 't', '1', 0xff};
    ck_assert_uint_eq(rng_siphash13(0, 0, bytes, sizeof(bytes)), 0xee03f6ee8939d518ULL);
}
END_TEST

/* ---- SplitMix64 / Xoshiro256++ -------------------------------------------------------------- */

START_TEST(test_splitmix64_vectors) {
    uint64_t state = 0;
    ck_assert_uint_eq(rng_splitMix64Next(&state), 0xe220a8397b1dcdafULL);
    ck_assert_uint_eq(rng_splitMix64Next(&state), 0x6e789e6aa1b965f4ULL);
    ck_assert_uint_eq(rng_splitMix64Next(&state), 0x06c45d188009454fULL);
}
END_TEST

START_TEST(test_xoshiro_vectors) {
    /* State {1, 2, 3, 4}: the first output is rotl(1 + 4, 23) + 1 = 41943041. */
    Rng rng = {.s = {1, 2, 3, 4}};
    ck_assert_uint_eq(rng_nextU64(&rng), 41943041ULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 58720359ULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 3588806011781223ULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 3591011842654386ULL);

    /* seed_from_u64: state = four SplitMix64 outputs. */
    rng_seedFromU64(&rng, 0);
    ck_assert_uint_eq(rng.s[0], 0xe220a8397b1dcdafULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 0x53175d61490b23dfULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 0x61da6f3dc380d507ULL);
    rng_seedFromU64(&rng, 42);
    ck_assert_uint_eq(rng_nextU64(&rng), 0xd0764d4f4476689fULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 0x519e4174576f3791ULL);
    ck_assert_uint_eq(rng_nextU64(&rng), 0xfbe07cfb0c24ed8cULL);
}
END_TEST

START_TEST(test_fill_bytes_layout) {
    Rng rng;
    uint8_t buf[13];
    /* 13 bytes: one full word, then 5 bytes of a second u64 (little-endian). */
    rng_seedFromU64(&rng, 42);
    rng_fillBytes(&rng, buf, 13);
    const uint8_t expect13[13] = {0x9f, 0x68, 0x76, 0x44, 0x4f, 0x4d, 0x76,
                                  0xd0, 0x91, 0x37, 0x6f, 0x57, 0x74};
    ck_assert_mem_eq(buf, expect13, 13);
    /* 11 bytes: one full word, then 3 bytes of next_u32 = high half of the next u64. */
    rng_seedFromU64(&rng, 42);
    rng_fillBytes(&rng, buf, 11);
    const uint8_t expect11[11] = {0x9f, 0x68, 0x76, 0x44, 0x4f, 0x4d, 0x76, 0xd0, 0x74, 0x41, 0x9e};
    ck_assert_mem_eq(buf, expect11, 11);
    rng_fillBytes(&rng, NULL, 0);
}
END_TEST

START_TEST(test_double_and_bounded) {
    Rng a;
    Rng b;
    rng_seedFromU64(&a, 7);
    rng_seedFromU64(&b, 7);
    for (int i = 0; i < 1000; i++) {
        double d = rng_nextDouble(&a);
        ck_assert(d >= 0.0 && d < 1.0);
        ck_assert(d == (double)(rng_nextU64(&b) >> 11) / 9007199254740992.0);
    }
    ck_assert_uint_eq(rng_nextBounded(&a, 1), 0);
    uint64_t big = (1ULL << 63) + 1;
    for (int i = 0; i < 1000; i++) {
        ck_assert_uint_lt(rng_nextBounded(&a, big), big);
    }
    /* Rough uniformity over 6 buckets: each within 5% of the mean for 60000 draws. */
    unsigned counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        uint64_t v = rng_nextBounded(&a, 6);
        ck_assert_uint_lt(v, 6);
        counts[v]++;
    }
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_gt(counts[i], 9500);
        ck_assert_uint_lt(counts[i], 10500);
    }
}
END_TEST

/* ---- Host seeds ----------------------------------------------------------------------------- */

START_TEST(test_host_seed) {
    /* Global Xoshiro256++ seed_from_u64(1), first draw; XOR DefaultHasher("host1"). */
    ck_assert_uint_eq(rng_globalSeedDraw(1), 0xcfc5d07f6f03c29bULL);
    ck_assert_uint_eq(rng_hostSeed(1, "host1"), 0x21c62691e63a1783ULL);
    Rng rng;
    rng_seedFromU64(&rng, rng_hostSeed(1, "host1"));
    ck_assert_uint_eq(rng_nextU64(&rng), 0x4bb72757e0610749ULL);
}
END_TEST

START_TEST(test_reproducible_streams) {
    Rng a;
    Rng b;
    rng_seedFromU64(&a, rng_hostSeed(5, "alpha"));
    rng_seedFromU64(&b, rng_hostSeed(5, "alpha"));
    for (int i = 0; i < 10000; i++) {
        ck_assert_uint_eq(rng_nextU64(&a), rng_nextU64(&b));
    }
    ck_assert_uint_ne(rng_hostSeed(5, "alpha"), rng_hostSeed(6, "alpha"));
    ck_assert_uint_ne(rng_hostSeed(5, "alpha"), rng_hostSeed(5, "alphb"));
    ck_assert_uint_ne(rng_hostSeed(5, "alpha"), rng_hostSeed(5, "alpha "));
    rng_seedFromU64(&a, rng_hostSeed(5, "alpha"));
    rng_seedFromU64(&b, rng_hostSeed(5, "beta"));
    int same = 0;
    for (int i = 0; i < 100; i++) {
        same += rng_nextU64(&a) == rng_nextU64(&b);
    }
    ck_assert_int_eq(same, 0);
}
END_TEST

Suite* check_rng_suite(void) {
    Suite* s = suite_create("check_rng");
    TCase* tc = tcase_create("siphash");
    tcase_add_test(tc, test_siphash24_reference_vectors);
    tcase_add_test(tc, test_default_hasher_matches_rust);
    suite_add_tcase(s, tc);
    tc = tcase_create("xoshiro");
    tcase_add_test(tc, test_splitmix64_vectors);
    tcase_add_test(tc, test_xoshiro_vectors);
    tcase_add_test(tc, test_fill_bytes_layout);
    tcase_add_test(tc, test_double_and_bounded);
    suite_add_tcase(s, tc);
    tc = tcase_create("seeds");
    tcase_add_test(tc, test_host_seed);
    tcase_add_test(tc, test_reproducible_streams);
    suite_add_tcase(s, tc);
    return s;
}
