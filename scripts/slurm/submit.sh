#!/bin/bash
# submit.sh - analyze a selection of captures on a Slurm cluster: a job
# array analyzes slices of the file list (rootlens-array.sbatch), and a
# merge job that depends on the whole array (afterok) merges the partials
# as a tree (rootlens-merge.sbatch).
#
#   scripts/slurm/submit.sh -o OUT.json [--tasks N] [--cpus-per-task C]
#        (FILE... | --files-from LIST | --archive DIR [SELECTION]) [-- ANALYZE-OPTIONS]
#
# Writes PARTS/files.list (PARTS: --parts, default OUT.parts), the
# selection as rootlens-parallel --list makes it (absolute paths, largest
# first), then submits
#
#   sbatch --array=0-(N-1) rootlens-array.sbatch PARTS/files.list PARTS N [ANALYZE-OPTIONS]
#   sbatch --dependency=afterok:ARRAY --kill-on-invalid-dep=yes \
#          rootlens-merge.sbatch PARTS/files.list PARTS OUT GROUP
#
# and prints the two job ids. The job logs go to PARTS/slurm/. Running
# it again after a failure redoes only the files without a partial.
# Partition, account, time limit, QOS: sbatch's own environment variables
# (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, SBATCH_QOS) or
# --sbatch OPT (repeatable, given to both sbatch calls).
#
# The compute nodes need, at the paths used here (a shared filesystem):
# rootlens ($ROOTLENS), rootlens-parallel, GNU parallel and python3, the
# inputs and PARTS. sbatch exports this environment (ROOTLENS,
# ROOTLENS_PARALLEL, PATH) to the jobs.
set -u
me=submit.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<'EOF'
usage: submit.sh -o OUT.json [OPTIONS] FILE... [-- ANALYZE-OPTIONS]
       submit.sh -o OUT.json [OPTIONS] --files-from LIST [-- ANALYZE-OPTIONS]
       submit.sh -o OUT.json [OPTIONS] --archive DIR [SELECTION] [-- ANALYZE-OPTIONS]

  -o, --output OUT.json   the merged document the merge job writes
  --parts DIR             the partials and the file list (default: OUT.parts)
  --tasks N               array tasks (default: one per file, at most 1000)
  --cpus-per-task C       cores per task, and for the merge (default 1)
  --group N               partials per merge (default 64)
  --sbatch OPT            one more sbatch option for both jobs (repeatable)
  --parsable              print "ARRAYID MERGEID" only
  SELECTION: --server S --instance I --phase P --from T --to T
After `--`: options for every `rootlens analyze` (e.g. --interval 300).
EOF
}
die() { echo "$me: $1" >&2; exit "${2:-3}"; }
uerr() { echo "$me: $*" >&2; echo "Try '$me --help'." >&2; exit 2; }

out='' parts='' tasks='' cpus=1 group=64 parsable=0
sel=() sbo=() aopts=()
need() { [ $# -ge 2 ] || uerr "option $1 needs an argument"; }
while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) need "$@"; out=$2; shift ;;
	--parts) need "$@"; parts=$2; shift ;;
	--tasks) need "$@"; tasks=$2; shift ;;
	--cpus-per-task) need "$@"; cpus=$2; shift ;;
	--group) need "$@"; group=$2; shift ;;
	--sbatch) need "$@"; sbo+=("$2"); shift ;;
	--parsable) parsable=1 ;;
	--files-from | --archive | --server | --instance | --phase | --from | --to)
		need "$@"; sel+=("$1" "$2"); shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; aopts=("$@"); break ;;
	-?*) uerr "unknown option $1" ;;
	*) sel+=("$1") ;;
	esac
	shift
done
[ -n "$out" ] || uerr "-o OUT.json is missing"
case $tasks in *[!0-9]* | 0) uerr "--tasks needs a positive number" ;; esac
case $cpus in '' | *[!0-9]* | 0) uerr "--cpus-per-task needs a positive number" ;; esac
case $group in '' | *[!0-9]* | 0 | 1) uerr "--group needs a number of at least 2" ;; esac
command -v sbatch >/dev/null || die "sbatch not found (Debian package slurm-client)"

rp=${ROOTLENS_PARALLEL:-$here/../rootlens-parallel}
case $rp in /*) ;; *) rp=$(cd "$(dirname "$rp")" && pwd)/$(basename "$rp") ;; esac
[ -x "$rp" ] || die "$rp: not executable (set ROOTLENS_PARALLEL)"
export ROOTLENS_PARALLEL=$rp
if [ -n "${ROOTLENS:-}" ]; then
	case $ROOTLENS in /*) ;; */*) ROOTLENS=$(pwd)/$ROOTLENS ;; *) ROOTLENS=$(command -v "$ROOTLENS") ;; esac
elif command -v rootlens >/dev/null; then
	ROOTLENS=$(command -v rootlens)
elif [ -x "$here/../../rootlens" ]; then
	ROOTLENS=$(cd "$here/../.." && pwd)/rootlens
fi
[ -n "${ROOTLENS:-}" ] && [ -x "$ROOTLENS" ] || die "rootlens not found: set ROOTLENS"
export ROOTLENS

case $out in /*) ;; *) out=$(pwd)/$out ;; esac
[ -n "$parts" ] || parts=${out%.json}.parts
mkdir -p "$parts/slurm" || die "cannot create $parts"
parts=$(cd "$parts" && pwd)
list=$parts/files.list

"$rp" --list "${sel[@]}" >"$list.tmp" || { rm -f "$list.tmp"; exit 1; }
mv -f "$list.tmp" "$list" || die "cannot write $list"
n=$(wc -l <"$list")
[ "$n" -gt 0 ] || die "no input selected" 1
if [ -z "$tasks" ]; then
	tasks=$n
	[ "$tasks" -le 1000 ] || tasks=1000
fi
[ "$tasks" -le "$n" ] || tasks=$n

a=$(sbatch --parsable --array="0-$((tasks - 1))" --job-name=rootlens-analyze \
	--cpus-per-task="$cpus" --output="$parts/slurm/analyze-%A_%a.out" "${sbo[@]}" \
	"$here/rootlens-array.sbatch" "$list" "$parts" "$tasks" "${aopts[@]}") ||
	die "sbatch of the analysis array failed"
a=${a%%;*}
m=$(sbatch --parsable --dependency="afterok:$a" --kill-on-invalid-dep=yes \
	--job-name=rootlens-merge --cpus-per-task="$cpus" \
	--output="$parts/slurm/merge-%j.out" "${sbo[@]}" \
	"$here/rootlens-merge.sbatch" "$list" "$parts" "$out" "$group") || {
	scancel "$a" 2>/dev/null
	die "sbatch of the merge job failed (array job $a cancelled)"
}
m=${m%%;*}
if [ $parsable = 1 ]; then
	echo "$a $m"
else
	echo "analysis: job array $a, $tasks tasks over $n files (list: $list)"
	echo "merge:    job $m, after $a -> $out"
	echo "logs:     $parts/slurm/; watch with: squeue -j $a,$m"
fi
