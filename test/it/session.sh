#!/bin/sh
# lm-test: seconds 60
# shellcheck disable=SC2317,SC2016 # functions are called through check and wait_for; sh -c scripts take their arguments as $1...
# lmsession: sample hooked apps (sh and C) in sessions, the results folder
# (every file; the JSON parses, the JUnit validates, one plot per metric),
# every deadline path with no process of the session left after it,
# container mode through a stand-in runtime, thresholds and a baseline,
# lmsession itself killed mid-run, a full disk, usage errors.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

LS=$LM_BIN/lmsession
APP_SH=$T_ROOT/docs/examples/app.sh
RT=$T_ROOT/test/data/session/runtime
XSD=$T_ROOT/test/data/session/junit.xsd
# the private lmtabled's socket folder lives under T_DIR: processes of a
# session can be found by it (and by the marker numbers below)
TMPDIR=$T_DIR/tmp
export TMPDIR
mkdir -p "$TMPDIR" "$T_DIR/bin"
PATH=$LM_BIN:$PATH
export PATH
have() { command -v "$1" >/dev/null 2>&1; }
T_TIMEOUT=60
# results are for others to read: files 0644, folders 0755 under this umask
umask 022

# every process a session here may start holds one of these in its
# command line (kept in a file: grep -f, so that grep's own line does not),
# and no process of another test file does: the apps run from copies in
# this file's own folder (other files run the same apps side by side), the
# sleeps have numbers of their own: SK, this shell's pid between a 9 and a
# point, then digits (one run's marks are none of another's, the other
# build's pass of this file running beside it included; a mark that is a
# bare number could be a pid)
SK=9$$.
cp "$APP_SH" "$T_DIR/bin/app.sh"
APP_SH=$T_DIR/bin/app.sh
ln -s "$LM_BIN/example_app" "$T_DIR/bin/example_app"
cat >"$T_DIR/marks.all" <<EOF
sleep $SK
$TMPDIR/lmsession
$APP_SH
$T_DIR/images
$T_DIR/bin/example_app
EOF
# leftovers MARK: "PID ARGS" of processes whose command line holds MARK or
# one of the marks above
leftovers() {
	{
		echo "$1"
		cat "$T_DIR/marks.all"
	} >"$T_DIR/marks"
	# shellcheck disable=SC2009 # several fixed strings, from a file
	ps -eo pid=,args= | grep -F -f "$T_DIR/marks"
	return 0
}
# none_left MARK: no such process
none_left() {
	[ -z "$(leftovers "$1")" ]
}
# all_left MARK: the processes none_left found, on one line, for messages
all_left() {
	leftovers "$1" | tr '\n' '|' | cut -c1-300
}

# session NAME RC ARGS...: run lmsession into $T_DIR/NAME under the test's
# timeout; ok when it exits RC and no process of it remains
session() {
	_sn=$1 _src=$2
	shift 2
	t_run "$LS" -q -g 1 -i 0.2 -o "$T_DIR/$_sn" "$@" </dev/null
	expect "$_sn: exit $_src" "$_src" - -
	if wait_for 5 none_left "$T_DIR/$_sn"; then
		ok "$_sn: no process left"
	else
		fail "$_sn: no process left" "left: $(all_left "$T_DIR/$_sn")"
	fi
}

# has_fps FILE: FILE holds a sample of fps
has_fps() {
	grep -q ',fps,' "$1" 2>/dev/null
}

# files_whole DIR: no temp or partial file in DIR
files_whole() {
	[ -z "$(find "$1" -name '*.tmp' -o -name '*.part' | head -n 1)" ]
}

# modes_umask DIR: every file in DIR 0644, every folder 0755 (umask 022)
modes_umask() {
	[ -z "$(find "$1" \( -type f ! -perm 644 \) -o \( -type d ! -perm 755 \) | head -n 1)" ]
}

# files_listed DIR: summary.json's files are the folder's files, all of
# them (a folder as NAME/ when none of its files is listed)
files_listed() {
	(cd "$1" && find . -type f ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort) >"$T_DIR/files.have"
	jq -r '.files[]' "$1/summary.json" | while read -r _f; do
		case $_f in
		*/) find "$1/$_f" -type f | sed "s|^$1/||" ;;
		*) echo "$_f" ;;
		esac
	done | LC_ALL=C sort >"$T_DIR/files.listed"
	cmp -s "$T_DIR/files.have" "$T_DIR/files.listed"
}

# verdict NAME DIR VERDICT END: summary.json says so
verdict() {
	have jq || return 0
	_vg=$(jq -r '"\(.verdict) \(.end)"' "$2/summary.json" 2>/dev/null)
	check "$1: verdict $3, end $4" "got $_vg" test "$_vg" = "$3 $4"
}

# ---- usage
t_case "no command: usage" 100 '' '~^usage: lmsession' "$LS"
t_case "-h lists the options" 0 '~--timeout' '' "$LS" -h
t_case "bad timeout" 100 '' '~lmsession: fatal: bad timeout: 5x' "$LS" -t 5x -- true
t_case "negative grace" 100 '' '~bad grace' "$LS" -g -1 -- true
t_case "unknown option" 100 '' '~lmsession: ' "$LS" --bogus -- true
t_case "bad threshold" 100 '' '~lmsession: fatal: bad -e fps=>10' "$LS" -e 'fps=>10' -- true
t_case "image and command both" 100 '' '~both an image' "$LS" -I img -- true
t_case "missing dataset" 100 '' '~unable to use dataset' "$LS" -D "$T_DIR/nope" -- true
mkdir -p "$T_DIR/full"
: >"$T_DIR/full/old"
t_case "results folder not empty" 100 '' '~is not empty' "$LS" -o "$T_DIR/full" -- true
t_case "run-for not shorter than timeout" 100 '' '~not shorter' "$LS" -r 5 -t 5 -- true

