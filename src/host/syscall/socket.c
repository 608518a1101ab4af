/* Sockets before there is a network stack: creating one is refused (EAFNOSUPPORT, one warning),
 * and socket calls on the descriptors that do exist fail as Linux fails them on non-sockets:
 * ENOTSOCK for an open descriptor, EBADF otherwise. Programs rely on that (bash, for one, decides
 * whether it runs under sshd from getpeername's errno on fd 0). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "host/syscall/syscall.h"
#include "lib/logger.h"

static SyscallReturn _socket_notASocket(SyscallContext* ctx) {
    int64_t fd = (int32_t)ctx->args[0];
    if (fd < 0) {
        return syscall_done(-EBADF);
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%lld", (int)process_getLiveNativeTid(ctx->process),
             (long long)fd);
    return syscall_done(access(path, F_OK) == 0 ? -ENOTSOCK : -EBADF);
}

static SyscallReturn _socket_unsupported(SyscallContext* ctx) {
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
        log_warning("process '%s' asked for a socket (domain %lld): sockets are not supported yet "
                    "(EAFNOSUPPORT); further requests are not reported",
                    process_getName(ctx->process), (long long)ctx->args[0]);
    }
    return syscall_done(-EAFNOSUPPORT);
}

SyscallReturn syscallhandler_socket(SyscallContext* ctx) {
    return _socket_unsupported(ctx);
}
SyscallReturn syscallhandler_socketpair(SyscallContext* ctx) {
    return _socket_unsupported(ctx);
}

#define SOCKET_ON_FD(name)                                                                          \
    SyscallReturn syscallhandler_##name(SyscallContext* ctx) {                                      \
        return _socket_notASocket(ctx);                                                             \
    }
SOCKET_ON_FD(connect)
SOCKET_ON_FD(accept)
SOCKET_ON_FD(accept4)
SOCKET_ON_FD(sendto)
SOCKET_ON_FD(recvfrom)
SOCKET_ON_FD(sendmsg)
SOCKET_ON_FD(recvmsg)
SOCKET_ON_FD(sendmmsg)
SOCKET_ON_FD(recvmmsg)
SOCKET_ON_FD(shutdown)
SOCKET_ON_FD(bind)
SOCKET_ON_FD(listen)
SOCKET_ON_FD(getsockname)
SOCKET_ON_FD(getpeername)
SOCKET_ON_FD(setsockopt)
SOCKET_ON_FD(getsockopt)
