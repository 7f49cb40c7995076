"""livemetrics: an app's live metrics to lmtabled, from Python.

One file, standard library only, Python 3.8 or later. Copy it next to
your app, or `pip install --no-build-isolation ./lib` from the livemetrics
repository. The seeds' API:

    from livemetrics import SageAppMetricsServer
    m = SageAppMetricsServer({'latency': SageAppMetricsServer.METRIC_TIMER,
                              'fps': SageAppMetricsServer.METRIC_RATE,
                              'x': SageAppMetricsServer.METRIC_NUMBER})
    m.start_timer('latency'); ...; m.stop_timer('latency')
    m.push_metric('x', 42)

and the pywaggle style:

    from livemetrics import metric, param, timeit
    metric('fps').inc()                 # a rate: fps_hertz, fps_events_total
    metric('x').set(2.5)                # a gauge
    metric('latency').observe(0.012)    # a timer, seconds
    with timeit('latency'): work()      # the same, timed
    res = param('res', 640).get()       # a knob the controller sets

Updates are aggregated in the process and a daemon thread sends them to
lmtabled every LM_FLUSH_MS milliseconds (default 200), as a few unix
datagrams to $LM_SOCKET (default /metrics/live_metrics.sock), in the
wire format of lm-wire(5), the same lines the C API (lib/lm.h) sends.
Nothing blocks the caller and nothing raises into it: with no daemon, a
daemon that restarts or a full socket buffer, a flush is dropped and
counted (stats()), and sending resumes by itself. A timer's observations
travel as counts in log-scale buckets (Prometheus' native-histogram schema
3, 9 % wide) with their exact minimum and maximum, so every quantile read
from them is within 4.43 % and a single stall shows as the max. What is still pending
is sent at exit (atexit); a process killed by a signal loses at most the
last flush interval.

Thread safety (CPython with the GIL): an update is one call into C that
the GIL makes atomic: itertools.count.__next__ for inc() of 1, list.append
for everything else (inc(n), set(), observe()). The sender takes what the
lists hold with a slice and a slice deletion (each atomic too): appends
made meanwhile land after the slice and wait for the next flush. Counter
ticks are never reset: the sender sends the difference to what it read
last time. So no update is lost or counted twice, and the hot path takes
no lock. On a free-threaded build with the GIL off, inc() appends to the
list as well (list.append is thread-safe there too).
"""

import atexit
import bisect
import collections
import functools
import itertools
import math
import os
import re
import socket
import struct
import sys
import threading
import time
import warnings

__all__ = [
    'SageAppMetricsServer', 'Client', 'METRIC_TIMER', 'METRIC_RATE',
    'METRIC_NUMBER', 'METRIC_COUNTER', 'metric', 'counter', 'gauge',
    'timer', 'rate', 'timeit', 'param', 'flush', 'stats', 'default_client',
]
__version__ = '0.1.0'

# the seeds' kinds (same values), plus a plain counter
METRIC_TIMER = 0
METRIC_RATE = 1
METRIC_NUMBER = 2
METRIC_COUNTER = 3

SOCKET_DEFAULT = '/metrics/live_metrics.sock'
QUERY_SUFFIX = '.query'
FLUSH_MS_DEFAULT = 200
DGRAM_SEND = 16384          # LM_DGRAM_SEND: largest datagram we build
NAME_MAX = 128              # LM_NAME_MAX
TAGVAL_MAX = 128            # LM_TAGVAL_MAX: an app name, a knob value
METRICS_MAX = 1024          # LM_METRICS_MAX: metrics per client
SEND_WAIT = 0.1             # a busy daemon gets this long per flush
PARAM_TIMEOUT = 0.2         # a knob read waits at most this long
PARAM_CACHE = 1.0           # and its answer is kept this long
REPLY_MAX = 512             # bytes of a knob answer read

