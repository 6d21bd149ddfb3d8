"""Private integrations: HTTP and HTTP_PROXY with connectionType VPC_LINK, through a network load
balancer to a target inside a VPC.

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-api-with-vpclink-using-swagger.html

How a request travels, as AWS documents it:

- ``connectionId`` is a VpcLink id, or ``${stageVariables.name}`` naming one (resolved when the stage
  is built: a stage's variables do not change while it is deployed).
- the link's load balancer (its first TargetArns entry) is reached on the port of the integration
  URI (80 for ``http://`` without one): the listener on that port forwards to its target group.
- the URI is not used to find the endpoint; it sets the request's ``Host`` header (and, for
  https, the name checked against the target's certificate: not built, see below).
- each request goes to the next target of the group, round robin; a target that refuses the
  connection is skipped for this request (AWS's health checks take such a target out of rotation;
  with none healthy an NLB "fails open" and every connection fails).
- a link, listener or target that cannot be used: 500 ``{"message": "Internal server error"}``
  (AWS's execution log: "Execution failed due to configuration error"), as AWS answers for an
  unhealthy target, a security group that does not allow the port or a target not listening:
  https://repost.aws/knowledge-center/api-gateway-500-error-vpc
  A security group that drops (AWS's way, vpcgate's default) leaves the connection hanging:
  ``timeoutInMillis`` passes and the answer is 504; with ``--network-reject`` it is refused: 500.
  ``timeoutInMillis`` bounds the whole exchange, every attempt included: 504
  ``{"message": "Endpoint request timed out"}``.

The way in (:class:`VpcLinks`): in namespace mode each load balancer gets an interface in its first
subnet (the network's shared ENIs: :meth:`NamespaceNetwork.eni_for`) carrying its security groups,
or when it has none, the group :func:`vpcgate.network.load_balancer.implicit_group` stands for
(all egress, no ingress). The gateway's connections to the targets are opened on sockets made inside
that interface's namespace, so they leave from the balancer's private address and the VPC's rules
judge them: a target's security group must admit the balancer's address (or its subnet, or its
group), as on AWS, where PrivateLink traffic reaches targets from the balancer's private address.
The gateway process itself has no route into any VPC. In host mode there is no VPC: every target is
reached on 127.0.0.1 at its port; in guard mode on its instance's loopback alias
(``vpcgate.network.guard.loopback_alias``); neither checks security groups, and ``start`` says so
in the log. A connection is pooled per target (keep-alive), so the namespace is entered (a short
thread, ``netns.call_in``) only when a new connection is opened.

Links are read once, at start: a redeploy (``--watch``) that adds a link or a balancer leaves its
methods answering 500 until the next start (the network is not rebuilt on redeploy either).

Not built: https URIs over a link (TLS to the target with the URI's name), VPC links V2
(AWS::ApiGateway::VpcLinkV2, ALB targets), active health checks, cross-zone settings.

Errors::

    NetworkError               (VpcLinks.start) namespace mode without namespaces to join
    Default5xxError            (raised per request) unknown link, no listener, no target reachable
    IntegrationTimeoutError    (raised per request) no answer within timeoutInMillis
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from vpcgate.gateway.context import IntegrationResult, Invocation
from vpcgate.gateway.errors import Default5xxError
from vpcgate.gateway.integrations.http_endpoint import HttpEndpoint
from vpcgate.http.client import ClientResponse, ClientTimeout, ClientUnreachable, HttpClient, SocketFactory
from vpcgate.network.errors import NetworkError
from vpcgate.network.load_balancer import Listener, LoadBalancer, Target, TargetGroup, implicit_group_id
from vpcgate.spec.model import VpcLink

__all__ = ["Balancer", "EniSource", "UnknownVpcLink", "VpcLinkEndpoint", "VpcLinks"]

log = logging.getLogger("vpcgate.gateway")
LOOPBACK = "127.0.0.1"


class NetnsInterface(Protocol):
    @property
    def netns(self) -> Path: ...


class EniSource(Protocol):
    """What the VPC links need of the network (``NamespaceNetwork`` fits)."""

    async def eni_for(
        self, subnet_ids: Sequence[str], security_group_ids: Sequence[str]
    ) -> NetnsInterface: ...


@dataclass
class Balancer:
    """One network load balancer as links use it: targets by listener port, and the client that
    reaches them (from inside the VPC once attached; on loopback until then)."""

    model: LoadBalancer
    routes: Mapping[int, tuple[Target, ...]]
    client: HttpClient
    dial: Callable[[Target], str] = lambda target: LOOPBACK
    _turns: dict[int, Iterator[int]] = field(default_factory=dict)

    def targets_in_turn(self, port: int) -> list[Target] | None:
        """The listener's targets, starting with the next one in turn; None without a listener."""
        targets = self.routes.get(port)
        if targets is None:
            return None
        if not targets:
            return []
        turn = self._turns.setdefault(port, itertools.count())
        start = next(turn) % len(targets)
        return [*targets[start:], *targets[:start]]

    def address(self, target: Target) -> str:
        return self.dial(target)


