/* pcap capture (host/pcap.h) and the wire format it writes (host/ipv4.h): the Internet checksum
 * against known values, the headers built for UDP datagrams and ICMP port unreachables, the pcap
 * file layout (global header, records, truncation to the snaplen, buffering), and a host with
 * pcap_enabled capturing loopback, own-address and outgoing packets on the right interface. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "host/host.h"
#include "host/ipv4.h"
#include "host/netstack.h"
#include "host/network.h"
#include "host/pcap.h"
#include "lib/rng.h"

static uint32_t _le32(const uint8_t* b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint16_t _be16(const uint8_t* b) {
    return (uint16_t)(b[0] << 8 | b[1]);
}

static char* _tmpdir(void) {
    char* dir = g_dir_make_tmp("umbra-check-pcap-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    return dir;
}

static GBytes* _read(const char* dir, const char* name) {
    char* path = g_build_filename(dir, name, NULL);
    gchar* data = NULL;
    gsize len = 0;
    ck_assert_msg(g_file_get_contents(path, &data, &len, NULL), "cannot read %s", path);
    g_free(path);
    return g_bytes_new_take(data, len);
}

static void _rmtree(char* dir) {
    GDir* d = g_dir_open(dir, 0, NULL);
    const char* name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        char* path = g_build_filename(dir, name, NULL);
        g_unlink(path);
        g_free(path);
    }
    if (d != NULL) {
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
}

/* ---- The Internet checksum --------------------------------------------------------------- */

START_TEST(test_checksum_known_values) {
    /* RFC 1071 section 3's example: the sum is 0xddf2, the checksum its complement. */
    const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(ipv4_checksum(rfc, sizeof(rfc)), 0x220d);
    /* A real IPv4 header (192.168.0.1 -> 192.168.0.199, UDP, total 115) with its checksum
     * field zero: the checksum is 0xb861; with it filled in, the header sums to 0. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    ck_assert_uint_eq(ipv4_checksum(h, sizeof(h)), 0xb861);
    h[10] = 0xb8;
    h[11] = 0x61;
    ck_assert_uint_eq(ipv4_checksum(h, sizeof(h)), 0);
    /* An odd length pads the last byte with zero (as the high byte of a word). */
    const uint8_t odd[] = {0x12, 0x34, 0x56};
    ck_assert_uint_eq(ipv4_checksum(odd, 3), (uint16_t) ~(0x1234 + 0x5600));
    /* Carries wrap around: 0xffff + 0x0001 folds to 0x0001. */
    const uint8_t carry[] = {0xff, 0xff, 0x00, 0x01};
    ck_assert_uint_eq(ipv4_checksum(carry, 4), (uint16_t)~0x0001);
    ck_assert_uint_eq(ipv4_checksum(NULL, 0), 0xffff);
}
END_TEST

START_TEST(test_checksum_chained) {
    uint8_t buf[1001];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
    uint32_t sum = ipv4_checksumAdd(0, buf, 400);
    sum = ipv4_checksumAdd(sum, buf + 400, 600);
    sum = ipv4_checksumAdd(sum, buf + 1000, 1);
    ck_assert_uint_eq(ipv4_checksumFinish(sum), ipv4_checksum(buf, sizeof(buf)));
    /* Long runs of 0xffff words do not lose carries. */
    static uint8_t ones[200000];
    memset(ones, 0xff, sizeof(ones));
    ck_assert_uint_eq(ipv4_checksum(ones, sizeof(ones)), 0);
}
END_TEST

