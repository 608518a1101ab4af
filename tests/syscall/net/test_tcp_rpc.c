/* Requests and responses over TCP between many hosts (issue 5, done-when 6): the program of the
 * tcp_determinism test (determinism_tcp.sh), whose 50 hosts run it as 10 servers and 40 clients.
 *
 *   test_tcp_rpc server PORT NCONN          serve NCONN connections on 0.0.0.0:PORT with one
 *                                           poll() loop over non-blocking sockets, then exit
 *   test_tcp_rpc client HOST PORT ID REQ:RESP...
 *                                           connect to HOST:PORT (getaddrinfo), then for each
 *                                           REQ:RESP send a request of REQ bytes and read the
 *                                           RESP-byte response, one after the other; then
 *                                           shutdown(SHUT_WR), wait for the server's close, exit
 *
 * A request is a 16-byte header (magic, seed, request length, response length; host byte
 * order: both ends are the same machine) and the body. Bodies and responses are patterns of the
 * seed (client ID x 16 + request index) and the stream offset, so each side checks every byte it
 * receives. Both sides print what they measured (simulated times from CLOCK_MONOTONIC, byte
 * counts, FNV-1a checksums, TCP_INFO's retransmissions): that output is what the determinism test
 * compares between runs, and what it checks is complete. Natively: start a server and clients on
 * 127.0.0.1 by hand. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../test_util.h"

#define RPC_MAGIC 0x52504331u /* "RPC1" */
#define RPC_MAX_CONNS 64      /* the server's limit on NCONN */
#define RPC_CHUNK (1 << 16)   /* bytes per read or write call */

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers */

typedef struct {
    uint32_t magic;    /* RPC_MAGIC */
    uint32_t seed;     /* selects the body's and the response's patterns */
    uint32_t req_len;  /* body bytes after the header */
    uint32_t resp_len; /* bytes the server answers with */
} RpcHeader;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Byte `i` of the stream selected by `seed`; responses use seed ^ 0xa5a5. */
static unsigned char pattern(uint32_t seed, uint64_t i) {
    return (unsigned char)((i * 131 + (i >> 11) + seed * 29u + (seed >> 8)) & 0xff);
}

static void fill(unsigned char* buf, size_t n, uint32_t seed, uint64_t off) {
    for (size_t i = 0; i < n; i++) {
        buf[i] = pattern(seed, off + i);
    }
}

/* FNV-1a over `p`, continuing from `h`; counts bytes that differ from the pattern in `*bad`. */
static uint64_t absorb(uint64_t h, const unsigned char* p, size_t n, uint32_t seed, uint64_t off,
                       uint64_t* bad) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
        *bad += p[i] != pattern(seed, off + i);
    }
    return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static unsigned total_retrans(int fd) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    CHECK(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0);
    return info.tcpi_total_retrans;
}

/* ------------------------------------------------------------------------------------------ */
/* Server */

enum { PHASE_HEADER, PHASE_BODY, PHASE_RESPOND, PHASE_CLOSED };

typedef struct {
    int fd;           /* the connection, non-blocking */
    int phase;        /* PHASE_* */
    int nreq;         /* requests answered so far */
    RpcHeader hdr;    /* the current request's header */
    size_t hdr_got;   /* header bytes read so far */
    uint64_t got;     /* body bytes read so far */
    uint64_t sent;    /* response bytes written so far */
    uint64_t hash;    /* FNV-1a of the body so far */
    uint64_t bad;     /* body bytes that differed from the pattern */
    char peer[INET_ADDRSTRLEN]; /* the client's address */
} RpcConn;

static unsigned char rpc_buf[RPC_CHUNK];

