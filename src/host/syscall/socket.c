/* Socket calls. AF_INET datagram sockets are UDP sockets (host/udp.h) on a native placeholder
 * (host/emulated_fd.h, kind EMULATED_FD_SOCKET: end A of an AF_UNIX socketpair whose readiness
 * umbra sets); AF_NETLINK NETLINK_ROUTE sockets are UdpSockets with `netlink` set whose queue
 * holds the kernel's replies (host/netlink.h); AF_UNIX sockets are native
 * (host/syscall/unix.h); AF_INET and AF_INET6 stream sockets are TCP (socket_tcp.c); every
 * other family and type is refused at creation (EAFNOSUPPORT, one warning). Socket calls
 * on descriptors that are not sockets fail as Linux fails them: ENOTSOCK for an open descriptor,
 * EBADF otherwise (bash, for one, decides whether it runs under sshd from getpeername's errno on
 * fd 0).
 *
 * The shim turns the descriptor's O_NONBLOCK into MSG_DONTWAIT, and read/readv/write/writev on a
 * socket into recvfrom/recvmsg/sendto/sendmsg, so only the socket calls reach here. For socket,
 * accept and accept4 the shim makes the placeholder pair and passes both ends (socket: args[3] A,
 * args[4] B; accept4: args[4] A, args[5] B, with accept sent as accept4 with flags 0), or -1 for
 * none; it closes B itself once answered, and A too when the answer is an error. */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "host/netlink.h"
#include "host/netqueue.h"
#include "host/syscall/socket_internal.h"
#include "host/syscall/syscall.h"
#include "host/syscall/unix.h"
#include "host/tcp_socket.h"
#include "host/udp.h"
#include "lib/logger.h"


/* SO_PEERCRED on a native socket: the kernel knows the peer by its native pid; the program must
 * see the virtual one. */
static SyscallReturn _socket_nativePeercred(SyscallContext* ctx) {
    int dup = process_dupNativeFd(ctx->process, (int)ctx->args[0]);
    if (dup < 0) {
        return syscall_done(dup);
    }
    struct ucred cred;
    socklen_t clen = sizeof(cred);
    int rv = getsockopt(dup, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 ? 0 : -errno;
    close(dup);
    if (rv != 0) {
        return syscall_done(rv);
    }
    cred.pid = unix_virtualPid(ctx->host, cred.pid);
    return socket_optionOut(ctx, &cred, sizeof(cred));
}

static SyscallReturn _socket_ifIoctl(SyscallContext* ctx, UdpSocket* sock);

/* A socket call on a descriptor that is not an emulated socket. A native socket is an AF_UNIX
 * one (no other family is made natively): unix.c decides, except SO_PEERCRED, answered above for
 * every native socket, and the interface ioctls (the host's lo and eth0, not the machine's:
 * glibc's if_nametoindex asks them of an AF_UNIX socket). Anything else fails as Linux fails a non-socket: ENOTSOCK for an open
 * descriptor, EBADF otherwise. */
static SyscallReturn _socket_notEmulated(SyscallContext* ctx) {
    struct stat st;
    if (process_statFd(ctx->process, (int32_t)ctx->args[0], &st) != 0) {
        return syscall_done(-EBADF);
    }
    if (!S_ISSOCK(st.st_mode)) {
        return syscall_done(-ENOTSOCK);
    }
    if (ctx->number == SYS_getsockopt && (int)ctx->args[1] == SOL_SOCKET &&
        (int)ctx->args[2] == SO_PEERCRED) {
        return _socket_nativePeercred(ctx);
    }
    if (ctx->number == UMBRA_SYSCALL_SOCKET_IOCTL) {
        return _socket_ifIoctl(ctx, NULL); /* the shim sends only SIOCGIF* (and SIOCSIF*) */
    }
    return unix_nativeCall(ctx);
}

static SyscallReturn _socket_unsupported(SyscallContext* ctx) {
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
        log_warning("process '%s' asked for a socket (domain %lld, type %lld): only AF_INET and "
                    "AF_INET6 stream and datagram, AF_UNIX and AF_NETLINK route sockets are "
                    "supported (EAFNOSUPPORT); further requests are not reported",
                    process_getName(ctx->process), (long long)ctx->args[0],
                    (long long)ctx->args[1]);
    }
    return syscall_done(-EAFNOSUPPORT);
}

static EmulatedFd* _socket_findFd(SyscallContext* ctx, int fd) {
    return emulatedfdset_find(host_getEmulatedFds(ctx->host), EMULATED_FD_SOCKET,
                              process_getLiveNativeTid(ctx->process), fd);
}

/* The UDP or netlink socket the call is about; a TCP socket's calls go to tcp.c. */
#define SOCKET_OR_FAIL(ctx, sock)                                                                  \
    EmulatedFd* sock##_efd = _socket_findFd(ctx, (int)(ctx)->args[0]);                            \
    if (sock##_efd == NULL) {                                                                      \
        return _socket_notEmulated(ctx);                                                           \
    }                                                                                              \
    if (sock##_efd->tcp) {                                                                         \
        return tcpcall_dispatch(ctx, sock##_efd);                                                  \
    }                                                                                              \
    UdpSocket* sock = sock##_efd->object;

/* ---- Addresses ------------------------------------------------------------------------------ */

/* Reads a sockaddr of `len` bytes for a socket of `family` (AF_INET or AF_INET6, `v6only` its
 * IPV6_V6ONLY), to bind to (`for_bind`) or to reach: 0 (*out set), 1 (AF_UNSPEC) or -errno, as
 * Linux's inet_bind/inet6_bind and the connect and send paths check them. An AF_INET6 socket
 * takes ::, ::1 and v4-mapped addresses (umbra's hosts have no other IPv6 address: EADDRNOTAVAIL
 * to bind, ENETUNREACH to reach), and an AF_INET address to reach unless IPv6-only. */
int socket_readAddr(SyscallContext* ctx, int family, bool v6only, bool for_bind, uint64_t addr,
                    int64_t len, NetAddr* out) {
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof(sin6));
    if (len < (int64_t)sizeof(sa_family_t)) {
        return -EINVAL;
    }
    size_t n = len < (int64_t)sizeof(sin6) ? (size_t)len : sizeof(sin6);
    if (process_readMemory(ctx->process, addr, &sin6, n) != 0) {
        return -EFAULT;
    }
    sa_family_t fam = sin6.sin6_family;
    if (fam == AF_UNSPEC && len < (int64_t)sizeof(struct sockaddr_in)) {
        return 1;
    }
    if (family == AF_INET6 && fam != AF_INET) {
        if (len < 24) { /* SIN6_LEN_RFC2133 */
            return -EINVAL;
        }
        if (fam == AF_UNSPEC) {
            return 1;
        }
        if (fam != AF_INET6) {
            return -EAFNOSUPPORT;
        }
        const uint8_t* b = sin6.sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        out->port = ntohs(sin6.sin6_port);
        if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr)) {
            out->ip = 0;
        } else if (IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr)) {
            out->ip = NET_LOOPBACK6_IP;
        } else if (memcmp(b, mapped, sizeof(mapped)) == 0) {
            if (v6only) {
                return for_bind ? -EINVAL : -ENETUNREACH;
            }
            out->ip = ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) |
                      b[15];
        } else {
            return for_bind ? -EADDRNOTAVAIL : -ENETUNREACH;
        }
        return 0;
    }
    if (family == AF_INET6 && (for_bind || v6only)) {
        return for_bind ? -EAFNOSUPPORT : -ENETUNREACH; /* an AF_INET address */
    }
    const struct sockaddr_in* sin = (const struct sockaddr_in*)&sin6;
    if (len < (int64_t)sizeof(*sin)) {
        return -EINVAL;
    }
    out->ip = ntohl(sin->sin_addr.s_addr);
    out->port = ntohs(sin->sin_port);
    if (fam == AF_UNSPEC) {
        return 1;
    }
    return fam == AF_INET ? 0 : -EAFNOSUPPORT;
}

