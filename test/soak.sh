#!/bin/sh
# test/soak.sh BUILDDIR [MINUTES]: soak test, not part of the suite
# (make soak SOAK_MINUTES=N). 4 hooked apps (example_app -n 0 -r 2000,
# LM_FLUSH_MS=20) send at a high rate; lmexport -p scrapes every 100 ms;
# lmtabled is killed (-9) and restarted (-k) every 30 s. Every 10 s the RSS
# (kB) and the open fds of lmtabled and of each app are sampled; a table is
# printed, then per column its first (after the warm-up), last and largest
# value; the peak RSS of lmexport over all scrapes (GNU time, when there);
# the updates the apps made and the datagrams they sent and could not send
# (the C API's counts, printed by example_app on exit); and what lmtabled
# took, summed over its lives (its health counters, read by a dump just
# before each kill and at the end: the last moments of a life are not in
# them). Fails (exit 1) when, from the first sample after the warm-up to
# the last, an RSS grows by more than 2 MiB and 25 %, or an fd count by more
# than 2, or an app dies, or a scrape fails more than once in a row.
# Exit: 0 flat, 1 grew or failed, 100 usage, 111 set-up failed.
# shellcheck disable=SC2317 # cleanup runs from the trap
set -u
if [ $# -lt 1 ]; then
	echo "usage: sh test/soak.sh BUILDDIR [MINUTES]" >&2
	exit 100
fi
B=$(cd "$1" && pwd) || exit 100
MIN=${2:-3}
case $MIN in '' | *[!0-9]*) echo "soak: bad MINUTES: $MIN" >&2; exit 100 ;; esac
D=$(mktemp -d "${TMPDIR:-/tmp}/lmsoak.XXXXXX") || exit 111
S=$D/s.sock
APPS=
TPID=
SCRAPER=

cleanup() {
	for p in $SCRAPER $APPS $TPID; do kill -TERM "$p" 2>/dev/null; done
	for p in $SCRAPER $APPS $TPID; do wait "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_tabled() {
	rm -f "$D/ready"
	mkfifo "$D/ready"
	"$B/lmtabled" -d 3 -s "$S" -k "$D/knobs" 3>"$D/ready" 2>>"$D/tabled.err" &
	TPID=$!
	if [ "$(timeout 10 head -c 1 "$D/ready" | od -An -c | tr -d ' ')" != '\n' ]; then
		echo "soak: lmtabled did not become ready: $(tail -n 2 "$D/tabled.err")" >&2
		exit 111
	fi
}
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' '; }
# tally: add this life's health counters of lmtabled to $D/lives (one line:
# datagrams, truncated, lines received, applied, rejected)
tally() {
	timeout 5 "$B/lmhook" -s "$S" dump >"$D/dump" 2>/dev/null || return 0
	awk -F'|' '
		function v(n) { return substr($1, length(n) + 2) + 0 }
		index($1, "lm_tabled_datagrams_received:") == 1 { d = v("lm_tabled_datagrams_received") }
		index($1, "lm_tabled_datagrams_truncated:") == 1 { t = v("lm_tabled_datagrams_truncated") }
		index($1, "lm_tabled_lines_received:") == 1 { r = v("lm_tabled_lines_received") }
		index($1, "lm_tabled_lines_applied:") == 1 { a = v("lm_tabled_lines_applied") }
		index($1, "lm_tabled_lines_rejected:") == 1 { j += v("lm_tabled_lines_rejected") }
		END { print d + 0, t + 0, r + 0, a + 0, j + 0 }' "$D/dump" >>"$D/lives"
}

start_tabled
"$B/lmhook" -s "$S" -a soak1 set res 1080 >/dev/null || exit 111
for i in 1 2 3 4; do
	env LM_SOCKET="$S" LM_APP="soak$i" LM_FLUSH_MS=20 "$B/example_app" -n 0 -r 2000 \
		2>>"$D/app$i.err" &
	APPS="$APPS $!"
done
# the scraper: lmexport -p every 100 ms; counts scrapes and failures in a
# row, and (with GNU time) the peak RSS of each lmexport: first and largest
if /usr/bin/time -f %M -o "$D/xrss" true 2>/dev/null; then TIMED=1; else TIMED=0; fi
scrape() {
	if [ "$TIMED" -eq 1 ]; then
		timeout 5 /usr/bin/time -f %M -o "$D/xrss" "$B/lmexport" -p -s "$S" >"$D/expo" 2>/dev/null
	else
		timeout 5 "$B/lmexport" -p -s "$S" >"$D/expo" 2>/dev/null
	fi
}
(
	n=0 bad=0 worst=0 x1=0 xmax=0
	while :; do
		if scrape; then bad=0; else
			bad=$((bad + 1)); [ "$bad" -gt "$worst" ] && worst=$bad; fi
		if [ "$TIMED" -eq 1 ] && read -r x <"$D/xrss" 2>/dev/null; then
			case $x in '' | *[!0-9]*) ;; *)
				[ "$x1" -eq 0 ] && x1=$x
				[ "$x" -gt "$xmax" ] && xmax=$x ;;
			esac
		fi
		n=$((n + 1))
		echo "$n $worst $x1 $xmax $(wc -c <"$D/expo" | tr -d ' ')" >"$D/scrapes.tmp" &&
			mv "$D/scrapes.tmp" "$D/scrapes"
		sleep 0.1
	done
) &
SCRAPER=$!

