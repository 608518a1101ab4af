/* Process syscalls: clone/fork/vfork, execve, exit, wait4 and the kill family.
 *
 * A clone is two steps. The handler allocates the child's ids, process and channel and answers
 * CLONE; the shim forks natively (CLONE_PARENT, so umbra is the native parent) and reports the
 * native result; syscall_finishClone completes it. A vfork parent then stays blocked until the
 * child execs or exits (the shim makes the vfork child share the parent's memory natively). A
 * thread (CLONE_THREAD) gets its own channel in the same process; sharing memory without being a
 * thread or a vfork child (CLONE_VM alone) is not supported (ENOSYS). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/syscall/syscall.h"
#include "lib/execcheck.h"
#include "lib/logger.h"

#define PROC_NAMESPACE_FLAGS                                                                    \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |  \
     CLONE_NEWCGROUP)

static void _proc_warnOnce(int* flag, const char* what, Process* p) {
    if (!__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED)) {
        log_warning("%s (process '%s'); further cases are not reported", what,
                    process_getName(p));
    }
}

/* The answer to a clone: the new thread inherits the caller's signal mask; the caller remembers
 * the new id and the flags for syscall_finishClone; the shim gets the channel to hand over. */
static SyscallReturn _proc_answerClone(SyscallContext* ctx, ManagedThread* thread, int32_t id,
                                       uint64_t flags) {
    managedthread_setSignalMask(thread, managedthread_getSignalMask(ctx->thread));
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    scratch->value = id;
    scratch->flags = (int64_t)flags;
    g_strlcpy(ctx->reply_payload, managedthread_getChannelPath(thread), IPC_PAYLOAD_SIZE);
    ctx->reply_args[0] = id;
    return (SyscallReturn){.kind = SYSCALL_CLONE};
}

static SyscallReturn _proc_cloneThread(SyscallContext* ctx, uint64_t flags) {
    static int warned_tls;
    /* As Linux: a thread shares signal handlers, which needs a shared address space. */
    if (!(flags & CLONE_SIGHAND) || !(flags & CLONE_VM)) {
        return syscall_done(-EINVAL);
    }
    /* The shim keeps each thread's state in thread-local storage: a thread running on its
     * creator's thread pointer (no CLONE_SETTLS, as Go's runtime does before it sets its own)
     * would share it while both run. */
    if (!(flags & CLONE_SETTLS)) {
        _proc_warnOnce(&warned_tls,
                       "a thread without its own thread pointer (no CLONE_SETTLS) is not "
                       "supported (ENOSYS)",
                       ctx->process);
        return syscall_done(-ENOSYS);
    }
    int32_t vtid = host_allocateVirtualId(ctx->host);
    ManagedThread* thread = managedthread_new(ctx->process, vtid);
    if (thread == NULL) {
        return syscall_done(-EAGAIN);
    }
    if (flags & CLONE_CHILD_CLEARTID) {
        managedthread_setClearTidAddress(thread, (uint64_t)ctx->args[3]);
    }
    process_addThread(ctx->process, thread);
    return _proc_answerClone(ctx, thread, vtid, flags);
}

static SyscallReturn _proc_clone(SyscallContext* ctx, uint64_t flags) {
    static int warned_vm, warned_ns;
    if (flags & PROC_NAMESPACE_FLAGS) {
        _proc_warnOnce(&warned_ns, "clone with namespace flags refused (EPERM)", ctx->process);
        return syscall_done(-EPERM);
    }
    if (flags & CLONE_THREAD) {
        return _proc_cloneThread(ctx, flags);
    }
    if ((flags & CLONE_SIGHAND) || ((flags & CLONE_VM) && !(flags & CLONE_VFORK))) {
        _proc_warnOnce(&warned_vm,
                       "clone sharing memory or handlers without being a thread is not supported "
                       "(ENOSYS)",
                       ctx->process);
        return syscall_done(-ENOSYS);
    }
    int32_t vpid = host_allocateVirtualId(ctx->host);
    Process* child = process_newForked(ctx->host, ctx->process, vpid);
    if (flags & CLONE_PARENT) {
        /* A sibling of the caller: its parent waits for it and gets the caller's exit signal. */
        process_setParentPid(child, process_getParentPid(ctx->process));
        process_setExitSignal(child, process_getExitSignal(ctx->process));
    } else {
        process_setExitSignal(child, (int)(flags & CSIGNAL));
        process_setParentThread(child, managedthread_getVirtualTid(ctx->thread));
    }
    ManagedThread* thread = managedthread_new(child, vpid);
    if (thread == NULL) {
        process_free(child);
        return syscall_done(-EAGAIN);
    }
    process_addThread(child, thread);
    host_addProcess(ctx->host, child);
    return _proc_answerClone(ctx, thread, vpid, flags);
}

