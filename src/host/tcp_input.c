/* The TCP engine's receiving side (tcp_internal.h): a segment's way through the state machine
 * (RFC 9293 3.10.7), the ACK (cumulative and SACK, RTT samples, window updates), loss detection
 * and recovery (RFC 6675's IsLost with DupThresh 3, NewReno partial ACKs without SACK, PRR per
 * RFC 6937), and received data (in order, out of order, the FIN; delayed ACK decisions).
 *
 * Without SACK, each duplicate ACK counts as one segment delivered (sacked_out), as Linux's
 * tcp_add_reno_sack does, so the in-flight estimate stays right. */
#include "host/tcp_internal.h"

#include <errno.h>
#include <string.h>

/* ---- RTT (RFC 6298, with Linux's floor: the variance term is at least TCP_RTO_MIN) ---------- */

void tcpin_rttSample(TcpConn* c, SimTime rtt) {
    if (rtt == 0) {
        rtt = 1;
    }
    if (c->min_rtt == 0 || rtt < c->min_rtt) {
        c->min_rtt = rtt;
    }
    if (c->srtt == 0) {
        c->srtt = rtt;
        c->rttvar = rtt / 2;
    } else {
        SimTime delta = rtt > c->srtt ? rtt - c->srtt : c->srtt - rtt;
        c->rttvar = (3 * c->rttvar + delta) / 4;
        c->srtt = (7 * c->srtt + rtt) / 8;
    }
    SimTime var = 4 * c->rttvar;
    SimTime rto = c->srtt + (var > TCP_RTO_MIN ? var : TCP_RTO_MIN);
    c->rto = rto > TCP_RTO_MAX ? TCP_RTO_MAX : rto;
}

/* ---- The scoreboard ---------------------------------------------------------------------------- */

static void _tcpin_unmark(TcpConn* c, TcpSeg* s) {
    if (s->flags & TCP_SEG_LOST) {
        c->lost_out--;
    }
    if (s->flags & TCP_SEG_RETRANS) {
        c->retrans_out--;
    }
    s->flags &= (uint8_t) ~(TCP_SEG_LOST | TCP_SEG_RETRANS);
}

static void _tcpin_markLost(TcpConn* c, TcpSeg* s) {
    if (!(s->flags & (TCP_SEG_LOST | TCP_SEG_SACKED))) {
        s->flags |= TCP_SEG_LOST;
        c->lost_out++;
    }
}

void tcpin_markAllLost(TcpConn* c) {
    for (guint i = 0; i < tcpout_nsegs(c); i++) {
        TcpSeg* s = tcpout_seg(c, i);
        if (s->flags & TCP_SEG_RETRANS) {
            s->flags &= (uint8_t)~TCP_SEG_RETRANS;
            c->retrans_out--;
        }
        _tcpin_markLost(c, s);
    }
}

/* RFC 6675 IsLost: a segment with DupThresh SACKed segments above it is lost. */
static void _tcpin_detectLoss(TcpConn* c) {
    uint32_t above = 0;
    for (guint i = tcpout_nsegs(c); i-- > 0;) {
        TcpSeg* s = tcpout_seg(c, i);
        if (s->flags & TCP_SEG_SACKED) {
            above++;
        } else if (above >= TCP_DUPTHRESH) {
            if (s->flags & TCP_SEG_LOST) {
                break; /* everything below was marked before */
            }
            _tcpin_markLost(c, s);
        }
    }
}

/* Removes segments the cumulative ACK covers; returns how many, and the latest send time of one
 * never retransmitted (RTT sample, Karn) in *sample_tx (SIMTIME_INVALID: none). */
