#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# lmexport: the exposition (promtool clean, sorted, HELP/TYPE once), h and
# d as histograms, classic bounds (-B, -D, -b and their checks), the
# inetd HTTP contract (200, HEAD, 404, 405, 400, OpenMetrics, protobuf
# and -T, deadline, size cap) and a daemon that is down (503; exit 0 once
# answered, as socat loses the answer of a child that exits non-zero).
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
EX=$LM_BIN/lmexport
HK=$LM_BIN/lmhook
E=$T_DIR/expo

if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi
"$HK" -s "$S" -a web counter hits 3
"$HK" -s "$S" -a web gauge temp -1.5
"$HK" -s "$S" -a web timer latency 0.004
"$HK" -s "$S" -a web tick fps 2
"$HK" -s "$S" -a other tick fps
send_lines "$S" 'hist:1:2|h|#app:web' 'dist:0.5|d|#app:web' \
	'tagged:1|g|#app:web,zone:b,area:a' 'dotted.name-x/y:1|c|#app:web'

# ---- plain mode
t_run "$EX" -p -s "$S"
cp "$T_DIR/out" "$E"
expect "-p prints the exposition" 0 '~^hits_total\{app="web",uid="[0-9]+"\} 3$' ''
if have promtool; then
	t_run promtool check metrics <"$E"
	expect "promtool check metrics: clean" 0 '' ''
else
	skip "promtool check metrics: clean" "no promtool"
fi
grep '^# TYPE ' "$E" | awk '{ print $3 }' >"$T_DIR/families"
check "families sorted by name" "$(tr '\n' ' ' <"$T_DIR/families" | cut -c1-200)" \
	env LC_ALL=C sort -c "$T_DIR/families"
eq "each family once" "$(sort "$T_DIR/families" | uniq -d | head -n 3)" ""
n_type=$(grep -c '^# TYPE ' "$E")
n_help=$(grep -c '^# HELP ' "$E")
eq "a HELP for every TYPE" "$n_help" "$n_type"
eq "gauge negative value" "$(expo_value "$E" temp app=web)" -1.5
eq "tags become labels (sorted after identity)" \
	"$(grep '^tagged{' "$E" | sed 's/ .*//; s/uid="[0-9]*"/uid/')" \
	'tagged{app="web",uid,area="a",zone="b"}'
eq "names sanitised: . - / become _" "$(expo_value "$E" dotted_name_x_y_total app=web)" 1
eq "h: histogram count" "$(expo_value "$E" hist_count app=web)" 2
eq "h: histogram bucket le=1" "$(expo_value "$E" hist_bucket app=web le=1)" 1
eq "h: histogram bucket +Inf" "$(expo_value "$E" hist_bucket app=web le=+Inf)" 2
eq "h: TYPE histogram, no _seconds" "$(grep '^# TYPE hist ' "$E")" '# TYPE hist histogram'
eq "d: histogram sum" "$(expo_value "$E" dist_sum app=web)" 0.5
eq "d: histogram bucket le=0.1" "$(expo_value "$E" dist_bucket app=web le=0.1)" 0
eq "d: histogram bucket le=1" "$(expo_value "$E" dist_bucket app=web le=1)" 1
eq "timer: default bounds, 14 and +Inf" "$(grep -c '^latency_seconds_bucket{' "$E")" 15

# ---- classic bounds
t_run "$EX" -p -s "$S" -B 0.001,0.01 -D 1.5 -b hist=0.5,1,3 -b dist=0.25
cp "$T_DIR/out" "$E.b"
expect "-B -D -b: exit 0" 0 - ''
eq "-B: timer bounds" "$(grep '^latency_seconds_bucket{' "$E.b" | sed 's/.*le="//; s/".*//' | tr '\n' ' ')" \
	"0.001 0.01 +Inf "
eq "-b hist=: its bounds" "$(grep '^hist_bucket{' "$E.b" | sed 's/.*le="//; s/".*//' | tr '\n' ' ')" \
	"0.5 1 3 +Inf "
eq "-b dist=: its bounds" "$(grep '^dist_bucket{' "$E.b" | sed 's/.*le="//; s/".*//' | tr '\n' ' ')" \
	"0.25 +Inf "
eq "-b by family name: latency_seconds=" \
	"$("$EX" -p -s "$S" -b latency_seconds=0.005 | grep -c '^latency_seconds_bucket{')" 2
if have promtool; then
	t_run promtool check metrics <"$E.b"
	expect "-B -D -b: promtool clean" 0 '' ''
