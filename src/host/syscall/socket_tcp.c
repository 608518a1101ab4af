/* Socket calls on AF_INET stream sockets: TCP (host/tcp_socket.h over the engine, host/tcp.h).
 * socket.c routes every call on a TCP socket's descriptor here (tcpcall_dispatch). Semantics
 * live in the engine; this file decodes, copies memory, and decides when a call waits:
 *
 * - connect: non-blocking EINPROGRESS then EALREADY; blocking waits (SO_SNDTIMEO: EINPROGRESS)
 *   and answers 0 or the error; once it completed, 0 once more and then EISCONN, as Linux's
 *   __inet_stream_connect;
 * - accept waits for a child (SO_RCVTIMEO: EAGAIN);
 * - a blocking send returns once everything is queued (or a signal or error stops it after some
 *   bytes, which it counts); a non-blocking one takes what fits; EPIPE raises SIGPIPE unless
 *   MSG_NOSIGNAL;
 * - a receive returns what is there (MSG_WAITALL: waits for all of it), 0 at the end of the
 *   stream.
 * Whether the descriptor is non-blocking is the placeholder's O_NONBLOCK (the shim also turns it
 * into MSG_DONTWAIT for sends and receives). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include <unistd.h>

#include <glib.h>

#include "lib/ipc.h"
#include "host/syscall/socket_internal.h"
#include "host/tcp_socket.h"
#include "lib/logger.h"

#define TCP_SOMAXCONN 4096
#define TCP_CHUNK (1u << 20) /* bytes copied per engine call */

