/* Resource limits and usage across processes: prlimit64 on another process,
 * getrusage(RUSAGE_CHILDREN) and times.
 *
 * Limits live in the native processes; a process's own are read and set natively (the shim runs
 * prlimit64 on pid 0 or its own pid without asking). Another process is named by a virtual pid,
 * which the kernel does not know: umbra calls prlimit on the native pid itself. umbra may have
 * rights the caller lacks (it may run as root), so Linux's checks are made on the caller's
 * credentials first (check_prlimit_permission and do_prlimit, in their order).
 *
 * Children's usage: see process.h (Resource usage). */
#include <errno.h>
#include <glib.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <unistd.h>

#include "host/syscall/syscall.h"

SyscallReturn syscallhandler_getrusage(SyscallContext* ctx) {
    int who = (int)ctx->args[0];
    if (who == RUSAGE_SELF || who == RUSAGE_THREAD) {
        return syscall_native(); /* the kernel knows these */
    }
    if (who != RUSAGE_CHILDREN) {
        return syscall_done(-EINVAL);
    }
    struct rusage ru;
    process_getChildrenUsage(ctx->process, &ru);
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[1], &ru, sizeof(ru)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* The credentials Linux compares, from /proc/<pid>/status. */
typedef struct {
    uid_t uid[3]; /* real, effective, saved */
    gid_t gid[3];
    uint64_t cap_effective;
} RlimitCreds;

static int _rlimit_readCreds(pid_t pid, RlimitCreds* creds) {
    gchar* path = g_strdup_printf("/proc/%d/status", (int)pid);
    FILE* f = fopen(path, "r");
    g_free(path);
    if (f == NULL) {
        return -ESRCH;
    }
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned a, b, c;
        unsigned long long caps;
        if (sscanf(line, "Uid: %u %u %u", &a, &b, &c) == 3) {
            creds->uid[0] = a, creds->uid[1] = b, creds->uid[2] = c;
            found |= 1;
        } else if (sscanf(line, "Gid: %u %u %u", &a, &b, &c) == 3) {
            creds->gid[0] = a, creds->gid[1] = b, creds->gid[2] = c;
            found |= 2;
        } else if (sscanf(line, "CapEff: %llx", &caps) == 1) {
            creds->cap_effective = caps;
            found |= 4;
        }
    }
    fclose(f);
    return found == 7 ? 0 : -ESRCH;
}

static bool _rlimit_hasCap(const RlimitCreds* creds, int cap) {
    return (creds->cap_effective >> cap) & 1;
}

/* check_prlimit_permission: the caller's real ids must be all of the target's, or the caller
 * holds CAP_SYS_RESOURCE. */
static bool _rlimit_mayAccess(const RlimitCreds* caller, const RlimitCreds* target) {
    if (_rlimit_hasCap(caller, CAP_SYS_RESOURCE)) {
        return true;
    }
    for (int i = 0; i < 3; i++) {
        if (target->uid[i] != caller->uid[0] || target->gid[i] != caller->gid[0]) {
            return false;
        }
    }
    return true;
}

/* The process a pid names: a process, or the process of a thread id. */
static Process* _rlimit_findProcess(Host* host, int32_t pid) {
    Process* p = host_lookupProcess(host, pid);
    if (p != NULL) {
        return p;
    }
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* q = host_getProcess(host, i);
        if (process_getThread(q, pid) != NULL) {
            return q;
        }
    }
    return NULL;
}

/* prlimit64(pid, resource, new, old) on a process other than the caller's own (the shim answers
 * those natively; pid 0 arriving here is run natively too). */
