/* 200 processes forked, exec'd and reaped in a loop (issue 4, done-when 3): each child execs
 * /bin/sh to exit with its index mod 256 (every tenth through vfork, the rest through fork), and
 * the parent reaps it with waitpid, checking the pid and the status. Afterwards no child is left
 * (waitpid gives ECHILD). */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

/* The child runs `sh -c code`. In its own function: a vfork child shares the caller's frame. */
static pid_t spawn(const char* code, int use_vfork) {
    pid_t pid = use_vfork ? vfork() : fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", code, (char*)NULL);
        _exit(127);
    }
    return pid;
}

int main(void) {
    for (int i = 0; i < 200; i++) {
        char code[16];
        snprintf(code, sizeof(code), "exit %d", i % 256);
        pid_t pid = spawn(code, i % 10 == 0);
        ASSERT(pid > 0);
        int status = 0;
        CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_EQ_LL(WEXITSTATUS(status), i % 256);
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    test_done();
    return 0;
}
