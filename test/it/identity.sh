#!/bin/sh
# lm-test: seconds 28
# shellcheck disable=SC2317 # functions are called through check and wait_for
# identity: what a real Prometheus (scraping tcpsvd lmexport every second)
# sees of an app's lifecycle. A hooked app restarted five times by runit's
# runsv is one set of series whose counter goes on; a hooked app that lives
# 0.3 s is scraped with its final values; lmprobe's series leave the
# exposition within the linger after it dies; an app's metric named up is
# refused, so up{job="livemetrics"} stays Prometheus' own.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
T_TIMEOUT=30

for c in prometheus tcpsvd curl runsv sv; do
	if ! have "$c"; then
		skip "identity through a real Prometheus" "no $c (sh scripts/deps.sh test)"
		t_done
	fi
done
# -l 10: a down app is served 10 s (the default is 35): ten scrapes at 1 s,
# enough for a Prometheus slowed by a loaded machine
if ! start_tabled "$S" -l 10; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi
start_tcpsvd() {
	t_bg tcpsvd -l localhost 127.0.0.1 "$PORT" "$LM_BIN/lmexport" -s "$S" 2>"$T_DIR/serve.err"
}
if ! serve start_tcpsvd; then
	fail "tcpsvd serves lmexport" "$(t_head "$T_DIR/serve.err")"
	t_done
fi
prom_config "livemetrics:$PORT"
if ! prom_start "$T_DIR/prometheus.yml"; then
	fail "prometheus starts" "$(tail -n 3 "$T_DIR/prometheus.log" | tr '\n' '|')"
	t_done
fi
ok "prometheus scrapes tcpsvd lmexport every second"

# ---- reserved names: refused at ingest, named in the reason
t_case "lmhook gauge up 0: refused (reserved)" 0 '' '' "$HK" -s "$S" -a weird gauge up 0
dump "$S" "$T_DIR/d"
eq "reserved: counted" "$(grep '^lm_tabled_lines_rejected:.*reason:reserved' "$T_DIR/d" | sed 's/^[^:]*:\([^|]*\)|.*/\1/')" 1
check "reserved: lmtabled warns (without -v)" "$(t_head "$S.err")" \
	grep -q "^lmtabled: warning: line refused (reserved): the name up " "$S.err"
scraped_up() { has 'count(up{job="livemetrics"})' 1; }
check "up{job=\"livemetrics\"}: one series, Prometheus' own" "$(query 'count(up{job="livemetrics"})')" \
	wait_for 15 scraped_up

# ---- a hooked app that lives 0.3 s: its final values reach Prometheus
t_run env LM_SOCKET="$S" LM_APP=short "$LM_BIN/example_app" -n 6 -r 20
expect "short app: 6 frames in 0.3 s, exit 0" 0 - -
short_seen() { has 'max_over_time(frames_total{app="short"}[1m])' 6; }
check "short app: Prometheus saw frames_total 6" "$(query 'max_over_time(frames_total{app="short"}[1m])')" \
	wait_for 30 short_seen
short_down() { has 'min_over_time(lm_app_up{app="short"}[1m])' 0; }
check "short app: lm_app_up went 0 while its values were still served" \
	"$(query 'min_over_time(lm_app_up{app="short"}[1m])')" wait_for 30 short_down

# ---- five restarts under runsv: one set of series
mkdir -p "$T_DIR/sv/restarty"
# five runs of 10 frames each, then a sixth start that only waits
cat >"$T_DIR/sv/restarty/run" <<RUN
#!/bin/sh
echo start >>"$T_DIR/starts"
[ "\$(wc -l <"$T_DIR/starts")" -le 5 ] || exec sleep 600
exec env LM_SOCKET="$S" LM_APP=restarty "$LM_BIN/example_app" -n 10 -r 50
RUN
: >"$T_DIR/starts"
chmod +x "$T_DIR/sv/restarty/run"
t_bg runsv "$T_DIR/sv/restarty"
RSV=$T_PID
six() { [ "$(wc -l <"$T_DIR/starts")" -ge 6 ]; }
check "runsv ran the app five times" "$(wc -l <"$T_DIR/starts") starts" wait_for 20 six
sv down "$T_DIR/sv/restarty" >/dev/null 2>&1
t_stop "$RSV"
n=5
total=50
all_in() { has 'max_over_time(frames_total{app="restarty"}[2m])' "$total"; }
check "restarts: the counter went on to $total ($n runs of 10 frames)" \
	"$(query 'max_over_time(frames_total{app="restarty"}[2m])')" wait_for 15 all_in
eq "restarts: one series of frames_total, not $n" \
	"$(query 'count(count_over_time(frames_total{app="restarty"}[2m]))')" 1
eq "restarts: one series of latency_seconds_count" \
	"$(query 'count(count_over_time(latency_seconds_count{app="restarty"}[2m]))')" 1
eq "restarts: no pid label" "$(query 'count(count_over_time(frames_total{app="restarty",pid!=""}[2m]))')" ""

# ---- lmprobe dies: its series leave within the linger
t_bg "$LM_BIN/lmprobe" -q -s "$S" -a probed -i 0.2 proc
PRB=$T_PID
expo_has() { "$LM_BIN/lmexport" -s "$S" -p 2>/dev/null | grep -q "app=\"probed\""; }
check "lmprobe: its series in the exposition" "none" wait_for 10 expo_has
t_stop "$PRB"
t0=$(date +%s)
expo_gone() { ! expo_has; }
if wait_for 30 expo_gone; then
	ok "lmprobe killed: its series left the exposition ($(($(date +%s) - t0)) s; linger 10 s)"
else
	fail "lmprobe killed: its series left the exposition" "still there after 30 s"
fi
t_done
