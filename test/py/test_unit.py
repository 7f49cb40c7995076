"""Unit tests of lib/livemetrics.py against fake sockets (no lmtabled).

Prints one line per case, as test/lib.sh does: "ok CASE" or
"FAIL CASE: why"; exit status 1 when a case failed. Run by
test/it/python.sh:  python3 test/py/test_unit.py DIR  (DIR: a scratch
directory for the sockets)."""
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'lib'))
DIR = sys.argv[1] if len(sys.argv) > 1 else '/tmp'
os.environ['LM_FLUSH_MS'] = '60000'     # flushes by hand unless a case says
os.environ['LM_QUIET'] = '1'            # the misuse cases below; warnings have their own
os.environ.pop('LM_APP', None)

import livemetrics as lm  # noqa: E402

nfail = 0


def case(name, cond, why=''):
    global nfail
    if cond:
        print('ok %s' % name)
    else:
        nfail += 1
        print('FAIL %s: %s' % (name, why))
    sys.stdout.flush()


class Sink(object):
    """A bound unix datagram socket that collects what arrives."""
    seq = 0

    def __init__(self, rcvbuf=None):
        Sink.seq += 1
        self.path = os.path.join(DIR, 'sink%d.sock' % Sink.seq)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.bind(self.path)
        self.s.setblocking(False)

    def grams(self):
        out = []
        while True:
            try:
                out.append(self.s.recv(1 << 17))
            except BlockingIOError:
                return out

    def during(self, fn):
        """Run fn while a thread reads; the datagrams that came."""
        out, stop = [], threading.Event()

        def rd():
            self.s.settimeout(0.05)
            while not stop.is_set():
                try:
                    out.append(self.s.recv(1 << 17))
                except socket.timeout:
                    pass
            self.s.setblocking(False)
        th = threading.Thread(target=rd)
        th.start()
        fn()
        time.sleep(0.1)
        stop.set()
        th.join()
        return out + self.grams()

    def lines(self):
        return [l for g in self.grams() for l in g.decode().split('\n') if l]

    def close(self):
        self.s.close()
        os.unlink(self.path)


def client(sink, **kw):
    return lm.Client(app=kw.pop('app', 'u'), socket_path=sink.path, **kw)


def total(lines, name, typ):
    """Sum of the values of lines NAME:V|TYPE|..."""
    s = 0
    for l in lines:
        head = l.split('|')
        if head[1] == typ and head[0].split(':')[0] == name:
            s += float(head[0].split(':')[1])
    return s


# ---- wire lines, exactly as the C API sends them
k = Sink()
c = client(k, app='myapp')
pid = os.getpid()
tags = '|#app:myapp,pid:%d' % pid
c.counter('frames').inc()
c.counter('frames').inc(9)
c.rate('fps').inc()
c.rate('fps').inc()
c.gauge('x').set(2.5)
c.gauge('neg').set(-3.25)
c.timer('latency').observe(0.012)
c.timer('latency').observe(0.5)
c.timer('latency').observe(12)
case('flush returns True when sent', c.flush() is True)
got = k.lines()
want = ['frames:10|c' + tags, 'fps:2|r' + tags, 'x:2.5|g' + tags,
        'neg:0|g' + tags, 'neg:-3.25|g' + tags,
        'latency:12.512|t|h:-51=1,-8=1,29=1|m:0.012|x:12|l:12' + tags]
case('wire lines: counter, rate, gauge, negative gauge, timer', got == want,
     'got %r' % got)
case('a negative gauge: 0 then -V, in the same datagram',
     got.index('neg:0|g' + tags) + 1 == got.index('neg:-3.25|g' + tags))
case('nothing pending: no datagram', c.flush() is True and k.grams() == [])
c.gauge('x').inc(1)
c.gauge('x').dec(0.25)
c.flush()
case('gauge inc/dec on the last value', k.lines() == ['x:3.25|g' + tags])
c.gauge('x').set(1)
c.gauge('x').inc(2)
c.gauge('x').set(10)
c.gauge('x').dec(4)
c.flush()
case('gauge: set and inc applied in order', k.lines() == ['x:6|g' + tags])
c.gauge('x').set(-0.0)
c.flush()
case('gauge -0 is sent as 0 (not a change)', k.lines() == ['x:0|g' + tags])

