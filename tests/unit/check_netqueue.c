/* The queues between two hosts (host/netqueue.h): the token bucket (refill on the 1 ms grid,
 * capacity of one refill plus an MTU, starting full, the exact retry delay, the long-run rate),
 * CoDel (no drop under the target or with at most one MTU queued; drops at the times the
 * control law gives once the sojourn time stays above the target for an interval) and the two
 * interface queue disciplines' order. */
#include <check.h>
#include <glib.h>
#include <math.h>

#include "host/netqueue.h"

#define MS SIMTIME_ONE_MILLISECOND
#define US SIMTIME_ONE_MICROSECOND

static Packet* _packet(size_t len, uint64_t label) {
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_UDP;
    p->len = len; /* wire size len + 28 */
    p->qseq = 0;
    p->src.port = (uint16_t)label; /* the test's name for it */
    return p;
}

START_TEST(test_bucket_refill_and_retry) {
    TokenBucket tb;
    tokenbucket_init(&tb, 10 * 1000 * 1000); /* 10 Mbit/s: 1250 B per ms */
    ck_assert_int_eq(tb.refill, 1250);
    ck_assert_int_eq(tb.capacity, 1250 + 1500);
    ck_assert_int_eq(tb.balance, tb.capacity); /* starts full */
    SimTime wait = 0;
    ck_assert(tokenbucket_take(&tb, 1428, 0, &wait));
    ck_assert_int_eq(tb.balance, 2750 - 1428);
    /* 106 tokens missing: the next refill, 1 ms after the start of the grid. */
    ck_assert(!tokenbucket_take(&tb, 1428, 0, &wait));
    ck_assert_uint_eq(wait, 1 * MS);
    ck_assert_int_eq(tb.balance, 1322); /* nothing taken */
    ck_assert(!tokenbucket_take(&tb, 1428, 300 * US, &wait));
    ck_assert_uint_eq(wait, 700 * US); /* exactly until the refill */
    ck_assert(!tokenbucket_take(&tb, 1428, 1 * MS - 1, &wait));
    ck_assert_uint_eq(wait, 1);
    ck_assert(tokenbucket_take(&tb, 1428, 1 * MS, &wait));
    ck_assert_int_eq(tb.balance, 1322 + 1250 - 1428);
    /* Several refills missing: 1144 + 1250 < 2600, so two more grid points from 1.5 ms. */
    ck_assert(!tokenbucket_take(&tb, 2600, 1500 * US, &wait));
    ck_assert_uint_eq(wait, 500 * US + 1 * MS);
    ck_assert(tokenbucket_take(&tb, 2600, 1500 * US + wait, &wait));
    /* A long pause refills to the capacity, not beyond. */
    ck_assert(tokenbucket_take(&tb, 0, 10 * SIMTIME_ONE_SECOND, &wait));
    ck_assert_int_eq(tb.balance, 2750);
    ck_assert(tokenbucket_take(&tb, 2750, 10 * SIMTIME_ONE_SECOND, &wait));
    ck_assert(!tokenbucket_take(&tb, 1, 10 * SIMTIME_ONE_SECOND, &wait));
    ck_assert_uint_eq(wait, 1 * MS);
}
END_TEST

START_TEST(test_bucket_small_and_large) {
    TokenBucket tb;
    tokenbucket_init(&tb, 100); /* 12 B/s: max(1, 0) = 1 token per ms */
    ck_assert_int_eq(tb.refill, 1);
    ck_assert_int_eq(tb.capacity, 1501);
    SimTime wait = 0;
    ck_assert(tokenbucket_take(&tb, 1501, 0, &wait));
    ck_assert(!tokenbucket_take(&tb, 100, 0, &wait));
    ck_assert_uint_eq(wait, 100 * MS);
    /* A datagram over the capacity passes once the bucket is full and leaves a debt. */
    tokenbucket_init(&tb, 10 * 1000 * 1000);
    ck_assert(tokenbucket_take(&tb, 5000, 0, &wait));
    ck_assert_int_eq(tb.balance, 2750 - 5000);
    ck_assert(!tokenbucket_take(&tb, 100, 0, &wait)); /* 2350 missing: two refills */
    ck_assert_uint_eq(wait, 2 * MS);
    tokenbucket_init(&tb, 10 * 1000 * 1000);
    ck_assert(tokenbucket_take(&tb, 100, 0, &wait));
    ck_assert(!tokenbucket_take(&tb, 5000, 0, &wait)); /* needs a full bucket: 100 missing */
    ck_assert_uint_eq(wait, 1 * MS);
}
END_TEST

