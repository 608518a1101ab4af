/* UDP ping (issue 5, done-when 4): a client resolves the server by host name with getaddrinfo,
 * sends numbered datagrams and prints each round trip measured with clock_gettime; the server
 * echoes them.
 *
 *   test_udp_ping server PORT COUNT      echo COUNT datagrams on 0.0.0.0:PORT, then exit
 *   test_udp_ping client HOST PORT COUNT [SIZE]
 *                                        ping HOST:PORT COUNT times, printing "rtt <i> <ns>";
 *                                        with SIZE, each ping is padded to SIZE bytes
 *   test_udp_ping sink PORT WAIT_MS      count datagrams on 0.0.0.0:PORT until none came for
 *                                        WAIT_MS, print "received <n>"
 *   test_udp_ping flood HOST PORT COUNT  send COUNT datagrams to HOST:PORT, 1 ms apart
 *   test_udp_ping local                  all of it on this machine (the native run): a forked
 *                                        server and a client pinging "localhost", then a forked
 *                                        sink that must get every datagram of a flood
 *
 * After its pings, the client also sends to a port with nothing bound on the server's host and
 * prints how long its connected socket took to learn ECONNREFUSED (the ICMP's round trip).
 *
 * Under umbra, udp_ping.yaml.in puts the two on the ends of a two-hop GML path and
 * check_udp_ping.sh asserts every round trip is twice the path's latency; udp_loss.yaml.in
 * floods over a lossy path and check_udp_loss.sh checks the share that arrived. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int ready_fd = -1; /* the local run's children: written to once their socket is bound */

static void say_bound(void) {
    if (ready_fd >= 0) {
        CHECK(write(ready_fd, "b", 1) == 1);
    }
}

static char big[65536]; /* room for any datagram */

/* A UDP socket bound to 0.0.0.0:port (and said so, in the local run). */
static int bound_socket(const char* port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    ASSERT(bind(fd, (struct sockaddr*)&a, sizeof(a)) == 0);
    say_bound();
    return fd;
}

static int server(const char* port, int count) {
    int fd = bound_socket(port);
    for (int i = 0; i < count; i++) {
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, big, sizeof(big), 0, (struct sockaddr*)&from, &len);
        ASSERT(n > 0);
        CHECK_EQ_LL(sendto(fd, big, (size_t)n, 0, (struct sockaddr*)&from, len), n);
        printf("echoed %d: %.*s\n", i, (int)(n < 16 ? n : 16), big); /* pings may be padded */
    }
    close(fd);
    return 0;
}

static void client(const char* host, const char* port, int count, size_t size) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
    struct addrinfo* res = NULL;
    int rv = getaddrinfo(host, port, &hints, &res);
    if (rv != 0) {
        printf("getaddrinfo(%s): %s\n", host, gai_strerror(rv));
    }
    ASSERT(rv == 0 && res != NULL);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in*)res->ai_addr)->sin_addr, ip, sizeof(ip));
    printf("%s is %s\n", host, ip);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    ASSERT(connect(fd, res->ai_addr, res->ai_addrlen) == 0);
    freeaddrinfo(res);
    for (int i = 0; i < count; i++) {
        static char msg[65536], buf[65536];
        int len = snprintf(msg, 32, "ping %d", i);
        if (size > (size_t)len && size <= sizeof(msg)) {
            for (size_t k = (size_t)len; k < size; k++) {
                msg[k] = (char)('a' + k % 26);
            }
            len = (int)size;
        }
        long long t0 = now_ns();
        CHECK_EQ_LL(send(fd, msg, (size_t)len, 0), len);
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        long long rtt = now_ns() - t0;
        CHECK_EQ_LL(n, len);
        CHECK(n == len && memcmp(buf, msg, (size_t)len) == 0);
        printf("rtt %d %lld\n", i, rtt);
        struct timespec gap = {0, 100 * 1000000L}; /* 100 ms between pings */
        nanosleep(&gap, NULL);
    }
    /* Nothing bound at PORT+1 over there: the ICMP port unreachable comes back one round trip
     * later and the connected socket reports ECONNREFUSED. */
    struct addrinfo* res2 = NULL;
    char port2[16];
    snprintf(port2, sizeof(port2), "%d", atoi(port) + 1);
    ASSERT(getaddrinfo(host, port2, &hints, &res2) == 0);
    int r = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(r >= 0 && connect(r, res2->ai_addr, res2->ai_addrlen) == 0);
    freeaddrinfo(res2);
    long long t0 = now_ns();
    CHECK_EQ_LL(send(r, "anyone?", 7, 0), 7);
    char buf[16];
    CHECK_ERRNO(recv(r, buf, sizeof(buf), 0), ECONNREFUSED);
    printf("refused after %lld\n", now_ns() - t0);
    close(r);
    close(fd);
}

static int sink(const char* port, int wait_ms) {
    int fd = bound_socket(port);
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    ASSERT(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    int n = 0;
    char buf[256];
    while (recv(fd, buf, sizeof(buf), 0) > 0) {
        n++;
    }
    CHECK(errno == EAGAIN);
    printf("received %d\n", n);
    close(fd);
    return n;
}

static void flood(const char* host, const char* port, int count) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
    struct addrinfo* res = NULL;
    ASSERT(getaddrinfo(host, port, &hints, &res) == 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    for (int i = 0; i < count; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof(msg), "datagram %d", i);
        CHECK_EQ_LL(sendto(fd, msg, (size_t)len, 0, res->ai_addr, res->ai_addrlen), len);
        struct timespec gap = {0, 1000000L};
        nanosleep(&gap, NULL);
    }
    printf("sent %d\n", count);
    freeaddrinfo(res);
    close(fd);
}

int main(int argc, char** argv) {
    if (argc == 4 && strcmp(argv[1], "server") == 0) {
        server(argv[2], atoi(argv[3]));
    } else if ((argc == 5 || argc == 6) && strcmp(argv[1], "client") == 0) {
        client(argv[2], argv[3], atoi(argv[4]), argc == 6 ? (size_t)atoi(argv[5]) : 0);
    } else if (argc == 4 && strcmp(argv[1], "sink") == 0) {
        sink(argv[2], atoi(argv[3]));
    } else if (argc == 5 && strcmp(argv[1], "flood") == 0) {
        flood(argv[2], argv[3], atoi(argv[4]));
    } else if (argc == 2 && strcmp(argv[1], "local") == 0) {
        /* Each child says when its socket is bound (a byte on a pipe), so a loaded machine
         * cannot make the first datagrams miss it. */
        int ready[2];
        ASSERT(pipe(ready) == 0);
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            close(ready[0]);
            ready_fd = ready[1];
            server("17777", 3);
            _exit(test_failures == 0 ? 0 : 1);
        }
        char c;
        ASSERT(read(ready[0], &c, 1) == 1);
        client("localhost", "17777", 3, 0);
        int status = 0;
        CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* Loopback loses nothing. */
        pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            close(ready[0]);
            ready_fd = ready[1];
            _exit(sink("17779", 2000) == 50 ? 0 : 1);
        }
        ASSERT(read(ready[0], &c, 1) == 1);
        flood("localhost", "17779", 50);
        CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        fprintf(stderr, "usage: %s server PORT COUNT | client HOST PORT COUNT [SIZE] | local\n", argv[0]);
        return 2;
    }
    test_done();
}
