/* The dispatch table: built from src/lib/syscall_table.def, the one record of coverage. EMULATED
 * entries call their handler; NATIVE ones (which the shim normally runs without asking) are sent
 * back to be run natively; anything else is unsupported: ENOSYS and one warning per syscall. */
#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>

#include "host/syscall/syscall.h"
#include "lib/logger.h"
#include "lib/syscall_names.h"

typedef SyscallReturn (*SyscallHandler)(SyscallContext* ctx);

static const SyscallHandler _dispatch_handlers[SYSCALL_NUMBER_LIMIT] = {
#define EMULATED(name, note) [SYS_##name] = syscallhandler_##name,
#define SHIM(name, note)
#define NATIVE(name, note)
#include "lib/syscall_table.def"
#undef EMULATED
#undef SHIM
#undef NATIVE
};

static const bool _dispatch_native[SYSCALL_NUMBER_LIMIT] = {
#define EMULATED(name, note)
#define SHIM(name, note)
#define NATIVE(name, note) [SYS_##name] = true,
#include "lib/syscall_table.def"
#undef EMULATED
#undef SHIM
#undef NATIVE
};

/* One warning per syscall number over the whole run (any thread). */
static unsigned char _dispatch_warned[SYSCALL_NUMBER_LIMIT + 1];

static SyscallReturn _dispatch_unsupported(SyscallContext* ctx) {
    long nr = ctx->number;
    size_t slot = nr >= 0 && nr < SYSCALL_NUMBER_LIMIT ? (size_t)nr : SYSCALL_NUMBER_LIMIT;
    if (!__atomic_exchange_n(&_dispatch_warned[slot], 1, __ATOMIC_RELAXED)) {
        const char* name = syscallnames_get(nr);
        log_warning("unsupported syscall %s (%ld) returns ENOSYS (process '%s'); further calls "
                    "are not reported",
                    name != NULL ? name : "unknown", nr, process_getName(ctx->process));
    }
    return syscall_done(-ENOSYS);
}

SyscallReturn syscall_dispatch(SyscallContext* ctx) {
    long nr = ctx->number;
    if (ctx->wake == WAKE_NONE && host_getProcessOptions(ctx->host)->count_syscalls) {
        host_countSyscall(ctx->host, nr); /* once per call, not per re-run after a block */
    }
    /* sigtimedwait decides itself what a signal does to it. */
    if (ctx->wake == WAKE_SIGNAL && nr != SYS_rt_sigtimedwait) {
        /* A blocked syscall interrupted by a signal (the one place this is decided); the signal
         * is raised in the process as the answer goes back, and a call Linux restarts under
         * SA_RESTART (wait4, reads and writes; never sleeps, poll or select) is made again. */
        managedthread_clearNativeWait(ctx->thread);
        managedthread_setSigwaitSet(ctx->thread, 0);
        /* A socket receive or send restarts unless SO_RCVTIMEO/SO_SNDTIMEO bounds it (socket.c
         * notes which). */
        bool socket_recv = nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_recvmmsg ||
                           nr == SYS_sendto || nr == SYS_sendmsg || nr == SYS_sendmmsg ||
                           nr == SYS_accept || nr == SYS_accept4;
        int64_t partial = managedthread_getScratch(ctx->thread)->flags;
        if (socket_recv && partial > 0) {
            /* A TCP send or MSG_WAITALL receive that moved some bytes returns their count
             * (socket_tcp.c keeps it here). */
            managedthread_clearNativeWait(ctx->thread);
            return syscall_done(partial);
        }
        bool restartable = nr == SYS_wait4 || nr == UMBRA_SYSCALL_SIGNALFD_READ ||
                           (nr == UMBRA_SYSCALL_NATIVE_WAIT && ctx->args[3] == 1) ||
                           (socket_recv && managedthread_getScratch(ctx->thread)->value == 1);
        bool restart = restartable && process_signalRestarts(ctx->process);
        if (nr == SYS_nanosleep || nr == SYS_clock_nanosleep) {
            syscall_sleepInterrupted(ctx);
        }
        log_trace("syscall %ld interrupted by a signal: %s", nr, restart ? "restarts" : "EINTR");
        return syscall_done(restart ? -UMBRA_ERESTART : -EINTR);
    }
    switch (nr) {
        case UMBRA_SYSCALL_YIELD: return syscallhandler_umbraYield(ctx);
        case UMBRA_SYSCALL_RANDOM_READ: return syscallhandler_umbraRandomRead(ctx);
        case UMBRA_SYSCALL_NATIVE_WAIT: return syscallhandler_umbraNativeWait(ctx);
        case UMBRA_SYSCALL_SIGNALFD_READ: return syscallhandler_umbraSignalfdRead(ctx);
        case UMBRA_SYSCALL_SIGRETURN: return syscallhandler_umbraSigreturn(ctx);
        case UMBRA_SYSCALL_SOCKET_IOCTL: return syscallhandler_umbraSocketIoctl(ctx);
        case UMBRA_SYSCALL_SOCKET_CLOSE: return syscallhandler_umbraSocketClose(ctx);
        case UMBRA_SYSCALL_UNIX_BOUND: return syscallhandler_umbraUnixBound(ctx);
        case UMBRA_SYSCALL_UNIX_VPID: return syscallhandler_umbraUnixVpid(ctx);
        case UMBRA_SYSCALL_OWNER_PID: return syscallhandler_umbraOwnerPid(ctx);
        default: break;
    }
    if (nr < 0 || nr >= SYSCALL_NUMBER_LIMIT) {
        return _dispatch_unsupported(ctx);
    }
    if (_dispatch_handlers[nr] != NULL) {
        SyscallReturn r = _dispatch_handlers[nr](ctx);
        log_trace("%s(%lld, %lld, %lld) = %lld%s", syscallnames_get(nr), (long long)ctx->args[0],
                  (long long)ctx->args[1], (long long)ctx->args[2], (long long)r.retval,
                  r.kind == SYSCALL_BLOCK ? " (blocked)" : "");
        return r;
    }
    if (_dispatch_native[nr]) {
        return syscall_native();
    }
    return _dispatch_unsupported(ctx);
}
