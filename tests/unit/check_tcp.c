/* The TCP engine (host/tcp.h) between TcpConns on a fake network: two hosts (0 and 1), a queue
 * of segments in flight with a one-way latency and an optional rate, a programmable drop rule,
 * and a clock that jumps to the next event (an arrival or an armed timer). Applications are
 * small pumps run after every event: a writer of a byte pattern, a reader that checks every byte
 * against it, a listener that accepts.
 *
 * Covered: the handshake and option negotiation, bulk transfers (clean, random loss, burst
 * loss), fast retransmit, RTO backoff and ETIMEDOUT, RST for a closed port, SYN timeout, zero
 * window and persist probes, Nagle and NODELAY, delayed ACKs, half-close, TIME_WAIT, simultaneous
 * close, close with unread data, backlog overflow, CUBIC against Reno, autotuning to line rate,
 * keepalive, TCP small queues, tcp_getInfo and the header bytes. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <linux/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ipv4.h"
#include "host/tcp.h"

#define US SIMTIME_ONE_MICROSECOND
#define MS SIMTIME_ONE_MILLISECOND
#define SEC SIMTIME_ONE_SECOND
#define HOST_IP(h) (0x0b000001u + (uint32_t)(h))

/* ---- The fake network -------------------------------------------------------------------------- */

typedef struct _Net Net;

typedef struct {
    Net* net;
    TcpConn* c;
    int host;
    uint16_t port, peer_port; /* peer_port 0: a listener */
    SimTime timer;
    int changed, released;
    bool tsq_closed;          /* may_output says no */
    /* The application. */
    uint64_t to_send;         /* bytes still to write (UINT64_MAX: forever) */
    uint64_t sent;            /* bytes written (position in the pattern) */
    bool reading;             /* reads whatever arrives */
    uint64_t recvd;
    bool bad;                 /* a byte differed from the pattern */
    bool eof;                 /* recv said 0 */
    int64_t last_err;         /* last negative recv/send result other than EAGAIN */
    bool shut_when_sent;      /* shutdown(SHUT_WR) once to_send is 0 */
    bool auto_accept;         /* a listener accepting every child */
} End;

typedef struct {
    Packet* p;
    SimTime at;
    uint64_t order;
    int to;
} Flight;

typedef struct {
    SimTime t;
    int from;
    bool dropped;
    size_t len;
    TcpHeader h;
} SegLog;

typedef bool (*DropFn)(Net* n, const Packet* p, int from, uint64_t data_index);

struct _Net {
    SimTime now;
    SimTime latency;    /* one way */
    uint64_t rate;      /* bytes per second each way, 0: unlimited */
    SimTime link_free[2];
    GQueue flights;
    uint64_t order;
    End* ends[64];
    int nends;
    uint32_t lcg;
    double loss;        /* probability for segments with payload */
    bool blackhole[2];  /* drop everything from this host */
    DropFn drop;
    uint64_t data_seen[2];
    int drop_arg;
    GArray* log;        /* SegLog */
    bool refuse_children;
    End* accepted[32];
    int naccepted;
};

static uint32_t _rand(Net* n) {
    n->lcg = n->lcg * 1664525u + 1013904223u;
    return n->lcg;
}

static uint8_t _pattern(uint64_t i) {
    return (uint8_t)(i * 131 + (i >> 9) * 7 + (i >> 17));
}

static void _net_send(Net* n, Packet* p, int from) {
    bool drop = n->blackhole[from];
    if (p->len > 0) {
        uint64_t idx = n->data_seen[from]++;
        if (n->drop != NULL && n->drop(n, p, from, idx)) {
            drop = true;
        }
        if (n->loss > 0 && (_rand(n) >> 8) < (uint32_t)(n->loss * (1u << 24))) {
            drop = true;
        }
    }
    SegLog l = {.t = n->now, .from = from, .dropped = drop, .len = p->len, .h = p->tcp};
    g_array_append_val(n->log, l);
    if (drop) {
        packet_free(p);
        return;
    }
    SimTime at = n->now + n->latency;
    if (n->rate > 0) {
        SimTime start = n->link_free[from] > n->now ? n->link_free[from] : n->now;
        n->link_free[from] = start + packet_wireSize(p) * SEC / n->rate;
        at = n->link_free[from] + n->latency;
    }
    Flight* f = g_new(Flight, 1);
    *f = (Flight){.p = p, .at = at, .order = n->order++, .to = 1 - from};
    GList* l2 = n->flights.tail;
    while (l2 != NULL && ((Flight*)l2->data)->at > at) {
        l2 = l2->prev;
    }
    if (l2 == NULL) {
        g_queue_push_head(&n->flights, f);
    } else {
        g_queue_insert_after(&n->flights, l2, f);
    }
}

static void _cb_output(void* owner, Packet* p) {
    End* e = owner;
    if (p->dst.port == 0) {
        p->src = (NetAddr){HOST_IP(e->host), e->port};
        p->dst = (NetAddr){HOST_IP(1 - e->host), e->peer_port};
    }
    _net_send(e->net, p, e->host);
}

static void _cb_arm(void* owner, SimTime when) {
    ((End*)owner)->timer = when;
}

static void _cb_changed(void* owner) {
    ((End*)owner)->changed++;
}

static void _cb_released(void* owner) {
    ((End*)owner)->released++;
}

static bool _cb_mayOutput(void* owner) {
    return !((End*)owner)->tsq_closed;
}

static uint32_t _cb_random(void* owner) {
    return _rand(((End*)owner)->net);
}

static End* _end_add(Net* n, int host, uint16_t port, uint16_t peer_port, TcpConn* c) {
    End* e = g_new0(End, 1);
    e->net = n;
    e->host = host;
    e->port = port;
    e->peer_port = peer_port;
    e->timer = SIMTIME_INVALID;
    e->c = c;
    ck_assert_int_lt(n->nends, (int)G_N_ELEMENTS(n->ends));
    n->ends[n->nends++] = e;
    return e;
}

static bool _cb_newChild(void* owner, TcpConn* child, const Packet* syn) {
    End* l = owner;
    if (l->net->refuse_children) {
        return false;
    }
    End* e = _end_add(l->net, l->host, l->port, syn->src.port, child);
    tcp_setOwner(child, e);
    return true;
}

static const TcpCallbacks _callbacks = {
    .output = _cb_output,
    .arm_timer = _cb_arm,
    .changed = _cb_changed,
    .new_child = _cb_newChild,
    .released = _cb_released,
    .may_output = _cb_mayOutput,
    .random = _cb_random,
};

static TcpConfig _config(void) {
    return (TcpConfig){.rcvbuf = 131072, .sndbuf = 16384, .rcv_autotune = true,
                       .snd_autotune = true, .mss = 0, .cc = TCP_CC_CUBIC};
}

static End* _end_new(Net* n, int host, uint16_t port, uint16_t peer_port, const TcpConfig* cfg) {
    TcpConfig def = _config();
    End* e = _end_add(n, host, port, peer_port, NULL);
    e->c = tcp_new(cfg ? cfg : &def, &_callbacks, e);
    return e;
}

static Net* _net_new(SimTime latency) {
    Net* n = g_new0(Net, 1);
    n->latency = latency;
    n->lcg = 12345;
    g_queue_init(&n->flights);
    n->log = g_array_new(FALSE, TRUE, sizeof(SegLog));
    return n;
}

