/* Futexes, emulated: a wait blocks the thread in simulated time (a native wait would stall the
 * host, whose other threads could then never wake it). Waits and wakes are matched by (process,
 * address), so private futexes of a process's threads work; futexes shared between processes are
 * not (a wake in another process does not reach a waiter). Wakes take the longest waiter first. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <time.h>

#include "host/syscall/syscall.h"
#include "lib/logger.h"

#define NSEC_PER_SEC 1000000000LL

/* The deadline of a wait: relative for FUTEX_WAIT, absolute for FUTEX_WAIT_BITSET (either clock
 * reads the same simulated time). 0 with *deadline = SIMTIME_INVALID when there is none. */
static int _futex_deadline(SyscallContext* ctx, uint64_t addr, bool absolute, SimTime* deadline) {
    *deadline = SIMTIME_INVALID;
    if (addr == 0) {
        return 0;
    }
    struct timespec ts;
    if (process_readMemory(ctx->process, addr, &ts, sizeof(ts)) != 0) {
        return -EFAULT;
    }
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC) {
        return -EINVAL;
    }
    SimTime t = (SimTime)ts.tv_sec * SIMTIME_ONE_SECOND + (SimTime)ts.tv_nsec;
    if (absolute) {
        SimTime epoch = UMBRA_EPOCH_UNIX_SEC * SIMTIME_ONE_SECOND;
        *deadline = t > epoch ? t - epoch : 0;
    } else {
        *deadline = ctx->now + t;
    }
    return 0;
}

static SyscallReturn _futex_wait(SyscallContext* ctx, uint64_t uaddr, uint32_t val,
                                 uint64_t timeout, bool absolute, uint32_t bitset) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    switch (ctx->wake) {
        case WAKE_EVENT: return syscall_done(0);
        case WAKE_TIMEOUT: return syscall_done(-ETIMEDOUT);
        default: break;
    }
    if (bitset == 0) {
        return syscall_done(-EINVAL);
    }
    uint32_t word;
    if (process_readMemory(ctx->process, uaddr, &word, sizeof(word)) != 0) {
        return syscall_done(-EFAULT);
    }
    int rv = _futex_deadline(ctx, timeout, absolute, &scratch->deadline);
    if (rv != 0) {
        return syscall_done(rv);
    }
    if (word != val) {
        return syscall_done(-EAGAIN);
    }
    if (scratch->deadline != SIMTIME_INVALID && ctx->now >= scratch->deadline) {
        return syscall_done(-ETIMEDOUT);
    }
    managedthread_waitFutex(ctx->thread, uaddr, bitset);
    return syscall_block(scratch->deadline);
}

SyscallReturn syscallhandler_futex(SyscallContext* ctx) {
    static int warned;
    uint64_t uaddr = (uint64_t)ctx->args[0];
    int op = (int)ctx->args[1];
    int cmd = op & FUTEX_CMD_MASK;
    uint32_t val = (uint32_t)ctx->args[2];
    uint64_t arg4 = (uint64_t)ctx->args[3]; /* timeout, or val2 for requeues */
    uint64_t uaddr2 = (uint64_t)ctx->args[4];
    uint32_t val3 = (uint32_t)ctx->args[5];
    if (uaddr % 4 != 0) {
        return syscall_done(-EINVAL);
    }
    switch (cmd) {
        case FUTEX_WAIT:
            return _futex_wait(ctx, uaddr, val, arg4, false, FUTEX_BITSET_MATCH_ANY);
        case FUTEX_WAIT_BITSET:
            return _futex_wait(ctx, uaddr, val, arg4, true, val3);
        case FUTEX_WAKE:
            return syscall_done(managedthread_wakeFutex(ctx->process, uaddr, ~0u,
                                                         val > INT_MAX ? INT_MAX : (int)val));
        case FUTEX_WAKE_BITSET:
            if (val3 == 0) {
                return syscall_done(-EINVAL);
            }
            return syscall_done(managedthread_wakeFutex(ctx->process, uaddr, val3,
                                                         val > INT_MAX ? INT_MAX : (int)val));
        case FUTEX_CMP_REQUEUE:
        case FUTEX_REQUEUE: {
            if (cmd == FUTEX_CMP_REQUEUE) {
                uint32_t word;
                if (process_readMemory(ctx->process, uaddr, &word, sizeof(word)) != 0) {
                    return syscall_done(-EFAULT);
                }
                if (word != val3) {
                    return syscall_done(-EAGAIN);
                }
            }
            int limit = arg4 > INT_MAX ? INT_MAX : (int)arg4;
            int woken = managedthread_wakeFutex(ctx->process, uaddr, ~0u,
                                                val > INT_MAX ? INT_MAX : (int)val);
            int moved = managedthread_requeueFutex(ctx->process, uaddr, uaddr2, limit);
            return syscall_done(woken + moved);
        }
        default:
            if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                log_warning("futex operation %d is not supported (ENOSYS; process '%s'); further "
                            "cases are not reported",
                            cmd, process_getName(ctx->process));
            }
            return syscall_done(-ENOSYS);
    }
}
