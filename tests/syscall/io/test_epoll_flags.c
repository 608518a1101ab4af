/* epoll beyond a single pipe (issue 4): EPOLLONESHOT (once until re-armed with EPOLL_CTL_MOD),
 * EPOLLET with partial reads, EPOLLEXCLUSIVE (ADD only), epoll_pwait with a signal mask (EINTR, or
 * the signal held until the call returns), epoll_pwait2 with a timespec timeout, an epoll fd inside
 * another (and the loop Linux refuses), eventfd, timerfd and signalfd in an epoll set, EPOLLHUP and
 * EPOLLERR on pipe ends, EPOLL_CTL_DEL and closing, data.u64 carried through, a wait woken by
 * another thread, and the errors (EEXIST, ENOENT, EBADF, EINVAL, EPERM, ELOOP, EFAULT). Waits are
 * exact under umbra. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"
#include "io_children.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

static void check_elapsed(long long start, long long want_ns) {
    long long took = now_ns() - start;
    CHECK(took >= want_ns - 1000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(took, want_ns);
    } else {
        CHECK(took < want_ns + 500000000LL);
    }
}

static volatile sig_atomic_t usr2_count;

static void on_usr2(int sig) {
    (void)sig;
    usr2_count++;
}

static void test_flags(void) {
    int p[2];
    ASSERT(pipe(p) == 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(ep >= 0);
    struct epoll_event out[4];

    /* EPOLLONESHOT: one report, then silence while data is left, until EPOLL_CTL_MOD re-arms. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 0x123456789abcdef0ULL};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
    CHECK_EQ_LL(write(p[1], "abcd", 4), 4);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    CHECK_EQ_LL(out[0].events, EPOLLIN);
    CHECK(out[0].data.u64 == 0x123456789abcdef0ULL);
    long long start = now_ns();
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 200), 0);
    check_elapsed(start, 200000000LL);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST); /* disarmed is still there */
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);

    /* EPOLLET with partial reads: reported once per arrival, not while old data is left. */
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.u64 = 42};
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1); /* MOD counts as an edge */
    char buf[8];
    CHECK_EQ_LL(read(p[0], buf, 1), 1);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);
    start = now_ns();
    pid_t child = child_later(300, p[1], 0); /* a new arrival is a new edge */
    CHECK_EQ_LL(epoll_wait(ep, out, 4, -1), 1);
    check_elapsed(start, 300000000LL);
    CHECK(out[0].data.u64 == 42);
    child_reap(child);
    CHECK_EQ_LL(read(p[0], buf, 2), 2);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0); /* still one byte left */
    CHECK_EQ_LL(read(p[0], buf, sizeof(buf)), 2);

    /* EPOLLEXCLUSIVE: accepted with ADD, not with MOD, not with EPOLLONESHOT. */
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT(efd >= 0);
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, .data.u64 = 1};
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), EINVAL);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), EINVAL);
    ev.events = EPOLLIN;
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), EINVAL); /* an exclusive entry stays so */
    uint64_t one = 1;
    CHECK_EQ_LL(write(efd, &one, sizeof(one)), sizeof(one));
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    CHECK(out[0].data.u64 == 1);
    CHECK_EQ_LL(out[0].events, EPOLLIN);

    /* EPOLL_CTL_DEL: no more reports; a second DEL finds nothing. */
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), ENOENT);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev), ENOENT);

    /* Closing the last descriptor of an open file takes it out of the set. */
    int dupe = dup(efd);
    ASSERT(dupe >= 0);
    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 9};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, dupe, &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    close(dupe);
    close(efd);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);

    /* Errors. */
    int file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ASSERT(file >= 0);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM); /* no poll support */
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);  /* itself */
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    CHECK_ERRNO(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
    CHECK_ERRNO(epoll_ctl(file, EPOLL_CTL_ADD, p[0], &ev), EINVAL); /* not an epoll fd */
    CHECK_ERRNO(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
    CHECK_ERRNO(epoll_wait(ep, out, 0, 0), EINVAL);
    volatile int negative = -1; /* hidden from the compiler, which rejects a negative size */
    CHECK_ERRNO(epoll_wait(ep, out, negative, -1), EINVAL); /* does not wait */
    CHECK_ERRNO(epoll_wait(file, out, 4, -1), EINVAL);
    CHECK_ERRNO(epoll_wait(999, out, 4, -1), EBADF);
    CHECK_ERRNO(epoll_create(0), EINVAL);
    CHECK_ERRNO(epoll_create1(1), EINVAL);
    close(file);

    /* EPOLLHUP once the writer closed (with EPOLLIN while data is left), EPOLLERR on a write end
     * whose reader closed; both reported even when not asked for. */
    int q[2];
    ASSERT(pipe(q) == 0);
    ev = (struct epoll_event){.events = 0, .data.u64 = 5};
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0);
    CHECK_EQ_LL(write(q[1], "z", 1), 1);
    start = now_ns();
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        sleep(1);
        _exit(0); /* the child's copy of the write end goes with it */
    }
    close(q[1]);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 5000), 1);
    check_elapsed(start, 1000000000LL);
    CHECK_EQ_LL(out[0].events, EPOLLHUP);
    CHECK(out[0].data.u64 == 5);
    child_reap(child);
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 1);
    CHECK_EQ_LL(out[0].events, EPOLLIN | EPOLLHUP);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL) == 0);
    close(q[0]);
    ASSERT(pipe(q) == 0);
    close(q[0]);
    ev = (struct epoll_event){.events = EPOLLOUT, .data.u64 = 6};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[1], &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, -1), 1);
    CHECK_EQ_LL(out[0].events, EPOLLOUT | EPOLLERR);
    close(q[1]);
    CHECK_EQ_LL(epoll_wait(ep, out, 4, 0), 0);
    close(ep);
    close(p[0]);
    close(p[1]);
}