static void G_GNUC_UNUSED _net_dump(const Net* n, guint from, guint max) {
    for (guint i = from; i < n->log->len && i < from + max; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        fprintf(stderr, "%9.3f ms %d->%d %s%s%s%s%s seq=%u ack=%u len=%zu win=%u sack=%u%s\n",
                (double)s->t / MS, s->from, 1 - s->from, s->h.flags & TCP_FLAG_SYN ? "S" : "",
                s->h.flags & TCP_FLAG_FIN ? "F" : "", s->h.flags & TCP_FLAG_RST ? "R" : "",
                s->h.flags & TCP_FLAG_PSH ? "P" : "", s->h.flags & TCP_FLAG_ACK ? "." : "",
                s->h.seq, s->h.ack, s->len, s->h.window, s->h.nsack, s->dropped ? " DROP" : "");
    }
}

static void _net_free(Net* n) {
    if (getenv("TCP_DUMP") != NULL) {
        _net_dump(n, 0, (guint)atoi(getenv("TCP_DUMP")));
    }
    Flight* f;
    while ((f = g_queue_pop_head(&n->flights)) != NULL) {
        packet_free(f->p);
        g_free(f);
    }
    for (int i = 0; i < n->nends; i++) {
        tcp_free(n->ends[i]->c);
        g_free(n->ends[i]);
    }
    g_array_free(n->log, TRUE);
    g_free(n);
}

/* The connection a segment arriving at `host` belongs to, as a socket table would find it. */
static End* _net_lookup(Net* n, int host, const Packet* p) {
    End* listener = NULL;
    for (int i = 0; i < n->nends; i++) {
        End* e = n->ends[i];
        if (e->host != host || e->port != p->dst.port || e->released || e->c == NULL) {
            continue;
        }
        TcpState st = tcp_state(e->c);
        if (e->peer_port == p->src.port && st != TCP_ST_CLOSE) {
            return e;
        }
        if (e->peer_port == 0 && st == TCP_ST_LISTEN) {
            listener = e;
        }
    }
    return listener;
}

static void _app_pump(End* e) {
    static uint8_t buf[65536];
    if (e->c == NULL || e->released) {
        return;
    }
    TcpConn* c = e->c;
    Net* n = e->net;
    while (e->to_send > 0) {
        size_t chunk = e->to_send < sizeof(buf) ? (size_t)e->to_send : sizeof(buf);
        size_t space = tcp_sendSpace(c);
        chunk = chunk < space || space == 0 ? chunk : space; /* 0: let tcp_send say why */
        chunk = space == 0 ? 1 : chunk;
        for (size_t i = 0; i < chunk; i++) {
            buf[i] = _pattern(e->sent + i);
        }
        int64_t r = tcp_send(c, buf, chunk, 0, n->now);
        if (r <= 0) {
            if (r < 0 && r != -EAGAIN) {
                e->last_err = r;
                e->to_send = 0;
            }
            break;
        }
        e->sent += (uint64_t)r;
        if (e->to_send != UINT64_MAX) {
            e->to_send -= (uint64_t)r;
        }
    }
    if (e->shut_when_sent && e->to_send == 0) {
        e->shut_when_sent = false;
        tcp_shutdown(c, false, true, n->now);
    }
    while (e->reading && !e->eof) {
        int64_t r = tcp_recv(c, buf, sizeof(buf), false, n->now);
        if (r == 0) {
            e->eof = true;
        }
        if (r <= 0) {
            if (r < 0 && r != -EAGAIN) {
                e->last_err = r;
            }
            break;
        }
        for (int64_t i = 0; i < r; i++) {
            if (buf[i] != _pattern(e->recvd + (uint64_t)i)) {
                e->bad = true;
            }
        }
        e->recvd += (uint64_t)r;
    }
    if (e->auto_accept && tcp_state(c) == TCP_ST_LISTEN) {
        TcpConn* child;
        while ((child = tcp_accept(c)) != NULL) {
            for (int i = 0; i < n->nends; i++) {
                if (n->ends[i]->c == child) {
                    n->ends[i]->reading = true;
                    n->accepted[n->naccepted++] = n->ends[i];
                }
            }
        }
    }
}

/* Runs the next event if it comes at or before `until`; false when there is none. */
static bool _net_step(Net* n, SimTime until) {
    for (int i = 0; i < n->nends; i++) {
        _app_pump(n->ends[i]); /* what the applications do before anything else happens */
    }
    Flight* f = g_queue_peek_head(&n->flights);
    SimTime t = f != NULL ? f->at : SIMTIME_INVALID;
    End* timer_end = NULL;
    for (int i = 0; i < n->nends; i++) {
        End* e = n->ends[i];
        if (!e->released && e->timer < t) {
            t = e->timer;
            timer_end = e;
        }
    }
    if (t == SIMTIME_INVALID || t > until) {
        if (until != SIMTIME_INVALID) {
            n->now = until;
        }
        return false;
    }
    ck_assert_uint_ge(t, n->now);
    n->now = t;
    if (timer_end != NULL) {
        SimTime before = timer_end->timer;
        tcp_onTimer(timer_end->c, t);
        /* The engine must have moved its deadline past now (or off). */
        ck_assert(timer_end->released || timer_end->timer != before || before > t);
    } else {
        g_queue_pop_head(&n->flights);
        End* e = _net_lookup(n, f->to, f->p);
        if (e != NULL) {
            tcp_input(e->c, f->p, t);
        } else {
            Packet* rst = tcp_makeReset(f->p);
            if (rst != NULL) {
                _net_send(n, rst, f->to);
            }
        }
        packet_free(f->p);
        g_free(f);
    }
    for (int i = 0; i < n->nends; i++) {
        _app_pump(n->ends[i]);
    }
    return true;
}

static void _net_run(Net* n, SimTime until) {
    while (_net_step(n, until)) {
    }
}

/* A client on host 0 (port 1000+k) connected to a listener on host 1 port 80, both accepted;
 * returns the client, *server gets the accepted end. */
static End* _net_connect(Net* n, End* listener, uint16_t cport, const TcpConfig* cfg,
                         End** server) {
    End* cl = _end_new(n, 0, cport, listener->port, cfg);
    int before = n->naccepted;
    ck_assert_int_eq(tcp_connect(cl->c, n->now), 0);
    while (n->naccepted == before || tcp_state(cl->c) != TCP_ST_ESTABLISHED) {
        ck_assert(_net_step(n, SIMTIME_INVALID));
    }
    if (server != NULL) {
        *server = n->accepted[n->naccepted - 1];
    }
    cl->reading = true;
    return cl;
}

static End* _net_listen(Net* n, const TcpConfig* cfg, int backlog) {
    End* l = _end_new(n, 1, 80, 0, cfg);
    ck_assert_int_eq(tcp_listen(l->c, backlog, n->now), 0);
    l->auto_accept = true;
    return l;
}

static struct tcp_info _info(const End* e) {
    struct tcp_info i;
    tcp_getInfo(e->c, &i, e->net->now);
    return i;
}

/* Data segments from `from` whose sequence number was sent before (retransmissions). */
static int _retransmissions(const Net* n, int from) {
    GHashTable* seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    int count = 0;
    for (guint i = 0; i < n->log->len; i++) {
        const SegLog* l = &g_array_index(n->log, SegLog, i);
        if (l->from != from || l->len == 0) {
            continue;
        }
        gpointer key = GUINT_TO_POINTER(l->h.seq);
        if (g_hash_table_contains(seen, key)) {
            count++;
        }
        g_hash_table_add(seen, key);
    }
    g_hash_table_destroy(seen);
    return count;
}

/* ---- Handshake ---------------------------------------------------------------------------------- */

