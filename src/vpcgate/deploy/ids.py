"""Physical ids and ARNs shaped like AWS's, stable for the same stack and logical id across runs.

Stability matters: a user bookmarks ``http://{apiId}.execute-api.localhost:3000/prod/`` and expects it
to survive a restart. So ids are derived from a hash of (kind, stack name, logical id), never random.
"""

from __future__ import annotations

import hashlib

_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def alnum_id(length: int, *parts: str) -> str:
    """``length`` lowercase alphanumerics derived from ``parts`` (rest api ids use 10)."""
    value = int.from_bytes(_digest(*parts), "big")
    out = []
    for _ in range(length):
        value, rem = divmod(value, 36)
        out.append(_ALNUM[rem])
    return "".join(out)


def hex_id(prefix: str, *parts: str, length: int = 17) -> str:
    """``prefix-`` followed by ``length`` hex digits: ``vpc-…``, ``subnet-…``, ``sg-…``, ``i-…``."""
    return f"{prefix}-{_digest(prefix, *parts).hex()[:length]}"


def upper_suffix(length: int, *parts: str) -> str:
    """Uppercase alphanumerics, as CloudFormation appends to generated names (``stack-Fn-1A2B3C…``)."""
    return alnum_id(length, *parts).upper()


def generated_name(stack_name: str, logical_id: str, max_length: int = 64) -> str:
    """A CloudFormation-style generated physical name: ``{stack}-{logicalId}-{SUFFIX}``, truncated."""
    suffix = upper_suffix(12, stack_name, logical_id)
    head = f"{stack_name}-{logical_id}"
    room = max_length - len(suffix) - 1
    return f"{head[:room]}-{suffix}"


def stable_uuid(*parts: str) -> str:
    """A version-4-shaped UUID derived from ``parts`` (the tail of ``AWS::StackId``)."""
    raw = bytearray(_digest("uuid", *parts)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
