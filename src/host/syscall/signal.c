/* Signal dispositions: rt_sigaction is recorded (umbra needs to know which signals are ignored,
 * caught, and restart interrupted calls) and then installed natively by the shim, which keeps
 * SIGSYS for itself. */
#include <errno.h>
#include <signal.h>

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