START_TEST(test_udp_checksum) {
    NetAddr src = {0x0b000001u, 40000}, dst = {0x0b000002u, 7777};
    const uint8_t payload[] = "hello, world";
    size_t len = sizeof(payload) - 1;
    uint16_t c = ipv4_udpChecksum(src, dst, payload, len);
    /* Pseudo header, UDP header with the checksum, payload: the ones' complement sum is 0xffff. */
    uint8_t all[12 + 8 + sizeof(payload)];
    const uint8_t head[20] = {0x0b,
                              0,
                              0,
                              1,
                              0x0b,
                              0,
                              0,
                              2,
                              0,
                              17,
                              0,
                              20,
                              40000 >> 8,
                              40000 & 0xff,
                              7777 >> 8,
                              7777 & 0xff,
                              0,
                              20,
                              (uint8_t)(c >> 8),
                              (uint8_t)c};
    memcpy(all, head, 20);
    memcpy(all + 20, payload, len);
    ck_assert_uint_eq(ipv4_checksum(all, 20 + len), 0);
    /* A sum that comes out as 0 is sent as 0xffff (0 means "no checksum", RFC 768). */
    uint8_t two[2] = {0, 0};
    uint16_t base = ipv4_udpChecksum(src, dst, two, 2);
    two[0] = (uint8_t)(base >> 8);
    two[1] = (uint8_t)base;
    ck_assert_uint_eq(ipv4_udpChecksum(src, dst, two, 2), 0xffff);
}
END_TEST

/* ---- Headers ------------------------------------------------------------------------------ */

START_TEST(test_headers_udp) {
    uint8_t payload[100];
    memset(payload, 'x', sizeof(payload));
    Packet p = {.proto = NET_PROTO_UDP,
                .src = {0x7f000001u, 10001},
                .dst = {0x0b000003u, 53},
                .payload = payload,
                .len = sizeof(payload)};
    uint8_t h[IPV4_MAX_HEADERS_LEN];
    size_t total = 0;
    ck_assert_uint_eq(ipv4_buildHeaders(&p, h, &total), 28);
    ck_assert_uint_eq(total, 128);
    ck_assert_uint_eq(h[0], 0x45);
    ck_assert_uint_eq(_be16(h + 2), 128);
    ck_assert_uint_eq(_be16(h + 6), 0x4000); /* DF */
    ck_assert_uint_eq(h[8], 64);
    ck_assert_uint_eq(h[9], 17);
    ck_assert_uint_eq(ipv4_checksum(h, 20), 0);
    const uint8_t addrs[8] = {127, 0, 0, 1, 11, 0, 0, 3};
    ck_assert_mem_eq(h + 12, addrs, 8);
    ck_assert_uint_eq(_be16(h + 20), 10001);
    ck_assert_uint_eq(_be16(h + 22), 53);
    ck_assert_uint_eq(_be16(h + 24), 108);
    ck_assert_uint_eq(_be16(h + 26), ipv4_udpChecksum(p.src, p.dst, payload, sizeof(payload)));
    /* The largest datagram fills the 16-bit total length exactly. */
    static uint8_t largest[65507];
    p.payload = largest;
    p.len = sizeof(largest);
    ipv4_buildHeaders(&p, h, &total);
    ck_assert_uint_eq(total, 65535);
    ck_assert_uint_eq(_be16(h + 2), 65535);
    ck_assert_uint_eq(_be16(h + 24), 65515);
    ck_assert_uint_eq(ipv4_checksum(h, 20), 0);
}
END_TEST