static uint32_t _tcpin_cleanRtx(TcpConn* c, uint32_t ack, SimTime* sample_tx) {
    uint32_t n = 0;
    *sample_tx = SIMTIME_INVALID;
    while (tcpout_nsegs(c) > 0) {
        TcpSeg* s = tcpout_seg(c, 0);
        uint32_t end = s->seq + s->len + ((s->flags & TCP_SEG_FIN) ? 1 : 0);
        if (tcp_seqLt(ack, end)) {
            if (tcp_seqLt(s->seq, ack)) { /* partly acknowledged */
                s->len -= ack - s->seq;
                s->seq = ack;
            }
            break;
        }
        _tcpin_unmark(c, s);
        if (s->flags & TCP_SEG_SACKED) {
            c->sacked_out--;
        } else if (!(s->flags & TCP_SEG_EVER)) {
            *sample_tx = s->tx_time;
        }
        c->packets_out--;
        c->rtx_head++;
        n++;
    }
    if (c->rtx_head > 1024 && c->rtx_head * 2 > c->rtx->len) {
        g_array_remove_range(c->rtx, 0, c->rtx_head);
        c->rtx_head = 0;
    }
    return n;
}

/* Marks segments the SACK blocks cover; returns how many are newly SACKed. */
static uint32_t _tcpin_sack(TcpConn* c, const TcpHeader* h) {
    uint32_t n = 0;
    for (unsigned b = 0; b < h->nsack && b < TCP_MAX_SACK_BLOCKS; b++) {
        uint32_t start = h->sack[b][0], end = h->sack[b][1];
        if (!tcp_seqLt(start, end) || tcp_seqLe(end, c->snd_una) ||
            tcp_seqLt(c->snd_nxt, end)) {
            continue; /* empty, old (a D-SACK) or beyond what was sent */
        }
        for (guint i = 0; i < tcpout_nsegs(c); i++) {
            TcpSeg* s = tcpout_seg(c, i);
            if (tcp_seqLe(end, s->seq)) {
                break;
            }
            if (s->len == 0 || (s->flags & TCP_SEG_SACKED) || tcp_seqLt(s->seq, start) ||
                tcp_seqLt(end, s->seq + s->len)) {
                continue;
            }
            _tcpin_unmark(c, s);
            s->flags |= TCP_SEG_SACKED;
            c->sacked_out++;
            n++;
        }
    }
    return n;
}

/* ---- Loss recovery (Linux's tcp_fastretrans_alert, simplified) ------------------------------- */

static void _tcpin_enterRecovery(TcpConn* c) {
    c->prior_cwnd = c->cwnd;
    c->ssthresh = c->cc->ssthresh(c);
    c->high_seq = c->snd_nxt;
    c->prr_delivered = 0;
    c->prr_out = 0;
    c->ca_state = TCP_CA_RECOVERY;
    if (tcpout_nsegs(c) > 0) {
        _tcpin_markLost(c, tcpout_seg(c, 0)); /* fast retransmit of the first hole */
    }
}

/* PRR (RFC 6937): how much may go out for what this ACK delivered. */
static void _tcpin_prr(TcpConn* c, uint32_t delivered) {
    c->prr_delivered += delivered;
    uint32_t pipe = tcpout_inFlight(c);
    int64_t sndcnt;
    if (pipe > c->ssthresh) {
        uint64_t prior = c->prior_cwnd ? c->prior_cwnd : 1;
        uint64_t want = ((uint64_t)c->prr_delivered * c->ssthresh + prior - 1) / prior;
        sndcnt = (int64_t)want - c->prr_out;
    } else {
        int64_t room = (int64_t)c->prr_delivered - c->prr_out;
        int64_t limit = (room > delivered ? room : (int64_t)delivered) + 1;
        int64_t gap = (int64_t)c->ssthresh - pipe;
        sndcnt = gap < limit ? gap : limit;
    }
    if (sndcnt < 0) {
        sndcnt = 0;
    }
    if (c->prr_out == 0 && sndcnt == 0) {
        sndcnt = 1; /* the fast retransmit itself */
    }
    c->cwnd = pipe + (uint32_t)sndcnt;
}

