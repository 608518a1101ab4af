/* The TCP engine's insides (tcp.h), shared by its files: tcp.c (the connection, its API, the
 * state and its timers), tcp_input.c (arriving segments: the state machine, ACKs, SACK, loss
 * recovery), tcp_output.c (building and sending segments, the receive window, delayed ACKs),
 * tcp_cc.c (CUBIC and Reno) and tcp_wire.c (header bytes).
 *
 * Units: sequence numbers and windows in bytes; the congestion window, ssthresh and the
 * scoreboard's counters in segments, as Linux's; times in SimTime nanoseconds; timestamps
 * (RFC 7323) in milliseconds, as Linux's tcp_time_stamp. */
#ifndef SIM_HOST_TCP_INTERNAL_H_
#define SIM_HOST_TCP_INTERNAL_H_

#include <glib.h>

#include "host/tcp.h"

/* ---- Linux's constants ---------------------------------------------------------------------- */

#define TCP_RTO_INIT SIMTIME_ONE_SECOND
#define TCP_RTO_MIN (200 * SIMTIME_ONE_MILLISECOND)
#define TCP_RTO_MAX (120 * SIMTIME_ONE_SECOND)
#define TCP_SYN_RETRIES 6
#define TCP_SYNACK_RETRIES 5
#define TCP_RETRIES2 15
#define TCP_ATO_MIN (40 * SIMTIME_ONE_MILLISECOND) /* delayed ACK timeout */
#define TCP_MAX_QUICKACKS 16
#define TCP_FIN_TIMEOUT (60 * SIMTIME_ONE_SECOND)
#define TCP_KEEPIDLE_DEFAULT 7200 /* seconds */
#define TCP_KEEPINTVL_DEFAULT 75
#define TCP_KEEPCNT_DEFAULT 9
#define TCP_INIT_CWND 10
#define TCP_INFINITE_SSTHRESH 0x7fffffffu
#define TCP_DUPTHRESH 3
#define TCP_RMEM_DEFAULT 131072u /* tcp_rmem[1] */
#define TCP_WMEM_DEFAULT 16384u  /* tcp_wmem[1] */
#define TCP_MIN_MSS 88
#define TCP_MAX_MSS 32767
#define TCP_DEFAULT_PEER_MSS 536 /* RFC 9293: a SYN without the MSS option */
#define TCP_TS_LEN 12            /* NOP NOP TS: what timestamps take from every segment */
#define TCP_MAX_SYN_QUEUE 256    /* incomplete children at most (see tcp.c) */

/* Wraparound-safe sequence comparisons (RFC 9293 3.4). */
static inline bool tcp_seqLt(uint32_t a, uint32_t b) {
    return (int32_t)(a - b) < 0;
}
static inline bool tcp_seqLe(uint32_t a, uint32_t b) {
    return (int32_t)(a - b) <= 0;
}
static inline uint32_t tcp_seqMax(uint32_t a, uint32_t b) {
    return tcp_seqLt(a, b) ? b : a;
}

/* ---- A byte ring (the send and receive queues) ------------------------------------------------ */

typedef struct {
    uint8_t* data; /* cap bytes (g_malloc) */
    size_t cap;    /* 0 or a power of two */
    size_t head;   /* offset of the first byte */
    size_t len;    /* bytes held */
} TcpRing;

void tcpring_append(TcpRing* r, const uint8_t* src, size_t n);
/* Copies n bytes starting `off` bytes after the first into dst (off + n <= len). */
void tcpring_copy(const TcpRing* r, size_t off, uint8_t* dst, size_t n);
void tcpring_drop(TcpRing* r, size_t n);
void tcpring_clear(TcpRing* r);

/* ---- The sender's scoreboard ------------------------------------------------------------------ */

