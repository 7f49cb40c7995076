#!/bin/sh
# lm-test: seconds 18
# shellcheck disable=SC2317,SC2016 # functions called through check; sh -c scripts
# lmprobe end to end: usage and the man page, stream mode (newest sample
# only), sending to a real lmtabled (dump, lmexport -p, promtool), the
# procfs/cgroup sources on a fixture root, a tegrastats log followed as it
# grows, and stand-ins for tegrastats and nvidia-smi on PATH: recorded
# rows, XID noise, failure messages with an exit status, and a hang, to
# prove the deadline, the kill and the restart with backoff.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

PR=$LM_BIN/lmprobe
S=$T_DIR/s.sock
D=$T_DIR/dump
E=$T_DIR/expo
DATA=$T_ROOT/test/data/probe
MAN=$T_ROOT/docs/lmprobe.1
BIN=$T_DIR/bin
mkdir -p "$BIN"

# ---- stand-ins, driven by the file $BIN/mode; each start is logged
cat >"$BIN/nvidia-smi" <<'EOF'
#!/bin/sh
here=${0%/*}
echo "$$ $*" >>"$here/starts"
mode=$(cat "$here/mode" 2>/dev/null)
case "$*" in
*--query-compute-apps=*)
	cat "$here/apps" 2>/dev/null
	exit 0 ;;
*--query-gpu=uuid,index,name\ *)
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, NVIDIA H100 80GB HBM3"
	echo "GPU-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d, 1, NVIDIA H100 80GB HBM3"
	exit 0 ;;
esac
case $mode in
fail)
	echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
	exit 9 ;;
hang)
	exec sleep 1000 ;;
esac
rows() {
	echo "GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13, 0, 73, 41, 18342, 81559, 312.55, 400.00, 64, 1980, 1593, [N/A]"
	echo "GPU-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d, 1, [Not Supported], [N/A], 4, 81559, [N/A], 400.00, 33, 210, 1593, 0"
}
case "$*" in
*-lms*)
	echo "Xid (PCI:0000:01:00): 79, pid=0, GPU has fallen off the bus."
	while :; do rows; sleep 0.1; done ;;
*)
	rows ;;
esac
EOF
cat >"$BIN/tegrastats" <<EOF
#!/bin/sh
echo "\$\$ \$*" >>"\${0%/*}/starts"
while :; do cat "$DATA/tegra-sample.txt"; sleep 0.2; done
EOF
chmod +x "$BIN/nvidia-smi" "$BIN/tegrastats"
PATH=$BIN:$PATH
export PATH

# ---- usage, options, the man page
t_case "-h: usage on stdout, exit 0" 0 '~^usage: lmprobe ' '' "$PR" -h
T_TIMEOUT=5
t_case "no source: exit 100" 100 '' '~usage: lmprobe' "$PR"
t_case "unknown source: exit 100" 100 '' '~lmprobe: .*bogus' "$PR" bogus
t_case "unknown option: exit 100" 100 '' '~usage: lmprobe' "$PR" -Z proc
t_case "-i 0: exit 100" 100 '' '~lmprobe: fatal: bad interval: 0 [(]seconds, 0.01 to 86400[)]' "$PR" -i 0 proc
t_case "-i junk: exit 100" 100 '' '~lmprobe: fatal: bad interval' "$PR" -i 1x proc
t_case "-p 0: exit 100" 100 '' '~lmprobe: fatal: bad pid' "$PR" -p 0 tree
t_case "-p -5: exit 100" 100 '' '~lmprobe: fatal: bad pid' "$PR" -p -5 tree
t_case "tree without -p: exit 100" 100 '' '~needs -p PID' "$PR" -o tree
t_case "bad -a: exit 100" 100 '' '~bad app name' "$PR" -a 'a,b' proc
t_case "no daemon, one-shot: exit 111" 111 '' '~unable to send to' \
	"$PR" -1 -s "$T_DIR/none.sock" -r "$DATA/root-v2" proc
t_case "-q, no daemon: exit 0, silent" 0 '' '' \
	"$PR" -1 -q -s "$T_DIR/none.sock" -r "$DATA/root-v2" proc
t_case "missing root, one-shot: exit 111" 111 '' '~lmprobe: fatal: unable to read .*/proc: No such file' \
	"$PR" -1 -o -r "$T_DIR/nowhere" proc
T_TIMEOUT=20

usage=$("$PR" -h | head -n 1)
echo "$usage" | grep -oE '\[-[a-zA-Z0-9]( [A-Z.]+)?\]' | tr -d '[]' >"$T_DIR/opts"
check "usage lists options" "none" test -s "$T_DIR/opts"
while read -r flag arg; do
	x=${flag#-}
	if [ -n "$arg" ]; then op=".Op Fl $x Ar $arg"; else op=".Op Fl $x"; fi
	check "lmprobe.1 SYNOPSIS: $op" "not in the page" grep -qxF "$op" "$MAN"
	check "lmprobe.1 OPTIONS: .It Fl $x" "not in the page" grep -Eq "^\\.It Fl $x( |\$)" "$MAN"
done <"$T_DIR/opts"
"$PR" -h | awk '/^sources:/ { s = 1; next } /^options:/ { s = 0 } s && NF { print $1 }' >"$T_DIR/sources"
while read -r src; do
	case $src in
	*:[A-Z]*) it=".It Cm ${src%%:*}: Ns Ar ${src#*:}" ;;
	*) it=".It Cm $src" ;;
	esac
	check "lmprobe.1 documents source $src" "no $it" grep -qxF "$it" "$MAN"