static void _tcpin_recovery(TcpConn* c, bool advanced, bool dupack, uint32_t delivered) {
    if (c->ca_state == TCP_CA_LOSS) {
        if (!tcp_seqLt(c->snd_una, c->high_seq)) {
            c->ca_state = TCP_CA_OPEN;
        } else if (c->sack_ok) {
            _tcpin_detectLoss(c);
        }
        return;
    }
    if (c->ca_state == TCP_CA_RECOVERY) {
        if (!tcp_seqLt(c->snd_una, c->high_seq)) {
            c->cwnd = c->ssthresh; /* Linux's tcp_end_cwnd_reduction */
            c->cwnd_cnt = 0;
            c->ca_state = TCP_CA_OPEN;
            if (!c->sack_ok) {
                c->sacked_out = 0;
            }
            return;
        }
        if (c->sack_ok) {
            _tcpin_detectLoss(c);
        } else if (advanced && tcpout_nsegs(c) > 0) {
            _tcpin_markLost(c, tcpout_seg(c, 0)); /* NewReno partial ACK (RFC 6582) */
        }
        _tcpin_prr(c, delivered);
        return;
    }
    bool lost;
    if (c->sack_ok) {
        _tcpin_detectLoss(c);
        lost = c->lost_out > 0 || (c->dupacks >= TCP_DUPTHRESH && c->sacked_out > 0);
    } else {
        lost = c->dupacks >= TCP_DUPTHRESH;
    }
    if (lost && c->packets_out > 0) {
        _tcpin_enterRecovery(c);
        _tcpin_prr(c, delivered);
        return;
    }
    c->ca_state = (c->sacked_out > 0 || c->dupacks > 0) ? TCP_CA_DISORDER : TCP_CA_OPEN;
    (void)dupack;
}

/* ---- The ACK ------------------------------------------------------------------------------------ */

/* Processes the ACK field; false: the segment is to be dropped. */
static bool _tcpin_ack(TcpConn* c, const Packet* seg, SimTime now) {
    const TcpHeader* h = &seg->tcp;
    uint32_t ack = h->ack;
    if (tcp_seqLt(c->snd_nxt, ack)) {
        c->ack_now = true; /* acknowledges something not sent yet */
        return false;
    }
    c->last_ack_recv = now;
    c->probes_out = 0;
    uint32_t prior_in_flight = tcpout_inFlight(c);
    uint32_t wnd = (uint32_t)h->window << c->snd_wscale;
    bool wnd_changed = false;
    if (tcp_seqLt(c->snd_wl1, h->seq) || (c->snd_wl1 == h->seq && tcp_seqLe(c->snd_wl2, ack))) {
        wnd_changed = wnd != c->snd_wnd;
        c->snd_wnd = wnd;
        c->snd_wl1 = h->seq;
        c->snd_wl2 = ack;
        if (wnd > c->max_snd_wnd) {
            c->max_snd_wnd = wnd;
        }
    }
    bool advanced = tcp_seqLt(c->snd_una, ack);
    uint32_t acked = 0;
    bool dupack = false;
    if (advanced) {
        SimTime tx;
        acked = _tcpin_cleanRtx(c, ack, &tx);
        uint32_t data_end = c->data_seq + (uint32_t)c->sndq.len;
        uint32_t upto = tcp_seqLt(ack, data_end) ? ack : data_end;
        if (tcp_seqLt(c->data_seq, upto)) {
            uint32_t bytes = upto - c->data_seq;
            tcpring_drop(&c->sndq, bytes);
            c->data_seq = upto;
            c->bytes_acked += bytes;
        }
        c->snd_una = ack;
        if (c->fin_sent && ack == c->fin_seq + 1) {
            c->fin_acked = true;
        }
        if (tx != SIMTIME_INVALID) {
            tcpin_rttSample(c, now - tx);
        } else if (c->ts_ok && h->has_ts && h->tsecr != 0) {
            uint32_t ms = tcpout_tsNow(c, now) - h->tsecr;
            if (ms < 3600u * 1000) {
                tcpin_rttSample(c, (SimTime)ms * SIMTIME_ONE_MILLISECOND);
            }
        }
        c->backoff = 0;
        c->retransmits = 0;
        if (c->retrans_out == 0) {
            c->retrans_stamp = 0;
        }
        if (c->packets_out > 0) {
            tcpout_armRto(c, now);
        } else {
            c->t_rtx = SIMTIME_INVALID;
        }
        c->dupacks = 0;
        if (!c->sack_ok && c->sacked_out > 0) { /* Linux's tcp_remove_reno_sacks */
            c->sacked_out = acked > c->sacked_out + 1 ? 0 : c->sacked_out - (acked ? acked - 1 : 0);
        }
    } else if (ack == c->snd_una && seg->len == 0 && !(h->flags & (TCP_FLAG_FIN | TCP_FLAG_SYN)) &&
               !wnd_changed && c->packets_out > 0) {
        dupack = true;
        c->dupacks++;
        if (!c->sack_ok && c->sacked_out + 1 < c->packets_out) {
            c->sacked_out++;
        }
    }
    uint32_t sacked = 0;
    if (c->sack_ok && h->nsack > 0) {
        sacked = _tcpin_sack(c, h);
    }
    uint32_t delivered = acked + sacked + (!c->sack_ok && dupack ? 1 : 0);
    if (c->packets_out > 0 || c->ca_state != TCP_CA_OPEN) {
        _tcpin_recovery(c, advanced, dupack, delivered);
    } else {
        c->ca_state = TCP_CA_OPEN;
    }
    if (advanced && c->ca_state != TCP_CA_RECOVERY) {
        bool limited = prior_in_flight >= c->cwnd ||
                       (c->cwnd < c->ssthresh && 2 * prior_in_flight > c->cwnd) || c->cwnd_limited;
        if (limited && acked > 0) {
            c->cc->cong_avoid(c, acked, now);
        }
        tcp_sndbufExpand(c);
    }
    if (c->packets_out == 0 && (wnd_changed || advanced) && c->snd_wnd > 0) {
        c->t_persist = SIMTIME_INVALID;
        c->backoff = 0;
    }
    return true;
}

