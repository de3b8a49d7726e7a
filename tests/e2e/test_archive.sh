#!/bin/sh
# test_archive.sh - `rootlens archive`, end to end.
#
#  1. submit: captures with manifests (written here by archive_check.py,
#     which reads pcap/pcapng/gzip on its own) and without (labels on the
#     command line): stored byte for byte, manifests kept or written with
#     the right packets, times and checksum; again: "exists", untouched.
#  2. four submits of the same files at once: each stored once, whole.
#  3. truncated, corrupt, trailing garbage, bad header, empty: refused with
#     the offset, nothing visible; a wrong checksum in the manifest.
#  4. ../ in names and labels (command line, manifest, network header), a
#     different file under a stored name: refused, nothing outside DIR.
#  5. a read-only archive (submit as nobody into a root-owned 0755 tree):
#     clear error, exit 3; list still works (catalog in memory).
#  6. a submit killed during the copy (a FIFO fed half a file, and a large
#     file killed after a moment), `receive` fed a truncated stream:
#     nothing partial visible, the retry succeeds.
#  7. over ssh, against a real OpenSSH server started here on 127.0.0.1
#     (throwaway host and user keys): stored, checksums returned and
#     checked, exists, refused, a sender killed mid-stream.
#  8. verify: clean, then damaged, truncated, without manifest.
#  9. list: each selection (server, instance, phase, time range) equals
#     the one archive_check.py makes from the manifests; a file added or
#     removed by hand, a deleted or damaged catalog.
# 10. analyze --archive: per-instance breakdown, totals equal to analyze
#     run directly on the same files, selection by instance, -j.
# 11. files from `rootlens capture` itself (when it can run here).
#
# Prints `ok ...` / `FAIL ...` / `SKIP ...` per check; exits 1 when a check
# failed. Environment: ROOTLENS (default ./rootlens); KEEP=1 keeps the
# temporary directory. Parts 5, 7 and 11 need root (and sshd for 7).
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
D=$top/datasets
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-archive.XXXXXX") || exit 1
chmod 755 "$T"
SSHD_PID=
cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>"$T/w"
	if [ -n "${KEEP:-}" ]; then
		echo "note - kept $T (KEEP is set)"
	else
		chmod -R u+w "$T"
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
check() { # check DESCRIPTION 'CONDITION': ok when the shell condition holds
	if eval "$2"; then ok "$1"; else fail "$1"; return 1; fi
}
# run ARGS...: rootlens with stdout, stderr, status in $T/out, $T/err, $rc
run() { "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
chk() { python3 "$here/archive_check.py" "$@"; }
has() { grep -q -- "$1" "$2"; }
# visible FILE-NAME DIR: a non-hidden file of that name somewhere in DIR
visible() { [ -n "$(find "$2" -name "$1" ! -name '.*' 2>"$T/w")" ]; }
ino() { stat -c %i "$1"; }

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
start_time=$(date +%s)

# ---- inputs ------------------------------------------------------------
K=k.root-servers.net
J=j.root-servers.net
mkdir -p "$T/in/ams" "$T/in/lhr" "$T/in/nrt" "$T/bad" "$T/A"
cp "$D/root-mix.pcap.gz" "$D/root-dnsperf-udp.pcap.gz" "$T/in/ams/"
chk manifest "$T/in/ams/root-mix.pcap.gz" $K ams before >"$T/in/ams/root-mix.pcap.gz.json"
chk manifest "$T/in/ams/root-dnsperf-udp.pcap.gz" $K ams after >"$T/in/ams/root-dnsperf-udp.pcap.gz.json"
cp "$D/root-frags.pcap" "$D/root-priming.pcapng" "$T/in/lhr/"
cp "$D/root-tcp-pipelined.pcap" "$D/root-any-sll.pcap" "$T/in/nrt/"
A=$T/A

# ---- 1. submit -----------------------------------------------------------
run archive submit --archive "$A" "$T/in/ams/root-mix.pcap.gz" "$T/in/ams/root-dnsperf-udp.pcap.gz"
cp "$T/out" "$T/sub1"
check "submit with manifests: exit 0, both stored" \
	'[ "$rc" -eq 0 ] && [ "$(grep -c "^stored " "$T/out")" -eq 2 ]'
run archive submit --archive "$A" --server $K --instance lhr --phase before \
	"$T/in/lhr/root-frags.pcap" "$T/in/lhr/root-priming.pcapng"
r1=$rc
run archive submit --archive "$A" --server $J --instance nrt "$T/in/nrt/root-tcp-pipelined.pcap" \
	"$T/in/nrt/root-any-sll.pcap"
check "submit with labels on the command line: exit 0" '[ "$r1" -eq 0 ] && [ "$rc" -eq 0 ]'
same=1
for f in ams/root-mix.pcap.gz ams/root-dnsperf-udp.pcap.gz lhr/root-frags.pcap \
	lhr/root-priming.pcapng; do
	cmp -s "$T/in/$f" "$A/$K/$f" || same=0
done
for f in root-tcp-pipelined.pcap root-any-sll.pcap; do
	cmp -s "$T/in/nrt/$f" "$A/$J/nrt/$f" || same=0
done
check "stored files are byte-identical to the submitted ones" '[ "$same" -eq 1 ]'
check "capture manifests stored as they were" \
	'cmp -s "$T/in/ams/root-mix.pcap.gz.json" "$A/$K/ams/root-mix.pcap.gz.json"'
made=1
for f in "$A/$K/lhr/root-frags.pcap" "$A/$K/lhr/root-priming.pcapng" \
	"$A/$J/nrt/root-tcp-pipelined.pcap" "$A/$J/nrt/root-any-sll.pcap"; do
	chk check-made "$f" || made=0
done
check "manifests written by the archive: packets, times, size, sha256, format" '[ "$made" -eq 1 ]'
check "the phase from the command line is in the written manifest" \
	'has "\"phase\": \"before\"" "$A/$K/lhr/root-frags.pcap.json"'
sha=$(sha256sum "$T/in/ams/root-mix.pcap.gz" | cut -d' ' -f1)
check "submit prints each file's outcome, stored name and checksum" \
	'has "^stored  $T/in/ams/root-mix.pcap.gz -> $K/ams/root-mix.pcap.gz sha256 $sha\$" "$T/sub1"'
check "no temporary files left" '[ -z "$(find "$A" -name ".*.tmp.*")" ]'

i1=$(ino "$A/$K/ams/root-mix.pcap.gz")
run archive submit --archive "$A" "$T/in/ams/root-mix.pcap.gz" "$T/in/ams/root-dnsperf-udp.pcap.gz"
r1=$rc
n1=$(grep -c '^exists ' "$T/out")
run archive submit --archive "$A" --server $J --instance nrt "$T/in/nrt/root-tcp-pipelined.pcap"
check "submitting again: exit 0, \"exists\", nothing rewritten" \
	'[ "$r1" -eq 0 ] && [ "$n1" -eq 2 ] && [ "$rc" -eq 0 ] && [ "$i1" = "$(ino "$A/$K/ams/root-mix.pcap.gz")" ]'
run archive submit --archive "$A" --server $J --instance nrt --phase other "$T/in/nrt/root-tcp-pipelined.pcap"
check "the same file with another phase: refused (exit 1)" '[ "$rc" -eq 1 ] && has "phase" "$T/err"'
run archive submit --archive "$A" --server $J "$T/in/nrt/root-any-sll.pcap"
check "no manifest and no --instance: refused, saying what to give" '[ "$rc" -eq 1 ] && has "[-]-instance" "$T/err"'
run archive submit --archive "$A" --phase during "$T/in/ams/root-mix.pcap.gz"
check "a --phase contradicting the manifest: refused" '[ "$rc" -eq 1 ] && has "manifest says phase" "$T/err"'

# ---- 2. concurrent submits -------------------------------------------------
C=$T/C
mkdir "$C"
pids=
for k in 1 2 3 4; do
	"$R" archive submit --archive "$C" "$T/in/ams/root-mix.pcap.gz" \
		"$T/in/ams/root-dnsperf-udp.pcap.gz" >"$T/c$k.out" 2>"$T/c$k.err" &
	pids="$pids $!"
done
for k in 5 6 7 8; do
	"$R" archive submit --archive "$C" --server $J --instance nrt \
		"$T/in/nrt/root-tcp-pipelined.pcap" >"$T/c$k.out" 2>"$T/c$k.err" &
	pids="$pids $!"
done
allok=1
for p in $pids; do wait "$p" || allok=0; done
cat "$T"/c?.out >"$T/call"
for k in 1 2 3 4 5 6 7 8; do [ -s "$T/c$k.err" ] && allok=0; done
check "8 concurrent submits of the same files: all succeed" '[ "$allok" -eq 1 ]'
st1=$(grep -c "^stored .*root-mix.pcap.gz" "$T/call")
ex1=$(grep -c "^exists .*root-mix.pcap.gz" "$T/call")
st2=$(grep -c "^stored .*root-tcp-pipelined.pcap" "$T/call")
ex2=$(grep -c "^exists .*root-tcp-pipelined.pcap" "$T/call")
check "each file stored exactly once, found by the others ($st1+$ex1, $st2+$ex2)" \
	'[ "$st1" -eq 1 ] && [ "$ex1" -eq 3 ] && [ "$st2" -eq 1 ] && [ "$ex2" -eq 3 ]'
check "the concurrently stored files are whole, with their manifests, no temporaries left" \
	'cmp -s "$T/in/nrt/root-tcp-pipelined.pcap" "$C/$J/nrt/root-tcp-pipelined.pcap" &&
	 cmp -s "$T/in/ams/root-dnsperf-udp.pcap.gz" "$C/$K/ams/root-dnsperf-udp.pcap.gz" &&
	 [ -z "$(find "$C" -name ".*.tmp.*")" ] && [ -f "$C/$K/ams/root-dnsperf-udp.pcap.gz.json" ] &&
	 [ -f "$C/$J/nrt/root-tcp-pipelined.pcap.json" ]'

# ---- 3. damaged files ------------------------------------------------------
B=$T/bad
size=$(stat -c %s "$D/root-mix.pcap.gz")
head -c 9000 "$D/root-mix.pcap.gz" >"$B/trunc.pcap.gz"
cp "$D/root-mix.pcap.gz" "$B/corrupt.pcap.gz"
printf '\377\377\377\377' | dd of="$B/corrupt.pcap.gz" bs=1 seek=6000 conv=notrunc 2>"$T/dd"
cp "$D/root-mix.pcap.gz" "$B/crc.pcap.gz"
printf '\125' | dd of="$B/crc.pcap.gz" bs=1 seek=$((size - 7)) conv=notrunc 2>"$T/dd"
cp "$D/root-mix.pcap.gz" "$B/garbage.pcap.gz"
printf 'garbage' >>"$B/garbage.pcap.gz"
cp "$D/root-mix.pcap.gz" "$B/zeros.pcap.gz"
python3 -c "import sys; sys.stdout.buffer.write(bytes(512))" >>"$B/zeros.pcap.gz"
head -c 10000 "$D/root-frags.pcap" >"$B/trunc.pcap"
printf 'this is not a capture file' >"$B/header.pcap"
: >"$B/empty.pcap"
for f in trunc.pcap.gz:truncated corrupt.pcap.gz:corrupt crc.pcap.gz:"incorrect data check" \
	garbage.pcap.gz:"after the last complete gzip member at compressed offset $size" \
	zeros.pcap.gz:"offset $size" trunc.pcap:"offset" header.pcap:"not a pcap" empty.pcap:empty; do
	name=${f%%:*}
	want=${f#*:}
	run archive submit --archive "$A" --server $K --instance damaged "$B/$name"
	if [ "$rc" -eq 1 ] && has "refused $B/$name" "$T/err" && has "$want" "$T/err" &&
		! visible "$name" "$A"; then
		ok "$name refused ($want), nothing visible"
	else
		fail "$name: exit $rc, $(cat "$T/err")"
	fi
done
mkdir "$B/wrong"
cp "$D/root-frags.pcap" "$B/wrong/w.pcap"
chk manifest "$B/wrong/w.pcap" $K ams - | sed 's/"sha256": "[0-9a-f]\{8\}/"sha256": "00000000/' \
	>"$B/wrong/w.pcap.json"
run archive submit --archive "$A" "$B/wrong/w.pcap"
check "a manifest with a wrong SHA-256: refused, checksum mismatch" \
	'[ "$rc" -eq 1 ] && has "checksum mismatch" "$T/err" && ! visible w.pcap "$A"'

# ---- 4. names, labels, duplicates ------------------------------------------
before=$(ls -a "$T" | tr '\n' ' ')
run archive submit --archive "$A" --server ../evil --instance i "$D/root-frags.pcap"
r1=$rc
run archive submit --archive "$A" --server $K --instance .. "$D/root-frags.pcap"
r2=$rc
run archive submit --archive "$A" --server $K --instance '../../../evil' "$D/root-frags.pcap"
r3=$rc
mkdir "$B/m"
cp "$D/root-frags.pcap" "$B/m/x.pcap"
chk manifest "$B/m/x.pcap" ../../evil i - >"$B/m/x.pcap.json"
run archive submit --archive "$A" "$B/m/x.pcap"
r4=$rc
cp "$D/root-frags.pcap" "$B/m/-x.pcap"
run archive submit --archive "$A" --server $K --instance i "$B/m/-x.pcap"
r5=$rc
run archive submit --archive "$A" --server $K --instance i --phase "$(printf 'a\033[2Jb')" "$D/root-frags.pcap"
r6=$rc
check "../ in --server and --instance, .. as instance, ../ in a manifest, -x as file name, a control character in the phase: all refused" \
	'[ "$r1$r2$r3$r4$r5$r6" = 111111 ]'
check "nothing created outside the archive, nothing named evil inside" \
	'[ "$(ls -a "$T" | tr "\n" " ")" = "$before" ] && [ -z "$(find "$T" -name "*evil*")" ]'
check "refusal messages show no control characters" '! grep -q "$(printf "\033")" "$T/err"'
chk header ../../evil.pcap $K i | "$R" archive receive --archive "$A" >"$T/rcv" 2>"$T/err"
rc=$?
check "receive: a header naming ../../evil.pcap is refused" \
	'[ "$rc" -ne 0 ] && has "\"status\":\"refused\"" "$T/rcv" && has "single path component" "$T/rcv"'
chk header x.pcap .. i | "$R" archive receive --archive "$A" >"$T/rcv" 2>"$T/err"
check "receive: server .. is refused" 'has "\"status\":\"refused\"" "$T/rcv" && has "is not a name" "$T/rcv"'
check "... and nothing was created outside" '[ -z "$(find "$T" -name "*evil*")" ]'

mkdir "$B/dup"
cp "$D/root-frags.pcap" "$B/dup/root-mix.pcap.gz"
run archive submit --archive "$A" --server $K --instance ams "$B/dup/root-mix.pcap.gz"
check "a different file under a stored name: refused, naming both checksums" \
	'[ "$rc" -eq 1 ] && has "different file is already stored as $K/ams/root-mix.pcap.gz" "$T/err" &&
	 has "$sha" "$T/err"'
check "... the stored one untouched" 'cmp -s "$D/root-mix.pcap.gz" "$A/$K/ams/root-mix.pcap.gz"'
cp "$D/root-tcp-pipelined.pcap" "$B/dup/root-priming.pcapng"
run archive submit --archive "$A" --server $K --instance lhr --phase before "$T/in/lhr/root-frags.pcap" \
	"$B/dup/root-priming.pcapng"
check "one known and one duplicate-named file in one run: exit 1, each outcome printed" \
	'[ "$rc" -eq 1 ] && has "^exists .*root-frags" "$T/out" && has "refused $B/dup/root-priming.pcapng" "$T/err"'
run archive submit --archive "$A" --server $K --instance fra "$B/dup/root-mix.pcap.gz"
check "the same name in another instance: stored" '[ "$rc" -eq 0 ] && has "^stored " "$T/out"'
run archive submit --archive "$A" --server $K --instance fra "$B/dup/root-mix.pcap.gz" "$B/dup/root-mix.pcap.gz"
check "the same file twice on one command line: exists" '[ "$rc" -eq 0 ] && [ "$(grep -c "^exists" "$T/out")" -eq 2 ]'

# ---- 5. read-only archive ----------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >"$T/w" 2>&1; then
	NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod -R go-w "$A"
	chmod 644 "$T/in/ams/root-mix.pcap.gz"
	$NOBODY "$R" archive submit --archive "$A" --server $K --instance ro "$D/root-frags.pcap" \
		>"$T/out" 2>"$T/err"
	rc=$?
	check "read-only archive, new instance: exit 3, Permission denied" \
		'[ "$rc" -eq 3 ] && has "failed .*cannot create .*Permission denied" "$T/err"'
	$NOBODY "$R" archive submit --archive "$A" --server $K --instance lhr "$D/root-tcp-pipelined.pcap" \
		>"$T/out" 2>"$T/err"
	rc=$?
	check "read-only archive, existing instance: exit 3, nothing written" \
		'[ "$rc" -eq 3 ] && has "Permission denied" "$T/err" && [ ! -e "$A/$K/ro" ] &&
		 ! visible root-tcp-pipelined.pcap "$A/$K/lhr"'
	$NOBODY "$R" archive list --archive "$A" --json >"$T/ro.json" 2>"$T/err"
	rc=$?
	"$R" archive list --archive "$A" --json >"$T/rw.json" 2>"$T/err2"
	check "list works for a user who cannot write the catalog, same answer" \
		'[ "$rc" -eq 0 ] && cmp -s "$T/ro.json" "$T/rw.json"'
	$NOBODY "$R" archive verify --archive "$A" -q >"$T/out" 2>"$T/err"
	rc=$?
	check "verify works read-only" '[ "$rc" -eq 0 ]'
else
	skip "read-only archive: needs root and setpriv"
fi

# ---- 6. killed during the copy ------------------------------------------------
K6=$A/kill/i
mkdir -p "$T/fifo"
mkfifo "$T/fifo/k.pcap"
"$R" archive submit --archive "$A" --server kill --instance i "$T/fifo/k.pcap" >"$T/out" 2>"$T/err" &
spid=$!
(head -c 100000 "$D/root-tcp-pipelined.pcap"; sleep 20) >"$T/fifo/k.pcap" &
wpid=$!
n=0
while [ $n -lt 100 ]; do
	t=$(find "$K6" -name '.k.pcap.tmp.*' -size +90k 2>"$T/w" | head -1)
	[ -n "$t" ] && break
	sleep 0.1
	n=$((n + 1))
done
kill -9 "$spid"
wait "$spid" 2>"$T/w"
kill "$wpid" 2>"$T/w"
check "a submit killed in the middle of the copy: its temporary file was there, hidden" '[ -n "$t" ]'
check "... nothing partial visible under the real name" '[ ! -e "$K6/k.pcap" ] && [ ! -e "$K6/k.pcap.json" ]'
run archive list --archive "$A" --server kill --json
check "... nor in the catalog" 'has "\"count\": 0" "$T/out"'
rm "$T/fifo/k.pcap"
cp "$D/root-tcp-pipelined.pcap" "$T/fifo/k.pcap"
run archive submit --archive "$A" --server kill --instance i "$T/fifo/k.pcap"
check "... the retry stores it whole" '[ "$rc" -eq 0 ] && cmp -s "$D/root-tcp-pipelined.pcap" "$K6/k.pcap"'

chk big "$T/big.pcap" 48
"$R" archive submit --archive "$A" --server kill --instance big "$T/big.pcap" >"$T/out" 2>"$T/err" &
spid=$!
sleep 0.3
kill -9 "$spid" 2>"$T/w"
wait "$spid" 2>"$T/w"
KB=$A/kill/big
if [ -e "$KB/big.pcap" ]; then
	check "a large submit killed after 0.3 s: finished before the kill, whole" \
		'cmp -s "$T/big.pcap" "$KB/big.pcap"'
else
	check "a large submit killed after 0.3 s: nothing visible" '[ ! -e "$KB/big.pcap.json" ]'
fi
run archive submit --archive "$A" --server kill --instance big "$T/big.pcap"
check "... the retry succeeds, whole, with its manifest" \
	'[ "$rc" -eq 0 ] && cmp -s "$T/big.pcap" "$KB/big.pcap" && [ -f "$KB/big.pcap.json" ]'
rm -rf "$KB" # not needed further: keeps the analyses below quick

chk stream "$D/root-mix.pcap.gz" cut.pcap.gz cut i 5000 |
	"$R" archive receive --archive "$A" >"$T/rcv" 2>"$T/err"
rc=$?
check "receive fed a stream cut after 5000 bytes: refused, exit 1" \
	'[ "$rc" -eq 1 ] && has "\"status\":\"send\"" "$T/rcv" && has "ended after 5000 of $size bytes" "$T/rcv"'
check "... nothing of it visible, no temporary left" \
	'[ ! -e "$A/cut/i/cut.pcap.gz" ] && [ -z "$(find "$A/cut" -name ".*.tmp.*")" ]'
chk stream "$D/root-mix.pcap.gz" cut.pcap.gz cut i "$size" |
	"$R" archive receive --archive "$A" >"$T/rcv" 2>"$T/err"
rc=$?
check "... the whole stream afterwards: stored, the checksum answered" \
	'[ "$rc" -eq 0 ] && has "\"status\":\"stored\",\"sha256\":\"$sha\"" "$T/rcv" &&
	 cmp -s "$D/root-mix.pcap.gz" "$A/cut/i/cut.pcap.gz"'

# ---- 7. over ssh -------------------------------------------------------------
A2=$T/A2
mkdir "$A2"
SSHD=/usr/sbin/sshd
if [ "$(id -u)" -ne 0 ] || [ ! -x "$SSHD" ] || ! command -v ssh-keygen >"$T/w" 2>&1; then
	skip "ssh: needs root, $SSHD and ssh-keygen"
else
	S=$T/ssh
	: >"$T/empty"
	. "$here/sshd_local.sh"
	sshd_local_start "$S" $((22000 + $$ % 1000))
	SSHD_PID=$SSHD_LOCAL_PID port=$SSHD_LOCAL_PORT SSH=$SSHD_LOCAL_SSH
	if [ -z "$SSHD_PID" ]; then
		fail "sshd did not start: $(cat "$S/sshd.log")"
	else
		ok "sshd started on 127.0.0.1:$port"
		TO=root@127.0.0.1:$A2
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" \
			"$T/in/ams/root-mix.pcap.gz" "$T/in/ams/root-dnsperf-udp.pcap.gz"
		r1=$rc
		cp "$T/out" "$T/ssh1"
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" --server $J --instance nrt \
			"$T/in/nrt/root-tcp-pipelined.pcap"
		check "submit --to over ssh: exit 0, stored" \
			'[ "$r1" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(grep -c "^stored " "$T/ssh1")" -eq 2 ] &&
			 has "^stored " "$T/out"'
		check "... byte-identical on the archive host, manifests kept or written" \
			'cmp -s "$T/in/ams/root-dnsperf-udp.pcap.gz" "$A2/$K/ams/root-dnsperf-udp.pcap.gz" &&
			 cmp -s "$T/in/ams/root-mix.pcap.gz.json" "$A2/$K/ams/root-mix.pcap.gz.json" &&
			 chk check-made "$A2/$J/nrt/root-tcp-pipelined.pcap"'
		s2=$(sha256sum "$T/in/ams/root-dnsperf-udp.pcap.gz" | cut -d' ' -f1)
		check "... the checksum the archive returned is the file's" \
			'has "root-dnsperf-udp.pcap.gz sha256 $s2\$" "$T/ssh1"'
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" "$T/in/ams/root-mix.pcap.gz"
		check "again over ssh: exists" '[ "$rc" -eq 0 ] && has "^exists .*sha256 $sha" "$T/out"'
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" --server $K --instance ams \
			"$B/dup/root-mix.pcap.gz" "$B/corrupt.pcap.gz" "$T/in/lhr/root-frags.pcap"
		check "over ssh: a different file under a stored name and a corrupt one refused (exit 1), the good one stored" \
			'[ "$rc" -eq 1 ] && has "different file" "$T/err" && has "corrupt" "$T/err" &&
			 has "^stored .*root-frags.pcap" "$T/out"'
		check "... nothing of the refused ones on the host" '! visible corrupt.pcap.gz "$A2"'
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens /nonexistent/rootlens \
			"$T/in/ams/root-mix.pcap.gz"
		check "a wrong --remote-rootlens: exit 3, said" '[ "$rc" -eq 3 ] && has "no answer" "$T/err"'
		"$R" archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" --server kill --instance ssh \
			"$T/big.pcap" >"$T/out" 2>"$T/err" &
		spid=$!
		sleep 0.4
		kill -9 "$spid" 2>"$T/w"
		wait "$spid" 2>"$T/w"
		n=0
		while [ $n -lt 100 ] && [ -n "$(find "$A2" -name '.big.pcap*.tmp.*' 2>"$T/w")" ]; do
			sleep 0.1
			n=$((n + 1))
		done
		if [ -e "$A2/kill/ssh/big.pcap" ]; then
			check "a sender killed after 0.4 s: it had finished, the file is whole" \
				'cmp -s "$T/big.pcap" "$A2/kill/ssh/big.pcap"'
		else
			check "a sender killed mid-stream: nothing visible, the receiver removed its temporary" \
				'[ -z "$(find "$A2" -name "*big.pcap*")" ]'
		fi
		run archive submit --to "$TO" --ssh "$SSH" --remote-rootlens "$R" --server kill --instance ssh \
			"$T/big.pcap"
		check "... the retry over ssh succeeds" '[ "$rc" -eq 0 ] && cmp -s "$T/big.pcap" "$A2/kill/ssh/big.pcap"'
		run archive verify --archive "$A2" -q
		check "the archive filled over ssh verifies clean" '[ "$rc" -eq 0 ] && [ ! -s "$T/out" ]'
	fi
fi

# ---- 8. verify -----------------------------------------------------------------
run archive verify --archive "$A"
check "verify of a clean archive: exit 0, no problem listed" \
	'[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && has " 0 problems" "$T/err"'
V=$T/V
cp -a "$A" "$V"
chmod -R u+w "$V"
printf '\001' | dd of="$V/$K/ams/root-dnsperf-udp.pcap.gz" bs=1 seek=200000 conv=notrunc 2>"$T/dd"
truncate -s 15000 "$V/$K/lhr/root-frags.pcap"
rm "$V/$J/nrt/root-any-sll.pcap.json"
rm "$V/$K/lhr/root-priming.pcapng"
echo stray >"$V/stray.txt"
run archive verify --archive "$V" -j 2
check "verify: exit 1 with problems" '[ "$rc" -eq 1 ]'
check "... a damaged file: checksum mismatch and where the gzip breaks" \
	'has "^$K/ams/root-dnsperf-udp.pcap.gz: checksum mismatch" "$T/out" &&
	 has "^$K/ams/root-dnsperf-udp.pcap.gz: damaged: corrupt gzip member" "$T/out"'
check "... a truncated file" 'has "^$K/lhr/root-frags.pcap: damaged: .*offset" "$T/out"'
check "... a file without manifest, a manifest without file, a stray file" \
	'has "^$J/nrt/root-any-sll.pcap: no manifest" "$T/out" &&
	 has "^$K/lhr/root-priming.pcapng.json: manifest without its data file" "$T/out" &&
	 has "^stray.txt: does not belong" "$T/out"'
cp "$T/out" "$T/verify.out"
check "... a size mismatch, and nothing else" 'has "^$K/lhr/root-frags.pcap: size mismatch" "$T/out" && [ "$(wc -l <"$T/out")" -eq 8 ]' || cat "$T/verify.out"

# ---- 9. list: the catalog's answers ---------------------------------------------
expect_ok=1
sel() { # sel NAME ARGS...: list --json with ARGS equals archive_check.py's selection
	name=$1
	shift
	"$R" archive list --archive "$A" --json "$@" >"$T/l.json" 2>"$T/err"
	if [ $? -eq 0 ] && n=$(chk expect "$A" "$T/l.json" "$@"); then
		ok "list $name: $n files, as selected from the manifests"
	else
		fail "list $name: $n $(cat "$T/err")"
	fi
}
sel "all"
sel "--server $K" --server $K
sel "--server $J" --server $J
sel "--instance ams" --instance ams
sel "--server $K --instance lhr" --server $K --instance lhr
sel "--phase before" --phase before
sel "--phase after" --phase after
sel "--from 13:50:45 --to 13:50:49" --from 2026-11-29T13:50:45Z --to 2026-11-29T13:50:49Z
sel "--from 13:50:48" --from 2026-11-29T13:50:48Z
sel "--to 13:50:44" --to 2026-11-29T13:50:44Z
sel "--from 13:50:44 --to 13:50:45 (inside one file)" --from 2026-11-29T13:50:44Z --to 2026-11-29T13:50:45Z
sel "--from @seconds --to @seconds" --from @1795960245 --to @1795960248
sel "--from 2027" --from 2027-01-01
sel "--server $K --phase before --from 13:50:41 --to 13:50:49" --server $K --phase before \
	--from 2026-11-29T13:50:41Z --to 2026-11-29T13:50:49Z
sel "--instance nowhere" --instance nowhere
run archive list --archive "$A"
nfiles=$(find "$A" -name '*.json' ! -name '.*' | wc -l)
check "list prints a header, one line per file, a total" \
	'[ "$(wc -l <"$T/out")" -eq $((nfiles + 2)) ] && has "^SERVER  *INSTANCE" "$T/out" &&
	 has "^$nfiles files," "$T/out"'
run archive list --archive "$A" --from yesterday
check "list: a bad time is a usage error" '[ "$rc" -eq 2 ]'

# a file put in by hand (rename, as capture does), then taken away
mkdir -p "$A/$K/manual"
cp "$D/root-any-sll2.pcap" "$A/$K/manual/m.pcap"
chk manifest "$A/$K/manual/m.pcap" $K manual durz >"$A/$K/manual/.m.json.x"
mv "$A/$K/manual/.m.json.x" "$A/$K/manual/m.pcap.json"
sel "after a file was added by hand" --phase durz
rm "$A/$K/manual/m.pcap.json"
sel "after its manifest was removed" --instance manual
rm -rf "$A/$K/manual"
rm "$A/.catalog.sqlite"
sel "after the catalog was deleted" --server $K
printf 'not a database, not at all, no' | dd of="$A/.catalog.sqlite" conv=notrunc 2>"$T/dd"
sel "after the catalog was damaged" --phase before
run archive list --archive "$A" --rescan --json
check "list --rescan answers the same" '[ "$rc" -eq 0 ] && chk expect "$A" "$T/out" >"$T/w"'

# ---- 10. analyze --archive ------------------------------------------------------
counters() { # the exact counters of a stats document and of its instances, one line
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["totals"]
inst = {k: v["totals"]["messages"] for k, v in d.get("instances", {}).items()}
print(json.dumps([t["messages"], t["packets"], t.get("qtype"), t.get("rcode"), inst], sort_keys=True))
' "$1"
}
# analyze --archive runs `rootlens analyze`; when that fails by itself, the
# fault is its own (test_analyze.sh), not the archive's
if ! "$R" analyze -q -o "$T/analyze-probe.json" "$D/root-mix.pcap.gz" >"$T/w" 2>"$T/probe.err"; then
	skip "analyze --archive: rootlens analyze itself fails on datasets/root-mix.pcap.gz: $(head -c 300 "$T/probe.err")"
else
	run archive analyze --archive "$A" -q -j 2 -o "$T/all.json"
	check "analyze --archive: exit 0" '[ "$rc" -eq 0 ]'
	# the same by hand: one analyze per server/instance directory, merged
	(cd "$A" && find . -name '*.json' ! -name '.*' | sed 's|^\./||; s|\.json$||' | LC_ALL=C sort) >"$T/files"
	k=0
	for si in $(cut -d/ -f1,2 "$T/files" | sort -u); do
		k=$((k + 1))
		(cd "$A" && "$R" analyze -q -j 1 -o "$T/part$k.json" $(grep "^$si/" "$T/files")) 2>"$T/err"
	done
	"$R" merge -o "$T/direct.json" "$T"/part*.json 2>"$T/err"
	check "... the counters, whole and per instance, equal analyze run by hand per instance and merged" \
		'[ "$(counters "$T/all.json")" = "$(counters "$T/direct.json")" ]'
	python3 - "$T/all.json" "$T/files" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	lines = [l.strip() for l in open(sys.argv[2])]
	want = sorted(set("|".join(l.split("/")[:2]) for l in lines))
	got = sorted(d.get("instances", {}))
	files = sorted(i["file"] for i in d["inputs"])
	sys.exit(0 if got == want and files == sorted(lines) and d["labels"]["server"] == "*" else 1)
	PY
	rc=$?
	check "... one entry per server|instance under \"instances\", inputs named relative to the archive" \
		'[ "$rc" -eq 0 ]'
	run archive analyze --archive "$A" -q -j 1 --instance ams -o "$T/ams.json"
	(cd "$A" && "$R" analyze -q -j 1 -o "$T/ams-direct.json" $K/ams/root-dnsperf-udp.pcap.gz \
		$K/ams/root-mix.pcap.gz) 2>"$T/err"
	check "analyze --instance ams: the counters of its files, its labels, no per-instance breakdown" \
		'[ "$rc" -eq 0 ] && [ "$(counters "$T/ams.json")" = "$(counters "$T/ams-direct.json")" ] &&
		 ! has "\"instances\"" "$T/ams.json" && has "\"instance\": \"ams\"" "$T/ams.json"'
	# --asn-map (a relative path: the analyses run in the archive) and the
	# flag rules reach each analyze: the AS list and the flags equal those
	# of analyze given the same options by hand
	printf '0.0.0.0\t1\t64500\n128.0.0.0\t1\t64501\n::\t0\t64502\n' >"$T/asn.map"
	FOPT="--flag-share 1 --flag-min-qps 0.01 --flag-repeat-qps 0.01"
	cd "$T" || exit 1
	run archive analyze --archive "$A" -q -j 1 --instance ams --asn-map asn.map \
		$FOPT -o "$T/ams-asn.json"
	cd - >/dev/null || exit 1
	(cd "$A" && "$R" analyze -q -j 1 --asn-map "$T/asn.map" $FOPT -o "$T/ams-asn-direct.json" \
		$K/ams/root-dnsperf-udp.pcap.gz $K/ams/root-mix.pcap.gz) 2>"$T/err"
	asn_flags() {
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps([d["totals"].get("top_asns"), d.get("flags")], sort_keys=True))
' "$1"
	}
	check "analyze --asn-map FILE --flag-*: top_asns and flags equal analyze's with the same options" \
		'[ "$rc" -eq 0 ] && [ "$(asn_flags "$T/ams-asn.json")" = "$(asn_flags "$T/ams-asn-direct.json")" ] &&
		 has "\"asn\": \"AS6450" "$T/ams-asn.json" && has "\"flags\"" "$T/ams-asn.json"'
	run archive analyze --archive "$A" -q --asn-map "$T/no-such.map"
	check "analyze --asn-map of a missing file: exit 3, the file named" \
		'[ "$rc" -eq 3 ] && has "no-such.map" "$T/err"'
	run archive analyze --archive "$A" -q -j 1 --compact
	check "analyze -j 1 to stdout: the same counters" \
		'[ "$rc" -eq 0 ] && [ "$(counters "$T/out")" = "$(counters "$T/all.json")" ]'
	run archive analyze --archive "$A" -q --phase nothing-like-this
	check "analyze of an empty selection: exit 1, said" '[ "$rc" -eq 1 ] && has "no file" "$T/err"'
	run archive analyze --archive "$A" -q -j 0
	check "analyze: a bad -j is a usage error" '[ "$rc" -eq 2 ]'
	# a bad value for analyze itself: its usage error is passed on (when
	# analyze exits 2 for it; a failing analyze is exit 3)
	"$R" analyze -q --interval 0 "$D/root-mix.pcap.gz" >"$T/w" 2>&1
	want=$(($? == 2 ? 2 : 3))
	touch "$T/mark"
	run archive analyze --archive "$A" -q --interval 0
	check "analyze: a bad option for analyze: exit $want as analyze says, no temporary directory left" \
		'[ "$rc" -eq "$want" ] &&
		 [ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name "rootlens-archive-analyze.*" -newer "$T/mark")" ]'
fi

# ---- 11. files from rootlens capture ----------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v dig >"$T/w" 2>&1; then
	CAP=$T/cap
	mkdir -m 777 "$CAP"
	timeout 20 "$R" capture -i lo --server $K --instance cap -o "$CAP" --duration 2 --rotate 0 -q \
		>"$T/cap.out" 2>"$T/cap.err" &
	cpid=$!
	sleep 0.7
	for q in 1 2 3; do dig +tries=1 +time=1 @127.0.0.1 example.com A >"$T/w" 2>&1; done
	wait "$cpid"
	crc=$?
	set -- "$CAP"/$K/cap/*.pcap.gz
	if [ "$crc" -ne 0 ] || [ ! -f "$1.json" ]; then
		skip "rootlens capture did not run here (exit $crc): $(head -c 300 "$T/cap.err")"
	else
		run archive submit --archive "$A" "$@"
		cf=$1
		check "files written by rootlens capture: stored with their manifests, byte for byte" \
			'[ "$rc" -eq 0 ] && cmp -s "$cf" "$A/$K/cap/${cf##*/}" && cmp -s "$cf.json" "$A/$K/cap/${cf##*/}.json"'
		run archive verify --archive "$A" -q
		check "... and verify clean" '[ "$rc" -eq 0 ]'
		sel "with the capture's files" --instance cap
	fi
else
	skip "rootlens capture: needs root and dig"
fi

echo "note - test_archive.sh took $(($(date +%s) - start_time)) s"
[ "$fails" -eq 0 ]
