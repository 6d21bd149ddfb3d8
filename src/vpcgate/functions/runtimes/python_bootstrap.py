"""vpcgate's built-in Python runtime: runs ``def handler(event, context)`` in a warm worker process.

Started as ``python -I -S python_bootstrap.py RFD WFD`` (standard library only, isolated mode: the
function sees its own code directory first on ``sys.path``, not vpcgate's). It speaks to vpcgate over
two inherited pipes with length-prefixed frames instead of the Runtime API over HTTP (cheaper per
invocation); what the handler sees is what AWS's Python runtime gives it:

- the context object (function_name, function_version, invoked_function_arn, memory_limit_in_mb (a
  string, as AWS gives it), aws_request_id, log_group_name, log_stream_name, identity, client_context,
  get_remaining_time_in_millis()):
  https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
- error documents ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` and the init errors
  Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound,
  Runtime.MalformedHandlerName: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
- the root logger writes ``[LEVEL]\\t<time>Z\\t<request id>\\t<message>``:
  https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html

Guard mode (``vpcgate.network.running``; only when ``VPCGATE_GUARD`` is in the environment, so the
usual worker pays nothing): every ``socket.connect``/``connect_ex`` (``socket.create_connection``,
``http.client``, ``urllib`` and asyncio's selector loops all go through them) is checked against the
function's allow table; an allowed VPC address is dialled at its instance's loopback alias, anything
else in a VPC (or an alias itself) fails as a refused connection. Literal addresses only (templates
name private IPs); ``sendto`` on an unconnected UDP socket and native sockets are not checked.

Frame: ``>II`` (meta length, body length), meta JSON, body bytes. In: ``{"id", "deadline", "arn",
"trace", "cc", "ci"}`` + event. Out: ``{"k": "ready"|"ok"|"err"|"init_err"}`` + JSON document.
"""

import decimal
import importlib
import json
import logging
import os
import resource
import struct
import sys
import time
import traceback
from typing import Any

_HEAD = struct.Struct(">II")


class _Channel:
    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfd = rfd
        self.wfd = wfd
        self.buffer = bytearray()

    def _read_exactly(self, size: int) -> bytes:
        # One read usually brings a whole frame: buffer it rather than reading piece by piece.
        while len(self.buffer) < size:
            chunk = os.read(self.rfd, max(65536, size - len(self.buffer)))
            if not chunk:
                raise EOFError
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def recv(self) -> tuple[dict[str, Any], bytes]:
        meta_len, body_len = _HEAD.unpack(self._read_exactly(_HEAD.size))
        meta = json.loads(self._read_exactly(meta_len))
        return meta, self._read_exactly(body_len)

    def send(self, kind: str, body: bytes = b"", **extra: Any) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        # "rss": peak resident memory in KB (getrusage here is cheaper than /proc from vpcgate's side).
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        meta = json.dumps({"k": kind, "rss": rss, **extra}).encode()
        data = memoryview(_HEAD.pack(len(meta), len(body)) + meta + body)
        while data:
            written = os.write(self.wfd, data)
            data = data[written:]


class _InitError(Exception):
    def __init__(self, error_type: str, message: str, stack: Any = ()) -> None:
        super().__init__(message)
        self.document = {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": "",
            "stackTrace": list(stack),
        }


class CognitoIdentity:
    def __init__(self, data: dict[str, Any]) -> None:
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    def __init__(self, data: dict[str, Any]) -> None:
        self.installation_id = data.get("installation_id")
        self.app_title = data.get("app_title")
        self.app_version_name = data.get("app_version_name")
        self.app_version_code = data.get("app_version_code")
        self.app_package_name = data.get("app_package_name")


class ClientContext:
    def __init__(self, data: dict[str, Any]) -> None:
        self.client = Client(data["client"]) if data.get("client") else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The context object a handler gets (field names as in AWS's Python runtime)."""

    def __init__(self, meta: dict[str, Any]) -> None:
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.invoked_function_arn = meta.get("arn")
        self.aws_request_id = meta["id"]
        self._deadline_ms = meta["deadline"]
        self.identity = CognitoIdentity(json.loads(meta["ci"]) if meta.get("ci") else {})
        self.client_context = ClientContext(json.loads(meta["cc"])) if meta.get("cc") else None
        self.tenant_id = meta.get("tenant")

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, message: object) -> None:
        sys.stdout.write(str(message))


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
    )
    formatter.converter = time.gmtime
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    handler.setFormatter(formatter)
    handler.terminator = ""
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def _load_handler(spec: str) -> Any:
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as error:
        raise _InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {error}") from None
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        stack = [f'  File "{error.filename}" Line {error.lineno}\n    {(error.text or "").strip()}\n']
        raise _InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", stack
        ) from None
    except Exception as error:
        raise _InitError(type(error).__name__, str(error), _stack(error)) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler


def _stack(error: BaseException) -> list[str]:
    tb = error.__traceback__
    frames = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    return traceback.format_list([f for f in frames if os.path.abspath(f.filename) != here])


def _error_document(error: BaseException, request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": _stack(error),
    }


def _log_error(document: dict[str, Any]) -> None:
    stack = "".join(document.get("stackTrace") or ())
    sys.stdout.write(f"[ERROR] {document['errorType']}: {document['errorMessage']}\r")
    sys.stdout.write(("Traceback (most recent call last):\r" + stack.replace("\n", "\r")).rstrip("\r") + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value) if value % 1 else int(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _invoke(channel: _Channel, handler: Any, meta: dict[str, Any], body: bytes) -> None:
    request_id = meta["id"]
    _RequestIdFilter.request_id = request_id
    os.environ["_X_AMZN_TRACE_ID"] = meta.get("trace") or ""
    try:
        event = json.loads(body) if body else None
    except ValueError as error:
        document = {
            "errorMessage": f"Unable to unmarshal input: {error}",
            "errorType": "Runtime.UnmarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }
        channel.send("err", json.dumps(document).encode())
        return
    try:
        result = handler(event, LambdaContext(meta))
    except Exception as error:
        document = _error_document(error, request_id)
        _log_error(document)
        channel.send("err", json.dumps(document).encode())
        return
    try:
        payload = json.dumps(result, default=_json_default).encode()
    except (TypeError, ValueError) as error:
        document = {
            "errorMessage": f"Unable to marshal response: {error}",
            "errorType": "Runtime.MarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }
        _log_error(document)
        channel.send("err", json.dumps(document).encode())
        return
    channel.send("ok", payload)


def _install_connect_guard(text: str) -> None:
    """Guard mode: check each connect against the allow table (see the module docstring)."""
    import errno
    import functools
    import ipaddress
    import socket

    table = json.loads(text)
    vpcs = [ipaddress.IPv4Network(cidr) for cidr in table["vpc_cidrs"]]
    allow: dict[str, Any] = table["allow"]
    aliases = frozenset(table.get("aliases", ()))

    def refused() -> OSError:
        return ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))

    @functools.lru_cache(maxsize=4096)
    def guarded(host: str) -> str | None:
        """The IPv4 text of ``host`` when the table has a say on it (a VPC address or an alias)."""
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return None  # a name: not checked (templates give private addresses)
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip
        if mapped is None:
            return None
        text = str(mapped)
        return text if text in aliases or any(mapped in vpc for vpc in vpcs) else None

    def target(sock: socket.socket, address: Any) -> Any:
        """The address to dial instead of ``address``; raises ConnectionRefusedError when not allowed."""
        if not isinstance(address, tuple) or not isinstance(address[0], str):
            return address
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return address
        text = guarded(address[0])
        if text is None:
            return address
        entry = None if text in aliases else allow.get(text)
        proto = 17 if sock.type == socket.SOCK_DGRAM else 6
        port = address[1]
        if entry is None or not any(
            (p is None or p == proto) and lo <= port <= hi for p, lo, hi in entry["ranges"]
        ):
            raise refused()
        dial = entry["dial"] if sock.family == socket.AF_INET else "::ffff:" + entry["dial"]
        return (dial, *address[1:])

    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> None:
        connect(self, target(self, address))

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        try:
            dial = target(self, address)
        except ConnectionRefusedError:
            return errno.ECONNREFUSED
        return connect_ex(self, dial)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]


def main() -> int:
    channel = _Channel(int(sys.argv[1]), int(sys.argv[2]))
    guard = os.environ.pop("VPCGATE_GUARD", None)
    if guard is not None:
        _install_connect_guard(guard)
    del sys.argv[1:]
    # -I ignores PYTHONPATH; AWS's Python runtime honours it (a function may set it), so add it by hand.
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:0] = [os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()), *extra]
    _setup_logging()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except _InitError as error:
        _log_error(error.document)
        channel.send("init_err", json.dumps(error.document).encode())
        return 0
    channel.send("ready")
    while True:
        try:
            meta, body = channel.recv()
        except EOFError:
            return 0
        _invoke(channel, handler, meta, body)


if __name__ == "__main__":
    sys.exit(main())
