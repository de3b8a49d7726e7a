#!/bin/sh
# test_decode_cli.sh - the `rootlens decode` command line, end to end.
#
# Expected values come from elsewhere than rootlens: tshark (via
# oracle_tshark.py), the bytes of the captures (pcap record offsets, gzip
# block offsets computed here), the IANA registries.  Prints `ok - ...` or
# `FAIL - ...` per check, `SKIP - ...` where an input is missing; exits 1
# when a check failed.
#
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
D=$top/datasets
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then S=$ROOTLENS_SHARED/pcaps; else S=$ROOTLENS_SHARED; fi
else
	S=$top/../shared/pcaps
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
# check DESC CONDITION-COMMAND... : ok when the command succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# run: rootlens with stdout, stderr and status in $T/out, $T/err, $rc
run() { "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
msgs() { grep -vc '^#' "$1"; }                 # message lines of an output
have_tshark() { command -v tshark >/dev/null 2>&1; }
# tshark_count FILE [PORT...]: DNS messages tshark finds (the oracle)
tshark_count() {
	f=$1; shift
	pa=; for p in "$@"; do pa="$pa --port $p"; done
	# shellcheck disable=SC2086
	python3 "$here/oracle_tshark.py" --records $pa "$f" | wc -l
}

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi

# ---- help and usage ----------------------------------------------------
run --help
check "rootlens --help exits 0 and names the decode command" \
	test "$rc" -eq 0 -a -n "$(grep -w decode "$T/out" "$T/err")"
run decode --help
check "rootlens decode --help exits 0 and shows its usage" \
	test "$rc" -eq 0 -a -n "$(grep -i 'usage.*decode' "$T/out" "$T/err")"
run decode --no-such-option "$D/root-frags.pcap"
check "unknown option: exit 2 with a message on stderr" \
	test "$rc" -eq 2 -a -s "$T/err" -a ! -s "$T/out"
run no-such-command
check "unknown command: exit 2" test "$rc" -eq 2
run decode
check "decode without a file: exit 2 (usage)" test "$rc" -eq 2

# ---- unreadable inputs ---------------------------------------------------
# A missing file is damaged input (exit 1), named on stderr, and the other
# files are still read (the help: "1 input damaged or missing (the rest
# processed)").
run decode -n "$D/root-frags.pcap"
cp "$T/out" "$T/frags.out"
run decode -n "$T/no-such-file.pcap" "$D/root-frags.pcap"
check "missing file: exit 1, stderr names it" \
	test "$rc" -eq 1 -a -n "$(grep -F "$T/no-such-file.pcap" "$T/err")"
check "missing file: the next file is still decoded" cmp -s "$T/out" "$T/frags.out"
echo "hello, not a capture" >"$T/text.pcap"
run decode "$T/text.pcap"
check "non-capture file: exit 1, stderr names it" \
	test "$rc" -eq 1 -a -n "$(grep -F "$T/text.pcap" "$T/err")"
: >"$T/empty.pcap"
run decode "$T/empty.pcap"
check "empty file: exit 1, stderr names it" \
	test "$rc" -eq 1 -a -n "$(grep -F "$T/empty.pcap" "$T/err")"

# ---- a capture cut short -------------------------------------------------
# A UDP capture (root-dnsperf-udp) cut in the middle of a record: the
# messages before the cut are printed (as many as tshark finds in the cut
# file), stderr names the file and the offset of the record that is cut
# (found by walking the pcap record headers here), exit 1.
gzip -dc "$D/root-dnsperf-udp.pcap.gz" >"$T/udp.pcap"
size=$(wc -c <"$T/udp.pcap")
head -c $((size / 2)) "$T/udp.pcap" >"$T/cut.pcap"
recoff=$(python3 - "$T/cut.pcap" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off = 24
while off + 16 <= len(b):
    incl = struct.unpack_from(e + "I", b, off + 8)[0]
    if off + 16 + incl > len(b):
        break
    off += 16 + incl
print(off)   # start of the first record that is not whole
EOF
)
run decode -n "$T/cut.pcap"
check "cut capture: exit 1" test "$rc" -eq 1
check "cut capture: stderr names the file and the offset $recoff of the cut record" \
	test -n "$(grep -F "$T/cut.pcap" "$T/err" | grep -w "$recoff")"
if have_tshark; then
	want=$(tshark_count "$T/cut.pcap")
	got=$(msgs "$T/out")
	check "cut capture: the $want messages before the cut are printed (got $got)" \
		test "$got" -eq "$want" -a "$want" -gt 0
else
	fail "cut capture: tshark not installed, cannot count the messages before the cut"
fi

# ---- a corrupt gzip stream -----------------------------------------------
# The same capture gzipped with stored (uncompressed) deflate blocks, so
# that the damage is at a known place: the length check (NLEN) of the
# middle block is broken, which zlib must reject there.  Messages in the
# blocks before it are printed (tshark on the uncompressed bytes up to that
# block), stderr names the file and that uncompressed offset, exit 1.
gzoff=$(python3 - "$T/udp.pcap" "$T/bad.pcap.gz" "$T/prefix.pcap" <<'EOF'
import gzip, struct, sys
data = open(sys.argv[1], "rb").read()
gz = bytearray(gzip.compress(data, compresslevel=0, mtime=0))
pos, out, blocks = 10, 0, []          # 10-byte header: no name, no extra
while True:
    hdr = gz[pos]
    assert (hdr >> 1) & 3 == 0, "not a stored block"
    ln, nln = struct.unpack_from("<HH", gz, pos + 1)
    assert ln ^ nln == 0xFFFF
    blocks.append((pos, out))
    pos += 5 + ln
    out += ln
    if hdr & 1:
        break
pos, out = blocks[len(blocks) // 2]
gz[pos + 3] ^= 0x01                   # NLEN no longer ~LEN
open(sys.argv[2], "wb").write(gz)
open(sys.argv[3], "wb").write(data[:out])
print(out)
EOF
)
if gzip -t "$T/bad.pcap.gz" 2>/dev/null; then
	fail "corrupt gzip: the test file is not corrupt (gzip -t accepts it)"
fi
run decode -n "$T/bad.pcap.gz"
check "corrupt gzip: exit 1" test "$rc" -eq 1
check "corrupt gzip: stderr names the file and uncompressed offset $gzoff" \
	test -n "$(grep -F "$T/bad.pcap.gz" "$T/err" | grep -w "$gzoff")"
if have_tshark; then
	want=$(tshark_count "$T/prefix.pcap")
	got=$(msgs "$T/out")
	check "corrupt gzip: the $want messages before the damage are printed (got $got)" \
		test "$got" -eq "$want" -a "$want" -gt 0
else
	fail "corrupt gzip: tshark not installed, cannot count the messages before the damage"
fi

# ---- stdin, gzip and plain -----------------------------------------------
run decode -n "$T/udp.pcap"
cp "$T/out" "$T/udp.out"
check "plain capture decodes with exit 0" test "$rc" -eq 0 -a "$(msgs "$T/udp.out")" -gt 0
"$R" decode -n - <"$T/udp.pcap" >"$T/out" 2>"$T/err"
check "pcap on stdin ('-') gives the same lines as the file" cmp -s "$T/out" "$T/udp.out"
"$R" decode -n - <"$D/root-dnsperf-udp.pcap.gz" >"$T/out" 2>"$T/err"
check "gzip pcap on stdin gives the same lines as the plain file" cmp -s "$T/out" "$T/udp.out"
run decode -n "$D/root-dnsperf-udp.pcap.gz"
check "gzip and plain versions of a capture give identical output" cmp -s "$T/out" "$T/udp.out"
gzip -c "$D/root-priming.pcapng" >"$T/priming.pcapng.gz"
run decode -n "$D/root-priming.pcapng"
cp "$T/out" "$T/priming.out"
run decode -n "$T/priming.pcapng.gz"
check "gzip and plain pcapng give identical output" cmp -s "$T/out" "$T/priming.out"
run decode -n "$T/udp.pcap" "$D/root-priming.pcapng"
cat "$T/udp.out" "$T/priming.out" | grep -v '^#' >"$T/both.want"
grep -v '^#' "$T/out" >"$T/both.got"
check "two files: the lines of each, in order" cmp -s "$T/both.got" "$T/both.want"
if have_tshark; then
	want=$(tshark_count "$D/root-dnsperf-udp.pcap.gz")
	check "message count equals tshark's ($want)" test "$(msgs "$T/udp.out")" -eq "$want"
fi

# ---- -n and mnemonics ----------------------------------------------------
# Every column equal except opcode, rcode, qclass, qtype, which must map
# as the IANA registries say; unknown numbers as TYPEn/CLASSn/RCODEn/OPCODEn.
n_ok=1
for f in "$D/root-mix.pcap.gz" "$S/zeek/dns_dns_extended_rcode.pcap" "$S/zeek/dnssec-dnskey.pcap"; do
	[ -f "$f" ] || continue
	"$R" decode -n "$f" >"$T/num" 2>/dev/null
	"$R" decode "$f" >"$T/mne" 2>/dev/null
	if ! python3 - "$T/num" "$T/mne" <<'EOF'
import sys
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX",
         16: "TXT", 28: "AAAA", 33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS",
         46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 51: "NSEC3PARAM",
         52: "TLSA", 64: "SVCB", 65: "HTTPS", 251: "IXFR", 252: "AXFR",
         255: "ANY", 257: "CAA"}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET",
          8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS"}
OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
CLASSES = {1: "IN", 3: "CH", 4: "HS"}
num = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
mne = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
cols = num[0]
cols[0] = cols[0].lstrip("#")
maps = {"opcode": (OPCODES, "OPCODE"), "rcode": (RCODES, "RCODE"),
        "qclass": (CLASSES, "CLASS"), "qtype": (TYPES, "TYPE")}
bad, seen = [], {}
if len(num) != len(mne) or len(num) < 2:
    bad.append("line counts differ or no messages: %d vs %d" % (len(num), len(mne)))
for i, (a, b) in enumerate(zip(num[1:], mne[1:]), 2):
    for c, x, y in zip(cols, a, b):
        if c not in maps:
            if x != y:
                bad.append("line %d column %s: %r vs %r" % (i, c, x, y))
            continue
        if x == "-" or y == "-":
            if x != y:
                bad.append("line %d %s: %r vs %r" % (i, c, x, y))
            continue
        table, prefix = maps[c]
        n = int(x)
        want = table.get(n)
        if want is not None and y != want:
            bad.append("line %d %s %d: %r, IANA says %r" % (i, c, n, y, want))
        if want is None and not (y == prefix + x or (y.isalnum() and not y.isdigit())):
            bad.append("line %d %s %d: %r" % (i, c, n, y))
        if seen.setdefault((c, n), y) != y:
            bad.append("%s %d printed both as %r and %r" % (c, n, seen[(c, n)], y))
        seen[(c, n)] = y
if bad:
    print("\n".join(bad[:10]), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
	then n_ok=0; echo "  in $f" >&2; fi
done
check "-n and mnemonic output agree (opcode, rcode, qclass, qtype per IANA)" test "$n_ok" -eq 1
"$R" decode -n "$D/root-mix.pcap.gz" | awk -F'\t' '$24 == 48' | cut -f1,9 >"$T/k.num"
"$R" decode "$D/root-mix.pcap.gz" | awk -F'\t' '$24 == "DNSKEY"' | cut -f1,9 >"$T/k.mne"
check "qtype 48 with -n is DNSKEY without it ($(wc -l <"$T/k.num") messages)" \
	test -s "$T/k.num" -a -n "$(cmp "$T/k.num" "$T/k.mne" >/dev/null 2>&1 && echo same)"

# ---- --port ----------------------------------------------------------------
# mDNS on 5353 is not DNS on port 53: none without --port, as many as tshark
# decodes on 5353 (Decode As DNS) with --port 5353.
mdns=$S/zeek/dns_mdns.pcap
if [ ! -f "$mdns" ]; then
	skip "--port: $mdns not found"
elif ! have_tshark; then
	fail "--port: tshark not installed"
else
	run decode -n "$mdns"
	want=$(tshark_count "$mdns")
	check "without --port: the $want port-53 messages of dns_mdns.pcap" \
		test "$rc" -eq 0 -a "$(msgs "$T/out")" -eq "$want"
	run decode -n --port 5353 "$mdns"
	want5353=$(tshark_count "$mdns" 5353)
	check "--port 5353 adds the mDNS messages: $want5353 (got $(msgs "$T/out"))" \
		test "$rc" -eq 0 -a "$(msgs "$T/out")" -eq "$want5353" -a "$want5353" -gt "$want"
	check "--port 5353: every added line has port 5353 on one side" \
		test "$(awk -F'\t' '!/^#/ && $5 != 53 && $7 != 53 && $5 != 5353 && $7 != 5353' "$T/out" | wc -l)" -eq 0
	run decode -n --port nonsense "$mdns"
	check "--port with a bad number: exit 2" test "$rc" -eq 2
fi

[ "$fails" -eq 0 ]
