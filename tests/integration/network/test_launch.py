"""Function launchers: workers enter their ENI as their own uid; a shared ENI keeps Runtime APIs apart."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.integration.functions.conftest import make_spec
from tests.integration.network.conftest import PROBE, Lab, needs_root
from vpcgate.functions.model import FunctionSpec, VpcConfig
from vpcgate.network.confine import UidAllocator
from vpcgate.network.launch import ConfinedHostLauncher, EniLauncher, FunctionLaunchers

pytestmark = needs_root


def _spec(name: str, vpc: VpcConfig | None) -> FunctionSpec:
    return make_spec(name, "python3.11", "", vpc_config=vpc)


async def _run(
    lab: Lab, launcher: EniLauncher | ConfinedHostLauncher, attempt: str, **kw: Any
) -> dict[str, Any]:
    argv = launcher.command([lab.python, "-I", "-c", PROBE, attempt, json.dumps(kw)])
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, env=launcher.env({"PATH": "/usr/bin:/bin"}), cwd="/"
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out
    result: dict[str, Any] = json.loads(out)
    return result


async def test_launchers_confine_workers_and_guard_runtime_api(lab: Lab) -> None:
    vpc = VpcConfig(("subnet-a2",), ("sg-fn",))
    fa, fb, fh = _spec("fa", vpc), _spec("fb", vpc), _spec("fh", None)
    launchers = FunctionLaunchers(lab.network, UidAllocator(2_000_300_000))
    await launchers.prepare([fa, fb, fh])
    la, lb, lh = launchers.launcher_for(fa), launchers.launcher_for(fb), launchers.launcher_for(fh)
    assert isinstance(la, EniLauncher) and isinstance(lb, EniLauncher) and la.eni == lb.eni
    assert isinstance(lh, ConfinedHostLauncher)
    assert la.user() is None

    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"runtime api of fa")
        await writer.drain()
        writer.close()

    sock, address = la.listen()
    server = await asyncio.start_server(reply, sock=sock)
    try:
        host, port = address.split(":")
        own = await _run(lab, la, "tcp", host=host, port=int(port))
        assert own["escaped"] and "runtime api of fa" in own["detail"], own
        other = await _run(lab, lb, "tcp", host=host, port=int(port))
        assert not other["escaped"], other
    finally:
        server.close()
        await server.wait_closed()

    assert (await _run(lab, la, "tcp", host="10.213.1.10", port=8080))["escaped"]
    assert not (await _run(lab, lh, "tcp", host="10.213.1.10", port=8080))["escaped"]
    for launcher in (la, lh):
        assert not (await _run(lab, launcher, "limits"))["escaped"]
        assert not (await _run(lab, launcher, "status"))["escaped"]
        assert not (await _run(lab, launcher, "setns", path="/proc/1/ns/net"))["escaped"]
