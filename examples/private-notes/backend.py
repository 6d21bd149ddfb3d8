"""The private backend: a small JSON service on the standard library's http.server.

It answers only inside the private subnet (the network stack's instance runs it; the security
group admits the proxy function alone):

    GET  /            200 {"message": "Hello from the private subnet"}
    GET  /?error=1    403 {"error": "Not for you"}
    POST /            200, the JSON body echoed back
    anything else     404 {"error": "No such thing"}

PORT and HOST come from the environment (defaults 8080 and 0.0.0.0).
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "private-notes/1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/":
            self._send(404, {"error": "No such thing"})
        elif "error" in parse_qs(url.query):
            self._send(403, {"error": "Not for you"})
        else:
            self._send(200, {"message": "Hello from the private subnet"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"null"
        try:
            document = json.loads(raw)
        except ValueError:
            self._send(400, {"error": "Not JSON"})
            return
        self._send(200, document)

    def _send(self, status: int, document: object) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", "private-notes")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.client_address[0]} {format % args}", flush=True)


def main() -> None:
    host = os.environ.get("HOST", "0.0.0.0")
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"private-notes backend on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
