/* Event order and the per-host queue: ties (packets before local events, then source host, then
 * source sequence), the heap under random insertion order, the remote inbox, and the host-level
 * scheduling rules (stop time, execution windows). */
#include <check.h>
#include <stdlib.h>

#include "host/event.h"
#include "host/eventqueue.h"
#include "host/host.h"
#include "host/task.h"
#include "host/worker.h"
#include "lib/rng.h"

static void _noop(Host* host, void* object, void* argument) {
}

/* ---- event order ---------------------------------------------------------------------------- */

START_TEST(test_event_compare_ties) {
    Task* t = task_new(_noop, NULL, NULL, NULL, NULL);
    Event* local_early = event_new(10, EVENT_KIND_LOCAL, 9, 9, 0, t);
    Event* packet = event_new(20, EVENT_KIND_PACKET, 9, 9, 0, t);
    Event* local = event_new(20, EVENT_KIND_LOCAL, 0, 0, 0, t);
    Event* packet_src1 = event_new(20, EVENT_KIND_PACKET, 1, 50, 0, t);
    Event* packet_src1_seq51 = event_new(20, EVENT_KIND_PACKET, 1, 51, 0, t);
    /* Time first. */
    ck_assert_int_lt(event_compare(local_early, packet), 0);
    /* Same time: packets before local events, whatever the source. */
    ck_assert_int_lt(event_compare(packet, local), 0);
    ck_assert_int_gt(event_compare(local, packet), 0);
    /* Same time and kind: lower source host first, then lower sequence. */
    ck_assert_int_lt(event_compare(packet_src1, packet), 0);
    ck_assert_int_lt(event_compare(packet_src1, packet_src1_seq51), 0);
    ck_assert_int_eq(event_compare(packet, packet), 0);
    event_free(local_early);
    event_free(packet);
    event_free(local);
    event_free(packet_src1);
    event_free(packet_src1_seq51);
    task_unref(t);
}
END_TEST

/* ---- heap ----------------------------------------------------------------------------------- */

#define HEAP_N 2000

START_TEST(test_heap_random_order) {
    Task* t = task_new(_noop, NULL, NULL, NULL, NULL);
    Event* events[HEAP_N];
    /* Few distinct times so that ties on every key are common. */
    for (int i = 0; i < HEAP_N; i++) {
        events[i] = event_new((SimTime)(i / 100), (EventKind)((i / 50) % 2), (HostId)((i / 10) % 5),
                              (uint64_t)i, 0, t);
    }
    Rng rng;
    rng_seedFromU64(&rng, 1234);
    for (int i = HEAP_N - 1; i > 0; i--) {
        int j = (int)rng_nextBounded(&rng, (uint64_t)i + 1);
        Event* tmp = events[i];
        events[i] = events[j];
        events[j] = tmp;
    }
    EventQueue* q = eventqueue_new();
    for (int i = 0; i < HEAP_N; i++) {
        /* Mix owner pushes and inbox pushes. */
        if (i % 3 == 0) {
            eventqueue_pushRemote(q, events[i]);
        } else {
            eventqueue_push(q, events[i]);
        }
    }
    ck_assert_uint_eq(eventqueue_getLength(q), HEAP_N);
    Event* previous = eventqueue_pop(q);
    for (int i = 1; i < HEAP_N; i++) {
        Event* next = eventqueue_pop(q);
        ck_assert_ptr_nonnull(next);
        ck_assert_int_lt(event_compare(previous, next), 0);
        event_free(previous);
        previous = next;
    }
    event_free(previous);
    ck_assert_ptr_null(eventqueue_pop(q));
    ck_assert_uint_eq(eventqueue_peekTime(q), SIMTIME_INVALID);
    eventqueue_free(q);
    task_unref(t);
}
END_TEST

START_TEST(test_queue_free_releases_events) {
    int freed = 0;
    Task* t = task_new(_noop, &freed, NULL, NULL, NULL);
    EventQueue* q = eventqueue_new();
    eventqueue_push(q, event_new(5, EVENT_KIND_LOCAL, 0, 0, 0, t));
    eventqueue_pushRemote(q, event_new(3, EVENT_KIND_PACKET, 1, 0, 0, t));
    ck_assert_uint_eq(eventqueue_peekTime(q), 3);
    eventqueue_pushRemote(q, event_new(4, EVENT_KIND_PACKET, 1, 1, 0, t));
    eventqueue_free(q); /* one event still in the inbox: no leak under ASan */
    task_unref(t);
}
END_TEST

