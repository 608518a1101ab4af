/* POSIX per-process timers: see posix_timer.h. The timers live in their process's table
 * (process_getPosixTimers); expiry tasks find their timer again by (pid, id, generation). */
#include "host/posix_timer.h"

#include <glib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "host/managed_thread.h"
#include "host/task.h"

PosixTimer* posixtimer_create(Process* process) {
    GPtrArray* timers = process_getPosixTimers(process);
    PosixTimer* t = g_new0(PosixTimer, 1);
    t->id = process_takeNextTimerId(process);
    g_ptr_array_add(timers, t);
    return t;
}

PosixTimer* posixtimer_lookup(Process* process, int id) {
    GPtrArray* timers = process_getPosixTimers(process);
    for (guint i = 0; i < timers->len; i++) {
        PosixTimer* t = g_ptr_array_index(timers, i);
        if (t->id == id) {
            return t;
        }
    }
    return NULL;
}

void posixtimer_delete(Process* process, int id) {
    GPtrArray* timers = process_getPosixTimers(process);
    for (guint i = 0; i < timers->len; i++) {
        if (((PosixTimer*)g_ptr_array_index(timers, i))->id == id) {
            g_ptr_array_remove_index(timers, i); /* frees it */
            return;
        }
    }
}

typedef struct {
    int32_t vpid;
    int id;
    uint64_t generation;
} PosixTimerExpiry;

static void _posixtimer_schedule(Process* process, PosixTimer* timer);

/* Sends the timer's signal, or counts an overrun while the last one is still queued. */
static void _posixtimer_notify(Process* p, PosixTimer* timer) {
    if (timer->notify == SIGEV_NONE) {
        return;
    }
    if (timer->queued) {
        timer->overrun = timer->overrun < INT_MAX ? timer->overrun + 1 : INT_MAX;
        return;
    }
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = timer->signo;
    info.si_code = SI_TIMER;
    info.si_timerid = timer->id;
    info.si_value = timer->value;
    ManagedThread* to = timer->notify == SIGEV_THREAD_ID ? process_getThread(p, timer->tid) : NULL;
    process_sendSignal(p, to, &info);
    /* Queued unless ignored (then discarded, and the next expiry sends again). */
    timer->queued = (process_getPendingSignals(p, to) & SIGNAL_BIT(timer->signo)) != 0;
}

static void _posixtimer_expire(Host* host, void* object, void* argument) {
    PosixTimerExpiry* e = object;
    Process* p = host_lookupProcess(host, e->vpid);
    PosixTimer* timer = p != NULL && !process_isZombie(p) ? posixtimer_lookup(p, e->id) : NULL;
    if (timer == NULL || timer->generation != e->generation) {
        return;
    }
    if (timer->interval > 0) {
        timer->deadline += timer->interval;
        _posixtimer_schedule(p, timer);
    } else {
        timer->deadline = 0;
    }
    _posixtimer_notify(p, timer);
}

static void _posixtimer_schedule(Process* process, PosixTimer* timer) {
    PosixTimerExpiry* e = g_new(PosixTimerExpiry, 1);
    *e = (PosixTimerExpiry){process_getVirtualPid(process), timer->id, timer->generation};
    Task* task = task_new(_posixtimer_expire, e, NULL, g_free, NULL);
    host_scheduleTaskAtTime(process_getHost(process), task, timer->deadline);
    task_unref(task);
}

void posixtimer_arm(Process* process, PosixTimer* timer, SimTime deadline, SimTime interval) {
    timer->generation++;
    timer->deadline = deadline;
    timer->interval = interval;
    timer->overrun = 0;
    if (deadline > 0) {
        _posixtimer_schedule(process, timer);
    }
}

bool posixtimer_onDequeue(Process* process, siginfo_t* info) {
    PosixTimer* timer = posixtimer_lookup(process, info->si_timerid);
    if (timer == NULL) {
        return false;
    }
    info->si_overrun = timer->overrun;
    timer->overrun_last = timer->overrun;
    timer->overrun = 0;
    timer->queued = false;
    return true;
}