static int _socket_readAddr(SyscallContext* ctx, const UdpSocket* sock, bool for_bind,
                            uint64_t addr, int64_t len, NetAddr* out) {
    return socket_readAddr(ctx, sock->family, sock->v6only, for_bind, addr, len, out);
}

/* Writes `a` as a socket of `family` shows it (AF_INET6: ::, ::1 or ::ffff:a.b.c.d) to a sockaddr
 * buffer whose length is at `len_addr` (in: room, out: the full length), as Linux's
 * move_addr_to_user. */
int socket_writeAddr(SyscallContext* ctx, int family, uint64_t addr, uint64_t len_addr,
                     NetAddr a) {
    int32_t room;
    if (process_readMemory(ctx->process, len_addr, &room, sizeof(room)) != 0) {
        return -EFAULT;
    }
    if (room < 0) {
        return -EINVAL;
    }
    union {
        struct sockaddr_in sin;
        struct sockaddr_in6 sin6;
    } u;
    memset(&u, 0, sizeof(u));
    size_t full;
    if (family == AF_INET6) {
        u.sin6.sin6_family = AF_INET6;
        u.sin6.sin6_port = htons(a.port);
        uint8_t* b = u.sin6.sin6_addr.s6_addr;
        if (a.ip == NET_LOOPBACK6_IP) {
            b[15] = 1;
        } else if (a.ip != 0) {
            b[10] = b[11] = 0xff;
            b[12] = (uint8_t)(a.ip >> 24);
            b[13] = (uint8_t)(a.ip >> 16);
            b[14] = (uint8_t)(a.ip >> 8);
            b[15] = (uint8_t)a.ip;
        }
        full = sizeof(u.sin6);
    } else {
        u.sin = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(a.port),
                                     .sin_addr.s_addr = htonl(a.ip)};
        full = sizeof(u.sin);
    }
    size_t n = (size_t)room < full ? (size_t)room : full;
    if (n > 0 && process_writeMemory(ctx->process, addr, &u, n) != 0) {
        return -EFAULT;
    }
    int32_t out = (int32_t)full;
    return process_writeMemory(ctx->process, len_addr, &out, sizeof(out)) != 0 ? -EFAULT : 0;
}

static int _socket_writeAddr(SyscallContext* ctx, const UdpSocket* sock, uint64_t addr,
                             uint64_t len_addr, NetAddr a) {
    return socket_writeAddr(ctx, sock->family, addr, len_addr, a);
}

/* ---- Creation, binding, connecting ----------------------------------------------------------- */

/* A new socket's placeholder: the process's descriptors `a_fd` (end A, the socket's number) and
 * `b_fd` (end B) of the AF_UNIX pair the shim made (socket, accept, accept4). Registers an
 * EmulatedFd on umbra's duplicates of both, owned by the calling process, with no object yet
 * (the caller sets one: udpsocket_new). 0 with *out set (borrowed), or -errno (EINVAL when the
 * shim made no pair). */
static int _socket_adoptPlaceholder(SyscallContext* ctx, int a_fd, int b_fd, EmulatedFd** out) {
    if (a_fd < 0 || b_fd < 0) {
        return -EINVAL;
    }
    int dup_a = process_dupNativeFd(ctx->process, a_fd);
    if (dup_a < 0) {
        return dup_a;
    }
    int dup_b = process_dupNativeFd(ctx->process, b_fd);
    if (dup_b < 0) {
        close(dup_a);
        return dup_b;
    }
    EmulatedFd* efd = emulatedfdset_addSocket(host_getEmulatedFds(ctx->host), dup_a, dup_b);
    efd->owner = process_getVirtualPid(ctx->process);
    *out = efd;
    return 0;
}

/* ---- AF_NETLINK (NETLINK_ROUTE; host/netlink.h) --------------------------------------------- */

static int _netlink_new(SyscallContext* ctx, int a_fd, int b_fd, int type) {
    EmulatedFd* efd;
    int rv = _socket_adoptPlaceholder(ctx, a_fd, b_fd, &efd);
    if (rv != 0) {
        return rv;
    }
    /* Linux's netlink defaults: sk_rcvbuf and sk_sndbuf from rmem_default and wmem_default. */
    UdpSocket* sock = udpsocket_new(ctx->host, efd, SOCKET_RMEM_MAX, SOCKET_RMEM_MAX);
    sock->netlink = true;
    sock->type = type;
    return 0;
}

/* socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, protocol): NETLINK_ROUTE only. Linux checks the type
 * first (ESOCKTNOSUPPORT), then the protocol. */
static SyscallReturn _netlink_socket(SyscallContext* ctx, int type, int protocol, int a_fd,
                                     int b_fd) {
    static int warned;
    if (type != SOCK_RAW && type != SOCK_DGRAM) {
        return syscall_done(-ESOCKTNOSUPPORT);
    }
    if (protocol != NETLINK_ROUTE) {
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
            log_warning("process '%s' asked for a netlink socket of protocol %d: only "
                        "NETLINK_ROUTE is supported (EPROTONOSUPPORT); further requests are not "
                        "reported",
                        process_getName(ctx->process), protocol);
        }
        return syscall_done(-EPROTONOSUPPORT);
    }
    /* No pair: flags other than SOCK_NONBLOCK and SOCK_CLOEXEC (EINVAL). */
    int rv = _netlink_new(ctx, a_fd, b_fd, type);
    return syscall_done(rv != 0 ? rv : a_fd);
}

/* Whether another netlink socket of the host has port id `portid`. */
static bool _netlink_portUsed(SyscallContext* ctx, const UdpSocket* self, int32_t portid) {
    EmulatedFdSet* set = host_getEmulatedFds(ctx->host);
    for (size_t i = 0; i < emulatedfdset_count(set); i++) {
        EmulatedFd* efd = emulatedfdset_at(set, i);
        UdpSocket* other = efd->kind == EMULATED_FD_SOCKET ? efd->object : NULL;
        if (other != NULL && other != self && other->netlink && other->nl_portid == portid) {
            return true;
        }
    }
    return false;
}

/* As Linux's netlink_autobind: the process's (virtual) pid, or if taken, a negative id counting
 * down from -4097 (the lowest free one: deterministic, unlike a global rover). */
static void _netlink_autobind(SyscallContext* ctx, UdpSocket* sock) {
    if (sock->nl_portid != 0) {
        return;
    }
    int32_t id = process_getVirtualPid(ctx->process);
    if (_netlink_portUsed(ctx, sock, id)) {
        id = -4097;
        while (_netlink_portUsed(ctx, sock, id)) {
            id--;
        }
    }
    sock->nl_portid = id;
}

/* Reads a sockaddr_nl: 0, or -EINVAL as Linux for a short one or another family. */
static int _netlink_readAddr(SyscallContext* ctx, uint64_t addr, int64_t len,
                             struct sockaddr_nl* out) {
    if (len < (int64_t)sizeof(*out)) {
        return -EINVAL;
    }
    if (process_readMemory(ctx->process, addr, out, sizeof(*out)) != 0) {
        return -EFAULT;
    }
    return out->nl_family == AF_NETLINK ? 0 : -EINVAL;
}

static int _netlink_writeAddr(SyscallContext* ctx, uint64_t addr, uint64_t len_addr,
                              int32_t portid) {
    int32_t room;
    if (process_readMemory(ctx->process, len_addr, &room, sizeof(room)) != 0) {
        return -EFAULT;
    }
    if (room < 0) {
        return -EINVAL;
    }
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK, .nl_pid = (uint32_t)portid};
    size_t n = (size_t)room < sizeof(nl) ? (size_t)room : sizeof(nl);
    if (n > 0 && process_writeMemory(ctx->process, addr, &nl, n) != 0) {
        return -EFAULT;
    }
    int32_t full = sizeof(nl);
    return process_writeMemory(ctx->process, len_addr, &full, sizeof(full)) != 0 ? -EFAULT : 0;
}

