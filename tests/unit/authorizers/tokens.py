"""Test support: real key pairs and real signed JWTs (the tests' only importer of ``cryptography``)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_EC = {"ES256": (ec.SECP256R1(), "P-256", 32), "ES384": (ec.SECP384R1(), "P-384", 48)}


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    @classmethod
    def rsa(cls, kid: str, alg: str = "RS256") -> SigningKey:
        return cls(kid, alg, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls, kid: str, alg: str = "ES256") -> SigningKey:
        return cls(kid, alg, ec.generate_private_key(_EC[alg][0]))

    def jwk(self) -> dict[str, str]:
        public = self.private.public_key().public_numbers()
        if self.alg.startswith("ES"):
            size = _EC[self.alg][2]
            return {
                "kid": self.kid,
                "alg": self.alg,
                "kty": "EC",
                "use": "sig",
                "crv": _EC[self.alg][1],
                "x": b64url(public.x.to_bytes(size, "big")),
                "y": b64url(public.y.to_bytes(size, "big")),
            }
        return {
            "kid": self.kid,
            "alg": self.alg,
            "kty": "RSA",
            "use": "sig",
            "n": _uint(public.n),
            "e": _uint(public.e),
        }

    def sign(self, claims: dict[str, Any], *, header: dict[str, Any] | None = None) -> str:
        head = {"kid": self.kid, "alg": self.alg} if header is None else header
        signing_input = f"{b64url(json.dumps(head).encode())}.{b64url(json.dumps(claims).encode())}".encode()
        return signing_input.decode() + "." + b64url(self._signature(signing_input, self.alg))

    def _signature(self, data: bytes, alg: str) -> bytes:
        digest = _HASH[alg[2:]]()
        if alg.startswith("RS"):
            return bytes(self.private.sign(data, padding.PKCS1v15(), digest))
        if alg.startswith("PS"):
            pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            return bytes(self.private.sign(data, pss, digest))
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(digest)))
        size = _EC[alg][2]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def jwks(*keys: SigningKey) -> bytes:
    return json.dumps({"keys": [k.jwk() for k in keys]}).encode()
