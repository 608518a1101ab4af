/* Managed processes: native spawning, the virtual process tree, exit and reaping, and the
 * expected_final_state check (compat.md 3.4).
 *
 * Invariants: a process is in its host's table from creation until it is reaped; a zombie keeps
 * its native wait status; only processes from the config have an expectation, checked once, when
 * they end (or at stop_time). */
#include "host/process.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/managed_thread.h"
#include "host/object_counter.h"
#include "host/posix_timer.h"
#include "host/signal_queue.h"
#include "host/task.h"
#include "lib/logger.h"
#include "lib/units.h"

struct _Process {
    Host* host;                /* borrowed */
    int32_t vpid;              /* virtual pid (= main thread's vtid) */
    int32_t ppid;              /* virtual parent pid; 1 = init */
    int32_t parent_tid;        /* the parent's thread it counts as the child of (0: any) */
    int32_t pgid;              /* virtual process group */
    int32_t sid;               /* virtual session */
    pid_t native_pid;          /* the real process */
    char* name;                /* "<host>.<exe>.<vpid>" */
    char* exe_name;            /* file name of the canonical executable */
    bool has_expectation;      /* started from the config */
    ProcessEndState expected;  /* expected_final_state */
    bool zombie;               /* ended, not yet reaped */
    int wait_status;           /* native wait status once ended */
    SignalQueue pending;       /* process-directed signals, raised at a syscall boundary */
    bool stopped;              /* stopped by a stop signal: its threads get no answers */
    int stop_signal;           /* the signal that stopped it */
    bool report_stop;          /* a stop not yet reported to a wait (WUNTRACED, WSTOPPED) */
    bool report_continue;      /* a continue not yet reported to a wait (WCONTINUED) */
    GPtrArray* posix_timers;   /* PosixTimer*, owned (NULL until the first timer_create) */
    int next_timer_id;         /* the id the next timer_create gives */
    ManagedThread** threads;   /* owned, in creation (= virtual tid) order */
    size_t n_threads;          /* live threads */
    int32_t vfork_parent;      /* vpid of a vfork parent waiting for this child, or 0 */
    int32_t vfork_parent_tid;  /* and its thread */
    unsigned char action_kind[65]; /* SignalActionKind per signal */
    uint64_t action_flags[65];     /* sa_flags per signal */
    int interrupting_signal;       /* the signal that last woke a blocked syscall */
    SimTime itimer_deadline;       /* ITIMER_REAL: next expiry (0: disarmed) */
    SimTime itimer_interval;       /* ITIMER_REAL: period (0: one-shot) */
    uint64_t itimer_generation;    /* bumped on every arm, so stale expiry events do nothing */
    bool not_dumpable;             /* PR_SET_DUMPABLE 0 (umbra's record; see prctl) */
    bool subreaper;                /* PR_SET_CHILD_SUBREAPER: adopts orphaned descendants */
    struct rusage usage;           /* its own, from wait4 once the native process ended */
    struct rusage children_usage;  /* RUSAGE_CHILDREN: reaped children's, theirs included */
    int exit_signal;               /* sent to the parent when this process ends (0: none) */
    uint64_t pidfd_inode;          /* the pidfs inode of a CLONE_PIDFD pidfd for it (0: none) */
};

static unsigned _process_unexpectedEnds; /* atomic: over all hosts */

unsigned process_getUnexpectedEndCount(void) {
    return __atomic_load_n(&_process_unexpectedEnds, __ATOMIC_RELAXED);
}

static Process* _process_new(Host* host, int32_t vpid, int32_t ppid, const char* exe_name) {
    Process* p = g_new0(Process, 1);
    objectcounter_alloc(OBJECT_PROCESS);
    p->host = host;
    p->vpid = vpid;
    p->ppid = ppid;
    p->pgid = vpid;
    p->sid = vpid;
    p->exe_name = g_strdup(exe_name);
    p->exit_signal = SIGCHLD;
    p->name = g_strdup_printf("%s.%s.%d", host_getName(host), exe_name, vpid);
    signalqueue_init(&p->pending);
    return p;
}

void process_free(Process* process) {
    if (process == NULL) {
        return;
    }
    for (size_t i = 0; i < process->n_threads; i++) {
        managedthread_free(process->threads[i]);
    }
    g_free(process->threads);
    signalqueue_clear(&process->pending);
    process_deletePosixTimers(process);
    objectcounter_free(OBJECT_PROCESS);
    g_free(process->name);
    g_free(process->exe_name);
    g_free(process);
}

/* ----------------------------------------------------------------------------------------------
 * Spawning from the config.
 * ---------------------------------------------------------------------------------------------- */

