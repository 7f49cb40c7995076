#!/bin/sh
# lm-test: seconds 13
# shellcheck disable=SC2317 # functions are called through check and wait_for
# The table as JSON for controllers (lm-json(5)): lmhook dump -j and
# lmexport's GET /api/v1/table, checked with jq against what was sent
# (counter totals, gauge values, timer extremes and quantiles within
# 4.43 %, rates, knobs, identity), hostile tag and knob bytes as valid
# JSON that round-trips, the HTTP route (200, HEAD, 405, 404, the other
# paths unchanged) through tcpsvd and on stdin, and docs/controller.py end
# to end: a hooked C app whose fps is low gets its knob set through the
# query socket and works with it.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
EX=$LM_BIN/lmexport
J=$T_DIR/table.json

if ! have jq; then
	skip "lm-json" "no jq (sh scripts/deps.sh test)"
	t_done
fi
if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi

"$HK" -s "$S" -a cam counter frames 3
"$HK" -s "$S" -a cam counter frames 4
"$HK" -s "$S" -a cam gauge temp_celsius 41.5
"$HK" -s "$S" -a cam gauge temp_celsius -2.25
send_lines "$S" 'infer:0.010:0.020:0.030:0.040:0.100|t|#app:cam' 'load:5|ms|#app:cam' \
	'size:1:10:100|h|#app:cam,kind:jpeg' 'events:6|r|#app:cam'
"$HK" -s "$S" -a cam set res 720
"$HK" -s "$S" -a absent set mode eco
# hostile bytes: quotes and backslashes reach the table; control bytes
# and 0xff are refused by the wire (lm-wire(5)), counted, never output
send_lines "$S" 'q:1|g|#app:evil"\\app,k:a"b\\\\c' 'r:1|g|#app:cam,k:\001' 'r:1|g|#app:cam,k:\377' \
	'r:1|g|#app:cam,k:x\033[2J'
"$HK" -s "$S" -a 'evil"\app' set 'knob' 'v"\\x'

# ---- lmhook dump -j
t_case "lmhook dump -j: exit 0, nothing on stderr" 0 - '' "$HK" -s "$S" dump -j
cp "$T_DIR/out" "$J"
t_case "the document parses (jq .)" 0 - '' jq . "$J"
# jqv FILTER: jq -r FILTER on the document
jqv() {
	jq -r "$1" "$J" 2>&1
}
app='.apps[] | select(.app == "cam")'
met() {
	jqv "$app | .metrics[] | select(.name == \"$1\") | $2"
}
eq "version 1" "$(jqv .version)" 1
check "time: unix seconds" "$(jqv .time)" num_gt "$(jqv .time)" 1700000000
eq "window: lmtabled's" "$(jqv .window)" 5
eq "apps: cam, absent not an app, evil" "$(jqv '[.apps[].app] | join(" ")')" 'cam evil"\app'
eq "identity: uid a number" "$(jqv "$app | .uid | type")" number
eq "identity: uid is ours" "$(jqv "$app | .uid")" "$(id -u)"
eq "identity: container null" "$(jqv "$app | .container")" null
eq "identity: pid null without -S" "$(jqv "$app | .pid")" null
eq "up: true" "$(jqv "$app | .up")" true
check "last_update: unix seconds" "$(jqv "$app | .last_update")" num_gt "$(jqv "$app | .last_update")" 1700000000
eq "counter: type" "$(met frames .type)" counter
eq "counter: total 3 + 4" "$(met frames .total)" 7
eq "gauge: the last value" "$(met temp_celsius .value)" -2.25
eq "gauge: unit from the name" "$(met temp_celsius .unit)" celsius
eq "timer: unit seconds" "$(met infer .unit)" seconds
eq "timer: count" "$(met infer .count)" 5
eq "timer: sum" "$(met infer '.sum * 1000 | round')" 200
eq "timer: exact min" "$(met infer .min)" 0.01
eq "timer: exact max" "$(met infer .max)" 0.1
eq "timer: last" "$(met infer .last)" 0.1
eq "timer: p50 within 4.43 % of 0.03" "$(met infer '(.p50 - 0.03 | fabs) <= 0.03 * 0.0443')" true
eq "timer: p90 within 4.43 % of 0.1" "$(met infer '(.p90 - 0.1 | fabs) <= 0.1 * 0.0443')" true
eq "timer: p99 is max (within min and max)" "$(met infer '.p99 <= .max and .p99 >= .min')" true
eq "timer: quantiles in order" "$(met infer '.p50 <= .p90 and .p90 <= .p95 and .p95 <= .p99')" true
eq "ms timer: in seconds" "$(met load .max)" 0.005
eq "histogram: type" "$(met size .type)" histogram
eq "histogram: its tags" "$(met size .tags.kind)" jpeg
eq "histogram: min, max" "$(met size '"\(.min) \(.max)"')" '1 100'
eq "rate: total" "$(met events .total)" 6
check "rate: events per second" "$(met events .rate)" num_gt "$(met events .rate)" 0
eq "knobs of the app" "$(jqv "$app | .knobs.res")" 720
eq "knobs: every one, also of an app not in the table" \
	"$(jqv '[.knobs[] | "\(.app)/\(.name)=\(.value)"] | sort | join(" ")')" 'absent/mode=eco cam/res=720 evil"\app/knob=v"\\x'
