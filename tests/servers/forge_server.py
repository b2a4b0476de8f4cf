#!/usr/bin/python3
"""A stand-in for the GitHub and GitLab comment APIs, for the tests of
`--comment` (lib/comment.c).

    forge_server.py DIR TOKEN [SEED]

Binds 127.0.0.1 on a free port, prints the port on a line of its own and
serves until its standard input is closed or it gets SIGTERM. It keeps
the comments of every thread in memory, starting with SEED (default 0)
comments by other people in each thread, so that paging is exercised.

It checks what a real forge checks and answers as it does:
  GitHub  Authorization: Bearer TOKEN, else 401 {"message": "Bad
          credentials"}; Accept: application/vnd.github+json;
          GET  /repos/O/R/issues/N/comments?per_page=P&page=K
          POST /repos/O/R/issues/N/comments {"body": ...}      -> 201
          PATCH /repos/O/R/issues/comments/ID {"body": ...}    -> 200
  GitLab  PRIVATE-TOKEN: TOKEN, else 401 {"message": "401 Unauthorized"};
          paths under /api/v4:
          GET  /projects/P/merge_requests/I/notes?per_page=P&page=K
          POST /projects/P/merge_requests/I/notes {"body": ...}  -> 201
          PUT  /projects/P/merge_requests/I/notes/ID {"body": ...} -> 200
  A body that is not {"body": "<string>"} gets 422, an unknown path 404.

Every request is appended to DIR/requests.log as "METHOD PATH", and
DIR/comments.json always holds the threads as {"thread": [{"id": ...,
"body": ...}, ...]} after each change.
"""
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DIR, TOKEN = sys.argv[1], sys.argv[2]
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
LOCK = threading.Lock()
THREADS = {}
NEXT_ID = [1000]

GH_LIST = re.compile(r"^/repos/[^/]+/[^/]+/issues/(\d+)/comments$")
GH_ITEM = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
GL_LIST = re.compile(r"^/projects/([^/]+)/merge_requests/(\d+)/notes$")
GL_ITEM = re.compile(r"^/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)$")


def thread(key):
    if key not in THREADS:
        THREADS[key] = [new_comment("comment %d by someone else" % i)
                        for i in range(SEED)]
    return THREADS[key]


def new_comment(body):
    NEXT_ID[0] += 1
    return {"id": NEXT_ID[0], "body": body}


def save():
    tmp = os.path.join(DIR, "comments.json.tmp")
    with open(tmp, "w") as f:
        json.dump(THREADS, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(DIR, "comments.json"))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        url = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        with LOCK:
            with open(os.path.join(DIR, "requests.log"), "a") as f:
                f.write("%s %s\n" % (method, self.path))
            self.route(method, url.path, parse_qs(url.query), raw)

    def authorised(self, github):
        if github:
            ok = (self.headers.get("Authorization") == "Bearer " + TOKEN and
                  self.headers.get("Accept") ==
                  "application/vnd.github+json")
            msg = "Bad credentials"
        else:
            ok = self.headers.get("PRIVATE-TOKEN") == TOKEN
            msg = "401 Unauthorized"
        if not ok:
            self.reply(401, {"message": msg})
        return ok

    def body(self, raw):
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if not isinstance(obj, dict) or not isinstance(obj.get("body"), str):
            self.reply(422, {"message": "body is missing"})
            return None
        return obj["body"]

    def route(self, method, path, query, raw):
        if path.startswith("/api/v4/"):
            path = path[len("/api/v4"):]
        m = GH_LIST.match(path) or GL_LIST.match(path)
        if m:
            github = path.startswith("/repos/")
            if not self.authorised(github):
                return
            comments = thread(path)
            if method == "GET":
                per = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
                self.reply(200, comments[(page - 1) * per:page * per])
            elif method == "POST":
                text = self.body(raw)
                if text is not None:
                    comments.append(new_comment(text))
                    save()
                    self.reply(201, comments[-1])
            else:
                self.reply(405, {"message": "method not allowed"})
            return
        m = GH_ITEM.match(path)
        if m and method == "PATCH":
            return self.edit(True, int(m.group(2)), raw)
        m = GL_ITEM.match(path)
        if m and method == "PUT":
            return self.edit(False, int(m.group(3)), raw)
        self.reply(404, {"message": "Not Found"})

    def edit(self, github, cid, raw):
        if not self.authorised(github):
            return
        text = self.body(raw)
        if text is None:
            return
        for comments in THREADS.values():
            for c in comments:
                if c["id"] == cid:
                    c["body"] = text
                    save()
                    return self.reply(200, c)
        self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(srv.server_address[1], flush=True)
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
