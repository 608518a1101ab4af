/* Signal dispositions: rt_sigaction is recorded (umbra needs to know which signals are ignored,
 * caught, and restart interrupted calls) and then installed natively by the shim, which keeps
 * SIGSYS for itself. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "host/syscall/syscall.h"

/* The kernel's struct sigaction. */
typedef struct {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
} KernelSigaction;

SyscallReturn syscallhandler_rt_sigaction(SyscallContext* ctx) {
    int sig = (int)ctx->args[0];
    uint64_t act_addr = (uint64_t)ctx->args[1];
    if (act_addr != 0 && sig > 0 && sig <= 64 && sig != SIGKILL && sig != SIGSTOP) {
        KernelSigaction act;
        if (process_readMemory(ctx->process, act_addr, &act, sizeof(act)) != 0) {
            return syscall_done(-EFAULT);
        }
        SignalActionKind kind = act.handler == (uint64_t)(uintptr_t)SIG_DFL   ? SIGNAL_ACTION_DEFAULT
                                : act.handler == (uint64_t)(uintptr_t)SIG_IGN ? SIGNAL_ACTION_IGNORE
                                                                              : SIGNAL_ACTION_HANDLER;
        process_setSignalAction(ctx->process, sig, kind, act.flags);
    }
    return syscall_native(); /* the kernel checks the rest and installs it */
}

#define SIGNAL_SET_SIZE 8 /* sizeof the kernel's sigset_t on x86-64 */

/* Reads a sigset_t argument; `size` must be the kernel's. */
static int _signal_readSet(SyscallContext* ctx, uint64_t addr, uint64_t size, uint64_t* set) {
    if (size != SIGNAL_SET_SIZE) {
        return -EINVAL;
    }
    return process_readMemory(ctx->process, addr, set, sizeof(*set)) == 0 ? 0 : -EFAULT;
}

/* Recorded, then applied natively by the shim (which keeps SIGSYS out of it). */
SyscallReturn syscallhandler_rt_sigprocmask(SyscallContext* ctx) {
    int how = (int)ctx->args[0];
    uint64_t set_addr = (uint64_t)ctx->args[1];
    if (set_addr == 0) {
        return syscall_native(); /* a query */
    }
    uint64_t set;
    int rv = _signal_readSet(ctx, set_addr, (uint64_t)ctx->args[3], &set);
    if (rv != 0) {
        return syscall_done(rv);
    }
    uint64_t mask = managedthread_getSignalMask(ctx->thread);
    switch (how) {
        case SIG_BLOCK: mask |= set; break;
        case SIG_UNBLOCK: mask &= ~set; break;
        case SIG_SETMASK: mask = set; break;
        default: return syscall_done(-EINVAL);
    }
    managedthread_setSignalMask(ctx->thread, mask);
    return syscall_native();
}

SyscallReturn syscallhandler_rt_sigpending(SyscallContext* ctx) {
    if ((uint64_t)ctx->args[1] != SIGNAL_SET_SIZE) {
        return syscall_done(-EINVAL);
    }
    uint64_t set = process_getPendingSignals(ctx->process, ctx->thread) &
                   managedthread_getSignalMask(ctx->thread);
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[0], &set, sizeof(set)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* pause: until a signal interrupts it (the dispatcher answers EINTR). */
SyscallReturn syscallhandler_pause(SyscallContext* ctx) {
    return syscall_block(SIMTIME_INVALID);
}

/* rt_sigsuspend: wait under a temporary mask until a signal it lets through arrives; that signal is
 * delivered under the temporary mask (the shim keeps it in place natively until the handler has
 * run), then the old mask comes back. Always EINTR. */
SyscallReturn syscallhandler_rt_sigsuspend(SyscallContext* ctx) {
    if (ctx->wake == WAKE_NONE) {
        uint64_t mask;
        int rv = _signal_readSet(ctx, (uint64_t)ctx->args[0], (uint64_t)ctx->args[1], &mask);
        if (rv != 0) {
            return syscall_done(rv);
        }
        managedthread_setTemporaryMask(ctx->thread, mask);
    }
    /* A pending signal the temporary mask lets through ends it at once; the completion raises
     * it under that mask. Otherwise wait for one (the dispatcher answers EINTR). */
    uint64_t deliverable = process_getPendingSignals(ctx->process, ctx->thread) &
                           ~managedthread_getSignalMask(ctx->thread);
    if (deliverable != 0) {
        return syscall_done(-EINTR);
    }
    return syscall_block(SIMTIME_INVALID);
}

/* rt_sigtimedwait(set, info, timeout, size): takes a pending signal of `set` (normally blocked)
 * without running a handler; waits for one until the timeout (EAGAIN); another signal that is
 * not blocked interrupts it (EINTR). */
SyscallReturn syscallhandler_rt_sigtimedwait(SyscallContext* ctx) {
    ManagedThread* t = ctx->thread;
    SyscallScratch* scratch = managedthread_getScratch(t);
    uint64_t set;
    int rv = _signal_readSet(ctx, (uint64_t)ctx->args[0], (uint64_t)ctx->args[3], &set);
    if (rv != 0) {
        return syscall_done(rv);
    }
    managedthread_setSigwaitSet(t, 0);
    if (ctx->wake == WAKE_SIGNAL) {
        return syscall_done(-EINTR);
    }
    siginfo_t info;
    int sig = process_takeSignal(ctx->process, t, set, &info, false);
    if (sig != 0) {
        uint64_t info_addr = (uint64_t)ctx->args[1];
        if (info_addr != 0 &&
            process_writeMemory(ctx->process, info_addr, &info, sizeof(info)) != 0) {
            return syscall_done(-EFAULT);
        }
        return syscall_done(sig);
    }
    if (ctx->wake == WAKE_TIMEOUT) {
        return syscall_done(-EAGAIN);
    }
    if (ctx->wake == WAKE_NONE) {
        scratch->deadline = SIMTIME_INVALID;
        uint64_t ts_addr = (uint64_t)ctx->args[2];
        if (ts_addr != 0) {
            struct timespec ts;
            if (process_readMemory(ctx->process, ts_addr, &ts, sizeof(ts)) != 0) {
                return syscall_done(-EFAULT);
            }
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L) {
                return syscall_done(-EINVAL);
            }
            scratch->deadline = ctx->now + (SimTime)ts.tv_sec * SIMTIME_ONE_SECOND +
                                (SimTime)ts.tv_nsec;
            if (scratch->deadline == ctx->now) {
                return syscall_done(-EAGAIN);
            }
        }
    }
    managedthread_setSigwaitSet(t, set);
    return syscall_block(scratch->deadline);
}

/* A handler returned (the shim performs the program's rt_sigreturn): the kernel puts back the mask
 * saved in the signal frame, which umbra did not see change when the handler was entered. The
 * answer may raise the next pending signal that mask lets through, as the kernel would. */
SyscallReturn syscallhandler_umbraSigreturn(SyscallContext* ctx) {
    managedthread_setSignalMask(ctx->thread, (uint64_t)ctx->args[0]);
    return syscall_done(0);
}
