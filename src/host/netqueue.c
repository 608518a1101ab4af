/* The queues between two hosts: see netqueue.h. */
#include "host/netqueue.h"

#include <math.h>

#include "lib/logger.h"

/* ---- Token bucket ------------------------------------------------------------------------ */

void tokenbucket_init(TokenBucket* tb, uint64_t bits_per_sec) {
    uint64_t per_ms = bits_per_sec / 8 / 1000;
    tb->refill = per_ms > 0 ? (int64_t)per_ms : 1;
    tb->capacity = tb->refill + NET_MTU;
    tb->balance = tb->capacity;
    tb->last_refill = 0;
}

static void _tokenbucket_refill(TokenBucket* tb, SimTime now) {
    if (now <= tb->last_refill) {
        return;
    }
    uint64_t n = (now - tb->last_refill) / NET_REFILL_INTERVAL;
    if (n > 0) {
        uint64_t room = (uint64_t)(tb->capacity - tb->balance);
        uint64_t need = (room + (uint64_t)tb->refill - 1) / (uint64_t)tb->refill;
        tb->balance = n >= need ? tb->capacity : tb->balance + (int64_t)n * tb->refill;
        tb->last_refill += n * NET_REFILL_INTERVAL;
    }
}

bool tokenbucket_take(TokenBucket* tb, uint64_t len, SimTime now, SimTime* wait) {
    _tokenbucket_refill(tb, now);
    int64_t need = len > (uint64_t)tb->capacity ? tb->capacity : (int64_t)len;
    if (tb->balance >= need) {
        tb->balance -= (int64_t)len;
        return true;
    }
    /* The refills the missing tokens need; the first comes at the next grid point. */
    uint64_t missing = (uint64_t)(need - tb->balance);
    uint64_t refills = (missing + (uint64_t)tb->refill - 1) / (uint64_t)tb->refill;
    SimTime next = tb->last_refill + NET_REFILL_INTERVAL;
    *wait = (next - now) + (refills - 1) * NET_REFILL_INTERVAL;
    return false;
}

/* ---- CoDel ------------------------------------------------------------------------------- */

void codel_init(CoDel* q) {
    *q = (CoDel){0};
    g_queue_init(&q->packets);
}

void codel_clear(CoDel* q) {
    Packet* p;
    while ((p = g_queue_pop_head(&q->packets)) != NULL) {
        packet_free(p);
    }
    q->bytes = 0;
}

void codel_push(CoDel* q, Packet* p, SimTime now) {
    p->queued_at = now;
    q->bytes += packet_wireSize(p);
    g_queue_push_tail(&q->packets, p);
}

/* RFC 8289's dodequeue: the head packet, and whether its sojourn time has been above the target
 * for at least an interval. */
static Packet* _codel_dodequeue(CoDel* q, SimTime now, bool* ok_to_drop) {
    *ok_to_drop = false;
    Packet* p = g_queue_pop_head(&q->packets);
    if (p == NULL) {
        q->first_above_time = 0;
        return NULL;
    }
    q->bytes -= packet_wireSize(p);
    SimTime sojourn = now - p->queued_at;
    if (sojourn < CODEL_TARGET || q->bytes <= NET_MTU) {
        q->first_above_time = 0;
    } else if (q->first_above_time == 0) {
        q->first_above_time = now + CODEL_INTERVAL;
    } else if (now >= q->first_above_time) {
        *ok_to_drop = true;
    }
    return p;
}

static SimTime _codel_controlLaw(SimTime t, uint64_t count) {
    return t + (SimTime)((double)CODEL_INTERVAL / sqrt((double)count));
}

static void _codel_drop(CoDel* q, Packet* p) {
    q->dropped++;
    log_trace("CoDel dropped a packet of %zu bytes", packet_wireSize(p));
    packet_free(p);
}

Packet* codel_pop(CoDel* q, SimTime now) {
    bool ok_to_drop;
    Packet* p = _codel_dodequeue(q, now, &ok_to_drop);
    if (q->dropping) {
        if (!ok_to_drop) {
            q->dropping = false;
        }
        while (q->dropping && now >= q->drop_next) {
            _codel_drop(q, p);
            q->count++;
            p = _codel_dodequeue(q, now, &ok_to_drop);
            if (!ok_to_drop) {
                q->dropping = false;
            } else {
                q->drop_next = _codel_controlLaw(q->drop_next, q->count);
            }
        }
    } else if (ok_to_drop) {
        _codel_drop(q, p);
        p = _codel_dodequeue(q, now, &ok_to_drop);
        q->dropping = true;
        uint64_t delta = q->count - q->last_count;
        q->count = 1;
        if (delta > 1 && now - q->drop_next < 16 * CODEL_INTERVAL) {
            q->count = delta;
        }
        q->drop_next = _codel_controlLaw(now, q->count);
        q->last_count = q->count;
    }
    return p;
}

/* ---- Interface queue (qdisc) ------------------------------------------------------------- */

