#!/bin/sh
# test_export.sh - `rootlens export rssac002`, end to end.
#
# 1. datasets/root-dnsperf-udp.pcap.gz and, when ../shared is there,
#    compactor/knot-live.raw.pcap.gz: `rootlens analyze -q`, then export;
#    every file written parses as YAML (python3-yaml), sits at
#    YYYY/MM/METRIC/k-root-YYYYMMDD-METRIC.yaml, has the header
#    (version rssac002v3, service, start-period at 00:00:00Z of the file's
#    day, metric); traffic-volume equals totals.messages, traffic-sizes
#    totals.sizes, rcode-volume totals.rcode with the mnemonics mapped to
#    RCODE numbers, num-sources totals.unique_sources within 2 %.
# 2. the two analyses merged (two days ten years apart): one set of files
#    per day, each day's figures equal to its capture's totals.
# 3. --letter, the letter derived from --service, usage errors (exit 2),
#    a damaged document (exit 1), --help.
#
# Prints `ok ...` / `FAIL ...` per check; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-export.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
# run ARGS...: rootlens with stdout, stderr, status in $T/out, $T/err, $rc
run() { "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
	fail "python3 with the yaml module is needed (apt-get install python3-yaml)"
	exit 1
fi

# The checker: check.py DIR SERVICE LETTER STATS.json [STATS.json...]
# With one document, the files must hold its totals (summed over the days);
# with several, each document is one capture within one day, and the day's
# files must hold that document's totals.
cat >"$T/check.py" <<'EOF'
import datetime, glob, json, os, re, sys
import yaml

d, service, letter, docs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
METRICS = ["traffic-volume", "traffic-sizes", "rcode-volume", "unique-sources"]
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
          "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
          None, None, None, None, "BADVERS", "BADKEY", "BADTIME", "BADMODE",
          "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"]
fails = 0


def check(cond, what):
    global fails
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        fails += 1


def rcode_number(name):
    if name.startswith("RCODE") and name[5:].isdigit():
        return int(name[5:])
    return RCODES.index(name)


def expected(tot):
    m = tot["messages"]
    vol = {}
    for r, rk in (("queries", "queries-received"), ("responses", "responses-sent")):
        for t in ("udp", "tcp"):
            for v in ("ipv4", "ipv6"):
                vol["dns-%s-%s-%s" % (t, rk, v)] = m[r][t][v]
    sizes = {k: {b: n for b, n in mp.items() if n} for k, mp in tot["sizes"].items()}
    rc = {}
    for k, n in tot["rcode"].items():
        rc[rcode_number(k)] = rc.get(rcode_number(k), 0) + n
    return vol, sizes, rc, tot["unique_sources"]


files = sorted(os.path.relpath(p, d) for p in glob.glob(d + "/**/*", recursive=True)
               if os.path.isfile(p))
pat = re.compile(r"^(\d{4})/(\d{2})/([a-z-]+)/%s-(\d{4})(\d{2})(\d{2})-([a-z-]+)\.yaml$"
                 % re.escape(letter))
days = {}
for f in files:
    mo = pat.match(f)
    check(mo is not None and mo.group(3) == mo.group(7) and mo.group(3) in METRICS
          and mo.group(1, 2) == mo.group(4, 5),
          "%s: named YYYY/MM/METRIC/%s-YYYYMMDD-METRIC.yaml" % (f, letter))
    if mo is None:
        continue
    day = datetime.datetime(int(mo.group(4)), int(mo.group(5)), int(mo.group(6)),
                            tzinfo=datetime.timezone.utc)
    try:
        with open(os.path.join(d, f)) as fh:
            y = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        check(False, "%s parses as YAML: %s" % (f, e))
        continue
    sp = y.get("start-period")
    if isinstance(sp, datetime.datetime) and sp.tzinfo is None:
        sp = sp.replace(tzinfo=datetime.timezone.utc)
    check(y.get("version") == "rssac002v3" and y.get("service") == service
          and y.get("metric") == mo.group(3) and sp == day,
          "%s: header version/service/start-period/metric (%r %r %r %r)"
          % (f, y.get("version"), y.get("service"), sp, y.get("metric")))
    days.setdefault(day, {})[mo.group(3)] = y