SyscallReturn syscallhandler_clone(SyscallContext* ctx) {
    return _proc_clone(ctx, (uint64_t)ctx->args[0]);
}

SyscallReturn syscallhandler_fork(SyscallContext* ctx) {
    return _proc_clone(ctx, SIGCHLD);
}

SyscallReturn syscallhandler_vfork(SyscallContext* ctx) {
    return _proc_clone(ctx, CLONE_VM | CLONE_VFORK | SIGCHLD);
}

/* unshare: a private copy of the descriptor table, the filesystem context or the SysV semaphore
 * undo list only changes the caller, natively; namespaces are refused as for clone. */
SyscallReturn syscallhandler_unshare(SyscallContext* ctx) {
    static int warned_ns;
    uint64_t flags = (uint64_t)ctx->args[0];
    const uint64_t valid = CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES |
                           CLONE_SYSVSEM | PROC_NAMESPACE_FLAGS | CLONE_NEWTIME;
    if (flags & ~valid) {
        return syscall_done(-EINVAL);
    }
    if (flags & (PROC_NAMESPACE_FLAGS | CLONE_NEWTIME)) {
        _proc_warnOnce(&warned_ns, "unshare of namespaces refused (EPERM)", ctx->process);
        return syscall_done(-EPERM);
    }
    return syscall_native();
}

/* CLONE_PIDFD: the shim opened the pidfd (args[1] of its report); its pidfs inode identifies the
 * child for waitid(P_PIDFD), also after the native process has been reaped. */
static void _proc_recordPidfd(SyscallContext* ctx, Process* child, int64_t fd) {
    struct stat st;
    if (process_statFd(ctx->process, (int)fd, &st) == 0) {
        process_setPidfdInode(child, (uint64_t)st.st_ino);
    }
}

SyscallReturn syscall_finishClone(SyscallContext* ctx, int64_t native_result) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    int32_t vpid = (int32_t)scratch->value;
    if (ctx->wake == WAKE_SIGNAL) {
        /* A vfork parent waits killably, as in Linux: a signal stays pending until the child has
         * exec'd or ended (the child may be running on this thread's stack). */
        return syscall_block(SIMTIME_INVALID);
    }
    if (ctx->wake != WAKE_NONE) {
        return syscall_done(vpid); /* a vfork parent released by its child */
    }
    if (scratch->flags & CLONE_THREAD) {
        ManagedThread* thread = process_getThread(ctx->process, vpid);
        if (native_result < 0) {
            process_removeThread(ctx->process, thread);
            return syscall_done(native_result);
        }
        managedthread_scheduleRun(thread);
        return syscall_done(vpid);
    }
    Process* child = host_lookupProcess(ctx->host, vpid);
    if (native_result < 0) {
        host_removeProcess(ctx->host, vpid);
        return syscall_done(native_result);
    }
    process_setNativePid(child, (pid_t)native_result);
    if (ctx->args[1] >= 0) {
        _proc_recordPidfd(ctx, child, ctx->args[1]);
    }
    managedthread_scheduleRun(process_getMainThread(child));
    if (scratch->flags & CLONE_VFORK) {
        process_setVforkParent(child, ctx->thread);
        return syscall_block(SIMTIME_INVALID);
    }
    return syscall_done(vpid);
}

