/* Running a managed thread (architecture.md 3 and 5).
 *
 * The channel is owned by whichever side's turn it is. The simulator holds it while it handles a
 * message; it answers by writing `to_shim` and handing the turn back. A blocked syscall keeps the
 * turn: the shim stays parked, `to_sim` stays intact, and the next run handles that same message
 * again with the reason it was woken.
 *
 * A run also ends when the native process ends. umbra notices that either because the thread
 * asked to exit (the answer is NATIVE_EXIT and umbra then waits for the native process), or
 * because waiting for the next message times out and waitpid finds the process gone (killed by a
 * signal raised in it, or crashed). */
#include "host/managed_thread.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/object_counter.h"
#include "host/syscall/syscall.h"
#include "host/task.h"
#include "host/worker.h"
#include "lib/logger.h"

/* Spin iterations before sleeping on the futex (a few tens of microseconds). */
#define MANAGEDTHREAD_SPIN_LIMIT 20000
/* While waiting for a message, check this often (wall time) that the process is alive. */
#define MANAGEDTHREAD_LIVENESS_NS (20 * 1000 * 1000)

struct _ManagedThread {
    Process* process;          /* borrowed: the process owns its threads */
    int32_t vtid;              /* virtual tid */
    int memfd;                 /* the channel's memory file */
    IpcChannel* channel;       /* mapped channel */
    char channel_path[64];     /* /proc/<umbra>/fd/<memfd> */
    bool blocked;              /* parked in a syscall */
    uint64_t block_epoch;      /* increments per block; wakes carry the epoch they are for */
    WakeReason wake;           /* why the next run happens */
    bool reply_ready;          /* to_shim holds an answer not yet handed over */
    bool exec_pending;         /* the next START comes from a new image */
    SyscallScratch scratch;    /* per-syscall data across blocks */
    SimTime clock;             /* the thread's time: never behind the event time; ahead of it by
                                  the modelled CPU time not yet applied */
    uint64_t clear_tid_addr;   /* CLONE_CHILD_CLEARTID address (0: none) */
    pid_t native_tid;          /* the native thread, from its START */
    WaitKind wait_kind;        /* what the thread is blocked on */
    FutexKey futex_key;        /* WAIT_FUTEX: the futex word */
    uint32_t futex_bitset;     /* WAIT_FUTEX: FUTEX_WAIT_BITSET's mask */
    uint64_t wait_object;      /* WAIT_OBJECT: the emulated descriptor's id */
    uint64_t wait_seq;         /* order in which waiters started, for FIFO wakes */
    uint64_t sigmask;          /* blocked signals (bit sig - 1), as the program set them */
    uint64_t sigwait_set;      /* while in sigtimedwait: the signals it waits for */
    int force_raise;           /* a signal to raise with the next answer (a temporary mask's) */
    siginfo_t force_info;      /* and its siginfo */
    SignalQueue pending;       /* signals sent to this thread (tkill, tgkill, SIGEV_THREAD_ID) */
    bool stopped_reply;        /* an answer held because the process is stopped */
    bool temp_mask_active;     /* sigsuspend, ppoll, pselect6: sigmask is temporary */
    uint64_t saved_mask;       /* the mask to restore when the call completes */
    struct pollfd* native_wait; /* umbra's duplicates of native fds the thread waits on, or NULL */
    nfds_t native_wait_n;       /* entries in native_wait */
    int pdeathsig;              /* PR_SET_PDEATHSIG: Linux keeps it per thread (0: none) */
};

static long _managedthread_sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    long rv = syscall(nr, a1, a2, a3, a4, a5, a6);
    return rv < 0 ? -errno : rv;
}