START_TEST(test_handshake_options) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    ck_assert_int_eq(n->now, 15 * MS); /* the server's child is established after 1.5 RTT */
    const SegLog* syn = &g_array_index(n->log, SegLog, 0);
    ck_assert_uint_eq(syn->h.flags, TCP_FLAG_SYN);
    ck_assert_uint_eq(syn->h.mss, 1460);
    ck_assert_int_eq(syn->h.wscale, 7); /* 6 MiB tcp_rmem[2] */
    ck_assert(syn->h.sack_permitted && syn->h.has_ts);
    ck_assert_uint_eq(syn->h.tsecr, 0);
    ck_assert_uint_eq(syn->h.window, 65535);
    const SegLog* synack = &g_array_index(n->log, SegLog, 1);
    ck_assert_uint_eq(synack->h.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
    ck_assert_uint_eq(synack->h.ack, syn->h.seq + 1);
    ck_assert_uint_eq(synack->h.mss, 1460);
    ck_assert_int_eq(synack->h.wscale, 7);
    ck_assert(synack->h.sack_permitted && synack->h.has_ts);
    ck_assert_uint_eq(synack->h.tsecr, syn->h.tsval);
    const SegLog* ack = &g_array_index(n->log, SegLog, 2);
    ck_assert_uint_eq(ack->h.flags, TCP_FLAG_ACK);
    ck_assert_uint_eq(ack->h.seq, syn->h.seq + 1);
    ck_assert_uint_eq(ack->h.ack, synack->h.seq + 1);
    ck_assert(ack->h.has_ts && ack->h.wscale == -1 && ack->h.mss == 0);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_ESTABLISHED);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_ESTABLISHED);
    ck_assert_int_eq(tcp_getMaxSeg(cl->c), 1448); /* 1460 less the timestamps */
    ck_assert_int_eq(tcp_getMaxSeg(srv->c), 1448);
    struct tcp_info i = _info(cl);
    ck_assert_uint_eq(i.tcpi_options, TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
    ck_assert_uint_eq(i.tcpi_snd_wscale, 7);
    ck_assert_uint_eq(i.tcpi_rcv_wscale, 7);
    ck_assert_uint_eq(i.tcpi_rtt, 10000); /* the SYN's round trip */
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 0);
    ck_assert_uint_eq(srv->released, 0);
    _net_free(n);
}
END_TEST

/* A SYN offering neither timestamps nor SACK, a small MSS and shift 2: the SYN-ACK offers only
 * what the SYN did, and the child uses the peer's MSS. */
START_TEST(test_handshake_negotiation) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* fake = _end_add(n, 0, 2000, 80, NULL); /* the test speaks for host 0 */
    (void)fake;
    Packet syn = {.proto = NET_PROTO_TCP, .src = {HOST_IP(0), 2000}, .dst = {HOST_IP(1), 80}};
    syn.tcp = (TcpHeader){.seq = 5000, .flags = TCP_FLAG_SYN, .window = 8192, .mss = 1000,
                          .wscale = 2};
    tcp_input(l->c, &syn, 0);
    ck_assert_uint_eq(n->log->len, 1);
    const SegLog sa_copy = g_array_index(n->log, SegLog, 0); /* the log grows */
    const SegLog* sa = &sa_copy;
    ck_assert_uint_eq(sa->h.flags, TCP_FLAG_SYN | TCP_FLAG_ACK);
    ck_assert_uint_eq(sa->h.ack, 5001);
    ck_assert_uint_eq(sa->h.mss, 1460);
    ck_assert_int_eq(sa->h.wscale, 7);
    ck_assert(!sa->h.sack_permitted && !sa->h.has_ts);
    End* child = n->ends[n->nends - 1];
    ck_assert_int_eq(tcp_state(child->c), TCP_ST_SYN_RECV);
    ck_assert_int_eq(tcp_getMaxSeg(child->c), 1000);
    /* Without wscale from the peer neither side scales. */
    Packet syn2 = syn;
    syn2.src.port = 2001;
    syn2.tcp.wscale = -1;
    syn2.tcp.has_ts = true;
    syn2.tcp.tsval = 77;
    tcp_input(l->c, &syn2, 0);
    const SegLog sa2_copy = g_array_index(n->log, SegLog, 1);
    const SegLog* sa2 = &sa2_copy;
    ck_assert_int_eq(sa2->h.wscale, -1);
    ck_assert(sa2->h.has_ts && sa2->h.tsecr == 77);
    End* child2 = n->ends[n->nends - 1];
    ck_assert_int_eq(tcp_getMaxSeg(child2->c), 1000 - 12);
    struct tcp_info i = _info(child2);
    ck_assert_uint_eq(i.tcpi_options, TCPI_OPT_TIMESTAMPS);
    ck_assert_uint_eq(i.tcpi_rcv_wscale, 0);
    /* The final ACK for the first child establishes it and queues it. */
    Packet ack = syn;
    ack.tcp = (TcpHeader){.seq = 5001, .ack = sa->h.seq + 1, .flags = TCP_FLAG_ACK,
                          .window = 1000, .wscale = -1};
    tcp_input(child->c, &ack, 1 * MS);
    ck_assert_int_eq(tcp_state(child->c), TCP_ST_ESTABLISHED);
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 1);
    ck_assert_uint_eq(_info(child).tcpi_snd_wnd, 4000); /* 1000 << 2 */
    _net_free(n);
}
END_TEST

START_TEST(test_connect_refused) {
    Net* n = _net_new(5 * MS);
    End* cl = _end_new(n, 0, 1000, 81, NULL); /* nothing listens on 81 */
    ck_assert_int_eq(tcp_connect(cl->c, 0), 0);
    ck_assert_int_eq(tcp_connect(cl->c, 0), -EALREADY);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_int_eq(n->now, 10 * MS);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_CLOSE);
    ck_assert(tcp_pollEvents(cl->c) & POLLERR);
    ck_assert(tcp_pollEvents(cl->c) & POLLHUP);
    ck_assert_int_eq(tcp_takeError(cl->c), ECONNREFUSED);
    ck_assert_int_eq(tcp_takeError(cl->c), 0);
    ck_assert_int_eq(cl->released, 0); /* the user still has it */
    tcp_close(cl->c, n->now);
    ck_assert_int_eq(cl->released, 1);
    _net_free(n);
}
END_TEST

START_TEST(test_syn_timeout) {
    Net* n = _net_new(5 * MS);
    n->blackhole[0] = true;
    End* cl = _end_new(n, 0, 1000, 80, NULL);
    ck_assert_int_eq(tcp_connect(cl->c, 0), 0);
    _net_run(n, SIMTIME_INVALID);
    /* SYNs at 0, 1, 3, 7, 15, 31, 63 s; ETIMEDOUT at 127 s (tcp_syn_retries 6). */
    const SimTime when[] = {0, 1, 3, 7, 15, 31, 63};
    ck_assert_uint_eq(n->log->len, G_N_ELEMENTS(when));
    for (size_t i = 0; i < G_N_ELEMENTS(when); i++) {
        const SegLog* l = &g_array_index(n->log, SegLog, i);
        ck_assert_uint_eq(l->t, when[i] * SEC);
        ck_assert_uint_eq(l->h.flags, TCP_FLAG_SYN);
    }
    ck_assert_uint_eq(n->now, 127 * SEC);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_CLOSE);
    ck_assert_int_eq(tcp_peekError(cl->c), ETIMEDOUT);
    ck_assert_int_eq(tcp_send(cl->c, (const uint8_t*)"x", 1, 0, n->now), -ETIMEDOUT);
    ck_assert_int_eq(tcp_send(cl->c, (const uint8_t*)"x", 1, 0, n->now), -EPIPE);
    _net_free(n);
}
END_TEST

