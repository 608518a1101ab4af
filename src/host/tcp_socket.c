/* TCP sockets: see tcp_socket.h. */
#include "host/tcp_socket.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <sys/socket.h>

#include "host/host.h"
#include "host/managed_thread.h"
#include "host/netqueue.h"
#include "host/task.h"
#include "lib/logger.h"

#define TCP_TSQ_MIN (2 * NET_MTU)  /* TCP small queues: at least two packets at the interface */
#define TCP_TSQ_MAX (1u << 20)     /* tcp_limit_output_bytes */

struct _TcpTable {
    GPtrArray* bound;    /* TcpSocket*, in bind order */
    GHashTable* conns;   /* TcpKey* (in the socket) -> TcpSocket* */
    GHashTable* by_conn; /* TcpConn* -> TcpSocket* (lookups only, never iterated) */
    uint64_t next_seq;
};

static guint _tcpkey_hash(gconstpointer p) {
    const TcpKey* k = p;
    uint64_t h = ((uint64_t)k->lip * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)k->pip << 16) ^
                 ((uint64_t)k->lport << 48) ^ k->pport;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (guint)(h ^ (h >> 32));
}

static gboolean _tcpkey_equal(gconstpointer a, gconstpointer b) {
    const TcpKey *x = a, *y = b;
    return x->lip == y->lip && x->pip == y->pip && x->lport == y->lport && x->pport == y->pport;
}

TcpTable* tcptable_new(void) {
    TcpTable* t = g_new0(TcpTable, 1);
    t->bound = g_ptr_array_new();
    t->conns = g_hash_table_new(_tcpkey_hash, _tcpkey_equal);
    t->by_conn = g_hash_table_new(g_direct_hash, g_direct_equal);
    return t;
}

static void _tcpsocket_destroy(TcpSocket* s) {
    tcp_free(s->conn);
    nettx_detach(s->tx);
    g_free(s);
}

void tcptable_free(TcpTable* t) {
    if (t != NULL) {
        /* The end of the run: connections still open (TIME_WAIT, FIN_WAIT, children never
         * accepted) go without another packet. */
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, t->by_conn);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            _tcpsocket_destroy(value);
        }
        g_ptr_array_free(t->bound, TRUE);
        g_hash_table_destroy(t->conns);
        g_hash_table_destroy(t->by_conn);
        g_free(t);
    }
}

static TcpTable* _tcp_table(Host* host) {
    return netstack_getTcpTable(host_getNetStack(host));
}

/* ---- References and release ------------------------------------------------------------------ */

static void _tcpsocket_ref(TcpSocket* s) {
    s->refs++;
}

/* Out of the connection table (its four-tuple is free again). */
static void _tcpsocket_unhash(TcpSocket* s) {
    if (s->registered) {
        g_hash_table_remove(_tcp_table(s->host)->conns, &s->key);
        s->registered = false;
    }
}

/* Out of the bound list (its port is free again). */
static void _tcpsocket_unbind(TcpSocket* s) {
    if (s->bound) {
        g_ptr_array_remove(_tcp_table(s->host)->bound, s); /* keeps the order of the others */
        s->bound = false;
    }
}

static void _tcpsocket_unregister(TcpSocket* s) {
    _tcpsocket_unhash(s);
    _tcpsocket_unbind(s);
}

static void _tcpsocket_unref(TcpSocket* s) {
    if (--s->refs > 0) {
        return;
    }
    _tcpsocket_unregister(s);
    g_hash_table_remove(_tcp_table(s->host)->by_conn, s->conn);
    _tcpsocket_destroy(s); /* what it sent still leaves */
}

static void _tcpsocket_unrefTask(void* data) {
    _tcpsocket_unref(data);
}

/* The connection is over: out of the tables, and its own reference dropped (it is freed once no
 * event refers to it). */
static void _tcpsocket_drop(TcpSocket* s) {
    _tcpsocket_unregister(s);
    if (!s->released) {
        s->released = true;
        _tcpsocket_unref(s);
    }
}

/* The engine released the connection (not dropped from inside the engine's call). */
static void _tcpsocket_finish(Host* host, void* object, void* argument) {
    (void)host;
    (void)argument;
    _tcpsocket_drop(object);
}

