#!/bin/sh
# test_scaleout.sh - scripts/rootlens-parallel and scripts/slurm/, end to end.
#
# The inputs: six of datasets/ (copied; root-any-sll2 is left out: it is
# root-any-sll's traffic again, whose TCP connections a single analyze
# over both would join across the files) and six captures from
# bench/gencap (4,000 packets each, 300 sources, so the top lists are
# exact; 15 s apart, starting right after the datasets' minute, so that
# in name order the files are in time order: a single analyze counts a
# file that starts between its two open intervals as late, which the
# per-file analyses do not; two with a capture manifest, one plain pcap
# with a space in its name). No TCP connection crosses a file, so one
# `rootlens analyze` over all of them must equal the merge of per-file
# analyses: split_compare.py (counters, histograms, series exact; unique
# sources within 2 %; top lists within their error). The reference is one
# `rootlens analyze --interval 10` over the twelve files.
#
#  1. rootlens-parallel -j 2 on this machine, merge groups of 4 (a tree of
#     three levels): equal to the reference; equal to one flat `rootlens
#     merge` of the partials, flags and per-instance totals included (the
#     tree merges each instance whole before it mixes instances); one
#     partial per input, named by the input's SHA-256.
#  2. rerun after deleting two partials (one input keyed by its manifest,
#     one by the SHA-256 a previous run recorded): the joblog shows
#     exactly those two analyzed again; the document is byte for byte the
#     same.
#  3. a run interrupted (SIGTERM) while its jobs hold finished temporary
#     documents: no partial under a real name that is not whole, no OUT,
#     no temporary left; the rerun completes it, equal to the reference.
#  4. --archive with a selection (when `rootlens archive` exists): equal to
#     `rootlens analyze` over the selected files; an empty selection is an
#     error.
#  5. over ssh: a real sshd on 127.0.0.1 (throwaway host and user keys),
#     two sshlogins (two "hosts"), both used according to parallel's
#     joblog; equal to the reference.
#  6. Slurm: munged, slurmctld and slurmd started here (a one-node cluster
#     on localhost, everything under the temporary directory),
#     scripts/slurm/submit.sh submits a 3-task array and the merge job
#     that depends on it; the merge job completes, its document equals the
#     reference.
#
# Prints `ok ...` / `FAIL ...` / `SKIP ...`; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens); KEEP=1 keeps the temporary
# directory. Parts 5 and 6 need root (and sshd, the Slurm and munge
# daemons); the others GNU parallel, python3 and cc.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
DS=$top/datasets
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
RP=$top/scripts/rootlens-parallel
CMP=$here/split_compare.py
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-scaleout.XXXXXX") || exit 1
chmod 755 "$T"
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		echo "note - kept $T (KEEP is set)"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
# same NAME DOC: DOC equals the reference (split_compare.py)
same() {
	if python3 "$CMP" "$T/ref.json" "$2" >"$T/cmp.out" 2>&1; then
		ok "$1"
	else
		fail "$1"
		sed 's/^/  /' "$T/cmp.out" | head -n 10
	fi
}
# jobs_run JOBLOG: the jobs a parallel joblog lists
jobs_run() { [ -f "$1" ] && tail -n +2 "$1" | wc -l || echo 0; }
start=$(date +%s)

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
for p in parallel python3 cc gzip sha256sum; do
	if ! command -v $p >/dev/null 2>&1; then
		skip "scale-out: $p not found (scripts/install-deps.sh installs it)"
		exit 0
	fi
done
export ROOTLENS="$R"

# ---- inputs and the reference ------------------------------------------------
IN=$T/in
mkdir -p "$IN"
cc -std=c11 -O2 -D_DEFAULT_SOURCE -o "$T/gencap" "$top/bench/gencap.c" -lm 2>"$T/cc.err" ||
	{ fail "cannot build bench/gencap: $(head -n 3 "$T/cc.err")"; exit 1; }
for f in root-any-sll.pcap root-dnsperf-udp.pcap.gz root-frags.pcap root-mix.pcap.gz \
	root-priming.pcapng root-tcp-pipelined.pcap; do
	cp "$DS/$f" "$IN/d-$f" || { fail "cannot copy $DS/$f"; exit 1; }
