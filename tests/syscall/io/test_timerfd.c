/* timerfd (issue 4): timerfd_create, timerfd_settime relative, TFD_TIMER_ABSTIME and periodic (with
 * the old value), timerfd_gettime; reads return the expiration count and reset it, block until an
 * expiry, or fail with EAGAIN when non-blocking; poll and epoll see expiries; re-arming resets the
 * count; the errors Linux gives. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    return now_ns_on(CLOCK_MONOTONIC);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void) {
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    ASSERT(tfd >= 0);
    CHECK_EQ_LL(fcntl(tfd, F_GETFD), FD_CLOEXEC);
    struct itimerspec cur;
    CHECK(timerfd_gettime(tfd, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

    /* A blocking read waits for the expiry and returns the count. */
    struct itimerspec arm = spec_ms(30, 0);
    long long start = now_ns();
    CHECK(timerfd_settime(tfd, 0, &arm, NULL) == 0);
    uint64_t count = 0;
    CHECK_EQ_LL(read(tfd, &count, sizeof(count)), sizeof(count));
    CHECK_EQ_LL(count, 1);
    long long waited = now_ns() - start;
    CHECK(waited >= 30000000LL);
    if (running_in_sim()) {
        CHECK(waited < 31000000LL);
    }
    CHECK(timerfd_gettime(tfd, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0); /* one-shot: disarmed */

    /* Periodic: the count accumulates until read. */
    arm = spec_ms(10, 10);
    struct itimerspec old;
    CHECK(timerfd_settime(tfd, 0, &arm, &old) == 0);
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    sleep_ms(55);
    CHECK_EQ_LL(read(tfd, &count, sizeof(count)), sizeof(count));
    CHECK(count >= 4 && count <= 5);
    if (running_in_sim()) {
        CHECK_EQ_LL(count, 5);
    }
    CHECK(timerfd_gettime(tfd, &cur) == 0);
    CHECK_EQ_LL(cur.it_interval.tv_nsec, 10000000);
    CHECK(cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000);

    /* Re-arming resets the count; disarming returns the old setting. */
    sleep_ms(25);
    arm = spec_ms(1000, 0);
    CHECK(timerfd_settime(tfd, 0, &arm, NULL) == 0);
    CHECK(fcntl(tfd, F_SETFL, O_NONBLOCK) == 0);
    CHECK_ERRNO(read(tfd, &count, sizeof(count)), EAGAIN);
    struct itimerspec off = spec_ms(0, 0);
    CHECK(timerfd_settime(tfd, 0, &off, &old) == 0);
    CHECK(old.it_value.tv_sec == 0 || old.it_value.tv_sec == 1);
    CHECK(old.it_value.tv_sec * 1000000000LL + old.it_value.tv_nsec > 900000000LL);

    /* poll and epoll see an expiry; TFD_TIMER_ABSTIME on CLOCK_REALTIME. */
    int rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    ASSERT(rfd >= 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct itimerspec abs = {.it_value = {ts.tv_sec, ts.tv_nsec + 0}};
    abs.it_value.tv_nsec += 20000000L;
    if (abs.it_value.tv_nsec >= 1000000000L) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000L;
    }
    CHECK(timerfd_settime(rfd, TFD_TIMER_ABSTIME, &abs, NULL) == 0);
    struct pollfd p = {.fd = rfd, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 0);
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    CHECK(after.tv_sec > abs.it_value.tv_sec ||
          (after.tv_sec == abs.it_value.tv_sec && after.tv_nsec >= abs.it_value.tv_nsec));
    CHECK_EQ_LL(read(rfd, &count, sizeof(count)), sizeof(count));
    CHECK_EQ_LL(count, 1);
    int ep = epoll_create1(0);
    ASSERT(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = rfd};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev) == 0);
    arm = spec_ms(15, 0);
    CHECK(timerfd_settime(rfd, 0, &arm, NULL) == 0);
    CHECK_EQ_LL(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ_LL(ev.data.fd, rfd);
    CHECK_EQ_LL(read(rfd, &count, sizeof(count)), sizeof(count));
    close(ep);

    /* Shared with a child by fork: the child reads the parent's timer. */
    arm = spec_ms(20, 0);
    CHECK(timerfd_settime(rfd, 0, &arm, NULL) == 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct pollfd cp = {.fd = rfd, .events = POLLIN};
        uint64_t c = 0;
        _exit(poll(&cp, 1, 5000) == 1 && read(rfd, &c, sizeof(c)) == sizeof(c) && c == 1 ? 0 : 1);
    }
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Errors. */
    CHECK_ERRNO(read(rfd, &count, sizeof(count) - 1), EINVAL);
    CHECK_ERRNO(write(rfd, &count, sizeof(count)), EINVAL);
    CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x4), EINVAL);
    CHECK_ERRNO(timerfd_create(12345, 0), EINVAL);
    CHECK_ERRNO(timerfd_settime(rfd, 0x80, &arm, NULL), EINVAL);
    struct itimerspec bad = {.it_value = {0, 1000000000L}};
    CHECK_ERRNO(timerfd_settime(rfd, 0, &bad, NULL), EINVAL);
    int pfd[2];
    ASSERT(pipe(pfd) == 0);
    CHECK_ERRNO(timerfd_settime(pfd[0], 0, &arm, NULL), EINVAL);
    CHECK_ERRNO(timerfd_gettime(pfd[0], &cur), EINVAL);
    CHECK_ERRNO(timerfd_gettime(1000, &cur), EBADF);
    close(pfd[0]);
    close(pfd[1]);
    close(rfd);
    close(tfd);
    test_done();
    return 0;
}