struct _NetTx {
    GQueue packets;   /* Packet*, write order */
    uint64_t bytes;   /* their wire bytes */
    NetTxLeftFn left; /* NULL once detached */
    void* owner;
    bool queued; /* in the qdisc's heap or ring */
    bool detached;
};

NetTx* nettx_new(NetTxLeftFn left, void* owner) {
    NetTx* tx = g_new0(NetTx, 1);
    g_queue_init(&tx->packets);
    tx->left = left;
    tx->owner = owner;
    return tx;
}

static void _nettx_free(NetTx* tx) {
    Packet* p;
    while ((p = g_queue_pop_head(&tx->packets)) != NULL) {
        packet_free(p);
    }
    g_free(tx);
}

void nettx_detach(NetTx* tx) {
    if (tx == NULL) {
        return;
    }
    tx->left = NULL;
    tx->owner = NULL;
    tx->detached = true;
    if (!tx->queued) {
        _nettx_free(tx);
    }
}

uint64_t nettx_queuedBytes(const NetTx* tx) {
    return tx->bytes;
}

void netqdisc_init(NetQdisc* q, NetQdiscKind kind) {
    q->kind = kind;
    q->heap = g_ptr_array_new();
    g_queue_init(&q->ring);
    q->next_seq = 0;
    q->packets = 0;
}

void netqdisc_clear(NetQdisc* q) {
    for (guint i = 0; q->heap != NULL && i < q->heap->len; i++) {
        _nettx_free(g_ptr_array_index(q->heap, i)); /* a queued sender belongs to the qdisc */
    }
    NetTx* tx;
    while ((tx = g_queue_pop_head(&q->ring)) != NULL) {
        _nettx_free(tx);
    }
    if (q->heap != NULL) {
        g_ptr_array_free(q->heap, TRUE);
        q->heap = NULL;
    }
    q->packets = 0;
}

/* fifo heap order: the head packets' (priority, enqueue order). */
static bool _netqdisc_before(const NetTx* a, const NetTx* b) {
    const Packet* pa = g_queue_peek_head((GQueue*)&a->packets);
    const Packet* pb = g_queue_peek_head((GQueue*)&b->packets);
    if (pa->priority != pb->priority) {
        return pa->priority < pb->priority;
    }
    return pa->qseq < pb->qseq;
}

static void _netqdisc_heapPush(NetQdisc* q, NetTx* tx) {
    g_ptr_array_add(q->heap, tx);
    guint i = q->heap->len - 1;
    while (i > 0) {
        guint parent = (i - 1) / 2;
        NetTx* pt = g_ptr_array_index(q->heap, parent);
        if (!_netqdisc_before(tx, pt)) {
            break;
        }
        q->heap->pdata[i] = pt;
        i = parent;
    }
    q->heap->pdata[i] = tx;
}

static NetTx* _netqdisc_heapPop(NetQdisc* q) {
    if (q->heap->len == 0) {
        return NULL;
    }
    NetTx* top = g_ptr_array_index(q->heap, 0);
    NetTx* last = g_ptr_array_index(q->heap, q->heap->len - 1);
    g_ptr_array_set_size(q->heap, q->heap->len - 1);
    guint n = q->heap->len, i = 0;
    if (n > 0) {
        for (;;) {
            guint l = 2 * i + 1, r = l + 1, m = i;
            NetTx* best = last;
            if (l < n && _netqdisc_before(g_ptr_array_index(q->heap, l), best)) {
                m = l;
                best = g_ptr_array_index(q->heap, l);
            }
            if (r < n && _netqdisc_before(g_ptr_array_index(q->heap, r), best)) {
                m = r;
            }
            if (m == i) {
                break;
            }
            q->heap->pdata[i] = q->heap->pdata[m];
            i = m;
        }
        q->heap->pdata[i] = last;
    }
    return top;
}

void netqdisc_push(NetQdisc* q, NetTx* tx, Packet* p) {
    p->qseq = ++q->next_seq;
    g_queue_push_tail(&tx->packets, p);
    tx->bytes += packet_wireSize(p);
    q->packets++;
    if (!tx->queued) {
        tx->queued = true;
        if (q->kind == NET_QDISC_FIFO) {
            _netqdisc_heapPush(q, tx);
        } else {
            g_queue_push_tail(&q->ring, tx);
        }
    }
}

Packet* netqdisc_pop(NetQdisc* q) {
    NetTx* tx = q->kind == NET_QDISC_FIFO ? _netqdisc_heapPop(q) : g_queue_pop_head(&q->ring);
    if (tx == NULL) {
        return NULL;
    }
    Packet* p = g_queue_pop_head(&tx->packets);
    tx->bytes -= packet_wireSize(p);
    q->packets--;
    if (!g_queue_is_empty(&tx->packets)) {
        if (q->kind == NET_QDISC_FIFO) {
            _netqdisc_heapPush(q, tx);
        } else {
            g_queue_push_tail(&q->ring, tx); /* its turn is over */
        }
    } else {
        tx->queued = false;
    }
    if (tx->left != NULL) {
        tx->left(tx->owner, p);
    }
    if (tx->detached && !tx->queued) {
        _nettx_free(tx);
    }
    return p;
}
