/* AF_UNIX sockets: native sockets, one namespace per host (docs/design.md, "AF_UNIX sockets").
 *
 * The kernel implements them; umbra only decides what a call may reach and which address it uses:
 * - abstract names are per network namespace, which every host and every other program of the
 *   machine share: umbra puts "umbra-<umbra pid>-<host id>-" in front of every abstract name a
 *   program gives (bind, connect, sendto, sendmsg) and removes it from every address the program
 *   gets back (getsockname, getpeername here; accept, recvfrom, recvmsg and recvmmsg in the shim,
 *   which gets the prefix with the answer);
 * - autobind (bind with only sun_family, or a connect or send from an unbound socket with
 *   SO_PASSCRED) takes a 5-hex-digit name from the host generator, as Linux takes one at random,
 *   and binds its prefixed form here, so the name does not depend on the kernel's randomness;
 * - pathname sockets live in the real filesystem (hosts run in their own directories, so relative
 *   paths are per host). The shim binds them, in the process (its cwd, umask and credentials),
 *   and reports the bind (UMBRA_SYSCALL_UNIX_BOUND): umbra records the socket file's (device,
 *   inode) with the host. A connect or a datagram send to a pathname goes through only when the
 *   file is one a process of the same host bound in this run; anything else (the machine's
 *   /run sockets, another host's) is ECONNREFUSED, as Linux says when nothing listens.
 * Calls that may wait (connect, accept, sends and receives) are answered SYSCALL_NATIVE_UNIX: the
 * shim makes them natively with the address given in the answer and waits in simulated time. */
#include "host/syscall/unix.h"

#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ipc.h"
#include "lib/logger.h"
#include "lib/rng.h"

#define UNIX_PATH_OFFSET offsetof(struct sockaddr_un, sun_path)
#define UNIX_PREFIX_MAX 64
#define UNIX_AUTOBIND_NAMES 0x100000 /* Linux's autobind names: 5 hex digits */

typedef struct {
    union {
        struct sockaddr_un sun;
        struct sockaddr_storage any; /* what getsockname may write on a socket of any family */
    };
    socklen_t len;
} UnixAddr;

/* ---- Addresses ------------------------------------------------------------------------------ */

/* The abstract-name prefix of the calling host in this run; returns its length. */
static size_t _unix_prefix(const SyscallContext* ctx, char out[UNIX_PREFIX_MAX]) {
    return (size_t)snprintf(out, UNIX_PREFIX_MAX, "umbra-%d-%u-", (int)getpid(),
                            (unsigned)host_getId(ctx->host));
}

static bool _unix_isAbstract(const UnixAddr* a) {
    return a->len > UNIX_PATH_OFFSET && a->sun.sun_family == AF_UNIX && a->sun.sun_path[0] == '\0';
}

/* Reads a sockaddr_un of `len` bytes, checked as Linux's unix_validate_addr. */
static int _unix_readAddr(SyscallContext* ctx, uint64_t addr, int64_t len, UnixAddr* out) {
    memset(out, 0, sizeof(*out));
    if (len <= (int64_t)UNIX_PATH_OFFSET || len > (int64_t)sizeof(out->sun)) {
        return -EINVAL;
    }
    if (process_readMemory(ctx->process, addr, &out->sun, (size_t)len) != 0) {
        return -EFAULT;
    }
    out->len = (socklen_t)len;
    return out->sun.sun_family == AF_UNIX ? 0 : -EINVAL;
}

/* An abstract name of the program's becomes the host's: EINVAL if the prefixed name no longer
 * fits in sun_path (Linux takes up to 107 bytes of name; umbra leaves 107 minus the prefix). */
static int _unix_addPrefix(const SyscallContext* ctx, UnixAddr* a) {
    char prefix[UNIX_PREFIX_MAX];
    size_t plen = _unix_prefix(ctx, prefix);
    size_t name = a->len - UNIX_PATH_OFFSET - 1;
    if (UNIX_PATH_OFFSET + 1 + plen + name > sizeof(a->sun)) {
        return -EINVAL;
    }
    memmove(a->sun.sun_path + 1 + plen, a->sun.sun_path + 1, name);
    memcpy(a->sun.sun_path + 1, prefix, plen);
    a->len += (socklen_t)plen;
    return 0;
}

