#!/bin/sh
# shellcheck disable=SC2086 # $H and $X are command words
# test/valgrind.sh BUILDDIR: valgrind memcheck over a plain glibc debug
# build (make valgrind builds build/vg and runs this); not part of the
# suite. Runs every unit test binary under memcheck, then end to end, each
# tool under memcheck: lmtabled (-v -k) for the whole run; lmhook sending
# every kind of update, a batch of 5,000 lines on stdin, 3,000 distinct
# series, knobs, dumps, junk lines of its own; hostile datagrams sent raw
# (the junk of test/it/hostile.sh, NUL bytes, a 65,536- and a 70,000-byte
# datagram); lmexport answering -p, GET, an OpenMetrics Accept, HEAD,
# junk, a 404, a 405, 10 KiB of headers, and a 503 with lmtabled gone;
# lmprobe -1 on the fixtures of test/data/probe (tegrastats, a stand-in
# nvidia-smi printing the recorded rows, procfs, tree and cgroup roots);
# lmsession running docs/examples/app.sh for 2 s (its keeper, a fork, is
# checked too; the lmtabled and lmprobe it execs are not: children are
# not traced).
#
# memcheck: --leak-check=full --errors-for-leak-kinds=definite
# --error-exitcode=99; each process logs to BUILDDIR/vglog/NAME.PID.
# Prints one line per run (errors, exit status) and a total; exit 0 when
# no run had an error (and every exit status was the one expected), 1
# else, 100 usage, 111 set-up failed.
set -u
if [ $# -ne 1 ]; then
	echo "usage: sh test/valgrind.sh BUILDDIR" >&2
	exit 100
fi
B=$(cd "$1" && pwd) || exit 100
R=$(cd "${0%/*}/.." && pwd) || exit 111
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind: fatal: no valgrind (apt-get install valgrind)" >&2
	exit 111
}
for f in lmtabled lmhook lmexport lmprobe lmsession test_num; do
	[ -x "$B/$f" ] || { echo "valgrind: fatal: no $B/$f (make valgrind)" >&2; exit 111; }
done
if grep -q __asan_init "$B/lmtabled" 2>/dev/null; then
	echo "valgrind: fatal: $B is an ASan build; memcheck needs a plain one" >&2
	exit 100
fi
L=$B/vglog
rm -rf "$L"
mkdir -p "$L" || exit 111
D=$(mktemp -d "${TMPDIR:-/tmp}/lmvg.XXXXXX") || exit 111
S=$D/s.sock
TPID=
unset LM_SOCKET LM_APP
cleanup() {
	[ -n "$TPID" ] && kill -KILL "$TPID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nrun=0 nbad=0
# vg NAME WANT CMD...: run CMD under memcheck (stdin the caller's, stdout
# to $D/out); WANT: the exit status expected ('-': any but 99)
vg() {
	_n=$1 _want=$2
	shift 2
	nrun=$((nrun + 1))
	timeout -k 5 120 valgrind --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --trace-children=no \
		--log-file="$L/$_n.%p" "$@" >"$D/out" 2>"$D/err"
	_rc=$?
	cp "$D/out" "$L/$_n.out"
	cp "$D/err" "$L/$_n.err"
	if [ "$_rc" -eq 99 ] || { [ "$_want" != - ] && [ "$_rc" -ne "$_want" ]; }; then
		nbad=$((nbad + 1))
		echo "FAIL $_n: exit $_rc (want $_want): $(grep -v '^ok ' "$D/err" "$D/out" | head -n 2 | tr '\n' '|')"
	fi
}
# raw SOCK: stdin as one datagram to SOCK, not under memcheck
raw() {
	perl -MSocket -e '
		socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
		setsockopt($s, SOL_SOCKET, SO_SNDBUF, 1 << 20);
		binmode STDIN; local $/; my $d = <STDIN>; $d = "" unless defined $d;
		defined(send($s, $d, 0, pack_sockaddr_un($ARGV[0]))) or die "raw: $!\n";' "$1"
}

# ---- unit tests
cd "$R" || exit 111
for u in test_num test_wire test_table test_http test_expo test_hook test_probe test_report test_acct test_top; do
	vg "$u" 0 "$B/$u"
done

# ---- lmtabled under memcheck, for the whole end-to-end part
mkfifo "$D/ready"
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--trace-children=no --log-file="$L/lmtabled.%p" \
	"$B/lmtabled" -v -k "$D/knobs" -s "$S" -d 3 3>"$D/ready" 2>"$D/tabled.err" &
TPID=$!
nrun=$((nrun + 1))
if [ "$(timeout 60 head -c 1 "$D/ready" | od -An -c | tr -d ' ')" != '\n' ]; then
	echo "valgrind: fatal: lmtabled did not become ready: $(tail -n 2 "$D/tabled.err")" >&2
	exit 111
fi
H="$B/lmhook -s $S"

# ---- lmhook: every kind of update, knobs, a batch, many series
vg lmhook.counter 0 $H -a vg counter frames 3
vg lmhook.gauge 0 $H -a vg gauge temp 41.5
vg lmhook.add 0 $H -a vg add temp -1.5
vg lmhook.timer 0 $H -a vg timer latency 0.012
vg lmhook.tick 0 $H -a vg tick fps 30
vg lmhook.time 0 $H -a vg time step -- true
vg lmhook.send 0 $H -a vg send 'a:1|c|#k:v' 'b:2:3:4|ms|@0.5' 'c:5|h' 'd:0.5|t|b:3=2,7=1|l:0.1'
vg lmhook.set 0 $H -a vg set res 720
vg lmhook.set2 0 $H -a vg set mode fast
vg lmhook.get 0 $H -a vg get res
vg lmhook.unset 0 $H -a vg unset mode
vg lmhook.knobs 0 $H knobs
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "batch%d:%d|%s|#app:vgb,k:v%d\n", i % 50, i, (i % 2 ? "c" : "g"), i % 7 }' |
	vg lmhook.batch 0 $H -
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "s%05d:1|g|#app:vgs\n", i }' |
	vg lmhook.series 0 $H -
