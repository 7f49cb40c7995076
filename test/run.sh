#!/bin/sh
# test/run.sh BUILDDIR [BUILDDIR...]: run the whole suite against each build
# directory: first its unit test binaries, then every test/it/*.sh (with
# LM_BIN=BUILDDIR) under sh and, when busybox is there, under busybox sh.
#
# Each test file prints one line per case, "ok ...", "FAIL ..." or
# "skip ...". This runner counts them, prints the FAIL lines (and the tail
# of stderr of a file that failed) and one summary line per file, and ends
# with exactly one line "N passed, N failed[, N skipped]" (totals).
# A file that exits non-zero without a FAIL line, runs no case, times out,
# or leaves a process behind counts one failure more.
# Output of each file: BUILDDIR/testlog/. Exit: 0 all passed, 1 a failure,
# 100 usage.
#
# Environment: LM_TEST_SHELLS (default "sh" plus "busybox sh" when present;
# ";"-separated), LM_TEST_ONLY (a glob: run only the it tests it matches,
# e.g. "daemon*"), LM_TEST_LIMIT (seconds per file, default 300).
set -u

if [ $# -eq 0 ]; then
	echo "usage: sh test/run.sh BUILDDIR [BUILDDIR...]" >&2
	exit 100
fi

here=$(cd "${0%/*}" && pwd)
root=${here%/*}
units="test_num test_wire test_table test_http test_expo test_hook test_probe test_report test_hist test_pb test_acct replay_wire replay_table replay_tegra replay_nvsmi replay_http replay_knob replay_report replay_gpuproc replay_jetson replay_nvmap"
limit=${LM_TEST_LIMIT:-300}
if [ -n "${LM_TEST_SHELLS:-}" ]; then
	shells=$LM_TEST_SHELLS
elif command -v busybox >/dev/null 2>&1 && busybox sh -c : 2>/dev/null; then
	shells="sh;busybox sh"
else
	shells="sh"
fi

npass=0 nfail=0 nskip=0
cd "$root" || exit 111

# run_file LABEL LOG CMD...: run CMD (in its own process group, under a
# timeout) with output in LOG.out / LOG.err; count and report.
run_file() {
	label=$1 log=$2
	shift 2
	t0=$(date +%s)
	timeout -k 10 "$limit" "$@" >"$log.out" 2>"$log.err" </dev/null &
	pg=$!
	wait "$pg"
	rc=$?
	t1=$(date +%s)
	p=$(grep -c '^ok ' "$log.out")
	f=$(grep -c '^FAIL ' "$log.out")
	s=$(grep -c '^skip ' "$log.out")
	extra=
	# timeout made itself a process group leader: anything left in that
	# group was started by the file and not stopped (a moment's grace for
	# processes on their way out)
	n=20
	while kill -0 "-$pg" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "-$pg" 2>/dev/null; then
		extra="left processes running: $(ps -e -o pgid=,pid=,args= 2>/dev/null |
			awk -v g="$pg" '$1 == g { $1 = ""; printf "%s;", $0 }' | cut -c1-300)"
		kill -KILL "-$pg" 2>/dev/null
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		extra="${extra:+$extra; }timed out after ${limit}s"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		extra="${extra:+$extra; }exit status $rc without a FAIL line"
	elif [ "$rc" -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then
		extra="${extra:+$extra; }ran no case"
	fi
	grep '^FAIL ' "$log.out"
	if [ -n "$extra" ]; then
		echo "FAIL $label: $extra"
		f=$((f + 1))
	fi
	if [ "$f" -gt 0 ] && [ -s "$log.err" ]; then
		echo "  --- stderr of $label (last 15 lines; all in $log.err)"
		tail -n 15 "$log.err" | sed 's/^/  | /'
	fi
	printf '%-44s %4d ok %3d failed %3d skipped %4ss\n' \
		"$label" "$p" "$f" "$s" $((t1 - t0))
	npass=$((npass + p))
	nfail=$((nfail + f))
	nskip=$((nskip + s))
}

for bd in "$@"; do
	if ! abs=$(cd "$bd" 2>/dev/null && pwd); then
		echo "FAIL $bd: no such build directory (make all units first)"
		nfail=$((nfail + 1))
		continue
	fi
	logdir=$abs/testlog
	LM_BIN=$abs
	export LM_BIN
	mkdir -p "$logdir"
	echo "== $bd"
	for u in $units; do
		if [ ! -x "$abs/$u" ]; then
			echo "FAIL $bd/$u: missing (make units)"
			nfail=$((nfail + 1))
			continue
		fi
		run_file "$bd/$u" "$logdir/$u" "$abs/$u"
	done

	for t in "$root"/test/it/*.sh; do
		[ -f "$t" ] || continue
		name=${t##*/}
		name=${name%.sh}
		# shellcheck disable=SC2254 # LM_TEST_ONLY is a glob on purpose
		case $name in ${LM_TEST_ONLY:-*}) ;; *) continue ;; esac
		oldifs=$IFS
		IFS=';'
		set -f
		for sh in $shells; do
			IFS=$oldifs
			tag=$(echo "$sh" | tr -c 'a-zA-Z0-9\n' '_')
			# shellcheck disable=SC2086 # "busybox sh" is two words
			run_file "$bd it/$name.sh [$sh]" \
				"$logdir/it.$name.$tag" $sh "test/it/$name.sh"
			IFS=';'
		done
		set +f
		IFS=$oldifs
	done
done

if [ "$nskip" -gt 0 ]; then
	echo "$npass passed, $nfail failed, $nskip skipped"
else
	echo "$npass passed, $nfail failed"
fi
[ "$nfail" -eq 0 ]