static void _tcpsocket_released(void* owner) {
    TcpSocket* s = owner;
    _tcpsocket_unregister(s);
    Task* task = task_new(_tcpsocket_finish, s, NULL, _tcpsocket_unrefTask, NULL);
    _tcpsocket_ref(s);
    host_scheduleTaskWithDelay(s->host, task, 0);
    task_unref(task);
}

/* ---- Engine callbacks ------------------------------------------------------------------------ */

static void _tcpsocket_output(void* owner, Packet* seg) {
    TcpSocket* s = owner;
    if (seg->dst.port == 0) { /* else a listener's RST to a stray segment, already addressed */
        seg->src = s->local;
        seg->dst = s->peer;
    }
    NetStack* stack = host_getNetStack(s->host);
    if (seg->src.ip == 0) {
        seg->src.ip = netstack_sourceFor(stack, seg->dst.ip);
    }
    netstack_sendFrom(stack, s->tx, seg, host_getCurrentTime(s->host));
}

static void _tcpsocket_timerFired(Host* host, void* object, void* argument);

/* The timer event at `when` (the engine's deadline), holding a reference. */
static void _tcpsocket_scheduleTimer(TcpSocket* s, SimTime when) {
    s->timer_at = when;
    Task* task = task_new(_tcpsocket_timerFired, s, (void*)(uintptr_t)when, _tcpsocket_unrefTask,
                          NULL);
    _tcpsocket_ref(s);
    host_scheduleTaskAtTime(s->host, task, when);
    task_unref(task);
}

static void _tcpsocket_timerFired(Host* host, void* object, void* argument) {
    TcpSocket* s = object;
    SimTime at = (SimTime)(uintptr_t)argument;
    SimTime now = host_getCurrentTime(host);
    if (s->timer_at == at) {
        s->timer_at = SIMTIME_INVALID;
    }
    if (s->released) {
        return;
    }
    tcp_onTimer(s->conn, now);
    /* The engine only reports changes of its deadline: one that was already later than this
     * event is scheduled now. */
    if (s->timer_want != SIMTIME_INVALID && s->timer_want > now &&
        (s->timer_at == SIMTIME_INVALID || s->timer_want < s->timer_at)) {
        _tcpsocket_scheduleTimer(s, s->timer_want);
    }
}

static void _tcpsocket_armTimer(void* owner, SimTime when) {
    TcpSocket* s = owner;
    s->timer_want = when;
    if (when == SIMTIME_INVALID || (s->timer_at != SIMTIME_INVALID && s->timer_at <= when)) {
        return; /* the event already scheduled comes first and re-arms */
    }
    SimTime now = host_getCurrentTime(s->host);
    _tcpsocket_scheduleTimer(s, when < now ? now : when);
}

/* The placeholder shows the socket's poll events (emulated_fd.h); blocked calls and native
 * pollers learn of the change. New data is a new arrival (an EPOLLET edge) even when some was
 * already there; a pending error is a reset of the pair (POLLERR until it is taken). A socket
 * never connected shows no POLLHUP (tcp_poll's CLOSE answer), which the pair could not take back
 * once it connects. */
static void _tcpsocket_publish(TcpSocket* s) {
    EmulatedFd* efd = s->efd;
    if (efd == NULL) {
        return;
    }
    unsigned ev = tcp_pollEvents(s->conn);
    bool started = s->sock_state != TCP_SOCK_UNCONNECTED || s->registered;
    bool hup = (ev & POLLHUP) && started && !s->listening;
    bool changed = emulatedfd_setSocketReadiness(efd, (ev & POLLIN) != 0, (ev & POLLOUT) != 0,
                                                 (ev & POLLRDHUP) != 0, hup);
    size_t readable = s->listening ? tcp_acceptQueueLen(s->conn) : tcp_readable(s->conn);
    if (readable > s->last_readable) {
        changed = emulatedfd_socketDataArrived(efd) || changed;
    }
    s->last_readable = readable;
    if ((ev & POLLERR) && !s->error_shown) {
        s->error_shown = true;
        changed = emulatedfd_socketReset(efd) || changed;
    } else if (!(ev & POLLERR) && s->error_shown) {
        s->error_shown = false;
        emulatedfd_takeSocketError(efd);
    }
    managedthread_wakeObjectWaiters(s->host, efd->id); /* they re-check the state themselves */
    if (changed) {
        managedthread_pollNativeWaiters(s->host);
    }
}

