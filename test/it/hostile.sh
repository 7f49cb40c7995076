#!/bin/sh
# shellcheck disable=SC2317 # functions are called through check and wait_for
# Hostile input to lmtabled: junk lines, NUL bytes, a 70,000-byte datagram,
# injection attempts through tag values and the app name, a flood, caps.
# lmtabled stays up, counts every reject, and nothing reaches the
# exposition but valid, escaped series (promtool stays clean).
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

S=$T_DIR/s.sock
HK=$LM_BIN/lmhook
D=$T_DIR/dump
E=$T_DIR/expo

# health NAME: total of the dump's NAME counter (over all its reasons)
health() {
	awk -F'|' -v n="$1" 'index($1, n ":") == 1 { s += substr($1, length(n) + 2) }
		END { print s + 0 }' "$D"
}
# rejected REASON: lines rejected for REASON
rejected() {
	awk -F'|' -v r="$1" 'index($1, "lm_tabled_lines_rejected:") == 1 && $3 == "#reason:" r {
		print substr($1, 26) }' "$D"
}

if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi
"$HK" -s "$S" -a good gauge fine 1

# ---- junk, one datagram each; every line here must be rejected
long_name=$(awk 'BEGIN { for (i = 0; i < 200; i++) printf "n" }')
long_line="hlong:1|c|#app:h,k:$(awk 'BEGIN { for (i = 0; i < 17000; i++) printf "v" }')"
many_tags='hmany:1|c|#app:h'
i=0
while [ "$i" -lt 20 ]; do
	many_tags="$many_tags,t$i:v"
	i=$((i + 1))
done
set -- 'garbage' 'hbad' ':::' '|||' 'hbad:1|zz' 'hbad:abc|c' 'hbad:-1|c' \
	'hbad:nan|g' 'hbad:1e999|g' 'hbad:1|c|@2' 'hbad:1|c|@0' 'h bad:1|c' \
	'hbad{x="1"}:1|c' "$long_name:1|c" "$long_line" "$many_tags" \
	'hbad:1|c\r' 'hbad:1|g|#app:h,k:\0377\0376' 'hbad:1|r|r:5' \
	'hbad:1|t|h:9999=1' 'hbad:\0|c' 'hnul\0evil:1|c|#app:h' 'hnul:1|c|#app:h\0,evil:1' \
	'hbad:1:|c'
njunk=$#
dump "$S" "$D"
rej0=$(health lm_tabled_lines_rejected)
send_lines "$S" "$@"
check "perl sent $njunk junk datagrams" "send failed" test $? -eq 0
counted() {
	dump "$S" "$D" && [ "$(health lm_tabled_lines_rejected)" -ge $((rej0 + njunk)) ]
}
if wait_for 10 counted; then
	ok "every junk line counted in lm_tabled_lines_rejected ($njunk)"
else
	fail "every junk line counted in lm_tabled_lines_rejected ($njunk)" \
		"rejected $(($(health lm_tabled_lines_rejected) - rej0))"
	grep '^lm_tabled_lines_rejected' "$D" | sed 's/^/# /'
fi
check "lmtabled alive after junk" "gone" t_alive "$TABLED_PID"
check "no junk series in the dump" "$(grep -E '^(h|n{10})' "$D" | head -n 2)" \
	no_line "$D" '^(hbad|hnul|hlong|hmany|garbage|nnnnnnnnnn)'
check "reject reasons are named: syntax" "$(rejected syntax)" num_gt "$(rejected syntax)" 0
check "reject reasons are named: value" "$(rejected value)" num_gt "$(rejected value)" 0
check "reject reasons are named: type" "$(rejected type)" num_gt "$(rejected type)" 0
check "reject reasons are named: too_long" "$(rejected too_long)" num_gt "$(rejected too_long)" 0

# an empty tag key (lm-wire(5) Tags: a key is 1 to 64 name bytes)
r0=$(rejected tag)
send_lines "$S" 'hkey:1|c|#app:h,:v'
keyed() {
	dump "$S" "$D" && [ "$(rejected tag)" -gt "$r0" ]
}
if wait_for 3 keyed; then ok "empty tag key: line rejected (tag)"; else
	fail "empty tag key: line rejected (tag)" "$(grep '^hkey' "$D")"; fi
# a pid claim binds the app to the sender's pid as the kernel reports it,
# never to the number claimed (lm-wire(5) Tags: pid)
send_lines "$S" 'hpid:1|c|#app:hp,pid:1'
pidded() {
	dump "$S" "$D" && [ -n "$(dump_value "$D" hpid c hp)" ]
}
wait_for 3 pidded
check "pid claim: the claimed number is never used" "$(grep '^hpid' "$D")" \
	no_line "$D" '^hpid:.*[#,]pid:1(,|$)'

