#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# lmtabled's life: readiness, the socket path (stale, live, not a socket,
# too long), signals, options, TTL expiry, -v.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
TB=$LM_BIN/lmtabled
HK=$LM_BIN/lmhook

# absent PATH: PATH does not exist (not even as a dangling link)
absent() {
	[ ! -e "$1" ] && [ ! -L "$1" ]
}

# ---- readiness and the two sockets
if start_tabled "$S"; then
	ok "readiness newline on -d FD"
else
	fail "readiness newline on -d FD" "none (exit $T_STATUS): $(t_head "$S.err")"
	t_done
fi
check "data socket PATH is a socket" "$S: not a socket" test -S "$S"
check "query socket PATH.query is a socket" "$S.query: not a socket" test -S "$S.query"
t_case "dump answers once ready" 0 '~^lm_tabled_datagrams_received:0\|c$' '' "$HK" -s "$S" dump
t_case "dump starts with HELP" 0 '~^# HELP lm_tabled_' '' "$HK" -s "$S" dump

# ---- a live socket is never taken over
T_TIMEOUT=5 t_case "live socket refused, exit 111" 111 '' '~^lmtabled: fatal: .*s\.sock' "$TB" -s "$S"
check "live socket left in place" "$S gone" test -S "$S"
t_case "first daemon still answers" 0 '~^lm_tabled_' '' "$HK" -s "$S" dump

# ---- SIGTERM: exit 0, both sockets removed
t_stop "$TABLED_PID" TERM 5
eq "SIGTERM exits 0" "$T_STATUS" 0
check "SIGTERM removes the data socket" "$S left behind" absent "$S"
check "SIGTERM removes the query socket" "$S.query left behind" absent "$S.query"
check "no output but logs on stderr" "stderr: $(t_head "$S.err")" \
	all_lines_start "$S.err" "lmtabled: "

# ---- SIGINT too
if start_tabled "$S"; then
	t_stop "$TABLED_PID" INT 5
	eq "SIGINT exits 0" "$T_STATUS" 0
	check "SIGINT removes the sockets" "left behind" absent "$S"
else
	fail "SIGINT exits 0" "did not start: $(t_head "$S.err")"
fi

# ---- a stale socket (its daemon was killed) is replaced
if start_tabled "$S"; then
	t_stop "$TABLED_PID" KILL 5
	check "SIGKILL leaves a stale socket (set-up)" "no socket" test -S "$S"
	if start_tabled "$S"; then
		ok "stale socket replaced"
		t_case "new daemon answers on the replaced socket" 0 '~^lm_tabled_' '' \
			"$HK" -s "$S" dump
		t_stop "$TABLED_PID" TERM 5
	else
		fail "stale socket replaced" "exit $T_STATUS: $(t_head "$S.err")"
	fi
else
	fail "stale socket replaced" "first daemon did not start"
fi

# ---- a file that is not a socket is refused and kept
F=$T_DIR/plain
echo keep >"$F"
T_TIMEOUT=5 t_case "regular file at PATH refused" '100|111' '' '~^lmtabled: fatal: .*plain' "$TB" -s "$F"
eq "regular file at PATH not deleted" "$(cat "$F" 2>/dev/null)" keep
mkdir "$T_DIR/adir"
T_TIMEOUT=5 t_case "directory at PATH refused" '100|111' '' '~^lmtabled: fatal: .*adir' "$TB" -s "$T_DIR/adir"
check "directory at PATH not deleted" "gone" test -d "$T_DIR/adir"

# ---- a path that does not fit sun_path
long=$T_DIR/$(printf '%0110d' 0).sock
T_TIMEOUT=5 t_case "path too long for sun_path refused" '100|111' '' \
	'~^lmtabled: fatal: .*([Tt]oo long|sun_path)' "$TB" -s "$long"
