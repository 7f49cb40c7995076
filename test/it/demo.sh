#!/bin/sh
# lm-test: busybox
# shellcheck disable=SC2317 # functions are called through check and wait_for
# make demo's script: runs, shows the apps' metrics arriving, exits 0, and
# leaves nothing behind, also when it is stopped half-way by SIGTERM.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

for c in tcpsvd curl; do
	if ! have "$c"; then
		skip "scripts/demo.sh" "no $c (sh scripts/deps.sh demo)"
		t_done
	fi
done
# the demo makes its temp dir under TMPDIR: ours, to check it is removed
mkdir "$T_DIR/tmp"

# run_demo: start the demo in its own session (setsid), as DEMO_PID
run_demo() {
	(
		# shellcheck disable=SC2086 # "busybox sh" is two words
		cd "$T_ROOT" && TMPDIR=$T_DIR/tmp LM_DEMO_SECONDS=$1 \
			exec setsid ${LM_TEST_SH:-sh} scripts/demo.sh "$LM_BIN"
	) >"$T_DIR/demo.out" 2>"$T_DIR/demo.err" &
	DEMO_PID=$!
	T_PIDS="$T_PIDS $DEMO_PID"
}
# leftovers: processes still in the demo's session, after a grace of at
# most 5 s for those on their way out (a sanitizer build exits slowly)
leftovers() {
	wait_for 5 nothing_left
	ps -o pid=,args= -s "$DEMO_PID" 2>/dev/null
}
nothing_left() {
	[ -z "$(ps -o pid= -s "$DEMO_PID" 2>/dev/null)" ]
}
# shellcheck disable=SC2016 # expanded at cleanup
T_CLEANUP_EXTRA='[ -n "${DEMO_PID:-}" ] && kill -KILL -"$DEMO_PID" 2>/dev/null'

run_demo 2
if t_reap "$DEMO_PID" 40; then
	eq "demo exits 0" "$T_STATUS" 0
else
	fail "demo exits 0" "still running after 40 s"
fi
[ "$T_STATUS" -eq 0 ] || note "demo stderr: $(t_head "$T_DIR/demo.err")"
O=$T_DIR/demo.out
check "demo: lmtabled ready" "$(t_head "$O")" grep -q '^-- lmtabled -v is ready' "$O"
check "demo: served by tcpsvd" "$(t_head "$O")" grep -q '^-- lmexport served by tcpsvd: http://127\.0\.0\.1:[0-9]*/metrics' "$O"
check "demo: live lines for the C app" "none" grep -q 't= 2s demo-c ' "$O"
check "demo: live lines for the sh app" "none" grep -q 't= 2s demo-sh ' "$O"
check "demo: C app fps_hertz in the exposition" "none" grep -q '^fps_hertz{app="demo-c",uid="[0-9]*"} ' "$O"
check "demo: sh app latency histogram in the exposition" "none" grep -q '^latency_seconds_count{app="demo-sh",' "$O"
check "demo: sh app x in the exposition" "none" grep -q '^x{app="demo-sh",' "$O"
check "demo: the table dump" "none" grep -q '^frames:[0-9]*|c|#app:demo-c,' "$O"
check "demo: says it stopped everything" "$(tail -n 1 "$O")" grep -q '^-- stopped the apps, tcpsvd and lmtabled' "$O"
eq "demo: no stderr" "$(t_head "$T_DIR/demo.err")" ""
eq "demo: no process left behind" "$(leftovers)" ""
eq "demo: temp dir removed" "$(ls "$T_DIR/tmp")" ""

# stopped half-way: SIGTERM once the apps run
run_demo 20
running() {
	grep -q 't= 1s demo-' "$T_DIR/demo.out"
}
if wait_for 20 running; then
	t_stop "$DEMO_PID" TERM 10
	eq "demo stopped by SIGTERM: exit 143" "$T_STATUS" 143
	eq "demo stopped by SIGTERM: no process left behind" "$(leftovers)" ""
	eq "demo stopped by SIGTERM: temp dir removed" "$(ls "$T_DIR/tmp")" ""
else
	fail "demo stopped by SIGTERM" "the apps never ran: $(t_head "$T_DIR/demo.err")"
fi

t_case "demo without BUILDDIR: exit 100" 100 '' '~usage' sh "$T_ROOT/scripts/demo.sh"
t_case "demo with a missing BUILDDIR: exit 100" 100 '' '~demo.sh: fatal: ' \
	sh "$T_ROOT/scripts/demo.sh" "$T_DIR/nonexistent"

t_done
