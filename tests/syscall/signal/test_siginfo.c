/* Signal queueing and siginfo (issue 4): standard signals coalesce, real-time signals queue in
 * order with their values, the lowest-numbered pending signal is delivered first; handlers and
 * sigtimedwait see the sender's pid, uid and si_code (SI_USER, SI_QUEUE, SI_TKILL, CLD_*);
 * rt_sigqueueinfo's EPERM rule; signals aimed at one thread (pthread_kill, rt_tgsigqueueinfo) go
 * to that thread; pidfd_open and pidfd_send_signal. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static sigset_t set_of(int a, int b, int c) {
    sigset_t s;
    sigemptyset(&s);
    if (a) sigaddset(&s, a);
    if (b) sigaddset(&s, b);
    if (c) sigaddset(&s, c);
    return s;
}

static int take(const sigset_t* set, siginfo_t* info) {
    struct timespec zero = {0, 0};
    return sigtimedwait(set, info, &zero);
}

static void queue_order(void) {
    sigset_t set = set_of(SIGUSR1, SIGRTMIN, SIGRTMIN + 1);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 1}) == 0);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 2}) == 0);
    CHECK(sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 3}) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0); /* coalesced with the first */
    sigset_t pending;
    CHECK(sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGUSR1) && sigismember(&pending, SIGRTMIN) &&
          sigismember(&pending, SIGRTMIN + 1));

    siginfo_t info;
    CHECK_EQ_LL(take(&set, &info), SIGUSR1);
    CHECK_EQ_LL(info.si_code, SI_USER);
    CHECK_EQ_LL(info.si_pid, getpid());
    CHECK_EQ_LL(info.si_uid, getuid());
    CHECK_EQ_LL(take(&set, &info), SIGRTMIN);
    CHECK_EQ_LL(info.si_code, SI_QUEUE);
    CHECK_EQ_LL(info.si_value.sival_int, 2);
    CHECK_EQ_LL(info.si_pid, getpid());
    CHECK_EQ_LL(take(&set, &info), SIGRTMIN);
    CHECK_EQ_LL(info.si_value.sival_int, 3);
    CHECK_EQ_LL(take(&set, &info), SIGRTMIN + 1);
    CHECK_EQ_LL(info.si_value.sival_int, 1);
    CHECK_ERRNO(take(&set, &info), EAGAIN); /* the second SIGUSR1 was coalesced */
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

static int order[8];
static atomic_int n_order;
static void record_handler(int sig) {
    int i = atomic_fetch_add(&n_order, 1);
    if (i < 8) {
        order[i] = sig;
    }
}

/* Unblocked together, the lower-numbered signal is delivered first. (Each handler blocks the
 * other signal: else Linux would stack the second frame on the first, and the higher signal's
 * handler would run first.) */
static void delivery_order(void) {
    struct sigaction sa = {.sa_handler = record_handler};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t set = set_of(SIGUSR1, SIGUSR2, 0);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK_EQ_LL(n_order, 0);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    getppid(); /* a syscall boundary: the last pending signal has been delivered by now */
    CHECK_EQ_LL(n_order, 2);
    CHECK_EQ_LL(order[0], SIGUSR1);
    CHECK_EQ_LL(order[1], SIGUSR2);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

static siginfo_t handled_info;
static atomic_int handled;
static void info_handler(int sig, siginfo_t* info, void* uc) {
    handled_info = *info;
    atomic_store(&handled, sig);
}

static void wait_for_handler(void) {
    for (int i = 0; i < 1000 && atomic_load(&handled) == 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

/* A handler with SA_SIGINFO sees who sent the signal. */
static void sender_info(void) {
    struct sigaction sa = {.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    atomic_store(&handled, 0);
    pid_t parent = getpid();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        _exit(kill(parent, SIGUSR2) == 0 ? 0 : 1);
    }
    wait_for_handler();
    CHECK_EQ_LL(atomic_load(&handled), SIGUSR2);
    CHECK_EQ_LL(handled_info.si_code, SI_USER);
    CHECK_EQ_LL(handled_info.si_pid, child);
    CHECK_EQ_LL(handled_info.si_uid, getuid());
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);

    /* sigqueue's value reaches the handler. */
    atomic_store(&handled, 0);
    CHECK(sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 42}) == 0);
    wait_for_handler();
    CHECK_EQ_LL(handled_info.si_code, SI_QUEUE);
    CHECK_EQ_LL(handled_info.si_value.sival_int, 42);
    signal(SIGUSR2, SIG_DFL);
}

/* SIGCHLD's siginfo says how the child ended. */
static void sigchld_info(void) {
    struct sigaction sa = {.sa_sigaction = info_handler, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    atomic_store(&handled, 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        _exit(7);
    }
    wait_for_handler();
    CHECK_EQ_LL(atomic_load(&handled), SIGCHLD);
    CHECK_EQ_LL(handled_info.si_code, CLD_EXITED);
    CHECK_EQ_LL(handled_info.si_pid, child);
    CHECK_EQ_LL(handled_info.si_status, 7);
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);

    atomic_store(&handled, 0);
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        for (;;) {
            pause();
        }
    }
    CHECK(kill(child, SIGTERM) == 0);
    wait_for_handler();
    CHECK_EQ_LL(handled_info.si_code, CLD_KILLED);
    CHECK_EQ_LL(handled_info.si_pid, child);
    CHECK_EQ_LL(handled_info.si_status, SIGTERM);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    signal(SIGCHLD, SIG_DFL);
}

