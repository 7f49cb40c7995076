#!/bin/sh
# lm-test: seconds 30
# The fuzz entry points of test/fuzz/ (make fuzz runs them long): each is
# built with clang -O0 -fsanitize=fuzzer,address,undefined (-O0: half the
# compile time of -O1, which make fuzz's long runs use) and run 5,000
# times from its seeds, 4 s at most (table's one run renders and compares
# six expositions: it stops at the time); one ok or FAIL line per target
# (the corpus of each is replayed whole by the unit suite's
# replay_TARGET). Skipped
# without a clang whose libFuzzer links, and in the ASan pass of the
# suite (the static pass runs them already; twice would only double the
# time).
# Environment: LM_FUZZ_RUNS (runs per target, default 5000), LM_FUZZ_CAP
# (seconds at most for those, default 4), LM_FUZZ_SECS (seconds per
# target instead).
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

TARGETS="tegra nvsmi wire table http knob gpuproc jetson nvmap json fetch"
SECS=${LM_FUZZ_SECS:-}
RUNS=${LM_FUZZ_RUNS:-5000}
CAP=${LM_FUZZ_CAP:-4}
if [ -n "$SECS" ]; then
	LIMIT="-max_total_time=$SECS" WHAT="$SECS s from its seeds"
else
	LIMIT="-runs=$RUNS -max_total_time=$CAP" WHAT="from its seeds"
fi
R=$T_ROOT
SRC="$R/lib/lm_tegra.c $R/lib/lm_nvsmi.c $R/lib/lm_send.c $R/lib/lm_wire.c
	$R/lib/lm_num.c $R/lib/lm_sock.c $R/lib/lm_buf.c $R/lib/lm_table.c
	$R/lib/lm_knob.c $R/lib/lm_health.c $R/lib/lm_table_expo.c $R/lib/lm_table_json.c $R/lib/lm_hash.c
	$R/lib/lm_expo.c $R/lib/lm_http.c $R/lib/lm_hist.c $R/lib/lm_fam.c $R/lib/lm_pb.c
	$R/lib/lm_expo_pb.c $R/lib/lm_expo_le.c $R/lib/lm_gpuproc.c $R/lib/lm_proc.c
	$R/lib/lm_jetson.c $R/lib/lm_nvmap.c $R/lib/lm_json.c
	$R/lib/lm_sha256.c $R/lib/lm_fetch.c $R/lib/lm_spawn.c $R/lib/lm_comm.c"
FLAGS="-D_GNU_SOURCE -I$R/lib -g -O0 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

skip_all() {
	for t in $TARGETS; do
		skip "fuzz_$t" "$1"
	done
	t_done
}

case $LM_BIN in
*asan) skip_all "the ASan pass (run in the static pass)" ;;
esac
have clang || skip_all "no clang"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$T_DIR/probe.c"
# shellcheck disable=SC2086 # FLAGS is a list
if ! clang $FLAGS -o "$T_DIR/probe" "$T_DIR/probe.c" 2>"$T_DIR/probe.err" ||
	! "$T_DIR/probe" -runs=1 >/dev/null 2>&1; then
	skip_all "clang -fsanitize=fuzzer does not work here: $(t_head "$T_DIR/probe.err")"
fi

# the library once (instrumented, no libFuzzer main), then each target;
# as many compiles at a time as there are CPUs (all at once, 29 of them,
# made the machine a load spike that timed tests beside this file felt)
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
OBJS='' nc=0
for f in $SRC; do
	o=$T_DIR/$(basename "$f" .c).o
	# shellcheck disable=SC2086 # FLAGS is a list
	clang ${FLAGS%%,*}-no-link,${FLAGS#*,} -c -o "$o" "$f" 2>>"$T_DIR/lib.err" &
	OBJS="$OBJS $o"
	nc=$((nc + 1))
	[ $((nc % NCPU)) -ne 0 ] || wait
done
wait
for o in $OBJS; do
	if [ ! -s "$o" ]; then
		for t in $TARGETS; do
			fail "fuzz_$t" "the library does not build: $(t_head "$T_DIR/lib.err")"
		done
		t_done
	fi
done
# an archive: each target links only the objects it uses
# shellcheck disable=SC2086 # OBJS is a list
if ! ar rcs "$T_DIR/lib.a" $OBJS 2>>"$T_DIR/lib.err"; then
	for t in $TARGETS; do
		fail "fuzz_$t" "ar: $(t_head "$T_DIR/lib.err")"
	done
	t_done
fi

for t in $TARGETS; do
	c=$T_DIR/corpus.$t
	mkdir -p "$c"
	# shellcheck disable=SC2086 # FLAGS is a list
	if ! clang $FLAGS -o "$T_DIR/fuzz_$t" "$R/test/fuzz/fuzz_$t.c" "$T_DIR/lib.a" -lm \
		2>"$T_DIR/build.$t.err"; then
		fail "fuzz_$t" "does not build: $(t_head "$T_DIR/build.$t.err")"
		continue
	fi
	# seeds: test/fuzz/seeds/TARGET, or the lines of test/data/probe
	case $t in
	tegra)
		awk -v d="$c" '{ f = sprintf("%s/seed%04d", d, NR); printf "%s", $0 >f; close(f) }' \
			"$R"/test/data/probe/tegra-*.txt ;;
	nvsmi)
		awk -v d="$c" '{ q = FILENAME ~ /apps/ ? 1 : 0; f = sprintf("%s/seed%04d", d, NR)
			printf "%d%s", q, $0 >f; close(f) }' "$R"/test/data/probe/nvsmi*.txt ;;
	*)
		cp "$R/test/fuzz/seeds/$t/"* "$c/" ;;
	esac
	# shellcheck disable=SC2086 # LIMIT is a list
	(cd "$T_DIR" && timeout -k 5 $((${SECS:-$CAP} + 60)) "./fuzz_$t" $LIMIT \
		-max_len=8192 -rss_limit_mb=1024 -print_final_stats=1 "$c" \
		>"$T_DIR/run.$t.out" 2>"$T_DIR/run.$t.err")
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T_DIR/run.$t.err")
	cov=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) +cov:' "$T_DIR/run.$t.err" | tail -n 1 |
		sed 's/.*cov: \([0-9]*\).*/\1/')
	if [ "$rc" -eq 0 ]; then
		ok "fuzz_$t: ${runs:-?} runs $WHAT, cov ${cov:-?}, no crash"
	else
		fail "fuzz_$t" "exit $rc: $(grep -E -m 3 'ERROR|runtime error|deadly|SUMMARY' "$T_DIR/run.$t.err" |
			tr '\n' '|' | cut -c1-300)"
		# keep the crash input where make fuzz would
		for f in "$T_DIR"/crash-* "$T_DIR"/leak-* "$T_DIR"/timeout-*; do
			[ -f "$f" ] && note "crash input: $(od -An -c "$f" | tr -s ' \n' ' ' | cut -c1-200)"
		done
	fi
done
t_done
