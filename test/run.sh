#!/bin/sh
# test/run.sh BUILDDIR [BUILDDIR...]: run the whole suite against each build
# directory: its unit test binaries and every test/it/*.sh (with
# LM_BIN=BUILDDIR) under sh; the files marked "# lm-test: busybox" (those
# whose scripts run under busybox sh in production: the shipped service
# scripts, the docs' examples, the demo) under busybox sh too, when it is
# there, against the first BUILDDIR (the binaries that ship; a sanitized
# build runs each file under sh: what it checks does not depend on the
# shell).
#
# The files are independent (each has its own temp dir, free ports and
# sockets): they run LM_TEST_JOBS at a time, the longest first (by their
# time in the last run, else by the "# lm-test: seconds N" line of a long
# file). Each test file prints one line per case, "ok ...", "FAIL ..." or
# "skip ...". This runner counts them and,
# once all are done, prints per file (in a fixed order) its FAIL lines, the
# tail of stderr of a file that failed, and one summary line; it ends with
# exactly one line "N passed, N failed[, N skipped]" (totals).
# A file that exits non-zero without a FAIL line, runs no case, times out,
# or leaves a process behind counts one failure more.
# Output of each file: BUILDDIR/testlog/. Exit: 0 all passed, 1 a failure,
# 100 usage.
#
# Environment: LM_TEST_SHELLS (";"-separated: run every file under each of
# these shells instead), LM_TEST_ONLY (a glob: run only the it tests it
# matches, e.g. "daemon*"), LM_TEST_LIMIT (seconds per file, default 300),
# LM_TEST_JOBS (files at a time, default twice the CPUs, at least 2).
# A file finds its build in LM_BIN and the shell it runs under in
# LM_TEST_SH ("sh", "busybox sh"; empty for a unit binary).
set -u