# ---- an empty datagram: not fatal
printf '' | send_dgram "$S"
dump "$S" "$D"
check "lmtabled alive after an empty datagram" "gone" t_alive "$TABLED_PID"

# ---- datagram sizes: exactly 65,536 bytes is taken whole, 70,000 is dropped
# whole (truncated by the kernel: MSG_TRUNC), never parsed
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "hmax:1|c|#app:h\n" }' >"$T_DIR/max"
eq "65,536-byte datagram (set-up)" "$(wc -c <"$T_DIR/max" | tr -d ' ')" 65536
awk 'BEGIN { for (i = 0; i < 4375; i++) printf "hbig:1|c|#app:h\n" }' >"$T_DIR/big"
dump "$S" "$D"
tr0=$(health lm_tabled_datagrams_truncated)
send_dgram "$S" <"$T_DIR/max"
check "65,536-byte datagram sent" "send failed" test $? -eq 0
send_dgram "$S" <"$T_DIR/big"
check "70,000-byte datagram sent" "send failed" test $? -eq 0
bigdone() {
	dump "$S" "$D" && [ "$(health lm_tabled_datagrams_truncated)" -gt "$tr0" ] &&
		[ -n "$(dump_value "$D" hmax c h)" ]
}
wait_for 10 bigdone
eq "70,000-byte datagram counted as truncated" "$(health lm_tabled_datagrams_truncated)" $((tr0 + 1))
eq "70,000-byte datagram: no line of it parsed" "$(dump_value "$D" hbig c h)" ""
eq "65,536-byte datagram: all 4,096 lines applied" "$(dump_value "$D" hmax c h)" 4096

# ---- injection attempts
# a newline inside the app name (lmhook -a, LM_APP): refused or made harmless
T_TIMEOUT=5 t_run "$HK" -s "$S" -a "$(printf 'inj\nhinj:666|g')" counter hsafe
expect "-a with a newline: refused (100) or sent harmless" '0|100' - -
T_TIMEOUT=5 t_run env LM_APP="$(printf 'inj2\nhinj2:666|g|#app:x')" "$HK" -s "$S" counter hsafe2
expect "LM_APP with a newline: refused (100) or made harmless" '0|100' - -
T_TIMEOUT=5 t_run "$HK" -s "$S" -a inj3 send "$(printf 'hsafe3:1|c\nhinj3:666|g')"
expect "send: one argument holding two lines" '0|100' - -
# label values that need escaping, or are refused
send_lines "$S" 'hesc:1|g|#app:h,q:a"b' 'hesc2:1|g|#app:h,bs:a\\b' \
	'hbrace:1|g|#app:h,k:v} hfake 1' 'hsp:1|g|#app:h,k:a b'
"$HK" -s "$S" -a good gauge fine 2
fine2() {
	dump "$S" "$D" && [ "$(dump_value "$D" fine g good)" = 2 ]
}
wait_for 5 fine2
if expo "$S" "$E"; then ok "lmexport -p after the injections"; else fail "lmexport -p after the injections" "$(t_errof "$E.err")"; fi
check "no injected series: hinj*" "$(grep '^hinj' "$E" | head -n 1)" no_line "$E" '^hinj'
check "no injected series: hfake" "$(grep '^hfake' "$E" | head -n 1)" no_line "$E" '^hfake'
check "no NUL byte in the exposition" "NUL found" \
	test "$(tr -cd '\000' <"$E" | wc -c | tr -d ' ')" -eq 0
eq "every sample line: a name, labels, one value" \
	"$(grep -Ev '^(#|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [^ ]+$)' "$E" | head -n 1)" ""
if grep -q '^hesc{' "$E"; then
	check 'quote in a label value escaped as \"' "$(grep '^hesc{' "$E")" \
		grep -q 'q="a\\"b"' "$E"
else
	ok 'quote in a label value: line refused'
fi
if grep -q '^hesc2{' "$E"; then
	check "backslash in a label value escaped as \\\\" "$(grep '^hesc2{' "$E")" \
		grep -q 'bs="a\\\\b"' "$E"
else
	ok 'backslash in a label value: line refused'
fi
if have promtool; then
	t_run promtool check metrics <"$E"
	expect "promtool still clean after hostile input" 0 '' ''
else
	skip "promtool still clean after hostile input" "no promtool"
fi

# ---- StatsD and DogStatsD constructs (docs/apps.md has the table): what
# livemetrics refuses is counted by a reason of its own and makes no series;
# what it takes lands where lm-wire(5) says
dump "$S" "$D"
for r in negative_counter set event service_check; do
	eval "sd0_$r=\$(rejected $r)"
