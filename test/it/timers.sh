#!/bin/sh
# lm-test: seconds 12
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...
# timers: the numbers of a timer, end to end. Observations of a spiky, a
# uniform, a bimodal and a long-tailed distribution go through each sender
# (the Python module, the C API, lmhook - lines) into a session's lmtabled;
# summary.json's min and max must be the exact extremes and its p50, p90,
# p95 and p99 within 5 % of the exact nearest-rank quantiles that the
# generator (test/py/dist.py) computed from the same observations.
# Thresholds on max and p99 decide the exit status as they should.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

LS=$LM_BIN/lmsession
PY=$(command -v python3 || true)
DIST=$T_ROOT/test/py/dist.py
PYTHONPATH=$T_ROOT/lib
export PYTHONPATH
PATH=$LM_BIN:$PATH
export PATH
T_TIMEOUT=60
N=4000

if [ -z "$PY" ]; then
	skip "timers: every case" "no python3"
	t_done
fi

# compare DIR SOURCE TRUTH: "ok" or what differs, from summary.json
compare() {
	"$PY" - "$1/summary.json" "$2" "$3" <<'PYEOF'
import json, sys
summ, source, truth = sys.argv[1], sys.argv[2], sys.argv[3]
want = dict((k, float(v)) for k, v in (l.split() for l in open(truth)))
try:
    doc = json.load(open(summ))
    st = [m for m in doc['metrics'] if m['source'] == source and m['id'] == 'latency'][0]['stats']
except Exception as e:
    print('no latency of %s in %s: %r' % (source, summ, e))
    sys.exit(0)
bad = []
for k in ('min', 'max', 'count'):
    if st.get(k) != want[k]:
        bad.append('%s %r want %r' % (k, st.get(k), want[k]))
for k in ('p50', 'p90', 'p95', 'p99'):
    g = st.get(k)
    if g is None or abs(g - want[k]) > 0.05 * abs(want[k]):
        bad.append('%s %r want %r' % (k, g, want[k]))
order = [st.get(k) for k in ('min', 'p50', 'p90', 'p95', 'p99', 'max')]
if None in order or order != sorted(order) or not (st['min'] <= st['last'] <= st['max']):
    bad.append('out of order: %r last %r' % (order, st.get('last')))
print('; '.join(bad) if bad else 'ok')
PYEOF
}

seed=1
for dist in spiky uniform bimodal longtail; do
	for via in python c lmhook; do
		seed=$((seed + 1))
		name=$dist-$via
		tr=$T_DIR/$name.truth
		case $via in
		python) set -- "$PY" "$DIST" "$dist" "$N" "$seed" "$tr" python "$name" latency ;;
		c) set -- sh -c '"$1" "$2" "$3" "$4" "$5" "$6" | "$7" "$8" latency' sh \
			"$PY" "$DIST" "$dist" "$N" "$seed" "$tr" "$LM_BIN/observe" "$name" ;;
		lmhook) set -- sh -c '"$1" "$2" "$3" "$4" "$5" "$6" | sed "s/^/latency:/; s/\$/|t/" |
			lmhook -a "$7" -' sh "$PY" "$DIST" "$dist" "$N" "$seed" "$tr" "$name" ;;
		esac
		t_run "$LS" -q -g 1 -i 0.2 -n "$name" -o "$T_DIR/$name" -- "$@" </dev/null
		if expect "$name: session exits 0" 0 - -; then
			r=$(compare "$T_DIR/$name" "$name" "$tr")
			check "$name: exact min, max, count; p50..p99 within 5 %" "$r" test "$r" = ok
		fi
	done
done

# the stall fails a threshold on max; p95 and p99 of the frames pass
t_run "$LS" -q -g 1 -i 0.2 -n gate -o "$T_DIR/gate" \
	-e 'latency.max<0.1' -e 'latency.p95<=0.035' -e 'latency.p99<=0.05' \
	-- "$PY" "$DIST" spiky "$N" 7 "$T_DIR/gate.truth" python gate latency </dev/null
expect "spiky: a 500 ms stall fails latency.max<0.1 (exit 1)" 1 - -
check "spiky: p95 and p99 pass, max fails, in junit.xml" "$(grep -c '<failure' "$T_DIR/gate/junit.xml" 2>&1)" \
	test "$(grep -c '<failure' "$T_DIR/gate/junit.xml")" = 1
check "spiky: summary.txt shows the stall as max" "$(grep latency "$T_DIR/gate/summary.txt" | head -n 1)" \
	grep -Eq 'latency .* 500 ms' "$T_DIR/gate/summary.txt"
t_done
