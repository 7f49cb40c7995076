#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# Sending: every lmhook command, the C API (example_app), the POSIX sh
# example app, and raw datagrams (perl and socat); the dump lines and the
# lmexport -p values that result.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
D=$T_DIR/dump
E=$T_DIR/expo
uid=$(id -u)

# -w 3600: the longest rate window, so that rates are still > 0 when checked on a
# slow (sanitizer) build
if ! start_tabled "$S" -w 3600 -l 2; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi

# ---- the CLI, one update per call
t_case "counter NAME" 0 '' '' "$HK" -s "$S" -a cli counter hits
t_case "counter NAME N" 0 '' '' "$HK" -s "$S" -a cli counter hits 4
t_case "gauge NAME VALUE" 0 '' '' "$HK" -s "$S" -a cli gauge temp 20.5
t_case "add NAME DELTA" 0 '' '' "$HK" -s "$S" -a cli add temp 1.5
t_case "add NAME -DELTA" 0 '' '' "$HK" -s "$S" -a cli add temp -2.25
t_case "timer NAME SECONDS" 0 '' '' "$HK" -s "$S" -a cli timer latency 0.25
"$HK" -s "$S" -a cli timer latency 0.5
t_case "tick NAME" 0 '' '' "$HK" -s "$S" -a cli tick fps
"$HK" -s "$S" -a cli tick fps
t_case "tick NAME N" 0 '' '' "$HK" -s "$S" -a cli tick fps 3
t_case "time NAME -- CMD: stdout passes through" 0 '=out' '=err' \
	"$HK" -s "$S" -a cli time work -- sh -c 'echo out; echo err >&2'
t_case "time NAME -- CMD: exit status passed on" 7 '' '' \
	"$HK" -s "$S" -a cli time work -- sh -c 'exit 7'
t_case "time NAME -- CMD: killed by SIGTERM gives 143" 143 '' '' \
	"$HK" -s "$S" -a cli time work -- sh -c 'kill -TERM $$'
t_case "time NAME CMD (no --)" 0 '' '' "$HK" -s "$S" -a cli time work true
t_case "time: command not found gives 127" 127 '' '~lmhook: ' \
	"$HK" -s "$S" -a cli time work -- "$T_DIR/no-such-command"
t_case "send LINE...: app tag added" 0 '' '' "$HK" -s "$S" -a cli send 'raw:3|c' 'raw:4|c'
t_case "send LINE with its own app tag" 0 '' '' "$HK" -s "$S" -a cli send 'own:1|g|#app:other'
printf 'piped:1|c\npiped:2|c\nlevel:9|g\n\nmore:1|c|#k:v\n' >"$T_DIR/lines"
t_run "$HK" -s "$S" -a pipe - <"$T_DIR/lines"
expect "- reads wire lines on stdin" 0 '' ''
# 2,000 lines through one pipe: batched into datagrams, nothing lost
awk 'BEGIN { for (i = 0; i < 2000; i++) print "many:1|c" }' >"$T_DIR/many"
t_run "$HK" -s "$S" -a pipe - <"$T_DIR/many"
expect "- sends 2,000 lines" 0 '' ''
t_case "LM_APP names the app" 0 '' '' env LM_APP=envapp "$HK" -s "$S" gauge envg 1
t_case "LM_SOCKET finds the daemon" 0 '' '' env LM_SOCKET="$S" "$HK" -a envsock gauge viaenv 2
t_case "derived app name (no -a, no LM_APP)" 0 '' '' "$HK" -s "$S" gauge derived 3

# ---- bad input: exit 100, nothing sent
T_TIMEOUT=5
t_case "no command: exit 100" 100 '' '~usage: lmhook' "$HK" -s "$S"
t_case "unknown command: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" bogus x
t_case "counter without NAME: exit 100" 100 '' '~^(lmhook: |usage: lmhook)' "$HK" -s "$S" counter
t_case "gauge without VALUE: exit 100" 100 '' '~^(lmhook: |usage: lmhook)' "$HK" -s "$S" gauge bad1
t_case "gauge VALUE not a number: exit 100" 100 '' '~lmhook: .*abc' "$HK" -s "$S" gauge bad2 abc
t_case "gauge VALUE inf: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" gauge bad3 inf
t_case "counter N negative: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" counter bad4 -1
t_case "timer SECONDS negative: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" timer bad5 -0.5
t_case "tick N junk: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" tick bad6 3x
t_case "bad metric name: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" counter 'bad name!'
t_case "extra argument: exit 100" 100 '' '~^(lmhook: |usage: lmhook)' "$HK" -s "$S" gauge bad7 1 2
t_case "time without CMD: exit 100" 100 '' '~^(lmhook: |usage: lmhook)' "$HK" -s "$S" time bad8 --
t_case "send a bad line: exit 100" 100 '' '~lmhook: ' "$HK" -s "$S" send 'bad9:1|zz'
t_case "unknown option: exit 100" 100 '' '~usage: lmhook' "$HK" -Z counter x
t_case "-h: usage on stdout, exit 0" 0 '~^usage: lmhook ' '' "$HK" -h
T_TIMEOUT=20

