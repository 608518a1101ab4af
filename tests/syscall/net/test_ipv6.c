/* AF_INET6 sockets on one host, natively and under umbra (issue 5: IPv6, which Shadow lacks):
 *
 * - a dual-stack TCP listener on [::] takes an AF_INET client (the peer is ::ffff:127.0.0.1)
 *   and an AF_INET6 one over ::1 (the peer is ::1); getsockname shows the same forms;
 * - IPV6_V6ONLY: 0 by default; set, the listener takes no IPv4 client (ECONNREFUSED) and an
 *   AF_INET socket may bind the same port, which a dual-stack one forbids (EADDRINUSE); it can
 *   only be set before the bind (EINVAL after);
 * - addresses: a v4-mapped one reaches an AF_INET socket, an IPv6-only socket cannot use one
 *   (ENETUNREACH), a foreign IPv6 address is not the host's (EADDRNOTAVAIL), a short sockaddr is
 *   EINVAL;
 * - UDP over ::1 and to a v4-mapped address, with the sender's address as the receiver sees it;
 * - SO_DOMAIN.
 * A machine without IPv6 on lo (IPv6 disabled) skips the ::1 parts natively, saying so. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../test_util.h"

static bool have_ipv6 = true;

static struct sockaddr_in6 addr6(const char* text, uint16_t port) {
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    ASSERT(inet_pton(AF_INET6, text, &a.sin6_addr) == 1);
    return a;
}

static void expect_addr6(const struct sockaddr_in6* a, const char* text) {
    char buf[INET6_ADDRSTRLEN];
    ASSERT(inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf)) != NULL);
    if (strcmp(buf, text) != 0) {
        printf("address %s, wanted %s\n", buf, text);
        CHECK(strcmp(buf, text) == 0);
    }
    CHECK_EQ_LL(a->sin6_family, AF_INET6);
}

/* A TCP listener on [::] (IPV6_V6ONLY `v6only`) with an ephemeral port. */
static int listener6(int v6only, uint16_t* port) {
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    ASSERT(l >= 0);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0);
    CHECK_EQ_LL(v, 0);
    CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == 0);
    struct sockaddr_in6 a = addr6("::", 0);
    ASSERT(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
    CHECK_ERRNO(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)), EINVAL);
    ASSERT(listen(l, 8) == 0);
    len = sizeof(a);
    ASSERT(getsockname(l, (struct sockaddr*)&a, &len) == 0);
    CHECK_EQ_LL(len, sizeof(a));
    expect_addr6(&a, "::");
    *port = ntohs(a.sin6_port);
    return l;
}

static void test_dual_stack(void) {
    uint16_t port;
    int l = listener6(0, &port);
    int d = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK_EQ_LL(({ int v = 0; socklen_t n = sizeof(v); getsockopt(d, SOL_SOCKET, SO_DOMAIN, &v, &n); v; }),
                AF_INET6);
    close(d);

    /* An AF_INET client. */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ASSERT(connect(c, (struct sockaddr*)&to, sizeof(to)) == 0);
    struct sockaddr_in6 peer;
    socklen_t len = sizeof(peer);
    int s = accept(l, (struct sockaddr*)&peer, &len);
    ASSERT(s >= 0);
    CHECK_EQ_LL(len, sizeof(peer));
    expect_addr6(&peer, "::ffff:127.0.0.1");
    struct sockaddr_in mine;
    len = sizeof(mine);
    CHECK(getsockname(c, (struct sockaddr*)&mine, &len) == 0);
    CHECK(mine.sin_port == peer.sin6_port);
    len = sizeof(peer);
    CHECK(getsockname(s, (struct sockaddr*)&peer, &len) == 0);
    expect_addr6(&peer, "::ffff:127.0.0.1");
    CHECK_EQ_LL(ntohs(peer.sin6_port), port);
    CHECK_EQ_LL(write(c, "v4", 2), 2);
    char buf[8];
    CHECK_EQ_LL(read(s, buf, sizeof(buf)), 2);
    close(s);
    close(c);

    if (have_ipv6) {
        /* An AF_INET6 client over ::1. */
        c = socket(AF_INET6, SOCK_STREAM, 0);
        struct sockaddr_in6 to6 = addr6("::1", port);
        ASSERT(connect(c, (struct sockaddr*)&to6, sizeof(to6)) == 0);
        len = sizeof(peer);
        s = accept(l, (struct sockaddr*)&peer, &len);
        ASSERT(s >= 0);
        expect_addr6(&peer, "::1");
        len = sizeof(peer);
        CHECK(getpeername(c, (struct sockaddr*)&peer, &len) == 0);
        expect_addr6(&peer, "::1");
        CHECK_EQ_LL(ntohs(peer.sin6_port), port);
        CHECK_EQ_LL(write(s, "v6", 2), 2);
        CHECK_EQ_LL(read(c, buf, sizeof(buf)), 2);
        CHECK(memcmp(buf, "v6", 2) == 0);
        close(s);
        close(c);
    }

    /* A dual-stack listener holds the port for IPv4 too. */
    int b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
    CHECK_ERRNO(bind(b, (struct sockaddr*)&any, sizeof(any)), EADDRINUSE);
    close(b);
    close(l);
}