/* A full accept queue drops SYNs; the client's retransmission gets in once there is room. */
START_TEST(test_backlog_overflow) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 0); /* the queue holds backlog + 1 = 1 */
    l->auto_accept = false;
    End* a = _end_new(n, 0, 1000, 80, NULL);
    End* b = _end_new(n, 0, 1001, 80, NULL);
    tcp_connect(a->c, 0);
    _net_run(n, 100 * MS);
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 1);
    ck_assert(tcp_pollEvents(l->c) & POLLIN);
    tcp_connect(b->c, n->now);
    _net_run(n, 500 * MS);
    ck_assert_int_eq(tcp_state(b->c), TCP_ST_SYN_SENT); /* its SYN was dropped */
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 1);
    TcpConn* first = tcp_accept(l->c);
    ck_assert_ptr_eq(first, n->ends[3]->c); /* a's child (the listener, a, b, then it) */
    ck_assert_ptr_null(tcp_accept(l->c));
    _net_run(n, 2 * SEC);
    /* The SYN again at 100 ms + 1 s; established one round trip later. */
    ck_assert_int_eq(tcp_state(b->c), TCP_ST_ESTABLISHED);
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 1);
    struct tcp_info i = _info(b);
    ck_assert_uint_eq(i.tcpi_total_retrans, 1);
    _net_free(n);
}
END_TEST

/* Closing a listener resets its queued children and releases them. */
START_TEST(test_listener_close) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 8);
    l->auto_accept = false;
    End* a = _end_new(n, 0, 1000, 80, NULL);
    tcp_connect(a->c, 0);
    _net_run(n, 100 * MS);
    ck_assert_uint_eq(tcp_acceptQueueLen(l->c), 1);
    End* child = n->ends[2];
    tcp_close(l->c, n->now);
    ck_assert_int_eq(child->released, 1);
    ck_assert_int_eq(l->released, 1);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_int_eq(tcp_state(a->c), TCP_ST_CLOSE);
    ck_assert_int_eq(tcp_takeError(a->c), ECONNRESET);
    _net_free(n);
}
END_TEST

/* ---- Data --------------------------------------------------------------------------------------- */

/* `bytes` more from `from` to `to`, all read by `limit`. */
static void _transfer(Net* n, End* from, End* to, uint64_t bytes, SimTime limit) {
    from->to_send += bytes;
    uint64_t target = to->recvd + bytes;
    to->reading = true;
    while (to->recvd < target && n->now < limit) {
        if (!_net_step(n, limit)) {
            break;
        }
    }
    ck_assert_uint_eq(to->recvd, target);
    ck_assert(!to->bad);
}

START_TEST(test_bulk_clean) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    _transfer(n, cl, srv, 10 * 1000 * 1000, 600 * SEC);
    ck_assert_int_eq(_retransmissions(n, 0), 0);
    _net_run(n, n->now + 100 * MS);
    struct tcp_info i = _info(cl);
    ck_assert_uint_eq(i.tcpi_total_retrans, 0);
    ck_assert_uint_eq(i.tcpi_snd_ssthresh, 0x7fffffff);
    ck_assert_uint_eq(i.tcpi_bytes_acked, 10 * 1000 * 1000);
    /* Closing both: FIN each way, the client (first to close) in TIME_WAIT. */
    _net_run(n, n->now + 1 * SEC);
    tcp_close(cl->c, n->now);
    _net_run(n, n->now + 1 * SEC);
    ck_assert(srv->eof);
    tcp_close(srv->c, n->now);
    _net_run(n, n->now + 1 * SEC);
    ck_assert_int_eq(srv->released, 1);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_TIME_WAIT);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_int_eq(cl->released, 1);
    _net_free(n);
}
END_TEST

START_TEST(test_bulk_random_loss) {
    Net* n = _net_new(10 * MS);
    n->rate = 10 * 1000 * 1000 / 8;
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    n->loss = 0.01;
    _transfer(n, cl, srv, 4 * 1000 * 1000, 600 * SEC);
    struct tcp_info i = _info(cl);
    ck_assert_uint_gt(i.tcpi_total_retrans, 10);
    ck_assert_int_gt(_retransmissions(n, 0), 10);
    /* Both ways at once with loss, then a clean close. */
    cl->reading = true;
    srv->to_send = 1000 * 1000;
    cl->to_send = 1000 * 1000;
    uint64_t before = srv->recvd;
    _net_run(n, n->now + 200 * SEC);
    ck_assert_uint_eq(srv->recvd, before + 1000 * 1000);
    ck_assert_uint_eq(cl->recvd, 1000 * 1000);
    ck_assert(!cl->bad && !srv->bad);
    _net_free(n);
}
END_TEST

static bool _dropBurst(Net* n, const Packet* p, int from, uint64_t idx) {
    return from == 0 && idx >= 300 && idx < 300 + (uint64_t)n->drop_arg;
}

START_TEST(test_bulk_burst_loss) {
    Net* n = _net_new(10 * MS);
    n->rate = 50 * 1000 * 1000 / 8;
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    n->drop = _dropBurst;
    n->drop_arg = 40;
    _transfer(n, cl, srv, 3 * 1000 * 1000, 600 * SEC);
    ck_assert_int_ge(_retransmissions(n, 0), 40);
    _net_free(n);
}
END_TEST

static bool _dropOne(Net* n, const Packet* p, int from, uint64_t idx) {
    return from == 0 && idx == (uint64_t)n->drop_arg;
}

/* One lost segment: three duplicate ACKs (with SACK) bring its retransmission within about a
 * round trip, with no timeout, and cwnd is cut to beta (0.7 for CUBIC). */
START_TEST(test_fast_retransmit) {
    Net* n = _net_new(20 * MS);
    n->rate = 10 * 1000 * 1000 / 8;
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    n->drop = _dropOne;
    n->drop_arg = 100;
    _transfer(n, cl, srv, 1000 * 1000, 600 * SEC);
    ck_assert_int_eq(_retransmissions(n, 0), 1);
    /* The retransmission follows the loss by about one RTT (40 ms plus queueing), far less
     * than the RTO. */
    SimTime lost_at = 0, again_at = 0;
    uint32_t lost_seq = 0;
    for (guint i = 0; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        if (s->from == 0 && s->dropped) {
            lost_at = s->t;
            lost_seq = s->h.seq;
        } else if (s->from == 0 && lost_at && s->h.seq == lost_seq && s->len > 0) {
            again_at = s->t;
        }
    }
    ck_assert_uint_gt(again_at, lost_at + 40 * MS);
    ck_assert_uint_lt(again_at, lost_at + 200 * MS);
    struct tcp_info i = _info(cl);
    ck_assert_uint_eq(i.tcpi_total_retrans, 1);
    ck_assert_uint_eq(i.tcpi_retransmits, 0);
    ck_assert_uint_lt(i.tcpi_snd_ssthresh, 0x7fffffff);
    ck_assert_uint_ge(_info(srv).tcpi_rcv_ooopack, 3);
    _net_free(n);
}
END_TEST