START_TEST(test_headers_icmp) {
    /* 11.0.0.2 refuses a 7-byte datagram 11.0.0.1:40000 -> 11.0.0.2:7778. */
    Packet p = {.proto = NET_PROTO_UDP,
                .icmp_unreachable = true,
                .src = {0x0b000002u, 7778},
                .dst = {0x0b000001u, 40000},
                .about_len = 7,
                .about_csum = 0xbeef};
    uint8_t h[IPV4_MAX_HEADERS_LEN];
    size_t total = 0;
    ck_assert_uint_eq(ipv4_buildHeaders(&p, h, &total), 56);
    ck_assert_uint_eq(total, 56);
    ck_assert_uint_eq(_be16(h + 2), 56);
    ck_assert_uint_eq(h[9], 1);
    ck_assert_uint_eq(ipv4_checksum(h, 20), 0);
    const uint8_t out[8] = {11, 0, 0, 2, 11, 0, 0, 1};
    ck_assert_mem_eq(h + 12, out, 8);
    ck_assert_uint_eq(h[20], 3); /* destination unreachable */
    ck_assert_uint_eq(h[21], 3); /* port unreachable */
    ck_assert_uint_eq(ipv4_checksum(h + 20, 36), 0);
    const uint8_t* q = h + 28; /* the datagram as it arrived */
    ck_assert_uint_eq(q[0], 0x45);
    ck_assert_uint_eq(_be16(q + 2), 35);
    ck_assert_uint_eq(q[9], 17);
    ck_assert_uint_eq(ipv4_checksum(q, 20), 0);
    const uint8_t in[8] = {11, 0, 0, 1, 11, 0, 0, 2};
    ck_assert_mem_eq(q + 12, in, 8);
    ck_assert_uint_eq(_be16(q + 20), 40000);
    ck_assert_uint_eq(_be16(q + 22), 7778);
    ck_assert_uint_eq(_be16(q + 24), 15);
    ck_assert_uint_eq(_be16(q + 26), 0xbeef);
}
END_TEST

/* ---- The pcap writer ---------------------------------------------------------------------- */

START_TEST(test_writer_layout) {
    char* dir = _tmpdir();
    char* path = g_build_filename(dir, "x.pcap", NULL);
    PcapWriter* w = pcapwriter_open(path, 40);
    ck_assert_ptr_nonnull(w);
    uint8_t head[30], tail[70];
    memset(head, 'h', sizeof(head));
    memset(tail, 't', sizeof(tail));
    /* 3.5 s: seconds and nanoseconds. Cut to 40 bytes: all of head and 10 of tail. */
    pcapwriter_writeRecord(w, 3 * SIMTIME_ONE_SECOND + 500000001, head, 30, tail, 70);
    /* Short enough to keep whole; no tail. */
    pcapwriter_writeRecord(w, 4 * SIMTIME_ONE_SECOND, head, 12, NULL, 0);
    /* Cut inside head. */
    pcapwriter_writeRecord(w, 5, NULL, 0, tail, 45);
    pcapwriter_close(w);
    GBytes* b = _read(dir, "x.pcap");
    gsize len = 0;
    const uint8_t* d = g_bytes_get_data(b, &len);
    ck_assert_uint_eq(len, 24 + (16 + 40) + (16 + 12) + (16 + 40));
    const uint8_t global[24] = {0x4d, 0x3c, 0xb2, 0xa1, 2,  0, 4, 0, 0,   0, 0, 0,
                                0,    0,    0,    0,    40, 0, 0, 0, 101, 0, 0, 0};
    ck_assert_mem_eq(d, global, 24);
    const uint8_t* r = d + 24;
    ck_assert_uint_eq(_le32(r), 3 + PCAP_EPOCH_SECONDS);
    ck_assert_uint_eq(_le32(r + 4), 500000001);
    ck_assert_uint_eq(_le32(r + 8), 40);
    ck_assert_uint_eq(_le32(r + 12), 100);
    ck_assert_mem_eq(r + 16, head, 30);
    ck_assert_mem_eq(r + 46, tail, 10);
    r += 16 + 40;
    ck_assert_uint_eq(_le32(r), 4);
    ck_assert_uint_eq(_le32(r + 4), 0);
    ck_assert_uint_eq(_le32(r + 8), 12);
    ck_assert_uint_eq(_le32(r + 12), 12);
    r += 16 + 12;
    ck_assert_uint_eq(_le32(r), 0);
    ck_assert_uint_eq(_le32(r + 4), 5);
    ck_assert_uint_eq(_le32(r + 8), 40);
    ck_assert_uint_eq(_le32(r + 12), 45);
    ck_assert_mem_eq(r + 16, tail, 40);
    g_bytes_unref(b);
    g_free(path);
    _rmtree(dir);
}
END_TEST

