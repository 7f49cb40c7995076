#!/bin/sh
# lm-test: seconds 40
# shellcheck disable=SC2317 # functions are called through check and wait_for
# The Python module (lib/livemetrics.py): its unit tests (test/py/
# test_unit.py, fake sockets), then against a real lmtabled: the seeds'
# example app (test/py/example_app.py) and the pywaggle-style API
# (test/py/api_app.py) as seen in the dump and lmexport -p; knobs set with
# lmhook set and read by Python, across kill -9 of lmtabled (-k) and a
# restart that the app's sending survives; a stopped daemon (full socket
# buffer) and no daemon; StatsD clients over UDP (-u): Debian's
# python3-statsd and, where npm installs it, hot-shots; pip install ./lib.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
K=$T_DIR/knobs
HK=$LM_BIN/lmhook
D=$T_DIR/dump
E=$T_DIR/expo
PYT=$T_ROOT/test/py
# the module from the tree; no __pycache__ written into it
PYTHONPATH=$T_ROOT/lib
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE
# Debian's python3 sees python3-statsd; a python3 first on PATH (pyenv, a
# venv) may not. LM_PYTHON chooses another.
if [ -n "${LM_PYTHON:-}" ]; then
	PY=$LM_PYTHON
elif [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
elif have python3; then
	PY=python3
else
	skip "python" "no python3 (sh scripts/deps.sh test)"
	t_done
fi

t_case "python is 3.8 or later" 0 - '' "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 8))'
t_case "the module compiles" 0 '' '' "$PY" -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' \
	"$T_ROOT/lib/livemetrics.py"
t_case "the module imports, standard library only" 0 '=ok' '' "$PY" -S -c '
import sys
sys.path = [p for p in sys.path if "-packages" not in p]
import livemetrics
print("ok")'

# py_cases LABEL CMD...: run CMD, a Python test that prints "ok CASE" and
# "FAIL CASE: why" lines; each becomes a case of this file
py_cases() {
	_pl=$1
	shift
	timeout -k 2 60 "$@" >"$T_DIR/py.out" 2>"$T_DIR/py.err"
	_prc=$?
	while IFS= read -r _line; do
		case $_line in
		'ok '*) ok "$_pl: ${_line#ok }" ;;
		'FAIL '*)
			_r=${_line#FAIL }
			fail "$_pl: ${_r%%: *}" "${_r#*: }" ;;
		esac
	done <"$T_DIR/py.out"
	if [ "$_prc" -ne 0 ] && ! grep -q '^FAIL ' "$T_DIR/py.out"; then
		fail "$_pl: runs to the end" "exit $_prc; $(t_errof "$T_DIR/py.err")"
	fi
}
mkdir "$T_DIR/unit"
py_cases unit "$PY" "$PYT/test_unit.py" "$T_DIR/unit"

# ---- a real lmtabled: knobs kept in $K, StatsD on a UDP port it picks
# (-v logs the port)
start_daemon() {
	if ! start_tabled "$S" -v -w 60 -k "$K" -u 127.0.0.1:0; then
		fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
		t_done
	fi
	PORT=$(sed -n 's/.*listening on UDP [^ ]* port \([0-9][0-9]*\).*/\1/p' "$S.err" | tail -n 1)
}
start_daemon
check "lmtabled -u 127.0.0.1:0 says its port" "$(t_head "$S.err")" test -n "$PORT"
export LM_SOCKET="$S" LM_FLUSH_MS=50

# settled APP: two dumps 0.3 s apart agree on APP's lines; $D holds the dump
settled() {
	dump "$S" "$T_DIR/da" && sleep 0.3 && dump "$S" "$D" &&
		[ "$(grep "app:$1," "$T_DIR/da")" = "$(grep "app:$1," "$D")" ]
}

# ---- the seeds' example app: only its import line differs from theirs
t_bg env LM_APP=seedapp "$PY" "$PYT/example_app.py" 0 0.01
APP=$T_PID
seed20() {
	dump "$S" "$D" && v=$(dump_value "$D" fps r seedapp) && [ -n "$v" ] && [ "$v" -ge 20 ]
}
if wait_for 15 seed20; then ok "seeds' app: 20 frames arrive"; else
	fail "seeds' app: 20 frames arrive" "fps: '$(dump_value "$D" fps r seedapp)'; $(t_head "$S.err")"; fi