check "knobs: when set" "$(jqv '.knobs[0].set_at')" num_gt "$(jqv '.knobs[0].set_at')" 1700000000
eq "hostile: quote and backslash in a tag round-trip" \
	"$(jqv '.apps[] | select(.app == "evil\"\\app") | .metrics[0].tags.k')" 'a"b\\c'
eq "hostile: lines with control bytes or 0xff refused, never output" "$(met r .value)" ''
# no_raw_control FILE: no byte below 0x20 (but the newlines) nor DEL
no_raw_control() {
	tr -d '\n' <"$1" | od -An -v -tu1 | tr -s ' ' '\n' |
		awk '$1 != "" && ($1 < 32 || $1 == 127) { bad = 1 } END { exit bad }'
}
check "hostile: no raw control byte in the document" "some in $J" no_raw_control "$J"
t_case "dump (the wire lines) is unchanged" 0 '~^frames:7\|c\|#app:cam,uid:' '' "$HK" -s "$S" dump
t_case "dump -x: usage, exit 100" 100 '' '~unknown option: -x' "$HK" -s "$S" dump -x
t_case "dump -j -j: usage, exit 100" 100 '' '~wrong arguments' "$HK" -s "$S" dump -j -j
t_case "dump -j without a daemon: exit 111" 111 '' '~unable to query' "$HK" -s "$T_DIR/none.sock" dump -j

# a daemon that does not know json, and one whose answer ends short
# (socat runs a script per connection: the request line in, its answer out)
if have socat; then
	printf '%s\n' 'read -r l' 'echo "error usage (known: dump)"' >"$T_DIR/old.sh"
	printf '%s\n' 'read -r l' 'printf "ok 100\\n{"' >"$T_DIR/short.sh"
	for k in old short; do
		t_bg socat "UNIX-LISTEN:$T_DIR/$k.sock.query,fork" "EXEC:sh $T_DIR/$k.sh"
		eval "P_$k=\$T_PID"
		check "a fake daemon ($k) listens" "no $T_DIR/$k.sock.query" wait_for 5 test -S "$T_DIR/$k.sock.query"
	done
	t_case "dump -j, a daemon without json: exit 111, what it answered" 111 '' \
		'~it answered: error usage \(known: dump\)' "$HK" -s "$T_DIR/old.sock" dump -j
	t_case "dump -j, an answer that ends short: exit 111, nothing printed" 111 '' \
		'~ended short' "$HK" -s "$T_DIR/short.sock" dump -j
	# shellcheck disable=SC2154 # set by the eval above
	t_stop "$P_old"
	# shellcheck disable=SC2154
	t_stop "$P_short"
else
	skip "dump -j against fake daemons" "no socat"
fi

# ---- the board's series (lmprobe's): those of the app named board
t_case "lmprobe -1 proc: one sample of the host" 0 '' '' "$LM_BIN/lmprobe" -1 -s "$S" proc
board_there() {
	"$HK" -s "$S" dump -j >"$T_DIR/b.json" &&
		[ "$(jq -r '.apps[] | select(.app == "board") | .metrics[] | select(.name == "host_memory_total_bytes") | .unit' "$T_DIR/b.json")" = bytes ]
}
check "board: host_memory_total_bytes, unit bytes, under app board" "$(t_head "$T_DIR/b.json")" wait_for 5 board_there
eq "board: a gauge with a value" \
	"$(jq -r '.apps[] | select(.app == "board") | .metrics[] | select(.name == "host_memory_total_bytes") | "\(.type) \(.value > 0)"' "$T_DIR/b.json")" 'gauge true'