/* ----------------------------------------------------------------------------------------------
 * exec
 * ---------------------------------------------------------------------------------------------- */

/* Checks the target of an exec; the kernel reports missing files and permissions natively, umbra
 * only refuses what it cannot run: statically linked binaries, which the shim cannot enter. */
static SyscallReturn _proc_exec(SyscallContext* ctx, int64_t dirfd, uint64_t path_addr,
                                int64_t flags) {
    static int warned_static;
    char path[4096];
    int rv = process_readString(ctx->process, path_addr, path, sizeof(path));
    if (rv != 0) {
        return syscall_done(rv);
    }
    pid_t pid = process_getLiveNativeTid(ctx->process);
    gchar* full;
    if (path[0] == '/') {
        full = g_strdup(path);
    } else if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        full = g_strdup_printf("/proc/%d/fd/%lld", (int)pid, (long long)dirfd);
    } else if (dirfd != AT_FDCWD) {
        full = g_strdup_printf("/proc/%d/fd/%lld/%s", (int)pid, (long long)dirfd, path);
    } else {
        full = g_strdup_printf("/proc/%d/cwd/%s", (int)pid, path);
    }
    ExecCheckResult check = execcheck_verify(full, NULL, 0);
    g_free(full);
    if (check == EXECCHECK_STATIC_ELF) {
        _proc_warnOnce(&warned_static,
                       "exec of a statically linked binary refused (ENOEXEC): it cannot be "
                       "intercepted",
                       ctx->process);
        return syscall_done(-ENOEXEC);
    }
    managedthread_setExecPending(ctx->thread, true);
    return syscall_done(0);
}

SyscallReturn syscallhandler_execve(SyscallContext* ctx) {
    return _proc_exec(ctx, AT_FDCWD, (uint64_t)ctx->args[0], 0);
}

SyscallReturn syscallhandler_execveat(SyscallContext* ctx) {
    return _proc_exec(ctx, (int32_t)ctx->args[0], (uint64_t)ctx->args[1], (int32_t)ctx->args[4]);
}

/* ----------------------------------------------------------------------------------------------
 * exit and wait
 * ---------------------------------------------------------------------------------------------- */

/* exit ends the calling thread; the last thread's exit ends the process. */
SyscallReturn syscallhandler_exit(SyscallContext* ctx) {
    if (process_getThreadCount(ctx->process) > 1) {
        return (SyscallReturn){.kind = SYSCALL_THREAD_EXIT};
    }
    return (SyscallReturn){.kind = SYSCALL_NATIVE_EXIT};
}

SyscallReturn syscallhandler_exit_group(SyscallContext* ctx) {
    return (SyscallReturn){.kind = SYSCALL_NATIVE_EXIT};
}

/* Whether `child` is one the caller waits for: its own child matching `pid` (wait4's encoding),
 * and, as Linux: a "clone" child (exit signal other than SIGCHLD) only with __WCLONE, the others
 * only without it, any with __WALL. */
static bool _proc_waitMatches(Process* caller, Process* child, int64_t pid, uint32_t options) {
    if (process_getParentPid(child) != process_getVirtualPid(caller)) {
        return false;
    }
    bool clone_child = process_getExitSignal(child) != SIGCHLD;
    if (!(options & __WALL) && clone_child != ((options & __WCLONE) != 0)) {
        return false;
    }
    if (pid > 0) {
        return process_getVirtualPid(child) == pid;
    }
    if (pid == -1) {
        return true;
    }
    int32_t pgid = pid == 0 ? process_getGroupId(caller) : (int32_t)-pid;
    return process_getGroupId(child) == pgid;
}

/* What a wait found a child to report. */
typedef enum { WAITED_NONE = 0, WAITED_EXITED, WAITED_STOPPED, WAITED_CONTINUED } WaitedKind;

/* Which changes a wait reports (WEXITED, WSTOPPED = WUNTRACED, WCONTINUED). */
typedef struct {
    bool exited, stopped, continued;
} WaitWants;

/* The first child of the caller matching `pid` (wait4's encoding) with a change `wants` asks for,
 * in pid order: its kind in *kind (a stop's signal in *stop_sig). Returns it, or NULL with *any
 * saying whether some child matched at all. Nothing is consumed. */