static SyscallReturn _netlink_bind(SyscallContext* ctx, UdpSocket* sock) {
    struct sockaddr_nl nl;
    int rv = _netlink_readAddr(ctx, (uint64_t)ctx->args[1], (int32_t)ctx->args[2], &nl);
    if (rv != 0) {
        return syscall_done(rv);
    }
    int32_t want = (int32_t)nl.nl_pid;
    if (sock->nl_portid != 0) {
        return syscall_done(want == 0 || want == sock->nl_portid ? 0 : -EINVAL);
    }
    if (want == 0) {
        _netlink_autobind(ctx, sock);
        return syscall_done(0);
    }
    if (_netlink_portUsed(ctx, sock, want)) {
        return syscall_done(-EADDRINUSE);
    }
    sock->nl_portid = want;
    return syscall_done(0); /* multicast groups: accepted; nothing ever changes to report */
}

/* A request of `len` bytes (owned) to the kernel: its replies are queued at once, as Linux
 * answers in the sender's context. */
static int64_t _netlink_send(SyscallContext* ctx, UdpSocket* sock, uint8_t* data, size_t len) {
    _netlink_autobind(ctx, sock);
    GPtrArray* replies = g_ptr_array_new();
    netlink_handleRequest(data, len, (uint32_t)sock->nl_portid, host_getIp(ctx->host), replies);
    g_free(data);
    for (guint i = 0; i < replies->len; i++) {
        GByteArray* b = g_ptr_array_index(replies, i);
        UdpDatagram* d = g_malloc(sizeof(UdpDatagram) + b->len);
        memset(&d->from, 0, sizeof(d->from));
        d->len = b->len;
        memcpy(d->data, b->data, b->len);
        g_queue_push_tail(&sock->queue, d);
        sock->queued_bytes += b->len;
        g_byte_array_free(b, TRUE);
        udpsocket_queued(sock); /* an edge per reply, as netlink_unicast's per skb */
    }
    g_ptr_array_free(replies, TRUE);
    return (int64_t)len;
}

/* Checks a netlink destination: only the kernel (port 0, no groups) is reachable. */
static int _netlink_checkDest(SyscallContext* ctx, uint64_t addr, int64_t len) {
    struct sockaddr_nl nl;
    int rv = _netlink_readAddr(ctx, addr, len, &nl);
    if (rv != 0) {
        return rv;
    }
    if (nl.nl_groups != 0) {
        return -EPERM; /* sending to groups needs NL_CFG_F_NONROOT_SEND, which route lacks */
    }
    return nl.nl_pid == 0 ? 0 : -ECONNREFUSED; /* no other process listens (none is emulated) */
}

/* socket(domain, type, protocol, A, B): the shim made the placeholder pair for AF_INET and
 * AF_INET6 stream and datagram sockets and AF_NETLINK ones (A and B -1 for anything else, or for
 * flags other than SOCK_NONBLOCK and SOCK_CLOEXEC); the answer is A, the socket's descriptor. */
SyscallReturn syscallhandler_socket(SyscallContext* ctx) {
    int domain = (int)ctx->args[0];
    int type = (int)ctx->args[1];
    int protocol = (int)ctx->args[2];
    int a_fd = (int)ctx->args[3];
    int b_fd = (int)ctx->args[4];
    if (domain == AF_UNIX) {
        return unix_socket(ctx); /* native (unix.c) */
    }
    if (domain == AF_NETLINK) {
        return _netlink_socket(ctx, type & 0xf, protocol, a_fd, b_fd);
    }
    bool inet = domain == AF_INET || domain == AF_INET6;
    if (inet && (type & 0xf) == SOCK_STREAM && a_fd >= 0) {
        return tcpcall_socket(ctx, domain, protocol, a_fd, b_fd);
    }
    if (!inet || (type & 0xf) != SOCK_DGRAM || a_fd < 0) {
        return _socket_unsupported(ctx);
    }
    if (protocol != 0 && protocol != IPPROTO_UDP) {
        return syscall_done(-EPROTONOSUPPORT);
    }
    EmulatedFd* efd;
    int rv = _socket_adoptPlaceholder(ctx, a_fd, b_fd, &efd);
    if (rv != 0) {
        return syscall_done(rv);
    }
    const HostProcessOptions* o = host_getProcessOptions(ctx->host);
    UdpSocket* sock = udpsocket_new(
        ctx->host, efd, o->socket_recv_buffer ? o->socket_recv_buffer : SOCKET_RMEM_MAX,
        o->socket_send_buffer ? o->socket_send_buffer : SOCKET_RMEM_MAX);
    sock->family = domain;
    return syscall_done(a_fd);
}

/* socketpair: AF_UNIX pairs are native (they reach nothing outside the process tree that holds
 * them; see _socket_notEmulated); the type is checked by the kernel. An AF_INET pair is
 * EOPNOTSUPP, as in Linux; other families are not supported. */
SyscallReturn syscallhandler_socketpair(SyscallContext* ctx) {
    int domain = (int)ctx->args[0];
    if (domain == AF_UNIX) {
        return syscall_native();
    }
    if (domain == AF_INET || domain == AF_INET6) {
        return syscall_done(-EOPNOTSUPP);
    }
    return _socket_unsupported(ctx);
}

SyscallReturn syscallhandler_bind(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (sock->netlink) {
        return _netlink_bind(ctx, sock);
    }
    int64_t len = (int32_t)ctx->args[2];
    if (len < (int64_t)sizeof(struct sockaddr_in)) {
        return syscall_done(-EINVAL);
    }
    NetAddr a = {0};
    int rv = _socket_readAddr(ctx, sock, true, (uint64_t)ctx->args[1], len, &a);
    if (rv < 0) {
        return syscall_done(rv);
    }
    if (rv == 1 && a.ip != 0) {
        return syscall_done(-EAFNOSUPPORT); /* AF_UNSPEC is taken only with INADDR_ANY */
    }
    if (sock->bound) {
        return syscall_done(-EINVAL);
    }
    rv = netstack_bind(host_getNetStack(ctx->host), sock, a.ip, a.port);
    if (rv == 0) {
        sock->addr_locked = a.ip != 0;
        sock->port_locked = a.port != 0;
    }
    return syscall_done(rv);
}

/* An unbound socket gets an ephemeral port (first send or connect, as Linux's
 * inet_send_prepare), on 0.0.0.0 or on the address it keeps from an explicit bind. */
static int _socket_autobind(SyscallContext* ctx, UdpSocket* sock) {
    if (sock->netlink) {
        _netlink_autobind(ctx, sock);
        return 0;
    }
    if (sock->bound) {
        return 0;
    }
    int rv = netstack_bind(host_getNetStack(ctx->host), sock, sock->local.ip, 0);
    return rv == -EADDRINUSE ? -EAGAIN : rv;
}

SyscallReturn syscallhandler_connect(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (sock->netlink) {
        int rv = _netlink_checkDest(ctx, (uint64_t)ctx->args[1], (int32_t)ctx->args[2]);
        if (rv == 0) {
            _netlink_autobind(ctx, sock);
        }
        return syscall_done(rv);
    }
    NetAddr a = {0};
    int rv = _socket_readAddr(ctx, sock, false, (uint64_t)ctx->args[1], (int32_t)ctx->args[2], &a);
    if (rv < 0) {
        return syscall_done(rv);
    }
    NetStack* stack = host_getNetStack(ctx->host);
    if (rv == 1) {
        /* AF_UNSPEC: disconnect. An address or port not bound explicitly is given up. */
        sock->connected = false;
        if (!sock->addr_locked) {
            sock->local.ip = 0;
        }
        if (sock->bound && !sock->port_locked) {
            netstack_unbind(stack, sock);
            sock->local.port = 0;
        }
        return syscall_done(0);
    }
    rv = _socket_autobind(ctx, sock);
    if (rv != 0) {
        return syscall_done(rv);
    }
    if (a.ip == 0) {
        a.ip = NET_LOOPBACK_IP; /* Linux sends to 0.0.0.0 on this host */
    }
    if (sock->local.ip == 0) {
        sock->local.ip = netstack_sourceFor(stack, a.ip); /* as Linux's ip4_datagram_connect */
    }
    sock->peer = a;
    sock->connected = true;
    return syscall_done(0);
}

