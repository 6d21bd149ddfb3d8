"""JSON Web Key Sets: where a user pool's public keys come from, loaded once and refreshed on demand.

Cognito publishes each user pool's keys at ``{issuer}/.well-known/jwks.json`` where the issuer is
``https://cognito-idp.{region}.amazonaws.com/{userPoolId}``
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html).
vpcgate reads a set from a local file, or fetches it from the issuer's URL through an injected
``fetch`` (the gateway passes its outbound HTTP client; tests pass a function serving a set they
generated, so nothing reaches the internet).

A ``kid`` the set does not hold triggers one refetch (keys rotate), at most once per
``refresh_interval`` seconds of the injected clock so a stream of forged ``kid`` values cannot turn
into a stream of fetches. Keys whose ``use`` is not ``sig`` are skipped.

Errors::

    ValueError
    └── JwksError        the set cannot be read or fetched, or is not a JWKS
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from vpcgate.gateway.authorizers.crypto import JwkError, VerifyingKey, key_from_jwk

__all__ = [
    "Fetch",
    "IssuerKeys",
    "JwksError",
    "JwksSource",
    "KeyResolver",
    "cognito_issuer",
    "jwks_url",
    "parse_jwks",
]

Fetch = Callable[[str], Awaitable[bytes]]


class JwksError(ValueError):
    """A key set that cannot be read, fetched or understood."""


class KeyResolver(Protocol):
    """Finds the verifying key of a token: its issuer and its header's ``kid``."""

    async def key(self, issuer: str, kid: str) -> VerifyingKey | None: ...


def cognito_issuer(provider_arn: str) -> str:
    """``arn:aws:cognito-idp:{region}:{account}:userpool/{id}`` → the pool's issuer URL."""
    parts = provider_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise JwksError(f"not a Cognito user pool ARN: {provider_arn!r}")
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5].removeprefix('userpool/')}"


def jwks_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def parse_jwks(document: bytes | str | Mapping[str, Any]) -> dict[str, VerifyingKey]:
    """``{"keys": [...]}`` → verifying keys by ``kid``. Raises :class:`JwksError`."""
    if not isinstance(document, Mapping):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise JwksError(f"not JSON: {exc}") from None
    keys = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(keys, list):
        raise JwksError('not a JWKS: no "keys" array')
    found: dict[str, VerifyingKey] = {}
    for jwk in keys:
        if not isinstance(jwk, Mapping) or jwk.get("use", "sig") != "sig":
            continue
        try:
            key = key_from_jwk(jwk)
        except JwkError as exc:
            raise JwksError(str(exc)) from None
        found[key.kid or ""] = key
    return found


class JwksSource:
    """One issuer's keys, from a file or a URL."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        url: str | None = None,
        fetch: Fetch | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_interval: float = 300.0,
    ) -> None:
        if (path is None) == (url is None) or (url is not None and fetch is None):
            raise JwksError("a JWKS source is a path, or a URL with a fetch function")
        self._path, self._url, self._fetch = path, url, fetch
        self._clock = clock
        self._interval = refresh_interval
        self._keys: dict[str, VerifyingKey] | None = None
        self._loaded_at = float("-inf")

    async def key(self, kid: str) -> VerifyingKey | None:
        if self._keys is None or (
            kid not in self._keys and self._clock() - self._loaded_at >= self._interval
        ):
            await self._load()
        assert self._keys is not None
        return self._keys.get(kid)

    async def _load(self) -> None:
        self._loaded_at = self._clock()
        if self._path is not None:
            try:
                raw = self._path.read_bytes()
            except OSError as exc:
                raise JwksError(f"cannot read {self._path}: {exc.strerror}") from None
        else:
            assert self._url is not None and self._fetch is not None
            try:
                raw = await self._fetch(self._url)
            except Exception as exc:  # the fetcher's own errors, translated here once
                raise JwksError(f"cannot fetch {self._url}: {exc}") from None
        self._keys = parse_jwks(raw)


class IssuerKeys:
    """A :class:`KeyResolver` over one :class:`JwksSource` per issuer."""

    def __init__(self, sources: Mapping[str, JwksSource]) -> None:
        self._sources = dict(sources)

    async def key(self, issuer: str, kid: str) -> VerifyingKey | None:
        source = self._sources.get(issuer)
        return await source.key(kid) if source is not None else None
