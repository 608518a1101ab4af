/* The wire format of umbra's packets: see ipv4.h. */
#include "host/ipv4.h"

#include <string.h>

#include "host/tcp.h"

static void _ipv4_put16(uint8_t* at, uint16_t v) {
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void _ipv4_put32(uint8_t* at, uint32_t v) {
    _ipv4_put16(at, (uint16_t)(v >> 16));
    _ipv4_put16(at + 2, (uint16_t)v);
}

uint32_t ipv4_checksumAdd(uint32_t sum, const void* data, size_t len) {
    const uint8_t* b = data;
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        s += (uint32_t)b[i] << 8 | b[i + 1];
    }
    if (i < len) {
        s += (uint32_t)b[i] << 8;
    }
    while (s >> 32) { /* keep the carries (ones' complement: end-around) */
        s = (s & 0xffffffffu) + (s >> 32);
    }
    return (uint32_t)s;
}

uint16_t ipv4_checksumFinish(uint32_t sum) {
    while (sum >> 16) {
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint16_t ipv4_checksum(const void* data, size_t len) {
    return ipv4_checksumFinish(ipv4_checksumAdd(0, data, len));
}

uint16_t ipv4_udpChecksum(NetAddr src, NetAddr dst, const uint8_t* payload, size_t len) {
    uint8_t pseudo[12 + UDP_HEADER_LEN];
    _ipv4_put32(pseudo, src.ip);
    _ipv4_put32(pseudo + 4, dst.ip);
    pseudo[8] = 0;
    pseudo[9] = IPV4_PROTO_UDP;
    _ipv4_put16(pseudo + 10, (uint16_t)(UDP_HEADER_LEN + len));
    /* The UDP header itself, checksum field 0. */
    _ipv4_put16(pseudo + 12, src.port);
    _ipv4_put16(pseudo + 14, dst.port);
    _ipv4_put16(pseudo + 16, (uint16_t)(UDP_HEADER_LEN + len));
    _ipv4_put16(pseudo + 18, 0);
    uint32_t sum = ipv4_checksumAdd(0, pseudo, sizeof(pseudo));
    if (len > 0) {
        sum = ipv4_checksumAdd(sum, payload, len);
    }
    uint16_t c = ipv4_checksumFinish(sum);
    return c == 0 ? 0xffff : c;
}

/* An IPv4 header without options, checksum filled in. */
static void _ipv4_header(uint8_t* h, uint32_t src, uint32_t dst, uint8_t proto, size_t total) {
    memset(h, 0, IPV4_HEADER_LEN);
    h[0] = 0x45; /* version 4, IHL 5 words */
    _ipv4_put16(h + 2, (uint16_t)total);
    _ipv4_put16(h + 6, 0x4000); /* DF, fragment offset 0 */
    h[8] = IPV4_TTL;
    h[9] = proto;
    _ipv4_put32(h + 12, src);
    _ipv4_put32(h + 16, dst);
    _ipv4_put16(h + 10, ipv4_checksum(h, IPV4_HEADER_LEN));
}

static void _ipv4_udpHeader(uint8_t* u, NetAddr src, NetAddr dst, size_t len, uint16_t csum) {
    _ipv4_put16(u, src.port);
    _ipv4_put16(u + 2, dst.port);
    _ipv4_put16(u + 4, (uint16_t)(UDP_HEADER_LEN + len));
    _ipv4_put16(u + 6, csum);
}

size_t ipv4_buildHeaders(const Packet* p, uint8_t* out, size_t* total) {
    if (p->proto == NET_PROTO_TCP) {
        size_t tcp_len = tcp_headerLen(&p->tcp);
        *total = IPV4_HEADER_LEN + tcp_len + p->len;
        _ipv4_header(out, p->src.ip, p->dst.ip, IPV4_PROTO_TCP, *total);
        tcp_writeHeader(p, out + IPV4_HEADER_LEN);
        return IPV4_HEADER_LEN + tcp_len;
    }
    if (!p->icmp_unreachable) {
        *total = IPV4_HEADER_LEN + UDP_HEADER_LEN + p->len;
        _ipv4_header(out, p->src.ip, p->dst.ip, IPV4_PROTO_UDP, *total);
        _ipv4_udpHeader(out + IPV4_HEADER_LEN, p->src, p->dst, p->len,
                        ipv4_udpChecksum(p->src, p->dst, p->payload, p->len));
        return IPV4_HEADER_LEN + UDP_HEADER_LEN;
    }
    /* From the host that refused (p->src) to the datagram's sender (p->dst), quoting the
     * datagram p->dst -> p->src as it arrived. */
    *total = IPV4_ICMP_ERROR_LEN;
    _ipv4_header(out, p->src.ip, p->dst.ip, IPV4_PROTO_ICMP, *total);
    uint8_t* icmp = out + IPV4_HEADER_LEN;
    memset(icmp, 0, ICMP_HEADER_LEN);
    icmp[0] = 3; /* destination unreachable */
    icmp[1] = 3; /* port unreachable */
    uint8_t* quote = icmp + ICMP_HEADER_LEN;
    _ipv4_header(quote, p->dst.ip, p->src.ip, IPV4_PROTO_UDP,
                 IPV4_HEADER_LEN + UDP_HEADER_LEN + p->about_len);
    _ipv4_udpHeader(quote + IPV4_HEADER_LEN, p->dst, p->src, p->about_len, p->about_csum);
    _ipv4_put16(icmp + 2, ipv4_checksum(icmp, ICMP_HEADER_LEN + IPV4_HEADER_LEN + UDP_HEADER_LEN));
    return *total;
}
