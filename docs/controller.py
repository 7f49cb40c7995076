#!/usr/bin/env python3
"""controller.py: a small edge controller for livemetrics (stdlib only).

Reads the table as one JSON document (lm-json(5)), from `lmhook dump -j`
or from lmexport's GET /api/v1/table, and when the rate of a metric of an
app that is up (its frames per second, say) drops below a threshold, sets
a knob of that app (its resolution, say) through `lmhook set`: knobs go
through lmtabled's unix query socket, where the kernel vouches for the
caller; nothing is written over HTTP. The app reads the knob with
param("res") (Python), lm_param (C) or `lmhook get res` (shell).

    controller.py [-s PATH] [-u URL] [-m METRIC] [-t RATE] [-k KNOB]
                  [-v VALUE] [-i SECONDS] [-n ROUNDS] [-l LMHOOK]

One line on stdout per knob set: "APP: METRIC RATE/s < THRESHOLD: KNOB=VALUE".
Exit: 0 done (-n rounds), 100 usage, 111 the table could not be read, or
its version is not one this controller knows.
"""
import argparse
import json
import subprocess
import sys
import time
import urllib.request

SCHEMA = 1          # the lm-json(5) version this controller reads
DEADLINE = 10.0     # seconds to read the table, or to set a knob


def read_table(args):
    """The table as a dict: from the URL when given, else lmhook dump -j."""
    if args.url:
        with urllib.request.urlopen(args.url, timeout=DEADLINE) as r:
            data = r.read()
    else:
        cmd = [args.lmhook] + (["-s", args.socket] if args.socket else []) + ["dump", "-j"]
        data = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                              timeout=DEADLINE).stdout
    doc = json.loads(data)
    if doc.get("version") != SCHEMA:
        raise ValueError("table schema version %r, want %d" % (doc.get("version"), SCHEMA))
    return doc


def low_apps(doc, metric, threshold):
    """(app, rate) for every app that is up whose rate series `metric`
    runs below threshold (a null rate is not known: skipped)."""
    for app in doc.get("apps", []):
        if not app.get("up"):
            continue
        for m in app.get("metrics", []):
            if m.get("name") == metric and m.get("type") == "rate":
                rate = m.get("rate")
                if rate is not None and rate < threshold:
                    yield app, rate
                break


def set_knob(args, app, knob, value):
    cmd = [args.lmhook] + (["-s", args.socket] if args.socket else []) + \
        ["-a", app, "set", knob, value]
    return subprocess.run(cmd, timeout=DEADLINE).returncode == 0


def round_once(args):
    doc = read_table(args)
    for app, rate in low_apps(doc, args.metric, args.threshold):
        name = app["app"]
        if app.get("knobs", {}).get(args.knob) == args.value:
            continue    # set already
        if set_knob(args, name, args.knob, args.value):
            print("%s: %s %.3g/s < %g: %s=%s" % (name, args.metric, rate, args.threshold,
                                                  args.knob, args.value), flush=True)
        else:
            print("controller.py: warning: unable to set %s of %s" % (args.knob, name),
                  file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description="Set a knob of each app whose rate drops "
                                "below a threshold (lm-json(5)).")
    p.add_argument("-s", dest="socket", metavar="PATH",
                   help="lmtabled's data socket (default $LM_SOCKET)")
    p.add_argument("-u", dest="url", metavar="URL",
                   help="read the table from URL (lmexport's /api/v1/table) instead of lmhook dump -j")
    p.add_argument("-m", dest="metric", default="fps", help="the rate metric watched (default fps)")
    p.add_argument("-t", dest="threshold", type=float, default=10.0, metavar="RATE",
                   help="events per second below which the knob is set (default 10)")
    p.add_argument("-k", dest="knob", default="res", help="the knob set (default res)")
    p.add_argument("-v", dest="value", default="480", help="the value it gets (default 480)")
    p.add_argument("-i", dest="interval", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between rounds (default 5)")
    p.add_argument("-n", dest="rounds", type=int, default=0,
                   help="rounds to run, 0 for ever (default 0)")
    p.add_argument("-l", dest="lmhook", default="lmhook", metavar="LMHOOK",
                   help="the lmhook command (default lmhook, on PATH)")
    try:
        args = p.parse_args()
    except SystemExit as e:
        sys.exit(0 if e.code == 0 else 100)
    if args.rounds < 0 or args.interval <= 0 or args.threshold != args.threshold:
        p.print_usage(sys.stderr)
        sys.exit(100)
    n = 0
    while True:
        try:
            round_once(args)
        except (OSError, ValueError, subprocess.SubprocessError) as e:
            print("controller.py: fatal: unable to read the table: %s" % e, file=sys.stderr)
            sys.exit(111)
        n += 1
        if args.rounds and n >= args.rounds:
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
