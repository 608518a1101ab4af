/* AF_UNIX socketpair (issue 5): stream, datagram and seqpacket pairs carry data both ways with
 * their boundaries (or none, for a stream); a blocking receive in one process is woken by the
 * other's send (exactly after the sender's sleep, under umbra); SOCK_NONBLOCK and MSG_DONTWAIT
 * give EAGAIN; poll sees readability; shutdown gives EOF; SCM_RIGHTS passes a descriptor to
 * another process; SO_PEERCRED names the peer by its pid; SO_TYPE; an AF_INET pair is
 * EOPNOTSUPP. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../test_util.h"

static void boundaries(int type) {
    int sv[2];
    ASSERT(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(send(sv[0], "abc", 3, 0) == 3);
    CHECK(send(sv[0], "defg", 4, 0) == 4);
    char buf[16];
    if (type == SOCK_STREAM) {
        /* A stream has no boundaries: one receive may take both. */
        ssize_t got = 0;
        while (got < 7) {
            ssize_t n = recv(sv[1], buf + got, sizeof(buf) - (size_t)got, 0);
            ASSERT(n > 0);
            got += n;
        }
        CHECK(memcmp(buf, "abcdefg", 7) == 0);
    } else {
        CHECK_EQ_LL(recv(sv[1], buf, sizeof(buf), 0), 3);
        CHECK_EQ_LL(recv(sv[1], buf, 2, 0), 2); /* truncated: the rest of "defg" is gone */
        CHECK(memcmp(buf, "de", 2) == 0);
    }
    CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    /* The other way round. */
    CHECK(write(sv[1], "xy", 2) == 2);
    CHECK_EQ_LL(read(sv[0], buf, sizeof(buf)), 2);
    int so_type = 0;
    socklen_t len = sizeof(so_type);
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &so_type, &len) == 0);
    CHECK_EQ_LL(so_type, type);
    close(sv[0]);
    close(sv[1]);
}

static void blocking_and_polling(void) {
    int sv[2];
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct pollfd p = {.fd = sv[1], .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        struct timespec d = {0, 200000000L};
        nanosleep(&d, NULL);
        _exit(send(sv[0], "wake", 4, 0) == 4 ? 0 : 1);
    }
    long long t0 = now_ns_on(CLOCK_MONOTONIC);
    char buf[8];
    CHECK_EQ_LL(recv(sv[1], buf, sizeof(buf), 0), 4); /* blocks until the child sends */
    long long waited = now_ns_on(CLOCK_MONOTONIC) - t0;
    CHECK(waited >= 200000000LL);
    if (running_in_sim()) {
        CHECK(waited < 201000000LL); /* exactly the child's sleep, give or take latency */
    }
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(send(sv[0], "q", 1, 0) == 1);
    CHECK_EQ_LL(poll(&p, 1, 0), 1);
    CHECK(p.revents & POLLIN);
    CHECK_EQ_LL(recv(sv[1], buf, sizeof(buf), 0), 1);
    /* EOF after the peer shuts its sending side down. */
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    CHECK_EQ_LL(recv(sv[1], buf, sizeof(buf), 0), 0);
    close(sv[0]);
    close(sv[1]);

    int nb[2];
    ASSERT(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, nb) == 0);
    CHECK_ERRNO(recv(nb[0], buf, sizeof(buf), 0), EAGAIN);
    CHECK_ERRNO(read(nb[0], buf, sizeof(buf)), EAGAIN);
    close(nb[0]);
    close(nb[1]);
}

/* SCM_RIGHTS: a pipe's read end travels to a child, which reads what the parent writes. */
static void pass_descriptor(void) {
    int sv[2], pipefd[2];
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    ASSERT(pipe(pipefd) == 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        char control[CMSG_SPACE(sizeof(int))];
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof(control)};
        if (recvmsg(sv[1], &msg, 0) != 1) {
            _exit(2);
        }
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        if (c == NULL || c->cmsg_type != SCM_RIGHTS) {
            _exit(3);
        }
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
        char buf[8] = {0};
        _exit(read(fd, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : 4);
    }
    char byte = 'F';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof(control)};
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pipefd[0], sizeof(int));
    CHECK_EQ_LL(sendmsg(sv[0], &msg, 0), 1);
    close(pipefd[0]);
    CHECK(write(pipefd[1], "hello", 5) == 5);
    int status;
    CHECK_EQ_LL(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(pipefd[1]);
    close(sv[0]);
    close(sv[1]);
}

/* SO_PEERCRED: the peer is the process that made the pair (the credentials are taken then). */
static void peer_credentials(void) {
    int sv[2];
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct ucred cred;
    socklen_t len = sizeof(cred);
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0);
    CHECK_EQ_LL(len, sizeof(cred));
    CHECK_EQ_LL(cred.pid, getpid());
    CHECK_EQ_LL(cred.uid, getuid());
    CHECK_EQ_LL(cred.gid, getgid());
    close(sv[0]);
    close(sv[1]);
}

int main(void) {
    boundaries(SOCK_STREAM);
    boundaries(SOCK_DGRAM);
    boundaries(SOCK_SEQPACKET);
    blocking_and_polling();
    pass_descriptor();
    peer_credentials();
    int sv[2];
    CHECK_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    test_done();
    return 0;
}
