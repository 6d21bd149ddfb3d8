"""Invocation: the state of one request on its way through the chain, one typed slot per phase.

Each slot is written by one step and read by the steps after it (DESIGN.md, "one context, small
steps"); a slot still ``None`` means its phase has not run. Nothing else may be attached: the class
has ``__slots__``.

::

    request, stage, path, ids      the chain, before any step
    query, headers, context        parse                   (what templates and parameters read)
    route                          route                   (resource, method, path parameters)
    auth                           authorize               (the authorizer's outcome: issue 7)
    grant                          api key                 (the API key's usage-plan grant: issue 7)
    endpoint                       integration request     (what the integration is sent)
    integration                    invoke                  (what the integration answered)
    reply                          integration response    (status, headers, body for the client)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpcgate.http.message import HttpRequest

if TYPE_CHECKING:
    from vpcgate.gateway.authorizers import method as _authz
    from vpcgate.gateway.build import CompiledMethod, CompiledStage
    from vpcgate.gateway.errors import GatewayError
    from vpcgate.limits.plans import KeyGrant

__all__ = ["EndpointRequest", "IntegrationResult", "Invocation", "Reply", "RequestIds", "Route"]


@dataclass(frozen=True, slots=True)
class RequestIds:
    """``x-amzn-RequestId`` (``$context.requestId``), ``x-amz-apigw-id`` (``extendedRequestId``),
    ``X-Amzn-Trace-Id`` and the time the request arrived (epoch milliseconds)."""

    request_id: str
    extended_request_id: str
    trace_id: str
    epoch_ms: int


@dataclass(frozen=True, slots=True)
class Route:
    method: CompiledMethod
    resource_path: str
    path_parameters: Mapping[str, str]


@dataclass(slots=True)
class EndpointRequest:
    """The integration request after requestParameters and the request template."""

    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    path_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntegrationResult:
    """What the integration answered. For a Lambda custom integration ``error_message`` is the
    function error's ``errorMessage`` (``None`` when the function succeeded)."""

    status: int
    body: bytes
    headers: Sequence[tuple[str, str]] = ()
    failed: bool = False
    error_message: str | None = None
    base64: bool = False  # AWS_PROXY: the function set isBase64Encoded
    log: str = ""  # a Lambda integration: the function's log for this invocation (execution trace)


@dataclass(slots=True)
class Reply:
    """The method response as it will be sent (before the headers every response gets)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True)
class Invocation:
    request: HttpRequest
    stage: CompiledStage
    path: str  # after the stage, percent-encoded as received: "/pets/a%20b"
    ids: RequestIds
    query: dict[str, list[str]] = field(default_factory=dict)  # decoded names and values
    headers: dict[str, list[str]] = field(default_factory=dict)  # first spelling names the header
    context: dict[str, Any] = field(default_factory=dict)  # the $context tree
    route: Route | None = None
    auth: _authz.AuthorizationOutcome | None = None
    grant: KeyGrant | None = None
    endpoint: EndpointRequest | None = None
    integration: IntegrationResult | None = None
    reply: Reply | None = None
    # step name → milliseconds, kept only when an observer (trace, access log) wants timings
    timings: dict[str, float] | None = None
    error: GatewayError | None = None  # what the chain answered with instead of a reply (access log)
    # ``headers`` by lower-case name (the same lists), built once: header() is called many times
    folded: dict[str, list[str]] | None = None

    def _folded(self) -> dict[str, list[str]]:
        folded = self.folded
        if folded is None:
            folded = self.folded = {key.lower(): values for key, values in self.headers.items()}
        return folded

    def header(self, name: str) -> str | None:
        """The last value of a request header (case-insensitive), as API Gateway's single-value maps."""
        values = self._folded().get(name.lower())
        return values[-1] if values else None

    def header_values(self, name: str) -> list[str]:
        return self._folded().get(name.lower(), [])

    @property
    def path_parameters(self) -> Mapping[str, str]:
        return self.route.path_parameters if self.route is not None else {}
