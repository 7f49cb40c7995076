"""A companion for test/it/session_companion.sh: serves numbered frames,
one line each, to every client of a unix socket (ADDR a path) or a TCP
port of 127.0.0.1 (ADDR tcp:PORT). Writes its pid to PIDFILE first.
Stops after N frames in all (0: never), or on SIGINT, saying which."""
import os
import signal
import socket
import sys
import time

addr, pidfile, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(pidfile + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
if addr.startswith("tcp:"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(addr[4:])))
else:
    if os.path.exists(addr):
        os.unlink(addr)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(addr)
s.listen(4)
print("serving", addr, "as", os.environ.get("LM_APP", "?"), flush=True)
sent = 0
try:
    while total == 0 or sent < total:
        c, _ = s.accept()
        try:
            while total == 0 or sent < total:
                c.sendall(b"frame %d\n" % sent)
                sent += 1
                time.sleep(0.005)
        except OSError:
            pass
        c.close()
except KeyboardInterrupt:
    print("stopped by SIGINT after", sent, "frames", flush=True)
    sys.exit(0)
print("served", sent, "frames: done", flush=True)
