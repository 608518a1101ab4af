/* A managed process: a real native process running a real program, known to the simulation by a
 * virtual pid (architecture.md 7). It is RUNNING until its native process ends, then a ZOMBIE
 * holding its status until its parent reaps it (wait4) or, for a process whose parent is init
 * (those started from the config, and orphans), at once.
 *
 * Every managed process is a native child of umbra (the shim forks with CLONE_PARENT), so umbra
 * collects the genuine native wait status of each with wait4(__WALL), and each dies with umbra
 * (PR_SET_PDEATHSIG). The simulator's view of parents, children, groups and sessions is virtual.
 *
 * Threading: like everything on a host, only touched by the thread running the host. */
#ifndef SIM_HOST_PROCESS_H_
#define SIM_HOST_PROCESS_H_

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "host/host.h"

typedef struct _ManagedThread ManagedThread;

/* How a process ended, as compat.md 3.4 compares it with expected_final_state. */
typedef enum {
    PROCESS_END_EXITED,   /* exit code in `value` */
    PROCESS_END_SIGNALED, /* signal number in `value` */
    PROCESS_END_RUNNING,  /* still running at stop_time (killed by umbra) */
} ProcessEndKind;

typedef struct {
    ProcessEndKind kind;
    int value;
} ProcessEndState;

typedef struct {
    const char* path;         /* canonical absolute path to execute */
    char* const* argv;        /* NULL-terminated; argv[0] as the user wrote it */
    char* const* envp;        /* NULL-terminated environment, without UMBRA_IPC_PATH */
    const char* exe_name;     /* file name of the canonical path: names output files and logs */
    bool has_expectation;     /* only processes from the config carry one */
    ProcessEndState expected; /* expected_final_state */
} ProcessSpawnParams;

/* Starts a process from the config on `host` at the current time: a native fork and exec with
 * fds 0 (/dev/null), 1 and 2 (hosts/<host>/<exe>.<pid>.stdout and .stderr), cwd the host's data
 * directory, ASLR off and PR_SET_PDEATHSIG. Its main thread is then run until it blocks. Returns its
 * virtual pid, or -1 after logging why it could not start. The process belongs to the host. */
int32_t process_spawn(Host* host, const ProcessSpawnParams* params);

/* A process created by a fork of `parent` (the thread for it is made by the caller). */
Process* process_newForked(Host* host, Process* parent, int32_t vpid);

void process_free(Process* process);

Host* process_getHost(Process* process);
int32_t process_getVirtualPid(const Process* process);
int32_t process_getParentPid(const Process* process);
int32_t process_getGroupId(const Process* process);
void process_setGroupId(Process* process, int32_t pgid);
int32_t process_getSessionId(const Process* process);
void process_setSessionId(Process* process, int32_t sid);
pid_t process_getNativePid(const Process* process);
void process_setNativePid(Process* process, pid_t pid);
/* "<host>.<exe>.<vpid>", the name used in log messages. Borrowed. */
const char* process_getName(const Process* process);
bool process_isZombie(const Process* process);
/* The native wait status of a zombie. */
int process_getWaitStatus(const Process* process);
/* The thread whose tid is the pid, while it lives; NULL after it exited (others may live on). */
ManagedThread* process_getMainThread(Process* process);
/* A live native thread of the process: the leader's while it lives, else another's. The
 * process's memory, descriptors and maps are reached through it (a leader that exited before its
 * threads has none left). */
pid_t process_getLiveNativeTid(Process* process);
/* A pidfd for that thread, for pidfd_getfd (-errno on failure). */
int process_openNativePidfd(Process* process);
/* Threads: the process owns them. removeThread frees the thread. */
void process_addThread(Process* process, ManagedThread* thread);
void process_removeThread(Process* process, ManagedThread* thread);
ManagedThread* process_getThread(Process* process, int32_t vtid);
size_t process_getThreadCount(const Process* process);
ManagedThread* process_getThreadAt(Process* process, size_t index);

