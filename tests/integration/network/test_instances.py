"""Instances: UserData runs in the instance's namespace, confined; the seed's Express app serves a VPC."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.integration.network.conftest import ALL_OUT, N4, V4, LogTap, needs_root, world_python
from tests.integration.network.probe import tcp
from vpcgate.network.confine import UidAllocator
from vpcgate.network.enforce import netns
from vpcgate.network.enforce.namespaces import NamespaceNetwork
from vpcgate.network.model import Instance, Rule, SecurityGroup, Subnet, Vpc
from vpcgate.network.policy import Topology
from vpcgate.network.services import InstanceProcess

pytestmark = needs_root
UIDS = UidAllocator(2_000_400_000)
IP = "10.217.1.10"


def _topology(user_data: str) -> tuple[Topology, Instance]:
    web = SecurityGroup("W", "sg-web", "vpc-i", "", (Rule("tcp", 8080, 8080, group_id="sg-fn"),), (ALL_OUT,))
    instance = Instance("Web", "i-web", "subnet-i", V4(IP), ("sg-web",), user_data)
    topology = Topology.build(
        vpcs=[Vpc("V", "vpc-i", N4("10.217.0.0/16"))],
        subnets=[Subnet("S", "subnet-i", "vpc-i", N4("10.217.1.0/24"), "az")],
        groups=[web, SecurityGroup("F", "sg-fn", "vpc-i", "", (), (ALL_OUT,))],
        instances=[instance],
    )
    return topology, instance


class Bench:
    """Builds a one-instance VPC for a user-data script; the fixture tears everything down."""

    def __init__(self) -> None:
        self.networks: list[NamespaceNetwork] = []
        self.processes: list[InstanceProcess] = []

    async def up(self, user_data: str, cwd: Path, env: dict[str, str] | None = None) -> InstanceProcess:
        topology, instance = _topology(user_data)
        net = NamespaceNetwork(topology, reject=True)
        self.networks.append(net)
        await net.start()
        conf = UIDS.confinement("instance", net.instance_netns("i-web"))
        process = InstanceProcess(instance, confinement=conf, cwd=cwd, env=env, grace_seconds=1.0)
        self.processes.append(process)
        await process.start()
        return process


@pytest.fixture
async def bench() -> AsyncIterator[Bench]:
    b = Bench()
    try:
        yield b
    finally:
        for process in b.processes:
            await process.stop()
        for net in b.networks:
            await net.stop()


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="vpcgate-tpl-"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


async def test_shebang_chooses_interpreter_cwd_is_template_dir_and_it_runs_inside(
    bench: Bench, workdir: Path, log_tap: LogTap
) -> None:
    script = (
        f"#!{world_python()}\n"
        "import os, socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('10.217.1.1', 9))\n"
        "print('py', os.getcwd(), os.getuid(), s.getsockname()[0], os.environ.get('MARK'))\n"
    )
    process = await bench.up(script, workdir, env={"MARK": "from-vpcgate"})
    assert await process.wait() == 0
    line = f"i-web: py {workdir} {UIDS.uid_for('instance')} {IP} from-vpcgate"
    await log_tap.wait_for(line)


async def test_plain_text_runs_with_sh_and_nonzero_exit_is_reported(
    bench: Bench, workdir: Path, log_tap: LogTap
) -> None:
    process = await bench.up("echo shell=$(cat /proc/$$/comm)\nexit 3\n", workdir)
    assert await process.wait() == 3
    await log_tap.wait_for("i-web: shell=sh")
    await log_tap.wait_for("i-web: user data exited with status 3")


async def test_stop_ends_the_whole_process_group(bench: Bench, workdir: Path, log_tap: LogTap) -> None:
    process = await bench.up("sleep 100 &\necho bg=$!\nexec sleep 101\n", workdir)
    await log_tap.wait_for("i-web: bg=")
    bg = int(next(line for line in log_tap.lines if "bg=" in line).split("bg=")[1])
    assert Path(f"/proc/{bg}").exists()
    await process.stop()
    stat = Path(f"/proc/{bg}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _express_dir() -> Path | None:
    for base in (os.environ.get("VPCGATE_NODE_CACHE"), str(Path(__file__).parents[3] / ".cache" / "node")):
        if base and (Path(base) / "express-app" / "node_modules" / "express").is_dir():
            return Path(base) / "express-app"
    return None


async def test_function_in_subnet_reaches_the_seed_express_app(bench: Bench, log_tap: LogTap) -> None:
    app = _express_dir()
    node = shutil.which("node")
    if app is None or node is None:
        pytest.skip("the seed's Express app is not installed (make .cache/node/.installed-stamp) or no node")
    env = {"PATH": f"{Path(node).parent}:/usr/bin:/bin", "PORT": "8080"}
    await bench.up("exec node index.js\n", app, env=env)
    await log_tap.wait_for("i-web: app started", timeout=20)
    net = bench.networks[0]
    allowed = await net.eni_for(["subnet-i"], ["sg-fn"])
    denied = await net.eni_for(["subnet-i"], ["sg-web"])
    reply = netns.call_in(allowed.netns, lambda: tcp(IP, 8080))
    assert reply.startswith("HTTP/1.1 200 OK"), reply
    body = netns.call_in(allowed.netns, lambda: _get_body(IP, 8080))
    assert json.loads(body) == {"message": "Hello World!"}
    with pytest.raises(OSError):
        netns.call_in(denied.netns, lambda: tcp(IP, 8080))
    with pytest.raises(OSError):
        tcp(IP, 8080)  # vpcgate's own process, on the host's network


def _get_body(host: str, port: int) -> str:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=2)
    conn.request("GET", "/")
    return conn.getresponse().read().decode()


async def test_drop_mode_times_out_as_aws_does(workdir: Path, log_tap: LogTap) -> None:
    """Without ``reject``, a packet no rule admits is dropped: the caller waits, as on AWS."""
    server = f"#!{world_python()}\n" + (
        "import socket\ns = socket.socket(); s.bind(('0.0.0.0', 8080)); s.listen(8)\n"
        "print('ready', flush=True)\n"
        "while True:\n    s.accept()[0].close()\n"
    )
    topology, instance = _topology(server)
    net = NamespaceNetwork(topology)  # reject=False: drop
    await net.start()
    process: InstanceProcess | None = None
    try:
        conf = UIDS.confinement("instance", net.instance_netns("i-web"))
        process = InstanceProcess(instance, confinement=conf, cwd=workdir)
        await process.start()
        await log_tap.wait_for("i-web: ready")
        allowed = await net.eni_for(["subnet-i"], ["sg-fn"])
        denied = await net.eni_for(["subnet-i"], ["sg-web"])
        netns.call_in(allowed.netns, lambda: _connect(IP, 8080, 2.0))
        with pytest.raises(TimeoutError):
            netns.call_in(denied.netns, lambda: _connect(IP, 8080, 0.3))
    finally:
        if process is not None:
            await process.stop()
        await net.stop()


def _connect(host: str, port: int, timeout: float) -> None:
    import socket

    with socket.create_connection((host, port), timeout=timeout):
        pass


async def test_user_data_may_bind_a_port_below_1024(bench: Bench, workdir: Path, log_tap: LogTap) -> None:
    bind = "import socket\ns = socket.socket(); s.bind(('0.0.0.0', 80)); print('bound 80')\n"
    script = f"#!{world_python()}\n{bind}"
    process = await bench.up(script, workdir)
    assert await process.wait() == 0
    await log_tap.wait_for("i-web: bound 80")
