/* Process identity (issue 3): getpid, gettid, getppid and uname/gethostname, through libc and
 * through raw syscalls. Under umbra a process from the config has a virtual pid from 1000 on its
 * host, its single thread's tid equals its pid, its parent is init (1), and the node name is the
 * host's name (the config names the host "testhost"); getcpu names the one CPU umbra reports. */
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../test_util.h"

int main(void) {
    pid_t pid = getpid();
    CHECK_EQ_LL(syscall(SYS_getpid), pid);
    CHECK_EQ_LL(syscall(SYS_gettid), pid); /* one thread: its tid is the pid */
    CHECK_EQ_LL(gettid(), pid);
    CHECK_EQ_LL(syscall(SYS_getppid), getppid());
    struct utsname u;
    CHECK(uname(&u) == 0);
    char name[256];
    CHECK(gethostname(name, sizeof(name)) == 0);
    CHECK(strcmp(name, u.nodename) == 0);
    CHECK(strcmp(u.sysname, "Linux") == 0);
    CHECK(strcmp(u.machine, "x86_64") == 0);
    /* getcpu: a CPU this process may run on (under umbra, the one CPU there is). */
    unsigned cpu = 99, node = 99;
    CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0);
    cpu_set_t allowed;
    CHECK(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
    CHECK(CPU_ISSET(cpu, &allowed));
    if (running_in_sim()) {
        CHECK_EQ_LL(cpu, 0);
        CHECK_EQ_LL(node, 0);
    }
    if (running_in_sim()) {
        CHECK_EQ_LL(pid, 1000);
        CHECK_EQ_LL(getppid(), 1);
        CHECK(strcmp(name, "testhost") == 0);
    } else {
        CHECK(pid > 1);
        CHECK(getppid() > 0);
    }
    test_done();
    return 0;
}