vg lmhook.junk1 - $H send 'garbage'
vg lmhook.junk2 - $H send 'x:nan|g'
vg lmhook.junk3 - $H -a "$(printf 'in\nj')" counter x
vg lmhook.junk4 - $H counter 'bad name'
vg lmhook.junk5 - $H gauge x 1e999
vg lmhook.junk6 - $H bogus
vg lmhook.junk7 - $H -a vg get 'no such knob!'
printf 'ok:1|c|#app:vgj\n\000junk\nbad:1|zz\nx{y}:1|c\n' | vg lmhook.junk8 - $H -

# ---- hostile datagrams, raw (the junk of test/it/hostile.sh)
long_name=$(awk 'BEGIN { for (i = 0; i < 200; i++) printf "n" }')
long_line="hlong:1|c|#app:h,k:$(awk 'BEGIN { for (i = 0; i < 5000; i++) printf "v" }')"
many_tags='hmany:1|c|#app:h'
i=0
while [ "$i" -lt 20 ]; do
	many_tags="$many_tags,t$i:v"
	i=$((i + 1))
done
for l in 'garbage' 'hbad' ':::' '|||' 'hbad:1|zz' 'hbad:abc|c' 'hbad:-1|c' \
	'hbad:nan|g' 'hbad:1e999|g' 'hbad:1|c|@2' 'hbad:1|c|@0' 'h bad:1|c' \
	'hbad{x="1"}:1|c' "$long_name:1|c" "$long_line" "$many_tags" \
	'hbad:1|c\r' 'hbad:1|g|#app:h,k:\0377\0376' 'hbad:1|r|r:5' \
	'hbad:1|t|b:99=1' 'hbad:\0|c' 'hnul\0evil:1|c|#app:h' 'hnul:1|c|#app:h\0,evil:1' \
	'hbad:1:|c' 'hkey:1|c|#app:h,:v' 'hpid:1|c|#app:hp,pid:1' \
	'hesc:1|g|#app:h,q:a"b' 'hesc2:1|g|#app:h,bs:a\\b' 'hbrace:1|g|#app:h,k:v} hfake 1' \
	'g1:1e308|g|#app:h' 'g1:+1e308|g|#app:h' 'g1:+1e308|g|#app:h' 'hc:1|c|#app:h,c:ctr1' \
	'hu:1|c|#app:h,uid:0,le:1,quantile:2' 'hconf:1|c|#app:h' 'hconf:1|g|#app:h' \
	'hT:1|c|T1700000000|#app:h' 'hr:3|r|#app:h' ''; do
	printf '%b' "$l" | raw "$S"
done
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "hmax:1|c|#app:h\n" }' | raw "$S"
awk 'BEGIN { for (i = 0; i < 4375; i++) printf "hbig:1|c|#app:h\n" }' | raw "$S"
vg lmhook.dump 0 $H dump
grep -q '^hmax:4096|c|' "$D/out" || {
	nbad=$((nbad + 1))
	echo "FAIL lmhook.dump: the 65,536-byte datagram is not in the dump"
}

# ---- lmexport: -p, then inetd-style requests on stdin
X="$B/lmexport -s $S"
vg lmexport.p 0 $X -p
vg lmexport.o 0 $X -p -o
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' | vg lmexport.get 0 $X
grep -q '^HTTP/1.1 200' "$D/out" || { nbad=$((nbad + 1)); echo "FAIL lmexport.get: not 200"; }
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text; version=1.0.0,text/plain;q=0.5\r\n\r\n' |
	vg lmexport.openmetrics 0 $X