/* ---- host scheduling ------------------------------------------------------------------------ */

static Host* _make_host(HostId id, SimTime stop_time) {
    HostParams p = {
        .id = id,
        .name = id == 0 ? "alpha" : "beta",
        .ip = 0x0b000001u + id,
        .rng_seed = rng_hostSeed(1, id == 0 ? "alpha" : "beta"),
        .log_level = LOG_LEVEL_INFO,
        .stop_time = stop_time,
    };
    return host_new(&p);
}

typedef struct {
    SimTime times[16]; /* worker_getCurrentTime() of each run */
    int n;             /* entries used */
} Record;

static void _record(Host* host, void* object, void* argument) {
    Record* r = object;
    ck_assert_ptr_eq(worker_getCurrentHost(), host);
    ck_assert_uint_eq(worker_getCurrentTime(), host_getCurrentTime(host));
    r->times[r->n++] = worker_getCurrentTime();
}

START_TEST(test_host_stop_time_and_windows) {
    Host* h = _make_host(0, 100);
    ck_assert_str_eq(host_getIpString(h), "11.0.0.1");
    ck_assert_str_eq(host_getName(h), "alpha");
    Record rec = {.n = 0};
    Task* t = task_new(_record, &rec, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(h, t, 50));
    ck_assert(host_scheduleTaskWithDelay(h, t, 10));
    ck_assert(host_scheduleTaskAtTime(h, t, 99));
    ck_assert(!host_scheduleTaskAtTime(h, t, 100)); /* at stop time: dropped */
    ck_assert(!host_scheduleTaskWithDelay(h, t, SIMTIME_MAX));
    ck_assert_uint_eq(host_getNextEventTime(h), 10);
    host_execute(h, 50); /* [.., 50): only the event at 10 */
    ck_assert_int_eq(rec.n, 1);
    ck_assert_uint_eq(rec.times[0], 10);
    ck_assert_uint_eq(worker_getCurrentTime(), SIMTIME_INVALID);
    ck_assert_ptr_null(worker_getCurrentHost());
    host_execute(h, 100);
    ck_assert_int_eq(rec.n, 3);
    ck_assert_uint_eq(rec.times[1], 50);
    ck_assert_uint_eq(rec.times[2], 99);
    ck_assert_uint_eq(host_getNextEventTime(h), SIMTIME_INVALID);
    ck_assert_uint_eq(host_getExecutedEventCount(h), 3);
    task_unref(t);
    host_free(h);
}
END_TEST

typedef struct {
    Host* hosts[2];   /* registry */
    int order[8];     /* tags in execution order */
    int n;            /* entries used */
} Order;

typedef struct {
    Order* order; /* shared record */
    int tag;      /* what to record */
} Tagged;

static void _tagged(Host* host, void* object, void* argument) {
    Tagged* tg = object;
    tg->order->order[tg->order->n++] = tg->tag;
}

START_TEST(test_packets_before_local_at_same_time) {
    Order o = {.n = 0};
    o.hosts[0] = _make_host(0, 1000);
    o.hosts[1] = _make_host(1, 1000);
    worker_setHostRegistry(o.hosts, 2);
    Tagged local = {&o, 1};
    Tagged from0 = {&o, 2};
    Tagged from1 = {&o, 3};
    Task* t_local = task_new(_tagged, &local, NULL, NULL, NULL);
    Task* t_from0 = task_new(_tagged, &from0, NULL, NULL, NULL);
    Task* t_from1 = task_new(_tagged, &from1, NULL, NULL, NULL);
    /* All at time 40 on host 1: the local one first in insertion order, then packets from host 1
     * (itself) and host 0. Expected run order: packet from 0, packet from 1, local. */
    ck_assert(host_scheduleTaskAtTime(o.hosts[1], t_local, 40));
    ck_assert(worker_sendRemoteEvent(o.hosts[1], 1, t_from1, 40));
    ck_assert(worker_sendRemoteEvent(o.hosts[0], 1, t_from0, 40));
    ck_assert(!worker_sendRemoteEvent(o.hosts[0], 1, t_from0, 1000)); /* stop time */
    host_execute(o.hosts[1], 41);
    ck_assert_int_eq(o.n, 3);
    ck_assert_int_eq(o.order[0], 2);
    ck_assert_int_eq(o.order[1], 3);
    ck_assert_int_eq(o.order[2], 1);
    task_unref(t_local);
    task_unref(t_from0);
    task_unref(t_from1);
    worker_setHostRegistry(NULL, 0);
    host_free(o.hosts[0]);
    host_free(o.hosts[1]);
}
END_TEST

