#!/usr/bin/env python3
"""Compare `rootlens decode` with tshark on captures (see conformance.sh).

    conformance.py --rootlens BIN [--exceptions FILE] [-j N] LABEL=PATH...

For each capture prints `ok LABEL` or `FAIL LABEL` followed by the
aggregates that differ (table, key, tshark value, rootlens value) and the
first messages that one side has and the other lacks, or decodes
differently.  Differences listed in the exceptions file are reported as
`excused` and do not fail.  Closing line: `conformance: N ok, M failed`.

Exceptions file: one line per capture, `LABEL KEYS REASON...`, where KEYS
is a comma-separated list of `table:key` (or `table:*`) and LABEL is the
label the capture is given on the command line; `#` starts a comment line.
"""

import argparse
import collections
import concurrent.futures
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsagg  # noqa: E402
import oracle_rootlens  # noqa: E402
import oracle_tshark  # noqa: E402

SHOW = 6          # messages shown per kind of difference
MAX_KEYS = 8      # differing keys shown per table
CMP_FIELDS = ("transport", "ipver", "qr", "opt", "do", "qtype", "rcode",
              "tc", "len")


def load_exceptions(path):
    exc = {}
    if not path or not os.path.exists(path):
        return exc
    with open(path, encoding="utf-8") as fp:
        for n, line in enumerate(fp, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise SystemExit("%s:%d: want LABEL KEYS REASON" % (path, n))
            label, keys, reason = parts
            exc.setdefault(label, []).append(
                (set(k.strip() for k in keys.split(",")), reason))
    return exc


def excused(excs, table, key):
    for keys, reason in excs:
        if "%s:%s" % (table, key) in keys or "%s:*" % table in keys:
            return reason
    return None


def tldkey(r):
    return dnsagg.tld_of(r["qname"]) if r["qtype"] == 48 else None


def message_diff(trecs, rrecs):
    """Lines describing messages that only one side has or that the two
    sides decode differently (paired by time, ports, QR and ID)."""
    tby = collections.defaultdict(list)
    for r in trecs:
        tby[dnsagg.message_key(r)].append(r)
    only_r, differ = [], []
    for r in rrecs:
        k = dnsagg.message_key(r)
        if tby.get(k):
            t = tby[k].pop(0)
            d = [f for f in CMP_FIELDS if t[f] != r[f]]
            if tldkey(t) != tldkey(r):
                d.append("dnskey_tld")
            if d:
                differ.append((t, r, d))
        else:
            only_r.append(r)
    only_t = [r for v in tby.values() for r in v]
    only_t.sort(key=lambda r: int(r["ref"].split()[1]))
    lines = []

    def brief(r):
        return ("%s %s %s/%s %s:%s>%s:%s qr=%s id=%s qtype=%s rcode=%s len=%s"
                " malformed=%s" % (r["ref"], r["time"], r["transport"],
                                   r["ipver"], r["src"], r["sport"],
                                   r["dst"], r["dport"], r["qr"], r["id"],
                                   r["qtype"], r["rcode"], r["len"],
                                   r["malformed"]))
    if only_t:
        lines.append("    %d message(s) only tshark sees:" % len(only_t))
        lines += ["      " + brief(r) for r in only_t[:SHOW]]
    if only_r:
        lines.append("    %d message(s) only rootlens prints:" % len(only_r))
        lines += ["      " + brief(r) for r in only_r[:SHOW]]
    if differ:
        lines.append("    %d message(s) decoded differently:" % len(differ))
        for t, r, d in differ[:SHOW]:
            lines.append("      tshark %s / rootlens %s: %s" % (
                t["ref"], r["ref"], ", ".join(
                    "%s %r vs %r" % (f, t.get(f), r.get(f)) if f in t
                    else "%s %r vs %r" % (f, tldkey(t), tldkey(r))
                    for f in d)))
    return lines


def check(label, path, rootlens, excs, ports):
    """(ok, output lines) for one capture."""
    out = []
    try:
        tstat = {}
        trecs = oracle_tshark.records(path, ports, tstat)
    except Exception as e:  # noqa: BLE001 - report, keep going
        return False, ["FAIL %s" % label, "    tshark: %s" % e]
    try:
        rrecs, rc, err = oracle_rootlens.run(rootlens, path, ports[1:])
    except Exception as e:  # noqa: BLE001
        return False, ["FAIL %s" % label, "    rootlens: %s" % e]
    problems = []
    if rc not in (0, 1):
        problems.append("    rootlens exit status %d: %s"
                        % (rc, err.strip()[:300]))
    elif rc == 1:
        # Damage must be real: tshark then says the file is cut short.
        if not tstat.get("cut_short"):
            problems.append("    rootlens exit status 1 (damaged input) on a "
                            "capture tshark reads whole: %s"
                            % err.strip()[:300])
    elif tstat.get("cut_short"):
        problems.append("    tshark finds the capture cut short, rootlens "
                        "exits 0: %s" % tstat.get("stderr", "").strip()[:300])
    ta, ra = dnsagg.aggregate(trecs), dnsagg.aggregate(rrecs)
    d = dnsagg.diff(ta, ra)
    bad, exc_lines = [], []
    shown = collections.Counter()
    for table, key, tv, rv in d:
        line = "    %-14s %-10s tshark %-6d rootlens %d" % (table, key, tv, rv)
        reason = excused(excs.get(label, []), table, key)
        if reason:
            exc_lines.append(line + "  (excused)")
            continue
        shown[table] += 1
        if shown[table] <= MAX_KEYS:
            bad.append(line)
        elif shown[table] == MAX_KEYS + 1:
            n = sum(1 for t, k, _, _ in d if t == table
                    and not excused(excs.get(label, []), t, k))
            bad.append("    %-14s ... %d more keys differ" % (table,
                                                          n - MAX_KEYS))
    if excs.get(label) and not d:
        # A stale exception would excuse a future regression unseen.
        problems.append("    exception listed for %s but nothing "
                        "differs: remove it" % label)
    ok = not bad and not problems
    out.append(("ok %s" if ok else "FAIL %s") % label)
    out += problems + bad + exc_lines
    if bad:
        out += message_diff(trecs, rrecs)
    return ok, out


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rootlens", required=True)
    ap.add_argument("--exceptions")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count()
                                                          or 2))
    ap.add_argument("--port", type=int, action="append", default=[])
    ap.add_argument("captures", nargs="+", metavar="LABEL=PATH")
    a = ap.parse_args(argv)
    excs = load_exceptions(a.exceptions)
    ports = tuple([53] + a.port)
    items = [c.split("=", 1) if "=" in c else (c, c) for c in a.captures]
    # An exception naming no capture is a typo or a stale line; labels of
    # a directory that is absent altogether (no ../shared) are not.
    dirs = set(lbl.split("/")[0] for lbl, _ in items)
    unknown = set(lbl for lbl in excs if lbl.split("/")[0] in dirs) \
        - set(lbl for lbl, _ in items)
    nok = nfail = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        futs = [ex.submit(check, lbl, p, a.rootlens, excs, ports)
                for lbl, p in items]
        for f in futs:
            ok, lines = f.result()
            print("\n".join(lines), flush=True)
            if ok:
                nok += 1
            else:
                nfail += 1
    for lbl in sorted(unknown):
        print("note: exception for %s, which is not among the captures" % lbl)
    print("conformance: %d ok, %d failed" % (nok, nfail))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
