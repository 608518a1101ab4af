/* Timers in simulated time: alarm and the ITIMER_REAL interval timer, POSIX timers (timer_create
 * and friends, see host/posix_timer.h) and timerfd (see host/emulated_fd.h). The CPU-time timers
 * (ITIMER_VIRTUAL, ITIMER_PROF, CPU-clock POSIX timers) are not modelled: EINVAL and one warning. */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "host/posix_timer.h"
#include "host/syscall/syscall.h"
#include "host/task.h"
#include "lib/logger.h"

#define USEC_PER_SEC 1000000LL

static SimTime _timer_fromTimeval(const struct timeval* tv) {
    return (SimTime)tv->tv_sec * SIMTIME_ONE_SECOND + (SimTime)tv->tv_usec * SIMTIME_ONE_MICROSECOND;
}

static struct timeval _timer_toTimeval(SimTime t) {
    /* Round up to whole microseconds: an armed timer never reads as zero. */
    SimTime us = (t + SIMTIME_ONE_MICROSECOND - 1) / SIMTIME_ONE_MICROSECOND;
    return (struct timeval){.tv_sec = (time_t)(us / USEC_PER_SEC),
                            .tv_usec = (suseconds_t)(us % USEC_PER_SEC)};
}

static int _timer_checkWhich(SyscallContext* ctx, int which) {
    static int warned;
    if (which == ITIMER_REAL) {
        return 0;
    }
    if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
            log_warning("CPU-time interval timers are not modelled: EINVAL (process '%s'); further "
                        "cases are not reported",
                        process_getName(ctx->process));
        }
    }
    return -EINVAL;
}

static int _timer_writeCurrent(SyscallContext* ctx, uint64_t addr) {
    SimTime remaining, interval;
    process_getItimer(ctx->process, ctx->now, &remaining, &interval);
    struct itimerval cur = {.it_interval = _timer_toTimeval(interval),
                            .it_value = _timer_toTimeval(remaining)};
    return process_writeMemory(ctx->process, addr, &cur, sizeof(cur)) == 0 ? 0 : -EFAULT;
}

SyscallReturn syscallhandler_getitimer(SyscallContext* ctx) {
    int rv = _timer_checkWhich(ctx, (int)ctx->args[0]);
    if (rv == 0) {
        rv = _timer_writeCurrent(ctx, (uint64_t)ctx->args[1]);
    }
    return syscall_done(rv);
}

SyscallReturn syscallhandler_setitimer(SyscallContext* ctx) {
    int rv = _timer_checkWhich(ctx, (int)ctx->args[0]);
    if (rv != 0) {
        return syscall_done(rv);
    }
    struct itimerval next = {{0, 0}, {0, 0}};
    uint64_t new_addr = (uint64_t)ctx->args[1];
    if (new_addr != 0 &&
        process_readMemory(ctx->process, new_addr, &next, sizeof(next)) != 0) {
        return syscall_done(-EFAULT);
    }
    if (next.it_value.tv_sec < 0 || next.it_value.tv_usec < 0 ||
        next.it_value.tv_usec >= USEC_PER_SEC || next.it_interval.tv_sec < 0 ||
        next.it_interval.tv_usec < 0 || next.it_interval.tv_usec >= USEC_PER_SEC) {
        return syscall_done(-EINVAL);
    }
    if (ctx->args[2] != 0 && (rv = _timer_writeCurrent(ctx, (uint64_t)ctx->args[2])) != 0) {
        return syscall_done(rv);
    }
    process_setItimer(ctx->process, ctx->now, _timer_fromTimeval(&next.it_value),
                      _timer_fromTimeval(&next.it_interval));
    return syscall_done(0);
}

/* alarm(seconds): a one-shot ITIMER_REAL; returns the seconds that were left (rounded to the
 * nearest, at least 1 while armed, as Linux does). */
SyscallReturn syscallhandler_alarm(SyscallContext* ctx) {
    SimTime remaining, interval;
    process_getItimer(ctx->process, ctx->now, &remaining, &interval);
    int64_t left = 0;
    if (remaining > 0) {
        left = (int64_t)((remaining + SIMTIME_ONE_SECOND / 2) / SIMTIME_ONE_SECOND);
        left = left > 0 ? left : 1;
    }
    uint64_t secs = (uint32_t)ctx->args[0];
    process_setItimer(ctx->process, ctx->now, secs * SIMTIME_ONE_SECOND, 0);
    return syscall_done(left);
}