printf 'HEAD /metrics HTTP/1.0\r\n\r\n' | vg lmexport.head 0 $X
printf 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' | vg lmexport.404 - $X
printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n' | vg lmexport.405 - $X
printf 'BLAH\r\n\r\n' | vg lmexport.junk - $X
printf 'GET /metrics HTTP/1.1\r\nX: a\000b\r\n\r\n' | vg lmexport.nul - $X
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' | vg lmexport.h2 - $X
printf 'GET /metrics HTTP/3.0\r\n\r\n' | vg lmexport.505 - $X
printf 'GET /metrics HTTP/1.1\r\nHost: x' | vg lmexport.eof - $X
{ printf 'GET /metrics HTTP/1.1\r\n'; awk 'BEGIN { for (i = 0; i < 100; i++) printf "X-Pad-%d: %0100d\r\n", i, 0 }'; printf '\r\n'; } |
	vg lmexport.431 - $X
: | vg lmexport.empty - $X

# ---- lmprobe -1 on the fixtures
P=$R/test/data/probe
for f in "$P"/tegra-*.txt; do
	n=${f##*/}
	vg "lmprobe.${n%.txt}" 0 "$B/lmprobe" -1 -o -a jet tegrastats:- <"$f"
done
mkdir -p "$D/bin"
cat >"$D/bin/nvidia-smi" <<EOF
#!/bin/sh
case "\$*" in
*--query-compute-apps=*) grep -v '^#' "$P/nvsmi-apps.txt" ;;
*) grep -v '^#' "$P/nvsmi.txt" ;;
esac
EOF
chmod +x "$D/bin/nvidia-smi"
PATH=$D/bin:$PATH vg lmprobe.nvsmi 0 "$B/lmprobe" -1 -o nvidia-smi nvidia-smi-apps
for r in root-v1 root-v2 root-ctr; do
	vg "lmprobe.$r" - "$B/lmprobe" -1 -o -r "$P/$r" -p 100 proc tree cgroup
done
vg lmprobe.send 0 "$B/lmprobe" -1 -s "$S" -r "$P/root-v2" -p 100 proc tree cgroup
vg lmprobe.self 0 "$B/lmprobe" -1 -o -p $$ proc tree cgroup

# ---- lmsession: docs/examples/app.sh for 2 s (-r 2: a planned stop, exit 0)
vg lmsession 0 "$B/lmsession" -q -r 2 -t 30 -p proc -o "$D/session" -n vgsess -- \
	sh "$R/docs/examples/app.sh" -n 0 -r 20
[ -s "$D/session/summary.json" ] || {
	nbad=$((nbad + 1))
	echo "FAIL lmsession: no summary.json in the results folder"
}

# ---- lmtabled: SIGTERM, exit 0; then lmexport with it gone (503)
kill -TERM "$TPID"
wait "$TPID"
rc=$?
TPID=
if [ "$rc" -ne 0 ]; then
	nbad=$((nbad + 1))
	echo "FAIL lmtabled: exit $rc (want 0): $(tail -n 2 "$D/tabled.err" | tr '\n' '|')"
fi
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' | vg lmexport.503 - $X
grep -q '^HTTP/1.1 503' "$D/out" || { nbad=$((nbad + 1)); echo "FAIL lmexport.503: not 503"; }

# ---- the logs: one per process (forks included). A fork that went on to
# exec an untraced program (sh, nvidia-smi, lmtabled...) leaves a log with
# no ERROR SUMMARY: checked up to its exec, for error lines.
nerr=0 nlog=0 nexec=0
for f in "$L"/*; do
	case $f in *.out | *.err) continue ;; esac
	[ -f "$f" ] || continue
	nlog=$((nlog + 1))
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -n 1)
	if [ -z "$e" ]; then
		if grep -Eq '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Process terminating)' "$f"; then
			echo "FAIL ${f##*/}: errors, and no ERROR SUMMARY:"
			grep -E '^==[0-9]+== ' "$f" | sed -n '7,26p' | sed 's/^/  /'
			nbad=$((nbad + 1))
		else
			nexec=$((nexec + 1))
		fi
		continue
	fi
	if [ "$e" -gt 0 ]; then
		echo "FAIL ${f##*/}: $e errors:"
		grep -E '^==[0-9]+== +(Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in .* definitely|   (at|by) )' "$f" |
			head -n 20 | sed 's/^/  /'
		nerr=$((nerr + e))
	fi
done
definite=$(cat "$L"/*.[0-9]* | sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' | tr -d , |
	awk '{ s += $1 } END { print s + 0 }')
echo "valgrind: $nrun runs, $nlog processes checked ($nexec of them forks that exec'd an untraced program), $nerr errors, $definite bytes definitely lost; logs in $L"
[ "$nbad" -eq 0 ] && [ "$nerr" -eq 0 ]
