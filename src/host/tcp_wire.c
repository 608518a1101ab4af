/* TCP header bytes (RFC 9293 3.1) for pcap, and the reset for a segment nobody wants: see tcp.h.
 *
 * Options in the order and with the padding Linux's tcp_options_write uses: MSS; then SACK_PERM
 * and TS together (or NOP NOP TS without SACK); NOP NOP SACK_PERM when only SACK; NOP WS; then
 * NOP NOP SACK with the blocks. Every option that is set is written, SYN or not, so the length
 * is 20 plus at most 40 (a header never has more SACK blocks than fit). */
#include "host/tcp.h"

#include <glib.h>
#include <string.h>

#include "host/ipv4.h"

#define TCP_HEADER_MIN 20
#define TCP_OPTIONS_MAX 40

static void _tcpwire_put16(uint8_t* at, uint16_t v) {
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void _tcpwire_put32(uint8_t* at, uint32_t v) {
    _tcpwire_put16(at, (uint16_t)(v >> 16));
    _tcpwire_put16(at + 2, (uint16_t)v);
}

/* SACK blocks that fit next to the other options. */
static unsigned _tcpwire_nsack(const TcpHeader* h, size_t others) {
    unsigned n = h->nsack;
    while (n > 0 && others + 4 + 8 * n > TCP_OPTIONS_MAX) {
        n--;
    }
    return n;
}

static size_t _tcpwire_optionsLen(const TcpHeader* h, unsigned* nsack) {
    size_t len = 0;
    if (h->mss != 0) {
        len += 4;
    }
    if (h->has_ts) {
        len += 12;
    } else if (h->sack_permitted) {
        len += 4;
    }
    if (h->wscale >= 0) {
        len += 4;
    }
    unsigned n = _tcpwire_nsack(h, len);
    if (n > 0) {
        len += 4 + 8 * n;
    }
    *nsack = n;
    return len;
}

size_t tcp_headerLen(const TcpHeader* h) {
    unsigned nsack;
    return TCP_HEADER_MIN + _tcpwire_optionsLen(h, &nsack);
}

static uint8_t* _tcpwire_options(const TcpHeader* h, unsigned nsack, uint8_t* o) {
    if (h->mss != 0) {
        o[0] = 2;
        o[1] = 4;
        _tcpwire_put16(o + 2, h->mss);
        o += 4;
    }
    if (h->has_ts) {
        if (h->sack_permitted) {
            o[0] = 4;
            o[1] = 2;
        } else {
            o[0] = 1;
            o[1] = 1;
        }
        o[2] = 8;
        o[3] = 10;
        _tcpwire_put32(o + 4, h->tsval);
        _tcpwire_put32(o + 8, h->tsecr);
        o += 12;
    } else if (h->sack_permitted) {
        o[0] = 1;
        o[1] = 1;
        o[2] = 4;
        o[3] = 2;
        o += 4;
    }
    if (h->wscale >= 0) {
        o[0] = 1;
        o[1] = 3;
        o[2] = 3;
        o[3] = (uint8_t)h->wscale;
        o += 4;
    }
    if (nsack > 0) {
        o[0] = 1;
        o[1] = 1;
        o[2] = 5;
        o[3] = (uint8_t)(2 + 8 * nsack);
        o += 4;
        for (unsigned i = 0; i < nsack; i++) {
            _tcpwire_put32(o, h->sack[i][0]);
            _tcpwire_put32(o + 4, h->sack[i][1]);
            o += 8;
        }
    }
    return o;
}

size_t tcp_writeHeader(const Packet* p, uint8_t* out) {
    const TcpHeader* h = &p->tcp;
    unsigned nsack;
    size_t len = TCP_HEADER_MIN + _tcpwire_optionsLen(h, &nsack);
    memset(out, 0, len);
    _tcpwire_put16(out, p->src.port);
    _tcpwire_put16(out + 2, p->dst.port);
    _tcpwire_put32(out + 4, h->seq);
    _tcpwire_put32(out + 8, h->ack);
    out[12] = (uint8_t)((len / 4) << 4);
    out[13] = h->flags;
    _tcpwire_put16(out + 14, h->window);
    _tcpwire_options(h, nsack, out + TCP_HEADER_MIN);
    /* The checksum over the pseudo header (RFC 9293 3.1), the header and the payload. */
    uint8_t pseudo[12];
    _tcpwire_put32(pseudo, p->src.ip);
    _tcpwire_put32(pseudo + 4, p->dst.ip);
    pseudo[8] = 0;
    pseudo[9] = NET_PROTO_TCP;
    _tcpwire_put16(pseudo + 10, (uint16_t)(len + p->len));
    uint32_t sum = ipv4_checksumAdd(0, pseudo, sizeof(pseudo));
    sum = ipv4_checksumAdd(sum, out, len);
    if (p->len > 0) {
        sum = ipv4_checksumAdd(sum, p->payload, p->len);
    }
    _tcpwire_put16(out + 16, ipv4_checksumFinish(sum));
    return len;
}

Packet* tcp_makeReset(const Packet* seg) {
    const TcpHeader* in = &seg->tcp;
    if (in->flags & TCP_FLAG_RST) {
        return NULL;
    }
    Packet* p = g_new0(Packet, 1);
    p->proto = NET_PROTO_TCP;
    p->src = seg->dst;
    p->dst = seg->src;
    p->tcp.wscale = -1;
    if (in->flags & TCP_FLAG_ACK) {
        p->tcp.seq = in->ack;
        p->tcp.flags = TCP_FLAG_RST;
    } else {
        /* No ACK to take a sequence number from: acknowledge the whole segment instead. */
        uint32_t span = (uint32_t)seg->len + ((in->flags & TCP_FLAG_SYN) ? 1 : 0) +
                        ((in->flags & TCP_FLAG_FIN) ? 1 : 0);
        p->tcp.seq = 0;
        p->tcp.ack = in->seq + span;
        p->tcp.flags = TCP_FLAG_RST | TCP_FLAG_ACK;
    }
    return p;
}
