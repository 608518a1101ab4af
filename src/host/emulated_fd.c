/* Emulated descriptors on native placeholders: see emulated_fd.h. */
#include "host/emulated_fd.h"

#include <dirent.h>
#include <glib.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/host.h"
#include "host/process.h"
#include "host/object_counter.h"
#include "lib/logger.h"

struct _EmulatedFdSet {
    GPtrArray* fds;   /* EmulatedFd*, in creation order */
    uint64_t next_id; /* the next object's id */
};

static void _emulatedfd_free(gpointer data) {
    EmulatedFd* efd = data;
    if (efd->free_object != NULL) {
        efd->free_object(efd->object);
    }
    objectcounter_free(OBJECT_EMULATED_FD);
    close(efd->dup);
    if (efd->peer >= 0) {
        close(efd->peer);
    }
    g_free(efd);
}

EmulatedFdSet* emulatedfdset_new(void) {
    EmulatedFdSet* set = g_new0(EmulatedFdSet, 1);
    set->fds = g_ptr_array_new_with_free_func(_emulatedfd_free);
    return set;
}

void emulatedfdset_free(EmulatedFdSet* set) {
    if (set == NULL) {
        return;
    }
    g_ptr_array_free(set->fds, TRUE);
    g_free(set);
}

EmulatedFd* emulatedfdset_add(EmulatedFdSet* set, EmulatedFdKind kind, int dup) {
    EmulatedFd* efd = g_new0(EmulatedFd, 1);
    objectcounter_alloc(OBJECT_EMULATED_FD);
    efd->id = ++set->next_id;
    efd->kind = kind;
    efd->dup = dup;
    efd->peer = -1;
    g_ptr_array_add(set->fds, efd);
    return efd;
}

EmulatedFd* emulatedfdset_addSocket(EmulatedFdSet* set, int dup, int peer) {
    EmulatedFd* efd = emulatedfdset_add(set, EMULATED_FD_SOCKET, dup);
    efd->peer = peer;
    /* 0 asks for the least the kernel allows (SOCK_MIN_SNDBUF): on A, so that a little data
     * fills it; on B, so that the readiness bytes B->A cannot pile up. */
    int zero = 0;
    setsockopt(dup, SOL_SOCKET, SO_SNDBUF, &zero, sizeof(zero));
    setsockopt(peer, SOL_SOCKET, SO_SNDBUF, &zero, sizeof(zero));
    return efd;
}

EmulatedFd* emulatedfdset_find(EmulatedFdSet* set, EmulatedFdKind kind, pid_t pid, int fd) {
    if (set == NULL || fd < 0) {
        return NULL;
    }
    pid_t self = getpid();
    for (guint i = 0; i < set->fds->len; i++) {
        EmulatedFd* efd = g_ptr_array_index(set->fds, i);
        if (efd->kind == kind &&
            syscall(SYS_kcmp, pid, self, KCMP_FILE, fd, efd->dup) == 0) {
            return efd;
        }
    }
    return NULL;
}

void emulatedfdset_removeOwner(EmulatedFdSet* set, int32_t owner) {
    if (set == NULL) {
        return;
    }
    for (guint i = set->fds->len; i-- > 0;) {
        EmulatedFd* efd = g_ptr_array_index(set->fds, i);
        if (efd->owner == owner) {
            g_ptr_array_remove_index(set->fds, i); /* keeps the order of the others */
        }
    }
}

EmulatedFd* emulatedfdset_findById(EmulatedFdSet* set, uint64_t id) {
    for (guint i = 0; set != NULL && i < set->fds->len; i++) {
        EmulatedFd* efd = g_ptr_array_index(set->fds, i);
        if (efd->id == id) {
            return efd;
        }
    }
    return NULL;
}

size_t emulatedfdset_count(const EmulatedFdSet* set) {
    return set == NULL ? 0 : set->fds->len;
}