# ---- a hooked sh app, exits in time
# (the app makes about one frame a second: its fps mean sits at 1, give or
# take the last round, under load and ASan a little under)
session sh 0 -t 30 -e 'fps>=0.5' -e 'latency.count>=5' -n demo-sh -- sh "$APP_SH" -n 12 -r 10
R=$T_DIR/sh
for f in samples.csv samples.jsonl summary.json summary.txt junit.xml report.html report.css \
	perfreport.xml plot/demo-sh.fps.csv plot/demo-sh.latency.csv; do
	check "sh: $f written" "missing or empty" test -s "$R/$f"
done
for f in stdout.log stderr.log; do
	check "sh: $f there" "missing" test -f "$R/$f"
done
check "sh: nothing partial left" "$(find "$R" -name '*.tmp' -o -name '*.part')" files_whole "$R"
check "sh: files 0644, folders 0755 (umask 022)" "$(find "$R" ! -perm 644 ! -perm 755 | head -n 3)" \
	modes_umask "$R"
check "sh: perfreport.xml as the Performance plugin detects Taurus" "$(head -n 2 "$R/perfreport.xml")" \
	sh -c "head -n 1 '$R/perfreport.xml' | grep -q '^<?xml' && sed -n 2p '$R/perfreport.xml' | grep -q '<FinalStatus>'"
check "sh: perfreport.xml: latency, fps, the summary" "$(grep -A 5 latency "$R/perfreport.xml" | head -n 6)" \
	sh -c "grep -q '<Group label=\"demo-sh/latency\">' '$R/perfreport.xml' && grep -q '<Group label=\"demo-sh/fps\">' '$R/perfreport.xml' && grep -q '<Group label=\"\">' '$R/perfreport.xml'"
check "sh: plot CSV: a header, one row" "$(cat "$R/plot/demo-sh.fps.csv")" \
	sh -c "test \"\$(head -n 1 '$R/plot/demo-sh.fps.csv')\" = mean,min,p50,p90,p95,p99,max && test \$(wc -l <'$R/plot/demo-sh.fps.csv') = 2"
check "sh: samples.csv header" "$(head -n 1 "$R/samples.csv")" \
	test "$(head -n 1 "$R/samples.csv")" = "time_seconds,source,metric,type,value"
check "sh: samples of the app's fps" "none" grep -q '^[0-9.]*,demo-sh,fps,rate,' "$R/samples.csv"
check "sh: samples of the board" "none" grep -q ',board,host_memory_used_bytes,gauge,' "$R/samples.csv"
check "sh: samples of the app's process tree" "none" grep -q ',demo-sh,process_resident_memory_bytes,gauge,' "$R/samples.csv"
if have jq; then
	check "sh: samples.jsonl: one object per line, as many as samples.csv" \
		"$(jq -s length "$R/samples.jsonl" 2>&1 | head -n 1) vs $(($(wc -l <"$R/samples.csv") - 1))" \
		test "$(jq -s length "$R/samples.jsonl")" = "$(($(wc -l <"$R/samples.csv") - 1))"
	check "sh: summary.json parses" "$(jq . "$R/summary.json" 2>&1 | head -n 2)" \
		sh -c "jq -e . '$R/summary.json' >/dev/null"
	check "sh: summary says exited 0" "$(jq -c '[.end, .status, .exit_code]' "$R/summary.json")" \
		test "$(jq -c '[.end, .status, .exit_code]' "$R/summary.json")" = '["exited",0,0]'
	check "sh: the verdict for scripts" "$(jq -c '[.verdict, .app_ok, .thresholds]' "$R/summary.json")" \
		test "$(jq -c '[.verdict, .app_ok, .thresholds]' "$R/summary.json")" = '["pass",true,{"passed":2,"failed":0,"skipped":0}]'
	check "sh: summary.json lists every file of the folder" "$(diff "$T_DIR/files.have" "$T_DIR/files.listed" | head -n 5)" \
		files_listed "$R"
	check "sh: the app's own metrics first, then its process, then the board" \
		"$(jq -c '[.metrics[] | .source + "/" + .id] | .[0:8]' "$R/summary.json")" \
		test "$(jq -r '[.metrics[] | if .source == "board" then 2 elif (.id | test("^(process|gpu|cgroup)_")) then 1 else 0 end] | . == sort' "$R/summary.json")" = true
	check "sh: summary has fps, latency, x, frames" "$(jq -c '[.metrics[].id]' "$R/summary.json")" \
		test "$(jq '[.metrics[] | select(.source == "demo-sh") | .id] | map(select(. == "fps" or . == "latency" or . == "x" or . == "frames")) | length' "$R/summary.json")" = 4
	check "sh: latency counted 12 frames" "$(jq -c '.metrics[] | select(.id == "latency") | .stats' "$R/summary.json")" \
		test "$(jq '.metrics[] | select(.id == "latency") | .stats.count' "$R/summary.json")" = 12
	check "sh: frames total 12" "$(jq -c '.metrics[] | select(.id == "frames") | .stats' "$R/summary.json")" \
		test "$(jq '.metrics[] | select(.id == "frames") | .stats.total' "$R/summary.json")" = 12
	check "sh: thresholds passed" "$(jq -c '[.expectations[].result]' "$R/summary.json")" \
		test "$(jq -c '[.expectations[].result]' "$R/summary.json")" = '["pass","pass"]'
	# one plot per metric with samples
	nm=$(jq '[.metrics[] | select(.stats.min != null)] | length' "$R/summary.json")
	np=$(grep -o '<svg [^>]*class="plot"' "$R/report.html" | wc -l)
	check "sh: one plot per metric ($nm)" "$np plots" test "$nm" -gt 5 -a "$np" -eq "$nm"
