#!/bin/sh
# lm-test: seconds 15
# shellcheck disable=SC2317 # functions are called through check and wait_for
# lmsession -D URL: datasets fetched over HTTP from a local server
# (python3 -m http.server on 127.0.0.1) with curl, with wget and with
# busybox's wget, tar and unzip: a plain file, .tar, .tar.gz, .zip; a
# checksum that holds and one that does not; a 404; a server not
# listening; no fetcher on PATH; bad URLs; archives whose members or
# links would land outside; a second session reuses the cache (the
# server's log shows no second request); two sessions at once; the app
# sees the files, in a container too; summary.json's dataset_fetch.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

LS=$LM_BIN/lmsession
T_TIMEOUT=60
umask 022
for t in python3 curl wget tar gzip unzip jq sha256sum; do
	if ! have "$t"; then
		skip "fetch" "no $t"
		t_done
	fi
done
SRV=$T_DIR/srv
CACHE=$T_DIR/cache
mkdir -p "$SRV/d" "$SRV/bad" "$T_DIR/bin.curl" "$T_DIR/bin.wget" "$T_DIR/bin.none" "$T_DIR/bin.bb"
echo hello >"$SRV/d/input.txt"
echo other >"$SRV/d/other.txt"
printf 'x\n' >"$SRV/plain.bin"
tar -czf "$SRV/set.tar.gz" -C "$SRV" d
cp "$SRV/set.tar.gz" "$SRV/set.tgz"
tar -cf "$SRV/set.tar" -C "$SRV" d
(cd "$SRV" && zip -qr set.zip d) || python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + "/set.zip", "w") as z:
    z.write(sys.argv[1] + "/d/input.txt", "d/input.txt")
    z.write(sys.argv[1] + "/d/other.txt", "d/other.txt")' "$SRV"
# archives that would write outside their folder
python3 - "$SRV/bad" <<'PY'
import io, sys, tarfile, zipfile
d = sys.argv[1]
def tar(name, members):
    with tarfile.open(d + "/" + name, "w:gz") as t:
        for n, link in members:
            i = tarfile.TarInfo(n)
            if link:
                i.type, i.linkname = tarfile.SYMTYPE, link
                t.addfile(i)
            else:
                i.size = 3
                t.addfile(i, io.BytesIO(b"ok\n"))
tar("up.tar.gz", [("d/a.txt", None), ("../escaped.txt", None)])
tar("abs.tar.gz", [("/tmp/lmt-fetch-absolute.txt", None)])
tar("link.tar.gz", [("d/etc", "/etc")])
tar("uplink.tar.gz", [("d/up", "../../..")])
with zipfile.ZipFile(d + "/up.zip", "w") as z:
    z.writestr("d/a.txt", "ok\n")
    z.writestr("../escaped.txt", "no\n")
PY
printf 'not a tar\n' >"$SRV/bad/junk.tar"
SUM_INPUT=$(sha256sum "$SRV/d/input.txt" | cut -c1-64)
SUM_OTHER=$(sha256sum "$SRV/d/other.txt" | cut -c1-64)
SUM_ZIP=$(sha256sum "$SRV/set.zip" | cut -c1-64)

# PATHs: only curl; only wget; neither; busybox's wget, tar, unzip
for t in sh cat find sort tar gzip unzip; do
	for b in curl wget none; do
		ln -s "$(command -v "$t")" "$T_DIR/bin.$b/$t"
	done
done
ln -s "$(command -v curl)" "$T_DIR/bin.curl/curl"
ln -s "$(command -v wget)" "$T_DIR/bin.wget/wget"
BB=
if have busybox && [ "$(busybox --list 2>/dev/null | grep -cxE 'wget|tar|gzip|unzip|find|sort')" = 6 ]; then
	BB=$(command -v busybox)
	for t in sh cat find sort tar gzip unzip wget; do
		ln -s "$BB" "$T_DIR/bin.bb/$t"
	done
fi

# the server: on a free port, its log (a line per request) in http.log
start_http() {
	# shellcheck disable=SC2016 # expanded by that shell
	t_bg sh -c 'cd "$1" && exec python3 -u -m http.server --bind 127.0.0.1 "$2"' sh "$SRV" "$PORT" \
		>"$T_DIR/http.log" 2>&1
}
http_up() {
	t_alive "$SERVER_PID" && curl -sf -o /dev/null "http://127.0.0.1:$PORT/d/other.txt"
}
up=
for _try in 1 2 3; do
	PORT=$(free_port) || break
	start_http
	SERVER_PID=$T_PID
	if wait_for 20 http_up; then
		up=1
		break
	fi
	t_stop "$SERVER_PID"
