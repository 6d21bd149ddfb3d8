"""Ids and pointers: shapes and stability."""

from __future__ import annotations

import re

from vpcgate.deploy.ids import generated_name, hex_id, stable_uuid
from vpcgate.deploy.pointer import child
from vpcgate.deploy.pseudo import stack_id_for


def test_pointer_escapes_rfc6901() -> None:
    assert child("/Resources", "a/b", "~x", 0) == "/Resources/a~1b/~0x/0"


def test_stack_id_shape_and_stability() -> None:
    stack_id = stack_id_for("app", "eu-west-1", "123456789012")
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    pattern = r"arn:aws:cloudformation:eu-west-1:123456789012:stack/app/" + uuid
    assert re.fullmatch(pattern, stack_id)
    assert stack_id == stack_id_for("app", "eu-west-1", "123456789012")
    assert stack_id != stack_id_for("app", "eu-west-2", "123456789012")
    assert stable_uuid("a") != stable_uuid("b")


def test_hex_ids_and_generated_names() -> None:
    assert re.fullmatch(r"sg-[0-9a-f]{17}", hex_id("sg", "stack", "Group"))
    assert hex_id("sg", "stack", "Group") == hex_id("sg", "stack", "Group")
    name = generated_name("a-very-long-stack-name-" * 4, "LogicalIdThatIsLong", 64)
    assert len(name) == 64 and re.fullmatch(r".*-[0-9A-Z]{12}", name)