done <"$T_DIR/sources"
for sec in NAME SYNOPSIS DESCRIPTION OPTIONS METRICS ENVIRONMENT SIGNALS 'EXIT STATUS' FILES EXAMPLES 'SEE ALSO'; do
	check "lmprobe.1 has section $sec" "no .Sh $sec" grep -qxF ".Sh $sec" "$MAN"
done
for code in 0 100 111; do
	check "lmprobe.1 EXIT STATUS lists $code" "no .It $code" grep -qx "\\.It $code" "$MAN"
done
# every metric name the parsers and readers produce is in the table
{
	sed -n 's/^\([a-z_]*\):.*/\1/p' "$DATA"/*.golden
	"$PR" -1 -o -r "$DATA/root-v2" -p 100 proc tree cgroup | sed 's/:.*//'
	echo lmprobe_samples_dropped
} | sort -u >"$T_DIR/names"
while read -r m; do
	check "lmprobe.1 lists metric $m" "not in the page" grep -q "^\\.It Li $m\$" "$MAN"
done <"$T_DIR/names"
if have mandoc; then
	t_case "mandoc -Tlint lmprobe.1: clean" 0 '' '' mandoc -Tlint -Wwarning "$MAN"
else
	skip "mandoc -Tlint lmprobe.1" "no mandoc"
fi

# ---- the jetson source on fixture trees (the golden lines are test_probe's)
J=$DATA/jetson
t_run "$PR" -1 -o -r "$J/agx-orin" jetson
expect "jetson, AGX Orin: the power mode" 0 '~^board_power_mode:0\|g\|#name:MAXN$' ''
check "jetson, AGX Orin: jetson_clocks on" "$(t_head "$T_DIR/out")" grep -q '^board_jetson_clocks:1|g$' "$T_DIR/out"
check "jetson, AGX Orin: board model, L4T and JetPack" "$(t_head "$T_DIR/out")" \
	grep -q '^board_info:1|g|#model:Jetson_AGX_Orin_Developer_Kit,l4t:36.4.0,jetpack:6.1$' "$T_DIR/out"
t_run "$PR" -1 -o -r "$J/xavier-nx" jetson
expect "jetson, Xavier NX: fan PWM and RPM" 0 '~^board_fan_rpm:2217\|g\|#fan:pwm_tach$' ''
check "jetson, Xavier NX: jetson_clocks off" "$(t_head "$T_DIR/out")" grep -q '^board_jetson_clocks:0|g$' "$T_DIR/out"
check "jetson, Xavier NX: GPU governor" "$(t_head "$T_DIR/out")" \
	grep -q '^board_gpu_governor_info:1|g|#gpu:gv11b,governor:nvhost_podgov$' "$T_DIR/out"
t_run "$PR" -1 -o -r "$J/orin-nano" jetson
expect "jetson, Orin Nano: the default power mode without a status file" 0 '~^board_power_mode:0\|g\|#name:15W$' ''
t_case "jetson -1 on a tree that is no Jetson: exit 111" 111 '' \
	'~^lmprobe: fatal: no Jetson facts under ' "$PR" -1 -o -r "$DATA/root-v2" jetson
