/* AF_UNIX sockets, the shim's side (host/syscall/unix.c decides; docs/design.md, "AF_UNIX
 * sockets"). The kernel runs them. umbra answers a call on one with IPC_MSG_NATIVE_UNIX: the
 * address to use instead of the program's (an abstract name with the host's prefix) and the
 * prefix to remove from the addresses the call returns. The shim then makes the call natively
 * without ever blocking the host: a call that would wait parks in simulated time instead, until
 * the socket is ready (UMBRA_SYSCALL_NATIVE_WAIT on the descriptor) or, where no readiness tells
 * (a connect to a listener whose backlog is full, a send to an unconnected datagram socket's
 * receiver whose queue is full), for a short time growing from 1 us to 1 ms before it tries
 * again.
 *
 * Rules: those of shim_syscall.c (raw syscalls only, no allocation). */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define SHIM_UNIX_RETRY_FIRST_NS 1000L
#define SHIM_UNIX_RETRY_MAX_NS 1000000L
#define SHIM_UNIX_MMSG_MAX 1024 /* UIO_MAXIOV: recvmmsg's cap on the vector */

typedef struct {
    struct sockaddr_un addr; /* the address to use instead of the program's */
    socklen_t addr_len;      /* 0: the program's own */
    char prefix[IPC_PAYLOAD_SIZE - IPC_UNIX_PREFIX_OFFSET];
    size_t prefix_len;
    bool report_bind;
} ShimUnixAnswer;

/* Copies what the answer says before any further round trip overwrites it. */
static void _shim_unixReadAnswer(const IpcMessage* in, ShimUnixAnswer* ans) {
    ans->addr_len = 0;
    if (in->args[0] > 0 && (size_t)in->args[0] <= sizeof(ans->addr)) {
        ans->addr_len = (socklen_t)in->args[0];
        memcpy(&ans->addr, in->payload, ans->addr_len);
    }
    ans->prefix_len = 0;
    if (in->args[1] > 0 && (size_t)in->args[1] <= sizeof(ans->prefix)) {
        ans->prefix_len = (size_t)in->args[1];
        memcpy(ans->prefix, in->payload + IPC_UNIX_PREFIX_OFFSET, ans->prefix_len);
    }
    ans->report_bind = in->args[2] != 0;
}

/* Removes the host's prefix from an abstract address of *len bytes at `sun` (the whole address
 * is there: *len is at most the buffer's size). */
static void _shim_unixStrip(struct sockaddr_un* sun, socklen_t* len, const ShimUnixAnswer* ans) {
    const size_t off = offsetof(struct sockaddr_un, sun_path);
    size_t plen = ans->prefix_len;
    if (plen == 0 || *len < off + 1 + plen || sun->sun_family != AF_UNIX ||
        sun->sun_path[0] != '\0' || memcmp(sun->sun_path + 1, ans->prefix, plen) != 0) {
        return;
    }
    memmove(sun->sun_path + 1, sun->sun_path + 1 + plen, *len - off - 1 - plen);
    *len -= (socklen_t)plen;
}

/* Hands a returned address to the program as the kernel does (move_addr_to_user): at most the
 * room *ulen says is copied, the full length goes back in *ulen. */
static void _shim_unixCopyOut(void* uaddr, socklen_t* ulen, const struct sockaddr_un* sun,
                              socklen_t len) {
    size_t n = *ulen < len ? *ulen : len;
    memcpy(uaddr, sun, n);
    *ulen = len;
}

/* Parks the thread for *delay_ns of simulated time, and doubles the next delay (up to 1 ms). */
static long _shim_unixPause(long* delay_ns) {
    long args[6] = {0, 0, *delay_ns, 1 /* restartable */, 0, 0};
    long rv = shim_ipcSyscall(UMBRA_SYSCALL_NATIVE_WAIT, args);
    if (*delay_ns < SHIM_UNIX_RETRY_MAX_NS) {
        *delay_ns *= 2;
    }
    return rv;
}

