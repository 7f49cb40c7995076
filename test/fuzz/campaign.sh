#!/bin/sh
# test/fuzz/campaign.sh CPUSECS TARGET...: a fuzzing campaign measured in
# CPU time, not wall time, so that it can run niced beside other work.
# Each target's fuzzer (built by `make fuzz` in build/fuzz) runs in
# libFuzzer's fork mode, surviving crashes (every distinct one kept in
# build/fuzz/crashes/TARGET/), until it and its jobs have used CPUSECS of
# CPU; then its process group is sent SIGTERM, and SIGKILL 10 s later (the
# corpus is on disk already: each job's finds are merged in as it ends;
# SIGINT would not do: a background job ignores it). One line per target on stdout:
#   TARGET cpu=S wall=S execs=N cov=N ft=N corpus=N crashes=N
# Logs: build/fuzz/fuzz_TARGET.long.log. Exit: 0, 100 usage, 111 no fuzzer.
set -u
if [ $# -lt 2 ]; then
	echo "usage: sh test/fuzz/campaign.sh CPUSECS TARGET..." >&2
	exit 100
fi
cpu=$1
shift
case $cpu in '' | *[!0-9]*) echo "campaign: CPUSECS: not a whole number: $cpu" >&2; exit 100 ;; esac
cd build/fuzz 2>/dev/null || { echo "campaign: no build/fuzz: run make fuzz first" >&2; exit 111; }
tick=$(getconf CLK_TCK)

# tree PID: the stat lines of PID's descendants (the jobs, run through sh)
tree() {
	# shellcheck disable=SC2013 # the file is one line of pids
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		cat "/proc/$c/stat" 2>/dev/null
		tree "$c"
	done
}
# used PID: CPU seconds of PID, the jobs it reaped and those it runs now
used() {
	{
		cat "/proc/$1/stat" 2>/dev/null
		tree "$1"
	} | sed 's/.*) //' | awk -v hz="$tick" '
		NR == 1 { s += $12 + $13 + $14 + $15; next }
		{ s += $12 + $13 }
		END { printf "%d\n", s / hz }'
}

for t in "$@"; do
	[ -x "./fuzz_$t" ] || { echo "campaign: no build/fuzz/fuzz_$t" >&2; exit 111; }
	mkdir -p "crashes/$t" "$t"
	t0=$(date +%s)
	setsid "./fuzz_$t" -fork=1 -ignore_crashes=1 -max_total_time=1000000 -max_len=8192 \
		-artifact_prefix="crashes/$t/" -print_final_stats=1 "$t" 2>"fuzz_$t.long.log" &
	p=$!
	while kill -0 "$p" 2>/dev/null && [ "$(used "$p")" -lt "$cpu" ]; do
		sleep 5
	done
	u=$(used "$p")
	# a job finishing its round may hold the fork-mode parent: 10 s of grace
	kill -TERM "-$p" 2>/dev/null
	n=0
	while kill -0 "$p" 2>/dev/null && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "-$p" 2>/dev/null
	wait "$p"
	last=$(grep -E '^#[0-9]+: cov: ' "fuzz_$t.long.log" | tail -n 1)
	execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	echo "$t cpu=$u wall=$(($(date +%s) - t0)) execs=${execs:-?} cov=${cov:-?} ft=${ft:-?}" \
		"corpus=$(find "$t" -type f | wc -l) crashes=$(find "crashes/$t" -type f | wc -l)"
done