/* ---- Received data ------------------------------------------------------------------------------- */

static void _tcpin_fin(TcpConn* c, SimTime now);

/* Puts out-of-order data in the queue, keeping it sorted and without overlaps. */
static void _tcpin_oooInsert(TcpConn* c, uint32_t seq, const uint8_t* data, uint32_t len) {
    c->sack_recent[0] = seq;
    c->sack_recent[1] = seq + len;
    /* Walk from the tail: arrivals are mostly beyond everything queued. */
    GList* l = c->ooo.tail;
    while (l != NULL && tcp_seqLt(seq, ((TcpOoo*)l->data)->seq)) {
        l = l->prev;
    }
    /* l: the last entry starting at or before seq (NULL: none). Cut what it covers. */
    if (l != NULL) {
        const TcpOoo* o = l->data;
        uint32_t end = o->seq + o->len;
        if (tcp_seqLe(seq + len, end)) {
            return;
        }
        if (tcp_seqLt(seq, end)) {
            uint32_t cut = end - seq;
            seq += cut;
            data += cut;
            len -= cut;
        }
    }
    /* Insert pieces into the gaps before each following entry. */
    GList* next = l != NULL ? l->next : c->ooo.head;
    while (len > 0) {
        uint32_t piece = len;
        if (next != NULL) {
            const TcpOoo* o = next->data;
            if (tcp_seqLe(o->seq, seq)) {
                uint32_t oend = o->seq + o->len;
                uint32_t skip = tcp_seqLt(seq + len, oend) ? len : oend - seq;
                seq += skip;
                data += skip;
                len -= skip;
                next = next->next;
                continue;
            }
            if (tcp_seqLt(o->seq, seq + len)) {
                piece = o->seq - seq;
            }
        }
        TcpOoo* n = g_new(TcpOoo, 1);
        n->seq = seq;
        n->len = piece;
        n->data = g_memdup2(data, piece);
        if (next != NULL) {
            g_queue_insert_before(&c->ooo, next, n);
        } else {
            g_queue_push_tail(&c->ooo, n);
        }
        c->ooo_bytes += piece;
        seq += piece;
        data += piece;
        len -= piece;
    }
}

