"""Which runtime ids vpcgate runs, and how each one's worker is started.

Runtime ids follow https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (deprecated ids
included: templates of their day still use them). Every ``pythonX.Y`` runs on the interpreter vpcgate
runs on and every ``nodejsX`` on the ``node`` on PATH: the ids choose behaviour, not a binary. The one
behaviour that differs by generation is Node's default HTTP agent (keep-alive since Node 19), so
``nodejs4.3`` … ``nodejs18.x`` keep the old agent; see ``node_bootstrap.js``.

The built-in bootstraps are files next to this module: ``python_bootstrap.py`` and
``node_bootstrap.js``. ``provided*`` runs the function's own ``bootstrap`` against the Runtime API.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from vpcgate.errors import ConfigError
from vpcgate.network.confine import reachable_by_others

HERE = Path(__file__).resolve().parent
PYTHON_BOOTSTRAP = HERE / "python_bootstrap.py"
NODE_BOOTSTRAP = HERE / "node_bootstrap.js"

_PYTHON = re.compile(r"^python(\d)\.(\d+)$")
_NODE = re.compile(r"^nodejs(\d+)(?:\.\d+|\.x)?$")
_PROVIDED = ("provided", "provided.al2", "provided.al2023")
_FIRST_KEEPALIVE_NODE = 19


class Family(Enum):
    PYTHON = "python"
    NODE = "nodejs"
    PROVIDED = "provided"


@dataclass(frozen=True)
class RuntimeInfo:
    """A runtime id and what it implies."""

    id: str
    family: Family
    legacy_http_agent: bool = False

    @property
    def source_file(self) -> str:
        """The file name inline code (Code.ZipFile) is written to, as AWS does."""
        return {Family.PYTHON: "index.py", Family.NODE: "index.js"}.get(self.family, "bootstrap")


def resolve_runtime(runtime_id: str | None) -> RuntimeInfo:
    """The RuntimeInfo for ``runtime_id``; ConfigError for ids vpcgate cannot run."""
    if runtime_id is None:
        raise ConfigError("functions without a Runtime (container images) are not supported")
    if _PYTHON.match(runtime_id):
        return RuntimeInfo(runtime_id, Family.PYTHON)
    node = _NODE.match(runtime_id)
    if node:
        major = int(node.group(1))
        return RuntimeInfo(runtime_id, Family.NODE, legacy_http_agent=major < _FIRST_KEEPALIVE_NODE)
    if runtime_id in _PROVIDED:
        return RuntimeInfo(runtime_id, Family.PROVIDED)
    raise ConfigError(f"unsupported runtime {runtime_id!r}")


@cache
def node_executable() -> str:
    """The real ``node`` binary, looked up once."""
    found = shutil.which("node")
    if found is None:
        raise ConfigError("the nodejs runtimes need `node` on PATH")
    return str(Path(found).resolve())


@cache
def python_executable() -> str:
    """The interpreter Python workers run on: the one vpcgate runs on (``sys.executable``, real, never
    a version-manager shim) when any uid may execute it; else a system interpreter of the same
    version (``/usr/bin/python3.11``), else ``/usr/bin/python3``.

    Why: in namespaces mode a function runs as its own unprivileged uid, and an interpreter under a
    0700 home (a pyenv in /root, which a venv's ``bin/python`` links to) is out of its reach. The
    bootstrap runs with ``-I -S`` on the standard library only, so any CPython 3 of the same version
    serves it alike. Found none: ``sys.executable``, and the confined launcher says why it cannot run.
    """
    if reachable_by_others(Path(sys.executable)):
        return sys.executable
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/python{version}", f"/usr/local/bin/python{version}", "/usr/bin/python3"):
        if reachable_by_others(Path(candidate)):
            return str(Path(candidate).resolve())
    return sys.executable


def builtin_argv(info: RuntimeInfo, rfd: int, wfd: int) -> list[str]:
    """The argv of a built-in runtime's worker, reading frames on ``rfd`` and writing on ``wfd``."""
    if info.family is Family.PYTHON:
        return [python_executable(), "-I", "-S", "-B", str(PYTHON_BOOTSTRAP), str(rfd), str(wfd)]
    if info.family is Family.NODE:
        agent = "legacy-agent" if info.legacy_http_agent else "default-agent"
        return [node_executable(), str(NODE_BOOTSTRAP), str(rfd), str(wfd), agent]
    raise ValueError(f"{info.id} has no built-in bootstrap")