START_TEST(test_writer_buffering) {
    char* dir = _tmpdir();
    char* path = g_build_filename(dir, "b.pcap", NULL);
    PcapWriter* w = pcapwriter_open(path, 65535);
    ck_assert_ptr_nonnull(w);
    static uint8_t pkt[1000];
    struct stat st;
    /* Nothing reaches the file (not even the header) before PCAP_FLUSH_BYTES have gathered. */
    size_t per = 16 + sizeof(pkt), n = 0;
    while (24 + (n + 1) * per < PCAP_FLUSH_BYTES) {
        pcapwriter_writeRecord(w, n, pkt, sizeof(pkt), NULL, 0);
        n++;
    }
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    pcapwriter_writeRecord(w, n++, pkt, sizeof(pkt), NULL, 0); /* crosses the threshold */
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)(24 + n * per));
    pcapwriter_writeRecord(w, n++, pkt, sizeof(pkt), NULL, 0);
    ck_assert_int_eq(pcapwriter_flush(w), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, (off_t)(24 + n * per));
    pcapwriter_close(w);
    /* A file that cannot be created. */
    char* bad = g_build_filename(dir, "missing", "x.pcap", NULL);
    ck_assert_ptr_null(pcapwriter_open(bad, 100));
    g_free(bad);
    g_free(path);
    _rmtree(dir);
}
END_TEST

/* ---- A host capturing --------------------------------------------------------------------- */

#define HOST_IP 0x0b000001u /* 11.0.0.1 */

static Host* _host(const char* dir, bool pcap) {
    HostParams p = {
        .id = 0,
        .name = "alpha",
        .ip = HOST_IP,
        .rng_seed = rng_hostSeed(1, "alpha"),
        .log_level = LOG_LEVEL_ERROR,
        .stop_time = SIMTIME_ONE_SECOND * 10,
        .processes = {.data_dir = dir},
        .pcap_enabled = pcap,
        .pcap_capture_size = 65535,
    };
    return host_new(&p);
}

static void _send(Host* h, uint32_t src_ip, uint32_t dst_ip, uint16_t dst_port, size_t len) {
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_UDP;
    p->src = (NetAddr){src_ip, 20000};
    p->dst = (NetAddr){dst_ip, dst_port};
    p->len = len;
    p->payload = len > 0 ? g_malloc0(len) : NULL;
    netstack_send(host_getNetStack(h), p, 0);
}

/* The (src, dst, protocol) of each record of a capture file. */
static GArray* _records(const char* dir, const char* name) {
    GBytes* b = _read(dir, name);
    gsize len = 0;
    const uint8_t* d = g_bytes_get_data(b, &len);
    GArray* out = g_array_new(FALSE, FALSE, sizeof(uint32_t[3]));
    for (gsize off = 24; off + 16 <= len;) {
        uint32_t incl = _le32(d + off + 8);
        const uint8_t* ip = d + off + 16;
        uint32_t r[3] = {(uint32_t)_be16(ip + 12) << 16 | _be16(ip + 14),
                         (uint32_t)_be16(ip + 16) << 16 | _be16(ip + 18), ip[9]};
        g_array_append_val(out, r);
        off += 16 + incl;
    }
    ck_assert_uint_ge(len, 24);
    g_bytes_unref(b);
    return out;
}

