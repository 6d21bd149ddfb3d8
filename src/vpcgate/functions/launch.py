"""The seam between "run this worker" and "where it runs": the Launcher protocol and the host launcher.

A worker is started from an argv and an environment. Where it runs is the launcher's business:

- ``HostLauncher`` runs it as it is, on the host's network, as vpcgate's own user.
- The network layer's launcher (a VPC-attached function) wraps the argv to enter the subnet's network
  namespace (``ip netns exec`` / ``nsenter``) and returns an unprivileged uid/gid to drop to.

The built-in runtimes talk to vpcgate over inherited pipes, which cross namespaces untouched. The
Runtime API of a ``provided`` runtime is TCP, so the launcher also makes its listening socket:
the host launcher binds 127.0.0.1; a namespace launcher creates the socket *inside* the namespace
(``setns`` into it from a helper thread, ``socket()`` + ``bind`` + ``listen``, ``setns`` back: a socket
stays in the namespace it was created in) and hands it back, and vpcgate's event loop serves it from
the host. The worker then reaches the Runtime API on its own loopback, as on AWS.

A launcher may also hand the worker descriptors of its own (``pass_fds``: the network layer's
launchers give each worker the mount namespace of its execution environment, named in its argv as
``/proc/self/fd/<n>``); the spawn passes them to that child alone and then calls ``spawned`` with
them, so the launcher closes its copies. The order of one start is ``command``, ``env``, ``user``,
``pass_fds``, spawn, ``spawned``, with nothing awaited before the spawn.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Protocol


class Launcher(Protocol):
    """How a worker process is started and how it reaches the Runtime API."""

    def command(self, argv: Sequence[str]) -> list[str]:
        """The argv to exec for ``argv`` (e.g. prefixed with a namespace entry command)."""
        ...

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The final environment for the worker, given the one Lambda would set."""
        ...

    def user(self) -> tuple[int, int] | None:
        """(uid, gid) to run the worker as, or None to keep vpcgate's own.

        Applied by Popen (setgid, setgroups([]), setuid), which the default asyncio loop supports but
        uvloop does not: a launcher meant to run under uvloop should drop privileges in ``command``
        instead (``setpriv --reuid U --regid G --clear-groups --``) and return None here.
        """
        ...

    def listen(self) -> tuple[socket.socket, str]:
        """A listening TCP socket the worker can reach, and the ``host:port`` it reaches it at."""
        ...

    def limits_memory(self) -> bool:
        """True when ``command`` itself sets RLIMIT_DATA (a confining launcher does, before it drops
        privileges: root's prlimit(2) on a worker already running as another uid is refused on this
        host); False and the worker sets it right after spawn."""
        ...

    def pass_fds(self) -> tuple[int, ...]:
        """Descriptors of this start's own for the child to inherit (at the same numbers)."""
        ...

    def spawned(self, fds: tuple[int, ...]) -> None:
        """The child of ``pass_fds`` == ``fds`` was spawned (or failed to be): close them."""
        ...


class HostLauncher:
    """Runs workers on the host as they are; the Runtime API listens on 127.0.0.1."""

    def command(self, argv: Sequence[str]) -> list[str]:
        return list(argv)

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return dict(env)

    def user(self) -> tuple[int, int] | None:
        return None

    def limits_memory(self) -> bool:
        return False

    def pass_fds(self) -> tuple[int, ...]:
        return ()

    def spawned(self, fds: tuple[int, ...]) -> None:
        pass

    def listen(self) -> tuple[socket.socket, str]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        host, port = sock.getsockname()[:2]
        return sock, f"{host}:{port}"