SyscallReturn syscallhandler_listen(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    (void)sock;
    return syscall_done(-EOPNOTSUPP);
}

/* accept(fd, addr, addrlen): the shim sends it as accept4 with flags 0 when fd is a socket it
 * marked; otherwise (no placeholder pair) it comes as is. */
SyscallReturn syscallhandler_accept(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    (void)sock;
    return syscall_done(-EOPNOTSUPP);
}

/* accept4(fd, addr, addrlen, flags, A, B): A and B are the new socket's placeholder pair (flags'
 * SOCK_NONBLOCK and SOCK_CLOEXEC already on A), for _socket_adoptPlaceholder; the answer would
 * be A. No socket listens yet (UDP and netlink: EOPNOTSUPP, as Linux). */
SyscallReturn syscallhandler_accept4(SyscallContext* ctx) {
    return syscallhandler_accept(ctx);
}

SyscallReturn syscallhandler_getsockname(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (sock->netlink) {
        return syscall_done(_netlink_writeAddr(ctx, (uint64_t)ctx->args[1],
                                               (uint64_t)ctx->args[2], sock->nl_portid));
    }
    NetAddr a = sock->local; /* 0.0.0.0:0 before any bind; the port 0 after a disconnect */
    return syscall_done(
        _socket_writeAddr(ctx, sock, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2], a));
}

SyscallReturn syscallhandler_getpeername(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (sock->netlink) { /* the kernel, as Linux says even unconnected */
        return syscall_done(_netlink_writeAddr(ctx, (uint64_t)ctx->args[1],
                                               (uint64_t)ctx->args[2], 0));
    }
    if (!sock->connected) {
        return syscall_done(-ENOTCONN);
    }
    return syscall_done(
        _socket_writeAddr(ctx, sock, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2], sock->peer));
}

SyscallReturn syscallhandler_shutdown(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (sock->netlink) {
        return syscall_done(-EOPNOTSUPP); /* netlink has no shutdown (sock_no_shutdown) */
    }
    int how = (int)ctx->args[1];
    if (how < SHUT_RD || how > SHUT_RDWR) {
        return syscall_done(-EINVAL);
    }
    /* Linux marks the socket shut down even when it then says ENOTCONN (unconnected UDP). */
    sock->shut_rd = sock->shut_rd || how != SHUT_WR;
    sock->shut_wr = sock->shut_wr || how != SHUT_RD;
    udpsocket_updateReadiness(sock);
    return syscall_done(sock->connected ? 0 : -ENOTCONN);
}

/* ---- Sending ---------------------------------------------------------------------------------- */

/* A pending error (ICMP port unreachable) is reported once, by the next send or receive. */
static int _socket_takeError(UdpSocket* sock) {
    int e = sock->error;
    if (e != 0) {
        sock->error = 0;
        udpsocket_updateReadiness(sock);
    }
    return e;
}

/* Sends `data` (len bytes, owned) to `to` (NULL: the connected peer). With MSG_MORE the data is
 * corked: kept, and sent as one datagram with what later sends add until one comes without
 * MSG_MORE, to the first one's destination (Linux's udp_sendmsg). */
static int64_t _socket_sendData(SyscallContext* ctx, UdpSocket* sock, uint8_t* data, size_t len,
                                const NetAddr* to, int flags) {
    if (sock->netlink) {
        return _netlink_send(ctx, sock, data, len);
    }
    int e = _socket_takeError(sock);
    if (e != 0) {
        g_free(data);
        return -e;
    }
    if (sock->shut_wr) {
        g_free(data);
        return -EPIPE;
    }
    size_t sent = len;
    NetAddr dst;
    if (sock->cork != NULL) {
        if (sock->cork->len + len > UDP_MAX_PAYLOAD) {
            g_byte_array_free(sock->cork, TRUE); /* the whole pending datagram is dropped */
            sock->cork = NULL;
            g_free(data);
            return -EMSGSIZE;
        }
        g_byte_array_append(sock->cork, data, (guint)len);
        g_free(data);
        if (flags & MSG_MORE) {
            return (int64_t)sent;
        }
        len = sock->cork->len;
        data = g_byte_array_free(sock->cork, FALSE);
        sock->cork = NULL;
        dst = sock->cork_dst;
        goto send;
    }
    if (to != NULL) {
        dst = *to;
    } else if (sock->connected) {
        dst = sock->peer;
    } else {
        g_free(data);
        return -EDESTADDRREQ;
    }
    if (dst.port == 0) {
        g_free(data);
        return -EINVAL;
    }
    if (dst.ip == 0xffffffffu && !sock->broadcast) {
        g_free(data);
        return -EACCES;
    }
    if (dst.ip == 0) {
        dst.ip = NET_LOOPBACK_IP;
    }
    if (flags & MSG_MORE) {
        sock->cork = g_byte_array_new();
        g_byte_array_append(sock->cork, data, (guint)len);
        sock->cork_dst = dst;
        g_free(data);
        return (int64_t)sent;
    }
send:;
    NetStack* stack = host_getNetStack(ctx->host);
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_UDP;
    p->src.ip = sock->local.ip != 0 ? sock->local.ip : netstack_sourceFor(stack, dst.ip);
    p->src.port = sock->local.port;
    p->dst = dst;
    p->payload = data;
    p->len = len;
    netstack_sendFrom(stack, sock->tx, p, ctx->now);
    udpsocket_updateReadiness(sock); /* no POLLOUT once half the send buffer is in use */
    return (int64_t)sent;
}

/* Waits for the socket to change, with SO_SNDTIMEO or SO_RCVTIMEO `timeout` (0: none): -EAGAIN
 * once the timeout has passed, else 0 with *block set (the call runs again when woken). */
int socket_waitObject(SyscallContext* ctx, uint64_t id, SimTime timeout, SyscallReturn* block) {
    SyscallScratch* scratch = managedthread_getScratch(ctx->thread);
    if (ctx->wake == WAKE_NONE) {
        scratch->deadline = timeout > 0 ? ctx->now + timeout : SIMTIME_INVALID;
        scratch->value = timeout == 0; /* restartable under SA_RESTART (dispatch.c) */
    } else if (ctx->wake == WAKE_TIMEOUT && scratch->deadline != SIMTIME_INVALID &&
               ctx->now >= scratch->deadline) {
        return -EAGAIN;
    }
    managedthread_waitObject(ctx->thread, id);
    *block = syscall_block(scratch->deadline);
    return 0;
}

static int _socket_wait(SyscallContext* ctx, UdpSocket* sock, SimTime timeout,
                        SyscallReturn* block) {
    return socket_waitObject(ctx, sock->efd->id, timeout, block);
}

/* Linux's sock_alloc_send_pskb: a send finds the socket's packets still in the interface queue
 * filling its send buffer: a non-blocking one (O_NONBLOCK, MSG_DONTWAIT) fails with EAGAIN, a
 * blocking one waits (until SO_SNDTIMEO: EAGAIN), unless an error is pending or writing is shut
 * down (the send reports those). Poll shows no POLLOUT from half the buffer on and until the
 * queue is back under half (udpsocket_updateReadiness), so a program that waits for POLLOUT
 * after EAGAIN sleeps in simulated time until packets leave. 0: go on; 1: *block set; -errno. */
static int _socket_sendWait(SyscallContext* ctx, UdpSocket* sock, int flags, bool may_block,
                            SyscallReturn* block) {
    if (sock->error != 0 || sock->shut_wr || !udpsocket_sendBufferFull(sock)) {
        return 0;
    }
    if ((flags & MSG_DONTWAIT) || !may_block) {
        return -EAGAIN;
    }
    int rv = _socket_wait(ctx, sock, sock->sndtimeo, block);
    return rv < 0 ? rv : 1;
}