static bool _tcpcall_nonblocking(const EmulatedFd* efd) {
    int fl = fcntl(efd->dup, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

SyscallReturn tcpcall_socket(SyscallContext* ctx, int family, int protocol, int a_fd, int b_fd) {
    if (protocol != 0 && protocol != IPPROTO_TCP) {
        return syscall_done(-EPROTONOSUPPORT);
    }
    EmulatedFd* efd;
    int rv = socket_adoptPlaceholder(ctx, a_fd, b_fd, &efd);
    if (rv != 0) {
        return syscall_done(rv);
    }
    tcpsocket_new(ctx->host, efd, family);
    return syscall_done(a_fd);
}

/* ---- Opening ----------------------------------------------------------------------------------- */

static SyscallReturn _tcpcall_bind(SyscallContext* ctx, TcpSocket* s) {
    int64_t len = (int32_t)ctx->args[2];
    if (len < (int64_t)sizeof(struct sockaddr_in)) {
        return syscall_done(-EINVAL);
    }
    NetAddr a = {0};
    int rv = socket_readAddr(ctx, s->family, s->v6only, true, (uint64_t)ctx->args[1], len, &a);
    if (rv < 0) {
        return syscall_done(rv);
    }
    if (rv == 1 && a.ip != 0) {
        return syscall_done(-EAFNOSUPPORT); /* AF_UNSPEC is taken only with INADDR_ANY */
    }
    return syscall_done(tcpsocket_bind(s, a.ip, a.port));
}

static SyscallReturn _tcpcall_listen(SyscallContext* ctx, TcpSocket* s) {
    int backlog = (int)ctx->args[1];
    if (backlog > TCP_SOMAXCONN || backlog < 0) {
        backlog = TCP_SOMAXCONN; /* a negative backlog is taken as the maximum, as Linux */
    }
    return syscall_done(tcpsocket_listen(s, backlog, ctx->now));
}

/* connect's outcome once the handshake ended (or not). */
static int _tcpcall_connectResult(TcpSocket* s) {
    TcpState st = tcp_state(s->conn);
    if (st == TCP_ST_SYN_SENT || st == TCP_ST_SYN_RECV) {
        return -EALREADY;
    }
    if (st == TCP_ST_CLOSE) {
        int e = tcp_takeError(s->conn);
        s->sock_state = TCP_SOCK_UNCONNECTED;
        tcpsocket_changed(s);
        return e != 0 ? -e : -ECONNABORTED;
    }
    s->sock_state = TCP_SOCK_CONNECTED;
    return 0;
}

static SyscallReturn _tcpcall_connect(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd) {
    bool nonblock = _tcpcall_nonblocking(efd);
    if (s->sock_state == TCP_SOCK_CONNECTED) {
        return syscall_done(-EISCONN);
    }
    if (s->sock_state == TCP_SOCK_UNCONNECTED) {
        NetAddr a = {0};
        int rv = socket_readAddr(ctx, s->family, s->v6only, false, (uint64_t)ctx->args[1],
                                 (int32_t)ctx->args[2], &a);
        if (rv < 0) {
            return syscall_done(rv);
        }
        if (rv == 1) {
            /* AF_UNSPEC: disconnect. Only an unconnected socket here: nothing to do. */
            return syscall_done(s->listening ? -EINVAL : 0);
        }
        if (s->listening || tcp_state(s->conn) != TCP_ST_CLOSE) {
            return syscall_done(-EISCONN);
        }
        rv = tcpsocket_connect(s, a, ctx->now);
        if (rv != 0) {
            return syscall_done(rv);
        }
        s->sock_state = TCP_SOCK_CONNECTING;
        tcpsocket_changed(s);
        if (nonblock) {
            return syscall_done(-EINPROGRESS);
        }
    } else if (ctx->wake == WAKE_NONE && nonblock) {
        return syscall_done(_tcpcall_connectResult(s));
    }
    int rv = _tcpcall_connectResult(s);
    if (rv != -EALREADY) {
        return syscall_done(rv);
    }
    SyscallReturn block;
    if (socket_waitObject(ctx, efd->id, s->sndtimeo, &block) < 0) {
        return syscall_done(-EINPROGRESS);
    }
    return block;
}

/* accept4(fd, addr, addrlen, flags, A, B): the placeholder pair the shim made for the new
 * descriptor (A with the flags) becomes the accepted socket's. */
static SyscallReturn _tcpcall_accept(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd) {
    if (!s->listening) {
        return syscall_done(-EINVAL);
    }
    int a_fd = (int)ctx->args[4];
    int b_fd = (int)ctx->args[5];
    if (a_fd < 0 || b_fd < 0) {
        return syscall_done(-EINVAL);
    }
    TcpSocket* child = tcpsocket_accept(s);
    if (child == NULL) {
        if (_tcpcall_nonblocking(efd)) {
            return syscall_done(-EAGAIN);
        }
        SyscallReturn block;
        if (socket_waitObject(ctx, efd->id, s->rcvtimeo, &block) < 0) {
            return syscall_done(-EAGAIN);
        }
        return block;
    }
    EmulatedFd* cefd;
    int rv = socket_adoptPlaceholder(ctx, a_fd, b_fd, &cefd);
    if (rv != 0) {
        tcp_close(child->conn, ctx->now); /* lost to the user: as if closed at once */
        return syscall_done(rv);
    }
    tcpsocket_attach(child, cefd);
    if (ctx->args[1] != 0) {
        rv = socket_writeAddr(ctx, child->family, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2],
                              child->peer);
        if (rv != 0) {
            return syscall_done(rv); /* Linux too leaves the connection accepted */
        }
    }
    return syscall_done(a_fd);
}

static SyscallReturn _tcpcall_name(SyscallContext* ctx, TcpSocket* s, bool peer) {
    if (peer) {
        TcpState st = tcp_state(s->conn);
        if (s->listening || st == TCP_ST_CLOSE || st == TCP_ST_SYN_SENT) {
            return syscall_done(-ENOTCONN);
        }
        return syscall_done(
            socket_writeAddr(ctx, s->family, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2], s->peer));
    }
    NetAddr a = s->bound || s->registered ? s->local : (NetAddr){0, 0};
    return syscall_done(
        socket_writeAddr(ctx, s->family, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2], a));
}

static SyscallReturn _tcpcall_shutdown(SyscallContext* ctx, TcpSocket* s) {
    int how = (int)ctx->args[1];
    if (how < SHUT_RD || how > SHUT_RDWR) {
        return syscall_done(-EINVAL);
    }
    int rv = tcp_shutdown(s->conn, how != SHUT_WR, how != SHUT_RD, ctx->now);
    tcpsocket_changed(s);
    return syscall_done(rv);
}

/* ---- Data ---------------------------------------------------------------------------------- */

