"""Per-update cost of the Python module against prometheus_client, measured
in one run of one process; prints a Markdown section.

    /usr/bin/python3 test/bench/python.py [N]    (N updates a row, default 200000)

LM_SOCKET names the lmtabled to send to (none needed: with no daemon a
flush is one failed send). Each row is the best of 5 runs of N calls, the
two libraries' runs taken in turn. "flush" is what the sender thread
then spends on those N updates (an explicit flush() timed after the run,
divided by N): the module aggregates in the process, so part of an
update's cost is paid there, off the caller's thread but under the GIL.
Debian's python3-prometheus-client is the reference; use a python3 that
sees it (/usr/bin/python3 on Debian)."""
import os
import platform
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'lib'))
os.environ['LM_FLUSH_MS'] = '60000'     # flushes timed by hand
sys.dont_write_bytecode = True

import livemetrics as lm  # noqa: E402

try:
    import prometheus_client as pc
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
except ImportError:
    pc = None

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
REPEAT = 5

c = lm.Client(app='bench')
srv = lm.SageAppMetricsServer({'latency': lm.METRIC_TIMER, 'fps': lm.METRIC_RATE,
                               'x': lm.METRIC_NUMBER}, app='bench-seeds')
lm._default = c                         # metric() and param() use it
lm._lookup = c._metrics.get
env = {
    'lm': lm, 'metric': lm.metric, 'param': lm.param, 'srv': srv,
    'ctr': c.counter('frames'), 'gg': c.gauge('g'), 'tm': c.timer('t'),
    'res': lm.param('res', 640),
}
if pc:
    reg = CollectorRegistry()
    # prometheus_client's own timer buckets by default; ours for the
    # histogram (15 buckets, as many as lmtabled keeps)
    env.update({
        'pctr': Counter('frames', 'h', registry=reg),
        'pgg': Gauge('g', 'h', registry=reg),
        'phist': Histogram('t', 'h', registry=reg, buckets=lm.BUCKET_LE + (float('inf'),)),
        'plab': Counter('fps', 'h', ['app'], registry=reg),
    })

ROWS = [
    # (what, ours, prometheus_client's)
    ('counter +1', 'ctr.inc()', 'pctr.inc()'),
    ('counter +1, looked up by name', "metric('fps').inc()", "plab.labels('a').inc()"),
    ('counter +2.5', 'ctr.inc(2.5)', 'pctr.inc(2.5)'),
    ('gauge set', 'gg.set(3.5)', 'pgg.set(3.5)'),
    ('timer/histogram observe', 'tm.observe(0.012)', 'phist.observe(0.012)'),
    ('timed block (context manager)', 'with tm.time(): pass', 'with phist.time(): pass'),
    ("seeds' start_timer + stop_timer", "srv.start_timer('latency'); srv.stop_timer('latency')",
     'with phist.time(): pass'),
    ("seeds' push_metric (NUMBER)", "srv.push_metric('x', 3.5)", 'pgg.set(3.5)'),
    ('param(...).get(), cached', 'res.get()', None),
]


def flush_all():
    c.flush()
    srv.flush()


def best(ours, theirs):
    """(ns per call, flush ns per call) of ours, ns per call of theirs."""
    t_ours = t_flush = t_theirs = None
    to = timeit.Timer(ours, globals=env)
    tt = timeit.Timer(theirs, globals=env) if theirs and pc else None
    for _ in range(REPEAT):
        flush_all()
        t = to.timeit(N) / N
        f0 = timeit.default_timer()
        flush_all()
        f = (timeit.default_timer() - f0) / N
        if t_ours is None or t < t_ours:
            t_ours, t_flush = t, f
        if tt:
            t = tt.timeit(N) / N
            if t_theirs is None or t < t_theirs:
                t_theirs = t
    return t_ours * 1e9, t_flush * 1e9, t_theirs * 1e9 if t_theirs else None


def main():
    # warm up: the first flush creates the lines' formats, the knob is asked once
    env['res'].get()
    flush_all()
    print('## Python module, per update (ns), against prometheus_client')
    print()
    print('`%s test/bench/python.py %d` on Python %s%s; best of %d runs of %d calls each.'
          % ('python3', N, platform.python_version(),
             ', prometheus_client %s' % getattr(pc, '__version__', _pc_version()) if pc else
             ' (no prometheus_client: its column is empty)', REPEAT, N))
    print('"+ flush": what the sender thread then spends per update (in the same process).')
    print()
    print('| operation | livemetrics | + flush | prometheus_client | ours / theirs |')
    print('|---|---:|---:|---:|---:|')
    for what, ours, theirs in ROWS:
        o, f, t = best(ours, theirs)
        print('| %s: `%s` vs `%s` | %.0f | %.0f | %s | %s |' % (
            what, ours, theirs or '-', o, f, '%.0f' % t if t else '-',
            '%.2f' % ((o + f) / t) if t else '-'))
    st = c.stats()
    print()
    print('%d datagrams sent, %d not sent (LM_SOCKET=%s).' % (
        st['datagrams'] + srv.stats()['datagrams'],
        st['send_errors'] + srv.stats()['send_errors'], c.path))


def _pc_version():
    try:
        from importlib.metadata import version
        return version('prometheus_client')
    except Exception:
        return '?'


if __name__ == '__main__':
    main()