done
i=0
while [ $i -lt 6 ]; do # 2026-11-29T13:51:00Z, the minute after the datasets'
	"$T/gencap" -n 4000 -S 300 -s $((i + 11)) -r 400 -t $((1795960260 + 15 * i)) \
		-o "$IN/g$i.pcap" 2>/dev/null || { fail "gencap $i"; exit 1; }
	[ $i -lt 5 ] && gzip -n "$IN/g$i.pcap"
	i=$((i + 1))
done
mv "$IN/g5.pcap" "$IN/g5 plain.pcap"
# manifest FILE INSTANCE: a capture manifest with the labels, size, SHA-256
manifest() {
	printf '{"schema": "rootlens.capture/1", "server": "k.root-servers.net", "instance": "%s", "phase": "durz", "file_bytes": %s, "sha256": "%s"}\n' \
		"$2" "$(stat -c %s "$1")" "$(sha256sum <"$1" | cut -c1-64)" >"$1.json"
}
manifest "$IN/g0.pcap.gz" ams
manifest "$IN/g1.pcap.gz" lhr
set -- "$IN/d-root-any-sll.pcap" "$IN/d-root-dnsperf-udp.pcap.gz" "$IN/d-root-frags.pcap" \
	"$IN/d-root-mix.pcap.gz" "$IN/d-root-priming.pcapng" "$IN/d-root-tcp-pipelined.pcap" \
	"$IN/g0.pcap.gz" "$IN/g1.pcap.gz" "$IN/g2.pcap.gz" "$IN/g3.pcap.gz" "$IN/g4.pcap.gz" \
	"$IN/g5 plain.pcap"
for f in "$@"; do printf '%s\n' "$f"; done >"$T/files.list"
NIN=$#
"$R" analyze -q --interval 10 -o "$T/ref.json" "$@" || { fail "rootlens analyze (the reference)"; exit 1; }

# ---- 1. on this machine -----------------------------------------------------
"$RP" -j 2 --group 4 -o "$T/local.json" "$@" -- --interval 10 2>"$T/local.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$T/local.json" ]; then
	ok "rootlens-parallel -j 2 ran $(jobs_run "$T/local.parts/joblog") analyze jobs, merged: $(sed -n 's/.*merged in \([0-9]*\) level.*/\1/p' "$T/local.err") levels"
else
	fail "rootlens-parallel -j 2: exit $rc"
	sed 's/^/  /' "$T/local.err" | head -n 10
