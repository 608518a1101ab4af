/* Identity the host gives its processes: parent pid, uname, CPU affinity, process groups and
 * sessions. Values that vary between real machines are fixed so runs are reproducible
 * (compat.md 5: one CPU, constant uname). */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "host/syscall/syscall.h"
#include "lib/logger.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

SyscallReturn syscallhandler_getppid(SyscallContext* ctx) {
    return syscall_done(process_getParentPid(ctx->process));
}

SyscallReturn syscallhandler_uname(SyscallContext* ctx) {
    struct utsname u;
    memset(&u, 0, sizeof(u));
    strncpy(u.sysname, "Linux", sizeof(u.sysname) - 1);
    strncpy(u.nodename, host_getName(ctx->host), sizeof(u.nodename) - 1);
    strncpy(u.release, "6.1.0-umbra", sizeof(u.release) - 1);
    strncpy(u.version, "#1 SMP PREEMPT_DYNAMIC 2000-01-01", sizeof(u.version) - 1);
    strncpy(u.machine, "x86_64", sizeof(u.machine) - 1);
    strncpy(u.domainname, "(none)", sizeof(u.domainname) - 1);
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[0], &u, sizeof(u)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* sched_getaffinity(pid, len, mask): one CPU. The kernel's answer is the size of its CPU mask
 * (8 bytes here); a buffer smaller than that is EINVAL. */
SyscallReturn syscallhandler_sched_getaffinity(SyscallContext* ctx) {
    uint64_t len = (uint64_t)ctx->args[1];
    if (len < sizeof(uint64_t) || (len % sizeof(long)) != 0) {
        return syscall_done(-EINVAL);
    }
    uint64_t mask = 1;
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[2], &mask, sizeof(mask)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(sizeof(mask));
}

SyscallReturn syscallhandler_sched_setaffinity(SyscallContext* ctx) {
    return syscall_done(0);
}

/* The process `pid` refers to: 0 is the caller; others must be on this host. */
static Process* _ident_target(SyscallContext* ctx, int64_t pid) {
    if (pid == 0) {
        return ctx->process;
    }
    if (pid < 0 || pid > INT32_MAX) {
        return NULL;
    }
    return host_lookupProcess(ctx->host, (int32_t)pid);
}

SyscallReturn syscallhandler_getpgrp(SyscallContext* ctx) {
    return syscall_done(process_getGroupId(ctx->process));
}

SyscallReturn syscallhandler_getpgid(SyscallContext* ctx) {
    Process* p = _ident_target(ctx, (int32_t)ctx->args[0]);
    return syscall_done(p != NULL ? process_getGroupId(p) : -ESRCH);
}

SyscallReturn syscallhandler_getsid(SyscallContext* ctx) {
    Process* p = _ident_target(ctx, (int32_t)ctx->args[0]);
    return syscall_done(p != NULL ? process_getSessionId(p) : -ESRCH);
}

/* setpgid(pid, pgid): the caller or one of its children, within the caller's session. */
SyscallReturn syscallhandler_setpgid(SyscallContext* ctx) {
    int64_t pgid = (int32_t)ctx->args[1];
    if (pgid < 0) {
        return syscall_done(-EINVAL);
    }
    Process* p = _ident_target(ctx, (int32_t)ctx->args[0]);
    if (p == NULL || (p != ctx->process &&
                      process_getParentPid(p) != process_getVirtualPid(ctx->process))) {
        return syscall_done(-ESRCH);
    }
    if (process_getSessionId(p) != process_getSessionId(ctx->process)) {
        return syscall_done(-EPERM);
    }
    if (process_getSessionId(p) == process_getVirtualPid(p)) {
        return syscall_done(-EPERM); /* a session leader cannot change its group */
    }
    process_setGroupId(p, pgid == 0 ? process_getVirtualPid(p) : (int32_t)pgid);
    return syscall_done(0);
}

SyscallReturn syscallhandler_setsid(SyscallContext* ctx) {
    Process* p = ctx->process;
    int32_t vpid = process_getVirtualPid(p);
    if (process_getGroupId(p) == vpid) {
        return syscall_done(-EPERM); /* already a group leader */
    }
    process_setSessionId(p, vpid);
    process_setGroupId(p, vpid);
    return syscall_done(vpid);
}

/* sysinfo: figures that do not depend on the real machine (compat.md 5). */
SyscallReturn syscallhandler_sysinfo(SyscallContext* ctx) {
    struct sysinfo info;
    memset(&info, 0, sizeof(info));
    info.uptime = (long)(ctx->now / SIMTIME_ONE_SECOND);
    info.totalram = 16ULL << 30;
    info.freeram = 8ULL << 30;
    info.procs = (unsigned short)host_getProcessCount(ctx->host);
    info.mem_unit = 1;
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[0], &info, sizeof(info)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* prctl: the options that concern the virtual process tree are umbra's; the rest run natively
 * (the shim refuses to disarm syscall dispatch before this is reached). PR_SET_DUMPABLE is
 * recorded, not applied: a process that is not dumpable cannot be read or have descriptors taken
 * (process_vm_readv, pidfd_getfd) by an umbra without CAP_SYS_PTRACE, which needs both for every
 * syscall with a pointer and every wait on a pipe. */
SyscallReturn syscallhandler_prctl(SyscallContext* ctx) {
    int option = (int)ctx->args[0];
    uint64_t arg2 = (uint64_t)ctx->args[1];
    int value;
    switch (option) {
        case PR_SET_SYSCALL_USER_DISPATCH: {
            /* The shim refuses it (the program would escape interception); umbra says so once. */
            static int warned;
            if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                log_warning("prctl(PR_SET_SYSCALL_USER_DISPATCH) refused with EINVAL (process "
                            "'%s'); further cases are not reported",
                            process_getName(ctx->process));
            }
            return syscall_done(-EINVAL);
        }
        case PR_SET_SECCOMP: {
            /* Refused as seccomp(2) is (ENOSYS): a strict mode would kill the process at the
             * shim's next futex, and a filter would also judge the shim's own syscalls. EINVAL
             * is what a kernel without seccomp answers. */
            static int warned;
            if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                log_warning("prctl(PR_SET_SECCOMP) refused with EINVAL (process '%s'); further "
                            "cases are not reported",
                            process_getName(ctx->process));
            }
            return syscall_done(-EINVAL);
        }
        case PR_SET_DUMPABLE:
            if (arg2 > 1) {
                return syscall_done(-EINVAL); /* SUID_DUMP_ROOT is not for prctl */
            }
            process_setDumpable(ctx->process, arg2 == 1);
            return syscall_done(0);
        case PR_GET_DUMPABLE:
            return syscall_done(process_isDumpable(ctx->process) ? 1 : 0);
        case PR_SET_PDEATHSIG:
            if (arg2 > 64) {
                return syscall_done(-EINVAL);
            }
            managedthread_setParentDeathSignal(ctx->thread, (int)arg2);
            return syscall_done(0);
        case PR_GET_PDEATHSIG:
            value = managedthread_getParentDeathSignal(ctx->thread);
            return syscall_done(process_writeMemory(ctx->process, arg2, &value, sizeof(value)) == 0
                                    ? 0
                                    : -EFAULT);
        case PR_SET_CHILD_SUBREAPER:
            process_setChildSubreaper(ctx->process, arg2 != 0);
            return syscall_done(0);
        case PR_GET_CHILD_SUBREAPER:
            value = process_isChildSubreaper(ctx->process) ? 1 : 0;
            return syscall_done(process_writeMemory(ctx->process, arg2, &value, sizeof(value)) == 0
                                    ? 0
                                    : -EFAULT);
        default:
            return syscall_native();
    }
}

/* getcpu(cpu, node, cache): the one CPU there is, CPU 0 on node 0. */
SyscallReturn syscallhandler_getcpu(SyscallContext* ctx) {
    uint32_t zero = 0;
    for (int i = 0; i < 2; i++) {
        uint64_t addr = (uint64_t)ctx->args[i];
        if (addr != 0 && process_writeMemory(ctx->process, addr, &zero, sizeof(zero)) != 0) {
            return syscall_done(-EFAULT);
        }
    }
    return syscall_done(0);
}