SyscallReturn syscallhandler_prlimit64(SyscallContext* ctx) {
    int32_t pid = (int32_t)ctx->args[0];
    unsigned resource = (unsigned)ctx->args[1];
    uint64_t new_addr = (uint64_t)ctx->args[2];
    uint64_t old_addr = (uint64_t)ctx->args[3];
    if (pid == 0) {
        return syscall_native();
    }
    struct rlimit new_limit;
    if (new_addr != 0 &&
        process_readMemory(ctx->process, new_addr, &new_limit, sizeof(new_limit)) != 0) {
        return syscall_done(-EFAULT);
    }
    Process* target = pid > 0 ? _rlimit_findProcess(ctx->host, pid) : NULL;
    if (target == NULL || process_isZombie(target)) {
        return syscall_done(-ESRCH);
    }
    RlimitCreds caller, owner;
    if (_rlimit_readCreds(process_getNativePid(ctx->process), &caller) != 0 ||
        _rlimit_readCreds(process_getNativePid(target), &owner) != 0) {
        return syscall_done(-ESRCH);
    }
    if (target != ctx->process && !_rlimit_mayAccess(&caller, &owner)) {
        return syscall_done(-EPERM);
    }
    if (resource >= RLIM_NLIMITS) {
        return syscall_done(-EINVAL);
    }
    pid_t native = process_getNativePid(target);
    struct rlimit current, old;
    if (prlimit(native, resource, NULL, &current) != 0) {
        return syscall_done(-errno);
    }
    if (new_addr != 0) {
        if (new_limit.rlim_cur > new_limit.rlim_max) {
            return syscall_done(-EINVAL);
        }
        /* Raising a hard limit takes the caller's CAP_SYS_RESOURCE, not umbra's. */
        if (new_limit.rlim_max > current.rlim_max && !_rlimit_hasCap(&caller, CAP_SYS_RESOURCE)) {
            return syscall_done(-EPERM);
        }
    }
    if (prlimit(native, resource, new_addr != 0 ? &new_limit : NULL, &old) != 0) {
        return syscall_done(-errno);
    }
    if (old_addr != 0 && process_writeMemory(ctx->process, old_addr, &old, sizeof(old)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* The first numbers after the command name in /proc/<pid>/stat: utime and stime (fields 14 and
 * 15, in clock ticks, the whole thread group's). */
static int _rlimit_readCpuTicks(pid_t pid, unsigned long long* utime, unsigned long long* stime) {
    gchar* path = g_strdup_printf("/proc/%d/stat", (int)pid);
    gchar* text = NULL;
    gboolean ok = g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    const char* end = ok ? strrchr(text, ')') : NULL; /* the name may hold spaces and ')' */
    int n = end != NULL ? sscanf(end + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                                 utime, stime)
                        : 0;
    g_free(text);
    return n == 2 ? 0 : -ESRCH;
}

static clock_t _rlimit_ticks(struct timeval tv, long hz) {
    return (clock_t)(tv.tv_sec * hz + (long long)tv.tv_usec * hz / 1000000);
}

/* times: the process's own CPU time as the kernel counts it, its reaped children's from umbra,
 * and the elapsed ticks since boot in simulated time (as sysinfo's uptime), not the machine's. */
SyscallReturn syscallhandler_times(SyscallContext* ctx) {
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t buf = (uint64_t)ctx->args[0];
    if (buf != 0) {
        unsigned long long utime = 0, stime = 0;
        if (_rlimit_readCpuTicks(process_getNativePid(ctx->process), &utime, &stime) != 0) {
            return syscall_done(-ESRCH);
        }
        struct rusage children;
        process_getChildrenUsage(ctx->process, &children);
        struct tms t = {
            .tms_utime = (clock_t)utime,
            .tms_stime = (clock_t)stime,
            .tms_cutime = _rlimit_ticks(children.ru_utime, hz),
            .tms_cstime = _rlimit_ticks(children.ru_stime, hz),
        };
        if (process_writeMemory(ctx->process, buf, &t, sizeof(t)) != 0) {
            return syscall_done(-EFAULT);
        }
    }
    return syscall_done((int64_t)(ctx->now / (SIMTIME_ONE_SECOND / (SimTime)hz)));
}
