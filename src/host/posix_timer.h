/* POSIX per-process timers (timer_create and friends) in simulated time. A timer's expiry sends its
 * signal (SIGEV_SIGNAL: to the process; SIGEV_THREAD_ID: to one thread, which is how glibc builds
 * SIGEV_THREAD) with SI_TIMER siginfo; while that signal is still queued, further expiries only
 * count as overruns, which the signal reports when it is taken (si_overrun) and
 * timer_getoverrun afterwards, as in Linux. Timers are not inherited by fork and end with exec.
 *
 * Threading: like everything on a host, only touched by the thread running the host. */
#ifndef SIM_HOST_POSIX_TIMER_H_
#define SIM_HOST_POSIX_TIMER_H_

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/process.h"
#include "lib/simtime.h"

typedef struct {
    int id;              /* the timer_t the process sees (0, 1, ... per process) */
    int clockid;
    int notify;          /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
    int signo;
    union sigval value;  /* sigev_value, delivered as si_value */
    int32_t tid;         /* SIGEV_THREAD_ID: the thread */
    SimTime deadline;    /* next expiry (0: disarmed) */
    SimTime interval;    /* period (0: one-shot) */
    uint64_t generation; /* bumped on every arming, so stale expiry events do nothing */
    int overrun;         /* expiries since the signal was queued */
    int overrun_last;    /* the overrun of the last signal taken (timer_getoverrun) */
    bool queued;         /* its signal is queued and not yet taken */
} PosixTimer;

/* A new timer of `process` (the caller fills it in), with the next id. */
PosixTimer* posixtimer_create(Process* process);
PosixTimer* posixtimer_lookup(Process* process, int id);
void posixtimer_delete(Process* process, int id);
/* Arms (value > 0: the first expiry at `deadline`) or disarms it. */
void posixtimer_arm(Process* process, PosixTimer* timer, SimTime deadline, SimTime interval);
/* A SI_TIMER signal is being taken: fills in its overrun. False if its timer was deleted
 * meanwhile (the signal is then dropped). */
bool posixtimer_onDequeue(Process* process, siginfo_t* info);

#endif
