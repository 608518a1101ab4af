/* UDP sockets (compat.md 6.5), as Linux does them: datagrams up to 65507 bytes with their
 * boundaries kept, a receive queue limited by SO_RCVBUF (a datagram that does not fit is dropped),
 * connected UDP (a default peer that also filters what arrives), a pending error (ICMP port
 * unreachable) reported once by the next call.
 *
 * The socket is the object of an emulated descriptor (emulated_fd.h, EMULATED_FD_SOCKET) whose
 * placeholder reports what udp_poll does: POLLIN while a datagram is queued or an error pends
 * (Linux: POLLERR), POLLRDHUP|POLLIN after SHUT_RD, POLLHUP after both, POLLOUT while under half
 * the send buffer is in use; each datagram that arrives is a new EPOLLET edge. So poll, select
 * and epoll on it are native. Threads blocked in a receive or a send wait on the descriptor's id
 * (managedthread_waitObject). */
#ifndef SIM_HOST_UDP_H_
#define SIM_HOST_UDP_H_

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/emulated_fd.h"
#include "host/netstack.h"

#define UDP_MAX_PAYLOAD 65507

typedef struct {
    NetAddr from;
    size_t len;
    uint8_t data[];
} UdpDatagram;

struct _UdpSocket {
    Host* host;            /* borrowed */
    EmulatedFd* efd;       /* the descriptor that owns this socket */
    NetAddr local;         /* bound address (ip 0: any); valid while bound */
    NetAddr peer;          /* the default peer; valid while connected */
    bool bound;            /* registered in the host's stack */
    bool connected;
    bool addr_locked;      /* bound to an address explicitly (kept over a disconnect) */
    bool port_locked;      /* bound to a port explicitly (kept over a disconnect) */
    bool reuse_addr, reuse_port, broadcast;
    bool shut_rd, shut_wr;
    int error;             /* pending error (positive errno), reported once */
    GQueue queue;          /* UdpDatagram*, oldest first */
    uint64_t queued_bytes; /* payload bytes in the queue */
    uint64_t rcvbuf, sndbuf;
    SimTime rcvtimeo;      /* SO_RCVTIMEO (0: none) */
    SimTime sndtimeo;      /* SO_SNDTIMEO (0: none) */
    uint64_t bind_seq;     /* registry order: the earlier bound wins among equals */
    GByteArray* cork;      /* MSG_MORE: the datagram being assembled, or NULL */
    NetAddr cork_dst;      /* its destination */
    NetTx* tx;             /* its packets in the interface queue (netqueue.h) */
    /* An AF_NETLINK/NETLINK_ROUTE socket (netlink.h) is a UdpSocket with `netlink` set: never
     * bound in the stack; its queue holds the kernel's reply datagrams (from 0). */
    bool netlink;
    int family;            /* AF_INET or AF_INET6 (AF_NETLINK for netlink) */
    bool v6only;           /* IPV6_V6ONLY */
    int type;              /* SOCK_DGRAM, or SOCK_RAW (netlink only) */
    int32_t nl_portid;     /* its port id once bound (0: not yet) */
};

/* A new socket owned by `efd` (sets efd->object and its free function). */
UdpSocket* udpsocket_new(Host* host, EmulatedFd* efd, uint64_t rcvbuf, uint64_t sndbuf);

/* A datagram arrived for this socket (payload taken from `p`). */
void udpsocket_deliver(UdpSocket* sock, Packet* p);
/* An ICMP port unreachable for a datagram this socket sent to `to`. */
void udpsocket_unreachable(UdpSocket* sock, NetAddr to);
/* Whether the socket's packets still in the interface queue (wire bytes) fill SO_SNDBUF: a
 * blocking send waits then, a non-blocking one fails with EAGAIN (Linux's sock_alloc_send_pskb);
 * waiters on the descriptor's id are woken once at most half of it is in use. */
bool udpsocket_sendBufferFull(const UdpSocket* sock);
/* The readiness of the placeholder follows the socket's state; wakes blocked calls and parked
 * pollers when an event became reported. Call after any change of the queue, the error, the
 * shutdown state, the send buffer's use or size. */
void udpsocket_updateReadiness(UdpSocket* sock);
/* A datagram was just added to the receive queue: readable, with a new edge for EPOLLET
 * watchers; wakes blocked calls and parked pollers. */
void udpsocket_queued(UdpSocket* sock);

#endif
