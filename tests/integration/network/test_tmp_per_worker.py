"""A /tmp (and /dev/shm) per execution environment: each worker of a function gets its own.

Lambda: ephemeral storage "is temporary and unique to each execution environment"
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html). Through the
real service (pool, workers, ``FunctionLaunchers`` with private mounts, root): two concurrent
invocations run in two workers and see only their own files; the next invocation, on a warm worker,
still sees what that worker wrote before; the size follows the function's EphemeralStorage. Nothing
is ever mounted on the host.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.functions.conftest import make_spec
from tests.integration.network.conftest import Lab, host_mounts, needs_root
from vpcgate.functions.model import FunctionSpec, VpcConfig
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.network.confine import UidAllocator
from vpcgate.network.launch import TASK_ROOT, FunctionLaunchers
from vpcgate.network.mounts import PACKAGE_DIR, under_tmp

pytestmark = needs_root

OWN_TMP = [path.name for path in under_tmp([PACKAGE_DIR])]  # vpcgate's checkout, if under /tmp

PYTHON = """
import os, time
def handler(event, context):
    open("/tmp/" + event["marker"], "w").write("x")
    open("/dev/shm/" + event["marker"], "w").write("x")
    time.sleep(event["sleep"])
    st = os.statvfs("/tmp")
    return {"pid": os.getpid(), "tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm")),
            "tmp_mb": st.f_blocks * st.f_frsize // 2**20}
"""

NODE = """
const fs = require("fs");
exports.handler = async (event) => {
  fs.writeFileSync("/tmp/" + event.marker, "x");
  fs.writeFileSync("/dev/shm/" + event.marker, "x");
  await new Promise((resolve) => setTimeout(resolve, event.sleep * 1000));
  return { pid: process.pid, tmp: fs.readdirSync("/tmp").sort(), shm: fs.readdirSync("/dev/shm").sort() };
};
"""


@pytest.fixture
async def launchers(lab: Lab) -> AsyncIterator[FunctionLaunchers]:
    found = FunctionLaunchers(lab.network, UidAllocator(2_000_900_000), private_mounts=True)
    try:
        yield found
    finally:
        found.close()


async def _service(launchers: FunctionLaunchers, outside_tmp: Path, spec: FunctionSpec) -> FunctionService:
    await launchers.prepare([spec])
    service = FunctionService(
        ServiceConfig(work_dir=outside_tmp), launcher_for=launchers.launcher_for, log_sink=None
    )
    service.deploy(spec)
    return service


async def _call(service: FunctionService, name: str, marker: str, sleep: float) -> dict[str, Any]:
    payload = json.dumps({"marker": marker, "sleep": sleep}).encode()
    result = await asyncio.wait_for(service.invoke(name, payload), 30)
    assert result.function_error is None, (result.payload, result.log)
    answer: dict[str, Any] = json.loads(result.payload)
    return answer


@pytest.mark.parametrize(
    ("runtime", "source", "vpc"),
    [
        ("python3.11", PYTHON, VpcConfig(("subnet-a1",), ("sg-fn",))),
        ("python3.11", PYTHON, None),
        ("nodejs20.x", NODE, VpcConfig(("subnet-a1",), ("sg-fn",))),
    ],
    ids=["python-vpc", "python-no-vpc", "node-vpc"],
)
async def test_concurrent_invocations_have_their_own_tmp_and_a_warm_worker_keeps_its_own(
    launchers: FunctionLaunchers,
    outside_tmp: Path,
    runtime: str,
    source: str,
    vpc: VpcConfig | None,
) -> None:
    spec = make_spec(f"tmpenv-{runtime[:4]}", runtime, source, vpc_config=vpc)
    service = await _service(launchers, outside_tmp, spec)  # an ENI's namespace is mounted: before
    before = host_mounts()
    try:
        one, two = f"m-{uuid.uuid4().hex}", f"m-{uuid.uuid4().hex}"
        first, second = await asyncio.gather(
            _call(service, spec.name, one, 0.4), _call(service, spec.name, two, 0.4)
        )
        assert first["pid"] != second["pid"]  # two execution environments
        assert first["tmp"] == sorted([one, *OWN_TMP]), first
        assert second["tmp"] == sorted([two, *OWN_TMP]), second
        assert (first["shm"], second["shm"]) == ([one], [two])
        assert host_mounts() == before  # nothing mounted on the host, even while they run

        three = f"m-{uuid.uuid4().hex}"
        warm = await _call(service, spec.name, three, 0)
        earlier = {first["pid"]: one, second["pid"]: two}
        assert warm["pid"] in earlier  # a warm worker, not a third one
        assert warm["tmp"] == sorted([earlier[warm["pid"]], three, *OWN_TMP]), warm
        assert warm["shm"] == sorted([earlier[warm["pid"]], three])
        assert not any((Path("/tmp") / m).exists() for m in (one, two, three))
    finally:
        await service.shutdown()
    assert host_mounts() == before


async def test_each_worker_tmp_follows_ephemeral_storage(
    launchers: FunctionLaunchers, outside_tmp: Path
) -> None:
    spec = make_spec(
        "tmpenv-sized",
        "python3.11",
        PYTHON,
        vpc_config=VpcConfig(("subnet-a1",), ("sg-fn",)),
        ephemeral_storage_mb=1024,
    )
    service = await _service(launchers, outside_tmp, spec)
    try:
        answers = await asyncio.gather(*(_call(service, spec.name, f"m-{i}", 0.3) for i in range(2)))
        assert len({a["pid"] for a in answers}) == 2
        assert [a["tmp_mb"] for a in answers] == [1024, 1024]
    finally:
        await service.shutdown()


async def test_a_worker_whose_namespace_was_never_made_does_not_start(
    lab: Lab, launchers: FunctionLaunchers
) -> None:
    """argv built, ``env()`` never asked: the seat still holds /dev/null and nsenter refuses it."""
    spec = make_spec("tmpenv-unset", "python3.11", "", vpc_config=None)
    await launchers.prepare([spec])
    launcher = launchers.launcher_for(spec)
    argv = launcher.command([lab.python, "-I", "-c", "print('ran')"])
    own = launcher.pass_fds()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin", TASK_ROOT: "/"},
            pass_fds=own,
        )
    finally:
        launcher.spawned(own)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode != 0 and b"ran" not in out, (out, err)
    assert b"nsenter" in err, err
