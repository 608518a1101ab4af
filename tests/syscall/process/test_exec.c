/* execve and execveat (issue 4). The program re-execs itself (the path from /proc/self/exe) with a
 * mode argument that tells the new image what to check; a new image reports failures on stdout and
 * exits 1, and the parent checks each child exits 0. Cases: close-on-exec descriptors closed and
 * others kept; handled signals reset to the default, ignored ones still ignored, the mask kept and
 * a blocked pending signal still pending; the same pid (and the parent's wait sees it); exec from
 * a second thread while the main thread sleeps (one thread left, its tid the pid); /proc/self/exe
 * naming the new image (a copy of the binary); an empty environment (under umbra the shim must be
 * re-injected, which the new image shows by still seeing the simulation); a "#!" script;
 * execveat with a directory fd, with AT_EMPTY_PATH on O_PATH and O_RDONLY descriptors; and the
 * errors ENOENT, EACCES (no x bit; a directory), ENOEXEC, ENOTDIR and EBADF. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static char self[PATH_MAX]; /* this binary */
static char dir[64];        /* a temporary directory under the cwd */
static char* const empty_env[] = {NULL};

/* The end of a new image's checks: its exit status tells the parent. */
static void image_done(void) {
    exit(test_failures == 0 ? 0 : 1);
}

static void write_file(const char* path, const char* content, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT(fd >= 0);
    ASSERT(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    ASSERT(close(fd) == 0);
    ASSERT(chmod(path, mode) == 0);
}

/* Runs `prepare` in a forked child, which then must not return (it execs); the child's exit
 * status must be `code`. */
static void run_child(void (*prepare)(void), int code) {
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        prepare();
        printf("exec did not happen (errno %d)\n", errno);
        _exit(99);
    }
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ_LL(WEXITSTATUS(status), code);
}

static char pidbuf[32];

static const char* my_pid(void) {
    snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
    return pidbuf;
}

/* ---------------------------------------------------------------------------------------------
 * The new images' checks.
 * --------------------------------------------------------------------------------------------- */

static int threads_of_self(void) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "Threads: %d", &n) == 1) {
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

static void* image_thread(void* arg) {
    return arg;
}

/* Same process: the pid the parent saw, one thread whose tid is the pid, and the process still
 * works in the new image (a sleep, a thread created and joined). */
static void image_pid(char** argv) {
    CHECK_EQ_LL(getpid(), atoi(argv[2]));
    CHECK_EQ_LL(syscall(SYS_gettid), getpid());
    CHECK_EQ_LL(threads_of_self(), 1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    CHECK(nanosleep(&ts, NULL) == 0);
    pthread_t t;
    void* r = NULL;
    CHECK(pthread_create(&t, NULL, image_thread, (void*)7L) == 0);
    CHECK(pthread_join(t, &r) == 0);
    CHECK(r == (void*)7L);
    image_done();
}

static void image_fds(char** argv) {
    int closed = atoi(argv[2]), kept = atoi(argv[3]);
    CHECK_ERRNO(fcntl(closed, F_GETFD), EBADF);
    CHECK_EQ_LL(fcntl(kept, F_GETFD), 0);
    char c = 0;
    CHECK_EQ_LL(read(kept, &c, 1), 1); /* a pipe the parent image wrote into */
    CHECK_EQ_LL(c, 'k');
    image_done();
}

static void image_signals(char** argv) {
    struct sigaction sa;
    CHECK(sigaction(SIGUSR1, NULL, &sa) == 0);
    CHECK(sa.sa_handler == SIG_DFL); /* was handled */
    CHECK(sigaction(SIGUSR2, NULL, &sa) == 0);
    CHECK(sa.sa_handler == SIG_IGN); /* was ignored */
    sigset_t mask, pending;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0);
    CHECK(sigismember(&mask, SIGINT) == 1);
    CHECK(sigismember(&mask, SIGHUP) == 1);
    CHECK(sigismember(&mask, SIGUSR1) == 0);
    CHECK(sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGHUP) == 1);
    CHECK(sigismember(&pending, SIGINT) == 0);
    /* Still ignored: sending it does nothing. */
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(sigpending(&pending) == 0);
    CHECK(sigismember(&pending, SIGUSR2) == 0);
    /* The pending SIGHUP is taken by sigwait, as before the exec. */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    int sig = 0;
    CHECK(sigwait(&hup, &sig) == 0);
    CHECK_EQ_LL(sig, SIGHUP);
    image_done();
}

