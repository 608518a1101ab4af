/* epoll over a pipe (issue 4): a wait with nothing ready times out (after exactly its timeout
 * under umbra); a writer in another process wakes it (after exactly the writer's sleep); level-
 * triggered readiness repeats while data is left, edge-triggered does not; EPOLL_CTL errors. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

int main(void) {
    int fds[2];
    ASSERT(pipe(fds) == 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) == 0);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), EEXIST);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, fds[1], NULL), ENOENT);

    struct epoll_event out[4];
    long long start = now_ns();
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 1500), 0);
    CHECK(now_ns() - start >= 1500000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 1500000000LL);
    }
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);

    /* A child writes two bytes after one second; the wait wakes then. */
    start = now_ns();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        sleep(1);
        _exit(write(fds[1], "ab", 2) == 2 ? 0 : 1);
    }
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 5000), 1);
    CHECK(out[0].events & EPOLLIN);
    CHECK_EQ_LL(out[0].data.u32, 7);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 1000000000LL);
    }
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);

    /* Level-triggered: still ready after reading one of two bytes. */
    char c;
    CHECK_EQ_LL(read(fds[0], &c, 1), 1);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    /* Edge-triggered: reported once, then not again until new data arrives. */
    ev.events = EPOLLIN | EPOLLET;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 100), 0);
    CHECK_EQ_LL(write(fds[1], "c", 1), 1);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 100), 1);
    test_done();
    return 0;
}
