/* TCP as Linux does it (architecture.md 9, RFC 9293): a sans-I/O engine. A TcpConn knows
 * sequence numbers, windows, timers and congestion control, not addresses, hosts or descriptors:
 * segments go out through a callback, arrive through tcp_input, time comes with every call, and
 * the owner (host/tcp_socket.h) arms one timer per connection. So the whole state machine runs in
 * Check tests with a fake network (tests/unit/check_tcp.c).
 *
 * What it follows from Linux:
 * - the handshake with MSS (1460 by default), window scaling (RFC 7323, shift from the largest
 *   receive buffer), SACK-permitted and timestamps on the SYN; an initial sequence number from
 *   the owner's generator (deterministic, unlike Linux's hash); SYN and SYN-ACK retransmission
 *   (tcp_syn_retries 6, tcp_synack_retries 5: ETIMEDOUT);
 * - byte sequence numbers; segments of at most the MSS less the timestamp option (1448 bytes);
 * - RFC 6298 retransmission timer: initial RTO 1 s, minimum 200 ms, maximum 120 s, exponential
 *   backoff, Karn's rule (RTT samples from timestamps, so retransmissions still give samples);
 *   tcp_retries2 15 (ETIMEDOUT);
 * - SACK (RFC 2018) with a scoreboard, fast retransmit after 3 duplicate ACKs or SACKed bytes,
 *   SACK-based loss recovery (RFC 6675) with proportional rate reduction (RFC 6937);
 * - CUBIC (RFC 9438, Linux's default; without HyStart, so slow start ends at the first loss)
 *   and Reno (RFC 5681), initial window 10 segments (RFC 6928), TCP_CONGESTION to choose; an RTO
 *   leaves cwnd 1 and ssthresh from the algorithm (Reno half, CUBIC 0.7, as Linux);
 * - Nagle (RFC 896) unless TCP_NODELAY, TCP_CORK and MSG_MORE;
 * - delayed ACKs: quick ACKs at the start, then one ACK per two full segments or after 40 ms;
 *   an immediate ACK for out-of-order data (with SACK blocks, D-SACK not needed);
 * - flow control: the receive window is half the receive buffer less the bytes queued in it
 *   (Linux's tcp_adv_win_scale 1: the other half stands for per-packet overhead), never moved
 *   left; window updates when reading frees space (tcp_cleanup_rbuf), zero-window probes with the
 *   persist timer (backoff like the RTO);
 * - FIN, half-close (shutdown), RST (for a close with unread data, SO_LINGER 0, a segment for
 *   no connection), TIME_WAIT of 60 s, CLOSE_WAIT, LAST_ACK, CLOSING, FIN_WAIT_1/2 (with
 *   tcp_fin_timeout 60 s for an orphan in FIN_WAIT_2);
 * - receive buffer autotuning (Linux's tcp_rcv_space_adjust: the buffer grows to twice what the
 *   reader took in one RTT, up to tcp_rmem[2] 6 MiB) and send buffer autotuning (tcp_sndbuf_expand:
 *   about twice cwnd's worth, up to tcp_wmem[2] 4 MiB), unless the size was set by the user;
 * - the listen backlog: SYNs beyond a full accept queue are dropped (the client retransmits);
 * - keepalive (SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT), TCP_USER_TIMEOUT.
 *
 * Buffers count payload bytes: the send buffer holds unacknowledged plus unsent bytes.
 *
 * Memory and ordering: nothing depends on pointer values; the same inputs give the same outputs.
 * Threading: a connection is only touched by the thread running its host. */
#ifndef SIM_HOST_TCP_H_
#define SIM_HOST_TCP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/netstack.h"
#include "lib/simtime.h"

struct tcp_info;

