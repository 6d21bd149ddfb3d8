"""The escape-attempt suite, mounts: one function's code looks for another's processes and /tmp files.

(Each worker is an execution environment with a /tmp of its own: ``test_tmp_per_worker.py``.)

Function B runs a worker (a marker in its argv, a file in its /tmp); function A, through the real
launcher argv (``nsenter --mount`` + ``setpriv``), lists /proc, reads B's cmdline, looks in /tmp and
tries to unmount its private /proc and /tmp. Controls: A sees its own process and file, and the
host (root) sees B's worker, so an empty answer is not a broken probe. Nothing is ever mounted on
the host: its mount table is compared before, during and after.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path
from typing import Any

from tests.integration.functions.conftest import make_spec
from tests.integration.network.conftest import Lab, LogTap, host_mounts, needs_root
from vpcgate.functions.model import FunctionSpec, VpcConfig
from vpcgate.network.confine import UidAllocator
from vpcgate.network.launch import ConfinedHostLauncher, EniLauncher, FunctionLaunchers
from vpcgate.network.model import Instance
from vpcgate.network.mounts import PACKAGE_DIR, under_tmp
from vpcgate.network.services import InstanceProcess

pytestmark = needs_root

# What every namespace's /tmp holds besides the function's own: vpcgate's checkout, if under /tmp.
OWN_TMP = [path.name for path in under_tmp([PACKAGE_DIR])]

LOOK = """
import ctypes, json, os, sys
victims, marker = json.loads(sys.argv[1]), sys.argv[2]
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
cmdlines = {}
for pid in victims:
    try:
        cmdlines[pid] = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError as exc:
        cmdlines[pid] = f"failed: {exc}"
