"""dist.py DIST N SEED TRUTH [python APP NAME]: N observations of a
distribution, their exact nearest-rank quantiles and extremes written to
TRUTH (one "stat value" a line). Without "python", the observations are
printed one a line (for lmhook - or a C API app); with it, observed on
timer NAME of app APP through the livemetrics module.

DIST: spiky (uniform 10..30 ms plus one 500 ms stall), uniform (1..100 ms),
bimodal (2..3 ms and 200..300 ms), longtail (Pareto, 1 ms and up)."""
import math
import random
import sys


def gen(dist, n, rnd):
    for i in range(n):
        u = rnd.random()
        if dist == 'spiky':
            yield 0.5 if i == n // 2 else 0.010 + 0.020 * u
        elif dist == 'uniform':
            yield 0.001 + 0.099 * u
        elif dist == 'bimodal':
            yield (0.002 + 0.001 * rnd.random()) if u < 0.6 else (0.2 + 0.1 * rnd.random())
        elif dist == 'longtail':
            yield 0.001 * (1 - u) ** (-1 / 1.5)
        else:
            raise SystemExit('dist.py: unknown distribution ' + dist)


def main():
    dist, n, seed, truth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    vals = list(gen(dist, n, random.Random(seed)))
    s = sorted(vals)
    with open(truth + '.tmp', 'w') as f:
        for name, q in (('p50', 0.5), ('p90', 0.9), ('p95', 0.95), ('p99', 0.99)):
            r = max(1, math.ceil(q * n - 1e-9))
            f.write('%s %r\n' % (name, s[r - 1]))
        f.write('min %r\nmax %r\ncount %d\n' % (s[0], s[-1], n))
    if len(sys.argv) > 5 and sys.argv[5] == 'python':
        import livemetrics
        c = livemetrics.Client(app=sys.argv[6])
        t = c.timer(sys.argv[7])
        for v in vals:
            t.observe(v)
        c.close()
    else:
        out = sys.stdout
        for v in vals:
            out.write('%r\n' % v)
    import os
    os.rename(truth + '.tmp', truth)


main()
