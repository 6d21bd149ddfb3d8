"""Loading nftables rulesets into a namespace: libnftables through ctypes, ``nft -f -`` as fallback.

Measured (DESIGN.md): libnftables 0.09 ms per ruleset, ``nft -j -f -`` 16 ms. The library talks
netlink in the calling thread's network namespace, so a ruleset meant for a namespace is loaded from
a thread inside it (:func:`netns.call_in`); the fallback runs ``ip netns exec <name> nft -f -``.
Each ruleset text is one transaction: it is applied whole or not at all.

Errors::

    NftError(RuntimeError)     the kernel or nft refused a ruleset (message: nft's own text)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
from pathlib import Path

from vpcgate.network.enforce import netns


class NftError(RuntimeError):
    """nftables refused a ruleset; the message is nft's error output."""


class _Lib:
    def __init__(self, lib: ctypes.CDLL) -> None:
        lib.nft_ctx_new.restype = ctypes.c_void_p
        lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
        lib.nft_ctx_free.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_buffer_error.argtypes = [ctypes.c_void_p]
        lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.nft_run_cmd_from_buffer.restype = ctypes.c_int
        lib.nft_ctx_get_error_buffer.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
        lib.nft_ctx_get_output_buffer.argtypes = [ctypes.c_void_p]
        lib.nft_ctx_get_output_buffer.restype = ctypes.c_char_p
        self.lib = lib

    def run(self, text: str) -> str:
        ctx = self.lib.nft_ctx_new(0)
        if not ctx:
            raise NftError("nft_ctx_new failed")
        try:
            self.lib.nft_ctx_buffer_output(ctx)
            self.lib.nft_ctx_buffer_error(ctx)
            rc = self.lib.nft_run_cmd_from_buffer(ctx, text.encode())
            if rc != 0:
                err = self.lib.nft_ctx_get_error_buffer(ctx) or b""
                raise NftError(err.decode(errors="replace").strip() or f"nft failed ({rc})")
            out = self.lib.nft_ctx_get_output_buffer(ctx) or b""
            return out.decode(errors="replace")
        finally:
            self.lib.nft_ctx_free(ctx)


def _load_library() -> _Lib | None:
    name = ctypes.util.find_library("nftables") or "libnftables.so.1"
    try:
        return _Lib(ctypes.CDLL(name))
    except OSError:
        return None


class Nft:
    """Runs nft commands in a named namespace (or the caller's, with ``namespace=None``)."""

    def __init__(self, *, use_library: bool = True) -> None:
        self._lib = _load_library() if use_library else None

    @property
    def via(self) -> str:
        return "libnftables" if self._lib is not None else "nft"

    def run(self, text: str, namespace: str | None = None) -> str:
        """Apply ``text`` (nft syntax) atomically; return nft's output (for ``list`` commands)."""
        if self._lib is not None:
            lib = self._lib
            if namespace is None:
                return lib.run(text)
            return netns.call_in(netns.netns_path(namespace), lambda: lib.run(text))
        return _run_binary(text, namespace)


def _run_binary(text: str, namespace: str | None) -> str:
    argv = ["nft", "-f", "-"]
    if namespace is not None:
        argv = ["ip", "netns", "exec", namespace, *argv]
    proc = subprocess.run(argv, input=text, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise NftError(proc.stderr.strip() or f"nft exited {proc.returncode}")
    return proc.stdout


def nft_available(path: Path = Path("/usr/sbin/nft")) -> bool:
    """Is either libnftables or the nft binary present?"""
    return _load_library() is not None or path.exists()
