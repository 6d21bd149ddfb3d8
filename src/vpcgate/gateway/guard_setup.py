"""What the application needs to build the guard steps (authorize, api key, throttle) from its
configuration and running services, and the usage report endpoint.

- :class:`GuardSettings`: the ``vpcgate up`` options of issue 7 (``--state``, ``--state-fail``,
  ``--account-rate``/``--account-burst``, ``--jwks ISSUER=PATH|URL``,
  ``--iam-credentials ACCESS_KEY:SECRET[:USER_ARN]``) and the clock every limit and cache reads
  (tests inject a :class:`~vpcgate.limits.clock.ManualClock`).
- :func:`plans_created`: when the usage plans were created, for quota offsets (a quota's ``offset``
  applies in the period holding that time, API Gateway's "initial period"). It is the time of the
  first ``vpcgate up`` with this ``--state-dir``, persisted in ``STATE_DIR/usage-plans.json`` so a
  restart does not move it. Nodes sharing one Redis should share it too (copy the file) when a
  quota has an offset; without an offset the time does not matter.
- :class:`UserPoolKeys`: Cognito keys from ``--jwks`` files or URLs; an issuer not configured is
  fetched from its own URL (``{issuer}/.well-known/jwks.json``) through the gateway's HTTP client.
- :func:`usage_response`: ``GET /.vpcgate/usage?plan=ID&start=YYYY-MM-DD&end=YYYY-MM-DD[&key=ID]``
  on the gateway port answers the GetUsage body (``values``,
  https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html). The path starts with a
  ``.``, which no stage name may contain (stage names are letters, digits, ``-`` and ``_``), so it
  never shadows an API. ``vpcgate usage`` calls it.

Errors::

    VpcgateError
    └── ConfigError   an option vpcgate cannot use (a --jwks or --iam-credentials value, a rate)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

from vpcgate.errors import ConfigError, VpcgateError
from vpcgate.functions.invocation import InvokeResult
from vpcgate.gateway.authorizers.crypto import VerifyingKey
from vpcgate.gateway.authorizers.jwks import JwksSource, jwks_url
from vpcgate.gateway.authorizers.lambda_authorizer import AuthorizerSetupError, InvokeFunction
from vpcgate.gateway.authorizers.sigv4 import IamCredentials
from vpcgate.gateway.integrations.base import FunctionInvoker
from vpcgate.http.client import HttpClient
from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.limits.clock import Clock, SystemClock
from vpcgate.limits.model import Rate
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.rules import ACCOUNT_DEFAULT
from vpcgate.limits.state import StateConfig
from vpcgate.limits.store import LimitStore
from vpcgate.limits.usage import usage
from vpcgate.spec.assemble import DeployedApi
from vpcgate.spec.lambda_uri import lambda_target
from vpcgate.spec.model import ApiKey, Authorizer, UsagePlan, UsagePlanKey

__all__ = [
    "USAGE_PATH",
    "GuardSettings",
    "UserPoolKeys",
    "account_rate",
    "api_keys",
    "authorizer_invoker",
    "build_plan_index",
    "parse_iam_credentials",
    "parse_jwks_option",
    "plans_created",
    "usage_response",
]

log = logging.getLogger("vpcgate.gateway")

USAGE_PATH = "/.vpcgate/usage"
CREATED_FILE = "usage-plans.json"


@dataclass(frozen=True)
class GuardSettings:
    state: StateConfig = field(default_factory=StateConfig)
    account: Rate | None = ACCOUNT_DEFAULT
    jwks: tuple[tuple[str, str], ...] = ()  # (issuer, path or URL)
    iam_credentials: tuple[IamCredentials, ...] = ()
    clock: Clock = field(default_factory=SystemClock)


def account_rate(rate: float, burst: int) -> Rate | None:
    """``--account-rate``/``--account-burst``; a rate of 0 with a burst of 0 disables the bucket."""
    if rate == 0 and burst == 0:
        return None
    return Rate(rate, burst)


def parse_jwks_option(text: str) -> tuple[str, str]:
    """``ISSUER=PATH`` or ``ISSUER=URL`` (the issuer is ``https://cognito-idp.REGION.amazonaws.com/POOL``)."""
    issuer, sep, where = text.rpartition("=")
    if not sep or not issuer or not where:
        raise ConfigError(f"--jwks {text!r}: expected ISSUER=PATH or ISSUER=URL")
    if not where.startswith(("http://", "https://")) and not Path(where).is_file():
        raise ConfigError(f"--jwks {text!r}: no file {where}")
    return issuer.rstrip("/"), where


def parse_iam_credentials(text: str, account_id: str) -> IamCredentials:
    """``ACCESS_KEY:SECRET`` or ``ACCESS_KEY:SECRET:USER_ARN`` (default ARN: a user named for the key)."""
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ConfigError("--iam-credentials: expected ACCESS_KEY:SECRET[:USER_ARN]")
    user_arn = parts[2] if len(parts) == 3 and parts[2] else f"arn:aws:iam::{account_id}:user/{parts[0]}"
    return IamCredentials(parts[0], parts[1], account_id, user_arn)


def plans_created(state_dir: Path, clock: Clock) -> float:
    """The usage plans' creation time: read from the state dir, else now (and written there)."""
    path = state_dir / CREATED_FILE
    try:
        created = json.loads(path.read_text())["created"]
        if isinstance(created, int | float):
            return float(created)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    now = clock.wall()
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"created": now}) + "\n")
    except OSError as error:
        log.warning("cannot keep the usage plans' creation time in %s: %s", path, error.strerror)
    return now


