/* A host's side of the network (architecture.md 9, compat.md 6.1): its two interfaces, `lo`
 * (127.0.0.1) and `eth0` (the host's address), the registry of bound sockets, ephemeral ports,
 * and the path a packet takes out of and into the host.
 *
 * Registry: sockets register under (protocol, local ip:port, peer ip:port). An arriving packet
 * goes to the socket that matches best: an exact peer before a wildcard one, an exact local
 * address before 0.0.0.0 (which covers both interfaces); among equals, the one bound first. An
 * unmatched UDP datagram is dropped and answered with an ICMP port unreachable, which a connected
 * UDP socket at the source turns into ECONNREFUSED (Linux does; Shadow has no ICMP).
 *
 * Sending: 127.0.0.0/8, 0.0.0.0 and the host's own address are delivered at once, with no
 * latency, loss or rate limit. Anything else goes to the host with that address (no such host:
 * dropped, as by a router without a route) after the path's latency, lost with the path's
 * probability (drawn from the sending host's generator, only for packets with payload), through
 * the engine's cross-host delivery (worker_sendRemoteEvent), never after the stop time.
 *
 * Shaping (compat.md 6.2, netqueue.h): a remote packet waits in eth0's queue (qdisc fifo or
 * round-robin), then in the upload token bucket; at the destination it waits in the router's
 * CoDel queue, then in the download token bucket. Before bootstrap_end_time no bucket applies
 * and no packet is lost on the path.
 *
 * pcap (pcap.h): loopback packets (127.0.0.0/8, 0.0.0.0 and the host's own address) are captured
 * once on lo as they are sent; others on eth0 as they leave and as they arrive.
 *
 * Threading: a host's stack is only touched by the thread running the host. */
#ifndef SIM_HOST_NETSTACK_H_
#define SIM_HOST_NETSTACK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/simtime.h"

typedef struct _Host Host;
typedef struct _NetStack NetStack;
typedef struct _UdpSocket UdpSocket;

#define NET_LOOPBACK_IP 0x7f000001u /* 127.0.0.1 */
/* ::1 (AF_INET6 sockets, design.md "IPv6"): addresses are IPv4 inside umbra; the IPv6 loopback is
 * kept as this address of 127.0.0.0/8, which AF_INET sockets never match, and shown as ::1. */
#define NET_LOOPBACK6_IP 0x7ffffffeu /* 127.255.255.254 */

/* The address spaces a socket receives from (netaddr_spaces) and a packet belongs to. */
#define NET_SPACE_V4 1u
#define NET_SPACE_V6 2u
#define NET_EPHEMERAL_LOW 10000
#define NET_EPHEMERAL_HIGH 65535

/* An IPv4 endpoint, host byte order. */
typedef struct {
    uint32_t ip;
    uint16_t port;
} NetAddr;

/* The spaces a socket of `family` (AF_INET or AF_INET6) bound to `ip` covers: an AF_INET6
 * socket on :: takes IPv4 too (through v4-mapped addresses) unless IPV6_V6ONLY; on ::1 only IPv6;
 * on a v4-mapped address only IPv4. */
unsigned netaddr_spaces(int family, bool v6only, uint32_t ip);
/* The space of a packet to `ip`. */
static inline unsigned netaddr_packetSpace(uint32_t ip) {
    return ip == NET_LOOPBACK6_IP ? NET_SPACE_V6 : NET_SPACE_V4;
}

typedef enum { NET_PROTO_TCP = 6, NET_PROTO_UDP = 17 } NetProto;

/* TCP flags, as on the wire. */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_MAX_SACK_BLOCKS 4

/* A TCP segment's header (RFC 9293) with the options umbra's TCP uses (tcp.h): values as on the
 * wire, host byte order. Options absent unless set. */
typedef struct {
    uint32_t seq, ack;
    uint8_t flags;        /* TCP_FLAG_* */
    uint16_t window;      /* as sent: already shifted right by the sender's window scale */
    uint16_t mss;         /* MSS option (SYN only); 0: absent */
    int8_t wscale;        /* window scale option (SYN only); -1: absent */
    bool sack_permitted;  /* SACK-permitted option (SYN only) */
    bool has_ts;          /* timestamps option (RFC 7323) */
    uint32_t tsval, tsecr;
    uint8_t nsack;        /* SACK blocks */
    uint32_t sack[TCP_MAX_SACK_BLOCKS][2]; /* [start, end) sequence numbers */
} TcpHeader;

typedef struct {
    NetProto proto;
    bool icmp_unreachable; /* an ICMP port unreachable about the datagram src -> dst */
    NetAddr src, dst;
    uint8_t* payload;      /* owned (g_malloc), NULL when len is 0 */
    size_t len;
    TcpHeader tcp;         /* proto TCP only */
    uint64_t priority; /* interface queue order (netqueue.h); 0: control packet */
    uint64_t qseq;     /* interface queue: enqueue order */
    SimTime queued_at; /* router queue: enqueue time */
    /* ICMP only: the payload length and UDP checksum of the datagram it is about (the ICMP
     * quotes its headers; only pcap shows them). */
    size_t about_len;
    uint16_t about_csum;
} Packet;

void packet_free(Packet* p);
/* Bytes on the wire: headers plus payload (ipv4.h's headers). */
size_t packet_wireSize(const Packet* p);

NetStack* netstack_new(Host* host);
void netstack_free(NetStack* stack);

/* Whether `ip` is one of this host's addresses (127.0.0.0/8, its eth0 address, 0.0.0.0). */
bool netstack_isLocalAddress(const NetStack* stack, uint32_t ip);
/* The source address a packet to `dst_ip` leaves with. */
uint32_t netstack_sourceFor(const NetStack* stack, uint32_t dst_ip);

/* Binds `sock` to `ip`:`port` (port 0: an ephemeral port from the host generator) and registers
 * it. 0, -EADDRINUSE or -EADDRNOTAVAIL; on success sock->local is the bound address. */
int netstack_bind(NetStack* stack, UdpSocket* sock, uint32_t ip, uint16_t port);
/* Removes `sock` from the registry (closed, or its port given up). */
void netstack_unbind(NetStack* stack, UdpSocket* sock);

typedef struct _NetTx NetTx;
typedef struct _TcpTable TcpTable;

/* The host's TCP sockets (tcp_socket.h). */
TcpTable* netstack_getTcpTable(NetStack* stack);

/* An ephemeral port (compat.md 6.1: up to 10 uniform draws from the host generator, then a scan
 * from a random start) for which `used` says false, or 0 when every one is used. */
typedef bool (*NetPortUsedFn)(const void* arg, uint16_t port);
uint16_t netstack_pickPort(NetStack* stack, NetPortUsedFn used, const void* arg);

/* Sends a packet (taken over) at time `now` from sender `tx` (its queue at the interface,
 * netqueue.h; NULL: the stack's own, for control packets). Remote packets wait in the interface
 * queue and the upload token bucket; local ones are delivered at once. */
void netstack_sendFrom(NetStack* stack, NetTx* tx, Packet* p, SimTime now);
/* netstack_sendFrom with the stack's own sender. */
void netstack_send(NetStack* stack, Packet* p, SimTime now);

#endif
