/* Randomness from the host's generator only (compat.md 5): getrandom and reads of the emulated
 * /dev/urandom and /dev/random descriptors. */
#include <errno.h>
#include <sys/random.h>

#include "host/syscall/syscall.h"

/* Fills `len` bytes at `addr` in the process from the host generator, in chunks. */
static int64_t _random_fill(SyscallContext* ctx, uint64_t addr, uint64_t len) {
    unsigned char buf[4096];
    uint64_t done = 0;
    while (done < len) {
        size_t chunk = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
        rng_fillBytes(host_getRng(ctx->host), buf, chunk);
        if (process_writeMemory(ctx->process, addr + done, buf, chunk) != 0) {
            return done > 0 ? (int64_t)done : -EFAULT;
        }
        done += chunk;
    }
    return (int64_t)done;
}

SyscallReturn syscallhandler_getrandom(SyscallContext* ctx) {
    unsigned flags = (unsigned)ctx->args[2];
    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
        ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))) {
        return syscall_done(-EINVAL);
    }
    /* Linux caps one call at 32 MiB - 1. */
    uint64_t len = (uint64_t)ctx->args[1];
    if (len > 33554431) {
        len = 33554431;
    }
    return syscall_done(_random_fill(ctx, (uint64_t)ctx->args[0], len));
}

SyscallReturn syscallhandler_umbraRandomRead(SyscallContext* ctx) {
    return syscall_done(_random_fill(ctx, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2]));
}