static int _process_openOutput(Host* host, const char* exe, int32_t vpid, const char* suffix) {
    gchar* path = g_strdup_printf("%s/%s.%d.%s", host_getProcessOptions(host)->data_dir, exe, vpid,
                                  suffix);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_warning("cannot create %s: %s", path, g_strerror(errno));
    }
    g_free(path);
    return fd;
}

/* The child between fork and exec: only async-signal-safe calls. */
static void _process_execChild(const ProcessSpawnParams* params, char** envp, const char* cwd,
                               pid_t umbra, int out, int err) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != umbra) {
        _exit(127); /* umbra died before PDEATHSIG was armed */
    }
    personality(ADDR_NO_RANDOMIZE);
    /* umbra's threads block SIGINT and SIGTERM (its signal thread takes them); a program starts
     * with no signal blocked, as from a shell. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(cwd) != 0) {
        _exit(127);
    }
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        _exit(127);
    }
    syscall(SYS_close_range, 3, ~0U, 0);
    execve(params->path, params->argv, envp);
    _exit(127);
}

int32_t process_spawn(Host* host, const ProcessSpawnParams* params) {
    int32_t vpid = host_allocateVirtualId(host);
    Process* p = _process_new(host, vpid, 1, params->exe_name);
    p->has_expectation = params->has_expectation;
    p->expected = params->expected;
    ManagedThread* main = managedthread_new(p, vpid);
    if (main != NULL) {
        process_addThread(p, main);
    }
    int out = _process_openOutput(host, params->exe_name, vpid, "stdout");
    int err = _process_openOutput(host, params->exe_name, vpid, "stderr");
    if (main == NULL || out < 0 || err < 0) {
        goto fail;
    }
    GPtrArray* env = g_ptr_array_new_with_free_func(g_free);
    for (char* const* e = params->envp; *e != NULL; e++) {
        g_ptr_array_add(env, g_strdup(*e));
    }
    g_ptr_array_add(env, g_strdup_printf("UMBRA_IPC_PATH=%s", managedthread_getChannelPath(main)));
    const char* hosts_file = host_getProcessOptions(host)->hosts_file;
    if (hosts_file != NULL) {
        g_ptr_array_add(env, g_strdup_printf("UMBRA_HOSTS_FILE=%s", hosts_file));
    }
    g_ptr_array_add(env, NULL);
    pid_t umbra = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        _process_execChild(params, (char**)env->pdata, host_getProcessOptions(host)->data_dir,
                           umbra, out, err);
    }
    g_ptr_array_unref(env);
    close(out);
    close(err);
    out = err = -1;
    if (pid < 0) {
        log_warning("cannot fork for '%s': %s", p->name, g_strerror(errno));
        goto fail;
    }
    p->native_pid = pid;
    host_addProcess(host, p);
    log_info("process '%s' started", p->name);
    log_trace("process '%s' is native pid %d", p->name, (int)pid); /* varies between runs */
    managedthread_run(main);
    return vpid;
fail:
    if (out >= 0) {
        close(out);
    }
    if (err >= 0) {
        close(err);
    }
    process_free(p);
    return -1;
}

Process* process_newForked(Host* host, Process* parent, int32_t vpid) {
    Process* p = _process_new(host, vpid, parent->vpid, parent->exe_name);
    p->pgid = parent->pgid;
    p->sid = parent->sid;
    memcpy(p->action_kind, parent->action_kind, sizeof(p->action_kind));
    memcpy(p->action_flags, parent->action_flags, sizeof(p->action_flags));
    p->not_dumpable = parent->not_dumpable; /* a property of the memory, which fork copies */
    return p;
}

/* ----------------------------------------------------------------------------------------------
 * Accessors.
 * ---------------------------------------------------------------------------------------------- */

Host* process_getHost(Process* process) {
    return process->host;
}
int32_t process_getVirtualPid(const Process* process) {
    return process->vpid;
}
int32_t process_getParentPid(const Process* process) {
    return process->ppid;
}
int32_t process_getGroupId(const Process* process) {
    return process->pgid;
}
void process_setGroupId(Process* process, int32_t pgid) {
    process->pgid = pgid;
}
int32_t process_getSessionId(const Process* process) {
    return process->sid;
}
void process_setSessionId(Process* process, int32_t sid) {
    process->sid = sid;
}
pid_t process_getNativePid(const Process* process) {
    return process->native_pid;
}
void process_setNativePid(Process* process, pid_t pid) {
    process->native_pid = pid;
}
const char* process_getName(const Process* process) {
    return process->name;
}
bool process_isZombie(const Process* process) {
    return process->zombie;
}
int process_getWaitStatus(const Process* process) {
    return process->wait_status;
}
ManagedThread* process_getMainThread(Process* process) {
    return process_getThread(process, process->vpid);
}