/* The other way: an abstract name of the host's, as its program gave it. */
static void _unix_stripPrefix(const SyscallContext* ctx, UnixAddr* a) {
    char prefix[UNIX_PREFIX_MAX];
    size_t plen = _unix_prefix(ctx, prefix);
    if (_unix_isAbstract(a) && a->len >= UNIX_PATH_OFFSET + 1 + plen &&
        memcmp(a->sun.sun_path + 1, prefix, plen) == 0) {
        size_t name = a->len - UNIX_PATH_OFFSET - 1 - plen;
        memmove(a->sun.sun_path + 1, a->sun.sun_path + 1 + plen, name);
        a->len -= (socklen_t)plen;
    }
}

/* Writes `a` to the program's buffer whose room is at `len_addr`, as Linux's move_addr_to_user:
 * at most the room is copied, the full length is written back. */
static int _unix_writeAddr(SyscallContext* ctx, uint64_t addr, uint64_t len_addr,
                           const UnixAddr* a) {
    int32_t room;
    if (process_readMemory(ctx->process, len_addr, &room, sizeof(room)) != 0) {
        return -EFAULT;
    }
    if (room < 0) {
        return -EINVAL;
    }
    size_t n = (size_t)room < a->len ? (size_t)room : a->len;
    if (n > 0 && process_writeMemory(ctx->process, addr, &a->sun, n) != 0) {
        return -EFAULT;
    }
    int32_t full = (int32_t)a->len;
    return process_writeMemory(ctx->process, len_addr, &full, sizeof(full)) != 0 ? -EFAULT : 0;
}

/* ---- Pathname sockets: the files bound in this run, by host --------------------------------- */

/* "<device>:<inode>" -> the id of the host whose process bound the socket file (the latest bind
 * wins, so a reused inode belongs to its new owner). Hosts run on several workers: locked. */
static GMutex _unix_filesLock;
static GHashTable* _unix_files;

/* stat of a pathname address, as the calling process resolves it (a relative one from its cwd). */
static int _unix_statPath(SyscallContext* ctx, const UnixAddr* a, struct stat* st) {
    char path[sizeof(a->sun.sun_path) + 1];
    size_t n = a->len - UNIX_PATH_OFFSET;
    memcpy(path, a->sun.sun_path, n);
    path[n] = '\0';
    char* full = path[0] == '/' ? g_strdup(path)
                                : g_strdup_printf("/proc/%d/cwd/%s",
                                                  (int)process_getNativePid(ctx->process), path);
    int rv = stat(full, st) == 0 ? 0 : -errno;
    g_free(full);
    return rv;
}

static char* _unix_fileKey(const struct stat* st) {
    return g_strdup_printf("%llx:%llx", (unsigned long long)st->st_dev,
                           (unsigned long long)st->st_ino);
}

/* Whether the pathname `a` may be reached from the calling host: 0, the lookup's error (ENOENT,
 * ENOTDIR, EACCES, ...), or ECONNREFUSED when the file is no socket this host bound. */
static int _unix_checkPath(SyscallContext* ctx, const UnixAddr* a) {
    static int warned;
    struct stat st;
    int rv = _unix_statPath(ctx, a, &st);
    if (rv != 0) {
        return rv;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return -ECONNREFUSED; /* as Linux for a file that is no socket */
    }
    char* key = _unix_fileKey(&st);
    g_mutex_lock(&_unix_filesLock);
    gpointer owner = _unix_files != NULL ? g_hash_table_lookup(_unix_files, key) : NULL;
    g_mutex_unlock(&_unix_filesLock);
    g_free(key);
    if (owner == GUINT_TO_POINTER(host_getId(ctx->host) + 1)) {
        return 0;
    }
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
        log_warning("process '%s': a unix socket file that no process of its host bound in this "
                    "run (another host's, or the machine's) cannot be reached (ECONNREFUSED); "
                    "further cases are not reported",
                    process_getName(ctx->process));
    }
    return -ECONNREFUSED;
}

/* UMBRA_SYSCALL_UNIX_BOUND (fd): the shim bound `fd` to a pathname; the socket file becomes the
 * host's. */
