/* Busy loops with model_unblocked_syscall_latency (issue 3, "Busy loops"; compat.md 1.3, 1.5): a
 * program that spins on the clock, or on a cheap syscall, still sees time advance, and the clocks
 * stay monotonic and sleeps stay at least as long as asked while latency is being charged.
 * The -umbra variant runs with model_unblocked_syscall_latency: true (busy_loop.yaml.in); without
 * it, the spins below would never end under umbra. */
#include <sys/syscall.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    ASSERT(clock_gettime(clock, &ts) == 0);
    return ts_ns(ts);
}

/* Spin on clock_gettime until 10 ms have passed; every read is >= the previous one. */
static void test_spin_on_clock(void) {
    long long start = now_ns(CLOCK_MONOTONIC), prev = start, t, reads = 0;
    do {
        t = now_ns(CLOCK_MONOTONIC);
        if (t < prev) {
            printf("CLOCK_MONOTONIC went back by %lld ns after %lld reads\n", prev - t, reads);
            CHECK(t >= prev);
            return;
        }
        prev = t;
        reads++;
    } while (t - start < 10000000LL);
    printf("spin on clock_gettime: 10 ms after %lld reads\n", reads);
}

/* Spin on getppid (a syscall umbra emulates) until 10 ms of CLOCK_MONOTONIC have passed. */
static void test_spin_on_syscall(void) {
    long long start = now_ns(CLOCK_MONOTONIC), prev = start, t, calls = 0;
    do {
        CHECK(syscall(SYS_getppid) > 0);
        t = now_ns(CLOCK_MONOTONIC);
        if (t < prev) {
            printf("CLOCK_MONOTONIC went back by %lld ns after a getppid\n", prev - t);
            CHECK(t >= prev);
            return;
        }
        prev = t;
        calls++;
    } while (t - start < 10000000LL);
    printf("spin on getppid: 10 ms after %lld calls\n", calls);
}

/* With latency charged, a sleep takes at least its request and time never goes back. */
static void test_sleeps_with_latency(void) {
    static const long long requests[] = {1000000000LL, 1000000, 1, 0};
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        struct timespec req = ns_ts(requests[i]);
        long long t0 = now_ns(CLOCK_MONOTONIC);
        CHECK(nanosleep(&req, NULL) == 0);
        long long d = now_ns(CLOCK_MONOTONIC) - t0;
        printf("nanosleep %lld ns: monotonic +%lld ns\n", requests[i], d);
        CHECK(d >= requests[i]);
    }
}

int main(void) {
    printf("running %s\n", running_in_sim() ? "under umbra" : "natively");
    test_spin_on_clock();
    test_spin_on_syscall();
    test_sleeps_with_latency();
    test_done();
}
