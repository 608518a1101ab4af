/* prctl on the process tree (issue 4): PR_SET_CHILD_SUBREAPER makes this process adopt the
 * orphans of its children; PR_SET_PDEATHSIG kills an orphan when its parent ends; the adopter
 * reaps them, with their statuses, and the orphans see it as their parent. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

int main(void) {
    pid_t me = getpid();
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    int on = 0;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &on) == 0);
    CHECK_EQ_LL(on, 1);

    int ready[2], report[2];
    ASSERT(pipe(ready) == 0 && pipe(report) == 0);
    pid_t middle = fork();
    ASSERT(middle >= 0);
    if (middle == 0) {
        /* The middle process starts two children and exits once both are set up. */
        pid_t doomed = fork();
        if (doomed == 0) {
            /* Asks for SIGTERM when its parent ends, then waits for it. */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            int sig = 0;
            prctl(PR_GET_PDEATHSIG, &sig);
            if (write(ready[1], sig == SIGTERM ? "d" : "?", 1) != 1) {
                _exit(3);
            }
            for (;;) {
                pause();
            }
        }
        pid_t survivor = fork();
        if (survivor == 0) {
            /* Outlives its parent and reports who its parent is then. */
            if (write(ready[1], "s", 1) != 1) {
                _exit(3);
            }
            sleep(2);
            pid_t ppid = getppid();
            if (write(report[1], &ppid, sizeof(ppid)) != (ssize_t)sizeof(ppid)) {
                _exit(3);
            }
            _exit(7);
        }
        char c[2];
        if (read(ready[0], &c[0], 1) != 1 || read(ready[0], &c[1], 1) != 1) {
            _exit(4);
        }
        _exit((c[0] == 'd' || c[1] == 'd') ? 0 : 5);
    }
    int status = 0;
    CHECK_EQ_LL(waitpid(middle, &status, 0), middle);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Both orphans are now ours: the doomed one killed by SIGTERM, the survivor exiting 7. */
    int killed = 0, exited7 = 0;
    for (int i = 0; i < 2; i++) {
        pid_t pid = waitpid(-1, &status, 0);
        CHECK(pid > 0);
        killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
        exited7 += WIFEXITED(status) && WEXITSTATUS(status) == 7;
    }
    CHECK_EQ_LL(killed, 1);
    CHECK_EQ_LL(exited7, 1);
    pid_t survivor_parent = 0;
    CHECK_EQ_LL(read(report[0], &survivor_parent, sizeof(survivor_parent)),
                (long long)sizeof(survivor_parent));
    CHECK_EQ_LL(survivor_parent, me);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    test_done();
    return 0;
}
