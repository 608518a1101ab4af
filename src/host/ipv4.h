/* The wire format of umbra's packets (RFC 791, 768, 792), for pcap: umbra's packets carry
 * addresses, ports and a payload, not bytes, so the IPv4 and UDP or ICMP headers are built here
 * only when a capture wants them.
 *
 * Headers as Linux sends them: IPv4 without options (IHL 5), TTL 64, DF set (umbra never
 * fragments), identification 0, a valid header checksum; UDP with its checksum computed over the
 * pseudo header; an ICMP port unreachable (type 3 code 3) quotes the IP header and the first 8
 * bytes (the UDP header) of the datagram it is about (RFC 792's minimum; Linux quotes up to 576
 * bytes in all, umbra no longer has the payload). */
#ifndef SIM_HOST_IPV4_H_
#define SIM_HOST_IPV4_H_

#include <stddef.h>
#include <stdint.h>

#include "host/netstack.h"

#define IPV4_HEADER_LEN 20
#define UDP_HEADER_LEN 8
#define ICMP_HEADER_LEN 8
#define TCP_MAX_HEADER_LEN 60 /* 20 and 40 bytes of options */
/* An ICMP error: its IP header, then the quoted IP + UDP headers. */
#define IPV4_ICMP_ERROR_LEN (IPV4_HEADER_LEN + ICMP_HEADER_LEN + IPV4_HEADER_LEN + UDP_HEADER_LEN)
/* The most header bytes ipv4_buildHeaders writes: IP and a TCP header with options. */
#define IPV4_MAX_HEADERS_LEN (IPV4_HEADER_LEN + TCP_MAX_HEADER_LEN)
#define IPV4_TTL 64
#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_UDP 17
#define IPV4_PROTO_TCP 6

/* Adds `len` bytes to a ones' complement running sum (RFC 1071), as 16-bit big-endian words; an
 * odd last byte is padded with zero. Start from 0; chain calls only at even offsets. */
uint32_t ipv4_checksumAdd(uint32_t sum, const void* data, size_t len);
/* Folds a running sum into the checksum field value (the complement of the folded sum). */
uint16_t ipv4_checksumFinish(uint32_t sum);
/* The Internet checksum of `len` bytes. Over data that contains its own valid checksum, 0. */
uint16_t ipv4_checksum(const void* data, size_t len);

/* The UDP checksum of a datagram src -> dst (addresses and ports host order) whose payload is
 * `len` bytes at `payload`; 0 computes to 0xffff as RFC 768 asks. */
uint16_t ipv4_udpChecksum(NetAddr src, NetAddr dst, const uint8_t* payload, size_t len);

/* Writes the headers of packet `p` into `out` (at least IPV4_MAX_HEADERS_LEN bytes) and returns
 * their length; the packet on the wire is those headers followed by p's payload (a UDP datagram
 * or TCP segment, whose header tcp_writeHeader writes) or nothing (an ICMP error). `*total` gets the whole packet's length (the IP total length). */
size_t ipv4_buildHeaders(const Packet* p, uint8_t* out, size_t* total);

#endif
