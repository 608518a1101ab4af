/* Shared helpers for the syscall tests (style.md G). Each test is one small program that must pass
 * natively and under umbra; it prints `EXIT-SUCCESS` as its last line when every check held and
 * exits 0, otherwise it exits 1. Failures are reported on stderr with file:line, the failed
 * expression and errno, and also on stdout (so they land next to the program's output under umbra).
 *
 * CHECK(cond)        record a failure and go on (errno is not cleared: cond may test it).
 * ASSERT(cond)       record a failure and stop the test at once (exit 1).
 * CHECK_ERRNO(expr, e)   expr must be -1 with errno == e.
 * CHECK_EQ_LL(a, b)  integers equal; prints both values.
 * test_done()        prints EXIT-SUCCESS and exits 0, or exits 1 after failures.
 *
 * Divergence from Linux is explicit: branch on running_in_sim() and say why. */
#ifndef UMBRA_TESTS_SYSCALL_TEST_UTIL_H_
#define UMBRA_TESTS_SYSCALL_TEST_UTIL_H_

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* umbra puts UMBRA_SIMULATED=1 into the environment of every managed process. */
static inline bool running_in_sim(void) {
    return getenv("UMBRA_SIMULATED") != NULL;
}

static int test_failures;

/* Line-buffered stdout: the output file under umbra then holds everything printed before a crash. */
__attribute__((constructor)) static void test_util_init(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}

#define TEST_REPORT_(kind, fmt, ...)                                                              \
    do {                                                                                          \
        int saved_errno_ = errno;                                                                 \
        fprintf(stderr, "%s:%d: %s failed: " fmt " (errno %d: %s)\n", __FILE__, __LINE__, kind,   \
                __VA_ARGS__, saved_errno_, strerror(saved_errno_));                               \
        printf("%s:%d: %s failed: " fmt " (errno %d: %s)\n", __FILE__, __LINE__, kind,            \
               __VA_ARGS__, saved_errno_, strerror(saved_errno_));                                \
        fflush(stdout);                                                                           \
        errno = saved_errno_;                                                                     \
        test_failures++;                                                                          \
    } while (0)

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            TEST_REPORT_("CHECK", "%s", #cond);                                                   \
        }                                                                                         \
    } while (0)

#define ASSERT(cond)                                                                              \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            TEST_REPORT_("ASSERT", "%s", #cond);                                                  \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

#define CHECK_EQ_LL(a, b)                                                                         \
    do {                                                                                          \
        long long a_ = (long long)(a), b_ = (long long)(b);                                       \
        if (a_ != b_) {                                                                           \
            TEST_REPORT_("CHECK_EQ", "%s == %s (%lld != %lld)", #a, #b, a_, b_);                  \
        }                                                                                         \
    } while (0)

#define CHECK_ERRNO(expr, expected)                                                               \
    do {                                                                                          \
        errno = 0;                                                                                \
        long long r_ = (long long)(expr);                                                         \
        int e_ = errno;                                                                           \
        if (r_ != -1 || e_ != (expected)) {                                                       \
            TEST_REPORT_("CHECK_ERRNO", "%s returned %lld, wanted -1 with errno %s", #expr, r_,   \
                         #expected);                                                              \
        }                                                                                         \
    } while (0)

static inline void test_done(void) {
    if (test_failures > 0) {
        printf("%d check(s) failed\n", test_failures);
        fprintf(stderr, "%d check(s) failed\n", test_failures);
        exit(1);
    }
    printf("EXIT-SUCCESS\n");
    exit(0);
}

/* Timespec helpers, in nanoseconds. */
static inline long long ts_ns(struct timespec t) {
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline struct timespec ns_ts(long long ns) {
    return (struct timespec){.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
}

/* Now on clock `c`, in nanoseconds. */
static inline long long now_ns_on(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts_ns(ts);
}

/* A timer setting of `value_ms` then every `interval_ms` (0: one-shot). */
static inline struct itimerspec spec_ms(long value_ms, long interval_ms) {
    struct itimerspec s = {
        .it_value = {value_ms / 1000, (value_ms % 1000) * 1000000L},
        .it_interval = {interval_ms / 1000, (interval_ms % 1000) * 1000000L},
    };
    return s;
}

/* The simulated epoch: what every clock reads at simulated time 0 (architecture.md 2). */
#define SIM_EPOCH_SEC 946684800LL

#endif