done
if [ -z "$up" ]; then
	fail "http server" "python3 -m http.server did not answer"
	t_done
fi
U=http://127.0.0.1:$PORT

# gets PATH: requests for PATH in the server's log
gets() {
	grep -c "\"GET $1 HTTP" "$T_DIR/http.log"
}
# fetch NAME BINDIR ARGS...: lmsession (PATH=BINDIR, cache -K $CACHE)
# into $T_DIR/NAME; the app writes NAME.started when it runs
fetch() {
	_fn=$1 _fb=$2
	shift 2
	t_run env PATH="$_fb" "$LS" -q -p none -o "$T_DIR/$_fn" -K "$CACHE" "$@" </dev/null
}
# the app: marks that it ran (in $1), shows the dataset: a file's text,
# or a folder's files and d/input.txt
cat >"$T_DIR/app.sh" <<'APP'
echo ran >"$1"
if [ -d "$LM_DATASET" ]; then
	cd "$LM_DATASET" && find . -type f | sort && cat d/input.txt
else
	cat "$LM_DATASET"
fi
APP
# jf NAME FILTER: jq FILTER on NAME's summary.json's dataset_fetch
jf() {
	jq -r ".dataset_fetch | $2" "$T_DIR/$1/summary.json" 2>/dev/null
}
# no_temps: the cache holds no temp entry (a failed fetch left nothing)
no_temps() {
	[ -z "$(find "$CACHE" -mindepth 1 -maxdepth 1 -name '.*' 2>/dev/null | head -n 1)" ]
}
entries() {
	find "$CACHE" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null | wc -l | tr -d ' '
}

# ---- usage errors: exit 100, nothing fetched
t_case "bad checksum syntax" 100 '' '~bad -D .*64 hex digits' "$LS" -p none -D "$U/d/input.txt#sha256=abc" -- true
t_case "unknown fragment" 100 '' '~bad -D .*unknown fragment' "$LS" -p none -D "$U/d/input.txt#md5=$SUM_INPUT" -- true
t_case "no host" 100 '' '~bad -D http:///x: no host' "$LS" -p none -D "http:///x" -- true
t_case "a space in the URL" 100 '' '~bad -D' "$LS" -p none -D "$U/d/a b" -- true
t_case "-K empty" 100 '' '~empty -K' "$LS" -p none -K '' -D "$U/d/input.txt" -- true
check "usage errors: no request" "$(cat "$T_DIR/http.log")" test "$(gets /d/input.txt)" = 0

# ---- curl: a plain file, then from the cache
set -- sh "$T_DIR/app.sh" "$T_DIR/c1.started"
fetch c1 "$T_DIR/bin.curl" -D "$U/d/input.txt" -- "$@"
expect "curl: plain file" 0 '' '!fatal'
check "curl: the app sees the file" "$(cat "$T_DIR/c1/stdout.log")" test "$(cat "$T_DIR/c1/stdout.log")" = hello
eq "curl: dataset_fetch" "$(jf c1 '"\(.url) \(.bytes) \(.cached) \(.verified) \(.tool) \(.sha256)"')" \
	"$U/d/input.txt 6 false false curl $SUM_INPUT"
check "curl: fetch_seconds a number" "$(jf c1 .fetch_seconds)" num_gt "$(jf c1 .fetch_seconds)" -1
eq "curl: dataset is the cached file" "$(jq -r .dataset "$T_DIR/c1/summary.json")" "$(jf c1 .path)"
check "curl: the cache entry is named by the URL's SHA-256" "$(jf c1 .path)" \
	test "$(jf c1 .path)" = "$CACHE/$(printf %s "$U/d/input.txt" | sha256sum | cut -c1-64)/input.txt"