static void image_exe(char** argv) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    CHECK(n > 0);
    exe[n > 0 ? n : 0] = '\0';
    if (strcmp(exe, argv[2]) != 0) {
        printf("/proc/self/exe is %s, expected %s\n", exe, argv[2]);
        test_failures++;
    }
    CHECK_EQ_LL(getpid(), atoi(argv[3]));
    image_done();
}

/* Exec'd with an empty environment: the same process, and under umbra still in the simulation
 * (the parent says which world it runs in; the shim puts umbra's variables back). */
static void image_env(char** argv) {
    CHECK_EQ_LL(getpid(), atoi(argv[2]));
    CHECK_EQ_LL(running_in_sim(), atoi(argv[3]));
    CHECK(getenv("LD_PRELOAD") == NULL || running_in_sim());
    image_done();
}

static int image_main(int argc, char** argv) {
    const char* mode = argv[1];
    if (strcmp(mode, "pid") == 0 && argc == 3) {
        image_pid(argv);
    } else if (strcmp(mode, "fds") == 0 && argc == 4) {
        image_fds(argv);
    } else if (strcmp(mode, "signals") == 0) {
        image_signals(argv);
    } else if (strcmp(mode, "exe") == 0 && argc == 4) {
        image_exe(argv);
    } else if (strcmp(mode, "env") == 0 && argc == 4) {
        image_env(argv);
    }
    printf("bad image arguments\n");
    return 2;
}

/* ---------------------------------------------------------------------------------------------
 * The children that exec.
 * --------------------------------------------------------------------------------------------- */

static void exec_pid(void) {
    execl(self, self, "pid", my_pid(), (char*)NULL);
}

static void exec_fds(void) {
    int p[2];
    ASSERT(pipe2(p, O_CLOEXEC) == 0);
    ASSERT(write(p[1], "k", 1) == 1);
    int kept = dup(p[0]); /* dup clears close-on-exec */
    ASSERT(kept >= 0);
    char closed[16], keep[16];
    snprintf(closed, sizeof(closed), "%d", p[0]);
    snprintf(keep, sizeof(keep), "%d", kept);
    execl(self, self, "fds", closed, keep, (char*)NULL);
}

static void on_usr1(int sig) {
    (void)sig;
}

