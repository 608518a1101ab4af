/* The TCP engine: see tcp.h (what it follows from Linux) and tcp_internal.h (how it is split).
 * This file holds the connection's life (new, connect, listen, accept, close, done), the user's
 * side (send, recv, shutdown, poll, options), the timers and the listener's queues.
 *
 * Every public entry that can change the connection runs between _tcp_begin and _tcp_end: the
 * end reports the earliest deadline through arm_timer (when it moved), calls `changed` when
 * something a user waits for moved (the poll events, readable or writable bytes, the state, the
 * accept queue, the error), and calls `released` last of all, once, for a finished orphan.
 *
 * Buffers count payload bytes: the send buffer holds unacknowledged and unsent bytes up to
 * sndbuf; the window advertised is half the receive buffer less what is queued in it (Linux's
 * tcp_adv_win_scale 1: the other half stands for Linux's per-packet overhead), so a peer that
 * respects it never fills more than half. */
#include "host/tcp_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

typedef struct {
    TcpState state;
    unsigned events;
    size_t readable, space, acceptq;
    int err;
} TcpSnap;

static void _tcp_begin(const TcpConn* c, TcpSnap* s) {
    memset(s, 0, sizeof(*s)); /* compared with memcmp: no stray padding bytes */
    s->state = c->state;
    s->events = tcp_pollEvents(c);
    s->readable = c->rcvq.len;
    s->space = tcp_sendSpace(c);
    s->acceptq = c->accept_queue.length;
    s->err = c->err;
}

static SimTime _tcp_earliest(const TcpConn* c) {
    SimTime t = c->t_rtx;
    const SimTime others[] = {c->t_persist, c->t_delack, c->t_keepalive, c->t_close};
    for (size_t i = 0; i < G_N_ELEMENTS(others); i++) {
        if (others[i] < t) {
            t = others[i];
        }
    }
    return t;
}

/* Settles an entry: timer, `changed`, and `released` as the very last thing. */
static void _tcp_end(TcpConn* c, const TcpSnap* s) {
    if (c->released) {
        return;
    }
    SimTime t = _tcp_earliest(c);
    if (t != c->armed) {
        c->armed = t;
        c->cb.arm_timer(c->owner, t);
    }
    TcpSnap now;
    _tcp_begin(c, &now);
    if (c->cb.changed != NULL && memcmp(&now, s, sizeof(now)) != 0) {
        c->cb.changed(c->owner);
    }
    if (c->release_due) {
        c->released = true;
        if (c->cb.released != NULL) {
            c->cb.released(c->owner);
        }
    }
}

/* ---- Life ---------------------------------------------------------------------------------------- */

/* The shift for our windows, from the largest the receive buffer may grow to (Linux's
 * tcp_select_initial_window: tcp_rmem[2] unless SO_RCVBUF fixed the size). */
static uint8_t _tcp_wscale(const TcpConn* c) {
    uint64_t space = c->rcv_autotune ? (c->rcvbuf > TCP_RMEM_MAX ? c->rcvbuf : TCP_RMEM_MAX)
                                     : c->rcvbuf / 2;
    uint8_t ws = 0;
    while (space > 65535 && ws < 14) {
        space >>= 1;
        ws++;
    }
    return ws;
}

TcpConn* tcp_new(const TcpConfig* config, const TcpCallbacks* cb, void* owner) {
    TcpConn* c = g_new0(TcpConn, 1);
    c->cb = *cb;
    c->owner = owner;
    c->state = TCP_ST_CLOSE;
    c->cc = config->cc == TCP_CC_RENO ? &tcpcc_reno : &tcpcc_cubic;
    c->rcvbuf = config->rcvbuf ? config->rcvbuf : TCP_RMEM_DEFAULT;
    c->sndbuf = config->sndbuf ? config->sndbuf : TCP_WMEM_DEFAULT;
    c->rcv_autotune = config->rcv_autotune;
    c->snd_autotune = config->snd_autotune;
    c->user_mss = config->mss ? config->mss : TCP_DEFAULT_MSS;
    c->mss = TCP_DEFAULT_PEER_MSS;
    c->advmss = c->user_mss;
    c->rcv_mss = TCP_DEFAULT_PEER_MSS;
    c->keepidle = TCP_KEEPIDLE_DEFAULT;
    c->keepintvl = TCP_KEEPINTVL_DEFAULT;
    c->keepcnt = TCP_KEEPCNT_DEFAULT;
    c->rtx = g_array_new(FALSE, FALSE, sizeof(TcpSeg));
    g_queue_init(&c->ooo);
    g_queue_init(&c->syn_queue);
    g_queue_init(&c->accept_queue);
    c->rto = TCP_RTO_INIT;
    c->cwnd = TCP_INIT_CWND;
    c->ssthresh = TCP_INFINITE_SSTHRESH;
    c->ato = TCP_ATO_MIN;
    c->t_rtx = c->t_persist = c->t_delack = c->t_keepalive = c->t_close = SIMTIME_INVALID;
    c->armed = SIMTIME_INVALID;
    c->cc->init(c);
    return c;
}