printf '%6s %8s %6s' t_s tabled_kB fd
i=1
for a in $APPS; do printf ' %8s %5s' "app${i}_kB" fd; i=$((i + 1)); done
printf ' %8s %7s\n' scrapes restarts
end=$(($(date +%s) + MIN * 60))
t0=$(date +%s)
next_restart=$((t0 + 30))
next_sample=$t0
restarts=0
status=0
: >"$D/samples"
: >"$D/lives"
while :; do
	now=$(date +%s)
	[ "$now" -ge "$end" ] && break
	if [ "$now" -ge "$next_restart" ]; then
		tally
		kill -KILL "$TPID"
		wait "$TPID" 2>/dev/null
		start_tabled
		restarts=$((restarts + 1))
		next_restart=$((now + 30))
	fi
	if [ "$now" -ge "$next_sample" ]; then
		next_sample=$((next_sample + 10))
		line="$((now - t0)) $(rss "$TPID") $(fds "$TPID")"
		for a in $APPS; do
			if ! kill -0 "$a" 2>/dev/null; then
				echo "soak: FAIL: app pid $a died" >&2
				status=1
			fi
			line="$line $(rss "$a") $(fds "$a")"
		done
		read -r sn sw <"$D/scrapes" 2>/dev/null || { sn=0; sw=0; }
		echo "$line $sn $restarts" >>"$D/samples"
		echo "$line $sn $restarts" | awk '{ printf "%6s %8s %6s", $1, $2, $3
			for (i = 4; i < NF - 1; i += 2) printf " %8s %5s", $i, $(i + 1)
			printf " %8s %7s\n", $(NF - 1), $NF }'
	fi
	sleep 0.2
done
tally
# the apps: stopped (TERM), they print what the C API sent
for a in $APPS; do kill -TERM "$a" 2>/dev/null; done
for a in $APPS; do wait "$a" 2>/dev/null; done
APPS=
read -r sn sw x1 xmax xbytes <"$D/scrapes" 2>/dev/null || { sn=0; sw=0; x1=0; xmax=0; xbytes=0; }
if [ "${sw:-0}" -gt 1 ]; then
	echo "soak: FAIL: $sw scrapes failed in a row" >&2
	status=1
fi
# growth: from the first sample at t >= 20 s (warm-up) to the last. lmtabled
# is restarted, so its figures restart too; the bound holds for each life.
if ! awk '
	$1 < 20 { next }
	!seen++ { for (i = 2; i <= NF - 2; i++) first[i] = $i }
	{ for (i = 2; i <= NF - 2; i++) last[i] = $i; nf = NF }
	END {
		bad = 0
		for (i = 2; i <= nf - 2; i++) {
			what = i == 2 || i == 3 ? "lmtabled" : "app" int((i - 2) / 2)
			if (i % 2 == 0 && last[i] - first[i] > 2048 && last[i] > first[i] * 1.25) {
				printf "soak: FAIL: %s RSS grew from %d to %d kB\n", what, first[i], last[i]; bad = 1
			}
			if (i % 2 == 1 && last[i] - first[i] > 2) {
				printf "soak: FAIL: %s fds grew from %d to %d\n", what, first[i], last[i]; bad = 1
			}
		}
		exit bad
	}' "$D/samples" >&2; then
	status=1
fi
# first (after the warm-up), last and largest value of each column
awk '
	$1 < 20 { next }
	!seen++ { for (i = 2; i <= NF - 2; i++) { first[i] = $i; max[i] = $i } }
	{ for (i = 2; i <= NF - 2; i++) { last[i] = $i; if ($i + 0 > max[i] + 0) max[i] = $i }; nf = NF }
	END {
		for (i = 2; i <= nf - 2; i += 2) {
			what = i == 2 ? "lmtabled" : "app" int((i - 2) / 2)
			printf "soak: %-8s RSS kB first %s last %s max %s; fds first %s last %s max %s\n",
				what, first[i], last[i], max[i], first[i + 1], last[i + 1], max[i + 1]
		}
	}' "$D/samples"
if [ "$TIMED" -eq 1 ]; then
	echo "soak: lmexport peak RSS kB: first scrape $x1, largest of $sn scrapes $xmax (exposition ${xbytes:-0} bytes at the end)"
fi
cat "$D"/app*.err | awk '
	/^example_app: [0-9]+ frames/ { f += $2; d += $4; e += $7; n++ }
	END { printf "soak: apps: %d stopped cleanly, %d frames (%d updates), %d datagrams sent, %d not sent\n",
		n, f, 4 * f, d, e }'
awk '{ d += $1; t += $2; r += $3; a += $4; j += $5; n++ }
	END { printf "soak: lmtabled, %d lives: %d datagrams received (%d truncated), %d lines received, %d applied, %d rejected\n",
		n, d, t, r, a, j }' "$D/lives"
echo "soak: $MIN min, $sn scrapes (most failures in a row: ${sw:-0}), $restarts lmtabled restarts: $([ "$status" -eq 0 ] && echo flat || echo FAILED)"
exit "$status"
