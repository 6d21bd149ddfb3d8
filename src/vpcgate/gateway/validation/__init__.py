"""Request validation: request validators and models (JSON Schema draft 4), compiled once per stage.

- :mod:`.models`   a method's model → one self-contained draft-4 schema (references to other models
                   inlined under ``definitions``);
- :mod:`.compiled` the schema compiled once (fastjsonschema: the only module importing it);
- :mod:`.messages` AWS's ``validationErrorString`` for a body that failed, built only then (jsonschema:
                   the only module importing it).

The step that uses them is :mod:`vpcgate.gateway.steps.validate`.
"""