pid_t process_getLiveNativeTid(Process* process) {
    if (process_getMainThread(process) != NULL) {
        return process->native_pid;
    }
    for (size_t i = 0; i < process->n_threads; i++) {
        pid_t tid = managedthread_getNativeTid(process->threads[i]);
        if (tid > 0) {
            return tid;
        }
    }
    return process->native_pid;
}

int process_openNativePidfd(Process* process) {
    pid_t tid = process_getLiveNativeTid(process);
    /* A thread other than the leader needs a thread pidfd (PIDFD_THREAD, which is O_EXCL). */
    int pidfd = (int)syscall(SYS_pidfd_open, tid, tid == process->native_pid ? 0 : O_EXCL);
    return pidfd >= 0 ? pidfd : -errno;
}

void process_addThread(Process* process, ManagedThread* thread) {
    process->threads = g_renew(ManagedThread*, process->threads, process->n_threads + 1);
    process->threads[process->n_threads++] = thread;
}

void process_removeThread(Process* process, ManagedThread* thread) {
    for (size_t i = 0; i < process->n_threads; i++) {
        if (process->threads[i] == thread) {
            memmove(&process->threads[i], &process->threads[i + 1],
                    (process->n_threads - i - 1) * sizeof(ManagedThread*));
            process->n_threads--;
            managedthread_free(thread);
            return;
        }
    }
}

ManagedThread* process_getThread(Process* process, int32_t vtid) {
    for (size_t i = 0; i < process->n_threads; i++) {
        if (managedthread_getVirtualTid(process->threads[i]) == vtid) {
            return process->threads[i];
        }
    }
    return NULL;
}

size_t process_getThreadCount(const Process* process) {
    return process->n_threads;
}

ManagedThread* process_getThreadAt(Process* process, size_t index) {
    return index < process->n_threads ? process->threads[index] : NULL;
}

void process_setVforkParent(Process* process, ManagedThread* parent) {
    process->vfork_parent = 0;
    if (parent != NULL) {
        process->vfork_parent = process_getVirtualPid(managedthread_getProcess(parent));
        process->vfork_parent_tid = managedthread_getVirtualTid(parent);
    }
}

void process_releaseVforkParent(Process* process) {
    if (process->vfork_parent == 0) {
        return;
    }
    Process* parent = host_lookupProcess(process->host, process->vfork_parent);
    ManagedThread* t = parent != NULL ? process_getThread(parent, process->vfork_parent_tid) : NULL;
    process->vfork_parent = 0;
    if (t != NULL) {
        managedthread_wake(t, WAKE_EVENT);
    }
}

/* ----------------------------------------------------------------------------------------------
 * Ending.
 * ---------------------------------------------------------------------------------------------- */

static ProcessEndState _process_endState(int wait_status) {
    if (WIFSIGNALED(wait_status)) {
        return (ProcessEndState){PROCESS_END_SIGNALED, WTERMSIG(wait_status)};
    }
    return (ProcessEndState){PROCESS_END_EXITED, WEXITSTATUS(wait_status)};
}

/* The state in YAML syntax, as Shadow prints it: {exited: 0}, {signaled: SIGTERM}, running. */
static void _process_formatEnd(ProcessEndState s, char* buf, size_t len) {
    const char* sig = units_signalName(s.value);
    switch (s.kind) {
        case PROCESS_END_EXITED: snprintf(buf, len, "{exited: %d}", s.value); break;
        case PROCESS_END_SIGNALED:
            if (sig != NULL) {
                snprintf(buf, len, "{signaled: %s}", sig);
            } else {
                snprintf(buf, len, "{signaled: %d}", s.value);
            }
            break;
        case PROCESS_END_RUNNING: snprintf(buf, len, "running"); break;
    }
}

static void _process_checkExpectation(Process* p, ProcessEndState actual) {
    if (!p->has_expectation) {
        return;
    }
    p->has_expectation = false; /* checked once */
    char exp[64], got[64];
    _process_formatEnd(p->expected, exp, sizeof(exp));
    _process_formatEnd(actual, got, sizeof(got));
    if (p->expected.kind == actual.kind && p->expected.value == actual.value) {
        log_debug("process '%s' exited with status %s", p->name, got);
    } else {
        log_error("process '%s' ended; expected end state was %s but was %s", p->name, exp, got);
        __atomic_add_fetch(&_process_unexpectedEnds, 1, __ATOMIC_RELAXED);
    }
}

/* The siginfo of a SIGCHLD (and of waitid) for `child` changing state with `code`. */
static void _process_childInfo(const Process* child, int code, int status, siginfo_t* info) {
    memset(info, 0, sizeof(*info));
    info->si_signo = SIGCHLD;
    info->si_code = code;
    info->si_pid = child->vpid;
    info->si_uid = getuid();
    info->si_status = status;
}