/* The peer vanishes: retransmissions at RTO, 2 RTO, 4 RTO... and ETIMEDOUT after 15. */
START_TEST(test_rto_backoff_timeout) {
    Net* n = _net_new(10 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    ck_assert_uint_eq(_info(cl).tcpi_rto, 220000); /* srtt 20 ms + max(4 rttvar, 200 ms) */
    n->blackhole[0] = true;
    guint first = n->log->len;
    SimTime start = n->now;
    ck_assert_int_eq(tcp_send(cl->c, (const uint8_t*)"hello", 5, 0, n->now), 5);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_uint_eq(n->log->len - first, 16); /* the send and 15 retransmissions */
    SimTime expect = start, rto = 220 * MS;
    for (guint i = first; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        ck_assert_uint_eq(s->t, expect);
        ck_assert_uint_eq(s->len, 5);
        expect += rto;
        rto = rto * 2 < 120 * SEC ? rto * 2 : 120 * SEC;
    }
    ck_assert_uint_eq(n->now, expect); /* the 16th expiry gives up */
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_CLOSE);
    ck_assert_int_eq(cl->last_err, -ETIMEDOUT); /* the reader got it */
    _net_free(n);
}
END_TEST

/* After one RTO the window is 1 and ssthresh what CUBIC gives (Linux: 0.7 cwnd). */
START_TEST(test_rto_cwnd) {
    Net* n = _net_new(10 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    tcp_setCongestion(cl->c, "reno");
    n->blackhole[0] = true;
    cl->to_send = 20000;
    _net_run(n, n->now + 1 * MS);
    ck_assert_uint_eq(_info(cl).tcpi_snd_cwnd, 10);
    _net_run(n, n->now + 225 * MS);
    struct tcp_info i = _info(cl);
    ck_assert_uint_eq(i.tcpi_snd_cwnd, 1);
    ck_assert_uint_eq(i.tcpi_snd_ssthresh, 5); /* Reno halves */
    ck_assert_uint_eq(i.tcpi_ca_state, 4);     /* TCP_CA_Loss */
    ck_assert_uint_eq(i.tcpi_retransmits, 1);
    ck_assert_uint_eq(i.tcpi_backoff, 1);
    ck_assert_uint_eq(i.tcpi_rto, 440000);
    n->blackhole[0] = false;
    _net_run(n, n->now + 10 * SEC);
    ck_assert_uint_eq(srv->recvd, 20000);
    ck_assert_uint_eq(_info(cl).tcpi_ca_state, 0);
    _net_free(n);
}
END_TEST

/* ---- Flow control ------------------------------------------------------------------------------- */

START_TEST(test_zero_window) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    tcp_setRcvBuf(l->c, 65536); /* a window of 32 KiB at most, so no window scaling */
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    ck_assert_uint_eq(_info(srv).tcpi_rcv_wscale, 0);
    srv->reading = false;
    cl->to_send = 200000;
    _net_run(n, n->now + 30 * SEC);
    ck_assert_uint_le(tcp_readable(srv->c), 65536);
    ck_assert_uint_ge(tcp_readable(srv->c), 32768 - 1448);
    /* Zero-window probes: an old sequence number (snd_una - 1), no data, at doubling intervals. */
    uint32_t iss = g_array_index(n->log, SegLog, 0).h.seq;
    uint32_t probe_seq = iss + (uint32_t)_info(cl).tcpi_bytes_acked;
    SimTime probe_times[32];
    int probes = 0;
    for (guint i = 0; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        if (s->from == 0 && s->len == 0 && s->h.seq == probe_seq && probes < 32) {
            probe_times[probes++] = s->t;
        }
    }
    if (getenv("TCP_DUMP") != NULL) {
        _net_dump(n, 0, (guint)atoi(getenv("TCP_DUMP")));
    }
    ck_assert_int_ge(probes, 4);
    for (int i = 2; i < probes; i++) {
        ck_assert_uint_eq(probe_times[i] - probe_times[i - 1],
                          2 * (probe_times[i - 1] - probe_times[i - 2]));
    }
    ck_assert_uint_eq(_info(srv).tcpi_rcv_ssthresh, 0); /* the window we would advertise */
    ck_assert_uint_gt(_info(cl).tcpi_backoff, 1); /* the persist timer's */
    /* The reader drains it: a window update goes out and the rest follows. */
    srv->reading = true;
    _net_run(n, n->now + 60 * SEC);
    ck_assert_uint_eq(srv->recvd, 200000);
    ck_assert(!srv->bad);
    _net_free(n);
}
END_TEST

/* Data segments sent by `from` at or after `t`. */
static int _dataSegsSince(const Net* n, int from, SimTime t) {
    int count = 0;
    for (guint i = 0; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        if (s->from == from && s->len > 0 && s->t >= t) {
            count++;
        }
    }
    return count;
}

START_TEST(test_nagle) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    SimTime t0 = n->now;
    tcp_send(cl->c, (const uint8_t*)"0123456789", 10, 0, t0);
    tcp_send(cl->c, (const uint8_t*)"abcdefghij", 10, 0, t0);
    ck_assert_int_eq(_dataSegsSince(n, 0, t0), 1); /* the second waits for the first's ACK */
    ck_assert_uint_eq(tcp_unsent(cl->c), 10);
    _net_run(n, t0 + 10 * MS - 1);
    ck_assert_int_eq(_dataSegsSince(n, 0, t0), 1);
    _net_run(n, t0 + 10 * MS); /* the (quick) ACK is back */
    ck_assert_int_eq(_dataSegsSince(n, 0, t0), 2);
    _net_run(n, t0 + 15 * MS);
    ck_assert_uint_eq(srv->recvd, 20);
    /* With TCP_NODELAY both leave at once. */
    tcp_setNoDelay(cl->c, true, n->now);
    SimTime t1 = n->now;
    tcp_send(cl->c, (const uint8_t*)"0123456789", 10, 0, t1);
    tcp_send(cl->c, (const uint8_t*)"abcdefghij", 10, 0, t1);
    ck_assert_int_eq(_dataSegsSince(n, 0, t1), 2);
    /* TCP_CORK holds partial segments until it is taken off. */
    _net_run(n, n->now + 100 * MS);
    tcp_setCork(cl->c, true, n->now);
    SimTime t2 = n->now;
    tcp_send(cl->c, (const uint8_t*)"0123456789", 10, 0, t2);
    ck_assert_int_eq(_dataSegsSince(n, 0, t2), 0);
    tcp_send(cl->c, (const uint8_t*)"0123456789", 10, TCP_SEND_MORE, t2);
    ck_assert_int_eq(_dataSegsSince(n, 0, t2), 0);
    tcp_setCork(cl->c, false, t2);
    ck_assert_int_eq(_dataSegsSince(n, 0, t2), 1);
    _net_free(n);
}
END_TEST

/* Quick ACKs at first; then an ACK for every second full segment, or after 40 ms. */
START_TEST(test_delayed_ack) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    tcp_setNoDelay(cl->c, true, n->now);
    /* 16 quick ACKs (one per segment) for the first segments, then delayed ones. */
    guint first = n->log->len;
    for (int i = 0; i < 20; i++) {
        tcp_send(cl->c, (const uint8_t*)"x", 1, 0, n->now);
        _net_run(n, n->now + 100 * MS);
    }
    int k = 0;
    for (guint i = first; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        if (s->from == 0 && s->len > 0) {
            const SegLog* ack = &g_array_index(n->log, SegLog, i + 1);
            ck_assert_int_eq(ack->from, 1);
            ck_assert_uint_eq(ack->t - s->t, (k < 16 ? 5 : 45) * MS);
            k++;
        }
    }
    ck_assert_int_eq(k, 20);
    /* After the quick ACKs: a lone segment is acknowledged 40 ms after it arrived. */
    guint mark = n->log->len;
    SimTime t = n->now;
    tcp_send(cl->c, (const uint8_t*)"y", 1, 0, t);
    _net_run(n, t + 100 * MS);
    const SegLog* ack = &g_array_index(n->log, SegLog, mark + 1);
    ck_assert_int_eq(ack->from, 1);
    ck_assert_uint_eq(ack->t, t + 5 * MS + 40 * MS);
    /* Two full segments: the ACK goes at once after the second. */
    mark = n->log->len;
    t = n->now;
    static uint8_t two[2 * 1448];
    tcp_send(cl->c, two, sizeof(two), 0, t);
    _net_run(n, t + 100 * MS);
    ck_assert_uint_eq(n->log->len - mark, 3);
    ack = &g_array_index(n->log, SegLog, mark + 2);
    ck_assert_int_eq(ack->from, 1);
    ck_assert_uint_eq(ack->t, t + 5 * MS);
    ck_assert_uint_eq(_info(srv).tcpi_ato, 40000);
    _net_free(n);
}
END_TEST

