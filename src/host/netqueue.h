/* The queues a packet meets between two hosts (compat.md 6.2), apart from any host so that they
 * can be unit-tested on their own:
 *
 * - TokenBucket: a rate limiter (Shadow's network/relay/token_bucket.rs). It refills every
 *   1 ms with max(1, bytes_per_sec/1000) tokens, holds one refill plus a 1500-byte MTU burst and
 *   starts full. A packet of `len` wire bytes takes `len` tokens; when it cannot, the caller
 *   keeps the packet and retries after exactly the time the missing tokens take (refills come on
 *   the 1 ms grid that started at time 0).
 * - CoDel: the router's queue on the way in (RFC 8289, as Shadow's codel_queue.rs): TARGET
 *   10 ms, INTERVAL 100 ms, no length limit, control law interval/sqrt(count); no drop while
 *   the queue holds no more than one MTU (after the dequeue).
 * - NetQdisc: the interface's send queue of *senders* (sockets) that have packets. Each sender
 *   keeps its packets in write order; `fifo` sends the sender whose next packet has the smallest
 *   priority (a per-host counter of data packets in write order; 0 for control packets, ties in
 *   enqueue order), so packets leave in global write order; `round-robin` lets the senders take
 *   turns, one packet each.
 *
 * All protocol-neutral: packets are Packet (netstack.h) with their wire size
 * (packet_wireSize). Ordering never depends on pointers. */
#ifndef SIM_HOST_NETQUEUE_H_
#define SIM_HOST_NETQUEUE_H_

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/netstack.h"
#include "lib/simtime.h"

#define NET_MTU 1500
#define NET_REFILL_INTERVAL SIMTIME_ONE_MILLISECOND

/* ---- Token bucket ------------------------------------------------------------------------ */

typedef struct {
    int64_t capacity;    /* refill + NET_MTU */
    int64_t balance;     /* tokens (bytes) available; negative after a packet over capacity */
    int64_t refill;      /* tokens added per NET_REFILL_INTERVAL */
    SimTime last_refill; /* on the grid of NET_REFILL_INTERVAL from 0 */
} TokenBucket;

/* A bucket for `bits_per_sec` (bits/8 bytes per second), full at time 0. */
void tokenbucket_init(TokenBucket* tb, uint64_t bits_per_sec);
/* Takes `len` tokens at `now`: true, or false with *wait set to the time until enough tokens
 * will be there (nothing is taken then). A packet larger than the capacity (a UDP datagram
 * over the MTU, which Linux would send as fragments) passes once the bucket is full and leaves
 * the balance negative, so the long-run rate still holds. */
bool tokenbucket_take(TokenBucket* tb, uint64_t len, SimTime now, SimTime* wait);

/* ---- CoDel ------------------------------------------------------------------------------- */

#define CODEL_TARGET (10 * SIMTIME_ONE_MILLISECOND)
#define CODEL_INTERVAL (100 * SIMTIME_ONE_MILLISECOND)

typedef struct {
    GQueue packets;           /* CoDelEntry*, oldest first */
    uint64_t bytes;           /* wire bytes queued */
    bool dropping;            /* in the drop state */
    SimTime first_above_time; /* 0: sojourn not above target (or not for long) */
    SimTime drop_next;
    uint64_t count, last_count;
    uint64_t dropped; /* packets dropped so far */
} CoDel;

void codel_init(CoDel* q);
/* Frees the packets still queued. */
void codel_clear(CoDel* q);
void codel_push(CoDel* q, Packet* p, SimTime now);
/* The next packet to forward at `now` (NULL: empty); dropped packets are freed. */
Packet* codel_pop(CoDel* q, SimTime now);
static inline bool codel_isEmpty(const CoDel* q) {
    return g_queue_is_empty((GQueue*)&q->packets);
}

/* ---- Interface queue (qdisc) ------------------------------------------------------------- */

typedef enum { NET_QDISC_FIFO, NET_QDISC_ROUND_ROBIN } NetQdiscKind;

/* A sender's packets at the interface (one per socket). Owned by the qdisc once it has
 * packets: a closed socket detaches (netqdisc_detach) and its queued packets still leave. */
typedef struct _NetTx NetTx;

typedef struct {
    NetQdiscKind kind;
    GPtrArray* heap;   /* fifo: NetTx* with packets, a min-heap on their head's (priority, seq) */
    GQueue ring;       /* round-robin: NetTx* with packets, in turn order */
    uint64_t next_seq; /* enqueue order */
    size_t packets;    /* packets queued */
} NetQdisc;

/* Called when one of the sender's packets leaves the queue (send-buffer accounting). */
typedef void (*NetTxLeftFn)(void* owner, const Packet* p);

void netqdisc_init(NetQdisc* q, NetQdiscKind kind);
/* Frees every queued packet and sender. */
void netqdisc_clear(NetQdisc* q);
NetTx* nettx_new(NetTxLeftFn left, void* owner);
/* The sender is gone: its queued packets still leave; freed once empty. */
void nettx_detach(NetTx* tx);
/* Bytes (wire size) of this sender's packets in the queue. */
uint64_t nettx_queuedBytes(const NetTx* tx);
/* Queues `p` (taken over) for `tx`; p->priority must be set. */
void netqdisc_push(NetQdisc* q, NetTx* tx, Packet* p);
/* The next packet to leave, or NULL. */
Packet* netqdisc_pop(NetQdisc* q);

#endif