else
	skip "sh: summary.json" "no jq"
fi
if have xmllint; then
	check "sh: junit.xml validates" "$(xmllint --noout --schema "$XSD" "$R/junit.xml" 2>&1 | head -n 2)" \
		xmllint --noout --schema "$XSD" "$R/junit.xml"
	check "sh: junit: 4 cases, 0 failures" "$(head -c 300 "$R/junit.xml")" \
		test "$(xmllint --xpath 'concat(/testsuites/testsuite/@tests, "-", /testsuites/testsuite/@failures)' "$R/junit.xml")" = "4-0"
	check "sh: report.html is well-formed" "$(xmllint --noout "$R/report.html" 2>&1 | head -n 2)" \
		xmllint --noout "$R/report.html"
else
	skip "sh: junit.xml" "no xmllint"
fi
check "sh: report.html needs no network" "$(grep -Eo '(src|href)="?https?:[^ ]*' "$R/report.html" | head -n 1)" \
	sh -c "! grep -Eq '<script|(src|href)=\"?(https?:)?//' '$R/report.html'"
check "sh: summary.txt names the app" "$(head -n 3 "$R/summary.txt")" grep -q demo-sh "$R/summary.txt"

# ---- hostile names and tag values from the app reach no file unescaped
session hostile 0 -t 30 -- sh -c 'lmhook send "evil:1|g|#k:<script>alert(1)</script>" "q:2|g|#k:a\"b&c" "uni:3|g|#k:\303\251t\303\251"; sleep 0.5'
R=$T_DIR/hostile
check "hostile: no <script> in report.html" "found" sh -c "! grep -q '<script' '$R/report.html'"
check "hostile: a quote doubled in samples.csv" "$(grep ',q{' "$R/samples.csv" | head -n 1)" \
	grep -q '^[0-9.]*,lmhook,"q{k=a""b&c}",gauge,2$' "$R/samples.csv"
if have jq; then
	check "hostile: samples.jsonl keeps the value" "$(grep '"q{' "$R/samples.jsonl" | head -n 1)" \
		test "$(jq -r 'select(.metric | startswith("q{")) | .metric' "$R/samples.jsonl" | head -n 1)" = 'q{k=a"b&c}'
	check "hostile: summary.json keeps the <script> id" "$(jq -c '[.metrics[].id]' "$R/summary.json" | cut -c1-200)" \
		test "$(jq -r '.metrics[] | select(.id | startswith("evil")) | .id' "$R/summary.json")" = 'evil{k=<script>alert(1)</script>}'
fi
if have xmllint; then
	check "hostile: report.html well-formed" "$(xmllint --noout "$R/report.html" 2>&1 | head -n 1)" xmllint --noout "$R/report.html"
	check "hostile: junit.xml validates" "$(xmllint --noout --schema "$XSD" "$R/junit.xml" 2>&1 | head -n 1)" \
		sh -c "xmllint --noout --schema '$XSD' '$R/junit.xml' 2>/dev/null"
fi

# ---- lines the private lmtabled refuses are named at the end
# (raw datagrams: lmhook itself refuses bad lines before sending)
# shellcheck disable=SC2016 # expanded by the app's shell
t_run "$LS" -g 1 -i 0.2 -o "$T_DIR/refused" -- sh -c \
	'printf "good:1|g\nbad:x|g\nworse|zz\n" | perl -MSocket -e '"'"'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; local $/; my $d = <STDIN>; send($s, $d, 0, pack_sockaddr_un($ARGV[0])) or die "send: $!\n"'"'"' "$LM_SOCKET"; sleep 0.3' </dev/null
expect "refused lines: a warning with the reasons" 0 - '~lmsession: warning: lmtabled refused 2 wire lines \(.*(syntax|value).*\)'

# ---- the C example app, stopped as planned (-r)
session c 0 -r 2 -t 30 -- "$T_DIR/bin/example_app" -n 0 -r 50
R=$T_DIR/c
if have jq; then
	check "c: ended stopped" "$(jq -c '[.end, .exit_code]' "$R/summary.json")" \
		test "$(jq -r .end "$R/summary.json")" = stopped
	fps=$(jq '.metrics[] | select(.id == "fps") | .stats.mean' "$R/summary.json")
	check "c: fps mean near 50 ($fps)" "fps $fps" awk -v f="$fps" 'BEGIN { exit !(f > 20 && f < 60) }'
	lat=$(jq '.metrics[] | select(.id == "latency") | .stats.p95' "$R/summary.json")
	check "c: latency p95 from buckets ($lat)" "p95 $lat" awk -v f="$lat" 'BEGIN { exit !(f > 0 && f < 1) }'
fi

# ---- a wrapped profiler, a dataset, -E, tegrastats on the board
cat >"$T_DIR/bin/wrapper" <<'EOF2'
#!/bin/sh
# a stand-in profiler: writes its report to $1, then runs the rest
out=$1
shift
echo "profiled: $*" >"$out"
exec "$@"
EOF2
# a stand-in tegrastats: one line per --interval into --logfile
cat >"$T_DIR/bin/tegrastats" <<EOF2
#!/bin/sh
ms=1000 log=/dev/stdout
while [ \$# -gt 0 ]; do
	case \$1 in
	--interval) ms=\$2; shift 2 ;;
	--logfile) log=\$2; shift 2 ;;
	*) shift ;;
	esac