/* ----------------------------------------------------------------------------------------------
 * POSIX timers and timerfd: itimerspec in simulated time.
 * ---------------------------------------------------------------------------------------------- */

#define NSEC_PER_SEC 1000000000LL

/* Clocks a timer may use, as Linux: the CPU-time clocks are not modelled (EINVAL and a warning);
 * the raw and coarse clocks cannot arm timers (EOPNOTSUPP, as Linux); unknown ids EINVAL. */
static int _timer_checkClock(SyscallContext* ctx, long clockid, bool timerfd) {
    static int warned;
    switch (clockid) {
        case CLOCK_REALTIME:
        case CLOCK_MONOTONIC:
        case CLOCK_BOOTTIME:
        case CLOCK_REALTIME_ALARM:
        case CLOCK_BOOTTIME_ALARM:
            return 0;
        case CLOCK_TAI:
            return timerfd ? -EINVAL : 0;
        case CLOCK_MONOTONIC_RAW:
        case CLOCK_REALTIME_COARSE:
        case CLOCK_MONOTONIC_COARSE:
            return timerfd ? -EINVAL : -EOPNOTSUPP;
        case CLOCK_PROCESS_CPUTIME_ID:
        case CLOCK_THREAD_CPUTIME_ID:
            if (!timerfd && !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                log_warning("CPU-time POSIX timers are not modelled: EINVAL (process '%s'); "
                            "further cases are not reported",
                            process_getName(ctx->process));
            }
            return -EINVAL;
        default:
            return -EINVAL;
    }
}

/* Reads an itimerspec: its value and interval in simulated ns. 0, -EFAULT or -EINVAL. */
static int _timer_readSpec(SyscallContext* ctx, uint64_t addr, SimTime* value, SimTime* interval) {
    struct itimerspec spec;
    if (process_readMemory(ctx->process, addr, &spec, sizeof(spec)) != 0) {
        return -EFAULT;
    }
    const struct timespec* ts[2] = {&spec.it_value, &spec.it_interval};
    for (int i = 0; i < 2; i++) {
        if (ts[i]->tv_sec < 0 || ts[i]->tv_nsec < 0 || ts[i]->tv_nsec >= NSEC_PER_SEC) {
            return -EINVAL;
        }
    }
    *value = (SimTime)spec.it_value.tv_sec * SIMTIME_ONE_SECOND + (SimTime)spec.it_value.tv_nsec;
    *interval =
        (SimTime)spec.it_interval.tv_sec * SIMTIME_ONE_SECOND + (SimTime)spec.it_interval.tv_nsec;
    return 0;
}

static int _timer_writeSpec(SyscallContext* ctx, uint64_t addr, SimTime deadline,
                            SimTime interval) {
    SimTime remaining = deadline == 0 ? 0 : deadline > ctx->now ? deadline - ctx->now : 1;
    struct itimerspec spec = {
        .it_interval = {(time_t)(interval / SIMTIME_ONE_SECOND),
                        (long)(interval % SIMTIME_ONE_SECOND)},
        .it_value = {(time_t)(remaining / SIMTIME_ONE_SECOND),
                     (long)(remaining % SIMTIME_ONE_SECOND)},
    };
    return process_writeMemory(ctx->process, addr, &spec, sizeof(spec)) == 0 ? 0 : -EFAULT;
}

/* The first expiry of an arming: 0 disarms; an absolute time (every clock reads 2000-01-01 plus
 * simulated time) already past expires at once. */
static SimTime _timer_firstExpiry(SyscallContext* ctx, SimTime value, bool absolute) {
    if (value == 0) {
        return 0;
    }
    if (!absolute) {
        return ctx->now + value;
    }
    SimTime epoch = UMBRA_EPOCH_UNIX_SEC * SIMTIME_ONE_SECOND;
    SimTime at = value > epoch ? value - epoch : 0;
    at = at > ctx->now ? at : ctx->now;
    return at > 0 ? at : 1; /* 0 means disarmed */
}

