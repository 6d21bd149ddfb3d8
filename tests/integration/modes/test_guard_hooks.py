"""Guard mode's connect hooks in the real Python and Node workers, through every way in.

The worker gets an allow table for a "VPC" drawn in 127.236.0.0/16 (so that nothing could leave the
machine even if a hook failed): 127.236.1.10:PORT is allowed and dialled at 127.0.0.1:PORT, where
the test's server answers ``allowed``; 127.236.1.20:PORT is not allowed, and a real server there
answers ``leaked``; 127.237.1.10 is an instance's loopback alias, also listening, also off limits.
A hook that misses a way in shows up as ``leaked``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.functions.conftest import make_spec
from vpcgate.functions.service import FunctionService, ServiceConfig
from vpcgate.network.running import GuardLauncher

ALLOWED, DENIED, ALIAS = "127.236.1.10", "127.236.1.20", "127.237.1.10"

PY = """import asyncio, socket, urllib.error, urllib.request
def _read(sock):
    sock.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
    data = sock.recv(100).decode()
    sock.close()
    return "ok:" + data.rsplit("\\n", 1)[-1]
def _try(fn):
    try:
        return fn()
    except OSError as error:
        return "err:" + str(error.errno)
async def _aio(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET / HTTP/1.0\\r\\n\\r\\n")
    data = (await reader.read(100)).decode()
    writer.close()
    return "ok:" + data.rsplit("\\n", 1)[-1]
def _connect(host, port):
    sock = socket.socket()
    sock.connect((host, port))
    return _read(sock)
def _connect_ex(host, port):
    sock = socket.socket()
    code = sock.connect_ex((host, port))
    return _read(sock) if code == 0 else "err:" + str(code)
def _udp(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    return "ok:udp"
def _url(host, port):
    try:
        return "ok:" + urllib.request.urlopen(f"http://{host}:{port}/", timeout=2).read().decode()
    except urllib.error.URLError as error:  # the connect error is its reason
        return "err:" + str(error.reason.errno)
def handler(event, context):
    h, p = event["host"], event["port"]
    return {
        "connect": _try(lambda: _connect(h, p)),
        "connect_ex": _try(lambda: _connect_ex(h, p)),
        "create_connection": _try(lambda: _read(socket.create_connection((h, p), timeout=2))),
        "asyncio": _try(lambda: asyncio.run(_aio(h, p))),
        "urllib": _try(lambda: _url(h, p)),
        "udp": _try(lambda: _udp(h, p)),
    }
"""

NODE = """const net = require('net');
const http = require('http');
function raw(make) {
  return new Promise((resolve) => {
    const sock = make();
    let data = '';
    sock.on('connect', () => sock.write('GET / HTTP/1.0\\r\\n\\r\\n'));
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve('ok:' + data.split('\\n').pop()));
    sock.on('error', (e) => resolve('err:' + e.code));
  });
}
function get(host, port) {
  return new Promise((resolve) => {
    http.get({ host, port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve('ok:' + body));
    }).on('error', (e) => resolve('err:' + e.code));
  });
}
async function fetched(host, port) {
  try {
    const res = await fetch(`http://${host}:${port}/`);
    return 'ok:' + (await res.text());
  } catch (e) {
    return 'err:' + ((e.cause && e.cause.code) || e.message);
  }
}
exports.handler = async (event) => {
  const h = event.host, p = event.port;
  return {
    'net.connect(port, host)': await raw(() => net.connect(p, h)),
    'net.createConnection(options)': await raw(() => net.createConnection({ host: h, port: p })),
    'new Socket().connect(port, host, cb)': await raw(() => new net.Socket().connect(p, h, () => {})),
    'http.get': await get(h, p),
    fetch: await fetched(h, p),
  };
};
"""


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str) -> None:
    await reader.read(100)
    writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + name.encode())
    await writer.drain()
    writer.close()


@pytest.fixture
async def port() -> AsyncIterator[int]:
    """A port with servers on 127.0.0.1 (``allowed``), the denied address and the alias (``leaked``)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    number = int(probe.getsockname()[1])
    probe.close()
    servers = []
    for host, name in (("127.0.0.1", "allowed"), (DENIED, "leaked"), (ALIAS, "leaked")):
        servers.append(await asyncio.start_server(functools.partial(_answer, name=name), host, number))
    try:
        yield number
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


def _table(port: int) -> str:
    table = {
        "vpc_cidrs": ["127.236.0.0/16"],
        "allow": {ALLOWED: {"dial": "127.0.0.1", "ranges": [[6, port, port]]}},
        "aliases": [ALIAS],
    }
    return json.dumps(table)


async def _run(tmp_path: Path, port: int, runtime: str, source: str, host: str) -> dict[str, Any]:
    service = FunctionService(
        ServiceConfig(work_dir=tmp_path / "state"),
        launcher_for=lambda _spec: GuardLauncher(_table(port)),
        log_sink=None,
    )
    try:
        service.deploy(make_spec("fn", runtime, source))
        result = await service.invoke("fn", json.dumps({"host": host, "port": port}).encode())
        answer: dict[str, Any] = json.loads(result.payload)
        return answer
    finally:
        await service.shutdown()


@pytest.mark.parametrize(("runtime", "source"), [("python3.11", PY), ("nodejs20.x", NODE)])
async def test_allowed_is_dialled_at_the_alias_denied_is_refused(
    tmp_path: Path, port: int, runtime: str, source: str
) -> None:
    allowed = await _run(tmp_path, port, runtime, source, ALLOWED)
    expected = dict.fromkeys(allowed, "ok:allowed")
    if "udp" in expected:
        expected["udp"] = "err:111"  # only TCP is allowed to that address
    assert allowed == expected
    refused = "err:111" if runtime.startswith("python") else "err:ECONNREFUSED"
    for host in (DENIED, ALIAS):
        answer = await _run(tmp_path, port, runtime, source, host)
        assert answer == dict.fromkeys(answer, refused), (host, answer)
