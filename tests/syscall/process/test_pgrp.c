/* Process groups and sessions (issue 4): setsid makes a new session and group led by the caller;
 * a session leader cannot change its group; setpgid moves a child into its own group; kill of a
 * negative pid signals that group; getpgid/getsid of a missing process fail with ESRCH. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

int main(void) {
    CHECK(getpgid(0) == getpgrp());
    /* 0 when the session leader lives outside our pid namespace (as in a container). */
    CHECK(getsid(0) >= 0);

    /* A child starts its own session. */
    pid_t leader = fork();
    ASSERT(leader >= 0);
    if (leader == 0) {
        pid_t me = getpid();
        int ok = setsid() == me && getsid(0) == me && getpgrp() == me &&
                 setpgid(0, 0) == -1 && errno == EPERM;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK_EQ_LL(waitpid(leader, &status, 0), leader);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A child moved into a group of its own, then the whole group is signalled. */
    pid_t member = fork();
    ASSERT(member >= 0);
    if (member == 0) {
        for (;;) {
            pause();
        }
    }
    CHECK(setpgid(member, member) == 0);
    CHECK_EQ_LL(getpgid(member), member);
    CHECK(getpgid(member) != getpgrp());
    CHECK_EQ_LL(getsid(member), getsid(0));
    CHECK(kill(-member, SIGTERM) == 0);
    CHECK_EQ_LL(waitpid(member, &status, 0), member);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

    CHECK_ERRNO(getpgid(member), ESRCH);
    CHECK_ERRNO(getsid(member), ESRCH);
    CHECK_ERRNO(kill(-member, SIGTERM), ESRCH);
    test_done();
    return 0;
}
