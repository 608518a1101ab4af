/* A host's network stack (host/netstack.h) and UDP sockets (host/udp.h), without managed
 * processes: bind rules, ephemeral ports from the host generator, which socket an arriving
 * datagram goes to, ICMP port unreachable on connected sockets, the receive-buffer limit and the
 * placeholder's readiness. All traffic here is local to one host (no latency, no engine). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "host/emulated_fd.h"
#include "host/host.h"
#include "host/netstack.h"
#include "host/udp.h"
#include "lib/rng.h"

#define HOST_IP 0x0b000001u /* 11.0.0.1 */
#define LO NET_LOOPBACK_IP

static Host* _host(const char* name) {
    HostParams p = {
        .id = 0,
        .name = name,
        .ip = HOST_IP,
        .rng_seed = rng_hostSeed(1, name),
        .log_level = LOG_LEVEL_WARNING,
        .stop_time = SIMTIME_ONE_MILLISECOND * 10000,
    };
    return host_new(&p);
}

/* A socket on a placeholder pair, umbra holding both ends (the program's A is not needed). */
static UdpSocket* _socket(Host* h) {
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    EmulatedFd* efd = emulatedfdset_addSocket(host_getEmulatedFds(h), sv[0], sv[1]);
    efd->owner = 1;
    return udpsocket_new(h, efd, 4096, 4096);
}

static void _send(Host* h, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
                  size_t len) {
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_UDP;
    p->src = (NetAddr){src_ip, src_port};
    p->dst = (NetAddr){dst_ip, dst_port};
    p->len = len;
    p->payload = len > 0 ? g_malloc0(len) : NULL;
    netstack_send(host_getNetStack(h), p, 0);
}

static guint _queued(const UdpSocket* s) {
    return g_queue_get_length((GQueue*)&s->queue);
}

START_TEST(test_bind_rules) {
    Host* h = _host("alpha");
    NetStack* st = host_getNetStack(h);
    UdpSocket *a = _socket(h), *b = _socket(h), *c = _socket(h), *d = _socket(h);
    ck_assert_int_eq(netstack_bind(st, a, LO, 5000), 0);
    ck_assert_int_eq(netstack_bind(st, b, 0, 5000), -EADDRINUSE);      /* 0.0.0.0 overlaps lo */
    ck_assert_int_eq(netstack_bind(st, b, HOST_IP, 5000), 0);          /* eth0 does not */
    ck_assert_int_eq(netstack_bind(st, c, 0x0a090909u, 0), -EADDRNOTAVAIL);
    ck_assert_int_eq(netstack_bind(st, c, 0, 5000), -EADDRINUSE);
    c->reuse_addr = d->reuse_addr = true;
    ck_assert_int_eq(netstack_bind(st, c, 0, 5001), 0);
    ck_assert_int_eq(netstack_bind(st, d, 0, 5001), 0);                /* both SO_REUSEADDR */
    /* Unbinding frees the port. */
    UdpSocket* e = _socket(h);
    netstack_unbind(st, a);
    ck_assert_int_eq(netstack_bind(st, e, LO, 5000), 0);
    host_free(h);
}
END_TEST

START_TEST(test_ephemeral_ports) {
    Host* h1 = _host("alpha");
    Host* h2 = _host("alpha"); /* same seed: same ports */
    Host* h3 = _host("beta");
    uint16_t p1[20], p2[20], p3[20];
    bool differ = false;
    for (int i = 0; i < 20; i++) {
        UdpSocket* s1 = _socket(h1);
        UdpSocket* s2 = _socket(h2);
        UdpSocket* s3 = _socket(h3);
        ck_assert_int_eq(netstack_bind(host_getNetStack(h1), s1, 0, 0), 0);
        ck_assert_int_eq(netstack_bind(host_getNetStack(h2), s2, 0, 0), 0);
        ck_assert_int_eq(netstack_bind(host_getNetStack(h3), s3, 0, 0), 0);
        p1[i] = s1->local.port;
        p2[i] = s2->local.port;
        p3[i] = s3->local.port;
        ck_assert_int_ge(p1[i], NET_EPHEMERAL_LOW);
        ck_assert_int_eq(p1[i], p2[i]);
        for (int j = 0; j < i; j++) {
            ck_assert_int_ne(p1[i], p1[j]); /* never one already taken */
        }
        differ = differ || p1[i] != p3[i];
    }
    ck_assert(differ); /* another host name, another stream */
    host_free(h1);
    host_free(h2);
    host_free(h3);
}
END_TEST

