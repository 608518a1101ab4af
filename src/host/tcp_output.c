/* The TCP engine's sending side (tcp_internal.h): segments and their headers, the receive window
 * we advertise, the order of transmission (lost segments first, then new data, as Linux's
 * tcp_xmit_retransmit_queue and tcp_write_xmit), Nagle and corking, TCP small queues.
 *
 * Every segment that leaves carries the ACK and the current window (except the first SYN), so
 * sending one settles a pending delayed ACK. Invariant: the advertised right edge
 * (rcv_wup + rcv_wnd) never moves left (RFC 7323 2.4). */
#include "host/tcp_internal.h"

#include <string.h>

/* ---- The byte ring --------------------------------------------------------------------------- */

static void _tcpring_grow(TcpRing* r, size_t need) {
    size_t cap = r->cap ? r->cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    if (cap == r->cap) {
        return;
    }
    uint8_t* data = g_malloc(cap);
    tcpring_copy(r, 0, data, r->len);
    g_free(r->data);
    r->data = data;
    r->cap = cap;
    r->head = 0;
}

void tcpring_append(TcpRing* r, const uint8_t* src, size_t n) {
    if (n == 0) {
        return; /* src may be NULL then (a send of nothing asks for the state) */
    }
    _tcpring_grow(r, r->len + n);
    size_t tail = (r->head + r->len) & (r->cap - 1);
    size_t first = n < r->cap - tail ? n : r->cap - tail;
    memcpy(r->data + tail, src, first);
    memcpy(r->data, src + first, n - first);
    r->len += n;
}

void tcpring_copy(const TcpRing* r, size_t off, uint8_t* dst, size_t n) {
    if (n == 0) {
        return;
    }
    size_t at = (r->head + off) & (r->cap - 1);
    size_t first = n < r->cap - at ? n : r->cap - at;
    memcpy(dst, r->data + at, first);
    memcpy(dst + first, r->data, n - first);
}

void tcpring_drop(TcpRing* r, size_t n) {
    r->len -= n;
    r->head = r->len == 0 ? 0 : (r->head + n) & (r->cap - 1);
}

void tcpring_clear(TcpRing* r) {
    g_free(r->data);
    memset(r, 0, sizeof(*r));
}

/* ---- Small helpers ---------------------------------------------------------------------------- */

uint32_t tcpout_tsNow(const TcpConn* c, SimTime now) {
    return (uint32_t)(now / SIMTIME_ONE_MILLISECOND) + c->ts_offset;
}

TcpSeg* tcpout_seg(const TcpConn* c, guint i) {
    return &g_array_index(c->rtx, TcpSeg, c->rtx_head + i);
}

guint tcpout_nsegs(const TcpConn* c) {
    return c->rtx->len - c->rtx_head;
}

uint32_t tcpout_inFlight(const TcpConn* c) {
    uint32_t left = c->sacked_out + c->lost_out;
    return (c->packets_out > left ? c->packets_out - left : 0) + c->retrans_out;
}

SimTime tcpout_rtoBackoff(const TcpConn* c) {
    SimTime rto = c->rto;
    for (uint32_t i = 0; i < c->backoff && rto < TCP_RTO_MAX; i++) {
        rto *= 2;
    }
    return rto < TCP_RTO_MAX ? rto : TCP_RTO_MAX;
}

void tcpout_armRto(TcpConn* c, SimTime now) {
    c->t_rtx = now + tcpout_rtoBackoff(c);
}

/* ---- The receive window ----------------------------------------------------------------------- */

uint32_t tcpout_selectWindow(const TcpConn* c) {
    /* Half the buffer is for payload (Linux's tcp_adv_win_scale 1: the rest is overhead). */
    uint64_t full = c->rcvbuf / 2;
    uint64_t max = (uint64_t)65535 << c->rcv_wscale;
    if (full > max) {
        full = max;
    }
    uint64_t used = c->rcvq.len + c->ooo_bytes;
    uint64_t free = full > used ? full - used : 0;
    /* Receiver-side silly window avoidance (RFC 9293 3.8.6.2.2, Linux's __tcp_select_window). */
    if (free < full / 2 && (free < full / 16 || free < c->rcv_mss)) {
        return 0;
    }
    free &= ~(((uint64_t)1 << c->rcv_wscale) - 1);
    return (uint32_t)free;
}

/* The window for the header of a segment going out now; records it (never shrinking). */
static uint16_t _tcpout_advertise(TcpConn* c) {
    uint32_t win = tcpout_selectWindow(c);
    uint32_t edge = c->rcv_wup + c->rcv_wnd;
    uint32_t cur = tcp_seqLt(c->rcv_nxt, edge) ? edge - c->rcv_nxt : 0;
    if (win < cur) {
        uint32_t unit = (uint32_t)1 << c->rcv_wscale;
        win = (cur + unit - 1) & ~(unit - 1);
    }
    c->rcv_wnd = win;
    c->rcv_wup = c->rcv_nxt;
    uint32_t field = win >> c->rcv_wscale;
    return (uint16_t)(field > 65535 ? 65535 : field);
}

