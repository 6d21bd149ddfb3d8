"""The runner: request steps → error boundary → response step. The one place a request can fail.

::

    parse → route → (the method's steps: integration request → invoke → integration response)
          │
          ├─ GatewayError      → rendered through the API's gateway responses (responses.py)
          └─ anything else     → AWS's generic 500 {"message": "Internal server error"}; the
                                 traceback goes to the log, never to the client
    → method response (x-amzn-RequestId, x-amz-apigw-id, X-Amzn-Trace-Id on every response)

If rendering a gateway response itself fails, the built-in bytes of the generic 500 are sent.
When ``inv.timings`` is a dict (an observer asked for it), each step's duration is recorded there
under the step's class name.
"""

from __future__ import annotations

import logging
import time

from vpcgate.gateway.context import Invocation, Reply
from vpcgate.gateway.errors import Default5xxError, GatewayError
from vpcgate.gateway.responses import ErrorRequest
from vpcgate.gateway.steps import Step
from vpcgate.gateway.steps.method_response import method_response
from vpcgate.gateway.steps.parse import ParseStep
from vpcgate.gateway.steps.route import RouteStep
from vpcgate.http.message import HttpResponse

__all__ = ["INTERNAL_ERROR_BODY", "PRELUDE", "render_error", "run_chain"]

log = logging.getLogger("vpcgate.gateway")

INTERNAL_ERROR_BODY = b'{"message": "Internal server error"}'

PRELUDE: tuple[Step, ...] = (ParseStep(), RouteStep())


async def run_chain(inv: Invocation) -> HttpResponse:
    """Run one request through its stage; always returns a response."""
    try:
        if inv.timings is None:
            for step in PRELUDE:
                await step(inv)
            assert inv.route is not None
            for step in inv.route.method.steps:
                await step(inv)
        else:
            await _timed_steps(inv, inv.timings)
        reply = inv.reply
        if reply is None:
            raise RuntimeError("the chain ended without a reply")
    except GatewayError as error:
        inv.error = error
        reply = render_error(inv, error)
    except Exception:
        log.exception(
            "%s: unexpected error in %s %s", inv.ids.request_id, inv.request.method, inv.request.path
        )
        inv.error = Default5xxError()
        reply = render_error(inv, inv.error)
    return method_response(inv, reply)


async def _timed_steps(inv: Invocation, timings: dict[str, float]) -> None:
    """The same steps, each one's duration recorded (for the execution trace and access log)."""
    for step in PRELUDE:
        await _timed(step, inv, timings)
    assert inv.route is not None
    for step in inv.route.method.steps:
        await _timed(step, inv, timings)


async def _timed(step: Step, inv: Invocation, timings: dict[str, float]) -> None:
    started = time.perf_counter()
    try:
        await step(inv)
    finally:
        timings[type(step).__name__] = (time.perf_counter() - started) * 1000


def render_error(inv: Invocation, error: GatewayError) -> Reply:
    try:
        request = ErrorRequest(
            headers=inv.request.headers.items(),
            query=inv.request.query_params(),
            path_parameters=inv.path_parameters,
            stage_variables=inv.stage.variables,
            context=inv.context,
        )
        rendered = inv.stage.responses.render(error, request)
        return Reply(rendered.status, list(rendered.headers), rendered.body)
    except Exception:
        log.exception("%s: rendering %s failed", inv.ids.request_id, error.response_type)
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalServerErrorException")]
        return Reply(500, headers, INTERNAL_ERROR_BODY)
