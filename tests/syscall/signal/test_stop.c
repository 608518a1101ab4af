/* Stop and continue (issue 4): SIGSTOP and the default action of SIGTSTP stop a process, SIGCONT
 * continues it; a stopped process runs no code; signals sent meanwhile stay pending; wait4 reports
 * with WUNTRACED and WCONTINUED, waitid with WSTOPPED and WCONTINUED (WNOWAIT leaves the report);
 * the parent's SIGCHLD says CLD_STOPPED and CLD_CONTINUED unless it set SA_NOCLDSTOP. */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A child that counts in shared memory, one step per millisecond. */
/* SIGTSTP, SIGTTIN and SIGTTOU are discarded for a process in an orphaned process group (Linux;
 * a test run by a CI runner can be in one), so a child that must stop by them gets a group of its
 * own, whose parent (this process) is in another group of the same session. */
static void own_group(pid_t child) {
    if (child == 0) {
        setpgid(0, 0);
    } else if (child > 0) {
        setpgid(child, child); /* both sides: whichever runs first */
    }
}

static pid_t start_counter(atomic_long* counter) {
    pid_t child = fork();
    own_group(child);
    if (child == 0) {
        for (;;) {
            atomic_fetch_add(counter, 1);
            sleep_ms(1);
        }
    }
    return child;
}

static void stop_and_continue(atomic_long* counter) {
    pid_t child = start_counter(counter);
    ASSERT(child > 0);
    sleep_ms(20);
    CHECK(atomic_load(counter) > 0);
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, WNOHANG | WUNTRACED), 0); /* running: nothing to report */

    CHECK(kill(child, SIGSTOP) == 0);
    CHECK_EQ_LL(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    CHECK_EQ_LL(waitpid(child, &status, WNOHANG | WUNTRACED), 0); /* reported once */
    long frozen = atomic_load(counter);
    sleep_ms(50);
    CHECK_EQ_LL(atomic_load(counter), frozen); /* a stopped process runs nothing */

    /* A signal sent to a stopped process waits for it to continue, even a fatal one. */
    CHECK(kill(child, SIGTERM) == 0);
    sleep_ms(20);
    CHECK_EQ_LL(waitpid(child, &status, WNOHANG), 0);

    CHECK(kill(child, SIGCONT) == 0);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void continued_report(atomic_long* counter) {
    atomic_store(counter, 0);
    pid_t child = start_counter(counter);
    ASSERT(child > 0);
    int status = 0;
    CHECK(kill(child, SIGTSTP) == 0); /* default action: stop */
    CHECK_EQ_LL(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP);
    CHECK(kill(child, SIGCONT) == 0);
    CHECK_EQ_LL(waitpid(child, &status, WCONTINUED), child);
    CHECK(WIFCONTINUED(status));
    long before = atomic_load(counter);
    sleep_ms(30);
    CHECK(atomic_load(counter) > before); /* runs again */

    /* waitid: WNOWAIT leaves the report for the next wait; WEXITED alone does not see stops. */
    CHECK(kill(child, SIGSTOP) == 0);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, child, &info, WSTOPPED | WNOWAIT) == 0);
    CHECK_EQ_LL(info.si_pid, child);
    CHECK_EQ_LL(info.si_code, CLD_STOPPED);
    CHECK_EQ_LL(info.si_status, SIGSTOP);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, child, &info, WEXITED | WNOHANG) == 0);
    CHECK_EQ_LL(info.si_pid, 0);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, child, &info, WSTOPPED) == 0);
    CHECK_EQ_LL(info.si_code, CLD_STOPPED);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, child, &info, WSTOPPED | WNOHANG) == 0);
    CHECK_EQ_LL(info.si_pid, 0); /* consumed */
    CHECK(kill(child, SIGCONT) == 0);
    memset(&info, 0, sizeof(info));
    CHECK(waitid(P_PID, child, &info, WCONTINUED) == 0);
    CHECK_EQ_LL(info.si_code, CLD_CONTINUED);
    CHECK_EQ_LL(info.si_status, SIGCONT);
    CHECK(kill(child, SIGKILL) == 0);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static atomic_int chld_code[4];
static atomic_int n_chld;
static void chld_handler(int sig, siginfo_t* info, void* uc) {
    int i = atomic_fetch_add(&n_chld, 1);
    if (i < 4) {
        atomic_store(&chld_code[i], info->si_code);
    }
}

/* SIGCHLD for stops and continues, and none of those with SA_NOCLDSTOP. A process that stops
 * itself; a SIGTSTP with a handler does not stop. */
static void sigchld_on_stop(void) {
    struct sigaction sa = {.sa_sigaction = chld_handler, .sa_flags = SA_SIGINFO | SA_RESTART};
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    /* SIGCHLD is a standard signal: two state changes in a row could coalesce into one. The
     * child waits on a pipe after it is continued, so each SIGCHLD is handled before the next. */
    int gate[2];
    ASSERT(pipe(gate) == 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        close(gate[1]);
        raise(SIGSTOP);
        char c;
        _exit(read(gate[0], &c, 1) == 1 ? 3 : 4);
    }
    close(gate[0]);
    int status = 0;
    CHECK_EQ_LL(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    for (int i = 0; i < 1000 && atomic_load(&n_chld) < 1; i++) {
        sleep_ms(1);
    }
    CHECK(kill(child, SIGCONT) == 0);
    CHECK_EQ_LL(waitpid(child, &status, WCONTINUED), child);
    CHECK(WIFCONTINUED(status));
    for (int i = 0; i < 1000 && atomic_load(&n_chld) < 2; i++) {
        sleep_ms(1);
    }
    CHECK(write(gate[1], "x", 1) == 1);
    close(gate[1]);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    for (int i = 0; i < 1000 && atomic_load(&n_chld) < 3; i++) {
        sleep_ms(1);
    }
    CHECK_EQ_LL(atomic_load(&n_chld), 3);
    CHECK_EQ_LL(atomic_load(&chld_code[0]), CLD_STOPPED);
    CHECK_EQ_LL(atomic_load(&chld_code[1]), CLD_CONTINUED);
    CHECK_EQ_LL(atomic_load(&chld_code[2]), CLD_EXITED);

    atomic_store(&n_chld, 0);
    sa.sa_flags |= SA_NOCLDSTOP;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        signal(SIGTSTP, SIG_IGN); /* ignored: no stop */
        raise(SIGTSTP);
        raise(SIGSTOP);
        _exit(4);
    }
    CHECK_EQ_LL(waitpid(child, &status, WUNTRACED), child);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    CHECK(kill(child, SIGCONT) == 0);
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4);
    sleep_ms(5);
    CHECK_EQ_LL(atomic_load(&n_chld), 1); /* only the exit */
    CHECK_EQ_LL(atomic_load(&chld_code[0]), CLD_EXITED);
    signal(SIGCHLD, SIG_DFL);
}

int main(void) {
    atomic_long* counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                -1, 0);
    ASSERT(counter != MAP_FAILED);
    stop_and_continue(counter);
    continued_report(counter);
    sigchld_on_stop();
    test_done();
    return 0;
}