check(len(days) == len(docs) if len(docs) > 1 else len(days) >= 1,
      "%d day(s) of files for %d document(s)" % (len(days), len(docs)))
for day, got in days.items():
    check(sorted(got) == sorted(METRICS), "%s: the four metrics" % day.date())

totals = [json.load(open(p))["totals"] for p in docs]
if len(docs) == 1:
    groups = [(sorted(days), totals[0])]
else:  # each capture within one day, days in the documents' order
    starts = [datetime.datetime.strptime(json.load(open(p))["start"][:10], "%Y-%m-%d")
              .replace(tzinfo=datetime.timezone.utc) for p in docs]
    groups = [([s], t) for s, t in zip(starts, totals)]

for ds, tot in groups:
    if any(day not in days or len(days[day]) != 4 for day in ds):
        check(False, "files for %s" % [str(x.date()) for x in ds])
        continue
    label = ",".join(str(x.date()) for x in ds)
    vol, sizes, rc, us = expected(tot)
    hdr = {"version", "service", "start-period", "metric"}
    gvol, gsizes, grc = {}, {}, {}
    for day in ds:
        for k, v in days[day]["traffic-volume"].items():
            if k not in hdr:
                gvol[k] = gvol.get(k, 0) + v
        for k, mp in days[day]["traffic-sizes"].items():
            if k in hdr:
                continue
            acc = gsizes.setdefault(k, {})
            for b, n in (mp or {}).items():
                acc[str(b)] = acc.get(str(b), 0) + n
        for k, v in days[day]["rcode-volume"].items():
            if k not in hdr:
                grc[k] = grc.get(k, 0) + v
    check(gvol == vol, "%s: traffic-volume equals totals.messages (%s)" % (label, gvol))
    check(gsizes == sizes, "%s: traffic-sizes equal totals.sizes" % label)
    check(all(isinstance(k, int) for k in grc) and grc == rc,
          "%s: rcode-volume equals totals.rcode by number (%s)" % (label, grc))
    if len(ds) == 1:
        u = days[ds[0]]["unique-sources"]
        for yk, jk in (("num-sources-ipv4", "ipv4"), ("num-sources-ipv6", "ipv6"),
                       ("num-sources-ipv6-aggregate", "ipv6_64")):
            g, w = u.get(yk), us[jk]
            check(isinstance(g, int) and abs(g - w) <= max(1, 0.02 * w),
                  "%s: %s %s within 2 %% of unique_sources.%s %s" % (label, yk, g, jk, w))
sys.exit(1 if fails else 0)
EOF
# chk ARGS...: check.py, its ok/FAIL lines passed on
chk() { python3 "$T/check.py" "$@"; r=$?; [ "$r" -eq 0 ] || fails=$((fails + 1)); }

# ---- 3 (first: cheap) ------------------------------------------------------
run export --help
if [ "$rc" -eq 0 ] && grep -q 'rssac002' "$T/out"; then ok "export --help"; else fail "export --help exits $rc"; fi
run export csv a b
[ "$rc" -eq 2 ] && ok "unknown format: exit 2" || fail "unknown format: exit $rc, want 2"
run export rssac002 only-one
[ "$rc" -eq 2 ] && ok "missing DIR: exit 2" || fail "missing DIR: exit $rc, want 2"
printf '{"schema": "rootlens.stats/1",' >"$T/bad.json"
run export rssac002 "$T/bad.json" "$T/x" --service k.root-servers.net
[ "$rc" -eq 1 ] && ok "damaged document: exit 1" || fail "damaged document: exit $rc, want 1"
printf '{"schema": "other/1"}\n' >"$T/other.json"
run export rssac002 "$T/other.json" "$T/x" --service k.root-servers.net
[ "$rc" -eq 1 ] && grep -q 'schema' "$T/err" && ok "another schema: exit 1" ||
	fail "another schema: exit $rc, want 1: $(head -c 200 "$T/err")"

