#!/usr/bin/env python3
"""plan.py - the clients of the DURZ experiment and their query files.

  plan.py make DIR --phase-len P [--phases unsigned,durz,signed] [--flood-phase durz]
      Writes DIR/plan.json (who sends what, from which address, to which
      instance, at what rate, in which phase) and one query file per client
      and phase, DIR/q/<addr>-<phase>.bin, in dnsperf's binary format (-B:
      each message preceded by its 2-byte length; dnsperf rewrites only the
      ID), so that each query carries exactly the EDNS buffer size and DO
      bit of its client. Everything derives from fixed seeds: the same
      plan and files on every run.
  plan.py addrs PLAN
      The client addresses, one a line: INSTANCE FAMILY ADDRESS PREFIX.

The population (per instance, the same in both catchments): resolvers of
several kinds, each from its own /24 (IPv4) or /48 (IPv6) at 4 queries a
second, so that none is more than 5 % of an instance's queries nor at 10 q/s
(rootlens analyze flags neither):

  kind            tool         EDNS  DO   TC -> TCP  v4  v6  q/s
  validator-4096  dnsperf      4096  yes  -           9   2    4
  validator-1232  retry.py     1232  yes  yes         2   1    4
  validator-512   retry.py      512  yes  yes         2   0    4
  resolver-4096   dnsperf      4096  no   -           6   1    4
  resolver-1232   retry.py     1232  no   yes         2   0    4
  legacy-noedns   retry.py     none  no   yes         2   0    4
  tcp-resolver    dnsperf -m tcp 4096 yes  (TCP only)  1   0    1

109 q/s per instance, DO on 65 of them (59.6 %). "retry" clients are the
resolver logic of load.py: a UDP query, and when the answer has TC=1 the
same question again over TCP, as every resolver does. dnsperf clients do
not retry, so they all ask with a 4096-byte buffer, which nothing in this
zone exceeds.

The query mix of each client: names under the zone's TLDs (referrals,
with DS and its RRSIG once signed), junk single labels and leaked private
suffixes (NXDOMAIN, with NSEC proofs once signed), DS and NS of TLDs,
priming (. NS), . SOA, reverse names; validators (DO) also ask for DNSKEY
(of the root and, misdirected, of TLDs; 2 % each) once the zone is signed, as
validators do when they meet signatures: none in the unsigned phase.

The flooding ISP: in --flood-phase only, four more addresses of the /24
of one validator-4096 client of the first instance each send 40 q/s (the
others' 4): validators behind a few addresses (DO on 60 % of their
queries), 160 q/s in all, more than the rest of the instance's traffic.
"""
import argparse
import json
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zone import TLDS, wire_name  # noqa: E402

SERVICE4 = "198.19.0.11"
SERVICE6 = "fd19::11"
INSTANCES = [  # (instance label, software, catchment v4 base /24 number, v6 catchment tag)
    ("ams-nsd", "nsd", 0, "a"),
    ("lhr-knot", "knot", 128, "b"),
]
KINDS = [  # kind, tool, edns, do, v4, v6, rate
    ("validator-4096", "dnsperf", 4096, True, 9, 2, 4),
    ("validator-1232", "retry", 1232, True, 2, 1, 4),
    ("validator-512", "retry", 512, True, 2, 0, 4),
    ("resolver-4096", "dnsperf", 4096, False, 6, 1, 4),
    ("resolver-1232", "retry", 1232, False, 2, 0, 4),
    ("legacy-noedns", "retry", None, False, 2, 0, 4),
    ("tcp-resolver", "dnsperf-tcp", 4096, True, 1, 0, 1),
]
FLOOD_SOURCES = 4
FLOOD_RATE = 40
FLOOD_DO = 0.6

QTYPES = {"A": 1, "NS": 2, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
          "DS": 43, "DNSKEY": 48}
POPULAR = "com net org de uk ru jp br fr nl cn info it pl au in eu es ca ch".split()
WORDS = "www mail example shop news bank api cdn login portal smtp ns1 static img m".split()
LEAKS = "local home lan corp internal localdomain wpad intranet router belkin".split()
NAME_TYPES = ["A"] * 45 + ["AAAA"] * 25 + ["MX"] * 8 + ["NS"] * 6 + ["TXT"] * 6 + ["DS"] * 5 + ["SRV"] * 3


def message(qname, qtype, edns, do):
    """A query as a resolver sends it to a root server: RD=0, one question,
    an OPT record with the buffer size and DO bit (none when edns is None)."""
    m = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 1 if edns else 0)
    m += wire_name(qname) + struct.pack("!HH", QTYPES[qtype], 1)
    if edns:
        m += b"\x00" + struct.pack("!HHIH", 41, edns, 0x8000 if do else 0, 0)
    return m