static void test_v6only(void) {
    uint16_t port;
    int l = listener6(1, &port);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_ERRNO(connect(c, (struct sockaddr*)&to, sizeof(to)), ECONNREFUSED);
    close(c);
    /* The IPv4 side of the port is free. */
    int b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
    CHECK(bind(b, (struct sockaddr*)&any, sizeof(any)) == 0);
    close(b);
    /* An IPv6-only socket cannot reach a v4-mapped address. */
    int o = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    CHECK(setsockopt(o, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0);
    struct sockaddr_in6 mapped = addr6("::ffff:127.0.0.1", port);
    CHECK_ERRNO(connect(o, (struct sockaddr*)&mapped, sizeof(mapped)), ENETUNREACH);
    close(o);
    close(l);
}

static void test_addresses(void) {
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 foreign = addr6("2001:db8::1", 0);
    CHECK_ERRNO(bind(s, (struct sockaddr*)&foreign, sizeof(foreign)), EADDRNOTAVAIL);
    struct sockaddr_in6 any = addr6("::", 0);
    CHECK_ERRNO(bind(s, (struct sockaddr*)&any, 20), EINVAL);
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    CHECK_ERRNO(bind(s, (struct sockaddr*)&v4, sizeof(any)), EAFNOSUPPORT);
    close(s);
}

static void test_udp(void) {
    /* An AF_INET receiver reached through a v4-mapped address. */
    int r4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ASSERT(bind(r4, (struct sockaddr*)&a4, sizeof(a4)) == 0);
    socklen_t len = sizeof(a4);
    ASSERT(getsockname(r4, (struct sockaddr*)&a4, &len) == 0);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 to = addr6("::ffff:127.0.0.1", ntohs(a4.sin_port));
    CHECK_EQ_LL(sendto(s6, "m", 1, 0, (struct sockaddr*)&to, sizeof(to)), 1);
    char buf[8];
    struct sockaddr_in from4;
    len = sizeof(from4);
    CHECK_EQ_LL(recvfrom(r4, buf, sizeof(buf), 0, (struct sockaddr*)&from4, &len), 1);
    CHECK_EQ_LL(len, sizeof(from4));
    CHECK(from4.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    struct sockaddr_in6 me;
    len = sizeof(me);
    CHECK(getsockname(s6, (struct sockaddr*)&me, &len) == 0);
    CHECK(me.sin6_port == from4.sin_port);
    close(r4);

    if (have_ipv6) {
        int r6 = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 a6 = addr6("::1", 0);
        ASSERT(bind(r6, (struct sockaddr*)&a6, sizeof(a6)) == 0);
        len = sizeof(a6);
        ASSERT(getsockname(r6, (struct sockaddr*)&a6, &len) == 0);
        expect_addr6(&a6, "::1");
        int s = socket(AF_INET6, SOCK_DGRAM, 0);
        CHECK_EQ_LL(sendto(s, "six", 3, 0, (struct sockaddr*)&a6, sizeof(a6)), 3);
        struct sockaddr_in6 from;
        len = sizeof(from);
        CHECK_EQ_LL(recvfrom(r6, buf, sizeof(buf), 0, (struct sockaddr*)&from, &len), 3);
        CHECK_EQ_LL(len, sizeof(from));
        expect_addr6(&from, "::1");
        close(s);
        close(r6);
    }
    close(s6);
}

int main(void) {
    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 lo = addr6("::1", 0);
    if (probe < 0 || bind(probe, (struct sockaddr*)&lo, sizeof(lo)) != 0) {
        CHECK(!running_in_sim()); /* umbra always has ::1 */
        printf("no IPv6 on lo: the ::1 parts are skipped\n");
        have_ipv6 = false;
    }
    if (probe >= 0) {
        close(probe);
    }
    test_dual_stack();
    test_v6only();
    test_addresses();
    test_udp();
    test_done();
}