static Process* _proc_findWaitable(SyscallContext* ctx, int64_t pid, uint32_t options,
                                   WaitWants wants, bool* any, WaitedKind* kind, int* stop_sig) {
    *any = false;
    for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
        Process* child = host_getProcess(ctx->host, i);
        if (!_proc_waitMatches(ctx->process, child, pid, options)) {
            continue;
        }
        *any = true;
        if (process_isZombie(child)) {
            if (wants.exited) {
                *kind = WAITED_EXITED;
                return child;
            }
        } else if (wants.stopped && (*stop_sig = process_takeStopReport(child, false)) != 0) {
            *kind = WAITED_STOPPED;
            return child;
        } else if (wants.continued && process_takeContinueReport(child, false)) {
            *kind = WAITED_CONTINUED;
            return child;
        }
    }
    *kind = WAITED_NONE;
    return NULL;
}

/* Marks the change found by _proc_findWaitable as reported. */
static void _proc_consumeReport(Process* child, WaitedKind kind) {
    if (kind == WAITED_STOPPED) {
        process_takeStopReport(child, true);
    } else if (kind == WAITED_CONTINUED) {
        process_takeContinueReport(child, true);
    }
}

SyscallReturn syscallhandler_wait4(SyscallContext* ctx) {
    int64_t pid = (int32_t)ctx->args[0]; /* int arguments arrive zero-extended */
    uint64_t status_addr = (uint64_t)ctx->args[1];
    uint32_t options = (uint32_t)ctx->args[2];
    uint64_t rusage_addr = (uint64_t)ctx->args[3];
    if (options & ~(uint32_t)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) {
        return syscall_done(-EINVAL);
    }
    bool any;
    WaitedKind kind;
    int stop_sig = 0;
    WaitWants wants = {true, (options & WUNTRACED) != 0, (options & WCONTINUED) != 0};
    Process* child = _proc_findWaitable(ctx, pid, options, wants, &any, &kind, &stop_sig);
    if (child != NULL) {
        int status = kind == WAITED_EXITED    ? process_getWaitStatus(child)
                     : kind == WAITED_STOPPED ? (stop_sig << 8) | 0x7f
                                              : 0xffff; /* continued */
        if (status_addr != 0 &&
            process_writeMemory(ctx->process, status_addr, &status, sizeof(status)) != 0) {
            return syscall_done(-EFAULT);
        }
        if (rusage_addr != 0) {
            struct rusage ru;
            process_getUsage(child, &ru);
            if (process_writeMemory(ctx->process, rusage_addr, &ru, sizeof(ru)) != 0) {
                return syscall_done(-EFAULT);
            }
        }
        int32_t vpid = process_getVirtualPid(child);
        if (kind == WAITED_EXITED) {
            process_addChildUsage(ctx->process, child);
            process_reap(child);
        } else {
            _proc_consumeReport(child, kind);
        }
        return syscall_done(vpid);
    }
    if (!any) {
        return syscall_done(-ECHILD);
    }
    if (options & WNOHANG) {
        return syscall_done(0);
    }
    managedthread_setWaitKind(ctx->thread, WAIT_CHILD);
    return syscall_block(SIMTIME_INVALID);
}

/* The process a pidfd of the caller names: by the native pid in the pidfd's fdinfo while the
 * native process exists, else by the pidfs inode recorded when CLONE_PIDFD made it (a pidfd from
 * elsewhere names no process umbra knows: ECHILD, as for a process that is not a child). */
