/* The fast path: libc names the shim exports, so that calls to them enter the shim as a function
 * call instead of a trap. Each follows libc's convention (-1 and errno) and ends in shim_syscall,
 * the same routing the trap path uses. Calls libc makes internally (not through the PLT) still
 * trap, which is correct, only slower. */
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>

#include "shim/shim.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

static long _shim_libcResult(long rv) {
    if (rv < 0 && rv > -4096) {
        errno = (int)-rv;
        return -1;
    }
    return rv;
}

static long _shim_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
    long args[6] = {a0, a1, a2, a3, a4, a5};
    return shim_syscall(nr, args, NULL);
}

SHIM_EXPORT long syscall(long nr, ...) {
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = va_arg(ap, long);
    }
    va_end(ap);
    return _shim_libcResult(_shim_call(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

SHIM_EXPORT int clock_gettime(clockid_t id, struct timespec* ts) {
    return (int)_shim_libcResult(_shim_call(SYS_clock_gettime, id, (long)ts, 0, 0, 0, 0));
}

SHIM_EXPORT int clock_getres(clockid_t id, struct timespec* res) {
    return (int)_shim_libcResult(_shim_call(SYS_clock_getres, id, (long)res, 0, 0, 0, 0));
}

SHIM_EXPORT int gettimeofday(struct timeval* tv, void* tz) {
    return (int)_shim_libcResult(_shim_call(SYS_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0));
}

SHIM_EXPORT time_t time(time_t* out) {
    return (time_t)_shim_call(SYS_time, (long)out, 0, 0, 0, 0, 0);
}

SHIM_EXPORT pid_t getpid(void) {
    return (pid_t)_shim_call(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

SHIM_EXPORT pid_t gettid(void) {
    return (pid_t)_shim_call(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

SHIM_EXPORT pid_t getppid(void) {
    return (pid_t)_shim_call(SYS_getppid, 0, 0, 0, 0, 0, 0);
}

SHIM_EXPORT int sched_yield(void) {
    return (int)_shim_libcResult(_shim_call(SYS_sched_yield, 0, 0, 0, 0, 0, 0));
}

SHIM_EXPORT int nanosleep(const struct timespec* req, struct timespec* rem) {
    return (int)_shim_libcResult(_shim_call(SYS_nanosleep, (long)req, (long)rem, 0, 0, 0, 0));
}

SHIM_EXPORT int clock_nanosleep(clockid_t id, int flags, const struct timespec* req,
                                struct timespec* rem) {
    /* clock_nanosleep returns the error number instead of setting errno. */
    long rv = _shim_call(SYS_clock_nanosleep, id, flags, (long)req, (long)rem, 0, 0);
    return rv < 0 ? (int)-rv : 0;
}

SHIM_EXPORT ssize_t read(int fd, void* buf, size_t len) {
    return _shim_libcResult(_shim_call(SYS_read, fd, (long)buf, (long)len, 0, 0, 0));
}

SHIM_EXPORT ssize_t write(int fd, const void* buf, size_t len) {
    return _shim_libcResult(_shim_call(SYS_write, fd, (long)buf, (long)len, 0, 0, 0));
}
