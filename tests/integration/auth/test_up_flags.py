"""``vpcgate up`` with the issue-7 flags, as a real process: --jwks, --iam-credentials,
--account-rate/--account-burst take effect; bad values are clear errors, not tracebacks."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.auth.conftest import FIXTURES
from tests.integration.auth.test_cognito_iam import ISSUER, _claims
from tests.integration.limits_gateway.conftest import Node, start_nodes
from tests.unit.authorizers.tokens import SigningKey, jwks

RUN_UP = "import sys; from vpcgate.cli_up import up; up(sys.argv[1:], prog_name='vpcgate up')"


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def _get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_up_flags_configure_cognito_iam_and_the_account_bucket(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    key = SigningKey.rsa("k1")
    (tmp_path / "jwks.json").write_bytes(jwks(key))
    args = ["--jwks", f"{ISSUER}={tmp_path / 'jwks.json'}", "--iam-credentials", "AKIAFLAGTEST0000001:sekret"]
    args += ["--account-rate", "1", "--account-burst", "3"]
    (node,) = start_nodes(started, FIXTURES / "auth.yaml", tmp_path, [args])
    assert isinstance(node, Node)
    token = key.sign(_claims(time.time()))
    assert _get(node.url + "/dev/cognito", {"Authorization": token}) == 200
    request = AWSRequest(method="GET", url=node.url + "/dev/iam/mapped")
    SigV4Auth(Credentials("AKIAFLAGTEST0000001", "sekret"), "execute-api", "us-east-1").add_auth(request)
    assert _get(node.url + "/dev/iam/mapped", dict(request.headers.items())) == 200
    # the account bucket held 3 tokens, 1 a second: the next requests are throttled
    statuses = [_get(node.url + "/dev/open", {}) for _ in range(3)]
    assert 429 in statuses, statuses


@pytest.mark.parametrize(
    ("flag", "words"),
    [
        (["--state", "ftp://somewhere"], "--state must be 'memory' or redis://"),
        (["--jwks", "no-equals-sign"], "expected ISSUER=PATH"),
        (["--jwks", "https://issuer=/no/such/file"], "no file /no/such/file"),
        (["--iam-credentials", "onlyonepart"], "ACCESS_KEY:SECRET"),
    ],
)
def test_bad_flags_are_clear_errors(tmp_path: Path, flag: list[str], words: str) -> None:
    argv = [sys.executable, "-m", "vpcgate", "up", str(FIXTURES / "limits.yaml"), "--port", "0", *flag]
    argv += ["--state-dir", str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode != 0
    assert words in done.stderr and "Traceback" not in done.stderr, done.stderr
