/* A host's side of the network: see netstack.h. */
#include "host/netstack.h"

#include <errno.h>
#include <sys/socket.h>
#include <glib.h>

#include "host/host.h"
#include "host/ipv4.h"
#include "host/netqueue.h"
#include "host/network.h"
#include "host/pcap.h"
#include "host/tcp.h"
#include "host/tcp_socket.h"
#include "host/udp.h"
#include "host/worker.h"
#include "lib/logger.h"

/* One direction of shaping (Shadow's relay): a token bucket and the packet waiting for it. */
typedef struct {
    bool limited; /* a bandwidth is set (0 means unlimited) */
    TokenBucket bucket;
    Packet* held;      /* taken from its queue, waiting for tokens */
    bool retry_queued; /* a retry event is queued */
} NetRelay;

struct _NetStack {
    Host* host;             /* borrowed */
    GPtrArray* bound;       /* UdpSocket*, in bind order (the registry) */
    uint64_t next_seq;      /* bind order */
    uint64_t next_priority; /* data packets in write order (the fifo qdisc's order) */
    NetQdisc qdisc;         /* eth0's send queue */
    NetTx* own_tx;          /* the stack's own packets (ICMP) */
    NetRelay up;            /* eth0 -> router: the upload bucket */
    CoDel router;           /* the router's queue on the way in */
    NetRelay down;          /* router -> eth0: the download bucket */
    TcpTable* tcp;          /* TCP sockets (tcp_socket.h) */
    bool forwarding_out;    /* inside _netstack_forwardOut (a sender may queue more meanwhile) */
};

void packet_free(Packet* p) {
    if (p != NULL) {
        g_free(p->payload);
        g_free(p);
    }
}

size_t packet_wireSize(const Packet* p) {
    if (p->proto == NET_PROTO_TCP) {
        return IPV4_HEADER_LEN + tcp_headerLen(&p->tcp) + p->len;
    }
    /* An ICMP error quotes only the headers of the datagram it is about (ipv4.h, as pcap shows). */
    return p->icmp_unreachable ? IPV4_ICMP_ERROR_LEN : IPV4_HEADER_LEN + UDP_HEADER_LEN + p->len;
}

static void _netrelay_init(NetRelay* r, uint64_t bits_per_sec) {
    r->limited = bits_per_sec > 0;
    tokenbucket_init(&r->bucket, bits_per_sec);
}

NetStack* netstack_new(Host* host) {
    NetStack* stack = g_new0(NetStack, 1);
    stack->host = host;
    stack->bound = g_ptr_array_new();
    netqdisc_init(&stack->qdisc, host_getInterfaceQdisc(host));
    stack->own_tx = nettx_new(NULL, NULL);
    _netrelay_init(&stack->up, host_getBandwidthUpBits(host));
    codel_init(&stack->router);
    _netrelay_init(&stack->down, host_getBandwidthDownBits(host));
    stack->tcp = tcptable_new();
    return stack;
}

void netstack_free(NetStack* stack) {
    if (stack != NULL) {
        g_ptr_array_free(stack->bound, TRUE);
        tcptable_free(stack->tcp);
        nettx_detach(stack->own_tx);
        netqdisc_clear(&stack->qdisc);
        packet_free(stack->up.held);
        codel_clear(&stack->router);
        packet_free(stack->down.held);
        g_free(stack);
    }
}

static bool _netstack_isLoopback(uint32_t ip) {
    return (ip >> 24) == 127;
}

unsigned netaddr_spaces(int family, bool v6only, uint32_t ip) {
    if (family != AF_INET6) {
        return NET_SPACE_V4;
    }
    if (ip == 0) {
        return NET_SPACE_V6 | (v6only ? 0 : NET_SPACE_V4);
    }
    return ip == NET_LOOPBACK6_IP ? NET_SPACE_V6 : NET_SPACE_V4;
}

bool netstack_isLocalAddress(const NetStack* stack, uint32_t ip) {
    return ip == 0 || _netstack_isLoopback(ip) || ip == host_getIp(stack->host);
}

uint32_t netstack_sourceFor(const NetStack* stack, uint32_t dst_ip) {
    if (dst_ip == NET_LOOPBACK6_IP) {
        return NET_LOOPBACK6_IP;
    }
    return (dst_ip == 0 || _netstack_isLoopback(dst_ip)) ? NET_LOOPBACK_IP
                                                          : host_getIp(stack->host);
}

/* ---- The registry ------------------------------------------------------------------------- */

