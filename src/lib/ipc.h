/* The shim <-> simulator protocol and channel (architecture.md 3 and 5), included by both sides.
 *
 * One channel per managed thread, in a shared memory file (a memfd of umbra's, which the shim
 * maps through /proc/<umbra pid>/fd/<n>). A channel carries one message in each direction and a
 * `turn` word saying which side owns it. A side hands the channel over by writing its message and
 * flipping `turn`; the other side waits for its turn by spinning a bounded number of times, then
 * sleeping on the futex. A side that goes to sleep says so in its `*_sleeping` word, so the waker
 * makes the futex_wake syscall only when someone sleeps (sequentially consistent accesses make
 * this a Dekker-style handshake: either the waker sees the sleeper's flag or the sleeper sees the
 * new turn).
 *
 * Bump UMBRA_PROTOCOL_VERSION whenever a message type, a field or the meaning of one changes: the
 * shim refuses a channel whose version differs from the one it was built with. */
#ifndef SIM_LIB_IPC_H_
#define SIM_LIB_IPC_H_

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define UMBRA_PROTOCOL_VERSION 7
#define IPC_CHANNEL_MAGIC 0x756d6272u /* "umbr" */

/* Message types. Values are fixed; next free value: 17. */
typedef enum {
    IPC_MSG_NONE = 0,
    /* shim -> simulator */
    IPC_MSG_START = 1,       /* a thread is ready: args[0] native pid, args[1] native tid */
    IPC_MSG_SYSCALL = 2,     /* number + args */
    IPC_MSG_CLONE_DONE = 3,  /* the native clone returned: args[0] child native tid or -errno,
                                args[1] the CLONE_PIDFD pidfd the shim opened, or -1 */
    IPC_MSG_EXEC_FAILED = 4, /* the native execve failed: args[0] = -errno */
    /* simulator -> shim */
    IPC_MSG_RUN = 10,        /* answer to START: run */
    IPC_MSG_DONE = 11,       /* the syscall is complete: retval */
    IPC_MSG_NATIVE = 12,     /* execute the syscall natively and return its result */
    IPC_MSG_CLONE = 13,      /* perform the clone natively; payload = the child's channel path,
                                args[0] = child virtual tid */
    IPC_MSG_EXEC = 14,       /* perform the execve natively (with umbra's environment added) */
    IPC_MSG_NATIVE_EXIT = 15,/* execute exit/exit_group natively; the simulator does not answer */
    IPC_MSG_NATIVE_UNIX = 16,/* execute the socket call natively on an AF_UNIX socket (shim_unix.c):
                                args[0] = length of the address at payload[0] to use instead of
                                the program's (0: the program's own); args[1] = length of the
                                host's abstract-name prefix at payload[IPC_UNIX_PREFIX_OFFSET],
                                removed from every address the call returns; args[2] = 1: report a
                                successful bind (UMBRA_SYSCALL_UNIX_BOUND) */
} IpcMessageType;

/* Private syscall numbers a shim may send (outside the kernel's range). */
#define UMBRA_SYSCALL_BASE 1000
#define UMBRA_SYSCALL_YIELD 1000       /* let the modelled CPU time the shim charged pass */
#define UMBRA_SYSCALL_RANDOM_READ 1001 /* read(fd, buf, len) on an emulated /dev/urandom fd */
#define UMBRA_SYSCALL_NATIVE_WAIT 1002 /* (pollfds, n, timeout ns or -1, restartable): park until a
                                         native fd is ready */
#define UMBRA_SYSCALL_SIGNALFD_READ 1003 /* (fd, buf, len, nonblocking): read a signalfd */
#define UMBRA_SYSCALL_SIGRETURN 1004 /* (mask): a handler returned; the mask the kernel restores */
#define UMBRA_SYSCALL_SOCKET_IOCTL 1005 /* (fd, request, arg): FIONREAD or TIOCOUTQ on a socket */
#define UMBRA_SYSCALL_SOCKET_CLOSE 1006 /* (fd): a socket descriptor is about to be closed */
#define UMBRA_SYSCALL_UNIX_BOUND 1007 /* (fd): the shim bound an AF_UNIX socket to a pathname */
#define UMBRA_SYSCALL_UNIX_VPID 1008  /* (native pid): its virtual pid on the host, or 0 */
#define UMBRA_SYSCALL_OWNER_PID 1009  /* (pid, to_native): fcntl's F_SETOWN/F_GETOWN owner, a
                                       * virtual pid made native (a group or thread: -EINVAL) or
                                       * a native pid made virtual */