def hcount(line):
    """observations in a timer line's h: and z: fields"""
    n = 0
    for f in line.split('|'):
        if f.startswith('h:'):
            n += sum(int(p.split('=')[1]) for p in f[2:].split(','))
        elif f.startswith('z:'):
            n += int(f[2:])
    return n


# buckets: schema 3, as lib/lm_hist.c (test/unit/test_hist.c has the same rows)
rows = [(1, 0), (2, 8), (0.5, -8), (1.0000001, 1), (0.9999999, 0),
        (1.0905077326652577, 1), (1.0905078, 2), (3, 13), (0.001, -79),
        (0.01, -53), (0.1, -26), (3600, 95), (1e-6, -159), (9.1e-13, -319),
        (1e300, 1024)]
case('bucket index as lib/lm_hist.c', all(lm.bucket_index(x) == i for x, i in rows),
     [(x, lm.bucket_index(x), i) for x, i in rows if lm.bucket_index(x) != i])
case('bucket bounds agree with the index',
     all(lm.bucket_index(lm.bucket_upper(i)) == i and
         lm.bucket_index(lm.bucket_upper(i) * (1 + 2e-16)) == i + 1 for i in range(-319, 200)))
for v in (0.010, 0.020, 0.5, 0.012, 0, 1e-13, 0.0125):
    c.timer('b').observe(v)
c.flush()
l = k.lines()
case('timer: sparse buckets, zero bucket, exact extremes, last',
     l == ['b:0.5545000000001|t|h:-53=1,-51=1,-50=1,-45=1,-8=1|z:2|m:0|x:0.5|l:0.0125' + tags], l)
for i in range(400):
    c.timer('wide').observe(2.0 ** (i / 8.0 - 30))
c.flush()
l = k.lines()
case('timer: more buckets than a line holds: split, nothing lost',
     len(l) == 2 and sum(x.count('=') for x in l) == 400 and
     all(len(x.split('|h:')[1].split('|')[0].split(',')) <= lm.HIST_SPAN for x in l), l)

# numbers round-trip
vals = [0.1, 1 / 3.0, 1e-7, 123456789.125, 2.5e-300, 1e300, 7, 2 ** 52 + 1.0, 0.012]
ok = True
for v in vals:
    c.gauge('rt').set(v)
    c.flush()
    t = k.lines()[0].split('|')[0].split(':')[1]
    if float(t) != v or 'inf' in t or 'nan' in t:
        ok = False
        print('# %r -> %s' % (v, t))
case('numbers round-trip (float(text) == value)', ok)

# bad values never raise, are counted, and send nothing bad
st0 = c.stats()['bad_values']
bad = [None, 'abc', float('inf'), float('nan'), 10 ** 400, object(), [1]]
raised = None
try:
    for v in bad + [-1]:
        c.counter('bc').inc(v)
        c.rate('br').inc(v)
        c.timer('bt').observe(v)
    for v in bad + [(5, 3), (1, 2, 3)]:
        c.gauge('bg').set(v)
        c.gauge('bg').inc(v)
except Exception as e:
    raised = e
c.flush()
got = k.lines()
case('bad values: no exception', raised is None, repr(raised))
case('bad values: nothing sent', got == [], repr(got))
case('bad values: counted', c.stats()['bad_values'] - st0 >= 5 * len(bad) - 5,
     repr(c.stats()))
c.gauge('bg').set(1e300)
c.gauge('bg').inc(1e300)              # would overflow: refused
c.flush()
got = k.lines()
case('bad values: a gauge change out of range is refused', got == ['bg:1e+300|g' + tags], repr(got))
c.counter('bc').inc('2')
c.timer('bt').observe('0.25')
c.gauge('bg').set(True)
c.flush()
got = k.lines()
case('numbers as text or bool are numbers',
     got == ['bc:2|c' + tags, 'bt:0.25|t|h:-16=1|m:0.25|x:0.25|l:0.25' + tags, 'bg:1|g' + tags], repr(got))

