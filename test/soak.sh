#!/bin/sh
# test/soak.sh BUILDDIR [MINUTES]: soak test, not part of the suite
# (make soak SOAK_MINUTES=N). 4 hooked apps (example_app -n 0 -r 2000,
# LM_FLUSH_MS=20) send at a high rate; lmexport -p scrapes every 100 ms;
# lmtabled is killed (-9) and restarted (-k) every 30 s. Every 10 s the RSS
# (kB) and the open fds of lmtabled and of each app are sampled; a table is
# printed. Fails (exit 1) when, from the first sample after the warm-up to
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

start_tabled
"$B/lmhook" -s "$S" -a soak1 set res 1080 >/dev/null || exit 111
for i in 1 2 3 4; do
	env LM_SOCKET="$S" LM_APP="soak$i" LM_FLUSH_MS=20 "$B/example_app" -n 0 -r 2000 \
		2>>"$D/app$i.err" &
	APPS="$APPS $!"
done
# the scraper: lmexport -p every 100 ms; counts scrapes and failures in a row
(
	n=0 bad=0 worst=0
	while :; do
		if timeout 5 "$B/lmexport" -p -s "$S" >/dev/null 2>&1; then bad=0; else
			bad=$((bad + 1)); [ "$bad" -gt "$worst" ] && worst=$bad; fi
		n=$((n + 1))
		echo "$n $worst" >"$D/scrapes.tmp" && mv "$D/scrapes.tmp" "$D/scrapes"
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
restarts=0
status=0
: >"$D/samples"
while :; do
	now=$(date +%s)
	[ "$now" -ge "$end" ] && break
	if [ "$now" -ge "$next_restart" ]; then
		kill -KILL "$TPID"
		wait "$TPID" 2>/dev/null
		start_tabled
		restarts=$((restarts + 1))
		next_restart=$((now + 30))
	fi
	if [ $(((now - t0) % 10)) -eq 0 ]; then
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
		sleep 1
	fi
	sleep 0.2
done
read -r sn sw <"$D/scrapes" 2>/dev/null || { sn=0; sw=0; }
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
echo "soak: $MIN min, $sn scrapes (most failures in a row: ${sw:-0}), $restarts lmtabled restarts: $([ "$status" -eq 0 ] && echo flat || echo FAILED)"
exit "$status"
