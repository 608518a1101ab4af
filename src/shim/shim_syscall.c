/* The shim's syscall routing: local answer, simulator, or native (style.md 6), in that order.
 *
 * Rules: see shim.h. Every syscall here goes through shim_rawSyscall; nothing allocates.
 *
 * Special cases that need work on this side of the channel:
 * - time and ids are answered from the channel without a round trip;
 * - /dev/urandom and /dev/random: the open runs natively on /dev/null (a real descriptor number,
 *   so the kernel's lowest-free-number rule keeps agreeing), the descriptor is marked, and reads
 *   on it ask the simulator for the host generator's bytes;
 * - /etc/hosts: an open of it opens umbra's generated hosts file instead;
 * - sockets (socket, accept, accept4): a placeholder at the number, end A of a native AF_UNIX
 *   socketpair whose other end B goes to the simulator with the call and is closed here after
 *   the answer; the descriptor is marked, and every socket call, and read/write/readv/writev,
 *   FIONREAD and close on a marked descriptor, go to the simulator (sendfile to one is EINVAL);
 * - AF_UNIX sockets are native; umbra rewrites their addresses and shim_unix.c makes the calls;
 * - clone/fork/vfork: the simulator assigns the child's ids and channel, the shim forks natively
 *   and the child connects to its own channel before returning to the program;
 * - execve: the simulator checks the target; the shim runs the native exec with LD_PRELOAD and
 *   umbra's variables put back, so a program that cleared its environment stays intercepted;
 * - SIGSYS belongs to the shim: the program's handler for it is recorded, never installed;
 * - disarming Syscall User Dispatch is refused. */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "lib/syscall_names.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

typedef enum { SHIM_CLASS_UNSUPPORTED = 0, SHIM_CLASS_EMULATED, SHIM_CLASS_SHIM, SHIM_CLASS_NATIVE }
    ShimClass;

/* From the one coverage table. */
static const unsigned char _shim_class[SYSCALL_NUMBER_LIMIT] = {
#define EMULATED(name, note) [SYS_##name] = SHIM_CLASS_EMULATED,
#define SHIM(name, note) [SYS_##name] = SHIM_CLASS_SHIM,
#define NATIVE(name, note) [SYS_##name] = SHIM_CLASS_NATIVE,
#include "lib/syscall_table.def"
#undef EMULATED
#undef SHIM
#undef NATIVE
};

/* ----------------------------------------------------------------------------------------------
 * Descriptor marks: /dev/urandom, blocking kind, emulated objects.
 * ---------------------------------------------------------------------------------------------- */

/* Descriptor marks cover Linux's default fs.nr_open, the most RLIMIT_NOFILE can reach without a
 * sysctl. They live in bss, so only pages of numbers actually used cost memory; _shim_fdHigh
 * bounds the numbers ever marked, so clearing a range does not walk them all. */
#define SHIM_MAX_FD (1 << 20)
static uint64_t _shim_randomFds[SHIM_MAX_FD / 64];
static long _shim_fdHigh = -1;