#define TCP_SEG_SACKED 0x01  /* the receiver has it (SACK) */
#define TCP_SEG_LOST 0x02    /* considered lost, to be retransmitted */
#define TCP_SEG_RETRANS 0x04 /* retransmitted and not known to have arrived since */
#define TCP_SEG_EVER 0x08    /* retransmitted at least once (Karn: no RTT sample from it) */
#define TCP_SEG_FIN 0x10     /* carries the FIN (occupies seq + len) */

/* A segment sent and not acknowledged yet. */
typedef struct {
    uint32_t seq;    /* first sequence number */
    uint32_t len;    /* payload bytes (the FIN adds one sequence number) */
    uint8_t flags;   /* TCP_SEG_* */
    SimTime tx_time; /* last (re)transmission */
} TcpSeg;

/* Data that arrived ahead of rcv_nxt. */
typedef struct {
    uint32_t seq;
    uint32_t len;
    uint8_t* data; /* g_malloc */
} TcpOoo;

/* Linux's congestion-avoidance states (tcpi_ca_state). */
typedef enum {
    TCP_CA_OPEN = 0,
    TCP_CA_DISORDER = 1,
    TCP_CA_RECOVERY = 3,
    TCP_CA_LOSS = 4,
} TcpCaState;

/* ---- Congestion control (tcp_cc.c) ------------------------------------------------------------ */

typedef struct {
    const char* name;
    void (*init)(TcpConn* c);
    /* The new ssthresh on a loss (also remembers what the algorithm needs). */
    uint32_t (*ssthresh)(TcpConn* c);
    /* `acked` segments were newly delivered while the window limited the sender. */
    void (*cong_avoid)(TcpConn* c, uint32_t acked, SimTime now);
    /* An RTO: the algorithm forgets its history (Linux's CA_Loss event). */
    void (*on_rto)(TcpConn* c);
} TcpCcOps;

extern const TcpCcOps tcpcc_cubic;
extern const TcpCcOps tcpcc_reno;
const TcpCcOps* tcpcc_find(const char* name);
/* Slow start: cwnd grows by the acked segments up to ssthresh; returns the acked left over. */
uint32_t tcpcc_slowStart(TcpConn* c, uint32_t acked);
/* Additive increase: one segment per `w` segments acked. */
void tcpcc_increase(TcpConn* c, uint32_t w, uint32_t acked);

typedef struct {
    double w_max;        /* window before the last reduction (segments) */
    double k;            /* seconds from the epoch to reach w_max again */
    double origin;       /* the cubic's plateau */
    double w_est;        /* the Reno-friendly estimate (RFC 9438 4.3) */
    SimTime epoch_start; /* SIMTIME_INVALID: no epoch */
    uint32_t cnt;        /* acks per cwnd increment */
} TcpCubic;

/* ---- The connection --------------------------------------------------------------------------- */

struct _TcpConn {
    TcpCallbacks cb;
    void* owner; /* borrowed */
    TcpState state;
    const TcpCcOps* cc;

    /* Lifecycle. */
    bool orphan;        /* tcp_close was called: `released` ends it */
    bool release_due;   /* finished: `released` goes out at the end of this entry */
    bool released;      /* `released` was called: nothing more happens */
    bool was_connected; /* reached ESTABLISHED once (recv says 0 rather than ENOTCONN) */
    int err;            /* pending error (positive errno) */
    bool rcv_shut;      /* no more data from the peer (FIN, shutdown(SHUT_RD), reset) */
    bool snd_shut;      /* no more data from the user (shutdown(SHUT_WR), close, reset) */

    /* Listener and children. */
    TcpConn* parent;    /* a child not accepted yet: its listener (borrowed) */
    bool in_acceptq;    /* in parent's accept queue (else in its SYN queue) */
    GQueue syn_queue;   /* listener: children in SYN_RECV (TcpConn*) */
    GQueue accept_queue; /* listener: established children, oldest first */
    int backlog;

