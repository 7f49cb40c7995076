#!/bin/sh
# lm-test: seconds 15
# shellcheck disable=SC2317 # functions are called through check and wait_for
# No daemon, a stale socket, a stopped daemon: senders return promptly and
# never block; the C API resumes by itself when the daemon comes back.
# "Promptly" is checked with a bound (timeout), never a timed assertion.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/none.sock
HK=$LM_BIN/lmhook
APPB=$LM_BIN/example_app
# a sender that hangs is killed at this bound and fails with 124
T_TIMEOUT=3

# ---- no socket file at all
# under 1 s: a sender still running after 1 s is killed, and the case
# fails with 124 instead of 111
T_TIMEOUT=1 t_case "no daemon: counter returns within 1 s" 111 '' '~^lmhook: ' \
	"$HK" -s "$S" counter x
t_case "no daemon: counter exits 111" 111 '' '~^lmhook: .*none\.sock' "$HK" -s "$S" counter x
t_case "no daemon: -q counter exits 0, silent" 0 '' '' "$HK" -q -s "$S" counter x
t_case "no daemon: gauge exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" gauge x 1
t_case "no daemon: add exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" add x 1
t_case "no daemon: timer exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" timer x 0.1
t_case "no daemon: tick exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" tick x
t_case "no daemon: send exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" send 'x:1|c'
printf 'x:1|c\ny:2|g\n' >"$T_DIR/lines"
t_run "$HK" -s "$S" - <"$T_DIR/lines"
expect "no daemon: - exits 111" 111 '' '~^lmhook: '
t_run "$HK" -q -s "$S" - <"$T_DIR/lines"
expect "no daemon: -q - exits 0" 0 '' ''
t_case "no daemon: dump exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" dump
t_case "no daemon: -q time passes the command's status on" 3 '=ran' '' \
	"$HK" -q -s "$S" time t -- sh -c 'echo ran; exit 3'
t_case "no daemon: time still runs the command" - '=ran' - \
	"$HK" -s "$S" time t -- sh -c 'echo ran'
t_case "no daemon: lmexport -p exits 111" 111 '' '~^lmexport: ' "$LM_BIN/lmexport" -p -s "$S"
T_TIMEOUT=20 t_case "no daemon: example_app runs to completion" 0 - - \
	env LM_SOCKET="$S" LM_APP=deadapp "$APPB" -n 100 -r 1000
if [ -e /metrics/live_metrics.sock ]; then
	skip "no LM_SOCKET, no -s: default path, exit 111" "a daemon may run on /metrics"
else
	t_case "no LM_SOCKET, no -s: default path, exit 111" 111 '' '~^lmhook: .*/metrics/live_metrics\.sock' \
		"$HK" counter x
fi

# ---- a stale socket: bound once, nobody behind it
perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "$!\n";
	bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!\n"' "$T_DIR/stale.sock"
check "stale socket made (set-up)" "no socket" test -S "$T_DIR/stale.sock"
t_case "stale socket: counter exits 111" 111 '' '~^lmhook: ' "$HK" -s "$T_DIR/stale.sock" counter x
t_case "stale socket: -q counter exits 0" 0 '' '' "$HK" -q -s "$T_DIR/stale.sock" counter x
t_case "stale socket: dump exits 111" 111 '' '~^lmhook: ' "$HK" -s "$T_DIR/stale.sock" dump
T_TIMEOUT=20 t_case "stale socket: example_app runs to completion" 0 - - \
	env LM_SOCKET="$T_DIR/stale.sock" "$APPB" -n 100 -r 1000

# ---- a stopped daemon: its queue fills, senders must not block
S=$T_DIR/s.sock
if start_tabled "$S"; then
	kill -STOP "$TABLED_PID"
	# the queue holds 10 datagrams (net.unix.max_dgram_qlen); lmhook may
	# wait a bounded moment for room, then gives up
	n=0 hung=0
	while [ "$n" -lt 13 ]; do
		timeout 3 "$HK" -q -s "$S" -a stopped counter c
		[ $? -eq 124 ] && hung=$((hung + 1))
		n=$((n + 1))
	done
	eq "stopped daemon: 13 x lmhook -q, none hangs" "$hung" 0
	T_TIMEOUT=5 t_run "$HK" -s "$S" -a stopped counter c
	expect "stopped daemon: lmhook returns (0 or 111)" '0|111' - -
	T_TIMEOUT=20 t_case "stopped daemon: example_app runs to completion" 0 - - \
		env LM_SOCKET="$S" LM_APP=stopapp "$APPB" -n 200 -r 1000
	T_TIMEOUT=10 t_run "$HK" -s "$S" dump
	expect "stopped daemon: dump gives up (111) within its deadline" 111 '' '~^lmhook: '
	kill -CONT "$TABLED_PID"
	T_TIMEOUT=60 t_case "continued daemon answers again" 0 '~^lm_tabled_' '' "$HK" -s "$S" dump
	t_stop "$TABLED_PID"
	eq "continued daemon exits 0 on SIGTERM" "$T_STATUS" 0
else
	fail "stopped daemon" "lmtabled did not start: $(t_head "$S.err")"
fi

# ---- the daemon comes (back) while the C app runs: sending resumes
rm -f "$S"
t_bg env LM_SOCKET="$S" LM_APP=comeback "$APPB" -n 400 -r 100
APP_PID=$T_PID
# the app runs a moment with nobody listening
wait_for 5 t_alive "$APP_PID" && sleep 0.3
if start_tabled "$S"; then
	arrived() {
		dump "$S" "$T_DIR/d" && [ -n "$(dump_value "$T_DIR/d" frames c comeback)" ]
	}
	if wait_for 10 arrived; then
		ok "C API resumes sending when the daemon comes"
	else
		fail "C API resumes sending when the daemon comes" "no frames from app comeback"
	fi
	t_stop "$APP_PID" TERM 10
	eq "example_app exits 0 on SIGTERM" "$T_STATUS" 0
	t_stop "$TABLED_PID"
else
	fail "C API resumes sending when the daemon comes" "lmtabled did not start"
fi

t_done
