/* The descriptor table (issue 4): the lowest free number; dup, dup2, dup3; fcntl's F_DUPFD,
 * F_DUPFD_CLOEXEC, F_GETFD/F_SETFD and F_GETFL/F_SETFL; close; close_range (plain,
 * CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE); close-on-exec across exec (the program re-executes
 * itself and checks its descriptors in the new image); RLIMIT_NOFILE enforced with EMFILE;
 * high descriptor numbers; a table shared by clone(CLONE_FILES) vs copied by fork, and
 * unshare(CLONE_FILES). */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static bool is_open(int fd) {
    return fcntl(fd, F_GETFD) >= 0;
}

static bool is_cloexec(int fd) {
    return fcntl(fd, F_GETFD) == FD_CLOEXEC;
}

static int open_null(int flags) {
    int fd = open("/dev/null", O_RDWR | flags);
    ASSERT(fd >= 0);
    return fd;
}

/* Reaps `pid` and checks that it exited 0 (its checks passed). */
static void expect_clean_exit(pid_t pid) {
    int status = -1;
    CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A child counts its own failed checks and ends with status 1 if there were any. */
static pid_t new_child(unsigned long clone_flags) {
    pid_t pid = (pid_t)syscall(SYS_clone, clone_flags | SIGCHLD, 0, 0, 0, 0);
    ASSERT(pid >= 0);
    if (pid == 0) {
        test_failures = 0;
    }
    return pid;
}

static void child_done(void) {
    _exit(test_failures > 0 ? 1 : 0);
}

/* A process sharing the caller's table (a fork-like clone with CLONE_FILES). */
static pid_t clone_files(void) {
    return new_child(CLONE_FILES);
}

static void test_lowest_free(void) {
    int a = open_null(0), b = open_null(0), c = open_null(0);
    CHECK_EQ_LL(b, a + 1); /* a was the lowest free number, b the next one */
    CHECK_EQ_LL(c, b + 1);
    CHECK(close(b) == 0);
    CHECK_EQ_LL(open_null(0), b); /* the hole is filled first */
    CHECK(close(a) == 0);
    CHECK(close(b) == 0);
    CHECK_EQ_LL(dup(c), a);
    CHECK_EQ_LL(fcntl(c, F_DUPFD, 0), b);
    CHECK_EQ_LL(open_null(0), c + 1);
    close_range((unsigned)a, (unsigned)c + 1, 0);
    CHECK_EQ_LL(open_null(0), a);
    close(a);
}

static void test_dup(void) {
    int fd = open("dup.tmp", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT(fd >= 0);
    unlink("dup.tmp");
    /* dup: a new number on the same open file description (offset and status flags shared, the
     * descriptor flag not). */
    int d = dup(fd);
    CHECK(d > fd);
    CHECK(is_cloexec(fd) && !is_cloexec(d));
    CHECK_EQ_LL(write(fd, "abcdef", 6), 6);
    CHECK_EQ_LL(lseek(d, 0, SEEK_CUR), 6);
    CHECK(fcntl(d, F_SETFL, O_NONBLOCK) == 0);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(d, F_SETFL, 0) == 0);
    CHECK_ERRNO(dup(-1), EBADF);
    CHECK_ERRNO(dup(999), EBADF);

    /* dup2: onto a given number, closing what was there; the same number is a no-op. */
    int other = open_null(O_CLOEXEC);
    CHECK_EQ_LL(dup2(fd, other), other);
    CHECK(!is_cloexec(other));
    CHECK_EQ_LL(lseek(other, 0, SEEK_CUR), 6); /* now the file, not /dev/null */
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
    CHECK_EQ_LL(dup2(fd, fd), fd);
    CHECK(is_cloexec(fd)); /* untouched */
    CHECK_EQ_LL(dup2(fd, 100), 100);
    CHECK(is_open(100));
    CHECK_ERRNO(dup2(999, 101), EBADF);
    CHECK(!is_open(101));
    CHECK_ERRNO(dup2(999, 999), EBADF); /* same number but not open */
    CHECK_ERRNO(dup2(fd, -1), EBADF);

    /* dup3: like dup2 with O_CLOEXEC as the only flag; the same number is an error. */
    CHECK_EQ_LL(dup3(fd, 101, O_CLOEXEC), 101);
    CHECK(is_cloexec(101));
    CHECK_EQ_LL(dup3(fd, 101, 0), 101);
    CHECK(!is_cloexec(101));
    CHECK_ERRNO(dup3(fd, fd, 0), EINVAL);
    CHECK_ERRNO(dup3(fd, fd, O_CLOEXEC), EINVAL);
    CHECK_ERRNO(dup3(fd, 102, O_NONBLOCK), EINVAL);
    CHECK(!is_open(102));
    CHECK_ERRNO(dup3(999, 102, 0), EBADF);
    close(100);
    close(101);
    close(other);
    close(d);
    close(fd);
}

static void test_fcntl(void) {
    int fd = open("fcntl.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ASSERT(fd >= 0);
    unlink("fcntl.tmp");
    /* F_DUPFD: the lowest free number at or above the argument. */
    CHECK_EQ_LL(fcntl(fd, F_DUPFD, 50), 50);
    CHECK_EQ_LL(fcntl(fd, F_DUPFD, 50), 51);
    CHECK(!is_cloexec(50));
    CHECK(close(50) == 0);
    CHECK_EQ_LL(fcntl(fd, F_DUPFD, 49), 49);
    CHECK_EQ_LL(fcntl(fd, F_DUPFD, 49), 50);
    CHECK_EQ_LL(fcntl(fd, F_DUPFD_CLOEXEC, 49), 52);
    CHECK(is_cloexec(52));
    CHECK_ERRNO(fcntl(fd, F_DUPFD, -1), EINVAL);
    CHECK_ERRNO(fcntl(999, F_DUPFD, 0), EBADF);
    close_range(49, 52, 0);

    /* F_GETFD/F_SETFD: the descriptor's own flag. */
    CHECK_EQ_LL(fcntl(fd, F_GETFD), 0);
    CHECK_EQ_LL(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ_LL(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ_LL(fcntl(fd, F_SETFD, 0), 0);
    CHECK_EQ_LL(fcntl(fd, F_GETFD), 0);
    CHECK_ERRNO(fcntl(999, F_GETFD), EBADF);
    CHECK_ERRNO(fcntl(999, F_SETFD, FD_CLOEXEC), EBADF);

    /* F_GETFL/F_SETFL: status flags; the access mode cannot change. */
    int fl = fcntl(fd, F_GETFL);
    CHECK_EQ_LL(fl & O_ACCMODE, O_RDWR);
    CHECK(!(fl & (O_NONBLOCK | O_APPEND)));
    CHECK(fcntl(fd, F_SETFL, O_NONBLOCK | O_APPEND | O_RDONLY) == 0);
    fl = fcntl(fd, F_GETFL);
    CHECK_EQ_LL(fl & O_ACCMODE, O_RDWR);
    CHECK(fl & O_NONBLOCK);
    CHECK(fl & O_APPEND);
    /* O_APPEND: every write goes to the end, whatever the offset. */
    CHECK_EQ_LL(write(fd, "12345", 5), 5);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ_LL(write(fd, "67", 2), 2);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_CUR), 7);
    char buf[8] = {0};
    CHECK_EQ_LL(pread(fd, buf, sizeof(buf), 0), 7);
    CHECK(memcmp(buf, "1234567", 7) == 0);
    CHECK(fcntl(fd, F_SETFL, 0) == 0);
    CHECK(!(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_APPEND)));
    CHECK_ERRNO(fcntl(999, F_GETFL), EBADF);
    CHECK_ERRNO(fcntl(fd, 12345), EINVAL);

    /* close: once. */
    CHECK(close(fd) == 0);
    CHECK_ERRNO(close(fd), EBADF);
    CHECK_ERRNO(close(-1), EBADF);
}

static void test_close_range(void) {
    int fd = open_null(0);
    for (int i = 30; i <= 36; i++) {
        ASSERT(dup2(fd, i) == i);
    }
    CHECK(close_range(31, 33, 0) == 0);
    CHECK(is_open(30) && !is_open(31) && !is_open(32) && !is_open(33) && is_open(34));
    CHECK(close_range(34, 35, CLOSE_RANGE_CLOEXEC) == 0);
    CHECK(is_open(34) && is_cloexec(34) && is_cloexec(35) && !is_cloexec(36));
    CHECK_ERRNO(close_range(36, 35, 0), EINVAL);
    CHECK_ERRNO(close_range(30, 36, 0x80), EINVAL);
    CHECK(is_open(30) && is_open(36));
    CHECK(close_range(36, ~0U, 0) == 0); /* up to the end of the table */
    CHECK(!is_open(36) && is_open(35));
    CHECK(close_range(30, 35, 0) == 0);
    CHECK(!is_open(30) && !is_open(34) && !is_open(35));
    CHECK(close_range(200, 300, 0) == 0); /* nothing open there: fine */

    /* A closed /dev/urandom number reused by a descriptor that is not a file: a read gets the
     * eventfd's counter, not random bytes. */
    int r = open("/dev/urandom", O_RDONLY);
    ASSERT(r >= 0);
    CHECK(close_range((unsigned)r, (unsigned)r, 0) == 0);
    int efd = eventfd(5, EFD_NONBLOCK);
    CHECK_EQ_LL(efd, r);
    uint64_t value = 0;
    CHECK_EQ_LL(read(efd, &value, sizeof(value)), sizeof(value));
    CHECK_EQ_LL(value, 5);
    CHECK_ERRNO(read(efd, &value, sizeof(value)), EAGAIN);
    close(efd);

    /* CLOSE_RANGE_UNSHARE: the caller gets its own table first, so a process sharing the table
     * keeps its descriptors. */
    ASSERT(dup2(fd, 40) == 40 && dup2(fd, 41) == 41);
    pid_t pid = clone_files();
    ASSERT(pid >= 0);
    if (pid == 0) {
        CHECK(close_range(40, 41, CLOSE_RANGE_UNSHARE) == 0);
        CHECK(!is_open(40) && !is_open(41));
        CHECK(dup2(fd, 42) == 42); /* only in the child's own table now */
        child_done();
    }
    expect_clean_exit(pid);
    CHECK(is_open(40) && is_open(41) && !is_open(42));
    close(40);
    close(41);
    close(fd);
}

/* The re-executed image: argv = {exe, "exec-check", kept fd, offset, closed fds...}. */
static int exec_check(int argc, char** argv) {
    int kept = atoi(argv[2]);
    CHECK(is_open(kept));
    CHECK(!is_cloexec(kept));
    CHECK_EQ_LL(lseek(kept, 0, SEEK_CUR), atoll(argv[3])); /* the same open file description */
    for (int i = 4; i < argc; i++) {
        int fd = atoi(argv[i]);
        errno = 0;
        CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
        if (errno != EBADF) {
            printf("descriptor %d survived the exec\n", fd);
        }
    }
    return test_failures > 0 ? 1 : 0;
}

static void test_exec(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    ASSERT(n > 0);
    exe[n] = '\0';
    int kept = open("exec.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ASSERT(kept >= 0);
    unlink("exec.tmp");
    CHECK_EQ_LL(write(kept, "abc", 3), 3);
    /* Close-on-exec from every place that sets it. */
    int closed[12], nc = 0;
    int pipefds[2];
    ASSERT(pipe2(pipefds, O_CLOEXEC) == 0);
    closed[nc++] = pipefds[0];
    closed[nc++] = pipefds[1];
    closed[nc++] = open_null(O_CLOEXEC);
    closed[nc++] = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    closed[nc++] = dup3(kept, 60, O_CLOEXEC);
    closed[nc++] = fcntl(kept, F_DUPFD_CLOEXEC, 61);
    closed[nc++] = eventfd(0, EFD_CLOEXEC);
    closed[nc++] = epoll_create1(EPOLL_CLOEXEC);
    closed[nc++] = memfd_create("cloexec", MFD_CLOEXEC);
    int later = open_null(0);
    CHECK(fcntl(later, F_SETFD, FD_CLOEXEC) == 0);
    closed[nc++] = later;
    ASSERT(dup2(kept, 70) == 70 && dup2(kept, 71) == 71);
    CHECK(close_range(70, 71, CLOSE_RANGE_CLOEXEC) == 0);
    closed[nc++] = 70;
    closed[nc++] = 71;
    for (int i = 0; i < nc; i++) {
        ASSERT(closed[i] >= 0);
    }
    char args[16][16];
    char* argv[20] = {exe, "exec-check"};
    int argc = 2;
    snprintf(args[0], sizeof(args[0]), "%d", kept);
    snprintf(args[1], sizeof(args[1]), "%d", 3);
    argv[argc++] = args[0];
    argv[argc++] = args[1];
    for (int i = 0; i < nc; i++) {
        snprintf(args[2 + i], sizeof(args[2 + i]), "%d", closed[i]);
        argv[argc++] = args[2 + i];
    }
    argv[argc] = NULL;
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        execv(exe, argv);
        _exit(127);
    }
    expect_clean_exit(pid);
    for (int i = 0; i < nc; i++) {
        CHECK(is_open(closed[i])); /* the parent keeps them all */
        close(closed[i]);
    }
    close(kept);
}

static void test_nofile_limit(void) {
    pid_t pid = new_child(0);
    if (pid != 0) {
        expect_clean_exit(pid);
        return;
    }
    /* In a child: fill a table limited to 16. */
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rl.rlim_cur = 16;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    int last = -1;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            CHECK_EQ_LL(errno, EMFILE);
            break;
        }
        last = fd;
    }
    CHECK_EQ_LL(last, 15);
    CHECK_ERRNO(open("/dev/null", O_RDONLY), EMFILE);
    CHECK_ERRNO(dup(0), EMFILE);
    CHECK_ERRNO(fcntl(0, F_DUPFD, 3), EMFILE);
    CHECK_ERRNO(fcntl(0, F_DUPFD_CLOEXEC, 0), EMFILE);
    CHECK_ERRNO(fcntl(0, F_DUPFD, 16), EINVAL); /* the argument itself is beyond the limit */
    int p[2];
    CHECK_ERRNO(pipe(p), EMFILE);
    CHECK_ERRNO(eventfd(0, 0), EMFILE);
    CHECK_ERRNO(dup2(0, 16), EBADF); /* a number beyond the limit */
    CHECK_ERRNO(dup3(0, 100, 0), EBADF);
    CHECK_EQ_LL(dup2(0, 15), 15); /* replacing an open one needs no new slot */
    /* A fork needs no new descriptor, even with the table full. */
    pid_t grandchild = new_child(0);
    if (grandchild == 0) {
        _exit(is_open(15) ? 0 : 1);
    }
    expect_clean_exit(grandchild);
    CHECK(close(7) == 0);
    CHECK_EQ_LL(dup(0), 7);
    /* Raising the soft limit again makes room. */
    rl.rlim_cur = 32;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK_EQ_LL(open("/dev/null", O_RDONLY), 16);
    child_done();
}

