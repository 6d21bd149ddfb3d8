"""Attempts run from inside a function ENI, as the function's unprivileged uid.

Run as ``python3 -I -c <this source> <attempt> <json args>``; prints one JSON line
``{"escaped": bool, "detail": str}``. ``escaped`` is True when the attempt got through.
Standard library only: it runs under the system Python, as a uid that cannot read the venv.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
IP_FREEBIND = 15
libc = ctypes.CDLL(None, use_errno=True)


def _errno_call(result: int) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def address(host: str, port: int) -> tuple[str, int] | tuple[str, int, int, int]:
    """``host%ifname`` (IPv6 link-local) becomes the 4-tuple with the interface's scope id."""
    if "%" in host:
        name, _, ifname = host.partition("%")
        return (name, port, 0, socket.if_nametoindex(ifname))
    return (host, port)


def tcp(host: str, port: int, timeout: float = 1.0, source: str | None = None) -> str:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        if source is not None:
            s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
            s.bind((source, 0))
        s.connect(address(host, port))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        try:
            return s.recv(64).decode(errors="replace")
        except TimeoutError:
            return "connected (no reply)"


def udp(host: str, port: int, broadcast: bool = False) -> str:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        if broadcast:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.sendto(b"probe-datagram", address(host, port))
        return "sent"


def route_to(host: str) -> str:
    """A UDP connect: the kernel looks the route up, no packet is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, 9))
        return f"route found, source {s.getsockname()[0]}"


def raw_socket() -> str:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP).close()
    return "raw socket opened"


def packet_socket() -> str:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
    return "packet socket opened"


def setns_path(path: str) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        _errno_call(libc.setns(fd, CLONE_NEWNET))
    finally:
        os.close(fd)
    return "entered " + path


def userns_then_raw() -> str:
    _errno_call(libc.unshare(CLONE_NEWUSER))
    return raw_socket()


def run(argv: list[str]) -> str:
    import subprocess

    proc = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    if proc.returncode != 0:
        raise OSError(f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:200]}")
    return proc.stdout.strip()[:200] or "ok"


def read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read(64).decode(errors="replace")


def listdir(path: str) -> str:
    return ",".join(os.listdir(path))


def signal0(pid: int) -> str:
    os.kill(pid, 0)
    return "may signal"


def become_root() -> str:
    os.setuid(0)
    return "uid 0"


def unix(path: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
    return "connected"


def status(userns: bool = False) -> str:
    """Escaped when any capability is left, no_new_privs is off, or (outside userns mode) uid is 0."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    bad = {k: fields[k] for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb") if int(fields[k], 16) != 0}
    if fields.get("NoNewPrivs") != "1" or (os.getuid() == 0 and not userns) or bad:
        return f"privileged: {bad} NoNewPrivs={fields.get('NoNewPrivs')} uid={os.getuid()}"
    raise OSError(0, "no capabilities, no_new_privs, uid " + str(os.getuid()))


def limits() -> str:
    """Escaped when more than Lambda's 1,024 processes or file descriptors are allowed."""
    import resource

    nproc = resource.getrlimit(resource.RLIMIT_NPROC)
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
    if nproc[1] > 1024 or nofile[1] > 1024:
        return f"nproc {nproc} nofile {nofile}"
    raise OSError(0, f"nproc {nproc} nofile {nofile}")


ATTEMPTS: dict[str, Callable[..., str]] = {
    "limits": limits,
    "tcp": tcp,
    "udp": udp,
    "route_to": route_to,
    "raw_socket": raw_socket,
    "packet_socket": packet_socket,
    "setns": setns_path,
    "userns_then_raw": userns_then_raw,
    "run": run,
    "read": read,
    "listdir": listdir,
    "signal0": signal0,
    "become_root": become_root,
    "unix": unix,
    "status": status,
}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result: dict[str, Any]
    try:
        result = {"escaped": True, "detail": ATTEMPTS[name](**args)}
    except (OSError, TimeoutError) as exc:
        result = {"escaped": False, "detail": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
