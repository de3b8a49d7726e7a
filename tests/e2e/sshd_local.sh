# sshd_local.sh - a throwaway OpenSSH server on 127.0.0.1 for the e2e
# tests that cross ssh (test_archive.sh, test_scaleout.sh). Sourced, not
# run: it defines one function and changes nothing else.
#
# sshd_local_start DIR PORT: host and user keys made in DIR (mode 700,
# created), root's key authorised, sshd on 127.0.0.1 from PORT up (the
# next port on each of 5 tries, as another test may hold one). On success
# returns 0 and sets
#   SSHD_LOCAL_PID   the server (kill it when done)
#   SSHD_LOCAL_PORT  its port
#   SSHD_LOCAL_SSH   an ssh command line that logs in as root there with
#                    the user key, without prompts or host-key questions
# On failure returns 1 with the server's log in DIR/sshd.log.
# Needs root (PermitRootLogin), /usr/sbin/sshd and ssh-keygen.
sshd_local_start() {
	local dir=$1 port=$2 try n
	SSHD_LOCAL_PID= SSHD_LOCAL_PORT= SSHD_LOCAL_SSH=
	mkdir -p -m 700 "$dir" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" </dev/null >"$dir/keygen.log" 2>&1 &&
		ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key" </dev/null >>"$dir/keygen.log" 2>&1 ||
		return 1
	cp "$dir/user_key.pub" "$dir/authorized_keys"
	: >"$dir/ssh_config"
	mkdir -p /run/sshd
	for try in 1 2 3 4 5; do
		cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 64
MaxSessions 64
PidFile $dir/sshd.pid
LogLevel ERROR
CONF
		/usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
		SSHD_LOCAL_PID=$!
		SSHD_LOCAL_SSH="ssh -F $dir/ssh_config -p $port -i $dir/user_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
		n=0
		while [ $n -lt 50 ]; do
			if $SSHD_LOCAL_SSH root@127.0.0.1 true </dev/null >"$dir/probe.log" 2>&1; then
				SSHD_LOCAL_PORT=$port
				return 0
			fi
			kill -0 "$SSHD_LOCAL_PID" 2>/dev/null || break
			sleep 0.1
			n=$((n + 1))
		done
		kill "$SSHD_LOCAL_PID" 2>/dev/null
		wait "$SSHD_LOCAL_PID" 2>/dev/null
		SSHD_LOCAL_PID=
		port=$((port + 1))
	done
	SSHD_LOCAL_SSH=
	return 1
}
