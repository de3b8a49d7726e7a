#!/usr/bin/env python3
"""Checks of `rootlens capture` output, for test_capture.sh.

    capture_check.py SCENARIO [OPTIONS]

Each scenario prints `ok - ...` / `FAIL - ...` / `note - ...` lines and
exits 1 when a check failed.  The expected values come from elsewhere than
rootlens: tshark (frame counts, first/last frame times, DNS messages,
checksums), a capture tcpdump made on the same interface at the same time,
this script's own reading of the gzip members and pcap records (Python's
zlib, no rootlens code), sha256 of the files, the clock.

Scenarios (see test_capture.sh for the runs that produce their input):
  archive   rotated files of a --start/--duration window: names, periods,
            manifests, members, packets against tcpdump, DNS messages
            against tcpdump (both by tshark), ownership
  signal    files of a run stopped by SIGTERM (or SIGHUP then SIGTERM)
  killed    the .part file a `kill -9` left behind
  diskfull  the files of a run that filled its file system
  truncate  --anonymize truncate: addresses cut to their /24 and /48
  cryptopan two --anonymize cryptopan runs with one key
  filter    -f EXPR with or without --no-fragments, -s SNAPLEN
  send-zero-csum  (run in the client namespace) send queries whose UDP
            checksum sums to 0 once their addresses are truncated

Times are handled as integer microseconds since the epoch throughout.
"""

import argparse
import collections
import datetime
import glob
import gzip
import hashlib
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import zlib

sys.dont_write_bytecode = True

DEFAULT_FILTER = ("port 53 or (ip[6:2] & 0x1fff != 0) or "
                  "(ip6 and ip6[6] == 44)")
# Packet sockets stamp frames themselves, on whichever CPU receives them,
# before taking the ring's lock: frames from two CPUs can reach the ring a
# little out of time order, so a frame just older than a rotation
# boundary may come after the first frame past it.
REORDER = 1000  # microseconds
# Frames within EDGE of either end of a capture's span are not required to
# match tcpdump's: each socket stamps a frame itself, microseconds apart.
EDGE = 1000  # microseconds
DROP_KEYS = ("kernel", "interface", "application", "anonymizer")
MANIFEST_KEYS = ("schema", "server", "instance", "phase", "host",
                 "rootlens_version", "interfaces", "linktype", "snaplen",
                 "filter", "period", "first_packet", "last_packet", "packets",
                 "bytes_captured", "file_bytes", "drops", "gzip_level",
                 "flush", "anonymization", "sha256", "error", "closed_by",
                 "members")
NAME_RE = re.compile(r"^(\d{8}T\d{6}Z)(-\d+)?\.pcap\.gz$")

fails = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global fails
    fails += 1
    print("FAIL - " + msg)


def note(msg):
    print("note - " + msg)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (": " + detail if detail else ""))
    return cond


# ---------------------------------------------------------------- times

def iso_us(s):
    """ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SS[.f]Z' -> integer microseconds."""
    if not isinstance(s, str):
        raise ValueError("not a string: %r" % (s,))
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?"
                 r"(Z|\+00:00)$", s)
    if not m:
        raise ValueError("not ISO 8601 UTC: %r" % s)
    d = datetime.datetime(*map(int, m.groups()[:6]),
                          tzinfo=datetime.timezone.utc)
    frac = m.group(7) or ".0"
    us = int((frac[1:] + "000000")[:6])
    return int(d.timestamp()) * 1000000 + us


def epoch_us(s):
    """tshark's frame.time_epoch '1700000000.123456789' -> microseconds
    (truncated, as a microsecond pcap holds it)."""
    sec, _, frac = s.partition(".")
    return int(sec) * 1000000 + int((frac + "000000")[:6])


def fmt_us(us):
    d = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (us % 1000000)


def name_of(us):
    d = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return d.strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------- pcap + gzip

class Pcap:
    """A classic pcap file read by this script (plain or gzip).
    records: list of (ts_us, caplen, origlen, data)."""

    def __init__(self, path):
        self.path = path
        raw = open(path, "rb").read()
        self.raw = raw
        self.members = None         # gzip: list of (offset, ulen)
        self.gzip_error = None
        if raw[:2] == b"\x1f\x8b":
            data, self.members, self.gzip_error = gunzip_members(raw)
        else:
            data = raw
        self.data = data
        self.error = None
        self.records = []
        self.rec_offsets = []       # offset of each record in `data`
        if len(data) < 24:
            self.error = "shorter than a pcap header (%d bytes)" % len(data)
            self.linktype = self.snaplen = None
            return
        magic = data[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            self.error = "not a classic pcap (magic %s)" % magic.hex()
            self.linktype = self.snaplen = None
            return
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        self.nano = nano
        _, _, _, _, self.snaplen, self.linktype = struct.unpack(
            e + "HHiIII", data[4:24])
        off = 24
        n = len(data)
        while off < n:
            if off + 16 > n:
                self.error = "record header cut at offset %d" % off
                break
            sec, frac, cap, orig = struct.unpack(e + "IIII", data[off:off + 16])
            if off + 16 + cap > n:
                self.error = "record data cut at offset %d" % off
                break
            us = sec * 1000000 + (frac // 1000 if nano else frac)
            self.rec_offsets.append(off)
            self.records.append((us, cap, orig, data[off + 16:off + 16 + cap]))
            off += 16 + cap


def gunzip_members(raw):
    """Decompress a gzip file member by member.  Returns (data,
    [(offset, uncompressed length)], error or None)."""
    out = []
    members = []
    off = 0
    err = None
    while off < len(raw):
        if raw[off:off + 3] != b"\x1f\x8b\x08":
            err = "no gzip member header at offset %d" % off
            break
        d = zlib.decompressobj(31)
        try:
            chunk = d.decompress(raw[off:])
        except zlib.error as e:
            err = "gzip member at offset %d: %s" % (off, e)
            break
        if not d.eof:
            err = "gzip member at offset %d is cut short" % off
            out.append(chunk)
            members.append((off, len(chunk)))
            break
        out.append(chunk)
        members.append((off, len(chunk)))
        off = len(raw) - len(d.unused_data)
    return b"".join(out), members, err


def member_table(p):
    """[(offset, first_us or None, packets)] of a gzip Pcap, from its own
    bytes; None when a member does not start at a record boundary."""
    starts = {o: i for i, o in enumerate(p.rec_offsets)}
    table = []
    upos = 0
    bad = []
    for moff, ulen in p.members:
        lo, hi = upos, upos + ulen
        if lo != 0 and ulen and lo not in starts:
            bad.append(moff)
        recs = [i for i, o in enumerate(p.rec_offsets) if lo <= o < hi]
        first = p.records[recs[0]][0] if recs else None
        table.append((moff, first, len(recs)))
        upos = hi
    return table, bad


# ---------------------------------------------------------------- tshark

TSHARK_NOISE = re.compile(r"Running as user \"root\"|^\s*$")
REASM = ["-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE",
         "-o", "tcp.desegment_tcp_streams:TRUE",
         "-o", "dns.desegment_dns_messages:TRUE"]


def tshark(path, fields, filt=None, extra=(), occurrence="f"):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=" + occurrence] + REASM + list(extra)
    if filt:
        cmd += ["-Y", filt]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    err = "\n".join(l for l in r.stderr.splitlines()
                    if not TSHARK_NOISE.search(l))
    rows = [l.split("\t") for l in r.stdout.splitlines()]
    return rows, r.returncode, err


def tshark_frames(path):
    """(count, first_us, last_us, sum caplen, rc, stderr) by tshark."""
    rows, rc, err = tshark(path, ["frame.time_epoch", "frame.cap_len"])
    times = [epoch_us(r[0]) for r in rows if r and r[0]]
    caps = sum(int(r[1]) for r in rows if len(r) > 1 and r[1])
    return (len(times), times[0] if times else None,
            times[-1] if times else None, caps, rc, err)


MSG_FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src",
              "ipv6.dst", "udp.srcport", "udp.dstport", "tcp.srcport",
              "tcp.dstport", "dns.id"]


def dns_messages(path):
    """[(time_us, key)] of every DNS message tshark finds, key =
    (transport, src, dst, sport, dport, id)."""
    rows, rc, err = tshark(path, MSG_FIELDS,
                           filt="dns && !icmp && !icmpv6 && "
                                "(udp.port==53 || tcp.port==53)",
                           occurrence="a")
    out = []
    for r in rows:
        r += [""] * (len(MSG_FIELDS) - len(r))
        t = epoch_us(r[0])
        src = r[1] or r[3]
        dst = r[2] or r[4]
        if r[5]:
            tr, sp, dp = "udp", r[5], r[6]
        else:
            tr, sp, dp = "tcp", r[7], r[8]
        for i in r[9].split(","):
            out.append((t, (tr, src.split(",")[0], dst.split(",")[0],
                            sp.split(",")[0], dp.split(",")[0], i)))
    return out, rc, err


def mergecap(paths, out):
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", out] + list(paths),
                   check=True, stderr=subprocess.DEVNULL)
    return out


