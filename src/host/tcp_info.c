/* TCP_INFO for the TCP engine (tcp.h): Linux's struct tcp_info from <linux/tcp.h> (the full
 * layout, with the pacing rate and the byte counters that glibc's <netinet/tcp.h> lacks).
 *
 * <linux/tcp.h> comes first: its enum of TCP_FLAG_* names would otherwise be rewritten by
 * netstack.h's macros of the same names. Times are microseconds and milliseconds as Linux's. */
#include <linux/tcp.h>

#include <string.h>

#include "host/tcp_internal.h"

static uint32_t _tcpinfo_us(SimTime t) {
    uint64_t us = t / SIMTIME_ONE_MICROSECOND;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static uint32_t _tcpinfo_msSince(SimTime then, SimTime now) {
    if (then == 0 || then > now) {
        return 0;
    }
    uint64_t ms = (now - then) / SIMTIME_ONE_MILLISECOND;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

void tcp_getInfo(const TcpConn* c, struct tcp_info* info, SimTime now) {
    memset(info, 0, sizeof(*info));
    info->tcpi_state = (uint8_t)c->state;
    info->tcpi_ca_state = (uint8_t)c->ca_state;
    info->tcpi_retransmits = (uint8_t)c->retransmits;
    info->tcpi_probes = (uint8_t)c->probes_out;
    info->tcpi_backoff = (uint8_t)c->backoff;
    if (c->ts_ok) {
        info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
    }
    if (c->sack_ok) {
        info->tcpi_options |= TCPI_OPT_SACK;
    }
    if (c->ws_ok) {
        info->tcpi_options |= TCPI_OPT_WSCALE;
        info->tcpi_snd_wscale = c->snd_wscale;
        info->tcpi_rcv_wscale = c->rcv_wscale;
    }
    info->tcpi_rto = _tcpinfo_us(tcpout_rtoBackoff(c));
    info->tcpi_ato = _tcpinfo_us(c->ato);
    info->tcpi_snd_mss = c->mss;
    info->tcpi_rcv_mss = c->rcv_mss;
    if (c->state == TCP_ST_LISTEN) {
        /* Linux reports the accept queue here for a listener. */
        info->tcpi_unacked = (uint32_t)c->accept_queue.length;
        info->tcpi_sacked = (uint32_t)c->backlog;
    } else {
        info->tcpi_unacked = c->packets_out;
        info->tcpi_sacked = c->sacked_out;
    }
    info->tcpi_lost = c->lost_out;
    info->tcpi_retrans = c->retrans_out;
    info->tcpi_last_data_sent = _tcpinfo_msSince(c->last_data_sent, now);
    info->tcpi_last_data_recv = _tcpinfo_msSince(c->last_data_recv, now);
    info->tcpi_last_ack_recv = _tcpinfo_msSince(c->last_ack_recv, now);
    info->tcpi_pmtu = 1500;
    info->tcpi_rcv_ssthresh = tcpout_selectWindow(c);
    info->tcpi_rtt = _tcpinfo_us(c->srtt);
    info->tcpi_rttvar = _tcpinfo_us(c->rttvar);
    info->tcpi_snd_ssthresh = c->ssthresh;
    info->tcpi_snd_cwnd = c->cwnd;
    info->tcpi_advmss = c->advmss;
    info->tcpi_reordering = TCP_DUPTHRESH;
    info->tcpi_rcv_rtt = _tcpinfo_us(c->rcv_rtt);
    info->tcpi_rcv_space = c->rcv_space;
    info->tcpi_total_retrans = c->total_retrans;
    /* Linux's tcp_update_pacing_rate: 200% of cwnd per RTT in slow start, 120% after (reported;
     * umbra does not pace, as Linux without the fq qdisc does not for CUBIC). */
    if (c->srtt > 0) {
        uint64_t bps = (uint64_t)c->cwnd * c->mss * SIMTIME_ONE_SECOND / c->srtt;
        info->tcpi_pacing_rate = c->cwnd < c->ssthresh / 2 ? 2 * bps : bps * 6 / 5;
    }
    info->tcpi_max_pacing_rate = UINT64_MAX;
    info->tcpi_bytes_acked = c->bytes_acked;
    info->tcpi_bytes_received = c->bytes_received;
    info->tcpi_segs_out = c->segs_out;
    info->tcpi_segs_in = c->segs_in;
    info->tcpi_notsent_bytes = (uint32_t)tcp_unsent(c);
    info->tcpi_min_rtt = c->min_rtt ? _tcpinfo_us(c->min_rtt) : UINT32_MAX;
    info->tcpi_data_segs_in = c->data_segs_in;
    info->tcpi_data_segs_out = c->data_segs_out;
    info->tcpi_bytes_sent = c->bytes_sent;
    info->tcpi_bytes_retrans = c->bytes_retrans;
    info->tcpi_rcv_ooopack = c->rcv_ooopack;
    info->tcpi_snd_wnd = c->snd_wnd;
}

size_t tcp_infoSize(void) {
    return sizeof(struct tcp_info);
}
