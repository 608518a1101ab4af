/* TCP sockets: the engine (tcp.h) tied to a host (architecture.md 9). A TcpSocket owns one
 * TcpConn and gives it what it lacks: addresses, the host's table of TCP sockets, the network
 * (netstack.h), a timer on the host's event queue, TCP small queues at the interface, and the
 * descriptor's readiness (the placeholder, emulated_fd.h).
 *
 * The table (per host, separate from UDP's: the port spaces are separate, as in Linux):
 * - bound sockets in bind order: listeners, and sockets bound or connected from a port;
 * - connections by (local ip:port, peer ip:port): a connected socket, or a listener's child.
 * An arriving segment goes to its connection, else to the listener of its port (the exact local
 * address before 0.0.0.0, the earlier bound among equals), else it is answered with an RST.
 *
 * Bind conflicts as Linux's inet_csk_bind_conflict: the same port on overlapping addresses
 * conflicts unless both sockets set SO_REUSEADDR and the other is not listening, or both set
 * SO_REUSEPORT. Ephemeral ports as UDP's (netstack.h), avoiding every port in use by TCP.
 *
 * Lifetime: the socket lives while the descriptor does, and after the user's close until the
 * engine releases the connection (FIN exchange, TIME_WAIT); events hold references.
 *
 * Threading: only touched by the thread running the host. */
#ifndef SIM_HOST_TCP_SOCKET_H_
#define SIM_HOST_TCP_SOCKET_H_

#include <stdbool.h>
#include <stdint.h>

#include "host/emulated_fd.h"
#include "host/netstack.h"
#include "host/tcp.h"

typedef struct _TcpTable TcpTable;
typedef struct _NetTx NetTx;

/* What connect() has seen, as Linux's socket state (SS_*): connect's answers depend on it. */
typedef enum { TCP_SOCK_UNCONNECTED = 0, TCP_SOCK_CONNECTING, TCP_SOCK_CONNECTED } TcpSockState;

typedef struct {
    uint32_t lip, pip;
    uint16_t lport, pport;
} TcpKey;

typedef struct _TcpSocket {
    Host* host;           /* borrowed */
    EmulatedFd* efd;      /* the descriptor's object while the user holds it; NULL after close */
    TcpConn* conn;
    NetAddr local, peer;
    bool bound;           /* in the table's bound list */
    bool registered;      /* in the connection table under `key` */
    TcpKey key;
    bool port_locked;     /* bound to a port explicitly */
    bool listening;
    bool reuse_addr, reuse_port;
    int family;           /* AF_INET or AF_INET6 */
    bool v6only;          /* IPV6_V6ONLY */
    TcpSockState sock_state;
    uint64_t bind_seq;
    NetTx* tx;            /* its packets in the interface queue */
    bool tx_blocked;      /* TCP small queues said no; tcp_outputReady when they leave */
    SimTime timer_at;     /* the scheduled timer event (SIMTIME_INVALID: none) */
    SimTime timer_want;   /* the engine's latest deadline */
    SimTime rcvtimeo, sndtimeo;
    int ip_tos, ip_ttl;
    size_t last_readable; /* bytes (or connections) readable when last published */
    bool error_shown;     /* POLLERR shown on the placeholder */
    bool maxseg_set;      /* TCP_MAXSEG set by the user */
    int refs;
    bool released;        /* the engine is done with it after the user's close */
} TcpSocket;

TcpTable* tcptable_new(void);
void tcptable_free(TcpTable* table);

/* A new socket (state CLOSE) of `family` for descriptor `efd`. */
TcpSocket* tcpsocket_new(Host* host, EmulatedFd* efd, int family);
/* Gives an accepted child its descriptor. */
void tcpsocket_attach(TcpSocket* s, EmulatedFd* efd);

/* bind: 0, -EADDRINUSE, -EADDRNOTAVAIL, -EINVAL (already bound). Port 0: ephemeral. */
int tcpsocket_bind(TcpSocket* s, uint32_t ip, uint16_t port);
int tcpsocket_listen(TcpSocket* s, int backlog, SimTime now);
/* Starts the handshake to `peer`: 0 or -errno (-EADDRNOTAVAIL: no free port or tuple). */
int tcpsocket_connect(TcpSocket* s, NetAddr peer, SimTime now);
/* The next accepted child (now attached to nothing; the caller attaches it), or NULL. */
TcpSocket* tcpsocket_accept(TcpSocket* s);

/* The socket's poll events (tcp_pollEvents); the placeholder follows them. */
unsigned tcpsocket_pollEvents(const TcpSocket* s);
/* Re-publishes readiness and wakes waiters (after a user call changed the state). */
void tcpsocket_changed(TcpSocket* s);

/* A TCP segment arrived at the host (netstack.c): to its connection, its listener, or an RST.
 * `seg` is freed. */
void tcptable_receive(Host* host, Packet* seg, SimTime now);

#endif
