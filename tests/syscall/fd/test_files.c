/* Files and the filesystem view (issue 4): open/openat/creat, read/write/pread64/pwrite64/readv/
 * writev, lseek, the stat family (also through glibc's legacy __xstat/__fxstatat symbols),
 * getdents64, chdir/fchdir/getcwd, umask, /proc/self/exe and /proc/self/fd (exactly the
 * descriptors the program has, in this image and in a freshly executed one). Works in a temporary
 * directory under the current directory (under umbra: the host's data directory). */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static char dir[64];

static int make_file(const char* name, const char* content) {
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT(fd >= 0);
    size_t len = strlen(content);
    ASSERT(write(fd, content, len) == (ssize_t)len);
    return fd;
}

static void test_open(void) {
    int fd = make_file("a", "hello");
    CHECK(close(fd) == 0);
    CHECK_ERRNO(open("a", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERRNO(open("missing", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("missing/x", O_RDONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERRNO(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERRNO(open("a/x", O_RDONLY), ENOTDIR);
    /* O_CREAT | O_EXCL on a new name creates it. */
    fd = open("b", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    close(fd);

    /* O_TRUNC empties; O_APPEND writes at the end whatever the offset. */
    fd = open("a", O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK_EQ_LL(write(fd, "12345", 5), 5);
    close(fd);
    fd = open("a", O_RDWR | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ_LL(lseek(fd, 1, SEEK_SET), 1);
    CHECK_EQ_LL(write(fd, "67", 2), 2);
    char buf[16] = {0};
    CHECK_EQ_LL(pread(fd, buf, sizeof(buf), 0), 7);
    CHECK(memcmp(buf, "1234567", 7) == 0);
    close(fd);

    /* openat: relative to a directory descriptor; an absolute path ignores it. */
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    fd = openat(dfd, "a", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ_LL(read(fd, buf, 3), 3);
    CHECK(memcmp(buf, "123", 3) == 0);
    close(fd);
    CHECK_ERRNO(openat(dfd, "missing", O_RDONLY), ENOENT);
    CHECK_ERRNO(openat(999, "a", O_RDONLY), EBADF);
    fd = openat(999, "/dev/null", O_RDONLY); /* absolute: the descriptor is not used */
    CHECK(fd >= 0);
    close(fd);
    int afd = open("a", O_RDONLY);
    CHECK_ERRNO(openat(afd, "x", O_RDONLY), ENOTDIR);
    close(afd);
    close(dfd);

    /* creat: O_WRONLY | O_CREAT | O_TRUNC. */
    fd = creat("a", 0644);
    CHECK(fd >= 0);
    CHECK_EQ_LL(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK_ERRNO(read(fd, buf, 1), EBADF);
    close(fd);
    fd = open("a", O_RDONLY);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
}

static void test_read_write(void) {
    int fd = open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT(fd >= 0);
    struct iovec out[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
    CHECK_EQ_LL(writev(fd, out, 3), 8);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_CUR), 8);
    /* pwrite and pread leave the offset alone. */
    CHECK_EQ_LL(pwrite(fd, "XY", 2, 2), 2);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_CUR), 8);
    char buf[16] = {0};
    CHECK_EQ_LL(pread(fd, buf, 4, 1), 4);
    CHECK(memcmp(buf, "bXYe", 4) == 0);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_CUR), 8);
    CHECK_EQ_LL(read(fd, buf, sizeof(buf)), 0); /* at the end */
    CHECK_EQ_LL(pread(fd, buf, sizeof(buf), 100), 0);
    CHECK_ERRNO(pread(fd, buf, 1, -1), EINVAL);
    /* readv scatters in order. */
    CHECK_EQ_LL(lseek(fd, 0, SEEK_SET), 0);
    char p1[2], p2[4], p3[8];
    struct iovec in[3] = {{p1, sizeof(p1)}, {p2, sizeof(p2)}, {p3, sizeof(p3)}};
    CHECK_EQ_LL(readv(fd, in, 3), 8);
    CHECK(memcmp(p1, "ab", 2) == 0 && memcmp(p2, "XYef", 4) == 0 && memcmp(p3, "gh", 2) == 0);
    CHECK_EQ_LL(read(-1, buf, 1), -1);
    CHECK_ERRNO(read(-1, buf, 1), EBADF);
    CHECK_ERRNO(write(999, buf, 1), EBADF);

    /* lseek. */
    CHECK_EQ_LL(lseek(fd, 3, SEEK_SET), 3);
    CHECK_EQ_LL(lseek(fd, 2, SEEK_CUR), 5);
    CHECK_EQ_LL(lseek(fd, -1, SEEK_CUR), 4);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_END), 8);
    CHECK_EQ_LL(lseek(fd, -3, SEEK_END), 5);
    CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    CHECK_ERRNO(lseek(fd, -100, SEEK_CUR), EINVAL);
    CHECK_ERRNO(lseek(fd, 0, 12345), EINVAL);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_CUR), 5); /* failures moved nothing */
    CHECK_ERRNO(lseek(999, 0, SEEK_SET), EBADF);
    /* Past the end: a write there leaves a hole that reads as zeros. */
    CHECK_EQ_LL(lseek(fd, 12, SEEK_SET), 12);
    CHECK_EQ_LL(write(fd, "Z", 1), 1);
    CHECK_EQ_LL(pread(fd, buf, sizeof(buf), 6), 7);
    CHECK(memcmp(buf, "gh\0\0\0\0Z", 7) == 0);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERRNO(lseek(p[0], 0, SEEK_SET), ESPIPE);
    CHECK_ERRNO(pread(p[0], buf, 1, 0), ESPIPE);
    close(p[0]);
    close(p[1]);
    close(fd);
}

static void test_stat(void) {
    int fd = make_file("s", "0123456789");
    CHECK(symlink("s", "link") == 0);
    CHECK(mkdir("sub", 0755) == 0);
    struct stat st, lst, fst, at;
    CHECK(stat("s", &st) == 0);
    CHECK(S_ISREG(st.st_mode) && st.st_size == 10 && st.st_nlink == 1);
    CHECK(fstat(fd, &fst) == 0);
    CHECK(fst.st_ino == st.st_ino && fst.st_dev == st.st_dev);
    /* stat follows the link, lstat does not. */
    CHECK(stat("link", &lst) == 0 && lst.st_ino == st.st_ino);
    CHECK(lstat("link", &lst) == 0);
    CHECK(S_ISLNK(lst.st_mode) && lst.st_size == 1 && lst.st_ino != st.st_ino);
    CHECK(stat("sub", &at) == 0 && S_ISDIR(at.st_mode));
    CHECK_ERRNO(stat("missing", &at), ENOENT);
    CHECK_ERRNO(fstat(999, &at), EBADF);
    /* newfstatat: relative to a directory, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. */
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(fstatat(dfd, "link", &at, 0) == 0 && at.st_ino == st.st_ino);
    CHECK(fstatat(dfd, "link", &at, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(at.st_mode));
    CHECK(fstatat(fd, "", &at, AT_EMPTY_PATH) == 0 && at.st_ino == st.st_ino);
    CHECK_ERRNO(fstatat(fd, "", &at, 0), ENOENT);
    CHECK_ERRNO(fstatat(dfd, "s", &at, 0x12345678), EINVAL);
    CHECK_ERRNO(fstatat(fd, "s", &at, 0), ENOTDIR);
    /* statx. */
    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    CHECK(statx(dfd, "s", 0, STATX_BASIC_STATS, &stx) == 0);
    CHECK((stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    CHECK_EQ_LL(stx.stx_size, 10);
    CHECK_EQ_LL(stx.stx_ino, st.st_ino);
    CHECK(S_ISREG(stx.stx_mode));
    CHECK(statx(dfd, "link", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) == 0 && S_ISLNK(stx.stx_mode));
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_INO, &stx) == 0 && stx.stx_ino == st.st_ino);
    CHECK_ERRNO(statx(dfd, "missing", 0, STATX_BASIC_STATS, &stx), ENOENT);
    CHECK_ERRNO(statx(dfd, "s", 0, 0x80000000U, &stx), EINVAL); /* STATX__RESERVED */

    /* The legacy symbols older binaries link against; version 1 is _STAT_VER_LINUX. */
    typedef int (*xstat_fn)(int, const char*, struct stat*);
    typedef int (*fxstatat_fn)(int, int, const char*, struct stat*, int);
    xstat_fn xstat = (xstat_fn)dlvsym(RTLD_DEFAULT, "__xstat", "GLIBC_2.2.5");
    xstat_fn lxstat = (xstat_fn)dlvsym(RTLD_DEFAULT, "__lxstat", "GLIBC_2.2.5");
    fxstatat_fn fxstatat = (fxstatat_fn)dlvsym(RTLD_DEFAULT, "__fxstatat", "GLIBC_2.4");
    ASSERT(xstat != NULL && lxstat != NULL && fxstatat != NULL);
    memset(&at, 0, sizeof(at));
    CHECK(xstat(1, "link", &at) == 0 && at.st_ino == st.st_ino && at.st_size == 10);
    CHECK(lxstat(1, "link", &at) == 0 && S_ISLNK(at.st_mode));
    CHECK(fxstatat(1, dfd, "s", &at, 0) == 0 && at.st_ino == st.st_ino);
    CHECK(fxstatat(1, dfd, "link", &at, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(at.st_mode));
    CHECK_ERRNO(xstat(1, "missing", &at), ENOENT);
    CHECK_ERRNO(xstat(99, "s", &at), EINVAL); /* an unknown structure version */
    close(dfd);
    close(fd);
}

/* getdents64 records, as the kernel lays them out. */
struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void test_getdents(void) {
    /* A directory of its own: entries s, link, sub (from test_stat) are elsewhere. */
    CHECK(mkdir("d", 0755) == 0);
    close(make_file("d/f1", "x"));
    close(make_file("d/f2", "y"));
    CHECK(mkdir("d/sub", 0755) == 0);
    CHECK(symlink("f1", "d/ln") == 0);
    int fd = open("d", O_RDONLY | O_DIRECTORY);
    ASSERT(fd >= 0);
    char buf[4096];
    int seen = 0, n_entries = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        CHECK(n >= 0);
        if (n <= 0) {
            break;
        }
        for (long off = 0; off < n;) {
            struct dirent64_raw* d = (struct dirent64_raw*)(buf + off);
            n_entries++;
            const char* name = d->d_name;
            int bit = strcmp(name, ".") == 0     ? 1
                      : strcmp(name, "..") == 0  ? 2
                      : strcmp(name, "f1") == 0  ? 4
                      : strcmp(name, "f2") == 0  ? 8
                      : strcmp(name, "sub") == 0 ? 16
                      : strcmp(name, "ln") == 0  ? 32
                                                 : 64;
            CHECK(!(seen & bit));
            seen |= bit;
            if (bit == 4 || bit == 8) {
                CHECK_EQ_LL(d->d_type, DT_REG);
            } else if (bit <= 2 || bit == 16) {
                CHECK_EQ_LL(d->d_type, DT_DIR);
            } else if (bit == 32) {
                CHECK_EQ_LL(d->d_type, DT_LNK);
            }
            off += d->d_reclen;
        }
    }
    CHECK_EQ_LL(seen, 63);
    CHECK_EQ_LL(n_entries, 6);
    /* At the end: 0 again; a buffer too small for one record: EINVAL; not a directory: ENOTDIR. */
    CHECK_EQ_LL(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0);
    CHECK_EQ_LL(lseek(fd, 0, SEEK_SET), 0);
    CHECK_ERRNO(syscall(SYS_getdents64, fd, buf, 8), EINVAL);
    int file = open("d/f1", O_RDONLY);
    CHECK_ERRNO(syscall(SYS_getdents64, file, buf, sizeof(buf)), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_getdents64, 999, buf, sizeof(buf)), EBADF);
    close(file);
    close(fd);
}

static void test_cwd(void) {
    char start[PATH_MAX], now[PATH_MAX];
    ASSERT(getcwd(start, sizeof(start)) != NULL);
    int here = open(".", O_RDONLY | O_DIRECTORY);
    ASSERT(here >= 0);
    CHECK(chdir("d") == 0);
    CHECK(getcwd(now, sizeof(now)) != NULL);
    CHECK(strlen(now) == strlen(start) + 2 && strncmp(now, start, strlen(start)) == 0 &&
          strcmp(now + strlen(start), "/d") == 0);
    int fd = open("f1", O_RDONLY); /* relative names now resolve in d */
    CHECK(fd >= 0);
    close(fd);
    CHECK(chdir("sub") == 0);
    CHECK(chdir("..") == 0);
    CHECK(getcwd(now, sizeof(now)) != NULL && strcmp(now + strlen(start), "/d") == 0);
    CHECK(fchdir(here) == 0);
    CHECK(getcwd(now, sizeof(now)) != NULL && strcmp(now, start) == 0);
    CHECK_ERRNO(chdir("missing"), ENOENT);
    CHECK_ERRNO(chdir("s"), ENOTDIR);
    int file = open("s", O_RDONLY);
    CHECK_ERRNO(fchdir(file), ENOTDIR);
    CHECK_ERRNO(fchdir(999), EBADF);
    close(file);
    CHECK(getcwd(now, sizeof(now)) != NULL && strcmp(now, start) == 0); /* failures moved nothing */
    /* The raw call returns the length with the NUL; too small a buffer is ERANGE. */
    CHECK_EQ_LL(syscall(SYS_getcwd, now, sizeof(now)), (long long)strlen(start) + 1);
    CHECK_ERRNO(syscall(SYS_getcwd, now, strlen(start)), ERANGE);
    close(here);
}

static void test_umask(void) {
    mode_t old = umask(022);
    CHECK_EQ_LL(umask(027), 022);
    struct stat st;
    int fd = open("m1", O_RDWR | O_CREAT, 0666);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640);
    close(fd);
    umask(077);
    CHECK(mkdir("m2", 0777) == 0 && stat("m2", &st) == 0 && (st.st_mode & 0777) == 0700);
    umask(0);
    fd = open("m3", O_RDWR | O_CREAT, 0666);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0666);
    close(fd);
    /* Only the permission bits are kept. */
    CHECK_EQ_LL(umask(0777 | 07000), 0);
    CHECK_EQ_LL(umask(old), 0777);
    /* A fork inherits it. */
    umask(0072);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        _exit(umask(0) == 0072 ? 0 : 1);
    }
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    umask(old);
}