# ---- the C API: build/example_app (checked further down)
t_case "example_app -n 20 -r 200 runs, sends all" 0 - '~ 20 frames, [0-9]+ datagrams sent, 0 not sent' \
	env LM_SOCKET="$S" LM_APP=cdone "$LM_BIN/example_app" -n 20 -r 200

# ---- the POSIX sh example app
T_TIMEOUT=60 t_case "docs/examples/app.sh -n 5 -r 50 runs" 0 '' '' \
	env PATH="$LM_BIN:$PATH" LM_SOCKET="$S" LM_APP=shapp sh "$T_ROOT/docs/examples/app.sh" -n 5 -r 50

# ---- raw datagrams: StatsD lines from any sender
send_lines "$S" 'rawc:2|c|#app:raw' 'rawc:3|c|@0.5|#app:raw' \
	'rawg:10|g|#app:raw' 'rawg:+5|g|#app:raw' 'rawg:-3|g|#app:raw' \
	'rawms:250|ms|#app:raw' 'rawh:1:2:3|h|#app:raw' \
	'multi:1|c|#app:raw\nmulti:1|c|#app:raw\nmulti:1|c|#app:raw\n'
check "perl sends raw datagrams" "send failed" test $? -eq 0
if have socat; then
	printf 'viasocat:5|c|#app:raw\n' | timeout 5 socat -u - "UNIX-SENDTO:$S"
	check "socat sends a raw datagram" "socat failed" test $? -eq 0
else
	skip "socat sends a raw datagram" "no socat"
fi

# ---- everything arrived: the dump
seen() {
	dump "$S" "$D" && [ "$(dump_value "$D" many c pipe)" = 2000 ] &&
		[ -n "$(dump_value "$D" viasocat c raw)" ]
}
wait_for 10 seen
eq "dump: counter total" "$(dump_value "$D" hits c cli)" 5
eq "dump: gauge set, add, add" "$(dump_value "$D" temp g cli)" 19.75
eq "dump: timer sum" "$(dump_value "$D" latency t cli)" 0.75
eq "dump: timer buckets" "$(dump_field "$D" latency t cli h:)" '-16=1,-8=1'
eq "dump: timer extremes" "$(dump_field "$D" latency t cli m:) $(dump_field "$D" latency t cli x:)" '0.25 0.5'
eq "dump: timer last" "$(dump_field "$D" latency t cli l:)" 0.5
eq "dump: rate total" "$(dump_value "$D" fps r cli)" 5
r=$(dump_field "$D" fps r cli r:)
check "dump: rate per second > 0" "r:$r" num_gt "$r" 0
eq "dump: send lines summed" "$(dump_value "$D" raw c cli)" 7
eq "dump: send keeps the line's own app tag" "$(dump_value "$D" own g other)" 1
eq "dump: stdin lines summed" "$(dump_value "$D" piped c pipe)" 3
eq "dump: stdin gauge" "$(dump_value "$D" level g pipe)" 9
eq "dump: stdin line with a tag" "$(dump_value "$D" more c pipe)" 1
eq "dump: 2,000 stdin lines, none lost" "$(dump_value "$D" many c pipe)" 2000
eq "dump: LM_APP" "$(dump_value "$D" envg g envapp)" 1
eq "dump: LM_SOCKET" "$(dump_value "$D" viaenv g envsock)" 2
check "dump: derived app name present" "no derived line" grep -q '^derived:3|g|#app:[^,|]' "$D"
check "dump: identity tags app first, then uid" "$(grep '^hits:' "$D")" \
	grep -q "^hits:5|c|#app:cli,uid:$uid\$" "$D"
