"""A JSON schema compiled once into a checker (fastjsonschema: the one module that imports it).

fastjsonschema generates Python code for a schema; checking a document then costs microseconds
(DESIGN.md's library table: 2.4 µs against jsonschema's 36.5 µs). Only the verdict is used here: the
words of AWS's error text come from :mod:`vpcgate.gateway.validation.messages`, on failure only.

Errors::

    TemplateError    the schema is not a valid JSON schema (names the method)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastjsonschema

from vpcgate.errors import TemplateError

__all__ = ["Checker", "compile_checker"]

Checker = Callable[[Any], bool]


def compile_checker(schema: dict[str, Any], where: str) -> Checker:
    """``checker(document) -> bool``; raises TemplateError for a schema that does not compile."""
    try:
        validate = fastjsonschema.compile(schema, use_default=False)
    except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError) as error:
        raise TemplateError(f"{where}: model schema does not compile: {error}") from None

    def check(document: Any) -> bool:
        try:
            validate(document)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return check