t_run "$PR" -1 -o -r "$J/thor" -p 100 jetson tree
expect "jetson beside another source: the other one fails alone" 111 '' '~unable to read the process tree'
# a file it may not read: as another user (root reads every file)
AS=
if [ "$(id -u)" -eq 0 ] && have setpriv; then
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$T_DIR"
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$AS" ]; then
	cp -R "$J/agx-orin" "$T_DIR/noroot"
	chmod -R a+rX "$T_DIR/noroot"
	chmod 000 "$T_DIR/noroot/sys/kernel/debug/bpmp/debug/clk/emc/max_rate"
	# shellcheck disable=SC2086 # AS is a command prefix or nothing
	t_run $AS "$PR" -1 -o -r "$T_DIR/noroot" jetson
	expect "jetson, debugfs not readable: the rest is read" 0 '~^board_power_mode:0' \
		'~^lmprobe: warning: jetson: 1 files may not be read'
	check "jetson, debugfs not readable: counted" "$(t_head "$T_DIR/out")" \
		grep -q '^lmprobe_source_errors:1|c|#source:jetson$' "$T_DIR/out"
	check "jetson, debugfs not readable: the EMC minimum still read" "$(t_head "$T_DIR/out")" \
		grep -q '^board_emc_frequency_min_hertz:3199000000|g$' "$T_DIR/out"
else
	skip "jetson, debugfs not readable" "root, and no setpriv to drop it"
fi

# ---- Jetson GPU memory per process: the nvmap clients (debugfs)
t_run "$PR" -1 -o -a det -r "$J/agx-orin" -p 4242 nvmap
expect "nvmap -p: the app's tree (two clients of one pid, a child)" 0 \
	'~^gpu_memory_bytes:1612709888\|g\|#app:det,pid:[0-9]+,gpu:0,model:ga10b$' ''
check "nvmap -p: in total" "$(t_head "$T_DIR/out")" grep -Eq '^gpu_memory_bytes:1612709888\|g\|#app:det,pid:[0-9]+$' "$T_DIR/out"
check "nvmap -p: another user's python3 is not the app's" "$(t_head "$T_DIR/out")" \
	no_line "$T_DIR/out" 'process_pid'
t_run "$PR" -1 -o -r "$J/orin-nano" nvmap
expect "nvmap, Orin Nano iovmm/maps: per process" 0 \
	'~^gpu_process_memory_bytes:67108864\|g\|#gpu:0,process_pid:2890,comm:gst-launch-1.0$' ''
t_run "$PR" -1 -o -r "$J/xavier-nx" nvmap
expect "nvmap, Xavier NX: a comm with a space" 0 \
	'~^gpu_process_memory_bytes:4194304\|g\|#gpu:0,process_pid:3012,comm:Web_Content$' ''
check "nvmap: kernel clients are no process" "$(t_head "$T_DIR/out")" no_line "$T_DIR/out" 'process_pid:0,'
t_case "nvmap -1 without the table: exit 111 at once" 111 '' \
	'~^lmprobe: fatal: unable to read .*/sys/kernel/debug/nvmap/iovmm/clients: No such file' \
	"$PR" -1 -o -r "$J/thor" nvmap
t_bg "$PR" -o -i 0.1 -r "$J/thor" nvmap jetson >"$T_DIR/nvm.out" 2>"$T_DIR/nvm.err"
P=$T_PID
nvm_errs() {   # counters travel as increases: 1 each period
	[ "$(grep -c '^lmprobe_source_errors:1|c|#source:nvmap$' "$T_DIR/nvm.out")" -ge 2 ]
}
check "nvmap loop without the table: counted each period" "$(t_head "$T_DIR/nvm.out")" wait_for 5 nvm_errs
t_stop "$P"
check "nvmap loop: the other source goes on" "$(t_head "$T_DIR/nvm.out")" \
	grep -q '^board_power_mode:1|g|#name:120W$' "$T_DIR/nvm.out"
eq "nvmap loop: said once" "$(grep -c 'unable to read' "$T_DIR/nvm.err")" 1
if [ -n "$AS" ] || [ "$(id -u)" -ne 0 ]; then
	chmod 000 "$T_DIR/noroot/sys/kernel/debug/nvmap/iovmm/clients"
	# shellcheck disable=SC2086 # AS is a command prefix or nothing
	t_run $AS "$PR" -1 -o -r "$T_DIR/noroot" nvmap
	expect "nvmap -1, not root: exit 111 with the reason" 111 '' '~Permission denied$'
	# shellcheck disable=SC2086
	t_run $AS "$PR" -1 -o -r "$T_DIR/noroot" -p 4242 tree nvmap
	expect "nvmap, not root: -1 ends before the other sources' sample" 111 '' '~Permission denied$'
else
	skip "nvmap, not root" "root, and no setpriv to drop it"
fi

