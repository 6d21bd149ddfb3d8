"""The composition root: stacks → network, instances, functions, gateway, server; started and
stopped in order.

::

    start:  network (namespaces mode) → instances (their UserData) → functions service (every
            function deployed, warm pools empty) → outbound HTTP client → limit state (memory or
            Redis; never contacted here) → stages compiled with their guard steps and swapped in
            → HTTP server listening (gateway + Lambda Invoke API + usage report on one port)
    stop:   server stops accepting → requests in flight finish (bounded) → functions shut down →
            HTTP client closed → limit state closed → instances stopped → network torn down

Authorization, API keys and throttling (issue 7) are configured by ``AppConfig.guards``
(:mod:`vpcgate.gateway.guard_setup`); the usage report answers ``GET /.vpcgate/usage``.

Network modes (``AppConfig.network_mode``; built by :mod:`vpcgate.network.running`):

- ``host``: functions and the gateway share the host's network; instances are not started (their
  private addresses do not exist here): point a stack's backend at 127.0.0.1 with an override.
- ``namespace`` (root; ``namespaces`` too): every VPC, subnet and security group is built from Linux
  network namespaces and nftables (:mod:`vpcgate.network.enforce.namespaces`); instances run their
  UserData confined in their subnet; VPC-attached functions run in their ENI's namespace.
- ``userns`` (not root): the same, in a user namespace the process entered before any thread.
- ``guard``: the weaker fallback (loopback aliases, a connect guard in the built-in runtimes).
- ``auto``: the strongest this host allows (host when the templates define nothing to isolate);
  :meth:`App.choose_network` says which and why.

Errors::

    VpcgateError                   what a person must fix
    ├── ConfigError                the port cannot be listened on
    ├── TemplateError              (deploy, stage compilation) a template is wrong
    └── DeployError, NetworkError  a resource could not be brought up (namespaces mode)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from vpcgate.deploy.stacks import Stack, deploy_stacks
from vpcgate.errors import ConfigError
from vpcgate.functions.invoke_api import InvokeApi
from vpcgate.functions.model import (
    AliasSpec,
    EventInvokeConfig,
    FunctionSpec,
    PermissionSpec,
    VersionSpec,
)
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.gateway.authorizers.method import StageAuthorizers
from vpcgate.gateway.authorizers.sigv4 import SigV4Verifier
from vpcgate.gateway.build import CompiledStage, compile_api
from vpcgate.gateway.front import Gateway, Observer
from vpcgate.gateway.guard_setup import (
    USAGE_PATH,
    GuardSettings,
    UserPoolKeys,
    api_keys,
    authorizer_invoker,
    build_plan_index,
    plans_created,
    usage_response,
)
from vpcgate.gateway.integrations.base import IntegrationDeps
from vpcgate.gateway.integrations.permissions import Permissions
from vpcgate.gateway.integrations.vpc_link import VpcLinks
from vpcgate.gateway.stage_registry import StageRegistry
from vpcgate.gateway.steps.guards import Guards
from vpcgate.http.client import HttpClient
from vpcgate.http.limits import EDGE_LIMITS
from vpcgate.http.message import HttpRequest, HttpResponse
from vpcgate.http.server import HttpServer
from vpcgate.limits.plans import PlanIndex
from vpcgate.limits.state import State, open_state
from vpcgate.network.load_balancer import implicit_groups
from vpcgate.network.model import Instance
from vpcgate.observe.access_log import AccessLog
from vpcgate.observe.trace import TracePrinter
from vpcgate.settings import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from vpcgate.spec.assemble import DeployedApi, assemble_apis
from vpcgate.spec.model import ApiKey, RestApi

__all__ = ["App", "AppConfig", "InvokeUrl"]

log = logging.getLogger("vpcgate.app")

HOST_MODE = "host"
NAMESPACES_MODE = "namespaces"


@dataclass(frozen=True)
class AppConfig:
    templates: tuple[Path, ...]
    overrides: tuple[str, ...] = ()
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    strict: bool = False
    host: str = "127.0.0.1"
    port: int = 3000
    state_dir: Path = field(default_factory=lambda: Path(".vpcgate"))
    network_mode: str = HOST_MODE  # host | auto | namespace(s) | userns | guard
    network_reject: bool = False  # refused connections get a reset instead of AWS's drop
    drain_seconds: float = 5.0
    reuse_port: bool = False  # several processes serve one port (SO_REUSEPORT): ``up --workers N``
    guards: GuardSettings = field(default_factory=GuardSettings)  # state, account limit, keys, clock
    trace: bool = False  # print every request's execution trace to stderr (``up --trace``)
    access_log: str | None = None  # "-" (stderr) or a file: one access log line per request


@dataclass(frozen=True)
class InvokeUrl:
    api_name: str
    api_id: str
    stage: str
    urls: tuple[str, ...]


def shared_listener(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A TCP socket on ``host:port`` that other processes may bind too (SO_REUSEPORT): the kernel
    spreads connections over every listening one. ``listen=False`` only reserves the port."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        if listen:
            sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _deploy(config: AppConfig) -> list[Stack]:
    return deploy_stacks(
        list(config.templates),
        list(config.overrides),
        region=config.region,
        account_id=config.account_id,
        strict=config.strict,
    )


def _all_models(stacks: Sequence[Stack]) -> list[object]:
    return [d.model for s in stacks for d in s.resources.values()]


def _models(stacks: Sequence[Stack], kind: type[Any]) -> list[Any]:
    return [d.model for s in stacks for d in s.resources.values() if isinstance(d.model, kind)]


class App:
    """One run of vpcgate: build with :meth:`deploy`, then ``await start()`` / ``await stop()``."""

    def __init__(self, config: AppConfig, stacks: Sequence[Stack]) -> None:
        self.config = config
        self.stacks = list(stacks)
        self.apis: tuple[DeployedApi, ...] = assemble_apis([d for s in stacks for d in s.resources.values()])
        self.registry = StageRegistry()
        self._log_files: list[TextIO] = []
        self.gateway = Gateway(self.registry, self._observers())
        self.http_client = HttpClient()
        self.vpc_links = VpcLinks.from_models(_all_models(self.stacks), self.http_client)
        self.functions: FunctionService | None = None
        self.invoke_api: InvokeApi | None = None
        self._server: HttpServer | None = None
        self._network: Any = None
        self._network_choice: tuple[str, str] | None = None
        self._instances: list[Any] = []
        self._in_flight = 0
        self._idle = asyncio.Event()
        self.state: State | None = None
        self.plans: PlanIndex | None = None
        self._user_pool_keys: UserPoolKeys | None = None

    @classmethod
    def deploy(cls, config: AppConfig) -> App:
        """Deploy the templates (no process starts here). Raises VpcgateError subclasses."""
        return cls(config, _deploy(config))

    async def reload(self) -> None:
        """Redeploy the templates: functions get their new code (old workers drain), every stage is
        rebuilt and swapped in at once; requests in flight finish on the old stages. Raises
        VpcgateError (and changes nothing) when the templates are wrong. In namespaces mode the
        network and instances are kept as they are."""
        stacks = _deploy(self.config)
        apis = assemble_apis([d for s in stacks for d in s.resources.values()])
        old_stacks, old_apis = self.stacks, self.apis
        self.stacks, self.apis = stacks, apis
        try:
            stages = self.compile_stages()
        except BaseException:
            self.stacks, self.apis = old_stacks, old_apis
            raise
        assert self.functions is not None
        for spec in _models(stacks, FunctionSpec):
            self.functions.deploy(spec)
        _register_qualifiers(self.functions, stacks)
        self.registry.swap(stages)

    def watched_paths(self) -> list[Path]:
        """The templates and the function code on disk: what ``--watch`` looks at."""
        paths = list(self.config.templates)
        for spec in _models(self.stacks, FunctionSpec):
            if spec.code.path is not None:
                base = spec.template_dir or Path()
                paths.append(base / spec.code.path)
        return paths

    # -- lifecycle
    async def start(self) -> None:
        """Start everything in order; if any part fails, what was started is stopped again."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        specs: list[FunctionSpec] = _models(self.stacks, FunctionSpec)
        launcher_for = None
        if self.choose_network()[0] != HOST_MODE:
            launcher_for = await self._start_network(specs)
        elif _models(self.stacks, Instance):
            log.warning("host network mode: instances are not started (use --network-mode auto)")
        await self.vpc_links.start(self.choose_network()[0], self._network)  # VPC link integrations
        self.functions = FunctionService(
            ServiceConfig(
                work_dir=self.config.state_dir / "functions",
                region=self.config.region,
                account_id=self.config.account_id,
            ),
            launcher_for=launcher_for,
        )
        for spec in specs:
            self.functions.deploy(spec)
        _register_qualifiers(self.functions, self.stacks)
        self.functions.start_reaper()
        self.invoke_api = InvokeApi(self.functions)
        guards = self.config.guards
        self.state = open_state(guards.state, guards.clock)
        self._user_pool_keys = UserPoolKeys(guards.jwks, self.http_client, guards.clock)
        self.registry.swap(self.compile_stages())
        server = HttpServer(self._handle, limits=EDGE_LIMITS)  # API Gateway's REST API quotas
        try:
            if self.config.reuse_port:
                await server.serve(sock=shared_listener(self.config.host, self.config.port))
            else:
                await server.serve(self.config.host, self.config.port)
        except OSError as error:
            where = f"{self.config.host}:{self.config.port}"
            raise ConfigError(f"cannot listen on {where}: {error.strerror or error}") from None
        self._server = server

    def compile_stages(self) -> list[CompiledStage]:
        """Every stage of every API, compiled against the running services."""
        assert self.functions is not None
        deps = IntegrationDeps(
            functions=self.functions,
            http=self.http_client,
            vpc_links=self.vpc_links,
            may_invoke=Permissions(_models(self.stacks, PermissionSpec)),
        )
        guards = self._guards()
        stages: list[CompiledStage] = []
        for api in self.apis:
            stages += compile_api(
                api, deps, region=self.config.region, account_id=self.config.account_id, guards=guards
            )
        self.plans = guards.plans
        return stages

    def _guards(self) -> Guards:
        assert self.functions is not None and self.state is not None
        settings = self.config.guards
        clock = settings.clock
        # No credentials configured: AWS_IAM methods still work, and refuse every signature (403).
        sigv4 = SigV4Verifier(settings.iam_credentials, region=self.config.region, clock=clock.wall)
        invoke_for = authorizer_invoker(self.functions)
        cache, keys = self.state.authorizer_cache, self._user_pool_keys

        def authorizers(api: RestApi) -> StageAuthorizers:
            return StageAuthorizers(
                api,
                region=self.config.region,
                account_id=self.config.account_id,
                invoke_for=invoke_for,
                store=cache,
                keys=keys,
                sigv4=sigv4,
                clock=clock.wall,
                monotonic=clock.monotonic,
            )

        plans = build_plan_index(self.apis, plans_created(self.config.state_dir, clock))
        return Guards(plans, self.state.limits, authorizers, settings.account)

    def api_keys(self) -> list[ApiKey]:
        """Every API key deployed (the generated values included): what ``up`` prints."""
        return api_keys(self.apis)

    def choose_network(self) -> tuple[str, str]:
        """(mode, reason) this run's network has: ``auto`` resolved once (ConfigError when a mode
        asked for cannot be had). ``up`` prints it, and enters the user namespace for ``userns``."""
        if self._network_choice is None:
            from vpcgate.network.running import resolve

            models = [d.model for s in self.stacks for d in s.resources.values()]
            self._network_choice = resolve(self.config.network_mode, models)
        return self._network_choice

    async def _start_network(self, specs: list[FunctionSpec]) -> Any:
        """Namespaces (or guard mode's aliases), then instances, then ENIs; returns ``launcher_for``."""
        from vpcgate.network.running import PlacedInstance, StackNetwork, enter_for

        mode = self.choose_network()[0]
        enter_for(mode)
        network = StackNetwork(mode, reject=self.config.network_reject)
        self._network = network
        models = [d.model for s in self.stacks for d in s.resources.values()]
        models += implicit_groups(models)  # a VPC link's load balancer without security groups
        placed = [
            PlacedInstance(d.model, s.template_path.parent)
            for s in self.stacks
            for d in s.resources.values()
            if isinstance(d.model, Instance)
        ]
        launcher_for = await network.start(models, placed, specs)
        self._instances = network.instances
        return launcher_for

    def _observers(self) -> list[Observer]:
        """The execution trace and access log, when the configuration asks for them."""
        observers: list[Observer] = []
        if self.config.trace:
            observers.append(TracePrinter(sys.stderr.write))
        target = self.config.access_log
        if target:
            if target == "-":
                write = sys.stderr.write
            else:
                try:
                    handle = open(target, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (closed at stop)
                except OSError as error:
                    raise ConfigError(f"cannot open the access log {target}: {error.strerror}") from None
                self._log_files.append(handle)
                write = handle.write
            observers.append(AccessLog(self._access_log_format, write))
        return observers

    def _access_log_format(self, api_id: str, stage: str) -> str | None:
        for api in self.apis:
            if api.id == api_id:
                for spec in api.stages:
                    if spec.name == stage and spec.access_log is not None:
                        return spec.access_log.format
        return None

    async def stop(self) -> None:
        for handle in self._log_files:
            handle.flush()
        if self._server is not None:
            await self._server.close()
            self._server = None
        if self._in_flight:
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), self.config.drain_seconds)
            except TimeoutError:
                log.warning("%d requests still in flight at shutdown", self._in_flight)
        if self.functions is not None:
            await self.functions.shutdown()
        await self.http_client.close()
        await self.vpc_links.close()
        if self.state is not None:
            await self.state.close()
            self.state = None
        for instance in self._instances:
            await instance.stop()
        if self._network is not None:
            await self._network.stop()
            self._network = None

    # -- serving
    async def _handle(self, request: HttpRequest) -> HttpResponse:
        self._in_flight += 1
        try:
            if self.invoke_api is not None and request.path.startswith("/2015-03-31/functions/"):
                response = await self.invoke_api(request)
                if response is not None:
                    return response
            if request.path == USAGE_PATH and self.plans is not None and self.state is not None:
                return await usage_response(request, self.plans, self.state.limits)
            return await self.gateway(request)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    @property
    def instances(self) -> tuple[Any, ...]:
        """The running instances (namespaces mode): ``InstanceProcess`` objects, ``stop()``-able."""
        return tuple(self._instances)

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("not started")
        return self._server.address

    def invoke_urls(self, address: tuple[str, int] | None = None) -> list[InvokeUrl]:
        host, port = address or self.address
        single = len(self.apis) == 1
        result = []
        for api in self.apis:
            for stage in api.stages:
                urls = [f"http://{api.id}.execute-api.localhost:{port}/{stage.name}/"]
                urls.append(f"http://{host}:{port}/restapis/{api.id}/{stage.name}/_user_request_/")
                if single:
                    urls.insert(0, f"http://{host}:{port}/{stage.name}/")
                result.append(InvokeUrl(api.name, api.id, stage.name, tuple(urls)))
        return result

    def outputs(self) -> list[tuple[str, str, str]]:
        """(stack, output name, value) of every stack."""
        return [(s.name, name, o.value) for s in self.stacks for name, o in s.outputs.items()]


def _register_qualifiers(functions: FunctionService, stacks: Sequence[Stack]) -> None:
    """AWS::Lambda::Version and ::Alias: the qualifiers an integration URI may name (a stage
    variable such as ``${stageVariables.fn}`` = ``name:alias`` included); and the
    AWS::Lambda::EventInvokeConfig of each (replaced as a whole on a reload)."""
    for version in _models(stacks, VersionSpec):
        functions.add_version(version)
    for alias in _models(stacks, AliasSpec):
        functions.add_alias(alias)
    functions.set_event_invoke_configs(_models(stacks, EventInvokeConfig))