check "dump: bad input sent nothing" "$(grep '^bad' "$D" | head -1)" \
	no_line "$D" '^bad'

n=$(awk -F'|' '/^work:/ { print }' "$D" | wc -l)
eq "dump: one series for time" "$n" 1
# the sh app
eq "sh app: rate fps total" "$(dump_value "$D" fps r shapp)" 5
eq "sh app: counter frames" "$(dump_value "$D" frames c shapp)" 5
eq "sh app: gauge x (last of i%10/2)" "$(dump_value "$D" x g shapp)" 2
n=$(dump_count "$D" latency t shapp)
eq "sh app: timer count" "$n" 5
# raw
eq "raw: counter with sample rate 0.5" "$(dump_value "$D" rawc c raw)" 8
eq "raw: gauge set, +5, -3" "$(dump_value "$D" rawg g raw)" 12
eq "raw: ms timer stored in seconds" "$(dump_value "$D" rawms t raw)" 0.25
eq "raw: packed histogram sum" "$(dump_value "$D" rawh h raw)" 6
eq "raw: packed histogram count" "$(dump_count "$D" rawh h raw)" 3
eq "raw: three lines in one datagram" "$(dump_value "$D" multi c raw)" 3
eq "raw: socat datagram" "$(dump_value "$D" viasocat c raw)" 5
# the dump is wire lines: lmhook - takes them back (r: is for dumps only)
grep -v '^#' "$D" | grep -v '^lm_' | sed 's/|r:[^|]*//' >"$T_DIR/back"
t_run "$HK" -s "$S.none" -q - <"$T_DIR/back"
expect "dump: every app line parses again as a wire line" 0 '' ''


# ---- the exposition
if expo "$S" "$E"; then ok "lmexport -p exits 0"; else fail "lmexport -p exits 0" "$(t_errof "$E.err")"; fi
eq "expo: counter" "$(expo_value "$E" hits_total app=cli uid="$uid")" 5
eq "expo: gauge" "$(expo_value "$E" temp app=cli)" 19.75
eq "expo: histogram count" "$(expo_value "$E" latency_seconds_count app=cli)" 2
eq "expo: histogram sum" "$(expo_value "$E" latency_seconds_sum app=cli)" 0.75
eq "expo: histogram bucket le=0.25" "$(expo_value "$E" latency_seconds_bucket app=cli le=0.25)" 1
eq "expo: histogram bucket le=0.5 (cumulative)" "$(expo_value "$E" latency_seconds_bucket app=cli le=0.5)" 2
eq "expo: histogram bucket le=+Inf" "$(expo_value "$E" latency_seconds_bucket app=cli le=+Inf)" 2
eq "expo: timer last" "$(expo_value "$E" latency_last_seconds app=cli)" 0.5
eq "expo: rate events" "$(expo_value "$E" fps_events_total app=cli)" 5
v=$(expo_value "$E" fps_hertz app=cli)
check "expo: rate hertz > 0" "fps_hertz $v" num_gt "$v" 0
eq "expo: ms timer" "$(expo_value "$E" rawms_seconds_sum app=raw)" 0.25
eq "expo: h summary count" "$(expo_value "$E" rawh_count app=raw)" 3
eq "expo: h summary sum" "$(expo_value "$E" rawh_sum app=raw)" 6
eq "expo: sh app latency count" "$(expo_value "$E" latency_seconds_count app=shapp)" 5
eq "expo: sh app x" "$(expo_value "$E" x app=shapp)" 2
eq "expo: health: lines rejected (none)" \
	"$(awk '/^lm_tabled_lines_rejected_total/ { s += $2 } END { print s + 0 }' "$E")" 0
t_case "LM_SOCKET finds the daemon for lmexport" 0 '~^hits_total\{app="cli"' '' \
	env LM_SOCKET="$S" "$LM_BIN/lmexport" -p
t_case "LM_SOCKET finds the daemon for dump" 0 '~^hits:5\|c' '' \
	env LM_SOCKET="$S" "$HK" dump

# ---- the C API, live: an app's series live as long as its process (the
# C API binds the app to its pid). Run it, stop it (SIGSTOP) once it has
# sent 20 frames, and read a table that no longer changes.
t_bg env LM_SOCKET="$S" LM_APP=capp "$LM_BIN/example_app" -n 0 -r 200
CAPP=$T_PID
capp20() {
	dump "$S" "$D" && v=$(dump_value "$D" frames c capp) && [ -n "$v" ] && [ "$v" -ge 20 ]
}
if wait_for 10 capp20; then ok "C API: 20 frames arrive"; else
	fail "C API: 20 frames arrive" "frames: '$(dump_value "$D" frames c capp)'"; fi
