/* pcap capture files: see pcap.h. */
#include "host/pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "host/ipv4.h"
#include "lib/logger.h"

struct _PcapWriter {
    int fd;
    char* path;
    uint32_t snaplen;
    GByteArray* buf; /* records not written yet */
    int error;       /* first write error (positive errno), 0 if none */
};

static void _pcap_put32(uint8_t* at, uint32_t v) { /* little-endian, whatever the machine */
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
    at[2] = (uint8_t)(v >> 16);
    at[3] = (uint8_t)(v >> 24);
}

static void _pcap_put16(uint8_t* at, uint16_t v) {
    at[0] = (uint8_t)v;
    at[1] = (uint8_t)(v >> 8);
}

PcapWriter* pcapwriter_open(const char* path, uint32_t snaplen) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return NULL;
    }
    PcapWriter* w = g_new0(PcapWriter, 1);
    w->fd = fd;
    w->path = g_strdup(path);
    w->snaplen = snaplen;
    w->buf = g_byte_array_sized_new(PCAP_FLUSH_BYTES);
    uint8_t h[PCAP_GLOBAL_HEADER_LEN];
    _pcap_put32(h, PCAP_MAGIC_NSEC);
    _pcap_put16(h + 4, PCAP_VERSION_MAJOR);
    _pcap_put16(h + 6, PCAP_VERSION_MINOR);
    _pcap_put32(h + 8, 0);  /* thiszone: UTC */
    _pcap_put32(h + 12, 0); /* sigfigs */
    _pcap_put32(h + 16, snaplen);
    _pcap_put32(h + 20, PCAP_LINKTYPE_RAW);
    g_byte_array_append(w->buf, h, sizeof(h));
    return w;
}

int pcapwriter_flush(PcapWriter* w) {
    size_t done = 0;
    while (w->error == 0 && done < w->buf->len) {
        ssize_t n = write(w->fd, w->buf->data + done, w->buf->len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            w->error = n < 0 ? errno : EIO;
            log_warning("pcap: writing %s failed (%s); its further packets are dropped", w->path,
                        g_strerror(w->error));
            break;
        }
        done += (size_t)n;
    }
    g_byte_array_set_size(w->buf, 0);
    return -w->error;
}

void pcapwriter_writeRecord(PcapWriter* w, SimTime ts, const uint8_t* head, size_t head_len,
                            const uint8_t* tail, size_t tail_len) {
    if (w->error != 0) {
        return;
    }
    size_t orig = head_len + tail_len;
    size_t incl = orig < w->snaplen ? orig : w->snaplen;
    uint64_t sec = ts / SIMTIME_ONE_SECOND + PCAP_EPOCH_SECONDS;
    uint8_t r[PCAP_RECORD_HEADER_LEN];
    _pcap_put32(r, (uint32_t)sec);
    _pcap_put32(r + 4, (uint32_t)(ts % SIMTIME_ONE_SECOND)); /* nanoseconds */
    _pcap_put32(r + 8, (uint32_t)incl);
    _pcap_put32(r + 12, (uint32_t)(orig > UINT32_MAX ? UINT32_MAX : orig));
    g_byte_array_append(w->buf, r, sizeof(r));
    size_t from_head = incl < head_len ? incl : head_len;
    if (from_head > 0) {
        g_byte_array_append(w->buf, head, (guint)from_head);
    }
    if (incl > from_head) {
        g_byte_array_append(w->buf, tail, (guint)(incl - from_head));
    }
    if (w->buf->len >= PCAP_FLUSH_BYTES) {
        pcapwriter_flush(w);
    }
}

void pcapwriter_writePacket(PcapWriter* w, SimTime ts, const Packet* p) {
    uint8_t headers[IPV4_MAX_HEADERS_LEN];
    size_t total = 0;
    size_t n = ipv4_buildHeaders(p, headers, &total);
    pcapwriter_writeRecord(w, ts, headers, n, n < total ? p->payload : NULL, total - n);
}

void pcapwriter_close(PcapWriter* w) {
    if (w == NULL) {
        return;
    }
    pcapwriter_flush(w);
    if (close(w->fd) != 0 && w->error == 0) {
        log_warning("pcap: closing %s failed (%s)", w->path, g_strerror(errno));
    }
    g_byte_array_free(w->buf, TRUE);
    g_free(w->path);
    g_free(w);
}