    /* Options. */
    uint64_t rcvbuf, sndbuf;
    bool rcv_autotune, snd_autotune;
    uint16_t user_mss; /* TCP_MAXSEG, or the configured MSS */
    bool nodelay, cork, more; /* TCP_NODELAY, TCP_CORK, the last send's TCP_SEND_MORE */
    bool linger_on;
    int linger_sec;
    bool keepalive;
    int keepidle, keepintvl, keepcnt;
    uint32_t user_timeout_ms;

    /* Negotiated at the handshake. */
    bool ts_ok, sack_ok, ws_ok;
    uint8_t snd_wscale; /* the peer's shift (applies to windows it sends) */
    uint8_t rcv_wscale; /* ours */
    uint16_t peer_mss;  /* the peer's MSS option */
    uint32_t mss;       /* payload bytes per segment we send (less the timestamps) */
    uint32_t advmss;    /* what we announce, less the timestamps once they are on */
    uint32_t rcv_mss;   /* estimate of the peer's segment size (delayed ACKs) */

    /* Send sequence space. */
    uint32_t iss, snd_una, snd_nxt;
    uint32_t snd_wnd;       /* the peer's window, scaled (bytes) */
    uint32_t max_snd_wnd;   /* largest seen */
    uint32_t snd_wl1, snd_wl2;
    uint32_t snd_sml;       /* end of the last small segment sent (Minshall's Nagle) */
    TcpRing sndq;           /* bytes from data_seq on: unacknowledged, then unsent */
    uint32_t data_seq;      /* sequence number of sndq's first byte */
    bool fin_sent;          /* the FIN went out (its sequence number is fin_seq) */
    uint32_t fin_seq;
    bool fin_acked;
    GArray* rtx;            /* TcpSeg in flight, in sequence order, from rtx_head on */
    guint rtx_head;

    /* Scoreboard counters (segments). */
    uint32_t packets_out, sacked_out, lost_out, retrans_out;
    uint32_t dupacks;

    /* Congestion control. */
    uint32_t cwnd, ssthresh, cwnd_cnt;
    TcpCaState ca_state;
    uint32_t high_seq;   /* recovery point: snd_nxt when recovery or loss began */
    uint32_t prior_cwnd; /* PRR (RFC 6937) */
    uint32_t prr_delivered, prr_out;
    bool cwnd_limited;   /* the last send stopped at cwnd */
    TcpCubic cubic;

    /* RTT and retransmission timer. */
    SimTime srtt, rttvar, min_rtt; /* 0: no sample yet */
    SimTime rto;
    uint32_t backoff;         /* exponent of the RTO or persist timer */
    uint32_t retransmits;     /* timeouts in a row (tcpi_retransmits) */
    uint32_t probes_out;      /* zero-window or keepalive probes unanswered */
    SimTime retrans_stamp;    /* first retransmission of the oldest data (user timeout) */
    uint32_t ts_offset;       /* random offset of our timestamps */
    SimTime syn_time;         /* when the SYN or SYN-ACK last went out */

    /* Receive sequence space. */
    uint32_t irs, rcv_nxt;
    uint32_t rcv_wup;         /* rcv_nxt when the window was last advertised */
    uint32_t rcv_wnd;         /* window last advertised (bytes) from rcv_wup */
    TcpRing rcvq;             /* in-order bytes for the reader */
    GQueue ooo;               /* TcpOoo in sequence order */
    size_t ooo_bytes;
    bool fin_rcvd;
    bool ooo_fin;             /* a FIN arrived ahead of missing data */
    uint32_t ooo_fin_seq;
    uint32_t ts_recent;       /* the peer's timestamp to echo */
    uint32_t last_ack_sent;   /* rcv_nxt in the last segment we sent */
    uint32_t sack_recent[2];  /* the block the last out-of-order segment joined (first SACK) */