/* Copies `len` bytes between tracee iovecs (starting `skip` bytes in) and `buf`. */
static int _tcpcall_copyIov(SyscallContext* ctx, const struct iovec* iov, size_t cnt, uint64_t skip,
                            uint8_t* buf, size_t len, bool to_tracee) {
    size_t done = 0;
    for (size_t i = 0; i < cnt && done < len; i++) {
        uint64_t l = iov[i].iov_len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        size_t part = l - skip < len - done ? (size_t)(l - skip) : len - done;
        uint64_t at = (uint64_t)(uintptr_t)iov[i].iov_base + skip;
        int rv = to_tracee ? process_writeMemory(ctx->process, at, buf + done, part)
                           : process_readMemory(ctx->process, at, buf + done, part);
        if (rv != 0) {
            return -EFAULT;
        }
        done += part;
        skip = 0;
    }
    return 0;
}

/* Where the bytes of a send come from: the tracee's iovecs, or a file (sendfile). Fills `buf`
 * with the `n` bytes that follow the `done` already sent: the count (short at the end of a file),
 * or -errno. */
typedef struct {
    const struct iovec* iov; /* iovecs, or NULL for a file */
    size_t cnt;
    int file;                /* umbra's duplicate of the file's descriptor */
    uint64_t offset_addr;    /* sendfile's offset pointer (0: the file position) */
} TcpSource;

static int64_t _tcpcall_fill(SyscallContext* ctx, const TcpSource* src, uint64_t done,
                             uint8_t* buf, size_t n) {
    if (src->iov != NULL) {
        return _tcpcall_copyIov(ctx, src->iov, src->cnt, done, buf, n, false) != 0 ? -EFAULT
                                                                                 : (int64_t)n;
    }
    if (src->offset_addr == 0) {
        ssize_t r = read(src->file, buf, n); /* the shared file position moves, as sendfile's */
        return r < 0 ? -errno : r;
    }
    int64_t off;
    if (process_readMemory(ctx->process, src->offset_addr, &off, sizeof(off)) != 0) {
        return -EFAULT;
    }
    ssize_t r = pread(src->file, buf, n, off);
    if (r < 0) {
        return -errno;
    }
    off += r;
    return process_writeMemory(ctx->process, src->offset_addr, &off, sizeof(off)) != 0 ? -EFAULT
                                                                                        : r;
}

/* The send path shared by sendto, sendmsg and sendfile: `total` bytes from `src`. */
static SyscallReturn _tcpcall_sendFrom(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd,
                                       const TcpSource* src, uint64_t total, int flags) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    uint64_t done = ctx->wake == WAKE_NONE ? 0 : (uint64_t)scratch->flags;
    if (flags & MSG_OOB) {
        return syscall_done(-EOPNOTSUPP); /* urgent data is not supported */
    }
    for (;;) {
        size_t space = tcp_sendSpace(s->conn);
        int64_t r = 0;
        if (done < total && space > 0) {
            size_t n = total - done < space ? (size_t)(total - done) : space;
            n = n > TCP_CHUNK ? TCP_CHUNK : n;
            uint8_t* buf = g_malloc(n);
            int64_t got = _tcpcall_fill(ctx, src, done, buf, n);
            if (got <= 0) {
                g_free(buf);
                return syscall_done(done > 0 || got == 0 ? (int64_t)done : got);
            }
            total = (size_t)got < n ? done + (uint64_t)got : total; /* the file ended */
            n = (size_t)got;
            bool more = (flags & MSG_MORE) || done + n < total;
            r = tcp_send(s->conn, buf, n, more ? TCP_SEND_MORE : 0, ctx->now);
            g_free(buf);
            if (r > 0) {
                done += (uint64_t)r;
                tcpsocket_changed(s);
                if (done < total && (size_t)r == n) {
                    continue;
                }
            }
        } else if (done < total || total == 0) {
            /* No room (or nothing to send): still learn the connection's state. */
            r = tcp_send(s->conn, NULL, 0, 0, ctx->now);
        }
        if (r < 0 && r != -EAGAIN) {
            tcpsocket_changed(s); /* a pending error was taken: POLLERR goes */
            if (done > 0) {
                return syscall_done((int64_t)done);
            }
            if (r == -ENOTCONN) {
                r = -EPIPE; /* Linux's sk_stream_wait_connect for a socket never connected */
            }
            if (r == -EPIPE && !(flags & MSG_NOSIGNAL)) {
                process_signalFrom(ctx->process, SIGPIPE, process_getVirtualPid(ctx->process));
            }
            return syscall_done(r);
        }
        if (done == total) {
            return syscall_done((int64_t)done);
        }
        if (flags & MSG_DONTWAIT) {
            return syscall_done(done > 0 ? (int64_t)done : -EAGAIN);
        }
        scratch->flags = (int64_t)done;
        SyscallReturn block;
        if (socket_waitObject(ctx, efd->id, s->sndtimeo, &block) < 0) {
            return syscall_done(done > 0 ? (int64_t)done : -EAGAIN);
        }
        return block;
    }
}

