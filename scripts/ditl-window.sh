#!/bin/sh
# ditl-window.sh CONF - run one capture window described by CONF (the
# variables of scripts/systemd/ditl-example.conf) from at(1) or cron(8):
#
#   at 11:55 2026-04-07 <<< '/usr/local/share/rootlens/ditl-window.sh /etc/rootlens/ditl-2026.conf'
#
# or a crontab line a few minutes before START (rootlens waits for START;
# a second start while one runs is refused by the lock, so an @reboot line
# resumes the window after a reboot):
#
#   55 11 7 4 *  root  /usr/local/share/rootlens/ditl-window.sh /etc/rootlens/ditl-2026.conf
#   @reboot      root  /usr/local/share/rootlens/ditl-window.sh /etc/rootlens/ditl-2026.conf
#
# Status lines and errors are appended to DITL_LOG (default OUT/capture.log).
# Exit status: that of rootlens capture; 0 without running when the window
# is over or another run holds the lock.
set -eu
conf=${1:?usage: ditl-window.sh CONF}
# shellcheck disable=SC1090
. "$conf"
: "${IFACE:?} ${SERVER:?} ${INSTANCE:?} ${START:?} ${END:?} ${OUT:?}"
ROOTLENS=${ROOTLENS:-rootlens}
now=$(date -u +%s)
end=$(date -u -d "$END" +%s)
if [ "$now" -ge "$end" ]; then
	echo "ditl-window: window ended at $END; nothing to do" >&2
	exit 0
fi
mkdir -p "$OUT"
lock="$OUT/.capture-$SERVER-$INSTANCE.lock"
exec 9>"$lock"
if ! flock -n 9; then
	echo "ditl-window: a capture for $SERVER/$INSTANCE is running already" >&2
	exit 0
fi
set -- capture -i "$IFACE" --server "$SERVER" --instance "$INSTANCE" \
	--start "$START" --end "$END" --rotate "${ROTATE:-600}" \
	--gzip-level "${GZIP_LEVEL:-6}" --user "${RUN_AS:-nobody}" -o "$OUT" \
	--stats-interval "${STATS_INTERVAL:-300}"
[ -n "${PHASE:-}" ] && set -- "$@" --phase "$PHASE"
exec "$ROOTLENS" "$@" 2>>"${DITL_LOG:-$OUT/capture.log}"
