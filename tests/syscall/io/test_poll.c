/* poll, ppoll, select and pselect6 (issue 4) over every descriptor kind: pipe ends (POLLIN,
 * POLLOUT, POLLHUP once the writer closed, POLLERR on a write end whose reader closed), eventfd,
 * timerfd (readable after an expiry), signalfd (readable while a signal of its mask is pending), a
 * pidfd (readable once its process ended), a regular file (always ready), an invalid fd (POLLNVAL;
 * EBADF for select), a negative fd (ignored by poll); a zero timeout, a timeout that expires, an
 * infinite one woken by another process's write (both exact under umbra); a signal let through by
 * ppoll's and pselect6's mask (EINTR, also when already pending; sets left alone) or held by it
 * (delivered once the call returns); SA_RESTART does not restart them; the time left written back
 * into select's timeval and into the raw ppoll and pselect6 syscalls' timespec; invalid timeouts
 * (EINVAL) and pointers (EFAULT); as many entries as RLIMIT_NOFILE allows. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
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

static volatile sig_atomic_t usr2_count;

static void on_usr2(int sig) {
    (void)sig;
    usr2_count++;
}

/* Under umbra a wait lasts exactly as long as simulated time says; natively at least that. */
static void check_elapsed(long long start, long long want_ns) {
    long long took = now_ns() - start;
    CHECK(took >= want_ns - 1000000LL); /* the kernel's timer slack rounds the other way too */
    if (running_in_sim()) {
        CHECK_EQ_LL(took, want_ns);
    } else {
        CHECK(took < want_ns + 500000000LL);
    }
}