SyscallReturn syscallhandler_umbraUnixBound(SyscallContext* ctx) {
    int dup = process_dupNativeFd(ctx->process, (int)ctx->args[0]);
    if (dup < 0) {
        return syscall_done(dup);
    }
    UnixAddr a = {.len = sizeof(a.any)};
    int rv = getsockname(dup, (struct sockaddr*)&a.any, &a.len) == 0 ? 0 : -errno;
    close(dup);
    struct stat st;
    if (rv != 0 || a.len <= UNIX_PATH_OFFSET || a.sun.sun_family != AF_UNIX ||
        _unix_isAbstract(&a) || _unix_statPath(ctx, &a, &st) != 0) {
        return syscall_done(rv != 0 ? rv : -EINVAL);
    }
    g_mutex_lock(&_unix_filesLock);
    if (_unix_files == NULL) {
        _unix_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    g_hash_table_insert(_unix_files, _unix_fileKey(&st),
                        GUINT_TO_POINTER(host_getId(ctx->host) + 1));
    g_mutex_unlock(&_unix_filesLock);
    return syscall_done(0);
}

/* ---- Binding ----------------------------------------------------------------------------------- */

/* Binds umbra's duplicate `dup` of the socket to a name from the host generator, unless it is
 * bound already (Linux's unix_autobind: a random 5-hex-digit abstract name, the next one while
 * taken, ENOSPC when all are). */
static int _unix_autobind(SyscallContext* ctx, int dup) {
    UnixAddr cur = {.len = sizeof(cur.any)};
    if (getsockname(dup, (struct sockaddr*)&cur.any, &cur.len) != 0) {
        return -errno;
    }
    if (cur.len > UNIX_PATH_OFFSET) {
        return 0;
    }
    uint32_t order = (uint32_t)rng_nextBounded(host_getRng(ctx->host), UNIX_AUTOBIND_NAMES);
    for (uint32_t tries = 0; tries < UNIX_AUTOBIND_NAMES; tries++) {
        UnixAddr a = {.sun.sun_family = AF_UNIX, .len = UNIX_PATH_OFFSET + 6};
        char name[8];
        snprintf(name, sizeof(name), "%05x", (unsigned)order);
        memcpy(a.sun.sun_path + 1, name, 5);
        if (_unix_addPrefix(ctx, &a) != 0) {
            return -EINVAL;
        }
        if (bind(dup, (struct sockaddr*)&a.sun, a.len) == 0) {
            return 0;
        }
        if (errno != EADDRINUSE) {
            return -errno;
        }
        order = (order + 1) % UNIX_AUTOBIND_NAMES;
    }
    return -ENOSPC;
}

/* Before a connect or a datagram send: Linux autobinds an unbound sender with SO_PASSCRED (so the
 * receiver can tell who sent). Returns 0 or -errno. */
static int _unix_autobindForCredentials(SyscallContext* ctx, int dup) {
    int passcred = 0;
    socklen_t len = sizeof(passcred);
    if (getsockopt(dup, SOL_SOCKET, SO_PASSCRED, &passcred, &len) != 0 || !passcred) {
        return 0;
    }
    return _unix_autobind(ctx, dup);
}

/* Runs `fn` on umbra's duplicate of the caller's socket: its result, or the dup's error. */
static int _unix_onDup(SyscallContext* ctx, int (*fn)(SyscallContext*, int, void*), void* arg) {
    int dup = process_dupNativeFd(ctx->process, (int)ctx->args[0]);
    if (dup < 0) {
        return dup;
    }
    int rv = fn(ctx, dup, arg);
    close(dup);
    return rv;
}

static int _unix_bindDup(SyscallContext* ctx, int dup, void* arg) {
    const UnixAddr* a = arg;
    if (a == NULL) {
        return _unix_autobind(ctx, dup);
    }
    return bind(dup, (const struct sockaddr*)&a->sun, a->len) == 0 ? 0 : -errno;
}

static int _unix_autobindDup(SyscallContext* ctx, int dup, void* arg) {
    (void)arg;
    return _unix_autobindForCredentials(ctx, dup);
}

static int _unix_typeDup(SyscallContext* ctx, int dup, void* arg) {
    (void)ctx;
    socklen_t len = sizeof(int);
    return getsockopt(dup, SOL_SOCKET, SO_TYPE, arg, &len) == 0 ? 0 : -errno;
}

/* The answer that has the shim make the call natively: with `a` instead of the program's address
 * (NULL: the program's own), removing the host's prefix from the addresses it returns, and
 * reporting a successful bind if `report_bind`. */
static SyscallReturn _unix_native(SyscallContext* ctx, const UnixAddr* a, bool report_bind) {
    char prefix[UNIX_PREFIX_MAX];
    size_t plen = _unix_prefix(ctx, prefix);
    ctx->reply_args[0] = a != NULL ? (int64_t)a->len : 0;
    if (a != NULL) {
        memcpy(ctx->reply_payload, &a->sun, a->len);
    }
    memcpy(ctx->reply_payload + IPC_UNIX_PREFIX_OFFSET, prefix, plen);
    ctx->reply_args[1] = (int64_t)plen;
    ctx->reply_args[2] = report_bind;
    return syscall_nativeUnix();
}

/* bind(fd, addr, len): autobind and abstract names here, on umbra's duplicate; pathnames by the
 * shim in the process, then recorded. */
static SyscallReturn _unix_bind(SyscallContext* ctx) {
    int64_t len = (int32_t)ctx->args[2];
    sa_family_t family = 0;
    if (len == (int64_t)UNIX_PATH_OFFSET) {
        if (process_readMemory(ctx->process, (uint64_t)ctx->args[1], &family, sizeof(family)) !=
            0) {
            return syscall_done(-EFAULT);
        }
        if (family == AF_UNIX) {
            return syscall_done(_unix_onDup(ctx, _unix_bindDup, NULL));
        }
    }
    UnixAddr a;
    int rv = _unix_readAddr(ctx, (uint64_t)ctx->args[1], len, &a);
    if (rv != 0) {
        return syscall_done(rv);
    }
    if (!_unix_isAbstract(&a)) {
        return _unix_native(ctx, NULL, true);
    }
    rv = _unix_addPrefix(ctx, &a);
    return syscall_done(rv != 0 ? rv : _unix_onDup(ctx, _unix_bindDup, &a));
}

/* A destination the program names (connect, a datagram's address): the host's form of an
 * abstract name, or a pathname this host bound. Returns 0 or -errno. */
static int _unix_destination(SyscallContext* ctx, uint64_t addr, int64_t len, UnixAddr* a) {
    int rv = _unix_readAddr(ctx, addr, len, a);
    if (rv != 0) {
        return rv;
    }
    return _unix_isAbstract(a) ? _unix_addPrefix(ctx, a) : _unix_checkPath(ctx, a);
}

/* connect(fd, addr, len). AF_UNSPEC (a datagram socket's disconnect) is the kernel's. */
static SyscallReturn _unix_connect(SyscallContext* ctx) {
    int64_t len = (int32_t)ctx->args[2];
    sa_family_t family = AF_UNIX;
    if (len >= (int64_t)sizeof(family) &&
        process_readMemory(ctx->process, (uint64_t)ctx->args[1], &family, sizeof(family)) != 0) {
        return syscall_done(-EFAULT);
    }
    if (family == AF_UNSPEC) {
        return syscall_native();
    }
    UnixAddr a;
    int rv = _unix_destination(ctx, (uint64_t)ctx->args[1], len, &a);
    if (rv == 0) {
        rv = _unix_onDup(ctx, _unix_autobindDup, NULL);
    }
    return rv != 0 ? syscall_done(rv) : _unix_native(ctx, &a, false);
}

/* sendto and sendmsg: only a datagram socket's address goes anywhere (a stream socket refuses
 * one, a seqpacket socket ignores it: the kernel's answer either way). */
static SyscallReturn _unix_send(SyscallContext* ctx, uint64_t name, int64_t namelen) {
    int type = 0;
    int rv = _unix_onDup(ctx, _unix_typeDup, &type);
    if (rv != 0) {
        return syscall_done(rv);
    }
    if (type != SOCK_DGRAM) {
        return _unix_native(ctx, NULL, false);
    }
    UnixAddr a;
    if (name != 0 && namelen != 0) {
        rv = _unix_destination(ctx, name, namelen, &a);
    }
    if (rv == 0) {
        rv = _unix_onDup(ctx, _unix_autobindDup, NULL);
    }
    if (rv != 0) {
        return syscall_done(rv);
    }
    return _unix_native(ctx, name != 0 && namelen != 0 ? &a : NULL, false);
}

/* getsockname and getpeername, on umbra's duplicate, without the host's prefix. */
static SyscallReturn _unix_name(SyscallContext* ctx, bool peer) {
    int dup = process_dupNativeFd(ctx->process, (int)ctx->args[0]);
    if (dup < 0) {
        return syscall_done(dup);
    }
    UnixAddr a = {.len = sizeof(a.any)};
    int rv = (peer ? getpeername : getsockname)(dup, (struct sockaddr*)&a.any, &a.len) == 0
                 ? 0
                 : -errno;
    close(dup);
    if (rv != 0) {
        return syscall_done(rv);
    }
    _unix_stripPrefix(ctx, &a);
    return syscall_done(
        _unix_writeAddr(ctx, (uint64_t)ctx->args[1], (uint64_t)ctx->args[2], &a));
}

/* Whether an mmsghdr vector names a destination in any of its first `n` messages. */
static bool _unix_mmsgHasName(SyscallContext* ctx, uint64_t vec, unsigned n) {
    for (unsigned i = 0; i < n && i < 1024; i++) {
        uint64_t name = 0;
        if (process_readMemory(ctx->process, vec + i * sizeof(struct mmsghdr), &name,
                               sizeof(name)) != 0 ||
            name != 0) {
            return true;
        }
    }
    return false;
}

SyscallReturn unix_socket(SyscallContext* ctx) {
    (void)ctx;
    return syscall_native();
}

pid_t unix_virtualPid(Host* host, pid_t native) {
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* p = host_getProcess(host, i);
        if (process_getNativePid(p) == native) {
            return process_getVirtualPid(p);
        }
    }
    return 0; /* a process outside the host (there is none that can reach its sockets) */
}