set -- sh "$T_DIR/app.sh" "$T_DIR/c2.started"
fetch c2 "$T_DIR/bin.curl" -D "$U/d/input.txt" -- "$@"
expect "curl: again" 0 '' '!fatal'
eq "again: from the cache" "$(jf c2 '"\(.cached) \(.sha256)"')" "true $SUM_INPUT"
eq "again: no second request" "$(gets /d/input.txt)" 1
eq "again: the app sees the file" "$(cat "$T_DIR/c2/stdout.log")" hello
check "summary.txt: fetched" "$(grep '^dataset' "$T_DIR/c1/summary.txt")" \
	grep -q "^dataset   $U/d/input.txt: 6 bytes, fetched by curl in [0-9.]* s\$" "$T_DIR/c1/summary.txt"
check "summary.txt: from the cache" "$(grep '^dataset' "$T_DIR/c2/summary.txt")" \
	grep -q "^dataset   $U/d/input.txt: 6 bytes, from the cache in [0-9.]* s\$" "$T_DIR/c2/summary.txt"
check "report.html: the dataset's URL" "no line" grep -q "dataset URL" "$T_DIR/c2/report.html"
# with the checksum, the cached copy is verified, still not fetched again
fetch c3 "$T_DIR/bin.curl" -D "$U/d/input.txt#sha256=$SUM_INPUT" -- sh -c :
expect "checksum of a cached entry" 0 '' '!fatal'
eq "checksum of a cached entry: verified, no request" "$(jf c3 '"\(.cached) \(.verified)"') $(gets /d/input.txt)" "true true 1"
# a checksum the cached copy does not match: fetched again, still wrong
set -- sh "$T_DIR/app.sh" "$T_DIR/c4.started"
fetch c4 "$T_DIR/bin.curl" -D "$U/d/input.txt#sha256=$SUM_OTHER" -- "$@"
expect "checksum mismatch: exit 111" 111 '' "~unable to fetch dataset $U/d/input.txt: checksum mismatch: got sha256 $SUM_INPUT, want $SUM_OTHER"
check "checksum mismatch: fetched again to be sure" "$(gets /d/input.txt)" test "$(gets /d/input.txt)" = 2
check "checksum mismatch: the app did not start" "it ran" test ! -e "$T_DIR/c4.started"
check "checksum mismatch: no results folder" "it exists" test ! -e "$T_DIR/c4"
check "checksum mismatch: nothing left in the cache" "$(ls -A "$CACHE")" no_temps

# ---- curl: archives
set -- sh "$T_DIR/app.sh" "$T_DIR/c5.started"
fetch c5 "$T_DIR/bin.curl" -D "$U/set.tar.gz" -- "$@"
expect "curl: .tar.gz" 0 '' '!fatal'
eq "curl: .tar.gz unpacked" "$(tr '\n' ' ' <"$T_DIR/c5/stdout.log")" "./d/input.txt ./d/other.txt hello "
eq "curl: .tar.gz: the dataset is the folder" "$(jf c5 .path)" "$(dirname "$(jf c5 .path)")/dataset"
check "curl: .tar.gz: the folder readable by all" "$(ls -ld "$(dirname "$(jf c5 .path)")")" \
	test -n "$(find "$(dirname "$(jf c5 .path)")" -maxdepth 0 -perm -005)"
set -- sh "$T_DIR/app.sh" "$T_DIR/c6.started"
fetch c6 "$T_DIR/bin.curl" -D "$U/set.zip#sha256=$SUM_ZIP" -- "$@"
expect "curl: .zip with its checksum" 0 '' '!fatal'
eq "curl: .zip unpacked" "$(tr '\n' ' ' <"$T_DIR/c6/stdout.log")" "./d/input.txt ./d/other.txt hello "
eq "curl: .zip verified" "$(jf c6 '"\(.verified) \(.sha256) \(.bytes)"')" "true $SUM_ZIP $(wc -c <"$SRV/set.zip" | tr -d ' ')"