ManagedThread* managedthread_new(Process* process, int32_t vtid) {
    int fd = memfd_create("umbra-channel", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, sizeof(IpcChannel)) != 0) {
        log_warning("cannot create a channel for thread %d: %s", vtid, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    void* map = mmap(NULL, sizeof(IpcChannel), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        log_warning("cannot map a channel for thread %d: %s", vtid, g_strerror(errno));
        close(fd);
        return NULL;
    }
    ManagedThread* t = g_new0(ManagedThread, 1);
    objectcounter_alloc(OBJECT_THREAD);
    t->process = process;
    t->vtid = vtid;
    t->memfd = fd;
    t->channel = map;
    signalqueue_init(&t->pending);
    ipc_channelInit(t->channel, MANAGEDTHREAD_SPIN_LIMIT);
    /* What never changes for this thread, for the shim to read without asking. */
    IpcChannel* ch = t->channel;
    const HostProcessOptions* opt = host_getProcessOptions(process_getHost(process));
    ch->vpid = process_getVirtualPid(process);
    ch->vtid = vtid;
    ch->model_latency = opt->model_latency;
    ch->unblocked_syscall_latency = opt->unblocked_syscall_latency;
    ch->unblocked_vdso_latency = opt->unblocked_vdso_latency;
    ch->max_unapplied_cpu_latency = opt->max_unapplied_cpu_latency;
    snprintf(t->channel_path, sizeof(t->channel_path), "/proc/%d/fd/%d", (int)getpid(), fd);
    return t;
}

void managedthread_free(ManagedThread* thread) {
    if (thread == NULL) {
        return;
    }
    managedthread_clearNativeWait(thread);
    signalqueue_clear(&thread->pending);
    objectcounter_free(OBJECT_THREAD);
    munmap(thread->channel, sizeof(IpcChannel));
    close(thread->memfd);
    g_free(thread);
}

pid_t managedthread_getNativeTid(const ManagedThread* thread) {
    return thread->native_tid;
}

Process* managedthread_getProcess(ManagedThread* thread) {
    return thread->process;
}

int32_t managedthread_getVirtualTid(const ManagedThread* thread) {
    return thread->vtid;
}

const char* managedthread_getChannelPath(const ManagedThread* thread) {
    return thread->channel_path;
}

bool managedthread_isBlocked(const ManagedThread* thread) {
    return thread->blocked;
}

SyscallScratch* managedthread_getScratch(ManagedThread* thread) {
    return &thread->scratch;
}

void managedthread_setExecPending(ManagedThread* thread, bool pending) {
    thread->exec_pending = pending;
}

/* ----------------------------------------------------------------------------------------------
 * Scheduling runs.
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    int32_t vpid;   /* the thread is found again through its process: it may be gone by then */
    int32_t vtid;   /* and its tid */
    uint64_t epoch; /* the block this run is for (0: not a wake) */
    WakeReason why; /* reason to record */
} RunRequest;

static void _managedthread_runTask(Host* host, void* object, void* argument) {
    RunRequest* req = object;
    Process* p = host_lookupProcess(host, req->vpid);
    ManagedThread* t = p != NULL ? process_getThread(p, req->vtid) : NULL;
    if (t == NULL) {
        return;
    }
    if (req->epoch != 0) {
        if (!t->blocked || t->block_epoch != req->epoch) {
            return; /* stale: the thread was already woken for this block */
        }
        t->blocked = false;
        t->wake = req->why;
        t->wait_kind = WAIT_NONE;
    }
    managedthread_run(t);
}

static void _managedthread_schedule(ManagedThread* t, SimTime at, uint64_t epoch, WakeReason why) {
    Host* host = process_getHost(t->process);
    RunRequest* req = g_new(RunRequest, 1);
    *req = (RunRequest){
        .vpid = process_getVirtualPid(t->process), .vtid = t->vtid, .epoch = epoch, .why = why};
    Task* task = task_new(_managedthread_runTask, req, NULL, g_free, NULL);
    host_scheduleTaskAtTime(host, task, at);
    task_unref(task);
}

void managedthread_scheduleRun(ManagedThread* thread) {
    _managedthread_schedule(thread, worker_getCurrentTime(), 0, WAKE_NONE);
}

void managedthread_wake(ManagedThread* thread, WakeReason why) {
    if (thread->blocked) {
        _managedthread_schedule(thread, worker_getCurrentTime(), thread->block_epoch, why);
    }
}

