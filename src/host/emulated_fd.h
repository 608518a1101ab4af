/* Descriptors umbra emulates on top of a native placeholder (architecture.md 6): signalfd,
 * timerfd and sockets (udp.h). The managed process holds a real descriptor at the number, so the
 * kernel's lowest-free-number rule, dup, fcntl, close-on-exec, fork and polling (poll, select,
 * epoll) all work natively on it; umbra keeps a duplicate of it (pidfd_getfd) and sets what
 * polling it reports.
 *
 * Signalfd and timerfd: the placeholder is an eventfd, readable exactly when the emulated object
 * is (a signal of the mask pending; a timer expired). For a timerfd the eventfd's counter is the
 * expiration count, so a native read returns what a timerfd read returns; a signalfd read is
 * answered by umbra (UMBRA_SYSCALL_SIGNALFD_READ).
 *
 * Sockets: the placeholder is end A of a native AF_UNIX SOCK_STREAM socketpair the shim made;
 * umbra holds a duplicate of A (`dup`) and the only descriptor of the other end B (`peer`), and
 * both ends' SO_SNDBUF are at the minimum (4608 bytes). Nothing but umbra reads or writes either
 * end (the shim sends every I/O call on a socket to umbra), so the bytes in the pair only carry
 * readiness. What native poll reports on A, and how umbra makes it so (Linux's unix_poll):
 *   POLLIN                one byte B->A waits in A's receive queue; a recv on A drains it.
 *   no POLLOUT            A->B bytes fill A's send buffer: unix_writable() is false once A's
 *                         sk_wmem_alloc is over a quarter of its sk_sndbuf (one skb of 1 KiB is
 *                         enough); a recv on B drains them and the kernel wakes POLLOUT waiters.
 *   POLLIN|POLLRDHUP      shutdown(B, SHUT_WR) (A's RCV_SHUTDOWN): tcp_poll's answer once the
 *                         peer's FIN came, udp_poll's after SHUT_RD.
 *   POLLHUP|POLLIN|POLLRDHUP  shutdown(B, SHUT_RDWR) (A's SHUTDOWN_MASK): tcp_poll's and
 *                         udp_poll's answer once shut down both ways.
 *   POLLERR|POLLHUP|POLLIN|POLLRDHUP|POLLOUT  close(B) with a byte unread in B's receive queue
 *                         (unix_release_sock sets ECONNRESET on A): tcp_poll's answer after a
 *                         reset; POLLERR goes once SO_ERROR is read on A.
 * The bytes for POLLIN (B->A) and those for "not writable" (A->B) travel in opposite directions,
 * so the two never mix. Hang-ups and the reset are for good, as Linux's sk_shutdown: afterwards
 * umbra never reads A again (a recv on an empty A would consume the ECONNRESET). What cannot be
 * shown: POLLERR without POLLHUP (unix sockets set sk_err only when the peer goes), so a UDP
 * socket's pending error shows as POLLIN; POLLHUP without POLLIN|POLLRDHUP (a new TCP socket's
 * POLLOUT|POLLHUP); POLLPRI. Each arrival of data may write one more byte into B, so that an
 * EPOLLET watcher gets an edge per arrival as with Linux (sock_def_readable wakes on every skb).
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
    int dup;            /* umbra's duplicate of the placeholder (eventfd, or socket end A) */
    bool ready;         /* signalfd and socket: the placeholder is readable */
    /* socket placeholder (see above) */
    int peer;           /* umbra's end B of the pair; -1 for other kinds and after a reset */
    bool unwritable;    /* A->B bytes fill A's send buffer: no POLLOUT */
    bool rdhup;         /* B shut for writing: POLLIN|POLLRDHUP for good */
    bool hup;           /* B shut both ways: POLLHUP too, for good */
    bool reset;         /* B closed with bytes unread: POLLERR until taken, then as hup */
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
/* Registers a socket on umbra's duplicates of the placeholder pair's ends A (`dup`) and B
 * (`peer`), both taken over; sets both send buffers to the minimum. It starts writable, not
 * readable (a new UDP socket's POLLOUT). Returns it (borrowed). */
EmulatedFd* emulatedfdset_addSocket(EmulatedFdSet* set, int dup, int peer);
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

/* Eventfd placeholders (signalfd, timerfd). Adds `n` to the placeholder's counter (readable from
 * then on). Returns true if it was not readable before. */
bool emulatedfd_post(EmulatedFd* efd, uint64_t n);
/* Empties the placeholder's counter (not readable any more). */
void emulatedfd_drain(EmulatedFd* efd);

/* Socket placeholders (kind EMULATED_FD_SOCKET), as above. None of these wakes anyone: when one
 * returns true, the caller wakes threads parked in poll, select or epoll on native descriptors
 * (managedthread_pollNativeWaiters) and, as its object requires, threads blocked on the socket
 * (managedthread_wakeObjectWaiters with efd->id).
 *
 * Sets what poll reports on the placeholder: POLLIN if `readable`, POLLOUT if `writable`;
 * `rdhup` adds POLLRDHUP|POLLIN and `hup` POLLHUP|POLLRDHUP|POLLIN, for good (false later changes
 * nothing). After `hup` or a reset POLLOUT stays (as tcp_poll's SEND_SHUTDOWN answer). Returns
 * true if an event became reported that was not (readable, writable, rdhup or hup). */
bool emulatedfd_setSocketReadiness(EmulatedFd* efd, bool readable, bool writable, bool rdhup,
                                   bool hup);
/* Data arrived again: readable, and an EPOLLET watcher gets a new edge even if the placeholder
 * was readable already (one more byte B->A; A's queue is drained first when B's send buffer is
 * full, so it never holds more than a few). Always returns true. */
bool emulatedfd_socketDataArrived(EmulatedFd* efd);
/* The connection was reset: POLLERR|POLLHUP|POLLIN|POLLRDHUP|POLLOUT for good (POLLERR until
 * emulatedfd_takeSocketError). Also after `hup`: the hang-up leaves one byte in B for this,
 * unless that byte alone made A unwritable on the running kernel (then no POLLERR). Returns true
 * if it was not reset yet. */
bool emulatedfd_socketReset(EmulatedFd* efd);
/* The reset's error was reported to the program: POLLERR goes (the rest stays). */
void emulatedfd_takeSocketError(EmulatedFd* efd);

#endif
