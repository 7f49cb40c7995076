"""The seeds' example app, rewritten in the same shape: the only change
an app needs is its import line (live_metrics -> livemetrics).

    python3 example_app.py [FRAMES [PAUSE]]     FRAMES 0: run until killed

Each frame: a timed block ("latency", a TIMER) holding a pause (the
"inference") and a block that counts as one frame ("fps", a RATE) and
computes a number ("x", a NUMBER): 999! mod 1000003."""
from livemetrics import SageAppMetricsServer
import sys
import time


if __name__ == '__main__':
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    pause = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0

    # Setup custom Prometheus metric exporter
    metrics_service = SageAppMetricsServer({'latency': SageAppMetricsServer.METRIC_TIMER,
                                            'fps': SageAppMetricsServer.METRIC_RATE,
                                            'x': SageAppMetricsServer.METRIC_NUMBER})

    i = 0
    while frames == 0 or i < frames:
        metrics_service.start_timer('latency')  # Start a timer for the metric "latency"

        # setup/preprocessing: relevant to latency, not to fps
        time.sleep(pause)

        # the block where fps is relevant: one frame
        metrics_service.start_timer('fps')
        x = 1
        for j in range(1, 1000):
            x = x * j % 1000003
        metrics_service.push_metric('x', x)
        metrics_service.stop_timer('fps')

        metrics_service.stop_timer('latency')  # one latency observation
        i += 1
    print('example_app.py: %d frames, %r' % (i, metrics_service.stats()), file=sys.stderr)