static void test_kinds(void) {
    int p[2];
    ASSERT(pipe(p) == 0);
    int efd = eventfd(0, EFD_CLOEXEC);
    ASSERT(efd >= 0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    ASSERT(tfd >= 0);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ASSERT(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    int sfd = signalfd(-1, &usr1, SFD_CLOEXEC);
    ASSERT(sfd >= 0);
    int file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ASSERT(file >= 0);

    /* Nothing readable yet: only the writable ends answer. */
    struct pollfd f[8] = {
        {.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT},
        {.fd = efd, .events = POLLIN},  {.fd = tfd, .events = POLLIN},
        {.fd = sfd, .events = POLLIN},  {.fd = file, .events = POLLIN | POLLOUT},
        {.fd = 999, .events = POLLIN},  {.fd = -1, .events = POLLIN, .revents = 0x7},
    };
    CHECK_EQ_LL(poll(f, 8, 0), 3);
    CHECK_EQ_LL(f[0].revents, 0);
    CHECK_EQ_LL(f[1].revents, POLLOUT);
    CHECK_EQ_LL(f[2].revents, 0);
    CHECK_EQ_LL(f[3].revents, 0);
    CHECK_EQ_LL(f[4].revents, 0);
    CHECK_EQ_LL(f[5].revents, POLLIN | POLLOUT); /* a regular file is always ready */
    CHECK_EQ_LL(f[6].revents, POLLNVAL);
    CHECK_EQ_LL(f[7].revents, 0); /* a negative fd is skipped and its revents cleared */

    /* Every kind made ready: all answer at once. */
    CHECK_EQ_LL(write(p[1], "a", 1), 1);
    uint64_t one = 1;
    CHECK_EQ_LL(write(efd, &one, sizeof(one)), sizeof(one));
    struct itimerspec arm = {.it_value = {0, 1000000}};
    CHECK(timerfd_settime(tfd, 0, &arm, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    long long start = now_ns();
    CHECK_EQ_LL(poll(&f[3], 1, 5000), 1); /* the timer expires 1 ms later */
    check_elapsed(start, 1000000LL);
    CHECK_EQ_LL(poll(f, 8, -1), 7);
    CHECK_EQ_LL(f[0].revents, POLLIN);
    CHECK_EQ_LL(f[1].revents, POLLOUT);
    CHECK_EQ_LL(f[2].revents, POLLIN);
    CHECK_EQ_LL(f[3].revents, POLLIN);
    CHECK_EQ_LL(f[4].revents, POLLIN);
    CHECK_EQ_LL(f[5].revents, POLLIN | POLLOUT);
    CHECK_EQ_LL(f[6].revents, POLLNVAL);

    /* select sees the same; an fd_set names only the ready ones afterwards. */
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    int fds[] = {p[0], efd, tfd, sfd, file};
    int maxfd = file;
    for (int i = 0; i < 5; i++) {
        FD_SET(fds[i], &rd);
        maxfd = fds[i] > maxfd ? fds[i] : maxfd;
    }
    FD_SET(p[1], &wr);
    FD_SET(file, &wr);
    struct timeval tv = {0, 0};
    CHECK_EQ_LL(select(maxfd + 1, &rd, &wr, NULL, &tv), 7);
    for (int i = 0; i < 5; i++) {
        CHECK(FD_ISSET(fds[i], &rd));
    }
    CHECK(FD_ISSET(p[1], &wr) && FD_ISSET(file, &wr) && !FD_ISSET(p[0], &wr));

    /* Drain them: only the pipe's write end and the file are left. */
    char c;
    uint64_t v;
    struct signalfd_siginfo si;
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    CHECK_EQ_LL(read(efd, &v, sizeof(v)), sizeof(v));
    CHECK_EQ_LL(read(tfd, &v, sizeof(v)), sizeof(v));
    CHECK_EQ_LL(v, 1);
    CHECK_EQ_LL(read(sfd, &si, sizeof(si)), sizeof(si));
    CHECK_EQ_LL(si.ssi_signo, SIGUSR1);
    for (int i = 0; i < 5; i++) {
        FD_SET(fds[i], &rd);
    }
    FD_SET(p[1], &wr);
    CHECK_EQ_LL(select(maxfd + 1, &rd, &wr, NULL, &tv), 3);
    CHECK(FD_ISSET(file, &rd) && !FD_ISSET(p[0], &rd) && !FD_ISSET(efd, &rd));
    CHECK(!FD_ISSET(tfd, &rd) && !FD_ISSET(sfd, &rd));
    CHECK(FD_ISSET(p[1], &wr) && FD_ISSET(file, &wr));

    /* An fd that is not open: POLLNVAL for poll, EBADF for select and pselect (a number beyond
     * the descriptor table's current size, like 999, is ignored by select). */
    int closed = dup(file);
    ASSERT(closed >= 0);
    close(closed);
    FD_ZERO(&rd);
    FD_SET(closed, &rd);
    CHECK_ERRNO(select(closed + 1, &rd, NULL, NULL, &tv), EBADF);
    struct timespec zero = {0, 0};
    CHECK_ERRNO(pselect(closed + 1, &rd, NULL, NULL, &zero, NULL), EBADF);
    CHECK_ERRNO(select(closed + 1, &rd, NULL, NULL, NULL), EBADF); /* does not wait */
    CHECK_ERRNO(select(-1, NULL, NULL, NULL, &tv), EINVAL);
    struct pollfd bad = {.fd = 999, .events = POLLIN};
    CHECK_EQ_LL(poll(&bad, 1, -1), 1); /* does not wait */
    CHECK_EQ_LL(bad.revents, POLLNVAL);

    /* Writer closed: POLLHUP (with POLLIN while data is left); reader closed: POLLERR. */
    int q[2];
    ASSERT(pipe(q) == 0);
    CHECK_EQ_LL(write(q[1], "b", 1), 1);
    close(q[1]);
    struct pollfd h = {.fd = q[0], .events = POLLIN};
    CHECK_EQ_LL(poll(&h, 1, -1), 1);
    CHECK_EQ_LL(h.revents, POLLIN | POLLHUP);
    CHECK_EQ_LL(read(q[0], &c, 1), 1);
    CHECK_EQ_LL(poll(&h, 1, -1), 1);
    CHECK_EQ_LL(h.revents, POLLHUP);
    h.events = 0; /* POLLHUP is reported even when not asked for */
    CHECK_EQ_LL(poll(&h, 1, -1), 1);
    CHECK_EQ_LL(h.revents, POLLHUP);
    FD_ZERO(&rd);
    FD_SET(q[0], &rd);
    CHECK_EQ_LL(select(q[0] + 1, &rd, NULL, NULL, NULL), 1); /* EOF is readable */
    close(q[0]);
    ASSERT(pipe(q) == 0);
    close(q[0]);
    h = (struct pollfd){.fd = q[1], .events = POLLOUT};
    CHECK_EQ_LL(poll(&h, 1, -1), 1);
    CHECK_EQ_LL(h.revents, POLLOUT | POLLERR);
    FD_ZERO(&wr);
    FD_SET(q[1], &wr);
    CHECK_EQ_LL(select(q[1] + 1, NULL, &wr, NULL, NULL), 1);
    close(q[1]);

    ASSERT(sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0);
    close(p[0]);
    close(p[1]);
    close(efd);
    close(tfd);
    close(sfd);
    close(file);
}

static void test_timeouts(void) {
    int p[2];
    ASSERT(pipe(p) == 0);
    struct pollfd f = {.fd = p[0], .events = POLLIN};
    fd_set rd;

    /* A zero timeout returns at once. */
    long long start = now_ns();
    CHECK_EQ_LL(poll(&f, 1, 0), 0);
    struct timespec zero = {0, 0};
    CHECK_EQ_LL(ppoll(&f, 1, &zero, NULL), 0);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {0, 0};
    CHECK_EQ_LL(select(p[0] + 1, &rd, NULL, NULL, &tv), 0);
    CHECK(!FD_ISSET(p[0], &rd));
    CHECK(now_ns() - start < 100000000LL);

    /* A timeout that expires: exactly the timeout under umbra; select has no time left. */
    start = now_ns();
    CHECK_EQ_LL(poll(&f, 1, 300), 0);
    check_elapsed(start, 300000000LL);
    struct timespec ts = {0, 250000000};
    start = now_ns();
    CHECK_EQ_LL(ppoll(&f, 1, &ts, NULL), 0);
    check_elapsed(start, 250000000LL);
    FD_SET(p[0], &rd);
    tv = (struct timeval){0, 200000};
    start = now_ns();
    CHECK_EQ_LL(select(p[0] + 1, &rd, NULL, NULL, &tv), 0);
    check_elapsed(start, 200000000LL);
    CHECK(!FD_ISSET(p[0], &rd));
    CHECK_EQ_LL(tv.tv_sec, 0);
    CHECK_EQ_LL(tv.tv_usec, 0);
    FD_SET(p[0], &rd);
    ts = (struct timespec){0, 150000000};
    start = now_ns();
    CHECK_EQ_LL(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL), 0);
    check_elapsed(start, 150000000LL);
    CHECK_EQ_LL(ts.tv_nsec, 150000000); /* glibc's pselect passes a copy: ts stays */

    /* No timeout, woken by another process's write one second later (exact under umbra). */
    start = now_ns();
    pid_t child = child_later(1000, p[1], 0);
    CHECK_EQ_LL(poll(&f, 1, -1), 1);
    CHECK_EQ_LL(f.revents, POLLIN);
    check_elapsed(start, 1000000000LL);
    child_reap(child);
    char c;
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    start = now_ns();
    child = child_later(500, p[1], 0);
    FD_SET(p[0], &rd);
    CHECK_EQ_LL(select(p[0] + 1, &rd, NULL, NULL, NULL), 1);
    CHECK(FD_ISSET(p[0], &rd));
    check_elapsed(start, 500000000LL);
    child_reap(child);
    CHECK_EQ_LL(read(p[0], &c, 1), 1);

    /* Two processes wait for one pipe and one byte arrives: both may wake, one reads it, and the
     * other, finding nothing, waits on (a poll with no timeout never returns 0) for the second. */
    int flags = fcntl(p[0], F_GETFL);
    ASSERT(fcntl(p[0], F_SETFL, flags | O_NONBLOCK) == 0);
    pid_t waiters[2];
    for (int i = 0; i < 2; i++) {
        waiters[i] = fork();
        ASSERT(waiters[i] >= 0);
        if (waiters[i] == 0) {
            for (;;) {
                if (poll(&f, 1, -1) != 1) {
                    _exit(2);
                }
                if (read(p[0], &c, 1) == 1) {
                    _exit(0);
                }
            }
        }
    }
    struct timespec pause_ts = {0, 100000000};
    nanosleep(&pause_ts, NULL);
    CHECK_EQ_LL(write(p[1], "1", 1), 1);
    nanosleep(&pause_ts, NULL);
    CHECK_EQ_LL(write(p[1], "2", 1), 1);
    child_reap(waiters[0]);
    child_reap(waiters[1]);
    ASSERT(fcntl(p[0], F_SETFL, flags) == 0);

    /* The time left is written back into select's timeval (Linux, not POSIX) and into the raw
     * ppoll and pselect6 syscalls' timespec: 5 s - 400 ms. */
    start = now_ns();
    child = child_later(400, p[1], 0);
    FD_SET(p[0], &rd);
    tv = (struct timeval){5, 0};
    CHECK_EQ_LL(select(p[0] + 1, &rd, NULL, NULL, &tv), 1);
    long long left = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
    CHECK(left <= 4600000000LL && left > 4000000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(left, 4600000000LL);
    }
    child_reap(child);
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    start = now_ns();
    child = child_later(300, p[1], 0);
    ts = (struct timespec){5, 0};
    CHECK_EQ_LL(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), 1);
    left = ts_ns(ts);
    CHECK(left <= 4700000000LL && left > 4100000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(left, 4700000000LL);
    }
    child_reap(child);
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    start = now_ns();
    child = child_later(200, p[1], 0);
    ts = (struct timespec){5, 0};
    FD_SET(p[0], &rd);
    CHECK_EQ_LL(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL), 1);
    left = ts_ns(ts);
    CHECK(left <= 4800000000LL && left > 4200000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(left, 4800000000LL);
    }
    child_reap(child);
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    /* Ready at once: nothing of the timeout used. */
    CHECK_EQ_LL(write(p[1], "y", 1), 1);
    ts = (struct timespec){2, 0};
    CHECK_EQ_LL(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), 1);
    CHECK(ts_ns(ts) > 1900000000LL && ts_ns(ts) <= 2000000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(ts_ns(ts), 2000000000LL);
    }
    /* Expired: nothing left. */
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    ts = (struct timespec){0, 50000000};
    CHECK_EQ_LL(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), 0);
    CHECK_EQ_LL(ts_ns(ts), 0);

    /* Invalid timeouts: EINVAL before anything else. The raw select normalises its timeval
     * first, so {-1 s, 1.1e6 us} is a valid 100 ms. */
    ts = (struct timespec){0, 1000000000};
    CHECK_ERRNO(ppoll(&f, 1, &ts, NULL), EINVAL);
    ts = (struct timespec){-1, 0};
    CHECK_ERRNO(syscall(SYS_ppoll, &f, 1, &ts, NULL, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL), EINVAL);
    tv = (struct timeval){0, -1};
    CHECK_ERRNO(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), EINVAL);
    tv = (struct timeval){-1, 1100000};
    FD_SET(p[0], &rd);
    start = now_ns();
    CHECK_EQ_LL(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), 0);
    check_elapsed(start, 100000000LL);
    CHECK_EQ_LL(tv.tv_sec, 0);
    CHECK_EQ_LL(tv.tv_usec, 0);
    /* Bad pointers: EFAULT. A timeout in read-only memory is used, and the time left silently not
     * written back. */
    void* bad = (void*)8;
    CHECK_ERRNO(syscall(SYS_poll, bad, 1, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_ppoll, &f, 1, bad, NULL, 8), EFAULT);
    FD_SET(p[0], &rd);
    CHECK_ERRNO(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, bad, NULL), EFAULT);
    CHECK_ERRNO(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, bad), EFAULT);
    tv = (struct timeval){0, 0};
    CHECK_ERRNO(syscall(SYS_select, p[0] + 1, bad, NULL, NULL, &tv), EFAULT);
    CHECK_ERRNO(syscall(SYS_select, p[0] + 1, NULL, bad, NULL, NULL), EFAULT);
    ts = (struct timespec){0, 0};
    CHECK_ERRNO(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, bad), EFAULT);
    static const struct timespec ro_ts = {0, 30000000};
    start = now_ns();
    CHECK_EQ_LL(syscall(SYS_ppoll, &f, 1, &ro_ts, NULL, 8), 0);
    check_elapsed(start, 30000000LL);
    static const struct timeval ro_tv = {0, 20000};
    start = now_ns();
    CHECK_EQ_LL(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &ro_tv), 0);
    check_elapsed(start, 20000000LL);
    /* select(0, NULL, NULL, NULL, &tv): the old way to sleep. */
    tv = (struct timeval){0, 70000};
    start = now_ns();
    CHECK_EQ_LL(select(0, NULL, NULL, NULL, &tv), 0);
    check_elapsed(start, 70000000LL);

    /* An nfds beyond FD_SETSIZE with sets that large: numbers past the descriptor table are
     * ignored, the rest waited for. */
    unsigned long big[2048 / 64] = {0};
    big[p[0] / 64] |= 1UL << (p[0] % 64);
    tv = (struct timeval){0, 120000};
    start = now_ns();
    CHECK_EQ_LL(select(2048, (fd_set*)big, NULL, NULL, &tv), 0);
    check_elapsed(start, 120000000LL);
    CHECK_EQ_LL(big[p[0] / 64], 0);
    CHECK_EQ_LL(write(p[1], "z", 1), 1);
    big[p[0] / 64] |= 1UL << (p[0] % 64);
    CHECK_EQ_LL(select(2048, (fd_set*)big, NULL, NULL, NULL), 1);
    CHECK(big[p[0] / 64] == 1UL << (p[0] % 64));
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    close(p[0]);
    close(p[1]);
}

