/* AF_UNIX sockets made by socket(): stream, datagram and seqpacket over a pathname (relative, in
 * the cwd) and an abstract name; listen/accept/connect with the exact addresses (sun_path and
 * length) from getsockname, getpeername, accept and recvfrom; autobind names ("\0" + 5 hex
 * digits, length 8), also for an unbound SO_PASSCRED sender; EADDRINUSE, ENOENT for a missing
 * path, ECONNREFUSED for a stale socket file; SCM_RIGHTS and SCM_CREDENTIALS to a forked child,
 * SO_PEERCRED naming it; a blocking accept woken by a child's connect after 100 ms (exactly, under
 * umbra); a blocking connect to a listener whose backlog is full; poll on a listener. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

#define PATH_OFF offsetof(struct sockaddr_un, sun_path)

/* An address and its length: a pathname (with its NUL, as Linux returns it) or, when name[0] is
 * '@', the abstract name that follows. */
static socklen_t make_addr(struct sockaddr_un* a, const char* name) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (name[0] == '@') {
        memcpy(a->sun_path + 1, name + 1, strlen(name + 1));
        return (socklen_t)(PATH_OFF + strlen(name));
    }
    strcpy(a->sun_path, name);
    return (socklen_t)(PATH_OFF + strlen(name) + 1);
}

static int bound(int type, const char* name) {
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    ASSERT(fd >= 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, name);
    if (name[0] != '@') {
        unlink(name);
    }
    ASSERT(bind(fd, (struct sockaddr*)&a, len) == 0);
    return fd;
}

/* The address `got` (of length `len`) is `name`'s. */
static void check_addr(const struct sockaddr_un* got, socklen_t len, const char* name) {
    struct sockaddr_un want;
    socklen_t want_len = make_addr(&want, name);
    CHECK_EQ_LL(len, want_len);
    CHECK(len == want_len && memcmp(got, &want, len) == 0);
}

static void check_sockname(int fd, bool peer, const char* name) {
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    memset(&a, 0x55, sizeof(a));
    CHECK((peer ? getpeername : getsockname)(fd, (struct sockaddr*)&a, &len) == 0);
    check_addr(&a, len, name);
}

