#!/usr/bin/env python3
"""Conformance oracle: DNS aggregates of a capture, as tshark decodes it.

    oracle_tshark.py [--records] [--json] [--port N]... FILE

Runs tshark on FILE (pcap/pcapng, plain or gzip: tshark reads both) with
reassembly switched on explicitly, and prints the aggregates of
dnsagg.aggregate() as JSON, or with --records one JSON record per DNS
message.  One `-T fields` pass does the work; only frames that carry
several DNS messages (TCP) are dissected again as JSON, where each message
is its own object (--json does every frame that way: slower, same result).

What counts as a DNS message is the same as for `rootlens decode`: a
message carried by UDP or TCP with port 53 on either side, IP fragments
reassembled, DNS over TCP reassembled; a DNS message quoted inside an ICMP
error is not counted. The display filter says that; mDNS (5353) and LLMNR
(5355), which tshark also hands to its DNS dissector, fall out through the
port clause.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsagg  # noqa: E402

DISPLAY_FILTER = ("dns && !icmp && !icmpv6 && "
                  "(udp.port==%s || tcp.port==%s)")

# Reassembly as rootlens does it.  These are tshark's defaults, stated so
# that a local preferences file cannot change what the oracle says.
#
# tcp.reassemble_out_of_order stays FALSE (the default): with it TRUE tshark
# holds every byte after a hole in the capture (a segment the capture lost)
# until the hole fills, which it never does, so a connection goes silent at
# its first lost segment; with it FALSE tshark resumes at the next segment,
# as rootlens does.  On the captures at hand the switch changes only the
# ones with lost segments (dnscap/dnso1tcp-bighole, dnscap/dnso1tcp-midmiss,
# suricata-verify/dns-tcp-ts-gap); none has segments that are merely
# reordered.  ORACLE_TCP_OOO=TRUE flips it to look at a capture both ways.
PREFS = [
    "ip.defragment:TRUE",
    "ipv6.defragment:TRUE",
    "tcp.desegment_tcp_streams:TRUE",
    "tcp.reassemble_out_of_order:" + os.environ.get("ORACLE_TCP_OOO", "FALSE"),
    "tcp.analyze_sequence_numbers:TRUE",
    "dns.desegment_dns_messages:TRUE",
]


def tshark_cmd(path, ports=(53,)):
    clause = " || ".join("udp.port==%d || tcp.port==%d" % (p, p)
                         for p in ports)
    filt = "dns && !icmp && !icmpv6 && (%s)" % clause
    cmd = ["tshark", "-r", path, "-n", "-T", "json", "--no-duplicate-keys",
           "-Y", filt]
    for p in PREFS:
        cmd += ["-o", p]
    # Decode the extra ports as DNS (tshark's DNS dissector is on 53 only,
    # plus mDNS/LLMNR under their own names).
    for p in ports:
        if p != 53:
            cmd += ["-d", "udp.port==%d,dns" % p, "-d", "tcp.port==%d,dns" % p]
    return cmd


def iter_packets(stream):
    """Yield the packets of tshark -T json output one by one.

    tshark prints a JSON array whose elements open with "  {" and close
    with "  }" or "  }," on lines of their own; parsing packet by packet
    keeps memory flat on the larger captures.
    """
    buf = []
    for line in stream:
        if not buf:
            if line.startswith("  {"):
                buf.append(line)
            continue
        buf.append(line)
        if line.rstrip("\r\n") in ("  }", "  },"):
            text = "".join(buf).rstrip().rstrip(",")
            buf = []
            yield json.loads(text)
    if buf:
        raise ValueError("tshark JSON output ended inside a packet")


def last(v):
    """--no-duplicate-keys turns repeated layers into lists: take the
    innermost (last) one."""
    if isinstance(v, list):
        return v[-1] if v else None
    return v


def first_value(d):
    """First entry of a JSON object whose values may be merged lists."""
    if not isinstance(d, dict) or not d:
        return None
    v = next(iter(d.values()))
    if isinstance(v, list):
        v = v[0] if v else None
    return v


def iter_values(d):
    if not isinstance(d, dict):
        return
    for v in d.values():
        if isinstance(v, list):
            for x in v:
                yield x
        else:
            yield v


def as_int(s):
    if s is None:
        return None
    if isinstance(s, list):
        s = s[0]
    return int(s, 0)


def transport_of(protocols):
    """(transport, ipver) of the DNS message from frame.protocols, e.g.
    "eth:ethertype:ip:udp:dns" -> ("udp", 4).  Uses the layers just below
    the first "dns" so that tunnels resolve to the inner packet."""
    toks = protocols.split(":")
    i = toks.index("dns") if "dns" in toks else len(toks)
    transport = ipver = None
    for t in reversed(toks[:i]):
        if transport is None and t in ("udp", "tcp"):
            transport = t
        elif transport is not None and t in ("ip", "ipv6"):
            ipver = 4 if t == "ip" else 6
            break
    return transport, ipver


def message_records(pkt):
    layers = pkt["_source"]["layers"]
    frame = layers["frame"]
    fnum = frame["frame.number"]
    transport, ipver = transport_of(frame["frame.protocols"])
    if ipver == 4:
        ip = last(layers.get("ip"))
        src, dst = ip.get("ip.src"), ip.get("ip.dst")
    else:
        ip = last(layers.get("ipv6"))
        src, dst = ip.get("ipv6.src"), ip.get("ipv6.dst")
    tl = last(layers.get(transport))
    sport = tl.get(transport + ".srcport")
    dport = tl.get(transport + ".dstport")
    msgs = layers["dns"]
    if not isinstance(msgs, list):
        msgs = [msgs]
    frame_malformed = "_ws.malformed" in layers
    out = []
    for n, d in enumerate(msgs):
        flags = d.get("dns.flags_tree", {})
        qr = as_int(flags.get("dns.flags.response"))
        rcode = as_int(flags.get("dns.flags.rcode"))
        tc = as_int(flags.get("dns.flags.truncated"))
        # The question section is "Zone" in an UPDATE (RFC 2136).
        q = first_value(d.get("Queries", d.get("Zone")))
        qtype = qname = None
        if isinstance(q, dict):
            qtype = as_int(q.get("dns.qry.type"))
            qname = q.get("dns.qry.name")
        opt = None
        for rr in iter_values(d.get("Additional records")):
            if isinstance(rr, dict) and rr.get("dns.resp.type") == "41":
                opt = rr
                break
        do = False
        if opt is not None:
            ext = as_int(opt.get("dns.resp.ext_rcode"))
            if rcode is not None and ext is not None:
                rcode |= ext << 4
            do = as_int(opt.get("dns.resp.z_tree", {})
                        .get("dns.resp.z.do")) == 1
        if transport == "tcp":
            mlen = as_int(d.get("dns.length"))
        else:
            ulen = as_int(tl.get("udp.length"))
            mlen = ulen - 8 if ulen is not None else None
        malformed = None
        if frame_malformed and n == len(msgs) - 1:
            malformed = "tshark"
        out.append({
            "ref": "frame %s" % fnum,
            "time": frame["frame.time_epoch"],
            "transport": transport, "ipver": ipver,
            "src": src, "sport": sport, "dst": dst, "dport": dport,
            "qr": qr, "id": as_int(d.get("dns.id")),
            "opt": opt is not None, "do": do,
            "qtype": qtype, "qname": qname,
            "rcode": rcode if qr == 1 else None,
            "tc": None if tc is None else tc == 1,
            "len": mlen, "malformed": malformed,
        })
    return out


FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
          "udp.length", "dns.length", "dns.id", "dns.flags.response",
          "dns.flags.truncated", "dns.flags.rcode", "dns.qry.type",
          "dns.qry.name", "dns.resp.ext_rcode", "dns.resp.z.do",
          "_ws.malformed"]
AGGREGATOR = "\x01"


def fields_cmd(path, ports):
    cmd = tshark_cmd(path, ports)
    i = cmd.index("json")
    cmd[i - 1:i + 2] = ["-T", "fields", "-E", "separator=/t", "-E",
                        "occurrence=a", "-E", "quote=n",
                        "-E", "aggregator=" + AGGREGATOR]
    for f in FIELDS:
        cmd += ["-e", f]
    return cmd


def fields_record(line):
    """Record of a frame holding exactly one DNS message, from -T fields.

    With a single message every dns.* field belongs to it; the first
    dns.qry.* occurrence is the first question and dns.resp.ext_rcode /
    dns.resp.z.do exist only in an OPT RR."""
    v = dict(zip(FIELDS, line.rstrip("\n").split("\t")))

    def occ(name):
        s = v.get(name, "")
        return s.split(AGGREGATOR) if s else []

    def first(name):
        o = occ(name)
        return o[0] if o else None

    def lastv(name):
        o = occ(name)
        return o[-1] if o else None

    transport, ipver = transport_of(v["frame.protocols"])
    ipl = "ip" if ipver == 4 else "ipv6"
    qr = as_int(first("dns.flags.response"))
    rcode = as_int(first("dns.flags.rcode"))
    ext = as_int(first("dns.resp.ext_rcode"))
    opt = ext is not None
    if opt and rcode is not None:
        rcode |= ext << 4
    tc = as_int(first("dns.flags.truncated"))
    if transport == "tcp":
        mlen = as_int(first("dns.length"))
    else:
        ulen = as_int(lastv("udp.length"))
        mlen = ulen - 8 if ulen is not None else None
    return {
        "ref": "frame %s" % v["frame.number"],
        "time": v["frame.time_epoch"],
        "transport": transport, "ipver": ipver,
        "src": lastv(ipl + ".src"), "sport": lastv(transport + ".srcport"),
        "dst": lastv(ipl + ".dst"), "dport": lastv(transport + ".dstport"),
        "qr": qr, "id": as_int(first("dns.id")),
        "opt": opt, "do": as_int(first("dns.resp.z.do")) == 1,
        "qtype": as_int(first("dns.qry.type")),
        "qname": first("dns.qry.name"),
        "rcode": rcode if qr == 1 else None,
        "tc": None if tc is None else tc == 1,
        "len": mlen,
        "malformed": "tshark" if occ("_ws.malformed") else None,
    }


def _run(cmd, path, status=None):
    """stdout of tshark; status["cut_short"] tells whether tshark found the
    capture cut short (it then exits 2 after printing what it read)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, encoding="utf-8", errors="replace")
    # tshark exits 2 on a capture cut short ("appears to have been cut
    # short in the middle of a packet") after printing what it read.
    if p.returncode != 0 and not (p.returncode == 2
                                  and "cut short" in p.stderr):
        raise RuntimeError("tshark failed on %s (exit %d): %s"
                           % (path, p.returncode, p.stderr.strip()))
    if status is not None:
        status["cut_short"] = p.returncode == 2
        status["stderr"] = p.stderr
    return p.stdout