/* The descriptors /proc/self/fd lists, except the listing's own, as a bit set over 0..255. */
static void list_fds(uint64_t set[4]) {
    memset(set, 0, 4 * sizeof(uint64_t));
    DIR* d = opendir("/proc/self/fd");
    ASSERT(d != NULL);
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        int fd = atoi(e->d_name);
        if (fd == dirfd(d)) {
            continue;
        }
        CHECK(fd >= 0 && fd < 256);
        if (fd >= 0 && fd < 256) {
            set[fd / 64] |= 1ULL << (fd % 64);
        }
    }
    closedir(d);
}

static bool has_fd(const uint64_t set[4], int fd) {
    return (set[fd / 64] >> (fd % 64)) & 1;
}

/* Checks that /proc/self/fd lists 0, 1, 2 and the descriptors in `extra` (-1 terminated), no
 * more. */
static void expect_fds(const int* extra) {
    uint64_t want[4] = {7, 0, 0, 0};
    for (const int* e = extra; *e >= 0; e++) {
        want[*e / 64] |= 1ULL << (*e % 64);
    }
    uint64_t got[4];
    list_fds(got);
    for (int fd = 0; fd < 256; fd++) {
        if (has_fd(got, fd) != has_fd(want, fd)) {
            CHECK(has_fd(got, fd) == has_fd(want, fd));
            printf("/proc/self/fd: descriptor %d %s\n", fd,
                   has_fd(got, fd) ? "listed but not expected" : "expected but not listed");
        }
    }
}

