/* The simulator's end of one managed thread: its channel (a memfd mapped here and, through
 * /proc/<umbra>/fd/<n>, in the thread's process) and the loop that runs it (architecture.md 3).
 *
 * A thread alternates with the simulator: managedthread_run hands it the channel and waits for its
 * next message, handles it, answers, and goes on, until a syscall blocks (the thread stays parked
 * in the shim; a later event runs the same message again) or the process ends. Only the thread
 * running the host calls these functions. */
#ifndef SIM_HOST_MANAGED_THREAD_H_
#define SIM_HOST_MANAGED_THREAD_H_

#include <stdbool.h>
#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/process.h"
#include "host/signal_queue.h"
#include "lib/ipc.h"
#include "lib/simtime.h"

/* Why a blocked thread runs again; handlers read it to know whether their condition fired. */
typedef enum {
    WAKE_NONE = 0, /* first run of this syscall */
    WAKE_TIMEOUT,  /* its deadline passed */
    WAKE_EVENT,    /* what it waited for happened (a child changed state, vfork ended, ...) */
    WAKE_SIGNAL,   /* a signal arrived for its process */
} WakeReason;

/* What a blocked thread waits for, so that events wake only the waiters concerned. */
typedef enum {
    WAIT_NONE = 0,
    WAIT_OTHER, /* a timeout, a native descriptor, a vfork child, ... */
    WAIT_CHILD, /* wait4: a child changing state */
    WAIT_FUTEX, /* a futex word */
    WAIT_OBJECT,/* an emulated descriptor (a socket's receive): its id */
} WaitKind;

/* A new thread of `process` with a fresh channel. NULL (and a warning) if the channel cannot be
 * made. */
ManagedThread* managedthread_new(Process* process, int32_t vtid);
void managedthread_free(ManagedThread* thread);

Process* managedthread_getProcess(ManagedThread* thread);
int32_t managedthread_getVirtualTid(const ManagedThread* thread);
/* The native thread id (0 until the thread's first message). */
pid_t managedthread_getNativeTid(const ManagedThread* thread);
/* /proc/<umbra pid>/fd/<n>: how the shim finds the channel. Borrowed. */
const char* managedthread_getChannelPath(const ManagedThread* thread);

/* The thread whose syscalls this worker is handling now, or NULL (borrowed). */
ManagedThread* managedthread_getCurrent(void);

/* Runs the thread until it blocks or its process ends. Call from an event of the thread's host. */
void managedthread_run(ManagedThread* thread);

/* Schedules managedthread_run for this thread at the current time (a new thread's first run). */
void managedthread_scheduleRun(ManagedThread* thread);

/* For handlers that return SYSCALL_BLOCK: whether the thread is parked, and waking it. A wake for
 * an older block (the thread has since moved on) is ignored. */
bool managedthread_isBlocked(const ManagedThread* thread);
void managedthread_wake(ManagedThread* thread, WakeReason why);

/* Data a syscall keeps across a block and its re-run (e.g. a sleep's deadline). Cleared when a
 * syscall completes. */
typedef struct {
    SimTime deadline; /* a sleep's absolute deadline */
    int64_t value;    /* handler-defined (a clone: the child's vpid) */
    int64_t flags;    /* handler-defined (a clone: its flags) */
} SyscallScratch;
SyscallScratch* managedthread_getScratch(ManagedThread* thread);

/* CLONE_CHILD_CLEARTID: the word the kernel clears when the thread ends (0: none). */
void managedthread_setClearTidAddress(ManagedThread* thread, uint64_t addr);

/* Declares what the thread is about to block on (before a handler returns SYSCALL_BLOCK). */
void managedthread_setWaitKind(ManagedThread* thread, WaitKind kind);
void managedthread_wakeIfWaitingForChild(ManagedThread* thread);

/* What a futex word is, as Linux keys it: a word in private memory is (process, address); a word
 * in shared memory is (backing object, offset), the same in every process that maps it. */
typedef struct {
    uint64_t object; /* 0 for private memory; else the device of the backing object, plus one */
    uint64_t id;     /* private: the virtual pid; shared: the inode */
    uint64_t offset; /* private: the address; shared: the offset in the object */
} FutexKey;

/* Futexes (emulated): a thread about to block waits on `key` with `bitset`; wakes among the
 * host's threads take the longest waiters first. Return the number woken or moved. */
void managedthread_waitFutex(ManagedThread* thread, const FutexKey* key, uint32_t bitset);
int managedthread_wakeFutex(Host* host, const FutexKey* key, uint32_t bitset, int n);
int managedthread_requeueFutex(Host* host, const FutexKey* from, const FutexKey* to, int n);

/* Emulated descriptors: a thread about to block waits on the object with id `id` (EmulatedFd's);
 * waking wakes every blocked waiter on it (they check again and block again if need be). */
void managedthread_waitObject(ManagedThread* thread, uint64_t id);
void managedthread_wakeObjectWaiters(Host* host, uint64_t id);

/* Signal state: the blocked mask (as the program set it; SIGKILL, SIGSTOP and SIGSYS are never in
 * it) and the set a sigtimedwait waits for (0 otherwise). */
uint64_t managedthread_getSignalMask(const ManagedThread* thread);
void managedthread_setSignalMask(ManagedThread* thread, uint64_t mask);
uint64_t managedthread_getSigwaitSet(const ManagedThread* thread);
void managedthread_setSigwaitSet(ManagedThread* thread, uint64_t set);
/* PR_SET_PDEATHSIG, per thread as in Linux (0 in a new thread and a forked child): each thread
 * of a process whose parent ends sends its signal to the process. */
int managedthread_getParentDeathSignal(const ManagedThread* thread);
void managedthread_setParentDeathSignal(ManagedThread* thread, int sig);
/* A mask in force until the current syscall completes (sigsuspend, ppoll, pselect6); then a
 * signal it lets through is raised under it and the previous mask comes back. */
void managedthread_setTemporaryMask(ManagedThread* thread, uint64_t mask);

/* Signals sent to this thread alone. */
SignalQueue* managedthread_getSignalQueue(ManagedThread* thread);
/* Its process was continued: hand over an answer held while it was stopped. */
void managedthread_resumeAfterStop(ManagedThread* thread);

/* Native descriptors the thread waits on: umbra's duplicates of them (pidfd_getfd), with the poll
 * events wanted. setNativeWait takes ownership of `fds` (g_malloc'd) and of the descriptors. */
bool managedthread_hasNativeWait(const ManagedThread* thread);
void managedthread_setNativeWait(ManagedThread* thread, struct pollfd* fds, nfds_t n);
void managedthread_clearNativeWait(ManagedThread* thread);
bool managedthread_isNativeWaitReady(const ManagedThread* thread);
/* Wakes every thread of `host` whose native descriptor has become ready. */
void managedthread_pollNativeWaiters(Host* host);

/* Expects the next START on this channel to come from a new image (after execve). */
void managedthread_setExecPending(ManagedThread* thread, bool pending);

#endif
