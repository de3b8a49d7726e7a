#!/usr/bin/env python3
"""zone.py - the root-like zone of the DURZ experiment (experiment/durz.sh).

  zone.py unsigned OUT --serial N --letter k --service4 A --service6 A6
      The unsigned zone: ". SOA", thirteen ". NS" a..m.root-servers.net
      with A and AAAA glue (the experiment's letter, --letter, has the
      anycast service addresses the two instances share; the others have
      documentation addresses, data only, never queried), and 298 TLDs
      (the real names: gTLDs and ccTLDs), each delegated to 2 to 6 name
      servers with A and AAAA glue (com and net to the 13 gtld-servers.net,
      as in the real zone), about 70 % of them with DS records.

      The DS records are computed, not made up: each signed TLD gets a
      child KSK (flags 257, protocol 3, algorithm 8 with an RSA-2048-sized
      public key, or 13 with an ECDSA P-256-sized one) whose public-key
      bytes are pseudo-random (derived from the TLD's name, so the zone is
      the same on every run); its key tag (RFC 4034 appendix B) and its
      SHA-256 digest (digest type 2; some TLDs also carry a SHA-1 one,
      type 1, as in 2010) over the owner name and that DNSKEY RDATA are
      what the DS says. The children are not served: nobody can fetch
      those DNSKEYs, but every DS is the one their DNSKEY would have.

  zone.py durz SIGNED OUT
      The Deliberately Unvalidatable Root Zone of a signed zone: every
      RRSIG, NSEC and DS stays as the signer made it (real signatures by
      the real private keys, so every response is exactly as large as in
      the signed zone), but the public key of each DNSKEY is replaced by a
      placeholder of the same length: the RSA exponent header is kept and
      the modulus becomes '+' padding around the text
      THIS/IS/AN/INVALID/KEY..., as the 2010 DURZ published its keys with
      the key material obscured. No published key verifies any signature
      (and the published keys' tags match no RRSIG), so a validator can
      validate nothing, whatever it takes as trust anchor.

  zone.py tlds
      The TLD names, one a line (for plan.py and the checks).
"""
import argparse
import base64
import hashlib
import random
import sys

GTLDS = """com net org edu gov mil int arpa info biz name pro mobi asia tel travel
aero coop museum jobs cat xxx post app dev page blog shop online site xyz top
club vip icu store tech website space live cloud google amazon apple bank
insure xn--p1ai xn--fiqs8s xn--j6w193g xn--wgbh1c xn--mgbaam7a8h xn--80asehdb
xn--90ais""".split()
CCTLDS = """ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh
bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw
cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg
gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir
is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv
ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf
ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs
ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg
th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws
ye yt za zm zw""".split()
TLDS = GTLDS + CCTLDS
LETTERS = "abcdefghijklm"
MARKER = "THIS/IS/AN/INVALID/KEY/AND/SHOULD/NOT/BE/USED/FOR/VALIDATION"


def wire_name(name):
    """Uncompressed wire form of a domain name (lowercase; the root is '.')."""
    out = bytearray()
    for label in name.strip(".").split("."):
        if label:
            b = label.lower().encode("ascii")
            out.append(len(b))
            out += b
    out.append(0)
    return bytes(out)


def key_tag(rdata):
    """RFC 4034 appendix B (algorithms other than 1)."""
    acc = 0
    for i, b in enumerate(rdata):
        acc += b << 8 if i % 2 == 0 else b
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def child_ds(tld):
    """The DS records of a TLD (or [] for an unsigned one), derived from a
    pseudo-random child KSK: [(tag, alg, digest_type, hex digest)]."""
    rnd = random.Random("durz-child-" + tld)
    kind = rnd.random()
    if kind >= 0.70:
        return []  # not signed
    alg = 8 if kind < 0.55 else 13
    if alg == 8:
        pub = bytes([3, 1, 0, 1]) + bytes(rnd.getrandbits(8) for _ in range(256))
        pub = pub[:4] + bytes([pub[4] | 0x80]) + pub[5:]  # a 2048-bit modulus
    else:
        pub = bytes(rnd.getrandbits(8) for _ in range(64))
    rdata = bytes([1, 1, 3, alg]) + pub  # flags 257, protocol 3
    tag = key_tag(rdata)
    signed = wire_name(tld) + rdata
    out = [(tag, alg, 2, hashlib.sha256(signed).hexdigest().upper())]
    if rnd.random() < 0.15:  # a SHA-1 DS beside it, as many TLDs had in 2010
        out.insert(0, (tag, alg, 1, hashlib.sha1(signed).hexdigest().upper()))
    return out