# ---- the query itself
printf 'json\n' >"$T_DIR/q"
if have socat; then
	# shellcheck disable=SC2016 # expanded by the inner sh
	t_run sh -c 'socat -t 5 - "UNIX-CONNECT:$1" <"$2"' sh "$S.query" "$T_DIR/q"
	# shellcheck disable=SC2016 # expanded by the inner sh
	check "query json: ok LENGTH, then the document" "$(t_head "$T_DIR/out")" \
		sh -c 'n=$(head -n 1 "$1" | sed -n "s/^ok \([0-9]*\)$/\1/p"); [ -n "$n" ] &&
			[ "$(tail -n +2 "$1" | wc -c)" -eq "$n" ]' sh "$T_DIR/out"
else
	skip "query json: ok LENGTH, then the document" "no socat"
fi

# ---- HTTP on stdin (inetd)
http() {
	printf '%b' "$1" >"$T_DIR/req"
	t_run "$EX" -s "$S" <"$T_DIR/req"
	awk '!body { sub(/\r$/, ""); print > h; if ($0 == "") body = 1; next } { print > b }' \
		h="$T_DIR/head" b="$T_DIR/body" "$T_DIR/out"
	[ -f "$T_DIR/body" ] || : >"$T_DIR/body"
}
status() {
	head -n 1 "$T_DIR/head" | awk '{ print $2 }'
}
rm -f "$T_DIR/body"
http 'GET /api/v1/table HTTP/1.1\r\nHost: x\r\n\r\n'
eq "GET /api/v1/table: 200" "$(status)" 200
check "GET /api/v1/table: application/json" "$(t_head "$T_DIR/head")" grep -qx 'Content-Type: application/json' "$T_DIR/head"
eq "GET /api/v1/table: the same apps as dump -j" "$(jq -r '[.apps[].app] | join(" ")' "$T_DIR/body" 2>&1)" 'cam evil"\app board'
len=$(sed -n 's/^Content-Length: //p' "$T_DIR/head")
eq "GET /api/v1/table: Content-Length is the body" "$len" "$(wc -c <"$T_DIR/body" | tr -d ' ')"
rm -f "$T_DIR/body"
http 'GET /api/v1/table?x=1 HTTP/1.0\r\n\r\n'
eq "a query string is ignored: 200" "$(status)" 200
rm -f "$T_DIR/body"
http 'HEAD /api/v1/table HTTP/1.1\r\n\r\n'
eq "HEAD /api/v1/table: 200" "$(status)" 200
check "HEAD: no body" "$(t_head "$T_DIR/body")" test ! -s "$T_DIR/body"
check "HEAD: application/json" "$(t_head "$T_DIR/head")" grep -qx 'Content-Type: application/json' "$T_DIR/head"
for m in POST PUT DELETE PATCH; do
	rm -f "$T_DIR/body"
	http "$m /api/v1/table HTTP/1.1\\r\\nContent-Length: 0\\r\\n\\r\\n"
	eq "$m /api/v1/table: 405 (no writes over HTTP)" "$(status)" 405
	check "$m: Allow: GET, HEAD" "$(t_head "$T_DIR/head")" grep -qx 'Allow: GET, HEAD' "$T_DIR/head"
done
for p in /api/v1/table/ /api/v1/tables /api/v1 /API/v1/table /api/v1/table/x; do
	rm -f "$T_DIR/body"
	http "GET $p HTTP/1.1\\r\\n\\r\\n"
	eq "GET $p: 404" "$(status)" 404
done
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\n\r\n'
eq "GET /metrics: still 200" "$(status)" 200
check "GET /metrics: still the exposition" "$(t_head "$T_DIR/body")" grep -q '^frames_total{app="cam"' "$T_DIR/body"
rm -f "$T_DIR/body"
http 'GET / HTTP/1.1\r\n\r\n'
check "the index page links /api/v1/table" "$(t_head "$T_DIR/body")" grep -q 'href="/api/v1/table"' "$T_DIR/body"