static void _managedthread_block(ManagedThread* t, SimTime deadline) {
    if (t->wait_kind == WAIT_NONE) {
        t->wait_kind = WAIT_OTHER;
    }
    atomic_store(&t->channel->shim_parked, 1);
    t->blocked = true;
    t->block_epoch++;
    if (deadline != SIMTIME_INVALID) {
        _managedthread_schedule(t, deadline, t->block_epoch, WAKE_TIMEOUT);
    }
}

/* ----------------------------------------------------------------------------------------------
 * The loop.
 * ---------------------------------------------------------------------------------------------- */

/* Waits for the next message. Returns false if the native process ended meanwhile (its exit has
 * then been handled, and the thread may be freed). */
static bool _managedthread_awaitMessage(ManagedThread* t) {
    for (;;) {
        if (ipc_wait(t->channel, IPC_TURN_SIM, MANAGEDTHREAD_LIVENESS_NS, _managedthread_sys) ==
            0) {
            return true;
        }
        int status = 0;
        pid_t pid = process_getNativePid(t->process);
        if (process_waitNative(t->process, WNOHANG, &status) == pid) {
            process_handleExit(t->process, status);
            return false;
        }
    }
}

/* Hands the prepared answer over, with the clock and any signal to raise (and its siginfo).
 * While the process is stopped the answer is held instead (returns false): the thread runs no
 * code until a SIGCONT. */
static bool _managedthread_reply(ManagedThread* t, uint32_t type) {
    IpcChannel* ch = t->channel;
    if (type != IPC_MSG_NATIVE_EXIT) {
        if (t->force_raise == 0) {
            t->force_raise = process_takeSignal(t->process, t, ~t->sigmask, &t->force_info, true);
        }
        if (process_isStopped(t->process)) {
            ch->to_shim.type = type;
            t->reply_ready = true;
            t->stopped_reply = true;
            atomic_store(&ch->shim_parked, 1);
            return false;
        }
    }
    ch->to_shim.type = type;
    ch->to_shim.raise_signal = t->force_raise;
    if (t->force_raise != 0) {
        memcpy(ch->to_shim.raise_info, &t->force_info, sizeof(ch->to_shim.raise_info));
    }
    t->force_raise = 0;
    atomic_store(&ch->sim_time, t->clock);
    t->reply_ready = false;
    atomic_store(&ch->shim_parked, 0);
    ipc_give(ch, IPC_TURN_SHIM, _managedthread_sys);
    return true;
}

void managedthread_resumeAfterStop(ManagedThread* thread) {
    if (thread->stopped_reply) {
        thread->stopped_reply = false;
        _managedthread_schedule(thread, worker_getCurrentTime(), 0, WAKE_NONE);
    }
}

SignalQueue* managedthread_getSignalQueue(ManagedThread* thread) {
    return &thread->pending;
}

/* Modelled CPU time (model_unblocked_syscall_latency): each non-blocking syscall moves the
 * thread's clock by unblocked_syscall_latency; once the clock is more than
 * max_unapplied_cpu_latency ahead of the event time, the answer waits until simulated time has
 * caught up. Returns true if the answer was deferred. */
static bool _managedthread_chargeLatency(ManagedThread* t) {
    const HostProcessOptions* opt = host_getProcessOptions(process_getHost(t->process));
    if (!opt->model_latency) {
        return false;
    }
    t->clock += opt->unblocked_syscall_latency;
    if (t->clock - worker_getCurrentTime() <= opt->max_unapplied_cpu_latency) {
        return false;
    }
    t->reply_ready = true;
    atomic_store(&t->channel->shim_parked, 1);
    _managedthread_schedule(t, t->clock, 0, WAKE_NONE);
    return true;
}

/* Robust futexes (set_robust_list): when a thread ends, Linux marks each robust mutex it still
 * holds FUTEX_OWNER_DIED and wakes one waiter. The kernel cannot do it for a managed thread: the
 * lock words hold the virtual tid (glibc's idea of the tid), and a native wake would reach no
 * emulated waiter. So umbra does it, as the kernel's exit_robust_list does, before the thread
 * goes: the list head comes from get_robust_list on the native thread. */