/* Moves out-of-order data that is now in order to the reader's queue. */
static void _tcpin_oooPull(TcpConn* c) {
    TcpOoo* o;
    while ((o = g_queue_peek_head(&c->ooo)) != NULL && tcp_seqLe(o->seq, c->rcv_nxt)) {
        g_queue_pop_head(&c->ooo);
        c->ooo_bytes -= o->len;
        uint32_t end = o->seq + o->len;
        if (tcp_seqLt(c->rcv_nxt, end)) {
            uint32_t off = c->rcv_nxt - o->seq;
            tcpring_append(&c->rcvq, o->data + off, o->len - off);
            c->rcv_nxt = end;
        }
        g_free(o->data);
        g_free(o);
    }
}

/* Delayed ACK decision for in-order data (Linux's __tcp_ack_snd_check). */
static void _tcpin_ackSched(TcpConn* c, uint32_t len, SimTime now) {
    if (len > c->rcv_mss) {
        c->rcv_mss = len < c->advmss ? len : c->advmss;
    }
    if (c->quick > 0) {
        c->ack_now = true; /* quick ACK mode (the count goes down as ACKs go out) */
    } else if (c->rcv_nxt - c->last_ack_sent > c->rcv_mss) {
        c->ack_now = true; /* more than one full segment unacknowledged */
    } else {
        c->ack_pending = true;
        if (c->t_delack == SIMTIME_INVALID) {
            c->t_delack = now + c->ato;
        }
    }
}

static void _tcpin_data(TcpConn* c, const Packet* seg, SimTime now) {
    uint32_t seq = seg->tcp.seq;
    uint32_t len = (uint32_t)seg->len;
    const uint8_t* data = seg->payload;
    c->data_segs_in++;
    c->last_data_recv = now;
    if (tcp_seqLe(seq + len, c->rcv_nxt)) {
        c->ack_now = true; /* a duplicate: tell the sender at once */
        return;
    }
    if (tcp_seqLt(seq, c->rcv_nxt)) {
        uint32_t cut = c->rcv_nxt - seq;
        seq += cut;
        data += cut;
        len -= cut;
    }
    /* The buffer's hard limit (the window is half of it: only a misbehaving peer gets here). */
    uint64_t used = c->rcvq.len + c->ooo_bytes;
    uint64_t room = c->rcvbuf > used ? c->rcvbuf - used : 0;
    if (len > room) {
        len = (uint32_t)room;
    }
    if (len == 0) {
        c->ack_now = true;
        return;
    }
    if (seq != c->rcv_nxt) {
        c->rcv_ooopack++;
        _tcpin_oooInsert(c, seq, data, len);
        c->ack_now = true; /* a hole: a duplicate ACK with SACK blocks at once */
        return;
    }
    bool had_ooo = c->ooo.length > 0;
    tcpring_append(&c->rcvq, data, len);
    c->rcv_nxt += len;
    c->bytes_received += len;
    if (had_ooo) {
        _tcpin_oooPull(c);
        c->ack_now = true; /* a hole filled (or shrank): ACK at once */
    }
    _tcpin_ackSched(c, len, now);
}

static void _tcpin_fin(TcpConn* c, SimTime now) {
    c->fin_rcvd = true;
    c->ooo_fin = false;
    c->rcv_nxt++;
    c->rcv_shut = true;
    c->ack_now = true;
    switch (c->state) {
    case TCP_ST_SYN_RECV:
    case TCP_ST_ESTABLISHED:
        tcp_setState(c, TCP_ST_CLOSE_WAIT, now);
        break;
    case TCP_ST_FIN_WAIT1:
        tcp_setState(c, TCP_ST_CLOSING, now);
        break;
    case TCP_ST_FIN_WAIT2:
        tcp_setState(c, TCP_ST_TIME_WAIT, now);
        break;
    default:
        break;
    }
}

/* ---- SYN options and the handshake ------------------------------------------------------------- */