# ---- 1 ---------------------------------------------------------------------
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then pcaps=$ROOTLENS_SHARED/pcaps
	else pcaps=$ROOTLENS_SHARED; fi
elif [ -d "$top/../shared/pcaps" ]; then
	pcaps=$(cd "$top/../shared/pcaps" && pwd)
else
	pcaps=
fi
caps="$top/datasets/root-dnsperf-udp.pcap.gz"
if [ -n "$pcaps" ] && [ -f "$pcaps/compactor/knot-live.raw.pcap.gz" ]; then
	caps="$caps $pcaps/compactor/knot-live.raw.pcap.gz"
else
	skip "knot-live.raw.pcap.gz: ../shared/pcaps not found (set ROOTLENS_SHARED)"
fi
jsons=
n=0
for cap in $caps; do
	n=$((n + 1))
	name=$(basename "$cap")
	if ! "$R" analyze -q -o "$T/$n.json" "$cap" 2>"$T/err"; then
		fail "$name: analyze: $(head -c 300 "$T/err")"
		continue
	fi
	jsons="$jsons $T/$n.json"
	run export rssac002 "$T/$n.json" "$T/out$n" --service k.root-servers.net
	if [ "$rc" -ne 0 ]; then
		fail "$name: export exits $rc: $(head -c 300 "$T/err")"
		continue
	fi
	ok "$name: export"
	# a capture of minutes covers part of a day: said on stderr
	grep -q 'whole days' "$T/err" && ok "$name: partial day noted" ||
		fail "$name: no note about the partly covered day"
	chk "$T/out$n" k.root-servers.net k-root "$T/$n.json"
done

# ---- 2 ---------------------------------------------------------------------
set -- $jsons
if [ $# -ge 2 ]; then
	if "$R" merge -o "$T/m.json" "$@" 2>"$T/err"; then
		run export rssac002 "$T/m.json" "$T/merged" -q --service a.root-servers.net
		if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ]; then
			ok "merged: export (quiet)"
			chk "$T/merged" a.root-servers.net a-root "$@"
		else
			fail "merged: export exits $rc: $(head -c 300 "$T/err")"
		fi
	else
		fail "merge: $(head -c 300 "$T/err")"
	fi
else
	skip "merged export: needs two captures"
fi

# ---- 3: letters --------------------------------------------------------------
set -- $jsons
if [ $# -ge 1 ]; then
	run export rssac002 "$1" "$T/tld" -q --service a.nic.example
	[ "$rc" -eq 2 ] && grep -q -- '--letter' "$T/err" && ok "non-root service without --letter: exit 2" ||
		fail "non-root service without --letter: exit $rc, want 2"
	run export rssac002 "$1" "$T/tld" -q --service a.nic.example --letter nic-a
	if [ "$rc" -eq 0 ] && [ "$(find "$T/tld" -name 'nic-a-*.yaml' | wc -l)" -eq 4 ]; then
		ok "--letter names the files"
	else
		fail "--letter: exit $rc, files: $(find "$T/tld" -type f | head -5)"
	fi
	run export rssac002 "$1" "$T/tld" --service 'a: b'
	[ "$rc" -eq 2 ] && ok "--service that is no host name: exit 2" ||
		fail "--service 'a: b': exit $rc, want 2"
	run export rssac002 "$1" "$T/tld"
	[ "$rc" -eq 2 ] && ok "no --service and no labels.server: exit 2" ||
		fail "no --service: exit $rc, want 2"
fi

[ "$fails" -eq 0 ]
