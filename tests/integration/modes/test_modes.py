"""``vpcgate up --network-mode ...`` as a real process: the mode chosen and printed, drop vs
``--network-reject``, guard mode's connect check in the Python and Node runtimes, and userns mode
run as ``nobody``.

Every address a function dials is inside namespaces the run creates, or (guard and userns modes,
whose host namespace has the host's routes) inside a range this test first makes unreachable in the
root namespace, so that a failing guard cannot send a packet off the machine. Root only where it
says so (skipped with the reason otherwise).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.modes.stack import (
    Up,
    open_dir,
    run_once,
    running_up,
    up_argv,
    world_python,
    write_template,
)
from vpcgate.network.enforce.nft import nft_available
from vpcgate.network.mode import GUARD_WARNING

ROOT = os.geteuid() == 0
PYTHON = world_python()
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def _namespace_skip() -> str | None:
    if not ROOT:
        return f"namespace mode needs root (euid is {os.geteuid()})"
    if shutil.which("ip") is None or not nft_available():
        return "iproute2 and nftables are needed"
    return None


def _common_skip() -> str | None:
    if PYTHON is None:
        return "no python3 that every uid may run"
    if shutil.which("node") is None:
        return "node is not installed"
    return None


COMMON = _common_skip()
NAMESPACE = _namespace_skip() or COMMON
pytestmark = pytest.mark.skipif(COMMON is not None, reason=COMMON or "")
needs_namespaces = pytest.mark.skipif(NAMESPACE is not None, reason=NAMESPACE or "")


@contextmanager
def unreachable(octet: int) -> Iterator[None]:
    """10.<octet>.0.0/16 unreachable in the root namespace while the test runs (root only)."""
    if not ROOT:
        pytest.skip("the test needs root to make its VPC range unreachable on the host first")
    route = ["unreachable", f"10.{octet}.0.0/16", "metric", "4242"]
    subprocess.run(["ip", "route", "add", *route], check=True)
    try:
        yield
    finally:
        subprocess.run(["ip", "route", "del", *route], check=False)


def _start(octet: int, where: Path, *options: str, prefix: tuple[str, ...] = ()) -> list[str]:
    assert PYTHON is not None
    return [*prefix, *up_argv(write_template(where, octet, PYTHON), where, *options)]


def _reaches_web(up: Up, octet: int) -> None:
    for function in ("PyFn", "NodeFn"):
        result = up.invoke_until_ok(function, {"host": f"10.{octet}.1.10", "port": 8080})
        assert result["ok"] and result["head"].startswith("HTTP/1.0 200"), (function, result)


def _dropped(result: dict[str, object]) -> None:
    assert not result["ok"] and result["code"] == "ETIMEDOUT", result
    assert float(str(result["elapsed"])) >= 0.9, result


def _refused(result: dict[str, object]) -> None:
    assert not result["ok"] and result["code"] in (111, "ECONNREFUSED"), result
    assert float(str(result["elapsed"])) < 0.5, result


@needs_namespaces
def test_auto_as_root_is_namespace_mode_and_drops_as_aws() -> None:
    with open_dir() as where, running_up(_start(232, where)) as up:
        assert up.mode_line() == (
            "network mode: namespace (running as root: VPCs are network namespaces, security groups nftables)"
        )
        _reaches_web(up, 232)
        for function in ("PyFn", "NodeFn"):
            _dropped(up.invoke(function, {"host": "10.232.1.20", "port": 8080, "timeout": 1}))
        outside = up.invoke("OutFn", {"host": "10.232.1.10", "port": 8080, "timeout": 1})
        assert not outside["ok"] and outside["code"] == 113, outside  # EHOSTUNREACH: unreachable route


@needs_namespaces
def test_network_reject_fails_fast() -> None:
    options = ("--network-mode", "namespaces", "--network-reject")  # the older spelling is accepted
    with open_dir() as where, running_up(_start(234, where, *options)) as up:
        assert up.mode_line().startswith("network mode: namespace (")
        _reaches_web(up, 234)
        for function in ("PyFn", "NodeFn"):
            _refused(up.invoke(function, {"host": "10.234.1.20", "port": 8080, "timeout": 1}))


def test_guard_mode_checks_connects_in_python_and_node() -> None:
    with (
        unreachable(231),
        open_dir() as where,
        running_up(_start(231, where, "--network-mode", "guard")) as up,
    ):
        assert up.mode_line() == f"network mode: guard (asked for; {GUARD_WARNING})"
        _reaches_web(up, 231)
        for function in ("PyFn", "NodeFn"):
            # Db admits nothing; an instance's loopback alias is not an address to dial either
            _refused(up.invoke(function, {"host": "10.231.1.20", "port": 8080}))
            _refused(up.invoke(function, {"host": "127.231.1.10", "port": 8080}))
            _refused(up.invoke(function, {"host": "10.231.1.10", "port": 8081}))
        _refused(up.invoke("OutFn", {"host": "10.231.1.10", "port": 8080}))


def test_userns_mode_as_nobody() -> None:
    with unreachable(233), open_dir() as where, running_up(_start(233, where, prefix=tuple(AS_NOBODY))) as up:
        line = up.mode_line()
        if not line.startswith("network mode: userns ("):
            reason = line.split("userns mode: ", 1)[-1].split(". guard mode", 1)[0]
            print(f"userns mode unavailable: {reason}")
            pytest.skip(f"userns mode unavailable: {reason}")
        assert line == (
            "network mode: userns (not running as root (euid 65534); unprivileged user and network"
            " namespaces are allowed)"
        )
        _reaches_web(up, 233)
        _dropped(up.invoke("PyFn", {"host": "10.233.1.20", "port": 8080, "timeout": 1}))
        _dropped(up.invoke("NodeFn", {"host": "10.233.1.20", "port": 8080, "timeout": 1}))
        # outside every VPC: the host's namespace is not ours, the runtime's guard refuses
        _refused(up.invoke("OutFn", {"host": "10.233.1.10", "port": 8080}))


def test_host_mode_when_nothing_to_isolate_and_clear_errors() -> None:
    with open_dir() as where:
        plain = where / "plain.json"
        resource = {"Type": "AWS::SNS::Topic", "Properties": {}}
        plain.write_text(json.dumps({"Resources": {"Topic": resource}}))
        plain.chmod(0o644)
        with running_up(up_argv(plain, where)) as up:
            assert up.mode_line() == (
                "network mode: host (the templates define no VPC, subnet, instance or VpcConfig:"
                " nothing to isolate)"
            )
        wrong = run_once(up_argv(plain, where, "--network-mode", "bridge"))
        assert wrong.returncode == 2 and "'bridge' is not one of" in wrong.stderr
        if ROOT:
            assert PYTHON is not None
            refused = run_once(AS_NOBODY + _start(235, where, "--network-mode", "namespace"))
            assert refused.returncode == 1, refused
            assert "--network-mode namespace is not available: not running as root" in refused.stderr
            assert "Traceback" not in refused.stderr
