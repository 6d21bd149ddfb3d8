"""`make bench`: run every part's benchmark in one process, one after another, and print one table.

Each part lives in ``bench/<part>.py`` and exposes ``run() -> list[tuple[str, str]]`` (name, value).
The machine is noisy: parts compare side by side within their own run and quote medians and ratios.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    rows: list[tuple[str, str, str]] = []
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        for name, value in module.run():
            rows.append((info.name, name, value))
    width = max((len(r[1]) for r in rows), default=10)
    print(f"| part | {'measure':<{width}} | value |")
    print(f"| --- | {'-' * width} | --- |")
    for part, name, value in rows:
        print(f"| {part} | {name:<{width}} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
