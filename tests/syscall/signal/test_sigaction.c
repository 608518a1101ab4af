/* sigaction flags and default actions (issue 4): SA_NODEFER (the handler can be re-entered),
 * SA_RESETHAND (one-shot handler), SA_ONSTACK with sigaltstack, SA_SIGINFO; the default actions
 * terminate (SIGTERM, SIGUSR1), dump core (SIGQUIT: terminated by it), ignore (SIGCHLD, SIGURG,
 * SIGWINCH, SIGCONT on a running process); an interrupted nanosleep reports the time left. */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static atomic_int depth, max_depth, calls;
static void nesting_handler(int sig) {
    int d = atomic_fetch_add(&depth, 1) + 1;
    if (d > atomic_load(&max_depth)) {
        atomic_store(&max_depth, d);
    }
    if (atomic_fetch_add(&calls, 1) == 0) {
        raise(sig); /* again, from inside the handler */
        getppid();  /* a syscall boundary */
    }
    atomic_fetch_sub(&depth, 1);
}

static void nodefer(int flags) {
    struct sigaction sa = {.sa_handler = nesting_handler, .sa_flags = flags};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    atomic_store(&depth, 0);
    atomic_store(&max_depth, 0);
    atomic_store(&calls, 0);
    CHECK(raise(SIGUSR1) == 0);
    getppid();
    CHECK_EQ_LL(atomic_load(&calls), 2);
    /* Without SA_NODEFER the signal is blocked while its handler runs: the second call comes
     * after the first returned. */
    CHECK_EQ_LL(atomic_load(&max_depth), (flags & SA_NODEFER) ? 2 : 1);
    signal(SIGUSR1, SIG_DFL);
}

static atomic_int resethand_calls;
static void count_handler(int sig) {
    atomic_fetch_add(&resethand_calls, 1);
}

/* A one-shot handler: the second signal gets the default action. */
static void resethand(void) {
    struct sigaction sa = {.sa_handler = count_handler, .sa_flags = SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGURG, &sa, NULL) == 0);
    CHECK(raise(SIGURG) == 0);
    getppid();
    CHECK_EQ_LL(atomic_load(&resethand_calls), 1);
    struct sigaction now;
    CHECK(sigaction(SIGURG, NULL, &now) == 0);
    CHECK(now.sa_handler == SIG_DFL);
    CHECK(raise(SIGURG) == 0); /* default: ignored */
    getppid();
    CHECK_EQ_LL(atomic_load(&resethand_calls), 1);

    /* The same for a stop signal: the second SIGTSTP stops the process (seen from a parent). */
    /* A group of its own: SIGTSTP is discarded in an orphaned process group (which a test run
     * by a CI runner can be in); this one's parent is in another group of the session. */
    pid_t child = fork();
    ASSERT(child >= 0);
    setpgid(child == 0 ? 0 : child, child == 0 ? 0 : child);
    if (child == 0) {
        CHECK(sigaction(SIGTSTP, &sa, NULL) == 0);
        raise(SIGTSTP);
        getppid();
        raise(SIGTSTP); /* stops here */
        _exit(atomic_load(&resethand_calls) == 2 ? 0 : 1);
    }
    int status;
    CHECK_EQ_LL(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP);
    CHECK(kill(child, SIGCONT) == 0);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static char altstack[65536] __attribute__((aligned(16)));
static atomic_int on_altstack;
static void stack_handler(int sig) {
    char here;
    uintptr_t p = (uintptr_t)&here;
    atomic_store(&on_altstack, p >= (uintptr_t)altstack && p < (uintptr_t)altstack + sizeof(altstack));
}

static void onstack(void) {
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0);
    struct sigaction sa = {.sa_handler = stack_handler, .sa_flags = SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    getppid();
    CHECK_EQ_LL(atomic_load(&on_altstack), 1);
    /* Without SA_ONSTACK, the normal stack. */
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    getppid();
    CHECK_EQ_LL(atomic_load(&on_altstack), 0);
    stack_t old;
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, &old) == 0);
    CHECK(old.ss_sp == altstack && old.ss_size == sizeof(altstack));
    signal(SIGUSR2, SIG_DFL);
}

/* The default action of `sig` on a child that waits in pause(): what ends it. */
static int default_action_status(int sig, bool then_term) {
    pid_t child = fork();
    if (child == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); /* no core file */
        for (;;) {
            pause();
        }
    }
    struct timespec ms = {0, 5000000};
    nanosleep(&ms, NULL);
    kill(child, sig);
    nanosleep(&ms, NULL);
    int status = 0;
    if (then_term) {
        if (waitpid(child, &status, WNOHANG) != 0) {
            return -1; /* it should still be running */
        }
        kill(child, SIGTERM);
    }
    waitpid(child, &status, 0);
    return status;
}

static void default_actions(void) {
    int st = default_action_status(SIGTERM, false);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    st = default_action_status(SIGUSR1, false);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
    st = default_action_status(SIGQUIT, false); /* core: terminated (no core file: limit 0) */
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGQUIT);
    st = default_action_status(SIGSEGV, false);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    int ignored[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        st = default_action_status(ignored[i], true);
        CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    }
}

static atomic_int mask_calls;
static void mask_handler(int sig) {
    /* Inside the handler its own signal is blocked; setting the mask it reads keeps it so
     * until the handler returns, when the kernel puts the old mask back. */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    sigprocmask(SIG_SETMASK, &cur, NULL);
    atomic_fetch_add(&mask_calls, 1);
}

/* The mask a handler runs under ends with it, even when the handler sets masks itself. */
static void handler_mask_restored(void) {
    struct sigaction sa = {.sa_handler = mask_handler};
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    getppid();
    CHECK_EQ_LL(atomic_load(&mask_calls), 1);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
    CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2));
    CHECK(kill(getpid(), SIGUSR1) == 0); /* delivered again: not blocked any more */
    getppid();
    CHECK_EQ_LL(atomic_load(&mask_calls), 2);
    signal(SIGUSR1, SIG_DFL);
}

static void on_alarm(int sig) {
}

/* nanosleep interrupted by a handled signal: EINTR and the time left in rem. */
static void sleep_remaining(void) {
    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    alarm(1);
    struct timespec req = {3, 0}, rem = {0, 0};
    CHECK_ERRNO(nanosleep(&req, &rem), EINTR);
    long long left = rem.tv_sec * 1000000000LL + rem.tv_nsec;
    /* the alarm was set a moment before the sleep began; a loaded machine deschedules */
    CHECK(left > 1000000000LL && left <= 2100000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(left, 2000000000LL); /* simulated time: exactly */
    }
    alarm(1);
    rem.tv_sec = 0;
    rem.tv_nsec = 0;
    CHECK_EQ_LL(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem), EINTR); /* returns the error */
    left = rem.tv_sec * 1000000000LL + rem.tv_nsec;
    /* the alarm was set a moment before the sleep began; a loaded machine deschedules */
    CHECK(left > 1000000000LL && left <= 2100000000LL);
    signal(SIGALRM, SIG_DFL);
}

int main(void) {
    nodefer(0);
    nodefer(SA_NODEFER);
    resethand();
    onstack();
    handler_mask_restored();
    default_actions();
    sleep_remaining();
    test_done();
    return 0;
}