here=$(cd "${0%/*}" && pwd)
root=${here%/*}
limit=${LM_TEST_LIMIT:-300}

# cpu_reaped: CPU seconds of this shell's reaped children and theirs
cpu_reaped() {
	sed 's/.*) //' "/proc/$$/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / hz }'
}

# run_file LOG LABEL CMD...: run CMD (in its own process group, under a
# timeout) with output in LOG.out / LOG.err; write its counts to LOG.sum
# ("PASSED FAILED SKIPPED SECONDS") and its report to LOG.report
run_file() {
	log=$1 label=$2
	shift 2
	rm -f "$log.sum" "$log.report"
	c0=$(cpu_reaped)
	t0=$(date +%s)
	timeout -k 10 "$limit" "$@" >"$log.out" 2>"$log.err" </dev/null &
	pg=$!
	wait "$pg"
	rc=$?
	t1=$(date +%s)
	c1=$(cpu_reaped)
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
	{
		grep '^FAIL ' "$log.out"
		if [ -n "$extra" ]; then
			echo "FAIL $label: $extra"
			f=$((f + 1))
		fi
		if [ "$f" -gt 0 ] && [ -s "$log.err" ]; then
			echo "  --- stderr of $label (last 15 lines; all in $log.err)"
			tail -n 15 "$log.err" | sed 's/^/  | /'
		fi
		printf '%-44s %4d ok %3d failed %3d skipped %4ss %6.1fs CPU\n' \
			"$label" "$p" "$f" "$s" $((t1 - t0)) "$(echo "$c0 $c1" | awk '{ print $2 - $1 }')"
	} >"$log.report.tmp"
	mv "$log.report.tmp" "$log.report"
	echo "$p $f $s $((t1 - t0))" >"$log.sum.tmp"
	mv "$log.sum.tmp" "$log.sum"
}

# internal: --job LIST N runs line N of LIST:
# "HINT|ORDER|LM_BIN|LOG|LABEL|SHELL|FILE" (SHELL empty: FILE is a binary)
if [ "${1:-}" = --job ] && [ $# -eq 3 ]; then
	line=$(sed -n "$3p" "$2")
	IFS='|' read -r _ _ LM_BIN log label sh file <<EOF
$line
EOF
	LM_TEST_SH=$sh
	export LM_BIN LM_TEST_SH
	cd "$root" || exit 111
	if [ -z "$sh" ]; then
		run_file "$log" "$label" "$file"
	else
		# shellcheck disable=SC2086 # "busybox sh" is two words
		run_file "$log" "$label" $sh "$file"
	fi
	exit 0
fi

if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then
	echo "usage: sh test/run.sh BUILDDIR [BUILDDIR...]" >&2
	exit 100
fi

units="test_num test_wire test_table test_http test_expo test_hook test_probe test_report test_hist test_pb test_acct test_top test_json test_fetch test_spawn replay_wire replay_table replay_tegra replay_nvsmi replay_http replay_knob replay_report replay_gpuproc replay_jetson replay_nvmap replay_json replay_fetch"
havebb=
if command -v busybox >/dev/null 2>&1 && busybox sh -c : 2>/dev/null; then
	havebb=1
fi
jobs=${LM_TEST_JOBS:-$(($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) * 2))}
case $jobs in '' | *[!0-9]*) echo "test/run.sh: LM_TEST_JOBS: not a number: $jobs" >&2; exit 100 ;; esac
[ "$jobs" -ge 1 ] || jobs=1

nfail=0
cd "$root" || exit 111
list=$(mktemp "${TMPDIR:-/tmp}/lmt-run.XXXXXX") || exit 111
trap 'rm -f "$list" "$list.sorted"; rm -rf "$list.bin"' EXIT

# python3 on PATH as the interpreter itself, not a version manager's shim:
# pyenv's is a bash script that runs about 16 processes a call, which cost
# the suite more CPU than the Python it runs (the same interpreter runs)
if py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) &&
	[ -x "$py" ] && [ "$py" != "$(command -v python3)" ] &&
	mkdir "$list.bin" && ln -s "$py" "$list.bin/python3"; then
	PATH=$list.bin:$PATH
	export PATH
fi
trap 'exit 130' INT
trap 'exit 143' TERM

# hint LOG [FILE]: how long LOG's file took last time; else (a fresh
# checkout, as in CI) the seconds test file FILE says it takes in a line
# "# lm-test: seconds N" (the long ones say: scheduled by their size, they
# started last and made the run's tail), else 1: a unit binary (none takes
# 5 s) or a short file
hint() {
	if [ -s "$1.sum" ]; then
		read -r _ _ _ _hs <"$1.sum"
		echo "${_hs:-0}"
	elif [ -n "${2:-}" ]; then
		_hs=$(sed -n 's/^# lm-test: seconds \([0-9][0-9]*\)$/\1/p' "$2")
		echo "${_hs:-1}"
	else
		echo 1
	fi
}

order=0
shipped=$1   # the first build: the busybox pass runs against it
for bd in "$@"; do
	if ! abs=$(cd "$bd" 2>/dev/null && pwd); then
		echo "FAIL $bd: no such build directory (make all units first)"
		nfail=$((nfail + 1))
		continue
	fi
	logdir=$abs/testlog
	mkdir -p "$logdir"
	for u in $units; do
		order=$((order + 1))
		if [ ! -x "$abs/$u" ]; then
			echo "FAIL $bd/$u: missing (make units)"
			nfail=$((nfail + 1))
			continue
		fi
		echo "$(hint "$logdir/$u")|$order|$abs|$logdir/$u|$bd/$u||$abs/$u" >>"$list"
	done
	for t in "$root"/test/it/*.sh; do
		[ -f "$t" ] || continue
		name=${t##*/}
		name=${name%.sh}
		# shellcheck disable=SC2254 # LM_TEST_ONLY is a glob on purpose
		case $name in ${LM_TEST_ONLY:-*}) ;; *) continue ;; esac
		if [ -n "${LM_TEST_SHELLS:-}" ]; then
			shells=$LM_TEST_SHELLS
		elif [ -n "$havebb" ] && [ "$bd" = "$shipped" ] && grep -q '^# lm-test: busybox' "$t"; then
			shells="sh;busybox sh"
		else
			shells="sh"
		fi
		oldifs=$IFS
		IFS=';'
		set -f
		for sh in $shells; do
			order=$((order + 1))
			tag=$(echo "$sh" | tr -c 'a-zA-Z0-9\n' '_')
			log=$logdir/it.$name.$tag
			echo "$(hint "$log" "$t")|$order|$abs|$log|$bd it/$name.sh [$sh]|$sh|test/it/$name.sh" >>"$list"
		done
		set +f
		IFS=$oldifs
	done
done

# no result of an earlier run may pass for this one's
while IFS='|' read -r _ _ _ log _ _ _; do
	rm -f "$log.sum" "$log.report"
done <"$list"
# the longest first; then print in ORDER
sort -t '|' -k1,1nr "$list" >"$list.sorted"
n=$(wc -l <"$list.sorted")
echo "== $n files, $jobs at a time"
if [ "$n" -gt 0 ]; then
	seq 1 "$n" | xargs -P "$jobs" -I '{}' sh "$here/run.sh" --job "$list.sorted" '{}'
fi

npass=0 nskip=0
sort -t '|' -k2,2n "$list" >"$list.sorted"
while IFS='|' read -r _ _ _ log label _ _; do
	if [ -s "$log.sum" ] && [ -f "$log.report" ]; then
		cat "$log.report"
		read -r p f s _ <"$log.sum"
		npass=$((npass + p))
		nfail=$((nfail + f))
		nskip=$((nskip + s))
	else
		echo "FAIL $label: did not run to its end"
		nfail=$((nfail + 1))
	fi
done <"$list.sorted"

if [ "$nskip" -gt 0 ]; then
	echo "$npass passed, $nfail failed, $nskip skipped"
else
	echo "$npass passed, $nfail failed"
fi
[ "$nfail" -eq 0 ]