def build_plan_index(apis: Sequence[DeployedApi], created: float) -> PlanIndex:
    """One index over every API's keys and plans (a plan may cover stages of several APIs)."""
    keys: dict[str, ApiKey] = {}
    plans: dict[str, UsagePlan] = {}
    links: dict[str, UsagePlanKey] = {}
    for api in apis:
        keys.update((k.id, k) for k in api.api_keys)
        plans.update((p.id, p) for p in api.usage_plans)
        links.update((link.id, link) for link in api.usage_plan_keys)
    return PlanIndex.build(keys.values(), plans.values(), links.values(), created=created)


def api_keys(apis: Iterable[DeployedApi]) -> list[ApiKey]:
    """Every API key of the deployment, once."""
    return list({k.id: k for api in apis for k in api.api_keys}.values())


def authorizer_invoker(functions: FunctionInvoker) -> Callable[[Authorizer], InvokeFunction]:
    """``invoke_for(authorizer)``: the function behind a Lambda authorizer's ``authorizerUri``."""

    def invoke_for(spec: Authorizer) -> InvokeFunction:
        target = lambda_target(spec.authorizer_uri)
        if target is None:
            raise AuthorizerSetupError(
                f"authorizer {spec.name}: authorizerUri is not a Lambda invocation URI"
            )

        async def invoke(payload: bytes) -> InvokeResult:
            return await functions.invoke(target.function_name, payload, qualifier=target.qualifier)

        return invoke

    return invoke_for


class UserPoolKeys:
    """A KeyResolver: configured issuers from ``--jwks``, any other one from its own URL."""

    def __init__(self, configured: Iterable[tuple[str, str]], http: HttpClient, clock: Clock) -> None:
        self._http = http
        self._clock = clock
        self._sources = {issuer: self._source(where) for issuer, where in configured}

    def _source(self, where: str) -> JwksSource:
        if where.startswith(("http://", "https://")):
            return JwksSource(url=where, fetch=self._fetch, clock=self._clock.monotonic)
        return JwksSource(path=Path(where), clock=self._clock.monotonic)

    async def _fetch(self, url: str) -> bytes:
        response = await self._http.request("GET", url, timeout=10.0)
        if response.status != 200:
            raise ConfigError(f"HTTP {response.status}")
        return response.body

    async def key(self, issuer: str, kid: str) -> VerifyingKey | None:
        source = self._sources.get(issuer)
        if source is None:
            source = self._sources[issuer] = self._source(jwks_url(issuer))
        return await source.key(kid)


async def usage_response(request: HttpRequest, plans: PlanIndex, store: LimitStore) -> HttpResponse:
    """``GET /.vpcgate/usage``: the GetUsage body, or 400 / 503 with ``{"message": ...}``."""
    query = {k: v[-1] for k, v in parse_qs(request.query).items()}
    try:
        plan_id = query.get("plan") or ""
        start, end = _day(query.get("start"), "start"), _day(query.get("end"), "end")
        report = await usage(plans, store, plan_id, start, end, query.get("key"))
    except ConfigError as error:
        return _json(400, {"message": str(error)})
    except VpcgateError as error:  # StoreUnavailableError: a report cannot make numbers up
        return _json(503, {"message": f"the limit store is unreachable: {error}"})
    return _json(200, report.to_api())


def _day(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise ConfigError(f"usage: {name} must be a date YYYY-MM-DD, not {text!r}") from None


def _json(status: int, body: object) -> HttpResponse:
    return HttpResponse.of(status, json.dumps(body).encode(), [("Content-Type", "application/json")])
