/* Internal interface of the shim (libumbra-shim.so), the library umbra preloads into every managed
 * process.
 *
 * Rules for all shim code (it lives inside other people's processes):
 * - After shim_init has armed Syscall User Dispatch, every syscall must go through
 *   shim_rawSyscall (the allowed text range); never call a libc function that makes a syscall, and
 *   never a libc function that the shim itself exports.
 * - No allocation on the syscall path; no glib; no headers from src/host.
 * - A syscall arrives either through the SIGSYS handler (trap path) or through one of the libc
 *   names the shim exports (fast path); both end in shim_syscall. */
#ifndef SIM_SHIM_SHIM_H_
#define SIM_SHIM_SHIM_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

#include "lib/ipc.h"

long shim_rawSyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void shim_restorer(void);
void shim_sigreturnOnStack(long program_rsp) __attribute__((noreturn));

/* Per-thread state. Initial-exec TLS: the shim is preloaded, so its TLS is static. */
typedef struct {
    IpcChannel* channel;        /* this thread's channel; NULL until connected */
    char channel_path[64];      /* /proc/<umbra>/fd/<n>, for exec to hand on */
    volatile char selector;     /* Syscall User Dispatch selector byte */
    uint64_t unapplied_latency; /* ns of modelled CPU time not yet charged */
    ucontext_t* trap_uc;        /* the context of the syscall being handled by the SIGSYS
                                   handler, or NULL (fast path) */
    int temp_mask_depth;        /* > 0 while a temporary mask of the shim's own is in place
                                   (sigsuspend, ppoll, pselect6, epoll_pwait) */
    long exec_env;              /* the environment block of an exec under way (a mapping) */
    long exec_env_len;          /* and its length */
    bool vm_child;              /* a vfork child running in its parent's memory (and TLS) */
} ShimThread;

extern __thread ShimThread shim_thread __attribute__((tls_model("initial-exec")));

/* Handles syscall `nr`: locally, through the simulator, or natively. `uc` is the trapped context
 * (NULL on the fast path). Returns the syscall result (-errno on failure). */
long shim_syscall(long nr, const long args[6], ucontext_t* uc);

/* Sends `nr(args)` to the simulator and returns its answer (running the call natively when told). */
long shim_ipcSyscall(long nr, const long args[6]);

/* Raises the answer's raise_signal (0: nothing) with its siginfo on the calling thread, natively:
 * its handler or default action runs. */
void shim_raise(const IpcMessage* in);

/* The program's handler returns (rt_sigreturn) to a context whose mask is uc_sigmask: the
 * simulator learns the mask the kernel puts back (and may answer with the next pending signal). */
void shim_signalReturn(const ucontext_t* program_uc);

/* Connects the calling thread to the channel at `path` (maps it, arms dispatch, says START, waits
 * for RUN). Returns 0 or -errno. */
int shim_connect(const char* path);

/* Arms Syscall User Dispatch for the calling thread. */
int shim_armDispatch(void);

/* Time answered in the shim from the channel's clock. */
long shim_clockGettime(long clock_id, struct timespec* ts);
long shim_gettimeofday(struct timeval* tv, void* tz);
long shim_time(long* out);
long shim_clockGetres(long clock_id, struct timespec* res);
/* Patches the vDSO's time entries to jump into the shim. */
void shim_patchVdso(void);

/* Process-wide data saved at init, for exec and children. */
typedef struct {
    char preload[1024];     /* the LD_PRELOAD value umbra gave us (the shim's path first) */
    char umbra_env[8][160]; /* UMBRA_* variables to carry through exec (except the channel) */
    int n_umbra_env;        /* entries used in umbra_env */
    long umbra_pid;         /* the simulator's pid: children must die with it */
    char hosts_file[160];   /* what an open of /etc/hosts opens (UMBRA_HOSTS_FILE), or "" */
} ShimProcess;

extern ShimProcess shim_process;

/* Native I/O helpers of shim_syscall.c that shim_unix.c shares: waits (parked in simulated time)
 * until `fd` polls `events` (0, or -EINTR; *nonblock says O_NONBLOCK made it not wait), and marks a
 * new native socket descriptor. */
long shim_awaitReady(long fd, short events, bool* nonblock);
void shim_markNativeSocket(long fd);

/* AF_UNIX sockets (shim_unix.c): socket(AF_UNIX, ...), and a call umbra answered with
 * IPC_MSG_NATIVE_UNIX (`in`, read before any other round trip). */
long shim_unixSocket(const long* a);
long shim_unixNative(long nr, const long* a, const IpcMessage* in);
/* Whether `fd` is a native socket (its interface ioctls are answered by umbra). */
bool shim_unixIsSocket(long fd);

/* Writes a message to stderr of the process (fd 2) with the shim's prefix; no allocation. */
void shim_log(const char* msg);

#endif
