/* alarm, setitimer and getitimer with ITIMER_REAL (issue 4): SIGALRM after the interval (exactly,
 * under umbra), alarm's return value, re-arming and disarming, a periodic timer, and EINVAL for
 * bad values. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    ASSERT(sigaction(SIGALRM, &sa, NULL) == 0);

    /* alarm(2) then pause: SIGALRM after two seconds. */
    long long start = now_ns();
    CHECK_EQ_LL(alarm(2), 0);
    CHECK_ERRNO(pause(), EINTR);
    CHECK_EQ_LL(alarms, 1);
    long long waited = now_ns() - start;
    CHECK(waited >= 2000000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(waited, 2000000000LL);
    }

    /* Re-arming returns what was left; alarm(0) disarms. */
    CHECK_EQ_LL(alarm(10), 0);
    CHECK_EQ_LL(alarm(5), 10);
    CHECK_EQ_LL(alarm(0), 5);
    struct itimerval cur;
    CHECK(getitimer(ITIMER_REAL, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    /* A periodic timer: 100 ms, five expiries. */
    alarms = 0;
    struct itimerval every = {.it_interval = {0, 100000}, .it_value = {0, 100000}};
    start = now_ns();
    CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
    CHECK(getitimer(ITIMER_REAL, &cur) == 0);
    CHECK(cur.it_interval.tv_usec == 100000);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 100000);
    while (alarms < 5) {
        pause();
    }
    waited = now_ns() - start;
    CHECK(waited >= 500000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(waited, 500000000LL);
    }
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    CHECK(setitimer(ITIMER_REAL, &off, &old) == 0);
    CHECK(old.it_interval.tv_usec == 100000);

    struct itimerval bad = {.it_interval = {0, 0}, .it_value = {0, 1000000}};
    CHECK_ERRNO(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
    CHECK_ERRNO(setitimer(99, &off, NULL), EINVAL);
    test_done();
    return 0;
}
