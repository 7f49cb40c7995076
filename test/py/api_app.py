"""The pywaggle-style API against a real lmtabled (test/it/python.sh).

    python3 api_app.py MODE [ARG]

MODE once DONEFILE: a fixed set of updates (the test knows the totals),
    flushed; the knob res (default 640) as the gauge res; then DONEFILE is
    written and the app waits to be killed, so its series stay in the table.
MODE loop: every 20 ms, the knob res read (cached a second by the module)
    and sent as the gauge res, and one tick of the rate loops; forever.
MODE flood SECONDS: updates to 1,000 metrics as fast as it goes for
    SECONDS; prints "updates N stats {...}"."""
import json
import sys
import threading
import time

from livemetrics import counter, gauge, metric, param, stats, timeit, flush

mode = sys.argv[1]
if mode == 'once':
    for i in range(10):
        metric('fps').inc()
    for i in range(7):
        counter('frames').inc()
    counter('frames').inc(3)
    metric('x').set(2.5)
    gauge('neg').set(-4.5)
    metric('latency').observe(0.012)
    with timeit('latency'):
        time.sleep(0.01)

    @timeit('step')
    def step():
        return 1
    step()
    step()

    def hits():
        h = counter('hits')
        for i in range(10000):
            h.inc()
    ths = [threading.Thread(target=hits) for i in range(8)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    res = param('res', 640).get()
    gauge('res').set(res)
    print('res=%s' % res)
    ok = flush()
    print('flushed=%s stats %s' % (ok, json.dumps(stats())))
    sys.stdout.flush()
    with open(sys.argv[2], 'w') as f:
        f.write('done\n')
    time.sleep(600)
elif mode == 'loop':
    res = param('res', 640)
    g = gauge('res')
    loops = metric('loops')
    while True:
        g.set(res.get())
        loops.inc()
        time.sleep(0.02)
elif mode == 'flood':
    secs = float(sys.argv[2])
    ms = [metric('flood_%04d_%s' % (i, 'n' * 100)) for i in range(1000)]
    n = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        for m in ms:
            m.observe(0.001)
        n += len(ms)
    print('updates %d seconds %.3f stats %s' % (n, time.monotonic() - t0, json.dumps(stats())))
else:
    sys.exit('api_app.py: bad mode: %s' % mode)