done
send_lines "$S" 'sdc:5|c|#app:sd' 'sdc:-2|c|#app:sd' 'sdc:1:-1|c|#app:sd' \
	'sdset:alice|s|#app:sd' 'sdset:bob|s|@0.5|#app:sd' \
	'_e{5,4}:title|text|#app:sd' '_e{2,2}:hi|yo|p:low|t:info' \
	'_sc|sd.up|0|#app:sd' '_sc|sd.up|2|d:1700000000|m:down' \
	'sdtag:1|c|#app:sd,env:prod' 'sdrate:1|c|@0.5|#app:sd' 'sdh:3|h|@0.5|#app:sd' \
	'sdd:4|d|#app:sd' 'sdms:250|ms|#app:sd' 'sdg:7|g|#app:sd' 'sdg:-2|g|#app:sd' \
	'sdend:1|g|#app:sd'
sdone() {
	dump "$S" "$D" && [ -n "$(dump_value "$D" sdend g sd)" ]
}
wait_for 10 sdone
for r in negative_counter set event service_check; do
	was=0
	eval "was=\$sd0_$r"
	eq "StatsD construct counted as $r" "$(($(rejected "$r") - was))" 2
done
eq "negative counter increment: the counter never falls" "$(dump_value "$D" sdc c sd)" 5
check "a set makes no series" "$(grep '^sdset' "$D")" no_line "$D" '^sdset'
check "events and service checks make no series" "$(grep -E '^_(e|sc)' "$D")" no_line "$D" '^_(e|sc)'
check "DogStatsD tags: a label" "$(grep '^sdtag' "$D")" grep -q '^sdtag:1|c|#app:sd,.*env:prod' "$D"
eq "counter sample rate @0.5: counts twice" "$(dump_value "$D" sdrate c sd)" 2
eq "histogram sample rate @0.5: two observations" "$(dump_count "$D" sdh h sd)" 2
eq "histogram sum" "$(dump_value "$D" sdh h sd)" 6
eq "distribution d: an h series" "$(dump_count "$D" sdd h sd)" 1
eq "timer ms: a t series in seconds" "$(dump_value "$D" sdms t sd)" 0.25
eq "gauge -2: a delta" "$(dump_value "$D" sdg g sd)" 5

# ---- a flood from a blocking sender: nothing lost
perl -MSocket -e '
	socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "$!\n";
	my $a = pack_sockaddr_un($ARGV[0]);
	for (1 .. 3000) { defined(send($s, "hflood:1|c|#app:h\n", 0, $a)) or die "send: $!\n" }' "$S"
check "3,000 datagrams sent" "send failed" test $? -eq 0
flooded() {
	dump "$S" "$D" && [ "$(dump_value "$D" hflood c h)" = 3000 ]
}
if wait_for 10 flooded; then ok "3,000 datagrams from a blocking sender: all counted"; else
	fail "3,000 datagrams from a blocking sender: all counted" "got $(dump_value "$D" hflood c h)"; fi
check "lmtabled alive after all that" "gone" t_alive "$TABLED_PID"
t_stop "$TABLED_PID"
eq "lmtabled exits 0 on SIGTERM after all that" "$T_STATUS" 0

# ---- caps: -a apps, -n series, -p series per app
if start_tabled "$S" -a 2 -n 5 -p 3; then
	for a in a1 a2 a3; do
		"$HK" -q -s "$S" -a "$a" gauge g 1
	done
	for m in m1 m2 m3 m4 m5; do
		"$HK" -q -s "$S" -a a1 gauge "$m" 1
	done
	dump "$S" "$D"
	eq "-a 2: a third app is refused" "$(dump_value "$D" g g a3)" ""
	eq "-a 2: refusal counted (apps_limit)" "$(rejected apps_limit)" 1
	n=$(grep -c '|#app:a1,' "$D")
	# two series per app are lm_app_last_update_timestamp_seconds and lm_app_up
	check "-p 3: at most 3 series for app a1 (+ its timestamp and up)" "$n series" \
		test "$n" -le 5
	check "-p/-n: refusals counted (series_limit)" "$(rejected series_limit)" \
		num_gt "$(rejected series_limit)" 0
	check "health: lm_tabled_apps:2" "$(grep '^lm_tabled_apps:' "$D")" \
		grep -q '^lm_tabled_apps:2|g$' "$D"
	t_stop "$TABLED_PID"
else
	fail "caps" "lmtabled -a 2 -n 5 -p 3 did not start: $(t_head "$S.err")"
fi

t_done