#define MANAGEDTHREAD_ROBUST_LIMIT 2048 /* the kernel's ROBUST_LIST_LIMIT */

static void _managedthread_robustDeath(ManagedThread* t, uint64_t word_addr) {
    Process* p = t->process;
    uint32_t word;
    if (process_readMemory(p, word_addr, &word, sizeof(word)) != 0 ||
        (word & FUTEX_TID_MASK) != (uint32_t)t->vtid) {
        return;
    }
    uint32_t dead = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (process_writeMemory(p, word_addr, &dead, sizeof(dead)) != 0) {
        return;
    }
    if (word & FUTEX_WAITERS) {
        FutexKey key;
        syscall_futexKey(p, word_addr, false, &key);
        managedthread_wakeFutex(process_getHost(p), &key, ~0u, 1);
    }
}

static void _managedthread_releaseRobustList(ManagedThread* t) {
    struct {
        uint64_t next;          /* struct robust_list_head: list.next */
        int64_t futex_offset;   /* from a list entry to its lock word */
        uint64_t op_pending;    /* an entry being locked or unlocked */
    } head;
    uint64_t head_addr = 0;
    size_t len = 0;
    if (t->native_tid <= 0 ||
        syscall(SYS_get_robust_list, t->native_tid, &head_addr, &len) != 0 || head_addr == 0 ||
        process_readMemory(t->process, head_addr, &head, sizeof(head)) != 0) {
        return;
    }
    uint64_t entry = head.next & ~1ULL; /* bit 0 marks a PI mutex */
    uint64_t pending = head.op_pending & ~1ULL;
    for (int i = 0; entry != head_addr && entry != 0 && i < MANAGEDTHREAD_ROBUST_LIMIT; i++) {
        uint64_t next = 0;
        if (process_readMemory(t->process, entry, &next, sizeof(next)) != 0) {
            return;
        }
        if (entry != pending) {
            _managedthread_robustDeath(t, entry + (uint64_t)head.futex_offset);
        }
        entry = next & ~1ULL;
    }
    if (pending != 0) {
        _managedthread_robustDeath(t, pending + (uint64_t)head.futex_offset);
    }
}

/* A thread (not the last) ends: it exits natively; once the kernel has let go of it (for a thread
 * with a CLONE_CHILD_CLEARTID word, once that word is cleared, which the kernel does after the
 * thread is done with its memory), umbra wakes the futex waiters on that word (pthread_join) and
 * forgets the thread. */
static void _managedthread_exitThread(ManagedThread* t) {
    Process* p = t->process;
    uint64_t clear = t->clear_tid_addr;
    _managedthread_releaseRobustList(t);
    process_threadEnding(p, t->vtid);
    _managedthread_reply(t, IPC_MSG_NATIVE_EXIT);
    if (clear != 0) {
        for (int spins = 0; spins < 100000; spins++) {
            int32_t word = -1;
            if (process_readMemory(p, clear, &word, sizeof(word)) != 0 || word == 0) {
                break;
            }
            sched_yield();
        }
        /* The kernel's wake here is a shared one; for a thread's stack (private memory) that is
         * the private key. */
        FutexKey key = {.object = 0, .id = (uint64_t)process_getVirtualPid(p), .offset = clear};
        managedthread_wakeFutex(process_getHost(p), &key, ~0u, INT32_MAX);
    }
    process_removeThread(p, t);
}

/* The first message of a new image (after execve). Linux's exec ends every other thread of the
 * process and, if a thread other than the leader exec'd, gives it the leader's pid as its tid:
 * natively that is done, so umbra forgets the other threads and renames this one. A wake still
 * queued for a forgotten thread names the leader's tid, so this thread's block epochs continue
 * past every forgotten thread's, which makes such a wake stale. */