/* TCP small queues: nothing leaves while may_output says no; tcp_outputReady resumes. */
START_TEST(test_small_queues) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    cl->tsq_closed = true;
    guint mark = n->log->len;
    tcp_send(cl->c, (const uint8_t*)"hello", 5, 0, n->now);
    ck_assert_uint_eq(n->log->len, mark);
    cl->tsq_closed = false;
    tcp_outputReady(cl->c, n->now);
    ck_assert_uint_eq(n->log->len, mark + 1);
    _net_run(n, n->now + 1 * SEC);
    ck_assert_uint_eq(srv->recvd, 5);
    _net_free(n);
}
END_TEST

/* ---- Closing -------------------------------------------------------------------------------------- */

START_TEST(test_half_close) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    cl->to_send = 1000;
    cl->shut_when_sent = true;
    _net_run(n, n->now + 1 * SEC);
    ck_assert_uint_eq(srv->recvd, 1000);
    ck_assert(srv->eof);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_CLOSE_WAIT);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_FIN_WAIT2);
    ck_assert(tcp_pollEvents(srv->c) & POLLRDHUP);
    ck_assert_int_eq(tcp_send(cl->c, (const uint8_t*)"x", 1, 0, n->now), -EPIPE);
    /* The other way still works. */
    srv->to_send = 5000;
    srv->sent = 0;
    _net_run(n, n->now + 1 * SEC);
    ck_assert_uint_eq(cl->recvd, 5000);
    ck_assert(!cl->eof);
    tcp_close(srv->c, n->now);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_LAST_ACK);
    SimTime closed_at = n->now;
    _net_run(n, n->now + 1 * SEC);
    ck_assert_int_eq(srv->released, 1);
    ck_assert(cl->eof);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_TIME_WAIT);
    ck_assert(tcp_pollEvents(cl->c) & POLLHUP);
    tcp_close(cl->c, n->now);
    ck_assert_int_eq(cl->released, 0);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_int_eq(cl->released, 1);
    /* TIME_WAIT began when the server's FIN arrived, 5 ms after it was sent. */
    ck_assert_uint_eq(n->now, closed_at + 5 * MS + TCP_TIME_WAIT_LEN);
    _net_free(n);
}
END_TEST

START_TEST(test_simultaneous_close) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    _net_run(n, n->now + 100 * MS);
    SimTime t = n->now;
    tcp_close(cl->c, t);
    tcp_close(srv->c, t);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_FIN_WAIT1);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_FIN_WAIT1);
    _net_step(n, SIMTIME_INVALID);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_CLOSING);
    _net_run(n, t + 20 * MS);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_TIME_WAIT);
    ck_assert_int_eq(tcp_state(srv->c), TCP_ST_TIME_WAIT);
    _net_run(n, SIMTIME_INVALID);
    ck_assert_int_eq(cl->released, 1);
    ck_assert_int_eq(srv->released, 1);
    ck_assert_uint_eq(n->now, t + 10 * MS + TCP_TIME_WAIT_LEN);
    _net_free(n);
}
END_TEST

/* Closing with unread data resets (Linux, RFC 2525 2.17): the peer gets ECONNRESET. */
START_TEST(test_close_unread_resets) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    srv->reading = false;
    cl->to_send = 3000;
    _net_run(n, n->now + 100 * MS);
    ck_assert_uint_eq(tcp_readable(srv->c), 3000);
    guint mark = n->log->len;
    tcp_close(srv->c, n->now);
    ck_assert_int_eq(srv->released, 1);
    const SegLog* rst = &g_array_index(n->log, SegLog, mark);
    ck_assert(rst->h.flags & TCP_FLAG_RST);
    _net_run(n, n->now + 100 * MS);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_CLOSE);
    ck_assert_int_eq(cl->last_err, -ECONNRESET);
    ck_assert(tcp_pollEvents(cl->c) & POLLHUP);
    /* SO_LINGER 0 resets too. */
    End* srv2;
    End* cl2 = _net_connect(n, l, 1001, NULL, &srv2);
    tcp_setLinger(cl2->c, true, 0);
    tcp_close(cl2->c, n->now);
    _net_run(n, n->now + 100 * MS);
    ck_assert_int_eq(tcp_state(srv2->c), TCP_ST_CLOSE);
    ck_assert_int_eq(srv2->last_err, -ECONNRESET);
    _net_free(n);
}
END_TEST

START_TEST(test_keepalive) {
    Net* n = _net_new(5 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    tcp_setKeepaliveParams(cl->c, 10, 2, 3);
    tcp_setKeepalive(cl->c, true, n->now);
    SimTime t = n->now;
    _net_run(n, t + 25 * SEC);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_ESTABLISHED); /* probes answered */
    n->blackhole[1] = true;
    t = n->now;
    guint mark = n->log->len;
    _net_run(n, t + 60 * SEC);
    ck_assert_int_eq(tcp_state(cl->c), TCP_ST_CLOSE);
    ck_assert_int_eq(cl->last_err, -ETIMEDOUT);
    /* Three probes 2 s apart, then a reset. */
    int probes = 0;
    for (guint i = mark; i < n->log->len; i++) {
        const SegLog* s = &g_array_index(n->log, SegLog, i);
        if (s->from == 0) {
            probes += !(s->h.flags & TCP_FLAG_RST);
        }
    }
    ck_assert_int_eq(probes, 3);
    _net_free(n);
}
END_TEST

/* ---- Congestion control and autotuning ---------------------------------------------------------- */

/* A long-RTT path (100 ms) where one segment is lost in slow start, `after` later. */
static struct tcp_info _afterLoss(TcpCongestion cc, SimTime after) {
    Net* n = _net_new(50 * MS);
    TcpConfig cfg = _config();
    cfg.cc = cc;
    cfg.rcvbuf = 16 << 20;
    cfg.sndbuf = 16 << 20;
    cfg.rcv_autotune = cfg.snd_autotune = false;
    End* l = _net_listen(n, &cfg, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, &cfg, &srv);
    n->drop = _dropOne;
    n->drop_arg = 1000;
    cl->to_send = UINT64_MAX;
    while (n->data_seen[0] <= 1000) {
        _net_step(n, SIMTIME_INVALID);
    }
    _net_run(n, n->now + after);
    struct tcp_info i = _info(cl);
    ck_assert(!srv->bad);
    ck_assert_int_eq(_retransmissions(n, 0), 1);
    _net_free(n);
    return i;
}