    /* Delayed ACKs. */
    bool ack_now;             /* an ACK must go out at the end of this entry */
    bool ack_pending;         /* data arrived that is not acknowledged yet */
    uint32_t quick;           /* ACKs still to send at once */
    SimTime ato;

    /* Receive buffer autotuning (Linux's rcvq_space). */
    uint32_t rcv_space;       /* bytes read in the last measured RTT (tcpi_rcv_space) */
    uint64_t copied;          /* bytes the reader took, in all */
    uint64_t space_copied;    /* `copied` at the start of this measurement */
    SimTime space_time;
    SimTime rcv_rtt;          /* the receiver's RTT estimate (from the timestamps), 0: none */

    /* Timers (SIMTIME_INVALID: off). */
    SimTime t_rtx;     /* retransmission (also SYN, SYN-ACK) */
    SimTime t_persist; /* zero-window probe */
    SimTime t_delack;
    SimTime t_keepalive;
    SimTime t_close;   /* TIME_WAIT end, or FIN_WAIT2 orphan timeout */
    SimTime armed;     /* what arm_timer was last told */
    bool tsq_blocked;  /* may_output said no */

    /* Statistics (tcp_info). */
    uint32_t total_retrans;
    SimTime last_data_sent, last_data_recv, last_ack_recv, last_rcv;
    uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
    uint32_t segs_out, segs_in, data_segs_out, data_segs_in;
    uint32_t rcv_ooopack;
};

/* ---- Between the files ----------------------------------------------------------------------- */

/* tcp_output.c */
uint32_t tcpout_tsNow(const TcpConn* c, SimTime now);
/* Sends what may go: lost segments, then new data and the FIN; then a pure ACK if one is owed. */
void tcpout_push(TcpConn* c, SimTime now);
void tcpout_sendSyn(TcpConn* c, SimTime now); /* SYN or SYN-ACK by state */
void tcpout_sendAck(TcpConn* c, SimTime now);
void tcpout_sendRst(TcpConn* c, SimTime now);
/* A probe with an old sequence number (zero-window or keepalive): the peer answers with an ACK. */
void tcpout_sendProbe(TcpConn* c, SimTime now);
/* Linux's tcp_write_wakeup for the persist timer: sends what of the queued data fits in a window
 * smaller than a segment; false if nothing fits. */
bool tcpout_writeWakeup(TcpConn* c, SimTime now);
/* The window to advertise now (bytes), without recording it. */
uint32_t tcpout_selectWindow(const TcpConn* c);
/* The reader took data: sends a window update if the window grew enough (tcp_cleanup_rbuf). */
void tcpout_afterRead(TcpConn* c, SimTime now);
/* In-flight segments, RFC 6675's pipe: out - (sacked + lost) + retransmitted. */
uint32_t tcpout_inFlight(const TcpConn* c);
TcpSeg* tcpout_seg(const TcpConn* c, guint i); /* i from rtx_head */
guint tcpout_nsegs(const TcpConn* c);
/* The RTO with backoff, clamped. */
SimTime tcpout_rtoBackoff(const TcpConn* c);
void tcpout_armRto(TcpConn* c, SimTime now);

/* tcp_input.c */
void tcpin_segment(TcpConn* c, const Packet* seg, SimTime now);
void tcpin_rttSample(TcpConn* c, SimTime rtt);
/* Marks every unsacked segment lost (RTO). */
void tcpin_markAllLost(TcpConn* c);

/* tcp.c */
void tcp_setState(TcpConn* c, TcpState st, SimTime now);
/* A fatal error (reset, timeout): CLOSED, queues dropped, `err` pending (0: none). */
void tcp_done(TcpConn* c, int err, SimTime now);
/* Listener side: the child is established; false when the accept queue is full. */
bool tcp_childEstablished(TcpConn* child);
/* The listener makes a child for a SYN (or NULL). */
TcpConn* tcp_childNew(TcpConn* listener);
void tcp_sndbufExpand(TcpConn* c);

#endif