/* `real`: the canonical path of argv[0], taken before the test changed directory. */
static void test_proc_self(const char* real) {
    /* /proc/self/exe names this program. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    ASSERT(n > 0);
    exe[n] = '\0';
    CHECK(strcmp(exe, real) == 0);
    struct stat a, b;
    CHECK(stat("/proc/self/exe", &a) == 0 && stat(real, &b) == 0 && a.st_ino == b.st_ino);

    /* /proc/self/fd: exactly the program's descriptors. Whatever the program inherited beyond
     * 0, 1 and 2 is closed first, so the list is known. */
    CHECK(syscall(SYS_close_range, 3, ~0U, 0) == 0);
    int none[] = {-1};
    expect_fds(none);
    int fd = open("s", O_RDONLY);
    int fd2 = dup2(fd, 100);
    int opened[] = {fd, 100, -1};
    expect_fds(opened);
    /* Its link names the file. */
    char link[64], target[PATH_MAX], cwd[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, target, sizeof(target) - 1);
    ASSERT(n > 0 && getcwd(cwd, sizeof(cwd)) != NULL);
    target[n] = '\0';
    CHECK(strncmp(target, cwd, strlen(cwd)) == 0 && strcmp(target + strlen(cwd), "/s") == 0);
    CHECK(close(fd) == 0);
    int after_close[] = {100, -1};
    expect_fds(after_close);
    CHECK(close(fd2) == 0);
    expect_fds(none);

    /* A freshly executed image (a new shim under umbra) has exactly what it inherited. */
    int kept = open("s", O_RDONLY);
    int gone = open("s", O_RDONLY | O_CLOEXEC);
    ASSERT(kept >= 0 && gone >= 0);
    char arg[16];
    snprintf(arg, sizeof(arg), "%d", kept);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        execl(exe, exe, "list-fds", arg, (char*)NULL);
        _exit(127);
    }
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(kept);
    close(gone);
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "list-fds") == 0) {
        int want[] = {atoi(argv[2]), -1};
        expect_fds(want);
        return test_failures > 0 ? 1 : 0;
    }
    char real[PATH_MAX];
    ASSERT(realpath(argv[0], real) != NULL);
    snprintf(dir, sizeof(dir), "files.tmp.%d", (int)getpid());
    ASSERT(mkdir(dir, 0755) == 0);
    ASSERT(chdir(dir) == 0);
    test_open();
    test_read_write();
    test_stat();
    test_getdents();
    test_cwd();
    test_umask();
    test_proc_self(real);
    /* Clean up. */
    const char* files[] = {"a", "b", "rw", "s", "link", "d/f1", "d/f2", "d/ln", "m1", "m3"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        CHECK(unlink(files[i]) == 0);
    }
    CHECK(rmdir("d/sub") == 0 && rmdir("d") == 0 && rmdir("sub") == 0 && rmdir("m2") == 0);
    CHECK(chdir("..") == 0 && rmdir(dir) == 0);
    test_done();
    return 0;
}
