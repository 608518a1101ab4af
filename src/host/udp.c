/* UDP sockets: see udp.h. */
#include "host/udp.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "host/host.h"
#include "host/managed_thread.h"
#include "host/netqueue.h"

static void _udpsocket_free(void* object) {
    UdpSocket* sock = object;
    netstack_unbind(host_getNetStack(sock->host), sock);
    nettx_detach(sock->tx); /* what it sent still leaves */
    UdpDatagram* d;
    while ((d = g_queue_pop_head(&sock->queue)) != NULL) {
        g_free(d);
    }
    if (sock->cork != NULL) {
        g_byte_array_free(sock->cork, TRUE);
    }
    g_free(sock);
}

/* One of the socket's packets left the interface queue: as Linux's sock_def_write_space, blocked
 * writers wake once at most half the send buffer is in use, and poll shows POLLOUT again. */
static void _udpsocket_txLeft(void* owner, const Packet* p) {
    UdpSocket* sock = owner;
    uint64_t after = nettx_queuedBytes(sock->tx);
    uint64_t before = after + packet_wireSize(p);
    if (2 * after <= sock->sndbuf && 2 * before > sock->sndbuf) {
        managedthread_wakeObjectWaiters(sock->host, sock->efd->id);
    }
    udpsocket_updateReadiness(sock);
}

bool udpsocket_sendBufferFull(const UdpSocket* sock) {
    return nettx_queuedBytes(sock->tx) >= sock->sndbuf;
}

UdpSocket* udpsocket_new(Host* host, EmulatedFd* efd, uint64_t rcvbuf, uint64_t sndbuf) {
    UdpSocket* sock = g_new0(UdpSocket, 1);
    sock->host = host;
    sock->efd = efd;
    g_queue_init(&sock->queue);
    sock->rcvbuf = rcvbuf;
    sock->sndbuf = sndbuf;
    sock->type = SOCK_DGRAM;
    sock->family = AF_INET;
    sock->tx = nettx_new(_udpsocket_txLeft, sock);
    efd->object = sock;
    efd->free_object = _udpsocket_free;
    return sock;
}

/* Blocked calls on the socket check again; so do threads parked in poll, select and epoll. */
static void _udpsocket_wake(UdpSocket* sock) {
    managedthread_wakeObjectWaiters(sock->host, sock->efd->id);
    managedthread_pollNativeWaiters(sock->host);
}

void udpsocket_updateReadiness(UdpSocket* sock) {
    /* udp_poll (datagram_poll): POLLIN for a datagram queued, and here for a pending error too
     * (Linux says POLLERR, which the placeholder cannot show without POLLHUP); POLLRDHUP|POLLIN
     * after SHUT_RD, POLLHUP after both; POLLOUT while sock_writeable(), under half the send
     * buffer in use. */
    bool readable = !g_queue_is_empty(&sock->queue) || sock->error != 0;
    bool writable = 2 * nettx_queuedBytes(sock->tx) < sock->sndbuf;
    if (emulatedfd_setSocketReadiness(sock->efd, readable, writable, sock->shut_rd,
                                      sock->shut_rd && sock->shut_wr)) {
        _udpsocket_wake(sock);
    }
}

void udpsocket_queued(UdpSocket* sock) {
    emulatedfd_socketDataArrived(sock->efd);
    _udpsocket_wake(sock);
}

void udpsocket_deliver(UdpSocket* sock, Packet* p) {
    /* Linux charges a datagram against SO_RCVBUF and drops it when the queue is over the
     * limit; an empty queue always takes one. */
    if (sock->shut_rd ||
        (sock->queued_bytes > 0 && sock->queued_bytes + p->len > sock->rcvbuf)) {
        return;
    }
    UdpDatagram* d = g_malloc(sizeof(UdpDatagram) + p->len);
    d->from = p->src;
    d->len = p->len;
    if (p->len > 0) {
        memcpy(d->data, p->payload, p->len);
    }
    g_queue_push_tail(&sock->queue, d);
    sock->queued_bytes += p->len;
    udpsocket_queued(sock);
}

void udpsocket_unreachable(UdpSocket* sock, NetAddr to) {
    /* Without IP_RECVERR, Linux reports it only on a connected socket, and only for its peer. */
    if (!sock->connected || sock->peer.ip != to.ip || sock->peer.port != to.port) {
        return;
    }
    sock->error = ECONNREFUSED;
    udpsocket_updateReadiness(sock);
}
