/* Signals (issue 4): masks and pending signals, pause, sigsuspend, sigtimedwait, SA_RESTART vs
 * EINTR. A child process sends the signals after sleeping, so under umbra every wait lasts
 * exactly its simulated time. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static volatile sig_atomic_t caught[65];

static void handler(int sig) {
    caught[sig]++;
}

static void install(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    ASSERT(sigaction(sig, &sa, NULL) == 0);
}

static void setBlocked(int sig, int how) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ASSERT(sigprocmask(how, &set, NULL) == 0);
}

/* A child that sleeps `secs`, sends `sig` to the parent, sleeps `secs` again, then writes one
 * byte to `fd` if fd >= 0. */
static pid_t sender(int sig, unsigned secs, int fd) {
    pid_t parent = getpid();
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        sleep(secs);
        kill(parent, sig);
        if (fd >= 0) {
            sleep(secs);
            if (write(fd, "x", 1) != 1) {
                _exit(2);
            }
        }
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid) {
    int status = 0;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(ts);
}

static void test_blocked_then_unblocked(void) {
    install(SIGUSR1, 0);
    setBlocked(SIGUSR1, SIG_BLOCK);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK_EQ_LL(caught[SIGUSR1], 0);
    sigset_t pending;
    CHECK(sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGUSR1) == 1);
    setBlocked(SIGUSR1, SIG_UNBLOCK);
    CHECK_EQ_LL(caught[SIGUSR1], 1);
}

static void test_pause(void) {
    install(SIGUSR2, 0);
    caught[SIGUSR2] = 0;
    pid_t child = sender(SIGUSR2, 1, -1);
    CHECK_ERRNO(pause(), EINTR);
    CHECK_EQ_LL(caught[SIGUSR2], 1);
    reap(child);
}

static void test_sigsuspend(void) {
    caught[SIGUSR2] = 0;
    setBlocked(SIGUSR2, SIG_BLOCK);
    pid_t child = sender(SIGUSR2, 1, -1);
    sigset_t none;
    sigemptyset(&none);
    CHECK_ERRNO(sigsuspend(&none), EINTR);
    CHECK_EQ_LL(caught[SIGUSR2], 1);
    sigset_t now;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
    CHECK(sigismember(&now, SIGUSR2) == 1); /* the old mask is back */
    setBlocked(SIGUSR2, SIG_UNBLOCK);
    reap(child);
}

static void test_sigtimedwait(void) {
    caught[SIGUSR1] = 0;
    setBlocked(SIGUSR1, SIG_BLOCK);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    long long start = now_ns();
    pid_t child = sender(SIGUSR1, 1, -1);
    struct timespec five = {5, 0};
    siginfo_t info;
    CHECK_EQ_LL(sigtimedwait(&set, &info, &five), SIGUSR1);
    CHECK_EQ_LL(info.si_signo, SIGUSR1);
    CHECK_EQ_LL(caught[SIGUSR1], 0); /* taken, not handled */
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 1000000000LL);
    }
    reap(child);
    /* Nothing comes: EAGAIN after the timeout. */
    start = now_ns();
    struct timespec two = {2, 0};
    CHECK_ERRNO(sigtimedwait(&set, &info, &two), EAGAIN);
    CHECK(now_ns() - start >= 2000000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 2000000000LL);
    }
    setBlocked(SIGUSR1, SIG_UNBLOCK);
}

/* A read on an empty pipe interrupted by a handled signal restarts under SA_RESTART and fails
 * with EINTR without it. */
static void test_restart(int flags) {
    install(SIGUSR1, flags);
    caught[SIGUSR1] = 0;
    int fds[2];
    ASSERT(pipe(fds) == 0);
    pid_t child = sender(SIGUSR1, 1, fds[1]);
    char c = 0;
    if (flags & SA_RESTART) {
        CHECK_EQ_LL(read(fds[0], &c, 1), 1);
        CHECK(c == 'x');
    } else {
        CHECK_ERRNO(read(fds[0], &c, 1), EINTR);
    }
    CHECK_EQ_LL(caught[SIGUSR1], 1);
    reap(child);
    close(fds[0]);
    close(fds[1]);
}

/* pselect's mask is in force while it waits: SIGCHLD, blocked otherwise, interrupts it when a
 * child exits (make -j relies on this). */
static void test_pselect_mask(void) {
    install(SIGCHLD, 0);
    caught[SIGCHLD] = 0;
    setBlocked(SIGCHLD, SIG_BLOCK);
    long long start = now_ns();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        sleep(1);
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    struct timespec ten = {10, 0};
    CHECK_ERRNO(pselect(0, NULL, NULL, NULL, &ten, &none), EINTR);
    CHECK_EQ_LL(caught[SIGCHLD], 1);
    if (running_in_sim()) {
        CHECK_EQ_LL(now_ns() - start, 1000000000LL);
    }
    reap(child);
    setBlocked(SIGCHLD, SIG_UNBLOCK);
}

int main(void) {
    test_blocked_then_unblocked();
    test_pause();
    test_sigsuspend();
    test_sigtimedwait();
    test_restart(SA_RESTART);
    test_restart(0);
    test_pselect_mask();
    test_done();
    return 0;
}
