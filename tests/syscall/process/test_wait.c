/* wait4 and waitid on children (issue 4): statuses of exited and killed children, WNOHANG before
 * a child ends, waitid's siginfo (CLD_EXITED, CLD_KILLED), WNOWAIT leaving the child waitable,
 * P_PGID, ECHILD and EINVAL. */
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
    test_done();
    return 0;
}