static void _managedthread_execStarted(ManagedThread* t) {
    Process* p = t->process;
    for (size_t i = process_getThreadCount(p); i-- > 0;) {
        ManagedThread* other = process_getThreadAt(p, i);
        if (other != t) {
            t->block_epoch = MAX(t->block_epoch, other->block_epoch);
            process_removeThread(p, other);
        }
    }
    t->vtid = process_getVirtualPid(p);
    t->channel->vtid = t->vtid;
    t->clear_tid_addr = 0; /* the old image's word: the kernel dropped it at the exec */
    process_resetSignalHandlers(p); /* a new image starts with default handlers */
    process_deletePosixTimers(p);   /* and no POSIX timers */
    process_setDumpable(p, true);   /* and dumpable (no set-user-ID images here) */
    process_releaseVforkParent(p);
}

/* Handles the message in to_sim. Returns false when the run must stop (blocked, deferred, or the
 * process ended). */
static bool _managedthread_handle(ManagedThread* t) {
    IpcChannel* ch = t->channel;
    IpcMessage* in = &ch->to_sim;
    Process* p = t->process;
    if (in->type == IPC_MSG_SYSCALL && t->wake == WAKE_NONE) {
        t->clock += in->latency; /* CPU time the shim modelled since its last message */
        in->latency = 0;
    }
    SyscallContext ctx = {
        .host = process_getHost(p),
        .process = p,
        .thread = t,
        .now = t->clock,
        .number = in->number,
        .args = in->args,
        .wake = t->wake,
        .reply_payload = ch->to_shim.payload,
        .reply_args = ch->to_shim.args,
    };
    t->wake = WAKE_NONE;
    SyscallReturn r;
    switch (in->type) {
        case IPC_MSG_START:
            t->native_tid = (pid_t)in->args[1];
            if (t->exec_pending) {
                t->exec_pending = false;
                _managedthread_execStarted(t);
            }
            return _managedthread_reply(t, IPC_MSG_RUN);
        case IPC_MSG_SYSCALL:
            r = syscall_dispatch(&ctx);
            break;
        case IPC_MSG_CLONE_DONE:
            r = syscall_finishClone(&ctx, in->args[0]);
            break;
        case IPC_MSG_EXEC_FAILED:
            t->exec_pending = false;
            r = syscall_done(in->args[0]);
            break;
        default:
            log_warning("process '%s' sent an unknown message type %u", process_getName(p),
                        in->type);
            r = syscall_done(-EPROTO);
            break;
    }
    switch (r.kind) {
        case SYSCALL_BLOCK:
            _managedthread_block(t, r.deadline);
            return false;
        case SYSCALL_DONE:
            memset(&t->scratch, 0, sizeof(t->scratch));
            managedthread_clearNativeWait(t);
            if (t->temp_mask_active) {
                /* A signal the temporary mask lets through is delivered under it (the shim still
                 * has it in place natively), then the old mask comes back. */
                if (t->force_raise == 0) {
                    t->force_raise = process_takeSignal(p, t, ~t->sigmask, &t->force_info, true);
                }
                t->sigmask = t->saved_mask;
                t->temp_mask_active = false;
            }
            ch->to_shim.retval = r.retval;
            if (_managedthread_chargeLatency(t)) {
                ch->to_shim.type = IPC_MSG_DONE;
                return false;
            }
            return _managedthread_reply(t, IPC_MSG_DONE);
        case SYSCALL_NATIVE:
            return _managedthread_reply(t, IPC_MSG_NATIVE);
        case SYSCALL_NATIVE_UNIX:
            return _managedthread_reply(t, IPC_MSG_NATIVE_UNIX);
        case SYSCALL_CLONE:
            return _managedthread_reply(t, IPC_MSG_CLONE);
        case SYSCALL_THREAD_EXIT:
            _managedthread_exitThread(t);
            return false;
        case SYSCALL_NATIVE_EXIT: {
            /* The robust mutexes every thread holds (process-shared ones matter to others). */
            for (size_t i = 0; i < process_getThreadCount(p); i++) {
                _managedthread_releaseRobustList(process_getThreadAt(p, i));
            }
            _managedthread_reply(t, IPC_MSG_NATIVE_EXIT);
            int status = 0;
            process_waitNative(p, 0, &status);
            process_handleExit(p, status);
            return false;
        }
    }
    return false;
}