/* Reads what is there; returns false once the connection is closed (at EOF between requests). */
static bool server_read(RpcConn* c, int id) {
    for (;;) {
        size_t want = c->phase == PHASE_HEADER ? sizeof(c->hdr) - c->hdr_got
                      : c->hdr.req_len - c->got < RPC_CHUNK ? (size_t)(c->hdr.req_len - c->got)
                                                            : RPC_CHUNK;
        unsigned char* dst = c->phase == PHASE_HEADER ? (unsigned char*)&c->hdr + c->hdr_got
                                                      : rpc_buf;
        ssize_t r = want == 0 ? 0 : read(c->fd, dst, want);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        ASSERT(r >= 0);
        if (r == 0 && want > 0) {
            ASSERT(c->phase == PHASE_HEADER && c->hdr_got == 0); /* EOF only between requests */
            printf("conn %d from %s closed after %d requests, retrans %u\n", id, c->peer,
                   c->nreq, total_retrans(c->fd));
            close(c->fd);
            c->phase = PHASE_CLOSED;
            return false;
        }
        if (c->phase == PHASE_HEADER) {
            c->hdr_got += (size_t)r;
            if (c->hdr_got < sizeof(c->hdr)) {
                continue;
            }
            ASSERT(c->hdr.magic == RPC_MAGIC);
            c->phase = PHASE_BODY;
            c->got = c->sent = c->bad = 0;
            c->hash = FNV_START;
            continue;
        }
        c->hash = absorb(c->hash, rpc_buf, (size_t)r, c->hdr.seed, c->got, &c->bad);
        c->got += (uint64_t)r;
        if (c->got == c->hdr.req_len) {
            CHECK_EQ_LL(c->bad, 0);
            printf("conn %d req %d seed %u got %llu sum %016llx at %lld\n", id, c->nreq,
                   c->hdr.seed, (unsigned long long)c->got, (unsigned long long)c->hash,
                   now_ns());
            c->phase = PHASE_RESPOND;
            return true;
        }
    }
}

/* Writes the response until it is complete or the socket is full. */
static void server_write(RpcConn* c) {
    uint32_t seed = c->hdr.seed ^ 0xa5a5u;
    while (c->sent < c->hdr.resp_len) {
        size_t n = c->hdr.resp_len - c->sent < RPC_CHUNK ? (size_t)(c->hdr.resp_len - c->sent)
                                                         : RPC_CHUNK;
        fill(rpc_buf, n, seed, c->sent);
        ssize_t w = write(c->fd, rpc_buf, n);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        ASSERT(w > 0);
        c->sent += (uint64_t)w;
    }
    c->nreq++;
    c->hdr_got = 0;
    c->phase = PHASE_HEADER;
}

static void server_accept(int l, RpcConn* conns, int* naccepted) {
    for (;;) {
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);
        int fd = accept4(l, (struct sockaddr*)&a, &alen, SOCK_NONBLOCK);
        if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        ASSERT(fd >= 0);
        RpcConn* c = &conns[(*naccepted)++];
        memset(c, 0, sizeof(*c));
        c->fd = fd;
        c->phase = PHASE_HEADER;
        inet_ntop(AF_INET, &a.sin_addr, c->peer, sizeof(c->peer));
        printf("conn %d from %s accepted at %lld\n", *naccepted - 1, c->peer, now_ns());
    }
}

