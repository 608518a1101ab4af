/* Pending signals: see signal_queue.h. */
#include "host/signal_queue.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

typedef struct {
    int sig;
    siginfo_t info;
} SignalEntry;

void signalqueue_init(SignalQueue* q) {
    q->pending = 0;
    g_queue_init(&q->entries);
}

void signalqueue_clear(SignalQueue* q) {
    g_queue_clear_full(&q->entries, g_free);
    q->pending = 0;
}

int signalqueue_add(SignalQueue* q, const siginfo_t* info) {
    int sig = info->si_signo;
    if (sig <= 0 || sig > 64) {
        return -EINVAL;
    }
    if (sig < SIGRTMIN) {
        if (q->pending & SIGNAL_BIT(sig)) {
            return 0; /* coalesced with the one already pending */
        }
    } else {
        guint rt = 0;
        for (GList* l = q->entries.head; l != NULL; l = l->next) {
            rt += ((SignalEntry*)l->data)->sig >= SIGRTMIN;
        }
        if (rt >= SIGNAL_QUEUE_MAX_RT) {
            return -EAGAIN;
        }
    }
    SignalEntry* e = g_new(SignalEntry, 1);
    e->sig = sig;
    memcpy(&e->info, info, sizeof(e->info));
    g_queue_push_tail(&q->entries, e);
    q->pending |= SIGNAL_BIT(sig);
    return 0;
}

/* Whether another entry for `sig` remains queued. */
static bool _signalqueue_has(const SignalQueue* q, int sig) {
    for (GList* l = q->entries.head; l != NULL; l = l->next) {
        if (((SignalEntry*)l->data)->sig == sig) {
            return true;
        }
    }
    return false;
}

int signalqueue_take(SignalQueue* q, uint64_t set, siginfo_t* out) {
    uint64_t ready = q->pending & set;
    if (ready == 0) {
        return 0;
    }
    int sig = __builtin_ctzll(ready) + 1;
    for (GList* l = q->entries.head; l != NULL; l = l->next) {
        SignalEntry* e = l->data;
        if (e->sig != sig) {
            continue;
        }
        if (out != NULL) {
            memcpy(out, &e->info, sizeof(*out));
        }
        g_queue_delete_link(&q->entries, l);
        g_free(e);
        break;
    }
    if (!_signalqueue_has(q, sig)) {
        q->pending &= ~SIGNAL_BIT(sig);
    }
    return sig;
}

void signalqueue_discard(SignalQueue* q, uint64_t set) {
    if ((q->pending & set) == 0) {
        return;
    }
    for (GList* l = q->entries.head; l != NULL;) {
        GList* next = l->next;
        SignalEntry* e = l->data;
        if (set & SIGNAL_BIT(e->sig)) {
            g_queue_delete_link(&q->entries, l);
            g_free(e);
        }
        l = next;
    }
    q->pending &= ~set;
}