/* Numbers far above the usual: a /dev/urandom descriptor moved there still reads random bytes,
 * and a pipe brought back down from there with F_DUPFD still waits for its writer (not a regular
 * file's behaviour borrowed from another number). */
static void test_high_numbers(void) {
    pid_t pid = new_child(0);
    if (pid != 0) {
        expect_clean_exit(pid);
        return;
    }
    /* As high as the hard limit allows (raising it takes CAP_SYS_RESOURCE). */
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_max < 8192) {
        printf("SKIPPED: high descriptor numbers: the hard RLIMIT_NOFILE is only %llu\n",
               (unsigned long long)rl.rlim_max);
        child_done();
    }
    rl.rlim_cur = rl.rlim_max > 70000 ? 70000 : rl.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    int high = (int)rl.rlim_cur - 1, high2 = (int)rl.rlim_cur - 2;
    int r = open("/dev/urandom", O_RDONLY);
    ASSERT(r >= 0);
    CHECK_EQ_LL(dup2(r, high), high);
    CHECK(close(r) == 0);
    unsigned char buf[32] = {0};
    CHECK_EQ_LL(read(high, buf, sizeof(buf)), sizeof(buf));
    int nonzero = 0;
    for (size_t i = 0; i < sizeof(buf); i++) {
        nonzero += buf[i] != 0;
    }
    CHECK(nonzero > 16);
    CHECK(close(high) == 0);

    /* fd 0 becomes a regular file the shim has seen. */
    int file = open("high.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ASSERT(file >= 0);
    unlink("high.tmp");
    CHECK_EQ_LL(dup2(file, 0), 0);
    CHECK_EQ_LL(read(0, buf, 1), 0);
    int p[2];
    ASSERT(pipe(p) == 0);
    CHECK_EQ_LL(dup2(p[0], high2), high2);
    close(p[0]);
    int low = fcntl(high2, F_DUPFD, 3);
    CHECK(low >= 3 && low < 100);
    close(high2);
    pid_t writer = new_child(0);
    if (writer == 0) {
        usleep(200000);
        _exit(write(p[1], "w", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    CHECK_EQ_LL(read(low, buf, sizeof(buf)), 1);
    CHECK_EQ_LL(buf[0], 'w');
    CHECK_EQ_LL(read(low, buf, sizeof(buf)), 0);
    expect_clean_exit(writer);
    child_done();
}

static void test_shared_table(void) {
    /* fork copies the table: changes in the child stay there. */
    int mine = open_null(0);
    pid_t pid = new_child(0);
    if (pid == 0) {
        CHECK(close(mine) == 0);
        CHECK(dup2(0, 80) == 80);
        child_done();
    }
    expect_clean_exit(pid);
    CHECK(is_open(mine));
    CHECK(!is_open(80));

    /* CLONE_FILES shares it: what the child opens and closes is opened and closed here. */
    pid = clone_files();
    ASSERT(pid >= 0);
    int opened_fd = -1;
    if (pid == 0) {
        CHECK(close(mine) == 0);
        CHECK_EQ_LL(open_null(0), mine); /* lowest free: the one just closed */
        CHECK(dup2(0, 81) == 81);
        CHECK(fcntl(81, F_SETFD, FD_CLOEXEC) == 0);
        child_done();
    }
    expect_clean_exit(pid);
    CHECK(is_open(mine));
    CHECK(is_open(81) && is_cloexec(81)); /* the child's descriptor flag too */
    opened_fd = open_null(0);
    CHECK(opened_fd != mine);
    close(opened_fd);

    /* unshare(CLONE_FILES): from then on the child has its own copy. */
    pid = clone_files();
    ASSERT(pid >= 0);
    if (pid == 0) {
        CHECK(unshare(CLONE_FILES) == 0);
        CHECK(is_open(81) && is_open(mine)); /* a copy: everything still there */
        CHECK(close(81) == 0);
        CHECK(dup2(0, 82) == 82);
        child_done();
    }
    expect_clean_exit(pid);
    CHECK(is_open(81));
    CHECK(!is_open(82));
    close(81);
    close(mine);
}

/* fcntl's owner (the process SIGIO and SIGURG would go to): set and read back as pids of this
 * process and of a child, F_SETOWN_EX with F_OWNER_PID, ESRCH for a process that does not exist.
 * (Under umbra the pids are virtual and the kernel is given native ones.) */
static void test_owner(void) {
    int p[2];
    ASSERT(pipe(p) == 0);
    CHECK_EQ_LL(fcntl(p[0], F_GETOWN), 0);
    CHECK(fcntl(p[0], F_SETOWN, getpid()) == 0);
    CHECK_EQ_LL(fcntl(p[0], F_GETOWN), getpid());
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        char c;
        _exit(read(p[0], &c, 1) == 1 ? 0 : 1); /* until the parent writes */
    }
    CHECK(fcntl(p[0], F_SETOWN, child) == 0);
    CHECK_EQ_LL(fcntl(p[0], F_GETOWN), child);
    struct f_owner_ex ex = {.type = F_OWNER_PID, .pid = getpid()};
    CHECK(fcntl(p[0], F_SETOWN_EX, &ex) == 0);
    memset(&ex, 0, sizeof(ex));
    CHECK(fcntl(p[0], F_GETOWN_EX, &ex) == 0);
    CHECK(ex.type == F_OWNER_PID && ex.pid == getpid());
    CHECK_ERRNO(fcntl(p[0], F_SETOWN, 999999), ESRCH);
    CHECK(fcntl(p[0], F_SETOWN, 0) == 0);
    CHECK_EQ_LL(fcntl(p[0], F_GETOWN), 0);
    CHECK(write(p[1], "x", 1) == 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char** argv) {
    if (argc >= 4 && strcmp(argv[1], "exec-check") == 0) {
        return exec_check(argc, argv);
    }
    test_lowest_free();
    test_dup();
    test_fcntl();
    test_close_range();
    test_exec();
    test_nofile_limit();
    test_high_numbers();
    test_shared_table();
    test_owner();
    test_done();
    return 0;
}