def cmd_unsigned(a):
    rr = []
    add = lambda *f: rr.append("\t".join(str(x) for x in f))
    rr.append("$ORIGIN .")
    rr.append("$TTL 86400")
    add(".", 86400, "IN", "SOA", "a.root-servers.net. nstld.verisign-grs.com. %d 1800 900 604800 86400" % a.serial)
    for l in LETTERS:
        add(".", 518400, "IN", "NS", "%s.root-servers.net." % l)
    for i, l in enumerate(LETTERS):
        v4 = a.service4 if l == a.letter else "192.0.2.%d" % (i + 1)
        v6 = a.service6 if l == a.letter else "2001:db8:53::%x" % (i + 1)
        add("%s.root-servers.net." % l, 518400, "IN", "A", v4)
        add("%s.root-servers.net." % l, 518400, "IN", "AAAA", v6)
    for i, t in enumerate(TLDS, 1):
        h = hashlib.sha256(t.encode()).digest()
        if t in ("com", "net"):
            for l in LETTERS:
                add(t + ".", 172800, "IN", "NS", "%s.gtld-servers.net." % l)
        else:
            for k in range(2 + h[0] % 5):
                ns = "%s.nic.%s." % ("abcdef"[k], t)
                add(t + ".", 172800, "IN", "NS", ns)
                add(ns, 172800, "IN", "A", "%s.%d" % ("198.51.100" if k % 2 == 0 else "203.0.113", (i * 7 + k) % 254 + 1))
                add(ns, 172800, "IN", "AAAA", "2001:db8:%x::%x" % (i, k + 1))
        for tag, alg, dt, dg in child_ds(t):
            add(t + ".", 86400, "IN", "DS", "%d %d %d %s" % (tag, alg, dt, dg))
    for j, l in enumerate(LETTERS, 1):
        add("%s.gtld-servers.net." % l, 172800, "IN", "A", "198.51.100.%d" % (200 + j))
        add("%s.gtld-servers.net." % l, 172800, "IN", "AAAA", "2001:db8:5:%x::30" % j)
    with open(a.out, "w") as f:
        f.write("\n".join(rr) + "\n")


def obscure(b64):
    """A placeholder public key of the same decoded length: the first six
    characters (RSA: exponent length and exponent) and the last four (so
    that the final quantum and its '=' padding decode as before) are kept,
    the middle is the marker in '+' padding."""
    if len(b64) < 16 or len(b64) % 4:
        sys.exit("durz: unexpected DNSKEY public key %r" % b64)
    mid = len(b64) - 10
    text = MARKER[:mid]
    left = (mid - len(text)) // 2
    out = b64[:6] + "+" * left + text + "+" * (mid - left - len(text)) + b64[-4:]
    assert len(base64.b64decode(out)) == len(base64.b64decode(b64))
    return out


def cmd_durz(a):
    n = 0
    out = []
    with open(a.signed) as f:
        for line in f:
            f_ = line.split()
            # knotc zone-flush: "owner TTL DNSKEY flags protocol algorithm key", one line
            if len(f_) >= 7 and not line.startswith(";") and f_[2] == "DNSKEY":
                key = "".join(f_[6:])
                line = "%s\t%s\tDNSKEY\t%s %s %s %s\n" % (f_[0], f_[1], f_[3], f_[4], f_[5], obscure(key))
                n += 1
            elif len(f_) >= 4 and not line.startswith(";") and f_[2] == "IN" and f_[3] == "DNSKEY":
                sys.exit("durz: DNSKEY with a class field: unexpected dump format")
            out.append(line)
    if n == 0:
        sys.exit("durz: no DNSKEY in %s" % a.signed)
    with open(a.out, "w") as f:
        f.writelines(out)
    print(n)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("unsigned")
    u.add_argument("out")
    u.add_argument("--serial", type=int, required=True)
    u.add_argument("--letter", default="k")
    u.add_argument("--service4", required=True)
    u.add_argument("--service6", required=True)
    d = sub.add_parser("durz")
    d.add_argument("signed")
    d.add_argument("out")
    sub.add_parser("tlds")
    a = p.parse_args()
    if a.cmd == "unsigned":
        cmd_unsigned(a)
    elif a.cmd == "durz":
        cmd_durz(a)
    else:
        print("\n".join(TLDS))


if __name__ == "__main__":
    main()