START_TEST(test_cubic_vs_reno) {
    struct tcp_info cubic = _afterLoss(TCP_CC_CUBIC, 6 * SEC);
    struct tcp_info reno = _afterLoss(TCP_CC_RENO, 6 * SEC);
    /* The same slow start up to the loss: W_max the same for both. Reno halves it, CUBIC
     * keeps 0.7 of it. */
    double w_max = reno.tcpi_snd_ssthresh * 2.0;
    ck_assert_uint_ge(cubic.tcpi_snd_ssthresh, (uint32_t)(0.7 * w_max) - 2);
    ck_assert_uint_le(cubic.tcpi_snd_ssthresh, (uint32_t)(0.7 * w_max) + 2);
    /* Reno: one segment per RTT, about 60 in 6 s less the recovery's RTT. */
    ck_assert_uint_ge(reno.tcpi_snd_cwnd, reno.tcpi_snd_ssthresh + 52);
    ck_assert_uint_le(reno.tcpi_snd_cwnd, reno.tcpi_snd_ssthresh + 62);
    /* CUBIC: K = cbrt(0.3 W_max / 0.4), about 9 s for W_max 1000: at 6 s it is on the concave
     * part, above 95% of W_max, far beyond Reno. */
    ck_assert_uint_ge(cubic.tcpi_snd_cwnd, (uint32_t)(0.95 * w_max));
    ck_assert_uint_le(cubic.tcpi_snd_cwnd, (uint32_t)w_max);
    ck_assert_uint_ge(cubic.tcpi_snd_cwnd, reno.tcpi_snd_cwnd + (uint32_t)(0.3 * w_max));
}
END_TEST

/* 100 Mbit/s, 20 ms RTT: the receive buffer grows from 128 KiB so that the window covers the
 * 250 kB bandwidth-delay product, and the transfer gets near line rate. */
START_TEST(test_autotune_line_rate) {
    Net* n = _net_new(10 * MS);
    n->rate = 100 * 1000 * 1000 / 8;
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    SimTime start = n->now;
    _transfer(n, cl, srv, 5 * 1000 * 1000, 60 * SEC);
    SimTime mid = n->now;
    _transfer(n, cl, srv, 20 * 1000 * 1000, 60 * SEC);
    double secs = (double)(n->now - mid) / SEC;
    double mbit = 20 * 8 / secs;
    ck_assert_msg(mbit > 90, "goodput %.1f Mbit/s", mbit); /* payload: 96.5% of the wire */
    ck_assert_uint_gt(tcp_getRcvBuf(srv->c), 4 * 250 * 1000);
    ck_assert_uint_gt(tcp_getSndBuf(cl->c), 2 * 250 * 1000);
    (void)start;
    _net_free(n);
}
END_TEST

START_TEST(test_getinfo) {
    Net* n = _net_new(10 * MS);
    End* l = _net_listen(n, NULL, 128);
    End* srv;
    End* cl = _net_connect(n, l, 1000, NULL, &srv);
    _transfer(n, cl, srv, 100000, 10 * SEC);
    _net_run(n, n->now + 1 * SEC);
    struct tcp_info i = _info(cl);
    ck_assert_uint_eq(i.tcpi_state, TCP_ST_ESTABLISHED);
    ck_assert_uint_eq(i.tcpi_ca_state, 0);
    ck_assert_uint_eq(i.tcpi_snd_mss, 1448);
    ck_assert_uint_eq(i.tcpi_advmss, 1448);
    ck_assert_uint_eq(i.tcpi_rtt, 20000);
    ck_assert_uint_eq(i.tcpi_rto, 220000);
    ck_assert_uint_eq(i.tcpi_min_rtt, 20000);
    ck_assert_uint_eq(i.tcpi_unacked, 0);
    ck_assert_uint_eq(i.tcpi_total_retrans, 0);
    ck_assert_uint_eq(i.tcpi_snd_ssthresh, 0x7fffffff);
    ck_assert_uint_gt(i.tcpi_snd_cwnd, 10);
    ck_assert_uint_eq(i.tcpi_bytes_acked, 100000);
    ck_assert_uint_eq(i.tcpi_last_data_sent, 1000 + 10); /* the last data went 1010 ms ago */
    ck_assert_uint_gt(i.tcpi_pacing_rate, 0);
    struct tcp_info s = _info(srv);
    ck_assert_uint_eq(s.tcpi_rcv_mss, 1448);
    ck_assert_uint_eq(s.tcpi_bytes_received, 100000);
    ck_assert_uint_eq(s.tcpi_last_data_recv, 1000);
    ck_assert_uint_eq(s.tcpi_data_segs_in, (100000 + 1447) / 1448);
    ck_assert_uint_ge(s.tcpi_rcv_rtt, 20000); /* from the timestamps' milliseconds */
    ck_assert_uint_le(s.tcpi_rcv_rtt, 21000);
    struct tcp_info li = _info(l);
    ck_assert_uint_eq(li.tcpi_state, TCP_ST_LISTEN);
    ck_assert_uint_eq(li.tcpi_sacked, 128);
    _net_free(n);
}
END_TEST

START_TEST(test_options) {
    Net* n = _net_new(5 * MS);
    End* e = _end_new(n, 0, 1000, 80, NULL);
    ck_assert_str_eq(tcp_getCongestion(e->c), "cubic");
    ck_assert_int_eq(tcp_setCongestion(e->c, "bbr"), -ENOENT);
    ck_assert_int_eq(tcp_setCongestion(e->c, "reno"), 0);
    ck_assert_str_eq(tcp_getCongestion(e->c), "reno");
    ck_assert_int_eq(tcp_getMaxSeg(e->c), 1460);
    ck_assert_int_eq(tcp_setMaxSeg(e->c, 50), -EINVAL);
    ck_assert_int_eq(tcp_setMaxSeg(e->c, 1200), 0);
    ck_assert_int_eq(tcp_getMaxSeg(e->c), 1200);
    ck_assert_int_eq(tcp_send(e->c, (const uint8_t*)"x", 1, 0, 0), -ENOTCONN);
    uint8_t b[4];
    ck_assert_int_eq(tcp_recv(e->c, b, 4, false, 0), -ENOTCONN);
    ck_assert_int_eq(tcp_shutdown(e->c, true, true, 0), -ENOTCONN);
    ck_assert_uint_eq(tcp_pollEvents(e->c), POLLOUT | POLLWRNORM | POLLHUP);
    tcp_connect(e->c, 0);
    ck_assert_int_eq(tcp_send(e->c, (const uint8_t*)"x", 1, 0, 0), -EAGAIN);
    ck_assert_uint_eq(n->log->len, 1);
    ck_assert_uint_eq(g_array_index(n->log, SegLog, 0).h.mss, 1200);
    _net_free(n);
}
END_TEST

/* ---- Wire --------------------------------------------------------------------------------------- */

static uint16_t _be16(const uint8_t* p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t _be32(const uint8_t* p) {
    return (uint32_t)_be16(p) << 16 | _be16(p + 2);
}

/* The checksum over pseudo header, header and payload must come out 0. */
static uint16_t _verify(const Packet* p, const uint8_t* hdr, size_t hlen) {
    uint8_t pseudo[12] = {0};
    for (int i = 0; i < 4; i++) {
        pseudo[i] = (uint8_t)(p->src.ip >> (24 - 8 * i));
        pseudo[4 + i] = (uint8_t)(p->dst.ip >> (24 - 8 * i));
    }
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)((hlen + p->len) >> 8);
    pseudo[11] = (uint8_t)(hlen + p->len);
    size_t total = 12 + hlen + p->len;
    uint8_t* all = g_malloc(total);
    memcpy(all, pseudo, 12);
    memcpy(all + 12, hdr, hlen);
    if (p->len > 0) {
        memcpy(all + 12 + hlen, p->payload, p->len);
    }
    uint16_t sum = ipv4_checksum(all, total);
    g_free(all);
    return sum;
}