START_TEST(test_host_interfaces) {
    char* dir = _tmpdir();
    Host* h = _host(dir, true);
    host_openCaptures(h);
    ck_assert_ptr_nonnull(host_getCapture(h, true));
    ck_assert_ptr_nonnull(host_getCapture(h, false));
    _send(h, NET_LOOPBACK_IP, NET_LOOPBACK_IP, 9, 10); /* lo; nothing bound: ICMP on lo too */
    _send(h, HOST_IP, HOST_IP, 9, 10);                 /* own address: lo, as on Linux */
    _send(h, HOST_IP, 0x0b000063u, 9, 10);             /* 11.0.0.99: leaves on eth0 */
    host_free(h);                                      /* flushes and closes */
    GArray* lo = _records(dir, "lo.pcap");
    GArray* eth0 = _records(dir, "eth0.pcap");
    ck_assert_uint_eq(lo->len, 4);
    const uint32_t want_lo[4][3] = {{NET_LOOPBACK_IP, NET_LOOPBACK_IP, 17},
                                    {NET_LOOPBACK_IP, NET_LOOPBACK_IP, 1},
                                    {HOST_IP, HOST_IP, 17},
                                    {HOST_IP, HOST_IP, 1}};
    ck_assert_mem_eq(lo->data, want_lo, sizeof(want_lo));
    ck_assert_uint_eq(eth0->len, 1);
    const uint32_t want_eth0[3] = {HOST_IP, 0x0b000063u, 17};
    ck_assert_mem_eq(eth0->data, want_eth0, sizeof(want_eth0));
    g_array_free(lo, TRUE);
    g_array_free(eth0, TRUE);
    _rmtree(dir);
}
END_TEST

static bool _lossyPath(const void* routing, uint32_t src, uint32_t dst, SimTime* latency,
                       double* loss) {
    (void)routing, (void)src, (void)dst;
    *latency = SIMTIME_ONE_MILLISECOND;
    *loss = 1.0;
    return true;
}

START_TEST(test_host_lost_packet) {
    /* A datagram lost on the path still left eth0: the sender's capture has it. */
    const uint32_t ips[2] = {HOST_IP, 0x0b000002u}, nodes[2] = {0, 1};
    NetworkBackend backend = {
        .path = _lossyPath, .host_ips = ips, .host_nodes = nodes, .n_hosts = 2};
    network_setBackend(&backend);
    char* dir = _tmpdir();
    Host* h = _host(dir, true);
    host_openCaptures(h);
    _send(h, HOST_IP, 0x0b000002u, 9, 10);
    host_free(h);
    network_setBackend(NULL);
    GArray* eth0 = _records(dir, "eth0.pcap");
    GArray* lo = _records(dir, "lo.pcap");
    ck_assert_uint_eq(eth0->len, 1);
    ck_assert_uint_eq(lo->len, 0);
    const uint32_t want[3] = {HOST_IP, 0x0b000002u, 17};
    ck_assert_mem_eq(eth0->data, want, sizeof(want));
    g_array_free(eth0, TRUE);
    g_array_free(lo, TRUE);
    _rmtree(dir);
}
END_TEST

START_TEST(test_host_disabled) {
    char* dir = _tmpdir();
    Host* h = _host(dir, false);
    host_openCaptures(h);
    ck_assert_ptr_null(host_getCapture(h, true));
    ck_assert_ptr_null(host_getCapture(h, false));
    _send(h, NET_LOOPBACK_IP, NET_LOOPBACK_IP, 9, 10);
    host_free(h);
    char* path = g_build_filename(dir, "lo.pcap", NULL);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(path);
    path = g_build_filename(dir, "eth0.pcap", NULL);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(path);
    _rmtree(dir);
}
END_TEST

Suite* check_pcap_suite(void) {
    Suite* s = suite_create("check_pcap");
    TCase* tc = tcase_create("core");
    tcase_add_test(tc, test_checksum_known_values);
    tcase_add_test(tc, test_checksum_chained);
    tcase_add_test(tc, test_udp_checksum);
    tcase_add_test(tc, test_headers_udp);
    tcase_add_test(tc, test_headers_icmp);
    tcase_add_test(tc, test_writer_layout);
    tcase_add_test(tc, test_writer_buffering);
    tcase_add_test(tc, test_host_interfaces);
    tcase_add_test(tc, test_host_lost_packet);
    tcase_add_test(tc, test_host_disabled);
    suite_add_tcase(s, tc);
    return s;
}