# misuse never raises
raised = None
try:
    c.metric('bad name').inc()
    c.metric('').set(1)
    c.metric('x' * 129).observe(1)
    c.metric(None).inc()
    c.metric(['x']).inc()
    c.counter('frames').observe(1)      # wrong kind: a no-op
    c.timer('frames').observe(1)        # taken by a counter: a null metric
    c.metric('frames', 99).inc()        # no such kind
    c.gauge('x').observe(1)
    with c.counter('frames').time():
        pass
    lm.SageAppMetricsServer({'q': 42}, socket_path=k.path).stop_timer('never')
except Exception as e:
    raised = e
c.flush()
case('misuse: no exception', raised is None, repr(raised))
case('misuse: nothing sent', k.lines() == [])
case('misuse: counted', c.stats()['misuse'] >= 9, repr(c.stats()))
case('a name used with another kind: null metric', c.timer('frames').kind is None)
case('names: [A-Za-z0-9_.-/], 1 to 128 bytes',
     c.counter('a.b-c/d_E9').kind == lm.METRIC_COUNTER and
     c.counter('y' * 128).kind == lm.METRIC_COUNTER)

# metric(): the first update decides the kind
m = c.metric('lz1')
m.inc()
case('metric().inc() makes a rate', m.kind == lm.METRIC_RATE)
m = c.metric('lz2')
m.set(3)
case('metric().set() makes a gauge', m.kind == lm.METRIC_NUMBER)
m = c.metric('lz3')
m.observe(0.1)
case('metric().observe() makes a timer', m.kind == lm.METRIC_TIMER)
m = c.metric('lz4')
with m.time():
    pass
case('metric().time() makes a timer', m.kind == lm.METRIC_TIMER)
case('metric() again: the same object', c.metric('lz1') is c.metric('lz1'))
c.flush()
got = k.lines()
case('lazy metrics sent with their kinds',
     'lz1:1|r' + tags in got and 'lz2:3|g' + tags in got and
     any(x.startswith('lz3:0.1|t|h:-26=1|m:0.1|x:0.1|l:0.1|') for x in got) and
     any(x.startswith('lz4:') and '|t|h:' in x and '|m:' in x for x in got), repr(got))

# timers: context manager, decorator, start/stop
t = c.timer('tm')
with t.time():
    time.sleep(0.02)


@c.timeit('deco')
def work(a, b=1):
    time.sleep(0.01)
    return a + b


r = work(1, b=2)
t0 = t.start()
time.sleep(0.01)
s = t.stop(t0)
c.flush()
got = k.lines()
tm = [x for x in got if x.startswith('tm:')]
de = [x for x in got if x.startswith('deco:')]
case('decorator returns the result and keeps the name', r == 3 and work.__name__ == 'work')
case('with timer.time(): seconds', tm and 0.02 <= float(tm[0].split(':')[1].split('|')[0]) < 1, repr(tm))
case('decorator: one observation per call', de and hcount(de[0]) == 1, repr(de))
case('start/stop: returns seconds, observes', 0.01 <= s < 1 and hcount(tm[0]) == 2, repr(tm))
c.close()
case('close() flushes and stops the thread', not c._thread.is_alive())
c.counter('afterclose').inc()       # after close: no exception
k.close()

# ---- the seeds' API
k = Sink()
srv = lm.SageAppMetricsServer({'latency': lm.SageAppMetricsServer.METRIC_TIMER,
                               'fps': lm.SageAppMetricsServer.METRIC_RATE,
                               'x': lm.SageAppMetricsServer.METRIC_NUMBER,
                               'n': lm.METRIC_COUNTER},
                              socket_path=k.path, app='seeds')
for i in range(3):
    srv.start_timer('latency')
    srv.start_timer('fps')
    x = 1
    for j in range(1, 100):
        x = x * j % 1000003
    srv.push_metric('x', x)
    srv.stop_timer('fps')
    srv.stop_timer('latency')