/* A pidfd polls readable once its process has ended (exactly when, under umbra), and also
 * POLLHUP once it has been reaped. */
static void test_pidfd(void) {
    long long start = now_ns();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct timespec d = {0, 300000000};
        nanosleep(&d, NULL);
        _exit(0);
    }
    int pfd = (int)syscall(SYS_pidfd_open, child, 0);
    ASSERT(pfd >= 0);
    struct pollfd f = {.fd = pfd, .events = POLLIN};
    CHECK_EQ_LL(poll(&f, 1, 0), 0);
    CHECK_EQ_LL(poll(&f, 1, -1), 1);
    check_elapsed(start, 300000000LL);
    if (running_in_sim()) {
        /* umbra reaps the native process as soon as it ends (the virtual zombie is umbra's),
         * and the pidfd is the kernel's, on the native process: it shows the reap at once. */
        CHECK_EQ_LL(f.revents, POLLIN | POLLHUP);
    } else {
        CHECK_EQ_LL(f.revents, POLLIN); /* a zombie: ended, not yet reaped */
    }
    child_reap(child);
    CHECK_EQ_LL(poll(&f, 1, 0), 1);
    CHECK_EQ_LL(f.revents, POLLIN | POLLHUP);
    close(pfd);
}

/* poll takes as many entries as RLIMIT_NOFILE allows, and no more (EINVAL). */
static void test_many(void) {
    enum { N = 5000 };
    struct rlimit old, lim;
    ASSERT(getrlimit(RLIMIT_NOFILE, &old) == 0);
    lim = old;
    lim.rlim_cur = N;
    if (lim.rlim_max < N) {
        lim.rlim_max = N; /* needs CAP_SYS_RESOURCE */
    }
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        printf("test_many skipped: RLIMIT_NOFILE cannot reach %d\n", N);
        return;
    }
    int p[2];
    ASSERT(pipe(p) == 0);
    static struct pollfd f[N + 1];
    for (int i = 0; i < N + 1; i++) {
        f[i] = (struct pollfd){.fd = -1, .events = POLLIN};
    }
    f[N - 1].fd = p[0];
    long long start = now_ns();
    CHECK_EQ_LL(poll(f, N, 100), 0);
    check_elapsed(start, 100000000LL);
    start = now_ns();
    pid_t child = child_later(200, p[1], 0);
    CHECK_EQ_LL(poll(f, N, -1), 1);
    CHECK_EQ_LL(f[N - 1].revents, POLLIN);
    check_elapsed(start, 200000000LL);
    child_reap(child);
    CHECK_ERRNO(poll(f, N + 1, 0), EINVAL);
    close(p[0]);
    close(p[1]);
    ASSERT(setrlimit(RLIMIT_NOFILE, &old) == 0);
}