/* The SIGCHLD info of a zombie, from its wait status. */
void process_getExitInfo(const Process* child, siginfo_t* info) {
    int status = child->wait_status;
    if (WIFSIGNALED(status)) {
        _process_childInfo(child, WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED, WTERMSIG(status),
                           info);
    } else {
        _process_childInfo(child, CLD_EXITED, WEXITSTATUS(status), info);
    }
}

/* A child of `parent` changed state: wake its threads waiting for a child, send it `info`: the
 * child's exit signal (SIGCHLD unless the clone named another; si_signo 0: none), or SIGCHLD for a
 * stop or continue (none when the parent's SIGCHLD has SA_NOCLDSTOP). */
static void _process_notifyParent(Process* parent, const siginfo_t* info) {
    if (parent == NULL) {
        return;
    }
    for (size_t i = 0; i < parent->n_threads; i++) {
        managedthread_wakeIfWaitingForChild(parent->threads[i]);
    }
    if (info->si_signo == 0) {
        return;
    }
    bool stop_or_continue = info->si_code == CLD_STOPPED || info->si_code == CLD_CONTINUED;
    if (!(stop_or_continue && (parent->action_flags[SIGCHLD] & SA_NOCLDSTOP))) {
        process_sendSignal(parent, NULL, info);
    }
}

static void _process_sendParentDeathSignals(Process* child);

/* Who adopts the children of `process` when it ends: its nearest living ancestor that is a child
 * subreaper, or init (1). */
static int32_t _process_findAdopter(Process* process) {
    int32_t ancestor = process->ppid;
    while (ancestor != 1) {
        Process* p = host_lookupProcess(process->host, ancestor);
        if (p == NULL) {
            break;
        }
        if (p->subreaper && !p->zombie) {
            return p->vpid;
        }
        ancestor = p->ppid;
    }
    return 1;
}

void process_reap(Process* child) {
    host_removeProcess(child->host, child->vpid);
}

void process_handleExit(Process* process, int wait_status) {
    Host* host = process->host;
    process->zombie = true;
    process->wait_status = wait_status;
    signalqueue_clear(&process->pending);
    process->stopped = false;
    emulatedfdset_handOver(host, host_getEmulatedFds(host), process);
    emulatedfdset_removeOwner(host_getEmulatedFds(host), process->vpid);
    process_deletePosixTimers(process);
    char got[64];
    _process_formatEnd(_process_endState(wait_status), got, sizeof(got));
    log_debug("process '%s' ended with %s", process->name, got);
    process_releaseVforkParent(process);
    _process_checkExpectation(process, _process_endState(wait_status));

    /* Orphans go to the nearest living ancestor that is a child subreaper, else to init, which
     * reaps the zombies among them at once; children that asked for it get their parent-death
     * signal. Iterate by index from the end: reaping removes entries. */
    int32_t adopter = _process_findAdopter(process);
    for (size_t i = host_getProcessCount(host); i-- > 0;) {
        Process* child = host_getProcess(host, i);
        if (child->ppid != process->vpid) {
            continue;
        }
        child->ppid = adopter;
        child->exit_signal = SIGCHLD; /* as Linux's reparenting does */
        child->parent_tid = 0;
        _process_sendParentDeathSignals(child);
        if (child->zombie && adopter == 1) {
            process_reap(child);
        } else if (child->zombie) {
            siginfo_t info;
            process_getExitInfo(child, &info);
            info.si_signo = child->exit_signal;
            _process_notifyParent(host_lookupProcess(host, adopter), &info);
        }
    }
    Process* parent = process->ppid != 1 ? host_lookupProcess(host, process->ppid) : NULL;
    if (parent == NULL) {
        process_reap(process); /* init's child: reaped at once */
        return;
    }
    siginfo_t info;
    process_getExitInfo(process, &info);
    info.si_signo = process->exit_signal;
    _process_notifyParent(parent, &info);
    /* A parent that ignores SIGCHLD, or set SA_NOCLDWAIT, leaves no zombies of children that
     * signal SIGCHLD: they are reaped at once (the waits then end with ECHILD once no child is
     * left). */
    if (process->exit_signal == SIGCHLD &&
        (parent->action_kind[SIGCHLD] == SIGNAL_ACTION_IGNORE ||
         (parent->action_flags[SIGCHLD] & SA_NOCLDWAIT))) {
        process_reap(process);
    }
}

/* Kills the native process and collects its (genuine) wait status. */
static int _process_killNatively(Process* process) {
    kill(process->native_pid, SIGKILL);
    int status = 0;
    process_waitNative(process, 0, &status);
    return status;
}