fi
T_TIMEOUT=5
for bad in '' ',' '0.1,' 0.2,0.1 0.1,0.1 0,1 -1,1 1,inf 1,+Inf nan 1e999 0x10 '1 ,2' abc; do
	t_case "-B '$bad': exit 100" 100 '' '~^lmexport: fatal: invalid -B' "$EX" -p -s "$S" -B "$bad"
done
t_case "-D 2,1: exit 100" 100 '' '~^lmexport: fatal: invalid -D BOUNDS \(bounds do not increase\): 2,1$' \
	"$EX" -p -s "$S" -D 2,1
for bad in latency =1 'a b=1' latency= latency=2,1 x=1=2; do
	t_case "-b '$bad': exit 100" 100 '' '~^lmexport: fatal: invalid -b' "$EX" -p -s "$S" -b "$bad"
done
t_case "-b twice for one name: exit 100" 100 '' '~given twice' \
	"$EX" -p -s "$S" -b x=1 -b x=2
b65=$(awk 'BEGIN { for (i = 1; i <= 65; i++) printf "%s%d", (i > 1 ? "," : ""), i }')
t_case "-B with 65 bounds: exit 100" 100 '' '~too many bounds' "$EX" -p -s "$S" -B "$b65"
t_case "-B with 64 bounds: exit 0" 0 - '' "$EX" -p -s "$S" -B "${b65%,65}"
T_TIMEOUT=20
eq "two apps: two fps series" "$(grep -c '^fps_events_total{' "$E")" 2
check "health: lmexport's own series" "no lm_export_series" grep -q '^lm_export_series ' "$E"
check "health: lmtabled's series" "no lm_tabled_apps" grep -q '^lm_tabled_apps 2$' "$E"

t_run "$EX" -p -o -s "$S"
cp "$T_DIR/out" "$E.om"
expect "-p -o: OpenMetrics ends with # EOF" 0 '-' ''
eq "OpenMetrics: last line is # EOF" "$(tail -n 1 "$E.om")" '# EOF'
check "OpenMetrics: counter family without _total" "$(grep 'TYPE hits' "$E.om")" \
	grep -q '^# TYPE hits counter$' "$E.om"
check "OpenMetrics: counter sample keeps _total" "no hits_total sample" \
	grep -q '^hits_total{app="web"' "$E.om"

# ---- HTTP on stdin/stdout (inetd)
# http REQUEST: run lmexport on the request (printf %b escapes); head in
# $T_DIR/head (CRs removed), body in $T_DIR/body
http() {
	printf '%b' "$1" >"$T_DIR/req"
	shift
	t_run "$EX" -s "$S" "$@" <"$T_DIR/req"
	awk 'BEGIN { RS = "\n" } !body { sub(/\r$/, ""); print > h; if ($0 == "") body = 1; next }
		{ print > b }' h="$T_DIR/head" b="$T_DIR/body" "$T_DIR/out"
	[ -f "$T_DIR/body" ] || : >"$T_DIR/body"
}
# status: the status code of the last answer
status() {
	head -n 1 "$T_DIR/head" | awk '{ print $2 }'
}
header() {
	awk -v h="$1" 'BEGIN { h = tolower(h) ": " }
		index(tolower($0), h) == 1 { print substr($0, length(h) + 1); exit }' "$T_DIR/head"
}

rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.0\r\n\r\n'
expect "GET /metrics HTTP/1.0: exit 0" 0 - ''
eq "GET /metrics: 200" "$(status)" 200
check "GET /metrics: status line HTTP/1.x" "$(head -n 1 "$T_DIR/head")" \
	grep -Eq '^HTTP/1\.[01] 200 ' "$T_DIR/head"
check "GET /metrics: text format 0.0.4" "$(header content-type)" \
	starts_with "$(header content-type)" 'text/plain; version=0.0.4'
len=$(header content-length)
if [ -n "$len" ]; then
	eq "Content-Length matches the body" "$len" "$(wc -c <"$T_DIR/body" | tr -d ' ')"
else
	skip "Content-Length matches the body" "no Content-Length"
fi
check "GET /metrics: body has the series" "$(t_head "$T_DIR/body")" \
	grep -q '^hits_total{app="web"' "$T_DIR/body"
if have promtool; then
	t_run promtool check metrics <"$T_DIR/body"
	expect "HTTP body: promtool clean" 0 '' ''
fi

rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n'
eq "GET /metrics HTTP/1.1 with headers: 200" "$(status)" 200

rm -f "$T_DIR/body"
http 'HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
eq "HEAD /metrics: 200" "$(status)" 200
eq "HEAD /metrics: no body" "$(wc -c <"$T_DIR/body" | tr -d ' ')" 0

