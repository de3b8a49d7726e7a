#!/usr/bin/env python3
"""flags_make.py - the inputs test_flags.sh feeds to real software, and the
flood it injects into a real capture.

  flags_make.py zone OUT
      a small unsigned root-like zone for knotd: the apex (SOA, NS, glue)
      and delegations of a few TLDs, so that queries get referrals,
      NXDOMAIN and NODATA answers as at a root.
  flags_make.py queries SEED COUNT OUT...
      dnsperf query files with a root-like mix (a resolver's share of
      names under real TLDs, junk names, leaked local suffixes, DS,
      DNSKEY, priming): COUNT lines each, the k-th OUT from seed SEED+k,
      so that each client asks its own questions.
  flags_make.py inject IN OUT --prefix A.B.C --sources N --rate Q
                --start S --duration D --qname NAME
      copy the classic pcap IN (plain or gzip, Ethernet) to OUT (plain),
      adding a flood: N sources A.B.C.1..N, each Q queries a second, from
      S seconds after IN's first packet for D seconds, to the address
      most queries in IN go to; half the queries ask NAME A (a repeated
      question), half a random name, every other one with EDNS and DO.
      Records are merged in time order; IPv4 header checksums are right,
      UDP checksums 0 (RFC 768: none). Prints the flood's first and last
      time and its query count.
"""
import argparse
import gzip
import random
import struct
import sys

TLDS = ["com", "net", "org", "de", "uk", "jp", "br", "fr", "nl", "ru", "cn", "info",
        "arpa", "io", "xn--p1ai"]


def cmd_zone(a):
    out = ["$ORIGIN .", "$TTL 86400",
           ".\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. "
           "2024010100 1800 900 604800 86400"]
    for i, letter in enumerate("abcdefghijklm"):
        out.append(".\t518400\tIN\tNS\t%s.root-servers.net." % letter)
    for i, letter in enumerate("abcdefghijklm"):
        out.append("%s.root-servers.net.\t518400\tIN\tA\t192.0.2.%d" % (letter, i + 1))
    for i, t in enumerate(TLDS):
        for k in (1, 2):
            out.append("%s.\t172800\tIN\tNS\tns%d.nic.%s." % (t, k, t))
            out.append("ns%d.nic.%s.\t172800\tIN\tA\t198.51.100.%d" % (k, t, 2 * i + k))
        out.append("%s.\t86400\tIN\tDS\t%d 8 2 %s" % (t, 1000 + i, ("%064X" % (i + 7))))
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")


def cmd_queries(a):
    for k, out in enumerate(a.out):
        queries(a.seed + k, a.count, out)


def queries(seed, count, out):
    rnd = random.Random(seed)
    words = "www mail example shop news bank api cdn login portal smtp ns1 static img m".split()
    leaks = "local home lan corp internal localdomain wpad intranet router".split()
    types = "A A A A AAAA AAAA AAAA MX NS TXT DS SOA".split()

    def junk():
        return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(7, 15)))

    lines = []
    for _ in range(count):
        r = rnd.random()
        if r < 0.45:
            lines.append("%s.%s.%s %s" % (rnd.choice(words), junk(), rnd.choice(TLDS),
                                          rnd.choice(types)))
        elif r < 0.70:
            lines.append("%s %s" % (junk(), rnd.choice(["A", "AAAA"])))
        elif r < 0.83:
            lines.append("%s %s" % (rnd.choice(leaks), rnd.choice(["A", "AAAA", "SOA"])))
        elif r < 0.835:
            # a resolver asks the root's DNSKEY and NS rarely (cached for
            # days): often enough here, a client's few-second slice of its
            # file could repeat them past --flag-repeat-qps by chance
            lines.append(". DNSKEY")
        elif r < 0.84:
            lines.append(". NS")
        elif r < 0.90:
            lines.append("%s DNSKEY" % rnd.choice(TLDS))
        elif r < 0.96:
            lines.append("%s DS" % rnd.choice(TLDS))
        else:
            lines.append("%s NS" % rnd.choice(TLDS))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_pcap(path):
    data = (gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open)(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("inject: %s is not a classic pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("inject: %s: link type %d, want Ethernet (1)" % (path, linktype))
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec * 10**9 + (frac if nano else frac * 1000)
        recs.append((t, orig, frame))
    return data[:24], e, nano, recs


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def wire_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def cmd_inject(a):
    hdr, e, nano, recs = read_pcap(a.input)
    # the server: the IPv4 address most UDP queries go to (port 53)
    dst, eth = {}, None
    for _, _, f in recs:
        if len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 17:
            ihl = (f[14] & 15) * 4
            dport = struct.unpack("!H", f[14 + ihl + 2:14 + ihl + 4])[0]
            if dport == 53:
                dst[f[30:34]] = dst.get(f[30:34], 0) + 1
                eth = eth or f[:12]
    if not dst:
        sys.exit("inject: no IPv4 UDP queries in %s" % a.input)
    server = max(dst, key=dst.get)
    rnd = random.Random(7)
    t0 = recs[0][0] + int(a.start * 1e9)
    n = int(a.rate * a.duration)
    pfx = [int(x) for x in a.prefix.split(".")]
    new = []
    for s in range(a.sources):
        src = bytes(pfx + [s + 1])
        for k in range(n):
            t = t0 + int((k + s / a.sources) * 1e9 / a.rate)
            name = a.qname if k % 2 == 0 else "%s.example.net" % "".join(
                rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            dns = struct.pack("!HHHHHH", rnd.randrange(65536), 0, 1, 0, 0, 1 if k % 4 < 2 else 0)
            dns += wire_name(name) + struct.pack("!HH", 1, 1)
            if k % 4 < 2:  # OPT: 1232 bytes, DO
                dns += b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
            udp = struct.pack("!HHHH", rnd.randrange(1024, 65536), 53, 8 + len(dns), 0) + dns
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), rnd.randrange(65536), 0,
                             57, 17, 0, src, server)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = eth + b"\x08\x00" + ip + udp
            new.append((t, len(frame), frame))
    allr = sorted(recs + new, key=lambda r: r[0])
    with open(a.out, "wb") as f:
        f.write(hdr)
        for t, orig, frame in allr:
            frac = t % 10**9 if nano else (t % 10**9) // 1000
            f.write(struct.pack(e + "IIII", t // 10**9, frac, len(frame), orig) + frame)
    print("%.6f %.6f %d" % (min(r[0] for r in new) / 1e9, max(r[0] for r in new) / 1e9, len(new)))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    z = sub.add_parser("zone")
    z.add_argument("out")
    q = sub.add_parser("queries")
    q.add_argument("seed", type=int)
    q.add_argument("count", type=int)
    q.add_argument("out", nargs="+")
    i = sub.add_parser("inject")
    i.add_argument("input")
    i.add_argument("out")
    i.add_argument("--prefix", required=True)
    i.add_argument("--sources", type=int, default=3)
    i.add_argument("--rate", type=float, default=100)
    i.add_argument("--start", type=float, default=20)
    i.add_argument("--duration", type=float, default=20)
    i.add_argument("--qname", default="attack.example.com")
    a = p.parse_args()
    {"zone": cmd_zone, "queries": cmd_queries, "inject": cmd_inject}[a.cmd](a)


if __name__ == "__main__":
    main()
