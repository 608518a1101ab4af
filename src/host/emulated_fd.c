/* Emulated descriptors on native placeholders: see emulated_fd.h. */
#include "host/emulated_fd.h"

#include <dirent.h>
#include <glib.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/host.h"
#include "host/process.h"
#include "host/object_counter.h"

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
    g_ptr_array_add(set->fds, efd);
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

void emulatedfd_setSocketReadiness(EmulatedFd* efd, bool readable, bool writable, bool rdhup,
                                   bool hup) {
    (void)writable; /* an eventfd is always writable */
    (void)rdhup;
    (void)hup;
    if (readable && !efd->ready) {
        efd->ready = true;
        emulatedfd_post(efd, 1);
    } else if (!readable && efd->ready) {
        efd->ready = false;
        emulatedfd_drain(efd);
    }
}