rm -f "$T_DIR/body"
http 'GET /x HTTP/1.0\r\n\r\n'
eq "GET /x: 404" "$(status)" 404
rm -f "$T_DIR/body"
http 'GET /metricsx HTTP/1.0\r\n\r\n'
eq "GET /metricsx: 404" "$(status)" 404
rm -f "$T_DIR/body"
http 'POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n'
eq "POST /metrics: 405" "$(status)" 405
check "405 names the allowed methods" "$(header allow)" \
	contains "$(header allow)" GET
rm -f "$T_DIR/body"
http 'DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
eq "DELETE /metrics: 405" "$(status)" 405
rm -f "$T_DIR/body"
http 'hello\r\n\r\n'
eq "junk request line: 400" "$(status)" 400
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/9.9\r\n\r\n'
check "unknown HTTP version: 400 or 505" "$(status)" \
	one_of "$(status)" 400 505
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\nHost x\r\n\r\n'
eq "header without a colon: 400" "$(status)" 400
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.0\r\nX: \0\r\n\r\n'
eq "NUL byte in a header: 400" "$(status)" 400
# a request far over the size cap: an answer, 4xx, not a hang
{
	printf 'GET /metrics HTTP/1.1\r\n'
	awk 'BEGIN { for (i = 0; i < 2000; i++) printf "X-Pad-%d: %0100d\r\n", i, 0 }'
	printf '\r\n'
} >"$T_DIR/big"
T_TIMEOUT=10 t_run "$EX" -s "$S" <"$T_DIR/big"
check "200 KB request: refused with 4xx" "$(head -n 1 "$T_DIR/out")" \
	grep -Eq '^HTTP/1\.[01] 4[0-9][0-9] ' "$T_DIR/out"

rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text; version=1.0.0,text/plain;q=0.5\r\n\r\n'
eq "Accept OpenMetrics: 200" "$(status)" 200
check "Accept OpenMetrics: its Content-Type" "$(header content-type)" \
	starts_with "$(header content-type)" application/openmetrics-text
eq "Accept OpenMetrics: body ends with # EOF" "$(tail -n 1 "$T_DIR/body")" '# EOF'
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n'
check "Accept text/plain: text format" "$(header content-type)" \
	starts_with "$(header content-type)" 'text/plain; version=0.0.4'

# the Accept headers Prometheus sends: 2.42 by default, 3.x by default,
# 3.x with escaping=underscores, and 3.x asked for PrometheusText1.0.0
# only; each gets one exact Content-Type, the same legacy names, a body
# promtool takes (text) or that ends with # EOF (OpenMetrics)
accept_case() {
	rm -f "$T_DIR/body"
	http "GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: Prometheus/$1\r\nAccept: $2\r\n\r\n"
	eq "Accept of Prometheus $1 ($3): 200" "$(status)" 200
	eq "Accept of Prometheus $1 ($3): Content-Type" "$(header content-type)" "$4"
	check "Accept of Prometheus $1 ($3): names as in text" "$(grep -c '^hits_total{' "$T_DIR/body")" \
		grep -q '^hits_total{app="web",uid="[0-9]*"} 3$' "$T_DIR/body"
	case $4 in
	text/plain*)
		if have promtool; then
			t_run promtool check metrics <"$T_DIR/body"
			expect "Accept of Prometheus $1 ($3): promtool check metrics" 0 - -
		fi ;;
	*) eq "Accept of Prometheus $1 ($3): # EOF last" "$(tail -n 1 "$T_DIR/body")" '# EOF' ;;
	esac
}
CT_TXT='text/plain; version=0.0.4; charset=utf-8'
CT_OM='application/openmetrics-text; version=1.0.0; charset=utf-8'
accept_case 2.42.0 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' default "$CT_OM"
accept_case 3.5.0 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1' default "$CT_OM"
accept_case 3.5.0 'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1' underscores "$CT_OM"
accept_case 3.5.0 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.1' PrometheusText1.0.0 "$CT_TXT"
accept_case 3.5.0 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1' PrometheusText0.0.4 "$CT_TXT"

# "/": a page for people that links to /metrics; an incomplete request: 400
rm -f "$T_DIR/body"
http 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
eq "GET /: 200" "$(status)" 200
eq "GET /: HTML" "$(header content-type)" 'text/html; charset=utf-8'
check "GET /: links to /metrics" "$(t_head "$T_DIR/body")" grep -q 'href="/metrics"' "$T_DIR/body"
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.1\r\nHost: x\r\n'
eq "headers that never end (EOF first): 400" "$(status)" 400

