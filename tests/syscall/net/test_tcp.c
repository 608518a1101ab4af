/* TCP sockets on one host (loopback), natively and under umbra: the socket calls a TCP program
 * makes and what Linux answers.
 *
 * - socket, bind (EADDRINUSE; SO_REUSEADDR; port 0), listen, getsockname, accept and accept4
 *   (flags, peer address), a non-blocking accept's EAGAIN;
 * - connect: blocking; non-blocking with EINPROGRESS, poll for POLLOUT, SO_ERROR, EALREADY/EISCONN;
 *   ECONNREFUSED from a port nothing listens on (blocking and non-blocking);
 * - data both ways: send/recv, read/write, sendmsg/recvmsg with several iovecs, MSG_PEEK,
 *   MSG_WAITALL, MSG_DONTWAIT's EAGAIN, FIONREAD, 4 MiB through a forked peer with a checksum;
 * - shutdown(SHUT_WR): the peer reads the end of the stream, and can still send back;
 * - the peer closed: POLLIN|POLLRDHUP, recv 0; writing to a reset connection gives EPIPE and
 *   SIGPIPE (MSG_NOSIGNAL: no signal); close with unread data resets the peer (ECONNRESET);
 * - options: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_RCVBUF/SO_SNDBUF (doubled),
 *   SO_KEEPALIVE, SO_LINGER, TCP_NODELAY, TCP_MAXSEG, TCP_CONGESTION (cubic, reno, ENOENT),
 *   TCP_INFO's state, IP_TOS;
 * - sendfile from a file to a socket, with and without an offset;
 * - getpeername's ENOTCONN on a listener. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static struct sockaddr_in loopback(uint16_t port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return a;
}

/* A listener on 127.0.0.1 with an ephemeral port; *port gets it. */
static int listener(uint16_t* port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in a = loopback(0);
    ASSERT(bind(fd, (struct sockaddr*)&a, sizeof(a)) == 0);
    ASSERT(listen(fd, 16) == 0);
    socklen_t len = sizeof(a);
    ASSERT(getsockname(fd, (struct sockaddr*)&a, &len) == 0);
    CHECK_EQ_LL(len, sizeof(a));
    CHECK(a.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(ntohs(a.sin_port) != 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_to(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in a = loopback(port);
    ASSERT(connect(fd, (struct sockaddr*)&a, sizeof(a)) == 0);
    return fd;
}

static int getint(int fd, int level, int name) {
    int v = -12345;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(fd, level, name, &v, &len) == 0);
    CHECK_EQ_LL(len, sizeof(v));
    return v;
}

/* The machine's default congestion control. */
static const char* system_cc(void) {
    static char name[32];
    FILE* f = fopen("/proc/sys/net/ipv4/tcp_congestion_control", "r");
    if (f == NULL || fscanf(f, "%31s", name) != 1) {
        strcpy(name, "cubic");
    }
    if (f != NULL) {
        fclose(f);
    }
    return name;
}

static void test_bind_and_options(void) {
    uint16_t port;
    int l = listener(&port);
    CHECK_EQ_LL(getint(l, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    CHECK_EQ_LL(getint(l, SOL_SOCKET, SO_DOMAIN), AF_INET);
    CHECK_EQ_LL(getint(l, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    CHECK_EQ_LL(getint(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
    /* A second socket on the same port: EADDRINUSE, also with SO_REUSEADDR (it listens). */
    int b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    CHECK_ERRNO(bind(b, (struct sockaddr*)&a, sizeof(a)), EADDRINUSE);
    int one = 1;
    CHECK(setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    CHECK_ERRNO(bind(b, (struct sockaddr*)&a, sizeof(a)), EADDRINUSE);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_ACCEPTCONN), 0);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_REUSEADDR), 1);
    /* Buffers: set values come back doubled. */
    int v = 65536;
    CHECK(setsockopt(b, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_RCVBUF), 131072);
    CHECK(setsockopt(b, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_SNDBUF), 131072);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_KEEPALIVE), 0);
    CHECK(setsockopt(b, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0);
    CHECK_EQ_LL(getint(b, SOL_SOCKET, SO_KEEPALIVE), 1);
    struct linger lg = {.l_onoff = 1, .l_linger = 7};
    CHECK(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
    struct linger lg2;
    socklen_t len = sizeof(lg2);
    CHECK(getsockopt(b, SOL_SOCKET, SO_LINGER, &lg2, &len) == 0);
    CHECK(lg2.l_onoff == 1 && lg2.l_linger == 7);
    CHECK_EQ_LL(getint(b, IPPROTO_TCP, TCP_NODELAY), 0);
    CHECK(setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
    CHECK_EQ_LL(getint(b, IPPROTO_TCP, TCP_NODELAY), 1);
    CHECK_EQ_LL(getint(b, IPPROTO_TCP, TCP_MAXSEG), 536); /* unconnected: TCP_MSS_DEFAULT */
    char cc[16] = {0};
    len = sizeof(cc);
    CHECK(getsockopt(b, IPPROTO_TCP, TCP_CONGESTION, cc, &len) == 0);
    /* umbra's default is Linux's, cubic; a machine may have set another. */
    CHECK(strcmp(cc, running_in_sim() ? "cubic" : system_cc()) == 0);
    CHECK(setsockopt(b, IPPROTO_TCP, TCP_CONGESTION, "reno", 4) == 0);
    len = sizeof(cc);
    CHECK(getsockopt(b, IPPROTO_TCP, TCP_CONGESTION, cc, &len) == 0);
    CHECK(strcmp(cc, "reno") == 0);
    CHECK_ERRNO(setsockopt(b, IPPROTO_TCP, TCP_CONGESTION, "nosuch", 6), ENOENT);
    int tos = 0x10;
    CHECK(setsockopt(b, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) == 0);
    CHECK_EQ_LL(getint(b, IPPROTO_IP, IP_TOS), 0x10);
    struct tcp_info ti;
    len = sizeof(ti);
    CHECK(getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0);
    CHECK_EQ_LL(ti.tcpi_state, 10); /* TCP_LISTEN */
    struct sockaddr_in peer;
    len = sizeof(peer);
    CHECK_ERRNO(getpeername(l, (struct sockaddr*)&peer, &len), ENOTCONN);
    /* A non-blocking accept with nothing queued. */
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
    CHECK_ERRNO(accept(l, NULL, NULL), EAGAIN);
    close(b);
    close(l);
}

static void test_refused(void) {
    uint16_t port;
    int l = listener(&port);
    close(l); /* nothing listens on the port any more */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    CHECK_ERRNO(connect(c, (struct sockaddr*)&a, sizeof(a)), ECONNREFUSED);
    close(c);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK_ERRNO(connect(c, (struct sockaddr*)&a, sizeof(a)), EINPROGRESS);
    struct pollfd p = {.fd = c, .events = POLLOUT};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    CHECK(p.revents & (POLLOUT | POLLERR | POLLHUP));
    CHECK_EQ_LL(getint(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
    CHECK_EQ_LL(getint(c, SOL_SOCKET, SO_ERROR), 0);
    close(c);
}

static void test_connect_accept(void) {
    uint16_t port;
    int l = listener(&port);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loopback(port);
    CHECK_ERRNO(connect(c, (struct sockaddr*)&a, sizeof(a)), EINPROGRESS);
    struct pollfd p = {.fd = c, .events = POLLOUT};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    CHECK(p.revents == POLLOUT);
    CHECK_EQ_LL(getint(c, SOL_SOCKET, SO_ERROR), 0);
    /* The first connect after a non-blocking one completed says 0, the next EISCONN. */
    CHECK_EQ_LL(connect(c, (struct sockaddr*)&a, sizeof(a)), 0);
    CHECK_ERRNO(connect(c, (struct sockaddr*)&a, sizeof(a)), EISCONN);
    struct pollfd lp = {.fd = l, .events = POLLIN};
    CHECK_EQ_LL(poll(&lp, 1, 5000), 1);
    struct sockaddr_in from;
    socklen_t len = sizeof(from);
    int s = accept4(l, (struct sockaddr*)&from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    ASSERT(s >= 0);
    CHECK_EQ_LL(len, sizeof(from));
    CHECK(from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    struct sockaddr_in mine;
    len = sizeof(mine);
    CHECK(getsockname(c, (struct sockaddr*)&mine, &len) == 0);
    CHECK(mine.sin_port == from.sin_port);
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
    struct sockaddr_in peer;
    len = sizeof(peer);
    CHECK(getpeername(s, (struct sockaddr*)&peer, &len) == 0);
    CHECK(peer.sin_port == mine.sin_port);
    len = sizeof(peer);
    CHECK(getpeername(c, (struct sockaddr*)&peer, &len) == 0);
    CHECK_EQ_LL(ntohs(peer.sin_port), port);
    struct tcp_info ti;
    len = sizeof(ti);
    CHECK(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0);
    CHECK_EQ_LL(ti.tcpi_state, 1); /* TCP_ESTABLISHED */

    /* Nothing to read yet. */
    char buf[64];
    CHECK_ERRNO(recv(s, buf, sizeof(buf), 0), EAGAIN);
    CHECK_ERRNO(recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    /* Data both ways, with a peek and FIONREAD. */
    CHECK_EQ_LL(send(c, "hello", 5, 0), 5);
    p = (struct pollfd){.fd = s, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    int n = -1;
    CHECK(ioctl(s, FIONREAD, &n) == 0);
    CHECK_EQ_LL(n, 5);
    CHECK_EQ_LL(recv(s, buf, 3, MSG_PEEK), 3);
    CHECK(memcmp(buf, "hel", 3) == 0);
    CHECK_EQ_LL(read(s, buf, sizeof(buf)), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    struct iovec iov[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 3};
    CHECK_EQ_LL(sendmsg(s, &msg, 0), 6);
    CHECK(fcntl(c, F_SETFL, 0) == 0); /* blocking from here */
    char x[2], y[4];
    struct iovec riov[2] = {{x, 2}, {y, 4}};
    struct msghdr rmsg = {.msg_iov = riov, .msg_iovlen = 2};
    CHECK_EQ_LL(recvmsg(c, &rmsg, MSG_WAITALL), 6);
    CHECK(memcmp(x, "ab", 2) == 0 && memcmp(y, "cdef", 4) == 0);
    CHECK_EQ_LL(rmsg.msg_flags, 0);
    /* Half-close: the server reads the end of the stream and still answers. */
    CHECK(shutdown(c, SHUT_WR) == 0);
    CHECK(fcntl(s, F_SETFL, 0) == 0);
    CHECK_EQ_LL(recv(s, buf, sizeof(buf), 0), 0);
    CHECK_EQ_LL(write(s, "bye", 3), 3);
    CHECK_EQ_LL(recv(c, buf, 3, MSG_WAITALL), 3);
    CHECK(memcmp(buf, "bye", 3) == 0);
    close(s);
    p = (struct pollfd){.fd = c, .events = POLLIN | POLLRDHUP};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLIN);
    CHECK(p.revents & POLLRDHUP);
    CHECK_EQ_LL(recv(c, buf, sizeof(buf), 0), 0);
    close(c);
    close(l);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* SO_RCVTIMEO bounds a blocking receive (EAGAIN after it, 100 ms exactly under umbra); MSG_TRUNC
 * discards what it would read; keepalive parameters and TCP_USER_TIMEOUT read back (Linux's
 * defaults first: 7200 s, 75 s, 9 probes). */
static void test_timeouts_and_keepalive(void) {
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    CHECK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    struct timeval back;
    socklen_t len = sizeof(back);
    CHECK(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &back, &len) == 0);
    CHECK(back.tv_sec == 0 && back.tv_usec == 100000);
    char buf[16];
    long long t0 = now_ns();
    CHECK_ERRNO(recv(c, buf, sizeof(buf), 0), EAGAIN);
    long long waited = now_ns() - t0;
    CHECK(waited >= 100000000LL);
    if (running_in_sim()) {
        CHECK_EQ_LL(waited, 100000000LL);
    }
    CHECK_EQ_LL(send(s, "abcdef", 6, 0), 6);
    CHECK_EQ_LL(recv(c, buf, 4, MSG_TRUNC | MSG_WAITALL), 4); /* discarded, not copied */
    CHECK_EQ_LL(recv(c, buf, sizeof(buf), 0), 2);
    CHECK(memcmp(buf, "ef", 2) == 0);
    CHECK_EQ_LL(getint(c, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
    CHECK_EQ_LL(getint(c, IPPROTO_TCP, TCP_KEEPINTVL), 75);
    CHECK_EQ_LL(getint(c, IPPROTO_TCP, TCP_KEEPCNT), 9);
    int v = 30;
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)) == 0);
    CHECK_EQ_LL(getint(c, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    v = 0;
    CHECK_ERRNO(setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), EINVAL);
    v = 5000;
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v)) == 0);
    CHECK_EQ_LL(getint(c, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
    close(s);
    close(c);
    close(l);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) {
    (void)sig;
    got_sigpipe++;
}

static void test_reset(void) {
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    /* The server closes with unread data: the client is reset. */
    CHECK_EQ_LL(send(c, "unread", 6, 0), 6);
    struct pollfd p = {.fd = s, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    close(s);
    p = (struct pollfd){.fd = c, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 5000), 1);
    CHECK(p.revents & (POLLERR | POLLHUP));
    char buf[16];
    CHECK_ERRNO(recv(c, buf, sizeof(buf), 0), ECONNRESET);
    /* The error was reported: POLLERR goes, the hang-up stays. */
    p = (struct pollfd){.fd = c, .events = POLLIN};
    CHECK_EQ_LL(poll(&p, 1, 0), 1);
    CHECK(p.revents & POLLHUP);
    CHECK(!(p.revents & POLLERR));
    /* Writing to it now: EPIPE, with SIGPIPE unless MSG_NOSIGNAL. */
    struct sigaction sa = {.sa_handler = on_sigpipe};
    sigaction(SIGPIPE, &sa, NULL);
    got_sigpipe = 0;
    CHECK_ERRNO(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ_LL(got_sigpipe, 0);
    CHECK_ERRNO(write(c, "x", 1), EPIPE);
    CHECK_EQ_LL(got_sigpipe, 1);
    signal(SIGPIPE, SIG_DFL);
    close(c);
    close(l);
}

static uint64_t fnv(uint64_t h, const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

static unsigned char pattern(size_t i) {
    return (unsigned char)((i * 7 + (i >> 12)) & 0xff);
}

/* 4 MiB from a forked child, in writes of odd sizes; the checksum must match. */
static void test_bulk(void) {
    const size_t total = 4u << 20;
    uint16_t port;
    int l = listener(&port);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        int c = connect_to(port);
        unsigned char buf[70001];
        size_t sent = 0;
        while (sent < total) {
            size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
            for (size_t i = 0; i < n; i++) {
                buf[i] = pattern(sent + i);
            }
            ssize_t w = write(c, buf, n);
            if (w <= 0) {
                _exit(2);
            }
            sent += (size_t)w;
        }
        close(c);
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    uint64_t want = 0xcbf29ce484222325ULL, got = want;
    for (size_t i = 0; i < total; i++) {
        unsigned char b = pattern(i);
        want = fnv(want, &b, 1);
    }
    unsigned char buf[65536];
    size_t received = 0;
    for (;;) {
        ssize_t r = read(s, buf, sizeof(buf));
        ASSERT(r >= 0);
        if (r == 0) {
            break;
        }
        got = fnv(got, buf, (size_t)r);
        received += (size_t)r;
    }
    CHECK_EQ_LL(received, total);
    CHECK(got == want);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(s);
    close(l);
}

static void test_sendfile(void) {
    char path[] = "tcp_sendfile_XXXXXX";
    int f = mkstemp(path);
    ASSERT(f >= 0);
    unlink(path);
    char data[10000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (char)('a' + i % 26);
    }
    ASSERT(write(f, data, sizeof(data)) == (ssize_t)sizeof(data));
    uint16_t port;
    int l = listener(&port);
    int c = connect_to(port);
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    off_t off = 100;
    CHECK_EQ_LL(sendfile(s, f, &off, 500), 500);
    CHECK_EQ_LL(off, 600);
    CHECK_EQ_LL(lseek(f, 0, SEEK_CUR), sizeof(data)); /* the position did not move */
    CHECK(lseek(f, 9000, SEEK_SET) == 9000);
    CHECK_EQ_LL(sendfile(s, f, NULL, 5000), 1000); /* up to the end of the file */
    CHECK_EQ_LL(lseek(f, 0, SEEK_CUR), sizeof(data));
    char buf[1500];
    CHECK_EQ_LL(recv(c, buf, sizeof(buf), MSG_WAITALL), 1500);
    CHECK(memcmp(buf, data + 100, 500) == 0);
    CHECK(memcmp(buf + 500, data + 9000, 1000) == 0);
    close(s);
    close(c);
    close(l);
    close(f);
}

int main(void) {
    test_bind_and_options();
    test_refused();
    test_connect_accept();
    test_reset();
    test_timeouts_and_keepalive();
    test_bulk();
    test_sendfile();
    test_done();
}
