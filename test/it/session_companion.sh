#!/bin/sh
# lm-test: seconds 15
# shellcheck disable=SC2317 # functions are called through check and wait_for
# lmsession -c: companions. An app that cannot work without its companion
# (it reads frames from it over a unix socket, or TCP) passes when the
# companion is up and fails alone; the companion's output, its process
# tree as source companion-N, its files in summary.json; a companion that
# ends while the app runs, before it is ready, or never gets ready (a
# bounded wait) ends the run with its own exit status; companions are
# stopped after the app (SIGINT first; SIGKILL for one that ignores
# INT and TERM): no process left, checked by pid; bad -c/-C usage.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

LS=$LM_BIN/lmsession
DATA=$T_ROOT/test/data/session
SRV=$DATA/frames_server.py
APP=$DATA/frames_app.py
TMPDIR=$T_DIR/tmp
export TMPDIR
mkdir -p "$TMPDIR"
PATH=$LM_BIN:$PATH
export PATH
T_TIMEOUT=60
if ! have python3; then
	skip "companions" "no python3 (Debian package python3)"
	t_done
fi

# every process a session here starts holds T_DIR or "sleep $SK" in its
# command line (the greps themselves left out); SK is this shell's pid
# between a 9 and a point: the other build's pass of this file, running
# beside it, has marks of its own
SK=9$$.
printf '%s\n' "$T_DIR" "sleep $SK" >"$T_DIR/marks"
leftovers() {
	# shellcheck disable=SC2009 # fixed strings, from a file
	ps -eo pid=,args= | grep -F -f "$T_DIR/marks" | grep -v -e ' grep -F -f ' -e ' ps -eo '
	return 0
}
none_left() {
	[ -z "$(leftovers)" ]
}
all_left() {
	leftovers | tr '\n' '|' | cut -c1-300
}
# gone PIDFILE: the pid in PIDFILE is not running (absent or a zombie)
gone() {
	[ -s "$1" ] && ! t_alive "$(cat "$1")"
}
# session NAME RC ARGS...: lmsession into $T_DIR/NAME; ok when it exits RC
# and, within 5 s, no process of it is left
session() {
	_sn=$1 _src=$2
	shift 2
	t_run "$LS" -q -g 1 -i 0.2 -o "$T_DIR/$_sn" "$@" </dev/null
	expect "$_sn: exit $_src" "$_src" - -
	if wait_for 5 none_left; then
		ok "$_sn: no process left"
	else
		fail "$_sn: no process left" "left: $(all_left)"
	fi
}
# json_str FILE KEY: the string value of "KEY": "..." in FILE
json_str() {
	sed -n "s/^  \"$2\": \"\\(.*\\)\",\$/\\1/p" "$1" | head -n 1
}

S=$T_DIR/f.sock

# 1. the app alone cannot work: it needs its companion
session alone 2 -- python3 "$APP" "$S" 30
check "alone: the app says why" "stderr.log: $(t_head "$T_DIR/alone/stderr.log")" \
	grep -q 'no companion' "$T_DIR/alone/stderr.log"

# 2. with its companion, ready when its socket answers
session up 0 -c "python3 $SRV $S $T_DIR/up.pid 0" -C "unix:$S" -- python3 "$APP" "$S" 30
check "up: the app read its frames" "stdout.log: $(t_head "$T_DIR/up/stdout.log")" \
	grep -q '^read 30 frames$' "$T_DIR/up/stdout.log"
check "up: the companion's stdout kept, its LM_APP its own" "$(t_head "$T_DIR/up/companion-1.out")" \
	grep -q "^serving $S as companion-1\$" "$T_DIR/up/companion-1.out"
check "up: stopped with SIGINT first" "$(t_head "$T_DIR/up/companion-1.out")" \
	grep -q '^stopped by SIGINT' "$T_DIR/up/companion-1.out"
check "up: the companion's stderr kept" "no companion-1.err" test -f "$T_DIR/up/companion-1.err"
check "up: its pid is gone" "pid $(cat "$T_DIR/up.pid" 2>/dev/null) runs" gone "$T_DIR/up.pid"
check "up: its tree sampled as companion-1" "no companion-1 sample" \
	grep -q '^[0-9.]*,companion-1,process_resident_memory_bytes,gauge,' "$T_DIR/up/samples.csv"
check "up: summary.json has its series" "none" \
	grep -q '"source":"companion-1","id":"process_cpu_seconds"' "$T_DIR/up/summary.json"
check "up: summary.json lists its files" "$(grep '"files"' "$T_DIR/up/summary.json" | cut -c1-120)" \
	grep -q '"files": \["companion-1.err","companion-1.out",' "$T_DIR/up/summary.json"
