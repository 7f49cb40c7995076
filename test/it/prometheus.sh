#!/bin/sh
# lm-test: seconds 17
# shellcheck disable=SC2317 # functions are called through check and wait_for
# A real Prometheus server (127.0.0.1, a free port, a temp TSDB,
# scrape_interval 1s) scrapes lmexport served by tcpsvd; the series are
# read back through Prometheus's query API. Then the same lmexport is
# served once by socat: the inetd contract is generic.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
APP=prom-app

for c in prometheus tcpsvd curl; do
	if ! have "$c"; then
		skip "a real Prometheus scrape" "no $c (sh scripts/deps.sh test)"
		t_done
	fi
done
if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi
"$HK" -s "$S" -a "$APP" gauge x 42
"$HK" -s "$S" -a "$APP" counter frames 7
"$HK" -s "$S" -a "$APP" timer latency 0.125
"$HK" -s "$S" -a "$APP" timer latency 0.125
# DogStatsD histograms: Prometheus histograms too, default decade bounds
send_lines "$S" "size:100|h|#app:$APP" "size:2000|h|#app:$APP"
# a C app keeps a rate alive while Prometheus starts (20 frames/s)
t_bg env LM_SOCKET="$S" LM_APP=prom-c "$LM_BIN/example_app" -n 0 -r 20
CAPP=$T_PID

# ---- tcpsvd serves lmexport
start_tcpsvd() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" 2>"$T_DIR/serve.err"
}
if serve start_tcpsvd; then
	ok "tcpsvd serves lmexport"
else
	fail "tcpsvd serves lmexport" "$(t_head "$T_DIR/serve.err")"
	t_done
fi
SPORT=$PORT
check "curl through tcpsvd: the gauge" "$(t_head "$T_DIR/curl.out")" \
	grep -q "^x{app=\"$APP\",uid=\"[0-9]*\"} 42\$" "$T_DIR/curl.out"

# ---- Prometheus scrapes it every second
prom_config "livemetrics:$SPORT"
if have promtool; then
	t_case "promtool check config" 0 - - promtool check config "$T_DIR/prometheus.yml"
fi
if ! prom_start "$T_DIR/prometheus.yml"; then
	fail "prometheus starts" "$(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
	t_done
fi
ok "prometheus starts on 127.0.0.1:$PPORT"

if wait_for 30 has "x{app=\"$APP\"}" 42; then
	ok "query API: x{app=\"$APP\"} = 42"
else
	fail "query API: x{app=\"$APP\"} = 42" "got '$(query "x{app=\"$APP\"}")'; $(cut -c1-200 "$T_DIR/q.json")"
	note "prometheus log: $(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
fi
query "x{app=\"$APP\"}" >/dev/null
check "labels: uid from the kernel" "$(cut -c1-200 "$T_DIR/q.json")" \
	grep -q "\"uid\":\"$(id -u)\"" "$T_DIR/q.json"
eq "up{job=livemetrics} = 1" "$(query 'up{job="livemetrics"}')" 1
eq "counter frames_total = 7" "$(query "frames_total{app=\"$APP\"}")" 7
eq "histogram count = 2" "$(query "latency_seconds_count{app=\"$APP\"}")" 2
eq "histogram sum = 0.25" "$(query "latency_seconds_sum{app=\"$APP\"}")" 0.25
eq "histogram bucket le=0.25 = 2" "$(query "latency_seconds_bucket{app=\"$APP\",le=\"0.25\"}")" 2
eq "histogram bucket le=0.1 = 0" "$(query "latency_seconds_bucket{app=\"$APP\",le=\"0.1\"}")" 0
v=$(query "histogram_quantile(0.5, latency_seconds_bucket{app=\"$APP\"})")
check "histogram_quantile(0.5) within (0.1, 0.25]" "got '$v'" \
	awk -v v="$v" 'BEGIN { exit !(v > 0.1 && v <= 0.25) }'
eq "h histogram count = 2" "$(query "size_count{app=\"$APP\"}")" 2
eq "h histogram bucket le=1000.0 (OpenMetrics) = 1" "$(query "size_bucket{app=\"$APP\",le=\"1000.0\"}")" 1
eq "h histogram bucket le=10000.0 (OpenMetrics) = 2" "$(query "size_bucket{app=\"$APP\",le=\"10000.0\"}")" 2
v=$(query 'fps_hertz{app="prom-c"}')
check "rate from the C app: fps_hertz > 0" "got '$v'" num_gt "$v" 0
v=$(query 'fps_events_total{app="prom-c"}')
check "rate from the C app: fps_events_total > 0" "got '$v'" num_gt "$v" 0
rate_up() {
	num_gt "$(query 'rate(frames_total{app="prom-c"}[10s])')" 0
}
check "PromQL rate() over the C app's frames > 0" \
	"got '$(query 'rate(frames_total{app="prom-c"}[10s])')'" wait_for 15 rate_up
v=$(query 'count({__name__=~"lm_tabled_.+"})')
check "health: lmtabled's own series scraped" "got '$v'" num_gt "$v" 5
eq "no scrape sample was dropped" "$(query 'scrape_samples_post_metric_relabeling{job="livemetrics"} - scrape_samples_scraped{job="livemetrics"}')" 0
# a new value reaches Prometheus on the next scrapes
"$HK" -s "$S" -a "$APP" gauge x 43
if wait_for 15 has "x{app=\"$APP\"}" 43; then
	ok "a new value is scraped: x = 43"
else
	fail "a new value is scraped: x = 43" "got '$(query "x{app=\"$APP\"}")'"
fi
t_stop "$PROM" TERM 10
eq "prometheus stops" "$T_STATUS" 0
t_stop "$SERVER_PID"

# ---- the same lmexport under socat
if have socat; then
	start_socat() {
		t_bg socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" \
			"EXEC:$LM_BIN/lmexport -s $S" 2>"$T_DIR/serve.err"
	}
	if serve start_socat; then
		ok "socat serves lmexport"
		check "curl through socat: the gauge" "$(t_head "$T_DIR/curl.out")" \
			grep -q "^x{app=\"$APP\",uid=\"[0-9]*\"} 43\$" "$T_DIR/curl.out"
		# each answer must reach the client, also the 4xx ones
		for path in /x /metrics /x /nope; do
			curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$path"
			curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$path"
			curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$path"
			curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$path"
			curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT$path"
		done >"$T_DIR/codes"
		eq "curl through socat: 20 answers, none lost (404 for /x and /nope)" \
			"$(sort "$T_DIR/codes" | uniq -c | awk '{ printf "%s", $2 "x" $1 " " }')" "200x5 404x15 "
		t_case "curl through socat: HEAD" 0 '~^HTTP/1\.[01] 200' '' \
			curl -sI "http://127.0.0.1:$PORT/metrics"
		t_stop "$SERVER_PID"
	else
		fail "socat serves lmexport" "$(t_head "$T_DIR/serve.err")"
	fi
else
	skip "socat serves lmexport" "no socat"
fi

t_stop "$CAPP" TERM 5
eq "example_app exits 0 on SIGTERM" "$T_STATUS" 0
t_done
