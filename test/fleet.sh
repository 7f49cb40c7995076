#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# test/fleet.sh BUILDDIR [N]: the fleet test (make fleet; not in make test).
# N simulated nodes (default 50), each a network namespace of its own with
# an address on a private bridge (the bridge lives in one more namespace,
# the "hub": the host's network is never touched), running the node set-up
# as shipped: lmtabled by scripts/service/s6/lmtabled/run (readiness on
# fd 3), tcpsvd + lmexport by scripts/service/runit/lmexport/run on port
# 9090, and a hooked app (build/example_app, app "detector", 20 frames/s).
# One Prometheus in the hub, configured by docs/fleet/prometheus.yml and
# docs/fleet/rules.yml as written (but for a 2 s interval), finds the nodes
# through a file_sd targets file. Checked through its HTTP API: every
# target up, every node's app series present, the recording rules; then
# one node's lmtabled is killed (its target goes down) and restarted (it
# comes back, and so do the app's series). Prints the figures: N, time to
# all up, scrape durations, Prometheus' own series, samples, memory, CPU.
# Needs root (ip netns), Prometheus, tcpsvd, curl.
# Environment: FLEET_SECONDS (the measuring window, default 30),
# FLEET_INTERVAL (scrape interval, default 2s).
# Exit: 0 all passed (or skipped), 1 a failure, 100 usage.
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: sh test/fleet.sh BUILDDIR [N]" >&2
	exit 100
fi
LM_BIN=$1
N=${2:-50}
case $N in '' | *[!0-9]*) echo "fleet.sh: fatal: bad N: $N" >&2; exit 100 ;; esac
if [ "$N" -lt 1 ] || [ "$N" -gt 1000 ]; then
	echo "fleet.sh: fatal: N must be 1 to 1000: $N" >&2
	exit 100
fi
export LM_BIN
# shellcheck source=test/lib.sh
. "${0%/*}/lib.sh"
T_ROOT=$(cd "${0%/*}/.." && pwd)
SECS=${FLEET_SECONDS:-30}
IVL=${FLEET_INTERVAL:-2s}
PATH=$LM_BIN:$PATH:/usr/sbin:/sbin
export PATH

if [ "$(id -u)" -ne 0 ]; then
	skip "fleet" "not root: network namespaces need root"
	exit 0
fi
for c in ip prometheus tcpsvd curl; do
	if ! have "$c"; then
		skip "fleet" "no $c (sh scripts/deps.sh fleet)"
		exit 0
	fi
done
for b in lmtabled lmexport lmhook example_app; do
	[ -x "$LM_BIN/$b" ] || { fail "fleet" "no $LM_BIN/$b: make all first"; t_done; }
done

