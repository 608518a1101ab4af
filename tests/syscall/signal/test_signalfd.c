/* signalfd and signalfd4 (issue 4): a signalfd reads the pending signals of its mask as
 * signalfd_siginfo records (sender, code, sigqueue value, SIGCHLD status), in the order they would
 * be delivered; it polls readable while one is pending (poll, epoll); a blocking read waits for
 * one; its mask can be changed; flags, sizes and writes are checked as Linux does. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static bool readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGRTMIN);
    sigaddset(&mask, SIGCHLD);
    ASSERT(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);

    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    ASSERT(sfd >= 0);
    CHECK_EQ_LL(fcntl(sfd, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(sfd, F_GETFL) & O_NONBLOCK);
    struct signalfd_siginfo rec[4];
    CHECK_ERRNO(read(sfd, rec, sizeof(rec)), EAGAIN);
    CHECK(!readable(sfd));

    /* One signal: readable, read once, then empty again. */
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(readable(sfd));
    CHECK_ERRNO(read(sfd, rec, sizeof(rec[0]) - 1), EINVAL);
    CHECK_EQ_LL(read(sfd, rec, sizeof(rec)), sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGUSR1);
    CHECK_EQ_LL(rec[0].ssi_code, SI_USER);
    CHECK_EQ_LL(rec[0].ssi_pid, getpid());
    CHECK_EQ_LL(rec[0].ssi_uid, getuid());
    CHECK(!readable(sfd));
    sigset_t pending;
    CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR1)); /* consumed */

    /* Queued real-time signals, several per read, in order, with their values. */
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 5}) == 0);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 6}) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK_EQ_LL(read(sfd, rec, sizeof(rec)), 3 * sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGUSR1);
    CHECK_EQ_LL(rec[1].ssi_signo, SIGRTMIN);
    CHECK_EQ_LL(rec[1].ssi_code, SI_QUEUE);
    CHECK_EQ_LL(rec[1].ssi_int, 5);
    CHECK_EQ_LL(rec[2].ssi_int, 6);

    /* A signal outside the mask is not read; changing the mask changes that. */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    ASSERT(sigprocmask(SIG_BLOCK, &usr2, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    CHECK(!readable(sfd));
    CHECK_EQ_LL(signalfd(sfd, &usr2, 0), sfd);
    CHECK(readable(sfd));
    CHECK_EQ_LL(read(sfd, rec, sizeof(rec)), sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGUSR2);
    CHECK_EQ_LL(rec[0].ssi_code, SI_TKILL);
    CHECK_EQ_LL(signalfd(sfd, &mask, 0), sfd);

    /* epoll sees it. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    ASSERT(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == 0);
    CHECK_EQ_LL(epoll_wait(ep, &ev, 1, 0), 0);

    /* A child's exit, through SIGCHLD: waited for with epoll, then read. */
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct timespec ms = {0, 10000000};
        nanosleep(&ms, NULL);
        _exit(9);
    }
    CHECK_EQ_LL(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ_LL(read(sfd, rec, sizeof(rec)), sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGCHLD);
    CHECK_EQ_LL(rec[0].ssi_code, CLD_EXITED);
    CHECK_EQ_LL(rec[0].ssi_pid, child);
    CHECK_EQ_LL(rec[0].ssi_status, 9);
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    close(ep);

    /* A blocking signalfd waits for a signal sent later by another process. */
    int bfd = signalfd(-1, &mask, 0);
    ASSERT(bfd >= 0);
    pid_t parent = getpid();
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct timespec ms = {0, 20000000};
        nanosleep(&ms, NULL);
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    }
    CHECK_EQ_LL(read(bfd, rec, sizeof(rec[0])), sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGUSR1);
    CHECK_EQ_LL(rec[0].ssi_pid, child);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the child's SIGCHLD is pending now: drain it */
    CHECK_EQ_LL(read(bfd, rec, sizeof(rec)), sizeof(rec[0]));
    CHECK_EQ_LL(rec[0].ssi_signo, SIGCHLD);

    /* A duplicate is the same signalfd. */
    int dfd = dup(sfd);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(readable(dfd));
    CHECK_EQ_LL(read(dfd, rec, sizeof(rec)), sizeof(rec[0]));
    CHECK(!readable(sfd));
    close(dfd);

    /* Errors. */
    CHECK_ERRNO(write(sfd, rec, sizeof(rec[0])), EINVAL);
    CHECK_ERRNO(signalfd(-1, &mask, 0x1), EINVAL);
    CHECK_ERRNO(syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
    int pfd[2];
    ASSERT(pipe(pfd) == 0);
    CHECK_ERRNO(signalfd(pfd[0], &mask, 0), EINVAL); /* not a signalfd */
    CHECK_ERRNO(signalfd(1000, &mask, 0), EBADF);
    close(pfd[0]);
    close(pfd[1]);
    close(bfd);
    close(sfd);
    test_done();
    return 0;
}