/* Whether binding `sock` to ip:port clashes with a socket already bound (Linux's UDP rules: the
 * same port on overlapping addresses, unless both set SO_REUSEADDR or both SO_REUSEPORT). */
static bool _netstack_inUse(const NetStack* stack, const UdpSocket* sock, uint32_t ip,
                            uint16_t port) {
    for (guint i = 0; i < stack->bound->len; i++) {
        const UdpSocket* other = g_ptr_array_index(stack->bound, i);
        if (other == sock || other->local.port != port) {
            continue;
        }
        if (other->local.ip != 0 && ip != 0 && other->local.ip != ip) {
            continue;
        }
        if (!(netaddr_spaces(other->family, other->v6only, other->local.ip) &
              netaddr_spaces(sock->family, sock->v6only, ip))) {
            continue; /* an AF_INET socket and an IPv6-only one share no address */
        }
        if ((sock->reuse_addr && other->reuse_addr) || (sock->reuse_port && other->reuse_port)) {
            continue;
        }
        return true;
    }
    return false;
}

TcpTable* netstack_getTcpTable(NetStack* stack) {
    return stack->tcp;
}

uint16_t netstack_pickPort(NetStack* stack, NetPortUsedFn used, const void* arg) {
    /* compat.md 6.1: up to 10 uniform draws, then a linear scan from a random start. */
    Rng* rng = host_getRng(stack->host);
    const uint64_t span = NET_EPHEMERAL_HIGH - NET_EPHEMERAL_LOW + 1;
    for (int i = 0; i < 10; i++) {
        uint16_t p = (uint16_t)(NET_EPHEMERAL_LOW + rng_nextBounded(rng, span));
        if (!used(arg, p)) {
            return p;
        }
    }
    uint64_t start = rng_nextBounded(rng, span);
    for (uint64_t i = 0; i < span; i++) {
        uint16_t p = (uint16_t)(NET_EPHEMERAL_LOW + (start + i) % span);
        if (!used(arg, p)) {
            return p;
        }
    }
    return 0;
}

typedef struct {
    const NetStack* stack;
    const UdpSocket* sock;
    uint32_t ip;
} _NetstackUdpUse;

static bool _netstack_udpPortUsed(const void* arg, uint16_t port) {
    const _NetstackUdpUse* u = arg;
    return _netstack_inUse(u->stack, u->sock, u->ip, port);
}

int netstack_bind(NetStack* stack, UdpSocket* sock, uint32_t ip, uint16_t port) {
    if (ip != 0 && !_netstack_isLoopback(ip) && ip != host_getIp(stack->host)) {
        return -EADDRNOTAVAIL;
    }
    if (port == 0) {
        _NetstackUdpUse use = {stack, sock, ip};
        port = netstack_pickPort(stack, _netstack_udpPortUsed, &use);
        if (port == 0) {
            return -EADDRINUSE; /* Linux says EAGAIN for autobind, EADDRINUSE for bind(0) */
        }
    } else if (_netstack_inUse(stack, sock, ip, port)) {
        return -EADDRINUSE;
    }
    sock->local = (NetAddr){ip, port};
    if (!sock->bound) {
        sock->bound = true;
        sock->bind_seq = ++stack->next_seq;
        g_ptr_array_add(stack->bound, sock);
    }
    return 0;
}

void netstack_unbind(NetStack* stack, UdpSocket* sock) {
    if (sock->bound) {
        g_ptr_array_remove(stack->bound, sock); /* keeps the order of the others */
        sock->bound = false;
    }
}

/* The socket a packet to `dst` from `src` belongs to: exact peer before wildcard, exact local
 * address before 0.0.0.0, the earlier bound among equals. */
static UdpSocket* _netstack_lookup(NetStack* stack, NetAddr dst, NetAddr src) {
    UdpSocket* best = NULL;
    int best_score = -1;
    for (guint i = 0; i < stack->bound->len; i++) {
        UdpSocket* s = g_ptr_array_index(stack->bound, i);
        if (s->local.port != dst.port || (s->local.ip != 0 && s->local.ip != dst.ip) ||
            !(netaddr_spaces(s->family, s->v6only, s->local.ip) & netaddr_packetSpace(dst.ip))) {
            continue;
        }
        int score = s->local.ip != 0 ? 1 : 0;
        if (s->connected) {
            if (s->peer.ip != src.ip || s->peer.port != src.port) {
                continue;
            }
            score += 2;
        }
        if (score > best_score) {
            best = s;
            best_score = score;
        }
    }
    return best;
}

/* ---- Packets in and out ------------------------------------------------------------------- */