# namespaces: unique names, all removed on the way out
NS=lmf$$
HUB=${NS}hub
T_CLEANUP_EXTRA='fleet_down'
fleet_down() {
	for _n in $(ip netns list 2>/dev/null | awk -v p="$NS" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$_n" 2>/dev/null
	done
}
t0=$(date +%s)
# addr I: node I's address on the bridge (10.210.0.1 is the hub)
addr() {
	echo "10.210.$((1 + $1 / 200)).$(($1 % 200 + 10))"
}
# netns_up: make the namespaces, the bridge in the hub, one veth per node
netns_up() {
	{
		echo "netns add $HUB"
		_i=1
		while [ "$_i" -le "$N" ]; do
			echo "netns add ${NS}n$_i"
			_i=$((_i + 1))
		done
	} | ip -batch - || return 1
	{
		echo "link set lo up"
		echo "link add br0 type bridge"
		echo "addr add 10.210.0.1/16 dev br0"
		echo "link set br0 up"
		_i=1
		while [ "$_i" -le "$N" ]; do
			echo "link add v$_i type veth peer name eth0 netns ${NS}n$_i"
			echo "link set v$_i master br0 up"
			_i=$((_i + 1))
		done
	} | ip -n "$HUB" -batch - || return 1
	_i=1
	while [ "$_i" -le "$N" ]; do
		printf 'link set lo up\naddr add %s/16 dev eth0\nlink set eth0 up\n' "$(addr "$_i")" |
			ip -n "${NS}n$_i" -batch - || return 1
		_i=$((_i + 1))
	done
}
if netns_up 2>"$T_DIR/ip.err"; then
	ok "$N network namespaces on a private bridge"
else
	fail "$N network namespaces on a private bridge" "$(t_head "$T_DIR/ip.err")"
	t_done
fi

# ---- the nodes
# start_node_tabled I: lmtabled of node I by the s6 run script, ready on fd 3
start_node_tabled() {
	_d=$T_DIR/n$1
	_f=$(t_fifo) || return 1
	LM_SOCKET=$_d/live_metrics.sock ip netns exec "${NS}n$1" \
		sh "$T_ROOT/scripts/service/s6/lmtabled/run" 3>"$_f" >>"$_d/lmtabled.log" 2>&1 &
	eval "TABLED_$1=$!"
	T_PIDS="$T_PIDS $!"
	t_ready "$_f"
}
nready=0
i=1
while [ "$i" -le "$N" ]; do
	mkdir -p "$T_DIR/n$i"
	start_node_tabled "$i" && nready=$((nready + 1))
	LM_SOCKET=$T_DIR/n$i/live_metrics.sock LM_EXPORT_ADDR=0.0.0.0 LM_EXPORT_PORT=9090 \
		t_bg ip netns exec "${NS}n$i" sh "$T_ROOT/scripts/service/runit/lmexport/run" \
		>"$T_DIR/n$i/lmexport.log" 2>&1
	LM_SOCKET=$T_DIR/n$i/live_metrics.sock LM_APP=detector \
		t_bg ip netns exec "${NS}n$i" example_app -n 0 -r 20 >/dev/null 2>"$T_DIR/n$i/app.err"
	i=$((i + 1))
done
eq "every node's lmtabled ready (s6 run script, -d 3)" "$nready" "$N"
t_nodes=$(date +%s)

# ---- Prometheus in the hub, docs/fleet/ as written, a 2 s interval
P=$T_DIR/prom
mkdir -p "$P/targets"
sed "s/^  scrape_interval: 15s/  scrape_interval: $IVL/; s/^  scrape_timeout: 5s/  scrape_timeout: $IVL/;
	s/^  evaluation_interval: 15s/  evaluation_interval: $IVL/" \
	"$T_ROOT/docs/fleet/prometheus.yml" >"$P/prometheus.yml"
cp "$T_ROOT/docs/fleet/rules.yml" "$P/"
{
	echo '['
	i=1
	while [ "$i" -le "$N" ]; do
		[ "$i" -gt 1 ] && echo ','
		printf '  {"targets": ["%s:9090"], "labels": {"node": "n%d", "board": "sim"}}' "$(addr "$i")" "$i"
		i=$((i + 1))
	done
	echo
	echo ']'
} >"$P/targets/fleet.tmp"
mv "$P/targets/fleet.tmp" "$P/targets/fleet.json"
if have promtool; then
	t_case "promtool check config (the test's copy)" 0 - - promtool check config "$P/prometheus.yml"
fi
t_bg ip netns exec "$HUB" prometheus --config.file="$P/prometheus.yml" \
	--storage.tsdb.path="$P/tsdb" --web.listen-address=127.0.0.1:9090 \
	--log.level=warn 2>"$P/prometheus.log"
PROM=$T_PID
# api PATH [CURL ARGS]: GET the Prometheus API in the hub into $T_DIR/api.json
api() {
	_p=$1
	shift
	ip netns exec "$HUB" curl -sf -m 5 -G "$@" "http://127.0.0.1:9090$_p" >"$T_DIR/api.json" 2>/dev/null
}
# query EXPR: the first result's value (empty when none)
query() {
	api /api/v1/query --data-urlencode "query=$1" || return 1
	sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' "$T_DIR/api.json"
}
has() {
	[ "$(query "$1")" = "$2" ]
}
prom_ready() {
	t_alive "$PROM" && api /-/ready
}
if wait_for 60 prom_ready; then
	ok "prometheus ready in the hub namespace"
else
	fail "prometheus ready" "$(tail -n 3 "$P/prometheus.log" | tr '\n' '|')"
	t_done
fi

if wait_for 90 has 'count(up{job="livemetrics"} == 1)' "$N"; then
	ok "every target up: $N of $N (file_sd)"
else
	fail "every target up" "$(query 'count(up{job="livemetrics"} == 1)') of $N"
fi
t_up=$(date +%s)
eq "relabelling: instance is the node's name" "$(query 'count(up{job="livemetrics",instance=~"n[0-9]+"})')" "$N"
eq "labels of the targets file: board" "$(query 'count(up{job="livemetrics",board="sim"})')" "$N"
if wait_for 30 has 'count(count by (node) (fps_hertz{app="detector"} > 0))' "$N"; then
	ok "every node's app series present (fps_hertz > 0 on $N nodes)"
else
	fail "every node's app series present" "$(query 'count(count by (node) (fps_hertz{app="detector"} > 0))') of $N"
fi
eq "latency histograms from every node" \
	"$(query 'count(count by (node) (latency_seconds_count{app="detector"}))')" "$N"
check "recording rule node_app:fps_hertz:sum: one series per node" \
	"got $(query 'count(node_app:fps_hertz:sum{app="detector"})')" \
	wait_for 20 has 'count(node_app:fps_hertz:sum{app="detector"})' "$N"
note "measuring for ${SECS}s"
sleep "$SECS"
v=$(query 'app:fps_hertz:sum{app="detector"}')
check "recording rule app:fps_hertz:sum near $N x 20 fps" "got '$v'" \
	awk -v v="$v" -v n="$N" 'BEGIN { exit !(v > n * 20 * 0.5 && v < n * 20 * 1.5) }'
v=$(query 'app:latency_seconds:p95{app="detector"}')
check "recording rule app:latency_seconds:p95 is a number > 0" "got '$v'" num_gt "$v" 0
eq "no scrape failed while all ran" "$(query "sum(sum_over_time((1 - up{job=\"livemetrics\"})[${SECS}s:]))")" 0

# ---- the figures
fig() {
	_v=$(query "$2")
	printf '# fleet: %-44s %s\n' "$1" "${_v:-?}"
}
say() {
	printf '# fleet: %-44s %s\n' "$1" "$2"
}
W=${SECS}s
fig "nodes" "count(up{job=\"livemetrics\"})"
say "seconds from start to all nodes ready" "$((t_nodes - t0))"
say "seconds from start to all targets up" "$((t_up - t0))"
say "scrape interval" "$IVL"
fig "scrape duration avg (s)" "avg(avg_over_time(scrape_duration_seconds{job=\"livemetrics\"}[$W]))"
fig "scrape duration p50 over targets (s)" "quantile(0.5, avg_over_time(scrape_duration_seconds{job=\"livemetrics\"}[$W]))"
fig "scrape duration p99 over targets (s)" "quantile(0.99, max_over_time(scrape_duration_seconds{job=\"livemetrics\"}[$W]))"
fig "scrape duration max (s)" "max(max_over_time(scrape_duration_seconds{job=\"livemetrics\"}[$W]))"
fig "samples per scrape (avg)" "avg(scrape_samples_scraped{job=\"livemetrics\"})"
fig "samples per second appended" "sum(rate(prometheus_tsdb_head_samples_appended_total[$W]))"
fig "head series" "prometheus_tsdb_head_series"
fig "prometheus resident memory (MiB)" "process_resident_memory_bytes{job=\"prometheus\"} / 1048576"
fig "prometheus CPU (cores)" "rate(process_cpu_seconds_total{job=\"prometheus\"}[$W])"
fig "rule group evaluation (s)" "max(prometheus_rule_group_last_duration_seconds)"
fig "interval length p99 (s)" "max(prometheus_target_interval_length_seconds{quantile=\"0.99\",interval=\"$IVL\"})"
rss=0
for p in $T_PIDS; do
	case $(cat "/proc/$p/comm" 2>/dev/null) in
	lmtabled) rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"))) ;;
	esac
done
say "lmtabled resident memory per node (KiB)" "$((rss / N))"
say "load average (1 min)" "$(cut -d' ' -f1 /proc/loadavg)"

# ---- one node's daemon killed and restarted
K=$(( (N + 1) / 2 ))
kp=
eval "kp=\$TABLED_$K"
kill -KILL "$kp"
tk=$(date +%s)
if wait_for 30 has "up{job=\"livemetrics\",node=\"n$K\"}" 0; then
	ok "node n$K: lmtabled killed: its target goes down ($(( $(date +%s) - tk ))s)"
else
	fail "node n$K: target down after the kill" "up = $(query "up{node=\"n$K\"}")"
fi
eq "the other nodes stay up" "$(query 'count(up{job="livemetrics"} == 1)')" "$((N - 1))"
if start_node_tabled "$K"; then
	ok "node n$K: lmtabled restarted (stale socket replaced, ready)"
else
	fail "node n$K: lmtabled restarted" "$(tail -n 2 "$T_DIR/n$K/lmtabled.log" | tr '\n' '|')"
fi
tr0=$(date +%s)
if wait_for 30 has "up{job=\"livemetrics\",node=\"n$K\"}" 1; then
	ok "node n$K: its target comes back up ($(( $(date +%s) - tr0 ))s)"
else
	fail "node n$K: target back up" "up = $(query "up{node=\"n$K\"}")"
fi
if wait_for 30 has "count(fps_hertz{app=\"detector\",node=\"n$K\"} > 0)" 1; then
	ok "node n$K: the app's series come back (the C API sends to the new daemon)"
else
	fail "node n$K: the app's series come back" "$(query "fps_hertz{node=\"n$K\"}")"
fi
eq "all $N targets up again" "$(query 'count(up{job="livemetrics"} == 1)')" "$N"

t_stop "$PROM" TERM 15
eq "prometheus stops" "$T_STATUS" 0
say "test seconds" "$(( $(date +%s) - t0 ))"
t_done