/* vfork: the parent thread that waits until this child execs or exits, or NULL. */
void process_setVforkParent(Process* process, ManagedThread* parent);
/* Called when the process execs or ends: wakes a waiting vfork parent. */
void process_releaseVforkParent(Process* process);

/* The native process ended with `wait_status` (already collected with process_waitNative):
 * becomes a zombie, wakes its parent, reparents its children to init, and is reaped at once if its
 * parent is init (checking expected_final_state for processes from the config). May free
 * `process`. */
void process_handleExit(Process* process, int wait_status);

/* A parent reaps its zombie child `child` (wait4): frees it. */
void process_reap(Process* child);

/* Signal dispositions, as the program set them with rt_sigaction (the shim installs them
 * natively too). umbra needs them to decide whether a signal interrupts a blocked syscall and
 * whether that syscall restarts. */
typedef enum { SIGNAL_ACTION_DEFAULT = 0, SIGNAL_ACTION_IGNORE, SIGNAL_ACTION_HANDLER } SignalActionKind;
void process_setSignalAction(Process* process, int sig, SignalActionKind kind, uint64_t flags);
/* exec: handlers go back to the default, ignored signals stay ignored. */
void process_resetSignalHandlers(Process* process);
/* The signal that woke a blocked syscall restarts it (a handler with SA_RESTART). */
bool process_signalRestarts(const Process* process);

/* Sends a signal (info->si_signo, with its siginfo) to the process, or to one of its threads if
 * `to` is not NULL. Delivery is virtual: the signal is queued (standard signals coalesce,
 * real-time ones queue) and raised natively in a thread, with that siginfo, at its next syscall
 * boundary; a blocked syscall is interrupted; stop signals stop the process in umbra and SIGCONT
 * continues it. Returns 0, or -EAGAIN when the real-time queue is full. */
int process_sendSignal(Process* process, ManagedThread* to, const siginfo_t* info);
/* The same with a siginfo from the kernel (SI_KERNEL: timers' SIGALRM), or from a process
 * (SI_USER with the sender's virtual pid; 0 for umbra itself). */
void process_signal(Process* process, int sig);
void process_signalFrom(Process* process, int sig, int32_t sender);
/* Takes the lowest pending signal of `set`, the thread's own first, into *out (may be NULL).
 * With `for_delivery` (the signal is about to be raised) a stop signal with the default action
 * stops the process instead, and one that became ignored is dropped. Returns it, or 0. */
int process_takeSignal(Process* process, ManagedThread* thread, uint64_t set, siginfo_t* out,
                       bool for_delivery);
/* Pending signals of the process, and of `thread` if not NULL. */
uint64_t process_getPendingSignals(const Process* process, ManagedThread* thread);
/* The pending set changed (signalfd readiness follows it). */
void process_signalsChanged(Process* process);
/* SIGCHLD's siginfo for a zombie (also waitid's). */
void process_getExitInfo(const Process* child, siginfo_t* info);

/* Stop and continue (WUNTRACED/WSTOPPED, WCONTINUED): whether the process is stopped; the signal
 * that stopped it if that stop was not yet reported to a wait (0 otherwise); whether it was
 * continued since its last report. `consume` marks it reported. */
bool process_isStopped(const Process* process);
int process_takeStopReport(Process* process, bool consume);
bool process_takeContinueReport(Process* process, bool consume);

/* The real-time interval timer (alarm, setitimer ITIMER_REAL): time to the next SIGALRM (0:
 * disarmed) and its period, and arming it (value 0 disarms). Not inherited by fork. */
void process_getItimer(const Process* process, SimTime now, SimTime* remaining, SimTime* interval);
void process_setItimer(Process* process, SimTime now, SimTime value, SimTime interval);

/* POSIX timers (posix_timer.h): the process's table (created on first use), the next timer id,
 * and deleting them all (exec, exit). */