static void exec_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    ASSERT(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = SIG_IGN;
    ASSERT(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    ASSERT(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
    ASSERT(kill(getpid(), SIGHUP) == 0); /* blocked: stays pending across the exec */
    execl(self, self, "signals", (char*)NULL);
}

static void* exec_from_thread(void* arg) {
    execl(self, self, "pid", (const char*)arg, (char*)NULL);
    return NULL;
}

/* The second thread execs while the main thread sleeps: Linux ends the main thread and the
 * exec'ing thread continues as the process, with the leader's pid. */
static void exec_thread(void) {
    static char pid[32];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    pthread_t t;
    ASSERT(pthread_create(&t, NULL, exec_from_thread, pid) == 0);
    sleep(30);
    printf("main thread woke up: the exec did not end it\n");
    _exit(98);
}

static char copy_path[PATH_MAX];

static void exec_copy(void) {
    execl(copy_path, "renamed", "exe", copy_path, my_pid(), (char*)NULL);
}

static void exec_empty_env(void) {
    char* argv[] = {self, "env", (char*)my_pid(), running_in_sim() ? "1" : "0", NULL};
    execve(self, argv, empty_env);
}

static char script_path[PATH_MAX];

static void exec_script(void) {
    char* argv[] = {script_path, "hello", NULL};
    execve(script_path, argv, empty_env);
}

static void execveat_dirfd(void) {
    char d[PATH_MAX];
    strcpy(d, self);
    char* slash = strrchr(d, '/');
    ASSERT(slash != NULL);
    *slash = '\0';
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    ASSERT(dfd >= 0);
    char* argv[] = {slash + 1, "pid", (char*)my_pid(), NULL};
    syscall(SYS_execveat, dfd, slash + 1, argv, environ, 0);
}

static void execveat_empty_path(int open_flags) {
    int fd = open(self, open_flags | O_CLOEXEC);
    ASSERT(fd >= 0);
    char* argv[] = {self, "pid", (char*)my_pid(), NULL};
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

static void execveat_opath(void) {
    execveat_empty_path(O_PATH);
}

static void execveat_rdonly(void) {
    execveat_empty_path(O_RDONLY);
}

/* ---------------------------------------------------------------------------------------------
 * Failing execs: they return, with Linux's errno.
 * --------------------------------------------------------------------------------------------- */

static void check_errors(void) {
    char path[PATH_MAX];
    char* argv[] = {"x", NULL};
    snprintf(path, sizeof(path), "%s/missing", dir);
    CHECK_ERRNO(execve(path, argv, environ), ENOENT);
    snprintf(path, sizeof(path), "%s/noexec", dir);
    write_file(path, "#!/bin/sh\nexit 0\n", 0644);
    CHECK_ERRNO(execve(path, argv, environ), EACCES);
    CHECK_ERRNO(execve(dir, argv, environ), EACCES);
    snprintf(path, sizeof(path), "%s/garbage", dir);
    write_file(path, "this is neither ELF nor a script\n", 0755);
    CHECK_ERRNO(execve(path, argv, environ), ENOEXEC);
    snprintf(path, sizeof(path), "%s/garbage/below", dir);
    CHECK_ERRNO(execve(path, argv, environ), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_execveat, 1000, "relative", argv, environ, 0), EBADF);
    int fd = open(self, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(syscall(SYS_execveat, fd, "relative", argv, environ, 0), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_execveat, fd, "", argv, environ, 0), ENOENT); /* no AT_EMPTY_PATH */
    close(fd);
    /* After all those failures the process still works, with its pid. */
    struct timespec ts = {0, 1000000};
    CHECK(nanosleep(&ts, NULL) == 0);
}

int main(int argc, char** argv) {
    if (argc >= 2) {
        return image_main(argc, argv);
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    ASSERT(n > 0);
    self[n] = '\0';
    strcpy(dir, "exec_tmp.XXXXXX");
    ASSERT(mkdtemp(dir) != NULL);

    run_child(exec_pid, 0);
    run_child(exec_fds, 0);
    run_child(exec_signals, 0);
    run_child(exec_thread, 0);
    run_child(exec_empty_env, 0);
    run_child(execveat_dirfd, 0);
    run_child(execveat_opath, 0);
    run_child(execveat_rdonly, 0);

    /* /proc/self/exe names the new image: a copy of this binary under another name. */
    char cwd[PATH_MAX - 64];
    ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(copy_path, sizeof(copy_path), "%s/%s/copy_of_test", cwd, dir);
    int in = open(self, O_RDONLY), out = open(copy_path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ASSERT(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t got;
    while ((got = read(in, buf, sizeof(buf))) > 0) {
        ASSERT(write(out, buf, (size_t)got) == got);
    }
    close(in);
    ASSERT(close(out) == 0);
    run_child(exec_copy, 0);

    /* A "#!" script with an argument: the interpreter gets the script's path and the argument. */
    snprintf(script_path, sizeof(script_path), "%s/script.sh", dir);
    write_file(script_path, "#!/bin/sh\n[ \"$1\" = hello ] && exit 7\nexit 1\n", 0755);
    run_child(exec_script, 7);

    check_errors();

    char path[PATH_MAX];
    const char* files[] = {"missing", "noexec", "garbage", "script.sh", "copy_of_test"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    CHECK(rmdir(dir) == 0);
    test_done();
}
