"""Launchers (the ``vpcgate.functions.launch.Launcher`` protocol) for confined function workers.

- :class:`EniLauncher`: a VPC-attached function's worker enters its ENI's namespace (``nsenter``),
  then ``setpriv`` drops it to the function's own uid and gid with no groups, no capabilities (the
  bounding set emptied too) and ``no_new_privs``. Everything happens in ``command()``, and ``user()``
  is None: subprocess's own ``user=`` would keep root's supplementary groups and would run before the
  namespace is entered (which needs root).
- :class:`ConfinedHostLauncher`: a function without VpcConfig keeps the host's network (as a Lambda
  outside a VPC has the internet) but still runs as its own unprivileged uid.

With private mounts (root, not user-namespace mode: ``mounts.py``), each worker (an execution
environment) gets a mount namespace of its own (a /tmp of the function's EphemeralStorage size, a
``hidepid=invisible`` /proc), as Lambda gives each execution environment its own /tmp:
https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
``command()`` reserves a :class:`~vpcgate.network.mounts.NamespaceSeat` and names it
(``nsenter --mount=/proc/self/fd/<n>``), then a ``/bin/sh`` goes back to the function's code
directory (``LAMBDA_TASK_ROOT``, the worker's working directory on Lambda too) by path. The code
directory is known only when ``env()`` sees ``LAMBDA_TASK_ROOT``, so the namespace is made there
(binding it back if it lies under /tmp); ``pass_fds()`` hands the seat to the spawn and
``spawned(fds)`` closes vpcgate's copy once the child exists. The worker keeps the inherited
descriptor of its own namespace: harmless, entering a mount namespace needs CAP_SYS_ADMIN, which
it lacks, and it is the one it is in (``/bin/sh`` cannot close a descriptor above 9).

The Runtime API socket (``listen()``) of an ENI worker is created inside the ENI's namespace, so the
worker reaches it on its own 127.0.0.1. Workers of several functions share an ENI (same subnet and
groups), so each Runtime API port is guarded in that namespace's ``inet vpcgate`` output chain:
a connection to a local address on that port from any other uid is rejected. Code in the namespace
runs without CAP_NET_ADMIN, so it cannot change the chain. The chain is rebuilt from the live
sockets on every ``listen()`` (closed ones drop out).
"""

from __future__ import annotations

import shutil
import socket
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vpcgate.functions.model import FunctionSpec
from vpcgate.network.confine import Confinement, UidAllocator, reachable_by_others
from vpcgate.network.enforce import netns
from vpcgate.network.enforce.namespaces import Eni, NamespaceNetwork
from vpcgate.network.enforce.nft import Nft
from vpcgate.network.enforce.ruleset import TABLE
from vpcgate.network.errors import NetworkError
from vpcgate.network.mounts import DEFAULT_TMP_MB, MountNamespace, NamespaceSeat, under_tmp

# setns(CLONE_NEWNS) leaves nsenter at the namespace's root; a descriptor-based --wd would be a
# tunnel into the host's tree, so the worker's directory is re-entered by path
CHDIR_TASK_ROOT = ["/bin/sh", "-c", 'cd -- "${LAMBDA_TASK_ROOT:-/}" && exec "$@"', "lambda-worker"]
TASK_ROOT = "LAMBDA_TASK_ROOT"


def code_paths(spec: FunctionSpec) -> list[Path]:
    """Where a function's code is read from on the host, as the spec says (a folder or a .zip)."""
    path = spec.code.path
    if path is None:
        return []
    if not path.is_absolute() and spec.template_dir is not None:
        path = spec.template_dir / path
    return [path if path.suffix != ".zip" else path.parent]