done
s=\$(awk -v m="\$ms" 'BEGIN { printf "%.3f", m / 1000 }')
while :; do
	head -n 1 '$T_ROOT/test/data/probe/tegra-sample.txt' >>"\$log"
	sleep "\$s"
done
EOF2
chmod +x "$T_DIR/bin/wrapper" "$T_DIR/bin/tegrastats"
mkdir -p "$T_DIR/ds"
echo 42 >"$T_DIR/ds/input.txt"
old_path=$PATH
PATH=$T_DIR/bin:$PATH
# shellcheck disable=SC2016 # expanded by the app's shell
session prof 0 -t 30 -D "$T_DIR/ds" -E 'GREETING=hi {out}' -p tegrastats -p proc \
	-w "wrapper {out}/prof.txt" -- sh -c 'cat {dataset}/input.txt "$LM_DATASET/input.txt"; echo "$GREETING"; sh "$0" -n 5 -r 10' "$APP_SH"
PATH=$old_path
R=$T_DIR/prof
check "prof: the wrapper's file in the results" "$(ls "$R")" grep -q '^profiled: sh -c ' "$R/prof.txt"
check "prof: the wrapper's file linked in report.html" "none" grep -q '<a href="./prof.txt">prof.txt</a>' "$R/report.html"
check "prof: the wrapper's file 0644" "$(ls -l "$R/prof.txt")" modes_umask "$R"
if have jq; then
	check "prof: the wrapper's file in summary.json" "$(jq -c .files "$R/summary.json" | cut -c1-200)" \
		files_listed "$R"
fi
check "prof: {dataset} and LM_DATASET reach the app" "$(head -n 3 "$R/stdout.log")" \
	test "$(head -n 2 "$R/stdout.log" | tr '\n' ' ')" = "42 42 "
check "prof: -E with {out}" "$(sed -n 3p "$R/stdout.log")" test "$(sed -n 3p "$R/stdout.log")" = "hi $R"
check "prof: tegrastats.log kept" "missing" grep -q '^RAM ' "$R/tegrastats.log"
check "prof: board metrics from tegrastats" "none" grep -q ',board,board_ram_used_bytes,gauge,' "$R/samples.csv"

# ---- deadline paths; marker numbers find the app's processes
session exit3 2 -t 30 -- sh -c 'exit 3'
verdict exit3 "$T_DIR/exit3" app-failed exited
check "exit3: the app's status kept" "$(grep status "$T_DIR/exit3/summary.json")" grep -q '"status": 3,' "$T_DIR/exit3/summary.json"
session int 124 -t 1 -- sh -c 'sleep "$1" & wait' sh "${SK}1001"
verdict int "$T_DIR/int" timeout timeout
session ignint 124 -t 1 -- sh -c 'trap "" INT; sleep "$1" & wait' sh "${SK}1002"
check "ignint: took SIGTERM" "$(head -n 3 "$T_DIR/ignint/summary.txt" 2>/dev/null)" \
	grep -q SIGTERM "$T_DIR/ignint/summary.json"
session ignall 137 -t 1 -- sh -c 'trap "" INT TERM; sleep "$1"' sh "${SK}1003"
verdict ignall "$T_DIR/ignall" killed killed
check "ignall: the headline says why" "$(head -n 1 "$T_DIR/ignall/summary.txt")" \
	grep -q '^sleep: FAIL: killed after the deadline, exit code 137$' "$T_DIR/ignall/summary.txt"
session children 0 -t 30 -- sh -c '(trap "" INT TERM HUP; exec sleep "$1") & setsid sh -c "trap \"\" INT TERM HUP; sleep $2" & sleep 0.3; exit 0' \
	sh "${SK}1004" "${SK}1005"
session children_deadline 124 -t 1 -- sh -c '(trap "" INT TERM HUP; exec sleep "$1") & setsid sh -c "trap \"\" INT TERM HUP; sleep $2" & trap "exit 0" INT; sleep "$3" & wait' \
	sh "${SK}1006" "${SK}1007" "${SK}1008"
session notfound 127 -- "$T_DIR/no-such-app"
printf 'x\n' >"$T_DIR/plain-file"
chmod 644 "$T_DIR/plain-file"
session noexec 126 -- "$T_DIR/plain-file"
session signaled 2 -- sh -c 'kill -TERM $$'
verdict signaled "$T_DIR/signaled" app-failed signaled
verdict notfound "$T_DIR/notfound" not-found not-started
verdict noexec "$T_DIR/noexec" cannot-run not-started

