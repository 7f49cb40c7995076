#!/bin/sh
# lm-test: seconds 27
# shellcheck disable=SC2317 # functions are called through check
# report.html under Jenkins' default Content-Security-Policy for archived
# files: a results folder served by a small HTTP server that sends
#   Content-Security-Policy: sandbox; default-src 'none'; img-src 'self'; style-src 'self';
# a headless Chromium screenshot of it, and its pixels: the page is
# styled (the headline's banner, the table heads) and the plots drawn.
# A control page with the same rules inline (<style>) must come out
# unstyled: the header is enforced. The screenshots are kept in
# LM_BIN/testlog/ to look at. Skipped without chromium or python3.
# shellcheck source=test/lib.sh
. "${0%/*}/../lib.sh"

LS=$LM_BIN/lmsession
APP_SH=$T_ROOT/docs/examples/app.sh
DATA=$T_ROOT/test/data/session
PATH=$LM_BIN:$PATH
export PATH
T_TIMEOUT=90
umask 022
have() { command -v "$1" >/dev/null 2>&1; }
CSP="sandbox; default-src 'none'; img-src 'self'; style-src 'self';"

CHROME=
for c in chromium chromium-browser google-chrome; do
	if have "$c"; then
		CHROME=$c
		break
	fi
done
if [ -z "$CHROME" ] || ! have python3; then
	skip "report.html under Jenkins' CSP" "no chromium or no python3 (Debian packages chromium, python3)"
	t_done
fi

# a results folder: a failing threshold, so the banner is the FAIL one
t_run "$LS" -q -g 1 -i 0.2 -p none -o "$T_DIR/r" -e 'fps>=100000' -- sh "$APP_SH" -n 10 -r 10 </dev/null
expect "a session: exit 1 (threshold)" 1 - -
# the sanitized pass ends here: the report was written by the sanitized
# lmsession; how chromium renders it is the static pass's to check
case $LM_BIN in
*asan)
	for c in "the server sends Jenkins' CSP" "csp: a screenshot" "csp: styled" \
	    "csp: the plots drawn" "control: a screenshot" "control: inline <style> is dropped" \
	    "file: a screenshot" "file: styled as a local file too"; do
		skip "$c" "the ASan pass (chromium renders the same report in the static pass)"
	done
	t_done ;;
esac
# the control page: the same rules inline, as a CSP without
# 'unsafe-inline' drops them
{
	sed -n '1,/<head>/p' "$T_DIR/r/report.html"
	printf '<style>'
	cat "$T_DIR/r/report.css"
	printf '</style>\n'
	sed -n '/<head>/,$p' "$T_DIR/r/report.html" | sed '1d; /<link rel="stylesheet"/d'
} >"$T_DIR/r/inline.html"

t_bg python3 "$DATA/csp_serve.py" "$T_DIR/r" "$T_DIR/port"
wait_for 10 test -s "$T_DIR/port"
PORT=$(cat "$T_DIR/port")
BASE=http://127.0.0.1:$PORT
if have curl; then
	check "the server sends Jenkins' CSP" "$(curl -sI "$BASE/report.html" | head -n 12)" \
		sh -c "curl -sI '$BASE/report.html' | tr -d '\r' | grep -Fqx \"Content-Security-Policy: $CSP\""
fi

# shot NAME URL: a 1000x1400 screenshot of URL in $T_DIR/NAME.png
shot() {
	rm -f "$T_DIR/$1.png"
	timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --hide-scrollbars --user-data-dir="$T_DIR/chrome.$1" \
		--window-size=1000,1400 --screenshot="$T_DIR/$1.png" "$2" \
		>"$T_DIR/$1.log" 2>&1 </dev/null
	mkdir -p "$LM_BIN/testlog" && cp "$T_DIR/$1.png" "$LM_BIN/testlog/session_csp-$1.png" 2>/dev/null
	test -s "$T_DIR/$1.png"
}
# colours NAME: "BANNER THEAD PLOT" pixel counts in NAME.png: the FAIL
# banner's background (report.css), the table heads' (report.css), the
# plot's line (an SVG attribute)
colours() {
	python3 "$DATA/png_colours.py" "$T_DIR/$1.png" fde8e6 f0f0f4 1f6fb4 | awk '{ print $2 }' | tr '\n' ' '
}

check "csp: a screenshot of report.html" "chromium failed: see its log in the test dir" shot csp "$BASE/report.html"
# shellcheck disable=SC2046 # three numbers, split on purpose
set -- $(colours csp)
check "csp: styled: the FAIL banner (${1:-0} px) and the table heads (${2:-0} px) from report.css" \
	"banner ${1:-0} px, heads ${2:-0} px" test "${1:-0}" -gt 5000 -a "${2:-0}" -gt 500
check "csp: the plots drawn (${3:-0} px of the line)" "${3:-0} px" test "${3:-0}" -gt 50

check "control: a screenshot of the inline-style page" "chromium failed" shot inline "$BASE/inline.html"
# shellcheck disable=SC2046 # three numbers, split on purpose
set -- $(colours inline)
check "control: inline <style> is dropped under the CSP (banner ${1:-0} px)" "banner ${1:-0} px" \
	test "${1:-0}" -lt 100

check "file: a screenshot of report.html opened as a file" "chromium failed" shot file "file://$T_DIR/r/report.html"
# shellcheck disable=SC2046 # three numbers, split on purpose
set -- $(colours file)
check "file: styled as a local file too (banner ${1:-0} px)" "banner ${1:-0} px" test "${1:-0}" -gt 5000

t_done