# ---------------------------------------------------------------- helpers

def listing(d):
    """Files under d (recursively), relative paths."""
    out = []
    for root, _, files in os.walk(d):
        for f in files:
            out.append(os.path.relpath(os.path.join(root, f), d))
    return sorted(out)


def load_manifest(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, str(e)


def multiset_diff(a, b):
    """Elements of a not in b (as a Counter)."""
    return collections.Counter(a) - collections.Counter(b)


def describe_frames(c, limit=3):
    items = list(c.elements())[:limit]
    return ", ".join("%d B frame at %s" % (len(d), fmt_us(t))
                     for t, d in items)


def frame_keys(records):
    """Multiset keys of frames: their bytes (caplen) and original length."""
    return [(r[2], r[3]) for r in records]


class FileCheck:
    """One finished capture file and its manifest, checked against the
    file's own bytes and against tshark."""

    def __init__(self, path, label):
        self.path = path
        self.label = label
        self.m, self.merr = load_manifest(path + ".json")
        self.p = Pcap(path)
        self.ts = tshark_frames(path)
        self.start = self.end = None   # the period, once basic() read it

    def basic(self, exp, first=False):
        """Checks every finished file must pass.  exp: dict of expected
        manifest values (compared with ==).  first: the first file of a
        run, whose period start the capture chose itself (no packet may
        be older); other periods start at a boundary where the kernel's
        own reordering (REORDER) is tolerated."""
        lab = self.label
        m = self.m
        msgs = []   # (ok?, text) gathered, printed as few lines
        good = True

        def want(cond, text):
            nonlocal good
            if not cond:
                good = False
                msgs.append(text)
            return cond

        if not check(m is not None and isinstance(m, dict),
                     "%s: manifest %s.json is a JSON object" % (lab, os.path.basename(self.path)),
                     self.merr or "not an object"):
            return False
        missing = [k for k in MANIFEST_KEYS if k not in m]
        want(not missing, "keys missing: %s" % missing)
        for k, v in exp.items():
            want(m.get(k) == v, "%s is %r, expected %r" % (k, m.get(k), v))
        # the file itself
        want(self.p.gzip_error is None, "gzip: %s" % self.p.gzip_error)
        want(self.p.error is None, "pcap: %s" % self.p.error)
        r = subprocess.run(["gzip", "-t", self.path], stderr=subprocess.PIPE,
                           universal_newlines=True)
        want(r.returncode == 0, "gzip -t: %s" % r.stderr.strip())
        n, first, last, caps, rc, err = self.ts
        want(rc == 0 and not err, "tshark read error (rc %d): %s" % (rc, err))
        want(m.get("packets") == n,
             "packets %r, tshark counts %d" % (m.get("packets"), n))
        want(m.get("bytes_captured") == caps,
             "bytes_captured %r, tshark's sum of frame.cap_len %d" % (m.get("bytes_captured"), caps))
        size = os.path.getsize(self.path)
        want(m.get("file_bytes") == size,
             "file_bytes %r, file has %d" % (m.get("file_bytes"), size))
        sha = hashlib.sha256(self.p.raw).hexdigest()
        want(m.get("sha256") == sha, "sha256 %r, sha256sum says %s" % (m.get("sha256"), sha))

        def tcmp(key, val):
            got = m.get(key)
            if val is None:
                return want(got is None, "%s %r, tshark sees no frame" % (key, got))
            try:
                g = iso_us(got)
            except ValueError as e:
                return want(False, "%s: %s" % (key, e))
            return want(abs(g - val) <= 1, "%s %s, tshark's frame time %s" % (key, got, fmt_us(val)))
        tcmp("first_packet", first)
        tcmp("last_packet", last)
        if isinstance(m.get("first_packet"), str):
            want(re.search(r"\.\d{6}Z$", m["first_packet"]) is not None,
                 "first_packet %r is not ISO 8601 with microseconds" % m["first_packet"])
        drops = m.get("drops")
        want(isinstance(drops, dict) and all(isinstance(drops.get(k), int) for k in DROP_KEYS),
             "drops %r lacks integer kernel/interface/application/anonymizer" % (drops,))
        if self.p.linktype is not None:
            want(m.get("linktype") == self.p.linktype,
                 "linktype %r, pcap header says %d" % (m.get("linktype"), self.p.linktype))
            want(m.get("snaplen") == self.p.snaplen,
                 "snaplen %r, pcap header says %d" % (m.get("snaplen"), self.p.snaplen))
        # period
        per = m.get("period")
        try:
            ps, pe = iso_us(per["start"]), iso_us(per["end"])
            self.start, self.end = ps, pe
            want(ps < pe, "period start %s not before end %s" % (per["start"], per["end"]))
            nm = NAME_RE.match(os.path.basename(self.path))
            want(nm is not None and nm.group(1) == name_of(ps),
                 "file name %s does not name period start %s" % (os.path.basename(self.path), per["start"]))
            lo = ps if first else ps - REORDER
            before = [r[0] for r in self.p.records if r[0] < lo]
            after = [r[0] for r in self.p.records if r[0] >= pe + REORDER]
            want(not before, "%d packets before the period [%s, %s) (%sthe earliest %s, %.1f ms before)" % (
                len(before), per["start"], per["end"], "" if first else "beyond %d us of kernel reordering; " % REORDER,
                fmt_us(min(before)) if before else "", (ps - min(before)) / 1000 if before else 0))
            want(not after, "%d packets after the period [%s, %s), the latest %s" % (
                len(after), per["start"], per["end"], fmt_us(max(after)) if after else ""))
        except (TypeError, KeyError, ValueError) as e:
            self.start = self.end = None
            want(False, "period %r: %s" % (per, e))
        # members
        mem = m.get("members")
        if self.p.members is not None and isinstance(mem, list):
            table, bad = member_table(self.p)
            want(not bad, "gzip members at %s do not start at a pcap record" % bad)
            try:
                offs = [x["offset"] for x in mem]
                want(offs and offs[0] == 0 and all(a < b for a, b in zip(offs, offs[1:])),
                     "member offsets %s not strictly increasing from 0" % offs[:8])
                want(all(self.p.raw[o:o + 3] == b"\x1f\x8b\x08" for o in offs),
                     "not every member offset holds 1f 8b 08: %s" % [
                         o for o in offs if self.p.raw[o:o + 3] != b"\x1f\x8b\x08"][:5])
                want(offs == [t[0] for t in table],
                     "member offsets %s, the file's gzip members start at %s" % (offs[:8], [t[0] for t in table][:8]))
                want(sum(x["packets"] for x in mem) == m.get("packets"),
                     "members' packets add up to %d, packets %r" % (sum(x["packets"] for x in mem), m.get("packets")))
                if offs == [t[0] for t in table]:
                    badp = [(x["offset"], x["packets"], t[2]) for x, t in zip(mem, table)
                            if x["packets"] != t[2]]
                    want(not badp, "members' packets differ from the records in them (offset, manifest, file): %s" % badp[:5])
                    badt = [(x["offset"], x.get("first_packet"), fmt_us(t[1]) if t[1] else None)
                            for x, t in zip(mem, table)
                            if (t[1] is None and x.get("first_packet") is not None) or
                            (t[1] is not None and (not isinstance(x.get("first_packet"), str) or
                                                   abs(iso_us(x["first_packet"]) - t[1]) > 1))]
                    want(not badt, "members' first_packet differ from their first record (offset, manifest, file): %s" % badt[:5])
            except (TypeError, KeyError, ValueError) as e:
                want(False, "members %r...: %s" % (str(mem)[:200], e))
        else:
            want(False, "members %r (file gzip: %s)" % (str(mem)[:100], self.p.members is not None))
        if good:
            ok("%s: %s: %d packets, %d gzip members; file and manifest agree with tshark, sha256, gzip members, period" % (
                lab, os.path.basename(self.path), n, len(self.p.members or [])))
        else:
            fail("%s: %s: %s" % (lab, os.path.basename(self.path), "; ".join(msgs)))
        return good


def completeness(label, archive_recs, ref_recs, lo=None, hi=None, start=None):
    """archive == reference frames within [lo, hi] (default: the archive's
    first and last packet, or its first period's start if later: frames
    older than that are reported by FileCheck) as multisets of (bytes,
    length)."""
    if not archive_recs:
        fail("%s: the archive holds no packets" % label)
        return False
    if lo is None:
        lo = min(r[0] for r in archive_recs)
        if start is not None:
            lo = max(lo, start)
    if hi is None:
        hi = max(r[0] for r in archive_recs)
    ref = [r for r in ref_recs if lo + EDGE <= r[0] <= hi - EDGE]
    extra = multiset_diff(frame_keys(archive_recs), frame_keys(ref_recs))
    missing = multiset_diff(frame_keys(ref), frame_keys(archive_recs))
    ok_ = True
    if extra:
        fail("%s: %d archived frames are not in tcpdump's capture" % (label, sum(extra.values())))
        ok_ = False
    if missing:
        bytime = {(r[2], r[3]): r[0] for r in ref}
        ex = sorted(bytime[k] for k in missing)
        fail("%s: %d of tcpdump's %d frames between %s and %s are missing from the archive (first missing at %s, last at %s)" % (
            label, sum(missing.values()), len(ref), fmt_us(lo), fmt_us(hi), fmt_us(ex[0]), fmt_us(ex[-1])))
        ok_ = False
    if ok_:
        ok("%s: every one of the %d archived frames is one of tcpdump's, and every one of tcpdump's %d frames between %s and %s is archived (bytes compared)" % (
            label, len(archive_recs), len(ref), fmt_us(lo), fmt_us(hi)))
    return ok_


def l4_offsets(b):
    """(ip version, offset of the IP header, offset of the UDP/TCP header
    or None when not the first fragment / not UDP or TCP, proto, L4 length,
    fragmented?) of an Ethernet frame, or None."""
    if len(b) < 14:
        return None
    et = int.from_bytes(b[12:14], "big")
    off = 14
    if et == 0x8100 and len(b) >= 18:
        et = int.from_bytes(b[16:18], "big")
        off = 18
    if et == 0x0800 and len(b) >= off + 20:
        ihl = (b[off] & 0xf) * 4
        fo = ((b[off + 6] & 0x1f) << 8) | b[off + 7]
        mf = b[off + 6] & 0x20
        proto = b[off + 9]
        tot = int.from_bytes(b[off + 2:off + 4], "big")
        l4 = off + ihl if fo == 0 and proto in (6, 17) else None
        return (4, off, l4, proto, tot - ihl, bool(mf or fo))
    if et == 0x86dd and len(b) >= off + 40:
        nh = b[off + 6]
        plen = int.from_bytes(b[off + 4:off + 6], "big")
        l4 = off + 40
        frag = False
        if nh == 44 and len(b) >= l4 + 8:
            frag = True
            fo = int.from_bytes(b[l4 + 2:l4 + 4], "big") >> 3
            nh2 = b[l4]
            if fo != 0:
                return (6, off, None, nh2, 0, True)
            nh = nh2
            l4 += 8
            plen -= 8
        return (6, off, l4 if nh in (6, 17) else None, nh, plen, frag)
    return None


def masked(b):
    """The frame with what anonymization may change zeroed: IP addresses,
    the IPv4 header checksum, the UDP/TCP checksum."""
    x = l4_offsets(b)
    if x is None:
        return bytes(b)
    ver, off, l4, proto, _, _ = x
    m = bytearray(b)
    if ver == 4:
        m[off + 10:off + 20] = bytes(10)
    else:
        m[off + 8:off + 40] = bytes(32)
    if l4 is not None:
        c = l4 + (6 if proto == 17 else 16)
        m[c:c + 2] = b"\0\0"
    return bytes(m)


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def l4_checksum_problem(b):
    """None when the frame's UDP/TCP checksum is right (or cannot be
    checked: fragments, snaplen); else what is wrong."""
    x = l4_offsets(b)
    if x is None:
        return None
    ver, off, l4, proto, l4len, frag = x
    if l4 is None or frag or l4 + l4len > len(b) or l4len < 8:
        return None
    seg = bytes(b[l4:l4 + l4len])
    field = int.from_bytes(seg[6:8] if proto == 17 else seg[16:18], "big")
    if proto == 17 and field == 0:
        return "UDP checksum 0 (a computed 0 is sent as 0xffff, RFC 768; IPv6 forbids 0)"
    if ver == 4:
        ph = bytes(b[off + 12:off + 20]) + bytes([0, proto]) + l4len.to_bytes(2, "big")
    else:
        ph = bytes(b[off + 8:off + 40]) + l4len.to_bytes(4, "big") + bytes([0, 0, 0, proto])
    if csum16(ph + seg) != 0xffff:
        return "%s checksum 0x%04x is wrong" % ("UDP" if proto == 17 else "TCP", field)
    return None


def ip4_header_ok(b):
    x = l4_offsets(b)
    if not x or x[0] != 4:
        return True
    off = x[1]
    ihl = (b[off] & 0xf) * 4
    return csum16(bytes(b[off:off + ihl])) == 0xffff


def reassembled_udp_problems(recs):
    """Reassemble fragmented UDP datagrams (both families) and check their
    UDP checksum: [(time of the last fragment, problem)]."""
    held = {}
    out = []
    for t, cap, orig, b in recs:
        x = l4_offsets(b)
        if not x or not x[5] or cap < orig:
            continue
        ver, off = x[0], x[1]
        if ver == 4:
            ihl = (b[off] & 0xf) * 4
            key = (4, bytes(b[off + 12:off + 20]), b[off + 4:off + 6], b[off + 9])
            fo = (((b[off + 6] & 0x1f) << 8) | b[off + 7]) * 8
            mf = bool(b[off + 6] & 0x20)
            tot = int.from_bytes(b[off + 2:off + 4], "big")
            data = bytes(b[off + ihl:off + tot])
            proto = b[off + 9]
            ph_addr = bytes(b[off + 12:off + 20])
        else:
            fh = off + 40
            if b[off + 6] != 44:
                continue
            key = (6, bytes(b[off + 8:off + 40]), bytes(b[fh + 4:fh + 8]))
            fw = int.from_bytes(b[fh + 2:fh + 4], "big")
            fo, mf = (fw >> 3) * 8, bool(fw & 1)
            plen = int.from_bytes(b[off + 4:off + 6], "big")
            data = bytes(b[fh + 8:off + 40 + plen])
            proto = b[fh]
            ph_addr = bytes(b[off + 8:off + 40])
        h = held.setdefault(key, {"parts": {}, "end": None, "proto": proto, "addr": ph_addr, "ver": ver})
        h["parts"][fo] = data
        if fo == 0:
            h["proto"] = proto
        if not mf:
            h["end"] = fo + len(data)
        if h["end"] is None:
            continue
        buf = bytearray()
        while len(buf) in h["parts"] and len(buf) < h["end"]:
            buf += h["parts"][len(buf)]
        if len(buf) != h["end"]:
            continue
        del held[key]
        if h["proto"] != 17 or len(buf) < 8:
            continue
        seg = bytes(buf)
        field = int.from_bytes(seg[6:8], "big")
        n = len(seg)
        if h["ver"] == 4:
            ph = h["addr"] + bytes([0, 17]) + n.to_bytes(2, "big")
        else:
            ph = h["addr"] + n.to_bytes(4, "big") + bytes([0, 0, 0, 17])
        if field == 0:
            out.append((t, "reassembled UDP datagram with checksum 0"))
        elif csum16(ph + seg) != 0xffff:
            out.append((t, "reassembled UDP datagram: checksum 0x%04x is wrong" % field))
    return out


def anon_frames(label, recs, ref_path, start=None):
    """Anonymized frames differ from tcpdump's in addresses and checksums
    only: compare the rest, both ways, over the archive's span; and check
    every UDP/TCP checksum this script can (not fragments)."""
    if not recs:
        return
    if ref_path:
        ref = Pcap(ref_path).records
        lo, hi = recs[0][0], recs[-1][0]
        if start is not None:
            lo = max(lo, start)
        a = [masked(r[3]) for r in recs]
        t_all = [masked(r[3]) for r in ref]
        t_in = [masked(r[3]) for r in ref if lo + EDGE <= r[0] <= hi - EDGE]
        extra = multiset_diff(a, t_all)
        miss = multiset_diff(t_in, a)
        check(not extra and not miss,
              "%s: %d frames; apart from addresses and checksums each is one of tcpdump's, and none of tcpdump's %d in %s..%s is missing" % (
                  label, len(recs), len(t_in), fmt_us(lo), fmt_us(hi)),
              "%d not in tcpdump's capture, %d of tcpdump's missing" % (sum(extra.values()), sum(miss.values())))
    bad = []
    n = 0
    for r in recs:
        why = l4_checksum_problem(r[3])
        x = l4_offsets(r[3])
        if x and x[2] is not None and not x[5]:
            n += 1
        if why:
            bad.append("%s: %s" % (fmt_us(r[0]), why))
    check(not bad, "%s: the UDP/TCP checksums of all %d unfragmented datagrams are right (recomputed here)" % (label, n),
          "%d wrong: %s" % (len(bad), "; ".join(bad[:3])))
    hb = [fmt_us(r[0]) for r in recs if not ip4_header_ok(r[3])]
    check(not hb, "%s: every IPv4 header checksum is right (recomputed here)" % label,
          "%d wrong, at %s" % (len(hb), ", ".join(hb[:3])))
    fr = reassembled_udp_problems(recs)
    check(not fr, "%s: the UDP checksums of the fragmented datagrams, reassembled here, are right" % label,
          "%d wrong: %s" % (len(fr), "; ".join("%s: %s" % (fmt_us(t), w) for t, w in fr[:3])))


def check_dir_clean(label, d, allow_part=False):
    files = listing(d)
    parts = [f for f in files if f.endswith(".part")]
    if not allow_part:
        check(not parts, "%s: no .part file left in %s" % (label, d), "left: %s" % parts)
    gz = [f for f in files if f.endswith(".pcap.gz")]
    js = [f for f in files if f.endswith(".pcap.gz.json")]
    other = [f for f in files if f not in gz and f not in js and f not in parts]
    check(not other, "%s: only .pcap.gz and .pcap.gz.json files in the output" % label, "also: %s" % other)
    nojs = [f for f in gz if f + ".json" not in js]
    nogz = [f for f in js if f[:-5] not in gz]
    check(not nojs and not nogz, "%s: every file has its manifest and every manifest its file" % label,
          "no manifest: %s, no file: %s" % (nojs, nogz))
    return files


def check_owner(label, d, uid):
    bad = []
    for f in listing(d):
        st = os.stat(os.path.join(d, f))
        if st.st_uid != uid:
            bad.append("%s (uid %d)" % (f, st.st_uid))
    check(not bad, "%s: every file is owned by uid %d" % (label, uid), ", ".join(bad[:5]))


def common_exp(a, **kw):
    e = {"schema": "rootlens.capture/1", "server": a.server,
         "instance": a.instance, "host": a.host,
         "interfaces": [a.iface] + ([a.iface2] if a.iface2 else []), "filter": a.filter,
         "drops": {k: 0 for k in DROP_KEYS}, "error": None}
    if a.version:
        e["rootlens_version"] = a.version
    e.update(kw)
    return e


def sorted_files(d):
    """The finished files of d in time order: by name, a "-N" suffix (a
    second file started within the same second) after the plain name."""
    def key(f):
        m = NAME_RE.match(os.path.basename(f))
        if not m:
            return (os.path.basename(f), -1)
        return (m.group(1), int(m.group(2)[1:]) if m.group(2) else 0)
    return sorted(glob.glob(os.path.join(d, "*.pcap.gz")), key=key)


# ---------------------------------------------------------------- scenarios

def sc_archive(a):
    """Test 1: a --start/--duration window with --rotate."""
    d = a.dir
    files = check_dir_clean("archive", d)
    gz = sorted_files(d)
    S, E, rot = a.start * 1000000, a.end * 1000000, a.rotate * 1000000
    bounds = [S] + list(range((S // rot + 1) * rot, E, rot)) + [E]
    want_names = [name_of(b) + ".pcap.gz" for b in bounds[:-1]]
    got_names = [os.path.basename(f) for f in gz]
    check(got_names == want_names,
          "archive: files named by their period start, clock-aligned to %ds: %s" % (a.rotate, " ".join(want_names)),
          "got %s" % " ".join(got_names))
    fcs = []
    for i, f in enumerate(gz):
        fc = FileCheck(f, "archive")
        last = i == len(gz) - 1
        exp = common_exp(a, phase=None, gzip_level=6, flush=1, anonymization=None,
                         closed_by="window end" if last else "rotation",
                         snaplen=262144, linktype=1)
        fc.basic(exp, first=i == 0)
        fcs.append(fc)
    # periods: contiguous, aligned, covering the window exactly
    per = [(fc.start, fc.end) for fc in fcs]
    want_per = list(zip(bounds[:-1], bounds[1:]))
    check(per == want_per,
          "archive: periods are contiguous, each but the first starts on a multiple of %d s, from --start to --start+--duration" % a.rotate,
          "got %s, expected %s" % (
              [(fmt_us(x) if x else None, fmt_us(y) if y else None) for x, y in per],
              [(fmt_us(x), fmt_us(y)) for x, y in want_per]))
    # flush: about one member per second of traffic
    for fc in fcs:
        if fc.start and fc.end and fc.p.members:
            span = (fc.end - fc.start) / 1e6
            if span >= 3:
                check(len(fc.p.members) >= span - 1.5,
                      "archive: %s spans %.1f s with --flush 1: at least %d gzip members" % (
                          os.path.basename(fc.path), span, int(span - 1.5)),
                      "has %d" % len(fc.p.members))
    # against tcpdump
    td = Pcap(a.tcpdump)
    arch = [r for fc in fcs for r in fc.p.records]
    if not arch:
        fail("archive: no packets at all")
        return
    first, last = arch[0][0], arch[-1][0]
    check(first - S <= 250000 and E - last <= 250000,
          "archive: packets from the window start to its end (first %s, last %s, window %s..%s)" % (
              fmt_us(first), fmt_us(last), fmt_us(S), fmt_us(E)))
    back = [(os.path.basename(x.path), os.path.basename(y.path)) for x, y in zip(fcs, fcs[1:])
            if x.p.records and y.p.records and max(r[0] for r in x.p.records) > min(r[0] for r in y.p.records) + REORDER]
    check(not back, "archive: no file holds packets older than the newest of the file before it",
          "files %s" % back)
    # the window, not just the archive's own span
    completeness("archive", arch, td.records, lo=S, hi=E)
    # DNS messages by tshark: tcpdump's vs the archive's (files joined)
    merged = mergecap(gz, os.path.join(a.tmp, "archive-merged.pcap"))
    tm, rc1, e1 = dns_messages(a.tcpdump)
    am, rc2, e2 = dns_messages(merged)
    lo, hi = first + 500000, last - 500000
    miss = multiset_diff([k for t, k in tm if lo <= t <= hi], [k for _, k in am])
    extra = multiset_diff([k for t, k in am if lo <= t <= hi], [k for _, k in tm])
    inner = [k for t, k in tm if lo <= t <= hi]
    check(not miss and not extra and rc1 == 0 and rc2 == 0,
          "archive: tshark finds the same %d DNS messages (transport, src, dst, sport, dport, id) in the archive as in tcpdump's capture, %s..%s" % (
              len(inner), fmt_us(lo), fmt_us(hi)),
          "%d missing (e.g. %s), %d extra (e.g. %s)" % (
              sum(miss.values()), list(miss)[:3], sum(extra.values()), list(extra)[:3]))
    kinds = collections.Counter()
    for k in inner:
        kinds[k[0] + ("6" if ":" in k[1] else "4")] += 1
    frags, _, _ = tshark(merged, ["frame.number", "ip.version"],
                         filt="(ip.flags.mf==1 || ip.frag_offset>0) || ipv6.fraghdr")
    fr4 = sum(1 for r in frags if len(r) > 1 and r[1] == "4")
    fr6 = len(frags) - fr4
    check(all(kinds[k] > 0 for k in ("udp4", "udp6", "tcp4", "tcp6")) and fr4 > 0 and fr6 > 0,
          "archive: the traffic compared holds UDP and TCP over v4 and v6 and IP fragments (%s; fragment frames v4 %d, v6 %d)" % (
              dict(sorted(kinds.items())), fr4, fr6))
    if a.owner is not None:
        check_owner("archive", d, a.owner)


def sc_signal(a):
    """Tests 2 and 3: files of a run stopped by SIGTERM, optionally after
    SIGHUPs (a.hup: the epoch times they were sent, floating seconds; the
    last two within one second, so that their files share a name)."""
    lab = a.label
    check_dir_clean(lab, a.dir)
    gz = sorted_files(a.dir)
    if not check(len(gz) >= 1, "%s: at least one file" % lab, "none in %s: %s" % (a.dir, listing(a.dir))):
        return
    fcs = []
    closed = []
    for i, f in enumerate(gz):
        fc = FileCheck(f, lab)
        exp = common_exp(a, phase=a.phase, linktype=1, snaplen=262144)
        fc.basic(exp, first=i == 0)
        fcs.append(fc)
        closed.append(fc.m.get("closed_by") if fc.m else None)
    check(closed and closed[-1] == "signal", "%s: the last file's manifest says closed_by \"signal\"" % lab,
          "closed_by of the files in order: %s" % closed)
    term_us = int(a.term * 1e6)
    last = fcs[-1]
    if last.m and last.start and last.end:
        check(abs(last.end - term_us) <= 1000000,
              "%s: the last period ends when SIGTERM came (%s, sent %s)" % (lab, fmt_us(last.end), fmt_us(term_us)))
    lp = last.p.records[-1][0] if last.p.records else None
    check(lp is not None and term_us - lp <= 1500000,
          "%s: the last file holds packets up to the signal (last %s, SIGTERM %s)" % (
              lab, fmt_us(lp) if lp else None, fmt_us(term_us)))
    for x, y in zip(fcs, fcs[1:]):
        check(x.end is not None and x.end == y.start, "%s: %s ends where %s starts" % (
            lab, os.path.basename(x.path), os.path.basename(y.path)),
            "%s vs %s" % (x.m.get("period") if x.m else None, y.m.get("period") if y.m else None))
    if a.hup:
        rot = a.rotate * 1000000
        hups = [i for i, c in enumerate(closed) if c == "hup"]
        if check(len(hups) == len(a.hup) and hups[-1] + 1 < len(fcs),
                 "%s: %d SIGHUPs, %d files closed_by \"hup\", each followed by another" % (lab, len(a.hup), len(a.hup)),
                 "closed_by: %s" % closed):
            for k, (i, t) in enumerate(zip(hups, a.hup)):
                hup_us = int(t * 1e6)
                nxt = fcs[i + 1]
                check(nxt.start is not None and abs(nxt.start - hup_us) <= 1000000 and nxt.start % rot != 0,
                      "%s: SIGHUP %d started a new file at once, inside the rotate period (new period starts %s, SIGHUP sent %s)" % (
                          lab, k + 1, fmt_us(nxt.start) if nxt.start else None, fmt_us(hup_us)))
            x, y = fcs[hups[0]], fcs[hups[0] + 1]
            check(x.start is not None and y.start is not None and x.start // rot == y.start // rot,
                  "%s: two files within one %d s rotate period" % (lab, a.rotate))
            # the last two SIGHUPs came within one second: same name, "-N"
            if len(hups) >= 2:
                b1, b2 = fcs[hups[-2] + 1], fcs[hups[-1] + 1]
                n1, n2 = os.path.basename(b1.path), os.path.basename(b2.path)
                m1, m2 = NAME_RE.match(n1), NAME_RE.match(n2)
                if b1.start is not None and b2.start is not None and b1.start // 1000000 == b2.start // 1000000:
                    sfx = lambda m: int(m.group(2)[1:]) if m.group(2) else 0
                    check(m1 and m2 and m1.group(1) == m2.group(1) and sfx(m2) > sfx(m1) > -1 and sfx(m2) >= 1,
                          "%s: two files started within one second: the later one is named with a -N suffix (%s, %s)" % (lab, n1, n2))
                else:
                    note("%s: the last two SIGHUPs did not start files within one second (%s, %s): -N suffix not tested" % (lab, n1, n2))
    if a.tcpdump:
        td = Pcap(a.tcpdump)
        completeness(lab, [r for fc in fcs for r in fc.p.records], td.records, start=fcs[0].start)


def sc_filter(a):
    """-f EXPR (ORed with the fragment clause unless --no-fragments) and
    -s SNAPLEN: the archive holds exactly the frames tcpdump -r picks from
    the reference capture with the expected filter, cut to the snaplen."""
    lab = a.label
    check_dir_clean(lab, a.dir)
    gz = sorted_files(a.dir)
    if not check(gz, "%s: files written" % lab, listing(a.dir)):
        return
    fcs = []
    for i, f in enumerate(gz):
        fc = FileCheck(f, lab)
        exp = common_exp(a, phase=None, linktype=1, snaplen=a.snaplen)
        if a.no_fragments:
            exp["filter"] = a.user_filter
        else:
            del exp["filter"]
        fc.basic(exp, first=i == 0)
        fcs.append(fc)
        if fc.m is not None and not a.no_fragments:
            flt = fc.m.get("filter")
            check(isinstance(flt, str) and a.user_filter in flt and "ip[6:2] & 0x1fff != 0" in flt
                  and "ip6[6] == 44" in flt,
                  "%s: manifest filter %r is the user's ORed with the fragment clause" % (lab, flt))
    closed = [fc.m.get("closed_by") if fc.m else None for fc in fcs]
    check(closed[-1] == "signal", "%s: the last file closed_by \"signal\"" % lab, "closed_by: %s" % closed)
    recs = [r for fc in fcs for r in fc.p.records]
    big = [r for r in recs if r[1] > a.snaplen]
    cut = sum(1 for r in recs if r[1] < r[2])
    check(not big and (cut > 0 or a.snaplen >= 65535),
          "%s: no frame longer than -s %d; %d frames cut to it, their wire length kept" % (
              lab, a.snaplen, cut), "%d longer" % len(big))
    ref = [(t, min(c, a.snaplen), o, d[:a.snaplen]) for t, c, o, d in Pcap(a.tcpdump).records]
    completeness(lab, recs, ref, start=fcs[0].start)


def sc_killed(a):
    """Test 4: the .part file left by kill -9."""
    lab = "kill -9"
    files = listing(a.dir)
    parts = [os.path.join(a.dir, f) for f in files if f.endswith(".pcap.gz.part")]
    if not check(len(parts) == 1, "%s: one .pcap.gz.part file left behind" % lab, "files: %s" % files):
        return
    part = parts[0]
    r = subprocess.run([a.rootlens, "decode", "--stats", part], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(r.returncode == 0 and not r.stderr.strip(),
          "%s: rootlens decode reads the .part file cleanly" % lab,
          "exit %d, stderr: %s" % (r.returncode, r.stderr.strip()[:300]))
    n, first, last, caps, rc, err = tshark_frames(part)
    check(rc == 0 and not err, "%s: tshark reads the .part file without error (%d frames)" % (lab, n),
          "exit %d: %s" % (rc, err[:300]))
    p = Pcap(part)
    check(p.gzip_error is None and p.error is None,
          "%s: the .part file ends at a complete gzip member and pcap record (%d members)" % (lab, len(p.members or [])),
          "%s %s" % (p.gzip_error or "", p.error or ""))
    kill_us = int(a.kill * 1e6)
    td = Pcap(a.tcpdump)
    if not p.records:
        fail("%s: the .part file holds no packets" % lab)
        return
    lo = p.records[0][0] + EDGE
    hi = kill_us - 2000000
    check(p.records[-1][0] >= hi, "%s: the .part file holds packets up to at least 2 s before the kill (last %s, kill %s)" % (
        lab, fmt_us(p.records[-1][0]), fmt_us(kill_us)))
    ref = [r for r in td.records if lo <= r[0] <= hi]
    miss = multiset_diff(frame_keys(ref), frame_keys(p.records))
    extra = multiset_diff(frame_keys(p.records), frame_keys(td.records))
    check(not miss and not extra,
          "%s: every one of tcpdump's %d frames from the file's first packet to 2 s before the kill is in it" % (lab, len(ref)),
          "%d missing, %d not in tcpdump's capture" % (sum(miss.values()), sum(extra.values())))


def sc_diskfull(a):
    """Test 5: the output file system filled up."""
    lab = "disk full"
    files = listing(a.dir)
    gz = sorted_files(a.dir)
    parts = [f for f in files if f.endswith(".part")]
    check(not parts, "%s: the current file was renamed (no .part left)" % lab, "left: %s" % parts)
    if not check(len(gz) >= 2, "%s: earlier files and the last file are there" % lab, "files: %s" % files):
        if not gz:
            return
    last = gz[-1]
    r = subprocess.run(["gzip", "-t", last], stderr=subprocess.PIPE, universal_newlines=True)
    check(r.returncode == 0, "%s: the last file %s is complete (gzip -t)" % (lab, os.path.basename(last)), r.stderr.strip())
    n, first, lastp, caps, rc, err = tshark_frames(last)
    check(rc == 0 and not err, "%s: tshark reads the last file (%d frames)" % (lab, n), "exit %d: %s" % (rc, err[:300]))
    m, merr = load_manifest(last + ".json")
    if m is None:
        note("%s: no manifest for the last file (%s): the disk had no room for it" % (lab, merr))
    else:
        check(m.get("error") not in (None, ""), "%s: the last file's manifest has an error: %r" % (lab, m.get("error")))
        check(m.get("closed_by") == "error", "%s: the last file's manifest says closed_by \"error\"" % lab,
              "closed_by %r" % m.get("closed_by"))
        if m.get("packets") is not None:
            check(m.get("packets") == n, "%s: the last manifest's packets equal tshark's count %d" % (lab, n),
                  "packets %r" % m.get("packets"))
        sha = hashlib.sha256(open(last, "rb").read()).hexdigest()
        check(m.get("sha256") == sha, "%s: the last manifest's sha256 is the file's" % lab,
              "%r vs %s" % (m.get("sha256"), sha))
    bad = []
    for f in gz[:-1]:
        mm, e = load_manifest(f + ".json")
        sha = hashlib.sha256(open(f, "rb").read()).hexdigest()
        if mm is None or mm.get("sha256") != sha:
            bad.append("%s (%s)" % (os.path.basename(f), e or "sha256 %r, file %s" % (mm.get("sha256"), sha)))
        elif mm.get("error") is not None or mm.get("closed_by") != "rotation" or mm.get("gzip_level") != 1:
            bad.append("%s (error %r, closed_by %r, gzip_level %r)" % (
                os.path.basename(f), mm.get("error"), mm.get("closed_by"), mm.get("gzip_level")))
        r = subprocess.run(["gzip", "-t", f], stderr=subprocess.DEVNULL)
        if r.returncode:
            bad.append("%s (gzip -t fails)" % os.path.basename(f))
    check(not bad, "%s: the %d earlier files are undamaged (sha256 as in their manifests, gzip -t, closed_by rotation, no error, gzip_level 1)" % (
        lab, len(gz) - 1), "; ".join(bad[:5]))
    if m is not None and m.get("packets"):
        note("%s: the last file holds %d packets written before the disk filled" % (lab, m["packets"]))


def addr_fields(path, extra=()):
    rows, rc, err = tshark(path, ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                                  "dns.flags.response", "dns.qry.name"],
                           extra=extra, occurrence="a")
    return rows, rc, err


def all_addrs(rows):
    s = set()
    for r in rows:
        for f in r[:4]:
            for x in f.split(","):
                if x:
                    s.add(x)
    return s


def marker_map(rows):
    """{marker qname: set of anonymized client addresses} and the same for
    the server (the destination of marker queries)."""
    cli = collections.defaultdict(set)
    srv = collections.defaultdict(set)
    for r in rows:
        r = r + [""] * (6 - len(r))
        q = r[5].split(",")[0].lower().rstrip(".")
        if r[4].split(",")[0] in ("0", "False") and q.endswith(".anon"):
            src = r[0].split(",")[0] or r[2].split(",")[0]
            dst = r[1].split(",")[0] or r[3].split(",")[0]
            cli[q].add(src)
            srv[q].add(dst)
    return cli, srv


def bad_checksums(path):
    rows, rc, err = tshark(path, ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src",
                                  "ip.frag_offset", "ip.flags.mf", "ipv6.fraghdr.offset", "udp.srcport",
                                  "udp.dstport", "tcp.srcport", "_ws.expert.message"],
                           filt='ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || '
                                'tcp.checksum.status == "Bad" || _ws.expert.message contains "hecksum"',
                           extra=["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                                  "-o", "tcp.check_checksum:TRUE"], occurrence="a")
    return ["frame %s" % " ".join(x for x in r if x) for r in rows if r and r[0]], rc, err


def parse_markers(spec):
    """'a2=198.18.0.2,b2=fd00:5e::2,...' -> {marker: ip_address}."""
    out = {}
    for item in spec.split(","):
        k, _, v = item.partition("=")
        out[k + ".anon"] = ipaddress.ip_address(v)
    return out


def prefix_len(x, y):
    bits = x.max_prefixlen
    d = int(x) ^ int(y)
    return bits - d.bit_length()


def anon_common(lab, path, originals):
    rows, rc, err = addr_fields(path)
    check(rc == 0 and not err, "%s: tshark reads %s" % (lab, os.path.basename(path)), err[:200])
    seen = all_addrs(rows)
    orig = {str(o) for o in originals}
    leaked = sorted(seen & orig)
    check(not leaked and rows, "%s: no original address in tshark's ip/ipv6 src/dst of %d frames" % (lab, len(rows)),
          "found %s" % leaked if rows else "no frames")
    bad, rc, err = bad_checksums(path)
    check(not bad and rc == 0, "%s: tshark finds no bad IP/UDP/TCP checksum" % lab,
          "%d bad frames: %s %s" % (len(bad), "; ".join(bad[:3]), err[:200]))
    return rows, seen


def sc_truncate(a):
    lab = "anonymize truncate"
    check_dir_clean(lab, a.dir)
    gz = sorted_files(a.dir)
    if not check(gz, "%s: files written" % lab, listing(a.dir)):
        return
    markers = parse_markers(a.markers)
    originals = set(markers.values()) | {ipaddress.ip_address(x) for x in a.servers.split(",")}
    if a.end:
        # this run ends by --end: its last file at that very second
        lastm, _ = load_manifest(gz[-1] + ".json")
        per = (lastm or {}).get("period") or {}
        try:
            pe = iso_us(per.get("end"))
        except ValueError:
            pe = None
        check(lastm is not None and lastm.get("closed_by") == "window end" and pe == a.end * 1000000,
              "%s: --end %s: the last file closed_by \"window end\", its period ending then" % (lab, fmt_us(a.end * 1000000)),
              "closed_by %r, period %r" % ((lastm or {}).get("closed_by"), per))
    cli = collections.defaultdict(set)
    zc = []
    for i, f in enumerate(gz):
        fc = FileCheck(f, lab)
        fc.basic(common_exp(a, phase=None, anonymization="truncate/24/48", linktype=1, snaplen=262144), first=i == 0)
        rows, seen = anon_common(lab, f, originals)
        wrong = []
        for s in seen:
            ad = ipaddress.ip_address(s)
            keep = 24 if ad.version == 4 else 48
            net = ipaddress.ip_network("%s/%d" % (s, keep), strict=False)
            if int(ad) != int(net.network_address):
                wrong.append(s + " (bits past /%d not zero)" % keep)
            elif not any(o.version == ad.version and o in net for o in originals):
                wrong.append(s + " (not the prefix of an address used)")
        check(not wrong, "%s: every address is an original cut to its /24 or /48: %s" % (lab, sorted(seen)),
              ", ".join(wrong[:5]))
        c, _ = marker_map(rows)
        for k, v in c.items():
            cli[k] |= v
        anon_frames(lab + " " + os.path.basename(f), fc.p.records, a.tcpdump, start=fc.start)
        zc += zero_csum_frames(fc.p.records)
    bad = []
    for q, o in markers.items():
        keep = 24 if o.version == 4 else 48
        want_ = str(ipaddress.ip_network("%s/%d" % (o, keep), strict=False).network_address)
        if cli.get(q) and cli[q] != {want_}:
            bad.append("%s: %s -> %s" % (q, o, sorted(cli[q])))
    check(not bad and cli, "%s: the marker queries' sources map to their own prefixes (%d markers seen)" % (lab, len(cli)),
          "; ".join(bad) if bad else "no marker queries found")
    v = sorted({x[0] for x in zc})
    check(v == [4, 6] and all(c == 0xffff for _, c in zc),
          "%s: queries whose UDP checksum becomes 0 after truncation (v4 and v6, %d frames) carry 0xffff" % (lab, len(zc)),
          "checksums seen: %s" % ["v%d 0x%04x" % x for x in zc])


def sc_cryptopan(a):
    lab = "anonymize cryptopan"
    markers = parse_markers(a.markers)
    servers = [ipaddress.ip_address(x) for x in a.servers.split(",")]
    originals = set(markers.values()) | set(servers)
    maps = []
    for d in a.dirs:
        check_dir_clean(lab, d)
        gz = sorted_files(d)
        if not check(gz, "%s: files written in %s" % (lab, d), listing(d)):
            return
        cl = collections.defaultdict(set)
        sv = collections.defaultdict(set)
        for i, f in enumerate(gz):
            fc = FileCheck(f, lab)
            fc.basic(common_exp(a, phase=None, linktype=1, snaplen=262144, instance=os.path.basename(d.rstrip("/"))),
                     first=i == 0)
            if fc.m is not None:
                check(isinstance(fc.m.get("anonymization"), str) and "cryptopan" in fc.m.get("anonymization", ""),
                      "%s: manifest anonymization names cryptopan: %r" % (lab, fc.m.get("anonymization")))
            rows, seen = anon_common(lab, f, originals)
            anon_frames(lab + " " + os.path.basename(f), fc.p.records, a.tcpdump, start=fc.start)
            c, s = marker_map(rows)
            for k, v in c.items():
                cl[k] |= v
            for k, v in s.items():
                sv[k] |= v
        maps.append((cl, sv))
    # one mapping per run: original -> anonymized
    runs = []
    for i, (cl, sv) in enumerate(maps):
        mp = collections.defaultdict(set)
        for q, o in markers.items():
            mp[o] |= cl.get(q, set())
        for q, s in sv.items():
            o = markers.get(q)
            if o is None:
                continue
            srv = [x for x in servers if x.version == o.version][0]
            mp[srv] |= s
        incons = {str(k): sorted(v) for k, v in mp.items() if len(v) != 1}
        missing = [str(o) for o in originals if not mp.get(o)]
        check(not incons and not missing,
              "%s: run %d maps each original address to one address, the same in every packet" % (lab, i + 1),
              "several: %s; never seen: %s" % (incons, missing))
        runs.append({k: next(iter(v)) for k, v in mp.items() if len(v) == 1})
    if len(runs) >= 2:
        same = [str(o) for o in originals if o in runs[0] and o in runs[1] and runs[0][o] == runs[1][o]]
        diff = ["%s: %s vs %s" % (o, runs[0].get(o), runs[1].get(o)) for o in originals
                if runs[0].get(o) != runs[1].get(o)]
        check(not diff, "%s: two runs with one key (raw and hex key file) map all %d addresses alike" % (lab, len(same)),
              "; ".join(diff))
    # prefix preservation, exact
    mp = runs[0] if runs else {}
    bad = []
    pairs = 0
    ol = sorted(mp, key=lambda x: (x.version, int(x)))
    for i, x in enumerate(ol):
        for y in ol[i + 1:]:
            if x.version != y.version:
                continue
            pairs += 1
            ax, ay = ipaddress.ip_address(mp[x]), ipaddress.ip_address(mp[y])
            if prefix_len(x, y) != prefix_len(ax, ay):
                bad.append("%s,%s share %d bits, %s,%s share %d" % (x, y, prefix_len(x, y), ax, ay, prefix_len(ax, ay)))
    check(pairs > 0 and not bad,
          "%s: prefix-preserving: every pair of the %d addresses shares as many leading bits after as before (%d pairs, e.g. /24 kept among 198.18.0.x)" % (
              lab, len(mp), pairs), "; ".join(bad[:4]))
    for o, x in sorted(mp.items(), key=lambda t: (t[0].version, int(t[0]))):
        note("%s: %s -> %s" % (lab, o, x))


ZC_PORTS = {4: 40053, 6: 40054}


def sc_send_zero_csum(a):
    """Send (from the client namespace) DNS queries whose UDP checksum
    sums to zero once both addresses are cut to their /24 (/48): an
    anonymizer that updates the checksum must then write 0xffff, not 0."""
    import socket
    src, dst = ipaddress.ip_address(a.src), ipaddress.ip_address(a.dst)
    keep = 24 if src.version == 4 else 48
    cut = [ipaddress.ip_network("%s/%d" % (x, keep), strict=False).network_address for x in (src, dst)]
    sport = ZC_PORTS[src.version]
    q = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03zc%d\x04anon\x00\x00\x01\x00\x01" % src.version
    ulen = 8 + 2 + len(q)
    if src.version == 4:
        ph = cut[0].packed + cut[1].packed + bytes([0, 17]) + ulen.to_bytes(2, "big")
    else:
        ph = cut[0].packed + cut[1].packed + ulen.to_bytes(4, "big") + bytes([0, 0, 0, 17])
    hdr = sport.to_bytes(2, "big") + (53).to_bytes(2, "big") + ulen.to_bytes(2, "big") + b"\0\0"
    qid = (~csum16(ph + hdr + b"\0\0" + q)) & 0xffff
    msg = qid.to_bytes(2, "big") + q
    assert csum16(ph + hdr + msg) == 0xffff
    fam = socket.AF_INET if src.version == 4 else socket.AF_INET6
    so = socket.socket(fam, socket.SOCK_DGRAM)
    so.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    so.bind((str(src), sport))
    for _ in range(a.count):
        so.sendto(msg, (str(dst), 53))
    so.close()


def zero_csum_frames(recs):
    """UDP checksums of the frames send-zero-csum sent."""
    out = []
    for r in recs:
        x = l4_offsets(r[3])
        if not x or x[2] is None or x[3] != 17:
            continue
        l4 = x[2]
        b = r[3]
        if int.from_bytes(b[l4:l4 + 2], "big") == ZC_PORTS[x[0]] and int.from_bytes(b[l4 + 2:l4 + 4], "big") == 53:
            out.append((x[0], int.from_bytes(b[l4 + 6:l4 + 8], "big")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--dir")
    ap.add_argument("--dirs", nargs="*")
    ap.add_argument("--tcpdump")
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--start", type=int)
    ap.add_argument("--end", type=int)
    ap.add_argument("--rotate", type=int, default=600)
    ap.add_argument("--server")
    ap.add_argument("--instance")
    ap.add_argument("--phase")
    ap.add_argument("--host")
    ap.add_argument("--iface")
    ap.add_argument("--iface2")
    ap.add_argument("--filter", default=DEFAULT_FILTER)
    ap.add_argument("--version")
    ap.add_argument("--owner", type=int)
    ap.add_argument("--label", default="signal")
    ap.add_argument("--term", type=float)
    ap.add_argument("--hup", type=float, nargs="*")
    ap.add_argument("--snaplen", type=int, default=262144)
    ap.add_argument("--user-filter")
    ap.add_argument("--no-fragments", action="store_true")
    ap.add_argument("--kill", type=float)
    ap.add_argument("--rootlens")
    ap.add_argument("--markers")
    ap.add_argument("--servers")
    ap.add_argument("--src")
    ap.add_argument("--dst")
    ap.add_argument("--count", type=int, default=3)
    a = ap.parse_args()
    {"archive": sc_archive, "signal": sc_signal, "killed": sc_killed,
     "diskfull": sc_diskfull, "truncate": sc_truncate,
     "cryptopan": sc_cryptopan, "filter": sc_filter, "send-zero-csum": sc_send_zero_csum}[a.scenario](a)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