check "up: report.html links them" "no link" grep -q 'href="./companion-1.out"' "$T_DIR/up/report.html"
eq "up: verdict" "$(json_str "$T_DIR/up/summary.json" verdict)" pass

# 3. over TCP, two companions (the second only waits a delay)
PORT=$(free_port)
session tcp 0 -c "python3 $SRV tcp:$PORT $T_DIR/tcp.pid 0" -C "tcp:127.0.0.1:$PORT" \
	-c "sh -c 'echo \$LM_APP; exec sleep ${SK}33'" -C delay:0.1 \
	-- python3 "$APP" "tcp:$PORT" 20
check "tcp: the app read its frames" "stdout.log: $(t_head "$T_DIR/tcp/stdout.log")" \
	grep -q '^read 20 frames$' "$T_DIR/tcp/stdout.log"
check "tcp: the second is companion-2" "$(t_head "$T_DIR/tcp/companion-2.out")" \
	grep -q '^companion-2$' "$T_DIR/tcp/companion-2.out"
check "tcp: its pid is gone" "pid runs" gone "$T_DIR/tcp.pid"

# 4. a companion that ends while the app runs: its own end, the app stopped
session early 3 -c "python3 $SRV $S $T_DIR/early.pid 40" -C "unix:$S" -- python3 "$APP" "$S" 1000000
eq "early: verdict" "$(json_str "$T_DIR/early/summary.json" verdict)" companion-failed
eq "early: end" "$(json_str "$T_DIR/early/summary.json" end)" companion-failed
check "early: the end says which" "$(json_str "$T_DIR/early/summary.json" end_text)" \
	contains "$(json_str "$T_DIR/early/summary.json" end_text)" "companion-1 (python3) exited with status 0"
check "early: junit.xml fails it" "no companion failure" grep -q 'type="companion"' "$T_DIR/early/junit.xml"

# 5. a companion that exits before it is ready: the app never runs
session before 3 -c "sh -c 'echo bye >&2; exit 5' $T_DIR" -C "unix:$S.none" -- sh -c "touch $T_DIR/ran"
eq "before: status 5" "$(sed -n 's/^  "status": \([0-9]*\),$/\1/p' "$T_DIR/before/summary.json")" 5
check "before: the app did not run" "it ran" test ! -e "$T_DIR/ran"
check "before: its stderr kept" "$(t_head "$T_DIR/before/companion-1.err")" \
	grep -q '^bye$' "$T_DIR/before/companion-1.err"

# 6. never ready: a bounded wait (-W), a clear message, the app never runs
t0=$(date +%s)
session notready 4 -W 1 -c "sleep ${SK}34" -C "unix:$S.never" -- sh -c "touch $T_DIR/ran"
t1=$(date +%s)
check "notready: bounded" "took $((t1 - t0)) s" [ $((t1 - t0)) -le 10 ]
eq "notready: verdict" "$(json_str "$T_DIR/notready/summary.json" verdict)" companion-not-ready
check "notready: said why" "stderr: $(t_why)" \
	grep -q "companion-1 (sleep) was not ready within 1s (unix:$S.never)" "$T_DIR/err"
check "notready: the app did not run" "it ran" test ! -e "$T_DIR/ran"

# 7. one that ignores SIGINT and SIGTERM: SIGKILL, -g apart
t0=$(date +%s)
session stubborn 0 -c "sh -c 'echo \$\$ >$T_DIR/stub.pid; trap \"\" INT TERM; while :; do sleep 1; done'" \
	-C delay:0.2 -- true
t1=$(date +%s)
check "stubborn: killed within the grace times" "took $((t1 - t0)) s" [ $((t1 - t0)) -le 12 ]
check "stubborn: its pid is gone" "pid runs" gone "$T_DIR/stub.pid"

# 8. lmsession interrupted while a companion gets ready: 128+N at once,
# the companion stopped, the app never run
t_bg "$LS" -q -g 1 -o "$T_DIR/intr" -W 60 -c "sh -c 'echo \$\$ >$T_DIR/intr.pid; exec sleep ${SK}36'" \
	-C "unix:$S.never" -- sh -c "touch $T_DIR/ran" </dev/null >/dev/null 2>"$T_DIR/intr.err"
LSPID=$T_PID
if wait_for 10 test -s "$T_DIR/intr.pid"; then
	kill -TERM "$LSPID"
	t_reap "$LSPID" 10
	eq "interrupted while getting ready: exit 143" "$T_STATUS" 143
	eq "interrupted while getting ready: verdict" "$(json_str "$T_DIR/intr/summary.json" verdict)" interrupted
	check "interrupted while getting ready: said so" "$(json_str "$T_DIR/intr/summary.json" end_text)" \
		grep -q '"end_text": "got SIGTERM while companion-1 was getting ready; the app did not run"' \
		"$T_DIR/intr/summary.json"
	check "interrupted while getting ready: the companion's pid is gone" "runs" gone "$T_DIR/intr.pid"
	check "interrupted while getting ready: the app did not run" "it ran" test ! -e "$T_DIR/ran"