/* States, numbered as Linux's (tcpi_state, /proc/net/tcp). */
typedef enum {
    TCP_ST_ESTABLISHED = 1,
    TCP_ST_SYN_SENT = 2,
    TCP_ST_SYN_RECV = 3,
    TCP_ST_FIN_WAIT1 = 4,
    TCP_ST_FIN_WAIT2 = 5,
    TCP_ST_TIME_WAIT = 6,
    TCP_ST_CLOSE = 7,
    TCP_ST_CLOSE_WAIT = 8,
    TCP_ST_LAST_ACK = 9,
    TCP_ST_LISTEN = 10,
    TCP_ST_CLOSING = 11,
} TcpState;

typedef enum { TCP_CC_CUBIC = 0, TCP_CC_RENO } TcpCongestion;

#define TCP_DEFAULT_MSS 1460          /* MTU 1500 - 20 - 20 */
#define TCP_RMEM_MAX (6u << 20)       /* tcp_rmem[2] */
#define TCP_WMEM_MAX (4u << 20)       /* tcp_wmem[2] */
#define TCP_TIME_WAIT_LEN (60 * SIMTIME_ONE_SECOND)

typedef struct _TcpConn TcpConn;

/* What the engine needs from its owner. `owner` is the pointer given to tcp_new / tcp_setOwner. */
typedef struct {
    /* A segment to send (taken over): proto, tcp header, payload and len set; the owner fills in
     * the addresses and hands it to the network. Exception: a listener's reset for a stray
     * segment (an ACK for no connection) comes with its addresses set already (swapped from
     * the segment's), since a listener has no peer; tell them apart by dst.port != 0. */
    void (*output)(void* owner, Packet* seg);
    /* The connection wants tcp_onTimer called at `when` (SIMTIME_INVALID: nothing due). Called
     * whenever its earliest deadline changes; an early or extra tcp_onTimer call is harmless. */
    void (*arm_timer)(void* owner, SimTime when);
    /* Something a user of the socket may wait for changed (tcp_pollEvents, the accept queue,
     * the state). */
    void (*changed)(void* owner);
    /* Listener only: a SYN arrived and the engine made `child` (state SYN_RECV, nothing sent
     * yet). The owner adopts it (tcp_setOwner; it registers it under the SYN's addresses) and
     * returns true; false drops the SYN and the engine frees the child. */
    bool (*new_child)(void* owner, TcpConn* child, const Packet* syn);
    /* After tcp_close: the connection is finished (CLOSED, or out of TIME_WAIT); the owner frees
     * it with tcp_free (not from inside this callback's caller: defer it). Also called for a
     * child that never reached the user (its listener closed, it was reset in the queue, its
     * SYN-ACK retransmissions ran out). A tcp_close of a connection already CLOSED (reset,
     * refused, timed out) calls it from inside tcp_close. The last thing the engine does with
     * the connection: no callback for it follows. */
    void (*released)(void* owner);
    /* TCP small queues: whether the interface may take more of this connection's segments now.
     * When it says no, the engine stops sending until tcp_outputReady. NULL: always. */
    bool (*may_output)(void* owner);
    /* 32 random bits from the host generator (initial sequence numbers). */
    uint32_t (*random)(void* owner);
} TcpCallbacks;

typedef struct {
    uint64_t rcvbuf, sndbuf; /* initial buffer sizes (bytes, as SO_RCVBUF/SO_SNDBUF report) */
    bool rcv_autotune, snd_autotune;
    uint16_t mss;            /* 0: TCP_DEFAULT_MSS */
    TcpCongestion cc;
} TcpConfig;

TcpConn* tcp_new(const TcpConfig* config, const TcpCallbacks* cb, void* owner);
/* Frees the connection and everything queued in it; no callback is called. A listener's
 * children that are still queued (normally none after tcp_close) belong to the owner (adopted in
 * new_child): they only lose their link to it. */
void tcp_free(TcpConn* c);
void tcp_setOwner(TcpConn* c, void* owner);

/* ---- Opening -------------------------------------------------------------------------------- */