static SyscallReturn _tcpcall_send(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd,
                                   const struct iovec* iov, size_t cnt, uint64_t total,
                                   int flags) {
    TcpSource src = {.iov = iov, .cnt = cnt, .file = -1};
    return _tcpcall_sendFrom(ctx, s, efd, &src, total, flags);
}

/* The receive path shared by recvfrom and recvmsg. */
static SyscallReturn _tcpcall_recv(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd,
                                   const struct iovec* iov, size_t cnt, uint64_t total,
                                   int flags) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    uint64_t done = ctx->wake == WAKE_NONE ? 0 : (uint64_t)scratch->flags;
    bool peek = (flags & MSG_PEEK) != 0;
    if (flags & MSG_OOB) {
        return syscall_done(-EINVAL); /* no urgent data is ever queued */
    }
    if (s->listening) {
        return syscall_done(-ENOTCONN);
    }
    if (total == 0) {
        return syscall_done(0);
    }
    for (;;) {
        size_t avail = tcp_readable(s->conn);
        if (avail > 0) {
            size_t n = total - done < avail ? (size_t)(total - done) : avail;
            n = n > TCP_CHUNK ? TCP_CHUNK : n;
            uint8_t* buf = g_malloc(n);
            int64_t r = tcp_recv(s->conn, buf, n, peek, ctx->now);
            if (r > 0 && !(flags & MSG_TRUNC) &&
                _tcpcall_copyIov(ctx, iov, cnt, done, buf, (size_t)r, true) != 0) {
                r = done > 0 ? 0 : -EFAULT;
            }
            g_free(buf);
            tcpsocket_changed(s);
            if (r < 0) {
                return syscall_done(r);
            }
            done += (uint64_t)r;
            if (!(flags & MSG_WAITALL) || peek || done >= total) {
                return syscall_done((int64_t)done);
            }
            continue;
        }
        uint8_t probe;
        int64_t r = tcp_recv(s->conn, &probe, 1, true, ctx->now);
        if (r == 0) {
            return syscall_done((int64_t)done); /* the end of the stream */
        }
        if (r < 0 && r != -EAGAIN) {
            tcpsocket_changed(s); /* the error was taken: POLLERR goes */
            return syscall_done(done > 0 ? (int64_t)done : r);
        }
        if (r > 0) {
            continue;
        }
        if (flags & MSG_DONTWAIT) {
            return syscall_done(done > 0 ? (int64_t)done : -EAGAIN);
        }
        scratch->flags = (int64_t)done;
        SyscallReturn block;
        if (socket_waitObject(ctx, efd->id, s->rcvtimeo, &block) < 0) {
            return syscall_done(done > 0 ? (int64_t)done : -EAGAIN);
        }
        return block;
    }
}

static SyscallReturn _tcpcall_sendto(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd) {
    struct iovec one = {.iov_base = (void*)(uintptr_t)ctx->args[1],
                        .iov_len = (size_t)ctx->args[2]};
    return _tcpcall_send(ctx, s, efd, &one, 1, (uint64_t)ctx->args[2], (int)ctx->args[3]);
}