/* rt_sigqueueinfo: nobody may pretend to be kill() (si_code >= 0) towards another process. */
static void sigqueueinfo_rules(void) {
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        for (;;) {
            pause();
        }
    }
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGUSR1;
    info.si_code = SI_USER;
    CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &info), EPERM);
    info.si_code = SI_TKILL;
    CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &info), EPERM);
    CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &info), EPERM); /* checked first */
    info.si_code = SI_QUEUE;
    CHECK_ERRNO(syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &info), ESRCH);
    CHECK(syscall(SYS_rt_sigqueueinfo, child, SIGTERM, &info) == 0);
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

    /* To itself, anything goes; the siginfo arrives as given. */
    sigset_t set = set_of(SIGUSR1, 0, 0);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    info.si_code = SI_USER;
    info.si_pid = 12345;
    CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &info) == 0);
    siginfo_t got;
    CHECK_EQ_LL(take(&set, &got), SIGUSR1);
    CHECK_EQ_LL(got.si_code, SI_USER);
    CHECK_EQ_LL(got.si_pid, 12345);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

static atomic_int thread_tid;
static atomic_int handler_tid;
static atomic_int thread_go;
static void tid_handler(int sig) {
    atomic_store(&handler_tid, (int)syscall(SYS_gettid));
}

static void* thread_main(void* arg) {
    atomic_store(&thread_tid, (int)syscall(SYS_gettid));
    sigset_t set = set_of(SIGUSR1, SIGRTMIN, 0);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    /* Wait for a signal meant for this thread. */
    while (atomic_load(&handler_tid) == 0) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    /* Then take a queued one with its value. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    atomic_store(&thread_go, 1);
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    return (void*)(long)(sig == SIGRTMIN && info.si_code == SI_QUEUE &&
                         info.si_value.sival_int == 77);
}

/* A signal aimed at a thread is delivered on that thread, even if the others could take it. */
static void thread_directed(void) {
    struct sigaction sa = {.sa_handler = tid_handler};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sigset_t set = set_of(SIGUSR1, SIGRTMIN, 0);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    pthread_t th;
    ASSERT(pthread_create(&th, NULL, thread_main, NULL) == 0);
    while (atomic_load(&thread_tid) == 0) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    CHECK(pthread_kill(th, SIGUSR1) == 0);
    while (atomic_load(&thread_go) == 0) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    CHECK_EQ_LL(atomic_load(&handler_tid), atomic_load(&thread_tid));
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_code = SI_QUEUE;
    info.si_value.sival_int = 77;
    info.si_pid = getpid();
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), atomic_load(&thread_tid), SIGRTMIN, &info) ==
          0);
    void* ok = NULL;
    CHECK(pthread_join(th, &ok) == 0);
    CHECK(ok == (void*)1);
    CHECK_ERRNO(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1), ESRCH);
    CHECK_ERRNO(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 65), EINVAL);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    signal(SIGUSR1, SIG_DFL);
}

/* pidfd_open and pidfd_send_signal: kill and sigqueue through a pidfd. */
static void pidfd_signals(void) {
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        for (;;) {
            pause();
        }
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    ASSERT(pidfd >= 0);
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 0); /* running */
    CHECK(syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGUSR1;
    info.si_code = SI_USER;
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, &info, 0), EPERM);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pidfd, SIGUSR2, &info, 0), EINVAL); /* signo */
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0x100), EINVAL);
    CHECK(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) == 0);
    CHECK_EQ_LL(poll(&p, 1, 5000), 1); /* readable once it has ended */
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PIDFD, pidfd, &info, WEXITED) == 0);
    CHECK_EQ_LL(info.si_pid, child);
    CHECK_EQ_LL(info.si_code, CLD_KILLED);
    CHECK_EQ_LL(info.si_status, SIGTERM);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), ESRCH);
    close(pidfd);

    /* To itself, with a value. */
    sigset_t set = set_of(SIGUSR1, 0, 0);
    ASSERT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    ASSERT(self >= 0);
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.si_value.sival_int = 31;
    CHECK(syscall(SYS_pidfd_send_signal, self, SIGUSR1, &info, 0) == 0);
    siginfo_t got;
    CHECK_EQ_LL(take(&set, &got), SIGUSR1);
    CHECK_EQ_LL(got.si_code, SI_QUEUE);
    CHECK_EQ_LL(got.si_value.sival_int, 31);
    CHECK(syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 0) == 0);
    CHECK_EQ_LL(take(&set, &got), SIGUSR1);
    CHECK_EQ_LL(got.si_code, SI_USER);
    CHECK_EQ_LL(got.si_pid, getpid());
    close(self);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);

    CHECK_ERRNO(syscall(SYS_pidfd_open, 999999, 0), ESRCH);
    CHECK_ERRNO(syscall(SYS_pidfd_open, getpid(), 0x1), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_open, 0, 0), EINVAL);
    int pfd[2];
    ASSERT(pipe(pfd) == 0);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pfd[0], SIGTERM, NULL, 0), EBADF);
    close(pfd[0]);
    close(pfd[1]);
}

int main(void) {
    queue_order();
    delivery_order();
    sender_info();
    sigchld_info();
    sigqueueinfo_rules();
    thread_directed();
    pidfd_signals();
    test_done();
    return 0;
}
