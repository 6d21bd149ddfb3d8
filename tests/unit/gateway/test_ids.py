"""Request ids and ``$context.requestTime``: AWS's formats, fresh every request, text cached per second."""

from __future__ import annotations

import re
import uuid

from vpcgate.gateway.front import new_ids
from vpcgate.gateway.proxy_event import clf_time


def test_ids_have_aws_formats_and_are_unique() -> None:
    seen = set()
    for _ in range(2000):
        ids = new_ids()
        request_id = uuid.UUID(ids.request_id)
        assert str(request_id) == ids.request_id
        assert (request_id.version, request_id.variant) == (4, uuid.RFC_4122)
        assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", ids.extended_request_id)
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", ids.trace_id)
        assert int(ids.trace_id[7:15], 16) == ids.epoch_ms // 1000
        seen.add((ids.request_id, ids.extended_request_id, ids.trace_id[16:]))
    assert len(seen) == 2000


def test_request_time_changes_with_the_second_and_only_then() -> None:
    texts = [clf_time(ms) for ms in (1709251199000, 1709251199999, 1709251200000, 1709251199500)]
    assert texts == [
        "29/Feb/2024:23:59:59 +0000",
        "29/Feb/2024:23:59:59 +0000",
        "01/Mar/2024:00:00:00 +0000",
        "29/Feb/2024:23:59:59 +0000",
    ]