EmulatedFd* emulatedfdset_at(EmulatedFdSet* set, size_t index) {
    return g_ptr_array_index(set->fds, index);
}

bool emulatedfd_post(EmulatedFd* efd, uint64_t n) {
    struct pollfd pfd = {.fd = efd->dup, .events = POLLIN};
    bool was_readable = poll(&pfd, 1, 0) > 0;
    if (write(efd->dup, &n, sizeof(n)) != (ssize_t)sizeof(n)) {
        return false;
    }
    return !was_readable;
}

void emulatedfd_drain(EmulatedFd* efd) {
    /* The program may have read it already (a timerfd read is native), and the eventfd may be
     * a blocking one: poll first, so this never waits. */
    struct pollfd pfd = {.fd = efd->dup, .events = POLLIN};
    uint64_t count;
    if (poll(&pfd, 1, 0) > 0) {
        ssize_t n = read(efd->dup, &count, sizeof(count)); /* fails only if drained meanwhile */
        (void)n;
    }
}

/* ---- Socket placeholders ---------------------------------------------------------------------
 * Every call on the pair is non-blocking whatever the open file's O_NONBLOCK (umbra's duplicate
 * of A shares the program's open file, flags included) and never raises SIGPIPE in umbra. */

#define EMULATED_FD_IO_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

/* Reads whatever is queued on `fd` (end A: readiness bytes; end B: the bytes filling A). */
static void _emulatedfd_drainSocket(int fd) {
    static __thread char buf[4096];
    ssize_t n;
    do {
        n = recv(fd, buf, sizeof(buf), EMULATED_FD_IO_FLAGS);
    } while (n == (ssize_t)sizeof(buf) || (n < 0 && errno == EINTR));
}

static bool _emulatedfd_pollsOut(int fd) {
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT);
}

/* One byte B->A: A readable. B's send buffer holds a few such bytes: when it is full, A's queue
 * is emptied first (nobody reads A natively, and nothing runs in the managed process meanwhile,
 * so A never looks unreadable). */
static void _emulatedfd_sendReadable(EmulatedFd* efd) {
    if (efd->rdhup || efd->peer < 0) {
        return; /* RCV_SHUTDOWN already reports POLLIN */
    }
    if (send(efd->peer, "r", 1, EMULATED_FD_IO_FLAGS) == 1) {
        return;
    }
    _emulatedfd_drainSocket(efd->dup);
    if (send(efd->peer, "r", 1, EMULATED_FD_IO_FLAGS) != 1) {
        log_warning("socket placeholder: cannot make it readable (%s)", strerror(errno));
    }
}

/* Fills A's send buffer until unix_writable() is false: one 1 KiB skb is enough (its truesize
 * is over a quarter of the minimum sk_sndbuf); poll checks, in case a kernel counts less. */
static void _emulatedfd_fillOut(EmulatedFd* efd) {
    static const char zeros[1024];
    for (int i = 0; i < 8; i++) {
        if (send(efd->dup, zeros, sizeof(zeros), EMULATED_FD_IO_FLAGS) < 0 ||
            !_emulatedfd_pollsOut(efd->dup)) {
            return;
        }
    }
}