/* Whether the program asked this call not to wait (MSG_DONTWAIT, or O_NONBLOCK on the socket). */
static bool _shim_unixNonblocking(long fd, long flags) {
    long fl = shim_rawSyscall(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
    return (flags & MSG_DONTWAIT) || (fl >= 0 && (fl & O_NONBLOCK));
}

/* A send or receive call, `args` already pointing at the shim's buffers: made with MSG_DONTWAIT,
 * and while it says EAGAIN and the program may wait, parked until the socket is ready. A socket
 * that polls ready and still says EAGAIN waits on something else (an unconnected datagram
 * socket's receiver is full): it tries again after a pause. */
static long _shim_unixIo(long nr, long args[6], bool receive) {
    int flags_index = (nr == SYS_recvmsg || nr == SYS_sendmsg) ? 2 : 3;
    bool dontwait = _shim_unixNonblocking(args[0], args[flags_index]);
    args[flags_index] |= MSG_DONTWAIT;
    if (nr == SYS_recvmmsg) {
        args[4] = 0; /* its timeout would have the kernel wait */
    }
    long delay = SHIM_UNIX_RETRY_FIRST_NS;
    for (;;) {
        long rv = shim_rawSyscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
        if (rv != -EAGAIN || dontwait) {
            return rv;
        }
        struct pollfd p = {.fd = (int)args[0], .events = receive ? POLLIN : POLLOUT};
        long wait;
        if (shim_rawSyscall(SYS_poll, (long)&p, 1, 0, 0, 0, 0) > 0) {
            wait = _shim_unixPause(&delay);
        } else {
            bool nonblock;
            wait = shim_awaitReady(args[0], p.events, &nonblock);
        }
        if (wait < 0) {
            return wait;
        }
    }
}

/* A received SCM_CREDENTIALS carries the sender's native pid: the program sees the virtual one. */
static void _shim_unixCredentials(const struct msghdr* msg) {
    if (msg->msg_control == NULL) {
        return;
    }
    for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR((struct msghdr*)msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof(cred));
            long args[6] = {cred.pid, 0, 0, 0, 0, 0};
            cred.pid = (pid_t)shim_ipcSyscall(UMBRA_SYSCALL_UNIX_VPID, args);
            memcpy(CMSG_DATA(c), &cred, sizeof(cred));
        }
    }
}

