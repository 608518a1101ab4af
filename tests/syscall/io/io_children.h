/* Children that make something happen later, for the polling tests (test_poll.c,
 * test_epoll_flags.c): a waiter must be woken by another process after a known delay. */
#ifndef UMBRA_TESTS_SYSCALL_IO_CHILDREN_H_
#define UMBRA_TESTS_SYSCALL_IO_CHILDREN_H_

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

/* A child that writes one byte to `fd` after `ms` milliseconds, or sends `sig` to its parent. */
static inline pid_t child_later(int ms, int fd, int sig) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = ns_ts((long long)ms * 1000000LL);
        nanosleep(&d, NULL);
        if (sig != 0) {
            _exit(kill(parent, sig) == 0 ? 0 : 1);
        }
        _exit(write(fd, "x", 1) == 1 ? 0 : 1);
    }
    return child;
}

/* Waits for `child`, which must have exited with status 0. */
static inline void child_reap(pid_t child) {
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#endif