/* The thread this worker is running (its syscall is being handled), or NULL. */
static __thread ManagedThread* _managedthread_current;

ManagedThread* managedthread_getCurrent(void) {
    return _managedthread_current;
}

static void _managedthread_runLoop(ManagedThread* thread) {
    SimTime now = worker_getCurrentTime();
    if (thread->clock < now) {
        thread->clock = now;
    }
    if (thread->reply_ready) {
        /* An answer deferred by the latency model or a stop: hand it over now. */
        if (!_managedthread_reply(thread, thread->channel->to_shim.type)) {
            return;
        }
    } else if (thread->blocked) {
        return;
    } else if (atomic_load(&thread->channel->turn) == IPC_TURN_SIM &&
               thread->channel->to_sim.type != IPC_MSG_NONE && thread->wake != WAKE_NONE) {
        /* Woken from a block: handle the same message again. */
        if (!_managedthread_handle(thread)) {
            return;
        }
    }
    for (;;) {
        if (!_managedthread_awaitMessage(thread)) {
            return;
        }
        if (!_managedthread_handle(thread)) {
            return;
        }
    }
}

void managedthread_run(ManagedThread* thread) {
    Host* host = process_getHost(thread->process);
    ManagedThread* outer = _managedthread_current;
    _managedthread_current = thread;
    _managedthread_runLoop(thread);
    _managedthread_current = outer;
    /* What this run did natively (writes, closes, exits) may have readied a descriptor another
     * thread of this host waits on. */
    managedthread_pollNativeWaiters(host);
}

/* ----------------------------------------------------------------------------------------------
 * Waiting on native descriptors (UMBRA_SYSCALL_NATIVE_WAIT).
 * ---------------------------------------------------------------------------------------------- */

bool managedthread_hasNativeWait(const ManagedThread* thread) {
    return thread->native_wait != NULL;
}

void managedthread_setNativeWait(ManagedThread* thread, struct pollfd* fds, nfds_t n) {
    managedthread_clearNativeWait(thread);
    thread->native_wait = fds;
    thread->native_wait_n = n;
}

void managedthread_clearNativeWait(ManagedThread* thread) {
    for (nfds_t i = 0; thread->native_wait != NULL && i < thread->native_wait_n; i++) {
        if (thread->native_wait[i].fd >= 0) {
            close(thread->native_wait[i].fd);
        }
    }
    g_free(thread->native_wait);
    thread->native_wait = NULL;
    thread->native_wait_n = 0;
}

bool managedthread_isNativeWaitReady(const ManagedThread* thread) {
    return thread->native_wait != NULL && poll(thread->native_wait, thread->native_wait_n, 0) > 0;
}

void managedthread_pollNativeWaiters(Host* host) {
    /* In virtual pid order, so wakes are queued in the same order on every run. */
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* p = host_getProcess(host, i);
        for (size_t j = 0; j < process_getThreadCount(p); j++) {
            ManagedThread* t = process_getThreadAt(p, j);
            if (t->blocked && managedthread_isNativeWaitReady(t)) {
                managedthread_wake(t, WAKE_EVENT);
            }
        }
    }
}

/* ----------------------------------------------------------------------------------------------
 * Identity and waits.
 * ---------------------------------------------------------------------------------------------- */

void managedthread_setClearTidAddress(ManagedThread* thread, uint64_t addr) {
    thread->clear_tid_addr = addr;
}

void managedthread_setWaitKind(ManagedThread* thread, WaitKind kind) {
    thread->wait_kind = kind;
}

void managedthread_wakeIfWaitingForChild(ManagedThread* thread) {
    if (thread->blocked && thread->wait_kind == WAIT_CHILD) {
        managedthread_wake(thread, WAKE_EVENT);
    }
}