/* ---- Building and emitting --------------------------------------------------------------------- */

/* SACK blocks (RFC 2018) from the out-of-order queue: the block of the latest arrival first, then
 * the others from the highest down. */
static void _tcpout_sackBlocks(const TcpConn* c, TcpHeader* h) {
    unsigned max = c->ts_ok ? 3 : 4;
    uint32_t blocks[64][2];
    unsigned n = 0;
    for (GList* l = c->ooo.head; l != NULL; l = l->next) {
        const TcpOoo* o = l->data;
        if (n > 0 && blocks[n - 1][1] == o->seq) {
            blocks[n - 1][1] = o->seq + o->len;
        } else if (n < G_N_ELEMENTS(blocks)) {
            blocks[n][0] = o->seq;
            blocks[n][1] = o->seq + o->len;
            n++;
        }
    }
    unsigned first = n;
    for (unsigned i = 0; i < n; i++) {
        if (tcp_seqLe(blocks[i][0], c->sack_recent[0]) &&
            tcp_seqLt(c->sack_recent[0], blocks[i][1])) {
            first = i;
        }
    }
    h->nsack = 0;
    if (first < n) {
        h->sack[0][0] = blocks[first][0];
        h->sack[0][1] = blocks[first][1];
        h->nsack = 1;
    }
    for (unsigned i = n; i-- > 0 && h->nsack < max;) {
        if (i != first) {
            h->sack[h->nsack][0] = blocks[i][0];
            h->sack[h->nsack][1] = blocks[i][1];
            h->nsack++;
        }
    }
}

/* A segment with the current ACK, window and options, `len` bytes of the send queue from `seq`. */
static Packet* _tcpout_build(TcpConn* c, uint32_t seq, uint32_t len, uint8_t flags, SimTime now) {
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_TCP;
    TcpHeader* h = &p->tcp;
    h->seq = seq;
    h->flags = flags | TCP_FLAG_ACK;
    h->ack = c->rcv_nxt;
    h->wscale = -1;
    h->window = _tcpout_advertise(c);
    if (c->ts_ok) {
        h->has_ts = true;
        h->tsval = tcpout_tsNow(c, now);
        h->tsecr = c->ts_recent;
    }
    if (c->sack_ok && c->ooo.length > 0) {
        _tcpout_sackBlocks(c, h);
    }
    if (len > 0) {
        p->len = len;
        p->payload = g_malloc(len);
        tcpring_copy(&c->sndq, seq - c->data_seq, p->payload, len);
    }
    return p;
}

/* Hands a segment to the owner; everything about the connection is settled before. */
static void _tcpout_emit(TcpConn* c, Packet* p, SimTime now) {
    c->segs_out++;
    if (p->tcp.flags & TCP_FLAG_ACK) {
        c->ack_now = false;
        c->ack_pending = false;
        c->t_delack = SIMTIME_INVALID;
        c->last_ack_sent = c->rcv_nxt;
        if (c->quick > 0) {
            c->quick--; /* Linux's tcp_dec_quickack_mode */
        }
    }
    if (p->len > 0) {
        c->data_segs_out++;
        c->bytes_sent += p->len;
        c->last_data_sent = now;
    }
    c->cb.output(c->owner, p);
}

void tcpout_sendAck(TcpConn* c, SimTime now) {
    _tcpout_emit(c, _tcpout_build(c, c->snd_nxt, 0, 0, now), now);
}

void tcpout_sendRst(TcpConn* c, SimTime now) {
    Packet* p = _tcpout_build(c, c->snd_nxt, 0, TCP_FLAG_RST, now);
    p->tcp.nsack = 0;
    _tcpout_emit(c, p, now);
}

void tcpout_sendProbe(TcpConn* c, SimTime now) {
    _tcpout_emit(c, _tcpout_build(c, c->snd_una - 1, 0, 0, now), now);
}

