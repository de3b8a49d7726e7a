#!/usr/bin/env python3
"""flags_check.py - the checks test_flags.sh makes on the "flags" of
rootlens.stats/1 documents (doc/stats-json.md). Prints `ok - ...` or
`FAIL - ...` per check, `note ...` lines for information; exits 1 when a
check failed.

  flags_check.py flood DOC --prefix P --sources A,B,C --from T1 --to T2
                 [--asn ASnnn] [--tag TEXT]
      the flood of sources A,B,C (prefix P) ran from T1 to T2 (epoch
      seconds): P is flagged in every interval the flood covers whole
      (but for half a second at either end: the time dnsperf takes),
      with "share" among its reasons (and "rise" when the interval has
      five before it), and each source in at least one of them; no flag
      outside the intervals the flood touches, and no subject outside
      the flood's; with --asn, the flood's prefix flags name that AS and
      the AS itself is flagged.
  flags_check.py none DOC [--tag TEXT]
      no flags.
  flags_check.py injected DOC --prefix P --qname NAME [--tag TEXT]
      the prefix P is flagged for share and repeat, its evidence's top
      question NAME.
  flags_check.py notes DOC --max N [--tag TEXT]
      prints each flag as a note; at most N of them.
  flags_check.py same DOC1 DOC2 [--tag TEXT]
      the same flags (interval, subject, kind, reason, queries, error).
"""
import argparse
import calendar
import json
import sys
import time

fails = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global fails
    fails += 1
    print("FAIL - " + msg)


def epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def load(path):
    d = json.load(open(path))
    if "flags" not in d or "flag_rules" not in d:
        fail("%s has no flags or flag_rules" % path)
        sys.exit(1)
    return d


def show(f):
    ev = f.get("evidence") or {}
    tq = (ev.get("top_qnames") or [{}])[0]
    return "%s %s %s (%s) %.1f q/s %.2f %% base %s, top %s %s, TCP %s %%, DO %s %%" % (
        f["interval_start"], f["kind"], f["subject"], f["reason"], f["rate_qps"],
        f["share_pct"] or 0, f["baseline_qps"], tq.get("qname"), tq.get("qtype"),
        ev.get("tcp_pct"), ev.get("do_pct"))


def cmd_flood(a):
    d = load(a.doc)
    iv = d["interval"]
    flags = d["flags"]
    starts = [epoch(s["start"]) for s in d["series"]]
    srcs = a.sources.split(",")
    touched = {t for t in starts if t < a.to and t + iv > a.frm}
    # covered whole, but for the half second dnsperf takes to start
    whole = sorted(t for t in starts if t >= a.frm - 0.5 and t + iv <= a.to + 0.5)
    for f in flags:
        print("note: " + show(f))
    if not whole:
        fail("%s: the flood (%.1f..%.1f) covers no interval whole" % (a.tag, a.frm, a.to))
        return
    pf = {epoch(f["interval_start"]): f for f in flags if f["subject"] == a.prefix}
    missing = [t for t in whole if t not in pf]
    if missing:
        fail("%s: %s not flagged in %d of the %d intervals the flood covers" %
             (a.tag, a.prefix, len(missing), len(whole)))
    else:
        ok("%s: %s flagged in each of the %d intervals the flood covers" %
           (a.tag, a.prefix, len(whole)))
    bad = [t for t in whole if t in pf and "share" not in pf[t]["reason"].split(",")]
    rise_due = [t for t in whole if t in pf and starts.index(t) >= 5]
    no_rise = [t for t in rise_due if "rise" not in pf[t]["reason"].split(",")]
    if bad or no_rise:
        fail("%s: %s reasons %s (want share, and rise after five intervals)" %
             (a.tag, a.prefix, [pf[t]["reason"] for t in whole if t in pf]))
    else:
        ok("%s: %s reasons %s" % (a.tag, a.prefix, sorted({pf[t]["reason"] for t in whole if t in pf})))
    for s in srcs:
        hit = [f for f in flags if f["subject"] == s and epoch(f["interval_start"]) in whole]
        if hit:
            ok("%s: source %s flagged (%s)" % (a.tag, s, hit[0]["reason"]))
        else:
            fail("%s: source %s not flagged in a flood interval" % (a.tag, s))
    subj = {a.prefix, *srcs} | ({a.asn} if a.asn else set())
    stray = [f for f in flags if f["subject"] not in subj or
             epoch(f["interval_start"]) not in touched]
    if stray:
        fail("%s: %d flags outside the flood: %s" % (a.tag, len(stray), "; ".join(show(f) for f in stray[:3])))
    else:
        ok("%s: no flag outside the flood's subjects and intervals (%d flags)" % (a.tag, len(flags)))
    if a.asn:
        named = [f for f in pf.values() if f.get("asn") == a.asn]
        asf = [f for f in flags if f["subject"] == a.asn and f["kind"] == "asn"]
        if len(named) == len(pf) and pf and asf:
            ok("%s: the prefix flags name %s, which is flagged itself (%s)" % (a.tag, a.asn, asf[0]["reason"]))
        else:
            fail("%s: %d of %d prefix flags name %s; %d flags of %s" % (a.tag, len(named), len(pf), a.asn, len(asf), a.asn))


