#!/usr/bin/env python3
"""Checks the pcap files of a run of pcap.yaml.in (see there for who sends what).

Usage: check_pcap.py DATA_DIR. Prints every failed check and exits 1 if there was one.

Asserted: the global header (nanosecond magic, version 2.4, thiszone 0, sigfigs 0, the host's
snaplen, LINKTYPE_RAW); every record's lengths (incl_len = min(orig_len, snaplen)) and IPv4 header
(version, IHL, total length = orig_len, TTL 64, header checksum), UDP length and checksum, ICMP
port unreachable layout and checksums; on eth0, exactly one record per datagram each way, with
the right addresses, ports and lengths, the receiver's record exactly one path latency (35 ms)
after the sender's and the same bytes; timestamps since the start of the simulation; lo.pcap
holding the loopback exchange of `local` (server) and the exchange through the host's own address
(client), eth0 none of it; no pcap file on the host with pcap off."""
import glob
import os
import struct
import sys

LATENCY_NS = 35_000_000  # one way: 10 ms + 25 ms
PING_PAYLOAD = 1400
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s  # 0xffff over data holding a valid checksum


def ip_str(b):
    return ".".join(str(x) for x in b)


def read_pcap(path, snaplen):
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.relpath(path, sys.argv[1])
    check(len(data) >= 24, f"{name}: no global header")
    magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack("<IHHiIII", data[:24])
    check(magic == 0xA1B23C4D, f"{name}: magic {magic:#x}, wanted 0xa1b23c4d (ns, little-endian)")
    check((vmaj, vmin) == (2, 4), f"{name}: version {vmaj}.{vmin}")
    check(zone == 0 and sigfigs == 0, f"{name}: thiszone {zone} sigfigs {sigfigs}")
    check(snap == snaplen, f"{name}: snaplen {snap}, wanted {snaplen}")
    check(link == 101, f"{name}: link type {link}, wanted 101 (LINKTYPE_RAW)")
    records, off = [], 24
    while off < len(data):
        if not check(off + 16 <= len(data), f"{name}: truncated record header at {off}"):
            break
        sec, nsec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        check(len(pkt) == incl, f"{name}: record at {off} cut short")
        check(nsec < 1_000_000_000, f"{name}: record at {off}: {nsec} ns")
        check(incl == min(orig, snaplen), f"{name}: record at {off}: incl_len {incl}, "
              f"orig_len {orig}, snaplen {snaplen}")
        records.append(parse(name, len(records), sec * 1_000_000_000 + nsec, pkt, orig))
        off += 16 + incl
    return records


def parse(name, i, ts, pkt, orig):
    """A record as a dict, its headers checked."""
    where = f"{name} record {i}"
    r = {"ts": ts, "bytes": pkt, "orig": orig, "full": len(pkt) == orig}
    if not check(len(pkt) >= 28, f"{where}: shorter than IPv4 + UDP headers"):
        return r
    ip = pkt[:20]
    check(ip[0] == 0x45, f"{where}: version/IHL byte {ip[0]:#x}")
    check(struct.unpack("!H", ip[2:4])[0] == orig, f"{where}: IP total length != orig_len")
    check(ip[8] == 64, f"{where}: TTL {ip[8]}")
    check(csum(ip) == 0xFFFF, f"{where}: bad IPv4 header checksum")
    r.update(proto=ip[9], src=ip_str(ip[12:16]), dst=ip_str(ip[16:20]))
    if ip[9] == 17:
        sport, dport, ulen, ucs = struct.unpack("!HHHH", pkt[20:28])
        r.update(sport=sport, dport=dport, payload=orig - 28)
        check(ulen == orig - 20, f"{where}: UDP length {ulen}, packet {orig}")
        if r["full"]:
            pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
            check(ucs != 0 and csum(pseudo + pkt[20:]) == 0xFFFF, f"{where}: bad UDP checksum")
    elif check(ip[9] == 1, f"{where}: protocol {ip[9]}"):
        check(orig == 56 and len(pkt) == 56, f"{where}: ICMP error of {orig} bytes, wanted 56")
        icmp = pkt[20:]
        check(icmp[0] == 3 and icmp[1] == 3, f"{where}: ICMP type {icmp[0]} code {icmp[1]}")
        check(csum(icmp) == 0xFFFF, f"{where}: bad ICMP checksum")
        q = icmp[8:28]
        check(q[0] == 0x45 and q[9] == 17 and csum(q) == 0xFFFF, f"{where}: bad quoted header")
        sport, dport, ulen, ucs = struct.unpack("!HHHH", icmp[28:36])
        r.update(q_src=ip_str(q[12:16]), q_dst=ip_str(q[16:20]), q_sport=sport, q_dport=dport,
                 q_len=ulen, q_csum=ucs, q_total=struct.unpack("!H", q[2:4])[0])
        check(r["q_src"] == r["dst"] and r["q_dst"] == r["src"],
              f"{where}: the quoted datagram is not the one refused")
        check(r["q_total"] == ulen + 20, f"{where}: quoted lengths disagree")
    return r