# ---- stream mode: the newest line only, no app tag unless -a
t_run "$PR" -1 -o tegrastats:- <"$DATA/tegra-sample.txt"
expect "-1 -o tegrastats:- prints wire lines" 0 '~^board_ram_used_bytes:22055747584\|g$' ''
eq "only the newest line's sample (no queue)" "$(grep -c '^board_ram_used_bytes:' "$T_DIR/out")" 1
check "no app tag on stdout by default" "$(t_head "$T_DIR/out")" no_line "$T_DIR/out" 'app:'
check "rails kept apart (no sum)" "$(grep rail: "$T_DIR/out" | head -n 2)" \
	grep -q '^board_power_watts:5.02|g|#rail:VIN_SYS_5V0,index:0$' "$T_DIR/out"
t_run "$PR" -1 -o -a jet tegrastats:- <"$DATA/tegra-sample.txt"
expect "-a NAME adds the app tag and its pid (its series live as long as it)" 0 '~^board_ram_total_bytes:65893564416\|g\|#app:jet,pid:[0-9]+$' ''
"$PR" -1 -o -r "$DATA/root-v2" -p 100 proc tree cgroup >"$T_DIR/lines"
t_run "$LM_BIN/lmhook" -s "$T_DIR/none.sock" -q -a board - <"$T_DIR/lines"
expect "stream output is valid for lmhook -" 0 '' ''

# ---- sending to lmtabled
if ! start_tabled "$S"; then
	fail "lmtabled starts" "exit $T_STATUS: $(t_head "$S.err")"
	t_done
fi
t_case "-1 sends to lmtabled (procfs, tree, cgroup fixtures)" 0 '' '' \
	"$PR" -1 -s "$S" -r "$DATA/root-v2" -p 100 proc tree cgroup
# one line each: Thor (JP7), AGX Orin (JP7.2, rail NC twice), AGX Orin (JP5, -256C)
sed -n 6p "$DATA/tegra-variants.txt" >"$T_DIR/thor"
sed -n 7p "$DATA/tegra-variants.txt" >"$T_DIR/orin7"
sed -n 8p "$DATA/tegra-sample.txt" >"$T_DIR/orin5"
for a in thor orin7 orin5; do
	t_case "-1 -a $a: tegrastats:- to lmtabled" 0 '' '' \
		sh -c '"$1" -1 -s "$2" -a "$3" tegrastats:- <"$4"' sh "$PR" "$S" "$a" "$T_DIR/$a"
done
t_case "LM_SOCKET finds the daemon" 0 '' '' \
	sh -c 'LM_SOCKET="$1" "$2" -1 -o -r "$3" -p 100 tree | LM_SOCKET="$1" "$4" -a piped -' \
	sh "$S" "$PR" "$DATA/root-v2" "$LM_BIN/lmhook"
dump "$S" "$D"
check "dump: process_cpu_seconds counter, app board" "$(t_head "$D")" \
	grep -q '^process_cpu_seconds:5.65|c|#app:board,' "$D"
check "dump: cgroup memory" "$(t_head "$D")" grep -q '^cgroup_memory_bytes:104857600|g|#app:board,' "$D"
check "dump: piped through lmhook -" "$(t_head "$D")" grep -q '^process_threads:7|g|#app:piped,' "$D"
check "dump: rails with the same name kept apart" "$(grep 'rail:NC' "$D" | head -n 2)" \
	grep -q '^board_power_watts:0|g|#app:orin7,.*index:1,rail:NC' "$D"
expo "$S" "$E"
check "exposition: board_power_watts with rail and index" "$(t_head "$E")" \
	grep -q '^board_power_watts{app="thor",uid="[0-9]*",index="0",rail="VDD_GPU"} 8.12$' "$E"
check "exposition: process_cpu_seconds_total" "$(t_head "$E")" \
	grep -q '^process_cpu_seconds_total{app="board",uid="[0-9]*"} 5.65$' "$E"
check "exposition: temperature per sensor" "$(t_head "$E")" \
	grep -q '^board_temperature_celsius{app="thor",uid="[0-9]*",sensor="tj"} 47.5$' "$E"
check "exposition: -256C gives no sample" "$(grep orin5 "$E" | head -n 2)" \
	no_line "$E" 'sensor="CV0"'
check "exposition: a real reading beside -256C" "$(t_head "$E")" \
	grep -q '^board_temperature_celsius{app="orin5",uid="[0-9]*",sensor="tj"} 48.937$' "$E"
if have promtool; then
	t_run promtool check metrics <"$E"
	expect "promtool check metrics: clean" 0 '' ''
else
	skip "promtool check metrics" "no promtool"
fi