static SyscallReturn _tcpcall_recvfrom(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd) {
    struct iovec one = {.iov_base = (void*)(uintptr_t)ctx->args[1],
                        .iov_len = (size_t)ctx->args[2]};
    SyscallReturn r = _tcpcall_recv(ctx, s, efd, &one, 1, (uint64_t)ctx->args[2],
                                    (int)ctx->args[3]);
    if (r.kind == SYSCALL_DONE && r.retval >= 0 && ctx->args[5] != 0) {
        int32_t zero = 0; /* a stream names no sender */
        if (process_writeMemory(ctx->process, (uint64_t)ctx->args[5], &zero, sizeof(zero)) != 0) {
            return syscall_done(-EFAULT);
        }
    }
    return r;
}

static SyscallReturn _tcpcall_msg(SyscallContext* ctx, TcpSocket* s, EmulatedFd* efd, bool send) {
    uint64_t addr = (uint64_t)ctx->args[1];
    int flags = (int)ctx->args[2];
    struct msghdr msg;
    if (process_readMemory(ctx->process, addr, &msg, sizeof(msg)) != 0) {
        return syscall_done(-EFAULT);
    }
    struct iovec* iov;
    uint64_t total;
    int64_t n = socket_readIov(ctx, &msg, &iov, &total);
    if (n < 0) {
        g_free(iov);
        return syscall_done(n);
    }
    SyscallReturn r = send ? _tcpcall_send(ctx, s, efd, iov, (size_t)n, total, flags)
                           : _tcpcall_recv(ctx, s, efd, iov, (size_t)n, total, flags);
    g_free(iov);
    if (!send && r.kind == SYSCALL_DONE && r.retval >= 0) {
        uint32_t namelen = 0;
        uint64_t controllen = 0;
        int32_t out_flags = 0;
        if (process_writeMemory(ctx->process, addr + offsetof(struct msghdr, msg_namelen),
                                &namelen, sizeof(namelen)) != 0 ||
            process_writeMemory(ctx->process, addr + offsetof(struct msghdr, msg_controllen),
                                &controllen, sizeof(controllen)) != 0 ||
            process_writeMemory(ctx->process, addr + offsetof(struct msghdr, msg_flags),
                                &out_flags, sizeof(out_flags)) != 0) {
            return syscall_done(-EFAULT);
        }
    }
    return r;
}

/* ---- Options ----------------------------------------------------------------------------------- */

static int _tcpcall_readInt(SyscallContext* ctx, int* value) {
    if ((int32_t)ctx->args[4] < (int32_t)sizeof(int)) {
        return -EINVAL;
    }
    return process_readMemory(ctx->process, (uint64_t)ctx->args[3], value, sizeof(int)) != 0
               ? -EFAULT
               : 0;
}

static uint64_t _tcpcall_bufSize(int value, uint64_t floor) {
    uint64_t v = value < 0 ? 0 : (uint64_t)value;
    v = (v > SOCKET_RMEM_MAX ? SOCKET_RMEM_MAX : v) * 2; /* doubled, capped, as Linux */
    return v < floor ? floor : v;
}

