#!/usr/bin/python3
"""A tiny HTTP server for the unit tests of lib/http.c and lib/stream.c.

    http_server.py DIR

Binds 127.0.0.1 on a free port, prints the port on a line of its own and
serves until its standard input is closed (the test holds the other end,
so the server cannot outlive it) or it gets SIGTERM.

Responses are HTTP/1.1: connections are kept alive between requests.

Routes for any method (the request body, if any, is read first):
  /echo              200, JSON {"method", "path", "headers": [[name,
                     value], ...] in the order received, "body"} (the
                     body decoded as Latin-1); HEAD gets the headers only
  /status/N          status N, text/plain "status N" (no body for a
                     204 or a 304)
  /sleep/MS          200 after MS ms
  /stallonce/KEY/MS  the first request with this KEY waits MS ms before
                     answering 200; every later one answers at once
  /busy/KEY/N/CODE   the first N requests with this KEY answer CODE
                     (429, 503...: text "busy"), every later one 200

Routes (GET only):
  /files/NAME        DIR/NAME with a Content-Length (a query is ignored)
  /once/KEY/NAME      DIR/NAME the first time with this KEY, then 410
                     Gone: a source fetched twice fails
  /gzipenc/NAME      the same, labelled Content-Encoding: gzip
  /nolen/NAME        the same, no Content-Length, ended by closing
  /halffile/NAME     Content-Length of NAME, half its bytes, then close
  /half              Content-Length: 1000, 500 bytes, then close
  /stall             Content-Length: 1000, 10 bytes, then silence
  /stallhead         reads the request and never answers
  /big/N             N bytes, byte i being i % 251, in 64 KiB writes
  /empty             200 with an empty body
  /ua                the request's User-Agent as the body
  /redirect/N        302 to /redirect/N-1; /redirect/1 goes to
                     /files/small.txt (N redirects in all)
  /tofile            302 to file:///etc/passwd
  /text404           404, text/plain "no such dataset: x.csv"
  /html404           404 with an HTML page
  /long500           500 with 2000 bytes of text
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."


STALLED = set()
BUSY = {}
STALLED_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle holds
    # the body until the client's delayed ACK (40 ms a request)
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def any_method(self):
        """Serve a route of any method; False when the path is not one."""
        p = self.path
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if p == "/echo":
            doc = {"method": self.command, "path": p,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": body.decode("latin-1")}
            out = json.dumps(doc).encode()
            self.reply(200, out, "application/json")
        elif p.startswith("/status/"):
            code = int(p[8:])
            body = b"" if code in (204, 304) else b"status %d" % code
            self.reply(code, body, "text/plain")
        elif p.startswith("/sleep/"):
            time.sleep(int(p[7:]) / 1000)
            self.reply(200, b'{"ok":true}', "application/json")
        elif p.startswith("/stallonce/"):
            key, ms = p[11:].rsplit("/", 1)
            with STALLED_LOCK:
                first = key not in STALLED
                STALLED.add(key)
            if first:
                time.sleep(int(ms) / 1000)
            self.reply(200, b'{"ok":true}', "application/json")
        elif p.startswith("/busy/"):
            key, n, code = p[6:].rsplit("/", 2)
            with STALLED_LOCK:
                seen = BUSY.get(key, 0)
                BUSY[key] = seen + 1
            if seen < int(n):
                self.reply(int(code), b"busy", "text/plain")
            else:
                self.reply(200, b'{"ok":true}', "application/json")
        else:
            return False
        return True

    def do_POST(self):
        if not self.any_method():
            self.reply(404, b"", "text/plain")

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST

    def reply(self, code, body, ctype="application/octet-stream",
              length=None, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is not False:
            self.send_header("Content-Length",
                             str(len(body) if length is None else length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def file(self, name):
        path = os.path.join(ROOT, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            self.reply(404, b"no such file\n", "text/plain")
            return None

    def do_GET(self):
        p = self.path
        if self.any_method():
            pass
        elif p.startswith("/files/"):
            # a presigned URL's query names no other file
            body = self.file(p[7:].split("?")[0])
            if body is not None:
                self.reply(200, body)
        elif p.startswith("/once/"):
            key, name = p[6:].split("/", 1)
            with STALLED_LOCK:
                first = ("once", key) not in STALLED
                STALLED.add(("once", key))
            body = self.file(name) if first else None
            if not first:
                self.reply(410, b"fetched before\n", "text/plain")
            elif body is not None:
                self.reply(200, body)
        elif p.startswith("/gzipenc/"):
            body = self.file(p[9:])
            if body is not None:
                self.reply(200, body, extra=[("Content-Encoding", "gzip")])
        elif p.startswith("/nolen/"):
            body = self.file(p[7:])
            if body is not None:
                self.close_connection = True
                self.reply(200, body, length=False)
        elif p.startswith("/halffile/"):
            body = self.file(p[10:])
            if body is not None:
                self.close_connection = True
                self.reply(200, body[:len(body) // 2], length=len(body))
        elif p == "/half":
            self.close_connection = True
            self.reply(200, b"a" * 500, length=1000)
        elif p == "/stall":
            self.reply(200, b"0123456789", length=1000)
            self.wfile.flush()
            time.sleep(30)
        elif p == "/stallhead":
            time.sleep(30)
        elif p.startswith("/big/"):
            n = int(p[5:])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            pattern = bytes(i % 251 for i in range(251 * 263))
            sent = 0
            while sent < n:
                start = sent % 251
                chunk = pattern[start:start + min(65536, n - sent)]
                self.wfile.write(chunk)
                sent += len(chunk)
        elif p == "/empty":
            self.reply(200, b"")
        elif p == "/ua":
            ua = self.headers.get("User-Agent", "")
            self.reply(200, ua.encode(), "text/plain")
        elif p.startswith("/redirect/"):
            n = int(p[10:])
            to = "/redirect/%d" % (n - 1) if n > 1 else "/files/small.txt"
            self.reply(302, b"", extra=[("Location", to)])
        elif p == "/tofile":
            self.reply(302, b"", extra=[("Location", "file:///etc/passwd")])
        elif p == "/text404":
            self.reply(404, b"no such dataset: x.csv\n", "text/plain")
        elif p == "/html404":
            self.reply(404, b"<!DOCTYPE html>\n<html><body>Not Found"
                       b"</body></html>\n", "text/html")
        elif p == "/long500":
            self.reply(500, b"x" * 2000, "text/plain")
        else:
            self.reply(404, b"", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # clients hang up on purpose (timeouts, early close): not news
        pass


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
