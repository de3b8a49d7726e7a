#!/usr/bin/env python3
"""End-to-end checks of `rootlens analyze` and `rootlens merge` (stdlib only).

Used by test_analyze.sh; each subcommand prints `ok ...` / `FAIL ...` lines
(and indented details under a FAIL), exit status 1 when a check failed.

    analyze_oracle.py totals --rootlens BIN [--exceptions FILE] [-j N] LABEL=PATH...
        The "totals" of `rootlens analyze -j 1 --quiet PATH` against tshark
        (oracle_tshark.records(), the oracle of conformance.py), reduced
        here to the analyze-level figures: messages, edns.queries, edns.do,
        tc_responses, qtype, rcode (mnemonics), dnskey_by_tld, sizes
        (RSSAC002 bins).
    analyze_oracle.py safe-split FILE PIECES
        Print the packet count N for `editcap -c N` that cuts FILE into
        PIECES pieces with no cut inside a TCP connection (tshark says
        where each tcp.stream starts and ends).
    analyze_oracle.py merge --whole W.json --part A.json... --merged M.json...
        The merged documents against the whole capture's document.
    analyze_oracle.py schema --file PATH... [--server S --instance I
                      --phase P] [--interval N] DOC.json
        The rootlens.stats/1 layout of one document (doc/stats-json.md).

Analyze-level keys are written flat: "messages.queries.udp.ipv4",
"edns.queries", "qtype.AAAA", "sizes.udp-response-sizes.4096-", ...
"""

import argparse
import calendar
import collections
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsagg  # noqa: E402
import oracle_tshark  # noqa: E402

SCHEMA = "rootlens.stats/1"
MAX_SHOW = 12  # differing keys shown per capture / comparison

# ---- IANA mnemonics ------------------------------------------------------
# From the IANA "Domain Name System (DNS) Parameters" registry, written out
# here so that the oracle does not lean on rootlens' own table.  255 is "*"
# in the registry; it is written ANY (RFC 8482), as `rootlens decode` and
# every DNS tool do.  Unassigned numbers are TYPEnnn / RCODEnn.
QTYPES = {
    1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB",
    8: "MG", 9: "MR", 10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO",
    14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB", 19: "X25",
    20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY",
    26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID",
    32: "NIMLOC", 33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT",
    38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL", 43: "DS",
    44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
    49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA",
    55: "HIP", 56: "NINFO", 57: "RKEY", 58: "TALINK", 59: "CDS",
    60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD", 64: "SVCB",
    65: "HTTPS", 66: "DSYNC", 99: "SPF", 100: "UINFO", 101: "UID",
    102: "GID", 103: "UNSPEC", 104: "NID", 105: "L32", 106: "L64",
    107: "LP", 108: "EUI48", 109: "EUI64", 128: "NXNAME", 249: "TKEY",
    250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA",
    255: "ANY", 256: "URI", 257: "CAA", 258: "AVC", 259: "DOA",
    260: "AMTRELAY", 261: "RESINFO", 262: "WALLET", 32768: "TA",
    32769: "DLV",
}
# RCODEs as they can occur in a header (+ OPT extended RCODE): 16 is
# BADVERS there (BADSIG only in a TSIG RR); 17-22 are TSIG/TKEY errors but
# are registered RCODE names all the same.
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
    5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH",
    10: "NOTZONE", 11: "DSOTYPENI", 16: "BADVERS", 17: "BADKEY",
    18: "BADTIME", 19: "BADMODE", 20: "BADNAME", 21: "BADALG",
    22: "BADTRUNC", 23: "BADCOOKIE",
}


def qtype_name(n):
    return QTYPES.get(n, "TYPE%d" % n)


def rcode_name(n):
    return RCODES.get(n, "RCODE%d" % n)


# ---- RSSAC002 size bins --------------------------------------------------
REQ_OPEN, RESP_OPEN = 288, 4096


def size_bin(length, response):
    top = RESP_OPEN if response else REQ_OPEN
    if length >= top:
        return "%d-" % top
    lo = length // 16 * 16
    return "%d-%d" % (lo, lo + 15)


def bin_lo(name):
    return int(name.split("-")[0])