# ---- curl: failures, exit 111 before the app starts, nothing left behind
n0=$(entries)
set -- sh "$T_DIR/app.sh" "$T_DIR/f1.started"
fetch f1 "$T_DIR/bin.curl" -D "$U/nope.tar.gz" -- "$@"
expect "curl: 404" 111 '' "~^lmsession: fatal: unable to fetch dataset $U/nope.tar.gz: curl exited 22: .*404"
check "404: the app did not start" "it ran" test ! -e "$T_DIR/f1.started"
DEAD=$(free_port)
fetch f2 "$T_DIR/bin.curl" -D "http://127.0.0.1:$DEAD/x.csv" -- "$@"
expect "curl: nothing listening" 111 '' "~unable to fetch dataset http://127.0.0.1:$DEAD/x.csv: curl exited 7"
fetch f3 "$T_DIR/bin.none" -D "$U/d/other.txt" -- "$@"
expect "no curl or wget on PATH" 111 '' "~unable to fetch dataset $U/d/other.txt: no curl or wget on PATH"
for b in up.tar.gz abs.tar.gz up.zip; do
	fetch f4 "$T_DIR/bin.curl" -D "$U/bad/$b" -- "$@"
	expect "archive refused: $b" 111 '' "~unable to fetch dataset $U/bad/$b: archive refused: member '(\.\./escaped\.txt|/tmp/lmt-fetch-absolute\.txt)' would land outside"
done
check "archive refused: nothing written outside" "escaped" test ! -e "$CACHE/escaped.txt" -a ! -e /tmp/lmt-fetch-absolute.txt
for b in link.tar.gz uplink.tar.gz; do
	fetch f5 "$T_DIR/bin.curl" -D "$U/bad/$b" -- "$@"
	expect "archive refused: $b" 111 '' "~unable to fetch dataset $U/bad/$b: archive refused: link d/(etc|up) points outside"
done
fetch f6 "$T_DIR/bin.curl" -D "$U/bad/junk.tar" -- "$@"
expect "not an archive" 111 '' "~unable to fetch dataset $U/bad/junk.tar: tar -t exited"
check "failures: the app never started" "$(ls "$T_DIR"/f*.started 2>/dev/null)" test -z "$(ls "$T_DIR"/f*.started 2>/dev/null)"
eq "failures: no cache entry made" "$(entries)" "$n0"
check "failures: no temp left in the cache" "$(ls -A "$CACHE")" no_temps

# ---- wget (GNU)
set -- sh "$T_DIR/app.sh" "$T_DIR/w1.started"
fetch w1 "$T_DIR/bin.wget" -D "$U/d/other.txt#sha256=$SUM_OTHER" -- "$@"
expect "wget: plain file with its checksum" 0 '' '!fatal'
eq "wget: dataset_fetch" "$(jf w1 '"\(.tool) \(.verified) \(.cached) \(.bytes)"')" "wget true false 6"
eq "wget: the app sees the file" "$(cat "$T_DIR/w1/stdout.log")" other
eq "with a checksum: the entry named by it" "$(jf w1 .path)" "$CACHE/sha256-$SUM_OTHER/other.txt"
# another URL of the same object (a presigned URL's new signature): no request
set -- sh "$T_DIR/app.sh" "$T_DIR/q1.started"
fetch q1 "$T_DIR/bin.curl" -D "$U/d/other.txt?sig=2#sha256=$SUM_OTHER" -- "$@"
expect "same object, another URL" 0 '' '!fatal'
eq "same object, another URL: from the cache, no request" \
	"$(jf q1 '"\(.cached) \(.url)"') $(grep -c 'GET /d/other.txt?sig=' "$T_DIR/http.log")" "true $U/d/other.txt?sig=2 0"
eq "same object, another URL: the app sees the file" "$(cat "$T_DIR/q1/stdout.log")" other
set -- sh "$T_DIR/app.sh" "$T_DIR/w2.started"
fetch w2 "$T_DIR/bin.wget" -D "$U/set.tar" -- "$@"
expect "wget: .tar" 0 '' '!fatal'
eq "wget: .tar unpacked" "$(tr '\n' ' ' <"$T_DIR/w2/stdout.log")" "./d/input.txt ./d/other.txt hello "
set -- sh "$T_DIR/app.sh" "$T_DIR/w3.started"
fetch w3 "$T_DIR/bin.wget" -D "$U/set.tgz" -- "$@"
expect "wget: .tgz" 0 '' '!fatal'
eq "wget: .tgz unpacked" "$(tr '\n' ' ' <"$T_DIR/w3/stdout.log")" "./d/input.txt ./d/other.txt hello "
fetch w4 "$T_DIR/bin.wget" -D "$U/nope.csv" -- "$@"
expect "wget: 404" 111 '' "~unable to fetch dataset $U/nope.csv: wget exited 8: .*404"
fetch w5 "$T_DIR/bin.wget" -D "http://127.0.0.1:$DEAD/x.csv" -- "$@"
expect "wget: nothing listening" 111 '' "~unable to fetch dataset http://127.0.0.1:$DEAD/x.csv: wget exited 4"
check "wget: failures left no temp" "$(ls -A "$CACHE")" no_temps