void process_stopAtEnd(Process* process) {
    if (process->zombie) {
        return;
    }
    process->zombie = true;
    process->wait_status = _process_killNatively(process);
    log_debug("process '%s' killed at the end of the simulation", process->name);
    _process_checkExpectation(process, (ProcessEndState){PROCESS_END_RUNNING, 0});
}

/* ----------------------------------------------------------------------------------------------
 * Signals.
 * ---------------------------------------------------------------------------------------------- */

void process_setSignalAction(Process* process, int sig, SignalActionKind kind, uint64_t flags) {
    if (sig > 0 && sig <= 64) {
        process->action_kind[sig] = (unsigned char)kind;
        process->action_flags[sig] = flags;
    }
}

void process_resetSignalHandlers(Process* process) {
    for (int sig = 1; sig <= 64; sig++) {
        if (process->action_kind[sig] == SIGNAL_ACTION_HANDLER) {
            process->action_kind[sig] = SIGNAL_ACTION_DEFAULT;
            process->action_flags[sig] = 0;
        }
    }
}

bool process_signalRestarts(const Process* process) {
    int sig = process->interrupting_signal;
    return sig > 0 && process->action_kind[sig] == SIGNAL_ACTION_HANDLER &&
           (process->action_flags[sig] & SA_RESTART);
}

/* Signals whose default action is to do nothing. */
static bool _process_ignoredByDefault(int sig) {
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

#define PROCESS_STOP_SET                                                                          \
    (SIGNAL_BIT(SIGSTOP) | SIGNAL_BIT(SIGTSTP) | SIGNAL_BIT(SIGTTIN) | SIGNAL_BIT(SIGTTOU))

static bool _process_isIgnored(const Process* p, int sig) {
    SignalActionKind kind = (SignalActionKind)p->action_kind[sig];
    return kind == SIGNAL_ACTION_IGNORE ||
           (kind == SIGNAL_ACTION_DEFAULT && _process_ignoredByDefault(sig));
}

/* A stop signal whose action is the default one stops the process. */
static bool _process_stopsByDefault(const Process* p, int sig) {
    return (PROCESS_STOP_SET & SIGNAL_BIT(sig)) &&
           (sig == SIGSTOP || p->action_kind[sig] == SIGNAL_ACTION_DEFAULT);
}

/* Stopping is umbra's: the native process is never stopped (umbra would wait for it forever).
 * Its threads simply get no answer (and so run no code) until a SIGCONT. */
static void _process_stop(Process* p, int sig) {
    if (p->stopped || p->zombie) {
        return;
    }
    p->stopped = true;
    p->stop_signal = sig;
    p->report_stop = true;
    p->report_continue = false;
    log_debug("process '%s' stopped by signal %d", p->name, sig);
    siginfo_t info;
    _process_childInfo(p, CLD_STOPPED, sig, &info);
    _process_notifyParent(p->ppid != 1 ? host_lookupProcess(p->host, p->ppid) : NULL, &info);
}

static void _process_continue(Process* p) {
    p->stopped = false;
    p->report_stop = false;
    p->report_continue = true;
    log_debug("process '%s' continued", p->name);
    for (size_t i = 0; i < p->n_threads; i++) {
        managedthread_resumeAfterStop(p->threads[i]);
    }
    siginfo_t info;
    _process_childInfo(p, CLD_CONTINUED, SIGCONT, &info);
    _process_notifyParent(p->ppid != 1 ? host_lookupProcess(p->host, p->ppid) : NULL, &info);
}

/* Removes pending signals of `set` from the process and all its threads. */
static void _process_discardPending(Process* p, uint64_t set) {
    signalqueue_discard(&p->pending, set);
    for (size_t i = 0; i < p->n_threads; i++) {
        signalqueue_discard(managedthread_getSignalQueue(p->threads[i]), set);
    }
}

/* Who takes a signal just queued: a thread in sigtimedwait (or a signalfd read) for it; else a
 * blocked thread that does not block it (its call is interrupted, and the signal raised as it
 * returns); else it stays pending until a thread returns from a syscall with it unblocked. */
static void _process_wakeFor(Process* p, ManagedThread* to, uint64_t bit) {
    for (size_t i = 0; i < p->n_threads; i++) {
        ManagedThread* t = p->threads[i];
        if ((to == NULL || t == to) && managedthread_isBlocked(t) &&
            (managedthread_getSigwaitSet(t) & bit)) {
            managedthread_wake(t, WAKE_EVENT);
            return;
        }
    }
    for (size_t i = 0; i < p->n_threads; i++) {
        ManagedThread* t = p->threads[i];
        if ((to == NULL || t == to) && managedthread_isBlocked(t) &&
            !(managedthread_getSignalMask(t) & bit)) {
            managedthread_wake(t, WAKE_SIGNAL);
            return;
        }
    }
}

int process_sendSignal(Process* process, ManagedThread* to, const siginfo_t* info) {
    int sig = info->si_signo;
    if (sig <= 0 || sig > 64 || process->zombie) {
        return 0;
    }
    ManagedThread* current = managedthread_getCurrent();
    if (sig == SIGKILL && (current == NULL || managedthread_getProcess(current) != process) &&
        process->native_pid > 0) {
        /* SIGKILL cannot be caught, blocked or ignored, and must work on a process that never
         * makes another syscall: kill it natively now and collect its (genuine) status. */
        process_handleExit(process, _process_killNatively(process));
        return 0;
    }
    uint64_t bit = SIGNAL_BIT(sig);
    /* Stop and continue signals cancel each other's pending instances; SIGCONT continues a
     * stopped process whatever its disposition or mask. */
    if (sig == SIGCONT) {
        _process_discardPending(process, PROCESS_STOP_SET);
        if (process->stopped) {
            _process_continue(process);
        }
    } else if (PROCESS_STOP_SET & bit) {
        _process_discardPending(process, SIGNAL_BIT(SIGCONT));
    }
    bool blocked = process->n_threads > 0;
    for (size_t i = 0; i < process->n_threads; i++) {
        if (to == NULL || process->threads[i] == to) {
            blocked = blocked && (managedthread_getSignalMask(process->threads[i]) & bit) != 0;
        }
    }
    if (sig == SIGSTOP || (!blocked && _process_stopsByDefault(process, sig))) {
        _process_stop(process, sig);
        return 0;
    }
    if (!blocked && _process_isIgnored(process, sig)) {
        return 0; /* discarded, as Linux does: nothing is interrupted */
    }
    int rv = signalqueue_add(to != NULL ? managedthread_getSignalQueue(to) : &process->pending,
                             info);
    if (rv != 0) {
        return rv;
    }
    process->interrupting_signal = sig;
    process_signalsChanged(process);
    _process_wakeFor(process, to, bit);
    return 0;
}

void process_signal(Process* process, int sig) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    process_sendSignal(process, NULL, &info);
}