/* Active open: sends the SYN. 0, or -errno (-EISCONN, -EALREADY, -EINVAL). */
int tcp_connect(TcpConn* c, SimTime now);
/* Passive open (or a new backlog for a listener). backlog is clamped to [0, 4096]; the accept
 * queue holds up to backlog + 1 connections, as Linux's sk_acceptq_is_full. */
int tcp_listen(TcpConn* c, int backlog, SimTime now);
/* The oldest established child in the accept queue (now the caller's), or NULL. */
TcpConn* tcp_accept(TcpConn* listener);
/* Connections in the accept queue. */
size_t tcp_acceptQueueLen(const TcpConn* listener);

/* ---- Data --------------------------------------------------------------------------------- */

/* MSG_MORE-like hint for tcp_send: the partial last segment waits for the next tcp_send without
 * it (or tcp_setCork(false)), as Linux's MSG_MORE. */
#define TCP_SEND_MORE 1

/* Queues up to `len` bytes for sending: the count taken (less than len when the send buffer is
 * full; 0 when it is: the owner blocks or says EAGAIN), or -errno: -EPIPE after shutdown(SHUT_WR) or close, -ENOTCONN before the
 * connection, a pending error (-ECONNRESET, -ETIMEDOUT, ...). In SYN_SENT it says -EAGAIN
 * (Linux waits for the connection). */
int64_t tcp_send(TcpConn* c, const uint8_t* data, size_t len, int flags, SimTime now);
/* Copies up to `len` in-order bytes (removes them unless `peek`): the count, 0 at end of stream
 * (FIN received, or shutdown(SHUT_RD)), -EAGAIN when nothing is there yet, -ENOTCONN, or a
 * pending error. Reading may open the window (a window update goes out). */
int64_t tcp_recv(TcpConn* c, uint8_t* buf, size_t len, bool peek, SimTime now);
/* In-order bytes ready to read (FIONREAD). */
size_t tcp_readable(const TcpConn* c);
/* Bytes the user may still queue (send buffer free space). */
size_t tcp_sendSpace(const TcpConn* c);
/* Bytes queued not yet acknowledged (SIOCOUTQ), and not yet sent (SIOCOUTQNSD). */
size_t tcp_unacked(const TcpConn* c);
size_t tcp_unsent(const TcpConn* c);

/* shutdown: `rd` stops reading (later data is still acknowledged, as Linux), `wr` sends FIN
 * after the queued data. 0 or -ENOTCONN. */
int tcp_shutdown(TcpConn* c, bool rd, bool wr, SimTime now);
/* The last descriptor was closed. Unread data or SO_LINGER with 0 s: RST and CLOSED at once.
 * Otherwise FIN after the queued data, then FIN_WAIT..TIME_WAIT; `released` comes at the end.
 * A listener resets its queued children. The owner must not use the connection for the user
 * any more. */
void tcp_close(TcpConn* c, SimTime now);

/* ---- Events from the owner ------------------------------------------------------------------ */

/* A segment for this connection arrived (the owner matched its addresses; it keeps `seg`). A
 * CLOSED connection ignores it: the owner should not match CLOSED connections any more (and
 * answer their segments with tcp_makeReset, as Linux does for a socket no longer hashed). */
void tcp_input(TcpConn* c, const Packet* seg, SimTime now);
/* The timer the engine armed is due (or may be). */
void tcp_onTimer(TcpConn* c, SimTime now);
/* The interface queue has room again (after may_output said no). */
void tcp_outputReady(TcpConn* c, SimTime now);

/* The RST to answer `seg` with, for a segment that matched no connection (RFC 9293 3.10.7.1),
 * or NULL when `seg` is itself an RST. Addresses swapped from `seg`'s. */
Packet* tcp_makeReset(const Packet* seg);

/* ---- State ---------------------------------------------------------------------------------- */