kill -STOP "$CAPP"
# settled: two dumps 0.3 s apart agree (datagrams in flight have landed)
settled() {
	dump "$S" "$T_DIR/da" && sleep 0.3 && dump "$S" "$T_DIR/db" &&
		[ "$(grep 'app:capp' "$T_DIR/da")" = "$(grep 'app:capp' "$T_DIR/db")" ]
}
wait_for 5 settled
D=$T_DIR/db
expo "$S" "$E"
f=$(dump_value "$D" frames c capp)
r=$(dump_value "$D" fps r capp)
n=$(dump_count "$D" latency t capp)
sum=$(dump_value "$D" latency t capp)
x=$(dump_value "$D" x g capp)
check "C API: counter frames >= 20" "frames '$f'" test "${f:-0}" -ge 20
check "C API: rate total = frames (+-1: a flush may fall mid-frame)" "fps $r, frames $f" \
	awk -v a="$r" -v b="$f" 'BEGIN { d = a - b; exit !(a != "" && d >= -1 && d <= 1) }'
check "C API: timer count = rate total (+-1)" "count $n, fps $r" \
	awk -v a="$n" -v b="$r" 'BEGIN { d = a - b; exit !(d >= -1 && d <= 1) }'
check "C API: timer mean in [2 ms, 0.5 s]" "sum $sum over $n" \
	awk -v s="$sum" -v n="$n" 'BEGIN { exit !(n > 0 && s / n >= 0.002 && s / n <= 0.5) }'
check "C API: gauge x one of 0, 0.5 ... 4.5" "x '$x'" one_of "$x" 0 0.5 1 1.5 2 2.5 3 3.5 4 4.5
check "C API: its series carry no pid; the app is up while it runs" "$(grep 'app:capp' "$D" | head -n 3 | tr '\n' ' ')" \
	sh -c "grep -q '^frames:[0-9]*|c|#app:capp,uid:$uid\$' '$D' && grep -q '^lm_app_up:1|g|#app:capp,uid:$uid\$' '$D'"
eq "expo: C API frames = dump" "$(expo_value "$E" frames_total app=capp)" "$f"
eq "expo: C API fps events = dump" "$(expo_value "$E" fps_events_total app=capp)" "$r"
eq "expo: C API latency count = dump" "$(expo_value "$E" latency_seconds_count app=capp)" "$n"
eq "expo: C API latency sum = dump" "$(expo_value "$E" latency_seconds_sum app=capp)" "$sum"
eq "expo: C API x = dump" "$(expo_value "$E" x app=capp)" "$x"
v=$(expo_value "$E" fps_hertz app=capp)
check "expo: C API fps_hertz > 0" "fps_hertz $v" num_gt "$v" 0
kill -CONT "$CAPP"
t_stop "$CAPP" TERM 10
eq "C API: example_app exits 0 on SIGTERM" "$T_STATUS" 0
dropped() {
	dump "$S" "$D" && [ -z "$(dump_value "$D" frames c capp)" ]
}
down() {
	dump "$S" "$D" && [ "$(dump_value "$D" lm_app_up g capp)" = 0 ]
}
if wait_for 5 down && [ -n "$(dump_value "$D" frames c capp)" ]; then
	ok "C API: down (lm_app_up 0) once its process is gone, final values still served"
else
	fail "C API: down (lm_app_up 0) once its process is gone, final values still served" "$(grep 'app:capp' "$D" | head -n 2 | tr '\n' ' ')"
fi
if wait_for 10 dropped; then ok "C API: the app is dropped after its linger (-l 2)"; else
	fail "C API: the app is dropped after its linger (-l 2)" "still in the dump"; fi
check "C API: drop counted (lm_tabled_apps_dropped, reason pid)" "$(grep '^lm_tabled_apps_dropped' "$D" | tr '\n' ' ')" \
	grep -Eq '^lm_tabled_apps_dropped:[1-9][0-9]*\|c\|#reason:pid$' "$D"

t_stop "$TABLED_PID"
eq "lmtabled exits 0 on SIGTERM" "$T_STATUS" 0
t_done
