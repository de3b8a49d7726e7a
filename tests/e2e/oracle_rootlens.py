#!/usr/bin/env python3
"""Conformance: DNS aggregates of a capture, as `rootlens decode -n` sees it.

    oracle_rootlens.py [--rootlens BIN] [--records] [--port N] FILE

Runs `rootlens decode -n FILE`, parses its tab-separated lines and prints
the aggregates of dnsagg.aggregate() as JSON (or, with --records, one JSON
record per message), for comparison with oracle_tshark.py.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsagg  # noqa: E402

COLUMNS = ("time transport ipver src sport dst dport qr id opcode rcode aa tc "
           "rd ra ad cd qdcount ancount nscount arcount qname qclass qtype "
           "edns do udpsize len malformed").split()


def _int(s):
    return None if s == "-" else int(s)


def parse(text):
    """Records from `rootlens decode -n` output (header line optional)."""
    cols = list(COLUMNS)
    recs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        if line.startswith("#"):
            cols = line.lstrip("#").split("\t")
            continue
        f = dict(zip(cols, line.split("\t")))
        if len(f) != len(cols) or len(line.split("\t")) != len(cols):
            raise ValueError("line %d: %d fields, header has %d: %r"
                             % (lineno, len(line.split("\t")), len(cols),
                                line))
        opt = f["edns"] != "-"
        qr = _int(f["qr"])
        recs.append({
            "ref": "line %d" % lineno,
            "time": f["time"],
            "transport": f["transport"], "ipver": int(f["ipver"]),
            "src": f["src"], "sport": f["sport"],
            "dst": f["dst"], "dport": f["dport"],
            "qr": qr, "id": _int(f["id"]),
            "opt": opt, "do": f["do"] == "1",
            "qtype": _int(f["qtype"]),
            "qname": None if f["qname"] == "-" else f["qname"],
            "rcode": _int(f["rcode"]) if qr == 1 else None,
            "tc": None if f["tc"] == "-" else f["tc"] == "1",
            "len": _int(f["len"]),
            "malformed": None if f["malformed"] == "-" else f["malformed"],
        })
    return recs


def run(binary, path, ports=()):
    """(records, exit status, stderr) of `rootlens decode -n` on path."""
    cmd = [binary, "decode", "-n"]
    for p in ports:
        cmd += ["--port", str(p)]
    cmd.append(path)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, encoding="utf-8", errors="replace")
    return parse(p.stdout), p.returncode, p.stderr


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--rootlens", default=os.environ.get("ROOTLENS",
                                                         "./rootlens"))
    ap.add_argument("--records", action="store_true")
    ap.add_argument("--port", type=int, action="append", default=[])
    ap.add_argument("file")
    a = ap.parse_args(argv)
    recs, rc, err = run(a.rootlens, a.file, a.port)
    sys.stderr.write(err)
    if a.records:
        for r in recs:
            print(json.dumps(r, sort_keys=True))
    else:
        dnsagg.dump(dnsagg.aggregate(recs), sys.stdout)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
