#!/bin/sh
# Install the Debian packages rootlens builds, tests and benchmarks with.
# Idempotent: quiet and quick when everything is already there.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the benchmark and dataset peers
set -eu

# build: compiler, libraries
pkgs="build-essential pkg-config libpcap-dev zlib1g-dev libisal-dev isal publicsuffix \
libjansson-dev libssl-dev libcunit1-dev libsqlite3-dev sqlite3"
# tests: the oracle (tshark), fuzzing (clang/libFuzzer), the test drivers
pkgs="$pkgs tshark wireshark-common clang libclang-rt-14-dev python3 python3-yaml gzip \
xxd"
# the collector's tests: a real server and clients in network namespaces,
# tcpdump beside the capture, tcpreplay onto loopback
pkgs="$pkgs tcpdump knot knot-dnsutils bind9-dnsutils dnsperf iproute2 ethtool \
tcpreplay util-linux"
# the archive: contributions over ssh to a real sshd on 127.0.0.1
pkgs="$pkgs openssh-server openssh-client"
# scale-out: GNU parallel over ssh, a one-node Slurm cluster
pkgs="$pkgs parallel slurmctld slurmd slurm-client munge"
# the report: gnuplot draws, headless Chromium checks the page
pkgs="$pkgs gnuplot-nox chromium fonts-dejavu-core"
# the DURZ experiment: a second authoritative server beside knot
pkgs="$pkgs nsd"
# benchmarks: peers
if [ "${1:-}" = "--bench" ] || [ "${1:-}" = "--all" ]; then
	pkgs="$pkgs dnscap"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
