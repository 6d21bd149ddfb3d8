"""The private backend behind the load balancer: a small JSON service on the standard library.

Every answer says who served it and who asked, so a reader can see the VPC link at work: ``served_by``
is this instance's own private address (two instances take turns), ``peer`` the address the
connection came from (the load balancer's, inside the private subnet), ``host`` the Host header
(the integration URI's host: the balancer's DNS name).

    GET  /anything          200 {"served_by", "peer", "host", "method", "path"}
    GET  /slow?seconds=N    the same, N seconds later (longer than the integration's timeout: 504)
    POST /anything          the same, with "body": the request body as text

PORT and HOST come from the environment (defaults 8080 and 0.0.0.0).
"""

from __future__ import annotations

import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vpc-link-backend/1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/").endswith("/slow"):
            time.sleep(float(parse_qs(url.query).get("seconds", ["3"])[0]))
        self._send(self._about())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        about = self._about()
        about["body"] = self.rfile.read(length).decode("utf-8", "replace")
        self._send(about)

    def _about(self) -> dict[str, object]:
        return {
            "served_by": self.connection.getsockname()[0],
            "peer": self.client_address[0],
            "host": self.headers.get("Host"),
            "method": self.command,
            "path": self.path,
        }

    def _send(self, document: dict[str, object]) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the caller gave up (a 504 for /slow)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.client_address[0]} {format % args}", flush=True)


def main() -> None:
    host = os.environ.get("HOST", "0.0.0.0")
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"listening on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
