#!/bin/sh
# make bench: hook cost, ingest, scrape, footprint and overhead, next to
# the peers (collectd's unixsock and write_prometheus, the pushgateway, a
# static program under the same tcpsvd); prints the report and writes it
# to docs/benchmarks.md, followed by test/bench/notes.md.
# usage: sh test/bench/run.sh BUILDDIR
# Environment: LM_BENCH_REPS rounds per case (default 5), LM_BENCH_OUT
# where the report goes (default docs/benchmarks.md).
# Every process started here is stopped on exit, failure or Ctrl-C.
set -u
prog=bench
B=$(cd "${1:-build}" && pwd) || exit 100
top=$(cd "$(dirname "$0")/../.." && pwd)
R=${LM_BENCH_REPS:-5}
out_md=${LM_BENCH_OUT:-$top/docs/benchmarks.md}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmbench.XXXXXX") || exit 111
pids=

cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 50 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

die() {
	echo "$prog: fatal: $*" >&2
	exit 111
}
info() {
	echo "$prog: info: $*" >&2
}

# bg CMD...: start CMD in the background; its pid in LAST
bg() {
	"$@" &
	LAST=$!
	pids="$pids $LAST"
}
# stop PID: TERM, wait, KILL
stop() {
	kill -TERM "$1" 2>/dev/null
	n=0
	while kill -0 "$1" 2>/dev/null && [ "$n" -lt 50 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	np=
	for p in $pids; do
		[ "$p" = "$1" ] || np="$np $p"
	done
	pids=$np
}

# free_port: a TCP port of 127.0.0.1 that was free a moment ago
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => 0, Proto => "tcp", Listen => 1, ReuseAddr => 1)
			or die "free_port: $!\n";
		print $s->sockport, "\n";'
}

# show CMD...: the command as the report prints it (temp dir as $T)
show() {
	echo "$*" | sed "s|$tmp|\$T|g; s|$B/|build/|g; s|$top/||g" >>"$tmp/cmds"
}

# med < numbers: the median; st FMT < numbers: "median (min-max)"
med() {
	sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
st() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf f " (" f "-" f ")\n", m, v[1], v[NR] }'
}
rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
hwm() {
	awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
mib() {
	awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }'
}

# start_tabled NAME [ARGS]: lmtabled on $tmp/NAME.sock; pid in TABLED
start_tabled() {
	_s=$tmp/$1.sock
	shift
	: >"$_s.ready"
	bg "$B/lmtabled" -s "$_s" -d 3 "$@" 3>"$_s.ready" 2>>"$tmp/lmtabled.err"
	TABLED=$LAST
	n=0
	while [ ! -s "$_s.ready" ]; do
		n=$((n + 1))
		[ "$n" -lt 200 ] || die "lmtabled did not start: $(cat "$tmp/lmtabled.err")"
		sleep 0.05
	done
}

# series SOCK [PREFIX]: series the app "bench" holds (named bench_f..., or PREFIX...)
series() {
	"$B/lmhook" -s "$1" dump 2>/dev/null | grep -c "^${2:-bench_f}"
}
# wait_series SOCK N [PREFIX]
wait_series() {
	n=0
	while [ "$(series "$1" "${3:-}")" -lt "$2" ]; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || die "lmtabled holds $(series "$1" "${3:-}") of $2 series"
		sleep 0.05
	done
}

for b in lmhook lmtabled lmexport lmprobe bench_hook bench_load bench_scrape bench_static bench_app; do
	[ -x "$B/$b" ] || die "$B/$b is missing: make all and the bench_* programs first"
