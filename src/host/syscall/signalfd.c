/* signalfd and signalfd4 (see host/emulated_fd.h): the managed process holds a native eventfd at
 * the descriptor's number, readable while a signal of the mask is pending; reads come to umbra
 * (UMBRA_SYSCALL_SIGNALFD_READ), which takes those signals off the queues like sigtimedwait and
 * writes them as signalfd_siginfo records.
 *
 * The shim sends (fd, mask, size, flags, placeholder): fd -1 creates one on the placeholder
 * eventfd the shim just made; another fd changes the mask of the signalfd it is. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>

#include "host/syscall/syscall.h"

static SyscallReturn _signalfd_create(SyscallContext* ctx, int64_t flags) {
    int fd = (int)ctx->args[0];
    if ((uint64_t)ctx->args[2] != sizeof(uint64_t) || (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC))) {
        return syscall_done(-EINVAL);
    }
    uint64_t mask;
    if (process_readMemory(ctx->process, (uint64_t)ctx->args[1], &mask, sizeof(mask)) != 0) {
        return syscall_done(-EFAULT);
    }
    mask &= ~(SIGNAL_BIT(SIGKILL) | SIGNAL_BIT(SIGSTOP)); /* never read, as Linux */
    EmulatedFdSet* set = host_getEmulatedFds(ctx->host);
    EmulatedFd* efd;
    if (fd == -1) {
        int placeholder = (int)ctx->args[4];
        int dup = process_dupNativeFd(ctx->process, placeholder);
        if (dup < 0) {
            return syscall_done(dup);
        }
        efd = emulatedfdset_add(set, EMULATED_FD_SIGNALFD, dup);
        efd->owner = process_getVirtualPid(ctx->process);
        fd = placeholder;
    } else {
        efd = emulatedfdset_find(set, EMULATED_FD_SIGNALFD, process_getLiveNativeTid(ctx->process), fd);
        if (efd == NULL) {
            return syscall_done(-EINVAL); /* not a signalfd */
        }
    }
    efd->mask = mask;
    process_signalsChanged(ctx->process);
    return syscall_done(fd);
}

SyscallReturn syscallhandler_signalfd(SyscallContext* ctx) {
    return _signalfd_create(ctx, 0);
}

SyscallReturn syscallhandler_signalfd4(SyscallContext* ctx) {
    return _signalfd_create(ctx, (int32_t)ctx->args[3]);
}

/* The record a signalfd read gives for `info`, field by field as Linux fills it for each layout. */
static void _signalfd_record(const siginfo_t* info, struct signalfd_siginfo* out) {
    memset(out, 0, sizeof(*out));
    out->ssi_signo = (uint32_t)info->si_signo;
    out->ssi_errno = info->si_errno;
    out->ssi_code = info->si_code;
    if (info->si_code == SI_TIMER) {
        out->ssi_tid = (uint32_t)info->si_timerid;
        out->ssi_overrun = (uint32_t)info->si_overrun;
        out->ssi_int = info->si_int;
        out->ssi_ptr = (uint64_t)(uintptr_t)info->si_ptr;
        return;
    }
    out->ssi_pid = (uint32_t)info->si_pid;
    out->ssi_uid = info->si_uid;
    if (info->si_signo == SIGCHLD && info->si_code > 0 && info->si_code != SI_KERNEL) {
        out->ssi_status = info->si_status;
        out->ssi_utime = (uint64_t)info->si_utime;
        out->ssi_stime = (uint64_t)info->si_stime;
    } else if (info->si_code < 0) {
        out->ssi_int = info->si_int; /* sigqueue's value */
        out->ssi_ptr = (uint64_t)(uintptr_t)info->si_ptr;
    }
}

/* (fd, buf, len, nonblocking): as many pending signals of the mask as fit, or wait for one. */
SyscallReturn syscallhandler_umbraSignalfdRead(SyscallContext* ctx) {
    ManagedThread* t = ctx->thread;
    managedthread_setSigwaitSet(t, 0);
    EmulatedFd* efd = emulatedfdset_find(host_getEmulatedFds(ctx->host), EMULATED_FD_SIGNALFD,
                                         process_getLiveNativeTid(ctx->process), (int)ctx->args[0]);
    uint64_t buf = (uint64_t)ctx->args[1];
    uint64_t len = (uint64_t)ctx->args[2];
    if (efd == NULL) {
        return syscall_done(-EBADF);
    }
    if (len < sizeof(struct signalfd_siginfo)) {
        return syscall_done(-EINVAL);
    }
    uint64_t n = 0;
    while ((n + 1) * sizeof(struct signalfd_siginfo) <= len) {
        siginfo_t info;
        if (process_takeSignal(ctx->process, t, efd->mask, &info, false) == 0) {
            break;
        }
        struct signalfd_siginfo rec;
        _signalfd_record(&info, &rec);
        if (process_writeMemory(ctx->process, buf + n * sizeof(rec), &rec, sizeof(rec)) != 0) {
            return syscall_done(n > 0 ? (int64_t)(n * sizeof(rec)) : -EFAULT);
        }
        n++;
    }
    if (n > 0) {
        return syscall_done((int64_t)(n * sizeof(struct signalfd_siginfo)));
    }
    if (ctx->args[3] != 0) {
        return syscall_done(-EAGAIN);
    }
    managedthread_setSigwaitSet(t, efd->mask); /* a signal of the mask wakes it */
    return syscall_block(SIMTIME_INVALID);
}