kill -STOP "$APP"
wait_for 5 settled seedapp
expo "$S" "$E"
f=$(dump_value "$D" fps r seedapp)
n=$(dump_count "$D" latency t seedapp)
sum=$(dump_value "$D" latency t seedapp)
x=$(dump_value "$D" x g seedapp)
want_x=$("$PY" -c '
x = 1
for j in range(1, 1000):
    x = x * j % 1000003
print(x)')
check "seeds' app: latency count = frames (+-1)" "count $n, frames $f" \
	awk -v a="$n" -v b="$f" 'BEGIN { d = a - b; exit !(a != "" && d >= -1 && d <= 1) }'
check "seeds' app: latency mean in [10 ms, 0.5 s] (a 10 ms pause each)" "sum $sum over $n" \
	awk -v s="$sum" -v n="$n" 'BEGIN { exit !(n > 0 && s / n >= 0.01 && s / n <= 0.5) }'
eq "seeds' app: x (a NUMBER) exact" "$x" "$want_x"
check "seeds' app: up while it runs, no pid label" "$(grep 'app:seedapp' "$D" | head -n 2 | tr '\n' ' ')" \
	sh -c "grep -q '^fps:[0-9]*|r|r:[^|]*|#app:seedapp,uid:' '$D' && grep -q '^lm_app_up:1|g|#app:seedapp,uid:' '$D'"
eq "seeds' app: no line rejected" \
	"$(awk -F'[:|]' '/^lm_tabled_lines_rejected:/ { s += $2 } END { print s + 0 }' "$D")" 0
eq "expo: latency_seconds_count" "$(expo_value "$E" latency_seconds_count app=seedapp)" "$n"
eq "expo: latency_seconds_sum" "$(expo_value "$E" latency_seconds_sum app=seedapp)" "$sum"
eq "expo: latency_seconds_bucket le=+Inf" "$(expo_value "$E" latency_seconds_bucket app=seedapp le=+Inf)" "$n"
eq "expo: latency_seconds_bucket le=0.005 (none: each >= 10 ms)" \
	"$(expo_value "$E" latency_seconds_bucket app=seedapp le=0.005)" 0
check "expo: latency_seconds is a histogram" "no TYPE line" grep -qx '# TYPE latency_seconds histogram' "$E"
eq "expo: fps_events_total = frames" "$(expo_value "$E" fps_events_total app=seedapp)" "$f"
v=$(expo_value "$E" fps_hertz app=seedapp)
check "expo: fps_hertz > 0" "fps_hertz '$v'" num_gt "${v:-0}" 0
eq "expo: x" "$(expo_value "$E" x app=seedapp)" "$want_x"
if have promtool; then
	t_run promtool check metrics <"$E"
	expect "expo: promtool check metrics" 0 - -
fi
kill -CONT "$APP"
t_stop "$APP"

# ---- the pywaggle-style API; the knob res set before the app starts
t_case "lmhook set res 720 (the controller)" 0 '' '' "$HK" -a pyapi set res 720
t_bg env LM_APP=pyapi "$PY" "$PYT/api_app.py" once "$T_DIR/api.done" >"$T_DIR/api.out" 2>"$T_DIR/api.err"
APP=$T_PID
if wait_for 15 test -s "$T_DIR/api.done"; then ok "API app: runs and flushes"; else
	fail "API app: runs and flushes" "$(t_errof "$T_DIR/api.err")"; fi
wait_for 5 settled pyapi
check "API app: flush() says True" "$(t_head "$T_DIR/api.out")" grep -q '^flushed=True ' "$T_DIR/api.out"
check "API app: param('res', 640).get() reads 720 (an int)" "$(t_head "$T_DIR/api.out")" \
	grep -qx 'res=720' "$T_DIR/api.out"
eq "API app: metric('fps').inc() x 10: a rate" "$(dump_value "$D" fps r pyapi)" 10
eq "API app: counter inc() x 7, inc(3)" "$(dump_value "$D" frames c pyapi)" 10
eq "API app: metric('x').set(2.5): a gauge" "$(dump_value "$D" x g pyapi)" 2.5
eq "API app: a negative gauge" "$(dump_value "$D" neg g pyapi)" -4.5
eq "API app: observe() and timeit: 2 observations" "$(dump_count "$D" latency t pyapi)" 2
m=$(dump_field "$D" latency t pyapi m:) x=$(dump_field "$D" latency t pyapi x:)
check "API app: observe(0.012) and a 10 ms sleep: exact extremes" "min $m, max $x" \
	awk -v m="$m" -v x="$x" 'BEGIN { exit !(m >= 0.01 && m <= 0.012 && (x == 0.012 || m == 0.012) && x < 0.5) }'
eq "API app: a timeit decorator: 2 calls" "$(dump_count "$D" step t pyapi)" 2
eq "API app: 8 threads x 10,000 inc(): exact" "$(dump_value "$D" hits c pyapi)" 80000
eq "API app: the knob sent as a gauge" "$(dump_value "$D" res g pyapi)" 720
expo "$S" "$E"
eq "expo: frames_total" "$(expo_value "$E" frames_total app=pyapi)" 10
eq "expo: the knob lm_knob" "$(expo_value "$E" lm_knob app=pyapi knob=res)" 720
t_stop "$APP"

# ---- knobs and restarts: an app reads res every 20 ms (cached a second)
t_bg env LM_APP=pyloop "$PY" "$PYT/api_app.py" loop 2>"$T_DIR/loop.err"
APP=$T_PID
res_is() {
	dump "$S" "$D" && [ "$(dump_value "$D" res g pyloop)" = "$1" ]
}
check "knob: the default until one is set" "res '$(dump_value "$D" res g pyloop)'" wait_for 10 res_is 640
"$HK" -a pyloop set res 1080
check "knob: lmhook set res 1080 read by the app within a second or so" \
	"res '$(dump_value "$D" res g pyloop)'" wait_for 5 res_is 1080
t_case "knob: a string knob" 0 '' '' "$HK" -a pyloop set mode fast
t_case "knob: a string reads as a str" 0 "='fast'" '' \
	env LM_APP=pyloop "$PY" -c 'from livemetrics import param; print(repr(param("mode", "slow").get()))'
t_case "knob: a number reads as a number" 0 "=1080" '' \
	env LM_APP=pyloop "$PY" -c 'from livemetrics import param; print(repr(param("res", 1).get()))'
t_stop "$TABLED_PID" KILL
sleep 0.3
check "kill -9 of lmtabled: the app lives on" "gone: $(t_head "$T_DIR/loop.err")" t_alive "$APP"
t_case "no daemon: a knob reads as its default, at once" 0 "=640" '' \
	env LM_APP=pyloop "$PY" -c 'from livemetrics import param; print(repr(param("res", 640).get()))'
start_daemon
check "restart: the app's sending resumes, the knob is back (-k)" \
	"res '$(dump_value "$D" res g pyloop)'" wait_for 10 res_is 1080
check "restart: the app's rate arrives again" "no loops" test -n "$(dump_value "$D" loops r pyloop)"
t_case "restart: the string knob is back" 0 "='fast'" '' \
	env LM_APP=pyloop "$PY" -c 'from livemetrics import param; print(repr(param("mode", "slow").get()))'
"$HK" -a pyloop unset mode
t_case "knob: unset reads as the default" 0 "='slow'" '' \
	env LM_APP=pyloop "$PY" -c 'from livemetrics import param; print(repr(param("mode", "slow").get()))'
check "the app never wrote to stderr" "$(t_head "$T_DIR/loop.err")" test ! -s "$T_DIR/loop.err"
t_stop "$APP"

# ---- a stopped daemon: its socket buffer fills; the app goes on
kill -STOP "$TABLED_PID"
T_TIMEOUT=30
t0=$(date +%s)
t_run env LM_APP=pyflood LM_FLUSH_MS=10 "$PY" "$PYT/api_app.py" flood 2
t1=$(date +%s)
expect "full buffer: the app runs 2 s and exits 0" 0 '~^updates ' ''
check "full buffer: done within 10 s" "took $((t1 - t0)) s" test $((t1 - t0)) -le 10
check "full buffer: datagrams not sent are counted" "$(t_head "$T_DIR/out")" \
	grep -Eq '"send_errors": [1-9]' "$T_DIR/out"
# shellcheck disable=SC2016 # an awk program
check "full buffer: 1,000 metrics updated > 100,000 times in 2 s" "$(t_head "$T_DIR/out")" \
	awk -v min=100000 '$1 == "updates" && $2 > min { f = 1 } END { exit !f }' "$T_DIR/out"
kill -CONT "$TABLED_PID"
t_case "full buffer: lmtabled answers again" 0 '~^lm_tabled_' '' "$HK" dump

# ---- no daemon at all
t_run env LM_SOCKET="$T_DIR/none.sock" LM_FLUSH_MS=1 "$PY" "$PYT/example_app.py" 100 0.001
expect "no daemon: the seeds' app runs and exits 0" 0 '' "~send_errors': [1-9]"

# ---- StatsD over UDP: Debian's python3-statsd, unchanged
if "$PY" -c 'import statsd' 2>/dev/null; then
	t_case "statsd client: sends" 0 '=sent' '' "$PY" "$PYT/statsd_client.py" "$PORT"
	sd_in() {
		dump "$S" "$D" && [ "$(dump_value "$D" sd_pg g statsd)" = 7 ]
	}
	check "statsd: lines arrive, app statsd" "not in the dump" wait_for 5 sd_in
	eq "statsd: incr" "$(dump_value "$D" sd_hits c statsd)" 5
	eq "statsd: incr with rate 0.5: 10 sent, 20 counted" "$(dump_value "$D" sd_sampled c statsd)" 20
	eq "statsd: gauge and a +delta" "$(dump_value "$D" sd_temp g statsd)" 22
	eq "statsd: a negative gauge (0 then -5)" "$(dump_value "$D" sd_neg g statsd)" -5
	eq "statsd: timing (ms) kept in seconds: sum" "$(dump_value "$D" sd_lat t statsd)" 1
	eq "statsd: timing: last" "$(dump_field "$D" sd_lat t statsd l:)" 0.75
	eq "statsd: timing: count 2" "$(dump_count "$D" sd_lat t statsd)" 2
	eq "statsd: timing: exact extremes" "$(dump_field "$D" sd_lat t statsd m:) $(dump_field "$D" sd_lat t statsd x:)" "0.25 0.75"
	eq "statsd: timing with rate 0.5: counts 2" "$(dump_count "$D" sd_slat t statsd)" 2
	eq "statsd: timer context manager" "$(dump_count "$D" sd_block t statsd)" 1
	eq "statsd: a pipeline (one datagram)" "$(dump_value "$D" sd_piped c statsd)" 3
	expo "$S" "$E"
	eq "statsd: expo sd_lat_seconds_count" "$(expo_value "$E" sd_lat_seconds_count app=statsd)" 2
	eq "statsd: expo sd_hits_total" "$(expo_value "$E" sd_hits_total app=statsd)" 5
else
	skip "statsd client" "no python3-statsd for $PY (sh scripts/deps.sh test)"
fi

# ---- StatsD: hot-shots (node), with tags, where npm installs it
if have npm && have node; then
	mkdir "$T_DIR/node"
	if (cd "$T_DIR/node" && timeout 120 npm install --no-audit --no-fund --prefer-offline \
		--loglevel=error hot-shots) >"$T_DIR/npm.log" 2>&1; then
		cat >"$T_DIR/node/hs.js" <<'EOF'
const StatsD = require('hot-shots');
Math.random = () => 0;  // sampled updates are always sent
const c = new StatsD({ host: '127.0.0.1', port: Number(process.argv[2]),
	globalTags: { app: 'nodeapp' },
	errorHandler: (e) => { console.error(e); process.exit(1); } });
c.increment('hs.hits', 3, ['route:api']);
c.increment('hs.hits', 2, ['route:api']);
c.increment('hs.sampled', 1, 0.5);
c.gauge('hs.temp', 21.5, ['zone:a']);
c.timing('hs.lat', 250);
c.histogram('hs.size', 100);
c.histogram('hs.size', 300);
c.distribution('hs.dist', 4);
c.close(() => console.log('sent'));
EOF
		t_case "hot-shots: sends" 0 '=sent' '' node "$T_DIR/node/hs.js" "$PORT"
		hs_in() {
			dump "$S" "$D" && [ -n "$(dump_value "$D" hs_dist h nodeapp)" ]
		}
		check "hot-shots: lines arrive" "not in the dump" wait_for 5 hs_in
		check "hot-shots: counter with a tag" "$(grep '^hs_hits' "$D")" \
			grep -q '^hs_hits:5|c|#app:nodeapp,route:api$' "$D"
		eq "hot-shots: sample rate 0.5" "$(dump_value "$D" hs_sampled c nodeapp)" 2
		check "hot-shots: gauge with a tag" "$(grep '^hs_temp' "$D")" \
			grep -q '^hs_temp:21.5|g|#app:nodeapp,zone:a$' "$D"
		eq "hot-shots: timing in seconds" "$(dump_value "$D" hs_lat t nodeapp)" 0.25
		eq "hot-shots: histogram sum" "$(dump_value "$D" hs_size h nodeapp)" 400
		eq "hot-shots: histogram count" "$(dump_count "$D" hs_size h nodeapp)" 2
		eq "hot-shots: distribution" "$(dump_value "$D" hs_dist h nodeapp)" 4
		expo "$S" "$E"
		eq "hot-shots: expo hs_hits_total" "$(expo_value "$E" hs_hits_total app=nodeapp route=api)" 5
	else
		skip "hot-shots" "npm install failed: $(tail -n 1 "$T_DIR/npm.log")"
	fi
else
	skip "hot-shots" "no npm or node"
fi
t_stop "$TABLED_PID"
eq "lmtabled exits 0 on SIGTERM" "$T_STATUS" 0

# ---- pip install ./lib, offline, in the tree as it is: the build backend
# (lib/_lm_build.py) needs nothing fetched and writes nothing into lib/.
# No binary of the build takes part: the static pass runs it, once.
case $LM_BIN in
*asan)
	skip "pip install ./lib (--target, a fresh venv, -e)" "once, in the static build's pass: no binary of the build is in it"
	t_done ;;