/* A greedy sender through the bucket: the rate it gets over 1000 packets is the bandwidth. */
START_TEST(test_bucket_rate) {
    TokenBucket tb;
    tokenbucket_init(&tb, 10 * 1000 * 1000);
    SimTime now = 0, wait;
    uint64_t bytes = 0;
    for (int i = 0; i < 1000; i++) {
        while (!tokenbucket_take(&tb, 1428, now, &wait)) {
            ck_assert_uint_gt(wait, 0);
            now += wait;
        }
        bytes += 1428;
    }
    /* The first 2750 bytes are the initial burst; the rest come at exactly 1250 B per ms. */
    ck_assert_uint_eq(now, (bytes - 2750 + 1249) / 1250 * MS);
    double mbit = (double)(bytes - 1428) * 8 / ((double)now / 1e9) / 1e6;
    ck_assert(fabs(mbit - 10.0) < 0.05);
}
END_TEST

START_TEST(test_codel_no_drop_under_target) {
    CoDel q;
    codel_init(&q);
    /* A standing queue of 5 ms (under the 10 ms target) for 2 s: no drop. */
    for (int i = 0; i < 2000; i++) {
        codel_push(&q, _packet(1400, (uint64_t)i), (SimTime)i * MS);
        if (i >= 5) {
            Packet* p = codel_pop(&q, (SimTime)i * MS);
            ck_assert_ptr_nonnull(p);
            ck_assert_uint_eq(p->src.port, (uint16_t)(i - 5));
            packet_free(p);
        }
    }
    ck_assert_uint_eq(q.dropped, 0);
    codel_clear(&q);
    /* One packet at a time waiting 200 ms each (far above the target): the queue never holds
     * more than one MTU after a dequeue, so nothing is dropped. */
    codel_init(&q);
    for (int i = 0; i < 50; i++) {
        codel_push(&q, _packet(1400, (uint64_t)i), (SimTime)i * 200 * MS);
        codel_push(&q, _packet(40, (uint64_t)i), (SimTime)i * 200 * MS);
        Packet* p = codel_pop(&q, (SimTime)i * 200 * MS + 199 * MS);
        ck_assert_ptr_nonnull(p);
        packet_free(p);
        p = codel_pop(&q, (SimTime)i * 200 * MS + 199 * MS);
        ck_assert_ptr_nonnull(p);
        packet_free(p);
    }
    ck_assert_uint_eq(q.dropped, 0);
    ck_assert_ptr_null(codel_pop(&q, 100 * SIMTIME_ONE_SECOND));
    codel_clear(&q);
}
END_TEST

START_TEST(test_codel_control_law) {
    CoDel q;
    codel_init(&q);
    for (int i = 0; i < 3000; i++) {
        codel_push(&q, _packet(1400, (uint64_t)i), 0);
    }
    /* One dequeue per ms: the sojourn time reaches the 10 ms target at 10 ms, so dropping may
     * start an interval later (110 ms); then every interval / sqrt(count) from the previous
     * drop time: 210, 210 + 100/sqrt(2) = 280.7 (the dequeue at 281), + 100/sqrt(3) = 338.4
     * (339), + 50 = 388.4 (389). */
    SimTime drops[8];
    int n = 0;
    uint64_t seen = 0;
    for (int t = 0; t <= 400; t++) {
        Packet* p = codel_pop(&q, (SimTime)t * MS);
        ck_assert_ptr_nonnull(p);
        packet_free(p);
        for (; seen < q.dropped; seen++) {
            ck_assert_int_lt(n, 8);
            drops[n++] = (SimTime)t * MS;
        }
    }
    ck_assert_int_eq(n, 5);
    ck_assert_uint_eq(drops[0], 110 * MS);
    ck_assert_uint_eq(drops[1], 210 * MS);
    ck_assert_uint_eq(drops[2], 281 * MS);
    ck_assert_uint_eq(drops[3], 339 * MS);
    ck_assert_uint_eq(drops[4], 389 * MS);
    ck_assert(q.dropping);
    ck_assert_uint_eq(q.count, 5);
    /* The sojourn falls under the target (new packets, dequeued at once): dropping stops. */
    codel_clear(&q);
    codel_push(&q, _packet(1400, 1), 500 * MS);
    codel_push(&q, _packet(1400, 2), 500 * MS);
    codel_push(&q, _packet(1400, 3), 500 * MS);
    Packet* p = codel_pop(&q, 501 * MS);
    ck_assert_uint_eq(p->src.port, 1);
    packet_free(p);
    ck_assert(!q.dropping);
    ck_assert_uint_eq(q.dropped, 5);
    codel_clear(&q);
}
END_TEST