def udp(r, src, sport, dst, dport, payload):
    return (r.get("proto") == 17 and r["src"] == src and r["dst"] == dst and
            (sport is None or r["sport"] == sport) and r["dport"] == dport and
            r["payload"] == payload)


def main():
    data = sys.argv[1]
    hosts = os.path.join(data, "hosts")

    def stdout_line(host, prefix):
        for f in sorted(glob.glob(os.path.join(hosts, host, "test_udp_ping.*.stdout"))):
            for line in open(f):
                if line.startswith(prefix):
                    return line.split()[-1]
        failures.append(f"{host}: no stdout line starting with '{prefix}'")
        return "?"

    S = stdout_line("client", "server is ")
    C = stdout_line("client", "client is ")
    check(S != C and not S.startswith("127.") and not C.startswith("127."),
          f"addresses: server {S}, client {C}")

    check(glob.glob(os.path.join(hosts, "quiet", "*.pcap")) == [],
          "quiet (pcap_enabled: false) has pcap files")
    for h in ("client", "server"):
        for f in ("lo.pcap", "eth0.pcap"):
            check(os.path.isfile(os.path.join(hosts, h, f)), f"{h}/{f} missing")
    if failures:
        return
    ce = read_pcap(os.path.join(hosts, "client", "eth0.pcap"), 65535)
    se = read_pcap(os.path.join(hosts, "server", "eth0.pcap"), 1000)
    cl = read_pcap(os.path.join(hosts, "client", "lo.pcap"), 65535)
    sl = read_pcap(os.path.join(hosts, "server", "lo.pcap"), 1000)

    # eth0: 5 pings and 5 echoes, then the refused datagram and its ICMP, on both sides.
    check(len(ce) == 12, f"client eth0: {len(ce)} records, wanted 12")
    check(len(se) == 12, f"server eth0: {len(se)} records, wanted 12")
    if len(ce) == 12 and len(se) == 12:
        eph = ce[0].get("sport")
        for i in range(5):
            out_c, in_s = ce[2 * i], se[2 * i]      # the ping, sent and received
            out_s, in_c = se[2 * i + 1], ce[2 * i + 1]  # the echo
            check(udp(out_c, C, eph, S, 7777, PING_PAYLOAD), f"client eth0 {2 * i}: not ping {i}")
            check(udp(in_s, C, eph, S, 7777, PING_PAYLOAD), f"server eth0 {2 * i}: not ping {i}")
            check(udp(out_s, S, 7777, C, eph, PING_PAYLOAD), f"server eth0 {2 * i + 1}: not echo {i}")
            check(udp(in_c, S, 7777, C, eph, PING_PAYLOAD), f"client eth0 {2 * i + 1}: not echo {i}")
            for a, b, what in ((out_c, in_s, "ping"), (out_s, in_c, "echo")):
                check(b["ts"] - a["ts"] == LATENCY_NS,
                      f"{what} {i}: received {b['ts'] - a['ts']} ns after it was sent")
                n = min(len(a["bytes"]), len(b["bytes"]))
                check(a["bytes"][:n] == b["bytes"][:n], f"{what} {i}: bytes differ")
            # snaplen 1000 on the server cuts the 1428-byte packets; the client keeps them whole.
            for r, what in ((in_s, "ping"), (out_s, "echo")):
                check(len(r["bytes"]) == 1000 and r["orig"] == 1428,
                      f"{what} {i} on server: incl {len(r['bytes'])} orig {r['orig']}")
            for r in (out_c, in_c):
                check(r["full"] and r["orig"] == 1428, f"ping {i} on client: not whole")
            check(out_s["ts"] == in_s["ts"], f"echo {i} not sent when ping {i} arrived")
            check(out_s["bytes"][28:] == in_s["bytes"][28:], f"echo {i}: payload differs")
        # Timestamps count from the start of the simulation: the client started at 2 s.
        check(2_000_000_000 <= ce[0]["ts"] < 3_000_000_000,
              f"first ping at {ce[0]['ts']} ns, wanted within [2 s, 3 s) of simulated time")
        refused_c, refused_s = ce[10], se[10]
        check(udp(refused_c, C, None, S, 7778, 7), "client eth0 10: not the refused datagram")
        check(udp(refused_s, C, None, S, 7778, 7), "server eth0 10: not the refused datagram")
        check(refused_s["ts"] - refused_c["ts"] == LATENCY_NS, "refused datagram: latency")
        icmp_s, icmp_c = se[11], ce[11]
        for r, where in ((icmp_s, "server"), (icmp_c, "client")):
            if check(r.get("proto") == 1, f"{where} eth0 11: not ICMP"):
                check(r["src"] == S and r["dst"] == C, f"{where} ICMP: addresses")
                check(r["q_sport"] == refused_c["sport"] and r["q_dport"] == 7778 and
                      r["q_len"] == 15, f"{where} ICMP: quotes the wrong datagram")
                check(r["q_csum"] == struct.unpack("!H", refused_c["bytes"][26:28])[0],
                      f"{where} ICMP: quoted UDP checksum differs from the datagram's")
        check(icmp_s["ts"] == refused_s["ts"], "ICMP not sent when the datagram arrived")
        check(icmp_c["ts"] - icmp_s["ts"] == LATENCY_NS, "ICMP: latency")
        check(icmp_c["bytes"] == icmp_s["bytes"], "ICMP: bytes differ between the hosts")

    # lo on the server: `local` over 127.0.0.1 (3 pings, 3 echoes, a refused datagram and its
    # ICMP, a flood of 50), once each, from 10 s on.
    L = "127.0.0.1"
    check(len(sl) == 58, f"server lo: {len(sl)} records, wanted 58")
    check(all(r.get("src") == L and r.get("dst") == L for r in sl), "server lo: not all loopback")
    check(all(r["ts"] >= 10_000_000_000 for r in sl), "server lo: a record before 10 s")
    count = lambda recs, f: sum(1 for r in recs if f(r))
    check(count(sl, lambda r: udp(r, L, None, L, 17777, 6)) == 3, "server lo: 3 pings")
    check(count(sl, lambda r: r.get("sport") == 17777 and r.get("payload") == 6) == 3,
          "server lo: 3 echoes")
    check(count(sl, lambda r: udp(r, L, None, L, 17778, 7)) == 1, "server lo: refused datagram")
    check(count(sl, lambda r: r.get("proto") == 1 and r["q_dport"] == 17778) == 1,
          "server lo: its ICMP")
    check(count(sl, lambda r: udp(r, L, None, L, 17779, len(r["bytes"]) - 28)) == 50,
          "server lo: 50 flood datagrams")
    # lo on the client: the exchange through its own address (2 pings, 2 echoes, a refused
    # datagram, its ICMP), none of it on eth0 (checked above by the count).
    check(len(cl) == 6, f"client lo: {len(cl)} records, wanted 6")
    check(all(r.get("src") == C and r.get("dst") == C for r in cl),
          f"client lo: not all {C} -> {C}")
    check(count(cl, lambda r: udp(r, C, None, C, 7780, 6)) == 2, "client lo: 2 pings")
    check(count(cl, lambda r: r.get("sport") == 7780) == 2, "client lo: 2 echoes")
    check(count(cl, lambda r: r.get("proto") == 1 and r["q_dport"] == 7781) == 1,
          "client lo: ICMP")


main()
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print("pcap checks passed")