void tcpout_sendSyn(TcpConn* c, SimTime now) {
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_TCP;
    TcpHeader* h = &p->tcp;
    h->seq = c->iss;
    h->mss = c->user_mss;
    uint32_t win = tcpout_selectWindow(c);
    win = win > 65535 ? 65535 : win; /* a SYN's window is never scaled (RFC 7323 2.2) */
    h->window = (uint16_t)win;
    c->rcv_wnd = win;
    c->syn_time = now;
    if (c->state == TCP_ST_SYN_SENT) {
        h->flags = TCP_FLAG_SYN;
        h->wscale = (int8_t)c->rcv_wscale;
        h->sack_permitted = true;
        h->has_ts = true;
        h->tsval = tcpout_tsNow(c, now);
        c->segs_out++;
        c->cb.output(c->owner, p);
        return;
    }
    /* SYN-ACK: only what the peer offered. */
    h->flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
    h->ack = c->rcv_nxt;
    h->wscale = c->ws_ok ? (int8_t)c->rcv_wscale : -1;
    h->sack_permitted = c->sack_ok;
    if (c->ts_ok) {
        h->has_ts = true;
        h->tsval = tcpout_tsNow(c, now);
        h->tsecr = c->ts_recent;
    }
    c->rcv_wup = c->rcv_nxt;
    c->last_ack_sent = c->rcv_nxt;
    c->segs_out++;
    c->cb.output(c->owner, p);
}

/* ---- Transmission ------------------------------------------------------------------------------- */

static bool _tcpout_mayOutput(TcpConn* c) {
    if (c->cb.may_output != NULL && !c->cb.may_output(c->owner)) {
        c->tsq_blocked = true;
        return false;
    }
    return true;
}

/* States in which data and the FIN may go out. */
static bool _tcpout_canSendData(const TcpConn* c) {
    switch (c->state) {
    case TCP_ST_ESTABLISHED:
    case TCP_ST_CLOSE_WAIT:
    case TCP_ST_FIN_WAIT1:
    case TCP_ST_CLOSING:
    case TCP_ST_LAST_ACK:
        return true;
    default:
        return false;
    }
}

static void _tcpout_sent(TcpConn* c, SimTime now) {
    if (c->ca_state == TCP_CA_RECOVERY) {
        c->prr_out++;
    }
    if (c->t_rtx == SIMTIME_INVALID) {
        tcpout_armRto(c, now);
    }
}

static void _tcpout_retransmit(TcpConn* c, TcpSeg* s, SimTime now) {
    uint8_t flags = (s->flags & TCP_SEG_FIN) ? TCP_FLAG_FIN : 0;
    if (s->len > 0) {
        flags |= TCP_FLAG_PSH;
    }
    if (c->retrans_stamp == 0) {
        c->retrans_stamp = s->tx_time; /* the original send: TCP_USER_TIMEOUT counts from it */
    }
    s->flags |= TCP_SEG_RETRANS | TCP_SEG_EVER;
    s->tx_time = now;
    c->retrans_out++;
    c->total_retrans++;
    c->bytes_retrans += s->len;
    Packet* p = _tcpout_build(c, s->seq, s->len, flags, now);
    _tcpout_sent(c, now);
    _tcpout_emit(c, p, now);
}

/* Retransmits segments marked lost, oldest first, as the window allows. */
static bool _tcpout_retransmitLost(TcpConn* c, SimTime now) {
    if (c->lost_out <= c->retrans_out) {
        return true; /* every lost segment has been retransmitted (or none is lost) */
    }
    for (guint i = 0; i < tcpout_nsegs(c); i++) {
        TcpSeg* s = tcpout_seg(c, i);
        if ((s->flags & (TCP_SEG_LOST | TCP_SEG_RETRANS | TCP_SEG_SACKED)) != TCP_SEG_LOST) {
            continue;
        }
        if (tcpout_inFlight(c) >= c->cwnd) {
            c->cwnd_limited = true;
            return false;
        }
        if (!_tcpout_mayOutput(c)) {
            return false;
        }
        _tcpout_retransmit(c, s, now);
    }
    return true;
}

/* Whether a FIN is due after the queued data. */
static bool _tcpout_finDue(const TcpConn* c) {
    return c->snd_shut && !c->fin_sent &&
           (c->state == TCP_ST_FIN_WAIT1 || c->state == TCP_ST_LAST_ACK ||
            c->state == TCP_ST_CLOSING);
}

/* Nagle (RFC 896, with Minshall's variant as Linux's tcp_nagle_check): a partial segment waits
 * while corked, while TCP_SEND_MORE said more is coming, or, without TCP_NODELAY, while an
 * earlier partial segment is unacknowledged. */
static bool _tcpout_nagleHolds(const TcpConn* c) {
    if (c->cork || c->more) {
        return true;
    }
    return !c->nodelay && tcp_seqLt(c->snd_una, c->snd_sml) && tcp_seqLe(c->snd_sml, c->snd_nxt);
}

