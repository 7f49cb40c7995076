#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# Knobs: the controller sets them with lmhook set; a C app (example_app), a
# shell app (lmhook get) read them; they are exported as series, kept in
# the -k state file across kill -9 and a restart; only root or lmtabled's
# own uid may set them. StatsD lines over UDP (-u) reach the same table.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
K=$T_DIR/knobs
HK=$LM_BIN/lmhook
# shellcheck disable=SC2034 # read by t_run in lib.sh
T_TIMEOUT=10

start_tabled "$S" -k "$K" || fail "lmtabled starts with -k" "$(cat "$S.err")"

t_case "get an unset knob: exit 1, nothing printed" 1 '' '' "$HK" -s "$S" -a det get res
t_case "set a knob" 0 '' '' "$HK" -s "$S" -a det set res 720
t_case "get it back" 0 '=720' '' "$HK" -s "$S" -a det get res
t_case "LM_APP names the app too" 0 '=720' '' env LM_APP=det "$HK" -s "$S" get res
t_case "another app does not see it" 1 '' '' "$HK" -s "$S" -a other get res
t_case "a string knob" 0 '' '' "$HK" -s "$S" -a det set mode fast
t_case "knobs lists them" 0 '~^set det mode fast$' '' "$HK" -s "$S" knobs
t_case "a bad value is refused before sending" 100 '' '~bad knob value' "$HK" -s "$S" -a det set res 'a,b'
t_case "a bad knob name is refused" 100 '' '~bad knob name' "$HK" -s "$S" -a det set 'r|s' 1
t_case "get takes one knob" 100 '' '~usage' "$HK" -s "$S" -a det get
check "the state file holds them" "not in $K" grep -qx 'set det res 720' "$K"

# exported as series
expo "$S" "$T_DIR/expo"
eq "lm_knob in the exposition" "$(expo_value "$T_DIR/expo" lm_knob app=det knob=res)" 720
eq "lm_knob_info for a string" "$(expo_value "$T_DIR/expo" lm_knob_info app=det knob=mode value=fast)" 1
check "when it was set" "no timestamp" num_gt "$(expo_value "$T_DIR/expo" lm_knob_set_timestamp_seconds app=det knob=res)" 1700000000
if command -v promtool >/dev/null 2>&1; then
	t_run promtool check metrics <"$T_DIR/expo"
	expect "promtool: knobs clean" 0 '' ''
fi

# a C app reads it (once a second) and reports what it works with
env LM_SOCKET="$S" LM_APP=capp LM_FLUSH_MS=50 "$LM_BIN/example_app" -n 0 -r 50 2>/dev/null &
APP=$!
T_PIDS="$T_PIDS $APP"
res_is() {
	dump "$S" "$T_DIR/d" && [ "$(dump_value "$T_DIR/d" res g capp)" = "$1" ]
}
check "C app: the default until a knob is set" "res never 640" wait_for 10 res_is 640
"$HK" -s "$S" -a capp set res 1080 >/dev/null
check "C app: reads the knob within a few seconds" "res never 1080" wait_for 10 res_is 1080
t_stop "$APP"

# unset
t_case "unset" 0 '' '' "$HK" -s "$S" -a det unset mode
t_case "unset knob reads as unset" 1 '' '' "$HK" -s "$S" -a det get mode

# kill -9 and a restart: the knobs come back from the state file
t_stop "$TABLED_PID" KILL
start_tabled "$S" -k "$K" || fail "lmtabled restarts after kill -9" "$(cat "$S.err")"
t_case "after kill -9 and a restart: the knob is back" 0 '=720' '' "$HK" -s "$S" -a det get res
t_case "and the unset one stays unset" 1 '' '' "$HK" -s "$S" -a det get mode

# who may set: not another uid (the socket is world-writable here)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$T_DIR"
	t_case "another uid may read a knob" 0 '=720' '' \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$HK" -s "$S" -a det get res
	t_case "another uid may not set one" 111 '' '~refused: error permission' \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$HK" -s "$S" -a det set res 1
	t_case "the knob is unchanged" 0 '=720' '' "$HK" -s "$S" -a det get res
	# a sender of another uid that claims an app's name gets its own
	# series (its uid label) and cannot change the other's
	"$HK" -s "$S" -a victim gauge temp 20 >/dev/null
	t_case "another uid claims the app's name" 0 '' '' \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$HK" -s "$S" -a victim gauge temp 99
	dump "$S" "$T_DIR/d"
	check "the victim's series keeps its value" "$(grep '^temp:' "$T_DIR/d")" \
		grep -q '^temp:20|g|#app:victim,uid:0$' "$T_DIR/d"
	check "the claimant's lands apart, under its own uid" "$(grep '^temp:' "$T_DIR/d")" \
		grep -q '^temp:99|g|#app:victim,uid:65534$' "$T_DIR/d"
else
	skip "permission" "needs root and setpriv"
fi

# a state file that cannot be written: the change is refused and undone
# (its directory replaced by a plain file: ENOTDIR, for root too)
t_stop "$TABLED_PID"
mkdir "$T_DIR/kd"
start_tabled "$S" -k "$T_DIR/kd/knobs" || fail "lmtabled starts with a new state file" "$(cat "$S.err")"
t_case "a first knob is saved" 0 '' '' "$HK" -s "$S" -a det set res 1
mv "$T_DIR/kd" "$T_DIR/kd.gone" && : >"$T_DIR/kd"
t_case "unwritable state file: set refused" 111 '' '~refused: error state_file' "$HK" -s "$S" -a det set res 2
t_case "and not applied" 0 '=1' '' "$HK" -s "$S" -a det get res
t_case "a new knob: refused too" 111 '' '~state_file' "$HK" -s "$S" -a det set other 3
t_case "and not applied either" 1 '' '' "$HK" -s "$S" -a det get other
t_stop "$TABLED_PID"

# StatsD over UDP
PORT=$(free_port)
start_tabled "$S" -u "127.0.0.1:$PORT" || fail "lmtabled starts with -u" "$(cat "$S.err")"
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
		Proto => "udp") or die "udp: $!\n";
	$s->send("udp.hits:3|c\nudp.temp:21.5|g|#app:udpapp\nudp.lat:250|ms\n");
	$s->send("garbage");' "$PORT"
udp_in() {
	dump "$S" "$T_DIR/d" && [ "$(dump_value "$T_DIR/d" udp_hits c statsd)" = 3 ]
}
check "UDP: a counter arrives, app statsd" "not in the dump" wait_for 5 udp_in
eq "UDP: the app tag is kept" "$(dump_value "$T_DIR/d" udp_temp g udpapp)" 21.5
eq "UDP: ms timers in seconds" "$(dump_field "$T_DIR/d" udp_lat t statsd l:)" 0.25
check "UDP: no uid label without credentials" "uid label found" no_line "$T_DIR/d" 'udp_hits:.*uid:'
check "UDP: the junk datagram is counted" "not counted" grep -q 'lm_tabled_lines_rejected:1|c|#reason:syntax' "$T_DIR/d"
t_case "-u with a bad port: exit 100" 100 '' '~bad UDP port' "$LM_BIN/lmtabled" -s "$T_DIR/x.sock" -u 127.0.0.1:99999
t_case "-u with a bad address: exit 100" 100 '' '~bad UDP address' "$LM_BIN/lmtabled" -s "$T_DIR/x.sock" -u nohost:8125
t_done
