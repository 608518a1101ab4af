/* UDP bulk transfer (issue 5, the network model): a sender pushes numbered datagrams as fast as
 * it can; a receiver records when each arrives.
 *
 *   test_udp_bulk recv PORT COUNT WAIT_MS   receive on 0.0.0.0:PORT until COUNT datagrams came
 *                                           or none for WAIT_MS; print "arrival <seq> <ns>" per
 *                                           datagram (ns since the first), then "received <n>",
 *                                           "first_ns <CLOCK_MONOTONIC of the first>",
 *                                           "span_ns <last - first>" and "rate_bps <r>": the
 *                                           wire bits (payload + IP 20 + UDP 8) of all but the
 *                                           first datagram over the span
 *   test_udp_bulk send HOST PORT COUNT SIZE send COUNT datagrams of SIZE bytes to HOST:PORT
 *                                           back to back (blocking sends); print "sent <n>" and
 *                                           "send_ns <time the sends took>"; with a 6th
 *                                           argument "timeo", then fill the send buffer with
 *                                           SO_SNDTIMEO 100 us to HOST:PORT+1 until EAGAIN,
 *                                           then check non-blocking sends and POLLOUT on the
 *                                           full buffer (umbra only: natively no UDP send
 *                                           buffer fills so easily)
 *   test_udp_bulk send2 HOST PORT COUNT SIZE two sockets send COUNT each, numbered i and
 *                                           65536 + i, all of the first's written first
 *   test_udp_bulk local                     both on this machine (the native run): a forked
 *                                           receiver gets 20 datagrams over loopback, in order
 *
 * Under umbra, udp_bulk*.yaml.in put them on a GML graph whose bottleneck is 10 Mbit/s and
 * check_udp_bulk.sh checks the rate the receiver saw. */
#include <arpa/inet.h>
#include <netdb.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