class FunctionMounts:
    """One function's mount namespaces: a fresh one for each worker, handed to that worker alone.

    Per start, in this order (``Worker._spawn`` calls them without awaiting in between):
    ``nsenter_option()`` (from ``command()``) reserves a seat, ``prepare()`` (from ``env()``) fills
    it, ``hand_over()`` (``pass_fds()``) gives its descriptor to the spawn, and ``spawned(fds)``
    closes it. A seat reserved but never handed over is closed by the next reservation.
    """

    def __init__(
        self, keep: Iterable[Path] = (), tmp_mb: int = DEFAULT_TMP_MB, net: Path | None = None
    ) -> None:
        self._keep = tuple(keep)
        self._tmp_mb = tmp_mb
        self._net = net
        self._pending: NamespaceSeat | None = None
        self._handed: dict[int, NamespaceSeat] = {}

    def nsenter_option(self) -> str:
        """Reserve the next worker's seat; the option that makes its ``nsenter`` open it."""
        if self._pending is not None:
            self._pending.close()
        self._pending = NamespaceSeat()
        return f"--mount={self._pending.child_path}"

    def prepare(self, code_dir: str | None) -> None:
        """Make the reserved seat's namespace, binding ``code_dir`` back if it lies under /tmp."""
        seat = self._pending
        if seat is None:
            return
        if code_dir:
            wanted = [w for w in under_tmp([Path(code_dir)]) if w not in self._keep]
            self._keep = (*self._keep, *wanted)
        seat.fill(MountNamespace.create(self._keep, self._tmp_mb, self._net))

    def hand_over(self) -> tuple[int, ...]:
        """The reserved seat's descriptor, for the spawn to pass on (then ``spawned`` closes it)."""
        seat, self._pending = self._pending, None
        if seat is None:
            return ()
        self._handed[seat.fd] = seat
        return (seat.fd,)

    def spawned(self, fds: Iterable[int]) -> None:
        """The child exists (or could not be spawned): close vpcgate's copy of its seat."""
        for fd in fds:
            seat = self._handed.pop(fd, None)
            if seat is not None:
                seat.close()

    def close(self) -> None:
        """Close any seat still held (running workers keep their namespaces)."""
        self.spawned(list(self._handed))
        if self._pending is not None:
            self._pending.close()
            self._pending = None


def _check_reachable(argv: Sequence[str], confinement: Confinement) -> None:
    """A clear error, instead of the worker's bare EACCES, when its program is out of the uid's reach."""
    if confinement.keep_ids or not argv:
        return
    program = shutil.which(argv[0]) or argv[0]
    if not reachable_by_others(Path(program)):
        raise NetworkError(
            f"{program} cannot be run by the function's unprivileged uid {confinement.uid}: a directory"
            " above it is not world-traversable (install the runtime system-wide, or chmod o+x the path)"
        )


def _listen_here() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    return sock


def _sorted(owners: Mapping[int, int]) -> list[tuple[int, int]]:
    return sorted(owners.items())


def _open(ref: weakref.ref[socket.socket]) -> bool:
    sock = ref()
    return sock is not None and sock.fileno() >= 0