# ---- an lmtabled that never gets ready, or exits first: lmsession (a
# copy, which finds the fake beside itself) gives up at its 5 s deadline
# or at the pipe's end, exits 111 and leaves nothing running
for fake in hang exits; do
	mkdir -p "$T_DIR/fake$fake"
	cp "$LS" "$T_DIR/fake$fake/lmsession"
	case $fake in
	hang) printf '#!/bin/sh\nexec sleep %s\n' "${SK}3001" ;;
	*) printf '#!/bin/sh\nexit 1\n' ;;
	esac >"$T_DIR/fake$fake/lmtabled"
	chmod +x "$T_DIR/fake$fake/lmtabled"
	t_run "$T_DIR/fake$fake/lmsession" -q -p none -o "$T_DIR/fk$fake" -- true </dev/null
	case $fake in
	hang) expect "lmtabled never ready: exit 111, said" 111 - '~was not ready within 5s' ;;
	*) expect "lmtabled exits at once: exit 111, said" 111 - '~lmtabled .* did not start' ;;
	esac
	if wait_for 5 none_left "$T_DIR/fake$fake"; then
		ok "lmtabled $fake: no process left"
	else
		fail "lmtabled $fake: no process left" "left: $(all_left "$T_DIR/fake$fake")"
	fi
done
# the default name: an interpreted app is named after its script
printf 'import time\ntime.sleep(0.1)\n' >"$T_DIR/myapp.py"
if have python3; then
	session pyname 0 -t 30 -- python3 -u "$T_DIR/myapp.py"
	check "pyname: python3 myapp.py is myapp" "$(head -n 1 "$T_DIR/pyname/summary.txt")" \
		grep -q '^myapp: PASS' "$T_DIR/pyname/summary.txt"
else
	skip "pyname" "no python3"
fi
session shname 0 -t 30 -- sh -c 'cd / && lmhook send "x:1|g"'
check "shname: sh -c 'cd / && lmhook ...' is lmhook" "$(head -n 1 "$T_DIR/shname/summary.txt")" \
	grep -q '^lmhook: PASS' "$T_DIR/shname/summary.txt"
session nname 0 -t 30 -n given -- sh -c true
check "nname: -n first" "$(head -n 1 "$T_DIR/nname/summary.txt")" grep -q '^given: ' "$T_DIR/nname/summary.txt"
if have jq; then
	check "timeout: junit fails the deadline case" "$(head -c 600 "$T_DIR/int/junit.xml")" \
		grep -q 'finished before the deadline' "$T_DIR/int/junit.xml"
	check "notfound: ended not-started" "$(jq -c .end "$T_DIR/notfound/summary.json")" \
		test "$(jq -r .end "$T_DIR/notfound/summary.json")" = not-started
fi

# ---- thresholds and a baseline
session fail1 1 -t 30 -e 'fps>=100000' -- sh "$APP_SH" -n 5 -r 20
verdict fail1 "$T_DIR/fail1" threshold-failed exited
check "fail1: the headline says a threshold failed" "$(head -n 1 "$T_DIR/fail1/summary.txt")" \
	grep -q '^app: FAIL: exited 0, a threshold failed, exit code 1$' "$T_DIR/fail1/summary.txt"
# the app failing and a threshold failing: the app's failure wins
# shellcheck disable=SC2016 # expanded by the app's shell
session fail2 2 -t 30 -e 'fps>=100000' -- sh -c 'sh "$0" -n 3 -r 20; exit 4' "$APP_SH"
verdict fail2 "$T_DIR/fail2" app-failed exited
if have xmllint; then
	check "fail1: junit has the failure" "$(head -c 600 "$T_DIR/fail1/junit.xml")" \
		test "$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$T_DIR/fail1/junit.xml")" = 1
fi
session base2 0 -t 30 -n demo-sh -b "$T_DIR/sh" -e 'fps>=0.2*baseline' -e 'latency.count>=0.5*baseline' -- sh "$APP_SH" -n 12 -r 10
if have jq; then
	check "base2: relative thresholds pass" "$(jq -c '[.expectations[] | [.result, .why]]' "$T_DIR/base2/summary.json")" \
		test "$(jq -c '[.expectations[].result]' "$T_DIR/base2/summary.json")" = '["pass","pass"]'
	check "base2: deltas against the baseline" "no delta" \
		test "$(jq '[.metrics[] | select(.delta != null)] | length' "$T_DIR/base2/summary.json")" -gt 0
fi
session base3 0 -t 30 -e 'fps>=0.2*baseline' -- sh "$APP_SH" -n 3 -r 20
if have jq; then
	check "base3: relative threshold without baseline skipped" "$(jq -c '.expectations' "$T_DIR/base3/summary.json")" \
		test "$(jq -r '.expectations[0].result' "$T_DIR/base3/summary.json")" = skip
fi

# ---- container mode, through a stand-in runtime
mkdir -p "$T_DIR/images" "$T_DIR/rtstate" "$T_DIR/data"
cp "$APP_SH" "$T_DIR/images/app.sh"
cp "$APP_SH" "$T_DIR/images/loop.sh"
FAKE_RT_LOG=$T_DIR/rt.log FAKE_RT_STATE=$T_DIR/rtstate FAKE_RT_IMAGES=$T_DIR/images
export FAKE_RT_LOG FAKE_RT_STATE FAKE_RT_IMAGES
session ctr 0 -t 30 -R "$RT" -I registry.example/team/app:1.2 -D "$T_DIR/data" \
	-A '--gpus all --shm-size=1g' -a '-n 8 -r 10' -E 'MODE=fast'
