/* Timers that send signals in simulated time: alarm and the ITIMER_REAL interval timer. The
 * CPU-time timers (ITIMER_VIRTUAL, ITIMER_PROF) are not modelled: EINVAL and one warning. */
#include <errno.h>
#include <sys/time.h>

#include "host/syscall/syscall.h"
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