static SyscallReturn _tcpcall_setsockopt(SyscallContext* ctx, TcpSocket* s) {
    int level = (int)ctx->args[1];
    int name = (int)ctx->args[2];
    uint64_t addr = (uint64_t)ctx->args[3];
    int64_t len = (int32_t)ctx->args[4];
    if (socket_isTimeoOption(level, name)) {
        return syscall_done(socket_setTimeo(ctx, &s->rcvtimeo, &s->sndtimeo));
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger l;
        if (len < (int64_t)sizeof(l)) {
            return syscall_done(-EINVAL);
        }
        if (process_readMemory(ctx->process, addr, &l, sizeof(l)) != 0) {
            return syscall_done(-EFAULT);
        }
        tcp_setLinger(s->conn, l.l_onoff != 0, l.l_linger);
        return syscall_done(0);
    }
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->family == AF_INET6) {
        int value;
        int rv = socket_setV6Only(ctx, s->bound, &value);
        if (rv == 0) {
            s->v6only = value != 0;
        }
        return syscall_done(rv);
    }
    if (level == IPPROTO_TCP && name == TCP_CONGESTION) {
        char cc[16] = {0};
        size_t n = len < 0 ? 0 : (size_t)len;
        n = n > sizeof(cc) - 1 ? sizeof(cc) - 1 : n;
        if (n > 0 && process_readMemory(ctx->process, addr, cc, n) != 0) {
            return syscall_done(-EFAULT);
        }
        return syscall_done(tcp_setCongestion(s->conn, cc));
    }
    int v;
    int rv = _tcpcall_readInt(ctx, &v);
    if (level == SOL_SOCKET) {
        if (rv != 0) {
            return syscall_done(rv);
        }
        switch (name) {
            case SO_REUSEADDR: s->reuse_addr = v != 0; return syscall_done(0);
            case SO_REUSEPORT: s->reuse_port = v != 0; return syscall_done(0);
            case SO_KEEPALIVE: tcp_setKeepalive(s->conn, v != 0, ctx->now); return syscall_done(0);
            case SO_RCVBUF:
                tcp_setRcvBuf(s->conn, _tcpcall_bufSize(v, SOCKET_MIN_RCVBUF));
                tcpsocket_changed(s);
                return syscall_done(0);
            case SO_SNDBUF:
                tcp_setSndBuf(s->conn, _tcpcall_bufSize(v, SOCKET_MIN_SNDBUF));
                tcpsocket_changed(s);
                return syscall_done(0);
            case SO_RCVLOWAT:
            case SO_SNDLOWAT:
            case SO_OOBINLINE:
            case SO_DONTROUTE:
            case SO_PRIORITY:
            case SO_BROADCAST:
                /* Accepted; they change nothing umbra models (low-water marks stay 1). */
                return syscall_done(0);
            default: break;
        }
    } else if (level == IPPROTO_TCP) {
        if (rv != 0) {
            return syscall_done(rv);
        }
        switch (name) {
            case TCP_NODELAY: tcp_setNoDelay(s->conn, v != 0, ctx->now); return syscall_done(0);
            case TCP_CORK: tcp_setCork(s->conn, v != 0, ctx->now); return syscall_done(0);
            case TCP_MAXSEG: {
                int rv = tcp_setMaxSeg(s->conn, v);
                s->maxseg_set = s->maxseg_set || rv == 0;
                return syscall_done(rv);
            }
            case TCP_QUICKACK: tcp_setQuickAck(s->conn, v != 0, ctx->now); return syscall_done(0);
            case TCP_USER_TIMEOUT:
                if (v < 0) {
                    return syscall_done(-EINVAL);
                }
                tcp_setUserTimeout(s->conn, (uint32_t)v);
                return syscall_done(0);
            case TCP_KEEPIDLE:
            case TCP_KEEPINTVL:
            case TCP_KEEPCNT: {
                int idle, intvl, cnt;
                tcp_getKeepaliveParams(s->conn, &idle, &intvl, &cnt);
                int max = name == TCP_KEEPCNT ? 127 : 32767;
                if (v < 1 || v > max) {
                    return syscall_done(-EINVAL);
                }
                idle = name == TCP_KEEPIDLE ? v : idle;
                intvl = name == TCP_KEEPINTVL ? v : intvl;
                cnt = name == TCP_KEEPCNT ? v : cnt;
                tcp_setKeepaliveParams(s->conn, idle, intvl, cnt);
                return syscall_done(0);
            }
            case TCP_DEFER_ACCEPT:
            case TCP_LINGER2:
            case TCP_WINDOW_CLAMP:
            case TCP_THIN_LINEAR_TIMEOUTS:
                return syscall_done(0); /* accepted; not modelled */
            default: break;
        }
    } else if (level == IPPROTO_IP) {
        if (rv != 0) {
            return syscall_done(rv);
        }
        switch (name) {
            case IP_TOS: s->ip_tos = v & 0xfc; return syscall_done(0);
            case IP_TTL:
                if (v == -1) {
                    v = 64;
                }
                if (v < 1 || v > 255) {
                    return syscall_done(-EINVAL);
                }
                s->ip_ttl = v;
                return syscall_done(0);
            default: break;
        }
    }
    socket_warnOption(ctx, "setsockopt", level, name);
    return syscall_done(-ENOPROTOOPT);
}