class VpcLinks:
    """Every VPC link of a run: link id → :class:`Balancer`. Built from the deployed models."""

    def __init__(self, links: Mapping[str, Balancer], shared: HttpClient) -> None:
        self._links = links
        self._shared = shared
        self._own: list[HttpClient] = []

    @classmethod
    def from_models(cls, models: Iterable[object], client: HttpClient) -> VpcLinks:
        """``client`` is the shared outbound client (host mode's way in)."""
        items = list(models)
        balancers = {m.arn: m for m in items if isinstance(m, LoadBalancer)}
        groups = {m.arn: m for m in items if isinstance(m, TargetGroup)}
        listeners = [m for m in items if isinstance(m, Listener)]
        made: dict[str, Balancer] = {}
        links: dict[str, Balancer] = {}
        for link in (m for m in items if isinstance(m, VpcLink)):
            arn = link.target_arns[0] if link.target_arns else ""
            model = balancers.get(arn)
            if model is None:
                log.warning("VPC link %s: its target %s is not a load balancer of this run", link.id, arn)
                continue
            if arn not in made:
                made[arn] = Balancer(model, _routes(arn, listeners, groups), client)
            links[link.id] = made[arn]
        return cls(links, client)

    def balancer(self, link_id: str) -> Balancer | None:
        return self._links.get(link_id)

    async def start(self, mode: str, network: object = None) -> None:
        """Give each balancer its way in for the run's network ``mode``: ``namespace``/``userns`` an
        interface in its VPC (``network``: the run's ``StackNetwork`` or a ``NamespaceNetwork``),
        ``guard`` the targets' loopback aliases, ``host`` 127.0.0.1 (both announced in the log)."""
        balancers = list({id(b): b for b in self._links.values()}.values())
        if mode == "guard" or network is None:
            dial = _guard_alias if mode == "guard" else (lambda target: LOOPBACK)
            for balancer in balancers:
                log.warning(
                    "%s network mode: the VPC link to %s reaches its targets on %s (no security groups)",
                    mode if mode == "guard" else "host",
                    balancer.model.name,
                    "their loopback aliases" if mode == "guard" else LOOPBACK,
                )
                balancer.dial = dial
            return
        source = _eni_source(network)
        for balancer in balancers:
            groups = balancer.model.security_group_ids or (implicit_group_id(balancer.model),)
            eni = await source.eni_for(balancer.model.subnet_ids, groups)
            client = HttpClient(socket_factory=_factory_in(eni.netns))
            self._own.append(client)
            balancer.client, balancer.dial = client, _private_ip

    async def close(self) -> None:
        for client in self._own:
            await client.close()
        self._own.clear()


def _routes(
    arn: str, listeners: Sequence[Listener], groups: Mapping[str, TargetGroup]
) -> dict[int, tuple[Target, ...]]:
    routes: dict[int, tuple[Target, ...]] = {}
    for listener in listeners:
        if listener.load_balancer_arn == arn:
            group = groups.get(listener.target_group_arn)
            routes[listener.port] = group.targets if group is not None else ()
    return routes


def _private_ip(target: Target) -> str:
    return str(target.ip)


def _guard_alias(target: Target) -> str:
    from vpcgate.network.guard import loopback_alias

    return str(loopback_alias(target.ip))


def _eni_source(network: object) -> EniSource:
    """The namespaces of the run. ``StackNetwork`` keeps its ``NamespaceNetwork`` in ``_network``
    (no public accessor yet: read here, in one place, until it has one)."""
    for candidate in (network, getattr(network, "namespaces", None), getattr(network, "_network", None)):
        if candidate is not None and callable(getattr(candidate, "eni_for", None)):
            return candidate  # type: ignore[return-value]
    raise NetworkError("VPC links: the network has no namespaces to place a load balancer in")


def _factory_in(path: Path) -> SocketFactory:
    """Sockets made inside the namespace at ``path`` (a socket keeps the namespace it was made in)."""
    from vpcgate.network.enforce import netns  # root-only machinery, loaded in namespace mode only

    def make(family: int) -> socket.socket:
        return netns.call_in(path, lambda: socket.socket(family, socket.SOCK_STREAM))

    return make


class UnknownVpcLink:
    """A method whose connectionId names no link of this run: every request gets the generic 500."""

    def __init__(self, connection_id: str) -> None:
        self._connection_id = connection_id

    async def __call__(self, inv: Invocation) -> IntegrationResult:
        log.warning(
            "%s: execution failed due to configuration error: VPC link %r is not deployed",
            inv.ids.request_id,
            self._connection_id,
        )
        raise Default5xxError()


class VpcLinkEndpoint(HttpEndpoint):
    """One method's private integration: the endpoint request goes to a target of the link's balancer."""

    def __init__(
        self,
        balancer: Balancer,
        *,
        uri: str,
        http_method: str,
        timeout_ms: int,
        proxy: bool,
    ) -> None:
        super().__init__(
            balancer.client, uri=uri, http_method=http_method, timeout_ms=timeout_ms, proxy=proxy
        )
        self._balancer = balancer

    async def exchange(
        self, inv: Invocation, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        parts = urlsplit(url)
        if parts.scheme != "http":
            log.warning("%s: VPC link: %s URIs are not supported", inv.ids.request_id, parts.scheme)
            raise Default5xxError()
        port = parts.port or 80
        targets = self._balancer.targets_in_turn(port)
        if not targets:
            log.warning(
                "%s: execution failed due to configuration error: %s has no %s on port %d",
                inv.ids.request_id,
                self._balancer.model.name,
                "listener" if targets is None else "target",
                port,
            )
            raise Default5xxError()
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        sent = [*headers, ("Host", parts.netloc)]
        return await self._first_answer(inv, targets, method, path, sent, body)

    async def _first_answer(
        self,
        inv: Invocation,
        targets: list[Target],
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> ClientResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        for target in targets:
            left = deadline - loop.time()
            if left <= 0:
                break
            url = f"http://{self._balancer.address(target)}:{target.port}{path}"
            try:
                return await self._balancer.client.request(
                    method, url, headers=headers, body=body, timeout=left
                )
            except ClientUnreachable as error:
                log.warning("%s: target %s unreachable: %s", inv.ids.request_id, target.target_id, error)
        if loop.time() >= deadline:
            raise ClientTimeout(f"no target answered within {self._timeout:g} s")
        raise Default5xxError()
