/* A thread-group leader that exits before its threads (issue 4): after the main thread's
 * pthread_exit the process lives on while another thread runs (it can be signalled, its pid is
 * the same), and ends with that thread: exit_group's status, or 0 when the last thread leaves with
 * pthread_exit. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static pid_t parent_pid;
static int mode;

static void* survivor(void* arg) {
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL); /* the leader is gone by now */
    pid_t me = getpid();
    /* Tell the parent (by exit status or a signal) that the process still runs as itself. */
    if (mode == 0) {
        _exit(me > 0 && getppid() == parent_pid ? 7 : 1); /* exit_group */
    }
    kill(parent_pid, SIGUSR1);
    nanosleep(&ts, NULL);
    pthread_exit(NULL); /* the last thread: the process ends with status 0 */
}

static pid_t start(int m) {
    mode = m;
    pid_t child = fork();
    if (child == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, survivor, NULL) != 0) {
            _exit(2);
        }
        pthread_exit(NULL);
    }
    return child;
}

int main(void) {
    parent_pid = getpid();
    long long t0 = now_ns_on(CLOCK_MONOTONIC);
    pid_t child = start(0);
    ASSERT(child > 0);
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    CHECK(now_ns_on(CLOCK_MONOTONIC) - t0 >= 50000000LL);

    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ASSERT(sigprocmask(SIG_BLOCK, &usr1, NULL) == 0);
    child = start(1);
    ASSERT(child > 0);
    siginfo_t info;
    CHECK_EQ_LL(sigwaitinfo(&usr1, &info), SIGUSR1);
    CHECK_EQ_LL(info.si_pid, child); /* sent by the survivor, under the process's pid */
    CHECK(kill(child, 0) == 0);      /* the process is alive without its leader */
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    test_done();
    return 0;
}