check "too long path: nothing created" "created" absent "$long"
# PATH fits but PATH.query does not (108 bytes of sun_path, NUL included)
n=$((107 - ${#T_DIR} - 1))
if [ "$n" -gt 0 ]; then
	edge=$T_DIR/$(printf "%0${n}d" 0)
	T_TIMEOUT=5 t_case "path fits, PATH.query too long: refused" '100|111' '' \
		'~^lmtabled: fatal: .*([Tt]oo long|sun_path)' "$TB" -s "$edge"
	check "PATH.query too long: no socket left" "left behind" absent "$edge"
fi
T_TIMEOUT=5 t_case "missing directory: exit 111" 111 '' '~^lmtabled: fatal: .*nodir.*No such file' \
	"$TB" -s "$T_DIR/nodir/s.sock"

# ---- -m MODE
if start_tabled "$S" -m 0660; then
	eq "-m 0660 sets the socket mode" "$(stat -c %a "$S")" 660
	t_stop "$TABLED_PID"
else
	fail "-m 0660 sets the socket mode" "did not start: $(t_head "$S.err")"
fi

# ---- options
t_case "-h: usage on stdout, exit 0" 0 '~^usage: lmtabled ' '' "$TB" -h
T_TIMEOUT=5
t_case "unknown option: exit 100, usage" 100 '' '~usage: lmtabled' "$TB" -Z
t_case "missing option argument: exit 100" 100 '' '~usage: lmtabled' "$TB" -s
t_case "extra operand: exit 100" 100 '' '~usage: lmtabled' "$TB" -s "$S" extra
t_case "-t not a number: exit 100" 100 '' '~lmtabled: .*abc' "$TB" -s "$S" -t abc
t_case "-t negative: exit 100" 100 '' '~lmtabled: ' "$TB" -s "$S" -t -5
t_case "-w with junk after the number: exit 100" 100 '' '~lmtabled: .*5x' "$TB" -s "$S" -w 5x
t_case "-a huge: exit 100" 100 '' '~lmtabled: ' "$TB" -s "$S" -a 99999999999999999999999
t_case "-n empty: exit 100" 100 '' '~lmtabled: ' "$TB" -s "$S" -n ''
t_case "-p zero-x: exit 100" 100 '' '~lmtabled: ' "$TB" -s "$S" -p 0x10
t_case "-m not octal: exit 100" 100 '' '~lmtabled: .*999' "$TB" -s "$S" -m 999
t_case "-d not a number: exit 100" 100 '' '~lmtabled: ' "$TB" -s "$S" -d x
# a -d FD that is not open: refused before a descriptor could take its
# number (it once closed lmtabled's own signalfd and spun on poll)
# shellcheck disable=SC2016 # $0 and $1 are the inner sh's
t_case "-d FD not open: exit 100" 100 '' \
	'~^lmtabled: fatal: bad file descriptor: 9 ' sh -c 'exec "$0" -s "$1" -d 9 9>&-' "$TB" "$S"
# one shape for every number an option takes: what, the value, the range
t_case "-n fractional: the one shape" 100 '' \
	'~^lmtabled: fatal: bad series limit: 2.5 [(]a whole number, 1 to 100000000[)]$' "$TB" -s "$S" -n 2.5
t_case "-t out of range: the one shape" 100 '' \
	'~^lmtabled: fatal: bad ttl: -5 [(]seconds, 0 to 31536000[)]$' "$TB" -s "$S" -t -5
check "bad options created no socket" "socket created" absent "$S"
T_TIMEOUT=20

# ---- $LM_SOCKET is the default path
fifo=$(t_fifo)
LM_SOCKET=$S "$TB" -d 3 3>"$fifo" 2>"$T_DIR/env.err" &
pid=$!
T_PIDS="$T_PIDS $pid"
if t_ready "$fifo"; then
	check "LM_SOCKET sets the socket path" "no socket at $S" test -S "$S"
	t_stop "$pid"
else
	fail "LM_SOCKET sets the socket path" "not ready: $(t_head "$T_DIR/env.err")"
	t_stop "$pid"
fi

# ---- apps silent for TTL seconds go down, then after LINGER are dropped;
# -v logs changes
if start_tabled "$S" -v -t 1 -l 1; then
	"$HK" -s "$S" -a ttlapp gauge g 1
	dump "$S" "$T_DIR/d1"
	eq "app present before its TTL" "$(dump_value "$T_DIR/d1" g g ttlapp)" 1
	eq "app up before its TTL" "$(dump_value "$T_DIR/d1" lm_app_up g ttlapp)" 1
	down() {
		dump "$S" "$T_DIR/d3" && [ "$(dump_value "$T_DIR/d3" lm_app_up g ttlapp)" = 0 ]
	}
	if wait_for 10 down; then
		eq "down after its TTL: its last value still served" "$(dump_value "$T_DIR/d3" g g ttlapp)" 1
	else
		fail "down after its TTL" "lm_app_up '$(dump_value "$T_DIR/d3" lm_app_up g ttlapp)'"
	fi
	gone() {
		dump "$S" "$T_DIR/d2" && [ -z "$(dump_value "$T_DIR/d2" g g ttlapp)" ]
	}
	if wait_for 10 gone; then
		ok "app dropped after -t 1 of silence and -l 1 down"
	else
		fail "app dropped after -t 1 of silence and -l 1 down" "still in the dump after 10 s"
	fi
	eq "TTL drop counted" "$(grep '^lm_tabled_apps_dropped:.*reason:ttl' "$T_DIR/d2" | sed 's/^[^:]*:\([^|]*\)|.*/\1/')" 1
	check "-v logs on stderr" "nothing logged" test -s "$S.err"
	check "-v log lines start with 'lmtabled: '" "$(t_head "$S.err")" \
		all_lines_start "$S.err" "lmtabled: "
	check "-v log names the app" "$(t_head "$S.err")" grep -q ttlapp "$S.err"
	t_stop "$TABLED_PID"
	eq "-v daemon: SIGTERM exits 0" "$T_STATUS" 0
else
	fail "app dropped after -t 1 of silence" "did not start: $(t_head "$S.err")"
fi

t_done