static void _tcpsocket_changedCb(void* owner) {
    TcpSocket* s = owner;
    if (tcp_state(s->conn) == TCP_ST_CLOSE && s->registered && s->efd != NULL) {
        /* Reset or timed out: the tuple is free again; a port not bound explicitly too. */
        _tcpsocket_unhash(s);
        if (!s->port_locked) {
            _tcpsocket_unbind(s);
        }
    }
    _tcpsocket_publish(s);
}

void tcpsocket_changed(TcpSocket* s) {
    _tcpsocket_changedCb(s);
}

static uint64_t _tcpsocket_tsqLimit(const TcpSocket* s) {
    uint64_t rate = host_getBandwidthUpBits(s->host) / 8; /* bytes per second; 0: unlimited */
    uint64_t limit = rate == 0 ? TCP_TSQ_MAX : rate / 1000; /* about 1 ms at the line rate */
    if (limit < TCP_TSQ_MIN) {
        limit = TCP_TSQ_MIN;
    }
    return limit > TCP_TSQ_MAX ? TCP_TSQ_MAX : limit;
}

static bool _tcpsocket_mayOutput(void* owner) {
    TcpSocket* s = owner;
    if (nettx_queuedBytes(s->tx) < _tcpsocket_tsqLimit(s)) {
        return true;
    }
    s->tx_blocked = true;
    return false;
}

/* One of its packets left the interface queue: a sender held back by TCP small queues goes on. */
static void _tcpsocket_txLeft(void* owner, const Packet* p) {
    (void)p;
    TcpSocket* s = owner;
    if (s->tx_blocked && !s->released &&
        nettx_queuedBytes(s->tx) < _tcpsocket_tsqLimit(s)) {
        s->tx_blocked = false;
        tcp_outputReady(s->conn, host_getCurrentTime(s->host));
    }
}

static uint32_t _tcpsocket_random(void* owner) {
    TcpSocket* s = owner;
    return rng_nextU32(host_getRng(s->host));
}

static bool _tcpsocket_newChild(void* owner, TcpConn* child, const Packet* syn);

static const TcpCallbacks _tcpsocket_callbacks = {
    .output = _tcpsocket_output,
    .arm_timer = _tcpsocket_armTimer,
    .changed = _tcpsocket_changedCb,
    .new_child = _tcpsocket_newChild,
    .released = _tcpsocket_released,
    .may_output = _tcpsocket_mayOutput,
    .random = _tcpsocket_random,
};

/* ---- Creation ---------------------------------------------------------------------------------- */

static TcpSocket* _tcpsocket_alloc(Host* host, EmulatedFd* efd) {
    TcpSocket* s = g_new0(TcpSocket, 1);
    s->host = host;
    s->efd = efd;
    s->refs = 1; /* the connection's own, dropped when the engine releases it */
    s->timer_at = SIMTIME_INVALID;
    s->timer_want = SIMTIME_INVALID;
    s->ip_ttl = 64;
    s->tx = nettx_new(_tcpsocket_txLeft, s);
    return s;
}

/* The user closed the last descriptor (or the host is going away). */
static void _tcpsocket_userClose(void* object) {
    TcpSocket* s = object;
    s->efd = NULL;
    TcpState st = tcp_state(s->conn);
    if ((st == TCP_ST_CLOSE && !s->registered) || host_isTearingDown(s->host)) {
        _tcpsocket_drop(s); /* never connected (or reset): nothing for the engine to finish */
        return;
    }
    tcp_close(s->conn, host_getCurrentTime(s->host));
}

TcpSocket* tcpsocket_new(Host* host, EmulatedFd* efd, int family) {
    TcpSocket* s = _tcpsocket_alloc(host, efd);
    s->family = family;
    const HostProcessOptions* o = host_getProcessOptions(host);
    TcpConfig config = {
        .rcvbuf = o->socket_recv_buffer ? o->socket_recv_buffer : 131072,
        .sndbuf = o->socket_send_buffer ? o->socket_send_buffer : 16384,
        .rcv_autotune = o->socket_recv_autotune,
        .snd_autotune = o->socket_send_autotune,
        .mss = 0,
        .cc = TCP_CC_CUBIC,
    };
    s->conn = tcp_new(&config, &_tcpsocket_callbacks, s);
    g_hash_table_insert(_tcp_table(host)->by_conn, s->conn, s);
    tcpsocket_attach(s, efd);
    return s;
}