srv.push_metric('n', 5)
srv.push_metric('latency', 0.25)
srv.push_metric('other', 7)
srv.push_metric('x', 10 ** 400)       # the seeds' x = 999! is no double
srv.flush()
got = k.lines()
st = '|#app:seeds,pid:%d' % pid
case('seeds: class constants as the seeds have them',
     (lm.SageAppMetricsServer.METRIC_TIMER, lm.SageAppMetricsServer.METRIC_RATE,
      lm.SageAppMetricsServer.METRIC_NUMBER) == (0, 1, 2))
case('seeds: RATE start/stop is one event each', 'fps:3|r' + st in got, repr(got))
case('seeds: TIMER start/stop observes seconds, push observes',
     any(x.startswith('latency:') and '|t|' in x and x.endswith('|l:0.25' + st) for x in got), repr(got))
case('seeds: NUMBER push sets (a value too big is dropped)', 'x:%d|g%s' % (x, st) in got, repr(got))
case('seeds: a name not declared is a NUMBER', 'other:7|g' + st in got)
case('seeds: COUNTER push adds', 'n:5|c' + st in got)
case('seeds: stop_timer returns the seconds',
     (srv.start_timer('latency') or True) and isinstance(srv.stop_timer('latency'), float))
srv.close()
k.close()

# ---- datagrams of at most 16384 bytes, no line lost
k = Sink(rcvbuf=4 << 20)
c = client(k, app='a' * 128)
for i in range(1000):
    c.timer('t%03d_%s' % (i, 'n' * 100)).observe(i / 100.0)
c.gauge('zneg').set(-1)
grams = k.during(c.flush)
lines = [l for g in grams for l in g.decode().split('\n') if l]
case('1,000 long timer lines: all arrive', len([l for l in lines if '|t|' in l]) == 1000, '%d' % len(lines))
case('datagrams at most 16384 bytes', grams and max(len(g) for g in grams) <= 16384 and len(grams) > 10,
     repr([len(g) for g in grams][:5]))
case('datagrams end lines whole', all(g.endswith(b'\n') for g in grams))
c.close()
k.close()

# ---- thread safety: N threads x M updates while flushing every ms
k = Sink(rcvbuf=8 << 20)
c = client(k, flush_ms=1)
N, M = 8, 20000
ctr, tmr, rt, gg = c.counter('hits'), c.timer('lat'), c.rate('ev'), c.gauge('g')
got = []


def drain():
    while not stop.is_set():
        got.extend(k.lines())
        time.sleep(0.002)


def worker(i):
    for j in range(M):
        ctr.inc()
        rt.inc(2)
        tmr.observe(0.001)
        gg.inc(1)
        c.metric('lazy').inc()


stop = threading.Event()
sys.setswitchinterval(1e-4)             # switch threads often: more races
dr = threading.Thread(target=drain)
dr.start()
ths = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
for th in ths:
    th.start()
for th in ths:
    th.join()
c.close()
sys.setswitchinterval(0.005)
time.sleep(0.05)
stop.set()
dr.join()
got.extend(k.lines())
case('threads: send errors none', c.stats()['send_errors'] == 0, repr(c.stats()))
case('threads: %d x %d counter inc(): exact total' % (N, M), total(got, 'hits', 'c') == N * M,
     '%r' % total(got, 'hits', 'c'))
case('threads: rate inc(2): exact total', total(got, 'ev', 'r') == 2 * N * M)
case('threads: lazy metric inc(): exact total', total(got, 'lazy', 'r') == N * M)
n = 0
for l in got:
    if l.startswith('lat:'):
        n += hcount(l)
case('threads: timer observe(): exact count', n == N * M, '%d' % n)
last = [l for l in got if l.startswith('g:')][-1]
case('threads: gauge inc(): exact final value', last.startswith('g:%d|' % (N * M)), last)
# the sender ran while the workers did (how often depends on the load:
# at least once besides the flush of close())
case('threads: flushes happened during the work', c.stats()['datagrams'] >= 2, repr(c.stats()))
k.close()