/* eventfd, timerfd and signalfd in one set, and one epoll fd inside another. */
static void test_kinds(void) {
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ASSERT(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    int sfd = signalfd(-1, &usr1, SFD_CLOEXEC | SFD_NONBLOCK);
    ASSERT(efd >= 0 && tfd >= 0 && sfd >= 0);
    int inner = epoll_create1(EPOLL_CLOEXEC);
    int outer = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(inner >= 0 && outer >= 0);
    int fds[3] = {efd, tfd, sfd};
    for (int i = 0; i < 3; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 100 + (uint64_t)i};
        CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, fds[i], &ev) == 0);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 200};
    CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0);
    CHECK_ERRNO(epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev), ELOOP); /* a cycle */
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    int third = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(third >= 0);
    CHECK_ERRNO(epoll_ctl(third, EPOLL_CTL_ADD, inner, &ev), EINVAL); /* exclusive on an epoll fd */
    close(third);
    struct epoll_event out[4];
    CHECK_EQ_LL(epoll_wait(outer, out, 4, 0), 0);

    /* The timer expires in 250 ms: the outer wait wakes then, the inner one names the timerfd. */
    struct itimerspec arm = {.it_value = {0, 250000000}};
    CHECK(timerfd_settime(tfd, 0, &arm, NULL) == 0);
    long long start = now_ns();
    CHECK_EQ_LL(epoll_wait(outer, out, 4, -1), 1);
    check_elapsed(start, 250000000LL);
    CHECK(out[0].data.u64 == 200);
    CHECK_EQ_LL(epoll_wait(inner, out, 4, 0), 1);
    CHECK(out[0].data.u64 == 101);
    uint64_t v;
    CHECK_EQ_LL(read(tfd, &v, sizeof(v)), sizeof(v));
    CHECK_EQ_LL(v, 1);
    CHECK_EQ_LL(epoll_wait(outer, out, 4, 0), 0);

    /* A pending signal of the signalfd's mask, and an eventfd write: both in one wait. */
    CHECK(raise(SIGUSR1) == 0);
    v = 3;
    CHECK_EQ_LL(write(efd, &v, sizeof(v)), sizeof(v));
    CHECK_EQ_LL(epoll_wait(outer, out, 4, -1), 1);
    CHECK_EQ_LL(epoll_wait(inner, out, 4, 0), 2);
    uint64_t seen = out[0].data.u64 + out[1].data.u64;
    CHECK_EQ_LL(seen, 100 + 102);
    struct signalfd_siginfo si;
    CHECK_EQ_LL(read(sfd, &si, sizeof(si)), sizeof(si));
    CHECK_EQ_LL(si.ssi_signo, SIGUSR1);
    CHECK_EQ_LL(read(efd, &v, sizeof(v)), sizeof(v));
    CHECK_EQ_LL(v, 3);
    CHECK_EQ_LL(epoll_wait(outer, out, 4, 0), 0);

    /* A signal sent by another process later wakes the nested wait. */
    start = now_ns();
    pid_t child = child_later(400, -1, SIGUSR1);
    CHECK_EQ_LL(epoll_wait(outer, out, 4, 5000), 1);
    check_elapsed(start, 400000000LL);
    CHECK_EQ_LL(read(sfd, &si, sizeof(si)), sizeof(si));
    child_reap(child);
    ASSERT(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    close(outer);
    close(inner);
    close(efd);
    close(tfd);
    close(sfd);
}

/* Another thread of the process makes the descriptor ready: poll and epoll_wait wake (exactly
 * after its sleep, under umbra). */
static void* add_later(void* arg) {
    struct timespec d = {0, 250000000};
    nanosleep(&d, NULL);
    uint64_t one = 1;
    return write(*(int*)arg, &one, sizeof(one)) == sizeof(one) ? NULL : arg;
}