void tcpsocket_attach(TcpSocket* s, EmulatedFd* efd) {
    s->efd = efd;
    if (efd != NULL) {
        efd->object = s;
        efd->free_object = _tcpsocket_userClose;
        efd->tcp = true;
        _tcpsocket_publish(s);
    }
}

/* ---- The table ------------------------------------------------------------------------------- */

static bool _tcp_overlaps(uint32_t a, uint32_t b) {
    return a == 0 || b == 0 || a == b;
}

/* Whether binding `s` to ip:port conflicts with a socket that holds the port. */
static bool _tcptable_conflicts(const TcpTable* t, const TcpSocket* s, uint32_t ip,
                                uint16_t port) {
    for (guint i = 0; i < t->bound->len; i++) {
        const TcpSocket* o = g_ptr_array_index(t->bound, i);
        if (o == s || o->local.port != port || !_tcp_overlaps(o->local.ip, ip) ||
            !(netaddr_spaces(o->family, o->v6only, o->local.ip) &
              netaddr_spaces(s->family, s->v6only, ip))) {
            continue;
        }
        if ((s->reuse_addr && o->reuse_addr && !o->listening) ||
            (s->reuse_port && o->reuse_port)) {
            continue;
        }
        return true;
    }
    return false;
}

static bool _tcptable_portUsed(const void* arg, uint16_t port) {
    const TcpSocket* s = arg;
    const TcpTable* t = _tcp_table(s->host);
    for (guint i = 0; i < t->bound->len; i++) {
        const TcpSocket* o = g_ptr_array_index(t->bound, i);
        if (o != s && o->local.port == port) {
            return true;
        }
    }
    return false;
}

static void _tcptable_addBound(TcpTable* t, TcpSocket* s) {
    if (!s->bound) {
        s->bound = true;
        s->bind_seq = ++t->next_seq;
        g_ptr_array_add(t->bound, s);
    }
}

int tcpsocket_bind(TcpSocket* s, uint32_t ip, uint16_t port) {
    NetStack* stack = host_getNetStack(s->host);
    TcpTable* t = _tcp_table(s->host);
    if (s->bound || tcp_state(s->conn) != TCP_ST_CLOSE) {
        return -EINVAL;
    }
    if (ip != 0 && !netstack_isLocalAddress(stack, ip)) {
        return -EADDRNOTAVAIL;
    }
    if (port == 0) {
        port = netstack_pickPort(stack, _tcptable_portUsed, s);
        if (port == 0) {
            return -EADDRINUSE;
        }
    } else {
        if (_tcptable_conflicts(t, s, ip, port)) {
            return -EADDRINUSE;
        }
        s->port_locked = true;
    }
    s->local = (NetAddr){ip, port};
    _tcptable_addBound(t, s);
    return 0;
}

int tcpsocket_listen(TcpSocket* s, int backlog, SimTime now) {
    if (s->sock_state != TCP_SOCK_UNCONNECTED ||
        (tcp_state(s->conn) != TCP_ST_CLOSE && tcp_state(s->conn) != TCP_ST_LISTEN)) {
        return -EINVAL;
    }
    if (!s->bound) {
        int rv = tcpsocket_bind(s, 0, 0);
        if (rv != 0) {
            return rv;
        }
    } else if (!s->listening) {
        /* Another listener on an overlapping address needs SO_REUSEPORT on both. */
        TcpTable* t = _tcp_table(s->host);
        for (guint i = 0; i < t->bound->len; i++) {
            const TcpSocket* o = g_ptr_array_index(t->bound, i);
            if (o != s && o->listening && o->local.port == s->local.port &&
                _tcp_overlaps(o->local.ip, s->local.ip) &&
                (netaddr_spaces(o->family, o->v6only, o->local.ip) &
                 netaddr_spaces(s->family, s->v6only, s->local.ip)) &&
                !(s->reuse_port && o->reuse_port)) {
                return -EADDRINUSE;
            }
        }
    }
    int rv = tcp_listen(s->conn, backlog, now);
    if (rv == 0) {
        s->listening = true;
        _tcpsocket_publish(s);
    }
    return rv;
}

