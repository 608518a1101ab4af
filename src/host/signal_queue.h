/* Pending signals, as Linux keeps them (a process's shared queue, and each thread's own): a
 * standard signal (1-31) is pending at most once, a second one is dropped (coalesced) and the first
 * one's siginfo kept; real-time signals (32-64) queue, each with its siginfo, delivered in the
 * order they were sent. The lowest-numbered pending signal is taken first.
 *
 * Threading: like everything on a host, only touched by the thread running the host. */
#ifndef SIM_HOST_SIGNAL_QUEUE_H_
#define SIM_HOST_SIGNAL_QUEUE_H_

#include <glib.h>
#include <signal.h>
#include <stdint.h>

typedef struct {
    uint64_t pending; /* bit (sig - 1) set while a signal sig is queued */
    GQueue entries;   /* SignalEntry*, in the order sent */
} SignalQueue;

/* Real-time signals queued per queue at most (Linux bounds them by RLIMIT_SIGPENDING, a few
 * thousand by default); beyond it sigqueue fails with EAGAIN. */
#define SIGNAL_QUEUE_MAX_RT 4096

#define SIGNAL_BIT(sig) (1ULL << ((sig) - 1))

void signalqueue_init(SignalQueue* q);
/* Drops every pending signal. */
void signalqueue_clear(SignalQueue* q);
/* Queues info->si_signo. 0, or -EAGAIN when the real-time queue is full. A standard signal that is
 * already pending is dropped (and 0 returned). */
int signalqueue_add(SignalQueue* q, const siginfo_t* info);
/* Takes the first entry of the lowest-numbered pending signal in `set` into `*out` (may be NULL).
 * Returns that signal, or 0 if none of `set` is pending. */
int signalqueue_take(SignalQueue* q, uint64_t set, siginfo_t* out);
/* Removes every pending signal in `set` (stop and continue signals cancel each other). */
void signalqueue_discard(SignalQueue* q, uint64_t set);
static inline uint64_t signalqueue_pending(const SignalQueue* q) {
    return q->pending;
}

#endif