fi
same "rootlens-parallel -j 2 (tree merge, groups of 4) equals one analyze over the same files" "$T/local.json"
# the tree (groups of 4, three instances: two files with a manifest each
# and ten without labels) against one flat merge of the same partials:
# the same figures, the same flags and per-instance totals
"$R" merge -o "$T/flat.json" "$T"/local.parts/*.json 2>"$T/flat.err"
if python3 "$CMP" "$T/flat.json" "$T/local.json" >"$T/cmp.out" 2>&1 &&
	python3 - "$T/flat.json" "$T/local.json" >>"$T/cmp.out" 2>&1 <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def flags(d):
    return sorted((f.get('interval_start'), f.get('subject'), f.get('reason'),
                   f.get('queries')) for f in d.get('flags', []))
assert flags(a) == flags(b), 'flags differ'
assert a.get('instances') == b.get('instances'), 'instances differ'
assert len(a.get('instances', {})) == 3, 'not three instances'
EOF
then
	ok "the tree merge equals one flat merge of the partials (figures, flags, 3 instances)"
else
	fail "the tree merge differs from a flat merge"
	sed 's/^/  /' "$T/cmp.out" | tail -n 5
fi
want=$(for f in "$@"; do sha256sum <"$f" | cut -c1-64; done | sort -u | sed 's/$/.json/')
have=$(cd "$T/local.parts" && ls -- *.json | sort)
if [ "$want" = "$have" ] && [ "$(echo "$have" | wc -l)" -eq $NIN ]; then
	ok "one partial per input, named by its SHA-256 ($NIN)"
else
	fail "partials: $(echo "$have" | wc -l) files, not the inputs' SHA-256"
fi

# ---- 2. rerun after a failure -------------------------------------------------
k0=$(sha256sum <"$IN/g0.pcap.gz" | cut -c1-64)        # from its manifest
kmix=$(sha256sum <"$IN/d-root-mix.pcap.gz" | cut -c1-64) # from .keys/
cp "$T/local.json" "$T/local.first.json"
rm -f "$T/local.parts/$k0.json" "$T/local.parts/$kmix.json"
"$RP" -j 2 --group 4 -o "$T/local.json" --files-from "$T/files.list" -- --interval 10 2>"$T/rerun.err"
rc=$?
n=$(jobs_run "$T/local.parts/joblog")
if [ $rc -eq 0 ] && [ "$n" -eq 2 ] && grep -q "g0.pcap.gz" "$T/local.parts/joblog" &&
	grep -q "d-root-mix.pcap.gz" "$T/local.parts/joblog" && [ -s "$T/local.parts/$k0.json" ]; then
	ok "rerun with two partials deleted: only those two inputs analyzed again"
else
	fail "rerun: exit $rc, $n jobs (expected 2)"
	sed 's/^/  /' "$T/rerun.err" | head -n 5
fi
if cmp -s "$T/local.json" "$T/local.first.json"; then
	ok "the rerun's document is byte for byte the first run's"
else
	fail "the rerun's document differs from the first run's"
fi
"$RP" -q --group 4 -o "$T/local.json" "$@" -- --interval 10 2>"$T/rerun2.err"
if [ $? -eq 0 ] && [ ! -f "$T/local.parts/joblog" ] && cmp -s "$T/local.json" "$T/local.first.json"; then
	ok "a rerun with every partial present runs no job, merges only"
else
	fail "a rerun with every partial present: $(head -n 2 "$T/rerun2.err")"
fi

# ---- 3. interrupted ------------------------------------------------------------
# a rootlens whose analyze lingers after writing its document, so that
# the signal comes while the jobs hold finished temporary documents
cat >"$T/slow-rootlens" <<EOF
#!/bin/sh
"$R" "\$@"
rc=\$?
sleep 10
exit \$rc
EOF
chmod +x "$T/slow-rootlens"
"$RP" --rootlens "$T/slow-rootlens" -j 2 -o "$T/int.json" "$@" -- --interval 10 2>"$T/int.err" &
rpid=$!
n=0
while [ $n -lt 100 ] && [ -z "$(ls -A "$T/int.parts/.tmp" 2>/dev/null)" ]; do sleep 0.1; n=$((n + 1)); done
held=$(ls -A "$T/int.parts/.tmp" 2>/dev/null | wc -l)
kill -TERM $rpid
wait $rpid
rc=$?
bad=0
for p in "$T"/int.parts/*.json; do
	[ -e "$p" ] || continue
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$p" 2>/dev/null || bad=$((bad + 1))
done
if [ "$held" -gt 0 ] && [ $rc -ne 0 ] && [ $bad -eq 0 ] && [ ! -e "$T/int.json" ] &&
	[ -z "$(ls -A "$T/int.parts/.tmp")" ]; then
	ok "SIGTERM during the jobs: exit $rc, no half partial, no OUT, no temporary left"
else
	fail "SIGTERM: $held temporaries held, exit $rc, $bad damaged partials, OUT $([ -e "$T/int.json" ] && echo written || echo absent), .tmp: $(ls -A "$T/int.parts/.tmp" | head -n 3)"
fi
"$RP" -j 2 -o "$T/int.json" "$@" -- --interval 10 2>"$T/int2.err" ||
	fail "the rerun after SIGTERM: $(tail -n 2 "$T/int2.err")"
same "the rerun after SIGTERM equals one analyze" "$T/int.json"

# ---- 4. --archive --------------------------------------------------------------
if "$R" archive list --help >/dev/null 2>&1; then
	A=$T/archive
	mkdir "$A"
	"$R" archive submit -q --archive "$A" --server k.root-servers.net --instance ams \
		--phase durz "$DS/root-mix.pcap.gz" "$DS/root-dnsperf-udp.pcap.gz" >"$T/sub.out" 2>&1 &&
		"$R" archive submit -q --archive "$A" --server k.root-servers.net --instance lhr \
			"$DS/root-frags.pcap" >>"$T/sub.out" 2>&1 ||
		fail "archive submit: $(head -n 3 "$T/sub.out")"
	"$R" analyze -q --interval 10 -o "$T/ref-ams.json" "$A/k.root-servers.net/ams/root-mix.pcap.gz" \
		"$A/k.root-servers.net/ams/root-dnsperf-udp.pcap.gz"
	"$RP" -q -o "$T/arch.json" --archive "$A" --instance ams -- --interval 10 2>"$T/arch.err"
	rc=$?
	if [ $rc -eq 0 ] && python3 "$CMP" "$T/ref-ams.json" "$T/arch.json" >"$T/cmp.out" 2>&1 &&
		[ "$(ls "$T/arch.parts/"*.json | wc -l)" -eq 2 ] &&
		grep -q '"instance": "ams"' "$T/arch.json"; then
		ok "--archive --instance ams: the 2 selected files, equal to one analyze over them"
	else
		fail "--archive --instance ams: exit $rc $(head -n 3 "$T/arch.err" "$T/cmp.out")"
	fi
	"$RP" -q -o "$T/none.json" --archive "$A" --instance nowhere 2>"$T/none.err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'no input selected' "$T/none.err" && [ ! -e "$T/none.json" ]; then
		ok "--archive with an empty selection: exit 1, no input selected"
	else
		fail "--archive with an empty selection: exit $rc"
	fi
else
	skip "--archive: this rootlens has no 'archive' command"
fi

# ---- 5. over ssh ----------------------------------------------------------------
SSHD=/usr/sbin/sshd
if [ "$(id -u)" -ne 0 ] || [ ! -x "$SSHD" ] || ! command -v ssh-keygen >/dev/null 2>&1 ||
	! command -v ssh >/dev/null 2>&1; then
	skip "ssh: needs root, $SSHD, ssh and ssh-keygen"
else
	S=$T/ssh
	. "$here/sshd_local.sh"
	up=0
	if sshd_local_start "$S" $((23000 + $$ % 1000)); then
		up=1
		port=$SSHD_LOCAL_PORT SSHA=$SSHD_LOCAL_SSH
	fi
	PIDS="$PIDS $SSHD_LOCAL_PID"
	if [ $up -eq 0 ]; then
		fail "sshd did not start: $(head -n 3 "$S/sshd.log")"
	else
		# host "b" is 127.0.0.1 again, under another name (ssh_config)
		cat >"$S/ssh_config" <<EOF
Host hostb
	HostName 127.0.0.1
	Port $port
	User root
	IdentityFile $S/user_key
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
EOF
		cat >"$S/sshlogins" <<EOF
1/$SSHA root@127.0.0.1
1/ssh -F $S/ssh_config hostb
EOF
		"$RP" --sshloginfile "$S/sshlogins" --group 4 -o "$T/ssh.json" \
			--files-from "$T/files.list" -- --interval 10 2>"$T/ssh.err"
		rc=$?
		hosts=$(tail -n +2 "$T/ssh.parts/joblog" | cut -f2 | sort | uniq -c |
			awk '{ printf "%s%d", (NR > 1 ? "+" : ""), $1 }')
		if [ $rc -eq 0 ] && [ "$(tail -n +2 "$T/ssh.parts/joblog" | cut -f2 | sort -u | wc -l)" -eq 2 ] &&
			[ "$(tail -n +2 "$T/ssh.parts/joblog" | cut -f7 | sort -u)" = 0 ] &&
			! tail -n +2 "$T/ssh.parts/joblog" | cut -f2 | grep -q '^:$'; then
			ok "over ssh: $NIN jobs on two sshlogins ($hosts per host, from the joblog)"
		else
			fail "over ssh: exit $rc, hosts $hosts"
			sed 's/^/  /' "$T/ssh.err" | head -n 10
		fi
		same "over ssh on two hosts equals one analyze" "$T/ssh.json"
	fi
fi

# ---- 6. Slurm ---------------------------------------------------------------------
slurm_missing=
for p in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || slurm_missing="$slurm_missing $p"
done
if [ "$(id -u)" -ne 0 ] || [ -n "$slurm_missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		skip "Slurm: needs root (munged, slurmctld and slurmd are started here as root)"
	else
		skip "Slurm: not found:$slurm_missing (Debian packages slurmctld slurmd slurm-client munge)"
	fi
else
	PATH=$PATH:/usr/sbin
	Q=$T/slurm
	mkdir -p "$Q/munge" "$Q/state" "$Q/spool" "$Q/log"
	chmod 755 "$Q" "$Q/munge" # munged wants its socket directory reachable by all
	mungekey -c -k "$Q/munge/munge.key" >"$Q/log/mungekey" 2>&1 ||
		dd if=/dev/urandom of="$Q/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 600 "$Q/munge/munge.key"
	munged -F --socket="$Q/munge/sock" --key-file="$Q/munge/munge.key" \
		--log-file="$Q/log/munged.log" --pid-file="$Q/munge/pid" \
		--seed-file="$Q/munge/seed" >"$Q/log/munged.out" 2>&1 &
	PIDS="$PIDS $!"
	n=0
	while [ ! -S "$Q/munge/sock" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	export SLURM_CONF="$Q/slurm.conf"
	sport=$((17000 + ($$ % 400) * 2))
	idle=0
	for try in 1 2 3; do
		cat >"$SLURM_CONF" <<EOF
ClusterName=rootlens
SlurmctldHost=localhost
SlurmctldPort=$sport
SlurmdPort=$((sport + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$Q/munge/sock
StateSaveLocation=$Q/state
SlurmdSpoolDir=$Q/spool
SlurmctldPidFile=$Q/slurmctld.pid
SlurmdPidFile=$Q/slurmd.pid
SlurmctldLogFile=$Q/log/slurmctld.log
SlurmdLogFile=$Q/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=500 State=UNKNOWN
PartitionName=batch Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
		slurmctld -D -f "$SLURM_CONF" >"$Q/log/slurmctld.out" 2>&1 &
		ctld=$!
		slurmd -D -N localhost -f "$SLURM_CONF" >"$Q/log/slurmd.out" 2>&1 &
		sd=$!
		PIDS="$PIDS $sd $ctld"
		n=0
		while [ $n -lt 100 ]; do
			if sinfo -h -N -o '%T' 2>/dev/null | grep -q '^idle'; then idle=1; break; fi
			kill -0 $ctld 2>/dev/null && kill -0 $sd 2>/dev/null || break
			sleep 0.2
			n=$((n + 1))
		done
		[ $idle -eq 1 ] && break
		kill $sd $ctld 2>/dev/null
		wait $sd $ctld 2>/dev/null
		sport=$((sport + 2))
	done
	if [ $idle -eq 0 ]; then
		fail "Slurm: the node did not become idle: $(tail -n 3 "$Q/log/slurmctld.out" "$Q/log/slurmd.out")"
	else
		ok "Slurm: munged, slurmctld and slurmd up, node localhost idle (port $sport)"
		ids=$("$top/scripts/slurm/submit.sh" --parsable --tasks 3 --group 4 -o "$T/slurm.json" \
			--files-from "$T/files.list" -- --interval 10 2>"$T/submit.err")
		rc=$?
		a=${ids% *} m=${ids#* }
		if [ $rc -ne 0 ] || [ -z "$m" ]; then
			fail "submit.sh: exit $rc $(head -n 3 "$T/submit.err")"
		else
			state=
			n=0
			while [ $n -lt 300 ]; do
				state=$(scontrol show job "$m" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
				case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
				sleep 0.2
				n=$((n + 1))
			done
			tasks=$(scontrol show job "$a" 2>/dev/null | grep -c 'JobState=COMPLETED')
			dep=$(scontrol show job "$m" 2>/dev/null | grep -o 'Dependency=[^ ]*')
			if [ "$state" = COMPLETED ] && [ "$tasks" -eq 3 ]; then
				ok "Slurm: array job $a (3 tasks completed), then merge job $m ($state)"
			else
				fail "Slurm: array $a: $tasks tasks completed; merge $m: ${state:-unknown} $dep"
				for f in "$T"/slurm.parts/slurm/*.out; do
					[ -e "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | head -n 5
				done
			fi
			if [ -s "$T/slurm.json" ]; then
				same "Slurm array + merge equals one analyze" "$T/slurm.json"
			else
				fail "Slurm: no $T/slurm.json"
			fi
			n=$(grep -h 'files$' "$T"/slurm.parts/slurm/analyze-*.out 2>/dev/null |
				sed -n 's/.*: \([0-9]*\) files$/\1/p' | tr '\n' ' ')
			[ "$n" = "4 4 4 " ] && ok "Slurm: each task analyzed its slice (4 files each)" ||
				fail "Slurm: slices of $n files"
		fi
	fi
fi

echo "note - test_scaleout: $(($(date +%s) - start)) s"
[ "$fails" -eq 0 ]