# ---- the sender thread flushes by itself every LM_FLUSH_MS
k = Sink()
c = client(k, flush_ms=20)
c.counter('auto').inc()
t0 = time.monotonic()
got = []
while not got and time.monotonic() - t0 < 3:
    time.sleep(0.005)
    got = k.lines()
dt = time.monotonic() - t0
case('sender thread flushes within the interval', got and got[0].startswith('auto:1|c') and dt < 1,
     '%r after %.3f s' % (got, dt))
c.close()
k.close()

# ---- no daemon
c = lm.Client(app='u', socket_path=os.path.join(DIR, 'nobody.sock'))
t0 = time.monotonic()
raised = None
try:
    for i in range(100000):
        c.counter('n').inc()
    r = c.flush()
except Exception as e:
    raised = e
dt = time.monotonic() - t0
st = c.stats()
case('no daemon: no exception, quick', raised is None and dt < 2, '%r %.3f s' % (raised, dt))
case('no daemon: flush says False, counted', r is False and st['send_errors'] == 1 and
     st['lines_dropped'] == 1, repr(st))
c.close()
c = lm.Client(app='u', socket_path=os.path.join(DIR, 'x' * 200 + '.sock'))
c.counter('n').inc()
case('a socket path too long: counted, no exception', c.flush() is False)
c.close()

# ---- a full socket buffer: a receiver that never reads
k = Sink(rcvbuf=4096)
c = client(k, flush_ms=5)
t0 = time.monotonic()
raised = None
try:
    for i in range(200000):
        c.counter('c%d' % (i % 300)).inc()
        c.timer('t%d' % (i % 50)).observe(0.001)
except Exception as e:
    raised = e
dt = time.monotonic() - t0
# however few flushes the loop saw, overfill the receiver's queue
# (net.unix.max_dgram_qlen datagrams, 10 by default) for certain
for j in range(15):
    c.counter('more').inc()
    c.flush()
c.counter('more').inc()
t1 = time.monotonic()
c.flush()
df = time.monotonic() - t1
st = c.stats()
case('full buffer: no exception', raised is None, repr(raised))
case('full buffer: 400,000 updates stay quick (< 5 s)', dt < 5, '%.3f s' % dt)
case('full buffer: a flush gives up after about 0.1 s', df < 0.5, '%.3f s' % df)
case('full buffer: dropped datagrams counted', st['send_errors'] > 0 and st['lines_dropped'] > 0,
     repr(st))
k.grams()
c.counter('after').inc()
c.flush()
case('full buffer: sending resumes once drained', any(l.startswith('after:1|c') for l in k.lines()))
c.close()
k.close()

# ---- the daemon restarts: a new socket at the same path
k = Sink()
c = client(k)
c.counter('r').inc()
c.flush()
k.close()
c.counter('r').inc()
case('daemon gone: flush fails quietly', c.flush() is False)
s2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s2.bind(k.path)
c.counter('r').inc(5)
c.flush()
s2.settimeout(1)
case('daemon back at the same path: sending resumes', s2.recv(1000).startswith(b'r:5|c'))
s2.close()
os.unlink(k.path)
c.close()

# ---- knobs: a fake query socket
qpath = os.path.join(DIR, 'q.sock')
answers = {'res': b'ok 720\n', 'mode': b'ok fast\n', 'f': b'ok 0.5\n', 'e': b'ok 1e3\n',
           'un': b'unset\n', 'err': b'error bad_knob\n', 'slow': None, 'junk': b'\xff\xfe\n',
           'big': b'ok 1e400\n', 'sp': b'ok 12', 'neg': b'ok -3\n', 'hd': b'ok hd\n',
           'flag': b'ok on\n', 'off': b'ok false\n', 'iv': b'ok 7.0\n', 'txt': b'ok 1.50\n'}
asked = []
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(qpath + '.query')
ls.listen(16)


def serve():
    while True:
        try:
            cs, _ = ls.accept()
        except OSError:
            return
        req = cs.recv(512).decode()
        asked.append(req)
        parts = req.split()
        a = answers.get(parts[2] if len(parts) == 3 else '', b'error usage\n')
        if a is None:
            time.sleep(1)
        else:
            cs.sendall(a)
        cs.close()


