#!/usr/bin/env python3
"""check.py - does the DURZ experiment's outcome match what its
configuration implies?

  check.py --out OUT [--rootlens PATH] [--do-tolerance 3]

Reads what experiment/durz.sh left in OUT: the plan (plan/plan.json,
plan/boundaries), what the clients sent (sent/PHASE.json), the archive and
its listing, the archive-analyze documents (analysis/phase-P.json: both
instances merged, analysis/INSTANCE-P.json, analysis/window.json) and
delv's verdicts (logs/validation.txt). Prints one line per check, `ok - ...`
or `FAIL - ...`, then `N passed, N failed`; exits 1 when a check failed.

The checks, and why the configuration implies them:

 1. the archive holds, per phase and instance, exactly the queries each
    client address sent over each transport (dnsperf's "Queries sent",
    load.py's own counts), counted with `rootlens decode` over the archived
    files; no other source appears; no capture dropped a packet.
 2. every archived file lies inside its phase (its manifest's label and
    packet times against the phase boundaries).
 3. what the clients were configured to send is on the wire: EDNS buffer
    sizes 512, 1232 and 4096, queries without EDNS, IPv6.
 4. UDP response sizes rise after signing (median and mean of the RSSAC002
    bins, per phase, both instances and each): RRSIGs, DS and NSEC records
    are in the answers the signed zone gives a DO query.
 5. the TCP share (tcp_udp_query_ratio_pct) is higher in the DURZ and
    signed phases than unsigned, both instances and each; TC answers rise;
    and the retrying resolvers' TCP queries are exactly their TC answers:
    the rise comes from answers larger than the clients' EDNS buffers.
 6. the DO share does not change (within --do-tolerance points) and is
    what the population has (plan: 59.6 %).
 7. DNSKEY queries: none unsigned (nothing to fetch), in both signed phases
    for the root and for TLDs.
 8. the flooding ISP's /24 and each of its flooding addresses are flagged
    in its phase (and at its instance) only, in the per-phase documents
    and on the whole window's time line; nothing else is flagged.
 9. delv: nothing validates unsigned or in the DURZ (with the real KSK or
    the published DURZ KSK as trust anchor); the signed zone validates with
    the real KSK on both instances.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone

RESULTS = []


def ok(msg):
    RESULTS.append(True)
    print("ok - " + msg)


def fail(msg):
    RESULTS.append(False)
    print("FAIL - " + msg)


def check(cond, msg):
    (ok if cond else fail)(msg)
    return cond


def load(path):
    with open(path) as f:
        return json.load(f)


def ts(iso):
    return datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + (
        float("0" + iso[19:-1]) if len(iso) > 20 else 0.0)


def queries(doc):
    m = doc["totals"]["messages"]["queries"]
    return sum(m[t][v] for t in ("udp", "tcp") for v in ("ipv4", "ipv6"))


def tcp_queries(doc):
    m = doc["totals"]["messages"]["queries"]["tcp"]
    return m["ipv4"] + m["ipv6"]


def size_stats(doc, key="udp-response-sizes"):
    """(median bin, mean from bin midpoints, count) of an RSSAC002 size map."""
    bins = doc["totals"]["sizes"].get(key, {})
    items = []
    for k, n in bins.items():
        lo, hi = k.split("-")
        lo = int(lo)
        mid = lo + 7.5 if hi else lo
        items.append((lo, k, mid, n))
    items.sort()
    total = sum(n for *_, n in items)
    if not total:
        return None, None, 0
    mean = sum(mid * n for _, _, mid, n in items) / total
    acc = 0
    for _, k, _, n in items:
        acc += n
        if acc * 2 >= total:
            return k, mean, total
    return items[-1][1], mean, total


def lo_of(bin_key):
    return int(bin_key.split("-")[0])


def decode_counts(rootlens, archive, files):
    """(src, transport) -> queries, over files decoded in one run (TCP
    streams that cross a file boundary are reassembled)."""
    out = Counter()
    p = subprocess.run([rootlens, "decode"] + [os.path.join(archive, f) for f in files],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("rootlens decode failed (%d): %s" % (p.returncode, p.stderr[:300]))
    for line in p.stdout.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        if f[7] == "0":
            out[(f[3], f[1])] += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--rootlens", default="rootlens")
    ap.add_argument("--do-tolerance", type=float, default=3.0)
    a = ap.parse_args()
    O = a.out
    plan = load(os.path.join(O, "plan/plan.json"))
    phases = plan["phases"]
    insts = [i["instance"] for i in plan["instances"]]
    server = "k.root-servers.net"
    bounds = [int(x) for x in open(os.path.join(O, "plan/boundaries")).read().split()]
    pb = {p: (bounds[i], bounds[i + 1]) for i, p in enumerate(phases)}
    unsigned, signed_phases = phases[0], phases[1:]
    clients = {c["addr"]: c for c in plan["clients"]}
    sent = {p: load(os.path.join(O, "sent/%s.json" % p)) for p in phases}
    doc = {p: load(os.path.join(O, "analysis/phase-%s.json" % p)) for p in phases}
    idoc = {(i, p): load(os.path.join(O, "analysis/%s-%s.json" % (i, p))) for i in insts for p in phases}
    window = load(os.path.join(O, "analysis/window.json"))
    listing = load(os.path.join(O, "analysis/archive-list.json"))
    archive = os.path.join(O, "archive")

    # ---- 1. sent == archived, exactly ----------------------------------------
    files = defaultdict(list)
    for f in listing["files"]:
        files[(f["instance"], f["phase"])].append(f["path"])
    total_sent = Counter()
    mism = []
    n_addr = set()
    for p in phases:
        for i in insts:
            got = decode_counts(a.rootlens, archive, sorted(files[(i, p)]))
            want = Counter()
            for addr, c in sent[p]["clients"].items():
                if c["instance"] != i:
                    continue
                for tr in ("udp", "tcp"):
                    if c[tr]:
                        want[(addr, tr)] = c[tr]
            for k in set(got) | set(want):
                if got[k] != want[k]:
                    mism.append("%s %s %s %s: sent %d, archived %d" % (p, i, k[0], k[1], want[k], got[k]))
            for (addr, tr), n in want.items():
                total_sent[tr] += n
                n_addr.add(addr)
    check(not mism and total_sent["udp"] > 0,
          "the archive holds exactly the %d queries the clients sent (UDP %d, TCP %d) from %d addresses, "
          "per phase, instance, address and transport%s" %
          (sum(total_sent.values()), total_sent["udp"], total_sent["tcp"], len(n_addr),
           "" if not mism else "; %d differences, e.g. %s" % (len(mism), "; ".join(mism[:4]))))
    drops = Counter()
    for m in glob.glob(os.path.join(archive, server, "*", "*.json")):
        for k, v in load(m).get("drops", {}).items():
            drops[k] += v or 0
    check(sum(drops.values()) == 0, "no capture dropped a packet (manifests: %s)" %
          (", ".join("%s %d" % kv for kv in sorted(drops.items())) or "no drop counters"))

    # ---- 2. phase labels ----------------------------------------------------------
    bad = []
    nfiles = Counter()
    for f in listing["files"]:
        p = f["phase"]
        nfiles[(f["instance"], p)] += 1
        if p not in pb:
            bad.append("%s: phase %r" % (f["path"], p))
        elif f["first_packet"] and not (pb[p][0] <= ts(f["first_packet"]) and ts(f["last_packet"]) < pb[p][1]):
            bad.append("%s (%s): packets %s..%s" % (f["path"], p, f["first_packet"], f["last_packet"]))
    check(not bad and all(nfiles[(i, p)] >= 1 for i in insts for p in phases),
          "%d archived files, each labelled with its phase and inside it (%s)%s" %
          (len(listing["files"]), ", ".join("%s %d" % (p, sum(nfiles[(i, p)] for i in insts)) for p in phases),
           "" if not bad else ": " + "; ".join(bad[:3])))

    # ---- 3. the configuration on the wire -------------------------------------------
    for p in phases:
        t = doc[p]["totals"]
        sizes = t["edns"]["udp_size"]
        noedns = queries(doc[p]) - t["edns"]["queries"]
        v6 = sum(t["messages"]["queries"][tr]["ipv6"] for tr in ("udp", "tcp"))
        check(all(sizes.get(k, 0) > 0 for k in ("512", "1232", "4096")) and noedns > 0 and v6 > 0,
              "%s: EDNS buffer sizes on the wire 512: %d, 1232: %d, 4096: %d; without EDNS: %d; over IPv6: %d" %
              (p, sizes.get("512", 0), sizes.get("1232", 0), sizes.get("4096", 0), noedns, v6))

    # ---- 4. response sizes --------------------------------------------------------
    def sizes_rise(label, docs):
        s = {p: size_stats(docs[p]) for p in phases}
        good = all(s[p][2] for p in phases) and all(
            lo_of(s[p][0]) > lo_of(s[unsigned][0]) and s[p][1] > s[unsigned][1] for p in signed_phases)
        check(good, "%s: UDP response sizes rise after signing: median (RSSAC002 bin) and mean %s" % (
            label, ", ".join("%s %s B / %.0f B" % (p, s[p][0], s[p][1] or 0) for p in phases)))

    sizes_rise("both instances", doc)
    for i in insts:
        sizes_rise(i, {p: idoc[(i, p)] for p in phases})

    # ---- 5. TCP share, and its cause -------------------------------------------------
    def tcp_rise(label, docs):
        r = {p: docs[p]["totals"]["tcp_udp_query_ratio_pct"] for p in phases}
        tc = {p: docs[p]["totals"]["tc_responses"] for p in phases}
        good = all(r[p] is not None for p in phases) and all(
            r[p] > r[unsigned] and tc[p] > tc[unsigned] for p in signed_phases)
        check(good, "%s: TCP share rises: TCP queries as %% of UDP %s; TC answers %s" % (
            label, ", ".join("%s %.2f %%" % (p, r[p] or 0) for p in phases),
            ", ".join("%s %d" % (p, tc[p]) for p in phases)))

    tcp_rise("both instances", doc)
    for i in insts:
        tcp_rise(i, {p: idoc[(i, p)] for p in phases})
    parts = []
    good = True
    for p in phases:
        rc = [c for c in sent[p]["clients"].values() if c["tool"] == "retry"]
        tcs = sum(c["tc"] for c in rc)
        tcp = sum(c["tcp"] for c in rc)
        fails = sum(c["tcp_failures"] for c in rc)
        good = good and tcp == tcs and fails == 0
        other = tcp_queries(doc[p]) - tcp
        kinds = Counter()
        for c in rc:
            kinds[c["kind"]] += c["tc"]
        parts.append("%s: %d TC answers (%s), %d TCP retries, %d other TCP queries" % (
            p, tcs, ", ".join("%s %d" % kv for kv in sorted(kinds.items()) if kv[1]) or "none", tcp, other))
    rise = {p: sum(c["tcp"] for c in sent[p]["clients"].values() if c["tool"] == "retry") for p in phases}
    good = good and all(rise[p] > rise[unsigned] for p in signed_phases)
    check(good, "the TCP rise is the retrying resolvers' (EDNS 512/1232/none) answers to truncation: " +
          "; ".join(parts))

    # ---- 6. DO share ------------------------------------------------------------------
    do = {p: doc[p]["totals"]["edns"]["do_share_pct"] for p in phases}
    exp = plan["expected"]["do_share_pct"]
    check(all(abs(do[p] - do[unsigned]) <= a.do_tolerance for p in signed_phases) and
          abs(do[unsigned] - exp) <= a.do_tolerance,
          "DO share unchanged (within %.1f points): %s (the population: %.1f %%)" % (
              a.do_tolerance, ", ".join("%s %.2f %%" % (p, do[p]) for p in phases), exp))

    # ---- 7. DNSKEY ------------------------------------------------------------------
    for p in phases:
        t = doc[p]["totals"]
        n = t["qtype"].get("DNSKEY", 0)
        by = t.get("dnskey_by_tld", {})
        root = by.get(".", 0)
        tlds = [k for k in by if k not in (".", "other")]
        if p == unsigned:
            check(n == 0, "%s: no DNSKEY queries (%d): the zone has no keys to fetch" % (p, n))
        else:
            top = sorted(((v, k) for k, v in by.items() if k not in (".", "other")), reverse=True)[:3]
            check(n > 0 and root > 0 and len(tlds) >= 10,
                  "%s: DNSKEY queries appear: %d, %d for the root, %d for %d TLDs (most: %s)" % (
                      p, n, root, sum(by[k] for k in tlds), len(tlds),
                      ", ".join("%s %d" % (k, v) for v, k in top)))

    # ---- 8. flags ---------------------------------------------------------------------
    fl = plan["flood"]
    subjects = set([fl["prefix"]] + fl["sources"])
    want_inst = "%s|%s" % (server, fl["instance"])
    for p in phases:
        flags = doc[p]["flags"]
        mine = [f for f in flags if f["subject"] in subjects]
        other = sorted(set("%s %s" % (f["subject"], f["reason"]) for f in flags if f["subject"] not in subjects))
        if p == fl["phase"]:
            flagged = set(f["subject"] for f in mine)
            at = set(f.get("instance", want_inst) for f in mine)
            pre = [f for f in mine if f["subject"] == fl["prefix"]]
            reasons = sorted(set(r for f in pre for r in f["reason"].split(",")))
            shares = [f["share_pct"] for f in pre]
            check(flagged == subjects and at == {want_inst},
                  "%s: the flooding ISP %s flagged at %s in %d of the phase's intervals (%s; share %.0f-%.0f %%), "
                  "and each of its %d flooding addresses" % (
                      p, fl["prefix"], fl["instance"], len(pre), ",".join(reasons),
                      min(shares or [0]), max(shares or [0]), len(fl["sources"])) +
                  ("" if flagged == subjects else "; not flagged: %s" % ", ".join(sorted(subjects - flagged))))
        else:
            check(not mine, "%s: the ISP %s not flagged (%d flags on it)" % (p, fl["prefix"], len(mine)))
        check(not other, "%s: nothing else flagged%s" % (p, "" if not other else ": " + "; ".join(other[:5])))
    t1, t2 = pb[fl["phase"]]
    wf = [f for f in window["flags"] if f["subject"] == fl["prefix"]]
    outside = [f["interval_start"] for f in wf if not (t1 <= ts(f["interval_start"]) < t2)]
    check(wf and not outside,
          "whole window: the ISP's flags (%d) all fall inside the %s phase%s" % (
              len(wf), fl["phase"], "" if not outside else "; outside: " + ", ".join(outside[:4])))

    # ---- 9. validation -----------------------------------------------------------------
    verdict = {}
    for line in open(os.path.join(O, "logs/validation.txt")):
        f = line.split()
        if len(f) >= 4:
            verdict[(f[0], f[1], f[2])] = f[3]
    for p in phases:
        for anchor in ("real", "durz"):
            want = "validated" if (p == phases[-1] and anchor == "real") else "not-validated"
            got = [verdict.get((p, i, anchor), "missing") for i in insts]
            check(all(g == want for g in got),
                  "delv, %s zone, %s KSK as trust anchor: %s on %s" % (
                      p, "the real" if anchor == "real" else "the published DURZ", "/".join(got), "/".join(insts)))

    n_ok = sum(RESULTS)
    n_fail = len(RESULTS) - n_ok
    print("%d passed, %d failed" % (n_ok, n_fail))
    sys.exit(1 if n_fail else 0)


if __name__ == "__main__":
    main()