check "ctr: runtime got run --rm --name" "$(head -n 5 "$T_DIR/rt.log" | tr '\n' ' ')" \
	sh -c "sed -n '/^run\$/,+3p' '$T_DIR/rt.log' | tr '\n' ' ' | grep -q '^run --rm --name lmsession-'"
check "ctr: socket folder mounted at /metrics" "$(tr '\n' ' ' <"$T_DIR/rt.log" | cut -c1-300)" \
	grep -q ':/metrics$' "$T_DIR/rt.log"
check "ctr: dataset mounted read-only" "none" grep -q "^$T_DIR/data:/dataset:ro\$" "$T_DIR/rt.log"
check "ctr: docker args split into words" "none" grep -q '^--shm-size=1g$' "$T_DIR/rt.log"
check "ctr: -E passed as -e" "none" grep -q '^MODE=fast$' "$T_DIR/rt.log"
check "ctr: app args after the image" "$(tr '\n' ' ' <"$T_DIR/rt.log" | cut -c1-400)" \
	sh -c "tr '\n' ' ' <'$T_DIR/rt.log' | grep -q 'registry.example/team/app:1.2 -n 8 -r 10 '"
if have jq; then
	check "ctr: the app's metrics reached the session" "$(jq -c '[.metrics[].id]' "$T_DIR/ctr/summary.json" | cut -c1-200)" \
		test "$(jq '[.metrics[] | select(.source == "app" and .id == "frames")] | .[0].stats.total' "$T_DIR/ctr/summary.json")" = 8
fi
: >"$T_DIR/rt.log"
# the Jenkins parameters from the environment; a deadline: runtime kill
t_run env app_name=registry.example/loop:2 app_args='-n 0 -r 10' app_docker_args='--gpus all' \
	"$LS" -q -g 1 -i 0.2 -t 1 -R "$RT" -o "$T_DIR/jenkins" </dev/null
expect "jenkins parameters: timed out" 124 - -
check "jenkins parameters: runtime kill --signal=SIGINT" "$(tr '\n' ' ' <"$T_DIR/rt.log" | cut -c1-400)" \
	grep -q '^--signal=SIGINT$' "$T_DIR/rt.log"
check "jenkins parameters: named after app_name" "none" grep -q 'loop' "$T_DIR/jenkins/summary.txt"
if wait_for 5 none_left "$T_DIR/jenkins"; then
	ok "jenkins parameters: no process left"
else
	fail "jenkins parameters: no process left" "left: $(all_left "$T_DIR/jenkins")"
fi

# ---- lmsession killed mid-run (TERMt: with a deadline, TERMr: with a
# planned stop; neither is what stopped the app)
n=2000
for sig in TERM TERMt TERMr KILL; do
	n=$((n + 1))
	case $sig in
	TERMt) lim="-t 60" ;;
	TERMr) lim="-r 60" ;;
	*) lim= ;;
	esac
	# shellcheck disable=SC2086 # $lim: none or two words
	"$LS" -q -g 1 -i 0.2 $lim -o "$T_DIR/killed$sig" -- sh -c "(trap '' INT TERM; exec sleep $SK$n) & sh '$APP_SH' -n 0 -r 20" \
		</dev/null >"$T_DIR/killed$sig.out" 2>"$T_DIR/killed$sig.err" &
	p=$!
	wait_for 10 has_fps "$T_DIR/killed$sig/.samples.csv.part"
	kill "-${sig%[tr]}" "$p"
	wait "$p"
	rc=$?
	if [ "$sig" != KILL ]; then
		R=$T_DIR/killed$sig
		check "killed by SIG$sig: exit 143" "exit $rc" test "$rc" = 143
		check "killed by SIG$sig: results written" "$(ls "$R")" test -s "$R/summary.json"
		check "killed by SIG$sig: the headline says interrupted" "$(head -n 1 "$R/summary.txt")" \
			grep -q '^[^:]*: FAIL: interrupted by SIGTERM, exit code 143$' "$R/summary.txt"
		verdict "killed by SIG$sig" "$R" interrupted interrupted
		check "killed by SIG$sig: junit says interrupted" "$(grep -A 2 'before the deadline' "$R/junit.xml" | head -n 3)" \
			grep -q '<failure message="stopped by SIGINT after lmsession got SIGTERM" type="interrupted">' "$R/junit.xml"
		if have xmllint; then
			check "killed by SIG$sig: junit.xml validates" "$(xmllint --noout --schema "$XSD" "$R/junit.xml" 2>&1 | head -n 2)" \
				sh -c "xmllint --noout --schema '$XSD' '$R/junit.xml' 2>/dev/null"
		fi
	else
		check "killed by SIGKILL: exit 137" "exit $rc" test "$rc" = 137
	fi
	if wait_for 5 none_left "$T_DIR/killed$sig"; then
		ok "killed by SIG$sig: its children go too"
	else
		fail "killed by SIG$sig: its children go too" "left: $(all_left "$T_DIR/killed$sig")"
	fi
	check "killed by SIG$sig: no half-written file" "$(find "$T_DIR/killed$sig" -name '*.tmp' -o -name '*.part')" \
		files_whole "$T_DIR/killed$sig"
done