# timer buckets (lib/lm_hist.h): Prometheus' native-histogram schema 3,
# bucket i holds 2**((i-1)/8) < x <= 2**(i/8); x <= 2**-40 is the zero
# bucket; a line carries at most LM_HIST_SPAN buckets
HIST_SCHEMA = 3
HIST_ZERO = 2.0 ** -40
HIST_IMAX = 8 * 128
HIST_SPAN = 320
# 2**(k/8) for k = -8 .. 0, the same doubles as lib/lm_hist.c
_OCT = (0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
        0.7071067811865476, 0.7711054127039704, 0.8408964152537145,
        0.9170040432046712, 1.0)
_frexp = math.frexp
_octave = functools.partial(bisect.bisect_left, _OCT)
_above = bisect.bisect_right


def bucket_index(x):
    """The schema-3 bucket of x >= 0 (None: the zero bucket)."""
    if x <= HIST_ZERO:
        return None
    if x > 3.4e38:
        return HIST_IMAX
    m, e = _frexp(x)
    return _octave(m) + 8 * e - 8


def bucket_upper(i):
    """Upper bound 2**(i/8) of bucket i."""
    q, r = divmod(i, 8)
    return math.ldexp(_OCT[r] * 2, q)

_NAME = re.compile(r'[A-Za-z0-9_./-]{1,128}\Z')
_NUM = re.compile(r'[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z')
_INT = re.compile(r'[+-]?\d+\Z')
_BIG = 1e300                # larger values are refused, as in lib/lm.c

_now = time.perf_counter
_gil = getattr(sys, '_is_gil_enabled', lambda: True)()


def _fmt(v):
    """A number as the wire takes it, reading back as the same double."""
    if v == 0:
        return '0'
    if -1e15 < v < 1e15 and v == int(v):
        return str(int(v))
    return repr(float(v))


def _num(x, lo=-_BIG):
    """x as a float in [lo, 1e300], else None."""
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    if lo <= v <= _BIG:
        return v
    return None


def _sum_pos(batch):
    """Sum of the valid amounts (0 <= n <= 1e300) in batch, bad ones counted."""
    try:
        s = math.fsum(batch)
        if 0 <= s <= _BIG and min(batch) >= 0:
            return s, 0
    except (TypeError, ValueError, OverflowError):
        pass
    s, bad = 0.0, 0
    for x in batch:
        v = _num(x, 0.0)
        if v is None:
            bad += 1
        else:
            s += v
    return s, bad


def clean_app(name):
    """An app name as lib/lm_sock.c makes it: 1 to 128 bytes of UTF-8,
    no control bytes, none of ,|#; else such bytes become '_'."""
    b = str(name).encode('utf-8', 'surrogateescape')[:TAGVAL_MAX]
    try:
        s = b.decode('utf-8')
        if s and not any(c < ' ' or c == '\x7f' or c in ',|#' for c in s):
            return s
    except UnicodeDecodeError:
        pass
    s = ''.join('_' if c < 0x21 or c > 0x7e or c in b',|#' else chr(c) for c in b)
    return s or 'unknown'


def _app_default():
    e = os.environ.get('LM_APP')
    if e:
        return e
    base = os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else '')
    if base.endswith('.py'):
        base = base[:-3]
    if base in ('', '-c', '-m', '__main__'):
        base = 'python'
    return base


def _knob_value(text):
    """A knob's value: an int or a float when it reads as a number, else str."""
    if _INT.match(text):
        return int(text)
    if _NUM.match(text):
        v = float(text)
        if math.isfinite(v):
            return v
    return text


# ---- metrics