static int _proc_pidfdTarget(SyscallContext* ctx, int64_t fd, int32_t* vpid) {
    pid_t self = process_getLiveNativeTid(ctx->process);
    struct stat st;
    int rv = process_statFd(ctx->process, (int)fd, &st);
    if (rv != 0) {
        return rv;
    }
    gchar* path = g_strdup_printf("/proc/%d/fdinfo/%lld", (int)self, (long long)fd);
    gchar* info = NULL;
    const char* line = NULL;
    if (g_file_get_contents(path, &info, NULL, NULL)) {
        line = strstr(info, "\nPid:");
    }
    long native = line != NULL ? strtol(line + 5, NULL, 10) : 0;
    g_free(info);
    g_free(path);
    if (line == NULL) {
        return -EBADF; /* not a pidfd: Linux says EBADF too */
    }
    for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
        Process* p = host_getProcess(ctx->host, i);
        if ((native > 0 && process_getNativePid(p) == native && !process_isZombie(p)) ||
            (process_getPidfdInode(p) != 0 && process_getPidfdInode(p) == (uint64_t)st.st_ino)) {
            *vpid = process_getVirtualPid(p);
            return 0;
        }
    }
    return -ECHILD;
}

/* waitid(idtype, id, infop, options, rusage): exited, stopped and continued children as asked;
 * WNOWAIT leaves the change to be reported again. */
SyscallReturn syscallhandler_waitid(SyscallContext* ctx) {
    int idtype = (int)ctx->args[0];
    int64_t id = (int32_t)ctx->args[1];
    uint64_t info_addr = (uint64_t)ctx->args[2];
    uint32_t options = (uint32_t)ctx->args[3];
    uint64_t rusage_addr = (uint64_t)ctx->args[4];
    if (options & ~(uint32_t)(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | __WNOTHREAD |
                              __WCLONE | __WALL) ||
        !(options & (WEXITED | WSTOPPED | WCONTINUED))) {
        return syscall_done(-EINVAL);
    }
    int64_t pid;
    switch (idtype) {
        case P_ALL: pid = -1; break;
        case P_PID:
            if (id <= 0) {
                return syscall_done(-EINVAL);
            }
            pid = id;
            break;
        case P_PGID:
            if (id < 0) {
                return syscall_done(-EINVAL);
            }
            pid = id > 0 ? -id : 0; /* 0: the caller's group */
            break;
        case P_PIDFD: {
            int32_t vpid = 0;
            int rv = _proc_pidfdTarget(ctx, id, &vpid);
            if (rv != 0) {
                return syscall_done(rv);
            }
            pid = vpid;
            break;
        }
        default: return syscall_done(-EINVAL);
    }
    bool any;
    WaitedKind kind;
    int stop_sig = 0;
    WaitWants wants = {(options & WEXITED) != 0, (options & WSTOPPED) != 0,
                       (options & WCONTINUED) != 0};
    Process* child = _proc_findWaitable(ctx, pid, options, wants, &any, &kind, &stop_sig);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    if (child != NULL) {
        if (kind == WAITED_EXITED) {
            process_getExitInfo(child, &info);
        } else {
            info.si_signo = SIGCHLD;
            info.si_pid = process_getVirtualPid(child);
            info.si_uid = getuid();
            info.si_code = kind == WAITED_STOPPED ? CLD_STOPPED : CLD_CONTINUED;
            info.si_status = kind == WAITED_STOPPED ? stop_sig : SIGCONT;
        }
    } else if (!any) {
        return syscall_done(-ECHILD);
    } else if (!(options & WNOHANG)) {
        managedthread_setWaitKind(ctx->thread, WAIT_CHILD);
        return syscall_block(SIMTIME_INVALID);
    }
    if (info_addr != 0 && process_writeMemory(ctx->process, info_addr, &info, sizeof(info)) != 0) {
        return syscall_done(-EFAULT);
    }
    if (child != NULL && rusage_addr != 0) { /* as Linux: untouched when nothing was found */
        struct rusage ru;
        process_getUsage(child, &ru);
        if (process_writeMemory(ctx->process, rusage_addr, &ru, sizeof(ru)) != 0) {
            return syscall_done(-EFAULT);
        }
    }
    if (child != NULL && !(options & WNOWAIT)) {
        if (kind == WAITED_EXITED) {
            process_addChildUsage(ctx->process, child);
            process_reap(child);
        } else {
            _proc_consumeReport(child, kind);
        }
    }
    return syscall_done(0);
}