/* pcap (pcap.h): a packet as it leaves or reaches an interface. Loopback packets (to 127.0.0.0/8,
 * 0.0.0.0 or the host's own address, which Linux also routes over lo) are captured once on lo,
 * as they are sent; remote ones on eth0 as they leave and as they arrive. */
static void _netstack_capture(NetStack* stack, bool loopback, const Packet* p, SimTime now) {
    PcapWriter* w = host_getCapture(stack->host, loopback);
    if (w != NULL) {
        pcapwriter_writePacket(w, now, p);
    }
}

static void _netstack_route(NetStack* stack, Packet* p, SimTime now);

/* Whether the buckets apply at `now` (not before bootstrap_end_time). */
static bool _netstack_shaping(const NetStack* stack, SimTime now) {
    return now >= host_getBootstrapEndTime(stack->host);
}

static void _netstack_retryUp(Host* host, void* object, void* argument);
static void _netstack_retryDown(Host* host, void* object, void* argument);

/* Takes a token for `p` from the relay's bucket (none needed while bootstrapping), or keeps
 * the packet and queues a retry after exactly the time the missing tokens take: false then. */
static bool _netstack_relayAdmits(NetStack* stack, NetRelay* r, Packet* p, SimTime now,
                                  TaskCallbackFunc retry) {
    SimTime wait = 0;
    if (!r->limited || !_netstack_shaping(stack, now) ||
        tokenbucket_take(&r->bucket, packet_wireSize(p), now, &wait)) {
        return true;
    }
    r->held = p;
    r->retry_queued = true; /* stays set if the retry falls after the stop time */
    Task* task = task_new(retry, NULL, NULL, NULL, NULL);
    host_scheduleTaskAtTime(stack->host, task, now + wait);
    task_unref(task);
    return false;
}

/* A packet arrived at this host (from itself or from the network). */
static void _netstack_receive(NetStack* stack, Packet* p, SimTime now) {
    if (p->proto == NET_PROTO_TCP) {
        tcptable_receive(stack->host, p, now);
        return;
    }
    if (p->icmp_unreachable) {
        /* About a datagram a socket here sent from p->dst to p->src. */
        UdpSocket* s = _netstack_lookup(stack, p->dst, p->src);
        if (s != NULL) {
            udpsocket_unreachable(s, p->src);
        }
        packet_free(p);
        return;
    }
    UdpSocket* s = _netstack_lookup(stack, p->dst, p->src);
    if (s != NULL) {
        udpsocket_deliver(s, p);
        packet_free(p);
        return;
    }
    log_trace("UDP datagram to port %u dropped: nothing bound", p->dst.port);
    Packet* icmp = g_new0(Packet, 1);
    *icmp = (Packet){.proto = p->proto, .icmp_unreachable = true, .src = p->dst, .dst = p->src,
                     .about_len = p->len,
                     .about_csum = ipv4_udpChecksum(p->src, p->dst, p->payload, p->len)};
    packet_free(p);
    _netstack_route(stack, icmp, now);
}

/* The router -> eth0 relay: packets leave the router's CoDel queue through the download
 * bucket, until the queue is empty or the bucket is. */
static void _netstack_forwardIn(NetStack* stack, SimTime now) {
    NetRelay* r = &stack->down;
    r->retry_queued = false;
    for (;;) {
        Packet* p = r->held != NULL ? r->held : codel_pop(&stack->router, now);
        r->held = NULL;
        if (p == NULL) {
            return;
        }
        if (!_netstack_relayAdmits(stack, r, p, now, _netstack_retryDown)) {
            return;
        }
        _netstack_capture(stack, false, p, now); /* it reached eth0 */
        _netstack_receive(stack, p, now);
    }
}

static void _netstack_retryDown(Host* host, void* object, void* argument) {
    (void)object;
    (void)argument;
    _netstack_forwardIn(host_getNetStack(host), host_getCurrentTime(host));
}

/* A packet from another host reached this host's router. */
static void _netstack_arrive(Host* host, void* object, void* argument) {
    (void)argument;
    Packet* p = object;
    Packet* copy = g_new(Packet, 1);
    *copy = *p;
    p->payload = NULL; /* taken over by the copy; the task frees the shell */
    NetStack* stack = host_getNetStack(host);
    SimTime now = host_getCurrentTime(host);
    codel_push(&stack->router, copy, now);
    if (!stack->down.retry_queued) {
        _netstack_forwardIn(stack, now);
    }
}

static void _netstack_freeTaskPacket(void* data) {
    packet_free(data);
}