def mix(rnd, n, dnskey, window=40):
    """n (qname, qtype) questions of a resolver's mix at a root. A resolver
    caches what the root answers (for a day or two): no question comes
    again within `window` queries of the same client (10 s at 4 q/s), so
    that no client asks one question more than once a second (rootlens
    flags that as `repeat`) just by chance."""
    tld_w = [30 if t in POPULAR[:3] else 8 if t in POPULAR else 1 for t in TLDS]

    def tld():
        return rnd.choices(TLDS, tld_w)[0]

    def junk():
        return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(7, 15)))

    def one():
        r = rnd.random()
        if dnskey and r < 0.02:
            return (".", "DNSKEY")
        if dnskey and r < 0.04:
            return (tld(), "DNSKEY")
        if r < 0.47:
            return ("%s.%s.%s" % (rnd.choice(WORDS), junk(), tld()), rnd.choice(NAME_TYPES))
        if r < 0.67:
            return (junk(), rnd.choice(["A", "A", "AAAA"]))
        if r < 0.77:
            return ((rnd.choice(WORDS) + "." if rnd.random() < 0.5 else "") + rnd.choice(LEAKS),
                    rnd.choice(["A", "AAAA", "SOA", "PTR"]))
        if r < 0.85:
            return (tld(), "DS")
        if r < 0.91:
            return (tld(), "NS")
        if r < 0.95:
            return (".", "NS")
        if r < 0.97:
            return (".", "SOA")
        return ("%d.%d.%d.%d.in-addr.arpa" % tuple(rnd.randint(1, 254) for _ in range(4)), "PTR")

    out, recent = [], []
    for _ in range(n):
        q = one()
        while q in recent:
            q = one()
        out.append(q)
        recent.append(q)
        if len(recent) > window:
            recent.pop(0)
    # (a file holds more queries than a phase sends: it is never replayed)
    return out


def write_bin(path, msgs):
    with open(path, "wb") as f:
        for m in msgs:
            f.write(struct.pack("!H", len(m)) + m)


def cmd_make(a):
    phases = a.phases.split(",")
    signed = {p: i > 0 for i, p in enumerate(phases)}  # the first phase is the unsigned one
    qdir = os.path.join(a.dir, "q")
    os.makedirs(qdir, exist_ok=True)
    clients = []
    for inst, soft, base4, tag6 in INSTANCES:
        k = 0
        for kind, tool, edns, do, n4, n6, rate in KINDS:
            for fam, n in ((4, n4), (6, n6)):
                for _ in range(n):
                    k += 1
                    if fam == 4:
                        prefix = "198.18.%d.0/24" % (base4 + k)
                        addr = "198.18.%d.1" % (base4 + k)
                    else:
                        prefix = "fd18:%s:%x::/48" % (tag6, k)
                        addr = "fd18:%s:%x::1" % (tag6, k)
                    clients.append(dict(addr=addr, family=fam, prefix=prefix, instance=inst, kind=kind,
                                        tool=tool, edns=edns, do=do, rate=rate, phases=phases))
    # the flooding ISP: the /24 of the first instance's first validator-4096
    isp = next(c for c in clients if c["instance"] == INSTANCES[0][0] and c["kind"] == "validator-4096")
    base = isp["addr"].rsplit(".", 1)[0]
    flood = []
    for h in range(2, 2 + FLOOD_SOURCES):
        flood.append(dict(addr="%s.%d" % (base, h), family=4, prefix=isp["prefix"], instance=isp["instance"],
                          kind="flood", tool="dnsperf", edns=4096, do=FLOOD_DO, rate=FLOOD_RATE,
                          phases=[a.flood_phase]))
    clients += flood
    for c in clients:
        c["files"] = {}
        for p in c["phases"]:
            rnd = random.Random("%s/%s" % (c["addr"], p))
            n = int(math.ceil(c["rate"] * (a.phase_len + 10)))
            validating = c["do"] is True or c["kind"] == "flood"
            qs = mix(rnd, n, dnskey=validating and signed[p])
            msgs = []
            for qn, qt in qs:
                do = c["do"] if isinstance(c["do"], bool) else rnd.random() < c["do"]
                msgs.append(message(qn, qt, c["edns"], do))
            path = os.path.join(qdir, "%s-%s.bin" % (c["addr"].replace(":", "_"), p))
            write_bin(path, msgs)
            c["files"][p] = os.path.abspath(path)
    # what the configuration implies, for check.py
    per_inst = {}
    for c in clients:
        if c["kind"] == "flood":
            continue
        d = per_inst.setdefault(c["instance"], {"qps": 0, "do_qps": 0})
        d["qps"] += c["rate"]
        d["do_qps"] += c["rate"] if c["do"] else 0
    tot = sum(d["qps"] for d in per_inst.values())
    do_tot = sum(d["do_qps"] for d in per_inst.values())
    plan = dict(
        service4=SERVICE4, service6=SERVICE6, phases=phases, phase_len=a.phase_len,
        instances=[dict(instance=i, software=s) for i, s, _, _ in INSTANCES],
        flood=dict(phase=a.flood_phase, instance=isp["instance"], prefix=isp["prefix"],
                   sources=[c["addr"] for c in flood], rate=FLOOD_RATE),
        expected=dict(qps_per_instance={k: v["qps"] for k, v in per_inst.items()},
                      do_share_pct=round(100.0 * do_tot / tot, 2)),
        clients=clients)
    with open(os.path.join(a.dir, "plan.json"), "w") as f:
        json.dump(plan, f, indent=1)
    print("plan: %d clients (%d flooding), %d query files, DO on %.1f %% of the normal load" %
          (len(clients), len(flood), sum(len(c["files"]) for c in clients), plan["expected"]["do_share_pct"]))


def cmd_addrs(a):
    plan = json.load(open(a.plan))
    for c in plan["clients"]:
        print(c["instance"], c["family"], c["addr"], c["prefix"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--phase-len", type=int, required=True)
    m.add_argument("--phases", default="unsigned,durz,signed")
    m.add_argument("--flood-phase", default="durz")
    ad = sub.add_parser("addrs")
    ad.add_argument("plan")
    a = p.parse_args()
    if a.cmd == "make":
        cmd_make(a)
    else:
        cmd_addrs(a)


if __name__ == "__main__":
    main()
