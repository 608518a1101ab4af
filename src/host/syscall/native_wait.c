/* Waiting on native descriptors (UMBRA_SYSCALL_NATIVE_WAIT): pipes, terminals and other
 * descriptors that umbra does not emulate yet, and poll/select over them. Arguments: (pollfd array,
 * count, timeout in ns or -1, restartable, has mask, mask).
 *
 * A native call that blocks would stall its host: umbra runs one thread of a host at a time, so
 * the peer that would make the descriptor ready never runs. The shim therefore first polls
 * natively without waiting, and only when nothing is ready sends (pollfd array, count, timeout in
 * ns or -1). umbra duplicates the descriptors into itself (pidfd_getfd) and parks the thread until
 * one polls ready, which it checks after every run of a thread of the host (only those threads
 * can change them), or until the timeout passes in simulated time. The answer is 0: the shim then
 * repeats its native call without waiting. */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/syscall/syscall.h"

/* The shim's native try has already held the count to the caller's RLIMIT_NOFILE (EINVAL); this
 * only bounds the copy, at the kernel's default nr_open. */
#define NATIVE_WAIT_MAX_FDS (1u << 20)

static int _nativewait_start(SyscallContext* ctx) {
    uint64_t addr = (uint64_t)ctx->args[0];
    uint64_t n = (uint64_t)ctx->args[1];
    if (n > NATIVE_WAIT_MAX_FDS) {
        return -EINVAL;
    }
    struct pollfd* fds = g_new0(struct pollfd, n + 1);
    if (process_readMemory(ctx->process, addr, fds, n * sizeof(struct pollfd)) != 0) {
        g_free(fds);
        return -EFAULT;
    }
    int pidfd = process_openNativePidfd(ctx->process);
    for (uint64_t i = 0; i < n; i++) {
        int fd = fds[i].fd;
        fds[i].fd = (pidfd >= 0 && fd >= 0) ? (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0) : -1;
        fds[i].revents = 0;
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    managedthread_setNativeWait(ctx->thread, fds, (nfds_t)n);
    if (ctx->args[4] != 0) {
        /* ppoll and pselect6: their signal mask is in force while they wait. */
        managedthread_setTemporaryMask(ctx->thread, (uint64_t)ctx->args[5]);
    }
    int64_t timeout = ctx->args[2];
    managedthread_getScratch(ctx->thread)->deadline =
        timeout >= 0 ? ctx->now + (SimTime)timeout : SIMTIME_INVALID;
    return 0;
}

SyscallReturn syscallhandler_umbraNativeWait(SyscallContext* ctx) {
    if (!managedthread_hasNativeWait(ctx->thread)) {
        int rv = _nativewait_start(ctx);
        if (rv != 0) {
            return syscall_done(rv);
        }
        /* A signal already pending that the call's mask lets through ends it at once, as in
         * Linux (nothing was ready: the shim tried first); the completion raises it under that
         * mask. Later signals interrupt the wait in the dispatcher. */
        uint64_t deliverable = process_getPendingSignals(ctx->process, ctx->thread) &
                               ~managedthread_getSignalMask(ctx->thread);
        if (ctx->args[4] != 0 && deliverable != 0) {
            return syscall_done(-EINTR);
        }
    }
    SimTime deadline = managedthread_getScratch(ctx->thread)->deadline;
    if (managedthread_isNativeWaitReady(ctx->thread) ||
        (deadline != SIMTIME_INVALID && ctx->now >= deadline)) {
        return syscall_done(0);
    }
    return syscall_block(deadline);
}
