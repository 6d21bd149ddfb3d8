"""A tripwire for the test suite: no test packet may leave this machine for a private address.

Tests use VPC ranges (10.x), link-local (169.254.169.254 as a metadata decoy) and other private
addresses; they must only ever reach them inside network namespaces the tests create. As root, this
installs an nftables table in the host's namespace that drops and counts every packet sent (or
forwarded) out of the default-route interface to such an address, except to the resolvers in
/etc/resolv.conf. At the end of the session a non-zero count fails the run. Where a test's route
is ``unreachable`` (as it should be) no packet is made and nothing is counted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

# Not "vpcgate-…": the network layer's leftover cleanup owns that prefix. One table per pytest process,
# so sessions running side by side (developers, helpers) never remove each other's tripwire.
PREFIX = "egressguard_tests_"
TABLE = f"{PREFIX}{os.getpid()}"
PRIVATE = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10"


def _default_interface() -> str | None:
    out = subprocess.run(["ip", "route", "show", "default"], capture_output=True, text=True, check=False)
    match = re.search(r"\bdev (\S+)", out.stdout)
    return match.group(1) if match else None


def _resolvers() -> list[str]:
    try:
        text = Path("/etc/resolv.conf").read_text()
    except OSError:
        return []
    return re.findall(r"^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$", text, flags=re.MULTILINE)


def _nft(script: str) -> None:
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True, capture_output=True)


def install() -> bool:
    """Install the tripwire; False where it cannot be (not root, no nft, no default route)."""
    interface = _default_interface()
    if os.geteuid() != 0 or shutil.which("nft") is None or interface is None:
        return False
    _remove_stale()
    except_resolvers = ""
    if _resolvers():
        except_resolvers = f"ip daddr != {{ {', '.join(_resolvers())} }} "
    rule = f'oifname "{interface}" ip daddr {{ {PRIVATE} }} {except_resolvers}counter drop'
    _nft(
        f"table ip {TABLE} {{\n"
        f"  chain leaving {{ type filter hook output priority 0; policy accept; {rule}; }}\n"
        f"  chain leaving_by_forward {{ type filter hook forward priority 0; policy accept; {rule}; }}\n"
        "}\n"
    )
    return True


def dropped() -> int:
    """Packets the tripwire dropped so far."""
    out = subprocess.run(
        ["nft", "-j", "list", "table", "ip", TABLE], capture_output=True, text=True, check=True
    )
    total = 0
    for item in json.loads(out.stdout)["nftables"]:
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                total += int(expr["counter"]["packets"])
    return total


def _remove_stale() -> None:
    """Tables of tripwires whose pytest process is gone (a killed run)."""
    out = subprocess.run(["nft", "list", "tables", "ip"], capture_output=True, text=True, check=False)
    for pid in re.findall(rf"^table ip {PREFIX}(\d+)$", out.stdout, flags=re.MULTILINE):
        if not Path(f"/proc/{pid}").exists() or int(pid) == os.getpid():
            subprocess.run(
                ["nft", "delete", "table", "ip", f"{PREFIX}{pid}"], capture_output=True, check=False
            )


def remove() -> None:
    subprocess.run(["nft", "delete", "table", "ip", TABLE], capture_output=True, check=False)