# ---- a full disk: a clear error, no half-written file
if [ "$(id -u)" = 0 ] && mkdir -p "$T_DIR/tiny" && mount -t tmpfs -o size=64k tmpfs "$T_DIR/tiny" 2>/dev/null; then
	T_CLEANUP_EXTRA="umount '$T_DIR/tiny' 2>/dev/null"
	mkdir "$T_DIR/tiny/run"
	dd if=/dev/zero of="$T_DIR/tiny/filler" bs=1k count=60 2>/dev/null
	t_run "$LS" -q -g 1 -i 0.05 -o "$T_DIR/tiny/run" -- sh "$APP_SH" -n 20 -r 50 </dev/null
	expect "full disk: exit 111 with a clear error" 111 - '~No space left on device'
	check "full disk: no half-written file" "$(find "$T_DIR/tiny/run" -name '*.tmp' -o -name '*.part')" \
		files_whole "$T_DIR/tiny/run"
	if [ -f "$T_DIR/tiny/run/summary.json" ] && have jq; then
		check "full disk: a summary.json there is whole" "does not parse" \
			sh -c "jq -e . '$T_DIR/tiny/run/summary.json' >/dev/null"
	fi
	umount "$T_DIR/tiny"
	T_CLEANUP_EXTRA=
else
	skip "full disk" "needs root and a tmpfs mount"
fi

# ---- the app's CPU and I/O add up: every process it ran, exited ones
# included, checked against the kernel's account lmt_rusage collects
RU=$LM_BIN/lmt_rusage
# usage_of DIR KEY: the number summary.json's usage object gives for KEY
usage_of() {
	sed -n 's/.*"usage": {[^}]*"'"$2"'": \([-0-9.e+]*\).*/\1/p' "$1/summary.json"
}
# cpu_case NAME MAXCORES SECS CMD...: a session of lmt_rusage running CMD,
# a sample every SECS. Its CPU and written bytes must be the kernel's
# within 2 %; no interval's CPU may pass MAXCORES (0: the machine's
# cores); the intervals must add up to the total (less the last round,
# when it was too short to be one: half an interval on every core).
cpu_case() {
	_qn=$1 _qmax=$2 _qi=$3
	shift 3
	ru_fifo "$T_DIR/$_qn.ru"
	t_run "$LS" -q -p none -i "$_qi" -o "$T_DIR/$_qn" -- "$RU" "$T_DIR/$_qn.ru.fifo" "$@" </dev/null
	expect "$_qn: exit 0" 0 '' - || return 0
	wait_for 10 test -s "$T_DIR/$_qn.ru"
	read -r _qru _ _ _ _qruw _qself <"$T_DIR/$_qn.ru"
	# lmt_rusage itself is one of the app's processes
	_qru=$(awk -v a="$_qru" -v b="$_qself" 'BEGIN { printf "%.4f", a + b }')
	_qgot=$(usage_of "$T_DIR/$_qn" cpu_seconds)
	check "$_qn: CPU ${_qgot:-none} s is the kernel's $_qru s within 2 %" "got ${_qgot:-none}" \
		awk -v a="${_qgot:-0}" -v b="$_qru" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.02 * b) }'
	_qgot=$(usage_of "$T_DIR/$_qn" write_bytes)
	check "$_qn: written ${_qgot:-none} bytes are the kernel's $_qruw within 2 %" "got ${_qgot:-none}" \
		awk -v a="${_qgot:-0}" -v b="$_qruw" 'BEGIN { exit !(a >= b && a <= 1.02 * b + 16384) }'
	_qcores=$(usage_of "$T_DIR/$_qn" cores)
	[ "$_qmax" != 0 ] || _qmax=${_qcores:-1}
	_qdur=$(sed -n 's/.*"duration_seconds": \([0-9.e+-]*\).*/\1/p' "$T_DIR/$_qn/summary.json")
	# shellcheck disable=SC2046 # three numbers, split on purpose
	set -- $(awk -F, '$2 == "lmt_rusage" && $3 == "process_cpu_seconds" {
		n++; if ($5 > m) m = $5; s += $5 * ($1 - t); t = $1 }
		END { printf "%d %.4f %.4f\n", n, m, s }' "$T_DIR/$_qn/samples.csv")
	check "$_qn: CPU in every interval (got $1), at most $_qmax cores (max $2)" "$1 samples, max $2" \
		awk -v n="$1" -v m="$2" -v c="$_qmax" 'BEGIN { exit !(n >= 1 && m <= c + 1e-6) }'
	check "$_qn: the intervals add up to the total (got $3 s of $_qru s)" "got $3" \
		awk -v s="$3" -v b="$_qru" -v lost="$(awk -v c="${_qcores:-1}" -v i="$_qi" -v d="$_qdur" \
			'BEGIN { print (d > i ? c * i / 2 : 0) }')" \
		'BEGIN { exit !(s <= 1.02 * b + 0.02 && s >= b - lost - 0.03) }'
}
# shellcheck disable=SC2016 # expanded by the app's shell
cpu_case chain 1.2 0.5 sh -c 'i=0; while [ $i -lt 20 ]; do "$1" -b 0.05 -w 65536 "$2.$i"; i=$((i + 1)); done' \
	sh "$RU" "$T_DIR/chain.f"
# shellcheck disable=SC2016 # expanded by the app's shell
cpu_case pool 0 0.5 sh -c '"$1" -b 1 & "$1" -b 1 & wait' sh "$RU"
cpu_case short 1.2 5 "$RU" -b 0.5
cpu_case long 1.2 0.3 "$RU" -b 1.5
check "long: summary.txt gives the CPU and I/O" "$(grep usage "$T_DIR/long/summary.txt")" \
	grep -q '^usage .* s CPU (user .*, system .*), mean .* cores of .*; read .*, written .* (rusage)$' \
	"$T_DIR/long/summary.txt"
