"""Network modes: what choosing a mode costs at ``up`` (the host probe), and what guard mode adds to
each connect in a Python worker (the hook installed by ``python_bootstrap.py``) versus a plain
connect, both to a listener on 127.0.0.1 (the hook's allowed address dials it; nothing leaves).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import statistics
import threading
import time
from collections.abc import Callable

from vpcgate.functions.runtimes import PYTHON_BOOTSTRAP
from vpcgate.network.mode import choose_mode

ROUNDS = 2000


def _median_us(work: Callable[[], None], rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        work()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def _connects(port: int) -> tuple[float, float]:
    """(plain, hooked) median µs of connect + close; the hook is removed again afterwards."""
    spec = importlib.util.spec_from_file_location("vpcgate_bench_bootstrap", PYTHON_BOOTSTRAP)
    assert spec is not None and spec.loader is not None
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    table = {
        "vpc_cidrs": ["127.236.0.0/16"],
        "allow": {"127.236.1.10": {"dial": "127.0.0.1", "ranges": [[6, port, port]]}},
        "aliases": [],
    }

    def once(host: str) -> Callable[[], None]:
        def work() -> None:
            sock = socket.socket()
            sock.connect((host, port))
            sock.close()

        return work

    plain = _median_us(once("127.0.0.1"))
    saved = socket.socket.connect, socket.socket.connect_ex
    try:
        bootstrap._install_connect_guard(json.dumps(table))
        hooked = _median_us(once("127.236.1.10"))
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved  # type: ignore[method-assign]
    return plain, hooked


def _accept_all(server: socket.socket) -> None:
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        conn.close()


def run() -> list[tuple[str, str]]:
    start = time.perf_counter()
    mode, _ = choose_mode("auto")
    probe_ms = (time.perf_counter() - start) * 1000
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1024)
    threading.Thread(target=_accept_all, args=(server,), daemon=True).start()
    try:
        plain, hooked = _connects(int(server.getsockname()[1]))
    finally:
        server.close()
    return [
        (f"network mode probe (choose_mode auto -> {mode})", f"{probe_ms:.1f} ms"),
        ("python connect+close on loopback, plain (p50)", f"{plain:.1f} µs"),
        ("python connect+close, guard hook, allowed VPC address (p50)", f"{hooked:.1f} µs"),
        ("guard hook added per connect (p50)", f"{hooked - plain:.1f} µs"),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