# ---- the live machine: one sample of everything local
t_run "$PR" -1 -o -p $$ proc tree cgroup
expect "live /proc, this shell's tree and cgroup" 0 '~^process_resident_memory_bytes:[0-9]+\|g$' ''
check "live: CPU seconds per core and mode" "$(t_head "$T_DIR/out")" \
	grep -q '^host_cpu_seconds:[0-9.e+-]*|c|#core:0,mode:idle$' "$T_DIR/out"

# ---- a live tree whose work is done by short-lived children: the CPU
# counter never falls when one exits (its deltas add up to the kernel's
# account, not more), and work of children that started and ended between
# two samples is in it
RU=$LM_BIN/lmt_rusage
ru_fifo "$T_DIR/live.ru"
t_bg "$RU" -h "$T_DIR/live.go" "$T_DIR/live.ru.fifo" \
	sh -c 'i=0; while [ $i -lt 15 ]; do "$1" -b 0.04 -w 65536 "$2.$i"; i=$((i + 1)); done' sh "$RU" "$T_DIR/live.f"
LIVE=$T_PID
t_bg "$PR" -o -i 0.1 -p "$LIVE" tree >"$T_DIR/live.out" 2>"$T_DIR/live.err"
P=$T_PID
# samples NAME: how many lines of NAME lmprobe wrote
samples() {
	grep -c "^$1:" "$T_DIR/live.out"
}
# more_samples N: lmprobe wrote N samples of the CPU or more
more_samples() {
	[ "$(samples process_cpu_seconds)" -ge "$1" ]
}
if wait_for 20 test -s "$T_DIR/live.ru"; then
	n=$(($(samples process_cpu_seconds) + 2))
	wait_for 5 more_samples "$n"
	t_stop "$P"
	: >"$T_DIR/live.go"
	t_reap "$LIVE" 5
	read -r ru_cpu _ _ _ ru_write ru_self <"$T_DIR/live.ru"
	# the tree's root is lmt_rusage itself: its own time is in the tree
	ru_cpu=$(awk -v a="$ru_cpu" -v b="$ru_self" 'BEGIN { printf "%.4f", a + b }')
	got=$(awk -F'[:|]' '$1 == "process_cpu_seconds" { s += $2 } END { printf "%.4f", s }' "$T_DIR/live.out")
	check "live tree: CPU deltas add up to the kernel's $ru_cpu s (got $got s)" "got $got" \
		awk -v a="$got" -v b="$ru_cpu" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.02 * b + 0.02) }'
	got=$(awk -F'[:|]' '$1 == "process_write_bytes" { s += $2 } END { printf "%.0f", s }' "$T_DIR/live.out")
	check "live tree: written bytes add up to the kernel's $ru_write (got $got)" "got $got" \
		awk -v a="$got" -v b="$ru_write" 'BEGIN { exit !(a >= b && a <= 1.02 * b + 16384) }'
else
	fail "live tree: the chain of children ends" "no $T_DIR/live.ru"
	t_stop "$P"
	: >"$T_DIR/live.go"
	t_stop "$LIVE"
fi

# ---- the interval: -i 0.2 for about 1.1 s gives about 5 samples
t_bg "$PR" -o -i 0.2 -r "$DATA/root-v2" proc >"$T_DIR/tick.out" 2>"$T_DIR/tick.err"
P=$T_PID
sleep 1.1
t_stop "$P"
eq "SIGTERM: exit 0" "$T_STATUS" 0
n=$(grep -c '^host_memory_total_bytes:' "$T_DIR/tick.out")
check "-i 0.2 for 1.1 s: 4 to 7 samples (got $n)" "got $n" test "$n" -ge 4 -a "$n" -le 7

# ---- a tegrastats log file, followed as it grows
head -n 3 "$DATA/tegra-sample.txt" >"$T_DIR/tegra.log"
t_bg "$PR" -o -i 0.1 "tegrastats:$T_DIR/tegra.log" >"$T_DIR/follow.out" 2>"$T_DIR/follow.err"
P=$T_PID
seen() {
	grep -q "^$1\$" "$T_DIR/follow.out"
}
check "log file: its last line is read" "$(t_head "$T_DIR/follow.out")" \
	wait_for 5 seen 'board_ram_used_bytes:2423259136|g'
sed -n 5p "$DATA/tegra-sample.txt" >>"$T_DIR/tegra.log"
check "log file: an appended line is read" "$(t_head "$T_DIR/follow.out")" \
	wait_for 5 seen 'board_ram_used_bytes:1607467008|g'