static int server(const char* port, int nconn) {
    ASSERT(nconn > 0 && nconn <= RPC_MAX_CONNS);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT(l >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
                            .sin_addr.s_addr = htonl(INADDR_ANY)};
    ASSERT(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
    ASSERT(listen(l, RPC_MAX_CONNS) == 0);
    static RpcConn conns[RPC_MAX_CONNS];
    int naccepted = 0, nclosed = 0, nreq = 0;
    while (nclosed < nconn) {
        struct pollfd pfd[RPC_MAX_CONNS + 1];
        int map[RPC_MAX_CONNS + 1], n = 0;
        if (naccepted < nconn) {
            pfd[n] = (struct pollfd){.fd = l, .events = POLLIN};
            map[n++] = -1;
        }
        for (int i = 0; i < naccepted; i++) {
            if (conns[i].phase != PHASE_CLOSED) {
                short ev = conns[i].phase == PHASE_RESPOND ? POLLOUT : POLLIN;
                pfd[n] = (struct pollfd){.fd = conns[i].fd, .events = ev};
                map[n++] = i;
            }
        }
        ASSERT(poll(pfd, (nfds_t)n, -1) > 0);
        for (int k = 0; k < n; k++) {
            if (pfd[k].revents == 0) {
                continue;
            }
            if (map[k] < 0) {
                server_accept(l, conns, &naccepted);
                continue;
            }
            RpcConn* c = &conns[map[k]];
            if (c->phase != PHASE_RESPOND && !server_read(c, map[k])) {
                nreq += c->nreq;
                nclosed++;
                continue;
            }
            if (c->phase == PHASE_RESPOND) {
                server_write(c);
            }
        }
    }
    printf("served %d connections, %d requests, done at %lld\n", nclosed, nreq, now_ns());
    close(l);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Client */

static void write_all(int fd, const void* p, size_t n) {
    const unsigned char* b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        ASSERT(w > 0);
        b += w;
        n -= (size_t)w;
    }
}

/* One request: sends the header and the body, reads and checks the whole response. */
static void client_request(int fd, int k, uint32_t seed, uint32_t req, uint32_t resp) {
    RpcHeader h = {.magic = RPC_MAGIC, .seed = seed, .req_len = req, .resp_len = resp};
    long long t0 = now_ns();
    write_all(fd, &h, sizeof(h));
    for (uint64_t off = 0; off < req;) {
        size_t n = req - off < RPC_CHUNK ? (size_t)(req - off) : RPC_CHUNK;
        fill(rpc_buf, n, seed, off);
        write_all(fd, rpc_buf, n);
        off += n;
    }
    long long t_sent = now_ns();
    uint64_t got = 0, bad = 0, hash = FNV_START;
    long long t_first = 0;
    while (got < resp) {
        size_t want = resp - got < RPC_CHUNK ? (size_t)(resp - got) : RPC_CHUNK;
        ssize_t r = read(fd, rpc_buf, want);
        ASSERT(r > 0);
        if (got == 0) {
            t_first = now_ns();
        }
        hash = absorb(hash, rpc_buf, (size_t)r, seed ^ 0xa5a5u, got, &bad);
        got += (uint64_t)r;
    }
    long long t_end = now_ns();
    CHECK_EQ_LL(bad, 0);
    printf("req %d seed %u sent %u in %lld ns, got %llu sum %016llx first byte %lld ns, "
           "total %lld ns\n",
           k, seed, req, t_sent - t0, (unsigned long long)got, (unsigned long long)hash,
           t_first - t0, t_end - t0);
}

static int client(const char* host, const char* port, int id, int nspec, char** specs) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    ASSERT(getaddrinfo(host, port, &hints, &ai) == 0);
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in*)ai->ai_addr)->sin_addr, addr, sizeof(addr));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    long long t0 = now_ns();
    ASSERT(connect(fd, ai->ai_addr, ai->ai_addrlen) == 0);
    printf("connected to %s (%s) at %lld in %lld ns\n", host, addr, t0, now_ns() - t0);
    freeaddrinfo(ai);
    uint64_t total = 0;
    for (int k = 0; k < nspec; k++) {
        unsigned long req, resp;
        ASSERT(sscanf(specs[k], "%lu:%lu", &req, &resp) == 2);
        ASSERT(req <= UINT32_MAX && resp <= UINT32_MAX);
        client_request(fd, k, (uint32_t)id * 16 + (uint32_t)k, (uint32_t)req, (uint32_t)resp);
        total += req + resp;
    }
    unsigned retrans = total_retrans(fd);
    ASSERT(shutdown(fd, SHUT_WR) == 0);
    char c;
    CHECK(read(fd, &c, 1) == 0); /* the server closes after our FIN */
    close(fd);
    printf("done %d requests, %llu bytes, retrans %u, %lld ns\n", nspec,
           (unsigned long long)total, retrans, now_ns() - t0);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 4 && strcmp(argv[1], "server") == 0) {
        server(argv[2], atoi(argv[3]));
    } else if (argc >= 6 && strcmp(argv[1], "client") == 0) {
        client(argv[2], argv[3], atoi(argv[4]), argc - 5, argv + 5);
    } else {
        fprintf(stderr, "usage: %s server PORT NCONN | client HOST PORT ID REQ:RESP...\n",
                argv[0]);
        return 2;
    }
    test_done();
}
