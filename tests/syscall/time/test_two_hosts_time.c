/* Processes on two hosts agree on the time. Each one checks that it starts at its start_time, sleeps
 * a little, then sleeps until the absolute CLOCK_REALTIME instant T1 and prints the time it reads
 * (`REALTIME=<sec>.<nsec>`), then reaches T2 = T1 + STEP either with another absolute sleep or with a
 * relative one, and prints again. Under umbra every printed instant is exact, so the stdout files of
 * both hosts have the same REALTIME lines (compared by check_two_hosts_time.sh).
 * Usage: test_two_hosts_time T1_SEC START_SEC PRESLEEP_MS STEP_MS abs|rel
 * (T1_SEC and START_SEC are offsets from the simulated epoch; natively T1 is the next second but
 * one and START_SEC is ignored). */
#include <unistd.h>

#include "../test_util.h"

#define NS_PER_SEC 1000000000LL

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    ASSERT(clock_gettime(clock, &ts) == 0);
    return ts_ns(ts);
}

static void print_now(const char* label) {
    long long real = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);
    printf("%s REALTIME=%lld.%09lld\n", label, real / NS_PER_SEC, real % NS_PER_SEC);
    printf("%s MONOTONIC=%lld.%09lld\n", label, mono / NS_PER_SEC, mono % NS_PER_SEC);
}

static void sleep_until(long long deadline) {
    struct timespec ts = ns_ts(deadline);
    CHECK_EQ_LL(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL), 0);
    long long real = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);
    if (running_in_sim()) {
        CHECK_EQ_LL(real, deadline);
        CHECK_EQ_LL(mono, deadline); /* every clock reads epoch + simulated time */
    } else {
        CHECK(real >= deadline);
    }
}

int main(int argc, char** argv) {
    ASSERT(argc == 6);
    long long t1_off = strtoll(argv[1], NULL, 10), start = strtoll(argv[2], NULL, 10);
    long long presleep = strtoll(argv[3], NULL, 10) * 1000000LL;
    long long step = strtoll(argv[4], NULL, 10) * 1000000LL;
    bool step_abs = strcmp(argv[5], "abs") == 0;
    ASSERT(step_abs || strcmp(argv[5], "rel") == 0);

    long long t0 = now_ns(CLOCK_REALTIME);
    long long t1;
    if (running_in_sim()) {
        long long expected = (SIM_EPOCH_SEC + start) * NS_PER_SEC;
        printf("start: %lld ns after the epoch + start_time\n", t0 - expected);
        CHECK(t0 >= expected && t0 < expected + NS_PER_SEC);
        t1 = (SIM_EPOCH_SEC + t1_off) * NS_PER_SEC;
    } else {
        t1 = (t0 / NS_PER_SEC + 2) * NS_PER_SEC;
    }
    ASSERT(t0 + presleep < t1); /* the config must leave room for the first sleep */

    struct timespec pre = ns_ts(presleep);
    CHECK(nanosleep(&pre, NULL) == 0);
    long long t = now_ns(CLOCK_REALTIME);
    if (running_in_sim()) {
        CHECK_EQ_LL(t - t0, presleep);
    } else {
        CHECK(t - t0 >= presleep);
    }

    sleep_until(t1);
    print_now("T1");

    long long t2 = t1 + step;
    if (step_abs) {
        sleep_until(t2);
    } else {
        struct timespec rel = ns_ts(step);
        CHECK(nanosleep(&rel, NULL) == 0);
        if (running_in_sim()) {
            CHECK_EQ_LL(now_ns(CLOCK_REALTIME), t2);
        }
    }
    print_now("T2");
    test_done();
}
