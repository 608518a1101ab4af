/* POSIX timers (issue 4): timer_create with SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID and glibc's
 * SIGEV_THREAD; timer_settime relative, TIMER_ABSTIME and periodic, with the old value;
 * timer_gettime; overruns counted while the signal waits (si_overrun, timer_getoverrun);
 * timer_delete; the errors Linux gives. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

#define now_ns now_ns_on

static sigset_t just(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

/* A one-shot timer: its signal comes when it expires, with SI_TIMER and the value. */
static void one_shot(void) {
    sigset_t set = just(SIGRTMIN);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN};
    ev.sigev_value.sival_int = 99;
    timer_t t;
    ASSERT(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    struct itimerspec cur;
    CHECK(timer_gettime(t, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0); /* disarmed */
    struct itimerspec arm = spec_ms(50, 0);
    long long start = now_ns(CLOCK_MONOTONIC);
    CHECK(timer_settime(t, 0, &arm, NULL) == 0);
    CHECK(timer_gettime(t, &cur) == 0);
    long long left = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    CHECK(left > 0 && left <= 50000000LL);
    siginfo_t info;
    CHECK_EQ_LL(sigwaitinfo(&set, &info), SIGRTMIN);
    long long waited = now_ns(CLOCK_MONOTONIC) - start;
    CHECK(waited >= 50000000LL);
    if (running_in_sim()) {
        CHECK(waited < 51000000LL); /* simulated time: exactly when due, give or take latency */
    }
    CHECK_EQ_LL(info.si_code, SI_TIMER);
    CHECK_EQ_LL(info.si_value.sival_int, 99);
    CHECK_EQ_LL(info.si_overrun, 0);
    CHECK(timer_gettime(t, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0); /* expired: disarmed */
    CHECK(timer_delete(t) == 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

/* A periodic timer whose signal is not taken for a while: the expiries in between are overruns. */
static void periodic_overrun(void) {
    sigset_t set = just(SIGRTMIN + 1);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1};
    timer_t t;
    ASSERT(timer_create(CLOCK_REALTIME, &ev, &t) == 0);
    struct itimerspec arm = spec_ms(10, 10), old;
    CHECK(timer_settime(t, 0, &arm, &old) == 0);
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    struct timespec wait = {0, 105000000}; /* 10 expiries */
    nanosleep(&wait, NULL);
    siginfo_t info;
    CHECK_EQ_LL(sigwaitinfo(&set, &info), SIGRTMIN + 1);
    CHECK_EQ_LL(info.si_code, SI_TIMER);
    CHECK(info.si_overrun >= 8); /* one signal for ten expiries (more if descheduled natively) */
    if (running_in_sim()) {
        CHECK_EQ_LL(info.si_overrun, 9);
    }
    CHECK_EQ_LL(timer_getoverrun(t), info.si_overrun);
    struct itimerspec cur;
    CHECK(timer_gettime(t, &cur) == 0);
    CHECK_EQ_LL(cur.it_interval.tv_nsec, 10000000);
    /* Re-arming returns the old setting; disarming stops it. */
    struct itimerspec off = spec_ms(0, 0);
    CHECK(timer_settime(t, 0, &off, &old) == 0);
    CHECK_EQ_LL(old.it_interval.tv_nsec, 10000000);
    CHECK(old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0);
    nanosleep(&wait, NULL);
    struct timespec zero = {0, 0};
    CHECK_ERRNO(sigtimedwait(&set, &info, &zero), EAGAIN);
    CHECK(timer_delete(t) == 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

/* TIMER_ABSTIME on CLOCK_REALTIME; SIGEV_NONE never signals but counts down. */
static void absolute_and_none(void) {
    sigset_t set = just(SIGALRM);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    /* The kernel's timer_create without a sigevent: SIGALRM with the timer's id as the value
     * (glibc's timer_create always passes one). */
    int kid = -1;
    ASSERT(syscall(SYS_timer_create, CLOCK_REALTIME, NULL, &kid) == 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct itimerspec arm = {.it_value = {ts.tv_sec + 1, ts.tv_nsec}};
    CHECK(syscall(SYS_timer_settime, kid, TIMER_ABSTIME, &arm, NULL) == 0);
    siginfo_t info;
    CHECK_EQ_LL(sigwaitinfo(&set, &info), SIGALRM);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    CHECK(after.tv_sec > ts.tv_sec + 1 || (after.tv_sec == ts.tv_sec + 1 && after.tv_nsec >= ts.tv_nsec));
    CHECK_EQ_LL(info.si_code, SI_TIMER);
    CHECK_EQ_LL(info.si_timerid, kid);
    CHECK_EQ_LL(info.si_value.sival_int, kid);
    /* An absolute time in the past expires at once. */
    arm.it_value.tv_sec = ts.tv_sec - 10;
    CHECK(syscall(SYS_timer_settime, kid, TIMER_ABSTIME, &arm, NULL) == 0);
    CHECK_EQ_LL(sigwaitinfo(&set, &info), SIGALRM);
    CHECK(syscall(SYS_timer_delete, kid) == 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);

    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    timer_t t;
    ASSERT(timer_create(CLOCK_MONOTONIC, &none, &t) == 0);
    arm = spec_ms(1000, 0);
    CHECK(timer_settime(t, 0, &arm, NULL) == 0);
    struct timespec ms = {0, 100000000};
    nanosleep(&ms, NULL);
    struct itimerspec cur;
    CHECK(timer_gettime(t, &cur) == 0);
    long long left = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    CHECK(left > 0 && left <= 900000000LL);
    CHECK(timer_delete(t) == 0);
}

/* SIGEV_THREAD_ID sends to one thread; glibc's SIGEV_THREAD runs a function in a new thread. */
static atomic_int thread_tid, got_tid;
static void* waiter(void* arg) {
    atomic_store(&thread_tid, (int)syscall(SYS_gettid));
    sigset_t set = just(SIGUSR1);
    siginfo_t info;
    if (sigwaitinfo(&set, &info) == SIGUSR1 && info.si_code == SI_TIMER) {
        atomic_store(&got_tid, (int)syscall(SYS_gettid));
    }
    return NULL;
}

static atomic_int notified;
static void notify_function(union sigval v) {
    atomic_fetch_add(&notified, v.sival_int);
}

static void thread_targets(void) {
    sigset_t set = just(SIGUSR1);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0); /* the new thread inherits it */
    pthread_t th;
    ASSERT(pthread_create(&th, NULL, waiter, NULL) == 0);
    while (atomic_load(&thread_tid) == 0) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1};
    ev._sigev_un._tid = atomic_load(&thread_tid);
    timer_t t;
    ASSERT(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    struct itimerspec arm = spec_ms(20, 0);
    CHECK(timer_settime(t, 0, &arm, NULL) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_EQ_LL(atomic_load(&got_tid), atomic_load(&thread_tid));
    CHECK(timer_delete(t) == 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);

    struct sigevent tev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = notify_function};
    tev.sigev_value.sival_int = 1;
    ASSERT(timer_create(CLOCK_MONOTONIC, &tev, &t) == 0);
    arm = spec_ms(10, 10);
    CHECK(timer_settime(t, 0, &arm, NULL) == 0);
    for (int i = 0; i < 500 && atomic_load(&notified) < 3; i++) {
        struct timespec ms = {0, 5000000};
        nanosleep(&ms, NULL);
    }
    CHECK(atomic_load(&notified) >= 3);
    CHECK(timer_delete(t) == 0);
}

static void errors(void) {
    timer_t t;
    struct sigevent bad = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0};
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &bad, &t), EINVAL);
    bad.sigev_signo = 65;
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &bad, &t), EINVAL);
    bad = (struct sigevent){.sigev_notify = 77, .sigev_signo = SIGUSR1};
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &bad, &t), EINVAL);
    bad = (struct sigevent){.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1};
    bad._sigev_un._tid = 999999;
    CHECK_ERRNO(timer_create(CLOCK_MONOTONIC, &bad, &t), EINVAL);
    CHECK_ERRNO(timer_create(12345, NULL, &t), EINVAL);
    /* The kernel's timer ids: one that does not exist. */
    CHECK_ERRNO(syscall(SYS_timer_delete, 4242), EINVAL);
    CHECK_ERRNO(syscall(SYS_timer_getoverrun, 4242), EINVAL);
    struct itimerspec cur;
    CHECK_ERRNO(syscall(SYS_timer_gettime, 4242, &cur), EINVAL);
    ASSERT(timer_create(CLOCK_MONOTONIC, NULL, &t) == 0);
    struct itimerspec arm = {.it_value = {0, 1000000000L}};
    CHECK_ERRNO(timer_settime(t, 0, &arm, NULL), EINVAL);
    arm.it_value.tv_nsec = -1;
    CHECK_ERRNO(timer_settime(t, 0, &arm, NULL), EINVAL);
    CHECK(timer_delete(t) == 0);
    CHECK_ERRNO(timer_delete(t), EINVAL);
}

int main(void) {
    one_shot();
    periodic_overrun();
    absolute_and_none();
    thread_targets();
    errors();
    test_done();
    return 0;
}