static bool _socket_sendFlagsOk(int flags) {
    return !(flags & MSG_OOB);
}

/* sendto(fd, buf, len, flags, addr, addrlen) */
SyscallReturn syscallhandler_sendto(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int bound = _socket_autobind(ctx, sock); /* before any check, as Linux */
    if (bound != 0) {
        return syscall_done(bound);
    }
    uint64_t len = (uint64_t)ctx->args[2];
    int flags = (int)ctx->args[3];
    if (len > (sock->netlink ? sock->sndbuf - 32 : UDP_MAX_PAYLOAD)) {
        return syscall_done(-EMSGSIZE);
    }
    if (!_socket_sendFlagsOk(flags)) {
        return syscall_done(-EOPNOTSUPP);
    }
    NetAddr to;
    bool has_to = ctx->args[4] != 0;
    if (has_to && sock->netlink) {
        int rv = _netlink_checkDest(ctx, (uint64_t)ctx->args[4], (int32_t)ctx->args[5]);
        if (rv != 0) {
            return syscall_done(rv);
        }
        has_to = false;
    } else if (has_to) {
        int64_t alen = (int32_t)ctx->args[5];
        if (alen < (int64_t)sizeof(struct sockaddr_in)) {
            return syscall_done(-EINVAL);
        }
        int rv = _socket_readAddr(ctx, sock, false, (uint64_t)ctx->args[4], alen, &to);
        if (rv < 0) {
            return syscall_done(rv);
        }
    }
    SyscallReturn block;
    int wait = _socket_sendWait(ctx, sock, flags, true, &block);
    if (wait != 0) {
        return wait == 1 ? block : syscall_done(wait);
    }
    uint8_t* data = len > 0 ? g_malloc(len) : NULL;
    if (len > 0 && process_readMemory(ctx->process, (uint64_t)ctx->args[1], data, len) != 0) {
        g_free(data);
        return syscall_done(-EFAULT);
    }
    return syscall_done(_socket_sendData(ctx, sock, data, len, has_to ? &to : NULL, flags));
}

/* Reads a msghdr's iovec array: its count, or -errno. `*iov` is g_malloc'd. */
static int64_t _socket_readIov(SyscallContext* ctx, const struct msghdr* msg, struct iovec** iov,
                               uint64_t* total) {
    *iov = NULL;
    *total = 0;
    if (msg->msg_iovlen > SOCKET_IOV_MAX) {
        return -EMSGSIZE;
    }
    size_t n = msg->msg_iovlen;
    *iov = g_new0(struct iovec, n + 1);
    if (n > 0 && process_readMemory(ctx->process, (uint64_t)(uintptr_t)msg->msg_iov, *iov,
                                    n * sizeof(struct iovec)) != 0) {
        return -EFAULT;
    }
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)(*iov)[i].iov_len < 0) {
            return -EINVAL;
        }
        *total += (*iov)[i].iov_len;
    }
    return (int64_t)n;
}

/* One sendmsg of the msghdr at `addr`: bytes, -errno, or a block (*blocked; only if
 * `may_block`, else -EAGAIN when the send buffer is full). */
static int64_t _socket_sendMsg(SyscallContext* ctx, UdpSocket* sock, uint64_t addr, int flags,
                               bool may_block, SyscallReturn* block, bool* blocked) {
    *blocked = false;
    struct msghdr msg;
    if (process_readMemory(ctx->process, addr, &msg, sizeof(msg)) != 0) {
        return -EFAULT;
    }
    if (!_socket_sendFlagsOk(flags)) {
        return -EOPNOTSUPP;
    }
    struct iovec* iov;
    uint64_t total;
    int64_t n = _socket_readIov(ctx, &msg, &iov, &total);
    if (n >= 0 && total > (sock->netlink ? sock->sndbuf - 32 : UDP_MAX_PAYLOAD)) {
        n = -EMSGSIZE;
    }
    NetAddr to;
    bool has_to = msg.msg_name != NULL;
    if (n >= 0 && has_to && sock->netlink) {
        int rv = _netlink_checkDest(ctx, (uint64_t)(uintptr_t)msg.msg_name, msg.msg_namelen);
        n = rv < 0 ? rv : n;
        has_to = false;
    } else if (n >= 0 && has_to) {
        if (msg.msg_namelen < sizeof(struct sockaddr_in)) {
            n = -EINVAL;
        } else {
            int rv = _socket_readAddr(ctx, sock, false, (uint64_t)(uintptr_t)msg.msg_name,
                                      msg.msg_namelen, &to);
            n = rv < 0 ? rv : n;
        }
    }
    if (n >= 0) {
        int wait = _socket_sendWait(ctx, sock, flags, may_block, block);
        if (wait == 1) {
            g_free(iov);
            *blocked = true;
            return 0;
        }
        n = wait < 0 ? wait : n;
    }
    uint8_t* data = NULL;
    if (n >= 0 && total > 0) {
        data = g_malloc(total);
        size_t off = 0;
        for (int64_t i = 0; i < n && n >= 0; i++) {
            if (iov[i].iov_len > 0 &&
                process_readMemory(ctx->process, (uint64_t)(uintptr_t)iov[i].iov_base,
                                   data + off, iov[i].iov_len) != 0) {
                n = -EFAULT;
            }
            off += iov[i].iov_len;
        }
    }
    g_free(iov);
    if (n < 0) {
        g_free(data);
        return n;
    }
    return _socket_sendData(ctx, sock, data, total, has_to ? &to : NULL, flags);
}

SyscallReturn syscallhandler_sendmsg(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int bound = _socket_autobind(ctx, sock);
    if (bound != 0) {
        return syscall_done(bound);
    }
    SyscallReturn block;
    bool blocked;
    int64_t rv = _socket_sendMsg(ctx, sock, (uint64_t)ctx->args[1], (int)ctx->args[2], true, &block,
                                 &blocked);
    return blocked ? block : syscall_done(rv);
}

typedef int64_t (*SocketMsgFunc)(SyscallContext* ctx, UdpSocket* sock, uint64_t addr, int flags,
                                 bool may_block, SyscallReturn* block, bool* blocked);

/* sendmmsg and recvmmsg: `each` on the messages of the vector in turn, each one's length written
 * into its msg_len. Only the first message may wait; after it, a call that would wait (and, with
 * `until_empty`, a receive queue left empty) ends the call with the count so far, as does an error
 * (which the call returns when nothing was done). */
static SyscallReturn _socket_eachMsg(SyscallContext* ctx, UdpSocket* sock, SocketMsgFunc each,
                                     int flags, bool until_empty) {
    uint64_t vec = (uint64_t)ctx->args[1];
    unsigned vlen = (unsigned)ctx->args[2];
    if (vlen > SOCKET_IOV_MAX) {
        vlen = SOCKET_IOV_MAX;
    }
    unsigned i = 0;
    for (; i < vlen; i++) {
        uint64_t entry = vec + i * sizeof(struct mmsghdr);
        SyscallReturn block;
        bool blocked;
        int64_t rv = each(ctx, sock, entry, flags, i == 0, &block, &blocked);
        if (blocked) {
            return block;
        }
        if (rv < 0) {
            return syscall_done(i > 0 ? (int64_t)i : rv);
        }
        uint32_t len = (uint32_t)rv;
        if (process_writeMemory(ctx->process, entry + offsetof(struct mmsghdr, msg_len), &len,
                                sizeof(len)) != 0) {
            return syscall_done(i > 0 ? (int64_t)i : -EFAULT);
        }
        if (until_empty && g_queue_is_empty(&sock->queue)) {
            i++;
            break;
        }
    }
    return syscall_done((int64_t)i);
}

/* sendmmsg(fd, msgvec, vlen, flags): each message in turn; the count sent, or the first error.
 * Only the first message waits for room in the send buffer; once some were sent, a full buffer
 * ends the call with their count (Linux would wait for room). */
