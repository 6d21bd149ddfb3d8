"""AWS's ``*`` / ``?`` wildcards (IAM Resource and Action, StringLike conditions, Lambda permission
SourceArn), compiled once into a full-match regex: ``*`` is any run of characters, ``?`` one.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """``pattern`` as a compiled regex, to be used with ``fullmatch``."""
    parts = ("." if ch == "?" else ".*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