START_TEST(test_wire_header) {
    Packet syn = {.proto = NET_PROTO_TCP, .src = {HOST_IP(0), 40000}, .dst = {HOST_IP(1), 80}};
    syn.tcp = (TcpHeader){.seq = 0x01020304, .flags = TCP_FLAG_SYN, .window = 65535,
                          .mss = 1460, .wscale = 7, .sack_permitted = true, .has_ts = true,
                          .tsval = 0xaabbccdd};
    ck_assert_uint_eq(tcp_headerLen(&syn.tcp), 40);
    uint8_t h[60];
    ck_assert_uint_eq(tcp_writeHeader(&syn, h), 40);
    ck_assert_uint_eq(_be16(h), 40000);
    ck_assert_uint_eq(_be16(h + 2), 80);
    ck_assert_uint_eq(_be32(h + 4), 0x01020304);
    ck_assert_uint_eq(h[12], 10 << 4);
    ck_assert_uint_eq(h[13], TCP_FLAG_SYN);
    ck_assert_uint_eq(_be16(h + 14), 65535);
    /* Linux's SYN: MSS, SACK_PERM + TS, NOP + WS. */
    const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xaa, 0xbb,
                              0xcc, 0xdd, 0, 0, 0, 0, 1, 3, 3, 7};
    ck_assert_mem_eq(h + 20, opts, 20);
    ck_assert_uint_eq(_verify(&syn, h, 40), 0);
    /* Without SACK: NOP NOP TS. */
    syn.tcp.sack_permitted = false;
    tcp_writeHeader(&syn, h);
    ck_assert_uint_eq(h[24], 1);
    ck_assert_uint_eq(h[25], 1);
    ck_assert_uint_eq(h[26], 8);
    /* SACK without timestamps: NOP NOP SACK_PERM after the MSS. */
    syn.tcp.sack_permitted = true;
    syn.tcp.has_ts = false;
    ck_assert_uint_eq(tcp_headerLen(&syn.tcp), 32);
    tcp_writeHeader(&syn, h);
    const uint8_t opts2[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
    ck_assert_mem_eq(h + 20, opts2, 12);
    /* A data segment with timestamps and three SACK blocks: 60 bytes; odd payload length. */
    uint8_t payload[101];
    for (size_t i = 0; i < sizeof(payload); i++) {
        payload[i] = (uint8_t)(i * 7);
    }
    Packet d = {.proto = NET_PROTO_TCP, .src = {HOST_IP(1), 80}, .dst = {HOST_IP(0), 40000},
                .payload = payload, .len = sizeof(payload)};
    d.tcp = (TcpHeader){.seq = 7, .ack = 9, .flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .window = 512,
                        .wscale = -1, .has_ts = true, .tsval = 1, .tsecr = 2, .nsack = 3,
                        .sack = {{100, 200}, {300, 400}, {500, 600}}};
    ck_assert_uint_eq(tcp_headerLen(&d.tcp), 60);
    ck_assert_uint_eq(tcp_writeHeader(&d, h), 60);
    ck_assert_uint_eq(h[12], 15 << 4);
    const uint8_t ts[4] = {1, 1, 8, 10};
    ck_assert_mem_eq(h + 20, ts, 4);
    const uint8_t sack[4] = {1, 1, 5, 26};
    ck_assert_mem_eq(h + 32, sack, 4);
    ck_assert_uint_eq(_be32(h + 36), 100);
    ck_assert_uint_eq(_be32(h + 56), 600);
    ck_assert_uint_eq(_verify(&d, h, 60), 0);
    /* Four blocks do not fit with timestamps: three are written. */
    d.tcp.nsack = 4;
    ck_assert_uint_eq(tcp_headerLen(&d.tcp), 60);
    /* In an IPv4 packet (pcap). */
    uint8_t ip[IPV4_MAX_HEADERS_LEN];
    size_t total = 0;
    d.tcp.nsack = 1;
    ck_assert_uint_eq(ipv4_buildHeaders(&d, ip, &total), 20 + 44);
    ck_assert_uint_eq(total, 20 + 44 + 101);
    ck_assert_uint_eq(ip[9], 6);
    ck_assert_uint_eq(_be16(ip + 2), total);
    ck_assert_uint_eq(ipv4_checksum(ip, 20), 0);
    ck_assert_uint_eq(_verify(&d, ip + 20, 44), 0);
    ck_assert_uint_eq(packet_wireSize(&d), total);
}
END_TEST

START_TEST(test_make_reset) {
    Packet syn = {.proto = NET_PROTO_TCP, .src = {HOST_IP(0), 40000}, .dst = {HOST_IP(1), 80}};
    syn.tcp = (TcpHeader){.seq = 1000, .flags = TCP_FLAG_SYN, .wscale = 7};
    Packet* r = tcp_makeReset(&syn);
    ck_assert_uint_eq(r->tcp.flags, TCP_FLAG_RST | TCP_FLAG_ACK);
    ck_assert_uint_eq(r->tcp.seq, 0);
    ck_assert_uint_eq(r->tcp.ack, 1001);
    ck_assert_uint_eq(r->src.port, 80);
    ck_assert_uint_eq(r->dst.port, 40000);
    ck_assert_uint_eq(r->dst.ip, HOST_IP(0));
    ck_assert_uint_eq(tcp_headerLen(&r->tcp), 20);
    packet_free(r);
    Packet ack = syn;
    ack.tcp = (TcpHeader){.seq = 5, .ack = 777, .flags = TCP_FLAG_ACK, .wscale = -1};
    r = tcp_makeReset(&ack);
    ck_assert_uint_eq(r->tcp.flags, TCP_FLAG_RST);
    ck_assert_uint_eq(r->tcp.seq, 777);
    packet_free(r);
    ack.tcp.flags = TCP_FLAG_RST;
    ck_assert_ptr_null(tcp_makeReset(&ack));
}
END_TEST

Suite* check_tcp_suite(void) {
    Suite* s = suite_create("tcp");
    TCase* tc = tcase_create("handshake");
    tcase_add_test(tc, test_handshake_options);
    tcase_add_test(tc, test_handshake_negotiation);
    tcase_add_test(tc, test_connect_refused);
    tcase_add_test(tc, test_syn_timeout);
    tcase_add_test(tc, test_backlog_overflow);
    tcase_add_test(tc, test_listener_close);
    tcase_add_test(tc, test_options);
    suite_add_tcase(s, tc);
    tc = tcase_create("data");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bulk_clean);
    tcase_add_test(tc, test_bulk_random_loss);
    tcase_add_test(tc, test_bulk_burst_loss);
    tcase_add_test(tc, test_fast_retransmit);
    tcase_add_test(tc, test_rto_backoff_timeout);
    tcase_add_test(tc, test_rto_cwnd);
    tcase_add_test(tc, test_small_queues);
    suite_add_tcase(s, tc);
    tc = tcase_create("flow");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_zero_window);
    tcase_add_test(tc, test_nagle);
    tcase_add_test(tc, test_delayed_ack);
    suite_add_tcase(s, tc);
    tc = tcase_create("close");
    tcase_add_test(tc, test_half_close);
    tcase_add_test(tc, test_simultaneous_close);
    tcase_add_test(tc, test_close_unread_resets);
    tcase_add_test(tc, test_keepalive);
    suite_add_tcase(s, tc);
    tc = tcase_create("cc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_cubic_vs_reno);
    tcase_add_test(tc, test_autotune_line_rate);
    tcase_add_test(tc, test_getinfo);
    suite_add_tcase(s, tc);
    tc = tcase_create("wire");
    tcase_add_test(tc, test_wire_header);
    tcase_add_test(tc, test_make_reset);
    suite_add_tcase(s, tc);
    return s;
}