static void test_threads(void) {
    int efd = eventfd(0, EFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(efd >= 0 && ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 3};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
    for (int round = 0; round < 2; round++) {
        long long start = now_ns();
        pthread_t t;
        ASSERT(pthread_create(&t, NULL, add_later, &efd) == 0);
        if (round == 0) {
            CHECK_EQ_LL(epoll_wait(ep, &ev, 1, -1), 1);
            CHECK(ev.data.u64 == 3);
        } else {
            struct pollfd f = {.fd = efd, .events = POLLIN};
            CHECK_EQ_LL(poll(&f, 1, 5000), 1);
            CHECK_EQ_LL(f.revents, POLLIN);
        }
        check_elapsed(start, 250000000LL);
        void* rv = &rv;
        CHECK(pthread_join(t, &rv) == 0 && rv == NULL);
        uint64_t v;
        CHECK_EQ_LL(read(efd, &v, sizeof(v)), sizeof(v));
    }
    close(ep);
    close(efd);
}

/* epoll_pwait's mask and epoll_pwait2's timespec timeout. */
static void test_pwait(void) {
    struct sigaction sa = {.sa_handler = on_usr2};
    ASSERT(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t usr2, none, old;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigemptyset(&none);
    int p[2];
    ASSERT(pipe(p) == 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
    struct epoll_event out[2];

    /* Blocked outside, let through by the call's mask: EINTR after the sender's sleep. */
    ASSERT(sigprocmask(SIG_BLOCK, &usr2, &old) == 0);
    long long start = now_ns();
    pid_t child = child_later(300, -1, SIGUSR2);
    CHECK_ERRNO(epoll_pwait(ep, out, 2, 5000, &none), EINTR);
    check_elapsed(start, 300000000LL);
    CHECK_EQ_LL(usr2_count, 1);
    child_reap(child);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGUSR2));
    /* Already pending when the call starts: EINTR at once. */
    CHECK(raise(SIGUSR2) == 0);
    start = now_ns();
    CHECK_ERRNO(epoll_pwait(ep, out, 2, 5000, &none), EINTR);
    CHECK(now_ns() - start < 100000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 0);
    }
    CHECK_EQ_LL(usr2_count, 2);
    usr2_count = 1;

    /* Let through outside, held by the call's mask: the wait times out, then the handler runs. */
    ASSERT(sigprocmask(SIG_SETMASK, &none, NULL) == 0);
    start = now_ns();
    child = child_later(100, -1, SIGUSR2);
    CHECK_EQ_LL(epoll_pwait(ep, out, 2, 500, &usr2), 0);
    check_elapsed(start, 500000000LL);
    CHECK_EQ_LL(usr2_count, 2);
    child_reap(child);

    /* Plain epoll_wait is interrupted by a caught signal. */
    start = now_ns();
    child = child_later(200, -1, SIGUSR2);
    CHECK_ERRNO(epoll_wait(ep, out, 2, -1), EINTR);
    check_elapsed(start, 200000000LL);
    CHECK_EQ_LL(usr2_count, 3);
    child_reap(child);

    /* epoll_pwait2: a timespec timeout, exact under umbra, not written back; NULL waits forever
     * (here until a write 600 ms later); a zero timeout returns at once. */
    struct timespec ts = {0, 350000000};
    start = now_ns();
    CHECK_EQ_LL(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8), 0);
    check_elapsed(start, 350000000LL);
    CHECK_EQ_LL(ts_ns(ts), 350000000LL);
    start = now_ns();
    child = child_later(600, p[1], 0);
    CHECK_EQ_LL(syscall(SYS_epoll_pwait2, ep, out, 2, NULL, &usr2, 8), 1);
    check_elapsed(start, 600000000LL);
    CHECK(out[0].data.u64 == 77);
    child_reap(child);
    char c;
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    ts = (struct timespec){0, 0};
    CHECK_EQ_LL(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8), 0);
    ts = (struct timespec){0, 1000000000};
    CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, NULL, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, out, 2, (void*)8, NULL, 8), EFAULT);
    /* Events outside user space; an unmapped user address fails only once an event is copied. */
    CHECK_ERRNO(syscall(SYS_epoll_wait, ep, (void*)~0xfffUL, 2, 0), EFAULT);
    start = now_ns();
    child = child_later(150, -1, SIGUSR2);
    ts = (struct timespec){5, 0};
    CHECK_ERRNO(syscall(SYS_epoll_pwait2, ep, out, 2, &ts, &none, 8), EINTR);
    check_elapsed(start, 150000000LL);
    CHECK_EQ_LL(usr2_count, 4);
    child_reap(child);
    ASSERT(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    close(ep);
    close(p[0]);
    close(p[1]);
}

int main(void) {
    test_flags();
    test_kinds();
    test_threads();
    test_pwait();
    test_done();
    return 0;
}
