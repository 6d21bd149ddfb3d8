"""The only module that imports ``cryptography``: JSON Web Keys become verifying keys, signatures checked.

JWS algorithms (RFC 7518 §3, https://www.rfc-editor.org/rfc/rfc7518#section-3): ``RS256/384/512``
(RSASSA-PKCS1-v1_5; what Amazon Cognito signs its tokens with,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html),
``PS256/384/512`` (RSASSA-PSS) and ``ES256/384/512`` (ECDSA, the signature being ``r || s``, each
half the curve's size). Symmetric ``HS*`` and ``none`` are never accepted: a user pool's public keys
cannot verify them, and accepting them is the classic JWT forgery.

Keys (RFC 7517): ``kty`` RSA with ``n``/``e``, or EC with ``crv`` P-256/P-384/P-521 and ``x``/``y``,
all base64url without padding. The rest of vpcgate sees :class:`VerifyingKey` only.

Errors::

    ValueError
    └── JwkError             a JWK that is malformed or of a kind vpcgate does not verify with
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = ["ALGORITHMS", "JwkError", "VerifyingKey", "b64url_decode", "key_from_jwk"]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "P-256": (ec.SECP256R1(), 32),
    "P-384": (ec.SECP384R1(), 48),
    "P-521": (ec.SECP521R1(), 66),
}
_CURVE_OF_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


class JwkError(ValueError):
    """A JSON Web Key vpcgate cannot use."""


def b64url_decode(text: str) -> bytes:
    """base64url without padding (RFC 7515 §2). Raises ``ValueError``."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """A public key from a JWK: ``kid``, the algorithm it was published for (if any), and verify()."""

    kid: str | None
    alg: str | None
    kty: str
    _key: Any  # rsa.RSAPublicKey | ec.EllipticCurvePublicKey (kept opaque outside this module)
    _curve: str | None = None

    def verify(self, alg: str, signing_input: bytes, signature: bytes) -> bool:
        """True when ``signature`` over ``signing_input`` verifies with this key under ``alg``."""
        if alg not in ALGORITHMS or (self.alg is not None and self.alg != alg):
            return False
        digest = _HASHES[alg[2:]]()
        try:
            if alg.startswith(("RS", "PS")) and self.kty == "RSA":
                self._key.verify(signature, signing_input, _rsa_padding(alg, digest), digest)
                return True
            if alg.startswith("ES") and self.kty == "EC" and _CURVE_OF_ALG[alg] == self._curve:
                self._key.verify(_der(signature, _CURVES[self._curve][1]), signing_input, ec.ECDSA(digest))
                return True
        except (InvalidSignature, ValueError):
            return False
        return False


def _rsa_padding(alg: str, digest: hashes.HashAlgorithm) -> padding.AsymmetricPadding:
    if alg.startswith("PS"):
        return padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return padding.PKCS1v15()


def _der(signature: bytes, size: int) -> bytes:
    if len(signature) != 2 * size:
        raise ValueError("bad ECDSA signature length")
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    return encode_dss_signature(r, s)


def key_from_jwk(jwk: Mapping[str, Any]) -> VerifyingKey:
    """A verifying key from one JWK. Raises :class:`JwkError`."""
    kty = jwk.get("kty")
    kid = jwk.get("kid")
    alg = jwk.get("alg")
    if kid is not None and not isinstance(kid, str):
        raise JwkError("kid is not a string")
    if alg is not None and alg not in ALGORITHMS:
        raise JwkError(f"unsupported alg {alg!r}")
    try:
        if kty == "RSA":
            numbers = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
            return VerifyingKey(kid, alg, "RSA", numbers.public_key())
        if kty == "EC":
            curve_name = jwk.get("crv")
            if curve_name not in _CURVES:
                raise JwkError(f"unsupported curve {curve_name!r}")
            curve = _CURVES[curve_name][0]
            point = ec.EllipticCurvePublicNumbers(_int(jwk, "x"), _int(jwk, "y"), curve)
            return VerifyingKey(kid, alg, "EC", point.public_key(), curve_name)
    except (ValueError, TypeError) as exc:
        raise JwkError(f"invalid {kty} key {kid!r}: {exc}") from None
    raise JwkError(f"unsupported key type {kty!r}")


def _int(jwk: Mapping[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JwkError(f"{name} is missing")
    return int.from_bytes(b64url_decode(value), "big")