static long _shim_unixRecvfrom(const long* a, const ShimUnixAnswer* ans) {
    long args[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    struct sockaddr_un sun;
    socklen_t len = sizeof(sun);
    if (a[4] != 0 && a[5] != 0) {
        args[4] = (long)&sun;
        args[5] = (long)&len;
    }
    long rv = _shim_unixIo(SYS_recvfrom, args, true);
    if (rv >= 0 && a[4] != 0 && a[5] != 0) {
        _shim_unixStrip(&sun, &len, ans);
        _shim_unixCopyOut((void*)a[4], (socklen_t*)a[5], &sun, len);
    }
    return rv;
}

static long _shim_unixRecvmsg(const long* a, const ShimUnixAnswer* ans) {
    struct msghdr* prog = (struct msghdr*)a[1];
    struct msghdr msg = *prog;
    struct sockaddr_un sun;
    if (prog->msg_name != NULL) {
        msg.msg_name = &sun;
        msg.msg_namelen = sizeof(sun);
    }
    long args[6] = {a[0], (long)&msg, a[2], 0, 0, 0};
    long rv = _shim_unixIo(SYS_recvmsg, args, true);
    if (rv < 0) {
        return rv;
    }
    if (prog->msg_name != NULL) {
        socklen_t len = msg.msg_namelen;
        _shim_unixStrip(&sun, &len, ans);
        _shim_unixCopyOut(prog->msg_name, &prog->msg_namelen, &sun, len);
    }
    prog->msg_controllen = msg.msg_controllen;
    prog->msg_flags = msg.msg_flags;
    _shim_unixCredentials(prog);
    return rv;
}

/* recvmmsg: each name loses the prefix in place, where the program's buffer held all of it. */
static long _shim_unixRecvmmsg(const long* a, const ShimUnixAnswer* ans) {
    struct mmsghdr* vec = (struct mmsghdr*)a[1];
    unsigned n = (unsigned)a[2] < SHIM_UNIX_MMSG_MAX ? (unsigned)a[2] : SHIM_UNIX_MMSG_MAX;
    socklen_t room[SHIM_UNIX_MMSG_MAX];
    for (unsigned i = 0; i < n; i++) {
        room[i] = vec[i].msg_hdr.msg_namelen;
    }
    long args[6] = {a[0], a[1], a[2], a[3], a[4], 0};
    long rv = _shim_unixIo(SYS_recvmmsg, args, true);
    for (long i = 0; i < rv && i < (long)n; i++) {
        struct msghdr* h = &vec[i].msg_hdr;
        if (h->msg_name != NULL && h->msg_namelen <= room[i] &&
            h->msg_namelen <= sizeof(struct sockaddr_un)) {
            _shim_unixStrip(h->msg_name, &h->msg_namelen, ans);
        }
        _shim_unixCredentials(h);
    }
    return rv;
}

static long _shim_unixSend(long nr, const long* a, const ShimUnixAnswer* ans) {
    long args[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    struct msghdr msg;
    if (ans->addr_len > 0 && nr == SYS_sendto) {
        args[4] = (long)&ans->addr;
        args[5] = ans->addr_len;
    } else if (ans->addr_len > 0 && nr == SYS_sendmsg) {
        msg = *(const struct msghdr*)a[1];
        msg.msg_name = (void*)&ans->addr;
        msg.msg_namelen = ans->addr_len;
        args[1] = (long)&msg;
    }
    return _shim_unixIo(nr, args, false);
}

/* accept and accept4: once the listener is ready (parked in simulated time until then). */
static long _shim_unixAccept(long nr, const long* a, const ShimUnixAnswer* ans) {
    struct sockaddr_un sun;
    socklen_t len = sizeof(sun);
    bool want_addr = a[1] != 0 && a[2] != 0;
    long flags = nr == SYS_accept4 ? a[3] : 0;
    bool nonblock;
    long rv = shim_awaitReady(a[0], POLLIN, &nonblock);
    if (rv < 0) {
        return rv;
    }
    rv = shim_rawSyscall(SYS_accept4, a[0], want_addr ? (long)&sun : a[1],
                         want_addr ? (long)&len : a[2], flags, 0, 0);
    if (rv < 0) {
        return rv;
    }
    shim_markNativeSocket(rv);
    if (want_addr) {
        _shim_unixStrip(&sun, &len, ans);
        _shim_unixCopyOut((void*)a[1], (socklen_t*)a[2], &sun, len);
    }
    return rv;
}

/* connect: a blocking stream connect waits natively while the listener's backlog is full, and
 * nothing polls ready when it no longer is: the shim connects with O_NONBLOCK and tries again
 * after a pause while the kernel says EAGAIN. */
static long _shim_unixConnect(const long* a, const ShimUnixAnswer* ans) {
    long addr = ans->addr_len > 0 ? (long)&ans->addr : a[1];
    long len = ans->addr_len > 0 ? (long)ans->addr_len : a[2];
    long fl = shim_rawSyscall(SYS_fcntl, a[0], F_GETFL, 0, 0, 0, 0);
    bool blocking = fl >= 0 && !(fl & O_NONBLOCK);
    if (blocking) {
        shim_rawSyscall(SYS_fcntl, a[0], F_SETFL, fl | O_NONBLOCK, 0, 0, 0);
    }
    long delay = SHIM_UNIX_RETRY_FIRST_NS;
    long rv;
    for (;;) {
        rv = shim_rawSyscall(SYS_connect, a[0], addr, len, 0, 0, 0);
        if (rv != -EAGAIN || !blocking) {
            break;
        }
        long wait = _shim_unixPause(&delay);
        if (wait < 0) {
            rv = wait;
            break;
        }
    }
    if (blocking) {
        shim_rawSyscall(SYS_fcntl, a[0], F_SETFL, fl, 0, 0, 0);
    }
    return rv;
}

long shim_unixNative(long nr, const long* a, const IpcMessage* in) {
    ShimUnixAnswer ans;
    _shim_unixReadAnswer(in, &ans);
    switch (nr) {
        case SYS_bind: {
            long rv = shim_rawSyscall(SYS_bind, a[0], a[1], a[2], 0, 0, 0);
            if (rv == 0 && ans.report_bind) {
                long args[6] = {a[0], 0, 0, 0, 0, 0};
                shim_ipcSyscall(UMBRA_SYSCALL_UNIX_BOUND, args);
            }
            return rv;
        }
        case SYS_connect: return _shim_unixConnect(a, &ans);
        case SYS_accept:
        case SYS_accept4: return _shim_unixAccept(nr, a, &ans);
        case SYS_sendto:
        case SYS_sendmsg:
        case SYS_sendmmsg: return _shim_unixSend(nr, a, &ans);
        case SYS_recvfrom: return _shim_unixRecvfrom(a, &ans);
        case SYS_recvmsg: return _shim_unixRecvmsg(a, &ans);
        case SYS_recvmmsg: return _shim_unixRecvmmsg(a, &ans);
        default: return shim_rawSyscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
}

bool shim_unixIsSocket(long fd) {
    struct stat st;
    return shim_rawSyscall(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) == 0 && S_ISSOCK(st.st_mode);
}

long shim_unixSocket(const long* a) {
    long args[6] = {a[0], a[1], a[2], -1, 0, 0};
    long rv = shim_ipcSyscall(SYS_socket, args); /* umbra answers NATIVE: made here */
    if (rv >= 0) {
        shim_markNativeSocket(rv);
    }
    return rv;
}
