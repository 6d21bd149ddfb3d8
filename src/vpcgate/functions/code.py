"""Where a function's code lives on disk: the directory its worker runs in (``LAMBDA_TASK_ROOT``).

- inline code (``Code.ZipFile``) is written to ``index.py`` / ``index.js`` in a directory named by its
  hash, as AWS does: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-code.html
- a directory is used in place (relative paths are relative to the template);
- a .zip file is extracted once into a directory named by its hash, keeping executable bits (a
  ``provided`` function's ``bootstrap`` must stay executable).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from pathlib import Path

from vpcgate.errors import ConfigError
from vpcgate.functions.model import CodeKind, FunctionSpec
from vpcgate.functions.runtimes import Family, RuntimeInfo

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def prepare_code(spec: FunctionSpec, runtime: RuntimeInfo, work_dir: Path) -> Path:
    """The code directory for ``spec``, written or extracted under ``work_dir`` when needed."""
    base = work_dir / "functions" / _UNSAFE.sub("_", spec.name)
    if spec.code.kind is CodeKind.INLINE:
        return _write_inline(spec.code.inline_source or "", runtime, base)
    path = _located(spec)
    if spec.code.kind is CodeKind.DIRECTORY:
        if not path.is_dir():
            raise ConfigError(f"function {spec.name}: code directory {path} does not exist")
        return path
    return _extract_zip(path, base, spec.name)


def _located(spec: FunctionSpec) -> Path:
    if spec.code.path is None:
        raise ConfigError(f"function {spec.name}: code has no path")
    path = spec.code.path
    if not path.is_absolute() and spec.template_dir is not None:
        path = spec.template_dir / path
    return path.resolve()


def _write_inline(source: str, runtime: RuntimeInfo, base: Path) -> Path:
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    target = base / digest
    file = target / runtime.source_file
    if not file.exists():
        target.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp")
        tmp.write_text(source)
        tmp.replace(file)
        if runtime.family is Family.PROVIDED:
            file.chmod(0o755)
    return target


def _extract_zip(path: Path, base: Path, name: str) -> Path:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as error:
        raise ConfigError(f"function {name}: cannot read {path}: {error.strerror}") from None
    target = base / digest
    if (target / ".extracted").exists():
        return target
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                archive.extract(info, target)
                mode = (info.external_attr >> 16) & 0o777
                if mode & stat.S_IXUSR:
                    os.chmod(target / info.filename, mode)
    except zipfile.BadZipFile:
        raise ConfigError(f"function {name}: {path} is not a zip file") from None
    (target / ".extracted").touch()
    return target