esac
if "$PY" -m pip --version >/dev/null 2>&1; then
	# lib/'s entries (Python files run from the tree may add __pycache__)
	lib_entries() {
		find "$T_ROOT/lib" -mindepth 1 -maxdepth 1 ! -name __pycache__ | sort
	}
	lib_entries >"$T_DIR/lib.before"
	t_run env PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip install --no-index \
		--no-deps --no-compile --target "$T_DIR/site" "$T_ROOT/lib"
	expect "pip install ./lib --target DIR (offline)" 0 '~Successfully installed livemetrics' -
	t_case "the installed module imports" 0 "=$T_DIR/site/livemetrics.py" '' \
		env PYTHONPATH="$T_DIR/site" "$PY" -c 'import livemetrics; print(livemetrics.__file__)'
	check "pip installs the module only" "$(ls "$T_DIR/site")" \
		test "$(cd "$T_DIR/site" && echo *)" = "livemetrics-0.1.0.dist-info livemetrics.py"
else
	skip "pip install ./lib --target DIR" "no pip for $PY"
fi
# a fresh venv (python3-venv): pip there has no setuptools or wheel to use
if "$PY" -m venv "$T_DIR/venv" >"$T_DIR/venv.out" 2>&1 && [ -x "$T_DIR/venv/bin/pip" ]; then
	t_run env PIP_DISABLE_PIP_VERSION_CHECK=1 "$T_DIR/venv/bin/pip" install --no-index "$T_ROOT/lib"
	expect "a fresh venv: pip install ./lib (offline)" 0 '~Successfully installed livemetrics' -
	t_case "a fresh venv: the module imports from the venv" 0 "=$T_DIR/venv" '' \
		env -u PYTHONPATH "$T_DIR/venv/bin/python" -c 'import livemetrics, sys; print(livemetrics.__file__[:len(sys.prefix)])'
	t_run env PIP_DISABLE_PIP_VERSION_CHECK=1 "$T_DIR/venv/bin/pip" install --no-index -e "$T_ROOT/lib"
	expect "a fresh venv: pip install -e ./lib (offline)" 0 '~Successfully installed livemetrics' -
	t_case "a fresh venv: -e imports the module from the tree" 0 "=$T_ROOT/lib/livemetrics.py" '' \
		env -u PYTHONPATH "$T_DIR/venv/bin/python" -c 'import livemetrics; print(livemetrics.__file__)'
else
	skip "a fresh venv: pip install ./lib" "no venv for $PY: $(t_head "$T_DIR/venv.out")"
fi
if [ -f "$T_DIR/lib.before" ]; then
	lib_entries >"$T_DIR/lib.after"
	check "pip left nothing in lib/ (no build/, no egg-info)" \
		"$(diff "$T_DIR/lib.before" "$T_DIR/lib.after" | tr '\n' ' ')" \
		cmp -s "$T_DIR/lib.before" "$T_DIR/lib.after"
fi

t_done
