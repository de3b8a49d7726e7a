#!/usr/bin/env python3
"""archive_check.py - the independent side of tests/e2e/test_archive.sh.

  manifest FILE SERVER INSTANCE PHASE|-    print a capture manifest for FILE
  check-made DATA                          DATA.json (written by the archive)
                                           agrees with FILE read here
  expect DIR LIST.json [--server S] [--instance I] [--phase P]
         [--from T] [--to T]               `archive list --json` equals the
                                           selection made here from the
                                           manifests in DIR
  stream FILE NAME SERVER INSTANCE CUT     a `receive` session sending the
                                           first CUT bytes of FILE only
  header NAME SERVER INSTANCE              a session with a header only
  big OUT MB                               a plain pcap of about MB MiB
                                           (records of a dataset, repeated)

Reads pcap (both byte orders, micro/nano) and pcapng, plain or gzip, with
the standard library only: nothing shared with rootlens.
"""
import datetime
import gzip
import hashlib
import json
import os
import struct
import sys


def records(path):
    """(seconds, nanoseconds) of every packet."""
    raw = open(path, "rb").read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    magic = data[:4]
    out = []
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        le = magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        e = "<" if le else ">"
        off = 24
        while off + 16 <= len(data):
            s, f, cap, _ = struct.unpack(e + "IIII", data[off:off + 16])
            off += 16 + cap
            if off > len(data):
                raise ValueError("truncated record")
            out.append((s, f if nano else f * 1000))
        if off != len(data):
            raise ValueError("trailing bytes")
        return out, "pcap"
    if magic == b"\x0a\x0d\x0d\x0a":
        off, e, res = 0, "<", {}
        while off + 12 <= len(data):
            if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
                e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                res = {}
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            body = data[off + 8:off + blen - 4]
            if btype == 1:  # IDB: options after 8 bytes
                unit = 10 ** -6
                o = 8
                while o + 4 <= len(body):
                    code, olen = struct.unpack(e + "HH", body[o:o + 4])
                    if code == 0:
                        break
                    if code == 9 and olen >= 1:
                        v = body[o + 4]
                        unit = 2 ** -(v & 0x7f) if v & 0x80 else 10 ** -v
                    o += 4 + (olen + 3) // 4 * 4
                res[len(res)] = unit
            elif btype in (6, 2):
                ifid = struct.unpack(e + ("I" if btype == 6 else "H"), body[0:4 if btype == 6 else 2])[0]
                hi, lo = struct.unpack(e + "II", body[4:12])
                ticks = (hi << 32) | lo
                unit = res.get(ifid, 10 ** -6)
                per_s = round(1 / unit)
                out.append((ticks // per_s, (ticks % per_s) * 10 ** 9 // per_s))
            elif btype == 3:
                pass  # no time
            off += blen
        return out, "pcapng"
    raise ValueError("not a capture")


def iso_us(t):
    s, ns = t
    d = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (ns // 1000)


def describe(path):
    raw = open(path, "rb").read()
    recs, fmt = records(path)
    return {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "file_bytes": len(raw),
        "packets": len(recs),
        "first_packet": iso_us(min(recs)) if recs else None,
        "last_packet": iso_us(max(recs)) if recs else None,
        "format": fmt,
        "compression": "gzip" if raw[:2] == b"\x1f\x8b" else "none",
    }


def parse_time(s):
    """ISO 8601 UTC (fraction optional) or @seconds, to nanoseconds."""
    if s.startswith("@"):
        return int(s[1:]) * 10 ** 9
    frac = 0
    if "." in s:
        head, f = s.rstrip("Z").split(".")
        frac = int((f + "000000000")[:9])
        s = head + "Z"
    if len(s) == 10:
        s += "T00:00:00Z"
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return (int(d.timestamp())) * 10 ** 9 + frac


def cmd_manifest(a):
    path, server, instance, phase = a
    m = {"schema": "rootlens.capture/1", "server": server, "instance": instance,
         "phase": None if phase == "-" else phase}
    m.update(describe(path))
    m["members"] = []
    print(json.dumps(m, indent=1))


def cmd_check_made(a):
    path = a[0]
    m = json.load(open(path + ".json"))
    d = describe(path)
    bad = [k for k in d if m.get(k) != d[k]]
    if bad:
        print("check-made %s: %s" % (path, ", ".join("%s %r != %r" % (k, m.get(k), d[k]) for k in bad)))
        sys.exit(1)


def cmd_expect(a):
    root, listing = a[0], a[1]
    sel, i = {}, 2
    while i < len(a):
        sel[a[i].lstrip("-")] = a[i + 1]
        i += 2
    want = []
    for server in sorted(os.listdir(root)):
        sdir = os.path.join(root, server)
        if server.startswith(".") or not os.path.isdir(sdir):
            continue
        for instance in sorted(os.listdir(sdir)):
            idir = os.path.join(sdir, instance)
            if instance.startswith(".") or not os.path.isdir(idir):
                continue
            for name in os.listdir(idir):
                if name.startswith(".") or not name.endswith(".json"):
                    continue
                data = name[:-5]
                if not os.path.isfile(os.path.join(idir, data)):
                    continue
                m = json.load(open(os.path.join(idir, name)))
                if "server" in sel and server != sel["server"]:
                    continue
                if "instance" in sel and instance != sel["instance"]:
                    continue
                if "phase" in sel and m.get("phase") != sel["phase"]:
                    continue
                first, last = m.get("first_packet"), m.get("last_packet")
                if "from" in sel and (last is None or parse_time(last) < parse_time(sel["from"])):
                    continue
                if "to" in sel and (first is None or parse_time(first) >= parse_time(sel["to"])):
                    continue
                want.append({"path": "%s/%s/%s" % (server, instance, data), "server": server,
                             "instance": instance, "name": data, "phase": m.get("phase"),
                             "first_packet": first, "last_packet": last,
                             "packets": m.get("packets"),
                             "bytes": os.path.getsize(os.path.join(idir, data)),
                             "sha256": m.get("sha256")})
    want.sort(key=lambda e: (e["server"].encode(), e["instance"].encode(), e["name"].encode()))
    got = json.load(open(listing))
    if got.get("files") != want or got.get("count") != len(want):
        print("expect %s: got %s" % (sel, [e["path"] for e in got.get("files", [])]))
        print("expect %s: want %s" % (sel, [e["path"] for e in want]))
        sys.exit(1)
    print(len(want))


def session(name, server, instance, size, sha, manifest=b""):
    h = {"file": name, "server": server, "instance": instance, "phase": None, "size": size,
         "sha256": sha, "manifest_size": len(manifest)}
    return (json.dumps(h) + "\n").encode() + manifest


def cmd_stream(a):
    path, name, server, instance, cut = a
    raw = open(path, "rb").read()
    out = session(name, server, instance, len(raw), hashlib.sha256(raw).hexdigest())
    sys.stdout.buffer.write(out + raw[:int(cut)])


def cmd_header(a):
    name, server, instance = a
    sys.stdout.buffer.write(session(name, server, instance, 100, "0" * 64))


def cmd_big(a):
    out, mb = a[0], int(a[1])
    src = open(os.path.join(os.path.dirname(__file__), "../../datasets/root-tcp-pipelined.pcap"), "rb").read()
    head, body = src[:24], src[24:]
    with open(out, "wb") as f:
        f.write(head)
        n = 0
        while n < mb << 20:
            f.write(body)
            n += len(body)


if __name__ == "__main__":
    cmds = {"manifest": cmd_manifest, "check-made": cmd_check_made, "expect": cmd_expect,
            "stream": cmd_stream, "header": cmd_header, "big": cmd_big}
    cmds[sys.argv[1]](sys.argv[2:])
