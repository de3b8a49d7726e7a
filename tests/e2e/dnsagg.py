"""Aggregates shared by the two conformance oracles (stdlib only).

Both oracle_tshark.py and oracle_rootlens.py turn a capture into a list of
message records (plain dicts, one per DNS message) and reduce them here, so
the two sides are counted by the same code and differ only in how they
decode the capture.

A record has the keys:
  ref        where to look: "frame N" (tshark) or "line N" (rootlens)
  time       epoch seconds as printed, 9 decimals (string)
  transport  "udp" | "tcp"
  ipver      4 | 6
  src, sport, dst, dport
  qr         0 | 1 | None (header not parsed)
  id         int | None
  opt        True when an OPT RR was parsed
  do         True when the OPT DO bit is set
  qtype      first question's type (int) | None
  qname      first question's name (string) | None
  rcode      full rcode (ext_rcode << 4 | rcode when OPT) | None
  tc         True | False | None
  len        DNS message length in bytes | None
  malformed  reason (string) | None
"""

import json


def tld_of(name):
    """Lower-cased last label of a presentation-format name; "." for root.

    Accepts both rootlens names (trailing dot, "." for the root, RFC 1035
    backslash escapes) and tshark names (no trailing dot, "<Root>").
    """
    if name is None:
        return None
    if name in (".", "<Root>", ""):
        return "."
    if name.endswith(".") and not name.endswith("\\."):
        name = name[:-1]
    # Split on the last dot that is not escaped.
    i = len(name) - 1
    while i >= 0:
        if name[i] == ".":
            # count preceding backslashes
            j = i - 1
            while j >= 0 and name[j] == "\\":
                j -= 1
            if (i - 1 - j) % 2 == 0:
                break
        i -= 1
    return name[i + 1:].lower()


def aggregate(records):
    """Reduce message records to the conformance aggregates.

    Keys of the result (each a dict of key -> count, keys as strings so that
    the result round-trips through JSON unchanged):
      messages      every DNS message, by "transport/ipver"
      queries       QR=0 messages, by "transport/ipver"
      responses     QR=1 messages, by "transport/ipver"
      query_edns    queries with an OPT RR ("opt") and with DO=1 ("do")
      response_tc   responses with TC=1 ("tc")
      qtype         queries by first question's type (numeric)
      rcode         responses by full rcode (numeric)
      dnskey_tld    DNSKEY (48) queries by lower-cased TLD ("." for root)
      response_size responses by len // 16
      time          every DNS message by its timestamp (the frame that
                    completes it), so that a message stamped with the wrong
                    time shows up
    """
    agg = {k: {} for k in ("messages", "queries", "responses", "query_edns",
                           "response_tc", "qtype", "rcode", "dnskey_tld",
                           "response_size", "time")}

    def inc(table, key):
        key = str(key)
        agg[table][key] = agg[table].get(key, 0) + 1

    for r in records:
        tk = "%s/%s" % (r["transport"], r["ipver"])
        inc("messages", tk)
        inc("time", r["time"])
        if r["qr"] == 0:
            inc("queries", tk)
            if r["opt"]:
                inc("query_edns", "opt")
                if r["do"]:
                    inc("query_edns", "do")
            if r["qtype"] is not None:
                inc("qtype", r["qtype"])
                if r["qtype"] == 48:
                    inc("dnskey_tld", tld_of(r["qname"]))
        elif r["qr"] == 1:
            inc("responses", tk)
            if r["tc"]:
                inc("response_tc", "tc")
            if r["rcode"] is not None:
                inc("rcode", r["rcode"])
            if r["len"] is not None:
                inc("response_size", r["len"] // 16)
    return agg


def diff(a, b):
    """List of (table, key, a_value, b_value) where the aggregates differ."""
    out = []
    for table in sorted(set(a) | set(b)):
        ta, tb = a.get(table, {}), b.get(table, {})
        for key in sorted(set(ta) | set(tb), key=_sortkey):
            va, vb = ta.get(key, 0), tb.get(key, 0)
            if va != vb:
                out.append((table, key, va, vb))
    return out


def _sortkey(k):
    try:
        return (0, int(k), "")
    except ValueError:
        return (1, 0, k)


def message_key(r):
    """Identity of a message, used to pair tshark and rootlens records."""
    return (r["time"], r["transport"], str(r["sport"]), str(r["dport"]),
            r["qr"], r["id"])


def dump(agg, fp):
    json.dump(agg, fp, indent=1, sort_keys=True)
    fp.write("\n")