void process_signalFrom(Process* process, int sig, int32_t sender) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = sig;
    info.si_code = SI_USER;
    info.si_pid = sender;
    info.si_uid = getuid();
    process_sendSignal(process, NULL, &info);
}

int process_takeSignal(Process* process, ManagedThread* thread, uint64_t set, siginfo_t* out,
                       bool for_delivery) {
    siginfo_t local;
    out = out != NULL ? out : &local;
    for (;;) {
        int sig = signalqueue_take(managedthread_getSignalQueue(thread), set, out);
        if (sig == 0) {
            sig = signalqueue_take(&process->pending, set, out);
        }
        if (sig == 0) {
            return 0;
        }
        process_signalsChanged(process);
        if (out->si_code == SI_TIMER && !posixtimer_onDequeue(process, out)) {
            continue; /* its timer was deleted */
        }
        if (for_delivery && _process_stopsByDefault(process, sig)) {
            _process_stop(process, sig); /* never raised natively */
            continue;
        }
        if (for_delivery && _process_isIgnored(process, sig)) {
            continue; /* became ignored while it was blocked */
        }
        if (for_delivery && process->action_kind[sig] == SIGNAL_ACTION_HANDLER &&
            (process->action_flags[sig] & SA_RESETHAND)) {
            /* A one-shot handler: the kernel resets it as it delivers the signal. */
            process->action_kind[sig] = SIGNAL_ACTION_DEFAULT;
            process->action_flags[sig] = 0;
        }
        return sig;
    }
}

uint64_t process_getPendingSignals(const Process* process, ManagedThread* thread) {
    uint64_t set = signalqueue_pending(&process->pending);
    if (thread != NULL) {
        set |= signalqueue_pending(managedthread_getSignalQueue(thread));
    }
    return set;
}

void process_signalsChanged(Process* process) {
    Host* host = process->host;
    EmulatedFdSet* set = host_getEmulatedFds(host);
    uint64_t pending = signalqueue_pending(&process->pending);
    for (size_t i = 0; i < process->n_threads; i++) {
        pending |= signalqueue_pending(managedthread_getSignalQueue(process->threads[i]));
    }
    bool readied = false;
    for (size_t i = 0; i < emulatedfdset_count(set); i++) {
        EmulatedFd* efd = emulatedfdset_at(set, i);
        if (efd->kind != EMULATED_FD_SIGNALFD || efd->owner != process->vpid) {
            continue;
        }
        bool ready = (pending & efd->mask) != 0;
        if (ready && !efd->ready) {
            readied = emulatedfd_post(efd, 1) || readied;
        } else if (!ready && efd->ready) {
            emulatedfd_drain(efd);
        }
        efd->ready = ready;
    }
    if (readied) {
        managedthread_pollNativeWaiters(host); /* poll, select and epoll waiters on it */
    }
}