class _Metric(object):
    """A metric of one client. The kind's class sets the methods; every
    kind has every method, and the ones that do not fit the kind do
    nothing (counted in stats()['misuse']): an update never raises."""
    __slots__ = ('name', 'kind', '_client', '_cnt', '_tick', '_q', '_add',
                 '_sent', '_cur', '__weakref__')

    def __init__(self, client, name, kind):
        self.name = name
        self.kind = kind
        self._client = client
        self._cnt = itertools.count()
        self._q = []
        self._add = self._q.append
        # inc() of 1: count.__next__ (atomic under the GIL); without a GIL,
        # list.append (thread-safe there), summed by the sender
        self._tick = self._cnt.__next__ if _gil else functools.partial(self._add, 1)
        self._sent = 0
        self._cur = 0.0

    def _misuse(self, *a, **k):
        self._client._misuse += 1
        self._client._warn(self.name, 'an update that does not fit a %s' %
                           _KIND_NAME.get(self.kind, 'metric of this name'))

    inc = dec = set = observe = tick = _misuse

    def time(self):
        """A timing context manager and decorator (timers only)."""
        return _Timing(self._misuse)

    def start(self):
        return _now()

    def stop(self, start):
        s = _now() - start
        self._misuse()
        return s

    def _push(self, value):
        self._misuse()

    def _take(self):
        """What the list holds now, removed from it (atomic under the GIL)."""
        q = self._q
        n = len(q)
        batch = q[:n]
        del q[:n]
        return batch

    def _ticks(self):
        # itertools.count's repr is count(N): N ticks so far
        return int(repr(self._cnt)[6:-1])

    def _forked(self):
        self._sent = self._ticks()
        del self._q[:]

    def _lines(self, out, tags):
        pass

    def __repr__(self):
        return '<livemetrics %s %r>' % (self.__class__.__name__.lstrip('_').lower(), self.name)


class _Null(_Metric):
    """A bad name, a name taken by another kind, too many metrics."""
    __slots__ = ()

    def __init__(self, client, name, kind):
        _Metric.__init__(self, client, name, kind)
        self._add = self._tick = self._misuse


class _Counter(_Metric):
    __slots__ = ()
    _type = 'c'

    def inc(self, n=1):
        if n == 1:
            self._tick()
        else:
            self._add(n)

    tick = inc

    def _push(self, value):
        self._add(value)

    def _lines(self, out, tags):
        t = self._ticks()
        d = t - self._sent
        self._sent = t
        s, bad = _sum_pos(self._take()) if self._q else (0, 0)
        if bad:
            self._client._bad_values(self.name, bad)
        total = d + s if s else d
        if total > 0:
            out.append(('%s:%s|%s%s' % (self.name, _fmt(total), self._type, tags), 1))


class _Rate(_Counter):
    __slots__ = ()
    _type = 'r'


_DELTA = object()     # marks a gauge's change among its set values


def _is_delta(x):
    return type(x) is tuple and len(x) == 3 and x[2] is _DELTA


class _Gauge(_Metric):
    __slots__ = ()

    def set(self, value):
        self._add(value)

    def inc(self, d=1):
        self._add((d, 1, _DELTA))

    def dec(self, d=1):
        self._add((d, -1, _DELTA))

    _push = set

    def _lines(self, out, tags):
        if not self._q:
            return
        batch = self._take()
        cur, j, bad, ok = self._cur, len(batch) - 1, 0, False
        # the last valid set, then the changes after it
        while j >= 0:
            x = batch[j]
            if not _is_delta(x):
                v = _num(x)
                if v is not None:
                    cur, ok = v, True
                    break
                bad += 1
            j -= 1
        for x in batch[j + 1:]:
            if _is_delta(x):
                d = _num(x[0])
                v = cur + d * x[1] if d is not None else None
                if v is None or not -_BIG <= v <= _BIG:
                    bad += 1
                else:
                    cur, ok = v, True
        if bad:
            self._client._bad_values(self.name, bad)
        if not ok:
            return
        self._cur = cur
        if cur < 0:
            # StatsD reads "-5|g" as a change: set 0, then add
            out.append(('%s:0|g%s%s:%s|g%s' % (self.name, tags, self.name, _fmt(cur), tags), 2))
        else:
            out.append(('%s:%s|g%s' % (self.name, _fmt(cur), tags), 1))

    def _forked(self):
        del self._q[:]