void managedthread_waitFutex(ManagedThread* thread, const FutexKey* key, uint32_t bitset) {
    static uint64_t next_seq; /* only the order among waiters of one host matters */
    thread->wait_kind = WAIT_FUTEX;
    thread->futex_key = *key;
    thread->futex_bitset = bitset;
    thread->wait_seq = __atomic_add_fetch(&next_seq, 1, __ATOMIC_RELAXED);
}

void managedthread_waitObject(ManagedThread* thread, uint64_t id) {
    thread->wait_kind = WAIT_OBJECT;
    thread->wait_object = id;
}

void managedthread_wakeObjectWaiters(Host* host, uint64_t id) {
    /* In virtual pid order, so wakes are queued in the same order on every run. */
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* p = host_getProcess(host, i);
        for (size_t j = 0; j < process_getThreadCount(p); j++) {
            ManagedThread* t = process_getThreadAt(p, j);
            if (t->blocked && t->wait_kind == WAIT_OBJECT && t->wait_object == id) {
                t->wait_kind = WAIT_OTHER;
                managedthread_wake(t, WAKE_EVENT);
            }
        }
    }
}

static bool _managedthread_sameKey(const FutexKey* a, const FutexKey* b) {
    return a->object == b->object && a->id == b->id && a->offset == b->offset;
}

/* The blocked futex waiter on `key` matching `bitset` that waited longest, over the host. */
static ManagedThread* _managedthread_oldestFutexWaiter(Host* host, const FutexKey* key,
                                                       uint32_t bitset) {
    ManagedThread* best = NULL;
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* p = host_getProcess(host, i);
        for (size_t j = 0; j < process_getThreadCount(p); j++) {
            ManagedThread* t = process_getThreadAt(p, j);
            if (t->blocked && t->wait_kind == WAIT_FUTEX &&
                _managedthread_sameKey(&t->futex_key, key) && (t->futex_bitset & bitset) != 0 &&
                (best == NULL || t->wait_seq < best->wait_seq)) {
                best = t;
            }
        }
    }
    return best;
}

int managedthread_wakeFutex(Host* host, const FutexKey* key, uint32_t bitset, int n) {
    int woken = 0;
    for (; woken < n; woken++) {
        ManagedThread* t = _managedthread_oldestFutexWaiter(host, key, bitset);
        if (t == NULL) {
            break;
        }
        t->wait_kind = WAIT_OTHER; /* no longer a futex waiter: a second wake must skip it */
        managedthread_wake(t, WAKE_EVENT);
    }
    return woken;
}

int managedthread_requeueFutex(Host* host, const FutexKey* from, const FutexKey* to, int n) {
    int moved = 0;
    for (; moved < n; moved++) {
        ManagedThread* t = _managedthread_oldestFutexWaiter(host, from, ~0u);
        if (t == NULL) {
            break;
        }
        t->futex_key = *to; /* keeps its place in line (wait_seq) */
    }
    return moved;
}

/* ----------------------------------------------------------------------------------------------
 * Signal state of a thread.
 * ---------------------------------------------------------------------------------------------- */

uint64_t managedthread_getSignalMask(const ManagedThread* thread) {
    return thread->sigmask;
}

void managedthread_setSignalMask(ManagedThread* thread, uint64_t mask) {
    /* SIGKILL and SIGSTOP cannot be blocked; SIGSYS is the shim's and never blocked. */
    thread->sigmask = mask & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)) |
                               (1ULL << (SIGSYS - 1)));
}

uint64_t managedthread_getSigwaitSet(const ManagedThread* thread) {
    return thread->sigwait_set;
}

void managedthread_setSigwaitSet(ManagedThread* thread, uint64_t set) {
    thread->sigwait_set = set;
}

int managedthread_getParentDeathSignal(const ManagedThread* thread) {
    return thread->pdeathsig;
}

void managedthread_setParentDeathSignal(ManagedThread* thread, int sig) {
    thread->pdeathsig = sig;
}

void managedthread_setTemporaryMask(ManagedThread* thread, uint64_t mask) {
    if (!thread->temp_mask_active) {
        thread->saved_mask = thread->sigmask;
        thread->temp_mask_active = true;
    }
    managedthread_setSignalMask(thread, mask);
}