/* Threads run native calls side by side: the marks are updated atomically. */
static void _shim_noteFd(long fd) {
    long high = __atomic_load_n(&_shim_fdHigh, __ATOMIC_RELAXED);
    while (fd > high && !__atomic_compare_exchange_n(&_shim_fdHigh, &high, fd, true,
                                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

static bool _shim_isRandomFd(long fd) {
    return fd >= 0 && fd < SHIM_MAX_FD && (_shim_randomFds[fd / 64] >> (fd % 64)) & 1;
}

static void _shim_setRandomFd(long fd, bool on) {
    if (fd < 0 || fd >= SHIM_MAX_FD || shim_thread.vm_child) {
        return;
    }
    if (on) {
        _shim_noteFd(fd);
        __atomic_fetch_or(&_shim_randomFds[fd / 64], 1ULL << (fd % 64), __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_and(&_shim_randomFds[fd / 64], ~(1ULL << (fd % 64)), __ATOMIC_RELAXED);
    }
}

static long _shim_native(long nr, const long* a);
static long _shim_sigprocmask(const long* a);
static long _shim_sigaltstack(const long* a);


/* What a descriptor is, as far as blocking goes: cached per fd, reset when the number is reused. */
enum { FD_KIND_UNKNOWN = 0, FD_KIND_NEVER_BLOCKS, FD_KIND_MAY_BLOCK };
static unsigned char _shim_fdKind[SHIM_MAX_FD];

static void _shim_setFdKind(long fd, unsigned char kind) {
    if (fd >= 0 && fd < SHIM_MAX_FD && !shim_thread.vm_child) {
        if (kind != FD_KIND_UNKNOWN) {
            _shim_noteFd(fd);
        }
        _shim_fdKind[fd] = kind;
    }
}

/* Regular files, directories and block devices never block; pipes, sockets, terminals and other
 * character devices may. */
static unsigned char _shim_kindOfMode(unsigned mode) {
    return (S_ISREG(mode) || S_ISDIR(mode) || S_ISBLK(mode)) ? FD_KIND_NEVER_BLOCKS
                                                              : FD_KIND_MAY_BLOCK;
}

static bool _shim_isFdKindKnown(long fd) {
    return fd >= 0 && fd < SHIM_MAX_FD && _shim_fdKind[fd] != FD_KIND_UNKNOWN &&
           !shim_thread.vm_child;
}

static unsigned char _shim_getFdKind(long fd) {
    if (fd < 0 || fd >= SHIM_MAX_FD) {
        return FD_KIND_MAY_BLOCK;
    }
    if (!_shim_isFdKindKnown(fd)) {
        struct stat st;
        if (shim_rawSyscall(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0) {
            return FD_KIND_NEVER_BLOCKS; /* let the call itself report EBADF */
        }
        unsigned char kind = _shim_kindOfMode(st.st_mode);
        _shim_setFdKind(fd, kind);
        return kind;
    }
    return _shim_fdKind[fd];
}

/* Descriptors umbra emulates on a native placeholder (host/emulated_fd.h): the shim must
 * route a signalfd's reads, refuse writes to signalfds and timerfds, as their own files would,
 * and send a socket's reads, writes, FIONREAD and close to umbra. */
enum { SHIM_FD_PLAIN = 0, SHIM_FD_SIGNALFD, SHIM_FD_TIMERFD, SHIM_FD_SOCKET };
static unsigned char _shim_fdEmulated[SHIM_MAX_FD];

static unsigned char _shim_getFdEmulated(long fd) {
    return fd >= 0 && fd < SHIM_MAX_FD ? _shim_fdEmulated[fd] : SHIM_FD_PLAIN;
}

static void _shim_setFdEmulated(long fd, unsigned char kind) {
    if (fd >= 0 && fd < SHIM_MAX_FD && !shim_thread.vm_child) {
        if (kind != SHIM_FD_PLAIN) {
            _shim_noteFd(fd);
        }
        _shim_fdEmulated[fd] = kind;
    }
}

/* Every mark of `fd` at once, whenever a number gets a new meaning (open, close, dup, pipe, ...):
 * its blocking kind, the emulated object it carries, and whether it is an emulated /dev/urandom. */
static void _shim_markFd(long fd, unsigned char kind, unsigned char emulated, bool random) {
    _shim_setRandomFd(fd, random);
    _shim_setFdKind(fd, kind);
    _shim_setFdEmulated(fd, emulated);
}

/* Whether `fd` carries a socket umbra emulates. The marks do not survive an exec, and the
 * placeholder must never be read or written natively (it would give or take the readiness bytes
 * of its pair), so a descriptor not known yet that fstat says is a socket is asked about once:
 * its SO_DOMAIN through umbra, which answers for its sockets and runs the call natively on an
 * AF_UNIX pair's. An emulated one is marked again. */
static bool _shim_isEmulatedSocket(long fd) {
    if (_shim_getFdEmulated(fd) == SHIM_FD_SOCKET) {
        return true;
    }
    if (fd < 0 || fd >= SHIM_MAX_FD || _shim_isFdKindKnown(fd)) {
        return false;
    }
    struct stat st;
    if (shim_rawSyscall(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0) {
        return false; /* the call reports EBADF */
    }
    if (!S_ISSOCK(st.st_mode)) {
        _shim_setFdKind(fd, _shim_kindOfMode(st.st_mode));
        return false;
    }
    int domain = AF_UNIX;
    socklen_t len = sizeof(domain);
    long args[6] = {fd, SOL_SOCKET, SO_DOMAIN, (long)&domain, (long)&len, 0};
    bool emulated = shim_ipcSyscall(SYS_getsockopt, args) == 0 && domain != AF_UNIX;
    _shim_markFd(fd, FD_KIND_MAY_BLOCK, emulated ? SHIM_FD_SOCKET : SHIM_FD_PLAIN, false);
    return emulated;
}

/* A signalfd or timerfd umbra emulates on a placeholder eventfd with `flags` (O_NONBLOCK,
 * O_CLOEXEC; the SFD_, TFD_ and EFD_ flags have the same values): the placeholder goes to umbra in
 * args[slot] with call `nr`, and the descriptor umbra answers with is marked `kind`; the
 * placeholder is closed again if umbra refuses. */
static long _shim_createOnPlaceholder(long nr, long args[6], int slot, long flags,
                                      unsigned char kind) {
    long placeholder = shim_rawSyscall(SYS_eventfd2, 0, flags, 0, 0, 0, 0);
    if (placeholder < 0) {
        return placeholder;
    }
    args[slot] = placeholder;
    long rv = shim_ipcSyscall(nr, args);
    if (rv < 0) {
        shim_rawSyscall(SYS_close, placeholder, 0, 0, 0, 0, 0);
        return rv;
    }
    _shim_markFd(rv, FD_KIND_MAY_BLOCK, kind, false);
    return rv;
}

/* signalfd, signalfd4, timerfd_create: a new object gets a placeholder eventfd with the same
 * flags (SFD_*, TFD_* and EFD_* NONBLOCK and CLOEXEC are O_NONBLOCK and O_CLOEXEC), which the
 * simulator registers; (nr, args..., placeholder) go over. An existing signalfd only changes
 * its mask. */
static long _shim_emulatedFdCreate(long nr, const long* a) {
    long flags = nr == SYS_signalfd4 ? a[3] : nr == SYS_timerfd_create ? a[1] : 0;
    unsigned char kind = nr == SYS_timerfd_create ? SHIM_FD_TIMERFD : SHIM_FD_SIGNALFD;
    bool create = kind == SHIM_FD_TIMERFD || (int)a[0] == -1; /* an int: maybe not sign-extended */
    if (flags & ~(long)(O_NONBLOCK | O_CLOEXEC)) {
        return -EINVAL;
    }
    if (!create) {
        if (_shim_getFdEmulated(a[0]) != SHIM_FD_SIGNALFD) {
            return shim_rawSyscall(SYS_fcntl, a[0], F_GETFD, 0, 0, 0, 0) < 0 ? -EBADF : -EINVAL;
        }
        long args[6] = {a[0], a[1], a[2], flags, -1, 0};
        return shim_ipcSyscall(nr, args);
    }
    long args[6] = {a[0], a[1], a[2], flags, 0, 0};
    /* signalfd: (fd, mask, size, flags, placeholder); timerfd: (clockid, flags, placeholder). */
    return _shim_createOnPlaceholder(nr, args, kind == SHIM_FD_TIMERFD ? 2 : 4, flags, kind);
}

/* A socket umbra emulates, made by call `nr` (socket or accept4): its placeholder is end A of a
 * native AF_UNIX stream socketpair with `flags` (SOCK_NONBLOCK, SOCK_CLOEXEC: what the program
 * asked for its socket; they land on B too, which lives only until the answer). A goes to umbra
 * in args[slot] and B in args[slot + 1]; umbra keeps duplicates of both and answers A. B is
 * closed here whatever the answer, A too when it is an error; the answer is marked a socket.
 * A is socketpair's first descriptor, so it has the number socket() would have given. */
static long _shim_createSocket(long nr, long args[6], int slot, long flags) {
    int sv[2];
    long rv = shim_rawSyscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | flags, 0, (long)sv, 0, 0);
    if (rv < 0) {
        return rv;
    }
    args[slot] = sv[0];
    args[slot + 1] = sv[1];
    rv = shim_ipcSyscall(nr, args);
    shim_rawSyscall(SYS_close, sv[1], 0, 0, 0, 0, 0);
    _shim_markFd(sv[1], FD_KIND_UNKNOWN, SHIM_FD_PLAIN, false);
    if (rv < 0) {
        shim_rawSyscall(SYS_close, sv[0], 0, 0, 0, 0, 0);
        _shim_markFd(sv[0], FD_KIND_UNKNOWN, SHIM_FD_PLAIN, false);
        return rv;
    }
    _shim_markFd(rv, FD_KIND_MAY_BLOCK, SHIM_FD_SOCKET, false);
    return rv;
}

/* socket(domain, type, protocol): AF_INET and AF_INET6 stream and datagram sockets and AF_NETLINK
 * raw and datagram ones get a placeholder pair (host/udp.h, host/netlink.h):
 * (domain, type, protocol, A, B) go over. Other kinds, and unknown type flags, go over with
 * A = B = -1 and umbra refuses them. */
static long _shim_socket(const long* a) {
    if ((int)a[0] == AF_UNIX) {
        return shim_unixSocket(a); /* native (shim_unix.c) */
    }
    int domain = (int)a[0];
    int kind = (int)a[1] & 0xf;
    long flags = a[1] & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    long args[6] = {a[0], a[1], a[2], -1, -1, 0};
    bool inet = (domain == AF_INET || domain == AF_INET6) &&
                (kind == SOCK_STREAM || kind == SOCK_DGRAM);
    bool netlink = domain == AF_NETLINK && (kind == SOCK_DGRAM || kind == SOCK_RAW);
    if (!(inet || netlink) || ((int)a[1] & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))) {
        return shim_ipcSyscall(SYS_socket, args);
    }
    return _shim_createSocket(SYS_socket, args, 3, flags);
}

/* accept and accept4 on a socket umbra emulates: the new socket's placeholder pair goes with
 * the call, always as accept4(fd, addr, addrlen, flags, A, B), plain accept with flags 0. On
 * other descriptors the call goes over as it is. */
static long _shim_accept(long nr, const long* a) {
    long flags = nr == SYS_accept4 ? (int)a[3] : 0;
    if (_shim_getFdEmulated(a[0]) != SHIM_FD_SOCKET) {
        return shim_ipcSyscall(nr, a);
    }
    if (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
        return -EINVAL; /* accept4 checks its flags first */
    }
    long args[6] = {a[0], a[1], a[2], flags, -1, -1};
    return _shim_createSocket(SYS_accept4, args, 4, flags);
}

/* send and receive calls: the descriptor's O_NONBLOCK (the placeholder's, natively) becomes
 * MSG_DONTWAIT in the flags, which sit at `flags_index`. */
static long _shim_socketIo(long nr, const long* a, int flags_index) {
    long args[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    long fl = shim_rawSyscall(SYS_fcntl, a[0], F_GETFL, 0, 0, 0, 0);
    if (fl >= 0 && (fl & O_NONBLOCK)) {
        args[flags_index] |= MSG_DONTWAIT;
    }
    return shim_ipcSyscall(nr, args);
}

/* read, readv, write and writev on a socket are recv, recvmsg, send and sendmsg without flags. */
static long _shim_socketReadWrite(long nr, const long* a) {
    if (nr == SYS_read || nr == SYS_write) {
        long args[6] = {a[0], a[1], a[2], 0, 0, 0};
        return _shim_socketIo(nr == SYS_read ? SYS_recvfrom : SYS_sendto, args, 3);
    }
    if (a[2] < 0 || a[2] > IOV_MAX) {
        return -EINVAL; /* readv and writev say EINVAL where recvmsg and sendmsg say EMSGSIZE */
    }
    struct msghdr msg = {.msg_iov = (struct iovec*)a[1], .msg_iovlen = (size_t)a[2]};
    long args[6] = {a[0], (long)&msg, 0, 0, 0, 0};
    return _shim_socketIo(nr == SYS_readv ? SYS_recvmsg : SYS_sendmsg, args, 2);
}

/* A read on a signalfd: the simulator takes the signals. */
static long _shim_signalfdRead(const long* a) {
    long fl = shim_rawSyscall(SYS_fcntl, a[0], F_GETFL, 0, 0, 0, 0);
    long args[6] = {a[0], a[1], a[2], fl >= 0 && (fl & O_NONBLOCK), 0, 0};
    return shim_ipcSyscall(UMBRA_SYSCALL_SIGNALFD_READ, args);
}

/* Native I/O on a descriptor that may block (a pipe between two managed processes, say): a
 * blocking native call would stall the whole host, since the simulator runs one thread at a time
 * and the peer would never run. So the shim only makes the call once the descriptor is ready,
 * and otherwise asks the simulator to park the thread until it is (UMBRA_SYSCALL_NATIVE_WAIT).
 * Returns 0 when the call is to be made now (ready, or it fails at once: a bad descriptor, the
 * wrong direction, or O_NONBLOCK, which *nonblock then reports), or -EINTR. */
static long _shim_awaitReady(long fd, short events, bool* nonblock) {
    *nonblock = false;
    for (;;) {
        struct pollfd pfd = {.fd = (int)fd, .events = events};
        if (shim_rawSyscall(SYS_poll, (long)&pfd, 1, 0, 0, 0, 0) != 0) {
            return 0; /* ready, or an error the call itself will report */
        }
        long fl = shim_rawSyscall(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
        if (fl < 0 || (fl & O_NONBLOCK)) {
            *nonblock = fl >= 0;
            return 0; /* the program asked not to wait: the native call says EAGAIN */
        }
        if ((fl & O_ACCMODE) == (events == POLLIN ? O_WRONLY : O_RDONLY)) {
            return 0; /* never ready that way: the native call says EBADF */
        }
        long args[6] = {(long)&pfd, 1, -1, 1 /* restartable */, 0, 0};
        long rv = shim_ipcSyscall(UMBRA_SYSCALL_NATIVE_WAIT, args);
        if (rv < 0) {
            return rv; /* EINTR: a signal arrived while parked */
        }
    }
}

long shim_awaitReady(long fd, short events, bool* nonblock) {
    return _shim_awaitReady(fd, events, nonblock);
}

void shim_markNativeSocket(long fd) {
    _shim_markFd(fd, FD_KIND_MAY_BLOCK, SHIM_FD_PLAIN, false);
}

/* Writes without RWF_NOWAIT support (pipes on older kernels; eventfds, terminals): a pipe
 * that polls writable takes PIPE_BUF bytes without blocking, so a larger write is cut to the free
 * space (a short write). */
static long _shim_writeWhenReady(long nr, const long* a) {
    bool nonblock;
    long rv = _shim_awaitReady(a[0], POLLOUT, &nonblock);
    if (rv < 0) {
        return rv;
    }
    if (nr == SYS_write && a[2] > PIPE_BUF) {
        long cap = shim_rawSyscall(SYS_fcntl, a[0], F_GETPIPE_SZ, 0, 0, 0, 0);
        int queued = 0;
        if (cap > 0 && shim_rawSyscall(SYS_ioctl, a[0], FIONREAD, (long)&queued, 0, 0, 0) == 0) {
            long space = cap - queued;
            if (space > 0 && a[2] > space) {
                long capped[6] = {a[0], a[1], space, 0, 0, 0};
                return _shim_native(nr, capped);
            }
        }
    }
    return _shim_native(nr, a);
}

#define SHIM_WRITE_WINDOW 8 /* iovecs passed per native call after a partial write */

/* write and writev on a descriptor that may block. Linux's blocking write to a pipe returns only
 * once everything is written (or a signal or error stops it after some bytes, which it then
 * counts), however much more than the capacity it is. The shim writes what fits without blocking
 * (pwritev2 with RWF_NOWAIT, offset -1: the file position, as write), parks until the reader made
 * room, and goes on. */
static long _shim_cooperativeWrite(long nr, const long* a) {
    struct iovec one = {.iov_base = (void*)a[1], .iov_len = (size_t)a[2]};
    const struct iovec* iov = nr == SYS_write ? &one : (const struct iovec*)a[1];
    long cnt = nr == SYS_write ? 1 : a[2];
    long rv = shim_rawSyscall(SYS_pwritev2, a[0], (long)iov, cnt, -1, 0, RWF_NOWAIT);
    if (rv == -EOPNOTSUPP) {
        return _shim_writeWhenReady(nr, a);
    }
    if (rv < 0 && rv != -EAGAIN) {
        return rv; /* the vector was checked first: EFAULT and EINVAL land here */
    }
    size_t left = 0;
    for (long i = 0; i < cnt; i++) {
        left += iov[i].iov_len;
    }
    long total = 0;
    long idx = 0;      /* the first iovec not fully written */
    size_t offset = 0; /* bytes of it already written */
    for (;;) {
        if (rv > 0) {
            total += rv;
            left -= (size_t)rv;
            for (size_t n = (size_t)rv; n > 0;) {
                size_t part = iov[idx].iov_len - offset < n ? iov[idx].iov_len - offset : n;
                n -= part;
                offset += part;
                if (offset == iov[idx].iov_len) {
                    idx++;
                    offset = 0;
                }
            }
        }
        if (left == 0) {
            return total;
        }
        if (rv < 0 && rv != -EAGAIN) {
            return total > 0 ? total : rv; /* EPIPE after some bytes: Linux counts the bytes */
        }
        bool nonblock;
        long wait = _shim_awaitReady(a[0], POLLOUT, &nonblock);
        if (wait < 0 || nonblock) {
            return total > 0 ? total : (wait < 0 ? wait : -EAGAIN);
        }
        while (idx < cnt && iov[idx].iov_len == 0) {
            idx++;
        }
        struct iovec window[SHIM_WRITE_WINDOW];
        long n = 0;
        for (; n < SHIM_WRITE_WINDOW && idx + n < cnt; n++) {
            window[n] = iov[idx + n];
        }
        window[0].iov_base = (char*)window[0].iov_base + offset;
        window[0].iov_len -= offset;
        rv = shim_rawSyscall(SYS_pwritev2, a[0], (long)window, n, -1, 0, RWF_NOWAIT);
    }
}

static long _shim_cooperativeIo(long nr, const long* a, short events) {
    if (events == POLLOUT) {
        return _shim_cooperativeWrite(nr, a);
    }
    bool nonblock;
    long rv = _shim_awaitReady(a[0], events, &nonblock);
    return rv < 0 ? rv : _shim_native(nr, a);
}

/* send and receive calls on a native socket (an AF_UNIX socketpair's; the simulator answered
 * NATIVE): as for pipes, a call that would block waits for readiness in simulated time, and the
 * native call itself never blocks (MSG_DONTWAIT). A stream send larger than the free buffer space
 * therefore returns a short count where Linux would wait for the rest. */
static long _shim_nativeSocketIo(long nr, const long* a) {
    bool receive = nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_recvmmsg;
    int flags_index = (nr == SYS_recvmsg || nr == SYS_sendmsg) ? 2 : 3;
    long args[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    bool dontwait = (a[flags_index] & MSG_DONTWAIT) != 0;
    args[flags_index] |= MSG_DONTWAIT;
    if (nr == SYS_recvmmsg) {
        args[4] = 0; /* its timeout would need the kernel to wait */
    }
    for (;;) {
        long rv = _shim_native(nr, args);
        if (rv != -EAGAIN || dontwait) {
            return rv;
        }
        bool nonblock;
        long wait = _shim_awaitReady(a[0], receive ? POLLIN : POLLOUT, &nonblock);
        if (wait < 0) {
            return wait;
        }
        if (nonblock) {
            return -EAGAIN;
        }
    }
}

/* A call to umbra made with the program's temporary signal mask `mask` in force natively (minus
 * SIGSYS, which the shim needs), as ppoll, pselect6 and sigsuspend install it: a signal it lets
 * through can run its handler while umbra parks the thread; the old mask comes back after. */
static long _shim_ipcUnderMask(long nr, const long* args, uint64_t mask) {
    uint64_t temp = mask & ~(1ULL << (SIGSYS - 1));
    uint64_t old = 0;
    shim_rawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&temp, (long)&old, 8, 0, 0);
    shim_thread.temp_mask_depth++;
    long rv = shim_ipcSyscall(nr, args);
    shim_thread.temp_mask_depth--;
    shim_rawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
    return rv;
}

/* Parks the thread in the simulator until one of `fds` is ready or `timeout_ns` (simulated; -1:
 * none) has passed, with signal mask `*mask` in force meanwhile if mask is not NULL (natively
 * too, until any signal it lets through has been handled). Returns 0 or -EINTR. */
static long _shim_nativeWait(struct pollfd* fds, long n, long timeout_ns, const uint64_t* mask) {
    long args[6] = {(long)fds, n, timeout_ns, 0, mask != NULL, mask != NULL ? (long)*mask : 0};
    if (mask == NULL) {
        return shim_ipcSyscall(UMBRA_SYSCALL_NATIVE_WAIT, args);
    }
    return _shim_ipcUnderMask(UMBRA_SYSCALL_NATIVE_WAIT, args, *mask);
}

static void _shim_yield(void) {
    long args[6] = {0, 0, 0, 0, 0, 0};
    shim_ipcSyscall(SYS_sched_yield, args);
}

/* Whether the program can read (or write) [addr, addr + size), 8 <= size <= one page, asked of the
 * kernel so that a bad pointer gets EFAULT, as from Linux, instead of faulting in the shim.
 * rt_sigprocmask copies 8 bytes in before refusing an invalid `how`, and writes the current mask
 * out when given no new one; the first and last 8 bytes cover every page the range touches. */
static bool _shim_probe(long addr, size_t size, bool write) {
    long ends[2] = {addr, addr + (long)size - 8};
    for (int i = 0; i < 2; i++) {
        long rv = write ? shim_rawSyscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, ends[i], 8, 0, 0)
                        : shim_rawSyscall(SYS_rt_sigprocmask, -1, ends[i], 0, 8, 0, 0);
        if (rv == -EFAULT) {
            return false;
        }
    }
    return true;
}

#define SHIM_TIMEOUT_INVALID (-2L)
#define SHIM_TIMEOUT_MAX_SEC 1000000000L /* longer waits (31 years) are cut to this */

/* A timeout as the kernel takes it (poll_select_set_timeout): -1 for none (NULL), or
 * SHIM_TIMEOUT_INVALID for a negative time or a tv_nsec outside [0, 1 s). */
static long _shim_timeoutNs(long sec, long nsec) {
    if (sec < 0 || nsec < 0 || nsec >= 1000000000L) {
        return SHIM_TIMEOUT_INVALID;
    }
    return sec >= SHIM_TIMEOUT_MAX_SEC ? SHIM_TIMEOUT_MAX_SEC * 1000000000L
                                       : sec * 1000000000L + nsec;
}

static long _shim_timespecNs(const struct timespec* ts) {
    return ts == NULL ? -1 : _shim_timeoutNs(ts->tv_sec, ts->tv_nsec);
}

/* The thread's clock in simulated ns, read without charging a time call. */
static long _shim_clock(void) {
    return (long)(atomic_load(&shim_thread.channel->sim_time) + shim_thread.unapplied_latency);
}

/* What is left of `timeout_ns` (-1: none) since `start`: -1, or 0 once it has passed. */
static long _shim_timeLeft(long start, long timeout_ns) {
    if (timeout_ns < 0) {
        return -1;
    }
    long left = timeout_ns - (_shim_clock() - start);
    return left > 0 ? left : 0;
}

/* Waits for `fds` with a native `try` that does not wait, until it finds something, fails, the
 * timeout has passed or a signal interrupts. umbra re-polls just before it answers, so the retry
 * normally finds what woke the thread; should it not, an unexpired wait goes on, as Linux's does
 * (a poll with no timeout never returns 0). */
static long _shim_waitLoop(long (*try)(const long* a), const long* a, struct pollfd* fds, long n,
                           long start, long timeout_ns, const uint64_t* mask) {
    long rv = try(a);
    if (rv != 0) {
        return rv;
    }
    if (timeout_ns == 0) {
        _shim_yield(); /* a polling loop must let others run and time pass */
        return 0;
    }
    for (;;) {
        long left = _shim_timeLeft(start, timeout_ns);
        if (left == 0) {
            return 0;
        }
        rv = _shim_nativeWait(fds, n, left, mask);
        if (rv < 0) {
            return rv;
        }
        rv = try(a);
        if (rv != 0) {
            return rv;
        }
    }
}

/* Linux writes the time left back into the timeout of select, pselect6 and ppoll (whatever the
 * result; glibc's pselect and ppoll pass a copy, its select converts it back), and silently not
 * into read-only memory. Only after a wait does it differ from what the caller passed. */
static void _shim_writeTimeLeft(long nr, long addr, long start, long timeout_ns) {
    if (addr == 0 || timeout_ns <= 0) {
        return;
    }
    long left = _shim_timeLeft(start, timeout_ns);
    if (left == timeout_ns || !_shim_probe(addr, 16, true)) {
        return;
    }
    if (nr == SYS_select) {
        struct timeval* tv = (struct timeval*)addr;
        tv->tv_sec = left / 1000000000L;
        tv->tv_usec = left % 1000000000L / 1000L;
    } else {
        struct timespec* ts = (struct timespec*)addr;
        ts->tv_sec = left / 1000000000L;
        ts->tv_nsec = left % 1000000000L;
    }
}

static long _shim_tryPoll(const long* a) {
    return shim_rawSyscall(SYS_poll, a[0], a[1], 0, 0, 0, 0);
}

static long _shim_tryPpoll(const long* a) {
    struct timespec zero = {0, 0};
    return shim_rawSyscall(SYS_ppoll, a[0], a[1], (long)&zero, a[3], a[4], 0);
}

/* poll and ppoll: a native poll that does not wait; if nothing is ready and the caller wanted to
 * wait, park in simulated time, then poll natively again. */
static long _shim_poll(long nr, const long* a) {
    long start = _shim_clock();
    if (nr == SYS_ppoll && a[2] != 0 && !_shim_probe(a[2], sizeof(struct timespec), false)) {
        return -EFAULT;
    }
    long timeout_ns = nr == SYS_poll ? ((int)a[2] < 0 ? -1 : (int)a[2] * 1000000L)
                                     : _shim_timespecNs((const struct timespec*)a[2]);
    if (timeout_ns == SHIM_TIMEOUT_INVALID) {
        return -EINVAL;
    }
    bool masked = nr == SYS_ppoll && a[3] != 0 && a[4] == 8;
    const uint64_t* mask = masked ? (const uint64_t*)a[3] : NULL;
    long rv = _shim_waitLoop(nr == SYS_poll ? _shim_tryPoll : _shim_tryPpoll, a,
                             (struct pollfd*)a[0], a[1], start, timeout_ns, mask);
    if (nr == SYS_ppoll && rv != -EFAULT && rv != -EINVAL) {
        _shim_writeTimeLeft(nr, a[2], start, timeout_ns);
    }
    return rv;
}

/* epoll_wait is epoll_pwait without a mask. */
static long _shim_tryEpoll(const long* a) {
    return shim_rawSyscall(SYS_epoll_pwait, a[0], a[1], a[2], 0, a[4], a[5]);
}

static long _shim_tryEpoll2(const long* a) {
    struct timespec zero = {0, 0};
    return shim_rawSyscall(SYS_epoll_pwait2, a[0], a[1], a[2], (long)&zero, a[4], a[5]);
}

/* epoll_wait, epoll_pwait, epoll_pwait2: the epoll instance is native (its fd polls readable when
 * events are ready), so the same way again, parking on the epoll fd itself. */
static long _shim_epollWait(long nr, const long* a) {
    long start = _shim_clock();
    long timeout_ns;
    if (nr == SYS_epoll_pwait2) {
        if (a[3] != 0 && !_shim_probe(a[3], sizeof(struct timespec), false)) {
            return -EFAULT;
        }
        timeout_ns = _shim_timespecNs((const struct timespec*)a[3]);
    } else {
        int ms = (int)a[3];
        timeout_ns = ms < 0 ? -1 : (long)ms * 1000000L;
    }
    if (timeout_ns == SHIM_TIMEOUT_INVALID) {
        return -EINVAL;
    }
    long args[6] = {
        a[0], a[1], a[2], 0, nr == SYS_epoll_wait ? 0 : a[4], nr == SYS_epoll_wait ? 8 : a[5]};
    const uint64_t* mask = (args[4] != 0 && args[5] == 8) ? (const uint64_t*)args[4] : NULL;
    struct pollfd pfd = {.fd = (int)a[0], .events = POLLIN};
    return _shim_waitLoop(nr == SYS_epoll_pwait2 ? _shim_tryEpoll2 : _shim_tryEpoll, args, &pfd, 1,
                          start, timeout_ns, mask);
}

/* select and pselect6 try with a zero timeout and the caller's sets, which the kernel overwrites
 * with its results: each try starts from the sets the caller passed (kept in args[6..8], args[10]
 * bytes of each: what the kernel reads and writes for nfds). */
static long _shim_trySelect(const long* a) {
    for (int i = 0; i < 3; i++) {
        if (a[1 + i] != 0) {
            memcpy((void*)a[1 + i], (const void*)a[6 + i], (size_t)a[10]);
        }
    }
    struct timespec zero_ts = {0, 0};
    struct timeval zero_tv = {0, 0};
    long zero = a[9] == SYS_select ? (long)&zero_tv : (long)&zero_ts;
    return shim_rawSyscall(a[9], a[0], a[1], a[2], a[3], zero, a[5]);
}

/* Whether a set of select's names a descriptor in [from, to), from a multiple of 64; its
 * unreadable part names none (the kernel reads a set only as far as its descriptor table reaches,
 * which never passes nr_open, at most 2^20 by default). */
static bool _shim_selectsAny(const unsigned long* bits, long from, long to) {
    to = to < (1L << 20) ? to : (1L << 20);
    for (long word = from / 64; bits != NULL && word < (to + 63) / 64; word++) {
        if (word == from / 64 || ((uintptr_t)&bits[word] & 4095) < 8) { /* each page once */
            if (!_shim_probe((long)&bits[word], 8, false)) {
                return false;
            }
        }
        unsigned long mask = to - word * 64 >= 64 ? ~0UL : (1UL << (to - word * 64)) - 1;
        if (bits[word] & mask) {
            return true;
        }
    }
    return false;
}

/* select and pselect6, the same way. */
static long _shim_select(long nr, const long* a) {
    long start = _shim_clock();
    long timeout_ns = -1;
    if (a[4] != 0 && !_shim_probe(a[4], 16, false)) {
        return -EFAULT;
    }
    if (nr == SYS_select && a[4] != 0) {
        /* select's timeval is normalised first: a tv_usec of a second or more carries over. */
        const struct timeval* tv = (const struct timeval*)a[4];
        long sec = tv->tv_sec >= SHIM_TIMEOUT_MAX_SEC ? SHIM_TIMEOUT_MAX_SEC
                                                      : tv->tv_sec + tv->tv_usec / 1000000L;
        timeout_ns = tv->tv_usec < 0 ? SHIM_TIMEOUT_INVALID
                                     : _shim_timeoutNs(sec, tv->tv_usec % 1000000L * 1000L);
    } else if (nr == SYS_pselect6) {
        timeout_ns = _shim_timespecNs((const struct timespec*)a[4]);
    }
    long nfds = (int)a[0]; /* an int in the kernel */
    if (timeout_ns == SHIM_TIMEOUT_INVALID || nfds < 0) {
        return -EINVAL;
    }
    /* pselect6's sixth argument: {const sigset_t* set; size_t size}. */
    const uint64_t* mask = NULL;
    if (nr == SYS_pselect6 && a[5] != 0) {
        const long* sig = (const long*)a[5];
        if (!_shim_probe(a[5], 16, false)) {
            return -EFAULT;
        }
        mask = (sig[0] != 0 && sig[1] == 8) ? (const uint64_t*)sig[0] : NULL;
        if (mask != NULL && !_shim_probe((long)mask, 8, false)) {
            return -EFAULT; /* a wrong size is the native try's EINVAL */
        }
    }
    fd_set* sets[3] = {(fd_set*)a[1], (fd_set*)a[2], (fd_set*)a[3]};
    if (nfds > FD_SETSIZE) {
        /* Linux ignores numbers beyond its descriptor table, which reaches past FD_SETSIZE only
         * once such a number is open; what the caller asks about decides. Larger sets than an
         * fd_set are not parked on. */
        for (int i = 0; i < 3; i++) {
            if (_shim_selectsAny((const unsigned long*)sets[i], FD_SETSIZE, nfds)) {
                static int warned;
                if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                    shim_log("select on descriptors above FD_SETSIZE is not supported");
                }
                return -EINVAL;
            }
        }
        nfds = FD_SETSIZE;
    }
    size_t bytes = (size_t)(nfds + 63) / 64 * 8;
    fd_set saved[3];
    memset(saved, 0, sizeof(saved));
    long targs[11] = {nfds, a[1], a[2], a[3], 0, a[5], 0, 0, 0, nr, (long)bytes};
    for (int i = 0; i < 3; i++) {
        if (sets[i] != NULL) {
            if (bytes > 0 && !_shim_probe((long)sets[i], bytes, false)) {
                return -EFAULT;
            }
            memcpy(&saved[i], sets[i], bytes);
            targs[6 + i] = (long)&saved[i];
        }
    }
    struct pollfd fds[FD_SETSIZE];
    long n = 0;
    for (long fd = 0; fd < nfds; fd++) {
        short ev = 0;
        ev |= (sets[0] != NULL && FD_ISSET(fd, &saved[0])) ? POLLIN : 0;
        ev |= (sets[1] != NULL && FD_ISSET(fd, &saved[1])) ? POLLOUT : 0;
        ev |= (sets[2] != NULL && FD_ISSET(fd, &saved[2])) ? POLLPRI : 0;
        if (ev != 0) {
            fds[n++] = (struct pollfd){.fd = (int)fd, .events = ev};
        }
    }
    long rv = _shim_waitLoop(_shim_trySelect, targs, fds, n, start, timeout_ns, mask);
    if (rv == -EINTR) {
        /* Linux leaves the sets as they were when a signal ends the wait. */
        for (int i = 0; i < 3; i++) {
            if (sets[i] != NULL) {
                memcpy(sets[i], &saved[i], bytes);
            }
        }
    }
    if (rv != -EFAULT && rv != -EINVAL) {
        _shim_writeTimeLeft(nr, a[4], start, timeout_ns);
    }
    return rv;
}

static bool _shim_isRandomPath(const char* path) {
    return path != NULL && (strcmp(path, "/dev/urandom") == 0 || strcmp(path, "/dev/random") == 0);
}

static long _shim_openRandom(long flags) {
    return shim_rawSyscall(SYS_openat, AT_FDCWD, (long)"/dev/null", flags & (O_CLOEXEC), 0, 0, 0);
}

static long _shim_native(long nr, const long* a) {
    return shim_rawSyscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* An open of /etc/hosts opens umbra's generated hosts file instead (compat.md 7), so unmodified
 * getaddrinfo resolves the simulation's host names. */
static long _shim_openHosts(long nr, const long* a) {
    long args[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    int path_index = nr == SYS_open || nr == SYS_creat ? 0 : 1;
    const char* path = (const char*)a[path_index];
    if (shim_process.hosts_file[0] != '\0' && path != NULL && strcmp(path, "/etc/hosts") == 0) {
        args[path_index] = (long)shim_process.hosts_file;
    }
    return _shim_native(nr, args);
}

/* Native descriptor calls that must keep the /dev/urandom mark in step. */
/* fcntl's owner commands: the kernel knows native pids, the program virtual ones; umbra
 * translates (UMBRA_SYSCALL_OWNER_PID). F_SETOWN_EX names a process (F_OWNER_PID) or, refused
 * like a negative F_SETOWN, a thread or a group. */
static long _shim_fcntlOwner(const long* a) {
    long args[6] = {a[0], a[1], a[2], 0, 0, 0};
    struct f_owner_ex ex;
    if (a[1] == F_SETOWN && (int)a[2] != 0) {
        long tr[6] = {(int)a[2], 1, 0, 0, 0, 0};
        args[2] = shim_ipcSyscall(UMBRA_SYSCALL_OWNER_PID, tr);
        if (args[2] < 0) {
            return args[2];
        }
    } else if (a[1] == F_SETOWN_EX) {
        if (a[2] == 0) {
            return -EFAULT;
        }
        ex = *(const struct f_owner_ex*)a[2];
        if (ex.pid != 0) {
            long tr[6] = {ex.type == F_OWNER_PID ? ex.pid : -1, 1, 0, 0, 0, 0};
            long native = shim_ipcSyscall(UMBRA_SYSCALL_OWNER_PID, tr);
            if (native < 0) {
                return native;
            }
            ex.pid = (pid_t)native;
        }
        args[2] = (long)&ex;
    } else if (a[1] == F_GETOWN_EX) {
        if (a[2] == 0) {
            return -EFAULT;
        }
        args[2] = (long)&ex;
    }
    long rv = _shim_native(SYS_fcntl, args);
    if (rv < 0) {
        return rv;
    }
    if (a[1] == F_GETOWN && rv > 0) {
        long tr[6] = {rv, 0, 0, 0, 0, 0};
        return shim_ipcSyscall(UMBRA_SYSCALL_OWNER_PID, tr);
    }
    if (a[1] == F_GETOWN_EX) {
        if (ex.pid > 0) {
            long tr[6] = {ex.pid, 0, 0, 0, 0, 0};
            ex.pid = (pid_t)shim_ipcSyscall(UMBRA_SYSCALL_OWNER_PID, tr);
        }
        *(struct f_owner_ex*)a[2] = ex;
    }
    return rv;
}

static long _shim_fdCall(long nr, const long* a) {
    if (nr == SYS_open || nr == SYS_openat || nr == SYS_creat || nr == SYS_openat2) {
        bool random =
            (nr == SYS_open && _shim_isRandomPath((const char*)a[0])) ||
            ((nr == SYS_openat || nr == SYS_openat2) && _shim_isRandomPath((const char*)a[1]));
        long rv = random ? _shim_openRandom(nr == SYS_open ? a[1] : a[2]) : _shim_openHosts(nr, a);
        _shim_markFd(rv, FD_KIND_UNKNOWN, SHIM_FD_PLAIN, random);
        return rv;
    }
    switch (nr) {
        case SYS_rt_sigprocmask:
            return _shim_sigprocmask(a);
        case SYS_sigaltstack:
            return _shim_sigaltstack(a);
        case SYS_poll:
        case SYS_ppoll:
            return _shim_poll(nr, a);
        case SYS_select:
        case SYS_pselect6:
            return _shim_select(nr, a);
        case SYS_epoll_wait:
        case SYS_epoll_pwait:
        case SYS_epoll_pwait2:
            return _shim_epollWait(nr, a);
        case SYS_read:
        case SYS_readv:
            if (_shim_isEmulatedSocket(a[0])) {
                return _shim_socketReadWrite(nr, a);
            }
            if (_shim_getFdEmulated(a[0]) == SHIM_FD_SIGNALFD) {
                return nr == SYS_read ? _shim_signalfdRead(a) : -EINVAL;
            }
            if (_shim_isRandomFd(a[0])) {
                if (nr == SYS_read) {
                    return shim_ipcSyscall(UMBRA_SYSCALL_RANDOM_READ, a);
                }
                break;
            }
            if (_shim_getFdKind(a[0]) == FD_KIND_MAY_BLOCK) {
                return _shim_cooperativeIo(nr, a, POLLIN);
            }
            break;
        case SYS_write:
        case SYS_writev:
            if (_shim_isEmulatedSocket(a[0])) {
                return _shim_socketReadWrite(nr, a);
            }
            if (_shim_getFdEmulated(a[0]) != SHIM_FD_PLAIN) {
                return -EINVAL; /* signalfd and timerfd have no write */
            }
            if (_shim_getFdKind(a[0]) == FD_KIND_MAY_BLOCK) {
                return _shim_cooperativeIo(nr, a, POLLOUT);
            }
            break;
        case SYS_ioctl:
            if ((a[1] == FIONREAD || a[1] == TIOCOUTQ ||
                 (a[1] >= SIOCGIFNAME && a[1] <= SIOCGIFINDEX)) && /* interface ioctls */
                _shim_isEmulatedSocket(a[0])) {
                return shim_ipcSyscall(UMBRA_SYSCALL_SOCKET_IOCTL, a);
            }
            if (a[1] >= SIOCGIFNAME && a[1] <= SIOCGIFINDEX && shim_unixIsSocket(a[0])) {
                return shim_ipcSyscall(UMBRA_SYSCALL_SOCKET_IOCTL, a); /* the host's interfaces */
            }
            break;
        case SYS_close: {
            if (_shim_getFdEmulated(a[0]) == SHIM_FD_SOCKET) {
                /* Before the number goes: umbra releases the socket's port if this was its last
                 * descriptor. */
                long args[6] = {a[0], 0, 0, 0, 0, 0};
                shim_ipcSyscall(UMBRA_SYSCALL_SOCKET_CLOSE, args);
            }
            long rv = _shim_native(nr, a);
            if (rv == 0) {
                _shim_markFd(a[0], FD_KIND_UNKNOWN, SHIM_FD_PLAIN, false);
            }
            return rv;
        }
        case SYS_sendfile:
            /* Natively it would write into the placeholder pair (its data lost): refused, as
             * the eventfd placeholders used to be by the kernel. */
            if (_shim_isEmulatedSocket(a[0])) {
                return -EINVAL;
            }
            break;
        case SYS_close_range: {
            /* Closed numbers lose their marks, as with close; CLOSE_RANGE_CLOEXEC closes
             * nothing yet (the exec that does starts a fresh shim). */
            long rv = _shim_native(nr, a);
            if (rv == 0 && !(a[2] & CLOSE_RANGE_CLOEXEC)) {
                long high = __atomic_load_n(&_shim_fdHigh, __ATOMIC_RELAXED);
                long last = (long)(unsigned)a[1] < high ? (long)(unsigned)a[1] : high;
                for (long fd = (long)(unsigned)a[0]; fd <= last; fd++) {
                    _shim_markFd(fd, FD_KIND_UNKNOWN, SHIM_FD_PLAIN, false);
                }
            }
            return rv;
        }
        case SYS_socketpair: {
            long rv = _shim_native(nr, a); /* AF_UNIX: the simulator let it through */
            if (rv == 0) {
                int* fds = (int*)a[3];
                _shim_markFd(fds[0], FD_KIND_MAY_BLOCK, SHIM_FD_PLAIN, false);
                _shim_markFd(fds[1], FD_KIND_MAY_BLOCK, SHIM_FD_PLAIN, false);
            }
            return rv;
        }
        case SYS_recvfrom:
        case SYS_recvmsg:
        case SYS_recvmmsg:
        case SYS_sendto:
        case SYS_sendmsg:
        case SYS_sendmmsg:
            return _shim_nativeSocketIo(nr, a);
        case SYS_pipe:
        case SYS_pipe2: {
            long rv = _shim_native(nr, a);
            if (rv == 0) {
                int* fds = (int*)a[0];
                _shim_markFd(fds[0], FD_KIND_MAY_BLOCK, SHIM_FD_PLAIN, false);
                _shim_markFd(fds[1], FD_KIND_MAY_BLOCK, SHIM_FD_PLAIN, false);
            }
            return rv;
        }
        case SYS_dup:
        case SYS_dup2:
        case SYS_dup3:
        case SYS_fcntl: {
            if (nr == SYS_fcntl && (a[1] == F_SETOWN || a[1] == F_GETOWN ||
                                    a[1] == F_SETOWN_EX || a[1] == F_GETOWN_EX)) {
                return _shim_fcntlOwner(a);
            }
            bool dupfd = nr != SYS_fcntl || a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC;
            bool was = _shim_isRandomFd(a[0]);
            long rv = _shim_native(nr, a);
            if (dupfd && rv >= 0 && rv != a[0]) {
                _shim_markFd(rv,
                             a[0] >= 0 && a[0] < SHIM_MAX_FD ? _shim_fdKind[a[0]] : FD_KIND_UNKNOWN,
                             _shim_getFdEmulated(a[0]), was);
            }
            return rv;
        }
        default:
            break;
    }
    return _shim_native(nr, a);
}

/* ----------------------------------------------------------------------------------------------
 * The round trip.
 * ---------------------------------------------------------------------------------------------- */

void shim_signalReturn(const ucontext_t* program_uc) {
    if (shim_thread.channel == NULL || shim_thread.temp_mask_depth > 0) {
        return; /* a temporary mask of the shim's: the simulator restores the mask itself */
    }
    uint64_t mask;
    memcpy(&mask, &program_uc->uc_sigmask, sizeof(mask));
    long args[6] = {(long)mask, 0, 0, 0, 0, 0};
    shim_ipcSyscall(UMBRA_SYSCALL_SIGRETURN, args);
}

/* A signal to raise and its siginfo, kept aside while an answer's message area is reused. */
typedef struct {
    int sig;
    uint64_t info[16];
} ShimRaise;

static void _shim_saveRaise(const IpcMessage* in, ShimRaise* out) {
    out->sig = in->raise_signal;
    if (out->sig > 0) {
        memcpy(out->info, in->raise_info, sizeof(out->info));
    }
}

/* Raises a signal the simulator asked for, on this thread, natively, with the siginfo the
 * simulator gave it (the sender's virtual pid, SI_QUEUE's value, SIGCHLD's status, ...): the
 * kernel accepts any siginfo a thread queues to itself. */
static void _shim_raiseSaved(const ShimRaise* r) {
    int sig = r->sig;
    if (sig <= 0) {
        return;
    }
    long pid = shim_rawSyscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
    long tid = shim_rawSyscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
    const siginfo_t* info = (const siginfo_t*)r->info;
    if (info->si_signo != sig ||
        shim_rawSyscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, (long)info, 0, 0) != 0) {
        shim_rawSyscall(SYS_tgkill, pid, tid, sig, 0, 0, 0);
    }
}

void shim_raise(const IpcMessage* in) {
    ShimRaise r;
    _shim_saveRaise(in, &r);
    _shim_raiseSaved(&r);
}

/* Sends a message, waits for the answer. */
static IpcMessage* _shim_roundTrip(IpcChannel* ch) {
    ipc_give(ch, IPC_TURN_SIM, shim_rawSyscall);
    ipc_wait(ch, IPC_TURN_SHIM, 0, shim_rawSyscall);
    return &ch->to_shim;
}

/* Sends syscall `nr(args)` with the modelled CPU time charged since the last message, and waits
 * for the answer. */
static IpcMessage* _shim_sendSyscall(IpcChannel* ch, long nr, const long args[6]) {
    IpcMessage* out = &ch->to_sim;
    out->type = IPC_MSG_SYSCALL;
    out->number = nr;
    for (int i = 0; i < 6; i++) {
        out->args[i] = args[i];
    }
    out->latency = shim_thread.unapplied_latency;
    shim_thread.unapplied_latency = 0;
    return _shim_roundTrip(ch);
}

long shim_ipcSyscall(long nr, const long args[6]) {
    IpcChannel* ch = shim_thread.channel;
    for (;;) {
        IpcMessage* in = _shim_sendSyscall(ch, nr, args);
        long rv;
        switch (in->type) {
            case IPC_MSG_DONE:
                rv = in->retval;
                break;
            case IPC_MSG_NATIVE:
                rv = _shim_fdCall(nr, args);
                break;
            case IPC_MSG_NATIVE_UNIX:
                rv = shim_unixNative(nr, args, in);
                break;
            case IPC_MSG_NATIVE_EXIT:
                shim_rawSyscall(nr, args[0], 0, 0, 0, 0, 0);
                __builtin_unreachable();
            default:
                shim_log("unexpected answer from umbra");
                rv = -EPROTO;
                break;
        }
        shim_raise(in); /* the program's handler runs here */
        if (rv != -UMBRA_ERESTART) {
            return rv;
        }
    }
}

/* ----------------------------------------------------------------------------------------------
 * Processes: clone and exec.
 * ---------------------------------------------------------------------------------------------- */

/* The child side of a native fork: connect to the child's channel before the program runs. */
static void _shim_childStart(const char* path, long vtid, long flags, long child_tid_ptr) {
    char copy[sizeof(shim_thread.channel_path)];
    strncpy(copy, path, sizeof(copy) - 1);
    copy[sizeof(copy) - 1] = '\0';
    /* The parent's channel is still mapped here (shared memory survives fork): forget it and
     * make sure nothing of the parent's is touched again. */
    shim_thread.channel = NULL;
    /* Die with umbra. The native parent is umbra (CLONE_PARENT); if it is already gone, the
     * parent is now someone else and this child must not run. */
    shim_rawSyscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
    if (shim_rawSyscall(SYS_getppid, 0, 0, 0, 0, 0, 0) != shim_process.umbra_pid) {
        shim_rawSyscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    if (shim_connect(copy) != 0) {
        shim_log("child could not connect to umbra");
        shim_rawSyscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    if (flags & CLONE_CHILD_SETTID) {
        *(int*)child_tid_ptr = (int)vtid; /* the program sees the virtual tid, as from gettid */
    }
}

/* What a new thread needs before it can run program code: where its channel is, and the
 * program's registers at the clone (to resume with rax = 0 on the program's stack). Placed on the
 * new thread's stack, below what the program put there. */
typedef struct {
    char path[64];      /* the thread's channel */
    long regs[17];      /* ucontext gregs REG_R8..REG_RIP, with REG_RSP the program's new stack */
    long process_child; /* not a thread: a process sharing the parent's memory (vfork) */
    long vtid;          /* process_child: its virtual pid, */
    long flags;         /* the program's clone flags */
    long child_tid;     /* and CLONE_CHILD_SETTID's word */
} ShimThreadStart;

long shim_cloneThread(long flags, long stack, long parent_tid, long child_tid, long tls,
                      ShimThreadStart* start);
void shim_resumeContext(const long regs[17]) __attribute__((noreturn));
void shim_threadStart(ShimThreadStart* start) __attribute__((noreturn, visibility("hidden")));

/* A new thread's first C code, on a scratch area of its stack below the start block. */
void shim_threadStart(ShimThreadStart* start) {
    long regs[17];
    char path[64];
    memcpy(regs, start->regs, sizeof(regs));
    memcpy(path, start->path, sizeof(path));
    path[sizeof(path) - 1] = '\0';
    if (start->process_child) {
        /* A vfork child in the parent's memory, and (without CLONE_SETTLS) with the parent's
         * shim_thread: the parent saved it and puts it back once this child has exec'd or
         * ended. Meanwhile nothing of the process-wide shim state may change for the child's
         * sake (descriptor marks: the child has its own table). */
        long vtid = start->vtid, flags = start->flags, child_tid = start->child_tid;
        _shim_childStart(path, vtid, flags, child_tid);
        shim_thread.vm_child = true;
        shim_resumeContext(regs);
    }
    if (shim_connect(path) != 0) {
        shim_log("new thread could not connect to umbra");
        shim_rawSyscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
    }
    shim_resumeContext(regs);
}

/* A native clone whose child starts in shim_cloneThread's child path: the start block `proto`
 * (path, registers and process fields) is copied below `block_top`, the child's first code runs
 * just below it, and it resumes the program's registers with rsp = `resume_sp`. */
static long _shim_startClone(long flags, long block_top, long resume_sp, long parent_tid,
                             long child_tid, long tls, const ShimThreadStart* proto) {
    ShimThreadStart* start =
        (ShimThreadStart*)(((unsigned long)block_top - sizeof(ShimThreadStart) - 256) & ~63UL);
    *start = *proto;
    start->regs[REG_RSP] = resume_sp;
    long child_stack = ((long)start - 128) & ~15L;
    return shim_cloneThread(flags, child_stack, parent_tid, child_tid, tls, start);
}

/* The native clone of a thread or of a vfork child with a stack of its own: the start block goes
 * on that stack, below what the program put there. */
static long _shim_nativeCloneThread(long flags, long stack, long parent_tid, long child_tid,
                                    long tls, const char* path, ucontext_t* uc,
                                    const ShimThreadStart* process) {
    ShimThreadStart start;
    memset(&start, 0, sizeof(start));
    if (process != NULL) {
        start = *process;
    }
    memcpy(start.path, path, sizeof(start.path));
    for (int i = 0; i < 17; i++) {
        start.regs[i] = uc->uc_mcontext.gregs[i];
    }
    return _shim_startClone(flags, stack, stack, parent_tid, child_tid, tls, &start);
}

/* ----------------------------------------------------------------------------------------------
 * vfork in shared memory, on the parent's stack.
 *
 * A vfork child without a stack of its own runs on its parent's stack, from the stack pointer of
 * the vfork call down, which is where the parent's SIGSYS frame and the shim's frames are (the
 * child's first call would overwrite them). So the parent moves to a private stack first, saves
 * the range from its deepest frame up to the trapped stack pointer, clones (the child starts on a
 * scratch stack, connects, and resumes on the program's stack), waits there until the simulator
 * releases it (the child has exec'd or ended), puts the range back and returns on its own stack.
 * What the child wrote above the trapped stack pointer stays, as with vfork.
 * ---------------------------------------------------------------------------------------------- */

#define SHIM_VFORK_STACK (64 * 1024)

/* A vfork parent is released (the child has exec'd or ended; `rv` is the native clone's result):
 * the child's channel and the environment block its exec built, both mapped in our shared
 * memory, are ours to free; then our own shim_thread, which the child used, comes back. */
static void _shim_vforkReleased(const ShimThread* saved, long rv) {
    if (rv > 0 && shim_thread.channel != NULL && shim_thread.channel != saved->channel) {
        shim_rawSyscall(SYS_munmap, (long)shim_thread.channel, sizeof(IpcChannel), 0, 0, 0, 0);
    }
    if (rv > 0 && shim_thread.exec_env != 0) {
        shim_rawSyscall(SYS_munmap, shim_thread.exec_env, shim_thread.exec_env_len, 0, 0, 0, 0);
    }
    shim_thread = *saved;
}

typedef struct {
    IpcChannel* ch;
    long flags, child_tid, tls;
    long map, cap; /* the private mapping: save area (cap bytes), then two stacks */
    long top;      /* the trapped stack pointer: the saved range ends there */
    ShimThreadStart start;
    long rv;           /* out: the native clone's result */
    uint32_t answer;   /* out: the simulator's answer */
    long retval;
    ShimRaise raise;   /* and the signal that came with it */
} ShimVfork;

long shim_callOnStack(long (*fn)(void*, long), void* arg, long stack_top);

static long _shim_vforkOnPrivateStack(void* arg, long old_sp) {
    ShimVfork v = *(ShimVfork*)arg; /* the original is in the range the child will use */
    long len = v.top - old_sp;
    long rv = -ENOMEM;
    if (len > 0 && len <= v.cap) {
        memcpy((void*)v.map, (void*)old_sp, (size_t)len);
        long native_flags = (v.flags & ~(CLONE_VFORK | CSIGNAL | CLONE_PARENT_SETTID |
                                         CLONE_CHILD_SETTID | CLONE_SETTLS)) |
                            CLONE_PARENT;
        rv = _shim_startClone(native_flags, v.map + v.cap + 2 * SHIM_VFORK_STACK, v.top, 0,
                              v.child_tid, 0, &v.start);
    }
    v.ch->to_sim.type = IPC_MSG_CLONE_DONE;
    v.ch->to_sim.args[0] = rv;
    v.ch->to_sim.args[1] = -1;
    IpcMessage* in = _shim_roundTrip(v.ch);
    uint32_t answer = in->type;
    long retval = in->retval;
    ShimRaise sig;
    _shim_saveRaise(in, &sig);
    if (rv > 0) {
        memcpy((void*)old_sp, (void*)v.map, (size_t)len); /* our frames, as they were */
    }
    ShimVfork* out = arg;
    out->rv = rv;
    out->answer = answer;
    out->retval = retval;
    out->raise = sig;
    return 0;
}

static long _shim_vforkSharedStack(IpcChannel* ch, long flags, long parent_tid, long child_tid,
                                   const char* path, long vtid, ucontext_t* uc, ShimRaise* sig) {
    ShimThread saved = shim_thread;
    ShimVfork v;
    memset(&v, 0, sizeof(v));
    v.ch = ch;
    v.flags = flags;
    v.child_tid = child_tid;
    v.top = uc->uc_mcontext.gregs[REG_RSP];
    v.cap = ((v.top - (long)__builtin_frame_address(0)) + 16384 + 4095) & ~4095L;
    long total = v.cap + 2 * SHIM_VFORK_STACK;
    v.map = shim_rawSyscall(SYS_mmap, 0, total, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v.map < 0 && v.map > -4096) {
        ch->to_sim.type = IPC_MSG_CLONE_DONE;
        ch->to_sim.args[0] = v.map;
        ch->to_sim.args[1] = -1;
        IpcMessage* in = _shim_roundTrip(ch);
        _shim_saveRaise(in, sig);
        return in->type == IPC_MSG_DONE ? in->retval : -EPROTO;
    }
    v.start.process_child = 1;
    v.start.vtid = vtid;
    v.start.flags = flags;
    v.start.child_tid = child_tid;
    memcpy(v.start.path, path, sizeof(v.start.path));
    for (int i = 0; i < 17; i++) {
        v.start.regs[i] = uc->uc_mcontext.gregs[i];
    }
    shim_callOnStack(_shim_vforkOnPrivateStack, &v, v.map + v.cap + SHIM_VFORK_STACK);
    _shim_vforkReleased(&saved, v.rv);
    shim_rawSyscall(SYS_munmap, v.map, total, 0, 0, 0, 0);
    if (v.rv > 0 && (flags & CLONE_PARENT_SETTID) && parent_tid != 0) {
        *(int*)parent_tid = (int)vtid;
    }
    *sig = v.raise;
    return v.answer == IPC_MSG_DONE ? v.retval : -EPROTO;
}

/* fork, vfork, fork-like clone and thread clone: the simulator answers CLONE (go ahead, with the
 * child's channel) or DONE (an error). `pidfd_addr` is where CLONE_PIDFD wants the pidfd. */
static long _shim_clone(long nr, const long* a, long pidfd_addr, ucontext_t* uc) {
    long flags = nr == SYS_clone ? a[0] : nr == SYS_vfork ? CLONE_VM | CLONE_VFORK | SIGCHLD
                                                          : SIGCHLD;
    long stack = nr == SYS_clone ? a[1] : 0;
    long parent_tid = nr == SYS_clone ? a[2] : 0;
    long child_tid = nr == SYS_clone ? a[3] : 0;
    long tls = nr == SYS_clone ? a[4] : 0;
    bool thread = (flags & CLONE_THREAD) != 0;
    if (thread && (uc == NULL || stack == 0)) {
        return -ENOSYS; /* a thread can only be resumed from a trapped context, on its own stack */
    }
    if (!thread && (flags & CLONE_PIDFD) && pidfd_addr == 0) {
        return -EINVAL; /* the kernel would have nowhere to put it either */
    }
    IpcChannel* ch = shim_thread.channel;
    IpcMessage* in = _shim_sendSyscall(ch, nr, a);
    if (in->type != IPC_MSG_CLONE) {
        long rv = in->type == IPC_MSG_DONE ? in->retval : -EPROTO;
        shim_raise(in);
        return rv;
    }
    /* A signal that came with an answer is raised once the clone is complete. */
    ShimRaise first_signal;
    _shim_saveRaise(in, &first_signal);
    char path[sizeof(shim_thread.channel_path)];
    memcpy(path, in->payload, sizeof(path));
    path[sizeof(path) - 1] = '\0';
    long vtid = in->args[0];
    long rv;
    /* A vfork child with a stack of its own (posix_spawn) shares the parent's memory for real:
     * glibc's child reports a failed exec by writing errno there. The parent thread stays parked
     * here until the child has exec'd or ended (the simulator holds its answer), so the child may
     * use the parent's shim_thread in the meantime; it is saved here and put back below. */
    bool shared_vm = !thread && (flags & CLONE_VM) && (flags & CLONE_VFORK) && stack != 0 &&
                     uc != NULL;
    ShimThread saved;
    if (!thread && (flags & CLONE_VM) && (flags & CLONE_VFORK) && stack == 0 && uc != NULL &&
        !(flags & (CLONE_PIDFD | CLONE_SETTLS))) {
        ShimRaise second_signal = {0};
        rv = _shim_vforkSharedStack(ch, flags, parent_tid, child_tid, path, vtid, uc,
                                    &second_signal);
        _shim_raiseSaved(&first_signal);
        _shim_raiseSaved(&second_signal);
        return rv;
    }
    if (thread) {
        rv = _shim_nativeCloneThread(flags, stack, parent_tid, child_tid, tls, path, uc, NULL);
    } else if (shared_vm) {
        saved = shim_thread;
        ShimThreadStart child = {
            .process_child = 1, .vtid = vtid, .flags = flags, .child_tid = child_tid};
        long native_flags = (flags & ~(CLONE_VFORK | CSIGNAL | CLONE_PARENT_SETTID | CLONE_PIDFD |
                                       CLONE_CHILD_SETTID)) |
                            CLONE_PARENT;
        rv = _shim_nativeCloneThread(native_flags, stack, 0, child_tid, tls, path, uc, &child);
    } else {
        /* A process, not a thread: drop the shared-VM and vfork parts (the simulator keeps a
         * vfork parent waiting instead) and the exit signal (the simulator sends SIGCHLD). */
        long native_flags = (flags & ~(CLONE_VM | CLONE_VFORK | CSIGNAL | CLONE_PARENT_SETTID |
                                       CLONE_PIDFD | CLONE_SETTLS)) |
                            CLONE_PARENT; /* umbra is every managed process's native parent */
        rv = shim_rawSyscall(SYS_clone, native_flags, 0, 0, child_tid, tls, 0);
        if (rv == 0) {
            _shim_childStart(path, vtid, flags, child_tid);
            if (stack != 0 && uc != NULL) {
                /* The program gave the child a stack (posix_spawn): resume it there. */
                uc->uc_mcontext.gregs[REG_RSP] = stack;
            }
            return 0;
        }
    }
    /* The parent (a new thread never gets here). CLONE_PIDFD for a process: the native clone left
     * it out (umbra is the native parent), so the pidfd is opened now, while the child waits for
     * its first run. Then report the native result and take the answer. */
    long pidfd = -1;
    if (!thread && rv > 0 && (flags & CLONE_PIDFD)) {
        pidfd = shim_rawSyscall(SYS_pidfd_open, rv, 0, 0, 0, 0, 0);
        if (pidfd >= 0) {
            *(int*)pidfd_addr = (int)pidfd;
        }
    }
    ch->to_sim.type = IPC_MSG_CLONE_DONE;
    ch->to_sim.args[0] = rv;
    ch->to_sim.args[1] = pidfd;
    in = _shim_roundTrip(ch);
    if (shared_vm) {
        _shim_vforkReleased(&saved, rv);
    }
    if (rv > 0 && (flags & CLONE_PARENT_SETTID) && parent_tid != 0) {
        *(int*)parent_tid = (int)vtid; /* glibc keeps it as the child's tid */
    }
    long result = in->type == IPC_MSG_DONE ? in->retval : -EPROTO;
    _shim_raiseSaved(&first_signal);
    shim_raise(in);
    return result;
}

/* clone3(args, size): the same clone with the arguments in a structure. Translated into clone's
 * (the stack is given by its lowest address and size; the kernel starts the child at its top),
 * so umbra sees one kind of clone. Options clone has no room for (set_tid, cgroups) are not
 * supported (ENOSYS, as a kernel without clone3 answers; glibc then uses clone). */
static long _shim_clone3(const long* a, ucontext_t* uc) {
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        uint64_t set_tid, set_tid_size, cgroup;
    } ca;
    size_t size = (size_t)a[1];
    if (a[0] == 0 || size < 64 || size > 4096) {
        return -EINVAL;
    }
    memset(&ca, 0, sizeof(ca));
    memcpy(&ca, (const void*)a[0], size < sizeof(ca) ? size : sizeof(ca));
    if (ca.exit_signal > 64 || (ca.flags & CSIGNAL)) {
        return -EINVAL; /* as the kernel checks them */
    }
    if (ca.set_tid_size != 0 || (ca.flags & 0x200000000ULL /* CLONE_INTO_CGROUP */)) {
        return -ENOSYS;
    }
    long args[6] = {
        (long)(ca.flags | ca.exit_signal),
        ca.stack != 0 ? (long)(ca.stack + ca.stack_size) : 0,
        (long)ca.parent_tid,
        (long)ca.child_tid,
        (long)ca.tls,
        0,
    };
    return _shim_clone(SYS_clone, args, (long)ca.pidfd, uc);
}

/* Builds envp for an exec: the program's variables minus LD_PRELOAD and UMBRA_*, then umbra's.
 * Lives in a private mapping that the exec discards. */
static char** _shim_execEnvironment(char* const* envp) {
    size_t n = 0;
    for (char* const* e = envp; e != NULL && *e != NULL; e++) {
        n++;
    }
    size_t slots = n + (size_t)shim_process.n_umbra_env + 3;
    long len = (long)(slots * sizeof(char*) + 256);
    long map = shim_rawSyscall(SYS_mmap, 0, len, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map < 0 && map > -4096) {
        return NULL;
    }
    shim_thread.exec_env = map; /* freed if the exec fails (or by a vfork parent) */
    shim_thread.exec_env_len = len;
    char** out = (char**)map;
    char* ipc = (char*)(out + slots);
    size_t k = 0;
    for (char* const* e = envp; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "UMBRA_", 6) != 0) {
            out[k++] = *e;
        }
    }
    if (shim_process.preload[0] != '\0') {
        out[k++] = shim_process.preload;
    }
    for (int i = 0; i < shim_process.n_umbra_env; i++) {
        out[k++] = shim_process.umbra_env[i];
    }
    strcpy(ipc, "UMBRA_IPC_PATH=");
    strcat(ipc, shim_thread.channel_path);
    out[k++] = ipc;
    out[k] = NULL;
    return out;
}

static long _shim_exec(long nr, const long* a) {
    long rv = shim_ipcSyscall(nr, a); /* the simulator checks the target: 0 = go ahead */
    if (rv != 0) {
        return rv;
    }
    char** env = _shim_execEnvironment((char* const*)(nr == SYS_execve ? a[2] : a[3]));
    if (env == NULL) {
        return -ENOMEM;
    }
    if (nr == SYS_execve) {
        rv = shim_rawSyscall(SYS_execve, a[0], a[1], (long)env, 0, 0, 0);
    } else {
        rv = shim_rawSyscall(SYS_execveat, a[0], a[1], a[2], (long)env, a[4], 0);
    }
    /* Still here: the exec failed. Tell the simulator, which was waiting for the new image. */
    shim_rawSyscall(SYS_munmap, shim_thread.exec_env, shim_thread.exec_env_len, 0, 0, 0, 0);
    shim_thread.exec_env = 0;
    IpcChannel* ch = shim_thread.channel;
    ch->to_sim.type = IPC_MSG_EXEC_FAILED;
    ch->to_sim.args[0] = rv;
    _shim_roundTrip(ch);
    return rv;
}

/* ----------------------------------------------------------------------------------------------
 * Entry.
 * ---------------------------------------------------------------------------------------------- */

/* The program's own SIGSYS disposition, kept but never installed. */
static uint64_t _shim_appSigsys[4];

#define SHIM_SIGSYS_BIT (1ULL << (SIGSYS - 1))

/* SIGSYS must never be blocked: a syscall trapping while it is blocked makes the kernel reset the
 * handler and kill the process. So it is taken out of every mask the program installs. */
static long _shim_sigprocmask(const long* a) {
    if (a[1] == 0) {
        return _shim_native(SYS_rt_sigprocmask, a);
    }
    uint64_t set = *(const uint64_t*)a[1];
    if (a[0] != SIG_UNBLOCK) {
        set &= ~SHIM_SIGSYS_BIT;
    }
    long args[6] = {a[0], (long)&set, a[2], a[3], 0, 0};
    long rv = _shim_native(SYS_rt_sigprocmask, args);
    if (rv == 0 && shim_thread.trap_uc != NULL) {
        /* Inside the SIGSYS handler the change lasts only until the handler's rt_sigreturn,
         * which restores the trapped context's mask: make the new mask that context's. */
        uint64_t now = 0;
        shim_rawSyscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&now, 8, 0, 0);
        memcpy(&shim_thread.trap_uc->uc_sigmask, &now, sizeof(now));
    }
    return rv;
}

/* sigaltstack: inside the SIGSYS handler, the handler's rt_sigreturn would restore the alternate
 * stack saved in the trapped context, undoing the change: make the new one that context's. */
static long _shim_sigaltstack(const long* a) {
    long rv = _shim_native(SYS_sigaltstack, a);
    if (rv == 0 && a[0] != 0 && shim_thread.trap_uc != NULL) {
        const stack_t* ss = (const stack_t*)a[0];
        shim_thread.trap_uc->uc_stack.ss_sp = ss->ss_sp;
        shim_thread.trap_uc->uc_stack.ss_size = ss->ss_size;
        shim_thread.trap_uc->uc_stack.ss_flags = ss->ss_flags;
    }
    return rv;
}

/* sigsuspend: the temporary mask must be in place natively while the signal is raised (so its
 * handler runs under it), and the old one afterwards. */
static long _shim_sigsuspend(const long* a) {
    if (a[1] != 8) {
        return -EINVAL;
    }
    return _shim_ipcUnderMask(SYS_rt_sigsuspend, a, *(const uint64_t*)a[0]);
}

static long _shim_sigaction(const long* a) {
    if (a[0] != SIGSYS) {
        /* umbra records it, then it runs natively, with SIGSYS out of the handler's mask. */
        uint64_t act[4];
        long args[6] = {a[0], a[1], a[2], a[3], 0, 0};
        if (a[1] != 0) {
            memcpy(act, (const void*)a[1], sizeof(act));
            act[3] &= ~SHIM_SIGSYS_BIT;
            args[1] = (long)act;
        }
        return shim_ipcSyscall(SYS_rt_sigaction, args);
    }
    if (a[2] != 0) {
        memcpy((void*)a[2], _shim_appSigsys, sizeof(_shim_appSigsys));
    }
    if (a[1] != 0) {
        memcpy(_shim_appSigsys, (const void*)a[1], sizeof(_shim_appSigsys));
    }
    return 0;
}

long shim_syscall(long nr, const long args[6], ucontext_t* uc) {
    if (shim_thread.channel == NULL) {
        return _shim_native(nr, args);
    }
    switch (nr) {
        case SYS_clock_gettime:
            return shim_clockGettime(args[0], (struct timespec*)args[1]);
        case SYS_gettimeofday:
            return shim_gettimeofday((struct timeval*)args[0], (void*)args[1]);
        case SYS_time:
            return shim_time((long*)args[0]);
        case SYS_clock_getres:
            return shim_clockGetres(args[0], (struct timespec*)args[1]);
        case SYS_getpid:
            return shim_thread.channel->vpid;
        case SYS_gettid:
            return shim_thread.channel->vtid;
        case SYS_rt_sigaction:
            return _shim_sigaction(args);
        case SYS_rt_sigsuspend:
            return _shim_sigsuspend(args);
        case SYS_prctl:
            if (args[0] == PR_SET_SYSCALL_USER_DISPATCH) {
                shim_ipcSyscall(nr, args); /* umbra warns; the refusal stays the shim's */
                return -EINVAL;
            }
            return shim_ipcSyscall(nr, args);
        case SYS_prlimit64:
            /* The caller's own limits, named by 0 or its virtual pid: the kernel's, natively. */
            if ((int)args[0] == 0 || (int)args[0] == shim_thread.channel->vpid) {
                long self[6] = {0, args[1], args[2], args[3], 0, 0};
                return _shim_native(nr, self);
            }
            return shim_ipcSyscall(nr, args);
        case SYS_getrusage:
            /* Only RUSAGE_CHILDREN needs umbra, which collects the children. */
            if ((int)args[0] != RUSAGE_CHILDREN) {
                return _shim_native(nr, args);
            }
            return shim_ipcSyscall(nr, args);
        case SYS_clone:
            if ((args[0] & CLONE_PIDFD) && (args[0] & CLONE_PARENT_SETTID)) {
                return -EINVAL; /* clone has one field for both */
            }
            return _shim_clone(nr, args, (args[0] & CLONE_PIDFD) ? args[2] : 0, uc);
        case SYS_fork:
        case SYS_vfork:
            return _shim_clone(nr, args, 0, uc);
        case SYS_clone3:
            return _shim_clone3(args, uc);
        case SYS_execve:
        case SYS_execveat:
            return _shim_exec(nr, args);
        case SYS_signalfd:
        case SYS_signalfd4:
        case SYS_timerfd_create:
            return _shim_emulatedFdCreate(nr, args);
        case SYS_socket:
            return _shim_socket(args);
        case SYS_accept:
        case SYS_accept4:
            return _shim_accept(nr, args);
        case SYS_recvfrom:
        case SYS_sendto:
        case SYS_recvmmsg:
        case SYS_sendmmsg:
            return _shim_socketIo(nr, args, 3);
        case SYS_recvmsg:
        case SYS_sendmsg:
            return _shim_socketIo(nr, args, 2);
        case SYS_pidfd_open: {
            long native = shim_ipcSyscall(nr, args); /* the native pid, or -errno */
            return native < 0 ? native : shim_rawSyscall(SYS_pidfd_open, native, args[1], 0, 0, 0, 0);
        }
        case SYS_set_tid_address: {
            long rv = shim_ipcSyscall(nr, args); /* recorded, then run natively */
            return rv < 0 ? rv : shim_thread.channel->vtid;
        }
        default:
            break;
    }
    if (nr >= 0 && nr < SYSCALL_NUMBER_LIMIT && _shim_class[nr] == SHIM_CLASS_NATIVE) {
        return _shim_fdCall(nr, args);
    }
    return shim_ipcSyscall(nr, args);
}