class _Timer(_Metric):
    __slots__ = ()

    def observe(self, seconds):
        """One observation, in seconds (>= 0); a bad value is counted in
        stats()['bad_values'] and dropped."""
        self._add(seconds)

    _push = observe

    def time(self):
        return _Timing(self._add)

    def stop(self, start):
        s = _now() - start
        self._add(s)
        return s

    def _lines(self, out, tags):
        if not self._q:
            return
        batch = self._take()
        try:
            vals = list(map(float, batch))
            s = sum(vals)
            if not (0 <= s <= _BIG and min(vals) >= 0):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            vals = [v for v in map(functools.partial(_num, lo=0.0), batch) if v is not None]
            self._client._bad_values(self.name, len(batch) - len(vals))
            s = sum(vals)
            if not vals or s > _BIG:
                return
        # Sorted once (in C), the values fall into buckets by bisection at
        # each bucket's upper bound, the same doubles as lib/lm_hist.c: a few
        # C calls a bucket, not Python work a value. A line holds at most
        # HIST_SPAN buckets; a wider batch is cut into several lines.
        v = sorted(vals)
        n = len(v)
        last = _fmt(vals[-1])
        z = _above(v, HIST_ZERO)
        run = []                    # (index, start, end) of non-empty buckets
        if z < n:
            lo, hi = bucket_index(v[z]), bucket_index(v[-1])
            a = z
            for i in range(lo, hi + 1):
                e = n if i == hi else _above(v, bucket_upper(i), a)
                if e > a:
                    run.append((i, a, e))
                a = e
        k = 0
        while True:
            part = [r for r in run if run[k][0] <= r[0] < run[k][0] + HIST_SPAN] if run else []
            a = 0 if k == 0 else part[0][1]
            e = part[-1][2] if part else z
            fields = []
            if part:
                fields.append('h:' + ','.join('%d=%d' % (i, c - b) for i, b, c in part))
            if k == 0 and z:
                fields.append('z:%d' % z)
            out.append(('%s:%s|t|%s|m:%s|x:%s|l:%s%s' % (
                self.name, _fmt(s if a == 0 and e == n else math.fsum(v[a:e])),
                '|'.join(fields), _fmt(v[a]), _fmt(v[e - 1]), last, tags), 1))
            k += len(part)
            if k >= len(run):
                break


class _Lazy(_Metric):
    """metric(name): the first update decides the kind: inc() a rate,
    set() a gauge (a NUMBER), observe() or time() a timer."""
    __slots__ = ()

    def _become(self, kind):
        return self._client._settle(self, kind)

    def inc(self, n=1):
        self._become(METRIC_RATE).inc(n)

    tick = inc

    def dec(self, d=1):
        self._become(METRIC_NUMBER).dec(d)

    def set(self, value):
        self._become(METRIC_NUMBER).set(value)

    def observe(self, seconds):
        self._become(METRIC_TIMER).observe(seconds)

    def time(self):
        return self._become(METRIC_TIMER).time()

    def stop(self, start):
        return self._become(METRIC_TIMER).stop(start)


_CLASS = {METRIC_TIMER: _Timer, METRIC_RATE: _Rate, METRIC_NUMBER: _Gauge,
          METRIC_COUNTER: _Counter}
_KIND_NAME = {METRIC_TIMER: 'timer', METRIC_RATE: 'rate', METRIC_NUMBER: 'gauge',
              METRIC_COUNTER: 'counter', None: 'metric'}
_BOOL = {'1': True, 'true': True, 'yes': True, 'on': True,
         '0': False, 'false': False, 'no': False, 'off': False}


