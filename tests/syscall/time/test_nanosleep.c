/* nanosleep and clock_nanosleep. Under umbra a sleep advances CLOCK_MONOTONIC and CLOCK_REALTIME by
 * exactly the request and an absolute sleep wakes exactly at its deadline; natively by at least
 * that. Invalid requests are EINVAL (clock_nanosleep returns the error number instead of setting
 * errno) and, under umbra, do not move the clock. */
#include <sys/syscall.h>
#include <unistd.h>

#include "../test_util.h"

#define NS_PER_SEC 1000000000LL

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    ASSERT(clock_gettime(clock, &ts) == 0);
    return ts_ns(ts);
}

enum sleep_kind { SLEEP_LIBC, SLEEP_RAW, SLEEP_CLOCK_MONO, SLEEP_CLOCK_REAL };
static const char* const kind_names[] = {"nanosleep", "raw nanosleep syscall",
                                         "clock_nanosleep(MONOTONIC)", "clock_nanosleep(REALTIME)"};

/* Sleep `req` ns relatively in the given way; check how far both clocks moved. */
static void sleep_and_measure(enum sleep_kind kind, long long req) {
    struct timespec ts = ns_ts(req);
    long long mono0 = now_ns(CLOCK_MONOTONIC), real0 = now_ns(CLOCK_REALTIME);
    switch (kind) {
    case SLEEP_LIBC:
        CHECK(nanosleep(&ts, NULL) == 0);
        break;
    case SLEEP_RAW:
        CHECK(syscall(SYS_nanosleep, &ts, NULL) == 0);
        break;
    case SLEEP_CLOCK_MONO:
        CHECK_EQ_LL(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), 0);
        break;
    case SLEEP_CLOCK_REAL:
        CHECK_EQ_LL(clock_nanosleep(CLOCK_REALTIME, 0, &ts, NULL), 0);
        break;
    }
    long long dmono = now_ns(CLOCK_MONOTONIC) - mono0, dreal = now_ns(CLOCK_REALTIME) - real0;
    printf("%s %lld ns: monotonic +%lld ns, realtime +%lld ns\n", kind_names[kind], req, dmono,
           dreal);
    if (running_in_sim()) {
        CHECK_EQ_LL(dmono, req);
        CHECK_EQ_LL(dreal, req);
    } else {
        CHECK(dmono >= req);
    }
}

static void test_relative(void) {
    static const long long requests[] = {NS_PER_SEC, 1000000, 1, 0};
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        sleep_and_measure(SLEEP_LIBC, requests[i]);
    }
    sleep_and_measure(SLEEP_RAW, 1000000);
    sleep_and_measure(SLEEP_RAW, 0);
    sleep_and_measure(SLEEP_CLOCK_MONO, 100000000);
    sleep_and_measure(SLEEP_CLOCK_MONO, 1);
    sleep_and_measure(SLEEP_CLOCK_REAL, 100000000);
    sleep_and_measure(SLEEP_CLOCK_REAL, 0);
}

static void test_invalid(void) {
    static const struct timespec bad[] = {
        {0, 1000000000L}, /* tv_nsec >= 1e9 */
        {0, -1},          /* negative tv_nsec */
        {-1, 0},          /* negative tv_sec */
        {1, 2000000000L},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long long mono0 = now_ns(CLOCK_MONOTONIC);
        CHECK_ERRNO(nanosleep(&bad[i], NULL), EINVAL);
        CHECK_ERRNO(syscall(SYS_nanosleep, &bad[i], NULL), EINVAL);
        errno = 0;
        CHECK_EQ_LL(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad[i], NULL), EINVAL);
        CHECK_EQ_LL(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &bad[i], NULL), EINVAL);
        if (running_in_sim()) {
            CHECK_EQ_LL(now_ns(CLOCK_MONOTONIC) - mono0, 0);
        }
    }
    /* Unknown clock ids, and the calling thread's CPU clock, which Linux refuses to sleep on. */
    struct timespec ms = {0, 1000000};
    CHECK_EQ_LL(clock_nanosleep((clockid_t)100, 0, &ms, NULL), EINVAL);
    CHECK_EQ_LL(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ms, NULL), EINVAL);
    CHECK_EQ_LL(syscall(SYS_clock_nanosleep, 100, 0, &ms, NULL) == -1 ? errno : 0, EINVAL);
}

/* Sleep until now + offset (offset < 0: a deadline in the past) on `clock`. */
static void test_absolute(clockid_t clock, const char* name, long long offset) {
    long long t0 = now_ns(clock), mono0 = now_ns(CLOCK_MONOTONIC);
    long long deadline = t0 + offset;
    struct timespec ts = ns_ts(deadline);
    CHECK_EQ_LL(clock_nanosleep(clock, TIMER_ABSTIME, &ts, NULL), 0);
    long long t1 = now_ns(clock), waited = now_ns(CLOCK_MONOTONIC) - mono0;
    printf("clock_nanosleep(%s, TIMER_ABSTIME, now%+lld ns): woke at %+lld ns, waited %lld ns\n",
           name, offset, t1 - t0, waited);
    if (offset > 0) {
        if (running_in_sim()) {
            CHECK_EQ_LL(t1, deadline);
        } else {
            CHECK(t1 >= deadline);
        }
    } else if (running_in_sim()) {
        CHECK_EQ_LL(waited, 0); /* returns at once */
    } else {
        CHECK(waited < 100000000LL);
    }
}

int main(void) {
    printf("running %s\n", running_in_sim() ? "under umbra" : "natively");
    test_relative();
    test_invalid();
    test_absolute(CLOCK_MONOTONIC, "CLOCK_MONOTONIC", 2 * NS_PER_SEC);
    test_absolute(CLOCK_REALTIME, "CLOCK_REALTIME", 2 * NS_PER_SEC);
    test_absolute(CLOCK_MONOTONIC, "CLOCK_MONOTONIC", -NS_PER_SEC);
    test_absolute(CLOCK_REALTIME, "CLOCK_REALTIME", -5 * NS_PER_SEC);
    test_done();
}