/* UMBRA_SYSCALL_UNIX_VPID (native pid): the virtual pid of a process of the caller's host, or 0
 * (SCM_CREDENTIALS received: the kernel writes native pids). */
SyscallReturn syscallhandler_umbraUnixVpid(SyscallContext* ctx) {
    return syscall_done(unix_virtualPid(ctx->host, (pid_t)ctx->args[0]));
}

SyscallReturn unix_nativeCall(SyscallContext* ctx) {
    static int warned;
    switch (ctx->number) {
        case SYS_bind: return _unix_bind(ctx);
        case SYS_connect: return _unix_connect(ctx);
        case SYS_sendto: return _unix_send(ctx, (uint64_t)ctx->args[4], (int32_t)ctx->args[5]);
        case SYS_sendmsg: {
            struct msghdr msg;
            if (process_readMemory(ctx->process, (uint64_t)ctx->args[1], &msg, sizeof(msg)) != 0) {
                return syscall_done(-EFAULT);
            }
            return _unix_send(ctx, (uint64_t)(uintptr_t)msg.msg_name, (int32_t)msg.msg_namelen);
        }
        case SYS_sendmmsg:
            if (_unix_mmsgHasName(ctx, (uint64_t)ctx->args[1], (unsigned)ctx->args[2])) {
                if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
                    log_warning("process '%s': sendmmsg with destination addresses on a unix "
                                "socket is not supported (EOPNOTSUPP); further cases are not "
                                "reported",
                                process_getName(ctx->process));
                }
                return syscall_done(-EOPNOTSUPP);
            }
            return _unix_native(ctx, NULL, false);
        case SYS_accept:
        case SYS_accept4:
        case SYS_recvfrom:
        case SYS_recvmsg:
        case SYS_recvmmsg: return _unix_native(ctx, NULL, false);
        case SYS_getsockname: return _unix_name(ctx, false);
        case SYS_getpeername: return _unix_name(ctx, true);
        default: return syscall_native(); /* listen, shutdown, options: the kernel's */
    }
}