SyscallReturn syscallhandler_sendmmsg(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int bound = _socket_autobind(ctx, sock);
    if (bound != 0) {
        return syscall_done(bound);
    }
    return _socket_eachMsg(ctx, sock, _socket_sendMsg, (int)ctx->args[3], false);
}

/* ---- Receiving -------------------------------------------------------------------------------- */

enum { SOCKET_RECV_DATA = 1, SOCKET_RECV_END = 0, SOCKET_RECV_BLOCK = 2 };

/* Whether a receive can go on: SOCKET_RECV_DATA (a datagram at the head of the queue),
 * SOCKET_RECV_END (reading shut down: returns 0), SOCKET_RECV_BLOCK (*block set), or -errno. */
static int _socket_recvReady(SyscallContext* ctx, UdpSocket* sock, int flags, bool may_block,
                             SyscallReturn* block) {
    int e = _socket_takeError(sock);
    if (e != 0) {
        return -e;
    }
    if (!g_queue_is_empty(&sock->queue)) {
        return SOCKET_RECV_DATA;
    }
    if (sock->shut_rd) {
        return SOCKET_RECV_END;
    }
    if ((flags & MSG_DONTWAIT) || !may_block) {
        return -EAGAIN;
    }
    int rv = _socket_wait(ctx, sock, sock->rcvtimeo, block);
    return rv < 0 ? rv : SOCKET_RECV_BLOCK;
}

/* Removes the datagram at the head of the queue. */
static void _socket_dropHead(UdpSocket* sock) {
    UdpDatagram* d = g_queue_pop_head(&sock->queue);
    sock->queued_bytes -= d->len;
    g_free(d);
    udpsocket_updateReadiness(sock);
}

static bool _socket_recvFlagsOk(int flags) {
    return !(flags & MSG_OOB);
}

/* recvfrom(fd, buf, len, flags, addr, addrlen) */
SyscallReturn syscallhandler_recvfrom(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int flags = (int)ctx->args[3];
    if (!_socket_recvFlagsOk(flags)) {
        return syscall_done(-EOPNOTSUPP);
    }
    if (flags & MSG_ERRQUEUE) {
        return syscall_done(-EAGAIN); /* no error queue without IP_RECVERR */
    }
    SyscallReturn block;
    int ready = _socket_recvReady(ctx, sock, flags, true, &block);
    if (ready == SOCKET_RECV_BLOCK) {
        return block;
    }
    if (ready <= 0) {
        return syscall_done(ready);
    }
    UdpDatagram* d = g_queue_peek_head(&sock->queue);
    uint64_t room = (uint64_t)ctx->args[2];
    size_t n = d->len < room ? d->len : (size_t)room;
    if (n > 0 && process_writeMemory(ctx->process, (uint64_t)ctx->args[1], d->data, n) != 0) {
        return syscall_done(-EFAULT);
    }
    if (ctx->args[4] != 0) {
        int rv = sock->netlink
                     ? _netlink_writeAddr(ctx, (uint64_t)ctx->args[4], (uint64_t)ctx->args[5], 0)
                     : _socket_writeAddr(ctx, sock, (uint64_t)ctx->args[4], (uint64_t)ctx->args[5],
                                         d->from);
        if (rv != 0) {
            return syscall_done(rv);
        }
    }
    int64_t result = (flags & MSG_TRUNC) ? (int64_t)d->len : (int64_t)n;
    if (!(flags & MSG_PEEK)) {
        _socket_dropHead(sock);
    }
    return syscall_done(result);
}

/* One recvmsg into the msghdr at `addr`: bytes (or the full length with MSG_TRUNC), -errno, or
 * a block (first message only). */
static int64_t _socket_recvMsg(SyscallContext* ctx, UdpSocket* sock, uint64_t addr, int flags,
                               bool may_block, SyscallReturn* block, bool* blocked) {
    *blocked = false;
    struct msghdr msg;
    if (process_readMemory(ctx->process, addr, &msg, sizeof(msg)) != 0) {
        return -EFAULT;
    }
    if (!_socket_recvFlagsOk(flags)) {
        return -EOPNOTSUPP;
    }
    if (flags & MSG_ERRQUEUE) {
        return -EAGAIN;
    }
    struct iovec* iov;
    uint64_t total;
    int64_t n = _socket_readIov(ctx, &msg, &iov, &total);
    if (n < 0) {
        g_free(iov);
        return n;
    }
    int ready = _socket_recvReady(ctx, sock, flags, may_block, block);
    if (ready == SOCKET_RECV_BLOCK) {
        g_free(iov);
        *blocked = true;
        return 0;
    }
    if (ready <= 0) {
        g_free(iov);
        return ready;
    }
    UdpDatagram* d = g_queue_peek_head(&sock->queue);
    size_t off = 0;
    for (int64_t i = 0; i < n && off < d->len; i++) {
        size_t part = d->len - off < iov[i].iov_len ? d->len - off : iov[i].iov_len;
        if (part > 0 && process_writeMemory(ctx->process, (uint64_t)(uintptr_t)iov[i].iov_base,
                                            d->data + off, part) != 0) {
            g_free(iov);
            return -EFAULT;
        }
        off += part;
    }
    g_free(iov);
    if (msg.msg_name != NULL) {
        uint64_t len_addr = addr + offsetof(struct msghdr, msg_namelen);
        int rv = sock->netlink
                     ? _netlink_writeAddr(ctx, (uint64_t)(uintptr_t)msg.msg_name, len_addr, 0)
                     : _socket_writeAddr(ctx, sock, (uint64_t)(uintptr_t)msg.msg_name, len_addr,
                                         d->from);
        if (rv != 0) {
            return rv;
        }
    }
    uint64_t controllen = 0; /* no control messages */
    int32_t out_flags = off < d->len ? MSG_TRUNC : 0;
    if (process_writeMemory(ctx->process, addr + offsetof(struct msghdr, msg_controllen),
                            &controllen, sizeof(controllen)) != 0 ||
        process_writeMemory(ctx->process, addr + offsetof(struct msghdr, msg_flags), &out_flags,
                            sizeof(out_flags)) != 0) {
        return -EFAULT;
    }
    int64_t result = (flags & MSG_TRUNC) ? (int64_t)d->len : (int64_t)off;
    if (!(flags & MSG_PEEK)) {
        _socket_dropHead(sock);
    }
    return result;
}

SyscallReturn syscallhandler_recvmsg(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    SyscallReturn block;
    bool blocked;
    int64_t rv = _socket_recvMsg(ctx, sock, (uint64_t)ctx->args[1], (int)ctx->args[2], true,
                                 &block, &blocked);
    return blocked ? block : syscall_done(rv);
}

/* recvmmsg(fd, msgvec, vlen, flags, timeout): the first message as recvmsg (waiting if the socket
 * blocks), then as many more as are queued, as with MSG_WAITFORONE. */
SyscallReturn syscallhandler_recvmmsg(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    return _socket_eachMsg(ctx, sock, _socket_recvMsg, (int)ctx->args[3] & ~MSG_WAITFORONE, true);
}

/* ---- Options ---------------------------------------------------------------------------------- */

/* One warning per (level, option) over the run. */
static void _socket_warnOption(SyscallContext* ctx, const char* call, int level, int name) {
    static GMutex lock;
    static GHashTable* warned;
    g_mutex_lock(&lock);
    if (warned == NULL) {
        warned = g_hash_table_new(g_int64_hash, g_int64_equal);
    }
    gint64 key = ((gint64)level << 32) | (uint32_t)name;
    bool first = !g_hash_table_contains(warned, &key);
    if (first) {
        gint64* k = g_new(gint64, 1);
        *k = key;
        g_hash_table_add(warned, k);
    }
    g_mutex_unlock(&lock);
    if (first) {
        log_warning("process '%s': %s of socket option (level %d, option %d) is not supported "
                    "(ENOPROTOOPT); further uses are not reported",
                    process_getName(ctx->process), call, level, name);
    }
}