check "long: report.html too" "none" grep -q '<th>usage</th><td>.* s CPU' "$T_DIR/long/report.html"

# ---- lmsession idles while it waits: once the app has ended, the last
# round comes after FLUSH_WAIT (0.3 s). Three sessions of `true`, sampled
# every 0.05 s, cost little CPU, lmsession and all it ran together (a
# loop that spun through that wait cost 0.27 s a session, static; 0.38 s
# ASan; 0.02 s and 0.13 s without it; under the suite's load 0.10-0.12 s
# and 0.53 s for the three: the static pass is where the margin is wide)
if is_sanitized; then idle_max=1.0; else idle_max=0.3; fi
ru_fifo "$T_DIR/idle.ru"
t_run "$RU" "$T_DIR/idle.ru.fifo" sh -c 'for i in 1 2 3; do
	"$1" -q -p none -g 1 -i 0.05 -o "$2.$i" -- true || exit; done' sh "$LS" "$T_DIR/idle" </dev/null
if expect "idle: three sessions of true: exit 0" 0 '' -; then
	wait_for 10 test -s "$T_DIR/idle.ru"
	read -r idle_cpu _ <"$T_DIR/idle.ru"
	check "idle: three sessions of true cost ${idle_cpu:-?} s of CPU, at most $idle_max s" \
		"got ${idle_cpu:-none}" awk -v a="${idle_cpu:-9}" -v m="$idle_max" 'BEGIN { exit !(a <= m) }'
fi

# ---- the app's GPU memory: a stand-in nvidia-smi lists the app (1500 MiB)
# and init (not the app's); the app probe gets nvidia-smi-apps by itself
mkdir -p "$T_DIR/gpubin"
cat >"$T_DIR/gpubin/nvidia-smi" <<EOF
#!/bin/sh
case "\$*" in
*--query-compute-apps=*)
	p=\$(cat '$T_DIR/gpubin/app.pid' 2>/dev/null)
	[ -n "\$p" ] && echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, \$p, 1500, /bin/sh"
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 1, 9999, /sbin/init" ;;
*--query-gpu=uuid,index,name\ *)
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, NVIDIA H100 80GB HBM3" ;;
*)
	exit 9 ;;
esac
EOF
chmod +x "$T_DIR/gpubin/nvidia-smi"
old_path=$PATH
PATH=$T_DIR/gpubin:$PATH
# shellcheck disable=SC2016 # expanded by the app's shell
session gpu 0 -t 30 -p proc -n gpuapp -e 'gpu_memory_bytes.max<=2e9' -e 'gpu_memory_bytes.max>=1.5e9' \
	-- sh -c 'echo $$ >"$0"; sleep 1.5' "$T_DIR/gpubin/app.pid"
PATH=$old_path
R=$T_DIR/gpu
check "gpu: samples of the app's GPU memory in total" "$(grep gpu_ "$R/samples.csv" | head -n 3)" \
	grep -q '^[0-9.]*,gpuapp,gpu_memory_bytes,gauge,1572864000$' "$R/samples.csv"
check "gpu: per GPU, index and model" "$(grep gpu_ "$R/samples.csv" | head -n 3)" \
	grep -q ',gpuapp,"gpu_memory_bytes{gpu=0,model=NVIDIA_H100_80GB_HBM3}",gauge,1572864000$' "$R/samples.csv"
check "gpu: init's memory is not the app's" "$(grep gpu_ "$R/samples.csv" | head -n 3)" \
	no_line "$R/samples.csv" '10483662848$'
check "gpu: the summary shows it" "$(head -n 20 "$R/summary.txt")" grep -q 'gpu_memory_bytes' "$R/summary.txt"
check "gpu: thresholds on it pass" "$(grep -i gpu "$R/junit.xml" | head -n 3)" \
	grep -q 'gpu_memory_bytes.max&lt;=2e9' "$R/junit.xml"
if have jq; then
	check "gpu: max and mean in summary.json" \
		"$(jq -c '.metrics[] | select(.id == "gpu_memory_bytes") | .stats' "$R/summary.json")" \
		test "$(jq '.metrics[] | select(.id == "gpu_memory_bytes") | [.stats.max, (.stats.mean > 0)] | tostring' "$R/summary.json")" = '"[1572864000,true]"'
fi

# ---- a progress line on a terminal, log lines otherwise
if have script; then
	script -qec "$LS -g 1 -i 0.2 -o $T_DIR/tty -- sh $APP_SH -n 15 -r 10" /dev/null >"$T_DIR/tty.out" 2>&1 </dev/null
	check "terminal: a progress line" "$(tr '\r' '|' <"$T_DIR/tty.out" | head -c 300)" \
		sh -c "tr '\r' '\n' <'$T_DIR/tty.out' | grep -q '^.*lmsession: 1s.*fps'"
else
	skip "terminal: a progress line" "no script(1)"
fi
t_run "$LS" -g 1 -i 0.2 -o "$T_DIR/log" -- sh "$APP_SH" -n 5 -r 10 </dev/null
expect "not a terminal: plain log lines, summary on stdout" 0 '~fps' '~^lmsession: info: .*results in'
check "not a terminal: no carriage return" "found" sh -c "! grep -q \"\$(printf '\r')\" '$T_DIR/err'"

t_done