def cmd_none(a):
    d = load(a.doc)
    if d["flags"]:
        fail("%s: %d flags, want none: %s" % (a.tag, len(d["flags"]), "; ".join(show(f) for f in d["flags"][:3])))
    else:
        ok("%s: no flags over %d intervals" % (a.tag, len(d["series"])))


def cmd_injected(a):
    d = load(a.doc)
    hit = [f for f in d["flags"] if f["subject"] == a.prefix]
    if not hit:
        fail("%s: %s not flagged" % (a.tag, a.prefix))
        return
    f = hit[0]
    why = set(f["reason"].split(","))
    tq = ((f.get("evidence") or {}).get("top_qnames") or [{}])[0]
    if {"share", "repeat"} <= why and tq.get("qname") == a.qname:
        ok("%s: %s flagged (%s), its top question %s %s" % (a.tag, a.prefix, f["reason"],
                                                            tq.get("qname"), tq.get("qtype")))
    else:
        fail("%s: %s flagged for %s, top question %s (want share and repeat, %s)" %
             (a.tag, a.prefix, f["reason"], tq.get("qname"), a.qname))


def cmd_notes(a):
    d = load(a.doc)
    for f in d["flags"]:
        print("note: %s: %s" % (a.tag, show(f)))
    if len(d["flags"]) <= a.max:
        ok("%s: %d flags (at most %d)" % (a.tag, len(d["flags"]), a.max))
    else:
        fail("%s: %d flags, want at most %d" % (a.tag, len(d["flags"]), a.max))


def cmd_same(a):
    def key(f):
        return (f["interval_start"], f["subject"], f["kind"], f["reason"], f["queries"], f["error"])
    x = sorted(key(f) for f in load(a.doc)["flags"])
    y = sorted(key(f) for f in load(a.doc2)["flags"])
    if x == y:
        ok("%s: the same %d flags" % (a.tag, len(x)))
    else:
        fail("%s: flags differ: %s vs %s" % (a.tag, sorted(set(x) - set(y))[:3], sorted(set(y) - set(x))[:3]))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("flood", "none", "injected", "notes", "same"):
        s = sub.add_parser(name)
        s.add_argument("doc")
        s.add_argument("--tag", default="")
        if name == "flood":
            s.add_argument("--prefix", required=True)
            s.add_argument("--sources", required=True)
            s.add_argument("--from", dest="frm", type=float, required=True)
            s.add_argument("--to", type=float, required=True)
            s.add_argument("--asn")
        if name == "injected":
            s.add_argument("--prefix", required=True)
            s.add_argument("--qname", required=True)
        if name == "notes":
            s.add_argument("--max", type=int, required=True)
        if name == "same":
            s.add_argument("doc2")
    a = p.parse_args()
    if not a.tag:
        a.tag = a.doc.rsplit("/", 1)[-1]
    {"flood": cmd_flood, "none": cmd_none, "injected": cmd_injected, "notes": cmd_notes,
     "same": cmd_same}[a.cmd](a)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