static void _tcp_purgeOoo(TcpConn* c) {
    TcpOoo* o;
    while ((o = g_queue_pop_head(&c->ooo)) != NULL) {
        g_free(o->data);
        g_free(o);
    }
    c->ooo_bytes = 0;
}

/* Cuts a child from its listener's queues. */
static void _tcp_unlink(TcpConn* child) {
    TcpConn* l = child->parent;
    if (l != NULL) {
        g_queue_remove(child->in_acceptq ? &l->accept_queue : &l->syn_queue, child);
        child->parent = NULL;
        child->in_acceptq = false;
    }
}

void tcp_free(TcpConn* c) {
    if (c == NULL) {
        return;
    }
    _tcp_unlink(c);
    /* Children belong to the owner (adopted in new_child): they only lose their listener. */
    TcpConn* child;
    while ((child = g_queue_pop_head(&c->syn_queue)) != NULL) {
        child->parent = NULL;
    }
    while ((child = g_queue_pop_head(&c->accept_queue)) != NULL) {
        child->parent = NULL;
        child->in_acceptq = false;
    }
    tcpring_clear(&c->sndq);
    tcpring_clear(&c->rcvq);
    _tcp_purgeOoo(c);
    g_array_free(c->rtx, TRUE);
    g_free(c);
}

void tcp_setOwner(TcpConn* c, void* owner) {
    c->owner = owner;
}

void tcp_setState(TcpConn* c, TcpState st, SimTime now) {
    c->state = st;
    switch (st) {
    case TCP_ST_ESTABLISHED:
        c->was_connected = true;
        c->quick = TCP_MAX_QUICKACKS;
        c->rcv_mss = c->advmss < TCP_DEFAULT_PEER_MSS ? c->advmss : TCP_DEFAULT_PEER_MSS;
        c->rcv_space = c->rcv_wnd < TCP_INIT_CWND * c->advmss ? c->rcv_wnd
                                                              : TCP_INIT_CWND * c->advmss;
        c->space_time = now;
        c->space_copied = c->copied;
        tcp_sndbufExpand(c);
        if (c->keepalive) {
            c->t_keepalive = now + (SimTime)c->keepidle * SIMTIME_ONE_SECOND;
        }
        break;
    case TCP_ST_FIN_WAIT2:
        if (c->orphan) {
            c->t_close = now + TCP_FIN_TIMEOUT;
        }
        break;
    case TCP_ST_TIME_WAIT:
        c->t_close = now + TCP_TIME_WAIT_LEN;
        c->t_rtx = c->t_persist = c->t_keepalive = SIMTIME_INVALID;
        break;
    default:
        break;
    }
}

void tcp_done(TcpConn* c, int err, SimTime now) {
    if (err != 0) {
        c->err = err;
    }
    c->state = TCP_ST_CLOSE;
    c->rcv_shut = c->snd_shut = true;
    tcpring_clear(&c->sndq);
    g_array_set_size(c->rtx, 0);
    c->rtx_head = 0;
    c->packets_out = c->sacked_out = c->lost_out = c->retrans_out = 0;
    _tcp_purgeOoo(c);
    c->t_rtx = c->t_persist = c->t_delack = c->t_keepalive = c->t_close = SIMTIME_INVALID;
    c->ack_now = c->ack_pending = false;
    TcpConn* l = c->parent;
    if (l != NULL) {
        bool queued = c->in_acceptq;
        _tcp_unlink(c);
        if (queued && l->cb.changed != NULL) {
            l->cb.changed(l->owner);
        }
    }
    if (c->orphan) {
        c->release_due = true;
    }
}

