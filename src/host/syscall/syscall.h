/* The simulator's syscall layer: one dispatch table built from src/lib/syscall_table.def, and one
 * handler per EMULATED entry, named syscallhandler_<name>, in one file per family (time.c,
 * process.c, ident.c, random.c). A handler decodes and validates arguments, copies tracee memory
 * and calls into the host's objects; semantics live in those objects (style.md 1).
 *
 * Handlers may be run again for the same syscall after a block (architecture.md 3): they must be
 * safe to re-run up to the point where they commit, and they learn why they run again from
 * ctx->wake. Errors are negative errno values (style.md 11). */
#ifndef SIM_HOST_SYSCALL_SYSCALL_H_
#define SIM_HOST_SYSCALL_SYSCALL_H_

#include <stdint.h>

#include "host/host.h"
#include "host/managed_thread.h"
#include "host/process.h"
#include "lib/simtime.h"

typedef struct {
    Host* host;              /* the host running the thread */
    Process* process;        /* the calling process */
    ManagedThread* thread;   /* the calling thread */
    SimTime now;             /* current simulated time */
    int64_t number;          /* syscall number */
    const int64_t* args;     /* six arguments */
    WakeReason wake;         /* why this run happens (WAKE_NONE: first run) */
    char* reply_payload;     /* the reply's payload area (IPC_PAYLOAD_SIZE bytes) */
    int64_t* reply_args;     /* the reply's args (6) */
} SyscallContext;

typedef enum {
    SYSCALL_DONE,        /* answer with retval */
    SYSCALL_NATIVE,      /* the shim executes it natively */
    SYSCALL_BLOCK,       /* park the thread; run the syscall again when woken */
    SYSCALL_NATIVE_EXIT, /* the shim exits natively; no answer follows */
    SYSCALL_CLONE,       /* the shim clones natively (payload: the child's channel) */
    SYSCALL_THREAD_EXIT, /* the shim ends this thread natively; the process goes on */
    SYSCALL_NATIVE_UNIX, /* the shim makes it on an AF_UNIX socket (unix.c: reply args, payload) */
} SyscallResultKind;

typedef struct {
    SyscallResultKind kind;
    int64_t retval;   /* SYSCALL_DONE */
    SimTime deadline; /* SYSCALL_BLOCK: wake at this time (SIMTIME_INVALID: only by an event) */
} SyscallReturn;

static inline SyscallReturn syscall_done(int64_t value) {
    return (SyscallReturn){.kind = SYSCALL_DONE, .retval = value};
}
static inline SyscallReturn syscall_native(void) {
    return (SyscallReturn){.kind = SYSCALL_NATIVE};
}
static inline SyscallReturn syscall_nativeUnix(void) {
    return (SyscallReturn){.kind = SYSCALL_NATIVE_UNIX};
}
static inline SyscallReturn syscall_block(SimTime deadline) {
    return (SyscallReturn){.kind = SYSCALL_BLOCK, .deadline = deadline};
}

/* Handles one syscall message: the table's handler, the private umbra calls, or an unsupported
 * number (ENOSYS and one warning naming it). */
SyscallReturn syscall_dispatch(SyscallContext* ctx);

/* Completes a clone after the shim reports the native result (IPC_MSG_CLONE_DONE). */
SyscallReturn syscall_finishClone(SyscallContext* ctx, int64_t native_result);

/* nanosleep and relative clock_nanosleep interrupted by a signal: the time left goes to `rem`. */
void syscall_sleepInterrupted(SyscallContext* ctx);

/* The futex key of the word at `addr` of `process` (futex.c): (process, address) for a private
 * operation or private memory, (backing object, offset) for a shared mapping. */
void syscall_futexKey(Process* process, uint64_t addr, bool private_op, FutexKey* key);

/* Every EMULATED entry's handler. */
#define EMULATED(name, note) SyscallReturn syscallhandler_##name(SyscallContext* ctx);
#define SHIM(name, note)
#define NATIVE(name, note)
#include "lib/syscall_table.def"
#undef EMULATED
#undef SHIM
#undef NATIVE

/* Private umbra calls. */
SyscallReturn syscallhandler_umbraYield(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraRandomRead(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraNativeWait(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraSignalfdRead(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraSigreturn(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraSocketIoctl(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraSocketClose(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraOwnerPid(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraUnixBound(SyscallContext* ctx);
SyscallReturn syscallhandler_umbraUnixVpid(SyscallContext* ctx);

#endif