# protobuf: what Prometheus sends with --enable-feature=native-histograms
PBA='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
rm -f "$T_DIR/body"
http "GET /metrics HTTP/1.1\r\nAccept: $PBA;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2\r\n\r\n"
eq "Accept protobuf: 200" "$(status)" 200
eq "Accept protobuf: its Content-Type" "$(header content-type)" \
	'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
cp "$T_DIR/out" "$E.http"
eq "Accept protobuf: Content-Length matches the body" "$(header content-length)" \
	"$(($(wc -c <"$E.http") - $(sed -n '1,/^\r$/p' "$E.http" | wc -c)))"
t_run "$LM_BIN/pbdump" <"$E.http"
cp "$T_DIR/out" "$E.pb"
expect "Accept protobuf: the body decodes" 0 - ''
eq "protobuf: the same families as text" \
	"$(awk '$1 == "family" { print $2 }' "$E.pb" | tr '\n' ' ')" \
	"$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$E" | tr '\n' ' ')"
check "protobuf: counter hits_total 3" "$(grep -A1 'family hits_total' "$E.pb")" \
	grep -q '^ metric {app="web",uid="[0-9]*"} 3$' "$E.pb"
check "protobuf: timer is a native histogram, schema 3, 2^-40" "$(grep -A2 'family latency_seconds ' "$E.pb")" \
	grep -q 'count=1 .* sum=0.004 schema=3 zt=9.094947017729282e-13 zc=0$' "$E.pb"
check "protobuf: the timer's native bucket (0.004 s: index -63)" "$(grep -A2 'family latency_seconds ' "$E.pb")" \
	grep -q '^  pos -63:1$' "$E.pb"
check "protobuf: classic buckets alongside" "$(grep -A2 'family latency_seconds ' "$E.pb")" \
	grep -q 'bucket 0.0025:0 bucket 0.005:1' "$E.pb"
check "protobuf: lmexport's own families" "no lm_export_series" \
	grep -q '^family lm_export_series gauge' "$E.pb"
rm -f "$T_DIR/body"
http "HEAD /metrics HTTP/1.1\r\nAccept: $PBA\r\n\r\n"
eq "HEAD protobuf: no body" "$(wc -c <"$T_DIR/body" | tr -d ' ')" 0
rm -f "$T_DIR/body"
http "GET /metrics HTTP/1.1\r\nAccept: $PBA;q=0.7,text/plain;version=0.0.4;q=0.3\r\n\r\n" -T
check "-T: a protobuf Accept gets text" "$(header content-type)" \
	starts_with "$(header content-type)" 'text/plain; version=0.0.4'
rm -f "$T_DIR/body"
http "GET /metrics HTTP/1.1\r\nAccept: $PBA;q=0.7,application/openmetrics-text;q=0.5\r\n\r\n" -T
check "-T: a protobuf Accept with OpenMetrics gets OpenMetrics" "$(header content-type)" \
	starts_with "$(header content-type)" application/openmetrics-text

# a client that sends nothing: the deadline (-t 1) ends it
# shellcheck disable=SC2016 # expanded by the inner sh
T_TIMEOUT=8 t_run sh -c '{ sleep 3; } | "$1" -t 1 -s "$2"; echo "rc=$?"' - "$EX" "$S"
check "silent client: an answer within the -t deadline" "$(t_head "$T_DIR/out")" \
	grep -Eq '^HTTP/1\.[01] (400|408) ' "$T_DIR/out"

# options
T_TIMEOUT=5
t_case "-h: usage on stdout, exit 0" 0 '~^usage: lmexport ' '' "$EX" -h
t_case "unknown option: exit 100" 100 '' '~usage: lmexport' "$EX" -Z
t_case "-t not a number: exit 100" 100 '' '~lmexport: ' "$EX" -t abc
t_case "extra operand: exit 100" 100 '' '~usage: lmexport' "$EX" -p extra
T_TIMEOUT=20

# ---- the daemon is down
t_stop "$TABLED_PID"
t_case "daemon down: -p exits 111" 111 '' '~^lmexport: .*s\.sock' "$EX" -p -s "$S"
rm -f "$T_DIR/body"
http 'GET /metrics HTTP/1.0\r\n\r\n'
expect "daemon down: HTTP answers whole and exits 0, the reason on stderr" 0 - '~answered 503: unable to query'

eq "daemon down: HTTP 503" "$(status)" 503
t_case "daemon down: lmhook dump exits 111" 111 '' '~^lmhook: ' "$HK" -s "$S" dump

t_done
