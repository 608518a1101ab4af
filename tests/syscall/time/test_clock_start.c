/* Every clock starts at the simulated epoch plus the process's start offset under umbra
 * (architecture.md 2: 946684800 s + simulated time, for every clock id); natively the wall clock
 * is after 2020. clock_getres works for every id; an unknown id is EINVAL.
 * Usage: test_clock_start START_OFFSET_SECONDS (the config's start_time; ignored natively). */
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "../test_util.h"

static const struct {
    clockid_t id;
    const char* name;
} clocks[] = {
    {CLOCK_REALTIME, "CLOCK_REALTIME"},
    {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
    {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
    {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
    {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
    {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
    {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"},
    {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
};
#define NCLOCKS (sizeof(clocks) / sizeof(clocks[0]))

#define YEAR_2020 1577836800LL

/* Under umbra: within [expected, expected + 1 s). */
static void check_sim_time(const char* what, long long ns, long long expected_sec) {
    long long lo = expected_sec * 1000000000LL;
    if (ns < lo || ns >= lo + 1000000000LL) {
        printf("%s reads %lld.%09lld, expected %lld.x\n", what, ns / 1000000000LL,
               ns % 1000000000LL, expected_sec);
        CHECK(!"clock at simulated epoch + start offset");
    }
}

/* clock_gettime through libc (vDSO) and through the raw syscall must both work and agree. */
static void test_gettime(long long expected_sec) {
    for (size_t i = 0; i < NCLOCKS; i++) {
        struct timespec ts = {-1, -1}, raw = {-1, -1};
        CHECK(clock_gettime(clocks[i].id, &ts) == 0);
        CHECK(syscall(SYS_clock_gettime, clocks[i].id, &raw) == 0);
        CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
        CHECK(raw.tv_nsec >= 0 && raw.tv_nsec < 1000000000L);
        printf("%-26s %lld.%09ld (raw syscall %lld.%09ld)\n", clocks[i].name, (long long)ts.tv_sec,
               ts.tv_nsec, (long long)raw.tv_sec, raw.tv_nsec);
        if (running_in_sim()) {
            check_sim_time(clocks[i].name, ts_ns(ts), expected_sec);
            check_sim_time(clocks[i].name, ts_ns(raw), expected_sec);
        } else if (clocks[i].id == CLOCK_REALTIME || clocks[i].id == CLOCK_REALTIME_COARSE) {
            CHECK(ts.tv_sec > YEAR_2020);
            CHECK(raw.tv_sec > YEAR_2020);
        }
    }
}

static void test_gettimeofday_and_time(long long expected_sec) {
    struct timeval tv = {-1, -1};
    CHECK(gettimeofday(&tv, NULL) == 0);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    time_t t1 = 0, t2 = time(&t1);
    CHECK(t1 == t2);
    struct timespec rt;
    CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0);
    printf("gettimeofday %lld.%06ld time %lld\n", (long long)tv.tv_sec, (long)tv.tv_usec,
           (long long)t2);
    if (running_in_sim()) {
        check_sim_time("gettimeofday", (long long)tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL,
                       expected_sec);
        CHECK_EQ_LL(t2, expected_sec);
    } else {
        CHECK(tv.tv_sec > YEAR_2020);
        CHECK(t2 > YEAR_2020);
    }
    /* All three wall clocks agree to the second (time() may lag by a coarse tick natively). */
    CHECK(rt.tv_sec - t2 >= 0 && rt.tv_sec - t2 <= 1);
    CHECK(rt.tv_sec - tv.tv_sec >= 0 && rt.tv_sec - tv.tv_sec <= 1);
}

static void test_getres(void) {
    for (size_t i = 0; i < NCLOCKS; i++) {
        struct timespec res = {-1, -1};
        CHECK(clock_getres(clocks[i].id, &res) == 0);
        CHECK(syscall(SYS_clock_getres, clocks[i].id, NULL) == 0);
        printf("%-26s resolution %lld.%09ld\n", clocks[i].name, (long long)res.tv_sec,
               res.tv_nsec);
        CHECK(res.tv_sec == 0);
        CHECK(res.tv_nsec > 0 && res.tv_nsec <= 10000000L); /* coarse clocks: one tick */
    }
}

static void test_bad_clock(void) {
    struct timespec ts;
    CHECK_ERRNO(clock_gettime((clockid_t)100, &ts), EINVAL);
    CHECK_ERRNO(syscall(SYS_clock_gettime, 100, &ts), EINVAL);
    CHECK_ERRNO(clock_getres((clockid_t)100, &ts), EINVAL);
}

int main(int argc, char** argv) {
    long long start = argc > 1 ? strtoll(argv[1], NULL, 10) : 0;
    long long expected_sec = SIM_EPOCH_SEC + start;
    printf("running %s, expected start %lld\n", running_in_sim() ? "under umbra" : "natively",
           expected_sec);
    test_gettime(expected_sec);
    test_gettimeofday_and_time(expected_sec);
    test_getres();
    test_bad_clock();
    test_done();
}
