"""Debian's python3-statsd client, unchanged, sending to lmtabled -u.

    python3 statsd_client.py PORT

Sample rates: the client drops updates at random (random.random() >
rate); random.random is pinned to 0 here so that every sampled update is
sent, each counting 1/rate in lmtabled."""
import random
import sys
import time

import statsd

random.random = lambda: 0.0
c = statsd.StatsClient('127.0.0.1', int(sys.argv[1]))
c.incr('sd.hits')
c.incr('sd.hits', 4)
for i in range(10):
    c.incr('sd.sampled', 1, rate=0.5)         # sd.sampled:1|c|@0.5: 2 each
c.gauge('sd.temp', 20.5)
c.gauge('sd.temp', 1.5, delta=True)          # sd.temp:+1.5|g
c.gauge('sd.neg', -5)                        # sd.neg:0|g and sd.neg:-5|g, one datagram
c.timing('sd.lat', 250)                      # milliseconds
c.timing('sd.lat', 750)
c.timing('sd.slat', 100, rate=0.5)           # counts 2
with c.timer('sd.block'):
    time.sleep(0.01)
with c.pipeline() as p:                      # lines packed in one datagram
    p.incr('sd.piped')
    p.incr('sd.piped', 2)
    p.gauge('sd.pg', 7)
print('sent')