static void _tcpsocket_register(TcpSocket* s) {
    s->key = (TcpKey){.lip = s->local.ip, .pip = s->peer.ip, .lport = s->local.port,
                      .pport = s->peer.port};
    g_hash_table_insert(_tcp_table(s->host)->conns, &s->key, s);
    s->registered = true;
}

int tcpsocket_connect(TcpSocket* s, NetAddr peer, SimTime now) {
    NetStack* stack = host_getNetStack(s->host);
    TcpTable* t = _tcp_table(s->host);
    if (peer.ip == 0) {
        peer.ip = NET_LOOPBACK_IP; /* Linux connects to 0.0.0.0 on this host */
    }
    if (!s->bound) {
        int rv = tcpsocket_bind(s, 0, 0);
        if (rv != 0) {
            return rv == -EADDRINUSE ? -EADDRNOTAVAIL : rv;
        }
    }
    if (s->local.ip == 0) {
        s->local.ip = netstack_sourceFor(stack, peer.ip);
    }
    s->peer = peer;
    TcpKey key = {.lip = s->local.ip, .pip = peer.ip, .lport = s->local.port, .pport = peer.port};
    if (g_hash_table_contains(t->conns, &key)) {
        return -EADDRNOTAVAIL;
    }
    _tcpsocket_register(s);
    int rv = tcp_connect(s->conn, now);
    if (rv != 0) {
        _tcpsocket_unhash(s);
    }
    return rv;
}

static bool _tcpsocket_newChild(void* owner, TcpConn* child, const Packet* syn) {
    TcpSocket* l = owner;
    TcpSocket* c = _tcpsocket_alloc(l->host, NULL);
    c->conn = child;
    c->local = syn->dst;
    c->peer = syn->src;
    c->reuse_addr = l->reuse_addr;
    c->family = l->family;
    c->v6only = l->v6only;
    c->reuse_port = l->reuse_port;
    c->port_locked = true;
    c->sock_state = TCP_SOCK_CONNECTED;
    c->ip_tos = l->ip_tos;
    c->ip_ttl = l->ip_ttl;
    tcp_setOwner(child, c);
    g_hash_table_insert(_tcp_table(l->host)->by_conn, child, c);
    _tcpsocket_register(c);
    return true;
}

TcpSocket* tcpsocket_accept(TcpSocket* s) {
    TcpConn* child = tcp_accept(s->conn);
    if (child == NULL) {
        return NULL;
    }
    _tcpsocket_publish(s);
    return g_hash_table_lookup(_tcp_table(s->host)->by_conn, child);
}

unsigned tcpsocket_pollEvents(const TcpSocket* s) {
    return tcp_pollEvents(s->conn);
}

/* ---- Arrivals ---------------------------------------------------------------------------------- */

static TcpSocket* _tcptable_listener(TcpTable* t, NetAddr dst) {
    TcpSocket* best = NULL;
    for (guint i = 0; i < t->bound->len; i++) {
        TcpSocket* s = g_ptr_array_index(t->bound, i);
        if (!s->listening || s->local.port != dst.port ||
            (s->local.ip != 0 && s->local.ip != dst.ip) ||
            !(netaddr_spaces(s->family, s->v6only, s->local.ip) & netaddr_packetSpace(dst.ip))) {
            continue;
        }
        if (best == NULL || (best->local.ip == 0 && s->local.ip != 0)) {
            best = s;
        }
    }
    return best;
}

void tcptable_receive(Host* host, Packet* seg, SimTime now) {
    TcpTable* t = _tcp_table(host);
    TcpKey key = {.lip = seg->dst.ip, .pip = seg->src.ip, .lport = seg->dst.port,
                  .pport = seg->src.port};
    TcpSocket* s = g_hash_table_lookup(t->conns, &key);
    if (s != NULL && (s->released || tcp_state(s->conn) == TCP_ST_CLOSE)) {
        s = NULL; /* a finished connection is no longer in Linux's established hash */
    }
    if (s == NULL) {
        s = _tcptable_listener(t, seg->dst);
    }
    if (s != NULL && !s->released) {
        _tcpsocket_ref(s); /* the engine's callbacks may release it */
        tcp_input(s->conn, seg, now);
        _tcpsocket_unref(s);
        packet_free(seg);
        return;
    }
    Packet* rst = tcp_makeReset(seg);
    packet_free(seg);
    if (rst != NULL) {
        netstack_send(host_getNetStack(host), rst, now);
    }
}