class _Timing(object):
    """with m.time(): ...  or  @m.time(): one observation per block or
    call; add: the timer's list.append."""
    __slots__ = ('_add', '_t0')

    def __init__(self, add):
        self._add = add
        self._t0 = None

    def __enter__(self):
        self._t0 = _now()
        return self

    def __exit__(self, *exc):
        if self._t0 is not None:
            self._add(_now() - self._t0)
        return False

    def __call__(self, func):
        add = self._add

        @functools.wraps(func)
        def timed(*args, **kwargs):
            t0 = _now()
            try:
                return func(*args, **kwargs)
            finally:
                add(_now() - t0)
        return timed


class Param(object):
    """param(name, default).get(): the app's knob NAME, set by the
    controller (lmhook set NAME VALUE), as a value of the default's type
    (int, float, bool: 1/0, true/false, yes/no, on/off; str: the text as
    set; another type: built from the text). A value that does not convert
    gives the default (counted in stats()['knob_type_errors'], with one
    warning per knob). Without a default (None), a number comes back as an
    int or a float, anything else as a str. Unset, no daemon, a slow daemon
    (PARAM_TIMEOUT) or any error: the default. The client keeps each
    knob's answer for PARAM_CACHE seconds, so get() in a hot loop costs a
    clock read and a dict lookup."""
    __slots__ = ('name', 'default', '_client')

    def __init__(self, client, name, default):
        self.name = name
        self.default = default
        self._client = client

    def get(self):
        v = self._client._knob(self.name)
        if v is _UNSET:
            return self.default
        return self._client._typed(self.name, v, self.default)

    def __repr__(self):
        return '<livemetrics param %r default %r>' % (self.name, self.default)


_UNSET = object()


# ---- the client: a socket, the metrics, the sender thread

_clients = []