static SimTime _socket_timevalNs(const struct timeval* tv) {
    if (tv->tv_sec < 0) {
        return 0;
    }
    return (SimTime)tv->tv_sec * 1000000000ULL + (SimTime)tv->tv_usec * 1000ULL;
}

/* setsockopt(fd, level, name, value, len) */
SyscallReturn syscallhandler_setsockopt(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int level = (int)ctx->args[1];
    int name = (int)ctx->args[2];
    uint64_t addr = (uint64_t)ctx->args[3];
    int64_t len = (int32_t)ctx->args[4];
    if (socket_isTimeoOption(level, name)) {
        return syscall_done(socket_setTimeo(ctx, &sock->rcvtimeo, &sock->sndtimeo));
    }
    if (level == SOL_NETLINK && sock->netlink) {
        switch (name) {
            case NETLINK_ADD_MEMBERSHIP:   /* nothing ever changes, so no event to miss */
            case NETLINK_DROP_MEMBERSHIP:
            case NETLINK_PKTINFO:
            case NETLINK_BROADCAST_ERROR:
            case NETLINK_NO_ENOBUFS:
            case NETLINK_LISTEN_ALL_NSID:
            case NETLINK_CAP_ACK:          /* errors still quote the whole request */
            case NETLINK_EXT_ACK:          /* errors carry no TLVs (allowed: no NLM_F_ACK_TLVS) */
            case NETLINK_GET_STRICT_CHK: { /* dumps are not filtered: a caller filters anyway */
                int value;
                if (len < (int64_t)sizeof(value)) {
                    return syscall_done(-EINVAL);
                }
                return syscall_done(0);
            }
            default: break;
        }
    }
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && sock->family == AF_INET6) {
        int value;
        int rv = socket_setV6Only(ctx, sock->bound, &value);
        if (rv == 0) {
            sock->v6only = value != 0;
        }
        return syscall_done(rv);
    }
    if (level != SOL_SOCKET) {
        _socket_warnOption(ctx, "setsockopt", level, name);
        return syscall_done(-ENOPROTOOPT);
    }
    int value;
    if (len < (int64_t)sizeof(value)) {
        return syscall_done(-EINVAL);
    }
    if (process_readMemory(ctx->process, addr, &value, sizeof(value)) != 0) {
        return syscall_done(-EFAULT);
    }
    switch (name) {
        case SO_REUSEADDR: sock->reuse_addr = value != 0; return syscall_done(0);
        case SO_REUSEPORT: sock->reuse_port = value != 0; return syscall_done(0);
        case SO_BROADCAST: sock->broadcast = value != 0; return syscall_done(0);
        case SO_RCVBUF: {
            /* As Linux: doubled (for its bookkeeping), capped by rmem_max, with a floor. */
            uint64_t v = value < 0 ? 0 : (uint64_t)value;
            v = (v > SOCKET_RMEM_MAX ? SOCKET_RMEM_MAX : v) * 2;
            sock->rcvbuf = v < SOCKET_MIN_RCVBUF ? SOCKET_MIN_RCVBUF : v;
            return syscall_done(0);
        }
        case SO_SNDBUF: {
            uint64_t v = value < 0 ? 0 : (uint64_t)value;
            v = (v > SOCKET_RMEM_MAX ? SOCKET_RMEM_MAX : v) * 2;
            sock->sndbuf = v < SOCKET_MIN_SNDBUF ? SOCKET_MIN_SNDBUF : v;
            /* As Linux's sk_write_space after the change: writers check again. */
            managedthread_wakeObjectWaiters(ctx->host, sock->efd->id);
            udpsocket_updateReadiness(sock);
            return syscall_done(0);
        }
        default:
            _socket_warnOption(ctx, "setsockopt", level, name);
            return syscall_done(-ENOPROTOOPT);
    }
}

/* getsockopt(fd, level, name, value, len) */
SyscallReturn syscallhandler_getsockopt(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    int level = (int)ctx->args[1];
    int name = (int)ctx->args[2];
    union {
        int i;
        struct timeval tv;
    } v;
    memset(&v, 0, sizeof(v));
    size_t size = sizeof(int);
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && sock->family == AF_INET6) {
        v.i = sock->v6only;
        level = SOL_SOCKET;
        name = -1; /* answered */
    } else if (level != SOL_SOCKET) {
        _socket_warnOption(ctx, "getsockopt", level, name);
        return syscall_done(-ENOPROTOOPT);
    }
    switch (name) {
        case SO_TYPE: v.i = sock->type; break;
        case SO_DOMAIN: v.i = sock->netlink ? AF_NETLINK : sock->family; break;
        case SO_PROTOCOL: v.i = sock->netlink ? NETLINK_ROUTE : IPPROTO_UDP; break;
        case SO_ACCEPTCONN: v.i = 0; break;
        case SO_ERROR: v.i = _socket_takeError(sock); break;
        case SO_RCVBUF: v.i = (int)sock->rcvbuf; break;
        case SO_SNDBUF: v.i = (int)sock->sndbuf; break;
        case SO_REUSEADDR: v.i = sock->reuse_addr; break;
        case SO_REUSEPORT: v.i = sock->reuse_port; break;
        case SO_BROADCAST: v.i = sock->broadcast; break;
        case -1: break; /* IPV6_V6ONLY, above */
        case SO_RCVTIMEO_OLD:
        case SO_SNDTIMEO_OLD:
        case SO_RCVTIMEO_NEW:
        case SO_SNDTIMEO_NEW:
            size = socket_getTimeo(name, sock->rcvtimeo, sock->sndtimeo, &v.tv);
            break;
        default:
            _socket_warnOption(ctx, "getsockopt", level, name);
            return syscall_done(-ENOPROTOOPT);
    }
    return socket_optionOut(ctx, &v, size);
}

/* ---- ioctl and close (private calls from the shim) ------------------------------------------- */

/* The interface ioctls (SIOCGIF*) any socket answers (Linux's sock_do_ioctl hands them to
 * dev_ioctl whatever the family), for lo and eth0 (netlink.h);
 * if_nametoindex, for one, asks SIOCGIFINDEX. The SIOCSIF* ones need CAP_NET_ADMIN: EPERM. */
