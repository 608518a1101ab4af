/* pcap capture files (compat.md 1.6, 3.1): with `pcap_enabled`, each host writes `lo.pcap` and
 * `eth0.pcap` in its directory.
 *
 * Format: classic libpcap, little-endian, magic 0xa1b23c4d (nanosecond timestamps: simulated time
 * is in nanoseconds, and microseconds would merge events 1 ns apart), version 2.4, snaplen =
 * `pcap_capture_size`, link type LINKTYPE_RAW (101: each record is an IPv4 packet, no link
 * header; umbra has no MAC addresses to invent). A record keeps the first snaplen bytes of the
 * packet and its original length. Timestamps are simulated time since the start of the run, so
 * they begin at the Unix epoch, as Shadow's (compat.md 3.1), not at the 2000-01-01 epoch
 * managed processes see (PCAP_EPOCH_SECONDS).
 *
 * Buffering: records collect in memory and go to the file when PCAP_FLUSH_BYTES have gathered,
 * and on pcapwriter_flush/pcapwriter_close. A writer belongs to one host, so only the thread
 * running that host touches it (no locking). A write error is logged once, and the writer then
 * drops what it captures. */
#ifndef SIM_HOST_PCAP_H_
#define SIM_HOST_PCAP_H_

#include <stddef.h>
#include <stdint.h>

#include "host/netstack.h"
#include "lib/simtime.h"

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_LINKTYPE_RAW 101
#define PCAP_GLOBAL_HEADER_LEN 24
#define PCAP_RECORD_HEADER_LEN 16
/* Added to the simulated time (seconds) in record timestamps: 0, Shadow's choice. */
#define PCAP_EPOCH_SECONDS 0
/* Buffered bytes that trigger a write to the file. */
#define PCAP_FLUSH_BYTES (256 * 1024)

typedef struct _PcapWriter PcapWriter;

/* Creates (or truncates) `path` and writes the global header with `snaplen`. NULL on failure,
 * with errno set. */
PcapWriter* pcapwriter_open(const char* path, uint32_t snaplen);

/* Adds a record at time `ts` for the packet made of `head` followed by `tail` (either may be
 * empty): orig_len is head_len + tail_len, and at most snaplen bytes of it are kept. */
void pcapwriter_writeRecord(PcapWriter* w, SimTime ts, const uint8_t* head, size_t head_len,
                            const uint8_t* tail, size_t tail_len);

/* Adds a record for umbra packet `p` as it is on the wire (host/ipv4.h). */
void pcapwriter_writePacket(PcapWriter* w, SimTime ts, const Packet* p);

/* Writes out what is buffered. 0 or a negative errno. */
int pcapwriter_flush(PcapWriter* w);

/* Flushes, closes the file and frees the writer. NULL is fine. */
void pcapwriter_close(PcapWriter* w);

#endif