sed -n 7p "$DATA/tegra-sample.txt" >"$T_DIR/tegra.log.new"
mv "$T_DIR/tegra.log.new" "$T_DIR/tegra.log"
check "log file: rotation is followed" "$(tail -n 2 "$T_DIR/follow.out")" \
	wait_for 5 seen 'board_ram_used_bytes:3132096512|g'
t_stop "$P"
eq "log file: SIGTERM, exit 0" "$T_STATUS" 0

# ---- tegrastats run by lmprobe (a stand-in that bursts 11 lines)
t_run "$PR" -1 -o -i 0.5 tegrastats
expect "-1 tegrastats: runs it, one sample" 0 '~^board_cpu_frequency_hertz:1113000000\|g\|#core:11$' ''
eq "tegrastats: one sample, the newest line" "$(grep -c '^board_ram_used_bytes:' "$T_DIR/out")" 1
check "tegrastats --interval 500" "$(cat "$BIN/starts")" grep -q ' --interval 500$' "$BIN/starts"
tpid=$(awk 'END { print $1 }' "$BIN/starts")
check "one-shot: the tegrastats child is gone" "pid $tpid runs" t_wait_gone "$tpid" 2

# ---- nvidia-smi: recorded rows, noise, failures, a hang
: >"$BIN/starts"
echo ok >"$BIN/mode"
t_run "$PR" -1 -o nvidia-smi nvidia-smi-apps
expect "-1 nvidia-smi: a row per GPU" 0 \
	'~^gpu_power_watts:312.55\|g\|#gpu:GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13,index:0$' ''
check "[N/A] and [Not Supported] give no sample" "$(grep 'index:1' "$T_DIR/out" | head -n 3)" \
	no_line "$T_DIR/out" '^gpu_(load_ratio|power_watts).*index:1'
check "compute apps: no process, no sample" "$(t_head "$T_DIR/out")" \
	no_line "$T_DIR/out" '^gpu_process_memory_bytes'
check "one-shot nvidia-smi has no -lms" "$(cat "$BIN/starts")" no_line "$BIN/starts" '-lms'

: >"$BIN/starts"
t_bg "$PR" -o -i 0.2 nvidia-smi >"$T_DIR/nv.out" 2>"$T_DIR/nv.err"
P=$T_PID
has_rows() {
	grep -q '^gpu_load_ratio:0.73|g|#gpu:GPU-5d1e0c7a' "$T_DIR/nv.out"
}
check "loop: nvidia-smi -lms 200 rows arrive" "$(t_head "$T_DIR/nv.err")" wait_for 5 has_rows
check "loop: one long-lived child with -lms 200" "$(cat "$BIN/starts")" \
	grep -q -- '--format=csv,noheader,nounits -lms 200$' "$BIN/starts"
noise() {
	grep -q '^lmprobe_lines_skipped:1|c|#source:nvidia-smi$' "$T_DIR/nv.out"
}
check "loop: the XID line is skipped and counted" "$(grep skipped "$T_DIR/nv.out" | tail -n 1)" wait_for 3 noise
check "loop: the XID line is reported" "$(t_head "$T_DIR/nv.err")" grep -q 'skipped: Xid' "$T_DIR/nv.err"
n=$(grep -c '^gpu_load_ratio:0.73' "$T_DIR/nv.out")
check "loop: the newest row per tick, not every row ($n)" "$n rows" test "$n" -le 30

t_stop "$P"

# a hang: no output for -w seconds, killed, restarted; then it recovers
echo hang >"$BIN/mode"
: >"$BIN/starts"
killed() {
	grep -q 'nvidia-smi: no output for 1s; killed' "$T_DIR/nv.err"
}
t_bg "$PR" -o -i 0.2 -w 1 nvidia-smi >"$T_DIR/nv.out" 2>"$T_DIR/nv.err"
P=$T_PID
check "hang: killed after -w 1" "$(t_head "$T_DIR/nv.err")" wait_for 5 killed
restarted() {
	[ "$(wc -l <"$BIN/starts")" -ge 2 ]
}
check "hang: restarted after the backoff" "$(cat "$BIN/starts")" wait_for 5 restarted
hpid=$(awk 'NR == 1 { print $1 }' "$BIN/starts")
check "hang: the hung child is gone" "pid $hpid runs" t_wait_gone "$hpid" 2
echo ok >"$BIN/mode"
check "hang: rows again once it answers" "$(tail -n 3 "$T_DIR/nv.err")" wait_for 10 has_rows
restarts() {
	grep -q '^lmprobe_child_restarts:[1-9][0-9]*|c|#source:nvidia-smi$' "$T_DIR/nv.out"
}
check "hang: restarts counted" "$(grep restarts "$T_DIR/nv.out" | tail -n 1)" restarts
last=$(awk 'END { print $1 }' "$BIN/starts")
t_stop "$P"
eq "SIGTERM with a child: exit 0" "$T_STATUS" 0
check "SIGTERM: the nvidia-smi child is killed" "pid $last runs" t_wait_gone "$last" 2

