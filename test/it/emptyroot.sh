#!/bin/sh
# shellcheck disable=SC2317,SC2086 # called through check; $IN is a word list
# The binaries fit a FROM scratch container: static (file says so), and
# they run in an empty root (a chroot holding only them and an empty
# /metrics) with the default socket path.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

if is_sanitized; then
	for b in lmhook lmtabled lmexport; do
		skip "file $b: statically linked" "sanitizer build (dynamic by design)"
	done
	skip "empty root" "sanitizer build: dynamic binaries need their libraries"
	t_done
fi
if ! have file; then
	skip "file: statically linked" "no file(1)"
else
	for b in lmhook lmtabled lmexport example_app; do
		f=$(file -L "$LM_BIN/$b")
		check "file $b: statically linked" "$f" contains "$f" "statically linked"
	done
fi
for b in lmhook lmtabled lmexport; do
	sz=$(wc -c <"$LM_BIN/$b" | tr -d ' ')
	note "$b: $sz bytes"
done

R=$T_DIR/root
mkdir -p "$R/bin" "$R/metrics"
cp "$LM_BIN/lmtabled" "$LM_BIN/lmhook" "$LM_BIN/lmexport" "$R/bin/"
# how to enter it: chroot as root, else a user namespace (unshare -r)
# (absolute paths: the commands run under env -i, with no PATH)
CH=
chr=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
uns=$(command -v unshare)
if [ -z "$chr" ]; then
	:
elif [ "$(id -u)" -eq 0 ] && "$chr" "$R" /bin/lmhook -h >/dev/null 2>&1; then
	CH=$chr
elif [ -n "$uns" ] && "$uns" -r "$chr" "$R" /bin/lmhook -h >/dev/null 2>&1; then
	CH="$uns -r $chr"
fi
if [ -z "$CH" ]; then
	skip "empty root" "neither chroot nor unshare -r chroot works here"
	t_done
fi
note "entering the empty root with: $CH"
check "the root holds only the binaries and /metrics" "$(find "$R" | tr '\n' ' ')" \
	test "$(find "$R" | wc -l)" -eq 6

# $IN CMD...: run CMD in the empty root with an empty environment
# (a word list, not a function: t_run runs it under timeout)
IN="env -i $CH $R"

fifo=$(t_fifo)
# shellcheck disable=SC2086 # CH is one or three words
env -i $CH "$R" /bin/lmtabled -d 3 3>"$fifo" 2>"$T_DIR/tabled.err" &
PID=$!
T_PIDS="$T_PIDS $PID"
if t_ready "$fifo"; then
	ok "lmtabled ready in the empty root"
else
	fail "lmtabled ready in the empty root" "$(t_head "$T_DIR/tabled.err")"
	t_done
fi
check "default socket /metrics/live_metrics.sock" "not there" test -S "$R/metrics/live_metrics.sock"
check "query socket /metrics/live_metrics.sock.query" "not there" test -S "$R/metrics/live_metrics.sock.query"
t_case "lmhook sends from the empty root" 0 '' '' $IN /bin/lmhook -a rootapp gauge x 7
t_case "lmhook counter from the empty root" 0 '' '' $IN /bin/lmhook -a rootapp counter frames 3
t_case "lmhook without -a or LM_APP derives a name" 0 '' '' $IN /bin/lmhook gauge anon 1
t_case "lmhook dump in the empty root" 0 '~^x:7\|g\|#app:rootapp,' '' $IN /bin/lmhook dump
t_case "lmexport -p in the empty root" 0 '~^x\{app="rootapp",uid="[0-9]+"\} 7$' '' \
	$IN /bin/lmexport -p
printf 'GET /metrics HTTP/1.0\r\n\r\n' >"$T_DIR/req"
t_run $IN /bin/lmexport <"$T_DIR/req"
expect "lmexport HTTP in the empty root" 0 '~^frames_total\{app="rootapp",uid="[0-9]+"\} 3$' ''
t_case "the host reaches the same daemon" 0 '~^x:7\|g\|#app:rootapp,' '' \
	"$LM_BIN/lmhook" -s "$R/metrics/live_metrics.sock" dump
t_stop "$PID" TERM 5
eq "SIGTERM in the empty root exits 0" "$T_STATUS" 0
check "sockets removed" "left behind" \
	test ! -e "$R/metrics/live_metrics.sock" -a ! -e "$R/metrics/live_metrics.sock.query"
t_case "no daemon in the empty root: lmhook exits 111" 111 '' '~^lmhook: ' \
	$IN /bin/lmhook counter x
t_case "no daemon in the empty root: lmhook -q exits 0" 0 '' '' \
	$IN /bin/lmhook -q counter x

t_done