/* ----------------------------------------------------------------------------------------------
 * Signals to processes.
 * ---------------------------------------------------------------------------------------------- */

SyscallReturn syscallhandler_kill(SyscallContext* ctx) {
    int64_t pid = (int32_t)ctx->args[0];
    int sig = (int)ctx->args[1];
    if (sig < 0 || sig > 64) {
        return syscall_done(-EINVAL);
    }
    int32_t me = process_getVirtualPid(ctx->process);
    if (pid > 0) {
        Process* target = host_lookupProcess(ctx->host, (int32_t)pid);
        if (target == NULL || process_isZombie(target)) {
            return syscall_done(target == NULL ? -ESRCH : 0);
        }
        process_signalFrom(target, sig, me);
        return syscall_done(0);
    }
    /* A group (0: the caller's, < -1: that one) or everyone the caller may signal (-1). */
    int32_t pgid = pid == 0 ? process_getGroupId(ctx->process) : (int32_t)-pid;
    bool found = false;
    for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
        Process* target = host_getProcess(ctx->host, i);
        bool match = pid == -1 ? target != ctx->process : process_getGroupId(target) == pgid;
        if (match && !process_isZombie(target)) {
            found = true;
            process_signalFrom(target, sig, me);
        }
    }
    return syscall_done(found ? 0 : -ESRCH);
}

/* The live thread `tid` of the host (in thread group `tgid` unless it is -1), or NULL. */
static ManagedThread* _proc_findThread(SyscallContext* ctx, int64_t tgid, int64_t tid) {
    for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
        Process* p = host_getProcess(ctx->host, i);
        if (process_isZombie(p) || (tgid != -1 && process_getVirtualPid(p) != tgid)) {
            continue;
        }
        ManagedThread* t = process_getThread(p, (int32_t)tid);
        if (t != NULL) {
            return t;
        }
    }
    return NULL;
}

/* tkill, tgkill and rt_tgsigqueueinfo: a signal for one thread. `info` NULL: SI_TKILL from the
 * caller. */
static SyscallReturn _proc_signalThread(SyscallContext* ctx, int64_t tgid, int64_t tid, int sig,
                                        siginfo_t* info) {
    if (sig < 0 || sig > 64 || tid <= 0 || (tgid != -1 && tgid <= 0)) {
        return syscall_done(-EINVAL);
    }
    ManagedThread* t = _proc_findThread(ctx, tgid, tid);
    if (t == NULL) {
        return syscall_done(-ESRCH);
    }
    if (sig == 0) {
        return syscall_done(0);
    }
    siginfo_t tkill;
    if (info == NULL) {
        memset(&tkill, 0, sizeof(tkill));
        tkill.si_code = SI_TKILL;
        tkill.si_pid = process_getVirtualPid(ctx->process);
        tkill.si_uid = getuid();
        info = &tkill;
    }
    info->si_signo = sig;
    return syscall_done(process_sendSignal(managedthread_getProcess(t), t, info));
}

SyscallReturn syscallhandler_tkill(SyscallContext* ctx) {
    return _proc_signalThread(ctx, -1, (int32_t)ctx->args[0], (int)ctx->args[1], NULL);
}

SyscallReturn syscallhandler_tgkill(SyscallContext* ctx) {
    return _proc_signalThread(ctx, (int32_t)ctx->args[0], (int32_t)ctx->args[1],
                              (int)ctx->args[2], NULL);
}

/* The siginfo of rt_sigqueueinfo and rt_tgsigqueueinfo. Not even root may pretend to be the
 * kernel or kill()/tgkill() (si_code >= 0 or SI_TKILL) towards anyone but itself. */
static int _proc_readQueuedInfo(SyscallContext* ctx, uint64_t addr, bool to_self, siginfo_t* info) {
    if (process_readMemory(ctx->process, addr, info, sizeof(*info)) != 0) {
        return -EFAULT;
    }
    if ((info->si_code >= 0 || info->si_code == SI_TKILL) && !to_self) {
        return -EPERM;
    }
    return 0;
}