#define IPC_UNIX_PREFIX_OFFSET 128    /* IPC_MSG_NATIVE_UNIX: where the prefix is in the payload */

/* An answer's retval meaning "a signal handler interrupted this call and it restarts"
 * (SA_RESTART): the shim raises the signal, then makes the same call again. Linux's ERESTARTSYS. */
#define UMBRA_ERESTART 512

#define IPC_PAYLOAD_SIZE 512

typedef struct {
    uint32_t type;       /* IpcMessageType */
    int32_t raise_signal;/* simulator -> shim: signal to raise on itself after this reply, or 0 */
    int64_t number;      /* syscall number (SYSCALL) */
    int64_t args[6];     /* syscall arguments, or per-type values */
    int64_t retval;      /* DONE: the result (>= 0 or -errno) */
    uint64_t latency;    /* shim -> simulator: modelled CPU time (ns) spent since its last message */
    uint64_t raise_info[16];  /* simulator -> shim: the siginfo_t of raise_signal */
    char payload[IPC_PAYLOAD_SIZE]; /* per-type data (a path, bytes) */
} IpcMessage;

enum {
    IPC_TURN_SHIM = 1, /* the shim owns the channel (it runs) */
    IPC_TURN_SIM = 2,  /* the simulator owns the channel */
};

typedef struct {
    uint32_t magic;   /* IPC_CHANNEL_MAGIC */
    uint32_t version; /* UMBRA_PROTOCOL_VERSION */
    _Atomic uint32_t turn;          /* IPC_TURN_*: the futex word */
    _Atomic uint32_t shim_sleeping; /* the shim sleeps (or is about to) on `turn` */
    _Atomic uint32_t sim_sleeping;  /* the simulator sleeps (or is about to) on `turn` */
    uint32_t spin_limit;            /* spins before sleeping (set by the simulator) */
    _Atomic uint32_t shim_parked;   /* set by the simulator while the thread waits for an event
                                       (blocked, or not yet run): the shim sleeps without spinning */

    /* Written by the simulator before it hands the channel to the shim; read by the shim. */
    _Atomic uint64_t sim_time;        /* the thread's clock: simulated ns since the start */
    int32_t vpid;                     /* virtual pid of the thread's process */
    int32_t vtid;                     /* virtual tid of the thread */
    uint32_t model_latency;           /* model_unblocked_syscall_latency */
    uint32_t log_level;               /* shim log level (LogLevel) */
    uint64_t unblocked_syscall_latency; /* ns charged per non-blocking syscall */
    uint64_t unblocked_vdso_latency;    /* ns charged per time call */
    uint64_t max_unapplied_cpu_latency; /* ns that may accumulate before time must move */

    IpcMessage to_sim;  /* written by the shim, read by the simulator */
    IpcMessage to_shim; /* written by the simulator, read by the shim */
} IpcChannel;

_Static_assert(sizeof(IpcMessage) == 8 + 8 + 48 + 8 + 8 + 128 + IPC_PAYLOAD_SIZE, "IpcMessage layout");
_Static_assert(offsetof(IpcChannel, to_sim) % 8 == 0, "IpcChannel alignment");

/* A raw syscall: each side passes its own (the shim's must run from its allowed text region). */
typedef long (*IpcSyscallFunc)(long number, long a1, long a2, long a3, long a4, long a5, long a6);

/* Initializes a fresh channel (simulator side). The shim owns it first: it speaks first (START). */
void ipc_channelInit(IpcChannel* ch, uint32_t spin_limit);

/* Hands the channel to `to` (IPC_TURN_SHIM or IPC_TURN_SIM), waking the other side if it sleeps. */
void ipc_give(IpcChannel* ch, uint32_t to, IpcSyscallFunc sys);

/* Waits until the channel is `mine`. Spins, then sleeps; when `timeout_ns` > 0 each sleep is
 * bounded and the function returns -ETIMEDOUT after one bounded sleep without the turn (so the
 * caller can check that the other side is still alive), else 0. */
int ipc_wait(IpcChannel* ch, uint32_t mine, int64_t timeout_ns, IpcSyscallFunc sys);

#endif