/* ppoll and pselect6 with a mask: a signal the mask lets through ends the wait with EINTR (its
 * handler runs; select's sets are left as they were); one it blocks waits until the call returns,
 * then is delivered under the old mask. */
static void test_masks(void) {
    struct sigaction sa = {.sa_handler = on_usr2}; /* no SA_RESTART: poll never restarts anyway */
    ASSERT(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t usr2, none, old;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigemptyset(&none);
    int p[2];
    ASSERT(pipe(p) == 0);
    struct pollfd f = {.fd = p[0], .events = POLLIN};

    /* Blocked outside the call, let through inside it. */
    ASSERT(sigprocmask(SIG_BLOCK, &usr2, &old) == 0);
    long long start = now_ns();
    pid_t child = child_later(500, -1, SIGUSR2);
    struct timespec ts = {5, 0};
    usr2_count = 0;
    CHECK_ERRNO(ppoll(&f, 1, &ts, &none), EINTR);
    CHECK_EQ_LL(usr2_count, 1);
    check_elapsed(start, 500000000LL);
    child_reap(child);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGUSR2)); /* restored */

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    start = now_ns();
    child = child_later(300, -1, SIGUSR2);
    ts = (struct timespec){5, 0};
    CHECK_ERRNO(pselect(p[0] + 1, &rd, NULL, NULL, &ts, &none), EINTR);
    CHECK_EQ_LL(usr2_count, 2);
    CHECK(FD_ISSET(p[0], &rd)); /* Linux leaves the sets alone on EINTR */
    check_elapsed(start, 300000000LL);
    child_reap(child);
    /* The raw pselect6 writes the time left back on EINTR too. */
    start = now_ns();
    child = child_later(200, -1, SIGUSR2);
    ts = (struct timespec){5, 0};
    struct {
        const sigset_t* set;
        size_t size;
    } sig = {&none, 8};
    CHECK_ERRNO(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &sig), EINTR);
    CHECK_EQ_LL(usr2_count, 3);
    CHECK(ts_ns(ts) <= 4800000000LL && ts_ns(ts) > 4200000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(ts_ns(ts), 4800000000LL);
    }
    child_reap(child);

    /* Already pending when the call starts: EINTR at once, unless a descriptor is ready, which
     * wins; the signal then stays pending under the old mask. */
    CHECK(raise(SIGUSR2) == 0);
    start = now_ns();
    ts = (struct timespec){5, 0};
    CHECK_ERRNO(ppoll(&f, 1, &ts, &none), EINTR);
    CHECK_EQ_LL(usr2_count, 4);
    CHECK(raise(SIGUSR2) == 0);
    FD_SET(p[0], &rd);
    CHECK_ERRNO(pselect(p[0] + 1, &rd, NULL, NULL, &ts, &none), EINTR);
    CHECK_EQ_LL(usr2_count, 5);
    CHECK(now_ns() - start < 100000000LL);
    CHECK_EQ_LL(write(p[1], "r", 1), 1);
    CHECK(raise(SIGUSR2) == 0);
    CHECK_EQ_LL(ppoll(&f, 1, &ts, &none), 1);
    CHECK_EQ_LL(usr2_count, 5);
    sigset_t pending;
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR2));
    char c;
    CHECK_EQ_LL(read(p[0], &c, 1), 1);
    CHECK_ERRNO(ppoll(&f, 1, &ts, &none), EINTR); /* now it is taken */
    CHECK_EQ_LL(usr2_count, 6);
    usr2_count = 3;

    /* Let through outside the call, blocked inside it: the call times out, then the handler
     * runs as the old mask comes back. */
    ASSERT(sigprocmask(SIG_SETMASK, &none, NULL) == 0);
    start = now_ns();
    child = child_later(100, -1, SIGUSR2);
    ts = (struct timespec){0, 600000000};
    CHECK_EQ_LL(ppoll(&f, 1, &ts, &usr2), 0);
    check_elapsed(start, 600000000LL);
    CHECK_EQ_LL(usr2_count, 4);
    child_reap(child);
    start = now_ns();
    child = child_later(100, -1, SIGUSR2);
    ts = (struct timespec){0, 400000000};
    FD_SET(p[0], &rd);
    CHECK_EQ_LL(pselect(p[0] + 1, &rd, NULL, NULL, &ts, &usr2), 0);
    check_elapsed(start, 400000000LL);
    CHECK_EQ_LL(usr2_count, 5);
    child_reap(child);

    /* Blocked both inside and outside: it stays pending until unblocked. */
    ASSERT(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0);
    child = child_later(100, -1, SIGUSR2);
    ts = (struct timespec){0, 300000000};
    CHECK_EQ_LL(ppoll(&f, 1, &ts, &usr2), 0);
    child_reap(child);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR2));
    CHECK_EQ_LL(usr2_count, 5);
    ASSERT(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    CHECK_EQ_LL(usr2_count, 6);

    /* Plain poll and select are interrupted by a caught signal, even one whose handler has
     * SA_RESTART: Linux never restarts them after a handler. */
    start = now_ns();
    child = child_later(200, -1, SIGUSR2);
    CHECK_ERRNO(poll(&f, 1, 5000), EINTR);
    check_elapsed(start, 200000000LL);
    CHECK_EQ_LL(usr2_count, 7);
    child_reap(child);
    sa.sa_flags = SA_RESTART;
    ASSERT(sigaction(SIGUSR2, &sa, NULL) == 0);
    child = child_later(100, -1, SIGUSR2);
    CHECK_ERRNO(poll(&f, 1, -1), EINTR);
    CHECK_EQ_LL(usr2_count, 8);
    child_reap(child);
    child = child_later(100, -1, SIGUSR2);
    FD_SET(p[0], &rd);
    CHECK_ERRNO(select(p[0] + 1, &rd, NULL, NULL, NULL), EINTR);
    CHECK_EQ_LL(usr2_count, 9);
    child_reap(child);
    child = child_later(100, -1, SIGUSR2);
    CHECK_ERRNO(ppoll(&f, 1, NULL, &none), EINTR);
    CHECK_EQ_LL(usr2_count, 10);
    child_reap(child);
    close(p[0]);
    close(p[1]);
}

int main(void) {
    test_kinds();
    test_timeouts();
    test_many();
    test_pidfd();
    test_masks();
    test_done();
    return 0;
}