srvth = threading.Thread(target=serve, daemon=True)
srvth.start()
c = lm.Client(app='kapp', socket_path=qpath)
case('param: a number knob is an int', c.param('res', 640).get() == 720 and
     type(c.param('res').get()) is int)
case('param: the request is "get APP KNOB"', asked and asked[0] == 'get kapp res\n', repr(asked[:1]))
case('param: a string knob is a str', c.param('mode', 'slow').get() == 'fast')
case('param: a float knob', c.param('f').get() == 0.5 and c.param('e').get() == 1000.0)
case('param: a negative number', c.param('neg').get() == -3)
case('param: unset gives the default', c.param('un', 42).get() == 42)
case('param: an error answer gives the default', c.param('err', 'd').get() == 'd')
case('param: a reply without newline is read to EOF', c.param('sp').get() == 12)
case('param: a number out of range is a string', c.param('big').get() == '1e400')
case('param: junk gives the default', c.param('junk', 1).get() == 1)
t0 = time.monotonic()
v = c.param('slow', 5).get()
dt = time.monotonic() - t0
case('param: a daemon that does not answer: the default within the timeout',
     v == 5 and dt < 0.5, '%r after %.3f s' % (v, dt))
case('param: a bad knob name gives the default, asks nothing',
     c.param('bad name', 2).get() == 2 and not any('bad name' in a for a in asked))
n = len(asked)
t0 = time.monotonic()
for i in range(10000):
    c.param('res', 640).get()
dt = time.monotonic() - t0
# cached for a second: at most one request a second of the loop (none
# when it took less); its speed is make bench's business, not a test's
case('param: cached for a second (no request within it)', len(asked) - n <= int(dt),
     '%d requests in %.3f s' % (len(asked) - n, dt))
answers['res'] = b'ok 1080\n'
time.sleep(1.05)
case('param: asked again after a second', c.param('res', 640).get() == 1080)
case('param: errors counted', c.stats()['knob_errors'] >= 4, repr(c.stats()))
# the default's type
case('param: an int default and a text value: the default, counted',
     c.param('hd', 640).get() == 640 and c.stats()['knob_type_errors'] == 1, repr(c.stats()))
case('param: an int default and 7.0: the int 7', type(c.param('iv', 1).get()) is int and
     c.param('iv', 1).get() == 7)
case('param: a float default and 7.0, or 720: floats', type(c.param('res', 1.0).get()) is float and
     c.param('iv', 0.5).get() == 7.0)
case('param: a str default: the text as set', c.param('txt', 'x').get() == '1.50' and
     c.param('res', 'x').get() == '1080')
case('param: a bool default: on/false', c.param('flag', False).get() is True and
     c.param('off', True).get() is False)
case('param: a bool default and a text value: the default',
     c.param('hd', True).get() is True and c.stats()['knob_type_errors'] == 2, repr(c.stats()))
case('param: no default: a number or a str as before', c.param('hd').get() == 'hd' and
     c.param('iv').get() == 7 and c.param('txt').get() == 1.5)
ls.close()
os.unlink(qpath + '.query')
c2 = lm.Client(app='kapp', socket_path=qpath)
t0 = time.monotonic()
case('param: no daemon gives the default at once',
     c2.param('res', 640).get() == 640 and time.monotonic() - t0 < 0.1)
c.close()
c2.close()

# ---- misuse: one warning per name (LM_QUIET=1 silences), never raises
import warnings  # noqa: E402


def warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        fn()
    return [str(x.message) for x in w]


os.environ['LM_QUIET'] = ''
ws = Sink()
wc = lm.Client(app='warn', socket_path=ws.path)


def misuse():
    wc.counter('wx').inc()
    wc.gauge('wx').set(1)           # a counter used as a gauge
    wc.gauge('wx').set(2)           # the same name again: no second warning
    wc.metric('bad name').inc()
    wc.gauge('wg').set('abc')
    wc.flush()                      # values are checked when sent
    wc.param('hd', 640).get()