static SyscallReturn _tcpcall_getsockopt(SyscallContext* ctx, TcpSocket* s) {
    int level = (int)ctx->args[1];
    int name = (int)ctx->args[2];
    union {
        int i;
        struct timeval tv;
        struct linger l;
        uint8_t info[512]; /* Linux's struct tcp_info (tcp_infoSize), larger than glibc's */
        char name[16];
    } v;
    memset(&v, 0, sizeof(v));
    size_t size = sizeof(int);
    bool known = true;
    if (level == SOL_SOCKET) {
        switch (name) {
            case SO_TYPE: v.i = SOCK_STREAM; break;
            case SO_DOMAIN: v.i = s->family; break;
            case SO_PROTOCOL: v.i = IPPROTO_TCP; break;
            case SO_ACCEPTCONN: v.i = s->listening; break;
            case SO_ERROR:
                v.i = tcp_takeError(s->conn);
                tcpsocket_changed(s);
                break;
            case SO_RCVBUF: v.i = (int)tcp_getRcvBuf(s->conn); break;
            case SO_SNDBUF: v.i = (int)tcp_getSndBuf(s->conn); break;
            case SO_REUSEADDR: v.i = s->reuse_addr; break;
            case SO_REUSEPORT: v.i = s->reuse_port; break;
            case SO_KEEPALIVE: v.i = tcp_getKeepalive(s->conn); break;
            case SO_RCVLOWAT:
            case SO_SNDLOWAT: v.i = 1; break;
            case SO_OOBINLINE:
            case SO_BROADCAST:
            case SO_DONTROUTE:
            case SO_PRIORITY: v.i = 0; break;
            case SO_LINGER: {
                bool on;
                int sec;
                tcp_getLinger(s->conn, &on, &sec);
                v.l.l_onoff = on;
                v.l.l_linger = sec;
                size = sizeof(v.l);
                break;
            }
            case SO_RCVTIMEO_OLD:
            case SO_SNDTIMEO_OLD:
            case SO_RCVTIMEO_NEW:
            case SO_SNDTIMEO_NEW:
                size = socket_getTimeo(name, s->rcvtimeo, s->sndtimeo, &v.tv);
                break;
            default: known = false; break;
        }
    } else if (level == IPPROTO_TCP) {
        switch (name) {
            case TCP_NODELAY: v.i = tcp_getNoDelay(s->conn); break;
            case TCP_CORK: v.i = tcp_getCork(s->conn); break;
            case TCP_MAXSEG: {
                /* Before a connection Linux reports TCP_MSS_DEFAULT, unless the user set one. */
                TcpState st = tcp_state(s->conn);
                bool open = st != TCP_ST_CLOSE && st != TCP_ST_LISTEN;
                v.i = open || s->maxseg_set ? tcp_getMaxSeg(s->conn) : 536;
                break;
            }
            case TCP_USER_TIMEOUT: v.i = (int)tcp_getUserTimeout(s->conn); break;
            case TCP_KEEPIDLE:
            case TCP_KEEPINTVL:
            case TCP_KEEPCNT: {
                int idle, intvl, cnt;
                tcp_getKeepaliveParams(s->conn, &idle, &intvl, &cnt);
                v.i = name == TCP_KEEPIDLE ? idle : name == TCP_KEEPINTVL ? intvl : cnt;
                break;
            }
            case TCP_INFO:
                tcp_getInfo(s->conn, (struct tcp_info*)v.info, ctx->now);
                size = tcp_infoSize();
                break;
            case TCP_CONGESTION:
                strncpy(v.name, tcp_getCongestion(s->conn), sizeof(v.name) - 1);
                size = sizeof(v.name);
                break;
            default: known = false; break;
        }
    } else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->family == AF_INET6) {
        v.i = s->v6only;
    } else if (level == IPPROTO_IP) {
        switch (name) {
            case IP_TOS: v.i = s->ip_tos; break;
            case IP_TTL: v.i = s->ip_ttl; break;
            default: known = false; break;
        }
    } else {
        known = false;
    }
    if (!known) {
        socket_warnOption(ctx, "getsockopt", level, name);
        return syscall_done(-ENOPROTOOPT);
    }
    return socket_optionOut(ctx, &v, size);
}

/* ---- ioctl ------------------------------------------------------------------------------------- */

