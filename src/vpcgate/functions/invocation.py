"""The values that travel through the functions service: one request in, one result out.

``InvokeResult`` is what the Invoke API, the gateway's Lambda integrations and the CLI read. Its
fields map onto the Invoke API response (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
``status`` is the HTTP status, ``payload`` the body, ``function_error`` the ``X-Amz-Function-Error``
header ("Unhandled" when the function failed), ``executed_version`` ``X-Amz-Executed-Version`` and
``log_result`` the base64 ``X-Amz-Log-Result`` (last 4 KB of the invocation's log).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import Enum

LOG_TAIL_BYTES = 4096


class InvocationType(Enum):
    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


@dataclass(frozen=True)
class InvocationRequest:
    """One invocation as handed to a worker."""

    request_id: str
    payload: bytes
    invoked_arn: str
    deadline_ms: int  # wall-clock milliseconds since the epoch, as Lambda-Runtime-Deadline-Ms
    trace_id: str
    client_context: str | None = None  # JSON text (already base64-decoded)
    identity: str | None = None  # JSON text


class ReplyKind(Enum):
    OK = "ok"
    ERROR = "error"  # the function reported an error document
    INIT_ERROR = "init_error"


@dataclass(frozen=True)
class Reply:
    """What a worker's runtime answered: a result, or an error document (JSON bytes)."""

    kind: ReplyKind
    body: bytes
    exits: bool = False  # the runtime is going to exit after this reply (e.g. an uncaught exception)
    peak_rss_kb: int | None = None  # peak resident memory, when the runtime reports it


@dataclass(frozen=True)
class InvokeResult:
    """The outcome of one invocation, shaped like the Invoke API response."""

    status: int
    payload: bytes
    request_id: str
    executed_version: str = "$LATEST"
    function_error: str | None = None
    log: str = ""

    @property
    def log_result(self) -> str:
        """Base64 of the last 4 KB of the log (``X-Amz-Log-Result``)."""
        tail = self.log.encode()[-LOG_TAIL_BYTES:]
        return base64.b64encode(tail).decode("ascii")