static void echo(int a, int b) {
    char buf[16];
    CHECK_EQ_LL(send(a, "ping", 4, 0), 4);
    CHECK_EQ_LL(recv(b, buf, sizeof(buf), 0), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_EQ_LL(write(b, "pong!", 5), 5);
    CHECK_EQ_LL(read(a, buf, sizeof(buf)), 5);
    CHECK(memcmp(buf, "pong!", 5) == 0);
}

/* listen, connect (the client bound to `client_name`, or not if NULL), accept, echo. */
static void stream(int type, const char* server_name, const char* client_name) {
    int l = bound(type, server_name);
    CHECK(listen(l, 8) == 0);
    check_sockname(l, false, server_name);
    struct pollfd p = {.fd = l, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 0);
    int c = client_name != NULL ? bound(type, client_name) : socket(AF_UNIX, type, 0);
    ASSERT(c >= 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, server_name);
    CHECK(connect(c, (struct sockaddr*)&a, len) == 0);
    CHECK_EQ_LL(poll(&p, 1, 0), 1);
    CHECK(p.revents == POLLIN);
    memset(&a, 0x55, sizeof(a));
    len = sizeof(a);
    int s = accept4(l, (struct sockaddr*)&a, &len, SOCK_CLOEXEC);
    ASSERT(s >= 0);
    if (client_name != NULL) {
        check_addr(&a, len, client_name);
        check_sockname(s, true, client_name);
    } else {
        CHECK_EQ_LL(len, sizeof(sa_family_t)); /* an unbound peer is unnamed */
        CHECK_EQ_LL(a.sun_family, AF_UNIX);
    }
    check_sockname(c, true, server_name);
    check_sockname(s, false, server_name);
    /* A short buffer gets the start of the name and the full length. */
    char small[4];
    len = sizeof(small);
    CHECK(getpeername(c, (struct sockaddr*)small, &len) == 0);
    CHECK_EQ_LL(len, make_addr(&a, server_name));
    CHECK(memcmp(small, &a, sizeof(small)) == 0);
    echo(c, s);
    close(s);
    close(c);
    close(l);
}

static void errors(void) {
    /* The same name twice. */
    int a = bound(SOCK_STREAM, "unix_dup.sock");
    int b = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    socklen_t len = make_addr(&sa, "unix_dup.sock");
    CHECK_ERRNO(bind(b, (struct sockaddr*)&sa, len), EADDRINUSE);
    int c = bound(SOCK_STREAM, "@unix-test-dup"); /* (a datagram socket may share it) */
    len = make_addr(&sa, "@unix-test-dup");
    CHECK_ERRNO(bind(b, (struct sockaddr*)&sa, len), EADDRINUSE);
    /* A socket file nobody listens on any more, a missing one, an abstract name nobody has. */
    close(a);
    len = make_addr(&sa, "unix_dup.sock");
    CHECK_ERRNO(connect(b, (struct sockaddr*)&sa, len), ECONNREFUSED);
    unlink("unix_dup.sock");
    CHECK_ERRNO(connect(b, (struct sockaddr*)&sa, len), ENOENT);
    len = make_addr(&sa, "@unix-test-nobody");
    CHECK_ERRNO(connect(b, (struct sockaddr*)&sa, len), ECONNREFUSED);
    /* A file that is not a socket. */
    int f = open("unix_plain.txt", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(f);
    len = make_addr(&sa, "unix_plain.txt");
    CHECK_ERRNO(connect(b, (struct sockaddr*)&sa, len), ECONNREFUSED);
    unlink("unix_plain.txt");
    /* Bad addresses. */
    sa.sun_family = AF_INET;
    CHECK_ERRNO(bind(b, (struct sockaddr*)&sa, len), EINVAL);
    close(b);
    b = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(listen(b, 1), EINVAL); /* unbound */
    close(b);
    close(c);
}

static void check_autobound(int fd) {
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    CHECK(getsockname(fd, (struct sockaddr*)&a, &len) == 0);
    CHECK_EQ_LL(len, PATH_OFF + 6);
    CHECK(a.sun_path[0] == '\0');
    for (int i = 1; i <= 5; i++) {
        char ch = a.sun_path[i];
        CHECK((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
    }
}

static void autobind(void) {
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    CHECK(getsockname(fd, (struct sockaddr*)&a, &len) == 0);
    CHECK_EQ_LL(len, sizeof(sa_family_t));
    sa_family_t fam = AF_UNIX;
    CHECK(bind(fd, (struct sockaddr*)&fam, sizeof(fam)) == 0);
    check_autobound(fd);
    CHECK(bind(fd, (struct sockaddr*)&fam, sizeof(fam)) == 0); /* already bound: nothing */
    /* An unbound sender with SO_PASSCRED is autobound by its send; the receiver sees the name
     * and the credentials. */
    int r = bound(SOCK_DGRAM, "@unix-test-passcred");
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    int one = 1;
    CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
    CHECK(setsockopt(r, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
    len = make_addr(&a, "@unix-test-passcred");
    CHECK_EQ_LL(sendto(s, "x", 1, 0, (struct sockaddr*)&a, len), 1);
    check_autobound(s);
    char buf[4];
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct sockaddr_un from;
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                         .msg_iovlen = 1, .msg_control = &control,
                         .msg_controllen = sizeof(control)};
    CHECK_EQ_LL(recvmsg(r, &msg, 0), 1);
    struct sockaddr_un sname;
    len = sizeof(sname);
    CHECK(getsockname(s, (struct sockaddr*)&sname, &len) == 0);
    CHECK_EQ_LL(msg.msg_namelen, len);
    CHECK(memcmp(&from, &sname, len) == 0);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    CHECK(c != NULL && c->cmsg_type == SCM_CREDENTIALS);
    if (c != NULL) {
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
        CHECK_EQ_LL(cred.pid, getpid());
        CHECK_EQ_LL(cred.uid, getuid());
    }
    close(fd);
    close(r);
    close(s);
}

static void dgram(void) {
    int srv = bound(SOCK_DGRAM, "unix_dgram.sock");
    int cli = bound(SOCK_DGRAM, "@unix-test-dgram-client");
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, "unix_dgram.sock");
    CHECK_EQ_LL(sendto(cli, "hello", 5, 0, (struct sockaddr*)&a, len), 5);
    char buf[16];
    memset(&a, 0x55, sizeof(a));
    len = sizeof(a);
    CHECK_EQ_LL(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr*)&a, &len), 5);
    check_addr(&a, len, "@unix-test-dgram-client");
    CHECK_EQ_LL(sendto(srv, "back", 4, 0, (struct sockaddr*)&a, len), 4);
    memset(&a, 0x55, sizeof(a));
    len = sizeof(a);
    CHECK_EQ_LL(recvfrom(cli, buf, sizeof(buf), 0, (struct sockaddr*)&a, &len), 4);
    check_addr(&a, len, "unix_dgram.sock");
    CHECK_ERRNO(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    /* Connected: send without an address; getpeername. */
    CHECK(connect(cli, (struct sockaddr*)&a, len) == 0);
    check_sockname(cli, true, "unix_dgram.sock");
    CHECK_EQ_LL(send(cli, "c", 1, 0), 1);
    CHECK_EQ_LL(recv(srv, buf, sizeof(buf), 0), 1);
    /* Nobody at an address. */
    len = make_addr(&a, "@unix-test-nobody");
    CHECK_ERRNO(sendto(srv, "x", 1, 0, (struct sockaddr*)&a, len), ECONNREFUSED);
    close(srv);
    close(cli);
    unlink("unix_dgram.sock");
}

static void seqpacket(void) {
    int l = bound(SOCK_SEQPACKET, "@unix-test-seqpacket");
    CHECK(listen(l, 4) == 0);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, "@unix-test-seqpacket");
    CHECK(connect(c, (struct sockaddr*)&a, len) == 0);
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    CHECK_EQ_LL(send(c, "abc", 3, 0), 3);
    CHECK_EQ_LL(send(c, "defg", 4, 0), 4);
    char buf[16];
    CHECK_EQ_LL(recv(s, buf, sizeof(buf), 0), 3);
    CHECK_EQ_LL(recv(s, buf, 2, 0), 2); /* the rest of the record is gone */
    CHECK(memcmp(buf, "de", 2) == 0);
    CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    close(c);
    CHECK_EQ_LL(recv(s, buf, sizeof(buf), 0), 0);
    close(s);
    close(l);
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_ms(long ms) {
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* The child sleeps 100 ms, connects to the pathname listener, passes a pipe's write end
 * (SCM_RIGHTS) with its credentials, and checks its peer. */
static void child_connects(void) {
    sleep_ms(100);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, "unix_rights.sock");
    if (connect(c, (struct sockaddr*)&a, len) != 0) {
        _exit(2);
    }
    char buf[8];
    if (recv(c, buf, sizeof(buf), 0) != 2) {
        _exit(3);
    }
    _exit(0); /* the descriptor that came with "fd" had no room: the kernel closed it */
}

static void rights_and_credentials(void) {
    int l = bound(SOCK_STREAM, "unix_rights.sock");
    CHECK(listen(l, 1) == 0);
    long long start = now_ns();
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        child_connects();
    }
    int s = accept(l, NULL, NULL); /* blocks until the child connects */
    long long waited = now_ns() - start;
    ASSERT(s >= 0);
    if (running_in_sim()) {
        CHECK_EQ_LL(waited, 100000000LL);
    } else {
        CHECK(waited >= 100000000LL);
    }
    struct ucred cred;
    socklen_t len = sizeof(cred);
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0);
    CHECK_EQ_LL(cred.pid, child);
    /* Pass a pipe's write end; once the child has taken the message (and the kernel dropped the
     * descriptor, for which it gave no room), the read end sees EOF. */
    int p[2];
    ASSERT(pipe(p) == 0);
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec iov = {.iov_base = "fd", .iov_len = 2};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                         .msg_controllen = sizeof(control)};
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    CHECK_EQ_LL(sendmsg(s, &msg, 0), 2);
    close(p[1]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char b;
    CHECK_EQ_LL(read(p[0], &b, 1), 0);
    close(p[0]);
    close(s);
    close(l);
    unlink("unix_rights.sock");
}

/* SCM_RIGHTS the other way, received: the child sends a pipe's read end over a socketpair-free
 * pathname connection, and the parent reads what the child wrote into the pipe. */
static void rights_received(void) {
    int l = bound(SOCK_STREAM, "unix_rights2.sock");
    CHECK(listen(l, 1) == 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a;
        socklen_t len = make_addr(&a, "unix_rights2.sock");
        int p[2];
        if (connect(c, (struct sockaddr*)&a, len) != 0 || pipe(p) != 0 ||
            write(p[1], "via pipe", 8) != 8) {
            _exit(2);
        }
        union {
            struct cmsghdr align;
            char space[CMSG_SPACE(sizeof(int))];
        } control;
        memset(&control, 0, sizeof(control));
        struct iovec iov = {.iov_base = "r", .iov_len = 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control)};
        struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
        _exit(sendmsg(c, &msg, 0) == 1 ? 0 : 3);
    }
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    char byte;
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                         .msg_controllen = sizeof(control)};
    CHECK_EQ_LL(recvmsg(s, &msg, 0), 1);
    struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    CHECK(cm != NULL && cm->cmsg_type == SCM_RIGHTS);
    if (cm != NULL) {
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
        char buf[16];
        CHECK_EQ_LL(read(fd, buf, sizeof(buf)), 8);
        CHECK(memcmp(buf, "via pipe", 8) == 0);
        close(fd);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(s);
    close(l);
    unlink("unix_rights2.sock");
}