/* What both sides offered (tcp.h): each option is used only if the peer's SYN has it too. */
static void _tcpin_synOptions(TcpConn* c, const TcpHeader* h) {
    c->ts_ok = h->has_ts;
    c->sack_ok = h->sack_permitted;
    c->ws_ok = h->wscale >= 0;
    if (c->ws_ok) {
        c->snd_wscale = (uint8_t)(h->wscale > 14 ? 14 : h->wscale);
    } else {
        c->snd_wscale = 0;
        c->rcv_wscale = 0;
    }
    c->peer_mss = h->mss ? h->mss : TCP_DEFAULT_PEER_MSS;
    uint32_t mss = c->peer_mss < c->user_mss ? c->peer_mss : c->user_mss;
    uint32_t ts = c->ts_ok ? TCP_TS_LEN : 0;
    c->mss = mss > ts + 8 ? mss - ts : 8;
    c->advmss = c->user_mss - ts;
    if (c->ts_ok) {
        c->ts_recent = h->tsval;
    }
}

/* A SYN for a listener: a child in SYN_RECV answers it. */
static void _tcpin_listen(TcpConn* c, const Packet* seg, SimTime now) {
    const TcpHeader* h = &seg->tcp;
    if (h->flags & TCP_FLAG_RST) {
        return;
    }
    if (h->flags & TCP_FLAG_ACK) {
        /* No connection for it (Linux without syncookies): a reset, addresses already set. */
        Packet* rst = tcp_makeReset(seg);
        if (rst != NULL) {
            c->cb.output(c->owner, rst);
        }
        return;
    }
    if (!(h->flags & TCP_FLAG_SYN)) {
        return;
    }
    TcpConn* child = tcp_childNew(c);
    if (child == NULL) {
        return; /* queue full: dropped, the client retransmits */
    }
    child->irs = h->seq;
    child->rcv_nxt = h->seq + 1;
    child->rcv_wup = child->rcv_nxt;
    child->last_ack_sent = child->rcv_nxt;
    _tcpin_synOptions(child, h);
    child->snd_wnd = h->window;
    child->snd_wl1 = h->seq;
    child->snd_wl2 = child->iss;
    child->segs_in = 1;
    if (!c->cb.new_child(c->owner, child, seg)) {
        tcp_free(child);
        return;
    }
    child->parent = c;
    g_queue_push_tail(&c->syn_queue, child);
    tcp_setState(child, TCP_ST_SYN_RECV, now);
    /* The child's SYN-ACK and timer; its owner is set now (tcp_setOwner in new_child). */
    tcpout_sendSyn(child, now);
    child->t_rtx = now + TCP_RTO_INIT;
    child->cb.arm_timer(child->owner, child->t_rtx);
    child->armed = child->t_rtx;
}

static void _tcpin_synSent(TcpConn* c, const Packet* seg, SimTime now) {
    const TcpHeader* h = &seg->tcp;
    bool has_ack = h->flags & TCP_FLAG_ACK;
    if (has_ack && (tcp_seqLe(h->ack, c->iss) || tcp_seqLt(c->snd_nxt, h->ack))) {
        if (!(h->flags & TCP_FLAG_RST)) {
            Packet* rst = tcp_makeReset(seg); /* RFC 9293: <SEQ=SEG.ACK><CTL=RST> */
            rst->src = (NetAddr){0, 0};
            rst->dst = (NetAddr){0, 0};
            c->cb.output(c->owner, rst);
        }
        return;
    }
    if (h->flags & TCP_FLAG_RST) {
        if (has_ack) {
            tcp_done(c, ECONNREFUSED, now);
        }
        return;
    }
    if (!(h->flags & TCP_FLAG_SYN)) {
        return;
    }
    c->irs = h->seq;
    c->rcv_nxt = h->seq + 1;
    c->rcv_wup = c->rcv_nxt;
    _tcpin_synOptions(c, h);
    c->snd_wnd = h->window; /* never scaled in a SYN */
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = h->seq;
    c->snd_wl2 = has_ack ? h->ack : c->iss;
    if (!has_ack) { /* simultaneous open */
        tcp_setState(c, TCP_ST_SYN_RECV, now);
        c->retransmits = 0;
        c->backoff = 0;
        tcpout_sendSyn(c, now);
        c->t_rtx = now + TCP_RTO_INIT;
        return;
    }
    c->snd_una = h->ack;
    if (c->retransmits == 0) {
        tcpin_rttSample(c, now - c->syn_time);
    } else if (c->ts_ok && h->tsecr != 0) {
        tcpin_rttSample(c, (SimTime)(tcpout_tsNow(c, now) - h->tsecr) * SIMTIME_ONE_MILLISECOND);
    }
    c->retransmits = 0;
    c->backoff = 0;
    c->t_rtx = SIMTIME_INVALID;
    tcp_setState(c, TCP_ST_ESTABLISHED, now);
    c->ack_now = true;
}

