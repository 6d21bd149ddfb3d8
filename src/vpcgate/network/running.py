"""The network of one ``vpcgate up`` run, in the mode chosen: what ``App`` starts and stops.

Modes (``--network-mode``; ``mode.py`` decides what ``auto`` becomes and why):

- ``host``: no isolation; instances are not started (their private addresses do not exist here).
  ``auto`` picks it too when the templates define nothing to isolate (no VPC, subnet, instance or
  VpcConfig): nothing would differ but the cost of confinement.
- ``namespace`` (root; ``namespaces``, the older spelling, is the same): VPCs are network
  namespaces, security groups nftables (``enforce/namespaces.py``), instances and workers confined.
- ``userns`` (not root): the same namespaces inside a user namespace of our own; the process must
  have entered it (:func:`enter_for`) before any thread started. The host's namespace is not ours
  (no unreachable routes there), so functions without VpcConfig get the built-in runtimes' connect
  guard with an empty allow table: they reach no VPC. vpcgate's own process and ``provided``
  runtimes are not guarded (an ``ip route add unreachable CIDR`` by root once closes that).
- ``guard`` (neither): instances listen on loopback aliases (``guard.py``), and the built-in
  runtimes check every connect against the function's allow table (``GuardLauncher`` hands it over
  in ``VPCGATE_GUARD``). Weaker, and announced so (``mode.GUARD_WARNING``). A refused connection
  always fails at once here, whatever ``--network-reject`` says: there is no packet to drop. An
  instance's UserData gets ``HOST`` (its alias) and must listen there or on every address; a
  ``provided`` runtime's own bootstrap is not checked (a warning says so).

Private mounts (``mounts.py``): in ``namespace`` mode every function worker and instance gets a
mount namespace of its own (its own /tmp, a /proc showing only its own processes). Not in
``userns`` mode (a procfs mount with options needs the host PID namespace's owner), nor ``guard`` or
``host`` mode (no such confinement there: processes share the host's /tmp and /proc, as before).

Drop or reject: AWS's security groups drop what they do not allow (a client times out); ``reject``
(``--network-reject``) answers with a TCP reset / ICMP unreachable instead, for fast failures.

Errors::

    VpcgateError
    ├── ConfigError      a mode this host cannot give (``mode.choose_mode`` says why), or userns
    │                    mode asked for after a thread started
    ├── NetworkError     the namespaces could not be built
    └── DeployError      a function's VpcConfig names an unknown subnet or group
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpcgate.errors import ConfigError
from vpcgate.functions.launch import HostLauncher, Launcher
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.confine import Confinement, UidAllocator
from vpcgate.network.guard import Guard
from vpcgate.network.mode import choose_mode
from vpcgate.network.model import Instance, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess

if TYPE_CHECKING:  # root-only machinery, imported at run time only when a mode needs it
    from vpcgate.network.enforce.namespaces import NamespaceNetwork
    from vpcgate.network.launch import FunctionLaunchers

log = logging.getLogger("vpcgate.network")

HOST = "host"
NAMESPACE = "namespace"
USERNS = "userns"
GUARD = "guard"
AUTO = "auto"
CHOICES = (AUTO, NAMESPACE, "namespaces", USERNS, GUARD, HOST)
GUARD_ENV = "VPCGATE_GUARD"

LauncherFor = Callable[[FunctionSpec], Launcher]


def normalize(requested: str) -> str:
    """``namespaces`` (the older spelling) is ``namespace``."""
    return NAMESPACE if requested == "namespaces" else requested


def needs_network(models: Iterable[object]) -> bool:
    """Do the deployed resources define anything a network mode isolates?"""
    for model in models:
        if isinstance(model, Vpc | Subnet | Instance | SecurityGroup):
            return True
        if isinstance(model, FunctionSpec) and model.vpc_config is not None:
            return True
    return False


def resolve(requested: str, models: Iterable[object]) -> tuple[str, str]:
    """(mode, reason) for ``--network-mode requested`` and these deployed models."""
    requested = normalize(requested)
    if requested == HOST:
        return HOST, "asked for: no VPC isolation, instances are not started"
    if requested == AUTO and not needs_network(models):
        return HOST, "the templates define no VPC, subnet, instance or VpcConfig: nothing to isolate"
    return choose_mode(requested)


def enter_for(mode: str) -> None:
    """What the process must do before any thread starts: userns mode enters its user namespace."""
    if mode != USERNS:
        return
    from vpcgate.network.userns import enter_userns, in_userns

    if not in_userns():
        enter_userns()


@dataclass(frozen=True)
class PlacedInstance:
    """An instance and the directory its UserData runs in (its template's)."""

    instance: Instance
    cwd: Path


@dataclass
class GuardLauncher:
    """Guard mode's launcher: the host's network, the function's allow table in its environment.

    As root, the worker also runs as the function's own uid (``setpriv``), as in namespace mode;
    otherwise as vpcgate's user (a non-root process cannot drop to another uid).
    """

    table: str
    confinement: Confinement | None = None

    def command(self, argv: Sequence[str]) -> list[str]:
        return self.confinement.wrap_argv(list(argv)) if self.confinement else list(argv)

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {**env, GUARD_ENV: self.table}

    def user(self) -> tuple[int, int] | None:
        return None

    def limits_memory(self) -> bool:
        return self.confinement is not None and self.confinement.memory_mb is not None

    def pass_fds(self) -> tuple[int, ...]:
        return ()

    def spawned(self, fds: tuple[int, ...]) -> None:
        pass

    def listen(self) -> Any:
        return HostLauncher().listen()


@dataclass
class _GuardedEnv:
    """Another launcher, with an allow table in the worker's environment (userns mode, no VpcConfig)."""

    inner: Launcher
    table: str

    def command(self, argv: Sequence[str]) -> list[str]:
        return self.inner.command(argv)

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {**self.inner.env(env), GUARD_ENV: self.table}

    def user(self) -> tuple[int, int] | None:
        return self.inner.user()

    def limits_memory(self) -> bool:
        return self.inner.limits_memory()

    def pass_fds(self) -> tuple[int, ...]:
        return self.inner.pass_fds()

    def spawned(self, fds: tuple[int, ...]) -> None:
        self.inner.spawned(fds)

    def listen(self) -> Any:
        return self.inner.listen()


class StackNetwork:
    """Builds the mode's network, starts the instances, gives ``launcher_for``; ``stop()`` undoes it."""

    def __init__(self, mode: str, *, reject: bool = False) -> None:
        mode = normalize(mode)
        if mode not in (NAMESPACE, USERNS, GUARD):
            raise ConfigError(f"no network to build in {mode!r} mode")
        self.mode = mode
        self.reject = reject
        self.instances: list[InstanceProcess] = []
        self._network: NamespaceNetwork | None = None
        self._launchers: FunctionLaunchers | None = None

    @property
    def namespaces(self) -> NamespaceNetwork | None:
        """The running ``NamespaceNetwork`` (namespace and userns modes; None in guard mode or before
        ``start``): ``eni_for(subnet_ids, group_ids)`` gives VPC links their interface."""
        return self._network

    async def start(
        self, models: Sequence[object], instances: Sequence[PlacedInstance], specs: Sequence[FunctionSpec]
    ) -> LauncherFor:
        topology = Topology.from_models(models)
        for spec in specs:
            topology.check_vpc_config(spec)
        try:
            if self.mode == GUARD:
                return await self._start_guard(topology, instances)
            return await self._start_namespaces(topology, instances, specs)
        except BaseException:
            await self.stop()
            raise

    async def _start_namespaces(
        self, topology: Topology, instances: Sequence[PlacedInstance], specs: Sequence[FunctionSpec]
    ) -> LauncherFor:
        # Root-only machinery, imported on demand so host and guard modes never load it.
        from vpcgate.network.enforce.namespaces import NamespaceNetwork
        from vpcgate.network.launch import FunctionLaunchers

        userns = self.mode == USERNS
        network = NamespaceNetwork(topology, reject=self.reject, userns=userns)
        await network.start()
        self._network = network
        uids = UidAllocator(keep_ids=userns)
        for placed in instances:
            iid = placed.instance.instance_id
            confinement = uids.confinement(f"instance-{iid}", network.instance_netns(iid))
            process = InstanceProcess(
                placed.instance, confinement=confinement, cwd=placed.cwd, private_mounts=not userns
            )
            await self._start_instance(process)
        launchers = FunctionLaunchers(network, uids, private_mounts=not userns)
        self._launchers = launchers
        await launchers.prepare(specs)
        if not userns:
            return launchers.launcher_for
        # No unreachable routes in a host namespace that is not ours: a function outside every VPC
        # would reach a VPC's range on the host's routes, so its runtime's connect guard refuses it.
        outside = json.dumps({"vpc_cidrs": [str(v.cidr) for v in topology.vpcs.values()], "allow": {}})

        def launcher_for(spec: FunctionSpec) -> Launcher:
            launcher = launchers.launcher_for(spec)
            return launcher if spec.vpc_config is not None else _GuardedEnv(launcher, outside)

        return launcher_for

    async def _start_guard(self, topology: Topology, instances: Sequence[PlacedInstance]) -> LauncherFor:
        guard = Guard(topology)
        root = os.geteuid() == 0
        uids = UidAllocator(keep_ids=not root)
        for placed in instances:
            iid = placed.instance.instance_id
            env = {**os.environ, **guard.instance_env(placed.instance)}
            confinement = uids.confinement(f"instance-{iid}")
            process = InstanceProcess(placed.instance, confinement=confinement, cwd=placed.cwd, env=env)
            await self._start_instance(process)
            log.info("%s: guard mode: listens on %s", iid, env["HOST"])

        def launcher_for(spec: FunctionSpec) -> Launcher:
            if (spec.runtime or "").startswith("provided"):
                log.warning("%s: guard mode cannot check a provided runtime's connections", spec.name)
            table = json.dumps(guard.table(spec), separators=(",", ":"))
            confinement = (
                uids.confinement(spec.name, lambda_limits=True, memory_mb=spec.memory_mb) if root else None
            )
            return GuardLauncher(table, confinement)

        return launcher_for

    async def _start_instance(self, process: InstanceProcess) -> None:
        self.instances.append(process)
        await process.start()

    async def stop(self) -> None:
        """Stop the instances (process groups), then tear the namespaces down."""
        for process in self.instances:
            await process.stop()
        if self._launchers is not None:
            self._launchers.close()
            self._launchers = None
        if self._network is not None:
            network, self._network = self._network, None
            await network.stop()