/* listen(fd, 0) queues one connection; a second blocking connect waits until it is accepted. */
static void full_backlog(void) {
    int l = bound(SOCK_STREAM, "@unix-test-backlog");
    CHECK(listen(l, 0) == 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct sockaddr_un a;
        socklen_t len = make_addr(&a, "@unix-test-backlog");
        int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
        int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c1, (struct sockaddr*)&a, len) != 0) {
            _exit(2);
        }
        if (connect(c2, (struct sockaddr*)&a, len) != -1 || errno != EAGAIN) {
            _exit(3);
        }
        long long start = now_ns();
        if (connect(c3, (struct sockaddr*)&a, len) != 0) { /* waits for the first accept */
            _exit(4);
        }
        /* Under umbra the accept comes 50 ms after the start (natively the child may start
         * late); the connect tries again at most 1 ms after it. */
        long long waited = now_ns() - start;
        _exit(!running_in_sim() || (waited >= 50000000LL && waited <= 51000000LL) ? 0 : 5);
    }
    sleep_ms(50);
    int s1 = accept(l, NULL, NULL);
    int s2 = accept(l, NULL, NULL);
    CHECK(s1 >= 0 && s2 >= 0);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK_EQ_LL(WEXITSTATUS(status), 0);
    close(s1);
    close(s2);
    close(l);
}

int main(void) {
    stream(SOCK_STREAM, "unix_stream.sock", NULL);
    unlink("unix_stream.sock");
    stream(SOCK_STREAM, "@unix-test-stream", "@unix-test-stream-client");
    stream(SOCK_STREAM, "@unix-test-stream2", "unix_client.sock");
    unlink("unix_client.sock");
    stream(SOCK_SEQPACKET, "unix_seq.sock", NULL);
    unlink("unix_seq.sock");
    errors();
    autobind();
    dgram();
    seqpacket();
    rights_and_credentials();
    rights_received();
    full_backlog();
    test_done();
}
