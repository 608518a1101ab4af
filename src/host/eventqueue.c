/* Binary min-heap of events plus a locked inbox for cross-host pushes (see eventqueue.h).
 *
 * Invariants: heap[0..heap_len) satisfies the heap property under event_compareInline;
 * inbox_count (atomic) equals inbox_len whenever the lock is not held, and is only read without
 * the lock as a hint that the inbox is worth draining. */
#include "host/eventqueue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "host/engine_debug.h"
#include "host/event_internal.h"

#define EVENTQUEUE_MAGIC 0x0e0e0e0eu
#define EVENTQUEUE_INITIAL_CAPACITY 16

struct _EventQueue {
    Event** heap;              /* owner-only min-heap */
    size_t heap_len;           /* events in heap */
    size_t heap_cap;           /* slots allocated in heap */
    pthread_mutex_t lock;      /* protects inbox, inbox_len, inbox_cap */
    Event** inbox;             /* events pushed by other threads, unordered */
    size_t inbox_len;          /* events in inbox */
    size_t inbox_cap;          /* slots allocated in inbox */
    atomic_size_t inbox_count; /* mirror of inbox_len readable without the lock */
    ENGINE_MAGIC_DECLARE;
};

static void _eventqueue_grow(Event*** array, size_t* cap, size_t needed) {
    if (needed <= *cap) {
        return;
    }
    size_t new_cap = *cap == 0 ? EVENTQUEUE_INITIAL_CAPACITY : *cap;
    while (new_cap < needed) {
        new_cap *= 2;
    }
    Event** grown = realloc(*array, new_cap * sizeof(**array));
    ENGINE_ASSERT(grown != NULL);
    *array = grown;
    *cap = new_cap;
}

EventQueue* eventqueue_new(void) {
    EventQueue* queue = calloc(1, sizeof(*queue));
    ENGINE_ASSERT(queue != NULL);
    pthread_mutex_init(&queue->lock, NULL);
    atomic_init(&queue->inbox_count, 0);
    ENGINE_MAGIC_INIT(queue, EVENTQUEUE_MAGIC);
    return queue;
}

void eventqueue_free(EventQueue* queue) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    for (size_t i = 0; i < queue->heap_len; i++) {
        event_free(queue->heap[i]);
    }
    for (size_t i = 0; i < queue->inbox_len; i++) {
        event_free(queue->inbox[i]);
    }
    free(queue->heap);
    free(queue->inbox);
    pthread_mutex_destroy(&queue->lock);
    ENGINE_MAGIC_CLEAR(queue);
    free(queue);
}

/* ---- heap ----------------------------------------------------------------------------------- */

static void _eventqueue_siftUp(EventQueue* queue, size_t index) {
    Event** heap = queue->heap;
    Event* moving = heap[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (event_compareInline(heap[parent], moving) <= 0) {
            break;
        }
        heap[index] = heap[parent];
        index = parent;
    }
    heap[index] = moving;
}

static void _eventqueue_siftDown(EventQueue* queue, size_t index) {
    Event** heap = queue->heap;
    size_t len = queue->heap_len;
    Event* moving = heap[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= len) {
            break;
        }
        if (child + 1 < len && event_compareInline(heap[child + 1], heap[child]) < 0) {
            child++;
        }
        if (event_compareInline(moving, heap[child]) <= 0) {
            break;
        }
        heap[index] = heap[child];
        index = child;
    }
    heap[index] = moving;
}

static void _eventqueue_heapInsert(EventQueue* queue, Event* event) {
    _eventqueue_grow(&queue->heap, &queue->heap_cap, queue->heap_len + 1);
    queue->heap[queue->heap_len] = event;
    queue->heap_len++;
    _eventqueue_siftUp(queue, queue->heap_len - 1);
}

/* Moves every inbox event into the heap. Owner only. */
static void _eventqueue_drainInbox(EventQueue* queue) {
    if (atomic_load_explicit(&queue->inbox_count, memory_order_acquire) == 0) {
        return;
    }
    pthread_mutex_lock(&queue->lock);
    for (size_t i = 0; i < queue->inbox_len; i++) {
        _eventqueue_heapInsert(queue, queue->inbox[i]);
    }
    queue->inbox_len = 0;
    atomic_store_explicit(&queue->inbox_count, 0, memory_order_relaxed);
    pthread_mutex_unlock(&queue->lock);
}

/* ---- public --------------------------------------------------------------------------------- */

void eventqueue_push(EventQueue* queue, Event* event) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    _eventqueue_heapInsert(queue, event);
}

void eventqueue_pushRemote(EventQueue* queue, Event* event) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    ENGINE_MAGIC_ASSERT(event, EVENT_MAGIC);
    pthread_mutex_lock(&queue->lock);
    _eventqueue_grow(&queue->inbox, &queue->inbox_cap, queue->inbox_len + 1);
    queue->inbox[queue->inbox_len] = event;
    queue->inbox_len++;
    atomic_store_explicit(&queue->inbox_count, queue->inbox_len, memory_order_release);
    pthread_mutex_unlock(&queue->lock);
}

Event* eventqueue_pop(EventQueue* queue) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    _eventqueue_drainInbox(queue);
    if (queue->heap_len == 0) {
        return NULL;
    }
    Event* first = queue->heap[0];
    queue->heap_len--;
    if (queue->heap_len > 0) {
        queue->heap[0] = queue->heap[queue->heap_len];
        _eventqueue_siftDown(queue, 0);
    }
    return first;
}

const Event* eventqueue_peek(EventQueue* queue) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    _eventqueue_drainInbox(queue);
    return queue->heap_len == 0 ? NULL : queue->heap[0];
}

SimTime eventqueue_peekTime(EventQueue* queue) {
    const Event* first = eventqueue_peek(queue);
    return first == NULL ? SIMTIME_INVALID : first->time;
}

size_t eventqueue_getLength(EventQueue* queue) {
    ENGINE_MAGIC_ASSERT(queue, EVENTQUEUE_MAGIC);
    _eventqueue_drainInbox(queue);
    return queue->heap_len;
}