# failures: the message is skipped, the exit status reported, backoff grows
echo fail >"$BIN/mode"
: >"$BIN/starts"
t_bg "$PR" -o -i 0.1 nvidia-smi >"$T_DIR/nv.out" 2>"$T_DIR/nv.err"
P=$T_PID
sleep 3.5
t_stop "$P"
eq "failing nvidia-smi: lmprobe keeps running, exit 0" "$T_STATUS" 0
n=$(wc -l <"$BIN/starts")
check "failing nvidia-smi: restarts back off (1 s, 2 s...): $n starts in 3.5 s" "$n starts" \
	test "$n" -ge 2 -a "$n" -le 4
check "failing nvidia-smi: exit status reported" "$(t_head "$T_DIR/nv.err")" \
	grep -q 'lmprobe: warning: nvidia-smi exited with status 9; restart in 1s' "$T_DIR/nv.err"
check "failing nvidia-smi: its message skipped" "$(t_head "$T_DIR/nv.err")" \
	grep -q 'skipped: NVIDIA-SMI has failed' "$T_DIR/nv.err"
check "failing nvidia-smi: no gpu_ sample" "$(t_head "$T_DIR/nv.out")" no_line "$T_DIR/nv.out" '^gpu_'
echo missing >"$BIN/mode"

