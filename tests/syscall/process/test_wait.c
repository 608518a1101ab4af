/* wait4 and waitid on children (issue 4): statuses of exited and killed children, WNOHANG before
 * a child ends, waitid's siginfo (CLD_EXITED, CLD_KILLED), WNOWAIT leaving the child waitable,
 * P_PGID, ECHILD and EINVAL; no zombies for a parent that ignores SIGCHLD or sets SA_NOCLDWAIT. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static pid_t child_exiting(int code, unsigned delay) {
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        if (delay > 0) {
            sleep(delay);
        }
        _exit(code);
    }
    return pid;
}

static volatile sig_atomic_t chld_seen;
static void on_chld(int sig) {
    chld_seen = 1;
}

/* A parent that ignores SIGCHLD, or sets SA_NOCLDWAIT, leaves no zombies: a wait blocks until its
 * children are gone, then fails with ECHILD; with SA_NOCLDWAIT the handler still runs. */
static void no_zombies(void) {
    CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
    pid_t child = child_exiting(3, 1);
    ASSERT(child > 0);
    int status = 0;
    CHECK_ERRNO(waitpid(child, &status, 0), ECHILD);
    CHECK_ERRNO(kill(child, 0), ESRCH); /* reaped: gone */

    struct sigaction sa = {.sa_handler = on_chld, .sa_flags = SA_NOCLDWAIT};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    chld_seen = 0;
    child = child_exiting(4, 1);
    ASSERT(child > 0);
    CHECK_ERRNO(wait(&status), ECHILD);
    CHECK(chld_seen);
    CHECK_ERRNO(kill(child, 0), ESRCH);
    CHECK(signal(SIGCHLD, SIG_DFL) != SIG_ERR);

    /* Back to the default: a zombie again until waited for. */
    child = child_exiting(5, 0);
    ASSERT(child > 0);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
}

int main(void) {
    /* WNOHANG while the child still runs, then the status once it exits. */
    pid_t a = child_exiting(3, 1);
    siginfo_t info;
    memset(&info, 0xff, sizeof(info));
    CHECK(waitid(P_PID, (id_t)a, &info, WEXITED | WNOHANG) == 0);
    CHECK_EQ_LL(info.si_pid, 0);
    CHECK_EQ_LL(waitpid(a, NULL, WNOHANG), 0);
    /* WNOWAIT: reported, still waitable. */
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, (id_t)a, &info, WEXITED | WNOWAIT) == 0);
    CHECK_EQ_LL(info.si_signo, SIGCHLD);
    CHECK_EQ_LL(info.si_pid, a);
    CHECK_EQ_LL(info.si_code, CLD_EXITED);
    CHECK_EQ_LL(info.si_status, 3);
    int status = 0;
    CHECK_EQ_LL(waitpid(a, &status, 0), a);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);

    /* A child killed by a signal. */
    pid_t b = fork();
    ASSERT(b >= 0);
    if (b == 0) {
        for (;;) {
            pause();
        }
    }
    CHECK(kill(b, SIGKILL) == 0);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_ALL, 0, &info, WEXITED) == 0);
    CHECK_EQ_LL(info.si_pid, b);
    CHECK_EQ_LL(info.si_code, CLD_KILLED);
    CHECK_EQ_LL(info.si_status, SIGKILL);

    /* P_PGID 0: the caller's group (children inherit it). */
    pid_t c = child_exiting(9, 0);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PGID, 0, &info, WEXITED) == 0);
    CHECK_EQ_LL(info.si_pid, c);
    CHECK_EQ_LL(info.si_status, 9);

    CHECK_ERRNO(waitid(P_ALL, 0, &info, WEXITED), ECHILD);
    CHECK_ERRNO(waitpid(-1, NULL, 0), ECHILD);
    CHECK_ERRNO(waitid(P_ALL, 0, &info, WNOHANG), EINVAL); /* no WEXITED/WSTOPPED/WCONTINUED */
    CHECK_ERRNO(waitid(P_PID, 0, &info, WEXITED), EINVAL);
    no_zombies();
    test_done();
    return 0;
}
