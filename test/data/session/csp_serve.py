"""csp_serve.py DIR PORTFILE: serve DIR over HTTP on 127.0.0.1 (a thread per
connection: browsers open spare ones), a free
port (written to PORTFILE when ready), every answer with the
Content-Security-Policy Jenkins sets on archived files by default."""
import functools
import http.server
import os
import sys

CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self';"


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Handler, directory=root))
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    srv.serve_forever()


main()
