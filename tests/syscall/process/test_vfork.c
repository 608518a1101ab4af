/* vfork and posix_spawn (issue 4). posix_spawn's child shares the parent's memory (glibc clones
 * with CLONE_VM | CLONE_VFORK on a stack of its own) and reports a failed exec by writing errno
 * there, so posix_spawn of a missing program returns ENOENT; file actions and attributes apply in
 * the child. vfork: the parent stays suspended until the child execs or exits, and the child's
 * pid is what the parent gets. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

extern char** environ;

static int exit_code(pid_t pid) {
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_posix_spawn(void) {
    pid_t pid = -1;
    char* missing[] = {"umbra-no-such-program", NULL};
    CHECK_EQ_LL(posix_spawn(&pid, "/nonexistent/umbra-no-such-program", NULL, NULL, missing,
                            environ),
                ENOENT);
    CHECK_EQ_LL(posix_spawnp(&pid, "umbra-no-such-program", NULL, NULL, missing, environ),
                ENOENT);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD); /* the failed children were reaped */
    char* not_exec[] = {"x", NULL};
    CHECK_EQ_LL(posix_spawn(&pid, "/", NULL, NULL, not_exec, environ), EACCES);

    char* sh[] = {"sh", "-c", "exit 3", NULL};
    CHECK_EQ_LL(posix_spawnp(&pid, "sh", NULL, NULL, sh, environ), 0);
    CHECK(pid > 0);
    CHECK_EQ_LL(exit_code(pid), 3);

    /* File actions: stdout into a file; attributes: the signal mask the child starts with (the
     * parent blocks SIGUSR1; the child must not). */
    const char* out = "vfork_spawn.out";
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
    posix_spawn_file_actions_t fa;
    CHECK(posix_spawn_file_actions_init(&fa) == 0);
    CHECK(posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644) == 0);
    posix_spawnattr_t attr;
    CHECK(posix_spawnattr_init(&attr) == 0);
    CHECK(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) == 0);
    sigset_t none;
    sigemptyset(&none);
    CHECK(posix_spawnattr_setsigmask(&attr, &none) == 0);
    char* grep[] = {"sh", "-c", "exec grep SigBlk /proc/self/status", NULL};
    CHECK_EQ_LL(posix_spawnp(&pid, "sh", &fa, &attr, grep, environ), 0);
    CHECK_EQ_LL(exit_code(pid), 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    char buf[64] = "";
    int fd = open(out, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
    if (strcmp(buf, "SigBlk:\t0000000000000000\n") != 0) {
        printf("child's mask: %s", buf);
        test_failures++;
    }
    close(fd);
    unlink(out);
    sigset_t now;
    CHECK(sigprocmask(SIG_SETMASK, &old, &now) == 0);
    CHECK(sigismember(&now, SIGUSR1) == 1);
    /* The parent's own descriptors and mask are untouched. */
    CHECK_EQ_LL(fcntl(1, F_GETFD), 0);
    /* A failing file action is reported too. */
    CHECK(posix_spawn_file_actions_init(&fa) == 0);
    CHECK(posix_spawn_file_actions_addopen(&fa, 5, "/nonexistent/dir/file", O_RDONLY, 0) == 0);
    CHECK_EQ_LL(posix_spawnp(&pid, "sh", &fa, NULL, sh, environ), ENOENT);
    posix_spawn_file_actions_destroy(&fa);
}

static int count_mappings(void) {
    FILE* f = fopen("/proc/self/maps", "r");
    int n = 0, c;
    while (f != NULL && (c = fgetc(f)) != EOF) {
        n += c == '\n';
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

/* Many spawns leave nothing behind in the parent's memory (the child ran in it). */
static void test_spawn_loop(void) {
    char* argv[] = {"true", NULL};
    pid_t pid;
    CHECK_EQ_LL(posix_spawnp(&pid, "true", NULL, NULL, argv, environ), 0);
    CHECK_EQ_LL(exit_code(pid), 0);
    int before = count_mappings();
    for (int i = 0; i < 40; i++) {
        CHECK_EQ_LL(posix_spawnp(&pid, "true", NULL, NULL, argv, environ), 0);
        CHECK_EQ_LL(exit_code(pid), 0);
        char* missing[] = {"missing", NULL};
        CHECK_EQ_LL(posix_spawn(&pid, "./umbra-missing", NULL, NULL, missing, environ), ENOENT);
    }
    int after = count_mappings();
    if (after - before >= 4) {
        printf("mappings: %d before, %d after\n", before, after);
    }
    CHECK(after - before < 4);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig) {
    (void)sig;
    usr1_seen = 1;
}

/* Uses about 256 bytes of stack per level. */
static int deep(int n) {
    volatile char pad[256];
    pad[0] = (char)n;
    return n == 0 ? pad[0] : deep(n - 1) + pad[0];
}

static void* thread_vfork(void* arg) {
    (void)arg;
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exit 5", (char*)NULL);
        _exit(99);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return (void*)-1L;
    }
    return (void*)(long)(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void test_vfork(void) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile int seen_by_parent = 0;
    pid_t pid = vfork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        seen_by_parent = 1;
        _exit(6);
    }
    /* We ran only after the child ended. */
    clock_gettime(CLOCK_MONOTONIC, &end);
    CHECK(ts_ns(end) - ts_ns(start) >= 200 * 1000 * 1000LL);
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 6);
    CHECK_EQ_LL(seen_by_parent, 1); /* the child ran in our memory */

    /* The child may use much more stack than the parent had in use, and report a failed exec
     * through memory, as posix_spawn does; the parent's frames come back intact. */
    static int global_err;
    volatile int local_err = 0;
    int before = count_mappings();
    for (volatile int i = 0; i < 20; i++) {
        global_err = 0;
        pid = vfork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            deep(200);
            execl("/nonexistent/umbra-missing", "x", (char*)NULL);
            global_err = errno;
            local_err = errno;
            _exit(127);
        }
        CHECK_EQ_LL(global_err, ENOENT);
        CHECK_EQ_LL(local_err, ENOENT);
        CHECK_EQ_LL(exit_code(pid), 127);
    }
    CHECK(count_mappings() - before < 4);

    /* vfork then exec: the parent resumes when the child's new image runs. */
    pid = vfork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exit 4", (char*)NULL);
        _exit(99);
    }
    CHECK_EQ_LL(exit_code(pid), 4);

    /* A signal to the parent does not end its wait (Linux waits killably): its handler runs
     * once the child has ended. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    usr1_seen = 0;
    volatile int child_done = 0;
    pid = vfork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        kill(getppid(), SIGUSR1);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        child_done = 1;
        _exit(8);
    }
    CHECK_EQ_LL(child_done, 1);
    CHECK_EQ_LL(exit_code(pid), 8);
    CHECK_EQ_LL(usr1_seen, 1);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);

    /* From a second thread, while the first waits for it. */
    pthread_t t;
    void* r = NULL;
    ASSERT(pthread_create(&t, NULL, thread_vfork, NULL) == 0);
    CHECK(pthread_join(t, &r) == 0);
    CHECK(r == (void*)5L);
}

int main(void) {
    test_posix_spawn();
    test_spawn_loop();
    test_vfork();
    test_done();
}
