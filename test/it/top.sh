#!/bin/sh
# shellcheck disable=SC2317,SC2016 # functions called through check and wait_for; sh -c scripts
# lmhook top: plain frames for pipes (values, rates and quantiles after two
# frames, no escape codes, cut to -w), usage errors, a missing daemon; then
# in a terminal, as a person uses it, through tmux: the frame fits the
# window, follows a resize, and q or ^C ends it with status 0.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"
t_leaks  # lmhook's and lmexport's leaks are checked here

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
F=$T_DIR/frames

if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi

# an app with a counter, a gauge and a timer; lmprobe's series for its
# memory: the real resident memory of this shell's tree (lmprobe -p tree),
# the GPU memory as lmprobe -p nvidia-smi-apps sends it (no GPU here)
"$HK" -s "$S" -a web counter req 5
"$HK" -s "$S" -a web gauge queue 7
"$HK" -s "$S" -a web timer lat 0.25
"$HK" -s "$S" -a web send 'gpu_memory_bytes:2147483648|g' 'gpu_memory_bytes:2147483648|g|#gpu:0,model:Orin'
"$HK" -s "$S" -a cam tick fps 30
t_run "$LM_BIN/lmprobe" -1 -s "$S" -a web -p $$ tree </dev/null
expect "lmprobe -1 -p tree feeds the app's memory" 0 - -
fed() {
	"$HK" -s "$S" dump >"$T_DIR/dump" 2>/dev/null &&
		grep -q '^process_resident_memory_bytes:[1-9][0-9]*|g|#app:web,' "$T_DIR/dump" &&
		grep -q '^fps:' "$T_DIR/dump" && grep -q '^gpu_memory_bytes:.*gpu:0' "$T_DIR/dump"
}
check "the table holds the series" "$(grep -c . "$T_DIR/dump" 2>/dev/null)" wait_for 5 fed

# row FILE APP METRIC: the row's fields (APP METRIC KIND RATE/S LAST P50 P95 RSS GPU)
row() {
	awk -v a="$2" -v m="$3" '$1 == a && $2 == m { print; exit }' "$1"
}
# col FILE APP METRIC N: field N of that row
col() {
	row "$1" "$2" "$3" | awk -v n="$4" '{ print $n }'
}

# ---- one plain frame, for grep
t_run "$HK" -s "$S" top -n 1 </dev/null
expect "top -n 1: exit 0, a frame, nothing on stderr" 0 '~^APP +METRIC +KIND +RATE/S +LAST +P50 +P95 +RSS +GPU$' ''
cp "$T_DIR/out" "$F"
nrows=$(($(wc -l <"$F") - 2))
check "title: apps and series" "$(head -n 1 "$F")" grep -q "^lmhook top: 2 apps, $nrows series, every 1s\$" "$F"
eq "counter: its total" "$(col "$F" web req 3) $(col "$F" web req 5)" "count 5"
eq "counter: no rate in a first frame" "$(col "$F" web req 4)" "-"
eq "gauge: its value" "$(col "$F" web queue 3) $(col "$F" web queue 5)" "gauge 7"
eq "timer: its last observation" "$(col "$F" web lat 3) $(col "$F" web lat 5)" "timer 250ms"
eq "rate: lmtabled's rate at once" "$(col "$F" cam fps 3)" "rate"
check "rate: a number" "$(row "$F" cam fps)" sh -c 'test "$1" != -' sh "$(col "$F" cam fps 4)"
check "RSS from lmprobe's tree: bytes with a unit" "$(row "$F" web req)" \
	sh -c 'echo "$1" | grep -Eq "^[0-9.]+[BKMG]$"' sh "$(col "$F" web req 8)"
eq "GPU memory: the app's total" "$(col "$F" web queue 9)" 2G
eq "one GPU's share: a row of its own" "$(col "$F" web 'gpu_memory_bytes{gpu=0,model=Orin}' 5)" 2.15G
eq "no memory where lmprobe feeds none" "$(col "$F" cam fps 8) $(col "$F" cam fps 9)" "- -"
check "memory series are columns, not rows" "$(row "$F" web process_resident_memory_bytes)" \
	test -z "$(row "$F" web process_resident_memory_bytes)"