static SyscallReturn _socket_ifIoctl(SyscallContext* ctx, UdpSocket* sock) {
    unsigned long req = (unsigned long)ctx->args[1];
    uint64_t arg = (uint64_t)ctx->args[2];
    uint32_t host_ip = host_getIp(ctx->host);
    if (req == SIOCGIFCONF) {
        struct ifconf ifc;
        if (process_readMemory(ctx->process, arg, &ifc, sizeof(ifc)) != 0) {
            return syscall_done(-EFAULT);
        }
        int used = 0;
        for (int i = NETLINK_IF_LO; i <= NETLINK_IF_ETH0; i++) {
            if (ifc.ifc_buf != NULL && used + (int)sizeof(struct ifreq) > ifc.ifc_len) {
                break;
            }
            if (ifc.ifc_buf != NULL) {
                struct ifreq r;
                memset(&r, 0, sizeof(r));
                strncpy(r.ifr_name, netlink_ifName(i), IFNAMSIZ - 1);
                struct sockaddr_in* sin = (struct sockaddr_in*)&r.ifr_addr;
                sin->sin_family = AF_INET;
                sin->sin_addr.s_addr = htonl(i == NETLINK_IF_LO ? NET_LOOPBACK_IP : host_ip);
                if (process_writeMemory(ctx->process, (uint64_t)(uintptr_t)ifc.ifc_buf + used,
                                        &r, sizeof(r)) != 0) {
                    return syscall_done(-EFAULT);
                }
            }
            used += (int)sizeof(struct ifreq);
        }
        ifc.ifc_len = used;
        if (process_writeMemory(ctx->process, arg + offsetof(struct ifconf, ifc_len), &ifc.ifc_len,
                                sizeof(ifc.ifc_len)) != 0) {
            return syscall_done(-EFAULT);
        }
        return syscall_done(0);
    }
    struct ifreq r;
    if (process_readMemory(ctx->process, arg, &r, sizeof(r)) != 0) {
        return syscall_done(-EFAULT);
    }
    int index;
    if (req == SIOCGIFNAME) {
        const char* name = netlink_ifName(r.ifr_ifindex);
        if (name == NULL) {
            return syscall_done(-ENODEV);
        }
        memset(r.ifr_name, 0, sizeof(r.ifr_name));
        strncpy(r.ifr_name, name, IFNAMSIZ - 1);
        return syscall_done(process_writeMemory(ctx->process, arg, &r, sizeof(r)) != 0 ? -EFAULT
                                                                                       : 0);
    }
    r.ifr_name[IFNAMSIZ - 1] = 0;
    index = netlink_ifIndex(r.ifr_name);
    bool lo = index == NETLINK_IF_LO;
    switch (req) {
        case SIOCGIFINDEX:
        case SIOCGIFFLAGS:
        case SIOCGIFMTU:
        case SIOCGIFHWADDR:
        case SIOCGIFADDR:
        case SIOCGIFNETMASK:
        case SIOCGIFBRDADDR:
            break;
        case SIOCGIFDSTADDR:
        case SIOCGIFMETRIC:
        case SIOCGIFMEM:
        case SIOCGIFENCAP:
        case SIOCGIFSLAVE:
            return syscall_done(index == 0 ? -ENODEV : -EOPNOTSUPP); /* not answered */
        default:
            return syscall_done(index == 0 ? -ENODEV : -EPERM); /* SIOCSIF*: CAP_NET_ADMIN */
    }
    if (index == 0) {
        return syscall_done(-ENODEV);
    }
    struct sockaddr_in* sin = (struct sockaddr_in*)&r.ifr_addr;
    switch (req) {
        case SIOCGIFINDEX: r.ifr_ifindex = index; break;
        case SIOCGIFFLAGS:
            r.ifr_flags = (short)(lo ? (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
                                     : (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST));
            break;
        case SIOCGIFMTU: r.ifr_mtu = lo ? 65536 : 1500; break;
        case SIOCGIFHWADDR:
            memset(&r.ifr_hwaddr, 0, sizeof(r.ifr_hwaddr));
            r.ifr_hwaddr.sa_family = lo ? 772 /* ARPHRD_LOOPBACK */ : 1 /* ARPHRD_ETHER */;
            if (!lo) {
                netlink_mac(host_ip, (uint8_t*)r.ifr_hwaddr.sa_data);
            }
            break;
        default: {
            uint32_t a = req == SIOCGIFADDR      ? (lo ? NET_LOOPBACK_IP : host_ip)
                         : req == SIOCGIFNETMASK ? (lo ? 0xff000000u : 0xffffff00u)
                                                 : (lo ? 0 : (host_ip | 0xffu));
            memset(&r.ifr_addr, 0, sizeof(r.ifr_addr));
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(a);
            break;
        }
    }
    return syscall_done(process_writeMemory(ctx->process, arg, &r, sizeof(r)) != 0 ? -EFAULT : 0);
}

/* (fd, request, arg): FIONREAD (the size of the next datagram), TIOCOUTQ (the bytes of the
 * socket's packets still in the interface queue, as Linux's sk_wmem_alloc) and the interface
 * ioctls (SIOCGIF*). */
SyscallReturn syscallhandler_umbraSocketIoctl(SyscallContext* ctx) {
    SOCKET_OR_FAIL(ctx, sock);
    if (ctx->args[1] >= SIOCGIFNAME && ctx->args[1] <= SIOCGIFINDEX) {
        return _socket_ifIoctl(ctx, sock);
    }
    if (sock->netlink) {
        return syscall_done(-ENOTTY); /* netlink_ioctl knows no FIONREAD nor TIOCOUTQ */
    }
    int value = 0;
    if (ctx->args[1] == FIONREAD && !g_queue_is_empty(&sock->queue)) {
        value = (int)((UdpDatagram*)g_queue_peek_head(&sock->queue))->len;
    } else if (ctx->args[1] == TIOCOUTQ) {
        value = (int)nettx_queuedBytes(sock->tx);
    }
    if (process_writeMemory(ctx->process, (uint64_t)ctx->args[2], &value, sizeof(value)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

/* (fd): the descriptor is about to be closed; the last one releases the socket and its port. */
SyscallReturn syscallhandler_umbraSocketClose(SyscallContext* ctx) {
    EmulatedFd* efd = _socket_findFd(ctx, (int)ctx->args[0]);
    if (efd == NULL) {
        return syscall_done(0);
    }
    if (emulatedfd_findHolder(ctx->host, efd, ctx->process, (int)ctx->args[0]) < 0) {
        emulatedfdset_remove(host_getEmulatedFds(ctx->host), efd);
    }
    return syscall_done(0);
}

/* ---- For the other socket files (socket_internal.h) ------------------------------------------ */

bool socket_isTimeoOption(int level, int name) {
    return level == SOL_SOCKET && (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD ||
                                   name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW);
}

int socket_setTimeo(SyscallContext* ctx, SimTime* rcvtimeo, SimTime* sndtimeo) {
    struct timeval tv;
    if ((int32_t)ctx->args[4] < (int32_t)sizeof(tv)) {
        return -EINVAL;
    }
    if (process_readMemory(ctx->process, (uint64_t)ctx->args[3], &tv, sizeof(tv)) != 0) {
        return -EFAULT;
    }
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) {
        return -EDOM;
    }
    int name = (int)ctx->args[2];
    *(name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW ? rcvtimeo : sndtimeo) =
        _socket_timevalNs(&tv);
    return 0;
}

size_t socket_getTimeo(int name, SimTime rcvtimeo, SimTime sndtimeo, struct timeval* tv) {
    SimTime ns = (name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW) ? rcvtimeo : sndtimeo;
    tv->tv_sec = (time_t)(ns / 1000000000ULL);
    tv->tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000ULL);
    return sizeof(*tv);
}

SyscallReturn socket_optionOut(SyscallContext* ctx, const void* value, size_t size) {
    uint64_t len_addr = (uint64_t)ctx->args[4];
    int32_t len;
    if (process_readMemory(ctx->process, len_addr, &len, sizeof(len)) != 0) {
        return syscall_done(-EFAULT);
    }
    if (len < 0) {
        return syscall_done(-EINVAL);
    }
    size_t n = (size_t)len < size ? (size_t)len : size;
    int32_t out = (int32_t)n;
    if ((n > 0 && process_writeMemory(ctx->process, (uint64_t)ctx->args[3], value, n) != 0) ||
        process_writeMemory(ctx->process, len_addr, &out, sizeof(out)) != 0) {
        return syscall_done(-EFAULT);
    }
    return syscall_done(0);
}

int socket_setV6Only(SyscallContext* ctx, bool bound, int* value) {
    if ((int32_t)ctx->args[4] < (int32_t)sizeof(int)) {
        return -EINVAL;
    }
    if (process_readMemory(ctx->process, (uint64_t)ctx->args[3], value, sizeof(int)) != 0) {
        return -EFAULT;
    }
    return bound ? -EINVAL : 0; /* Linux: only before the socket has a port */
}

int socket_adoptPlaceholder(SyscallContext* ctx, int a_fd, int b_fd, EmulatedFd** out) {
    return _socket_adoptPlaceholder(ctx, a_fd, b_fd, out);
}


void socket_warnOption(SyscallContext* ctx, const char* call, int level, int name) {
    _socket_warnOption(ctx, call, level, name);
}


int64_t socket_readIov(SyscallContext* ctx, const struct msghdr* msg, struct iovec** iov,
                       uint64_t* total) {
    return _socket_readIov(ctx, msg, iov, total);
}

SyscallReturn socket_ifIoctl(SyscallContext* ctx) {
    return _socket_ifIoctl(ctx, NULL);
}