static SyscallReturn _tcpcall_ioctl(SyscallContext* ctx, TcpSocket* s) {
    unsigned long req = (unsigned long)ctx->args[1];
    if (req >= SIOCGIFNAME && req <= SIOCGIFINDEX) {
        return socket_ifIoctl(ctx);
    }
    int value;
    switch (req) {
        case FIONREAD: /* SIOCINQ */
            if (s->listening) {
                return syscall_done(-EINVAL);
            }
            value = (int)tcp_readable(s->conn);
            break;
        case TIOCOUTQ: /* SIOCOUTQ */
            if (s->listening) {
                return syscall_done(-EINVAL);
            }
            value = (int)tcp_unacked(s->conn);
            break;
        case SIOCOUTQNSD:
            if (s->listening) {
                return syscall_done(-EINVAL);
            }
            value = (int)tcp_unsent(s->conn);
            break;
        default: return syscall_done(-ENOTTY);
    }
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[2], &value, sizeof(value)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* sendfile(out_fd, in_fd, offset, count): to a TCP socket, umbra reads the file (through its
 * duplicate of in_fd: the same open file, so the same position) and sends it as a send of
 * `count` bytes would be sent, stopping early at the end of the file. Anything else runs
 * natively. */
SyscallReturn syscallhandler_sendfile(SyscallContext* ctx) {
    EmulatedFd* efd = emulatedfdset_find(host_getEmulatedFds(ctx->host), EMULATED_FD_SOCKET,
                                         process_getLiveNativeTid(ctx->process), (int)ctx->args[0]);
    if (efd == NULL || !efd->tcp) {
        return syscall_native();
    }
    int in = process_dupNativeFd(ctx->process, (int)ctx->args[1]);
    if (in < 0) {
        return syscall_done(-EBADF);
    }
    TcpSource src = {.file = in, .offset_addr = (uint64_t)ctx->args[2]};
    int flags = _tcpcall_nonblocking(efd) ? MSG_DONTWAIT : 0;
    SyscallReturn r = _tcpcall_sendFrom(ctx, efd->object, efd, &src, (uint64_t)ctx->args[3],
                                        flags | MSG_NOSIGNAL);
    close(in);
    if (r.kind == SYSCALL_DONE && r.retval == -EPIPE) {
        process_signalFrom(ctx->process, SIGPIPE, process_getVirtualPid(ctx->process));
    }
    return r;
}

/* ---- Dispatch ----------------------------------------------------------------------------------- */

static SyscallReturn _tcpcall_unsupported(SyscallContext* ctx) {
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
        log_warning("process '%s': sendmmsg and recvmmsg on TCP sockets are not supported "
                    "(EOPNOTSUPP); further uses are not reported",
                    process_getName(ctx->process));
    }
    return syscall_done(-EOPNOTSUPP);
}

SyscallReturn tcpcall_dispatch(SyscallContext* ctx, EmulatedFd* efd) {
    TcpSocket* s = efd->object;
    switch (ctx->number) {
        case SYS_bind: return _tcpcall_bind(ctx, s);
        case SYS_listen: return _tcpcall_listen(ctx, s);
        case SYS_connect: return _tcpcall_connect(ctx, s, efd);
        case SYS_accept:
        case SYS_accept4: return _tcpcall_accept(ctx, s, efd);
        case SYS_getsockname: return _tcpcall_name(ctx, s, false);
        case SYS_getpeername: return _tcpcall_name(ctx, s, true);
        case SYS_shutdown: return _tcpcall_shutdown(ctx, s);
        case SYS_sendto: return _tcpcall_sendto(ctx, s, efd);
        case SYS_recvfrom: return _tcpcall_recvfrom(ctx, s, efd);
        case SYS_sendmsg: return _tcpcall_msg(ctx, s, efd, true);
        case SYS_recvmsg: return _tcpcall_msg(ctx, s, efd, false);
        case SYS_setsockopt: return _tcpcall_setsockopt(ctx, s);
        case SYS_getsockopt: return _tcpcall_getsockopt(ctx, s);
        case UMBRA_SYSCALL_SOCKET_IOCTL: return _tcpcall_ioctl(ctx, s);
        case SYS_sendmmsg:
        case SYS_recvmmsg: return _tcpcall_unsupported(ctx);
        default: return syscall_done(-EOPNOTSUPP);
    }
}
