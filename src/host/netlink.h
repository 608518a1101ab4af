/* NETLINK_ROUTE answers (compat.md 6.5), as Linux's rtnetlink gives them for a host with two
 * interfaces: `lo` (index 1, 127.0.0.1/8, LOOPBACK|UP|RUNNING|LOWER_UP, MTU 65536) and `eth0`
 * (index 2, the host's address/24, BROADCAST|MULTICAST|UP|RUNNING|LOWER_UP, MTU 1500, MAC
 * 02:00 followed by the address's four bytes).
 *
 * Pure functions of the request and the host's address (no Host), so the unit tests drive them.
 * The socket side (bind, send, receive, readiness) is in syscall/socket.c, on a UdpSocket whose
 * `netlink` flag is set: its queue holds the reply datagrams. */
#ifndef SIM_HOST_NETLINK_H_
#define SIM_HOST_NETLINK_H_

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define NETLINK_IF_LO 1
#define NETLINK_IF_ETH0 2

/* Handles one request datagram sent by port `portid`: appends the reply datagrams (GByteArray*,
 * in the order a receiver reads them) to `replies`. A dump is one datagram with every object
 * (NLM_F_MULTI) and one with NLMSG_DONE, as Linux's netlink_dump fills them; anything else is one
 * datagram. Malformed or control messages get nothing, as in Linux. */
void netlink_handleRequest(const uint8_t* req, size_t len, uint32_t portid, uint32_t host_ip,
                           GPtrArray* replies);

/* eth0's hardware address for a host address (host byte order). */
void netlink_mac(uint32_t host_ip, uint8_t mac[6]);

/* The interface called `name` (index, or 0 if none) and back (NULL for an unknown index). */
int netlink_ifIndex(const char* name);
const char* netlink_ifName(int index);

#endif
