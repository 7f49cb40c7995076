#!/bin/sh
# demo.sh BUILDDIR: the live demo that `make demo` runs.
# In a private temp dir: starts lmtabled (-v, readiness on -d), serves
# lmexport with tcpsvd on a free port of 127.0.0.1, runs the C example app
# (BUILDDIR/example_app) and the POSIX sh one (docs/examples/app.sh), shows
# the metrics arriving (curl of /metrics each second, then the series and
# the table), and stops everything it started, also on ^C.
# Environment: LM_DEMO_SECONDS (how long the apps run, default 5).
# Exit: 0 ok, 100 usage or something missing, 111 a step failed.
set -u
prog=demo.sh

die() {
	code=$1
	shift
	echo "$prog: fatal: $*" >&2
	exit "$code"
}
say() {
	printf '\n-- %s\n' "$*"
}

[ $# -eq 1 ] || die 100 "usage: sh scripts/demo.sh BUILDDIR"
bin=$(cd "$1" 2>/dev/null && pwd) || die 100 "no build directory $1: run make first"
root=$(cd "${0%/*}/.." && pwd)
secs=${LM_DEMO_SECONDS:-5}
case $secs in '' | *[!0-9]*) die 100 "bad LM_DEMO_SECONDS: $secs" ;; esac
for b in lmtabled lmhook lmexport example_app; do
	[ -x "$bin/$b" ] || die 100 "missing $bin/$b: run make all"
done
for c in tcpsvd curl perl; do
	command -v "$c" >/dev/null 2>&1 || die 100 "missing $c: run sh scripts/deps.sh demo as root"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/livemetrics-demo.XXXXXX") || die 111 "unable to make a temp dir"
pids=

# alive PID: PID runs (not gone, not a zombie waiting to be reaped)
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# stop PID...: SIGTERM, wait at most 5 s, then SIGKILL; reap
stop() {
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		n=50
		while alive "$p" && [ "$n" -gt 0 ]; do
			sleep 0.1
			n=$((n - 1))
		done
		alive "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
cleanup() {
	trap - EXIT INT TERM HUP
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$pids" ] && stop $pids
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

sock=$dir/live_metrics.sock
LM_SOCKET=$sock
export LM_SOCKET
echo "== livemetrics demo: a private lmtabled on $sock"

# ---- lmtabled, ready when it writes a newline on fd 3
mkfifo "$dir/ready" || die 111 "unable to make a fifo in $dir"
"$bin/lmtabled" -v -w 2 -d 3 3>"$dir/ready" 2>"$dir/lmtabled.log" &
tabled=$!
pids="$pids $tabled"
if ! timeout 10 head -n 1 "$dir/ready" >/dev/null || ! [ -S "$sock" ]; then
	cat "$dir/lmtabled.log" >&2
	die 111 "lmtabled did not become ready"
fi
say "lmtabled -v is ready (pid $tabled)"

# ---- lmexport behind tcpsvd, on a free port
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => 0, Proto => "tcp", Listen => 1, ReuseAddr => 1)
			or die "$!\n";
		print $s->sockport, "\n";'
}
served=
for _ in 1 2 3; do
	port=$(free_port) || die 111 "no free port"
	tcpsvd -l localhost 127.0.0.1 "$port" "$bin/lmexport" 2>"$dir/tcpsvd.log" &
	tcpsvd=$!
	n=50
	while [ "$n" -gt 0 ] && alive "$tcpsvd"; do
		if curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; then
			served=1
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	if [ -n "$served" ]; then
		pids="$pids $tcpsvd"
		break
	fi
	stop "$tcpsvd"
done
[ -n "$served" ] || die 111 "tcpsvd did not serve: $(cat "$dir/tcpsvd.log")"
url=http://127.0.0.1:$port/metrics
say "lmexport served by tcpsvd: $url"

# ---- the two example apps
LM_APP=demo-c "$bin/example_app" -n 0 -r 30 >"$dir/app-c.log" 2>&1 &
appc=$!
pids="$pids $appc"
PATH=$bin:$PATH LM_APP=demo-sh sh "$root/docs/examples/app.sh" -n 0 -r 10 \
	>"$dir/app-sh.log" 2>&1 &
appsh=$!
pids="$pids $appsh"
say "running for ${secs}s: example_app (C API, app demo-c, 30 fps) and docs/examples/app.sh (lmhook, app demo-sh, 10 fps)"
echo "   each second, from curl -s $url:"

# watch: one line per app from the exposition (an awk program)
# shellcheck disable=SC2016
watch='
	function val(s) { sub(/.*\} /, "", s); return s }
	/^(frames_total|fps_hertz|x|latency_seconds_count|latency_seconds_sum)\{app="demo-/ {
		name = $0; sub(/\{.*/, "", name)
		app = $0; sub(/^[^"]*"/, "", app); sub(/".*/, "", app)
		v[app, name] = val($0); apps[app] = 1
	}
	END {
		for (a in apps) {
			c = v[a, "latency_seconds_count"]
			printf "   t=%2ds %-8s frames %5d  fps_hertz %5.1f  x %4s  latency avg %6.2f ms\n",
				t, a, v[a, "frames_total"], v[a, "fps_hertz"], v[a, "x"],
				(c > 0 ? 1000 * v[a, "latency_seconds_sum"] / c : 0)
		}
	}'
t=1
while [ "$t" -le "$secs" ]; do
	sleep 1
	curl -s "$url" | awk -v t="$t" "$watch" | sort -k2,2
	t=$((t + 1))
done

say "the apps' series, curl -s $url (histogram buckets left out):"
curl -s "$url" >"$dir/metrics" || die 111 "curl $url failed"
grep -E '^(# (HELP|TYPE) )?(fps_hertz|fps_events_total|frames_total|x|latency_last_seconds|latency_seconds)( |\{|_count\{|_sum\{)' \
	"$dir/metrics" | grep -Ev '^# HELP'
say "lmtabled's health (same scrape):"
grep -E '^lm_tabled_(datagrams_received|lines_applied|apps|series)(_total)? ' "$dir/metrics"
say "the table, lmhook dump (wire lines, one per series):"
"$bin/lmhook" dump | grep 'app:demo-'

stop "$appc" "$appsh"
say "lmtabled -v log, first lines (the table changing live):"
head -n 12 "$dir/lmtabled.log"
echo "   ($(wc -l <"$dir/lmtabled.log" | tr -d ' ') lines in all)"
say "the C app's own count:"
cat "$dir/app-c.log"

# shellcheck disable=SC2086 # a list of pids
stop $pids
pids=
[ -e "$sock" ] && die 111 "lmtabled left its socket behind"
rm -rf "$dir"
say "stopped the apps, tcpsvd and lmtabled; removed $dir"