/* ---- Synchronized states ----------------------------------------------------------------------- */

/* Linux's tcp_sequence: some of the segment is at or after rcv_wup and it starts in the window. */
static bool _tcpin_acceptable(const TcpConn* c, const Packet* seg) {
    uint32_t end = seg->tcp.seq + (uint32_t)seg->len + ((seg->tcp.flags & TCP_FLAG_FIN) ? 1 : 0);
    uint32_t edge = c->rcv_wup + c->rcv_wnd;
    uint32_t win = tcp_seqLt(c->rcv_nxt, edge) ? edge - c->rcv_nxt : 0;
    return tcp_seqLe(c->rcv_wup, end) && tcp_seqLe(seg->tcp.seq, c->rcv_nxt + win);
}

static void _tcpin_reset(TcpConn* c, SimTime now) {
    int err;
    switch (c->state) {
    case TCP_ST_SYN_RECV:
    case TCP_ST_TIME_WAIT:
    case TCP_ST_LAST_ACK:
    case TCP_ST_CLOSING:
        err = 0;
        break;
    case TCP_ST_CLOSE_WAIT:
        err = EPIPE;
        break;
    default:
        err = ECONNRESET;
        break;
    }
    tcp_done(c, c->orphan ? 0 : err, now);
}

/* Where the ACK of our FIN moves the state. */
static void _tcpin_finAcked(TcpConn* c, SimTime now) {
    switch (c->state) {
    case TCP_ST_FIN_WAIT1:
        tcp_setState(c, TCP_ST_FIN_WAIT2, now);
        break;
    case TCP_ST_CLOSING:
        tcp_setState(c, TCP_ST_TIME_WAIT, now);
        break;
    case TCP_ST_LAST_ACK:
        tcp_done(c, 0, now);
        break;
    default:
        break;
    }
}