#define WIRE_OVERHEAD 28 /* IPv4 20 + UDP 8 */

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int receiver(const char* port, int count, int wait_ms, bool quiet) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)atoi(port)),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    ASSERT(bind(fd, (struct sockaddr*)&a, sizeof(a)) == 0);
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    ASSERT(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    static char buf[65536];
    long long first = 0, last = 0, wire = 0;
    int n = 0, last_seq[2] = {-1, -1};
    while (n < count) {
        ssize_t len = recv(fd, buf, sizeof(buf), 0);
        if (len < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        long long t = now_ns();
        int seq = -1;
        CHECK(len >= 4);
        memcpy(&seq, buf, sizeof(seq));
        /* One path, one queue per socket: a socket's datagrams are never reordered. */
        int stream = (seq >> 16) & 1;
        CHECK(seq > last_seq[stream]);
        last_seq[stream] = seq;
        if (n == 0) {
            first = t;
        } else {
            wire += len + WIRE_OVERHEAD;
        }
        last = t;
        n++;
        if (!quiet) {
            printf("arrival %d %lld\n", seq, t - first);
        }
    }
    printf("received %d\n", n);
    printf("first_ns %lld\n", first);
    printf("span_ns %lld\n", last - first);
    if (last > first) {
        printf("rate_bps %lld\n", wire * 8 * 1000000000LL / (last - first));
    }
    close(fd);
    return n;
}

/* With the send buffer still full: non-blocking sends (MSG_DONTWAIT, O_NONBLOCK) fail with
 * EAGAIN and poll shows no POLLOUT, as Linux's sock_writeable; POLLOUT comes back once packets
 * have left and at most half the buffer is in use (sock_def_write_space), and a send goes. */
static void nonblocking_full(int fd, const char* msg, int size, const struct sockaddr_in* to) {
    const struct sockaddr* a = (const struct sockaddr*)to;
    CHECK_ERRNO(sendto(fd, msg, (size_t)size, MSG_DONTWAIT, a, sizeof(*to)), EAGAIN);
    int fl = fcntl(fd, F_GETFL);
    ASSERT(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
    CHECK_ERRNO(sendto(fd, msg, (size_t)size, 0, a, sizeof(*to)), EAGAIN);
    ASSERT(fcntl(fd, F_SETFL, fl) == 0);
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
    CHECK_EQ_LL(poll(&pfd, 1, 0), 0);
    printf("dontwait: EAGAIN, no POLLOUT\n");
    long long t0 = now_ns();
    CHECK_EQ_LL(poll(&pfd, 1, 5000), 1);
    CHECK_EQ_LL(pfd.revents, POLLOUT);
    printf("pollout after %lld ns\n", now_ns() - t0);
    CHECK_EQ_LL(sendto(fd, msg, (size_t)size, MSG_DONTWAIT, a, sizeof(*to)), size);
    printf("dontwait sent\n");
}

static void sender(const char* host, const char* port, int count, int size, bool timeo) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
    struct addrinfo* res = NULL;
    int rv = getaddrinfo(host, port, &hints, &res);
    if (rv != 0) {
        printf("getaddrinfo(%s): %s\n", host, gai_strerror(rv));
        exit(1);
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    char* msg = calloc(1, (size_t)size);
    ASSERT(msg != NULL && size >= 4);
    int sent = 0;
    long long start = now_ns();
    for (int i = 0; i < count; i++) {
        memcpy(msg, &i, sizeof(i));
        ssize_t r = sendto(fd, msg, (size_t)size, 0, res->ai_addr, res->ai_addrlen);
        CHECK_EQ_LL(r, size);
        sent += r == size;
    }
    printf("sent %d\n", sent);
    /* A blocking sendto waits while the socket's datagrams fill its send buffer. */
    printf("send_ns %lld\n", now_ns() - start);
    if (timeo) {
        /* The buffer is still full of the transfer: with SO_SNDTIMEO 100 us, sends to a port
         * with nothing bound (so the receiver's count stays) fill it and then fail with EAGAIN
         * after exactly 100 us, as no datagram leaves that soon (they leave on the token
         * bucket's 1 ms grid, and the last one just did); had one left, the send would go on,
         * as in Linux. Then the non-blocking sends on the full buffer. */
        struct timeval tv = {0, 100};
        ASSERT(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
        struct sockaddr_in other;
        memcpy(&other, res->ai_addr, sizeof(other));
        other.sin_port = htons((uint16_t)(ntohs(other.sin_port) + 1));
        long long t0 = now_ns(), t1 = t0;
        int extra = 0;
        for (; extra < 1000; extra++) {
            t1 = now_ns();
            if (sendto(fd, msg, (size_t)size, 0, (struct sockaddr*)&other, sizeof(other)) < 0) {
                CHECK(errno == EAGAIN);
                break;
            }
        }
        printf("sndtimeo: %d more sent, then EAGAIN after %lld ns\n", extra, now_ns() - t1);
        nonblocking_full(fd, msg, size, &other);
    }
    free(msg);
    freeaddrinfo(res);
    close(fd);
}

/* Two sockets write COUNT datagrams each, all of the first's before the second's (numbered i
 * and 65536 + i): the interface queue decides the order in which they leave. */
static void sender2(const char* host, const char* port, int count, int size) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
    struct addrinfo* res = NULL;
    ASSERT(getaddrinfo(host, port, &hints, &res) == 0);
    int fds[2];
    char* msg = calloc(1, (size_t)size);
    ASSERT(msg != NULL && size >= 4);
    for (int k = 0; k < 2; k++) {
        fds[k] = socket(AF_INET, SOCK_DGRAM, 0);
        ASSERT(fds[k] >= 0);
    }
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < count; i++) {
            int seq = (k << 16) + i;
            memcpy(msg, &seq, sizeof(seq));
            CHECK_EQ_LL(sendto(fds[k], msg, (size_t)size, 0, res->ai_addr, res->ai_addrlen), size);
        }
    }
    printf("sent %d\n", 2 * count);
    free(msg);
    freeaddrinfo(res);
    close(fds[0]);
    close(fds[1]);
}

int main(int argc, char** argv) {
    if (argc == 5 && strcmp(argv[1], "recv") == 0) {
        receiver(argv[2], atoi(argv[3]), atoi(argv[4]), false);
    } else if ((argc == 6 || argc == 7) && strcmp(argv[1], "send") == 0) {
        sender(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]),
               argc == 7 && strcmp(argv[6], "timeo") == 0);
    } else if (argc == 6 && strcmp(argv[1], "send2") == 0) {
        sender2(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    } else if (argc == 2 && strcmp(argv[1], "local") == 0) {
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            _exit(receiver("17781", 20, 1000, true) == 20 && test_failures == 0 ? 0 : 1);
        }
        struct timespec settle = {0, 50 * 1000000L}; /* let the receiver bind */
        nanosleep(&settle, NULL);
        sender("localhost", "17781", 20, 1400, false); /* 20 x 1400 fits any receive buffer */
        int status = 0;
        CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        fprintf(stderr, "usage: %s recv PORT COUNT WAIT_MS | send HOST PORT COUNT SIZE | local\n",
                argv[0]);
        return 2;
    }
    test_done();
}