libc = ctypes.CDLL(None, use_errno=True)
unmounts = {p: libc.umount2(p.encode(), 2) for p in ("/proc", "/tmp")}
open(f"/tmp/{marker}-a", "w").write("a")
print(json.dumps({
    "me": os.getpid(), "pids": pids, "cmdlines": cmdlines, "tmp": sorted(os.listdir("/tmp")),
    "cwd": os.getcwd(), "unmounts": unmounts,
    "tmp_mb": os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize // 2**20,
    "sys_net": sorted(os.listdir("/sys/class/net")),
}))
"""

VICTIM = """
import json, os, sys, time
tmp = sorted(os.listdir("/tmp"))
open(f"/tmp/{sys.argv[1]}-b", "w").write("b")
print(json.dumps({"tmp": tmp, "cwd": os.getcwd()}), flush=True)
time.sleep(60)
"""


def _spec(name: str, vpc: VpcConfig | None) -> FunctionSpec:
    return make_spec(name, "python3.11", "", vpc_config=vpc)


async def _spawn(
    launcher: EniLauncher | ConfinedHostLauncher, argv: list[str], code_dir: Path
) -> asyncio.subprocess.Process:
    """As ``Worker._spawn`` does: argv, environment, the launcher's descriptors, then ``spawned``."""
    command = launcher.command(argv)
    env = launcher.env({"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(code_dir)})
    own = launcher.pass_fds()
    try:
        return await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, env=env, cwd=code_dir, pass_fds=own
        )
    finally:
        launcher.spawned(own)


async def _look(
    lab: Lab, launcher: EniLauncher | ConfinedHostLauncher, code_dir: Path, victims: list[int], marker: str
) -> dict[str, Any]:
    proc = await _spawn(launcher, [lab.python, "-I", "-c", LOOK, json.dumps(victims), marker], code_dir)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, out
    result: dict[str, Any] = json.loads(out)
    return result


async def test_a_function_sees_no_other_process_and_no_other_tmp(lab: Lab, outside_tmp: Path) -> None:
    marker = f"vpcgate-{uuid.uuid4().hex}"
    host_file = Path("/tmp") / f"{marker}-host"
    host_file.write_text("the host's")
    os.chmod(host_file, 0o644)  # readable by anyone who could see it
    vpc = VpcConfig(("subnet-a1",), ("sg-fn",))
    fa, fb, fh = _spec("fa", vpc), _spec("fb", vpc), _spec("fh", None)
    launchers = FunctionLaunchers(lab.network, UidAllocator(2_000_400_000), private_mounts=True)
    await launchers.prepare([fa, fb, fh])  # the ENI's namespace is mounted on the host: before
    before = host_mounts()
    la, lb, lh = launchers.launcher_for(fa), launchers.launcher_for(fb), launchers.launcher_for(fh)
    victim = await _spawn(lb, [lab.python, "-I", "-c", VICTIM, marker, "victim-argv-marker"], outside_tmp)
    try:
        assert victim.stdout is not None
        started = json.loads(await asyncio.wait_for(victim.stdout.readline(), 20))
        # B's /tmp: empty, but for vpcgate's own checkout when that lies under /tmp (CI clones there)
        assert started == {"tmp": OWN_TMP, "cwd": str(outside_tmp)}, started
        # the worker itself (after nsenter, setpriv and sh exec in place): the host sees its argv
        assert "victim-argv-marker" in Path(f"/proc/{victim.pid}/cmdline").read_text()
        assert host_mounts() == before  # nothing mounted on the host, even while running

        others = [victim.pid, os.getpid(), 1, *(p.pid for p in lab.instances.values() if p.pid)]
        for launcher, code_dir in ((la, lab.workdir), (lh, outside_tmp)):
            seen = await _look(lab, launcher, code_dir, others, marker)
            assert seen["me"] in seen["pids"]  # control: the listing works
            assert not set(others) & set(seen["pids"]), seen
            assert all(c.startswith("failed") for c in seen["cmdlines"].values()), seen["cmdlines"]
            assert seen["cwd"] == str(code_dir)
            assert f"{marker}-b" not in seen["tmp"] and f"{marker}-host" not in seen["tmp"]
            assert f"{marker}-a" in seen["tmp"]  # control: its own file
            assert seen["unmounts"] == {"/proc": -1, "/tmp": -1}
            assert seen["tmp_mb"] == 512  # Lambda's default ephemeral storage
        # in its ENI, A's /sys shows the ENI's interfaces (as ``ip netns exec`` would), not the host's
        assert (await _look(lab, la, lab.workdir, [], marker))["sys_net"] == ["eth0", "lo"]
        # A's code under /tmp is bound back, and that is all its /tmp held besides its own file
        assert (await _look(lab, la, lab.workdir, [], marker))["tmp"] == sorted(
            {lab.workdir.name, f"{marker}-a", *OWN_TMP}
        )
        # and B, in a worker started after A wrote: a new execution environment, so a /tmp of its
        # own (neither A's file nor that of B's running worker)
        b_sees = (await _look(lab, lb, outside_tmp, [], f"{marker}-again"))["tmp"]
        assert b_sees == sorted({f"{marker}-again-a", *OWN_TMP}), b_sees
        assert not (Path("/tmp") / f"{marker}-a").exists()
        assert not (Path("/tmp") / f"{marker}-b").exists()
    finally:
        victim.kill()
        await victim.wait()
        launchers.close()
        host_file.unlink()
    assert host_mounts() == before


async def test_an_instance_gets_its_own_tmp_and_proc(lab: Lab, log_tap: LogTap) -> None:
    before = host_mounts()
    marker = f"vpcgate-{uuid.uuid4().hex}"
    script = (
        f"#!{lab.python}\n"
        "import json, os\n"
        "pids = [int(p) for p in os.listdir('/proc') if p.isdigit()]\n"
        "print('seen', json.dumps({'me': os.getpid(), 'pids': pids, 'tmp': os.listdir('/tmp'),"
        " 'cwd': os.getcwd()}), flush=True)\n"
        f"open('/tmp/{marker}', 'w').write('x')\n"
    )
    instance = Instance(
        "i-mounts", "i-mounts", "subnet-a2", lab.instances["i-db"].instance.private_ip, (), script
    )
    confinement = lab.uids.confinement("i-mounts", None)
    process = InstanceProcess(instance, confinement=confinement, cwd=lab.workdir, private_mounts=True)
    await process.start()
    try:
        assert await process.wait() == 0
    finally:
        await process.stop()
    line = next(x for x in log_tap.lines if x.startswith("i-mounts: seen "))
    seen = json.loads(line.removeprefix("i-mounts: seen "))
    assert seen["me"] in seen["pids"] and os.getpid() not in seen["pids"]
    assert not {p.pid for p in lab.instances.values()} & set(seen["pids"])
    assert seen["cwd"] == str(lab.workdir)
    # its directory, its script's and (when under /tmp) vpcgate's own checkout
    assert lab.workdir.name in seen["tmp"] and len(seen["tmp"]) == 2 + len(OWN_TMP)
    assert not (Path("/tmp") / marker).exists()
    assert host_mounts() == before