# ---- busybox: wget, tar and unzip as on a small edge node
if [ -n "$BB" ]; then
	for a in set.tar.gz set.zip; do
		rm -rf "$CACHE"
		set -- sh "$T_DIR/app.sh" "$T_DIR/bb.$a.started"
		fetch "bb.$a" "$T_DIR/bin.bb" -D "$U/$a" -- "$@"
		expect "busybox: $a" 0 '' '!fatal'
		eq "busybox: $a unpacked" "$(tr '\n' ' ' <"$T_DIR/bb.$a/stdout.log")" "./d/input.txt ./d/other.txt hello "
		eq "busybox: $a fetched by wget" "$(jf "bb.$a" .tool)" wget
	done
	# busybox's unzip lists and unpacks ../escaped.txt as escaped.txt
	fetch bb.up "$T_DIR/bin.bb" -D "$U/bad/up.zip" -- sh -c :
	expect "busybox: up.zip refused or kept inside" '0|111' '' -
	eq "busybox: up.zip: nothing outside the folder" \
		"$(find "$CACHE" -name escaped.txt ! -path '*/dataset/*' | head -n 1)" ""
	fetch bb.404 "$T_DIR/bin.bb" -D "$U/nope.zip" -- sh -c :
	expect "busybox: 404" 111 '' "~unable to fetch dataset $U/nope.zip: wget exited 1: .*404"
else
	skip "busybox" "no busybox with wget and unzip"
fi

# ---- a container (the stand-in runtime of session.sh): the cached folder
# mounted read-only at /dataset
mkdir -p "$T_DIR/images" "$T_DIR/rtstate"
# shellcheck disable=SC2016 # the image's script expands it
printf 'cat "$LM_DATASET/d/input.txt"\n' >"$T_DIR/images/ds.sh"
FAKE_RT_LOG=$T_DIR/rt.log FAKE_RT_STATE=$T_DIR/rtstate FAKE_RT_IMAGES=$T_DIR/images
export FAKE_RT_LOG FAKE_RT_STATE FAKE_RT_IMAGES
t_run "$LS" -q -p none -o "$T_DIR/ctr" -K "$CACHE" -R "$T_ROOT/test/data/session/runtime" \
	-I registry.example/ds:1 -D "$U/set.tar.gz" </dev/null
expect "container: -D URL" 0 '' '!fatal'
check "container: the cached folder mounted at /dataset" "$(grep ':/dataset' "$T_DIR/rt.log")" \
	grep -qx "$(jf ctr .path):/dataset:ro" "$T_DIR/rt.log"
eq "container: the app reads it" "$(cat "$T_DIR/ctr/stdout.log")" hello

# ---- the cache folder from LM_CACHE; two sessions at once
rm -rf "$CACHE"
LM_CACHE=$CACHE
export LM_CACHE
for i in 1 2; do
	env PATH="$T_DIR/bin.curl" "$LS" -q -p none -o "$T_DIR/par$i" -D "$U/set.zip" -- sh -c : \
		</dev/null >"$T_DIR/par$i.out" 2>"$T_DIR/par$i.err" &
	eval "PAR$i=\$!"
	T_PIDS="$T_PIDS $!"
done
# shellcheck disable=SC2154 # PAR1, PAR2 set by eval
if t_reap "$PAR1" 30 && [ "$T_STATUS" = 0 ] && t_reap "$PAR2" 30 && [ "$T_STATUS" = 0 ]; then
	ok "two sessions at once: both exit 0"
else
	fail "two sessions at once: both exit 0" "$(cat "$T_DIR/par1.err" "$T_DIR/par2.err" | tr '\n' '|')"
fi
eq "two sessions at once: one entry, no temp" "$(entries) $(find "$CACHE" -mindepth 1 -maxdepth 1 -name '.*' | wc -l | tr -d ' ')" "1 0"
eq "LM_CACHE: the entry there" "$(jq -r .dataset_fetch.path "$T_DIR/par1/summary.json")" \
	"$CACHE/$(printf %s "$U/set.zip" | sha256sum | cut -c1-64)/dataset"
unset LM_CACHE

t_stop "$SERVER_PID"
t_done