check "no row for lmtabled's own series" "$(grep lm_ "$F")" no_line "$F" 'lm_'
check "sorted by app, then metric" "$(cut -d' ' -f1-2 "$F" | tr '\n' ';')" \
	sh -c 'test "$(awk "NR > 2 { print \$1, \$2 }" "$1")" = "$(awk "NR > 2 { print \$1, \$2 }" "$1" | LC_ALL=C sort)"' sh "$F"
check "no escape codes in a pipe" "$(od -c "$F" | grep -m1 033)" \
	test "$(tr -cd '\033\r' <"$F" | wc -c | tr -d ' ')" -eq 0
t_run sh -c '"$1" -s "$2" top -n 1 | grep -c "^web "' sh "$HK" "$S"
expect "top -n 1 | grep: the app's rows" 0 "=$(grep -c '^web ' "$F")" ''

# ---- two frames: rates and the interval's quantiles
rm -f "$F"
# -i 4: the updates below are sent while the first frame is up, and must
# land before the second however slow the machine (a second was not,
# under a load of 20)
t_bg sh -c 'exec "$1" -s "$2" top -n 2 -i 4 >"$3" 2>"$3.err" </dev/null' sh "$HK" "$S" "$F"
TOP=$T_PID
first() {
	grep -q '^web ' "$F" 2>/dev/null
}
check "first frame drawn" "$(t_head "$F.err")" wait_for 10 first
"$HK" -s "$S" -a web counter req 10
"$HK" -s "$S" -a web send 'lat:0.5:0.5:0.5:0.5|t'
if t_reap "$TOP" 20; then eq "top -n 2: exit 0 after two frames" "$T_STATUS" 0; else
	fail "top -n 2: exit 0 after two frames" "still running"; fi
eq "two frames, a blank line between" "$(grep -c '^APP ' "$F") $(grep -c '^$' "$F")" "2 1"
sed '1,/^$/d' "$F" >"$F.2"
check "second frame: the counter's rate" "$(row "$F.2" web req)" \
	awk -v r="$(col "$F.2" web req 4)" 'BEGIN { exit !(r + 0 > 0 && r + 0 <= 10 / 3) }'
eq "second frame: the counter's total" "$(col "$F.2" web req 5)" 15
check "second frame: the timer's rate" "$(row "$F.2" web lat)" \
	awk -v r="$(col "$F.2" web lat 4)" 'BEGIN { exit !(r + 0 > 0 && r + 0 <= 4 / 3) }'
# p50 and p95 of the interval only: the 4 observations of 0.5 s, within
# the buckets' 4.43 %, 478 to 522 ms (the first observation, 0.25 s, is
# not in it)
for q in 6 7; do
	v=$(col "$F.2" web lat $q)
	check "second frame: the interval's quantile (column $q) near 500ms" "$v" \
		sh -c 'case $1 in 47[89]ms|4[89][0-9]ms|5[01][0-9]ms|52[0-2]ms) exit 0 ;; esac; exit 1' sh "$v"
done

# ---- a width for pipes, bad usage, no daemon
t_run "$HK" -s "$S" top -n 1 -w 40 </dev/null
expect "top -w 40: exit 0" 0 - ''
check "top -w 40: every line fits 40 columns" "$(awk 'length > 40' "$T_DIR/out" | head -n 1)" \
	test -z "$(awk 'length > 40' "$T_DIR/out")"
check "top -w 40: the memory columns left out first" "$(sed -n 2p "$T_DIR/out")" \
	sh -c '! sed -n 2p "$1" | grep -q GPU && sed -n 2p "$1" | grep -q RATE/S' sh "$T_DIR/out"