/* Sends `len` new bytes from snd_nxt (and the FIN after them). */
static void _tcpout_sendNew(TcpConn* c, uint32_t len, bool with_fin, bool last, SimTime now) {
    uint8_t flags = (with_fin ? TCP_FLAG_FIN : 0) | (last && len > 0 ? TCP_FLAG_PSH : 0);
    Packet* p = _tcpout_build(c, c->snd_nxt, len, flags, now);
    TcpSeg s = {.seq = c->snd_nxt, .len = len, .tx_time = now};
    c->snd_nxt += len;
    if (with_fin) {
        s.flags |= TCP_SEG_FIN;
        c->fin_sent = true;
        c->fin_seq = c->snd_nxt;
        c->snd_nxt++;
    }
    if (len < c->mss) {
        c->snd_sml = c->snd_nxt;
    }
    g_array_append_val(c->rtx, s);
    c->packets_out++;
    _tcpout_sent(c, now);
    _tcpout_emit(c, p, now);
}

bool tcpout_writeWakeup(TcpConn* c, SimTime now) {
    if (!_tcpout_canSendData(c) || c->fin_sent) {
        return false;
    }
    uint32_t avail = (uint32_t)c->sndq.len - (c->snd_nxt - c->data_seq);
    uint32_t edge = c->snd_una + c->snd_wnd;
    uint32_t room = tcp_seqLt(c->snd_nxt, edge) ? edge - c->snd_nxt : 0;
    uint32_t len = avail < room ? avail : room;
    len = len < c->mss ? len : c->mss;
    if (len == 0 || !_tcpout_mayOutput(c)) {
        return false;
    }
    _tcpout_sendNew(c, len, false, len == avail, now);
    return true;
}

typedef enum { TCP_STOP_EMPTY, TCP_STOP_RWND, TCP_STOP_OTHER } TcpStop;

/* New data from snd_nxt on, then the FIN: Linux's tcp_write_xmit. */
static TcpStop _tcpout_writeNew(TcpConn* c, SimTime now) {
    for (;;) {
        uint32_t sent = c->snd_nxt - c->data_seq;
        uint32_t avail = c->fin_sent ? 0 : (uint32_t)c->sndq.len - sent;
        bool fin = _tcpout_finDue(c);
        if (avail == 0 && !fin) {
            return TCP_STOP_EMPTY;
        }
        uint32_t len = avail < c->mss ? avail : c->mss;
        if (len > 0 && tcp_seqLt(c->snd_una + c->snd_wnd, c->snd_nxt + len)) {
            return TCP_STOP_RWND; /* a full segment must fit (sender-side SWS avoidance) */
        }
        bool last = len == avail;
        bool with_fin = fin && last;
        if (tcpout_inFlight(c) >= c->cwnd) {
            c->cwnd_limited = true;
            return TCP_STOP_OTHER;
        }
        if (len < c->mss && !with_fin && _tcpout_nagleHolds(c)) {
            return TCP_STOP_OTHER;
        }
        if (!_tcpout_mayOutput(c)) {
            return TCP_STOP_OTHER;
        }
        _tcpout_sendNew(c, len, with_fin, last, now);
    }
}

void tcpout_push(TcpConn* c, SimTime now) {
    if (_tcpout_canSendData(c) && !c->tsq_blocked) {
        c->cwnd_limited = false;
        if (_tcpout_retransmitLost(c, now)) {
            TcpStop stop = _tcpout_writeNew(c, now);
            /* Nothing in flight and the window closed: the persist timer probes it. */
            if (stop == TCP_STOP_RWND && c->packets_out == 0) {
                if (c->t_persist == SIMTIME_INVALID) {
                    SimTime base = c->rto > TCP_RTO_MIN ? c->rto : TCP_RTO_MIN;
                    for (uint32_t i = 0; i < c->backoff && base < TCP_RTO_MAX; i++) {
                        base *= 2;
                    }
                    c->t_persist = now + (base < TCP_RTO_MAX ? base : TCP_RTO_MAX);
                }
            } else {
                c->t_persist = SIMTIME_INVALID;
            }
        }
    }
    if (c->ack_now && c->state != TCP_ST_CLOSE && c->state != TCP_ST_LISTEN &&
        c->state != TCP_ST_SYN_SENT) {
        tcpout_sendAck(c, now);
    }
}

/* ---- After the reader took data (Linux's tcp_cleanup_rbuf) --------------------------------- */

void tcpout_afterRead(TcpConn* c, SimTime now) {
    if (c->fin_rcvd || c->state == TCP_ST_CLOSE || c->state == TCP_ST_LISTEN ||
        c->state == TCP_ST_SYN_SENT) {
        return;
    }
    uint32_t edge = c->rcv_wup + c->rcv_wnd;
    uint32_t now_win = tcp_seqLt(c->rcv_nxt, edge) ? edge - c->rcv_nxt : 0;
    uint64_t full = c->rcvbuf / 2;
    if (2 * (uint64_t)now_win <= full) {
        uint32_t win = tcpout_selectWindow(c);
        if (win > 0 && win >= 2 * (uint64_t)now_win) {
            c->ack_now = true;
        }
    }
    if (c->ack_now) {
        tcpout_push(c, now);
    }
}
