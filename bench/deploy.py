"""CloudFormation deployer: template parse time (JSON, YAML with short tags) and whole-deploy time.

Deploying is pure (no processes, no files), so these are CPU-only; medians of repeated rounds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bench._load import median_seconds
from vpcgate.deploy.stacks import deploy_stacks
from vpcgate.deploy.template import parse_text

ROOT = Path(__file__).resolve().parent.parent
SEED = (
    Path(os.environ.get("VPCGATE_SEED", ROOT.parent / "shared" / "seed"))
    / "cloudformation"
    / "vpc-proxy.template.json"
)
NETWORK = ROOT / "tests" / "fixtures" / "deploy" / "network.yaml"
SEED_OVERRIDES = [
    "BackendHost=10.0.1.10",
    "SecurityGroupId=sg-0123456789abcdef0",
    "SubnetId=subnet-0123456789abcdef0",
]


def _median_ms(call: Callable[[], object], rounds: int = 30) -> float:
    return median_seconds(call, rounds) * 1000


def run() -> list[tuple[str, str]]:
    seed_text, network_text = SEED.read_text(), NETWORK.read_text()
    return [
        (
            "parse seed template (JSON, 21 KB)",
            f"{_median_ms(lambda: parse_text(seed_text, SEED.name)):.3f} ms",
        ),
        (
            "parse network.yaml (short tags)",
            f"{_median_ms(lambda: parse_text(network_text, NETWORK.name)):.3f} ms",
        ),
        (
            "deploy seed (5 resources; most is the RestApi import)",
            f"{_median_ms(lambda: deploy_stacks([SEED], SEED_OVERRIDES)):.2f} ms",
        ),
        (
            "deploy network.yaml (9 resources, 1 skipped)",
            f"{_median_ms(lambda: deploy_stacks([NETWORK], ['Env=prod'])):.2f} ms",
        ),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