t_run "$HK" -s "$S" top -n 1 -o rate </dev/null
expect "top -o rate: exit 0" 0 - ''
eq "top -o rate: the highest rate first" "$(sed -n 3p "$T_DIR/out" | awk '{ print $1, $2 }')" "cam fps"
for bad in '-n 0' '-n x' '-i 0' '-i 99999' '-o size' '-w 5' '-x' 'extra' '-n'; do
	# shellcheck disable=SC2086 # the words of $bad are the arguments
	t_run "$HK" -s "$S" top $bad </dev/null
	expect "top $bad: usage error, exit 100" 100 '' '~.'
done
t_run "$HK" -s "$T_DIR/none.sock" top -n 1 </dev/null
expect "top, no daemon: exit 111, says why" 111 '' '~unable to query .*none\.sock\.query'

# ---- in a terminal, through tmux
if ! have tmux; then
	skip "top in a terminal" "no tmux (sh scripts/deps.sh test)"
	t_done
fi
TM="tmux -L lmt-top-$$ -f /dev/null"
T_CLEANUP_EXTRA="$TM kill-server 2>/dev/null"
unset TMUX
# run lmhook top in a 100x30 window; its exit status goes to FILE
start_term() {
	rm -f "$1"
	$TM new-session -d -x 100 -y 30 \
		"'$HK' -s '$S' top -i 0.2; echo \$? >'$1.part'; mv '$1.part' '$1'"
}
pane() {
	$TM capture-pane -p -J >"$T_DIR/pane" 2>/dev/null
}
drawn() {
	pane && grep -q '^web  *req ' "$T_DIR/pane" && grep -q '^APP ' "$T_DIR/pane"
}
# widest WIDTH: every line of the pane at most WIDTH columns
widest() {
	awk -v w="$1" '{ n = length($0); if (n > w) bad = 1 } END { exit bad }' "$T_DIR/pane"
}
narrow() {
	pane && grep -q '^web  *req ' "$T_DIR/pane" && ! grep -q 'GPU' "$T_DIR/pane" && widest 60
}
done_with() {
	[ -s "$1" ]
}

if start_term "$T_DIR/st1"; then ok "tmux: a 100x30 window runs lmhook top"; else
	fail "tmux: a 100x30 window runs lmhook top" "tmux new-session failed"; t_done; fi
check "tmux: the frame is drawn" "$(t_head "$T_DIR/pane")" wait_for 10 drawn
check "tmux: every line fits 100 columns" "$(awk 'length > 100' "$T_DIR/pane" | head -n 1)" widest 100
check "tmux: the title says q quits" "$(head -n 1 "$T_DIR/pane")" grep -q '^lmhook top: .*q quits' "$T_DIR/pane"
check "tmux: values shown" "$(grep '^web  *queue ' "$T_DIR/pane")" \
	grep -Eq '^web +queue +gauge +- +7 +- +- +[0-9.]+[BKMG] +2G$' "$T_DIR/pane"
check "tmux: the title on the top line" "$(head -n 1 "$T_DIR/pane")" \
	sh -c 'head -n 1 "$1" | grep -q "^lmhook top:"' sh "$T_DIR/pane"
$TM resize-window -x 60 -y 30
check "tmux: resized to 60 columns, the frame follows" "$(t_head "$T_DIR/pane")" wait_for 10 narrow
$TM send-keys q
if wait_for 10 done_with "$T_DIR/st1"; then eq "tmux: q quits, exit 0" "$(cat "$T_DIR/st1")" 0; else
	fail "tmux: q quits, exit 0" "still running: $(t_head "$T_DIR/pane")"; fi

start_term "$T_DIR/st2"
check "tmux: drawn again" "$(t_head "$T_DIR/pane")" wait_for 10 drawn
$TM send-keys C-c
if wait_for 10 done_with "$T_DIR/st2"; then eq "tmux: ^C quits, exit 0" "$(cat "$T_DIR/st2")" 0; else
	fail "tmux: ^C quits, exit 0" "still running: $(t_head "$T_DIR/pane")"; fi
$TM kill-server 2>/dev/null
t_done
