"""The app for test/it/session_companion.sh: reads N frames from its
companion (ADDR a unix socket path, or tcp:PORT on 127.0.0.1); it cannot
work without it: exit 3 when the companion is not there or goes away."""
import socket
import sys

addr, want = sys.argv[1], int(sys.argv[2])
try:
    if addr.startswith("tcp:"):
        s = socket.create_connection(("127.0.0.1", int(addr[4:])))
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr)
except OSError as e:
    print("no companion at", addr, ":", e, file=sys.stderr)
    sys.exit(3)
f = s.makefile("rb")
got = 0
while got < want:
    line = f.readline()
    if not line.startswith(b"frame "):
        print("the companion went away after", got, "frames", file=sys.stderr)
        sys.exit(3)
    got += 1
print("read", got, "frames")
