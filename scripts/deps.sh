#!/bin/sh
# deps.sh MODE: make sure the Debian packages that MODE needs are installed.
#   MODE demo: build the tools and run the live demo (make demo)
#   MODE test: also everything the test suite uses (make test)
# As root, missing packages are installed with apt-get (update once first).
# Otherwise the missing packages and the command to install them are
# printed, and the exit status is 100.
# Exit: 0 all there, 100 usage or packages missing (not root), 111 apt failed.
set -u
prog=deps.sh

usage() {
	echo "usage: $prog demo|test" >&2
	exit 100
}

[ $# -eq 1 ] || usage
# make + gcc + musl-tools: the static build (musl-gcc wraps gcc);
# ipsvd: tcpsvd serves lmexport; curl: the demo shows /metrics.
demo_pkgs="make gcc libc6-dev musl-tools ipsvd curl"
# prometheus: promtool and a real server; socat: raw datagrams and a second
# inetd; busybox: the shell tests run under busybox sh too; file: "statically
# linked"; shellcheck: lint of the scripts; mandoc: lint of the man pages;
# perl-base: raw and hostile datagrams, free ports; procps: kill, ps.
# clang + libclang-rt-14-dev: the libFuzzer targets (test/it/fuzz.sh).
# python3 and its packages: the Python module, its tests and benchmark, and
# a real StatsD client (python3-statsd) against the UDP listener.
test_pkgs="$demo_pkgs prometheus socat busybox file shellcheck mandoc perl-base procps coreutils util-linux python3 python3-statsd python3-prometheus-client python3-pip python3-setuptools clang libclang-rt-14-dev"
case $1 in
demo) want=$demo_pkgs ;;
test) want=$test_pkgs ;;
*) usage ;;
esac

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=
for p in $want; do
	installed "$p" || missing="$missing $p"
done
missing=${missing# }
if [ -z "$missing" ]; then
	echo "$prog: info: all packages for $1 are installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "$prog: fatal: missing Debian packages for $1: $missing" >&2
	echo "$prog: install them as root with:" >&2
	echo "  apt-get update && apt-get install -y $missing" >&2
	exit 100
fi

echo "$prog: info: installing: $missing"
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! apt-get update -q || ! apt-get install -y -q --no-install-recommends $missing; then
	echo "$prog: fatal: unable to install: $missing" >&2
	exit 111
fi
still=
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "$prog: fatal: still missing after apt-get:$still" >&2
	exit 111
fi
echo "$prog: info: all packages for $1 are installed"