/* ---- Opening -------------------------------------------------------------------------------------- */

/* Sequence numbers and timestamps start from the owner's generator. */
static void _tcp_initSeq(TcpConn* c, uint32_t iss, uint32_t ts_offset) {
    c->iss = iss;
    c->snd_una = iss;
    c->snd_nxt = iss + 1;
    c->data_seq = iss + 1;
    c->snd_sml = iss;
    c->ts_offset = ts_offset;
    c->rcv_wscale = _tcp_wscale(c);
}

int tcp_connect(TcpConn* c, SimTime now) {
    switch (c->state) {
    case TCP_ST_CLOSE:
        break;
    case TCP_ST_SYN_SENT:
    case TCP_ST_SYN_RECV:
        return -EALREADY;
    case TCP_ST_LISTEN:
        return -EINVAL;
    default:
        return -EISCONN;
    }
    if (c->orphan) {
        return -EINVAL;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    uint32_t iss = c->cb.random(c->owner);
    _tcp_initSeq(c, iss, c->cb.random(c->owner));
    c->err = 0;
    c->rcv_shut = c->snd_shut = c->fin_rcvd = c->fin_sent = c->fin_acked = false;
    c->retransmits = c->backoff = 0;
    c->state = TCP_ST_SYN_SENT;
    tcpout_sendSyn(c, now);
    c->t_rtx = now + TCP_RTO_INIT;
    _tcp_end(c, &snap);
    return 0;
}

int tcp_listen(TcpConn* c, int backlog, SimTime now) {
    if (c->state != TCP_ST_CLOSE && c->state != TCP_ST_LISTEN) {
        return -EINVAL;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    c->backlog = backlog < 0 ? 0 : (backlog > 4096 ? 4096 : backlog);
    c->state = TCP_ST_LISTEN;
    c->rcv_shut = c->snd_shut = false;
    _tcp_end(c, &snap);
    return 0;
}

TcpConn* tcp_childNew(TcpConn* l) {
    int syn_max = l->backlog + 1 > TCP_MAX_SYN_QUEUE ? l->backlog + 1 : TCP_MAX_SYN_QUEUE;
    if ((int)l->accept_queue.length > l->backlog || (int)l->syn_queue.length >= syn_max) {
        return NULL; /* Linux's sk_acceptq_is_full: the SYN is dropped */
    }
    TcpConfig cfg = {
        .rcvbuf = l->rcvbuf,
        .sndbuf = l->sndbuf,
        .rcv_autotune = l->rcv_autotune,
        .snd_autotune = l->snd_autotune,
        .mss = l->user_mss,
        .cc = l->cc == &tcpcc_reno ? TCP_CC_RENO : TCP_CC_CUBIC,
    };
    TcpConn* c = tcp_new(&cfg, &l->cb, l->owner);
    c->nodelay = l->nodelay;
    c->linger_on = l->linger_on;
    c->linger_sec = l->linger_sec;
    c->keepalive = l->keepalive;
    c->keepidle = l->keepidle;
    c->keepintvl = l->keepintvl;
    c->keepcnt = l->keepcnt;
    c->user_timeout_ms = l->user_timeout_ms;
    c->orphan = true; /* nobody's until accepted */
    uint32_t iss = l->cb.random(l->owner);
    _tcp_initSeq(c, iss, l->cb.random(l->owner));
    return c;
}

bool tcp_childEstablished(TcpConn* child) {
    TcpConn* l = child->parent;
    if ((int)l->accept_queue.length > l->backlog) {
        return false;
    }
    g_queue_remove(&l->syn_queue, child);
    g_queue_push_tail(&l->accept_queue, child);
    child->in_acceptq = true;
    if (l->cb.changed != NULL) {
        l->cb.changed(l->owner);
    }
    return true;
}

TcpConn* tcp_accept(TcpConn* l) {
    TcpConn* c = g_queue_pop_head(&l->accept_queue);
    if (c != NULL) {
        c->parent = NULL;
        c->in_acceptq = false;
        c->orphan = false;
    }
    return c;
}

size_t tcp_acceptQueueLen(const TcpConn* l) {
    return l->accept_queue.length;
}

/* ---- Data ------------------------------------------------------------------------------------------ */

int64_t tcp_send(TcpConn* c, const uint8_t* data, size_t len, int flags, SimTime now) {
    if (c->err != 0) {
        return -tcp_takeError(c);
    }
    if (c->snd_shut) {
        return -EPIPE;
    }
    switch (c->state) {
    case TCP_ST_CLOSE:
    case TCP_ST_LISTEN:
        return -ENOTCONN;
    case TCP_ST_SYN_SENT:
    case TCP_ST_SYN_RECV:
        return -EAGAIN;
    default:
        break;
    }
    size_t n = tcp_sendSpace(c);
    n = len < n ? len : n;
    TcpSnap snap;
    _tcp_begin(c, &snap);
    tcpring_append(&c->sndq, data, n);
    c->more = (flags & TCP_SEND_MORE) != 0;
    tcpout_push(c, now);
    _tcp_end(c, &snap);
    return (int64_t)n;
}

/* Receive buffer autotuning (Linux's tcp_rcv_space_adjust): once per receiver RTT, a reader that
 * took more than before gets a buffer for twice that plus 16 segments, twice over (the window
 * is half the buffer). */
static void _tcp_rcvSpaceAdjust(TcpConn* c, SimTime now) {
    SimTime rtt = c->rcv_rtt ? c->rcv_rtt : c->srtt;
    if (rtt == 0 || now - c->space_time < rtt) {
        return;
    }
    uint64_t copied = c->copied - c->space_copied;
    if (copied > c->rcv_space) {
        if (c->rcv_autotune) {
            uint64_t win = 2 * copied + 16 * (uint64_t)c->advmss;
            uint64_t buf = 2 * win;
            buf = buf < TCP_RMEM_MAX ? buf : TCP_RMEM_MAX;
            if (buf > c->rcvbuf) {
                c->rcvbuf = buf;
            }
        }
        c->rcv_space = (uint32_t)(copied < UINT32_MAX ? copied : UINT32_MAX);
    }
    c->space_copied = c->copied;
    c->space_time = now;
}

int64_t tcp_recv(TcpConn* c, uint8_t* buf, size_t len, bool peek, SimTime now) {
    if (c->state == TCP_ST_LISTEN) {
        return -ENOTCONN;
    }
    if (c->rcvq.len > 0) {
        size_t n = len < c->rcvq.len ? len : c->rcvq.len;
        tcpring_copy(&c->rcvq, 0, buf, n);
        if (!peek && n > 0) {
            TcpSnap snap;
            _tcp_begin(c, &snap);
            tcpring_drop(&c->rcvq, n);
            c->copied += n;
            if (c->state != TCP_ST_CLOSE) {
                _tcp_rcvSpaceAdjust(c, now);
                tcpout_afterRead(c, now);
            }
            _tcp_end(c, &snap);
        }
        return (int64_t)n;
    }
    if (c->err != 0) {
        return -tcp_takeError(c);
    }
    if (c->rcv_shut) {
        return c->was_connected ? 0 : -ENOTCONN;
    }
    if (c->state == TCP_ST_CLOSE) {
        return -ENOTCONN;
    }
    return -EAGAIN;
}

size_t tcp_readable(const TcpConn* c) {
    return c->rcvq.len;
}

size_t tcp_sendSpace(const TcpConn* c) {
    return c->sndbuf > c->sndq.len ? (size_t)(c->sndbuf - c->sndq.len) : 0;
}

size_t tcp_unacked(const TcpConn* c) {
    return c->sndq.len;
}

size_t tcp_unsent(const TcpConn* c) {
    uint32_t sent = c->fin_sent ? (uint32_t)c->sndq.len : c->snd_nxt - c->data_seq;
    return c->state == TCP_ST_SYN_SENT || c->state == TCP_ST_CLOSE ? c->sndq.len
                                                                   : c->sndq.len - sent;
}

void tcp_sndbufExpand(TcpConn* c) {
    if (!c->snd_autotune) {
        return;
    }
    /* Linux's tcp_sndbuf_expand: room for about two windows of segments. */
    uint64_t segs = c->cwnd > TCP_INIT_CWND ? c->cwnd : TCP_INIT_CWND;
    uint64_t want = 2 * segs * c->mss;
    want = want < TCP_WMEM_MAX ? want : TCP_WMEM_MAX;
    if (want > c->sndbuf) {
        c->sndbuf = want;
    }
}

/* ---- Closing --------------------------------------------------------------------------------------- */

/* The user stops sending: FIN after the queued data. */
static void _tcp_shutWrite(TcpConn* c, SimTime now) {
    if (c->snd_shut) {
        return;
    }
    c->snd_shut = true;
    if (c->state == TCP_ST_ESTABLISHED || c->state == TCP_ST_SYN_RECV) {
        tcp_setState(c, TCP_ST_FIN_WAIT1, now);
    } else if (c->state == TCP_ST_CLOSE_WAIT) {
        tcp_setState(c, TCP_ST_LAST_ACK, now);
    }
}

/* Resets a child of a closing listener; it is released (the owner frees it). */
static void _tcp_abortChild(TcpConn* child, SimTime now) {
    TcpSnap snap;
    _tcp_begin(child, &snap);
    child->parent = NULL;
    child->in_acceptq = false;
    tcpout_sendRst(child, now);
    tcp_done(child, 0, now);
    _tcp_end(child, &snap);
}

static void _tcp_closeChildren(TcpConn* l, SimTime now) {
    TcpConn* child;
    while ((child = g_queue_pop_head(&l->accept_queue)) != NULL) {
        _tcp_abortChild(child, now);
    }
    while ((child = g_queue_pop_head(&l->syn_queue)) != NULL) {
        _tcp_abortChild(child, now);
    }
}

int tcp_shutdown(TcpConn* c, bool rd, bool wr, SimTime now) {
    TcpSnap snap;
    _tcp_begin(c, &snap);
    int ret = 0;
    switch (c->state) {
    case TCP_ST_CLOSE:
        ret = -ENOTCONN;
        break;
    case TCP_ST_LISTEN:
        if (rd) { /* Linux disconnects a listener on SHUT_RD */
            _tcp_closeChildren(c, now);
            c->state = TCP_ST_CLOSE;
        }
        break;
    case TCP_ST_SYN_SENT:
        c->state = TCP_ST_CLOSE;
        c->t_rtx = SIMTIME_INVALID;
        break;
    default:
        if (rd) {
            c->rcv_shut = true;
        }
        if (wr) {
            _tcp_shutWrite(c, now);
            tcpout_push(c, now);
        }
        break;
    }
    _tcp_end(c, &snap);
    return ret;
}

void tcp_close(TcpConn* c, SimTime now) {
    if (c->orphan || c->released) {
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    c->orphan = true;
    switch (c->state) {
    case TCP_ST_LISTEN:
        _tcp_closeChildren(c, now);
        tcp_done(c, 0, now);
        break;
    case TCP_ST_CLOSE:
    case TCP_ST_SYN_SENT:
        tcp_done(c, 0, now);
        break;
    default:
        if (c->rcvq.len > 0 || (c->linger_on && c->linger_sec == 0)) {
            /* Linux's tcp_close: unread data (RFC 2525 2.17) or a zero linger aborts. */
            if (c->state != TCP_ST_TIME_WAIT) {
                tcpout_sendRst(c, now);
            }
            tcp_done(c, 0, now);
            break;
        }
        c->rcv_shut = true;
        _tcp_shutWrite(c, now);
        if (c->state == TCP_ST_FIN_WAIT2) {
            c->t_close = now + TCP_FIN_TIMEOUT;
        }
        tcpout_push(c, now);
        break;
    }
    _tcp_end(c, &snap);
}

/* ---- Events from the owner ------------------------------------------------------------------------- */

void tcp_input(TcpConn* c, const Packet* seg, SimTime now) {
    if (c->released) {
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    tcpin_segment(c, seg, now);
    _tcp_end(c, &snap);
}

/* The retransmission timer (RFC 6298 5.4-5.7; Linux's tcp_retransmit_timer). */
static void _tcp_rtoFire(TcpConn* c, SimTime now) {
    if (c->state == TCP_ST_SYN_SENT || c->state == TCP_ST_SYN_RECV) {
        uint32_t limit = c->state == TCP_ST_SYN_SENT ? TCP_SYN_RETRIES : TCP_SYNACK_RETRIES;
        if (c->retransmits >= limit) {
            tcp_done(c, ETIMEDOUT, now);
            return;
        }
        c->retransmits++;
        c->backoff++;
        c->total_retrans++;
        tcpout_sendSyn(c, now);
        SimTime rto = TCP_RTO_INIT << c->backoff;
        c->t_rtx = now + (rto < TCP_RTO_MAX ? rto : TCP_RTO_MAX);
        return;
    }
    if (c->packets_out == 0) {
        return;
    }
    SimTime first = c->retrans_stamp ? c->retrans_stamp : tcpout_seg(c, 0)->tx_time;
    bool user_expired = c->user_timeout_ms > 0 &&
                        now - first >= (SimTime)c->user_timeout_ms * SIMTIME_ONE_MILLISECOND;
    if (c->retransmits >= TCP_RETRIES2 || user_expired) {
        tcp_done(c, ETIMEDOUT, now);
        return;
    }
    /* Linux's tcp_enter_loss: a new ssthresh unless this continues a reduction already made. */
    if (c->ca_state == TCP_CA_OPEN || c->ca_state == TCP_CA_DISORDER ||
        (c->ca_state == TCP_CA_LOSS && c->retransmits == 0)) {
        c->ssthresh = c->cc->ssthresh(c);
    }
    c->cc->on_rto(c);
    c->cwnd = 1;
    c->cwnd_cnt = 0;
    c->dupacks = 0;
    if (!c->sack_ok) {
        c->sacked_out = 0;
    }
    tcpin_markAllLost(c);
    c->high_seq = c->snd_nxt;
    c->ca_state = TCP_CA_LOSS;
    c->retransmits++;
    c->backoff++;
    c->t_rtx = SIMTIME_INVALID;
    c->tsq_blocked = false;
    tcpout_push(c, now);
    tcpout_armRto(c, now);
}

/* The persist timer: Linux's tcp_probe_timer and tcp_send_probe0. */
static void _tcp_persistFire(TcpConn* c, SimTime now) {
    uint32_t unsent = (uint32_t)tcp_unsent(c);
    if (c->packets_out > 0 || (unsent == 0 && !(c->snd_shut && !c->fin_sent))) {
        c->probes_out = 0;
        return;
    }
    if (c->probes_out >= TCP_RETRIES2) {
        tcp_done(c, ETIMEDOUT, now);
        return;
    }
    if (!tcpout_writeWakeup(c, now)) {
        tcpout_sendProbe(c, now);
    }
    if (c->packets_out > 0) {
        c->probes_out = 0;
        c->backoff = 0;
        return;
    }
    c->probes_out++;
    if (c->backoff < TCP_RETRIES2) {
        c->backoff++;
    }
    SimTime base = c->rto > TCP_RTO_MIN ? c->rto : TCP_RTO_MIN;
    for (uint32_t i = 0; i < c->backoff && base < TCP_RTO_MAX; i++) {
        base *= 2;
    }
    c->t_persist = now + (base < TCP_RTO_MAX ? base : TCP_RTO_MAX);
}

/* Keepalive (Linux's tcp_keepalive_timer). */
static void _tcp_keepaliveFire(TcpConn* c, SimTime now) {
    c->t_keepalive = SIMTIME_INVALID;
    if (!c->keepalive || c->state == TCP_ST_CLOSE || c->state == TCP_ST_SYN_SENT ||
        c->state == TCP_ST_SYN_RECV || c->state == TCP_ST_LISTEN || c->state == TCP_ST_TIME_WAIT) {
        return;
    }
    SimTime idle = (SimTime)c->keepidle * SIMTIME_ONE_SECOND;
    if (c->packets_out > 0 || tcp_unsent(c) > 0) {
        c->t_keepalive = now + idle; /* the retransmission or persist timer is on it */
        return;
    }
    SimTime since = now - c->last_rcv;
    if (since < idle) {
        c->t_keepalive = c->last_rcv + idle;
        return;
    }
    bool expired = c->user_timeout_ms > 0
                       ? (c->probes_out > 0 &&
                          since >= (SimTime)c->user_timeout_ms * SIMTIME_ONE_MILLISECOND)
                       : c->probes_out >= (uint32_t)c->keepcnt;
    if (expired) {
        tcpout_sendRst(c, now);
        tcp_done(c, ETIMEDOUT, now);
        return;
    }
    tcpout_sendProbe(c, now);
    c->probes_out++;
    c->t_keepalive = now + (SimTime)c->keepintvl * SIMTIME_ONE_SECOND;
}

void tcp_onTimer(TcpConn* c, SimTime now) {
    if (c->released) {
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    if (c->t_delack <= now) {
        c->t_delack = SIMTIME_INVALID;
        if (c->ack_pending) {
            c->ack_now = true;
        }
    }
    if (c->t_rtx <= now) {
        c->t_rtx = SIMTIME_INVALID;
        _tcp_rtoFire(c, now);
    }
    if (c->state != TCP_ST_CLOSE && c->t_persist <= now) {
        c->t_persist = SIMTIME_INVALID;
        _tcp_persistFire(c, now);
    }
    if (c->state != TCP_ST_CLOSE && c->t_keepalive <= now) {
        _tcp_keepaliveFire(c, now);
    }
    if (c->state != TCP_ST_CLOSE && c->t_close <= now) {
        c->t_close = SIMTIME_INVALID;
        tcp_done(c, 0, now); /* out of TIME_WAIT, or an orphan's FIN_WAIT2 timed out */
    }
    if (c->state != TCP_ST_CLOSE) {
        tcpout_push(c, now);
    }
    _tcp_end(c, &snap);
}

void tcp_outputReady(TcpConn* c, SimTime now) {
    if (c->released || !c->tsq_blocked) {
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    c->tsq_blocked = false;
    tcpout_push(c, now);
    _tcp_end(c, &snap);
}

/* ---- State ----------------------------------------------------------------------------------------- */

TcpState tcp_state(const TcpConn* c) {
    return c->state;
}

unsigned tcp_pollEvents(const TcpConn* c) {
    if (c->state == TCP_ST_LISTEN) {
        return c->accept_queue.length > 0 ? POLLIN | POLLRDNORM : 0;
    }
    unsigned ev = 0;
    if ((c->rcv_shut && c->snd_shut) || c->state == TCP_ST_CLOSE) {
        ev |= POLLHUP;
    }
    if (c->rcv_shut) {
        ev |= POLLIN | POLLRDNORM | POLLRDHUP;
    }
    if (c->state != TCP_ST_SYN_SENT && c->state != TCP_ST_SYN_RECV) {
        if (c->rcvq.len > 0) {
            ev |= POLLIN | POLLRDNORM;
        }
        if (c->snd_shut) {
            ev |= POLLOUT | POLLWRNORM; /* a write fails at once */
        } else if (3 * (uint64_t)tcp_sendSpace(c) >= c->sndbuf) {
            ev |= POLLOUT | POLLWRNORM; /* sk_stream_is_writeable */
        }
    }
    if (c->err != 0) {
        ev |= POLLERR;
    }
    return ev;
}

int tcp_takeError(TcpConn* c) {
    int e = c->err;
    c->err = 0;
    return e;
}

int tcp_peekError(const TcpConn* c) {
    return c->err;
}

/* ---- Options --------------------------------------------------------------------------------------- */

void tcp_setNoDelay(TcpConn* c, bool on, SimTime now) {
    bool push = on && !c->nodelay;
    c->nodelay = on;
    if (push && !c->released) {
        TcpSnap snap;
        _tcp_begin(c, &snap);
        tcpout_push(c, now);
        _tcp_end(c, &snap);
    }
}

bool tcp_getNoDelay(const TcpConn* c) {
    return c->nodelay;
}

void tcp_setCork(TcpConn* c, bool on, SimTime now) {
    bool push = !on && c->cork;
    c->cork = on;
    if (push && !c->released) {
        TcpSnap snap;
        _tcp_begin(c, &snap);
        c->more = false;
        tcpout_push(c, now);
        _tcp_end(c, &snap);
    }
}

bool tcp_getCork(const TcpConn* c) {
    return c->cork;
}

int tcp_setMaxSeg(TcpConn* c, int mss) {
    if (mss < TCP_MIN_MSS || mss > TCP_MAX_MSS) {
        return -EINVAL;
    }
    if (c->state == TCP_ST_CLOSE || c->state == TCP_ST_LISTEN) {
        c->user_mss = (uint16_t)(mss < TCP_DEFAULT_MSS ? mss : TCP_DEFAULT_MSS);
        c->advmss = c->user_mss;
    }
    return 0;
}

int tcp_getMaxSeg(const TcpConn* c) {
    if (c->state == TCP_ST_CLOSE || c->state == TCP_ST_LISTEN || c->state == TCP_ST_SYN_SENT) {
        return c->user_mss;
    }
    return (int)c->mss;
}

int tcp_setCongestion(TcpConn* c, const char* name) {
    const TcpCcOps* cc = tcpcc_find(name);
    if (cc == NULL) {
        return -ENOENT;
    }
    if (cc != c->cc) {
        c->cc = cc;
        cc->init(c);
    }
    return 0;
}

const char* tcp_getCongestion(const TcpConn* c) {
    return c->cc->name;
}

void tcp_setRcvBuf(TcpConn* c, uint64_t bytes) {
    c->rcvbuf = bytes;
    c->rcv_autotune = false;
}

void tcp_setSndBuf(TcpConn* c, uint64_t bytes) {
    c->sndbuf = bytes;
    c->snd_autotune = false;
}

uint64_t tcp_getRcvBuf(const TcpConn* c) {
    return c->rcvbuf;
}

uint64_t tcp_getSndBuf(const TcpConn* c) {
    return c->sndbuf;
}

void tcp_setLinger(TcpConn* c, bool on, int seconds) {
    c->linger_on = on;
    c->linger_sec = seconds;
}

void tcp_getLinger(const TcpConn* c, bool* on, int* seconds) {
    *on = c->linger_on;
    *seconds = c->linger_sec;
}

void tcp_setKeepalive(TcpConn* c, bool on, SimTime now) {
    if (on == c->keepalive || c->released) {
        c->keepalive = on;
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    c->keepalive = on;
    c->t_keepalive = SIMTIME_INVALID;
    if (on && c->state != TCP_ST_CLOSE && c->state != TCP_ST_LISTEN &&
        c->state != TCP_ST_SYN_SENT && c->state != TCP_ST_SYN_RECV) {
        c->t_keepalive = now + (SimTime)c->keepidle * SIMTIME_ONE_SECOND;
    }
    _tcp_end(c, &snap);
}

bool tcp_getKeepalive(const TcpConn* c) {
    return c->keepalive;
}

void tcp_setKeepaliveParams(TcpConn* c, int idle, int intvl, int cnt) {
    if (idle > 0) {
        c->keepidle = idle;
    }
    if (intvl > 0) {
        c->keepintvl = intvl;
    }
    if (cnt > 0) {
        c->keepcnt = cnt;
    }
}

void tcp_getKeepaliveParams(const TcpConn* c, int* idle, int* intvl, int* cnt) {
    *idle = c->keepidle;
    *intvl = c->keepintvl;
    *cnt = c->keepcnt;
}

void tcp_setUserTimeout(TcpConn* c, uint32_t ms) {
    c->user_timeout_ms = ms;
}

uint32_t tcp_getUserTimeout(const TcpConn* c) {
    return c->user_timeout_ms;
}

void tcp_setQuickAck(TcpConn* c, bool on, SimTime now) {
    if (!on || c->released) {
        return;
    }
    TcpSnap snap;
    _tcp_begin(c, &snap);
    c->quick = TCP_MAX_QUICKACKS;
    if (c->ack_pending) {
        c->ack_now = true;
        tcpout_push(c, now);
    }
    _tcp_end(c, &snap);
}