# ---- GPU memory per process: the app's (-p: its tree, per GPU, in total)
# and the board's (every process, pid and comm); the stand-in lists real
# processes: the app, its child, and this shell (not the app's)
echo ok >"$BIN/mode"
t_bg sh -c 'sleep 300 & wait'
APP=$T_PID
kid() {
	KID=$(cat /proc/"$APP"/task/*/children 2>/dev/null | awk '{ print $1 }')
	[ -n "$KID" ]
}
check "the stand-in app has a child" "none" wait_for 5 kid
G0=GPU-5d1e0c7a-2b9f-4c31-8e6a-0f4b7d2c9a13
G1=GPU-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d
{
	echo "$G0, $KID, 1000, /bin/sleep"
	echo "$G1, $APP, 500, /bin/sh"
	echo "$G0, $$, 7406, /usr/bin/python3"
	echo "$G1, $KID, [N/A], /bin/sleep"
} >"$BIN/apps"
M=model:NVIDIA_H100_80GB_HBM3
t_run "$PR" -1 -o -a app -p "$APP" nvidia-smi-apps
expect "-p: the app's GPU memory on GPU 0 (its child)" 0 \
	"~^gpu_memory_bytes:1048576000\\|g\\|#app:app,pid:[0-9]+,gpu:0,$M\$" ''
check "-p: on GPU 1 (the app)" "$(t_head "$T_DIR/out")" \
	grep -Eq "^gpu_memory_bytes:524288000\\|g\\|#app:app,pid:[0-9]+,gpu:1,$M\$" "$T_DIR/out"
check "-p: in total, no labels" "$(t_head "$T_DIR/out")" \
	grep -Eq '^gpu_memory_bytes:1572864000\|g\|#app:app,pid:[0-9]+$' "$T_DIR/out"
check "-p: the uuid in gpu_info only" "$(t_head "$T_DIR/out")" \
	grep -Eq "^gpu_info:1\\|g\\|#app:app,pid:[0-9]+,gpu:1,$M,uuid:$G1\$" "$T_DIR/out"
check "-p: no per-process series" "$(t_head "$T_DIR/out")" no_line "$T_DIR/out" 'process_pid'
eq "-p: 2 GPUs, a total, 2 gpu_info" "$(grep -c '^gpu_' "$T_DIR/out")" 5
t_run "$PR" -1 -o nvidia-smi-apps
expect "board: every process, with pid and comm" 0 \
	"~^gpu_process_memory_bytes:7765753856\\|g\\|#gpu:0,process_pid:$$,comm:[^,]+\$" ''
check "board: the app's child by its comm" "$(t_head "$T_DIR/out")" \
	grep -q "^gpu_process_memory_bytes:1048576000|g|#gpu:0,process_pid:$KID,comm:sleep\$" "$T_DIR/out"
check "board: [N/A] memory gives no sample" "$(t_head "$T_DIR/out")" \
	no_line "$T_DIR/out" "gpu:1,process_pid:$KID,"
: >"$BIN/starts"
t_bg "$PR" -o -i 0.2 nvidia-smi-apps >"$T_DIR/apps.out" 2>"$T_DIR/apps.err"
P=$T_PID
seen_pid() {
	grep -q "^gpu_process_memory_bytes:$2|g|#gpu:0,process_pid:$1," "$T_DIR/apps.out"
}
check "board loop: the process is listed" "$(t_head "$T_DIR/apps.err")" wait_for 5 seen_pid "$$" 7765753856
grep -v "^$G0, $$, " "$BIN/apps" >"$BIN/apps.new"
mv "$BIN/apps.new" "$BIN/apps"
check "board loop: a process gone: 0 once" "$(tail -n 3 "$T_DIR/apps.out")" wait_for 5 seen_pid "$$" 0
n0=$(grep -c "process_pid:$$," "$T_DIR/apps.out")
more_of() {
	[ "$(grep -c "process_pid:$KID," "$T_DIR/apps.out")" -ge "$1" ]
}
k=$(grep -c "process_pid:$KID," "$T_DIR/apps.out")
check "board loop: two samples later" "none" wait_for 5 more_of $((k + 2))
eq "board loop: then never again" "$(grep -c "process_pid:$$," "$T_DIR/apps.out")" "$n0"
t_stop "$P"
check "board loop: the GPU ids asked once, not every period" "$(cat "$BIN/starts")" \
	test "$(grep -c 'query-gpu=uuid,index,name ' "$BIN/starts")" -eq 1
kill "$KID"
t_stop "$APP"
check "the stand-in app's child is gone" "pid $KID runs" t_wait_gone "$KID" 2
: >"$BIN/apps"
echo missing >"$BIN/mode"

# fail fast: a source that cannot start ends -1 at once (-w 60 is never
# waited for: the test's deadline is 5 s), with the reason
T_TIMEOUT=5
t_case "-1, no nvidia-smi on PATH: exit 111 at once" 111 '' \
	'~^lmprobe: fatal: unable to run nvidia-smi: No such file or directory$' \
	env PATH=/nonexistent "$PR" -1 -o -w 60 nvidia-smi
t_case "-1, no tegrastats on PATH: exit 111 at once" 111 '' \
	'~^lmprobe: fatal: unable to run tegrastats: No such file or directory$' \
	env PATH=/nonexistent "$PR" -1 -o -w 60 -r "$DATA/root-v2" proc tegrastats
t_case "-1, tegrastats:FILE missing: exit 111 at once" 111 '' \
	"~^lmprobe: fatal: unable to open $T_DIR/nolog: No such file or directory\$" \
	"$PR" -1 -o -w 60 "tegrastats:$T_DIR/nolog"
echo fail >"$BIN/mode"
t_case "-1, nvidia-smi fails: exit 111 at once, its status and message" 111 '' \
	'~lmprobe: fatal: nvidia-smi exited with status 9$' "$PR" -1 -o -w 60 nvidia-smi
mkdir -p "$T_DIR/noexec"
printf '#!/bin/sh\n' >"$T_DIR/noexec/nvidia-smi"
chmod 644 "$T_DIR/noexec/nvidia-smi"
t_case "-1, nvidia-smi not executable: exit 111 at once" 111 '' \
	'~^lmprobe: fatal: unable to run nvidia-smi: Permission denied$' \
	env PATH="$T_DIR/noexec" "$PR" -1 -o -w 60 nvidia-smi
echo missing >"$BIN/mode"
T_TIMEOUT=20

# stream mode: retried with backoff, counted, said once
t_bg env PATH=/nonexistent "$PR" -o -i 0.1 nvidia-smi >"$T_DIR/gone.out" 2>"$T_DIR/gone.err"
P=$T_PID
errs() {
	grep -q '^lmprobe_source_errors:1|c|#source:nvidia-smi$' "$T_DIR/gone.out"
}
check "stream, no nvidia-smi: the failed start counted" "$(t_head "$T_DIR/gone.out")" wait_for 5 errs
t_stop "$P"
eq "stream, no nvidia-smi: keeps running, SIGTERM exit 0" "$T_STATUS" 0
check "stream, no nvidia-smi: the reason said" "$(t_head "$T_DIR/gone.err")" \
	grep -q '^lmprobe: warning: unable to run nvidia-smi: No such file or directory$' "$T_DIR/gone.err"

t_done
