#!/usr/bin/env python3
"""split_make.py - build a large capture for tests/e2e/test_split.sh.

  split_make.py OUT COPIES SHIFT PER_MEMBER IN.pcap[.gz]...

Reads classic pcap files (Ethernet, microsecond or nanosecond), sorts
their records by time, and writes COPIES copies one after another, copy c
shifted by c*SHIFT seconds and with the client address (198.18.0.2,
fd00:5e::2, as in datasets/) changed to 198.18.c.2 / fd00:5e::c:2, so that
copies overlapping in time are distinct TCP flows and fragmented datagrams
(checksums are left as they are: rootlens never checks them). Writes:

  OUT.pcap            the plain pcap
  OUT.pcap.gz         the same byte stream cut at record boundaries every
                      PER_MEMBER records, each chunk its own gzip member
                      (the first holds the file header too), as
                      `rootlens capture` writes them
  OUT.pcap.gz.json    its manifest (doc/manifest.md): "members" with the
                      compressed offset, first packet time and packets
"""
import gzip
import json
import struct
import sys
import time


def read_pcap(path):
    data = open(path, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    magic = data[:4]
    if magic == b'\xd4\xc3\xb2\xa1':
        e, ns = '<', False
    elif magic == b'\xa1\xb2\xc3\xd4':
        e, ns = '>', False
    elif magic == b'\x4d\x3c\xb2\xa1':
        e, ns = '<', True
    elif magic == b'\xa1\xb2\x3c\x4d':
        e, ns = '>', True
    else:
        sys.exit('%s: not a classic pcap file' % path)
    snaplen, link = struct.unpack(e + 'II', data[16:24])
    recs, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, cap, ln = struct.unpack(e + 'IIII', data[pos:pos + 16])
        nsec = frac if ns else frac * 1000
        recs.append((sec * 10**9 + nsec, ln, data[pos + 16:pos + 16 + cap]))
        pos += 16 + cap
    return link & 0xffff, snaplen, recs


C4 = bytes([198, 18, 0, 2])
C6 = bytes.fromhex('fd00005e000000000000000000000002')


def vary(d, c):
    """Frame @d (Ethernet) with the client address of copy @c."""
    if c == 0 or len(d) < 14:
        return d
    b = bytearray(d)
    et, ip = struct.unpack('>H', b[12:14])[0], 14
    if et == 0x0800 and len(b) >= ip + 20:
        for o in (ip + 12, ip + 16):
            if b[o:o + 4] == C4:
                b[o + 2] = c & 0xff
                b[o + 3] = 2 + (c >> 8)
    elif et == 0x86dd and len(b) >= ip + 40:
        for o in (ip + 8, ip + 24):
            if b[o:o + 16] == C6:
                b[o + 12:o + 14] = struct.pack('>H', c)
    return bytes(b)


def iso(ns):
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ns // 10**9)) + \
        '.%06dZ' % (ns % 10**9 // 1000)


def main():
    out, copies, shift, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    link, snap, recs = None, 0, []
    for p in sys.argv[5:]:
        l, s, r = read_pcap(p)
        if link is not None and l != link:
            sys.exit('%s: link type %d, not %d' % (p, l, link))
        link, snap = l, max(snap, s)
        recs += r
    recs.sort(key=lambda r: r[0])
    raw = []
    hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap or 262144, link)
    # raw: (bytes of the record, ns), in time order across the copies
    for c in range(copies):
        for ns, ln, d in recs:
            t = ns + c * shift * 10**9
            d2 = vary(d, c) if link == 1 else d
            raw.append((struct.pack('<IIII', t // 10**9, t % 10**9 // 1000, len(d2), ln) + d2, t))
    raw.sort(key=lambda r: r[1])
    with open(out + '.pcap', 'wb') as f:
        f.write(hdr)
        for b, _ in raw:
            f.write(b)
    members, off = [], 0
    with open(out + '.pcap.gz', 'wb') as f:
        for i in range(0, len(raw), per):
            chunk = raw[i:i + per]
            body = (hdr if i == 0 else b'') + b''.join(b for b, _ in chunk)
            z = gzip.compress(body, 6)
            members.append({'offset': off, 'first_packet': iso(chunk[0][1]),
                            'packets': len(chunk)})
            f.write(z)
            off += len(z)
    man = {'link_type': link, 'snaplen': snap or 262144, 'packets': len(raw),
           'first_packet': iso(raw[0][1]), 'last_packet': iso(raw[-1][1]),
           'members': members}
    with open(out + '.pcap.gz.json', 'w') as f:
        json.dump(man, f, indent=1)
    print('%d packets, %d members' % (len(raw), len(members)))


if __name__ == '__main__':
    main()