/* rt_sigqueueinfo(tgid, sig, info): sigqueue. */
SyscallReturn syscallhandler_rt_sigqueueinfo(SyscallContext* ctx) {
    int64_t pid = (int32_t)ctx->args[0];
    int sig = (int)ctx->args[1];
    if (sig < 0 || sig > 64) {
        return syscall_done(-EINVAL);
    }
    siginfo_t info;
    /* Linux compares with the calling thread's id, so only the main thread counts as "self". */
    int rv = _proc_readQueuedInfo(ctx, (uint64_t)ctx->args[2],
                                  pid == managedthread_getVirtualTid(ctx->thread), &info);
    if (rv != 0) {
        return syscall_done(rv);
    }
    Process* target = pid > 0 ? host_lookupProcess(ctx->host, (int32_t)pid) : NULL;
    if (target == NULL) {
        return syscall_done(-ESRCH);
    }
    if (sig == 0 || process_isZombie(target)) {
        return syscall_done(0);
    }
    info.si_signo = sig;
    return syscall_done(process_sendSignal(target, NULL, &info));
}

/* rt_tgsigqueueinfo(tgid, tid, sig, info): the same for one thread. */
SyscallReturn syscallhandler_rt_tgsigqueueinfo(SyscallContext* ctx) {
    int64_t tid = (int32_t)ctx->args[1];
    siginfo_t info;
    int rv = _proc_readQueuedInfo(ctx, (uint64_t)ctx->args[3],
                                  tid == managedthread_getVirtualTid(ctx->thread), &info);
    if (rv != 0) {
        return syscall_done(rv);
    }
    return _proc_signalThread(ctx, (int32_t)ctx->args[0], tid, (int)ctx->args[2], &info);
}

/* ----------------------------------------------------------------------------------------------
 * Namespaces: refused as Linux refuses an unprivileged process.
 * ---------------------------------------------------------------------------------------------- */

/* setns: a descriptor that is not open is EBADF, as in Linux; joining anything is EPERM. */
SyscallReturn syscallhandler_setns(SyscallContext* ctx) {
    static int warned;
    struct stat st;
    if (process_statFd(ctx->process, (int32_t)ctx->args[0], &st) != 0) {
        return syscall_done(-EBADF);
    }
    _proc_warnOnce(&warned, "setns refused (EPERM)", ctx->process);
    return syscall_done(-EPERM);
}

/* ----------------------------------------------------------------------------------------------
 * pidfds.
 * ---------------------------------------------------------------------------------------------- */

/* pidfd_open(pid, flags): umbra answers the native pid of the virtual one, and the shim opens the
 * pidfd on it natively (a real pidfd: poll sees the process end). umbra notes its pidfs inode, so
 * waitid(P_PIDFD) still names the process once its native one is gone. */
/* UMBRA_SYSCALL_OWNER_PID (pid, to_native): the owner fcntl(F_SETOWN) gives a descriptor (the
 * process SIGIO and SIGURG go to) is a pid the kernel must know, and F_GETOWN's answer one the
 * program must know. A process of the host: its native pid (-ESRCH for none, as Linux); a process
 * group (negative) or a thread (F_OWNER_TID) cannot be named natively, as umbra's groups are
 * virtual: -EINVAL with one warning. Back: the virtual pid of a native one (0 stays 0). */
SyscallReturn syscallhandler_umbraOwnerPid(SyscallContext* ctx) {
    static int warned;
    int64_t pid = (int32_t)ctx->args[0];
    if (ctx->args[1] == 0) {
        if (pid <= 0) {
            return syscall_done(pid);
        }
        for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
            Process* p = host_getProcess(ctx->host, i);
            if (process_getNativePid(p) == pid) {
                return syscall_done(process_getVirtualPid(p));
            }
        }
        return syscall_done(0);
    }
    if (pid <= 0) {
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
            log_warning("process '%s': fcntl(F_SETOWN) to a process group or a thread is not "
                        "supported (EINVAL); further uses are not reported",
                        process_getName(ctx->process));
        }
        return syscall_done(-EINVAL);
    }
    Process* target = host_lookupProcess(ctx->host, (int32_t)pid);
    if (target == NULL || process_isZombie(target)) {
        return syscall_done(-ESRCH);
    }
    return syscall_done(process_getNativePid(target));
}