bool process_isStopped(const Process* process) {
    return process->stopped;
}

int process_takeStopReport(Process* process, bool consume) {
    if (!process->stopped || !process->report_stop) {
        return 0;
    }
    process->report_stop = !consume;
    return process->stop_signal;
}

bool process_takeContinueReport(Process* process, bool consume) {
    if (!process->report_continue) {
        return false;
    }
    process->report_continue = !consume;
    return true;
}

/* ----------------------------------------------------------------------------------------------
 * Tracee memory.
 * ---------------------------------------------------------------------------------------------- */

int process_readMemory(Process* process, uint64_t addr, void* buf, size_t len) {
    if (len == 0) {
        return 0;
    }
    struct iovec local = {.iov_base = buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void*)(uintptr_t)addr, .iov_len = len};
    ssize_t n = process_vm_readv(process_getLiveNativeTid(process), &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -EFAULT;
}

int process_writeMemory(Process* process, uint64_t addr, const void* buf, size_t len) {
    if (len == 0) {
        return 0;
    }
    struct iovec local = {.iov_base = (void*)buf, .iov_len = len};
    struct iovec remote = {.iov_base = (void*)(uintptr_t)addr, .iov_len = len};
    ssize_t n = process_vm_writev(process_getLiveNativeTid(process), &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -EFAULT;
}

int process_statFd(Process* process, int fd, struct stat* st) {
    if (fd < 0) {
        return -EBADF;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)process_getLiveNativeTid(process), fd);
    return stat(path, st) == 0 ? 0 : -EBADF;
}

int process_dupNativeFd(Process* process, int fd) {
    int pidfd = process_openNativePidfd(process);
    if (pidfd < 0) {
        return pidfd;
    }
    int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    int err = errno;
    close(pidfd);
    return dup >= 0 ? dup : -err;
}

int process_readString(Process* process, uint64_t addr, char* buf, size_t len) {
    /* Read page by page: a string may end just before an unmapped page. */
    size_t done = 0;
    while (done < len) {
        size_t page_left = 4096 - ((addr + done) & 4095);
        size_t chunk = MIN(page_left, len - done);
        if (process_readMemory(process, addr + done, buf + done, chunk) != 0) {
            return -EFAULT;
        }
        if (memchr(buf + done, '\0', chunk) != NULL) {
            return 0;
        }
        done += chunk;
    }
    return -ENAMETOOLONG;
}

/* ----------------------------------------------------------------------------------------------
 * The real-time interval timer (alarm, setitimer ITIMER_REAL): SIGALRM in simulated time.
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    int32_t vpid;        /* the process, found again by pid (it may be gone) */
    uint64_t generation; /* the arming this expiry belongs to */
} ItimerExpiry;

static void _process_scheduleItimer(Process* process);

static void _process_itimerTask(Host* host, void* object, void* argument) {
    ItimerExpiry* e = object;
    Process* p = host_lookupProcess(host, e->vpid);
    if (p == NULL || p->zombie || p->itimer_generation != e->generation) {
        return;
    }
    if (p->itimer_interval > 0) {
        p->itimer_deadline += p->itimer_interval;
        _process_scheduleItimer(p);
    } else {
        p->itimer_deadline = 0;
    }
    process_signal(p, SIGALRM);
}

static void _process_scheduleItimer(Process* process) {
    ItimerExpiry* e = g_new(ItimerExpiry, 1);
    *e = (ItimerExpiry){.vpid = process->vpid, .generation = process->itimer_generation};
    Task* task = task_new(_process_itimerTask, e, NULL, g_free, NULL);
    host_scheduleTaskAtTime(process->host, task, process->itimer_deadline);
    task_unref(task);
}

void process_getItimer(const Process* process, SimTime now, SimTime* remaining, SimTime* interval) {
    *remaining = process->itimer_deadline > now ? process->itimer_deadline - now
                 : process->itimer_deadline != 0 ? 1 /* due now: still armed */
                                                 : 0;
    *interval = process->itimer_interval;
}

void process_setItimer(Process* process, SimTime now, SimTime value, SimTime interval) {
    process->itimer_generation++;
    process->itimer_interval = interval;
    process->itimer_deadline = value > 0 ? now + value : 0;
    if (value > 0) {
        _process_scheduleItimer(process);
    }
}