static void _tcpin_synchronized(TcpConn* c, const Packet* seg, SimTime now) {
    const TcpHeader* h = &seg->tcp;
    if (c->state == TCP_ST_SYN_RECV && (h->flags & TCP_FLAG_SYN) && !(h->flags & TCP_FLAG_ACK)) {
        if (h->seq == c->irs) {
            tcpout_sendSyn(c, now); /* the SYN again: our SYN-ACK was lost */
        }
        return;
    }
    if (!_tcpin_acceptable(c, seg)) {
        if (!(h->flags & TCP_FLAG_RST)) {
            c->ack_now = true;
        }
        return;
    }
    if (h->flags & TCP_FLAG_RST) {
        if (h->seq == c->rcv_nxt) {
            _tcpin_reset(c, now);
        } else {
            c->ack_now = true; /* RFC 5961 3.2: a challenge ACK */
        }
        return;
    }
    if (h->flags & TCP_FLAG_SYN) {
        c->ack_now = true; /* RFC 5961 4.2 */
        return;
    }
    if (!(h->flags & TCP_FLAG_ACK)) {
        return;
    }
    if (c->ts_ok && h->has_ts && tcp_seqLe(h->seq, c->rcv_wup)) {
        c->ts_recent = h->tsval;
    }
    if (c->ts_ok && h->has_ts && h->tsecr != 0 && seg->len > 0) {
        /* The receiver's RTT (Linux's tcp_rcv_rtt_measure_ts), for buffer autotuning. */
        uint32_t ms = tcpout_tsNow(c, now) - h->tsecr;
        if (ms < 3600u * 1000) {
            SimTime rtt = (SimTime)(ms ? ms : 1) * SIMTIME_ONE_MILLISECOND;
            c->rcv_rtt = c->rcv_rtt == 0 ? rtt : (7 * c->rcv_rtt + rtt) / 8;
        }
    }
    if (c->state == TCP_ST_SYN_RECV) {
        if (tcp_seqLe(h->ack, c->snd_una) || tcp_seqLt(c->snd_nxt, h->ack)) {
            tcpout_sendRst(c, now); /* would be <SEQ=SEG.ACK>; our snd_nxt is the same here */
            return;
        }
        if (c->parent != NULL && !tcp_childEstablished(c)) {
            return; /* the accept queue is full: as if the ACK were lost (Linux) */
        }
        c->snd_una = h->ack;
        c->snd_wnd = (uint32_t)h->window << c->snd_wscale;
        c->max_snd_wnd = c->snd_wnd;
        c->snd_wl1 = h->seq;
        c->snd_wl2 = h->ack;
        if (c->retransmits == 0) {
            tcpin_rttSample(c, now - c->syn_time);
        }
        c->retransmits = 0;
        c->backoff = 0;
        c->t_rtx = SIMTIME_INVALID;
        tcp_setState(c, TCP_ST_ESTABLISHED, now);
    } else {
        bool was_acked = c->fin_acked;
        if (!_tcpin_ack(c, seg, now)) {
            return;
        }
        if (c->fin_acked && !was_acked) {
            _tcpin_finAcked(c, now);
            if (c->state == TCP_ST_CLOSE) {
                return;
            }
        }
    }
    if (c->state == TCP_ST_TIME_WAIT) {
        if (h->flags & TCP_FLAG_FIN) {
            c->ack_now = true; /* the peer's FIN again: our ACK was lost */
            c->t_close = now + TCP_TIME_WAIT_LEN;
        }
        return;
    }
    bool takes_data = c->state == TCP_ST_ESTABLISHED || c->state == TCP_ST_FIN_WAIT1 ||
                      c->state == TCP_ST_FIN_WAIT2;
    if (seg->len > 0 && takes_data) {
        if (c->rcv_shut && !c->fin_rcvd && c->orphan &&
            tcp_seqLt(c->rcv_nxt, h->seq + (uint32_t)seg->len)) {
            /* New data for a closed socket (Linux's tcp_rcv_state_process): reset. */
            tcpout_sendRst(c, now);
            tcp_done(c, 0, now);
            return;
        }
        _tcpin_data(c, seg, now);
    }
    if ((h->flags & TCP_FLAG_FIN) && takes_data && !c->fin_rcvd) {
        uint32_t fin_seq = h->seq + (uint32_t)seg->len;
        if (fin_seq == c->rcv_nxt) {
            _tcpin_fin(c, now);
        } else if (tcp_seqLt(c->rcv_nxt, fin_seq)) {
            c->ooo_fin = true;
            c->ooo_fin_seq = fin_seq;
        }
    }
    if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt && !c->fin_rcvd) {
        _tcpin_fin(c, now);
    }
}

void tcpin_segment(TcpConn* c, const Packet* seg, SimTime now) {
    c->segs_in++;
    c->last_rcv = now;
    switch (c->state) {
    case TCP_ST_CLOSE:
        return;
    case TCP_ST_LISTEN:
        _tcpin_listen(c, seg, now);
        return;
    case TCP_ST_SYN_SENT:
        _tcpin_synSent(c, seg, now);
        break;
    default:
        _tcpin_synchronized(c, seg, now);
        break;
    }
    if (c->state != TCP_ST_CLOSE) {
        tcpout_push(c, now);
    }
}
