"""Per-update cost of the Python module against prometheus_client, measured
in one run of one process; prints a Markdown section.

    /usr/bin/python3 test/bench/python.py [N]    (N updates a row, default 200000)

LM_SOCKET names the lmtabled to send to (none needed: with no daemon a
flush is one failed send). Each row runs 5 rounds of N calls, the two
libraries taken in turn within a round; median and spread (min-max). "flush" is what the sender thread
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

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
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
    # prometheus_client's own timer buckets by default; the classic bounds
    # lmexport writes by default for the histogram (14 and +Inf)
    env.update({
        'pctr': Counter('frames', 'h', registry=reg),
        'pgg': Gauge('g', 'h', registry=reg),
        'phist': Histogram('t', 'h', registry=reg, buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                          0.25, 0.5, 1, 2.5, 5, 10, float('inf'))),
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


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def rounds(ours, theirs):
    """Per round: ns per call of ours, flush ns per call, ns of theirs."""
    res = []
    to = timeit.Timer(ours, globals=env)
    tt = timeit.Timer(theirs, globals=env) if theirs and pc else None
    for _ in range(REPEAT):
        flush_all()
        t = to.timeit(N) / N
        f0 = timeit.default_timer()
        flush_all()
        f = (timeit.default_timer() - f0) / N
        p = tt.timeit(N) / N if tt else None
        res.append((t * 1e9, f * 1e9, p * 1e9 if p else None))
    return res


def main():
    # warm up: the first flush creates the lines' formats, the knob is asked once
    env['res'].get()
    flush_all()
    print('## Python module, per update (ns), against prometheus_client')
    print()
    print('`%s test/bench/python.py %d` on Python %s%s; %d rounds of %d calls each,'
          ' the two libraries in turn; median (min-max).'
          % ('python3', N, platform.python_version(),
             ', prometheus_client %s' % getattr(pc, '__version__', _pc_version()) if pc else
             ' (no prometheus_client: its column is empty)', REPEAT, N))
    print('"+ flush": what the sender thread then spends per update (in the same process);'
          ' the ratio is (ours + flush) / theirs within a round.')
    print()
    print('| operation | livemetrics | + flush | prometheus_client | ours / theirs |')
    print('|---|---:|---:|---:|---:|')
    for what, ours, theirs in ROWS:
        r = rounds(ours, theirs)
        o = [x[0] for x in r]
        f = [x[1] for x in r]
        t = [x[2] for x in r if x[2]]
        q = [(x[0] + x[1]) / x[2] for x in r if x[2]]
        print('| %s: `%s` vs `%s` | %.0f (%.0f-%.0f) | %.0f | %s | %s |' % (
            what, ours, theirs or '-', median(o), min(o), max(o), median(f),
            '%.0f (%.0f-%.0f)' % (median(t), min(t), max(t)) if t else '-',
            '%.2f (%.2f-%.2f)' % (median(q), min(q), max(q)) if q else '-'))
    st = c.stats()
    print()
    print('%d datagrams sent, %d not sent.' % (
        st['datagrams'] + srv.stats()['datagrams'],
        st['send_errors'] + srv.stats()['send_errors']))


def _pc_version():
    try:
        from importlib.metadata import version
        return version('prometheus_client')
    except Exception:
        return '?'


if __name__ == '__main__':
    main()
