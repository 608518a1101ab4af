/* A bulk TCP transfer (issue 5, done-when 3): the client sends BYTES of a known pattern and
 * closes; the server reads to the end of the stream and reports what it got and how fast.
 *
 *   test_tcp_bulk server PORT            accept one connection on 0.0.0.0:PORT, read it to the
 *                                        end, print "received <n> <checksum>" and
 *                                        "goodput_bit <b>" (bits over the time from the accept
 *                                        to the end of the stream), then exit
 *   test_tcp_bulk client HOST PORT BYTES connect to HOST:PORT (resolved with getaddrinfo), send,
 *                                        print "connect_ns <t>" (the handshake's time) and
 *                                        "sent <n> <checksum>", close
 *   test_tcp_bulk local BYTES            both, over loopback (the native run)
 *
 * Under umbra, tcp_bulk_*.yaml.in put the two on the ends of a path of a given rate, latency and
 * loss, and check_tcp_bulk.sh checks the checksums and the goodput. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
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

static unsigned char pattern(uint64_t i) {
    return (unsigned char)((i * 131 + (i >> 11)) & 0xff);
}

static uint64_t fnv(uint64_t h, const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

static int ready_fd = -1; /* the local run: the server says it listens */

static int server(const char* port) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(l >= 0);
    int one = 1;
    CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    ASSERT(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
    ASSERT(listen(l, 8) == 0);
    if (ready_fd >= 0) {
        CHECK(write(ready_fd, "l", 1) == 1);
    }
    int s = accept(l, NULL, NULL);
    ASSERT(s >= 0);
    long long start = now_ns();
    static unsigned char buf[1 << 16];
    uint64_t h = 0xcbf29ce484222325ULL, n = 0;
    for (;;) {
        ssize_t r = read(s, buf, sizeof(buf));
        ASSERT(r >= 0);
        if (r == 0) {
            break;
        }
        h = fnv(h, buf, (size_t)r);
        n += (uint64_t)r;
    }
    long long end = now_ns();
    printf("received %llu %016llx\n", (unsigned long long)n, (unsigned long long)h);
    if (end > start) {
        printf("goodput_bit %llu\n", (unsigned long long)(n * 8 * 1000000ULL / (uint64_t)((end - start) / 1000)));
    }
    printf("transfer_ns %lld\n", end - start);
    close(s);
    close(l);
    return 0;
}

static int client(const char* host, const char* port, uint64_t bytes) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    ASSERT(getaddrinfo(host, port, &hints, &ai) == 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(c >= 0);
    long long t0 = now_ns();
    ASSERT(connect(c, ai->ai_addr, ai->ai_addrlen) == 0);
    printf("connect_ns %lld\n", now_ns() - t0);
    freeaddrinfo(ai);
    static unsigned char buf[100000];
    uint64_t h = 0xcbf29ce484222325ULL, sent = 0;
    while (sent < bytes) {
        size_t n = bytes - sent < sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = pattern(sent + i);
        }
        h = fnv(h, buf, n);
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(c, buf + off, n - off);
            ASSERT(w > 0);
            off += (size_t)w;
        }
        sent += n;
    }
    printf("sent %llu %016llx\n", (unsigned long long)sent, (unsigned long long)h);
    close(c);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        server(argv[2]);
    } else if (argc == 5 && strcmp(argv[1], "client") == 0) {
        client(argv[2], argv[3], strtoull(argv[4], NULL, 10));
    } else if (argc == 3 && strcmp(argv[1], "local") == 0) {
        int p[2];
        ASSERT(pipe(p) == 0);
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            ready_fd = p[1];
            server("7781");
            exit(test_failures ? 1 : 0);
        }
        close(p[1]);
        char c;
        ASSERT(read(p[0], &c, 1) == 1);
        client("localhost", "7781", strtoull(argv[2], NULL, 10));
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        fprintf(stderr, "usage: %s server PORT | client HOST PORT BYTES | local BYTES\n", argv[0]);
        return 2;
    }
    test_done();
}