@dataclass
class RuntimePortGuard:
    """The per-ENI-namespace table that keeps each Runtime API port to its function's uid."""

    eni: Eni
    nft: Nft
    _owners: dict[int, tuple[weakref.ref[socket.socket], int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def guard(self, sock: socket.socket, uid: int) -> None:
        with self._lock:
            self._owners[sock.getsockname()[1]] = (weakref.ref(sock), uid)
            self._owners = {p: (ref, u) for p, (ref, u) in self._owners.items() if _open(ref)}
            live = {p: u for p, (_, u) in self._owners.items()}
            self.nft.run(self.render(live), self.eni.netns_name)

    @staticmethod
    def render(owners: Mapping[int, int]) -> str:
        lines = [
            f"add table inet {TABLE}",
            f"delete table inet {TABLE}",
            f"table inet {TABLE} {{",
            "  chain output {",
            "    type filter hook output priority filter; policy accept;",
            *(
                f"    fib daddr type local tcp dport {p} meta skuid != {u} reject"
                for p, u in sorted(owners.items())
            ),
            "  }",
            "}",
        ]
        return "\n".join(lines) + "\n"


class _Confined:
    """What both confining launchers do alike: a fresh mount namespace for each start (when private
    mounts are on) handed to that one child, and RLIMIT_DATA set in ``command()``."""

    confinement: Confinement
    mounts: FunctionMounts | None

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        if self.mounts is not None:
            self.mounts.prepare(env.get(TASK_ROOT))
        return dict(env)

    def pass_fds(self) -> tuple[int, ...]:
        return self.mounts.hand_over() if self.mounts is not None else ()

    def spawned(self, fds: tuple[int, ...]) -> None:
        if self.mounts is not None:
            self.mounts.spawned(fds)

    def limits_memory(self) -> bool:
        return self.confinement.memory_mb is not None


@dataclass
class EniLauncher(_Confined):
    """Starts a function's workers inside its ENI, as the function's own unprivileged uid."""

    eni: Eni
    confinement: Confinement
    guard: RuntimePortGuard
    mounts: FunctionMounts | None = None

    def command(self, argv: Sequence[str]) -> list[str]:
        _check_reachable(argv, self.confinement)
        if self.mounts is None:
            return ["nsenter", f"--net={self.eni.netns}", "--", *self.confinement.wrap_argv(list(argv))]
        # no ``ip netns exec`` inside: the namespace already has the ENI's /sys
        enter = ["nsenter", f"--net={self.eni.netns}", self.mounts.nsenter_option(), "--"]
        drop = replace(self.confinement, netns=None)
        return [*enter, *drop.wrap_argv([*CHDIR_TASK_ROOT, *argv])]

    def user(self) -> tuple[int, int] | None:
        return None  # dropped by setpriv in command(), after the namespace is entered

    def listen(self) -> tuple[socket.socket, str]:
        sock = netns.call_in(self.eni.netns, _listen_here)
        self.guard.guard(sock, self.confinement.uid)
        host, port = sock.getsockname()[:2]
        return sock, f"{host}:{port}"


@dataclass
class ConfinedHostLauncher(_Confined):
    """The host's network (no VpcConfig), the function's own unprivileged uid."""

    confinement: Confinement
    mounts: FunctionMounts | None = None

    def command(self, argv: Sequence[str]) -> list[str]:
        _check_reachable(argv, self.confinement)
        if self.mounts is None:
            return self.confinement.wrap_argv(list(argv))
        enter = ["nsenter", self.mounts.nsenter_option(), "--"]
        return [*enter, *self.confinement.wrap_argv([*CHDIR_TASK_ROOT, *argv])]

    def user(self) -> tuple[int, int] | None:
        return None

    def listen(self) -> tuple[socket.socket, str]:
        sock = _listen_here()
        host, port = sock.getsockname()[:2]
        return sock, f"{host}:{port}"


class FunctionLaunchers:
    """One launcher per function: its ENI (if it has a VpcConfig) and its own uid.

    ``FunctionsService(launcher_for=launchers.launcher_for)`` takes a synchronous callable, so ENIs
    are made beforehand: ``await launchers.prepare(specs)`` after ``network.start()``.
    ``private_mounts`` (root, not user-namespace mode): a mount namespace per worker (made when its
    ``env()`` is asked for); ``close()`` releases any not yet handed to a worker.
    """

    def __init__(
        self,
        network: NamespaceNetwork,
        uids: UidAllocator | None = None,
        nft: Nft | None = None,
        *,
        private_mounts: bool = False,
    ) -> None:
        self._network = network
        self._uids = uids or UidAllocator()
        self._nft = nft or Nft()
        self._enis: dict[str, Eni] = {}
        self._guards: dict[str, RuntimePortGuard] = {}
        self._private_mounts = private_mounts
        self._mounts: dict[str, FunctionMounts] = {}

    async def prepare(self, specs: Iterable[FunctionSpec]) -> None:
        """Create (or find) the ENI of every function that has a VpcConfig."""
        for spec in specs:
            eni = await self._network.eni_for_function(spec)
            if eni is not None:
                self._enis[spec.name] = eni
                self._guards.setdefault(eni.eni_id, RuntimePortGuard(eni, self._nft))

    def launcher_for(self, spec: FunctionSpec) -> EniLauncher | ConfinedHostLauncher:
        if spec.vpc_config is None:
            confinement = self._uids.confinement(spec.name, lambda_limits=True, memory_mb=spec.memory_mb)
            return ConfinedHostLauncher(confinement, self._mounts_for(spec, None))
        eni = self._enis.get(spec.name)
        if eni is None:
            raise NetworkError(f"{spec.name}: its ENI was not prepared (call prepare() after start())")
        confinement = self._uids.confinement(
            spec.name, eni.netns, lambda_limits=True, memory_mb=spec.memory_mb
        )
        mounts = self._mounts_for(spec, eni.netns)
        return EniLauncher(eni, confinement, self._guards[eni.eni_id], mounts)

    def _mounts_for(self, spec: FunctionSpec, net: Path | None) -> FunctionMounts | None:
        if not self._private_mounts:
            return None
        if spec.name not in self._mounts:
            self._mounts[spec.name] = FunctionMounts(code_paths(spec), spec.ephemeral_storage_mb, net)
        return self._mounts[spec.name]

    def close(self) -> None:
        """Release the namespaces not yet handed to a worker (running workers keep theirs)."""
        for mounts in self._mounts.values():
            mounts.close()
        self._mounts.clear()