# ---- through tcpsvd, with curl
if have tcpsvd && have curl; then
	start_tcpsvd() {
		t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$EX" -s "$S" 2>"$T_DIR/serve.err"
	}
	if serve start_tcpsvd; then
		t_run curl -sf "http://127.0.0.1:$PORT/api/v1/table"
		expect "curl GET /api/v1/table: exit 0" 0 - ''
		eq "curl: version 1" "$(jq -r .version "$T_DIR/out" 2>&1)" 1
		eq "curl: counter total" "$(jq -r '.apps[] | select(.app == "cam") | .metrics[] | select(.name == "frames") | .total' "$T_DIR/out" 2>&1)" 7
		eq "curl -X POST: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/v1/table")" 405
		eq "curl -I: 200" "$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$PORT/api/v1/table")" 200
	else
		fail "tcpsvd serves lmexport" "$(t_head "$T_DIR/serve.err")"
	fi
else
	skip "through tcpsvd" "no tcpsvd or curl (sh scripts/deps.sh test)"
fi

# ---- docs/controller.py end to end
C=$T_ROOT/docs/controller.py
if ! have python3; then
	skip "controller.py" "no python3"
	t_done
fi
# two hooked C apps: slow runs at 4 fps, fast at 200
env LM_SOCKET="$S" LM_APP=slow LM_FLUSH_MS=50 "$LM_BIN/example_app" -n 0 -r 4 2>/dev/null &
T_PIDS="$T_PIDS $!"
env LM_SOCKET="$S" LM_APP=fast LM_FLUSH_MS=50 "$LM_BIN/example_app" -n 0 -r 200 2>/dev/null &
T_PIDS="$T_PIDS $!"
# rate APP: the app's fps rate, or empty
rate() {
	"$HK" -s "$S" dump -j | jq -r ".apps[] | select(.app == \"$1\") | .metrics[] | select(.name == \"fps\") | .rate // empty"
}
rates_known() {
	r1=$(rate slow) && r2=$(rate fast) && [ -n "$r1" ] && [ -n "$r2" ] && num_gt "$r2" 50
}
check "the apps report fps" "slow '$(rate slow)' fast '$(rate fast)'" wait_for 10 rates_known
t_case "controller.py -h: exit 0" 0 '~usage: controller.py' '' python3 "$C" -h
t_case "controller.py -t x: usage, exit 100" 100 '' '~usage' python3 "$C" -t x
t_case "controller.py without a daemon: exit 111" 111 '' '~unable to read the table' \
	python3 "$C" -l "$HK" -s "$T_DIR/none.sock" -n 1
# shellcheck disable=SC2016 # expanded by the inner sh
t_case "controller.py sets res of the slow app only" 0 \
	'=slow: fps' '' \
	sh -c 'python3 "$1" -l "$2" -s "$3" -m fps -t 20 -k res -v 320 -n 1 | cut -d" " -f1,2' sh "$C" "$HK" "$S"
t_case "the knob went through the query socket" 0 '=320' '' "$HK" -s "$S" -a slow get res
t_case "the fast app's knob stays unset" 1 '' '' "$HK" -s "$S" -a fast get res
res_is() {
	[ "$("$HK" -s "$S" dump -j | jq -r '.apps[] | select(.app == "slow") | .metrics[] | select(.name == "res") | .value')" = "$1" ]
}
check "the slow app works with the knob (its res gauge)" "res never 320" wait_for 10 res_is 320
t_case "a second round: set already, nothing done" 0 '' '' \
	python3 "$C" -l "$HK" -s "$S" -m fps -t 20 -k res -v 320 -n 1
# the same reading the table over HTTP; the knob still through the socket
"$HK" -s "$S" -a slow unset res
if [ -n "${PORT:-}" ]; then
	t_case "controller.py -u URL (HTTP) sets it again" 0 '~^slow: fps .* res=240$' '' \
		python3 "$C" -l "$HK" -s "$S" -u "http://127.0.0.1:$PORT/api/v1/table" -t 20 -v 240 -n 1
	t_case "the knob reads 240" 0 '=240' '' "$HK" -s "$S" -a slow get res
else
	skip "controller.py -u URL" "no tcpsvd"
fi
t_done
