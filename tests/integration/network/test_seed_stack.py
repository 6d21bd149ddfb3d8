"""The acceptance path without the gateway: deploy examples/seed-network and the seed's template,
build the VPC, run the Express instance from its UserData, and reach it from the proxy function's
ENI as the function's worker would (its launcher), while the host cannot."""

from __future__ import annotations

import asyncio
import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.integration.network.conftest import PROBE, LogTap, needs_root, world_python
from tests.integration.network.probe import tcp
from vpcgate.deploy.stacks import deploy_stacks
from vpcgate.functions.model import FunctionSpec
from vpcgate.network.confine import UidAllocator
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.launch import FunctionLaunchers
from vpcgate.network.model import Instance
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess

pytestmark = needs_root
REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "seed-network" / "template.yaml"


def _world_traversable(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


async def test_seed_function_eni_reaches_the_express_instance(seed_template: Path, log_tap: LogTap) -> None:
    app = REPO / ".cache" / "node" / "express-app"
    if not (app / "node_modules" / "express").is_dir() or shutil.which("node") is None:
        pytest.skip("the seed's Express app is not installed (make .cache/node/.installed-stamp) or no node")
    if not _world_traversable(app):
        pytest.skip(f"{app} is not reachable by an unprivileged uid")
    stacks = deploy_stacks([EXAMPLE, seed_template], [])
    models = [d.model for s in stacks for d in s.resources.values()]
    topology = Topology.from_models(models)
    instance = next(m for m in models if isinstance(m, Instance))
    function = next(m for m in models if isinstance(m, FunctionSpec))
    network = NamespaceNetwork(topology, reject=True)
    uids = UidAllocator(2_000_600_000)
    await network.start()
    process: InstanceProcess | None = None
    try:
        conf = uids.confinement(instance.instance_id, network.instance_netns(instance.instance_id))
        env = {"PATH": f"{Path(shutil.which('node') or 'node').parent}:/usr/bin:/bin"}
        process = InstanceProcess(instance, confinement=conf, cwd=EXAMPLE.parent, env=env)
        await process.start()
        await log_tap.wait_for(f"{instance.instance_id}: app started", timeout=20)
        launchers = FunctionLaunchers(network, uids)
        await launchers.prepare([function])
        launcher = launchers.launcher_for(function)
        host, port = str(instance.private_ip), 8080
        args = json.dumps({"host": host, "port": port})
        argv = launcher.command([world_python() or "python3", "-I", "-c", PROBE, "tcp", args])
        proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, cwd="/")
        out, _ = await proc.communicate()
        result = json.loads(out)
        assert result["escaped"] and "200 OK" in result["detail"], result
        with pytest.raises(OSError):  # vpcgate's own process, on the host's network
            tcp(host, port)
    finally:
        if process is not None:
            await process.stop()
        await network.stop()