class Client(object):
    """One app's connection to lmtabled (the C API's lm handle).

    app: the app's name (else $LM_APP, else the script's name);
    socket_path: the data socket (else $LM_SOCKET, else
    /metrics/live_metrics.sock); flush_ms: the flush interval (else
    $LM_FLUSH_MS, else 200; 1 to 60000)."""

    def __init__(self, app=None, socket_path=None, flush_ms=None):
        self.app = clean_app(app or _app_default())
        self.path = socket_path or os.environ.get('LM_SOCKET') or SOCKET_DEFAULT
        if flush_ms is None:
            try:
                flush_ms = float(os.environ.get('LM_FLUSH_MS', FLUSH_MS_DEFAULT))
            except ValueError:
                flush_ms = FLUSH_MS_DEFAULT
        if not 1 <= flush_ms <= 60000:
            flush_ms = FLUSH_MS_DEFAULT
        self.interval = flush_ms / 1000.0
        self._metrics = {}
        self._knobs = {}                    # name: (good until, value)
        self._lock = threading.Lock()       # registration and flushes
        self._st = dict.fromkeys(('flushes', 'datagrams', 'send_errors',
                                  'lines_dropped', 'knob_errors', 'knob_type_errors'), 0)
        self._misuse = 0
        self._bad = 0
        self._warned = set()
        self._closed = False
        self._setup()
        _clients.append(self)

    def _setup(self):
        self.pid = os.getpid()
        self._tags = '|#app:%s,pid:%d\n' % (self.app, self.pid)
        self._sock = None
        try:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                # blocking sends with a kernel timeout: the sender thread
                # waits at most SEND_WAIT for a busy daemon (releasing the GIL)
                us = int(SEND_WAIT * 1e6)
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                                      struct.pack('ll', us // 1000000, us % 1000000))
            except (OSError, AttributeError, struct.error):
                self._sock.setblocking(False)
        except OSError:
            self._sock = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='livemetrics-flush', daemon=True)
        try:
            self._thread.start()
        except RuntimeError:            # interpreter shutting down
            pass

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:           # never let the sender die
                self._st['send_errors'] += 1

    # -- metrics

    def _get(self, name, kind):
        try:
            m = self._metrics.get(name)
        except TypeError:               # not even hashable
            name = repr(name)
            self._note(name, 'not a metric name (not even hashable)')
            return _Null(self, name, None)
        if m is not None and (kind is None or m.kind == kind):
            return m
        with self._lock:
            m = self._metrics.get(name)
            if m is None:
                if not isinstance(name, str) or not _NAME.match(name):
                    self._note(str(name), 'not a metric name ([a-zA-Z_][a-zA-Z0-9_.]*, '
                               'at most %d bytes): updates dropped' % NAME_MAX)
                    return _Null(self, str(name), None)
                if len(self._metrics) >= METRICS_MAX:
                    self._note(name, 'more than %d metrics in this client: '
                               'updates dropped' % METRICS_MAX)
                    return _Null(self, name, None)
                cls = _Lazy if kind is None else _CLASS.get(kind)
                if cls is None:
                    self._note(name, 'no such kind: %r' % (kind,))
                    return _Null(self, name, None)
                m = cls(self, name, kind)
                self._metrics[name] = m
                return m
        if kind is None or m.kind == kind:
            return m
        if m.kind is None:
            return self._settle(m, kind)
        self._note(name, 'already a %s, used as a %s: updates dropped' %
                   (_KIND_NAME.get(m.kind), _KIND_NAME.get(kind)))
        return _Null(self, name, None)

    def _settle(self, m, kind):
        """Give a metric(name) its kind on first use (or a null metric
        when another thread gave it another kind first)."""
        with self._lock:
            if m.kind is None:
                m.__class__ = _CLASS[kind]
                m.kind = kind
        if m.kind == kind:
            return m
        self._note(m.name, 'already a %s, used as a %s: updates dropped' %
                   (_KIND_NAME.get(m.kind), _KIND_NAME.get(kind)))
        return _Null(self, m.name, None)

    def metric(self, name, kind=None):
        """The metric NAME; kind None: decided by its first update."""
        return self._get(name, kind)

    def counter(self, name):
        return self._get(name, METRIC_COUNTER)

    def gauge(self, name):
        return self._get(name, METRIC_NUMBER)

    def timer(self, name):
        return self._get(name, METRIC_TIMER)

    def rate(self, name):
        return self._get(name, METRIC_RATE)

    def timeit(self, name):
        return self._get(name, METRIC_TIMER).time()

    def param(self, name, default=None):
        return Param(self, name, default)

    # -- sending

    def flush(self):
        """Send what is pending now; False when a datagram could not be sent."""
        with self._lock:
            return self._flush_locked()

    def _flush_locked(self):
        st = self._st
        st['flushes'] += 1
        out = []
        tags = self._tags
        for m in list(self._metrics.values()):
            m._lines(out, tags)
        if not out:
            return True
        ok = True
        buf, size, nl = [], 0, 0
        for text, n in out:
            b = text.encode('utf-8')
            if size + len(b) > DGRAM_SEND and buf:
                ok = self._send(b''.join(buf), nl, ok) and ok
                buf, size, nl = [], 0, 0
            buf.append(b)
            size += len(b)
            nl += n
        if buf:
            ok = self._send(b''.join(buf), nl, ok) and ok
        return ok

    def _send(self, data, nlines, wait):
        st = self._st
        if self._sock is not None and wait:
            try:
                self._sock.sendto(data, self.path)
                st['datagrams'] += 1
                return True
            except OSError:
                pass
        # no daemon, a full buffer after SEND_WAIT (the rest of this flush
        # is dropped at once), a path too long: counted, never raised
        st['send_errors'] += 1
        st['lines_dropped'] += nlines
        return False

    def stats(self):
        """Counts since the start: flushes, datagrams sent, send_errors
        (datagrams not sent), lines_dropped (lines lost with them),
        knob_errors (knob reads that fell back to the default),
        knob_type_errors (knob values that did not convert to the default's
        type: the default was used), bad_values
        (updates with a value that is not a finite number in range), misuse
        (bad names, kinds that do not fit, more than METRICS_MAX metrics)."""
        d = dict(self._st)
        d['bad_values'] = self._bad
        d['misuse'] = self._misuse
        return d

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- misuse: counted, and one warning per name while developing

    def _warn(self, name, what):
        """One warnings.warn per metric or knob name (not with LM_QUIET=1);
        never raises, even under -W error."""
        if name in self._warned or len(self._warned) >= METRICS_MAX or \
                os.environ.get('LM_QUIET', '') not in ('', '0'):
            return
        self._warned.add(name)
        try:
            warnings.warn('livemetrics: %s: %s (counted in stats(); LM_QUIET=1 '
                          'silences this)' % (name, what), RuntimeWarning, stacklevel=4)
        except Exception:
            pass

    def _note(self, name, what):
        self._misuse += 1
        self._warn(name, what)

    def _bad_values(self, name, n):
        self._bad += n
        self._warn(name, '%d value(s) dropped: not a finite number in range' % n)

    def _typed(self, name, text, default):
        """Knob text as a value of the default's type, else the default."""
        if default is None:
            return _knob_value(text)
        t = type(default)
        try:
            if t is str:
                return text
            if t is bool:
                v = _BOOL.get(text.strip().lower())
                if v is None:
                    raise ValueError(text)
                return v
            if t is int:
                v = _knob_value(text)
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                if not isinstance(v, int):
                    raise ValueError(text)
                return v
            if t is float:
                v = float(text)
                if not math.isfinite(v):
                    raise ValueError(text)
                return v
            return t(text)
        except Exception:
            self._st['knob_type_errors'] += 1
            self._warn(name, 'knob value %r is not a %s: the default %r instead' %
                       (text, t.__name__, default))
            return default

    def close(self):
        """Flush, stop the sender thread, close the socket."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(1)
        try:
            self.flush()
        except Exception:
            pass
        if self._sock is not None:
            self._sock.close()
        try:
            _clients.remove(self)
        except ValueError:
            pass

    def _forked(self):
        """In a child after fork(): a new lock, pid, socket and thread;
        what the parent had pending is the parent's to send."""
        self._lock = threading.Lock()
        for m in list(self._metrics.values()):
            m._forked()
        if not self._closed:
            self._setup()

    # -- knobs

    def _knob(self, name):
        """Knob NAME's value, or _UNSET; asks lmtabled at most once per
        PARAM_CACHE seconds per knob (a tuple swap: thread-safe)."""
        now = time.monotonic()
        try:
            c = self._knobs.get(name)
        except TypeError:
            c = None
            name = repr(name)
        if c is not None and now < c[0]:
            return c[1]
        v = self._ask(name)
        if len(self._knobs) < METRICS_MAX:
            self._knobs[name] = (now + PARAM_CACHE, v)
        return v

    def _ask(self, name):
        if not isinstance(name, str) or not _NAME.match(name):
            self._st['knob_errors'] += 1
            return _UNSET
        deadline = time.monotonic() + PARAM_TIMEOUT
        s = None
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(PARAM_TIMEOUT)
            s.connect(self.path + QUERY_SUFFIX)
            s.sendall(('get %s %s\n' % (self.app, name)).encode('utf-8'))
            data = b''
            while b'\n' not in data and len(data) < REPLY_MAX:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                s.settimeout(left)
                b = s.recv(REPLY_MAX - len(data))
                if not b:
                    break
                data += b
            line = data.split(b'\n', 1)[0].decode('utf-8')
            if line.startswith('ok ') and len(line) > 3:
                return line[3:]
            if line == 'unset':
                return _UNSET
        except (OSError, ValueError):
            pass
        finally:
            if s is not None:
                s.close()
        self._st['knob_errors'] += 1
        return _UNSET

    def __repr__(self):
        return '<livemetrics client app=%r socket=%r>' % (self.app, self.path)