GPtrArray* process_getPosixTimers(Process* process);
int process_takeNextTimerId(Process* process);
void process_deletePosixTimers(Process* process);

/* prctl's PR_SET_DUMPABLE as umbra records it (inherited by fork, set again by exec) and
 * PR_SET_CHILD_SUBREAPER (orphaned descendants are adopted by the nearest such ancestor).
 * PR_SET_PDEATHSIG is per thread (managed_thread.h); it is sent when the virtual parent ends. */
void process_setDumpable(Process* process, bool on);
bool process_isDumpable(const Process* process);
void process_setChildSubreaper(Process* process, bool on);
bool process_isChildSubreaper(const Process* process);

/* Resource usage. umbra, not the virtual parent, is each process's native parent, so the kernel
 * cannot add a child's usage to its virtual parent's RUSAGE_CHILDREN: umbra keeps the usage that
 * wait4 reports when it collects a native process, and adds it (with that process's own reaped
 * children's) to the parent's when the parent reaps it, as Linux's wait does. */

/* wait4(native pid, status, options | __WALL), again after EINTR: the native status, and the
 * usage kept once the process ended. Returns what wait4 returns (errno set on -1). */
pid_t process_waitNative(Process* process, int options, int* status);
/* A reaped process's usage as wait4 reports it to its parent: its own and its reaped children's. */
void process_getUsage(const Process* process, struct rusage* out);
/* RUSAGE_CHILDREN: the usage of the process's reaped children (and of theirs). */
void process_getChildrenUsage(const Process* process, struct rusage* out);
/* `parent` reaps `child` with wait: the child's usage becomes part of the parent's children's. */
void process_addChildUsage(Process* parent, const Process* child);

/* clone: CLONE_PARENT makes the caller's parent the new process's parent; the exit signal is the
 * one the clone named (SIGCHLD by default; 0: none), reset to SIGCHLD when the process is
 * reparented. */
void process_setParentPid(Process* process, int32_t ppid);
/* Linux's parent is a thread: PR_SET_PDEATHSIG fires when the thread that created a process ends,
 * even if its process goes on, and the child then counts as the child of another of its threads
 * (whose end fires it again). setParentThread records the creating thread (setParentPid forgets
 * it); threadEnding, called as a thread other than the last ends, does the rest. */
void process_setParentThread(Process* process, int32_t tid);
void process_threadEnding(Process* process, int32_t vtid);
int process_getExitSignal(const Process* process);
void process_setExitSignal(Process* process, int sig);
/* The inode of the pidfd CLONE_PIDFD made for this process (pidfs gives each process its own), so
 * waitid(P_PIDFD) finds it after the native process is gone (0: none). */
uint64_t process_getPidfdInode(const Process* process);
void process_setPidfdInode(Process* process, uint64_t inode);

/* At stop_time: kills the native process and records it as still running. */
void process_stopAtEnd(Process* process);

/* Tracee memory, through process_vm_readv/writev. Return 0 or -EFAULT. */
int process_readMemory(Process* process, uint64_t addr, void* buf, size_t len);
int process_writeMemory(Process* process, uint64_t addr, const void* buf, size_t len);
/* What the process's descriptor `fd` is (stat through /proc, following it as the kernel does): 0,
 * or -EBADF when it is not open. */
int process_statFd(Process* process, int fd, struct stat* st);
/* umbra's own duplicate of the process's descriptor `fd` (pidfd_getfd), or -errno. */
int process_dupNativeFd(Process* process, int fd);
/* Reads a NUL-terminated string of at most len-1 bytes; -ENAMETOOLONG if longer. */
int process_readString(Process* process, uint64_t addr, char* buf, size_t len);

/* Number of processes (from the config) that ended in an unexpected final state, over all hosts. */
unsigned process_getUnexpectedEndCount(void);

#endif