else
	fail "interrupted while getting ready" "the companion did not start: $(t_head "$T_DIR/intr.err")"
fi

# 8. usage: strict -c/-C syntax, exit 100, nothing started
# 4. container mode: a companion is an image, run as the app's container
# is (through the stand-in runtime of session.sh), stopped through the
# runtime and by its client
mkdir -p "$T_DIR/images" "$T_DIR/rtstate"
printf 'exec python3 %s "$@"\n' "$SRV" >"$T_DIR/images/frames.sh"
printf 'exec python3 %s "$@"\n' "$APP" >"$T_DIR/images/reader.sh"
FAKE_RT_LOG=$T_DIR/rt.log FAKE_RT_STATE=$T_DIR/rtstate FAKE_RT_IMAGES=$T_DIR/images
export FAKE_RT_LOG FAKE_RT_STATE FAKE_RT_IMAGES
S2=$T_DIR/f2.sock
session ctr 0 -R "$DATA/runtime" -I registry.example/reader:1 -a "$S2 30" \
	-c "--shm-size=64m registry.example/frames:2 $S2 $T_DIR/ctr.pid 0" -C "unix:$S2"
RTL=$(tr '\n' ' ' <"$T_DIR/rt.log")
check "ctr: the app read its frames from the companion's container" \
	"stdout.log: $(t_head "$T_DIR/ctr/stdout.log")" grep -q '^read 30 frames$' "$T_DIR/ctr/stdout.log"
check "ctr: the companion ran as a container of its own" "$(echo "$RTL" | cut -c1-300)" \
	sh -c "echo '$RTL' | grep -q -- '--- CALL run --rm --name lmsession-[0-9]*-companion-1 '"
check "ctr: its LM_APP is its own, the socket folder mounted" "$(echo "$RTL" | cut -c1-300)" \
	sh -c "echo '$RTL' | grep -q -- 'companion-1 -v [^ ]*:/metrics -e LM_SOCKET=/metrics/live_metrics.sock -e LM_APP=companion-1 '"
check "ctr: its runtime options, image and arguments as given" "$(echo "$RTL" | cut -c1-400)" \
	sh -c "echo '$RTL' | grep -q -- ' --shm-size=64m registry.example/frames:2 $S2 '"
check "ctr: stopped through the runtime" "$(echo "$RTL" | cut -c1-400)" \
	sh -c "echo '$RTL' | grep -q -- '--- CALL kill --signal=SIGINT lmsession-[0-9]*-companion-1'"
check "ctr: its container removed after" "$(echo "$RTL" | cut -c1-400)" \
	sh -c "echo '$RTL' | grep -q -- '--- CALL rm -f lmsession-[0-9]*-companion-1'"
check "ctr: its output kept" "$(t_head "$T_DIR/ctr/companion-1.out")" \
	grep -q "^serving $S2 as companion-1\$" "$T_DIR/ctr/companion-1.out"
check "ctr: its pid is gone" "pid runs" gone "$T_DIR/ctr.pid"

for bad in "foo:bar" "unix:" "tcp:" "tcp:0" "tcp:65536" "tcp:x" "tcp:1.2.3:80" "tcp:host.example:80" \
	"delay:" "delay:-1" "delay:5x" "delay:2h"; do
	t_case "usage: -C $bad" 100 '' '~bad' "$LS" -q -o "$T_DIR/u" -c true -C "$bad" -- true
done
t_case "usage: -C before any -c" 100 '' '~no -c before it' "$LS" -q -o "$T_DIR/u" -C delay:1 -c true -- true
t_case "usage: two -C for one -c" 100 '' '~has -C delay:1 already' \
	"$LS" -q -o "$T_DIR/u" -c true -C delay:1 -C delay:2 -- true
t_case "usage: an empty -c" 100 '' '~empty -c' "$LS" -q -o "$T_DIR/u" -c ' ' -- true
t_case "usage: a bad -W" 100 '' '~bad ready-wait' "$LS" -q -o "$T_DIR/u" -W 0 -c true -- true
t_case "usage: an unterminated quote in -c" 100 '' "~unterminated" "$LS" -q -o "$T_DIR/u" -c "sh -c 'x" -- true
t_case "usage: a ninth -c" 100 '' '~at most 8' "$LS" -q -o "$T_DIR/u" -c true -c true -c true -c true \
	-c true -c true -c true -c true -c true -- true
check "usage: no results folder made" "made" test ! -e "$T_DIR/u"

t_done