GPtrArray* process_getPosixTimers(Process* process) {
    if (process->posix_timers == NULL) {
        process->posix_timers = g_ptr_array_new_with_free_func(g_free);
    }
    return process->posix_timers;
}

int process_takeNextTimerId(Process* process) {
    return process->next_timer_id++;
}

void process_deletePosixTimers(Process* process) {
    if (process->posix_timers != NULL) {
        g_ptr_array_unref(process->posix_timers);
        process->posix_timers = NULL;
    }
}

void process_setDumpable(Process* process, bool on) {
    process->not_dumpable = !on;
}

bool process_isDumpable(const Process* process) {
    return !process->not_dumpable;
}

void process_setParentPid(Process* process, int32_t ppid) {
    process->ppid = ppid;
    process->parent_tid = 0;
}

void process_setParentThread(Process* process, int32_t tid) {
    process->parent_tid = tid;
}

/* Each thread's own parent-death signal, to the process (collected first: one may end it). */
static void _process_sendParentDeathSignals(Process* child) {
    if (child->zombie) {
        return;
    }
    size_t n = child->n_threads;
    int* sigs = g_new0(int, n);
    for (size_t t = 0; t < n; t++) {
        sigs[t] = managedthread_getParentDeathSignal(child->threads[t]);
    }
    for (size_t t = 0; t < n; t++) {
        if (sigs[t] != 0 && !child->zombie) {
            process_signal(child, sigs[t]);
        }
    }
    g_free(sigs);
}

void process_threadEnding(Process* process, int32_t vtid) {
    int32_t heir = 0; /* find_alive_thread: the first other thread */
    for (size_t i = 0; i < process->n_threads && heir == 0; i++) {
        int32_t other = managedthread_getVirtualTid(process->threads[i]);
        heir = other != vtid ? other : 0;
    }
    Host* host = process->host;
    for (size_t i = host_getProcessCount(host); i-- > 0;) {
        Process* child = host_getProcess(host, i);
        if (child->ppid == process->vpid && child->parent_tid == vtid) {
            child->parent_tid = heir;
            _process_sendParentDeathSignals(child);
        }
    }
}

int process_getExitSignal(const Process* process) {
    return process->exit_signal;
}

void process_setExitSignal(Process* process, int sig) {
    process->exit_signal = sig;
}

uint64_t process_getPidfdInode(const Process* process) {
    return process->pidfd_inode;
}

void process_setPidfdInode(Process* process, uint64_t inode) {
    process->pidfd_inode = inode;
}

void process_setChildSubreaper(Process* process, bool on) {
    process->subreaper = on;
}

bool process_isChildSubreaper(const Process* process) {
    return process->subreaper;
}

/* ----------------------------------------------------------------------------------------------
 * Resource usage.
 * ---------------------------------------------------------------------------------------------- */

pid_t process_waitNative(Process* process, int options, int* status) {
    struct rusage ru;
    pid_t rv;
    do {
        rv = wait4(process->native_pid, status, options | __WALL, &ru);
    } while (rv < 0 && errno == EINTR);
    if (rv == process->native_pid) {
        process->usage = ru;
    }
    return rv;
}

static void _process_addTime(struct timeval* sum, struct timeval add) {
    sum->tv_sec += add.tv_sec;
    sum->tv_usec += add.tv_usec;
    if (sum->tv_usec >= 1000000) {
        sum->tv_sec++;
        sum->tv_usec -= 1000000;
    }
}

/* Adds `add` into `sum` as Linux accumulates children: times and counts add up, the peak resident
 * set is the largest. */
static void _process_addUsage(struct rusage* sum, const struct rusage* add) {
    _process_addTime(&sum->ru_utime, add->ru_utime);
    _process_addTime(&sum->ru_stime, add->ru_stime);
    sum->ru_maxrss = MAX(sum->ru_maxrss, add->ru_maxrss);
    sum->ru_minflt += add->ru_minflt;
    sum->ru_majflt += add->ru_majflt;
    sum->ru_inblock += add->ru_inblock;
    sum->ru_oublock += add->ru_oublock;
    sum->ru_nvcsw += add->ru_nvcsw;
    sum->ru_nivcsw += add->ru_nivcsw;
}

void process_getUsage(const Process* process, struct rusage* out) {
    *out = process->usage;
    _process_addUsage(out, &process->children_usage);
}

void process_getChildrenUsage(const Process* process, struct rusage* out) {
    *out = process->children_usage;
}

void process_addChildUsage(Process* parent, const Process* child) {
    struct rusage all;
    process_getUsage(child, &all);
    _process_addUsage(&parent->children_usage, &all);
}