def records_json(path, ports=(53,), frames=None):
    """Records from tshark -T json (slow on big captures, exact for frames
    holding several DNS messages).  frames: only these frame numbers."""
    cmd = tshark_cmd(path, ports)
    if frames is not None:
        i = cmd.index("-Y") + 1
        cmd[i] = "(%s) && frame.number in {%s}" % (
            cmd[i], ",".join(str(f) for f in sorted(frames)))
    recs = []
    for pkt in iter_packets(_run(cmd, path).splitlines(True)):
        recs.extend(message_records(pkt))
    return recs


def records(path, ports=(53,), status=None):
    """All DNS message records of a capture, in frame order.

    One fast -T fields pass; the frames that hold more than one DNS message
    (TCP) are dissected again as JSON, where each message is its own
    object."""
    single = {}
    multi = []
    for line in _run(fields_cmd(path, ports), path, status).splitlines():
        if not line:
            continue
        v = dict(zip(FIELDS, line.split("\t")))
        fnum = v["frame.number"]
        # dns.length (the TCP length prefix) and dns.id occur once per
        # message; UDP frames carry one message.
        if (v["dns.length"].count(AGGREGATOR) > 0
                or v["dns.id"].count(AGGREGATOR) > 0):
            multi.append(int(fnum))
        else:
            single[int(fnum)] = fields_record(line)
    out = [(n, 0, r) for n, r in single.items()]
    if multi:
        # A frame list this long would not fit in one argument: dissect
        # every frame as JSON and keep the multi-message ones.
        sel = multi if len(multi) <= 5000 else None
        want = set(multi)
        jrecs = [r for r in records_json(path, ports, sel)
                 if int(r["ref"].split()[1]) in want]
        for i, r in enumerate(jrecs):
            out.append((int(r["ref"].split()[1]), 1 + i, r))
    out.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in out]


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--records", action="store_true",
                    help="print one JSON record per DNS message")
    ap.add_argument("--json", action="store_true",
                    help="decode every frame through -T json (slow)")
    ap.add_argument("--port", type=int, action="append", default=[],
                    help="another port carrying DNS")
    ap.add_argument("file")
    a = ap.parse_args(argv)
    ports = tuple([53] + a.port)
    recs = records_json(a.file, ports) if a.json else records(a.file, ports)
    if a.records:
        for r in recs:
            print(json.dumps(r, sort_keys=True))
    else:
        dnsagg.dump(dnsagg.aggregate(recs), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
