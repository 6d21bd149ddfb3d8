"""A small stack for the network-mode tests, and ``vpcgate up`` run as a real process.

The stack: one VPC (``10.<octet>.0.0/16``) with one subnet; instance ``Web`` (``.1.10``) admits the
group ``FnSg`` on 8080, instance ``Db`` (``.1.20``) admits nothing; both run
``python3 -m http.server 8080`` bound to ``$HOST`` (guard mode's loopback alias) or every address.
Functions ``PyFn`` (python3.11) and ``NodeFn`` (nodejs20.x) sit in the subnet with ``FnSg``;
``OutFn`` (python3.11) has no VpcConfig. Each function connects to ``event.host:event.port``,
sends a GET and answers ``{"ok", "head" | "error", "code", "elapsed"}``. They are called through the
Lambda Invoke API of the ``up`` process; every address is 127.0.0.1 or inside the namespaces (or,
in guard mode, a 127/8 alias).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]

PY_CODE = """import socket, time
def handler(event, context):
    start = time.monotonic()
    try:
        sock = socket.create_connection((event["host"], event["port"]), timeout=event.get("timeout", 2))
        sock.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        head = sock.recv(64).decode(errors="replace")
        sock.close()
        return {"ok": True, "head": head, "elapsed": time.monotonic() - start}
    except OSError as error:
        code = "ETIMEDOUT" if isinstance(error, TimeoutError) else error.errno
        return {"ok": False, "error": str(error), "code": code, "elapsed": time.monotonic() - start}
"""

NODE_CODE = """const http = require('http');
exports.handler = (event) => new Promise((resolve) => {
  const start = Date.now();
  const elapsed = () => (Date.now() - start) / 1000;
  const options = { host: event.host, port: event.port, path: '/', timeout: (event.timeout || 2) * 1000 };
  const req = http.get(options, (res) => {
    res.resume();
    resolve({ ok: true, head: `HTTP/${res.httpVersion} ${res.statusCode}`, elapsed: elapsed() });
  });
  req.on('timeout', () => {
    req.destroy();
    resolve({ ok: false, error: 'timeout', code: 'ETIMEDOUT', elapsed: elapsed() });
  });
  req.on('error', (e) => resolve({ ok: false, error: e.message, code: e.code, elapsed: elapsed() }));
});
"""


def _instance(octet: int, ip: str, group: str, python: str) -> dict[str, Any]:
    user_data = f'#!/bin/sh\nexec {python} -m http.server 8080 --bind "${{HOST:-0.0.0.0}}"\n'
    return {
        "Type": "AWS::EC2::Instance",
        "Properties": {
            "SubnetId": {"Ref": "Subnet"},
            "PrivateIpAddress": f"10.{octet}.1.{ip}",
            "SecurityGroupIds": [{"Ref": group}],
            "UserData": {"Fn::Base64": user_data},
        },
    }


def _function(name: str, runtime: str, code: str, vpc: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": "index.handler",
        "Code": {"ZipFile": code},
        "Timeout": 10,
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
    }
    if vpc:
        props["VpcConfig"] = {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [{"Ref": "FnSg"}]}
    return {"Type": "AWS::Lambda::Function", "Properties": props}


def template(octet: int, python: str) -> dict[str, Any]:
    sg = "AWS::EC2::SecurityGroup"
    vpc_ref = {"Ref": "Vpc"}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": f"10.{octet}.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": vpc_ref, "CidrBlock": f"10.{octet}.1.0/24"},
            },
            "FnSg": {"Type": sg, "Properties": {"GroupDescription": "functions", "VpcId": vpc_ref}},
            "WebSg": {
                "Type": sg,
                "Properties": {
                    "GroupDescription": "web",
                    "VpcId": vpc_ref,
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 8080,
                            "ToPort": 8080,
                            "SourceSecurityGroupId": {"Ref": "FnSg"},
                        }
                    ],
                },
            },
            "DbSg": {"Type": sg, "Properties": {"GroupDescription": "db", "VpcId": vpc_ref}},
            "Web": _instance(octet, "10", "WebSg", python),
            "Db": _instance(octet, "20", "DbSg", python),
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": ["lambda.amazonaws.com"]},
                                "Action": ["sts:AssumeRole"],
                            }
                        ],
                    }
                },
            },
            "PyFn": _function("PyFn", "python3.11", PY_CODE, vpc=True),
            "NodeFn": _function("NodeFn", "nodejs20.x", NODE_CODE, vpc=True),
            "OutFn": _function("OutFn", "python3.11", PY_CODE, vpc=False),
        },
    }


def world_python() -> str | None:
    """A python3 any uid may run (the instances and the non-root ``up`` run it)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        path = Path(candidate)
        if path.exists() and all(p.stat().st_mode & 0o001 for p in [path.resolve(), *path.resolve().parents]):
            return str(path)
    return None


@contextmanager
def open_dir() -> Iterator[Path]:
    """A directory every uid may enter and write (instances and workers run as other uids)."""
    path = Path(tempfile.mkdtemp(prefix="vpcgate-modes-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_template(where: Path, octet: int, python: str) -> Path:
    path = where / "template.json"
    path.write_text(json.dumps(template(octet, python)))
    path.chmod(0o644)
    return path


@dataclass
class Up:
    """A running ``vpcgate up``: its banner lines and the port it serves."""

    proc: subprocess.Popen[str]
    lines: list[str]
    port: int

    def mode_line(self) -> str:
        return next(line for line in self.lines if line.startswith("network mode: "))

    def invoke(self, function: str, event: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/2015-03-31/functions/{function}/invocations"
        request = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            result: dict[str, Any] = json.loads(response.read())
        return result

    def invoke_until_ok(self, function: str, event: dict[str, Any], tries: int = 100) -> dict[str, Any]:
        """The instance's UserData starts the server; nothing waits for it (like EC2)."""
        result: dict[str, Any] = {}
        for _ in range(tries):
            result = self.invoke(function, event)
            if result.get("ok"):
                return result
            time.sleep(0.1)
        return result


def up_argv(template_path: Path, state: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "vpcgate",
        "up",
        str(template_path),
        "--port",
        "0",
        "--quiet",
        "--state-dir",
        str(state / "state"),
        *options,
    ]


def run_once(argv: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``vpcgate up`` expected to fail at once (a mode this host cannot give)."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)


@contextmanager
def running_up(argv: Sequence[str], *, wait: float = 60) -> Iterator[Up]:
    """Start ``vpcgate up``, wait for its serving line, stop it with SIGINT (SIGKILL if it hangs)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + wait
        port = None
        while port is None:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"vpcgate up exited {proc.wait()}: {''.join(lines)[-3000:]}")
            lines.append(line.rstrip("\n"))
            found = re.search(r"vpcgate is serving on http://[^:]+:(\d+)", line)
            port = int(found.group(1)) if found else None
            if time.monotonic() > deadline:
                raise AssertionError(f"vpcgate up never served: {''.join(lines)[-3000:]}")
        yield Up(proc, lines, port)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