TcpState tcp_state(const TcpConn* c);
/* poll events as Linux's tcp_poll: POLLIN|POLLRDNORM (data, FIN, a connection to accept),
 * POLLOUT|POLLWRNORM (connected and the send buffer has room for a third of it, as
 * sk_stream_is_writeable), POLLRDHUP (FIN received), POLLHUP (both ways shut or closed/reset),
 * POLLERR (a pending error). */
unsigned tcp_pollEvents(const TcpConn* c);
/* The pending error (positive errno, 0: none), cleared (SO_ERROR). */
int tcp_takeError(TcpConn* c);
/* The pending error without clearing it. */
int tcp_peekError(const TcpConn* c);
/* Fills Linux's struct tcp_info (TCP_INFO) as <linux/tcp.h> has it (232 bytes and more, with
 * tcpi_pacing_rate, tcpi_bytes_acked, tcpi_snd_wnd...; glibc's <netinet/tcp.h> one is shorter:
 * pass the <linux/tcp.h> struct and copy out the user's optlen). Note: <linux/tcp.h> must be
 * included before host/netstack.h, whose TCP_FLAG_* macros clash with its enum. For a listener,
 * tcpi_unacked is the accept queue length and tcpi_sacked the backlog, as Linux. tcp_infoSize() is its size. */
void tcp_getInfo(const TcpConn* c, struct tcp_info* info, SimTime now);
size_t tcp_infoSize(void);

/* ---- Options -------------------------------------------------------------------------------- */

void tcp_setNoDelay(TcpConn* c, bool on, SimTime now); /* off -> on pushes queued data */
bool tcp_getNoDelay(const TcpConn* c);
void tcp_setCork(TcpConn* c, bool on, SimTime now);    /* off pushes queued data */
bool tcp_getCork(const TcpConn* c);
/* TCP_MAXSEG before connecting: clamps the MSS (88..32767); -EINVAL otherwise. */
int tcp_setMaxSeg(TcpConn* c, int mss);
/* The MSS in use (before connecting: the one announced). */
int tcp_getMaxSeg(const TcpConn* c);
/* "cubic" or "reno": 0, or -ENOENT. */
int tcp_setCongestion(TcpConn* c, const char* name);
const char* tcp_getCongestion(const TcpConn* c);
/* SO_RCVBUF / SO_SNDBUF as the user sets them (value already doubled and clamped by the caller):
 * locks the size (no autotuning). */
void tcp_setRcvBuf(TcpConn* c, uint64_t bytes);
void tcp_setSndBuf(TcpConn* c, uint64_t bytes);
uint64_t tcp_getRcvBuf(const TcpConn* c);
uint64_t tcp_getSndBuf(const TcpConn* c);
/* SO_LINGER: on with 0 s makes tcp_close send RST. */
void tcp_setLinger(TcpConn* c, bool on, int seconds);
void tcp_getLinger(const TcpConn* c, bool* on, int* seconds);
/* SO_KEEPALIVE and its parameters (seconds; count). */
void tcp_setKeepalive(TcpConn* c, bool on, SimTime now);
bool tcp_getKeepalive(const TcpConn* c);
void tcp_setKeepaliveParams(TcpConn* c, int idle, int intvl, int cnt);
void tcp_getKeepaliveParams(const TcpConn* c, int* idle, int* intvl, int* cnt);
/* TCP_USER_TIMEOUT (ms, 0: off). */
void tcp_setUserTimeout(TcpConn* c, uint32_t ms);
uint32_t tcp_getUserTimeout(const TcpConn* c);
/* TCP_QUICKACK: on sends pending ACKs now and acks quickly for a while. */
void tcp_setQuickAck(TcpConn* c, bool on, SimTime now);

/* ---- The wire (for pcap) -------------------------------------------------------------------- */

/* The TCP header length of `h` with its options (20..60, a multiple of 4). */
size_t tcp_headerLen(const TcpHeader* h);
/* Writes the TCP header of `p` (ports, header, options, checksum over the pseudo header and
 * p's payload) at `out`; returns its length. */
size_t tcp_writeHeader(const Packet* p, uint8_t* out);

#endif