done
have() { command -v "$1" >/dev/null 2>&1; }
PATH=$PATH:/usr/sbin:/sbin
have tcpsvd || die "tcpsvd is missing: sh scripts/deps.sh bench (Debian ipsvd)"
have perl || die "perl is missing"
collectd=$(command -v collectd)
pgw=$(command -v prometheus-pushgateway)
cdplug=
for d in /usr/lib/collectd /usr/lib/*/collectd /usr/local/lib/collectd; do
	[ -f "$d/unixsock.so" ] && [ -f "$d/write_prometheus.so" ] && { cdplug=$d; break; }
done
if [ -z "$collectd" ] || [ -z "$cdplug" ]; then
	collectd=
	info "no collectd with unixsock and write_prometheus: its columns stay empty"
fi
[ -n "$pgw" ] || info "no prometheus-pushgateway: its columns stay empty"
py=
for p in /usr/bin/python3 python3; do
	if have "$p" && "$p" -c 'import prometheus_client' 2>/dev/null; then py=$p; break; fi
done

rep=$tmp/report.md
: >"$tmp/cmds"
T0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

# ---------------------------------------------------------------- peers

start_collectd() {
	cdport=$(free_port)
	mkdir -p "$tmp/collectd"
	cat >"$tmp/collectd/collectd.conf" <<EOF
Hostname "bench"
FQDNLookup false
BaseDir "$tmp/collectd"
PIDFile "$tmp/collectd/collectd.pid"
PluginDir "$cdplug"
TypesDB "/usr/share/collectd/types.db"
AutoLoadPlugin false
Interval 10
LoadPlugin logfile
<Plugin logfile>
  LogLevel "warning"
  File "$tmp/collectd/log"
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$tmp/collectd/sock"
  SocketGroup "$(id -gn)"
  SocketPerms "0600"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$cdport"
</Plugin>
EOF
	bg "$collectd" -f -C "$tmp/collectd/collectd.conf" >>"$tmp/collectd/out" 2>&1
	CD=$LAST
	"$B/bench_scrape" -w "$cdport" /metrics 0 || die "collectd's write_prometheus did not start"
	n=0
	while [ ! -S "$tmp/collectd/sock" ]; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || die "collectd's unixsock did not start"
		sleep 0.05
	done
}
start_pgw() {
	pgport=$(free_port)
	bg "$pgw" --web.listen-address="127.0.0.1:$pgport" --log.level=warn \
		--persistence.file= >>"$tmp/pushgateway.log" 2>&1
	PG=$LAST
	"$B/bench_scrape" -w "$pgport" /metrics 0 || die "the pushgateway did not start"
}

# ---------------------------------------------------------------- scrape and footprint

info "scrape and footprint"
rss_100='' rss_1000='' rss_10000='' rss_100000=''
for S in 100 1000 10000 100000; do
	start_tabled "s$S" -n 200000 -p 200000
	[ "$S" = 10000 ] && { tab_idle=$(rss "$TABLED"); sleep 0.2; tab_idle=$(rss "$TABLED"); }
	"$B/bench_load" fill-lm "$tmp/s$S.sock" "$S" || die "fill-lm failed"
	wait_series "$tmp/s$S.sock" "$S"
	port=$(free_port)
	bg tcpsvd -l bench 127.0.0.1 "$port" "$B/lmexport" -s "$tmp/s$S.sock"
	eval "tcpsvd_$S=$LAST port_$S=$port tabled_$S=$TABLED"
	[ "$S" = 10000 ] && tab=$TABLED
	"$B/bench_scrape" -w -o "$tmp/answer.$S" "$port" /metrics 1 >/dev/null \
		|| die "lmexport under tcpsvd did not answer 200"
	# lmtabled's footprint with the series and their rendered text
	eval "rss_$S=$(rss "$TABLED")"
done
show "$B/lmtabled -s $tmp/s10000.sock -p 20000 -d 3 &"
show "$B/bench_load fill-lm $tmp/s10000.sock 10000   # 100 families x 100 series (and 100, 1000)"
show "tcpsvd -l bench 127.0.0.1 PORT $B/lmexport -s $tmp/s10000.sock &"
# the static floor serves the 10,000-series answer lmexport gave
sport=$(free_port)
bg tcpsvd -l bench 127.0.0.1 "$sport" "$B/bench_static" "$tmp/answer.10000"
show "tcpsvd -l bench 127.0.0.1 PORT2 $B/bench_static ANSWER   # ANSWER: lmexport's whole 10,000-series answer"
"$B/bench_scrape" -w "$sport" /metrics 1 >/dev/null || die "bench_static did not answer"
if [ -n "$collectd" ]; then
	start_collectd
	sleep 0.3
	cd_idle=$(rss "$CD")
	"$B/bench_load" fill-collectd "$tmp/collectd/sock" 10000 || die "fill-collectd failed"
	show "collectd -f -C $tmp/collectd/collectd.conf &   # unixsock + write_prometheus on 127.0.0.1:PORT3"
	show "$B/bench_load fill-collectd $tmp/collectd/sock 10000"
	"$B/bench_scrape" "$cdport" /metrics 1 >/dev/null
fi
if [ -n "$pgw" ]; then
	start_pgw
	sleep 0.3
	pg_idle=$(rss "$PG")
	"$B/bench_load" fill-pgw "$pgport" 10000 || die "fill-pgw failed"
	show "prometheus-pushgateway --web.listen-address=127.0.0.1:PORT4 --log.level=warn &"
	show "$B/bench_load fill-pgw PORT4 10000"
	"$B/bench_scrape" "$pgport" /metrics 1 >/dev/null
fi
show "$B/bench_scrape PORTn /metrics 3   # x $R rounds, the targets in turn; a round's figure is the median of 3"
: >"$tmp/scr"
for r in $(seq "$R"); do
	for tgt in 100 1000 10000 100000 static collectd pgw; do
		case $tgt in
		static) p=$sport ;;
		collectd) [ -n "$collectd" ] || continue; p=$cdport ;;
		pgw) [ -n "$pgw" ] || continue; p=$pgport ;;
		*) eval "p=\$port_$tgt" ;;
		esac
		"$B/bench_scrape" "$p" /metrics 3 >"$tmp/one" || die "scrape of $tgt failed"
		echo "$r $tgt $(cut -d' ' -f1 "$tmp/one" | med) $(cut -d' ' -f2 "$tmp/one" | med)" >>"$tmp/scr"
	done
done
# per round: lmexport 10,000 / static, collectd / static, pgw / static
ratio_of() {
	awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 }
		END { for (r in x) if (r in y) print x[r] / y[r] }' "$tmp/scr"
}
scrape_row() {
	_lat=$(awk -v t="$1" '$2 == t { print $3 / 1000 }' "$tmp/scr" | st %.2f)
	_by=$(awk -v t="$1" '$2 == t { print $4 }' "$tmp/scr" | med)
	_x=$(ratio_of "$1" static | st %.2f)
	_cd=-
	_pg=-
	[ -n "$collectd" ] && _cd=$(ratio_of collectd "$1" | st %.2f)
	[ -n "$pgw" ] && _pg=$(ratio_of pgw "$1" | st %.2f)
	echo "| $2 | $3 | $_lat | $_by | $_x | $_cd | $_pg |"
}
tab_10k=$(rss "$tab")
tab_hwm=$(hwm "$tab")
# 10,000 timer series, each with 32 observations spread over 1 ms .. 100 ms
# (log-uniform: about 53 buckets a series)
start_tabled tmr -p 20000
"$B/bench_load" fill-lm-timers "$tmp/tmr.sock" 10000 || die "fill-lm-timers failed"
wait_series "$tmp/tmr.sock" 10000 bench_t
tab_tmr=$(rss "$TABLED")
stop "$TABLED"
show "$B/bench_load fill-lm-timers $tmp/tmr.sock 10000   # 10,000 timers, 32 values each over 1..100 ms"
[ -n "$collectd" ] && { cd_10k=$(rss "$CD"); cd_hwm=$(hwm "$CD"); }
[ -n "$pgw" ] && { pg_10k=$(rss "$PG"); pg_hwm=$(hwm "$PG"); }
scr_x=$(ratio_of 10000 static | med | awk '{ printf "%.2f", $1 }')
scr_cd=$( [ -n "$collectd" ] && ratio_of collectd 10000 | med | awk '{ printf "%.1f", $1 }')
scr_pg=$( [ -n "$pgw" ] && ratio_of pgw 10000 | med | awk '{ printf "%.1f", $1 }')
{
	echo "## Scrape: one scrape, inetd-style"
	echo
	echo "Each scrape a new TCP connection to 127.0.0.1, \`GET /metrics\`, read to EOF."
	echo "$R rounds, every target once a round (median of 3 scrapes); median (min-max) over rounds."
	echo "\"x floor\": the target's latency over the static floor's in the same round;"
	echo "\"collectd / it\", \"pushgateway / it\": theirs (10,000 series) over the target's, same round."
	echo "lmexport asks lmtabled for the exposition, which the table renders from its"
	echo "series and keeps per family until one changes (nothing changes between these scrapes)."
	echo
	echo "| target | series | ms per scrape | bytes | x floor | collectd / it | pushgateway / it |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	scrape_row 100 "lmexport under tcpsvd" 100
	scrape_row 1000 "lmexport under tcpsvd" "1,000"
	scrape_row 10000 "lmexport under tcpsvd" "10,000"
	scrape_row 100000 "lmexport under tcpsvd" "100,000"
	scrape_row static "static floor: \`bench_static\` under tcpsvd, the same answer" "10,000"
	[ -n "$collectd" ] && scrape_row collectd "collectd write_prometheus (libmicrohttpd)" "10,000"
	[ -n "$pgw" ] && scrape_row pgw "pushgateway" "10,000 + its own"
	echo
} >"$tmp/sec.scrape"
for S in 100 1000 10000 100000; do
	eval "stop \$tcpsvd_$S; stop \$tabled_$S"
done
[ -n "$collectd" ] && { "$B/bench_scrape" "$cdport" /metrics 1 >/dev/null; }

# ---------------------------------------------------------------- hook cost

info "hook cost"
start_tabled hook
show "$B/lmtabled -s $tmp/hook.sock -d 3 &"
show "LM_SOCKET=$tmp/hook.sock $B/bench_hook 2000000 $R"
LM_SOCKET=$tmp/hook.sock "$B/bench_hook" 2000000 "$R" >"$tmp/hook.up" 2>"$tmp/hook.err" || die "bench_hook failed"
show "LM_SOCKET=$tmp/none.sock $B/bench_hook 2000000 $R   # no daemon"
LM_SOCKET=$tmp/none.sock "$B/bench_hook" 2000000 "$R" >"$tmp/hook.down" 2>/dev/null || die "bench_hook failed"
hook_lost=$(sed -n 's/^bench_hook: lost //p' "$tmp/hook.err")
if [ -n "$py" ]; then
	info "python module"
	show "LM_SOCKET=$tmp/hook.sock $py test/bench/python.py 100000"
	LM_SOCKET=$tmp/hook.sock "$py" "$top/test/bench/python.py" 100000 >"$tmp/py" || die "python.py failed"
fi
stop "$TABLED"

# ---------------------------------------------------------------- ingest

info "ingest"
# every daemon holds the 10,000 series of the scrape runs while it takes updates
start_tabled ing -p 20000 -a 4096 -n 1000000
ING=$TABLED
"$B/bench_load" fill-lm "$tmp/ing.sock" 10000 || die "fill-lm failed"
SECS=0.5
show "$B/lmtabled -s $tmp/ing.sock -p 20000 -d 3 & $B/bench_load fill-lm $tmp/ing.sock 10000"
show "$B/bench_load lm $tmp/ing.sock RUN SENDERS $SECS LINES 0   # blocking sends: back-pressure, nothing can be lost"
show "$B/bench_load lm-mm $tmp/ing.sock RUN SENDERS $SECS   # one line a datagram, 32 datagrams a sendmmsg()"
show "$B/bench_load floor-one RUN SENDERS $SECS; $B/bench_load floor-mm RUN SENDERS $SECS   # the same to a bare receiver"
[ -n "$collectd" ] && show "$B/bench_load collectd $tmp/collectd/sock RUN SENDERS $SECS"
[ -n "$pgw" ] && show "$B/bench_load pgw PORT4 RUN SENDERS $SECS 100"
show "$B/bench_load lm $tmp/ing.sock RUN 1 $SECS 100 RATE   # paced; a send waits up to 100 ms, as the hook's"
show "$B/bench_load lm $tmp/ing.sock RUN 1 $SECS 100 -RATE   # paced, fire and forget (non-blocking); -1: unpaced"
: >"$tmp/ing"
run=0
for r in $(seq "$R"); do
	for c in "lm1x100 lm 1 100" "lm4x100 lm 4 100" "lm1x1 lm 1 1" "lm4x1 lm 4 1" \
	    "lm1mm lm-mm 1" "lm4mm lm-mm 4" "fl1 floor-one 1" "fl4 floor-one 4" \
	    "fm1 floor-mm 1" "fm4 floor-mm 4" \
	    "cd1 collectd 1" "cd4 collectd 4" "pg1 pgw 1" "pg4 pgw 4"; do
		# shellcheck disable=SC2086 # the case's words
		set -- $c
		run=$((run + 1))
		case $2 in
		lm) o=$("$B/bench_load" lm "$tmp/ing.sock" "$run" "$3" "$SECS" "$4" 0) ;;
		lm-mm) o=$("$B/bench_load" lm-mm "$tmp/ing.sock" "$run" "$3" "$SECS") ;;
		floor-*) o=$("$B/bench_load" "$2" "$run" "$3" "$SECS") ;;
		collectd) [ -n "$collectd" ] || continue
			o=$("$B/bench_load" collectd "$tmp/collectd/sock" "$run" "$3" "$SECS") ;;
		pgw) [ -n "$pgw" ] || continue
			o=$("$B/bench_load" pgw "$pgport" "$run" "$3" "$SECS" 100) ;;
		esac || info "$1: less arrived than was sent: $o"
		echo "$r $1 $o" >>"$tmp/ing"
	done
	for rate in 500000 1000000 2000000 3000000 4000000 -500000 -1000000 -1; do
		run=$((run + 1))
		o=$("$B/bench_load" lm "$tmp/ing.sock" "$run" 1 "$SECS" 100 "$rate")
		echo "$r pace$rate $o" >>"$tmp/ing"
	done
done
"$B/lmhook" -s "$tmp/ing.sock" dump 2>/dev/null | grep '^lm_tabled_\(datagrams\|lines\)' >"$tmp/health"
# fields: round case sent S lost L arrived A secs T rate X
ing_rate() { awk -v c="$1" '$2 == c { print $12 }' "$tmp/ing"; }
ing_ratio() {
	awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $12 } $2 == b { y[$1] = $12 }
		END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$tmp/ing"
}
ing_lost() { awk -v c="$1" '$2 == c { s += $4 - $8 } END { print s + 0 }' "$tmp/ing"; }
ing_row() {
	echo "| $2 | $(ing_rate "$1" | awk '{ print $1 / 1e6 }' | st %.3f) | $(ing_lost "$1") | $(ing_ratio "$1" "$3" | st %.1f) | $(ing_ratio "$1" "$4" | st %.1f) |"
}
lm1=$(ing_rate lm1x100 | med)
lm1_cd=$(ing_ratio lm1x100 cd1 | med | awk '$1 != "-" { printf "%.1f", $1 }')
lm4_cd=$(ing_ratio lm4x100 cd4 | med | awk '$1 != "-" { printf "%.1f", $1 }')
lm1x1=$(ing_rate lm1x1 | med)
lm1mm=$(ing_rate lm1mm | med)
lm1mm_fl=$(ing_ratio lm1mm fm1 | med | awk '$1 != "-" { printf "%.2f", $1 }')
lm1x1_fl=$(ing_ratio lm1x1 fl1 | med | awk '$1 != "-" { printf "%.2f", $1 }')
lm4x1_cd=$(ing_ratio lm4x1 cd4 | med | awk '$1 != "-" { printf "%.1f", $1 }')
lm4mm_cd=$(ing_ratio lm4mm cd4 | med | awk '$1 != "-" { printf "%.1f", $1 }')
fl4_cd=$(ing_ratio fm4 cd4 | med | awk '$1 != "-" { printf "%.1f", $1 }')
{
	echo "## Ingest: updates per second the daemon takes"
	echo
	echo "Each case: SENDERS processes send for $SECS s, then the count of what arrived is"
	echo "polled until it is all there (lmtabled: the sum of the run's counters in \`lmhook dump\`;"
	echo "collectd: \"0 Success\" answers, done when GETVAL shows each sender's last value;"
	echo "pushgateway: the samples of 2xx answers). M updates/s from the first send until all"
	echo "had arrived. Senders to lmtabled block when its queue is full, so nothing is lost"
	echo "and the rate is what the daemon takes. collectd gets one \`PUTVAL\` line per update,"
	echo "pipelined on its unix stream socket; the pushgateway 100 samples per POST on a"
	echo "keep-alive connection. $R rounds, the cases in turn; ratios within a round."
	echo
	echo "| case | M updates/s | lost | x collectd unixsock | x pushgateway |"
	echo "|---|---:|---:|---:|---:|"
	ing_row lm1x100 "lmtabled, 1 sender, 100 lines a datagram" cd1 pg1
	ing_row lm4x100 "lmtabled, 4 senders, 100 lines a datagram" cd4 pg4
	ing_row lm1x1 "lmtabled, 1 sender, 1 line a datagram (StatsD style)" cd1 pg1
	ing_row lm4x1 "lmtabled, 4 senders, 1 line a datagram" cd4 pg4
	ing_row lm1mm "lmtabled, 1 sender, 1 line a datagram, 32 datagrams a \`sendmmsg()\`" cd1 pg1
	ing_row lm4mm "lmtabled, 4 senders, 1 line a datagram, 32 datagrams a \`sendmmsg()\`" cd4 pg4
	[ -n "$collectd" ] && ing_row cd1 "collectd unixsock, 1 sender" cd1 pg1
	[ -n "$collectd" ] && ing_row cd4 "collectd unixsock, 4 senders" cd4 pg4
	[ -n "$pgw" ] && ing_row pg1 "pushgateway, 1 sender" cd1 pg1
	[ -n "$pgw" ] && ing_row pg4 "pushgateway, 4 senders" cd4 pg4
	echo
	echo "### One line a datagram: the kernel's floor"
	echo
	echo "The floor: the same one-line datagrams, from the same senders, to a bare receiver"
	echo "on a unix datagram socket of its own (credentials on, as lmtabled's) that takes"
	echo "them 32 a \`recvmmsg()\` and only counts them: what this kernel and machine allow"
	echo "for the transport, before any work on the lines. \"x floor\": lmtabled's rate over"
	echo "the floor's with the same senders, within a round. A sender that makes one"
	echo "\`send()\` a datagram (as StatsD clients do) is bound by its own system call; one"
	echo "that hands 32 datagrams to one \`sendmmsg()\` is not, and shows what the daemon"
	echo "takes. The queue holds net.unix.max_dgram_qlen ($(cat /proc/sys/net/unix/max_dgram_qlen 2>/dev/null || echo '?')) datagrams."
	echo
	echo "| senders | sends | floor M/s | lmtabled M/s | x floor |"
	echo "|---|---|---:|---:|---:|"
	for c in "1 one fl1 lm1x1" "4 one fl4 lm4x1" "1 mm fm1 lm1mm" "4 mm fm4 lm4mm"; do
		# shellcheck disable=SC2086 # the row's words
		set -- $c
		[ "$2" = one ] && k="one \`send()\` a datagram" || k="32 datagrams a \`sendmmsg()\`"
		echo "| $1 | $k | $(ing_rate "$3" | awk '{ print $1 / 1e6 }' | st %.3f) | $(ing_rate "$4" | awk '{ print $1 / 1e6 }' | st %.3f) | $(ing_ratio "$4" "$3" | st %.2f) |"
	done
	echo
	echo "### Where loss starts: 1 sender, 100 lines a datagram, paced"
	echo
	echo "\"waits\": a send waits at most 100 ms for room in the daemon's queue, as the"
	echo "hook's sender (lm_send) does; past the daemon's pace the sender falls behind"
	echo "rather than lose. \"fire and forget\": non-blocking sends, a refused one is lost"
	echo "(StatsD style); Linux queues at most net.unix.max_dgram_qlen ($(cat /proc/sys/net/unix/max_dgram_qlen 2>/dev/null || echo '?'))"
	echo "datagrams on a unix datagram socket."
	echo
	echo "| sends | offered M updates/s | taken M updates/s | lost % (median of rounds) |"
	echo "|---|---:|---:|---:|"
	for rate in 500000 1000000 2000000 3000000 4000000 -500000 -1000000 -1; do
		case $rate in
		-1) m="fire and forget"; o=unpaced ;;
		-*) m="fire and forget"; o=$(awk -v r="$rate" 'BEGIN { print -r / 1e6 }') ;;
		*) m=waits; o=$(awk -v r="$rate" 'BEGIN { print r / 1e6 }') ;;
		esac
		echo "| $m | $o | $(ing_rate "pace$rate" | awk '{ print $1 / 1e6 }' | st %.3f) | $(awk -v c="pace$rate" '$2 == c { if ($4 + $6 > 0) printf "%.1f\n", 100 * $6 / ($4 + $6); else print 0 }' "$tmp/ing" | med) |"
	done
	echo
	echo "lmtabled's own count after all ingest runs (\`lmhook dump\`):"
	echo
	echo '```'
	cat "$tmp/health"
	echo '```'
	echo
} >"$tmp/sec.ingest"
# the lowest offered rate (sends that wait) at which some round lost, and
# the highest the daemon took from that sender
loss_at=$(awk '$2 ~ /^pace[0-9]/ && $6 > 0 { r = substr($2, 5); if (min == "" || r + 0 < min + 0) min = r } END { print min }' "$tmp/ing")
pace_max=$(awk '$2 ~ /^pace[0-9]/ { print $12 }' "$tmp/ing" | sort -g | tail -n 1)
stop "$ING"

# ---------------------------------------------------------------- overhead in a session

info "overhead"
start_tabled ovh
show "LM_SOCKET=$tmp/ovh.sock $B/bench_app work RATE $R   # RATE 1000, 10000"
: >"$tmp/ovh"
for rate in 1000 10000; do
	LM_SOCKET=$tmp/ovh.sock "$B/bench_app" work "$rate" "$R" | sed "s/^/$rate /" >>"$tmp/ovh" || die "bench_app failed"
done
show "$B/bench_app cpu 10 $B/lmprobe -s $tmp/ovh.sock -i 1 -p PID proc tree cgroup   # 3 at once"
pp=
for i in 1 2 3; do
	"$B/bench_app" cpu 10 "$B/lmprobe" -s "$tmp/ovh.sock" -i 1 -p "$TABLED" proc tree cgroup >"$tmp/probe.$i" &
	pp="$pp $!"
	pids="$pids $!"
done
for p in $pp; do
	wait "$p" || die "bench_app cpu lmprobe failed"
done
stop "$TABLED"
probe_ms=$(cat "$tmp"/probe.* | awk '{ print 1000 * $1 / $2 }' | st %.2f)
{
	echo "## Overhead in a session"
	echo
	echo "An app does a fixed amount of arithmetic (about 0.5 s) cut into frames, at 1,000"
	echo "and 10,000 frames a second; each hooked frame makes a timer pair, a counter"
	echo "increment and a gauge set (3 updates). Plain and hooked runs alternate $R times in"
	echo "one process (the sender thread runs throughout, its CPU counted); ratios per pair."
	echo
	echo "| frames/s | updates/s | plain CPU s | hooked CPU s | hooked / plain CPU | hooked / plain wall |"
	echo "|---:|---:|---:|---:|---:|---:|"
	for rate in 1000 10000; do
		echo "| $rate | $((rate * 3)) | $(awk -v r=$rate '$1 == r { print $2 }' "$tmp/ovh" | st %.3f) | $(awk -v r=$rate '$1 == r { print $3 }' "$tmp/ovh" | st %.3f) | $(awk -v r=$rate '$1 == r { print $3 / $2 }' "$tmp/ovh" | st %.3f) | $(awk -v r=$rate '$1 == r { print $5 / $4 }' "$tmp/ovh" | st %.3f) |"
	done
	echo
	echo "lmprobe at 1 Hz (sources proc, tree and cgroup, sending to lmtabled), 3 runs of 10 s:"
	echo "$probe_ms ms of CPU per second, median (min-max)."
	echo
} >"$tmp/sec.ovh"

# ---------------------------------------------------------------- footprint

size_of() { wc -c <"$1" | tr -d ' '; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
maxbin=0
{
	echo "## Footprint"
	echo
	echo "Resident memory (VmRSS, MiB) of the daemons of the scrape runs; peak (VmHWM) at 10,000."
	echo
	echo "| daemon | idle | at 10,000 series | peak |"
	echo "|---|---:|---:|---:|"
	echo "| lmtabled | $(mib "$tab_idle") | $(mib "$tab_10k") | $(mib "$tab_hwm") |"
	echo "| lmtabled, 10,000 timers (about 53 log buckets each) | | $(mib "$tab_tmr") | |"
	[ -n "$collectd" ] && echo "| collectd (unixsock + write_prometheus) | $(mib "$cd_idle") | $(mib "$cd_10k") | $(mib "$cd_hwm") |"
	[ -n "$pgw" ] && echo "| pushgateway | $(mib "$pg_idle") | $(mib "$pg_10k") | $(mib "$pg_hwm") |"
	echo
	echo "lmtabled as it grows: after the fill and one scrape (the series, their labels, the"
	echo "rendered text of every family, the answer buffer kept for the next scrape)."
	echo
	echo "| series | 100 | 1,000 | 10,000 | 100,000 |"
	echo "|---|---:|---:|---:|---:|"
	echo "| lmtabled MiB | $(mib "$rss_100") | $(mib "$rss_1000") | $(mib "$rss_10000") | $(mib "$rss_100000") |"
	echo "| bytes a series (over 100 series) | | $(awk -v a="$rss_100" -v b="$rss_1000" 'BEGIN { printf "%.0f", (b - a) * 1024 / 900 }') | $(awk -v a="$rss_100" -v b="$rss_10000" 'BEGIN { printf "%.0f", (b - a) * 1024 / 9900 }') | $(awk -v a="$rss_100" -v b="$rss_100000" 'BEGIN { printf "%.0f", (b - a) * 1024 / 99900 }') |"
	echo
	echo "| binary | KiB | linked |"
	echo "|---|---:|---|"
	for b in lmhook lmtabled lmexport lmprobe lmsession; do
		[ -f "$B/$b" ] || continue
		s=$(size_of "$B/$b")
		[ "$s" -gt "$maxbin" ] && maxbin=$s
		echo "| $b | $(kib "$s") | static (musl), stripped |"
	done
	if [ -n "$collectd" ]; then
		echo "| collectd + unixsock.so + write_prometheus.so | $(kib $(( $(size_of "$collectd") + $(size_of "$cdplug/unixsock.so") + $(size_of "$cdplug/write_prometheus.so") ))) | dynamic (glibc, libmicrohttpd, protobuf-c) |"
	fi
	[ -n "$pgw" ] && echo "| prometheus-pushgateway | $(kib "$(size_of "$pgw")") | Go, static |"
	echo
} >"$tmp/sec.foot"
echo "$maxbin" >"$tmp/maxbin"
maxbin=$(cat "$tmp/maxbin")

# ---------------------------------------------------------------- targets

col() { grep -F "$1" "$2" | head -n 1 | awk -F'|' -v c="$3" '{ gsub(/ /, "", $c); print $c }'; }
c_inc=$(col 'lm_counter_inc`' "$tmp/hook.up" 3)
c_tmr=$(col 'lm_timer_start`' "$tmp/hook.up" 3)
py_x=$( [ -n "$py" ] && col 'counter +1: ' "$tmp/py" 6 | sed 's/(.*//')
py_obs=$( [ -n "$py" ] && col 'timer/histogram observe' "$tmp/py" 6 | sed 's/(.*//')
yes_no() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { if (a == "" || a == "-") { print "?"; exit }
	ok = op == "<" ? a + 0 < b + 0 : op == "<=" ? a + 0 <= b + 0 : a + 0 >= b + 0
	print ok ? "met" : "**not met**" }'; }
{
	echo "## Targets"
	echo
	echo "| target | measured | |"
	echo "|---|---|---|"
	echo "| C counter increment < 20 ns | $c_inc ns | $(yes_no "$c_inc" 20 '<') |"
	echo "| C timer pair < 100 ns amortised | $c_tmr ns | $(yes_no "$c_tmr" 100 '<') |"
	echo "| nothing lost at 1 M updates/s from one thread | $( [ "$hook_lost" = 0 ] && echo "0 lost" || echo "lost") | $( [ "$hook_lost" = 0 ] && echo met || echo '**not met**') |"
	echo "| Python counter at or below prometheus_client's \`Counter.inc\` | x $py_x | $(yes_no "$py_x" 1 '<=') |"
	echo "| lmtabled ingest >= 2.5 M updates/s into 10,000 series, nothing lost (1 sender, 100 lines a datagram) | $(awk -v r="$lm1" 'BEGIN { printf "%.2f M/s", r / 1e6 }') | $(yes_no "$lm1" 2500000 '>=') |"
	echo "| ... and >= 10x collectd's unixsock (1 sender; 4 senders) | x $lm1_cd; x $lm4_cd | $(yes_no "$lm1_cd" 10 '>='); $(yes_no "$lm4_cd" 10 '>=') |"
	echo "| one line a datagram (StatsD style) >= 1 M updates/s, 1 sender (32 datagrams a \`sendmmsg()\`) | $(awk -v r="$lm1mm" 'BEGIN { printf "%.3f M/s", r / 1e6 }'), x $lm1mm_fl the kernel's floor | $(yes_no "$lm1mm" 1000000 '>=') |"
	echo "| ... the same with one \`send()\` a datagram: the sender's system call bounds it | $(awk -v r="$lm1x1" 'BEGIN { printf "%.3f M/s", r / 1e6 }'), x $lm1x1_fl the kernel's floor | |"
	echo "| ... and >= 3x collectd's unixsock with 4 senders (one \`send()\`; \`sendmmsg()\`) | x $lm4x1_cd; x $lm4mm_cd (the kernel's floor itself: x $fl4_cd) | $(yes_no "$lm4x1_cd" 3 '>='); $(yes_no "$lm4mm_cd" 3 '>=') |"
	echo "| where loss starts (1 sender, sends wait as the hook's do) | ${loss_at:+$(awk -v r="$loss_at" 'BEGIN { print r / 1e6 }') M/s offered}${loss_at:-no loss up to 4 M/s offered}; at most $(awk -v r="$pace_max" 'BEGIN { printf "%.2f", r / 1e6 }') M/s taken | |"
	echo "| 10,000-series scrape within 1.5x the static floor | x $scr_x | $(yes_no "$scr_x" 1.5 '<=') |"
	echo "| ... and >= 3x faster than collectd's write_prometheus; than the pushgateway | x $scr_cd; x $scr_pg | $(yes_no "$scr_cd" 3 '>='); $(yes_no "$scr_pg" 3 '>=') |"
	echo "| 100,000-series scrape: measured | $(awk '$2 == 100000 { print $3 / 1000 }' "$tmp/scr" | med) ms, lmtabled $(mib "$rss_100000") MiB | |"
	echo "| lmtabled < 4 MiB RSS at 10,000 series | $(mib "$tab_10k") MiB | $(yes_no "$tab_10k" 4096 '<') |"
	echo "| lmtabled <= 8 MiB RSS at 10,000 timer series with a spread of values | $(mib "$tab_tmr") MiB | $(yes_no "$tab_tmr" 8192 '<=') |"
	echo "| Python timer \`observe()\` <= 0.5x prometheus_client's \`Histogram.observe\` | x $py_obs | $(yes_no "$py_obs" 0.5 '<=') |"
	echo "| each binary < 128 KiB | largest $(kib "$maxbin") KiB | $(yes_no "$maxbin" 131072 '<') |"
	echo
} >"$tmp/sec.targets"