bool emulatedfd_setSocketReadiness(EmulatedFd* efd, bool readable, bool writable, bool rdhup,
                                   bool hup) {
    if (efd->reset) {
        return false; /* everything is reported already, for good */
    }
    bool raised = false;
    if (hup && !efd->hup) {
        /* B's queue emptied, so POLLOUT stays (A can write no more), but one byte kept in it:
         * a later reset then still finds data unread in B. Without the byte if that one skb
         * already made A unwritable on this kernel. */
        _emulatedfd_drainSocket(efd->peer);
        if (send(efd->dup, "h", 1, EMULATED_FD_IO_FLAGS) == 1 && !_emulatedfd_pollsOut(efd->dup)) {
            _emulatedfd_drainSocket(efd->peer);
        }
        shutdown(efd->peer, SHUT_RDWR);
        raised = true;
        efd->hup = efd->rdhup = efd->ready = true;
        efd->unwritable = false;
    } else if (rdhup && !efd->rdhup) {
        shutdown(efd->peer, SHUT_WR);
        raised = true;
        efd->rdhup = efd->ready = true;
    }
    if (readable && !efd->ready) {
        _emulatedfd_sendReadable(efd);
        efd->ready = raised = true;
    } else if (!readable && efd->ready && !efd->rdhup) {
        _emulatedfd_drainSocket(efd->dup);
        efd->ready = false;
    }
    if (efd->hup) {
        return raised; /* A's SEND_SHUTDOWN: it stays writable */
    }
    if (writable && efd->unwritable) {
        _emulatedfd_drainSocket(efd->peer);
        efd->unwritable = false;
        raised = true;
    } else if (!writable && !efd->unwritable) {
        _emulatedfd_fillOut(efd);
        efd->unwritable = true;
    }
    return raised;
}

bool emulatedfd_socketDataArrived(EmulatedFd* efd) {
    if (efd->reset) {
        return true;
    }
    _emulatedfd_sendReadable(efd);
    efd->ready = true;
    return true;
}

bool emulatedfd_socketReset(EmulatedFd* efd) {
    if (efd->reset) {
        return false;
    }
    if (!efd->hup && !efd->unwritable) {
        /* Data unread in B when it closes: unix_release_sock sets ECONNRESET on A. */
        if (send(efd->dup, "x", 1, EMULATED_FD_IO_FLAGS) != 1) {
            log_warning("socket placeholder: cannot prepare the reset (%s)", strerror(errno));
        }
    }
    close(efd->peer); /* B's queue goes with it, so A is writable again */
    efd->peer = -1;
    efd->reset = efd->hup = efd->rdhup = efd->ready = true;
    efd->unwritable = false;
    return true;
}

void emulatedfd_takeSocketError(EmulatedFd* efd) {
    if (!efd->reset) {
        return;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(efd->dup, SOL_SOCKET, SO_ERROR, &err, &len); /* reading it clears sk_err */
}

void emulatedfdset_remove(EmulatedFdSet* set, EmulatedFd* efd) {
    g_ptr_array_remove(set->fds, efd); /* keeps the order of the others; frees it */
}

int32_t emulatedfd_findHolder(Host* host, const EmulatedFd* efd, const Process* except,
                              int except_fd) {
    pid_t self = getpid();
    /* In virtual pid order, so the answer does not depend on the native pids. */
    for (size_t i = 0; i < host_getProcessCount(host); i++) {
        Process* p = host_getProcess(host, i);
        pid_t pid = process_getLiveNativeTid(p); /* its table, even if its leader is gone */
        if (process_isZombie(p) || pid <= 0 || (p == except && except_fd < 0)) {
            continue;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
        DIR* dir = opendir(path);
        if (dir == NULL) {
            continue;
        }
        struct dirent* e;
        bool found = false;
        while (!found && (e = readdir(dir)) != NULL) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') {
                continue;
            }
            int fd = atoi(e->d_name);
            if (p == except && fd == except_fd) {
                continue;
            }
            found = syscall(SYS_kcmp, pid, self, KCMP_FILE, fd, efd->dup) == 0;
        }
        closedir(dir);
        if (found) {
            return process_getVirtualPid(p);
        }
    }
    return -1;
}

void emulatedfdset_handOver(Host* host, EmulatedFdSet* set, const Process* owner) {
    int32_t vpid = process_getVirtualPid(owner);
    for (guint i = 0; set != NULL && i < set->fds->len; i++) {
        EmulatedFd* efd = g_ptr_array_index(set->fds, i);
        if (efd->owner == vpid && efd->kind == EMULATED_FD_SOCKET) {
            int32_t holder = emulatedfd_findHolder(host, efd, owner, -1);
            if (holder >= 0) {
                efd->owner = holder;
            }
        }
    }
}
