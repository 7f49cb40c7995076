#!/bin/sh
# deps.sh MODE: make sure the Debian packages that MODE needs are installed.
#   MODE demo: build the tools and run the live demo (make demo)
#   MODE test: also everything the test suite uses (make test)
#   MODE bench: the demo's packages and the peers make bench compares with
#   MODE fleet: the fleet test (make fleet): Prometheus, tcpsvd, ip netns
# As root, missing packages are installed with apt-get (update once first).
# Otherwise the missing packages and the command to install them are
# printed, and the exit status is 100.
# Exit: 0 all there, 100 usage or packages missing (not root), 111 apt failed.
set -u
prog=deps.sh

usage() {
	echo "usage: $prog demo|test|bench|fleet" >&2
	exit 100
}

[ $# -eq 1 ] || usage
# make + gcc + musl-tools: the static build (musl-gcc wraps gcc);
# ipsvd: tcpsvd serves lmexport; curl: the demo shows /metrics.
demo_pkgs="make gcc libc6-dev musl-tools ipsvd curl"
# prometheus: promtool and a real server; socat: raw datagrams and a second
# inetd; busybox: the shell tests run under busybox sh too; file: "statically
# linked"; shellcheck: lint of the scripts; mandoc: lint of the man pages;
# perl-base: raw and hostile datagrams, free ports; procps: kill, ps;
# jq: the Grafana dashboard's queries (test/it/grafana.sh), the table as JSON
# (test/it/json.sh).
# clang + libclang-rt-14-dev: the libFuzzer targets (test/it/fuzz.sh).
# python3 and its packages: the Python module, its tests and benchmark, and
# a real StatsD client (python3-statsd) against the UDP listener.
test_pkgs="$demo_pkgs prometheus jq socat busybox file shellcheck mandoc perl-base procps coreutils util-linux python3 python3-statsd python3-prometheus-client python3-pip python3-venv clang libclang-rt-14-dev"
# make bench: collectd-core (its unixsock and write_prometheus plugins; the
# latter needs libmicrohttpd12 and libprotobuf-c1, only suggested), the
# pushgateway, python3 with prometheus_client, perl-base (free ports).
bench_pkgs="$demo_pkgs collectd-core libmicrohttpd12 libprotobuf-c1 prometheus-pushgateway perl-base procps python3 python3-prometheus-client"
# runit, s6, openbsd-inetd: the node set-ups of docs/deploy.md run under
# the real supervisors and super-server (test/it/deploy.sh), systemd's
# systemd-analyze verifies the units; none of them is started (policy-rc.d
# below). xinetd conflicts with openbsd-inetd as a package: its binary is
# unpacked under build/deps/xinetd instead (apt-get download, dpkg-deb -x).
test_pkgs="$test_pkgs runit s6 openbsd-inetd systemd iproute2"
# wget, unzip, zip: lmsession -D URL fetched with wget as well as curl,
# .zip datasets unpacked, test archives made (test/it/session_fetch.sh)
test_pkgs="$test_pkgs wget unzip zip"
# chromium: report.html rendered headless under Jenkins' Content-Security-
# Policy, its screenshot checked (test/it/session_csp.sh; skipped without)
test_pkgs="$test_pkgs chromium"
# tmux: lmhook top driven as a person would, in a terminal (test/it/top.sh)
test_pkgs="$test_pkgs tmux"
# make fleet (test/fleet.sh): network namespaces (iproute2), tcpsvd, Prometheus
fleet_pkgs="$demo_pkgs prometheus iproute2 perl-base procps util-linux"
case $1 in
demo) want=$demo_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
fleet) want=$fleet_pkgs ;;
*) usage ;;
esac

# xinetd for the tests (mode test only): on PATH, or unpacked in $xdir
xdir=build/deps/xinetd
xinetd_ok() {
	[ "$1" != test ] || command -v xinetd >/dev/null 2>&1 || [ -x "$xdir/usr/sbin/xinetd" ]
}
xinetd_unpack() {
	xinetd_ok "$1" && return 0
	echo "$prog: info: unpacking xinetd into $xdir"
	rm -rf "$xdir.tmp" && mkdir -p "$xdir.tmp" || return 1
	(cd "$xdir.tmp" && apt-get download xinetd >/dev/null 2>&1) || return 1
	dpkg-deb -x "$xdir.tmp"/xinetd_*.deb "$xdir.tmp/root" || return 1
	rm -rf "$xdir" && mv "$xdir.tmp/root" "$xdir" && rm -rf "$xdir.tmp"
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=
for p in $want; do
	installed "$p" || missing="$missing $p"
done
missing=${missing# }
# xinetd_get MODE: xinetd_unpack, after an apt-get update when the package
# lists were not there yet (a fresh machine) and we are root
xinetd_get() {
	xinetd_unpack "$1" && return 0
	[ "$(id -u)" -eq 0 ] && apt-get update -q >/dev/null 2>&1 && xinetd_unpack "$1" && return 0
	echo "$prog: warning: unable to unpack xinetd into $xdir: its test will be skipped" >&2
	return 0
}
if [ -z "$missing" ]; then
	xinetd_get "$1"
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
# The bench peers are daemons whose packages start a system service on
# install (the pushgateway would listen on :9091): the benchmark runs its
# own, so a policy-rc.d that denies every start is in place while apt-get
# runs (unless the machine has one already), and the services this run
# installed are disabled afterwards. The same for the test's and the fleet's
# daemons (openbsd-inetd, runit): the tests run their own.
guard=
if [ "$1" != demo ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# deps.sh: no service starts while installing\nexit 101\n' >/usr/sbin/policy-rc.d &&
		chmod 755 /usr/sbin/policy-rc.d && guard=/usr/sbin/policy-rc.d
	trap 'rm -f "$guard"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
fi
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! apt-get update -q || ! apt-get install -y -q --no-install-recommends $missing; then
	echo "$prog: fatal: unable to install: $missing" >&2
	exit 111
fi
if [ "$1" != demo ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for p in $missing; do
		case $p in
		collectd-core) systemctl disable --now collectd.service >/dev/null 2>&1 ;;
		prometheus-pushgateway) systemctl disable --now prometheus-pushgateway.service >/dev/null 2>&1 ;;
		openbsd-inetd) systemctl disable --now inetd.service >/dev/null 2>&1 ;;
		runit) systemctl disable --now runit.service >/dev/null 2>&1 ;;
		prometheus) systemctl disable --now prometheus.service >/dev/null 2>&1 ;;
		esac
	done
fi
still=
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "$prog: fatal: still missing after apt-get:$still" >&2
	exit 111
fi
xinetd_get "$1"
echo "$prog: info: all packages for $1 are installed"