got = warned(misuse)
case('warnings: one per name, naming it and the problem',
     len(got) == 3 and 'wx: already a counter, used as a gauge' in got[0] and
     'bad name: not a metric name' in got[1] and 'wg: 1 value(s) dropped' in got[2], repr(got))
case('warnings: stats() still counts', wc.stats()['misuse'] == 6 and wc.stats()['bad_values'] == 1,
     repr(wc.stats()))
got = warned(lambda: (wc.counter('wy').inc(), wc.gauge('wy').set(1)))
case('warnings: another name, another warning', len(got) == 1 and 'wy:' in got[0], repr(got))
os.environ['LM_QUIET'] = '1'
got = warned(lambda: (wc.counter('wz').inc(), wc.gauge('wz').set(1)))
case('warnings: LM_QUIET=1 silences them', got == [] and wc.stats()['misuse'] == 10, repr(got))
os.environ['LM_QUIET'] = ''
with warnings.catch_warnings():
    warnings.simplefilter('error')
    try:
        wc.counter('we').inc()
        wc.gauge('we').set(1)
        raised = None
    except Exception as e:
        raised = e
case('warnings: under -W error an update still does not raise', raised is None, repr(raised))
os.environ['LM_QUIET'] = '1'
wc.close()

# ---- context managers: flush on exit
cs = Sink()
with lm.Client(app='ctx', socket_path=cs.path) as cc:
    cc.counter('cm').inc(2)
case('Client is a context manager: flushed and closed on exit',
     any(b'cm:2|c' in g for g in cs.grams()) and cc._closed)
with lm.SageAppMetricsServer({'lat': lm.METRIC_TIMER}, socket_path=cs.path, app='ctx2') as srv:
    srv.push_metric('pm', 3)
case('SageAppMetricsServer is a context manager: flushed on exit',
     any(b'pm:3|g' in g for g in cs.grams()), '')

# ---- app names
case('app name: cleaned as lib/lm_sock.c does', lm.clean_app('my app') == 'my app' and
     lm.clean_app('a,b|c#d\n') == 'a_b_c_d_' and lm.clean_app('') == 'unknown' and
     lm.clean_app('x' * 200) == 'x' * 128 and lm.clean_app('caf\u00e9') == 'caf\u00e9')

# ---- subprocesses: app name, atexit flush, fork
k = Sink()
env = dict(os.environ, LM_SOCKET=k.path, LM_FLUSH_MS='60000', PYTHONPATH=os.path.join(HERE, '..', '..', 'lib'))
env.pop('LM_APP', None)
script = os.path.join(DIR, 'my_script.py')
with open(script, 'w') as f:
    f.write('import livemetrics\nlivemetrics.metric("done").inc()\n')
subprocess.run([sys.executable, script], env=env, timeout=20)
got = k.lines()
case('atexit: what is pending is sent at exit', any(l.startswith('done:1|r|') for l in got), repr(got))
case('app name: the script name without .py', any('|#app:my_script,pid:' in l for l in got), repr(got))
subprocess.run([sys.executable, script], env=dict(env, LM_APP='fromenv'), timeout=20)
case('app name: $LM_APP', any('|#app:fromenv,' in l for l in k.lines()))
with open(script, 'w') as f:
    f.write('''import os, warnings, livemetrics as lm
warnings.simplefilter("ignore")     # 3.12+: fork() with threads running
c = lm.counter("forked")
c.inc(3)
pid = os.fork()
if pid == 0:
    c.inc()
    lm.flush()
    os._exit(0)
os.waitpid(pid, 0)
''')
subprocess.run([sys.executable, script], env=env, timeout=20)
got = k.lines()
fk = sorted(l for l in got if l.startswith('forked:'))
pids = set(l.split('pid:')[1] for l in fk)
case('fork: the child sends its own updates, with its own pid, the parent its own',
     len(fk) == 2 and fk[0].startswith('forked:1|c') and fk[1].startswith('forked:3|c') and len(pids) == 2,
     repr(fk))
k.close()

sys.exit(1 if nfail else 0)
