/* UDP ping (issue 5, done-when 4): a client resolves the server by host name with getaddrinfo,
 * sends numbered datagrams and prints each round trip measured with clock_gettime; the server
 * echoes them.
 *
 *   test_udp_ping server PORT COUNT      echo COUNT datagrams on 0.0.0.0:PORT, then exit
 *   test_udp_ping client HOST PORT COUNT ping HOST:PORT COUNT times, printing "rtt <i> <ns>"
 *   test_udp_ping local                  both on this machine (the native run): a forked server
 *                                        and a client pinging "localhost"
 *
 * Under umbra, udp_ping.yaml.in puts the two on the ends of a two-hop GML path and
 * check_udp_ping.sh asserts every round trip is twice the path's latency. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_util.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int server(const char* port, int count) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    ASSERT(bind(fd, (struct sockaddr*)&a, sizeof(a)) == 0);
    for (int i = 0; i < count; i++) {
        char buf[256];
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr*)&from, &len);
        ASSERT(n > 0);
        CHECK_EQ_LL(sendto(fd, buf, (size_t)n, 0, (struct sockaddr*)&from, len), n);
        printf("echoed %d: %.*s\n", i, (int)n, buf);
    }
    close(fd);
    return 0;
}

static void client(const char* host, const char* port, int count) {
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
        char msg[32], buf[64];
        int len = snprintf(msg, sizeof(msg), "ping %d", i);
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
    close(fd);
}

int main(int argc, char** argv) {
    if (argc == 4 && strcmp(argv[1], "server") == 0) {
        server(argv[2], atoi(argv[3]));
    } else if (argc == 5 && strcmp(argv[1], "client") == 0) {
        client(argv[2], argv[3], atoi(argv[4]));
    } else if (argc == 2 && strcmp(argv[1], "local") == 0) {
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            server("17777", 3);
            _exit(test_failures == 0 ? 0 : 1);
        }
        struct timespec settle = {0, 50 * 1000000L}; /* let the server bind */
        nanosleep(&settle, NULL);
        client("localhost", "17777", 3);
        int status = 0;
        CHECK_EQ_LL(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        fprintf(stderr, "usage: %s server PORT COUNT | client HOST PORT COUNT | local\n", argv[0]);
        return 2;
    }
    test_done();
}