/* The kernel's struct sigevent, as far as timers read it. */
typedef struct {
    union sigval value;
    int signo;
    int notify;
    int tid;
} TimerSigevent;

SyscallReturn syscallhandler_timer_create(SyscallContext* ctx) {
    long clockid = (int32_t)ctx->args[0];
    int rv = _timer_checkClock(ctx, clockid, false);
    if (rv != 0) {
        return syscall_done(rv);
    }
    TimerSigevent ev = {.value.sival_int = 0, .signo = SIGALRM, .notify = SIGEV_SIGNAL, .tid = 0};
    bool default_value = true;
    if (ctx->args[1] != 0) {
        if (process_readMemory(ctx->process, (uint64_t)ctx->args[1], &ev, sizeof(ev)) != 0) {
            return syscall_done(-EFAULT);
        }
        default_value = false;
    }
    switch (ev.notify) {
        case SIGEV_NONE: break;
        case SIGEV_SIGNAL:
        case SIGEV_THREAD_ID:
            if (ev.signo <= 0 || ev.signo > 64) {
                return syscall_done(-EINVAL);
            }
            if (ev.notify == SIGEV_THREAD_ID && process_getThread(ctx->process, ev.tid) == NULL) {
                return syscall_done(-EINVAL); /* not a thread of this process */
            }
            break;
        default: return syscall_done(-EINVAL); /* SIGEV_THREAD is glibc's, not the kernel's */
    }
    PosixTimer* timer = posixtimer_create(ctx->process);
    timer->clockid = (int)clockid;
    timer->notify = ev.notify;
    timer->signo = ev.signo;
    timer->tid = ev.tid;
    timer->value = ev.value;
    if (default_value) {
        timer->value.sival_int = timer->id; /* sigevent NULL: the value is the timer's id */
    }
    int id = timer->id;
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[2], &id, sizeof(id)) != 0) {
        posixtimer_delete(ctx->process, id);
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

SyscallReturn syscallhandler_timer_settime(SyscallContext* ctx) {
    PosixTimer* timer = posixtimer_lookup(ctx->process, (int32_t)ctx->args[0]);
    if (timer == NULL) {
        return syscall_done(-EINVAL);
    }
    SimTime value, interval;
    int rv = _timer_readSpec(ctx, (uint64_t)ctx->args[2], &value, &interval);
    if (rv == 0 && ctx->args[3] != 0) {
        rv = _timer_writeSpec(ctx, (uint64_t)ctx->args[3], timer->deadline, timer->interval);
    }
    if (rv != 0) {
        return syscall_done(rv);
    }
    bool absolute = ((int)ctx->args[1] & TIMER_ABSTIME) != 0;
    posixtimer_arm(ctx->process, timer, _timer_firstExpiry(ctx, value, absolute), interval);
    return syscall_done(0);
}

SyscallReturn syscallhandler_timer_gettime(SyscallContext* ctx) {
    PosixTimer* timer = posixtimer_lookup(ctx->process, (int32_t)ctx->args[0]);
    if (timer == NULL) {
        return syscall_done(-EINVAL);
    }
    return syscall_done(
        _timer_writeSpec(ctx, (uint64_t)ctx->args[1], timer->deadline, timer->interval));
}

SyscallReturn syscallhandler_timer_getoverrun(SyscallContext* ctx) {
    PosixTimer* timer = posixtimer_lookup(ctx->process, (int32_t)ctx->args[0]);
    return syscall_done(timer == NULL ? -EINVAL : timer->overrun_last);
}

SyscallReturn syscallhandler_timer_delete(SyscallContext* ctx) {
    int id = (int32_t)ctx->args[0];
    if (posixtimer_lookup(ctx->process, id) == NULL) {
        return syscall_done(-EINVAL);
    }
    posixtimer_delete(ctx->process, id);
    return syscall_done(0);
}

/* timerfd_create(clockid, flags, placeholder): the shim made the placeholder eventfd (see
 * host/emulated_fd.h); its counter is the expiration count, so reads are native. */
SyscallReturn syscallhandler_timerfd_create(SyscallContext* ctx) {
    long clockid = (int32_t)ctx->args[0];
    int rv = _timer_checkClock(ctx, clockid, true);
    if (rv != 0) {
        return syscall_done(rv);
    }
    int placeholder = (int)ctx->args[2];
    int dup = process_dupNativeFd(ctx->process, placeholder);
    if (dup < 0) {
        return syscall_done(dup);
    }
    EmulatedFd* efd = emulatedfdset_add(host_getEmulatedFds(ctx->host), EMULATED_FD_TIMERFD, dup);
    efd->owner = process_getVirtualPid(ctx->process);
    efd->clockid = (int)clockid;
    return syscall_done(placeholder);
}

/* The timerfd behind descriptor `fd`: NULL with *err EBADF (no such descriptor) or EINVAL. */
static EmulatedFd* _timer_findTimerfd(SyscallContext* ctx, int fd, int* err) {
    EmulatedFd* efd = emulatedfdset_find(host_getEmulatedFds(ctx->host), EMULATED_FD_TIMERFD,
                                         process_getLiveNativeTid(ctx->process), fd);
    struct stat st;
    if (efd == NULL) {
        *err = process_statFd(ctx->process, fd, &st) == 0 ? -EINVAL : -EBADF;
    }
    return efd;
}

typedef struct {
    uint64_t id;         /* the timerfd, found again by id (it may be gone) */
    uint64_t generation; /* the arming this expiry belongs to */
} TimerfdExpiry;

static void _timer_scheduleTimerfd(Host* host, EmulatedFd* efd);

static void _timer_timerfdExpire(Host* host, void* object, void* argument) {
    TimerfdExpiry* e = object;
    EmulatedFd* efd = emulatedfdset_findById(host_getEmulatedFds(host), e->id);
    if (efd == NULL || efd->generation != e->generation) {
        return;
    }
    if (efd->interval > 0) {
        efd->deadline += efd->interval;
        _timer_scheduleTimerfd(host, efd);
    } else {
        efd->deadline = 0;
    }
    if (emulatedfd_post(efd, 1)) {
        managedthread_pollNativeWaiters(host); /* readers, poll, select and epoll on it */
    }
}

static void _timer_scheduleTimerfd(Host* host, EmulatedFd* efd) {
    TimerfdExpiry* e = g_new(TimerfdExpiry, 1);
    *e = (TimerfdExpiry){efd->id, efd->generation};
    Task* task = task_new(_timer_timerfdExpire, e, NULL, g_free, NULL);
    host_scheduleTaskAtTime(host, task, efd->deadline);
    task_unref(task);
}

/* timerfd_settime(fd, flags, new, old): arming resets the expiration count. */
SyscallReturn syscallhandler_timerfd_settime(SyscallContext* ctx) {
    int flags = (int)ctx->args[1];
    if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) {
        return syscall_done(-EINVAL);
    }
    int err = 0;
    EmulatedFd* efd = _timer_findTimerfd(ctx, (int)ctx->args[0], &err);
    if (efd == NULL) {
        return syscall_done(err);
    }
    SimTime value, interval;
    int rv = _timer_readSpec(ctx, (uint64_t)ctx->args[2], &value, &interval);
    if (rv == 0 && ctx->args[3] != 0) {
        rv = _timer_writeSpec(ctx, (uint64_t)ctx->args[3], efd->deadline, efd->interval);
    }
    if (rv != 0) {
        return syscall_done(rv);
    }
    /* The simulated clock is never set, so TFD_TIMER_CANCEL_ON_SET never cancels. */
    emulatedfd_drain(efd);
    efd->generation++;
    efd->deadline = _timer_firstExpiry(ctx, value, (flags & TFD_TIMER_ABSTIME) != 0);
    efd->interval = interval;
    if (efd->deadline != 0) {
        _timer_scheduleTimerfd(ctx->host, efd);
    }
    return syscall_done(0);
}

SyscallReturn syscallhandler_timerfd_gettime(SyscallContext* ctx) {
    int err = 0;
    EmulatedFd* efd = _timer_findTimerfd(ctx, (int)ctx->args[0], &err);
    if (efd == NULL) {
        return syscall_done(err);
    }
    return syscall_done(_timer_writeSpec(ctx, (uint64_t)ctx->args[1], efd->deadline,
                                         efd->interval));
}
