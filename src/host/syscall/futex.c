/* Futexes, emulated: a wait blocks the thread in simulated time (a native wait would stall the
 * host, whose other threads could then never wake it). Waits and wakes are matched by key as Linux
 * does: a FUTEX_PRIVATE_FLAG operation, or a word in private memory, by (process, address); a word
 * in a shared mapping (a MAP_SHARED file, /dev/shm, shared anonymous memory) by (backing object,
 * offset), found in /proc/<pid>/maps, so processes sharing memory (POSIX semaphores,
 * multiprocessing) wait on and wake the same futex. Wakes take the longest waiter first. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
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

/* The key of the word at `addr` (see the top of the file). */
void syscall_futexKey(Process* process, uint64_t addr, bool private_op, FutexKey* key) {
    *key = (FutexKey){.object = 0, .id = (uint64_t)process_getVirtualPid(process), .offset = addr};
    if (private_op) {
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)process_getLiveNativeTid(process));
    FILE* maps = fopen(path, "re");
    char line[512];
    while (maps != NULL && fgets(line, sizeof(line), maps) != NULL) {
        uint64_t start, end, offset, inode;
        unsigned major, minor;
        char perms[8];
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64, &start, &end,
                   perms, &offset, &major, &minor, &inode) != 7) {
            continue;
        }
        if (addr >= start && addr < end) {
            if (perms[3] == 's') {
                *key = (FutexKey){.object = (((uint64_t)major << 20) | minor) + 1,
                                  .id = inode,
                                  .offset = offset + (addr - start)};
            }
            break;
        }
    }
    if (maps != NULL) {
        fclose(maps);
    }
}

static void _futex_key(SyscallContext* ctx, uint64_t addr, bool private_op, FutexKey* key) {
    syscall_futexKey(ctx->process, addr, private_op, key);
}

static SyscallReturn _futex_wait(SyscallContext* ctx, uint64_t uaddr, uint32_t val,
                                 uint64_t timeout, bool absolute, uint32_t bitset,
                                 bool private_op) {
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
    FutexKey key;
    _futex_key(ctx, uaddr, private_op, &key);
    managedthread_waitFutex(ctx->thread, &key, bitset);
    return syscall_block(scratch->deadline);
}

/* FUTEX_WAKE_OP's operation on the word at uaddr2 (encoded as Linux encodes it): writes the new
 * value, and returns 1 or 0 for the comparison of the old one, or -ENOSYS for an unknown operation
 * or comparison. The host runs one thread at a time, so read-modify-write is atomic for it. */
static int _futex_wakeOpUpdate(SyscallContext* ctx, uint64_t uaddr2, uint32_t encoded) {
    int op = (int)((encoded >> 28) & 7);
    int cmp = (int)((encoded >> 24) & 15);
    int32_t oparg = (int32_t)(encoded << 8) >> 20; /* 12 bits, sign-extended */
    int32_t cmparg = (int32_t)(encoded << 20) >> 20;
    if (encoded & ((uint32_t)FUTEX_OP_OPARG_SHIFT << 28)) {
        oparg = (oparg < 0 || oparg > 31) ? 0 : (int32_t)(1u << oparg); /* Linux warns, uses 0 */
    }
    if (op > FUTEX_OP_XOR || cmp > FUTEX_OP_CMP_GE) {
        return -ENOSYS;
    }
    int32_t old;
    if (uaddr2 % 4 != 0) {
        return -EINVAL;
    }
    if (process_readMemory(ctx->process, uaddr2, &old, sizeof(old)) != 0) {
        return -EFAULT;
    }
    int32_t new;
    switch (op) {
        case FUTEX_OP_SET: new = oparg; break;
        case FUTEX_OP_ADD: new = (int32_t)((uint32_t)old + (uint32_t)oparg); break;
        case FUTEX_OP_OR: new = old | oparg; break;
        case FUTEX_OP_ANDN: new = old & ~oparg; break;
        default: new = old ^ oparg; break;
    }
    if (process_writeMemory(ctx->process, uaddr2, &new, sizeof(new)) != 0) {
        return -EFAULT;
    }
    switch (cmp) {
        case FUTEX_OP_CMP_EQ: return old == cmparg;
        case FUTEX_OP_CMP_NE: return old != cmparg;
        case FUTEX_OP_CMP_LT: return old < cmparg;
        case FUTEX_OP_CMP_LE: return old <= cmparg;
        case FUTEX_OP_CMP_GT: return old > cmparg;
        default: return old >= cmparg;
    }
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
    bool private_op = (op & FUTEX_PRIVATE_FLAG) != 0;
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET) {
        return syscall_done(-ENOSYS); /* as Linux: only for an absolute wait */
    }
    int n = val > INT_MAX ? INT_MAX : (int)val;
    FutexKey key;
    switch (cmd) {
        case FUTEX_WAIT:
            return _futex_wait(ctx, uaddr, val, arg4, false, FUTEX_BITSET_MATCH_ANY, private_op);
        case FUTEX_WAIT_BITSET:
            return _futex_wait(ctx, uaddr, val, arg4, true, val3, private_op);
        case FUTEX_WAKE:
            _futex_key(ctx, uaddr, private_op, &key);
            return syscall_done(managedthread_wakeFutex(ctx->host, &key, ~0u, n));
        case FUTEX_WAKE_BITSET:
            if (val3 == 0) {
                return syscall_done(-EINVAL);
            }
            _futex_key(ctx, uaddr, private_op, &key);
            return syscall_done(managedthread_wakeFutex(ctx->host, &key, val3, n));
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
            FutexKey to;
            _futex_key(ctx, uaddr, private_op, &key);
            _futex_key(ctx, uaddr2, private_op, &to);
            int woken = managedthread_wakeFutex(ctx->host, &key, ~0u, n);
            int moved = managedthread_requeueFutex(ctx->host, &key, &to, limit);
            return syscall_done(woken + moved);
        }
        case FUTEX_WAKE_OP: {
            int n2 = arg4 > INT_MAX ? INT_MAX : (int)arg4;
            FutexKey key2;
            _futex_key(ctx, uaddr, private_op, &key);
            _futex_key(ctx, uaddr2, private_op, &key2);
            int cond = _futex_wakeOpUpdate(ctx, uaddr2, val3);
            if (cond < 0) {
                return syscall_done(cond);
            }
            int woken = managedthread_wakeFutex(ctx->host, &key, ~0u, n);
            if (cond) {
                woken += managedthread_wakeFutex(ctx->host, &key2, ~0u, n2);
            }
            return syscall_done(woken);
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

/* set_tid_address: the word the kernel clears when the thread ends, which umbra watches then (see
 * managed_thread.c); set natively too. The shim answers the virtual tid. */
SyscallReturn syscallhandler_set_tid_address(SyscallContext* ctx) {
    managedthread_setClearTidAddress(ctx->thread, (uint64_t)ctx->args[0]);
    return syscall_native();
}