SyscallReturn syscallhandler_pidfd_open(SyscallContext* ctx) {
    int64_t pid = (int32_t)ctx->args[0];
    uint32_t flags = (uint32_t)ctx->args[1];
    if (pid <= 0 || (flags & ~(uint32_t)O_NONBLOCK)) {
        return syscall_done(-EINVAL);
    }
    Process* target = host_lookupProcess(ctx->host, (int32_t)pid);
    if (target == NULL || process_isZombie(target)) {
        /* A zombie's native process is already collected: there is nothing to open. */
        return syscall_done(-ESRCH);
    }
    if (process_getPidfdInode(target) == 0) {
        int pidfd = (int)syscall(SYS_pidfd_open, process_getNativePid(target), 0);
        struct stat st;
        if (pidfd >= 0 && fstat(pidfd, &st) == 0) {
            process_setPidfdInode(target, (uint64_t)st.st_ino);
        }
        if (pidfd >= 0) {
            close(pidfd);
        }
    }
    return syscall_done(process_getNativePid(target));
}

#define PROC_PIDFD_SIGNAL_THREAD 1u
#define PROC_PIDFD_SIGNAL_THREAD_GROUP 2u
#define PROC_PIDFD_SIGNAL_PROCESS_GROUP 4u

/* pidfd_send_signal(pidfd, sig, info, flags): kill, or with a siginfo rt_sigqueueinfo's rules,
 * aimed through a pidfd; at most one of the scope flags (the thread, its process, its group). */
SyscallReturn syscallhandler_pidfd_send_signal(SyscallContext* ctx) {
    int sig = (int)ctx->args[1];
    uint64_t info_addr = (uint64_t)ctx->args[2];
    uint32_t flags = (uint32_t)ctx->args[3];
    if ((flags & ~(PROC_PIDFD_SIGNAL_THREAD | PROC_PIDFD_SIGNAL_THREAD_GROUP |
                   PROC_PIDFD_SIGNAL_PROCESS_GROUP)) ||
        __builtin_popcount(flags) > 1 || sig < 0 || sig > 64) {
        return syscall_done(-EINVAL);
    }
    int32_t vpid = 0;
    int rv = _proc_pidfdTarget(ctx, (int32_t)ctx->args[0], &vpid);
    if (rv != 0) {
        return syscall_done(rv == -ECHILD ? -ESRCH : rv);
    }
    Process* target = host_lookupProcess(ctx->host, vpid);
    if (target == NULL) {
        return syscall_done(-ESRCH);
    }
    siginfo_t info;
    if (info_addr != 0) {
        if (process_readMemory(ctx->process, info_addr, &info, sizeof(info)) != 0) {
            return syscall_done(-EFAULT);
        }
        if (info.si_signo != sig) {
            return syscall_done(-EINVAL);
        }
        if (target != ctx->process && (info.si_code >= 0 || info.si_code == SI_TKILL)) {
            return syscall_done(-EPERM);
        }
    } else {
        memset(&info, 0, sizeof(info));
        info.si_signo = sig;
        info.si_code = SI_USER;
        info.si_pid = process_getVirtualPid(ctx->process);
        info.si_uid = getuid();
    }
    if (sig == 0 || process_isZombie(target)) {
        return syscall_done(0);
    }
    if (flags == PROC_PIDFD_SIGNAL_PROCESS_GROUP) {
        int32_t pgid = process_getGroupId(target);
        for (size_t i = 0; i < host_getProcessCount(ctx->host); i++) {
            Process* p = host_getProcess(ctx->host, i);
            if (process_getGroupId(p) == pgid && !process_isZombie(p)) {
                process_sendSignal(p, NULL, &info);
            }
        }
        return syscall_done(0);
    }
    ManagedThread* to = flags == PROC_PIDFD_SIGNAL_THREAD ? process_getMainThread(target) : NULL;
    return syscall_done(process_sendSignal(target, to, &info));
}
