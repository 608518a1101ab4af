/* Descriptors umbra emulates on top of a native placeholder (architecture.md 6): signalfd,
 * timerfd and sockets (udp.h). The managed process holds a real eventfd at the descriptor's number, so the kernel's
 * lowest-free-number rule, dup, fcntl, close-on-exec, fork and polling (poll, select, epoll) all
 * work natively on it; umbra keeps a duplicate of that eventfd (pidfd_getfd) and makes it
 * readable exactly when the emulated object is (a signal of the mask pending; a timer expired).
 * For a timerfd the eventfd's counter is the expiration count, so a native read returns what a
 * timerfd read returns; a signalfd read is answered by umbra (UMBRA_SYSCALL_SIGNALFD_READ).
 *
 * An object is found again from a descriptor of any process through kcmp(KCMP_FILE), which
 * follows dup and fork: it is the open file that carries the object, as in Linux. Objects live
 * until the process that created them ends.
 *
 * Threading: like everything on a host, only touched by the thread running the host. */
#ifndef SIM_HOST_EMULATED_FD_H_
#define SIM_HOST_EMULATED_FD_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/simtime.h"

typedef enum { EMULATED_FD_SIGNALFD = 1, EMULATED_FD_TIMERFD, EMULATED_FD_SOCKET } EmulatedFdKind;

typedef struct {
    uint64_t id;        /* unique on the host, so events can find it again */
    EmulatedFdKind kind;
    int dup;            /* umbra's duplicate of the placeholder eventfd */
    bool ready;         /* signalfd: the placeholder is readable (a signal of the mask pends) */
    /* signalfd */
    uint64_t mask;      /* the signals it reads */
    /* timerfd */
    int clockid;
    SimTime deadline;   /* next expiry (0: disarmed) */
    SimTime interval;   /* period (0: one-shot) */
    uint64_t generation;/* bumped on every arming, so stale expiry events do nothing */
    int32_t owner;      /* virtual pid of the creating process */
    /* socket (udp.h): the object, freed with the descriptor */
    void* object;
    void (*free_object)(void* object);
    bool tcp;           /* the object is a TcpSocket (tcp_socket.h), else a UdpSocket */
} EmulatedFd;

typedef struct _EmulatedFdSet EmulatedFdSet;
typedef struct _Host Host;
typedef struct _Process Process;

EmulatedFdSet* emulatedfdset_new(void);
void emulatedfdset_free(EmulatedFdSet* set);
/* Registers an object on umbra's duplicate `dup` (taken over). Returns it (borrowed). */
EmulatedFd* emulatedfdset_add(EmulatedFdSet* set, EmulatedFdKind kind, int dup);
/* The object of `kind` carried by descriptor `fd` of native process `pid`, or NULL. */
EmulatedFd* emulatedfdset_find(EmulatedFdSet* set, EmulatedFdKind kind, pid_t pid, int fd);
/* The virtual pid of a live process of `host` with a descriptor on `efd`'s open file, other than
 * descriptor `except_fd` of process `except` (except_fd -1: none of that process), or -1. Scans
 * /proc/<tid>/fd with kcmp: for closes and exits, not for hot paths. */
int32_t emulatedfd_findHolder(Host* host, const EmulatedFd* efd, const Process* except,
                              int except_fd);
/* Process `owner` ended: its sockets that another process still holds (a forked child, say)
 * become that process's, so they live on. */
void emulatedfdset_handOver(Host* host, EmulatedFdSet* set, const Process* owner);
/* Forgets the objects created by process `owner` (it ended). */
void emulatedfdset_removeOwner(EmulatedFdSet* set, int32_t owner);
EmulatedFd* emulatedfdset_findById(EmulatedFdSet* set, uint64_t id);
size_t emulatedfdset_count(const EmulatedFdSet* set);
EmulatedFd* emulatedfdset_at(EmulatedFdSet* set, size_t index);
/* Removes and frees one object. */
void emulatedfdset_remove(EmulatedFdSet* set, EmulatedFd* efd);

/* Adds `n` to the placeholder's counter (readable from then on). Returns true if it was not
 * readable before. */
bool emulatedfd_post(EmulatedFd* efd, uint64_t n);
/* Empties the placeholder's counter (not readable any more). */
void emulatedfd_drain(EmulatedFd* efd);
/* A socket's placeholder shows these poll events. */
void emulatedfd_setSocketReadiness(EmulatedFd* efd, bool readable, bool writable, bool rdhup,
                                   bool hup);

#endif