def _at_exit():
    for c in list(_clients):
        c._stop.set()
        try:
            c.flush()
        except Exception:
            pass


def _after_fork():
    for c in list(_clients):
        c._forked()


atexit.register(_at_exit)
if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork)


# ---- the module-level API (pywaggle style), on one default client

_default = None
_default_lock = threading.Lock()
_lookup = {}.get


def default_client():
    """The client behind metric(), param() and friends (made on first use)."""
    global _default, _lookup
    if _default is None:
        with _default_lock:
            if _default is None:
                c = Client()
                _lookup = c._metrics.get
                _default = c
    return _default


def metric(name, kind=None):
    """The metric NAME; with no kind, its first update decides: inc() makes
    a rate (NAME_hertz, NAME_events_total), set() a gauge, observe() or
    time() a timer (seconds)."""
    if kind is None:
        try:
            m = _lookup(name)   # the default client's metrics, by name
            if m is not None:
                return m
        except TypeError:
            pass
    return (_default or default_client())._get(name, kind)


def counter(name):
    return (_default or default_client())._get(name, METRIC_COUNTER)


def gauge(name):
    return (_default or default_client())._get(name, METRIC_NUMBER)


def timer(name):
    return (_default or default_client())._get(name, METRIC_TIMER)


def rate(name):
    return (_default or default_client())._get(name, METRIC_RATE)