/* The packet leaves the upload bucket for the path to its destination host: loss (not while
 * bootstrapping), latency, and the engine's cross-host delivery (never at or after the stop
 * time). */
static void _netstack_transmit(NetStack* stack, Packet* p, SimTime now) {
    Host* host = stack->host;
    HostId dst_id;
    SimTime latency = 0;
    double loss = 0;
    if (!network_lookupHost(p->dst.ip, &dst_id)) {
        log_trace("packet to %u.%u.%u.%u dropped: no host has that address", p->dst.ip >> 24,
                  (p->dst.ip >> 16) & 0xff, (p->dst.ip >> 8) & 0xff, p->dst.ip & 0xff);
        packet_free(p);
        return;
    }
    if (!network_getPath(host_getId(host), dst_id, &latency, &loss)) {
        packet_free(p);
        return;
    }
    if (p->len > 0 && loss > 0 && _netstack_shaping(stack, now) &&
        rng_nextDouble(host_getRng(host)) < loss) {
        log_trace("packet lost on the path (loss %g)", loss);
        packet_free(p);
        return;
    }
    Task* task = task_new(_netstack_arrive, p, NULL, _netstack_freeTaskPacket, NULL);
    worker_sendRemoteEvent(host, dst_id, task, now + latency);
    task_unref(task);
}

/* The eth0 -> router relay: packets leave the interface queue (qdisc) through the upload
 * bucket, until the queue is empty or the bucket is. */
static void _netstack_forwardOut(NetStack* stack, SimTime now) {
    NetRelay* r = &stack->up;
    r->retry_queued = false;
    stack->forwarding_out = true;
    for (;;) {
        /* Popping tells the sender its packet left (nettx); a TCP sender may queue more then,
         * which this loop picks up (forwarding_out keeps it from recursing). */
        Packet* p = r->held != NULL ? r->held : netqdisc_pop(&stack->qdisc);
        r->held = NULL;
        if (p == NULL) {
            break;
        }
        if (!_netstack_relayAdmits(stack, r, p, now, _netstack_retryUp)) {
            break;
        }
        /* It leaves eth0 now that the qdisc and the upload bucket let it go. A packet no host
         * will take, or one the path loses, still went out, as on Linux. */
        _netstack_capture(stack, false, p, now);
        _netstack_transmit(stack, p, now);
    }
    stack->forwarding_out = false;
}

static void _netstack_retryUp(Host* host, void* object, void* argument) {
    (void)object;
    (void)argument;
    _netstack_forwardOut(host_getNetStack(host), host_getCurrentTime(host));
}

/* A TCP segment over lo, delivered by an event at the same time: the receiver's answer must not
 * run inside the sender's call (Linux too defers it, to the softirq). */
static void _netstack_arriveLocal(Host* host, void* object, void* argument) {
    (void)argument;
    Packet* p = object;
    Packet* copy = g_new(Packet, 1);
    *copy = *p;
    p->payload = NULL; /* taken over by the copy; the task frees the shell */
    _netstack_receive(host_getNetStack(host), copy, host_getCurrentTime(host));
}

static void _netstack_routeFrom(NetStack* stack, NetTx* tx, Packet* p, SimTime now) {
    if (netstack_isLocalAddress(stack, p->dst.ip)) {
        /* lo, or the host's own address: straight back, no latency, loss or rate limit. */
        _netstack_capture(stack, true, p, now);
        if (p->proto == NET_PROTO_TCP) {
            Task* task = task_new(_netstack_arriveLocal, p, NULL, _netstack_freeTaskPacket, NULL);
            host_scheduleTaskWithDelay(stack->host, task, 0);
            task_unref(task);
            return;
        }
        _netstack_receive(stack, p, now);
        return;
    }
    /* Control packets (ICMP) go first; data packets in write order (the fifo qdisc). */
    p->priority = p->icmp_unreachable ? 0 : ++stack->next_priority;
    netqdisc_push(&stack->qdisc, tx != NULL ? tx : stack->own_tx, p);
    if (!stack->up.retry_queued && !stack->forwarding_out) {
        _netstack_forwardOut(stack, now);
    }
}

static void _netstack_route(NetStack* stack, Packet* p, SimTime now) {
    _netstack_routeFrom(stack, NULL, p, now);
}

void netstack_sendFrom(NetStack* stack, NetTx* tx, Packet* p, SimTime now) {
    _netstack_routeFrom(stack, tx, p, now);
}

void netstack_send(NetStack* stack, Packet* p, SimTime now) {
    _netstack_routeFrom(stack, NULL, p, now);
}