typedef struct {
    Host** hosts;        /* registry */
    SimTime delivered_at; /* time the packet ran on host 1 */
} Clamp;

static void _clamp_receive(Host* host, void* object, void* argument) {
    Clamp* c = object;
    c->delivered_at = worker_getCurrentTime();
    ck_assert_uint_eq(event_getKind(worker_getCurrentEvent()), EVENT_KIND_PACKET);
    ck_assert_uint_eq(event_getSourceHostId(worker_getCurrentEvent()), 0);
}

static void _clamp_send(Host* host, void* object, void* argument) {
    Task* receive = task_new(_clamp_receive, object, NULL, NULL, NULL);
    /* Arrival 5 ns after now, but the window ends at 100: delivered at 100. */
    ck_assert(worker_sendRemoteEvent(host, 1, receive, worker_getCurrentTime() + 5));
    task_unref(receive);
}

START_TEST(test_remote_clamped_to_window_end) {
    Host* hosts[2] = {_make_host(0, 1000), _make_host(1, 1000)};
    worker_setHostRegistry(hosts, 2);
    Clamp c = {hosts, SIMTIME_INVALID};
    Task* send = task_new(_clamp_send, &c, NULL, NULL, NULL);
    ck_assert(host_scheduleTaskAtTime(hosts[0], send, 10));
    host_execute(hosts[0], 100);
    ck_assert_uint_eq(host_getNextEventTime(hosts[1]), 100);
    host_execute(hosts[1], 100);
    ck_assert_uint_eq(c.delivered_at, SIMTIME_INVALID);
    host_execute(hosts[1], 200);
    ck_assert_uint_eq(c.delivered_at, 100);
    task_unref(send);
    worker_setHostRegistry(NULL, 0);
    host_free(hosts[0]);
    host_free(hosts[1]);
}
END_TEST

static void _free_counter(void* p) {
    (*(int*)p)++;
}

START_TEST(test_task_refcount_frees_once) {
    int object_frees = 0;
    int argument_frees = 0;
    Task* t = task_new(_noop, &object_frees, &argument_frees, _free_counter, _free_counter);
    Host* h = _make_host(0, 1000);
    ck_assert(host_scheduleTaskAtTime(h, t, 1));
    ck_assert(host_scheduleTaskAtTime(h, t, 2));
    ck_assert(host_scheduleTaskAtTime(h, t, 500));
    task_unref(t);
    host_execute(h, 100);
    ck_assert_int_eq(object_frees, 0);
    host_free(h); /* drops the last reference held by the pending event at 500 */
    ck_assert_int_eq(object_frees, 1);
    ck_assert_int_eq(argument_frees, 1);
}
END_TEST

Suite* check_eventqueue_suite(void) {
    Suite* s = suite_create("check_eventqueue");
    TCase* tc = tcase_create("order");
    tcase_add_test(tc, test_event_compare_ties);
    tcase_add_test(tc, test_heap_random_order);
    tcase_add_test(tc, test_queue_free_releases_events);
    suite_add_tcase(s, tc);
    tc = tcase_create("host");
    tcase_add_test(tc, test_host_stop_time_and_windows);
    tcase_add_test(tc, test_packets_before_local_at_same_time);
    tcase_add_test(tc, test_remote_clamped_to_window_end);
    tcase_add_test(tc, test_task_refcount_frees_once);
    suite_add_tcase(s, tc);
    return s;
}