def timeit(name):
    """with timeit('latency'): ...  or  @timeit('latency'): the block's or
    the call's duration in seconds, one observation of timer NAME."""
    return (_default or default_client())._get(name, METRIC_TIMER).time()


def param(name, default=None):
    """The app's knob NAME: param('res', 640).get()."""
    return Param(_default or default_client(), name, default)


def flush():
    return (_default or default_client()).flush()


def stats():
    return (_default or default_client()).stats()


# ---- the seeds' API

class SageAppMetricsServer(object):
    """The seeds' API: SageAppMetricsServer({'latency': METRIC_TIMER,
    'fps': METRIC_RATE, 'x': METRIC_NUMBER}).

    start_timer(name) / stop_timer(name): a TIMER gets one observation (the
    seconds between them); a RATE one event (lmtabled computes events per
    second: NAME_hertz); a NUMBER is set to the seconds. push_metric(name,
    value): a TIMER observes VALUE seconds, a RATE counts VALUE events, a
    COUNTER adds VALUE, a NUMBER (and any name not declared) is set to
    VALUE. Values that are not finite numbers are dropped and counted."""
    METRIC_TIMER = METRIC_TIMER
    METRIC_RATE = METRIC_RATE
    METRIC_NUMBER = METRIC_NUMBER
    METRIC_COUNTER = METRIC_COUNTER

    def __init__(self, metrics=None, socket_path=None, app=None):
        self._client = Client(app=app, socket_path=socket_path)
        self.metrics_definition = dict(metrics or {})
        self._m = {}
        self._t0 = {}
        for name, kind in self.metrics_definition.items():
            self._m[name] = self._client._get(name, kind)

    def start_timer(self, metric_name):
        self._t0[metric_name] = _now()

    def stop_timer(self, metric_name):
        """Returns the seconds since start_timer (None without one)."""
        t = _now()
        t0 = self._t0.pop(metric_name, None)
        if t0 is None:
            self._client._note(metric_name, 'stop_timer without start_timer')
            return None
        s = t - t0
        m = self._m.get(metric_name)
        if m is None:
            m = self._m[metric_name] = self._client._get(metric_name, METRIC_TIMER)
        if m.kind == METRIC_RATE:
            m._tick()
        else:
            m._push(s)
        return s

    def push_metric(self, metric_name, metric_value):
        m = self._m.get(metric_name)
        if m is None:
            m = self._m[metric_name] = self._client._get(metric_name, METRIC_NUMBER)
        m._push(metric_value)

    def metric(self, name, kind=None):
        return self._client._get(name, kind)

    def param(self, name, default=None):
        return Param(self._client, name, default)

    def flush(self):
        return self._client.flush()

    def stats(self):
        return self._client.stats()

    def close(self):
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
