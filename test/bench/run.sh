#!/bin/sh
# make bench: hook cost with lmtabled up and down; writes docs/benchmarks.md.
# usage: sh test/bench/run.sh BUILDDIR
set -eu
B=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

"$B/lmtabled" -s "$tmp/s.sock" -d 3 3>"$tmp/ready" &
pid=$!
i=0
while [ ! -s "$tmp/ready" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "bench: lmtabled did not start" >&2; exit 1; }
	sleep 0.05
done
out=$tmp/bench.md
{
	echo "# Benchmarks"
	echo
	echo "Made by \`make bench\` on $(uname -srm), $(nproc) cores,"
	echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')."
	echo "Each figure compares with others measured in the same run of the same process."
	echo
	echo "## C hook, lmtabled running"
	echo
	echo "\`LM_SOCKET=... build/bench_hook 10000000\`"
	echo
	LM_SOCKET=$tmp/s.sock "$B/bench_hook" 10000000
	echo
	echo "## C hook, no daemon"
	echo
	LM_SOCKET=$tmp/none.sock "$B/bench_hook" 10000000
	echo
	if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
		LM_SOCKET=$tmp/s.sock /usr/bin/python3 "$top/test/bench/python.py" 200000
		echo
	fi
	echo "## Binary sizes (static musl, stripped)"
	echo
	echo "| binary | bytes |"
	echo "|---|---:|"
	for b in lmhook lmtabled lmexport lmprobe; do
		echo "| $b | $(wc -c < "$B/$b") |"
	done
} > "$out"
cat "$out"
cp "$out" "$top/docs/benchmarks.md"
