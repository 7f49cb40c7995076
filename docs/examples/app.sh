#!/bin/sh
# app.sh: a hooked example app in POSIX sh, the twin of app.c. It
# "processes frames" and reports them the way the seeds do:
#   fps      RATE    lmhook tick fps          one event per frame
#   latency  TIMER   lmhook time latency --   times the frame's work
#   x        NUMBER  lmhook gauge x VALUE     a plain value
#   frames   counter lmhook counter frames    frames done
# The daemon is found through $LM_SOCKET, the app's name is $LM_APP.
# lmhook -q: a missing daemon never stops the app.
#
#	LM_SOCKET=/tmp/lm.sock LM_APP=demo-sh sh docs/examples/app.sh -n 50 -r 10
# -n 0: run until SIGTERM or SIGINT, which end it after the current frame.
set -u
usage="usage: app.sh [-n FRAMES] [-r FPS]"
frames=100 fps=10
while getopts hn:r: opt; do
	case $opt in
	h) echo "$usage"; exit 0 ;;
	n) frames=$OPTARG ;;
	r) fps=$OPTARG ;;
	*) echo "$usage" >&2; exit 100 ;;
	esac
done
for v in "$frames" "$fps"; do
	case $v in
	'' | *[!0-9]*) echo "app.sh: fatal: bad number: $v" >&2; exit 100 ;;
	esac
done
[ "$fps" -gt 0 ] || { echo "app.sh: fatal: bad number: $fps" >&2; exit 100; }
rest=$(awk -v r="$fps" 'BEGIN { printf "%.3f", 1 / r }')

trap 'exit 0' TERM INT
i=0
while [ "$frames" -eq 0 ] || [ "$i" -lt "$frames" ]; do
	# the "inference": a few milliseconds of work, timed
	lmhook -q time latency -- sleep 0.00$((2 + i % 5))
	lmhook -q tick fps
	lmhook -q counter frames
	lmhook -q gauge x $((i % 10 / 2)).$((i % 2 * 5))
	sleep "$rest"
	i=$((i + 1))
done