START_TEST(test_lookup_precedence) {
    Host* h = _host("alpha");
    NetStack* st = host_getNetStack(h);
    UdpSocket *any = _socket(h), *lo = _socket(h), *conn = _socket(h);
    any->reuse_addr = lo->reuse_addr = conn->reuse_addr = true;
    ck_assert_int_eq(netstack_bind(st, any, 0, 6000), 0);
    ck_assert_int_eq(netstack_bind(st, lo, LO, 6000), 0);
    ck_assert_int_eq(netstack_bind(st, conn, LO, 6000), 0);
    conn->connected = true;
    conn->peer = (NetAddr){LO, 7000};
    _send(h, LO, 7000, LO, 6000, 10);      /* the connected socket's peer: exact match */
    ck_assert_uint_eq(_queued(conn), 1);
    _send(h, LO, 7001, LO, 6000, 10);      /* anyone else on lo: the socket bound to lo */
    ck_assert_uint_eq(_queued(lo), 1);
    _send(h, LO, 7000, HOST_IP, 6000, 10); /* to eth0: only 0.0.0.0 covers it */
    ck_assert_uint_eq(_queued(any), 1);
    ck_assert_uint_eq(_queued(conn), 1);
    ck_assert_uint_eq(_queued(lo), 1);
    /* The source address is kept. */
    UdpDatagram* d = g_queue_peek_head(&lo->queue);
    ck_assert_uint_eq(d->from.ip, LO);
    ck_assert_uint_eq(d->from.port, 7001);
    host_free(h);
}
END_TEST

START_TEST(test_unreachable_and_buffer) {
    Host* h = _host("alpha");
    NetStack* st = host_getNetStack(h);
    UdpSocket *c = _socket(h), *u = _socket(h);
    ck_assert_int_eq(netstack_bind(st, c, LO, 8000), 0);
    ck_assert_int_eq(netstack_bind(st, u, LO, 8001), 0);
    c->connected = true;
    c->peer = (NetAddr){LO, 8999};
    _send(h, LO, 8000, LO, 8999, 5); /* nothing at 8999: ICMP back to c, which is connected */
    ck_assert_int_eq(c->error, ECONNREFUSED);
    ck_assert(c->efd->ready);
    _send(h, LO, 8001, LO, 8999, 5); /* u is not connected: no error */
    ck_assert_int_eq(u->error, 0);
    /* SO_RCVBUF 4096: an empty queue takes anything, then what fits. */
    struct pollfd pfd = {.fd = u->efd->dup, .events = POLLIN};
    ck_assert_int_eq(poll(&pfd, 1, 0), 0);
    for (int i = 0; i < 6; i++) {
        _send(h, LO, 9000, LO, 8001, 1000);
    }
    ck_assert_uint_eq(_queued(u), 4);
    ck_assert_uint_eq(u->queued_bytes, 4000);
    ck_assert_int_eq(poll(&pfd, 1, 0), 1); /* the placeholder is readable */
    host_free(h);
}
END_TEST

Suite* check_netstack_suite(void) {
    Suite* s = suite_create("check_netstack");
    TCase* tc = tcase_create("udp");
    tcase_add_test(tc, test_bind_rules);
    tcase_add_test(tc, test_ephemeral_ports);
    tcase_add_test(tc, test_lookup_precedence);
    tcase_add_test(tc, test_unreachable_and_buffer);
    suite_add_tcase(s, tc);
    return s;
}