# ---- tshark records -> analyze-level figures -----------------------------
def tshark_figures(recs):
    """Flat analyze-level counters from oracle_tshark records."""
    f = collections.Counter()
    for r in recs:
        if r["qr"] not in (0, 1):
            continue  # no header: analyze counts it as malformed only
        kind = "queries" if r["qr"] == 0 else "responses"
        ipv = "ipv%d" % r["ipver"]
        f["messages.%s.%s.%s" % (kind, r["transport"], ipv)] += 1
        if r["len"] is not None:
            f["sizes.%s-%s-sizes.%s" % (
                r["transport"], "request" if r["qr"] == 0 else "response",
                size_bin(r["len"], r["qr"] == 1))] += 1
        if r["qr"] == 0:
            if r["opt"]:
                f["edns.queries"] += 1
                if r["do"]:
                    f["edns.do"] += 1
            if r["qtype"] is not None:
                f["qtype." + qtype_name(r["qtype"])] += 1
                if r["qtype"] == 48:
                    f["dnskey_by_tld." + dnsagg.tld_of(r["qname"])] += 1
        else:
            if r["tc"]:
                f["tc_responses"] += 1
            if r["rcode"] is not None:
                f["rcode." + rcode_name(r["rcode"])] += 1
    return f


def doc_figures(totals):
    """The same flat counters from an analyze document's "totals"."""
    f = collections.Counter()

    def walk(prefix, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(prefix + "." + k, x)
        elif isinstance(v, int) and not isinstance(v, bool):
            if v:
                f[prefix] += v
        else:
            f[prefix] = v  # wrong type: shows up in the diff

    walk("messages", totals.get("messages", {}))
    edns = totals.get("edns", {})
    for k in ("queries", "do"):
        if k in edns:
            walk("edns." + k, edns[k])
    walk("tc_responses", totals.get("tc_responses", 0))
    for m in ("qtype", "rcode", "dnskey_by_tld", "sizes"):
        walk(m, totals.get(m, {}))
    return f


# ---- conformance exceptions, decode level -> analyze level ---------------
# conformance-exceptions.txt excuses decode-level keys (dnsagg tables); an
# excused key excuses these analyze-level keys (fnmatch patterns) for the
# same capture:
#   messages:T/V     messages.{queries,responses}.T.ipvV
#   queries:T/V      messages.queries.T.ipvV, and sizes.T-request-sizes.*
#                    (request sizes have no decode-level table: the excused
#                    queries stand for them)
#   responses:T/V    messages.responses.T.ipvV
#   query_edns:opt   edns.queries        query_edns:do  edns.do
#   response_tc:tc   tc_responses
#   qtype:N          qtype.<mnemonic of N> (N=48: also dnskey_by_tld.*)
#   rcode:N          rcode.<mnemonic of N>
#   dnskey_tld:X     dnskey_by_tld.X
#   response_size:N  sizes.*-response-sizes.<bin holding N*16>
#   time:*           nothing (analyze has no per-timestamp table)
#   TABLE:*          every key the table maps to
def analyze_patterns(table, key):
    star = key == "*"

    def tv(key):
        t, v = key.split("/")
        return t, "ipv" + v
    if table == "messages":
        if star:
            return ["messages.*"]
        t, v = tv(key)
        return ["messages.queries.%s.%s" % (t, v),
                "messages.responses.%s.%s" % (t, v)]
    if table == "queries":
        if star:
            return ["messages.queries.*", "sizes.*-request-sizes.*"]
        t, v = tv(key)
        return ["messages.queries.%s.%s" % (t, v),
                "sizes.%s-request-sizes.*" % t]
    if table == "responses":
        if star:
            return ["messages.responses.*"]
        t, v = tv(key)
        return ["messages.responses.%s.%s" % (t, v)]
    if table == "query_edns":
        return {"opt": ["edns.queries"], "do": ["edns.do"],
                "*": ["edns.queries", "edns.do"]}.get(key, [])
    if table == "response_tc":
        return ["tc_responses"]
    if table == "qtype":
        if star:
            return ["qtype.*", "dnskey_by_tld.*"]
        pats = ["qtype." + qtype_name(int(key))]
        if int(key) == 48:
            pats.append("dnskey_by_tld.*")
        return pats
    if table == "rcode":
        return ["rcode.*"] if star else ["rcode." + rcode_name(int(key))]
    if table == "dnskey_tld":
        return ["dnskey_by_tld.*"] if star else ["dnskey_by_tld." + key]
    if table == "response_size":
        if star:
            return ["sizes.*-response-sizes.*"]
        return ["sizes.*-response-sizes." + size_bin(int(key) * 16, True)]
    return []


def load_exceptions(path):
    """{label: [(patterns, reason)]} from conformance-exceptions.txt."""
    exc = {}
    if not path or not os.path.exists(path):
        return exc
    with open(path, encoding="utf-8") as fp:
        for line in fp:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                continue
            label, keys, reason = parts
            pats = []
            for k in keys.split(","):
                table, _, key = k.strip().partition(":")
                pats += analyze_patterns(table, key)
            exc.setdefault(label, []).append((pats, reason))
    return exc


def excused(excs, key):
    for pats, reason in excs:
        if any(fnmatch.fnmatchcase(key, p) for p in pats):
            return reason
    return None


def sortkey(k):
    """Flat keys with size bins in numeric order."""
    head, _, last = k.rpartition(".")
    if head.startswith("sizes.") and last[:1].isdigit():
        return (head, bin_lo(last), last)
    return (head, -1, last) if head else (k, -1, "")


def run_analyze(rootlens, path, extra=()):
    p = subprocess.run([rootlens, "analyze", "-j", "1", "--quiet"]
                       + list(extra) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def check_totals(label, path, rootlens, excs):
    try:
        st = {}
        recs = oracle_tshark.records(path, (53,), st)
    except Exception as e:  # noqa: BLE001 - report, keep going
        return False, ["FAIL analyze totals %s" % label,
                       "    tshark: %s" % e]
    rc, out, err = run_analyze(rootlens, path)
    problems = []
    if rc not in (0, 1):
        return False, ["FAIL analyze totals %s" % label,
                       "    rootlens analyze exit status %d: %s"
                       % (rc, err.strip()[:300])]
    if rc == 1 and not st.get("cut_short"):
        problems.append("    rootlens analyze exit status 1 (damaged input) "
                        "on a capture tshark reads whole: %s"
                        % err.strip()[:300])
    if rc == 0 and st.get("cut_short"):
        problems.append("    tshark finds the capture cut short, rootlens "
                        "analyze exits 0")
    try:
        doc = json.loads(out)
        totals = doc["totals"]
    except (ValueError, KeyError, TypeError) as e:
        return False, ["FAIL analyze totals %s" % label,
                       "    no JSON document with \"totals\" on stdout (%s): "
                       "%r" % (e, out[:200])]
    tf, rf = tshark_figures(recs), doc_figures(totals)
    # doc/stats-json.md: TLDs outside the root zone are exact up to 1000
    # distinct, the rest in "other".  With more than 1000 distinct DNSKEY
    # TLDs the oracle (which has no root-zone list) can only check the sum.
    dk = [k for k in tf if k.startswith("dnskey_by_tld.")]
    if len(dk) > 1000:
        for f in (tf, rf):
            n = sum(v for k, v in f.items() if k.startswith("dnskey_by_tld."))
            for k in [k for k in f if k.startswith("dnskey_by_tld.")]:
                del f[k]
            f["dnskey_by_tld.(sum: over 1000 distinct TLDs)"] = n
    bad, exc_lines = [], []
    for k in sorted(set(tf) | set(rf), key=sortkey):
        tv, rv = tf.get(k, 0), rf.get(k, 0)
        if tv == rv:
            continue
        line = "    %-44s tshark %-7s rootlens %s" % (k, tv, rv)
        reason = excused(excs.get(label, []), k)
        if reason:
            exc_lines.append(line + "  (excused: %s)" % reason[:60])
        else:
            bad.append(line)
    ok = not bad and not problems
    lines = [("ok analyze totals %s" if ok else "FAIL analyze totals %s")
             % label]
    lines += problems + bad[:MAX_SHOW * 2]
    if len(bad) > MAX_SHOW * 2:
        lines.append("    ... %d more keys differ" % (len(bad) - MAX_SHOW * 2))
    lines += exc_lines
    return ok, lines


def cmd_totals(a):
    excs = load_exceptions(a.exceptions)
    items = [c.split("=", 1) if "=" in c else (c, c) for c in a.captures]
    nok = nfail = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        futs = [ex.submit(check_totals, lbl, p, a.rootlens, excs)
                for lbl, p in items]
        for f in futs:
            ok, lines = f.result()
            print("\n".join(lines), flush=True)
            nok += ok
            nfail += not ok
    print("analyze totals: %d ok, %d failed" % (nok, nfail))
    return 0 if nfail == 0 else 1


# ---- safe split ------------------------------------------------------------
def cmd_safe_split(a):
    """N such that `editcap -c N` cuts no TCP connection: for each cut
    between frame k*N and k*N+1, no tcp.stream has frames on both sides."""
    p = subprocess.run(["tshark", "-r", a.file, "-n", "-Y", "tcp",
                        "-T", "fields", "-e", "frame.number",
                        "-e", "tcp.stream"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    spans = {}
    for line in p.stdout.splitlines():
        fn, _, s = line.partition("\t")
        if not s:
            continue
        fn = int(fn)
        lo, hi = spans.get(s, (fn, fn))
        spans[s] = (min(lo, fn), max(hi, fn))
    q = subprocess.run(["capinfos", "-c", "-M", "-T", a.file],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    total = int(q.stdout.strip().splitlines()[-1].split("\t")[-1])
    inside = [False] * (total + 2)  # inside[c]: cut after frame c splits one
    for lo, hi in spans.values():
        for c in range(lo, hi):
            inside[c] = True
    k = a.pieces
    base = -(-total // k)  # the smallest N giving exactly k pieces
    for n in range(base, total):
        if -(-total // n) != k:
            break
        if not any(inside[c] for c in range(n, total, n)):
            print(n, total)
            return 0
    print("no split of %d frames into %d pieces misses every TCP stream"
          % (total, k), file=sys.stderr)
    return 1


# ---- merge against whole ---------------------------------------------------
# Compared exactly: counters and histograms of "totals" and of every series
# entry (keyed by its start).  Compared within error: unique_sources (2 %),
# top_sources / top_prefixes (Space-Saving error).  Not compared: inputs,
# sketch, reassembly (engine state at the ends of the pieces).
EXACT = ("messages", "tcp_udp_query_ratio_pct", "tc_responses", "edns",
         "sizes", "qtype", "rcode", "opcode", "queries_by_tld",
         "dnskey_by_tld", "priming_queries", "malformed")
EXACT_TOTALS = EXACT + ("packets", "packets_without_dns")
APPROX = ("unique_sources", "top_sources", "top_prefixes")


def flat(v, prefix, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flat(x, "%s.%s" % (prefix, k) if prefix else k, out)
    else:
        out[prefix] = v
    return out


def diff_exact(w, m, keys):
    fw, fm = {}, {}
    for k in keys:
        if k in w:
            flat(w[k], k, fw)
        if k in m:
            flat(m[k], k, fm)
    out = []
    for k in sorted(set(fw) | set(fm), key=sortkey):
        if fw.get(k) != fm.get(k):
            out.append((k, fw.get(k), fm.get(k)))
    return out


def diff_approx(w, m, scope):
    """Lines where m's unique_sources / top lists are outside the stated
    error of w's."""
    out = []
    uw, um = w.get("unique_sources", {}), m.get("unique_sources", {})
    for k in sorted(set(uw) | set(um)):
        a, b = uw.get(k), um.get(k)
        if not isinstance(a, int) or not isinstance(b, int) \
                or abs(a - b) > 0.02 * a:
            out.append("%s unique_sources.%s: whole %s, merged %s (> 2 %%)"
                       % (scope, k, a, b))
    for lst, key in (("top_sources", "addr"), ("top_prefixes", "prefix")):
        lw, lm = w.get(lst, []), m.get(lst, [])
        if bool(lw) != bool(lm):
            out.append("%s %s: whole has %d entries, merged %d"
                       % (scope, lst, len(lw), len(lm)))
            continue
        bym = {e.get(key): e for e in lm}
        floor = min((e["queries"] for e in lm), default=0)
        # Space-Saving: the true count c of an entry lies in
        # [queries - error, queries].  An entry of the whole must be in the
        # merged list with an overlapping range, or, when the merged list
        # (cut to its top entries) leaves it out, its lower bound must not
        # exceed the merged list's smallest count.
        for e in lw:
            lo, hi = e["queries"] - e["error"], e["queries"]
            x = bym.get(e.get(key))
            if x is None:
                if len(lm) >= len(lw) and lo > floor:
                    out.append("%s %s: %s (%d, error %d) of the whole "
                               "missing from the merged list (smallest "
                               "there %d)" % (scope, lst, e.get(key),
                                              e["queries"], e["error"],
                                              floor))
                elif len(lm) < len(lw):
                    out.append("%s %s: %s missing; merged list shorter "
                               "(%d < %d)" % (scope, lst, e.get(key),
                                              len(lm), len(lw)))
                continue
            mlo, mhi = x["queries"] - x["error"], x["queries"]
            if mlo > hi or lo > mhi:
                out.append("%s %s: %s whole %d (error %d), merged %d "
                           "(error %d): ranges do not overlap"
                           % (scope, lst, e.get(key), e["queries"],
                              e["error"], x["queries"], x["error"]))
    return out


def diff_doc(a, b, prefix):
    """(flat key, a value, b value) where two documents' parts differ;
    series entries are keyed by their start."""
    if prefix == "series":
        a = {e.get("start"): e for e in a or []}
        b = {e.get("start"): e for e in b or []}
    fa, fb = flat(a or {}, prefix, {}), flat(b or {}, prefix, {})
    return [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb),
                                                      key=sortkey)
            if fa.get(k) != fb.get(k)]


def metric_of(key):
    """"totals.queries_by_tld.x" -> "queries_by_tld"; series keys carry
    the interval start after "series."."""
    parts = key.split(".")
    if parts[0] == "series":
        # series.<start>.<metric>...: the start has no dot
        return parts[2] if len(parts) > 2 else key
    return parts[1] if len(parts) > 1 else key


def summarize(diffs, na="whole", nb="merged"):
    """Detail lines: differing keys counted by metric, then the first
    few."""
    if not diffs:
        return []
    by = collections.Counter(metric_of(k) for k, _, _ in diffs)
    out = ["%d keys differ, by metric: %s" % (len(diffs), ", ".join(
        "%s %d" % kv for kv in by.most_common()))]
    for k, x, y in diffs[:MAX_SHOW]:
        out.append("  %s: %s %r, %s %r" % (k, na, x, nb, y))
    return out


def cmd_merge(a):
    with open(a.whole) as fp:
        whole = json.load(fp)
    parts = []
    for p in a.part:
        with open(p) as fp:
            parts.append(json.load(fp))
    raws, docs = [], []
    for p in a.merged:
        with open(p, "rb") as fp:
            raws.append(fp.read())
        docs.append(json.loads(raws[-1]))
    fails = 0
    names = [os.path.basename(p) for p in a.merged]

    def report(ok, what, details):
        nonlocal fails
        print(("ok " if ok else "FAIL ") + what)
        for d in (details if not ok else [])[:MAX_SHOW * 2]:
            print("    " + d)
        if len(details) > MAX_SHOW * 2:
            print("    ... %d more" % (len(details) - MAX_SHOW * 2))
        fails += not ok

    # 1. every order / tree gives the same document
    for i in range(1, len(docs)):
        n, d = names[i], docs[i]
        det = []
        if d != docs[0]:
            for k in sorted(set(d) | set(docs[0])):
                if d.get(k) != docs[0].get(k):
                    det.append("key %r differs" % k)
                    if k in ("totals", "series"):
                        det += summarize(diff_doc(docs[0].get(k),
                                                  d.get(k), k),
                                         names[0], n)
                    if k == "inputs":
                        det.append("  %s: %s" % (names[0], [
                            x.get("file") for x in docs[0].get(k, [])]))
                        det.append("  %s: %s" % (n, [
                            x.get("file") for x in d.get(k, [])]))
        report(not det, "merge: %s equals %s (json.load ==)"
               % (n, names[0]), det)
        det = []
        if raws[i] != raws[0]:
            at = next((j for j, (x, y) in enumerate(zip(raws[0], raws[i]))
                       if x != y), min(len(raws[0]), len(raws[i])))
            det.append("%d and %d bytes, first difference at byte %d: "
                       "%r vs %r" % (len(raws[0]), len(raws[i]), at,
                                     raws[0][max(0, at - 40):at + 40],
                                     raws[i][max(0, at - 40):at + 40]))
        report(not det, "merge: %s is byte-identical to %s"
               % (n, names[0]), det)

    m = docs[0]
    # 2. header
    det = []
    for k in ("schema", "interval", "start", "end"):
        if m.get(k) != whole.get(k):
            det.append("%s: whole %r, merged %r" % (k, whole.get(k),
                                                     m.get(k)))
    want_inputs = sorted(json.dumps(i, sort_keys=True)
                         for p in parts for i in p.get("inputs", []))
    got_inputs = sorted(json.dumps(i, sort_keys=True)
                        for i in m.get("inputs", []))
    if want_inputs != got_inputs:
        det.append("inputs: want the parts' %s, got %s"
                   % (want_inputs, got_inputs))
    report(not det, "merge: schema, interval, start, end of the whole; "
           "inputs of the parts", det)

    # 3. totals exact
    d = diff_exact(whole.get("totals", {}), m.get("totals", {}),
                   EXACT_TOTALS)
    report(not d, "merge: totals counters equal the whole's (%s)"
           % ", ".join(EXACT_TOTALS),
           summarize([("totals." + k, x, y) for k, x, y in d]))

    # 4. series exact
    sw = {e.get("start"): e for e in whole.get("series", [])}
    sm = {e.get("start"): e for e in m.get("series", [])}
    det = []
    if sorted(sw) != sorted(sm):
        det.append("interval starts: only whole %s, only merged %s"
                   % (sorted(set(sw) - set(sm)), sorted(set(sm) - set(sw))))
    sd = []
    for s in sorted(set(sw) & set(sm)):
        sd += [("series.%s.%s" % (s, k), x, y)
               for k, x, y in diff_exact(sw[s], sm[s], EXACT)]
    det += summarize(sd)
    report(not det, "merge: series counters equal the whole's in all %d "
           "intervals" % len(sw), det)

    # 5. approximate figures within their error
    det = diff_approx(whole.get("totals", {}), m.get("totals", {}),
                      "totals")
    for s in sorted(set(sw) & set(sm)):
        det += diff_approx(sw[s], sm[s], "series " + s)
    report(not det, "merge: unique_sources within 2 %, top_sources/"
           "top_prefixes within their stated error (totals and series)",
           det)
    return 1 if fails else 0


# ---- schema ------------------------------------------------------------------
def parse_time(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fp:
        for b in iter(lambda: fp.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


SUMMED = ("messages", "tc_responses", "sizes", "edns.queries", "edns.do",
          "priming_queries")
# Maps cut in series (20 largest + "other") still sum to the total.
MAP_SUMS = ("qtype", "rcode", "opcode", "queries_by_tld", "dnskey_by_tld",
            "edns.version", "edns.udp_size")


def get(d, dotted):
    for k in dotted.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def cmd_schema(a):
    with open(a.doc) as fp:
        doc = json.load(fp)
    tag = a.tag or os.path.basename(a.doc)
    fails = 0

    def report(ok, what, details=()):
        nonlocal fails
        print(("ok " if ok else "FAIL ") + "%s: %s" % (tag, what))
        if not ok:
            for d in list(details)[:MAX_SHOW * 2]:
                print("    " + d)
        fails += not ok

    report(doc.get("schema") == SCHEMA, "schema is %s" % SCHEMA,
           ["schema %r" % doc.get("schema")])
    # inputs
    det = []
    ins = doc.get("inputs")
    if not isinstance(ins, list) or len(ins) != len(a.file):
        det.append("inputs %r, want %d entries" % (ins, len(a.file)))
    else:
        byname = {}
        for i in ins:
            byname.setdefault(os.path.basename(str(i.get("file"))), i)
        for f in a.file:
            i = byname.get(os.path.basename(f))
            if i is None:
                det.append("no input names %s: %s" % (f, [
                    x.get("file") for x in ins]))
                continue
            if i.get("bytes") != os.path.getsize(f):
                det.append("%s bytes %r, file size %d" % (
                    f, i.get("bytes"), os.path.getsize(f)))
            if i.get("sha256") != sha256(f):
                det.append("%s sha256 %r, sha256sum %s" % (
                    f, i.get("sha256"), sha256(f)))
    report(not det, "inputs list each file with bytes = size and sha256 = "
           "sha256sum", det)
    # labels
    lab = doc.get("labels")
    want = {"server": a.server, "instance": a.instance, "phase": a.phase}
    report(lab == want, "labels %s" % json.dumps(want),
           ["labels %r" % (lab,)])
    # interval, start, end, series
    iv = doc.get("interval")
    det = []
    if iv != a.interval:
        det.append("interval %r, want %d" % (iv, a.interval))
    series = doc.get("series")
    try:
        st, en = parse_time(doc["start"]), parse_time(doc["end"])
        if st > en:
            det.append("start %s after end %s" % (doc["start"], doc["end"]))
        starts = [parse_time(e["start"]) for e in series]
        if not starts:
            det.append("no series")
        for s in starts:
            if isinstance(iv, int) and iv > 0 and s % iv:
                det.append("series start %s not a multiple of %d s"
                           % (time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                            time.gmtime(s)), iv))
        if any(b <= x for x, b in zip(starts, starts[1:])):
            det.append("series starts not increasing")
        if starts and isinstance(iv, int):
            if starts[0] != st:
                det.append("start %s is not the first interval's start"
                           % doc["start"])
            if starts[-1] + iv != en:
                det.append("end %s is not the last interval's end (%s)"
                           % (doc["end"], time.strftime(
                               "%Y-%m-%dT%H:%M:%SZ",
                               time.gmtime(starts[-1] + iv))))
    except (KeyError, TypeError, ValueError) as e:
        det.append("start/end/series unreadable: %r" % e)
        series = []
    report(not det, "interval %d, start <= end, series aligned, increasing,"
           " spanning start..end" % a.interval, det)
    # messages shape
    msg = get(doc, "totals.messages")
    shape = all(isinstance(get(msg, "%s.%s.%s" % (k, t, v)), int)
                for k in ("queries", "responses") for t in ("udp", "tcp")
                for v in ("ipv4", "ipv6"))
    report(shape, "totals.messages has queries/responses x udp/tcp x "
           "ipv4/ipv6", ["messages %r" % (msg,)])
    # totals == sum over series
    det = []
    tot = doc.get("totals", {})
    for key in SUMMED:
        ft = flat(get(tot, key), key, {}) if isinstance(
            get(tot, key), dict) else {key: get(tot, key) or 0}
        fs = collections.Counter()
        for e in series:
            v = get(e, key)
            if isinstance(v, dict):
                fs.update(flat(v, key, {}))
            elif v:
                fs[key] += v
        for k in sorted(set(ft) | set(fs), key=sortkey):
            if (ft.get(k) or 0) != fs.get(k, 0):
                det.append("%s: totals %r, sum over series %r"
                           % (k, ft.get(k), fs.get(k, 0)))
    for key in MAP_SUMS:
        t = sum((get(tot, key) or {}).values())
        s = sum(sum((get(e, key) or {}).values()) for e in series)
        if t != s:
            det.append("%s: totals sum to %d, series to %d" % (key, t, s))
    report(not det, "totals equal the sums over %d series entries (%s; "
           "sums of %s)" % (len(series), ", ".join(SUMMED),
                            ", ".join(MAP_SUMS)), det)
    return 1 if fails else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("totals")
    t.add_argument("--rootlens", required=True)
    t.add_argument("--exceptions")
    t.add_argument("-j", "--jobs", type=int,
                   default=max(2, os.cpu_count() or 2))
    t.add_argument("captures", nargs="+", metavar="LABEL=PATH")
    s = sub.add_parser("safe-split")
    s.add_argument("file")
    s.add_argument("pieces", type=int)
    m = sub.add_parser("merge")
    m.add_argument("--whole", required=True)
    m.add_argument("--part", action="append", required=True)
    m.add_argument("--merged", action="append", required=True)
    c = sub.add_parser("schema")
    c.add_argument("--file", action="append", required=True)
    c.add_argument("--server")
    c.add_argument("--instance")
    c.add_argument("--phase")
    c.add_argument("--interval", type=int, default=60)
    c.add_argument("--tag")
    c.add_argument("doc")
    a = ap.parse_args(argv)
    return {"totals": cmd_totals, "safe-split": cmd_safe_split,
            "merge": cmd_merge, "schema": cmd_schema}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
