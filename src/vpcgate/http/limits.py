"""What a connection may cost the server: sizes and times, as one frozen value per kind of listener.

Two presets:

- ``EDGE_LIMITS``: the public front (``vpcgate up``), API Gateway's REST API quotas
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html):
  "Length, in characters, of the URL for a regional API: 10240" (a longer request target: 414),
  "Total combined size of all header values: 10240 Bytes" (more: 431) and "Payload size: 10 MB"
  (more: 413). AWS documents no header count, head size or client timeouts: the values for those
  are the usual edge ones (Apache's 100 header fields; a 10 s head, 30 s body and 30 s send deadline; a 60 s
  idle keep-alive, an ALB's default idle timeout) and say so here.
- ``DEFAULT_LIMITS``: internal listeners (the Lambda Runtime API, the Invoke API), whose clients are
  our own workers and SDKs: Lambda's "1 MB for the total combined size of request line and header
  values" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) and no idle
  timeout, because a worker's keep-alive connection stays quiet for as long as its function runs.

Every limit is a keyword of :class:`ServerLimits`; ``dataclasses.replace`` makes a variant.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "EDGE_LIMITS", "ServerLimits"]

MB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """Bounds on one request and one connection; ``None`` timeouts never fire.

    - ``max_body``: body bytes (after chunked decoding) → 413;
    - ``max_target``: request-target characters → 414;
    - ``max_header_values``: the sum of the header values' lengths → 431;
    - ``max_headers``: header fields → 431;
    - ``max_head``: raw bytes of the request line and header section, counted as they arrive (so a
      client cannot make the parser buffer an endless header) → 431;
    - ``header_timeout``: seconds from a request's first byte (or the connection's opening) to the
      end of its header section → 408 and close (a connection that sent nothing is closed quietly);
    - ``body_timeout``: seconds from the end of the header section to the end of the body → 408;
    - ``keep_alive_timeout``: seconds an idle keep-alive connection is kept open;
    - ``send_timeout``: seconds the server's unsent response bytes may wait without the client
      reading any of them (a client that sends and never reads) → the connection is aborted;
    - ``max_pipeline``: complete requests waiting for their turn before the server stops reading;
    - ``linger_timeout``: after the last response on a connection the server closes (an error, or
      ``Connection: close``), it half-closes and discards what the client still sends for at most
      this long, so the client's unread bytes do not turn the close into a reset that destroys the
      response before the client has read it.
    """

    max_body: int = 16 * MB
    max_target: int = 64 * 1024
    max_header_values: int = 1 * MB
    max_headers: int = 1000
    max_head: int = 1 * MB + 64 * 1024
    header_timeout: float | None = 30.0
    body_timeout: float | None = 60.0
    keep_alive_timeout: float | None = None
    send_timeout: float | None = 60.0
    max_pipeline: int = 32
    linger_timeout: float = 2.0


DEFAULT_LIMITS = ServerLimits()

EDGE_LIMITS = ServerLimits(
    max_body=10 * MB,
    max_target=10240,
    max_header_values=10240,
    max_headers=100,
    max_head=64 * 1024,
    header_timeout=10.0,
    body_timeout=30.0,
    keep_alive_timeout=60.0,
    send_timeout=30.0,
)