static int _left_count;
static void _left(void* owner, const Packet* p) {
    (void)p;
    (*(int*)owner)++;
    _left_count++;
}

/* Pushes A1 A2 A3 B1 B2 in that write order (priorities 1..5), then a control packet. */
static void _fill(NetQdisc* q, NetTx* a, NetTx* b, NetTx* c) {
    uint64_t prio = 0;
    const uint16_t order[] = {11, 12, 13, 21, 22};
    for (int i = 0; i < 5; i++) {
        Packet* p = _packet(100, order[i]);
        p->priority = ++prio;
        netqdisc_push(q, order[i] < 20 ? a : b, p);
    }
    Packet* ctl = _packet(0, 99);
    ctl->priority = 0;
    netqdisc_push(q, c, ctl);
}

static void _expect(NetQdisc* q, const uint16_t* want, int n) {
    for (int i = 0; i < n; i++) {
        Packet* p = netqdisc_pop(q);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(p->src.port, want[i]);
        packet_free(p);
    }
    ck_assert_ptr_null(netqdisc_pop(q));
}

START_TEST(test_qdisc_order) {
    int a_left = 0, b_left = 0, c_left = 0;
    _left_count = 0;
    NetQdisc q;
    netqdisc_init(&q, NET_QDISC_FIFO);
    NetTx *a = nettx_new(_left, &a_left), *b = nettx_new(_left, &b_left),
          *c = nettx_new(_left, &c_left);
    _fill(&q, a, b, c);
    ck_assert_uint_eq(nettx_queuedBytes(a), 3 * 128);
    /* fifo: the control packet first, then global write order. */
    const uint16_t fifo[] = {99, 11, 12, 13, 21, 22};
    _expect(&q, fifo, 6);
    ck_assert_int_eq(a_left, 3);
    ck_assert_int_eq(b_left, 2);
    ck_assert_uint_eq(nettx_queuedBytes(a), 0);
    netqdisc_clear(&q);

    /* round-robin: the senders take turns, one packet each, in the order they became busy. */
    netqdisc_init(&q, NET_QDISC_ROUND_ROBIN);
    _fill(&q, a, b, c);
    const uint16_t rr[] = {11, 21, 99, 12, 22, 13};
    _expect(&q, rr, 6);
    netqdisc_clear(&q);

    /* fifo with interleaved writes across three senders. */
    netqdisc_init(&q, NET_QDISC_FIFO);
    uint64_t prio = 0;
    const uint16_t writes[] = {21, 11, 31, 22, 12, 13, 32, 23};
    for (int i = 0; i < 8; i++) {
        Packet* p = _packet(10, writes[i]);
        p->priority = ++prio;
        netqdisc_push(&q, writes[i] < 20 ? a : writes[i] < 30 ? b : c, p);
    }
    _expect(&q, writes, 8);
    netqdisc_clear(&q);

    /* A detached sender's packets still leave, without telling it. */
    netqdisc_init(&q, NET_QDISC_ROUND_ROBIN);
    _left_count = 0;
    _fill(&q, a, b, c);
    nettx_detach(a);
    _expect(&q, rr, 6);
    ck_assert_int_eq(_left_count, 3); /* b's two and c's one */
    netqdisc_clear(&q);
    nettx_detach(b);
    nettx_detach(c);
    /* Clearing a queue with packets frees them and their senders. */
    netqdisc_init(&q, NET_QDISC_FIFO);
    NetTx* d = nettx_new(NULL, NULL);
    Packet* p = _packet(10, 1);
    p->priority = 1;
    netqdisc_push(&q, d, p);
    nettx_detach(d);
    netqdisc_clear(&q);
}
END_TEST

Suite* check_netqueue_suite(void) {
    Suite* s = suite_create("check_netqueue");
    TCase* tc = tcase_create("netqueue");
    tcase_add_test(tc, test_bucket_refill_and_retry);
    tcase_add_test(tc, test_bucket_small_and_large);
    tcase_add_test(tc, test_bucket_rate);
    tcase_add_test(tc, test_codel_no_drop_under_target);
    tcase_add_test(tc, test_codel_control_law);
    tcase_add_test(tc, test_qdisc_order);
    suite_add_tcase(s, tc);
    return s;
}
