/* Sleeping in simulated time: nanosleep, clock_nanosleep, sched_yield, and the shim's yield for
 * modelled CPU latency. (Reading the clock never reaches the simulator: the shim answers it.) */
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>

#include "host/syscall/syscall.h"
#include "lib/simtime.h"

#define NSEC_PER_SEC 1000000000LL

/* Reads and checks a timespec: 0, -EFAULT or -EINVAL. */
static int _time_readTimespec(SyscallContext* ctx, uint64_t addr, SimTime* out) {
    struct timespec ts;
    if (process_readMemory(ctx->process, addr, &ts, sizeof(ts)) != 0) {
        return -EFAULT;
    }
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC) {
        return -EINVAL;
    }
    *out = (SimTime)ts.tv_sec * SIMTIME_ONE_SECOND + (SimTime)ts.tv_nsec;
    return 0;
}

/* Sleeps until `deadline` (simulated): blocks on the first run, completes when the deadline has
 * passed. An interrupting signal is handled by the dispatcher (EINTR). */
static SyscallReturn _time_sleepUntil(SyscallContext* ctx, SimTime deadline) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    if (ctx->wake == WAKE_NONE) {
        scratch->deadline = deadline;
    }
    if (ctx->now >= scratch->deadline) {
        return syscall_done(0);
    }
    return syscall_block(scratch->deadline);
}

SyscallReturn syscallhandler_nanosleep(SyscallContext* ctx) {
    SimTime duration = 0;
    if (ctx->wake == WAKE_NONE) {
        int rv = _time_readTimespec(ctx, (uint64_t)ctx->args[0], &duration);
        if (rv != 0) {
            return syscall_done(rv);
        }
    }
    return _time_sleepUntil(ctx, ctx->now + duration);
}

SyscallReturn syscallhandler_clock_nanosleep(SyscallContext* ctx) {
    long clock_id = (int32_t)ctx->args[0]; /* clockid_t: negative ids arrive zero-extended */
    int flags = (int)ctx->args[1];
    /* As Linux: unknown ids and the thread CPU clock are EINVAL; clocks that cannot sleep (the
     * raw and coarse ones, the alarm clocks) are EOPNOTSUPP; so is the process CPU clock, whose
     * time umbra does not model. */
    switch (clock_id) {
        case CLOCK_REALTIME:
        case CLOCK_MONOTONIC:
        case CLOCK_BOOTTIME:
        case CLOCK_TAI:
            break;
        case CLOCK_PROCESS_CPUTIME_ID:
        case CLOCK_MONOTONIC_RAW:
        case CLOCK_REALTIME_COARSE:
        case CLOCK_MONOTONIC_COARSE:
        case CLOCK_REALTIME_ALARM:
        case CLOCK_BOOTTIME_ALARM:
            return syscall_done(-EOPNOTSUPP);
        default:
            return syscall_done(-EINVAL);
    }
    SimTime request = 0;
    if (ctx->wake == WAKE_NONE) {
        int rv = _time_readTimespec(ctx, (uint64_t)ctx->args[2], &request);
        if (rv != 0) {
            return syscall_done(rv);
        }
    }
    SimTime deadline = ctx->now + request;
    if (flags & TIMER_ABSTIME) {
        /* Every clock reads the same simulated time (2000-01-01 + sim time). */
        SimTime epoch = UMBRA_EPOCH_UNIX_SEC * SIMTIME_ONE_SECOND;
        deadline = request > epoch ? request - epoch : 0;
    }
    return _time_sleepUntil(ctx, deadline);
}

void syscall_sleepInterrupted(SyscallContext* ctx) {
    uint64_t rem_addr = (uint64_t)ctx->args[1];
    if (ctx->number == SYS_clock_nanosleep) {
        if ((int)ctx->args[1] & TIMER_ABSTIME) {
            return; /* an absolute sleep is simply made again */
        }
        rem_addr = (uint64_t)ctx->args[3];
    }
    if (rem_addr == 0) {
        return;
    }
    SimTime deadline = managedthread_getScratch(ctx->thread)->deadline;
    SimTime left = deadline > ctx->now ? deadline - ctx->now : 0;
    struct timespec rem = {(time_t)(left / SIMTIME_ONE_SECOND), (long)(left % SIMTIME_ONE_SECOND)};
    process_writeMemory(ctx->process, rem_addr, &rem, sizeof(rem)); /* EFAULT: nothing to say */
}

/* A yield lets every other thread of the host that can run at this time run first, and moves
 * this thread's time on by unblocked_syscall_latency: a loop that polls (sched_yield, or a
 * zero-timeout poll/select that found nothing, which the shim turns into a yield) then both lets
 * the threads it waits for make progress and sees time pass. */
SyscallReturn syscallhandler_sched_yield(SyscallContext* ctx) {
    if (ctx->wake == WAKE_TIMEOUT) {
        return syscall_done(0);
    }
    SimTime step = host_getProcessOptions(ctx->host)->unblocked_syscall_latency;
    return syscall_block(ctx->now + (step > 0 ? step : 1));
}

/* The shim reports its modelled time with every message; a yield only gives the simulator the
 * chance to let it pass (see _managedthread_chargeLatency). */
SyscallReturn syscallhandler_umbraYield(SyscallContext* ctx) {
    return syscall_done(0);
}