# ---------------------------------------------------------------- report

{
	echo "# Benchmarks"
	echo
	echo "Made by \`make bench\` (test/bench/run.sh, $R rounds a case) on $(date -u +%Y-%m-%d):"
	echo "$(uname -srm), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
	echo "$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*/\1/p' /etc/os-release 2>/dev/null)."
	echo "Peers: $( [ -n "$collectd" ] && "$collectd" -h 2>&1 | sed -n 's/^collectd \([0-9.]*\).*/collectd \1/p' | head -n 1), $( [ -n "$pgw" ] && "$pgw" --version 2>&1 | head -n 1 | sed 's/ (branch.*//'), $(tcpsvd -V 2>&1 | head -n 1 | grep -o 'ipsvd[^ ]* [0-9.]*' || echo ipsvd tcpsvd)."
	echo "A figure is the median over rounds, the spread is (min-max); every ratio is taken"
	echo "within one round of one run, its median shown. The whole run took $(($(date +%s) - T0)) s;"
	echo "the load average (1, 5, 15 min) when it began: ${load0:-?} (the machine is shared)."
	echo
	cat "$tmp/sec.targets"
	echo "## Hook cost: C API, ns per update"
	echo
	echo "In one process: each row $R rounds of 2,000,000 updates (\`sendto()\`: 20,000 calls),"
	echo "the rows in turn. \"x floor\": over the clock_gettime pair; \"x sendto\": over a bare"
	echo "non-blocking \`sendto()\` of one wire line to the same socket."
	echo
	echo "### lmtabled running"
	echo
	cat "$tmp/hook.up"
	echo
	echo "### no daemon"
	echo
	cat "$tmp/hook.down"
	echo
	[ -n "$py" ] && { sed 's/^## /### /' "$tmp/py"; echo; }
	cat "$tmp/sec.ingest" "$tmp/sec.scrape" "$tmp/sec.foot" "$tmp/sec.ovh"
	echo "## Commands"
	echo
	echo "\`\$T\` is the run's temp dir, PORTn free ports of 127.0.0.1 (bound to port 0 and read back)."
	echo
	echo '```'
	cat "$tmp/cmds"
	echo '```'
	echo
	[ -f "$top/test/bench/notes.md" ] && cat "$top/test/bench/notes.md"
} >"$rep"
cat "$rep"
if ! cp "$rep" "$out_md.tmp" || ! mv "$out_md.tmp" "$out_md"; then
	die "unable to write $out_md"
fi
info "wrote $out_md"
